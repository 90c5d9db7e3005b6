/* rtconform compare: regressions, fixes, new, removed, other changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness/compare.h"

/* A minimal results.json from "ID=OUTCOME" pairs. */
static json_t *run(const char *const *pairs)
{
    json_t *tests = json_array();
    for (; *pairs; pairs++) {
        char id[64];
        const char *eq = strchr(*pairs, '=');
        snprintf(id, sizeof id, "%.*s", (int)(eq - *pairs), *pairs);
        json_array_append_new(tests, json_pack("{s:s,s:s,s:s}", "id", id, "outcome", eq + 1, "message", "why"));
    }
    return json_pack("{s:i,s:o}", "schema", 1, "tests", tests);
}

static void test_all_kinds(void **state)
{
    (void)state;
    static const char *const a[] = {"RT-A-001=PASS", "RT-A-002=PASS", "RT-A-003=FAIL", "RT-A-004=PASS",
                                    "RT-A-005=SKIP", "RT-A-006=XFAIL", "RT-A-007=FLAKY", "RT-A-008=ERROR",
                                    "RT-A-009=PASS", NULL};
    static const char *const b[] = {"RT-A-001=PASS", "RT-A-002=FAIL", "RT-A-003=PASS", "RT-A-005=PASS",
                                    "RT-A-006=XPASS", "RT-A-007=ERROR", "RT-A-008=FAIL", "RT-A-009=SKIP",
                                    "RT-A-010=FAIL", NULL};
    json_t *ja = run(a), *jb = run(b);
    struct rt_compare_counts c;
    char err[256], *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_int_equal(rt_compare(ja, jb, f, &c, err, sizeof err), 0);
    fclose(f);
    assert_int_equal(c.n[RT_CHG_REGRESSION], 3); /* 002 PASS->FAIL, 006 XFAIL->XPASS, 007 FLAKY->ERROR */
    assert_int_equal(c.n[RT_CHG_FIX], 1);        /* 003 */
    assert_int_equal(c.n[RT_CHG_REMOVED], 1);    /* 004 */
    assert_int_equal(c.n[RT_CHG_NEW], 1);        /* 010 */
    assert_int_equal(c.n[RT_CHG_OTHER], 3);      /* 005 SKIP->PASS, 008 ERROR->FAIL, 009 PASS->SKIP */
    assert_int_equal(c.same, 1);
    assert_non_null(strstr(out, "regression RT-A-002         PASS -> FAIL: why\n"));
    assert_non_null(strstr(out, "fix        RT-A-003         FAIL -> PASS\n"));
    assert_non_null(strstr(out, "removed    RT-A-004         PASS -> (absent)\n"));
    assert_non_null(strstr(out, "new        RT-A-010         (absent) -> FAIL\n"));
    assert_null(strstr(out, "RT-A-001"));
    /* Regressions listed in A's order, new tests last. */
    assert_true(strstr(out, "RT-A-002") < strstr(out, "RT-A-003"));
    assert_true(strstr(out, "RT-A-009") < strstr(out, "RT-A-010"));
    free(out);
    json_decref(ja);
    json_decref(jb);
}

static void test_identical_and_reverse(void **state)
{
    (void)state;
    static const char *const a[] = {"RT-A-001=PASS", "RT-A-002=FAIL", NULL};
    json_t *ja = run(a);
    struct rt_compare_counts c;
    char err[256];
    assert_int_equal(rt_compare(ja, ja, NULL, &c, err, sizeof err), 0);
    for (int i = 0; i < RT_CHG_COUNT; i++) assert_int_equal(c.n[i], 0);
    assert_int_equal(c.same, 2);
    json_decref(ja);
}

static void test_bad_input(void **state)
{
    (void)state;
    static const char *const a[] = {"RT-A-001=PASS", NULL};
    json_t *ja = run(a), *notres = json_pack("{s:[]}", "x"), *badoc = json_pack("{s:i,s:[{s:s,s:s}]}", "schema", 1,
                                                                              "tests", "id", "RT-A-001", "outcome", "MAYBE");
    struct rt_compare_counts c;
    char err[256] = "";
    assert_int_equal(rt_compare(ja, notres, NULL, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "B: not a results.json"));
    assert_int_equal(rt_compare(badoc, ja, NULL, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "A: tests[0]: needs a string \"id\" and a known \"outcome\""));
    json_decref(ja);
    json_decref(notres);
    json_decref(badoc);
}

static void test_files_exit_codes(void **state)
{
    (void)state;
    char da[] = "/tmp/rt-cmp-XXXXXX";
    assert_non_null(mkdtemp(da));
    char pa[64], pb[64];
    snprintf(pa, sizeof pa, "%s/a.json", da);
    snprintf(pb, sizeof pb, "%s/b.json", da);
    static const char *const a[] = {"RT-A-001=PASS", NULL}, *const b[] = {"RT-A-001=FAIL", NULL};
    json_t *ja = run(a), *jb = run(b);
    json_dump_file(ja, pa, 0);
    json_dump_file(jb, pb, 0);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(rt_compare_files(pa, pb, devnull), 1);
    assert_int_equal(rt_compare_files(pb, pa, devnull), 0);
    assert_int_equal(rt_compare_files(pa, pa, devnull), 0);
    assert_int_equal(rt_compare_files(pa, "/nonexistent.json", devnull), 99);
    fclose(devnull);
    unlink(pa), unlink(pb), rmdir(da);
    json_decref(ja);
    json_decref(jb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_kinds),
        cmocka_unit_test(test_identical_and_reverse),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_files_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
