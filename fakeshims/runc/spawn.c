/* Fork the container (or exec) process on the host: no namespaces, no
 * chroot. The child becomes a session leader, takes the process's cwd and
 * env, optionally a pty whose master goes to --console-socket, and with an
 * exec fifo blocks until `start` reads it (as runc's init does). Setup
 * errors travel back over a CLOEXEC status pipe so create/exec fail loudly. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakerunc.h"
#include "fsutil.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Go's exec.LookPath with the process's PATH, relative names against CWD.
 * Returns a malloc'd path or NULL with C->err in runc's wording. */
static char *lookpath(struct frc *c, const char *name, const char *path_env, const char *cwd)
{
    if (strchr(name, '/')) {
        char *p = name[0] == '/' ? strdup(name) : rt_path_join(cwd, name);
        struct stat st;
        if (stat(p, &st) < 0) {
            frc_fail(c, "runc %s failed: unable to start container process: exec: \"%s\": stat %s: %s", c->cmd,
                     name, name, rt_strerror(errno));
            free(p);
            return NULL;
        }
        if (!is_exec_file(p)) {
            frc_fail(c, "runc %s failed: unable to start container process: exec: \"%s\": permission denied",
                     c->cmd, name);
            free(p);
            return NULL;
        }
        return p;
    }
    const char *s = path_env ? path_env : DEFAULT_PATH;
    for (;;) {
        const char *colon = strchr(s, ':');
        size_t l = colon ? (size_t)(colon - s) : strlen(s);
        char *dir = l ? strndup(s, l) : strdup(".");
        char *full = dir[0] == '/' ? rt_path_join(dir, name) : NULL;
        if (!full) {
            char *d2 = rt_path_join(cwd, dir);
            full = rt_path_join(d2, name);
            free(d2);
        }
        free(dir);
        if (is_exec_file(full)) return full;
        free(full);
        if (!colon) break;
        s = colon + 1;
    }
    frc_fail(c, "runc %s failed: unable to start container process: exec: \"%s\": executable file not found in $PATH",
             c->cmd, name);
    return NULL;
}

static char **str_array(const json_t *arr)
{
    size_t n = json_array_size(arr);
    char **v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (char *)json_string_value(json_array_get(arr, i));
    return v;
}

/* Send the pty master to the console socket (SCM_RIGHTS), as runc does. */
static int send_console(struct frc *c, const char *sock_path, int master)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(sock_path) >= sizeof sa.sun_path) return frc_fail(c, "console socket path too long: %s", sock_path);
    strcpy(sa.sun_path, sock_path);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        if (s >= 0) close(s);
        return frc_fail(c, "dial unix %s: connect: %s", sock_path, rt_strerror(e));
    }
    char name[] = "/dev/ptmx";
    struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &master, sizeof(int));
    int rc = sendmsg(s, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
    int e = errno;
    close(s);
    if (rc < 0) return frc_fail(c, "send console to %s: %s", sock_path, rt_strerror(e));
    return 0;
}

/* In the child: report TEXT on the status pipe and die. */
static void child_die(int status_fd, const char *what, int err)
{
    dprintf(status_fd, "%s: %s", what, rt_strerror(err));
    _exit(127);
}

static void child_reset_signals(void)
{
    struct sigaction sa = {.sa_handler = SIG_DFL};
    for (int s = 1; s < NSIG; s++) sigaction(s, &sa, NULL); /* fails harmlessly for KILL/STOP */
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
}

