/* runtimeType `options` -> shim options (engine spec §1.4). moby converts the
 * map through a TOML tree (go-toml v1), so key matching and the error texts
 * follow go-toml: per struct field the keys tried are the Go name, all lower,
 * all upper and lower-first-letter; unknown keys are ignored; a type
 * mismatch is "(0, 0): Can't convert <v>(<go type>) to <type>".
 *
 * Decision (spec silent): JSON numbers without a fraction count as Go int64
 * (what TreeFromMap makes of integers), others as float64. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/runtimes_int.h"

enum ftype { F_BOOL, F_U32, F_STR };

struct fdesc {
    const char *go;
    enum ftype t;
    size_t off;          /* into the target struct */
};

#define RUNC(f, t, m) {f, t, offsetof(struct rt_runc_options, m)}
static const struct fdesc runc_fields[] = { /* Go struct field order */
    RUNC("NoPivotRoot", F_BOOL, no_pivot_root),   RUNC("NoNewKeyring", F_BOOL, no_new_keyring),
    RUNC("ShimCgroup", F_STR, shim_cgroup),       RUNC("IoUid", F_U32, io_uid),
    RUNC("IoGid", F_U32, io_gid),                 RUNC("BinaryName", F_STR, binary_name),
    RUNC("Root", F_STR, root),                    RUNC("CriuPath", F_STR, criu_path),
    RUNC("SystemdCgroup", F_BOOL, systemd_cgroup), RUNC("CriuImagePath", F_STR, criu_image_path),
    RUNC("CriuWorkPath", F_STR, criu_work_path),
};
#define GEN(f, m) {f, F_STR, offsetof(struct rt_generic_options, m)}
static const struct fdesc generic_fields[] = {
    GEN("TypeUrl", type_url), GEN("ConfigPath", config_path), GEN("ConfigBody", config_body),
};

/* Go's %v for a float64: the shortest text that reads back the same. */
static void go_float(double d, char *out, size_t n)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(out, n, "%.*g", p, d);
        if (strtod(out, NULL) == d) return;
    }
}

static bool json_int64(const json_t *v, long long *out)
{
    if (json_is_integer(v)) { *out = json_integer_value(v); return true; }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) < 9.2e18) { *out = (long long)d; return true; }
    }
    return false;
}

/* "<value>(<go type>)" as go-toml prints the offending value. */
static void describe(const json_t *v, char *out, size_t n)
{
    long long i;
    if (json_is_string(v)) snprintf(out, n, "%s(string)", json_string_value(v));
    else if (json_is_boolean(v)) snprintf(out, n, "%s(bool)", json_is_true(v) ? "true" : "false");
    else if (json_int64(v, &i)) snprintf(out, n, "%lld(int64)", i);
    else if (json_is_real(v)) {
        char f[64];
        go_float(json_real_value(v), f, sizeof f);
        snprintf(out, n, "%s(float64)", f);
    } else if (json_is_array(v)) {
        size_t len = (size_t)snprintf(out, n, "[");
        size_t k;
        json_t *e;
        json_array_foreach(v, k, e) {
            char one[256];
            describe(e, one, sizeof one);
            *strrchr(one, '(') = '\0'; /* elements print without their type */
            if (len < n) len += (size_t)snprintf(out + len, n - len, "%s%s", k ? " " : "", one);
        }
        if (len < n) snprintf(out + len, n - len, "]([]interface {})");
    } else {
        char *js = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(out, n, "%s(*toml.Tree)", js ? js : "");
        free(js);
    }
}

static const json_t *lookup(const json_t *opts, const char *go)
{
    char cand[4][64];
    size_t len = strlen(go);
    snprintf(cand[0], sizeof cand[0], "%s", go);
    for (size_t i = 0; i <= len; i++) {
        cand[1][i] = (char)tolower((unsigned char)go[i]);
        cand[2][i] = (char)toupper((unsigned char)go[i]);
    }
    snprintf(cand[3], sizeof cand[3], "%c%s", tolower((unsigned char)go[0]), go + 1);
    for (int c = 0; c < 4; c++) {
        json_t *v = json_object_get(opts, cand[c]);
        if (v && !json_is_null(v)) return v;
    }
    return NULL;
}

