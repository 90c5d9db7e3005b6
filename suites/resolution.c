/* Runtime name resolution at create and start (engine spec §2.1–§2.5 v26
 * column, §5.2, §9.2, Appendix A.3/A.4), written from the spec: every row of
 * the §2.5 table at create level, configured names shadowing shim names,
 * the path+args pre-flight, and the start outcomes of pass-through names. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/reload_wait.h"
#include "harness/testlib.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

static void setup(const char *config, const char *const *args)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_write_config(config ? config : "{}\n");
    rt_engine_start_ok(args);
    rt_ct_import_ok();
}

/* A create body asking for RUNTIME (JSON-escaped by jansson). */
static char *body_for(const char *runtime)
{
    json_t *b = json_pack("{s:s,s:[s],s:{s:s}}", "Image", RT_CT_IMAGE, "Cmd", "/bin/true", "HostConfig", "Runtime",
                          runtime);
    char *t = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return t;
}

static void assert_stored(const char *id, const char *want)
{
    json_t *v = rt_ct_inspect(id);
    const char *got = rt_json_str(json_object_get(v, "HostConfig"), "Runtime", NULL);
    ck_assert_msg(got && !strcmp(got, want), "inspect HostConfig.Runtime \"%s\", want \"%s\"", got ? got : "(absent)",
                  want);
    json_decref(v);
}

/* Create with RUNTIME: 201, stored as STORED. Returns the id. */
static char *create_ok_stored(const char *runtime, const char *stored)
{
    char *b = body_for(runtime);
    size_t before = rt_ct_count_all();
    char *id = rt_ct_create_ok(NULL, b);
    free(b);
    ck_assert_uint_eq(rt_ct_count_all(), before + 1);
    assert_stored(id, stored);
    return id;
}

/* Create with RUNTIME: STATUS + exact MSG, and nothing created. */
static void create_fails(const char *runtime, long status, const char *msg)
{
    size_t before = rt_ct_count_all();
    char *b = body_for(runtime);
    struct rt_http_resp r;
    rt_ct_create(NULL, b, &r);
    free(b);
    rt_ct_assert_error(&r, status, msg);
    rt_http_resp_free(&r);
    ck_assert_uint_eq(rt_ct_count_all(), before);
}

static void create_unknown(const char *runtime)
{
    char want[512];
    snprintf(want, sizeof want, "unknown or invalid runtime name: %s", runtime);
    create_fails(runtime, 400, want);
}

/* One test per accepted §2.5 row: 201, stored as given. */
#define ACCEPT(fn, name)                         \
    RT_TEST_FN(fn)                               \
    {                                            \
        setup(NULL, NULL);                       \
        free(create_ok_stored(name, name));      \
    }
ACCEPT(res_runc, "runc")
ACCEPT(res_runc_v2, "io.containerd.runc.v2")
ACCEPT(res_v1_linux, "io.containerd.runtime.v1.linux")
ACCEPT(res_alias, "io.containerd.runc-alias.v2")
ACCEPT(res_runc_v1, "io.containerd.runc.v1")
ACCEPT(res_nonexist, "io.containerd.nonexist.v2")
ACCEPT(res_my_runc, "my.runc")
ACCEPT(res_a_dots, "a..")
ACCEPT(res_trailing_space, "io.containerd.runc.v2 ")
ACCEPT(res_backslash, "c:\\x.v2")
ACCEPT(res_xyz, "x.y.z.runc.v2")
ACCEPT(res_runsc, "io.containerd.runsc.v1")

/* One test per rejected §2.5 row: 400 exact text, nothing created. */
#define REJECT(fn, name)            \
    RT_TEST_FN(fn)                  \
    {                               \
        setup(NULL, NULL);          \
        create_unknown(name);       \
    }
REJECT(res_abs_path, "/usr/bin/runc")
REJECT(res_slash, "foo/bar.v2")
REJECT(res_trailing_slash, "io.containerd.runc.v2/")
REJECT(res_nodots, "nodots")
REJECT(res_leading_dot, ".leading.v2")
REJECT(res_upper, "RUNC")
REJECT(res_leading_space, " runc")

/* §2.5 row 1: "" with HostConfig present -> the default, stored. */
RT_TEST_FN(res_empty)
{
    setup(NULL, NULL);
    free(create_ok_stored("", "runc"));
}

/* §2.5 row 2, §5.2 (v26): no HostConfig at all -> runc stored at create. */
RT_TEST_FN(res_no_hostconfig)
{
    setup(NULL, NULL);
    char *id = rt_ct_create_ok(NULL, "{\"Image\":\"" RT_CT_IMAGE "\",\"Cmd\":[\"/bin/true\"]}");
    assert_stored(id, "runc");
    free(id);
}

