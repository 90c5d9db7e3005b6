/* libmicrohttpd on an AF_UNIX socket: body collection, version prefix, and
 * turning an rt_resp into an MHD response. Routing is in router.c. */
#include "engine/api/http.h"

#include <errno.h>
#include <grp.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"

struct rt_http_server {
    struct MHD_Daemon *mhd;
    struct rt_engine *engine;
    int fd;
    char *path;
};

/* Per-request state kept by MHD between calls of the access handler. */
struct conn_state {
    char *body;
    size_t len, cap, max;
    bool too_large;
    bool answered;     /* a 413 was queued before the body arrived */
    bool json;         /* the route takes a JSON body */
};

static char *utf8_clean(const char *s);

const char *rt_req_query(const struct rt_req *req, const char *key)
{
    return req->conn ? MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key)
                     : rt_req_query_kv(req->query_kv, key);
}

const char *rt_req_header(const struct rt_req *req, const char *name)
{
    return req->conn ? MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name) : NULL;
}

bool rt_req_query_bool(const struct rt_req *req, const char *key)
{
    const char *v = rt_req_query(req, key);
    return v && (!strcmp(v, "1") || !strcasecmp(v, "true"));
}

void rt_resp_json(struct rt_resp *resp, int status, json_t *json)
{
    json_decref(resp->json);
    resp->status = status;
    resp->json = json;
}

void rt_resp_text(struct rt_resp *resp, int status, const char *ctype, const char *text)
{
    free(resp->text);
    resp->status = status;
    resp->text = strdup(text);
    resp->text_len = strlen(text);
    resp->content_type = ctype;
}

void rt_resp_status(struct rt_resp *resp, int status)
{
    resp->status = status;
}

void rt_resp_error(struct rt_resp *resp, enum rt_errclass cls, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    char *clean = msg ? utf8_clean(msg) : NULL;
    rt_resp_json(resp, rt_errclass_http_status(cls), json_pack("{s:s}", "message", clean ? clean : "error"));
    free(clean);
    free(msg);
}

void rt_resp_err(struct rt_resp *resp, const struct rt_err *err)
{
    rt_resp_error(resp, err->cls, "%s", err->msg ? err->msg : rt_errclass_name(err->cls));
}

void rt_resp_header(struct rt_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders >= (int)(sizeof resp->headers / sizeof resp->headers[0])) return;
    resp->headers[resp->nheaders].name = strdup(name);
    resp->headers[resp->nheaders].value = strdup(value);
    resp->nheaders++;
}

static void resp_release(struct rt_resp *resp)
{
    if (resp->upgrade_free) resp->upgrade_free(resp->upgrade_ctx); /* not handed to MHD */
    json_decref(resp->json);
    free(resp->text);
    for (int i = 0; i < resp->nheaders; i++) free(resp->headers[i].name), free(resp->headers[i].value);
}

/* Go's versions.compare (moby api/types/versions): dot-separated decimal
 * parts, a missing or non-numeric part counts as 0. A is LEN bytes. */
static int version_cmp(const char *a, size_t len, const char *b)
{
    const char *ae = a + len;
    while (a < ae || *b) {
        long x = 0, y = 0;
        for (; a < ae && *a != '.'; a++) x = x < 100000 && *a >= '0' && *a <= '9' ? x * 10 + (*a - '0') : x;
        for (; *b && *b != '.'; b++) y = y * 10 + (*b - '0');
        if (x != y) return x < y ? -1 : 1;
        if (a < ae) a++;
        if (*b) b++;
    }
    return 0;
}

/* dockerd's route prefix "/v{version:[0-9.]+}/": "/v1.45/info" -> version
 * "1.45" (*VER, *VLEN) and rest "/info". False when URL has no prefix. */
