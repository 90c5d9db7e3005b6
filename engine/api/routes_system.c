/* /_ping, /version, /info. */

#include "engine/api/http.h"
#include "engine/sysinfo.h"

static void ping(struct rt_req *req, struct rt_resp *resp)
{
    (void)req;
    rt_resp_text(resp, 200, "text/plain; charset=utf-8", "OK");
    rt_resp_header(resp, "Cache-Control", "no-cache, no-store, must-revalidate");
    rt_resp_header(resp, "Pragma", "no-cache");
    rt_resp_header(resp, "Builder-Version", "1");
}

static void version(struct rt_req *req, struct rt_resp *resp)
{
    rt_resp_json(resp, 200, rt_engine_version_json(req->engine));
}

static void info(struct rt_req *req, struct rt_resp *resp)
{
    rt_resp_json(resp, 200, rt_engine_info_json(req->engine, req->api_minor));
}

const struct rt_route rt_routes_system[] = {
    {"GET", "/_ping", ping, 0},
    {"GET", "/version", version, 0},
    {"GET", "/info", info, 0},
    {NULL, NULL, NULL, 0},
};
