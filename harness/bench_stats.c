/* Samples, order statistics and the scenario objects of bench-results.json. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/bench_int.h"

double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

unsigned bench_seq(void)
{
    static unsigned n;
    return __atomic_add_fetch(&n, 1, __ATOMIC_RELAXED);
}

void bench_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void bs_add(struct bench_samples *s, double v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) abort();
    }
    s->v[s->n++] = v;
}

void bs_free(struct bench_samples *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least Q of the samples <= it. */
double bs_quantile(const struct bench_samples *s, double q)
{
    if (!s->n) return NAN;
    double *c = malloc(s->n * sizeof *c);
    if (!c) abort();
    memcpy(c, s->v, s->n * sizeof *c);
    qsort(c, s->n, sizeof *c, cmp_d);
    size_t rank = (size_t)ceil(q * (double)s->n);
    if (rank < 1) rank = 1;
    if (rank > s->n) rank = s->n;
    double v = c[rank - 1];
    free(c);
    return v;
}

static double round3(double v) { return round(v * 1000.0) / 1000.0; }

json_t *bs_json(const struct bench_samples *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "n", json_integer((json_int_t)s->n));
    if (!s->n) return o;
    double sum = 0;
    json_t *arr = json_array();
    for (size_t i = 0; i < s->n; i++) {
        sum += s->v[i];
        json_array_append_new(arr, json_real(round3(s->v[i])));
    }
    json_object_set_new(o, "min", json_real(round3(bs_quantile(s, 0))));
    json_object_set_new(o, "median", json_real(round3(bs_quantile(s, 0.5))));
    json_object_set_new(o, "p99", json_real(round3(bs_quantile(s, 0.99))));
    json_object_set_new(o, "max", json_real(round3(bs_quantile(s, 1))));
    json_object_set_new(o, "mean", json_real(round3(sum / (double)s->n)));
    json_object_set_new(o, "samples", arr);
    return o;
}

json_t *bench_scenario_new(const char *name, const char *title, const char *unit, const char *metric)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:{}}", "name", name, "title", title, "unit", unit, "metric", metric,
                     "results");
}

void bench_scenario_result(json_t *sc, const char *engine, json_t *stats)
{
    json_t *res = json_object_get(sc, "results"), *old = json_object_get(res, engine);
    json_t *err = json_object_get(old, "error");
    if (err && !json_object_get(stats, "error")) json_object_set(stats, "error", err); /* keep what went wrong */
    json_object_set_new(res, engine, stats);
}

void bench_scenario_error(json_t *sc, const char *engine, const char *msg)
{
    json_t *res = json_object_get(sc, "results");
    json_t *o = json_object_get(res, engine);
    if (!o) json_object_set_new(res, engine, o = json_object());
    json_object_set_new(o, "error", json_string(msg));
    bench_log("%s on %s: %s", json_string_value(json_object_get(sc, "name")), engine, msg);
}

static double metric_of(json_t *sc, const char *engine)
{
    json_t *o = json_object_get(json_object_get(sc, "results"), engine);
    json_t *v = json_object_get(o, json_string_value(json_object_get(sc, "metric")));
    return json_is_number(v) && !json_object_get(o, "error") ? json_number_value(v) : NAN;
}

void bench_scenario_finish(json_t *sc, const char *target_kind, double v, const char *target_text)
{
    double b = metric_of(sc, "rtengined"), d = metric_of(sc, "dockerd");
    double ratio = (!isnan(b) && !isnan(d) && b > 0) ? d / b : NAN;
    json_object_set_new(sc, "ratio", isnan(ratio) ? json_null() : json_real(round3(ratio)));
    json_object_set_new(sc, "target", json_pack("{s:s,s:f,s:s}", "kind", target_kind, "value", v, "text",
                                                target_text));
    json_t *met = json_null();
    if (!strcmp(target_kind, "ratio_min") && !isnan(ratio)) met = json_boolean(ratio >= v);
    else if (!strcmp(target_kind, "abs_max") && !isnan(b)) met = json_boolean(b <= v);
    json_object_set_new(sc, "target_met", met);
}
