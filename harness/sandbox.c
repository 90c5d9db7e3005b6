#include "harness/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "procid.h"

static char *sub(const char *dir, const char *name) { return rt_path_join(dir, name); }

/* Names the fake shim answers to, and fakerunc as `runc`. */
static const char *const shim_names[] = {
    "containerd-shim-rtfake-v2", "containerd-shim-runc-alias-v2", "containerd-shim-runc-v2",
    "containerd-shim-rtkata-v2",
};

static void link_tools(const struct rt_sandbox *sb, const char *libexec)
{
    if (!libexec) return;
    char *shim = rt_path_join(libexec, "containerd-shim-rtfake-v2");
    char *runc = rt_path_join(libexec, "fakerunc");
    if (access(shim, X_OK) == 0)
        for (size_t i = 0; i < sizeof shim_names / sizeof shim_names[0]; i++) {
            char *dst = rt_path_join(sb->shim_dir, shim_names[i]);
            if (symlink(shim, dst) < 0 && errno != EEXIST) { /* best effort */ }
            free(dst);
        }
    if (access(runc, X_OK) == 0) {
        char *dst = rt_path_join(sb->shim_dir, "runc");
        if (symlink(runc, dst) < 0 && errno != EEXIST) { /* best effort */ }
        free(dst);
    }
    free(shim);
    free(runc);
}

struct rt_sandbox *rt_sandbox_create(const char *root, const char *id, const char *libexec,
                                     char *err, size_t errlen)
{
    struct rt_sandbox *sb = calloc(1, sizeof *sb);
    sb->dir = rt_path_join(root, id);
    sb->data_root = sub(sb->dir, "data");
    sb->exec_root = sub(sb->dir, "exec");
    sb->socket = sub(sb->dir, "engine.sock");
    sb->pidfile = sub(sb->dir, "engine.pid");
    sb->config = sub(sb->dir, "daemon.json");
    sb->shim_dir = sub(sb->dir, "bin");
    sb->journal = sub(sb->dir, "journal.jsonl");
    sb->engine_log = sub(sb->dir, "engine.log");
    sb->test_log = sub(sb->dir, "test.log");
    sb->outcome = sub(sb->dir, "outcome");
    sb->pids = sub(sb->dir, "pids");
    rt_rm_rf(sb->dir); /* a previous --keep-sandbox run of the same id */
    if (rt_mkdir_p(sb->dir, 0700) < 0 || rt_mkdir_p(sb->shim_dir, 0755) < 0) {
        snprintf(err, errlen, "cannot create sandbox %s: %s", sb->dir, rt_strerror(errno));
        rt_sandbox_destroy(sb, true);
        return NULL;
    }
    link_tools(sb, libexec);
    return sb;
}

int rt_sandbox_kill_recorded(const struct rt_sandbox *sb)
{
    char *list = rt_read_file(sb->pids, 1 << 20, NULL);
    if (!list) return 0;
    int alive = 0;
    for (char *save = NULL, *tok = strtok_r(list, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
        char *end;
        pid_t pid = (pid_t)strtol(tok, &end, 10);
        unsigned long long start = strtoull(end, NULL, 10);
        if (pid <= 1) continue;
        if (rt_proc_kill_same(pid, start, 0)) {
            alive++;
            rt_proc_kill_same(pid, start, SIGKILL);
        }
    }
    free(list);
    return alive;
}

/* Does /proc/PID/environ contain NEEDLE? */
static bool environ_has(pid_t pid, const char *needle)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    size_t len;
    char *env = rt_read_file(path, 1 << 20, &len);
    if (!env) return false;
    bool found = false;
    for (size_t i = 0; i < len; i += strlen(env + i) + 1)
        if (strstr(env + i, needle)) { found = true; break; }
    free(env);
    return found;
}

int rt_sandbox_reap_leaks(const struct rt_sandbox *sb, char *desc, size_t len)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    char needle[4096];
    snprintf(needle, sizeof needle, "RTCONFORM_JOURNAL=%s", sb->journal);
    int n = 0;
    size_t at = 0;
    if (len) desc[0] = '\0';
    struct dirent *e;
    pid_t self = getpid();
    while ((e = readdir(d))) {
        pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);
        if (pid <= 1 || pid == self || !environ_has(pid, needle)) continue;
        char cpath[64];
        snprintf(cpath, sizeof cpath, "/proc/%d/cmdline", (int)pid);
        size_t clen = 0;
        char *cmd = rt_read_file(cpath, 4096, &clen);
        for (size_t i = 0; cmd && i + 1 < clen; i++)
            if (!cmd[i]) cmd[i] = ' ';
        if (at < len)
            at += (size_t)snprintf(desc + at, len - at, "%spid %d (%s)", n ? ", " : "", (int)pid,
                                   cmd ? cmd : "?");
        free(cmd);
        kill(pid, SIGKILL);
        n++;
    }
    closedir(d);
    return n;
}

int rt_sandbox_reap_mounts(const struct rt_sandbox *sb, char *desc, size_t len)
{
    char *info = rt_read_file("/proc/self/mountinfo", 16 << 20, NULL);
    if (len) desc[0] = '\0';
    if (!info) return 0;
    size_t dlen = strlen(sb->dir), at = 0;
    int n = 0;
    for (char *save = NULL, *l = strtok_r(info, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        /* "id parent major:minor root mountpoint ..." with \040-style escapes */
        char mp[4096];
        if (sscanf(l, "%*s %*s %*s %*s %4095s", mp) != 1) continue;
        char un[4096];
        size_t j = 0;
        for (size_t i = 0; mp[i] && j + 1 < sizeof un; i++) {
            if (mp[i] == '\\' && mp[i + 1] && mp[i + 2] && mp[i + 3]) {
                un[j++] = (char)((mp[i + 1] - '0') * 64 + (mp[i + 2] - '0') * 8 + (mp[i + 3] - '0'));
                i += 3;
            } else {
                un[j++] = mp[i];
            }
        }
        un[j] = '\0';
        if (strncmp(un, sb->dir, dlen) != 0 || (un[dlen] != '/' && un[dlen] != '\0')) continue;
        if (at < len) at += (size_t)snprintf(desc + at, len - at, "%s%s", n ? ", " : "", un);
        umount2(un, MNT_DETACH);
        n++;
    }
    free(info);
    return n;
}

void rt_sandbox_destroy(struct rt_sandbox *sb, bool remove_files)
{
    if (!sb) return;
    if (remove_files && sb->dir) rt_rm_rf(sb->dir);
    free(sb->dir), free(sb->data_root), free(sb->exec_root), free(sb->socket);
    free(sb->pidfile), free(sb->config), free(sb->shim_dir), free(sb->journal);
    free(sb->engine_log), free(sb->test_log), free(sb->outcome), free(sb->pids);
    free(sb);
}
