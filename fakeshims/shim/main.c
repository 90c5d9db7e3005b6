/* containerd-shim-rtfake-v2: flags, the `start` and `delete` actions, and
 * the daemon (spec §2). Also answers as containerd-shim-runc-alias-v2 and,
 * with generic runtime options, as containerd-shim-rtkata-v2. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"
#include "jsonutil.h"
#include "log.h"
#include "naming.h"
#include "proto/google_protobuf.pb-c.h"
#include "proto/task.pb-c.h"
#include "shim.h"
#include "tmoscale.h"

struct shim_globals g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

#define IDLE_EXIT_SECS 30 /* nobody connected after start (spec §9.6) */

static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conn_cv = PTHREAD_COND_INITIALIZER;
static int ever_connected;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", g.runtime_id, msg);
    exit(1);
}

void shim_exit(int status)
{
    events_flush((int)rt_timeout_scaled_ms(2000));
    if (g.socket_path) unlink(g.socket_path);
    rt_journal_write("shim", "exit", g.id, NULL, NULL);
    _exit(status);
}

/* Go flag syntax: -name value, -name=value, --name; bools take no value.
 * Unknown flags are ignored (containerd sends only known ones). */
static const char *parse_flags(int argc, char **argv)
{
    static const char *const valued[] = {"namespace", "address", "publish-binary", "id",
                                         "bundle", "socket", NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) return a;
        if (!strcmp(a, "--")) return i + 1 < argc ? argv[i + 1] : NULL;
        const char *n = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(n, '=');
        size_t nl = eq ? (size_t)(eq - n) : strlen(n);
        int is_valued = 0;
        for (int k = 0; valued[k]; k++)
            if (strlen(valued[k]) == nl && !strncmp(n, valued[k], nl)) is_valued = 1;
        const char *val = eq ? eq + 1 : NULL;
        if (is_valued && !val) {
            if (i + 1 >= argc) fail("flag needs an argument: -%.*s", (int)nl, n);
            val = argv[++i];
        }
#define IS(x) (nl == strlen(x) && !strncmp(n, x, nl))
        if (IS("namespace")) g.ns = strdup(val);
        else if (IS("address")) g.address = strdup(val);
        else if (IS("id")) g.id = strdup(val);
        else if (IS("bundle")) g.bundle = strdup(val);
        else if (IS("debug")) g.debug = !val || strcmp(val, "false");
        else if (IS("v") || IS("version")) {
            printf("%s:\n  Version:  %s\n  Revision: rtconform\n", g.prog, RT_VERSION);
            exit(0);
        }
#undef IS
    }
    return NULL;
}

static uint8_t *read_all(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    for (;;) {
        if (n == cap) b = realloc(b, cap *= 2);
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    *len = n;
    return b;
}

/* Options Any from start's stdin (empty = none). */
static void read_start_options(void)
{
    size_t len;
    uint8_t *buf = read_all(0, &len);
    if (len > 0) {
        Google__Protobuf__Any *any = google__protobuf__any__unpack(NULL, len, buf);
        if (!any) fail("proto: cannot parse invalid wire-format data");
        char err[1024];
        if (opts_decode(any->type_url, any->value.data, any->value.len, &g.start_opts, err,
                        sizeof err) < 0)
            fail("%s", err);
        g.have_start_opts = 1;
        google__protobuf__any__free_unpacked(any, NULL);
    } else {
        opts_decode("", NULL, 0, &g.start_opts, NULL, 0);
    }
    free(buf);
}

static int dir_ok(const char *dir, size_t need)
{
    if (strlen(dir) + 1 + need >= sizeof(((struct sockaddr_un *)0)->sun_path) - 1) return 0;
    if (rt_mkdir_p(dir, 0711) < 0) return 0;
    return access(dir, W_OK | X_OK) == 0;
}

/* Like the runc shim: sha256 of "<address>/<ns>/<group>" under a socket
 * dir; one that needs no root when not root. */
static char *socket_path(const char *group)
{
    char key[8192], hex[65];
    snprintf(key, sizeof key, "%s/%s/%s", g.address ? g.address : "", g.ns, group);
    rt_sha256_hex(key, strlen(key), hex);
    char cands[5][4200];
    int n = 0;
    const char *e = getenv("RTFAKE_SOCKET_DIR");
    if (e && *e) snprintf(cands[n++], sizeof cands[0], "%s", e);
    snprintf(cands[n++], sizeof cands[0], "/run/containerd/s");
    e = getenv("XDG_RUNTIME_DIR");
    if (e && *e) snprintf(cands[n++], sizeof cands[0], "%s/rtfake-s", e);
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd)) snprintf(cands[n++], sizeof cands[0], "%s/../.rtfake-s", cwd);
    snprintf(cands[n++], sizeof cands[0], "/tmp/.rtfake-s-%u", (unsigned)geteuid());
    for (int i = 0; i < n; i++) {
        if (!dir_ok(cands[i], 64)) continue;
        char *p = NULL;
        if (asprintf(&p, "%s/%s", cands[i], hex) < 0) return NULL;
        return p;
    }
    return NULL;
}

