/* Internals shared by runtimes*.c (not for other engine code). */
#ifndef RT_RUNTIMES_INT_H
#define RT_RUNTIMES_INT_H

#include <jansson.h>
#include <stddef.h>

#include "engine/runtimes.h"

/* §1.4 options conversion for a runtimeType runtime into RT (opts_type and
 * runc/generic filled). Error text without the "runtime <name>: " prefix,
 * e.g. "(0, 0): Can't convert abc(string) to uint32". */
int rt_rtopts_convert(const char *runtime_type, const json_t *options, struct rt_runtime *rt,
                      char *err, size_t errlen);
void rt_runc_options_free(struct rt_runc_options *o);
void rt_generic_options_free(struct rt_generic_options *o);
void rt_runc_options_copy(const struct rt_runc_options *s, struct rt_runc_options *d);
void rt_generic_options_copy(const struct rt_generic_options *s, struct rt_generic_options *d);

/* §3.1 wrapper: content for PATH + ARGS (malloc'd). Plain words are written
 * as moby does; words needing the shell's quoting are single-quoted. */
char *rt_wrapper_content(const char *path, char *const *args, size_t nargs);
/* Write the wrapper of RT under <data_root>/runtimes; sets rt->wrapper.
 * Error text raw (§1.5 3d) or the name rejection. */
int rt_wrapper_write(struct rt_runtime *rt, const char *data_root, char *err, size_t errlen);

/* Go's exec.LookPath with the engine's PATH: 0 and *FOUND (malloc'd), or -1
 * and ERR = "exec: \"<file>\": <reason>". */
int rt_lookpath(const char *file, char **found, char *err, size_t errlen);

/* The `features` probe of a runc-kind runtime (cached, §1.4). Sets
 * rt->features or leaves it NULL (warning logged). MEMO (may be NULL)
 * remembers PATH lookups and stats for the duration of one build, so 1000
 * runtimes on the same binary cost one lookup, not 1000. */
struct rt_probe_memo;
struct rt_probe_memo *rt_probe_memo_new(void);
void rt_probe_memo_free(struct rt_probe_memo *m);
void rt_features_probe(struct rt_runtime *rt, struct rt_probe_memo *memo);
/* Probe every runc-kind entry of SET, inline. */
void rt_features_probe_all(struct rt_runtime_set *set);
/* Drop a reference to an rt_runtime's features text (shared with the
 * probe cache; NULL is fine). */
void rt_features_text_put(char *features);
/* Wait for and release SET's background probe job, if any. */
void rt_features_probe_end(struct rt_runtime_set *set);

#endif
