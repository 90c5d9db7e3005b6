/* Failpoint grammar parser and evaluator (see failpoint.h). */
#include "failpoint.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum fp_type { FP_OFF, FP_ERROR, FP_PANIC, FP_DELAY, FP_BARRIER, FP_EXIT, FP_HANG };

struct fp_term {
    enum fp_type type;
    long count;
    long num;  /* delay ms, exit status */
    char *arg; /* error/panic text, barrier path */
};

struct rt_failpoint {
    pthread_mutex_t mu;
    size_t n;
    struct fp_term *terms;
};

static const struct {
    const char *name;
    enum fp_type type;
    int has_arg;
} fp_types[] = {
    {"off", FP_OFF, 0},         {"error", FP_ERROR, 1}, {"panic", FP_PANIC, 1},
    {"delay", FP_DELAY, 1},     {"barrier", FP_BARRIER, 1}, {"exit", FP_EXIT, 1},
    {"hang", FP_HANG, 0},
};

#define TYPE_LIST "off, error(<text>), panic(<text>), delay(<ms>), barrier(<fifo>), exit(<n>) or hang"

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Parse a non-negative decimal bounded by MAX; "" and signs are rejected. */
static int parse_num(const char *s, size_t len, long max, long *out, const char **why)
{
    if (len == 0) return *why = "is empty", -1;
    if (s[0] == '-') return *why = "must not be negative", -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i])) return *why = "is not a decimal number", -1;
        v = v * 10 + (s[i] - '0');
        if (v > max) return *why = "is too large", -1;
    }
    *out = v;
    return 0;
}

static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) (*s)++, (*len)--;
    while (*len && isspace((unsigned char)(*s)[*len - 1])) (*len)--;
}

