/* The minimal image store: rootfs tarballs imported with libarchive.
 * Layout: <data-root>/images/<hex id>/{config.json,rootfs/,meta.json} and the
 * name index <data-root>/images/repositories.json in dockerd's shape
 * {"Repositories":{"busybox":{"busybox:local":"sha256:<id>"}}}.
 * The image id is the sha256 of config.json's bytes. */
#ifndef RT_IMAGES_H
#define RT_IMAGES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/errdefs.h"

struct rt_img_store;
struct rt_ctr_store;

struct rt_img_store *rt_img_store_new(const char *data_root);
void rt_img_store_free(struct rt_img_store *s);
struct rt_img_store *rt_img_store_default(void);
void rt_img_store_set_default(struct rt_img_store *s);

/* Split "name[:tag]" (tag after the last ':' not followed by '/'); the tag
 * defaults to "latest". Returns malloc'd "name:tag". */
char *rt_img_normalize(const char *ref);

/* Lookup by name[:tag], full id, "sha256:" id, or unique id prefix.
 * ID gets "sha256:<hex>"; CONFIG (may be NULL) a copy of config.json.
 * 404 "No such image: <ref>". */
int rt_img_resolve(struct rt_img_store *s, const char *ref, char id[72], json_t **config,
                   struct rt_err *err);

/* Import the tarball TAR[LEN] (any format/compression libarchive reads) as
 * a new image tagged REPO[:TAG] (REPO may be "" = untagged; a tag inside
 * REPO wins over an empty TAG). Entries with ".." components or absolute
 * paths (names or hard-link targets) are refused with 400 and nothing is
 * stored. ID gets "sha256:<hex>". */
int rt_img_import(struct rt_img_store *s, const void *tar, size_t len, const char *repo,
                  const char *tag, const char *message, char id[72], struct rt_err *err);

/* POST /images/load (images_load.c): a `docker save` tarball; every
 * manifest.json entry is stored (layers applied in order) and tagged with
 * its RepoTags. Returns the stream messages [{"stream":"Loaded image: x\n"}]
 * or NULL with 400 (bad archive, missing member, unsafe entry name). */
json_t *rt_img_load(struct rt_img_store *s, const void *tar, size_t len, struct rt_err *err);

/* GET /images/json and GET /images/{name}/json shapes. */
json_t *rt_img_list(struct rt_img_store *s);
json_t *rt_img_inspect(struct rt_img_store *s, const char *ref, struct rt_err *err);

/* DELETE /images/{name}: the [{"Untagged":..},{"Deleted":..}] array, or
 * NULL with 409 when a container (CTRS) uses it and FORCE is not set. */
json_t *rt_img_delete(struct rt_img_store *s, const char *ref, bool force,
                      struct rt_ctr_store *ctrs, struct rt_err *err);

#endif
