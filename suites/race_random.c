/* The random / soak mode of the race explorer (race_random.h).
 *
 * Invariants (engine spec §3.1, §4.2, App. A.5):
 *  1. no create/start fails except with "unknown or invalid runtime name"
 *     for a name some config live during the request lacked (so never
 *     because a wrapper vanished);
 *  2. every start used exactly one snapshot: the shim's BinaryName and the
 *     runtime's args (call journal) are those one config live during the
 *     start gives, and every later shim/runc call of that container uses
 *     the same ones (locked in at start);
 *  3. no wrapper ever seen changes content or disappears while the engine
 *     runs (checked after every reload);
 *  4. the engine never exits.
 * "Live during a request": between the last config whose reload event
 * arrived before the request and the last config signalled before its
 * answer. */
#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "harness/reload_wait.h"
#include "harness/testlib.h"
#include "suites/ctr_common.h"
#include "suites/race_common.h"
#include "suites/race_model.h"
#include "suites/race_random.h"

#define MAX_VIOLATIONS 8

struct ctr {
    char id[80];
    char name[8];
    long a, b; /* configs possibly live during its start */
    struct ctr *next;
};

static struct {
    pthread_mutex_t mu;
    const struct rt_race_params *p;
    struct rt_race_cfg **cfgs;
    long ncfg, cap;
    long acked, sent;
    int stop, running;
    long long deadline;
    char *violations[MAX_VIOLATIONS];
    int nviol;
    int exec_mode; /* -1 unknown, 0 the engine has no exec route, 1 exec works */
    long creates, create_rejected, starts, start_rejected, execs, stops, reloads, wrapper_starts;
    struct ctr *pending; /* started, awaiting the journal check */
    char *runtimes_dir, *shim_runc;
} R = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    pthread_mutex_lock(&R.mu);
    if (R.nviol < MAX_VIOLATIONS) R.violations[R.nviol++] = m;
    else free(m);
    R.stop = 1;
    pthread_mutex_unlock(&R.mu);
    printf("race: VIOLATION %s\n", m ? m : "?");
    fflush(stdout);
}

static long get_acked(void)
{
    pthread_mutex_lock(&R.mu);
    long v = R.acked;
    pthread_mutex_unlock(&R.mu);
    return v;
}

static long get_sent(void)
{
    pthread_mutex_lock(&R.mu);
    long v = R.sent;
    pthread_mutex_unlock(&R.mu);
    return v;
}

static void bump(long *counter)
{
    pthread_mutex_lock(&R.mu);
    (*counter)++;
    pthread_mutex_unlock(&R.mu);
}

/* Some config in A..B lacks NAME. */
static bool window_lacks(long a, long b, const char *name)
{
    bool r = false;
    pthread_mutex_lock(&R.mu);
    for (long i = a; i <= b && i < R.ncfg && !r; i++) r = !rt_race_cfg_defines(R.cfgs[i], name);
    pthread_mutex_unlock(&R.mu);
    return r;
}

/* Some config in A..B has default NAME. */
static bool window_default(long a, long b, const char *name)
{
    bool r = false;
    pthread_mutex_lock(&R.mu);
    for (long i = a; i <= b && i < R.ncfg && !r; i++) r = !strcmp(R.cfgs[i]->def, name);
    pthread_mutex_unlock(&R.mu);
    return r;
}

static bool go_on(void)
{
    pthread_mutex_lock(&R.mu);
    bool s = R.stop;
    pthread_mutex_unlock(&R.mu);
    return !s;
}

/* A random pause of up to jitter_ms before the next step: it shifts the
 * interleavings the explorer tries (the delay is the point, not a wait). */
