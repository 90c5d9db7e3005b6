/* Exec through the shim (shim spec §4.1, §6.3, §6.4, §7; engine spec §3.1,
 * §5.1, §9.3): an API exec reaches the container's shim as Exec + Start
 * with the exec id, its exit comes back through TaskExit, and the runtime
 * locked in at start (its wrapper and args) runs it. Uses the fake shims'
 * journal; the same tests run against dockerd with its own containerd. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/reload_wait.h"
#include "harness/testlib.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

#define PROCESS_TYPE "types.containerd.io/opencontainers/runtime-spec/1/Process"

/* Create + start a long-running container on RUNTIME (engine up). */
static char *start_long(const char *runtime)
{
    return rt_lc_run(runtime, "exec tail -f /dev/null");
}

/* Engine up, then a long-running container on RUNTIME; returns its id. */
static char *running(const char *runtime)
{
    rt_lc_setup();
    return start_long(runtime);
}

/* POST /containers/{id}/exec with `sh -c SCRIPT`, then a detached start.
 * Returns the exec id. */
static char *exec_detached(const char *id, const char *script)
{
    char path[256], *eid;
    snprintf(path, sizeof path, "/containers/%s/exec", id);
    json_t *b = json_pack("{s:[s,s,s],s:b,s:b}", "Cmd", "sh", "-c", script, "AttachStdout", 0, "AttachStderr", 0);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    struct rt_http_resp r = {0};
    rt_api("POST", path, text, &r);
    free(text);
    ck_assert_msg(r.status == 201, "exec create: HTTP %ld %s", r.status, r.body ? r.body : "");
    eid = strdup(rt_json_str(r.json, "Id", ""));
    ck_assert_msg(*eid, "exec create: no Id in %s", r.body);
    rt_http_resp_free(&r);
    snprintf(path, sizeof path, "/exec/%s/start", eid);
    rt_api("POST", path, "{\"Detach\":true,\"Tty\":false}", &r);
    ck_assert_msg(r.status == 200, "exec start: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    return eid;
}


/* Journal entries of the shim's METHOD for container ID with exec_id EID. */
static json_t *exec_entries(const char *method, const char *id, const char *eid)
{
    json_t *a = rt_lc_journal("shim", method, id), *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) if (!strcmp(rt_json_str(e, "exec_id", ""), eid)) json_array_append(out, e);
    json_decref(a);
    return out;
}

/* shim §4.1 + §7: the exec arrives as Exec{id, exec_id, spec = Any(Process
 * JSON)} and then Start{id, exec_id}; the exec id is the API's. */
RT_TEST_FN(exec_reaches_shim)
{
    char *id = running("io.containerd.runc-alias.v2");
    char *eid = exec_detached(id, "exit 0");
    json_decref(rt_lc_exec_finished(eid));
    json_t *ex = exec_entries("Exec", id, eid), *st = exec_entries("Start", id, eid);
    ck_assert_msg(json_array_size(ex) == 1, "%zu Exec calls with exec_id %s, want 1", json_array_size(ex), eid);
    ck_assert_msg(json_array_size(st) == 1, "%zu Start calls with exec_id %s, want 1", json_array_size(st), eid);
    json_t *e = json_array_get(ex, 0);
    ck_assert_str_eq(rt_json_str(e, "spec_type_url", ""), PROCESS_TYPE);
    json_t *args = json_object_get(e, "process_args");
    ck_assert_msg(json_array_size(args) == 3 && !strcmp(json_string_value(json_array_get(args, 2)), "exit 0"),
                  "process args %s", json_dumps(args, JSON_COMPACT));
    json_decref(ex), json_decref(st);
    free(eid), free(id);
}

/* shim §6.3/§6.4: a TaskExit whose id is the exec id marks the exec
 * finished with that exit status; the container keeps running. */
RT_TEST_FN(exec_exit_code)
{
    char *id = running("io.containerd.runc-alias.v2");
    char *eid = exec_detached(id, "exit 3");
    json_t *v = rt_lc_exec_finished(eid);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "ExitCode")), 3);
    ck_assert_str_eq(rt_json_str(v, "ContainerID", ""), id);
    json_decref(v);
    json_t *c = rt_ct_inspect(id);
    ck_assert_msg(rt_json_bool(json_object_get(c, "State"), "Running", 0), "container stopped with its exec");
    json_decref(c);
    free(eid), free(id);
}

