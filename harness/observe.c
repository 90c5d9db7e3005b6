/* Observables of a test (observe.h). */
#include "harness/observe.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness/testlib.h"
#include "jsonutil.h"

/* Append S to a growing buffer. */
struct buf {
    char *s;
    size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* S with every FROM replaced by TO (malloc'd). */
static char *replace_all(const char *s, const char *from, const char *to)
{
    struct buf b = {0};
    put(&b, "", 0);
    size_t fl = strlen(from);
    for (const char *p = s, *q; *p; p = q + fl) {
        q = strstr(p, from);
        if (!q) {
            put(&b, p, strlen(p));
            break;
        }
        put(&b, p, (size_t)(q - p));
        put(&b, to, strlen(to));
    }
    return b.s;
}

char *rt_observe_normalize(const char *v, const char *sandbox)
{
    struct buf b = {0};
    put(&b, "", 0);
    size_t sl = sandbox ? strlen(sandbox) : 0;
    for (size_t i = 0; v[i];) {
        if (sl && !strncmp(v + i, sandbox, sl)) {
            put(&b, "<sandbox>", 9);
            i += sl;
            continue;
        }
        /* A run of 12+ hex digits that is a whole word: ids of containers
         * and images (full or short) differ per run. */
        size_t h = 0;
        while (isxdigit((unsigned char)v[i + h])) h++;
        bool word = (i == 0 || !isalnum((unsigned char)v[i - 1])) && !isalnum((unsigned char)v[i + h]);
        if (h >= 12 && word) { /* 12: the short form of a container or image id */
            put(&b, "<id>", 4);
            i += h;
            continue;
        }
        size_t n = h ? h : 1;
        put(&b, v + i, n);
        i += n;
    }
    return b.s;
}

char *rt_observe_api_path(const char *path)
{
    /* Drop the API version prefix: it is the client's choice, not the engine's. */
    if (path[0] == '/' && path[1] == 'v' && isdigit((unsigned char)path[2])) {
        const char *slash = strchr(path + 1, '/');
        if (slash) path = slash;
    }
    return rt_observe_normalize(path, NULL);
}

const char *rt_observe_error_class(long status)
{
    /* The errdefs -> HTTP mapping of the Engine API, read backwards. */
    switch (status) {
    case 304: return "not-modified";
    case 400: return "invalid-parameter";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 409: return "conflict";
    case 501: return "not-implemented";
    case 503: return "unavailable";
    default: break;
    }
    if (status >= 500) return "system";
    if (status >= 400) return "unknown-client-error";
    return "ok";
}

void rt_observe(const char *key, const char *fmt, ...)
{
    if (!rt_t.sb || !rt_t.sb->dir) return;
    va_list ap;
    va_start(ap, fmt);
    char *raw = NULL;
    if (vasprintf(&raw, fmt, ap) < 0) raw = NULL;
    va_end(ap);
    if (!raw) return;
    /* A target may keep its exec-root outside the sandbox (the dockerd
     * target: short paths for unix sockets); it is still the sandbox's. */
    const char *x = rt_t.sb->exec_root;
    if (x && *x && strncmp(x, rt_t.sb->dir, strlen(rt_t.sb->dir)) != 0) {
        char *y = replace_all(raw, x, "<sandbox>/exec");
        free(raw);
        raw = y;
    }
    /* Usage hints name the engine binary ("See 'dockerd --help'."). */
    const char *eng = rt_t.run && rt_t.run->engine ? strrchr(rt_t.run->engine, '/') : NULL;
    char hint[300];
    snprintf(hint, sizeof hint, "'%s --help'", eng ? eng + 1 : "");
    if (eng && strstr(raw, hint)) {
        char *y = replace_all(raw, hint, "'<engine> --help'");
        free(raw);
        raw = y;
    }
    char *v = rt_observe_normalize(raw, rt_t.sb->dir);
    free(raw);
    json_t *line = json_pack("{s:s,s:s?}", "k", key, "v", v);
    if (!line) line = json_pack("{s:s,s:s}", "k", key, "v", "(value not UTF-8)");
    char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    free(v);
    if (!text) return;
    size_t n = strlen(text);
    text[n] = '\n'; /* replaces the NUL: written with its length */
    char *p = rt_path_join(rt_t.sb->dir, RT_OBSERVE_FILE);
    int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    free(p);
    if (fd >= 0) {
        /* One write per line, O_APPEND: threads of a test never interleave. */
        if (write(fd, text, n + 1) < 0) { /* an observable lost; the test itself is unaffected */ }
        close(fd);
    }
    free(text);
}

void rt_observe_http(const char *method, const char *path, const struct rt_http_resp *r)
{
    if (strcmp(method, "GET") != 0) {
        char *p = rt_observe_api_path(path);
        rt_observe("http", "%s %s %ld", method, p, r->status);
        free(p);
    }
    if (r->status >= 400) {
        const char *msg = rt_json_str(r->json, "message", NULL);
        rt_observe("error", "%ld %s", r->status, msg ? msg : (r->body ? r->body : ""));
        rt_observe("error_class", "%s", rt_observe_error_class(r->status));
    }
}

char *rt_observe_last_log_line(const char *log)
{
    size_t end = strlen(log);
    while (end && (log[end - 1] == '\n' || log[end - 1] == '\r' || log[end - 1] == ' ')) end--;
    size_t start = end;
    while (start && log[start - 1] != '\n') start--;
    char *line = strndup(log + start, end - start);
    /* Timestamps differ per run: keep only a logrus line's message. */
    char *msg = strncmp(line, "time=\"", 6) ? NULL : strstr(line, " msg=\"");
    if (msg) {
        json_t *j = json_loadb(msg + 5, strlen(msg + 5), JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, NULL);
        if (json_is_string(j)) {
            free(line);
            line = strdup(json_string_value(j));
        }
        json_decref(j);
    }
    return line;
}

void rt_observe_engine_exit(int status)
{
    rt_observe("engine_exit", "%d", status);
    char *log = rt_t.sb ? rt_read_file(rt_t.sb->engine_log, 64 << 20, NULL) : NULL;
    char *line = rt_observe_last_log_line(log ? log : "");
    rt_observe("engine_error", "%s", line);
    free(line);
    free(log);
}

json_t *rt_observe_load(const char *path)
{
    json_t *out = json_object();
    char *s = rt_read_file(path, 16 << 20, NULL);
    if (!s) return out;
    for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(l, 0, NULL);
        const char *k = rt_json_str(j, "k", NULL), *v = rt_json_str(j, "v", NULL);
        if (k && v) json_object_set_new(out, k, json_string(v));
        json_decref(j);
    }
    free(s);
    return out;
}

static int by_key(const void *x, const void *y) { return strcmp(*(const char *const *)x, *(const char *const *)y); }

json_t *rt_observe_diff(const json_t *a, const json_t *b)
{
    json_t *keys = json_object(), *out = json_array(), *v;
    const char *k;
    json_object_foreach((json_t *)a, k, v) json_object_set_new(keys, k, json_true());
    json_object_foreach((json_t *)b, k, v) json_object_set_new(keys, k, json_true());
    size_t n = json_object_size(keys), i = 0;
    const char **sorted = calloc(n + 1, sizeof *sorted);
    json_object_foreach(keys, k, v) sorted[i++] = k;
    qsort(sorted, n, sizeof *sorted, by_key);
    for (i = 0; i < n; i++) {
        json_t *va = json_object_get(a, sorted[i]), *vb = json_object_get(b, sorted[i]);
        if (va && vb && json_equal(va, vb)) continue;
        json_array_append_new(out, json_pack("{s:s,s:O?,s:O?}", "key", sorted[i], "a", va, "b", vb));
    }
    free(sorted);
    json_decref(keys);
    return out;
}
