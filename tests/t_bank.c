/* SPDX-License-Identifier: BSD-2-Clause */
/* t_bank.c: banks (S1, S2), rescind (S3), and exhaustion of every
 * allocation path. */
#include "harness.h"
#include "tk.h"
#include "endpoint.h"
#include "check.h"

#define MB (1ull << 20)

static u64 bsz(u64 n) { return store_block_size(n); }
static u64 obj(u64 n) { return tk_charge(n); }

TEST(s1_usage_charged_to_bank_and_ancestors)
{
    tk_boot(4 * MB);
    u64 root0 = tk_usage(BANK);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, 1 << 20), E_OK);
    u64 bank_sz = obj(sizeof(struct bank));
    CHECK_EQ(tk_usage(BANK), root0 + bank_sz);
    CHECK_EQ(tk_usage(20), 0);
    CHECK_EQ(tk_create(20, OBJ_BANK, 21, 1 << 19), E_OK);
    CHECK_EQ(tk_create(21, OBJ_ENDPOINT, 22, 0), E_OK);
    u64 ep = obj(sizeof(struct endpoint));
    CHECK_EQ(tk_usage(21), ep);
    CHECK_EQ(tk_usage(20), bank_sz + ep);
    CHECK_EQ(tk_usage(BANK), root0 + 2 * bank_sz + ep);
    CHECK_EQ(tk_inv(21, BANK_QUERY, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[1], 1 << 19);
    CHECK_EQ(tk_r[2], 1);
}

TEST(s1_over_limit_fails_and_changes_nothing)
{
    tk_boot(4 * MB);
    u64 ep = obj(sizeof(struct endpoint));
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, 2 * ep), E_OK);
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 21, 0), E_OK);
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 22, 0), E_OK);
    u64 root = tk_usage(BANK);
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 23, 0), E_NOMEM);
    CHECK_EQ(tk_status(23), SLOT_EMPTY);
    CHECK_EQ(tk_usage(20), 2 * ep);
    CHECK_EQ(tk_usage(BANK), root);
    /* A sub-bank with a large limit is still bounded by its parent's. */
    CHECK_EQ(tk_create(20, OBJ_BANK, 24, 1ull << 40), E_NOMEM);
    CHECK_EQ(tk_delete(22), E_OK); /* deleting a cap frees nothing (no refcounts) */
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 23, 0), E_NOMEM);
    CHECK_EQ(tk_destroy(20, 21), E_OK);
    CHECK_EQ(tk_usage(20), ep);
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 23, 0), E_OK);
}

TEST(s1_create_arg_is_a_bank_limit_and_nothing_else)
{
    /* BANK_CREATE's arg is the new bank's limit (any value); every other
     * type takes none: a word it would ignore is E_INVAL, nothing changes. */
    static const u64 types[] = {OBJ_CSPACE, OBJ_ENDPOINT, OBJ_THREAD, OBJ_ASPACE, OBJ_FRAME,
                                OBJ_NOTIFICATION, OBJ_SCHEDCTX};
    static const u64 args[] = {1, 4096, 1ull << 63, ~0ull};
    tk_boot(4 * MB);
    u64 before = tk_usage(BANK);
    for (u32 i = 0; i < ARRAY_LEN(types); i++) {
        for (u32 k = 0; k < ARRAY_LEN(args); k++) {
            CHECK_EQ(tk_create(BANK, types[i], 20 + i, args[k]), E_INVAL);
            CHECK_EQ(tk_status(20 + i), SLOT_EMPTY);
        }
        CHECK_EQ(tk_usage(BANK), before);
        CHECK_EQ(tk_create(BANK, types[i], 20 + i, 0), E_OK);
        CHECK_EQ(tk_inv(CS, CS_INFO, 20 + i, 0, 0, 0, 0, 0), E_OK);
        CHECK_EQ(tk_r[1], types[i]);
        before = tk_usage(BANK);
    }
    for (u32 k = 0; k < ARRAY_LEN(args); k++) {
        CHECK_EQ(tk_create(BANK, OBJ_BANK, 40 + k, args[k]), E_OK);
        CHECK_EQ(tk_inv(40 + k, BANK_QUERY, 0, 0, 0, 0, 0, 0), E_OK);
        CHECK_EQ(tk_r[TETHER_OUT_INDEX(BANK_QUERY, limit)], args[k]);
    }
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 50, 0), E_OK);  /* a bank that can pay for nothing */
    CHECK_EQ(tk_create(50, OBJ_ENDPOINT, 51, 0), E_NOMEM);
}

