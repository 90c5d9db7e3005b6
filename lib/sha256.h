/* SHA-256 (FIPS 180-4), small and self-contained: the engine hashes
 * wrapper contents and image layers and needs nothing else from a crypto
 * library, whose shared pages would dominate the engine's idle RSS. */
#ifndef RT_SHA256_H
#define RT_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct rt_sha256 {
    uint32_t h[8];
    uint64_t len;          /* bytes hashed so far */
    unsigned char buf[64]; /* pending partial block */
    size_t nbuf;
};

void rt_sha256_init(struct rt_sha256 *c);
void rt_sha256_update(struct rt_sha256 *c, const void *data, size_t len);
void rt_sha256_final(struct rt_sha256 *c, unsigned char md[32]);
/* One-shot digest of DATA. */
void rt_sha256(const void *data, size_t len, unsigned char md[32]);

#endif