static void jitter(uint64_t *rng)
{
    if (R.p->jitter_ms <= 0) return;
    long us = (long)(rt_race_rand(rng) % ((uint64_t)R.p->jitter_ms * 1000 + 1));
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static bool is_unknown_runtime(const struct rt_http_resp *r, const char *name)
{
    char want[64];
    snprintf(want, sizeof want, "unknown or invalid runtime name: %s", name);
    return (r->status == 400 || r->status == 500) && strstr(rt_race_msg(r), want);
}

static void remove_ctr(const char *id)
{
    char path[300];
    snprintf(path, sizeof path, "/containers/%s?force=1", id);
    struct rt_http_resp r;
    if (rt_race_api("DELETE", path, NULL, &r) < 0) violation("remove %s: %s", id, r.error);
    else if (r.status != 204) violation("remove %s: HTTP %ld %s", id, r.status, rt_race_msg(&r));
    rt_http_resp_free(&r);
}

/* One container: create, start, exec, stop, remove on NAME ("" = default). */
static void cycle(uint64_t *rng, const char *name)
{
    struct rt_http_resp r;
    long a = get_acked();
    int rc = rt_race_create(name, "exec tail -f /dev/null", NULL, &r);
    long b = get_sent();
    if (rc < 0) {
        violation("create on \"%s\": %s", name, r.error);
        return;
    }
    if (r.status != 201) {
        if (*name && is_unknown_runtime(&r, name) && window_lacks(a, b, name)) bump(&R.create_rejected);
        else violation("create on \"%s\" (configs %ld..%ld): HTTP %ld %s", name, a, b, r.status, rt_race_msg(&r));
        rt_http_resp_free(&r);
        return;
    }
    struct ctr *c = calloc(1, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", json_string_value(json_object_get(r.json, "Id")));
    rt_http_resp_free(&r);
    bump(&R.creates);
    snprintf(c->name, sizeof c->name, "%s", name);
    char path[300];
    if (!*name) { /* §5.2 / A.6: create stores the default's name */
        snprintf(path, sizeof path, "/containers/%s/json", c->id);
        if (rt_race_api("GET", path, NULL, &r) < 0 || r.status != 200) {
            violation("inspect %s: HTTP %ld %s", c->id, r.status, r.status ? rt_race_msg(&r) : r.error);
            rt_http_resp_free(&r);
            free(c);
            return;
        }
        const char *st = json_string_value(json_object_get(json_object_get(r.json, "HostConfig"), "Runtime"));
        snprintf(c->name, sizeof c->name, "%s", st ? st : "");
        if (!st || !window_default(a, b, st))
            violation("container %s created without a runtime stored \"%s\", the default of no config live "
                      "during its create (%ld..%ld)", c->id, st ? st : "(none)", a, b);
        rt_http_resp_free(&r);
    }
    jitter(rng);
    c->a = get_acked();
    snprintf(path, sizeof path, "/containers/%s/start", c->id);
    rc = rt_race_api("POST", path, NULL, &r);
    c->b = get_sent();
    if (rc < 0) {
        violation("start %s on %s: %s", c->id, c->name, r.error);
        free(c);
        return;
    }
    if (r.status != 204) {
        if (is_unknown_runtime(&r, c->name) && window_lacks(c->a, c->b, c->name)) bump(&R.start_rejected);
        else violation("start %s on %s (configs %ld..%ld) failed: HTTP %ld %s", c->id, c->name, c->a, c->b,
                       r.status, rt_race_msg(&r));
        rt_http_resp_free(&r);
        remove_ctr(c->id);
        free(c);
        return;
    }
    rt_http_resp_free(&r);
    bump(&R.starts);
    jitter(rng);
    pthread_mutex_lock(&R.mu);
    int ex = R.exec_mode;
    pthread_mutex_unlock(&R.mu);
    if (ex != 0) {
        char msg[512];
        int e = rt_race_exec(c->id, msg, sizeof msg);
        if (e < 0) violation("exec into %s on %s: %s", c->id, c->name, msg);
        else if (e == 1) bump(&R.execs);
        pthread_mutex_lock(&R.mu);
        if (R.exec_mode < 0) R.exec_mode = e > 0;
        pthread_mutex_unlock(&R.mu);
    }
    jitter(rng);
    snprintf(path, sizeof path, "/containers/%s/stop?t=5", c->id);
    if (rt_race_api("POST", path, NULL, &r) < 0) violation("stop %s: %s", c->id, r.error);
    else if (r.status != 204) violation("stop %s on %s: HTTP %ld %s", c->id, c->name, r.status, rt_race_msg(&r));
    else bump(&R.stops);
    rt_http_resp_free(&r);
    remove_ctr(c->id);
    pthread_mutex_lock(&R.mu);
    c->next = R.pending;
    R.pending = c;
    pthread_mutex_unlock(&R.mu);
}

struct wk {
    pthread_t th;
    int idx;
    uint64_t rng;
};

static void *worker(void *arg)
{
    struct wk *w = arg;
    for (int it = 0; go_on(); it++) {
        if (R.p->iterations > 0 ? it >= R.p->iterations : rt_now_ms() >= R.deadline) break;
        jitter(&w->rng);
        /* explicit args runtimes mostly, the default now and then */
        uint64_t pick = rt_race_rand(&w->rng) % 5;
        cycle(&w->rng, pick == 4 ? "" : rt_race_names[pick % RT_RACE_NRT]);
    }
    pthread_mutex_lock(&R.mu);
    R.running--;
    pthread_mutex_unlock(&R.mu);
    return NULL;
}

/* ---- journal: read incrementally, index by container id ---- */

struct jr {
    long off;
    json_t *by_id;
};

static void jr_poll(struct jr *j)
{
    FILE *f = fopen(rt_t.sb->journal, "r");
    if (!f) return;
    if (fseek(f, j->off, SEEK_SET) == 0) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
            if (line[n - 1] != '\n') break; /* a line still being written */
            j->off += n;
            json_t *e = json_loadb(line, (size_t)n, 0, NULL);
            const char *id = json_string_value(json_object_get(e, "id"));
            if (id && *id) {
                json_t *arr = json_object_get(j->by_id, id);
                if (!arr) json_object_set_new(j->by_id, id, arr = json_array());
                json_array_append(arr, e);
            }
            json_decref(e);
        }
        free(line);
    }
    fclose(f);
}

