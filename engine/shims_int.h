/* Inside the shim manager: what the events server and the drain loop need. */
#ifndef RT_SHIMS_INT_H
#define RT_SHIMS_INT_H

#include <stdint.h>

struct rt_bundle;

/* TaskExit for the init process of container ID (events server thread). */
void rt_shims_task_exited(const char *id, uint32_t exit_status);

/* The events Forward server (taskevents.c) on PATH. 0 or -1. */
int rt_taskevents_start(const char *path);
void rt_taskevents_stop(void);

/* Drain the bundle's log FIFO (to our log) and the container's stdout and
 * stderr FIFOs (to JSONLOG, json-file lines) on a thread (shims_drain.c). */
struct rt_drain;
struct rt_drain *rt_drain_start(const char *id, struct rt_bundle *b, const char *jsonlog);
/* Read what is left, stop the thread, free. */
void rt_drain_stop(struct rt_drain *d);

/* Run FN with the live task of container ID's shim connection and bundle
 * directory (execs, shims_exec.c); the task is not freed meanwhile. Returns
 * FN's result, or 1 when ID has no live task. */
struct rt_ttrpc_client;
int rt_shims_with_task(const char *id, int (*fn)(struct rt_ttrpc_client *cl, const char *bundle, void *arg),
                       void *arg);

#endif
