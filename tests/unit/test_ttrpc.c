/* lib/ttrpc: framing, server error behaviour (shim spec §3.4), client
 * concurrency, timeouts and EOF. Raw frames are written by hand so the
 * server is tested as a Go client would see it. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "proto/ttrpc.pb-c.h"
#include "ttrpc.h"

#define SVC "test.v1.Svc"

static void h_echo(void *arg, const struct rt_ttrpc_request *rq, struct rt_ttrpc_reply *rep)
{
    (void)arg;
    if (rq->payload_len) {
        rep->payload = malloc(rq->payload_len);
        memcpy(rep->payload, rq->payload, rq->payload_len);
        rep->payload_len = rq->payload_len;
    }
}

/* Sleeps the number of ms in its payload, then echoes it. */
static void h_slow(void *arg, const struct rt_ttrpc_request *rq, struct rt_ttrpc_reply *rep)
{
    char buf[32] = "";
    memcpy(buf, rq->payload, rq->payload_len < 31 ? rq->payload_len : 31);
    usleep((useconds_t)atoi(buf) * 1000);
    h_echo(arg, rq, rep);
}

static void h_fail(void *arg, const struct rt_ttrpc_request *rq, struct rt_ttrpc_reply *rep)
{
    (void)arg;
    (void)rq;
    rt_ttrpc_reply_error(rep, RT_NOT_FOUND, "container not created: %s", "not found");
}

/* Echoes the value of metadata key "k". */
static void h_md(void *arg, const struct rt_ttrpc_request *rq, struct rt_ttrpc_reply *rep)
{
    (void)arg;
    for (size_t i = 0; i < rq->nmd; i++)
        if (!strcmp(rq->md[i].key, "k")) {
            rep->payload = (uint8_t *)strdup(rq->md[i].value);
            rep->payload_len = strlen(rq->md[i].value);
        }
}

struct fixture {
    struct rt_ttrpc_server *srv;
    int fd; /* our end of the connection */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    f->srv = rt_ttrpc_server_new();
    assert_int_equal(rt_ttrpc_server_register(f->srv, SVC, "Echo", h_echo, NULL), 0);
    assert_int_equal(rt_ttrpc_server_register(f->srv, SVC, "Slow", h_slow, NULL), 0);
    assert_int_equal(rt_ttrpc_server_register(f->srv, SVC, "Fail", h_fail, NULL), 0);
    assert_int_equal(rt_ttrpc_server_register(f->srv, SVC, "Md", h_md, NULL), 0);
    assert_int_equal(rt_ttrpc_server_register(f->srv, SVC, "Echo", h_echo, NULL), -1);
    assert_int_equal(rt_ttrpc_server_add_conn(f->srv, sv[1]), 0);
    f->fd = sv[0];
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->fd >= 0) close(f->fd);
    rt_ttrpc_server_free(f->srv);
    free(f);
    return 0;
}

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        assert_true(w > 0);
        c += w;
        n -= (size_t)w;
    }
}

static void read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        assert_true(r > 0);
        c += r;
        n -= (size_t)r;
    }
}

/* Serialized ttrpc.Request. */
static uint8_t *request(const char *svc, const char *method, const char *payload, size_t *len)
{
    Ttrpc__Request r = TTRPC__REQUEST__INIT;
    r.service = (char *)svc;
    r.method = (char *)method;
    r.payload.data = (uint8_t *)payload;
    r.payload.len = payload ? strlen(payload) : 0;
    *len = ttrpc__request__get_packed_size(&r);
    uint8_t *b = malloc(*len + 1);
    ttrpc__request__pack(&r, b);
    return b;
}

static size_t frame(uint8_t *out, uint32_t sid, uint8_t type, const uint8_t *data, size_t len)
{
    struct rt_ttrpc_hdr h = {(uint32_t)len, sid, type, 0};
    rt_ttrpc_hdr_encode(&h, out);
    if (len) memcpy(out + RT_TTRPC_HDR_LEN, data, len);
    return RT_TTRPC_HDR_LEN + len;
}