static bool split_version(const char *url, const char **ver, size_t *vlen, const char **rest)
{
    if (strncmp(url, "/v", 2)) return false;
    size_t n = strspn(url + 2, "0123456789.");
    if (n == 0 || url[2 + n] != '/') return false;
    *ver = url + 2;
    *vlen = n;
    *rest = url + 2 + n;
    return true;
}

/* The minor number of an accepted "1.NN[...]" version. */
static int version_minor(const char *ver, size_t len)
{
    const char *dot = memchr(ver, '.', len);
    return dot ? atoi(dot + 1) : 0;
}

/* A message as valid UTF-8: invalid bytes become U+FFFD, as Go's JSON
 * encoder writes them (jansson refuses invalid strings, which would leave
 * an error without its {"message"} body). */
static char *utf8_clean(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *o = out;
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t k = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        bool ok = k > 0 && !(k == 2 && *p < 0xC2);
        for (size_t i = 1; ok && i < k; i++) ok = (p[i] & 0xC0) == 0x80;
        if (ok && k == 3) ok = !(*p == 0xE0 && p[1] < 0xA0) && !(*p == 0xED && p[1] >= 0xA0);
        if (ok && k == 4) ok = !(*p == 0xF0 && p[1] < 0x90) && !(*p == 0xF4 && p[1] >= 0x90) && *p <= 0xF4;
        if (ok) {
            memcpy(o, p, k);
            o += k, p += k;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3, p++;
        }
    }
    *o = '\0';
    return out;
}

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Api-Version", RT_API_VERSION);
    MHD_add_response_header(r, "Server", "rtengined/" RT_VERSION " (linux)");
    MHD_add_response_header(r, "Docker-Experimental", "false");
    MHD_add_response_header(r, "Ostype", "linux");
}

static void stream_free_cb(void *cls) { (void)cls; }

struct upgrade {
    void (*fn)(void *ctx, int sock, const char *extra, size_t extra_len);
    void *ctx;
    void (*free)(void *ctx);
};

/* MHD calls this on the connection's own thread (thread-per-connection),
 * where blocking is allowed; the socket is closed through MHD. */
