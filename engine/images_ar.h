/* libarchive, loaded on first use (dlopen) instead of linked: only image
 * import and load read tarballs, and libarchive drags libxml2, ICU,
 * libstdc++ and five compressors into every engine's idle RSS (~2 MB of
 * mapped pages, issue 11). Include this after <archive.h> and
 * <archive_entry.h> in place of linking: each archive_* name below becomes
 * a call through the table, so the call sites read as plain libarchive. */
#ifndef RT_IMAGES_AR_H
#define RT_IMAGES_AR_H

#include <archive.h>
#include <archive_entry.h>

#include "engine/errdefs.h"

#define RT_AR_FUNCS(X)                                                                                          \
    X(archive_entry_filetype) X(archive_entry_hardlink) X(archive_entry_pathname) X(archive_entry_set_hardlink) \
    X(archive_entry_set_pathname) X(archive_entry_size) X(archive_entry_symlink) X(archive_error_string)        \
    X(archive_read_data) X(archive_read_data_block) X(archive_read_free) X(archive_read_new)                   \
    X(archive_read_next_header) X(archive_read_open_memory) X(archive_read_support_filter_all)                 \
    X(archive_read_support_format_gnutar) X(archive_read_support_format_tar) X(archive_write_data_block)       \
    X(archive_write_disk_new) X(archive_write_disk_set_options) X(archive_write_disk_set_standard_lookup)     \
    X(archive_write_finish_entry) X(archive_write_free) X(archive_write_header)

struct rt_ar {
#define RT_AR_FIELD(f) __typeof__(&f) f;
    RT_AR_FUNCS(RT_AR_FIELD)
#undef RT_AR_FIELD
};
extern struct rt_ar rt_ar;

/* Load libarchive once (thread-safe); 0, or -1 with a 500 in ERR. Call
 * before any archive_* call; later calls are a load of a flag. */
int rt_ar_load(struct rt_err *err);

#ifndef RT_IMAGES_AR_TABLE_ONLY
#define archive_entry_filetype (*rt_ar.archive_entry_filetype)
#define archive_entry_hardlink (*rt_ar.archive_entry_hardlink)
#define archive_entry_pathname (*rt_ar.archive_entry_pathname)
#define archive_entry_set_hardlink (*rt_ar.archive_entry_set_hardlink)
#define archive_entry_set_pathname (*rt_ar.archive_entry_set_pathname)
#define archive_entry_size (*rt_ar.archive_entry_size)
#define archive_entry_symlink (*rt_ar.archive_entry_symlink)
#define archive_error_string (*rt_ar.archive_error_string)
#define archive_read_data (*rt_ar.archive_read_data)
#define archive_read_data_block (*rt_ar.archive_read_data_block)
#define archive_read_free (*rt_ar.archive_read_free)
#define archive_read_new (*rt_ar.archive_read_new)
#define archive_read_next_header (*rt_ar.archive_read_next_header)
#define archive_read_open_memory (*rt_ar.archive_read_open_memory)
#define archive_read_support_filter_all (*rt_ar.archive_read_support_filter_all)
#define archive_read_support_format_gnutar (*rt_ar.archive_read_support_format_gnutar)
#define archive_read_support_format_tar (*rt_ar.archive_read_support_format_tar)
#define archive_write_data_block (*rt_ar.archive_write_data_block)
#define archive_write_disk_new (*rt_ar.archive_write_disk_new)
#define archive_write_disk_set_options (*rt_ar.archive_write_disk_set_options)
#define archive_write_disk_set_standard_lookup (*rt_ar.archive_write_disk_set_standard_lookup)
#define archive_write_finish_entry (*rt_ar.archive_write_finish_entry)
#define archive_write_free (*rt_ar.archive_write_free)
#define archive_write_header (*rt_ar.archive_write_header)
#endif

#endif
