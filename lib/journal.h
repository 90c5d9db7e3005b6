/* Call journal: one JSON line per shim / fakerunc call, appended to the file
 * named by $RTCONFORM_JOURNAL (no-op when unset or empty). Tests and the
 * harness assert on it.
 *
 *   {"t_mono_ns":N,"pid":N,"argv0":"...","component":"shim|runc",
 *    "method":"Create","id":"<container id>", ...extra fields...,
 *    "result":"ok"|"<error text>"}
 *
 * Each line is written with O_APPEND and ONE write(), so concurrent writers
 * (threads or processes) never interleave. */
#ifndef RT_JOURNAL_H
#define RT_JOURNAL_H

#include <jansson.h>

#define RT_JOURNAL_ENV "RTCONFORM_JOURNAL"

/* EXTRA is stolen (may be NULL); its keys come after "id" and never replace
 * the fixed fields. RESULT NULL means "ok". ID NULL is written as "".
 * Returns 0 (also when disabled), -1/errno when the line could not be written. */
int rt_journal_write(const char *component, const char *method, const char *id, json_t *extra,
                     const char *result);

/* Same, to an explicit PATH (NULL/"" = disabled). */
int rt_journal_write_to(const char *path, const char *component, const char *method, const char *id,
                        json_t *extra, const char *result);

/* Read all entries of a journal file into a JSON array (for tests and the
 * harness). A missing file is an empty array. NULL if the file cannot be
 * read or a line is not a JSON object. */
json_t *rt_journal_read(const char *path);
/* Same, with a reason in ERR ("line 3: ...") on failure. */
json_t *rt_journal_read_err(const char *path, char *err, size_t errlen);

#endif