static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
                       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
    (void)conn, (void)con_cls;
    struct upgrade *u = cls;
    u->fn(u->ctx, sock, extra_in, extra_in_size);
    if (u->free) u->free(u->ctx);
    free(u);
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct rt_resp *resp, bool head)
{
    struct MHD_Response *r;
    const char *ctype = resp->content_type;
    struct upgrade *up = NULL;
    if (resp->upgrade) {
        up = malloc(sizeof *up);
        if (!up) return MHD_NO;
        *up = (struct upgrade){resp->upgrade, resp->upgrade_ctx, resp->upgrade_free};
        r = MHD_create_response_for_upgrade(on_upgrade, up);
        if (!r) free(up);
        else resp->upgrade_free = NULL; /* owned by the upgrade now */
        if (r) MHD_add_response_header(r, "Upgrade", "tcp");
    } else if (resp->stream) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, resp->stream,
                                              resp->stream_ctx,
                                              resp->stream_free ? resp->stream_free : stream_free_cb);
        resp->stream_free = NULL; /* owned by MHD now */
    } else if (resp->json) {
        char *s = rt_json_dump(resp->json);
        size_t n = s ? strlen(s) : 0;
        char *body = malloc(n + 2);
        if (body) {
            memcpy(body, s ? s : "", n);
            body[n++] = '\n';
            body[n] = '\0';
        }
        free(s);
        r = MHD_create_response_from_buffer(body ? n : 0, body ? body : (char *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        if (!ctype) ctype = "application/json";
    } else if (resp->text) {
        r = MHD_create_response_from_buffer(resp->text_len, resp->text, MHD_RESPMEM_MUST_FREE);
        resp->text = NULL;
    } else {
        r = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r) return MHD_NO;
    (void)head; /* MHD omits the body of HEAD responses itself */
    common_headers(r);
    if (ctype) MHD_add_response_header(r, "Content-Type", ctype);
    for (int i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    if (ret != MHD_YES && up) { /* never called now */
        if (up->free) up->free(up->ctx);
        free(up);
    }
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct rt_http_server *srv = cls;
    (void)version;
    struct conn_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st) return MHD_NO;
        const char *path = url, *ver;
        size_t vlen;
        if (!split_version(url, &ver, &vlen, &path)) path = url;
        st->max = rt_router_max_body(method, path);
        st->json = rt_router_json_body(method, path);
        *con_cls = st;
        /* A client that asks before sending (Expect: 100-continue) and
         * declares a length over the limit gets the 413 instead of the 100,
         * so the body is never sent. Without Expect the body is already on
         * its way: answering now would make MHD close the connection under
         * the sender (who then sees a broken pipe, not the 413), so it is
         * read and dropped below instead, never buffered. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
        if (cl && strtoull(cl, NULL, 10) > st->max && expect && !strcasecmp(expect, "100-continue")) {
            st->too_large = st->answered = true;
            struct rt_resp resp = {.status = 200};
            rt_resp_error(&resp, RT_ERR_TOO_LARGE, "request body too large: limit is %zu bytes", st->max);
            enum MHD_Result ret = send_resp(conn, &resp, false);
            resp_release(&resp);
            return ret;
        }
        return MHD_YES;
    }
    if (st->too_large && st->answered) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        /* Oversized bodies are dropped as they arrive; never buffered whole. */
        if (!st->too_large) {
            if (st->len + *upload_size > st->max) {
                st->too_large = true;
                free(st->body);
                st->body = NULL;
                st->len = st->cap = 0;
            } else {
                if (st->len + *upload_size + 1 > st->cap) {
                    size_t nc = (st->len + *upload_size + 1) * 2;
                    if (nc > st->max + 1) nc = st->max + 1;
                    char *nb = realloc(st->body, nc);
                    if (!nb) return MHD_NO;
                    st->body = nb;
                    st->cap = nc;
                }
                memcpy(st->body + st->len, upload_data, *upload_size);
                st->len += *upload_size;
                st->body[st->len] = '\0';
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }

    struct rt_resp resp = {.status = 200};
    struct rt_req req = {
        .engine = srv->engine, .conn = conn, .method = method, .path = url,
        .api_minor = RT_API_VERSION_MINOR, .body = st->body ? st->body : "", .body_len = st->len,
    };
    const char *rest, *ver = NULL;
    size_t vlen = 0;
    if (split_version(url, &ver, &vlen, &rest)) {
        req.versioned = true;
        req.path = rest;
        req.api_minor = version_minor(ver, vlen);
    }
    const char *ctype = rt_req_header(&req, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t ctlen = ctype ? strcspn(ctype, ";") : 0;
    while (ctlen && (ctype[ctlen - 1] == ' ' || ctype[ctlen - 1] == '\t')) ctlen--;
    if (st->too_large) {
        rt_resp_error(&resp, RT_ERR_TOO_LARGE, "request body too large: limit is %zu bytes", st->max);
    } else if (req.versioned && version_cmp(ver, vlen, RT_API_MIN_VERSION) < 0) {
        rt_resp_error(&resp, RT_ERR_INVALID,
                      "client version %.*s is too old. Minimum supported API version is %s, please upgrade your client to a newer version",
                      (int)vlen, ver, RT_API_MIN_VERSION);
    } else if (req.versioned && version_cmp(ver, vlen, RT_API_VERSION) > 0) {
        rt_resp_error(&resp, RT_ERR_INVALID, "client version %.*s is too new. Maximum supported API version is %s",
                      (int)vlen, ver, RT_API_VERSION);
    } else if (st->json && st->len && ctype && *ctype &&
               !(ctlen == strlen("application/json") && !strncasecmp(ctype, "application/json", ctlen))) {
        /* dockerd's CheckForJSON: a JSON body must say so */
        rt_resp_error(&resp, RT_ERR_INVALID, "unsupported Content-Type header (%s): must be 'application/json'", ctype);
    } else {
        rt_router_dispatch(&req, &resp);
    }
    rt_debug("Calling %s %s -> %d", method, url, resp.status);
    enum MHD_Result ret = send_resp(conn, &resp, !strcmp(method, "HEAD"));
    for (size_t i = 0; i < req.nparams; i++) free(req.params[i]);
    resp_release(&resp);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    struct conn_state *st = *con_cls;
    if (st) free(st->body), free(st);
    *con_cls = NULL;
}

/* Is something listening on PATH? Distinguishes a live engine from a stale
 * socket file left by a dead one. */
static bool socket_alive(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    bool alive = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return alive;
}

static int listen_unix(const char *path, const char *group, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "socket path %s is too long (max %zu bytes)", path, sizeof sa.sun_path - 1);
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            snprintf(err, errlen, "refusing to use %s: it is a symlink", path);
            return -1;
        }
        /* Someone else's socket at our path: taking it over would hand
         * them our clients (or let us hijack theirs). */
        if (st.st_uid != geteuid()) {
            snprintf(err, errlen, "refusing to use %s: it is owned by uid %u, not by this engine's uid %u", path,
                     (unsigned)st.st_uid, (unsigned)geteuid());
            return -1;
        }
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "refusing to use %s: it exists and is not a socket", path);
            return -1;
        }
        if (socket_alive(path)) {
            snprintf(err, errlen, "socket %s is in use by a running engine", path);
            return -1;
        }
        unlink(path); /* stale socket of a dead engine: reuse the path */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", rt_strerror(errno));
        return -1;
    }
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    mode_t old = umask(0117); /* never world-accessible, even briefly */
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc < 0) {
        snprintf(err, errlen, "listen unix %s: bind: %s", path, rt_strerror(errno));
        close(fd);
        return -1;
    }
    gid_t gid = (gid_t)-1;
    if (group) {
        struct group *g = getgrnam(group);
        if (!g) {
            snprintf(err, errlen, "group %s not found", group);
            goto fail;
        }
        gid = g->gr_gid;
    }
    if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) || chmod(path, 0660) < 0) {
        snprintf(err, errlen, "chmod %s: %s", path, rt_strerror(errno));
        goto fail;
    }
    if (listen(fd, 128) < 0) {
        snprintf(err, errlen, "listen unix %s: %s", path, rt_strerror(errno));
        goto fail;
    }
    return fd;