static void send_req(int fd, uint32_t sid, const char *svc, const char *method, const char *payload)
{
    size_t len;
    uint8_t *r = request(svc, method, payload, &len);
    uint8_t *buf = malloc(len + RT_TTRPC_HDR_LEN);
    write_all(fd, buf, frame(buf, sid, RT_TTRPC_REQUEST, r, len));
    free(buf);
    free(r);
}

/* Read one Response frame; returns it decoded, with the stream id. */
static Ttrpc__Response *recv_resp(int fd, uint32_t *sid, uint32_t *rawlen)
{
    uint8_t hb[RT_TTRPC_HDR_LEN];
    struct rt_ttrpc_hdr h;
    read_all(fd, hb, sizeof hb);
    rt_ttrpc_hdr_decode(hb, &h);
    assert_int_equal(h.type, RT_TTRPC_RESPONSE);
    assert_int_equal(h.flags, 0);
    uint8_t *d = malloc(h.length + 1);
    read_all(fd, d, h.length);
    *sid = h.stream_id;
    if (rawlen) *rawlen = h.length;
    Ttrpc__Response *r = ttrpc__response__unpack(NULL, h.length, d);
    free(d);
    assert_non_null(r);
    return r;
}

static void expect_status(int fd, uint32_t want_sid, int code, const char *msg)
{
    uint32_t sid;
    Ttrpc__Response *r = recv_resp(fd, &sid, NULL);
    assert_int_equal(sid, want_sid);
    assert_non_null(r->status);
    assert_int_equal(r->status->code, code);
    assert_string_equal(r->status->message, msg);
    assert_int_equal(r->payload.len, 0);
    ttrpc__response__free_unpacked(r, NULL);
}

static void expect_echo(int fd, uint32_t want_sid, const char *payload)
{
    uint32_t sid;
    Ttrpc__Response *r = recv_resp(fd, &sid, NULL);
    assert_int_equal(sid, want_sid);
    assert_null(r->status); /* success: no status field at all */
    assert_int_equal(r->payload.len, strlen(payload));
    assert_memory_equal(r->payload.data, payload, strlen(payload));
    ttrpc__response__free_unpacked(r, NULL);
}

static void test_header_roundtrip(void **state)
{
    (void)state;
    struct rt_ttrpc_hdr h = {0x00000028, 0x00000003, 1, 0}, o;
    uint8_t b[RT_TTRPC_HDR_LEN];
    rt_ttrpc_hdr_encode(&h, b);
    static const uint8_t want[] = {0, 0, 0, 0x28, 0, 0, 0, 3, 1, 0};
    assert_memory_equal(b, want, sizeof want);
    h = (struct rt_ttrpc_hdr){0xfedcba98, 0x80000001, 3, 5};
    rt_ttrpc_hdr_encode(&h, b);
    rt_ttrpc_hdr_decode(b, &o);
    assert_int_equal(o.length, 0xfedcba98);
    assert_int_equal(o.stream_id, 0x80000001);
    assert_int_equal(o.type, 3);
    assert_int_equal(o.flags, 5);
    assert_string_equal(rt_ttrpc_sockpath("unix:///run/x.sock"), "/run/x.sock");
    assert_string_equal(rt_ttrpc_sockpath("/run/x.sock"), "/run/x.sock");
}

static void test_partial_reads(void **state)
{
    struct fixture *f = *state;
    size_t len;
    uint8_t *r = request(SVC, "Echo", "hello", &len);
    uint8_t buf[256];
    size_t n = frame(buf, 1, RT_TTRPC_REQUEST, r, len);
    free(r);
    for (size_t i = 0; i < n; i++) { /* one byte at a time */
        write_all(f->fd, buf + i, 1);
        if (i % 7 == 0) usleep(1000);
    }
    expect_echo(f->fd, 1, "hello");
}

