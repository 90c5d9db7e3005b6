/* The shim binary's `start` and `delete` actions (shim spec §2.2, §2.5). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/shims.h"
#include "engine/shims_int.h"
#include "fsutil.h"
#include "proto/task.pb-c.h"

extern char **environ;

/* environ + TTRPC_ADDRESS + GOMAXPROCS=2 (replacing inherited ones). */
static char **child_env(const char *ttrpc)
{
    size_t n = 0;
    while (environ[n]) n++;
    char **env = calloc(n + 3, sizeof *env);
    if (!env) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "TTRPC_ADDRESS=", 14) && strncmp(environ[i], "GOMAXPROCS=", 11)) env[j++] = environ[i];
    char *t = NULL;
    if (asprintf(&t, "TTRPC_ADDRESS=%s", ttrpc ? ttrpc : "") < 0) t = NULL;
    if (t) env[j++] = t;
    env[j++] = "GOMAXPROCS=2";
    return env;
}

static void free_env(char **env)
{
    if (!env) return;
    for (size_t i = 0; env[i]; i++)
        if (!strncmp(env[i], "TTRPC_ADDRESS=", 14)) free(env[i]);
    free(env);
}

/* Exec L->shim with ARGV in the bundle, own process group. IN_FD becomes
 * stdin (-1: /dev/null), OUT_FD stdout, ERR_FD stderr; no other fd is
 * inherited. posix_spawn (vfork-like): the engine's page tables are not
 * copied for each action. -1 with errno when the exec itself failed. */
