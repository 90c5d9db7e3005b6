/* Fuzz target: daemon.json decoding and runtime-set construction
 * (engine/config*.c, engine/runtimes*.c).
 *
 * The input is a daemon.json; its first line doubles as one --add-runtime
 * value. Each input goes through decode -> flag parse -> merge -> reload
 * apply -> copy -> build (wrappers written under a scratch data-root, the
 * features probe's spawns refused by fuzz_common.h) -> resolve -> /info. */
#include <stdint.h>

#include "engine/config.h"
#include "engine/runtimes.h"
#include "fsutil.h"
#include "fuzz_common.h"

static char data_root[300], exec_root[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *d = fuzz_scratch("config");
    snprintf(data_root, sizeof data_root, "%s/data", d);
    snprintf(exec_root, sizeof exec_root, "%s/exec", d);
    rt_mkdir_p(data_root, 0710);
    rt_mkdir_p(exec_root, 0700);
    /* No runtime binary is found on PATH (resolution of plain names). */
    setenv("PATH", d, 1);
    return 0;
}

static void resolve_all(const struct rt_runtime_set *set)
{
    static const char *const extra[] = {"", "runc", "io.containerd.runc.v2", "io.containerd.x.v1",
                                        "/abs/shim", "a.b", "..", "runc-alias"};
    struct rt_resolved r;
    struct rt_err e = {0};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        memset(&r, 0, sizeof r);
        if (rt_runtimes_resolve(set, extra[i], &r, &e) == 0) rt_resolved_free(&r);
        rt_err_clear(&e);
    }
    for (size_t i = 0; i < set->n; i++) {
        memset(&r, 0, sizeof r);
        if (rt_runtimes_resolve(set, set->rt[i].name, &r, &e) == 0) rt_resolved_free(&r);
        rt_err_clear(&e);
    }
    json_decref(rt_runtimes_info_json(set, true));
    json_decref(rt_runtimes_info_json(set, false));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned long iter;
    char err[4096];
    struct rt_config file = {0}, flags = {0}, merged = {0}, reloaded = {0}, copy = {0};
    if (rt_config_decode((const char *)data, size, &file, err, sizeof err) < 0) {
        rt_config_free(&file);
        return 0;
    }
    json_decref(rt_config_to_json(&file));

    /* One --add-runtime value: the first line of the input. */
    const uint8_t *nl = memchr(data, '\n', size);
    char *line = fuzz_strndup(data, nl ? (size_t)(nl - data) : size);
    struct rt_runtime_def def = {0};
    if (rt_config_parse_add_runtime(line, &flags, &def, err, sizeof err) == 0) {
        flags.runtimes = calloc(1, sizeof *flags.runtimes);
        if (!flags.runtimes) abort();
        flags.runtimes[0] = def;
        flags.nruntimes = 1;
    }
    free(line);

    struct rt_engine_opts opts = {.default_runtime = (char *)"", .data_root = data_root, .exec_root = exec_root};
    if (rt_config_check_conflicts(&file, &opts, err, sizeof err) == 0 &&
        rt_config_merge(&flags, &file, &opts, &merged, err, sizeof err) == 0) {
        if (rt_config_apply_reload(&merged, &file, &reloaded, err, sizeof err) == 0) rt_config_free(&reloaded);
        if (rt_config_copy(&merged, &copy) == 0) {
            struct rt_runtime_set *set = rt_runtimes_build(&copy, data_root, exec_root, err, sizeof err);
            if (set) {
                resolve_all(set);
                rt_runtimes_free(set);
            }
            rt_config_free(&copy);
        }
        rt_config_free(&merged);
    }
    rt_config_free(&flags);
    rt_config_free(&file);
    /* Wrapper files are content-addressed: bound their number. */
    if (++iter % 4096 == 0) rt_runtimes_wipe_dir(data_root, err, sizeof err);
    return 0;
}
