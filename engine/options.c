#include "engine/options.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_CONFIG = 1000, OPT_DATA_ROOT, OPT_EXEC_ROOT, OPT_ADD_RUNTIME, OPT_DEFAULT_RUNTIME,
    OPT_VALIDATE, OPT_LIVE_RESTORE, OPT_SHIM_PATH, OPT_VERSION, OPT_HELP,
};

static const struct option long_opts[] = {
    {"config-file", required_argument, NULL, OPT_CONFIG},
    {"data-root", required_argument, NULL, OPT_DATA_ROOT},
    {"exec-root", required_argument, NULL, OPT_EXEC_ROOT},
    {"host", required_argument, NULL, 'H'},
    {"pidfile", required_argument, NULL, 'p'},
    {"group", required_argument, NULL, 'G'},
    {"add-runtime", required_argument, NULL, OPT_ADD_RUNTIME},
    {"default-runtime", required_argument, NULL, OPT_DEFAULT_RUNTIME},
    {"shim-path", required_argument, NULL, OPT_SHIM_PATH},
    {"debug", no_argument, NULL, 'D'},
    {"log-level", required_argument, NULL, 'l'},
    {"live-restore", no_argument, NULL, OPT_LIVE_RESTORE},
    {"validate", no_argument, NULL, OPT_VALIDATE},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const char usage_text[] =
    "Usage:\trtengined [OPTIONS]\n"
    "\n"
    "A reference container engine (dockerd-compatible runtime handling).\n"
    "\n"
    "Options:\n"
    "      --add-runtime NAME=PATH   Register an additional OCI compatible runtime (repeatable)\n"
    "      --config-file PATH        Daemon configuration file (default \"" RT_DEFAULT_CONFIG_FILE "\")\n"
    "      --data-root PATH          Root directory of persistent state (default \"" RT_DEFAULT_DATA_ROOT "\")\n"
    "  -D, --debug                   Enable debug mode\n"
    "      --default-runtime NAME    Default OCI runtime for containers (default \"runc\")\n"
    "      --exec-root PATH          Root directory for execution state files (default \"" RT_DEFAULT_EXEC_ROOT "\")\n"
    "  -G, --group GROUP             Group for the unix socket\n"
    "  -H, --host unix://PATH        Daemon socket to connect to (default unix://" RT_DEFAULT_SOCKET ")\n"
    "      --live-restore            Keep containers running while the engine is down\n"
    "  -l, --log-level LEVEL         debug, info, warn, error (default \"info\")\n"
    "  -p, --pidfile PATH            Path to use for the daemon PID file\n"
    "      --shim-path DIR           Directory searched for containerd shims before PATH (repeatable)\n"
    "      --validate                Validate the daemon configuration and exit\n"
    "      --version                 Print version information and quit\n"
    "\n"
    "Environment (test knob):\n"
    "  RTENGINED_TIMEOUT_MULT=N      Multiply every internal time limit by N >= 1 (slow\n"
    "                                instrumentation such as valgrind; default 1)\n";

static int push(char ***arr, size_t *n, const char *v)
{
    char **na = realloc(*arr, (*n + 1) * sizeof **arr);
    if (!na) return -1;
    *arr = na;
    na[(*n)++] = strdup(v);
    return 0;
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
}

__attribute__((format(printf, 1, 2))) static int flag_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nSee 'rtengined --help'.\n", stderr);
    return -1;
}

int rt_engine_opts_parse(struct rt_engine_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->config_file = strdup(RT_DEFAULT_CONFIG_FILE);
    o->data_root = strdup(RT_DEFAULT_DATA_ROOT);
    o->exec_root = strdup(RT_DEFAULT_EXEC_ROOT);
    o->socket_path = strdup(RT_DEFAULT_SOCKET);
    o->default_runtime = strdup("runc");
    o->log_level = strdup("info");

    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":H:p:G:Dl:", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_CONFIG: set_str(&o->config_file, optarg); o->config_file_set = true; break;
        case OPT_DATA_ROOT: set_str(&o->data_root, optarg); break;
        case OPT_EXEC_ROOT: set_str(&o->exec_root, optarg); break;
        case 'H':
            if (strncmp(optarg, "unix://", 7) || !optarg[7])
                return flag_error("invalid argument \"%s\" for \"-H, --host\" flag: only unix://PATH is supported", optarg);
            set_str(&o->socket_path, optarg + 7);
            break;
        case 'p': set_str(&o->pidfile, optarg); break;
        case 'G': set_str(&o->group, optarg); break;
        case OPT_ADD_RUNTIME: push(&o->add_runtime, &o->n_add_runtime, optarg); break;
        case OPT_DEFAULT_RUNTIME: set_str(&o->default_runtime, optarg); o->default_runtime_set = true; break;
        case OPT_SHIM_PATH: push(&o->shim_path, &o->n_shim_path, optarg); break;
        case 'D': o->debug = true; o->debug_set = true; break;
        case 'l': set_str(&o->log_level, optarg); break;
        case OPT_LIVE_RESTORE: o->live_restore = true; o->live_restore_set = true; break;
        case OPT_VALIDATE: o->validate = true; break;
        case OPT_VERSION: printf("rtengined version %s\n", RT_VERSION); return 1;
        case OPT_HELP: fputs(usage_text, stdout); return 1;
        case ':': return flag_error("flag needs an argument: %s", argv[optind - 1]);
        default: return flag_error("unknown flag: %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return flag_error("rtengined does not take positional arguments, got \"%s\"", argv[optind]);
    return 0;
}

static void free_arr(char **a, size_t n)
{
    for (size_t i = 0; i < n; i++) free(a[i]);
    free(a);
}

void rt_engine_opts_free(struct rt_engine_opts *o)
{
    free(o->config_file), free(o->data_root), free(o->exec_root), free(o->socket_path);
    free(o->pidfile), free(o->group), free(o->default_runtime), free(o->log_level);
    free_arr(o->add_runtime, o->n_add_runtime);
    free_arr(o->shim_path, o->n_shim_path);
    memset(o, 0, sizeof *o);
}
