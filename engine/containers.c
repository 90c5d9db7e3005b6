/* Container store: objects, lookup, committed views, names, insert/remove. */
#include "engine/containers.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/ctr_index.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "log.h"
#include "naming.h"

struct entry {
    struct rt_container *c;
    json_t *view;              /* immutable; replaced at each commit */
    char *name;                /* "/x" */
};

struct rt_ctr_store {
    pthread_mutex_t mu;        /* short: guards the array, indexes and views */
    struct entry *e;           /* in no particular order */
    size_t n, cap;
    struct rt_ctr_index by_id, by_name; /* -> index in E; name keys without "/" */
    char *root;                /* <data-root>/containers */
};

/* The name index's key: names match with or without their "/". */
static const char *name_key(const char *name) { return name + (*name == '/'); }

static struct rt_ctr_store *default_store;
static rt_ctr_start_fn start_hook;

void rt_ctr_set_start_hook(rt_ctr_start_fn fn) { __atomic_store_n(&start_hook, fn, __ATOMIC_RELEASE); }
rt_ctr_start_fn rt_ctr_get_start_hook(void) { return __atomic_load_n(&start_hook, __ATOMIC_ACQUIRE); }
struct rt_ctr_store *rt_ctr_store_default(void) { return __atomic_load_n(&default_store, __ATOMIC_ACQUIRE); }
void rt_ctr_store_set_default(struct rt_ctr_store *s) { __atomic_store_n(&default_store, s, __ATOMIC_RELEASE); }
const char *rt_ctr_store_root(const struct rt_ctr_store *s) { return s->root; }

struct rt_ctr_store *rt_ctr_store_new(const char *data_root)
{
    struct rt_ctr_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    pthread_mutex_init(&s->mu, NULL);
    s->root = rt_path_join(data_root, "containers");
    if (rt_mkdir_p(s->root, 0700) < 0) {
        rt_error("mkdir %s: %s", s->root, rt_strerror(errno));
        rt_ctr_store_free(s);
        return NULL;
    }
    return s;
}

static void container_free(struct rt_container *c)
{
    json_decref(c->doc);
    json_decref(c->hc);
    rt_ctr_disk_text_free(&c->disk);
    free(c->dir);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void rt_ctr_put(struct rt_container *c)
{
    if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0) container_free(c);
}

static struct rt_container *ref(struct rt_container *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
    return c;
}

void rt_ctr_store_free(struct rt_ctr_store *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) {
        json_decref(s->e[i].view);
        free(s->e[i].name);
        rt_ctr_put(s->e[i].c);
    }
    free(s->e);
    rt_ctr_index_free(&s->by_id);
    rt_ctr_index_free(&s->by_name);
    free(s->root);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* ---- names ---- */

static bool name_char(char ch, bool first)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return true;
    return !first && (ch == '_' || ch == '.' || ch == '-');
}

bool rt_ctr_name_valid(const char *name)
{
    if (!name) return false;
    if (*name == '/') name++;
    if (!name_char(name[0], true) || !name[1]) return false;
    for (const char *p = name + 1; *p; p++)
        if (!name_char(*p, false)) return false;
    return true;
}

/* Caller holds s->mu. */
static ssize_t find_name_locked(struct rt_ctr_store *s, const char *name)
{
    size_t i;
    return rt_ctr_index_get(&s->by_name, name_key(name), &i) ? (ssize_t)i : -1;
}

static ssize_t find_id_locked(struct rt_ctr_store *s, const char *id)
{
    size_t i;
    return rt_ctr_index_get(&s->by_id, id, &i) ? (ssize_t)i : -1;
}

char *rt_ctr_name_generate(struct rt_ctr_store *s)
{
    static const char *const adj[] = {"brave", "calm", "eager", "fervent", "gallant", "happy",
                                      "jolly", "keen", "lucid", "modest", "nifty", "quirky",
                                      "serene", "tender", "upbeat", "vibrant", "witty", "zealous"};
    static const char *const who[] = {"hopper", "lovelace", "turing", "curie", "noether",
                                      "ritchie", "thompson", "knuth", "hamilton", "shannon",
                                      "lamport", "liskov", "dijkstra", "babbage", "goldberg"};
    unsigned char rnd[8];
    for (int attempt = 0;; attempt++) {
        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
            for (size_t i = 0; i < sizeof rnd; i++) rnd[i] = (unsigned char)rand();
        char *name = NULL;
        if (attempt < 10)
            (void)!asprintf(&name, "/%s_%s", adj[rnd[0] % 18], who[rnd[1] % 15]);
        else
            (void)!asprintf(&name, "/%s_%s%u", adj[rnd[0] % 18], who[rnd[1] % 15],
                            (unsigned)rnd[2] * 256u + rnd[3]);
        if (!name) break;
        pthread_mutex_lock(&s->mu);
        bool used = find_name_locked(s, name) >= 0;
        pthread_mutex_unlock(&s->mu);
        if (!used) return name;
        free(name);
    }
    return NULL;
}

