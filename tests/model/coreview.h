/* SPDX-License-Identifier: BSD-2-Clause */
/* coreview.h: reading the core's data at the model's tracked positions
 * (tests/model/coreview.c): the slot a model slot stands for, which known
 * radix nodes and page tables exist, the store's free lists. */
#ifndef TETHER_MODEL_COREVIEW_H
#define TETHER_MODEL_COREVIEW_H

#include "tk.h"

/* CSpace cs has the known L2 node k / known leaf k (state.h: kl2, kleaf*). */
bool core_l2(oref cs, int k);
bool core_leaf(oref cs, int k);
/* The core slot standing for model slot sid (NULL: no storage). */
struct slot *core_slot(int sid);

/* The host page tables (kernel/host/hal_pt.c): three levels of 512 entries,
 * an entry = pointer | rights | valid (0x100). */
#define PTE_V 0x100ull
const u64 *pt_child(const u64 *t, u32 i);
/* AddrSpace as's mapping radix tree. */
const struct cspace *amap(oref as);
/* Which of the known radix nodes and page tables AddrSpace as has. */
void core_as_masks(oref as, u8 *l2m, u16 *leafm, u8 *pt1m, u8 *pt0m);

/* Free blocks per order (up to 4) and a replay of store_alloc on them:
 * store_counts() reads the free lists, sim_alloc(k) takes a block of order
 * k from the copy (false: the core would answer E_NOMEM). */
void store_counts(void);
bool sim_alloc(int k);

#endif
