/* Container store: lookup, names, create validation, on-disk format
 * round trip over the dockerd 20.10.24 corpus, restore + restart policies,
 * the start path without a shim, readers never taking a container's lock. */
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
#include "engine/containers_rt.h"
#include "engine/images.h"
#include "fsutil.h"
#include "jsonutil.h"

#define CORPUS "fixtures/upgrade/dockerd-20.10.24"

/* ---- a fake runtime set: configured names + the permissible predicate ---- */
static const char *configured[8] = {"runc", "io.containerd.runc.v2"};
static const char *default_rt = "runc";

static int fake_resolve(const char *name, struct rt_resolved *out, struct rt_err *err)
{
    if (!*name) name = default_rt;
    for (size_t i = 0; i < 8 && configured[i]; i++)
        if (!strcmp(configured[i], name)) {
            out->name = strdup(name);
            return 0;
        }
    if (rt_runtime_name_permissible(name)) {
        out->name = strdup(name);
        return 0;
    }
    return rt_err_set(err, RT_ERR_INVALID, "unknown or invalid runtime name: %s", name);
}
static char *fake_default(void) { return strdup(default_rt); }

/* ---- fixture ---- */
struct fx {
    char *root;
    struct rt_ctr_store *cs;
    struct rt_img_store *is;
    char image_id[72];
};

static void *make_tar(size_t *len)
{
    size_t cap = 1 << 16;
    void *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, len);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "bin/sh");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0755);
    archive_entry_set_size(e, 3);
    archive_write_header(a, e);
    archive_write_data(a, "#!\n", 3);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char tmpl[] = "/tmp/rt-ctr-XXXXXX";
    f->root = strdup(mkdtemp(tmpl));
    f->cs = rt_ctr_store_new(f->root);
    f->is = rt_img_store_new(f->root);
    rt_img_store_set_default(f->is);
    rt_ctr_store_set_default(f->cs);
    rt_ctr_set_resolver(fake_resolve, fake_default);
    rt_ctr_set_start_hook(NULL);
    configured[2] = NULL;
    default_rt = "runc";
    size_t len;
    void *tar = make_tar(&len);
    struct rt_err err = {0};
    if (rt_img_import(f->is, tar, len, "busybox", "local", NULL, f->image_id, &err) < 0) return -1;
    free(tar);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rt_ctr_store_set_default(NULL);
    rt_img_store_set_default(NULL);
    rt_ctr_store_free(f->cs);
    rt_img_store_free(f->is);
    rt_rm_rf(f->root);
    free(f->root);
    free(f);
    return 0;
}

static size_t count_dirs(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

static char *create(struct fx *f, const char *name, const char *body, struct rt_err *err)
{
    json_t *b = json_loads(body, 0, NULL);
    assert_non_null(b);
    char *id = rt_ctr_create(f->cs, name, b, NULL, err);
    json_decref(b);
    return id;
}

static json_t *hostconfig_on_disk(struct fx *f, const char *id)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/containers/%s/hostconfig.json", f->root, id);
    return rt_json_load_file(p, 1 << 20, NULL, 0);
}

/* ---- names and lookup ---- */

static void test_name_valid(void **state)
{
    (void)state;
    assert_true(rt_ctr_name_valid("ab"));
    assert_true(rt_ctr_name_valid("/a.b_c-d"));
    assert_true(rt_ctr_name_valid("0x"));
    assert_false(rt_ctr_name_valid("a"));      /* two chars at least */
    assert_false(rt_ctr_name_valid("-ab"));
    assert_false(rt_ctr_name_valid("a b"));
    assert_false(rt_ctr_name_valid("a/b"));
    assert_false(rt_ctr_name_valid("//ab"));
    assert_false(rt_ctr_name_valid(""));
}

static struct rt_container *insert_raw(struct fx *f, const char *id, const char *name)
{
    json_t *doc = json_pack("{s:{s:b,s:s,s:s},s:s,s:s,s:s,s:{s:s}}", "State", "Running", 0, "StartedAt",
                            "0001-01-01T00:00:00Z", "Error", "", "ID", id, "Name", name, "Created",
                            "2026-01-01T00:00:00Z", "Config", "Image", "x");
    struct rt_err err = {0};
    struct rt_container *c = rt_ctr_insert(f->cs, doc, json_object(), &err);
    assert_non_null(c);
    return c;
}