/* ---- state helpers ---- */

void rt_ctr_now(char out[40])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char base[24];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    /* Go trims trailing zeros of the fraction */
    char frac[16];
    snprintf(frac, sizeof frac, "%09ld", ts.tv_nsec);
    size_t n = strlen(frac);
    while (n && frac[n - 1] == '0') frac[--n] = '\0';
    snprintf(out, 40, "%s%s%sZ", base, n ? "." : "", frac);
}

static json_t *state_of(const json_t *doc) { return json_object_get(doc, "State"); }
static bool jbool(const json_t *o, const char *k) { return json_is_true(json_object_get(o, k)); }

const char *rt_ctr_status(const json_t *doc)
{
    const json_t *st = state_of(doc);
    if (jbool(st, "Running")) {
        if (jbool(st, "Paused")) return "paused";
        if (jbool(st, "Restarting")) return "restarting";
        return "running";
    }
    if (jbool(st, "RemovalInProgress")) return "removing";
    if (jbool(st, "Dead")) return "dead";
    const char *started = json_string_value(json_object_get(st, "StartedAt"));
    if (!started || !strncmp(started, "0001-01-01", 10)) return "created";
    return "exited";
}

void rt_ctr_set_running(struct rt_container *c, int pid)
{
    json_t *st = state_of(c->doc);
    char now[40];
    rt_ctr_now(now);
    json_object_set_new(st, "Running", json_true());
    json_object_set_new(st, "Paused", json_false());
    json_object_set_new(st, "Restarting", json_false());
    json_object_set_new(st, "OOMKilled", json_false());
    json_object_set_new(st, "Pid", json_integer(pid));
    json_object_set_new(st, "ExitCode", json_integer(0));
    json_object_set_new(st, "Error", json_string(""));
    json_object_set_new(st, "StartedAt", json_string(now));
    json_object_set_new(c->doc, "HasBeenStartedBefore", json_true());
    json_object_set_new(c->doc, "HasBeenManuallyStopped", json_false());
}

void rt_ctr_set_stopped(struct rt_container *c, int exit_code)
{
    json_t *st = state_of(c->doc);
    char now[40];
    rt_ctr_now(now);
    json_object_set_new(st, "Running", json_false());
    json_object_set_new(st, "Paused", json_false());
    json_object_set_new(st, "Restarting", json_false());
    json_object_set_new(st, "Pid", json_integer(0));
    json_object_set_new(st, "ExitCode", json_integer(exit_code));
    json_object_set_new(st, "FinishedAt", json_string(now));
}

void rt_ctr_set_error(struct rt_container *c, int exit_code, const char *msg)
{
    json_t *st = state_of(c->doc);
    json_object_set_new(st, "ExitCode", json_integer(exit_code));
    json_object_set_new(st, "Error", json_string(msg ? msg : ""));
}

const char *rt_ctr_runtime(const struct rt_container *c)
{
    const char *r = json_string_value(json_object_get(c->hc, "Runtime"));
    return r ? r : "";
}

/* ---- views ---- */

/* The same immutable value in every view, made once (a reference, or a
 * fresh one if making it failed). */
