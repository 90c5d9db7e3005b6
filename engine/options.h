/* rtengined command-line options (a dockerd subset, same spellings). */
#ifndef RT_ENGINE_OPTIONS_H
#define RT_ENGINE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define RT_DEFAULT_CONFIG_FILE "/etc/rtengined/daemon.json"
#define RT_DEFAULT_DATA_ROOT "/var/lib/rtengined"
#define RT_DEFAULT_EXEC_ROOT "/var/run/rtengined"
#define RT_DEFAULT_SOCKET "/var/run/rtengined.sock"

struct rt_engine_opts {
    char *config_file;        /* --config-file */
    bool config_file_set;     /* given explicitly (a missing file is then an error) */
    char *data_root;          /* --data-root */
    char *exec_root;          /* --exec-root */
    char *socket_path;        /* -H unix://PATH (only unix:// is supported) */
    char *pidfile;            /* --pidfile / -p */
    char *group;              /* --group / -G: group of the API socket */
    char **add_runtime;       /* --add-runtime NAME=PATH, raw values in order */
    size_t n_add_runtime;
    char *default_runtime;    /* --default-runtime */
    bool default_runtime_set; /* given explicitly (conflicts with daemon.json) */
    char **shim_path;         /* --shim-path DIR, searched before PATH */
    size_t n_shim_path;
    bool debug;               /* --debug / -D */
    bool debug_set;
    bool live_restore;        /* --live-restore */
    bool live_restore_set;
    bool validate;            /* --validate: check config and exit */
    char *log_level;          /* --log-level / -l */
};

/* Parse ARGV into OPTS (filled with defaults first). On error prints one
 * line + usage hint to stderr and returns -1; returns 1 for --help/--version
 * (already printed), 0 to run. */
int rt_engine_opts_parse(struct rt_engine_opts *opts, int argc, char **argv);
void rt_engine_opts_free(struct rt_engine_opts *opts);

#endif
