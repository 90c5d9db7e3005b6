/* Runtime set construction (engine spec §1.3–§1.5, §3.1, §6.1): moby's
 * TestSetupRuntimes and TestRuntimeWrapping, options conversion, wrapper
 * files on disk, /info rendering, the features probe cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/config.h"
#include "engine/runtimes.h"
#include "fsutil.h"
#include "naming.h"

static char tmpdir[256], data[300], err[4096];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_runtimes.XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(data, sizeof data, "%s/data", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return rt_rm_rf(tmpdir);
}

/* Decode JS, wipe <data>/runtimes, build. NULL + err on failure. */
static struct rt_runtime_set *build_json(const char *js, bool wipe)
{
    struct rt_config c;
    err[0] = '\0';
    if (rt_config_decode(js, strlen(js), &c, err, sizeof err) < 0) fail_msg("decode %s: %s", js, err);
    if (wipe) assert_int_equal(rt_runtimes_wipe_dir(data, err, sizeof err), 0);
    struct rt_runtime_set *set = rt_runtimes_build(&c, data, "/run/eng", err, sizeof err);
    rt_config_free(&c);
    return set;
}

static void expect_build_error(const char *js, const char *needle)
{
    struct rt_runtime_set *set = build_json(js, true);
    if (set) fail_msg("built: %s", js);
    if (!strstr(err, needle)) fail_msg("%s: got \"%s\", want \"%s\"", js, err, needle);
}

static void expect_build_ok(const char *js)
{
    struct rt_runtime_set *set = build_json(js, true);
    if (!set) fail_msg("%s: %s", js, err);
    rt_runtimes_free(set);
}

static const struct rt_runtime *find(const struct rt_runtime_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->rt[i].name, name) == 0) return &s->rt[i];
    return NULL;
}

/* moby TestSetupRuntimes, every case. */
static void test_setup_runtimes_catalogue(void **state)
{
    (void)state;
    expect_build_error("{\"runtimes\":{\"myruntime\":{}}}", "either a runtimeType or a path must be configured");
    expect_build_error("{\"runtimes\":{\"myruntime\":{\"runtimeArgs\":[\"foo\",\"bar\"]}}}",
                       "either a runtimeType or a path must be configured");
    expect_build_error("{\"runtimes\":{\"myruntime\":{\"options\":{\"hello\":\"world\"}}}}",
                       "either a runtimeType or a path must be configured");
    expect_build_error("{\"runtimes\":{\"myruntime\":{\"path\":\"/bin/true\",\"runtimeType\":\"io.containerd.runsc.v1\"}}}",
                       "cannot configure both");
    expect_build_error("{\"runtimes\":{\"myruntime\":{\"path\":\"/bin/true\",\"options\":{\"a\":\"b\"}}}}",
                       "options cannot be used with a path runtime");
    expect_build_error("{\"runtimes\":{\"myruntime\":{\"runtimeType\":\"io.containerd.runsc.v1\",\"runtimeArgs\":[\"a\"]}}}",
                       "args cannot be used with a runtimeType runtime");
    expect_build_error("{\"runtimes\":{\"myruntime\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"a\"],\"options\":{\"a\":\"b\"}}}}",
                       "options cannot be used with a path runtime");
    expect_build_error("{\"runtimes\":{\"myruntime\":{\"runtimeType\":\"io.containerd.kata.v2\",\"options\":{\"a\":\"b\"},"
                       "\"runtimeArgs\":[\"a\"]}}}", "args cannot be used with a runtimeType runtime");
    expect_build_error("{\"runtimes\":{\"myruntime\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"a\"],"
                       "\"runtimeType\":\"io.containerd.runsc.v1\",\"options\":{\"a\":\"b\"}}}}", "cannot configure both");
    expect_build_error("{\"runtimes\":{\"runc\":{}}}", "runtime name 'runc' is reserved");
    expect_build_ok("{\"default-runtime\":\"runc\"}");
    expect_build_ok("{\"default-runtime\":\"io.containerd.runc.v2\"}");
    expect_build_error("{\"default-runtime\":\"notdefined\"}", "specified default runtime 'notdefined' does not exist");
    expect_build_ok("{\"runtimes\":{\"some-runtime\":{\"path\":\"/usr/local/bin/file-not-found\"}},"
                    "\"default-runtime\":\"some-runtime\"}");
}

