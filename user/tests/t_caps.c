/* SPDX-License-Identifier: BSD-2-Clause */
/* t_caps.c: the capability operations, from user space, through the
 * generated wrappers (tether.h). Every test uses fresh slots of the root
 * CSpace and objects of the root bank or of a sub-bank it destroys. */
#include "harness.h"
#include "tether.h"
#include "ulib.h"

#define CS ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK

static uint64_t r[4];

static uint64_t status(uint32_t slot)
{
    return tether_CS_INFO(CS, slot, r) == E_OK ? r[0] : ~0UL;
}

static long destroy(uint32_t bank, uint32_t slot)
{
    return tether_BANK_DESTROY(bank, CS, slot);
}

static long new_endpoint(uint32_t bank, uint32_t slot)
{
    return tether_BANK_CREATE(bank, OBJ_ENDPOINT, CS, slot, 0);
}

TEST(c2_copy_keeps_type_and_only_shrinks_rights)
{
    unsigned ep = fresh_slot(), a = fresh_slot(), b = fresh_slot();
    CHECK_EQ(new_endpoint(BANK, ep), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, a, CS, ep, R_READ | R_GRANT), E_OK);
    CHECK_EQ(tether_CS_INFO(CS, a, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[1], OBJ_ENDPOINT);
    CHECK_EQ(r[2], R_READ | R_GRANT);
    CHECK_EQ(tether_CS_COPY(CS, b, CS, a, R_ALL), E_OK);    /* C1 */
    CHECK_EQ(tether_CS_INFO(CS, b, r), E_OK);
    CHECK_EQ(r[2], R_READ | R_GRANT);
    CHECK_EQ(tether_CS_COPY(CS, b, CS, a, R_ALL), E_FULL);
    CHECK_EQ(tether_CS_COPY(CS, fresh_slot(), CS, fresh_slot(), R_ALL), E_EMPTY);
    /* A copy of a root is a root: unmapping the source leaves it. */
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);
    CHECK_EQ(status(a), SLOT_LIVE);
    CHECK_EQ(destroy(BANK, ep), E_OK);
    CHECK_EQ(status(a), SLOT_VOID);                          /* S3 */
    CHECK_EQ(status(b), SLOT_VOID);
}

TEST(c3_c5_map_then_unmap_removes_descendants)
{
    unsigned ep = fresh_slot(), c = fresh_slot(), g = fresh_slot(), s = fresh_slot();
    CHECK_EQ(new_endpoint(BANK, ep), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, c, CS, ep, R_ALL), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, g, CS, c, R_READ), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, s, CS, g, R_ALL), E_OK);    /* C2: a sibling */
    CHECK_EQ(status(s), SLOT_LIVE);
    CHECK_EQ(tether_CS_UNMAP(CS, c, 0), E_OK);               /* c's subtree */
    CHECK_EQ(status(c), SLOT_LIVE);
    CHECK_EQ(status(g), SLOT_EMPTY);
    CHECK_EQ(status(s), SLOT_EMPTY);                         /* no escape by copy */
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 1), E_OK);              /* and itself */
    CHECK_EQ(status(ep), SLOT_EMPTY);
    CHECK_EQ(status(c), SLOT_EMPTY);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 2), E_INVAL);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 1), E_EMPTY);
}

TEST(c4_grant_moves_and_stays_revocable)
{
    unsigned ep = fresh_slot(), c = fresh_slot(), d = fresh_slot(), k = fresh_slot();
    CHECK_EQ(new_endpoint(BANK, ep), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, c, CS, ep, R_ALL), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, k, CS, c, R_ALL), E_OK);
    CHECK_EQ(tether_CS_GRANT(CS, d, CS, c, R_READ | R_WRITE), E_OK);
    CHECK_EQ(status(c), SLOT_EMPTY);
    CHECK_EQ(tether_CS_INFO(CS, d, r), E_OK);
    CHECK_EQ(r[2], R_READ | R_WRITE);
    CHECK_EQ(status(k), SLOT_LIVE);                          /* still attached */
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);              /* parent revokes */
    CHECK_EQ(status(d), SLOT_EMPTY);
    CHECK_EQ(status(k), SLOT_EMPTY);
    CHECK_EQ(destroy(BANK, ep), E_OK);
}

