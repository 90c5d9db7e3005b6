/* /containers/{id}/{stop,kill,wait,restart}: the running-task operations of
 * the shim manager (engine/shims.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/api/http.h"
#include "engine/containers.h"
#include "engine/ctr_events.h"
#include "engine/shims.h"

static struct rt_ctr_store *store(struct rt_resp *resp)
{
    struct rt_ctr_store *s = rt_ctr_store_default();
    if (!s) rt_resp_error(resp, RT_ERR_UNAVAILABLE, "container store not ready");
    return s;
}

static void reply_err(struct rt_resp *resp, struct rt_err *err)
{
    if (err->cls == RT_ERR_NOT_MODIFIED) rt_resp_status(resp, 304);
    else rt_resp_err(resp, err);
    rt_err_clear(err);
}

/* ?t=N (v1.42+ also ?timeout=N); -1 when absent. */
static int stop_timeout(const struct rt_req *req)
{
    const char *t = rt_req_query(req, "t");
    if (!t) t = rt_req_query(req, "timeout");
    return t && *t ? atoi(t) : -1;
}

static void stop(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = store(resp);
    if (!s) return;
    struct rt_err err = {0};
    if (rt_shims_stop(s, req->params[0], stop_timeout(req), &err) < 0) return reply_err(resp, &err);
    rt_ctr_event_id(req->params[0], "stop", NULL);
    rt_resp_status(resp, 204);
}

static void kill_ctr(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = store(resp);
    if (!s) return;
    const char *name = rt_req_query(req, "signal");
    int sig = name && *name ? rt_signal_parse(name) : 9;
    if (sig < 0) {
        rt_resp_error(resp, RT_ERR_INVALID, "Invalid signal: %s", name);
        return;
    }
    struct rt_err err = {0};
    if (rt_shims_kill(s, req->params[0], sig, &err) < 0) return reply_err(resp, &err);
    rt_resp_status(resp, 204);
}

/* Body of POST /wait: MHD sends the headers before it first asks for body
 * bytes, so blocking here leaves the client with a 200 and an open body. */
static ssize_t wait_stream(void *ctx, uint64_t pos, char *buf, size_t max)
{
    struct rt_wait_ticket *t = ctx;
    (void)pos;
    if (t->seq0 == (unsigned long)-1) return -1; /* MHD_CONTENT_READER_END_OF_STREAM */
    rt_shims_wait_finish(t);
    t->seq0 = (unsigned long)-1;
    /* dockerd 26 omits a nil Error (omitempty) */
    int n = snprintf(buf, max, "{\"StatusCode\":%d}\n", t->exit_code);
    return n < (int)max ? n : (ssize_t)max;
}

static void wait_ctr(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = store(resp);
    if (!s) return;
    const char *c = rt_req_query(req, "condition");
    enum rt_wait_cond cond = RT_WAIT_NOT_RUNNING;
    if (c && !strcmp(c, "next-exit")) cond = RT_WAIT_NEXT_EXIT;
    else if (c && !strcmp(c, "removed")) cond = RT_WAIT_REMOVED;
    else if (c && *c && strcmp(c, "not-running")) {
        rt_resp_error(resp, RT_ERR_INVALID, "invalid condition: \"%s\"", c);
        return;
    }
    struct rt_err err = {0};
    struct rt_wait_ticket *t = malloc(sizeof *t);
    if (!t) return rt_resp_error(resp, RT_ERR_SYSTEM, "out of memory");
    if (rt_shims_wait_begin(s, req->params[0], cond, t, &err) < 0) {
        free(t);
        return reply_err(resp, &err);
    }
    /* Like dockerd: the status line and headers go out at once, the body
     * when the condition holds. The docker CLI waits for the headers before
     * it sends the start of `docker run`. */
    resp->status = 200;
    resp->content_type = "application/json";
    resp->stream = wait_stream;
    resp->stream_ctx = t;
    resp->stream_free = free;
}

static void restart(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = store(resp);
    if (!s) return;
    struct rt_err err = {0};
    if (rt_shims_stop(s, req->params[0], stop_timeout(req), &err) < 0 && err.cls != RT_ERR_NOT_MODIFIED)
        return reply_err(resp, &err);
    rt_err_clear(&err);
    if (rt_ctr_start(s, req->params[0], RT_START_API, &err) < 0) return reply_err(resp, &err);
    rt_ctr_event_id(req->params[0], "restart", NULL);
    rt_resp_status(resp, 204);
}

const struct rt_route rt_routes_lifecycle[] = {
    {"POST", "/containers/{id}/stop", stop, 0},
    {"POST", "/containers/{id}/kill", kill_ctr, 0},
    {"POST", "/containers/{id}/wait", wait_ctr, 0},
    {"POST", "/containers/{id}/restart", restart, 0},
    {NULL, NULL, NULL, 0},
};
