/* The engine object every subsystem hangs off. */
#ifndef RT_ENGINE_H
#define RT_ENGINE_H

#include <stdbool.h>
#include <time.h>

#include "engine/options.h"

#define RT_API_VERSION_MAJOR 1
#define RT_API_VERSION_MINOR 45
#define RT_API_MIN_MAJOR 1
#define RT_API_MIN_MINOR 24
#define RT_API_VERSION "1.45"
#define RT_API_MIN_VERSION "1.24"

struct rt_snapstore;
struct rt_events;

struct rt_engine {
    struct rt_engine_opts opts;
    char id[65];           /* stable engine id (persisted under data-root) */
    char hostname[256];
    struct timespec started;
    struct rt_http_server *http;
    /* The live config + runtime set (snapshot.h): what every request reads. */
    struct rt_snapstore *snaps;
    /* GET /events (events.h). */
    struct rt_events *events;
};

#endif
