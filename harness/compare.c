#include "harness/compare.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/observe.h"
#include "harness/runner.h"
#include "jsonutil.h"

const char *rt_change_name(enum rt_change c)
{
    static const char *const names[] = {"regression", "fix", "new", "removed", "changed"};
    return (unsigned)c < RT_CHG_COUNT ? names[c] : "?";
}

/* Conforming results: a pass, or a known failure that still fails. */
static bool good(const char *o) { return !strcmp(o, "PASS") || !strcmp(o, "FLAKY") || !strcmp(o, "XFAIL"); }
static bool bad(const char *o) { return !strcmp(o, "FAIL") || !strcmp(o, "ERROR") || !strcmp(o, "XPASS"); }

/* id -> test object; NULL if DOC is not a results.json. */
static json_t *index_tests(const json_t *doc, const char *name, char *err, size_t len)
{
    json_t *tests = json_object_get(doc, "tests");
    if (!json_is_object(doc) || !json_is_integer(json_object_get(doc, "schema")) || !json_is_array(tests)) {
        snprintf(err, len, "%s: not a results.json (needs \"schema\" and a \"tests\" array)", name);
        return NULL;
    }
    json_t *idx = json_object(), *t;
    size_t i;
    json_array_foreach(tests, i, t) {
        const char *id = rt_json_str(t, "id", NULL), *oc = rt_json_str(t, "outcome", NULL);
        if (!id || !oc || rt_outcome_parse(oc) < 0) {
            snprintf(err, len, "%s: tests[%zu]: needs a string \"id\" and a known \"outcome\"", name, i);
            json_decref(idx);
            return NULL;
        }
        json_object_set(idx, id, t);
    }
    return idx;
}

int rt_compare(const json_t *a, const json_t *b, FILE *out, struct rt_compare_counts *c, char *err, size_t len)
{
    memset(c, 0, sizeof *c);
    json_t *ia = index_tests(a, "A", err, len);
    if (!ia) return -1;
    json_t *ib = index_tests(b, "B", err, len);
    if (!ib) {
        json_decref(ia);
        return -1;
    }
    /* Walk A's order, then B's new tests, so output is stable. */
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(a, "tests"), i, t) {
        const char *id = rt_json_str(t, "id", ""), *oa = rt_json_str(t, "outcome", "");
        json_t *tb = json_object_get(ib, id);
        enum rt_change ch;
        const char *ob = tb ? rt_json_str(tb, "outcome", "") : "";
        if (!tb) ch = RT_CHG_REMOVED;
        else if (!strcmp(oa, ob)) { c->same++; continue; }
        else if (good(oa) && bad(ob)) ch = RT_CHG_REGRESSION;
        else if (bad(oa) && good(ob)) ch = RT_CHG_FIX;
        else ch = RT_CHG_OTHER;
        c->n[ch]++;
        if (out) {
            fprintf(out, "%-10s %-16s %s -> %s", rt_change_name(ch), id, oa, tb ? ob : "(absent)");
            if (tb && bad(ob)) fprintf(out, ": %s", rt_json_str(tb, "message", ""));
            fputc('\n', out);
        }
    }
    json_array_foreach(json_object_get(b, "tests"), i, t) {
        const char *id = rt_json_str(t, "id", "");
        if (json_object_get(ia, id)) continue;
        c->n[RT_CHG_NEW]++;
        if (out) fprintf(out, "%-10s %-16s (absent) -> %s\n", "new", id, rt_json_str(t, "outcome", ""));
    }
    json_decref(ia);
    json_decref(ib);
    return 0;
}

int rt_compare_files(const char *pa, const char *pb, FILE *out)
{
    char err[512];
    json_t *a = rt_json_load_file(pa, 256 << 20, err, sizeof err);
    if (!a) {
        fprintf(stderr, "rtconform compare: %s: %s\n", pa, err);
        return 99;
    }
    json_t *b = rt_json_load_file(pb, 256 << 20, err, sizeof err);
    if (!b) {
        fprintf(stderr, "rtconform compare: %s: %s\n", pb, err);
        json_decref(a);
        return 99;
    }
    struct rt_compare_counts c;
    int rc = rt_compare(a, b, out, &c, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "rtconform compare: %s\n", err);
        rc = 99;
    } else {
        fprintf(out, "# %zu regressions, %zu fixes, %zu new, %zu removed, %zu other changes, %zu unchanged\n",
                c.n[RT_CHG_REGRESSION], c.n[RT_CHG_FIX], c.n[RT_CHG_NEW], c.n[RT_CHG_REMOVED], c.n[RT_CHG_OTHER],
                c.same);
        rc = c.n[RT_CHG_REGRESSION] ? 1 : 0;
    }
    json_decref(a);
    json_decref(b);
    return rc;
}

/* ---- observables ---------------------------------------------------------- */

static bool ran(const char *o) { return strcmp(o, "SKIP") != 0 && strcmp(o, "DISABLED") != 0; }

char *rt_run_label(const json_t *doc)
{
    json_t *t = json_object_get(doc, "target");
    char *s = NULL;
    if (asprintf(&s, "%s %s", rt_json_str(t, "kind", "?"), rt_json_str(t, "engine_version", "(version unknown)")) < 0)
        return NULL;
    return s;
}

/* Count a test that did not run on SIDE, grouped by outcome + message. */
static void not_run(json_t *groups, const char *side, const json_t *t)
{
    const char *oc = t ? rt_json_str(t, "outcome", "?") : "absent";
    const char *msg = t ? rt_json_str(t, "message", "") : "";
    json_t *g;
    size_t i;
    json_array_foreach(groups, i, g) {
        if (!strcmp(rt_json_str(g, "side", ""), side) && !strcmp(rt_json_str(g, "outcome", ""), oc) &&
            !strcmp(rt_json_str(g, "message", ""), msg)) {
            json_object_set_new(g, "count", json_integer(json_integer_value(json_object_get(g, "count")) + 1));
            return;
        }
    }
    json_array_append_new(groups, json_pack("{s:s,s:s,s:s,s:i}", "side", side, "outcome", oc, "message", msg,
                                            "count", 1));
}

