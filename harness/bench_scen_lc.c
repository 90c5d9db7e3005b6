/* Container scenarios: lifecycle (create -> start -> wait -> rm, sequential
 * and concurrent clients), shim calls per run (from the journal), and
 * create+start latency under a reload storm vs quiet. */
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/bench_floor.h"
#include "harness/bench_int.h"
#include "journal.h"

enum { ST_CREATE, ST_START, ST_WAIT, ST_RM, ST_TOTAL, ST_N };
static const char *const step_names[ST_N] = {"create", "start", "wait", "rm", "total"};

struct lc_acc {
    struct bench_samples s[ST_N];
    pthread_mutex_t mu;
    char err[1024];
    int failed;
};

/* One run; per-step latencies into ACC (under its lock). */
static int lc_cycle(struct bench_engine *e, struct lc_acc *acc, bool record)
{
    char err[1024];
    double t[ST_N + 1];
    char *id = NULL;
    t[0] = bench_now_ms();
    int rc = bench_create(e, &id, err, sizeof err);
    t[1] = bench_now_ms();
    if (!rc) rc = bench_start(e, id, err, sizeof err);
    t[2] = bench_now_ms();
    if (!rc) rc = bench_wait(e, id, err, sizeof err);
    t[3] = bench_now_ms();
    if (!rc) rc = bench_rm(e, id, false, err, sizeof err);
    t[4] = bench_now_ms();
    if (rc && id) bench_rm(e, id, true, (char[256]){0}, 256);
    free(id);
    pthread_mutex_lock(&acc->mu);
    if (rc) {
        if (!acc->failed++) snprintf(acc->err, sizeof acc->err, "%s", err);
    } else if (record) {
        for (int i = 0; i < ST_TOTAL; i++) bs_add(&acc->s[i], t[i + 1] - t[i]);
        bs_add(&acc->s[ST_TOTAL], t[4] - t[0]);
    }
    pthread_mutex_unlock(&acc->mu);
    return rc;
}

static json_t *lc_json(struct lc_acc *a)
{
    json_t *o = bs_json(&a->s[ST_TOTAL]);
    json_t *steps = json_object();
    for (int i = 0; i < ST_N; i++) json_object_set_new(steps, step_names[i], bs_json(&a->s[i]));
    json_object_set_new(o, "steps", steps);
    for (int i = 0; i < ST_N; i++) bs_free(&a->s[i]);
    return o;
}

struct lc_thread {
    struct bench_engine *e;
    struct lc_acc *acc;
    int n;
};

static void *lc_worker(void *p)
{
    struct lc_thread *t = p;
    for (int i = 0; i < t->n; i++)
        if (lc_cycle(t->e, t->acc, true) && t->acc->failed > 10) break;
    return NULL;
}

/* CLIENTS threads doing N runs in all on E. */
static void lc_concurrent(struct bench_engine *e, struct lc_acc *acc, int clients, int n)
{
    pthread_t th[64];
    struct lc_thread arg[64];
    if (clients > 64) clients = 64;
    for (int i = 0; i < clients; i++) {
        arg[i] = (struct lc_thread){e, acc, n / clients + (i < n % clients)};
        pthread_create(&th[i], NULL, lc_worker, &arg[i]);
    }
    for (int i = 0; i < clients; i++) pthread_join(th[i], NULL);
}

