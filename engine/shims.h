/* The shim manager: runtime name -> shim binary (shim spec §1), the shim's
 * `start`/`delete` actions (§2.2, §2.5), the task calls over ttrpc (§4), the
 * events Forward server (§6), and the container operations built on them
 * (start hook, stop, kill, wait). One live shim connection per running
 * container; a stop/kill/exec uses the connection made at start (lock-in,
 * engine spec §5.1). */
#ifndef RT_SHIMS_H
#define RT_SHIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/errdefs.h"
#include "engine/runtimes.h"

struct rt_engine;
struct rt_ctr_store;

/* The namespace every shim is started in. */
#define RT_SHIM_NAMESPACE "rtengined"

/* ---- names (shims_name.c) ----------------------------------------------- */
/* containerd-shim-<P[n-2]>-<P[n-1]>, or NULL when NAME has fewer than two
 * dot-separated parts (malloc'd). */
char *rt_shim_binary_name(const char *name);

/* Resolve NAME to an absolute executable: an absolute path as is (must
 * exist); else the binary name in DIRS (in order), then $PATH. On failure
 * returns NULL with *ERRMSG = containerd's text after "failed to resolve
 * runtime path: " (malloc'd). */
char *rt_shim_resolve_path(const char *name, char *const *dirs, size_t ndirs, char **errmsg);

/* ---- options (shims_options.c) -------------------------------------------- */
/* The runtime options of R as a serialized google.protobuf.Any
 * (containerd.runc.v1.Options or runtimeoptions.v1.Options). *LEN = 0 and
 * *BUF = NULL when R has none. 0 or -1 (ENOMEM). */
int rt_shim_options_any(const struct rt_resolved *r, uint8_t **buf, size_t *len);

/* ---- actions (shims_launch.c) ---------------------------------------------- */
struct rt_shim_launch {
    const char *shim;          /* absolute binary */
    const char *id, *bundle;
    const char *address;       /* -address */
    const char *publish;       /* -publish-binary */
    const char *ttrpc_address; /* TTRPC_ADDRESS */
    const uint8_t *opts;       /* start stdin (NULL -> /dev/null) */
    size_t opts_len;
};
/* Run `start`: 0 with *ADDR (malloc'd, trimmed, no unix://) or -1 with
 * *ERRMSG = "start failed: <output>: exit status N" (or the exec failure). */
int rt_shim_action_start(const struct rt_shim_launch *l, char **addr, char **errmsg);
/* Run `delete`: its stdout decoded as DeleteResponse. 0 or -1. */
int rt_shim_action_delete(const struct rt_shim_launch *l, uint32_t *exit_status);

/* ---- the manager (shims.c) ----------------------------------------------------- */
/* Start the events server on <exec-root>/containerd-events.sock and plug
 * the start hook into the containers module. 0 or -1 (logged). */
int rt_shims_init(struct rt_engine *e);
/* Engine shutdown: unless LIVE_RESTORE, kill every running task and wait
 * for it; then stop the events server. */
void rt_shims_shutdown(bool live_restore);

/* Signal the running task of container ID. 409 when it is not running. */
int rt_shims_kill(struct rt_ctr_store *s, const char *ref, int sig, struct rt_err *err);
/* Stop: SIG (0 = the container's StopSignal or SIGTERM), wait TIMEOUT s
 * (< 0 = the container's StopTimeout or 10), SIGKILL, wait. 304 when not
 * running. */
int rt_shims_stop(struct rt_ctr_store *s, const char *ref, int timeout, struct rt_err *err);
enum rt_wait_cond { RT_WAIT_NOT_RUNNING, RT_WAIT_NEXT_EXIT, RT_WAIT_REMOVED };
/* A wait in two halves, so the API can register the waiter (and answer
 * 404 or send its headers) before blocking: BEGIN never blocks and records
 * the exit count; FINISH blocks until the condition holds. */
struct rt_wait_ticket {
    char id[65];
    enum rt_wait_cond cond;
    unsigned long seq0;
    int exit_code;
    bool done;
};
int rt_shims_wait_begin(struct rt_ctr_store *s, const char *ref, enum rt_wait_cond cond,
                        struct rt_wait_ticket *t, struct rt_err *err);
void rt_shims_wait_finish(struct rt_wait_ticket *t);
/* Engine shutdown: let every blocked API wait return now. */
void rt_shims_release_api_waits(void);
/* Block until the condition holds; *EXIT_CODE = the exit code. */
int rt_shims_wait(struct rt_ctr_store *s, const char *ref, enum rt_wait_cond cond, int *exit_code,
                  struct rt_err *err);
/* Startup, for a container recorded as running: with live-restore,
 * reconnect to its shim through the bundle's address file (Connect,
 * State) and return 1 if the task still runs; otherwise (or without
 * live-restore) kill and clean the task up (Delete, Shutdown, `delete`
 * action) and return 0 with *EXIT_CODE (255 when none can be had). */
int rt_shims_restore_task(const char *id, int *exit_code);
/* Startup, after restore: clean up every task bundle no restored
 * container owns (an engine killed mid-start leaves them). */
void rt_shims_cleanup_orphans(void);
/* Parse "SIGTERM", "TERM", "15". -1 if unknown. */
int rt_signal_parse(const char *s);

#endif
