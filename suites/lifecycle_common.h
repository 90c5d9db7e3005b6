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
/* POST /containers/{id}/wait: the StatusCode (asserts 200). */
int rt_lc_wait(const char *id);
/* Journal entries of COMPONENT/METHOD for container ID (new array). */
json_t *rt_lc_journal(const char *component, const char *method, const char *id);

#endif
