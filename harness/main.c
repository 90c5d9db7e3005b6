/* rtconform: the conformance harness CLI. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fsutil.h"
#include "harness/bench.h"
#include "harness/compare.h"
#include "harness/diffrun.h"
#include "harness/paths.h"
#include "harness/race_cmd.h"
#include "harness/registry.h"
#include "harness/runner.h"

static const char usage[] =
    "Usage: rtconform COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  list [--json]        List every test: ID, level, profiles, spec section, description\n"
    "  run [OPTIONS]        Run the conformance suites against a target\n"
    "  compare A.json B.json  Differences between two results.json (exit 1 on regressions)\n"
    "  race [OPTIONS]       Reload-vs-start race explorer (forced, random, soak)\n"
    "  bench                Benchmarks of rtengined and dockerd 26, side by side\n"
    "  --help, --version\n"
    "\n"
    "`rtconform COMMAND --help` describes a command.\n"
    "Exit codes: 0 all good, 1 failures, 77 nothing could run, 99 harness error.\n";

static const char run_usage[] =
    "Usage: rtconform run [OPTIONS]\n"
    "\n"
    "Target:\n"
    "  --target builtin|dockerd|external   Engine under test (default builtin)\n"
    "  --engine PATH            Engine binary (default: rtengined next to rtconform)\n"
    "  --containerd PATH        containerd binary (dockerd target)\n"
    "  --libexec DIR            Directory with the fake shims and fakerunc (also\n"
    "                           --shim-dir; else $RTCONFORM_LIBEXEC, else ../libexec/rtconform\n"
    "                           or ../libexec next to rtconform)\n"
    "  --socket PATH            API socket of an external engine (read-only tests only)\n"
    "Selection:\n"
    "  --focus REGEX            Run only tests whose \"ID description\" matches\n"
    "  --skip REGEX             Disable matching tests (reported DISABLED)\n"
    "  --profile NAME           core (default), full, upgrade, stress, selftest\n"
    "  --rerun-failed FILE      Only the FAIL/ERROR/XPASS tests of an earlier results.json\n"
    "  --expect FILE|NAME       Expectation file (fixtures/expect/README.md; a bare NAME\n"
    "                           is looked up in share/rtconform/fixtures/expect): known\n"
    "                           failures -> XFAIL, their passes -> XPASS (an error),\n"
    "                           flaky entries retried up to 3 times (pass -> FLAKY)\n"
    "  --xpass-ok               An XPASS does not fail the run\n"
    "Execution:\n"
    "  -j N                     Run up to N tests at once (each has its own sandbox)\n"
    "  --repeat N               Run each test N times, stopping at its first failure;\n"
    "                           with --until-fail: at most N rounds\n"
    "  --until-fail             Repeat the whole selection until something fails\n"
    "  --timeout-multiplier X   Scale every timeout (slow machines)\n"
    "  --seed N                 Seed for randomised tests (default: the pid; printed)\n"
    "  --keep-sandbox           Keep every sandbox, not only failing ones\n"
    "Differential:\n"
    "  --diff-with TARGET       Also run the same selection against TARGET (builtin or\n"
    "                           dockerd) into REPORT-DIR/diff-TARGET and print the tests\n"
    "                           whose observables differ (status, error, exit code, ...)\n"
    "  --diff-engine PATH       Engine binary of the --diff-with target (default: as --engine\n"
    "                           would be for that target)\n"
    "Reports:\n"
    "  --report-dir DIR         report.tap, junit.xml, results.json, report.html and\n"
    "                           artifacts/<ID>/ of failures (default ./rtconform-report)\n";

static const char list_usage[] =
    "Usage: rtconform list [--json] [--profile NAME]\n"
    "List every registered test (ID, level, profiles, spec section, description).\n";

static const char compare_usage[] =
    "Usage: rtconform compare [--observables] A/results.json B/results.json\n"
    "Per-test differences from run A to run B, keyed by test ID: regressions\n"
    "(PASS/FLAKY/XFAIL -> FAIL/ERROR/XPASS), fixes, new and removed tests, other\n"
    "outcome changes. Exit 0 without regressions, 1 with, 99 on unreadable input.\n"
    "--observables: also, per test that ran in both, the recorded observables (HTTP\n"
    "status, error and class, exit code, runtime, shim and its options) that differ;\n"
    "exit 1 also when any differ, 77 when no test ran in both.\n";

static bool want_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return true;
    return false;
}

static int cmd_list(int argc, char **argv)
{
    bool as_json = false;
    unsigned prof = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) as_json = true;
        else if (!strcmp(argv[i], "--profile") && i + 1 < argc) {
            if (!(prof = rt_profile_parse(argv[++i]))) {
                fprintf(stderr, "rtconform list: unknown profile '%s'\n", argv[i]);
                return 99;
            }
        } else {
            fprintf(stderr, "rtconform list: unknown argument '%s'\n%s", argv[i], list_usage);
            return 99;
        }
    }
    json_t *arr = json_array();
    size_t n = 0;
    for (size_t s = 0; rt_suites[s]; s++)
        for (const struct rt_test *t = rt_suites[s]->tests; t->id; t++) {
            if (prof && !(t->profiles & prof)) continue;
            char p[128], c[128];
            rt_profiles_str(t->profiles, p, sizeof p);
            rt_caps_str(t->caps, c, sizeof c);
            n++;
            if (as_json)
                json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:f}", "id", t->id, "suite",
                                                     rt_suites[s]->name, "level", rt_level_name(t->level),
                                                     "profiles", p, "caps", c, "spec", t->spec, "desc", t->desc,
                                                     "timeout_s", t->timeout > 0 ? t->timeout : 60.0));
            else
                printf("%-16s %-6s %-22s %-40s %s\n", t->id, rt_level_name(t->level), p, t->spec, t->desc);
        }
    if (as_json) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        printf("# %zu tests\n", n);
    }
    json_decref(arr);
    return 0;
}

/* Append ARG (shell-quoted when needed) to the reproduce command. */
static void repro_add(char *buf, size_t len, const char *arg)
{
    size_t at = strlen(buf);
    bool plain = *arg && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == strlen(arg);
    if (plain) {
        snprintf(buf + at, len - at, " %s", arg);
        return;
    }
    at += (size_t)snprintf(buf + at, len - at, " '");
    for (; *arg && at + 6 < len; arg++) {
        if (*arg == '\'') at += (size_t)snprintf(buf + at, len - at, "'\\''");
        else buf[at++] = *arg;
    }
    snprintf(buf + at, len - at, "'");
}

