/* daemon.json decoding and the flag/file rules (engine spec §1.1, §1.2,
 * §4.1 step 5). Errors carry the texts dockerd prints. */
#include "engine/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/config_gojson.h"
#include "fsutil.h"
#include "jsonutil.h"

#define MAX_CONFIG_BYTES (16u << 20)

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) abort(); /* config objects are small; OOM here is not recoverable */
    return d;
}

static void def_free(struct rt_runtime_def *d)
{
    free(d->name), free(d->path), free(d->type);
    for (size_t i = 0; i < d->nargs; i++) free(d->args[i]);
    free(d->args);
    json_decref(d->options);
    memset(d, 0, sizeof *d);
}

static void def_copy(const struct rt_runtime_def *s, struct rt_runtime_def *d)
{
    d->name = xstrdup(s->name);
    d->path = xstrdup(s->path);
    d->type = xstrdup(s->type);
    d->nargs = s->nargs;
    d->args = s->nargs ? calloc(s->nargs, sizeof *d->args) : NULL;
    if (s->nargs && !d->args) abort();
    for (size_t i = 0; i < s->nargs; i++) d->args[i] = xstrdup(s->args[i]);
    d->options = s->options ? json_deep_copy(s->options) : NULL;
    d->from_flag = s->from_flag;
}

/* The array grows by doubling (its capacity is the next power of two of
 * nruntimes): growing by one copied it whole for every entry, quadratic in a
 * 100k-runtime daemon.json. */
static struct rt_runtime_def *push_def(struct rt_config *c)
{
    struct rt_runtime_def *n = c->runtimes;
    if ((c->nruntimes & (c->nruntimes - 1)) == 0) { /* 0, 1, 2, 4, ...: full */
        n = realloc(c->runtimes, (c->nruntimes ? 2 * c->nruntimes : 1) * sizeof *n);
        if (!n) abort();
    }
    c->runtimes = n;
    memset(&n[c->nruntimes], 0, sizeof *n);
    return &n[c->nruntimes++];
}

static void init_empty(struct rt_config *c)
{
    memset(c, 0, sizeof *c);
    c->default_runtime = xstrdup("");
}

void rt_config_free(struct rt_config *cfg)
{
    if (!cfg) return;
    for (size_t i = 0; i < cfg->nruntimes; i++) def_free(&cfg->runtimes[i]);
    free(cfg->runtimes);
    free(cfg->default_runtime);
    memset(cfg, 0, sizeof *cfg);
}

int rt_config_copy(const struct rt_config *src, struct rt_config *dst)
{
    *dst = *src;
    dst->runtimes = NULL;
    dst->nruntimes = 0;
    dst->default_runtime = xstrdup(src->default_runtime);
    for (size_t i = 0; i < src->nruntimes; i++) def_copy(&src->runtimes[i], push_def(dst));
    return 0;
}

const struct rt_runtime_def *rt_config_find(const struct rt_config *cfg, const char *name)
{
    for (size_t i = 0; cfg && i < cfg->nruntimes; i++)
        if (strcmp(cfg->runtimes[i].name, name) == 0) return &cfg->runtimes[i];
    return NULL;
}

/* ---- typed decoding (Go's json.Unmarshal into the Config struct) -------- */

static int type_error(char *err, size_t errlen, const json_t *v, const char *field, const char *gotype)
{
    return fail(err, errlen, "json: cannot unmarshal %s into Go struct field %s of type %s",
                rt_json_kind(v), field, gotype);
}

/* Go matches struct fields by exact name first, then case-insensitively. */
static json_t *field(const json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    if (v) return v;
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)obj, k, val)
        if (strcasecmp(k, name) == 0) v = val; /* the last one wins, as in Go */
    return v;
}

