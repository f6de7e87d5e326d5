/* SPDX-License-Identifier: BSD-2-Clause */
/* tests/model/tests.c: the randomized model test (DESIGN.md §7) -- its tests.
 *
 * A small reference model of banks, objects, CSpace slots and the derivation
 * tree -- plain arrays, an explicit parent per slot, quadratic where that is
 * simpler -- runs side by side with the real core. A driver issues random
 * invocations through kernel_invoke(), with cap addresses, exactly as a user
 * task would: valid ones, hostile ones (bad indices, wrong types, missing
 * rights, bad labels, badges), and long operations (UNMAP, DELETE,
 * BANK_DESTROY, cleaning a void destination) left half done, interleaved
 * with other operations and continued later by calling again.
 *
 * SchedContexts and notifications are objects here too: created (their
 * charges), copied, mapped, wrapped, destroyed, and invoked by the root
 * (SC_CONFIGURE with good and bad budgets and periods, SC_QUERY; NTFN_SIGNAL
 * through badged caps and wrappers, NTFN_POLL, NTFN_WAIT, which finds no
 * thread to block). Their use by threads -- time, lending, waiting -- is
 * tests/model_ipc.c's.
 *
 * For every call the model predicts the error code, following the decoders'
 * check order (kernel/core/{bank,cspace,invoke}.c). After every call:
 *   - the observable state is compared: every tracked slot of every CSpace
 *     and wrapper (status, object identity, rights, badge, parent), every
 *     object (type, state, paying bank), every bank (usage, limit, objects),
 *     CSpace radix nodes, the storage left;
 *   - the core's own data is walked to check the invariants: derivation
 *     lists well formed (prev/next agree, one object per list, depth 0 only
 *     at a list head), every parent as the model says (C2..C6), every cap's
 *     rights exactly the model's (C1: source & mask; note that a child may
 *     keep more rights than a parent that was GRANTed with a smaller mask),
 *     no slot in two lists, every live cap names a
 *     live object and the others are void (S3), usage(B) = its objects + its
 *     sub-banks' usage and never above the limit, every allocated byte paid
 *     by a bank (S1).
 * Long operations are not mirrored budget for budget. After each call the
 * model adopts the removals the core made, checking each was allowed (a
 * descendant of the UNMAP target; a cap in, or derived from a cap in, an
 * object being destroyed; a void cap, which acts as empty anyway), and when
 * the operation reports E_OK it checks that everything it had to remove is
 * gone. The buddy allocator is not modelled: whether storage (not a bank
 * limit) runs out is computed from the core's free lists before each call.
 *
 * Persistence (ckpt.h): every boot has a host store; among the random steps
 * are checkpoints (SYSTEM_CHECKPOINT through a System cap: the model
 * records its state at the commit), restarts (the kernel torn down and
 * resumed from the store on new memory: the model rolls back to the
 * committed checkpoint, page tables empty, and everything must match
 * exactly, the restored region block by block too), power cuts in the
 * middle of a checkpoint (then the checkpoint before or this one, as its
 * header landed or not), device errors gone on from, full stores, and
 * refills of page-table entries from the mapping slots (P3).
 *
 * TETHER_SEED=n replays a run (the seed is printed at the start and with any
 * mismatch); TETHER_STEPS=n sets the number of random steps (default
 * 200000). `model name` runs only tests whose name contains `name`.
 * TETHER_CK_TRACE=1 prints every persistence operation.
 *
 * The model, one job per file (each header declares what its .c defines):
 *   state.{c,h}      the model's objects, slots, banks, tracked positions
 *   coreview.{c,h}   reading the core's data at the tracked positions
 *   report.{c,h}     seeds, mismatch reports, names
 *   predict.{c,h}    what each invocation must answer and change
 *   adopt.{c,h}      taking over what the core did, checking each change
 *   invariants.{c,h} the walk comparing the core with the model
 *   ckpt.{c,h}       checkpoints, restarts, power cuts, refills (P1..P3)
 *   regioncopy.{c,h} the kernel's region at a checkpoint, compared after a
 *                    restart (also used by tests/model_ipc.c)
 *   driver.{c,h}     random calls, continuations, churn, the step loop
 *   rand.{c,h}       the one random stream all of them share
 *   tests.c          the test entry points (this file)
 * tests/model_ipc.c (IPC, by threads) is linked into the same program. */

#include "harness.h"
#include "driver.h"
#include "report.h"
#include "state.h"
#include "ckpt.h"
#include <stdio.h>
#include <stdlib.h>