static void test_lookup(void **state)
{
    struct fx *f = *state;
    const char *a = "aaaa000000000000000000000000000000000000000000000000000000000001";
    const char *b = "aaab000000000000000000000000000000000000000000000000000000000002";
    const char *c3 = "bbbb000000000000000000000000000000000000000000000000000000000003";
    rt_ctr_put(insert_raw(f, a, "/one"));
    rt_ctr_put(insert_raw(f, b, "/two"));
    rt_ctr_put(insert_raw(f, c3, "/aaaa"));
    struct rt_err err = {0};
    struct rt_container *c;
    c = rt_ctr_lookup(f->cs, a, &err);
    assert_non_null(c), assert_string_equal(c->id, a), rt_ctr_put(c);
    c = rt_ctr_lookup(f->cs, "one", &err);
    assert_non_null(c), assert_string_equal(c->id, a), rt_ctr_put(c);
    c = rt_ctr_lookup(f->cs, "/two", &err);
    assert_non_null(c), assert_string_equal(c->id, b), rt_ctr_put(c);
    c = rt_ctr_lookup(f->cs, "aaab", &err);
    assert_non_null(c), assert_string_equal(c->id, b), rt_ctr_put(c);
    /* a name wins over an id prefix */
    c = rt_ctr_lookup(f->cs, "aaaa", &err);
    assert_non_null(c), assert_string_equal(c->id, c3), rt_ctr_put(c);
    assert_null(rt_ctr_lookup(f->cs, "aaa", &err));
    assert_int_equal(err.cls, RT_ERR_INVALID);
    assert_string_equal(err.msg, "multiple IDs found with provided prefix: aaa");
    assert_null(rt_ctr_lookup(f->cs, "nope", &err));
    assert_int_equal(err.cls, RT_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "No such container: nope");
    rt_err_clear(&err);
}

/* ---- create ---- */

static void test_create_defaults_runtime(void **state)
{
    struct fx *f = *state;
    struct rt_err err = {0};
    char *id = create(f, "c1", "{\"Image\":\"busybox:local\",\"Cmd\":[\"true\"],\"HostConfig\":{}}", &err);
    assert_non_null(id);
    json_t *hc = hostconfig_on_disk(f, id);
    assert_string_equal(rt_json_str(hc, "Runtime", "?"), "runc");
    json_decref(hc);
    free(id);
    /* HostConfig absent: v26 stores the default too (§5.2) */
    default_rt = "io.containerd.runc-alias.v2";
    id = create(f, NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"true\"]}", &err);
    assert_non_null(id);
    hc = hostconfig_on_disk(f, id);
    assert_string_equal(rt_json_str(hc, "Runtime", "?"), "io.containerd.runc-alias.v2");
    json_decref(hc);
    /* file modes */
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/containers/%s", f->root, id);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(p, sizeof p, "%s/containers/%s/config.v2.json", f->root, id);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(id);
}

static void test_create_rejections(void **state)
{
    struct fx *f = *state;
    static const struct { const char *name, *body, *msg; int cls; } cases[] = {
        {"a b", "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"]}",
         "Invalid container name (a b), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"HostConfig\":{\"Runtime\":\"/usr/bin/runc\"}}",
         "unknown or invalid runtime name: /usr/bin/runc", RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"HostConfig\":{\"Runtime\":\"RUNC\"}}",
         "unknown or invalid runtime name: RUNC", RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}",
         "invalid restart policy 'sometimes'", RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":-1}}}",
         "invalid restart policy: maximum retry count cannot be negative", RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\",\"MaximumRetryCount\":2}}}",
         "invalid restart policy: maximum retry count can only be used with 'on-failure'", RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}}",
         "can't create 'AutoRemove' container with restart policy", RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"WorkingDir\":\"rel\"}",
         "the working directory 'rel' is invalid, it needs to be an absolute path", RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"StopSignal\":\"SIGNOPE\"}", "invalid signal: SIGNOPE",
         RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"Env\":[\"=x\"]}", "invalid environment variable: =x",
         RT_ERR_INVALID},
        {NULL, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"Healthcheck\":{\"Interval\":999}}",
         "Interval in Healthcheck cannot be less than 1ms", RT_ERR_INVALID},
        {NULL, "{\"Image\":\"nosuch\",\"Cmd\":[\"x\"]}", "No such image: nosuch", RT_ERR_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rt_err err = {0};
        char *id = create(f, cases[i].name, cases[i].body, &err);
        assert_null(id);
        assert_int_equal(err.cls, cases[i].cls);
        assert_string_equal(err.msg, cases[i].msg);
        rt_err_clear(&err);
    }
    /* nothing created: no container, no directory */
    assert_int_equal(rt_ctr_count(f->cs), 0);
    char *d = rt_path_join(f->root, "containers");
    assert_int_equal(count_dirs(d), 0);
    free(d);
    /* the good ones */
    static const char *const ok[] = {"io.containerd.runc-alias.v2", "x.y.z.runc.v2", "io.containerd.runc.v2"};
    for (size_t i = 0; i < 3; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"HostConfig\":{\"Runtime\":\"%s\"}}", ok[i]);
        struct rt_err err = {0};
        char *id = create(f, NULL, body, &err);
        assert_non_null(id);
        free(id);
    }
}

