/* Runtime options: decode per personality, defaults, options.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "proto/runc_options.pb-c.h"
#include "proto/runtimeoptions.pb-c.h"
#include "shim.h"

#define RUNC_URL "containerd.runc.v1.Options"
#define GENERIC_URL "runtimeoptions.v1.Options"

static char *dup0(const char *s) { return s && *s ? strdup(s) : NULL; }

void opts_defaults(struct shim_opts *o)
{
    if (!o->type_url) o->type_url = strdup("");
    if (!o->binary_name) o->binary_name = strdup("runc");
    if (!o->root) o->root = strdup("/run/containerd/runc");
}

/* The default personality knows only runc options; rtkata only the generic
 * ones. Anything else is an unregistered type, as typeurl reports it. */
int opts_decode(const char *type_url, const uint8_t *val, size_t len, struct shim_opts *o,
                char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->type_url = strdup(type_url ? type_url : "");
    if (!type_url || !*type_url) {
        opts_defaults(o);
        return 0;
    }
    if (!g.kata && !strcmp(type_url, RUNC_URL)) {
        Containerd__Runc__V1__Options *m =
            containerd__runc__v1__options__unpack(NULL, len, val ? val : (const uint8_t *)"");
        if (!m) {
            snprintf(err, errlen, "proto: cannot parse invalid wire-format data");
            return -1;
        }
        o->binary_name = dup0(m->binary_name);
        o->root = dup0(m->root);
        o->systemd_cgroup = m->systemd_cgroup;
        o->no_pivot_root = m->no_pivot_root;
        o->no_new_keyring = m->no_new_keyring;
        o->io_uid = m->io_uid;
        o->io_gid = m->io_gid;
        containerd__runc__v1__options__free_unpacked(m, NULL);
    } else if (g.kata && !strcmp(type_url, GENERIC_URL)) {
        Runtimeoptions__V1__Options *m =
            runtimeoptions__v1__options__unpack(NULL, len, val ? val : (const uint8_t *)"");
        if (!m) {
            snprintf(err, errlen, "proto: cannot parse invalid wire-format data");
            return -1;
        }
        o->generic = 1;
        o->config_path = strdup(m->config_path);
        o->config_body = strdup(m->config_body);
        free(o->type_url);
        o->type_url = strdup(type_url);
        runtimeoptions__v1__options__free_unpacked(m, NULL);
    } else {
        snprintf(err, errlen, "type with url %s: not found", type_url);
        return -1;
    }
    opts_defaults(o);
    return 0;
}

void opts_copy(struct shim_opts *d, const struct shim_opts *s)
{
    *d = *s;
    d->type_url = s->type_url ? strdup(s->type_url) : NULL;
    d->binary_name = s->binary_name ? strdup(s->binary_name) : NULL;
    d->root = s->root ? strdup(s->root) : NULL;
    d->config_path = s->config_path ? strdup(s->config_path) : NULL;
    d->config_body = s->config_body ? strdup(s->config_body) : NULL;
}

json_t *opts_journal(const struct shim_opts *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "namespace", json_string(g.ns ? g.ns : ""));
    json_object_set_new(j, "type_url", json_string(o->type_url ? o->type_url : ""));
    if (o->generic) {
        json_object_set_new(j, "config_path", json_string(o->config_path ? o->config_path : ""));
        json_object_set_new(j, "config_body", json_string(o->config_body ? o->config_body : ""));
    }
    json_object_set_new(j, "binary_name", json_string(o->binary_name ? o->binary_name : ""));
    json_object_set_new(j, "root", json_string(o->root ? o->root : ""));
    return j;
}

/* options.json as the runc shim writes it: Go JSON, zero fields omitted. */
json_t *opts_to_json(const struct shim_opts *o)
{
    json_t *j = json_object();
    if (o->no_pivot_root) json_object_set_new(j, "no_pivot_root", json_true());
    if (o->no_new_keyring) json_object_set_new(j, "no_new_keyring", json_true());
    if (o->io_uid) json_object_set_new(j, "io_uid", json_integer(o->io_uid));
    if (o->io_gid) json_object_set_new(j, "io_gid", json_integer(o->io_gid));
    if (o->binary_name) json_object_set_new(j, "binary_name", json_string(o->binary_name));
    if (o->root) json_object_set_new(j, "root", json_string(o->root));
    if (o->systemd_cgroup) json_object_set_new(j, "systemd_cgroup", json_true());
    if (o->generic) {
        json_object_set_new(j, "type_url", json_string(o->type_url));
        json_object_set_new(j, "config_path", json_string(o->config_path ? o->config_path : ""));
        json_object_set_new(j, "config_body", json_string(o->config_body ? o->config_body : ""));
    }
    return j;
}

/* For the `delete` action: options.json (+ runtime) left by Create. */
int opts_load_bundle(const char *bundle, struct shim_opts *o)
{
    memset(o, 0, sizeof *o);
    char *p = rt_path_join(bundle, "options.json");
    json_t *j = p ? rt_json_load_file(p, 1 << 20, NULL, 0) : NULL;
    free(p);
    if (j) {
        o->binary_name = dup0(rt_json_str(j, "binary_name", NULL));
        o->root = dup0(rt_json_str(j, "root", NULL));
        o->systemd_cgroup = rt_json_bool(j, "systemd_cgroup", 0);
        json_decref(j);
    }
    opts_defaults(o);
    return j ? 0 : -1;
}
