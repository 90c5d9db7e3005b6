/* Observables: what a test saw of the engine, recorded as key/value
 * strings so two runs (e.g. dockerd and the builtin engine, differential
 * mode) can be put side by side per test. A test process appends with
 * rt_observe(); the runner loads the file into results.json ("observables"
 * per test); `rtconform compare --observables` diffs them.
 *
 * Keys recorded by the common helpers (a test may add its own):
 *   http         last non-GET request: "POST /containers/<id>/start 204"
 *   error        last response >= 400: "500 <message>"
 *   error_class  its errdefs class (invalid-parameter, not-found, ...)
 *   engine_exit  exit status of an engine that stopped before being ready
 *   engine_error the last line it logged
 *   run_once     "<status> <last line>" of the last one-shot engine run
 *                (e.g. --validate)
 *   reload       applied | rejected: <message> | no answer (last SIGHUP)
 *   exit_code    StatusCode of the last container wait
 *   runtime      HostConfig.Runtime of the last container inspected
 *   shim         binary of the last shim `start` read from the journal
 *   shim_options the options that shim saw (type_url, binary_name, ...)
 * Values are normalised so runs in different sandboxes compare equal: the
 * sandbox directory (and a target's exec-root) becomes "<sandbox>", ids
 * (whole words of 12+ hex digits) become "<id>", the engine's name in
 * "See '<name> --help'" becomes <engine>. */
#ifndef RT_OBSERVE_H
#define RT_OBSERVE_H

#include <jansson.h>

#include "harness/client.h"

#define RT_OBSERVE_FILE "observables.jsonl"

/* Record KEY = formatted value for the running test (later values of the
 * same key replace earlier ones). No-op outside a test. */
void rt_observe(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An engine that exited with STATUS before becoming ready: engine_exit,
 * and engine_error = the last line of its log (log-format prefix dropped). */
void rt_observe_engine_exit(int status);
/* What rt_api records about one exchange (http, error, error_class). */
void rt_observe_http(const char *method, const char *path, const struct rt_http_resp *r);

/* ---- pure helpers (runner, compare, unit tests) ---- */
/* SANDBOX (may be NULL) -> "<sandbox>", 12+ hex digit words -> "<id>". malloc'd. */
char *rt_observe_normalize(const char *value, const char *sandbox);
/* The last non-empty line of LOG; of a logrus line (time="..." level=x
 * msg="...") the msg part. malloc'd ("" if none). */
char *rt_observe_last_log_line(const char *log);
/* "/v1.45/containers/<64 hex>/start?x=1" -> "/containers/<id>/start?x=1". */
char *rt_observe_api_path(const char *path);
/* errdefs class of an HTTP status ("ok" below 400). */
const char *rt_observe_error_class(long status);
/* The observables file as an object; {} if absent; last value wins,
 * malformed lines are skipped. */
json_t *rt_observe_load(const char *path);
/* Keys whose values differ between A and B (objects, NULL = {}):
 * [{key, a, b}] sorted by key; a missing value is null. */
json_t *rt_observe_diff(const json_t *a, const json_t *b);

#endif
