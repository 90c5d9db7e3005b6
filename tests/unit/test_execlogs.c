/* Output plumbing: stdcopy framing and the attach hub, json-file log
 * rendering (streams, since/until, timestamps, tail), and the exec_* event
 * filter prefix rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/attach.h"
#include "engine/events.h"
#include "engine/logs.h"

static void test_stdcopy_header(void **state)
{
    (void)state;
    uint8_t h[8];
    rt_stdcopy_header(h, RT_STREAM_STDERR, 0x01020304u);
    const uint8_t want[8] = {2, 0, 0, 0, 1, 2, 3, 4};
    assert_memory_equal(h, want, 8);
}

static void test_attach_framed_and_end(void **state)
{
    (void)state;
    struct rt_attach_sub *out_only = rt_attach_subscribe("c1", true, false, false);
    struct rt_attach_sub *raw = rt_attach_subscribe("c1", true, true, true);
    struct rt_attach_sub *other = rt_attach_subscribe("c2", true, true, false);
    rt_attach_publish("c1", RT_STREAM_STDOUT, "hi\n", 3);
    rt_attach_publish("c1", RT_STREAM_STDERR, "err\n", 4);
    rt_attach_end("c1");
    char buf[64];
    ssize_t n = rt_attach_next(out_only, buf, sizeof buf, 1000);
    assert_int_equal(n, 11);
    const char want[] = {1, 0, 0, 0, 0, 0, 0, 3, 'h', 'i', '\n'};
    assert_memory_equal(buf, want, 11);
    assert_int_equal(rt_attach_next(out_only, buf, sizeof buf, 1000), -1); /* stderr not wanted; ended */
    n = rt_attach_next(raw, buf, sizeof buf, 1000);
    assert_int_equal(n, 7);
    assert_memory_equal(buf, "hi\nerr\n", 7);
    assert_int_equal(rt_attach_next(raw, buf, sizeof buf, 1000), -1);
    assert_int_equal(rt_attach_next(other, buf, sizeof buf, 0), 0); /* another key: nothing, not ended */
    assert_int_equal(rt_attach_nsubscribers(), 3);
    rt_attach_unsubscribe(out_only);
    rt_attach_unsubscribe(raw);
    rt_attach_unsubscribe(other);
    assert_int_equal(rt_attach_nsubscribers(), 0);
}

static void test_attach_partial_reads(void **state)
{
    (void)state;
    struct rt_attach_sub *s = rt_attach_subscribe("p", true, true, false);
    rt_attach_publish("p", RT_STREAM_STDOUT, "abcdef", 6);
    char buf[4];
    size_t got = 0;
    char all[32];
    ssize_t n;
    while ((n = rt_attach_next(s, buf, sizeof buf, 0)) > 0) memcpy(all + got, buf, (size_t)n), got += (size_t)n;
    assert_int_equal(got, 14);
    assert_memory_equal(all + 8, "abcdef", 6);
    rt_attach_unsubscribe(s);
}

static const char L1[] = "{\"log\":\"one\\n\",\"stream\":\"stdout\",\"time\":\"2024-05-01T10:00:00.5Z\"}\n";
static const char L2[] = "{\"log\":\"two\\n\",\"stream\":\"stderr\",\"time\":\"2024-05-01T10:00:01.000000001Z\"}\n";

