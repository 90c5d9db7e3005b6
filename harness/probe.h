/* The capability probe: what the target is (engine version, API version,
 * default runtime) and what the environment offers (root, docker CLI, fake
 * shims). Recorded in results.json; SKIP reasons refer to it. */
#ifndef RT_PROBE_H
#define RT_PROBE_H

#include <jansson.h>

#include "harness/testlib.h"

/* Probe the target of CFG, using WORKDIR for a throw-away sandbox (builtin
 * starts the engine once). Never fails: what could not be learnt is null and
 * explained in "errors". */
json_t *rt_probe_target(const struct rt_run_config *cfg, const char *workdir);
const char *rt_target_name(enum rt_target_kind k);

#endif
