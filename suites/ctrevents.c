/* Container events from task events (shim spec §6.4): the init process's
 * TaskExit is what makes the engine record the exit and emit `die` with
 * the exit code; exec exits do not stop the container. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/testlib.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"
#include "suites/suites.h"

/* The events of container ID from SINCE to now + 1 s (the stream ends at
 * `until`); EVENT (may be NULL) filters the action. */
static json_t *events_of(const char *id, long since, const char *event)
{
    return rt_lc_events(id, since, (long)time(NULL) + 1, event);
}

/* §6.4: the init TaskExit -> one `die` for the container, Actor.ID = its
 * id, Attributes.exitCode = the status as a decimal string. */
RT_TEST_FN(evt_die_exit_code)
{
    rt_lc_setup();
    long t0 = (long)time(NULL) - 1;
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exit 7", NULL);
    struct rt_http_resp r = {0};
    rt_ct_start(id, &r);
    rt_ct_skip_without_shims(&r);
    ck_assert_msg(r.status == 204, "start: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    ck_assert_int_eq(rt_lc_wait(id), 7);
    json_t *evs = events_of(id, t0, "die");
    ck_assert_msg(json_array_size(evs) == 1, "%zu die events, want 1", json_array_size(evs));
    json_t *ev = json_array_get(evs, 0);
    ck_assert_str_eq(rt_json_str(ev, "Type", ""), "container");
    ck_assert_str_eq(rt_json_str(ev, "Action", ""), "die");
    json_t *actor = json_object_get(ev, "Actor");
    ck_assert_str_eq(rt_json_str(actor, "ID", ""), id);
    ck_assert_str_eq(rt_json_str(json_object_get(actor, "Attributes"), "exitCode", ""), "7");
    json_decref(evs);
    free(id);
}

/* §6.3/§6.4: a TaskExit for an exec id finishes only the exec: no `die`
 * for the container, which keeps running. */
RT_TEST_FN(evt_exec_exit_no_die)
{
    rt_lc_setup();
    long t0 = (long)time(NULL) - 1;
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exec tail -f /dev/null", NULL);
    struct rt_http_resp r = {0};
    rt_ct_start(id, &r);
    rt_ct_skip_without_shims(&r);
    ck_assert_msg(r.status == 204, "start: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/exec", id);
    rt_api("POST", path, "{\"Cmd\":[\"sh\",\"-c\",\"exit 9\"]}", &r);
    ck_assert_msg(r.status == 201, "exec create: HTTP %ld %s", r.status, r.body ? r.body : "");
    char *eid = strdup(rt_json_str(r.json, "Id", ""));
    rt_http_resp_free(&r);
    snprintf(path, sizeof path, "/exec/%s/start", eid);
    rt_api("POST", path, "{\"Detach\":true}", &r);
    ck_assert_msg(r.status == 200, "exec start: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    json_decref(rt_lc_exec_finished(eid));
    json_t *evs = events_of(id, t0, "die");
    ck_assert_msg(json_array_size(evs) == 0, "%zu die events after an exec exit", json_array_size(evs));
    json_decref(evs);
    json_t *c = rt_ct_inspect(id);
    ck_assert_msg(rt_json_bool(json_object_get(c, "State"), "Running", 0), "container stopped by its exec's exit");
    json_decref(c);
    free(eid), free(id);
}

/* Start a long-running container; its id. */
static char *running(void)
{
    char *id = rt_lc_create("io.containerd.runc-alias.v2", "exec tail -f /dev/null", NULL);
    struct rt_http_resp r = {0};
    rt_ct_start(id, &r);
    rt_ct_skip_without_shims(&r);
    ck_assert_msg(r.status == 204, "start: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    return id;
}

/* "Action[:signal]" of each event, space-separated. */
static char *actions(json_t *evs)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev) {
        const char *sig = rt_json_str(json_object_get(json_object_get(ev, "Actor"), "Attributes"), "signal", "");
        fprintf(m, "%s%s%s%s", i ? " " : "", rt_json_str(ev, "Action", ""), *sig ? ":" : "", sig);
    }
    fclose(m);
    return out;
}

/* §6.4 (docker stop: SIGTERM, then the exit): kill with signal 15, then
 * die and stop. dockerd 26.1.5 was seen logging stop before die (its stop
 * waiter wakes at SetStopped, before the exit handler logs die), so the
 * order of those two is not part of the contract. */
RT_TEST_FN(evt_stop_sequence)
{
    rt_lc_setup();
    long t0 = (long)time(NULL) - 1;
    char *id = running();
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/stop?t=5", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, NULL, &r);
    ck_assert_msg(r.status == 204, "stop: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    json_t *evs = events_of(id, t0, NULL);
    char *a = actions(evs);
    ck_assert_msg(strstr(a, "start kill:15 die stop") || strstr(a, "start kill:15 stop die"), "events: %s", a);
    json_t *die = NULL, *ev;
    size_t i;
    json_array_foreach(evs, i, ev) if (!strcmp(rt_json_str(ev, "Action", ""), "die")) die = ev;
    json_t *attrs = json_object_get(json_object_get(die, "Actor"), "Attributes");
    ck_assert_str_eq(rt_json_str(attrs, "exitCode", ""), "143");
    ck_assert_msg(*rt_json_str(attrs, "execDuration", ""), "die without execDuration");
    free(a);
    json_decref(evs);
    free(id);
}

/* POST /kill (SIGKILL by default): kill with signal 9, then die 137. */
RT_TEST_FN(evt_kill_sequence)
{
    rt_lc_setup();
    long t0 = (long)time(NULL) - 1;
    char *id = running();
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/kill", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, NULL, &r);
    ck_assert_msg(r.status == 204, "kill: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    ck_assert_int_eq(rt_lc_wait(id), 137);
    json_t *evs = events_of(id, t0, NULL);
    char *a = actions(evs);
    ck_assert_msg(strstr(a, "start kill:9 die"), "events: %s", a);
    free(a);
    json_decref(evs);
    free(id);
}

/* Exec events: "exec_create: <cmd>", "exec_start: <cmd>", exec_die with
 * execID and exitCode; an event filter of exec_start matches the
 * "exec_start: ..." action. */
RT_TEST_FN(evt_exec_events)
{
    rt_lc_setup();
    long t0 = (long)time(NULL) - 1;
    char *id = running();
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/exec", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, "{\"Cmd\":[\"sh\",\"-c\",\"exit 4\"]}", &r);
    ck_assert_msg(r.status == 201, "exec create: HTTP %ld %s", r.status, r.body ? r.body : "");
    char *eid = strdup(rt_json_str(r.json, "Id", ""));
    rt_http_resp_free(&r);
    snprintf(path, sizeof path, "/exec/%s/start", eid);
    rt_api("POST", path, "{\"Detach\":false}", &r); /* returns when the exec is done */
    ck_assert_msg(r.status == 200, "exec start: HTTP %ld %s", r.status, r.body ? r.body : "");
    rt_http_resp_free(&r);
    json_t *die = NULL;
    long long end = rt_now_ms() + rt_scaled_ms(10000);
    while (!die) { /* exec_die may trail the end of the stream a little */
        json_t *d = events_of(id, t0, "exec_die");
        if (json_array_size(d)) die = json_incref(json_array_get(d, 0));
        json_decref(d);
        ck_assert_msg(die || rt_now_ms() < end, "no exec_die event");
    }
    json_t *attrs = json_object_get(json_object_get(die, "Actor"), "Attributes");
    ck_assert_str_eq(rt_json_str(attrs, "execID", ""), eid);
    ck_assert_str_eq(rt_json_str(attrs, "exitCode", ""), "4");
    json_decref(die);
    json_t *evs = events_of(id, t0, "exec_start");
    ck_assert_msg(json_array_size(evs) == 1, "%zu exec_start events", json_array_size(evs));
    ck_assert_str_eq(rt_json_str(json_array_get(evs, 0), "Action", ""), "exec_start: sh -c exit 4");
    json_decref(evs);
    evs = events_of(id, t0, "exec_create");
    ck_assert_msg(json_array_size(evs) == 1, "%zu exec_create events", json_array_size(evs));
    ck_assert_str_eq(rt_json_str(json_array_get(evs, 0), "Action", ""), "exec_create: sh -c exit 4");
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
