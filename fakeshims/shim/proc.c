/* Child processes: the OCI runtime CLI, stdio, and the reaper. The daemon is
 * a child subreaper, so container processes (orphaned by the runtime) are
 * reaped here; their exit becomes STOPPED + /tasks/exit. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "proto/events.pb-c.h"
#include "shim.h"

extern char **environ;

/* Runtime commands being waited for, and exits nobody claimed yet. */
struct exit_rec {
    pid_t pid;
    int status;
    int done;
    struct timespec at;
    struct exit_rec *next;
};
static struct exit_rec *cmd_waiters; /* g.mu */
static struct exit_rec *orphans;     /* g.mu */
static struct exit_rec *exitq;       /* g.mu: container process exits to handle */
static int norphans;

void ts_now(struct timespec *ts) { clock_gettime(CLOCK_REALTIME, ts); }

static uint32_t wstatus_code(int st)
{
    if (WIFEXITED(st)) return (uint32_t)WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128u + (uint32_t)WTERMSIG(st);
    return 255;
}

static struct proc *proc_by_pid(pid_t pid) /* g.mu held */
{
    for (struct container *c = g.containers; c; c = c->next) {
        if (c->deleted) continue;
        if (c->init.pid == pid && !c->init.exited) return &c->init;
        for (struct proc *p = c->execs; p; p = p->next)
            if (p->pid == pid && !p->exited && !p->deleted) return p;
    }
    return NULL;
}

static void push(struct exit_rec **list, pid_t pid, int st, const struct timespec *at)
{
    struct exit_rec *e = calloc(1, sizeof *e);
    if (!e) return;
    e->pid = pid;
    e->status = st;
    e->at = *at;
    if (list == &exitq) { /* FIFO: exits are handled in the order seen */
        struct exit_rec **pp = list;
        while (*pp) pp = &(*pp)->next;
        *pp = e;
    } else {
        e->next = *list;
        *list = e;
    }
}

static void reaped(pid_t pid, int st) /* g.mu held */
{
    struct timespec now;
    ts_now(&now);
    for (struct exit_rec *w = cmd_waiters; w; w = w->next)
        if (w->pid == pid && !w->done) {
            w->status = st;
            w->done = 1;
            pthread_cond_broadcast(&g.cv);
            return;
        }
    if (proc_by_pid(pid)) {
        push(&exitq, pid, st, &now);
        pthread_cond_broadcast(&g.cv);
        return;
    }
    if (norphans >= 512) { /* bound memory: forget the oldest */
        struct exit_rec **pp = &orphans;
        while (*pp && (*pp)->next) pp = &(*pp)->next;
        free(*pp);
        *pp = NULL;
        norphans--;
    }
    push(&orphans, pid, st, &now);
    norphans++;
}

void proc_set_pid(struct proc *p, pid_t pid)
{
    pthread_mutex_lock(&g.mu);
    p->pid = pid;
    for (struct exit_rec **pp = &orphans; *pp; pp = &(*pp)->next) {
        if ((*pp)->pid != pid) continue;
        struct exit_rec *e = *pp;
        *pp = e->next;
        norphans--;
        push(&exitq, e->pid, e->status, &e->at);
        free(e);
        pthread_cond_broadcast(&g.cv);
        break;
    }
    pthread_mutex_unlock(&g.mu);
}

/* fakerunc runs containers without a pid namespace, so when init dies its
 * orphaned children (reparented to us, the subreaper) would live on. Kill
 * them, as the kernel does when a namespace's init exits -- only when this
 * shim serves a single container. g.mu held. */
static void kill_orphan(pid_t pid)
{
    for (struct exit_rec *w = cmd_waiters; w; w = w->next)
        if (w->pid == pid) return; /* a runtime command of ours, not an orphan */
    kill(pid, SIGKILL);
}

/* Our children from /proc/self/task/<tid>/children (an orphan is
 * reparented to any of our threads): a few reads instead of a scan of
 * every process. -1 when the kernel has no such file. */
static int kill_children_listed(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int rc = -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
        char path[300], buf[4096];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue; /* a thread that just ended, or no such file */
        rc = 0;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0) continue;
        buf[n] = 0;
        for (char *s = buf, *end; *s; s = end) {
            long pid = strtol(s, &end, 10);
            if (end == s) break;
            if (pid > 0) kill_orphan((pid_t)pid);
        }
    }
    closedir(d);
    return rc;
}