TEST(c7_mint_badges_endpoints_only)
{
    unsigned ep = fresh_slot(), m = fresh_slot(), m2 = fresh_slot();
    CHECK_EQ(new_endpoint(BANK, ep), E_OK);
    CHECK_EQ(tether_CS_MINT(CS, m, CS, ep, R_ALL, 0xbad9e, MINT_MAP), E_OK);
    CHECK_EQ(tether_CS_INFO(CS, m, r), E_OK);
    CHECK_EQ(r[3], 0xbad9e);
    CHECK_EQ(tether_CS_MINT(CS, m2, CS, m, R_ALL, 7, MINT_COPY), E_INVAL); /* badged */
    CHECK_EQ(tether_CS_MINT(CS, m2, CS, ep, R_ALL, 0, MINT_COPY), E_INVAL); /* no badge */
    CHECK_EQ(tether_CS_MINT(CS, m2, CS, BANK, R_ALL, 7, MINT_COPY), E_TYPE);
    CHECK_EQ(tether_CS_MINT(CS, m2, CS, ep, R_ALL, 7, 2), E_INVAL);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);              /* minted by MAP */
    CHECK_EQ(status(m), SLOT_EMPTY);
    CHECK_EQ(destroy(BANK, ep), E_OK);
}

TEST(c6_delete_removes_cap_and_descendants)
{
    unsigned ep = fresh_slot(), c = fresh_slot(), g = fresh_slot();
    CHECK_EQ(new_endpoint(BANK, ep), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, c, CS, ep, R_ALL), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, g, CS, c, R_ALL), E_OK);
    CHECK_EQ(tether_CS_DELETE(CS, c), E_OK);
    CHECK_EQ(status(c), SLOT_EMPTY);
    CHECK_EQ(status(g), SLOT_EMPTY);
    CHECK_EQ(status(ep), SLOT_LIVE);
    CHECK_EQ(tether_CS_DELETE(CS, c), E_EMPTY);
    CHECK_EQ(tether_CS_DELETE(CS, CAP_ADDR_LIMIT), E_BADCAP);
    CHECK_EQ(destroy(BANK, ep), E_OK);
}

TEST(s1_s2_bank_create_query_destroy)
{
    unsigned sub = fresh_slot(), ep = fresh_slot(), cs = fresh_slot();
    uint64_t root_before[4];
    CHECK_EQ(tether_BANK_QUERY(BANK, root_before), E_OK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 64 * 1024), E_OK);
    CHECK_EQ(tether_BANK_QUERY(sub, r), E_OK);
    CHECK_EQ(r[0], 0);
    CHECK_EQ(r[1], 64 * 1024);
    CHECK_EQ(r[2], 0);
    CHECK_EQ(new_endpoint(sub, ep), E_OK);
    CHECK_EQ(tether_BANK_CREATE(sub, OBJ_CSPACE, CS, cs, 0), E_OK);
    CHECK_EQ(tether_BANK_QUERY(sub, r), E_OK);
    CHECK(r[0] > 0);
    CHECK_EQ(r[2], 2);
    uint64_t sub_usage = r[0];
    CHECK_EQ(tether_BANK_QUERY(BANK, r), E_OK);              /* charged upward */
    CHECK(r[0] >= root_before[0] + sub_usage);
    CHECK_EQ(destroy(BANK, sub), E_OK);                      /* S2: with its objects */
    CHECK_EQ(status(sub), SLOT_VOID);
    CHECK_EQ(status(ep), SLOT_VOID);
    CHECK_EQ(status(cs), SLOT_VOID);
    CHECK_EQ(tether_BANK_QUERY(sub, r), E_REVOKED);
    CHECK_EQ(tether_CS_INFO(cs, 0, r), E_REVOKED);
    CHECK_EQ(tether_BANK_QUERY(BANK, r), E_OK);
    CHECK(r[0] <= root_before[0] + 4096);                    /* back (+ CSpace nodes) */
    CHECK_EQ(destroy(BANK, BANK), E_INVAL);                  /* never the root bank */
}

