/* Reload the engine under test and wait for the outcome, never sleeping:
 * success is the `daemon reload` event on GET /events, failure is the
 * engine's error log line: "Error reconfiguring the daemon: <msg>" or, for
 * file and flag-conflict errors, "unable to configure the Docker daemon
 * with file <cfg>: <msg>" (engine spec §4.1 steps 2 and 6). */
#ifndef RT_RELOAD_WAIT_H
#define RT_RELOAD_WAIT_H

#include <jansson.h>
#include <stddef.h>

/* Write DAEMON_JSON_TEXT as the sandbox's daemon.json (NULL: leave the file
 * as it is), send SIGHUP to the engine and wait (scaled deadline).
 * Returns 0 when the reload event arrived (*EVENT = its JSON when EVENT is
 * non-NULL; caller json_decref()s), 1 when the engine logged a reload error
 * (its message, without "Error reconfiguring the daemon: ", in ERR), -1 when
 * neither happened before the deadline or the stream failed (reason in
 * ERR). The event stream is opened with since=<time before the signal> and
 * filters type=daemon, event=reload, so it cannot miss the event however
 * late the subscription reaches the engine. */
int rt_reload_wait(const char *daemon_json_text, char *err, size_t errlen, json_t **event);

/* Same, ERROR outcome for the test unless the reload succeeded. */
json_t *rt_reload_ok(const char *daemon_json_text);

#endif
