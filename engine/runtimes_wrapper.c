/* Wrapper scripts for path + runtimeArgs runtimes (engine spec §3.1).
 *
 * moby writes `#!/bin/sh\n<path> <args joined by ' '> $@\n` with no quoting.
 * We write plain words byte-identically (so the file names of §3.1 hold) but
 * single-quote any word the shell would split or expand ("Beyond the
 * reference"): `--root '/tmp/x y'` passes one argument, as configured. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/runtimes_int.h"
#include "fsutil.h"
#include "naming.h"

static bool plain_word(const char *s)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-", *s)) return false;
    return true;
}

struct buf {
    char *p;
    size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* One word, single-quoted when needed ('...' with ' written as '\''). */
static void put_word(struct buf *b, const char *s)
{
    if (plain_word(s)) {
        put(b, s, strlen(s));
        return;
    }
    put(b, "'", 1);
    for (; *s; s++) {
        if (*s == '\'') put(b, "'\\''", 4);
        else put(b, s, 1);
    }
    put(b, "'", 1);
}

/* Is PATH already our wrapper with exactly CONTENT (a regular file we own,
 * mode 0700)? The name carries the content's digest and wrappers are never
 * modified while the engine runs (§3.1, §4.2), so an identical file can stay:
 * rewriting and fsyncing it on every reload cost seconds with 1000
 * runtimes. Anything else (missing, changed, wrong mode) is rewritten. */
static bool wrapper_current(const char *path, const char *content, size_t len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0700 &&
                st.st_uid == geteuid() && (size_t)st.st_size == len;
    if (same) {
        char *got = malloc(len + 1);
        if (!got) abort();
        size_t at = 0;
        while (at < len) {
            ssize_t n = read(fd, got + at, len - at);
            if (n <= 0) break;
            at += (size_t)n;
        }
        same = at == len && memcmp(got, content, len) == 0;
        free(got);
    }
    close(fd);
    return same;
}

char *rt_wrapper_content(const char *path, char *const *args, size_t nargs)
{
    struct buf b = {NULL, 0, 0};
    put(&b, "#!/bin/sh\n", 10);
    put_word(&b, path);
    for (size_t i = 0; i < nargs; i++) {
        put(&b, " ", 1);
        put_word(&b, args[i]);
    }
    put(&b, " $@\n", 4);
    return b.p;
}

int rt_wrapper_write(struct rt_runtime *rt, const char *data_root, char *err, size_t errlen)
{
    /* The name becomes a file name: '/' would leave the directory (or fail
     * on a missing sub-directory) and a leading '.' hides or escapes it. */
    if (strchr(rt->name, '/') || rt->name[0] == '.') {
        snprintf(err, errlen, "runtime %s: name cannot be used for a wrapper script", rt->name);
        return -1;
    }
    char *content = rt_wrapper_content(rt->path, rt->args, rt->nargs);
    char suffix[RT_WRAPPER_SUFFIX_LEN + 1];
    if (rt_wrapper_suffix(content, strlen(content), suffix) < 0) {
        snprintf(err, errlen, "runtime %s: cannot hash the wrapper script", rt->name);
        free(content);
        return -1;
    }
    char *dir = rt_path_join(data_root, "runtimes");
    size_t n = strlen(dir) + strlen(rt->name) + sizeof suffix + 4;
    char *path = malloc(n);
    if (!path) abort();
    snprintf(path, n, "%s/%s.%s", dir, rt->name, suffix);
    free(dir);
    size_t len = strlen(content);
    int rc = wrapper_current(path, content, len) ? 0 : rt_atomic_write(path, content, len, 0700, err, errlen);
    free(content);
    if (rc < 0) {
        free(path);
        return -1;
    }
    rt->wrapper = path;
    return 0;
}
