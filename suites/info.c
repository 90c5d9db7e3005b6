/* /info and /version runtime fields (engine spec §6). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/reload_wait.h"
#include "harness/testlib.h"
#include "journal.h"
#include "jsonutil.h"
#include "suites/suites.h"

#define FEATURES "org.opencontainers.runtime-spec.features"

static json_t *info_at(const char *config, const char *const *args, const char *path)
{
    rt_require(RT_CAP_OWN_DAEMON);
    if (config) rt_write_config(config);
    rt_engine_start_ok(args);
    return rt_api_get_json(path);
}

static json_t *runtime_entry(json_t *info, const char *name)
{
    json_t *e = json_object_get(json_object_get(info, "Runtimes"), name);
    ck_assert_msg(json_is_object(e), "runtime \"%s\" missing from /info Runtimes", name);
    return e;
}

/* The entry has exactly the keys in KEYS (NULL-terminated). */
static void assert_keys(json_t *e, const char *name, const char *const *keys)
{
    size_t n = 0;
    for (; keys[n]; n++)
        ck_assert_msg(json_object_get(e, keys[n]), "runtime %s: key %s missing", name, keys[n]);
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v) {
        bool ok = false;
        for (size_t i = 0; i < n; i++) ok = ok || !strcmp(k, keys[i]);
        ck_assert_msg(ok, "runtime %s: unexpected key %s", name, k);
    }
}

/* A component of /version by name (NULL if none). */
static json_t *component(json_t *ver, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(ver, "Components"), i, c)
        if (!strcmp(rt_json_str(c, "Name", ""), name)) return c;
    return NULL;
}

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

/* §6.1: from API 1.44 on, runc-kind entries whose features probe worked
 * carry status["org.opencontainers.runtime-spec.features"] = the features
 * JSON as a string; every status value is a string. */
RT_TEST_FN(info_status_144)
{
    json_t *info = info_at(NULL, NULL, "/v1.44/info");
    json_decref(info);
    static const char *const paths[] = {"/v1.44/info", "/v1.45/info", "/info"};
    for (int p = 0; p < 3; p++) {
        info = rt_api_get_json(paths[p]);
        static const char *const stock[] = {"runc", "io.containerd.runc.v2"};
        for (int i = 0; i < 2; i++) {
            json_t *st = json_object_get(runtime_entry(info, stock[i]), "status");
            ck_assert_msg(json_is_object(st), "%s: runtime %s has no status object", paths[p], stock[i]);
            const char *k;
            json_t *v;
            json_object_foreach(st, k, v) ck_assert_msg(json_is_string(v), "%s: status[%s] is not a string", stock[i], k);
            const char *f = json_string_value(json_object_get(st, FEATURES));
            ck_assert_msg(f, "%s: runtime %s: status lacks %s", paths[p], stock[i], FEATURES);
            json_t *fj = json_loads(f, 0, NULL);
            ck_assert_msg(json_is_object(fj), "%s: features of %s is not a JSON object: %.200s", paths[p], stock[i], f);
            json_decref(fj);
        }
        json_decref(info);
    }
}

/* §6.1: below API 1.44 no entry has a status key (stripped). */
RT_TEST_FN(info_no_status_below_144)
{
    json_t *info = info_at("{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n", NULL,
                           "/v1.43/info");
    static const char *const paths[] = {"/v1.43/info", "/v1.40/info", "/v1.24/info"};
    for (int p = 0; p < 3; p++) {
        if (p) info = rt_api_get_json(paths[p]);
        const char *k;
        json_t *e;
        json_object_foreach(json_object_get(info, "Runtimes"), k, e)
            ck_assert_msg(!json_object_get(e, "status"), "%s: runtime %s has a status key", paths[p], k);
        json_t *wr = runtime_entry(info, "wr");
        static const char *const keys[] = {"path", "runtimeArgs", NULL};
        assert_keys(wr, "wr", keys);
        json_decref(info);
    }
}

/* §6.1 (v25/v26): only path and runtimeArgs are shown (plus status);
 * a runtimeType runtime renders as {} (no runtimeType, no options, no
 * status: shim runtimes have no features); a user entry with a stock name
 * replaces the stock one. */
