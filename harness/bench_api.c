/* Engine API shortcuts of the benchmarks, the same requests for both
 * engines, and a persistent reload-event stream. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/bench_int.h"
#include "suites/ctr_common.h"

/* `true` from the host: the fake runtime runs the process without
 * isolation. No network: dockerd's default bridge would touch the host. */
static const char create_body[] = "{\"Image\":\"" RT_CT_IMAGE "\",\"Cmd\":[\"/bin/true\"],"
                                  "\"HostConfig\":{\"NetworkMode\":\"none\"}}";

static int check(struct rt_http_resp *r, int rc, long want, const char *what, char *err, size_t errlen)
{
    int ret = 0;
    if (rc < 0 || r->status != want) {
        snprintf(err, errlen, "%s: %s%ld %.300s", what, rc < 0 ? r->error : "HTTP ", r->status,
                 r->body ? r->body : "");
        ret = -1;
    }
    return ret;
}

int bench_import(struct bench_engine *e, char *err, size_t errlen)
{
    be_select(e);
    struct rt_http_resp r;
    long st = rt_ct_import(RT_CT_IMAGE, NULL, 0, &r);
    int ret = check(&r, st ? 0 : -1, 200, "import", err, errlen);
    rt_http_resp_free(&r);
    return ret;
}

int bench_create(struct bench_engine *e, char **id, char *err, size_t errlen)
{
    struct rt_http_resp r = {0};
    int rc = rt_http_request(e->socket, "POST", "/containers/create", create_body, 60000, &r);
    int ret = check(&r, rc, 201, "create", err, errlen);
    const char *s = ret ? NULL : json_string_value(json_object_get(r.json, "Id"));
    if (!ret && !s) {
        snprintf(err, errlen, "create: no Id in %.200s", r.body);
        ret = -1;
    }
    *id = s ? strdup(s) : NULL;
    rt_http_resp_free(&r);
    return ret;
}

/* METHOD /containers/ID + SUFFIX, expecting WANT. */
static int simple(struct bench_engine *e, const char *method, const char *id, const char *suffix, long want,
                  char *err, size_t errlen)
{
    char path[256];
    snprintf(path, sizeof path, "/containers/%s%s", id, suffix);
    struct rt_http_resp r = {0};
    int rc = rt_http_request(e->socket, method, path, NULL, 60000, &r);
    int ret = check(&r, rc, want, path, err, errlen);
    rt_http_resp_free(&r);
    return ret;
}

int bench_start(struct bench_engine *e, const char *id, char *err, size_t errlen)
{
    return simple(e, "POST", id, "/start", 204, err, errlen);
}

int bench_wait(struct bench_engine *e, const char *id, char *err, size_t errlen)
{
    return simple(e, "POST", id, "/wait", 200, err, errlen);
}

int bench_rm(struct bench_engine *e, const char *id, bool force, char *err, size_t errlen)
{
    return simple(e, "DELETE", id, force ? "?force=1" : "", 204, err, errlen);
}

/* ---- reload events ---- */

int bench_events_open(struct bench_events *ev, const char *socket_path, char *err, size_t errlen)
{
    memset(ev, 0, sizeof *ev);
    ev->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", socket_path);
    if (ev->fd < 0 || connect(ev->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        snprintf(err, errlen, "connect %s: %s", socket_path, strerror(errno));
        if (ev->fd >= 0) close(ev->fd);
        ev->fd = -1;
        return -1;
    }
    /* filters={"type":["daemon"],"event":["reload"]} */
    static const char req[] =
        "GET /events?filters=%7B%22type%22%3A%5B%22daemon%22%5D%2C%22event%22%3A%5B%22reload%22%5D%7D "
        "HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if (write(ev->fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        snprintf(err, errlen, "write events request: %s", strerror(errno));
        bench_events_close(ev);
        return -1;
    }
    /* Subscribed once the headers are back (both engines send them first). */
    double t0 = bench_now_ms();
    while (!memmem(ev->buf, ev->len, "\r\n\r\n", 4)) {
        struct pollfd p = {ev->fd, POLLIN, 0};
        int left = (int)(10000 - (bench_now_ms() - t0));
        ssize_t n = left > 0 && poll(&p, 1, left) > 0 ? read(ev->fd, ev->buf + ev->len, sizeof ev->buf - 1 - ev->len)
                                                      : -1;
        if (n <= 0) {
            snprintf(err, errlen, "no /events response headers within 10 s");
            bench_events_close(ev);
            return -1;
        }
        ev->len += (size_t)n;
    }
    char *end = memmem(ev->buf, ev->len, "\r\n\r\n", 4) + 4;
    if (strncmp(ev->buf, "HTTP/1.1 200", 12) != 0) {
        snprintf(err, errlen, "/events: %.60s", ev->buf);
        bench_events_close(ev);
        return -1;
    }
    ev->len -= (size_t)(end - ev->buf);
    memmove(ev->buf, end, ev->len);
    return 0;
}

/* The stream only carries reload events: each "Action" key is one. */
int bench_events_next_reload(struct bench_events *ev, long timeout_ms)
{
    double t0 = bench_now_ms();
    for (;;) {
        char *hit = memmem(ev->buf, ev->len, "\"Action\"", 8);
        if (hit) {
            size_t used = (size_t)(hit - ev->buf) + 8;
            ev->len -= used;
            memmove(ev->buf, ev->buf + used, ev->len);
            return 0;
        }
        if (ev->len > 16) { /* keep a tail: the key may be split across reads */
            memmove(ev->buf, ev->buf + ev->len - 16, 16);
            ev->len = 16;
        }
        int left = (int)(timeout_ms - (bench_now_ms() - t0));
        struct pollfd p = {ev->fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, left) <= 0) return -1;
        ssize_t n = read(ev->fd, ev->buf + ev->len, sizeof ev->buf - 1 - ev->len);
        if (n <= 0) return -1;
        ev->len += (size_t)n;
    }
}

void bench_events_close(struct bench_events *ev)
{
    if (ev->fd >= 0) close(ev->fd);
    ev->fd = -1;
}

int bench_reload(struct bench_engine *e, struct bench_events *ev, double *ms, char *err, size_t errlen)
{
    double t0 = bench_now_ms();
    if (kill(e->pid, SIGHUP) < 0) {
        snprintf(err, errlen, "SIGHUP: %s", strerror(errno));
        return -1;
    }
    if (bench_events_next_reload(ev, 600000) < 0) {
        snprintf(err, errlen, "no reload event within 600 s (a rejected config? see the engine log)");
        return -1;
    }
    *ms = bench_now_ms() - t0;
    return 0;
}

char *bench_runtimes_config(int n, const char *exec_root)
{
    json_t *rts = json_object();
    for (int i = 0; i < n; i++) {
        char name[32], root[4200];
        snprintf(name, sizeof name, "bench%04d", i);
        /* unique args per runtime: a distinct wrapper and probe key each */
        snprintf(root, sizeof root, "--root=%s/bench-runc/%04d", exec_root, i);
        json_object_set_new(rts, name, json_pack("{s:s,s:[s]}", "path", "runc", "runtimeArgs", root));
    }
    json_t *cfg = json_pack("{s:o}", "runtimes", rts);
    char *s = json_dumps(cfg, JSON_COMPACT);
    json_decref(cfg);
    return s;
}