enum { O_TARGET = 1000, O_ENGINE, O_SOCKET, O_SHIMDIR, O_FOCUS, O_SKIP, O_PROFILE, O_REPORT,
       O_TMULT, O_SEED, O_KEEP, O_HELP, O_CONTAINERD, O_EXPECT, O_XPASSOK, O_REPEAT, O_UNTIL,
       O_RERUN, O_DIFFWITH, O_DIFFENGINE };

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"target", required_argument, NULL, O_TARGET}, {"engine", required_argument, NULL, O_ENGINE},
        {"socket", required_argument, NULL, O_SOCKET}, {"shim-dir", required_argument, NULL, O_SHIMDIR},
        {"libexec", required_argument, NULL, O_SHIMDIR}, {"diff-with", required_argument, NULL, O_DIFFWITH},
        {"diff-engine", required_argument, NULL, O_DIFFENGINE},
        {"containerd", required_argument, NULL, O_CONTAINERD},
        {"focus", required_argument, NULL, O_FOCUS}, {"skip", required_argument, NULL, O_SKIP},
        {"profile", required_argument, NULL, O_PROFILE}, {"report-dir", required_argument, NULL, O_REPORT},
        {"timeout-multiplier", required_argument, NULL, O_TMULT}, {"seed", required_argument, NULL, O_SEED},
        {"keep-sandbox", no_argument, NULL, O_KEEP}, {"help", no_argument, NULL, O_HELP},
        {"expect", required_argument, NULL, O_EXPECT}, {"xpass-ok", no_argument, NULL, O_XPASSOK},
        {"repeat", required_argument, NULL, O_REPEAT}, {"until-fail", no_argument, NULL, O_UNTIL},
        {"rerun-failed", required_argument, NULL, O_RERUN}, {"jobs", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    struct rt_run_opts o = {.cfg = {.target = RT_TARGET_BUILTIN, .timeout_multiplier = 1.0},
                            .profile = RT_PROF_CORE, .profile_name = "core", .report_dir = "rtconform-report",
                            .jobs = 1, .repeat = 1};
    char *dir = rt_paths_self_dir();
    char *engine = rt_path_join(dir, "rtengined");
    char *libexec = NULL, *datadir = rt_paths_datadir(dir), *expect = NULL;
    char *self = rt_path_join(dir, "rtconform");
    const char *diff_with = NULL, *diff_engine = NULL;
    o.cfg.engine = engine;
    o.cfg.datadir = datadir;
    o.cfg.seed = (unsigned long)getpid();
    bool engine_given = false, shim_given = false;
    int c, rc = 99;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
        switch (c) {
        case O_TARGET:
            if (!strcmp(optarg, "builtin")) o.cfg.target = RT_TARGET_BUILTIN;
            else if (!strcmp(optarg, "dockerd")) o.cfg.target = RT_TARGET_DOCKERD;
            else if (!strcmp(optarg, "external")) o.cfg.target = RT_TARGET_EXTERNAL;
            else { fprintf(stderr, "rtconform: unknown target '%s' (builtin, dockerd, external)\n", optarg); goto out; }
            break;
        case O_ENGINE: o.cfg.engine = optarg; engine_given = true; break;
        case O_SOCKET: o.cfg.external_socket = optarg; break;
        case O_SHIMDIR: o.cfg.libexec = optarg; shim_given = true; break;
        case O_DIFFWITH: diff_with = optarg; break;
        case O_DIFFENGINE: diff_engine = optarg; break;
        case O_CONTAINERD: o.cfg.containerd = optarg; break;
        case O_FOCUS: o.focus = optarg; break;
        case O_SKIP: o.skip = optarg; break;
        case O_PROFILE:
            o.profile = rt_profile_parse(optarg);
            o.profile_name = optarg;
            if (!o.profile) { fprintf(stderr, "rtconform: unknown profile '%s' (core, full, upgrade, stress, selftest)\n", optarg); goto out; }
            break;
        case O_REPORT: o.report_dir = optarg; break;
        case O_TMULT:
            o.cfg.timeout_multiplier = strtod(optarg, &end);
            if (*end || o.cfg.timeout_multiplier <= 0) { fprintf(stderr, "rtconform: bad --timeout-multiplier '%s'\n", optarg); goto out; }
            break;
        case O_SEED:
            o.cfg.seed = strtoul(optarg, &end, 0);
            if (*end || !*optarg) { fprintf(stderr, "rtconform: bad --seed '%s'\n", optarg); goto out; }
            break;
        case O_KEEP: o.cfg.keep_sandbox = true; break;
        case O_EXPECT: o.expect_path = optarg; break;
        case O_XPASSOK: o.xpass_ok = true; break;
        case O_REPEAT:
            o.repeat = (int)strtol(optarg, &end, 10);
            if (*end || o.repeat < 1) { fprintf(stderr, "rtconform: bad --repeat '%s'\n", optarg); goto out; }
            break;
        case O_UNTIL: o.until_fail = true; break;
        case O_RERUN: o.rerun_failed = optarg; break;
        case 'j':
            o.jobs = (int)strtol(optarg, &end, 10);
            if (*end || o.jobs < 1 || o.jobs > 256) { fprintf(stderr, "rtconform: bad -j '%s'\n", optarg); goto out; }
            break;
        case O_HELP: fputs(run_usage, stdout); rc = 0; goto out;
        default: fputs(run_usage, stderr); goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rtconform run: unexpected argument '%s'\n", argv[optind]);
        goto out;
    }
    if (o.until_fail && o.repeat == 1) o.repeat = 0; /* unlimited rounds */
    if (!shim_given) o.cfg.libexec = libexec = rt_paths_libexec(dir, NULL);
    if (o.expect_path && (expect = rt_paths_expect(datadir, o.expect_path))) o.expect_path = expect;
    if (o.cfg.target == RT_TARGET_EXTERNAL && !o.cfg.external_socket) {
        fprintf(stderr, "rtconform: --target external needs --socket PATH\n");
        goto out;
    }
    /* The dockerd target's engine is a dockerd: the one on PATH unless
     * --engine names another (never the builtin default). */
    static char dockerd_on_path[4096];
    if (o.cfg.target == RT_TARGET_DOCKERD && !engine_given) {
        const char *dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"};
        o.cfg.engine = "dockerd";
        for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
            snprintf(dockerd_on_path, sizeof dockerd_on_path, "%s/dockerd", dirs[i]);
            if (access(dockerd_on_path, X_OK) == 0) { o.cfg.engine = dockerd_on_path; break; }
        }
    }
    if (o.cfg.target != RT_TARGET_EXTERNAL && access(o.cfg.engine, X_OK) != 0) {
        fprintf(stderr, "rtconform: engine binary %s is not executable\n", o.cfg.engine);
        rc = 77;
        goto out;
    }
    /* The reproduce command: same target, engine, profile, seed and
     * expectations; each test adds --focus '^ID$'. */
    static char repro[8192];
    snprintf(repro, sizeof repro, "%s run --target", self);
    repro_add(repro, sizeof repro, o.cfg.target == RT_TARGET_BUILTIN ? "builtin"
                                   : o.cfg.target == RT_TARGET_DOCKERD ? "dockerd" : "external");
    const char *pairs[][2] = {{"--engine", engine_given ? o.cfg.engine : NULL},
                              {"--shim-dir", shim_given ? o.cfg.libexec : NULL},
                              {"--containerd", o.cfg.containerd}, {"--socket", o.cfg.external_socket},
                              {"--profile", o.profile_name}, {"--expect", o.expect_path}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i][1]) {
            repro_add(repro, sizeof repro, pairs[i][0]);
            repro_add(repro, sizeof repro, pairs[i][1]);
        }
    char seed[32];
    snprintf(seed, sizeof seed, "%lu", o.cfg.seed);
    repro_add(repro, sizeof repro, "--seed");
    repro_add(repro, sizeof repro, seed);
    if (o.cfg.timeout_multiplier != 1.0) {
        char m[32];
        snprintf(m, sizeof m, "%g", o.cfg.timeout_multiplier);
        repro_add(repro, sizeof repro, "--timeout-multiplier");
        repro_add(repro, sizeof repro, m);
    }
    o.reproduce = repro;
    rc = diff_with ? rt_run_diff(&o, diff_with, diff_engine, dir) : rt_run(&o);