/* §1.2 + §9.2: --add-runtime lower-cases; resolution is case-sensitive. */
RT_TEST_FN(res_case_sensitive)
{
    static const char *const args[] = {"--add-runtime", "Foo=runc", NULL};
    setup(NULL, args);
    create_unknown("Foo");
    free(create_ok_stored("foo", "foo"));
}

/* §2.1 step 2: configured names may be anything, e.g. no dot, a slash,
 * upper case (path-only: no wrapper needed). */
RT_TEST_FN(res_configured_any_name)
{
    setup("{\"runtimes\":{\"my/custom.rt\":{\"path\":\"runc\"},\"UPPER\":{\"path\":\"runc\"},"
          "\"nodot\":{\"path\":\"runc\"}}}\n", NULL);
    free(create_ok_stored("my/custom.rt", "my/custom.rt"));
    free(create_ok_stored("UPPER", "UPPER"));
    free(create_ok_stored("nodot", "nodot"));
    create_unknown("upper");
}

/* §2.1: a configured name shadows the shim name: the container starts on
 * containerd-shim-runc-v2 with BinaryName=<path>, not on the alias shim. */
RT_TEST_FN(res_configured_shadows_shim)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    setup("{\"runtimes\":{\"io.containerd.runc-alias.v2\":{\"path\":\"runc\"}}}\n", NULL);
    json_t *info = rt_api_get_json("/info");
    ck_assert_msg(json_object_get(json_object_get(info, "Runtimes"), "io.containerd.runc-alias.v2"),
                  "configured runtime not listed in /info");
    json_decref(info);
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 0", NULL);
    assert_stored(id, "io.containerd.runc-alias.v2");
    struct rt_http_resp r;
    rt_ct_start(id, &r);
    ck_assert_msg(r.status == 204, "start: %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    ck_assert_int_eq(rt_lc_wait(id), 0);
    json_t *s = rt_lc_journal("shim", "start", id);
    ck_assert_uint_eq(json_array_size(s), 1);
    json_t *e = json_array_get(s, 0);
    const char *argv0 = rt_json_str(e, "argv0", "");
    ck_assert_msg(strstr(argv0, "containerd-shim-runc-v2"), "shim %s, want containerd-shim-runc-v2", argv0);
    ck_assert_str_eq(rt_json_str(e, "binary_name", ""), "runc");
    json_decref(s);
    free(id);
}

/* §5.2: default-runtime set to a shim name -> "" stored as that name. */
RT_TEST_FN(res_shim_default_stored)
{
    setup("{\"default-runtime\":\"io.containerd.runc-alias.v2\"}\n", NULL);
    free(create_ok_stored("", "io.containerd.runc-alias.v2"));
    char *id = rt_ct_create_ok(NULL, "{\"Image\":\"" RT_CT_IMAGE "\",\"Cmd\":[\"/bin/true\"]}");
    assert_stored(id, "io.containerd.runc-alias.v2");
    free(id);
}

/* §5.2: a configured default is stored by name. */
RT_TEST_FN(res_configured_default_stored)
{
    setup("{\"default-runtime\":\"oci\",\"runtimes\":{\"oci\":{\"path\":\"runc\"}}}\n", NULL);
    free(create_ok_stored("", "oci"));
}

/* §2.4/§9.2: pre-flight of a path+args runtime, absolute path missing. */
RT_TEST_FN(res_preflight_abs_missing)
{
    setup("{\"runtimes\":{\"gone\":{\"path\":\"/nonexistent/rt\",\"runtimeArgs\":[\"--debug\"]}}}\n", NULL);
    create_fails("gone", 400, "error while looking up the specified runtime path: exec: \"/nonexistent/rt\": "
                              "stat /nonexistent/rt: no such file or directory");
    ck_assert_uint_eq(rt_ct_count_dirs(), 0);
}

/* §2.4/§9.2: pre-flight, bare name not on the engine's PATH. */
RT_TEST_FN(res_preflight_bare_missing)
{
    setup("{\"runtimes\":{\"nb\":{\"path\":\"no-such-runtime-bin\",\"runtimeArgs\":[\"--debug\"]}}}\n", NULL);
    create_fails("nb", 400, "error while looking up the specified runtime path: exec: \"no-such-runtime-bin\": "
                            "executable file not found in $PATH");
}

/* §2.4: path-only runtimes have no pre-flight: create succeeds. */
RT_TEST_FN(res_path_only_missing_created)
{
    setup("{\"runtimes\":{\"po\":{\"path\":\"/nonexistent/rt\"}}}\n", NULL);
    free(create_ok_stored("po", "po"));
}

