/* Inside the image store: the one way an image gets stored (images.c),
 * shared by import (a rootfs tarball) and load (a `docker save` tarball). */
#ifndef RT_IMAGES_INT_H
#define RT_IMAGES_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/errdefs.h"

struct rt_img_store;

/* A tar entry name (or link target) is safe if it is relative and has no
 * ".." component; NULL is safe. The one rule for import and load. */
bool rt_img_safe_path(const char *p);

/* Store an image whose config.json is CFGTEXT (its sha256 is the id) and
 * whose rootfs is the N layer tarballs applied in order (no whiteouts),
 * then tag it NAMETAGS ("name:tag"). Unsafe entry names (absolute, "..")
 * are refused with 400 before anything is written. An image already stored
 * is only tagged. ID gets "sha256:<hex>". */
int rt_img_store_layers(struct rt_img_store *s, const void *const *tars, const size_t *lens, size_t n,
                        const char *cfgtext, char *const *nametags, size_t ntags, char id[72], struct rt_err *err);

#endif
