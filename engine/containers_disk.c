/* config.v2.json + hostconfig.json in dockerd's layout (spec §5.1):
 * <data-root>/containers/<id>/, files 0600 written atomically. */
#include <errno.h>
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

int rt_ctr_disk_load(const char *dir, json_t **doc, json_t **hc, struct rt_err *err)
{
    *doc = *hc = NULL;
    char jerr[256];
    char *p = rt_path_join(dir, "config.v2.json");
    json_t *d = rt_json_load_file(p, MAX_STATE_FILE, jerr, sizeof jerr);
    free(p);
    if (!d) return rt_err_set(err, RT_ERR_SYSTEM, "config.v2.json: %s", jerr);
    if (!json_is_object(d) || !hex64(json_string_value(json_object_get(d, "ID"))) ||
        !json_is_string(json_object_get(d, "Name")) || !json_is_object(json_object_get(d, "State"))) {
        json_decref(d);
        return rt_err_set(err, RT_ERR_SYSTEM, "config.v2.json: not a container state (ID, Name, State)");
    }
    p = rt_path_join(dir, "hostconfig.json");
    json_t *h = rt_json_load_file(p, MAX_STATE_FILE, jerr, sizeof jerr);
    int missing = !h && errno == ENOENT;
    free(p);
    if (!h && !missing) {
        json_decref(d);
        return rt_err_set(err, RT_ERR_SYSTEM, "hostconfig.json: %s", jerr);
    }
    if (h && !json_is_object(h)) {
        json_decref(d), json_decref(h);
        return rt_err_set(err, RT_ERR_SYSTEM, "hostconfig.json: not an object");
    }
    /* dockerd reads a missing hostconfig.json as an empty HostConfig */
    *doc = d;
    *hc = h ? h : json_object();
    return 0;
}

static int save_one(const char *dir, const char *file, const json_t *v, struct rt_err *err)
{
    char *s = rt_json_dump(v);
    char *p = rt_path_join(dir, file);
    char ebuf[512];
    int rc = 0;
    if (!s || !p)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "%s: out of memory", file);
    else if (rt_atomic_write(p, s, strlen(s), 0600, ebuf, sizeof ebuf) < 0)
        rc = rt_err_set(err, RT_ERR_SYSTEM, "%s", ebuf);
    free(s);
    free(p);
    return rc;
}

int rt_ctr_disk_save(const char *dir, const json_t *doc, const json_t *hc, struct rt_err *err)
{
    /* hostconfig first: config.v2.json is what restore keys on */
    json_t *h = hc ? json_copy((json_t *)hc) : json_object();
    const char *rt = json_string_value(json_object_get(h, "Runtime"));
    if (rt && !*rt) json_object_del(h, "Runtime"); /* §5.1: omitempty */
    int rc = save_one(dir, "hostconfig.json", h, err);
    json_decref(h);
    if (rc == 0) rc = save_one(dir, "config.v2.json", doc, err);
    return rc;
}
