/* JSON syntax check with Go encoding/json error texts (dockerd's wording). */
#ifndef RT_CONFIG_GOJSON_H
#define RT_CONFIG_GOJSON_H

#include <stddef.h>

/* 0 if TEXT is one valid JSON value; else -1 and ERR holds Go's message,
 * e.g. "invalid character 'x' looking for beginning of value". */
int rt_gojson_check(const char *text, size_t len, char *err, size_t errlen);

#endif
