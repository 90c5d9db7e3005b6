/* rtshimctl: a small shim v2 client/test tool over lib/ttrpc.
 *
 *   rtshimctl call ADDR METHOD [JSON]      one containerd.task.v2.Task call;
 *                                          prints the response as JSON. Exit 0 ok,
 *                                          1 error status (printed), 3 connection closed
 *   rtshimctl events-server SOCK OUT       serve Events/Forward, one JSON line per
 *                                          event appended to OUT (until killed)
 *   rtshimctl raw ADDR SERVICE METHOD      call with an empty payload
 *   rtshimctl any TYPE_URL JSON            a serialized Any on stdout (options for start)
 *   rtshimctl decode-delete                DeleteResponse bytes on stdin -> JSON
 *
 * JSON <-> protobuf goes through the descriptors, so field names are the
 * proto names. An Any is {"type_url": U, "value": OBJECT|STRING}: an object
 * is packed as the message U names, a string is taken as raw bytes. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "proto/events.pb-c.h"
#include "proto/events_ttrpc.pb-c.h"
#include "proto/runc_options.pb-c.h"
#include "proto/runtimeoptions.pb-c.h"
#include "proto/task.pb-c.h"
#include "ttrpc.h"

static const ProtobufCMessageDescriptor *known[] = {
    &containerd__runc__v1__options__descriptor,
    &containerd__runc__v1__process_details__descriptor,
    &runtimeoptions__v1__options__descriptor,
    &containerd__events__task_create__descriptor,
    &containerd__events__task_start__descriptor,
    &containerd__events__task_exit__descriptor,
    &containerd__events__task_delete__descriptor,
    &containerd__events__task_oom__descriptor,
    &containerd__events__task_exec_added__descriptor,
    &containerd__events__task_exec_started__descriptor,
    &containerd__events__task_paused__descriptor,
    &containerd__events__task_resumed__descriptor,
    &containerd__events__task_checkpointed__descriptor,
};

static const ProtobufCMessageDescriptor *by_url(const char *url)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(known[i]->name, url)) return known[i];
    return NULL;
}

static const struct {
    const char *method;
    const ProtobufCMessageDescriptor *req, *resp;
} task_methods[] = {
    {"State", &containerd__task__v2__state_request__descriptor, &containerd__task__v2__state_response__descriptor},
    {"Create", &containerd__task__v2__create_task_request__descriptor, &containerd__task__v2__create_task_response__descriptor},
    {"Start", &containerd__task__v2__start_request__descriptor, &containerd__task__v2__start_response__descriptor},
    {"Delete", &containerd__task__v2__delete_request__descriptor, &containerd__task__v2__delete_response__descriptor},
    {"Pids", &containerd__task__v2__pids_request__descriptor, &containerd__task__v2__pids_response__descriptor},
    {"Pause", &containerd__task__v2__pause_request__descriptor, &google__protobuf__empty__descriptor},
    {"Resume", &containerd__task__v2__resume_request__descriptor, &google__protobuf__empty__descriptor},
    {"Checkpoint", &containerd__task__v2__checkpoint_task_request__descriptor, &google__protobuf__empty__descriptor},
    {"Kill", &containerd__task__v2__kill_request__descriptor, &google__protobuf__empty__descriptor},
    {"Exec", &containerd__task__v2__exec_process_request__descriptor, &google__protobuf__empty__descriptor},
    {"ResizePty", &containerd__task__v2__resize_pty_request__descriptor, &google__protobuf__empty__descriptor},
    {"CloseIO", &containerd__task__v2__close_iorequest__descriptor, &google__protobuf__empty__descriptor},
    {"Update", &containerd__task__v2__update_task_request__descriptor, &google__protobuf__empty__descriptor},
    {"Wait", &containerd__task__v2__wait_request__descriptor, &containerd__task__v2__wait_response__descriptor},
    {"Stats", &containerd__task__v2__stats_request__descriptor, &containerd__task__v2__stats_response__descriptor},
    {"Connect", &containerd__task__v2__connect_request__descriptor, &containerd__task__v2__connect_response__descriptor},
    {"Shutdown", &containerd__task__v2__shutdown_request__descriptor, &google__protobuf__empty__descriptor},
};

/* ---- protobuf -> JSON -------------------------------------------------------- */

static json_t *msg_to_json(const ProtobufCMessage *m);

