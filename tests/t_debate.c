/* SPDX-License-Identifier: BSD-2-Clause */
/* t_debate.c: demo 6 of docs/copy-vs-map.md on the host store, the
 * persistence answer of the seed post's debate: a MAP tree (caps, and a
 * frame mapped into one AddrSpace and from there into another) is built
 * and checkpointed; the running system then changes it, the power goes,
 * and the restarted system has the tree as it was checkpointed; an UNMAP
 * after the restart revokes a subtree of it, mappings whose page-table
 * entries were refilled after the restart (P3) included, and nothing else;
 * the next checkpoint keeps the revocation. (The QEMU side of it is
 * user/demos/persist.c, run by tools/qemu-debate-test.sh.) */
#include <string.h>
#include "harness.h"
#include "fixture.h"
#include "persist.h"
#include "aspace.h"
#include "check.h"
#include "frame.h"
#include "host_blk.h"
#include <tether/store.h>

#define RAM (8 * MB)
#define STORE_BLOCKS 4096u
#define VA 0x600000ull

enum { SUB = 10, CST = 11, AST = 12, CSU = 13, ASU = 14, FR = 15,
       NTF = 20, A = 21, A1 = 22, A11 = 23, A2 = 24, B = 25, SYS = ROOT_CAP_SYSTEM };

static int checkpoint(void) { return tk_inv(SYS, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0); }

/* CS_TREE of a root-CSpace slot: its parent's index (TREE_ROOT for a root). */
static u64 parent(u32 s)
{
    CHECK_EQ(tk_inv(CS, CS_TREE, s, 0, 0, 0, 0, 0), E_OK);
    return tk_r[TETHER_OUT_INDEX(CS_TREE, parent)];
}

/* AS_INFO of VA in the AddrSpace at as: the mapping slot's status; *pte:
 * whether the page table maps it. */
static u64 mapping(u32 as, u64 *pte)
{
    CHECK_EQ(tk_inv(as, AS_INFO, VA, 0, 0, 0, 0, 0), E_OK);
    if (pte)
        *pte = tk_r[TETHER_OUT_INDEX(AS_INFO, mapped)];
    return tk_r[TETHER_OUT_INDEX(AS_INFO, status)];
}

static const u32 caps[6] = { NTF, A, A1, A11, A2, B };
static const u64 parents[6] = { TREE_ROOT, NTF, A, A1, A, NTF };

static void check_tree_as_built(void)
{
    for (unsigned i = 0; i < 6; i++) {
        CHECK_EQ(tk_status(caps[i]), SLOT_LIVE);
        CHECK_EQ(parent(caps[i]), parents[i]);
    }
    CHECK_EQ(tk_slot(A2)->badge, 6);
    CHECK_EQ(mapping(AST, NULL), SLOT_LIVE);
    CHECK_EQ(mapping(ASU, NULL), SLOT_LIVE);
}

TEST(p1_c5_demo6_map_tree_resumed_after_a_power_cut_then_unmapped)
{
    CHECK_EQ(host_blk_attach(STORE_BLOCKS), E_OK);
    tk_boot(RAM);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 1 * MB), E_OK);
    new_spaces(SUB, CST, AST);
    new_spaces(SUB, CSU, ASU);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, NTF, 0), E_OK);
    CHECK_EQ(tk_map(A, NTF, R_ALL), E_OK);
    CHECK_EQ(tk_map(A1, A, R_ALL), E_OK);
    CHECK_EQ(tk_map(A11, A1, R_READ), E_OK);
    CHECK_EQ(tk_mint(A2, A, R_ALL, 6, MINT_MAP), E_OK);
    CHECK_EQ(tk_map(B, NTF, R_READ), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_FRAME, FR, 0), E_OK);
    memset(frame_page(tk_slot(FR)->obj), 0x66, 4096);
    CHECK_EQ(tk_inv(AST, AS_MAP_FRAME, FR, VA, R_READ | R_WRITE, ITEM_MAP, 0, 0), E_OK);
    CHECK_EQ(tk_inv(ASU, AS_MAP, AST, VA, VA, 0, R_READ, ITEM_MAP), E_OK);
    check_tree_as_built();
    CHECK_EQ(checkpoint(), E_OK);
    u64 gen = persist_stats.generation;

    /* After the checkpoint the running system UNMAPs everything; then the
     * power goes (unflushed writes lost or torn). */
    CHECK_EQ(tk_unmap(NTF, 0), E_OK);
    CHECK_EQ(tk_unmap(FR, 0), E_OK);
    CHECK_EQ(tk_status(A), SLOT_EMPTY);
    CHECK_EQ(mapping(ASU, NULL), SLOT_EMPTY);
    host_blk_power_cut(7);
    CHECK_EQ(tk_resume(RAM), E_OK);
    CHECK_EQ(persist_stats.generation, gen);
    CHECK(kernel_check() == NULL);

    /* The tree as checkpointed; page tables empty, refilled on access (P3). */
    check_tree_as_built();
    u64 pte = 1;
    CHECK_EQ(mapping(ASU, &pte), SLOT_LIVE);
    CHECK_EQ(pte, 0);
    oref u = tk_slot(ASU)->obj, t = tk_slot(AST)->obj;
    u32 rights;
    CHECK(aspace_refill(u, VA, R_READ));
    CHECK(aspace_refill(t, VA, R_WRITE));
    const u8 *page = hal_pt_lookup(&aspace_body(u)->pt, VA, &rights);
    CHECK(page == frame_page(tk_slot(FR)->obj));
    CHECK(page && page[100] == 0x66);
    CHECK_EQ(rights, R_READ);

    /* UNMAP after the restart: a's descendants, the frame's mappings. */
    CHECK_EQ(tk_unmap(A, 0), E_OK);
    CHECK_EQ(tk_unmap(FR, 0), E_OK);
    for (unsigned i = 0; i < 6; i++)
        CHECK_EQ(tk_status(caps[i]), caps[i] == A1 || caps[i] == A11 || caps[i] == A2 ? SLOT_EMPTY : SLOT_LIVE);
    CHECK_EQ(parent(A), NTF);
    CHECK_EQ(parent(B), NTF);
    CHECK_EQ(mapping(AST, &pte), SLOT_EMPTY);
    CHECK_EQ(pte, 0);
    CHECK_EQ(mapping(ASU, &pte), SLOT_EMPTY);
    CHECK_EQ(pte, 0);
    CHECK(hal_pt_lookup(&aspace_body(u)->pt, VA, &rights) == NULL);
    CHECK(hal_pt_lookup(&aspace_body(t)->pt, VA, &rights) == NULL);
    CHECK(!aspace_refill(u, VA, R_READ));  /* a real fault now */
    CHECK_EQ(tk_inv(A, NTFN_POLL, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(A1, NTFN_POLL, 0, 0, 0, 0, 0, 0), E_EMPTY);
    CHECK(kernel_check() == NULL);

    /* The revocation is in the next checkpoint. */
    CHECK_EQ(checkpoint(), E_OK);
    host_blk_power_cut(8);
    CHECK_EQ(tk_resume(RAM), E_OK);
    CHECK_EQ(persist_stats.generation, gen + 1);
    CHECK_EQ(tk_status(A), SLOT_LIVE);
    CHECK_EQ(tk_status(A1), SLOT_EMPTY);
    CHECK_EQ(tk_status(A2), SLOT_EMPTY);
    CHECK_EQ(mapping(ASU, NULL), SLOT_EMPTY);
    CHECK(kernel_check() == NULL);
    host_blk_detach();
}
