/* The harness's own self-test: deliberately passing, failing, erroring,
 * skipping, crashing, hanging and leaking cases, so tests/harness/
 * t-selftest.sh can check each is classified right. Profile selftest only
 * (never core/full): these are not requirements of any engine. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/testlib.h"
#include "suites/suites.h"

RT_TEST_FN(self_pass) { ck_assert_int_eq(1 + 1, 2); }

RT_TEST_FN(self_fail) { ck_assert_msg(1 == 2, "deliberate failure: expected 1 == 2"); }

RT_TEST_FN(self_env_error) { rt_env_error("deliberate environment error"); }

RT_TEST_FN(self_skip) { rt_skip("deliberate skip: nothing to test here"); }

RT_TEST_FN(self_crash) { raise(SIGSEGV); }

RT_TEST_FN(self_hang)
{
    for (;;) pause();
}

/* A process that inherited the sandbox's journal variable and outlives the
 * test: the leak check must charge it to this test. */
RT_TEST_FN(self_leak)
{
    int p[2];
    ck_assert_msg(pipe2(p, O_CLOEXEC) == 0, "pipe");
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork");
    if (pid == 0) {
        setsid(); /* out of the test's process group, as a daemon's shim is */
        setenv("RTCONFORM_JOURNAL", rt_t.sb->journal, 1);
        execl("/bin/sleep", "sleep", "300", (char *)NULL);
        _exit(127);
    }
    /* EOF once the child has exec'd: its /proc environ then shows the
     * variable, as a real leaked shim's would. */
    close(p[1]);
    char c;
    while (read(p[0], &c, 1) > 0) {}
    close(p[0]);
}

/* Listed as an expected failure in tests/harness/selftest-expect.json. */
RT_TEST_FN(self_known_fail) { ck_assert_msg(0, "known failure"); }

/* Listed as an expected failure, but passes: XPASS. */
RT_TEST_FN(self_known_fail_passes) { ck_assert(1); }

/* Fails on its first attempt, passes on the second (a counter file next to
 * the sandbox survives the retry's fresh sandbox). */
RT_TEST_FN(self_flaky)
{
    char *counter = rt_path_join(rt_t.sb->dir, "../RT-SELF-010.count");
    char *old = rt_read_file(counter, 64, NULL);
    int n = old ? atoi(old) : 0;
    free(old);
    char buf[16];
    int len = snprintf(buf, sizeof buf, "%d", n + 1);
    rt_atomic_write(counter, buf, (size_t)len, 0600, NULL, 0);
    free(counter);
    ck_assert_msg(n >= 1, "flaky: fails on the first attempt");
}

/* Skipped by the expectation file; never runs. */
RT_TEST_FN(self_expected_skip) { ck_abort_msg("should not run: the expectation file skips it"); }

/* Writes three config generations and markup-laden text, for the report
 * (generations, escaping). */
RT_TEST_FN(self_artifacts)
{
    rt_write_config("{\"debug\": true}\n");
    rt_write_config("{\"runtimes\": {\"x\": {\"path\": \"/bin/true\"}}}\n");
    rt_write_config("{\"note\": \"<script>alert('x')</script> & \\\"quotes\\\"\"}\n");
    printf("test log: <b>bold?</b> & done\n");
    ck_assert(1);
}

/* Fails with markup in its message: the reports must escape it. */
RT_TEST_FN(self_fail_markup) { ck_abort_msg("<script>alert(1)</script> & \"quoted\" 'single' ]]> #hash"); }

static const struct rt_test tests[] = {
    RT_TEST(self_pass, "RT-SELF-001", RT_MUST, RT_PROF_SELFTEST, "harness self-test", 0, "passes"),
    RT_TEST(self_fail, "RT-SELF-002", RT_MUST, RT_PROF_SELFTEST, "harness self-test", 0, "fails an assertion"),
    RT_TEST(self_env_error, "RT-SELF-003", RT_MUST, RT_PROF_SELFTEST, "harness self-test", 0, "reports an environment error"),
    RT_TEST(self_skip, "RT-SELF-004", RT_MUST, RT_PROF_SELFTEST, "harness self-test", 0, "skips itself"),
    RT_TEST(self_crash, "RT-SELF-005", RT_MUST, RT_PROF_SELFTEST, "harness self-test", 0, "crashes with SIGSEGV"),
    RT_TEST_TIMEOUT(self_hang, "RT-SELF-006", RT_MUST, RT_PROF_SELFTEST, "harness self-test", 0, "hangs past its 2 s timeout", 2),
    RT_TEST(self_leak, "RT-SELF-007", RT_MUST, RT_PROF_SELFTEST, "harness self-test", 0, "leaks a process"),
    RT_TEST(self_known_fail, "RT-SELF-008", RT_MUST, RT_PROF_SELFTEST, "harness self-test", 0, "known failure (XFAIL)"),
    RT_TEST(self_known_fail_passes, "RT-SELF-009", RT_MUST, RT_PROF_SELFTEST, "harness self-test", 0, "known failure that passes (XPASS)"),
    RT_TEST(self_flaky, "RT-SELF-010", RT_SHOULD, RT_PROF_SELFTEST, "harness self-test", 0, "flaky: passes on retry"),
    RT_TEST(self_expected_skip, "RT-SELF-011", RT_MAY, RT_PROF_SELFTEST, "harness self-test", 0, "skipped by the expectation file"),
    RT_TEST(self_artifacts, "RT-SELF-012", RT_SHOULD, RT_PROF_SELFTEST, "harness self-test", 0, "writes config generations"),
    RT_TEST(self_fail_markup, "RT-SELF-013", RT_SHOULD, RT_PROF_SELFTEST, "harness self-test", 0, "fails with <markup> & \"quotes\""),
    RT_TEST(self_pass, "RT-SELF-014", RT_MAY, RT_PROF_SELFTEST, "harness self-test", 0, "disabled by --skip"),
    {0},
};

const struct rt_suite rt_suite_selftest = {"selftest", tests};
