/* Helpers of the race suite (race_common.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/testlib.h"
#include "suites/ctr_common.h"
#include "suites/race_common.h"

json_t *rt_race_wrappers(void)
{
    char *d = rt_path_join(rt_t.sb->data_root, "runtimes");
    DIR *dh = opendir(d);
    if (!dh) {
        free(d);
        return NULL;
    }
    json_t *m = json_object();
    struct dirent *e;
    while ((e = readdir(dh))) {
        if (e->d_name[0] == '.') continue;
        char *p = rt_path_join(d, e->d_name);
        char *s = rt_read_file(p, 1 << 20, NULL);
        /* a file renamed away between readdir and open is reported by the
         * next check; "" never equals a real wrapper */
        json_object_set_new(m, e->d_name, json_string(s ? s : ""));
        free(s), free(p);
    }
    closedir(dh);
    free(d);
    return m;
}

char *rt_race_check_wrappers(json_t *seen)
{
    json_t *now = rt_race_wrappers();
    char *msg = NULL;
    if (!now) {
        if (asprintf(&msg, "%s/runtimes vanished while the engine ran", rt_t.sb->data_root) < 0) msg = NULL;
        return msg;
    }
    const char *k;
    json_t *v;
    json_object_foreach(seen, k, v) {
        json_t *w = json_object_get(now, k);
        if (!w) {
            if (asprintf(&msg, "wrapper %s was deleted while the engine ran (spec §3.1: never deleted)", k) < 0)
                msg = NULL;
            break;
        }
        if (!json_equal(v, w)) {
            if (asprintf(&msg, "wrapper %s changed content while the engine ran: was \"%s\", now \"%s\"", k,
                         json_string_value(v), json_string_value(w)) < 0)
                msg = NULL;
            break;
        }
    }
    if (!msg) json_object_update_missing(seen, now);
    json_decref(now);
    return msg;
}

char *rt_race_content(const char *path, const char *const *args, size_t nargs)
{
    size_t n = 32 + strlen(path);
    for (size_t i = 0; i < nargs; i++) n += strlen(args[i]) + 1;
    char *c = malloc(n);
    if (!c) abort();
    strcpy(c, "#!/bin/sh\n");
    strcat(c, path);
    for (size_t i = 0; i < nargs; i++) strcat(strcat(c, " "), args[i]);
    strcat(c, " $@\n");
    return c;
}

char *rt_race_runc_args(const json_t *entry)
{
    size_t cap = 1, i;
    json_t *v;
    json_t *g = json_object_get(entry, "global_args");
    json_array_foreach(g, i, v) cap += strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
    char *s = calloc(1, cap);
    if (!s) abort();
    json_array_foreach(g, i, v) {
        const char *a = json_string_value(v);
        if (!a || strncmp(a, RT_RACE_ARG_PREFIX, strlen(RT_RACE_ARG_PREFIX))) continue;
        if (*s) strcat(s, " ");
        strcat(s, a);
    }
    return s;
}

int rt_race_api(const char *method, const char *path, const char *body, struct rt_http_resp *out)
{
    const char *sock = rt_t.socket ? rt_t.socket : rt_t.run->external_socket;
    if (!sock) {
        memset(out, 0, sizeof *out);
        snprintf(out->error, sizeof out->error, "no engine socket");
        return -1;
    }
    return rt_http_request(sock, method, path, body, rt_scaled_ms(30000), out);
}

const char *rt_race_msg(const struct rt_http_resp *r)
{
    const char *m = json_string_value(json_object_get(r->json, "message"));
    return m ? m : r->body ? r->body : "";
}

int rt_race_create(const char *runtime, const char *script, json_t *annotations, struct rt_http_resp *out)
{
    json_t *hc = json_object();
    if (runtime && *runtime) json_object_set_new(hc, "Runtime", json_string(runtime));
    if (annotations) json_object_set(hc, "Annotations", annotations);
    json_t *body = json_pack("{s:s,s:[s,s,s],s:[s],s:o}", "Image", RT_CT_IMAGE, "Cmd", "/bin/sh", "-c", script,
                             "Env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HostConfig", hc);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    int rc = rt_race_api("POST", "/containers/create", text, out);
    free(text);
    return rc;
}

int rt_race_exec(const char *id, char *msg, size_t msglen)
{
    char path[300];
    snprintf(path, sizeof path, "/containers/%s/exec", id);
    struct rt_http_resp r;
    if (rt_race_api("POST", path, "{\"Cmd\":[\"/bin/true\"]}", &r) < 0) {
        snprintf(msg, msglen, "exec create: %s", r.error);
        return -1;
    }
    if (r.status == 404 && !strcmp(rt_race_msg(&r), "page not found")) {
        rt_http_resp_free(&r);
        return 0;
    }
    const char *eid = json_string_value(json_object_get(r.json, "Id"));
    if (r.status != 201 || !eid) {
        snprintf(msg, msglen, "exec create: HTTP %ld %s", r.status, rt_race_msg(&r));
        rt_http_resp_free(&r);
        return -1;
    }
    snprintf(path, sizeof path, "/exec/%s/start", eid);
    rt_http_resp_free(&r);
    if (rt_race_api("POST", path, "{\"Detach\":true,\"Tty\":false}", &r) < 0) {
        snprintf(msg, msglen, "exec start: %s", r.error);
        return -1;
    }
    int ok = r.status >= 200 && r.status < 300;
    if (!ok) snprintf(msg, msglen, "exec start: HTTP %ld %s", r.status, rt_race_msg(&r));
    rt_http_resp_free(&r);
    return ok ? 1 : -1;
}

char *rt_race_fifo(const char *name)
{
    char *p = rt_path_join(rt_t.sb->dir, name);
    unlink(p);
    if (mkfifo(p, 0600) < 0) rt_env_error("mkfifo %s: %s", p, rt_strerror(errno));
    return p;
}

int rt_race_barrier_reached(const char *fifo, const volatile int *gave_up)
{
    long long deadline = rt_now_ms() + rt_scaled_ms(20000);
    /* No event tells us the shim reached the barrier; a non-blocking open
     * for writing succeeds exactly when a reader has the FIFO open. */
    for (;;) {
        int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) return fd;
        if (errno != ENXIO || __atomic_load_n(gave_up, __ATOMIC_SEQ_CST) || rt_now_ms() > deadline) return -1;
        rt_poll_pause(2);
    }
}

void rt_race_barrier_release(int fd)
{
    if (fd < 0) return;
    ssize_t n = write(fd, "x", 1);
    (void)n;
    close(fd);
}

bool rt_race_engine_alive(char *msg, size_t msglen)
{
    pid_t pid = rt_t.engine_pid;
    if (pid <= 0) return true;
    int status;
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) {
        rt_t.engine_pid = 0;
        if (WIFSIGNALED(status)) snprintf(msg, msglen, "the engine died of signal %d", WTERMSIG(status));
        else snprintf(msg, msglen, "the engine exited with status %d", WEXITSTATUS(status));
        return false;
    }
    if (w < 0 && errno == ECHILD && kill(pid, 0) < 0 && errno == ESRCH) {
        snprintf(msg, msglen, "the engine (pid %d) is gone", (int)pid);
        return false;
    }
    return true;
}
