/* Snapshot store: publish/retire, readers keep their snapshot across a
 * publish, old snapshots freed (none leaked), generations monotonic per
 * reader under concurrent publishes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/snapshot.h"

/* Runtime sets made by hand (this test is about the store, not the rules). */
static struct rt_runtime_set *mkset(const char *def)
{
    struct rt_runtime_set *s = calloc(1, sizeof *s);
    s->default_name = strdup(def);
    return s;
}

/* Stand-ins while engine/runtimes.c is not in the tree; the real functions
 * (strong symbols) take over once it is. */
__attribute__((weak)) void rt_runtimes_free(struct rt_runtime_set *set)
{
    if (!set) return;
    free(set->default_name);
    free(set);
}

static struct rt_config mkcfg(const char *def)
{
    struct rt_config c;
    memset(&c, 0, sizeof c);
    c.default_runtime = strdup(def);
    return c;
}

static void test_publish_retire(void **state)
{
    (void)state;
    long base = rt_snapshot_live_count();
    struct rt_snapstore *st = rt_snapstore_new();
    assert_null(rt_snapshot_get(st));
    struct rt_config c = mkcfg("runc");
    assert_int_equal(rt_snapshot_publish(st, &c, mkset("runc")), 1);
    assert_null(c.default_runtime); /* moved into the snapshot */
    struct rt_snapshot *a = rt_snapshot_get(st);
    assert_non_null(a);
    assert_int_equal(a->generation, 1);

    c = mkcfg("vm");
    assert_int_equal(rt_snapshot_publish(st, &c, mkset("vm")), 2);
    /* A still holds the old snapshot, intact */
    assert_int_equal(rt_snapshot_live_count() - base, 2);
    assert_string_equal(a->set->default_name, "runc");
    assert_string_equal(a->cfg.default_runtime, "runc");
    struct rt_snapshot *b = rt_snapshot_get(st);
    assert_int_equal(b->generation, 2);
    assert_string_equal(b->set->default_name, "vm");
    rt_snapshot_put(a); /* last reference of generation 1: freed */
    assert_int_equal(rt_snapshot_live_count() - base, 1);
    rt_snapshot_put(b);
    assert_int_equal(rt_snapshot_live_count() - base, 1); /* the store still holds it */
    rt_snapstore_free(st);
    assert_int_equal(rt_snapshot_live_count() - base, 0);
}

struct reader {
    struct rt_snapstore *st;
    volatile int *stop;
    unsigned long reads;
    int errors;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    unsigned long last = 0;
    while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) {
        struct rt_snapshot *s = rt_snapshot_get(r->st);
        if (!s) continue;
        /* a reader never goes back in time, and the snapshot is coherent */
        if (s->generation < last) r->errors++;
        last = s->generation;
        if (strcmp(s->cfg.default_runtime, s->set->default_name)) r->errors++;
        r->reads++;
        rt_snapshot_put(s);
    }
    return NULL;
}

static void test_concurrent_publish(void **state)
{
    (void)state;
    long base = rt_snapshot_live_count();
    struct rt_snapstore *st = rt_snapstore_new();
    volatile int stop = 0;
    enum { NR = 4, NPUB = 2000 };
    struct reader r[NR];
    pthread_t th[NR];
    for (int i = 0; i < NR; i++) {
        r[i] = (struct reader){.st = st, .stop = &stop};
        pthread_create(&th[i], NULL, reader_main, &r[i]);
    }
    for (int i = 0; i < NPUB; i++) {
        char name[32];
        snprintf(name, sizeof name, "rt%d", i);
        struct rt_config c = mkcfg(name);
        rt_snapshot_publish(st, &c, mkset(name));
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < NR; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].errors, 0);
    }
    /* everything but the published one has been freed */
    assert_int_equal(rt_snapshot_live_count() - base, 1);
    rt_snapstore_free(st);
    assert_int_equal(rt_snapshot_live_count() - base, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_retire),
        cmocka_unit_test(test_concurrent_publish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
