/* Task bundle: OCI config.json from the container documents, and the FIFOs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/bundle.h"
#include "fsutil.h"
#include "jsonutil.h"

static void append_strings(json_t *dst, const json_t *src)
{
    size_t i;
    json_t *v;
    if (json_is_array(src)) json_array_foreach(src, i, v) if (json_is_string(v)) json_array_append(dst, v);
}

/* "uid[:gid]" when numeric; anything else stays root (no passwd lookup). */
static void set_user(json_t *proc, const char *user)
{
    unsigned uid = 0, gid = 0;
    if (user && *user) sscanf(user, "%u:%u", &uid, &gid);
    json_object_set_new(proc, "user", json_pack("{s:i,s:i}", "uid", (int)uid, "gid", (int)gid));
}

static json_t *mount(const char *dst, const char *type, const char *src, const char *opts)
{
    json_t *m = json_pack("{s:s,s:s,s:s}", "destination", dst, "type", type, "source", src);
    json_t *o = json_array();
    for (const char *p = opts; p && *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        json_array_append_new(o, json_stringn(p, n));
        p = c ? c + 1 : p + n;
    }
    json_object_set_new(m, "options", o);
    return m;
}

json_t *rt_bundle_spec(const json_t *doc, const json_t *hc, const char *id, const char *rootfs)
{
    const json_t *cfg = json_object_get(doc, "Config");
    json_t *spec = json_object();
    json_object_set_new(spec, "ociVersion", json_string("1.0.2"));

    json_t *proc = json_object();
    json_t *args = json_array();
    append_strings(args, json_object_get(cfg, "Entrypoint"));
    append_strings(args, json_object_get(cfg, "Cmd"));
    json_object_set_new(proc, "terminal", json_boolean(rt_json_bool(cfg, "Tty", 0)));
    set_user(proc, rt_json_str(cfg, "User", ""));
    json_object_set_new(proc, "args", args);
    json_t *env = json_array();
    append_strings(env, json_object_get(cfg, "Env"));
    json_object_set_new(proc, "env", env);
    const char *wd = rt_json_str(cfg, "WorkingDir", "");
    json_object_set_new(proc, "cwd", json_string(*wd ? wd : "/"));
    json_object_set_new(spec, "process", proc);

    json_object_set_new(spec, "root", json_pack("{s:s,s:b}", "path", rootfs ? rootfs : "", "readonly",
                                                rt_json_bool(hc, "ReadonlyRootfs", 0)));
    const char *hn = rt_json_str(cfg, "Hostname", "");
    char shortid[13];
    snprintf(shortid, sizeof shortid, "%s", id);
    json_object_set_new(spec, "hostname", json_string(*hn ? hn : shortid));

    json_t *mounts = json_array();
    json_array_append_new(mounts, mount("/proc", "proc", "proc", "nosuid,noexec,nodev"));
    json_array_append_new(mounts, mount("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
    json_array_append_new(mounts, mount("/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"));
    json_object_set_new(spec, "mounts", mounts);

    /* HostConfig.Annotations pass through (failpoints ride on them). */
    json_t *ann = json_object();
    const json_t *hann = json_object_get(hc, "Annotations");
    const char *k;
    json_t *v;
    if (json_is_object(hann)) json_object_foreach((json_t *)hann, k, v) if (json_is_string(v)) json_object_set(ann, k, v);
    json_object_set_new(spec, "annotations", ann);

    json_t *ns = json_array();
    static const char *const nss[] = {"pid", "ipc", "uts", "mount", "network"};
    for (size_t i = 0; i < sizeof nss / sizeof nss[0]; i++) json_array_append_new(ns, json_pack("{s:s}", "type", nss[i]));
    json_object_set_new(spec, "linux", json_pack("{s:o}", "namespaces", ns));
    return spec;
}

static int fifo_open(const char *dir, const char *name, char **path, int *fd)
{
    char *p = rt_path_join(dir, name);
    if (!p) return -1;
    if (mkfifo(p, 0700) < 0 || (*fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
        int e = errno;
        free(p);
        errno = e;
        return -1;
    }
    if (path) *path = p;
    else free(p);
    return 0;
}

int rt_bundle_create(struct rt_bundle *b, const char *exec_root, const char *id, const json_t *spec,
                     char **errmsg)
{
    memset(b, 0, sizeof *b);
    b->log_fd = b->out_fd = b->err_fd = -1;
    *errmsg = NULL;
    const char *step = "mkdir";
    char *parent = rt_path_join(exec_root, "containerd");
    if (!parent || rt_mkdir_p(parent, 0700) < 0) goto fail;
    b->dir = rt_path_join(parent, id);
    if (!b->dir) goto fail;
    rt_rm_rf(b->dir); /* a stale bundle from an earlier run */
    if (mkdir(b->dir, 0700) < 0) goto fail;
    step = "write config.json";
    char *text = json_dumps(spec, JSON_INDENT(1));
    char *cfgpath = rt_path_join(b->dir, "config.json");
    /* exec-root is volatile state: atomic, not fsynced */
    int rc = text && cfgpath ? rt_atomic_write_flags(cfgpath, text, strlen(text), 0600, RT_AW_NO_SYNC, NULL, 0) : -1;
    free(text);
    free(cfgpath);
    if (rc < 0) goto fail;
    step = "mkfifo";
    if (fifo_open(b->dir, "log", NULL, &b->log_fd) < 0 ||
        fifo_open(b->dir, "init-stdout", &b->stdout_path, &b->out_fd) < 0 ||
        fifo_open(b->dir, "init-stderr", &b->stderr_path, &b->err_fd) < 0)
        goto fail;
    free(parent);
    return 0;
fail:;
    int e = errno;
    if (asprintf(errmsg, "%s %s: %s", step, b->dir ? b->dir : exec_root, rt_strerror(e)) < 0) *errmsg = NULL;
    free(parent);
    rt_bundle_destroy(b);
    return -1;
}

void rt_bundle_close(struct rt_bundle *b)
{
    int *fds[] = {&b->log_fd, &b->out_fd, &b->err_fd};
    for (size_t i = 0; i < 3; i++)
        if (*fds[i] >= 0) close(*fds[i]), *fds[i] = -1;
}

void rt_bundle_destroy(struct rt_bundle *b)
{
    rt_bundle_close(b);
    if (b->dir) rt_rm_rf(b->dir);
    free(b->dir);
    free(b->stdout_path);
    free(b->stderr_path);
    b->dir = b->stdout_path = b->stderr_path = NULL;
}
