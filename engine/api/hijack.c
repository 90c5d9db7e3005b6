/* Attach output to API clients: a hijacked socket after "101 UPGRADED"
 * (what the docker CLI asks for), or a streamed response body. */
#include "engine/api/hijack.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* How often an idle stream checks whether its client hung up. */
#define IDLE_CHECK_MS 500

const char *rt_attach_media_type(const struct rt_req *req, bool tty)
{
    return !tty && req->api_minor >= 42 ? "application/vnd.docker.multiplexed-stream"
                                        : "application/vnd.docker.raw-stream";
}

int rt_parse_unix_ts(const char *s, long long *ns)
{
    char *end;
    long long sec = strtoll(s, &end, 10);
    if (end == s) return -1;
    long long frac = 0;
    int digits = 0;
    if (*end == '.') {
        for (end++; *end >= '0' && *end <= '9'; end++)
            if (digits < 9) frac = frac * 10 + (*end - '0'), digits++;
        while (digits < 9) frac *= 10, digits++;
    }
    if (*end) return -1;
    *ns = sec * 1000000000LL + frac;
    return 0;
}

/* The client closed its end completely (a half-close is normal: the CLI
 * shuts its write side when it has no stdin to send). Discards input. */
static bool peer_gone(int sock)
{
    struct pollfd p = {.fd = sock, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) return true;
    char junk[4096];
    while (recv(sock, junk, sizeof junk, MSG_DONTWAIT) > 0) {}
    return false;
}

static int send_all(int sock, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(sock, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = {.fd = sock, .events = POLLOUT};
            if (poll(&pf, 1, IDLE_CHECK_MS) < 0 && errno != EINTR) return -1;
            if (pf.revents & (POLLHUP | POLLERR | POLLNVAL)) return -1;
            continue;
        }
        if (w <= 0) return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static void pump(void *ctx, int sock, const char *extra, size_t extra_len)
{
    (void)extra, (void)extra_len; /* stdin is not forwarded */
    struct rt_attach_sub *sub = ctx;
    char buf[16384];
    for (;;) {
        ssize_t n = rt_attach_next(sub, buf, sizeof buf, IDLE_CHECK_MS);
        if (n < 0) break;
        if (n == 0) {
            if (peer_gone(sock)) break;
            continue;
        }
        if (send_all(sock, buf, (size_t)n) < 0) break;
    }
    shutdown(sock, SHUT_WR);
}

static void sub_free(void *ctx) { rt_attach_unsubscribe(ctx); }

struct body {
    struct rt_attach_sub *sub;
    int fd;
};

static ssize_t body_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct body *b = ctx;
    for (;;) {
        ssize_t n = rt_attach_next(b->sub, buf, max, IDLE_CHECK_MS);
        if (n != 0) return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
        if (b->fd >= 0 && peer_gone(b->fd)) return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

static void body_free(void *ctx)
{
    struct body *b = ctx;
    rt_attach_unsubscribe(b->sub);
    free(b);
}

void rt_resp_attach_stream(struct rt_req *req, struct rt_resp *resp, struct rt_attach_sub *sub,
                           const char *ctype)
{
    resp->content_type = ctype;
    const char *up = rt_req_header(req, "Upgrade");
    if (up && *up) {
        resp->status = 101;
        resp->upgrade = pump;
        resp->upgrade_ctx = sub;
        resp->upgrade_free = sub_free;
        return;
    }
    struct body *b = calloc(1, sizeof *b);
    if (!b) {
        rt_attach_unsubscribe(sub);
        rt_resp_error(resp, RT_ERR_SYSTEM, "out of memory");
        return;
    }
    b->sub = sub;
    b->fd = -1;
    if (req->conn) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci) b->fd = ci->connect_fd;
    }
    resp->status = 200;
    resp->stream = body_read;
    resp->stream_ctx = b;
    resp->stream_free = body_free;
}
