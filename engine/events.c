/* Event bus: one mutex for the bus, a condvar per subscriber. */
#include "engine/events.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rt_event_sub {
    struct rt_events *bus;
    struct rt_event_sub *next;
    pthread_cond_t cond;
    struct rt_event **q;       /* ring of undelivered events */
    size_t head, len, cap;
    struct rt_event_filter filter;
    long long until_ns;        /* -1 = none */
    bool dropped, closed;
};

struct rt_events {
    pthread_mutex_t mu;
    struct rt_event **ring;    /* recent events, oldest at ring_head */
    size_t ring_head, ring_len, ring_cap;
    size_t sub_cap;
    struct rt_event_sub *subs;
    size_t nsubs;
    long long last_ns;
    bool shutdown;
};

long long rt_events_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void rt_event_unref(struct rt_event *ev)
{
    if (!ev || __atomic_sub_fetch(&ev->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    free(ev->type);
    free(ev->action);
    free(ev->actor_id);
    json_decref(ev->attrs);
    free(ev);
}

static struct rt_event *event_ref(struct rt_event *ev)
{
    __atomic_add_fetch(&ev->refs, 1, __ATOMIC_ACQ_REL);
    return ev;
}

/* ---- JSON ------------------------------------------------------------------ */
/* Go marshals map[string]string with sorted keys. */
static json_t *sorted_attrs(json_t *attrs)
{
    size_t n = attrs ? json_object_size(attrs) : 0;
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    size_t i = 0;
    const char *k;
    json_t *v;
    if (attrs) json_object_foreach(attrs, k, v) keys[i++] = k;
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
            const char *t = keys[b];
            keys[b] = keys[b - 1];
            keys[b - 1] = t;
        }
    json_t *out = json_object();
    for (i = 0; i < n; i++) json_object_set(out, keys[i], json_object_get(attrs, keys[i]));
    free(keys);
    return out;
}

json_t *rt_event_json(const struct rt_event *ev)
{
    json_t *o = json_object();
    /* Deprecated fields dockerd still fills for container and image events
     * (omitempty, so absent elsewhere). */
    bool legacy = !strcmp(ev->type, "container") || !strcmp(ev->type, "image");
    if (legacy) {
        json_object_set_new(o, "status", json_string(ev->action));
        if (*ev->actor_id) json_object_set_new(o, "id", json_string(ev->actor_id));
        const char *from = json_string_value(json_object_get(ev->attrs, "image"));
        if (!strcmp(ev->type, "container") && from && *from) json_object_set_new(o, "from", json_string(from));
    }
    json_object_set_new(o, "Type", json_string(ev->type));
    json_object_set_new(o, "Action", json_string(ev->action));
    json_object_set_new(o, "Actor", json_pack("{s:s, s:o}", "ID", ev->actor_id, "Attributes",
                                              sorted_attrs(ev->attrs)));
    json_object_set_new(o, "scope", json_string("local"));
    json_object_set_new(o, "time", json_integer(ev->time_nano / 1000000000LL));
    json_object_set_new(o, "timeNano", json_integer(ev->time_nano));
    return o;
}

/* ---- filters ---------------------------------------------------------------- */
static bool in_list(const json_t *list, const char *s)
{
    if (!list || json_array_size(list) == 0) return true;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (s && !strcmp(json_string_value(v), s)) return true;
    return false;
}

/* dockerd (events/filter.go matchEvent): when the event filter names
 * exec_create, exec_start or health_status (whose actions carry a ": ..."
 * suffix), every value matches as a prefix; otherwise exactly. */
static bool action_match(const json_t *list, const char *action)
{
    static const char *const fuzzy[] = {"exec_create", "exec_start", "health_status"};
    bool prefix = false;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) for (size_t k = 0; k < 3; k++) prefix |= !strcmp(json_string_value(v), fuzzy[k]);
    if (!prefix) return in_list(list, action);
    if (!list || json_array_size(list) == 0) return true;
    json_array_foreach(list, i, v) if (!strncmp(action, json_string_value(v), strlen(json_string_value(v)))) return true;
    return false;
}