/* Shorthands for scripted scenarios, all in the root task's CSpace. */
static int create(u32 bank, u64 type, u32 dcs, u32 dst, u64 limit)
{
    return call6(ROOT_CS, bank, BANK_CREATE, type, dcs, dst, limit, 0, 0);
}
static int xfer(u32 label, u32 dcs, u32 dst, u32 scs, u32 src, u64 rights)
{
    return call6(ROOT_CS, dcs, label, dst, scs, src, rights, 0, 0);
}

static void report_mem(void)
{
    printf("    AddrSpace calls: AS_MAP_FRAME %ld, AS_MAP %ld, AS_UNMAP %ld, AS_INFO %ld; not made: %ld to untracked "
           "pages\n", n_mem[0], n_mem[1], n_mem[2], n_mem[3], n_skip);
}

/* The main run: every rule, long random sequences. */
TEST(model_random_ops)
{
    start("model_random_ops", 1);
    long steps = (long)env_u64("TETHER_STEPS", 200000);
    random_run(steps);
    printf("    %ld steps, %ld calls: E_OK %ld, E_NOMEM %ld, E_CONTINUE %ld (continued later %ld, left %ld, "
           "abandoned %ld)\n",
           step_no, n_calls, n_rc[E_OK], n_rc[E_NOMEM], n_cont[1], n_cont[0], n_cont[2], n_cont[3]);
    report_mem();
    printf("    SchedContext and notification calls: %ld (E_OK %ld)\n", n_time[0], n_time[1]);
    ck_report();
    CHECK(!failed);
    CHECK(n_cont[1] > 0 || steps < 20000);
    /* P1: checkpoints, restarts and power cuts with both outcomes happened. */
    CHECK((n_ck_restart > 0 && n_ck_cut_new > 0 && n_ck_cut_old > 0) || steps < 100000);
}

/* Bad input never crashes and is answered with the right error. */
TEST(model_hostile_args)
{
    start("model_hostile_args", 2);
    hostile = 40;
    random_run((long)env_u64("TETHER_STEPS", 200000) / 10);
    CHECK(!failed);
}

/* C5: a big UNMAP left half done, other work in between, then finished. */
TEST(C5_unmap_interleaved)
{
    start("C5_unmap_interleaved", 3);
    const u32 ep = 10, a = 11, b = 12, cc = 13;
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_ENDPOINT, ROOT_CAP_CSPACE, ep, 0), E_OK);
    for (u32 k = 0; k < 3; k++)
        CHECK_EQ(create(ROOT_CAP_BANK, OBJ_CSPACE, ROOT_CAP_CSPACE, a + k, 0), E_OK);
    for (u32 q = 0; q < NPOS && !failed; q++) {
        CHECK_EQ(xfer(CS_MAP, a, pidx[q], ROOT_CAP_CSPACE, ep, R_ALL), E_OK);
        CHECK_EQ(xfer(q & 1 ? CS_MAP : CS_COPY, b, pidx[q], a, pidx[q], q % 7 ? R_ALL : R_READ), E_OK);
        CHECK_EQ(xfer(q & 2 ? CS_COPY : CS_MAP, cc, pidx[q], b, pidx[q], R_ALL), E_OK);
    }
    int saw = 0;
    for (int round = 0; round < 3 && !failed; round++) {
        int rc = call6(ROOT_CS, ROOT_CAP_CSPACE, CS_UNMAP, ep, round == 2, 0, 0, 0, 0);
        saw += rc == E_CONTINUE;
        hostile = 5;
        random_run(200);  /* may add to, move or remove the tree */
        for (int n = 0; n < 100 && !failed && last_rc == E_CONTINUE; n++)
            call6(ROOT_CS, ROOT_CAP_CSPACE, CS_UNMAP, ep, round == 2, 0, 0, 0, 0);
    }
    CHECK(saw > 0);
    CHECK(!failed);
}

/* S2, S3: a bank tree destroyed in steps while it is being used. */
TEST(S2_bank_destroy_interleaved)
{
    start("S2_bank_destroy_interleaved", 4);
    const u32 B = 10, B2 = 11, X = 12, Y = 13;
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_BANK, ROOT_CAP_CSPACE, B, 1u << 20), E_OK);
    CHECK_EQ(create(B, OBJ_BANK, ROOT_CAP_CSPACE, B2, 1u << 19), E_OK);
    CHECK_EQ(create(B2, OBJ_CSPACE, ROOT_CAP_CSPACE, X, 0), E_OK);
    CHECK_EQ(create(B, OBJ_CSPACE, ROOT_CAP_CSPACE, Y, 0), E_OK);
    for (u32 q = 0; q < NPOS && !failed; q++) {
        CHECK_EQ(create(q & 1 ? B2 : B, OBJ_ENDPOINT, X, pidx[q], 0), E_OK);
        CHECK_EQ(xfer(CS_MAP, Y, pidx[q], X, pidx[q], R_ALL), E_OK);
        if (q < 20)
            CHECK_EQ(xfer(CS_MAP, ROOT_CAP_CSPACE, 20 + q, Y, pidx[q], R_READ | R_WRITE), E_OK);
    }
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, B, 0, 0, 0, 0), E_CONTINUE);
    random_run(300);
    int n = 0;
    while (!failed && n++ < 1000 &&
           call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, B, 0, 0, 0, 0) == E_CONTINUE)
        ;
    CHECK(!failed);
}

