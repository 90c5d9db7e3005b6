/* SIGHUP reload (engine spec §4.1): re-read the config file, apply it to a
 * copy of the live config, rebuild the runtime set with the full §1.5 rules,
 * then publish the new snapshot and emit the `daemon reload` event, or keep
 * everything as it was. */
#ifndef RT_RELOAD_H
#define RT_RELOAD_H

#include <jansson.h>
#include <stddef.h>

#include "engine/engine.h"

/* One reload, serialized with any other (one builder at a time; readers are
 * never blocked). Logs as dockerd does: file and flag-conflict errors bare
 * ("unable to configure the Docker daemon with file <cfg>: ..."), errors
 * applying the config as "Error reconfiguring the daemon: <msg>". Returns 0
 * when the new snapshot was published; -1 with the message (without that
 * prefix) in ERR (may be NULL). Callable from any thread (tests and
 * benchmarks trigger reloads in-process with it). */
int rt_engine_reload(struct rt_engine *e, char *err, size_t errlen);

/* Drop what the last reload remembered of its file (shutdown, tests). */
void rt_reload_forget(void);

/* The `daemon reload` event attributes for a published snapshot (object of
 * strings): default-runtime, runtimes, debug, live-restore, name. */
struct rt_snapshot;
json_t *rt_reload_event_attrs(const struct rt_engine *e, const struct rt_snapshot *s);

#endif
