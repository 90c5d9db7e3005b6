/* Internals of `rtconform bench` (harness/bench*.c): samples and
 * statistics, the engines under measurement, API shortcuts, scenarios and
 * the outputs (bench-results.json, console table, report.html). */
#ifndef RT_BENCH_INT_H
#define RT_BENCH_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness/dockerd_pair.h"
#include "harness/sandbox.h"
#include "harness/testlib.h"

/* ---- samples (milliseconds, KiB or counts) ---- */
struct bench_samples {
    double *v;
    size_t n, cap;
};
void bs_add(struct bench_samples *s, double v);
void bs_free(struct bench_samples *s);
/* {"n","min","median","p99","max","mean","samples":[...]} (nearest-rank p99). */
json_t *bs_json(const struct bench_samples *s);
double bs_quantile(const struct bench_samples *s, double q);
double bench_now_ms(void);

/* ---- engines ---- */
enum { BT_BUILTIN, BT_DOCKERD, BT_N };

struct bench_opts {
    const char *engine;          /* rtengined */
    const char *dockerd;         /* dockerd 26 binary (NULL: not available) */
    const char *containerd;
    const char *libexec;         /* fake shims */
    const char *self;            /* this rtconform (for the harness scenario) */
    const char *workdir;         /* sandboxes go here (short path) */
    const char *out_dir;         /* bench-results.json, report.html */
    const char *only;            /* regex of scenario names (NULL: all) */
    int reps;                    /* repetitions of the ready/reload scenarios */
    int lifecycle_n;             /* sequential lifecycle runs */
    int clients;                 /* concurrent lifecycle clients */
    int corpus;                  /* containers on disk / in memory (1000) */
    int warmup;
    bool builtin_only;
    bool harness;                /* run the `core` profile scenario */
    bool make_check;             /* time `make check` too */
    const char *build_dir;       /* for make check (B=) */
};

struct bench_engine {
    int kind;
    const char *name;            /* "rtengined" / "dockerd" */
    char *id;                    /* sandbox id */
    struct rt_sandbox *sb;       /* shim dir, journal, config (both kinds) */
    struct rt_dockerd_pair pair; /* dockerd kind */
    bool pair_init;
    pid_t pid;                   /* the engine (rtengined or dockerd) */
    const char *socket;
    const char *config;          /* daemon.json the engine reads */
    const char *data_root, *exec_root;
    char *env_journal;           /* RTCONFORM_JOURNAL=... (dockerd) */
    const char *envv[2];
    struct rt_run_config run;    /* builtin: for rt_engine_argv/env */
    long ready_timeout_ms;       /* 0: 30 s */
};

extern const struct bench_opts *bench_o;

/* Create the sandbox of engine KIND named ID. 0 or -1 + ERR. */
int be_init(struct bench_engine *e, int kind, const char *id, char *err, size_t errlen);
/* Start the engine; *READY_MS = exec to first 200 /_ping (for dockerd its
 * containerd is started first, untimed, when not running). 0 or -1 + ERR. */
int be_start(struct bench_engine *e, double *ready_ms, char *err, size_t errlen);
/* Stop the engine (SIGTERM, deadline, SIGKILL); containerd stays. */
void be_stop(struct bench_engine *e);
/* Stop everything, remove the sandbox. */
void be_destroy(struct bench_engine *e);
/* Memory of the engine in KiB (dockerd: + containerd; shims on neither
 * side), summed over its processes: VmRSS, the figure the rss targets use
 * (every resident page mapped, shared library pages in full: rtengined
 * maps libc, gnutls... that other processes share too, while dockerd and
 * containerd are mostly their own static Go text), its anonymous and
 * file-backed parts, and PSS (shared pages divided among the processes
 * mapping them). */