static int decode_runtime(const char *name, const json_t *o, struct rt_runtime_def *d,
                          char *err, size_t errlen)
{
    d->name = xstrdup(name);
    d->path = xstrdup("");
    d->type = xstrdup("");
    if (json_is_null(o)) return 0;
    if (!json_is_object(o)) return type_error(err, errlen, o, "Config.runtimes", "system.Runtime");

    json_t *v = field(o, "path");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v)) return type_error(err, errlen, v, "Runtime.runtimes.path", "string");
        free(d->path);
        d->path = xstrdup(json_string_value(v));
    }
    v = field(o, "runtimeArgs");
    if (v && !json_is_null(v)) {
        if (!json_is_array(v)) return type_error(err, errlen, v, "Runtime.runtimes.runtimeArgs", "[]string");
        size_t i;
        json_t *a;
        d->args = calloc(json_array_size(v) + 1, sizeof *d->args);
        if (!d->args) abort();
        json_array_foreach(v, i, a) {
            if (!json_is_null(a) && !json_is_string(a))
                return type_error(err, errlen, a, "Runtime.runtimes.runtimeArgs", "string");
            d->args[d->nargs++] = xstrdup(json_is_string(a) ? json_string_value(a) : "");
        }
    }
    v = field(o, "runtimeType");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v)) return type_error(err, errlen, v, "Runtime.runtimes.runtimeType", "string");
        free(d->type);
        d->type = xstrdup(json_string_value(v));
    }
    v = field(o, "options");
    if (v && !json_is_null(v)) {
        if (!json_is_object(v))
            return type_error(err, errlen, v, "Runtime.runtimes.options", "map[string]interface {}");
        d->options = json_incref(v);
    }
    return 0;
}

static const char *const known_keys[] = {"runtimes", "default-runtime", "debug", "live-restore"};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* dockerd lists every top-level key it does not know (map order; sorted here). */
static int check_unknown_keys(const json_t *root, char *err, size_t errlen)
{
    const char **unknown = calloc(json_object_size(root) + 1, sizeof *unknown);
    if (!unknown) abort();
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)root, k, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof known_keys / sizeof known_keys[0]; i++)
            if (strcmp(k, known_keys[i]) == 0) known = true;
        if (!known) unknown[n++] = k;
    }
    int rc = 0;
    if (n) {
        qsort(unknown, n, sizeof *unknown, cmp_str);
        size_t len = 0;
        char list[2048] = "";
        for (size_t i = 0; i < n && len < sizeof list; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", unknown[i]);
        rc = fail(err, errlen, "the following directives don't match any configuration option: %s", list);
    }
    free(unknown);
    return rc;
}

static int decode_bool(const json_t *root, const char *key, bool *val, bool *has,
                       char *err, size_t errlen)
{
    json_t *v = json_object_get(root, key);
    if (!v) return 0;
    *has = true;
    if (json_is_null(v)) return 0;
    if (!json_is_boolean(v)) {
        char f[64];
        snprintf(f, sizeof f, "Config.CommonConfig.%s", key);
        return type_error(err, errlen, v, f, "bool");
    }
    *val = json_is_true(v);
    return 0;
}

static int decode_root(const json_t *root, struct rt_config *out, char *err, size_t errlen)
{
    /* Go reports the first type error in document order and keeps going;
     * walking keys in order and stopping at the first is equivalent. */
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)root, k, v) {
        if (strcmp(k, "runtimes") == 0) {
            out->has_runtimes_key = true;
            if (json_is_null(v)) continue;
            if (!json_is_object(v))
                return type_error(err, errlen, v, "Config.runtimes", "map[string]system.Runtime");
            const char *name;
            json_t *rv;
            json_object_foreach(v, name, rv)
                if (decode_runtime(name, rv, push_def(out), err, errlen) < 0) return -1;
        } else if (strcmp(k, "default-runtime") == 0) {
            out->has_default_runtime_key = true;
            if (json_is_null(v)) continue;
            if (!json_is_string(v))
                return type_error(err, errlen, v, "Config.CommonConfig.default-runtime", "string");
            free(out->default_runtime);
            out->default_runtime = xstrdup(json_string_value(v));
        } else if (strcmp(k, "debug") == 0) {
            if (decode_bool(root, k, &out->debug, &out->has_debug, err, errlen) < 0) return -1;
        } else if (strcmp(k, "live-restore") == 0) {
            if (decode_bool(root, k, &out->live_restore, &out->has_live_restore, err, errlen) < 0) return -1;
        }
    }
    return 0;
}

