/* `rtconform race` (race_cmd.h). */
#include "harness/race_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsutil.h"

static const char race_usage[] =
    "Usage: rtconform race [--mode forced|random|soak|all] [--seed N | --replay N]\n"
    "                      [--duration SECS] [--workers N] [--iterations N] [--jitter MS]\n"
    "                      [rtconform run options: --target, --engine, --report-dir, -j, ...]\n"
    "\n"
    "The reload-vs-start race explorer: containers are created, started, exec'd into\n"
    "and stopped on args runtimes while the runtimes' args, paths and the default are\n"
    "changed by SIGHUP reloads as fast as the engine acknowledges them (the `daemon\n"
    "reload` event). Checked continuously: no start fails because a wrapper vanished;\n"
    "every start used exactly one config snapshot (call journal); no wrapper changes\n"
    "or disappears while the engine runs; the engine never exits.\n"
    "\n"
    "  --mode forced    a start held in the shim's Create, an exec in Start or a stop\n"
    "                   in Kill (barrier failpoint) while a reload changes/removes\n"
    "                   the runtime (RT-RACE-00x)\n"
    "  --mode random    seeded random race, N workers x M containers (RT-RACE-01x)\n"
    "  --mode soak      the random race until --duration runs out (RT-RACE-02x)\n"
    "  --mode all       all of them (default)\n"
    "  --seed N         seed of every random choice (printed; default: the pid);\n"
    "  --replay N       the same: replays the configs and worker choices of seed N\n"
    "                   (the OS still picks the interleaving)\n"
    "  --duration SECS  soak length (default 60)\n"
    "  --workers N      worker threads (default 4)\n"
    "  --iterations N   containers per worker in random mode (default 25)\n"
    "  --jitter MS      random pause of up to MS before each step (default 5; soak 10)\n"
    "\n"
    "Exit codes as `rtconform run`: 0 no violation, 1 violations, 77 nothing could\n"
    "run, 99 harness error.\n";

/* Soak's registered timeout (suites/race.c), before --timeout-multiplier. */
#define SOAK_TIMEOUT_S 600.0

static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=') return argv[*i] + n + 1;
    if (!strcmp(argv[*i], name) && *i + 1 < argc) return argv[++*i];
    return NULL;
}

static int positive(const char *opt, const char *v, int zero_ok)
{
    char *end;
    double d = strtod(v, &end);
    if (*end || !*v || d < 0 || (!zero_ok && d == 0)) {
        fprintf(stderr, "rtconform race: bad %s '%s'\n", opt, v);
        return 0;
    }
    return 1;
}

/* The explorers' own summary lines ("race: ...": seed, reloads, starts,
 * execs) from each test's log in REPORT_DIR/results.json. */
static void print_summaries(const char *report_dir)
{
    char *p = rt_path_join(report_dir, "results.json");
    json_t *res = json_load_file(p, 0, NULL);
    free(p);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(res, "tests"), i, t) {
        const char *log = json_string_value(json_object_get(json_object_get(t, "details"), "test_log_tail"));
        const char *id = json_string_value(json_object_get(t, "id"));
        for (const char *l = log; l && *l;) {
            const char *nl = strchr(l, '\n');
            size_t n = nl ? (size_t)(nl - l) : strlen(l);
            if (!strncmp(l, "race: ", 6)) printf("# %s %.*s\n", id ? id : "?", (int)n, l);
            l += n + (nl ? 1 : 0);
        }
    }
    json_decref(res);
}

int rt_race_main(int argc, char **argv, int (*run)(int argc, char **argv))
{
    const char *mode = "all", *seed = NULL, *duration = NULL, *report_dir = "rtconform-report";
    char **out = calloc((size_t)argc + 12, sizeof *out);
    int n = 0;
    int have_mult = 0;
    out[n++] = "run";
    out[n++] = "--profile";
    out[n++] = "stress";
    out[n++] = "--focus";
    out[n++] = NULL; /* the mode's regex, below */
    for (int i = 1; i < argc; i++) {
        const char *v;
        static const struct { const char *opt, *env; int zero_ok; } knobs[] = {
            {"--workers", "RTCONFORM_RACE_WORKERS", 0},
            {"--iterations", "RTCONFORM_RACE_ITERATIONS", 0},
            {"--jitter", "RTCONFORM_RACE_JITTER_MS", 1},
        };
        int knob = 0;
        for (size_t k = 0; k < sizeof knobs / sizeof knobs[0]; k++)
            if ((v = opt_value(argc, argv, &i, knobs[k].opt))) {
                if (!positive(knobs[k].opt, v, knobs[k].zero_ok)) goto bad;
                setenv(knobs[k].env, v, 1);
                knob = 1;
                break;
            }
        if (knob) continue;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(race_usage, stdout);
            free(out);
            return 0;
        } else if ((v = opt_value(argc, argv, &i, "--mode"))) {
            mode = v;
        } else if ((v = opt_value(argc, argv, &i, "--seed")) || (v = opt_value(argc, argv, &i, "--replay"))) {
            seed = v;
        } else if ((v = opt_value(argc, argv, &i, "--duration"))) {
            if (!positive("--duration", v, 0)) goto bad;
            duration = v;
            setenv("RTCONFORM_RACE_DURATION", v, 1);
        } else {
            if (!strncmp(argv[i], "--timeout-multiplier", 20)) have_mult = 1;
            if (!strncmp(argv[i], "--report-dir=", 13)) report_dir = argv[i] + 13;
            else if (!strcmp(argv[i], "--report-dir") && i + 1 < argc) report_dir = argv[i + 1];
            out[n++] = argv[i]; /* an option of `run`, or its value */
        }
    }
    if (!strcmp(mode, "forced")) out[4] = "^RT-RACE-00";
    else if (!strcmp(mode, "random")) out[4] = "^RT-RACE-01";
    else if (!strcmp(mode, "soak")) out[4] = "^RT-RACE-02";
    else if (!strcmp(mode, "all")) out[4] = "^RT-RACE-";
    else {
        fprintf(stderr, "rtconform race: unknown --mode '%s' (forced, random, soak, all)\n", mode);
        goto bad;
    }
    if (seed) {
        out[n++] = "--seed";
        out[n++] = (char *)seed;
    }
    /* A soak longer than its registered timeout allows gets a multiplier
     * (unless the user chose one). */
    static char mult[32];
    double d = duration ? atof(duration) : 0;
    if (!have_mult && d + 120 > SOAK_TIMEOUT_S) {
        snprintf(mult, sizeof mult, "%.3f", (d + 120) / SOAK_TIMEOUT_S);
        out[n++] = "--timeout-multiplier";
        out[n++] = mult;
    }
    out[n] = NULL;
    int rc = run(n, out);
    if (rc == 0 || rc == 1) print_summaries(report_dir);
    free(out);
    return rc;
bad:
    fputs(race_usage, stderr);
    free(out);
    return 99;
}
