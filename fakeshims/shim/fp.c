/* Failpoints chosen per container by config.json annotations (spec §8). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "shim.h"

int fpset_load(const char *id, const char *bundle, struct fpset **out, char *err, size_t errlen)
{
    *out = NULL;
    char *path = rt_path_join(bundle && *bundle ? bundle : ".", "config.json");
    char jerr[256] = "";
    json_t *cfg = path ? rt_json_load_file(path, 16 << 20, jerr, sizeof jerr) : NULL;
    free(path);
    struct fpset *s = calloc(1, sizeof *s);
    s->id = strdup(id ? id : "");
    json_t *ann = cfg ? json_object_get(cfg, "annotations") : NULL;
    const char *key;
    json_t *v;
    size_t plen = strlen(RT_FAILPOINT_ANNOTATION_PREFIX);
    json_object_foreach(ann, key, v) {
        if (strncmp(key, RT_FAILPOINT_ANNOTATION_PREFIX, plen) != 0) continue;
        struct rt_failpoint *fp = NULL;
        char perr[256] = "";
        if (!json_is_string(v) ||
            rt_failpoint_parse(json_string_value(v), &fp, perr, sizeof perr) < 0) {
            snprintf(err, errlen, "invalid failpoint annotation %s=%s: %s", key,
                     json_is_string(v) ? json_string_value(v) : "(not a string)",
                     *perr ? perr : "not a string");
            for (size_t i = 0; i < s->n; i++) {
                rt_failpoint_free(s->fp[i]);
                free(s->method[i]);
            }
            free(s->fp);
            free(s->method);
            free(s->id);
            free(s);
            json_decref(cfg);
            return -1;
        }
        s->method = realloc(s->method, (s->n + 1) * sizeof *s->method);
        s->fp = realloc(s->fp, (s->n + 1) * sizeof *s->fp);
        s->method[s->n] = strdup(key + plen);
        s->fp[s->n] = fp;
        s->n++;
    }
    json_decref(cfg);
    *out = s;
    return 0;
}

struct fpset *fpset_find(const char *id)
{
    pthread_mutex_lock(&g.mu);
    struct fpset *s = g.fpsets;
    while (s && strcmp(s->id, id ? id : "")) s = s->next;
    if (!s) /* calls before Create: the daemon's own bundle */
        for (s = g.fpsets; s && strcmp(s->id, g.id ? g.id : ""); s = s->next) {}
    pthread_mutex_unlock(&g.mu);
    return s;
}

void fpset_add(struct fpset *s)
{
    pthread_mutex_lock(&g.mu);
    s->next = g.fpsets;
    g.fpsets = s;
    pthread_mutex_unlock(&g.mu);
}

/* error(<code>:<text>) picks the status code (our extension); plain
 * error(<text>) is code 2, as a Go error from an interceptor. */
int fpset_eval(struct fpset *s, const char *method, int *code, char *msg, size_t msglen)
{
    if (!s) return 0;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->method[i], method)) continue;
        char m[512] = "";
        enum rt_fp_result r = rt_failpoint_eval(s->fp[i], m, sizeof m);
        if (r == RT_FP_PASS) return 0;
        if (r == RT_FP_PANIC) {
            fprintf(stderr, "panic: %s\n", m);
            fflush(stderr);
            _exit(2); /* like a Go panic: the connection drops */
        }
        *code = 2;
        const char *t = m;
        if (isdigit((unsigned char)m[0])) {
            char *end;
            long c = strtol(m, &end, 10);
            if (*end == ':' && c > 0 && c < 17) {
                *code = (int)c;
                t = end + 1;
            }
        }
        snprintf(msg, msglen, "%s", t);
        return -1;
    }
    return 0;
}