static void test_coalesced_frames(void **state)
{
    struct fixture *f = *state;
    uint8_t buf[512];
    size_t off = 0, len;
    const char *words[] = {"one", "two", "three"};
    for (int i = 0; i < 3; i++) {
        uint8_t *r = request(SVC, "Echo", words[i], &len);
        off += frame(buf + off, 1 + 2 * (uint32_t)i, RT_TTRPC_REQUEST, r, len);
        free(r);
    }
    write_all(f->fd, buf, off); /* three frames, one write */
    int seen[3] = {0};
    for (int i = 0; i < 3; i++) { /* handlers run concurrently: any order */
        uint32_t sid;
        Ttrpc__Response *rs = recv_resp(f->fd, &sid, NULL);
        assert_true(sid == 1 || sid == 3 || sid == 5);
        int k = (int)(sid - 1) / 2;
        seen[k]++;
        assert_int_equal(rs->payload.len, strlen(words[k]));
        assert_memory_equal(rs->payload.data, words[k], strlen(words[k]));
        ttrpc__response__free_unpacked(rs, NULL);
    }
    assert_true(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
}

static void test_empty_payload_and_zero_length(void **state)
{
    struct fixture *f = *state;
    send_req(f->fd, 1, SVC, "Echo", NULL);
    uint32_t sid, raw;
    Ttrpc__Response *r = recv_resp(f->fd, &sid, &raw);
    assert_int_equal(sid, 1);
    assert_int_equal(raw, 0); /* 00000000 <sid> 02 00 */
    assert_null(r->status);
    ttrpc__response__free_unpacked(r, NULL);
    /* A 0-length Request frame is a Request with an empty service. */
    uint8_t hb[RT_TTRPC_HDR_LEN];
    frame(hb, 3, RT_TTRPC_REQUEST, NULL, 0);
    write_all(f->fd, hb, sizeof hb);
    expect_status(f->fd, 3, RT_UNIMPLEMENTED, "service ");
}

static void test_oversize_frame(void **state)
{
    struct fixture *f = *state;
    size_t big = RT_TTRPC_MAX_MSG + 1;
    uint8_t hb[RT_TTRPC_HDR_LEN];
    struct rt_ttrpc_hdr h = {(uint32_t)big, 1, RT_TTRPC_REQUEST, 0};
    rt_ttrpc_hdr_encode(&h, hb);
    write_all(f->fd, hb, sizeof hb);
    char *junk = calloc(1, big);
    write_all(f->fd, junk, big);
    free(junk);
    expect_status(f->fd, 1, RT_RESOURCE_EXHAUSTED,
                  "message length 4194305 exceed maximum message size of 4194304");
    send_req(f->fd, 3, SVC, "Echo", "still alive"); /* the connection keeps working */
    expect_echo(f->fd, 3, "still alive");
}

static void test_stream_id_rules(void **state)
{
    struct fixture *f = *state;
    send_req(f->fd, 2, SVC, "Echo", "x");
    expect_status(f->fd, 2, RT_INVALID_ARGUMENT, "StreamID must be odd for client initiated streams");
    send_req(f->fd, 5, SVC, "Echo", "x");
    expect_echo(f->fd, 5, "x");
    send_req(f->fd, 3, SVC, "Echo", "x");
    expect_status(f->fd, 3, RT_INVALID_ARGUMENT, "StreamID cannot be re-used and must increment");
    send_req(f->fd, 7, SVC, "Echo", "y");
    expect_echo(f->fd, 7, "y");
}

static void test_unknown_service_method(void **state)
{
    struct fixture *f = *state;
    send_req(f->fd, 1, "no.such.Service", "Echo", NULL);
    expect_status(f->fd, 1, RT_UNIMPLEMENTED, "service no.such.Service");
    send_req(f->fd, 3, SVC, "Nope", NULL);
    expect_status(f->fd, 3, RT_UNIMPLEMENTED, "method Nope");
    send_req(f->fd, 5, SVC, "Fail", NULL);
    expect_status(f->fd, 5, RT_NOT_FOUND, "container not created: not found");
}

static void test_malformed_request(void **state)
{
    struct fixture *f = *state;
    static const uint8_t bad[] = {0x0a, 0x7f, 'x'}; /* length runs past the end */
    uint8_t buf[64];
    write_all(f->fd, buf, frame(buf, 1, RT_TTRPC_REQUEST, bad, sizeof bad));
    uint32_t sid;
    Ttrpc__Response *r = recv_resp(f->fd, &sid, NULL);
    assert_int_equal(sid, 1);
    assert_non_null(r->status);
    assert_int_equal(r->status->code, RT_INVALID_ARGUMENT);
    assert_true(strncmp(r->status->message, "unmarshal request error: ", 25) == 0);
    ttrpc__response__free_unpacked(r, NULL);
    /* Non-request frame types are ignored, not fatal. */
    write_all(f->fd, buf, frame(buf, 3, RT_TTRPC_DATA, bad, sizeof bad));
    send_req(f->fd, 5, SVC, "Echo", "ok");
    expect_echo(f->fd, 5, "ok");
}

/* ---- client ---------------------------------------------------------------- */

struct cc {
    struct rt_ttrpc_client *c;
    const char *payload;
    int code;
    char out[32];
    struct timespec done;
};

static void *call_thread(void *arg)
{
    struct cc *k = arg;
    struct rt_ttrpc_result r;
    k->code = rt_ttrpc_call(k->c, SVC, "Slow", k->payload, strlen(k->payload), NULL, 0, 5000, &r);
    clock_gettime(CLOCK_MONOTONIC, &k->done);
    snprintf(k->out, sizeof k->out, "%.*s", (int)r.payload_len, r.payload ? (char *)r.payload : "");
    rt_ttrpc_result_free(&r);
    return NULL;
}

static void test_client_concurrent_out_of_order(void **state)
{
    struct fixture *f = *state;
    struct rt_ttrpc_client *c = rt_ttrpc_client_new(f->fd);
    f->fd = -1;
    assert_non_null(c);
    struct cc a = {c, "400", 0, "", {0, 0}}, b = {c, "10", 0, "", {0, 0}};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, call_thread, &a);
    usleep(50000); /* a is in flight first */
    pthread_create(&tb, NULL, call_thread, &b);
    pthread_join(tb, NULL);
    pthread_join(ta, NULL);
    assert_int_equal(a.code, 0);
    assert_int_equal(b.code, 0);
    assert_string_equal(a.out, "400");
    assert_string_equal(b.out, "10");
    /* b was answered before a, on the same connection */
    assert_true(b.done.tv_sec < a.done.tv_sec ||
                (b.done.tv_sec == a.done.tv_sec && b.done.tv_nsec < a.done.tv_nsec));

    struct rt_ttrpc_result r;
    assert_int_equal(rt_ttrpc_call(c, SVC, "Fail", NULL, 0, NULL, 0, 0, &r), RT_NOT_FOUND);
    assert_string_equal(r.message, "container not created: not found");
    rt_ttrpc_result_free(&r);
    struct rt_ttrpc_kv md[] = {{"containerd-namespace-ttrpc", "ns"}, {"k", "v1"}};
    assert_int_equal(rt_ttrpc_call(c, SVC, "Md", NULL, 0, md, 2, 0, &r), 0);
    assert_int_equal(r.payload_len, 2);
    assert_memory_equal(r.payload, "v1", 2);
    rt_ttrpc_result_free(&r);
    assert_int_equal(rt_ttrpc_call(c, SVC, "Slow", "300", 3, NULL, 0, 50, &r), RT_DEADLINE_EXCEEDED);
    rt_ttrpc_result_free(&r);
    assert_int_equal(rt_ttrpc_call(c, "x", "y", NULL, 0, NULL, 0, 0, &r), RT_UNIMPLEMENTED);
    assert_string_equal(r.message, "service x");
    rt_ttrpc_result_free(&r);
    rt_ttrpc_client_free(c);
}

