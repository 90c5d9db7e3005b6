/* /containers routes: create, list, inspect, remove, start (up to the shim). */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/api/http.h"
#include "engine/containers.h"
#include "jsonutil.h"

static struct rt_ctr_store *store(struct rt_resp *resp)
{
    struct rt_ctr_store *s = rt_ctr_store_default();
    if (!s) rt_resp_error(resp, RT_ERR_UNAVAILABLE, "container store not ready");
    return s;
}

static void reply_err(struct rt_resp *resp, struct rt_err *err)
{
    if (err->cls == RT_ERR_NOT_MODIFIED)
        rt_resp_status(resp, 304);
    else
        rt_resp_err(resp, err);
    rt_err_clear(err);
}

static void create(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = store(resp);
    if (!s) return;
    char perr[256];
    json_t *body = req->body_len ? rt_json_parse(req->body, req->body_len, perr, sizeof perr) : NULL;
    if (req->body_len && !body) {
        rt_resp_error(resp, RT_ERR_INVALID, "invalid JSON: %s", perr);
        return;
    }
    struct rt_err err = {0};
    json_t *warnings = NULL;
    char *id = rt_ctr_create(s, rt_req_query(req, "name"), body, &warnings, &err);
    json_decref(body);
    if (!id) {
        json_decref(warnings);
        reply_err(resp, &err);
        return;
    }
    rt_resp_json(resp, 201, json_pack("{s:s,s:o}", "Id", id, "Warnings", warnings ? warnings : json_array()));
    free(id);
}

/* Go's time.Time text -> unix seconds. */
static long long unix_of(const char *rfc)
{
    struct tm tm = {0};
    if (!rfc || !strptime(rfc, "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    return (long long)timegm(&tm);
}

/* go-units HumanDuration. */
static void human(long long secs, char *out, size_t len)
{
    long long m = secs / 60, h = m / 60;
    if (secs < 1) snprintf(out, len, "Less than a second");
    else if (secs == 1) snprintf(out, len, "1 second");
    else if (secs < 60) snprintf(out, len, "%lld seconds", secs);
    else if (m == 1) snprintf(out, len, "About a minute");
    else if (m < 60) snprintf(out, len, "%lld minutes", m);
    else if (h == 1) snprintf(out, len, "About an hour");
    else if (h < 48) snprintf(out, len, "%lld hours", h);
    else if (h < 24 * 7 * 2) snprintf(out, len, "%lld days", h / 24);
    else if (h < 24 * 30 * 2) snprintf(out, len, "%lld weeks", h / 24 / 7);
    else if (h < 24 * 365 * 2) snprintf(out, len, "%lld months", h / 24 / 30);
    else snprintf(out, len, "%lld years", h / 24 / 365);
}

static json_t *status_text(const json_t *st)
{
    const char *s = rt_json_str(st, "Status", "");
    long long now = (long long)time(NULL);
    char d[64], out[160];
    if (!strcmp(s, "running") || !strcmp(s, "paused")) {
        human(now - unix_of(rt_json_str(st, "StartedAt", "")), d, sizeof d);
        snprintf(out, sizeof out, "Up %s%s", d, !strcmp(s, "paused") ? " (Paused)" : "");
    } else if (!strcmp(s, "restarting")) {
        human(now - unix_of(rt_json_str(st, "FinishedAt", "")), d, sizeof d);
        snprintf(out, sizeof out, "Restarting (%lld) %s ago", rt_json_int(st, "ExitCode", 0), d);
    } else if (!strcmp(s, "removing")) {
        snprintf(out, sizeof out, "Removal In Progress");
    } else if (!strcmp(s, "dead")) {
        snprintf(out, sizeof out, "Dead");
    } else if (!strcmp(s, "created")) {
        snprintf(out, sizeof out, "Created");
    } else {
        human(now - unix_of(rt_json_str(st, "FinishedAt", "")), d, sizeof d);
        snprintf(out, sizeof out, "Exited (%lld) %s ago", rt_json_int(st, "ExitCode", 0), d);
    }
    return json_string(out);
}

static json_t *list_entry(const json_t *v)
{
    const json_t *cfg = json_object_get(v, "Config"), *st = json_object_get(v, "State");
    /* Command: path and args joined by spaces, as dockerd shows it */
    size_t cap = 256, n = 0;
    char *cmd = calloc(1, cap);
    const char *path = rt_json_str(v, "Path", "");
    json_t *args = json_object_get(v, "Args"), *a;
    size_t i;
    for (size_t k = 0; cmd && k <= json_array_size(args); k++) {
        const char *w = k == 0 ? path : json_string_value(json_array_get(args, k - 1));
        if (!w) continue;
        size_t wl = strlen(w);
        if (n + wl + 2 > cap) {
            cap = (n + wl + 2) * 2;
            char *nc = realloc(cmd, cap);
            if (!nc) break;
            cmd = nc;
        }
        if (n) cmd[n++] = ' ';
        memcpy(cmd + n, w, wl);
        n += wl;
        cmd[n] = '\0';
    }
    (void)a, (void)i;
    json_t *labels = json_object_get(cfg, "Labels");
    json_t *e = json_pack("{s:s,s:[s],s:s,s:s,s:s,s:I,s:[],s:o,s:s,s:o,s:{s:s},s:{s:o},s:[]}",
                          "Id", rt_json_str(v, "Id", ""), "Names", rt_json_str(v, "Name", ""), "Image",
                          rt_json_str(cfg, "Image", ""), "ImageID", rt_json_str(v, "Image", ""), "Command",
                          cmd ? cmd : "", "Created", (json_int_t)unix_of(rt_json_str(v, "Created", "")),
                          "Ports", "Labels", json_is_object(labels) ? json_deep_copy(labels) : json_object(),
                          "State", rt_json_str(st, "Status", ""), "Status", status_text(st), "HostConfig",
                          "NetworkMode", rt_json_str(json_object_get(v, "HostConfig"), "NetworkMode", "bridge"),
                          "NetworkSettings", "Networks",
                          json_deep_copy(json_object_get(json_object_get(v, "NetworkSettings"), "Networks")
                                             ? json_object_get(json_object_get(v, "NetworkSettings"), "Networks")
                                             : json_object()),
                          "Mounts");
    free(cmd);
    return e;
}

/* filters={"status":["exited"],...} (also the old {"status":{"exited":true}}). */
static int filter_values(const json_t *f, const char *key, const char ***out, size_t *n)
{
    const json_t *v = json_object_get(f, key);
    *out = NULL;
    *n = 0;
    if (!v) return 0;
    size_t cap = json_is_array(v) ? json_array_size(v) : json_object_size(v);
    *out = calloc(cap ? cap : 1, sizeof **out);
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if (json_is_string(x)) (*out)[(*n)++] = json_string_value(x);
    } else {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) if (json_is_true(x)) (*out)[(*n)++] = k;
    }
    return 0;
}

