/* Engine startup/shutdown of the state stores: images, containers (with
 * restore and restart policies). Called once the first config snapshot is
 * published, before the API serves. */
#include "engine/containers_rt.h"
#include "engine/engine.h"
#include "engine/images.h"
#include "log.h"

int rt_engine_state_init(struct rt_engine *e)
{
    rt_ctr_glue_init(e);
    struct rt_img_store *is = rt_img_store_new(e->opts.data_root);
    struct rt_ctr_store *cs = rt_ctr_store_new(e->opts.data_root);
    if (!is || !cs) {
        rt_img_store_free(is);
        rt_ctr_store_free(cs);
        return -1;
    }
    rt_img_store_set_default(is);
    rt_ctr_store_set_default(cs);
    rt_ctr_restore(cs);
    return 0;
}

void rt_engine_state_shutdown(struct rt_engine *e)
{
    (void)e;
    /* The stores stay allocated: API threads may still hold references
     * until the server is stopped; the process exits right after. */
}
