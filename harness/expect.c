#include "harness/expect.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "jsonutil.h"

#define RT_EXPECT_SCHEMA 1

static const char *const kind_names[] = {"fail", "skip", "flaky"};
static const char *const reason_classes[] = {"engine-bug", "environment", "test-bug"};

const char *rt_expect_kind_name(enum rt_expect_kind k)
{
    return (unsigned)k < 3 ? kind_names[k] : "?";
}

bool rt_expect_valid_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    int max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= max;
}

static void errf(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

/* A required non-empty string field of entry I. */
static const char *req_str(json_t *ent, size_t i, const char *id, const char *field, const char *name,
                           char *err, size_t len)
{
    json_t *v = json_object_get(ent, field);
    if (!v) {
        errf(err, len, "%s: entries[%zu] (%s): missing required field \"%s\"", name, i, id, field);
        return NULL;
    }
    if (!json_is_string(v) || !*json_string_value(v)) {
        errf(err, len, "%s: entries[%zu] (%s): field \"%s\" must be a non-empty string, got %s", name, i,
             id, field, json_is_string(v) ? "\"\"" : rt_json_kind(v));
        return NULL;
    }
    return json_string_value(v);
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, list[i])) return true;
    return false;
}

static bool parse_entry(json_t *ent, size_t i, const char *name, const char *today, struct rt_expect_entry *out,
                        char *err, size_t len)
{
    if (!json_is_object(ent)) {
        errf(err, len, "%s: entries[%zu]: must be an object, got %s", name, i, rt_json_kind(ent));
        return false;
    }
    static const char *const allowed[] = {"id", "outcome", "reason_class", "reason", "link", "expires"};
    const char *key;
    json_t *val;
    const char *idv = rt_json_str(ent, "id", "?");
    json_object_foreach(ent, key, val) {
        if (!in_list(key, allowed, 6)) {
            errf(err, len, "%s: entries[%zu] (%s): unknown field \"%s\" (allowed: id, outcome, reason_class, reason, link, expires)",
                 name, i, idv, key);
            return false;
        }
    }
    const char *id = req_str(ent, i, idv, "id", name, err, len);
    if (!id) return false;
    regex_t re;
    regcomp(&re, "^RT-[A-Z0-9]+-[0-9]{3}$", REG_EXTENDED | REG_NOSUB);
    bool idok = regexec(&re, id, 0, NULL, 0) == 0;
    regfree(&re);
    if (!idok) {
        errf(err, len, "%s: entries[%zu] (%s): field \"id\" must look like RT-<AREA>-NNN", name, i, id);
        return false;
    }
    const char *oc = req_str(ent, i, id, "outcome", name, err, len);
    if (!oc) return false;
    if (!in_list(oc, kind_names, 3)) {
        errf(err, len, "%s: entries[%zu] (%s): field \"outcome\" must be one of fail, skip, flaky; got \"%s\"",
             name, i, id, oc);
        return false;
    }
    const char *rc = req_str(ent, i, id, "reason_class", name, err, len);
    if (!rc) return false;
    if (!in_list(rc, reason_classes, 3)) {
        errf(err, len, "%s: entries[%zu] (%s): field \"reason_class\" must be one of engine-bug, environment, test-bug; got \"%s\"",
             name, i, id, rc);
        return false;
    }
    const char *reason = req_str(ent, i, id, "reason", name, err, len);
    const char *link = reason ? req_str(ent, i, id, "link", name, err, len) : NULL;
    const char *exp = link ? req_str(ent, i, id, "expires", name, err, len) : NULL;
    if (!exp) return false;
    if (!rt_expect_valid_date(exp)) {
        errf(err, len, "%s: entries[%zu] (%s): field \"expires\" must be a date YYYY-MM-DD, got \"%s\"", name, i,
             id, exp);
        return false;
    }
    out->id = strdup(id);
    out->kind = !strcmp(oc, "fail") ? RT_EXPECT_FAIL : !strcmp(oc, "skip") ? RT_EXPECT_SKIP : RT_EXPECT_FLAKY;
    out->reason_class = strdup(rc);
    out->reason = strdup(reason);
    out->link = strdup(link);
    out->expires = strdup(exp);
    out->expired = strcmp(exp, today) < 0;
    return true;
}

