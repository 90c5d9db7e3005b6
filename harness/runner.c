#include "harness/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"

const char *rt_outcome_name(enum rt_outcome o)
{
    static const char *const names[] = {"PASS", "FAIL", "ERROR", "SKIP", "DISABLED",
                                        "XFAIL", "XPASS", "FLAKY"};
    return (unsigned)o < RT_OUTCOME_COUNT ? names[o] : "?";
}

/* Checked fixtures run inside the forked child around the test body. */
static void child_setup(void)
{
    int fd = open(rt_t.sb->test_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        fflush(stdout);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
}

static void child_teardown(void)
{
    if (rt_t.engine_pid) rt_engine_stop();
}

static bool selected(const struct rt_test *t, const struct rt_run_opts *o, regex_t *focus,
                     regex_t *skip, bool *disabled)
{
    char hay[1024];
    snprintf(hay, sizeof hay, "%s %s", t->id, t->desc);
    if (focus && regexec(focus, hay, 0, NULL, 0) != 0) return false;
    *disabled = (skip && regexec(skip, hay, 0, NULL, 0) == 0) || !(t->profiles & o->profile);
    return true;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read "SKIP reason" / "ERROR reason" written by the test, if any. */
static bool read_outcome(const struct rt_sandbox *sb, enum rt_outcome *o, char **msg)
{
    char *s = rt_read_file(sb->outcome, 8192, NULL);
    if (!s) return false;
    s[strcspn(s, "\n")] = '\0';
    bool ok = true;
    if (!strncmp(s, "SKIP ", 5)) *o = RT_SKIP;
    else if (!strncmp(s, "ERROR ", 6)) *o = RT_ERROR;
    else ok = false;
    if (ok) *msg = strdup(strchr(s, ' ') + 1);
    free(s);
    return ok;
}

static void run_one(const struct rt_run_opts *o, const char *root, const struct rt_test *t,
                    struct rt_result *res)
{
    char err[512];
    res->test = t;
    struct rt_sandbox *sb = rt_sandbox_create(root, t->id, o->cfg.libexec, err, sizeof err);
    if (!sb) {
        res->outcome = RT_ERROR;
        res->message = strdup(err);
        return;
    }
    rt_t = (struct rt_tctx){.run = &o->cfg, .test = t, .sb = sb};

    Suite *s = suite_create(t->id);
    TCase *tc = tcase_create(t->id);
    double timeout = (t->timeout > 0 ? t->timeout : 60.0) * o->cfg.timeout_multiplier;
    tcase_set_timeout(tc, timeout);
    tcase_add_checked_fixture(tc, child_setup, child_teardown);
    tcase_add_test(tc, t->ttest);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);

    double t0 = now_s();
    srunner_run_all(sr, CK_SILENT);
    res->seconds = now_s() - t0;

    TestResult **trs = srunner_results(sr);
    TestResult *tr = trs ? trs[0] : NULL;
    enum rt_outcome oc = RT_ERROR;
    char *msg = NULL;
    if (tr) {
        switch (tr_rtype(tr)) {
        case CK_PASS: oc = RT_PASS; break;
        case CK_FAILURE: oc = RT_FAIL; break;
        default: oc = RT_ERROR; break;
        }
        if (oc != RT_PASS) {
            const char *m = tr_msg(tr);
            if (asprintf(&msg, "%s (%s:%d)", m ? m : "", tr_lfile(tr) ? tr_lfile(tr) : "?", tr_lno(tr)) < 0)
                msg = NULL;
            /* A test that hit its deadline is the engine not answering: FAIL. */
            if (oc == RT_ERROR && m && strstr(m, "timeout")) oc = RT_FAIL;
        }
    } else {
        msg = strdup("no result from Check");
    }
    free(trs);
    enum rt_outcome side;
    char *side_msg = NULL;
    if (read_outcome(sb, &side, &side_msg)) {
        oc = side;
        free(msg);
        msg = side_msg;
    }
    srunner_free(sr);

    /* Anything the test started and left running is reaped here; processes
     * that inherited the sandbox's environment are a leak charged to it. */
    rt_sandbox_kill_recorded(sb);
    char leaks[1024];
    int nleaks = rt_sandbox_reap_leaks(sb, leaks, sizeof leaks);
    if (nleaks && (oc == RT_PASS)) {
        oc = RT_FAIL;
        free(msg);
        if (asprintf(&msg, "leaked %d process(es) after the test: %s", nleaks, leaks) < 0) msg = NULL;
    }
    res->outcome = oc;
    res->message = msg;
    bool keep = o->cfg.keep_sandbox || oc == RT_FAIL || oc == RT_ERROR;
    if (keep) fprintf(stdout, "# sandbox kept: %s\n", sb->dir);
    rt_sandbox_destroy(sb, !keep);
    rt_t.sb = NULL;
}

static void tap_line(size_t k, size_t n, const struct rt_result *r)
{
    const struct rt_test *t = r->test;
    bool ok = r->outcome == RT_PASS || r->outcome == RT_SKIP || r->outcome == RT_DISABLED ||
              r->outcome == RT_XFAIL || r->outcome == RT_FLAKY;
    printf("%s %zu - [%zu/%zu] %s %s: %s", ok ? "ok" : "not ok", k, k, n, t->id,
           rt_level_name(t->level), t->desc);
    if (r->outcome == RT_SKIP || r->outcome == RT_DISABLED)
        printf(" # SKIP %s", r->message ? r->message : rt_outcome_name(r->outcome));
    printf("\n");
    if (!ok) {
        printf("  ---\n  outcome: %s\n  spec: \"%s\"\n  message: \"", rt_outcome_name(r->outcome), t->spec);
        for (const char *p = r->message ? r->message : ""; *p; p++) {
            if (*p == '"' || *p == '\\') putchar('\\');
            if (*p == '\n') { fputs("\\n", stdout); continue; }
            putchar(*p);
        }
        printf("\"\n  duration_s: %.3f\n  ...\n", r->seconds);
    }
    fflush(stdout);
}

int rt_run(const struct rt_run_opts *o)
{
    regex_t focus, skip;
    if (o->focus && regcomp(&focus, o->focus, REG_EXTENDED | REG_NOSUB)) {
        fprintf(stderr, "rtconform: invalid --focus regex: %s\n", o->focus);
        return 99;
    }
    if (o->skip && regcomp(&skip, o->skip, REG_EXTENDED | REG_NOSUB)) {
        fprintf(stderr, "rtconform: invalid --skip regex: %s\n", o->skip);
        return 99;
    }
    size_t total = 0;
    for (size_t s = 0; rt_suites[s]; s++)
        for (const struct rt_test *t = rt_suites[s]->tests; t->id; t++) {
            bool dis;
            if (selected(t, o, o->focus ? &focus : NULL, o->skip ? &skip : NULL, &dis)) total++;
        }

    char rootbuf[4096];
    const char *root = o->sandbox_root;
    if (!root) {
        const char *tmp = getenv("TMPDIR");
        snprintf(rootbuf, sizeof rootbuf, "%s/rtconform-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(rootbuf)) {
            fprintf(stderr, "rtconform: cannot create a sandbox root: %s\n", rt_strerror(errno));
            return 99;
        }
        root = rootbuf;
    }

    printf("TAP version 14\n1..%zu\n", total);
    fflush(stdout);
    size_t k = 0, counts[RT_OUTCOME_COUNT] = {0};
    for (size_t s = 0; rt_suites[s]; s++)
        for (const struct rt_test *t = rt_suites[s]->tests; t->id; t++) {
            bool dis;
            if (!selected(t, o, o->focus ? &focus : NULL, o->skip ? &skip : NULL, &dis)) continue;
            struct rt_result r = {.test = t};
            if (dis) {
                r.outcome = RT_DISABLED;
                r.message = strdup("disabled by profile or --skip");
            } else {
                run_one(o, root, t, &r);
            }
            counts[r.outcome]++;
            tap_line(++k, total, &r);
            free(r.message);
        }
    if (!o->sandbox_root && !o->cfg.keep_sandbox) rmdir(root); /* only if empty */
    if (o->focus) regfree(&focus);
    if (o->skip) regfree(&skip);

    size_t passed = counts[RT_PASS] + counts[RT_XFAIL] + counts[RT_FLAKY];
    size_t failed = counts[RT_FAIL] + counts[RT_ERROR] + counts[RT_XPASS];
    printf("# PASS %zu FAIL %zu ERROR %zu SKIP %zu DISABLED %zu XFAIL %zu XPASS %zu FLAKY %zu\n",
           counts[RT_PASS], counts[RT_FAIL], counts[RT_ERROR], counts[RT_SKIP], counts[RT_DISABLED],
           counts[RT_XFAIL], counts[RT_XPASS], counts[RT_FLAKY]);
    printf("%zu passed, %zu failed, %zu skipped\n", passed, failed, counts[RT_SKIP] + counts[RT_DISABLED]);
    fflush(stdout);
    if (counts[RT_ERROR] && !counts[RT_FAIL] && !passed) return 99;
    if (failed) return 1;
    if (!passed) return 77;
    return 0;
}
