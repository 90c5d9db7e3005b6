/* Reading the json-file log back: filters, timestamps, stdcopy framing. */
#include "engine/logs.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/attach.h"

int rt_logs_parse_time(const char *s, long long *ns)
{
    struct tm tm = {0};
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!p) return -1;
    long long frac = 0;
    int digits = 0;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (digits < 9) frac = frac * 10 + (*p - '0'), digits++;
    while (digits < 9) frac *= 10, digits++;
    long long off = 0;
    if (*p == '+' || *p == '-') { /* numeric zone: shift to UTC */
        int hh = 0, mm = 0;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) return -1;
        off = (hh * 3600LL + mm * 60LL) * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z') {
        return -1;
    }
    *ns = ((long long)timegm(&tm) - off) * 1000000000LL + frac;
    return 0;
}

int rt_logs_render(const char *line, const struct rt_logs_opts *o, char **out, size_t *len)
{
    json_t *j = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
    const char *stream = json_string_value(json_object_get(j, "stream"));
    const char *text = json_string_value(json_object_get(j, "log"));
    size_t tlen = json_string_length(json_object_get(j, "log"));
    long long t = 0;
    int ok = j && stream && text && rt_logs_parse_time(json_string_value(json_object_get(j, "time")), &t) == 0;
    int sid = ok && !strcmp(stream, "stderr") ? RT_STREAM_STDERR : RT_STREAM_STDOUT;
    if (ok && ((sid == RT_STREAM_STDOUT && !o->out) || (sid == RT_STREAM_STDERR && !o->err))) ok = 0;
    if (ok && o->since_ns > 0 && t < o->since_ns) ok = 0;
    if (ok && o->until_ns > 0 && t > o->until_ns) ok = 0;
    if (!ok) {
        json_decref(j);
        return 0;
    }
    char ts[64] = "";
    size_t tslen = 0;
    if (o->timestamps) { /* dockerd's RFC3339NanoFixed */
        time_t sec = (time_t)(t / 1000000000LL);
        struct tm tm;
        gmtime_r(&sec, &tm);
        size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(ts + n, sizeof ts - n, ".%09lldZ ", t % 1000000000LL);
        tslen = strlen(ts);
    }
    size_t hl = o->raw ? 0 : 8;
    char *buf = malloc(hl + tslen + tlen);
    if (!buf) {
        json_decref(j);
        return 0;
    }
    if (hl) rt_stdcopy_header((uint8_t *)buf, sid, (uint32_t)(tslen + tlen));
    memcpy(buf + hl, ts, tslen);
    memcpy(buf + hl + tslen, text, tlen);
    *out = buf;
    *len = hl + tslen + tlen;
    json_decref(j);
    return 1;
}

FILE *rt_logs_open(const char *path, const struct rt_logs_opts *o)
{
    FILE *f = fopen(path, "re");
    if (!f || o->tail < 0) return f;
    long lines = 0;
    int c;
    while ((c = getc(f)) != EOF) lines += c == '\n';
    long skip = lines > o->tail ? lines - o->tail : 0;
    rewind(f);
    while (skip > 0 && (c = getc(f)) != EOF) skip -= c == '\n';
    return f;
}
