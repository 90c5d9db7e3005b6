/* Exec routes: POST /containers/{id}/exec, POST /exec/{id}/start,
 * GET /exec/{id}/json (engine/execs.h). */
#include <stdlib.h>
#include <string.h>

#include "engine/api/hijack.h"
#include "engine/containers.h"
#include "engine/execs.h"
#include "jsonutil.h"

static void reply_err(struct rt_resp *resp, struct rt_err *err)
{
    rt_resp_err(resp, err);
    rt_err_clear(err);
}

/* The request body as a JSON object (400 in RESP otherwise; an empty body
 * is an empty object). */
static json_t *body_object(struct rt_req *req, struct rt_resp *resp)
{
    if (req->body_len == 0) return json_object();
    char err[256];
    json_t *b = rt_json_parse(req->body, req->body_len, err, sizeof err);
    if (!json_is_object(b)) {
        json_decref(b);
        rt_resp_error(resp, RT_ERR_INVALID, "%s", b ? "json: cannot unmarshal into Go value: not an object" : err);
        return NULL;
    }
    return b;
}

static void create(struct rt_req *req, struct rt_resp *resp)
{
    json_t *b = body_object(req, resp);
    if (!b) return;
    struct rt_err err = {0};
    char id[65];
    int rc = rt_exec_create(rt_ctr_store_default(), req->params[0], b, id, &err);
    json_decref(b);
    if (rc < 0) return reply_err(resp, &err);
    rt_resp_json(resp, 201, json_pack("{s:s}", "Id", id));
}

static void start(struct rt_req *req, struct rt_resp *resp)
{
    json_t *b = body_object(req, resp);
    if (!b) return;
    bool detach = rt_json_bool(b, "Detach", 0);
    json_decref(b);
    struct rt_err err = {0};
    struct rt_attach_sub *sub = NULL;
    bool tty = false;
    if (rt_exec_start(req->params[0], detach, detach ? NULL : &sub, &tty, &err) < 0) return reply_err(resp, &err);
    if (detach) return rt_resp_status(resp, 200);
    rt_resp_attach_stream(req, resp, sub, rt_attach_media_type(req, tty));
}

static void inspect(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_err err = {0};
    json_t *v = rt_exec_inspect(req->params[0], &err);
    if (!v) return reply_err(resp, &err);
    rt_resp_json(resp, 200, v);
}

const struct rt_route rt_routes_exec[] = {
    {"POST", "/containers/{id}/exec", create, 0},
    {"POST", "/exec/{id}/start", start, 0},
    {"GET", "/exec/{id}/json", inspect, 0},
    {NULL, NULL, NULL, 0},
};
