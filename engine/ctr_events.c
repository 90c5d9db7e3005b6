/* Container events with dockerd's attributes (daemon/events.go: image,
 * name and the container's labels; action-specific extras on top). */
#include "engine/ctr_events.h"

#include <stdio.h>

#include "engine/containers.h"
#include "engine/containers_rt.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/logs.h"
#include "jsonutil.h"

void rt_ctr_event_id(const char *id, const char *action, json_t *extra)
{
    struct rt_ctr_store *s = rt_ctr_store_default();
    json_t *v = s ? rt_ctr_view(s, id, NULL) : NULL;
    struct rt_engine *e = rt_ctr_engine();
    struct rt_events *bus = e ? e->events : NULL;
    if (!v || !bus) {
        json_decref(v);
        json_decref(extra);
        return;
    }
    json_t *attrs = json_object();
    const json_t *cfg = json_object_get(v, "Config");
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)json_object_get(cfg, "Labels"), k, x)
        if (json_is_string(x)) json_object_set(attrs, k, x);
    const char *name = rt_json_str(v, "Name", "");
    json_object_set_new(attrs, "image", json_string(rt_json_str(cfg, "Image", "")));
    json_object_set_new(attrs, "name", json_string(name[0] == '/' ? name + 1 : name));
    if (extra) json_object_update(attrs, extra);
    json_decref(extra);
    rt_events_publish(bus, "container", action, rt_json_str(v, "Id", id), attrs);
    json_decref(v);
}

void rt_ctr_kill_event(const char *id, int sig)
{
    char num[16];
    snprintf(num, sizeof num, "%d", sig);
    rt_ctr_event_id(id, "kill", json_pack("{s:s}", "signal", num));
}

void rt_ctr_die_event(const char *id, int exit_code)
{
    struct rt_ctr_store *s = rt_ctr_store_default();
    json_t *v = s ? rt_ctr_view(s, id, NULL) : NULL;
    long long started = 0;
    long long dur = 0;
    if (v && rt_logs_parse_time(rt_json_str(json_object_get(v, "State"), "StartedAt", ""), &started) == 0 && started > 0)
        dur = (rt_events_now_ns() - started) / 1000000000LL;
    json_decref(v);
    char code[16], secs[24];
    snprintf(code, sizeof code, "%d", exit_code);
    snprintf(secs, sizeof secs, "%lld", dur < 0 ? 0 : dur);
    rt_ctr_event_id(id, "die", json_pack("{s:s,s:s}", "exitCode", code, "execDuration", secs));
}
