#include "harness/probe.h"

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
#include "harness/client.h"
#include "harness/testlib.h"
#include "harness/dockerd_pair.h"

const char *rt_target_name(enum rt_target_kind k)
{
    switch (k) {
    case RT_TARGET_BUILTIN: return "builtin";
    case RT_TARGET_DOCKERD: return "dockerd";
    case RT_TARGET_EXTERNAL: return "external";
    }
    return "?";
}

/* First line of `BIN --version`, or NULL. */
static char *version_line(const char *bin)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return NULL;
    pid_t pid = fork();
    if (pid < 0) return NULL;
    if (pid == 0) {
        dup2(p[1], 1);
        int dn = open("/dev/null", O_WRONLY);
        if (dn >= 0) dup2(dn, 2);
        execl(bin, bin, "--version", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[512];
    size_t at = 0;
    ssize_t n;
    while (at < sizeof buf - 1 && (n = read(p[0], buf + at, sizeof buf - 1 - at)) > 0) at += (size_t)n;
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    buf[at] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return at && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? strdup(buf) : NULL;
}

static void api_facts(const char *sock, json_t *out, json_t *errors)
{
    struct rt_http_resp r;
    if (rt_http_request(sock, "GET", "/version", NULL, 5000, &r) == 0 && r.status == 200 && r.json) {
        json_object_set(out, "engine_version", json_object_get(r.json, "Version"));
        json_object_set(out, "api_version", json_object_get(r.json, "ApiVersion"));
    } else {
        json_array_append_new(errors, json_sprintf("GET /version: %s", r.status ? "unexpected answer" : r.error));
    }
    rt_http_resp_free(&r);
    if (rt_http_request(sock, "GET", "/info", NULL, 5000, &r) == 0 && r.status == 200 && r.json) {
        json_object_set(out, "default_runtime", json_object_get(r.json, "DefaultRuntime"));
        json_t *names = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(r.json, "Runtimes"), k, v) json_array_append_new(names, json_string(k));
        json_object_set_new(out, "runtimes", names);
    } else {
        json_array_append_new(errors, json_sprintf("GET /info: %s", r.status ? "unexpected answer" : r.error));
    }
    rt_http_resp_free(&r);
}

/* Start the builtin engine once in WORKDIR/probe, ask it, stop it. */
static void probe_builtin(const struct rt_run_config *cfg, const char *workdir, json_t *out, json_t *errors)
{
    char *dir = rt_path_join(workdir, "probe");
    rt_rm_rf(dir);
    rt_mkdir_p(dir, 0700);
    char *data = rt_path_join(dir, "data"), *exec = rt_path_join(dir, "exec"), *sock = rt_path_join(dir, "e.sock");
    char *pidf = rt_path_join(dir, "e.pid"), *conf = rt_path_join(dir, "daemon.json"), *log = rt_path_join(dir, "e.log");
    rt_atomic_write(conf, "{}\n", 3, 0644, NULL, 0);
    char host[4200];
    snprintf(host, sizeof host, "unix://%s", sock);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
        char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", NULL};
        const char *argv[] = {cfg->engine, "--data-root", data, "--exec-root", exec, "-H", host, "--pidfile", pidf,
                              "--config-file", conf, NULL};
        execve(argv[0], (char *const *)argv, env);
        _exit(127);
    }
    bool up = false;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (pid < 0 || waitpid(pid, NULL, WNOHANG) == pid) {
            pid = -1;
            break;
        }
        if (access(sock, F_OK) == 0 && rt_http_ping(sock, 1000)) {
            up = true;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > (long)(10 * cfg->timeout_multiplier)) break;
        rt_poll_pause(5); /* no event before the API is up: poll */
    }
    if (up) api_facts(sock, out, errors);
    else json_array_append_new(errors, json_string("the builtin engine did not answer /_ping during the probe"));
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    rt_rm_rf(dir);
    free(dir), free(data), free(exec), free(sock), free(pidf), free(conf), free(log);
}

/* Start a private containerd + dockerd once in WORKDIR/probe, ask, stop. */
static void probe_dockerd(const struct rt_run_config *cfg, const char *workdir, json_t *out, json_t *errors)
{
    char *dir = rt_path_join(workdir, "probe");
    rt_rm_rf(dir);
    struct rt_dockerd_pair p;
    struct rt_dockerd_opts o = {.dir = dir, .dockerd = cfg->engine, .containerd = cfg->containerd,
                                .ready_timeout_ms = (long)(30000 * cfg->timeout_multiplier)};
    char err[1024];
    int rc = rt_dockerd_pair_start(&p, &o, err, sizeof err);
    if (rc == 0) api_facts(p.api_socket, out, errors);
    else if (rc > 0) json_array_append_new(errors, json_sprintf("dockerd exited with status %d during the probe", rc));
    else json_array_append_new(errors, json_sprintf("dockerd target probe: %s", err));
    rt_dockerd_pair_stop(&p);
    rt_dockerd_pair_free(&p);
    rt_rm_rf(dir);
    free(dir);
}

json_t *rt_probe_target(const struct rt_run_config *cfg, const char *workdir)
{
    json_t *out = json_object(), *errors = json_array();
    json_object_set_new(out, "kind", json_string(rt_target_name(cfg->target)));
    json_object_set_new(out, "engine", cfg->engine && cfg->target != RT_TARGET_EXTERNAL ? json_string(cfg->engine) : json_null());
    json_object_set_new(out, "socket", cfg->external_socket ? json_string(cfg->external_socket) : json_null());
    json_object_set_new(out, "engine_version", json_null());
    json_object_set_new(out, "api_version", json_null());
    json_object_set_new(out, "default_runtime", json_null());
    json_object_set_new(out, "root", json_boolean(geteuid() == 0));
    json_object_set_new(out, "docker_cli", json_boolean(access("/usr/bin/docker", X_OK) == 0 ||
                                                        access("/usr/local/bin/docker", X_OK) == 0));
    char *shim = cfg->libexec ? rt_path_join(cfg->libexec, "containerd-shim-rtfake-v2") : NULL;
    char *runc = cfg->libexec ? rt_path_join(cfg->libexec, "fakerunc") : NULL;
    json_object_set_new(out, "fake_shims", json_boolean(shim && access(shim, X_OK) == 0));
    json_object_set_new(out, "fakerunc", json_boolean(runc && access(runc, X_OK) == 0));
    json_object_set_new(out, "libexec", cfg->libexec ? json_string(cfg->libexec) : json_null());
    free(shim), free(runc);
    switch (cfg->target) {
    case RT_TARGET_BUILTIN: {
        char *v = version_line(cfg->engine);
        json_object_set_new(out, "engine_version_line", v ? json_string(v) : json_null());
        free(v);
        probe_builtin(cfg, workdir, out, errors);
        break;
    }
    case RT_TARGET_EXTERNAL:
        api_facts(cfg->external_socket, out, errors);
        break;
    case RT_TARGET_DOCKERD: {
        char *v = version_line(cfg->engine);
        json_object_set_new(out, "engine_version_line", v ? json_string(v) : json_null());
        free(v);
        if (geteuid() == 0) probe_dockerd(cfg, workdir, out, errors);
        else json_array_append_new(errors, json_string("not root: the dockerd target is not probed"));
        break;
    }
    }
    json_object_set_new(out, "errors", errors);
    return out;
}
