/* RCU store of the live snapshot; see snapshot.h for the read/write protocol.
 * The pointer itself is published and read with release/acquire atomics
 * (what rcu_assign_pointer/rcu_dereference amount to; ThreadSanitizer
 * understands these), the grace period comes from liburcu's memb flavour. */
#include "engine/snapshot.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

struct rt_snapstore {
    struct rt_snapshot *cur;   /* RCU-protected */
    unsigned long generation;  /* written only by the (serialized) publisher */
};

static long live_count;

long rt_snapshot_live_count(void)
{
    return __atomic_load_n(&live_count, __ATOMIC_ACQUIRE);
}

/* ---- reader thread registration ----------------------------------------- */
/* memb readers must be registered; MHD's connection threads and test threads
 * are created by code that knows nothing of RCU, so register lazily and
 * unregister from a thread-exit destructor. */
static pthread_key_t reg_key;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static __thread bool registered;

static void unregister_at_exit(void *v)
{
    (void)v;
    urcu_memb_unregister_thread();
}

static void make_key(void)
{
    pthread_key_create(&reg_key, unregister_at_exit);
}

static void ensure_registered(void)
{
    if (registered) return;
    pthread_once(&reg_once, make_key);
    urcu_memb_register_thread();
    pthread_setspecific(reg_key, (void *)1);
    registered = true;
}

/* ---- snapshot lifetime ---------------------------------------------------- */
static void snapshot_free(struct rt_snapshot *s)
{
    rt_config_free(&s->cfg);
    rt_runtimes_free(s->set);
    pthread_mutex_destroy(&s->ver_lock);
    free(s);
}

/* Freeing a snapshot frees its runtime set, which first joins that set's
 * background features probe: the startup set's probe runs one runc exec
 * per runtime (tens of seconds for 1000 runtimes on a busy machine).
 * Whoever drops the last reference must not wait for that: the first
 * reload publishing its successor, or an API request that took the old
 * snapshot just before a reload. A reaper thread does the freeing; the
 * snapshot stops counting as live at once. (Reload-built sets probe
 * inline and have no probe thread: nothing to join there.) */
struct reap {
    struct rt_snapshot *s;
    struct reap *next;
};
static pthread_mutex_t reap_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reap_cv = PTHREAD_COND_INITIALIZER;
static struct reap *reap_list;
static pthread_once_t reaper_once = PTHREAD_ONCE_INIT;
static bool reaper_up;

static void *reaper(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&reap_mu);
        while (!reap_list) pthread_cond_wait(&reap_cv, &reap_mu);
        struct reap *r = reap_list;
        reap_list = r->next;
        pthread_mutex_unlock(&reap_mu);
        snapshot_free(r->s);
        free(r);
    }
    return NULL;
}

static void start_reaper(void)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    reaper_up = pthread_create(&t, &a, reaper, NULL) == 0;
    pthread_attr_destroy(&a);
}

static void retire(struct rt_snapshot *s)
{
    __atomic_sub_fetch(&live_count, 1, __ATOMIC_ACQ_REL);
    pthread_once(&reaper_once, start_reaper);
    struct reap *r = reaper_up ? malloc(sizeof *r) : NULL;
    if (!r) { /* no reaper to hand it to: free here */
        snapshot_free(s);
        return;
    }
    r->s = s;
    pthread_mutex_lock(&reap_mu);
    r->next = reap_list;
    reap_list = r;
    pthread_cond_signal(&reap_cv);
    pthread_mutex_unlock(&reap_mu);
}

void rt_snapshot_put(struct rt_snapshot *snap)
{
    if (snap && __atomic_sub_fetch(&snap->refs, 1, __ATOMIC_ACQ_REL) == 0) retire(snap);
}

struct rt_snapshot *rt_snapshot_get(struct rt_snapstore *st)
{
    ensure_registered();
    urcu_memb_read_lock();
    struct rt_snapshot *s = __atomic_load_n(&st->cur, __ATOMIC_ACQUIRE);
    /* refs >= 1 here: the store's reference is dropped only after a grace
     * period that this read-side section holds back. */
    if (s) __atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
    urcu_memb_read_unlock();
    return s;
}

/* Swap in NEW (may be NULL) and retire the previous snapshot. */
static void swap_and_retire(struct rt_snapstore *st, struct rt_snapshot *s)
{
    struct rt_snapshot *old = __atomic_exchange_n(&st->cur, s, __ATOMIC_ACQ_REL);
    if (!old) return;
    /* The caller may itself be a registered reader thread; it is outside any
     * read-side section here, which is all synchronize_rcu requires. */
    urcu_memb_synchronize_rcu();
    rt_snapshot_put(old);
}

unsigned long rt_snapshot_publish(struct rt_snapstore *st, struct rt_config *cfg,
                                  struct rt_runtime_set *set)
{
    struct rt_snapshot *s = calloc(1, sizeof *s);
    if (!s) abort(); /* nothing sensible to fall back to */
    s->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    s->set = set;
    s->generation = ++st->generation;
    s->refs = 1;
    pthread_mutex_init(&s->ver_lock, NULL);
    __atomic_add_fetch(&live_count, 1, __ATOMIC_ACQ_REL);
    unsigned long gen = s->generation;
    swap_and_retire(st, s);
    return gen;
}

struct rt_snapstore *rt_snapstore_new(void)
{
    return calloc(1, sizeof(struct rt_snapstore));
}

void rt_snapstore_free(struct rt_snapstore *st)
{
    if (!st) return;
    swap_and_retire(st, NULL);
    free(st);
}
