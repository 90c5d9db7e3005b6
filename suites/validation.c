/* Configuration validation at startup (engine spec §1.1, §1.2, §1.5, §9.1),
 * v26.1.5 behaviour: JSON type errors, --add-runtime parsing, file/flag
 * merging, the setupRuntimes rules and `--validate`. Every expected text is
 * the spec's; a real dockerd 26.1.5 passes every MUST here. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/engine_run.h"
#include "harness/testlib.h"
#include "suites/suites.h"

#define S(sec) "engine-runtime-behaviour.md " sec

/* ---- helpers ---- */

static void assert_log_contains(const char *want)
{
    char *log = rt_engine_log();
    size_t len = strlen(log);
    ck_assert_msg(strstr(log, want), "engine log does not contain \"%s\"; log tail: %s", want,
                  len > 600 ? log + len - 600 : log);
    free(log);
}

/* Start with CONFIG (NULL: none written) and ARGS; expect exit status 1. */
static void start_fails(const char *config, const char *const *args)
{
    rt_require(RT_CAP_OWN_DAEMON);
    if (config) rt_write_config(config);
    int rc = rt_engine_start(args);
    if (rc == 0) rt_engine_stop();
    ck_assert_msg(rc == 1, "engine start: status %d, want exit status 1", rc);
}

/* §1.1: exit 1 and `unable to configure ... with file <cfg>: <tail>`. */
static void type_error(const char *config, const char *tail)
{
    start_fails(config, NULL);
    char want[4096];
    snprintf(want, sizeof want, "unable to configure the Docker daemon with file %s: %s", rt_t.sb->config, tail);
    assert_log_contains(want);
}

/* §1.2: an --add-runtime flag error for VALUE (after other ARGS). */
static void flag_error(const char *const *args, const char *value, const char *msg)
{
    start_fails("{}\n", args);
    char want[2048];
    snprintf(want, sizeof want, "invalid argument \"%s\" for \"--add-runtime\" flag: %s", value, msg);
    assert_log_contains(want);
}

/* §1.5: `failed to start daemon: <msg>` and exit 1. */
static void startup_error(const char *config, const char *const *args, const char *msg)
{
    start_fails(config, args);
    char want[2048];
    snprintf(want, sizeof want, "failed to start daemon: %s", msg);
    assert_log_contains(want);
}

static json_t *start_info(const char *config, const char *const *args)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_write_config(config);
    rt_engine_start_ok(args);
    return rt_api_get_json("/info");
}

static json_t *runtime_of(json_t *info, const char *name)
{
    json_t *rts = json_object_get(info, "Runtimes");
    ck_assert_msg(json_is_object(rts), "/info Runtimes is not an object");
    return json_object_get(rts, name);
}

static void assert_runtime_path(json_t *info, const char *name, const char *path)
{
    json_t *rt = runtime_of(info, name);
    ck_assert_msg(json_is_object(rt), "runtime \"%s\" missing from /info Runtimes", name);
    const char *p = json_string_value(json_object_get(rt, "path"));
    ck_assert_msg(p && !strcmp(p, path), "runtime \"%s\": path %s, want %s", name, p ? p : "(none)", path);
}

static void assert_no_runtime(json_t *info, const char *name)
{
    ck_assert_msg(!runtime_of(info, name), "runtime \"%s\" is listed in /info Runtimes", name);
}

static void assert_default(json_t *info, const char *want)
{
    const char *d = json_string_value(json_object_get(info, "DefaultRuntime"));
    ck_assert_msg(d && !strcmp(d, want), "DefaultRuntime %s, want %s", d ? d : "(none)", want);
}

/* `<engine> --validate` with CONFIG; returns the status, output in *OUT. */
static int validate(const char *config, char **out)
{
    rt_require(RT_CAP_OWN_DAEMON);
    rt_write_config(config);
    static const char *const args[] = {"--validate", NULL};
    return rt_engine_run_once(args, out);
}

/* SHOULD (README "Differences from dockerd"): --validate runs the startup
 * rules; moby 26 prints `configuration OK` instead. */
