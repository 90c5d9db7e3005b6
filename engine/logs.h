/* Container logs: the json-file store <data-root>/containers/<id>/<id>-json.log
 * (one {"log","stream","time"} object per line, written by the drain thread)
 * read back for GET /containers/{id}/logs. */
#ifndef RT_LOGS_H
#define RT_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct rt_logs_opts {
    bool out, err;        /* which streams */
    bool timestamps;      /* prefix "<RFC3339 with 9 digits> " */
    bool raw;             /* TTY: no stdcopy headers */
    long long since_ns;   /* 0 = none */
    long long until_ns;   /* 0 = none */
    long tail;            /* < 0 = all */
};

/* RFC 3339 ("2006-01-02T15:04:05.999999999Z") -> unix ns; -1 if bad. */
int rt_logs_parse_time(const char *s, long long *ns);

/* Turn one json-file LINE into the bytes a client gets (framed unless raw).
 * 1 with *OUT (malloc'd) and *LEN, 0 when the line is filtered out or
 * unreadable. */
int rt_logs_render(const char *line, const struct rt_logs_opts *o, char **out, size_t *len);

/* Open PATH and skip to where O->tail says reading starts. NULL if the
 * file does not exist (nothing logged yet). */
FILE *rt_logs_open(const char *path, const struct rt_logs_opts *o);

#endif
