/* The shim manager: a table of live tasks (one shim connection each), the
 * start hook (shim spec §7: start action -> dial -> Create -> Connect ->
 * Start -> State), and the exit path (TaskExit or connection EOF -> Delete,
 * Shutdown, close, `delete` action, bundle removed, container stopped,
 * `die`, AutoRemove / restart policy). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/bundle.h"
#include "engine/ctr_events.h"
#include "engine/snapshot.h"
#include "engine/containers.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/shims.h"
#include "engine/shims_int.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "tmoscale.h"
#include "proto/task.pb-c.h"
#include "ttrpc.h"

#define TASK_SVC "containerd.task.v2.Task"

struct task {
    char id[65];
    char *shim, *address;
    struct rt_bundle bundle;
    struct rt_ttrpc_client *cl;
    struct rt_drain *drain;
    uint32_t pid;
    pid_t shim_pid;   /* SO_PEERCRED: the `start` action that listened */
    bool poisoned;    /* a call timed out or got garbage: no more calls */
    bool live;        /* Start succeeded: exits are ours to handle */
    bool finishing;   /* the exit path has been claimed */
    int users;        /* kill calls in flight (g_mu); freeing waits for 0 */
    bool pending;     /* an exit arrived before Start returned */
    int pending_status;
    struct task *next;
};

/* Per-container exit bookkeeping for waiters. */
struct exitrec {
    char id[65];
    unsigned long seq;
    int code;
    struct exitrec *next;
};

static struct rt_engine *g_engine;
static char *g_grpc_addr, *g_ttrpc_addr, *g_self;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static struct task *g_tasks;
static struct exitrec *g_exits;
static int g_finishing; /* exit threads in flight (shutdown waits) */
static bool g_stopping; /* engine shutdown: no more restarts */

/* ---- table (g_mu held) ---- */

static struct task *find_locked(const char *id)
{
    for (struct task *t = g_tasks; t; t = t->next)
        if (!strcmp(t->id, id)) return t;
    return NULL;
}

static void unlink_locked(struct task *t)
{
    for (struct task **pp = &g_tasks; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            return;
        }
}

static struct exitrec *exitrec_locked(const char *id)
{
    for (struct exitrec *r = g_exits; r; r = r->next)
        if (!strcmp(r->id, id)) return r;
    struct exitrec *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    snprintf(r->id, sizeof r->id, "%s", id);
    r->next = g_exits;
    g_exits = r;
    return r;
}

static void task_free(struct task *t)
{
    if (t->cl) rt_ttrpc_client_free(t->cl);
    rt_drain_stop(t->drain);
    rt_bundle_destroy(&t->bundle);
    free(t->shim);
    free(t->address);
    free(t);
}

static struct rt_shim_launch launch_of(const struct task *t)
{
    return (struct rt_shim_launch){.shim = t->shim, .id = t->id, .bundle = t->bundle.dir,
                                   .address = g_grpc_addr, .publish = g_self,
                                   .ttrpc_address = g_ttrpc_addr};
}

/* containerd's errdefs suffix for a ttrpc status code. */
static const char *code_suffix(int code)
{
    switch (code) {
    case RT_CANCELED: return "context canceled";
    case RT_INVALID_ARGUMENT: return "invalid argument";
    case RT_DEADLINE_EXCEEDED: return "context deadline exceeded";
    case RT_NOT_FOUND: return "not found";
    case RT_ALREADY_EXISTS: return "already exists";
    case RT_FAILED_PRECONDITION: return "failed precondition";
    case RT_UNIMPLEMENTED: return "not implemented";
    case RT_UNAVAILABLE: return "unavailable";
    default: return "unknown";
    }
}

/* One Task call under the timeout policy (shims_int.h). A deadline gives
 * *MSG = "<Method>: no reply from the shim within <ms> ms". */
static int call(struct rt_ttrpc_client *cl, const char *method, const ProtobufCMessage *req,
                const ProtobufCMessageDescriptor *rd, ProtobufCMessage **resp, long nominal_ms, char **msg)
{
    long ms = rt_shim_timeout_ms(nominal_ms);
    char *m = NULL;
    int code = rt_ttrpc_call_msg(cl, TASK_SVC, method, req, rd, resp, NULL, 0, (int)ms, &m);
    if (code == RT_DEADLINE_EXCEEDED) {
        free(m);
        if (asprintf(&m, "%s: no reply from the shim within %ld ms", method, ms) < 0) m = NULL;
    }
    if (msg) *msg = m;
    else free(m);
    return code;
}

/* Delete(init) + Shutdown; close; `delete` action; a shim daemon that is
 * still there after all that is killed. Returns the delete action's exit
 * status, or -1 when it gave none. */
static int teardown(struct task *t)
{
    bool lingering = t->poisoned || !t->cl;
    if (t->cl && !t->poisoned && !rt_ttrpc_client_closed(t->cl)) {
        Containerd__Task__V2__DeleteRequest dr = CONTAINERD__TASK__V2__DELETE_REQUEST__INIT;
        dr.id = t->id;
        call(t->cl, "Delete", &dr.base, NULL, NULL, RT_SHIM_TMO_CALL, NULL);
        Containerd__Task__V2__ShutdownRequest sr = CONTAINERD__TASK__V2__SHUTDOWN_REQUEST__INIT;
        sr.id = t->id;
        /* EOF on Shutdown is success (shim spec §9.19). */
        call(t->cl, "Shutdown", &sr.base, NULL, NULL, RT_SHIM_TMO_SHUTDOWN, NULL);
        /* A shim that exits closes the connection (its EOF is the event);
         * one that keeps tasks (a failed Delete) does not. */
        lingering = !rt_ttrpc_client_wait_closed(t->cl, (int)rt_shim_timeout_ms(RT_SHIM_TMO_SHUTDOWN));
    }
    if (t->cl) rt_ttrpc_client_close(t->cl);
    if (!t->shim) return -1; /* a bundle of a crashed run that never got one */
    struct rt_shim_launch l = launch_of(t);
    uint32_t st = 0;
    int rc = rt_shim_action_delete(&l, &st) == 0 ? (int)st : -1;
    if (lingering) rt_shim_kill_lingering(t->shim, t->bundle.dir);
    return rc;
}

