/* POST /images/load: a `docker save` tarball (manifest.json, the config
 * blob, layer tarballs; legacy or OCI-layout names) read in memory with
 * libarchive and stored through rt_img_store_layers. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/images.h"
#include "engine/images_ar.h"
#include "engine/images_int.h"
#include "jsonutil.h"

/* Members of the outer tarball we keep (regular files only). */
struct member {
    char *name;
    void *data;
    size_t len;
    char *link;        /* symlink member: its target resolved to a member name */
};

/* "./x" and "x" name the same member. */
static const char *clean(const char *n)
{
    while (n[0] == '.' && n[1] == '/') n += 2;
    return n;
}

/* A symlink's target as a member name: relative to the link's directory,
 * "x/../" collapsed. NULL when it leaves the archive or is absolute. */
static char *resolve_link(const char *name, const char *target)
{
    if (!target || target[0] == '/') return NULL;
    const char *slash = strrchr(name, '/');
    char *joined = NULL;
    if (asprintf(&joined, "%.*s%s%s", slash ? (int)(slash - name) : 0, name, slash ? "/" : "", target) < 0) return NULL;
    char *out = calloc(1, strlen(joined) + 1);
    size_t ol = 0;
    for (char *save = NULL, *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (!strcmp(seg, ".")) continue;
        if (!strcmp(seg, "..")) {
            if (ol == 0) { /* above the archive root */
                free(out), free(joined);
                return NULL;
            }
            while (ol > 0 && out[ol - 1] != '/') ol--;
            if (ol > 0) ol--;
            out[ol] = '\0';
            continue;
        }
        ol += (size_t)sprintf(out + ol, "%s%s", ol ? "/" : "", seg);
    }
    free(joined);
    return out;
}

static const struct member *find(const struct member *m, size_t n, const char *name)
{
    name = clean(name);
    for (int hops = 0; hops < 8; hops++) { /* docker save links repeated layers */
        const struct member *hit = NULL;
        for (size_t i = 0; i < n && !hit; i++)
            if (!strcmp(m[i].name, name)) hit = &m[i];
        if (!hit || !hit->link) return hit;
        name = hit->link;
    }
    return NULL;
}

static void free_members(struct member *m, size_t n)
{
    for (size_t i = 0; i < n; i++) free(m[i].name), free(m[i].data), free(m[i].link);
    free(m);
}

static int read_members(const void *tar, size_t len, struct member **out, size_t *nout, struct rt_err *err)
{
    if (rt_ar_load(err) < 0) return -1;
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    struct member *m = NULL;
    size_t n = 0;
    int rc = 0;
    if (archive_read_open_memory(a, tar, len) != ARCHIVE_OK) {
        rc = rt_err_set(err, RT_ERR_INVALID, "invalid tar archive: %s", archive_error_string(a));
        goto out;
    }
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        /* Names and hard links must stay inside; symlinks are never
         * followed (only regular members are read), and docker save itself
         * links repeated layers as "../<id>/layer.tar". */
        const char *name = archive_entry_pathname(e), *link = archive_entry_hardlink(e);
        if (!name || !rt_img_safe_path(name) || !rt_img_safe_path(link)) {
            rc = rt_err_set(err, RT_ERR_INVALID, "invalid tar entry %s: absolute paths and \"..\" are not allowed",
                            name && rt_img_safe_path(name) ? link : name ? name : "");
            goto out;
        }
        bool symlink = archive_entry_filetype(e) == AE_IFLNK;
        if (archive_entry_filetype(e) != AE_IFREG && !symlink) continue;
        la_int64_t sz = archive_entry_size(e);
        struct member *nm = realloc(m, (n + 1) * sizeof *m);
        if (!nm || sz < 0) {
            rc = rt_err_set(err, RT_ERR_SYSTEM, "out of memory");
            goto out;
        }
        m = nm;
        if (symlink) { /* kept as a name -> member link, never followed on disk */
            m[n] = (struct member){.name = strdup(clean(name)), .link = resolve_link(clean(name), archive_entry_symlink(e))};
            n++;
            continue;
        }
        m[n].link = NULL;
        m[n].name = strdup(clean(name));
        m[n].len = (size_t)sz;
        m[n].data = malloc(m[n].len + 1);
        n++;
        if (!m[n - 1].name || !m[n - 1].data ||
            archive_read_data(a, m[n - 1].data, m[n - 1].len) != (la_ssize_t)m[n - 1].len) {
            rc = rt_err_set(err, RT_ERR_INVALID, "invalid tar archive: short member %s", name);
            goto out;
        }
        ((char *)m[n - 1].data)[m[n - 1].len] = '\0';
    }
    if (r != ARCHIVE_EOF) rc = rt_err_set(err, RT_ERR_INVALID, "invalid tar archive: %s", archive_error_string(a));
