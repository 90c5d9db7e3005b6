/* The OCI `features` probe (engine spec §1.4, v25+): `<BinaryName> features`
 * for every runc-kind runtime each time a set is built; failure is a warning.
 *
 * Decision: results (successes and failures) are cached process-wide, keyed
 * on the resolved binary's path, inode, size and mtime plus the runtime's
 * args. moby re-runs the probe on every reload; with 1000 runtimes that is
 * 1000 fork/execs per SIGHUP, far over the 100 ms reload budget. Replacing
 * or touching the binary changes the key, so a new binary is probed again.
 * Wrappers are keyed on their target binary + args (the wrapper file itself
 * gets a new inode on every build). Not persisted under data-root: the key
 * cannot prove the answer is unchanged across restarts (a reinstall can
 * keep path, size and mtime; a wrapper's answer also depends on the target
 * and environment), and a stale on-disk cache would be one more file to
 * keep crash-consistent. Startup instead probes in a background thread
 * (rt_runtimes_probe_async): the API serves at once and /info, the only
 * reader of the result, waits for it. Reloads probe inline (cache hits). */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/runtimes_int.h"
#include "log.h"
#include "tmoscale.h"

extern char **environ;

#define PROBE_TIMEOUT_MS 5000
#define PROBE_MAX_OUTPUT (1u << 20)
#define CACHE_BUCKETS 1024
#define CACHE_MAX 8192

/* The features JSON is shared by the cache and every runtime whose probe
 * hit it: a reference count sits in front of the text (a reload of 12
 * runtimes used to copy 1-3 KB each and free them again with the set). */
struct shared_text {
    int refs;
    char text[];
};

static char *text_new(const char *s)
{
    size_t n = strlen(s) + 1;
    struct shared_text *h = malloc(sizeof *h + n);
    if (!h) return NULL;
    h->refs = 1;
    memcpy(h->text, s, n);
    return h->text;
}

static struct shared_text *head_of(char *t)
{
    return (struct shared_text *)(t - offsetof(struct shared_text, text));
}

static char *text_ref(char *t)
{
    if (t) __atomic_add_fetch(&head_of(t)->refs, 1, __ATOMIC_RELAXED);
    return t;
}

void rt_features_text_put(char *t)
{
    if (!t) return;
    struct shared_text *h = head_of(t);
    if (__atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) == 0) free(h);
}

struct centry {
    struct centry *next;
    char *key;
    struct shared_text *features; /* NULL: the probe failed (the block's start: valgrind
                                   * sees the cache's texts as reachable) */
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct centry *cache[CACHE_BUCKETS];
static size_t cache_n;

static unsigned long hash(const char *s)
{
    unsigned long h = 1469598103934665603UL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211UL;
    return h;
}

static void cache_clear_locked(void)
{
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        for (struct centry *e = cache[i], *n; e; e = n) {
            n = e->next;
            free(e->key), rt_features_text_put(e->features ? e->features->text : NULL), free(e);
        }
        cache[i] = NULL;
    }
    cache_n = 0;
}

/* 1 and *OUT (copy, may be NULL) on a hit; 0 on a miss. */
static int cache_get(const char *key, char **out)
{
    int hit = 0;
    pthread_mutex_lock(&cache_mu);
    for (struct centry *e = cache[hash(key) % CACHE_BUCKETS]; e; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            *out = e->features ? text_ref(e->features->text) : NULL;
            hit = 1;
            break;
        }
    }
    pthread_mutex_unlock(&cache_mu);
    return hit;
}

static void cache_put(const char *key, char *features)
{
    pthread_mutex_lock(&cache_mu);
    if (cache_n >= CACHE_MAX) cache_clear_locked(); /* bounded; rebuilt on demand */
    struct centry *e = calloc(1, sizeof *e);
    if (e) {
        e->key = strdup(key);
        e->features = features ? head_of(text_ref(features)) : NULL;
        size_t b = hash(key) % CACHE_BUCKETS;
        e->next = cache[b];
        cache[b] = e;
        cache_n++;
    }
    pthread_mutex_unlock(&cache_mu);
}

