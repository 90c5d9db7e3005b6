/* Shim binary names (shim spec §1.1/§1.3, engine spec §2.3), path
 * resolution errors (§1.2) and the options Any bytes (§2.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/shims.h"
#include "fsutil.h"

static void name_is(const char *rt, const char *want)
{
    char *got = rt_shim_binary_name(rt);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_binary_names(void **st)
{
    (void)st;
    name_is("io.containerd.runc.v2", "containerd-shim-runc-v2");
    name_is("io.containerd.runc-alias.v2", "containerd-shim-runc-alias-v2");
    name_is("x.y.z.runc.v2", "containerd-shim-runc-v2");
    name_is("my.runc", "containerd-shim-my-runc");
    name_is("a..", "containerd-shim--");
    name_is("a.b.c.d.e", "containerd-shim-d-e");
    name_is("runc-fp.v1", "containerd-shim-runc-fp-v1");
    name_is(".v2", "containerd-shim--v2");
    name_is("runc", NULL);
}

static void test_resolve(void **st)
{
    (void)st;
    char dir[] = "/tmp/test_shims.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *bin = rt_path_join(dir, "containerd-shim-zz-v9");
    assert_int_equal(rt_atomic_write(bin, "#!/bin/sh\n", 10, 0755, NULL, 0), 0);
    chmod(bin, 0755);
    char *dirs[] = {dir};
    char *msg = NULL;
    char *got = rt_shim_resolve_path("io.containerd.zz.v9", dirs, 1, &msg);
    assert_non_null(got);
    assert_string_equal(got, bin);
    free(got);

    got = rt_shim_resolve_path("io.containerd.nonexist.v2", dirs, 1, &msg);
    assert_null(got);
    assert_string_equal(msg, "runtime \"io.containerd.nonexist.v2\" binary not installed "
                             "\"containerd-shim-nonexist-v2\": file does not exist");
    free(msg);

    got = rt_shim_resolve_path("nodot", dirs, 1, &msg);
    assert_null(got);
    assert_string_equal(msg, "invalid runtime name nodot, correct runtime name should be either format like "
                             "`io.containerd.runc.v1` or a full path to the binary");
    free(msg);

    got = rt_shim_resolve_path(bin, NULL, 0, &msg); /* absolute: as is */
    assert_string_equal(got, bin);
    free(got);
    got = rt_shim_resolve_path("/nonexistent/shim", NULL, 0, &msg);
    assert_null(got);
    free(msg);
    rt_rm_rf(dir);
    free(bin);
}

/* §2.2: 0a 1a "containerd.runc.v1.Options" 12 1d 32 1b "<X>" for a
 * 27-byte binary name X. */
static void test_options_any_bytes(void **st)
{
    (void)st;
    const char *x = "/usr/local/bin/my-runc-2718"; /* 27 bytes */
    assert_int_equal(strlen(x), 27);
    struct rt_resolved r = {0};
    r.opts_type = RT_OPTS_RUNC;
    r.runc.binary_name = (char *)x;
    uint8_t *buf;
    size_t len;
    assert_int_equal(rt_shim_options_any(&r, &buf, &len), 0);
    uint8_t want[2 + 26 + 4 + 27];
    size_t n = 0;
    want[n++] = 0x0a, want[n++] = 0x1a;
    memcpy(want + n, "containerd.runc.v1.Options", 26), n += 26;
    want[n++] = 0x12, want[n++] = 0x1d, want[n++] = 0x32, want[n++] = 0x1b;
    memcpy(want + n, x, 27), n += 27;
    assert_int_equal(len, n);
    assert_memory_equal(buf, want, n);
    free(buf);

    r.opts_type = RT_OPTS_NONE;
    assert_int_equal(rt_shim_options_any(&r, &buf, &len), 0);
    assert_null(buf);
    assert_int_equal(len, 0);

    r.opts_type = RT_OPTS_GENERIC;
    r.generic.config_path = "/c";
    assert_int_equal(rt_shim_options_any(&r, &buf, &len), 0);
    assert_true(len > 27);
    assert_memory_equal(buf, "\x0a\x19runtimeoptions.v1.Options", 27);
    free(buf);
}

static void test_signal_parse(void **st)
{
    (void)st;
    assert_int_equal(rt_signal_parse("SIGKILL"), 9);
    assert_int_equal(rt_signal_parse("TERM"), 15);
    assert_int_equal(rt_signal_parse("2"), 2);
    assert_int_equal(rt_signal_parse("SIGNOPE"), -1);
    assert_int_equal(rt_signal_parse(""), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_names),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_options_any_bytes),
        cmocka_unit_test(test_signal_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