RT_TEST_FN(info_entry_shapes)
{
    json_t *info = info_at("{\"runtimes\":{"
                           "\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]},"
                           "\"kata\":{\"runtimeType\":\"io.containerd.rtkata.v2\",\"options\":{\"TypeUrl\":\"x\",\"ConfigPath\":\"/c\"}},"
                           "\"io.containerd.runc.v2\":{\"path\":\"/bin/false\"}}}\n",
                           NULL, "/v1.44/info");
    json_t *wr = runtime_entry(info, "wr");
    static const char *const wr_keys[] = {"path", "runtimeArgs", "status", NULL};
    assert_keys(wr, "wr", wr_keys);
    ck_assert_str_eq(rt_json_str(wr, "path", ""), "runc");
    json_t *args = json_object_get(wr, "runtimeArgs");
    ck_assert_msg(json_array_size(args) == 1 && !strcmp(json_string_value(json_array_get(args, 0)), "--debug"),
                  "wr runtimeArgs are not [\"--debug\"]");
    json_t *kata = runtime_entry(info, "kata");
    ck_assert_msg(json_object_size(kata) == 0, "runtimeType runtime is not {}: %s", rt_json_dump(kata));
    /* /bin/false fails its features probe: no status (empty maps are omitted) */
    json_t *ov = runtime_entry(info, "io.containerd.runc.v2");
    static const char *const ov_keys[] = {"path", NULL};
    assert_keys(ov, "io.containerd.runc.v2", ov_keys);
    ck_assert_str_eq(rt_json_str(ov, "path", ""), "/bin/false");
    json_decref(info);
}

/* §6.1: a runtime named "" is listed under the key "". */
RT_TEST_FN(info_empty_name)
{
    json_t *info = info_at("{\"runtimes\":{\"\":{\"path\":\"/bin/x\"}}}\n", NULL, "/info");
    ck_assert_str_eq(rt_json_str(runtime_entry(info, ""), "path", ""), "/bin/x");
    json_decref(info);
}

/* §6.2: DefaultRuntime is the configured default; /version's runtime
 * component is named after it (not "runc"). */
RT_TEST_FN(info_default_and_component)
{
    static const char *const args[] = {"--default-runtime=oci", "--add-runtime", "oci=runc", NULL};
    json_t *info = info_at(NULL, args, "/info");
    ck_assert_str_eq(rt_json_str(info, "DefaultRuntime", ""), "oci");
    json_decref(info);
    json_t *ver = rt_api_get_json("/version");
    json_t *c = component(ver, "oci");
    ck_assert_msg(c != NULL, "/version has no component named oci: %s", rt_json_dump(json_object_get(ver, "Components")));
    ck_assert_msg(*rt_json_str(c, "Version", ""), "component oci has no Version");
    ck_assert_msg(!component(ver, "runc"), "/version still names the runtime component runc");
    json_decref(ver);
}

/* §6.2: RuncCommit.ID and Expected are the `commit:` line of
 * `<default runtime binary> --version` (here the sandbox's runc). */
RT_TEST_FN(info_runc_commit)
{
    json_t *info = info_at(NULL, NULL, "/info");
    char *runc = rt_path_join(rt_t.sb->shim_dir, "runc");
    char cmd[4200], line[512], want[512] = "";
    snprintf(cmd, sizeof cmd, "%s --version 2>/dev/null", runc);
    FILE *p = popen(cmd, "r");
    while (p && fgets(line, sizeof line, p))
        if (!strncmp(line, "commit:", 7)) sscanf(line + 7, " %511s", want);
    if (p) pclose(p);
    free(runc);
    if (!*want) rt_skip("the sandbox's runc prints no commit: line");
    json_t *rc = json_object_get(info, "RuncCommit");
    ck_assert_str_eq(rt_json_str(rc, "ID", ""), want);
    ck_assert_str_eq(rt_json_str(rc, "Expected", ""), want);
    json_decref(info);
}

/* §6.2, §9.1: a shim-name default has no runc options: RuncCommit N/A and
 * no runtime component in /version; the shim name is not listed. */
