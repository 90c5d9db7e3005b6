/* Route matching: "/containers/{id}/start" patterns; 404 "page not found"
 * for unknown paths and for known paths with another method (dockerd 26
 * routes both to its not-found handler; observed on 26.1.5). */
#include <stdlib.h>
#include <string.h>

#include "engine/api/http.h"

/* Every route table of the engine; add a routes_*.c table here. */
static const struct rt_route *const tables[] = {
    rt_routes_system,
    rt_routes_events,
    rt_routes_containers,
    rt_routes_images,
    rt_routes_lifecycle,
    rt_routes_io,
    rt_routes_exec,
};

/* Match PATH against PATTERN; captures go to REQ (if non-NULL). */
static bool match(const char *pattern, const char *path, struct rt_req *req)
{
    const char *p = pattern, *s = path;
    size_t n = 0;
    char *caps[RT_MAX_PATH_PARAMS];
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            size_t seg = strcspn(s, "/");
            if (!pe || seg == 0 || n == RT_MAX_PATH_PARAMS) goto fail;
            caps[n++] = strndup(s, seg);
            p = pe + 1;
            s += seg;
        } else if (*p++ != *s++) {
            goto fail;
        }
    }
    /* tolerate one trailing slash on the request */
    if (*p || (*s && strcmp(s, "/"))) goto fail;
    if (req) {
        for (size_t i = 0; i < n; i++) req->params[i] = caps[i];
        req->nparams = n;
    } else {
        for (size_t i = 0; i < n; i++) free(caps[i]);
    }
    return true;
fail:
    for (size_t i = 0; i < n; i++) free(caps[i]);
    return false;
}

static const struct rt_route *find(const char *method, const char *path, bool *path_known)
{
    *path_known = false;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const struct rt_route *r = tables[t]; r->fn; r++) {
            if (!match(r->pattern, path, NULL)) continue;
            *path_known = true;
            if (!strcmp(r->method, method) || (!strcmp(method, "HEAD") && !strcmp(r->method, "GET")))
                return r;
        }
    return NULL;
}

size_t rt_router_max_body(const char *method, const char *path)
{
    bool known;
    const struct rt_route *r = find(method, path, &known);
    return r && r->max_body ? r->max_body : RT_DEFAULT_MAX_BODY;
}

bool rt_router_json_body(const char *method, const char *path)
{
    bool known;
    const struct rt_route *r = find(method, path, &known);
    return r && !r->max_body;
}

void rt_router_dispatch(struct rt_req *req, struct rt_resp *resp)
{
    bool known;
    const struct rt_route *r = find(req->method, req->path, &known);
    if (!r) {
        rt_resp_error(resp, RT_ERR_NOT_FOUND, "page not found");
        return;
    }
    match(r->pattern, req->path, req);
    r->fn(req, resp);
}
