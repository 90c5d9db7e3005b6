/* Image store: tar import (id = sha256 of config.json, rootfs, name index),
 * refusal of ".." and absolute entries with nothing stored, lookup forms,
 * list/inspect shapes, delete conflicts. */
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
#include <sys/stat.h>
#include <unistd.h>

#include "engine/containers.h"
#include "engine/images.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "naming.h"

struct ent { const char *path; const char *data; const char *hardlink; };

static void *make_tar(const struct ent *ents, size_t n, size_t *len)
{
    size_t cap = 1 << 16;
    void *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, len);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, ents[i].path);
        if (ents[i].hardlink) {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, ents[i].hardlink);
            archive_entry_set_size(e, 0);
        } else if (!ents[i].data) {
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
        } else {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, (la_int64_t)strlen(ents[i].data));
        }
        archive_write_header(a, e);
        if (ents[i].data) archive_write_data(a, ents[i].data, strlen(ents[i].data));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

struct fx { char *root, *images; struct rt_img_store *is; };

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char tmpl[] = "/tmp/rt-img-XXXXXX";
    f->root = strdup(mkdtemp(tmpl));
    f->images = rt_path_join(f->root, "images");
    f->is = rt_img_store_new(f->root);
    *state = f;
    return f->is ? 0 : -1;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rt_img_store_free(f->is);
    rt_rm_rf(f->root);
    free(f->root), free(f->images), free(f);
    return 0;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static const struct ent good[] = {{"bin", NULL, NULL}, {"bin/hello", "hi\n", NULL}, {"./etc/passwd", "root:x:0:0\n", NULL}};

static void import_good(struct fx *f, const char *repo, const char *tag, char id[72])
{
    size_t len;
    void *tar = make_tar(good, 3, &len);
    struct rt_err err = {0};
    assert_int_equal(rt_img_import(f->is, tar, len, repo, tag, NULL, id, &err), 0);
    free(tar);
}

static void test_import(void **state)
{
    struct fx *f = *state;
    char id[72];
    import_good(f, "busybox", "local", id);
    assert_int_equal(strncmp(id, "sha256:", 7), 0);
    /* id = sha256(config.json bytes) */
    char p[4096];
    snprintf(p, sizeof p, "%s/%s/config.json", f->images, id + 7);
    size_t len;
    char *cfg = rt_read_file(p, 1 << 20, &len);
    assert_non_null(cfg);
    char hex[65];
    rt_sha256_hex(cfg, len, hex);
    assert_string_equal(hex, id + 7);
    free(cfg);
    snprintf(p, sizeof p, "%s/%s/rootfs/bin/hello", f->images, id + 7);
    char *hello = rt_read_file(p, 100, NULL);
    assert_non_null(hello);
    assert_string_equal(hello, "hi\n");
    free(hello);
    /* name index in dockerd's shape */
    snprintf(p, sizeof p, "%s/repositories.json", f->images);
    json_t *idx = rt_json_load_file(p, 1 << 20, NULL, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(idx, "Repositories"), "busybox"), "busybox:local")), id);
    json_decref(idx);
}

static void test_import_refuses_unsafe(void **state)
{
    struct fx *f = *state;
    static const struct ent dotdot[] = {{"ok", "x", NULL}, {"a/../../evil", "x", NULL}};
    static const struct ent abs[] = {{"/etc/evil", "x", NULL}};
    static const struct ent link[] = {{"ok", "x", NULL}, {"l", NULL, "../../etc/passwd"}};
    const struct { const struct ent *e; size_t n; } cases[] = {{dotdot, 2}, {abs, 1}, {link, 2}};
    size_t before = count_entries(f->images);
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        void *tar = make_tar(cases[i].e, cases[i].n, &len);
        struct rt_err err = {0};
        char id[72];
        assert_int_equal(rt_img_import(f->is, tar, len, "evil", "x", NULL, id, &err), -1);
        assert_int_equal(err.cls, RT_ERR_INVALID);
        rt_err_clear(&err);
        free(tar);
    }
    assert_int_equal(count_entries(f->images), before); /* nothing stored */
    assert_int_equal(access("/tmp/evil", F_OK), -1);
    /* garbage is a 400 too */
    struct rt_err err = {0};
    char id[72];
    assert_int_equal(rt_img_import(f->is, "not a tar at all", 16, "x", "", NULL, id, &err), -1);
    assert_int_equal(err.cls, RT_ERR_INVALID);
    rt_err_clear(&err);
}

