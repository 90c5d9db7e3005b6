/* ttrpc over unix sockets (shim spec §3): framing, a client with concurrent
 * calls on one connection, and a server dispatching each request on its own
 * thread. Knows nothing of the services carried above it.
 *
 * Frame: 10-byte big-endian header {u32 length, u32 stream id, u8 type,
 * u8 flags} + data (ttrpc.Request / ttrpc.Response, protobuf). */
#ifndef RT_TTRPC_H
#define RT_TTRPC_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#define RT_TTRPC_HDR_LEN 10
#define RT_TTRPC_MAX_MSG 4194304u
enum { RT_TTRPC_REQUEST = 1, RT_TTRPC_RESPONSE = 2, RT_TTRPC_DATA = 3 };

/* gRPC status codes (spec §3.6). */
enum rt_ttrpc_code {
    RT_OK = 0, RT_CANCELED = 1, RT_UNKNOWN = 2, RT_INVALID_ARGUMENT = 3,
    RT_DEADLINE_EXCEEDED = 4, RT_NOT_FOUND = 5, RT_ALREADY_EXISTS = 6,
    RT_PERMISSION_DENIED = 7, RT_RESOURCE_EXHAUSTED = 8, RT_FAILED_PRECONDITION = 9,
    RT_ABORTED = 10, RT_OUT_OF_RANGE = 11, RT_UNIMPLEMENTED = 12, RT_INTERNAL = 13,
    RT_UNAVAILABLE = 14,
};
/* Transport-level result of a client call: the connection is gone (EOF,
 * reset, or closed locally). Outstanding and later calls get this. */
#define RT_TTRPC_CLOSED (-1)

struct rt_ttrpc_hdr {
    uint32_t length, stream_id;
    uint8_t type, flags;
};
void rt_ttrpc_hdr_encode(const struct rt_ttrpc_hdr *h, uint8_t out[RT_TTRPC_HDR_LEN]);
void rt_ttrpc_hdr_decode(const uint8_t in[RT_TTRPC_HDR_LEN], struct rt_ttrpc_hdr *h);

/* Metadata: a multimap of string pairs. */
struct rt_ttrpc_kv {
    const char *key, *value;
};

/* Strip an optional "unix://" prefix. */
const char *rt_ttrpc_sockpath(const char *addr);

/* ---- client ---------------------------------------------------------- */
struct rt_ttrpc_client;

/* Connect to ADDR ("unix:///path" or "/path"). NULL with ERR on failure. */
struct rt_ttrpc_client *rt_ttrpc_dial(const char *addr, char *err, size_t errlen);
/* Wrap an already-connected stream socket (ownership passes). */
struct rt_ttrpc_client *rt_ttrpc_client_new(int fd);
/* Called once, from the reader thread, when the connection ends (EOF, error
 * or rt_ttrpc_client_close). Must not free the client itself. */
void rt_ttrpc_client_on_close(struct rt_ttrpc_client *c, void (*cb)(void *arg), void *arg);
/* Shut the connection down: outstanding calls fail with RT_TTRPC_CLOSED. */
void rt_ttrpc_client_close(struct rt_ttrpc_client *c);
/* Close (if needed), join the reader, free. Not from inside on_close. */
void rt_ttrpc_client_free(struct rt_ttrpc_client *c);
int rt_ttrpc_client_closed(struct rt_ttrpc_client *c);
/* Block until the connection has ended (the peer closed it) or TIMEOUT_MS
 * passed: 1 when closed, 0 on timeout. */
int rt_ttrpc_client_wait_closed(struct rt_ttrpc_client *c, int timeout_ms);

struct rt_ttrpc_result {
    int code;           /* status code, or RT_TTRPC_CLOSED */
    char *message;      /* malloc'd; "" on success */
    uint8_t *payload;   /* malloc'd response payload (may be NULL) */
    size_t payload_len;
};
void rt_ttrpc_result_free(struct rt_ttrpc_result *r);

