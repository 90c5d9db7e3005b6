/* Engine lifecycle: directories, pidfile, engine id, API server, signals. */
#ifndef RT_DAEMON_H
#define RT_DAEMON_H

#include "engine/engine.h"

/* Prepare everything before serving. On failure prints
 * "failed to start daemon: <msg>" and returns -1. */
int rt_daemon_init(struct rt_engine *engine);
/* Block in the signal loop until SIGTERM/SIGINT; SIGHUP -> reload hook. */
int rt_daemon_run(struct rt_engine *engine);
/* Stop serving, remove socket and pidfile. */
void rt_daemon_shutdown(struct rt_engine *engine);

#endif
