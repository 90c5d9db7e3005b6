/* Default runtime version probe for /info RuncCommit and /version. */
#include "engine/rtversion.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "tmoscale.h"

extern char **environ;

/* Run BIN --version; stdout (bounded) into a malloc'd string, or NULL with
 * the Go-style error text in ERR. */
static char *run_version(const char *bin, char *err, size_t errlen)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", rt_strerror(errno));
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none); /* the engine blocks signals for sigwait */
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {(char *)bin, (char *)"--version", NULL};
    pid_t pid;
    int rc = strchr(bin, '/') ? posix_spawn(&pid, bin, &fa, &at, argv, environ)
                              : posix_spawnp(&pid, bin, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(pfd[1]);
    if (rc != 0) {
        close(pfd[0]);
        if (!strchr(bin, '/') && rc == ENOENT)
            snprintf(err, errlen, "exec: \"%s\": executable file not found in $PATH", bin);
        else
            snprintf(err, errlen, "fork/exec %s: %s", bin, rt_strerror(rc));
        return NULL;
    }
    size_t cap = 64 << 10, len = 0;
    char *out = malloc(cap + 1);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = rt_timeout_scaled_ms(5000) - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        ssize_t r = read(pfd[0], out + len, cap - len);
        if (r <= 0) break;
        len += (size_t)r;
        if (len == cap) break;
    }
    out[len] = '\0';
    close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (WIFEXITED(st)) snprintf(err, errlen, "exit status %d", WEXITSTATUS(st));
        else snprintf(err, errlen, "signal: %s", strsignal(WTERMSIG(st)));
        free(out);
        return NULL;
    }
    return out;
}

static void probe(struct rt_snapshot *s, struct rt_rtversion *v)
{
    memset(v, 0, sizeof *v);
    struct rt_resolved r;
    struct rt_err e = {0};
    memset(&r, 0, sizeof r);
    if (rt_runtimes_resolve(s->set, "", &r, &e) < 0) {
        rt_log_kv(RT_LOG_WARN, "error", e.msg ? e.msg : "", "Failed to retrieve default runtime version");
        rt_err_clear(&e);
        return;
    }
    if (r.opts_type != RT_OPTS_RUNC || !r.runc.binary_name || !*r.runc.binary_name) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s: retrieving version not supported", r.shim ? r.shim : "");
        rt_log_kv(RT_LOG_WARN, "error", msg, "Failed to retrieve default runtime version");
        rt_resolved_free(&r);
        return;
    }
    char err[1024];
    char *out = run_version(r.runc.binary_name, err, sizeof err);
    if (!out) {
        rt_warn("failed to retrieve %s version: %s", r.runc.binary_name, err);
    } else if (rt_parse_runtime_version(out, v) < 0) {
        rt_warn("failed to parse %s version: unknown output format: %s", r.runc.binary_name, out);
    }
    free(out);
    rt_resolved_free(&r);
}

const struct rt_rtversion *rt_snapshot_runtime_version(struct rt_snapshot *s)
{
    pthread_mutex_lock(&s->ver_lock);
    if (!s->ver_done) {
        probe(s, &s->ver);
        s->ver_done = true;
    }
    pthread_mutex_unlock(&s->ver_lock);
    return &s->ver;
}