TEST(s1_root_bank_holds_all_storage)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_inv(BANK, BANK_QUERY, 0, 0, 0, 0, 0, 0), E_OK);
    u64 usage = tk_r[0], limit = tk_r[1];
    /* usage = storage used + one table-entry charge per object: every byte
     * is accounted for, and so is every entry. */
    CHECK_EQ(usage + store.free_bytes, limit + OBJ_ENTRY_CHARGE * store.live_objs);
    CHECK(limit + tk.unpaid_bytes <= 8 * MB);
    CHECK(tk.unpaid_bytes < 8 * MB / 10);
}

TEST(s2_destroy_bank_destroys_everything_below)
{
    tk_boot(8 * MB);
    u64 root0 = tk_usage(BANK);
    u32 live0 = store.live_objs;
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, 4 * MB), E_OK);
    CHECK_EQ(tk_create(20, OBJ_BANK, 21, 4 * MB), E_OK);
    CHECK_EQ(tk_create(21, OBJ_BANK, 22, 4 * MB), E_OK);
    CHECK_EQ(tk_create(22, OBJ_CSPACE, 23, 0), E_OK);
    CHECK_EQ(tk_create(21, OBJ_ENDPOINT, 24, 0), E_OK);
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, 25, CS, 24, 0, R_ALL), E_OK);
    /* Fill the CSpace from bank 22 with caps and children elsewhere. */
    for (u32 i = 0; i < 300; i++)
        CHECK_EQ(tk_inv(23, CS_MAP, i * 37, CS, 24, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(CS, CS_MAP, 30, 23, 37, R_ALL, 0, 0), E_OK);
    int calls;
    CHECK_EQ(tk_inv_all(BANK, BANK_DESTROY, CS, 20, 0, 0, 0, 0, &calls), E_OK);
    CHECK(calls > 1); /* it took several bounded steps */
    /* Only the wrapper, paid by the root bank, is left. */
    CHECK_EQ(tk_usage(BANK), root0 + obj(sizeof(struct wrapper)));
    CHECK_EQ(store.live_objs, live0 + 1);
    for (u32 i = 20; i <= 24; i++)
        CHECK_EQ(tk_status(i) == SLOT_LIVE, 0);
    CHECK_EQ(tk_status(30), SLOT_EMPTY); /* derived from a destroyed CSpace's cap (C6) */
    /* The wrapper (paid by the root bank) survives but its target is gone. */
    CHECK_EQ(tk_inv(25, BANK_QUERY, 0, 0, 0, 0, 0, 0), E_REVOKED);
}

TEST(s2_bank_destroy_is_restartable_with_other_ops_between)
{
    tk_boot(16 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, 8 * MB), E_OK);
    for (u32 i = 0; i < 200; i++)
        CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 100 + i, 0), E_OK);
    CHECK_EQ(tk_create(20, OBJ_BANK, 21, 8 * MB), E_OK);
    CHECK_EQ(tk_inv(BANK, BANK_DESTROY, CS, 20, 0, 0, 0, 0), E_CONTINUE);
    /* Rescinded at once: the bank can no longer be used... */
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 30, 0), E_REVOKED);
    /* ...nor its sub-banks, which are still waiting to be destroyed. */
    CHECK_EQ(tk_create(21, OBJ_ENDPOINT, 30, 0), E_REVOKED);
    CHECK_EQ(tk_status(30), SLOT_EMPTY);
    /* Other operations go on between steps. */
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 31, 0), E_OK);
    CHECK_EQ(tk_map(32, 31, R_ALL), E_OK);
    CHECK_EQ(tk_inv_all(BANK, BANK_DESTROY, CS, 20, 0, 0, 0, 0, NULL), E_OK);
    for (u32 i = 0; i < 200; i++)
        CHECK_EQ(tk_status(100 + i), SLOT_VOID);
    CHECK_EQ(tk_status(32), SLOT_LIVE);
    CHECK_EQ(tk_inv(BANK, BANK_DESTROY, CS, 20, 0, 0, 0, 0), E_REVOKED);
}