static void validate_rejects(const char *config, const char *msg)
{
    char *out;
    int rc = validate(config, &out);
    ck_assert_msg(rc != 0, "--validate accepted %s (status 0): %s", config, out);
    ck_assert_msg(strstr(out, msg), "--validate output \"%s\" does not contain \"%s\"", out, msg);
    ck_assert_msg(!strstr(out, "configuration OK"), "--validate printed configuration OK for %s", config);
    free(out);
}

/* ---- §1.1 JSON type errors ---- */

RT_TEST_FN(val_runtimes_array)
{
    type_error("{\"runtimes\":[]}\n",
               "json: cannot unmarshal array into Go struct field Config.runtimes of type map[string]system.Runtime");
}

RT_TEST_FN(val_runtime_string)
{
    type_error("{\"runtimes\":{\"x\":\"runc\"}}\n",
               "json: cannot unmarshal string into Go struct field Config.runtimes of type system.Runtime");
}

RT_TEST_FN(val_path_number)
{
    type_error("{\"runtimes\":{\"x\":{\"path\":5}}}\n",
               "json: cannot unmarshal number into Go struct field Runtime.runtimes.path of type string");
}

RT_TEST_FN(val_args_string)
{
    type_error("{\"runtimes\":{\"x\":{\"path\":\"runc\",\"runtimeArgs\":\"--debug\"}}}\n",
               "json: cannot unmarshal string into Go struct field Runtime.runtimes.runtimeArgs of type []string");
}

RT_TEST_FN(val_default_number)
{
    type_error("{\"default-runtime\":5}\n",
               "json: cannot unmarshal number into Go struct field Config.CommonConfig.default-runtime of type string");
}

/* §1.1: unknown keys inside a runtime object are ignored. */
RT_TEST_FN(val_runtime_unknown_key)
{
    json_t *info = start_info("{\"runtimes\":{\"x\":{\"path\":\"/bin/x\",\"bogus\":1}}}\n", NULL);
    assert_runtime_path(info, "x", "/bin/x");
    json_decref(info);
}

/* ---- §1.2 --add-runtime parsing ---- */

RT_TEST_FN(val_flag_no_equals)
{
    static const char *const a[] = {"--add-runtime", "foo", NULL};
    flag_error(a, "foo", "invalid runtime argument: foo");
}

RT_TEST_FN(val_flag_empty_path)
{
    static const char *const a[] = {"--add-runtime", "foo=", NULL};
    flag_error(a, "foo=", "invalid runtime argument: foo=");
}

RT_TEST_FN(val_flag_empty_name)
{
    static const char *const a[] = {"--add-runtime", " =/bin/x", NULL};
    flag_error(a, " =/bin/x", "invalid runtime argument:  =/bin/x");
}

RT_TEST_FN(val_flag_runc)
{
    static const char *const a[] = {"--add-runtime", "runc=my-runc", NULL};
    flag_error(a, "runc=my-runc", "runtime name 'runc' is reserved");
}

RT_TEST_FN(val_flag_runc_upper)
{
    static const char *const a[] = {"--add-runtime", "RUNC=my-runc", NULL};
    flag_error(a, "RUNC=my-runc", "runtime name 'runc' is reserved");
}

RT_TEST_FN(val_flag_duplicate)
{
    static const char *const a[] = {"--add-runtime", "foo=a", "--add-runtime", "foo=b", NULL};
    flag_error(a, "foo=b", "runtime 'foo' was already defined");
}

/* Rule 5 applies after lower-casing: Foo and foo are the same name. */
RT_TEST_FN(val_flag_duplicate_case)
{
    static const char *const a[] = {"--add-runtime", "foo=a", "--add-runtime", "FOO=b", NULL};
    flag_error(a, "FOO=b", "runtime 'foo' was already defined");
}

RT_TEST_FN(val_flag_trim_lower)
{
    static const char *const a[] = {"--add-runtime", " Foo = /bin/x ", NULL};
    json_t *info = start_info("{}\n", a);
    assert_runtime_path(info, "foo", "/bin/x");
    assert_no_runtime(info, "Foo");
    assert_no_runtime(info, " Foo ");
    json_decref(info);
}

