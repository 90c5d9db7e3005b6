/* Engine sets shared by the scenarios, and the scenarios about startup
 * and memory: ready (empty data-root; 1000 containers to restore) and RSS
 * (idle; with 1000 created containers). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "harness/bench_int.h"
#include "harness/testlib.h"

void bench_set_up(struct bench_set *s, struct bench_run *r, const char *tag, json_t *sc, bool start, bool import)
{
    memset(s, 0, sizeof *s);
    s->n = r->neng;
    for (int k = 0; k < s->n; k++) {
        char id[64], err[2048];
        snprintf(id, sizeof id, "%s-%c", tag, k == BT_BUILTIN ? 'b' : 'd');
        const char *name = k == BT_BUILTIN ? "rtengined" : "dockerd";
        double ms;
        if (be_init(&s->e[k], k, id, err, sizeof err) < 0 ||
            (start && be_start(&s->e[k], &ms, err, sizeof err) < 0) ||
            (start && import && bench_import(&s->e[k], err, sizeof err) < 0)) {
            bench_scenario_error(sc, name, err);
            continue;
        }
        s->up[k] = true;
    }
}

void bench_set_down(struct bench_set *s)
{
    for (int k = 0; k < s->n; k++) be_destroy(&s->e[k]);
}

int bench_order(const struct bench_set *s, int rep, int j)
{
    return rep % 2 == 0 ? j : s->n - 1 - j;
}

void bench_append(struct bench_run *r, json_t *sc)
{
    if (bench_want(json_string_value(json_object_get(sc, "name")))) json_array_append_new(r->scenarios, sc);
    else json_decref(sc);
}

void bench_wipe(struct bench_engine *e)
{
    rt_rm_rf(e->data_root);
    rt_rm_rf(e->exec_root);
}

/* Let a freshly ready engine finish what it does in the background (the
 * startup probes, dockerd's plugin and network setup) before its RSS counts
 * as idle: no event says "idle", so poll until the engine's CPU time stands
 * still and its RSS is unchanged across one 100 ms interval (at most 5 s;
 * an engine that never settles is sampled as it is). */
static void settle(const struct bench_engine *e)
{
    struct bench_mem m0, m1;
    double c0 = be_cpu_ms(e), c1;
    be_mem(e, &m0);
    for (int i = 0; i < 50; i++) {
        rt_poll_pause(100);
        c1 = be_cpu_ms(e);
        be_mem(e, &m1);
        if (c1 - c0 < 1.0 && m1.rss == m0.rss) return;
        c0 = c1, m0 = m1;
    }
}

/* RSS samples with their split (be_mem): the scenario's metric is VmRSS;
 * anon, file and pss ride along so the report shows what the pages are. */
struct mem_samples {
    struct bench_samples rss, anon, file, pss;
};

static void mem_sample(const struct bench_engine *e, struct mem_samples *ms)
{
    struct bench_mem m;
    be_mem(e, &m);
    bs_add(&ms->rss, (double)m.rss);
    bs_add(&ms->anon, (double)m.anon);
    bs_add(&ms->file, (double)m.file);
    bs_add(&ms->pss, (double)m.pss);
}

/* The result object (VmRSS stats + "anon_kb", "file_kb", "pss_kb"); frees MS. */
static json_t *mem_json(struct mem_samples *ms)
{
    json_t *o = bs_json(&ms->rss);
    json_object_set_new(o, "anon_kb", bs_json(&ms->anon));
    json_object_set_new(o, "file_kb", bs_json(&ms->file));
    json_object_set_new(o, "pss_kb", bs_json(&ms->pss));
    bs_free(&ms->rss), bs_free(&ms->anon), bs_free(&ms->file), bs_free(&ms->pss);
    return o;
}