RT_TEST_FN(info_shim_default_na)
{
    static const char *const args[] = {"--default-runtime=io.containerd.runc-alias.v2", NULL};
    json_t *info = info_at(NULL, args, "/info");
    ck_assert_str_eq(rt_json_str(info, "DefaultRuntime", ""), "io.containerd.runc-alias.v2");
    ck_assert_str_eq(rt_json_str(json_object_get(info, "RuncCommit"), "ID", ""), "N/A");
    ck_assert_msg(!json_object_get(json_object_get(info, "Runtimes"), "io.containerd.runc-alias.v2"),
                  "the implicit shim name is listed in Runtimes");
    json_decref(info);
    json_t *ver = rt_api_get_json("/version");
    ck_assert_msg(!component(ver, "io.containerd.runc-alias.v2") && !component(ver, "runc"),
                  "/version has a runtime component although no version can be determined");
    json_decref(ver);
}

/* §6.2: a default whose binary cannot run: RuncCommit N/A, component
 * omitted (startup succeeds for a path-only runtime, §1.5). */
RT_TEST_FN(info_missing_binary_na)
{
    static const char *const args[] = {"--default-runtime=gone", "--add-runtime", "gone=/nonexistent/runc", NULL};
    json_t *info = info_at(NULL, args, "/info");
    ck_assert_str_eq(rt_json_str(json_object_get(info, "RuncCommit"), "ID", ""), "N/A");
    json_decref(info);
    json_t *ver = rt_api_get_json("/version");
    ck_assert_msg(!component(ver, "gone"), "/version has a component for a runtime that cannot run");
    json_decref(ver);
}

/* §6 after §4: a reload that adds a runtime and makes it the default shows
 * at once in /info and /version; a reload that drops it (default back to
 * runc) removes it. */
RT_TEST_FN(info_reload_reflected)
{
    json_t *info = info_at("{}\n", NULL, "/info");
    json_decref(info);
    json_decref(rt_reload_ok("{\"runtimes\":{\"oci\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}},"
                             "\"default-runtime\":\"oci\"}\n"));
    info = rt_api_get_json("/info");
    ck_assert_str_eq(rt_json_str(info, "DefaultRuntime", ""), "oci");
    ck_assert_str_eq(rt_json_str(runtime_entry(info, "oci"), "path", ""), "runc");
    runtime_entry(info, "runc");
    json_decref(info);
    json_t *ver = rt_api_get_json("/version");
    ck_assert_msg(component(ver, "oci") != NULL, "/version has no component oci after the reload");
    json_decref(ver);
    json_decref(rt_reload_ok("{\"runtimes\":{},\"default-runtime\":\"runc\"}\n"));
    info = rt_api_get_json("/info");
    ck_assert_str_eq(rt_json_str(info, "DefaultRuntime", ""), "runc");
    ck_assert_msg(!json_object_get(json_object_get(info, "Runtimes"), "oci"), "oci still listed after removal");
    runtime_entry(info, "io.containerd.runc.v2");
    json_decref(info);
}

/* fakerunc `features` runs recorded in the journal whose global args are
 * exactly ARGS (a JSON array text). */
static size_t features_runs(const char *args)
{
    json_t *want = json_loads(args, 0, NULL), *all = rt_journal_read(rt_t.sb->journal);
    size_t i, n = 0;
    json_t *e;
    json_array_foreach(all, i, e) {
        if (strcmp(rt_json_str(e, "component", ""), "runc") || strcmp(rt_json_str(e, "method", ""), "features")) continue;
        if (json_equal(json_object_get(e, "global_args"), want)) n++;
    }
    json_decref(all), json_decref(want);
    return n;
}

/* §1.4 (OCI features probe) feeding §6.1: the probe of a path+args runtime
 * executes its wrapper, so the args come before `features`; its result is
 * the entry's status. */
RT_TEST_FN(info_features_through_wrapper)
{
    rt_require(RT_CAP_FAKE_SHIMS);
    json_t *info = info_at("{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n", NULL,
                           "/v1.45/info");
    json_t *st = json_object_get(runtime_entry(info, "wr"), "status");
    ck_assert_msg(json_is_string(json_object_get(st, FEATURES)), "wr has no features status");
    json_decref(info);
    ck_assert_msg(features_runs("[\"--debug\"]") >= 1, "no `runc --debug features` run (journal)");
}