fail:
    close(fd);
    unlink(path);
    return -1;
}

struct rt_http_server *rt_http_start(struct rt_engine *engine, const char *socket_path,
                                     const char *group, char *err, size_t errlen)
{
    struct rt_http_server *srv = calloc(1, sizeof *srv);
    if (!srv) return NULL;
    srv->engine = engine;
    srv->fd = listen_unix(socket_path, group, err, errlen);
    if (srv->fd < 0) {
        free(srv);
        return NULL;
    }
    srv->path = strdup(socket_path);
    srv->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                    MHD_USE_ITC | MHD_ALLOW_UPGRADE,
                                0, NULL, NULL, on_request, srv,
                                MHD_OPTION_LISTEN_SOCKET, srv->fd,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0,
                                MHD_OPTION_END);
    if (!srv->mhd) {
        snprintf(err, errlen, "cannot start the API server on %s", socket_path);
        close(srv->fd);
        unlink(socket_path);
        free(srv->path);
        free(srv);
        return NULL;
    }
    return srv;
}

void rt_http_stop(struct rt_http_server *srv)
{
    if (!srv) return;
    /* Stop accepting first, so nobody connects to a dying engine. */
    MHD_quiesce_daemon(srv->mhd);
    unlink(srv->path);
    MHD_stop_daemon(srv->mhd);
    close(srv->fd);
    free(srv->path);
    free(srv);
}
