/* The store's id and name indexes: restore inserts 1000 containers, and a
 * linear name/id check per insert made that quadratic. */
#include "engine/ctr_index.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash_of(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot holding KEY, or the empty slot where it would go. */
static size_t probe(const struct rt_ctr_index *m, const char *key, uint32_t h)
{
    size_t mask = m->cap - 1, i = h & mask;
    while (m->t[i].key && (m->t[i].hash != h || strcmp(m->t[i].key, key))) i = (i + 1) & mask;
    return i;
}

static int grow(struct rt_ctr_index *m)
{
    size_t nc = m->cap ? m->cap * 2 : 64;
    struct rt_ctr_index_slot *nt = calloc(nc, sizeof *nt), *old = m->t;
    if (!nt) return -1;
    size_t oc = m->cap;
    m->t = nt, m->cap = nc;
    for (size_t i = 0; i < oc; i++)
        if (old[i].key) m->t[probe(m, old[i].key, old[i].hash)] = old[i];
    free(old);
    return 0;
}

int rt_ctr_index_put(struct rt_ctr_index *m, const char *key, size_t val)
{
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m) < 0) return -1; /* load <= 3/4 */
    uint32_t h = hash_of(key);
    size_t i = probe(m, key, h);
    if (!m->t[i].key) m->n++;
    m->t[i] = (struct rt_ctr_index_slot){.key = key, .val = val, .hash = h};
    return 0;
}

bool rt_ctr_index_get(const struct rt_ctr_index *m, const char *key, size_t *val)
{
    if (!m->n) return false;
    size_t i = probe(m, key, hash_of(key));
    if (!m->t[i].key) return false;
    *val = m->t[i].val;
    return true;
}

void rt_ctr_index_del(struct rt_ctr_index *m, const char *key)
{
    if (!m->n) return;
    size_t mask = m->cap - 1, i = probe(m, key, hash_of(key));
    if (!m->t[i].key) return;
    /* backward shift: move later members of the run into the hole when
     * their home slot is not inside (hole, j] */
    for (size_t j = i;;) {
        m->t[i].key = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!m->t[j].key) {
                m->n--;
                return;
            }
            size_t home = m->t[j].hash & mask;
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) break;
        }
        m->t[i] = m->t[j];
        i = j;
    }
}

void rt_ctr_index_free(struct rt_ctr_index *m)
{
    free(m->t);
    *m = (struct rt_ctr_index){0};
}