int rt_config_decode(const char *text, size_t len, struct rt_config *out, char *err, size_t errlen)
{
    init_empty(out);
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) text += 3, len -= 3; /* dockerd drops a BOM */
    size_t b = 0, e = len;
    while (b < e && isspace((unsigned char)text[b])) b++;
    while (e > b && isspace((unsigned char)text[e - 1])) e--;
    if (b == e) return 0; /* an empty file is an empty config */
    if (rt_gojson_check(text + b, e - b, err, errlen) < 0) return -1;

    json_error_t jerr;
    json_t *root = json_loadb(text + b, e - b, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!root) return fail(err, errlen, "%s", jerr.text);
    int rc = 0;
    if (json_is_null(root)) goto out;
    if (!json_is_object(root)) {
        rc = fail(err, errlen, "json: cannot unmarshal %s into Go value of type map[string]interface {}",
                  rt_json_kind(root));
        goto out;
    }
    rc = check_unknown_keys(root, err, errlen);
    if (rc == 0) rc = decode_root(root, out, err, errlen);
out:
    json_decref(root);
    if (rc < 0) {
        rt_config_free(out);
        init_empty(out);
    }
    return rc;
}

int rt_config_read_file(const char *path, bool explicit_path, char **text, size_t *len, char *err, size_t errlen)
{
    *len = 0;
    *text = rt_read_file(path, MAX_CONFIG_BYTES, len);
    if (*text) return 0;
    int e = errno;
    if (e == ENOENT && !explicit_path) return 1;
    return fail(err, errlen, "%s %s: %s", e == EISDIR || e == EFBIG ? "read" : "open", path, rt_strerror(e));
}

int rt_config_load_file(const char *path, bool explicit_path, struct rt_config *out,
                        char *err, size_t errlen)
{
    size_t len = 0;
    char *text = NULL;
    int rc = rt_config_read_file(path, explicit_path, &text, &len, err, errlen);
    if (rc != 0) {
        /* Zeroed (nothing allocated): callers may memset it and fill in. */
        memset(out, 0, sizeof *out);
        return rc;
    }
    rc = rt_config_decode(text, len, out, err, errlen);
    free(text);
    return rc;
}

/* ---- flags -------------------------------------------------------------- */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

int rt_config_parse_add_runtime(const char *value, const struct rt_config *existing,
                                struct rt_runtime_def *def, char *err, size_t errlen)
{
    memset(def, 0, sizeof *def);
    const char *eq = strchr(value, '=');
    if (!eq) return fail(err, errlen, "invalid runtime argument: %s", value);
    char *name_buf = strndup(value, (size_t)(eq - value)), *path_buf = strdup(eq + 1);
    if (!name_buf || !path_buf) abort();
    char *name = trim(name_buf), *path = trim(path_buf);
    int rc = 0;
    if (!*name || !*path) {
        rc = fail(err, errlen, "invalid runtime argument: %s", value);
        goto out;
    }
    for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (strcmp(name, "runc") == 0) {
        rc = fail(err, errlen, "runtime name 'runc' is reserved");
        goto out;
    }
    if (rt_config_find(existing, name)) {
        rc = fail(err, errlen, "runtime '%s' was already defined", name);
        goto out;
    }
    def->name = xstrdup(name);
    def->path = xstrdup(path);
    def->type = xstrdup("");
    def->from_flag = true;
out:
    free(name_buf), free(path_buf);
    return rc;
}

