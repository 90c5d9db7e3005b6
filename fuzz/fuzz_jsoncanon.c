/* Fuzz target: lib/jsoncanon.c's promise. rt_json_is_dump() may say "not
 * ours" wrongly (one extra write at restore), but a "yes" must always be
 * right: rt_json_dump() of the parsed document gives back the same bytes.
 * A wrong "yes" would let restore skip rewriting a file it cannot read back
 * the same way. */
#include <stdint.h>

#include "fuzz_common.h"
#include "jsoncanon.h"
#include "jsonutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    json_t *v = rt_json_parse((const char *)data, size, err, sizeof err);
    if (!v) return 0;
    if (rt_json_is_dump((const char *)data, size)) {
        char *again = rt_json_dump(v);
        if (!again || strlen(again) != size || memcmp(again, data, size) != 0) __builtin_trap();
        free(again);
    }
    json_decref(v);
    return 0;
}
