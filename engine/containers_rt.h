/* Wiring of the containers module into the engine (containers_rt.c). */
#ifndef RT_CONTAINERS_RT_H
#define RT_CONTAINERS_RT_H

#include "engine/containers.h"

struct rt_engine;

/* Use E's snapshot store and event bus from now on. */
void rt_ctr_glue_init(struct rt_engine *e);
/* The engine given to rt_ctr_glue_init (NULL before; unit tests). */
struct rt_engine *rt_ctr_engine(void);

/* Tests: resolve against something else than the live snapshot. */
typedef int (*rt_ctr_resolver_fn)(const char *name, struct rt_resolved *out, struct rt_err *err);
typedef char *(*rt_ctr_default_fn)(void);
void rt_ctr_set_resolver(rt_ctr_resolver_fn resolve, rt_ctr_default_fn def);

/* Engine startup: image store, container store (restore incl. restart
 * policies). 0, or -1 after printing nothing fatal-worthy (logs say why). */
int rt_engine_state_init(struct rt_engine *e);
void rt_engine_state_shutdown(struct rt_engine *e);

#endif