static json_t *graph_driver, *no_mounts;
static json_t *shared_constant(json_t **slot, const char *fmt, ...)
{
    json_t *v = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!v) {
        va_list ap;
        va_start(ap, fmt);
        json_t *made = json_vpack_ex(NULL, 0, fmt, ap);
        va_end(ap);
        json_t *expect = NULL;
        if (!made) return json_null();
        if (__atomic_compare_exchange_n(slot, &expect, made, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return json_incref(made);
        json_decref(made); /* another thread made it first */
        v = expect;
    }
    return json_incref(v);
}

/* V itself (shared, see containers.h), or null. */
static json_t *ref_or_null(json_t *v) { return v ? json_incref(v) : json_null(); }

/* The inspect-shaped view of a committed state. Nested values are shared
 * with DOC and HC, not copied (they are never changed in place). */
static json_t *build_view(const struct rt_container *c)
{
    json_t *d = c->doc, *st = state_of(d);
    json_t *v = json_object();
    json_t *id = json_object_get(d, "ID"); /* restore checked it is C->ID */
    json_object_set_new(v, "Id", json_is_string(id) && !strcmp(json_string_value(id), c->id) ? json_incref(id)
                                                                                            : json_string(c->id));
    json_object_set_new(v, "Created", ref_or_null(json_object_get(d, "Created")));
    json_object_set_new(v, "Path", ref_or_null(json_object_get(d, "Path")));
    json_t *args = json_object_get(d, "Args");
    json_object_set_new(v, "Args", args ? json_incref(args) : json_array());
    json_t *s = json_object();
    json_object_set_new(s, "Status", json_string(rt_ctr_status(d)));
    static const char *const keys[] = {"Running", "Paused", "Restarting", "OOMKilled", "Dead",
                                       "Pid", "ExitCode", "Error", "StartedAt", "FinishedAt"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *x = json_object_get(st, keys[i]);
        json_object_set_new(s, keys[i], x ? json_incref(x) : json_false());
    }
    json_object_set_new(v, "State", s);
    json_object_set_new(v, "Image", ref_or_null(json_object_get(d, "Image")));
    static const struct {
        const char *key, *from, *def;
    } strs[] = {{"ResolvConfPath", "ResolvConfPath", ""}, {"HostnamePath", "HostnamePath", ""},
                {"HostsPath", "HostsPath", ""},           {"LogPath", "LogPath", ""},
                {"Name", "Name", ""},                     {"Driver", "Driver", "rtengined"},
                {"Platform", "OS", "linux"},              {"MountLabel", "MountLabel", ""},
                {"ProcessLabel", "ProcessLabel", ""},     {"AppArmorProfile", "AppArmorProfile", ""}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        json_t *x = json_object_get(d, strs[i].from);
        json_object_set_new(v, strs[i].key, json_is_string(x) ? json_incref(x) : json_string(strs[i].def));
    }
    json_t *rc = json_object_get(d, "RestartCount");
    json_object_set_new(v, "RestartCount", json_is_integer(rc) ? json_incref(rc) : json_integer(0));
    json_object_set_new(v, "ExecIDs", json_null());
    /* HC's own keys change (Runtime at a start): a copy of the top level */
    json_t *hc = c->hc ? json_copy(c->hc) : json_object();
    const char *rt = json_string_value(json_object_get(hc, "Runtime"));
    if (rt && !*rt) json_object_del(hc, "Runtime"); /* §5.1: omitted when empty */
    json_object_set_new(v, "HostConfig", hc);
    json_object_set_new(v, "GraphDriver", shared_constant(&graph_driver, "{s:n,s:s}", "Data", "Name", "rtengined"));
    json_object_set_new(v, "Mounts", shared_constant(&no_mounts, "[]"));
    json_t *cfg = json_object_get(d, "Config");
    json_object_set_new(v, "Config", cfg ? json_incref(cfg) : json_object());
    json_t *ns = json_object_get(d, "NetworkSettings");
    json_object_set_new(v, "NetworkSettings", ns ? json_incref(ns) : json_pack("{s:{}}", "Networks"));
    return v;
}

/* Publish C's view (caller holds C->LOCK, not s->mu). */
static void publish(struct rt_ctr_store *s, struct rt_container *c)
{
    json_t *v = build_view(c);
    pthread_mutex_lock(&s->mu);
    ssize_t i = find_id_locked(s, c->id);
    if (i >= 0 && s->e[i].c == c) {
        json_t *old = s->e[i].view;
        s->e[i].view = v;
        v = old;
    }
    pthread_mutex_unlock(&s->mu);
    json_decref(v);
}

/* ---- lookup ---- */

/* Caller holds s->mu. Index of REF, or -1 with ERR. */
static ssize_t find_locked(struct rt_ctr_store *s, const char *r, struct rt_err *err)
{
    if (!r || !*r) {
        rt_err_set(err, RT_ERR_NOT_FOUND, "No such container: %s", r ? r : "");
        return -1;
    }
    ssize_t i = find_id_locked(s, r);
    if (i >= 0) return i;
    i = find_name_locked(s, r);
    if (i >= 0) return i;
    size_t len = strlen(r);
    ssize_t hit = -1;
    if (len < 64 && strspn(r, "0123456789abcdef") == len)
        for (size_t k = 0; k < s->n; k++)
            if (!strncmp(s->e[k].c->id, r, len)) {
                if (hit >= 0) {
                    rt_err_set(err, RT_ERR_INVALID, "multiple IDs found with provided prefix: %s", r);
                    return -1;
                }
                hit = (ssize_t)k;
            }
    if (hit < 0) rt_err_set(err, RT_ERR_NOT_FOUND, "No such container: %s", r);
    return hit;
}

struct rt_container *rt_ctr_lookup(struct rt_ctr_store *s, const char *r, struct rt_err *err)
{
    pthread_mutex_lock(&s->mu);
    ssize_t i = find_locked(s, r, err);
    struct rt_container *c = i >= 0 ? ref(s->e[i].c) : NULL;
    pthread_mutex_unlock(&s->mu);
    return c;
}

json_t *rt_ctr_view(struct rt_ctr_store *s, const char *r, struct rt_err *err)
{
    pthread_mutex_lock(&s->mu);
    ssize_t i = find_locked(s, r, err);
    json_t *v = i >= 0 ? json_incref(s->e[i].view) : NULL;
    pthread_mutex_unlock(&s->mu);
    return v;
}

static int by_created_desc(const void *a, const void *b)
{
    const char *ca = rt_json_str(*(json_t *const *)a, "Created", "");
    const char *cb = rt_json_str(*(json_t *const *)b, "Created", "");
    return strcmp(cb, ca);
}

json_t *rt_ctr_views(struct rt_ctr_store *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    json_t **v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++) v[i] = json_incref(s->e[i].view);
    pthread_mutex_unlock(&s->mu);
    json_t *arr = json_array();
    if (!v) return arr;
    qsort(v, n, sizeof *v, by_created_desc);
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, v[i]);
    free(v);
    return arr;
}

