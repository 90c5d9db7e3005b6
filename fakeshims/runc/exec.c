/* exec: run another process "in" the container (on the host, in its own
 * session, recorded in state so kill --all and ps see it). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fakerunc.h"
#include "fsutil.h"
#include "jsonutil.h"

/* --process FILE, or the command line after the id on top of config.json's process. */
static json_t *exec_process(struct frc *c, const char *process_file, const json_t *st, int npos, char **pos)
{
    if (process_file) {
        char err[512];
        json_t *p = rt_json_load_file(process_file, 4 << 20, err, sizeof err);
        if (!json_is_object(p)) {
            json_decref(p);
            frc_fail(c, "%s", p ? "process: not a JSON object" : err);
            return NULL;
        }
        return p;
    }
    if (npos < 2) {
        frc_fail(c, "exec args cannot be empty");
        return NULL;
    }
    json_t *cfg = frc_load_config(c, rt_json_str(st, "bundle", "."));
    if (!cfg) return NULL;
    json_t *p = json_deep_copy(json_object_get(cfg, "process"));
    json_decref(cfg);
    json_t *args = json_array();
    for (int i = 1; i < npos; i++) json_array_append_new(args, json_string(pos[i]));
    json_object_set_new(p, "args", args);
    return p;
}

int frc_cmd_exec(struct frc *c, int argc, char **argv)
{
    const char *process_file = NULL, *detach = NULL, *pid_file = NULL, *console = NULL, *ignored = NULL;
    const struct frc_flag flags[] = {
        {"process|p", 1, &process_file}, {"detach|d", 0, &detach},   {"pid-file", 1, &pid_file},
        {"console-socket", 1, &console}, {"tty|t", 0, &ignored},     {"cwd", 1, &ignored},
        {"user|u", 1, &ignored},         {"env|e", 1, &ignored},     {"no-new-privs", 0, &ignored},
        {"preserve-fds", 1, &ignored},   {"process-label", 1, &ignored}, {"apparmor", 1, &ignored},
        {"cap|c", 1, &ignored},          {"ignore-paused", 0, &ignored}, {"cgroup", 1, &ignored},
        {NULL, 0, NULL},
    };
    char **pos;
    int npos;
    if (frc_parse_flags(c, argc, argv, flags, &pos, &npos) < 0 || frc_need_args(c, npos, 1, 1 << 20) < 0) return -1;
    const char *id = c->id = pos[0];
    json_t *st = frc_state_load(c, id);
    if (!st) return -1;
    int rc = -1;
    json_t *proc = NULL;
    const char *bundle = rt_json_str(st, "bundle", ".");
    json_t *cfg = frc_load_config(c, bundle);
    c->err[0] = '\0';
    int fprc = frc_failpoint(c, cfg, bundle);
    json_decref(cfg);
    if (fprc < 0) goto out;
    enum frc_status s = frc_state_status(c, id, st);
    if (s == FRC_STOPPED) {
        frc_fail(c, "cannot exec in a stopped container");
        goto out;
    }
    if (s == FRC_PAUSED) {
        frc_fail(c, "cannot exec in a paused container (use --ignore-paused to override)");
        goto out;
    }
    if (!(proc = exec_process(c, process_file, st, npos, pos))) goto out;
    json_object_set(c->extra, "process", json_object_get(proc, "args"));
    struct frc_proc p = {.process = proc, .bundle = bundle, .console_socket = console};
    pid_t pid;
    if (frc_spawn(c, &p, &pid) < 0) goto out;
    json_object_set_new(c->extra, "process_pid", json_integer(pid));
    if (detach) {
        /* Record the exec before anyone can learn its pid from the pid file. */
        json_array_append_new(json_object_get(st, "execs"), json_integer(pid));
        if (frc_state_save(c, id, st) < 0 || (pid_file && frc_write_pid_file(c, pid_file, pid) < 0)) {
            kill(pid, SIGKILL);
            goto out;
        }
        rc = 0;
        goto out;
    }
    if (pid_file && frc_write_pid_file(c, pid_file, pid) < 0) {
        kill(pid, SIGKILL);
        goto out;
    }
    frc_state_unlock(c); /* kill/delete must not wait for a foreground exec */
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    c->exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    rc = 0;
out:
    json_decref(proc);
    json_decref(st);
    return rc;
}
