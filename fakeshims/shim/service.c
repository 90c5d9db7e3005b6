/* The containerd.task.v2.Task service of the fake shim (spec §4). Every
 * method goes through one wrapper: decode, failpoint, handler, journal. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"
#include "jsonutil.h"
#include "log.h"
#include "proto/events.pb-c.h"
#include "proto/runc_options.pb-c.h"
#include "proto/task.pb-c.h"
#include "shim.h"

#define TASK_SERVICE "containerd.task.v2.Task"
#define NOT_EXITED_SECS (-62135596800LL) /* Go's zero time */

struct call {
    const struct rt_ttrpc_request *rq;
    struct rt_ttrpc_reply *rep;
    ProtobufCMessage *msg;
    const char *id, *exec_id;
    struct container *c; /* NULL when unknown (not for Create) */
    json_t *extra;       /* journal fields */
};

typedef void (*method_fn)(struct call *k);

static void merge(json_t *dst, json_t *src)
{
    json_object_update(dst, src);
    json_decref(src);
}

struct container *container_find(const char *id)
{
    for (struct container *c = g.containers; c; c = c->next)
        if (!c->deleted && !strcmp(c->id, id)) return c;
    return NULL;
}

static const char *strf(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    if (!f || f->type != PROTOBUF_C_TYPE_STRING) return NULL;
    return *(const char *const *)((const char *)m + f->offset);
}

static void ts_set(Google__Protobuf__Timestamp *ts, const struct proc *p)
{
    google__protobuf__timestamp__init(ts);
    if (p && p->exited) {
        ts->seconds = p->exited_at.tv_sec;
        ts->nanos = (int32_t)p->exited_at.tv_nsec;
    } else {
        ts->seconds = NOT_EXITED_SECS; /* always sent (spec §9.13) */
    }
}

static int not_found_container(struct call *k)
{
    return rt_ttrpc_reply_error(k->rep, RT_NOT_FOUND, "container not created: not found");
}

/* The process addressed by id/exec_id, or NULL after replying NotFound. */
static struct proc *get_proc(struct call *k)
{
    if (!k->c) return not_found_container(k), NULL;
    if (!k->exec_id || !*k->exec_id) return &k->c->init;
    pthread_mutex_lock(&g.mu);
    struct proc *p = k->c->execs;
    while (p && (p->deleted || strcmp(p->exec_id, k->exec_id))) p = p->next;
    pthread_mutex_unlock(&g.mu);
    if (!p)
        rt_ttrpc_reply_error(k->rep, RT_NOT_FOUND, "process does not exist %s: not found",
                             k->exec_id);
    return p;
}

static void reply_empty(struct call *k)
{
    Google__Protobuf__Empty e = GOOGLE__PROTOBUF__EMPTY__INIT;
    rt_ttrpc_reply_msg(k->rep, &e.base);
}

/* ---- Create --------------------------------------------------------------- */

