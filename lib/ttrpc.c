/* ttrpc framing, client and server (shim spec §3). */
#include "ttrpc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto/ttrpc.pb-c.h"

/* ---- framing ------------------------------------------------------------- */

void rt_ttrpc_hdr_encode(const struct rt_ttrpc_hdr *h, uint8_t o[RT_TTRPC_HDR_LEN])
{
    o[0] = h->length >> 24; o[1] = h->length >> 16; o[2] = h->length >> 8; o[3] = h->length;
    o[4] = h->stream_id >> 24; o[5] = h->stream_id >> 16; o[6] = h->stream_id >> 8;
    o[7] = h->stream_id;
    o[8] = h->type; o[9] = h->flags;
}

void rt_ttrpc_hdr_decode(const uint8_t i[RT_TTRPC_HDR_LEN], struct rt_ttrpc_hdr *h)
{
    h->length = (uint32_t)i[0] << 24 | (uint32_t)i[1] << 16 | (uint32_t)i[2] << 8 | i[3];
    h->stream_id = (uint32_t)i[4] << 24 | (uint32_t)i[5] << 16 | (uint32_t)i[6] << 8 | i[7];
    h->type = i[8];
    h->flags = i[9];
}

const char *rt_ttrpc_sockpath(const char *addr)
{
    return strncmp(addr, "unix://", 7) == 0 ? addr + 7 : addr;
}

/* Read exactly N bytes; a stream socket may deliver a frame in pieces or
 * several frames at once, so never assume one read = one frame. 0 or -1. */
static int read_full(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int discard(int fd, size_t n)
{
    char buf[8192];
    while (n > 0) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        if (read_full(fd, buf, k) < 0) return -1;
        n -= k;
    }
    return 0;
}

/* Write one frame (caller serialises writers). MSG_NOSIGNAL: a dead peer
 * must not SIGPIPE a process that did not ignore it. */
static int send_frame(int fd, uint32_t sid, uint8_t type, const void *data, size_t len)
{
    uint8_t hdr[RT_TTRPC_HDR_LEN];
    struct rt_ttrpc_hdr h = {(uint32_t)len, sid, type, 0};
    rt_ttrpc_hdr_encode(&h, hdr);
    struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)data, len}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
    size_t left = sizeof hdr + len;
    while (left > 0) {
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        left -= (size_t)w;
        while (w > 0 && m.msg_iovlen > 0) {
            if ((size_t)w >= m.msg_iov[0].iov_len) {
                w -= (ssize_t)m.msg_iov[0].iov_len;
                m.msg_iov++;
                m.msg_iovlen--;
            } else {
                m.msg_iov[0].iov_base = (char *)m.msg_iov[0].iov_base + w;
                m.msg_iov[0].iov_len -= (size_t)w;
                w = 0;
            }
        }
    }
    return 0;
}

static char *xstrdup(const char *s) { return strdup(s ? s : ""); }

static char *vfmt(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) return NULL;
    return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = vfmt(f, ap);
    va_end(ap);
    return s;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

/* ---- client -------------------------------------------------------------- */

struct pending {
    uint32_t sid;
    int done;
    uint8_t type;
    uint8_t *data;
    size_t len;
    int oversize;
    struct pending *next;
};

struct rt_ttrpc_client {
    int fd;
    pthread_mutex_t mu;  /* pending list, closed, next_sid */
    pthread_mutex_t wmu; /* serialises writes; held while a sid is taken */
    pthread_cond_t cv;
    uint32_t next_sid;
    int closed;
    int close_reported;
    struct pending *pending;
    pthread_t reader;
    void (*on_close)(void *);
    void *on_close_arg;
};

