#include "harness/compare.h"

#include <stdbool.h>
#include <string.h>

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
