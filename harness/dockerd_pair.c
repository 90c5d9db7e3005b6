/* A private containerd + dockerd pair (harness/dockerd_pair.h). */
#include "harness/dockerd_pair.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/client.h"
#include "harness/testlib.h"

#define SUN_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static char *dupor(const char *s, const char *dir, const char *name)
{
    return s ? strdup(s) : rt_path_join(dir, name);
}

static void seterr(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (len) vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* Last LEN bytes of a log file, one line, for error messages. */
static void log_tail(const char *path, char *out, size_t len)
{
    out[0] = '\0';
    char *s = rt_read_file(path, 64 << 20, NULL);
    if (!s) return;
    size_t n = strlen(s), want = len > 1 ? len - 1 : 0;
    snprintf(out, len, "%s", n > want ? s + n - want : s);
    for (char *p = out; *p; p++)
        if (*p == '\n') *p = ' ';
    free(s);
}

/* The scrubbed environment: PATH with the shim dir first, fake-shim sockets
 * in the private socket dir, then the caller's extras (which may override). */
static char **build_env(const struct rt_dockerd_pair *p)
{
    size_t n = 0;
    for (const char *const *e = p->opts.env; e && *e; e++) n++;
    char **env = calloc(n + 6, sizeof *env);
    size_t i = 0;
    if (asprintf(&env[i++], "PATH=%s%s/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 p->opts.shim_dir ? p->opts.shim_dir : "", p->opts.shim_dir ? ":" : "") < 0)
        abort();
    env[i++] = strdup("HOME=/root");
    env[i++] = strdup("LANG=C.UTF-8");
    if (asprintf(&env[i++], "RTFAKE_SOCKET_DIR=%s/s", p->sockdir) < 0) abort();
    for (const char *const *e = p->opts.env; e && *e; e++) env[i++] = strdup(*e);
    env[i] = NULL;
    return env;
}

static int write_containerd_config(const struct rt_dockerd_pair *p, char *err, size_t errlen)
{
    char *text = NULL;
    /* Everything containerd would put on the host goes under dir; sockets
     * under the short sockdir. CRI is off (it would touch host networking). */
    int n = asprintf(&text,
                     "version = 2\n"
                     "root = \"%s\"\n"
                     "state = \"%s\"\n"
                     "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
                     "[grpc]\n  address = \"%s\"\n"
                     "[ttrpc]\n  address = \"%s.ttrpc\"\n"
                     "[debug]\n  address = \"\"\n"
                     "[metrics]\n  address = \"\"\n"
                     "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"%s/opt\"\n",
                     p->containerd_root, p->containerd_state, p->containerd_socket, p->containerd_socket,
                     p->containerd_root);
    if (n < 0) abort();
    int rc = rt_atomic_write(p->containerd_config, text, strlen(text), 0644, err, errlen);
    free(text);
    return rc;
}

/* Socket dirs of pairs whose owner died without rt_dockerd_pair_free (a
 * test process that failed an assertion exits at once): remove them. */
static void sweep_stale_sockdirs(void)
{
    DIR *d = opendir("/tmp");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "rtd-", 4) != 0 || strlen(e->d_name) != 10) continue;
        char path[64], *owner;
        snprintf(path, sizeof path, "/tmp/%s/owner", e->d_name);
        if (!(owner = rt_read_file(path, 64, NULL))) continue;
        pid_t pid = (pid_t)strtol(owner, NULL, 10);
        free(owner);
        if (pid > 1 && kill(pid, 0) < 0 && errno == ESRCH) {
            snprintf(path, sizeof path, "/tmp/%s", e->d_name);
            rt_rm_rf(path);
        }
    }
    if (d) closedir(d);
}

