/* Reports: results.json against its documented schema, TAP parsed back,
 * JUnit structure, HTML/XML escaping, exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>
#include <cmocka.h>

#include "harness/report.h"

static const char nasty[] = "<script>alert(1)</script> & \"q\" 'a' #h\nline2 \x01";

static char *render(int (*fn)(FILE *, const json_t *), const json_t *doc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(fn(f, doc), 0);
    fclose(f);
    return buf;
}

/* A run of the selftest cases with one result per outcome. */
static json_t *sample(struct rt_expect **ex)
{
    static const struct { const char *id; enum rt_outcome o; } rs[] = {
        {"RT-SELF-001", RT_PASS}, {"RT-SELF-002", RT_FAIL}, {"RT-SELF-003", RT_ERROR}, {"RT-SELF-004", RT_SKIP},
        {"RT-SELF-014", RT_DISABLED}, {"RT-SELF-008", RT_XFAIL}, {"RT-SELF-009", RT_XPASS}, {"RT-SELF-010", RT_FLAKY},
    };
    const char *e = "{\"schema\":1,\"target\":\"t\",\"entries\":[{\"id\":\"RT-SELF-008\",\"outcome\":\"fail\","
                    "\"reason_class\":\"engine-bug\",\"reason\":\"r<&>\",\"link\":\"l\",\"expires\":\"2020-01-01\"}]}";
    char err[256];
    *ex = rt_expect_parse(e, strlen(e), "x.json", "2026-01-01", err, sizeof err);
    assert_non_null(*ex);
    struct rt_result res[8];
    memset(res, 0, sizeof res);
    for (size_t i = 0; i < 8; i++) {
        res[i].test = rt_registry_find(rs[i].id);
        assert_non_null(res[i].test);
        res[i].outcome = rs[i].o;
        res[i].message = (char *)(rs[i].o == RT_PASS ? NULL : nasty);
        res[i].seconds = 0.25 * (double)i;
        res[i].attempts = rs[i].o == RT_FLAKY ? 2 : 1;
        res[i].expect = rt_expect_find(*ex, rs[i].id);
    }
    res[1].artifacts = (char *)"artifacts/RT-SELF-002";
    res[1].details = json_pack("{s:s,s:n,s:[s],s:[{s:s,s:s},{s:s,s:s}],s:[{s:s,s:i,s:s,s:s}]}", "engine_log_tail",
                               "engine <b>log</b>", "test_log_tail", "journal", "{\"method\":\"create\"}", "configs",
                               "name", "daemon.json.1", "content", "{}", "name", "daemon.json.2", "content",
                               "{\"a\":\"</pre><img src=x>\"}", "runtimes", "path", "data/runtimes/x", "size", 10,
                               "mode", "file", "sha256", "abc");
    json_t *warn = json_pack("[s]", "expectation for RT-SELF-008 (fail) expired on 2020-01-01");
    json_t *target = json_pack("{s:s,s:s,s:b}", "kind", "builtin", "engine_version", "0.1.0<x>", "root", 0);
    struct rt_run_meta m = {.started = "2026-01-01T00:00:00Z", .finished = "2026-01-01T00:00:01Z", .seed = 42,
                            .profile = "selftest", .target = target, .expect = *ex, .warnings = warn,
                            .reproduce = "rtconform run --target builtin --seed 42"};
    json_t *doc = rt_results_json(&m, res, 8);
    json_decref(res[1].details);
    json_decref(warn);
    json_decref(target);
    return doc;
}

static void type_is(const json_t *o, const char *key, json_type type)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_typeof(v) != type) fail_msg("field %s: missing or wrong type", key);
}