static long elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void drain(int fd, char **buf, size_t *len, bool *open_)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0) {
        if (n == 0 || (errno != EINTR && errno != EAGAIN)) *open_ = false;
        return;
    }
    if (*len + (size_t)n > PROBE_MAX_OUTPUT) return; /* keep reading, drop the excess */
    char *nb = realloc(*buf, *len + (size_t)n + 1);
    if (!nb) return;
    *buf = nb;
    memcpy(nb + *len, tmp, (size_t)n);
    *len += (size_t)n;
    nb[*len] = '\0';
}

/* Probes in flight, so that shutdown can end them: a startup with 1000
 * uncached runtimes would otherwise keep the engine (and a `features`
 * child it no longer waits for) alive long after SIGTERM. */
static pthread_mutex_t inflight_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t inflight_cv = PTHREAD_COND_INITIALIZER;
static pid_t inflight[8];
static int unreaped; /* probes spawned and not yet waited for */
static bool stopping;

/* Record PID as in flight; false once shutdown began (the caller kills it). */
static bool inflight_add(pid_t pid)
{
    pthread_mutex_lock(&inflight_mu);
    unreaped++;
    bool ok = !stopping;
    /* (More than 8 at once: the rest are not killed, only waited for.) */
    for (size_t i = 0; ok && i < sizeof inflight / sizeof *inflight; i++)
        if (!inflight[i]) { inflight[i] = pid; break; }
    pthread_mutex_unlock(&inflight_mu);
    return ok;
}

/* Called before PID is reaped, so a kill above never hits a reused pid. */
static void inflight_del(pid_t pid)
{
    pthread_mutex_lock(&inflight_mu);
    for (size_t i = 0; i < sizeof inflight / sizeof *inflight; i++)
        if (inflight[i] == pid) inflight[i] = 0;
    pthread_mutex_unlock(&inflight_mu);
}

static void probe_reaped(void)
{
    pthread_mutex_lock(&inflight_mu);
    unreaped--;
    pthread_cond_broadcast(&inflight_cv);
    pthread_mutex_unlock(&inflight_mu);
}

