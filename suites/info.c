/* /info and /version runtime fields (engine spec §6). */
#include <check.h>
#include <string.h>

#include "harness/testlib.h"
#include "suites/suites.h"

/* §6.1: without configuration the Runtimes map holds the stock names, each
 * with path "runc". (Not an exact-key check: v20.10 also lists the
 * deprecated v1 runtime; its presence is left to the expectation files.) */
RT_TEST_FN(info_stock_runtimes)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_engine_start_ok(NULL);
    json_t *info = rt_api_get_json("/info");
    json_t *rts = json_object_get(info, "Runtimes");
    ck_assert_msg(json_is_object(rts), "Runtimes is not an object");
    static const char *const stock[] = {"runc", "io.containerd.runc.v2"};
    for (size_t i = 0; i < 2; i++) {
        json_t *rt = json_object_get(rts, stock[i]);
        ck_assert_msg(json_is_object(rt), "stock runtime %s missing from /info Runtimes", stock[i]);
        json_t *path = json_object_get(rt, "path");
        ck_assert_msg(json_is_string(path) && !strcmp(json_string_value(path), "runc"),
                      "runtime %s: path is not \"runc\"", stock[i]);
    }
    json_decref(info);
}

/* §6.2: DefaultRuntime is "runc" when nothing is configured. */
RT_TEST_FN(info_default_runtime_runc)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_engine_start_ok(NULL);
    json_t *info = rt_api_get_json("/info");
    const char *def = json_string_value(json_object_get(info, "DefaultRuntime"));
    ck_assert_msg(def != NULL, "DefaultRuntime missing");
    ck_assert_str_eq(def, "runc");
    json_decref(info);
}

static const struct rt_test tests[] = {
    RT_TEST(info_stock_runtimes, "RT-INFO-001", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.1",
            RT_CAP_OWN_DAEMON, "stock runtimes runc and io.containerd.runc.v2 listed with path runc"),
    RT_TEST(info_default_runtime_runc, "RT-INFO-002", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.2",
            RT_CAP_OWN_DAEMON, "DefaultRuntime is runc without configuration"),
    {0},
};

const struct rt_suite rt_suite_info = {"info", tests};
