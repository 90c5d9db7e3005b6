/* Helpers of the start and shims suites (lifecycle_common.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/events_await.h"
#include "harness/observe.h"
#include "harness/testlib.h"
#include "journal.h"
#include "jsonutil.h"
#include "suites/ctr_common.h"
#include "suites/lifecycle_common.h"

void rt_lc_setup(void)
{
    rt_require(RT_CAP_OWN_DAEMON | RT_CAP_FAKE_SHIMS);
    rt_engine_start_ok(NULL);
    rt_ct_import_ok();
}

char *rt_lc_create(const char *runtime, const char *script, const char *annotations)
{
    json_t *hc = json_object();
    if (runtime) json_object_set_new(hc, "Runtime", json_string(runtime));
    if (annotations) json_object_set_new(hc, "Annotations", json_loads(annotations, 0, NULL));
    return rt_lc_create_hc(script, hc);
}

char *rt_lc_run(const char *runtime, const char *script)
{
    char *id = rt_lc_create(runtime, script, NULL);
    rt_ct_start_ok(id);
    return id;
}

char *rt_lc_create_hc(const char *script, json_t *hc)
{
    json_t *body = json_pack("{s:s,s:[s,s,s],s:[s],s:o}", "Image", RT_CT_IMAGE, "Cmd", "/bin/sh", "-c", script,
                             "Env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HostConfig", hc);
    char *text = json_dumps(body, JSON_COMPACT);
    char *id = rt_ct_create_ok(NULL, text);
    free(text);
    json_decref(body);
    return id;
}

int rt_lc_wait(const char *id)
{
    char path[256];
    snprintf(path, sizeof path, "/containers/%s/wait", id);
    struct rt_http_resp r = {0};
    rt_api("POST", path, NULL, &r);
    ck_assert_msg(r.status == 200, "wait: HTTP %ld %s", r.status, r.body ? r.body : "");
    json_t *code = json_object_get(r.json, "StatusCode");
    ck_assert_msg(json_is_integer(code), "wait: no StatusCode in %s", r.body);
    /* dockerd 26 omits a nil Error (omitempty); null is the same */
    const json_t *werr = json_object_get(r.json, "Error");
    ck_assert_msg(!werr || json_is_null(werr), "wait: Error is set: %s", r.body);
    int v = (int)json_integer_value(code);
    rt_http_resp_free(&r);
    rt_observe("exit_code", "%d", v);
    return v;
}

json_t *rt_lc_journal(const char *component, const char *method, const char *id)
{
    json_t *all = rt_journal_read(rt_t.sb->journal);
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(all, i, e) {
        const char *c = json_string_value(json_object_get(e, "component"));
        const char *m = json_string_value(json_object_get(e, "method"));
        const char *eid = json_string_value(json_object_get(e, "id"));
        if (c && m && !strcmp(c, component) && !strcmp(m, method) && (!id || (eid && !strcmp(eid, id))))
            json_array_append(out, e);
    }
    json_decref(all);
    return out;
}

/* The shim binary and the runtime options it was started with. */
static void observe_shim(const json_t *e)
{
    rt_observe("shim", "%s", rt_lc_basename(rt_json_str(e, "argv0", "")));
    json_t *o = json_object();
    static const char *const keys[] = {"type_url", "binary_name", "root", "config_path", "config_body"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(e, keys[i])) json_object_set(o, keys[i], json_object_get(e, keys[i]));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    rt_observe("shim_options", "%s", s ? s : "?");
    free(s);
    json_decref(o);
}

json_t *rt_lc_shim_start(const char *id)
{
    json_t *starts = rt_lc_journal("shim", "start", id);
    ck_assert_msg(json_array_size(starts) == 1, "expected one shim start for %s, journal has %zu", id,
                  json_array_size(starts));
    json_t *e = json_incref(json_array_get(starts, 0));
    json_decref(starts);
    observe_shim(e);
    return e;
}

const char *rt_lc_basename(const char *path)
{
    const char *s = strrchr(path ? path : "", '/');
    return s ? s + 1 : (path ? path : "");
}

void rt_lc_assert_created(const char *id, int exit_code, const char *error)
{
    json_t *v = rt_ct_inspect(id);
    json_t *st = json_object_get(v, "State");
    ck_assert_str_eq(rt_json_str(st, "Status", ""), "created");
    ck_assert_int_eq(rt_json_int(st, "ExitCode", -1), exit_code);
    ck_assert_str_eq(rt_json_str(st, "Error", "(none)"), error);
    json_decref(v);
}

void rt_lc_assert_missing_shim(const char *runtime, const char *binary)
{
    rt_lc_setup();
    char *id = rt_lc_create(runtime, "exit 0", NULL);
    struct rt_http_resp r = {0};
    rt_ct_start(id, &r);
    rt_ct_skip_without_shims(&r);
    char msg[1024];
    snprintf(msg, sizeof msg,
             "failed to create task for container: failed to start shim: failed to resolve runtime path: runtime "
             "\"%s\" binary not installed \"%s\": file does not exist: unknown", runtime, binary);
    rt_ct_assert_error(&r, 500, msg);
    rt_http_resp_free(&r);
    rt_lc_assert_created(id, 128, msg);
    free(id);
}

/* exec_die EV is the one of exec ARG. */
static int is_exec(json_t *ev, void *eid)
{
    return !strcmp(rt_event_attr(ev, "execID"), eid);
}

json_t *rt_lc_exec_finished(const char *eid)
{
    char path[256];
    snprintf(path, sizeof path, "/exec/%s/json", eid);
    struct rt_evmark mark = rt_events_mark();
    json_t *v = rt_api_get_json(path);
    if (rt_json_bool(v, "Running", 1) || !json_is_integer(json_object_get(v, "ExitCode"))) {
        char filt[512], what[300];
        rt_events_ctr_filters(filt, sizeof filt, rt_json_str(v, "ContainerID", ""), "exec_die");
        snprintf(what, sizeof what, "the exec_die event of exec %s", eid);
        json_decref(rt_events_await(&mark, filt, is_exec, (void *)eid, 10000, what));
        json_decref(v);
        v = rt_api_get_json(path);
    }
    ck_assert_msg(!rt_json_bool(v, "Running", 1) && json_is_integer(json_object_get(v, "ExitCode")),
                  "exec %s: exec_die seen, but inspect says %s", eid, json_dumps(v, JSON_COMPACT));
    return v;
}