/* Shim and runtime calls of one run, counted from the engine's journal. */
static json_t *rpc_count(struct bench_engine *e, char *err, size_t errlen)
{
    int fd = open(e->sb->journal, O_WRONLY | O_TRUNC | O_CREAT, 0600);
    if (fd >= 0) close(fd);
    struct lc_acc acc = {.mu = PTHREAD_MUTEX_INITIALIZER};
    if (lc_cycle(e, &acc, true)) {
        snprintf(err, errlen, "%s", acc.err);
        return NULL;
    }
    double total = acc.s[ST_TOTAL].n ? acc.s[ST_TOTAL].v[0] : 0;
    for (int i = 0; i < ST_N; i++) bs_free(&acc.s[i]);
    json_t *all = rt_journal_read_err(e->sb->journal, err, errlen);
    if (!all) return NULL;
    json_t *by = json_object(), *e1;
    size_t i, shim = 0, runc = 0;
    double first = 0, last = 0;
    json_array_foreach(all, i, e1) {
        double t = (double)json_integer_value(json_object_get(e1, "t_mono_ns")) / 1e6;
        if (t > 0 && (first == 0 || t < first)) first = t;
        if (t > last) last = t;
        const char *c = json_string_value(json_object_get(e1, "component"));
        const char *m = json_string_value(json_object_get(e1, "method"));
        if (!c || !m) continue;
        char key[128];
        snprintf(key, sizeof key, "%s.%s", c, m);
        json_object_set_new(by, key, json_integer(json_integer_value(json_object_get(by, key)) + 1));
        if (!strcmp(c, "shim")) shim++;
        else runc++;
    }
    json_decref(all);
    /* A method seen more than once in one run is a redundant call. */
    json_t *rep = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(by, k, v)
        if (json_integer_value(v) > 1 && !strncmp(k, "shim.", 5)) json_array_append_new(rep, json_string(k));
    /* The journal's first to last call bounds the time spent in the shim
     * and runtime processes; the rest of the run is the engine's (and the
     * client's) share. */
    return json_pack("{s:i,s:i,s:i,s:o,s:o,s:f,s:f}", "median", (int)shim, "shim_calls", (int)shim,
                     "runtime_calls", (int)runc, "by_method", by, "repeated", rep, "run_ms", total,
                     "journal_span_ms", last - first);
}

/* The shim floor: runs of the same shim with no engine, in the same
 * blocks as the engines' runs (drift cancels). */
struct lc_floor {
    struct bench_floor *f;
    struct bench_samples s[BF_N];
    int failed;
    char err[1024];
};

static void floor_runs(struct lc_floor *fl, int n, bool record)
{
    for (int i = 0; fl->f && i < n; i++) {
        double ms[BF_N];
        char err[1024];
        if (bench_floor_cycle(fl->f, ms, err, sizeof err) < 0) {
            if (!fl->failed++) snprintf(fl->err, sizeof fl->err, "%s", err);
            continue;
        }
        for (int k = 0; record && k < BF_N; k++) bs_add(&fl->s[k], ms[k]);
    }
}

/* The floor's stats into SC ("shim_floor"), each engine's overhead over
 * it (p50 - floor p50) and the ratio of the overheads next to the raw
 * ratio: what the engines themselves cost, with the shared shim and
 * runtime taken out. "best_ratio_at_zero_overhead" is dockerd's p50 over
 * the floor's: the raw ratio rtengined would reach if it cost nothing. */
static void floor_report(json_t *sc, struct lc_floor *fl)
{
    if (fl->failed) json_object_set_new(sc, "shim_floor_error", json_string(fl->err));
    if (!fl->s[BF_TOTAL].n) return;
    json_t *o = bs_json(&fl->s[BF_TOTAL]);
    json_t *steps = json_object();
    for (int k = 0; k < BF_N; k++) json_object_set_new(steps, bench_floor_steps[k], bs_json(&fl->s[k]));
    json_object_set_new(o, "steps", steps);
    json_object_set_new(o, "what", json_string("fake shim + fakerunc with no engine: start action, Create, Connect, "
                                               "Start, Wait, Delete, Shutdown, delete action; stdio /dev/null"));
    double floor = bs_quantile(&fl->s[BF_TOTAL], 0.5);
    json_object_set_new(sc, "shim_floor", o);
    json_t *res = json_object_get(sc, "results");
    double over[BT_N] = {NAN, NAN};
    static const char *const names[BT_N] = {"rtengined", "dockerd"};
    for (int k = 0; k < BT_N; k++) {
        json_t *r = json_object_get(res, names[k]);
        json_t *m = json_object_get(r, "median");
        if (!json_is_number(m)) continue;
        over[k] = json_number_value(m) - floor;
        json_object_set_new(r, "overhead_ms", json_real(over[k]));
        if (k == BT_DOCKERD && floor > 0)
            json_object_set_new(sc, "best_ratio_at_zero_overhead", json_real(json_number_value(m) / floor));
    }
    if (!isnan(over[BT_BUILTIN]) && !isnan(over[BT_DOCKERD]) && over[BT_BUILTIN] > 0)
        json_object_set_new(sc, "overhead_ratio", json_real(over[BT_DOCKERD] / over[BT_BUILTIN]));
    for (int k = 0; k < BF_N; k++) bs_free(&fl->s[k]);
}

