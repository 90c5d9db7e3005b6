/* Live stdout/stderr of containers and execs for attach streams. The drain
 * threads publish raw bytes under a key (a container id or an exec id);
 * each subscriber gets them framed as dockerd's stdcopy multiplexing
 * (8-byte header: stream, 0, 0, 0, big-endian length) or raw (TTY). A
 * subscription ends when its key's output ends (rt_attach_end), at engine
 * shutdown, or when the subscriber falls too far behind. */
#ifndef RT_ATTACH_H
#define RT_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum { RT_STREAM_STDIN = 0, RT_STREAM_STDOUT = 1, RT_STREAM_STDERR = 2 };

/* The 8-byte stdcopy header for a LEN-byte frame of STREAM. */
void rt_stdcopy_header(uint8_t hdr[8], int stream, uint32_t len);

struct rt_attach_sub;
/* Subscribe to KEY's future output; OUT/ERR pick the streams; RAW = no
 * framing. NULL after rt_attach_shutdown(). */
struct rt_attach_sub *rt_attach_subscribe(const char *key, bool out, bool err, bool raw);
/* Up to MAX bytes of (framed) output: > 0, 0 after TIMEOUT_MS (< 0 waits
 * forever) with nothing new, -1 when the subscription ended and is drained. */
ssize_t rt_attach_next(struct rt_attach_sub *s, char *buf, size_t max, int timeout_ms);
void rt_attach_unsubscribe(struct rt_attach_sub *s);

/* Producer side (drain threads). STREAM is RT_STREAM_STDOUT or _STDERR. */
void rt_attach_publish(const char *key, int stream, const void *buf, size_t n);
/* KEY's output ended: every current subscriber of KEY ends once drained. */
void rt_attach_end(const char *key);
/* Engine shutdown: end every subscription, refuse new ones. */
void rt_attach_shutdown(void);
size_t rt_attach_nsubscribers(void);

#endif
