/* The shim floor of the lifecycle scenario (bench_floor.h): one `true`
 * task driven straight through the fake shim, with lib/ttrpc as the
 * client and as the events server the shim forwards to. What an engine
 * adds on top of this (API, container store, bundle FIFOs, logs, events)
 * is its overhead. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/bench_floor.h"
#include "harness/bench_int.h"
#include "harness/sandbox.h"
#include "procrun.h"
#include "proto/google_protobuf.pb-c.h"
#include "proto/runc_options.pb-c.h"
#include "proto/task.pb-c.h"
#include "ttrpc.h"

#define TASK "containerd.task.v2.Task"
#define CALL_MS 10000

const char *const bench_floor_steps[BF_N] = {"start", "wait", "teardown", "total"};

struct bench_floor {
    struct rt_sandbox *sb;
    struct rt_ttrpc_server *events;
    char *shim, *grpc, *bundles;
    char *env[5];
    uint8_t *opts;               /* the runc Options Any for `start` and Create */
    size_t opts_len;
    unsigned seq;
};

/* The spec fakerunc needs: `true` from the host, no isolation. */
static const char config_json[] =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\","
    "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]},"
    "\"root\":{\"path\":\"rootfs\"}}\n";

static void forward_ok(void *arg, const struct rt_ttrpc_request *req, struct rt_ttrpc_reply *rep)
{
    (void)arg, (void)req, (void)rep; /* acknowledged, as an engine would after handling it */
}

static int pack_options(struct bench_floor *f)
{
    Containerd__Runc__V1__Options o = CONTAINERD__RUNC__V1__OPTIONS__INIT;
    char *runc = rt_path_join(f->sb->shim_dir, "runc"), *root = rt_path_join(f->sb->dir, "runc-root");
    o.binary_name = runc;
    o.root = root;
    size_t n = protobuf_c_message_get_packed_size(&o.base);
    uint8_t *v = malloc(n ? n : 1);
    if (v) protobuf_c_message_pack(&o.base, v);
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = "containerd.runc.v1.Options";
    any.value.data = v;
    any.value.len = n;
    f->opts_len = protobuf_c_message_get_packed_size(&any.base);
    f->opts = v ? malloc(f->opts_len) : NULL;
    if (f->opts) protobuf_c_message_pack(&any.base, f->opts);
    free(v), free(runc), free(root);
    return f->opts ? 0 : -1;
}

struct bench_floor *bench_floor_new(const char *workdir, const char *libexec, char *err, size_t errlen)
{
    struct bench_floor *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->sb = rt_sandbox_create(workdir, "lc-floor", libexec, err, errlen);
    if (!f->sb) {
        free(f);
        return NULL;
    }
    f->shim = rt_path_join(f->sb->shim_dir, "containerd-shim-runc-v2");
    f->grpc = rt_path_join(f->sb->dir, "containerd.sock");
    f->bundles = rt_path_join(f->sb->dir, "bundles");
    char *evsock = rt_path_join(f->sb->dir, "events.sock");
    int n = 0;
    if (asprintf(&f->env[n++], "PATH=%s:/usr/sbin:/usr/bin:/sbin:/bin", f->sb->shim_dir) < 0 ||
        asprintf(&f->env[n++], "TTRPC_ADDRESS=%s", evsock) < 0 ||
        asprintf(&f->env[n++], "RTCONFORM_JOURNAL=%s", f->sb->journal) < 0 ||
        !(f->env[n++] = strdup("GOMAXPROCS=2"))) {
        snprintf(err, errlen, "out of memory");
        free(evsock);
        bench_floor_free(f);
        return NULL;
    }
    int lfd = rt_ttrpc_listen(evsock, err, errlen);
    free(evsock);
    f->events = lfd >= 0 ? rt_ttrpc_server_new() : NULL;
    if (!f->events ||
        rt_ttrpc_server_register(f->events, "containerd.services.events.ttrpc.v1.Events", "Forward", forward_ok,
                                 NULL) < 0 ||
        rt_ttrpc_server_serve(f->events, lfd) < 0 || rt_mkdir_p(f->bundles, 0711) < 0 || pack_options(f) < 0) {
        if (lfd >= 0) snprintf(err, errlen, "floor: cannot set up the events server or bundles");
        bench_floor_free(f);
        return NULL;
    }
    return f;
}