static json_t *scalar_to_json(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return json_integer((json_int_t) * (const uint64_t *)p);
    case PROTOBUF_C_TYPE_BOOL: return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_FLOAT: return json_real(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE: return json_real(*(const double *)p);
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)p;
        return json_string(s ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        json_t *v = b->len ? json_stringn((const char *)b->data, b->len) : json_string("");
        if (v) return v;
        char *hex = malloc(b->len * 2 + 1);
        for (size_t i = 0; i < b->len; i++) sprintf(hex + 2 * i, "%02x", b->data[i]);
        v = json_string(hex);
        free(hex);
        return v;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)p;
        return sub ? msg_to_json(sub) : json_null();
    }
    }
    return json_null();
}

static json_t *msg_to_json(const ProtobufCMessage *m)
{
    json_t *o = json_object();
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
            json_t *a = json_array();
            size_t sz = f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE
                            ? sizeof(void *)
                        : f->type == PROTOBUF_C_TYPE_BYTES ? sizeof(ProtobufCBinaryData)
                        : f->type == PROTOBUF_C_TYPE_INT64 || f->type == PROTOBUF_C_TYPE_UINT64 ||
                                f->type == PROTOBUF_C_TYPE_SINT64 || f->type == PROTOBUF_C_TYPE_FIXED64 ||
                                f->type == PROTOBUF_C_TYPE_SFIXED64 || f->type == PROTOBUF_C_TYPE_DOUBLE
                            ? 8
                        : f->type == PROTOBUF_C_TYPE_BOOL ? sizeof(protobuf_c_boolean)
                                                          : 4;
            const char *arr = *(const char *const *)base;
            for (size_t k = 0; k < n; k++) json_array_append_new(a, scalar_to_json(f, arr + k * sz));
            json_object_set_new(o, f->name, a);
            continue;
        }
        json_t *v = scalar_to_json(f, base);
        /* An Any whose type we know: show the decoded value too. */
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(void *const *)base &&
            !strcmp(((const ProtobufCMessageDescriptor *)f->descriptor)->name, "google.protobuf.Any")) {
            const Google__Protobuf__Any *any = *(void *const *)base;
            const ProtobufCMessageDescriptor *ad = by_url(any->type_url);
            ProtobufCMessage *dm = ad ? protobuf_c_message_unpack(ad, NULL, any->value.len, any->value.data) : NULL;
            if (dm) {
                json_object_set_new(v, "decoded", msg_to_json(dm));
                protobuf_c_message_free_unpacked(dm, NULL);
            }
        }
        json_object_set_new(o, f->name, v);
    }
    return o;
}

/* ---- JSON -> protobuf (malloc'd as protobuf_c_message_free_unpacked frees) -- */

static ProtobufCMessage *json_to_msg(const ProtobufCMessageDescriptor *d, json_t *o);

static int set_scalar(const ProtobufCFieldDescriptor *f, void *p, json_t *v)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_ENUM:
        *(int32_t *)p = (int32_t)json_integer_value(v); return 0;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)p = (uint32_t)json_integer_value(v); return 0;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        *(int64_t *)p = json_integer_value(v); return 0;
    case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *)p = json_is_true(v); return 0;
    case PROTOBUF_C_TYPE_FLOAT: *(float *)p = (float)json_number_value(v); return 0;
    case PROTOBUF_C_TYPE_DOUBLE: *(double *)p = json_number_value(v); return 0;
    case PROTOBUF_C_TYPE_STRING: *(char **)p = strdup(json_string_value(v) ? json_string_value(v) : ""); return 0;
    case PROTOBUF_C_TYPE_BYTES: {
        ProtobufCBinaryData *b = p;
        const char *s = json_string_value(v);
        b->len = s ? json_string_length(v) : 0;
        b->data = (uint8_t *)(s ? strdup(s) : NULL);
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessageDescriptor *sd = f->descriptor;
        if (!strcmp(sd->name, "google.protobuf.Any") && json_is_object(v)) {
            Google__Protobuf__Any *any = calloc(1, sizeof *any);
            google__protobuf__any__init(any);
            const char *url = json_string_value(json_object_get(v, "type_url"));
            any->type_url = strdup(url ? url : "");
            json_t *val = json_object_get(v, "value");
            const ProtobufCMessageDescriptor *ad = url ? by_url(url) : NULL;
            if (json_is_object(val) && ad) {
                ProtobufCMessage *im = json_to_msg(ad, val);
                any->value.len = protobuf_c_message_get_packed_size(im);
                any->value.data = malloc(any->value.len + 1);
                protobuf_c_message_pack(im, any->value.data);
                protobuf_c_message_free_unpacked(im, NULL);
            } else if (json_is_string(val)) {
                any->value.len = json_string_length(val);
                any->value.data = (uint8_t *)strdup(json_string_value(val));
            } else if (json_is_object(val)) { /* e.g. an OCI Process: JSON bytes */
                char *s = json_dumps(val, JSON_COMPACT);
                any->value.len = strlen(s);
                any->value.data = (uint8_t *)s;
            }
            *(void **)p = any;
            return 0;
        }
        *(void **)p = json_to_msg(sd, v);
        return 0;
    }
    }
    return -1;
}

