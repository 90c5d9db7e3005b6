/* libarchive on demand (see images_ar.h for why). */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "engine/errdefs.h"

/* The table's layout only (images_ar.h's macros are not wanted here: this
 * file resolves the real names). */
#define RT_IMAGES_AR_TABLE_ONLY
#include "engine/images_ar.h"

struct rt_ar rt_ar;

/* The runtime soname of the libarchive we compiled against. */
#define RT_AR_SONAME "libarchive.so.13"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[512];

static void load(void)
{
    void *h = dlopen(RT_AR_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libarchive.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_err, sizeof load_err, "%s", dlerror());
        return;
    }
    /* every symbol or none: a partial table would crash mid-import */
#define RT_AR_SYM(f)                                                                 \
    {                                                                                \
        void *sym = dlsym(h, #f);                                                    \
        if (!sym && !load_err[0])                                                    \
            snprintf(load_err, sizeof load_err, "%s: no symbol %s", RT_AR_SONAME, #f); \
        memcpy(&rt_ar.f, &sym, sizeof sym);                                          \
    }
    RT_AR_FUNCS(RT_AR_SYM)
#undef RT_AR_SYM
}

int rt_ar_load(struct rt_err *err)
{
    pthread_once(&once, load);
    if (load_err[0]) return rt_err_set(err, RT_ERR_SYSTEM, "cannot load libarchive: %s", load_err);
    return 0;
}
