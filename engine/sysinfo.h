/* The JSON bodies of /version and /info (dockerd's shapes). */
#ifndef RT_SYSINFO_H
#define RT_SYSINFO_H

#include <jansson.h>

#include "engine/engine.h"

json_t *rt_engine_version_json(struct rt_engine *engine);
/* API_MINOR decides version-dependent fields (runtime "status" only >= 44). */
json_t *rt_engine_info_json(struct rt_engine *engine, int api_minor);

#endif