static const json_t *first(const json_t *arr, const char *component, const char *method)
{
    size_t i;
    const json_t *e;
    json_array_foreach(arr, i, e) {
        if (!strcmp(json_string_value(json_object_get(e, "component")) ?: "", component) &&
            !strcmp(json_string_value(json_object_get(e, "method")) ?: "", method))
            return e;
    }
    return NULL;
}

/* Invariant 2 for C. Returns false to retry later (entries not there yet). */
static bool check_ctr(struct jr *j, const struct ctr *c, bool final)
{
    json_t *arr = json_object_get(j->by_id, c->id);
    const json_t *sc = first(arr, "shim", "Create"), *rc = first(arr, "runc", "create");
    if (!sc || !rc) {
        if (final)
            violation("container %s on %s: no %s in the call journal", c->id, c->name,
                      !sc ? "shim Create" : "runc create");
        return final;
    }
    const char *bin = json_string_value(json_object_get(sc, "binary_name")) ?: "";
    char *args = rt_race_runc_args(rc);
    char *content = rt_read_file(bin, 1 << 20, NULL);
    bool found = false;
    pthread_mutex_lock(&R.mu);
    for (long i = c->a; i <= c->b && i < R.ncfg && !found; i++)
        found = rt_race_cfg_matches(R.cfgs[i], c->name, bin, args, content, R.runtimes_dir, R.shim_runc);
    char live[2048] = "";
    if (!found)
        for (long i = c->a; i <= c->b && i < R.ncfg; i++) {
            char d[256];
            rt_race_cfg_describe(R.cfgs[i], d, sizeof d);
            snprintf(live + strlen(live), sizeof live - strlen(live), "%s%s", *live ? "; " : "", d);
        }
    pthread_mutex_unlock(&R.mu);
    if (found && content) bump(&R.wrapper_starts);
    if (!found)
        violation("container %s on %s started with BinaryName %s%s and args [%s], which no config live during "
                  "its start gives (%s)", c->id, c->name, bin, content ? "" : " (file missing)", args, live);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *comp = json_string_value(json_object_get(e, "component")) ?: "";
        const char *m = json_string_value(json_object_get(e, "method")) ?: "";
        const char *b = json_string_value(json_object_get(e, "binary_name"));
        if (!strcmp(comp, "shim") && m[0] >= 'A' && m[0] <= 'Z' && b && *b && strcmp(b, bin))
            violation("container %s: shim %s used BinaryName %s, its Create %s", c->id, m, b, bin);
        if (!strcmp(comp, "runc")) {
            char *a2 = rt_race_runc_args(e);
            if (strcmp(a2, args))
                violation("container %s: runc %s ran with args [%s], its create with [%s]", c->id, m, a2, args);
            free(a2);
        }
    }
    free(args), free(content);
    json_object_del(j->by_id, c->id);
    return true;
}

