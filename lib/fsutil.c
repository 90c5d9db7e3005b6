#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

const char *rt_strerror(int errnum)
{
    static __thread char buf[128];
    const char *s = strerror_r(errnum, buf, sizeof buf);
    if (s != buf) snprintf(buf, sizeof buf, "%s", s);
    if (buf[0] >= 'A' && buf[0] <= 'Z') buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

static void fail_text(char *errbuf, size_t errlen, const char *op, const char *path)
{
    if (errbuf && errlen) snprintf(errbuf, errlen, "%s %s: %s", op, path, rt_strerror(errno));
}

int rt_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int rt_atomic_write(const char *path, const void *data, size_t len, mode_t mode,
                    char *errbuf, size_t errlen)
{
    return rt_atomic_write_flags(path, data, len, mode, 0, errbuf, errlen);
}

int rt_atomic_write_flags(const char *path, const void *data, size_t len, mode_t mode, unsigned flags,
                          char *errbuf, size_t errlen)
{
    char *dcopy = strdup(path), *bcopy = strdup(path);
    if (!dcopy || !bcopy) {
        free(dcopy), free(bcopy);
        errno = ENOMEM;
        return -1;
    }
    const char *dir = dirname(dcopy), *base = basename(bcopy);
    unsigned int rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) < 0) rnd = (unsigned int)getpid();
    size_t tlen = strlen(dir) + strlen(base) + 32;
    char *tmp = malloc(tlen);
    if (!tmp) {
        free(dcopy), free(bcopy);
        errno = ENOMEM;
        return -1;
    }
    snprintf(tmp, tlen, "%s/.tmp-%s%u", dir, base, rnd);

    int rc = -1, saved = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
    if (fd < 0) {
        fail_text(errbuf, errlen, "open", tmp);
        goto out;
    }
    if (write_all(fd, data, len) < 0) { fail_text(errbuf, errlen, "write", tmp); goto fail_fd; }
    if (!(flags & RT_AW_NO_SYNC) && fsync(fd) < 0) { fail_text(errbuf, errlen, "sync", tmp); goto fail_fd; }
    /* The umask may have masked MODE at open. */
    if (fchmod(fd, mode & 07777) < 0) { fail_text(errbuf, errlen, "chmod", tmp); goto fail_fd; }
    if (close(fd) < 0) { fd = -1; fail_text(errbuf, errlen, "close", tmp); goto fail_tmp; }
    fd = -1;
    if (rename(tmp, path) < 0) { fail_text(errbuf, errlen, "rename", tmp); goto fail_tmp; }
    if (!(flags & (RT_AW_NO_SYNC | RT_AW_NO_DIRSYNC)) && rt_fsync_dir(dir) < 0) { fail_text(errbuf, errlen, "sync", dir); goto out; }
    rc = 0;
    goto out;
fail_fd:
    saved = errno;
    close(fd);
    errno = saved;
fail_tmp:
    saved = errno;
    unlink(tmp);
    errno = saved;
out:
    saved = errno;
    free(tmp), free(dcopy), free(bcopy);
    errno = saved;
    return rc;
}

int rt_mkdir_p(const char *path, mode_t mode)
{
    char *p = strdup(path);
    if (!p) return errno = ENOMEM, -1;
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST) {
                int e = errno;
                free(p);
                return errno = e, -1;
            }
            *s = c;
            if (!c) break;
        }
    }
    free(p);
    struct stat st;
    if (stat(path, &st) < 0) return -1;
    if (!S_ISDIR(st.st_mode)) return errno = ENOTDIR, -1;
    return 0;
}

static int rm_at(int dirfd, const char *name)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return -1;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    DIR *d = fdopendir(fd);
    if (!d) { close(fd); return -1; }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (rm_at(fd, e->d_name) < 0) rc = -1;
    }
    closedir(d);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) rc = -1;
    return rc;
}

int rt_rm_rf(const char *path)
{
    return rm_at(AT_FDCWD, path);
}

char *rt_read_file(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (n == cap) {
            if (cap >= max) {
                char probe;
                ssize_t r;
                do r = read(fd, &probe, 1); while (r < 0 && errno == EINTR);
                if (r == 0) break; /* exactly MAX bytes */
                free(buf);
                buf = NULL;
                errno = r < 0 ? errno : EFBIG;
                break;
            }
            cap = cap * 2 > max ? max : cap * 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) { free(buf); buf = NULL; errno = ENOMEM; break; }
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) continue;
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    int e = errno;
    close(fd);
    errno = e;
    if (!buf) return NULL;
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

char *rt_path_join(const char *dir, const char *name)
{
    char *out;
    size_t dl = strlen(dir);
    const char *sep = (dl && dir[dl - 1] == '/') ? "" : "/";
    if (asprintf(&out, "%s%s%s", dir, sep, name) < 0) return NULL;
    return out;
}