bool rt_event_filter_match(const struct rt_event_filter *f, const struct rt_event *ev)
{
    if (!f) return true;
    if (!in_list(f->types, ev->type) || !action_match(f->actions, ev->action)) return false;
    if (f->containers && json_array_size(f->containers)) {
        /* dockerd: container=<id or name> only matches container events */
        if (strcmp(ev->type, "container")) return false;
        const char *name = json_string_value(json_object_get(ev->attrs, "name"));
        size_t i;
        json_t *v;
        bool hit = false;
        json_array_foreach(f->containers, i, v) {
            const char *want = json_string_value(v);
            if (!want) continue;
            if (!strcmp(want, ev->actor_id) || (name && !strcmp(want, name)) ||
                (strlen(want) >= 1 && !strncmp(ev->actor_id, want, strlen(want))))
                hit = true;
        }
        if (!hit) return false;
    }
    return true;
}

void rt_event_filter_free(struct rt_event_filter *f)
{
    if (!f) return;
    json_decref(f->types);
    json_decref(f->actions);
    json_decref(f->containers);
    memset(f, 0, sizeof *f);
}

/* ---- bus --------------------------------------------------------------------- */
struct rt_events *rt_events_new(size_t ring_cap, size_t sub_cap)
{
    struct rt_events *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    pthread_mutex_init(&b->mu, NULL);
    b->ring_cap = ring_cap ? ring_cap : 1;
    b->ring = calloc(b->ring_cap, sizeof *b->ring);
    b->sub_cap = sub_cap ? sub_cap : 1;
    return b;
}

static void sub_close_locked(struct rt_event_sub *s)
{
    s->closed = true;
    pthread_cond_broadcast(&s->cond);
}

void rt_events_shutdown(struct rt_events *bus)
{
    pthread_mutex_lock(&bus->mu);
    bus->shutdown = true;
    for (struct rt_event_sub *s = bus->subs; s; s = s->next) sub_close_locked(s);
    pthread_mutex_unlock(&bus->mu);
}

void rt_events_free(struct rt_events *bus)
{
    if (!bus) return;
    /* subscribers must be gone (the HTTP server is stopped first) */
    for (size_t i = 0; i < bus->ring_len; i++)
        rt_event_unref(bus->ring[(bus->ring_head + i) % bus->ring_cap]);
    free(bus->ring);
    pthread_mutex_destroy(&bus->mu);
    free(bus);
}

size_t rt_events_nsubscribers(struct rt_events *bus)
{
    pthread_mutex_lock(&bus->mu);
    size_t n = bus->nsubs;
    pthread_mutex_unlock(&bus->mu);
    return n;
}

static bool sub_push_locked(struct rt_event_sub *s, struct rt_event *ev)
{
    if (s->len == s->cap) return false;
    s->q[(s->head + s->len) % s->cap] = event_ref(ev);
    s->len++;
    return true;
}

long long rt_events_publish(struct rt_events *bus, const char *type, const char *action,
                            const char *actor_id, json_t *attrs)
{
    struct rt_event *ev = calloc(1, sizeof *ev);
    if (!ev) {
        json_decref(attrs);
        return -1;
    }
    ev->type = strdup(type);
    ev->action = strdup(action);
    ev->actor_id = strdup(actor_id ? actor_id : "");
    ev->attrs = attrs ? attrs : json_object();
    ev->refs = 1;

    pthread_mutex_lock(&bus->mu);
    /* Stamp under the lock so ring order, delivery order and time agree. */
    long long now = rt_events_now_ns();
    ev->time_nano = now > bus->last_ns ? now : bus->last_ns + 1;
    bus->last_ns = ev->time_nano;
    if (bus->ring_len == bus->ring_cap) {
        rt_event_unref(bus->ring[bus->ring_head]);
        bus->ring_head = (bus->ring_head + 1) % bus->ring_cap;
        bus->ring_len--;
    }
    bus->ring[(bus->ring_head + bus->ring_len++) % bus->ring_cap] = event_ref(ev);
    for (struct rt_event_sub *s = bus->subs; s; s = s->next) {
        if (s->closed || !rt_event_filter_match(&s->filter, ev)) continue;
        if (s->until_ns >= 0 && ev->time_nano > s->until_ns) continue;
        if (!sub_push_locked(s, ev)) {
            /* Too slow: drop the subscriber rather than wait or lose events
             * silently in the middle of its stream. */
            s->dropped = true;
            sub_close_locked(s);
            continue;
        }
        pthread_cond_signal(&s->cond);
    }
    long long t = ev->time_nano;
    pthread_mutex_unlock(&bus->mu);
    rt_event_unref(ev);
    return t;
}

