/* Failpoint grammar: parsing, sequence semantics, actions, every invalid form. */
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
#include <time.h>
#include <unistd.h>

#include "failpoint.h"
#include "fsutil.h"

static struct rt_failpoint *must_parse(const char *spec)
{
    struct rt_failpoint *fp = NULL;
    char err[256] = "";
    int rc = rt_failpoint_parse(spec, &fp, err, sizeof err);
    if (rc != 0) fail_msg("parse \"%s\": %s", spec, err);
    assert_non_null(fp);
    return fp;
}

static void test_sequence_off_then_error(void **state)
{
    (void)state;
    struct rt_failpoint *fp = must_parse("1*off->1*error(please retry)");
    char msg[64];
    assert_int_equal(rt_failpoint_nterms(fp), 2);
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_PASS);
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_ERROR);
    assert_string_equal(msg, "please retry");
    for (int i = 0; i < 5; i++) { /* all counts spent: passes forever */
        assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_PASS);
        assert_string_equal(msg, "");
    }
    rt_failpoint_free(fp);
}

static void test_counts(void **state)
{
    (void)state;
    struct rt_failpoint *fp = must_parse("3*error(a)->0*error(never)->2*error(b)");
    char msg[16];
    assert_int_equal(rt_failpoint_remaining(fp), 5);
    const char *want[] = {"a", "a", "a", "b", "b"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_ERROR);
        assert_string_equal(msg, want[i]);
    }
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_PASS);
    assert_int_equal(rt_failpoint_remaining(fp), 0);
    rt_failpoint_free(fp);

    fp = must_parse("0*error(x)"); /* count 0: a no-op */
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_PASS);
    rt_failpoint_free(fp);
}

static void test_advance(void **state)
{
    (void)state;
    struct rt_failpoint *fp = must_parse("1*delay(100000)->2*error(a)->1*error(b)");
    char msg[8];
    rt_failpoint_advance(fp, 3); /* skips the delay without sleeping */
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_ERROR);
    assert_string_equal(msg, "b");
    rt_failpoint_advance(fp, 100);
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_PASS);
    rt_failpoint_free(fp);
}

static void test_whitespace_and_text(void **state)
{
    (void)state;
    struct rt_failpoint *fp = must_parse("  1*error(no hard feelings) -> 1 * panic(boom: x=1, y) ");
    char msg[64];
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_ERROR);
    assert_string_equal(msg, "no hard feelings");
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_PANIC);
    assert_string_equal(msg, "boom: x=1, y");
    rt_failpoint_free(fp);

    fp = must_parse("1*error()"); /* empty text is allowed, as in containerd */
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_ERROR);
    assert_string_equal(msg, "");
    rt_failpoint_free(fp);

    char small[4]; /* message is truncated, never overflows */
    fp = must_parse("1*error(long message)");
    assert_int_equal(rt_failpoint_eval(fp, small, sizeof small), RT_FP_ERROR);
    assert_string_equal(small, "lon");
    rt_failpoint_free(fp);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void test_delay_delays(void **state)
{
    (void)state;
    struct rt_failpoint *fp = must_parse("1*delay(120)->1*error(after)");
    char msg[16];
    long long t0 = now_ns();
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_PASS);
    long long took = now_ns() - t0;
    assert_true(took >= 120000000LL);
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_ERROR);
    t0 = now_ns();
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_PASS);
    assert_true(now_ns() - t0 < 100000000LL); /* spent: no delay any more */
    rt_failpoint_free(fp);
}

struct barrier_arg {
    struct rt_failpoint *fp;
    volatile int done;
    enum rt_fp_result res;
};

