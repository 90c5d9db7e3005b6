/* Running containers across an engine restart with live-restore (engine
 * spec §9.3 "live-restore, args changed across restart", §5.1 lock-in of
 * the running task). The task survives the engine; after the restart the
 * engine still controls it (stop). Beyond the reference (DESIGN.md): the
 * wrapper a live task runs survives a restart with changed args, so exec
 * keeps working where v26 answers 400. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/testlib.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

static const char *const live[] = {"--live-restore", NULL};

/* Engine up with --live-restore, image imported, a long-running container
 * on RUNTIME (NULL = default) started; returns its id. */
static char *running_live(const char *runtime)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_engine_start_ok(live);
    rt_ct_import_ok();
    /* not `tail -f`: it watches its stdout and dies of SIGPIPE while the
     * engine, the reader of the FIFO it writes to (fake shims connect it
     * directly), is down */
    return rt_lc_run(runtime, "exec sleep 100000");
}

static long long state_int(const char *id, const char *key)
{
    json_t *v = rt_ct_inspect(id);
    long long n = rt_json_int(json_object_get(v, "State"), key, -1);
    json_decref(v);
    return n;
}

static int state_running(const char *id)
{
    json_t *v = rt_ct_inspect(id);
    int b = rt_json_bool(json_object_get(v, "State"), "Running", 0);
    json_decref(v);
    return b;
}

/* §9.3: the container keeps running through the restart (same task pid),
 * and stop works on it afterwards. */
RT_TEST_FN(live_restore_keeps_running)
{
    char *id = running_live(NULL);
    long long pid = state_int(id, "Pid");
    ck_assert_msg(pid > 0, "no Pid while running");
    ck_assert_int_eq(rt_engine_stop(), 0);
    rt_engine_start_ok(live);
    ck_assert_msg(state_running(id), "container %s not running after a live-restore restart", id);
    ck_assert_msg(state_int(id, "Pid") == pid, "Pid changed across the restart: %lld -> %lld", pid,
                  state_int(id, "Pid"));
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/stop?t=2", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, NULL, &r);
    ck_assert_msg(r.status == 204, "stop after restart: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    ck_assert_msg(!state_running(id), "still running after stop");
    free(id);
}

/* DESIGN "Beyond the reference" (v26: exec 400, old wrapper deleted): the
 * args runtime's wrapper of a live task survives a restart with changed
 * args; exec on that task works. */
RT_TEST_FN(live_restore_keeps_wrapper)
{
    rt_write_config("{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug\"]}}}\n");
    char *id = running_live("wr");
    ck_assert_int_eq(rt_engine_stop(), 0);
    rt_write_config("{\"runtimes\":{\"wr\":{\"path\":\"runc\",\"runtimeArgs\":[\"--debug=true\"]}}}\n");
    rt_engine_start_ok(live);
    ck_assert_msg(state_running(id), "container %s not running after a live-restore restart", id);
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/exec", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, "{\"Cmd\":[\"sh\",\"-c\",\"exit 0\"],\"AttachStdout\":false,\"AttachStderr\":false}", &r);
    ck_assert_msg(r.status == 201, "exec create: HTTP %ld %s", r.status, r.body ? r.body : "");
    char *eid = strdup(rt_json_str(r.json, "Id", ""));
    rt_http_resp_free(&r);
    snprintf(path, sizeof path, "/exec/%s/start", eid);
    rt_api("POST", path, "{\"Detach\":true,\"Tty\":false}", &r);
    ck_assert_msg(r.status == 200, "exec on the live-restored task: HTTP %ld %s", r.status,
                  r.body ? r.body : "");
    rt_http_resp_free(&r);
    free(eid);
    snprintf(path, sizeof path, "/containers/%s/stop?t=2", id);
    rt_api("POST", path, NULL, &r);
    rt_http_resp_free(&r);
    free(id);
}

#define CAPS (RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS)
static const struct rt_test tests[] = {
    RT_TEST(live_restore_keeps_running, "RT-LIVE-001", RT_MUST, RT_CORE, "engine-runtime-behaviour.md §9.3", CAPS,
            "live-restore: a running container survives an engine restart; stop works afterwards"),
    RT_TEST(live_restore_keeps_wrapper, "RT-LIVE-002", RT_SHOULD, RT_CORE, "engine-runtime-behaviour.md §9.3", CAPS,
            "live-restore with changed args: the live task's wrapper is kept, exec works"),
    {0},
};

const struct rt_suite rt_suite_liverestore = {"liverestore", tests};