static pid_t spawn(const struct rt_shim_launch *l, char *const *argv, int in_fd, int out_fd, int err_fd)
{
    char **env = child_env(l->ttrpc_address);
    if (!env) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    const int fds[3] = {in_fd, out_fd, err_fd};
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) posix_spawn_file_actions_adddup2(&fa, fds[i], i);
        else posix_spawn_file_actions_addopen(&fa, i, "/dev/null", O_RDWR, 0);
    }
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawn_file_actions_addchdir_np(&fa, l->bundle);
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int e = posix_spawn(&pid, l->shim, &fa, &at, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free_env(env);
    if (e != 0) {
        errno = e;
        return -1;
    }
    return pid;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = 0;
    size_t k = strspn(s, " \t\r\n");
    memmove(s, s + k, n - k + 1);
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read FDS[0..N) to EOF into NUL-terminated buffers OUT[i] (LEN[i]), until
 * DEADLINE (monotonic ms). -1 when the deadline passed first (buffers hold
 * what came), 0 on EOF of all. */
static int slurp(int *fds, char **out, size_t *len, int n, long long deadline)
{
    size_t cap[2] = {0, 0};
    bool open_[2] = {false, false};
    for (int i = 0; i < n; i++) {
        len[i] = 0;
        cap[i] = 4096;
        out[i] = malloc(cap[i]);
        open_[i] = out[i] != NULL;
        if (out[i]) out[i][0] = 0;
    }
    for (;;) {
        struct pollfd p[2];
        int np = 0, map[2];
        for (int i = 0; i < n; i++)
            if (open_[i]) p[np] = (struct pollfd){.fd = fds[i], .events = POLLIN}, map[np++] = i;
        if (!np) return 0;
        long long left = deadline - mono_ms();
        if (left <= 0) return -1;
        int r = poll(p, (nfds_t)np, (int)(left > 1000000 ? 1000000 : left));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        for (int k = 0; k < np; k++) {
            if (!p[k].revents) continue;
            int i = map[k];
            if (len[i] + 1 >= cap[i]) {
                char *nb = realloc(out[i], cap[i] *= 2);
                if (!nb) {
                    open_[i] = false;
                    continue;
                }
                out[i] = nb;
            }
            ssize_t got = read(fds[i], out[i] + len[i], cap[i] - len[i] - 1);
            if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (got <= 0) open_[i] = false;
            else len[i] += (size_t)got;
            out[i][len[i]] = 0;
        }
    }
}

/* An action that ran out of time: kill its process group, reap it. */
static void kill_action(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

static int wait_exit(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int rt_shim_action_start(const struct rt_shim_launch *l, char **addr, char **errmsg)
{
    *addr = *errmsg = NULL;
    char *argv[] = {(char *)l->shim, "-namespace", RT_SHIM_NAMESPACE, "-address", (char *)l->address,
                    "-publish-binary", (char *)l->publish, "-id", (char *)l->id, "start", NULL};
    int in[2] = {-1, -1}, out[2];
    if (pipe2(out, O_CLOEXEC) < 0 || (l->opts && pipe2(in, O_CLOEXEC) < 0)) {
        if (asprintf(errmsg, "pipe: %s", rt_strerror(errno)) < 0) *errmsg = NULL;
        return -1;
    }
    pid_t pid = spawn(l, argv, in[0], out[1], out[1]);
    close(out[1]);
    if (in[0] >= 0) close(in[0]);
    if (pid < 0) {
        close(out[0]);
        if (in[1] >= 0) close(in[1]);
        if (asprintf(errmsg, "fork/exec %s: %s", l->shim, rt_strerror(errno)) < 0) *errmsg = NULL;
        return -1;
    }
    if (in[1] >= 0) {
        /* Small (well under the pipe buffer); a shim that exits early gives EPIPE. */
        for (size_t off = 0; off < l->opts_len;) {
            ssize_t w = write(in[1], l->opts + off, l->opts_len - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            off += (size_t)w;
        }
        close(in[1]);
    }
    long tmo = rt_shim_timeout_ms(RT_SHIM_TMO_START);
    char *output = NULL;
    size_t olen;
    int late = slurp(&out[0], &output, &olen, 1, mono_ms() + tmo);
    close(out[0]);
    if (late < 0) kill_action(pid);
    int status = wait_exit(pid);
    if (!output) return -1;
    trim(output);
    if (late < 0) {
        if (asprintf(errmsg, "start failed: %s: no reply from the shim's start action within %ld ms: "
                     "context deadline exceeded", output, tmo) < 0) *errmsg = NULL;
        free(output);
        return -1;
    }
    if (status != 0) {
        if (asprintf(errmsg, "start failed: %s: exit status %d", output, status) < 0) *errmsg = NULL;
        free(output);
        return -1;
    }
    const char *p = !strncmp(output, "unix://", 7) ? output + 7 : output;
    *addr = strdup(p);
    free(output);
    return *addr ? 0 : -1;
}

int rt_shim_action_delete(const struct rt_shim_launch *l, uint32_t *exit_status)
{
    char *argv[] = {(char *)l->shim, "-namespace", RT_SHIM_NAMESPACE, "-address", (char *)l->address,
                    "-publish-binary", (char *)l->publish, "-id", (char *)l->id, "-bundle", (char *)l->bundle,
                    "delete", NULL};
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0) return -1;
    if (pipe2(errp, O_CLOEXEC) < 0) {
        close(out[0]), close(out[1]);
        return -1;
    }
    pid_t pid = spawn(l, argv, -1, out[1], errp[1]);
    close(out[1]);
    close(errp[1]);
    if (pid < 0) {
        close(out[0]), close(errp[0]);
        return -1;
    }
    /* containerd's cleanup limit; stdout and stderr read together. */
    long tmo = rt_shim_timeout_ms(RT_SHIM_TMO_CLEANUP);
    int fds[2] = {out[0], errp[0]};
    char *bufs[2] = {NULL, NULL};
    size_t lens[2];
    int late = slurp(fds, bufs, lens, 2, mono_ms() + tmo);
    char *data = bufs[0], *warn = bufs[1];
    size_t n = lens[0];
    close(out[0]);
    close(errp[0]);
    if (late < 0) {
        kill_action(pid);
        fprintf(stderr, "shim delete %s: no reply within %ld ms: killed\n", l->id, tmo);
    }
    int status = wait_exit(pid);
    if (warn && *warn) fprintf(stderr, "shim delete %s: cleanup warnings %s\n", l->id, warn);
    free(warn);
    int rc = -1;
    if (late == 0 && status == 0 && data) {
        Containerd__Task__V2__DeleteResponse *r =
            containerd__task__v2__delete_response__unpack(NULL, n, (const uint8_t *)data);
        if (r) {
            if (exit_status) *exit_status = r->exit_status;
            containerd__task__v2__delete_response__free_unpacked(r, NULL);
            rc = 0;
        }
    }
    free(data);
    return rc;
}