/* §1.5: reserved -> default -> per-runtime, first failure wins; full texts. */
static void test_validation_order_and_texts(void **state)
{
    (void)state;
    expect_build_error("{\"runtimes\":{\"runc\":{\"path\":\"x\"},\"e\":{}},\"default-runtime\":\"nope\"}",
                       "runtime name 'runc' is reserved");
    expect_build_error("{\"runtimes\":{\"e\":{}},\"default-runtime\":\"nope\"}",
                       "specified default runtime 'nope' does not exist");
    /* per-runtime checks in name order: "a" before "b" */
    expect_build_error("{\"runtimes\":{\"b\":{},\"a\":{\"path\":\"p\",\"runtimeType\":\"t.v1\"}}}",
                       "runtime a: cannot configure both path and runtimeType for the same runtime");
    struct rt_runtime_set *set = build_json("{\"runtimes\":{\"e\":{}}}", true);
    assert_null(set);
    assert_string_equal(err, "runtime e: either a runtimeType or a path must be configured");
    set = build_json("{\"runtimes\":{\"tob\":{\"runtimeType\":\"io.containerd.runc.v2\",\"options\":{\"IoUid\":\"abc\"}}}}", true);
    assert_null(set);
    assert_string_equal(err, "runtime tob: (0, 0): Can't convert abc(string) to uint32");
    /* the default may be a configured name, a stock name or a shim name */
    expect_build_ok("{\"runtimes\":{\"vm\":{\"runtimeType\":\"io.containerd.kata.v2\"}},\"default-runtime\":\"vm\"}");
    expect_build_ok("{\"default-runtime\":\"io.containerd.runc-alias.v2\"}");
    expect_build_error("{\"default-runtime\":\".leading.v2\"}", "specified default runtime '.leading.v2' does not exist");
    expect_build_error("{\"default-runtime\":\"/usr/bin/runc\"}", "specified default runtime '/usr/bin/runc' does not exist");
}

/* §1.3/§1.4: stock entries and what each kind resolves to. */
static void test_kinds(void **state)
{
    (void)state;
    struct rt_runtime_set *set = build_json(
        "{\"runtimes\":{\"io.containerd.runc.v2\":{\"path\":\"/bin/false\"},\"p\":{\"path\":\"crun\"},"
        "\"a\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]},\"s\":{\"runtimeType\":\"/path/to/shim\"}},"
        "\"default-runtime\":\"p\"}", true);
    assert_non_null(set);
    assert_string_equal(set->default_name, "p");
    const struct rt_runtime *r = find(set, "runc");
    assert_int_equal(r->kind, RT_RK_STOCK);
    assert_string_equal(r->shim, "io.containerd.runc.v2");
    assert_int_equal(r->opts_type, RT_OPTS_RUNC);
    assert_string_equal(r->runc.binary_name, "runc");
    assert_string_equal(r->runc.root, "/run/eng/runtime-runc");
    r = find(set, "io.containerd.runc.v2"); /* user entry overrides the stock one */
    assert_int_equal(r->kind, RT_RK_PATH);
    assert_string_equal(r->runc.binary_name, "/bin/false");
    r = find(set, "p");
    assert_int_equal(r->kind, RT_RK_PATH);
    assert_string_equal(r->shim, "io.containerd.runc.v2");
    assert_string_equal(r->runc.binary_name, "crun");
    assert_string_equal(r->runc.root, "/run/eng/runtime-runc");
    r = find(set, "a");
    assert_int_equal(r->kind, RT_RK_PATH_ARGS);
    assert_string_equal(r->runc.binary_name, r->wrapper);
    r = find(set, "s");
    assert_int_equal(r->kind, RT_RK_SHIM);
    assert_string_equal(r->shim, "/path/to/shim");
    assert_int_equal(r->opts_type, RT_OPTS_NONE);
    assert_null(r->features);
    size_t nstock = 0;
    for (size_t i = 0; i < set->n; i++) nstock += set->rt[i].kind == RT_RK_STOCK;
    assert_int_equal(nstock, 1);
    rt_runtimes_free(set);
}

