/* SPDX-License-Identifier: BSD-2-Clause */
/* aspace.h: address spaces (C9, S1, S3, S4).
 *
 * An AddrSpace is a space of mapping slots indexed by virtual page number
 * (the same radix as a CSpace): a mapping is a frame capability stored at a
 * virtual page, a node in the frame's derivation tree like any other cap.
 * The hardware page table (hal_pt_*) is a cache of it: every mapping slot
 * has its PTE, and removing a slot from the tree, by whatever path (UNMAP,
 * DELETE, destroying the frame, its bank or the AddrSpace), clears the PTE
 * and the TLB entry (cap.c calls aspace_unmapped). Mapping nodes, the radix
 * and page-table pages are all charged to the AddrSpace's bank (S1).
 * Even the root task's boot image is frames (from the root bank) mapped
 * through mapping slots, so every PTE of a user page has its slot. */
#ifndef TETHER_ASPACE_H
#define TETHER_ASPACE_H

#include "cspace.h"
#include "hal.h"

#define PAGE_BYTES 4096u

struct aspace {
    hal_pt_root pt;
    u32 pt_pages;        /* page-table pages charged to the bank */
    u32 pad;
    struct cspace map;   /* mapping slots by virtual page number */
};

static inline struct aspace *aspace_body(oref as) { return (struct aspace *)obj_body(as); }

/* Page-table page allocator for hal_pt_*: ctx is a struct pt_ctx. Pages
 * come from the reservation if there is one, else from the AddrSpace's
 * bank. */
struct reserve;
struct pt_ctx {
    oref as;
    struct reserve *rs;
};
void *aspace_pt_alloc(void *ctx);
/* After the body is allocated (objtype.def): the page-table root. */
int aspace_init(oref as, oref bank, u64 arg);
int aspace_reap_step(oref as, u32 *budget);

/* Slot s (a mapping) is leaving the tree: clear its PTE and TLB entry. */
void aspace_unmapped(const struct slot *s);

/* A flexpage transfer between AddrSpaces (AS_MAP, and memory items in IPC):
 * npages pages from src_vpn of src_as to dst_vpn of dst_as; pages with no
 * live mapping in the source are skipped. */
struct flex {
    oref src_as, dst_as;
    u32 src_vpn, dst_vpn, npages;
    u8 op;       /* ITEM_COPY, ITEM_MAP or ITEM_GRANT */
    u8 rights;   /* mask; includes R_READ             */
};
/* What a run of new mappings will allocate, counted per node: each missing
 * radix leaf and second-level node, each missing page table, once. */
struct as_grow {
    struct radix_grow r;  /* mapping-table nodes                     */
    u32 table, gig;       /* the last page tables counted; ~0u: none */
    u32 npt;              /* page-table pages to allocate            */
};
#define AS_GROW_INIT {RADIX_GROW_INIT, ~0u, ~0u, 0}

/* The rule for a set of flexpage transfers made together (one AS_MAP, or
 * the memory items of one message): none reads a page any of them writes,
 * none writes a page twice, and a page GRANTed is not used by another.
 * Then what is checked is what is moved. E_OK or E_INVAL. */
int flex_disjoint(const struct flex *f, u32 n);
/* Check everything (nothing changes); counts into g what the destination
 * will need. E_OK, E_FULL, E_DEPTH. */
int flex_check(const struct flex *f, struct as_grow *g);
/* Reserve what g counted, charged to dst_as's bank (bank.h). */
int flex_reserve(struct reserve *rs, oref dst_as, const struct as_grow *g);
/* Build the radix nodes and page tables the checked transfer needs from
 * the reservation: cannot fail when the reservation covers g. */
int flex_prepare(const struct flex *f, struct reserve *rs);
/* Perform a checked and prepared transfer: cannot fail. */
void flex_do(const struct flex *f);

/* P3: the page table is a cache. A fault at va of `as` that its mapping
 * slot allows (`need`: R_READ, R_WRITE or R_EXEC) and the table lacks is
 * refilled from the slot (tables charged to the bank): true. False: a real
 * fault. aspace_refills counts refills. */
bool aspace_refill(oref as, u64 va, u32 need);
extern u64 aspace_refills;
/* After a restore (persist.c): the tables' pages were not kept; forget
 * them (their bank is credited), then make an empty root (charged as the
 * checkpoint had it, even to a bank being destroyed then). */
void aspace_drop_page_tables(oref as);
int aspace_new_page_tables(oref as);

/* Is every byte of [va, va + n) mapped readable in `as`? */
bool aspace_readable(oref as, u64 va, u64 n);
/* Copy n bytes from user address va of `as` into buf, checking every page
 * is mapped readable first. E_OK or E_FAULT; never a kernel fault. */
int aspace_copy_in(oref as, u64 va, void *buf, u64 n);

/* Map the live cap src (a frame cap, or a frame's master) at va of `as` by
 * op (ITEM_COPY/MAP/GRANT) with rights (checked by the caller, R_READ
 * included): checks the page, charges the bank, maps. E_OK, E_INVAL,
 * E_FULL, E_DEPTH, E_NOMEM; nothing changes on error. */
int aspace_map(oref as, u64 va, struct slot *src, u8 op, u8 rights);

struct inv;
int aspace_invoke(struct inv *iv);

#endif
