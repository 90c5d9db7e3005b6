/* Restore at startup (spec §5.3): load every <data-root>/containers/<id>/,
 * re-save it (which drops an empty Runtime key; a file whose text is
 * unchanged is not rewritten, so only foreign or upgraded state is written,
 * once), never migrate Runtime. Tombstones of interrupted removals go.
 *
 * A container recorded as running goes to the shim manager: with
 * live-restore it reconnects to the task's shim (and the container stays
 * running); otherwise, or when the task is gone, the task is killed and
 * cleaned up and its exit recorded (ExitCode from the task, 255 when there
 * is none; FinishedAt now). A stopped AutoRemove container is then removed,
 * as it would have been at its exit. Task bundles no container owns are
 * cleaned up. Then restart policies are applied through the start hook,
 * synchronously, in directory order. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/containers.h"
#include "engine/restore_heap.h"
#include "engine/shims.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"

bool rt_ctr_restart_wanted(const json_t *doc, const json_t *hc)
{
    const json_t *rp = json_object_get(hc, "RestartPolicy");
    const char *name = rt_json_str(rp, "Name", "");
    long long max = rt_json_int(rp, "MaximumRetryCount", 0);
    const json_t *st = json_object_get(doc, "State");
    if (!strcmp(name, "always")) return true;
    if (!strcmp(name, "unless-stopped")) return !json_is_true(json_object_get(doc, "HasBeenManuallyStopped"));
    if (!strcmp(name, "on-failure"))
        return rt_json_int(st, "ExitCode", 0) != 0 &&
               (max == 0 || rt_json_int(doc, "RestartCount", 0) < max);
    return false;
}

static bool hex64(const char *s) { return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64; }

/* C was recorded as running: reconnect (live-restore) or clean its task up
 * and record the exit (ExitCode, FinishedAt), as dockerd does. */
static bool still_running(struct rt_ctr_store *s, struct rt_container *c)
{
    int code = 255;
    if (rt_shims_restore_task(c->id, &code) == 1) return true;
    pthread_mutex_lock(&c->lock);
    rt_ctr_set_stopped(c, code);
    struct rt_err err = {0};
    if (rt_ctr_checkpoint(s, c, &err) < 0) rt_error("checkpoint %s: %s", c->id, err.msg);
    rt_err_clear(&err);
    pthread_mutex_unlock(&c->lock);
    return false;
}

/* A container directory read, parsed and made a container (phase 1). */
struct loaded {
    char id[65];
    int rc; /* 0, RT_CTR_DISK_ABSENT, or -1 with ERR */
    struct rt_ctr_prepared p;
    struct rt_err err;
};

/* Phase 1 runs on RESTORE_WORKERS threads (the calling one included): the
 * reads, the JSON parses and building the first views are most of a
 * restore (callgrind, 1000 containers: 77% of the instructions are the
 * parses, 13% the views) and touch nothing shared. Phase 2, everything
 * that does, stays on one thread, in directory order. */
#ifndef RESTORE_WORKERS
#define RESTORE_WORKERS 2
#endif
#define RESTORE_PARALLEL_MIN 64 /* below: not worth a thread */
/* (-DRESTORE_WORKERS=1 builds the one-thread restore, for comparisons) */

/* What one container keeps on the heap after phase 1 (RSS with 1000
 * restored containers, less the idle engine's: 18 KiB; a little more, as
 * the workers' shares are not exactly even). */
#define RESTORE_BYTES_PER_CONTAINER (22u << 10)

struct pool {
    const struct rt_ctr_store *s;
    struct loaded *v;
    size_t n, next; /* NEXT: atomic */
    size_t share;   /* heap bytes one worker is expected to keep */
};

static void *load_worker(void *arg)
{
    struct pool *p = arg;
    size_t i;
    rt_restore_heap_reserve(p->share); /* huge pages for what it keeps */
    while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n) {
        struct loaded *l = &p->v[i];
        char *dir = rt_path_join(rt_ctr_store_root(p->s), l->id);
        json_t *doc, *hc;
        struct rt_ctr_disk_text known;
        l->rc = dir ? rt_ctr_disk_load_ex(dir, &doc, &hc, &known, &l->err)
                    : rt_err_set(&l->err, RT_ERR_SYSTEM, "out of memory");
        if (l->rc == 0) l->rc = rt_ctr_restored_prepare(p->s, doc, hc, &known, &l->p, &l->err);
        free(dir);
    }
    return NULL;
}

static void load_all(const struct rt_ctr_store *s, struct loaded *v, size_t n)
{
    int workers = n >= RESTORE_PARALLEL_MIN ? RESTORE_WORKERS : 1;
    struct pool p = {.s = s, .v = v, .n = n, .share = n * RESTORE_BYTES_PER_CONTAINER / (size_t)workers};
    pthread_t th[RESTORE_WORKERS];
    int started = 0;
    rt_restore_heap_begin(p.share);
    for (int k = 1; k < workers; k++)
        if (pthread_create(&th[started], NULL, load_worker, &p) == 0) started++;
    load_worker(&p);
    for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
    rt_restore_heap_end();
}

/* Phase 2 for one directory; 1 = loaded, 0 = skipped. Adds it to WANT if
 * its restart policy asks for a start. Consumes L. */