/* engine §5.1 + §3.1: the runtime options locked in at start (the
 * wrapper, so the runtime args) also run the exec: runc exec gets --debug. */
RT_TEST_FN(exec_uses_wrapper)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_write_config("{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n");
    char *id = running("wr");
    char *eid = exec_detached(id, "exit 0");
    json_decref(rt_lc_exec_finished(eid));
    json_t *a = rt_lc_journal("runc", "exec", id);
    ck_assert_msg(json_array_size(a) >= 1, "no runc exec for %s", id);
    json_t *ga = json_object_get(json_array_get(a, 0), "global_args");
    bool dbg = false;
    size_t i;
    json_t *v;
    json_array_foreach(ga, i, v) dbg |= !strcmp(json_string_value(v), "--debug");
    ck_assert_msg(dbg, "runc exec without the runtime's --debug: %s", json_dumps(ga, JSON_COMPACT));
    json_decref(a);
    free(eid), free(id);
}

/* engine §9.3 (v26): a running container whose args runtime a reload
 * removed still execs (its wrapper is kept): 200 and the exit code. */
RT_TEST_FN(exec_after_runtime_removed)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_write_config("{\"runtimes\":{\"gone\":{\"path\":\"runc\",\"runtimeArgs\":[\"--log-format=text\"]}}}\n");
    char *id = running("gone");
    json_decref(rt_reload_ok("{\"runtimes\":{}}\n"));
    char *eid = exec_detached(id, "exit 6");
    json_t *v = rt_lc_exec_finished(eid);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "ExitCode")), 6);
    json_decref(v);
    free(eid), free(id);
}

/* shim §9.21: the exec's stdio is closed when it exits, so an attached
 * (non-detached) start streams its output, multiplexed, and then ends. */
RT_TEST_FN(exec_attached_output_ends)
{
    char *id = running("io.containerd.runc-alias.v2");
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/exec", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, "{\"Cmd\":[\"sh\",\"-c\",\"echo out; echo err >&2; exit 2\"],\"AttachStdout\":true,"
           "\"AttachStderr\":true}", &r);
    ck_assert_msg(r.status == 201, "exec create: HTTP %ld %s", r.status, r.body ? r.body : "");
    char *eid = strdup(rt_json_str(r.json, "Id", ""));
    rt_http_resp_free(&r);
    snprintf(path, sizeof path, "/exec/%s/start", eid);
    rt_api("POST", path, "{\"Detach\":false,\"Tty\":false}", &r); /* returns only when the stream ends */
    ck_assert_msg(r.status == 200, "exec start: HTTP %ld %s", r.status, r.body ? r.body : "");
    char out[64] = "", err[64] = "";
    size_t off = 0, ol = 0, el = 0;
    const unsigned char *p = (const unsigned char *)r.body;
    while (off + 8 <= r.len) {
        size_t n = (size_t)p[off + 4] << 24 | (size_t)p[off + 5] << 16 | (size_t)p[off + 6] << 8 | p[off + 7];
        ck_assert_msg(off + 8 + n <= r.len && (p[off] == 1 || p[off] == 2), "bad frame at %zu", off);
        char *dst = p[off] == 1 ? out + ol : err + el;
        size_t room = sizeof out - 1 - (p[off] == 1 ? ol : el);
        memcpy(dst, p + off + 8, n < room ? n : room);
        if (p[off] == 1) ol += n < room ? n : room;
        else el += n < room ? n : room;
        off += 8 + n;
    }
    ck_assert_str_eq(out, "out\n");
    ck_assert_str_eq(err, "err\n");
    rt_http_resp_free(&r);
    json_t *v = rt_lc_exec_finished(eid);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "ExitCode")), 2);
    json_decref(v);
    free(eid), free(id);
}

/* moby (observed on 26.1.5): an exec stays inspectable after its
 * container stopped, with its exit code. */
