/* Call journal: line format, one object per line, concurrent appends, no-op when unset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "journal.h"

struct ctx {
    char *dir;
    char *path;
};

static int setup(void **state)
{
    char tmpl[] = "/tmp/rt-journal-XXXXXX";
    if (!mkdtemp(tmpl)) return -1;
    struct ctx *c = calloc(1, sizeof *c);
    c->dir = strdup(tmpl);
    c->path = rt_path_join(tmpl, "journal.jsonl");
    setenv(RT_JOURNAL_ENV, c->path, 1);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    unsetenv(RT_JOURNAL_ENV);
    rt_rm_rf(c->dir);
    free(c->dir), free(c->path), free(c);
    return 0;
}

static void test_line_format(void **state)
{
    struct ctx *c = *state;
    assert_int_equal(rt_journal_write("shim", "Create", "c1",
                                      json_pack("{s:s,s:[s,s],s:s}", "bundle", "/b", "argv", "a", "b",
                                                "method", "Spoofed"),
                                      NULL),
                     0);
    assert_int_equal(rt_journal_write("runc", "kill", NULL, NULL, "container \"x\" does not exist"), 0);

    char *raw = rt_read_file(c->path, 1 << 20, NULL);
    assert_non_null(raw);
    /* Fixed fields come first, in the documented order; extra after id; result last. */
    assert_int_equal(strncmp(raw, "{\"t_mono_ns\":", 13), 0);
    char *second = strchr(raw, '\n');
    assert_non_null(second);
    assert_int_equal(second[1], '{');
    assert_int_equal(raw[strlen(raw) - 1], '\n');
    assert_non_null(strstr(raw, "\"component\":\"shim\",\"method\":\"Create\",\"id\":\"c1\",\"bundle\":\"/b\""));
    assert_non_null(strstr(raw, ",\"result\":\"ok\"}\n"));
    free(raw);

    json_t *arr = rt_journal_read(c->path);
    assert_non_null(arr);
    assert_int_equal(json_array_size(arr), 2);
    json_t *e0 = json_array_get(arr, 0), *e1 = json_array_get(arr, 1);
    assert_true(json_integer_value(json_object_get(e0, "t_mono_ns")) > 0);
    assert_true(json_integer_value(json_object_get(e1, "t_mono_ns")) >= json_integer_value(json_object_get(e0, "t_mono_ns")));
    assert_int_equal(json_integer_value(json_object_get(e0, "pid")), getpid());
    assert_non_null(strstr(json_string_value(json_object_get(e0, "argv0")), "test_journal"));
    assert_string_equal(json_string_value(json_object_get(e0, "method")), "Create"); /* extra cannot spoof */
    assert_int_equal(json_array_size(json_object_get(e0, "argv")), 2);
    assert_string_equal(json_string_value(json_object_get(e1, "component")), "runc");
    assert_string_equal(json_string_value(json_object_get(e1, "id")), "");
    assert_string_equal(json_string_value(json_object_get(e1, "result")), "container \"x\" does not exist");
    json_decref(arr);
}

static void test_noop_when_unset(void **state)
{
    struct ctx *c = *state;
    unsetenv(RT_JOURNAL_ENV);
    assert_int_equal(rt_journal_write("shim", "Start", "c1", json_pack("{s:s}", "k", "v"), NULL), 0);
    setenv(RT_JOURNAL_ENV, "", 1);
    assert_int_equal(rt_journal_write("shim", "Start", "c1", NULL, NULL), 0);
    struct stat st;
    assert_int_equal(stat(c->path, &st), -1);
    assert_int_equal(errno, ENOENT);
    json_t *arr = rt_journal_read(c->path); /* missing file: empty, not an error */
    assert_non_null(arr);
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);
}

static void test_unwritable_reports_error(void **state)
{
    struct ctx *c = *state;
    char *p = rt_path_join(c->dir, "no/such/dir/j");
    setenv(RT_JOURNAL_ENV, p, 1);
    errno = 0;
    assert_int_equal(rt_journal_write("shim", "Start", "c1", NULL, NULL), -1);
    assert_int_equal(errno, ENOENT);
    free(p);
}

static void test_reader_rejects_torn_lines(void **state)
{
    struct ctx *c = *state;
    const char *bad = "{\"a\":1}\n{\"b\":";
    assert_int_equal(rt_atomic_write(c->path, bad, strlen(bad), 0644, NULL, 0), 0);
    char err[256] = "";
    assert_null(rt_journal_read_err(c->path, err, sizeof err));
    assert_non_null(strstr(err, "line 2"));
    const char *notobj = "{\"a\":1}\n[1]\n";
    assert_int_equal(rt_atomic_write(c->path, notobj, strlen(notobj), 0644, NULL, 0), 0);
    assert_null(rt_journal_read_err(c->path, err, sizeof err));
    assert_non_null(strstr(err, "not a JSON object"));
}

#define NTHREADS 8
#define NPROCS 4
#define PER_WRITER 300

static void *writer_thread(void *p)
{
    long n = (long)p;
    char id[32], pad[2048];
    /* Lines of a few KB make interleaving visible if writes were split. */
    memset(pad, 'a' + (int)(n % 26), sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (int i = 0; i < PER_WRITER; i++) {
        snprintf(id, sizeof id, "w%ld-%d", n, i);
        if (rt_journal_write("shim", "Stress", id, json_pack("{s:i,s:i,s:s}", "writer", (int)n, "seq", i, "pad", pad),
                             NULL) != 0)
            return (void *)1;
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    struct ctx *c = *state;
    pid_t pids[NPROCS];
    for (long p = 0; p < NPROCS; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            pthread_t th[NTHREADS / 2];
            int bad = 0;
            for (long t = 0; t < NTHREADS / 2; t++)
                pthread_create(&th[t], NULL, writer_thread, (void *)(100 + p * 10 + t));
            for (long t = 0; t < NTHREADS / 2; t++) {
                void *r;
                pthread_join(th[t], &r);
                bad |= r != NULL;
            }
            _exit(bad);
        }
    }
    pthread_t th[NTHREADS];
    for (long t = 0; t < NTHREADS; t++) pthread_create(&th[t], NULL, writer_thread, (void *)t);
    for (long t = 0; t < NTHREADS; t++) {
        void *r;
        pthread_join(th[t], &r);
        assert_null(r);
    }
    for (int p = 0; p < NPROCS; p++) {
        int st;
        assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char err[256] = "";
    json_t *arr = rt_journal_read_err(c->path, err, sizeof err);
    if (!arr) fail_msg("journal unreadable: %s", err);
    size_t want = (size_t)(NTHREADS + NPROCS * (NTHREADS / 2)) * PER_WRITER;
    assert_int_equal(json_array_size(arr), want);
    /* Every writer's lines are all there, in its own order, with its own pad. */
    int next[200] = {0};
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        int w = (int)json_integer_value(json_object_get(e, "writer"));
        assert_true(w >= 0 && w < 200);
        assert_int_equal(json_integer_value(json_object_get(e, "seq")), next[w]);
        next[w]++;
        const char *pad = json_string_value(json_object_get(e, "pad"));
        assert_non_null(pad);
        assert_int_equal(strlen(pad), 2047);
        assert_int_equal(strspn(pad, (char[]){(char)('a' + w % 26), 0}), 2047);
    }
    json_decref(arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_noop_when_unset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_reports_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_rejects_torn_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
    };
    return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