static int try_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0) close(fd);
    return ok;
}

static void on_conn(void *arg, int delta)
{
    (void)arg;
    if (delta <= 0) return;
    pthread_mutex_lock(&conn_mu);
    ever_connected = 1;
    pthread_cond_broadcast(&conn_cv);
    pthread_mutex_unlock(&conn_mu);
}

/* The long-running server, in the forked child. */
static void daemon_main(int lfd) __attribute__((noreturn));
static void daemon_main(int lfd)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);
    reaper_start();
    events_start();
    struct rt_ttrpc_server *s = rt_ttrpc_server_new();
    rt_ttrpc_server_on_conn(s, on_conn, NULL);
    service_register(s);
    if (rt_ttrpc_server_serve(s, lfd) < 0) {
        rt_error("cannot serve: %s", strerror(errno));
        shim_exit(1);
    }
    rt_journal_write("shim", "serve", g.id, json_pack("{s:s,s:s}", "namespace", g.ns, "socket",
                                                        g.socket_path), NULL);
    const char *t = getenv("RTFAKE_IDLE_EXIT_SECS");
    int idle = t && *t ? atoi(t) : IDLE_EXIT_SECS;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += idle;
    pthread_mutex_lock(&conn_mu);
    while (!ever_connected)
        if (pthread_cond_timedwait(&conn_cv, &conn_mu, &ts) != 0) break;
    int connected = ever_connected;
    pthread_mutex_unlock(&conn_mu);
    if (!connected) {
        rt_warn("nobody connected within %d s: exiting", idle);
        shim_exit(0);
    }
    for (;;) pause();
}

/* Detach from the start pipe: fds 0/1 -> /dev/null, 2 -> the log FIFO when
 * someone reads it (never blocking), everything else closed; own session. */
static void daemonize_fds(int lfd)
{
    int nul = open("/dev/null", O_RDWR);
    dup2(nul, 0);
    dup2(nul, 1);
    int log = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    dup2(log >= 0 ? log : nul, 2);
    if (log >= 0) close(log);
    if (nul > 2) close(nul);
    if (lfd != 3) {
        dup2(lfd, 3);
        close(lfd);
    }
    fcntl(3, F_SETFD, FD_CLOEXEC);
    close_range(4, ~0U, 0);
    setsid();
}

static void action_start(void)
{
    read_start_options();
    char err[1024];
    json_t *cfg = rt_json_load_file("config.json", 16 << 20, err, sizeof err);
    if (!cfg) fail("open config.json: %s", rt_strerror(errno ? errno : ENOENT));
    struct fpset *fs;
    if (fpset_load(g.id, ".", &fs, err, sizeof err) < 0) {
        json_decref(cfg);
        rt_journal_write("shim", "start", g.id, opts_journal(&g.start_opts), err);
        fail("%s", err);
    }
    fpset_add(fs);
    int code;
    if (fpset_eval(fs, "@start", &code, err, sizeof err) != 0) {
        rt_journal_write("shim", "start", g.id, opts_journal(&g.start_opts), err);
        json_decref(cfg);
        fail("%s", err);
    }
    json_t *ann = json_object_get(cfg, "annotations");
    const char *group = rt_json_str(ann, "io.containerd.runc.v2.group", NULL);
    if (!group) group = rt_json_str(ann, "io.kubernetes.cri.sandbox-id", NULL);
    if (!group) group = g.id;
    g.socket_path = socket_path(group);
    json_decref(cfg);
    if (!g.socket_path) fail("no usable socket directory");
    char addr[4200];
    snprintf(addr, sizeof addr, "unix://%s", g.socket_path);

    int lfd = -1;
    if (try_connect(g.socket_path)) { /* shared shim: reuse it */
        lfd = -2;
    } else {
        lfd = rt_ttrpc_listen(g.socket_path, err, sizeof err);
        if (lfd < 0) fail("%s", err);
    }
    if (rt_atomic_write_flags("address", addr, strlen(addr), 0644, RT_AW_NO_SYNC, err, sizeof err) < 0) {
        if (lfd >= 0) unlink(g.socket_path);
        fail("%s", err);
    }
    if (lfd >= 0) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) fail("fork: %s", strerror(errno));
        if (pid == 0) {
            daemonize_fds(lfd);
            daemon_main(3);
        }
        close(lfd);
    }
    json_t *x = opts_journal(&g.start_opts);
    json_object_set_new(x, "address", json_string(addr));
    rt_journal_write("shim", "start", g.id, x, NULL);
    fputs(addr, stdout);
    fflush(stdout);
    exit(0);
}

