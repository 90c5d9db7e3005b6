/* A string -> size_t map (open addressing, linear probing, backward-shift
 * deletion): the container store's id and name indexes. Keys are borrowed:
 * they must outlive their entry. Not locked: the store's lock guards it. */
#ifndef RT_CTR_INDEX_H
#define RT_CTR_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rt_ctr_index {
    struct rt_ctr_index_slot {
        const char *key; /* NULL: empty */
        size_t val;
        uint32_t hash;
    } *t;
    size_t cap, n; /* cap: 0 or a power of two */
};

/* Insert or replace. 0, or -1 (out of memory; the map is unchanged). */
int rt_ctr_index_put(struct rt_ctr_index *m, const char *key, size_t val);
bool rt_ctr_index_get(const struct rt_ctr_index *m, const char *key, size_t *val);
void rt_ctr_index_del(struct rt_ctr_index *m, const char *key);
void rt_ctr_index_free(struct rt_ctr_index *m);

#endif
