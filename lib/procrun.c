/* See procrun.h. */
#include "procrun.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FDS[i] < 0: /dev/null. posix_spawn (vfork-like): the caller's page tables
 * are not copied for each run. -1 with errno when the exec itself failed. */
static pid_t spawn(const struct rt_procrun *r, const int fds[3])
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) posix_spawn_file_actions_adddup2(&fa, fds[i], i);
        else posix_spawn_file_actions_addopen(&fa, i, "/dev/null", O_RDWR, 0);
    }
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    if (r->dir) posix_spawn_file_actions_addchdir_np(&fa, r->dir);
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int e = posix_spawn(&pid, r->path, &fa, &at, r->argv, r->envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (e != 0) {
        errno = e;
        return -1;
    }
    return pid;
}

/* Read FDS[0..N) to EOF into NUL-terminated buffers OUT[i] (LEN[i]), until
 * DEADLINE (monotonic ms). -1 when the deadline passed first (buffers hold
 * what came), 0 on EOF of all. */
static int slurp(const int *fds, char **out, size_t *len, int n, long long deadline)
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
        int got_n = poll(p, (nfds_t)np, (int)(left > 1000000 ? 1000000 : left));
        if (got_n < 0 && errno == EINTR) continue;
        if (got_n < 0) return -1;
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

static int reap(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) close(fds[i]), fds[i] = -1;
}

int rt_procrun(const struct rt_procrun *r, char **out, size_t *out_len, char **err, size_t *err_len, int *status)
{
    /* pipes: [0..1] stdin, [2..3] stdout, [4..5] stderr */
    int pf[6] = {-1, -1, -1, -1, -1, -1};
    bool own_err = !r->merge_stderr && r->keep_stderr;
    if ((r->in && pipe2(pf, O_CLOEXEC) < 0) || pipe2(pf + 2, O_CLOEXEC) < 0 ||
        (own_err && pipe2(pf + 4, O_CLOEXEC) < 0)) {
        int e = errno;
        close_all(pf, 6);
        errno = e;
        return RT_PROCRUN_SPAWN_FAILED;
    }
    const int fds[3] = {pf[0], pf[3], r->merge_stderr ? pf[3] : pf[5]};
    pid_t pid = spawn(r, fds);
    int e = errno;
    close(pf[3]), pf[3] = -1;
    if (pf[0] >= 0) close(pf[0]), pf[0] = -1;
    if (pf[5] >= 0) close(pf[5]), pf[5] = -1;
    if (pid < 0) {
        close_all(pf, 6);
        errno = e;
        return RT_PROCRUN_SPAWN_FAILED;
    }
    if (pf[1] >= 0) {
        /* Small; a program that exits early gives EPIPE (ignored or not, the
         * write fails and the run goes on). */
        for (size_t off = 0; off < r->in_len;) {
            ssize_t w = write(pf[1], r->in + off, r->in_len - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            off += (size_t)w;
        }
        close(pf[1]), pf[1] = -1;
    }
    const int rfds[2] = {pf[2], pf[4]};
    char *bufs[2] = {NULL, NULL};
    size_t lens[2] = {0, 0};
    int late = slurp(rfds, bufs, lens, own_err ? 2 : 1, mono_ms() + r->timeout_ms);
    close_all(pf, 6);
    if (late < 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    *status = reap(pid);
    *out = bufs[0];
    if (out_len) *out_len = lens[0];
    if (err) *err = bufs[1];
    else free(bufs[1]);
    if (err_len) *err_len = lens[1];
    return late < 0 ? RT_PROCRUN_TIMED_OUT : 0;
}
