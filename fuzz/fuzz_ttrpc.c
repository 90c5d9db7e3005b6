/* Fuzz target: ttrpc framing and protobuf decoding, both sides.
 *
 * The first input byte picks the mode, the rest is what the peer sends:
 *   0  frames to a ttrpc server serving the Task methods the way the fake
 *      shim does (request unpacked by its method's type; Create's options
 *      decoded with the shim's own opts_decode, both personalities)
 *   1  frames to the engine's events server (engine/taskevents.c: Forward,
 *      TaskExit), over a real unix socket
 *   2  the engine-side client: one call is sent, the input is the reply
 *   3  one protobuf message (type chosen by the second byte) unpacked; what
 *      unpacks must pack, and read back, pack to the same bytes
 * Each mode finishes only when every thread it started is done. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "engine/shims_int.h"
#include "fakeshims/shim/shim.h"
#include "fuzz_common.h"
#include "proto/events.pb-c.h"
#include "proto/events_ttrpc.pb-c.h"
#include "proto/google_protobuf.pb-c.h"
#include "proto/google_rpc.pb-c.h"
#include "proto/runc_options.pb-c.h"
#include "proto/runtimeoptions.pb-c.h"
#include "proto/task.pb-c.h"
#include "proto/ttrpc.pb-c.h"
#include "ttrpc.h"

/* The shim's options.c reads the personality from its globals. */
struct shim_globals g;


static const ProtobufCMessageDescriptor *const msgs[] = {
    &containerd__v1__types__process_info__descriptor, &containerd__types__mount__descriptor,
    &containerd__events__task_io__descriptor, &containerd__events__task_create__descriptor,
    &containerd__events__task_start__descriptor, &containerd__events__task_exit__descriptor,
    &containerd__events__task_delete__descriptor, &containerd__events__task_oom__descriptor,
    &containerd__events__task_exec_added__descriptor, &containerd__events__task_exec_started__descriptor,
    &containerd__events__task_paused__descriptor, &containerd__events__task_resumed__descriptor,
    &containerd__events__task_checkpointed__descriptor, &containerd__services__events__ttrpc__v1__envelope__descriptor,
    &containerd__services__events__ttrpc__v1__forward_request__descriptor, &google__protobuf__any__descriptor,
    &google__protobuf__timestamp__descriptor, &google__protobuf__empty__descriptor, &google__rpc__status__descriptor,
    &containerd__runc__v1__options__descriptor, &containerd__runc__v1__checkpoint_options__descriptor,
    &containerd__runc__v1__process_details__descriptor, &runtimeoptions__v1__options__descriptor,
    &containerd__task__v2__create_task_request__descriptor, &containerd__task__v2__create_task_response__descriptor,
    &containerd__task__v2__start_request__descriptor, &containerd__task__v2__start_response__descriptor,
    &containerd__task__v2__delete_request__descriptor, &containerd__task__v2__delete_response__descriptor,
    &containerd__task__v2__exec_process_request__descriptor, &containerd__task__v2__exec_process_response__descriptor,
    &containerd__task__v2__resize_pty_request__descriptor, &containerd__task__v2__state_request__descriptor,
    &containerd__task__v2__state_response__descriptor, &containerd__task__v2__kill_request__descriptor,
    &containerd__task__v2__close_iorequest__descriptor, &containerd__task__v2__pids_request__descriptor,
    &containerd__task__v2__pids_response__descriptor, &containerd__task__v2__checkpoint_task_request__descriptor,
    &containerd__task__v2__update_task_request__descriptor, &containerd__task__v2__wait_request__descriptor,
    &containerd__task__v2__wait_response__descriptor, &containerd__task__v2__stats_request__descriptor,
    &containerd__task__v2__stats_response__descriptor, &containerd__task__v2__connect_request__descriptor,
    &containerd__task__v2__connect_response__descriptor, &containerd__task__v2__shutdown_request__descriptor,
    &containerd__task__v2__pause_request__descriptor, &containerd__task__v2__resume_request__descriptor,
    &ttrpc__key_value__descriptor, &ttrpc__request__descriptor, &ttrpc__response__descriptor,
    &ttrpc__string_list__descriptor,
};
#define NMSGS (sizeof msgs / sizeof msgs[0])