TEST(s1_bank_create_takes_an_argument_only_for_banks)
{
    /* The argument is a bank's limit; any other type refuses one (E_INVAL)
     * and is created with 0. */
    static const uint64_t types[] = {OBJ_CSPACE, OBJ_ENDPOINT, OBJ_THREAD, OBJ_ASPACE, OBJ_FRAME,
                                     OBJ_NOTIFICATION, OBJ_SCHEDCTX};
    unsigned first = fresh_slots(sizeof types / sizeof types[0]), b = fresh_slot();
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        CHECK_EQ(tether_BANK_CREATE(BANK, types[i], CS, first + i, 4096), E_INVAL);
        CHECK_EQ(status(first + i), SLOT_EMPTY);
        CHECK_EQ(tether_BANK_CREATE(BANK, types[i], CS, first + i, 0), E_OK);
        CHECK_EQ(tether_CS_INFO(CS, first + i, r), E_OK);
        CHECK_EQ(r[TETHER_OUT_INDEX(CS_INFO, type)], types[i]);
        CHECK_EQ(destroy(BANK, first + i), E_OK);
    }
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, b, 12345), E_OK);
    CHECK_EQ(tether_BANK_QUERY(b, r), E_OK);
    CHECK_EQ(r[TETHER_OUT_INDEX(BANK_QUERY, limit)], 12345);
    CHECK_EQ(destroy(BANK, b), E_OK);
}

TEST(s2_long_destroy_is_one_call)
{
    /* 300 objects: the kernel needs several bounded steps (64 units each)
     * and restarts the ecall itself; user code sees one E_OK. */
    unsigned sub = fresh_slot(), first = fresh_slots(300);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 1 << 20), E_OK);
    for (unsigned i = 0; i < 300; i++)
        CHECK_EQ(new_endpoint(sub, first + i), E_OK);
    CHECK_EQ(tether_BANK_QUERY(sub, r), E_OK);
    CHECK_EQ(r[2], 300);
    CHECK_EQ(destroy(BANK, sub), E_OK);
    CHECK_EQ(status(first), SLOT_VOID);
    CHECK_EQ(status(first + 299), SLOT_VOID);
}

TEST(c5_long_unmap_is_one_call)
{
    unsigned ep = fresh_slot(), first = fresh_slots(300);
    CHECK_EQ(new_endpoint(BANK, ep), E_OK);
    for (unsigned i = 0; i < 300; i++)
        CHECK_EQ(tether_CS_MAP(CS, first + i, CS, ep, R_ALL), E_OK);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);
    CHECK_EQ(status(first), SLOT_EMPTY);
    CHECK_EQ(status(first + 299), SLOT_EMPTY);
    CHECK_EQ(destroy(BANK, ep), E_OK);
}

TEST(c8_wrapper_forwards_and_revokes)
{
    unsigned sub = fresh_slot(), w = fresh_slot(), wc = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 8192), E_OK);
    CHECK_EQ(tether_BANK_WRAP(BANK, CS, w, CS, sub, 0, R_READ), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, wc, CS, w, R_ALL), E_OK);
    CHECK_EQ(tether_BANK_QUERY(wc, r), E_OK);                /* forwarded */
    CHECK_EQ(r[1], 8192);
    CHECK_EQ(tether_BANK_CREATE(wc, OBJ_ENDPOINT, CS, fresh_slot(), 0), E_RIGHTS); /* masked */
    CHECK_EQ(tether_CS_INFO(CS, wc, r), E_OK);
    CHECK_EQ(r[1], OBJ_WRAPPER);
    CHECK_EQ(destroy(BANK, w), E_OK);                        /* revoke every copy */
    CHECK_EQ(tether_BANK_QUERY(wc, r), E_REVOKED);
    CHECK_EQ(tether_BANK_QUERY(w, r), E_REVOKED);
    CHECK_EQ(tether_BANK_QUERY(sub, r), E_OK);               /* the target lives */
    CHECK_EQ(destroy(BANK, sub), E_OK);
}

