/* Container and exec events beyond create/start/die/destroy, in dockerd's
 * shapes: attributes image, name, the container's labels, plus extras. */
#ifndef RT_CTR_EVENTS_H
#define RT_CTR_EVENTS_H

#include <jansson.h>

/* Publish ACTION for container ID (looked up in the default store; nothing
 * when it is gone). EXTRA: more string attributes (stolen, may be NULL). */
void rt_ctr_event_id(const char *id, const char *action, json_t *extra);
/* `die` with exitCode and execDuration (whole seconds since StartedAt),
 * as dockerd's handleContainerExit. */
void rt_ctr_die_event(const char *id, int exit_code);
/* `kill` with signal=<number> (every signal sent: kill, stop, rm -f). */
void rt_ctr_kill_event(const char *id, int sig);

#endif
