/* Call journal writer and reader (see journal.h). */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonutil.h"

#define JOURNAL_MAX_BYTES (256u << 20) /* reader bound */

static const char *const fixed_keys[] = {"t_mono_ns", "pid", "argv0", "component", "method", "id", "result"};

static int is_fixed(const char *key)
{
    for (size_t i = 0; i < sizeof fixed_keys / sizeof fixed_keys[0]; i++)
        if (!strcmp(key, fixed_keys[i])) return 1;
    return 0;
}

int rt_journal_write_to(const char *path, const char *component, const char *method, const char *id,
                        json_t *extra, const char *result)
{
    if (!path || !*path) {
        json_decref(extra);
        return 0;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    json_t *o = json_object();
    json_object_set_new(o, "t_mono_ns", json_integer((json_int_t)ts.tv_sec * 1000000000LL + ts.tv_nsec));
    json_object_set_new(o, "pid", json_integer(getpid()));
    json_object_set_new(o, "argv0", json_string(program_invocation_name ? program_invocation_name : ""));
    json_object_set_new(o, "component", json_string(component ? component : ""));
    json_object_set_new(o, "method", json_string(method ? method : ""));
    json_object_set_new(o, "id", json_string(id ? id : ""));
    if (json_is_object(extra)) {
        const char *k;
        json_t *v;
        json_object_foreach(extra, k, v)
            if (!is_fixed(k)) json_object_set(o, k, v);
    }
    json_decref(extra);
    /* json_string() rejects invalid UTF-8: fall back to a marker, never drop the line. */
    json_t *r = json_string(result ? result : "ok");
    json_object_set_new(o, "result", r ? r : json_string("<invalid utf-8 error text>"));
    char *s = rt_json_dump(o);
    json_decref(o);
    if (!s) return errno = ENOMEM, -1;
    size_t len = strlen(s);
    char *line = realloc(s, len + 2);
    if (!line) {
        free(s);
        return errno = ENOMEM, -1;
    }
    line[len++] = '\n';
    line[len] = '\0';
    int rc = -1, fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t n;
        do n = write(fd, line, len);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)len) rc = 0;
        else if (n >= 0) errno = EIO; /* short write: the line is torn, say so */
        int e = errno;
        close(fd);
        errno = e;
    }
    free(line);
    return rc;
}

int rt_journal_write(const char *component, const char *method, const char *id, json_t *extra,
                     const char *result)
{
    return rt_journal_write_to(getenv(RT_JOURNAL_ENV), component, method, id, extra, result);
}

json_t *rt_journal_read_err(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *buf = rt_read_file(path, JOURNAL_MAX_BYTES, &len);
    if (!buf) {
        if (errno == ENOENT) return json_array();
        if (err && errlen) snprintf(err, errlen, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    json_t *arr = json_array();
    size_t lineno = 0;
    for (char *p = buf; p < buf + len;) {
        char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(buf + len - p);
        lineno++;
        char perr[200];
        json_t *v = l ? rt_json_parse(p, l, perr, sizeof perr) : NULL;
        if (!l) snprintf(perr, sizeof perr, "empty line");
        if (!json_is_object(v) || !nl) {
            if (err && errlen)
                snprintf(err, errlen, "%s line %zu: %s", path, lineno,
                         !nl ? "no trailing newline (torn write)" : v ? "not a JSON object" : perr);
            json_decref(v);
            json_decref(arr);
            free(buf);
            return NULL;
        }
        json_array_append_new(arr, v);
        p += l + 1;
    }
    free(buf);
    return arr;
}

json_t *rt_journal_read(const char *path) { return rt_journal_read_err(path, NULL, 0); }
