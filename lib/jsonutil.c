#include "jsonutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

char *rt_json_dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

json_t *rt_json_parse(const char *buf, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    json_t *v = json_loadb(buf, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!v && err && errlen)
        snprintf(err, errlen, "%s at line %d column %d", je.text, je.line, je.column);
    return v;
}

json_t *rt_json_load_file(const char *path, size_t max, char *err, size_t errlen)
{
    size_t len;
    char *buf = rt_read_file(path, max, &len);
    if (!buf) {
        if (err && errlen) snprintf(err, errlen, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    json_t *v = rt_json_parse(buf, len, err, errlen);
    free(buf);
    return v;
}

int rt_json_save_file(const char *path, const json_t *v, unsigned mode)
{
    char *s = rt_json_dump(v);
    if (!s) return errno = ENOMEM, -1;
    int rc = rt_atomic_write(path, s, strlen(s), (mode_t)mode, NULL, 0);
    int e = errno;
    free(s);
    errno = e;
    return rc;
}

const char *rt_json_str(const json_t *obj, const char *key, const char *def)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : def;
}

long long rt_json_int(const json_t *obj, const char *key, long long def)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_integer(v) ? json_integer_value(v) : def;
}

int rt_json_bool(const json_t *obj, const char *key, int def)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_boolean(v) ? json_is_true(v) : def;
}

const char *rt_json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    default: return "null";
    }
}
