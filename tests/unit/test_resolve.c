/* Name resolution (engine spec §2.1, §2.2, §2.4 pre-flight, §2.5 v26):
 * moby's TestGetRuntime and PreflightCheck, the name table, concurrency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/config.h"
#include "engine/runtimes.h"
#include "fsutil.h"

static char tmpdir[256], data[300], err[4096];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_resolve.XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(data, sizeof data, "%s/data", tmpdir);
    return rt_runtimes_wipe_dir(data, err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    return rt_rm_rf(tmpdir);
}

static struct rt_runtime_set *build_json(const char *js)
{
    struct rt_config c;
    if (rt_config_decode(js, strlen(js), &c, err, sizeof err) < 0) fail_msg("decode: %s", err);
    struct rt_runtime_set *set = rt_runtimes_build(&c, data, "/run/eng", err, sizeof err);
    rt_config_free(&c);
    if (!set) fail_msg("build: %s", err);
    return set;
}

static void expect_invalid(const struct rt_runtime_set *set, const char *name, const char *msg)
{
    struct rt_resolved r;
    struct rt_err e = {RT_ERR_NONE, NULL};
    assert_int_equal(rt_runtimes_resolve(set, name, &r, &e), -1);
    assert_int_equal(e.cls, RT_ERR_INVALID);
    assert_int_equal(rt_errclass_http_status(e.cls), 400);
    if (msg) assert_string_equal(e.msg, msg);
    assert_null(r.shim);
    assert_int_equal(r.opts_type, RT_OPTS_NONE);
    rt_err_clear(&e);
}

static void expect_passthrough(const struct rt_runtime_set *set, const char *name)
{
    struct rt_resolved r;
    struct rt_err e = {RT_ERR_NONE, NULL};
    if (rt_runtimes_resolve(set, name, &r, &e) < 0) fail_msg("%s: %s", name, e.msg);
    assert_string_equal(r.shim, name);
    assert_string_equal(r.name, name);
    assert_int_equal(r.opts_type, RT_OPTS_NONE);
    rt_resolved_free(&r);
}

static void expect_stock(const struct rt_runtime_set *set, const char *name, const char *resolved_name)
{
    struct rt_resolved r;
    struct rt_err e = {RT_ERR_NONE, NULL};
    if (rt_runtimes_resolve(set, name, &r, &e) < 0) fail_msg("%s: %s", name, e.msg);
    assert_string_equal(r.name, resolved_name);
    assert_string_equal(r.shim, "io.containerd.runc.v2");
    assert_int_equal(r.opts_type, RT_OPTS_RUNC);
    assert_string_equal(r.runc.binary_name, "runc");
    assert_string_equal(r.runc.root, "/run/eng/runtime-runc");
    rt_resolved_free(&r);
}

/* moby TestGetRuntime, every subtest. */
static void test_get_runtime_catalogue(void **state)
{
    (void)state;
    struct rt_runtime_set *set = build_json(
        "{\"runtimes\":{\"my/custom.runtime.v1\":{\"path\":\"/bin/true\"},"
        "\"withargs\":{\"path\":\"/bin/false\",\"runtimeArgs\":[\"--version\"]},"
        "\"shimwithopts\":{\"runtimeType\":\"io.containerd.runc.v2\",\"options\":{\"IoUid\":42}},"
        "\"wasmedge\":{\"runtimeType\":\"io.containerd.wasmedge.v1\"},"
        "\"shimwithpath\":{\"runtimeType\":\"/path/to/my/shim\"},"
        "\"gvisor\":{\"runtimeType\":\"io.containerd.runsc.v1\",\"options\":{\"TypeUrl\":\"io.containerd.runsc.v1.options\","
        "\"ConfigPath\":\"/path/to/runsc.toml\"}}}}");
    struct rt_resolved r;
    struct rt_err e = {RT_ERR_NONE, NULL};

    expect_stock(set, "runc", "runc");                                 /* StockRuntime */
    expect_passthrough(set, "io.containerd.my-shim.v42");               /* ShimName */
    expect_passthrough(set, "io.containerd.my-shim");                   /* VersionlessShimName */
    expect_invalid(set, "myshim", "unknown or invalid runtime name: myshim"); /* IllformedShimName */
    expect_stock(set, "", "runc");                                      /* EmptyString */
    expect_invalid(set, "/path/to/runc", NULL);                         /* PathToShim */
    expect_invalid(set, "/path/to/io.containerd.runc.v2", NULL);        /* PathToShimName */
    expect_invalid(set, "my/io.containerd.runc.v2", NULL);              /* RelPathToShim */

    /* ConfiguredRuntime: stock shim, stock options, BinaryName=/bin/true */
    assert_int_equal(rt_runtimes_resolve(set, "my/custom.runtime.v1", &r, &e), 0);
    assert_string_equal(r.shim, "io.containerd.runc.v2");
    assert_int_equal(r.opts_type, RT_OPTS_RUNC);
    assert_string_equal(r.runc.binary_name, "/bin/true");
    assert_string_equal(r.runc.root, "/run/eng/runtime-runc");
    rt_resolved_free(&r);

    /* ShimWithOpts: runc options {IoUid: 42} only */
    assert_int_equal(rt_runtimes_resolve(set, "shimwithopts", &r, &e), 0);
    assert_string_equal(r.shim, "io.containerd.runc.v2");
    assert_int_equal(r.opts_type, RT_OPTS_RUNC);
    assert_int_equal(r.runc.io_uid, 42);
    assert_null(r.runc.binary_name);
    assert_null(r.runc.root);
    rt_resolved_free(&r);

    /* ShimAlias */
    assert_int_equal(rt_runtimes_resolve(set, "wasmedge", &r, &e), 0);
    assert_string_equal(r.shim, "io.containerd.wasmedge.v1");
    assert_string_equal(r.name, "wasmedge");
    assert_int_equal(r.opts_type, RT_OPTS_NONE);
    rt_resolved_free(&r);

    /* ConfiguredShimByPath */
    assert_int_equal(rt_runtimes_resolve(set, "shimwithpath", &r, &e), 0);
    assert_string_equal(r.shim, "/path/to/my/shim");
    rt_resolved_free(&r);

    /* ConfiguredShimWithRuntimeoptionsShimConfig */
    assert_int_equal(rt_runtimes_resolve(set, "gvisor", &r, &e), 0);
    assert_string_equal(r.shim, "io.containerd.runsc.v1");
    assert_int_equal(r.opts_type, RT_OPTS_GENERIC);
    assert_string_equal(r.generic.type_url, "io.containerd.runsc.v1.options");
    assert_string_equal(r.generic.config_path, "/path/to/runsc.toml");
    rt_resolved_free(&r);

    /* RuntimeWithArgs: BinaryName is a readable wrapper containing the command */
    assert_int_equal(rt_runtimes_resolve(set, "withargs", &r, &e), 0);
    assert_string_equal(r.shim, "io.containerd.runc.v2");
    char *content = rt_read_file(r.runc.binary_name, 1 << 16, NULL);
    assert_non_null(content);
    assert_non_null(strstr(content, "/bin/false --version"));
    free(content);
    rt_resolved_free(&r);
    rt_runtimes_free(set);
}

