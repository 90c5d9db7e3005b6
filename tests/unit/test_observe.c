/* Observables: normalisation, the file -> object merge, the per-key diff,
 * and `compare --observables` over crafted results. */
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
#include "harness/observe.h"
#include "harness/testlib.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_normalize(void **state)
{
    (void)state;
    char *s = rt_observe_normalize("/tmp/rtconform-x/RT-A-001/data/runtimes/foo " HEX64 " abc123", "/tmp/rtconform-x/RT-A-001");
    assert_string_equal(s, "<sandbox>/data/runtimes/foo <id> abc123");
    free(s);
    /* Hex inside a word, or short, is left alone. */
    s = rt_observe_normalize("x" HEX64 " deadbeef", NULL);
    assert_string_equal(s, "x" HEX64 " deadbeef");
    free(s);
    s = rt_observe_normalize("unable to delete daef8428ae62 (must be forced) - used by 8049ffd8bc1b", NULL);
    assert_string_equal(s, "unable to delete <id> (must be forced) - used by <id>");
    free(s);
    s = rt_observe_api_path("/v1.45/containers/" HEX64 "/start?t=1");
    assert_string_equal(s, "/containers/<id>/start?t=1");
    free(s);
    s = rt_observe_api_path("/containers/create?name=x");
    assert_string_equal(s, "/containers/create?name=x");
    free(s);
}

static void test_error_class(void **state)
{
    (void)state;
    assert_string_equal(rt_observe_error_class(200), "ok");
    assert_string_equal(rt_observe_error_class(304), "not-modified");
    assert_string_equal(rt_observe_error_class(400), "invalid-parameter");
    assert_string_equal(rt_observe_error_class(404), "not-found");
    assert_string_equal(rt_observe_error_class(409), "conflict");
    assert_string_equal(rt_observe_error_class(500), "system");
    assert_string_equal(rt_observe_error_class(503), "unavailable");
}

/* rt_observe in a (fake) test sandbox, then the runner's load. */
static void test_record_and_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/rt-obs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct rt_sandbox sb = {.dir = dir};
    rt_t.sb = &sb;
    rt_observe("exit_code", "%d", 3);
    rt_observe("error", "500 failed in %s/exec \"quoted\"\nsecond line", dir);
    rt_observe("exit_code", "%d", 0); /* last value wins */
    struct rt_run_config cfg = {.engine = "/usr/sbin/dockerd"};
    rt_t.run = &cfg;
    rt_observe("engine_error", "flag provided but not defined. See 'dockerd --help'., Code: 125");
    rt_t.run = NULL;
    sb.exec_root = "/tmp/rtd-abc/x"; /* outside the sandbox (dockerd target) */
    rt_observe("shim_options", "{\"root\":\"/tmp/rtd-abc/x/runtime-runc\",\"b\":\"%s/data\"}", dir);
    struct rt_http_resp r = {.status = 404, .json = json_pack("{s:s}", "message", "No such container: x")};
    rt_observe_http("POST", "/v1.45/containers/x/start", &r);
    json_decref(r.json);
    struct rt_http_resp g = {.status = 200};
    rt_observe_http("GET", "/containers/x/json", &g); /* GETs are not "http" */
    rt_t.sb = NULL;
    rt_observe("ignored", "outside a test");

    char path[64];
    snprintf(path, sizeof path, "%s/%s", dir, RT_OBSERVE_FILE);
    FILE *f = fopen(path, "a");
    fputs("not json\n{\"k\":1}\n", f); /* malformed lines are skipped */
    fclose(f);
    json_t *o = rt_observe_load(path);
    assert_int_equal(json_object_size(o), 6);
    assert_string_equal(json_string_value(json_object_get(o, "engine_error")),
                        "flag provided but not defined. See '<engine> --help'., Code: 125");
    assert_string_equal(json_string_value(json_object_get(o, "shim_options")),
                        "{\"root\":\"<sandbox>/exec/runtime-runc\",\"b\":\"<sandbox>/data\"}");
    assert_string_equal(json_string_value(json_object_get(o, "exit_code")), "0");
    assert_string_equal(json_string_value(json_object_get(o, "error")), "404 No such container: x");
    assert_string_equal(json_string_value(json_object_get(o, "error_class")), "not-found");
    assert_string_equal(json_string_value(json_object_get(o, "http")), "POST /containers/x/start 404");
    json_decref(o);
    unlink(path);
    rmdir(dir);
    o = rt_observe_load(path);
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);
}

