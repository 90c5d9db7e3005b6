/* Recognising rt_json_dump()'s own output without re-serialising. */
#ifndef RT_JSONCANON_H
#define RT_JSONCANON_H

#include <stdbool.h>
#include <stddef.h>

/* TEXT (LEN bytes) is a document rt_json_parse() accepted. True only if
 * rt_json_dump() of the parsed value gives back exactly TEXT: compact (no
 * whitespace outside strings), only the escapes jansson writes (\" \\ \b
 * \f \n \r \t, \u00XX for other control characters), integers only (no
 * reals, no "-0"). Conservative: a false answer may be wrong (e.g. any
 * real), a true one never is. About 10 instructions a byte, against a full
 * dump plus compare. */
bool rt_json_is_dump(const char *text, size_t len);

#endif