static const struct rt_runtime *one_shim(struct rt_runtime_set **set, const char *type, const char *opts)
{
    char js[2048];
    snprintf(js, sizeof js, "{\"runtimes\":{\"x\":{\"runtimeType\":\"%s\",\"options\":%s}}}", type, opts);
    *set = build_json(js, true);
    return *set ? find(*set, "x") : NULL;
}

/* §1.4 options conversion: key matching, types, target message. */
static void test_options_conversion(void **state)
{
    (void)state;
    struct rt_runtime_set *set;
    const char *variants[] = {"BinaryName", "binaryname", "BINARYNAME", "binaryName"};
    for (int i = 0; i < 4; i++) {
        char o[128];
        snprintf(o, sizeof o, "{\"%s\":\"/x/runc\"}", variants[i]);
        const struct rt_runtime *r = one_shim(&set, "io.containerd.runc.v2", o);
        assert_non_null(r);
        assert_int_equal(r->opts_type, RT_OPTS_RUNC);
        assert_string_equal(r->runc.binary_name, "/x/runc");
        assert_null(r->runc.root); /* no daemon defaults merged */
        rt_runtimes_free(set);
    }
    const struct rt_runtime *r = one_shim(&set, "io.containerd.runc.v1", "{\"binary_name\":\"/x\",\"IoUid\":42,"
                                          "\"iogid\":7,\"SystemdCgroup\":true,\"noPivotRoot\":true,\"Root\":\"/r\"}");
    assert_non_null(r);
    assert_int_equal(r->opts_type, RT_OPTS_RUNC);
    assert_null(r->runc.binary_name); /* snake_case is not matched */
    assert_int_equal(r->runc.io_uid, 42);
    assert_int_equal(r->runc.io_gid, 7);
    assert_true(r->runc.systemd_cgroup);
    assert_true(r->runc.no_pivot_root);
    assert_string_equal(r->runc.root, "/r");
    rt_runtimes_free(set);

    r = one_shim(&set, "io.containerd.runsc.v1", "{\"TypeUrl\":\"io.containerd.runsc.v1.options\",\"configpath\":\"/c\"}");
    assert_non_null(r);
    assert_int_equal(r->opts_type, RT_OPTS_GENERIC);
    assert_string_equal(r->generic.type_url, "io.containerd.runsc.v1.options");
    assert_string_equal(r->generic.config_path, "/c");
    assert_null(r->generic.config_body);
    rt_runtimes_free(set);
    /* an alias of the runc shim still gets the generic type (§1.4 consequence) */
    r = one_shim(&set, "io.containerd.runc-alias.v2", "{\"BinaryName\":\"x\"}");
    assert_int_equal(r->opts_type, RT_OPTS_GENERIC);
    rt_runtimes_free(set);

    struct { const char *type, *opts, *msg; } bad[] = {
        {"io.containerd.runc.v2", "{\"IoUid\":\"abc\"}", "runtime x: (0, 0): Can't convert abc(string) to uint32"},
        {"io.containerd.runc.v2", "{\"IoGid\":1.5}", "runtime x: (0, 0): Can't convert 1.5(float64) to uint32"},
        {"io.containerd.runc.v2", "{\"IoUid\":-1}", "runtime x: (0, 0): -1(int64) is negative so does not fit in uint32"},
        {"io.containerd.runc.v2", "{\"IoUid\":4294967296}", "runtime x: (0, 0): 4294967296(int64) would overflow uint32"},
        {"io.containerd.runc.v2", "{\"BinaryName\":5}", "runtime x: (0, 0): Can't convert 5(int64) to string"},
        {"io.containerd.runc.v2", "{\"SystemdCgroup\":\"true\"}", "runtime x: (0, 0): Can't convert true(string) to bool"},
        {"io.containerd.runc.v2", "{\"Root\":true}", "runtime x: (0, 0): Can't convert true(bool) to string"},
        {"io.containerd.runc.v2", "{\"Root\":[\"a\",\"b\"]}", "runtime x: (0, 0): Can't convert [a b]([]interface {}) to string"},
        {"io.containerd.kata.v2", "{\"ConfigPath\":1}", "runtime x: (0, 0): Can't convert 1(int64) to string"},
        /* fields are converted in Go struct order: NoPivotRoot before IoUid */
        {"io.containerd.runc.v2", "{\"IoUid\":\"u\",\"NoPivotRoot\":1}", "runtime x: (0, 0): Can't convert 1(int64) to bool"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(one_shim(&set, bad[i].type, bad[i].opts));
        assert_null(set);
        assert_string_equal(err, bad[i].msg);
    }
}

static char *read_str(const char *path)
{
    char *s = rt_read_file(path, 1 << 20, NULL);
    assert_non_null(s);
    return s;
}

/* The wrapper of runtime NAME in SET: path, content, mode, file name. */
static void check_wrapper(const struct rt_runtime_set *set, const char *name, const char *content,
                          const char *suffix)
{
    const struct rt_runtime *r = find(set, name);
    assert_non_null(r);
    assert_non_null(r->wrapper);
    char want[1024];
    snprintf(want, sizeof want, "%s/runtimes/%s.%s", data, name, suffix);
    assert_string_equal(r->wrapper, want);
    char *got = read_str(r->wrapper);
    assert_string_equal(got, content);
    free(got);
    struct stat st;
    assert_int_equal(stat(r->wrapper, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
}

/* §3.1 vectors through the real build (file names on disk). */
static void test_wrapper_vectors(void **state)
{
    (void)state;
    struct rt_runtime_set *set = build_json(
        "{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]},"
        "\"new\":{\"path\":\"runc\",\"runtimeArgs\":[\"--log-format=text\"]},"
        "\"gone\":{\"path\":\"runc\",\"runtimeArgs\":[\"--log-format=text\"]},"
        "\"vm\":{\"path\":\"/usr/local/bin/vm-manager\",\"runtimeArgs\":[\"--debug\"]},"
        "\"cr\":{\"path\":\"crun\",\"runtimeArgs\":[\"--systemd-cgroup\"]}}}", true);
    assert_non_null(set);
    check_wrapper(set, "wr", "#!/bin/sh\nrunc --debug $@\n", "0RXGPLZYC6FYVG04-RZ9N02SBD3CRX0M30GGYX-VNF2XDY2Y38D0====");
    check_wrapper(set, "new", "#!/bin/sh\nrunc --log-format=text $@\n",
                  "F510VGLRGV-803KKVWXL2QNTPPY45NTKNW437-KNW60F865ZBW3J====");
    check_wrapper(set, "gone", "#!/bin/sh\nrunc --log-format=text $@\n",
                  "F510VGLRGV-803KKVWXL2QNTPPY45NTKNW437-KNW60F865ZBW3J====");
    check_wrapper(set, "vm", "#!/bin/sh\n/usr/local/bin/vm-manager --debug $@\n",
                  "Q94-HZTW6M9L5RQ9LDG5RVJQBV-PN08LCMBMZ5XFLYQ2VNTB2D5J====");
    check_wrapper(set, "cr", "#!/bin/sh\ncrun --systemd-cgroup $@\n",
                  "CK-V6NDWZ1N2L9QFXF7K8KF0V1D0SCY-3YGXRLX6P4K0-6WYCZG0====");
    rt_runtimes_free(set);
    /* reload-style build without wipe: the second wr vector lands beside the first */
    set = build_json("{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\",\"--log-format=json\"]}}}",
                     false);
    assert_non_null(set);
    check_wrapper(set, "wr", "#!/bin/sh\nrunc --debug --log-format=json $@\n",
                  "69DK27MWYM7KJN0909XZ73-2NS06NZ-K-GB5W5HSM7Q00RQLL-N0====");
    char old[1024];
    snprintf(old, sizeof old, "%s/runtimes/wr.0RXGPLZYC6FYVG04-RZ9N02SBD3CRX0M30GGYX-VNF2XDY2Y38D0====", data);
    assert_int_equal(access(old, F_OK), 0);
    rt_runtimes_free(set);
    struct stat st;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/runtimes", data);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
}

static void check_quoted(const char *js, const char *name, const char *content)
{
    struct rt_runtime_set *set = build_json(js, true);
    assert_non_null(set);
    char suffix[RT_WRAPPER_SUFFIX_LEN + 1];
    assert_int_equal(rt_wrapper_suffix(content, strlen(content), suffix), 0);
    check_wrapper(set, name, content, suffix);
    rt_runtimes_free(set);
}

/* Beyond the reference: args needing quoting are single-quoted. */
static void test_wrapper_quoting(void **state)
{
    (void)state;
    check_quoted("{\"runtimes\":{\"wr2\":{\"path\":\"/usr/sbin/runc\",\"runtimeArgs\":[\"--root\",\"/tmp/x y\"]}}}", "wr2",
                 "#!/bin/sh\n/usr/sbin/runc --root '/tmp/x y' $@\n");
    check_quoted("{\"runtimes\":{\"e\":{\"path\":\"runc\",\"runtimeArgs\":[\"\"]}}}", "e", "#!/bin/sh\nrunc '' $@\n");
    check_quoted("{\"runtimes\":{\"q\":{\"path\":\"runc\",\"runtimeArgs\":[\"it's\",\"$HOME\",\"a;b\",\"--x=@%+:,./-_\"]}}}",
                 "q", "#!/bin/sh\nrunc 'it'\\''s' '$HOME' 'a;b' --x=@%+:,./-_ $@\n");
    /* the quoted script really passes one argument per configured arg */
    char script[512], out[512];
    snprintf(script, sizeof script, "%s/echoargs", tmpdir);
    snprintf(out, sizeof out, "%s/args.out", tmpdir);
    FILE *f = fopen(script, "w");
    fprintf(f, "#!/bin/sh\nfor a in \"$@\"; do printf '<%%s>' \"$a\"; done > %s\n", out);
    fclose(f);
    chmod(script, 0755);
    char js[2048];
    snprintf(js, sizeof js, "{\"runtimes\":{\"w\":{\"path\":\"%s\",\"runtimeArgs\":[\"--root\",\"/tmp/x y\",\"it's\"]}}}",
             script);
    struct rt_runtime_set *set = build_json(js, true);
    assert_non_null(set);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s last", find(set, "w")->wrapper);
    assert_int_equal(system(cmd), 0);
    char *got = read_str(out);
    assert_string_equal(got, "<--root></tmp/x y><it's><last>");
    free(got);
    rt_runtimes_free(set);
}

/* Beyond the reference: names with '/' or a leading '.' get no wrapper. */
static void test_wrapper_name_rejection(void **state)
{
    (void)state;
    expect_build_error("{\"runtimes\":{\"my/custom.rt\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}",
                       "runtime my/custom.rt: name cannot be used for a wrapper script");
    expect_build_error("{\"runtimes\":{\"../escape\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}",
                       "runtime ../escape: name cannot be used for a wrapper script");
    expect_build_error("{\"runtimes\":{\".hidden\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}",
                       "runtime .hidden: name cannot be used for a wrapper script");
    char esc[512];
    snprintf(esc, sizeof esc, "%s/escape.0RXGPLZYC6FYVG04-RZ9N02SBD3CRX0M30GGYX-VNF2XDY2Y38D0====", data);
    assert_int_not_equal(access(esc, F_OK), 0);
    /* without args such names are fine (no file is written) */
    expect_build_ok("{\"runtimes\":{\"my/custom.rt\":{\"path\":\"runc\"},\"../x\":{\"path\":\"runc\"}}}");
}

/* §1.5 3d: a failed write is reported raw (here: no runtimes dir). */
static void test_wrapper_write_error(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/runtimes", data);
    assert_int_equal(rt_rm_rf(dir), 0);
    struct rt_runtime_set *set = build_json("{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}",
                                            false);
    assert_null(set);
    char prefix[600];
    snprintf(prefix, sizeof prefix, "open %s/.tmp-wr.0RXGPLZYC6FYVG04-RZ9N02SBD3CRX0M30GGYX-VNF2XDY2Y38D0====", dir);
    assert_memory_equal(err, prefix, strlen(prefix));
    assert_non_null(strstr(err, ": no such file or directory"));
}

struct rec { char *path, *content; };

/* moby TestRuntimeWrapping: wrappers survive every kind of change. */
static void test_runtime_wrapping(void **state)
{
    (void)state;
    struct rt_runtime_set *set = build_json(
        "{\"runtimes\":{\"change-args\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"foo\",\"bar\"]},"
        "\"dupe\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"foo\",\"bar\"]},"
        "\"change-path\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"baz\"]},"
        "\"drop-args\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"some\",\"arguments\"]},"
        "\"goes-away\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"bye\"]}}}", true);
    assert_non_null(set);
    struct rec recs[8];
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (!set->rt[i].wrapper) continue;
        recs[n].path = strdup(set->rt[i].wrapper);
        recs[n].content = read_str(set->rt[i].wrapper);
        assert_non_null(strstr(recs[n].content, "/bin/true"));
        n++;
    }
    assert_int_equal(n, 5);
    rt_runtimes_free(set);
    set = build_json("{\"runtimes\":{\"change-args\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"baz\",\"quux\"]},"
                     "\"dupe\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"foo\",\"bar\"]},"
                     "\"change-path\":{\"path\":\"/bin/false\",\"runtimeArgs\":[\"baz\"]},"
                     "\"drop-args\":{\"path\":\"/bin/true\"}}}", false);
    assert_non_null(set);
    for (size_t i = 0; i < n; i++) {
        char *now = rt_read_file(recs[i].path, 1 << 20, NULL);
        if (!now) fail_msg("%s disappeared", recs[i].path);
        assert_string_equal(now, recs[i].content);
        free(now), free(recs[i].path), free(recs[i].content);
    }
    assert_null(find(set, "drop-args")->wrapper);
    rt_runtimes_free(set);
}

/* §3.1 cleanup: startup wipe removes everything under runtimes/ only. */
static void test_wipe_dir(void **state)
{
    (void)state;
    char p[600];
    snprintf(p, sizeof p, "%s/runtimes/sub", data);
    assert_int_equal(rt_mkdir_p(p, 0755), 0);
    snprintf(p, sizeof p, "%s/runtimes/stray", data);
    assert_int_equal(rt_atomic_write(p, "x", 1, 0600, NULL, 0), 0);
    snprintf(p, sizeof p, "%s/runtimes-old", data);
    assert_int_equal(rt_mkdir_p(p, 0700), 0);
    assert_int_equal(rt_runtimes_wipe_dir(data, err, sizeof err), 0);
    snprintf(p, sizeof p, "%s/runtimes", data);
    DIR *d = opendir(p);
    assert_non_null(d);
    struct dirent *de;
    int entries = 0;
    while ((de = readdir(d))) entries += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    assert_int_equal(entries, 0);
    snprintf(p, sizeof p, "%s/runtimes-old", data);
    assert_int_equal(access(p, F_OK), 0); /* left alone, as moby 26 */
}

/* §6.1: stock then user, only path/runtimeArgs, shims {}, status gated. */
static void test_info_json(void **state)
{
    (void)state;
    struct rt_runtime_set *set = build_json(
        "{\"runtimes\":{\"oci\":{\"path\":\"runc\"},\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]},"
        "\"kata\":{\"runtimeType\":\"io.containerd.kata.v2\",\"options\":{\"ConfigPath\":\"/c\"}},"
        "\"io.containerd.runc.v2\":{\"path\":\"/bin/false\"}},\"default-runtime\":\"io.containerd.realfake.v42\"}", true);
    assert_non_null(set);
    json_t *j = rt_runtimes_info_json(set, false);
    char *s = json_dumps(j, JSON_COMPACT);
    assert_string_equal(s, "{\"runc\":{\"path\":\"runc\"},\"io.containerd.runc.v2\":{\"path\":\"/bin/false\"},"
                           "\"kata\":{},\"oci\":{\"path\":\"runc\"},\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}");
    free(s);
    json_decref(j);
    j = rt_runtimes_info_json(NULL, false);
    assert_int_equal(json_object_size(j), 0);
    json_decref(j);
    rt_runtimes_free(set);
}

/* §1.4 features probe: stored, shown with status, cached by binary identity. */
static void test_features_probe(void **state)
{
    (void)state;
    char bin[512], count[512];
    snprintf(bin, sizeof bin, "%s/feat-runtime", tmpdir);
    snprintf(count, sizeof count, "%s/feat-count", tmpdir);
    FILE *f = fopen(bin, "w");
    fprintf(f, "#!/bin/sh\necho x >> %s\n[ \"$1\" = features ] || exit 3\n"
               "echo '{\"ociVersionMin\":\"1.0.0\",\"args\":\"'\"$*\"'\"}'\n", count);
    fclose(f);
    chmod(bin, 0755);
    char js[2048];
    snprintf(js, sizeof js, "{\"runtimes\":{\"f\":{\"path\":\"%s\"},\"fa\":{\"path\":\"%s\",\"runtimeArgs\":[\"--x\"]},"
             "\"bad\":{\"path\":\"/bin/false\"}}}", bin, bin);
    struct rt_runtime_set *set = build_json(js, true);
    assert_non_null(set);
    assert_string_equal(find(set, "f")->features, "{\"ociVersionMin\":\"1.0.0\",\"args\":\"features\"}");
    /* through the wrapper the args come first, then "features" */
    assert_null(find(set, "fa")->features); /* the script insists on $1 = features */
    assert_null(find(set, "bad")->features);
    json_t *j = rt_runtimes_info_json(set, true);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "f"), "status"),
                                                          "org.opencontainers.runtime-spec.features")),
                        find(set, "f")->features);
    assert_null(json_object_get(json_object_get(j, "bad"), "status"));
    json_decref(j);
    j = rt_runtimes_info_json(set, false);
    assert_null(json_object_get(json_object_get(j, "f"), "status"));
    json_decref(j);
    rt_runtimes_free(set);

    size_t n1 = 0, n2 = 0;
    free(rt_read_file(count, 1 << 20, &n1));
    set = build_json(js, false); /* same binary: served from the cache */
    assert_non_null(set);
    assert_non_null(find(set, "f")->features);
    rt_runtimes_free(set);
    free(rt_read_file(count, 1 << 20, &n2));
    assert_int_equal(n1, n2);
    /* a changed binary (new mtime) is probed again */
    struct timespec ts[2] = {{0, UTIME_OMIT}, {time(NULL) + 10, 0}};
    assert_int_equal(utimensat(AT_FDCWD, bin, ts, 0), 0);
    set = build_json(js, false);
    assert_non_null(set);
    rt_runtimes_free(set);
    free(rt_read_file(count, 1 << 20, &n2));
    assert_true(n2 > n1);
}

