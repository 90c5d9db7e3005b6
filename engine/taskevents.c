/* The engine's side of shim events (shim spec §6.1): a ttrpc server for
 * containerd.services.events.ttrpc.v1.Events/Forward on the socket passed
 * to shims as TTRPC_ADDRESS. TaskExit of an init process stops its
 * container; every other event is acknowledged and logged. */
#include <stdlib.h>
#include <string.h>

#include "engine/execs.h"
#include "engine/shims_int.h"
#include "log.h"
#include "proto/events.pb-c.h"
#include "proto/events_ttrpc.pb-c.h"
#include "proto/google_protobuf.pb-c.h"
#include "ttrpc.h"

static struct rt_ttrpc_server *g_srv;

static void forward(void *arg, const struct rt_ttrpc_request *req, struct rt_ttrpc_reply *rep)
{
    (void)arg;
    Containerd__Services__Events__Ttrpc__V1__ForwardRequest *fr =
        containerd__services__events__ttrpc__v1__forward_request__unpack(NULL, req->payload_len, req->payload);
    if (!fr) {
        rt_ttrpc_reply_error(rep, RT_INVALID_ARGUMENT, "cannot decode ForwardRequest");
        return;
    }
    const Containerd__Services__Events__Ttrpc__V1__Envelope *env = fr->envelope;
    if (!env || !env->event) {
        rt_ttrpc_reply_error(rep, RT_INVALID_ARGUMENT, "event envelope without event");
    } else if (!env->topic || env->topic[0] != '/') {
        rt_ttrpc_reply_error(rep, RT_INVALID_ARGUMENT, "envelope topic \"%s\": must start with '/'",
                             env->topic ? env->topic : "");
    } else {
        rt_debug("shim event %s (%s)", env->topic, env->event->type_url);
        if (!strcmp(env->event->type_url, "containerd.events.TaskExit")) {
            Containerd__Events__TaskExit *te = containerd__events__task_exit__unpack(
                NULL, env->event->value.len, env->event->value.data);
            /* id == container_id: the init process; else an exec. */
            if (te && te->container_id && te->id && !strcmp(te->id, te->container_id))
                rt_shims_task_exited(te->container_id, te->exit_status);
            else if (te && te->container_id && te->id)
                rt_exec_exited(te->container_id, te->id, te->exit_status);
            if (te) containerd__events__task_exit__free_unpacked(te, NULL);
        }
    }
    containerd__services__events__ttrpc__v1__forward_request__free_unpacked(fr, NULL);
}

int rt_taskevents_start(const char *path)
{
    char err[256];
    int fd = rt_ttrpc_listen(path, err, sizeof err);
    if (fd < 0) {
        rt_error("events server: %s", err);
        return -1;
    }
    g_srv = rt_ttrpc_server_new();
    if (!g_srv ||
        rt_ttrpc_server_register(g_srv, "containerd.services.events.ttrpc.v1.Events", "Forward", forward, NULL) < 0 ||
        rt_ttrpc_server_serve(g_srv, fd) < 0) {
        rt_error("events server: cannot serve %s", path);
        return -1;
    }
    return 0;
}

void rt_taskevents_stop(void)
{
    if (g_srv) rt_ttrpc_server_free(g_srv);
    g_srv = NULL;
}
