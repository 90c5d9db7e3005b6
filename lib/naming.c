#include "naming.h"

#include "sha256.h"

size_t rt_b32_encode(const unsigned char *in, size_t len, char *out)
{
    static const char alpha[] = RT_B32_ALPHABET;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 5) {
        unsigned char blk[5] = {0};
        size_t n = len - i < 5 ? len - i : 5;
        for (size_t k = 0; k < n; k++) blk[k] = in[i + k];
        unsigned long long v = 0;
        for (int k = 0; k < 5; k++) v = (v << 8) | blk[k];
        /* Symbols carrying data: ceil(n*8/5); the rest of the 8 are '='. */
        size_t used = (n * 8 + 4) / 5;
        for (size_t k = 0; k < 8; k++)
            out[o++] = k < used ? alpha[(v >> (35 - 5 * k)) & 31] : '=';
    }
    out[o] = '\0';
    return o;
}

static int sha256(const void *data, size_t len, unsigned char md[32])
{
    rt_sha256(data, len, md); /* cannot fail; the int stays for the callers' contract */
    return 0;
}

int rt_wrapper_suffix(const void *content, size_t len, char *out)
{
    unsigned char md[32];
    if (sha256(content, len, md) < 0) return -1;
    rt_b32_encode(md, sizeof md, out);
    return 0;
}

int rt_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    if (sha256(data, len, md) < 0) return -1;
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}