static void test_logs_render(void **state)
{
    (void)state;
    struct rt_logs_opts o = {.out = true, .err = true, .tail = -1};
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(rt_logs_render(L2, &o, &out, &len), 1);
    assert_int_equal(len, 12);
    const char hdr[8] = {2, 0, 0, 0, 0, 0, 0, 4};
    assert_memory_equal(out, hdr, 8);
    assert_memory_equal(out + 8, "two\n", 4);
    free(out);
    o.err = false; /* stderr not asked for */
    assert_int_equal(rt_logs_render(L2, &o, &out, &len), 0);
    o.err = true;
    o.raw = true;
    o.timestamps = true;
    assert_int_equal(rt_logs_render(L1, &o, &out, &len), 1);
    const char want[] = "2024-05-01T10:00:00.500000000Z one\n";
    assert_int_equal(len, strlen(want));
    assert_memory_equal(out, want, len);
    free(out);
    long long t1;
    assert_int_equal(rt_logs_parse_time("2024-05-01T10:00:01Z", &t1), 0);
    o.since_ns = t1; /* since is inclusive: L1 (0.5 s earlier) goes, L2 stays */
    assert_int_equal(rt_logs_render(L1, &o, &out, &len), 0);
    assert_int_equal(rt_logs_render(L2, &o, &out, &len), 1);
    free(out);
    o.since_ns = 0;
    o.until_ns = t1;
    assert_int_equal(rt_logs_render(L2, &o, &out, &len), 0);
    assert_int_equal(rt_logs_render("not json\n", &o, &out, &len), 0);
}

static void test_logs_parse_time_zone(void **state)
{
    (void)state;
    long long a, b;
    assert_int_equal(rt_logs_parse_time("2024-05-01T12:00:00+02:00", &a), 0);
    assert_int_equal(rt_logs_parse_time("2024-05-01T10:00:00Z", &b), 0);
    assert_true(a == b);
    assert_int_equal(rt_logs_parse_time("yesterday", &a), -1);
}

static void test_logs_tail(void **state)
{
    (void)state;
    char path[] = "/tmp/rt-test-logs-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(L1, f), fputs(L2, f), fputs(L1, f);
    fclose(f);
    struct rt_logs_opts o = {.out = true, .err = true, .tail = 1};
    FILE *r = rt_logs_open(path, &o);
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline(&line, &cap, r) > 0) n++;
    assert_int_equal(n, 1);
    fclose(r);
    o.tail = 0;
    r = rt_logs_open(path, &o);
    assert_true(getline(&line, &cap, r) < 0);
    fclose(r);
    o.tail = 10; /* more than there is: everything */
    r = rt_logs_open(path, &o);
    n = 0;
    while (getline(&line, &cap, r) > 0) n++;
    assert_int_equal(n, 3);
    fclose(r);
    free(line);
    unlink(path);
    o.tail = -1;
    assert_null(rt_logs_open("/nonexistent/rt-log", &o));
}

/* dockerd: with exec_create/exec_start in the event filter, values match
 * as prefixes ("exec_start: sh -c true"); other actions match exactly. */
static void test_exec_event_filter(void **state)
{
    (void)state;
    struct rt_events *bus = rt_events_new(16, 16);
    struct rt_event_filter f = {.actions = json_pack("[s]", "exec_start")};
    struct rt_event_sub *s = rt_events_subscribe(bus, -1, -1, &f);
    rt_events_publish(bus, "container", "exec_start: sh -c true", "c", NULL);
    rt_events_publish(bus, "container", "exec_die", "c", NULL);
    struct rt_event *ev = NULL;
    assert_int_equal(rt_event_sub_next(s, 1000, &ev), 1);
    assert_string_equal(ev->action, "exec_start: sh -c true");
    rt_event_unref(ev);
    assert_int_equal(rt_event_sub_next(s, 50, &ev), 0);
    rt_events_unsubscribe(s);
    struct rt_event_filter g = {.actions = json_pack("[s]", "die")};
    s = rt_events_subscribe(bus, -1, -1, &g);
    rt_events_publish(bus, "container", "die_hard", "c", NULL); /* exact for everything else */
    rt_events_publish(bus, "container", "die", "c", NULL);
    assert_int_equal(rt_event_sub_next(s, 1000, &ev), 1);
    assert_string_equal(ev->action, "die");
    rt_event_unref(ev);
    rt_events_unsubscribe(s);
    rt_events_free(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdcopy_header),
        cmocka_unit_test(test_attach_framed_and_end),
        cmocka_unit_test(test_attach_partial_reads),
        cmocka_unit_test(test_logs_render),
        cmocka_unit_test(test_logs_parse_time_zone),
        cmocka_unit_test(test_logs_tail),
        cmocka_unit_test(test_exec_event_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
