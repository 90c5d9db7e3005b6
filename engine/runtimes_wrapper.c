/* Wrapper scripts for path + runtimeArgs runtimes (engine spec §3.1).
 *
 * moby writes `#!/bin/sh\n<path> <args joined by ' '> $@\n` with no quoting.
 * We write plain words byte-identically (so the file names of §3.1 hold) but
 * single-quote any word the shell would split or expand ("Beyond the
 * reference"): `--root '/tmp/x y'` passes one argument, as configured. */
#include <fcntl.h>
#include <pthread.h>
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
    /* (strspn: one table pass, not a strchr per character; every reload
     * renders each args runtime's script to find its memo entry) */
    return *s && s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-")] == '\0';
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

/* Process-wide memo: (data-root, name, content) -> file path (the SHA-256
 * suffix computed once) and the identity of the file last verified or
 * written there. A reload then costs one lstat per unchanged wrapper; any
 * change to the file (rewrite, chmod, delete, replace) changes its inode,
 * size, mtime or ctime and sends us back to the content check. */
#define WM_BUCKETS 1024
#define WM_MAX 8192

struct wmemo {
    struct wmemo *next;
    char *key, *path;
    bool known;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
};

static pthread_mutex_t wm_mu = PTHREAD_MUTEX_INITIALIZER;
static struct wmemo *wm[WM_BUCKETS];
static size_t wm_n;

static size_t wm_hash(const char *s)
{
    size_t h = 1469598103934665603UL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211UL;
    return h % WM_BUCKETS;
}

static void wm_clear_locked(void)
{
    for (size_t i = 0; i < WM_BUCKETS; i++) {
        for (struct wmemo *e = wm[i], *n; e; e = n) {
            n = e->next;
            free(e->key), free(e->path), free(e);
        }
        wm[i] = NULL;
    }
    wm_n = 0;
}

static bool same_file(const struct wmemo *e, const struct stat *st)
{
    return e->known && st->st_dev == e->dev && st->st_ino == e->ino && st->st_size == e->size &&
           st->st_mtim.tv_sec == e->mtim.tv_sec && st->st_mtim.tv_nsec == e->mtim.tv_nsec &&
           st->st_ctim.tv_sec == e->ctim.tv_sec && st->st_ctim.tv_nsec == e->ctim.tv_nsec;
}

static void remember(struct wmemo *e, const struct stat *st)
{
    e->known = true;
    e->dev = st->st_dev, e->ino = st->st_ino, e->size = st->st_size;
    e->mtim = st->st_mtim, e->ctim = st->st_ctim;
}

/* The memo entry for KEY, created with its path (NULL + ERR on failure). */
static struct wmemo *wm_get_locked(const char *key, const char *data_root, const char *name, const char *content,
                                   char *err, size_t errlen)
{
    size_t b = wm_hash(key);
    for (struct wmemo *e = wm[b]; e; e = e->next)
        if (!strcmp(e->key, key)) return e;
    char suffix[RT_WRAPPER_SUFFIX_LEN + 1];
    if (rt_wrapper_suffix(content, strlen(content), suffix) < 0) {
        snprintf(err, errlen, "runtime %s: cannot hash the wrapper script", name);
        return NULL;
    }
    if (wm_n >= WM_MAX) wm_clear_locked(); /* bounded; rebuilt on demand */
    struct wmemo *e = calloc(1, sizeof *e);
    if (!e) abort();
    e->key = strdup(key);
    if (asprintf(&e->path, "%s/runtimes/%s.%s", data_root, name, suffix) < 0 || !e->key) abort();
    e->next = wm[b];
    wm[b] = e;
    wm_n++;
    return e;
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
    size_t len = strlen(content);
    char *key;
    if (asprintf(&key, "%s\x1f%s\x1f%s", data_root, rt->name, content) < 0) abort();
    int rc = -1;
    pthread_mutex_lock(&wm_mu);
    struct wmemo *e = wm_get_locked(key, data_root, rt->name, content, err, errlen);
    struct stat st;
    if (e && lstat(e->path, &st) == 0 && S_ISREG(st.st_mode) && same_file(e, &st)) {
        rc = 0; /* unchanged since we last checked or wrote it */
    } else if (e && wrapper_current(e->path, content, len)) {
        rc = 0;
        if (lstat(e->path, &st) == 0) remember(e, &st);
    } else if (e && rt_atomic_write_flags(e->path, content, len, 0700, RT_AW_NO_SYNC, err, errlen) == 0) {
        /* no fsync: <data-root>/runtimes is wiped and rebuilt at every start,
         * so a wrapper never has to survive a power loss */
        rc = 0;
        if (lstat(e->path, &st) == 0) remember(e, &st);
        else e->known = false;
    }
    if (rc == 0) rt->wrapper = strdup(e->path);
    pthread_mutex_unlock(&wm_mu);
    free(key), free(content);
    if (rc == 0 && !rt->wrapper) abort();
    return rc;
}