/* The cap that names a bank is in a CSpace the bank pays for: that CSpace
 * dies on the way, yet the restarted call completes. */
TEST(s2_destroy_bank_through_a_cspace_it_pays_for)
{
    tk_boot(8 * MB);
    u32 live0 = store.live_objs;
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, 4 * MB), E_OK);
    for (u32 i = 0; i < 200; i++)
        CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 100 + i, 0), E_OK);
    CHECK_EQ(tk_create(20, OBJ_CSPACE, 21, 0), E_OK);  /* the first to go */
    CHECK_EQ(tk_inv(21, CS_COPY, 5, CS, 20, R_ALL, 0, 0), E_OK);
    u64 root0 = tk_usage(BANK) - tk_usage(20) - tk_charge(sizeof(struct bank));
    int calls;
    CHECK_EQ(tk_inv_all(BANK, BANK_DESTROY, 21, 5, 0, 0, 0, 0, &calls), E_OK);
    CHECK(calls > 1);
    CHECK_EQ(tk_usage(BANK), root0);
    CHECK_EQ(store.live_objs, live0);
    CHECK_EQ(tk_status(20), SLOT_VOID);
    CHECK_EQ(tk_status(21), SLOT_VOID);
}

TEST(s2_destroy_cspace_through_a_slot_inside_it)
{
    tk_boot(8 * MB);
    u64 root0 = tk_usage(BANK);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, 4 * MB), E_OK);
    u64 bank0 = tk_usage(20);
    CHECK_EQ(tk_create(20, OBJ_CSPACE, 21, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 22, 0), E_OK);
    CHECK_EQ(tk_inv(21, CS_COPY, 0, CS, 21, R_ALL, 0, 0), E_OK);
    for (u32 i = 1; i < 300; i++)
        CHECK_EQ(tk_inv(21, CS_MAP, i * 37, CS, 22, R_ALL, 0, 0), E_OK);
    int calls;
    CHECK_EQ(tk_inv_all(20, BANK_DESTROY, 21, 0, 0, 0, 0, 0, &calls), E_OK);
    CHECK(calls > 1);
    CHECK_EQ(tk_usage(20), bank0);
    CHECK_EQ(tk_status(21), SLOT_VOID);
    CHECK_EQ(tk_status(22), SLOT_LIVE);
    CHECK_EQ(tk_destroy(BANK, 20), E_OK);
    CHECK_EQ(tk_usage(BANK), root0 + tk_charge(sizeof(struct endpoint)));
}

TEST(s2_destroy_needs_authority)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, MB), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 21, MB), E_OK);
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 22, 0), E_OK);
    CHECK_EQ(tk_destroy(21, 22), E_RIGHTS);  /* a sibling bank did not pay */
    CHECK_EQ(tk_destroy(20, 20), E_RIGHTS);  /* a bank cannot destroy itself */
    CHECK_EQ(tk_destroy(BANK, BANK), E_INVAL); /* nor can the root bank go */
    CHECK_EQ(tk_copy(23, 20, R_READ), E_OK);
    CHECK_EQ(tk_destroy(23, 22), E_RIGHTS);  /* needs R_WRITE on the bank */
    CHECK_EQ(tk_destroy(20, 99), E_EMPTY);
    CHECK_EQ(tk_inv(20, BANK_DESTROY, CS, CAP_ADDR_LIMIT, 0, 0, 0, 0), E_BADCAP);
    CHECK_EQ(tk_inv(20, BANK_DESTROY, 22, 22, 0, 0, 0, 0), E_TYPE);
    CHECK_EQ(tk_status(22), SLOT_LIVE);
    CHECK_EQ(tk_destroy(BANK, 22), E_OK);    /* an ancestor bank may */
    CHECK_EQ(tk_status(22), SLOT_VOID);
}

