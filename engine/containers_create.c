/* POST /containers/create: settings validation (each rule a 400 with
 * dockerd's text), image defaults, runtime resolution (spec §2.4 row 1:
 * empty Runtime <- current default, then resolve incl. pre-flight; failure
 * -> 400 and nothing created), the dockerd documents, insert. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "engine/containers.h"
#include "engine/images.h"
#include "jsonutil.h"

/* ---- validation ---- */

static bool valid_signal(const char *s)
{
    static const char *const names[] = {
        "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT",
        "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM",
        "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ",
        "RTMIN", "RTMAX"};
    if (!*s) return false;
    char *end;
    long n = strtol(s, &end, 10);
    if (!*end) return n >= 1 && n <= 64;
    char up[32];
    size_t i = 0;
    for (; s[i] && i < sizeof up - 1; i++) up[i] = (char)toupper((unsigned char)s[i]);
    up[i] = '\0';
    const char *p = strncmp(up, "SIG", 3) ? up : up + 3;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(p, names[k])) return true;
    /* RTMIN+n / RTMAX-n */
    if ((!strncmp(p, "RTMIN+", 6) || !strncmp(p, "RTMAX-", 6)) && p[6]) {
        n = strtol(p + 6, &end, 10);
        return !*end && n >= 1 && n <= 15;
    }
    return false;
}

int rt_ctr_validate_config(const json_t *cfg, struct rt_err *err)
{
    const char *wd = rt_json_str(cfg, "WorkingDir", "");
    if (*wd && *wd != '/')
        return rt_err_set(err, RT_ERR_INVALID,
                          "the working directory '%s' is invalid, it needs to be an absolute path", wd);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(cfg, "Env"), i, e) {
        const char *s = json_string_value(e);
        if (s && s[0] == '=') return rt_err_set(err, RT_ERR_INVALID, "invalid environment variable: %s", s);
    }
    const char *sig = rt_json_str(cfg, "StopSignal", "");
    if (*sig && !valid_signal(sig)) return rt_err_set(err, RT_ERR_INVALID, "invalid signal: %s", sig);
    const json_t *hc = json_object_get(cfg, "Healthcheck");
    if (json_is_object(hc)) {
        static const char *const durs[][2] = {{"Interval", "Interval"}, {"Timeout", "Timeout"},
                                              {"StartPeriod", "StartPeriod"},
                                              {"StartInterval", "StartInterval"}};
        for (size_t k = 0; k < 4; k++) {
            long long ns = rt_json_int(hc, durs[k][0], 0);
            if (ns != 0 && ns < 1000000)
                return rt_err_set(err, RT_ERR_INVALID, "%s in Healthcheck cannot be less than 1ms", durs[k][1]);
        }
        if (rt_json_int(hc, "Retries", 0) < 0)
            return rt_err_set(err, RT_ERR_INVALID, "Retries in Healthcheck cannot be negative");
    }
    return 0;
}

int rt_ctr_validate_hostconfig(const json_t *hc, struct rt_err *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)json_object_get(hc, "Annotations"), k, v)
        if (!*k) return rt_err_set(err, RT_ERR_INVALID, "invalid Annotations: the empty string is not permitted as an annotation key");
    const json_t *rp = json_object_get(hc, "RestartPolicy");
    const char *name = rt_json_str(rp, "Name", "");
    long long max = rt_json_int(rp, "MaximumRetryCount", 0);
    bool none = !*name || !strcmp(name, "no");
    if (json_is_true(json_object_get(hc, "AutoRemove")) && !none)
        return rt_err_set(err, RT_ERR_INVALID, "can't create 'AutoRemove' container with restart policy");
    if (!strcmp(name, "on-failure")) {
        if (max < 0)
            return rt_err_set(err, RT_ERR_INVALID, "invalid restart policy: maximum retry count cannot be negative");
    } else if (none || !strcmp(name, "always") || !strcmp(name, "unless-stopped")) {
        if (max != 0)
            return rt_err_set(err, RT_ERR_INVALID,
                              "invalid restart policy: maximum retry count can only be used with 'on-failure'");
    } else {
        return rt_err_set(err, RT_ERR_INVALID, "invalid restart policy '%s'", name);
    }
    return 0;
}

/* ---- documents ---- */

static void random_id(char out[65])
{
    unsigned char r[32];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)rand();
    for (size_t i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", r[i]);
}

static bool empty_list(const json_t *v) { return !json_is_array(v) || json_array_size(v) == 0; }

