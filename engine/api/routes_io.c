/* POST /containers/{id}/attach (hijacked stream of live output) and
 * GET /containers/{id}/logs (the json-file log, optionally followed). */
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/api/hijack.h"
#include "engine/attach.h"
#include "engine/containers.h"
#include "engine/ctr_events.h"
#include "engine/logs.h"
#include "jsonutil.h"

/* How often a followed log with nothing new looks again. */
#define FOLLOW_POLL_MS 100

/* The container view (404 in RESP if unknown). */
static json_t *view(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = rt_ctr_store_default();
    if (!s) {
        rt_resp_error(resp, RT_ERR_UNAVAILABLE, "container store not ready");
        return NULL;
    }
    struct rt_err err = {0};
    json_t *v = rt_ctr_view(s, req->params[0], &err);
    if (!v) {
        rt_resp_err(resp, &err);
        rt_err_clear(&err);
    }
    return v;
}

static bool view_tty(const json_t *v) { return rt_json_bool(json_object_get(v, "Config"), "Tty", 0); }

static void attach(struct rt_req *req, struct rt_resp *resp)
{
    json_t *v = view(req, resp);
    if (!v) return;
    bool tty = view_tty(v);
    struct rt_attach_sub *sub =
        rt_attach_subscribe(rt_json_str(v, "Id", ""), rt_req_query_bool(req, "stdout"),
                            rt_req_query_bool(req, "stderr"), tty);
    if (!sub) {
        json_decref(v);
        rt_resp_error(resp, RT_ERR_UNAVAILABLE, "engine is shutting down");
        return;
    }
    /* dockerd logs `attach` when the streams are set up (no container
     * lock: a start in progress holds it). */
    rt_ctr_event_id(rt_json_str(v, "Id", ""), "attach", NULL);
    rt_resp_attach_stream(req, resp, sub, rt_attach_media_type(req, tty));
    json_decref(v);
}

/* ---- logs ---- */

struct logstream {
    FILE *f;
    char *path, id[65];
    struct rt_logs_opts o;
    bool follow, last_pass;
    int fd;                /* client socket, to notice a hang-up */
    char *pending;
    size_t len, off;
};

static bool still_running(const char *id)
{
    struct rt_err err = {0};
    json_t *v = rt_ctr_view(rt_ctr_store_default(), id, &err);
    rt_err_clear(&err);
    bool r = v && rt_json_bool(json_object_get(v, "State"), "Running", 0);
    json_decref(v);
    return r;
}

static bool client_gone(int fd)
{
    if (fd < 0) return false;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

/* The next rendered line into ST->pending; false at the end. */
static bool next_line(struct logstream *st)
{
    char *line = NULL;
    size_t cap = 0;
    for (;;) {
        if (!st->f) st->f = rt_logs_open(st->path, &st->o); /* created at first start */
        long at = st->f ? ftell(st->f) : 0;
        ssize_t n = st->f ? getline(&line, &cap, st->f) : -1;
        if (n > 0 && line[n - 1] == '\n') {
            free(st->pending);
            st->pending = NULL;
            if (rt_logs_render(line, &st->o, &st->pending, &st->len)) {
                st->off = 0;
                free(line);
                return true;
            }
            continue;
        }
        if (st->f) { /* EOF or a line still being written: read it again later */
            clearerr(st->f);
            fseek(st->f, at, SEEK_SET);
        }
        if (!st->follow || st->last_pass || client_gone(st->fd)) break;
        /* The drain flushes the last lines before the container is marked
         * stopped: one more pass after that sees everything. */
        if (!still_running(st->id)) {
            st->last_pass = true;
            continue;
        }
        poll(NULL, 0, FOLLOW_POLL_MS);
    }
    free(line);
    return false;
}

static ssize_t logs_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct logstream *st = ctx;
    if (st->off >= st->len && !next_line(st)) return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = st->len - st->off;
    if (n > max) n = max;
    memcpy(buf, st->pending + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void logs_free(void *ctx)
{
    struct logstream *st = ctx;
    if (st->f) fclose(st->f);
    free(st->path);
    free(st->pending);
    free(st);
}

static void logs(struct rt_req *req, struct rt_resp *resp)
{
    json_t *v = view(req, resp);
    if (!v) return;
    struct logstream *st = calloc(1, sizeof *st);
    if (!st) {
        json_decref(v);
        return rt_resp_error(resp, RT_ERR_SYSTEM, "out of memory");
    }
    st->o.out = rt_req_query_bool(req, "stdout");
    st->o.err = rt_req_query_bool(req, "stderr");
    st->o.timestamps = rt_req_query_bool(req, "timestamps");
    st->o.raw = view_tty(v);
    st->follow = rt_req_query_bool(req, "follow");
    st->o.tail = -1;
    st->fd = -1;
    const char *tail = rt_req_query(req, "tail"), *since = rt_req_query(req, "since"),
               *until = rt_req_query(req, "until");
    if (tail && *tail && strcmp(tail, "all")) {
        char *end;
        long t = strtol(tail, &end, 10);
        st->o.tail = *end || t < 0 ? -1 : t; /* dockerd: anything else means all */
    }
    const char *bad = NULL;
    if (since && *since && rt_parse_unix_ts(since, &st->o.since_ns) < 0) bad = since;
    if (until && *until && rt_parse_unix_ts(until, &st->o.until_ns) < 0) bad = until;
    snprintf(st->id, sizeof st->id, "%s", rt_json_str(v, "Id", ""));
    const char *ctype = rt_attach_media_type(req, st->o.raw);
    json_decref(v);
    if (!st->o.out && !st->o.err) {
        logs_free(st);
        return rt_resp_error(resp, RT_ERR_INVALID, "Bad parameters: you must choose at least one stream");
    }
    if (bad) {
        logs_free(st);
        return rt_resp_error(resp, RT_ERR_INVALID, "failed to parse value %s as a timestamp", bad);
    }
    if (asprintf(&st->path, "%s/%s/%s-json.log", rt_ctr_store_root(rt_ctr_store_default()), st->id, st->id) < 0) {
        st->path = NULL;
        logs_free(st);
        return rt_resp_error(resp, RT_ERR_SYSTEM, "out of memory");
    }
    if (req->conn) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci) st->fd = ci->connect_fd;
    }
    resp->status = 200;
    resp->content_type = ctype;
    resp->stream = logs_read;
    resp->stream_ctx = st;
    resp->stream_free = logs_free;
}

const struct rt_route rt_routes_io[] = {
    {"POST", "/containers/{id}/attach", attach, 0},
    {"GET", "/containers/{id}/logs", logs, 0},
    {NULL, NULL, NULL, 0},
};
