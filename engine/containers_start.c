/* The start path up to the shim (spec §2.4): state checks, API settings
 * re-verification, empty Runtime <- current default (persisted), resolve,
 * the start hook, classification and recording of failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/containers.h"
#include "engine/start_errors.h"
#include "jsonutil.h"
#include "log.h"

static bool st_bool(const struct rt_container *c, const char *k)
{
    return json_is_true(json_object_get(json_object_get(c->doc, "State"), k));
}

/* Resolve C's runtime, an empty one as the default (nothing persisted). */
static int verify(struct rt_container *c, struct rt_err *err)
{
    struct rt_resolved r = {0};
    int rc = rt_ctr_resolve_runtime(rt_ctr_runtime(c), &r, err);
    rt_resolved_free(&r);
    return rc;
}

/* Record a failed start: ExitCode, State.Error, checkpoint. */
static void record_failure(struct rt_ctr_store *s, struct rt_container *c, int exit_code, const char *msg)
{
    struct rt_err cerr = {0};
    rt_ctr_set_error(c, exit_code, msg);
    if (rt_ctr_checkpoint(s, c, &cerr) < 0)
        rt_log_kv(RT_LOG_ERROR, "error", cerr.msg, "failed to checkpoint container %s", c->id);
    rt_err_clear(&cerr);
}

/* *STARTING is set once the checks are passed and the actual start began:
 * a failure from there on is the one moby cleans up after (AutoRemove). */
static int start_locked(struct rt_ctr_store *s, struct rt_container *c, enum rt_start_mode mode,
                        struct rt_err *err, bool *starting)
{
    if (st_bool(c, "Paused"))
        return rt_err_set(err, RT_ERR_CONFLICT, "cannot start a paused container, try unpause instead");
    if (st_bool(c, "Running")) return rt_err_set(err, RT_ERR_NOT_MODIFIED, "Container already started");
    if (c->removed || st_bool(c, "RemovalInProgress") || st_bool(c, "Dead"))
        return rt_err_set(err, RT_ERR_CONFLICT, "container is marked for removal and cannot be started");

    /* API start re-verifies the settings first: a failure changes nothing. */
    if (mode == RT_START_API && verify(c, err) < 0) return -1;

    /* The actual start: an empty Runtime becomes the CURRENT default and is
     * written back (spec §5.2, §5.4). */
    *starting = true;
    if (!*rt_ctr_runtime(c)) {
        char *def = rt_ctr_default_runtime();
        json_object_set_new(c->hc, "Runtime", json_string(def));
        free(def);
        if (rt_ctr_checkpoint(s, c, err) < 0) return -1;
    }
    struct rt_resolved r = {0};
    if (rt_ctr_resolve_runtime(rt_ctr_runtime(c), &r, err) < 0) {
        rt_resolved_free(&r);
        record_failure(s, c, 128, err->msg);
        return -1;
    }
    rt_ctr_start_fn hook = rt_ctr_get_start_hook();
    if (!hook) {
        rt_resolved_free(&r);
        return rt_err_set(err, mode == RT_START_API ? RT_ERR_SYSTEM : RT_ERR_NOT_IMPL, "no shim manager");
    }
    struct rt_err herr = {0};
    int rc = hook(c, &r, &herr);
    rt_resolved_free(&r);
    if (rc < 0) {
        struct rt_start_error se = {0};
        rt_start_error_classify(herr.msg ? herr.msg : "unknown error", &se);
        record_failure(s, c, se.exit_code, se.msg);
        rt_err_set(err, se.cls, "%s", se.msg ? se.msg : "unknown error");
        rt_start_error_free(&se);
        rt_err_clear(&herr);
        return -1;
    }
    rt_err_clear(&herr);
    if (rt_ctr_checkpoint(s, c, err) < 0) return -1;
    rt_ctr_event(c, "start");
    return 0;
}

int rt_ctr_start(struct rt_ctr_store *s, const char *ref, enum rt_start_mode mode, struct rt_err *err)
{
    struct rt_container *c = rt_ctr_lookup(s, ref, err);
    if (!c) return -1;
    pthread_mutex_lock(&c->lock);
    bool starting = false;
    int rc = start_locked(s, c, mode, err, &starting);
    bool autoremove = rc < 0 && starting && rt_json_bool(c->hc, "AutoRemove", 0);
    char id[65];
    snprintf(id, sizeof id, "%s", c->id);
    pthread_mutex_unlock(&c->lock);
    rt_ctr_put(c);
    /* As dockerd's start cleanup: an AutoRemove container whose start
     * failed is removed (the API still answers with the start error). */
    if (autoremove) {
        struct rt_err rerr = {0};
        if (rt_ctr_remove(s, id, true, &rerr) < 0)
            rt_log_kv(RT_LOG_ERROR, "error", rerr.msg, "can't remove container %s", id);
        rt_err_clear(&rerr);
    }
    return rc;
}