static void check_pending(struct jr *j, bool final)
{
    jr_poll(j);
    pthread_mutex_lock(&R.mu);
    struct ctr *list = R.pending;
    R.pending = NULL;
    pthread_mutex_unlock(&R.mu);
    struct ctr *keep = NULL;
    while (list) {
        struct ctr *c = list;
        list = c->next;
        if (check_ctr(j, c, final)) {
            free(c);
        } else {
            c->next = keep;
            keep = c;
        }
    }
    pthread_mutex_lock(&R.mu);
    while (keep) {
        struct ctr *c = keep;
        keep = c->next;
        c->next = R.pending;
        R.pending = c;
    }
    pthread_mutex_unlock(&R.mu);
}

/* ---- the reloader (test main thread) ---- */

static void add_cfg(struct rt_race_cfg *c)
{
    pthread_mutex_lock(&R.mu);
    if (R.ncfg == R.cap) {
        R.cap = R.cap ? R.cap * 2 : 64;
        R.cfgs = realloc(R.cfgs, (size_t)R.cap * sizeof *R.cfgs);
        if (!R.cfgs) abort();
    }
    R.cfgs[R.ncfg++] = c;
    R.sent = c->gen; /* signalled from now on */
    pthread_mutex_unlock(&R.mu);
}

static bool reload_once(uint64_t *rng, json_t *seen)
{
    pthread_mutex_lock(&R.mu);
    const struct rt_race_cfg *prev = R.cfgs[R.ncfg - 1];
    pthread_mutex_unlock(&R.mu);
    struct rt_race_cfg *c = rt_race_cfg_gen(rng, prev, prev->gen + 1, R.shim_runc);
    add_cfg(c);
    char err[1024];
    json_t *ev = NULL;
    int rc = rt_reload_wait(c->text, err, sizeof err, &ev);
    if (rc == 1) {
        violation("the engine rejected valid config gen %ld (%s): %s", c->gen, c->text, err);
        return false;
    }
    if (rc < 0) {
        violation("reload of gen %ld not acknowledged: %s", c->gen, err);
        return false;
    }
    const char *d = json_string_value(json_object_get(json_object_get(json_object_get(ev, "Actor"), "Attributes"),
                                                      "default-runtime"));
    if (d && strcmp(d, c->def)) violation("reload gen %ld: event default-runtime=%s, want %s", c->gen, d, c->def);
    json_decref(ev);
    pthread_mutex_lock(&R.mu);
    R.acked = c->gen;
    R.reloads++;
    pthread_mutex_unlock(&R.mu);
    char *m = rt_race_check_wrappers(seen);
    if (m) {
        violation("after reload gen %ld: %s", c->gen, m);
        free(m);
    }
    return true;
}

