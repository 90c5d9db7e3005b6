/* Helpers of the start and shims suites: run a container on a runtime and
 * read the call journal of the fake shims. */
#ifndef RT_SUITES_LIFECYCLE_COMMON_H
#define RT_SUITES_LIFECYCLE_COMMON_H

#include <jansson.h>

#include "harness/client.h"

/* Engine up, tiny image imported; SKIP without the fake shims. */
void rt_lc_setup(void);
/* Create a container running `/bin/sh -c SCRIPT` on RUNTIME (NULL = the
 * default) with ANNOTATIONS (JSON object text or NULL). Returns the id. */
char *rt_lc_create(const char *runtime, const char *script, const char *annotations);
/* Create and start such a container (no annotations; SKIP without the
 * fake shims). Returns the id. */
char *rt_lc_run(const char *runtime, const char *script);
/* Same with HostConfig HC (stolen). */
char *rt_lc_create_hc(const char *script, json_t *hc);
/* POST /containers/{id}/wait: the StatusCode (asserts 200). */
int rt_lc_wait(const char *id);
/* Journal entries of COMPONENT/METHOD for container ID (new array). */
json_t *rt_lc_journal(const char *component, const char *method, const char *id);
/* The one shim `start` journal entry of container ID (asserts exactly one;
 * caller json_decref()s). */
json_t *rt_lc_shim_start(const char *id);
/* Base name of a path (the shim binary a journal entry names). */
const char *rt_lc_basename(const char *path);
/* Container ID is still created, with State.ExitCode EXIT_CODE and
 * State.Error ERROR (a failed start's record). */
void rt_lc_assert_created(const char *id, int exit_code, const char *error);
/* Spec §2.3: starting a container on pass-through RUNTIME whose shim BINARY
 * is missing answers 500 with containerd's exact text; the container stays
 * created with ExitCode 128 and State.Error = that text. */
void rt_lc_assert_missing_shim(const char *runtime, const char *binary);
/* GET /exec/{EID}/json once the exec has ended (its exec_die event, scaled
 * deadline); asserts Running false and an ExitCode; that view. */
json_t *rt_lc_exec_finished(const char *eid);

#endif
