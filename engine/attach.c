/* Attach hub: one mutex, a condvar per subscriber, a byte queue each. */
#include "engine/attach.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A subscriber this far behind is dropped rather than blocking the drain
 * thread (which also drains the shim's log FIFO). */
#define SUB_MAX_QUEUED (64u << 20)

struct rt_attach_sub {
    char key[65];
    bool out, err, raw;
    bool ended;
    char *q;                   /* queued bytes [off, len) */
    size_t off, len, cap;
    pthread_cond_t cv;
    struct rt_attach_sub *next;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct rt_attach_sub *g_subs;
static size_t g_nsubs;
static bool g_shutdown;

void rt_stdcopy_header(uint8_t hdr[8], int stream, uint32_t len)
{
    hdr[0] = (uint8_t)stream;
    hdr[1] = hdr[2] = hdr[3] = 0;
    hdr[4] = (uint8_t)(len >> 24);
    hdr[5] = (uint8_t)(len >> 16);
    hdr[6] = (uint8_t)(len >> 8);
    hdr[7] = (uint8_t)len;
}

struct rt_attach_sub *rt_attach_subscribe(const char *key, bool out, bool err, bool raw)
{
    struct rt_attach_sub *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    snprintf(s->key, sizeof s->key, "%s", key);
    s->out = out, s->err = err, s->raw = raw;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_lock(&g_mu);
    if (g_shutdown) {
        pthread_mutex_unlock(&g_mu);
        pthread_cond_destroy(&s->cv);
        free(s);
        return NULL;
    }
    s->next = g_subs;
    g_subs = s;
    g_nsubs++;
    pthread_mutex_unlock(&g_mu);
    return s;
}

static bool append_locked(struct rt_attach_sub *s, const void *p, size_t n)
{
    if (s->off == s->len) s->off = s->len = 0;
    if (s->len - s->off + n > SUB_MAX_QUEUED) return false;
    if (s->len + n > s->cap) {
        if (s->off) { /* compact before growing */
            memmove(s->q, s->q + s->off, s->len - s->off);
            s->len -= s->off;
            s->off = 0;
        }
        size_t nc = s->cap ? s->cap : 4096;
        while (nc < s->len + n) nc *= 2;
        char *nq = realloc(s->q, nc);
        if (!nq) return false;
        s->q = nq;
        s->cap = nc;
    }
    memcpy(s->q + s->len, p, n);
    s->len += n;
    return true;
}

void rt_attach_publish(const char *key, int stream, const void *buf, size_t n)
{
    if (!n) return;
    pthread_mutex_lock(&g_mu);
    for (struct rt_attach_sub *s = g_subs; s; s = s->next) {
        if (s->ended || strcmp(s->key, key)) continue;
        if ((stream == RT_STREAM_STDOUT && !s->out) || (stream == RT_STREAM_STDERR && !s->err)) continue;
        bool ok = true;
        if (!s->raw) {
            uint8_t hdr[8];
            rt_stdcopy_header(hdr, stream, (uint32_t)n);
            ok = append_locked(s, hdr, sizeof hdr);
        }
        if (!ok || !append_locked(s, buf, n)) s->ended = true; /* too slow: dropped */
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&g_mu);
}

void rt_attach_end(const char *key)
{
    pthread_mutex_lock(&g_mu);
    for (struct rt_attach_sub *s = g_subs; s; s = s->next)
        if (!strcmp(s->key, key)) {
            s->ended = true;
            pthread_cond_signal(&s->cv);
        }
    pthread_mutex_unlock(&g_mu);
}

void rt_attach_shutdown(void)
{
    pthread_mutex_lock(&g_mu);
    g_shutdown = true;
    for (struct rt_attach_sub *s = g_subs; s; s = s->next) {
        s->ended = true;
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&g_mu);
}

ssize_t rt_attach_next(struct rt_attach_sub *s, char *buf, size_t max, int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    if (timeout_ms > 0) {
        dl.tv_sec += timeout_ms / 1000;
        dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g_mu);
    ssize_t rc = 0;
    for (;;) {
        if (s->off < s->len) {
            size_t n = s->len - s->off;
            if (n > max) n = max;
            memcpy(buf, s->q + s->off, n);
            s->off += n;
            rc = (ssize_t)n;
            break;
        }
        if (s->ended) {
            rc = -1;
            break;
        }
        if (timeout_ms == 0) break;
        int e = timeout_ms < 0 ? pthread_cond_wait(&s->cv, &g_mu) : pthread_cond_timedwait(&s->cv, &g_mu, &dl);
        if (e == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

void rt_attach_unsubscribe(struct rt_attach_sub *s)
{
    if (!s) return;
    pthread_mutex_lock(&g_mu);
    for (struct rt_attach_sub **pp = &g_subs; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            g_nsubs--;
            break;
        }
    pthread_mutex_unlock(&g_mu);
    pthread_cond_destroy(&s->cv);
    free(s->q);
    free(s);
}

size_t rt_attach_nsubscribers(void)
{
    pthread_mutex_lock(&g_mu);
    size_t n = g_nsubs;
    pthread_mutex_unlock(&g_mu);
    return n;
}
