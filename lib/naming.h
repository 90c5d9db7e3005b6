/* Content-addressed names for runtime wrapper scripts (engine spec §3.1):
 * SHA-256 of the content, RFC 4648 base32 with '=' padding, over the alphabet
 * 0123456789BCDFGHJKLMNPQRSTVWXYZ- . */
#ifndef RT_NAMING_H
#define RT_NAMING_H

#include <stddef.h>

#define RT_B32_ALPHABET "0123456789BCDFGHJKLMNPQRSTVWXYZ-"
/* base32 of 32 bytes: 52 symbols + 4 '=' + NUL. */
#define RT_WRAPPER_SUFFIX_LEN 56

/* Encode LEN bytes into OUT (needs ((len+4)/5)*8+1 bytes). Returns length. */
size_t rt_b32_encode(const unsigned char *in, size_t len, char *out);

/* OUT[RT_WRAPPER_SUFFIX_LEN+1] <- b32(sha256(content)). 0, or -1 if the
 * digest could not be computed. */
int rt_wrapper_suffix(const void *content, size_t len, char *out);

/* SHA-256 as 64 lower-case hex digits + NUL. */
int rt_sha256_hex(const void *data, size_t len, char out[65]);

#endif
