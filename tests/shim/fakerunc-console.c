/* Test helper: the receiving end of runc's --console-socket. Listens on
 * SOCK, returns once listening (the accepting child stays behind), takes one
 * pty master over SCM_RIGHTS and copies what the container writes to its
 * terminal into OUT until the terminal closes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int recv_fd(int conn)
{
    char name[256];
    struct iovec iov = {.iov_base = name, .iov_len = sizeof name};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    if (recvmsg(conn, &msg, 0) <= 0) return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_type != SCM_RIGHTS) return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    return fd;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SOCK OUT\n", argv[0]);
        return 2;
    }
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
    unlink(argv[1]);
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 1) < 0) {
        perror("listen");
        return 1;
    }
    if (fork() != 0) return 0; /* listening: the caller may go on */
    int conn = accept(s, NULL, NULL);
    int master = conn >= 0 ? recv_fd(conn) : -1;
    if (master < 0) return 1;
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char buf[4096];
    ssize_t n;
    while ((n = read(master, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0 && write(out, buf, (size_t)n) != n) break;
    close(out);
    return 0; /* EIO: every slave fd is closed, the container is gone */
}
