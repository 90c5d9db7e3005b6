/* Runs selected tests, each in its own sandbox and worker process (up to
 * -j at once; inside, Check CK_FORK runs the body), classifies outcomes
 * against the expectation file, streams TAP 14 and writes the reports. */
#ifndef RT_RUNNER_H
#define RT_RUNNER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "harness/expect.h"
#include "harness/testlib.h"

enum rt_outcome {
    RT_PASS, RT_FAIL, RT_ERROR, RT_SKIP, RT_DISABLED, RT_XFAIL, RT_XPASS, RT_FLAKY,
    RT_OUTCOME_COUNT
};

struct rt_result {
    const struct rt_test *test;
    enum rt_outcome outcome;
    char *message;          /* failure/skip reason */
    double seconds;         /* of the last attempt */
    int attempts;
    char *artifacts;        /* "artifacts/<ID>" (relative to the report dir) or NULL */
    json_t *details;        /* logs, journal, configs, runtimes (artifacts.c) */
    json_t *observables;    /* key -> string (observe.h), of the last attempt */
    const struct rt_expect_entry *expect;
};

struct rt_run_opts {
    struct rt_run_config cfg;
    const char *focus;      /* POSIX extended regex on "ID desc", or NULL */
    const char *skip;
    unsigned profile;       /* RT_PROF_* bit */
    const char *profile_name;
    const char *report_dir;
    const char *sandbox_root; /* NULL: a fresh mkdtemp under TMPDIR */
    const char *expect_path;  /* --expect */
    bool xpass_ok;
    int jobs;               /* -j, >= 1 */
    int repeat;             /* --repeat: runs per test (0/1 = once) */
    bool until_fail;        /* repeat whole rounds until something fails */
    const char *rerun_failed; /* results.json: only its FAIL/ERROR/XPASS tests */
    const char *reproduce;  /* "rtconform run --target ..." prefix for reproduce commands */
};

const char *rt_outcome_name(enum rt_outcome o);
/* "PASS" -> RT_PASS; -1 if unknown. */
int rt_outcome_parse(const char *name);
/* Does this outcome make the run fail (FAIL, ERROR, XPASS unless XPASS_OK)? */
bool rt_outcome_bad(enum rt_outcome o, bool xpass_ok);
/* The exit status for these counts: 0, 1, 77 or 99. */
int rt_exit_code(const size_t counts[RT_OUTCOME_COUNT], bool xpass_ok);

/* Run; returns the process exit status: 0 all good, 1 failures,
 * 77 nothing could run, 99 harness error. */
int rt_run(const struct rt_run_opts *opts);

#endif
