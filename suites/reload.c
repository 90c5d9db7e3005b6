/* SIGHUP reload (engine spec §4.1, §4.3, Appendix A.7), v26 behaviour.
 * Every reload is awaited through the `daemon reload` event or the engine's
 * "Error reconfiguring the daemon" log line (harness/reload_wait.h). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "harness/reload_wait.h"
#include "harness/testlib.h"
#include "suites/suites.h"

#define RT_INFO_SPEC "engine-runtime-behaviour.md "

static json_t *info_runtimes(json_t *info)
{
    json_t *r = json_object_get(info, "Runtimes");
    ck_assert_msg(json_is_object(r), "/info Runtimes is not an object");
    return r;
}

static void assert_runtime_path(json_t *info, const char *name, const char *path)
{
    json_t *rt = json_object_get(info_runtimes(info), name);
    ck_assert_msg(json_is_object(rt), "runtime %s missing from /info Runtimes", name);
    const char *p = json_string_value(json_object_get(rt, "path"));
    ck_assert_msg(p && !strcmp(p, path), "runtime %s: path %s, want %s", name, p ? p : "(none)", path);
}

static void assert_no_runtime(json_t *info, const char *name)
{
    ck_assert_msg(!json_object_get(info_runtimes(info), name), "runtime %s still listed in /info", name);
}

static void assert_default(json_t *info, const char *want)
{
    const char *d = json_string_value(json_object_get(info, "DefaultRuntime"));
    ck_assert_msg(d && !strcmp(d, want), "DefaultRuntime %s, want %s", d ? d : "(none)", want);
}

/* Reload with TEXT, expect the rejection message to contain WANT. */
static void reload_rejected(const char *text, const char *want)
{
    char err[2048];
    int rc = rt_reload_wait(text, err, sizeof err, NULL);
    ck_assert_msg(rc != 0, "reload with %s was accepted, want rejection containing \"%s\"", text, want);
    if (rc < 0) rt_env_error("reload: %s", err);
    ck_assert_msg(strstr(err, want), "reload error \"%s\" does not contain \"%s\"", err, want);
}

static void start_with(const char *config, const char *const *args)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_write_config(config);
    rt_engine_start_ok(args);
}

/* §4.1: a reload adding a runtime is published; /info shows it. */
RT_TEST_FN(reload_adds_runtime)
{
    start_with("{}\n", NULL);
    json_decref(rt_reload_ok("{\"runtimes\":{\"added\":{\"path\":\"/bin/true\"}}}\n"));
    json_t *info = rt_api_get_json("/info");
    assert_runtime_path(info, "added", "/bin/true");
    assert_runtime_path(info, "runc", "runc");
    assert_runtime_path(info, "io.containerd.runc.v2", "runc"); /* §4.3: stock entries stay */
    json_decref(info);
}

/* §4.3: redefining runc is rejected and nothing changes. */
RT_TEST_FN(reload_runc_reserved)
{
    start_with("{\"runtimes\":{\"keep\":{\"path\":\"/bin/true\"}}}\n", NULL);
    reload_rejected("{\"runtimes\":{\"runc\":{\"path\":\"my-runc\"}}}\n", "runtime name 'runc' is reserved");
    json_t *info = rt_api_get_json("/info");
    assert_runtime_path(info, "keep", "/bin/true");
    assert_runtime_path(info, "runc", "runc");
    json_decref(info);
    /* the engine is still reloadable afterwards */
    json_decref(rt_reload_ok("{\"runtimes\":{\"keep2\":{\"path\":\"/bin/true\"}}}\n"));
}

/* §4.3: removing the runtime that is the current default is rejected. */
RT_TEST_FN(reload_removes_default)
{
    start_with("{\"default-runtime\":\"vm\",\"runtimes\":{\"vm\":{\"path\":\"/bin/true\"}}}\n", NULL);
    reload_rejected("{\"runtimes\":{\"oci\":{\"path\":\"runc\"}}}\n", "specified default runtime 'vm' does not exist");
    json_t *info = rt_api_get_json("/info");
    assert_default(info, "vm");
    assert_runtime_path(info, "vm", "/bin/true");
    assert_no_runtime(info, "oci");
    json_decref(info);
}

