/* One thread per task drains the bundle FIFOs: the shim's `log` (it blocks
 * if nobody reads, shim spec §9.20) and the container's stdout/stderr,
 * written as json-file lines {"log","stream","time"} to <id>-json.log. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/bundle.h"
#include "engine/containers.h"
#include "engine/shims_int.h"
#include "log.h"

struct rt_drain {
    char id[65];
    int fds[3];       /* log, stdout, stderr (not owned: the bundle's) */
    int wake[2];
    int out;          /* json log, -1 if none */
    pthread_t th;
    char partial[2][8192];
    size_t plen[2];
};

static void emit(struct rt_drain *d, int stream, const char *line, size_t n)
{
    if (d->out < 0) return;
    char now[40];
    rt_ctr_now(now);
    json_t *j = json_pack("{s:s%,s:s,s:s}", "log", line, n, "stream", stream ? "stderr" : "stdout", "time", now);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s) {
        size_t len = strlen(s);
        s[len] = '\n';
        if (write(d->out, s, len + 1) < 0) rt_debug("json log %s: %s", d->id, strerror(errno));
    }
    free(s);
    json_decref(j);
}

/* Lines keep their "\n" as dockerd's json-file does. */
static void feed(struct rt_drain *d, int stream, const char *buf, size_t n)
{
    char *p = d->partial[stream];
    size_t *pl = &d->plen[stream];
    for (size_t i = 0; i < n; i++) {
        p[(*pl)++] = buf[i];
        if (buf[i] == '\n' || *pl == sizeof d->partial[0]) {
            emit(d, stream, p, *pl);
            *pl = 0;
        }
    }
}

/* Read everything available on FD without blocking. */
static void drain_fd(struct rt_drain *d, int idx)
{
    char buf[4096];
    for (;;) {
        ssize_t r = read(d->fds[idx], buf, sizeof buf);
        if (r <= 0) return;
        if (idx == 0) {
            rt_debug("shim %s: %.*s", d->id, (int)r, buf);
            continue;
        }
        feed(d, idx - 1, buf, (size_t)r);
        rt_attach_publish(d->id, idx, buf, (size_t)r); /* attach streams */
    }
}

static void *loop(void *arg)
{
    struct rt_drain *d = arg;
    for (;;) {
        struct pollfd p[4];
        for (int i = 0; i < 3; i++) p[i] = (struct pollfd){.fd = d->fds[i], .events = POLLIN};
        p[3] = (struct pollfd){.fd = d->wake[0], .events = POLLIN};
        if (poll(p, 4, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 3; i++)
            if (p[i].revents & POLLIN) drain_fd(d, i);
        if (p[3].revents) break;
    }
    for (int i = 0; i < 3; i++) drain_fd(d, i);
    for (int s = 0; s < 2; s++)
        if (d->plen[s]) emit(d, s, d->partial[s], d->plen[s]);
    rt_attach_end(d->id); /* the output of this run is complete */
    return NULL;
}

struct rt_drain *rt_drain_start(const char *id, struct rt_bundle *b, const char *jsonlog)
{
    struct rt_drain *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    snprintf(d->id, sizeof d->id, "%s", id);
    d->fds[0] = b->log_fd;
    d->fds[1] = b->out_fd;
    d->fds[2] = b->err_fd;
    d->out = jsonlog ? open(jsonlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640) : -1;
    if (pipe2(d->wake, O_CLOEXEC) < 0) {
        free(d);
        return NULL;
    }
    if (pthread_create(&d->th, NULL, loop, d) != 0) {
        close(d->wake[0]), close(d->wake[1]);
        if (d->out >= 0) close(d->out);
        free(d);
        return NULL;
    }
    return d;
}

void rt_drain_stop(struct rt_drain *d)
{
    if (!d) return;
    if (write(d->wake[1], "x", 1) < 0) rt_debug("drain wake: %s", strerror(errno));
    pthread_join(d->th, NULL);
    close(d->wake[0]);
    close(d->wake[1]);
    if (d->out >= 0) close(d->out);
    free(d);
}