/* ---- exit path ---- */

struct finish_arg {
    struct task *t;
    int status; /* from TaskExit, or -1 (connection lost) */
};

static bool restart_after_exit(const json_t *doc, const json_t *hc, int code)
{
    const json_t *rp = json_object_get(hc, "RestartPolicy");
    const char *name = rt_json_str(rp, "Name", "");
    if (rt_json_bool(doc, "HasBeenManuallyStopped", 0)) return false;
    if (!strcmp(name, "always") || !strcmp(name, "unless-stopped")) return true;
    if (!strcmp(name, "on-failure") && code != 0) {
        long long max = rt_json_int(rp, "MaximumRetryCount", 0);
        return max == 0 || rt_json_int(doc, "RestartCount", 0) < max;
    }
    return false;
}

static void *finish_thread(void *arg)
{
    struct finish_arg *fa = arg;
    struct task *t = fa->t;
    int del = teardown(t);
    int code = fa->status >= 0 ? fa->status : del >= 0 ? del : 255;
    free(fa);
    pthread_mutex_lock(&g_mu);
    unlink_locked(t);
    while (t->users > 0) pthread_cond_wait(&g_cv, &g_mu);
    pthread_mutex_unlock(&g_mu);
    char id[65];
    snprintf(id, sizeof id, "%s", t->id);
    task_free(t);

    struct rt_ctr_store *s = rt_ctr_store_default();
    struct rt_err err = {0};
    struct rt_container *c = s ? rt_ctr_lookup(s, id, &err) : NULL;
    bool autoremove = false, restart = false;
    long backoff_ms = 0;
    if (c) {
        pthread_mutex_lock(&c->lock);
        rt_ctr_set_stopped(c, code);
        autoremove = rt_json_bool(c->hc, "AutoRemove", 0);
        restart = !autoremove && !g_stopping && restart_after_exit(c->doc, c->hc, code);
        long long tries = rt_json_int(c->doc, "RestartCount", 0);
        if (restart) json_object_set_new(c->doc, "RestartCount", json_integer(tries + 1));
        /* dockerd's back-off: 100 ms doubling per restart, at most 1 min. */
        backoff_ms = restart ? 100L << (tries < 10 ? tries : 10) : 0;
        if (backoff_ms > 60000) backoff_ms = 60000;
        if (rt_ctr_checkpoint(s, c, &err) < 0) rt_error("checkpoint %s: %s", id, err.msg);
        rt_ctr_die_event(id, code); /* from the view just checkpointed */
        pthread_mutex_unlock(&c->lock);
        rt_ctr_put(c);
    }
    rt_err_clear(&err);

    /* The exit is recorded before an AutoRemove: a condition=removed
     * waiter polls until the container is gone and must then find the exit
     * code here (it may never have seen the stopped view). */
    pthread_mutex_lock(&g_mu);
    struct exitrec *r = exitrec_locked(id);
    if (r) r->seq++, r->code = code;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    if (autoremove && s) {
        if (rt_ctr_remove(s, id, true, &err) < 0) rt_warn("auto-remove %s: %s", id, err.msg);
        rt_err_clear(&err);
    }

    if (restart && s) {
        /* Wait out the back-off, but not past an engine shutdown. */
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += backoff_ms / 1000;
        dl.tv_nsec += (backoff_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
        pthread_mutex_lock(&g_mu);
        while (!g_stopping && pthread_cond_timedwait(&g_cv, &g_mu, &dl) != ETIMEDOUT) {}
        restart = !g_stopping;
        pthread_mutex_unlock(&g_mu);
    }
    if (restart && s) {
        if (rt_ctr_start(s, id, RT_START_RESTART_POLICY, &err) < 0) rt_warn("restart %s: %s", id, err.msg);
        rt_err_clear(&err);
    }
    pthread_mutex_lock(&g_mu);
    g_finishing--;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return NULL;
}

/* Claim T's exit path (once; g_mu held). False when it is not T's to
 * handle yet (not live: kept as pending) or already claimed. */
static bool claim_locked(struct task *t, int status)
{
    if (!t->live && !t->finishing) {
        /* Too early (TaskExit can beat the Start reply): keep it for the
         * start hook; a TaskExit status wins over a later EOF. */
        if (!t->pending || t->pending_status < 0) t->pending_status = status;
        t->pending = true;
    }
    if (!t->live || t->finishing) return false;
    t->finishing = true;
    g_finishing++;
    return true;
}

/* Run a claimed exit path on its own thread. */
static void spawn_finish(struct task *t, int status)
{
    struct finish_arg *fa = malloc(sizeof *fa);
    pthread_t th;
    if (fa) {
        fa->t = t;
        fa->status = status;
        if (pthread_create(&th, NULL, finish_thread, fa) == 0) {
            pthread_detach(th);
            return;
        }
        free(fa);
    }
    rt_error("cannot handle the exit of %s", t->id);
}

/* Claim T's exit path (once) and run it on its own thread: it takes the
 * container lock, which a start in progress may hold. The claim is made
 * under g_mu: once claimed, T may be freed by that thread. */
static void finish(struct task *t, int status)
{
    pthread_mutex_lock(&g_mu);
    bool claimed = claim_locked(t, status);
    pthread_mutex_unlock(&g_mu);
    if (claimed) spawn_finish(t, status);
}

void rt_shims_task_exited(const char *id, uint32_t exit_status)
{
    pthread_mutex_lock(&g_mu);
    struct task *t = find_locked(id);
    bool claimed = t && claim_locked(t, (int)exit_status);
    pthread_mutex_unlock(&g_mu);
    if (claimed) spawn_finish(t, (int)exit_status);
}

/* The shim connection ended: a shim that died without TaskExit. */
static void on_close(void *arg)
{
    finish(arg, -1);
}

/* ---- start ---- */

#define PFX "failed to create task for container: "

static char *image_rootfs(const struct rt_container *c)
{
    const char *img = rt_json_str(c->doc, "Image", "");
    if (!strncmp(img, "sha256:", 7)) img += 7;
    char *p = NULL;
    if (asprintf(&p, "%s/images/%s/rootfs", g_engine ? g_engine->opts.data_root : "", img) < 0) return NULL;
    return p;
}

static void wrapper_keep(const struct task *t, const struct rt_resolved *rt);

static int start_hook(struct rt_container *c, const struct rt_resolved *rt, struct rt_err *err)
{
    if (!g_engine) return rt_err_set(err, RT_ERR_SYSTEM, PFX "shim manager not running: unknown");
    char *rerr = NULL;
    char *shim = rt_shim_resolve_path(rt->shim, g_engine->opts.shim_path, g_engine->opts.n_shim_path, &rerr);
    if (!shim) {
        rt_err_set(err, RT_ERR_SYSTEM, PFX "failed to start shim: failed to resolve runtime path: %s: unknown",
                   rerr ? rerr : "out of memory");
        free(rerr);
        return -1;
    }
    struct task *t = calloc(1, sizeof *t);
    if (!t) {
        free(shim);
        return rt_err_set(err, RT_ERR_SYSTEM, PFX "out of memory: unknown");
    }
    snprintf(t->id, sizeof t->id, "%s", c->id);
    t->shim = shim;
    char *rootfs = image_rootfs(c);
    json_t *spec = rt_bundle_spec(c->doc, c->hc, c->id, rootfs);
    free(rootfs);
    char *berr = NULL;
    int rc = rt_bundle_create(&t->bundle, g_engine->opts.exec_root, c->id, spec, &berr);
    json_decref(spec);
    if (rc < 0) {
        rt_err_set(err, RT_ERR_SYSTEM, PFX "%s: unknown", berr ? berr : "bundle");
        free(berr);
        task_free(t);
        return -1;
    }
    char *jsonlog = NULL;
    if (c->dir && asprintf(&jsonlog, "%s/%s-json.log", c->dir, c->id) < 0) jsonlog = NULL;
    t->drain = rt_drain_start(c->id, &t->bundle, jsonlog);
    free(jsonlog);

    pthread_mutex_lock(&g_mu);
    if (find_locked(c->id)) {
        pthread_mutex_unlock(&g_mu);
        task_free(t);
        return rt_err_set(err, RT_ERR_SYSTEM, PFX "task %s: already exists", c->id);
    }
    t->next = g_tasks;
    g_tasks = t;
    pthread_mutex_unlock(&g_mu);

    uint8_t *opts = NULL;
    size_t opts_len = 0;
    rt_shim_options_any(rt, &opts, &opts_len);
    struct rt_shim_launch l = launch_of(t);
    l.opts = opts;
    l.opts_len = opts_len;
    char *serr = NULL, *msg = NULL;
    bool started = false;
    /* Before `start` (containerd writes it after): an engine killed while
     * the shim starts then still knows which binary cleans it up. */
    char *sbp = rt_path_join(t->bundle.dir, "shim-binary-path");
    /* The bundle is volatile state (exec-root): atomic against a kill of
     * the engine, not fsynced (meaningless after a reboot). */
    if (sbp) rt_atomic_write_flags(sbp, t->shim, strlen(t->shim), 0600, RT_AW_NO_SYNC, NULL, 0);
    free(sbp);
    wrapper_keep(t, rt);
    if (rt_shim_action_start(&l, &t->address, &serr) < 0) {
        rt_err_set(err, RT_ERR_SYSTEM, PFX "failed to start shim: %s: unknown", serr ? serr : "start failed");
        goto out;
    }
    started = true;
    char derr[256];
    t->cl = rt_shim_dial(t->address, &t->shim_pid, derr, sizeof derr);
    if (!t->cl) {
        rt_err_set(err, RT_ERR_SYSTEM, PFX "failed to start shim: %s: unknown", derr);
        goto out;
    }
    rt_ttrpc_client_on_close(t->cl, on_close, t);

    Google__Protobuf__Any any_opts = GOOGLE__PROTOBUF__ANY__INIT;
    Google__Protobuf__Any *any = NULL;
    if (opts) any = google__protobuf__any__unpack(NULL, opts_len, opts);
    Containerd__Task__V2__CreateTaskRequest cr = CONTAINERD__TASK__V2__CREATE_TASK_REQUEST__INIT;
    cr.id = t->id;
    cr.bundle = t->bundle.dir;
    cr.stdout = t->bundle.stdout_path;
    cr.stderr = t->bundle.stderr_path;
    cr.options = any ? any : NULL;
    (void)any_opts;
    ProtobufCMessage *resp = NULL;
    int code = call(t->cl, "Create", &cr.base, NULL, NULL, RT_SHIM_TMO_CALL, &msg);
    if (any) google__protobuf__any__free_unpacked(any, NULL);
    if (code != 0) {
        t->poisoned = code == RT_DEADLINE_EXCEEDED || code == RT_INTERNAL;
        char m[1024];
        snprintf(m, sizeof m, "%s: %s", msg ? msg : "", code == RT_TTRPC_CLOSED ? "ttrpc: closed" : code_suffix(code));
        /* The suffix is already in M: containerd's text ends with it. */
        rt_err_set(err, RT_ERR_SYSTEM, PFX "failed to create shim task: %s",
                   code == RT_TTRPC_CLOSED ? "ttrpc: closed: unknown" : m);
        goto out;
    }
    /* Connect (as containerd): the shim daemon's own pid, which
     * SO_PEERCRED cannot tell (it names the `start` action that listened). */
    Containerd__Task__V2__ConnectRequest cq = CONTAINERD__TASK__V2__CONNECT_REQUEST__INIT;
    cq.id = t->id;
    free(msg), msg = NULL;
    code = call(t->cl, "Connect", &cq.base, &containerd__task__v2__connect_response__descriptor, &resp,
                RT_SHIM_TMO_CALL, &msg);
    if (code == 0) {
        uint32_t sp = ((Containerd__Task__V2__ConnectResponse *)resp)->shim_pid;
        if (sp > 0) t->shim_pid = (pid_t)sp;
        protobuf_c_message_free_unpacked(resp, NULL);
        resp = NULL;
    }
    if (code != 0) {
        t->poisoned = code == RT_DEADLINE_EXCEEDED || code == RT_INTERNAL;
        rt_err_set(err, RT_ERR_SYSTEM, PFX "failed to connect shim task: %s: %s",
                   msg ? msg : "", code_suffix(code));
        goto out;
    }
    Containerd__Task__V2__StartRequest sq = CONTAINERD__TASK__V2__START_REQUEST__INIT;
    sq.id = t->id;
    free(msg), msg = NULL;
    code = call(t->cl, "Start", &sq.base, &containerd__task__v2__start_response__descriptor, &resp,
                RT_SHIM_TMO_CALL, &msg);
    if (code != 0) {
        t->poisoned = code == RT_DEADLINE_EXCEEDED || code == RT_INTERNAL;
        rt_err_set(err, RT_ERR_SYSTEM, PFX "failed to create shim task: %s: %s",
                   msg ? msg : "", code_suffix(code));
        goto out;
    }
    /* Start's reply has the pid: no State call after it (containerd
     * makes one only to answer its own Tasks.Start with the pid). */
    t->pid = ((Containerd__Task__V2__StartResponse *)resp)->pid;
    protobuf_c_message_free_unpacked(resp, NULL);

    rt_ctr_set_running(c, (int)t->pid);
    pthread_mutex_lock(&g_mu);
    t->live = true;
    bool gone = t->pending || rt_ttrpc_client_closed(t->cl);
    int early = t->pending ? t->pending_status : -1;
    /* An exit or EOF that came before we were live: claimed here, under
     * the lock, since a later one could otherwise claim and free T first. */
    bool claimed = gone && claim_locked(t, early);
    pthread_mutex_unlock(&g_mu);
    free(opts);
    free(serr);
    free(msg);
    if (claimed) spawn_finish(t, early);
    return 0;

out:
    free(opts);
    free(serr);
    free(msg);
    pthread_mutex_lock(&g_mu);
    t->finishing = true;
    unlink_locked(t);
    pthread_mutex_unlock(&g_mu);
    if (started) teardown(t);
    task_free(t);
    return -1;
}

/* ---- operations ---- */

static json_t *state_view(struct rt_ctr_store *s, const char *ref, struct rt_err *err)
{
    return rt_ctr_view(s, ref, err);
}

static const char *view_id(json_t *v) { return rt_json_str(v, "Id", ""); }

static bool view_running(json_t *v) { return rt_json_bool(json_object_get(v, "State"), "Running", 0); }

/* Send SIG over the task's connection. 0, 1 = no such task/process, -1. */
static int kill_task(const char *id, int sig, struct rt_err *err)
{
    pthread_mutex_lock(&g_mu);
    struct task *t = find_locked(id);
    struct rt_ttrpc_client *cl = t && t->live && !t->finishing ? t->cl : NULL;
    /* The exit thread frees T only once no call uses it; a call on a
     * closed client just fails. */
    if (cl) t->users++;
    pthread_mutex_unlock(&g_mu);
    if (!cl) return 1;
    Containerd__Task__V2__KillRequest kr = CONTAINERD__TASK__V2__KILL_REQUEST__INIT;
    kr.id = (char *)id;
    kr.signal = (uint32_t)sig;
    char *msg = NULL;
    int code = call(cl, "Kill", &kr.base, NULL, NULL, 10000, &msg);
    pthread_mutex_lock(&g_mu);
    t->users--;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    int rc = 0;
    if (code == RT_NOT_FOUND || code == RT_TTRPC_CLOSED) rc = 1;
    else if (code != 0) rc = rt_err_set(err, RT_ERR_SYSTEM, "Cannot kill container: %s: %s: %s", id, msg ? msg : "",
                                        code_suffix(code));
    /* dockerd's `kill` event, logged also when the process was already
     * gone (NotFound; here also a shim that exited meanwhile), as moby's
     * killWithSignal does: the exit path may have torn the shim down while
     * this call waited, and its die waits for this call (users), so kill
     * still comes before die. */
    if (code == 0 || rc == 1) rt_ctr_kill_event(id, sig);
    free(msg);
    return rc;
}

int rt_signal_parse(const char *s)
{
    static const struct { const char *n; int v; } sigs[] = {
        {"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"TERM", SIGTERM},
        {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"ABRT", SIGABRT},
        {"ALRM", SIGALRM}, {"WINCH", SIGWINCH}, {"PIPE", SIGPIPE}, {"CHLD", SIGCHLD},
    };
    if (!s || !*s) return -1;
    char *end;
    long v = strtol(s, &end, 10);
    if (!*end) return v > 0 && v < 65 ? (int)v : -1;
    if (!strncasecmp(s, "SIG", 3)) s += 3;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (!strcasecmp(s, sigs[i].n)) return sigs[i].v;
    return -1;
}

int rt_shims_kill(struct rt_ctr_store *s, const char *ref, int sig, struct rt_err *err)
{
    json_t *v = state_view(s, ref, err);
    if (!v) return -1;
    int rc = 0;
    if (!view_running(v)) rc = rt_err_set(err, RT_ERR_CONFLICT, "Container %s is not running", view_id(v));
    else if (kill_task(view_id(v), sig, err) < 0) rc = -1;
    json_decref(v);
    return rc;
}

/* Wait until ID's exit count passes SEQ0; false at the deadline (ms < 0:
 * none). Caller holds g_mu. */
static bool wait_exit_locked(const char *id, unsigned long seq0, long ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
    for (;;) {
        struct exitrec *r = exitrec_locked(id);
        if (!r || r->seq != seq0) return true;
        int e = ms < 0 ? pthread_cond_wait(&g_cv, &g_mu) : pthread_cond_timedwait(&g_cv, &g_mu, &dl);
        if (e == ETIMEDOUT) {
            r = exitrec_locked(id);
            return !r || r->seq != seq0;
        }
    }
}

static unsigned long seq_locked(const char *id)
{
    struct exitrec *r = exitrec_locked(id);
    return r ? r->seq : 0;
}

int rt_shims_stop(struct rt_ctr_store *s, const char *ref, int timeout, struct rt_err *err)
{
    struct rt_container *c = rt_ctr_lookup(s, ref, err);
    if (!c) return -1;
    char id[65];
    snprintf(id, sizeof id, "%s", c->id);
    pthread_mutex_lock(&c->lock);
    bool running = rt_json_bool(json_object_get(c->doc, "State"), "Running", 0);
    const json_t *cfg = json_object_get(c->doc, "Config");
    int sig = rt_signal_parse(rt_json_str(cfg, "StopSignal", ""));
    if (sig < 0) sig = SIGTERM;
    if (timeout < 0) timeout = (int)rt_json_int(cfg, "StopTimeout", 10);
    if (running) {
        json_object_set_new(c->doc, "HasBeenManuallyStopped", json_true());
        struct rt_err cerr = {0};
        rt_ctr_checkpoint(s, c, &cerr);
        rt_err_clear(&cerr);
    }
    pthread_mutex_lock(&g_mu);
    unsigned long seq0 = seq_locked(id);
    pthread_mutex_unlock(&g_mu);
    pthread_mutex_unlock(&c->lock);
    rt_ctr_put(c);
    if (!running) return rt_err_set(err, RT_ERR_NOT_MODIFIED, "Container already stopped");

    int k = kill_task(id, sig, err);
    if (k < 0) return -1;
    pthread_mutex_lock(&g_mu);
    bool done = wait_exit_locked(id, seq0, k == 1 ? 0 : (long)timeout * 1000);
    pthread_mutex_unlock(&g_mu);
    if (done) return 0;
    if (kill_task(id, SIGKILL, err) < 0) return -1;
    pthread_mutex_lock(&g_mu);
    done = wait_exit_locked(id, seq0, rt_timeout_scaled_ms(10000));
    pthread_mutex_unlock(&g_mu);
    if (!done) return rt_err_set(err, RT_ERR_SYSTEM, "tried to kill container, but did not receive an exit event");
    return 0;
}

int rt_shims_wait_begin(struct rt_ctr_store *s, const char *ref, enum rt_wait_cond cond,
                        struct rt_wait_ticket *t, struct rt_err *err)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_lock(&g_mu);
    json_t *v = state_view(s, ref, err);
    if (!v) {
        pthread_mutex_unlock(&g_mu);
        return -1;
    }
    snprintf(t->id, sizeof t->id, "%s", view_id(v));
    t->cond = cond;
    t->exit_code = (int)rt_json_int(json_object_get(v, "State"), "ExitCode", 0);
    bool running = view_running(v);
    json_decref(v);
    t->done = cond == RT_WAIT_NOT_RUNNING && !running;
    t->seq0 = seq_locked(t->id);
    pthread_mutex_unlock(&g_mu);
    return 0;
}

/* Set at engine shutdown before the API stops: MHD's stop joins every
 * connection thread, so API waits must not outlive it. */
static bool g_api_waits_released;

void rt_shims_release_api_waits(void)
{
    pthread_mutex_lock(&g_mu);
    g_api_waits_released = true;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* condition=removed: until the container has left the store. StatusCode
 * is its last exit code. The container's `destroy` event (published once
 * it is gone from the store) ends the wait; the store is re-checked every
 * 50 ms too, for a subscription that ended (dropped, shutdown) and for
 * the release at shutdown, which only signals g_cv. */
static void wait_removed_locked(struct rt_wait_ticket *t)
{
    struct rt_ctr_store *s = rt_ctr_store_default();
    struct rt_events *bus = g_engine ? g_engine->events : NULL;
    struct rt_event_filter f = {.types = json_pack("[s]", "container"), .actions = json_pack("[s]", "destroy"),
                                .containers = json_pack("[s]", t->id)};
    struct rt_event_sub *sub = bus ? rt_events_subscribe(bus, -1, -1, &f) : NULL; /* before the first look */
    rt_event_filter_free(&f); /* emptied when moved into SUB */
    while (s && !g_api_waits_released) {
        json_t *v = rt_ctr_view(s, t->id, NULL);
        if (!v) break;
        t->exit_code = (int)rt_json_int(json_object_get(v, "State"), "ExitCode", t->exit_code);
        json_decref(v);
        if (sub) {
            pthread_mutex_unlock(&g_mu);
            struct rt_event *ev = NULL;
            int got = rt_event_sub_next(sub, 50, &ev);
            if (got > 0) rt_event_unref(ev);
            pthread_mutex_lock(&g_mu);
            if (got >= 0) continue;
            rt_events_unsubscribe(sub); /* ended: poll from here on */
            sub = NULL;
        }
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += 50 * 1000000L; /* poll interval */
        if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&g_cv, &g_mu, &dl);
    }
    if (sub) {
        pthread_mutex_unlock(&g_mu); /* the bus takes its own lock */
        rt_events_unsubscribe(sub);
        pthread_mutex_lock(&g_mu);
    }
    struct exitrec *r = exitrec_locked(t->id);
    if (r && r->seq != t->seq0) t->exit_code = r->code;
}