RT_TEST_FN(exec_kept_after_stop)
{
    char *id = running("io.containerd.runc-alias.v2");
    char *eid = exec_detached(id, "exit 5");
    json_decref(rt_lc_exec_finished(eid));
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/stop?t=1", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, NULL, &r);
    ck_assert_msg(r.status == 204, "stop: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    snprintf(path, sizeof path, "/exec/%s/json", eid);
    json_t *v = rt_api_get_json(path);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "ExitCode")), 5);
    ck_assert_msg(!rt_json_bool(v, "Running", 1), "exec Running after its container stopped");
    json_decref(v);
    free(eid), free(id);
}

/* Exec error answers (status and exact message). */
RT_TEST_FN(exec_errors)
{
    rt_lc_setup();
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 0", NULL); /* created, never started */
    char path[256], want[256];
    struct rt_http_resp r = {0};
    snprintf(path, sizeof path, "/containers/%s/exec", id);
    rt_api("POST", path, "{\"Cmd\":[]}", &r);
    rt_ct_assert_error(&r, 400, "No exec command specified");
    rt_http_resp_free(&r);
    rt_api("POST", path, "{\"Cmd\":[\"true\"]}", &r);
    snprintf(want, sizeof want, "container %s is not running", id);
    rt_ct_assert_error(&r, 409, want);
    rt_http_resp_free(&r);
    rt_api("POST", "/containers/rt-no-such-ctr/exec", "{\"Cmd\":[\"true\"]}", &r);
    rt_ct_assert_error(&r, 404, "No such container: rt-no-such-ctr");
    rt_http_resp_free(&r);
    rt_api("GET", "/exec/rt-no-such-exec/json", NULL, &r);
    rt_ct_assert_error(&r, 404, "No such exec instance: rt-no-such-exec");
    rt_http_resp_free(&r);
    rt_api("POST", "/exec/rt-no-such-exec/start", "{\"Detach\":true}", &r);
    rt_ct_assert_error(&r, 404, "No such exec instance: rt-no-such-exec");
    rt_http_resp_free(&r);
    free(id);
    /* starting a finished exec again */
    id = start_long("io.containerd.runc-alias.v2");
    char *eid = exec_detached(id, "exit 0");
    json_decref(rt_lc_exec_finished(eid));
    snprintf(path, sizeof path, "/exec/%s/start", eid);
    rt_api("POST", path, "{\"Detach\":true}", &r);
    snprintf(want, sizeof want, "Error: Exec command %s has already run", eid);
    rt_ct_assert_error(&r, 409, want);
    rt_http_resp_free(&r);
    free(eid), free(id);
}

#define T(fn, id, spec, desc) \
    RT_TEST(fn, id, RT_MUST, RT_CORE, spec, RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, desc)
static const struct rt_test tests[] = {
    T(exec_reaches_shim, "RT-EXEC-001", "shim-v2-protocol.md §4.1",
      "exec = shim Exec{exec_id, spec Any(runtime-spec Process JSON)} then Start{exec_id}"),
    T(exec_exit_code, "RT-EXEC-002", "shim-v2-protocol.md §6.4",
      "exec TaskExit -> GET /exec/{id}/json ExitCode, Running false; container still running"),
    T(exec_uses_wrapper, "RT-EXEC-003", "engine-runtime-behaviour.md §5.1",
      "exec runs through the locked-in wrapper: runc exec gets the runtimeArgs"),
    T(exec_after_runtime_removed, "RT-EXEC-004", "engine-runtime-behaviour.md §9.3",
      "exec into a running container whose args runtime was removed by reload works (v26)"),
    T(exec_attached_output_ends, "RT-EXEC-005", "shim-v2-protocol.md §9.21",
      "attached exec start streams stdout/stderr multiplexed and ends when the exec exits"),
    T(exec_kept_after_stop, "RT-EXEC-006", "moby 26.1.5 Engine API (observed): exec after stop",
      "an exec stays inspectable (200, its ExitCode) after its container stopped"),
    T(exec_errors, "RT-EXEC-007", "moby 26.1.5 Engine API (observed): exec errors",
      "exec errors: no Cmd 400, not running 409, unknown container/exec 404, already run 409 (exact texts)"),
    {0},
};

const struct rt_suite rt_suite_exec = {"exec", tests};
