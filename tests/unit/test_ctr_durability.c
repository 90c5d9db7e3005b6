/* The container store's durability policy (docs/durability.md): restore
 * does not rewrite state it just read unless its text changes (foreign
 * 20.10 state is normalised once), an unchanged file is not rewritten by a
 * checkpoint (compared with the text last written or read, kept in memory),
 * removal goes through a tombstone that restore deletes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/containers.h"
#include "engine/containers_rt.h"
#include "fsutil.h"
#include "jsonutil.h"

#define CORPUS "fixtures/upgrade/dockerd-20.10.24"
#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int resolve_any(const char *name, struct rt_resolved *out, struct rt_err *err)
{
    (void)err;
    out->name = strdup(*name ? name : "runc");
    return 0;
}
static char *default_runc(void) { return strdup("runc"); }

static char root[64];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/rt-dur-XXXXXX");
    if (!mkdtemp(root)) return -1;
    rt_ctr_set_resolver(resolve_any, default_runc);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rt_rm_rf(root);
    return 0;
}

static char *cpath(const char *id, const char *file)
{
    char *p;
    if (asprintf(&p, "%s/containers/%s%s%s", root, id, file ? "/" : "", file ? file : "") < 0) abort();
    return p;
}

/* inode + mtime of a file: a rewrite (temp file + rename) changes the inode */
static void ident(const char *id, const char *file, struct stat *st)
{
    char *p = cpath(id, file);
    assert_int_equal(stat(p, st), 0);
    free(p);
}