out:
    archive_read_free(a);
    if (rc < 0) {
        free_members(m, n);
        return -1;
    }
    *out = m;
    *nout = n;
    return 0;
}

/* One manifest entry -> stored image; the stream lines go to OUT. */
static int load_one(struct rt_img_store *s, const json_t *ent, const struct member *m, size_t n, json_t *out,
                    struct rt_err *err)
{
    const char *cfgname = rt_json_str(ent, "Config", "");
    const struct member *cfg = find(m, n, cfgname);
    if (!cfg) return rt_err_set(err, RT_ERR_INVALID, "open %s: no such file or directory", cfgname);
    json_t *cj = rt_json_parse(cfg->data, cfg->len, NULL, 0);
    bool ok = json_is_object(cj);
    json_decref(cj);
    if (!ok) return rt_err_set(err, RT_ERR_INVALID, "invalid image config %s", cfgname);
    const json_t *layers = json_object_get(ent, "Layers");
    size_t nl = json_array_size(layers);
    const void **tars = calloc(nl ? nl : 1, sizeof *tars);
    size_t *lens = calloc(nl ? nl : 1, sizeof *lens);
    int rc = 0;
    for (size_t i = 0; i < nl && rc == 0; i++) {
        const char *ln = json_string_value(json_array_get(layers, i));
        const struct member *l = ln ? find(m, n, ln) : NULL;
        if (!l) rc = rt_err_set(err, RT_ERR_INVALID, "open %s: no such file or directory", ln ? ln : "");
        else tars[i] = l->data, lens[i] = l->len;
    }
    const json_t *rt = json_object_get(ent, "RepoTags");
    size_t nt = json_array_size(rt);
    char **tags = calloc(nt ? nt : 1, sizeof *tags);
    for (size_t i = 0; i < nt; i++) {
        const char *t = json_string_value(json_array_get(rt, i));
        tags[i] = rt_img_normalize(t ? t : "");
    }
    /* The config is stored byte for byte: its sha256 stays the image id. */
    char *cfgtext = strndup(cfg->data, cfg->len);
    char id[72];
    if (rc == 0) rc = rt_img_store_layers(s, tars, lens, nl, cfgtext, tags, nt, id, err);
    char line[512];
    for (size_t i = 0; rc == 0 && i < nt; i++) {
        snprintf(line, sizeof line, "Loaded image: %s\n", tags[i]);
        json_array_append_new(out, json_pack("{s:s}", "stream", line));
    }
    if (rc == 0 && nt == 0) {
        snprintf(line, sizeof line, "Loaded image ID: %s\n", id);
        json_array_append_new(out, json_pack("{s:s}", "stream", line));
    }
    for (size_t i = 0; i < nt; i++) free(tags[i]);
    free(tags), free(tars), free(lens), free(cfgtext);
    return rc;
}

json_t *rt_img_load(struct rt_img_store *s, const void *tar, size_t len, struct rt_err *err)
{
    struct member *m = NULL;
    size_t n = 0;
    if (read_members(tar, len, &m, &n, err) < 0) return NULL;
    const struct member *mf = find(m, n, "manifest.json");
    json_t *man = mf ? rt_json_parse(mf->data, mf->len, NULL, 0) : NULL;
    json_t *out = NULL;
    if (!mf) {
        rt_err_set(err, RT_ERR_INVALID, "invalid archive: manifest.json not found (legacy repositories-only archives are not supported)");
    } else if (!json_is_array(man) || json_array_size(man) == 0) {
        rt_err_set(err, RT_ERR_INVALID, "invalid manifest.json: not a non-empty array");
    } else {
        out = json_array();
        size_t i;
        json_t *ent;
        json_array_foreach(man, i, ent) if (load_one(s, ent, m, n, out, err) < 0) {
            json_decref(out);
            out = NULL;
            break;
        }
    }
    json_decref(man);
    free_members(m, n);
    return out;
}