void rt_shims_wait_finish(struct rt_wait_ticket *t)
{
    if (t->done) return;
    pthread_mutex_lock(&g_mu);
    if (t->cond == RT_WAIT_REMOVED) {
        wait_removed_locked(t);
        pthread_mutex_unlock(&g_mu);
        t->done = true;
        return;
    }
    for (;;) {
        struct exitrec *r = exitrec_locked(t->id);
        if (!r || r->seq != t->seq0 || g_api_waits_released) break;
        pthread_cond_wait(&g_cv, &g_mu);
    }
    struct exitrec *r = exitrec_locked(t->id);
    if (r) t->exit_code = r->code;
    pthread_mutex_unlock(&g_mu);
    t->done = true;
}

int rt_shims_wait(struct rt_ctr_store *s, const char *ref, enum rt_wait_cond cond, int *exit_code,
                  struct rt_err *err)
{
    struct rt_wait_ticket t;
    if (rt_shims_wait_begin(s, ref, cond, &t, err) < 0) return -1;
    rt_shims_wait_finish(&t);
    *exit_code = t.exit_code;
    return 0;
}

/* ---- restore at startup (engine spec §5, shim spec §2.7) ---- */

/* Wrapper retention: a live-restored task keeps running the wrapper it was
 * started with, but startup wipes <data-root>/runtimes. So the start keeps a
 * copy in the bundle (rt-wrapper + rt-wrapper-path) and a reattach puts a
 * missing wrapper back. */
