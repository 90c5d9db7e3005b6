/* How the engine talks to a shim process, apart from what it says: the
 * time limit of every call and action, the dial that learns the shim's pid,
 * and the last resort against a shim that outlives its teardown. */
#include <dirent.h>
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
#include "tmoscale.h"
#include "ttrpc.h"

/* Hidden knob for tests (a hung shim must fail fast there): an upper bound
 * on every engine->shim time limit, in ms. Unset or <= 0: the nominal ones. */
#define TIMEOUT_ENV "RTENGINED_SHIM_TIMEOUT_MS"

long rt_shim_timeout_ms(long nominal_ms)
{
    const char *e = getenv(TIMEOUT_ENV);
    long cap = e && *e ? strtol(e, NULL, 10) : 0;
    return rt_timeout_scaled_ms(cap > 0 && cap < nominal_ms ? cap : nominal_ms);
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

/* readlink of /proc/PID/NAME into OUT; false if unreadable. */
static bool proc_link(const char *pid, const char *name, char *out, size_t len)
{
    char p[300];
    snprintf(p, sizeof p, "/proc/%s/%s", pid, name);
    ssize_t n = readlink(p, out, len - 1);
    if (n < 0) return false;
    out[n] = 0;
    return true;
}

int rt_shim_kill_lingering(const char *shim, const char *bundle)
{
    char want_exe[PATH_MAX], want_cwd[PATH_MAX];
    if (!shim || !bundle || !realpath(shim, want_exe) || !realpath(bundle, want_cwd)) return 0;
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        char exe[PATH_MAX], cwd[PATH_MAX];
        if (!proc_link(e->d_name, "exe", exe, sizeof exe) || strcmp(exe, want_exe)) continue;
        if (!proc_link(e->d_name, "cwd", cwd, sizeof cwd) || strcmp(cwd, want_cwd)) continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid == getpid()) continue;
        rt_warn("shim pid %d of %s outlived its teardown: SIGKILL", (int)pid, bundle);
        kill(pid, SIGKILL);
        n++;
    }
    closedir(d);
    return n;
}