static void test_create_duplicate_name(void **state)
{
    struct fx *f = *state;
    struct rt_err err = {0};
    char *id = create(f, "/dup", "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"]}", &err);
    assert_non_null(id);
    assert_null(create(f, "dup", "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"]}", &err));
    assert_int_equal(err.cls, RT_ERR_CONFLICT);
    char want[512];
    snprintf(want, sizeof want,
             "Conflict. The container name \"/dup\" is already in use by container \"%s\". You have to "
             "remove (or rename) that container to be able to reuse that name.", id);
    assert_string_equal(err.msg, want);
    rt_err_clear(&err);
    assert_int_equal(rt_ctr_count(f->cs), 1);
    free(id);
}

static void test_create_image_defaults(void **state)
{
    struct fx *f = *state;
    struct rt_err err = {0};
    /* imported images have no Cmd: a create without one is refused */
    assert_null(create(f, NULL, "{\"Image\":\"busybox:local\"}", &err));
    assert_string_equal(err.msg, "No command specified");
    char *id = create(f, "ent", "{\"Image\":\"busybox:local\",\"Entrypoint\":[\"/bin/sh\"],\"Cmd\":[\"-c\",\"true\"]}", &err);
    assert_non_null(id);
    json_t *v = rt_ctr_view(f->cs, "ent", &err);
    assert_string_equal(rt_json_str(v, "Path", ""), "/bin/sh");
    assert_int_equal(json_array_size(json_object_get(v, "Args")), 2);
    assert_string_equal(rt_json_str(v, "Image", ""), f->image_id);
    assert_string_equal(rt_json_str(json_object_get(v, "State"), "Status", ""), "created");
    json_decref(v);
    free(id);
    rt_err_clear(&err);
}

/* ---- disk format ---- */

static void copy_file(const char *from, const char *to)
{
    size_t len;
    char *s = rt_read_file(from, 1 << 24, &len);
    assert_non_null(s);
    assert_int_equal(rt_atomic_write(to, s, len, 0600, NULL, 0), 0);
    free(s);
}

static void copy_corpus(const char *dst_root)
{
    char *dst = rt_path_join(dst_root, "containers");
    rt_mkdir_p(dst, 0700);
    DIR *d = opendir(CORPUS "/containers");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sd[4096], dd[4096], a[4200], b[4200];
        snprintf(sd, sizeof sd, "%s/containers/%s", CORPUS, e->d_name);
        snprintf(dd, sizeof dd, "%s/%s", dst, e->d_name);
        rt_mkdir_p(dd, 0700);
        static const char *const files[] = {"config.v2.json", "hostconfig.json"};
        for (int i = 0; i < 2; i++) {
            snprintf(a, sizeof a, "%s/%s", sd, files[i]);
            snprintf(b, sizeof b, "%s/%s", dd, files[i]);
            if (access(a, R_OK) == 0) copy_file(a, b);
        }
    }
    closedir(d);
    free(dst);
}

