/* Fuzz target: image tar import (engine/images.c) with libarchive reading
 * any format/compression. Accepted images are listed, inspected and deleted
 * again, so the store under the scratch data-root stays small. */
#include <stdint.h>

#include "engine/images.h"
#include "fuzz_common.h"

static struct rt_img_store *store;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    store = rt_img_store_new(fuzz_scratch("images"));
    if (!store) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char id[72];
    struct rt_err err = {0};
    if (rt_img_import(store, data, size, "fuzz/img", "t", "m", id, &err) == 0) {
        json_decref(rt_img_list(store));
        json_t *in = rt_img_inspect(store, "fuzz/img:t", &err);
        if (!in) __builtin_trap(); /* what was imported must be found */
        json_decref(in);
        json_t *del = rt_img_delete(store, id, true, NULL, &err);
        if (!del) __builtin_trap();
        json_decref(del);
    }
    rt_err_clear(&err);
    return 0;
}