static int closed_calls;
static void on_close(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&closed_calls, 1, __ATOMIC_SEQ_CST);
}

static void test_client_eof(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    struct rt_ttrpc_client *c = rt_ttrpc_client_new(sv[0]);
    rt_ttrpc_client_on_close(c, on_close, NULL);
    struct cc a = {c, "1", 0, "", {0, 0}};
    pthread_t ta;
    pthread_create(&ta, NULL, call_thread, &a);
    /* Peer reads the request (odd id 1), then hangs up without answering. */
    uint8_t hb[RT_TTRPC_HDR_LEN];
    struct rt_ttrpc_hdr h;
    read_all(sv[1], hb, sizeof hb);
    rt_ttrpc_hdr_decode(hb, &h);
    assert_int_equal(h.stream_id, 1);
    assert_int_equal(h.type, RT_TTRPC_REQUEST);
    char *d = malloc(h.length + 1);
    read_all(sv[1], d, h.length);
    free(d);
    close(sv[1]);
    pthread_join(ta, NULL);
    assert_int_equal(a.code, RT_TTRPC_CLOSED);
    assert_true(rt_ttrpc_client_closed(c));
    struct rt_ttrpc_result r;
    assert_int_equal(rt_ttrpc_call(c, SVC, "Echo", NULL, 0, NULL, 0, 0, &r), RT_TTRPC_CLOSED);
    assert_string_equal(r.message, "ttrpc: closed");
    rt_ttrpc_result_free(&r);
    rt_ttrpc_client_free(c);
    assert_int_equal(closed_calls, 1);
}

