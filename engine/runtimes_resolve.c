/* Name resolution (engine spec §2.1, §2.2, pre-flight §2.4). Read-only on
 * the set, so any number of request threads may resolve concurrently. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/runtimes_int.h"
#include "fsutil.h"

bool rt_runtime_name_permissible(const char *name)
{
    /* containerd 1.7: not a path, and "<non-empty>.<...>" */
    return name[0] != '/' && !strchr(name, '/') && strchr(name, '.') && name[0] != '.';
}

/* Go's findExecutable: stat, no directories, eaccess(X_OK). */
static int find_executable(const char *file, char *reason, size_t n)
{
    struct stat st;
    if (stat(file, &st) < 0) {
        snprintf(reason, n, "stat %s: %s", file, rt_strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(reason, n, "is a directory");
        return -1;
    }
    /* faccessat(AT_EACCESS) is one syscall; eaccess() adds four id calls. */
    if (faccessat(AT_FDCWD, file, X_OK, AT_EACCESS) < 0) {
        if ((errno == ENOSYS || errno == EPERM) && (st.st_mode & 0111)) return 0;
        snprintf(reason, n, "%s", rt_strerror(errno == ENOSYS || errno == EPERM ? EACCES : errno));
        return -1;
    }
    return 0;
}

int rt_lookpath(const char *file, char **found, char *err, size_t errlen)
{
    char reason[1024];
    *found = NULL;
    if (strchr(file, '/')) {
        if (find_executable(file, reason, sizeof reason) < 0) {
            snprintf(err, errlen, "exec: \"%s\": %s", file, reason);
            return -1;
        }
        *found = strdup(file);
        return 0;
    }
    const char *path = getenv("PATH");
    if (!path) path = "";
    /* An empty PATH still has one (empty = ".") element, as in Go. */
    for (const char *p = path;; ) {
        const char *colon = strchr(p, ':');
        size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
        char cand[4096];
        if (dlen == 0) snprintf(cand, sizeof cand, "./%s", file);
        else snprintf(cand, sizeof cand, "%.*s/%s", (int)dlen, p, file);
        if (*file && find_executable(cand, reason, sizeof reason) == 0) {
            if (cand[0] != '/') {
                snprintf(err, errlen, "exec: \"%s\": cannot run executable found relative to current directory",
                         file);
                return -1;
            }
            *found = strdup(cand);
            return 0;
        }
        if (!colon) break;
        p = colon + 1;
    }
    snprintf(err, errlen, "exec: \"%s\": executable file not found in $PATH", file);
    return -1;
}

int rt_runtimes_resolve(const struct rt_runtime_set *set, const char *name,
                        struct rt_resolved *out, struct rt_err *err)
{
    memset(out, 0, sizeof *out);
    if (!name || !*name) name = set->default_name;
    for (size_t i = 0; i < set->n; i++) {
        const struct rt_runtime *rt = &set->rt[i];
        if (strcmp(rt->name, name) != 0) continue;
        if (rt->kind == RT_RK_PATH_ARGS) { /* pre-flight: args runtimes only */
            char msg[2048], *found = NULL;
            if (rt_lookpath(rt->path, &found, msg, sizeof msg) < 0)
                return rt_err_set(err, RT_ERR_INVALID, "error while looking up the specified runtime path: %s", msg);
            free(found);
        }
        out->name = strdup(rt->name);
        out->shim = strdup(rt->shim);
        out->opts_type = rt->opts_type;
        if (rt->opts_type == RT_OPTS_RUNC) rt_runc_options_copy(&rt->runc, &out->runc);
        if (rt->opts_type == RT_OPTS_GENERIC) rt_generic_options_copy(&rt->generic, &out->generic);
        return 0;
    }
    if (rt_runtime_name_permissible(name)) { /* pass-through, no options */
        out->name = strdup(name);
        out->shim = strdup(name);
        out->opts_type = RT_OPTS_NONE;
        return 0;
    }
    return rt_err_set(err, RT_ERR_INVALID, "unknown or invalid runtime name: %s", name);
}

void rt_resolved_free(struct rt_resolved *r)
{
    if (!r) return;
    free(r->name), free(r->shim);
    rt_runc_options_free(&r->runc);
    rt_generic_options_free(&r->generic);
    memset(r, 0, sizeof *r);
}
