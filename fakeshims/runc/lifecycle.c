/* create / start / state / kill / delete / pause / resume / ps, with runc's
 * status rules and error texts. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fakerunc.h"
#include "fsutil.h"
#include "jsonutil.h"

static void rfc3339_nano(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

/* Evaluate this command's failpoint from the bundle recorded in state. */
static int state_failpoint(struct frc *c, const json_t *st)
{
    const char *bundle = rt_json_str(st, "bundle", NULL);
    if (!bundle) return 0;
    json_t *cfg = frc_load_config(c, bundle);
    c->err[0] = '\0'; /* a vanished bundle just means no failpoint */
    int rc = frc_failpoint(c, cfg, bundle);
    json_decref(cfg);
    return rc;
}

/* Load state for the single ID argument, and run the command's failpoint. */
static json_t *load_for(struct frc *c, const char *id)
{
    c->id = id;
    json_t *st = frc_state_load(c, id);
    if (st && state_failpoint(c, st) < 0) {
        json_decref(st);
        return NULL;
    }
    return st;
}

int frc_cmd_create(struct frc *c, int argc, char **argv)
{
    const char *bundle = NULL, *pid_file = NULL, *console = NULL, *no_pivot = NULL, *no_keyring = NULL,
               *preserve = NULL, *notify = NULL;
    const struct frc_flag flags[] = {
        {"bundle|b", 1, &bundle},        {"pid-file", 1, &pid_file},      {"console-socket", 1, &console},
        {"no-pivot", 0, &no_pivot},      {"no-new-keyring", 0, &no_keyring}, {"preserve-fds", 1, &preserve},
        {"notify-socket", 1, &notify},   {NULL, 0, NULL},
    };
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, flags, &pos, &npos) < 0 || frc_need_args(c, npos, 1, 1) < 0) return -1;
    const char *id = c->id = pos[0];
    if (!frc_valid_id(id)) return frc_fail(c, "invalid id format: %s", id);
    char absb[PATH_MAX];
    if (!realpath(bundle ? bundle : ".", absb)) return frc_fail(c, "bundle %s: %s", bundle ? bundle : ".", rt_strerror(errno));
    json_object_set_new(c->extra, "bundle", json_string(absb));
    json_t *cfg = frc_load_config(c, absb);
    if (!cfg) return -1;
    int rc = -1;
    char *dir = frc_state_dir(c, id), *fifo = rt_path_join(dir, "exec.fifo");
    if (frc_failpoint(c, cfg, absb) < 0) goto out;
    if (rt_mkdir_p(c->root, 0711) < 0) {
        frc_fail(c, "mkdir %s: %s", c->root, rt_strerror(errno));
        goto out;
    }
    if (mkdir(dir, 0711) < 0) {
        if (errno == EEXIST) frc_fail(c, "container with id exists: %s", id);
        else frc_fail(c, "mkdir %s: %s", dir, rt_strerror(errno));
        goto out;
    }
    if (mkfifo(fifo, 0622) < 0) {
        frc_fail(c, "mkfifo %s: %s", fifo, rt_strerror(errno));
        goto undo;
    }
    struct frc_proc p = {.process = json_object_get(cfg, "process"), .bundle = absb, .console_socket = console,
                         .exec_fifo = fifo};
    pid_t pid;
    if (frc_spawn(c, &p, &pid) < 0) goto undo;
    char created[64];
    rfc3339_nano(created, sizeof created);
    const char *rootp = rt_json_str(json_object_get(cfg, "root"), "path", "rootfs");
    char *rootfs = rootp[0] == '/' ? strdup(rootp) : rt_path_join(absb, rootp);
    json_t *st = json_pack("{s:s,s:i,s:I,s:s,s:s,s:s,s:s,s:b,s:[]}", "id", id, "pid", (int)pid, "start_time",
                           (json_int_t)frc_proc_start_time(pid), "bundle", absb, "rootfs", rootfs, "created", created,
                           "owner", "", "paused", 0, "execs");
    free(rootfs);
    json_t *ann = json_object_get(cfg, "annotations");
    if (json_is_object(ann) && json_object_size(ann)) json_object_set(st, "annotations", ann);
    int ok = frc_state_save(c, id, st) == 0 && (!pid_file || frc_write_pid_file(c, pid_file, pid) == 0);
    json_decref(st);
    if (!ok) {
        kill(pid, SIGKILL);
        goto undo;
    }
    json_object_set_new(c->extra, "container_pid", json_integer(pid));
    rc = 0;
    goto out;