/* Parse one term S[0..LEN) (already trimmed). IDX is 1-based for messages. */
static int parse_term(const char *s, size_t len, size_t idx, struct fp_term *t, char *err, size_t errlen)
{
    const char *star = memchr(s, '*', len);
    if (!star) {
        seterr(err, errlen, "failpoint term %zu \"%.*s\": missing \"<count>*\" before the type", idx, (int)len, s);
        return -1;
    }
    const char *why;
    const char *cs = s;
    size_t clen = (size_t)(star - s);
    trim(&cs, &clen);
    if (clen == 0) {
        seterr(err, errlen, "failpoint term %zu \"%.*s\": missing count before \"*\"", idx, (int)len, s);
        return -1;
    }
    if (parse_num(cs, clen, RT_FP_MAX_COUNT, &t->count, &why) < 0) {
        seterr(err, errlen, "failpoint term %zu \"%.*s\": count \"%.*s\" %s (want 0..%ld)", idx, (int)len, s,
               (int)clen, cs, why, RT_FP_MAX_COUNT);
        return -1;
    }
    const char *ty = star + 1;
    size_t tlen = len - (size_t)(ty - s);
    trim(&ty, &tlen);
    if (tlen == 0) {
        seterr(err, errlen, "failpoint term %zu \"%.*s\": missing type after \"*\" (want " TYPE_LIST ")", idx,
               (int)len, s);
        return -1;
    }
    const char *paren = memchr(ty, '(', tlen);
    size_t nlen = paren ? (size_t)(paren - ty) : tlen;
    size_t k;
    for (k = 0; k < sizeof fp_types / sizeof fp_types[0]; k++)
        if (strlen(fp_types[k].name) == nlen && !memcmp(fp_types[k].name, ty, nlen)) break;
    if (k == sizeof fp_types / sizeof fp_types[0]) {
        seterr(err, errlen, "failpoint term %zu \"%.*s\": unknown type \"%.*s\" (want " TYPE_LIST ")", idx,
               (int)len, s, (int)nlen, ty);
        return -1;
    }
    t->type = fp_types[k].type;
    if (!fp_types[k].has_arg) {
        if (paren) {
            seterr(err, errlen, "failpoint term %zu \"%.*s\": %s takes no argument", idx, (int)len, s,
                   fp_types[k].name);
            return -1;
        }
        return 0;
    }
    if (!paren) {
        seterr(err, errlen, "failpoint term %zu \"%.*s\": %s needs an argument: %s(...)", idx, (int)len, s,
               fp_types[k].name, fp_types[k].name);
        return -1;
    }
    const char *a = paren + 1, *end = ty + tlen;
    const char *close = memchr(a, ')', (size_t)(end - a));
    if (!close) {
        seterr(err, errlen, "failpoint term %zu \"%.*s\": unclosed \"(\"", idx, (int)len, s);
        return -1;
    }
    if (close + 1 != end) {
        seterr(err, errlen, "failpoint term %zu \"%.*s\": unexpected \"%.*s\" after \")\"", idx, (int)len, s,
               (int)(end - close - 1), close + 1);
        return -1;
    }
    size_t alen = (size_t)(close - a);
    switch (t->type) {
    case FP_DELAY:
        if (parse_num(a, alen, RT_FP_MAX_DELAY_MS, &t->num, &why) < 0) {
            seterr(err, errlen, "failpoint term %zu \"%.*s\": delay \"%.*s\" %s (want 0..%ld milliseconds)", idx,
                   (int)len, s, (int)alen, a, why, RT_FP_MAX_DELAY_MS);
            return -1;
        }
        return 0;
    case FP_EXIT:
        if (parse_num(a, alen, 255, &t->num, &why) < 0) {
            seterr(err, errlen, "failpoint term %zu \"%.*s\": exit status \"%.*s\" %s (want 0..255)", idx,
                   (int)len, s, (int)alen, a, why);
            return -1;
        }
        return 0;
    case FP_BARRIER:
        if (alen == 0) {
            seterr(err, errlen, "failpoint term %zu \"%.*s\": barrier needs a FIFO path", idx, (int)len, s);
            return -1;
        }
        break;
    default:
        break;
    }
    t->arg = strndup(a, alen);
    if (!t->arg) {
        seterr(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void rt_failpoint_free(struct rt_failpoint *fp)
{
    if (!fp) return;
    for (size_t i = 0; i < fp->n; i++) free(fp->terms[i].arg);
    free(fp->terms);
    pthread_mutex_destroy(&fp->mu);
    free(fp);
}

int rt_failpoint_parse(const char *spec, struct rt_failpoint **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!spec) spec = "";
    const char *all = spec;
    size_t alllen = strlen(spec);
    trim(&all, &alllen);
    if (alllen == 0) {
        seterr(err, errlen, "empty failpoint spec (want <count>*<type>[-><count>*<type>...])");
        return -1;
    }
    struct rt_failpoint *fp = calloc(1, sizeof *fp);
    if (!fp) return seterr(err, errlen, "out of memory"), -1;
    pthread_mutex_init(&fp->mu, NULL);
    size_t cap = 0;
    const char *p = spec, *limit = spec + strlen(spec);
    for (;;) {
        const char *arrow = strstr(p, "->");
        const char *tend = arrow ? arrow : limit;
        const char *ts = p;
        size_t tlen = (size_t)(tend - p);
        trim(&ts, &tlen);
        size_t idx = fp->n + 1;
        if (tlen == 0) {
            if (arrow && fp->n == 0)
                seterr(err, errlen, "failpoint \"%s\": term %zu is empty (spec starts with \"->\")", spec, idx);
            else if (!arrow)
                seterr(err, errlen, "failpoint \"%s\": term %zu is empty (trailing \"->\")", spec, idx);
            else
                seterr(err, errlen, "failpoint \"%s\": term %zu is empty (\"->->\")", spec, idx);
            goto fail;
        }
        if (fp->n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct fp_term *nt = realloc(fp->terms, ncap * sizeof *nt);
            if (!nt) {
                seterr(err, errlen, "out of memory");
                goto fail;
            }
            fp->terms = nt, cap = ncap;
        }
        struct fp_term *t = &fp->terms[fp->n];
        memset(t, 0, sizeof *t);
        if (parse_term(ts, tlen, idx, t, err, errlen) < 0) goto fail;
        fp->n++;
        if (!arrow) break;
        p = arrow + 2;
    }
    *out = fp;
    return 0;
fail:
    rt_failpoint_free(fp);
    return -1;
}

static void sleep_ms(long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
    }
}

/* Block until someone opens PATH for writing and writes a byte or closes. */
static int barrier_wait(const char *path, char *msg, size_t msglen)
{
    int fd;
    do fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        seterr(msg, msglen, "failpoint barrier %s: %s", path, strerror(errno));
        return -1;
    }
    char c;
    while (read(fd, &c, 1) < 0 && errno == EINTR) {
    }
    close(fd);
    return 0;
}

