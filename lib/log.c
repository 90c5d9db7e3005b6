#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"debug", "info", "warning", "error"};
/* Set by a reload (debug on/off) while request threads log: atomic. */
static enum rt_log_level cur_level = RT_LOG_INFO;
static int log_fd = STDERR_FILENO;
static char prog_name[64] = "rt";

void rt_log_init(const char *prog, enum rt_log_level level)
{
    if (prog) snprintf(prog_name, sizeof prog_name, "%s", prog);
    __atomic_store_n(&cur_level, level, __ATOMIC_RELAXED);
}

void rt_log_set_level(enum rt_log_level level) { __atomic_store_n(&cur_level, level, __ATOMIC_RELAXED); }
enum rt_log_level rt_log_get_level(void) { return __atomic_load_n(&cur_level, __ATOMIC_RELAXED); }

int rt_log_open_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return -1;
    if (log_fd != STDERR_FILENO) close(log_fd);
    log_fd = fd;
    return 0;
}

int rt_log_level_parse(const char *name)
{
    if (!strcmp(name, "debug")) return RT_LOG_DEBUG;
    if (!strcmp(name, "info")) return RT_LOG_INFO;
    if (!strcmp(name, "warn") || !strcmp(name, "warning")) return RT_LOG_WARN;
    if (!strcmp(name, "error")) return RT_LOG_ERROR;
    return -1;
}

/* Escape for a logfmt quoted value: backslash, quote, newline. */
static size_t append_quoted(char *dst, size_t cap, size_t at, const char *s)
{
    for (; *s && at + 2 < cap; s++) {
        if (*s == '"' || *s == '\\') dst[at++] = '\\', dst[at++] = *s;
        else if (*s == '\n') dst[at++] = '\\', dst[at++] = 'n';
        else dst[at++] = *s;
    }
    return at;
}

static void emit(enum rt_log_level level, const char *key, const char *val,
                 const char *fmt, va_list ap)
{
    if (level < __atomic_load_n(&cur_level, __ATOMIC_RELAXED)) return;
    char msg[8192], line[16384];
    vsnprintf(msg, sizeof msg, fmt, ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);

    size_t n = (size_t)snprintf(line, sizeof line, "time=\"%s.%09ldZ\" level=%s msg=\"",
                                when, ts.tv_nsec, level_names[level]);
    n = append_quoted(line, sizeof line - 8, n, msg);
    line[n++] = '"';
    if (key && val) {
        n += (size_t)snprintf(line + n, sizeof line - n - 4, " %s=\"", key);
        if (n > sizeof line - 8) n = sizeof line - 8;
        n = append_quoted(line, sizeof line - 4, n, val);
        line[n++] = '"';
    }
    line[n++] = '\n';
    /* One write per line so concurrent writers never interleave. */
    ssize_t w;
    do w = write(log_fd, line, n); while (w < 0 && errno == EINTR);
}

void rt_vlog(enum rt_log_level level, const char *fmt, va_list ap)
{
    emit(level, NULL, NULL, fmt, ap);
}

void rt_log(enum rt_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(level, NULL, NULL, fmt, ap);
    va_end(ap);
}

void rt_log_kv(enum rt_log_level level, const char *key, const char *val,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(level, key, val, fmt, ap);
    va_end(ap);
}