/* docs/results-json.md, field by field. */
static void test_results_json_schema(void **state)
{
    (void)state;
    struct rt_expect *ex;
    json_t *doc = sample(&ex);
    assert_int_equal(json_integer_value(json_object_get(doc, "schema")), 1);
    type_is(doc, "harness", JSON_OBJECT);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "harness"), "version")), RT_VERSION);
    type_is(doc, "started", JSON_STRING);
    type_is(doc, "finished", JSON_STRING);
    type_is(doc, "seed", JSON_INTEGER);
    type_is(doc, "profile", JSON_STRING);
    type_is(doc, "target", JSON_OBJECT);
    type_is(doc, "expectations", JSON_OBJECT);
    type_is(doc, "verdict", JSON_STRING);
    type_is(doc, "exit_code", JSON_INTEGER);
    type_is(doc, "counts", JSON_OBJECT);
    type_is(doc, "counts_by_level", JSON_OBJECT);
    type_is(doc, "warnings", JSON_ARRAY);
    type_is(doc, "tests", JSON_ARRAY);
    json_t *c = json_object_get(doc, "counts");
    for (int o = 0; o < RT_OUTCOME_COUNT; o++)
        assert_int_equal(json_integer_value(json_object_get(c, rt_outcome_name(o))), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "total")), 8);
    assert_int_equal(json_integer_value(json_object_get(doc, "exit_code")), 1);
    assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "DOES NOT CONFORM");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(doc, "counts_by_level"), "MUST"), "FAIL")), 1);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(doc, "tests"), i, t) {
        type_is(t, "id", JSON_STRING);
        type_is(t, "suite", JSON_STRING);
        type_is(t, "desc", JSON_STRING);
        type_is(t, "level", JSON_STRING);
        type_is(t, "profiles", JSON_ARRAY);
        type_is(t, "caps", JSON_ARRAY);
        type_is(t, "spec", JSON_STRING);
        type_is(t, "outcome", JSON_STRING);
        type_is(t, "duration_s", JSON_REAL);
        type_is(t, "attempts", JSON_INTEGER);
        type_is(t, "reproduce", JSON_STRING);
        assert_true(rt_outcome_parse(json_string_value(json_object_get(t, "outcome"))) >= 0);
        assert_non_null(strstr(json_string_value(json_object_get(t, "reproduce")), " --focus '^RT-SELF-"));
        assert_true(json_is_string(json_object_get(t, "message")) || json_is_null(json_object_get(t, "message")));
        assert_true(json_is_object(json_object_get(t, "expectation")) || json_is_null(json_object_get(t, "expectation")));
    }
    json_t *t2 = json_array_get(json_object_get(doc, "tests"), 5);
    assert_string_equal(json_string_value(json_object_get(t2, "id")), "RT-SELF-008");
    assert_true(json_is_true(json_object_get(json_object_get(t2, "expectation"), "expired")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(doc, "tests"), 1), "message")), nasty);
    /* Round trip through text: still the same document. */
    char *s = json_dumps(doc, 0);
    json_t *back = json_loads(s, 0, NULL);
    assert_true(json_equal(doc, back));
    free(s);
    json_decref(back);
    json_decref(doc);
    rt_expect_free(ex);
}

/* Render every test as TAP and parse it back: one point per test, the
 * directive matching the outcome, YAML blocks well-formed. */
static void test_tap_parsed_back(void **state)
{
    (void)state;
    struct rt_expect *ex;
    json_t *doc = sample(&ex);
    char *buf = NULL;
    size_t len = 0, i;
    FILE *f = open_memstream(&buf, &len);
    json_t *t, *tests = json_object_get(doc, "tests");
    json_array_foreach(tests, i, t) rt_tap_point(f, i + 1, json_array_size(tests), t);
    fclose(f);
    regex_t point;
    assert_int_equal(regcomp(&point, "^(ok|not ok) ([0-9]+) - \\[([0-9]+)/8\\] (RT-SELF-[0-9]{3}) (MUST|SHOULD|MAY): ", REG_EXTENDED), 0);
    size_t points = 0;
    bool in_yaml = false;
    char outcome_seen[16] = "";
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        regmatch_t m[6];
        if (in_yaml) {
            if (!strcmp(l, "  ...")) { in_yaml = false; continue; }
            /* key: value, the value a JSON-quoted string or a number */
            assert_memory_equal(l, "  ", 2);
            char *colon = strstr(l, ": ");
            assert_non_null(colon);
            if (!strncmp(l, "  outcome: ", 11)) snprintf(outcome_seen, sizeof outcome_seen, "%s", l + 11);
            if (colon[2] == '"') {
                json_error_t je;
                json_t *v = json_loads(colon + 2, JSON_DECODE_ANY, &je);
                if (!v) fail_msg("YAML value not a quoted string: %s", l);
                json_decref(v);
            }
            continue;
        }
        if (!strcmp(l, "  ---")) { in_yaml = true; continue; }
        if (regexec(&point, l, 6, m, 0) != 0) fail_msg("not a TAP test point: %s", l);
        points++;
        json_t *tj = json_array_get(tests, points - 1);
        const char *oc = json_string_value(json_object_get(tj, "outcome"));
        bool ok = !strncmp(l, "ok ", 3);
        bool want_ok = !strcmp(oc, "PASS") || !strcmp(oc, "SKIP") || !strcmp(oc, "DISABLED") || !strcmp(oc, "FLAKY");
        assert_int_equal(ok, want_ok);
        if (!strcmp(oc, "SKIP") || !strcmp(oc, "DISABLED")) assert_non_null(strstr(l, " # SKIP "));
        else if (!strcmp(oc, "XFAIL")) assert_non_null(strstr(l, " # TODO XFAIL"));
        else assert_null(strstr(l, " # "));
        /* the message's '#' is escaped in descriptions */
        if (!strcmp(oc, "SKIP")) assert_non_null(strstr(l, "\\#h"));
        outcome_seen[0] = '\0';
    }
    assert_int_equal(points, 8);
    assert_false(in_yaml);
    regfree(&point);
    free(buf);
    json_decref(doc);
    rt_expect_free(ex);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
    return n;
}