static void *client_reader(void *arg)
{
    struct rt_ttrpc_client *c = arg;
    for (;;) {
        uint8_t hb[RT_TTRPC_HDR_LEN];
        struct rt_ttrpc_hdr h;
        if (read_full(c->fd, hb, sizeof hb) < 0) break;
        rt_ttrpc_hdr_decode(hb, &h);
        uint8_t *data = NULL;
        int oversize = h.length > RT_TTRPC_MAX_MSG;
        if (oversize) {
            if (discard(c->fd, h.length) < 0) break;
        } else if (h.length > 0) {
            data = malloc(h.length);
            if (!data || read_full(c->fd, data, h.length) < 0) {
                free(data);
                break;
            }
        }
        pthread_mutex_lock(&c->mu);
        struct pending **pp = &c->pending;
        while (*pp && (*pp)->sid != h.stream_id) pp = &(*pp)->next;
        if (*pp) { /* unknown stream ids are ignored, as Go's client does */
            struct pending *p = *pp;
            *pp = p->next;
            p->done = 1;
            p->type = h.type;
            p->data = data;
            p->len = h.length;
            p->oversize = oversize;
            data = NULL;
            pthread_cond_broadcast(&c->cv);
        }
        pthread_mutex_unlock(&c->mu);
        free(data);
    }
    pthread_mutex_lock(&c->mu);
    c->closed = 1;
    for (struct pending *p = c->pending; p; p = p->next) p->done = -1;
    c->pending = NULL;
    pthread_cond_broadcast(&c->cv);
    int report = !c->close_reported;
    c->close_reported = 1;
    pthread_mutex_unlock(&c->mu);
    if (report && c->on_close) c->on_close(c->on_close_arg);
    return NULL;
}

struct rt_ttrpc_client *rt_ttrpc_client_new(int fd)
{
    struct rt_ttrpc_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = fd;
    c->next_sid = 1;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->wmu, NULL);
    cond_init_mono(&c->cv);
    if (pthread_create(&c->reader, NULL, client_reader, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_mutex_destroy(&c->wmu);
        pthread_cond_destroy(&c->cv);
        free(c);
        return NULL;
    }
    return c;
}

struct rt_ttrpc_client *rt_ttrpc_dial(const char *addr, char *err, size_t errlen)
{
    const char *path = rt_ttrpc_sockpath(addr);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        if (err) snprintf(err, errlen, "dial unix %s: socket path too long", path);
        return NULL;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (err) snprintf(err, errlen, "dial unix %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    struct rt_ttrpc_client *c = rt_ttrpc_client_new(fd);
    if (!c) {
        if (err) snprintf(err, errlen, "ttrpc: cannot start client");
        close(fd);
    }
    return c;
}

void rt_ttrpc_client_on_close(struct rt_ttrpc_client *c, void (*cb)(void *), void *arg)
{
    pthread_mutex_lock(&c->mu);
    c->on_close = cb;
    c->on_close_arg = arg;
    pthread_mutex_unlock(&c->mu);
}

void rt_ttrpc_client_close(struct rt_ttrpc_client *c)
{
    shutdown(c->fd, SHUT_RDWR); /* the reader sees EOF and fails the calls */
}

int rt_ttrpc_client_closed(struct rt_ttrpc_client *c)
{
    pthread_mutex_lock(&c->mu);
    int v = c->closed;
    pthread_mutex_unlock(&c->mu);
    return v;
}

int rt_ttrpc_client_wait_closed(struct rt_ttrpc_client *c, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl); /* c->cv runs on the monotonic clock */
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (dl.tv_nsec >= 1000000000) dl.tv_sec++, dl.tv_nsec -= 1000000000;
    pthread_mutex_lock(&c->mu);
    while (!c->closed && pthread_cond_timedwait(&c->cv, &c->mu, &dl) != ETIMEDOUT) {}
    int v = c->closed;
    pthread_mutex_unlock(&c->mu);
    return v;
}

void rt_ttrpc_client_free(struct rt_ttrpc_client *c)
{
    if (!c) return;
    rt_ttrpc_client_close(c);
    pthread_join(c->reader, NULL);
    close(c->fd);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->wmu);
    pthread_cond_destroy(&c->cv);
    free(c);
}

void rt_ttrpc_result_free(struct rt_ttrpc_result *r)
{
    if (!r) return;
    free(r->message);
    free(r->payload);
    memset(r, 0, sizeof *r);
}

static int result_set(struct rt_ttrpc_result *res, int code, char *msg)
{
    res->code = code;
    res->message = msg ? msg : strdup("");
    return code;
}

