/* Dispatch without a socket: method, path?query and body go straight to the
 * route table, as server.c does once MHD has read a request. For tests and
 * the HTTP fuzz target (fuzz/fuzz_http.c); the server never calls this.
 * The /v1.NN prefix and the body size limit stay server.c's business. */
#include <stdlib.h>
#include <string.h>

#include "engine/api/http.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode %XX and '+' in place, as MHD does for GET arguments. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '+') {
            *o++ = ' ';
        } else if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            *o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

const char *rt_req_query_kv(const char *const *kv, const char *key)
{
    for (size_t i = 0; kv && kv[i]; i += 2)
        if (!strcmp(kv[i], key)) return kv[i + 1];
    return NULL;
}

void rt_resp_release(struct rt_resp *resp)
{
    if (resp->upgrade_free) resp->upgrade_free(resp->upgrade_ctx);
    json_decref(resp->json);
    free(resp->text);
    for (int i = 0; i < resp->nheaders; i++) free(resp->headers[i].name), free(resp->headers[i].value);
    if (resp->stream_free) resp->stream_free(resp->stream_ctx);
    memset(resp, 0, sizeof *resp);
}

void rt_api_dispatch_raw(struct rt_engine *engine, const char *method, const char *url, const char *body,
                         size_t body_len, struct rt_resp *resp)
{
    char *path = strdup(url);
    if (!path) abort();
    /* "a=1&b&c=x" -> {"a","1","b","","c","x",NULL}; the first of a key wins. */
    char *q = strchr(path, '?');
    size_t n = 0;
    char **kv = calloc(2, sizeof *kv);
    if (!kv) abort();
    if (q) {
        *q++ = '\0';
        for (char *save = NULL, *tok = strtok_r(q, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
            char **nkv = realloc(kv, (n + 3) * sizeof *kv);
            if (!nkv) abort();
            kv = nkv;
            char *eq = strchr(tok, '=');
            if (eq) *eq++ = '\0';
            unescape(tok);
            if (eq) unescape(eq);
            kv[n++] = tok;
            kv[n++] = eq ? eq : (char *)"";
        }
    }
    kv[n] = NULL;
    *resp = (struct rt_resp){.status = 200};
    struct rt_req req = {
        .engine = engine, .method = method, .path = path, .api_minor = RT_API_VERSION_MINOR,
        .body = body ? body : "", .body_len = body ? body_len : 0, .query_kv = (const char *const *)kv,
    };
    rt_router_dispatch(&req, resp);
    for (size_t i = 0; i < req.nparams; i++) free(req.params[i]);
    free(kv);
    free(path);
}
