/* fakerunc: a runc-compatible CLI that runs the container process on the
 * host without isolation, keeps runc-like state under --root, and journals
 * every invocation. Shared declarations of its small files. */
#ifndef FAKERUNC_H
#define FAKERUNC_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#define FAKERUNC_VERSION "1.1.5+fake"
#define FAKERUNC_SPEC "1.0.2-dev"
#define FAKERUNC_DEFAULT_ROOT "/run/fakerunc"

struct frc {
    const char *root;       /* --root */
    const char *log;        /* --log (NULL: none) */
    const char *log_format; /* "text" | "json" */
    int debug, systemd_cgroup;
    json_t *global_args;  /* every global flag seen, as given */
    json_t *argv;         /* the full argv */
    const char *cmd;      /* command name */
    const char *id;       /* container id, once known */
    json_t *extra;        /* more journal fields the command adds */
    char err[1024];       /* error text when a command fails */
    int exit_code;        /* exit status when the command succeeds */
    int panicked;         /* a panic failpoint fired: exit 2, no --log line */
    int lock_fd;          /* flock on <root>/<id> while state is in use, or -1 */
};

/* Set C->err (printf style) and return -1: the one way commands fail. */
int frc_fail(struct frc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- state.c: <root>/<id>/state.json ---- */
enum frc_status { FRC_CREATED, FRC_RUNNING, FRC_PAUSED, FRC_STOPPED };
const char *frc_status_name(enum frc_status s);
char *frc_state_dir(const struct frc *c, const char *id);
/* Load the container's state; fails with runc's "does not exist" text.
 * Takes an exclusive flock on the state directory, held until
 * frc_state_unlock or exit, so concurrent invocations (two execs, exec and
 * pause) do not lose each other's updates. */
json_t *frc_state_load(struct frc *c, const char *id);
void frc_state_unlock(struct frc *c);
int frc_state_save(struct frc *c, const char *id, json_t *st);
enum frc_status frc_state_status(struct frc *c, const char *id, const json_t *st);
/* 1 when PID is alive (not a zombie) and started at START_TIME (0 = any). */
int frc_proc_alive(pid_t pid, unsigned long long start_time);
unsigned long long frc_proc_start_time(pid_t pid);
/* Session id of PID, -1 if gone. */
pid_t frc_proc_sid(pid_t pid);
int frc_valid_id(const char *id);

/* ---- spawn.c: start the container / exec process ---- */
struct frc_proc {
    json_t *process;            /* OCI "process" object (borrowed) */
    const char *bundle;         /* fallback cwd */
    const char *console_socket; /* NULL: inherit our stdio */
    const char *exec_fifo;      /* NULL: exec at once; else wait for start */
};
/* Fork the process; on success *PID is set and the child is set up (cwd,
 * env, console) and, with exec_fifo, blocked until `start`. */
int frc_spawn(struct frc *c, const struct frc_proc *p, pid_t *pid);
/* Write PID to PATH as runc does (atomic, no newline). */
int frc_write_pid_file(struct frc *c, const char *path, pid_t pid);

/* ---- failpoints.c ---- */
/* Evaluate io.rtconform.fakerunc.failpoint.<cmd> of CONFIG; counts persist in
 * <bundle>/.fakerunc-failpoints.json across invocations. 0 = go on. */
int frc_failpoint(struct frc *c, const json_t *config, const char *bundle);

/* ---- commands ---- */
int frc_cmd_create(struct frc *c, int argc, char **argv);
int frc_cmd_start(struct frc *c, int argc, char **argv);
int frc_cmd_state(struct frc *c, int argc, char **argv);
int frc_cmd_kill(struct frc *c, int argc, char **argv);
int frc_cmd_delete(struct frc *c, int argc, char **argv);
int frc_cmd_pause(struct frc *c, int argc, char **argv);
int frc_cmd_resume(struct frc *c, int argc, char **argv);
int frc_cmd_ps(struct frc *c, int argc, char **argv);
int frc_cmd_exec(struct frc *c, int argc, char **argv);
int frc_cmd_update(struct frc *c, int argc, char **argv);
int frc_cmd_features(struct frc *c, int argc, char **argv);
void frc_print_version(void);

/* ---- args.c: command-line flags of a command ---- */
struct frc_flag {
    const char *name;  /* without dashes */
    int takes_value;
    const char **value; /* where a value goes (or "1" for booleans) */
};
/* Parse FLAGS out of ARGV[1..]; positional args are left in POS (NPOS).
 * Unknown flags fail with runc's "flag provided but not defined" text. */
int frc_parse_flags(struct frc *c, int argc, char **argv, const struct frc_flag *flags, char ***pos, int *npos);
/* Check the positional count; fails as runc does. */
int frc_need_args(struct frc *c, int npos, int min, int max);
/* Load <bundle>/config.json (runc's wording on failure). */
json_t *frc_load_config(struct frc *c, const char *bundle);

#endif