struct rt_expect *rt_expect_parse(const char *text, size_t tlen, const char *name, const char *today,
                                  char *err, size_t len)
{
    char todaybuf[16];
    if (!today) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(todaybuf, sizeof todaybuf, "%Y-%m-%d", &tm);
        today = todaybuf;
    }
    char jerr[256];
    json_t *root = rt_json_parse(text, tlen, jerr, sizeof jerr);
    if (!root) {
        errf(err, len, "%s: not valid JSON: %s", name, jerr);
        return NULL;
    }
    struct rt_expect *e = calloc(1, sizeof *e);
    e->path = strdup(name);
    const char *key;
    json_t *val;
    if (!json_is_object(root)) {
        errf(err, len, "%s: the top level must be an object, got %s", name, rt_json_kind(root));
        goto bad;
    }
    static const char *const allowed[] = {"schema", "target", "description", "entries"};
    json_object_foreach(root, key, val) {
        if (!in_list(key, allowed, 4)) {
            errf(err, len, "%s: unknown top-level field \"%s\" (allowed: schema, target, description, entries)",
                 name, key);
            goto bad;
        }
    }
    json_t *schema = json_object_get(root, "schema");
    if (!json_is_integer(schema) || json_integer_value(schema) != RT_EXPECT_SCHEMA) {
        errf(err, len, "%s: field \"schema\" must be the number %d", name, RT_EXPECT_SCHEMA);
        goto bad;
    }
    json_t *target = json_object_get(root, "target");
    if (!json_is_string(target) || !*json_string_value(target)) {
        errf(err, len, "%s: field \"target\" must be a non-empty string", name);
        goto bad;
    }
    e->target = strdup(json_string_value(target));
    json_t *desc = json_object_get(root, "description");
    if (desc && !json_is_string(desc)) {
        errf(err, len, "%s: field \"description\" must be a string", name);
        goto bad;
    }
    json_t *ents = json_object_get(root, "entries");
    if (!json_is_array(ents)) {
        errf(err, len, "%s: field \"entries\" must be an array%s", name, ents ? "" : " (missing)");
        goto bad;
    }
    e->entries = calloc(json_array_size(ents) + 1, sizeof *e->entries);
    size_t i;
    json_array_foreach(ents, i, val) {
        if (!parse_entry(val, i, name, today, &e->entries[e->n], err, len)) goto bad;
        e->n++;
        for (size_t k = 0; k + 1 < e->n; k++)
            if (!strcmp(e->entries[k].id, e->entries[e->n - 1].id)) {
                errf(err, len, "%s: entries[%zu] (%s): duplicate id (also entries[%zu])", name, i,
                     e->entries[e->n - 1].id, k);
                goto bad;
            }
    }
    json_decref(root);
    return e;
bad:
    json_decref(root);
    rt_expect_free(e);
    return NULL;
}

struct rt_expect *rt_expect_load(const char *path, const char *today, char *err, size_t len)
{
    size_t n;
    char *text = rt_read_file(path, 4 << 20, &n);
    if (!text) {
        errf(err, len, "%s: cannot read: %s", path, rt_strerror(errno));
        return NULL;
    }
    struct rt_expect *e = rt_expect_parse(text, n, path, today, err, len);
    free(text);
    return e;
}

const struct rt_expect_entry *rt_expect_find(const struct rt_expect *e, const char *id)
{
    for (size_t i = 0; e && i < e->n; i++)
        if (!strcmp(e->entries[i].id, id)) return &e->entries[i];
    return NULL;
}

void rt_expect_free(struct rt_expect *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n; i++) {
        struct rt_expect_entry *x = &e->entries[i];
        free(x->id), free(x->reason_class), free(x->reason), free(x->link), free(x->expires);
    }
    free(e->entries);
    free(e->path);
    free(e->target);
    free(e);
}
