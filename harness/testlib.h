/* What a test body uses: its sandbox, the engine under test, the API, and
 * the SKIP/ERROR side channel. Valid inside the forked test process. */
#ifndef RT_TESTLIB_H
#define RT_TESTLIB_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "harness/client.h"
#include "harness/registry.h"
#include "harness/sandbox.h"

enum rt_target_kind { RT_TARGET_BUILTIN, RT_TARGET_DOCKERD, RT_TARGET_EXTERNAL };

/* Run-wide settings (from the CLI), shared by every test. */
struct rt_run_config {
    enum rt_target_kind target;
    const char *engine;          /* engine binary (builtin: rtengined) */
    const char *containerd;      /* dockerd target: containerd binary */
    const char *libexec;         /* fake shims + fakerunc */
    const char *datadir;         /* share/rtconform: fixtures/ (harness/paths.h) */
    const char *external_socket; /* external target */
    double timeout_multiplier;
    unsigned long seed;
    bool keep_sandbox;
};

/* The test being run. */
struct rt_tctx {
    const struct rt_run_config *run;
    const struct rt_test *test;
    struct rt_sandbox *sb;
    pid_t engine_pid;            /* 0 when not running */
    const char *socket;          /* API socket in use */
};

extern struct rt_tctx rt_t;

/* Outcomes a test can declare itself (written to the sandbox's outcome
 * file, read by the runner; never return). */
void rt_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void rt_env_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* SKIP unless the target/environment has every capability in CAPS. */
void rt_require(unsigned caps);

/* ---- engine control ---- */
/* Start the engine in the sandbox with the sandbox's paths plus EXTRA_ARGS
 * (NULL-terminated, may be NULL). Waits for /_ping (deadline, no fixed
 * sleep). Returns 0 when ready; when the engine exits instead, returns its
 * exit status (>0) and its stderr is in the engine log. */
int rt_engine_start(const char *const *extra_args);
/* Same, but the test fails (ERROR) if the engine does not become ready. */
void rt_engine_start_ok(const char *const *extra_args);
/* The sandbox's engine command line (standard flags + EXTRA) into ARGV
 * (MAX slots, NULL-terminated; HOST is the -H buffer) and the scrubbed
 * environment: the one definition both rt_engine_start and one-shot runs use. */
size_t rt_engine_argv(const char **argv, size_t max, const char *const *extra, char *host, size_t hostlen);
char **rt_engine_env(void);
/* SIGTERM and wait; returns the exit status. */
int rt_engine_stop(void);
/* End of a test (the runner's teardown): stop whatever the target runs for
 * the test (dockerd: dockerd and its containerd) and check for mounts left
 * behind (a FAIL). */
void rt_engine_teardown(void);
/* Contents of the engine's log (malloc'd, "" if none). */
char *rt_engine_log(void);
/* Write daemon.json in the sandbox (TEXT verbatim). */
void rt_write_config(const char *text);

/* ---- API ---- */
/* METHOD PATH [BODY] against the engine under test; the response is kept in
 * OUT (freed by rt_http_resp_free). ERROR outcome on transport failure. */
void rt_api(const char *method, const char *path, const char *body, struct rt_http_resp *out);
/* GET PATH, assert 200 and a JSON body; caller json_decref()s. */
json_t *rt_api_get_json(const char *path);

/* Record a pid the test started (killed by the runner if left behind). */
void rt_record_pid(pid_t pid);
/* Deadline helper: milliseconds since an arbitrary monotonic origin. */
long long rt_now_ms(void);
/* Scaled timeout in ms for a nominal value. */
long rt_scaled_ms(long nominal_ms);
/* Wait until process PID has exited (a zombie counts; pidfd, no polling),
 * at most TIMEOUT_MS: 0 when it has, -1 when not. */
int rt_await_exit(pid_t pid, long timeout_ms);
/* One poll interval of MS milliseconds, for conditions no event reports
 * (a process gone, a file state): callers loop on it against a deadline. */
void rt_poll_pause(long ms);

#endif