static void test_lookup_forms(void **state)
{
    struct fx *f = *state;
    char id[72], got[72];
    import_good(f, "busybox:local", NULL, id); /* tag inside repo */
    char id2[72];
    import_good(f, "alpine", "", id2);          /* default tag latest */
    struct rt_err err = {0};
    assert_int_equal(rt_img_resolve(f->is, "busybox:local", got, NULL, &err), 0);
    assert_string_equal(got, id);
    assert_int_equal(rt_img_resolve(f->is, "alpine", got, NULL, &err), 0);
    assert_string_equal(got, id2);
    assert_int_equal(rt_img_resolve(f->is, "alpine:latest", got, NULL, &err), 0);
    assert_int_equal(rt_img_resolve(f->is, id, got, NULL, &err), 0);
    assert_string_equal(got, id);
    assert_int_equal(rt_img_resolve(f->is, id + 7, got, NULL, &err), 0);
    char prefix[20];
    snprintf(prefix, sizeof prefix, "%.12s", id2 + 7);
    assert_int_equal(rt_img_resolve(f->is, prefix, got, NULL, &err), 0);
    assert_string_equal(got, id2);
    assert_int_equal(rt_img_resolve(f->is, "busybox", got, NULL, &err), -1); /* :latest absent */
    assert_int_equal(err.cls, RT_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "No such image: busybox");
    rt_err_clear(&err);
    json_t *list = rt_img_list(f->is);
    assert_int_equal(json_array_size(list), 2);
    json_decref(list);
    json_t *ins = rt_img_inspect(f->is, "busybox:local", &err);
    assert_string_equal(rt_json_str(ins, "Id", ""), id);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ins, "RepoTags"), 0)), "busybox:local");
    json_decref(ins);
}

static void test_delete_conflict(void **state)
{
    struct fx *f = *state;
    char id[72];
    import_good(f, "busybox", "local", id);
    struct rt_ctr_store *cs = rt_ctr_store_new(f->root);
    json_t *doc = json_pack("{s:{s:b},s:s,s:s,s:s,s:s}", "State", "Running", 0, "ID",
                            "cccc000000000000000000000000000000000000000000000000000000000001", "Name", "/user",
                            "Image", id, "Created", "2026-01-01T00:00:00Z");
    struct rt_err err = {0};
    struct rt_container *c = rt_ctr_insert(cs, doc, json_object(), &err);
    assert_non_null(c);
    rt_ctr_put(c);
    assert_null(rt_img_delete(f->is, id, false, cs, &err));
    assert_int_equal(err.cls, RT_ERR_CONFLICT);
    char want[256];
    snprintf(want, sizeof want,
             "conflict: unable to delete %.12s (must be forced) - image is being used by stopped container cccc00000000",
             id + 7);
    assert_string_equal(err.msg, want);
    rt_err_clear(&err);
    assert_int_equal(rt_ctr_remove(cs, "user", false, &err), 0);
    json_t *r = rt_img_delete(f->is, "busybox:local", false, cs, &err);
    assert_non_null(r);
    assert_string_equal(rt_json_str(json_array_get(r, 0), "Untagged", ""), "busybox:local");
    assert_string_equal(rt_json_str(json_array_get(r, 1), "Deleted", ""), id);
    json_decref(r);
    char got[72];
    assert_int_equal(rt_img_resolve(f->is, id, got, NULL, &err), -1);
    rt_err_clear(&err);
    rt_ctr_store_free(cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_refuses_unsafe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_conflict, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
