/* One-shot engine invocation with captured output (harness/engine_run.h). */
#include "harness/engine_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/observe.h"
#include "harness/testlib.h"

/* Append what is readable on FD to BUF; returns false at EOF. */
static int drain(int fd, char **buf, size_t *len, size_t *cap)
{
    if (*cap - *len < 4096) {
        *cap = *cap * 2 + 4096;
        char *nb = realloc(*buf, *cap);
        if (!nb) rt_env_error("out of memory");
        *buf = nb;
    }
    ssize_t r = read(fd, *buf + *len, *cap - *len - 1);
    if (r < 0) return errno == EINTR || errno == EAGAIN;
    *len += (size_t)r;
    return r > 0;
}

int rt_engine_run_once(const char *const *extra, char **output)
{
    if (rt_t.run->target == RT_TARGET_EXTERNAL) rt_skip("the external target's engine is not ours to run");
    const char *argv[64];
    char host[4200];
    rt_engine_argv(argv, 64, extra, host, sizeof host);
    if (access(rt_t.sb->config, F_OK) != 0) rt_write_config("{}\n");

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) rt_env_error("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) rt_env_error("fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        setpgid(0, 0);
        execve(argv[0], (char *const *)argv, rt_engine_env());
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    rt_record_pid(pid);

    char *buf = NULL;
    size_t len = 0, cap = 0;
    long long deadline = rt_now_ms() + rt_scaled_ms(10000);
    /* Read until EOF (every writer gone) or the deadline. */
    for (;;) {
        long long left = deadline - rt_now_ms();
        if (left <= 0) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            close(pfd[0]);
            rt_env_error("engine run did not finish within %ld ms", rt_scaled_ms(10000));
        }
        struct pollfd p = {.fd = pfd[0], .events = POLLIN};
        int pr = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
        if (pr < 0 && errno != EINTR) rt_env_error("poll: %s", strerror(errno));
        if (pr > 0 && !drain(pfd[0], &buf, &len, &cap)) break;
    }
    close(pfd[0]);
    if (!buf) buf = calloc(1, 1);
    else buf[len] = '\0';
    /* Output is closed; the process is exiting or has exited. */
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) rt_env_error("waitpid: %s", strerror(errno));
    *output = buf;
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    char *last = rt_observe_last_log_line(buf);
    rt_observe("run_once", "%d %s", rc, last);
    free(last);
    return rc;
}
