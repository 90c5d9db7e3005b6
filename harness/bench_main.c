/* `rtconform bench`: options, machine facts, the scenario sequence and the
 * outputs (bench-results.json, console table, report.html + SVGs). */
#include <getopt.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/bench.h"
#include "harness/bench_int.h"
#include "harness/paths.h"

#define DOCKERD26 "/root/.cache/rtconform/engines/dockerd-26.1.5/usr/sbin/dockerd"

const char rt_bench_usage[] =
    "Usage: rtconform bench [OPTIONS]\n"
    "Benchmarks of rtengined and, when available (root + the binary), dockerd 26.1.5\n"
    "with its own containerd, in one invocation, with the same fake shims; runs\n"
    "alternate between the engines to cancel drift. Scenarios: ready_empty, rss_idle,\n"
    "lifecycle_seq, lifecycle_conc, shim_rpcs, reload_1/10/100/1000, storm,\n"
    "ready_corpus, rss_corpus, create, harness_core (make_check with --make-check).\n"
    "  --engine PATH        rtengined (default: next to rtconform)\n"
    "  --dockerd PATH       dockerd (default " DOCKERD26 ")\n"
    "  --containerd PATH    containerd for dockerd (default /usr/bin/containerd)\n"
    "  --no-dockerd         rtengined only\n"
    "  --shim-dir DIR       fake shims and fakerunc\n"
    "  --reps N             repetitions of ready/reload runs (default 5)\n"
    "  --lifecycle N        container runs per lifecycle/storm phase (default 200)\n"
    "  --clients N          concurrent lifecycle clients (default 8)\n"
    "  --corpus N           containers for the restore/memory scenarios (default 1000)\n"
    "  --warmup N           warm-up rounds (default 1)\n"
    "  --only REGEX         scenarios whose name matches\n"
    "  --quick              tiny sizes (smoke test): reps 2, lifecycle 20, corpus 20, no harness run\n"
    "  --no-harness         skip timing the core profile\n"
    "  --make-check         also time `make B=<build dir> check`\n"
    "  --out-dir DIR        bench-results.json, report.html (default .)\n"
    "  --workdir DIR        sandboxes (default /tmp/rtbench.<pid>; removed after)\n"
    "  --strict             exit 1 when a target is missed\n";

static regex_t only_re;
static bool only_set;

bool bench_want(const char *scenario)
{
    return !only_set || regexec(&only_re, scenario, 0, NULL, 0) == 0;
}

static char *cmd_line(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    char buf[512] = "";
    if (p) {
        if (!fgets(buf, sizeof buf, p)) buf[0] = '\0';
        pclose(p);
    }
    buf[strcspn(buf, "\n")] = '\0';
    return strdup(buf);
}

static json_t *machine(void)
{
    struct utsname u;
    uname(&u);
    char *cpu = cmd_line("sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1");
    char *mem = cmd_line("sed -n 's/^MemTotal:[[:space:]]*//p' /proc/meminfo");
    char *os = cmd_line(". /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\"");
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    json_t *m = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:f}", "kernel", u.release, "arch", u.machine, "cpu", cpu,
                          "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "mem", mem, "os", os, "loadavg_1m",
                          0.0);
    double la[1];
    if (getloadavg(la, 1) == 1) json_object_set_new(m, "loadavg_1m", json_real(la[0]));
    free(cpu), free(mem), free(os);
    return m;
}

static json_t *versions(const struct bench_opts *o)
{
    char cmd[PATH_MAX + 64];
    json_t *v = json_object();
    json_object_set_new(v, "rtconform", json_string(RT_VERSION));
    snprintf(cmd, sizeof cmd, "'%s' --version 2>&1", o->engine);
    char *s = cmd_line(cmd);
    json_object_set_new(v, "rtengined", json_string(s));
    free(s);
    if (o->dockerd) {
        snprintf(cmd, sizeof cmd, "'%s' --version 2>&1", o->dockerd);
        s = cmd_line(cmd);
        json_object_set_new(v, "dockerd", json_string(s));
        free(s);
        snprintf(cmd, sizeof cmd, "'%s' --version 2>&1", o->containerd ? o->containerd : "/usr/bin/containerd");
        s = cmd_line(cmd);
        json_object_set_new(v, "containerd", json_string(s));
        free(s);
    }
    return v;
}

