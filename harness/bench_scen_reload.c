/* Reload latency: SIGHUP -> `daemon reload` event with 1, 10, 100 and 1000
 * runtimes with args (each with its own args, so its own wrapper), and
 * the harness's own speed (the `core` profile; optionally `make check`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/bench_int.h"

static void reload_n(struct bench_run *r, int nrt)
{
    const struct bench_opts *o = bench_o;
    char name[32], title[128], tag[16];
    snprintf(name, sizeof name, "reload_%d", nrt);
    snprintf(title, sizeof title, "Reload (SIGHUP to reload event), %d runtimes with args", nrt);
    snprintf(tag, sizeof tag, "rl%d", nrt);
    json_t *sc = bench_scenario_new(name, title, "ms", "median");
    struct bench_set s;
    bench_set_up(&s, r, tag, sc, false, false);
    struct bench_events ev[BT_N];
    for (int k = 0; k < s.n; k++) {
        ev[k].fd = -1;
        if (!s.up[k]) continue;
        /* startup probes every runtime once (dockerd: per reload too) */
        s.e[k].ready_timeout_ms = 600000;
        char *cfg = bench_runtimes_config(nrt, s.e[k].exec_root);
        be_write_config(&s.e[k], cfg);
        free(cfg);
        char err[2048];
        double ms;
        if (be_start(&s.e[k], &ms, err, sizeof err) < 0 || bench_events_open(&ev[k], s.e[k].socket, err, sizeof err) < 0) {
            bench_scenario_error(sc, s.e[k].name, err);
            s.up[k] = false;
        }
    }
    struct bench_samples lat[BT_N] = {{0}};
    /* dockerd probes every runtime on each reload: 1000 runtimes cost
     * tens of seconds per reload there, so fewer repetitions and no
     * warm-up (the startup already built the same set once). */
    int reps = nrt >= 1000 && o->reps > 3 ? 3 : o->reps, warm = nrt >= 1000 ? 0 : o->warmup;
    for (int rep = -warm; rep < reps; rep++)
        for (int j = 0; j < s.n; j++) {
            int k = bench_order(&s, rep, j);
            if (!s.up[k]) continue;
            char err[1024];
            double ms;
            if (bench_reload(&s.e[k], &ev[k], &ms, err, sizeof err) < 0) {
                bench_scenario_error(sc, s.e[k].name, err);
                s.up[k] = false;
            } else if (rep >= 0) {
                bs_add(&lat[k], ms);
            }
        }
    for (int k = 0; k < s.n; k++) {
        bench_events_close(&ev[k]);
        if (lat[k].n) bench_scenario_result(sc, s.e[k].name, bs_json(&lat[k]));
        bs_free(&lat[k]);
    }
    bench_set_down(&s);
    if (nrt == 10) bench_scenario_finish(sc, "ratio_min", 20, "dockerd / rtengined >= 20");
    else if (nrt == 1000) bench_scenario_finish(sc, "abs_max", 100, "rtengined median < 100 ms");
    else bench_scenario_finish(sc, "none", 0, "reported");
    json_array_append_new(r->scenarios, sc);
}

void bench_scenario_reload(struct bench_run *r)
{
    static const int sizes[] = {1, 10, 100, 1000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "reload_%d", sizes[i]);
        if (bench_want(name)) reload_n(r, sizes[i]);
    }
}

/* Run ARGV (stdout/stderr to LOG); wall time in *MS; exit status. */
static int timed_run(char *const *argv, const char *log, double *ms)
{
    double t0 = bench_now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log, "w", stdout);
        if (f) dup2(fileno(stdout), 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    if (pid > 0) waitpid(pid, &st, 0);
    *ms = bench_now_ms() - t0;
    return pid < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void bench_scenario_harness(struct bench_run *r)
{
    const struct bench_opts *o = bench_o;
    json_t *sc = bench_scenario_new("harness_core", "rtconform run --profile core on builtin (wall)", "ms", "median");
    char *dir = rt_path_join(o->workdir, "core-report");
    char *log = rt_path_join(o->workdir, "core-run.log");
    char *argv[] = {(char *)o->self, "run", "--target", "builtin", "--profile", "core", "--report-dir", dir, NULL};
    double ms;
    bench_log("timing the core profile (%s)", o->self);
    int rc = timed_run(argv, log, &ms);
    char *rj = rt_path_join(dir, "results.json");
    json_t *res = json_load_file(rj, 0, NULL);
    size_t ntests = json_array_size(json_object_get(res, "tests"));
    struct bench_samples s = {0};
    bs_add(&s, ms);
    json_t *st = bs_json(&s);
    json_object_set_new(st, "exit_code", json_integer(rc));
    json_object_set_new(st, "tests", json_integer((json_int_t)ntests));
    json_object_set_new(st, "tests_per_s", json_real(ms > 0 ? (double)ntests * 1000.0 / ms : 0));
    json_object_set_new(st, "counts", json_incref(json_object_get(res, "counts")));
    bench_scenario_result(sc, "rtengined", st);
    if (rc != 0 && rc != 1) bench_scenario_error(sc, "rtengined", "the core run did not complete (see core-run.log)");
    json_decref(res);
    bs_free(&s);
    free(rj), free(dir), free(log);
    bench_scenario_finish(sc, "abs_max", 60000, "core profile on builtin < 60 s");
    json_array_append_new(r->scenarios, sc);

    if (!o->make_check) return;
    json_t *mc = bench_scenario_new("make_check", "make check (wall)", "ms", "median");
    char b[4200];
    snprintf(b, sizeof b, "B=%s", o->build_dir ? o->build_dir : "build");
    char *margv[] = {"make", b, "check", NULL};
    char *mlog = rt_path_join(o->workdir, "make-check.log");
    bench_log("timing make %s check", b);
    rc = timed_run(margv, mlog, &ms);
    struct bench_samples m = {0};
    bs_add(&m, ms);
    json_t *ms_j = bs_json(&m);
    json_object_set_new(ms_j, "exit_code", json_integer(rc));
    bench_scenario_result(mc, "rtengined", ms_j);
    bs_free(&m);
    free(mlog);
    bench_scenario_finish(mc, "abs_max", 300000, "make check < 5 min");
    json_array_append_new(r->scenarios, mc);
}