static ProtobufCMessage *json_to_msg(const ProtobufCMessageDescriptor *d, json_t *o)
{
    ProtobufCMessage *m = calloc(1, d->sizeof_message);
    protobuf_c_message_init(d, m);
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
        if (!f) {
            fprintf(stderr, "rtshimctl: %s has no field %s\n", d->name, key);
            exit(2);
        }
        char *base = (char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = json_array_size(v);
            void **arr = calloc(n ? n : 1, 16);
            for (size_t k = 0; k < n; k++) {
                size_t sz = f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE ? sizeof(void *) : 8;
                set_scalar(f, (char *)arr + k * sz, json_array_get(v, k));
            }
            *(size_t *)((char *)m + f->quantifier_offset) = n;
            *(void **)base = arr;
        } else {
            set_scalar(f, base, v);
        }
    }
    return m;
}

/* ---- commands --------------------------------------------------------------- */

static int cmd_call(const char *addr, const char *method, const char *js)
{
    size_t i;
    for (i = 0; i < sizeof task_methods / sizeof task_methods[0]; i++)
        if (!strcmp(task_methods[i].method, method)) break;
    if (i == sizeof task_methods / sizeof task_methods[0]) {
        fprintf(stderr, "rtshimctl: unknown method %s\n", method);
        return 2;
    }
    json_error_t je;
    json_t *o = json_loads(js ? js : "{}", 0, &je);
    if (!o) {
        fprintf(stderr, "rtshimctl: bad JSON: %s\n", je.text);
        return 2;
    }
    ProtobufCMessage *req = json_to_msg(task_methods[i].req, o);
    char err[512];
    struct rt_ttrpc_client *c = rt_ttrpc_dial(addr, err, sizeof err);
    if (!c) {
        fprintf(stderr, "rtshimctl: %s\n", err);
        protobuf_c_message_free_unpacked(req, NULL);
        json_decref(o);
        return 3;
    }
    ProtobufCMessage *resp = NULL;
    char *msg = NULL;
    const char *t = getenv("RTSHIMCTL_TIMEOUT_MS");
    int code = rt_ttrpc_call_msg(c, "containerd.task.v2.Task", method, req, task_methods[i].resp,
                                 &resp, NULL, 0, t ? atoi(t) : 0, &msg);
    int rc = 0;
    if (code == 0) {
        json_t *j = msg_to_json(resp);
        char *s = json_dumps(j, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(j);
        protobuf_c_message_free_unpacked(resp, NULL);
    } else if (code == RT_TTRPC_CLOSED) {
        printf("closed: %s\n", msg);
        rc = 3;
    } else {
        printf("error %d: %s\n", code, msg);
        rc = 1;
    }
    free(msg);
    rt_ttrpc_client_free(c);
    protobuf_c_message_free_unpacked(req, NULL);
    json_decref(o);
    return rc;
}

static FILE *evout;
static pthread_mutex_t evmu = PTHREAD_MUTEX_INITIALIZER;

static void on_forward(void *arg, const struct rt_ttrpc_request *rq, struct rt_ttrpc_reply *rep)
{
    (void)arg;
    Containerd__Services__Events__Ttrpc__V1__ForwardRequest *fr =
        containerd__services__events__ttrpc__v1__forward_request__unpack(NULL, rq->payload_len, rq->payload);
    if (!fr || !fr->envelope) {
        rt_ttrpc_reply_error(rep, RT_INVALID_ARGUMENT, "bad forward request");
        if (fr) containerd__services__events__ttrpc__v1__forward_request__free_unpacked(fr, NULL);
        return;
    }
    json_t *j = msg_to_json(&fr->envelope->base);
    const char *mdns = "";
    for (size_t i = 0; i < rq->nmd; i++)
        if (!strcmp(rq->md[i].key, "containerd-namespace-ttrpc")) mdns = rq->md[i].value;
    json_object_set_new(j, "md_namespace", json_string(mdns));
    char *s = json_dumps(j, JSON_COMPACT);
    pthread_mutex_lock(&evmu);
    fprintf(evout, "%s\n", s);
    fflush(evout);
    pthread_mutex_unlock(&evmu);
    free(s);
    json_decref(j);
    containerd__services__events__ttrpc__v1__forward_request__free_unpacked(fr, NULL);
}

static int cmd_events(const char *sock, const char *out)
{
    evout = fopen(out, "a");
    if (!evout) {
        perror(out);
        return 2;
    }
    char err[512];
    int fd = rt_ttrpc_listen(sock, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "rtshimctl: %s\n", err);
        return 2;
    }
    struct rt_ttrpc_server *s = rt_ttrpc_server_new();
    rt_ttrpc_server_register(s, "containerd.services.events.ttrpc.v1.Events", "Forward", on_forward, NULL);
    rt_ttrpc_server_serve(s, fd);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    rt_ttrpc_server_free(s);
    unlink(rt_ttrpc_sockpath(sock));
    fclose(evout);
    return 0;
}