static int write_outputs(json_t *doc, const char *dir)
{
    rt_mkdir_p(dir, 0755);
    char *jp = rt_path_join(dir, "bench-results.json"), *hp = rt_path_join(dir, "report.html");
    int rc = json_dump_file(doc, jp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (bench_write_html(doc, hp) < 0) rc = -1;
    size_t i;
    json_t *sc;
    json_array_foreach(json_object_get(doc, "scenarios"), i, sc) {
        char name[160];
        snprintf(name, sizeof name, "bench-%s.svg", json_string_value(json_object_get(sc, "name")));
        char *sp = rt_path_join(dir, name);
        FILE *f = fopen(sp, "w");
        if (f) bench_svg(sc, f), fclose(f);
        free(sp);
    }
    fprintf(stderr, "bench: wrote %s, %s and bench-*.svg\n", jp, hp);
    free(jp), free(hp);
    return rc;
}

enum { O_ENGINE = 1000, O_DOCKERD, O_CONTAINERD, O_NODOCKERD, O_SHIMDIR, O_REPS, O_LC, O_CLIENTS, O_CORPUS,
       O_WARMUP, O_ONLY, O_QUICK, O_NOHARNESS, O_MAKECHECK, O_OUT, O_WORK, O_STRICT, O_HELP };

int rt_bench_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"engine", 1, NULL, O_ENGINE}, {"dockerd", 1, NULL, O_DOCKERD}, {"containerd", 1, NULL, O_CONTAINERD},
        {"no-dockerd", 0, NULL, O_NODOCKERD}, {"shim-dir", 1, NULL, O_SHIMDIR}, {"reps", 1, NULL, O_REPS},
        {"lifecycle", 1, NULL, O_LC}, {"clients", 1, NULL, O_CLIENTS}, {"corpus", 1, NULL, O_CORPUS},
        {"warmup", 1, NULL, O_WARMUP}, {"only", 1, NULL, O_ONLY}, {"quick", 0, NULL, O_QUICK},
        {"no-harness", 0, NULL, O_NOHARNESS}, {"make-check", 0, NULL, O_MAKECHECK}, {"out-dir", 1, NULL, O_OUT},
        {"workdir", 1, NULL, O_WORK}, {"strict", 0, NULL, O_STRICT}, {"help", 0, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    char *dir = rt_paths_self_dir();
    char *engine = rt_path_join(dir, "rtengined"), *self = rt_path_join(dir, "rtconform");
    char *libexec = rt_paths_libexec(dir, NULL);
    struct bench_opts o = {.engine = engine, .dockerd = DOCKERD26, .libexec = libexec, .self = self, .out_dir = ".",
                           .reps = 5, .lifecycle_n = 200, .clients = 8, .corpus = 1000, .warmup = 1, .harness = true,
                           .build_dir = getenv("RT_BUILD")};
    bool no_dockerd = false, strict = false, dockerd_given = false;
    char workbuf[64];
    snprintf(workbuf, sizeof workbuf, "/tmp/rtbench.%d", (int)getpid());
    o.workdir = workbuf;
    int c, rc = 99;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_ENGINE: o.engine = optarg; break;
        case O_DOCKERD: o.dockerd = optarg; dockerd_given = true; break;
        case O_CONTAINERD: o.containerd = optarg; break;
        case O_NODOCKERD: no_dockerd = true; break;
        case O_SHIMDIR: o.libexec = optarg; break;
        case O_REPS: o.reps = atoi(optarg); break;
        case O_LC: o.lifecycle_n = atoi(optarg); break;
        case O_CLIENTS: o.clients = atoi(optarg); break;
        case O_CORPUS: o.corpus = atoi(optarg); break;
        case O_WARMUP: o.warmup = atoi(optarg); break;
        case O_ONLY:
            if (regcomp(&only_re, optarg, REG_EXTENDED | REG_NOSUB)) {
                fprintf(stderr, "rtconform bench: bad --only regex '%s'\n", optarg);
                goto out;
            }
            only_set = true;
            break;
        case O_QUICK: o.reps = 2, o.lifecycle_n = 20, o.clients = 4, o.corpus = 20, o.harness = false; break;
        case O_NOHARNESS: o.harness = false; break;
        case O_MAKECHECK: o.make_check = true; break;
        case O_OUT: o.out_dir = optarg; break;
        case O_WORK: o.workdir = optarg; break;
        case O_STRICT: strict = true; break;
        case O_HELP: fputs(rt_bench_usage, stdout); rc = 0; goto out;
        default: fputs(rt_bench_usage, stderr); goto out;
        }
    }
    if (optind < argc || o.reps < 1 || o.lifecycle_n < 1 || o.clients < 1 || o.corpus < 1 || o.warmup < 0) {
        fprintf(stderr, "rtconform bench: bad arguments\n%s", rt_bench_usage);
        goto out;
    }
    if (access(o.engine, X_OK) != 0) {
        fprintf(stderr, "rtconform bench: engine %s is not executable\n", o.engine);
        rc = 77;
        goto out;
    }
    const char *why_not = NULL;
    if (no_dockerd) why_not = "--no-dockerd";
    else if (geteuid() != 0) why_not = "not root";
    else if (access(o.dockerd, X_OK) != 0) why_not = "dockerd binary not found";
    if (why_not) {
        if (dockerd_given && !no_dockerd) fprintf(stderr, "rtconform bench: dockerd unavailable: %s\n", why_not);
        o.dockerd = NULL;
    }
    bench_o = &o;
    rt_mkdir_p(o.workdir, 0700);

    json_t *doc = json_object();
    struct bench_run r = {.neng = o.dockerd ? 2 : 1, .scenarios = json_array()};
    char date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_object_set_new(doc, "schema", json_integer(1));
    json_object_set_new(doc, "date", json_string(date));
    json_object_set_new(doc, "machine", machine());
    json_object_set_new(doc, "versions", versions(&o));
    json_object_set_new(doc, "dockerd_skipped", why_not ? json_string(why_not) : json_null());
    json_object_set_new(doc, "params", json_pack("{s:i,s:i,s:i,s:i,s:i}", "reps", o.reps, "lifecycle", o.lifecycle_n,
                                                 "clients", o.clients, "corpus", o.corpus, "warmup", o.warmup));
    bench_log("engines: rtengined%s%s; work dir %s", o.dockerd ? " + dockerd " : "",
              o.dockerd ? o.dockerd : " only", o.workdir);
    double t0 = bench_now_ms();
    if (bench_want("ready_empty") || bench_want("rss_idle")) bench_scenario_ready(&r);
    if (bench_want("lifecycle") || bench_want("shim_rpcs")) bench_scenario_lifecycle(&r);
    bench_scenario_reload(&r);
    if (bench_want("storm")) bench_scenario_storm(&r);
    if (bench_want("ready_corpus") || bench_want("rss_corpus")) bench_scenario_memory(&r);
    if ((o.harness && bench_want("harness_core")) || (o.make_check && bench_want("make_check")))
        bench_scenario_harness(&r);
    json_object_set_new(doc, "wall_s", json_real((bench_now_ms() - t0) / 1000.0));
    json_object_set_new(doc, "scenarios", r.scenarios);

    bench_print_table(doc, stdout);
    rc = write_outputs(doc, o.out_dir) < 0 ? 1 : 0;
    size_t i;
    json_t *sc;
    json_array_foreach(r.scenarios, i, sc) {
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(sc, "results"), k, v)
            if (json_object_get(v, "error")) rc = 1;
        if (strict && json_is_false(json_object_get(sc, "target_met"))) rc = 1;
    }
    json_decref(doc);
    if (strcmp(o.workdir, workbuf) == 0) rt_rm_rf(o.workdir);
out:
    if (only_set) regfree(&only_re);
    free(dir), free(engine), free(self), free(libexec);
    return rc;
}
