/* Container start through the shim manager (engine spec §2.3, §2.4, §5.1;
 * shim spec §2.2, §5.2): which shim runs with which options, the exact
 * start-failure texts and recorded exit codes. Uses the fake shims. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/events_await.h"
#include "harness/testlib.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

/* Engine up, a container running `sh -c SCRIPT` on RUNTIME started. */
static char *started(const char *runtime, const char *script)
{
    rt_lc_setup();
    return rt_lc_run(runtime, script);
}

/* §2.3 + §1.4: a shim-name runtime is passed through with no options; the
 * container runs and its exit code is reported by wait and inspect. */
RT_TEST_FN(start_alias_passthrough)
{
    char *id = started("io.containerd.runc-alias.v2", "exit 7");
    ck_assert_int_eq(rt_lc_wait(id), 7);
    json_t *v = rt_ct_inspect(id);
    json_t *st = json_object_get(v, "State");
    ck_assert_int_eq(rt_json_int(st, "ExitCode", -1), 7);
    ck_assert_str_eq(rt_json_str(st, "Status", ""), "exited");
    json_decref(v);
    json_t *e = rt_lc_shim_start(id);
    ck_assert_str_eq(rt_lc_basename(rt_json_str(e, "argv0", "")), "containerd-shim-runc-alias-v2");
    ck_assert_msg(!*rt_json_str(e, "type_url", ""), "alias shim got options of type %s",
                  rt_json_str(e, "type_url", ""));
    json_decref(e);
    free(id);
}

/* §1.4 stock: runc -> containerd-shim-runc-v2 with runc options
 * BinaryName=runc, Root=<exec-root>/runtime-runc (shim spec §2.2). */
RT_TEST_FN(start_stock_runc_options)
{
    char *id = started("runc", "exit 0");
    ck_assert_int_eq(rt_lc_wait(id), 0);
    json_t *e = rt_lc_shim_start(id);
    ck_assert_str_eq(rt_lc_basename(rt_json_str(e, "argv0", "")), "containerd-shim-runc-v2");
    ck_assert_str_eq(rt_json_str(e, "type_url", ""), "containerd.runc.v1.Options");
    ck_assert_str_eq(rt_json_str(e, "binary_name", ""), "runc");
    char want[4096];
    snprintf(want, sizeof want, "%s/runtime-runc", rt_t.sb->exec_root);
    ck_assert_str_eq(rt_json_str(e, "root", ""), want);
    json_decref(e);
    free(id);
}

/* §2.3: a missing shim binary -> 500 with containerd's text; the container
 * stays created with ExitCode 128 and State.Error = the message. */
RT_TEST_FN(start_missing_shim)
{
    rt_lc_assert_missing_shim("io.containerd.nonexist.v2", "containerd-shim-nonexist-v2");
}

/* §2.4: a shim Start failure (failpoint annotation) -> 500, the shim's
 * message inside State.Error, a failure exit code; nothing runs. */
RT_TEST_FN(start_failpoint_start_error)
{
    rt_lc_setup();
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 0",
                            "{\"io.containerd.runtime.v2.shim.failpoint.Start\":\"1*error(boom)\"}");
    struct rt_http_resp r = {0};
    rt_ct_start(id, &r);
    rt_ct_skip_without_shims(&r);
    ck_assert_msg(r.status == 500, "start: HTTP %ld %s", r.status, r.body ? r.body : "");
    const char *m = rt_ct_msg(&r);
    /* No prefix check: moby 26 prefixes `failed to create task for
     * container: ` to task *create* errors only; a Task.Start error comes
     * back as containerd's message (observed on 26.1.5: "boom: unknown"). */
    ck_assert_msg(strstr(m, "boom") != NULL, "message lacks the shim's error: %s", m);
    json_t *v = rt_ct_inspect(id);
    json_t *st = json_object_get(v, "State");
    ck_assert_str_eq(rt_json_str(st, "Status", ""), "created");
    /* 128 from the classification; the task was created before Start
     * failed, and dockerd 26.1.5 then records the exit of its killed
     * process (137) when that event comes in: either is right. */
    long long code = rt_json_int(st, "ExitCode", -1);
    ck_assert_msg(code == 128 || code == 137, "ExitCode %lld, want 128 (or 137 from the killed task)", code);
    ck_assert_str_eq(rt_json_str(st, "Error", ""), m);
    json_decref(v);
    rt_http_resp_free(&r);
    free(id);
}

/* §5.1 stop: SIGTERM ends a long-running `tail`: exit 143, and a second
 * stop answers 304. */