static int cmd_raw(const char *addr, const char *svc, const char *method)
{
    char err[512];
    struct rt_ttrpc_client *c = rt_ttrpc_dial(addr, err, sizeof err);
    if (!c) {
        fprintf(stderr, "rtshimctl: %s\n", err);
        return 3;
    }
    struct rt_ttrpc_result r;
    int code = rt_ttrpc_call(c, svc, method, NULL, 0, NULL, 0, 5000, &r);
    printf("code %d: %s\n", code, r.message);
    rt_ttrpc_result_free(&r);
    rt_ttrpc_client_free(c);
    return code == 0 ? 0 : 1;
}

/* Serialize an Any (TYPE_URL, JSON value packed by descriptor) to stdout. */
static int cmd_any(const char *url, const char *js)
{
    json_error_t je;
    json_t *o = json_pack("{s:s,s:o}", "type_url", url, "value", json_loads(js, 0, &je));
    if (!o) return 2;
    ProtobufCFieldDescriptor f = {.name = "x", .type = PROTOBUF_C_TYPE_MESSAGE,
                                  .descriptor = &google__protobuf__any__descriptor};
    Google__Protobuf__Any *any = NULL;
    set_scalar(&f, &any, o);
    size_t len = google__protobuf__any__get_packed_size(any);
    uint8_t *buf = malloc(len + 1);
    google__protobuf__any__pack(any, buf);
    fwrite(buf, 1, len, stdout);
    free(buf);
    google__protobuf__any__free_unpacked(any, NULL);
    json_decref(o);
    return 0;
}

/* Decode a DeleteResponse (the `delete` action's stdout) from stdin. */
static int cmd_decode_delete(void)
{
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, stdin);
    Containerd__Task__V2__DeleteResponse *r = containerd__task__v2__delete_response__unpack(NULL, n, buf);
    if (!r) {
        fprintf(stderr, "rtshimctl: not a DeleteResponse (%zu bytes)\n", n);
        return 1;
    }
    json_t *j = msg_to_json(&r->base);
    char *s = json_dumps(j, JSON_COMPACT);
    printf("%s\n", s);
    free(s);
    json_decref(j);
    containerd__task__v2__delete_response__free_unpacked(r, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "any")) return cmd_any(argv[2], argv[3]);
    if (argc == 2 && !strcmp(argv[1], "decode-delete")) return cmd_decode_delete();
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 4 && !strcmp(argv[1], "call")) return cmd_call(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
    if (argc == 4 && !strcmp(argv[1], "events-server")) return cmd_events(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "raw")) return cmd_raw(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: rtshimctl call ADDR METHOD [JSON] | events-server SOCK OUT | raw ADDR SERVICE METHOD\n");
    return 2;
}