static void m_create(struct call *k)
{
    Containerd__Task__V2__CreateTaskRequest *r = (void *)k->msg;
    if (k->c) {
        rt_ttrpc_reply_error(k->rep, RT_ALREADY_EXISTS, "id %s: already exists", r->id);
        return;
    }
    struct shim_opts o;
    char err[4096] = "";
    if (r->options && r->options->type_url && *r->options->type_url) {
        if (opts_decode(r->options->type_url, r->options->value.data, r->options->value.len, &o,
                        err, sizeof err) < 0) {
            rt_ttrpc_reply_error(k->rep, strstr(err, "not found") ? RT_NOT_FOUND : RT_UNKNOWN,
                                 "%s", err);
            return;
        }
    } else if (g.have_start_opts) {
        opts_copy(&o, &g.start_opts); /* the same Any came on start's stdin */
    } else {
        opts_decode("", NULL, 0, &o, err, sizeof err);
    }
    merge(k->extra, opts_journal(&o));

    struct container *c = calloc(1, sizeof *c);
    c->id = strdup(r->id);
    c->bundle = strdup(r->bundle && *r->bundle ? r->bundle : g.bundle);
    c->opts = o;
    c->init.c = c;
    c->init.status = ST_CREATED;
    c->init.in = strdup(r->stdin ? r->stdin : "");
    c->init.out = strdup(r->stdout ? r->stdout : "");
    c->init.err = strdup(r->stderr ? r->stderr : "");
    c->init.terminal = r->terminal;
    c->init.keep[0] = c->init.keep[1] = -1;
    pthread_mutex_init(&c->mu, NULL);

    /* options.json + runtime, for the `delete` action (spec §2.6). */
    /* The bundle is runtime state (containerd keeps it on tmpfs): atomic,
     * never fsynced, as everything the shim and fakerunc write. */
    json_t *oj = opts_to_json(&o);
    char *p = rt_path_join(c->bundle, "options.json"), *ojs = rt_json_dump(oj);
    if (p && ojs) rt_atomic_write_flags(p, ojs, strlen(ojs), 0600, RT_AW_NO_SYNC, NULL, 0);
    free(ojs);
    free(p);
    json_decref(oj);
    p = rt_path_join(c->bundle, "runtime");
    rt_atomic_write_flags(p, o.binary_name, strlen(o.binary_name), 0600, RT_AW_NO_SYNC, NULL, 0);
    free(p);

    int fds[3];
    if (open_stdio(r->stdin, r->stdout, r->stderr, fds, c->init.keep, err, sizeof err) < 0) {
        rt_ttrpc_reply_error(k->rep, RT_UNKNOWN, "failed to create init process I/O: %s", err);
        c->deleted = 1;
        return;
    }
    pthread_mutex_lock(&g.mu);
    c->next = g.containers; /* visible to the reaper before the process exists */
    g.containers = c;
    pthread_mutex_unlock(&g.mu);
    pthread_mutex_lock(&c->mu);
    char pidfile[4096];
    snprintf(pidfile, sizeof pidfile, "%s/init.pid", c->bundle);
    const char *args[12];
    int n = 0;
    args[n++] = "create";
    args[n++] = "--bundle";
    args[n++] = c->bundle;
    args[n++] = "--pid-file";
    args[n++] = pidfile;
    if (o.no_pivot_root) args[n++] = "--no-pivot";
    if (o.no_new_keyring) args[n++] = "--no-new-keyring";
    args[n++] = c->id;
    args[n] = NULL;
    int rc = runtime_run(c, args, fds, err, sizeof err);
    close_stdio(fds); /* the container holds them now: EOF when it exits */
    if (rc != 0) {
        pthread_mutex_lock(&g.mu);
        c->deleted = 1;
        close_keepers(&c->init);
        pthread_mutex_unlock(&g.mu);
        pthread_mutex_unlock(&c->mu);
        rt_ttrpc_reply_error(k->rep, RT_UNKNOWN, "OCI runtime create failed: %s", err);
        return;
    }
    int pid = read_pid_file(pidfile);
    proc_set_pid(&c->init, pid);
    Containerd__Events__TaskIO io = CONTAINERD__EVENTS__TASK_IO__INIT;
    io.stdin = c->init.in;
    io.stdout = c->init.out;
    io.stderr = c->init.err;
    io.terminal = r->terminal;
    Containerd__Events__TaskCreate ev = CONTAINERD__EVENTS__TASK_CREATE__INIT;
    ev.container_id = c->id;
    ev.bundle = c->bundle;
    ev.n_rootfs = r->n_rootfs;
    ev.rootfs = r->rootfs;
    ev.io = &io;
    ev.checkpoint = r->checkpoint;
    ev.pid = (uint32_t)pid;
    events_publish("/tasks/create", &ev.base);
    pthread_mutex_unlock(&c->mu);
    json_object_set_new(k->extra, "pid", json_integer(pid));
    Containerd__Task__V2__CreateTaskResponse resp = CONTAINERD__TASK__V2__CREATE_TASK_RESPONSE__INIT;
    resp.pid = (uint32_t)pid;
    rt_ttrpc_reply_msg(k->rep, &resp.base);
}

/* ---- Start ---------------------------------------------------------------- */

