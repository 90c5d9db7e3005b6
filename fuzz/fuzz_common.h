/* Shared by the libFuzzer targets (fuzz/fuzz_*.c, mk/fuzz.mk).
 *
 * Fuzzed configs name arbitrary binaries (runtime paths, runtimeArgs) and the
 * engine probes them with posix_spawn; a fuzzer must never run them. The
 * definitions below take precedence over libc's in the fuzz executable, so
 * every spawn and exec fails with EPERM (the engine's failure paths run). */
#ifndef RT_FUZZ_COMMON_H
#define RT_FUZZ_COMMON_H

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
    (void)pid, (void)path, (void)fa, (void)at, (void)argv, (void)envp;
    return EPERM;
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
    (void)pid, (void)file, (void)fa, (void)at, (void)argv, (void)envp;
    return EPERM;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    (void)path, (void)argv, (void)envp;
    errno = EPERM;
    return -1;
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
    (void)file, (void)argv, (void)envp;
    errno = EPERM;
    return -1;
}

/* A private scratch directory for the whole run (tmpfs when there is one:
 * targets that write state do so on every input). Removed at exit. */
static char fuzz_dir[256];

static void fuzz_dir_cleanup(void)
{
    if (fuzz_dir[0]) rt_rm_rf(fuzz_dir);
}

static inline const char *fuzz_scratch(const char *name)
{
    if (fuzz_dir[0]) return fuzz_dir;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/rtfuzz-%s-XXXXXX", base, name);
    if (!mkdtemp(fuzz_dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(fuzz_dir_cleanup);
    return fuzz_dir;
}

/* NUL-terminated copy of the input (most parsers take C strings). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