TEST(s2_bank_depth_limit)
{
    tk_boot(4 * MB);
    u32 b = BANK;
    int e = E_OK;
    u32 n = 0;
    for (u32 slot = 20; e == E_OK && n < 100; slot++, n++) {
        e = tk_create(b, OBJ_BANK, slot, MB);
        b = slot;
    }
    CHECK_EQ(e, E_DEPTH);
    CHECK_EQ(n, BANK_MAX_DEPTH);
}

TEST(s3_rescind_voids_every_cap_at_once)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, MB), E_OK);
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 21, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_CSPACE, 22, 0), E_OK);
    for (u32 i = 0; i < 100; i++) {
        CHECK_EQ(tk_copy(100 + i, 21, R_ALL), E_OK);
        CHECK_EQ(tk_inv(22, CS_MAP, i, CS, 100 + i, R_ALL, 0, 0), E_OK);
    }
    CHECK_EQ(tk_destroy(20, 21), E_OK);
    for (u32 i = 0; i < 100; i++) {
        CHECK_EQ(tk_status(100 + i), SLOT_VOID);
        CHECK_EQ(tk_inv(22, CS_INFO, i, 0, 0, 0, 0, 0), E_OK);
        CHECK_EQ(tk_r[0], SLOT_VOID);
    }
    /* Invoking a void cap: E_REVOKED. Transferring it: like an empty slot. */
    CHECK_EQ(tk_inv(21, BANK_QUERY, 0, 0, 0, 0, 0, 0), E_REVOKED);
    CHECK_EQ(tk_copy(30, 21, R_ALL), E_EMPTY);
    CHECK_EQ(tk_map(30, 21, R_ALL), E_EMPTY);
    CHECK_EQ(tk_grant(30, 21, R_ALL), E_EMPTY);
    /* A void slot can be written over (it acts as empty). */
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 40, 0), E_OK);
    CHECK_EQ(tk_copy(21, 40, R_ALL), E_OK);
    CHECK_EQ(tk_status(21), SLOT_LIVE);
    CHECK_EQ(tk_inv(22, CS_COPY, 5, CS, 40, R_ALL, 0, 0), E_OK);
    /* Reused storage: a new object in the same table entry does not
     * revive old caps. */
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 41, 0), E_OK);
    CHECK_EQ(tk_status(101), SLOT_VOID);
}

/* The destination rule (cap_dst_check): a void leaf acts as empty; a void
 * cap with descendants is E_FULL for every kind of transfer, and nothing
 * changes until its holder DELETEs it. */
TEST(s3_void_destination_with_void_subtree_is_full)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, MB), E_OK);
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 21, 0), E_OK);
    for (u32 i = 0; i < 150; i++)
        CHECK_EQ(tk_map(100 + i, 21, R_ALL), E_OK);
    CHECK_EQ(tk_destroy(20, 21), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 40, 0), E_OK);
    u64 used = tk_usage(BANK);
    CHECK_EQ(tk_copy(21, 40, R_ALL), E_FULL);
    CHECK_EQ(tk_map(21, 40, R_ALL), E_FULL);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 21, 0), E_FULL);
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, 21, CS, 40, 0, R_ALL), E_FULL);
    CHECK_EQ(tk_usage(BANK), used);
    CHECK_EQ(tk_status(21), SLOT_VOID);
    CHECK_EQ(tk_status(100), SLOT_VOID);
    /* A void leaf is replaced at once. */
    CHECK_EQ(tk_copy(100, 40, R_ALL), E_OK);
    CHECK_EQ(tk_status(100), SLOT_LIVE);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 101, 0), E_OK);
    CHECK_EQ(tk_status(101), SLOT_LIVE);
    /* DELETE (C6, in steps) makes the subtree go; then 21 is usable. */
    CHECK_EQ(tk_delete(21), E_OK);
    CHECK_EQ(tk_copy(21, 40, R_ALL), E_OK);
    CHECK_EQ(tk_slot(21)->obj, tk_slot(40)->obj);
    for (u32 i = 2; i < 150; i++)
        CHECK_EQ(tk_status(100 + i), SLOT_EMPTY);
}

/* ---- exhaustion: every allocation path with 0, 1, ... bytes left ---- */

/* Run `op` in a fresh kernel under a sub-bank (slot 20) whose limit leaves
 * exactly `left` bytes after `prep` ran; returns op's result and checks that
 * a failed op changed no usage. */
