/* containerd-shim-rtfake-v2: shared state of the fake shim v2. */
#ifndef RTFAKE_SHIM_H
#define RTFAKE_SHIM_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "failpoint.h"
#include "ttrpc.h"

/* Effective runtime options of a container (runc or generic ones). */
struct shim_opts {
    char *type_url;              /* as received ("" = none / defaults) */
    int generic;                 /* runtimeoptions.v1.Options */
    char *binary_name, *root;    /* runc options (never NULL after resolve) */
    int systemd_cgroup, no_pivot_root, no_new_keyring;
    uint32_t io_uid, io_gid;
    char *config_path, *config_body; /* generic options */
};

/* Failpoints of one container, by method ("Create", "@start", ...). */
struct fpset {
    char *id;
    size_t n;
    char **method;
    struct rt_failpoint **fp;
    struct fpset *next;
};

enum { ST_UNKNOWN = 0, ST_CREATED = 1, ST_RUNNING = 2, ST_STOPPED = 3, ST_PAUSED = 4 };

struct container;
struct proc {
    char *exec_id;         /* NULL for init */
    struct container *c;
    pid_t pid;
    int status;
    int exited, deleted;
    uint32_t exit_status;
    struct timespec exited_at;
    char *in, *out, *err;
    int keep[2];           /* read ends of the output FIFOs (open_stdio) */
    int terminal;
    char *spec;            /* exec: OCI Process JSON */
    size_t spec_len;
    struct proc *next;
};

struct container {
    char *id, *bundle;
    struct proc init;
    struct proc *execs;
    struct shim_opts opts;
    int deleted;
    pthread_mutex_t mu;    /* lifecycle: held across runtime calls + events */
    struct container *next;
};

struct shim_globals {
    const char *argv0, *prog;  /* prog: basename of argv[0] */
    int kata;                  /* rtkata personality: generic options */
    const char *runtime_id;    /* "io.containerd.runc.v2", error prefix */
    char *ns, *id, *address, *bundle, *socket_path, *ttrpc_address;
    int debug;
    struct shim_opts start_opts; /* decoded from start's stdin */
    int have_start_opts;
    pthread_mutex_t mu;        /* everything below + proc exit fields */
    pthread_cond_t cv;         /* exits, runtime command completion */
    struct container *containers;
    struct fpset *fpsets;
};
extern struct shim_globals g;

/* options.c */
/* Decode an options Any for this personality. 0, or -1 with ERR set to
 * "type with url X: not found" style text (code in *CODE). */
int opts_decode(const char *type_url, const uint8_t *val, size_t len, struct shim_opts *o,
                char *err, size_t errlen);
void opts_defaults(struct shim_opts *o);
void opts_copy(struct shim_opts *dst, const struct shim_opts *src);
json_t *opts_journal(const struct shim_opts *o); /* fields for journal lines */
json_t *opts_to_json(const struct shim_opts *o); /* options.json content */
int opts_load_bundle(const char *bundle, struct shim_opts *o);

/* failpoints (fp.c) */
int fpset_load(const char *id, const char *bundle, struct fpset **out, char *err, size_t errlen);
struct fpset *fpset_find(const char *id); /* g.mu not held */
void fpset_add(struct fpset *s);
/* Evaluate METHOD's failpoint: 0 = pass, else sets *CODE and MSG. PANIC
 * aborts the process here. */
int fpset_eval(struct fpset *s, const char *method, int *code, char *msg, size_t msglen);

/* garbage.c: annotation io.rtconform.fakeshim.garbage.<Method> = mode
 * (frame|type|hugelen) or NULL; send that garbage for stream SID (0 or -1
 * for an unknown mode). */
const char *garbage_mode(const char *method);
int garbage_send(const char *mode, uint32_t sid);

/* proc.c */
void reaper_start(void);
/* Run the OCI runtime with the global flags + ARGS. FDS (may be NULL) are
 * the child's stdio (-1 = /dev/null). 0 on success, else the exit status
 * with ERR = the runtime's last error from log.json or "exit status N". */
int runtime_run(const struct container *c, const char *const *args, const int fds[3], char *err,
                size_t errlen);
/* Record PID for P (under g.mu) and pick up an exit that raced ahead. */
void proc_set_pid(struct proc *p, pid_t pid);
int read_pid_file(const char *path);
/* KEEP: our read ends of the output FIFOs (-1 = none), held until the
 * process is deleted (close_keepers). */
int open_stdio(const char *in, const char *out, const char *err, int fds[3], int keep[2], char *msg,
               size_t msglen);
void close_stdio(int fds[3]);
void close_keepers(struct proc *p);
void ts_now(struct timespec *ts);

/* events.c */
void events_start(void);
/* Queue an event: TOPIC like "/tasks/exit", MSG packed into an Any with
 * the bare type URL of its descriptor. */
void events_publish(const char *topic, const ProtobufCMessage *msg);
void events_flush(int timeout_ms);

/* service.c */
void service_register(struct rt_ttrpc_server *s);
struct container *container_find(const char *id); /* g.mu held */

/* main.c */
void shim_exit(int status);

#endif
