/* Exec instances: POST /containers/{id}/exec, POST /exec/{id}/start,
 * GET /exec/{id}/json. Execs run through the container's shim connection
 * (Exec + Start with the exec id, shim spec §4), so the runtime that was
 * locked in at start (wrapper and args included) runs them. Kept in memory,
 * as dockerd does. Events: exec_create, exec_start, exec_die. */
#ifndef RT_EXECS_H
#define RT_EXECS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/errdefs.h"

struct rt_ctr_store;
struct rt_attach_sub;

/* Validate BODY (ExecConfig) for container REF: 404 no container, 409 not
 * running / paused, 400 no command. OUT = the new exec id. */
int rt_exec_create(struct rt_ctr_store *s, const char *ref, const json_t *body, char out[65],
                   struct rt_err *err);
/* Start exec ID. Not DETACH: *SUB (subscribed before the process runs)
 * carries its output, framed unless it has a TTY; *TTY says which.
 * 404 unknown exec, 409 already started / container not running. */
int rt_exec_start(const char *id, bool detach, struct rt_attach_sub **sub, bool *tty, struct rt_err *err);
/* GET /exec/{id}/json, or NULL with 404. */
json_t *rt_exec_inspect(const char *id, struct rt_err *err);
/* TaskExit for exec EXEC_ID of container CTR_ID (events server thread). */
void rt_exec_exited(const char *ctr_id, const char *exec_id, uint32_t status);

/* ---- shim side (shims_exec.c) ---- */
/* Run exec EXEC_ID in CTR_ID's task: the bundle's init process spec with
 * PROC's members (args, env appended, cwd, terminal, user) on top; stdout/
 * stderr FIFOs <bundle>/<exec_id>-stdout|-stderr whose read ends go to
 * FDS (O_NONBLOCK). *PID on success; -1 with ERR (dockerd's message and
 * class: "OCI runtime exec failed: ..."). */
int rt_shim_exec_start(const char *ctr_id, const char *exec_id, const json_t *proc, int fds[2], uint32_t *pid,
                       struct rt_err *err);
/* Delete the finished exec's process in the shim (no event, spec §6.3). */
void rt_shim_exec_delete(const char *ctr_id, const char *exec_id);

#endif
