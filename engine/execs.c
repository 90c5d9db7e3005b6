/* Exec instances in memory (dockerd keeps them in memory too), their
 * output threads, and their events. */
#include "engine/execs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/containers.h"
#include "engine/ctr_events.h"
#include "jsonutil.h"
#include "log.h"

/* Finished execs kept for GET /exec/{id}/json beyond this are forgotten,
 * oldest first. */
#define MAX_FINISHED 1024
/* How often an exec's output thread checks that its container still runs. */
#define CHECK_MS 500

struct exec {
    char id[65], ctr[65];
    json_t *pc;                /* ProcessConfig: tty, entrypoint, arguments, privileged, user */
    json_t *env;               /* array */
    char *workdir;
    bool open_in, open_out, open_err, tty;
    bool started, running, exited;
    int exit_code, pid;
    int fds[2];                /* stdout, stderr FIFO read ends */
    int wake[2];               /* exit -> output thread */
    struct exec *next;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct exec *g_execs; /* newest first */

static void exec_free(struct exec *x)
{
    json_decref(x->pc);
    json_decref(x->env);
    free(x->workdir);
    for (int i = 0; i < 2; i++) {
        if (x->fds[i] >= 0) close(x->fds[i]);
        if (x->wake[i] >= 0) close(x->wake[i]);
    }
    free(x);
}

static struct exec *find_locked(const char *id)
{
    for (struct exec *x = g_execs; x; x = x->next)
        if (!strcmp(x->id, id)) return x;
    return NULL;
}

/* Forget the oldest finished execs beyond MAX_FINISHED. g_mu held. */
static void trim_locked(void)
{
    int n = 0;
    for (struct exec **pp = &g_execs; *pp;) {
        struct exec *x = *pp;
        if (x->exited && ++n > MAX_FINISHED) {
            *pp = x->next;
            exec_free(x);
        } else {
            pp = &x->next;
        }
    }
}

static void random_id(char out[65])
{
    unsigned char b[32] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(b, 1, sizeof b, f) != sizeof b) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        for (size_t i = 0; i < sizeof b; i++) b[i] = (unsigned char)((ts.tv_nsec >> (i % 24)) ^ (getpid() * 31 + (int)i));
    }
    if (f) fclose(f);
    for (size_t i = 0; i < sizeof b; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* dockerd's action text: "exec_create: <entrypoint> <args...>". */
static void exec_event(const struct exec *x, const char *what, json_t *extra)
{
    char *action = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&action, &len);
    if (!m) {
        json_decref(extra);
        return;
    }
    fprintf(m, "%s: %s ", what, rt_json_str(x->pc, "entrypoint", ""));
    const json_t *args = json_object_get(x->pc, "arguments");
    for (size_t i = 0; i < json_array_size(args); i++)
        fprintf(m, "%s%s", i ? " " : "", json_string_value(json_array_get(args, i)));
    fclose(m);
    if (!extra) extra = json_object();
    json_object_set_new(extra, "execID", json_string(x->id));
    rt_ctr_event_id(x->ctr, action, extra);
    free(action);
}

static bool ctr_state(const char *ref, char id[65], bool *running, bool *paused, bool *restarting,
                      struct rt_err *err)
{
    struct rt_ctr_store *s = rt_ctr_store_default();
    json_t *v = s ? rt_ctr_view(s, ref, err) : NULL;
    if (!v) {
        if (!s) rt_err_set(err, RT_ERR_UNAVAILABLE, "container store not ready");
        return false;
    }
    const json_t *st = json_object_get(v, "State");
    snprintf(id, 65, "%s", rt_json_str(v, "Id", ""));
    *running = rt_json_bool(st, "Running", 0);
    *paused = rt_json_bool(st, "Paused", 0);
    *restarting = rt_json_bool(st, "Restarting", 0);
    json_decref(v);
    return true;
}

/* dockerd's getActiveContainer checks. */
static int check_active(const char *ref, char id[65], struct rt_err *err)
{
    bool running, paused, restarting;
    if (!ctr_state(ref, id, &running, &paused, &restarting, err)) return -1;
    if (!running) return rt_err_set(err, RT_ERR_CONFLICT, "container %s is not running", id);
    if (paused) return rt_err_set(err, RT_ERR_CONFLICT, "Container %s is paused, unpause the container before exec", id);
    if (restarting)
        return rt_err_set(err, RT_ERR_CONFLICT, "Container %s is restarting, wait until the container is running", id);
    return 0;
}