/* One unary call. TIMEOUT_MS <= 0 means none (also sent as timeout_nano).
 * Returns the status code (0 = OK, >0 = error status from the server or
 * RT_DEADLINE_EXCEEDED locally) or RT_TTRPC_CLOSED; RES is always filled. */
int rt_ttrpc_call(struct rt_ttrpc_client *c, const char *service, const char *method,
                  const void *req, size_t reqlen, const struct rt_ttrpc_kv *md, size_t nmd,
                  int timeout_ms, struct rt_ttrpc_result *res);

/* Typed convenience over rt_ttrpc_call: packs REQ (may be NULL = empty),
 * unpacks into *RESP with RESP_DESC (RESP may be NULL to ignore). *ERRMSG
 * (may be NULL) receives a malloc'd message on non-zero return; decoding
 * failures of the response give RT_INTERNAL. Free *RESP with
 * protobuf_c_message_free_unpacked(*RESP, NULL). */
int rt_ttrpc_call_msg(struct rt_ttrpc_client *c, const char *service, const char *method,
                      const ProtobufCMessage *req, const ProtobufCMessageDescriptor *resp_desc,
                      ProtobufCMessage **resp, const struct rt_ttrpc_kv *md, size_t nmd,
                      int timeout_ms, char **errmsg);

/* ---- server ---------------------------------------------------------- */
struct rt_ttrpc_server;
struct rt_ttrpc_conn;

struct rt_ttrpc_request {
    const char *service, *method;
    const uint8_t *payload;
    size_t payload_len;
    int64_t timeout_nano;
    const struct rt_ttrpc_kv *md;
    size_t nmd;
    uint32_t stream_id;
    struct rt_ttrpc_conn *conn;
};

/* What a handler fills in. code 0 = success. message and payload are
 * malloc'd and freed by the server. AFTER (optional) runs once the reply has
 * been written (e.g. Shutdown: exit after replying). */
struct rt_ttrpc_reply {
    int code;
    char *message;
    uint8_t *payload;
    size_t payload_len;
    void (*after)(void *arg);
    void *after_arg;
};
/* Set an error status (printf-style message). Returns CODE. */
int rt_ttrpc_reply_error(struct rt_ttrpc_reply *rep, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Pack MSG as the reply payload (code 0). Returns 0. */
int rt_ttrpc_reply_msg(struct rt_ttrpc_reply *rep, const ProtobufCMessage *msg);

/* Handlers run on their own thread; several may run at once. */
typedef void (*rt_ttrpc_handler)(void *arg, const struct rt_ttrpc_request *req,
                                 struct rt_ttrpc_reply *rep);

struct rt_ttrpc_server *rt_ttrpc_server_new(void);
/* Register SERVICE/METHOD. Before serving only. 0 or -1 (ENOMEM/EEXIST). */
int rt_ttrpc_server_register(struct rt_ttrpc_server *s, const char *service, const char *method,
                             rt_ttrpc_handler fn, void *arg);
/* Default on: connections whose SO_PEERCRED euid/egid differ from ours are
 * closed without a reply (Go's UnixSocketRequireSameUser). */
void rt_ttrpc_server_require_same_user(struct rt_ttrpc_server *s, int on);
/* Connection events: DELTA +1 on accept, -1 when a connection ends. */
void rt_ttrpc_server_on_conn(struct rt_ttrpc_server *s, void (*cb)(void *arg, int delta), void *arg);

/* Create a listening unix socket at PATH (mode 0600, unlinking a stale
 * socket). Returns the fd or -1 with ERR. */
int rt_ttrpc_listen(const char *path, char *err, size_t errlen);
/* Serve LISTEN_FD on an accept thread (takes ownership). 0 or -1. */
int rt_ttrpc_server_serve(struct rt_ttrpc_server *s, int listen_fd);
/* Serve one already-connected socket (takes ownership). 0 or -1. */
int rt_ttrpc_server_add_conn(struct rt_ttrpc_server *s, int fd);
/* Stop accepting, shut every connection down, wait for readers and running
 * handlers to finish, free everything. */
void rt_ttrpc_server_free(struct rt_ttrpc_server *s);

#endif
