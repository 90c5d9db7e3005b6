/* Event bus: ordering and monotonic timeNano, since/until replay, filters,
 * slow-subscriber drop, dockerd JSON shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <string.h>
#include <cmocka.h>

#include "engine/events.h"
#include "jsonutil.h"

static struct rt_event *next_ok(struct rt_event_sub *s)
{
    struct rt_event *ev = NULL;
    assert_int_equal(rt_event_sub_next(s, 1000, &ev), 1);
    return ev;
}

static void test_order_and_time(void **state)
{
    (void)state;
    struct rt_events *bus = rt_events_new(16, 64);
    struct rt_event_sub *s = rt_events_subscribe(bus, -1, -1, NULL);
    long long prev = 0;
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        long long t = rt_events_publish(bus, "container", "start", id, NULL);
        assert_true(t > prev); /* strictly increasing even within one clock tick */
        prev = t;
    }
    for (int i = 0; i < 20; i++) {
        struct rt_event *ev = next_ok(s);
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        assert_string_equal(ev->actor_id, id);
        rt_event_unref(ev);
    }
    struct rt_event *ev;
    assert_int_equal(rt_event_sub_next(s, 10, &ev), 0); /* nothing more: timeout */
    rt_events_unsubscribe(s);
    rt_events_free(bus);
}

static void test_since_until(void **state)
{
    (void)state;
    struct rt_events *bus = rt_events_new(4, 64);
    long long t[6];
    for (int i = 0; i < 6; i++) t[i] = rt_events_publish(bus, "daemon", "reload", "e", NULL);
    /* ring holds the last 4 (t2..t5); since=t3 replays t3..t5 */
    struct rt_event_sub *s = rt_events_subscribe(bus, t[3], -1, NULL);
    for (int i = 3; i < 6; i++) {
        struct rt_event *ev = next_ok(s);
        assert_true(ev->time_nano == t[i]);
        rt_event_unref(ev);
    }
    long long t6 = rt_events_publish(bus, "daemon", "reload", "e", NULL);
    struct rt_event *ev = next_ok(s);
    assert_true(ev->time_nano == t6);
    rt_event_unref(ev);
    rt_events_unsubscribe(s);

    /* until in the past: replay up to until, then the end (ring: t3..t6) */
    s = rt_events_subscribe(bus, t[3], t[5], NULL);
    for (int i = 3; i <= 5; i++) {
        ev = next_ok(s);
        assert_true(ev->time_nano == t[i]);
        rt_event_unref(ev);
    }
    assert_int_equal(rt_event_sub_next(s, 1000, &ev), -1);
    rt_events_unsubscribe(s);

    /* until slightly in the future: the stream ends by itself */
    s = rt_events_subscribe(bus, -1, rt_events_now_ns() + 50000000LL, NULL);
    assert_int_equal(rt_event_sub_next(s, 5000, &ev), -1);
    rt_events_unsubscribe(s);
    rt_events_free(bus);
}

static json_t *strs(const char *a, const char *b)
{
    json_t *j = json_array();
    if (a) json_array_append_new(j, json_string(a));
    if (b) json_array_append_new(j, json_string(b));
    return j;
}

static void test_filters(void **state)
{
    (void)state;
    struct rt_events *bus = rt_events_new(16, 64);
    struct rt_event_filter f = {.types = strs("daemon", NULL), .actions = strs("reload", NULL)};
    struct rt_event_sub *daemon = rt_events_subscribe(bus, -1, -1, &f);
    struct rt_event_filter g = {.containers = strs("web", "abc")};
    struct rt_event_sub *cont = rt_events_subscribe(bus, -1, -1, &g);

    rt_events_publish(bus, "container", "start", "abcdef", json_pack("{s:s}", "name", "db"));
    rt_events_publish(bus, "container", "die", "123456", json_pack("{s:s}", "name", "web"));
    rt_events_publish(bus, "container", "die", "999999", json_pack("{s:s}", "name", "other"));
    rt_events_publish(bus, "daemon", "other", "e", NULL);
    rt_events_publish(bus, "daemon", "reload", "e", NULL);

    struct rt_event *ev = next_ok(daemon);
    assert_string_equal(ev->action, "reload");
    rt_event_unref(ev);
    assert_int_equal(rt_event_sub_next(daemon, 10, &ev), 0);

    ev = next_ok(cont); /* ID prefix "abc" */
    assert_string_equal(ev->actor_id, "abcdef");
    rt_event_unref(ev);
    ev = next_ok(cont); /* name "web" */
    assert_string_equal(ev->actor_id, "123456");
    rt_event_unref(ev);
    assert_int_equal(rt_event_sub_next(cont, 10, &ev), 0);
    rt_events_unsubscribe(daemon);
    rt_events_unsubscribe(cont);
    rt_events_free(bus);
}