/* Go's %q, enough for flag values (quotes, backslashes, control bytes). */
static void go_quote(const char *s, char *out, size_t n)
{
    size_t o = 0;
    if (n < 3) return;
    out[o++] = '"';
    for (; *s && o + 6 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') o += (size_t)snprintf(out + o, n - o, "\\%c", c);
        else if (c == '\n') o += (size_t)snprintf(out + o, n - o, "\\n");
        else if (c == '\t') o += (size_t)snprintf(out + o, n - o, "\\t");
        else if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(out + o, n - o, "\\x%02x", c);
        else out[o++] = (char)c;
    }
    out[o++] = '"';
    out[o] = '\0';
}

int rt_config_from_flags(const struct rt_engine_opts *opts, struct rt_config *out,
                         char *err, size_t errlen)
{
    init_empty(out);
    free(out->default_runtime);
    out->default_runtime = xstrdup(opts->default_runtime ? opts->default_runtime : "runc");
    out->debug = opts->debug, out->has_debug = opts->debug_set;
    out->live_restore = opts->live_restore, out->has_live_restore = opts->live_restore_set;
    for (size_t i = 0; i < opts->n_add_runtime; i++) {
        struct rt_runtime_def def;
        char msg[1024];
        if (rt_config_parse_add_runtime(opts->add_runtime[i], out, &def, msg, sizeof msg) < 0) {
            char q[2048];
            go_quote(opts->add_runtime[i], q, sizeof q);
            fail(err, errlen, "Status: invalid argument %s for \"--add-runtime\" flag: %s\n"
                              "See 'rtengined --help'., Code: 125", q, msg);
            rt_config_free(out);
            init_empty(out);
            return -1;
        }
        *push_def(out) = def;
    }
    return 0;
}

/* ---- merge, conflicts, reload ------------------------------------------- */

int rt_config_check_conflicts(const struct rt_config *file, const struct rt_engine_opts *opts,
                              char *err, size_t errlen)
{
    char list[2048] = "";
    size_t len = 0;
    /* The file's default-runtime key counts even when "" (dockerd checks keys). */
    if (file && opts->default_runtime_set && file->has_default_runtime_key)
        len += (size_t)snprintf(list + len, sizeof list - len, "%sdefault-runtime: (from flag: %s, from file: %s)",
                                len ? ", " : "", opts->default_runtime,
                                file->default_runtime ? file->default_runtime : "");
    if (file && opts->debug_set && file->has_debug && len < sizeof list)
        len += (size_t)snprintf(list + len, sizeof list - len, "%sdebug: (from flag: %s, from file: %s)",
                                len ? ", " : "", opts->debug ? "true" : "false", file->debug ? "true" : "false");
    if (file && opts->live_restore_set && file->has_live_restore && len < sizeof list)
        snprintf(list + len, sizeof list - len, "%slive-restore: (from flag: %s, from file: %s)", len ? ", " : "",
                 opts->live_restore ? "true" : "false", file->live_restore ? "true" : "false");
    if (!list[0]) return 0;
    return fail(err, errlen,
                "the following directives are specified both as a flag and in the configuration file: %s", list);
}

int rt_config_merge(const struct rt_config *flags, const struct rt_config *file,
                    const struct rt_engine_opts *opts, struct rt_config *out,
                    char *err, size_t errlen)
{
    if (opts && rt_config_check_conflicts(file, opts, err, errlen) < 0) {
        init_empty(out);
        return -1;
    }
    rt_config_copy(flags, out);
    if (!file) return 0;
    /* Union of runtimes; the file's definition wins on the same name. */
    struct rt_config merged;
    init_empty(&merged);
    free(merged.default_runtime);
    merged.default_runtime = xstrdup(file->default_runtime && file->default_runtime[0] ? file->default_runtime
                                                                                     : flags->default_runtime);
    for (size_t i = 0; i < file->nruntimes; i++) def_copy(&file->runtimes[i], push_def(&merged));
    for (size_t i = 0; i < flags->nruntimes; i++)
        if (!rt_config_find(file, flags->runtimes[i].name)) def_copy(&flags->runtimes[i], push_def(&merged));
    merged.has_runtimes_key = file->has_runtimes_key;
    merged.has_default_runtime_key = file->has_default_runtime_key;
    merged.has_debug = file->has_debug || flags->has_debug;
    merged.debug = file->has_debug ? file->debug : flags->debug;
    merged.has_live_restore = file->has_live_restore || flags->has_live_restore;
    merged.live_restore = file->has_live_restore ? file->live_restore : flags->live_restore;
    rt_config_free(out);
    *out = merged;
    return 0;
}