RT_TEST_FN(val_flag_lower)
{
    static const char *const a[] = {"--add-runtime", "Foo=runc", NULL};
    json_t *info = start_info("{}\n", a);
    assert_runtime_path(info, "foo", "runc");
    assert_no_runtime(info, "Foo");
    json_decref(info);
}

/* Split at the first '=': the path keeps later '=' characters. */
RT_TEST_FN(val_flag_first_equals)
{
    static const char *const a[] = {"--add-runtime", "eq=/bin/a=b", NULL};
    json_t *info = start_info("{}\n", a);
    assert_runtime_path(info, "eq", "/bin/a=b");
    json_decref(info);
}

/* ---- §1.2 merging ---- */

RT_TEST_FN(val_merge_union_file_wins)
{
    static const char *const a[] = {"--add-runtime", "same=/bin/flag", "--add-runtime", "flagonly=/bin/b", NULL};
    json_t *info = start_info("{\"runtimes\":{\"same\":{\"path\":\"/bin/file\"},"
                              "\"fileonly\":{\"path\":\"/bin/a\"}}}\n", a);
    assert_runtime_path(info, "same", "/bin/file");
    assert_runtime_path(info, "fileonly", "/bin/a");
    assert_runtime_path(info, "flagonly", "/bin/b");
    json_decref(info);
}

RT_TEST_FN(val_default_conflict)
{
    static const char *const a[] = {"--default-runtime", "runc", NULL};
    start_fails("{\"default-runtime\":\"io.containerd.runc.v2\"}\n", a);
    char want[4096];
    snprintf(want, sizeof want,
             "unable to configure the Docker daemon with file %s: the following directives are specified both as a "
             "flag and in the configuration file: default-runtime: (from flag: runc, from file: io.containerd.runc.v2)",
             rt_t.sb->config);
    assert_log_contains(want);
}

RT_TEST_FN(val_default_empty_is_runc)
{
    json_t *info = start_info("{\"default-runtime\":\"\"}\n", NULL);
    assert_default(info, "runc");
    json_decref(info);
}

/* ---- §1.5 / §9.1 startup rules ---- */

RT_TEST_FN(val_file_runc_reserved)
{
    startup_error("{\"runtimes\":{\"runc\":{\"path\":\"/usr/bin/runc\"}}}\n", NULL,
                  "runtime name 'runc' is reserved");
}

RT_TEST_FN(val_default_missing)
{
    startup_error("{\"default-runtime\":\"nope\"}\n", NULL, "specified default runtime 'nope' does not exist");
}

RT_TEST_FN(val_default_missing_flag)
{
    static const char *const a[] = {"--default-runtime", "nope", NULL};
    startup_error("{}\n", a, "specified default runtime 'nope' does not exist");
}

RT_TEST_FN(val_default_abs_path)
{
    startup_error("{\"default-runtime\":\"/usr/bin/runc\"}\n", NULL,
                  "specified default runtime '/usr/bin/runc' does not exist");
}

RT_TEST_FN(val_empty_runtime)
{
    startup_error("{\"runtimes\":{\"empty\":{}}}\n", NULL,
                  "runtime empty: either a runtimeType or a path must be configured");
}

RT_TEST_FN(val_args_only)
{
    startup_error("{\"runtimes\":{\"argsonly\":{\"runtimeArgs\":[\"--debug\"]}}}\n", NULL,
                  "runtime argsonly: either a runtimeType or a path must be configured");
}

RT_TEST_FN(val_options_only)
{
    startup_error("{\"runtimes\":{\"oo\":{\"options\":{\"BinaryName\":\"runc\"}}}}\n", NULL,
                  "runtime oo: either a runtimeType or a path must be configured");
}

RT_TEST_FN(val_path_and_type)
{
    startup_error("{\"runtimes\":{\"pt\":{\"path\":\"/usr/bin/runc\",\"runtimeType\":\"io.containerd.runc.v2\"}}}\n",
                  NULL, "runtime pt: cannot configure both path and runtimeType for the same runtime");
}

RT_TEST_FN(val_path_and_options)
{
    startup_error("{\"runtimes\":{\"po\":{\"path\":\"/usr/bin/runc\",\"options\":{\"BinaryName\":\"x\"}}}}\n", NULL,
                  "runtime po: options cannot be used with a path runtime");
}

