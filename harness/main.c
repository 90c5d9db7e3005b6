/* rtconform: the conformance harness CLI. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/registry.h"
#include "harness/runner.h"

static const char usage[] =
    "Usage: rtconform COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  list        List every test: ID, level, profiles, spec section, description\n"
    "  run         Run the conformance suites against a target\n"
    "\n"
    "Run options:\n"
    "  --target builtin|dockerd|external   Engine under test (default builtin)\n"
    "  --engine PATH            Engine binary (default: rtengined next to rtconform)\n"
    "  --socket PATH            API socket of an external engine\n"
    "  --shim-dir DIR           Directory with the fake shims and fakerunc\n"
    "  --focus REGEX            Run only tests whose \"ID description\" matches\n"
    "  --skip REGEX             Disable matching tests\n"
    "  --profile NAME           core (default), full, upgrade, stress\n"
    "  --report-dir DIR         Where reports go (default ./rtconform-report)\n"
    "  --timeout-multiplier X   Scale every timeout (slow machines)\n"
    "  --seed N                 Seed for randomised tests\n"
    "  --keep-sandbox           Keep every sandbox, not only failing ones\n"
    "  --help, --version\n";

/* Directory of this executable; build and install trees keep rtengined next
 * to rtconform, fake shims in ../libexec (build) or ../libexec/rtconform. */
static char *self_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return strdup(".");
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash) *slash = '\0';
    return strdup(buf);
}

static char *default_libexec(const char *dir)
{
    char *a = rt_path_join(dir, "../libexec/rtconform");
    char *probe = rt_path_join(a, "containerd-shim-rtfake-v2");
    if (access(probe, X_OK) == 0) {
        free(probe);
        return a;
    }
    free(probe);
    free(a);
    return rt_path_join(dir, "../libexec");
}

static int cmd_list(void)
{
    for (size_t s = 0; rt_suites[s]; s++)
        for (const struct rt_test *t = rt_suites[s]->tests; t->id; t++) {
            char prof[128];
            printf("%-16s %-6s %-22s %-40s %s\n", t->id, rt_level_name(t->level),
                   rt_profiles_str(t->profiles, prof, sizeof prof), t->spec, t->desc);
        }
    printf("# %zu tests\n", rt_registry_count());
    return 0;
}

enum { O_TARGET = 1000, O_ENGINE, O_SOCKET, O_SHIMDIR, O_FOCUS, O_SKIP, O_PROFILE, O_REPORT,
       O_TMULT, O_SEED, O_KEEP, O_HELP, O_VERSION, O_CONTAINERD };

static int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"target", required_argument, NULL, O_TARGET}, {"engine", required_argument, NULL, O_ENGINE},
        {"socket", required_argument, NULL, O_SOCKET}, {"shim-dir", required_argument, NULL, O_SHIMDIR},
        {"containerd", required_argument, NULL, O_CONTAINERD},
        {"focus", required_argument, NULL, O_FOCUS}, {"skip", required_argument, NULL, O_SKIP},
        {"profile", required_argument, NULL, O_PROFILE}, {"report-dir", required_argument, NULL, O_REPORT},
        {"timeout-multiplier", required_argument, NULL, O_TMULT}, {"seed", required_argument, NULL, O_SEED},
        {"keep-sandbox", no_argument, NULL, O_KEEP}, {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    struct rt_run_opts o = {.cfg = {.target = RT_TARGET_BUILTIN, .timeout_multiplier = 1.0},
                            .profile = RT_PROF_CORE, .report_dir = "rtconform-report"};
    char *dir = self_dir();
    char *engine = rt_path_join(dir, "rtengined");
    char *libexec = default_libexec(dir);
    o.cfg.engine = engine;
    o.cfg.libexec = libexec;
    o.cfg.seed = (unsigned long)getpid();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_TARGET:
            if (!strcmp(optarg, "builtin")) o.cfg.target = RT_TARGET_BUILTIN;
            else if (!strcmp(optarg, "dockerd")) o.cfg.target = RT_TARGET_DOCKERD;
            else if (!strcmp(optarg, "external")) o.cfg.target = RT_TARGET_EXTERNAL;
            else { fprintf(stderr, "rtconform: unknown target '%s' (builtin, dockerd, external)\n", optarg); return 99; }
            break;
        case O_ENGINE: o.cfg.engine = optarg; break;
        case O_SOCKET: o.cfg.external_socket = optarg; break;
        case O_SHIMDIR: o.cfg.libexec = optarg; break;
        case O_CONTAINERD: o.cfg.containerd = optarg; break;
        case O_FOCUS: o.focus = optarg; break;
        case O_SKIP: o.skip = optarg; break;
        case O_PROFILE:
            o.profile = rt_profile_parse(optarg);
            if (!o.profile) { fprintf(stderr, "rtconform: unknown profile '%s'\n", optarg); return 99; }
            break;
        case O_REPORT: o.report_dir = optarg; break;
        case O_TMULT:
            o.cfg.timeout_multiplier = strtod(optarg, NULL);
            if (o.cfg.timeout_multiplier <= 0) { fprintf(stderr, "rtconform: bad --timeout-multiplier\n"); return 99; }
            break;
        case O_SEED: o.cfg.seed = strtoul(optarg, NULL, 0); break;
        case O_KEEP: o.cfg.keep_sandbox = true; break;
        case O_HELP: fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 99;
        }
    }
    if (o.cfg.target == RT_TARGET_EXTERNAL && !o.cfg.external_socket) {
        fprintf(stderr, "rtconform: --target external needs --socket PATH\n");
        return 99;
    }
    if (o.cfg.target != RT_TARGET_EXTERNAL && access(o.cfg.engine, X_OK) != 0) {
        fprintf(stderr, "rtconform: engine binary %s is not executable\n", o.cfg.engine);
        return 77;
    }
    int rc = rt_run(&o);
    free(dir), free(engine), free(libexec);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 99 : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("rtconform %s\n", RT_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "list")) return cmd_list();
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 1, argv + 1);
    fprintf(stderr, "rtconform: unknown command '%s'\n%s", argv[1], usage);
    return 99;
}