RT_TEST_FN(start_stop_sigterm)
{
    char *id = started("io.containerd.runc-alias.v2", "exec tail -f /dev/null");
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/stop?t=5", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, NULL, &r);
    ck_assert_msg(r.status == 204, "stop: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    json_t *v = rt_ct_inspect(id);
    ck_assert_int_eq(rt_json_int(json_object_get(v, "State"), "ExitCode", -1), 143);
    json_decref(v);
    rt_api("POST", path, NULL, &r);
    ck_assert_int_eq(r.status, 304);
    rt_http_resp_free(&r);
    free(id);
}

/* AutoRemove: wait?condition=removed returns the exit code and the
 * container is gone afterwards. */
RT_TEST_FN(start_autoremove)
{
    rt_lc_setup();
    char *id = rt_lc_create_hc("exit 2", json_pack("{s:s,s:b}", "Runtime", "io.containerd.runc-alias.v2", "AutoRemove", 1));
    rt_ct_start_ok(id);
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/wait?condition=removed", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, NULL, &r);
    ck_assert_msg(r.status == 200, "wait: HTTP %ld %s", r.status, r.body ? r.body : "");
    ck_assert_int_eq(json_integer_value(json_object_get(r.json, "StatusCode")), 2);
    rt_http_resp_free(&r);
    snprintf(path, sizeof path, "/containers/%s/json", id);
    rt_api("GET", path, NULL, &r);
    ck_assert_msg(r.status == 404, "inspect after auto-remove: HTTP %ld", r.status);
    rt_http_resp_free(&r);
    free(id);
}

/* Stop predicate: the *LEFT-th event. */
static int nth_event(json_t *ev, void *left)
{
    (void)ev;
    return --*(int *)left == 0;
}

/* Restart policy on-failure:2 — a container exiting 1 is started twice
 * more, then stays exited with RestartCount 2 (3 shim starts in all). */
RT_TEST_FN(start_restart_on_failure)
{
    rt_lc_setup();
    char *id = rt_lc_create_hc("exit 1", json_pack("{s:s,s:{s:s,s:i}}", "Runtime", "io.containerd.runc-alias.v2",
                                                   "RestartPolicy", "Name", "on-failure", "MaximumRetryCount", 2));
    struct rt_evmark mark = rt_events_mark();
    rt_ct_start_ok(id);
    /* the third die is the end: the policy records its decision (exited,
     * RestartCount) before the engine logs that die */
    int dies = 3;
    char filt[512];
    json_decref(rt_events_await(&mark, rt_events_ctr_filters(filt, sizeof filt, id, "die"), nth_event, &dies, 15000,
                                "the third die event"));
    json_t *a = rt_lc_journal("shim", "start", id);
    size_t starts = json_array_size(a);
    json_decref(a);
    json_t *v = rt_ct_inspect(id);
    long long rc = rt_json_int(v, "RestartCount", -1);
    const char *status = rt_json_str(json_object_get(v, "State"), "Status", "");
    ck_assert_msg(starts == 3, "shim started %zu times, want 3", starts);
    ck_assert_str_eq(status, "exited");
    ck_assert_int_eq(rc, 2);
    ck_assert_int_eq(rt_json_int(json_object_get(v, "State"), "ExitCode", -1), 1);
    json_decref(v);
    free(id);
}

/* The `die` event carries exitCode (moby events API). */
RT_TEST_FN(start_die_event)
{
    rt_lc_setup();
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 9", NULL);
    struct rt_evmark mark = rt_events_mark();
    rt_ct_start_ok(id);
    ck_assert_int_eq(rt_lc_wait(id), 9);
    /* dockerd too may publish die just after the wait returns */
    json_t *ev = rt_events_await_ctr(&mark, id, "die");
    ck_assert_str_eq(rt_event_attr(ev, "exitCode"), "9");
    json_decref(ev);
    free(id);
}

/* ---- §2.4 start-error classification ---- */

#define HINT ": Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path " \
             "exists and is the expected type"

/* A start whose shim Create fails with MSG (failpoint): HTTP STATUS,
 * message = "failed to create task for container: ..." holding MSG and
 * ending in SUFFIX; the container stays created with EXIT recorded and
 * State.Error = the message. */
static void classify(const char *msg, long status, int exit_code, const char *suffix)
{
    rt_lc_setup();
    char ann[1024];
    snprintf(ann, sizeof ann, "{\"io.containerd.runtime.v2.shim.failpoint.Create\":\"1*error(%s)\"}", msg);
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 0", ann);
    struct rt_http_resp r = {0};
    rt_ct_start(id, &r);
    rt_ct_skip_without_shims(&r);
    const char *m = rt_ct_msg(&r);
    ck_assert_msg(r.status == status, "start with Create error \"%s\": HTTP %ld (%s), want %ld", msg, r.status, m, status);
    ck_assert_msg(strstr(m, "failed to create task for container: ") == m, "message lacks the prefix: %s", m);
    ck_assert_msg(strstr(m, msg) != NULL, "message lacks the runtime's error \"%s\": %s", msg, m);
    size_t ml = strlen(m), sl = strlen(suffix);
    ck_assert_msg(ml >= sl && !strcmp(m + ml - sl, suffix), "message does not end in \"%s\": %s", suffix, m);
    rt_lc_assert_created(id, exit_code, m);
    rt_http_resp_free(&r);
    free(id);
}

RT_TEST_FN(start_class_permission) { classify("exec /x: permission denied", 400, 126, "permission denied: unknown"); }
RT_TEST_FN(start_class_is_dir) { classify("open /x: is a directory", 400, 126, ": permission denied"); }
RT_TEST_FN(start_class_not_dir) { classify("open /x/y: not a directory", 400, 127, HINT); }
RT_TEST_FN(start_class_exec_not_found)
{
    classify("exec nope: executable file not found in $PATH", 400, 127, "$PATH: unknown");
}
RT_TEST_FN(start_class_enoent) { classify("open /run/x/log.json: no such file or directory", 400, 127, "directory: unknown"); }
RT_TEST_FN(start_class_windows) { classify("The system cannot find the file specified.", 400, 127, "specified.: unknown"); }
RT_TEST_FN(start_class_runc_call) { classify("failed to run runc create/exec call", 400, 127, "call: unknown"); }
RT_TEST_FN(start_class_other) { classify("container init exploded", 500, 128, "exploded: unknown"); }
/* substring tests are case-insensitive */
RT_TEST_FN(start_class_case) { classify("EXEC: PERMISSION DENIED", 400, 126, "DENIED: unknown"); }
/* in order: permission denied wins over the not-found group */
RT_TEST_FN(start_class_order) { classify("stat /x: no such file or directory; permission denied", 400, 126, "denied: unknown"); }

/* The same classes from a real runtime failure: fakerunc (like runc)
 * cannot exec the container's command. A missing file -> 400 / 127. */
static void cmd_fails(const char *script_cmd, int exit_code, const char *needle)
{
    rt_lc_setup();
    json_t *body = json_pack("{s:s,s:[s],s:{s:s}}", "Image", RT_CT_IMAGE, "Cmd", script_cmd, "HostConfig", "Runtime",
                             "io.containerd.runc-alias.v2");
    char *text = json_dumps(body, JSON_COMPACT);
    char *id = rt_ct_create_ok(NULL, text);
    free(text);
    json_decref(body);
    struct rt_http_resp r = {0};
    rt_ct_start(id, &r);
    rt_ct_skip_without_shims(&r);
    const char *m = rt_ct_msg(&r);
    ck_assert_msg(r.status == 400, "start of %s: HTTP %ld %s, want 400", script_cmd, r.status, m);
    ck_assert_msg(strstr(m, needle), "message lacks \"%s\": %s", needle, m);
    rt_lc_assert_created(id, exit_code, m);
    rt_http_resp_free(&r);
    free(id);
}

RT_TEST_FN(start_cmd_missing) { cmd_fails("/nonexistent/cmd", 127, "no such file or directory"); }
RT_TEST_FN(start_cmd_directory) { cmd_fails("/etc", 126, "permission denied"); }

/* ---- start state rules ---- */

static char *running(void)
{
    return started("io.containerd.runc-alias.v2", "exec tail -f /dev/null");
}

static void post(const char *id, const char *what, struct rt_http_resp *r)
{
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/%s", id, what);
    rt_api("POST", path, NULL, r);
}

/* Starting a running container: 304 with no body; still running. */
RT_TEST_FN(start_already_running)
{
    char *id = running();
    struct rt_http_resp r = {0};
    rt_ct_start(id, &r);
    ck_assert_msg(r.status == 304, "second start: HTTP %ld %s, want 304", r.status, r.body ? r.body : "");
    ck_assert_msg(r.len == 0, "304 with a body: %s", r.body);
    rt_http_resp_free(&r);
    json_t *v = rt_ct_inspect(id);
    ck_assert_str_eq(rt_json_str(json_object_get(v, "State"), "Status", ""), "running");
    json_decref(v);
    json_t *starts = rt_lc_journal("shim", "start", id);
    size_t nstarts = json_array_size(starts);
    json_decref(starts);
    ck_assert_uint_eq(nstarts, 1);
    post(id, "kill", &r);
    rt_http_resp_free(&r);
    free(id);
}

/* Starting a paused container: 409 "cannot start a paused container, try
 * unpause instead". SKIPs on an engine without the pause endpoint. */
RT_TEST_FN(start_paused)
{
    char *id = running();
    struct rt_http_resp r = {0};
    post(id, "pause", &r);
    if (r.status == 404 && !strcmp(rt_ct_msg(&r), "page not found")) rt_skip("the engine has no pause endpoint");
    ck_assert_msg(r.status == 204, "pause: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    rt_ct_start(id, &r);
    rt_ct_assert_error(&r, 409, "cannot start a paused container, try unpause instead");
    rt_http_resp_free(&r);
    post(id, "unpause", &r);
    rt_http_resp_free(&r);
    post(id, "kill", &r);
    rt_http_resp_free(&r);
    free(id);
}

/* AutoRemove and a failed start: the container is removed (moby's start
 * cleanup removes AutoRemove containers whatever the failure). */
RT_TEST_FN(start_autoremove_failed)
{
    rt_lc_setup();
    char *id = rt_lc_create_hc("exit 0", json_pack("{s:s,s:b}", "Runtime", "io.containerd.nonexist.v2", "AutoRemove", 1));
    struct rt_evmark mark = rt_events_mark();
    struct rt_http_resp r = {0};
    rt_ct_start_expect(id, 500, NULL);
    /* the removal may follow the failed start's answer: its destroy event */
    json_decref(rt_events_await_ctr(&mark, id, "destroy"));
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/json", id);
    rt_api("GET", path, NULL, &r);
    ck_assert_msg(r.status == 404, "inspect after the destroy event: HTTP %ld", r.status);
    rt_http_resp_free(&r);
    ck_assert_uint_eq(rt_ct_count_all(), 0);
    free(id);
}

/* A path runtime whose binary is missing fails at start (§9.2: 400, exit
 * 127, Error set); once the binary exists the next start works, and the
 * running container no longer shows the old Error and exit code. The shim
 * of the failed attempt does not stay behind. */
RT_TEST_FN(start_failed_then_ok)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    char *bin = rt_path_join(rt_t.sb->dir, "later-runc");
    char arg[4200];
    snprintf(arg, sizeof arg, "later=%s", bin);
    const char *const args[] = {"--add-runtime", arg, NULL};
    rt_engine_start_ok(args);
    rt_ct_import_ok();
    char *id = rt_lc_create("later", "exec tail -f /dev/null", NULL);
    struct rt_http_resp r = {0};
    rt_ct_start_expect(id, 400, NULL);
    json_t *v = rt_ct_inspect(id);
    ck_assert_int_eq(rt_json_int(json_object_get(v, "State"), "ExitCode", -1), 127);
    json_decref(v);
    /* the shim of the failed attempt exits */
    json_t *serve = rt_lc_journal("shim", "serve", id);
    size_t i;
    json_t *e;
    json_array_foreach(serve, i, e) {
        int pid = (int)rt_json_int(e, "pid", 0);
        ck_assert_msg(pid <= 0 || rt_await_exit(pid, rt_scaled_ms(10000)) == 0, "shim %d of the failed start is still running",
                      pid);
    }
    json_decref(serve);
    char *runc = rt_path_join(rt_t.sb->shim_dir, "runc");
    char target[4096];
    ssize_t n = readlink(runc, target, sizeof target - 1);
    if (n <= 0) rt_env_error("sandbox runc is not a symlink");
    target[n] = '\0';
    if (symlink(target, bin) < 0) rt_env_error("symlink %s", bin);
    rt_ct_start_ok(id);
    v = rt_ct_inspect(id);
    json_t *st = json_object_get(v, "State");
    ck_assert_str_eq(rt_json_str(st, "Status", ""), "running");
    ck_assert_str_eq(rt_json_str(st, "Error", "x"), "");
    ck_assert_int_eq(rt_json_int(st, "ExitCode", -1), 0);
    json_decref(v);
    char path[256];
    snprintf(path, sizeof path, "/containers/%s?force=1", id);
    rt_api("DELETE", path, NULL, &r);
    ck_assert_msg(r.status == 204, "remove: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    free(runc), free(bin), free(id);
}

/* A container whose start failed can be removed without force. */
RT_TEST_FN(start_failed_removable)
{
    rt_lc_setup();
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 0",
                            "{\"io.containerd.runtime.v2.shim.failpoint.Create\":\"1*error(nope)\"}");
    struct rt_http_resp r = {0};
    rt_ct_start_expect(id, 500, NULL);
    char path[256];
    snprintf(path, sizeof path, "/containers/%s", id);
    rt_api("DELETE", path, NULL, &r);
    ck_assert_msg(r.status == 204, "remove after a failed start: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    ck_assert_uint_eq(rt_ct_count_all(), 0);
    free(id);
}

#define SPEC "engine-runtime-behaviour.md "
#define T(fn, id, spec, desc) \
    RT_TEST(fn, id, RT_MUST, RT_CORE, SPEC spec, RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, desc)
static const struct rt_test tests[] = {
    T(start_alias_passthrough, "RT-START-001", "§2.3", "shim-name runtime passes through with no options; exit code recorded"),
    T(start_stock_runc_options, "RT-START-002", "§1.4", "stock runc: containerd-shim-runc-v2 with BinaryName=runc, Root=<exec-root>/runtime-runc"),
    T(start_missing_shim, "RT-START-003", "§2.3", "missing shim: 500 exact text, ExitCode 128, stays created"),
    T(start_failpoint_start_error, "RT-START-004", "§2.4", "shim Start error: 500, classified exit code 128"),
    T(start_stop_sigterm, "RT-START-005", "§5.1", "stop sends SIGTERM (exit 143); second stop 304"),
    RT_TEST(start_autoremove, "RT-START-006", RT_SHOULD, RT_CORE, "moby API (AutoRemove, wait condition)",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "AutoRemove: wait?condition=removed returns the code; container gone"),
    RT_TEST(start_restart_on_failure, "RT-START-007", RT_SHOULD, RT_CORE, "moby API (RestartPolicy)",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "on-failure:2 restarts twice, then exited with RestartCount 2"),
    T(start_class_permission, "RT-START-009", "§2.4", "Create error 'permission denied': 400, exit 126, message unchanged"),
    T(start_class_is_dir, "RT-START-010", "§2.4", "'is a directory': 400, exit 126, ': permission denied' appended"),
    T(start_class_not_dir, "RT-START-011", "§2.4", "'not a directory': 400, exit 127, mount hint appended"),
    T(start_class_exec_not_found, "RT-START-012", "§2.4", "'executable file not found': 400, exit 127"),
    T(start_class_enoent, "RT-START-013", "§2.4", "'no such file or directory': 400, exit 127"),
    T(start_class_windows, "RT-START-014", "§2.4", "'system cannot find the file specified' (any case): 400, exit 127"),
    T(start_class_runc_call, "RT-START-015", "§2.4", "'failed to run runc create/exec call': 400, exit 127"),
    T(start_class_other, "RT-START-016", "§2.4", "any other Create error: 500, exit 128"),
    T(start_class_case, "RT-START-017", "§2.4", "classification is case-insensitive (PERMISSION DENIED -> 126)"),
    T(start_class_order, "RT-START-018", "§2.4", "classification order: permission denied before the not-found group"),
    T(start_cmd_missing, "RT-START-019", "§2.4 §9.2", "command missing in the container: runtime error -> 400, exit 127"),
    T(start_cmd_directory, "RT-START-020", "§2.4", "command is a directory: runtime error -> 400, exit 126"),
    RT_TEST(start_already_running, "RT-START-021", RT_MUST, RT_CORE, "moby 26.1.5 Engine API (observed): start",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "start of a running container: 304, no body, no second shim"),
    RT_TEST(start_paused, "RT-START-022", RT_MUST, RT_CORE, "moby 26.1.5 Engine API (observed): start",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "start of a paused container: 409 exact text (SKIP without pause)"),
    RT_TEST(start_autoremove_failed, "RT-START-023", RT_MUST, RT_CORE, "moby 26.1.5 Engine API (observed): AutoRemove",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "AutoRemove container whose start failed is removed"),
    RT_TEST(start_failed_then_ok, "RT-START-024", RT_SHOULD, RT_CORE, "engine-runtime-behaviour.md §2.4 §9.2",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "failed start (missing binary, 127): shim gone; later start clears Error/ExitCode"),
    RT_TEST(start_failed_removable, "RT-START-025", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §2.4",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "a container whose start failed is removable without force"),
    RT_TEST(start_die_event, "RT-START-008", RT_SHOULD, RT_CORE, "shim-v2-protocol.md §6.4",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "TaskExit yields a die event with exitCode"),
    {0},
};

const struct rt_suite rt_suite_start = {"start", tests};
