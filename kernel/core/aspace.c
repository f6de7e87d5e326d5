/* aspace.c: address spaces (page tables charged to banks). */
#include "aspace.h"
#include "bank.h"
#include "sched.h"
#include <tether/abi.h>

void *aspace_pt_alloc(void *ctx)
{
    oref as = (oref)(uptr)ctx;
    sref r;
    if (bank_alloc_store(obj_get(as)->bank, PAGE_BYTES, &r) != E_OK)
        return NULL;
    aspace_body(as)->pt_pages++;
    return sref_ptr(r);
}

static void pt_free(void *ctx, void *page)
{
    oref as = (oref)(uptr)ctx;
    bank_free_store(obj_get(as)->bank, ptr_sref(page), PAGE_BYTES);
    aspace_body(as)->pt_pages--;
}

int aspace_init(oref as)
{
    return hal_pt_create(&aspace_body(as)->pt, aspace_pt_alloc, (void *)(uptr)as);
}

int aspace_reap_step(oref as, u32 *budget)
{
    struct aspace *a = aspace_body(as);
    /* Never leave the CPU on a page table that is about to be freed. */
    sched_forget_aspace(&a->pt);
    if (a->pt.root) {
        if (*budget < a->pt_pages)  /* freed in one go: needs that much budget */
            *budget = 0;
        else
            *budget -= a->pt_pages;
        hal_pt_destroy(&a->pt, pt_free, (void *)(uptr)as);
    }
    return E_OK;
}

int aspace_copy_in(oref as, u64 va, void *buf, u64 n)
{
    const hal_pt_root *pt = &aspace_body(as)->pt;
    u8 *out = buf;
    u32 rights;
    if (va + n < va)
        return E_FAULT;
    /* Check the whole range first: a bad pointer copies nothing. */
    for (u64 p = va & ~(u64)(PAGE_BYTES - 1); p < va + n; p += PAGE_BYTES)
        if (!hal_pt_lookup(pt, p, &rights) || !(rights & R_READ))
            return E_FAULT;
    while (n) {
        const u8 *page = hal_pt_lookup(pt, va, &rights);
        u64 off = va % PAGE_BYTES, k = PAGE_BYTES - off;
        if (k > n)
            k = n;
        for (u64 i = 0; i < k; i++)
            out[i] = page[off + i];
        out += k, va += k, n -= k;
    }
    return E_OK;
}

void *kernel_page_alloc(void *bank)
{
    sref r;
    if (bank_alloc_store((oref)(uptr)bank, PAGE_BYTES, &r) != E_OK)
        return NULL;
    bank_body((oref)(uptr)bank)->pages += PAGE_BYTES;
    return sref_ptr(r);
}
