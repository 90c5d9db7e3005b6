/* A JSON syntax check that fails with Go's encoding/json texts, so a
 * malformed daemon.json is reported in dockerd's words ("invalid character
 * 'x' looking for beginning of value", "unexpected end of JSON input").
 * Only syntax: values are decoded afterwards with jansson. */
#include "engine/config_gojson.h"

#include <stdio.h>
#include <string.h>

struct scan {
    const unsigned char *p, *end;
    char *err;
    size_t errlen;
    int depth;
};

/* Go's quoteChar: '\'' and '"' special, else strconv.Quote of the rune. */
static void quote_char(unsigned c, char *out, size_t n)
{
    if (c == '\'') { snprintf(out, n, "'\\''"); return; }
    if (c == '"') { snprintf(out, n, "'\"'"); return; }
    switch (c) {
    case '\a': snprintf(out, n, "'\\a'"); return;
    case '\b': snprintf(out, n, "'\\b'"); return;
    case '\f': snprintf(out, n, "'\\f'"); return;
    case '\n': snprintf(out, n, "'\\n'"); return;
    case '\r': snprintf(out, n, "'\\r'"); return;
    case '\t': snprintf(out, n, "'\\t'"); return;
    case '\v': snprintf(out, n, "'\\v'"); return;
    case '\\': snprintf(out, n, "'\\\\'"); return;
    }
    if (c < 0x20 || c == 0x7f) { snprintf(out, n, "'\\x%02x'", c); return; }
    if (c >= 0x80 && c <= 0xa0) { snprintf(out, n, "'\\u%04x'", c); return; }
    if (c > 0xa0) { /* byte taken as a Latin-1 rune, printed as UTF-8 */
        snprintf(out, n, "'%c%c'", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
        return;
    }
    snprintf(out, n, "'%c'", c);
}

static int bad(struct scan *s, const char *context)
{
    if (s->p >= s->end) {
        snprintf(s->err, s->errlen, "unexpected end of JSON input");
    } else {
        char q[16];
        quote_char(*s->p, q, sizeof q);
        snprintf(s->err, s->errlen, "invalid character %s %s", q, context);
    }
    return -1;
}

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n')) s->p++;
}

static int is_hex(unsigned c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int scan_string(struct scan *s)
{
    s->p++; /* opening quote */
    while (s->p < s->end) {
        unsigned c = *s->p;
        if (c == '"') { s->p++; return 0; }
        if (c < 0x20) return bad(s, "in string literal");
        if (c == '\\') {
            s->p++;
            if (s->p >= s->end) return bad(s, "");
            c = *s->p;
            if (c == 'u') {
                s->p++;
                for (int i = 0; i < 4; i++, s->p++)
                    if (s->p >= s->end || !is_hex(*s->p)) return bad(s, "in \\u hexadecimal character escape");
                continue;
            }
            if (!strchr("\"\\/bfnrt", (int)c) || c == 0) return bad(s, "in string escape code");
        }
        s->p++;
    }
    return bad(s, "");
}

static int digit(const struct scan *s)
{
    return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

static int scan_number(struct scan *s)
{
    if (*s->p == '-') {
        s->p++;
        if (!digit(s)) return bad(s, "in numeric literal");
    }
    if (*s->p == '0') s->p++;
    else while (digit(s)) s->p++;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!digit(s)) return bad(s, "after decimal point in numeric literal");
        while (digit(s)) s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-')) s->p++;
        if (!digit(s)) return bad(s, "in exponent of numeric literal");
        while (digit(s)) s->p++;
    }
    return 0;
}

static int scan_literal(struct scan *s, const char *word)
{
    s->p++;
    for (const char *w = word + 1; *w; w++, s->p++) {
        if (s->p >= s->end || *s->p != (unsigned char)*w) {
            char ctx[64];
            snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", word, *w);
            return bad(s, ctx);
        }
    }
    return 0;
}

static int scan_value(struct scan *s);

static int scan_object(struct scan *s)
{
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') { s->p++; return 0; }
    for (;;) {
        if (s->p >= s->end || *s->p != '"') return bad(s, "looking for beginning of object key string");
        if (scan_string(s) < 0) return -1;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':') return bad(s, "after object key");
        s->p++;
        if (scan_value(s) < 0) return -1;
        skip_ws(s);
        if (s->p < s->end && *s->p == '}') { s->p++; return 0; }
        if (s->p >= s->end || *s->p != ',') return bad(s, "after object key:value pair");
        s->p++;
        skip_ws(s);
    }
}

static int scan_array(struct scan *s)
{
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') { s->p++; return 0; }
    for (;;) {
        if (scan_value(s) < 0) return -1;
        skip_ws(s);
        if (s->p < s->end && *s->p == ']') { s->p++; return 0; }
        if (s->p >= s->end || *s->p != ',') return bad(s, "after array element");
        s->p++;
    }
}

static int scan_value(struct scan *s)
{
    skip_ws(s);
    if (s->p >= s->end) return bad(s, "");
    if (++s->depth > 10000) { /* Go's maxNestingDepth */
        snprintf(s->err, s->errlen, "exceeded max depth");
        return -1;
    }
    int rc;
    switch (*s->p) {
    case '{': rc = scan_object(s); break;
    case '[': rc = scan_array(s); break;
    case '"': rc = scan_string(s); break;
    case 't': rc = scan_literal(s, "true"); break;
    case 'f': rc = scan_literal(s, "false"); break;
    case 'n': rc = scan_literal(s, "null"); break;
    default:
        if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) rc = scan_number(s);
        else rc = bad(s, "looking for beginning of value");
    }
    s->depth--;
    return rc;
}

int rt_gojson_check(const char *text, size_t len, char *err, size_t errlen)
{
    struct scan s = {(const unsigned char *)text, (const unsigned char *)text + len, err, errlen, 0};
    if (scan_value(&s) < 0) return -1;
    skip_ws(&s);
    if (s.p < s.end) return bad(&s, "after top-level value");
    return 0;
}