static void *barrier_thread(void *p)
{
    struct barrier_arg *a = p;
    char msg[64];
    a->res = rt_failpoint_eval(a->fp, msg, sizeof msg);
    __atomic_store_n(&a->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void test_barrier_released_by_fifo(void **state)
{
    (void)state;
    char dir[] = "/tmp/rt-fp-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *fifo = rt_path_join(dir, "b.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char spec[256];
    snprintf(spec, sizeof spec, "1*barrier(%s)->1*error(second)", fifo);
    struct barrier_arg a = {.fp = must_parse(spec)};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, barrier_thread, &a), 0);
    /* The evaluator is blocked opening the FIFO; it cannot pass before we write. */
    usleep(50000); /* give it a chance to (wrongly) finish: there is no event for "still blocked" */
    assert_int_equal(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST), 0);
    FILE *w = fopen(fifo, "w"); /* blocks until the reader opened it */
    assert_non_null(w);
    fputc('x', w);
    fclose(w);
    pthread_join(th, NULL);
    assert_int_equal(a.done, 1);
    assert_int_equal(a.res, RT_FP_PASS);
    char msg[16];
    assert_int_equal(rt_failpoint_eval(a.fp, msg, sizeof msg), RT_FP_ERROR);
    rt_failpoint_free(a.fp);

    /* A barrier whose FIFO is missing reports an error instead of hanging. */
    snprintf(spec, sizeof spec, "1*barrier(%s/missing)", dir);
    struct rt_failpoint *fp = must_parse(spec);
    char m[256];
    assert_int_equal(rt_failpoint_eval(fp, m, sizeof m), RT_FP_ERROR);
    assert_non_null(strstr(m, "No such file"));
    rt_failpoint_free(fp);
    rt_rm_rf(dir);
    free(fifo);
}

static void test_exit_and_hang(void **state)
{
    (void)state;
    struct rt_failpoint *fp = must_parse("1*off->1*exit(42)");
    char msg[8];
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        rt_failpoint_eval(fp, msg, sizeof msg); /* off */
        rt_failpoint_eval(fp, msg, sizeof msg); /* exit(42) */
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 42);
    rt_failpoint_free(fp);

    fp = must_parse("1*hang");
    pid = fork();
    if (pid == 0) {
        rt_failpoint_eval(fp, msg, sizeof msg);
        _exit(0); /* never reached */
    }
    usleep(50000); /* a hang has no event to wait for: check it is still there after a while */
    assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    rt_failpoint_free(fp);
}

struct conc_arg {
    struct rt_failpoint *fp;
    int errors;
};

static void *conc_thread(void *p)
{
    struct conc_arg *a = p;
    char msg[8];
    for (int i = 0; i < 1000; i++)
        if (rt_failpoint_eval(a->fp, msg, sizeof msg) == RT_FP_ERROR) a->errors++;
    return NULL;
}

static void test_concurrent_counts_exact(void **state)
{
    (void)state;
    struct rt_failpoint *fp = must_parse("1500*error(e)");
    struct conc_arg args[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct conc_arg){.fp = fp};
        pthread_create(&th[i], NULL, conc_thread, &args[i]);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL), total += args[i].errors;
    assert_int_equal(total, 1500);
    rt_failpoint_free(fp);
}

static void expect_invalid(const char *spec, const char *needle)
{
    struct rt_failpoint *fp = (struct rt_failpoint *)0x1;
    char err[256] = "";
    int rc = rt_failpoint_parse(spec, &fp, err, sizeof err);
    if (rc != -1) fail_msg("\"%s\" parsed but should not", spec);
    assert_null(fp);
    if (!strstr(err, needle)) fail_msg("\"%s\": error \"%s\" lacks \"%s\"", spec, err, needle);
}

static void test_invalid_forms(void **state)
{
    (void)state;
    expect_invalid("", "empty failpoint spec");
    expect_invalid("   ", "empty failpoint spec");
    expect_invalid("error(x)", "missing \"<count>*\"");
    expect_invalid("*error(x)", "missing count");
    expect_invalid("*", "missing count");
    expect_invalid("1*", "missing type");
    expect_invalid("1*bogus", "unknown type \"bogus\"");
    expect_invalid("1*bogus(x)", "unknown type \"bogus\"");
    expect_invalid("1*error(oops", "unclosed \"(\"");
    expect_invalid("1*error(a)b", "unexpected \"b\" after \")\"");
    expect_invalid("1*error(a))", "unexpected \")\" after \")\"");
    expect_invalid("1*error", "error needs an argument");
    expect_invalid("1*off(x)", "off takes no argument");
    expect_invalid("1*hang()", "hang takes no argument");
    expect_invalid("-1*error(x)", "must not be negative");
    expect_invalid("99999999999999999999*error(x)", "is too large");
    expect_invalid("1x*error(x)", "is not a decimal number");
    expect_invalid("1*off->", "trailing \"->\"");
    expect_invalid("->1*off", "starts with \"->\"");
    expect_invalid("1*off->->1*off", "term 2 is empty");
    expect_invalid("1*delay(abc)", "delay \"abc\" is not a decimal number");
    expect_invalid("1*delay()", "delay \"\" is empty");
    expect_invalid("1*delay(99999999)", "is too large");
    expect_invalid("1*exit(256)", "exit status \"256\" is too large");
    expect_invalid("1*barrier()", "barrier needs a FIFO path");
    expect_invalid("1*off->2*nope", "term 2");
    /* NULL error buffer is allowed */
    struct rt_failpoint *fp;
    assert_int_equal(rt_failpoint_parse("x", &fp, NULL, 0), -1);
}

