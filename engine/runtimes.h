/* The derived runtime set: stock + user runtimes, validated with the §1.5
 * rules, wrapper scripts written; and the one resolver (§2.1). */
#ifndef RT_RUNTIMES_H
#define RT_RUNTIMES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/config.h"
#include "engine/errdefs.h"

enum rt_runtime_kind { RT_RK_STOCK, RT_RK_PATH, RT_RK_PATH_ARGS, RT_RK_SHIM };

/* Options handed to the shim (start stdin and CreateTaskRequest.options). */
enum rt_opts_type { RT_OPTS_NONE, RT_OPTS_RUNC, RT_OPTS_GENERIC };

struct rt_runc_options {       /* containerd.runc.v1.Options, the fields we use */
    bool no_pivot_root, no_new_keyring, systemd_cgroup;
    unsigned io_uid, io_gid;
    char *shim_cgroup, *binary_name, *root, *criu_path, *criu_image_path, *criu_work_path;
};

struct rt_generic_options {    /* runtimeoptions.v1.Options */
    char *type_url, *config_path, *config_body;
};

struct rt_runtime {
    char *name;
    enum rt_runtime_kind kind;
    char *shim;                /* containerd runtime name or absolute shim path */
    enum rt_opts_type opts_type;
    struct rt_runc_options runc;
    struct rt_generic_options generic;
    char *path;                /* as configured (for /info and pre-flight) */
    char **args;
    size_t nargs;
    char *wrapper;             /* absolute wrapper path for PATH_ARGS */
    char *features;            /* `features` probe JSON or NULL (shared with the probe cache: read only) */
};

struct rt_runtime_set {
    struct rt_runtime *rt;     /* stock first (unless overridden), then user */
    size_t n;
    char *default_name;        /* effective default ("runc" unless configured) */
    struct rt_probe_job *probe; /* startup's background features probes, or NULL */
};

/* What resolve() returns: everything a start needs, copied out of the set
 * so it stays valid after the snapshot is gone. */
struct rt_resolved {
    char *name;                /* the runtime name used (default filled in) */
    char *shim;
    enum rt_opts_type opts_type;
    struct rt_runc_options runc;
    struct rt_generic_options generic;
};

/* Build the set from CFG (§1.5 order: reserved -> default exists -> per
 * runtime 3a–3f incl. wrapper writes under <data_root>/runtimes). Error text
 * is the bare message (callers prefix "failed to start daemon: " or log
 * "Error reconfiguring the daemon: "). */
struct rt_runtime_set *rt_runtimes_build(const struct rt_config *cfg, const char *data_root,
                                         const char *exec_root, char *err, size_t errlen);
void rt_runtimes_free(struct rt_runtime_set *set);
/* Startup: the same build without the features probes, which then run in a
 * background thread (rt_runtimes_probe_async) so the API serves while they
 * run; /info waits for them (rt_runtimes_probe_wait). */
struct rt_runtime_set *rt_runtimes_build_deferred(const struct rt_config *cfg, const char *data_root,
                                                  const char *exec_root, char *err, size_t errlen);
void rt_runtimes_probe_async(struct rt_runtime_set *set);
void rt_runtimes_probe_wait(const struct rt_runtime_set *set);
/* Shutdown: kill the `features` probes in flight and start no more. */
void rt_runtimes_probe_cancel(void);

/* Startup only: rm -rf <data_root>/runtimes and recreate it 0700. */
int rt_runtimes_wipe_dir(const char *data_root, char *err, size_t errlen);

/* §2.1: "" -> default; configured (exact) -> pre-flight for args runtimes;
 * permissible shim name -> pass-through, no options; else invalid parameter
 * "unknown or invalid runtime name: <name>". */
int rt_runtimes_resolve(const struct rt_runtime_set *set, const char *name,
                        struct rt_resolved *out, struct rt_err *err);
void rt_resolved_free(struct rt_resolved *r);

/* §2.2 permissible containerd runtime name. */
bool rt_runtime_name_permissible(const char *name);

/* The /info "Runtimes" object (§6.1); WITH_STATUS for API >= 1.44. */
json_t *rt_runtimes_info_json(const struct rt_runtime_set *set, bool with_status);

#endif
