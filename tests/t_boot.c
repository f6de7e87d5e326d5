/* SPDX-License-Identifier: BSD-2-Clause */
/* t_boot.c: what the machine asks of the core at boot for boot modules
 * (kernel.h: kernel_boot_frame, kernel_boot_frame_drop): frames of the root
 * bank whose caps the root CSpace holds, with only the rights given (C1),
 * paid like any frame (S1), destroyable like any (S2). */
#include "harness.h"
#include "fixture.h"
#include "aspace.h"
#include "frame.h"

#define PG 4096ull
#define RX (R_READ | R_EXEC)
enum { AS = 20, F = 100, OTHER = 101 };

static u32 slot_type(u32 slot)
{
    CHECK_EQ(tk_inv(CS, CS_INFO, slot, 0, 0, 0, 0, 0), E_OK);
    return (u32)tk_r[1];
}

TEST(s1_boot_frame_is_the_root_banks_and_read_only)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, OTHER, 0), E_OK);  /* F's leaf exists now */
    u64 u0 = tk_usage(BANK);
    void *page = NULL;
    CHECK_EQ(kernel_boot_frame(&tk, F, RX, &page), E_OK);
    CHECK(page != NULL);
    CHECK_EQ(tk_usage(BANK) - u0, tk_charge(sizeof(struct frame)) + PG);
    const u8 *p = page;
    u8 any = 0;
    for (u64 i = 0; i < PG; i++)
        any |= p[i];
    CHECK_EQ(any, 0);  /* zeroed (S4) */
    CHECK_EQ(tk_status(F), SLOT_LIVE);
    CHECK_EQ(slot_type(F), OBJ_FRAME);
    CHECK_EQ(tk_r[2], RX);
    CHECK_EQ(tk_parent(F), -2);  /* a child of the frame's master cap, outside the CSpace */
    /* Mapped asking for everything, it maps with what the cap has (C1). */
    ((u8 *)page)[5] = 0x5a;
    CHECK_EQ(tk_inv(AS, AS_MAP_FRAME, F, 0x10000, R_ALL, ITEM_MAP, 0, 0), E_OK);
    CHECK_EQ(tk_inv(AS, AS_INFO, 0x10000, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], SLOT_LIVE);
    CHECK_EQ(tk_r[1], RX);
    u32 rights = 0;
    u8 *mapped = hal_pt_lookup(&aspace_body(tk_slot(AS)->obj)->pt, 0x10000, &rights);
    CHECK(mapped == page);
    CHECK_EQ(rights & R_WRITE, 0);
    /* A cap made from it has no more rights either. */
    CHECK_EQ(tk_map(OTHER + 1, F, R_ALL), E_OK);
    CHECK_EQ(slot_type(OTHER + 1), OBJ_FRAME);
    CHECK_EQ(tk_r[2], RX);
}

TEST(boot_frame_refuses_a_used_slot_and_bad_arguments)
{
    tk_boot(8 * MB);
    void *page = NULL;
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, OTHER, 0), E_OK);
    u64 u0 = tk_usage(BANK);
    CHECK_EQ(kernel_boot_frame(&tk, OTHER, RX, &page), E_FULL);  /* live */
    CHECK_EQ(tk_destroy(BANK, OTHER), E_OK);
    u64 u1 = tk_usage(BANK);
    CHECK_EQ(kernel_boot_frame(&tk, OTHER, RX, &page), E_FULL);  /* void */
    CHECK_EQ(kernel_boot_frame(&tk, CAP_ADDR_LIMIT, RX, &page), E_INVAL);
    CHECK_EQ(kernel_boot_frame(&tk, F, 0x10u, &page), E_INVAL);
    CHECK_EQ(tk_usage(BANK), u1);
    CHECK(u1 < u0);
    CHECK(page == NULL);
    CHECK_EQ(tk_status(F), SLOT_EMPTY);
}

TEST(s2_boot_frame_drop_and_destroy_take_every_cap)
{
    tk_boot(8 * MB);
    void *page;
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, OTHER, 0), E_OK);
    u64 u0 = tk_usage(BANK);
    /* Dropped (a module refused halfway): its cap and mappings go. */
    CHECK_EQ(kernel_boot_frame(&tk, F, RX, &page), E_OK);
    CHECK_EQ(tk_inv(AS, AS_MAP_FRAME, F, 0x10000, R_READ, ITEM_MAP, 0, 0), E_OK);
    u64 u1 = tk_usage(BANK);  /* with the AddrSpace's nodes and page tables */
    kernel_boot_frame_drop(&tk, F);
    CHECK_EQ(tk_status(F), SLOT_EMPTY);
    CHECK_EQ(tk_inv(AS, AS_INFO, 0x10000, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], SLOT_EMPTY);
    CHECK_EQ(tk_usage(BANK), u1 - tk_charge(sizeof(struct frame)) - PG);
    kernel_boot_frame_drop(&tk, F);      /* nothing there: nothing happens */
    kernel_boot_frame_drop(&tk, OTHER);  /* not a frame: left alone */
    CHECK_EQ(tk_status(OTHER), SLOT_LIVE);
    /* The root task may destroy one like any frame its bank paid for. */
    CHECK_EQ(kernel_boot_frame(&tk, F, RX, &page), E_OK);
    CHECK_EQ(tk_destroy(BANK, F), E_OK);
    CHECK_EQ(tk_status(F), SLOT_EMPTY);  /* its caps descend from the master: all gone */
    CHECK(tk_usage(BANK) >= u0);
    CHECK_EQ(tk_usage(BANK), u1 - tk_charge(sizeof(struct frame)) - PG);
}

TEST(s1_boot_frame_past_the_root_bank_is_nomem_and_changes_nothing)
{
    tk_boot(1 * MB);
    void *page;
    int e = E_OK;
    u32 s = 128;  /* leaves of 128 slots from here, made first (they stay) */
    u64 before = 0;
    for (u32 l = s; l < s + 4 * 128; l += 128)
        CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, l + 127, 0), E_OK);
    for (; s < 128 + 4 * 128 && e == E_OK; s++) {
        if ((s & 127) == 127)
            continue;
        before = tk_usage(BANK);
        e = kernel_boot_frame(&tk, s, RX, &page);
    }
    CHECK_EQ(e, E_NOMEM);
    CHECK_EQ(tk_usage(BANK), before);
    CHECK_EQ(tk_status(s - 1), SLOT_EMPTY);
    CHECK(s - 128 > 16);
}
