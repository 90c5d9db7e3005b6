/* daemon.json + flags: decode, merge, conflicts (engine spec §1.1, §1.2).
 * The runtime rules of §1.5 live in runtimes.c, not here. */
#ifndef RT_CONFIG_H
#define RT_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/options.h"

/* One entry of the `runtimes` map, as the user wrote it. */
struct rt_runtime_def {
    char *name;        /* byte-for-byte (may be "", contain '/', upper case) */
    char *path;        /* "" when absent */
    char **args;       /* runtimeArgs */
    size_t nargs;
    char *type;        /* runtimeType, "" when absent */
    json_t *options;   /* options object or NULL */
    bool from_flag;    /* came from --add-runtime */
};

/* The user configuration (file, flags, or both merged). Immutable once
 * published in a snapshot. */
struct rt_config {
    struct rt_runtime_def *runtimes;
    size_t nruntimes;
    bool has_runtimes_key;   /* the file had a `runtimes` key (reload: replace) */
    char *default_runtime;   /* "" = not set */
    bool debug, has_debug;
    bool live_restore, has_live_restore;
    bool has_default_runtime_key; /* the file had the key (even "": conflict check) */
};

/* Decode daemon.json text. Errors are the whole user-facing message after
 * "unable to configure the Docker daemon with file <cfg>: " (the caller
 * adds that prefix), e.g. the Go decoder texts of §1.1 or unknown keys. */
int rt_config_decode(const char *text, size_t len, struct rt_config *out, char *err, size_t errlen);

/* The text of PATH (*TEXT, *LEN; the caller frees it): 0; 1 for a missing
 * file unless EXPLICIT ("no file"); -1 with the open/read error in ERR. */
int rt_config_read_file(const char *path, bool explicit_path, char **text, size_t *len, char *err, size_t errlen);

/* Read PATH; a missing file is "no file" (returns 1) unless EXPLICIT. */
int rt_config_load_file(const char *path, bool explicit_path, struct rt_config *out,
                        char *err, size_t errlen);

/* Parse one --add-runtime value with the five rules of §1.2 into DEF;
 * error text is the <message> of the flag error. EXISTING are the earlier
 * flag runtimes (duplicate check). */
int rt_config_parse_add_runtime(const char *value, const struct rt_config *existing,
                                struct rt_runtime_def *def, char *err, size_t errlen);

/* The config from the command line alone (flags). */
int rt_config_from_flags(const struct rt_engine_opts *opts, struct rt_config *out,
                         char *err, size_t errlen);

/* Startup merge: union of runtimes (file wins on the same name); the
 * default-runtime flag/file conflict text of §1.2. FILE may be NULL. */
int rt_config_merge(const struct rt_config *flags, const struct rt_config *file,
                    const struct rt_engine_opts *opts, struct rt_config *out,
                    char *err, size_t errlen);

/* The flag/file conflict check of §1.2/§4.1 step 2 (default-runtime, and
 * debug / live-restore when given as flags): "the following directives are
 * specified both as a flag and in the configuration file: ..." */
int rt_config_check_conflicts(const struct rt_config *file, const struct rt_engine_opts *opts,
                              char *err, size_t errlen);

/* Startup in one call: --add-runtime flags, the config file (missing default
 * file = none), conflicts, merge. Returns 0; -1 with ERR = the complete
 * user-facing text (flag error block, or "unable to configure the Docker
 * daemon with file <cfg>: <msg>"); *FLAG_ERROR tells which (flag errors
 * print with the "Status: ... Code: 125" block). */
int rt_config_startup(const struct rt_engine_opts *opts, struct rt_config *out, bool *flag_error,
                      char *err, size_t errlen);

/* Reload (§4.1 step 5): start from LIVE, apply FILE (runtimes replaced when
 * the key is present; default replaced only when non-empty). */
int rt_config_apply_reload(const struct rt_config *live, const struct rt_config *file,
                           struct rt_config *out, char *err, size_t errlen);

int rt_config_copy(const struct rt_config *src, struct rt_config *dst);
void rt_config_free(struct rt_config *cfg);
const struct rt_runtime_def *rt_config_find(const struct rt_config *cfg, const char *name);

/* JSON of the config for the "Reloaded configuration: <json>" log line. */
json_t *rt_config_to_json(const struct rt_config *cfg);

#endif
