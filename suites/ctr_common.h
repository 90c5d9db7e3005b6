/* Helpers shared by the container and upgrade suites: a tiny rootfs image
 * imported over the API, create/inspect/list shortcuts, the on-disk corpus. */
#ifndef RT_SUITES_CTR_COMMON_H
#define RT_SUITES_CTR_COMMON_H

#include <jansson.h>
#include <stddef.h>

#include "harness/client.h"

#define RT_CT_IMAGE "rtconform-tiny:1"

/* POST /images/create?fromSrc=-&repo=REPO_TAG with a one-file rootfs tar
 * (or TAR/LEN when given). Returns the HTTP status; body in OUT. */
/* POST PATH with a tar body (Content-Type application/x-tar); the
 * response in OUT (status 0 and OUT->error on transport failure). */
long rt_ct_post_tar(const char *path, const void *tar, size_t len, struct rt_http_resp *out);
long rt_ct_import(const char *repo_tag, const void *tar, size_t len, struct rt_http_resp *out);
/* Import the tiny image as RT_CT_IMAGE; ERROR outcome unless 200. */
void rt_ct_import_ok(void);
/* A tar holding the given (path, content) pairs; content NULL = directory. */
void *rt_ct_make_tar(const char *const *paths, const char *const *contents, size_t n, size_t *len);

/* POST /containers/create[?name=NAME] with BODY (JSON text). */
void rt_ct_create(const char *name, const char *body, struct rt_http_resp *out);
/* Same, asserting 201; returns the id (malloc'd). */
char *rt_ct_create_ok(const char *name, const char *body);
/* GET /containers/{ref}/json, asserting 200. */
json_t *rt_ct_inspect(const char *ref);
/* Number of entries of GET /containers/json?all=1. */
size_t rt_ct_count_all(void);
/* Sub-directories of <data-root>/containers. */
size_t rt_ct_count_dirs(void);
/* <data-root>/containers/<id>/hostconfig.json, parsed (NULL if absent). */
json_t *rt_ct_hostconfig_on_disk(const char *id);
/* "message" of an error response ("" if none). */
const char *rt_ct_msg(const struct rt_http_resp *r);
/* Assert STATUS and exact message. */
void rt_ct_assert_error(const struct rt_http_resp *r, long status, const char *msg);

/* Directory of the dockerd 20.10.24 corpus (SKIP when not found). */
const char *rt_ct_corpus_dir(void);
/* Copy the corpus's containers/ under the sandbox data-root. */
void rt_ct_copy_corpus(void);

/* POST /containers/{ref}/start into OUT. When the engine says it has no
 * shim manager yet (500 "no shim manager"), the test SKIPs: it needs a
 * running container and faking one would prove nothing. */
void rt_ct_start(const char *ref, struct rt_http_resp *out);
void rt_ct_skip_without_shims(const struct rt_http_resp *r);
/* Start REF (SKIP as above) asserting HTTP WANT; the response into OUT
 * (NULL: freed). */
void rt_ct_start_expect(const char *ref, long want, struct rt_http_resp *out);
/* Start REF: 204 (SKIP as above). */
void rt_ct_start_ok(const char *ref);

#endif