int rt_ttrpc_call(struct rt_ttrpc_client *c, const char *service, const char *method,
                  const void *req, size_t reqlen, const struct rt_ttrpc_kv *md, size_t nmd,
                  int timeout_ms, struct rt_ttrpc_result *res)
{
    memset(res, 0, sizeof *res);
    Ttrpc__Request r = TTRPC__REQUEST__INIT;
    r.service = (char *)(service ? service : "");
    r.method = (char *)(method ? method : "");
    r.payload.data = (uint8_t *)req;
    r.payload.len = reqlen;
    r.timeout_nano = timeout_ms > 0 ? (int64_t)timeout_ms * 1000000 : 0;
    Ttrpc__KeyValue *kvs = nmd ? calloc(nmd, sizeof *kvs) : NULL;
    Ttrpc__KeyValue **kvp = nmd ? calloc(nmd, sizeof *kvp) : NULL;
    if (nmd && (!kvs || !kvp)) {
        free(kvs);
        free(kvp);
        return result_set(res, RT_INTERNAL, strdup("ttrpc: out of memory"));
    }
    for (size_t i = 0; i < nmd; i++) {
        ttrpc__key_value__init(&kvs[i]);
        kvs[i].key = (char *)md[i].key;
        kvs[i].value = (char *)md[i].value;
        kvp[i] = &kvs[i];
    }
    r.n_metadata = nmd;
    r.metadata = kvp;
    size_t len = ttrpc__request__get_packed_size(&r);
    if (len > RT_TTRPC_MAX_MSG) {
        free(kvs);
        free(kvp);
        return result_set(res, RT_RESOURCE_EXHAUSTED,
                          fmt("message length %zu exceed maximum message size of %u", len,
                              RT_TTRPC_MAX_MSG));
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        free(kvs);
        free(kvp);
        return result_set(res, RT_INTERNAL, strdup("ttrpc: out of memory"));
    }
    ttrpc__request__pack(&r, buf);
    free(kvs);
    free(kvp);

    struct pending p = {0};
    pthread_mutex_lock(&c->wmu);
    pthread_mutex_lock(&c->mu);
    if (c->closed) {
        pthread_mutex_unlock(&c->mu);
        pthread_mutex_unlock(&c->wmu);
        free(buf);
        return result_set(res, RT_TTRPC_CLOSED, strdup("ttrpc: closed"));
    }
    /* Odd, strictly increasing per connection; taken under the write lock
     * so ids reach the wire in order. */
    p.sid = c->next_sid;
    c->next_sid += 2;
    p.next = c->pending;
    c->pending = &p;
    pthread_mutex_unlock(&c->mu);
    int sent = send_frame(c->fd, p.sid, RT_TTRPC_REQUEST, buf, len);
    pthread_mutex_unlock(&c->wmu);
    free(buf);

    pthread_mutex_lock(&c->mu);
    if (sent < 0 && !p.done) {
        shutdown(c->fd, SHUT_RDWR);
        for (struct pending **pp = &c->pending; *pp; pp = &(*pp)->next)
            if (*pp == &p) { *pp = p.next; break; }
        pthread_mutex_unlock(&c->mu);
        return result_set(res, RT_TTRPC_CLOSED, strdup("ttrpc: closed"));
    }
    int64_t deadline = timeout_ms > 0 ? mono_ms() + timeout_ms : 0;
    while (!p.done) {
        if (!deadline) {
            pthread_cond_wait(&c->cv, &c->mu);
            continue;
        }
        int64_t now = mono_ms();
        if (now >= deadline) break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t left = deadline - now;
        ts.tv_sec += left / 1000;
        ts.tv_nsec += (left % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
    }
    if (!p.done) { /* timed out: a late answer is then ignored */
        for (struct pending **pp = &c->pending; *pp; pp = &(*pp)->next)
            if (*pp == &p) { *pp = p.next; break; }
        pthread_mutex_unlock(&c->mu);
        return result_set(res, RT_DEADLINE_EXCEEDED, strdup("context deadline exceeded"));
    }
    pthread_mutex_unlock(&c->mu);
    if (p.done < 0) return result_set(res, RT_TTRPC_CLOSED, strdup("ttrpc: closed"));
    if (p.oversize)
        return result_set(res, RT_RESOURCE_EXHAUSTED,
                          fmt("message length %zu exceed maximum message size of %u", p.len,
                              RT_TTRPC_MAX_MSG));
    if (p.type != RT_TTRPC_RESPONSE) {
        free(p.data);
        return result_set(res, RT_INTERNAL, fmt("ttrpc: unexpected frame type %u", p.type));
    }
    Ttrpc__Response *rsp = ttrpc__response__unpack(NULL, p.len, p.data);
    free(p.data);
    if (!rsp) return result_set(res, RT_INTERNAL, strdup("ttrpc: cannot decode response"));
    int code = RT_OK;
    char *msg = NULL;
    if (rsp->status && rsp->status->code != 0) {
        code = rsp->status->code;
        msg = xstrdup(rsp->status->message);
    }
    if (rsp->payload.len > 0) {
        res->payload = malloc(rsp->payload.len);
        if (res->payload) {
            memcpy(res->payload, rsp->payload.data, rsp->payload.len);
            res->payload_len = rsp->payload.len;
        }
    }
    ttrpc__response__free_unpacked(rsp, NULL);
    return result_set(res, code, msg);
}

int rt_ttrpc_call_msg(struct rt_ttrpc_client *c, const char *service, const char *method,
                      const ProtobufCMessage *req, const ProtobufCMessageDescriptor *resp_desc,
                      ProtobufCMessage **resp, const struct rt_ttrpc_kv *md, size_t nmd,
                      int timeout_ms, char **errmsg)
{
    if (resp) *resp = NULL;
    if (errmsg) *errmsg = NULL;
    size_t len = req ? protobuf_c_message_get_packed_size(req) : 0;
    uint8_t *buf = calloc(1, len ? len : 1);
    if (!buf) {
        if (errmsg) *errmsg = strdup("ttrpc: out of memory");
        return RT_INTERNAL;
    }
    if (req) protobuf_c_message_pack(req, buf);
    struct rt_ttrpc_result r;
    int code = rt_ttrpc_call(c, service, method, buf, len, md, nmd, timeout_ms, &r);
    free(buf);
    if (code == RT_OK && resp && resp_desc) {
        *resp = protobuf_c_message_unpack(resp_desc, NULL, r.payload_len,
                                          r.payload ? r.payload : (const uint8_t *)"");
        if (!*resp) {
            code = RT_INTERNAL;
            free(r.message);
            r.message = fmt("ttrpc: cannot decode %s", resp_desc->name);
        }
    }
    if (errmsg && code != RT_OK) {
        *errmsg = r.message;
        r.message = NULL;
    }
    rt_ttrpc_result_free(&r);
    return code;
}

/* ---- server -------------------------------------------------------------- */

struct method_ent {
    char *service, *method;
    rt_ttrpc_handler fn;
    void *arg;
    struct method_ent *next;
};

struct thr {
    pthread_t t;
    struct thr *next;
};

struct rt_ttrpc_server {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct method_ent *methods;
    int same_user;
    void (*on_conn)(void *, int);
    void *on_conn_arg;
    int listen_fd;
    int accepting;
    pthread_t accept_thr;
    struct rt_ttrpc_conn *conns;
    int nthreads;         /* running reader and handler threads */
    struct thr *finished; /* threads that ended, to be joined */
    int stopping;
};

struct rt_ttrpc_conn {
    int fd;
    struct rt_ttrpc_server *s;
    pthread_mutex_t wmu;
    int refs;
    uint32_t last_sid;
    struct rt_ttrpc_conn *next;
};

struct job {
    struct rt_ttrpc_conn *conn;
    struct method_ent *m;
    Ttrpc__Request *req;
    struct rt_ttrpc_kv *md;
    uint32_t sid;
    struct thr *self;
};

struct rt_ttrpc_server *rt_ttrpc_server_new(void)
{
    struct rt_ttrpc_server *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->same_user = 1;
    s->listen_fd = -1;
    return s;
}

int rt_ttrpc_server_register(struct rt_ttrpc_server *s, const char *service, const char *method,
                             rt_ttrpc_handler fn, void *arg)
{
    for (struct method_ent *m = s->methods; m; m = m->next)
        if (!strcmp(m->service, service) && !strcmp(m->method, method)) {
            errno = EEXIST;
            return -1;
        }
    struct method_ent *m = calloc(1, sizeof *m);
    if (!m || !(m->service = strdup(service)) || !(m->method = strdup(method))) {
        if (m) free(m->service);
        free(m);
        errno = ENOMEM;
        return -1;
    }
    m->fn = fn;
    m->arg = arg;
    m->next = s->methods;
    s->methods = m;
    return 0;
}

void rt_ttrpc_server_require_same_user(struct rt_ttrpc_server *s, int on) { s->same_user = on; }

void rt_ttrpc_server_on_conn(struct rt_ttrpc_server *s, void (*cb)(void *, int), void *arg)
{
    s->on_conn = cb;
    s->on_conn_arg = arg;
}

int rt_ttrpc_reply_error(struct rt_ttrpc_reply *rep, int code, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    free(rep->message);
    rep->message = vfmt(f, ap);
    va_end(ap);
    free(rep->payload);
    rep->payload = NULL;
    rep->payload_len = 0;
    rep->code = code;
    return code;
}

int rt_ttrpc_reply_msg(struct rt_ttrpc_reply *rep, const ProtobufCMessage *msg)
{
    free(rep->payload);
    rep->payload = NULL;
    rep->payload_len = protobuf_c_message_get_packed_size(msg);
    if (rep->payload_len) {
        rep->payload = malloc(rep->payload_len);
        if (!rep->payload)
            return rt_ttrpc_reply_error(rep, RT_INTERNAL, "ttrpc: out of memory");
        protobuf_c_message_pack(msg, rep->payload);
    }
    rep->code = 0;
    return 0;
}

/* Spawn a tracked thread (joined later). Called with s->mu held. */
static int spawn_locked(struct rt_ttrpc_server *s, void *(*fn)(void *), void *arg,
                        struct thr **out)
{
    while (s->finished) { /* join what has ended so threads do not pile up */
        struct thr *t = s->finished;
        s->finished = t->next;
        pthread_join(t->t, NULL);
        free(t);
    }
    struct thr *t = calloc(1, sizeof *t);
    if (!t) return -1;
    *out = t;
    s->nthreads++;
    if (pthread_create(&t->t, NULL, fn, arg) != 0) {
        s->nthreads--;
        free(t);
        return -1;
    }
    return 0;
}

static void thread_done(struct rt_ttrpc_server *s, struct thr *self)
{
    pthread_mutex_lock(&s->mu);
    self->next = s->finished;
    s->finished = self;
    s->nthreads--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static void conn_unref(struct rt_ttrpc_conn *c)
{
    struct rt_ttrpc_server *s = c->s;
    pthread_mutex_lock(&s->mu);
    int last = --c->refs == 0;
    if (last)
        for (struct rt_ttrpc_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
            if (*pp == c) { *pp = c->next; break; }
    pthread_mutex_unlock(&s->mu);
    if (!last) return;
    close(c->fd);
    pthread_mutex_destroy(&c->wmu);
    free(c);
}

static void send_response(struct rt_ttrpc_conn *c, uint32_t sid, int code, const char *msg,
                          const uint8_t *payload, size_t plen)
{
    Ttrpc__Response r = TTRPC__RESPONSE__INIT;
    Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
    if (code != 0) { /* success carries no status at all, as Go servers do */
        st.code = code;
        st.message = (char *)(msg ? msg : "");
        r.status = &st;
    } else {
        r.payload.data = (uint8_t *)payload;
        r.payload.len = plen;
    }
    size_t len = ttrpc__response__get_packed_size(&r);
    char *big = NULL;
    if (len > RT_TTRPC_MAX_MSG) {
        big = fmt("message length %zu exceed maximum message size of %u", len, RT_TTRPC_MAX_MSG);
        st.code = RT_RESOURCE_EXHAUSTED;
        st.message = big ? big : "";
        r.status = &st;
        r.payload.len = 0;
        r.payload.data = NULL;
        len = ttrpc__response__get_packed_size(&r);
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) {
        ttrpc__response__pack(&r, buf);
        pthread_mutex_lock(&c->wmu);
        if (send_frame(c->fd, sid, RT_TTRPC_RESPONSE, buf, len) < 0)
            shutdown(c->fd, SHUT_RDWR);
        pthread_mutex_unlock(&c->wmu);
    }
    free(buf);
    free(big);
}

static void *handler_thread(void *arg)
{
    struct job *j = arg;
    struct rt_ttrpc_request rq = {
        .service = j->req->service, .method = j->req->method,
        .payload = j->req->payload.data, .payload_len = j->req->payload.len,
        .timeout_nano = j->req->timeout_nano, .md = j->md, .nmd = j->req->n_metadata,
        .stream_id = j->sid, .conn = j->conn,
    };
    struct rt_ttrpc_reply rep = {0};
    j->m->fn(j->m->arg, &rq, &rep);
    send_response(j->conn, j->sid, rep.code, rep.message, rep.payload, rep.payload_len);
    if (rep.after) rep.after(rep.after_arg);
    free(rep.message);
    free(rep.payload);
    struct rt_ttrpc_server *s = j->conn->s;
    struct thr *self = j->self;
    ttrpc__request__free_unpacked(j->req, NULL);
    free(j->md);
    conn_unref(j->conn);
    free(j);
    thread_done(s, self);
    return NULL;
}

static struct method_ent *lookup(struct rt_ttrpc_server *s, const char *svc, const char *meth,
                                 int *svc_found)
{
    *svc_found = 0;
    for (struct method_ent *m = s->methods; m; m = m->next) {
        if (strcmp(m->service, svc)) continue;
        *svc_found = 1;
        if (!strcmp(m->method, meth)) return m;
    }
    return NULL;
}

static void dispatch(struct rt_ttrpc_conn *c, uint32_t sid, uint8_t *data, size_t len)
{
    struct rt_ttrpc_server *s = c->s;
    Ttrpc__Request *req = ttrpc__request__unpack(NULL, len, data ? data : (const uint8_t *)"");
    if (!req) {
        send_response(c, sid, RT_INVALID_ARGUMENT,
                      "unmarshal request error: proto: cannot parse invalid wire-format data",
                      NULL, 0);
        return;
    }
    int svc_found;
    struct method_ent *m = lookup(s, req->service, req->method, &svc_found);
    if (!m) {
        char *msg = svc_found ? fmt("method %s", req->method) : fmt("service %s", req->service);
        send_response(c, sid, RT_UNIMPLEMENTED, msg, NULL, 0);
        free(msg);
        ttrpc__request__free_unpacked(req, NULL);
        return;
    }
    struct job *j = calloc(1, sizeof *j);
    if (j && req->n_metadata) j->md = calloc(req->n_metadata, sizeof *j->md);
    if (!j || (req->n_metadata && !j->md)) {
        if (j) free(j);
        send_response(c, sid, RT_RESOURCE_EXHAUSTED, "ttrpc: out of memory", NULL, 0);
        ttrpc__request__free_unpacked(req, NULL);
        return;
    }
    for (size_t i = 0; i < req->n_metadata; i++) {
        j->md[i].key = req->metadata[i]->key;
        j->md[i].value = req->metadata[i]->value;
    }
    j->conn = c;
    j->m = m;
    j->req = req;
    j->sid = sid;
    pthread_mutex_lock(&s->mu);
    c->refs++;
    int rc = spawn_locked(s, handler_thread, j, &j->self);
    if (rc < 0) c->refs--;
    pthread_mutex_unlock(&s->mu);
    if (rc < 0) {
        send_response(c, sid, RT_RESOURCE_EXHAUSTED, "ttrpc: cannot start handler", NULL, 0);
        ttrpc__request__free_unpacked(req, NULL);
        free(j->md);
        free(j);
    }
}

static int peer_ok(int fd)
{
    struct ucred cr;
    socklen_t l = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0) return 0;
    return cr.uid == geteuid() && cr.gid == getegid();
}

struct reader_arg {
    struct rt_ttrpc_conn *c;
    struct thr *self;
};

static void *conn_reader(void *arg)
{
    struct reader_arg *ra = arg;
    struct rt_ttrpc_conn *c = ra->c;
    struct rt_ttrpc_server *s = c->s;
    struct thr *self = ra->self;
    free(ra);
    if (s->on_conn) s->on_conn(s->on_conn_arg, +1);
    if (!s->same_user || peer_ok(c->fd)) {
        for (;;) {
            uint8_t hb[RT_TTRPC_HDR_LEN];
            struct rt_ttrpc_hdr h;
            if (read_full(c->fd, hb, sizeof hb) < 0) break;
            rt_ttrpc_hdr_decode(hb, &h);
            if (h.length > RT_TTRPC_MAX_MSG) {
                if (discard(c->fd, h.length) < 0) break;
                char *msg = fmt("message length %u exceed maximum message size of %u",
                                h.length, RT_TTRPC_MAX_MSG);
                send_response(c, h.stream_id, RT_RESOURCE_EXHAUSTED, msg, NULL, 0);
                free(msg);
                continue;
            }
            uint8_t *data = h.length ? malloc(h.length) : NULL;
            if (h.length && (!data || read_full(c->fd, data, h.length) < 0)) {
                free(data);
                break;
            }
            if (h.type != RT_TTRPC_REQUEST) { /* unary only: other types ignored */
                free(data);
                continue;
            }
            if (h.stream_id % 2 == 0)
                send_response(c, h.stream_id, RT_INVALID_ARGUMENT,
                              "StreamID must be odd for client initiated streams", NULL, 0);
            else if (h.stream_id <= c->last_sid)
                send_response(c, h.stream_id, RT_INVALID_ARGUMENT,
                              "StreamID cannot be re-used and must increment", NULL, 0);
            else {
                c->last_sid = h.stream_id;
                dispatch(c, h.stream_id, data, h.length);
            }
            free(data);
        }
    }
    shutdown(c->fd, SHUT_RDWR);
    if (s->on_conn) s->on_conn(s->on_conn_arg, -1);
    conn_unref(c);
    thread_done(s, self);
    return NULL;
}

int rt_ttrpc_server_add_conn(struct rt_ttrpc_server *s, int fd)
{
    struct rt_ttrpc_conn *c = calloc(1, sizeof *c);
    struct reader_arg *ra = calloc(1, sizeof *ra);
    if (!c || !ra) {
        free(c);
        free(ra);
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->s = s;
    c->refs = 1;
    pthread_mutex_init(&c->wmu, NULL);
    ra->c = c;
    pthread_mutex_lock(&s->mu);
    if (s->stopping || spawn_locked(s, conn_reader, ra, &ra->self) < 0) {
        pthread_mutex_unlock(&s->mu);
        pthread_mutex_destroy(&c->wmu);
        free(c);
        free(ra);
        close(fd);
        return -1;
    }
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static void *accept_loop(void *arg)
{
    struct rt_ttrpc_server *s = arg;
    for (;;) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        pthread_mutex_lock(&s->mu);
        int stop = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (stop) {
            if (fd >= 0) close(fd);
            break;
        }
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS)
                usleep(10000); /* back off instead of spinning on exhaustion */
            else if (errno != EINTR && errno != ECONNABORTED)
                break;
            continue;
        }
        rt_ttrpc_server_add_conn(s, fd);
    }
    return NULL;
}

int rt_ttrpc_listen(const char *path, char *err, size_t errlen)
{
    path = rt_ttrpc_sockpath(path);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        if (err) snprintf(err, errlen, "listen unix %s: socket path too long", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        if (err) snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path);
    mode_t old = umask(0177); /* the socket is born 0600 */
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc < 0 || listen(fd, 128) < 0) {
        if (err) snprintf(err, errlen, "listen unix %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int rt_ttrpc_server_serve(struct rt_ttrpc_server *s, int listen_fd)
{
    s->listen_fd = listen_fd;
    if (pthread_create(&s->accept_thr, NULL, accept_loop, s) != 0) return -1;
    s->accepting = 1;
    return 0;
}

void rt_ttrpc_server_free(struct rt_ttrpc_server *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_mutex_unlock(&s->mu);
    if (s->accepting) {
        shutdown(s->listen_fd, SHUT_RDWR); /* wakes accept() */
        pthread_join(s->accept_thr, NULL);
    }
    if (s->listen_fd >= 0) close(s->listen_fd);
    pthread_mutex_lock(&s->mu);
    for (struct rt_ttrpc_conn *c = s->conns; c; c = c->next) shutdown(c->fd, SHUT_RDWR);
    while (s->nthreads > 0) pthread_cond_wait(&s->cv, &s->mu);
    while (s->finished) {
        struct thr *t = s->finished;
        s->finished = t->next;
        pthread_join(t->t, NULL);
        free(t);
    }
    pthread_mutex_unlock(&s->mu);
    while (s->methods) {
        struct method_ent *m = s->methods;
        s->methods = m->next;
        free(m->service);
        free(m->method);
        free(m);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