static int restore_one(struct rt_ctr_store *s, struct loaded *l, char ***want, size_t *nwant)
{
    const char *id = l->id;
    char *dir = rt_path_join(rt_ctr_store_root(s), id);
    const json_t *doc = l->p.c ? l->p.c->doc : NULL, *hc = l->p.c ? l->p.c->hc : NULL;
    struct rt_err err = {0};
    int lrc = l->rc;
    if (lrc == RT_CTR_DISK_ABSENT) {
        /* A create cut short between mkdir and its first write, or a
         * removal cut short: never a container (decision: clean it up). */
        rt_info("removing container directory %s without config.v2.json (interrupted create or removal)", id);
        if (dir) rt_rm_rf(dir);
        free(dir);
        return 0;
    }
    if (lrc < 0) {
        rt_log_kv(RT_LOG_ERROR, "error", l->err.msg ? l->err.msg : "", "failed to load container %s", id);
        rt_err_clear(&l->err);
        free(dir);
        return 0;
    }
    if (strcmp(rt_json_str(doc, "ID", ""), id)) {
        rt_error("failed to load container %s: ID in config.v2.json does not match its directory", id);
        goto skip;
    }
    const json_t *st = json_object_get(doc, "State");
    if (json_is_true(json_object_get(st, "RemovalInProgress")) || json_is_true(json_object_get(st, "Dead"))) {
        rt_info("removing container %s left marked for removal", id);
        if (dir) rt_rm_rf(dir);
        goto skip;
    }
    bool was_running = json_is_true(json_object_get(st, "Running"));
    bool restart = rt_ctr_restart_wanted(doc, hc);
    struct rt_container *c = rt_ctr_restored_insert(s, &l->p, &err);
    if (!c) {
        rt_log_kv(RT_LOG_ERROR, "error", err.msg, "failed to restore container %s", id);
        rt_err_clear(&err);
        free(dir);
        return 0;
    }
    if (was_running && still_running(s, c)) {
        restart = false; /* live-restored */
    } else if (was_running) {
        /* The task is gone (or was cleaned up): decide again. */
        pthread_mutex_lock(&c->lock);
        restart = rt_ctr_restart_wanted(c->doc, c->hc);
        pthread_mutex_unlock(&c->lock);
        if (json_is_true(json_object_get(c->hc, "AutoRemove"))) {
            rt_info("removing auto-remove container %s whose task is gone", id);
            rt_ctr_put(c);
            struct rt_err rerr = {0};
            rt_ctr_remove(s, id, true, &rerr);
            rt_err_clear(&rerr);
            free(dir);
            return 0;
        }
    }
    rt_ctr_put(c);
    if (restart) {
        char **nw = realloc(*want, (*nwant + 1) * sizeof *nw);
        if (nw) {
            *want = nw;
            nw[(*nwant)++] = strdup(id);
        }
    }
    free(dir);
    return 1;
skip:
    rt_ctr_prepared_free(&l->p);
    free(dir);
    return 0;
}

/* The container directories under ROOT (tombstones deleted on the way). */
static struct loaded *scan(const char *root, size_t *n)
{
    *n = 0;
    DIR *d = opendir(root);
    if (!d) {
        if (errno != ENOENT) rt_error("restore: opendir %s: %s", root, rt_strerror(errno));
        return NULL;
    }
    struct loaded *v = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strncmp(e->d_name, RT_CTR_TOMBSTONE, strlen(RT_CTR_TOMBSTONE))) {
            char *t = rt_path_join(root, e->d_name);
            rt_info("removing %s (a removal cut short)", e->d_name);
            if (t && rt_rm_rf(t) < 0) rt_warn("failed to remove %s: %s", t, rt_strerror(errno));
            free(t);
            continue;
        }
        if (!hex64(e->d_name)) continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            struct loaded *nv = realloc(v, nc * sizeof *nv);
            if (!nv) {
                rt_error("restore: out of memory after %zu containers", *n);
                break;
            }
            v = nv, cap = nc;
        }
        v[*n] = (struct loaded){0};
        memcpy(v[*n].id, e->d_name, 65);
        (*n)++;
    }
    closedir(d);
    return v;
}

int rt_ctr_restore(struct rt_ctr_store *s)
{
    size_t n;
    struct loaded *v = scan(rt_ctr_store_root(s), &n);
    load_all(s, v, n);
    char **want = NULL;
    size_t nwant = 0;
    int loaded = 0;
    for (size_t i = 0; i < n; i++) loaded += restore_one(s, &v[i], &want, &nwant);
    free(v);
    rt_info("Loaded containers: %d", loaded);
    /* Bundles of tasks no container owns (an engine killed mid-start). */
    rt_shims_cleanup_orphans();

    for (size_t i = 0; i < nwant; i++) {
        struct rt_err err = {0};
        if (rt_ctr_start(s, want[i], RT_START_RESTART_POLICY, &err) < 0) {
            if (err.cls == RT_ERR_NOT_IMPL)
                rt_warn("not starting container %s (restart policy): no shim manager", want[i]);
            else {
                rt_info("restart policy: starting container %s failed", want[i]);
                rt_log_kv(RT_LOG_ERROR, "error", err.msg ? err.msg : "", "failed to start container");
            }
        }
        rt_err_clear(&err);
        free(want[i]);
    }
    free(want);
    return loaded;
}
