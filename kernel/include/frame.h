/* SPDX-License-Identifier: BSD-2-Clause */
/* frame.h: frames, pages of memory allocated from a bank (S1).
 *
 * A frame keeps, in its body, a master capability that no task can reach;
 * every frame cap a task holds, and every mapping of the frame in any
 * AddrSpace, descends from it. So all the frame's caps and mappings are one
 * derivation tree, and destroying the frame revokes that tree, which takes
 * the frame out of every page table and TLB before its memory is reused
 * (S3, S4). COPY of a task's frame cap is therefore a sibling, which is
 * what C2 asks of a root anyway: the holder of the source can't revoke it. */
#ifndef TETHER_FRAME_H
#define TETHER_FRAME_H

#include "cap.h"

struct frame {
    struct slot master;  /* the root of every cap and mapping of the frame */
    sref page;           /* the 4 KiB of memory, zeroed at creation         */
    u32 pad[7];
};

static inline struct frame *frame_body(oref f) { return (struct frame *)obj_body(f); }
static inline void *frame_page(oref f) { return sref_ptr(frame_body(f)->page); }

/* After the object was allocated from bank b: the page (charged to b) and
 * the master cap. E_OK or E_NOMEM (then the caller frees the object). */
int frame_init(oref f, oref b, u64 arg);
/* The first task cap: a child of the master. */
void frame_first_cap(oref f, struct slot *dst);
int frame_reap_step(oref f, u32 *budget);

#endif
