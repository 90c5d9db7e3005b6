/* The derived runtime set (engine spec §1.3–§1.5, §6.1, Appendix A.1/A.2):
 * stock entries + user entries, validated in moby's order, wrappers written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/runtimes_int.h"
#include "fsutil.h"

#define STOCK_SHIM "io.containerd.runc.v2"
static const char *const stock_names[] = {"runc", "io.containerd.runc.v2"};

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) abort();
    return d;
}

/* Stock runc options: BinaryName=runc, Root=<exec-root>/runtime-runc. */
static void stock_runc_options(struct rt_runc_options *o, const char *exec_root)
{
    memset(o, 0, sizeof *o);
    o->binary_name = xstrdup("runc");
    o->root = rt_path_join(exec_root, "runtime-runc");
    const char *ramdisk = getenv("DOCKER_RAMDISK"); /* dockerd's switch for pivot_root-less roots */
    o->no_pivot_root = ramdisk && *ramdisk;
}

static void runtime_free(struct rt_runtime *rt)
{
    free(rt->name), free(rt->shim), free(rt->path), free(rt->wrapper), rt_features_text_put(rt->features);
    for (size_t i = 0; i < rt->nargs; i++) free(rt->args[i]);
    free(rt->args);
    rt_runc_options_free(&rt->runc);
    rt_generic_options_free(&rt->generic);
    memset(rt, 0, sizeof *rt);
}

void rt_runtimes_free(struct rt_runtime_set *set)
{
    if (!set) return;
    rt_features_probe_end(set);
    for (size_t i = 0; i < set->n; i++) runtime_free(&set->rt[i]);
    free(set->rt);
    free(set->default_name);
    free(set);
}

static bool is_stock(const char *name)
{
    for (size_t i = 0; i < sizeof stock_names / sizeof stock_names[0]; i++)
        if (strcmp(name, stock_names[i]) == 0) return true;
    return false;
}

static int cmp_def(const void *a, const void *b)
{
    const struct rt_runtime_def *x = *(const struct rt_runtime_def *const *)a;
    const struct rt_runtime_def *y = *(const struct rt_runtime_def *const *)b;
    return strcmp(x->name, y->name);
}

/* §1.5 rows 3a–3f for one user runtime; fills RT. */
static int build_one(const struct rt_runtime_def *d, struct rt_runtime *rt, const char *data_root,
                     const char *exec_root, char *err, size_t errlen)
{
    bool has_path = d->path && d->path[0], has_type = d->type && d->type[0];
    bool has_opts = d->options && json_object_size(d->options) > 0;
    rt->name = xstrdup(d->name);
    if (!has_path && !has_type) {
        snprintf(err, errlen, "runtime %s: either a runtimeType or a path must be configured", d->name);
        return -1;
    }
    if (has_path && has_type) {
        snprintf(err, errlen, "runtime %s: cannot configure both path and runtimeType for the same runtime", d->name);
        return -1;
    }
    if (has_path && has_opts) {
        snprintf(err, errlen, "runtime %s: options cannot be used with a path runtime", d->name);
        return -1;
    }
    if (has_path) {
        rt->path = xstrdup(d->path);
        rt->shim = xstrdup(STOCK_SHIM);
        rt->opts_type = RT_OPTS_RUNC;
        stock_runc_options(&rt->runc, exec_root);
        free(rt->runc.binary_name);
        if (d->nargs) {
            rt->kind = RT_RK_PATH_ARGS;
            rt->args = calloc(d->nargs, sizeof *rt->args);
            if (!rt->args) abort();
            for (size_t i = 0; i < d->nargs; i++) rt->args[i] = xstrdup(d->args[i]);
            rt->nargs = d->nargs;
            rt->runc.binary_name = NULL;
            if (rt_wrapper_write(rt, data_root, err, errlen) < 0) return -1; /* 3d */
            rt->runc.binary_name = xstrdup(rt->wrapper);
        } else {
            rt->kind = RT_RK_PATH;
            rt->runc.binary_name = xstrdup(d->path);
        }
        return 0;
    }
    if (d->nargs) {
        snprintf(err, errlen, "runtime %s: args cannot be used with a runtimeType runtime", d->name);
        return -1;
    }
    rt->kind = RT_RK_SHIM;
    rt->shim = xstrdup(d->type);
    rt->path = xstrdup("");
    char msg[1024];
    if (rt_rtopts_convert(d->type, d->options, rt, msg, sizeof msg) < 0) { /* 3f */
        snprintf(err, errlen, "runtime %s: %s", d->name, msg);
        return -1;
    }
    return 0;
}