/* Issue 11: a 1000-runtime rebuild probes nothing again (cache) and is fast. */
static void test_thousand_runtimes_rebuild(void **state)
{
    (void)state;
    char bin[512], count[512];
    snprintf(bin, sizeof bin, "%s/feat-1000", tmpdir);
    snprintf(count, sizeof count, "%s/feat-1000-count", tmpdir);
    FILE *f = fopen(bin, "w");
    fprintf(f, "#!/bin/sh\necho x >> %s\necho '{}'\n", count);
    fclose(f);
    chmod(bin, 0755);
    size_t cap = 1000 * (strlen(bin) + 40) + 64, len = 0;
    char *js = malloc(cap);
    len += (size_t)snprintf(js + len, cap - len, "{\"runtimes\":{");
    for (int i = 0; i < 1000; i++)
        len += (size_t)snprintf(js + len, cap - len, "%s\"r%d\":{\"path\":\"%s\"}", i ? "," : "", i, bin);
    snprintf(js + len, cap - len, "}}");
    struct rt_runtime_set *set = build_json(js, true);
    assert_non_null(set);
    assert_int_equal(set->n, 1002);
    rt_runtimes_free(set);
    size_t n1 = 0, n2 = 0;
    free(rt_read_file(count, 1 << 20, &n1));
    assert_int_equal(n1, 2); /* one probe for 1000 runtimes on one binary */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    set = build_json(js, false);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(set);
    assert_string_equal(find(set, "r999")->features, "{}");
    rt_runtimes_free(set);
    free(rt_read_file(count, 1 << 20, &n2));
    assert_int_equal(n2, n1);
    print_message("1000-runtime rebuild (decode+build): %.1f ms\n",
                  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    free(js);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_runtimes_catalogue),
        cmocka_unit_test(test_validation_order_and_texts),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_options_conversion),
        cmocka_unit_test(test_wrapper_vectors),
        cmocka_unit_test(test_wrapper_quoting),
        cmocka_unit_test(test_wrapper_name_rejection),
        cmocka_unit_test(test_wrapper_write_error),
        cmocka_unit_test(test_runtime_wrapping),
        cmocka_unit_test(test_wipe_dir),
        cmocka_unit_test(test_info_json),
        cmocka_unit_test(test_features_probe),
        cmocka_unit_test(test_thousand_runtimes_rebuild),
    };
    return cmocka_run_group_tests_name("runtimes", tests, setup, teardown);
}
