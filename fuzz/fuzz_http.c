/* Fuzz target: the engine API router and route handlers with request
 * bodies and query strings (engine/api/ route files, through rt_api_dispatch_raw).
 *
 * Input: "METHOD /path?query\n" then the body. The engine is a real one
 * (config snapshot, event bus, image and container stores under a scratch
 * data-root) except that starts never reach a shim: the start hook fails as a
 * missing shim would, and fuzz_common.h refuses every spawn. Waits that
 * would block for an exit (next-exit, removed) are not dispatched. */
#include <stdint.h>

#include "engine/api/http.h"
#include "engine/containers.h"
#include "engine/containers_rt.h"
#include "engine/events.h"
#include "engine/images.h"
#include "engine/runtimes.h"
#include "engine/snapshot.h"
#include "fuzz_common.h"

static struct rt_engine eng;

static int no_shim(struct rt_container *c, const struct rt_resolved *rt, struct rt_err *err)
{
    (void)c;
    return rt_err_set(err, RT_ERR_SYSTEM,
                      "failed to create task for container: failed to start shim: exec: \"%s\": "
                      "executable file not found in $PATH: unknown", rt->shim);
}

static void call(const char *method, const char *url, const char *body)
{
    struct rt_resp resp;
    rt_api_dispatch_raw(&eng, method, url, body, body ? strlen(body) : 0, &resp);
    rt_resp_release(&resp);
}

/* A container and an image for the id/name routes to find. */
static void seed_state(void)
{
    static const uint8_t empty_tar[1024];
    char id[72];
    struct rt_err err = {0};
    rt_img_import(rt_img_store_default(), empty_tar, sizeof empty_tar, "busybox", "local", "", id, &err);
    rt_err_clear(&err);
    call("POST", "/containers/create?name=seed", "{\"Image\":\"busybox:local\",\"Cmd\":[\"true\"]}");
}

/* Keep the stores small: drop everything and seed again. */
static void reset_state(void)
{
    json_t *all = rt_ctr_views(rt_ctr_store_default());
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v) {
        struct rt_err err = {0};
        rt_ctr_remove(rt_ctr_store_default(), json_string_value(json_object_get(v, "Id")), true, &err);
        rt_err_clear(&err);
    }
    json_decref(all);
    json_t *imgs = rt_img_list(rt_img_store_default());
    json_array_foreach(imgs, i, v) {
        struct rt_err err = {0};
        json_decref(rt_img_delete(rt_img_store_default(), json_string_value(json_object_get(v, "Id")), true,
                                  NULL, &err));
        rt_err_clear(&err);
    }
    json_decref(imgs);
    seed_state();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *d = fuzz_scratch("http");
    setenv("PATH", d, 1);
    char *data = rt_path_join(d, "data"), *exec = rt_path_join(d, "exec");
    rt_mkdir_p(data, 0710);
    rt_mkdir_p(exec, 0700);
    eng.opts.data_root = data;
    eng.opts.exec_root = exec;
    snprintf(eng.id, sizeof eng.id, "fuzz");
    snprintf(eng.hostname, sizeof eng.hostname, "fuzz");
    char err[1024];
    struct rt_config cfg = {0};
    rt_runtimes_wipe_dir(data, err, sizeof err);
    static const char daemon_json[] = "{\"runtimes\":{\"alt\":{\"path\":\"/bin/true\",\"runtimeArgs\":[\"--x\"]}}}";
    if (rt_config_decode(daemon_json, strlen(daemon_json), &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_http: %s\n", err);
        abort();
    }
    struct rt_runtime_set *set = rt_runtimes_build(&cfg, data, exec, err, sizeof err);
    if (!set) {
        fprintf(stderr, "fuzz_http: %s\n", err);
        abort();
    }
    eng.snaps = rt_snapstore_new();
    rt_snapshot_publish(eng.snaps, &cfg, set);
    eng.events = rt_events_new(64, 64);
    if (rt_engine_state_init(&eng) < 0) abort();
    rt_ctr_set_start_hook(no_shim);
    seed_state();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned long iter;
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl) return 0;
    char *line = fuzz_strndup(data, (size_t)(nl - data));
    char *sp = strchr(line, ' ');
    if (!sp || sp[1] != '/' || strlen(line) != (size_t)(nl - data)) {
        free(line);
        return 0;
    }
    *sp = '\0';
    const char *url = sp + 1;
    if (!(strstr(url, "/wait") && (strstr(url, "next-exit") || strstr(url, "removed")))) {
        size_t blen = size - (size_t)(nl + 1 - data);
        char *body = fuzz_strndup(nl + 1, blen);
        struct rt_resp resp;
        rt_api_dispatch_raw(&eng, line, url, body, blen, &resp);
        /* Every reply is an HTTP status with a JSON or text body (or a stream). */
        if (resp.status < 100 || resp.status > 599) __builtin_trap();
        if (resp.json) {
            char *s = json_dumps(resp.json, JSON_COMPACT);
            if (!s) __builtin_trap();
            free(s);
        }
        rt_resp_release(&resp);
        free(body);
    }
    free(line);
    if (++iter % 512 == 0) reset_state();
    return 0;
}
