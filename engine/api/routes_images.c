/* /images routes: import (fromSrc=-), list, inspect, delete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/api/http.h"
#include "engine/containers.h"
#include "engine/images.h"

#define IMPORT_MAX_BODY (512u << 20)

static struct rt_img_store *store(struct rt_resp *resp)
{
    struct rt_img_store *s = rt_img_store_default();
    if (!s) rt_resp_error(resp, RT_ERR_UNAVAILABLE, "image store not ready");
    return s;
}

static void create(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_img_store *s = store(resp);
    if (!s) return;
    const char *src = rt_req_query(req, "fromSrc");
    if (!src || strcmp(src, "-")) {
        if (rt_req_query(req, "fromImage"))
            rt_resp_error(resp, RT_ERR_NOT_IMPL, "pulling images is not supported by rtengined; use docker import");
        else
            rt_resp_error(resp, RT_ERR_INVALID, "only fromSrc=- (import from the request body) is supported");
        return;
    }
    struct rt_err err = {0};
    char id[72];
    if (rt_img_import(s, req->body, req->body_len, rt_req_query(req, "repo"), rt_req_query(req, "tag"),
                      rt_req_query(req, "message"), id, &err) < 0) {
        rt_resp_err(resp, &err);
        rt_err_clear(&err);
        return;
    }
    rt_resp_json(resp, 200, json_pack("{s:s}", "status", id));
}

/* dockerd answers with a JSON message stream; quiet=1 sends the same. */
static void load(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_img_store *s = store(resp);
    if (!s) return;
    struct rt_err err = {0};
    json_t *msgs = rt_img_load(s, req->body, req->body_len, &err);
    if (!msgs) {
        rt_resp_err(resp, &err);
        rt_err_clear(&err);
        return;
    }
    char *text = NULL;
    size_t tlen = 0;
    FILE *m = open_memstream(&text, &tlen);
    size_t i;
    json_t *v;
    json_array_foreach(msgs, i, v) {
        char *line = json_dumps(v, JSON_COMPACT);
        if (m && line) fprintf(m, "%s\n", line);
        free(line);
    }
    if (m) fclose(m);
    json_decref(msgs);
    rt_resp_text(resp, 200, "application/json", text ? text : "");
    free(text);
}

static void list(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_img_store *s = store(resp);
    if (s) rt_resp_json(resp, 200, rt_img_list(s));
}

static void inspect(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_img_store *s = store(resp);
    if (!s) return;
    struct rt_err err = {0};
    json_t *v = rt_img_inspect(s, req->params[0], &err);
    if (!v) {
        rt_resp_err(resp, &err);
        rt_err_clear(&err);
        return;
    }
    rt_resp_json(resp, 200, v);
}

static void delete_img(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_img_store *s = store(resp);
    if (!s) return;
    struct rt_err err = {0};
    json_t *v = rt_img_delete(s, req->params[0], rt_req_query_bool(req, "force"), rt_ctr_store_default(), &err);
    if (!v) {
        rt_resp_err(resp, &err);
        rt_err_clear(&err);
        return;
    }
    rt_resp_json(resp, 200, v);
}

const struct rt_route rt_routes_images[] = {
    {"POST", "/images/create", create, IMPORT_MAX_BODY},
    {"POST", "/images/load", load, IMPORT_MAX_BODY},
    {"GET", "/images/json", list, 0},
    {"GET", "/images/{name}/json", inspect, 0},
    {"DELETE", "/images/{name}", delete_img, 0},
    {NULL, NULL, NULL, 0},
};