void bench_scenario_ready(struct bench_run *r)
{
    const struct bench_opts *o = bench_o;
    json_t *sc = bench_scenario_new("ready_empty", "Engine ready (exec to first /_ping), empty data-root", "ms",
                                    "median");
    json_t *mem = bench_scenario_new("rss_idle", "RSS idle (dockerd: + containerd)", "KiB", "median");
    struct bench_set s;
    bench_set_up(&s, r, "rdy", sc, false, false);
    struct bench_samples ready[BT_N] = {{0}};
    struct mem_samples rss[BT_N];
    memset(rss, 0, sizeof rss);
    for (int rep = -o->warmup; rep < o->reps; rep++)
        for (int j = 0; j < s.n; j++) {
            int k = bench_order(&s, rep, j);
            if (!s.up[k]) continue;
            struct bench_engine *e = &s.e[k];
            char err[2048];
            double ms;
            bench_wipe(e);
            if (be_start(e, &ms, err, sizeof err) < 0) {
                bench_scenario_error(sc, e->name, err);
                s.up[k] = false;
                continue;
            }
            if (rep >= 0) {
                bs_add(&ready[k], ms);
                settle(e);
                mem_sample(e, &rss[k]);
            }
            be_stop(e);
        }
    for (int k = 0; k < s.n; k++) {
        if (ready[k].n) bench_scenario_result(sc, s.e[k].name, bs_json(&ready[k]));
        if (rss[k].rss.n) bench_scenario_result(mem, s.e[k].name, mem_json(&rss[k]));
        bs_free(&ready[k]);
    }
    bench_set_down(&s);
    bench_scenario_finish(sc, "ratio_min", 20, "dockerd / rtengined >= 20");
    bench_scenario_finish(mem, "ratio_min", 20, "(dockerd + containerd) / rtengined >= 20");
    bench_append(r, sc);
    bench_append(r, mem);
}

/* Create N containers (not started); the create latencies go to LAT. */
static int fill(struct bench_engine *e, int n, struct bench_samples *lat, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        char *id = NULL;
        double t0 = bench_now_ms();
        if (bench_create(e, &id, err, errlen) < 0) return -1;
        bs_add(lat, bench_now_ms() - t0);
        free(id);
    }
    return 0;
}

void bench_scenario_memory(struct bench_run *r)
{
    const struct bench_opts *o = bench_o;
    char title[128];
    snprintf(title, sizeof title, "RSS with %d created containers (dockerd: + containerd)", o->corpus);
    json_t *mem = bench_scenario_new("rss_corpus", title, "KiB", "median");
    snprintf(title, sizeof title, "Engine ready with %d containers on disk to restore", o->corpus);
    json_t *sc = bench_scenario_new("ready_corpus", title, "ms", "median");
    json_t *cr = bench_scenario_new("create", "Container create (filling the corpus)", "ms", "median");
    struct bench_set s;
    bench_set_up(&s, r, "mem", mem, true, true);
    for (int k = 0; k < s.n; k++) s.e[k].ready_timeout_ms = 600000; /* restoring the corpus */
    struct bench_samples ready[BT_N] = {{0}}, lat[BT_N] = {{0}};
    struct mem_samples rss[BT_N];
    memset(rss, 0, sizeof rss);
    for (int j = 0; j < s.n; j++) {
        int k = bench_order(&s, 0, j);
        if (!s.up[k]) continue;
        char err[2048];
        bench_log("%s: creating %d containers", s.e[k].name, o->corpus);
        if (fill(&s.e[k], o->corpus, &lat[k], err, sizeof err) < 0) {
            bench_scenario_error(mem, s.e[k].name, err);
            s.up[k] = false;
            continue;
        }
        settle(&s.e[k]);
        mem_sample(&s.e[k], &rss[k]);
        be_stop(&s.e[k]);
    }
    for (int rep = -o->warmup; rep < o->reps; rep++)
        for (int j = 0; j < s.n; j++) {
            int k = bench_order(&s, rep, j);
            if (!s.up[k]) continue;
            struct bench_engine *e = &s.e[k];
            char err[2048];
            double ms;
            if (be_start(e, &ms, err, sizeof err) < 0) {
                bench_scenario_error(sc, e->name, err);
                s.up[k] = false;
                continue;
            }
            if (rep >= 0) {
                bs_add(&ready[k], ms);
                settle(e);
                mem_sample(e, &rss[k]); /* the same corpus, restored */
            }
            be_stop(e);
        }
    for (int k = 0; k < s.n; k++) {
        if (ready[k].n) bench_scenario_result(sc, s.e[k].name, bs_json(&ready[k]));
        if (rss[k].rss.n) bench_scenario_result(mem, s.e[k].name, mem_json(&rss[k]));
        if (lat[k].n) bench_scenario_result(cr, s.e[k].name, bs_json(&lat[k]));
        bs_free(&ready[k]), bs_free(&lat[k]);
    }
    bench_set_down(&s);
    bench_scenario_finish(sc, "ratio_min", 20, "dockerd / rtengined >= 20");
    bench_scenario_finish(mem, "none", 0, "reported");
    bench_scenario_finish(cr, "none", 0, "reported");
    bench_append(r, sc);
    bench_append(r, mem);
    bench_append(r, cr);
}
