/* Run a helper program to completion, capturing its output: posix_spawn in
 * its own process group, stdin fed from memory, stdout (and stderr) read to
 * EOF under a deadline. Used for the shim's `start`/`delete` actions by the
 * engine (engine/shims_launch.c) and by the bench's shim floor. */
#ifndef RT_PROCRUN_H
#define RT_PROCRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rt_procrun {
    const char *path;    /* absolute binary */
    char *const *argv;
    char *const *envp;
    const char *dir;     /* working directory */
    const uint8_t *in;   /* stdin bytes (small: under the pipe buffer); NULL: /dev/null */
    size_t in_len;
    bool merge_stderr;   /* stderr into the stdout buffer */
    bool keep_stderr;    /* else: stderr into its own buffer (or /dev/null) */
    long timeout_ms;
};

enum { RT_PROCRUN_SPAWN_FAILED = -1, RT_PROCRUN_TIMED_OUT = -2 };

/* 0 when the program ran: *STATUS is its exit status (128 + signal).
 * RT_PROCRUN_SPAWN_FAILED with errno when it could not be started (no
 * buffers). RT_PROCRUN_TIMED_OUT when the deadline passed first: its process
 * group was SIGKILLed and it was reaped. On 0 and TIMED_OUT, *OUT (and *ERR
 * with keep_stderr) hold what came, NUL-terminated (NULL on out of memory);
 * the caller frees them. The child gets an empty signal mask, SIGPIPE at its
 * default and no fd but 0-2. */
int rt_procrun(const struct rt_procrun *r, char **out, size_t *out_len, char **err, size_t *err_len, int *status);

#endif
