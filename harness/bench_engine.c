/* The engines under measurement. rtengined is started with the sandbox
 * command line every test uses (testlib's rt_engine_argv/env); dockerd
 * with its private containerd through harness/dockerd_pair (bench_dockerd.c). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/bench_int.h"
#include "harness/testlib.h"

/* bench_dockerd.c */
int bd_init(struct bench_engine *e, char *err, size_t errlen);
int bd_start(struct bench_engine *e, double *ready_ms, char *err, size_t errlen);
void bd_stop(struct bench_engine *e);
void bd_destroy(struct bench_engine *e);

const struct bench_opts *bench_o;

void be_select(struct bench_engine *e)
{
    rt_t.run = &e->run;
    rt_t.sb = e->sb;
    rt_t.socket = e->socket;
    rt_t.engine_pid = e->pid;
}

int be_init(struct bench_engine *e, int kind, const char *id, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->name = kind == BT_BUILTIN ? "rtengined" : "dockerd";
    e->id = strdup(id);
    e->sb = rt_sandbox_create(bench_o->workdir, id, bench_o->libexec, err, errlen);
    if (!e->sb) return -1;
    e->run = (struct rt_run_config){.target = kind == BT_BUILTIN ? RT_TARGET_BUILTIN : RT_TARGET_DOCKERD,
                                    .engine = kind == BT_BUILTIN ? bench_o->engine : bench_o->dockerd,
                                    .containerd = bench_o->containerd, .libexec = bench_o->libexec,
                                    .timeout_multiplier = 1.0};
    if (kind == BT_DOCKERD) return bd_init(e, err, errlen);
    e->socket = e->sb->socket;
    e->config = e->sb->config;
    e->data_root = e->sb->data_root;
    e->exec_root = e->sb->exec_root;
    if (access(e->config, F_OK) != 0) be_write_config(e, "{}\n");
    return 0;
}

int be_write_config(struct bench_engine *e, const char *text)
{
    return rt_atomic_write(e->config, text, strlen(text), 0644, NULL, 0);
}

int be_start(struct bench_engine *e, double *ready_ms, char *err, size_t errlen)
{
    if (e->kind == BT_DOCKERD) return bd_start(e, ready_ms, err, errlen);
    be_select(e);
    const char *argv[64];
    char host[4200];
    rt_engine_argv(argv, 64, NULL, host, sizeof host);
    char **env = rt_engine_env();
    int logfd = open(e->sb->engine_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0) {
        snprintf(err, errlen, "open %s: %s", e->sb->engine_log, rt_strerror(errno));
        return -1;
    }
    unlink(e->socket);
    double t0 = bench_now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        close(logfd);
        snprintf(err, errlen, "fork: %s", rt_strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        setpgid(0, 0);
        execve(argv[0], (char *const *)argv, env);
        _exit(127);
    }
    close(logfd);
    /* Poll (1 ms) for the first 200 /_ping; the engine has no other signal. */
    for (;;) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            snprintf(err, errlen, "rtengined exited (status 0x%x) before it was ready; see %s", st, e->sb->engine_log);
            return -1;
        }
        if (access(e->socket, F_OK) == 0 && rt_http_ping(e->socket, 2000)) break;
        long limit = e->ready_timeout_ms > 0 ? e->ready_timeout_ms : 30000;
        if (bench_now_ms() - t0 > limit) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            snprintf(err, errlen, "rtengined did not answer /_ping within %ld s", limit / 1000);
            return -1;
        }
        rt_poll_pause(1); /* no event before the API is up: poll */
    }
    *ready_ms = bench_now_ms() - t0;
    e->pid = pid;
    be_select(e);
    return 0;
}

void be_stop(struct bench_engine *e)
{
    if (e->kind == BT_DOCKERD) {
        bd_stop(e);
        return;
    }
    if (e->pid <= 0) return;
    kill(e->pid, SIGTERM);
    if (rt_await_exit(e->pid, 15000) < 0) kill(e->pid, SIGKILL);
    waitpid(e->pid, NULL, 0);
    e->pid = 0;
}

void be_destroy(struct bench_engine *e)
{
    if (!e || !e->sb) return;
    if (e->kind == BT_DOCKERD) bd_destroy(e);
    else be_stop(e);
    char desc[1024];
    rt_sandbox_reap_leaks(e->sb, desc, sizeof desc); /* shims we started, found by our journal variable */
    rt_sandbox_reap_mounts(e->sb, desc, sizeof desc);
    rt_sandbox_destroy(e->sb, true);
    e->sb = NULL;
    free(e->id);
    free(e->env_journal);
}

/* "<KEY> <n> kB" from /proc/PID/FILE, 0 if absent. */
static long proc_kb(pid_t pid, const char *file, const char *key)
{
    if (pid <= 0) return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    char *s = rt_read_file(path, 1 << 20, NULL);
    if (!s) return 0;
    size_t kl = strlen(key);
    long kb = 0;
    for (char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, kl)) {
            kb = strtol(p + kl, NULL, 10);
            break;
        }
    free(s);
    return kb;
}

static void mem_add(pid_t pid, struct bench_mem *m)
{
    m->rss += proc_kb(pid, "status", "VmRSS:");
    m->anon += proc_kb(pid, "status", "RssAnon:");
    m->file += proc_kb(pid, "status", "RssFile:") + proc_kb(pid, "status", "RssShmem:");
    m->pss += proc_kb(pid, "smaps_rollup", "Pss:");
}

void be_mem(const struct bench_engine *e, struct bench_mem *m)
{
    memset(m, 0, sizeof *m);
    if (e->kind == BT_DOCKERD) {
        mem_add(e->pair.dockerd_pid, m);
        mem_add(e->pair.containerd_pid, m);
    } else {
        mem_add(e->pid, m);
    }
}

/* utime + stime of PID in ms (0 if unknown). */
static double cpu_of(pid_t pid)
{
    if (pid <= 0) return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *s = rt_read_file(path, 1 << 16, NULL);
    char *p = s ? strrchr(s, ')') : NULL; /* the command may contain spaces */
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) ut = st = 0;
    free(s);
    return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

double be_cpu_ms(const struct bench_engine *e)
{
    if (e->kind == BT_DOCKERD) return cpu_of(e->pair.dockerd_pid) + cpu_of(e->pair.containerd_pid);
    return cpu_of(e->pid);
}