static void test_junit_structure(void **state)
{
    (void)state;
    struct rt_expect *ex;
    json_t *doc = sample(&ex);
    char *x = render(rt_report_junit, doc);
    assert_memory_equal(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 50);
    assert_int_equal(count(x, "<testsuite "), 1);
    assert_int_equal(count(x, "<testcase classname=\"selftest\" name=\"RT-SELF-"), 8);
    assert_int_equal(count(x, "</testcase>"), 8);
    assert_int_equal(count(x, "<failure "), 2);  /* FAIL, XPASS */
    assert_int_equal(count(x, "<error "), 1);
    assert_int_equal(count(x, "<skipped "), 2);  /* SKIP, DISABLED */
    assert_non_null(strstr(x, "tests=\"8\" failures=\"2\" errors=\"1\" skipped=\"2\""));
    assert_non_null(strstr(x, "<property name=\"target\" value=\"builtin\"/>"));
    assert_non_null(strstr(x, "<property name=\"seed\" value=\"42\"/>"));
    assert_non_null(strstr(x, "<property name=\"harness_version\" value=\"" RT_VERSION "\"/>"));
    assert_non_null(strstr(x, "<property name=\"engine_version\" value=\"0.1.0&lt;x&gt;\"/>"));
    assert_null(strstr(x, "<script>"));
    assert_null(strstr(x, "\x01"));
    assert_non_null(strstr(x, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;"));
    assert_non_null(strstr(x, "time=\"0.250\""));
    free(x);
    json_decref(doc);
    rt_expect_free(ex);
}

static void test_escaping(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rt_xml_puts(f, "a<b>&\"c'\x01\x1f\t\n\x7f");
    rt_xml_puts(f, NULL);
    fputc('|', f);
    rt_quoted_puts(f, "x\"y\\z\n\x02");
    fclose(f);
    assert_string_equal(buf, "a&lt;b&gt;&amp;&quot;c&#39;\t\n|\"x\\\"y\\\\z\\n\\u0002\"");
    free(buf);
}

static void test_html(void **state)
{
    (void)state;
    struct rt_expect *ex;
    json_t *doc = sample(&ex);
    char *h = render(rt_report_html, doc);
    assert_memory_equal(h, "<!DOCTYPE html>", 15);
    assert_int_equal(count(h, "<script"), 1);               /* ours, inline */
    assert_int_equal(count(h, "<tbody "), 8);
    assert_null(strstr(h, "src=\"http"));
    assert_null(strstr(h, "href=\"http"));
    assert_null(strstr(h, "<img"));                        /* from a config: escaped */
    assert_non_null(strstr(h, "&lt;/pre&gt;&lt;img src=x&gt;"));
    assert_non_null(strstr(h, "engine &lt;b&gt;log&lt;/b&gt;"));
    assert_non_null(strstr(h, "daemon.json.2"));
    assert_non_null(strstr(h, "data/runtimes/x"));
    assert_non_null(strstr(h, "--focus &#39;^RT-SELF-002$&#39;"));
    assert_non_null(strstr(h, "r&lt;&amp;&gt;"));            /* expectation reason */
    assert_non_null(strstr(h, "EXPIRED"));
    assert_non_null(strstr(h, "Warning: expectation for RT-SELF-008"));
    assert_non_null(strstr(h, "DOES NOT CONFORM"));
    free(h);
    json_decref(doc);
    rt_expect_free(ex);
}

static void test_exit_codes(void **state)
{
    (void)state;
    size_t c[RT_OUTCOME_COUNT];
#define CASE(pass, fail, err, skip, xfail, xpass, flaky, xok, want)                                   \
    memset(c, 0, sizeof c);                                                                         \
    c[RT_PASS] = pass, c[RT_FAIL] = fail, c[RT_ERROR] = err, c[RT_SKIP] = skip, c[RT_XFAIL] = xfail, \
    c[RT_XPASS] = xpass, c[RT_FLAKY] = flaky;                                                       \
    assert_int_equal(rt_exit_code(c, xok), want)
    CASE(3, 0, 0, 1, 0, 0, 0, false, 0);
    CASE(3, 1, 0, 0, 0, 0, 0, false, 1);
    CASE(3, 0, 1, 0, 0, 0, 0, false, 1);
    CASE(0, 0, 0, 5, 0, 0, 0, false, 77);
    CASE(0, 0, 0, 0, 0, 0, 0, false, 77);
    CASE(0, 0, 2, 3, 0, 0, 0, false, 99);
    CASE(1, 0, 0, 0, 0, 1, 0, false, 1);
    CASE(1, 0, 0, 0, 0, 1, 0, true, 0);
    CASE(0, 0, 0, 0, 2, 0, 1, false, 0);
#undef CASE
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_results_json_schema),
        cmocka_unit_test(test_tap_parsed_back),
        cmocka_unit_test(test_junit_structure),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_exit_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