typedef int (*op_fn)(void);
static int under_limit(void (*prep)(void), op_fn op, u64 need, u64 left)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, 1ull << 30), E_OK);
    if (prep)
        prep();
    u64 used = tk_usage(20);
    /* Shrink the limit so that exactly `left` bytes remain. */
    bank_body(tk_slot(20)->obj)->limit = used + left;
    u64 root = tk_usage(BANK);
    int e = op();
    if (e != E_OK) {
        CHECK_EQ(tk_usage(20), used);
        CHECK_EQ(tk_usage(BANK), root);
    } else {
        CHECK_EQ(tk_usage(20), used + need);
    }
    return e;
}

static void sweep(const char *what, void (*prep)(void), op_fn op, u64 need)
{
    u64 probes[] = {0, 1, need / 2, need - 1, need, need + 1};
    for (u32 i = 0; i < ARRAY_LEN(probes); i++) {
        int e = under_limit(prep, op, need, probes[i]);
        int want = probes[i] < need ? E_NOMEM : E_OK;
        if (e != want)
            printf("    %s with %llu bytes left: %d\n", what, (unsigned long long)probes[i], e);
        CHECK_EQ(e, want);
    }
}

static int op_ep(void) { return tk_create(20, OBJ_ENDPOINT, 30, 0); }
static int op_cs(void) { return tk_create(20, OBJ_CSPACE, 30, 0); }
static int op_bank(void) { return tk_create(20, OBJ_BANK, 30, 0); }
static int op_wrap(void) { return tk_inv(20, BANK_WRAP, CS, 30, CS, CS, 0, R_ALL); }
static void prep_cs(void) { CHECK_EQ(tk_create(20, OBJ_CSPACE, 21, 0), E_OK); }
static void prep_cs_ep(void) { prep_cs(); CHECK_EQ(tk_inv(21, CS_COPY, 0, CS, CS, R_ALL, 0, 0), E_OK); }
static int op_grow_leaf(void) { return tk_inv(21, CS_COPY, 200, CS, CS, R_ALL, 0, 0); }
static int op_grow_l2(void) { return tk_inv(21, CS_COPY, 1u << 20, CS, CS, R_ALL, 0, 0); }
static int op_map_grow(void) { return tk_inv(21, CS_MAP, 1u << 21, CS, CS, R_ALL, 0, 0); }
static int op_mint_grow(void) { return tk_inv(21, CS_MINT, 1u << 21, CS, 22, R_ALL, 5, 0); }
static void prep_ep(void) { prep_cs(); CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 22, 0), E_OK); }
static int op_grant_grow(void) { return tk_inv(21, CS_GRANT, 1u << 21, CS, 22, R_ALL, 0, 0); }

TEST(s1_exhaustion_every_allocation_path)
{
    sweep("endpoint", NULL, op_ep, obj(sizeof(struct endpoint)));
    sweep("cspace", NULL, op_cs, obj(sizeof(struct cspace)));
    sweep("bank", NULL, op_bank, obj(sizeof(struct bank)));
    sweep("wrapper", NULL, op_wrap, obj(sizeof(struct wrapper)));
    sweep("cspace leaf", prep_cs_ep, op_grow_leaf, bsz(CS_LEAF_BYTES));
    sweep("cspace l2+leaf", prep_cs_ep, op_grow_l2, bsz(CS_L2_BYTES) + bsz(CS_LEAF_BYTES));
    sweep("map growth", prep_cs_ep, op_map_grow, bsz(CS_L2_BYTES) + bsz(CS_LEAF_BYTES));
    sweep("mint growth", prep_ep, op_mint_grow, bsz(CS_L2_BYTES) + bsz(CS_LEAF_BYTES));
    sweep("grant growth", prep_ep, op_grant_grow, bsz(CS_L2_BYTES) + bsz(CS_LEAF_BYTES));
}