static void test_listen_dial_typed(void **state)
{
    (void)state;
    char dir[] = "/tmp/rt-ttrpc-XXXXXX", path[128], addr[160], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.sock", dir);
    snprintf(addr, sizeof addr, "unix://%s", path);
    struct rt_ttrpc_server *s = rt_ttrpc_server_new();
    rt_ttrpc_server_register(s, SVC, "Echo", h_echo, NULL);
    int lfd = rt_ttrpc_listen(path, err, sizeof err);
    assert_true(lfd >= 0);
    assert_int_equal(rt_ttrpc_server_serve(s, lfd), 0);
    struct rt_ttrpc_client *c = rt_ttrpc_dial(addr, err, sizeof err);
    assert_non_null(c);
    Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
    kv.key = "a";
    kv.value = "b";
    ProtobufCMessage *resp = NULL;
    char *msg = NULL;
    assert_int_equal(rt_ttrpc_call_msg(c, SVC, "Echo", &kv.base, &ttrpc__key_value__descriptor,
                                       &resp, NULL, 0, 1000, &msg), 0);
    assert_null(msg);
    assert_string_equal(((Ttrpc__KeyValue *)resp)->value, "b");
    protobuf_c_message_free_unpacked(resp, NULL);
    assert_int_equal(rt_ttrpc_call_msg(c, SVC, "Nope", NULL, NULL, NULL, NULL, 0, 1000, &msg),
                     RT_UNIMPLEMENTED);
    assert_string_equal(msg, "method Nope");
    free(msg);
    rt_ttrpc_client_free(c);
    rt_ttrpc_server_free(s);
    unlink(path);
    rmdir(dir);
    assert_null(rt_ttrpc_dial(addr, err, sizeof err));
    assert_non_null(strstr(err, "dial unix"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_roundtrip),
        cmocka_unit_test_setup_teardown(test_partial_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coalesced_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_payload_and_zero_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversize_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_id_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_service_method, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_concurrent_out_of_order, setup, teardown),
        cmocka_unit_test(test_client_eof),
        cmocka_unit_test(test_listen_dial_typed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
