/* config.v2.json + hostconfig.json in dockerd's layout (spec §5.1):
 * <data-root>/containers/<id>/, files 0600 written atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/containers.h"
#include "fsutil.h"
#include "jsoncanon.h"
#include "jsonutil.h"

#define MAX_STATE_FILE (16u << 20)

static bool hex64(const char *s)
{
    return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* FILE under DIR: its text (*TEXT, malloc'd) and JSON; NULL + JERR on failure
 * (errno kept: ENOENT for a missing file). */
static json_t *load_text(const char *dir, const char *file, char **text, size_t *len, char *jerr, size_t jlen)
{
    char *p = rt_path_join(dir, file);
    *text = p ? rt_read_file(p, MAX_STATE_FILE, len) : NULL;
    if (!*text) {
        int e = p ? errno : ENOMEM;
        snprintf(jerr, jlen, "open %s: %s", p ? p : file, rt_strerror(e));
        free(p);
        errno = e;
        return NULL;
    }
    free(p);
    return rt_json_parse(*text, *len, jerr, jlen);
}

/* hostconfig.json as written: an empty "Runtime" is omitted (§5.1). */
static json_t *hc_for_disk(const json_t *hc)
{
    json_t *h = hc ? json_copy((json_t *)hc) : json_object();
    const char *rt = json_string_value(json_object_get(h, "Runtime"));
    if (rt && !*rt) json_object_del(h, "Runtime");
    return h;
}

/* TEXT as the last-written text of a file: kept (shrunk to size) when a
 * save would write exactly it, else freed. */
static char *keep_if_own(char *text, size_t len, bool own, size_t *out_len)
{
    *out_len = 0;
    if (!own) {
        free(text);
        return NULL;
    }
    char *t = realloc(text, len + 1); /* rt_read_file over-allocates */
    *out_len = len;
    return t ? t : text;
}

int rt_ctr_disk_load_ex(const char *dir, json_t **doc, json_t **hc, struct rt_ctr_disk_text *known,
                        struct rt_err *err)
{
    *doc = *hc = NULL;
    if (known) *known = (struct rt_ctr_disk_text){0};
    char jerr[256], *dtext = NULL, *htext = NULL;
    size_t dlen = 0, hlen = 0;
    json_t *d = load_text(dir, "config.v2.json", &dtext, &dlen, jerr, sizeof jerr);
    if (!d && !dtext && errno == ENOENT) return RT_CTR_DISK_ABSENT;
    if (!d) {
        free(dtext);
        return rt_err_set(err, RT_ERR_SYSTEM, "config.v2.json: %s", jerr);
    }
    if (!json_is_object(d) || !hex64(json_string_value(json_object_get(d, "ID"))) ||
        !json_is_string(json_object_get(d, "Name")) || !json_is_object(json_object_get(d, "State"))) {
        json_decref(d);
        free(dtext);
        return rt_err_set(err, RT_ERR_SYSTEM, "config.v2.json: not a container state (ID, Name, State)");
    }
    json_t *h = load_text(dir, "hostconfig.json", &htext, &hlen, jerr, sizeof jerr);
    int missing = !h && !htext && errno == ENOENT;
    if (!h && !missing) {
        json_decref(d);
        free(dtext), free(htext);
        return rt_err_set(err, RT_ERR_SYSTEM, "hostconfig.json: %s", jerr);
    }
    if (h && !json_is_object(h)) {
        json_decref(d), json_decref(h);
        free(dtext), free(htext);
        return rt_err_set(err, RT_ERR_SYSTEM, "hostconfig.json: not an object");
    }
    /* dockerd reads a missing hostconfig.json as an empty HostConfig */
    *doc = d;
    *hc = h ? h : json_object();
    if (known) {
        /* A file is what a save would write when it is its own compact dump
         * (a byte scan, not a re-serialisation) and, for hostconfig.json,
         * holds no empty Runtime (the save drops it). */
        const char *rt = json_string_value(json_object_get(*hc, "Runtime"));
        known->cfg = keep_if_own(dtext, dlen, rt_json_is_dump(dtext, dlen), &known->cfg_len);
        known->hc = keep_if_own(htext, hlen, h && !(rt && !*rt) && rt_json_is_dump(htext, hlen), &known->hc_len);
    } else {
        free(dtext), free(htext);
    }
    return 0;
}

void rt_ctr_disk_text_free(struct rt_ctr_disk_text *t)
{
    free(t->cfg), free(t->hc);
    *t = (struct rt_ctr_disk_text){0};
}

int rt_ctr_disk_load(const char *dir, json_t **doc, json_t **hc, struct rt_err *err)
{
    int rc = rt_ctr_disk_load_ex(dir, doc, hc, NULL, err);
    if (rc == RT_CTR_DISK_ABSENT)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "config.v2.json: open %s/config.v2.json: %s", dir, rt_strerror(ENOENT));
    return rc;
}

/* Write FILE unless *KNOWN (its text on disk, NULL when unknown) is exactly
 * this text: most checkpoints change only config.v2.json, and restore
 * re-saves every container. The comparison is with what this engine last
 * wrote or read, kept in memory, not with a read of the file. The data is
 * always fsynced before the rename (never a torn file after a power loss);
 * the directory is not (the caller decides, see rt_ctr_disk_save_new).
 * KNOWN may be NULL: always write. */
static int save_one(const char *dir, const char *file, const json_t *v, char **known, size_t *known_len,
                    struct rt_err *err)
{
    char *s = rt_json_dump(v);
    size_t len = s ? strlen(s) : 0;
    if (s && known && *known && *known_len == len && !memcmp(*known, s, len)) {
        free(s);
        return 0;
    }
    char *p = rt_path_join(dir, file);
    char ebuf[512];
    int rc = 0;
    if (known) {
        /* unknown until the rename is done: a failed write may leave either */
        free(*known);
        *known = NULL;
    }
    if (!s || !p)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "%s: out of memory", file);
    else if (rt_atomic_write_flags(p, s, len, 0600, RT_AW_NO_DIRSYNC, ebuf, sizeof ebuf) < 0)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "%s", ebuf);
    else if (known) {
        *known = s, *known_len = len;
        s = NULL;
    }
    free(s);
    free(p);
    return rc;
}

int rt_ctr_disk_save(const char *dir, const json_t *doc, const json_t *hc, struct rt_ctr_disk_text *known,
                     struct rt_err *err)
{
    /* hostconfig first: config.v2.json is what restore keys on */
    json_t *h = hc_for_disk(hc);
    int rc = save_one(dir, "hostconfig.json", h, known ? &known->hc : NULL, known ? &known->hc_len : NULL, err);
    json_decref(h);
    if (rc == 0)
        rc = save_one(dir, "config.v2.json", doc, known ? &known->cfg : NULL, known ? &known->cfg_len : NULL, err);
    return rc;
}

int rt_ctr_disk_save_new(const char *dir, const json_t *doc, const json_t *hc, struct rt_ctr_disk_text *known,
                         struct rt_err *err)
{
    if (known) rt_ctr_disk_text_free(known); /* a new directory: nothing on disk */
    if (rt_ctr_disk_save(dir, doc, hc, known, err) < 0) return -1;
    /* The commit point of a create: both renames, then the new directory's
     * own entry in containers/, durable before the client hears 201. */
    char *parent = rt_path_join(dir, "..");
    int rc = 0;
    if (rt_fsync_dir(dir) < 0 || !parent || rt_fsync_dir(parent) < 0)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "sync %s: %s", dir, rt_strerror(errno));
    free(parent);
    return rc;
}