void bench_floor_free(struct bench_floor *f)
{
    if (!f) return;
    if (f->events) rt_ttrpc_server_free(f->events);
    if (f->sb) {
        rt_sandbox_reap_leaks(f->sb, (char[256]){0}, 256);
        rt_sandbox_destroy(f->sb, true);
    }
    for (size_t i = 0; i < sizeof f->env / sizeof f->env[0]; i++) free(f->env[i]);
    free(f->shim), free(f->grpc), free(f->bundles), free(f->opts);
    free(f);
}

/* Run the shim with ID and ACTION in BUNDLE as an engine does (lib/procrun:
 * own process group, cwd = bundle): IN (may be NULL) on stdin, stdout (and
 * with COMBINED stderr too) into *OUT. Exit status, or -1 + ERR. */
static int shim_action(struct bench_floor *f, const char *id, const char *bundle, const char *action,
                       const uint8_t *in, size_t inlen, bool combined, char **out, size_t *outlen, char *err,
                       size_t errlen)
{
    char *argv[] = {f->shim, "-namespace", "moby", "-address", f->grpc, "-publish-binary", "/bin/true",
                    "-id", (char *)id, "-bundle", (char *)bundle, (char *)action, NULL};
    if (!strcmp(action, "start")) argv[9] = (char *)action, argv[10] = NULL; /* no -bundle on start */
    struct rt_procrun r = {.path = f->shim, .argv = argv, .envp = f->env, .dir = bundle, .in = in,
                           .in_len = inlen, .merge_stderr = combined, .timeout_ms = CALL_MS};
    int code = 0;
    int rc = rt_procrun(&r, out, outlen, NULL, NULL, &code);
    if (rc == RT_PROCRUN_SPAWN_FAILED) {
        snprintf(err, errlen, "spawn %s: %s", f->shim, strerror(errno));
        return -1;
    }
    if (!*out) {
        snprintf(err, errlen, "shim %s: out of memory", action);
        return -1;
    }
    if (rc == RT_PROCRUN_TIMED_OUT) {
        snprintf(err, errlen, "shim %s: no answer within %d ms", action, CALL_MS);
        return -1;
    }
    if (code) snprintf(err, errlen, "shim %s: exit status %d: %.200s", action, code, combined ? *out : "");
    return code;
}

static int call(struct rt_ttrpc_client *cl, const char *method, const ProtobufCMessage *req,
                const ProtobufCMessageDescriptor *rd, ProtobufCMessage **resp, char *err, size_t errlen)
{
    char *msg = NULL;
    int code = rt_ttrpc_call_msg(cl, TASK, method, req, rd, resp, NULL, 0, CALL_MS, &msg);
    if (code) snprintf(err, errlen, "shim %s: %d %s", method, code, msg ? msg : "");
    free(msg);
    return code;
}