RT_TEST_FN(val_type_and_args)
{
    startup_error("{\"runtimes\":{\"ta\":{\"runtimeType\":\"io.containerd.runc.v2\",\"runtimeArgs\":[\"--debug\"]}}}\n",
                  NULL, "runtime ta: args cannot be used with a runtimeType runtime");
}

RT_TEST_FN(val_type_bad_option)
{
    startup_error("{\"runtimes\":{\"tob\":{\"runtimeType\":\"io.containerd.runc.v2\",\"options\":{\"IoUid\":\"abc\"}}}}\n",
                  NULL, "runtime tob: (0, 0): Can't convert abc(string) to uint32");
}

/* Empty collections count as absent. */
RT_TEST_FN(val_empty_collections)
{
    json_t *info = start_info("{\"runtimes\":{\"pe\":{\"path\":\"/bin/pe\",\"options\":{}},"
                              "\"te\":{\"runtimeType\":\"io.containerd.runc.v2\",\"runtimeArgs\":[]}}}\n", NULL);
    assert_runtime_path(info, "pe", "/bin/pe");
    ck_assert_msg(json_is_object(runtime_of(info, "te")), "runtime te missing from /info Runtimes");
    json_decref(info);
}

/* §1.4/§6.1: unknown option keys are ignored; a shim runtime renders {}. */
RT_TEST_FN(val_type_unknown_option)
{
    json_t *info = start_info("{\"runtimes\":{\"tu\":{\"runtimeType\":\"io.containerd.runc.v2\","
                              "\"options\":{\"NoSuchField\":true}}}}\n", NULL);
    json_t *rt = runtime_of(info, "tu");
    ck_assert_msg(json_is_object(rt), "runtime tu missing from /info Runtimes");
    char *s = json_dumps(rt, JSON_COMPACT);
    ck_assert_msg(json_object_size(rt) == 0, "runtime tu renders %s, want {}", s);
    free(s);
    json_decref(info);
}

/* §1.3: redefining io.containerd.runc.v2 is effective in v26. */
RT_TEST_FN(val_redefine_stock)
{
    json_t *info = start_info("{\"runtimes\":{\"io.containerd.runc.v2\":{\"path\":\"/bin/false\"}}}\n", NULL);
    assert_runtime_path(info, "io.containerd.runc.v2", "/bin/false");
    assert_runtime_path(info, "runc", "runc");
    json_decref(info);
}

RT_TEST_FN(val_names_case_kept)
{
    json_t *info = start_info("{\"runtimes\":{\"RunC\":{\"path\":\"/bin/a\"},\"UPPER\":{\"path\":\"/bin/b\"}}}\n", NULL);
    assert_runtime_path(info, "RunC", "/bin/a");
    assert_runtime_path(info, "UPPER", "/bin/b");
    assert_no_runtime(info, "upper");
    assert_runtime_path(info, "runc", "runc");
    json_decref(info);
}

RT_TEST_FN(val_name_empty)
{
    json_t *info = start_info("{\"runtimes\":{\"\":{\"path\":\"/bin/e\"}}}\n", NULL);
    assert_runtime_path(info, "", "/bin/e");
    json_decref(info);
}

RT_TEST_FN(val_name_slash)
{
    json_t *info = start_info("{\"runtimes\":{\"my/custom.rt\":{\"path\":\"/bin/c\"}}}\n", NULL);
    assert_runtime_path(info, "my/custom.rt", "/bin/c");
    json_decref(info);
}

/* moby: raw `open .../my/.tmp-custom.rt...` error; both engines refuse. */
RT_TEST_FN(val_name_slash_args)
{
    start_fails("{\"runtimes\":{\"my/custom.rt\":{\"path\":\"/bin/c\",\"runtimeArgs\":[\"--x\"]}}}\n", NULL);
    assert_log_contains("failed to start daemon: ");
    assert_log_contains("custom.rt");
}

RT_TEST_FN(val_name_slash_args_clear)
{
    startup_error("{\"runtimes\":{\"my/custom.rt\":{\"path\":\"/bin/c\",\"runtimeArgs\":[\"--x\"]}}}\n", NULL,
                  "runtime my/custom.rt: name cannot be used for a wrapper script");
}

