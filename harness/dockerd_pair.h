/* A private containerd + dockerd pair: containerd with its own root, state,
 * sockets and config (CRI plugin disabled; nothing under the host's
 * /var/lib/containerd or /run/containerd except the shims' own sockets),
 * and a dockerd with its own data-root, exec-root, API socket and pidfile,
 * no host network changes. Both see a scrubbed environment whose PATH
 * starts with the shim dir, so `io.containerd.<name>.v2` runtimes resolve
 * to the binaries there (containerd passes its environment on to shims).
 *
 * Used by the harness's dockerd target (one pair per test sandbox) and by
 * the benchmarks. containerd and dockerd can be started and stopped
 * separately: a dockerd restart keeps its containerd, as on a real host.
 * Processes are stopped by pid only (SIGTERM, deadline, SIGKILL). */
#ifndef RT_DOCKERD_PAIR_H
#define RT_DOCKERD_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct rt_dockerd_opts {
    const char *dir;            /* state directory (any length); created if missing */
    const char *dockerd;        /* dockerd binary */
    const char *containerd;     /* containerd binary; NULL: /usr/bin/containerd */
    const char *shim_dir;       /* first on PATH of both daemons (NULL: none) */
    /* Extra environment (NAME=VALUE, NULL-terminated, may be NULL) for both
     * daemons, hence the shims and runc: e.g. RTCONFORM_JOURNAL. */
    const char *const *env;
    /* Extra dockerd arguments (NULL-terminated, may be NULL), after the
     * isolation flags below. */
    const char *const *dockerd_args;
    /* Paths dockerd uses; NULL: <dir>/data, <dir>/exec, <short dir>/d.sock,
     * <dir>/dockerd.pid, <dir>/daemon.json (written as "{}" if missing). */
    const char *data_root, *exec_root, *api_socket, *pidfile, *config_file;
    /* Where each daemon's stdout+stderr go (appended); NULL:
     * <dir>/dockerd.log and <dir>/containerd.log. */
    const char *dockerd_log, *containerd_log;
    long ready_timeout_ms;      /* per daemon; 0: 20000 */
    bool own_process_group;     /* put each daemon in a new process group */
};

struct rt_dockerd_pair {
    pid_t containerd_pid;       /* 0 when not running */
    pid_t dockerd_pid;          /* 0 when not running */
    char *dir;
    char *sockdir;              /* short directory for unix sockets (< 108 bytes) */
    char *containerd_socket;    /* <sockdir>/c.sock (ttrpc: c.sock.ttrpc) */
    char *containerd_root, *containerd_state, *containerd_config;
    char *api_socket;           /* dockerd's API socket */
    char *data_root, *exec_root, *pidfile, *config_file;
    char *dockerd_log, *containerd_log;
    /* what start was given (copied), reused by a restart of dockerd */
    struct rt_dockerd_opts opts;
    char **env;                 /* the environment both daemons get */
};

/* Lay out the pair's paths from OPTS (no process is started). 0, or -1 with
 * a message. Call rt_dockerd_pair_free() when done, even after failure. */
int rt_dockerd_pair_init(struct rt_dockerd_pair *p, const struct rt_dockerd_opts *opts, char *err, size_t errlen);

/* Start containerd and wait until its socket answers (connect; deadline).
 * 0, or -1 with a message (its log tail included). */
int rt_containerd_start(struct rt_dockerd_pair *p, char *err, size_t errlen);

/* Start dockerd (containerd must be running) with EXTRA args appended to
 * opts.dockerd_args (NULL-terminated, may be NULL) and wait for /_ping.
 * 0 when ready; >0 when dockerd exited first (its exit status, or 128+sig;
 * its log holds why); -1 on a harness or timeout error (message in ERR,
 * dockerd killed). */
int rt_dockerd_start(struct rt_dockerd_pair *p, const char *const *extra, char *err, size_t errlen);

/* The dockerd command line start uses (opts + EXTRA) into ARGV (MAX slots,
 * NULL-terminated), for one-shot runs such as `--validate`. Strings stay
 * owned by P (valid until the next call). Returns argc. */
size_t rt_dockerd_argv(struct rt_dockerd_pair *p, const char **argv, size_t max, const char *const *extra);

/* SIGTERM dockerd, wait up to TIMEOUT_MS (0: 15000), then SIGKILL. Returns
 * its exit status (128+sig when killed by a signal; the SIGKILL fallback
 * is 128+9), -1 if it was not running. */
int rt_dockerd_stop(struct rt_dockerd_pair *p, long timeout_ms);
int rt_containerd_stop(struct rt_dockerd_pair *p, long timeout_ms);

/* Convenience: init + containerd + dockerd. 0 ready, >0 dockerd exited
 * first, -1 error (whatever was started is stopped again). */
int rt_dockerd_pair_start(struct rt_dockerd_pair *p, const struct rt_dockerd_opts *opts, char *err, size_t errlen);
/* dockerd then containerd. Returns dockerd's status as rt_dockerd_stop. */
int rt_dockerd_pair_stop(struct rt_dockerd_pair *p);
/* Free paths and remove the short socket dir (not the state dir). */
void rt_dockerd_pair_free(struct rt_dockerd_pair *p);

#endif
