/* Events to containerd over ttrpc Forward on $TTRPC_ADDRESS (spec §6.1):
 * one ordered queue, a lazy connection redialled on EOF, retries with a
 * growing back-off, then the event is dropped. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tmoscale.h"
#include "proto/events_ttrpc.pb-c.h"
#include "shim.h"

#define EVENTS_SERVICE "containerd.services.events.ttrpc.v1.Events"
#define MAX_TRIES 5

struct ev {
    char *topic, *type_url;
    uint8_t *data;
    size_t len;
    struct timespec at;
    struct ev *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct ev *head, **tail = &head;
static int busy;
static struct rt_ttrpc_client *client;

void events_publish(const char *topic, const ProtobufCMessage *msg)
{
    struct ev *e = calloc(1, sizeof *e);
    if (!e) return;
    e->topic = strdup(topic);
    e->type_url = strdup(msg->descriptor->name); /* bare full name */
    e->len = protobuf_c_message_get_packed_size(msg);
    e->data = malloc(e->len ? e->len : 1);
    protobuf_c_message_pack(msg, e->data);
    ts_now(&e->at);
    pthread_mutex_lock(&mu);
    *tail = e;
    tail = &e->next;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static int forward(struct ev *e, char *err, size_t errlen)
{
    if (!client) {
        client = rt_ttrpc_dial(g.ttrpc_address, err, errlen);
        if (!client) return -1;
    }
    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    ts.seconds = e->at.tv_sec;
    ts.nanos = (int32_t)e->at.tv_nsec;
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = e->type_url;
    any.value.data = e->data;
    any.value.len = e->len;
    Containerd__Services__Events__Ttrpc__V1__Envelope env =
        CONTAINERD__SERVICES__EVENTS__TTRPC__V1__ENVELOPE__INIT;
    env.timestamp = &ts;
    env.namespace_ = g.ns;
    env.topic = e->topic;
    env.event = &any;
    Containerd__Services__Events__Ttrpc__V1__ForwardRequest req =
        CONTAINERD__SERVICES__EVENTS__TTRPC__V1__FORWARD_REQUEST__INIT;
    req.envelope = &env;
    struct rt_ttrpc_kv md = {"containerd-namespace-ttrpc", g.ns};
    char *msg = NULL;
    int code = rt_ttrpc_call_msg(client, EVENTS_SERVICE, "Forward", &req.base, NULL, NULL, &md,
                                 1, (int)rt_timeout_scaled_ms(5000), &msg);
    if (code != 0) {
        snprintf(err, errlen, "%s", msg ? msg : "forward failed");
        if (code == RT_TTRPC_CLOSED || code == RT_DEADLINE_EXCEEDED) {
            rt_ttrpc_client_free(client); /* redial next time */
            client = NULL;
        }
    }
    free(msg);
    return code == 0 ? 0 : -1;
}

static void *events_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!head) {
            busy = 0;
            pthread_cond_broadcast(&cv);
            pthread_cond_wait(&cv, &mu);
        }
        busy = 1;
        struct ev *e = head;
        head = e->next;
        if (!head) tail = &head;
        pthread_mutex_unlock(&mu);
        if (g.ttrpc_address && *g.ttrpc_address) {
            for (int i = 0; i < MAX_TRIES; i++) {
                char err[256] = "";
                if (forward(e, err, sizeof err) == 0) break;
                rt_warn("forward %s (try %d): %s", e->topic, i + 1, err);
                if (i + 1 < MAX_TRIES) usleep(1000u * (unsigned)rt_timeout_scaled_ms(200) * (unsigned)(i + 1));
            }
        }
        free(e->topic);
        free(e->type_url);
        free(e->data);
        free(e);
        pthread_mutex_lock(&mu);
    }
    return NULL;
}

void events_start(void)
{
    pthread_t t;
    pthread_create(&t, NULL, events_thread, NULL);
    pthread_detach(t);
}

void events_flush(int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
    pthread_mutex_lock(&mu);
    while ((head || busy) && pthread_cond_timedwait(&cv, &mu, &ts) == 0) {}
    pthread_mutex_unlock(&mu);
}
