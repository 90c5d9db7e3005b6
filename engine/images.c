/* Minimal image store: import (libarchive), lookup, list, inspect, delete. */
#include "engine/images.h"
#include "engine/images_int.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/containers.h"
#include "engine/images_ar.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "naming.h"

struct rt_img_store {
    pthread_mutex_t mu;        /* serializes imports/deletes and the index */
    char *root;                /* <data-root>/images */
    json_t *repos;             /* repositories.json */
};

static struct rt_img_store *default_store;
struct rt_img_store *rt_img_store_default(void) { return __atomic_load_n(&default_store, __ATOMIC_ACQUIRE); }
void rt_img_store_set_default(struct rt_img_store *s) { __atomic_store_n(&default_store, s, __ATOMIC_RELEASE); }

static char *repos_path(const struct rt_img_store *s) { return rt_path_join(s->root, "repositories.json"); }

struct rt_img_store *rt_img_store_new(const char *data_root)
{
    struct rt_img_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    pthread_mutex_init(&s->mu, NULL);
    s->root = rt_path_join(data_root, "images");
    if (rt_mkdir_p(s->root, 0700) < 0) {
        rt_error("mkdir %s: %s", s->root, rt_strerror(errno));
        rt_img_store_free(s);
        return NULL;
    }
    char *p = repos_path(s);
    char jerr[256];
    s->repos = rt_json_load_file(p, 64u << 20, jerr, sizeof jerr);
    if (!s->repos && errno != ENOENT) rt_error("image index %s unreadable (%s); starting empty", p, jerr);
    if (!json_is_object(json_object_get(s->repos, "Repositories"))) {
        json_decref(s->repos);
        s->repos = json_pack("{s:{}}", "Repositories");
    }
    free(p);
    return s;
}

