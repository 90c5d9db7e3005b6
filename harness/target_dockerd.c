/* The dockerd target in a test process (harness/target_dockerd.h). */
#include "harness/target_dockerd.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/dockerd_pair.h"
#include "harness/sandbox.h"
#include "harness/testlib.h"
#include "jsonutil.h"

static struct rt_dockerd_pair pair;
static bool inited;
static pid_t owner; /* the test process; forked helpers must not tear down */
static char journal_env[4200];

/* At the test process's exit: dockerd (if the test left it running), then
 * containerd, then mounts left under the short exec-root, then the socket
 * dir. A failing assertion _exits; the runner then SIGKILLs the recorded
 * pids and reaps shims by their environment. */
/* Stop both daemons; unmount what is left under the sandbox and the
 * socket dir (in the test's own mount namespace) and list it in DESC,
 * except dockerd's bind mount of its data-root onto itself (its root
 * propagation setup, which it leaves behind when it fails to start). */
static int stop_and_reap(char *desc, size_t len)
{
    rt_dockerd_stop(&pair, rt_scaled_ms(15000));
    rt_containerd_stop(&pair, rt_scaled_ms(15000));
    umount2(pair.data_root, MNT_DETACH);
    struct rt_sandbox a = {.dir = rt_t.sb->dir}, b = {.dir = pair.sockdir};
    size_t at = 0;
    int n = rt_sandbox_reap_mounts(&a, desc, len);
    at = strlen(desc);
    char more[1024];
    int m = rt_sandbox_reap_mounts(&b, more, sizeof more);
    if (m) snprintf(desc + at, len - at, "%s%s", n ? ", " : "", more);
    rt_dockerd_pair_free(&pair);
    inited = false;
    return n + m;
}

static void teardown(void)
{
    if (!inited || getpid() != owner) return;
    char desc[2048];
    if (stop_and_reap(desc, sizeof desc) > 0)
        fprintf(stderr, "rtconform: leak check: mounts left by the test: %s\n", desc);
}

void rt_tdockerd_teardown(void)
{
    if (!inited || getpid() != owner) return;
    rt_t.engine_pid = 0;
    char desc[2048];
    int n = stop_and_reap(desc, sizeof desc);
    ck_assert_msg(n == 0, "leak check: %d mount(s) left after dockerd and containerd stopped: %s", n, desc);
}

/* The daemons' mounts (dockerd's data-root propagation, container mounts)
 * live in a mount namespace of this test process: nothing can stay on the
 * host after the test's processes are gone, however the test ends. */
static void private_mounts(void)
{
    if (unshare(CLONE_NEWNS) < 0) rt_env_error("dockerd target: unshare(CLONE_NEWNS): %s", rt_strerror(errno));
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        rt_env_error("dockerd target: making / private in the test's mount namespace: %s", rt_strerror(errno));
}

struct rt_dockerd_pair *rt_tdockerd_pair(int start_containerd)
{
    char err[1024];
    if (!inited) {
        if (!rt_t.run->engine || access(rt_t.run->engine, X_OK) != 0)
            rt_env_error("dockerd target: --engine %s is not an executable", rt_t.run->engine ? rt_t.run->engine : "(none)");
        snprintf(journal_env, sizeof journal_env, "RTCONFORM_JOURNAL=%s", rt_t.sb->journal);
        static const char *env[2];
        env[0] = journal_env;
        char *clog = rt_path_join(rt_t.sb->dir, "containerd.log");
        struct rt_dockerd_opts o = {
            .dir = rt_t.sb->dir,
            .dockerd = rt_t.run->engine,
            .containerd = rt_t.run->containerd,
            .shim_dir = rt_t.sb->shim_dir,
            .env = env,
            .data_root = rt_t.sb->data_root,
            .exec_root = rt_t.sb->exec_root,
            .api_socket = rt_t.sb->socket,
            .pidfile = rt_t.sb->pidfile,
            .config_file = rt_t.sb->config,
            .dockerd_log = rt_t.sb->engine_log,
            .containerd_log = clog,
            .ready_timeout_ms = rt_scaled_ms(30000),
            .own_process_group = true,
        };
        private_mounts();
        int rc = rt_dockerd_pair_init(&pair, &o, err, sizeof err);
        free(clog);
        if (rc < 0) rt_env_error("dockerd target: %s", err);
        owner = getpid();
        inited = true;
        atexit(teardown);
        /* Tests address what the engine really uses. */
        if (strcmp(rt_t.sb->exec_root, pair.exec_root) != 0) {
            free(rt_t.sb->exec_root);
            rt_t.sb->exec_root = strdup(pair.exec_root);
        }
        if (strcmp(rt_t.sb->socket, pair.api_socket) != 0) {
            free(rt_t.sb->socket);
            rt_t.sb->socket = strdup(pair.api_socket);
        }
    }
    if (start_containerd && !pair.containerd_pid) {
        if (rt_containerd_start(&pair, err, sizeof err) < 0) rt_env_error("dockerd target: %s", err);
        rt_record_pid(pair.containerd_pid);
    }
    return &pair;
}