/* §5.6: a path+args default whose binary is missing (reached by reload,
 * startup would be fatal) rejects every create relying on the default. */
RT_TEST_FN(res_preflight_default_via_reload)
{
    setup("{}\n", NULL);
    json_decref(rt_reload_ok("{\"default-runtime\":\"gone\",\"runtimes\":{\"gone\":{\"path\":\"/nonexistent/rt\","
                             "\"runtimeArgs\":[\"--debug\"]}}}\n"));
    create_fails("", 400, "error while looking up the specified runtime path: exec: \"/nonexistent/rt\": "
                          "stat /nonexistent/rt: no such file or directory");
    free(create_ok_stored("runc", "runc"));
}

/* §2.1 + §4: resolution uses the current set: added by reload -> 201,
 * removed by reload -> 400. */
RT_TEST_FN(res_follows_reload)
{
    setup("{\"runtimes\":{\"old\":{\"path\":\"runc\"}}}\n", NULL);
    free(create_ok_stored("old", "old"));
    json_decref(rt_reload_ok("{\"runtimes\":{\"new\":{\"path\":\"runc\"}}}\n"));
    create_unknown("old");
    free(create_ok_stored("new", "new"));
}

/* §2.5 `io.containerd.runc-alias.v2` start 204: the alias shim is launched
 * with no options (§2.1 step 3). */
RT_TEST_FN(res_start_alias)
{
    rt_lc_setup();
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 0", NULL);
    rt_ct_start_ok(id);
    ck_assert_int_eq(rt_lc_wait(id), 0);
    json_t *e = rt_lc_shim_start(id);
    ck_assert_str_eq(rt_lc_basename(rt_json_str(e, "argv0", "")), "containerd-shim-runc-alias-v2");
    ck_assert_msg(!*rt_json_str(e, "type_url", ""), "alias shim got options %s", rt_json_str(e, "type_url", ""));
    json_decref(e);
    free(id);
}

/* §2.3: start of a pass-through name whose shim is missing: 500 exact
 * text, stays created, ExitCode 128, State.Error = message. */

RT_TEST_FN(res_start_nonexist) { rt_lc_assert_missing_shim("io.containerd.nonexist.v2", "containerd-shim-nonexist-v2"); }
RT_TEST_FN(res_start_my_runc) { rt_lc_assert_missing_shim("my.runc", "containerd-shim-my-runc"); }

/* §2.3: `x.y.z.runc.v2` maps to containerd-shim-runc-v2 and runs (204). */
RT_TEST_FN(res_start_xyz)
{
    rt_lc_setup();
    char *id = rt_lc_create("x.y.z.runc.v2", "exit 3", NULL);
    rt_ct_start_ok(id);
    ck_assert_int_eq(rt_lc_wait(id), 3);
    json_t *e = rt_lc_shim_start(id);
    ck_assert_str_eq(rt_lc_basename(rt_json_str(e, "argv0", "")), "containerd-shim-runc-v2");
    json_decref(e);
    free(id);
}

/* §2.4/§5.5: API start re-resolves: a runtime removed by reload -> 400
 * before anything runs (no shim launched). */
RT_TEST_FN(res_start_reresolves)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    setup("{\"runtimes\":{\"oci\":{\"path\":\"runc\"}}}\n", NULL);
    char *id = rt_lc_create("oci", "exit 0", NULL);
    json_decref(rt_reload_ok("{\"runtimes\":{}}\n"));
    struct rt_http_resp r;
    rt_ct_start(id, &r);
    rt_ct_assert_error(&r, 400, "unknown or invalid runtime name: oci");
    rt_http_resp_free(&r);
    json_t *s = rt_lc_journal("shim", "start", id);
    ck_assert_uint_eq(json_array_size(s), 0);
    json_decref(s);
    free(id);
}

/* §2.3: a.. -> containerd-shim-- (two dashes, as observed). */
RT_TEST_FN(res_start_a_dots) { rt_lc_assert_missing_shim("a..", "containerd-shim--"); }
/* §2.2/§2.3: the trailing space stays part of the name and the binary. */
RT_TEST_FN(res_start_trailing_space)
{
    rt_lc_assert_missing_shim("io.containerd.runc.v2 ", "containerd-shim-runc-v2 ");
}

/* §9.2 (v26): an args runtime whose binary disappears between create and
 * start: API start 400 with the LookPath text, state untouched. */