void rt_runtimes_probe_cancel(void)
{
    pthread_mutex_lock(&inflight_mu);
    stopping = true;
    for (size_t i = 0; i < sizeof inflight / sizeof *inflight; i++)
        if (inflight[i]) kill(inflight[i], SIGKILL);
    /* Until the killed probes are reaped (bounded): the engine must not
     * exit leaving a zombie for init, which a caller checking that the
     * probe is gone would still see. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2 * rt_timeout_scaled_ms(1000) / 1000;
    while (unreaped > 0 && pthread_cond_timedwait(&inflight_cv, &inflight_mu, &until) == 0) {}
    pthread_mutex_unlock(&inflight_mu);
}

static bool probe_stopping(void)
{
    pthread_mutex_lock(&inflight_mu);
    bool s = stopping;
    pthread_mutex_unlock(&inflight_mu);
    return s;
}

/* Run BIN features; 0 with *OUT = stdout, or -1 with REASON (Go-ish
 * "exit status N") and *ERRTXT = stderr. */
static int run_probe(const char *bin, char **out, char **errtxt, char *reason, size_t rlen)
{
    int po[2], pe[2];
    *out = *errtxt = NULL;
    if (pipe2(po, O_CLOEXEC) < 0) { snprintf(reason, rlen, "%s", strerror(errno)); return -1; }
    if (pipe2(pe, O_CLOEXEC) < 0) {
        close(po[0]), close(po[1]);
        snprintf(reason, rlen, "%s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, defs;
    sigemptyset(&none);
    sigemptyset(&defs);
    sigaddset(&defs, SIGPIPE);
    posix_spawnattr_setsigmask(&at, &none);  /* the engine blocks SIGTERM etc. */
    posix_spawnattr_setsigdefault(&at, &defs);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    char *argv[] = {(char *)bin, (char *)"features", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, bin, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(po[1]), close(pe[1]);
    if (rc != 0) {
        close(po[0]), close(pe[0]);
        snprintf(reason, rlen, "fork/exec %s: %s", bin, strerror(rc));
        return -1;
    }
    if (!inflight_add(pid)) kill(pid, SIGKILL);
    size_t olen = 0, elen = 0;
    bool oopen = true, eopen = true, timed_out = false;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (oopen || eopen) {
        long left = rt_timeout_scaled_ms(PROBE_TIMEOUT_MS) - elapsed_ms(&t0);
        if (left <= 0) {
            timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        struct pollfd pf[2] = {{oopen ? po[0] : -1, POLLIN, 0}, {eopen ? pe[0] : -1, POLLIN, 0}};
        if (poll(pf, 2, (int)left) < 0 && errno != EINTR) break;
        if (pf[0].revents) drain(po[0], out, &olen, &oopen);
        if (pf[1].revents) drain(pe[0], errtxt, &elen, &eopen);
    }
    close(po[0]), close(pe[0]);
    inflight_del(pid);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    probe_reaped();
    if (timed_out) { snprintf(reason, rlen, "signal: killed"); return -1; }
    if (WIFSIGNALED(status)) { snprintf(reason, rlen, "signal: %s", strsignal(WTERMSIG(status))); return -1; }
    if (WEXITSTATUS(status) != 0) { snprintf(reason, rlen, "exit status %d", WEXITSTATUS(status)); return -1; }
    return 0;
}

/* Per-build memo of target -> (resolved path, stat) or lookup error. */
struct memo_entry {
    char *target, *resolved, *error;
    char *key;                 /* the cache key's part for the binary (target_key) */
    struct stat st;
    bool warned;               /* one lookup warning per binary per build */
};

struct rt_probe_memo {
    struct memo_entry *e;
    size_t n, cap;
};

struct rt_probe_memo *rt_probe_memo_new(void)
{
    return calloc(1, sizeof(struct rt_probe_memo));
}

void rt_probe_memo_free(struct rt_probe_memo *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) free(m->e[i].target), free(m->e[i].resolved), free(m->e[i].error), free(m->e[i].key);
    free(m->e);
    free(m);
}

/* Resolve TARGET on PATH and stat it, once per build. */
static struct memo_entry *lookup_target(struct rt_probe_memo *m, const char *target, struct memo_entry *tmp)
{
    for (size_t i = 0; m && i < m->n; i++)
        if (strcmp(m->e[i].target, target) == 0) return &m->e[i];
    char msg[2048];
    memset(tmp, 0, sizeof *tmp);
    tmp->target = strdup(target);
    if (rt_lookpath(target, &tmp->resolved, msg, sizeof msg) < 0) tmp->error = strdup(msg);
    else if (stat(tmp->resolved, &tmp->st) < 0) memset(&tmp->st, 0, sizeof tmp->st);
    if (!m) return tmp;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        struct memo_entry *n = realloc(m->e, cap * sizeof *n);
        if (!n) return tmp;
        m->e = n, m->cap = cap;
    }
    m->e[m->n] = *tmp;
    memset(tmp, 0, sizeof *tmp);
    return &m->e[m->n++];
}

/* The binary's part of the cache key, made once per build: resolved path,
 * device, inode, size and mtime. */
static const char *target_key(struct memo_entry *me)
{
    if (!me->key &&
        asprintf(&me->key, "%s|%lu|%lu|%lld|%lld.%09ld", me->resolved, (unsigned long)me->st.st_dev,
                 (unsigned long)me->st.st_ino, (long long)me->st.st_size, (long long)me->st.st_mtim.tv_sec,
                 me->st.st_mtim.tv_nsec) < 0)
        abort();
    return me->key;
}

void rt_features_probe(struct rt_runtime *rt, struct rt_probe_memo *memo)
{
    /* Which file to stat for the key and which to execute. */
    const char *target = rt->kind == RT_RK_PATH_ARGS ? rt->path : rt->runc.binary_name;
    if (!target || !*target) return;
    struct memo_entry tmp = {0};
    struct memo_entry *me = lookup_target(memo, target, &tmp);
    if (me->error) {
        if (!me->warned)
            rt_log_kv(RT_LOG_WARN, "error", me->error, "Failed to run [%s features]: \"\"",
                      rt->kind == RT_RK_PATH_ARGS ? rt->wrapper : target);
        me->warned = true;
        free(tmp.target), free(tmp.resolved), free(tmp.error), free(tmp.key);
        return;
    }
    char *resolved = strdup(me->resolved);
    /* key = binary part + each arg after a \x1f */
    const char *bin = target_key(me);
    size_t blen = strlen(bin), klen = blen + 1, k = blen;
    bool args = rt->kind == RT_RK_PATH_ARGS;
    for (size_t i = 0; args && i < rt->nargs; i++) klen += strlen(rt->args[i]) + 1;
    char *key = malloc(klen);
    if (!key || !resolved) abort();
    memcpy(key, bin, blen);
    for (size_t i = 0; args && i < rt->nargs; i++) {
        size_t n = strlen(rt->args[i]);
        key[k++] = '\x1f';
        memcpy(key + k, rt->args[i], n);
        k += n;
    }
    key[k] = '\0';
    free(tmp.target), free(tmp.resolved), free(tmp.error), free(tmp.key);

    char *cached = NULL;
    if (cache_get(key, &cached)) {
        rt->features = cached;
        free(key), free(resolved);
        return;
    }
    const char *exe = rt->kind == RT_RK_PATH_ARGS ? rt->wrapper : resolved;
    char *out = NULL, *errtxt = NULL, reason[256];
    char *features = NULL;
    if (run_probe(exe, &out, &errtxt, reason, sizeof reason) == 0) {
        json_error_t je;
        json_t *j = out ? json_loads(out, 0, &je) : NULL;
        if (j && json_is_object(j)) {
            char *dumped = json_dumps(j, JSON_COMPACT);
            if (dumped) features = text_new(dumped);
            free(dumped);
        } else {
            rt_log_kv(RT_LOG_WARN, "error", out ? je.text : "empty output",
                      "Failed to parse the features of [%s features]", exe);
        }
        json_decref(j);
    } else {
        size_t n = errtxt ? strlen(errtxt) : 0;
        while (n && (errtxt[n - 1] == '\n' || errtxt[n - 1] == ' ')) errtxt[--n] = '\0';
        rt_log_kv(RT_LOG_WARN, "error", reason, "Failed to run [%s features]: \"%s\"", exe, errtxt ? errtxt : "");
    }
    cache_put(key, features);
    rt->features = features;
    free(out), free(errtxt), free(key), free(resolved);
}

/* One set is probed at a time: a reload right after startup waits for the
 * background probes (and then hits the cache they filled) instead of
 * running the same 1000 probes again beside them. */
static pthread_mutex_t probe_all_mu = PTHREAD_MUTEX_INITIALIZER;

void rt_features_probe_all(struct rt_runtime_set *set)
{
    pthread_mutex_lock(&probe_all_mu);
    struct rt_probe_memo *memo = rt_probe_memo_new();
    for (size_t i = 0; i < set->n && !probe_stopping(); i++)
        if (set->rt[i].opts_type == RT_OPTS_RUNC && set->rt[i].kind != RT_RK_SHIM)
            rt_features_probe(&set->rt[i], memo);
    rt_probe_memo_free(memo);
    pthread_mutex_unlock(&probe_all_mu);
}

struct rt_probe_job {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done, joinable;
};

static void *probe_main(void *arg)
{
    struct rt_runtime_set *set = arg;
    rt_features_probe_all(set);
    pthread_mutex_lock(&set->probe->mu);
    set->probe->done = true; /* the mutex publishes every rt->features */
    pthread_cond_broadcast(&set->probe->cv);
    pthread_mutex_unlock(&set->probe->mu);
    return NULL;
}

void rt_runtimes_probe_async(struct rt_runtime_set *set)
{
    struct rt_probe_job *j = calloc(1, sizeof *j);
    if (!j) {
        rt_features_probe_all(set);
        return;
    }
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    set->probe = j;
    if (pthread_create(&j->thread, NULL, probe_main, set) == 0) {
        j->joinable = true;
        return;
    }
    rt_features_probe_all(set);
    j->done = true;
}

void rt_runtimes_probe_wait(const struct rt_runtime_set *set)
{
    struct rt_probe_job *j = set->probe;
    if (!j) return;
    pthread_mutex_lock(&j->mu);
    while (!j->done) pthread_cond_wait(&j->cv, &j->mu);
    pthread_mutex_unlock(&j->mu);
}

void rt_features_probe_end(struct rt_runtime_set *set)
{
    struct rt_probe_job *j = set->probe;
    if (!j) return;
    rt_runtimes_probe_wait(set);
    if (j->joinable) pthread_join(j->thread, NULL);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
    set->probe = NULL;
}
