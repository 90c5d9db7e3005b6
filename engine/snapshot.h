/* The live configuration snapshot (engine spec §4.2, DESIGN "config
 * snapshots"): user config + derived runtime set, one immutable object behind
 * an RCU-protected pointer.
 *
 * Read side: rt_snapshot_get() dereferences the pointer inside a short RCU
 * read-side section and takes a reference (increment unless zero) before
 * leaving it; the caller then uses that snapshot to the end of its request
 * and drops it with rt_snapshot_put(). We take a reference instead of
 * holding the RCU read lock for the whole request because requests can be
 * long (a container start waits on a shim, /events streams forever) and a
 * reload must never wait for them: the grace period only covers the few
 * instructions between the dereference and the increment. No lock is taken
 * on the read path.
 *
 * Write side: rt_snapshot_publish() swaps the pointer and drops the store's
 * reference; nothing on it waits. A snapshot whose last reference is put
 * is freed one grace period later, by a reaper thread that batches the
 * grace periods (snapshot.c). Publishers must be serialized by the caller
 * (reload.c's mutex). */
#ifndef RT_SNAPSHOT_H
#define RT_SNAPSHOT_H

#include <pthread.h>
#include <stdbool.h>

#include "engine/config.h"
#include "engine/runtimes.h"

/* Output of `<runtime> --version`, parsed as moby's parseRuntimeVersion. */
struct rt_rtversion {
    bool ran;                  /* the binary ran and its output parsed */
    char runtime[64], version[128], commit[128];
};

struct rt_snapshot {
    struct rt_config cfg;          /* the merged live user config */
    struct rt_runtime_set *set;    /* derived from cfg (stock + user, wrappers) */
    unsigned long generation;      /* 1 for the startup config, +1 per reload */
    int refs;                      /* atomic; the store holds one while published */
    struct rt_snapshot *reap_next; /* snapshot.c's list of those waiting to be freed */
    /* /info and /version cache: `--version` of the default, run once per
     * snapshot (the only mutable part; guarded by its own lock, which only
     * those two handlers take). */
    pthread_mutex_t ver_lock;
    bool ver_done;
    struct rt_rtversion ver;
};

/* Effective debug / live-restore of a snapshot's config: the config value
 * when set (file or flag), else the flag default. */
static inline bool rt_cfg_debug(const struct rt_config *c, bool flag_value)
{
    return c->has_debug ? c->debug : flag_value;
}
static inline bool rt_cfg_live_restore(const struct rt_config *c, bool flag_value)
{
    return c->has_live_restore ? c->live_restore : flag_value;
}

struct rt_snapstore;

struct rt_snapstore *rt_snapstore_new(void);
/* Retires the current snapshot; readers still holding references free
 * theirs when they put them. Then stops and joins the reaper thread (it
 * restarts when needed), freeing what was still waiting for it. */
void rt_snapstore_free(struct rt_snapstore *st);

/* Publish a new snapshot made of CFG (its contents are moved: *CFG is zeroed)
 * and SET (owned from now on). Returns the new generation. */
unsigned long rt_snapshot_publish(struct rt_snapstore *st, struct rt_config *cfg,
                                  struct rt_runtime_set *set);

/* The current snapshot with a reference held, or NULL before the first
 * publish. The calling thread is registered with RCU on first use and
 * unregistered when it exits. */
struct rt_snapshot *rt_snapshot_get(struct rt_snapstore *st);
void rt_snapshot_put(struct rt_snapshot *snap);

/* Snapshots still referenced, process-wide (leak checks in tests). One
 * whose last reference is put stops counting at once; its memory is freed
 * a grace period later by a reaper thread (snapshot.c says why). */
long rt_snapshot_live_count(void);

#endif
