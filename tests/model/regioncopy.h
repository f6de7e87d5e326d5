/* SPDX-License-Identifier: BSD-2-Clause */
/* regioncopy.h: a copy of the kernel's state region taken at a checkpoint,
 * and the comparison of a restored kernel with it (tests/model/regioncopy.c;
 * used by the model test's and the IPC model's restarts).
 *
 * What a restore must give back exactly: the globals (scheduler clock and
 * current thread, object counts, the free list of table entries, watches,
 * revocations), every object-table entry, and every block of storage that
 * was allocated at the checkpoint, byte for byte -- object bodies, CSpace
 * and mapping radix nodes, frame pages, thread registers, queues -- but
 * page tables (not kept, P3), and, field by field, the bodies of banks
 * (their usage loses the page tables) and AddrSpaces (their tables are new;
 * the mapping slots' root must be the same). Free storage is not compared. */
#ifndef TETHER_MODEL_REGIONCOPY_H
#define TETHER_MODEL_REGIONCOPY_H

#include "types.h"

struct region_copy {
    u8 *region;
    u64 bytes, tab_off, map_off, pt_off, arena_off, arena_bytes;
    u32 ntab, live_objs, watches, revocations;
    u32 cur, free_obj;
    u64 now;
};

/* Copy the running kernel's region and globals into c (c's buffer grows). */
void region_save(struct region_copy *c);
/* NULL if the running kernel is c as a restore must give it back; else
 * what differs (a static buffer), with *obj the object it is in (0: not
 * known). */
const char *region_diff(const struct region_copy *c, u32 *obj);

#endif
