/* SPDX-License-Identifier: BSD-2-Clause */
/* frame.c: frames (see frame.h). */
#include "frame.h"
#include "aspace.h"
#include "charge.h"

int frame_init(oref f, oref b, u64 arg)
{
    (void)arg;
    sref page;
    int e = bank_alloc_store(b, PAGE_BYTES, &page);  /* zeroed (S4) */
    if (e != E_OK)
        return e;
    struct frame *fr = frame_body(f);
    fr->page = page;
    cap_make_root(&fr->master, f, obj_get(f)->epoch, R_ALL, 0);
    return E_OK;
}

void frame_first_cap(oref f, struct slot *dst)
{
    cap_map(&frame_body(f)->master, dst, R_ALL, 0);
}

int frame_reap_step(oref f, u32 *budget)
{
    struct frame *fr = frame_body(f);
    /* Every cap and mapping goes first (mappings leave the page tables and
     * TLBs as they go: cap.c), then the memory. */
    if (fr->master.obj) {
        int e = cap_delete_step(&fr->master, budget);
        if (e != E_OK)
            return e;
    }
    if (fr->page) {
        bank_free_store(obj_get(f)->bank, fr->page, PAGE_BYTES);
        fr->page = 0;
    }
    return E_OK;
}