static void m_start(struct call *k)
{
    struct proc *p = get_proc(k);
    if (!p) return;
    struct container *c = k->c;
    char err[4096] = "";
    pthread_mutex_lock(&c->mu);
    if (p->status != ST_CREATED || p->exited) {
        pthread_mutex_unlock(&c->mu);
        rt_ttrpc_reply_error(k->rep, RT_FAILED_PRECONDITION, "process %s: %s",
                             p->exec_id ? p->exec_id : c->id,
                             p->exited ? "cannot start a stopped process"
                                       : "cannot start a running process");
        return;
    }
    if (!p->exec_id) {
        const char *args[] = {"start", c->id, NULL};
        if (runtime_run(c, args, NULL, err, sizeof err) != 0) {
            pthread_mutex_unlock(&c->mu);
            rt_ttrpc_reply_error(k->rep, RT_UNKNOWN, "OCI runtime start failed: %s", err);
            return;
        }
        pthread_mutex_lock(&g.mu);
        if (!p->exited) p->status = ST_RUNNING;
        pthread_mutex_unlock(&g.mu);
        Containerd__Events__TaskStart ev = CONTAINERD__EVENTS__TASK_START__INIT;
        ev.container_id = c->id;
        ev.pid = (uint32_t)p->pid;
        events_publish("/tasks/start", &ev.base);
    } else {
        char spec[4096], pidfile[4096];
        snprintf(spec, sizeof spec, "%s/.rtfake-process-%s.json", c->bundle, p->exec_id);
        snprintf(pidfile, sizeof pidfile, "%s/%s.pid", c->bundle, p->exec_id);
        int fds[3];
        if (rt_atomic_write_flags(spec, p->spec ? p->spec : "{}", p->spec ? p->spec_len : 2, 0600,
                                  RT_AW_NO_SYNC, err, sizeof err) < 0 ||
            open_stdio(p->in, p->out, p->err, fds, p->keep, err, sizeof err) < 0) {
            pthread_mutex_unlock(&c->mu);
            rt_ttrpc_reply_error(k->rep, RT_UNKNOWN, "OCI runtime exec failed: %s", err);
            return;
        }
        const char *args[] = {"exec", "--process", spec, "--detach", "--pid-file", pidfile, c->id,
                              NULL};
        int rc = runtime_run(c, args, fds, err, sizeof err);
        close_stdio(fds);
        unlink(spec);
        if (rc != 0) {
            pthread_mutex_lock(&g.mu);
            close_keepers(p);
            pthread_mutex_unlock(&g.mu);
            pthread_mutex_unlock(&c->mu);
            rt_ttrpc_reply_error(k->rep, RT_UNKNOWN, "OCI runtime exec failed: %s", err);
            return;
        }
        proc_set_pid(p, read_pid_file(pidfile));
        pthread_mutex_lock(&g.mu);
        if (!p->exited) p->status = ST_RUNNING;
        pthread_mutex_unlock(&g.mu);
        Containerd__Events__TaskExecStarted ev = CONTAINERD__EVENTS__TASK_EXEC_STARTED__INIT;
        ev.container_id = c->id;
        ev.exec_id = p->exec_id;
        ev.pid = (uint32_t)p->pid;
        events_publish("/tasks/exec-started", &ev.base);
    }
    pthread_mutex_unlock(&c->mu);
    json_object_set_new(k->extra, "pid", json_integer(p->pid));
    Containerd__Task__V2__StartResponse resp = CONTAINERD__TASK__V2__START_RESPONSE__INIT;
    resp.pid = (uint32_t)p->pid;
    rt_ttrpc_reply_msg(k->rep, &resp.base);
}

/* ---- Delete --------------------------------------------------------------- */

static void m_delete(struct call *k)
{
    struct proc *p = get_proc(k);
    if (!p) return;
    struct container *c = k->c;
    char err[4096] = "";
    pthread_mutex_lock(&c->mu);
    pthread_mutex_lock(&g.mu);
    int running = !p->exited && p->status != ST_CREATED;
    pthread_mutex_unlock(&g.mu);
    if (running) {
        pthread_mutex_unlock(&c->mu);
        rt_ttrpc_reply_error(k->rep, RT_FAILED_PRECONDITION, "cannot delete a running process");
        return;
    }
    if (!p->exec_id) {
        const char *args[] = {"delete", c->id, NULL};
        if (runtime_run(c, args, NULL, err, sizeof err) != 0) {
            pthread_mutex_unlock(&c->mu);
            rt_ttrpc_reply_error(k->rep, RT_UNKNOWN, "failed to delete task: %s", err);
            return;
        }
    }
    Google__Protobuf__Timestamp ts;
    pthread_mutex_lock(&g.mu);
    p->deleted = 1;
    close_keepers(p);
    if (!p->exec_id) c->deleted = 1;
    ts_set(&ts, p);
    if (!p->exited) { /* deleted before it ran: report now, as killed */
        ts.seconds = time(NULL);
        ts.nanos = 0;
    }
    pthread_mutex_unlock(&g.mu);
    if (!p->exec_id) {
        Containerd__Events__TaskDelete ev = CONTAINERD__EVENTS__TASK_DELETE__INIT;
        ev.container_id = c->id;
        ev.pid = (uint32_t)p->pid;
        ev.exit_status = p->exit_status;
        ev.exited_at = &ts;
        ev.id = c->id;
        events_publish("/tasks/delete", &ev.base);
    }
    pthread_mutex_unlock(&c->mu);
    Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
    resp.pid = (uint32_t)p->pid;
    resp.exit_status = p->exit_status;
    resp.exited_at = &ts;
    rt_ttrpc_reply_msg(k->rep, &resp.base);
}

