/* Run the engine under test once as a foreground command (e.g. with
 * `--validate`) and collect what it prints; for invocations that exit
 * rather than serve, which rt_engine_start() cannot express. */
#ifndef RT_ENGINE_RUN_H
#define RT_ENGINE_RUN_H

/* Run rt_t.run->engine with the sandbox's standard flags (data-root,
 * exec-root, socket, pidfile, config file; shim path for the builtin target)
 * plus EXTRA_ARGS (NULL-terminated, may be NULL), stdin from /dev/null,
 * under a scaled deadline. *OUTPUT receives stdout and stderr interleaved
 * (malloc'd, NUL-terminated). Returns the exit status (128+signal when
 * killed). ERROR outcome when the engine cannot be run or overruns. */
int rt_engine_run_once(const char *const *extra_args, char **output);

#endif
