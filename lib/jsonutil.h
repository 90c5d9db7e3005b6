/* Small helpers over jansson used across engine, shims and harness. */
#ifndef RT_JSONUTIL_H
#define RT_JSONUTIL_H

#include <jansson.h>
#include <stddef.h>

/* Serialize compactly (keys in insertion order). malloc'd; NULL on error. */
char *rt_json_dump(const json_t *v);
/* Parse a buffer; on error fill ERR (may be NULL) with
 * "<text> at line L column C" and return NULL. */
json_t *rt_json_parse(const char *buf, size_t len, char *err, size_t errlen);
/* Load and parse a file, bounded by MAX bytes. */
json_t *rt_json_load_file(const char *path, size_t max, char *err, size_t errlen);
/* Write V to PATH atomically (rt_atomic_write), mode MODE. */
int rt_json_save_file(const char *path, const json_t *v, unsigned mode);

/* Accessors that tolerate NULL and wrong types: return DEF then. */
const char *rt_json_str(const json_t *obj, const char *key, const char *def);
long long rt_json_int(const json_t *obj, const char *key, long long def);
int rt_json_bool(const json_t *obj, const char *key, int def);

/* Name of a JSON value's type as Go's decoder reports it ("array", "string",
 * "number", "bool", "object", "null"). */
const char *rt_json_kind(const json_t *v);

#endif