/* §4.1 step 5: default-runtime is replaced only when non-empty (sticky). */
RT_TEST_FN(reload_sticky_default)
{
    start_with("{}\n", NULL);
    json_decref(rt_reload_ok("{\"default-runtime\":\"vm\",\"runtimes\":{\"vm\":{\"path\":\"/bin/true\"}}}\n"));
    json_t *info = rt_api_get_json("/info");
    assert_default(info, "vm");
    json_decref(info);
    json_decref(rt_reload_ok("{\"runtimes\":{\"vm\":{\"path\":\"/bin/true\"}}}\n"));
    info = rt_api_get_json("/info");
    assert_default(info, "vm");
    json_decref(info);
}

/* §4.1 step 5: a `runtimes` key replaces the whole user set, --add-runtime
 * entries included. */
RT_TEST_FN(reload_replaces_flag_runtimes)
{
    static const char *const args[] = {"--add-runtime", "flagrt=/bin/true", NULL};
    start_with("{}\n", args);
    json_t *info = rt_api_get_json("/info");
    assert_runtime_path(info, "flagrt", "/bin/true");
    json_decref(info);
    json_decref(rt_reload_ok("{\"runtimes\":{\"filert\":{\"path\":\"/bin/false\"}}}\n"));
    info = rt_api_get_json("/info");
    assert_runtime_path(info, "filert", "/bin/false");
    assert_no_runtime(info, "flagrt");
    json_decref(info);
}

/* §4.3: a file without a `runtimes` key keeps the runtime set. */
RT_TEST_FN(reload_without_runtimes_key)
{
    static const char *const args[] = {"--add-runtime", "flagrt=/bin/true", NULL};
    start_with("{\"runtimes\":{\"filert\":{\"path\":\"/bin/false\"}}}\n", args);
    json_decref(rt_reload_ok("{\"debug\":false}\n"));
    json_t *info = rt_api_get_json("/info");
    assert_runtime_path(info, "flagrt", "/bin/true");
    assert_runtime_path(info, "filert", "/bin/false");
    json_decref(info);
}

/* §4.1: the reload event: daemon/reload, actor = engine ID, attributes
 * runtimes=<name>:<path> (user runtimes only) and default-runtime. */
RT_TEST_FN(reload_event_attributes)
{
    start_with("{}\n", NULL);
    json_t *ev = rt_reload_ok("{\"runtimes\":{\"oci\":{\"path\":\"runc\"}}}\n");
    ck_assert_msg(ev != NULL, "no event");
    json_t *info = rt_api_get_json("/info");
    json_t *actor = json_object_get(ev, "Actor");
    const char *id = json_string_value(json_object_get(actor, "ID"));
    const char *engine_id = json_string_value(json_object_get(info, "ID"));
    ck_assert_msg(id && engine_id && !strcmp(id, engine_id), "Actor.ID %s is not the engine ID %s",
                  id ? id : "(none)", engine_id ? engine_id : "(none)");
    json_t *attrs = json_object_get(actor, "Attributes");
    const char *rts = json_string_value(json_object_get(attrs, "runtimes"));
    ck_assert_msg(rts && !strcmp(rts, "oci:runc"), "runtimes attribute \"%s\", want \"oci:runc\"",
                  rts ? rts : "(none)");
    const char *def = json_string_value(json_object_get(attrs, "default-runtime"));
    ck_assert_msg(def && !strcmp(def, "runc"), "default-runtime attribute \"%s\", want \"runc\"",
                  def ? def : "(none)");
    ck_assert_msg(json_is_integer(json_object_get(ev, "timeNano")), "timeNano missing");
    const char *scope = json_string_value(json_object_get(ev, "scope"));
    ck_assert_msg(scope && !strcmp(scope, "local"), "scope is not local");
    json_decref(info);
    json_decref(ev);
}

/* §4.3: an undefined default is rejected. */
RT_TEST_FN(reload_bogus_default)
{
    start_with("{}\n", NULL);
    reload_rejected("{\"default-runtime\":\"nope\"}\n", "specified default runtime 'nope' does not exist");
    json_t *info = rt_api_get_json("/info");
    assert_default(info, "runc");
    json_decref(info);
}