/* ---- Exec, Kill, Wait, State, Pids ---------------------------------------- */

static void m_exec(struct call *k)
{
    Containerd__Task__V2__ExecProcessRequest *r = (void *)k->msg;
    if (!k->c) return (void)not_found_container(k);
    struct container *c = k->c;
    pthread_mutex_lock(&c->mu);
    pthread_mutex_lock(&g.mu);
    for (struct proc *q = c->execs; q; q = q->next)
        if (!q->deleted && !strcmp(q->exec_id, r->exec_id)) {
            pthread_mutex_unlock(&g.mu);
            pthread_mutex_unlock(&c->mu);
            rt_ttrpc_reply_error(k->rep, RT_ALREADY_EXISTS, "id %s: already exists", r->exec_id);
            return;
        }
    struct proc *p = calloc(1, sizeof *p);
    p->c = c;
    p->exec_id = strdup(r->exec_id);
    p->status = ST_CREATED;
    p->in = strdup(r->stdin);
    p->out = strdup(r->stdout);
    p->err = strdup(r->stderr);
    p->terminal = r->terminal;
    p->keep[0] = p->keep[1] = -1;
    /* What the client sent, for tests (spec §4.1: an Any holding the OCI
     * Process as JSON under the runtime-spec Process type URL). */
    if (r->spec) {
        json_object_set_new(k->extra, "spec_type_url", json_string(r->spec->type_url ? r->spec->type_url : ""));
        json_t *pj = json_loadb((const char *)r->spec->value.data, r->spec->value.len, 0, NULL);
        json_t *args = json_object_get(pj, "args");
        if (args) json_object_set(k->extra, "process_args", args);
        json_decref(pj);
    }
    json_object_set_new(k->extra, "terminal", json_boolean(r->terminal));
    if (r->spec && r->spec->value.len) {
        p->spec = malloc(r->spec->value.len);
        memcpy(p->spec, r->spec->value.data, r->spec->value.len);
        p->spec_len = r->spec->value.len;
    }
    p->next = c->execs;
    c->execs = p;
    pthread_mutex_unlock(&g.mu);
    Containerd__Events__TaskExecAdded ev = CONTAINERD__EVENTS__TASK_EXEC_ADDED__INIT;
    ev.container_id = c->id;
    ev.exec_id = p->exec_id;
    events_publish("/tasks/exec-added", &ev.base);
    pthread_mutex_unlock(&c->mu);
    reply_empty(k);
}