RT_TEST_FN(res_start_preflight_state_untouched)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    char *bin = rt_path_join(rt_t.sb->dir, "vanishing-runtime");
    if (rt_atomic_write(bin, "#!/bin/sh\nexit 0\n", 17, 0755, NULL, 0) < 0) rt_env_error("cannot write %s", bin);
    char cfg[8192];
    snprintf(cfg, sizeof cfg, "{\"runtimes\":{\"va\":{\"path\":\"%s\",\"runtimeArgs\":[\"--debug\"]}}}\n", bin);
    setup(cfg, NULL);
    char *id = rt_lc_create("va", "exit 0", NULL);
    unlink(bin);
    struct rt_http_resp r;
    rt_ct_start(id, &r);
    char msg[16384];
    snprintf(msg, sizeof msg, "error while looking up the specified runtime path: exec: \"%s\": stat %s: "
             "no such file or directory", bin, bin);
    rt_ct_assert_error(&r, 400, msg);
    rt_http_resp_free(&r);
    rt_lc_assert_created(id, 0, "");
    json_t *j = rt_lc_journal("shim", "start", id);
    ck_assert_uint_eq(json_array_size(j), 0);
    json_decref(j);
    free(id), free(bin);
}

/* §1.3 (v26): a user entry named io.containerd.runc.v2 replaces the stock
 * one: its path becomes the shim's BinaryName. */
RT_TEST_FN(res_stock_override)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    setup("{\"runtimes\":{\"io.containerd.runc.v2\":{\"path\":\"/usr/local/bin/my-runc\"}}}\n", NULL);
    char *id = rt_lc_create("io.containerd.runc.v2", "exit 0", NULL);
    struct rt_http_resp r;
    rt_ct_start(id, &r); /* the binary does not exist: only the record matters */
    rt_http_resp_free(&r);
    json_t *s = rt_lc_journal("shim", "start", id);
    ck_assert_msg(json_array_size(s) == 1, "no shim start for %s", id);
    ck_assert_str_eq(rt_json_str(json_array_get(s, 0), "binary_name", ""), "/usr/local/bin/my-runc");
    json_decref(s);
    free(id);
}

/* §1.4: runtimeType "nodot" is accepted by the engine; start fails in
 * containerd's name check: 500 with its text. */
RT_TEST_FN(res_start_runtimetype_nodot)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    setup("{\"runtimes\":{\"nd\":{\"runtimeType\":\"nodot\"}}}\n", NULL);
    char *id = rt_lc_create("nd", "exit 0", NULL);
    struct rt_http_resp r;
    rt_ct_start(id, &r);
    rt_ct_assert_error(&r, 500, "failed to create task for container: failed to start shim: failed to resolve "
                                "runtime path: invalid runtime name nodot, correct runtime name should be either "
                                "format like `io.containerd.runc.v1` or a full path to the binary: unknown");
    rt_http_resp_free(&r);
    free(id);
}

/* §1.4: runtimeType may be an absolute shim path: 201 / 204. */
RT_TEST_FN(res_start_runtimetype_abs_path)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    char cfg[8192];
    snprintf(cfg, sizeof cfg, "{\"runtimes\":{\"ap\":{\"runtimeType\":\"%s/containerd-shim-runc-v2\"}}}\n",
             rt_t.sb->shim_dir);
    setup(cfg, NULL);
    char *id = rt_lc_create("ap", "exit 5", NULL);
    struct rt_http_resp r;
    rt_ct_start(id, &r);
    ck_assert_msg(r.status == 204, "start: %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    ck_assert_int_eq(rt_lc_wait(id), 5);
    free(id);
}

#define SPEC "engine-runtime-behaviour.md "
#define C(fn, id, spec, desc) RT_TEST(fn, id, RT_MUST, RT_CORE, SPEC spec, RT_CAP_OWN_DAEMON, desc)
#define S(fn, id, spec, desc) \
    RT_TEST(fn, id, RT_MUST, RT_CORE, SPEC spec, RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, desc)
