/* RCU store of the live snapshot; see snapshot.h for the read/write protocol.
 * The pointer itself is published and read with release/acquire atomics
 * (what rcu_assign_pointer/rcu_dereference amount to; ThreadSanitizer
 * understands these), the grace period comes from liburcu's memb flavour. */
#include "engine/snapshot.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <urcu/urcu-memb.h>

/* ThreadSanitizer cannot see liburcu's grace periods (membarrier), so it
 * would take the reaper's free for a race with a reader that looked at a
 * dying snapshot's refs. Tell it what a grace period guarantees: what a
 * reader did inside its read-side section happens before the end of the
 * next grace period. */
#if defined(__SANITIZE_THREAD__)
#define RT_SNAP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RT_SNAP_TSAN 1
#endif
#endif
#ifdef RT_SNAP_TSAN
#include <sanitizer/tsan_interface.h>
static char grace_sync;
#define READ_SECTION_DONE() __tsan_release(&grace_sync)
#define GRACE_PERIOD_DONE() __tsan_acquire(&grace_sync)
#else
#define READ_SECTION_DONE() ((void)0)
#define GRACE_PERIOD_DONE() ((void)0)
#endif

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

/* A snapshot whose last reference is gone stops counting at once, but a
 * reader that loaded the pointer just before the swap may still be about
 * to try for a reference (and fail: refs is 0), so the memory is freed
 * one grace period later. A reaper thread batches that: one
 * synchronize_rcu (two membarrier syscalls) for everything retired within
 * REAP_BATCH_MS. Issue 11: a grace period on the reload path cost two
 * syscalls and IPIs per SIGHUP, and handing each snapshot to the reaper a
 * thread wake-up. The reaper also keeps freeing off the caller's thread:
 * freeing the startup set joins its background features probe, which can
 * run for tens of seconds. It starts on demand and is stopped and joined
 * by reclaim_flush() (from rt_snapstore_free, at shutdown). */
#define REAP_BATCH_MS 10

static pthread_mutex_t reap_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reap_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t flush_mu = PTHREAD_MUTEX_INITIALIZER; /* one flush (join) at a time */
static struct rt_snapshot *reap_list; /* through reap_next */
static pthread_t reaper_thread;
static bool reaper_running, reaper_stop, reaper_idle;

static void free_batch(struct rt_snapshot *s)
{
    if (!s) return;
    urcu_memb_synchronize_rcu();
    GRACE_PERIOD_DONE();
    while (s) {
        struct rt_snapshot *next = s->reap_next;
        snapshot_free(s);
        s = next;
    }
}

static void *reaper(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&reap_mu);
    for (;;) {
        while (!reap_list && !reaper_stop) {
            reaper_idle = true; /* only an idle reaper is signalled */
            pthread_cond_wait(&reap_cv, &reap_mu);
            reaper_idle = false;
        }
        if (!reap_list) break; /* stopping, nothing left */
        struct rt_snapshot *batch = reap_list;
        reap_list = NULL;
        pthread_mutex_unlock(&reap_mu);
        free_batch(batch);
        pthread_mutex_lock(&reap_mu);
        /* Let retirements gather (a reload storm retires thousands a
         * second); a flush cuts the wait short. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += REAP_BATCH_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        while (!reaper_stop && pthread_cond_timedwait(&reap_cv, &reap_mu, &until) != ETIMEDOUT) {}
    }
    pthread_mutex_unlock(&reap_mu);
    return NULL;
}

static void retire(struct rt_snapshot *s)
{
    __atomic_sub_fetch(&live_count, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&reap_mu);
    s->reap_next = reap_list;
    reap_list = s;
    if (!reaper_running && !reaper_stop) {
        /* (During a flush the list is taken over after the join.) */
        reaper_running = pthread_create(&reaper_thread, NULL, reaper, NULL) == 0;
        if (!reaper_running) { /* no thread to hand it to: free here */
            struct rt_snapshot *batch = reap_list;
            reap_list = NULL;
            pthread_mutex_unlock(&reap_mu);
            free_batch(batch);
            return;
        }
    } else if (reaper_idle) {
        pthread_cond_signal(&reap_cv);
    }
    pthread_mutex_unlock(&reap_mu);
}

/* Stop and join the reaper, then free what is still pending. */
static void reclaim_flush(void)
{
    pthread_mutex_lock(&flush_mu);
    pthread_mutex_lock(&reap_mu);
    bool join = reaper_running;
    reaper_stop = true;
    pthread_cond_broadcast(&reap_cv);
    pthread_mutex_unlock(&reap_mu);
    if (join) pthread_join(reaper_thread, NULL);
    pthread_mutex_lock(&reap_mu);
    struct rt_snapshot *rest = reap_list;
    reap_list = NULL;
    reaper_running = reaper_stop = false;
    pthread_mutex_unlock(&reap_mu);
    free_batch(rest);
    pthread_mutex_unlock(&flush_mu);
}

void rt_snapshot_put(struct rt_snapshot *snap)
{
    if (snap && __atomic_sub_fetch(&snap->refs, 1, __ATOMIC_ACQ_REL) == 0) retire(snap);
}

struct rt_snapshot *rt_snapshot_get(struct rt_snapstore *st)
{
    ensure_registered();
    urcu_memb_read_lock();
    struct rt_snapshot *s;
    for (;;) {
        s = __atomic_load_n(&st->cur, __ATOMIC_ACQUIRE);
        if (!s) break;
        /* Increment unless zero: 0 means the store's reference is already
         * gone, which happens only after the pointer was swapped, so
         * loading it again finds the successor. The memory stays valid
         * until this read-side section ends (retire waits a grace period). */
        int r = __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE);
        while (r > 0 && !__atomic_compare_exchange_n(&s->refs, &r, r + 1, true, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {}
        if (r > 0) break;
    }
    READ_SECTION_DONE(); /* inside the section: before any grace period that waits for it ends */
    urcu_memb_read_unlock();
    return s;
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
    rt_snapshot_put(__atomic_exchange_n(&st->cur, s, __ATOMIC_ACQ_REL)); /* the store's reference */
    return gen;
}

struct rt_snapstore *rt_snapstore_new(void)
{
    return calloc(1, sizeof(struct rt_snapstore));
}

void rt_snapstore_free(struct rt_snapstore *st)
{
    if (!st) return;
    rt_snapshot_put(__atomic_exchange_n(&st->cur, NULL, __ATOMIC_ACQ_REL));
    free(st);
    reclaim_flush();
}
