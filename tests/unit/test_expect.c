/* Expectation files: parsing, strict schema errors, expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "harness/expect.h"

#define TODAY "2026-06-15"

static const char good[] =
    "{\"schema\":1,\"target\":\"dockerd-26\",\"description\":\"d\",\"entries\":["
    "{\"id\":\"RT-RELOAD-007\",\"outcome\":\"fail\",\"reason_class\":\"engine-bug\",\"reason\":\"r1\",\"link\":\"spec §4.1\",\"expires\":\"2026-06-15\"},"
    "{\"id\":\"RT-INFO-001\",\"outcome\":\"skip\",\"reason_class\":\"environment\",\"reason\":\"r2\",\"link\":\"https://x/1\",\"expires\":\"2026-06-14\"},"
    "{\"id\":\"RT-INFO-002\",\"outcome\":\"flaky\",\"reason_class\":\"test-bug\",\"reason\":\"r3\",\"link\":\"l\",\"expires\":\"2030-01-01\"}]}";

static void test_parse_good(void **state)
{
    (void)state;
    char err[512] = "";
    struct rt_expect *e = rt_expect_parse(good, strlen(good), "g.json", TODAY, err, sizeof err);
    assert_non_null(e);
    assert_string_equal(e->target, "dockerd-26");
    assert_int_equal(e->n, 3);
    const struct rt_expect_entry *x = rt_expect_find(e, "RT-RELOAD-007");
    assert_non_null(x);
    assert_int_equal(x->kind, RT_EXPECT_FAIL);
    assert_string_equal(x->reason_class, "engine-bug");
    assert_string_equal(x->link, "spec §4.1");
    assert_false(x->expired); /* expires today: still valid */
    assert_true(rt_expect_find(e, "RT-INFO-001")->expired);
    assert_int_equal(rt_expect_find(e, "RT-INFO-001")->kind, RT_EXPECT_SKIP);
    assert_int_equal(rt_expect_find(e, "RT-INFO-002")->kind, RT_EXPECT_FLAKY);
    assert_false(rt_expect_find(e, "RT-INFO-002")->expired);
    assert_null(rt_expect_find(e, "RT-INFO-003"));
    rt_expect_free(e);
}

static void test_empty_entries_and_shipped_builtin(void **state)
{
    (void)state;
    char err[512] = "";
    const char *s = "{\"schema\":1,\"target\":\"builtin\",\"entries\":[]}";
    struct rt_expect *e = rt_expect_parse(s, strlen(s), "b", TODAY, err, sizeof err);
    assert_non_null(e);
    assert_int_equal(e->n, 0);
    rt_expect_free(e);
    e = rt_expect_load("fixtures/expect/builtin.json", NULL, err, sizeof err);
    if (!e) fail_msg("%s", err);
    assert_int_equal(e->n, 0);
    rt_expect_free(e);
}

/* Each bad document and a fragment its error message must contain. */
static const struct { const char *doc, *want; } bad[] = {
    {"{", "f.json: not valid JSON"},
    {"[]", "the top level must be an object, got array"},
    {"{\"target\":\"t\",\"entries\":[]}", "field \"schema\" must be the number 1"},
    {"{\"schema\":2,\"target\":\"t\",\"entries\":[]}", "field \"schema\" must be the number 1"},
    {"{\"schema\":1,\"entries\":[]}", "field \"target\" must be a non-empty string"},
    {"{\"schema\":1,\"target\":\"t\"}", "field \"entries\" must be an array (missing)"},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[],\"extra\":1}", "unknown top-level field \"extra\""},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[5]}", "entries[0]: must be an object, got number"},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"RT-A-001\",\"outcome\":\"fail\",\"reason_class\":\"engine-bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2030-01-01\",\"bug\":1}]}",
     "entries[0] (RT-A-001): unknown field \"bug\""},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"RT-A-001\",\"outcome\":\"fail\",\"reason_class\":\"engine-bug\",\"link\":\"l\",\"expires\":\"2030-01-01\"}]}",
     "entries[0] (RT-A-001): missing required field \"reason\""},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"RT-A-001\",\"outcome\":\"broken\",\"reason_class\":\"engine-bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2030-01-01\"}]}",
     "entries[0] (RT-A-001): field \"outcome\" must be one of fail, skip, flaky; got \"broken\""},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"RT-A-001\",\"outcome\":\"fail\",\"reason_class\":\"bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2030-01-01\"}]}",
     "field \"reason_class\" must be one of engine-bug, environment, test-bug; got \"bug\""},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"RT-A-001\",\"outcome\":\"fail\",\"reason_class\":\"test-bug\",\"reason\":\"\",\"link\":\"l\",\"expires\":\"2030-01-01\"}]}",
     "field \"reason\" must be a non-empty string, got \"\""},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"RT-A-001\",\"outcome\":\"fail\",\"reason_class\":\"test-bug\",\"reason\":\"r\",\"link\":7,\"expires\":\"2030-01-01\"}]}",
     "field \"link\" must be a non-empty string, got number"},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"RT-A-001\",\"outcome\":\"fail\",\"reason_class\":\"test-bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2025-13-01\"}]}",
     "entries[0] (RT-A-001): field \"expires\" must be a date YYYY-MM-DD, got \"2025-13-01\""},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"RT-A-001\",\"outcome\":\"fail\",\"reason_class\":\"test-bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2023-02-29\"}]}",
     "got \"2023-02-29\""},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"rt-a-1\",\"outcome\":\"fail\",\"reason_class\":\"test-bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2030-01-01\"}]}",
     "field \"id\" must look like RT-<AREA>-NNN"},
    {"{\"schema\":1,\"target\":\"t\",\"entries\":["
     "{\"id\":\"RT-A-001\",\"outcome\":\"fail\",\"reason_class\":\"test-bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2030-01-01\"},"
     "{\"id\":\"RT-A-002\",\"outcome\":\"fail\",\"reason_class\":\"test-bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2030-01-01\"},"
     "{\"id\":\"RT-A-001\",\"outcome\":\"skip\",\"reason_class\":\"test-bug\",\"reason\":\"r\",\"link\":\"l\",\"expires\":\"2030-01-01\"}]}",
     "entries[2] (RT-A-001): duplicate id (also entries[0])"},
};

static void test_schema_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512] = "";
        struct rt_expect *e = rt_expect_parse(bad[i].doc, strlen(bad[i].doc), "f.json", TODAY, err, sizeof err);
        if (e) fail_msg("case %zu parsed but should not: %s", i, bad[i].doc);
        if (!strstr(err, bad[i].want)) fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, bad[i].want);
        assert_memory_equal(err, "f.json: ", 8); /* every message names the file */
    }
}

static void test_dates(void **state)
{
    (void)state;
    assert_true(rt_expect_valid_date("2024-02-29"));
    assert_false(rt_expect_valid_date("2023-02-29"));
    assert_false(rt_expect_valid_date("2100-02-29"));
    assert_true(rt_expect_valid_date("2000-02-29"));
    assert_true(rt_expect_valid_date("2026-12-31"));
    assert_false(rt_expect_valid_date("2026-04-31"));
    assert_false(rt_expect_valid_date("2026-1-01"));
    assert_false(rt_expect_valid_date("2026-01-01T00"));
    assert_false(rt_expect_valid_date("tomorrow!!"));
    assert_false(rt_expect_valid_date(NULL));
}

static void test_load_missing_file(void **state)
{
    (void)state;
    char err[512] = "";
    assert_null(rt_expect_load("/nonexistent/x.json", NULL, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.json: cannot read: no such file or directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_empty_entries_and_shipped_builtin),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