undo:
    rt_rm_rf(dir);
out:
    free(fifo);
    free(dir);
    json_decref(cfg);
    return rc;
}

int frc_cmd_start(struct frc *c, int argc, char **argv)
{
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, NULL, &pos, &npos) < 0 || frc_need_args(c, npos, 1, 1) < 0) return -1;
    json_t *st = load_for(c, pos[0]);
    if (!st) return -1;
    int rc = -1;
    pid_t pid = (pid_t)rt_json_int(st, "pid", 0);
    unsigned long long t0 = (unsigned long long)rt_json_int(st, "start_time", 0);
    switch (frc_state_status(c, c->id, st)) {
    case FRC_STOPPED: frc_fail(c, "cannot start a container that has stopped"); goto out;
    case FRC_RUNNING: frc_fail(c, "cannot start an already running container"); goto out;
    case FRC_PAUSED: frc_fail(c, "cannot start a container in the paused state"); goto out;
    case FRC_CREATED: break;
    }
    char *dir = frc_state_dir(c, c->id), *fifo = rt_path_join(dir, "exec.fifo");
    free(dir);
    /* Non-blocking open, then wait for the child's byte while it is alive:
     * a child that died before start must not hang us (runc does the same). */
    int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        frc_fail(c, "open exec fifo: %s", rt_strerror(errno));
        free(fifo);
        goto out;
    }
    for (;;) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int n = poll(&pf, 1, 20);
        char b;
        if (n > 0 && read(fd, &b, 1) == 1) {
            rc = 0;
            break;
        }
        if (!frc_proc_alive(pid, t0)) {
            frc_fail(c, "cannot start a container that has stopped");
            break;
        }
    }
    close(fd);
    unlink(fifo);
    free(fifo);
out:
    json_decref(st);
    return rc;
}

int frc_cmd_state(struct frc *c, int argc, char **argv)
{
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, NULL, &pos, &npos) < 0 || frc_need_args(c, npos, 1, 1) < 0) return -1;
    json_t *st = load_for(c, pos[0]);
    if (!st) return -1;
    enum frc_status s = frc_state_status(c, c->id, st);
    json_t *out = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s}", "ociVersion", FAKERUNC_SPEC, "id", c->id, "pid",
                            s == FRC_STOPPED ? 0 : (int)rt_json_int(st, "pid", 0), "status", frc_status_name(s),
                            "bundle", rt_json_str(st, "bundle", ""), "rootfs", rt_json_str(st, "rootfs", ""),
                            "created", rt_json_str(st, "created", ""), "owner", rt_json_str(st, "owner", ""));
    json_t *ann = json_object_get(st, "annotations");
    if (ann) json_object_set(out, "annotations", ann);
    char *s_out = json_dumps(out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", s_out);
    free(s_out);
    json_decref(out);
    json_decref(st);
    return 0;
}

