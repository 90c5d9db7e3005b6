/* Startup and --validate use of the config and runtime set (engine spec
 * §1.2, §1.5 "when the rules fire", §3.1 cleanup). Each prints its own
 * user-facing error line on stderr. */
#ifndef RT_RUNTIMES_STARTUP_H
#define RT_RUNTIMES_STARTUP_H

#include "engine/config.h"
#include "engine/options.h"
#include "engine/runtimes.h"

/* Flags + daemon.json, merged. On failure prints the flag error block or
 * "unable to configure the Docker daemon with file <cfg>: <msg>"; -1. */
int rt_startup_load_config(const struct rt_engine_opts *opts, struct rt_config *cfg);

/* Wipe <data-root>/runtimes, build the set, resolve the default (the
 * plugin-manager check). On failure prints "failed to start daemon: <msg>"
 * and returns NULL. */
struct rt_runtime_set *rt_startup_build_runtimes(const struct rt_engine_opts *opts, const struct rt_config *cfg,
                                                 const char *data_root);

/* --validate: the whole load/merge/build, wrappers into a temporary
 * data-root that is removed afterwards. Prints "configuration OK" and
 * returns 0, or prints the error and returns -1. */
int rt_startup_validate(const struct rt_engine_opts *opts);

#endif
