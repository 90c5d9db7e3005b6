#include "harness/testlib.h"

#include "procid.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/observe.h"
#include "harness/target_dockerd.h"

struct rt_tctx rt_t;

static void write_outcome(const char *kind, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char line[2200];
    int n = snprintf(line, sizeof line, "%s %s\n", kind, msg);
    rt_atomic_write(rt_t.sb->outcome, line, (size_t)n, 0600, NULL, 0);
}

void rt_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    write_outcome("SKIP", fmt, ap);
    va_end(ap);
    ck_abort_msg("skipped");
    abort(); /* not reached */
}

void rt_env_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    write_outcome("ERROR", fmt, ap);
    va_end(ap);
    ck_abort_msg("environment error");
    abort();
}

void rt_require(unsigned caps)
{
    if ((caps & RT_CAP_OWN_DAEMON) && rt_t.run->target == RT_TARGET_EXTERNAL)
        rt_skip("needs its own daemon; the external target is read-only");
    if ((caps & RT_CAP_ROOT) && geteuid() != 0) rt_skip("needs root");
    if (caps & RT_CAP_FAKE_SHIMS) {
        char *p = rt_path_join(rt_t.sb->shim_dir, "containerd-shim-rtfake-v2");
        bool ok = access(p, X_OK) == 0;
        free(p);
        if (!ok) rt_skip("fake shims are not built (no containerd-shim-rtfake-v2 in %s)", rt_t.run->libexec);
    }
    if ((caps & RT_CAP_DOCKER_CLI) && access("/usr/local/bin/docker", X_OK) != 0 &&
        access("/usr/bin/docker", X_OK) != 0)
        rt_skip("the docker CLI is not installed");
}

