/* Startup wiring of config + runtime set; see runtimes_startup.h. */
#include "engine/runtimes_startup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

int rt_startup_load_config(const struct rt_engine_opts *opts, struct rt_config *cfg)
{
    char err[8192];
    bool flag_error = false;
    if (rt_config_startup(opts, cfg, &flag_error, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static struct rt_runtime_set *build_runtimes(const struct rt_engine_opts *opts, const struct rt_config *cfg,
                                             const char *data_root, bool background_probes)
{
    char err[8192];
    /* Wrappers of the previous run go first (§3.1 cleanup). */
    if (rt_runtimes_wipe_dir(data_root, err, sizeof err) < 0) {
        fprintf(stderr, "failed to start daemon: %s\n", err);
        return NULL;
    }
    struct rt_runtime_set *set = background_probes
                                     ? rt_runtimes_build_deferred(cfg, data_root, opts->exec_root, err, sizeof err)
                                     : rt_runtimes_build(cfg, data_root, opts->exec_root, err, sizeof err);
    if (!set) {
        fprintf(stderr, "failed to start daemon: %s\n", err);
        return NULL;
    }
    /* dockerd's plugin manager resolves the default at startup: a path+args
     * default with a missing binary is fatal (§1.5). */
    struct rt_resolved r;
    struct rt_err e = {RT_ERR_NONE, NULL};
    if (rt_runtimes_resolve(set, "", &r, &e) < 0) {
        fprintf(stderr, "failed to start daemon: couldn't create plugin manager: %s\n", e.msg ? e.msg : "");
        rt_err_clear(&e);
        rt_runtimes_free(set);
        return NULL;
    }
    rt_resolved_free(&r);
    /* A valid set: probe in the background (only /info reads the result,
     * and it waits); the API does not wait for `runc features`. */
    if (background_probes) rt_runtimes_probe_async(set);
    return set;
}

struct rt_runtime_set *rt_startup_build_runtimes(const struct rt_engine_opts *opts, const struct rt_config *cfg,
                                                 const char *data_root)
{
    return build_runtimes(opts, cfg, data_root, true);
}

int rt_startup_validate(const struct rt_engine_opts *opts)
{
    struct rt_config cfg;
    if (rt_startup_load_config(opts, &cfg) < 0) return -1;
    const char *tmpdir = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/rtengined-validate.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(tmpl)) {
        perror("rtengined --validate: mkdtemp");
        rt_config_free(&cfg);
        return -1;
    }
    struct rt_runtime_set *set = build_runtimes(opts, &cfg, tmpl, false);
    rt_rm_rf(tmpl);
    rt_config_free(&cfg);
    if (!set) return -1;
    rt_runtimes_free(set);
    puts("configuration OK");
    return 0;
}
