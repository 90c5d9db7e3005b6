/* Lookup order of rtconform's parts: see paths.h. */
#include "harness/paths.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

char *rt_paths_self_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return strdup(".");
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash) *slash = '\0';
    return strdup(buf);
}

/* Does DIR/NAME exist with MODE (access(2))? */
static bool holds(const char *dir, const char *name, int mode)
{
    char *p = rt_path_join(dir, name);
    bool ok = access(p, mode) == 0;
    free(p);
    return ok;
}

/* P without "..": readable in reports and reproduce commands (P if it
 * does not exist). Takes P. */
static char *canon(char *p)
{
    char *r = realpath(p, NULL);
    if (!r) return p;
    free(p);
    return r;
}

char *rt_paths_libexec(const char *self_dir, const char *flag)
{
    if (flag && *flag) return strdup(flag);
    const char *env = getenv("RTCONFORM_LIBEXEC");
    if (env && *env) return strdup(env);
    char *installed = rt_path_join(self_dir, "../libexec/rtconform");
    if (holds(installed, "containerd-shim-rtfake-v2", X_OK)) return canon(installed);
    char *build = rt_path_join(self_dir, "../libexec");
    if (holds(build, "containerd-shim-rtfake-v2", X_OK)) {
        free(installed);
        return canon(build);
    }
    free(build);
    return canon(installed);
}

char *rt_paths_datadir(const char *self_dir)
{
    const char *env = getenv("RTCONFORM_DATADIR");
    if (env && *env) return strdup(env);
    return canon(rt_path_join(self_dir, "../share/rtconform"));
}

char *rt_paths_expect(const char *datadir, const char *name)
{
    if (access(name, F_OK) == 0) return strdup(name);
    if (strchr(name, '/') || !datadir) return NULL;
    static const char *const suffixes[] = {"", ".json"};
    for (size_t i = 0; i < 2; i++) {
        char *p = NULL;
        if (asprintf(&p, "%s/fixtures/expect/%s%s", datadir, name, suffixes[i]) < 0) return NULL;
        if (access(p, R_OK) == 0) return p;
        free(p);
    }
    return NULL;
}