static bool same(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The first corpus container with both files, copied in; its id in OUT. */
static void plant_corpus_one(char out[65])
{
    DIR *d = opendir(CORPUS "/containers");
    assert_non_null(d);
    struct dirent *e;
    out[0] = '\0';
    while ((e = readdir(d)) && !out[0]) {
        if (strlen(e->d_name) != 64) continue;
        char src[512];
        snprintf(src, sizeof src, CORPUS "/containers/%s/hostconfig.json", e->d_name);
        if (access(src, R_OK) != 0) continue;
        snprintf(out, 65, "%s", e->d_name);
    }
    closedir(d);
    assert_true(out[0]);
    char *dir = cpath(out, NULL);
    assert_int_equal(rt_mkdir_p(dir, 0700), 0);
    static const char *const files[] = {"config.v2.json", "hostconfig.json"};
    for (int i = 0; i < 2; i++) {
        char src[512];
        snprintf(src, sizeof src, CORPUS "/containers/%s/%s", out, files[i]);
        size_t len;
        char *s = rt_read_file(src, 1 << 24, &len);
        assert_non_null(s);
        char *dst = cpath(out, files[i]);
        assert_int_equal(rt_atomic_write_flags(dst, s, len, 0600, RT_AW_NO_SYNC, NULL, 0), 0);
        free(s), free(dst);
    }
    free(dir);
}

static struct rt_ctr_store *restore_fresh(int *loaded)
{
    struct rt_ctr_store *s = rt_ctr_store_new(root);
    assert_non_null(s);
    *loaded = rt_ctr_restore(s);
    return s;
}

/* 20.10 state is rewritten in our form once; a second restore writes nothing. */
static void test_restore_rewrites_once(void **state)
{
    (void)state;
    char id[65];
    plant_corpus_one(id);
    struct stat c0, h0, c1, h1, c2, h2;
    ident(id, "config.v2.json", &c0), ident(id, "hostconfig.json", &h0);
    int n;
    struct rt_ctr_store *s = restore_fresh(&n);
    assert_true(n >= 1);
    rt_ctr_store_free(s);
    ident(id, "config.v2.json", &c1), ident(id, "hostconfig.json", &h1);
    assert_false(same(&c0, &c1)); /* dockerd's text is not ours: persisted once */
    s = restore_fresh(&n);
    assert_true(n >= 1);
    rt_ctr_store_free(s);
    ident(id, "config.v2.json", &c2), ident(id, "hostconfig.json", &h2);
    assert_true(same(&c1, &c2));
    assert_true(same(&h1, &h2));
}

static json_t *doc_for(const char *id, const char *name)
{
    return json_pack("{s:s,s:s,s:{s:b,s:s,s:s},s:{}}", "ID", id, "Name", name, "State", "Running", 0, "StartedAt",
                     "0001-01-01T00:00:00Z", "FinishedAt", "0001-01-01T00:00:00Z", "Config");
}

/* A checkpoint that changes only config.v2.json leaves hostconfig.json alone;
 * removal leaves neither the directory nor a tombstone. */
static void test_checkpoint_and_remove(void **state)
{
    (void)state;
    struct rt_ctr_store *s = rt_ctr_store_new(root);
    struct rt_err err = {0};
    struct rt_container *c = rt_ctr_insert(s, doc_for(ID, "/dur"), json_pack("{s:s}", "Runtime", "runc"), &err);
    assert_non_null(c);
    struct stat c0, h0, c1, h1;
    ident(ID, "config.v2.json", &c0), ident(ID, "hostconfig.json", &h0);
    pthread_mutex_lock(&c->lock);
    rt_ctr_set_stopped(c, 3);
    assert_int_equal(rt_ctr_checkpoint(s, c, &err), 0);
    pthread_mutex_unlock(&c->lock);
    ident(ID, "config.v2.json", &c1), ident(ID, "hostconfig.json", &h1);
    assert_false(same(&c0, &c1));
    assert_true(same(&h0, &h1));
    rt_ctr_put(c);
    assert_int_equal(rt_ctr_remove(s, "dur", false, &err), 0);
    char *dir = cpath(ID, NULL), *tomb = cpath(RT_CTR_TOMBSTONE ID, NULL);
    assert_int_not_equal(access(dir, F_OK), 0);
    assert_int_not_equal(access(tomb, F_OK), 0);
    free(dir), free(tomb);
    rt_ctr_store_free(s);
}

/* After a restore of our own state, the first checkpoint compares with
 * the texts restore read: hostconfig.json is left alone, config.v2.json is
 * written; an empty Runtime on disk is not what a save writes, so restore
 * rewrites that hostconfig.json once, without the key. */
static void test_restore_then_checkpoint(void **state)
{
    (void)state;
    struct rt_ctr_store *s = rt_ctr_store_new(root);
    struct rt_err err = {0};
    struct rt_container *c = rt_ctr_insert(s, doc_for(ID, "/own"), json_pack("{s:s}", "Runtime", "runc"), &err);
    assert_non_null(c);
    rt_ctr_put(c);
    rt_ctr_store_free(s);
    struct stat c0, h0, c1, h1;
    ident(ID, "config.v2.json", &c0), ident(ID, "hostconfig.json", &h0);
    int n;
    s = restore_fresh(&n);
    assert_int_equal(n, 1);
    ident(ID, "config.v2.json", &c1), ident(ID, "hostconfig.json", &h1);
    assert_true(same(&c0, &c1) && same(&h0, &h1)); /* our own text: nothing written */
    c = rt_ctr_lookup(s, "own", &err);
    assert_non_null(c);
    pthread_mutex_lock(&c->lock);
    rt_ctr_set_stopped(c, 1);
    assert_int_equal(rt_ctr_checkpoint(s, c, &err), 0);
    pthread_mutex_unlock(&c->lock);
    rt_ctr_put(c);
    ident(ID, "config.v2.json", &c1), ident(ID, "hostconfig.json", &h1);
    assert_false(same(&c0, &c1));
    assert_true(same(&h0, &h1));
    rt_ctr_store_free(s);

    /* an empty Runtime written by someone else: normalised once */
    char *hp = cpath(ID, "hostconfig.json");
    const char *empty = "{\"Runtime\":\"\"}";
    assert_int_equal(rt_atomic_write_flags(hp, empty, strlen(empty), 0600, RT_AW_NO_SYNC, NULL, 0), 0);
    s = restore_fresh(&n);
    assert_int_equal(n, 1);
    rt_ctr_store_free(s);
    size_t len;
    char *text = rt_read_file(hp, 1 << 20, &len);
    assert_non_null(text);
    assert_string_equal(text, "{}");
    free(text), free(hp);
}

/* Enough containers for the two-thread load: all come back, under their
 * names and ids, with their views, nothing rewritten; removing every other
 * one (swap-remove in the store) leaves the rest reachable. */
static void test_restore_many(void **state)
{
    (void)state;
    enum { N = 150 };
    struct rt_ctr_store *s = rt_ctr_store_new(root);
    struct rt_err err = {0};
    char ids[N][65], name[32];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], 65, "%064x", i + 1);
        snprintf(name, sizeof name, "/many%d", i);
        struct rt_container *c = rt_ctr_insert(s, doc_for(ids[i], name), json_pack("{s:s}", "Runtime", "runc"), &err);
        assert_non_null(c);
        rt_ctr_put(c);
    }
    rt_ctr_store_free(s);
    struct stat h0, h1;
    ident(ids[7], "hostconfig.json", &h0);
    int n;
    s = restore_fresh(&n);
    assert_int_equal(n, N);
    ident(ids[7], "hostconfig.json", &h1);
    assert_true(same(&h0, &h1));
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "many%d", i);
        json_t *v = rt_ctr_view(s, name, &err);
        assert_non_null(v);
        assert_string_equal(rt_json_str(v, "Id", ""), ids[i]);
        assert_string_equal(rt_json_str(json_object_get(v, "HostConfig"), "Runtime", ""), "runc");
        json_decref(v);
    }
    for (int i = 0; i < N; i += 2) assert_int_equal(rt_ctr_remove(s, ids[i], false, &err), 0);
    assert_int_equal(rt_ctr_count(s), N / 2);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "/many%d", i);
        struct rt_container *c = rt_ctr_lookup(s, i % 2 ? name : ids[i], &err);
        if (i % 2) {
            assert_non_null(c);
            assert_string_equal(c->id, ids[i]);
            rt_ctr_put(c);
        } else {
            assert_null(c);
            rt_err_clear(&err);
        }
    }
    rt_ctr_store_free(s);
}

/* A removal cut short (a tombstone holding a complete container) is finished
 * by restore, never loaded. */
static void test_restore_deletes_tombstones(void **state)
{
    (void)state;
    char *tomb = cpath(RT_CTR_TOMBSTONE ID, NULL);
    assert_int_equal(rt_mkdir_p(tomb, 0700), 0);
    json_t *doc = doc_for(ID, "/ghost"), *hc = json_object();
    struct rt_err err = {0};
    assert_int_equal(rt_ctr_disk_save_new(tomb, doc, hc, NULL, &err), 0);
    json_decref(doc), json_decref(hc);
    int n;
    struct rt_ctr_store *s = restore_fresh(&n);
    assert_int_equal(n, 0);
    assert_null(rt_ctr_lookup(s, "ghost", &err));
    rt_err_clear(&err);
    assert_int_not_equal(access(tomb, F_OK), 0);
    rt_ctr_store_free(s);
    free(tomb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restore_rewrites_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_and_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_deletes_tombstones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_then_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_many, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
