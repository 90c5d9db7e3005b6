/* Container events from task events (shim spec §6.4): the init process's
 * TaskExit is what makes the engine record the exit and emit `die` with
 * the exit code; exec exits do not stop the container. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/events_await.h"
#include "harness/testlib.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

/* Engine up, a container running `sh -c SCRIPT` on the alias shim started;
 * *MARK is taken before its creation. */
static char *started(const char *script, struct rt_evmark *mark)
{
    rt_lc_setup();
    *mark = rt_events_mark();
    return rt_lc_run("io.containerd.runc-alias.v2", script);
}

/* METHOD /containers/{ID}WHAT, asserting status WANT. */
static void ctr_call(const char *method, const char *id, const char *what, long want)
{
    char path[256];
    snprintf(path, sizeof path, "/containers/%s%s", id, what);
    struct rt_http_resp r = {0};
    rt_api(method, path, NULL, &r);
    ck_assert_msg(r.status == want, "%s %s: HTTP %ld %s", method, path, r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
}

/* Every event of container ID since MARK through the first STOP event. */
static json_t *events_until(const struct rt_evmark *mark, const char *id, const char *stop)
{
    char filt[512], what[512];
    snprintf(what, sizeof what, "the %s event of container %s", stop, id);
    return rt_events_await(mark, rt_events_ctr_filters(filt, sizeof filt, id, NULL), rt_event_action_is,
                           (void *)stop, 10000, what);
}

/* Every event of container ID since MARK, to its destroy: force-removing
 * it makes destroy the last event, so nothing of the container is still
 * to come (no quiet window needed for "exactly one" or "none"). */
static json_t *events_to_end(const struct rt_evmark *mark, const char *id)
{
    ctr_call("DELETE", id, "?force=1", 204);
    return events_until(mark, id, "destroy");
}

/* The events of EVS whose Action is ACTION (new array). */
static json_t *only(json_t *evs, const char *action)
{
    json_t *out = json_array(), *ev;
    size_t i;
    json_array_foreach(evs, i, ev) if (rt_event_action_is(ev, (void *)action)) json_array_append(out, ev);
    return out;
}

/* §6.4: the init TaskExit -> one `die` for the container, Actor.ID = its
 * id, Attributes.exitCode = the status as a decimal string. */
RT_TEST_FN(evt_die_exit_code)
{
    struct rt_evmark mark;
    char *id = started("exit 7", &mark);
    ck_assert_int_eq(rt_lc_wait(id), 7);
    json_t *all = events_to_end(&mark, id), *evs = only(all, "die");
    ck_assert_msg(json_array_size(evs) == 1, "%zu die events, want 1", json_array_size(evs));
    json_t *ev = json_array_get(evs, 0);
    ck_assert_str_eq(rt_json_str(ev, "Type", ""), "container");
    ck_assert_str_eq(rt_json_str(json_object_get(ev, "Actor"), "ID", ""), id);
    ck_assert_str_eq(rt_event_attr(ev, "exitCode"), "7");
    json_decref(evs), json_decref(all);
    free(id);
}

/* POST /containers/{ID}/exec `sh -c SCRIPT`, then start it (DETACH: do not
 * wait for its end); the exec id. */
static char *exec_run(const char *id, const char *script, int detach)
{
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/exec", id);
    json_t *b = json_pack("{s:[s,s,s]}", "Cmd", "sh", "-c", script);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    struct rt_http_resp r = {0};
    rt_api("POST", path, text, &r);
    free(text);
    ck_assert_msg(r.status == 201, "exec create: HTTP %ld %s", r.status, r.body ? r.body : "");
    char *eid = strdup(rt_json_str(r.json, "Id", ""));
    rt_http_resp_free(&r);
    snprintf(path, sizeof path, "/exec/%s/start", eid);
    rt_api("POST", path, detach ? "{\"Detach\":true}" : "{\"Detach\":false}", &r);
    ck_assert_msg(r.status == 200, "exec start: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    return eid;
}

/* §6.3/§6.4: a TaskExit for an exec id finishes only the exec: no `die`
 * for the container, which keeps running (the one die is the one of the
 * kill that ends the test). */
RT_TEST_FN(evt_exec_exit_no_die)
{
    struct rt_evmark mark;
    char *id = started("exec tail -f /dev/null", &mark);
    char *eid = exec_run(id, "exit 9", 1);
    json_decref(rt_lc_exec_finished(eid));
    json_t *c = rt_ct_inspect(id);
    ck_assert_msg(rt_json_bool(json_object_get(c, "State"), "Running", 0), "container stopped by its exec's exit");
    json_decref(c);
    json_t *all = events_to_end(&mark, id);
    char *a = rt_events_actions(all);
    json_t *dies = only(all, "die");
    ck_assert_msg(json_array_size(dies) == 1 && strstr(a, "kill:9 die"),
                  "a die other than the kill's after an exec exit: %s", a);
    free(a);
    json_decref(dies), json_decref(all);
    free(eid), free(id);
}

/* Stop predicate of a stop: both its die and its stop event arrived. */
static int die_and_stop(json_t *ev, void *seen)
{
    int *bits = seen;
    if (rt_event_action_is(ev, "die")) *bits |= 1;
    if (rt_event_action_is(ev, "stop")) *bits |= 2;
    return *bits == 3;
}

/* §6.4 (docker stop: SIGTERM, then the exit): kill with signal 15, then
 * die and stop. dockerd 26.1.5 was seen logging stop before die (its stop
 * waiter wakes at SetStopped, before the exit handler logs die), so the
 * order of those two is not part of the contract. */
RT_TEST_FN(evt_stop_sequence)
{
    struct rt_evmark mark;
    char *id = started("exec tail -f /dev/null", &mark);
    ctr_call("POST", id, "/stop?t=5", 204);
    char filt[512];
    int bits = 0;
    json_t *evs = rt_events_await(&mark, rt_events_ctr_filters(filt, sizeof filt, id, NULL), die_and_stop, &bits,
                                  10000, "the die and stop events");
    char *a = rt_events_actions(evs);
    ck_assert_msg(strstr(a, "start kill:15 die stop") || strstr(a, "start kill:15 stop die"), "events: %s", a);
    json_t *die = only(evs, "die");
    json_t *d = json_array_get(die, 0);
    ck_assert_str_eq(rt_event_attr(d, "exitCode"), "143");
    ck_assert_msg(*rt_event_attr(d, "execDuration"), "die without execDuration");
    free(a);
    json_decref(die), json_decref(evs);
    free(id);
}

/* POST /kill (SIGKILL by default): kill with signal 9, then die 137. */
RT_TEST_FN(evt_kill_sequence)
{
    struct rt_evmark mark;
    char *id = started("exec tail -f /dev/null", &mark);
    ctr_call("POST", id, "/kill", 204);
    json_t *evs = events_until(&mark, id, "die");
    char *a = rt_events_actions(evs);
    ck_assert_msg(strstr(a, "start kill:9 die"), "events: %s", a);
    ck_assert_str_eq(rt_event_attr(json_array_get(evs, json_array_size(evs) - 1), "exitCode"), "137");
    free(a);
    json_decref(evs);
    free(id);
}

/* Exec events: "exec_create: <cmd>", "exec_start: <cmd>", exec_die with
 * execID and exitCode; an event filter of exec_start matches the
 * "exec_start: ..." action. */
RT_TEST_FN(evt_exec_events)
{
    struct rt_evmark mark;
    char *id = started("exec tail -f /dev/null", &mark);
    char *eid = exec_run(id, "exit 4", 0); /* returns when the exec is done */
    json_t *evs = events_until(&mark, id, "exec_die"); /* it may trail the end of the stream */
    json_t *die = json_array_get(evs, json_array_size(evs) - 1);
    ck_assert_str_eq(rt_event_attr(die, "execID"), eid);
    ck_assert_str_eq(rt_event_attr(die, "exitCode"), "4");
    /* exactly one of each, and the engine's own filter event=exec_start
     * (exec_create) passes "exec_start: ..." ("exec_create: ...") */
    static const char *const kinds[] = {"exec_start", "exec_create"};
    for (int i = 0; i < 2; i++) {
        json_t *some = only(evs, kinds[i]);
        ck_assert_msg(json_array_size(some) == 1, "%zu %s events", json_array_size(some), kinds[i]);
        json_decref(some);
        char filt[512], want[64];
        snprintf(want, sizeof want, "%s: sh -c exit 4", kinds[i]);
        some = rt_events_await(&mark, rt_events_ctr_filters(filt, sizeof filt, id, kinds[i]), NULL, NULL, 10000, want);
        ck_assert_str_eq(rt_json_str(json_array_get(some, 0), "Action", ""), want);
        json_decref(some);
    }
    json_decref(evs);
    free(eid), free(id);
}

#define T(fn, id, spec, desc) \
    RT_TEST(fn, id, RT_MUST, RT_CORE, spec, RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, desc)
static const struct rt_test tests[] = {
    T(evt_die_exit_code, "RT-EVT-001", "shim-v2-protocol.md §6.4",
      "init TaskExit -> one container die event with exitCode attribute"),
    T(evt_exec_exit_no_die, "RT-EVT-002", "shim-v2-protocol.md §6.4",
      "an exec's TaskExit emits no die; the container keeps running"),
    RT_TEST(evt_stop_sequence, "RT-EVT-003", RT_MUST, RT_CORE, "shim-v2-protocol.md §6.4",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "stop: kill (signal 15), then die (exitCode 143, execDuration) and stop in either order"),
    RT_TEST(evt_kill_sequence, "RT-EVT-004", RT_MUST, RT_CORE, "moby 26.1.5 Engine API (observed): kill events",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "kill: kill (signal 9), die; exit code 137"),
    RT_TEST(evt_exec_events, "RT-EVT-005", RT_MUST, RT_CORE, "moby 26.1.5 Engine API (observed): exec events",
            RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS, "exec_create/exec_start actions carry the command; exec_die execID, exitCode"),
    {0},
};

const struct rt_suite rt_suite_ctrevents = {"events", tests};