static void m_kill(struct call *k)
{
    Containerd__Task__V2__KillRequest *r = (void *)k->msg;
    json_object_set_new(k->extra, "signal", json_integer(r->signal));
    if (r->all) json_object_set_new(k->extra, "all", json_true());
    struct proc *p = get_proc(k);
    if (!p) return;
    pthread_mutex_lock(&g.mu);
    int exited = p->exited, pid = p->pid, status = p->status;
    pthread_mutex_unlock(&g.mu);
    if (exited)
        return (void)rt_ttrpc_reply_error(k->rep, RT_NOT_FOUND,
                                          "process already finished: not found");
    if (!p->exec_id) {
        char sig[16], err[4096] = "";
        snprintf(sig, sizeof sig, "%u", r->signal);
        const char *args[] = {"kill", r->all ? "--all" : k->c->id, r->all ? k->c->id : sig,
                              r->all ? sig : NULL, NULL};
        if (runtime_run(k->c, args, NULL, err, sizeof err) != 0) {
            pthread_mutex_lock(&g.mu);
            exited = p->exited;
            pthread_mutex_unlock(&g.mu);
            if (exited || strstr(err, "not running") || strstr(err, "already finished"))
                rt_ttrpc_reply_error(k->rep, RT_NOT_FOUND, "process already finished: not found");
            else
                rt_ttrpc_reply_error(k->rep, RT_UNKNOWN, "unknown error after kill: %s", err);
            return;
        }
    } else {
        if (status == ST_CREATED || pid <= 0)
            return (void)rt_ttrpc_reply_error(k->rep, RT_FAILED_PRECONDITION,
                                              "process %s not started", p->exec_id);
        if (kill(pid, (int)r->signal) < 0) {
            if (errno == ESRCH)
                rt_ttrpc_reply_error(k->rep, RT_NOT_FOUND, "process already finished: not found");
            else
                rt_ttrpc_reply_error(k->rep, RT_UNKNOWN, "unknown error after kill: %s",
                                     rt_strerror(errno));
            return;
        }
    }
    reply_empty(k);
}

static void m_wait(struct call *k)
{
    struct proc *p = get_proc(k);
    if (!p) return;
    pthread_mutex_lock(&g.mu);
    while (!p->exited) pthread_cond_wait(&g.cv, &g.mu);
    Containerd__Task__V2__WaitResponse resp = CONTAINERD__TASK__V2__WAIT_RESPONSE__INIT;
    Google__Protobuf__Timestamp ts;
    ts_set(&ts, p);
    resp.exit_status = p->exit_status;
    resp.exited_at = &ts;
    pthread_mutex_unlock(&g.mu);
    json_object_set_new(k->extra, "exit_status", json_integer(resp.exit_status));
    rt_ttrpc_reply_msg(k->rep, &resp.base);
}

static void m_state(struct call *k)
{
    struct proc *p = get_proc(k);
    if (!p) return;
    Containerd__Task__V2__StateResponse r = CONTAINERD__TASK__V2__STATE_RESPONSE__INIT;
    Google__Protobuf__Timestamp ts;
    pthread_mutex_lock(&g.mu);
    r.id = p->exec_id ? p->exec_id : k->c->id;
    r.bundle = k->c->bundle;
    r.pid = (uint32_t)p->pid;
    r.status = (Containerd__V1__Types__Status)(p->exited ? ST_STOPPED : p->status);
    r.stdin = p->in;
    r.stdout = p->out;
    r.stderr = p->err;
    r.terminal = p->terminal;
    r.exit_status = p->exit_status;
    ts_set(&ts, p);
    r.exited_at = &ts;
    r.exec_id = p->exec_id ? p->exec_id : "";
    rt_ttrpc_reply_msg(k->rep, &r.base);
    pthread_mutex_unlock(&g.mu);
}

static void m_pids(struct call *k)
{
    if (!k->c) return (void)not_found_container(k);
    Containerd__Task__V2__PidsResponse r = CONTAINERD__TASK__V2__PIDS_RESPONSE__INIT;
    Containerd__V1__Types__ProcessInfo infos[64], *pi[64];
    Google__Protobuf__Any anys[64];
    Containerd__Runc__V1__ProcessDetails det[64];
    uint8_t detbuf[64][256];
    size_t n = 0;
    pthread_mutex_lock(&g.mu);
    if (k->c->init.pid > 0 && !k->c->init.exited) {
        containerd__v1__types__process_info__init(&infos[n]);
        infos[n].pid = (uint32_t)k->c->init.pid;
        pi[n] = &infos[n];
        n++;
    }
    for (struct proc *p = k->c->execs; p && n < 64; p = p->next) {
        if (p->deleted || p->exited || p->pid <= 0) continue;
        containerd__v1__types__process_info__init(&infos[n]);
        containerd__runc__v1__process_details__init(&det[n]);
        google__protobuf__any__init(&anys[n]);
        det[n].exec_id = p->exec_id;
        size_t len = containerd__runc__v1__process_details__get_packed_size(&det[n]);
        if (len > sizeof detbuf[n]) continue;
        containerd__runc__v1__process_details__pack(&det[n], detbuf[n]);
        anys[n].type_url = (char *)containerd__runc__v1__process_details__descriptor.name;
        anys[n].value.data = detbuf[n];
        anys[n].value.len = len;
        infos[n].pid = (uint32_t)p->pid;
        infos[n].info = &anys[n];
        pi[n] = &infos[n];
        n++;
    }
    r.n_processes = n;
    r.processes = pi;
    rt_ttrpc_reply_msg(k->rep, &r.base);
    pthread_mutex_unlock(&g.mu);
}