static int convert_fields(const json_t *opts, const struct fdesc *f, size_t nf, void *target,
                          char *err, size_t errlen)
{
    static const char *const tname[] = {"bool", "uint32", "string"};
    for (size_t i = 0; i < nf; i++) {
        const json_t *v = lookup(opts, f[i].go);
        if (!v) continue;
        char *slot = (char *)target + f[i].off;
        char d[512];
        long long n;
        switch (f[i].t) {
        case F_BOOL:
            if (!json_is_boolean(v)) goto mismatch;
            *(bool *)slot = json_is_true(v);
            break;
        case F_STR:
            if (!json_is_string(v)) goto mismatch;
            free(*(char **)slot);
            *(char **)slot = strdup(json_string_value(v));
            break;
        case F_U32:
            if (!json_int64(v, &n)) goto mismatch;
            describe(v, d, sizeof d);
            if (n < 0) {
                snprintf(err, errlen, "(0, 0): %s is negative so does not fit in uint32", d);
                return -1;
            }
            if (n > (long long)UINT32_MAX) {
                snprintf(err, errlen, "(0, 0): %s would overflow uint32", d);
                return -1;
            }
            *(unsigned *)slot = (unsigned)n;
            break;
        }
        continue;
    mismatch:
        describe(v, d, sizeof d);
        snprintf(err, errlen, "(0, 0): Can't convert %s to %s", d, tname[f[i].t]);
        return -1;
    }
    return 0;
}

int rt_rtopts_convert(const char *runtime_type, const json_t *options, struct rt_runtime *rt,
                      char *err, size_t errlen)
{
    rt->opts_type = RT_OPTS_NONE;
    if (!options || json_object_size(options) == 0) return 0; /* no options at all */
    /* io.containerd.runhcs.v1 (Windows) takes the generic type here: the
     * engine never drives runhcs, so its options type is not modelled. */
    if (strcmp(runtime_type, "io.containerd.runc.v1") == 0 || strcmp(runtime_type, "io.containerd.runc.v2") == 0) {
        rt->opts_type = RT_OPTS_RUNC;
        return convert_fields(options, runc_fields, sizeof runc_fields / sizeof runc_fields[0], &rt->runc,
                              err, errlen);
    }
    rt->opts_type = RT_OPTS_GENERIC;
    return convert_fields(options, generic_fields, sizeof generic_fields / sizeof generic_fields[0],
                          &rt->generic, err, errlen);
}

void rt_runc_options_free(struct rt_runc_options *o)
{
    free(o->shim_cgroup), free(o->binary_name), free(o->root);
    free(o->criu_path), free(o->criu_image_path), free(o->criu_work_path);
    memset(o, 0, sizeof *o);
}

void rt_generic_options_free(struct rt_generic_options *o)
{
    free(o->type_url), free(o->config_path), free(o->config_body);
    memset(o, 0, sizeof *o);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void rt_runc_options_copy(const struct rt_runc_options *s, struct rt_runc_options *d)
{
    *d = *s;
    d->shim_cgroup = dup_or_null(s->shim_cgroup);
    d->binary_name = dup_or_null(s->binary_name);
    d->root = dup_or_null(s->root);
    d->criu_path = dup_or_null(s->criu_path);
    d->criu_image_path = dup_or_null(s->criu_image_path);
    d->criu_work_path = dup_or_null(s->criu_work_path);
}

void rt_generic_options_copy(const struct rt_generic_options *s, struct rt_generic_options *d)
{
    d->type_url = dup_or_null(s->type_url);
    d->config_path = dup_or_null(s->config_path);
    d->config_body = dup_or_null(s->config_body);
}