size_t rt_ctr_count(struct rt_ctr_store *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

bool rt_ctr_image_in_use(struct rt_ctr_store *s, const char *image_id, char out_id[65])
{
    bool used = false;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n && !used; i++) {
        const char *img = rt_json_str(s->e[i].view, "Image", "");
        if (!strcmp(img, image_id)) {
            used = true;
            if (out_id) snprintf(out_id, 65, "%s", s->e[i].c->id);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return used;
}

/* ---- insert / checkpoint / remove ---- */

int rt_ctr_checkpoint(struct rt_ctr_store *s, struct rt_container *c, struct rt_err *err)
{
    if (rt_ctr_disk_save(c->dir, c->doc, c->hc, &c->disk, err) < 0) return -1;
    publish(s, c);
    return 0;
}

/* Add C under NAME to the index and array; a conflict (name or id in use)
 * or no memory adds nothing. Caller holds s->mu. */
static int add_entry_locked(struct rt_ctr_store *s, struct rt_container *c, const char *name, json_t *view,
                            struct rt_err *err)
{
    ssize_t dup = find_name_locked(s, name);
    if (dup >= 0)
        return rt_err_set(err, RT_ERR_CONFLICT,
                          "Conflict. The container name \"%s\" is already in use by container \"%s\". "
                          "You have to remove (or rename) that container to be able to reuse that name.",
                          name, s->e[dup].c->id);
    if (find_id_locked(s, c->id) >= 0) return rt_err_set(err, RT_ERR_CONFLICT, "container id %s already exists", c->id);
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        struct entry *ne = realloc(s->e, nc * sizeof *ne);
        if (!ne) return rt_err_set(err, RT_ERR_SYSTEM, "out of memory");
        s->e = ne;
        s->cap = nc;
    }
    char *nm = strdup(name);
    if (!nm || rt_ctr_index_put(&s->by_id, c->id, s->n) < 0) {
        free(nm);
        return rt_err_set(err, RT_ERR_SYSTEM, "out of memory");
    }
    if (rt_ctr_index_put(&s->by_name, name_key(nm), s->n) < 0) {
        rt_ctr_index_del(&s->by_id, c->id);
        free(nm);
        return rt_err_set(err, RT_ERR_SYSTEM, "out of memory");
    }
    s->e[s->n++] = (struct entry){.c = c, .view = view, .name = nm};
    return 0;
}

/* A container object for DOC and HC (stolen, and KNOWN when not NULL) with
 * its first view, not yet in S: no lock needed, any thread. */
static int prepare(const struct rt_ctr_store *s, json_t *doc, json_t *hc, struct rt_ctr_disk_text *known,
                   struct rt_ctr_prepared *p, struct rt_err *err)
{
    *p = (struct rt_ctr_prepared){0};
    const char *id = rt_json_str(doc, "ID", "");
    struct rt_container *c = strlen(id) == 64 ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        int rc = strlen(id) != 64 ? rt_err_set(err, RT_ERR_INVALID, "invalid container id: %s", id)
                                  : rt_err_set(err, RT_ERR_SYSTEM, "out of memory");
        json_decref(doc), json_decref(hc);
        if (known) rt_ctr_disk_text_free(known);
        return rc;
    }
    snprintf(c->id, sizeof c->id, "%s", id);
    pthread_mutex_init(&c->lock, NULL);
    c->doc = doc;
    c->hc = hc;
    if (known) c->disk = *known, *known = (struct rt_ctr_disk_text){0};
    c->refs = 1; /* the store's */
    c->dir = rt_path_join(s->root, c->id);
    /* Built once, here: the saves at insert do not change DOC or HC. */
    p->c = c;
    p->view = build_view(c);
    return 0;
}