static void test_disk_roundtrip_corpus(void **state)
{
    struct fx *f = *state;
    DIR *d = opendir(CORPUS "/containers");
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char src[4096], dst[4096];
        snprintf(src, sizeof src, "%s/containers/%s", CORPUS, e->d_name);
        snprintf(dst, sizeof dst, "%s/rt-%s", f->root, e->d_name);
        rt_mkdir_p(dst, 0700);
        json_t *doc, *hc, *doc2, *hc2;
        struct rt_err err = {0};
        assert_int_equal(rt_ctr_disk_load(src, &doc, &hc, &err), 0);
        assert_int_equal(rt_ctr_disk_save(dst, doc, hc, NULL, &err), 0);
        assert_int_equal(rt_ctr_disk_load(dst, &doc2, &hc2, &err), 0);
        assert_true(json_equal(doc, doc2));
        const char *rt = json_string_value(json_object_get(hc, "Runtime"));
        if (!rt || !*rt) {
            assert_null(json_object_get(hc2, "Runtime")); /* omitted when empty */
            json_object_del(hc, "Runtime");
        }
        assert_true(json_equal(hc, hc2));
        json_decref(doc), json_decref(hc), json_decref(doc2), json_decref(hc2);
        n++;
    }
    closedir(d);
    assert_int_equal(n, 9);
}

static void test_disk_torn_files(void **state)
{
    struct fx *f = *state;
    char *d = rt_path_join(f->root, "torn");
    rt_mkdir_p(d, 0700);
    char *p = rt_path_join(d, "config.v2.json");
    rt_atomic_write(p, "{\"State\":{", 10, 0600, NULL, 0);
    json_t *doc, *hc;
    struct rt_err err = {0};
    assert_int_equal(rt_ctr_disk_load(d, &doc, &hc, &err), -1);
    assert_non_null(err.msg);
    rt_err_clear(&err);
    free(p), free(d);
}

/* ---- restore ---- */

static int hook_calls;
static const char *hook_fail_msg;
static int fake_hook(struct rt_container *c, const struct rt_resolved *r, struct rt_err *err)
{
    (void)r;
    hook_calls++;
    if (hook_fail_msg) return rt_err_set(err, RT_ERR_SYSTEM, "%s", hook_fail_msg);
    rt_ctr_set_running(c, 4242);
    return 0;
}

static json_t *state_of(struct fx *f, const char *name)
{
    struct rt_err err = {0};
    json_t *v = rt_ctr_view(f->cs, name, &err);
    assert_non_null(v);
    json_t *st = json_incref(json_object_get(v, "State"));
    json_decref(v);
    return st;
}

static void test_restore_corpus(void **state)
{
    struct fx *f = *state;
    copy_corpus(f->root);
    /* a torn one is skipped, not fatal */
    char *torn = rt_path_join(f->root, "containers/ffff000000000000000000000000000000000000000000000000000000000000");
    rt_mkdir_p(torn, 0700);
    char *tp = rt_path_join(torn, "config.v2.json");
    rt_atomic_write(tp, "{\"ID\":", 6, 0600, NULL, 0);
    free(tp), free(torn);

    /* oci and wr are gone after the upgrade; no start hook */
    assert_int_equal(rt_ctr_restore(f->cs), 9);
    assert_int_equal(rt_ctr_count(f->cs), 9);
    static const char *const names[] = {"autoremove", "default-created", "no-hostconfig", "oci-always",
                                        "on-failure-3", "runc-v2-exited", "unless-stopped", "v1-linux",
                                        "wrapper-args"};
    for (size_t i = 0; i < 9; i++) {
        struct rt_err err = {0};
        struct rt_container *c = rt_ctr_lookup(f->cs, names[i], &err);
        assert_non_null(c);
        rt_ctr_put(c);
    }
    /* restart-policy start of a removed runtime: 128 + Error (§5.5, v26) */
    json_t *st = state_of(f, "oci-always");
    assert_int_equal(rt_json_int(st, "ExitCode", 0), 128);
    assert_string_equal(rt_json_str(st, "Error", ""), "unknown or invalid runtime name: oci");
    json_decref(st);
    st = state_of(f, "on-failure-3");
    assert_int_equal(rt_json_int(st, "ExitCode", 0), 128);
    json_decref(st);
    /* no hook: unless-stopped left as recorded */
    st = state_of(f, "unless-stopped");
    assert_int_equal(rt_json_int(st, "ExitCode", 0), 137);
    assert_string_equal(rt_json_str(st, "Error", "x"), "");
    assert_string_equal(rt_json_str(st, "Status", ""), "exited");
    json_decref(st);
    /* Runtime never migrated; the no-hostconfig one keeps no key */
    struct rt_err err = {0};
    struct rt_container *c = rt_ctr_lookup(f->cs, "no-hostconfig", &err);
    json_t *hc = hostconfig_on_disk(f, c->id);
    assert_null(json_object_get(hc, "Runtime"));
    json_decref(hc);
    rt_ctr_put(c);
    c = rt_ctr_lookup(f->cs, "v1-linux", &err);
    hc = hostconfig_on_disk(f, c->id);
    assert_string_equal(rt_json_str(hc, "Runtime", ""), "io.containerd.runtime.v1.linux");
    json_decref(hc);
    rt_ctr_put(c);
}

