/* The start-error classification table of engine spec §2.4, row by row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "engine/start_errors.h"

#define HINT ": Are you trying to mount a directory onto a file (or vice-versa)? Check if the " \
             "specified host path exists and is the expected type"

static void check(const char *msg, int code, enum rt_errclass cls, const char *want)
{
    struct rt_start_error e = {0};
    assert_int_equal(rt_start_error_classify(msg, &e), 0);
    assert_int_equal(e.exit_code, code);
    assert_int_equal(e.cls, cls);
    assert_string_equal(e.msg, want);
    rt_start_error_free(&e);
}

static void test_permission_denied(void **s)
{
    (void)s;
    const char *m = "failed to create task for container: exec: \"/x\": Permission Denied: unknown";
    check(m, 126, RT_ERR_INVALID, m);
}

static void test_is_a_directory(void **s)
{
    (void)s;
    check("exec /bin: is a directory", 126, RT_ERR_INVALID, "exec /bin: is a directory: permission denied");
}

static void test_not_a_directory(void **s)
{
    (void)s;
    check("mount /a: not a directory", 127, RT_ERR_INVALID, "mount /a: not a directory" HINT);
}

static void test_not_found_group(void **s)
{
    (void)s;
    static const char *const m[] = {
        "exec: \"x\": executable file not found in $PATH",
        "open /run/x/log.json: no such file or directory: unknown",
        "The system cannot find the file specified.",
        "OCI runtime create failed: failed to run runc create/exec call: boom",
        "EXECUTABLE FILE NOT FOUND", /* case-insensitive */
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) check(m[i], 127, RT_ERR_INVALID, m[i]);
}

static void test_anything_else(void **s)
{
    (void)s;
    const char *m = "failed to create task for container: failed to start shim: timeout";
    check(m, 128, RT_ERR_SYSTEM, m);
    check("", 128, RT_ERR_SYSTEM, "");
}

/* First match wins: "permission denied" before the not-found group, "is a
 * directory" before "not a directory" (which does not contain it). */
static void test_order(void **s)
{
    (void)s;
    check("no such file or directory; permission denied", 126, RT_ERR_INVALID,
          "no such file or directory; permission denied");
    check("x is a directory, y no such file or directory", 126, RT_ERR_INVALID,
          "x is a directory, y no such file or directory: permission denied");
    check("not a directory: no such file or directory", 127, RT_ERR_INVALID,
          "not a directory: no such file or directory" HINT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permission_denied), cmocka_unit_test(test_is_a_directory),
        cmocka_unit_test(test_not_a_directory),   cmocka_unit_test(test_not_found_group),
        cmocka_unit_test(test_anything_else),     cmocka_unit_test(test_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