out:
    free(dir), free(engine), free(libexec), free(self), free(datadir), free(expect);
    return rc;
}

__attribute__((unused)) static int not_yet(const char *name, const char *help, int argc, char **argv)
{
    if (want_help(argc, argv)) {
        fputs(help, stdout);
        return 0;
    }
    fprintf(stderr, "rtconform %s: not implemented yet (provided by later work)\n", name);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 99 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("rtconform %s\n", RT_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "list")) {
        if (want_help(argc - 1, argv + 1)) return fputs(list_usage, stdout), 0;
        return cmd_list(argc - 1, argv + 1);
    }
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "compare")) {
        if (want_help(argc - 1, argv + 1)) return fputs(compare_usage, stdout), 0;
        bool obs = argc > 2 && !strcmp(argv[2], "--observables");
        if (argc != 4 + obs) {
            fputs(compare_usage, stderr);
            return 99;
        }
        return obs ? rt_compare_observables_files(argv[3], argv[4], stdout) : rt_compare_files(argv[2], argv[3], stdout);
    }
    if (!strcmp(argv[1], "race")) return rt_race_main(argc - 1, argv + 1, cmd_run);
    if (!strcmp(argv[1], "bench")) return rt_bench_main(argc - 1, argv + 1);
    fprintf(stderr, "rtconform: unknown command '%s'\n%s", argv[1], usage);
    return 99;
}
