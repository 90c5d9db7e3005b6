/* Container objects, their store, on-disk state in dockerd's format, the
 * committed view replica, restore, and the start path up to the shim.
 *
 * A container keeps its two dockerd documents as JSON: DOC is the whole
 * config.v2.json object (State, ID, Name, Config, ...), HC the hostconfig.json
 * object. Keeping dockerd's documents (not a C mirror of them) means every
 * key a real dockerd wrote survives a restore + re-save untouched.
 *
 * Locking: C->LOCK guards DOC/HC and is held for the whole of a start (long).
 * Readers (list, inspect) never take it: every commit publishes an immutable
 * inspect-shaped JSON VIEW under the short store lock, and readers take a
 * reference to that.
 *
 * Views share DOC's nested values (Config, Args, NetworkSettings, ...) and
 * HC's instead of copying them, so once a container is inserted only the
 * top-level keys of DOC, of DOC's State and of HC may change, and only by
 * json_object_set*() / json_object_del() (a new value, never one changed
 * in place). */
#ifndef RT_CONTAINERS_H
#define RT_CONTAINERS_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/errdefs.h"
#include "engine/runtimes.h"

/* The text of each state file as this engine last wrote it (or read it,
 * when it was what a save would write): a checkpoint compares with it, not
 * with a read of the file. NULL: not known, the next save writes. */
struct rt_ctr_disk_text {
    char *cfg, *hc;            /* config.v2.json, hostconfig.json */
    size_t cfg_len, hc_len;
};

struct rt_container {
    char id[65];
    pthread_mutex_t lock;
    json_t *doc;               /* config.v2.json */
    json_t *hc;                /* hostconfig.json; NULL if the file was absent */
    char *dir;                 /* <data-root>/containers/<id> */
    struct rt_ctr_disk_text disk; /* under LOCK */
    int refs;                  /* atomic */
    bool removed;              /* unlinked from the store (under store lock) */
};

struct rt_ctr_store;

/* ---- the start hook (the shim manager plugs in here) --------------------
 * Called with C->LOCK held, after the runtime name was resolved (RT) and an
 * empty HostConfig.Runtime was filled and persisted. On success the hook has
 * created and started the task and called rt_ctr_set_running(). On failure it
 * returns -1 with ERR->msg = the message as containerd reports it (v24+:
 * "failed to create task for container: ..."); ERR->cls is ignored: the
 * start path classifies the message with rt_start_error_classify() (engine/
 * start_errors.h), records ExitCode/State.Error and picks the HTTP status. */
typedef int (*rt_ctr_start_fn)(struct rt_container *c, const struct rt_resolved *rt,
                               struct rt_err *err);
void rt_ctr_set_start_hook(rt_ctr_start_fn fn);
rt_ctr_start_fn rt_ctr_get_start_hook(void);

/* ---- store ---------------------------------------------------------------- */
/* A store rooted at <data_root>/containers (created 0700). */
struct rt_ctr_store *rt_ctr_store_new(const char *data_root);
void rt_ctr_store_free(struct rt_ctr_store *s);
const char *rt_ctr_store_root(const struct rt_ctr_store *s);
/* The engine-wide store used by the API routes (set by rt_engine_state_init). */
struct rt_ctr_store *rt_ctr_store_default(void);
void rt_ctr_store_set_default(struct rt_ctr_store *s);

/* Lookup by full id, name ("/x" or "x"), or unique id prefix. Returns a
 * reference (rt_ctr_put) or NULL with ERR: 404 "No such container: <x>",
 * 400 "multiple IDs found with provided prefix: <p>". */
struct rt_container *rt_ctr_lookup(struct rt_ctr_store *s, const char *ref, struct rt_err *err);
void rt_ctr_put(struct rt_container *c);

/* Committed views (inspect-shaped JSON, immutable: do not modify).
 * rt_ctr_view: by reference as rt_ctr_lookup; caller json_decref()s.
 * rt_ctr_views: every container, newest first; a JSON array of views. */
json_t *rt_ctr_view(struct rt_ctr_store *s, const char *ref, struct rt_err *err);
json_t *rt_ctr_views(struct rt_ctr_store *s);
size_t rt_ctr_count(struct rt_ctr_store *s);
/* True if some container's Image is IMAGE_ID ("sha256:..."); its id in OUT. */
bool rt_ctr_image_in_use(struct rt_ctr_store *s, const char *image_id, char out_id[65]);

/* ---- names ---------------------------------------------------------------- */
/* ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$ */
bool rt_ctr_name_valid(const char *name);
/* "adjective_name" style; never one that is in use. malloc'd, with "/". */
char *rt_ctr_name_generate(struct rt_ctr_store *s);

/* ---- creation, state, checkpoint ------------------------------------------- */
/* Insert a new container built from DOC and HC (stolen) under NAME ("/x").
 * Fails with 409 (name in use) before anything is written; on success the
 * directory and both files exist and the view is published. */
struct rt_container *rt_ctr_insert(struct rt_ctr_store *s, json_t *doc, json_t *hc,
                                   struct rt_err *err);
/* Restore, in two steps so that the first can run on several threads.
 * rt_ctr_restored_prepare: the container object for DOC, HC and KNOWN (all
 * stolen; KNOWN from rt_ctr_disk_load_ex) and its first view, touching
 * nothing shared (S only for its root). rt_ctr_restored_insert: add it to
 * S (consumes P; NULL with ERR on a name or id conflict) and re-save only
 * a file whose text is not known, i.e. not what a save would write. */