/* Containers planted under <data-root>/containers without dockerd's layer
 * store data (the dockerd 20.10.24 corpus ships config.v2.json and
 * hostconfig.json only, written on overlay2) are skipped by dockerd's
 * restore ("created with another storage driver" / "failed to load
 * container mount"). Give each an empty vfs read-write layer, as dockerd
 * itself would have for an image-less container, and record vfs as its
 * driver. Containers dockerd made itself already have one: untouched. */
static void adopt_planted_containers(const struct rt_dockerd_pair *p)
{
    char *cdir = rt_path_join(p->data_root, "containers");
    DIR *d = opendir(cdir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char mounts[4096], cfg[4096], path[4200];
        snprintf(mounts, sizeof mounts, "%s/image/vfs/layerdb/mounts/%s", p->data_root, e->d_name);
        snprintf(cfg, sizeof cfg, "%s/%s/config.v2.json", cdir, e->d_name);
        json_t *c = rt_json_load_file(cfg, 16 << 20, NULL, 0);
        if (!c || access(mounts, F_OK) == 0) {
            json_decref(c);
            continue;
        }
        json_object_set_new(c, "Driver", json_string("vfs"));
        if (rt_json_save_file(cfg, c, 0600) < 0) rt_env_error("dockerd target: cannot rewrite %s", cfg);
        json_decref(c);
        static const char *const files[][2] = {{"mount-id", ""}, {"init-id", "-init"}};
        rt_mkdir_p(mounts, 0700);
        for (int i = 0; i < 2; i++) {
            char val[300];
            snprintf(val, sizeof val, "%s%s", e->d_name, files[i][1]);
            snprintf(path, sizeof path, "%s/%s", mounts, files[i][0]);
            if (rt_atomic_write(path, val, strlen(val), 0644, NULL, 0) < 0)
                rt_env_error("dockerd target: cannot write %s", path);
            snprintf(path, sizeof path, "%s/vfs/dir/%s", p->data_root, val);
            if (rt_mkdir_p(path, 0755) < 0) rt_env_error("dockerd target: cannot create %s", path);
        }
    }
    if (d) closedir(d);
    free(cdir);
}

int rt_tdockerd_start(const char *const *extra)
{
    struct rt_dockerd_pair *p = rt_tdockerd_pair(1);
    adopt_planted_containers(p);
    char err[1024];
    int rc = rt_dockerd_start(p, extra, err, sizeof err);
    if (rc < 0) rt_env_error("dockerd target: %s", err);
    if (rc > 0) return rc;
    rt_record_pid(p->dockerd_pid);
    rt_t.engine_pid = p->dockerd_pid;
    rt_t.socket = p->api_socket;
    return 0;
}

int rt_tdockerd_stop(void)
{
    if (!inited) return -1;
    /* reload_wait may have reaped a crashed dockerd already */
    if (rt_t.engine_pid == 0) pair.dockerd_pid = 0;
    int rc = rt_dockerd_stop(&pair, rt_scaled_ms(15000));
    rt_t.engine_pid = 0;
    ck_assert_msg(rc != 128 + 9, "dockerd did not exit within %ld ms of SIGTERM", rt_scaled_ms(15000));
    return rc;
}

size_t rt_tdockerd_argv(const char **argv, size_t max, const char *const *extra)
{
    return rt_dockerd_argv(rt_tdockerd_pair(1), argv, max, extra);
}

char **rt_tdockerd_env(void) { return rt_tdockerd_pair(0)->env; }