static void test_restore_with_hook(void **state)
{
    struct fx *f = *state;
    copy_corpus(f->root);
    configured[2] = "oci";
    hook_calls = 0;
    hook_fail_msg = NULL;
    rt_ctr_set_start_hook(fake_hook);
    assert_int_equal(rt_ctr_restore(f->cs), 9);
    /* always, on-failure (137 != 0, 0 < 3), unless-stopped (not manually stopped) */
    assert_int_equal(hook_calls, 3);
    json_t *st = state_of(f, "oci-always");
    assert_string_equal(rt_json_str(st, "Status", ""), "running");
    json_decref(st);
    st = state_of(f, "runc-v2-exited"); /* no restart policy */
    assert_string_equal(rt_json_str(st, "Status", ""), "exited");
    assert_int_equal(rt_json_int(st, "ExitCode", 0), 3);
    json_decref(st);
    rt_ctr_set_start_hook(NULL);
}

static void test_restart_wanted(void **state)
{
    (void)state;
    json_t *doc = json_pack("{s:{s:i},s:i,s:b}", "State", "ExitCode", 1, "RestartCount", 2, "HasBeenManuallyStopped", 1);
    json_t *hc = json_pack("{s:{s:s,s:i}}", "RestartPolicy", "Name", "on-failure", "MaximumRetryCount", 3);
    assert_true(rt_ctr_restart_wanted(doc, hc));
    json_object_set_new(doc, "RestartCount", json_integer(3));
    assert_false(rt_ctr_restart_wanted(doc, hc));
    json_object_set_new(json_object_get(hc, "RestartPolicy"), "Name", json_string("unless-stopped"));
    assert_false(rt_ctr_restart_wanted(doc, hc));
    json_object_set_new(json_object_get(hc, "RestartPolicy"), "Name", json_string("always"));
    assert_true(rt_ctr_restart_wanted(doc, hc));
    json_object_set_new(json_object_get(hc, "RestartPolicy"), "Name", json_string("no"));
    assert_false(rt_ctr_restart_wanted(doc, hc));
    json_decref(doc), json_decref(hc);
}

/* ---- start path ---- */