struct rt_event_sub *rt_events_subscribe(struct rt_events *bus, long long since_ns,
                                         long long until_ns, struct rt_event_filter *filter)
{
    struct rt_event_sub *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->bus = bus;
    s->until_ns = until_ns;
    if (filter) {
        s->filter = *filter;
        memset(filter, 0, sizeof *filter);
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);

    pthread_mutex_lock(&bus->mu);
    if (bus->shutdown) {
        pthread_mutex_unlock(&bus->mu);
        pthread_cond_destroy(&s->cond);
        rt_event_filter_free(&s->filter);
        free(s);
        return NULL;
    }
    /* The replay may hold the whole ring on top of the live bound. */
    s->cap = bus->sub_cap + (since_ns >= 0 ? bus->ring_len : 0);
    s->q = calloc(s->cap, sizeof *s->q);
    if (since_ns >= 0)
        for (size_t i = 0; i < bus->ring_len; i++) {
            struct rt_event *ev = bus->ring[(bus->ring_head + i) % bus->ring_cap];
            if (ev->time_nano < since_ns || (until_ns >= 0 && ev->time_nano > until_ns)) continue;
            if (rt_event_filter_match(&s->filter, ev)) sub_push_locked(s, ev);
        }
    s->next = bus->subs;
    bus->subs = s;
    bus->nsubs++;
    pthread_mutex_unlock(&bus->mu);
    return s;
}

static void add_ms(struct timespec *ts, long long ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) ts->tv_sec++, ts->tv_nsec -= 1000000000L;
}

int rt_event_sub_next(struct rt_event_sub *s, int timeout_ms, struct rt_event **out)
{
    struct rt_events *bus = s->bus;
    *out = NULL;
    pthread_mutex_lock(&bus->mu);
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    add_ms(&dl, timeout_ms);
    int rc = 0;
    for (;;) {
        if (s->len) {
            *out = s->q[s->head];
            s->head = (s->head + 1) % s->cap;
            s->len--;
            rc = 1;
            break;
        }
        if (s->closed) {
            rc = -1;
            break;
        }
        long long now = rt_events_now_ns();
        if (s->until_ns >= 0 && now > s->until_ns) {
            rc = -1;
            break;
        }
        struct timespec wake = dl;
        if (s->until_ns >= 0) {
            /* wake up when `until` passes, even without events */
            struct timespec u;
            clock_gettime(CLOCK_MONOTONIC, &u);
            add_ms(&u, (s->until_ns - now) / 1000000 + 1);
            if (u.tv_sec < wake.tv_sec || (u.tv_sec == wake.tv_sec && u.tv_nsec < wake.tv_nsec)) wake = u;
        }
        int w = pthread_cond_timedwait(&s->cond, &bus->mu, &wake);
        if (w == ETIMEDOUT) {
            struct timespec n2;
            clock_gettime(CLOCK_MONOTONIC, &n2);
            if (n2.tv_sec > dl.tv_sec || (n2.tv_sec == dl.tv_sec && n2.tv_nsec >= dl.tv_nsec)) {
                if (s->len) continue;
                if (s->until_ns >= 0 && rt_events_now_ns() > s->until_ns) rc = -1;
                break;
            }
        }
    }
    pthread_mutex_unlock(&bus->mu);
    return rc;
}

bool rt_event_sub_dropped(const struct rt_event_sub *s)
{
    pthread_mutex_lock(&s->bus->mu);
    bool d = s->dropped;
    pthread_mutex_unlock(&s->bus->mu);
    return d;
}

void rt_events_unsubscribe(struct rt_event_sub *s)
{
    if (!s) return;
    struct rt_events *bus = s->bus;
    pthread_mutex_lock(&bus->mu);
    for (struct rt_event_sub **pp = &bus->subs; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            bus->nsubs--;
            break;
        }
    pthread_mutex_unlock(&bus->mu);
    while (s->len) {
        rt_event_unref(s->q[s->head]);
        s->head = (s->head + 1) % s->cap;
        s->len--;
    }
    free(s->q);
    pthread_cond_destroy(&s->cond);
    rt_event_filter_free(&s->filter);
    free(s);
}