static void shim_default(const char *config, const char *const *args)
{
    json_t *info = start_info(config, args);
    assert_default(info, "io.containerd.runc-alias.v2");
    assert_no_runtime(info, "io.containerd.runc-alias.v2");
    json_decref(info);
}

RT_TEST_FN(val_default_shim_file)
{
    shim_default("{\"default-runtime\":\"io.containerd.runc-alias.v2\"}\n", NULL);
}

RT_TEST_FN(val_default_shim_flag)
{
    static const char *const a[] = {"--default-runtime", "io.containerd.runc-alias.v2", NULL};
    shim_default("{}\n", a);
}

RT_TEST_FN(val_default_v1_linux)
{
    json_t *info = start_info("{\"default-runtime\":\"io.containerd.runtime.v1.linux\"}\n", NULL);
    assert_default(info, "io.containerd.runtime.v1.linux");
    json_decref(info);
}

RT_TEST_FN(val_default_args_missing_binary)
{
    startup_error("{\"default-runtime\":\"gone\",\"runtimes\":{\"gone\":{\"path\":\"/nonexistent/rt-gone\","
                  "\"runtimeArgs\":[\"--debug\"]}}}\n", NULL,
                  "couldn't create plugin manager: error while looking up the specified runtime path: "
                  "exec: \"/nonexistent/rt-gone\": stat /nonexistent/rt-gone: no such file or directory");
}

RT_TEST_FN(val_default_path_missing_binary)
{
    json_t *info = start_info("{\"default-runtime\":\"gone\",\"runtimes\":{\"gone\":{\"path\":\"/nonexistent/rt-gone\"}}}\n",
                              NULL);
    assert_default(info, "gone");
    assert_runtime_path(info, "gone", "/nonexistent/rt-gone");
    json_decref(info);
}

/* ---- more §1.5 ordering, §2.2 default names, §1.4 runtimeType ---- */

/* Rule 1 comes before rule 2. */
RT_TEST_FN(val_order_runc_first)
{
    startup_error("{\"runtimes\":{\"runc\":{}},\"default-runtime\":\"nope\"}\n", NULL,
                  "runtime name 'runc' is reserved");
}

/* Rule 2 comes before the per-runtime rules. */
RT_TEST_FN(val_order_default_before_runtime)
{
    startup_error("{\"runtimes\":{\"e\":{}},\"default-runtime\":\"nope\"}\n", NULL,
                  "specified default runtime 'nope' does not exist");
}

RT_TEST_FN(val_default_configured)
{
    json_t *info = start_info("{\"default-runtime\":\"x\",\"runtimes\":{\"x\":{\"path\":\"/bin/x\"}}}\n", NULL);
    assert_default(info, "x");
    assert_runtime_path(info, "x", "/bin/x");
    json_decref(info);
}

/* §1.2: the default is checked against the merged set (file + flags). */
RT_TEST_FN(val_default_from_flag_runtime)
{
    static const char *const a[] = {"--add-runtime", "fl=/bin/fl", NULL};
    json_t *info = start_info("{\"default-runtime\":\"fl\"}\n", a);
    assert_default(info, "fl");
    assert_runtime_path(info, "fl", "/bin/fl");
    json_decref(info);
}

/* §2.2 (v26): a leading '.' is not a permissible shim name. */
RT_TEST_FN(val_default_leading_dot)
{
    startup_error("{\"default-runtime\":\".leading.v2\"}\n", NULL,
                  "specified default runtime '.leading.v2' does not exist");
}

/* §2.2: a name with '/' is not a permissible shim name. */
RT_TEST_FN(val_default_with_slash)
{
    startup_error("{\"default-runtime\":\"a/b.v2\"}\n", NULL, "specified default runtime 'a/b.v2' does not exist");
}

static void assert_shim_entry(json_t *info, const char *name)
{
    json_t *rt = runtime_of(info, name);
    ck_assert_msg(json_is_object(rt), "runtime %s missing from /info Runtimes", name);
    ck_assert_msg(!json_object_get(rt, "path"), "shim runtime %s shows a path in /info", name);
}

