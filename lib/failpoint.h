/* Failpoints: containerd's pkg/failpoint grammar plus our extensions.
 *
 *   terms := term ( "->" term )*
 *   term  := <count> "*" type          (count: decimal, 0..RT_FP_MAX_COUNT)
 *   type  := off | error(<text>) | panic(<text>) | delay(<ms>)
 *          | barrier(<fifo path>) | exit(<n>) | hang        (our extensions)
 *
 * <text> cannot contain ')' or "->" (terms are split on "->" first, as in
 * containerd). Whitespace around a term is ignored.
 * On each evaluation the FIRST term with count > 0 is used and its count
 * decremented; when every count is 0 the failpoint passes.
 *   off        pass
 *   error(x)   RT_FP_ERROR, msg = x
 *   panic(x)   RT_FP_PANIC, msg = x (the caller crashes the way it chooses)
 *   delay(ms)  sleep ms, then pass
 *   barrier(p) open FIFO p for reading (blocks until a writer opens it), read
 *              until one byte or EOF, then pass
 *   exit(n)    the process exits with status n (0..255) at once
 *   hang       never return
 */
#ifndef RT_FAILPOINT_H
#define RT_FAILPOINT_H

#include <jansson.h>
#include <stddef.h>

/* Annotation prefix used on OCI config.json: prefix + Method (Create, Start,
 * ..., or "@start"/"@delete" for the binary actions). */
#define RT_FAILPOINT_ANNOTATION_PREFIX "io.containerd.runtime.v2.shim.failpoint."
/* fakerunc's own prefix: prefix + runc command (create, start, kill, ...). */
#define RT_FAKERUNC_FAILPOINT_PREFIX "io.rtconform.fakerunc.failpoint."

#define RT_FP_MAX_COUNT 1000000000L /* counts above this are rejected */
#define RT_FP_MAX_DELAY_MS 3600000L /* one hour */

struct rt_failpoint;

/* 0, or -1 with ERR = a message naming the term and what is wrong. */
int rt_failpoint_parse(const char *spec, struct rt_failpoint **out, char *err, size_t errlen);

enum rt_fp_result { RT_FP_PASS, RT_FP_ERROR, RT_FP_PANIC };

/* Evaluate once (thread-safe: a mutex inside; the action itself runs outside
 * the lock so a delay does not serialise other callers' bookkeeping).
 * delay/barrier/hang/exit are performed inside. RT_FP_ERROR/PANIC put the
 * text in MSG. */
enum rt_fp_result rt_failpoint_eval(struct rt_failpoint *fp, char *msg, size_t msglen);
void rt_failpoint_free(struct rt_failpoint *fp);

/* Number of terms, and the sum of remaining counts (for tests / debugging). */
size_t rt_failpoint_nterms(const struct rt_failpoint *fp);
long rt_failpoint_remaining(struct rt_failpoint *fp);

/* Consume N evaluations without performing their actions (for callers that
 * keep the number of past evaluations elsewhere, e.g. one process per call). */
void rt_failpoint_advance(struct rt_failpoint *fp, long n);

/* Failpoint for METHOD from an OCI config's annotations (PREFIX + METHOD).
 * Returns 0 with *OUT = NULL when there is none, 0 with *OUT set, or -1 with
 * ERR when the annotation is present but not a valid spec. */
int rt_failpoint_from_annotations(const json_t *config, const char *prefix, const char *method,
                                  struct rt_failpoint **out, char *err, size_t errlen);

#endif