enum rt_fp_result rt_failpoint_eval(struct rt_failpoint *fp, char *msg, size_t msglen)
{
    if (msg && msglen) msg[0] = '\0';
    if (!fp) return RT_FP_PASS;
    struct fp_term chosen = {.type = FP_OFF};
    pthread_mutex_lock(&fp->mu);
    for (size_t i = 0; i < fp->n; i++) {
        if (fp->terms[i].count > 0) {
            fp->terms[i].count--;
            chosen = fp->terms[i]; /* arg stays owned by fp; terms never change after parse */
            break;
        }
    }
    pthread_mutex_unlock(&fp->mu);
    switch (chosen.type) {
    case FP_OFF: return RT_FP_PASS;
    case FP_ERROR: seterr(msg, msglen, "%s", chosen.arg); return RT_FP_ERROR;
    case FP_PANIC: seterr(msg, msglen, "%s", chosen.arg); return RT_FP_PANIC;
    case FP_DELAY: sleep_ms(chosen.num); return RT_FP_PASS;
    case FP_BARRIER: return barrier_wait(chosen.arg, msg, msglen) < 0 ? RT_FP_ERROR : RT_FP_PASS;
    case FP_EXIT: _exit((int)chosen.num);
    case FP_HANG:
        for (;;) pause();
    }
    return RT_FP_PASS;
}

size_t rt_failpoint_nterms(const struct rt_failpoint *fp) { return fp ? fp->n : 0; }

long rt_failpoint_remaining(struct rt_failpoint *fp)
{
    long sum = 0;
    if (!fp) return 0;
    pthread_mutex_lock(&fp->mu);
    for (size_t i = 0; i < fp->n; i++) sum += fp->terms[i].count;
    pthread_mutex_unlock(&fp->mu);
    return sum;
}

void rt_failpoint_advance(struct rt_failpoint *fp, long n)
{
    if (!fp) return;
    pthread_mutex_lock(&fp->mu);
    for (size_t i = 0; i < fp->n && n > 0; i++) {
        long take = fp->terms[i].count < n ? fp->terms[i].count : n;
        fp->terms[i].count -= take;
        n -= take;
    }
    pthread_mutex_unlock(&fp->mu);
}

int rt_failpoint_from_annotations(const json_t *config, const char *prefix, const char *method,
                                  struct rt_failpoint **out, char *err, size_t errlen)
{
    *out = NULL;
    const json_t *ann = config ? json_object_get(config, "annotations") : NULL;
    if (!json_is_object(ann)) return 0;
    char key[512];
    snprintf(key, sizeof key, "%s%s", prefix, method);
    const json_t *v = json_object_get(ann, key);
    if (!v) return 0;
    if (!json_is_string(v)) {
        seterr(err, errlen, "annotation %s: want a string", key);
        return -1;
    }
    char e[400];
    if (rt_failpoint_parse(json_string_value(v), out, e, sizeof e) < 0) {
        seterr(err, errlen, "annotation %s: %s", key, e);
        return -1;
    }
    return 0;
}