/* Random byte soup from the grammar's alphabet: parse never crashes, and
 * every accepted spec evaluates without blocking (delays kept tiny). */
static void test_random_specs_do_not_crash(void **state)
{
    (void)state;
    static const char *const atoms[] = {"1", "0", "2", "*", "->", "off", "error(", "panic(", "delay(", ")",
                                        "x", " ", "-", "barrier", "bogus(", "99999999999", "(", "3*off"};
    unsigned seed = 12345;
    int accepted = 0;
    for (int i = 0; i < 20000; i++) {
        char spec[128] = "";
        int n = 1 + (int)(rand_r(&seed) % 8);
        for (int k = 0; k < n; k++) strncat(spec, atoms[rand_r(&seed) % (sizeof atoms / sizeof atoms[0])], sizeof spec - strlen(spec) - 1);
        struct rt_failpoint *fp = NULL;
        char err[256] = "";
        if (rt_failpoint_parse(spec, &fp, err, sizeof err) == 0) {
            accepted++;
            char msg[32];
            for (int e = 0; e < 3; e++) rt_failpoint_eval(fp, msg, sizeof msg); /* hang, exit and barrier cannot be formed */
            rt_failpoint_free(fp);
        } else {
            assert_null(fp);
            assert_true(strlen(err) > 0);
        }
    }
    assert_true(accepted > 0);
}

static void test_from_annotations(void **state)
{
    (void)state;
    json_t *cfg = json_pack("{s:{s:s,s:s,s:i}}", "annotations", RT_FAILPOINT_ANNOTATION_PREFIX "Start",
                            "1*error(no hard feelings)", RT_FAILPOINT_ANNOTATION_PREFIX "Kill", "1*nope",
                            RT_FAILPOINT_ANNOTATION_PREFIX "Delete", 3);
    struct rt_failpoint *fp;
    char err[256], msg[64];
    assert_int_equal(rt_failpoint_from_annotations(cfg, RT_FAILPOINT_ANNOTATION_PREFIX, "Start", &fp, err, sizeof err), 0);
    assert_non_null(fp);
    assert_int_equal(rt_failpoint_eval(fp, msg, sizeof msg), RT_FP_ERROR);
    assert_string_equal(msg, "no hard feelings");
    rt_failpoint_free(fp);
    assert_int_equal(rt_failpoint_from_annotations(cfg, RT_FAILPOINT_ANNOTATION_PREFIX, "Create", &fp, err, sizeof err), 0);
    assert_null(fp);
    assert_int_equal(rt_failpoint_from_annotations(cfg, RT_FAILPOINT_ANNOTATION_PREFIX, "Kill", &fp, err, sizeof err), -1);
    assert_non_null(strstr(err, "failpoint.Kill"));
    assert_non_null(strstr(err, "unknown type"));
    assert_int_equal(rt_failpoint_from_annotations(cfg, RT_FAILPOINT_ANNOTATION_PREFIX, "Delete", &fp, err, sizeof err), -1);
    assert_int_equal(rt_failpoint_from_annotations(NULL, RT_FAILPOINT_ANNOTATION_PREFIX, "Delete", &fp, err, sizeof err), 0);
    json_decref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequence_off_then_error),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_advance),
        cmocka_unit_test(test_whitespace_and_text),
        cmocka_unit_test(test_delay_delays),
        cmocka_unit_test(test_barrier_released_by_fifo),
        cmocka_unit_test(test_exit_and_hang),
        cmocka_unit_test(test_concurrent_counts_exact),
        cmocka_unit_test(test_invalid_forms),
        cmocka_unit_test(test_random_specs_do_not_crash),
        cmocka_unit_test(test_from_annotations),
    };
    return cmocka_run_group_tests_name("failpoint", tests, NULL, NULL);
}
