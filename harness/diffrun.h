/* Differential mode: `rtconform run --target T --diff-with W` runs the same
 * selection (same seed, profile, focus) against T, then W, and puts the
 * observables of every test that ran in both side by side. */
#ifndef RT_DIFFRUN_H
#define RT_DIFFRUN_H

#include "harness/runner.h"

/* Run O (into O->report_dir), then WITH ("builtin" or "dockerd"; engine
 * WITH_ENGINE, default rtengined in SELF_DIR for builtin) into
 * <report_dir>/diff-<WITH>/. Prints the table, writes it to
 * <report_dir>/differential.txt, adds "differential" to the first run's
 * results.json and re-renders its reports. Returns the first run's exit
 * code; 77 instead of 0 when no test ran in both; 99 on bad arguments. */
int rt_run_diff(const struct rt_run_opts *o, const char *with, const char *with_engine, const char *self_dir);

#endif