/* §1.2/§4.3: default-runtime in the file while given as a flag. */
RT_TEST_FN(reload_default_flag_conflict)
{
    static const char *const args[] = {"--default-runtime=oci", "--add-runtime", "oci=runc", NULL};
    start_with("{}\n", args);
    /* the whole §1.2 text, as at startup */
    reload_rejected("{\"default-runtime\":\"runc\"}\n",
                    "unable to configure the Docker daemon with file ");
    reload_rejected("{\"default-runtime\":\"runc\"}\n",
                    ": the following directives are specified both as a flag and in the configuration file: "
                    "default-runtime: (from flag: oci, from file: runc)");
    json_t *info = rt_api_get_json("/info");
    assert_default(info, "oci");
    json_decref(info);
}

/* §4.3 (v26): runtime rules apply on reload, e.g. an empty runtime object. */
RT_TEST_FN(reload_empty_runtime_rejected)
{
    start_with("{}\n", NULL);
    reload_rejected("{\"runtimes\":{\"empty\":{}}}\n",
                    "runtime empty: either a runtimeType or a path must be configured");
    json_t *info = rt_api_get_json("/info");
    assert_no_runtime(info, "empty");
    json_decref(info);
}

/* §4.3 (v26): a permissible shim name is accepted as default on reload, and
 * is not listed under Runtimes (§6.1). */
RT_TEST_FN(reload_shim_name_default)
{
    start_with("{}\n", NULL);
    json_decref(rt_reload_ok("{\"default-runtime\":\"io.containerd.runc-alias.v2\"}\n"));
    json_t *info = rt_api_get_json("/info");
    assert_default(info, "io.containerd.runc-alias.v2");
    assert_no_runtime(info, "io.containerd.runc-alias.v2");
    /* §6.2: no runc options, so no runtime version: RuncCommit N/A */
    const char *commit = json_string_value(json_object_get(json_object_get(info, "RuncCommit"), "ID"));
    ck_assert_msg(commit && !strcmp(commit, "N/A"), "RuncCommit.ID %s, want N/A", commit ? commit : "(none)");
    json_decref(info);
}

/* §4.3 (v26): the default is validated against the merged config, so a
 * runtime defined only in the running config can become the default. */
RT_TEST_FN(reload_default_from_running_config)
{
    start_with("{\"runtimes\":{\"oci\":{\"path\":\"runc\"}}}\n", NULL);
    json_decref(rt_reload_ok("{\"default-runtime\":\"oci\"}\n"));
    json_t *info = rt_api_get_json("/info");
    assert_default(info, "oci");
    assert_runtime_path(info, "oci", "runc");
    json_decref(info);
}

/* The non-Engine component of /version, or NULL (omitted when the default
 * runtime's version cannot be determined, §6.2). */
static const char *runtime_component(json_t *version)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(version, "Components"), i, c) {
        const char *name = json_string_value(json_object_get(c, "Name"));
        if (name && strcmp(name, "Engine") && strcmp(name, "containerd")) return name;
    }
    return NULL;
}

/* §6.2: the runtime component of /version is named after the default
 * runtime, also after a reload changed it. */
RT_TEST_FN(reload_version_component)
{
    start_with("{\"runtimes\":{\"oci\":{\"path\":\"runc\"}}}\n", NULL);
    json_t *v = rt_api_get_json("/version");
    const char *name = runtime_component(v);
    if (!name) {
        json_decref(v);
        rt_skip("the default runtime's version cannot be determined here (no runtime component)");
    }
    ck_assert_msg(!strcmp(name, "runc"), "runtime component named %s, want runc", name);
    json_decref(v);
    json_decref(rt_reload_ok("{\"default-runtime\":\"oci\"}\n"));
    v = rt_api_get_json("/version");
    name = runtime_component(v);
    ck_assert_msg(name && !strcmp(name, "oci"), "runtime component after reload named %s, want oci",
                  name ? name : "(none)");
    json_decref(v);
}

/* §4.1 (reload event), dockerd's events API: since/until replay the reload
 * event and the stream ends at until; a type filter excludes it. */