static const struct rt_test tests[] = {
    C(res_empty, "RT-RES-001", "§2.5", "\"\" with HostConfig: 201, stored runc"),
    C(res_no_hostconfig, "RT-RES-002", "§5.2", "no HostConfig: 201, runc stored at create (v26)"),
    C(res_runc, "RT-RES-003", "§2.5", "runc: 201, stored"),
    C(res_runc_v2, "RT-RES-004", "§2.5", "io.containerd.runc.v2: 201, stored"),
    C(res_v1_linux, "RT-RES-005", "§2.5", "io.containerd.runtime.v1.linux: 201 (pass-through)"),
    C(res_alias, "RT-RES-006", "§2.5", "io.containerd.runc-alias.v2: 201 (pass-through)"),
    C(res_runc_v1, "RT-RES-007", "§2.5", "io.containerd.runc.v1: 201 (pass-through)"),
    C(res_nonexist, "RT-RES-008", "§2.5", "io.containerd.nonexist.v2: 201 at create"),
    C(res_my_runc, "RT-RES-009", "§2.5", "my.runc: 201 at create"),
    C(res_a_dots, "RT-RES-010", "§2.2", "a.. (empty components): 201 at create"),
    C(res_trailing_space, "RT-RES-011", "§2.2", "trailing space in a shim name: 201, stored verbatim"),
    C(res_backslash, "RT-RES-012", "§2.2", "c:\\x.v2 (backslash): 201 at create"),
    C(res_xyz, "RT-RES-013", "§2.5", "x.y.z.runc.v2: 201 at create"),
    C(res_runsc, "RT-RES-014", "§2.5", "io.containerd.runsc.v1: 201 at create"),
    C(res_abs_path, "RT-RES-015", "§2.2", "/usr/bin/runc: 400 unknown or invalid runtime name, nothing created"),
    C(res_slash, "RT-RES-016", "§2.2", "foo/bar.v2: 400, nothing created"),
    C(res_trailing_slash, "RT-RES-017", "§2.2", "io.containerd.runc.v2/: 400, nothing created"),
    C(res_nodots, "RT-RES-018", "§2.2", "nodots: 400, nothing created"),
    C(res_leading_dot, "RT-RES-019", "§2.2", ".leading.v2: 400 (v26 predicate), nothing created"),
    C(res_upper, "RT-RES-020", "§2.1", "RUNC: 400 (case-sensitive), nothing created"),
    C(res_leading_space, "RT-RES-021", "§2.1", "\" runc\": 400 with the name verbatim, nothing created"),
    C(res_case_sensitive, "RT-RES-022", "§9.2", "--add-runtime Foo=runc: create Foo 400, foo 201"),
    C(res_configured_any_name, "RT-RES-023", "§2.1", "configured names resolve whatever their characters"),
    S(res_configured_shadows_shim, "RT-RES-024", "§2.1", "a configured name shadows the shim name of the same spelling"),
    C(res_shim_default_stored, "RT-RES-025", "§5.2", "shim-name default: empty Runtime stored as the shim name"),
    C(res_configured_default_stored, "RT-RES-026", "§5.2", "configured default: empty Runtime stored as its name"),
    C(res_preflight_abs_missing, "RT-RES-027", "§2.4", "path+args, absolute binary missing: create 400 LookPath text"),
    C(res_preflight_bare_missing, "RT-RES-028", "§2.4", "path+args, bare name not on PATH: create 400 LookPath text"),
    C(res_path_only_missing_created, "RT-RES-029", "§2.4", "path-only runtime with missing binary: create 201 (no pre-flight)"),
    C(res_preflight_default_via_reload, "RT-RES-030", "§5.6", "path+args default with missing binary: create \"\" 400"),
    C(res_follows_reload, "RT-RES-031", "§2.1", "create resolves against the current (reloaded) set"),
    S(res_start_alias, "RT-RES-032", "§2.5", "io.containerd.runc-alias.v2: start 204, alias shim without options"),
    S(res_start_nonexist, "RT-RES-033", "§2.3", "io.containerd.nonexist.v2: start 500 exact text, ExitCode 128"),
    S(res_start_my_runc, "RT-RES-034", "§2.3", "my.runc: start 500, binary containerd-shim-my-runc not installed"),
    S(res_start_xyz, "RT-RES-035", "§2.3", "x.y.z.runc.v2: start 204 on containerd-shim-runc-v2"),
    S(res_start_reresolves, "RT-RES-036", "§2.4", "API start re-resolves: removed runtime 400, no shim launched"),
    S(res_start_a_dots, "RT-RES-037", "§2.3", "a..: start 500, binary containerd-shim-- not installed"),
    S(res_start_trailing_space, "RT-RES-038", "§2.3", "trailing-space shim name: start 500, binary name keeps the space"),
    S(res_start_preflight_state_untouched, "RT-RES-039", "§9.2", "args runtime binary gone before start: 400, state untouched"),
    S(res_stock_override, "RT-RES-040", "§1.3", "user io.containerd.runc.v2 entry replaces the stock one (BinaryName)"),
    S(res_start_runtimetype_nodot, "RT-RES-041", "§1.4", "runtimeType nodot: start 500 with containerd's name error"),
    S(res_start_runtimetype_abs_path, "RT-RES-042", "§1.4", "runtimeType absolute shim path: start 204"),
    {0},
};

const struct rt_suite rt_suite_resolution = {"resolution", tests};
