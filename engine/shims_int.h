/* Inside the shim manager: what the events server and the drain loop need. */
#ifndef RT_SHIMS_INT_H
#define RT_SHIMS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct rt_bundle;
struct rt_ttrpc_client;

/* ---- connection policy (shims_conn.c) ----
 * Time limit of an engine->shim call or action whose nominal limit is
 * NOMINAL_MS: that, or the hidden test cap RTENGINED_SHIM_TIMEOUT_MS when
 * smaller; either times RTENGINED_TIMEOUT_MULT (tmoscale.h). A call that runs out fails with "<Method>: no reply from the shim
 * within <ms> ms: context deadline exceeded". */
long rt_shim_timeout_ms(long nominal_ms);
/* Nominal limits (containerd's where it has one, shim spec §2.7). */
#define RT_SHIM_TMO_CALL 30000L     /* Create, Start, Delete, Kill, Wait-less calls */
#define RT_SHIM_TMO_STATE 2000L
#define RT_SHIM_TMO_SHUTDOWN 3000L
#define RT_SHIM_TMO_CONNECT 5000L   /* Connect at reattach */
#define RT_SHIM_TMO_START 30000L    /* the `start` action */
#define RT_SHIM_TMO_CLEANUP 5000L   /* the `delete` action */
/* Dial ADDR; *PEER = the shim daemon's pid from SO_PEERCRED (0 if unknown). */
struct rt_ttrpc_client *rt_shim_dial(const char *addr, pid_t *peer, char *err, size_t errlen);
/* A shim daemon that did not exit at its teardown (no EOF after Shutdown,
 * or never asked): SIGKILL every process running SHIM with cwd BUNDLE (the
 * daemon's pid is not known: SO_PEERCRED names the `start` action that
 * listened). Returns how many. */
int rt_shim_kill_lingering(const char *shim, const char *bundle);

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
