/* The containers module's two outside dependencies, each in one place: the
 * CURRENT runtime set (the live snapshot) and the event bus. Unit tests
 * replace the resolver with rt_ctr_set_resolver(). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "engine/containers.h"
#include "engine/containers_rt.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/shims.h"
#include "engine/snapshot.h"
#include "jsonutil.h"

static struct rt_engine *g_engine;
static rt_ctr_resolver_fn g_resolver;
static rt_ctr_default_fn g_default;

void rt_ctr_glue_init(struct rt_engine *e) { g_engine = e; }
struct rt_engine *rt_ctr_engine(void) { return g_engine; }

void rt_ctr_set_resolver(rt_ctr_resolver_fn resolve, rt_ctr_default_fn def)
{
    g_resolver = resolve;
    g_default = def;
}

/* The current snapshot (a reference) or NULL with ERR. */
static struct rt_snapshot *current(struct rt_err *err)
{
    struct rt_snapshot *snap = g_engine && g_engine->snaps ? rt_snapshot_get(g_engine->snaps) : NULL;
    if (!snap || !snap->set) {
        if (snap) rt_snapshot_put(snap);
        rt_err_set(err, RT_ERR_UNAVAILABLE, "runtime configuration not loaded");
        return NULL;
    }
    return snap;
}

int rt_ctr_resolve_runtime(const char *name, struct rt_resolved *out, struct rt_err *err)
{
    if (g_resolver) return g_resolver(name, out, err);
    struct rt_snapshot *snap = current(err);
    if (!snap) return -1;
    int rc = rt_runtimes_resolve(snap->set, name ? name : "", out, err);
    rt_snapshot_put(snap);
    return rc;
}

char *rt_ctr_default_runtime(void)
{
    if (g_default) return g_default();
    struct rt_err err = {0};
    struct rt_snapshot *snap = current(&err);
    rt_err_clear(&err);
    if (!snap) return strdup("runc");
    char *d = strdup(snap->set->default_name ? snap->set->default_name : "runc");
    rt_snapshot_put(snap);
    return d;
}

void rt_ctr_event(const struct rt_container *c, const char *action)
{
    if (!g_engine || !g_engine->events) return;
    json_t *attrs = json_object();
    const char *k;
    json_t *x;
    /* dockerd: the container's labels, then image and name */
    json_object_foreach(json_object_get(json_object_get(c->doc, "Config"), "Labels"), k, x)
        if (json_is_string(x)) json_object_set(attrs, k, x);
    const char *name = rt_json_str(c->doc, "Name", "");
    json_object_set_new(attrs, "image", json_string(rt_json_str(json_object_get(c->doc, "Config"), "Image", "")));
    json_object_set_new(attrs, "name", json_string(name[0] == '/' ? name + 1 : name));
    rt_events_publish(g_engine->events, "container", action, c->id, attrs);
}

int rt_ctr_kill_for_remove(struct rt_ctr_store *s, const char *id, struct rt_err *err)
{
    /* 409 = it stopped meanwhile: nothing to kill */
    if (rt_shims_kill(s, id, SIGKILL, err) < 0 && err->cls != RT_ERR_CONFLICT) return -1;
    rt_err_clear(err);
    int code;
    return rt_shims_wait(s, id, RT_WAIT_NOT_RUNNING, &code, err);
}
