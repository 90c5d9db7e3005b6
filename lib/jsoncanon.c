/* What jansson 2.14's compact dump writes (dump.c): "," and ":" without
 * spaces; strings with \" \\ \b \f \n \r \t for those characters, \u00XX
 * (upper case) for the other control characters and everything else raw
 * (valid UTF-8, which the parser checked); integers with "%lld"; reals with
 * "%.17g" plus ".0", which this does not try to match. Keys keep their
 * order (JSON_PRESERVE_ORDER) and duplicates were rejected by the parser,
 * so a text that passes these byte checks is its own dump. */
#include "jsoncanon.h"

#include <string.h>

/* "00XX" (after "\\u"), as jansson writes a control character that has no
 * short escape: upper-case hex. */
static bool ctl_escape(const char *h, size_t left)
{
    static const char hex[] = "0123456789ABCDEF";
    if (left < 4 || h[0] != '0' || h[1] != '0' || (h[2] != '0' && h[2] != '1')) return false;
    const char *d = h[3] ? strchr(hex, h[3]) : NULL;
    if (!d) return false;
    int v = (h[2] - '0') * 16 + (int)(d - hex);
    return v != 0 && v != '\b' && v != '\t' && v != '\n' && v != '\f' && v != '\r';
}

bool rt_json_is_dump(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char ch = (unsigned char)s[i++];
        switch (ch) {
        case '{': case '}': case '[': case ']': case ':': case ',':
            break;
        case '"':
            for (;;) {
                if (i >= len) return false;
                ch = (unsigned char)s[i++];
                if (ch == '"') break;
                if (ch != '\\') continue;
                if (i < len && s[i] == 'u' && ctl_escape(s + i + 1, len - i - 1)) {
                    i += 5;
                    continue;
                }
                /* any other \uXXXX, and \/: the dump writes the character raw */
                if (i >= len || !s[i] || !strchr("\"\\bfnrt", s[i])) return false;
                i++;
            }
            break;
        case '-':
            if (i >= len || s[i] == '0') return false; /* "-0" dumps as "0" */
            /* fall through */
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            while (i < len && s[i] >= '0' && s[i] <= '9') i++;
            /* a fraction or exponent makes it a real */
            if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) return false;
            break;
        case 't':
            if (len - i < 3 || memcmp(s + i, "rue", 3)) return false;
            i += 3;
            break;
        case 'f':
            if (len - i < 4 || memcmp(s + i, "alse", 4)) return false;
            i += 4;
            break;
        case 'n':
            if (len - i < 3 || memcmp(s + i, "ull", 3)) return false;
            i += 3;
            break;
        default: /* whitespace, a BOM, anything else */
            return false;
        }
    }
    return len > 0;
}