void bench_scenario_lifecycle(struct bench_run *r)
{
    const struct bench_opts *o = bench_o;
    char title[160];
    snprintf(title, sizeof title, "Lifecycle create+start+wait+rm, %d sequential (p50 total)", o->lifecycle_n);
    json_t *seq = bench_scenario_new("lifecycle_seq", title, "ms", "median");
    snprintf(title, sizeof title, "Lifecycle, %d runs by %d concurrent clients (p50 total)", o->lifecycle_n,
             o->clients);
    json_t *conc = bench_scenario_new("lifecycle_conc", title, "ms", "median");
    json_t *rpc = bench_scenario_new("shim_rpcs", "Shim calls per container run (journal)", "calls", "median");
    struct bench_set s;
    bench_set_up(&s, r, "lc", seq, true, true);
    struct lc_acc acc[BT_N];
    for (int k = 0; k < BT_N; k++) memset(&acc[k], 0, sizeof acc[k]), pthread_mutex_init(&acc[k].mu, NULL);
    int blocks = bench_want("lifecycle_seq") ? (o->lifecycle_n + 9) / 10 : 0;
    struct lc_floor fl;
    memset(&fl, 0, sizeof fl);
    if (blocks) {
        fl.f = bench_floor_new(o->workdir, o->libexec, fl.err, sizeof fl.err);
        fl.failed = !fl.f;
    }
    for (int k = 0; k < s.n; k++)
        for (int i = 0; s.up[k] && i < o->warmup * 5; i++) lc_cycle(&s.e[k], &acc[k], false);
    floor_runs(&fl, o->warmup * 5, false);
    /* Sequential, in blocks of 10 alternating between the engines, each
     * block followed (or, every other block, preceded) by 10 floor runs. */
    for (int b = 0; b < blocks; b++) {
        int n = b == blocks - 1 ? o->lifecycle_n - 10 * b : 10;
        if (b % 2) floor_runs(&fl, n, true);
        for (int j = 0; j < s.n; j++) {
            int k = bench_order(&s, b, j);
            for (int i = 0; s.up[k] && i < n; i++) lc_cycle(&s.e[k], &acc[k], true);
        }
        if (b % 2 == 0) floor_runs(&fl, n, true);
    }
    bench_floor_free(fl.f);
    for (int k = 0; k < s.n; k++) {
        if (acc[k].failed) bench_scenario_error(seq, s.e[k].name, acc[k].err);
        if (s.up[k] && blocks) bench_scenario_result(seq, s.e[k].name, lc_json(&acc[k]));
        acc[k].failed = 0;
    }
    floor_report(seq, &fl);
    /* Concurrent: two rounds per engine, alternating. */
    int rounds = bench_want("lifecycle_conc") ? 2 : 0;
    for (int round = 0; round < rounds; round++)
        for (int j = 0; j < s.n; j++) {
            int k = bench_order(&s, round, j);
            if (s.up[k]) lc_concurrent(&s.e[k], &acc[k], o->clients, o->lifecycle_n / 2 + (round ? o->lifecycle_n % 2 : 0));
        }
    for (int k = 0; k < s.n; k++) {
        if (acc[k].failed) bench_scenario_error(conc, s.e[k].name, acc[k].err);
        if (s.up[k] && rounds) bench_scenario_result(conc, s.e[k].name, lc_json(&acc[k]));
    }
    for (int k = 0; k < s.n; k++) {
        if (!s.up[k] || !bench_want("shim_rpcs")) continue;
        char err[1024];
        json_t *c = rpc_count(&s.e[k], err, sizeof err);
        if (c) bench_scenario_result(rpc, s.e[k].name, c);
        else bench_scenario_error(rpc, s.e[k].name, err);
    }
    bench_set_down(&s);
    bench_scenario_finish(seq, "ratio_min", 20, "p50 dockerd / rtengined >= 20");
    bench_scenario_finish(conc, "ratio_min", 20, "p50 dockerd / rtengined >= 20");
    bench_scenario_finish(rpc, "ratio_min", 1, "no more shim calls than containerd makes (ratio >= 1)");
    bench_append(r, seq);
    bench_append(r, conc);
    bench_append(r, rpc);
}