/* §1.4: runtimeType is not validated at startup ("nodot" only fails at start). */
RT_TEST_FN(val_type_nodot)
{
    json_t *info = start_info("{\"runtimes\":{\"nd\":{\"runtimeType\":\"nodot\"}}}\n", NULL);
    assert_shim_entry(info, "nd");
    json_decref(info);
}

RT_TEST_FN(val_type_abs_path)
{
    json_t *info = start_info("{\"runtimes\":{\"ap\":{\"runtimeType\":\"/usr/bin/containerd-shim-runc-v2\"}}}\n",
                              NULL);
    assert_shim_entry(info, "ap");
    json_decref(info);
}

/* §1.1/§6.1: a path+args runtime is listed with both. */
RT_TEST_FN(val_path_args_listed)
{
    json_t *info = start_info("{\"runtimes\":{\"dbg\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n", NULL);
    assert_runtime_path(info, "dbg", "runc");
    json_t *args = json_object_get(runtime_of(info, "dbg"), "runtimeArgs");
    const char *a0 = json_string_value(json_array_get(args, 0));
    ck_assert_msg(json_array_size(args) == 1 && a0 && !strcmp(a0, "--debug"),
                  "runtime dbg: runtimeArgs is not [\"--debug\"]");
    json_decref(info);
}

/* §1.3: the v1 name is not stock in v26; it is an ordinary runtime. */
RT_TEST_FN(val_v1_linux_configured)
{
    json_t *info = start_info("{\"runtimes\":{\"io.containerd.runtime.v1.linux\":{\"path\":\"/bin/v1\"}}}\n", NULL);
    assert_runtime_path(info, "io.containerd.runtime.v1.linux", "/bin/v1");
    json_decref(info);
}

/* §1.2: names "." and ".." are accepted verbatim (no wrapper needed). */
RT_TEST_FN(val_names_dots)
{
    json_t *info = start_info("{\"runtimes\":{\".\":{\"path\":\"/bin/d\"},\"..\":{\"path\":\"/bin/dd\"}}}\n", NULL);
    assert_runtime_path(info, ".", "/bin/d");
    assert_runtime_path(info, "..", "/bin/dd");
    json_decref(info);
}

/* ---- --validate ---- */

RT_TEST_FN(val_validate_ok)
{
    char *out;
    int rc = validate("{\"runtimes\":{\"x\":{\"path\":\"/bin/x\"}},\"default-runtime\":\"x\"}\n", &out);
    ck_assert_msg(rc == 0, "--validate of a valid config: status %d: %s", rc, out);
    ck_assert_msg(strstr(out, "configuration OK"), "--validate output \"%s\" lacks configuration OK", out);
    free(out);
}

/* §1.1 + §1.5: --validate skips only the runtime rules; the file is still
 * decoded, so a type error fails with the startup text and status 1
 * (checked against dockerd 26.1.5: exit 1, this exact line, no "configuration OK"). */
RT_TEST_FN(val_validate_type_error)
{
    char *out;
    int rc = validate("{\"runtimes\":[]}\n", &out);
    ck_assert_msg(rc == 1, "--validate of a JSON type error: status %d, want 1: %s", rc, out);
    char want[4096];
    snprintf(want, sizeof want,
             "unable to configure the Docker daemon with file %s: json: cannot unmarshal array into Go struct field "
             "Config.runtimes of type map[string]system.Runtime", rt_t.sb->config);
    ck_assert_msg(strstr(out, want), "--validate output \"%s\" lacks \"%s\"", out, want);
    ck_assert_msg(!strstr(out, "configuration OK"), "--validate printed configuration OK: %s", out);
    free(out);
}

RT_TEST_FN(val_validate_runc)
{
    validate_rejects("{\"runtimes\":{\"runc\":{\"path\":\"/usr/bin/runc\"}}}\n", "runtime name 'runc' is reserved");
}

RT_TEST_FN(val_validate_empty)
{
    validate_rejects("{\"runtimes\":{\"e\":{}}}\n", "runtime e: either a runtimeType or a path must be configured");
}

RT_TEST_FN(val_validate_default)
{
    validate_rejects("{\"default-runtime\":\"nope\"}\n", "specified default runtime 'nope' does not exist");
}

