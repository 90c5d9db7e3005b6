#include "engine/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/api/http.h"
#include "engine/attach.h"
#include "engine/containers_rt.h"
#include "engine/events.h"
#include "engine/shims.h"
#include "engine/reload.h"
#include "engine/reload_pace.h"
#include "engine/runtimes.h"
#include "engine/runtimes_startup.h"
#include "engine/snapshot.h"
#include "fsutil.h"
#include "log.h"
#include "naming.h"

static void fatal_msg(const char *msg)
{
    fprintf(stderr, "failed to start daemon: %s\n", msg);
}

static int make_dir(const char *path, mode_t mode)
{
    if (rt_mkdir_p(path, mode) < 0) {
        char msg[1024];
        snprintf(msg, sizeof msg, "mkdir %s: %s", path, rt_strerror(errno));
        fatal_msg(msg);
        return -1;
    }
    /* Probe writability now rather than failing on the first state write. */
    if (access(path, W_OK | X_OK) < 0) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s is not writable: %s", path, rt_strerror(errno));
        fatal_msg(msg);
        return -1;
    }
    return 0;
}

/* dockerd refuses to start when the pidfile names a live process. */
static int write_pidfile(const char *path)
{
    char *old = rt_read_file(path, 64, NULL);
    if (old) {
        long pid = strtol(old, NULL, 10);
        free(old);
        if (pid > 0 && pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
            char msg[1024];
            snprintf(msg, sizeof msg, "pid file found, ensure rtengined is not running or delete %s", path);
            fatal_msg(msg);
            return -1;
        }
    }
    char buf[32], err[1024];
    int n = snprintf(buf, sizeof buf, "%d", (int)getpid());
    /* No fsync: a pidfile means nothing after a reboot. */
    if (rt_atomic_write_flags(path, buf, (size_t)n, 0644, RT_AW_NO_SYNC, err, sizeof err) < 0) {
        fatal_msg(err);
        return -1;
    }
    return 0;
}

static bool id_valid(const char *id)
{
    /* ours: 64 hex digits; dockerd's: a UUID */
    size_t n = id ? strlen(id) : 0;
    return n && n <= 64 &&
           strspn(id, "0123456789abcdefABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz-") == n;
}

/* A startup step after the first snapshot failed: the runtimes' features
 * probes it started in the background are killed and reaped (the engine
 * exits next, and a probe must not outlive it), the pidfile goes. */
static int start_failed(struct rt_engine *e, const char *msg)
{
    fatal_msg(msg);
    rt_runtimes_probe_cancel();
    if (e->opts.pidfile) unlink(e->opts.pidfile);
    return -1;
}

/* A stable id kept under data-root (dockerd keeps engine-id). Written
 * without fsync (on the first start, the measured ready path): a file a
 * power loss left empty or garbled is not an id and is replaced, so the
 * worst case is a new id, never a broken one. */
static int load_engine_id(struct rt_engine *e)
{
    char *path = rt_path_join(e->opts.data_root, "engine-id");
    char *id = rt_read_file(path, 128, NULL);
    if (id) id[strcspn(id, "\n")] = '\0';
    if (!id_valid(id)) {
        free(id);
        id = NULL;
    }
    if (id) {
        snprintf(e->id, sizeof e->id, "%s", id);
        e->id[strcspn(e->id, "\n")] = '\0';
        free(id);
    } else {
        /* 32 random bytes in hex: the same shape as before (a SHA-256 of
         * random bytes) without initialising OpenSSL on the ready path. */
        unsigned char rnd[32];
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
            FILE *f = fopen("/dev/urandom", "rb");
            if (!f || fread(rnd, 1, sizeof rnd, f) != sizeof rnd) memset(rnd, 0x5a, sizeof rnd);
            if (f) fclose(f);
        }
        for (size_t i = 0; i < sizeof rnd; i++) snprintf(e->id + 2 * i, 3, "%02x", rnd[i]);
        char err[1024];
        if (rt_atomic_write_flags(path, e->id, strlen(e->id), 0600, RT_AW_NO_SYNC, err, sizeof err) < 0) {
            fatal_msg(err);
            free(path);
            return -1;
        }
    }
    free(path);
    return 0;
}