void rt_img_store_free(struct rt_img_store *s)
{
    if (!s) return;
    json_decref(s->repos);
    free(s->root);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

char *rt_img_normalize(const char *ref)
{
    const char *colon = strrchr(ref, ':');
    char *out = NULL;
    if (colon && !strchr(colon, '/'))
        out = strdup(ref);
    else if (asprintf(&out, "%s:latest", ref) < 0)
        out = NULL;
    return out;
}

/* Caller holds mu. Index "name:tag" -> "sha256:..." or NULL. */
static const char *tag_lookup(struct rt_img_store *s, const char *nametag)
{
    const char *repo;
    json_t *tags;
    json_object_foreach(json_object_get(s->repos, "Repositories"), repo, tags) {
        const char *v = json_string_value(json_object_get(tags, nametag));
        if (v) return v;
    }
    return NULL;
}

static bool image_dir_exists(struct rt_img_store *s, const char *hex)
{
    char *p = rt_path_join(s->root, hex);
    char *c = rt_path_join(p, "config.json");
    bool ok = access(c, R_OK) == 0;
    free(p), free(c);
    return ok;
}

static bool is_hex(const char *s, size_t min)
{
    size_t n = strlen(s);
    return n >= min && n <= 64 && strspn(s, "0123456789abcdef") == n;
}

/* Caller holds mu. Hex id of REF into HEX[65], or -1 with ERR. */
static int resolve_locked(struct rt_img_store *s, const char *ref, char hex[65], struct rt_err *err)
{
    const char *r = ref;
    bool digest = !strncmp(r, "sha256:", 7);
    if (digest) r += 7;
    if (!digest) {
        char *nt = rt_img_normalize(ref);
        const char *v = nt ? tag_lookup(s, nt) : NULL;
        free(nt);
        if (v && strlen(v) == 71) {
            snprintf(hex, 65, "%s", v + 7);
            return 0;
        }
    }
    if (is_hex(r, 1)) {
        if (strlen(r) == 64 && image_dir_exists(s, r)) {
            snprintf(hex, 65, "%s", r);
            return 0;
        }
        DIR *d = opendir(s->root);
        int hits = 0;
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (strlen(e->d_name) == 64 && !strncmp(e->d_name, r, strlen(r)) && is_hex(e->d_name, 64)) {
                if (hits++ == 0) snprintf(hex, 65, "%s", e->d_name);
            }
        if (d) closedir(d);
        if (hits == 1) return 0;
    }
    return rt_err_set(err, RT_ERR_NOT_FOUND, "No such image: %s", ref);
}

static json_t *load_json(struct rt_img_store *s, const char *hex, const char *file)
{
    char *d = rt_path_join(s->root, hex);
    char *p = rt_path_join(d, file);
    json_t *v = rt_json_load_file(p, 16u << 20, NULL, 0);
    free(d), free(p);
    return v;
}

int rt_img_resolve(struct rt_img_store *s, const char *ref, char id[72], json_t **config, struct rt_err *err)
{
    char hex[65];
    pthread_mutex_lock(&s->mu);
    int rc = resolve_locked(s, ref, hex, err);
    if (rc == 0) {
        snprintf(id, 72, "sha256:%s", hex);
        if (config) *config = load_json(s, hex, "config.json");
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- import ---- */

bool rt_img_safe_path(const char *p)
{
    if (!p) return true;
    if (*p == '/') return false;
    for (const char *c = p; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 2 && c[0] == '.' && c[1] == '.') return false;
        c += n;
        while (*c == '/') c++;
    }
    return true;
}

static struct archive *open_reader(const void *tar, size_t len)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    if (archive_read_open_memory(a, tar, len) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* First pass: refuse unsafe names before anything is written. Sums sizes. */
static int check_entries(const void *tar, size_t len, long long *size, struct rt_err *err)
{
    if (rt_ar_load(err) < 0) return -1; /* the first pass: extract() runs only after it */
    struct archive *a = open_reader(tar, len);
    if (!a) return rt_err_set(err, RT_ERR_INVALID, "archive/tar: invalid tar header");
    struct archive_entry *ent;
    int r, n = 0;
    *size = 0;
    while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname(ent);
        const char *link = archive_entry_hardlink(ent);
        if (!rt_img_safe_path(name) || !rt_img_safe_path(link)) {
            rt_err_set(err, RT_ERR_INVALID, "invalid tar entry %s: absolute paths and \"..\" are not allowed",
                       !rt_img_safe_path(name) ? name : link);
            archive_read_free(a);
            return -1;
        }
        *size += archive_entry_size(ent);
        n++;
    }
    if (r != ARCHIVE_EOF) {
        rt_err_set(err, RT_ERR_INVALID, "invalid tar archive: %s", archive_error_string(a));
        archive_read_free(a);
        return -1;
    }
    archive_read_free(a);
    return 0;
}

/* Second pass: extract under DEST (a fresh directory). */
static int extract(const void *tar, size_t len, const char *dest, struct rt_err *err)
{
    struct archive *a = open_reader(tar, len);
    struct archive *w = archive_write_disk_new();
    /* Names were checked in the first pass and are prefixed with DEST here,
     * so they are absolute by construction: no NOABSOLUTEPATHS flag. */
    archive_write_disk_set_options(w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                          ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                          (geteuid() == 0 ? ARCHIVE_EXTRACT_OWNER : 0));
    archive_write_disk_set_standard_lookup(w);
    struct archive_entry *ent;
    int r, rc = 0;
    while (a && ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
        char *p = rt_path_join(dest, archive_entry_pathname(ent));
        archive_entry_set_pathname(ent, p);
        free(p);
        const char *hl = archive_entry_hardlink(ent);
        if (hl) {
            char *hp = rt_path_join(dest, hl);
            archive_entry_set_hardlink(ent, hp);
            free(hp);
        }
        if (archive_write_header(w, ent) < ARCHIVE_WARN) {
            /* e.g. device nodes without root: skip the entry, keep going */
            rt_debug("import: skipping %s: %s", archive_entry_pathname(ent), archive_error_string(w));
            continue;
        }
        const void *buf;
        size_t sz;
        la_int64_t off;
        while ((r = archive_read_data_block(a, &buf, &sz, &off)) == ARCHIVE_OK)
            if (archive_write_data_block(w, buf, sz, off) < ARCHIVE_OK) break;
        if (r < ARCHIVE_WARN) {
            rc = rt_err_set(err, RT_ERR_INVALID, "invalid tar archive: %s", archive_error_string(a));
            break;
        }
        archive_write_finish_entry(w);
    }
    if (!a) rc = rt_err_set(err, RT_ERR_INVALID, "invalid tar archive");
    if (a) archive_read_free(a);
    archive_write_free(w);
    return rc;
}

static void now_rfc3339(char out[40]) { rt_ctr_now(out); }

/* Caller holds mu. Tag NAMETAG -> ID ("sha256:..."), save the index. */
static int tag_locked(struct rt_img_store *s, const char *nametag, const char *id, struct rt_err *err)
{
    const char *colon = strrchr(nametag, ':');
    char *repo = strndup(nametag, (size_t)(colon - nametag));
    json_t *repos = json_object_get(s->repos, "Repositories");
    json_t *tags = json_object_get(repos, repo);
    if (!tags) json_object_set_new(repos, repo, tags = json_object());
    json_object_set_new(tags, nametag, json_string(id));
    free(repo);
    char *p = repos_path(s);
    int rc = rt_json_save_file(p, s->repos, 0600);
    free(p);
    if (rc < 0) return rt_err_set(err, RT_ERR_SYSTEM, "saving image index: %s", rt_strerror(errno));
    return 0;
}

int rt_img_import(struct rt_img_store *s, const void *tar, size_t len, const char *repo, const char *tag,
                  const char *message, char id[72], struct rt_err *err)
{
    char *nametag = NULL;
    if (repo && *repo) {
        const char *colon = strrchr(repo, ':');
        bool has_tag = colon && !strchr(colon, '/');
        if (has_tag || !tag || !*tag)
            nametag = rt_img_normalize(repo);
        else if (asprintf(&nametag, "%s:%s", repo, tag) < 0)
            nametag = NULL;
    }
    char diff[65], created[40];
    rt_sha256_hex(tar, len, diff);
    now_rfc3339(created);
    char diffid[72];
    snprintf(diffid, sizeof diffid, "sha256:%s", diff);
    json_t *cfg = json_pack("{s:s,s:{s:n,s:n,s:n,s:s,s:n},s:s,s:s,s:[{s:s,s:s}],s:s,s:{s:s,s:[s]}}",
                            "architecture", "amd64", "config", "Env", "Cmd", "Entrypoint", "WorkingDir", "",
                            "Labels", "created", created, "docker_version", "", "history", "created", created,
                            "comment", message && *message ? message : "Imported from -", "os", "linux",
                            "rootfs", "type", "layers", "diff_ids", diffid);
    char *cfgtext = rt_json_dump(cfg);
    json_decref(cfg);

    char *tags[1] = {nametag};
    int rc = rt_img_store_layers(s, &tar, &len, 1, cfgtext, tags, nametag ? 1 : 0, id, err);
    free(cfgtext);
    free(nametag);
    return rc;
}

int rt_img_store_layers(struct rt_img_store *s, const void *const *tars, const size_t *lens, size_t n,
                        const char *cfgtext, char *const *nametags, size_t ntags, char id[72], struct rt_err *err)
{
    long long size = 0;
    for (size_t i = 0; i < n; i++) {
        long long sz = 0;
        if (check_entries(tars[i], lens[i], &sz, err) < 0) return -1;
        size += sz;
    }
    char hex[65];
    rt_sha256_hex(cfgtext, strlen(cfgtext), hex);
    pthread_mutex_lock(&s->mu);
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof tmpl, "%s/.tmp-import-XXXXXX", s->root);
    int rc = -1;
    char *final = rt_path_join(s->root, hex);
    if (image_dir_exists(s, hex)) { /* the same config again (docker load twice): just tag */
        rc = 0;
        goto tag;
    }
    if (!mkdtemp(tmpl)) {
        rt_err_set(err, RT_ERR_SYSTEM, "mkdtemp %s: %s", tmpl, rt_strerror(errno));
        goto out;
    }
    char *rootfs = rt_path_join(tmpl, "rootfs");
    char *cpath = rt_path_join(tmpl, "config.json");
    char *mpath = rt_path_join(tmpl, "meta.json");
    char meta[64], ebuf[256];
    int mlen = snprintf(meta, sizeof meta, "{\"Size\":%lld}", size);
    bool extracted = true;
    if (rt_mkdir_p(rootfs, 0755) < 0) {
        rt_err_set(err, RT_ERR_SYSTEM, "mkdir %s: %s", rootfs, rt_strerror(errno));
        extracted = false;
    }
    for (size_t i = 0; extracted && i < n; i++) /* layers in order; no whiteouts */
        if (extract(tars[i], lens[i], rootfs, err) < 0) extracted = false;
    if (!extracted)
        ;
    else if (rt_atomic_write(cpath, cfgtext, strlen(cfgtext), 0600, ebuf, sizeof ebuf) < 0 ||
             rt_atomic_write(mpath, meta, (size_t)mlen, 0600, ebuf, sizeof ebuf) < 0)
        rt_err_set(err, RT_ERR_SYSTEM, "%s", ebuf);
    else if (rename(tmpl, final) < 0)
        rt_err_set(err, RT_ERR_SYSTEM, "rename %s: %s", final, rt_strerror(errno));
    else
        rc = 0;
    free(rootfs), free(cpath), free(mpath);
    if (rc < 0) rt_rm_rf(tmpl);
tag:
    if (rc == 0) {
        snprintf(id, 72, "sha256:%s", hex);
        for (size_t i = 0; i < ntags && rc == 0; i++) rc = tag_locked(s, nametags[i], id, err);
    }
out:
    pthread_mutex_unlock(&s->mu);
    free(final);
    return rc;
}

/* ---- list / inspect / delete ---- */

/* Caller holds mu. Tags pointing at ID. */
static json_t *tags_of(struct rt_img_store *s, const char *id)
{
    json_t *out = json_array();
    const char *repo, *nt;
    json_t *tags, *v;
    json_object_foreach(json_object_get(s->repos, "Repositories"), repo, tags)
        json_object_foreach(tags, nt, v)
            if (!strcmp(json_string_value(v) ? json_string_value(v) : "", id)) json_array_append_new(out, json_string(nt));
    return out;
}

static long long unix_of(const char *rfc)
{
    struct tm tm = {0};
    if (!rfc || !strptime(rfc, "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    return (long long)timegm(&tm);
}

/* Caller holds mu. */
static json_t *summary(struct rt_img_store *s, const char *hex)
{
    json_t *cfg = load_json(s, hex, "config.json");
    if (!cfg) return NULL;
    json_t *meta = load_json(s, hex, "meta.json");
    char id[72];
    snprintf(id, sizeof id, "sha256:%s", hex);
    long long size = rt_json_int(meta, "Size", 0);
    json_t *labels = json_object_get(json_object_get(cfg, "config"), "Labels");
    json_t *v = json_pack("{s:i,s:I,s:s,s:O,s:s,s:[],s:o,s:i,s:I,s:I}", "Containers", -1, "Created",
                          (json_int_t)unix_of(rt_json_str(cfg, "created", "")), "Id", id, "Labels",
                          labels ? labels : json_null(), "ParentId", "", "RepoDigests", "RepoTags",
                          tags_of(s, id), "SharedSize", -1, "Size", (json_int_t)size, "VirtualSize",
                          (json_int_t)size);
    json_decref(cfg);
    json_decref(meta);
    return v;
}

json_t *rt_img_list(struct rt_img_store *s)
{
    json_t *arr = json_array();
    pthread_mutex_lock(&s->mu);
    DIR *d = opendir(s->root);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (is_hex(e->d_name, 64)) {
            json_t *v = summary(s, e->d_name);
            if (v) json_array_append_new(arr, v);
        }
    if (d) closedir(d);
    pthread_mutex_unlock(&s->mu);
    return arr;
}

json_t *rt_img_inspect(struct rt_img_store *s, const char *ref, struct rt_err *err)
{
    char hex[65];
    pthread_mutex_lock(&s->mu);
    json_t *out = NULL;
    if (resolve_locked(s, ref, hex, err) == 0) {
        json_t *cfg = load_json(s, hex, "config.json");
        json_t *meta = load_json(s, hex, "meta.json");
        char id[72];
        snprintf(id, sizeof id, "sha256:%s", hex);
        long long size = rt_json_int(meta, "Size", 0);
        json_t *c = json_object_get(cfg, "config");
        json_t *rootfs = json_object_get(cfg, "rootfs");
        json_t *hist = json_object_get(cfg, "history");
        out = json_pack("{s:s,s:o,s:[],s:s,s:s,s:s,s:s,s:{},s:s,s:s,s:O,s:s,s:s,s:I,s:I,"
                        "s:{s:n,s:s},s:{s:s,s:O},s:{s:s}}",
                        "Id", id, "RepoTags", tags_of(s, id), "RepoDigests", "Parent", "", "Comment",
                        rt_json_str(json_array_get(hist, 0), "comment", ""), "Created",
                        rt_json_str(cfg, "created", ""), "Container", "", "ContainerConfig",
                        "DockerVersion", "", "Author", "", "Config", c ? c : json_null(), "Architecture",
                        rt_json_str(cfg, "architecture", "amd64"), "Os", rt_json_str(cfg, "os", "linux"),
                        "Size", (json_int_t)size, "VirtualSize", (json_int_t)size, "GraphDriver", "Data",
                        "Name", "rtengined", "RootFS", "Type", "layers", "Layers",
                        json_object_get(rootfs, "diff_ids") ? json_object_get(rootfs, "diff_ids") : json_null(),
                        "Metadata", "LastTagTime", "0001-01-01T00:00:00Z");
        json_decref(cfg);
        json_decref(meta);
    }
    pthread_mutex_unlock(&s->mu);
    return out;
}

/* Caller holds mu. Drop tag NT from the index (no save). */
static void untag_locked(struct rt_img_store *s, const char *nt)
{
    const char *repo;
    json_t *tags, *tmp;
    json_t *repos = json_object_get(s->repos, "Repositories");
    json_object_foreach_safe(repos, tmp, repo, tags) {
        json_object_del(tags, nt);
        if (json_object_size(tags) == 0) json_object_del(repos, repo);
    }
}

json_t *rt_img_delete(struct rt_img_store *s, const char *ref, bool force, struct rt_ctr_store *ctrs,
                      struct rt_err *err)
{
    char hex[65], id[72], cid[65];
    pthread_mutex_lock(&s->mu);
    json_t *out = NULL;
    if (resolve_locked(s, ref, hex, err) < 0) goto done;
    snprintf(id, sizeof id, "sha256:%s", hex);
    char *nt = rt_img_normalize(ref);
    bool by_name = nt && !strcmp(tag_lookup(s, nt) ? tag_lookup(s, nt) : "", id) && strncmp(ref, "sha256:", 7);
    json_t *tags = tags_of(s, id);
    bool in_use = ctrs && rt_ctr_image_in_use(ctrs, id, cid);
    out = json_array();
    if (by_name && (json_array_size(tags) > 1 || !in_use || force)) {
        untag_locked(s, nt);
        json_array_append_new(out, json_pack("{s:s}", "Untagged", nt));
    } else if (by_name && in_use) {
        rt_err_set(err, RT_ERR_CONFLICT,
                   "conflict: unable to remove repository reference \"%s\" (must force) - container %.12s "
                   "is using its referenced image %.12s", ref, cid, hex);
        json_decref(out);
        out = NULL;
    }
    bool running = false;
    if (in_use) { /* dockerd: a running user cannot be forced away */
        json_t *v = rt_ctr_view(ctrs, cid, NULL);
        running = rt_json_bool(json_object_get(v, "State"), "Running", 0);
        json_decref(v);
    }
    if (out && !by_name) {
        if (running) {
            rt_err_set(err, RT_ERR_CONFLICT,
                       "conflict: unable to delete %.12s (cannot be forced) - image is being used by running "
                       "container %.12s", hex, cid);
            json_decref(out);
            out = NULL;
        } else if (in_use && !force) {
            rt_err_set(err, RT_ERR_CONFLICT,
                       "conflict: unable to delete %.12s (must be forced) - image is being used by stopped "
                       "container %.12s", hex, cid);
            json_decref(out);
            out = NULL;
        } else if (json_array_size(tags) > 1 && !force) {
            rt_err_set(err, RT_ERR_CONFLICT,
                       "conflict: unable to delete %.12s (must be forced) - image is referenced in multiple "
                       "repositories", hex);
            json_decref(out);
            out = NULL;
        } else {
            size_t i;
            json_t *t;
            json_array_foreach(tags, i, t) {
                untag_locked(s, json_string_value(t));
                json_array_append_new(out, json_pack("{s:O}", "Untagged", t));
            }
        }
    }
    /* The image goes when no tag is left and nothing uses it (or forced). */
    if (out) {
        json_t *left = tags_of(s, id);
        if (json_array_size(left) == 0 && (!in_use || force)) {
            char *dir = rt_path_join(s->root, hex);
            rt_rm_rf(dir);
            free(dir);
            json_array_append_new(out, json_pack("{s:s}", "Deleted", id));
        }
        json_decref(left);
        char *p = repos_path(s);
        if (rt_json_save_file(p, s->repos, 0600) < 0) rt_error("saving image index: %s", rt_strerror(errno));
        free(p);
    }
    json_decref(tags);
    free(nt);
done:
    pthread_mutex_unlock(&s->mu);
    return out;
}