static void wrapper_keep(const struct task *t, const struct rt_resolved *rt)
{
    const char *bin = rt->opts_type == RT_OPTS_RUNC ? rt->runc.binary_name : NULL;
    char *dir = g_engine ? rt_path_join(g_engine->opts.data_root, "runtimes/") : NULL;
    if (bin && dir && !strncmp(bin, dir, strlen(dir))) {
        size_t n = 0;
        char *body = rt_read_file(bin, 1 << 20, &n);
        char *copy = rt_path_join(t->bundle.dir, "rt-wrapper"), *path = rt_path_join(t->bundle.dir, "rt-wrapper-path");
        if (body && copy && path && rt_atomic_write_flags(copy, body, n, 0700, RT_AW_NO_SYNC, NULL, 0) == 0)
            rt_atomic_write_flags(path, bin, strlen(bin), 0600, RT_AW_NO_SYNC, NULL, 0);
        free(body), free(copy), free(path);
    }
    free(dir);
}

static void wrapper_restore(const char *bundle)
{
    char *pf = rt_path_join(bundle, "rt-wrapper-path"), *cf = rt_path_join(bundle, "rt-wrapper");
    char *path = pf ? rt_read_file(pf, 4096, NULL) : NULL;
    size_t n = 0;
    char *body = path && access(path, F_OK) != 0 && cf ? rt_read_file(cf, 1 << 20, &n) : NULL;
    if (body && rt_atomic_write_flags(path, body, n, 0700, RT_AW_NO_SYNC, NULL, 0) == 0) /* wrappers: no fsync */
        rt_info("restored wrapper %s of a live-restored container", path);
    free(pf), free(cf), free(path), free(body);
}

