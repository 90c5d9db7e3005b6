/* Container state under <root>/<id>/ and process liveness from /proc.
 * fakerunc is not the parent of the container process (the caller, a
 * subreaper, is), so exit is seen as "gone or zombie", never via wait(). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakerunc.h"
#include "fsutil.h"
#include "jsonutil.h"

const char *frc_status_name(enum frc_status s)
{
    switch (s) {
    case FRC_CREATED: return "created";
    case FRC_RUNNING: return "running";
    case FRC_PAUSED: return "paused";
    default: return "stopped";
    }
}

/* runc's rule: ^[\w+-\.]+$ */
int frc_valid_id(const char *id)
{
    if (!*id) return 0;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p)) return 0;
    return strcmp(id, ".") && strcmp(id, "..");
}

char *frc_state_dir(const struct frc *c, const char *id) { return rt_path_join(c->root, id); }

json_t *frc_state_load(struct frc *c, const char *id)
{
    if (!frc_valid_id(id)) {
        frc_fail(c, "invalid id format: %s", id);
        return NULL;
    }
    char *dir = frc_state_dir(c, id);
    frc_state_unlock(c);
    c->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->lock_fd >= 0) flock(c->lock_fd, LOCK_EX);
    char *path = rt_path_join(dir, "state.json");
    json_t *st = rt_json_load_file(path, 1 << 20, NULL, 0);
    free(path);
    free(dir);
    if (!json_is_object(st)) {
        json_decref(st);
        frc_fail(c, "container \"%s\" does not exist", id);
        return NULL;
    }
    return st;
}

void frc_state_unlock(struct frc *c)
{
    if (c->lock_fd >= 0) close(c->lock_fd);
    c->lock_fd = -1;
}

int frc_state_save(struct frc *c, const char *id, json_t *st)
{
    char *dir = frc_state_dir(c, id);
    char *path = rt_path_join(dir, "state.json");
    /* runc state is volatile (it lives on tmpfs): atomic, not fsynced */
    char *text = rt_json_dump(st);
    int rc = text ? rt_atomic_write_flags(path, text, strlen(text), 0600, RT_AW_NO_SYNC, NULL, 0) : -1;
    free(text);
    if (rc < 0) frc_fail(c, "write %s: %s", path, rt_strerror(errno));
    free(path);
    free(dir);
    return rc;
}

/* Fields of /proc/<pid>/stat after the ")" of comm: state is field 3,
 * session field 6, starttime field 22. */
static int read_stat(pid_t pid, char *state, pid_t *sid, unsigned long long *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    char st;
    int ppid, pgrp, session;
    unsigned long long v[15];
    if (sscanf(p + 1, " %c %d %d %d %*d %*d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &st,
               &ppid, &pgrp, &session, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10],
               &v[11], &v[12], &v[13]) != 18)
        return -1;
    /* fields 9..22 are v[0..13]: starttime (22) is v[13] */
    if (state) *state = st;
    if (sid) *sid = session;
    if (start) *start = v[13];
    return 0;
}

unsigned long long frc_proc_start_time(pid_t pid)
{
    unsigned long long t = 0;
    return read_stat(pid, NULL, NULL, &t) == 0 ? t : 0;
}

pid_t frc_proc_sid(pid_t pid)
{
    pid_t sid;
    return read_stat(pid, NULL, &sid, NULL) == 0 ? sid : -1;
}

int frc_proc_alive(pid_t pid, unsigned long long start_time)
{
    if (pid <= 0) return 0;
    char st;
    unsigned long long t;
    if (read_stat(pid, &st, NULL, &t) < 0) return kill(pid, 0) == 0 || errno == EPERM;
    if (st == 'Z' || st == 'X' || st == 'x') return 0;
    return !start_time || t == start_time; /* a reused pid is a different process */
}

enum frc_status frc_state_status(struct frc *c, const char *id, const json_t *st)
{
    pid_t pid = (pid_t)rt_json_int(st, "pid", 0);
    unsigned long long t = (unsigned long long)rt_json_int(st, "start_time", 0);
    if (!frc_proc_alive(pid, t)) return FRC_STOPPED;
    char *dir = frc_state_dir(c, id);
    char *fifo = rt_path_join(dir, "exec.fifo");
    struct stat sb;
    int created = lstat(fifo, &sb) == 0; /* runc: the exec fifo exists until start */
    free(fifo);
    free(dir);
    if (created) return FRC_CREATED;
    return rt_json_bool(st, "paused", 0) ? FRC_PAUSED : FRC_RUNNING;
}