static const struct { const char *name; const ProtobufCMessageDescriptor *req, *resp; } methods[] = {
    {"State", &containerd__task__v2__state_request__descriptor, &containerd__task__v2__state_response__descriptor},
    {"Create", &containerd__task__v2__create_task_request__descriptor,
     &containerd__task__v2__create_task_response__descriptor},
    {"Start", &containerd__task__v2__start_request__descriptor, &containerd__task__v2__start_response__descriptor},
    {"Delete", &containerd__task__v2__delete_request__descriptor, &containerd__task__v2__delete_response__descriptor},
    {"Pids", &containerd__task__v2__pids_request__descriptor, &containerd__task__v2__pids_response__descriptor},
    {"Kill", &containerd__task__v2__kill_request__descriptor, &google__protobuf__empty__descriptor},
    {"Exec", &containerd__task__v2__exec_process_request__descriptor, &google__protobuf__empty__descriptor},
    {"Wait", &containerd__task__v2__wait_request__descriptor, &containerd__task__v2__wait_response__descriptor},
    {"Stats", &containerd__task__v2__stats_request__descriptor, &containerd__task__v2__stats_response__descriptor},
    {"Connect", &containerd__task__v2__connect_request__descriptor,
     &containerd__task__v2__connect_response__descriptor},
    {"Update", &containerd__task__v2__update_task_request__descriptor, &google__protobuf__empty__descriptor},
    {"Shutdown", &containerd__task__v2__shutdown_request__descriptor, &google__protobuf__empty__descriptor},
};
#define NMETHODS (sizeof methods / sizeof methods[0])

static char events_sock[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(events_sock, sizeof events_sock, "%s/ev.sock", fuzz_scratch("ttrpc"));
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* Write DATA to FD while draining (and dropping) what comes back, so neither
 * side can block on a full socket buffer; then half-close and, if TO_EOF,
 * read until the peer closes (a server does once it has seen our EOF). */
static void pump(int fd, const uint8_t *data, size_t len, int to_eof)
{
    char sink[8192];
    size_t off = 0;
    int wr_open = 1;
    for (;;) {
        if (wr_open && off == len) {
            shutdown(fd, SHUT_WR);
            wr_open = 0;
        }
        if (!wr_open && !to_eof) return;
        struct pollfd p = {.fd = fd, .events = POLLIN | (wr_open ? POLLOUT : 0)};
        int pr = poll(&p, 1, 10000);
        if (pr < 0 && errno == EINTR) continue; /* libFuzzer's -timeout alarm ticks every second */
        if (pr <= 0) __builtin_trap(); /* the peer hangs */
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = read(fd, sink, sizeof sink);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return; /* EOF or reset: the peer is done */
        }
        if (wr_open && (p.revents & POLLOUT)) {
            ssize_t w = send(fd, data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0) {
                if (errno == EAGAIN) continue;
                shutdown(fd, SHUT_WR);
                wr_open = 0;
            } else {
                off += (size_t)w;
            }
        }
    }
}

/* ---- mode 0: shim side ------------------------------------------------- */

static void task_handler(void *arg, const struct rt_ttrpc_request *rq, struct rt_ttrpc_reply *rep)
{
    const ProtobufCMessageDescriptor *d = arg;
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, rq->payload_len, rq->payload ? rq->payload : (const uint8_t *)"");
    if (!m) {
        rt_ttrpc_reply_error(rep, RT_UNKNOWN, "unmarshal %s: proto: cannot parse invalid wire-format data", d->name);
        return;
    }
    if (d == &containerd__task__v2__create_task_request__descriptor) {
        Containerd__Task__V2__CreateTaskRequest *c = (void *)m;
        if (c->options) {
            char err[256];
            for (int kata = 0; kata < 2; kata++) {
                struct shim_opts o;
                g.kata = kata;
                opts_decode(c->options->type_url, c->options->value.data, c->options->value.len, &o, err, sizeof err);
                free(o.type_url), free(o.binary_name), free(o.root), free(o.config_path), free(o.config_body);
            }
        }
    }
    protobuf_c_message_free_unpacked(m, NULL);
    Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
    rt_ttrpc_reply_msg(rep, &empty.base);
}