void rt_race_params_env(struct rt_race_params *p)
{
    const char *v;
    if ((v = getenv("RTCONFORM_RACE_WORKERS")) && atoi(v) > 0) p->workers = atoi(v);
    if ((v = getenv("RTCONFORM_RACE_ITERATIONS")) && atoi(v) >= 0) p->iterations = atoi(v);
    if ((v = getenv("RTCONFORM_RACE_DURATION")) && atof(v) > 0) p->duration_s = atof(v);
    if ((v = getenv("RTCONFORM_RACE_JITTER_MS")) && atoi(v) >= 0) p->jitter_ms = atoi(v);
}

void rt_race_random(const struct rt_race_params *p)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    unsigned long seed = rt_t.run->seed;
    R.p = p;
    R.exec_mode = -1;
    R.runtimes_dir = rt_path_join(rt_t.sb->data_root, "runtimes");
    R.shim_runc = rt_path_join(rt_t.sb->shim_dir, "runc");
    R.deadline = rt_now_ms() + (long long)(p->duration_s * 1000);
    printf("race: seed %lu, %d workers, %d iterations, %.0f s, jitter %d ms (replay: rtconform race --seed %lu)\n",
           seed, p->workers, p->iterations, p->iterations ? 0.0 : p->duration_s, p->jitter_ms, seed);
    uint64_t rng = seed;
    struct rt_race_cfg *c0 = rt_race_cfg_gen(&rng, NULL, 0, R.shim_runc);
    add_cfg(c0);
    rt_write_config(c0->text);
    rt_engine_start_ok(NULL);
    rt_ct_import_ok();
    json_t *seen = rt_race_wrappers();
    if (!seen) rt_env_error("no %s after startup", R.runtimes_dir);

    struct wk *w = calloc((size_t)p->workers, sizeof *w);
    R.running = p->workers;
    for (int i = 0; i < p->workers; i++) {
        w[i].idx = i;
        w[i].rng = seed ^ (0x5851f42d4c957f2dull * (uint64_t)(i + 1));
        if (pthread_create(&w[i].th, NULL, worker, &w[i]) != 0) rt_env_error("pthread_create failed");
    }
    struct jr j = {.by_id = json_object()};
    char msg[256];
    for (;;) {
        pthread_mutex_lock(&R.mu);
        bool done = R.stop || (R.running == 0 && R.reloads >= p->min_reloads);
        pthread_mutex_unlock(&R.mu);
        if (done) break;
        if (!reload_once(&rng, seen)) break;
        if (!rt_race_engine_alive(msg, sizeof msg)) {
            violation("%s", msg);
            break;
        }
        check_pending(&j, false);
    }
    pthread_mutex_lock(&R.mu);
    R.stop = 1; /* workers finish their current container */
    pthread_mutex_unlock(&R.mu);
    for (int i = 0; i < p->workers; i++) pthread_join(w[i].th, NULL);
    free(w);
    char *m = rt_race_check_wrappers(seen);
    if (m) violation("at the end: %s", m), free(m);
    if (!rt_race_engine_alive(msg, sizeof msg)) violation("%s", msg);
    else check_pending(&j, true);
    json_decref(seen), json_decref(j.by_id);

    printf("race: %ld reloads, %ld creates (%ld rejected: runtime not defined), %ld starts (%ld rejected, %ld through "
           "a wrapper), %ld execs%s, %ld stops\n", R.reloads, R.creates, R.create_rejected, R.starts, R.start_rejected,
           R.wrapper_starts, R.execs,
           R.exec_mode == 0 ? " (exec step skipped: the engine has no exec route)" : "", R.stops);
    fflush(stdout);
    if (R.nviol) {
        char all[6000] = "";
        for (int i = 0; i < R.nviol; i++)
            snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? " | " : "",
                     R.violations[i] ? R.violations[i] : "?");
        ck_abort_msg("seed %lu (replay: rtconform race --seed %lu): %d violation(s): %s", seed, seed, R.nviol, all);
    }
    /* Every start being legitimately refused (its runtime undefined in a
     * live config) is improbable but no violation: say so, do not fail. */
    if (!R.starts) printf("race: note: no start succeeded, every runtime was undefined when used\n");
}