int bench_floor_cycle(struct bench_floor *f, double ms[BF_N], char *err, size_t errlen)
{
    char id[32], *out = NULL;
    size_t outlen;
    snprintf(id, sizeof id, "floor%06u", ++f->seq);
    char *bundle = rt_path_join(f->bundles, id), *rootfs = rt_path_join(bundle, "rootfs"),
         *cfg = rt_path_join(bundle, "config.json");
    struct rt_ttrpc_client *cl = NULL;
    uint32_t shim_pid = 0;
    int rc = -1;
    int jfd = open(f->sb->journal, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644); /* bounded */
    if (jfd >= 0) close(jfd);
    double t0 = bench_now_ms();
    /* As an engine: bundle with config.json, `start` with the options. */
    if (rt_mkdir_p(rootfs, 0711) < 0) {
        snprintf(err, errlen, "mkdir %s: %s", rootfs, strerror(errno));
        goto out;
    }
    if (rt_atomic_write_flags(cfg, config_json, sizeof config_json - 1, 0644, RT_AW_NO_SYNC, err, errlen) < 0)
        goto out;
    if (shim_action(f, id, bundle, "start", f->opts, f->opts_len, true, &out, &outlen, err, errlen)) goto out;
    while (outlen && (out[outlen - 1] == '\n' || out[outlen - 1] == ' ')) out[--outlen] = 0;
    cl = rt_ttrpc_dial(out, err, errlen);
    if (!cl) goto out;
    Google__Protobuf__Any *any = google__protobuf__any__unpack(NULL, f->opts_len, f->opts);
    Containerd__Task__V2__CreateTaskRequest cr = CONTAINERD__TASK__V2__CREATE_TASK_REQUEST__INIT;
    cr.id = id;
    cr.bundle = bundle;
    cr.options = any;
    int code = call(cl, "Create", &cr.base, NULL, NULL, err, errlen);
    google__protobuf__any__free_unpacked(any, NULL);
    if (code) goto out;
    Containerd__Task__V2__ConnectRequest cq = CONTAINERD__TASK__V2__CONNECT_REQUEST__INIT;
    cq.id = id;
    ProtobufCMessage *resp = NULL;
    if (call(cl, "Connect", &cq.base, &containerd__task__v2__connect_response__descriptor, &resp, err, errlen))
        goto out;
    shim_pid = ((Containerd__Task__V2__ConnectResponse *)resp)->shim_pid;
    protobuf_c_message_free_unpacked(resp, NULL);
    Containerd__Task__V2__StartRequest sq = CONTAINERD__TASK__V2__START_REQUEST__INIT;
    sq.id = id;
    if (call(cl, "Start", &sq.base, NULL, NULL, err, errlen)) goto out;
    double t1 = bench_now_ms();
    Containerd__Task__V2__WaitRequest wq = CONTAINERD__TASK__V2__WAIT_REQUEST__INIT;
    wq.id = id;
    if (call(cl, "Wait", &wq.base, NULL, NULL, err, errlen)) goto out;
    double t2 = bench_now_ms();
    Containerd__Task__V2__DeleteRequest dq = CONTAINERD__TASK__V2__DELETE_REQUEST__INIT;
    dq.id = id;
    if (call(cl, "Delete", &dq.base, NULL, NULL, err, errlen)) goto out;
    Containerd__Task__V2__ShutdownRequest hq = CONTAINERD__TASK__V2__SHUTDOWN_REQUEST__INIT;
    hq.id = id;
    call(cl, "Shutdown", &hq.base, NULL, NULL, err, errlen); /* EOF instead of a reply is fine */
    if (!rt_ttrpc_client_wait_closed(cl, CALL_MS)) {
        snprintf(err, errlen, "shim did not exit after Shutdown");
        goto out;
    }
    rt_ttrpc_client_free(cl);
    cl = NULL;
    shim_pid = 0;
    free(out), out = NULL;
    /* containerd runs `delete` after every connection close (shim spec §2.7). */
    if (shim_action(f, id, bundle, "delete", NULL, 0, false, &out, &outlen, err, errlen)) goto out;
    rt_rm_rf(bundle);
    double t3 = bench_now_ms();
    ms[BF_START] = t1 - t0, ms[BF_WAIT] = t2 - t1, ms[BF_TEARDOWN] = t3 - t2, ms[BF_TOTAL] = t3 - t0;
    rc = 0;
out:
    if (cl) rt_ttrpc_client_free(cl);
    if (shim_pid) kill((pid_t)shim_pid, SIGKILL); /* its subreaping ends the task too */
    if (rc) rt_rm_rf(bundle);
    free(out), free(bundle), free(rootfs), free(cfg);
    return rc;
}
