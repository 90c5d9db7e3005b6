/* Backing the heap a large restore fills with transparent huge pages. */
#ifndef RT_RESTORE_HEAP_H
#define RT_RESTORE_HEAP_H

#include <stddef.h>

/* Between begin and end (one thread calls both, around the restore's
 * load), a thread about to allocate about BYTES that stay (parsed container
 * state) calls rt_restore_heap_reserve: its malloc arena grows by that much
 * at once, with huge pages asked for on it. SHARE: the largest BYTES to
 * come; below 4 MiB nothing is done (malloc keeps its dynamic thresholds).
 * Best effort: nothing happens where THP or madvise is not available. End
 * puts malloc's thresholds back (static defaults). */
void rt_restore_heap_begin(size_t share);
void rt_restore_heap_reserve(size_t bytes);
void rt_restore_heap_end(void);

#endif