static void test_diff(void **state)
{
    (void)state;
    json_t *a = json_pack("{s:s,s:s,s:s}", "status", "204", "runtime", "runc", "only_a", "x");
    json_t *b = json_pack("{s:s,s:s,s:s}", "status", "204", "runtime", "rtfake", "only_b", "y");
    json_t *d = rt_observe_diff(a, b);
    assert_int_equal(json_array_size(d), 3);
    json_t *e0 = json_array_get(d, 0), *e1 = json_array_get(d, 1), *e2 = json_array_get(d, 2);
    assert_string_equal(json_string_value(json_object_get(e0, "key")), "only_a");
    assert_true(json_is_null(json_object_get(e0, "b")));
    assert_string_equal(json_string_value(json_object_get(e1, "key")), "only_b");
    assert_string_equal(json_string_value(json_object_get(e2, "key")), "runtime");
    assert_string_equal(json_string_value(json_object_get(e2, "a")), "runc");
    assert_string_equal(json_string_value(json_object_get(e2, "b")), "rtfake");
    json_decref(d);
    d = rt_observe_diff(a, a);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    d = rt_observe_diff(NULL, a);
    assert_int_equal(json_array_size(d), 3);
    json_decref(d);
    json_decref(a);
    json_decref(b);
}

static json_t *test_entry(const char *id, const char *outcome, const char *msg, json_t *obs)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "level", "MUST", "outcome", outcome, "message", msg,
                     "observables", obs ? obs : json_object());
}

static void test_compare_observables(void **state)
{
    (void)state;
    json_t *a = json_pack("{s:i,s:{s:s,s:s},s:[o,o,o,o]}", "schema", 1, "target", "kind", "dockerd",
                          "engine_version", "26.1.5", "tests",
                          test_entry("RT-A-001", "PASS", "", json_pack("{s:s}", "exit_code", "0")),
                          test_entry("RT-A-002", "PASS", "", json_pack("{s:s,s:s}", "error", "400 bad", "error_class", "invalid-parameter")),
                          test_entry("RT-A-003", "SKIP", "needs root", NULL),
                          test_entry("RT-A-004", "FAIL", "x", json_pack("{s:s}", "runtime", "runc")));
    json_t *b = json_pack("{s:i,s:{s:s,s:s},s:[o,o,o,o]}", "schema", 1, "target", "kind", "builtin",
                          "engine_version", "0.1.0", "tests",
                          test_entry("RT-A-001", "PASS", "", json_pack("{s:s}", "exit_code", "0")),
                          test_entry("RT-A-002", "PASS", "", json_pack("{s:s,s:s}", "error", "500 bad", "error_class", "system")),
                          test_entry("RT-A-003", "PASS", "", NULL),
                          test_entry("RT-A-004", "PASS", "", json_pack("{s:s}", "runtime", "runc")));
    struct rt_obs_counts c;
    char err[256], *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    json_t *d = rt_compare_observables(a, b, f, &c, err, sizeof err);
    fclose(f);
    assert_non_null(d);
    assert_int_equal(c.compared, 3);
    assert_int_equal(c.differing, 1);
    assert_int_equal(c.not_compared, 1);
    assert_non_null(strstr(out, "# observables: A = dockerd 26.1.5, B = builtin 0.1.0\n"));
    assert_non_null(strstr(out, "RT-A-002         MUST   A PASS    B PASS\n"));
    assert_non_null(strstr(out, "  error_class   A: invalid-parameter"));
    assert_non_null(strstr(out, "| B: system\n"));
    assert_non_null(strstr(out, "# not compared: 1 test(s) SKIP in A: needs root\n"));
    assert_non_null(strstr(out, "# 1 tests with differing observables, 2 the same, 1 not compared\n"));
    assert_null(strstr(out, "RT-A-001"));
    assert_null(strstr(out, "NOTHING COMPARED"));
    json_t *t0 = json_array_get(json_object_get(d, "tests"), 0);
    assert_string_equal(json_string_value(json_object_get(t0, "id")), "RT-A-002");
    assert_int_equal(json_array_size(json_object_get(t0, "keys")), 2);
    json_decref(d);
    free(out);

    /* Everything skipped on one side: said so, never "equal". */
    json_t *s = json_pack("{s:i,s:{s:s},s:[o,o]}", "schema", 1, "target", "kind", "dockerd", "tests",
                          test_entry("RT-A-001", "SKIP", "needs root", NULL), test_entry("RT-A-002", "SKIP", "needs root", NULL));
    f = open_memstream(&out, &len);
    d = rt_compare_observables(b, s, f, &c, err, sizeof err);
    fclose(f);
    assert_int_equal(c.compared, 0);
    assert_int_equal(c.not_compared, 4);
    assert_non_null(strstr(out, "# not compared: 2 test(s) SKIP in B: needs root\n"));
    assert_non_null(strstr(out, "# not compared: 2 test(s) absent in B\n"));
    assert_non_null(strstr(out, "NOTHING COMPARED"));
    json_decref(d);
    free(out);
    json_t *empty = json_object();
    assert_null(rt_compare_observables(a, empty, NULL, &c, err, sizeof err));
    assert_non_null(strstr(err, "B: not a results.json"));
    json_decref(empty);
    json_decref(s);
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_error_class),
        cmocka_unit_test(test_record_and_load),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_compare_observables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