/* ---- Pause/Resume: signals (fakerunc has no freezer) ----------------------- */

static void pause_resume(struct call *k, int pause)
{
    if (!k->c) return (void)not_found_container(k);
    struct proc *p = &k->c->init;
    pthread_mutex_lock(&k->c->mu);
    pthread_mutex_lock(&g.mu);
    int ok = !p->exited && p->pid > 0 && p->status == (pause ? ST_RUNNING : ST_PAUSED);
    if (ok) {
        kill(p->pid, pause ? SIGSTOP : SIGCONT);
        p->status = pause ? ST_PAUSED : ST_RUNNING;
    }
    pthread_mutex_unlock(&g.mu);
    if (!ok) {
        pthread_mutex_unlock(&k->c->mu);
        rt_ttrpc_reply_error(k->rep, RT_FAILED_PRECONDITION, "container %s: not %s", k->c->id,
                             pause ? "running" : "paused");
        return;
    }
    if (pause) {
        Containerd__Events__TaskPaused ev = CONTAINERD__EVENTS__TASK_PAUSED__INIT;
        ev.container_id = k->c->id;
        events_publish("/tasks/paused", &ev.base);
    } else {
        Containerd__Events__TaskResumed ev = CONTAINERD__EVENTS__TASK_RESUMED__INIT;
        ev.container_id = k->c->id;
        events_publish("/tasks/resumed", &ev.base);
    }
    pthread_mutex_unlock(&k->c->mu);
    reply_empty(k);
}
static void m_pause(struct call *k) { pause_resume(k, 1); }
static void m_resume(struct call *k) { pause_resume(k, 0); }

static void m_checkpoint(struct call *k)
{
    rt_ttrpc_reply_error(k->rep, RT_UNIMPLEMENTED, "checkpoint is not supported by the fake shim");
}

static void m_noop(struct call *k) /* ResizePty, CloseIO, Update */
{
    if (!k->c) return (void)not_found_container(k);
    if (k->exec_id && *k->exec_id && !get_proc(k)) return;
    reply_empty(k);
}

static void m_stats(struct call *k)
{
    if (!k->c) return (void)not_found_container(k);
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = "io.containerd.cgroups.v1.Metrics"; /* empty metrics */
    Containerd__Task__V2__StatsResponse r = CONTAINERD__TASK__V2__STATS_RESPONSE__INIT;
    r.stats = &any;
    rt_ttrpc_reply_msg(k->rep, &r.base);
}

static void m_connect(struct call *k)
{
    Containerd__Task__V2__ConnectResponse r = CONTAINERD__TASK__V2__CONNECT_RESPONSE__INIT;
    r.shim_pid = (uint32_t)getpid();
    pthread_mutex_lock(&g.mu);
    if (k->c) r.task_pid = (uint32_t)k->c->init.pid;
    pthread_mutex_unlock(&g.mu);
    rt_ttrpc_reply_msg(k->rep, &r.base);
}

static void after_shutdown(void *arg)
{
    (void)arg;
    shim_exit(0);
}

static void m_shutdown(struct call *k)
{
    pthread_mutex_lock(&g.mu);
    int live = 0;
    for (struct container *c = g.containers; c; c = c->next) live += !c->deleted;
    pthread_mutex_unlock(&g.mu);
    reply_empty(k);
    if (!live) { /* reply first, then exit (spec §9.19) */
        k->rep->after = after_shutdown;
        k->rep->after_arg = NULL;
    } else {
        json_object_set_new(k->extra, "tasks_left", json_integer(live));
    }
}

/* ---- dispatch -------------------------------------------------------------- */

struct method {
    const char *name;
    const ProtobufCMessageDescriptor *desc;
    method_fn fn;
};