static char *bundle_file(const char *dir, const char *name)
{
    char *p = rt_path_join(dir, name);
    char *v = p ? rt_read_file(p, 8192, NULL) : NULL;
    free(p);
    if (v) v[strcspn(v, "\r\n")] = 0;
    return v;
}

/* Re-open the FIFOs of an existing bundle (the shim holds the write ends). */
static int bundle_reopen(struct rt_bundle *b, const char *dir)
{
    memset(b, 0, sizeof *b);
    b->log_fd = b->out_fd = b->err_fd = -1;
    b->dir = strdup(dir);
    b->stdout_path = rt_path_join(dir, "init-stdout");
    b->stderr_path = rt_path_join(dir, "init-stderr");
    char *lp = rt_path_join(dir, "log");
    if (!b->dir || !b->stdout_path || !b->stderr_path || !lp) {
        free(lp);
        return -1;
    }
    b->log_fd = open(lp, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    b->out_fd = open(b->stdout_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    b->err_fd = open(b->stderr_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    free(lp);
    return 0;
}

/* The exit status of a task we just killed: State until STOPPED (the exit
 * event may be lost while we were down). -1 if none within the limit. */
static int killed_status(struct task *t)
{
    Containerd__Task__V2__KillRequest kr = CONTAINERD__TASK__V2__KILL_REQUEST__INIT;
    kr.id = t->id;
    kr.signal = SIGKILL;
    kr.all = true;
    if (call(t->cl, "Kill", &kr.base, NULL, NULL, 10000, NULL) == RT_DEADLINE_EXCEEDED) return -1;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long limit = rt_shim_timeout_ms(10000);
    for (;;) {
        Containerd__Task__V2__StateRequest sq = CONTAINERD__TASK__V2__STATE_REQUEST__INIT;
        sq.id = t->id;
        ProtobufCMessage *resp = NULL;
        int code = call(t->cl, "State", &sq.base, &containerd__task__v2__state_response__descriptor, &resp,
                        RT_SHIM_TMO_STATE, NULL);
        if (code != 0) return -1;
        Containerd__Task__V2__StateResponse *st = (Containerd__Task__V2__StateResponse *)resp;
        int rc = st->status == CONTAINERD__V1__TYPES__STATUS__STOPPED   ? (int)st->exit_status
                 : st->status == CONTAINERD__V1__TYPES__STATUS__RUNNING ? -2
                 : st->status == CONTAINERD__V1__TYPES__STATUS__PAUSED  ? -2
                                                                       : -1; /* never started */
        protobuf_c_message_free_unpacked(resp, NULL);
        if (rc != -2) return rc;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 > limit) return -1;
        struct timespec poll = {0, 20 * 1000 * 1000}; /* the exit event goes to a server not yet serving it */
        nanosleep(&poll, NULL);
    }
}

static bool live_restore_on(void)
{
    if (!g_engine || !g_engine->snaps) return false;
    struct rt_snapshot *snap = rt_snapshot_get(g_engine->snaps);
    bool on = snap && rt_cfg_live_restore(&snap->cfg, g_engine->opts.live_restore);
    if (snap) rt_snapshot_put(snap);
    return on;
}

static int restore_task(const char *id, bool allow_live, int *exit_code)
{
    *exit_code = 255; /* no exit status to be had (containerd's convention) */
    if (!g_engine) return 0;
    char *parent = rt_path_join(g_engine->opts.exec_root, "containerd");
    char *dir = parent ? rt_path_join(parent, id) : NULL;
    free(parent);
    if (!dir || access(dir, F_OK) != 0) {
        if (dir) rt_info("container %s: no task bundle left (exit code 255)", id);
        free(dir);
        return 0;
    }
    bool live = allow_live && live_restore_on();
    struct task *t = calloc(1, sizeof *t);
    if (!t) {
        free(dir);
        return 0;
    }
    snprintf(t->id, sizeof t->id, "%s", id);
    t->shim = bundle_file(dir, "shim-binary-path");
    t->address = bundle_file(dir, "address");
    if (t->address && !strncmp(t->address, "unix://", 7)) memmove(t->address, t->address + 7, strlen(t->address) - 6);
    bundle_reopen(&t->bundle, dir);
    free(dir);
    /* Live or not, the task's own wrapper must be there: kill and delete
     * of the task go through it (startup wiped the runtimes dir). */
    wrapper_restore(t->bundle.dir);
    char derr[256] = "";
    if (t->shim && t->address) t->cl = rt_shim_dial(t->address, &t->shim_pid, derr, sizeof derr);
    if (!t->cl) rt_info("container %s: shim gone (%s): cleaning up", id, *derr ? derr : "no address");

    if (t->cl && live) {
        pthread_mutex_lock(&g_mu);
        t->next = g_tasks;
        g_tasks = t;
        pthread_mutex_unlock(&g_mu);
        rt_ttrpc_client_on_close(t->cl, on_close, t);
        Containerd__Task__V2__ConnectRequest cq = CONTAINERD__TASK__V2__CONNECT_REQUEST__INIT;
        cq.id = t->id;
        ProtobufCMessage *resp = NULL;
        int code = call(t->cl, "Connect", &cq.base, &containerd__task__v2__connect_response__descriptor, &resp,
                        RT_SHIM_TMO_CONNECT, NULL);
        int status = -2; /* running */
        if (code == 0) {
            t->pid = ((Containerd__Task__V2__ConnectResponse *)resp)->task_pid;
            protobuf_c_message_free_unpacked(resp, NULL);
            Containerd__Task__V2__StateRequest sq = CONTAINERD__TASK__V2__STATE_REQUEST__INIT;
            sq.id = t->id;
            code = call(t->cl, "State", &sq.base, &containerd__task__v2__state_response__descriptor, &resp,
                        RT_SHIM_TMO_STATE, NULL);
        }
        if (code == 0) {
            Containerd__Task__V2__StateResponse *st = (Containerd__Task__V2__StateResponse *)resp;
            if (st->status == CONTAINERD__V1__TYPES__STATUS__STOPPED) status = (int)st->exit_status;
            else if (st->status != CONTAINERD__V1__TYPES__STATUS__RUNNING &&
                     st->status != CONTAINERD__V1__TYPES__STATUS__PAUSED)
                status = -1; /* created but never started: not a live task */
            protobuf_c_message_free_unpacked(resp, NULL);
        }
        if (code == 0 && status == -2) {
            /* Before the task is live: once it is, its exit path may free it. */
            char *jl = NULL;
            if (asprintf(&jl, "%s/containers/%s/%s-json.log", g_engine->opts.data_root, id, id) < 0) jl = NULL;
            t->drain = rt_drain_start(id, &t->bundle, jl);
            free(jl);
        }
        uint32_t pid = t->pid;
        pthread_mutex_lock(&g_mu);
        if (code != 0) t->poisoned = code == RT_DEADLINE_EXCEEDED || code == RT_INTERNAL;
        bool gone = code != 0 || status != -2 || t->pending || rt_ttrpc_client_closed(t->cl);
        if (!gone) t->live = true;
        else t->finishing = true, unlink_locked(t);
        int early = t->pending ? t->pending_status : -1;
        pthread_mutex_unlock(&g_mu);
        if (!gone) {
            rt_info("live-restore: reconnected to the shim of %s (pid %u)", id, pid);
            return 1;
        }
        int del = teardown(t);
        *exit_code = status >= 0 ? status : early >= 0 ? early : del >= 0 ? del : 255;
        rt_info("live-restore: task of %s exited meanwhile (exit code %d)", id, *exit_code);
        task_free(t);
        return 0;
    }
    int killed = t->cl ? killed_status(t) : -1;
    if (t->cl && killed < 0) t->poisoned = true;
    int del = t->shim ? teardown(t) : -1;
    *exit_code = killed >= 0 ? killed : del >= 0 ? del : 255;
    rt_info("container %s: task of a previous run cleaned up (exit code %d)", id, *exit_code);
    task_free(t);
    return 0;
}

int rt_shims_with_task(const char *id, int (*fn)(struct rt_ttrpc_client *cl, const char *bundle, void *arg),
                       void *arg)
{
    pthread_mutex_lock(&g_mu);
    struct task *t = find_locked(id);
    struct rt_ttrpc_client *cl = t && t->live && !t->finishing ? t->cl : NULL;
    if (cl) t->users++; /* as kill_task: T stays allocated meanwhile */
    pthread_mutex_unlock(&g_mu);
    if (!cl) return 1;
    int rc = fn(cl, t->bundle.dir, arg);
    pthread_mutex_lock(&g_mu);
    t->users--;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

int rt_shims_restore_task(const char *id, int *exit_code)
{
    return restore_task(id, true, exit_code);
}

void rt_shims_cleanup_orphans(void)
{
    char *parent = g_engine ? rt_path_join(g_engine->opts.exec_root, "containerd") : NULL;
    DIR *d = parent ? opendir(parent) : NULL;
    free(parent);
    if (!d) return;
    char (*ids)[65] = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strlen(e->d_name) > 64) continue;
        pthread_mutex_lock(&g_mu);
        bool ours = find_locked(e->d_name) != NULL;
        pthread_mutex_unlock(&g_mu);
        char (*nids)[65] = ours ? NULL : realloc(ids, (n + 1) * sizeof *ids);
        if (nids) snprintf((ids = nids)[n++], 65, "%s", e->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        int code;
        rt_info("cleaning up the task bundle %s of a previous run", ids[i]);
        restore_task(ids[i], false, &code);
    }
    free(ids);
}

/* ---- engine wiring ---- */

int rt_shims_init(struct rt_engine *e)
{
    g_engine = e;
    free(g_grpc_addr);
    free(g_ttrpc_addr);
    free(g_self);
    g_grpc_addr = rt_path_join(e->opts.exec_root, "containerd.sock");
    g_ttrpc_addr = rt_path_join(e->opts.exec_root, "containerd-events.sock");
    g_self = realpath("/proc/self/exe", NULL);
    if (!g_self) g_self = strdup("rtengined");
    if (!g_grpc_addr || !g_ttrpc_addr || rt_taskevents_start(g_ttrpc_addr) < 0) return -1;
    rt_ctr_set_start_hook(start_hook);
    return 0;
}

void rt_shims_shutdown(bool live_restore)
{
    pthread_mutex_lock(&g_mu);
    g_stopping = true;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    if (!live_restore) {
        /* Kill every task, then wait for the exit paths to finish. */
        char ids[64][65];
        size_t n = 0;
        pthread_mutex_lock(&g_mu);
        for (struct task *t = g_tasks; t && n < 64; t = t->next)
            if (t->live) snprintf(ids[n++], 65, "%s", t->id);
        pthread_mutex_unlock(&g_mu);
        struct rt_ctr_store *s = rt_ctr_store_default();
        for (size_t i = 0; i < n && s; i++) {
            struct rt_err err = {0};
            if (rt_shims_stop(s, ids[i], 10, &err) < 0) rt_warn("stop %s at shutdown: %s", ids[i], err.msg);
            rt_err_clear(&err);
        }
        /* Tasks whose container is gone from the store (force-removed
         * while running) are not reachable by stop: SIGKILL them here. */
        for (size_t i = 0; i < n; i++) {
            struct rt_err err = {0};
            kill_task(ids[i], SIGKILL, &err);
            rt_err_clear(&err);
        }
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += 10;
        pthread_mutex_lock(&g_mu);
        for (;;) {
            bool live = false;
            for (struct task *t = g_tasks; t; t = t->next) live |= t->live;
            if ((!live && g_finishing == 0) || pthread_cond_timedwait(&g_cv, &g_mu, &dl) == ETIMEDOUT) break;
        }
        pthread_mutex_unlock(&g_mu);
    }
    rt_ctr_set_start_hook(NULL);
    rt_taskevents_stop();
}