/* C8 + S3: wrapper chains; destroying one wrapper voids everything above. */
TEST(C8_wrapper_chain)
{
    start("C8_wrapper_chain", 5);
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_ENDPOINT, ROOT_CAP_CSPACE, 10, 0), E_OK);
    for (u32 k = 0; k < 8; k++)  /* wrapper k+1 wraps slot 10+k */
        CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 11 + k, ROOT_CAP_CSPACE, 10 + k,
                       k == 3 ? 7 : 0, k == 5 ? R_READ : R_ALL), E_OK);
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 19, ROOT_CAP_CSPACE, 18, 0, R_ALL), E_DEPTH);
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 19, ROOT_CAP_CSPACE, 15, 9, R_ALL), E_INVAL);
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, 13, 0, 0, 0, 0), E_OK);
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 19, ROOT_CAP_CSPACE, 16, 0, R_ALL),
             E_REVOKED);
    /* A wrapper over a CSpace cap works as a CSpace argument, with its mask. */
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_WRAP, ROOT_CAP_CSPACE, 30, ROOT_CAP_CSPACE, ROOT_CAP_CSPACE, 0,
                   R_READ), E_OK);
    CHECK_EQ(xfer(CS_COPY, 30, 31, ROOT_CAP_CSPACE, 10, R_ALL), E_RIGHTS);
    CHECK_EQ(xfer(CS_COPY, ROOT_CAP_CSPACE, 31, 30, 10, R_ALL), E_OK);
    CHECK_EQ(xfer(CS_GRANT, ROOT_CAP_CSPACE, 32, 30, 10, R_ALL), E_RIGHTS);
    random_run(2000);
    CHECK(!failed);
}

/* S1: nested banks run out; nesting depth is bounded. */
TEST(S1_bank_limits)
{
    start("S1_bank_limits", 6);
    u32 prev = ROOT_CAP_BANK;
    int rc = E_OK;
    for (u32 k = 0; k < BANK_MAX_DEPTH && rc == E_OK && !failed; k++) {
        rc = create(prev, OBJ_BANK, ROOT_CAP_CSPACE, 10 + k, 1u << 16);
        prev = 10 + k;
    }
    CHECK_EQ(rc, E_DEPTH);
    /* Charges are body block + 512 for the table entry: a CSpace 1536, an
     * endpoint 576. */
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_BANK, ROOT_CAP_CSPACE, 45, 2788), E_OK);
    CHECK_EQ(create(45, OBJ_CSPACE, ROOT_CAP_CSPACE, 46, 0), E_OK);  /* 1536 of 2788 */
    CHECK_EQ(create(45, OBJ_CSPACE, ROOT_CAP_CSPACE, 47, 0), E_NOMEM);
    int k = 0;  /* leak endpoints until the limit: 1252 bytes left = 2 */
    while (!failed && k++ < 20 && create(45, OBJ_ENDPOINT, ROOT_CAP_CSPACE, 47, 0) == E_OK)
        call6(ROOT_CS, ROOT_CAP_CSPACE, CS_DELETE, 47, 0, 0, 0, 0, 0);
    CHECK_EQ(last_rc, E_NOMEM);
    CHECK_EQ(k, 3);
    /* The object is paid by the root bank, the CSpace's new nodes by bank 45. */
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_ENDPOINT, 46, 0, 0), E_NOMEM);
    random_run(3000);
    CHECK(!failed);
}

/* C9 + S3: frames, AddrSpaces and flexpages in a memory-heavy run. */
TEST(C9_memory_random)
{
    start("C9_memory_random", 7);
    mem_pct = 70;
    random_run((long)env_u64("TETHER_STEPS", 200000) / 10);
    mem_pct = 25;
    report_mem();
    CHECK(!failed);
}

/* S3, C9: a frame mapped in well over REVOKE_BUDGET pages destroyed in
 * steps, other work (mapping onto its void pages, unmapping them,
 * destroying AddrSpaces) in between, then finished. */