int rt_dockerd_pair_init(struct rt_dockerd_pair *p, const struct rt_dockerd_opts *o, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->opts = *o;
    p->dir = strdup(o->dir);
    if (!o->dockerd) {
        seterr(err, errlen, "no dockerd binary given");
        return -1;
    }
    if (rt_mkdir_p(p->dir, 0700) < 0) {
        seterr(err, errlen, "cannot create %s: %s", p->dir, rt_strerror(errno));
        return -1;
    }
    /* dockerd puts <exec-root>/libnetwork/<64 hex>.sock and the shims
     * <sockdir>/s/<64 hex>: both need a short prefix whatever DIR is. */
    sweep_stale_sockdirs();
    char tmpl[] = "/tmp/rtd-XXXXXX";
    if (!mkdtemp(tmpl)) {
        seterr(err, errlen, "mkdtemp %s: %s", tmpl, rt_strerror(errno));
        return -1;
    }
    p->sockdir = strdup(tmpl);
    char *owner = rt_path_join(p->sockdir, "owner"), pid[32];
    snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    rt_atomic_write(owner, pid, strlen(pid), 0600, NULL, 0);
    free(owner);
    char *cdir = rt_path_join(p->dir, "containerd");
    p->containerd_root = rt_path_join(cdir, "root");
    p->containerd_state = rt_path_join(cdir, "state");
    p->containerd_config = rt_path_join(cdir, "config.toml");
    free(cdir);
    p->containerd_socket = rt_path_join(p->sockdir, "c.sock");
    p->data_root = dupor(o->data_root, p->dir, "data");
    p->exec_root = o->exec_root && strlen(o->exec_root) <= 25 ? strdup(o->exec_root)
                                                               : rt_path_join(p->sockdir, "x");
    p->api_socket = o->api_socket && strlen(o->api_socket) < SUN_MAX ? strdup(o->api_socket)
                                                                     : rt_path_join(p->sockdir, "d.sock");
    p->pidfile = dupor(o->pidfile, p->dir, "dockerd.pid");
    p->config_file = dupor(o->config_file, p->dir, "daemon.json");
    p->dockerd_log = dupor(o->dockerd_log, p->dir, "dockerd.log");
    p->containerd_log = dupor(o->containerd_log, p->dir, "containerd.log");
    if (!p->opts.containerd) p->opts.containerd = "/usr/bin/containerd";
    if (!p->opts.ready_timeout_ms) p->opts.ready_timeout_ms = 20000;
    p->env = build_env(p);
    if (access(p->config_file, F_OK) != 0 &&
        rt_atomic_write(p->config_file, "{}\n", 3, 0644, err, errlen) < 0)
        return -1;
    return 0;
}

/* fork+exec ARGV with ENV, stdin /dev/null, stdout+stderr appended to LOG. */
static pid_t spawn(const char *const *argv, char *const *env, const char *log, bool own_pgrp, char *err,
                   size_t errlen)
{
    int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0) {
        seterr(err, errlen, "cannot open %s: %s", log, rt_strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        seterr(err, errlen, "fork: %s", rt_strerror(errno));
        close(logfd);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        if (own_pgrp) setpgid(0, 0);
        execve(argv[0], (char *const *)argv, env);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(logfd);
    return pid;
}

static bool can_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) return false;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

static int status_code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int rt_containerd_start(struct rt_dockerd_pair *p, char *err, size_t errlen)
{
    if (p->containerd_pid) return 0;
    if (rt_mkdir_p(p->containerd_root, 0711) < 0 || rt_mkdir_p(p->containerd_state, 0711) < 0) {
        seterr(err, errlen, "cannot create containerd dirs under %s: %s", p->dir, rt_strerror(errno));
        return -1;
    }
    if (write_containerd_config(p, err, errlen) < 0) return -1;
    const char *argv[] = {p->opts.containerd, "--config", p->containerd_config, NULL};
    pid_t pid = spawn(argv, p->env, p->containerd_log, p->opts.own_process_group, err, errlen);
    if (pid < 0) return -1;
    long long deadline = now_ms() + p->opts.ready_timeout_ms;
    for (;;) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            char tail[400];
            log_tail(p->containerd_log, tail, sizeof tail);
            seterr(err, errlen, "containerd exited with status %d: %s", status_code(status), tail);
            return -1;
        }
        if (can_connect(p->containerd_socket)) break;
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            seterr(err, errlen, "containerd did not listen on %s within %ld ms", p->containerd_socket,
                   p->opts.ready_timeout_ms);
            return -1;
        }
        rt_poll_pause(10); /* no event before containerd listens: poll */
    }
    p->containerd_pid = pid;
    return 0;
}