/* ---- start under a reload storm ---- */

struct storm {
    struct bench_engine *e;
    volatile int stop;
    int reloads, failed;
    double cpu_ms; /* the driver thread's own CPU: it competes for the same cores */
    struct bench_samples lat; /* SIGHUP -> `daemon reload` event, ms */
    char err[1024];
};

static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *storm_worker(void *p)
{
    struct storm *st = p;
    struct bench_events ev;
    if (bench_events_open(&ev, st->e->socket, st->err, sizeof st->err) < 0) {
        st->failed = 1;
        return NULL;
    }
    double c0 = thread_cpu_ms();
    while (!__atomic_load_n(&st->stop, __ATOMIC_ACQUIRE)) {
        double ms;
        if (bench_reload(st->e, &ev, &ms, st->err, sizeof st->err) < 0) {
            st->failed = 1;
            break;
        }
        st->reloads++;
        bs_add(&st->lat, ms);
    }
    st->cpu_ms = thread_cpu_ms() - c0;
    bench_events_close(&ev);
    return NULL;
}

/* N create+start latencies into OUT; the containers are removed after. */
static int create_start(struct bench_engine *e, int n, struct bench_samples *out, char *err, size_t errlen)
{
    char **ids = calloc((size_t)n, sizeof *ids);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        double t0 = bench_now_ms();
        rc = bench_create(e, &ids[i], err, errlen);
        if (!rc) rc = bench_start(e, ids[i], err, errlen);
        if (!rc) bs_add(out, bench_now_ms() - t0);
    }
    for (int i = 0; i < n; i++) {
        if (!ids[i]) continue;
        char e2[256];
        bench_wait(e, ids[i], e2, sizeof e2);
        bench_rm(e, ids[i], true, e2, sizeof e2);
        free(ids[i]);
    }
    free(ids);
    return rc;
}