TEST(S3_frame_destroy_interleaved)
{
    start("S3_frame_destroy_interleaved", 8);
    const u32 F = 10, A0 = 11;
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_FRAME, ROOT_CAP_CSPACE, F, 0), E_OK);
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_FRAME, ROOT_CAP_CSPACE, F + 10, 0), E_OK);
    for (u32 k = 0; k < 4; k++)
        CHECK_EQ(create(ROOT_CAP_BANK, OBJ_ASPACE, ROOT_CAP_CSPACE, A0 + k, 0), E_OK);
    /* The frame at every tracked page of A0 (MAP and COPY), then flexpages
     * of whole blocks onward: A0 -> A1 -> A2, A0 -> A3 (COPY). */
    for (int q = 0; q < NVP && !failed; q++)
        CHECK_EQ(call6(ROOT_CS, A0, AS_MAP_FRAME, q % 3 ? F : F + 10, (u64)vpn_of[q] << 12, R_READ | R_WRITE,
                       q % 2 ? ITEM_MAP : ITEM_COPY, 0, 0), E_OK);
    for (int b = 0; b < NBLK && !failed; b++) {
        u64 va = (u64)vblk[b] << 12;
        CHECK_EQ(call6(ROOT_CS, A0 + 1, AS_MAP, A0, va, va, 8, R_ALL, ITEM_MAP), E_OK);
        CHECK_EQ(call6(ROOT_CS, A0 + 2, AS_MAP, A0 + 1, va, va, 8, R_READ, b & 1 ? ITEM_GRANT : ITEM_MAP), E_OK);
        CHECK_EQ(call6(ROOT_CS, A0 + 3, AS_MAP, A0, va, va, 8, R_READ, ITEM_COPY), E_OK);
    }
    int saw = 0;
    for (int round = 0; round < 2 && !failed; round++) {
        int rc = call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, F + 10 * round, 0, 0, 0, 0);
        saw += rc == E_CONTINUE;
        mem_pct = 80;
        random_run(300);
        mem_pct = 25;
        for (int n = 0; n < 100 && !failed && last_rc == E_CONTINUE; n++)
            call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, F + 10 * round, 0, 0, 0, 0);
    }
    CHECK(saw > 0);
    CHECK(!failed);
}

/* P1: a checkpoint taken while a bank is being destroyed (its AddrSpaces,
 * frames and endpoints half gone, a live AddrSpace in a dying bank) is
 * restored as it was, and the destruction goes on after the restart. */
TEST(P1_restart_mid_bank_destroy)
{
    /* Found by the model: the restore refused this checkpoint ("no storage
     * for a page-table root": the new root was charged through the dying
     * bank); aspace_new_page_tables now charges it as the checkpoint had. */
    start("P1_restart_mid_bank_destroy", 9);
    const u32 B = 10, AS = 11, F = 12, C = 13;
    CHECK_EQ(create(ROOT_CAP_BANK, OBJ_BANK, ROOT_CAP_CSPACE, B, 1u << 20), E_OK);
    CHECK_EQ(create(B, OBJ_ASPACE, ROOT_CAP_CSPACE, AS, 0), E_OK);  /* destroyed last (a bank's list is LIFO) */
    CHECK_EQ(create(B, OBJ_FRAME, ROOT_CAP_CSPACE, F, 0), E_OK);
    for (int q = 0; q < NVP && !failed; q += 3)
        CHECK_EQ(call6(ROOT_CS, AS, AS_MAP_FRAME, F, (u64)vpn_of[q] << 12, R_READ | R_WRITE, ITEM_MAP, 0, 0), E_OK);
    CHECK_EQ(create(B, OBJ_CSPACE, ROOT_CAP_CSPACE, C, 0), E_OK);
    for (u32 q = 0; q < NPOS && !failed; q++)  /* so that one step does not reach the AddrSpace */
        CHECK_EQ(create(B, OBJ_ENDPOINT, C, pidx[q], 0), E_OK);
    CHECK_EQ(call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, B, 0, 0, 0, 0), E_CONTINUE);
    CHECK_EQ(ck_checkpoint(), E_OK);
    ck_restart();
    int n = 0;
    while (!failed && n++ < 1000 &&
           call6(ROOT_CS, ROOT_CAP_BANK, BANK_DESTROY, ROOT_CAP_CSPACE, B, 0, 0, 0, 0) == E_CONTINUE)
        ;
    CHECK_EQ(last_rc, E_OK);
    random_run(2000);
    CHECK(!failed);
}

int main(int argc, char **argv)
{
    harness_after_each = ck_done;  /* each test attaches a store of its own */
    return harness_run(argc, argv);
}