/* runc's parseSignal: a number, or a name with or without "SIG". */
static int parse_signal(const char *s)
{
    static const struct {
        const char *name;
        int sig;
    } sigs[] = {
        {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"TRAP", SIGTRAP},
        {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},   {"FPE", SIGFPE},   {"KILL", SIGKILL},
        {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},     {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
        {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP},
        {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU}, {"URG", SIGURG},   {"XCPU", SIGXCPU},
        {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
        {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS},
    };
    char *end;
    long n = strtol(s, &end, 10);
    if (*s && !*end) return n > 0 && n < NSIG ? (int)n : -1;
    const char *name = strncasecmp(s, "SIG", 3) ? s : s + 3;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (!strcasecmp(sigs[i].name, name)) return sigs[i].sig;
    return -1;
}

/* Signal the init process (or, with ALL, every process group of the
 * container: init's and each exec's, since each is a session leader). */
static int signal_container(struct frc *c, const json_t *st, int sig, int all)
{
    pid_t pid = (pid_t)rt_json_int(st, "pid", 0);
    if (!all) {
        if (kill(pid, sig) == 0) return 0;
        if (errno == ESRCH) return frc_fail(c, "container not running");
        return frc_fail(c, "kill: %s", rt_strerror(errno));
        return 0;
    }
    int sent = kill(-pid, sig) == 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(st, "execs"), i, e) {
        pid_t ep = (pid_t)json_integer_value(e);
        if (ep > 0 && kill(-ep, sig) == 0) sent = 1;
    }
    (void)sent; /* runc --all on an empty cgroup is not an error */
    return 0;
}

int frc_cmd_kill(struct frc *c, int argc, char **argv)
{
    const char *all = NULL;
    const struct frc_flag flags[] = {{"all|a", 0, &all}, {NULL, 0, NULL}};
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, flags, &pos, &npos) < 0 || frc_need_args(c, npos, 1, 2) < 0) return -1;
    json_t *st = load_for(c, pos[0]);
    if (!st) return -1;
    int rc = -1;
    const char *signame = npos > 1 ? pos[1] : "SIGTERM";
    int sig = parse_signal(signame);
    json_object_set_new(c->extra, "signal", json_integer(sig));
    if (sig < 0) frc_fail(c, "unknown signal \"%s\"", signame);
    else if (frc_state_status(c, c->id, st) == FRC_STOPPED && !all) frc_fail(c, "container not running");
    else rc = signal_container(c, st, sig, all != NULL);
    json_decref(st);
    return rc;
}

/* SIGKILL and wait (bounded, like runc's 10 s) until the init is gone or a zombie. */
static int kill_and_wait(struct frc *c, const json_t *st)
{
    pid_t pid = (pid_t)rt_json_int(st, "pid", 0);
    unsigned long long t0 = (unsigned long long)rt_json_int(st, "start_time", 0);
    signal_container(c, st, SIGKILL, 1);
    for (int i = 0; i < 2000; i++) {
        if (!frc_proc_alive(pid, t0)) return 0;
        usleep(5000); /* poll interval: the exit is only visible in /proc */
    }
    return frc_fail(c, "container init still running");
}

int frc_cmd_delete(struct frc *c, int argc, char **argv)
{
    const char *force = NULL;
    const struct frc_flag flags[] = {{"force|f", 0, &force}, {NULL, 0, NULL}};
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, flags, &pos, &npos) < 0 || frc_need_args(c, npos, 1, 1) < 0) return -1;
    const char *id = c->id = pos[0];
    json_t *st = frc_state_load(c, id);
    char *dir = frc_state_dir(c, id);
    int rc = -1;
    if (!st) {
        /* runc: an aborted create can leave the directory without state.json */
        if (frc_valid_id(id)) rt_rm_rf(dir);
        if (force) c->err[0] = '\0', rc = 0;
        goto out;
    }
    if (state_failpoint(c, st) < 0) goto out;
    enum frc_status s = frc_state_status(c, id, st);
    if ((s == FRC_RUNNING || s == FRC_PAUSED) && !force) {
        frc_fail(c, "cannot delete container %s that is not stopped: %s", id, frc_status_name(s));
        goto out;
    }
    if (s != FRC_STOPPED && kill_and_wait(c, st) < 0) goto out;
    if (rt_rm_rf(dir) < 0) {
        frc_fail(c, "remove %s: %s", dir, rt_strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(dir);
    json_decref(st);
    return rc;
}

static int pause_resume(struct frc *c, int argc, char **argv, int pause)
{
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, NULL, &pos, &npos) < 0 || frc_need_args(c, npos, 1, 1) < 0) return -1;
    json_t *st = load_for(c, pos[0]);
    if (!st) return -1;
    int rc = -1;
    enum frc_status s = frc_state_status(c, c->id, st);
    if (pause && s != FRC_RUNNING && s != FRC_CREATED) frc_fail(c, "container not running");
    else if (!pause && s != FRC_PAUSED) frc_fail(c, "container not paused");
    else if (signal_container(c, st, pause ? SIGSTOP : SIGCONT, 1) == 0) {
        json_object_set_new(st, "paused", json_boolean(pause));
        rc = frc_state_save(c, c->id, st);
    }
    json_decref(st);
    return rc;
}