RT_TEST_FN(reload_event_replay)
{
    start_with("{}\n", NULL);
    json_t *ev = rt_reload_ok("{\"runtimes\":{\"oci\":{\"path\":\"runc\"}}}\n");
    long long t = json_integer_value(json_object_get(ev, "timeNano"));
    json_decref(ev);
    char path[512];
    snprintf(path, sizeof path, "/events?since=%lld.%09lld&until=%lld.%09lld", (t - 1000000) / 1000000000LL,
             (t - 1000000) % 1000000000LL, (t + 1000000) / 1000000000LL, (t + 1000000) % 1000000000LL);
    struct rt_http_resp r;
    rt_api("GET", path, NULL, &r); /* returns only because the stream ends at until */
    ck_assert_msg(r.status == 200, "GET %s: status %ld", path, r.status);
    ck_assert_msg(r.body && strstr(r.body, "\"Action\":\"reload\""), "reload event not replayed: %s",
                  r.body ? r.body : "");
    rt_http_resp_free(&r);
    strcat(path, "&filters=%7B%22type%22%3A%5B%22container%22%5D%7D");
    rt_api("GET", path, NULL, &r);
    ck_assert_msg(r.status == 200, "GET %s: status %ld", path, r.status);
    ck_assert_msg(!r.body || !strstr(r.body, "reload"), "type=container filter let the reload event through");
    rt_http_resp_free(&r);
}

#define S(x) RT_INFO_SPEC x
static const struct rt_test tests[] = {
    RT_TEST(reload_adds_runtime, "RT-RELOAD-001", RT_MUST, RT_CORE, S("§4.1"), RT_CAP_OWN_DAEMON,
            "SIGHUP reload adding a runtime is published and shown in /info"),
    RT_TEST(reload_runc_reserved, "RT-RELOAD-002", RT_MUST, RT_CORE, S("§4.3"), RT_CAP_OWN_DAEMON,
            "reload redefining runc is rejected, old config intact"),
    RT_TEST(reload_removes_default, "RT-RELOAD-003", RT_MUST, RT_CORE, S("§4.3"), RT_CAP_OWN_DAEMON,
            "reload removing the current default runtime is rejected"),
    RT_TEST(reload_sticky_default, "RT-RELOAD-004", RT_MUST, RT_CORE, S("§4.1"), RT_CAP_OWN_DAEMON,
            "default-runtime stays when the key is removed from the file"),
    RT_TEST(reload_replaces_flag_runtimes, "RT-RELOAD-005", RT_MUST, RT_CORE, S("§4.1"), RT_CAP_OWN_DAEMON,
            "a runtimes key replaces the whole user set, --add-runtime entries included"),
    RT_TEST(reload_without_runtimes_key, "RT-RELOAD-006", RT_MUST, RT_CORE, S("§4.3"), RT_CAP_OWN_DAEMON,
            "reload without a runtimes key keeps the runtime set"),
    RT_TEST(reload_event_attributes, "RT-RELOAD-007", RT_MUST, RT_CORE, S("§4.1"), RT_CAP_OWN_DAEMON,
            "daemon reload event carries runtimes and default-runtime attributes"),
    RT_TEST(reload_bogus_default, "RT-RELOAD-008", RT_MUST, RT_CORE, S("§4.3"), RT_CAP_OWN_DAEMON,
            "reload with an undefined default-runtime is rejected"),
    RT_TEST(reload_default_flag_conflict, "RT-RELOAD-009", RT_MUST, RT_CORE, S("§1.2"), RT_CAP_OWN_DAEMON,
            "default-runtime in file and flag is a conflict on reload"),
    RT_TEST(reload_empty_runtime_rejected, "RT-RELOAD-010", RT_MUST, RT_CORE, S("§4.3"), RT_CAP_OWN_DAEMON,
            "reload applies the runtime rules (empty runtime object rejected)"),
    RT_TEST(reload_shim_name_default, "RT-RELOAD-011", RT_MUST, RT_CORE, S("§4.3"), RT_CAP_OWN_DAEMON,
            "a permissible shim name is accepted as default on reload"),
    RT_TEST(reload_default_from_running_config, "RT-RELOAD-012", RT_MUST, RT_CORE, S("§4.3"),
            RT_CAP_OWN_DAEMON, "default validated against the merged config on reload"),
    RT_TEST(reload_version_component, "RT-RELOAD-013", RT_MUST, RT_CORE, S("§6.2"), RT_CAP_OWN_DAEMON,
            "the /version runtime component follows the default runtime across a reload"),
    RT_TEST(reload_event_replay, "RT-RELOAD-014", RT_MUST, RT_CORE, S("§4.1"), RT_CAP_OWN_DAEMON,
            "GET /events since/until replays the reload event and ends; filters apply"),
    {0},
};

const struct rt_suite rt_suite_reload = {"reload", tests};
