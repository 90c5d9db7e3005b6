/* The router's not-found answers (dockerd 26: unknown path and wrong method
 * are both 404 "page not found"), the JSON-body route flag, the one
 * errdefs class -> status map, and error bodies that stay valid JSON
 * whatever bytes the message carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/api/http.h"

static void dispatch(const char *method, const char *path, struct rt_resp *resp)
{
    struct rt_req req = {.method = method, .path = path, .api_minor = 45};
    memset(resp, 0, sizeof *resp);
    rt_router_dispatch(&req, resp);
}

static void assert_page_not_found(const char *method, const char *path)
{
    struct rt_resp resp;
    dispatch(method, path, &resp);
    assert_int_equal(resp.status, 404);
    assert_string_equal(json_string_value(json_object_get(resp.json, "message")), "page not found");
    assert_int_equal(json_object_size(resp.json), 1);
    rt_resp_release(&resp);
}

static void test_unknown_path(void **s)
{
    (void)s;
    assert_page_not_found("GET", "/nope");
    assert_page_not_found("GET", "/containers/x/nope");
}

static void test_wrong_method(void **s)
{
    (void)s;
    assert_page_not_found("DELETE", "/info");
    assert_page_not_found("POST", "/_ping");
    assert_page_not_found("PUT", "/containers/create");
}

static void test_json_body_routes(void **s)
{
    (void)s;
    assert_true(rt_router_json_body("POST", "/containers/create"));
    assert_false(rt_router_json_body("POST", "/images/create")); /* tar */
    assert_false(rt_router_json_body("GET", "/nope"));
}

static void test_errdefs_map(void **s)
{
    (void)s;
    static const struct { enum rt_errclass cls; int status; } map[] = {
        {RT_ERR_INVALID, 400}, {RT_ERR_NOT_FOUND, 404}, {RT_ERR_CONFLICT, 409}, {RT_ERR_NOT_MODIFIED, 304},
        {RT_ERR_UNAVAILABLE, 503}, {RT_ERR_FORBIDDEN, 403}, {RT_ERR_NOT_IMPL, 501}, {RT_ERR_TOO_LARGE, 413},
        {RT_ERR_SYSTEM, 500},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        assert_int_equal(rt_errclass_http_status(map[i].cls), map[i].status);
}

/* Invalid UTF-8 (and truncated sequences, surrogates, overlong forms) in a
 * message become U+FFFD: the body is still {"message": ...}. */
static void test_message_utf8(void **s)
{
    (void)s;
    static const char *const bad[] = {"x\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf5\x80\x80\x80", "ok \xc3\xa9"};
    static const char *const want[] = {"x\xef\xbf\xbd", "\xef\xbf\xbd\xef\xbf\xbd", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
                                       "\xef\xbf\xbd\xef\xbf\xbd", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
                                       "ok \xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rt_resp resp = {0};
        rt_resp_error(&resp, RT_ERR_NOT_FOUND, "%s", bad[i]);
        assert_int_equal(resp.status, 404);
        assert_non_null(resp.json);
        assert_string_equal(json_string_value(json_object_get(resp.json, "message")), want[i]);
        rt_resp_release(&resp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_path),     cmocka_unit_test(test_wrong_method),
        cmocka_unit_test(test_json_body_routes), cmocka_unit_test(test_errdefs_map),
        cmocka_unit_test(test_message_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
