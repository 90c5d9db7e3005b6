/* Await events on the engine's GET /events stream (streamed JSON lines,
 * dockerd's filters and since/until semantics) instead of polling the API.
 * Take a mark BEFORE the action whose event is awaited: the stream opens
 * with since=<mark>, so the engine replays an event published before the
 * subscription reached it. */
#ifndef RT_EVENTS_AWAIT_H
#define RT_EVENTS_AWAIT_H

#include <jansson.h>
#include <stddef.h>

/* A since= value ("sec.nsec", wall clock: the engine stamps events with it). */
struct rt_evmark {
    char since[40];
};
struct rt_evmark rt_events_mark(void);

/* Non-zero when EV is the awaited event (ARG: the caller's). */
typedef int (*rt_event_pred)(json_t *ev, void *arg);

struct rt_events_req {
    const struct rt_evmark *since; /* required */
    const char *filters;           /* dockerd filters JSON object, NULL = none */
    rt_event_pred stop;            /* NULL: the first event the filters pass */
    void *arg;
    /* Optional: called about every 20 ms while the stream is quiet, for an
     * outcome no event reports (a log line, an exit); non-zero ends the
     * wait. */
    int (*idle)(void *idle_arg);
    void *idle_arg;
    long timeout_ms;               /* nominal; scaled (rt_scaled_ms) */
};

/* Stream until REQ->stop accepts an event (0: *SEEN = every event streamed,
 * in order, the accepted one last; caller json_decref()s), REQ->idle said
 * stop (1), the deadline passed (-1) or the stream failed or ended (-2);
 * on -1/-2 the reason is in ERR and *SEEN holds what arrived. SEEN may be
 * NULL. */
int rt_events_run(const struct rt_events_req *req, json_t **seen, char *err, size_t errlen);

/* For test bodies: the events passing FILTERS since MARK through the first
 * one STOP accepts (array, that one last); the test FAILs, naming WHAT,
 * when none arrives within the scaled TIMEOUT_MS. */
json_t *rt_events_await(const struct rt_evmark *mark, const char *filters, rt_event_pred stop, void *arg,
                        long timeout_ms, const char *what);
/* The first ACTION event of container ID (id or name) since MARK (10 s
 * nominal deadline; FAIL without it). Caller json_decref()s. */
json_t *rt_events_await_ctr(const struct rt_evmark *mark, const char *id, const char *action);

/* A stop predicate: the event's Action is ARG (a string), alone or before
 * ": <command>" (exec_create, exec_start). */
int rt_event_action_is(json_t *ev, void *action);
/* "Action[:signal]" of each event of EVS, space-separated (malloc'd). */
char *rt_events_actions(json_t *evs);
/* Actor.Attributes[KEY] of EV ("" when absent). */
const char *rt_event_attr(json_t *ev, const char *key);
/* Filters JSON {"container":[ID],"event":[ACTION]} (ACTION NULL: no event
 * filter) into BUF. */
const char *rt_events_ctr_filters(char *buf, size_t len, const char *id, const char *action);

#endif