static const struct method methods[] = {
    {"State", &containerd__task__v2__state_request__descriptor, m_state},
    {"Create", &containerd__task__v2__create_task_request__descriptor, m_create},
    {"Start", &containerd__task__v2__start_request__descriptor, m_start},
    {"Delete", &containerd__task__v2__delete_request__descriptor, m_delete},
    {"Pids", &containerd__task__v2__pids_request__descriptor, m_pids},
    {"Pause", &containerd__task__v2__pause_request__descriptor, m_pause},
    {"Resume", &containerd__task__v2__resume_request__descriptor, m_resume},
    {"Checkpoint", &containerd__task__v2__checkpoint_task_request__descriptor, m_checkpoint},
    {"Kill", &containerd__task__v2__kill_request__descriptor, m_kill},
    {"Exec", &containerd__task__v2__exec_process_request__descriptor, m_exec},
    {"ResizePty", &containerd__task__v2__resize_pty_request__descriptor, m_noop},
    {"CloseIO", &containerd__task__v2__close_iorequest__descriptor, m_noop},
    {"Update", &containerd__task__v2__update_task_request__descriptor, m_noop},
    {"Wait", &containerd__task__v2__wait_request__descriptor, m_wait},
    {"Stats", &containerd__task__v2__stats_request__descriptor, m_stats},
    {"Connect", &containerd__task__v2__connect_request__descriptor, m_connect},
    {"Shutdown", &containerd__task__v2__shutdown_request__descriptor, m_shutdown},
};

static void handle(void *arg, const struct rt_ttrpc_request *rq, struct rt_ttrpc_reply *rep)
{
    const struct method *m = arg;
    struct call k = {.rq = rq, .rep = rep, .extra = json_object()};
    k.msg = protobuf_c_message_unpack(m->desc, NULL, rq->payload_len,
                                      rq->payload ? rq->payload : (const uint8_t *)"");
    if (!k.msg) {
        rt_ttrpc_reply_error(rep, RT_UNKNOWN, "unmarshal %s: proto: cannot parse invalid wire-format data",
                             m->desc->name);
        rt_journal_write("shim", m->name, "", k.extra, rep->message);
        return;
    }
    k.id = strf(k.msg, "id");
    k.exec_id = strf(k.msg, "exec_id");
    if (!k.id) k.id = "";
    json_object_set_new(k.extra, "namespace", json_string(g.ns));
    if (k.exec_id && *k.exec_id) json_object_set_new(k.extra, "exec_id", json_string(k.exec_id));
    pthread_mutex_lock(&g.mu);
    k.c = container_find(k.id);
    pthread_mutex_unlock(&g.mu);
    if (k.c) merge(k.extra, opts_journal(&k.c->opts));

    struct fpset *fs = fpset_find(k.id);
    char err[512];
    int code = 0;
    if (!strcmp(m->name, "Create") && (!fs || strcmp(fs->id, k.id))) {
        /* another task grouped into this shim: its own bundle's annotations */
        const char *bundle = ((Containerd__Task__V2__CreateTaskRequest *)k.msg)->bundle;
        struct fpset *ns = NULL;
        if (fpset_load(k.id, bundle, &ns, err, sizeof err) < 0) {
            rt_ttrpc_reply_error(rep, RT_INVALID_ARGUMENT, "%s", err);
            goto out;
        }
        fpset_add(ns);
        fs = ns;
    }
    if (fpset_eval(fs, m->name, &code, err, sizeof err) != 0) {
        rt_ttrpc_reply_error(rep, code, "%s", err);
        json_object_set_new(k.extra, "failpoint", json_true());
        goto out;
    }
    const char *gm = garbage_mode(m->name);
    if (gm && garbage_send(gm, rq->stream_id) == 0) {
        /* the caller's stream already got its (garbage) answer */
        rt_ttrpc_reply_error(rep, RT_UNKNOWN, "garbage sent instead of a reply");
        json_object_set_new(k.extra, "garbage", json_string(gm));
        goto out;
    }
    m->fn(&k);
out:
    rt_journal_write("shim", m->name, k.id, k.extra, rep->code ? rep->message : NULL);
    protobuf_c_message_free_unpacked(k.msg, NULL);
}

void service_register(struct rt_ttrpc_server *s)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        rt_ttrpc_server_register(s, TASK_SERVICE, methods[i].name, handle, (void *)&methods[i]);
}