struct rt_ctr_prepared {
    struct rt_container *c; /* not in a store yet: no lock needed */
    json_t *view;
};
int rt_ctr_restored_prepare(const struct rt_ctr_store *s, json_t *doc, json_t *hc, struct rt_ctr_disk_text *known,
                            struct rt_ctr_prepared *p, struct rt_err *err);
struct rt_container *rt_ctr_restored_insert(struct rt_ctr_store *s, struct rt_ctr_prepared *p, struct rt_err *err);
void rt_ctr_prepared_free(struct rt_ctr_prepared *p);
/* Write config.v2.json + hostconfig.json atomically (0600, dir 0700) and
 * publish the new view. Caller holds C->LOCK. */
int rt_ctr_checkpoint(struct rt_ctr_store *s, struct rt_container *c, struct rt_err *err);
/* Remove C: unlink from the store and delete its directory (renamed to
 * <root>/RT_CTR_TOMBSTONE<id> first; restore deletes leftover tombstones).
 * FORCE allows a running container (the caller has stopped it). */
#define RT_CTR_TOMBSTONE ".removing-"
int rt_ctr_remove(struct rt_ctr_store *s, const char *ref, bool force, struct rt_err *err);

/* State helpers (caller holds C->LOCK; they do not checkpoint). */
const char *rt_ctr_status(const json_t *doc); /* created/running/paused/... */
void rt_ctr_set_running(struct rt_container *c, int pid);
void rt_ctr_set_stopped(struct rt_container *c, int exit_code);
void rt_ctr_set_error(struct rt_container *c, int exit_code, const char *msg);
const char *rt_ctr_runtime(const struct rt_container *c); /* "" when absent */
/* RFC 3339 with nanoseconds, UTC, as Go writes time.Time. */
void rt_ctr_now(char out[40]);

/* ---- start ------------------------------------------------------------------ */
enum rt_start_mode { RT_START_API, RT_START_RESTART_POLICY };
/* The start path: state checks (API: running 304, paused 409, removing 409);
 * API: settings re-verification (400, state untouched); then empty Runtime <-
 * current default, persisted; resolve; the start hook; failures classified
 * and recorded. Takes C->LOCK. */
int rt_ctr_start(struct rt_ctr_store *s, const char *ref, enum rt_start_mode mode,
                 struct rt_err *err);

/* ---- disk (containers_disk.c) ------------------------------------------------ */
/* Load <dir>/config.v2.json (required) and hostconfig.json (optional). */
int rt_ctr_disk_load(const char *dir, json_t **doc, json_t **hc, struct rt_err *err);
/* The same; RT_CTR_DISK_ABSENT (ERR untouched) when config.v2.json does not
 * exist. KNOWN (may be NULL): the text of each file that holds exactly what
 * rt_ctr_disk_save would write, NULL for the others (free with
 * rt_ctr_disk_text_free). */
#define RT_CTR_DISK_ABSENT (-2)
int rt_ctr_disk_load_ex(const char *dir, json_t **doc, json_t **hc, struct rt_ctr_disk_text *known,
                        struct rt_err *err);
void rt_ctr_disk_text_free(struct rt_ctr_disk_text *t);
/* Save both; an empty "Runtime" key is dropped from hostconfig.json. A file
 * whose KNOWN text equals the new text is not rewritten; KNOWN is updated to
 * what was written (NULL: write both, remember nothing). Data is fsynced,
 * the directory is not (a lost rename leaves the previous complete state). */
int rt_ctr_disk_save(const char *dir, const json_t *doc, const json_t *hc, struct rt_ctr_disk_text *known,
                     struct rt_err *err);
/* The first save of a new container: as rt_ctr_disk_save, then DIR and its
 * parent are fsynced (the create is committed when this returns 0). */
int rt_ctr_disk_save_new(const char *dir, const json_t *doc, const json_t *hc, struct rt_ctr_disk_text *known,
                         struct rt_err *err);

/* ---- restore (containers_restore.c) -------------------------------------------- */
/* Load every <root>/<id>/ into S, re-save each, mark running ones stopped,
 * then start restart-policy containers through the start hook. Returns the
 * number loaded. Torn/unreadable ones are logged and skipped. */
int rt_ctr_restore(struct rt_ctr_store *s);
/* Would the restart policy in HC start a container with DOC's state now? */
bool rt_ctr_restart_wanted(const json_t *doc, const json_t *hc);

/* ---- create (containers_create.c) -------------------------------------------- */
/* POST /containers/create: validate BODY (a request JSON object), NAME (may
 * be NULL/""), fill image defaults, resolve the runtime (empty <- current
 * default), insert. Returns the new id (malloc'd) or NULL with ERR. */
char *rt_ctr_create(struct rt_ctr_store *s, const char *name, const json_t *body,
                    json_t **warnings, struct rt_err *err);
/* The host-config validation rules (each a 400). */
int rt_ctr_validate_hostconfig(const json_t *hc, struct rt_err *err);
int rt_ctr_validate_config(const json_t *cfg, struct rt_err *err);

/* ---- runtime set and events glue (containers_rt.c; one place each) ------------ */
/* Resolve NAME ("" -> current default) against the CURRENT runtime set. */
int rt_ctr_resolve_runtime(const char *name, struct rt_resolved *out, struct rt_err *err);
/* The current default runtime name (malloc'd). */
char *rt_ctr_default_runtime(void);
/* Force removal of a running container: SIGKILL its task through the shim
 * manager and wait until it is not running. Caller holds no lock. */
int rt_ctr_kill_for_remove(struct rt_ctr_store *s, const char *id, struct rt_err *err);
/* Publish a container event (create, destroy, start, die, ...). */
void rt_ctr_event(const struct rt_container *c, const char *action);

#endif
