/* Engine API over HTTP on a unix socket (libmicrohttpd), and the router. */
#ifndef RT_API_HTTP_H
#define RT_API_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "engine/errdefs.h"

#define RT_MAX_PATH_PARAMS 4
#define RT_DEFAULT_MAX_BODY (1u << 20) /* 1 MiB for JSON bodies */

struct MHD_Connection;

struct rt_req {
    struct rt_engine *engine;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;          /* without the /v1.NN prefix */
    int api_minor;             /* 1.<api_minor>: requested or current */
    bool versioned;            /* path had a /v1.NN prefix */
    char *params[RT_MAX_PATH_PARAMS]; /* {x} captures, in order */
    size_t nparams;
    const char *body;
    size_t body_len;
    /* No connection (dispatch_raw.c): decoded query, key, value, ..., NULL. */
    const char *const *query_kv;
};

/* Streaming body producer (for /events, logs, ...): like MHD's content reader;
 * return bytes written, 0 never, -1 at end (MHD_CONTENT_READER_END_OF_STREAM). */
typedef ssize_t (*rt_stream_fn)(void *ctx, uint64_t pos, char *buf, size_t max);

struct rt_resp {
    int status;
    json_t *json;              /* owned; serialized compactly with "\n" */
    char *text;                /* owned; raw body */
    size_t text_len;
    const char *content_type;
    rt_stream_fn stream;
    void *stream_ctx;
    void (*stream_free)(void *ctx);
    struct { char *name, *value; } headers[8];
    int nheaders;
    /* Hijack (HTTP upgrade, status 101, "Upgrade: tcp"): UPGRADE then runs
     * on the connection's thread and owns SOCK until it returns; EXTRA are
     * bytes the client sent after the request. The server closes SOCK and
     * calls UPGRADE_FREE (also when the upgrade never happens). */
    void (*upgrade)(void *ctx, int sock, const char *extra, size_t extra_len);
    void *upgrade_ctx;
    void (*upgrade_free)(void *ctx);
};

const char *rt_req_query(const struct rt_req *req, const char *key);
const char *rt_req_header(const struct rt_req *req, const char *name);
/* "1"/"true" -> true, as dockerd's boolValue. */
bool rt_req_query_bool(const struct rt_req *req, const char *key);

void rt_resp_json(struct rt_resp *resp, int status, json_t *json /* stolen */);
void rt_resp_text(struct rt_resp *resp, int status, const char *ctype, const char *text);
void rt_resp_status(struct rt_resp *resp, int status); /* empty body */
/* {"message": ...} with the status of CLS. */
void rt_resp_error(struct rt_resp *resp, enum rt_errclass cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rt_resp_err(struct rt_resp *resp, const struct rt_err *err);
void rt_resp_header(struct rt_resp *resp, const char *name, const char *value);

typedef void (*rt_handler)(struct rt_req *req, struct rt_resp *resp);

struct rt_route {
    const char *method;        /* "GET", "POST", "DELETE", "HEAD" */
    const char *pattern;       /* "/containers/{id}/start" */
    rt_handler fn;
    size_t max_body;           /* 0 = RT_DEFAULT_MAX_BODY */
};

/* Route tables, one per routes_*.c file; NULL-terminated (fn == NULL). */
extern const struct rt_route rt_routes_system[];
extern const struct rt_route rt_routes_events[];
extern const struct rt_route rt_routes_containers[];
extern const struct rt_route rt_routes_images[];
extern const struct rt_route rt_routes_lifecycle[];
extern const struct rt_route rt_routes_io[];   /* attach, logs */
extern const struct rt_route rt_routes_exec[];

/* Dispatch one request (used by the server and by unit tests). */
void rt_router_dispatch(struct rt_req *req, struct rt_resp *resp);
/* Without a socket (tests, fuzzing; dispatch_raw.c): URL is a path without
 * the /v1.NN prefix, with an optional ?query. Free RESP with rt_resp_release. */
void rt_api_dispatch_raw(struct rt_engine *engine, const char *method, const char *url, const char *body,
                         size_t body_len, struct rt_resp *resp);
void rt_resp_release(struct rt_resp *resp);
const char *rt_req_query_kv(const char *const *kv, const char *key);

/* Largest body any route for METHOD+PATH accepts (for early 413). */
size_t rt_router_max_body(const char *method, const char *path);
/* Does the route for METHOD+PATH take a JSON body (max_body 0)? Bodies of
 * other routes (tar imports) are raw. */
bool rt_router_json_body(const char *method, const char *path);

struct rt_http_server;
/* Listen on the unix socket (mode 0660, group GROUP if non-NULL) and serve.
 * On failure returns NULL and writes a one-line reason into ERR. */
struct rt_http_server *rt_http_start(struct rt_engine *engine, const char *socket_path,
                                     const char *group, char *err, size_t errlen);
void rt_http_stop(struct rt_http_server *srv);

#endif
