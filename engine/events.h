/* In-process event bus behind GET /events (daemon reload now, container
 * events later). Events are immutable and shared (refcounted) between the
 * ring of recent events and subscriber queues. Publishers never block on
 * subscribers: a subscriber whose queue is full is dropped (its stream ends).
 */
#ifndef RT_EVENTS_H
#define RT_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct rt_event {
    char *type;            /* "daemon", "container", ... */
    char *action;          /* "reload", "start", ... */
    char *actor_id;
    json_t *attrs;         /* object of strings, keys sorted (Go map order on the wire) */
    long long time_nano;   /* unix ns; strictly increasing across the bus */
    int refs;              /* atomic */
};

/* dockerd's events.Message JSON (legacy status/id/from for container and
 * image events). */
json_t *rt_event_json(const struct rt_event *ev);

/* Which events a subscriber wants; empty lists match everything. */
struct rt_event_filter {
    json_t *types, *actions, *containers;   /* arrays of strings, or NULL */
};
bool rt_event_filter_match(const struct rt_event_filter *f, const struct rt_event *ev);
void rt_event_filter_free(struct rt_event_filter *f);

struct rt_events;
struct rt_event_sub;

/* RING_CAP recent events are kept for `since`; each subscriber queues at
 * most SUB_CAP undelivered events. */
struct rt_events *rt_events_new(size_t ring_cap, size_t sub_cap);
/* Ends every subscription (their next() returns -1) and refuses new ones. */
void rt_events_shutdown(struct rt_events *bus);
void rt_events_free(struct rt_events *bus);

/* ATTRS: an object of string values (stolen; NULL = none). Returns the
 * event's timeNano. */
long long rt_events_publish(struct rt_events *bus, const char *type, const char *action,
                            const char *actor_id, json_t *attrs);

/* Subscribe. SINCE_NS >= 0: first replay ring events with time >= since
 * (that match FILTER). UNTIL_NS >= 0: the subscription ends after the last
 * event with time <= until (immediately if until has passed, after the
 * replay). FILTER is moved into the subscription. NULL after shutdown. */
struct rt_event_sub *rt_events_subscribe(struct rt_events *bus, long long since_ns,
                                         long long until_ns, struct rt_event_filter *filter);
/* Next event: 1 and *OUT (a reference: rt_event_unref it), 0 on timeout,
 * -1 when the subscription ended (shutdown, dropped, or until reached). */
int rt_event_sub_next(struct rt_event_sub *sub, int timeout_ms, struct rt_event **out);
/* Was the subscription dropped for being too slow? */
bool rt_event_sub_dropped(const struct rt_event_sub *sub);
void rt_events_unsubscribe(struct rt_event_sub *sub);
size_t rt_events_nsubscribers(struct rt_events *bus);

void rt_event_unref(struct rt_event *ev);

/* Current unix time in ns. */
long long rt_events_now_ns(void);

#endif