/* moby TestGetRuntime_PreflightCheck + the §2.4 texts. */
static void test_preflight(void **state)
{
    (void)state;
    char js[2048], missing[512];
    snprintf(missing, sizeof missing, "%s/file-not-found", tmpdir);
    snprintf(js, sizeof js, "{\"runtimes\":{\"path-only\":{\"path\":\"%s\"},\"with-args\":{\"path\":\"%s\","
             "\"runtimeArgs\":[\"--arg\"]},\"bare\":{\"path\":\"no-such-runtime-bin\",\"runtimeArgs\":[\"-x\"]},"
             "\"rel\":{\"path\":\"./nope\",\"runtimeArgs\":[\"-x\"]},\"ok\":{\"path\":\"sh\",\"runtimeArgs\":[\"-x\"]},"
             "\"dir\":{\"path\":\"/tmp\",\"runtimeArgs\":[\"-x\"]}}}", missing, missing);
    struct rt_runtime_set *set = build_json(js); /* paths are not validated while building */
    struct rt_resolved r;
    struct rt_err e = {RT_ERR_NONE, NULL};
    assert_int_equal(rt_runtimes_resolve(set, "path-only", &r, &e), 0);
    rt_resolved_free(&r);
    assert_int_equal(rt_runtimes_resolve(set, "ok", &r, &e), 0);
    rt_resolved_free(&r);
    char want[2048];
    snprintf(want, sizeof want, "error while looking up the specified runtime path: exec: \"%s\": stat %s: "
             "no such file or directory", missing, missing);
    expect_invalid(set, "with-args", want);
    expect_invalid(set, "bare", "error while looking up the specified runtime path: exec: \"no-such-runtime-bin\": "
                                "executable file not found in $PATH");
    expect_invalid(set, "rel", "error while looking up the specified runtime path: exec: \"./nope\": stat ./nope: "
                               "no such file or directory");
    expect_invalid(set, "dir", "error while looking up the specified runtime path: exec: \"/tmp\": is a directory");
    rt_runtimes_free(set);
}

/* §2.2 predicate. */
static void test_permissible(void **state)
{
    (void)state;
    const char *yes[] = {"io.containerd.runc.v2", "a..", "x.y", "io.containerd.runc.v2 ", "c:\\x.v2", "A.B", "a.b.c.d.e"};
    const char *no[] = {"", "nodots", "/abs.v2", "foo/bar.v2", "io.containerd.runc.v2/", ".leading.v2", "."};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!rt_runtime_name_permissible(yes[i])) fail_msg("should be permissible: '%s'", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (rt_runtime_name_permissible(no[i])) fail_msg("should not be permissible: '%s'", no[i]);
}