int rt_exec_create(struct rt_ctr_store *s, const char *ref, const json_t *body, char out[65], struct rt_err *err)
{
    (void)s;
    const json_t *cmd = json_object_get(body, "Cmd");
    if (!json_is_array(cmd) || json_array_size(cmd) == 0) return rt_err_set(err, RT_ERR_INVALID, "No exec command specified");
    for (size_t i = 0; i < json_array_size(cmd); i++)
        if (!json_is_string(json_array_get(cmd, i)))
            return rt_err_set(err, RT_ERR_INVALID, "json: cannot unmarshal into Go struct field ExecConfig.Cmd of type string");
    const json_t *env = json_object_get(body, "Env");
    if (env && !json_is_null(env) && !json_is_array(env))
        return rt_err_set(err, RT_ERR_INVALID, "json: cannot unmarshal into Go struct field ExecConfig.Env of type []string");
    char id[65];
    if (check_active(ref, id, err) < 0) return -1;

    struct exec *x = calloc(1, sizeof *x);
    if (!x) return rt_err_set(err, RT_ERR_SYSTEM, "out of memory");
    x->fds[0] = x->fds[1] = -1;
    x->exit_code = -1;
    if (pipe2(x->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        x->wake[0] = x->wake[1] = -1;
        exec_free(x);
        return rt_err_set(err, RT_ERR_SYSTEM, "pipe: %s", strerror(errno));
    }
    random_id(x->id);
    snprintf(x->ctr, sizeof x->ctr, "%s", id);
    x->tty = rt_json_bool(body, "Tty", 0);
    x->open_in = rt_json_bool(body, "AttachStdin", 0);
    x->open_out = rt_json_bool(body, "AttachStdout", 0);
    x->open_err = rt_json_bool(body, "AttachStderr", 0);
    json_t *args = json_array();
    for (size_t i = 1; i < json_array_size(cmd); i++) json_array_append(args, json_array_get(cmd, i));
    x->pc = json_pack("{s:b,s:s,s:o,s:b,s:s}", "tty", x->tty, "entrypoint", json_string_value(json_array_get(cmd, 0)),
                      "arguments", args, "privileged", rt_json_bool(body, "Privileged", 0), "user",
                      rt_json_str(body, "User", ""));
    x->env = json_is_array(env) ? json_deep_copy(env) : json_array();
    x->workdir = strdup(rt_json_str(body, "WorkingDir", ""));
    snprintf(out, 65, "%s", x->id);
    pthread_mutex_lock(&g_mu);
    x->next = g_execs;
    g_execs = x;
    trim_locked();
    pthread_mutex_unlock(&g_mu);
    exec_event(x, "exec_create", NULL);
    return 0;
}

/* ---- running ---- */

struct runner {
    char id[65], ctr[65];
    int fds[2], wake;
};

static bool still_running(const char *ctr)
{
    char id[65];
    bool running = false, paused, restarting;
    struct rt_err err = {0};
    ctr_state(ctr, id, &running, &paused, &restarting, &err);
    rt_err_clear(&err);
    return running;
}

static void drain(const struct runner *r, int i)
{
    char buf[8192];
    ssize_t n;
    while ((n = read(r->fds[i], buf, sizeof buf)) > 0)
        rt_attach_publish(r->id, i ? RT_STREAM_STDERR : RT_STREAM_STDOUT, buf, (size_t)n);
}

/* Copies the exec's output to its attach subscribers until it exits (or
 * its container stops), then deletes the process in the shim. */
static void *output_thread(void *arg)
{
    struct runner *r = arg;
    for (;;) {
        struct pollfd p[3] = {{.fd = r->fds[0], .events = POLLIN}, {.fd = r->fds[1], .events = POLLIN},
                              {.fd = r->wake, .events = POLLIN}};
        int n = poll(p, 3, CHECK_MS);
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++)
            if (n > 0 && (p[i].revents & POLLIN)) drain(r, i);
        if ((n > 0 && p[2].revents) || (n == 0 && !still_running(r->ctr))) break;
    }
    drain(r, 0);
    drain(r, 1);
    rt_attach_end(r->id);
    rt_shim_exec_delete(r->ctr, r->id);
    pthread_mutex_lock(&g_mu);
    struct exec *x = find_locked(r->id);
    if (x) {
        x->running = false;
        for (int i = 0; i < 2; i++)
            if (x->fds[i] >= 0) close(x->fds[i]), x->fds[i] = -1;
    } else {
        close(r->fds[0]), close(r->fds[1]);
    }
    pthread_mutex_unlock(&g_mu);
    free(r);
    return NULL;
}