static bool regex_any(const char *const *pats, size_t n, const char *subject)
{
    for (size_t i = 0; i < n; i++) {
        regex_t re;
        if (regcomp(&re, pats[i], REG_EXTENDED | REG_NOSUB) != 0) continue;
        bool m = regexec(&re, subject, 0, NULL, 0) == 0;
        regfree(&re);
        if (m) return true;
    }
    return false;
}

static void list(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = store(resp);
    if (!s) return;
    bool all = rt_req_query_bool(req, "all");
    json_t *filters = NULL;
    const char *fq = rt_req_query(req, "filters");
    if (fq && *fq) {
        char perr[256];
        filters = rt_json_parse(fq, strlen(fq), perr, sizeof perr);
        if (!json_is_object(filters)) {
            json_decref(filters);
            rt_resp_error(resp, RT_ERR_INVALID, "invalid filter: %s", perr);
            return;
        }
        const char *k;
        json_t *x;
        json_object_foreach(filters, k, x)
            if (strcmp(k, "status") && strcmp(k, "name") && strcmp(k, "id")) {
                rt_resp_error(resp, RT_ERR_INVALID, "invalid filter '%s'", k);
                json_decref(filters);
                return;
            }
    }
    const char **status, **names, **ids;
    size_t nstatus, nnames, nids;
    filter_values(filters, "status", &status, &nstatus);
    filter_values(filters, "name", &names, &nnames);
    filter_values(filters, "id", &ids, &nids);
    static const char *const valid[] = {"created", "restarting", "running", "removing", "paused", "exited", "dead"};
    for (size_t i = 0; i < nstatus; i++) {
        bool ok = false;
        for (size_t k = 0; k < 7; k++) ok |= !strcmp(status[i], valid[k]);
        if (!ok) {
            rt_resp_error(resp, RT_ERR_INVALID, "invalid filter 'status=%s'", status[i]);
            goto out;
        }
    }
    if (nstatus) all = true; /* an explicit status filter implies all */
    json_t *views = rt_ctr_views(s), *v, *arr = json_array();
    size_t i;
    json_array_foreach(views, i, v) {
        const char *st = rt_json_str(json_object_get(v, "State"), "Status", "");
        if (!all && strcmp(st, "running") && strcmp(st, "paused") && strcmp(st, "restarting")) continue;
        if (nstatus) {
            bool m = false;
            for (size_t k = 0; k < nstatus; k++) m |= !strcmp(status[k], st);
            if (!m) continue;
        }
        if (nnames && !regex_any(names, nnames, rt_json_str(v, "Name", ""))) continue;
        if (nids && !regex_any(ids, nids, rt_json_str(v, "Id", ""))) continue;
        json_array_append_new(arr, list_entry(v));
    }
    json_decref(views);
    rt_resp_json(resp, 200, arr);
out:
    free(status), free(names), free(ids);
    json_decref(filters);
}

static void inspect(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = store(resp);
    if (!s) return;
    struct rt_err err = {0};
    json_t *v = rt_ctr_view(s, req->params[0], &err);
    if (!v) {
        reply_err(resp, &err);
        return;
    }
    rt_resp_json(resp, 200, json_deep_copy(v)); /* the view is shared and immutable */
    json_decref(v);
}

static void remove_ctr(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = store(resp);
    if (!s) return;
    struct rt_err err = {0};
    if (rt_ctr_remove(s, req->params[0], rt_req_query_bool(req, "force"), &err) < 0) {
        reply_err(resp, &err);
        return;
    }
    rt_resp_status(resp, 204);
}

static void start(struct rt_req *req, struct rt_resp *resp)
{
    struct rt_ctr_store *s = store(resp);
    if (!s) return;
    struct rt_err err = {0};
    if (rt_ctr_start(s, req->params[0], RT_START_API, &err) < 0) {
        reply_err(resp, &err);
        return;
    }
    rt_resp_status(resp, 204);
}

const struct rt_route rt_routes_containers[] = {
    {"POST", "/containers/create", create, 0},
    {"GET", "/containers/json", list, 0},
    {"GET", "/containers/{id}/json", inspect, 0},
    {"DELETE", "/containers/{id}", remove_ctr, 0},
    {"POST", "/containers/{id}/start", start, 0},
    {NULL, NULL, NULL, 0},
};