static void test_slow_subscriber_dropped(void **state)
{
    (void)state;
    struct rt_events *bus = rt_events_new(8, 3);
    struct rt_event_sub *slow = rt_events_subscribe(bus, -1, -1, NULL);
    struct rt_event_sub *fast = rt_events_subscribe(bus, -1, -1, NULL);
    struct rt_event *ev;
    for (int i = 0; i < 10; i++) {
        rt_events_publish(bus, "daemon", "reload", "e", NULL); /* never blocks */
        ev = next_ok(fast);
        rt_event_unref(ev);
    }
    assert_true(rt_event_sub_dropped(slow));
    assert_false(rt_event_sub_dropped(fast));
    /* what was queued before the drop is delivered, then the end */
    int got = 0;
    while (rt_event_sub_next(slow, 100, &ev) == 1) got++, rt_event_unref(ev);
    assert_int_equal(got, 3);
    rt_events_unsubscribe(slow);
    rt_events_unsubscribe(fast);
    rt_events_free(bus);
}

static void *waiter(void *arg)
{
    struct rt_event *ev;
    return (void *)(intptr_t)rt_event_sub_next(arg, 10000, &ev);
}

static void test_shutdown_wakes(void **state)
{
    (void)state;
    struct rt_events *bus = rt_events_new(8, 8);
    struct rt_event_sub *s = rt_events_subscribe(bus, -1, -1, NULL);
    pthread_t th;
    pthread_create(&th, NULL, waiter, s);
    rt_events_shutdown(bus);
    void *rc;
    pthread_join(th, &rc);
    assert_int_equal((intptr_t)rc, -1);
    assert_null(rt_events_subscribe(bus, -1, -1, NULL));
    rt_events_unsubscribe(s);
    rt_events_free(bus);
}

static void test_json_shape(void **state)
{
    (void)state;
    struct rt_events *bus = rt_events_new(8, 8);
    struct rt_event_sub *s = rt_events_subscribe(bus, -1, -1, NULL);
    rt_events_publish(bus, "daemon", "reload", "ENGINEID",
                      json_pack("{s:s, s:s}", "runtimes", "oci:runc", "default-runtime", "runc"));
    rt_events_publish(bus, "container", "start", "cid", json_pack("{s:s, s:s}", "name", "n", "image", "img"));
    struct rt_event *ev = next_ok(s);
    json_t *j = rt_event_json(ev);
    char *txt = rt_json_dump(j);
    char want[512];
    snprintf(want, sizeof want,
             "{\"Type\":\"daemon\",\"Action\":\"reload\",\"Actor\":{\"ID\":\"ENGINEID\",\"Attributes\":"
             "{\"default-runtime\":\"runc\",\"runtimes\":\"oci:runc\"}},\"scope\":\"local\",\"time\":%lld,"
             "\"timeNano\":%lld}",
             ev->time_nano / 1000000000LL, ev->time_nano);
    assert_string_equal(txt, want);
    free(txt);
    json_decref(j);
    rt_event_unref(ev);
    ev = next_ok(s);
    j = rt_event_json(ev);
    assert_string_equal(rt_json_str(j, "status", ""), "start");
    assert_string_equal(rt_json_str(j, "id", ""), "cid");
    assert_string_equal(rt_json_str(j, "from", ""), "img");
    json_decref(j);
    rt_event_unref(ev);
    rt_events_unsubscribe(s);
    rt_events_free(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_time),
        cmocka_unit_test(test_since_until),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_slow_subscriber_dropped),
        cmocka_unit_test(test_shutdown_wakes),
        cmocka_unit_test(test_json_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