/* Merge image defaults into the user config (dockerd's merge rules). */
static void merge_image(json_t *cfg, const json_t *img)
{
    const json_t *ic = json_object_get(img, "config");
    if (!ic) ic = json_object_get(img, "Config");
    if (!json_is_object(ic)) return;
    if (empty_list(json_object_get(cfg, "Entrypoint"))) {
        if (empty_list(json_object_get(cfg, "Cmd")) && json_object_get(ic, "Cmd"))
            json_object_set_new(cfg, "Cmd", json_deep_copy(json_object_get(ic, "Cmd")));
        if (!json_is_array(json_object_get(cfg, "Entrypoint")) && json_object_get(ic, "Entrypoint"))
            json_object_set_new(cfg, "Entrypoint", json_deep_copy(json_object_get(ic, "Entrypoint")));
    }
    if (!*rt_json_str(cfg, "WorkingDir", "") && *rt_json_str(ic, "WorkingDir", ""))
        json_object_set_new(cfg, "WorkingDir", json_string(rt_json_str(ic, "WorkingDir", "")));
    /* Env: image entries first, the user's override the same key. */
    const json_t *ienv = json_object_get(ic, "Env");
    if (json_is_array(ienv) && json_array_size(ienv)) {
        json_t *uenv = json_object_get(cfg, "Env");
        json_t *out = json_array();
        size_t i, j;
        json_t *e, *u;
        json_array_foreach(ienv, i, e) {
            const char *s = json_string_value(e);
            if (!s) continue;
            size_t kl = strcspn(s, "=");
            bool overridden = false;
            json_array_foreach(uenv, j, u) {
                const char *us = json_string_value(u);
                if (us && strcspn(us, "=") == kl && !strncmp(us, s, kl)) overridden = true;
            }
            if (!overridden) json_array_append(out, e);
        }
        json_array_foreach(uenv, j, u) json_array_append(out, u);
        json_object_set_new(cfg, "Env", out);
    }
}

/* Config keys in dockerd's order with their zero value: s "", b false,
 * n null, o {}. */
static const struct { const char *key; char zero; } cfg_keys[] = {
    {"Hostname", 's'}, {"Domainname", 's'}, {"User", 's'}, {"AttachStdin", 'b'},
    {"AttachStdout", 'b'}, {"AttachStderr", 'b'}, {"Tty", 'b'}, {"OpenStdin", 'b'},
    {"StdinOnce", 'b'}, {"Env", 'n'}, {"Cmd", 'n'}, {"Image", 's'}, {"Volumes", 'n'},
    {"WorkingDir", 's'}, {"Entrypoint", 'n'}, {"OnBuild", 'n'}, {"Labels", 'o'},
};

/* The Config object from the request body (top-level keys), dockerd's order. */
static json_t *config_from_body(const json_t *body, const char *id)
{
    json_t *cfg = json_object();
    for (size_t i = 0; i < sizeof cfg_keys / sizeof cfg_keys[0]; i++) {
        json_t *v = json_object_get(body, cfg_keys[i].key), *z;
        if (v) {
            json_object_set_new(cfg, cfg_keys[i].key, json_deep_copy(v));
            continue;
        }
        switch (cfg_keys[i].zero) {
        case 's': z = json_string(""); break;
        case 'b': z = json_false(); break;
        case 'o': z = json_object(); break;
        default: z = json_null(); break;
        }
        json_object_set_new(cfg, cfg_keys[i].key, z);
    }
    if (!*rt_json_str(cfg, "Hostname", "")) {
        char h[13];
        snprintf(h, sizeof h, "%.12s", id);
        json_object_set_new(cfg, "Hostname", json_string(h));
    }
    if (json_is_null(json_object_get(cfg, "Labels"))) json_object_set_new(cfg, "Labels", json_object());
    /* other keys the client sent (StopSignal, Healthcheck, ExposedPorts, ...) */
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)body, k, v)
        if (!json_object_get(cfg, k) && strcmp(k, "HostConfig") && strcmp(k, "NetworkingConfig"))
            json_object_set_new(cfg, k, json_deep_copy(v));
    return cfg;
}

static json_t *new_doc(const char *id, const char *name, json_t *cfg, const char *image_id)
{
    char now[40];
    rt_ctr_now(now);
    json_t *cmd = json_array();
    json_array_extend(cmd, json_object_get(cfg, "Entrypoint"));
    json_array_extend(cmd, json_object_get(cfg, "Cmd"));
    json_t *args = json_array();
    for (size_t i = 1; i < json_array_size(cmd); i++) json_array_append(args, json_array_get(cmd, i));
    json_t *doc = json_pack(
        "{s:{},s:{s:b,s:b,s:b,s:b,s:b,s:b,s:i,s:i,s:s,s:s,s:s,s:n},s:s,s:s,s:b,s:s,s:o,s:o,s:s,"
        "s:{s:s,s:s,s:b,s:{},s:n,s:n,s:s},s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:b,s:b,s:{},s:s}",
        "StreamConfig", "State", "Running", 0, "Paused", 0, "Restarting", 0, "OOMKilled", 0,
        "RemovalInProgress", 0, "Dead", 0, "Pid", 0, "ExitCode", 0, "Error", "", "StartedAt",
        "0001-01-01T00:00:00Z", "FinishedAt", "0001-01-01T00:00:00Z", "Health", "ID", id, "Created",
        now, "Managed", 0, "Path", json_string_value(json_array_get(cmd, 0)), "Args", args, "Config",
        cfg, "Image", image_id, "NetworkSettings", "Bridge", "", "SandboxID", "", "HairpinMode", 0,
        "Networks", "Service", "Ports", "SandboxKey", "", "LogPath", "", "Name", name, "Driver",
        "rtengined", "OS", "linux", "MountLabel", "", "ProcessLabel", "", "RestartCount", 0,
        "HasBeenStartedBefore", 0, "HasBeenManuallyStopped", 0, "MountPoints", "AppArmorProfile", "");
    json_decref(cmd);
    return doc;
}

