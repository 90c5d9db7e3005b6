/* GET /events: the event bus as a stream of JSON lines (dockerd format),
 * with since / until / filters (type, event, container). */
#include <microhttpd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "engine/api/hijack.h" /* rt_parse_unix_ts */
#include "engine/api/http.h"
#include "engine/events.h"
#include "jsonutil.h"

/* How often a stream with no events checks for shutdown and a gone client. */
#define IDLE_CHECK_MS 500

struct stream {
    struct rt_event_sub *sub;
    int fd;            /* client socket, to notice a hang-up while idle */
    char *pending;     /* serialized event not yet fully handed to MHD */
    size_t len, off;
};

/* One filter key: ["a","b"] or the legacy {"a":true} form -> array. */
static json_t *filter_values(json_t *v)
{
    json_t *out = json_array();
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (json_is_string(x)) json_array_append(out, x);
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) if (json_is_true(x)) json_array_append_new(out, json_string(k));
    }
    return out;
}

static int parse_filters(const char *text, struct rt_event_filter *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (!text || !*text) return 0;
    json_t *j = rt_json_parse(text, strlen(text), err, errlen);
    if (!j || !json_is_object(j)) {
        if (j) snprintf(err, errlen, "invalid filter: not an object");
        json_decref(j);
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        if (!strcmp(k, "type")) f->types = filter_values(v);
        else if (!strcmp(k, "event")) f->actions = filter_values(v);
        else if (!strcmp(k, "container")) f->containers = filter_values(v);
        else {
            snprintf(err, errlen, "invalid filter '%s'", k);
            json_decref(j);
            rt_event_filter_free(f);
            return -1;
        }
    }
    json_decref(j);
    return 0;
}

static bool client_gone(int fd)
{
    if (fd < 0) return false;
    struct pollfd p = {.fd = fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static ssize_t produce(void *ctx, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *st = ctx;
    while (st->off == st->len) {
        struct rt_event *ev;
        int rc = rt_event_sub_next(st->sub, IDLE_CHECK_MS, &ev);
        if (rc < 0) return -1; /* shutdown, until reached, or dropped as too slow */
        if (rc == 0) {
            if (client_gone(st->fd)) return -1;
            continue;
        }
        json_t *j = rt_event_json(ev);
        rt_event_unref(ev);
        char *s = rt_json_dump(j);
        json_decref(j);
        if (!s) continue;
        free(st->pending);
        st->len = strlen(s);
        st->pending = realloc(s, st->len + 2);
        st->pending[st->len++] = '\n';
        st->off = 0;
    }
    size_t n = st->len - st->off;
    if (n > max) n = max;
    memcpy(buf, st->pending + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void stream_free(void *ctx)
{
    struct stream *st = ctx;
    rt_events_unsubscribe(st->sub);
    free(st->pending);
    free(st);
}

static void events(struct rt_req *req, struct rt_resp *resp)
{
    long long since = -1, until = -1;
    const char *s = rt_req_query(req, "since"), *u = rt_req_query(req, "until");
    if (s && *s && rt_parse_unix_ts(s, &since) < 0) {
        rt_resp_error(resp, RT_ERR_INVALID, "failed to parse value %s as a timestamp", s);
        return;
    }
    if (u && *u && rt_parse_unix_ts(u, &until) < 0) {
        rt_resp_error(resp, RT_ERR_INVALID, "failed to parse value %s as a timestamp", u);
        return;
    }
    char err[512];
    struct rt_event_filter f;
    if (parse_filters(rt_req_query(req, "filters"), &f, err, sizeof err) < 0) {
        rt_resp_error(resp, RT_ERR_INVALID, "%s", err);
        return;
    }
    if (!req->engine->events) {
        rt_event_filter_free(&f);
        rt_resp_error(resp, RT_ERR_UNAVAILABLE, "events are not available");
        return;
    }
    struct rt_event_sub *sub = rt_events_subscribe(req->engine->events, since, until, &f);
    rt_event_filter_free(&f);
    if (!sub) {
        rt_resp_error(resp, RT_ERR_UNAVAILABLE, "engine is shutting down");
        return;
    }
    struct stream *st = calloc(1, sizeof *st);
    st->sub = sub;
    st->fd = -1;
    if (req->conn) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci) st->fd = ci->connect_fd;
    }
    resp->status = 200;
    resp->content_type = "application/json";
    resp->stream = produce;
    resp->stream_ctx = st;
    resp->stream_free = stream_free;
}

const struct rt_route rt_routes_events[] = {
    {"GET", "/events", events, 0},
    {NULL, NULL, NULL, 0},
};