/* §2.5, v26 column, daemon-side outcome with the stock config. */
static void test_name_table_v26(void **state)
{
    (void)state;
    struct rt_runtime_set *set = build_json("{}");
    expect_stock(set, "", "runc");
    expect_stock(set, "runc", "runc");
    expect_stock(set, "io.containerd.runc.v2", "io.containerd.runc.v2");
    const char *pass[] = {"io.containerd.runtime.v1.linux", "io.containerd.runc-alias.v2", "io.containerd.runc.v1",
                          "io.containerd.nonexist.v2", "my.runc", "a..", "io.containerd.runc.v2 ", "c:\\x.v2",
                          "io.containerd.runsc.v1", "x.y.z.runc.v2"};
    for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++) expect_passthrough(set, pass[i]);
    const char *bad[] = {"/usr/bin/runc", "foo/bar.v2", "io.containerd.runc.v2/", "nodots", ".leading.v2", "RUNC", " runc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[256];
        snprintf(want, sizeof want, "unknown or invalid runtime name: %s", bad[i]);
        expect_invalid(set, bad[i], want);
    }
    rt_runtimes_free(set);

    /* a shim name as default: "" passes through to it */
    set = build_json("{\"default-runtime\":\"io.containerd.runc-alias.v2\"}");
    struct rt_resolved r;
    struct rt_err e = {RT_ERR_NONE, NULL};
    assert_int_equal(rt_runtimes_resolve(set, "", &r, &e), 0);
    assert_string_equal(r.name, "io.containerd.runc-alias.v2");
    assert_string_equal(r.shim, "io.containerd.runc-alias.v2");
    assert_int_equal(r.opts_type, RT_OPTS_NONE);
    rt_resolved_free(&r);
    rt_runtimes_free(set);
    /* configured names shadow shim names and are exact (case-sensitive) */
    set = build_json("{\"runtimes\":{\"io.containerd.kata.v2\":{\"path\":\"/bin/kata\"},\"foo\":{\"path\":\"runc\"},"
                     "\"my/custom.rt\":{\"path\":\"runc\"},\"UPPER\":{\"path\":\"runc\"}}}");
    assert_int_equal(rt_runtimes_resolve(set, "io.containerd.kata.v2", &r, &e), 0);
    assert_string_equal(r.shim, "io.containerd.runc.v2");
    assert_string_equal(r.runc.binary_name, "/bin/kata");
    rt_resolved_free(&r);
    assert_int_equal(rt_runtimes_resolve(set, "my/custom.rt", &r, &e), 0);
    rt_resolved_free(&r);
    assert_int_equal(rt_runtimes_resolve(set, "UPPER", &r, &e), 0);
    rt_resolved_free(&r);
    expect_invalid(set, "Foo", "unknown or invalid runtime name: Foo");
    expect_invalid(set, "upper", "unknown or invalid runtime name: upper");
    rt_runtimes_free(set);
}

struct worker { const struct rt_runtime_set *set; int bad; };

static void *resolve_loop(void *arg)
{
    struct worker *w = arg;
    static const char *names[] = {"", "runc", "wr", "shim", "io.containerd.x.v2", "nodots", "gone"};
    for (int i = 0; i < 3000; i++) {
        const char *n = names[i % 7];
        struct rt_resolved r;
        struct rt_err e = {RT_ERR_NONE, NULL};
        int rc = rt_runtimes_resolve(w->set, n, &r, &e);
        bool want_ok = strcmp(n, "nodots") != 0 && strcmp(n, "gone") != 0;
        if ((rc == 0) != want_ok) w->bad++;
        if (rc == 0 && strcmp(n, "shim") == 0 && (!r.shim || strcmp(r.shim, "io.containerd.kata.v2"))) w->bad++;
        rt_resolved_free(&r);
        rt_err_clear(&e);
    }
    return NULL;
}

/* The resolver is read-only: many threads on one set agree. */
static void test_concurrent_resolve(void **state)
{
    (void)state;
    struct rt_runtime_set *set = build_json(
        "{\"runtimes\":{\"wr\":{\"path\":\"sh\",\"runtimeArgs\":[\"-x\"]},\"shim\":{\"runtimeType\":\"io.containerd.kata.v2\"},"
        "\"gone\":{\"path\":\"/nonexistent/bin\",\"runtimeArgs\":[\"-x\"]}}}");
    pthread_t th[8];
    struct worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (struct worker){set, 0};
        assert_int_equal(pthread_create(&th[i], NULL, resolve_loop, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].bad, 0);
    }
    rt_runtimes_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_runtime_catalogue),
        cmocka_unit_test(test_preflight),
        cmocka_unit_test(test_permissible),
        cmocka_unit_test(test_name_table_v26),
        cmocka_unit_test(test_concurrent_resolve),
    };
    return cmocka_run_group_tests_name("resolve", tests, setup, teardown);
}