static void add_stock(struct rt_runtime_set *set, const char *name, const char *exec_root)
{
    struct rt_runtime *rt = &set->rt[set->n++];
    memset(rt, 0, sizeof *rt);
    rt->name = xstrdup(name);
    rt->kind = RT_RK_STOCK;
    rt->shim = xstrdup(STOCK_SHIM);
    rt->opts_type = RT_OPTS_RUNC;
    stock_runc_options(&rt->runc, exec_root);
    rt->path = xstrdup("runc");
}

static struct rt_runtime_set *build(const struct rt_config *cfg, const char *data_root, const char *exec_root,
                                    bool probe, char *err, size_t errlen)
{
    /* 1: reserved name */
    if (rt_config_find(cfg, "runc")) {
        snprintf(err, errlen, "runtime name 'runc' is reserved");
        return NULL;
    }
    /* 2: the default exists (stock, configured, or a permissible shim name) */
    const char *def = cfg->default_runtime ? cfg->default_runtime : "";
    if (def[0] && !is_stock(def) && !rt_config_find(cfg, def) && !rt_runtime_name_permissible(def)) {
        snprintf(err, errlen, "specified default runtime '%s' does not exist", def);
        return NULL;
    }
    struct rt_runtime_set *set = calloc(1, sizeof *set);
    if (!set) abort();
    set->rt = calloc(cfg->nruntimes + 2, sizeof *set->rt);
    if (!set->rt) abort();
    set->default_name = xstrdup(def[0] ? def : "runc");
    for (size_t i = 0; i < sizeof stock_names / sizeof stock_names[0]; i++)
        if (!rt_config_find(cfg, stock_names[i])) add_stock(set, stock_names[i], exec_root);

    /* 3: per runtime, in name order (moby's map order is random; ours is
     * deterministic so the reported error is reproducible). */
    const struct rt_runtime_def **defs = calloc(cfg->nruntimes + 1, sizeof *defs);
    if (!defs) abort();
    for (size_t i = 0; i < cfg->nruntimes; i++) defs[i] = &cfg->runtimes[i];
    qsort(defs, cfg->nruntimes, sizeof *defs, cmp_def);
    for (size_t i = 0; i < cfg->nruntimes; i++) {
        if (i && strcmp(defs[i]->name, defs[i - 1]->name) == 0) continue; /* duplicates: first wins */
        if (build_one(defs[i], &set->rt[set->n++], data_root, exec_root, err, errlen) < 0) {
            free(defs);
            rt_runtimes_free(set);
            return NULL;
        }
    }
    free(defs);
    if (probe) rt_features_probe_all(set);
    return set;
}

struct rt_runtime_set *rt_runtimes_build(const struct rt_config *cfg, const char *data_root,
                                         const char *exec_root, char *err, size_t errlen)
{
    return build(cfg, data_root, exec_root, true, err, errlen);
}

struct rt_runtime_set *rt_runtimes_build_deferred(const struct rt_config *cfg, const char *data_root,
                                                  const char *exec_root, char *err, size_t errlen)
{
    return build(cfg, data_root, exec_root, false, err, errlen);
}

int rt_runtimes_wipe_dir(const char *data_root, char *err, size_t errlen)
{
    char *dir = rt_path_join(data_root, "runtimes");
    int rc = 0;
    if (rt_rm_rf(dir) < 0) {
        snprintf(err, errlen, "unlinkat %s: %s", dir, rt_strerror(errno));
        rc = -1;
    } else if (rt_mkdir_p(dir, 0700) < 0) {
        snprintf(err, errlen, "mkdir %s: %s", dir, rt_strerror(errno));
        rc = -1;
    } else {
        chmod(dir, 0700);
    }
    free(dir);
    return rc;
}

json_t *rt_runtimes_info_json(const struct rt_runtime_set *set, bool with_status)
{
    json_t *out = json_object();
    if (set && with_status) rt_runtimes_probe_wait(set);
    for (size_t i = 0; set && i < set->n; i++) {
        const struct rt_runtime *rt = &set->rt[i];
        json_t *o = json_object();
        if (rt->kind != RT_RK_SHIM) { /* shims render as {} (only path/args shown) */
            json_object_set_new(o, "path", json_string(rt->path));
            if (rt->nargs) {
                json_t *a = json_array();
                for (size_t j = 0; j < rt->nargs; j++) json_array_append_new(a, json_string(rt->args[j]));
                json_object_set_new(o, "runtimeArgs", a);
            }
            if (with_status && rt->features)
                json_object_set_new(o, "status", json_pack("{s:s}", "org.opencontainers.runtime-spec.features",
                                                           rt->features));
        }
        json_object_set_new(out, rt->name, o);
    }
    return out;
}