TEST(s1_small_bank_gives_nomem_and_changes_nothing)
{
    unsigned sub = fresh_slot(), as = fresh_slot(), ep = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 4096), E_OK);
    CHECK_EQ(tether_BANK_CREATE(sub, OBJ_ASPACE, CS, as, 0), E_NOMEM); /* + a page table */
    CHECK_EQ(tether_BANK_QUERY(sub, r), E_OK);
    CHECK_EQ(r[0], 0);
    CHECK_EQ(r[2], 0);
    CHECK_EQ(status(as), SLOT_EMPTY);
    CHECK_EQ(tether_BANK_CREATE(sub, OBJ_BANK, CS, fresh_slot(), 1 << 20), E_OK); /* limit only */
    CHECK_EQ(new_endpoint(sub, ep), E_OK);
    CHECK_EQ(destroy(BANK, sub), E_OK);
}

static uint64_t tstate(uint32_t t) { return tether_THREAD_INFO(t, r) == E_OK ? r[0] : ~0UL; }

static volatile unsigned long spins;
static long spin(void *arg)
{
    long a = (long)arg;
    for (;;)
        spins += (unsigned long)a;
}

TEST(t_thread_destroyed_while_runnable)
{
    static char stack[4096] __attribute__((aligned(16)));
    struct uthread t;
    CHECK_EQ(thread_spawn(&t, BANK, fresh_slot(), spin, (void *)(uintptr_t)1, stack, sizeof stack,
                          ROOT_THREAD_PRIO),
             E_OK);
    /* It runs until a tick; under a loaded host the tick may come before
     * its first instruction, so yield a few times. */
    for (int i = 0; i < 100 && !spins; i++)
        CHECK_EQ(tether_yield(), E_OK);
    CHECK(spins > 0);
    CHECK_EQ(tether_THREAD_INFO(t.cap, r), E_OK);
    CHECK_EQ(r[0], THREAD_RUNNABLE);
    CHECK_EQ(destroy(BANK, t.cap), E_OK);
    unsigned long s = spins;
    CHECK_EQ(tether_yield(), E_OK);
    CHECK_EQ(spins, s);                                      /* gone */
    CHECK_EQ(tether_THREAD_INFO(t.cap, r), E_REVOKED);
    CHECK_EQ(tether_THREAD_START(t.cap), E_REVOKED);
}

TEST(t_threads_stop_when_their_aspace_is_destroyed)
{
    /* A thread configured in a fresh (empty) AddrSpace of a sub-bank:
     * destroying the bank stops it (FAULT_ASPACE) -- or, started, it
     * faults on its first fetch. */
    unsigned sub = fresh_slot(), as = fresh_slot(), th = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 1 << 20), E_OK);
    CHECK_EQ(tether_BANK_CREATE(sub, OBJ_ASPACE, CS, as, 0), E_OK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_THREAD, CS, th, 0), E_OK);
    CHECK_EQ(tether_THREAD_CONFIGURE(th, CS, as, 0x10000, 0x20000, ROOT_THREAD_PRIO, 0), E_OK);
    CHECK_EQ(thread_give_time(BANK, th, THREAD_FULL_TIME, THREAD_FULL_TIME), E_OK);
    CHECK_EQ(tether_THREAD_START(th), E_OK);
    for (int i = 0; i < 100 && tstate(th) != THREAD_FAULTED; i++)
        CHECK_EQ(tether_yield(), E_OK);
    CHECK_EQ(tether_THREAD_INFO(th, r), E_OK);
    CHECK_EQ(r[0], THREAD_FAULTED);
    CHECK_EQ(r[1], FAULT_EXEC);                              /* nothing mapped there */
    CHECK_EQ(r[2], 0x10000);
    CHECK_EQ(destroy(BANK, sub), E_OK);
    CHECK_EQ(tether_THREAD_START(th), E_REVOKED);
    CHECK_EQ(destroy(BANK, th), E_OK);
}