void rt_ctr_prepared_free(struct rt_ctr_prepared *p)
{
    json_decref(p->view);
    if (p->c) container_free(p->c);
    *p = (struct rt_ctr_prepared){0};
}

enum insert_mode { INS_NEW, INS_RESTORED };

static struct rt_container *insert(struct rt_ctr_store *s, struct rt_ctr_prepared *p, enum insert_mode mode,
                                   struct rt_err *err)
{
    struct rt_container *c = p->c;
    /* Reserve the name and id first: a conflict writes nothing. From here
     * on the container is visible, with its first view. */
    pthread_mutex_lock(&s->mu);
    int rc = add_entry_locked(s, c, rt_json_str(c->doc, "Name", ""), p->view, err);
    pthread_mutex_unlock(&s->mu);
    if (rc < 0) {
        rt_ctr_prepared_free(p);
        return NULL;
    }
    *p = (struct rt_ctr_prepared){0}; /* the store owns both now */

    pthread_mutex_lock(&c->lock);
    if (mode == INS_RESTORED) {
        /* read from disk just now: only a file whose text a save would
         * change is written (e.g. 20.10 state, normalised once) */
        if (!c->disk.cfg || !c->disk.hc) rc = rt_ctr_disk_save(c->dir, c->doc, c->hc, &c->disk, err);
    } else if (mkdir(c->dir, 0700) == 0) {
        /* a new container: committed once its directory entry is durable */
        rc = rt_ctr_disk_save_new(c->dir, c->doc, c->hc, &c->disk, err);
    } else {
        rc = rt_err_set(err, RT_ERR_SYSTEM, "mkdir %s: %s", c->dir, rt_strerror(errno));
    }
    pthread_mutex_unlock(&c->lock);
    if (rc < 0) {
        rt_ctr_remove(s, c->id, true, NULL);
        return NULL;
    }
    return ref(c);
}

struct rt_container *rt_ctr_insert(struct rt_ctr_store *s, json_t *doc, json_t *hc, struct rt_err *err)
{
    struct rt_ctr_prepared p;
    if (prepare(s, doc, hc, NULL, &p, err) < 0) return NULL;
    return insert(s, &p, INS_NEW, err);
}

int rt_ctr_restored_prepare(const struct rt_ctr_store *s, json_t *doc, json_t *hc, struct rt_ctr_disk_text *known,
                            struct rt_ctr_prepared *p, struct rt_err *err)
{
    return prepare(s, doc, hc, known, p, err);
}

struct rt_container *rt_ctr_restored_insert(struct rt_ctr_store *s, struct rt_ctr_prepared *p, struct rt_err *err)
{
    return insert(s, p, INS_RESTORED, err);
}

/* Removal is atomic: the directory is first renamed to a tombstone
 * (RT_CTR_TOMBSTONE + id, never a container name for restore), then deleted.
 * A kill -9 during the delete leaves a tombstone that restore deletes, never
 * a half-deleted container (config.v2.json without hostconfig.json would
 * come back with an empty HostConfig). The rename is not fsynced: after a
 * power loss an acknowledged removal may be undone, as with dockerd. */