int frc_spawn(struct frc *c, const struct frc_proc *p, pid_t *pid)
{
    const json_t *args = json_object_get(p->process, "args");
    if (!json_is_array(args) || !json_array_size(args)) return frc_fail(c, "args must not be empty");
    for (size_t i = 0; i < json_array_size(args); i++)
        if (!json_is_string(json_array_get(args, i))) return frc_fail(c, "process.args must be strings");
    const json_t *env = json_object_get(p->process, "env");
    const char *path_env = NULL;
    for (size_t i = 0; i < json_array_size(env); i++) {
        const char *e = json_string_value(json_array_get(env, i));
        if (!e) return frc_fail(c, "process.env must be strings");
        if (!strncmp(e, "PATH=", 5)) path_env = e + 5;
    }
    /* cwd is a host path here (no chroot); a missing one falls back to the bundle. */
    const char *cwd = json_string_value(json_object_get(p->process, "cwd"));
    struct stat st;
    if (!cwd || !*cwd || stat(cwd, &st) < 0 || !S_ISDIR(st.st_mode)) cwd = p->bundle;
    char *exe = lookpath(c, json_string_value(json_array_get(args, 0)), path_env, cwd);
    if (!exe) return -1;

    int master = -1;
    char slave[128] = "";
    if (p->console_socket) {
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, slave, sizeof slave)) {
            if (master >= 0) close(master);
            free(exe);
            return frc_fail(c, "open pty: %s", rt_strerror(errno));
        }
    }
    int sp[2];
    if (pipe2(sp, O_CLOEXEC) < 0) {
        free(exe);
        if (master >= 0) close(master);
        return frc_fail(c, "pipe: %s", rt_strerror(errno));
    }
    char **av = str_array(args), **ev = str_array(env);
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        close(sp[0]);
        if (c->lock_fd >= 0) close(c->lock_fd); /* a created child must not hold the state lock */
        child_reset_signals();
        if (setsid() < 0) child_die(sp[1], "setsid", errno);
        if (master >= 0) {
            int t = open(slave, O_RDWR);
            if (t < 0) child_die(sp[1], "open console", errno);
            if (ioctl(t, TIOCSCTTY, 0) < 0) child_die(sp[1], "set controlling terminal", errno);
            dup2(t, 0), dup2(t, 1), dup2(t, 2);
            if (t > 2) close(t);
            close(master);
        }
        if (chdir(cwd) < 0) child_die(sp[1], "chdir to cwd", errno);
        close_range(3, ~0U, CLOSE_RANGE_CLOEXEC); /* nothing of ours leaks into the container */
        close(sp[1]);                              /* setup done: the status pipe reads EOF */
        if (p->exec_fifo) {
            int f;
            do f = open(p->exec_fifo, O_WRONLY | O_CLOEXEC); /* blocks until `start` opens it */
            while (f < 0 && errno == EINTR);
            if (f < 0) _exit(127);
            if (write(f, "0", 1) != 1) _exit(127);
            close(f);
        }
        execve(exe, av, ev);
        dprintf(2, "fakerunc: exec %s: %s\n", exe, rt_strerror(errno));
        _exit(127);
    }
    int fork_errno = errno;
    close(sp[1]);
    free(av), free(ev), free(exe);
    if (child < 0) {
        close(sp[0]);
        if (master >= 0) close(master);
        return frc_fail(c, "fork: %s", rt_strerror(fork_errno));
    }
    char msg[512];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof msg - 1 && ((n = read(sp[0], msg + got, sizeof msg - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) got += (size_t)n;
    close(sp[0]);
    msg[got] = '\0';
    if (got) {
        waitpid(child, NULL, 0);
        if (master >= 0) close(master);
        return frc_fail(c, "runc %s failed: unable to start container process: %s", c->cmd, msg);
    }
    if (master >= 0) {
        int rc = send_console(c, p->console_socket, master);
        close(master);
        if (rc < 0) {
            kill(child, SIGKILL);
            waitpid(child, NULL, 0);
            return -1;
        }
    }
    *pid = child;
    return 0;
}

int frc_write_pid_file(struct frc *c, const char *path, pid_t pid)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", (int)pid);
    char err[512];
    /* runc state is volatile (it lives on tmpfs): atomic, not fsynced */
    if (rt_atomic_write_flags(path, buf, (size_t)n, 0644, RT_AW_NO_SYNC, err, sizeof err) < 0)
        return frc_fail(c, "%s", err);
    return 0;
}
