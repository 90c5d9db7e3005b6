/* POST /images/load's store side: a `docker save` tarball (manifest.json,
 * config blob, layer tar) becomes an image whose id is the config's
 * sha256, tagged with RepoTags; unsafe or incomplete archives are 400 with
 * nothing stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/images.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "naming.h"

struct member { const char *path; const void *data; size_t len; const char *symlink; };

/* A tar in memory of MEMBERS (regular files). */
static void *tar_of(const struct member *m, size_t n, size_t *len)
{
    size_t cap = 1 << 18;
    void *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, len);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].path);
        archive_entry_set_perm(e, 0755);
        if (m[i].symlink) {
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, m[i].symlink);
            archive_write_header(a, e);
        } else {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_size(e, (la_int64_t)m[i].len);
            archive_write_header(a, e);
            archive_write_data(a, m[i].data, m[i].len);
        }
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

static const char CFG[] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"echo\",\"hi\"]},"
                          "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";

struct fx { char *root; struct rt_img_store *is; };

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char tmpl[] = "/tmp/rt-imgload-XXXXXX";
    f->root = strdup(mkdtemp(tmpl));
    f->is = rt_img_store_new(f->root);
    *state = f;
    return f->is ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rt_img_store_free(f->is);
    rt_rm_rf(f->root);
    free(f->root), free(f);
    return 0;
}

/* The save tarball with LAYER_MEMBER (a path inside the layer) and the
 * manifest's layer name LAYER_REF. */
static void *save_tar(const char *layer_member, const char *layer_ref, const char *tags, size_t *len, char hex[65])
{
    struct member lm = {layer_member, "#!/bin/sh\n", 10, NULL};
    size_t llen;
    void *layer = tar_of(&lm, 1, &llen);
    rt_sha256_hex(CFG, strlen(CFG), hex);
    char cfgname[80], manifest[512];
    snprintf(cfgname, sizeof cfgname, "%s.json", hex);
    snprintf(manifest, sizeof manifest, "[{\"Config\":\"%s\",\"RepoTags\":%s,\"Layers\":[\"%s\"]}]", cfgname, tags,
             layer_ref);
    struct member m[] = {{cfgname, CFG, strlen(CFG), NULL}, {"abc/layer.tar", layer, llen, NULL},
                         {"manifest.json", manifest, strlen(manifest), NULL},
                         /* docker save links repeated layers like this */
                         {"def/layer.tar", NULL, 0, "../abc/layer.tar"},
                         {"esc/layer.tar", NULL, 0, "../../abc/layer.tar"}};
    void *t = tar_of(m, 5, len);
    free(layer);
    return t;
}

static void test_load_tagged(void **state)
{
    struct fx *f = *state;
    char hex[65];
    size_t len;
    void *t = save_tar("bin/hello", "abc/layer.tar", "[\"loaded:v1\"]", &len, hex);
    struct rt_err err = {0};
    json_t *msgs = rt_img_load(f->is, t, len, &err);
    assert_non_null(msgs);
    assert_string_equal(rt_json_str(json_array_get(msgs, 0), "stream", ""), "Loaded image: loaded:v1\n");
    json_decref(msgs);
    char id[72];
    json_t *cfg = NULL;
    assert_int_equal(rt_img_resolve(f->is, "loaded:v1", id, &cfg, &err), 0);
    char want[72];
    snprintf(want, sizeof want, "sha256:%s", hex);
    assert_string_equal(id, want); /* the config is kept byte for byte */
    assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(cfg, "config"), "Cmd"), 1)), "hi");
    json_decref(cfg);
    char path[4096];
    snprintf(path, sizeof path, "%s/images/%s/rootfs/bin/hello", f->root, hex);
    assert_int_equal(access(path, F_OK), 0);
    /* loading the same archive again only tags */
    msgs = rt_img_load(f->is, t, len, &err);
    assert_non_null(msgs);
    json_decref(msgs);
    free(t);
}

static void test_load_untagged(void **state)
{
    struct fx *f = *state;
    char hex[65];
    size_t len;
    void *t = save_tar("x", "abc/layer.tar", "[]", &len, hex);
    struct rt_err err = {0};
    json_t *msgs = rt_img_load(f->is, t, len, &err);
    assert_non_null(msgs);
    char want[128];
    snprintf(want, sizeof want, "Loaded image ID: sha256:%s\n", hex);
    assert_string_equal(rt_json_str(json_array_get(msgs, 0), "stream", ""), want);
    json_decref(msgs);
    free(t);
}

/* A manifest layer that is a symlink to another member is followed inside
 * the archive; one pointing above the archive root is missing. */
static void test_load_symlinked_layer(void **state)
{
    struct fx *f = *state;
    char hex[65];
    size_t len;
    struct rt_err err = {0};
    void *t = save_tar("bin/hello", "def/layer.tar", "[\"linked:1\"]", &len, hex);
    json_t *msgs = rt_img_load(f->is, t, len, &err);
    assert_non_null(msgs);
    json_decref(msgs);
    free(t);
    t = save_tar("bin/hello", "esc/layer.tar", "[\"escaped:1\"]", &len, hex);
    assert_null(rt_img_load(f->is, t, len, &err));
    assert_int_equal(err.cls, RT_ERR_INVALID);
    free(t);
    rt_err_clear(&err);
}

static size_t images_stored(const struct fx *f)
{
    char *dir = rt_path_join(f->root, "images");
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) n += strlen(e->d_name) == 64;
    if (d) closedir(d);
    free(dir);
    return n;
}

static void test_load_refused(void **state)
{
    struct fx *f = *state;
    char hex[65];
    size_t len;
    struct rt_err err = {0};
    /* ".." inside the layer */
    void *t = save_tar("../escape", "abc/layer.tar", "[\"bad:1\"]", &len, hex);
    assert_null(rt_img_load(f->is, t, len, &err));
    assert_int_equal(err.cls, RT_ERR_INVALID);
    assert_non_null(strstr(err.msg, "not allowed"));
    free(t);
    /* absolute member of the outer archive */
    struct member abs = {"/etc/evil", "x", 1, NULL};
    t = tar_of(&abs, 1, &len);
    assert_null(rt_img_load(f->is, t, len, &err));
    assert_int_equal(err.cls, RT_ERR_INVALID);
    free(t);
    /* a layer the manifest names but the archive lacks */
    t = save_tar("x", "nope/layer.tar", "[\"bad:2\"]", &len, hex);
    assert_null(rt_img_load(f->is, t, len, &err));
    assert_int_equal(err.cls, RT_ERR_INVALID);
    free(t);
    /* no manifest.json */
    struct member only = {"x.json", "{}", 2, NULL};
    t = tar_of(&only, 1, &len);
    assert_null(rt_img_load(f->is, t, len, &err));
    assert_int_equal(err.cls, RT_ERR_INVALID);
    free(t);
    /* not a tar at all */
    assert_null(rt_img_load(f->is, "garbage", 7, &err));
    assert_int_equal(err.cls, RT_ERR_INVALID);
    assert_int_equal(images_stored(f), 0);
    rt_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_tagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_untagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_symlinked_layer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