RT_TEST_FN(val_validate_path_type)
{
    validate_rejects("{\"runtimes\":{\"pt\":{\"path\":\"/bin/x\",\"runtimeType\":\"io.containerd.runc.v2\"}}}\n",
                     "runtime pt: cannot configure both path and runtimeType for the same runtime");
}

#define T(fn, n, lvl, sec, desc) RT_TEST(fn, "RT-VAL-" n, lvl, RT_CORE, S(sec), RT_CAP_OWN_DAEMON, desc)

static const struct rt_test tests[] = {
    T(val_runtimes_array, "001", RT_MUST, "§1.1", "runtimes as an array: decoder error, exit 1"),
    T(val_runtime_string, "002", RT_MUST, "§1.1", "runtime object as a string: decoder error, exit 1"),
    T(val_path_number, "003", RT_MUST, "§1.1", "path as a number: decoder error, exit 1"),
    T(val_args_string, "004", RT_MUST, "§1.1", "runtimeArgs as a string: decoder error, exit 1"),
    T(val_default_number, "005", RT_MUST, "§1.1", "default-runtime as a number: CommonConfig decoder error, exit 1"),
    T(val_runtime_unknown_key, "006", RT_MUST, "§1.1", "unknown keys inside a runtime object are ignored"),
    T(val_flag_no_equals, "007", RT_MUST, "§1.2", "--add-runtime foo: invalid runtime argument, exit 1"),
    T(val_flag_empty_path, "008", RT_MUST, "§1.2", "--add-runtime foo=: invalid runtime argument, exit 1"),
    T(val_flag_empty_name, "009", RT_MUST, "§1.2", "--add-runtime with a blank name: invalid runtime argument"),
    T(val_flag_runc, "010", RT_MUST, "§1.2", "--add-runtime runc=...: name reserved, exit 1"),
    T(val_flag_runc_upper, "011", RT_MUST, "§1.2", "--add-runtime RUNC=...: lower-cased, then reserved"),
    T(val_flag_duplicate, "012", RT_MUST, "§1.2", "--add-runtime foo twice: already defined"),
    T(val_flag_duplicate_case, "013", RT_MUST, "§1.2", "--add-runtime foo then FOO: already defined as foo"),
    T(val_flag_trim_lower, "014", RT_MUST, "§1.2", "--add-runtime \" Foo = /bin/x \" registers foo with /bin/x"),
    T(val_flag_lower, "015", RT_MUST, "§1.2", "--add-runtime Foo=runc registers foo, not Foo"),
    T(val_flag_first_equals, "016", RT_MUST, "§1.2", "--add-runtime splits at the first ="),
    T(val_merge_union_file_wins, "017", RT_MUST, "§1.2", "file and flag runtimes are unioned; file wins a name"),
    T(val_default_conflict, "018", RT_MUST, "§1.2", "default-runtime in file and flag: conflict, exit 1"),
    T(val_default_empty_is_runc, "019", RT_MUST, "§1.2", "\"default-runtime\": \"\" means runc"),
    T(val_file_runc_reserved, "020", RT_MUST, "§1.5", "file runtime runc: reserved, failed to start daemon"),
    T(val_default_missing, "021", RT_MUST, "§1.5", "default-runtime nope (file): does not exist"),
    T(val_default_missing_flag, "022", RT_MUST, "§1.5", "--default-runtime nope: does not exist"),
    T(val_default_abs_path, "023", RT_MUST, "§9.1", "default-runtime /usr/bin/runc: does not exist"),
    T(val_empty_runtime, "024", RT_MUST, "§1.5", "runtime {}: either a runtimeType or a path"),
    T(val_args_only, "025", RT_MUST, "§1.5", "runtime with args only: either a runtimeType or a path"),
    T(val_options_only, "026", RT_MUST, "§1.5", "runtime with options only: either a runtimeType or a path"),
    T(val_path_and_type, "027", RT_MUST, "§1.5", "path and runtimeType: cannot configure both"),
    T(val_path_and_options, "028", RT_MUST, "§1.5", "path and options: options cannot be used"),
    T(val_type_and_args, "029", RT_MUST, "§1.5", "runtimeType and args: args cannot be used"),
    T(val_type_bad_option, "030", RT_MUST, "§1.5", "runtimeType with IoUid \"abc\": conversion error"),
    T(val_empty_collections, "031", RT_MUST, "§1.5", "empty options with path / empty args with runtimeType start"),
    T(val_type_unknown_option, "032", RT_MUST, "§9.1", "runtimeType with an unknown option key starts; /info shows {}"),
    T(val_redefine_stock, "033", RT_MUST, "§1.3", "io.containerd.runc.v2 redefined with /bin/false is effective"),
    T(val_names_case_kept, "034", RT_MUST, "§1.2", "file names RunC and UPPER kept verbatim"),
    T(val_name_empty, "035", RT_MUST, "§1.2", "file runtime named \"\" accepted and listed"),
    T(val_name_slash, "036", RT_MUST, "§1.2", "file runtime my/custom.rt without args accepted verbatim"),
    T(val_name_slash_args, "037", RT_MUST, "§9.1", "my/custom.rt with args: startup fails, exit 1"),
    T(val_name_slash_args_clear, "038", RT_SHOULD, "§9.1",
      "my/custom.rt with args: clear 'cannot be used for a wrapper script' message"),
    T(val_default_shim_file, "039", RT_MUST, "§9.1", "default-runtime a shim name (file): starts, not listed"),
    T(val_default_shim_flag, "040", RT_MUST, "§9.1", "--default-runtime a shim name: starts, not listed"),
    T(val_default_v1_linux, "041", RT_MUST, "§9.1", "default-runtime io.containerd.runtime.v1.linux passes through"),
    T(val_default_args_missing_binary, "042", RT_MUST, "§1.5",
      "default path+args runtime with missing binary: plugin manager error"),
    T(val_default_path_missing_binary, "043", RT_MUST, "§1.5", "default path-only runtime with missing binary starts"),
    T(val_validate_ok, "044", RT_MUST, "§1.5", "--validate of a valid config prints configuration OK, exit 0"),
    T(val_validate_type_error, "045", RT_MUST, "§1.1 §1.5", "--validate of a JSON type error: exit 1 with the §1.1 text"),
    T(val_validate_runc, "046", RT_SHOULD, "§1.5", "--validate rejects a reserved runc runtime"),
    T(val_validate_empty, "047", RT_SHOULD, "§1.5", "--validate rejects an empty runtime object"),
    T(val_validate_default, "048", RT_SHOULD, "§1.5", "--validate rejects an undefined default runtime"),
    T(val_validate_path_type, "049", RT_SHOULD, "§1.5", "--validate rejects path plus runtimeType"),
    T(val_order_runc_first, "050", RT_MUST, "§1.5", "reserved runc is reported before an undefined default"),
    T(val_order_default_before_runtime, "051", RT_MUST, "§1.5", "undefined default is reported before a bad runtime"),
    T(val_default_configured, "052", RT_MUST, "§1.2", "default-runtime naming a file runtime is effective"),
    T(val_default_from_flag_runtime, "053", RT_MUST, "§1.2", "file default-runtime may name an --add-runtime runtime"),
    T(val_default_leading_dot, "054", RT_MUST, "§2.2", "default-runtime .leading.v2 (not a shim name): does not exist"),
    T(val_default_with_slash, "055", RT_MUST, "§2.2", "default-runtime a/b.v2 (not a shim name): does not exist"),
    T(val_type_nodot, "056", RT_MUST, "§1.4", "runtimeType nodot is not validated at startup"),
    T(val_type_abs_path, "057", RT_MUST, "§1.4", "runtimeType as an absolute shim path is accepted"),
    T(val_path_args_listed, "058", RT_MUST, "§6.1", "path+args runtime listed with path and runtimeArgs"),
    T(val_v1_linux_configured, "059", RT_MUST, "§1.3", "io.containerd.runtime.v1.linux is an ordinary configurable name"),
    T(val_names_dots, "060", RT_MUST, "§1.2", "runtime names . and .. accepted verbatim"),
    {0},
};

const struct rt_suite rt_suite_validation = {"validation", tests};