int frc_cmd_pause(struct frc *c, int argc, char **argv) { return pause_resume(c, argc, argv, 1); }
int frc_cmd_resume(struct frc *c, int argc, char **argv) { return pause_resume(c, argc, argv, 0); }

static int pid_cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* The container's processes: every live process in init's session or an exec's. */
int frc_cmd_ps(struct frc *c, int argc, char **argv)
{
    const char *format = "table";
    const struct frc_flag flags[] = {{"format|f", 1, &format}, {NULL, 0, NULL}};
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, flags, &pos, &npos) < 0 || frc_need_args(c, npos, 1, INT_MAX) < 0) return -1;
    if (strcmp(format, "json") && strcmp(format, "table")) return frc_fail(c, "invalid format option");
    json_t *st = load_for(c, pos[0]);
    if (!st) return -1;
    pid_t sids[64];
    size_t nsid = 0, i;
    sids[nsid++] = (pid_t)rt_json_int(st, "pid", 0);
    json_t *e;
    json_array_foreach(json_object_get(st, "execs"), i, e) if (nsid < 64) sids[nsid++] = (pid_t)json_integer_value(e);
    int *pids = NULL;
    size_t n = 0, cap = 0;
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char *end;
        long p = strtol(de->d_name, &end, 10);
        if (*end || p <= 0) continue;
        pid_t sid = frc_proc_sid((pid_t)p);
        for (size_t k = 0; k < nsid; k++)
            if (sid == sids[k] && frc_proc_alive((pid_t)p, 0)) {
                if (n == cap) pids = realloc(pids, (cap = cap ? cap * 2 : 16) * sizeof *pids);
                pids[n++] = (int)p;
                break;
            }
    }
    if (d) closedir(d);
    qsort(pids, n, sizeof *pids, pid_cmp);
    if (!strcmp(format, "json")) {
        json_t *arr = json_array();
        for (i = 0; i < n; i++) json_array_append_new(arr, json_integer(pids[i]));
        char *s = json_dumps(arr, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(arr);
    } else {
        printf("PID\n");
        for (i = 0; i < n; i++) printf("%d\n", pids[i]);
    }
    free(pids);
    json_decref(st);
    return 0;
}

/* update --resources FILE|- ID: resources are accepted and recorded, not applied. */
int frc_cmd_update(struct frc *c, int argc, char **argv)
{
    const char *resources = NULL, *ignored = NULL;
    const struct frc_flag flags[] = {
        {"resources|r", 1, &resources}, {"memory", 1, &ignored},      {"cpu-shares", 1, &ignored},
        {"cpu-quota", 1, &ignored},     {"cpu-period", 1, &ignored},  {"cpuset-cpus", 1, &ignored},
        {"pids-limit", 1, &ignored},    {"memory-swap", 1, &ignored}, {NULL, 0, NULL},
    };
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, flags, &pos, &npos) < 0 || frc_need_args(c, npos, 1, 1) < 0) return -1;
    json_t *st = load_for(c, pos[0]);
    if (!st) return -1;
    int rc = 0;
    if (resources) {
        json_error_t je;
        json_t *r = !strcmp(resources, "-") ? json_loadf(stdin, JSON_DISABLE_EOF_CHECK, &je)
                                            : json_load_file(resources, 0, &je);
        if (!r) rc = frc_fail(c, "unable to parse resources: %s", je.text);
        else json_object_set_new(c->extra, "resources", r);
    }
    if (rc == 0 && frc_state_status(c, c->id, st) == FRC_STOPPED) rc = frc_fail(c, "container not running");
    json_decref(st);
    return rc;
}
