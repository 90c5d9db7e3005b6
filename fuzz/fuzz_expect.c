/* Fuzz target: expectation-file parsing (harness/expect.c), with lookups of
 * the ids it accepted. */
#include <stdint.h>

#include "fuzz_common.h"
#include "harness/expect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    struct rt_expect *e = rt_expect_parse((const char *)data, size, "fuzz.json", "2026-06-01", err, sizeof err);
    if (!e) return 0;
    for (size_t i = 0; i < e->n; i++) {
        const struct rt_expect_entry *x = rt_expect_find(e, e->entries[i].id);
        if (!x) __builtin_trap(); /* an accepted id must be found again */
        (void)rt_expect_kind_name(x->kind);
        (void)rt_expect_valid_date(x->expires);
    }
    rt_expect_free(e);
    return 0;
}
