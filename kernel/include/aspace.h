/* aspace.h: address spaces.
 *
 * An AddrSpace owns a hardware page table (through hal_pt_*). Every
 * page-table page is charged to the bank that paid for the AddrSpace (S1).
 * Mapping frames by capability (flexpages, C9) comes with the memory issue;
 * until then only the kernel maps pages, when it loads the root task. */
#ifndef TETHER_ASPACE_H
#define TETHER_ASPACE_H

#include "obj.h"
#include "hal_arch.h"

#define PAGE_BYTES 4096u

struct aspace {
    hal_pt_root pt;
    u32 pt_pages;    /* page-table pages charged to the bank */
    u32 pad;
};

static inline struct aspace *aspace_body(oref as) { return (struct aspace *)obj_body(as); }

/* Page-table page allocator for hal_pt_*: ctx is the AddrSpace's oref. */
void *aspace_pt_alloc(void *ctx);
int aspace_init(oref as);
int aspace_reap_step(oref as, u32 *budget);

/* Copy n bytes from user address va of `as` into buf, checking every page
 * is mapped readable first. E_OK or E_FAULT; never a kernel fault. */
int aspace_copy_in(oref as, u64 va, void *buf, u64 n);

/* A zeroed 4 KiB page of storage charged to bank b, for kernel-loaded user
 * memory (the root task's image and stack). NULL if the bank can't pay. */
void *kernel_page_alloc(void *bank_oref);

#endif