void rt_poll_pause(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int rt_await_exit(pid_t pid, long timeout_ms)
{
    int fd = pidfd_open(pid, 0);
    if (fd < 0) return errno == ESRCH ? 0 : -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n;
    while ((n = poll(&p, 1, (int)timeout_ms)) < 0 && errno == EINTR) {}
    close(fd);
    return n > 0 ? 0 : -1;
}

long long rt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long rt_scaled_ms(long nominal_ms)
{
    double m = rt_t.run && rt_t.run->timeout_multiplier > 0 ? rt_t.run->timeout_multiplier : 1.0;
    return (long)(nominal_ms * m);
}

void rt_record_pid(pid_t pid)
{
    int fd = open(rt_t.sb->pids, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    char buf[64];
    /* With its start time: the runner must not kill a later process that
     * got the same pid. */
    int n = snprintf(buf, sizeof buf, "%d %llu\n", (int)pid, rt_proc_start_time(pid));
    if (write(fd, buf, (size_t)n) < 0) { /* the runner then cannot reap it; nothing else to do */ }
    close(fd);
}

void rt_write_config(const char *text)
{
    char err[512];
    if (rt_atomic_write(rt_t.sb->config, text, strlen(text), 0644, err, sizeof err) < 0)
        rt_env_error("cannot write daemon.json: %s", err);
    /* Keep every generation (daemon.json.<n>) for the reports; a test is
     * one process, so a static counter numbers its writes. */
    static int generation;
    char name[64];
    snprintf(name, sizeof name, "daemon.json.%d", ++generation);
    char *copy = rt_path_join(rt_t.sb->dir, name);
    rt_atomic_write(copy, text, strlen(text), 0644, NULL, 0);
    free(copy);
}

char *rt_engine_log(void)
{
    char *s = rt_read_file(rt_t.sb->engine_log, 64 << 20, NULL);
    return s ? s : strdup("");
}

/* The scrubbed environment every engine gets: an allow-list, PATH starting
 * with the sandbox's shim dir, and the journal. Sanitizer options pass
 * through so sanitized engines, shims and fakerunc report the way the run
 * asked (make check-sanitize, check-tsan). */
char **rt_engine_env(void)
{
    static const char *const pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"};
    static char *env[8 + sizeof pass / sizeof pass[0]];
    static char path[4096], journal[4096], home[64] = "HOME=/root", lang[] = "LANG=C.UTF-8";
    static char passed[sizeof pass / sizeof pass[0]][4096];
    snprintf(path, sizeof path, "PATH=%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
             rt_t.sb->shim_dir);
    snprintf(journal, sizeof journal, "RTCONFORM_JOURNAL=%s", rt_t.sb->journal);
    int i = 0;
    env[i++] = path;
    env[i++] = journal;
    env[i++] = home;
    env[i++] = lang;
    /* The engine's (and its shims') own limits scale with the harness's. */
    static char mult[64];
    double m = rt_t.run && rt_t.run->timeout_multiplier > 1 ? rt_t.run->timeout_multiplier : 1;
    long mi = (long)m;
    snprintf(mult, sizeof mult, "RTENGINED_TIMEOUT_MULT=%ld", mi < m ? mi + 1 : mi); /* rounded up */
    env[i++] = mult;
    for (size_t k = 0; k < sizeof pass / sizeof pass[0]; k++) {
        const char *v = getenv(pass[k]);
        if (!v) continue;
        snprintf(passed[k], sizeof passed[k], "%s=%s", pass[k], v);
        env[i++] = passed[k];
    }
    env[i] = NULL;
    return env;
}

/* RTCONFORM_ENGINE_WRAPPER="valgrind --error-exitcode=97 ...": a command the
 * builtin engine is run under (make check-valgrind), split on spaces. */
static size_t engine_wrapper(const char **argv, size_t max)
{
    static char *copy;
    static const char *words[32];
    static size_t nwords;
    const char *w = getenv("RTCONFORM_ENGINE_WRAPPER");
    if (!w || !*w || rt_t.run->target != RT_TARGET_BUILTIN) return 0;
    if (!copy) {
        copy = strdup(w);
        if (!copy) return 0;
        for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && nwords < 32; t = strtok_r(NULL, " ", &save))
            words[nwords++] = t;
        /* execve does not search PATH: resolve a bare command name here. */
        static char found[4096];
        const char *path = getenv("PATH");
        if (nwords && !strchr(words[0], '/') && path) {
            char *dirs = strdup(path);
            for (char *save = NULL, *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
                snprintf(found, sizeof found, "%s/%s", d, words[0]);
                if (access(found, X_OK) == 0) {
                    words[0] = found;
                    break;
                }
            }
            free(dirs);
        }
    }
    size_t n = 0;
    for (; n < nwords && n + 1 < max; n++) argv[n] = words[n];
    return n;
}

size_t rt_engine_argv(const char **argv, size_t max, const char *const *extra, char *host, size_t hostlen)
{
    size_t n = 0;
    if (rt_t.run->target == RT_TARGET_DOCKERD) {
        n = rt_tdockerd_argv(argv, max, extra);
        snprintf(host, hostlen, "unix://%s", rt_t.sb->socket);
        return n;
    }
    snprintf(host, hostlen, "unix://%s", rt_t.sb->socket);
    n = engine_wrapper(argv, max / 2);
    argv[n++] = rt_t.run->engine;
    argv[n++] = "--data-root";
    argv[n++] = rt_t.sb->data_root;
    argv[n++] = "--exec-root";
    argv[n++] = rt_t.sb->exec_root;
    argv[n++] = "-H";
    argv[n++] = host;
    argv[n++] = "--pidfile";
    argv[n++] = rt_t.sb->pidfile;
    argv[n++] = "--config-file";
    argv[n++] = rt_t.sb->config;
    if (rt_t.run->target == RT_TARGET_BUILTIN) {
        argv[n++] = "--shim-path";
        argv[n++] = rt_t.sb->shim_dir;
    }
    for (size_t i = 0; extra && extra[i] && n + 1 < max; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    return n;
}

static int engine_start(const char *const *extra);

/* An engine that exits instead of serving is an observable (observe.h). */
int rt_engine_start(const char *const *extra)
{
    int rc = engine_start(extra);
    if (rc > 0) rt_observe_engine_exit(rc);
    return rc;
}

static int engine_start(const char *const *extra)
{
    if (rt_t.run->target == RT_TARGET_EXTERNAL) rt_skip("the external target's engine is not ours to start");
    if (access(rt_t.sb->config, F_OK) != 0) rt_write_config("{}\n");
    if (rt_t.run->target == RT_TARGET_DOCKERD) return rt_tdockerd_start(extra);
    const char *argv[64];
    static char host[4200];
    rt_engine_argv(argv, 64, extra, host, sizeof host);

    if (access(rt_t.sb->config, F_OK) != 0) rt_write_config("{}\n");
    int logfd = open(rt_t.sb->engine_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0) rt_env_error("cannot open engine log: %s", rt_strerror(errno));
    pid_t pid = fork();
    if (pid < 0) rt_env_error("fork: %s", rt_strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        setpgid(0, 0);
        /* The engine gets default signal handling whatever ours is: under
         * nohup SIGHUP arrives ignored, and a shell-script engine cannot
         * trap a signal ignored at its entry (the reload never came). */
        for (int sig = 1; sig < NSIG; sig++)
            if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(argv[0], (char *const *)argv, rt_engine_env());
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(logfd);
    rt_record_pid(pid);
    long long deadline = rt_now_ms() + rt_scaled_ms(10000);
    /* Poll for readiness with a deadline; also notice an engine that exits. */
    for (;;) {
        int status;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            rt_t.engine_pid = 0;
            return WIFEXITED(status) ? (WEXITSTATUS(status) ? WEXITSTATUS(status) : 255) : 128 + WTERMSIG(status);
        }
        if (access(rt_t.sb->socket, F_OK) == 0 && rt_http_ping(rt_t.sb->socket, 1000)) break;
        if (rt_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            rt_env_error("engine did not answer /_ping within %ld ms", rt_scaled_ms(10000));
        }
        rt_poll_pause(5); /* no event before the API is up: poll */
    }
    rt_t.engine_pid = pid;
    rt_t.socket = rt_t.sb->socket;
    return 0;
}

void rt_engine_start_ok(const char *const *extra)
{
    int rc = rt_engine_start(extra);
    if (rc != 0) {
        char *log = rt_engine_log();
        size_t len = strlen(log);
        /* The engine refused a configuration the test needs: that is the
         * engine's behaviour (e.g. 20.10 rejects a shim-name default), a
         * FAIL, not a broken environment (which rt_engine_start reports). */
        ck_abort_msg("engine exited with status %d before becoming ready: %s", rc,
                     len > 400 ? log + len - 400 : log);
    }
}

void rt_engine_teardown(void)
{
    if (rt_t.run->target == RT_TARGET_DOCKERD) rt_tdockerd_teardown();
    else if (rt_t.engine_pid) rt_engine_stop();
}

int rt_engine_stop(void)
{
    if (rt_t.run->target == RT_TARGET_DOCKERD) return rt_tdockerd_stop();
    if (!rt_t.engine_pid) return -1;
    kill(rt_t.engine_pid, SIGTERM);
    int status = 0;
    if (rt_await_exit(rt_t.engine_pid, rt_scaled_ms(10000)) < 0) {
        kill(rt_t.engine_pid, SIGKILL);
        waitpid(rt_t.engine_pid, &status, 0);
        rt_t.engine_pid = 0;
        ck_abort_msg("engine did not exit within 10 s of SIGTERM");
    }
    waitpid(rt_t.engine_pid, &status, 0);
    rt_t.engine_pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void rt_api(const char *method, const char *path, const char *body, struct rt_http_resp *out)
{
    const char *sock = rt_t.socket ? rt_t.socket : rt_t.run->external_socket;
    if (!sock) rt_env_error("no engine socket: start the engine first");
    if (rt_http_request(sock, method, path, body, rt_scaled_ms(30000), out) < 0)
        rt_env_error("%s %s: %s", method, path, out->error);
    rt_observe_http(method, path, out);
}

json_t *rt_api_get_json(const char *path)
{
    struct rt_http_resp r;
    rt_api("GET", path, NULL, &r);
    ck_assert_msg(r.status == 200, "GET %s: status %ld, body %s", path, r.status, r.body ? r.body : "");
    ck_assert_msg(r.json != NULL, "GET %s: body is not JSON: %s", path, r.body ? r.body : "");
    json_t *j = json_incref(r.json);
    rt_http_resp_free(&r);
    return j;
}