int rt_config_startup(const struct rt_engine_opts *opts, struct rt_config *out, bool *flag_error,
                      char *err, size_t errlen)
{
    struct rt_config flags, file;
    char msg[2048];
    *flag_error = false;
    init_empty(out);
    /* On failure OUT is left empty with nothing allocated (callers exit). */
    if (rt_config_from_flags(opts, &flags, err, errlen) < 0) {
        rt_config_free(&flags);
        rt_config_free(out);
        *flag_error = true;
        return -1;
    }
    int rc = rt_config_load_file(opts->config_file, opts->config_file_set, &file, msg, sizeof msg);
    if (rc < 0) {
        rt_config_free(&flags);
        rt_config_free(&file); /* a failed decode still holds an empty config */
        rt_config_free(out);
        return fail(err, errlen, "unable to configure the Docker daemon with file %s: %s", opts->config_file, msg);
    }
    rt_config_free(out);
    rc = rt_config_merge(&flags, rc == 1 ? NULL : &file, opts, out, msg, sizeof msg);
    rt_config_free(&flags);
    rt_config_free(&file);
    if (rc < 0) {
        rt_config_free(out);
        return fail(err, errlen, "unable to configure the Docker daemon with file %s: %s", opts->config_file, msg);
    }
    return 0;
}

int rt_config_apply_reload(const struct rt_config *live, const struct rt_config *file,
                           struct rt_config *out, char *err, size_t errlen)
{
    rt_config_copy(live, out);
    if (file->has_runtimes_key) {
        /* The whole user set is replaced, --add-runtime entries included. */
        for (size_t i = 0; i < out->nruntimes; i++) def_free(&out->runtimes[i]);
        free(out->runtimes);
        out->runtimes = NULL;
        out->nruntimes = 0;
        for (size_t i = 0; i < file->nruntimes; i++) def_copy(&file->runtimes[i], push_def(out));
    }
    if (file->default_runtime && file->default_runtime[0]) { /* sticky: "" keeps the previous default */
        free(out->default_runtime);
        out->default_runtime = xstrdup(file->default_runtime);
    }
    if (file->has_debug) out->debug = file->debug, out->has_debug = true;
    if (file->has_live_restore) out->live_restore = file->live_restore, out->has_live_restore = true;
    return 0;
}

json_t *rt_config_to_json(const struct rt_config *cfg)
{
    json_t *rts = json_object();
    for (size_t i = 0; i < cfg->nruntimes; i++) {
        const struct rt_runtime_def *d = &cfg->runtimes[i];
        json_t *o = json_object();
        if (d->path[0]) json_object_set_new(o, "path", json_string(d->path));
        if (d->nargs) {
            json_t *a = json_array();
            for (size_t j = 0; j < d->nargs; j++) json_array_append_new(a, json_string(d->args[j]));
            json_object_set_new(o, "runtimeArgs", a);
        }
        if (d->type[0]) json_object_set_new(o, "runtimeType", json_string(d->type));
        if (d->options && json_object_size(d->options)) json_object_set(o, "options", d->options);
        json_object_set_new(rts, d->name, o);
    }
    return json_pack("{s:o, s:s, s:b, s:b}", "runtimes", rts, "default-runtime",
                     cfg->default_runtime && cfg->default_runtime[0] ? cfg->default_runtime : "runc",
                     "debug", cfg->debug,
                     "live-restore", cfg->live_restore);
}