static void kill_orphans(void)
{
    int live = 0;
    for (struct container *c = g.containers; c; c = c->next) live += !c->deleted;
    if (live > 1) return;
    if (kill_children_listed() == 0) return;
    DIR *d = opendir("/proc"); /* no children files: scan for our ppid */
    if (!d) return;
    pid_t self = getpid();
    struct dirent *de;
    while ((de = readdir(d))) {
        pid_t pid = (pid_t)atoi(de->d_name);
        if (pid <= 0) continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0) continue;
        buf[n] = 0;
        char *rp = strrchr(buf, ')');
        int ppid = 0;
        if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1 || ppid != self) continue;
        kill_orphan(pid);
    }
    closedir(d);
}

/* Exits are handled here, not in the reaper, because ordering needs the
 * container's lifecycle lock, which Start holds across runtime calls whose
 * completion the reaper itself must deliver. */
static void *exit_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g.mu);
    for (;;) {
        while (!exitq) pthread_cond_wait(&g.cv, &g.mu);
        struct exit_rec *e = exitq;
        exitq = e->next;
        struct proc *p = proc_by_pid(e->pid);
        if (!p) {
            free(e);
            continue;
        }
        struct container *c = p->c;
        pthread_mutex_unlock(&g.mu);
        pthread_mutex_lock(&c->mu);
        pthread_mutex_lock(&g.mu);
        if (!p->exited) {
            p->exited = 1;
            p->status = ST_STOPPED;
            p->exit_status = wstatus_code(e->status);
            p->exited_at = e->at;
            pthread_cond_broadcast(&g.cv);
            Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
            ts.seconds = e->at.tv_sec;
            ts.nanos = (int32_t)e->at.tv_nsec;
            Containerd__Events__TaskExit ev = CONTAINERD__EVENTS__TASK_EXIT__INIT;
            ev.container_id = c->id;
            ev.id = p->exec_id ? p->exec_id : c->id;
            ev.pid = (uint32_t)p->pid;
            ev.exit_status = p->exit_status;
            ev.exited_at = &ts;
            events_publish("/tasks/exit", &ev.base);
            if (!p->exec_id) kill_orphans();
            if (!p->exec_id) { /* lets the `delete` action report the real status */
                char buf[128];
                int n = snprintf(buf, sizeof buf, "{\"exit_status\":%u,\"exited_at\":%lld}",
                                 p->exit_status, (long long)e->at.tv_sec);
                char *path = rt_path_join(c->bundle, ".rtfake-exit.json");
                if (path) rt_atomic_write_flags(path, buf, (size_t)n, 0600, RT_AW_NO_SYNC, NULL, 0);
                free(path);
            }
        }
        pthread_mutex_unlock(&g.mu);
        pthread_mutex_unlock(&c->mu);
        free(e);
        pthread_mutex_lock(&g.mu);
    }
    return NULL;
}

static void *signal_thread(void *arg)
{
    sigset_t *set = arg;
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) != 0) continue;
        if (sig == SIGTERM || sig == SIGINT) {
            rt_info("signal %d: exiting", sig);
            shim_exit(0);
        }
        pthread_mutex_lock(&g.mu);
        for (;;) {
            int st;
            pid_t pid = waitpid(-1, &st, WNOHANG);
            if (pid <= 0) break;
            reaped(pid, st);
        }
        pthread_mutex_unlock(&g.mu);
    }
    return NULL;
}

void reaper_start(void)
{
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t t;
    pthread_create(&t, NULL, signal_thread, &set);
    pthread_detach(t);
    pthread_create(&t, NULL, exit_thread, NULL);
    pthread_detach(t);
}

/* Last "error" level message of a runc-style JSON log. */
static char *last_runtime_error(const char *bundle)
{
    char *path = rt_path_join(bundle, "log.json");
    char *buf = path ? rt_read_file(path, 4 << 20, NULL) : NULL;
    free(path);
    if (!buf) return NULL;
    char *last = NULL, *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *j = rt_json_parse(line, strlen(line), NULL, 0);
        if (j && !strcmp(rt_json_str(j, "level", ""), "error")) {
            free(last);
            last = strdup(rt_json_str(j, "msg", ""));
        }
        json_decref(j);
    }
    free(buf);
    return last;
}