struct bench_mem {
    long rss, anon, file, pss;
};
void be_mem(const struct bench_engine *e, struct bench_mem *m);
/* CPU time (user + system) the engine used so far, ms (dockerd: + containerd). */
double be_cpu_ms(const struct bench_engine *e);
/* Point rt_t (testlib) at E so the shared API helpers talk to it. */
void be_select(struct bench_engine *e);
/* Write daemon.json. */
int be_write_config(struct bench_engine *e, const char *text);

/* ---- API shortcuts (all on the selected engine) ---- */
int bench_import(struct bench_engine *e, char *err, size_t errlen);
/* POST /containers/create of the bench container; *ID malloc'd. */
int bench_create(struct bench_engine *e, char **id, char *err, size_t errlen);
int bench_start(struct bench_engine *e, const char *id, char *err, size_t errlen);
int bench_wait(struct bench_engine *e, const char *id, char *err, size_t errlen);
int bench_rm(struct bench_engine *e, const char *id, bool force, char *err, size_t errlen);

/* A persistent GET /events stream filtered to daemon reloads. */
struct bench_events {
    int fd;
    char buf[65536];
    size_t len;
};
int bench_events_open(struct bench_events *ev, const char *socket, char *err, size_t errlen);
/* Block until the next reload event (deadline TIMEOUT_MS). 0 or -1. */
int bench_events_next_reload(struct bench_events *ev, long timeout_ms);
void bench_events_close(struct bench_events *ev);
/* SIGHUP the engine and wait for its reload event; *MS = signal to event. */
int bench_reload(struct bench_engine *e, struct bench_events *ev, double *ms, char *err, size_t errlen);
/* daemon.json text with N runtimes with args (unique per runtime). */
char *bench_runtimes_config(int n, const char *exec_root);

/* ---- scenarios ---- */
struct bench_run {
    int neng;                    /* 1 (builtin only) or 2 (+ dockerd) */
    json_t *scenarios;           /* array of scenario objects */
};
/* Engines of every kind for one scenario (sandbox id TAG-<kind>): up[k]
 * false where init/start/import failed (recorded in SC). START also starts
 * them (and IMPORT imports the bench image). */
struct bench_set {
    struct bench_engine e[BT_N];
    bool up[BT_N];
    int n;
};
void bench_set_up(struct bench_set *s, struct bench_run *r, const char *tag, json_t *sc, bool start, bool import);
void bench_set_down(struct bench_set *s);
/* Kind of the J-th engine in repetition REP (order alternates). */
int bench_order(const struct bench_set *s, int rep, int j);
/* Add SC to the results when --only selects it (else drop it). */
void bench_append(struct bench_run *r, json_t *sc);
/* Wipe an engine's data-root and exec-root (it must be stopped). */
void bench_wipe(struct bench_engine *e);
void bench_scenario_ready(struct bench_run *r);
void bench_scenario_lifecycle(struct bench_run *r);
void bench_scenario_rpcs(struct bench_run *r);
void bench_scenario_reload(struct bench_run *r);
void bench_scenario_storm(struct bench_run *r);
void bench_scenario_memory(struct bench_run *r);
void bench_scenario_harness(struct bench_run *r);
bool bench_want(const char *scenario);

/* A scenario object: {"name","title","unit","metric","target":{...},
 * "results":{"rtengined":{stats},"dockerd":{stats}},"ratio","target_met"}.
 * TARGET_KIND: "ratio_min" (dockerd/rtengined >= V), "abs_max" (the
 * rtengined METRIC value <= V), "none". */
json_t *bench_scenario_new(const char *name, const char *title, const char *unit, const char *metric);
void bench_scenario_result(json_t *sc, const char *engine, json_t *stats);
void bench_scenario_finish(json_t *sc, const char *target_kind, double v, const char *target_text);
void bench_scenario_error(json_t *sc, const char *engine, const char *msg);

/* ---- output ---- */
void bench_print_table(json_t *results, FILE *f);
int bench_write_html(json_t *results, const char *path);
void bench_svg(json_t *scenario, FILE *f);

/* A fresh, unique id for sandboxes and container names. */
unsigned bench_seq(void);
void bench_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
