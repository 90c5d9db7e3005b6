/* moby's parseRuntimeVersion (its own object: no engine dependencies). */
#include <stdlib.h>
#include <string.h>

#include "engine/rtversion.h"

/* Go's strings.TrimSpace into DST (bounded). */
static void trim_copy(char *dst, size_t cap, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n' ||
                 s[n - 1] == '\v' || s[n - 1] == '\f'))
        n--;
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

int rt_parse_runtime_version(const char *out, struct rt_rtversion *v)
{
    memset(v, 0, sizeof *v);
    char *all = strdup(out ? out : "");
    /* TrimSpace on the whole output first, then split on "\n" */
    size_t n = strlen(all);
    char *start = all;
    while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r') start++, n--;
    while (n && (start[n - 1] == ' ' || start[n - 1] == '\t' || start[n - 1] == '\n' || start[n - 1] == '\r'))
        n--;
    start[n] = '\0';
    for (char *line = start; line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char *first = strstr(line, "version");
        if (first) {
            char *last = first, *p;
            while ((p = strstr(last + 1, "version"))) last = p;
            trim_copy(v->runtime, sizeof v->runtime, line, (size_t)(first - line));
            const char *after = last + strlen("version");
            trim_copy(v->version, sizeof v->version, after, strlen(after));
        } else if (!strncmp(line, "commit:", 7)) {
            trim_copy(v->commit, sizeof v->commit, line + 7, strlen(line + 7));
        }
        line = nl ? nl + 1 : NULL;
    }
    free(all);
    if (!v->version[0] && !v->commit[0]) return -1;
    v->ran = true;
    return 0;
}
