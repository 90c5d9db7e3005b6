/* Runs selected tests one by one, each in its own sandbox and forked
 * process (Check, CK_FORK), classifies outcomes and streams TAP 14. */
#ifndef RT_RUNNER_H
#define RT_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/testlib.h"

enum rt_outcome {
    RT_PASS, RT_FAIL, RT_ERROR, RT_SKIP, RT_DISABLED, RT_XFAIL, RT_XPASS, RT_FLAKY,
    RT_OUTCOME_COUNT
};

struct rt_result {
    const struct rt_test *test;
    enum rt_outcome outcome;
    char *message;          /* failure/skip reason */
    double seconds;
};

struct rt_run_opts {
    struct rt_run_config cfg;
    const char *focus;      /* POSIX extended regex on "ID desc", or NULL */
    const char *skip;
    unsigned profile;       /* RT_PROF_* bit */
    const char *report_dir;
    const char *sandbox_root; /* NULL: a fresh mkdtemp under TMPDIR */
};

const char *rt_outcome_name(enum rt_outcome o);

/* Run; returns the process exit status: 0 all good, 1 failures,
 * 77 nothing could run, 99 harness error. */
int rt_run(const struct rt_run_opts *opts);

#endif