/* `delete`: runtime delete --force, then a DeleteResponse on stdout only. */
static void action_delete(void)
{
    char cwd[4096];
    const char *bundle = getcwd(cwd, sizeof cwd) ? cwd : (g.bundle ? g.bundle : ".");
    struct fpset *fs = NULL;
    char err[1024];
    if (fpset_load(g.id, bundle, &fs, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    int code;
    if (fpset_eval(fs, "@delete", &code, err, sizeof err) != 0) {
        rt_journal_write("shim", "delete", g.id, NULL, err);
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    struct shim_opts o;
    opts_load_bundle(bundle, &o);
    char rootns[8400], logp[8400];
    snprintf(rootns, sizeof rootns, "%s/%s", o.root, g.ns);
    snprintf(logp, sizeof logp, "%s/log.json", bundle);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(2, 1); /* stdout is reserved for the DeleteResponse */
        execlp(o.binary_name, o.binary_name, "--root", rootns, "--log", logp, "--log-format",
               "json", "delete", "--force", g.id, (char *)NULL);
        fprintf(stderr, "exec %s: %s\n", o.binary_name, strerror(errno));
        _exit(127);
    }
    int st = 0;
    if (pid > 0) waitpid(pid, &st, 0);
    const char *rres = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? NULL
                                                                       : "runtime delete failed";
    if (rres) fprintf(stderr, "%s delete --force %s: exit status %d\n", o.binary_name, g.id,
                      WIFEXITED(st) ? WEXITSTATUS(st) : 255);
    Containerd__Task__V2__DeleteResponse r = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    ts.seconds = now.tv_sec;
    ts.nanos = (int32_t)now.tv_nsec;
    char *p = rt_path_join(bundle, "init.pid");
    r.pid = (uint32_t)read_pid_file(p);
    free(p);
    r.exit_status = 137;
    p = rt_path_join(bundle, ".rtfake-exit.json");
    json_t *ex = rt_json_load_file(p, 4096, NULL, 0);
    free(p);
    if (ex) { /* the daemon saw the real exit */
        r.exit_status = (uint32_t)rt_json_int(ex, "exit_status", 137);
        json_decref(ex);
    }
    r.exited_at = &ts;
    size_t len = containerd__task__v2__delete_response__get_packed_size(&r);
    uint8_t *buf = malloc(len ? len : 1);
    containerd__task__v2__delete_response__pack(&r, buf);
    json_t *x = opts_journal(&o);
    json_object_set_new(x, "exit_status", json_integer(r.exit_status));
    rt_journal_write("shim", "delete", g.id, x, NULL);
    if (len) fwrite(buf, 1, len, stdout);
    fflush(stdout);
    free(buf);
    exit(0);
}

int main(int argc, char **argv)
{
    g.argv0 = argv[0];
    char *a0 = strdup(argv[0]);
    g.prog = strdup(basename(a0));
    free(a0);
    g.kata = strstr(g.prog, "containerd-shim-rtkata-v2") != NULL;
    g.runtime_id = g.kata ? "io.containerd.kata.v2" : "io.containerd.runc.v2";
    rt_log_init(g.prog, RT_LOG_INFO);
    const char *action = parse_flags(argc, argv);
    if (g.debug) rt_log_set_level(RT_LOG_DEBUG);
    if (!g.ns || !*g.ns) fail("shim namespace cannot be empty");
    if (!g.id) g.id = strdup("");
    const char *ta = getenv("TTRPC_ADDRESS");
    g.ttrpc_address = ta ? strdup(ta) : NULL;
    char cwd[4096];
    if (!g.bundle) g.bundle = strdup(getcwd(cwd, sizeof cwd) ? cwd : ".");
    if (action && !strcmp(action, "start")) action_start();
    if (action && !strcmp(action, "delete")) action_delete();
    if (action) fail("invalid action %s", action);
    /* No action: serve an inherited listening socket on fd 3. */
    struct stat st;
    if (fstat(3, &st) < 0 || !S_ISSOCK(st.st_mode)) fail("no action and no socket on fd 3");
    read_start_options();
    struct fpset *fs;
    char err[1024];
    if (fpset_load(g.id, ".", &fs, err, sizeof err) < 0) fail("%s", err);
    fpset_add(fs);
    daemon_main(3);
}