static void remove_dir(struct rt_ctr_store *s, struct rt_container *c)
{
    char *tomb = NULL;
    const char *gone = c->dir;
    if (asprintf(&tomb, "%s/" RT_CTR_TOMBSTONE "%s", s->root, c->id) < 0) {
        /* no tombstone name: delete the directory in place */
        tomb = NULL;
        rt_warn("failed to rename container directory %s to a tombstone: out of memory", c->dir);
    } else if (rename(c->dir, tomb) == 0) {
        gone = tomb;
    } else if (errno == ENOENT) {
        gone = NULL;
    } else {
        rt_warn("failed to rename container directory %s to a tombstone: %s", c->dir, rt_strerror(errno));
    }
    if (gone && rt_rm_rf(gone) < 0 && errno != ENOENT)
        rt_warn("failed to remove container directory %s: %s", gone, rt_strerror(errno));
    free(tomb);
}

/* Unlink entry for C from the store; returns the store's reference. */
static struct rt_container *unlink_entry(struct rt_ctr_store *s, struct rt_container *c)
{
    struct rt_container *out = NULL;
    pthread_mutex_lock(&s->mu);
    ssize_t at = find_id_locked(s, c->id);
    if (at >= 0 && s->e[at].c == c) {
        size_t i = (size_t)at, last = s->n - 1;
        rt_ctr_index_del(&s->by_id, c->id);
        rt_ctr_index_del(&s->by_name, name_key(s->e[i].name));
        json_decref(s->e[i].view);
        free(s->e[i].name);
        out = c;
        c->removed = true;
        if (i != last) { /* the last entry fills the hole: its index changes */
            s->e[i] = s->e[last];
            rt_ctr_index_put(&s->by_id, s->e[i].c->id, i);        /* replaces: cannot fail */
            rt_ctr_index_put(&s->by_name, name_key(s->e[i].name), i);
        }
        s->n--;
    }
    pthread_mutex_unlock(&s->mu);
    return out;
}

int rt_ctr_remove(struct rt_ctr_store *s, const char *r, bool force, struct rt_err *err)
{
    struct rt_container *c = rt_ctr_lookup(s, r, err);
    if (!c) return -1;
    pthread_mutex_lock(&c->lock);
    if (c->removed) {
        pthread_mutex_unlock(&c->lock);
        rt_ctr_put(c);
        return rt_err_set(err, RT_ERR_NOT_FOUND, "No such container: %s", r);
    }
    const char *name = rt_json_str(c->doc, "Name", "");
    if (jbool(state_of(c->doc), "Running") && !force) {
        int rc = rt_err_set(err, RT_ERR_CONFLICT,
                            "cannot remove container \"%s\": container is running: stop the "
                            "container before removing or force remove", name);
        pthread_mutex_unlock(&c->lock);
        rt_ctr_put(c);
        return rc;
    }
    if (jbool(state_of(c->doc), "Running")) {
        /* The exit path takes the container's lock: kill without it. */
        pthread_mutex_unlock(&c->lock);
        struct rt_err kerr = {0};
        int krc = rt_ctr_kill_for_remove(s, c->id, &kerr);
        pthread_mutex_lock(&c->lock);
        name = rt_json_str(c->doc, "Name", "");
        if (krc < 0 || jbool(state_of(c->doc), "Running") || c->removed) {
            int rc = c->removed ? rt_err_set(err, RT_ERR_NOT_FOUND, "No such container: %s", r)
                                : rt_err_set(err, RT_ERR_SYSTEM, "cannot remove container \"%s\": could not kill: %s",
                                             name, kerr.msg ? kerr.msg : "still running");
            rt_err_clear(&kerr);
            pthread_mutex_unlock(&c->lock);
            rt_ctr_put(c);
            return rc;
        }
        rt_err_clear(&kerr);
    }
    json_object_set_new(state_of(c->doc), "RemovalInProgress", json_true());
    publish(s, c);
    struct rt_container *storeref = unlink_entry(s, c);
    remove_dir(s, c);
    rt_ctr_event(c, "destroy");
    pthread_mutex_unlock(&c->lock);
    rt_ctr_put(storeref);
    rt_ctr_put(c);
    return 0;
}
