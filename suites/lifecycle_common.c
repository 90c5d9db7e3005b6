/* Helpers of the start and shims suites (lifecycle_common.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/testlib.h"
#include "journal.h"
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
    ck_assert_msg(json_is_null(json_object_get(r.json, "Error")), "wait: Error is not null: %s", r.body);
    int v = (int)json_integer_value(code);
    rt_http_resp_free(&r);
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
