#include "harness/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/artifacts.h"
#include "harness/observe.h"
#include "harness/probe.h"
#include "harness/report.h"
#include "jsonutil.h"

#define FLAKY_RETRIES 3

const char *rt_outcome_name(enum rt_outcome o)
{
    static const char *const names[] = {"PASS", "FAIL", "ERROR", "SKIP", "DISABLED",
                                        "XFAIL", "XPASS", "FLAKY"};
    return (unsigned)o < RT_OUTCOME_COUNT ? names[o] : "?";
}

int rt_outcome_parse(const char *name)
{
    for (int i = 0; name && i < RT_OUTCOME_COUNT; i++)
        if (!strcmp(name, rt_outcome_name(i))) return i;
    return -1;
}

bool rt_outcome_bad(enum rt_outcome o, bool xpass_ok)
{
    return o == RT_FAIL || o == RT_ERROR || (o == RT_XPASS && !xpass_ok);
}

int rt_exit_code(const size_t c[RT_OUTCOME_COUNT], bool xpass_ok)
{
    size_t ran_ok = c[RT_PASS] + c[RT_XFAIL] + c[RT_FLAKY] + c[RT_XPASS];
    /* Everything that ran broke in the harness or environment. */
    if (c[RT_ERROR] && !c[RT_FAIL] && !ran_ok) return 99;
    if (c[RT_FAIL] || c[RT_ERROR] || (c[RT_XPASS] && !xpass_ok)) return 1;
    if (!ran_ok) return 77;
    return 0;
}

/* ---- the worker: one attempt of one test, in its own process ---------- */

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
    rt_engine_teardown();
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

static char *result_path(const char *root, const char *id)
{
    char name[256];
    snprintf(name, sizeof name, "%s.result.json", id);
    return rt_path_join(root, name);
}

/* Runs in the worker process; writes <root>/<ID>.result.json. A failure
 * the expectation file predicts (EXPECTED_FAIL) keeps its artifacts in the
 * report but not its sandbox: a dockerd 20.10 run would leave ~180. */
static void worker(const struct rt_run_opts *o, const char *root, const struct rt_test *t, bool expected_fail)
{
    char err[512];
    json_t *res = json_object();
    char *rpath = result_path(root, t->id);
    struct rt_sandbox *sb = rt_sandbox_create(root, t->id, o->cfg.libexec, err, sizeof err);
    if (!sb) {
        json_object_set_new(res, "outcome", json_string("ERROR"));
        json_object_set_new(res, "message", json_string(err));
        rt_json_save_file(rpath, res, 0600);
        _exit(0);
    }
    char seed[32];
    snprintf(seed, sizeof seed, "%lu", o->cfg.seed);
    setenv("RTCONFORM_SEED", seed, 1);
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
    double secs = now_s() - t0;

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
            if (oc == RT_ERROR && m && strstr(m, "timeout")) {
                oc = RT_FAIL;
                free(msg);
                if (asprintf(&msg, "timed out after %.1f s (%s)", timeout, m) < 0) msg = NULL;
            }
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

    /* Leak checks. Processes the test started and left running are reaped;
     * processes that inherited the sandbox's environment and mounts under
     * the sandbox are leaks charged to this test. Files created outside
     * the sandbox are not checked (see the report). */
    rt_sandbox_kill_recorded(sb);
    char leaks[1024], mounts[1024];
    int nleaks = rt_sandbox_reap_leaks(sb, leaks, sizeof leaks);
    int nmounts = rt_sandbox_reap_mounts(sb, mounts, sizeof mounts);
    if ((nleaks || nmounts) && (oc == RT_PASS || oc == RT_FAIL)) {
        char *m2 = NULL;
        if (asprintf(&m2, "%s%s%sleak check: %d process(es)%s%s, %d mount(s)%s%s", oc == RT_FAIL && msg ? msg : "",
                     oc == RT_FAIL && msg ? "; " : "", "", nleaks, nleaks ? ": " : "", nleaks ? leaks : "",
                     nmounts, nmounts ? ": " : "", nmounts ? mounts : "") < 0)
            m2 = NULL;
        oc = RT_FAIL;
        free(msg);
        msg = m2;
    }
    json_object_set_new(res, "outcome", json_string(rt_outcome_name(oc)));
    json_t *jm = msg ? json_string(msg) : json_null();
    json_object_set_new(res, "message", jm ? jm : json_string("(message not UTF-8)"));
    json_object_set_new(res, "seconds", json_real(secs));
    json_object_set_new(res, "details", rt_artifacts_details(sb));
    char *obs = rt_path_join(sb->dir, RT_OBSERVE_FILE);
    json_object_set_new(res, "observables", rt_observe_load(obs));
    free(obs);
    if (oc == RT_FAIL || oc == RT_ERROR) {
        char *adir = rt_path_join(o->report_dir, "artifacts");
        char *dest = rt_path_join(adir, t->id);
        rt_rm_rf(dest);
        if (rt_artifacts_copy(sb, dest, err, sizeof err) == 0) {
            char rel[300];
            snprintf(rel, sizeof rel, "artifacts/%s", t->id);
            json_object_set_new(res, "artifacts", json_string(rel));
        }
        free(adir), free(dest);
    }
    bool keep = o->cfg.keep_sandbox || (oc == RT_FAIL && !expected_fail) || oc == RT_ERROR;
    if (keep) json_object_set_new(res, "sandbox", json_string(sb->dir));
    rt_sandbox_destroy(sb, !keep);
    rt_json_save_file(rpath, res, 0600);
    _exit(0);
}

