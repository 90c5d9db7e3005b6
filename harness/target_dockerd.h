/* The dockerd target inside a test process: the sandbox's private
 * containerd + dockerd pair (harness/dockerd_pair.h) behind the engine
 * control calls of harness/testlib.h. */
#ifndef RT_TARGET_DOCKERD_H
#define RT_TARGET_DOCKERD_H

#include <stddef.h>

/* The pair for this test, laid out on first use: sandbox paths, journal in
 * the environment of both daemons (so shims and runc inherit it). Points
 * rt_t.sb->exec_root/socket at the short paths dockerd really uses.
 * START_CONTAINERD: also make sure containerd runs. ERROR outcome on failure. */
struct rt_dockerd_pair *rt_tdockerd_pair(int start_containerd);
/* rt_engine_start for this target: 0 ready, >0 dockerd's exit status. */
int rt_tdockerd_start(const char *const *extra);
/* Stop dockerd (SIGTERM, deadline, SIGKILL); exit status or -1. */
int rt_tdockerd_stop(void);
/* End of test: stop dockerd and containerd, unmount leftovers; a mount
 * the test left is a FAIL (ck_assert). */
void rt_tdockerd_teardown(void);
/* argv and environment of the dockerd command line (one-shot runs). */
size_t rt_tdockerd_argv(const char **argv, size_t max, const char *const *extra);
char **rt_tdockerd_env(void);

#endif
