/* Helpers of the race suite (reload vs container start, engine spec §3.1,
 * §4.2, A.5): the wrapper-directory watch, journal views, the shim's
 * barrier failpoint and thread-safe API calls. Nothing here calls Check's
 * asserts: the helpers run in worker threads too and return messages. */
#ifndef RT_SUITES_RACE_COMMON_H
#define RT_SUITES_RACE_COMMON_H

#include <jansson.h>
#include <stdbool.h>

#include "harness/client.h"

/* Every runtimeArgs value the race suite configures starts with this, so
 * the wrapper's arguments can be told from the shim's own in fakerunc's
 * recorded global flags (fakerunc accepts and records unknown flags). */
#define RT_RACE_ARG_PREFIX "--rtrace-"

/* {file name: content} of <data-root>/runtimes, skipping dot files (the
 * engine's temporary files while it writes). NULL if the dir is missing. */
json_t *rt_race_wrappers(void);
/* Spec §3.1 lifetime: every wrapper in SEEN still exists with identical
 * content; entries new on disk are added to SEEN. NULL when all is well,
 * else a malloc'd message naming the first vanished/changed wrapper. */
char *rt_race_check_wrappers(json_t *seen);

/* Wrapper content as spec §3.1 writes it for PATH and ARGS (plain words
 * only, so every engine writes these bytes). Malloc'd. */
char *rt_race_content(const char *path, const char *const *args, size_t nargs);

/* The RT_RACE_ARG_PREFIX words of a fakerunc journal entry's global flags,
 * joined by single spaces ("" when none). Malloc'd. */
char *rt_race_runc_args(const json_t *entry);

/* One API call from any thread: 0 with OUT filled, -1 on transport failure
 * (OUT->error says why). Scaled 30 s deadline. */
int rt_race_api(const char *method, const char *path, const char *body, struct rt_http_resp *out);
/* The "message" of an error body, or the body, or "". */
const char *rt_race_msg(const struct rt_http_resp *r);

/* POST /containers/create for `/bin/sh -c SCRIPT` on RUNTIME (NULL or "":
 * no Runtime key) with optional ANNOTATIONS (a JSON object, borrowed). */
int rt_race_create(const char *runtime, const char *script, json_t *annotations, struct rt_http_resp *out);

/* Exec of /bin/true into a running container, detached. 1 done, 0 the
 * engine has no exec route (404 "page not found"), -1 failure (MSG). */
int rt_race_exec(const char *id, char *msg, size_t msglen);

/* A FIFO for the barrier(<fifo>) failpoint in the sandbox (malloc'd path). */
char *rt_race_fifo(const char *name);
/* Wait until a reader (the shim at the barrier) has FIFO open, polling
 * with a scaled deadline, or until *GAVE_UP becomes true (the request
 * that should block returned instead). Returns the write end, or -1. */
int rt_race_barrier_reached(const char *fifo, const volatile int *gave_up);
/* Let the reader go: one byte, then close. */
void rt_race_barrier_release(int fd);

/* Is the engine under test still running? false + MSG when it exited (it is
 * reaped then, and rt_t.engine_pid cleared). Always true when the harness
 * did not start it. */
bool rt_race_engine_alive(char *msg, size_t msglen);

#endif