/* §1.4: the runtime set is rebuilt (and its binaries probed) at every
 * reload: a runtime whose binary could not report features at startup
 * shows them after the binary was replaced and the engine reloaded. */
RT_TEST_FN(info_features_after_reload)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    char *link = rt_path_join(rt_t.sb->dir, "sw-runc");
    if (symlink("/bin/false", link) < 0) rt_env_error("symlink %s", link);
    char cfg[4400];
    snprintf(cfg, sizeof cfg, "{\"runtimes\":{\"sw\":{\"path\":\"%s\"}}}\n", link);
    json_t *info = info_at(cfg, NULL, "/v1.45/info");
    ck_assert_msg(!json_object_get(runtime_entry(info, "sw"), "status"), "/bin/false reported features");
    json_decref(info);
    char *real = rt_path_join(rt_t.run->libexec, "fakerunc");
    unlink(link);
    if (symlink(real, link) < 0) rt_env_error("symlink %s", link);
    json_decref(rt_reload_ok(cfg));
    info = rt_api_get_json("/v1.45/info");
    json_t *st = json_object_get(runtime_entry(info, "sw"), "status");
    ck_assert_msg(json_is_string(json_object_get(st, FEATURES)), "after the reload sw still has no features status");
    json_decref(info);
    free(real), free(link);
}

static const struct rt_test tests[] = {
    RT_TEST(info_stock_runtimes, "RT-INFO-001", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.1",
            RT_CAP_OWN_DAEMON, "stock runtimes runc and io.containerd.runc.v2 listed with path runc"),
    RT_TEST(info_default_runtime_runc, "RT-INFO-002", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.2",
            RT_CAP_OWN_DAEMON, "DefaultRuntime is runc without configuration"),
    RT_TEST(info_status_144, "RT-INFO-003", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.1", RT_CAP_OWN_DAEMON,
            "API >= 1.44: stock entries carry status with the features JSON string"),
    RT_TEST(info_no_status_below_144, "RT-INFO-004", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.1",
            RT_CAP_OWN_DAEMON, "API < 1.44 (1.43, 1.40, 1.24): no status key on any entry"),
    RT_TEST(info_entry_shapes, "RT-INFO-005", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.1", RT_CAP_OWN_DAEMON,
            "entries show only path/runtimeArgs(/status); runtimeType as {}; stock name overridden"),
    RT_TEST(info_empty_name, "RT-INFO-006", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.1", RT_CAP_OWN_DAEMON,
            "a runtime named \"\" is listed under the key \"\""),
    RT_TEST(info_default_and_component, "RT-INFO-007", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.2",
            RT_CAP_OWN_DAEMON, "DefaultRuntime = configured default; /version component named after it"),
    RT_TEST(info_runc_commit, "RT-INFO-008", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.2", RT_CAP_OWN_DAEMON,
            "RuncCommit ID/Expected = commit: line of the default binary's --version"),
    RT_TEST(info_shim_default_na, "RT-INFO-009", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.2 §9.1",
            RT_CAP_OWN_DAEMON, "shim-name default: RuncCommit N/A, no runtime component, not listed"),
    RT_TEST(info_missing_binary_na, "RT-INFO-010", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.2",
            RT_CAP_OWN_DAEMON, "default binary missing: RuncCommit N/A, component omitted"),
    RT_TEST(info_reload_reflected, "RT-INFO-011", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §6.1 §6.2 §4.1",
            RT_CAP_OWN_DAEMON, "reload adding/removing a runtime and default shows in /info and /version"),
    RT_TEST(info_features_through_wrapper, "RT-INFO-012", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §1.4 §6.1",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "features probe runs the args wrapper (args first); result is the status"),
    RT_TEST(info_features_after_reload, "RT-INFO-013", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §1.4 §6.1",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "binary replaced + reload: the entry's features status follows"),
    {0},
};

const struct rt_suite rt_suite_info = {"info", tests};
