/* Command flags, argument counts and config.json loading, in runc's words. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fakerunc.h"
#include "fsutil.h"
#include "jsonutil.h"

/* NAME is "long|short" or "long". */
static int flag_matches(const char *spec, const char *name, size_t nlen)
{
    const char *p = spec;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == nlen && !strncmp(p, name, nlen)) return 1;
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

/* Go's flag package: flags come first; the first non-flag (or "--") ends them. */
int frc_parse_flags(struct frc *c, int argc, char **argv, const struct frc_flag *flags, char ***pos, int *npos)
{
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (a[0] != '-' || !a[1]) break;
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct frc_flag *f = flags;
        for (; f && f->name; f++)
            if (flag_matches(f->name, name, nlen)) break;
        if (!f || !f->name) return frc_fail(c, "flag provided but not defined: -%.*s", (int)nlen, name);
        if (f->takes_value) {
            if (eq) *f->value = eq + 1;
            else if (i + 1 < argc) *f->value = argv[++i];
            else return frc_fail(c, "flag needs an argument: -%.*s", (int)nlen, name);
        } else {
            *f->value = (eq && !strcmp(eq + 1, "false")) ? NULL : "1";
        }
    }
    *pos = argv + i;
    *npos = argc - i;
    return 0;
}

int frc_need_args(struct frc *c, int npos, int min, int max)
{
    if (npos >= min && npos <= max) return 0;
    if (min == max) return frc_fail(c, "runc: \"%s\" requires exactly %d argument(s)", c->cmd, min);
    if (npos < min) return frc_fail(c, "runc: \"%s\" requires a minimum of %d argument(s)", c->cmd, min);
    return frc_fail(c, "runc: \"%s\" requires a maximum of %d argument(s)", c->cmd, max);
}

json_t *frc_load_config(struct frc *c, const char *bundle)
{
    char *path = rt_path_join(bundle, "config.json");
    size_t len;
    char *buf = rt_read_file(path, 16 << 20, &len);
    if (!buf) {
        /* runc chdirs into the bundle and opens "config.json" */
        if (errno == ENOENT) frc_fail(c, "JSON specification file config.json not found");
        else frc_fail(c, "open config.json: %s", rt_strerror(errno));
        free(path);
        return NULL;
    }
    free(path);
    char perr[256];
    json_t *cfg = rt_json_parse(buf, len, perr, sizeof perr);
    free(buf);
    if (!json_is_object(cfg)) {
        frc_fail(c, "config.json: %s", cfg ? "not a JSON object" : perr);
        json_decref(cfg);
        return NULL;
    }
    if (!json_is_object(json_object_get(cfg, "process"))) {
        json_decref(cfg);
        frc_fail(c, "process property must not be empty");
        return NULL;
    }
    return cfg;
}
