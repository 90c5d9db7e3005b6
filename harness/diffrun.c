/* Differential mode (diffrun.h). */
#include "harness/diffrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/compare.h"
#include "harness/probe.h"
#include "harness/report.h"
#include "jsonutil.h"

static json_t *load_results(const char *dir)
{
    char *p = rt_path_join(dir, "results.json");
    char err[256];
    json_t *doc = rt_json_load_file(p, 256 << 20, err, sizeof err);
    if (!doc) fprintf(stderr, "rtconform: differential: %s: %s\n", p, err);
    free(p);
    return doc;
}

int rt_run_diff(const struct rt_run_opts *o, const char *with, const char *with_engine, const char *self_dir)
{
    struct rt_run_opts w = *o;
    if (!strcmp(with, "builtin")) w.cfg.target = RT_TARGET_BUILTIN;
    else if (!strcmp(with, "dockerd")) w.cfg.target = RT_TARGET_DOCKERD;
    else {
        fprintf(stderr, "rtconform: --diff-with '%s': builtin or dockerd\n", with);
        return 99;
    }
    if (w.cfg.target == RT_TARGET_DOCKERD && !with_engine) {
        fprintf(stderr, "rtconform: --diff-with dockerd needs --diff-engine PATH (the dockerd binary)\n");
        return 99;
    }
    char *own_engine = with_engine ? NULL : rt_path_join(self_dir, "rtengined");
    w.cfg.engine = with_engine ? with_engine : own_engine;
    /* An expectation file describes one target: the second run has none. */
    w.expect_path = NULL;
    char sub[64];
    snprintf(sub, sizeof sub, "diff-%s", with);
    char *wdir = rt_path_join(o->report_dir, sub);
    w.report_dir = wdir;
    char *repro = NULL;
    if (asprintf(&repro, "%s/rtconform run --target %s --engine %s --profile %s --seed %lu", self_dir, with,
                 w.cfg.engine, o->profile_name ? o->profile_name : "core", o->cfg.seed) < 0)
        repro = NULL;
    w.reproduce = repro;

    int rc = rt_run(o);
    json_t *da = NULL, *db = NULL, *d = NULL;
    if (rc == 99 && access(o->report_dir, F_OK) != 0) goto out; /* nothing ran: bad options */
    printf("# differential: the same selection against %s (reports in %s)\n", with, wdir);
    fflush(stdout);
    int rc2 = rt_run(&w);
    da = load_results(o->report_dir);
    db = load_results(wdir);
    if (!da || !db) {
        rc = 99;
        goto out;
    }
    printf("# differential: %s run exited %d, %s run exited %d\n", rt_target_name(o->cfg.target), rc, with, rc2);
    char err[512];
    char *tpath = rt_path_join(o->report_dir, "differential.txt");
    FILE *tf = fopen(tpath, "w");
    struct rt_obs_counts c;
    d = rt_compare_observables(da, db, stdout, &c, err, sizeof err);
    if (d && tf) json_decref(rt_compare_observables(da, db, tf, &c, err, sizeof err)); /* the text only */
    if (tf) fclose(tf);
    free(tpath);
    if (!d) {
        fprintf(stderr, "rtconform: differential: %s\n", err);
        rc = 99;
        goto out;
    }
    char rel[128];
    snprintf(rel, sizeof rel, "%s/results.json", sub);
    json_object_set_new(d, "with", json_string(with));
    json_object_set_new(d, "results", json_string(rel));
    json_object_set_new(da, "differential", json_incref(d));
    if (rt_reports_write(o->report_dir, da, err, sizeof err) < 0) {
        fprintf(stderr, "rtconform: %s\n", err);
        rc = 99;
    }
    if (rc == 0 && !c.compared) rc = 77;
out:
    json_decref(d);
    json_decref(da);
    json_decref(db);
    free(repro), free(wdir), free(own_engine);
    return rc;
}
