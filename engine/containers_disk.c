/* config.v2.json + hostconfig.json in dockerd's layout (spec §5.1):
 * <data-root>/containers/<id>/, files 0600 written atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/containers.h"
#include "fsutil.h"
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

/* Does TEXT (LEN bytes) equal what a save of V would write? */
static bool text_is(const char *text, size_t len, const json_t *v)
{
    char *s = rt_json_dump(v);
    bool same = s && text && strlen(s) == len && !memcmp(s, text, len);
    free(s);
    return same;
}

int rt_ctr_disk_load_ex(const char *dir, json_t **doc, json_t **hc, bool *canonical, struct rt_err *err)
{
    *doc = *hc = NULL;
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
    if (canonical) {
        json_t *hd = hc_for_disk(*hc);
        *canonical = !missing && text_is(dtext, dlen, d) && text_is(htext, hlen, hd);
        json_decref(hd);
    }
    free(dtext), free(htext);
    return 0;
}

int rt_ctr_disk_load(const char *dir, json_t **doc, json_t **hc, struct rt_err *err)
{
    int rc = rt_ctr_disk_load_ex(dir, doc, hc, NULL, err);
    if (rc == RT_CTR_DISK_ABSENT)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "config.v2.json: open %s/config.v2.json: %s", dir, rt_strerror(ENOENT));
    return rc;
}

/* Write FILE unless it already holds exactly this text: restore re-saves
 * every container and most checkpoints change only config.v2.json, so the
 * unchanged file costs a read from the page cache, not an fsync. The data is
 * always fsynced before the rename (never a torn file after a power loss);
 * the directory is not (the caller decides, see rt_ctr_disk_save_new). */
static int save_one(const char *dir, const char *file, const json_t *v, bool fresh, struct rt_err *err)
{
    char *s = rt_json_dump(v);
    char *p = rt_path_join(dir, file);
    char ebuf[512];
    int rc = 0;
    size_t len = s ? strlen(s) : 0, have_len = 0;
    char *have = p && !fresh ? rt_read_file(p, len + 1, &have_len) : NULL;
    if (!s || !p)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "%s: out of memory", file);
    else if (have && have_len == len && !memcmp(have, s, len))
        rc = 0;
    else if (rt_atomic_write_flags(p, s, len, 0600, RT_AW_NO_DIRSYNC, ebuf, sizeof ebuf) < 0)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "%s", ebuf);
    free(have);
    free(s);
    free(p);
    return rc;
}

/* FRESH: DIR was just created (nothing to compare with). */
static int save_both(const char *dir, const json_t *doc, const json_t *hc, bool fresh, struct rt_err *err)
{
    /* hostconfig first: config.v2.json is what restore keys on */
    json_t *h = hc_for_disk(hc);
    int rc = save_one(dir, "hostconfig.json", h, fresh, err);
    json_decref(h);
    if (rc == 0) rc = save_one(dir, "config.v2.json", doc, fresh, err);
    return rc;
}

int rt_ctr_disk_save(const char *dir, const json_t *doc, const json_t *hc, struct rt_err *err)
{
    return save_both(dir, doc, hc, false, err);
}

int rt_ctr_disk_save_new(const char *dir, const json_t *doc, const json_t *hc, struct rt_err *err)
{
    if (save_both(dir, doc, hc, true, err) < 0) return -1;
    /* The commit point of a create: both renames, then the new directory's
     * own entry in containers/, durable before the client hears 201. */
    char *parent = rt_path_join(dir, "..");
    int rc = 0;
    if (rt_fsync_dir(dir) < 0 || !parent || rt_fsync_dir(parent) < 0)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "sync %s: %s", dir, rt_strerror(errno));
    free(parent);
    return rc;
}