/* One value column: short values side by side, long ones on two lines. */
static void print_keys(FILE *out, const json_t *keys)
{
    json_t *k;
    size_t i;
    json_array_foreach(keys, i, k) {
        const char *va = json_is_string(json_object_get(k, "a")) ? json_string_value(json_object_get(k, "a"))
                                                                  : "(not recorded)";
        const char *vb = json_is_string(json_object_get(k, "b")) ? json_string_value(json_object_get(k, "b"))
                                                                  : "(not recorded)";
        const char *key = rt_json_str(k, "key", "?");
        if (strlen(va) <= 36 && strlen(vb) <= 36 && !strchr(va, '\n') && !strchr(vb, '\n'))
            fprintf(out, "  %-13s A: %-36s | B: %s\n", key, va, vb);
        else
            fprintf(out, "  %-13s A: %s\n  %-13s B: %s\n", key, va, "", vb);
    }
}

json_t *rt_compare_observables(const json_t *a, const json_t *b, FILE *out, struct rt_obs_counts *c, char *err,
                               size_t len)
{
    memset(c, 0, sizeof *c);
    json_t *ia = index_tests(a, "A", err, len);
    if (!ia) return NULL;
    json_t *ib = index_tests(b, "B", err, len);
    if (!ib) {
        json_decref(ia);
        return NULL;
    }
    char *la = rt_run_label(a), *lb = rt_run_label(b);
    json_t *tests = json_array(), *groups = json_array(), *t;
    size_t i;
    json_array_foreach(json_object_get(a, "tests"), i, t) {
        const char *id = rt_json_str(t, "id", "");
        json_t *tb = json_object_get(ib, id);
        const char *oa = rt_json_str(t, "outcome", ""), *ob = tb ? rt_json_str(tb, "outcome", "") : "absent";
        if (!ran(oa) || !tb || !ran(ob)) {
            c->not_compared++;
            if (!ran(oa)) not_run(groups, "A", t);
            if (!tb || !ran(ob)) not_run(groups, "B", tb);
            continue;
        }
        c->compared++;
        json_t *keys = rt_observe_diff(json_object_get(t, "observables"), json_object_get(tb, "observables"));
        if (!json_array_size(keys)) {
            json_decref(keys);
            continue;
        }
        c->differing++;
        json_array_append_new(tests, json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "level", rt_json_str(t, "level", "?"),
                                               "a_outcome", oa, "b_outcome", ob, "keys", keys));
    }
    json_array_foreach(json_object_get(b, "tests"), i, t) {
        if (json_object_get(ia, rt_json_str(t, "id", ""))) continue;
        c->not_compared++;
        not_run(groups, "A", NULL);
    }
    if (out) {
        fprintf(out, "# observables: A = %s, B = %s\n", la ? la : "?", lb ? lb : "?");
        json_array_foreach(tests, i, t) {
            fprintf(out, "%-16s %-6s A %-7s B %s\n", rt_json_str(t, "id", ""), rt_json_str(t, "level", ""),
                    rt_json_str(t, "a_outcome", ""), rt_json_str(t, "b_outcome", ""));
            print_keys(out, json_object_get(t, "keys"));
        }
        json_array_foreach(groups, i, t) {
            const char *m = rt_json_str(t, "message", "");
            fprintf(out, "# not compared: %lld test(s) %s in %s%s%s\n", (long long)json_integer_value(json_object_get(t, "count")),
                    rt_json_str(t, "outcome", ""), rt_json_str(t, "side", ""), *m ? ": " : "", m);
        }
        fprintf(out, "# %zu tests with differing observables, %zu the same, %zu not compared\n", c->differing,
                c->compared - c->differing, c->not_compared);
        if (!c->compared)
            fprintf(out, "# NOTHING COMPARED: no test ran in both runs; this is not a sign of equality\n");
    }
    json_t *doc = json_pack("{s:s,s:s,s:I,s:I,s:I,s:o,s:o}", "a", la ? la : "?", "b", lb ? lb : "?", "compared",
                            (json_int_t)c->compared, "differing", (json_int_t)c->differing, "not_compared",
                            (json_int_t)c->not_compared, "tests", tests, "not_run", groups);
    free(la), free(lb);
    json_decref(ia);
    json_decref(ib);
    return doc;
}

int rt_compare_observables_files(const char *pa, const char *pb, FILE *out)
{
    char err[512];
    json_t *a = rt_json_load_file(pa, 256 << 20, err, sizeof err);
    if (!a) {
        fprintf(stderr, "rtconform compare: %s: %s\n", pa, err);
        return 99;
    }
    json_t *b = rt_json_load_file(pb, 256 << 20, err, sizeof err);
    if (!b) {
        fprintf(stderr, "rtconform compare: %s: %s\n", pb, err);
        json_decref(a);
        return 99;
    }
    int rc = rt_compare_files(pa, pb, out);
    struct rt_obs_counts c;
    json_t *d = rc == 99 ? NULL : rt_compare_observables(a, b, out, &c, err, sizeof err);
    if (rc != 99 && !d) {
        fprintf(stderr, "rtconform compare: %s\n", err);
        rc = 99;
    } else if (d) {
        if (c.differing) rc = 1;
        else if (!c.compared && rc == 0) rc = 77;
    }
    json_decref(d);
    json_decref(a);
    json_decref(b);
    return rc;
}
