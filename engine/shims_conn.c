/* How the engine talks to a shim process, apart from what it says: the
 * time limit of every call and action, the dial that learns the shim's pid,
 * and the last resort against a shim that outlives its teardown. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "engine/shims_int.h"
#include "log.h"
#include "ttrpc.h"

/* Hidden knob for tests (a hung shim must fail fast there): an upper bound
 * on every engine->shim time limit, in ms. Unset or <= 0: the nominal ones. */
#define TIMEOUT_ENV "RTENGINED_SHIM_TIMEOUT_MS"

long rt_shim_timeout_ms(long nominal_ms)
{
    const char *e = getenv(TIMEOUT_ENV);
    long cap = e && *e ? strtol(e, NULL, 10) : 0;
    return cap > 0 && cap < nominal_ms ? cap : nominal_ms;
}

struct rt_ttrpc_client *rt_shim_dial(const char *addr, pid_t *peer, char *err, size_t errlen)
{
    *peer = 0;
    const char *path = rt_ttrpc_sockpath(addr);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "dial unix %s: socket path too long", path);
        return NULL;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        snprintf(err, errlen, "dial unix %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    struct ucred cr;
    socklen_t crl = sizeof cr;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0) *peer = cr.pid;
    struct rt_ttrpc_client *c = rt_ttrpc_client_new(fd);
    if (!c) {
        snprintf(err, errlen, "ttrpc: cannot start client");
        close(fd);
    }
    return c;
}

/* Is PID alive and still running SHIM (not a zombie, not a reused pid)? */
static bool is_shim(pid_t pid, const char *shim)
{
    char p[64], exe[PATH_MAX], want[PATH_MAX];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (!f) return false;
    char line[512] = "";
    bool zombie = fgets(line, sizeof line, f) && strstr(line, ") Z ");
    fclose(f);
    if (zombie) return false;
    snprintf(p, sizeof p, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(p, exe, sizeof exe - 1);
    if (n < 0) return errno == EACCES; /* someone else's: cannot tell, assume so */
    exe[n] = 0;
    if (!realpath(shim, want)) return false;
    return !strcmp(exe, want);
}

bool rt_shim_reap(pid_t pid, const char *shim, long ms)
{
    if (pid <= 0 || pid == getpid()) return false;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (!is_shim(pid, shim)) return false;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >= ms) break;
        struct timespec poll = {0, 10 * 1000 * 1000}; /* no event for another process's exit */
        nanosleep(&poll, NULL);
    }
    rt_warn("shim pid %d outlived its teardown: SIGKILL", (int)pid);
    kill(pid, SIGKILL);
    return true;
}