static void mode_shim(const uint8_t *data, size_t len)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) abort();
    struct rt_ttrpc_server *s = rt_ttrpc_server_new();
    for (size_t i = 0; i < NMETHODS; i++)
        rt_ttrpc_server_register(s, "containerd.task.v2.Task", methods[i].name, task_handler, (void *)methods[i].req);
    if (rt_ttrpc_server_add_conn(s, sv[1]) < 0) abort();
    pump(sv[0], data, len, 1);
    close(sv[0]);
    rt_ttrpc_server_free(s);
}

/* ---- mode 1: engine events server ------------------------------------------- */

static void mode_events(const uint8_t *data, size_t len)
{
    if (rt_taskevents_start(events_sock) < 0) abort();
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", events_sock);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) abort();
    pump(fd, data, len, 1);
    close(fd);
    rt_taskevents_stop();
}

/* ---- mode 2: engine-side client ---------------------------------------------- */

struct client_call {
    struct rt_ttrpc_client *c;
    const ProtobufCMessageDescriptor *resp;
    const char *method;
};

static void *client_thread(void *arg)
{
    struct client_call *cc = arg;
    ProtobufCMessage *resp = NULL;
    char *msg = NULL;
    Containerd__Task__V2__StateRequest rq = CONTAINERD__TASK__V2__STATE_REQUEST__INIT;
    rq.id = (char *)"c1";
    rt_ttrpc_call_msg(cc->c, "containerd.task.v2.Task", cc->method, &rq.base, cc->resp, &resp, NULL, 0, 10000, &msg);
    if (resp) protobuf_c_message_free_unpacked(resp, NULL);
    free(msg);
    return NULL;
}

static void mode_client(uint8_t which, const uint8_t *data, size_t len)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) abort();
    struct client_call cc = {.c = rt_ttrpc_client_new(sv[1]), .resp = methods[which % NMETHODS].resp,
                             .method = methods[which % NMETHODS].name};
    pthread_t t;
    pthread_create(&t, NULL, client_thread, &cc);
    /* Wait for the request frame so the reply is read as the answer to it. */
    uint8_t hb[RT_TTRPC_HDR_LEN];
    size_t got = 0;
    while (got < sizeof hb) {
        ssize_t r = read(sv[0], hb + got, sizeof hb - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) abort();
        got += (size_t)r;
    }
    struct rt_ttrpc_hdr h;
    rt_ttrpc_hdr_decode(hb, &h);
    uint8_t skip[256];
    for (size_t left = h.length; left > 0;) {
        ssize_t r = read(sv[0], skip, left < sizeof skip ? left : sizeof skip);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) abort();
        left -= (size_t)r;
    }
    pump(sv[0], data, len, 0);
    pthread_join(t, NULL); /* answered, or failed by our EOF */
    close(sv[0]);
    rt_ttrpc_client_free(cc.c);
}

/* ---- mode 3: one message -------------------------------------------------------- */

static void mode_decode(uint8_t which, const uint8_t *data, size_t len)
{
    const ProtobufCMessageDescriptor *d = msgs[which % NMSGS];
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, len, data);
    if (!m) return;
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf || protobuf_c_message_pack(m, buf) != n) __builtin_trap();
    /* Non-canonical input (overlong varints, repeated fields) may pack
     * shorter; what we pack and read back must pack to the same bytes.
     * (protobuf-c 1.4 reads an overlong tag of field 0 as an unknown field
     * but refuses the canonical one it writes back: no re-read then.) */
    ProtobufCMessage *again = protobuf_c_message_unpack(d, NULL, n, buf);
    if (again) {
        uint8_t *buf2 = malloc(n ? n : 1);
        if (protobuf_c_message_get_packed_size(again) != n || !buf2 || protobuf_c_message_pack(again, buf2) != n ||
            memcmp(buf, buf2, n))
            __builtin_trap();
        free(buf2);
        protobuf_c_message_free_unpacked(again, NULL);
    }
    protobuf_c_message_free_unpacked(m, NULL);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    switch (data[0] & 3) {
    case 0: mode_shim(data + 1, size - 1); break;
    case 1: mode_events(data + 1, size - 1); break;
    case 2: mode_client(data[1], data + 2, size - 2); break;
    default: mode_decode(data[1], data + 2, size - 2); break;
    }
    return 0;
}