int rt_daemon_init(struct rt_engine *e)
{
    clock_gettime(CLOCK_REALTIME, &e->started);
    gethostname(e->hostname, sizeof e->hostname - 1);
    umask(022);
    /* Flags + daemon.json first, as dockerd: a bad config touches nothing. */
    struct rt_config cfg;
    if (rt_startup_load_config(&e->opts, &cfg) < 0) return -1;
    if (rt_cfg_debug(&cfg, e->opts.debug)) rt_log_set_level(RT_LOG_DEBUG);
    if (make_dir(e->opts.data_root, 0710) < 0 || (chmod(e->opts.data_root, 0710), 0) ||
        make_dir(e->opts.exec_root, 0700) < 0 || load_engine_id(e) < 0 ||
        (e->opts.pidfile && write_pidfile(e->opts.pidfile) < 0)) {
        rt_config_free(&cfg);
        return -1;
    }
    /* Wipe <data-root>/runtimes, build and publish the first snapshot. */
    struct rt_runtime_set *set = rt_startup_build_runtimes(&e->opts, &cfg, e->opts.data_root);
    if (!set) {
        rt_config_free(&cfg);
        if (e->opts.pidfile) unlink(e->opts.pidfile);
        return -1;
    }
    if (!e->snaps) e->snaps = rt_snapstore_new();
    rt_snapshot_publish(e->snaps, &cfg, set);

    /* 1024 recent events for `since`; a subscriber more than 4096 events
     * behind is dropped. */
    e->events = rt_events_new(1024, 4096);
    /* Shim manager: the events server must serve before restore starts
     * containers (shims.h). */
    if (rt_shims_init(e) < 0) return start_failed(e, "cannot start the shim events server under the exec-root");
    /* Image + container stores, restore and restart policies (containers_rt.h). */
    if (rt_engine_state_init(e) < 0)
        return start_failed(e, "cannot open the image or container store under the data-root");
    char err[1024];
    e->http = rt_http_start(e, e->opts.socket_path, e->opts.group, err, sizeof err);
    if (!e->http) return start_failed(e, err);
    rt_info("API listen on %s", e->opts.socket_path);
    return 0;
}

static long long clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Hold a paced reload for NS while still answering SIGTERM/SIGINT: that
 * signal, or 0 once the time is up. */
static int hold(long long ns)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    long long until = clock_ns(CLOCK_MONOTONIC) + ns;
    for (;;) {
        long long left = until - clock_ns(CLOCK_MONOTONIC);
        if (left <= 0) return 0;
        struct timespec ts = {(time_t)(left / 1000000000LL), (long)(left % 1000000000LL)};
        int sig = sigtimedwait(&stop, NULL, &ts);
        if (sig > 0) return sig;
        if (errno != EINTR && errno != EAGAIN) return 0;
    }
}

/* Back-to-back reloads may use 10% of one core, after a burst of 50 ms of
 * CPU (a few hundred cheap reloads, or a few with 1000 runtimes): see
 * reload_pace.c for the measurement behind it. */
#define RELOAD_DUTY 0.1
#define RELOAD_BURST_NS (50 * 1000000LL)

int rt_daemon_run(struct rt_engine *e)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    struct rt_reload_pace pace;
    rt_reload_pace_init(&pace, RELOAD_DUTY, RELOAD_BURST_NS, clock_ns(CLOCK_MONOTONIC));
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) != 0) continue;
        if (sig == SIGHUP) {
            long long wait_ns = rt_reload_pace_delay(&pace, clock_ns(CLOCK_MONOTONIC));
            if (wait_ns > 0 && (sig = hold(wait_ns)) != 0) goto stop;
            long long cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
            rt_engine_reload(e, NULL, 0); /* logs its own outcome */
            rt_reload_pace_charge(&pace, clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0, clock_ns(CLOCK_MONOTONIC));
            continue;
        }
    stop:
        rt_info("Processing signal '%s'", sig == SIGTERM ? "terminated" : "interrupt");
        return 0;
    }
}

void rt_daemon_shutdown(struct rt_engine *e)
{
    rt_runtimes_probe_cancel(); /* the set's teardown joins its probe thread */
    /* End /events streams first: MHD's stop waits for connection threads. */
    if (e->events) rt_events_shutdown(e->events);
    rt_shims_release_api_waits(); /* blocked POST /wait calls, likewise */
    rt_attach_shutdown();         /* attach and exec streams, likewise */
    rt_http_stop(e->http);
    e->http = NULL;
    /* Without live-restore, running containers stop with the engine. */
    struct rt_snapshot *snap = e->snaps ? rt_snapshot_get(e->snaps) : NULL;
    rt_shims_shutdown(snap && snap->cfg.live_restore);
    if (snap) rt_snapshot_put(snap);
    rt_events_free(e->events);
    e->events = NULL;
    rt_snapstore_free(e->snaps); /* no reader is left once the server stopped */
    rt_reload_forget();
    e->snaps = NULL;
    if (e->opts.pidfile) unlink(e->opts.pidfile);
    rt_info("Daemon shutdown complete");
}