/* ---- the parent: selection, scheduling, classification, TAP ---------- */

struct item {
    const struct rt_test *t;
    struct rt_result r;
    pid_t pid;
    int runs;
    char *first_failure;   /* flaky: what the first failing attempt said */
};

struct ctx {
    const struct rt_run_opts *o;
    const char *root;
    FILE *tap;
    struct rt_expect *expect;
    json_t *probe;
    json_t *warnings;
    size_t k, total;
    bool any_bad;
};

static void tap_printf(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap_printf(struct ctx *c, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vprintf(fmt, ap);
    if (c->tap) vfprintf(c->tap, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    fflush(stdout);
}

static void set_msg(struct rt_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_msg(struct rt_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0) m = NULL;
    va_end(ap);
    free(r->message);
    r->message = m;
}

/* Decide without running: disabled, expected skip, or the target or
 * environment (from the probe) lacks what the test needs. */
static bool pre_classify(struct ctx *c, struct item *it)
{
    const struct rt_test *t = it->t;
    const struct rt_expect_entry *e = it->r.expect;
    json_t *p = c->probe;
    if (it->r.outcome == RT_DISABLED) {
        set_msg(&it->r, "%s", t->profiles & c->o->profile ? "disabled by --skip" : "not in this profile");
        return true;
    }
    it->r.outcome = RT_SKIP;
    if (e && e->kind == RT_EXPECT_SKIP) {
        set_msg(&it->r, "expected skip (%s): %s [%s]", e->reason_class, e->reason, e->link);
        return true;
    }
    if (c->o->cfg.target == RT_TARGET_DOCKERD && !json_is_true(json_object_get(p, "root"))) {
        set_msg(&it->r, "needs root: the dockerd target starts its own dockerd and containerd (probe: root=false)");
        return true;
    }
    if ((t->caps & RT_CAP_OWN_DAEMON) && c->o->cfg.target == RT_TARGET_EXTERNAL) {
        set_msg(&it->r, "needs its own daemon; the external target is read-only (probe: kind=external)");
        return true;
    }
    if ((t->caps & RT_CAP_ROOT) && !json_is_true(json_object_get(p, "root"))) {
        set_msg(&it->r, "needs root (probe: root=false)");
        return true;
    }
    if ((t->caps & RT_CAP_DOCKER_CLI) && !json_is_true(json_object_get(p, "docker_cli"))) {
        set_msg(&it->r, "needs the docker CLI (probe: docker_cli=false)");
        return true;
    }
    if ((t->caps & RT_CAP_FAKE_SHIMS) && !json_is_true(json_object_get(p, "fake_shims"))) {
        set_msg(&it->r, "needs the fake shims (probe: fake_shims=false in %s)", rt_json_str(p, "libexec", "?"));
        return true;
    }
    if ((t->caps & RT_CAP_REAL_RUNC) && !json_is_true(json_object_get(p, "runc"))) {
        set_msg(&it->r, "needs the real runc (probe: runc=false)");
        return true;
    }
    it->r.outcome = RT_PASS;
    return false;
}

static pid_t launch(struct ctx *c, struct item *it)
{
    fflush(stdout);
    if (c->tap) fflush(c->tap);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        worker(c->o, c->root, it->t, it->r.expect && it->r.expect->kind == RT_EXPECT_FAIL);
    }
    if (pid > 0) it->runs++;
    return pid;
}

/* Read what the worker wrote; ERROR when it wrote nothing. */
static enum rt_outcome collect(struct ctx *c, struct item *it, int status)
{
    char *rpath = result_path(c->root, it->t->id);
    json_t *res = rt_json_load_file(rpath, 64 << 20, NULL, 0);
    unlink(rpath);
    free(rpath);
    json_decref(it->r.details);
    it->r.details = NULL;
    json_decref(it->r.observables);
    it->r.observables = NULL;
    if (!res) {
        set_msg(&it->r, "the harness worker died without a result (status 0x%x)", status);
        return RT_ERROR;
    }
    int oc = rt_outcome_parse(rt_json_str(res, "outcome", ""));
    set_msg(&it->r, "%s", rt_json_str(res, "message", ""));
    if (!*it->r.message) set_msg(&it->r, "%s", "");
    it->r.seconds = json_real_value(json_object_get(res, "seconds"));
    it->r.details = json_incref(json_object_get(res, "details"));
    json_decref(it->r.observables);
    it->r.observables = json_incref(json_object_get(res, "observables"));
    /* A later passing attempt keeps the artifacts of the failing one. */
    const char *a = rt_json_str(res, "artifacts", NULL);
    if (a) {
        free(it->r.artifacts);
        it->r.artifacts = strdup(a);
    }
    const char *kept = rt_json_str(res, "sandbox", NULL);
    if (kept) tap_printf(c, "# %s: sandbox kept: %s\n", it->t->id, kept);
    json_decref(res);
    return oc < 0 ? RT_ERROR : (enum rt_outcome)oc;
}

/* Another attempt? Flaky entries retry failures; --repeat reruns passes. */
static bool again(struct ctx *c, struct item *it, enum rt_outcome raw)
{
    const struct rt_expect_entry *e = it->r.expect;
    if ((raw == RT_FAIL || raw == RT_ERROR) && e && e->kind == RT_EXPECT_FLAKY && it->runs <= FLAKY_RETRIES) {
        if (!it->first_failure) it->first_failure = strdup(it->r.message ? it->r.message : "");
        tap_printf(c, "# %s: attempt %d %s (flaky entry): retrying\n", it->t->id, it->runs, rt_outcome_name(raw));
        return true;
    }
    return raw == RT_PASS && !c->o->until_fail && it->runs < c->o->repeat;
}

/* Apply the expectation to the final raw outcome. */
static void classify(struct item *it, enum rt_outcome raw)
{
    const struct rt_expect_entry *e = it->r.expect;
    it->r.outcome = raw;
    if (e && e->kind == RT_EXPECT_FAIL && raw == RT_FAIL) {
        it->r.outcome = RT_XFAIL;
        char *m = it->r.message;
        it->r.message = NULL;
        set_msg(&it->r, "expected failure (%s: %s) [%s]: %s", e->reason_class, e->reason, e->link, m ? m : "");
        free(m);
    } else if (e && e->kind == RT_EXPECT_FAIL && raw == RT_PASS) {
        it->r.outcome = RT_XPASS;
        set_msg(&it->r, "passed, but the expectation file says it fails (%s: %s) [%s]: remove the entry",
                e->reason_class, e->reason, e->link);
    } else if (e && e->kind == RT_EXPECT_FLAKY && raw == RT_PASS && it->runs > 1) {
        it->r.outcome = RT_FLAKY;
        set_msg(&it->r, "passed on attempt %d after: %s [%s]", it->runs, it->first_failure ? it->first_failure : "?",
                e->link);
    } else if (raw != RT_PASS && raw != RT_SKIP && it->runs > 1) {
        char *m = it->r.message;
        it->r.message = NULL;
        set_msg(&it->r, "%s (on run %d)", m ? m : "", it->runs);
        free(m);
    }
    it->r.attempts = it->runs;
}

static void finish(struct ctx *c, struct item *it)
{
    if (rt_outcome_bad(it->r.outcome, c->o->xpass_ok)) c->any_bad = true;
    json_t *j = rt_result_json(&it->r, c->o->reproduce);
    c->k++;
    rt_tap_point(stdout, c->k, c->o->until_fail ? 0 : c->total, j);
    if (c->tap) rt_tap_point(c->tap, c->k, c->o->until_fail ? 0 : c->total, j);
    fflush(stdout);
    json_decref(j);
}

/* Run every item once (with retries/repeats): up to -j workers at once,
 * each TAP point printed as its test completes. 0, or -1 on fork failure. */
static int run_round(struct ctx *c, struct item *items, size_t n)
{
    size_t next = 0, running = 0;
    int jobs = c->o->jobs > 0 ? c->o->jobs : 1;
    for (;;) {
        while ((int)running < jobs && next < n) {
            struct item *it = &items[next++];
            free(it->r.message);
            it->r.message = NULL;
            free(it->first_failure);
            it->first_failure = NULL;
            it->runs = 0;
            free(it->r.artifacts);
            it->r.artifacts = NULL;
            if (it->r.outcome != RT_DISABLED) it->r.outcome = RT_PASS;
            if (pre_classify(c, it)) {
                it->r.attempts = 0;
                finish(c, it);
                continue;
            }
            if ((it->pid = launch(c, it)) < 0) return -1;
            running++;
        }
        if (!running) return 0;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        struct item *it = NULL;
        for (size_t i = 0; i < n; i++)
            if (items[i].pid == pid) it = &items[i];
        if (!it) continue; /* not ours (e.g. a reparented grandchild) */
        it->pid = 0;
        running--;
        enum rt_outcome raw = collect(c, it, status);
        if (again(c, it, raw)) {
            if ((it->pid = launch(c, it)) < 0) return -1;
            running++;
            continue;
        }
        classify(it, raw);
        finish(c, it);
    }
}

static bool selected(const struct rt_test *t, const struct rt_run_opts *o, regex_t *focus, regex_t *skip,
                     json_t *rerun, bool *disabled)
{
    char hay[1024];
    snprintf(hay, sizeof hay, "%s %s", t->id, t->desc);
    if (focus && regexec(focus, hay, 0, NULL, 0) != 0) return false;
    if (rerun && !json_object_get(rerun, t->id)) return false;
    /* The self-test cases exist only for the selftest profile, which has
     * nothing else. */
    if ((t->profiles & RT_PROF_SELFTEST) != (o->profile & RT_PROF_SELFTEST)) return false;
    *disabled = (skip && regexec(skip, hay, 0, NULL, 0) == 0) || !(t->profiles & o->profile);
    return true;
}

/* IDs of the FAIL/ERROR/XPASS tests of an earlier results.json. */
static json_t *load_rerun(const char *path)
{
    char err[256];
    json_t *doc = rt_json_load_file(path, 256 << 20, err, sizeof err);
    if (!doc) {
        fprintf(stderr, "rtconform: --rerun-failed %s: %s\n", path, err);
        return NULL;
    }
    json_t *tests = json_object_get(doc, "tests"), *set = json_object(), *t;
    if (!json_is_array(tests)) {
        fprintf(stderr, "rtconform: --rerun-failed %s: no \"tests\" array (not a results.json)\n", path);
        json_decref(doc);
        json_decref(set);
        return NULL;
    }
    size_t i;
    json_array_foreach(tests, i, t) {
        int oc = rt_outcome_parse(rt_json_str(t, "outcome", ""));
        if (oc == RT_FAIL || oc == RT_ERROR || oc == RT_XPASS) json_object_set_new(set, rt_json_str(t, "id", ""), json_true());
    }
    json_decref(doc);
    return set;
}

static void iso_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int rt_run(const struct rt_run_opts *o)
{
    struct ctx c = {.o = o, .warnings = json_array()};
    int rc = 99;
    regex_t focus, skip;
    bool have_focus = false, have_skip = false;
    json_t *rerun = NULL;
    struct item *items = NULL;
    size_t n = 0;
    char err[1024], started[32], finished[32], rootbuf[4096];
    iso_now(started, sizeof started);
    if (o->focus) {
        if (regcomp(&focus, o->focus, REG_EXTENDED | REG_NOSUB)) {
            fprintf(stderr, "rtconform: invalid --focus regex: %s\n", o->focus);
            goto out;
        }
        have_focus = true;
    }
    if (o->skip) {
        if (regcomp(&skip, o->skip, REG_EXTENDED | REG_NOSUB)) {
            fprintf(stderr, "rtconform: invalid --skip regex: %s\n", o->skip);
            goto out;
        }
        have_skip = true;
    }
    if (o->expect_path) {
        c.expect = rt_expect_load(o->expect_path, NULL, err, sizeof err);
        if (!c.expect) {
            fprintf(stderr, "rtconform: bad expectation file: %s\n", err);
            goto out;
        }
        for (size_t i = 0; i < c.expect->n; i++) {
            const struct rt_expect_entry *e = &c.expect->entries[i];
            if (e->expired)
                json_array_append_new(c.warnings, json_sprintf("expectation for %s (%s) expired on %s: fix the engine or renew the entry",
                                                               e->id, rt_expect_kind_name(e->kind), e->expires));
            if (!rt_registry_find(e->id))
                json_array_append_new(c.warnings, json_sprintf("expectation for %s names no known test", e->id));
        }
    }
    if (o->rerun_failed && !(rerun = load_rerun(o->rerun_failed))) goto out;
    if (rt_mkdir_p(o->report_dir, 0755) < 0) {
        fprintf(stderr, "rtconform: cannot create report dir %s: %s\n", o->report_dir, rt_strerror(errno));
        goto out;
    }
    /* Workers write artifacts by relative path: keep the report dir valid
     * whatever the cwd of later code. */
    char *tap_path = rt_path_join(o->report_dir, "report.tap");
    c.tap = fopen(tap_path, "w");
    free(tap_path);
    if (!c.tap) {
        fprintf(stderr, "rtconform: cannot write report.tap in %s: %s\n", o->report_dir, rt_strerror(errno));
        goto out;
    }
    c.root = o->sandbox_root;
    if (!c.root) {
        const char *tmp = getenv("TMPDIR");
        snprintf(rootbuf, sizeof rootbuf, "%s/rtconform-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(rootbuf)) {
            fprintf(stderr, "rtconform: cannot create a sandbox root: %s\n", rt_strerror(errno));
            goto out;
        }
        c.root = rootbuf;
    } else if (rt_mkdir_p(c.root, 0700) < 0) {
        fprintf(stderr, "rtconform: cannot create sandbox root %s: %s\n", c.root, rt_strerror(errno));
        goto out;
    }

    items = calloc(rt_registry_count() + 1, sizeof *items);
    for (size_t s = 0; rt_suites[s]; s++)
        for (const struct rt_test *t = rt_suites[s]->tests; t->id; t++) {
            bool dis = false;
            if (!selected(t, o, have_focus ? &focus : NULL, have_skip ? &skip : NULL, rerun, &dis)) continue;
            struct item *it = &items[n++];
            it->t = t;
            it->r.test = t;
            it->r.expect = rt_expect_find(c.expect, t->id);
            if (dis) it->r.outcome = RT_DISABLED;
        }
    c.total = n;
    c.probe = rt_probe_target(&o->cfg, c.root);
    json_object_set_new(c.probe, "datadir", o->cfg.datadir ? json_string(o->cfg.datadir) : json_null());
    json_t *runc_probe = json_boolean(access("/usr/sbin/runc", X_OK) == 0 || access("/usr/bin/runc", X_OK) == 0);
    json_object_set_new(c.probe, "runc", runc_probe);

    tap_printf(&c, "TAP version 14\n");
    if (!o->until_fail) tap_printf(&c, "1..%zu\n", n);
    tap_printf(&c, "# rtconform %s: target %s, profile %s, seed %lu, -j %d\n", RT_VERSION,
               rt_target_name(o->cfg.target), o->profile_name ? o->profile_name : "?", o->cfg.seed,
               o->jobs > 0 ? o->jobs : 1);
    tap_printf(&c, "# probe: engine_version=%s api_version=%s default_runtime=%s root=%s docker_cli=%s fake_shims=%s\n",
               rt_json_str(c.probe, "engine_version", "?"), rt_json_str(c.probe, "api_version", "?"),
               rt_json_str(c.probe, "default_runtime", "?"), json_is_true(json_object_get(c.probe, "root")) ? "yes" : "no",
               json_is_true(json_object_get(c.probe, "docker_cli")) ? "yes" : "no",
               json_is_true(json_object_get(c.probe, "fake_shims")) ? "yes" : "no");
    if (c.expect) tap_printf(&c, "# expectations: %s (%zu entries)\n", c.expect->path, c.expect->n);
    size_t wi;
    json_t *w;
    json_array_foreach(c.warnings, wi, w) tap_printf(&c, "# WARNING: %s\n", json_string_value(w));

    for (int round = 1;; round++) {
        if (o->until_fail) tap_printf(&c, "# round %d\n", round);
        if (run_round(&c, items, n) < 0) {
            fprintf(stderr, "rtconform: cannot run workers: %s\n", rt_strerror(errno));
            goto out;
        }
        if (!o->until_fail || c.any_bad || !n || (o->repeat > 0 && round >= o->repeat)) break;
    }
    if (o->until_fail) tap_printf(&c, "1..%zu\n", c.k);
    if (!o->sandbox_root && !o->cfg.keep_sandbox) rmdir(c.root); /* only if empty */

    iso_now(finished, sizeof finished);
    struct rt_result *res = calloc(n + 1, sizeof *res);
    for (size_t i = 0; i < n; i++) res[i] = items[i].r;
    struct rt_run_meta meta = {.started = started, .finished = finished, .seed = o->cfg.seed,
                               .profile = o->profile_name, .target = c.probe, .expect = c.expect,
                               .warnings = c.warnings, .xpass_ok = o->xpass_ok, .reproduce = o->reproduce};
    json_t *doc = rt_results_json(&meta, res, n);
    free(res);
    json_t *cnt = json_object_get(doc, "counts");
    size_t counts[RT_OUTCOME_COUNT];
    for (int i = 0; i < RT_OUTCOME_COUNT; i++) counts[i] = (size_t)json_integer_value(json_object_get(cnt, rt_outcome_name(i)));
    tap_printf(&c, "# PASS %zu FAIL %zu ERROR %zu SKIP %zu DISABLED %zu XFAIL %zu XPASS %zu FLAKY %zu\n",
               counts[RT_PASS], counts[RT_FAIL], counts[RT_ERROR], counts[RT_SKIP], counts[RT_DISABLED],
               counts[RT_XFAIL], counts[RT_XPASS], counts[RT_FLAKY]);
    tap_printf(&c, "# verdict: %s (exit %lld)\n", rt_json_str(doc, "verdict", "?"),
               (long long)json_integer_value(json_object_get(doc, "exit_code")));
    rc = (int)json_integer_value(json_object_get(doc, "exit_code"));
    if (rt_reports_write(o->report_dir, doc, err, sizeof err) < 0) {
        fprintf(stderr, "rtconform: %s\n", err);
        rc = 99;
    }
    printf("%zu passed, %zu failed, %zu skipped\n", counts[RT_PASS] + counts[RT_XFAIL] + counts[RT_FLAKY],
           counts[RT_FAIL] + counts[RT_ERROR] + counts[RT_XPASS], counts[RT_SKIP] + counts[RT_DISABLED]);
    json_decref(doc);
out:
    if (c.tap) fclose(c.tap);
    if (have_focus) regfree(&focus);
    if (have_skip) regfree(&skip);
    for (size_t i = 0; i < n; i++) {
        free(items[i].r.message), free(items[i].r.artifacts), free(items[i].first_failure);
        json_decref(items[i].r.details);
        json_decref(items[i].r.observables);
    }
    free(items);
    json_decref(rerun);
    json_decref(c.probe);
    json_decref(c.warnings);
    rt_expect_free(c.expect);
    fflush(stdout);
    return rc;
}