int rt_exec_start(const char *id, bool detach, struct rt_attach_sub **sub, bool *tty, struct rt_err *err)
{
    if (sub) *sub = NULL;
    pthread_mutex_lock(&g_mu);
    struct exec *x = find_locked(id);
    if (!x) {
        pthread_mutex_unlock(&g_mu);
        return rt_err_set(err, RT_ERR_NOT_FOUND, "No such exec instance: %s", id);
    }
    char ctr[65];
    snprintf(ctr, sizeof ctr, "%s", x->ctr);
    if (x->exited) {
        pthread_mutex_unlock(&g_mu);
        return rt_err_set(err, RT_ERR_CONFLICT, "Error: Exec command %s has already run", id);
    }
    if (x->started) {
        pthread_mutex_unlock(&g_mu);
        return rt_err_set(err, RT_ERR_CONFLICT, "Error: Exec command %s is already running", id);
    }
    x->started = x->running = true;
    json_t *proc = json_pack("{s:[O],s:b,s:O,s:s}", "args", json_object_get(x->pc, "entrypoint"), "terminal",
                             x->tty, "env", x->env, "cwd", x->workdir ? x->workdir : "");
    json_array_extend(json_object_get(proc, "args"), json_object_get(x->pc, "arguments"));
    const char *user = rt_json_str(x->pc, "user", "");
    unsigned uid, gid = 0;
    if (*user && sscanf(user, "%u:%u", &uid, &gid) >= 1) /* numeric only: no passwd lookups */
        json_object_set_new(proc, "user", json_pack("{s:i,s:i}", "uid", (int)uid, "gid", (int)gid));
    if (tty) *tty = x->tty;
    bool want_out = x->open_out, want_err = x->open_err, is_tty = x->tty;
    pthread_mutex_unlock(&g_mu);

    char cid[65];
    int rc = check_active(ctr, cid, err);
    /* Subscribed before the process exists: no output is missed. */
    struct rt_attach_sub *s = NULL;
    if (rc == 0 && !detach) {
        s = rt_attach_subscribe(id, want_out, want_err, is_tty);
        if (!s) rc = rt_err_set(err, RT_ERR_UNAVAILABLE, "engine is shutting down");
    }
    int fds[2] = {-1, -1};
    uint32_t pid = 0;
    /* dockerd logs exec_start before it asks containerd to run it. */
    if (rc == 0) exec_event(x, "exec_start", NULL);
    if (rc == 0) rc = rt_shim_exec_start(ctr, id, proc, fds, &pid, err);
    json_decref(proc);
    struct runner *r = rc == 0 ? calloc(1, sizeof *r) : NULL;
    pthread_mutex_lock(&g_mu);
    x = find_locked(id);
    if (rc == 0 && x && r) {
        x->pid = (int)pid;
        x->fds[0] = fds[0], x->fds[1] = fds[1];
        snprintf(r->id, sizeof r->id, "%s", id);
        snprintf(r->ctr, sizeof r->ctr, "%s", ctr);
        r->fds[0] = fds[0], r->fds[1] = fds[1];
        r->wake = x->wake[0];
    } else if (x) {
        x->running = false;
        if (rc == 0) rc = rt_err_set(err, RT_ERR_SYSTEM, "out of memory");
    }
    pthread_mutex_unlock(&g_mu);
    pthread_t th;
    if (r && pthread_create(&th, NULL, output_thread, r) == 0) {
        pthread_detach(th);
    } else if (r) {
        free(r);
        rc = rt_err_set(err, RT_ERR_SYSTEM, "cannot start the exec output thread");
    }
    if (rc < 0) {
        rt_attach_unsubscribe(s);
        return -1;
    }
    if (sub) *sub = s;
    else rt_attach_unsubscribe(s);
    return 0;
}

void rt_exec_exited(const char *ctr_id, const char *exec_id, uint32_t status)
{
    pthread_mutex_lock(&g_mu);
    struct exec *x = find_locked(exec_id);
    bool first = x && !x->exited && !strcmp(x->ctr, ctr_id);
    if (first) {
        x->exited = true;
        x->exit_code = (int)status;
        if (write(x->wake[1], "x", 1) < 0) rt_debug("exec %s: wake: %s", exec_id, strerror(errno));
    }
    pthread_mutex_unlock(&g_mu);
    if (!first) return;
    char code[16];
    snprintf(code, sizeof code, "%u", status);
    json_t *extra = json_pack("{s:s}", "exitCode", code);
    /* exec_die carries only execID and exitCode on top of the container's. */
    json_object_set_new(extra, "execID", json_string(exec_id));
    rt_ctr_event_id(ctr_id, "exec_die", extra);
}

json_t *rt_exec_inspect(const char *id, struct rt_err *err)
{
    pthread_mutex_lock(&g_mu);
    struct exec *x = find_locked(id);
    json_t *v = NULL;
    if (!x) {
        rt_err_set(err, RT_ERR_NOT_FOUND, "No such exec instance: %s", id);
    } else {
        v = json_pack("{s:s,s:b,s:o,s:O,s:b,s:b,s:b,s:b,s:s,s:s,s:i}", "ID", x->id, "Running",
                      x->running && !x->exited, "ExitCode", x->exited ? json_integer(x->exit_code) : json_null(),
                      "ProcessConfig", x->pc, "OpenStdin", x->open_in, "OpenStderr", x->open_err, "OpenStdout",
                      x->open_out, "CanRemove", false, "ContainerID", x->ctr, "DetachKeys", "", "Pid", x->pid);
    }
    pthread_mutex_unlock(&g_mu);
    return v;
}