static void test_start_api(void **state)
{
    struct fx *f = *state;
    struct rt_err err = {0};
    configured[2] = "oci";
    char *id = create(f, "s1", "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"],\"HostConfig\":{\"Runtime\":\"oci\"}}", &err);
    assert_non_null(id);
    /* no shim manager yet */
    assert_int_equal(rt_ctr_start(f->cs, "s1", RT_START_API, &err), -1);
    assert_int_equal(err.cls, RT_ERR_SYSTEM);
    assert_string_equal(err.msg, "no shim manager");
    /* runtime removed: 400, state untouched */
    configured[2] = NULL;
    assert_int_equal(rt_ctr_start(f->cs, "s1", RT_START_API, &err), -1);
    assert_int_equal(err.cls, RT_ERR_INVALID);
    assert_string_equal(err.msg, "unknown or invalid runtime name: oci");
    json_t *st = state_of(f, "s1");
    assert_int_equal(rt_json_int(st, "ExitCode", -1), 0);
    assert_string_equal(rt_json_str(st, "Error", "x"), "");
    json_decref(st);
    /* a hook failure is classified and recorded */
    configured[2] = "oci";
    rt_ctr_set_start_hook(fake_hook);
    hook_fail_msg = "failed to create task for container: exec: \"x\": executable file not found in $PATH";
    assert_int_equal(rt_ctr_start(f->cs, "s1", RT_START_API, &err), -1);
    assert_int_equal(err.cls, RT_ERR_INVALID);
    st = state_of(f, "s1");
    assert_int_equal(rt_json_int(st, "ExitCode", -1), 127);
    assert_string_equal(rt_json_str(st, "Error", ""), hook_fail_msg);
    json_decref(st);
    /* success, then 304; remove without force -> 409 */
    hook_fail_msg = NULL;
    assert_int_equal(rt_ctr_start(f->cs, "s1", RT_START_API, &err), 0);
    assert_int_equal(rt_ctr_start(f->cs, "s1", RT_START_API, &err), -1);
    assert_int_equal(err.cls, RT_ERR_NOT_MODIFIED);
    assert_int_equal(rt_ctr_remove(f->cs, "s1", false, &err), -1);
    assert_int_equal(err.cls, RT_ERR_CONFLICT);
    assert_string_equal(err.msg, "cannot remove container \"/s1\": container is running: stop the container "
                                 "before removing or force remove");
    rt_ctr_set_start_hook(NULL);
    rt_err_clear(&err);
    free(id);
}

/* §5.4: an empty Runtime is filled with the default at start and persisted. */
static void test_start_fills_empty_runtime(void **state)
{
    struct fx *f = *state;
    copy_corpus(f->root);
    assert_int_equal(rt_ctr_restore(f->cs), 9);
    configured[2] = "fedoci";
    default_rt = "fedoci";
    rt_ctr_set_start_hook(fake_hook);
    hook_fail_msg = NULL;
    struct rt_err err = {0};
    assert_int_equal(rt_ctr_start(f->cs, "no-hostconfig", RT_START_API, &err), 0);
    struct rt_container *c = rt_ctr_lookup(f->cs, "no-hostconfig", &err);
    json_t *hc = hostconfig_on_disk(f, c->id);
    assert_string_equal(rt_json_str(hc, "Runtime", ""), "fedoci");
    json_decref(hc);
    rt_ctr_put(c);
    rt_ctr_set_start_hook(NULL);
}

static void test_remove(void **state)
{
    struct fx *f = *state;
    struct rt_err err = {0};
    char *id = create(f, "gone", "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"]}", &err);
    assert_int_equal(rt_ctr_remove(f->cs, "gone", false, &err), 0);
    assert_int_equal(rt_ctr_count(f->cs), 0);
    char *d = rt_path_join(f->root, "containers");
    assert_int_equal(count_dirs(d), 0);
    free(d);
    assert_int_equal(rt_ctr_remove(f->cs, "gone", false, &err), -1);
    assert_int_equal(err.cls, RT_ERR_NOT_FOUND);
    rt_err_clear(&err);
    free(id);
}

/* Readers use the committed view and never take the container's lock. */
static void test_readers_do_not_block(void **state)
{
    struct fx *f = *state;
    struct rt_err err = {0};
    char *id = create(f, "busy", "{\"Image\":\"busybox:local\",\"Cmd\":[\"x\"]}", &err);
    struct rt_container *c = rt_ctr_lookup(f->cs, "busy", &err);
    pthread_mutex_lock(&c->lock); /* as a long start would */
    json_object_set_new(json_object_get(c->doc, "State"), "Pid", json_integer(99)); /* uncommitted */
    alarm(10);
    json_t *v = rt_ctr_view(f->cs, "busy", &err);
    json_t *all = rt_ctr_views(f->cs);
    alarm(0);
    assert_int_equal(rt_json_int(json_object_get(v, "State"), "Pid", -1), 0);
    assert_int_equal(json_array_size(all), 1);
    pthread_mutex_unlock(&c->lock);
    json_decref(v), json_decref(all);
    rt_ctr_put(c);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_valid),
        cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_defaults_runtime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_rejections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_duplicate_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_image_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_roundtrip_corpus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_torn_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_corpus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_with_hook, setup, teardown),
        cmocka_unit_test(test_restart_wanted),
        cmocka_unit_test_setup_teardown(test_start_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_fills_empty_runtime, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readers_do_not_block, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