TEST(s1_exhaustion_of_the_storage_itself)
{
    /* Fill all storage through the root bank; the last allocations fail
     * cleanly with E_NOMEM and everything can be destroyed again. */
    tk_boot(2 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, ~0ull), E_OK);
    u64 base = tk_usage(BANK);
    u32 n = 0;
    int e;
    while ((e = tk_create(20, OBJ_CSPACE, 100 + n, 0)) == E_OK)
        n++;
    CHECK_EQ(e, E_NOMEM);
    CHECK(n > 100);
    CHECK_EQ(tk_destroy(BANK, 20), E_OK);
    CHECK(tk_usage(BANK) < base + 64 * 1024); /* only root CSpace growth left */
    CHECK_EQ(tk_inv(BANK, BANK_QUERY, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0] + store.free_bytes, tk_r[1] + OBJ_ENTRY_CHARGE * store.live_objs);
    CHECK_EQ(store.live_objs, 4); /* the root bank, the root CSpace, the System and Debug objects */
}

/* Create one object of every type from bank `bank` into slots dst..dst+6. */
static void create_every_type(u32 bank, u32 dst)
{
    static const u64 types[] = {OBJ_BANK, OBJ_CSPACE, OBJ_ENDPOINT, OBJ_THREAD, OBJ_ASPACE, OBJ_FRAME};
    for (u32 i = 0; i < ARRAY_LEN(types); i++)
        CHECK_EQ(tk_create(bank, types[i], dst + i, types[i] == OBJ_BANK ? MB : 0), E_OK);
    CHECK_EQ(tk_inv(bank, BANK_WRAP, CS, dst + ARRAY_LEN(types), CS, CS, 0, R_ALL), E_OK);
}

TEST(s1_object_table_entries_are_paid_for)
{
    /* 1 MiB: 2048 table entries, but storage for ~15,000 endpoint bodies.
     * A quarter-MiB sub-bank filling up with endpoints meets its own limit,
     * because each pays for its table entry too; the table stays usable for
     * a sibling bank and for the root bank. */
    tk_boot(1 * MB);
    CHECK(store.ntab <= MB / OBJ_PER_RAM);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, MB / 4), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 21, MB / 4), E_OK);
    u32 n = 0;
    int e;
    while ((e = tk_create(20, OBJ_ENDPOINT, 100 + n, 0)) == E_OK)
        n++;
    CHECK_EQ(e, E_NOMEM);
    CHECK_EQ(tk_status(100 + n), SLOT_EMPTY);
    CHECK_EQ(n, (MB / 4) / tk_charge(sizeof(struct endpoint))); /* its limit, not the table */
    create_every_type(21, 5000);
    create_every_type(BANK, 6000);
}

TEST(kernel_check_detects_corruption)
{
    /* The checker used by the fuzzer and the model test must catch bugs. */
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 20, MB), E_OK);
    CHECK_EQ(tk_create(20, OBJ_ENDPOINT, 21, 0), E_OK);
    CHECK_EQ(tk_map(22, 21, R_ALL), E_OK);
    CHECK_EQ(tk_map(23, 22, R_ALL), E_OK);
    CHECK(kernel_check() == NULL);
    bank_body(tk_slot(20)->obj)->usage += 64;
    CHECK(kernel_check() != NULL);
    bank_body(tk_slot(20)->obj)->usage -= 64;
    tk_slot(23)->depth = 0;
    CHECK(kernel_check() != NULL);
    tk_slot(23)->depth = 2;
    tk_slot(22)->epoch++;
    CHECK(kernel_check() != NULL);
    tk_slot(22)->epoch--;
    CHECK(kernel_check() == NULL);
    /* A destruction in progress of a live object, or of one not paid for. */
    struct bank_pending *p = &bank_body(tk_slot(20)->obj)->pending;
    oref ep = tk_slot(21)->obj;
    *p = (struct bank_pending){ep, obj_get(ep)->epoch, 0, 0, 0, 0};
    CHECK(kernel_check() != NULL);
    obj_get(ep)->state = OS_DYING;
    CHECK(kernel_check() == NULL);
    p->obj = tk_slot(20)->obj, p->epoch = obj_get(p->obj)->epoch;
    obj_get(p->obj)->state = OS_DYING;
    CHECK(kernel_check() != NULL);
    obj_get(p->obj)->state = OS_LIVE;
    obj_get(ep)->state = OS_LIVE;
    p->obj = 0;
    CHECK(kernel_check() == NULL);
}