/* The stored HostConfig: the client's plus the defaults dockerd fills. */
static json_t *hostconfig_from_body(const json_t *body)
{
    const json_t *in = json_object_get(body, "HostConfig");
    json_t *hc = json_is_object(in) ? json_deep_copy(in) : json_object(); /* v26: absent = {} */
    if (!json_is_object(json_object_get(hc, "LogConfig")) || !*rt_json_str(json_object_get(hc, "LogConfig"), "Type", ""))
        json_object_set_new(hc, "LogConfig", json_pack("{s:s,s:{}}", "Type", "json-file", "Config"));
    const char *nm = rt_json_str(hc, "NetworkMode", "");
    if (!*nm || !strcmp(nm, "default")) json_object_set_new(hc, "NetworkMode", json_string("bridge"));
    json_t *rp = json_object_get(hc, "RestartPolicy");
    if (!json_is_object(rp)) json_object_set_new(hc, "RestartPolicy", rp = json_object());
    if (!*rt_json_str(rp, "Name", "")) json_object_set_new(rp, "Name", json_string("no"));
    if (!json_object_get(rp, "MaximumRetryCount")) json_object_set_new(rp, "MaximumRetryCount", json_integer(0));
    if (!json_object_get(hc, "AutoRemove")) json_object_set_new(hc, "AutoRemove", json_false());
    if (!json_is_string(json_object_get(hc, "Runtime"))) json_object_set_new(hc, "Runtime", json_string(""));
    return hc;
}

char *rt_ctr_create(struct rt_ctr_store *s, const char *name, const json_t *body, json_t **warnings,
                    struct rt_err *err)
{
    if (warnings) *warnings = json_array();
    if (!json_is_object(body))
        return rt_err_set(err, RT_ERR_INVALID, "config cannot be empty in order to create a container"), NULL;
    char *gen = NULL;
    if (rt_ctr_validate_config(body, err) < 0) return NULL;
    json_t *hc = hostconfig_from_body(body);
    if (rt_ctr_validate_hostconfig(hc, err) < 0) goto fail_hc;

    /* Image: its defaults feed the config. */
    const char *image = rt_json_str(body, "Image", "");
    if (!*image) {
        rt_err_set(err, RT_ERR_INVALID, "config.Image: no image specified");
        goto fail_hc;
    }
    char image_id[72];
    json_t *imgcfg = NULL;
    struct rt_img_store *is = rt_img_store_default();
    if (!is) {
        rt_err_set(err, RT_ERR_NOT_FOUND, "No such image: %s", image);
        goto fail_hc;
    }
    if (rt_img_resolve(is, image, image_id, &imgcfg, err) < 0) goto fail_hc;

    /* Runtime: empty <- the current default, then resolve (pre-flight). */
    if (!*rt_json_str(hc, "Runtime", "")) {
        char *def = rt_ctr_default_runtime();
        json_object_set_new(hc, "Runtime", json_string(def));
        free(def);
    }
    struct rt_resolved r = {0};
    int rrc = rt_ctr_resolve_runtime(rt_json_str(hc, "Runtime", ""), &r, err);
    rt_resolved_free(&r);
    if (rrc < 0) {
        if (err->cls != RT_ERR_UNAVAILABLE) err->cls = RT_ERR_INVALID;
        goto fail_img;
    }

    /* dockerd checks the name last, when it reserves it */
    if (name && *name && !rt_ctr_name_valid(name)) {
        rt_err_set(err, RT_ERR_INVALID, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
                   name);
        goto fail_img;
    }
    char id[65];
    random_id(id);
    json_t *cfg = config_from_body(body, id);
    merge_image(cfg, imgcfg);
    if (empty_list(json_object_get(cfg, "Cmd")) && empty_list(json_object_get(cfg, "Entrypoint"))) {
        json_decref(cfg);
        rt_err_set(err, RT_ERR_INVALID, "No command specified");
        goto fail_img;
    }
    if (name && *name) {
        if (asprintf(&gen, "%s%s", *name == '/' ? "" : "/", name) < 0) gen = NULL;
    } else {
        gen = rt_ctr_name_generate(s);
    }
    json_t *doc = new_doc(id, gen ? gen : "/", cfg, image_id);
    free(gen);
    json_decref(imgcfg);
    struct rt_container *c = rt_ctr_insert(s, doc, hc, err);
    if (!c) return NULL;
    rt_ctr_event(c, "create");
    rt_ctr_put(c);
    return strdup(id);

fail_img:
    json_decref(imgcfg);
fail_hc:
    json_decref(hc);
    return NULL;
}
