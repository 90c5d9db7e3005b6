/* Runtime name -> shim binary, as containerd 1.6's BinaryName and
 * resolveRuntimePath (shim spec §1.1, §1.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/shims.h"

char *rt_shim_binary_name(const char *name)
{
    const char *last = strrchr(name, '.');
    if (!last) return NULL;
    /* The part before LAST starts after the previous dot (or at 0). */
    const char *prev = last;
    while (prev > name && prev[-1] != '.') prev--;
    char *out = NULL;
    if (asprintf(&out, "containerd-shim-%.*s-%s", (int)(last - prev), prev, last + 1) < 0) return NULL;
    return out;
}

static bool is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static char *in_dir(const char *dir, size_t dlen, const char *bin)
{
    char *p = NULL;
    if (asprintf(&p, "%.*s/%s", (int)dlen, dlen ? dir : ".", bin) < 0) return NULL;
    if (is_exec_file(p)) {
        char *abs = realpath(p, NULL);
        /* Keep the name we found (a symlink's name matters to argv[0]). */
        if (abs && p[0] != '/') {
            free(p);
            return abs;
        }
        free(abs);
        return p;
    }
    free(p);
    return NULL;
}

static char *search_path_var(const char *bin)
{
    const char *path = getenv("PATH");
    if (!path) path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path;;) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        char *hit = in_dir(p, n, bin);
        if (hit) return hit;
        if (!colon) return NULL;
        p = colon + 1;
    }
}

char *rt_shim_resolve_path(const char *name, char *const *dirs, size_t ndirs, char **errmsg)
{
    *errmsg = NULL;
    if (!name || !*name) {
        *errmsg = strdup("no runtime name");
        return NULL;
    }
    if (name[0] == '/') {
        struct stat st;
        if (stat(name, &st) == 0) return strdup(name);
        *errmsg = strdup("invalid custom binary path");
        return NULL;
    }
    char *bin = rt_shim_binary_name(name);
    if (!bin) {
        if (asprintf(errmsg, "invalid runtime name %s, correct runtime name should be either format like "
                             "`io.containerd.runc.v1` or a full path to the binary", name) < 0)
            *errmsg = NULL;
        return NULL;
    }
    char *hit = NULL;
    /* 1.6: a relative name's directory part is tried first. */
    const char *slash = strrchr(name, '/');
    if (slash) hit = in_dir(name, (size_t)(slash - name), bin);
    for (size_t i = 0; !hit && i < ndirs; i++) hit = in_dir(dirs[i], strlen(dirs[i]), bin);
    if (!hit) hit = search_path_var(bin);
    if (!hit && asprintf(errmsg, "runtime \"%s\" binary not installed \"%s\": file does not exist", name, bin) < 0)
        *errmsg = NULL;
    free(bin);
    return hit;
}
