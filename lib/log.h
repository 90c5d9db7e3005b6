/* Leveled logging with timestamps, to stderr or a file. */
#ifndef RT_LOG_H
#define RT_LOG_H

#include <stdarg.h>

enum rt_log_level { RT_LOG_DEBUG, RT_LOG_INFO, RT_LOG_WARN, RT_LOG_ERROR };

/* Defaults: level INFO, stderr, program name "rt". */
void rt_log_init(const char *prog, enum rt_log_level level);
void rt_log_set_level(enum rt_log_level level);
enum rt_log_level rt_log_get_level(void);
/* Append to PATH instead of stderr; returns -1 (errno set) on failure. */
int rt_log_open_file(const char *path);
/* Parse "debug", "info", "warn"/"warning", "error"; -1 if unknown. */
int rt_log_level_parse(const char *name);

/* One line: time="..." level=info msg="..." (logfmt, as dockerd writes). */
void rt_log(enum rt_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rt_vlog(enum rt_log_level level, const char *fmt, va_list ap);
/* Same, with one extra key=value field (e.g. error="..."). */
void rt_log_kv(enum rt_log_level level, const char *key, const char *val,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define rt_debug(...) rt_log(RT_LOG_DEBUG, __VA_ARGS__)
#define rt_info(...) rt_log(RT_LOG_INFO, __VA_ARGS__)
#define rt_warn(...) rt_log(RT_LOG_WARN, __VA_ARGS__)
#define rt_error(...) rt_log(RT_LOG_ERROR, __VA_ARGS__)

#endif
