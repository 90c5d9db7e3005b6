/* results.json: the stable, versioned record of a run. */
#include <stdlib.h>
#include <string.h>

#include "harness/report.h"

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *name_list(const char *csv)
{
    json_t *a = json_array();
    char *dup = strdup(csv);
    for (char *save = NULL, *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(a, json_string(t));
    free(dup);
    return a;
}

static json_t *expect_json(const struct rt_expect_entry *e)
{
    if (!e) return json_null();
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "outcome", rt_expect_kind_name(e->kind), "reason_class",
                     e->reason_class, "reason", e->reason, "link", e->link, "expires", e->expires, "expired",
                     e->expired);
}

/* Shell single-quote S for a reproduce command. */
static void squote(char *out, size_t len, const char *s)
{
    size_t at = 0;
    if (at < len) out[at++] = '\'';
    for (; *s && at + 5 < len; s++) {
        if (*s == '\'') {
            memcpy(out + at, "'\\''", 4);
            at += 4;
        } else {
            out[at++] = *s;
        }
    }
    if (at < len) out[at++] = '\'';
    out[at < len ? at : len - 1] = '\0';
}

json_t *rt_result_json(const struct rt_result *r, const char *reproduce)
{
    const struct rt_test *t = r->test;
    char prof[128], caps[128], focus[96], q[128], repro[4096];
    const struct rt_suite *s = rt_registry_suite_of(t);
    snprintf(focus, sizeof focus, "^%s$", t->id);
    squote(q, sizeof q, focus);
    snprintf(repro, sizeof repro, "%s --focus %s", reproduce ? reproduce : "rtconform run", q);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(t->id));
    json_object_set_new(o, "suite", json_string(s ? s->name : "?"));
    json_object_set_new(o, "desc", json_string(t->desc));
    json_object_set_new(o, "level", json_string(rt_level_name(t->level)));
    json_object_set_new(o, "profiles", name_list(rt_profiles_str(t->profiles, prof, sizeof prof)));
    json_object_set_new(o, "caps", name_list(rt_caps_str(t->caps, caps, sizeof caps)));
    json_object_set_new(o, "spec", json_string(t->spec));
    json_object_set_new(o, "outcome", json_string(rt_outcome_name(r->outcome)));
    json_t *msg = r->message ? json_string(r->message) : json_null();
    json_object_set_new(o, "message", msg ? msg : json_string("(message not UTF-8)"));
    json_object_set_new(o, "duration_s", json_real((double)(long long)(r->seconds * 1000) / 1000.0));
    json_object_set_new(o, "attempts", json_integer(r->attempts));
    json_object_set_new(o, "artifacts", str_or_null(r->artifacts));
    json_object_set_new(o, "reproduce", json_string(repro));
    json_object_set_new(o, "expectation", expect_json(r->expect));
    json_object_set_new(o, "details", r->details ? json_incref(r->details) : json_null());
    json_object_set_new(o, "observables", r->observables ? json_incref(r->observables) : json_object());
    return o;
}

json_t *rt_results_json(const struct rt_run_meta *m, const struct rt_result *res, size_t n)
{
    size_t counts[RT_OUTCOME_COUNT] = {0};
    json_t *tests = json_array(), *by_level = json_object();
    for (size_t i = 0; i < n; i++) {
        counts[res[i].outcome]++;
        json_array_append_new(tests, rt_result_json(&res[i], m->reproduce));
        const char *lv = rt_level_name(res[i].test->level);
        json_t *l = json_object_get(by_level, lv);
        if (!l) {
            l = json_object();
            for (int k = 0; k < RT_OUTCOME_COUNT; k++) json_object_set_new(l, rt_outcome_name(k), json_integer(0));
            json_object_set_new(by_level, lv, l);
        }
        const char *on = rt_outcome_name(res[i].outcome);
        json_object_set_new(l, on, json_integer(json_integer_value(json_object_get(l, on)) + 1));
    }
    json_t *c = json_object();
    for (int k = 0; k < RT_OUTCOME_COUNT; k++) json_object_set_new(c, rt_outcome_name(k), json_integer((json_int_t)counts[k]));
    json_object_set_new(c, "total", json_integer((json_int_t)n));
    int rc = rt_exit_code(counts, m->xpass_ok);
    const char *verdict = rc == 0 ? "CONFORMS" : rc == 1 ? "DOES NOT CONFORM" : rc == 77 ? "NOTHING RAN" : "HARNESS ERROR";
    json_t *exp = json_null();
    if (m->expect)
        exp = json_pack("{s:s,s:s,s:i}", "file", m->expect->path, "target", m->expect->target, "entries",
                        (int)m->expect->n);
    json_t *doc = json_object();
    json_object_set_new(doc, "schema", json_integer(RT_RESULTS_SCHEMA));
    json_object_set_new(doc, "harness", json_pack("{s:s,s:s}", "name", "rtconform", "version", RT_VERSION));
    json_object_set_new(doc, "started", str_or_null(m->started));
    json_object_set_new(doc, "finished", str_or_null(m->finished));
    json_object_set_new(doc, "seed", json_integer((json_int_t)m->seed));
    json_object_set_new(doc, "profile", str_or_null(m->profile));
    json_object_set_new(doc, "target", m->target ? json_incref(m->target) : json_object());
    json_object_set_new(doc, "expectations", exp);
    json_object_set_new(doc, "xpass_ok", json_boolean(m->xpass_ok));
    json_object_set_new(doc, "verdict", json_string(verdict));
    json_object_set_new(doc, "exit_code", json_integer(rc));
    json_object_set_new(doc, "counts", c);
    json_object_set_new(doc, "counts_by_level", by_level);
    json_object_set_new(doc, "warnings", m->warnings ? json_incref(m->warnings) : json_array());
    json_object_set_new(doc, "tests", tests);
    return doc;
}