/* What the runtime's child needs between vfork and exec. */
struct rt_child {
    const char *const *argv;
    char **envp;
    int fd[3];
    const char *dir;
    sigset_t empty;
};

static void child_exec(const struct rt_child *ch) __attribute__((noreturn));
static void child_exec(const struct rt_child *ch)
{
    /* Only system calls until exec: the memory is the parent's. */
    int tmp[3];
    for (int i = 0; i < 3; i++) tmp[i] = fcntl(ch->fd[i], F_DUPFD_CLOEXEC, 10);
    for (int i = 0; i < 3; i++) dup2(tmp[i], i);
    if (chdir(ch->dir) < 0) _exit(127);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the runtime dies with this thread, as go-runc's */
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &ch->empty, NULL);
    execvpe(ch->argv[0], (char *const *)ch->argv, ch->envp);
    _exit(127);
}

/* vfork: the daemon's page tables are not copied (nor its pages faulted
 * back in copy-on-write) for every runtime command. Nothing here is
 * modified after vfork returns. */
static pid_t spawn_child(const struct rt_child *ch) __attribute__((noinline));
static pid_t spawn_child(const struct rt_child *ch)
{
    pid_t pid = vfork();
    if (pid == 0) child_exec(ch);
    return pid;
}

/* The runtime binary is found before any child exists, as Go's exec does
 * (exec.Command looks a bare name up in PATH; an absolute path fails in
 * fork/exec): a missing runtime then never makes a child that exits without
 * exec (under memcheck that child's exit is leak-checked and its 127
 * turned into valgrind's error code). 0 when it can be executed, else the
 * error text in ERR. A race with a binary removed after this check still
 * ends in the child's 127. */
static int runtime_lookup(const char *name, char **envp, char *err, size_t errlen)
{
    if (strchr(name, '/')) {
        if (name[0] != '/' || access(name, X_OK) == 0) return 0;
        int e = errno;
        char what[128];
        snprintf(what, sizeof what, "%s", strerror(e));
        what[0] = (char)tolower((unsigned char)what[0]); /* Go's errno texts are lower case */
        snprintf(err, errlen, "fork/exec %s: %s", name, what);
        return -1;
    }
    const char *path = NULL;
    for (char **e = envp; *e; e++)
        if (!strncmp(*e, "PATH=", 5)) path = *e + 5;
    if (!path) path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;;) {
        const char *end = strchrnul(p, ':');
        char cand[4096];
        snprintf(cand, sizeof cand, "%.*s/%s", (int)(end - p), end == p ? "." : p, name);
        if (end == p) snprintf(cand, sizeof cand, "./%s", name);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) return 0;
        if (!*end) break;
        p = end + 1;
    }
    snprintf(err, errlen, "exec: \"%s\": executable file not found in $PATH", name);
    return -1;
}

