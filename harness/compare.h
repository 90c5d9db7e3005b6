/* `rtconform compare A.json B.json`: per-test differences between two
 * results.json files, keyed by stable test ID. */
#ifndef RT_COMPARE_H
#define RT_COMPARE_H

#include <jansson.h>
#include <stdio.h>

enum rt_change { RT_CHG_REGRESSION, RT_CHG_FIX, RT_CHG_NEW, RT_CHG_REMOVED, RT_CHG_OTHER, RT_CHG_COUNT };

struct rt_compare_counts {
    size_t n[RT_CHG_COUNT];
    size_t same;
};

const char *rt_change_name(enum rt_change c);
/* Write the differences of A -> B to OUT (may be NULL) and count them.
 * -1 with ERR set if either document is not a results.json. */
int rt_compare(const json_t *a, const json_t *b, FILE *out, struct rt_compare_counts *counts, char *err, size_t len);
/* The CLI: 0 no regressions, 1 regressions, 99 bad input. */
int rt_compare_files(const char *a, const char *b, FILE *out);

/* Observables side by side (harness/observe.h), for every test that ran in
 * both A and B (not SKIP or DISABLED, present in both). */
struct rt_obs_counts {
    size_t compared, differing, not_compared;
};
/* Writes the table to OUT (may be NULL); returns a new object
 * {a, b, compared, differing, not_compared, tests: [{id, level, a_outcome,
 * b_outcome, keys: [{key, a, b}]}], not_run: [{side, outcome, message,
 * count}]} for reports, or NULL with ERR set on bad input. */
json_t *rt_compare_observables(const json_t *a, const json_t *b, FILE *out, struct rt_obs_counts *c, char *err,
                               size_t len);
/* A one-line name of a run: "<kind> <engine_version>". malloc'd. */
char *rt_run_label(const json_t *doc);
/* The CLI `compare --observables`: outcome differences, then the observables
 * table. 0 nothing differs, 1 regressions or differing observables, 77 no
 * test ran in both, 99 bad input. */
int rt_compare_observables_files(const char *a, const char *b, FILE *out);

#endif