size_t rt_dockerd_argv(struct rt_dockerd_pair *p, const char **argv, size_t max, const char *const *extra)
{
    static char host[sizeof(struct sockaddr_un) + 16];
    snprintf(host, sizeof host, "unix://%s", p->api_socket);
    /* Isolation from the host: own paths, private containerd, no iptables,
     * no bridge, no forwarding/masquerade sysctls, no proxy processes; vfs
     * works on any backing filesystem (overlay2 does not nest). */
    const char *fixed[] = {
        p->opts.dockerd, "--data-root", p->data_root, "--exec-root", p->exec_root, "-H", host, "--pidfile",
        p->pidfile, "--config-file", p->config_file, "--containerd", p->containerd_socket, "--iptables=false",
        "--ip6tables=false", "--ip-forward=false", "--ip-masq=false", "--bridge=none", "--userland-proxy=false",
        "--storage-driver=vfs", NULL};
    size_t n = 0;
    for (size_t i = 0; fixed[i] && n + 1 < max; i++) argv[n++] = fixed[i];
    for (const char *const *a = p->opts.dockerd_args; a && *a && n + 1 < max; a++) argv[n++] = *a;
    for (const char *const *a = extra; a && *a && n + 1 < max; a++) argv[n++] = *a;
    argv[n] = NULL;
    return n;
}

int rt_dockerd_start(struct rt_dockerd_pair *p, const char *const *extra, char *err, size_t errlen)
{
    if (!p->containerd_pid) {
        seterr(err, errlen, "containerd is not running");
        return -1;
    }
    if (p->dockerd_pid) {
        seterr(err, errlen, "dockerd is already running (pid %d)", (int)p->dockerd_pid);
        return -1;
    }
    const char *argv[96];
    rt_dockerd_argv(p, argv, 96, extra);
    pid_t pid = spawn(argv, p->env, p->dockerd_log, p->opts.own_process_group, err, errlen);
    if (pid < 0) return -1;
    long long deadline = now_ms() + p->opts.ready_timeout_ms;
    for (;;) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            int code = status_code(status);
            return code ? code : 255;
        }
        if (access(p->api_socket, F_OK) == 0 && rt_http_ping(p->api_socket, 1000)) break;
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            char tail[400];
            log_tail(p->dockerd_log, tail, sizeof tail);
            seterr(err, errlen, "dockerd did not answer /_ping within %ld ms: %s", p->opts.ready_timeout_ms, tail);
            return -1;
        }
        rt_poll_pause(10); /* no event before the API is up: poll */
    }
    p->dockerd_pid = pid;
    return 0;
}

/* SIGTERM, await the exit (pidfd) for TIMEOUT_MS, SIGKILL. Exit status,
 * -1 if not running or not ours to reap (started elsewhere). */
static int stop_pid(pid_t *pidp, long timeout_ms)
{
    if (*pidp <= 0) return -1;
    pid_t pid = *pidp;
    *pidp = 0;
    kill(pid, SIGTERM);
    if (rt_await_exit(pid, timeout_ms > 0 ? timeout_ms : 15000) < 0) kill(pid, SIGKILL);
    int status = 0;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {}
    return w == pid ? status_code(status) : -1;
}

int rt_dockerd_stop(struct rt_dockerd_pair *p, long timeout_ms) { return stop_pid(&p->dockerd_pid, timeout_ms); }
int rt_containerd_stop(struct rt_dockerd_pair *p, long timeout_ms) { return stop_pid(&p->containerd_pid, timeout_ms); }

int rt_dockerd_pair_start(struct rt_dockerd_pair *p, const struct rt_dockerd_opts *o, char *err, size_t errlen)
{
    if (rt_dockerd_pair_init(p, o, err, errlen) < 0 || rt_containerd_start(p, err, errlen) < 0) return -1;
    int rc = rt_dockerd_start(p, NULL, err, errlen);
    if (rc != 0) rt_containerd_stop(p, 0);
    return rc;
}

int rt_dockerd_pair_stop(struct rt_dockerd_pair *p)
{
    int rc = rt_dockerd_stop(p, 0);
    rt_containerd_stop(p, 0);
    return rc;
}

void rt_dockerd_pair_free(struct rt_dockerd_pair *p)
{
    if (p->sockdir) rt_rm_rf(p->sockdir);
    free(p->dir), free(p->sockdir), free(p->containerd_socket), free(p->containerd_root);
    free(p->containerd_state), free(p->containerd_config), free(p->api_socket), free(p->data_root);
    free(p->exec_root), free(p->pidfile), free(p->config_file), free(p->dockerd_log), free(p->containerd_log);
    for (char **e = p->env; e && *e; e++) free(*e);
    free(p->env);
    memset(p, 0, sizeof *p);
}