int runtime_run(const struct container *c, const char *const *args, const int fds[3], char *err,
                size_t errlen)
{
    const char *argv[64];
    size_t n = 0;
    char rootns[8400], logp[8400];
    snprintf(rootns, sizeof rootns, "%s/%s", c->opts.root, g.ns);
    snprintf(logp, sizeof logp, "%s/log.json", c->bundle);
    argv[n++] = c->opts.binary_name;
    argv[n++] = "--root";
    argv[n++] = rootns;
    argv[n++] = "--log";
    argv[n++] = logp;
    argv[n++] = "--log-format";
    argv[n++] = "json";
    if (c->opts.systemd_cgroup) argv[n++] = "--systemd-cgroup";
    for (size_t i = 0; args[i] && n < 63; i++) argv[n++] = args[i];
    argv[n] = NULL;

    /* Environment without NOTIFY_SOCKET (as the runc shim). */
    size_t ne = 0;
    while (environ[ne]) ne++;
    char **envp = calloc(ne + 1, sizeof *envp);
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "NOTIFY_SOCKET=", 14)) envp[k++] = environ[i];
    envp[k] = NULL;
    if (runtime_lookup(c->opts.binary_name, envp, err, errlen) < 0) {
        free(envp);
        return 127;
    }
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int cfd[3];
    for (int i = 0; i < 3; i++) cfd[i] = fds && fds[i] >= 0 ? fds[i] : devnull;
    struct rt_child ch = {.argv = argv, .envp = envp, .dir = c->bundle};
    for (int i = 0; i < 3; i++) ch.fd[i] = cfd[i];
    sigemptyset(&ch.empty);

    struct exit_rec w = {0};
    pthread_mutex_lock(&g.mu); /* the reaper must not miss the pid */
    pid_t pid = spawn_child(&ch);
    if (pid > 0) {
        w.pid = pid;
        w.next = cmd_waiters;
        cmd_waiters = &w;
        while (!w.done) pthread_cond_wait(&g.cv, &g.mu);
        for (struct exit_rec **pp = &cmd_waiters; *pp; pp = &(*pp)->next)
            if (*pp == &w) { *pp = w.next; break; }
    }
    pthread_mutex_unlock(&g.mu);
    if (devnull >= 0) close(devnull);
    free(envp);
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return 1;
    }
    int code = (int)wstatus_code(w.status);
    if (code == 0) return 0;
    char *msg = last_runtime_error(c->bundle);
    if (msg && *msg)
        snprintf(err, errlen, "%s", msg);
    else if (code == 127)
        snprintf(err, errlen, "exec: \"%s\": executable file not found in $PATH",
                 c->opts.binary_name);
    else
        snprintf(err, errlen, "exit status %d", code);
    free(msg);
    return code;
}

int read_pid_file(const char *path)
{
    char *s = rt_read_file(path, 64, NULL);
    int pid = s ? atoi(s) : 0;
    free(s);
    return pid;
}

/* stdio URIs as the runc shim reads them: "" = /dev/null, fifo:// or a
 * bare path = FIFO, file:// = append to a file. An output FIFO also gets a
 * read end of ours in *KEEP (never read): with the client (engine) down,
 * the container's writes then fill the pipe for the client to read after
 * its restart, instead of killing the container with SIGPIPE -- as the
 * runc shim keeps its FIFOs open. */
static int open_one(const char *uri, int write, int *keep, char *msg, size_t msglen)
{
    if (!uri || !*uri) return -1;
    const char *path = uri;
    int file = 0;
    if (!strncmp(uri, "fifo://", 7)) path = uri + 7;
    else if (!strncmp(uri, "file://", 7)) path = uri + 7, file = 1;
    else if (!strncmp(uri, "binary://", 9)) return -1; /* logging binaries: not supported */
    int fd;
    if (file) {
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    } else if (!write) {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) fcntl(fd, F_SETFL, 0);
    } else {
        *keep = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        /* A reader is normally there already (clients open it first); if
         * not, O_RDWR keeps Create from blocking forever. */
        fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno == ENXIO) fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd >= 0) fcntl(fd, F_SETFL, 0);
    }
    if (fd < 0) snprintf(msg, msglen, "open %s: %s", path, rt_strerror(errno));
    return fd < 0 ? -2 : fd;
}

void close_stdio(int fds[3])
{
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0) close(fds[i]), fds[i] = -1;
}

void close_keepers(struct proc *p) /* g.mu held */
{
    for (int i = 0; i < 2; i++)
        if (p->keep[i] >= 0) close(p->keep[i]), p->keep[i] = -1;
}

int open_stdio(const char *in, const char *out, const char *err, int fds[3], int keep[2], char *msg,
               size_t msglen)
{
    keep[0] = keep[1] = -1;
    fds[0] = open_one(in, 0, NULL, msg, msglen);
    fds[1] = fds[0] == -2 ? -1 : open_one(out, 1, &keep[0], msg, msglen);
    fds[2] = fds[0] == -2 || fds[1] == -2 ? -1 : open_one(err, 1, &keep[1], msg, msglen);
    int bad = fds[0] == -2 || fds[1] == -2 || fds[2] == -2;
    for (int i = 0; i < 3; i++)
        if (fds[i] == -2) fds[i] = -1;
    if (bad) {
        close_stdio(fds);
        for (int i = 0; i < 2; i++)
            if (keep[i] >= 0) close(keep[i]), keep[i] = -1;
    }
    return bad ? -1 : 0;
}