void bench_scenario_storm(struct bench_run *r)
{
    const struct bench_opts *o = bench_o;
    json_t *sc = bench_scenario_new("storm", "create+start p99 during back-to-back reloads / quiet p99 (10 args runtimes)",
                                    "x", "storm_quiet_p99");
    struct bench_set s;
    bench_set_up(&s, r, "st", sc, false, false);
    for (int k = 0; k < s.n; k++) {
        if (!s.up[k]) continue;
        char *cfg = bench_runtimes_config(10, s.e[k].exec_root);
        be_write_config(&s.e[k], cfg);
        free(cfg);
        double ms;
        char err[2048];
        if (be_start(&s.e[k], &ms, err, sizeof err) < 0 || bench_import(&s.e[k], err, sizeof err) < 0) {
            bench_scenario_error(sc, s.e[k].name, err);
            s.up[k] = false;
        }
    }
    struct bench_samples quiet[BT_N] = {{0}}, storm[BT_N] = {{0}}, reload_lat[BT_N] = {{0}};
    double cpu[BT_N][2] = {{0}}, wall[BT_N][2] = {{0}}; /* [quiet, storm]: engine CPU and phase wall time */
    double driver_cpu[BT_N] = {0};
    int reloads[BT_N] = {0}, half = o->lifecycle_n / 2 > 0 ? o->lifecycle_n / 2 : 1;
    for (int k = 0; k < s.n; k++) { /* warm-up */
        struct bench_samples w = {0};
        char err[1024];
        if (s.up[k]) create_start(&s.e[k], o->warmup * 5, &w, err, sizeof err);
        bs_free(&w);
    }
    /* quiet, storm, storm, quiet: drift cancels within each engine */
    for (int phase = 0; phase < 4; phase++)
        for (int j = 0; j < s.n; j++) {
            int k = bench_order(&s, phase, j);
            if (!s.up[k]) continue;
            bool stormy = phase == 1 || phase == 2;
            struct storm st = {.e = &s.e[k]};
            pthread_t th;
            if (stormy) pthread_create(&th, NULL, storm_worker, &st);
            char err[1024];
            double c0 = be_cpu_ms(&s.e[k]), w0 = bench_now_ms();
            int rc = create_start(&s.e[k], half, stormy ? &storm[k] : &quiet[k], err, sizeof err);
            cpu[k][stormy] += be_cpu_ms(&s.e[k]) - c0;
            wall[k][stormy] += bench_now_ms() - w0;
            if (stormy) {
                __atomic_store_n(&st.stop, 1, __ATOMIC_RELEASE);
                pthread_join(th, NULL);
                reloads[k] += st.reloads;
                driver_cpu[k] += st.cpu_ms;
                for (size_t i = 0; i < st.lat.n; i++) bs_add(&reload_lat[k], st.lat.v[i]);
                bs_free(&st.lat);
                if (st.failed) bench_scenario_error(sc, s.e[k].name, st.err), s.up[k] = false;
            }
            if (rc) bench_scenario_error(sc, s.e[k].name, err), s.up[k] = false;
        }
    for (int k = 0; k < s.n; k++) {
        if (!quiet[k].n || !storm[k].n) continue;
        double q = bs_quantile(&quiet[k], 0.99), t = bs_quantile(&storm[k], 0.99);
        /* Engine CPU share per phase: a storm that only costs CPU (no
         * lock the start path waits on) shows up here, not as idle waits. */
        json_t *res = json_pack("{s:f,s:o,s:o,s:i,s:f,s:f}", "storm_quiet_p99", q > 0 ? t / q : 0.0, "quiet",
                                bs_json(&quiet[k]), "storm", bs_json(&storm[k]), "reloads", reloads[k],
                                "engine_cpu_share_quiet", wall[k][0] > 0 ? cpu[k][0] / wall[k][0] : 0.0,
                                "engine_cpu_share_storm", wall[k][1] > 0 ? cpu[k][1] / wall[k][1] : 0.0);
        /* The storm driver (this process, one thread) shares the cores. */
        json_object_set_new(res, "driver_cpu_share_storm",
                            json_real(wall[k][1] > 0 ? driver_cpu[k] / wall[k][1] : 0.0));
        json_object_set_new(res, "reloads_per_s", json_real(wall[k][1] > 0 ? reloads[k] * 1000.0 / wall[k][1] : 0.0));
        /* What a storm's reloads themselves see (rtengined paces them:
         * engine/reload_pace.c); quantiles only, there are thousands. */
        json_object_set_new(res, "reload_ms_median", json_real(bs_quantile(&reload_lat[k], 0.5)));
        json_object_set_new(res, "reload_ms_p99", json_real(bs_quantile(&reload_lat[k], 0.99)));
        bench_scenario_result(sc, s.e[k].name, res);
        bs_free(&quiet[k]), bs_free(&storm[k]);
    }
    for (int k = 0; k < s.n; k++) bs_free(&reload_lat[k]);
    bench_set_down(&s);
    bench_scenario_finish(sc, "abs_max", 1.2, "rtengined storm p99 / quiet p99 <= 1.2");
    json_array_append_new(r->scenarios, sc);
}
