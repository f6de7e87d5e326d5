/* SPDX-License-Identifier: BSD-2-Clause */
/* t_watch.c: revocation notification (T4: CS_WATCH) from user space. A
 * watcher thread above the root (101) waits on the notification, so what
 * it got is recorded before the root's call returns; other tests poll.
 * The hostile ones throw bad arguments and destruction orders at it:
 * every error changes nothing (bank usage), and the kernel's invariants
 * hold after each test (the harness runs SYSTEM_CHECK). */
#include "harness.h"
#include "tether.h"
#include "ulib.h"

#define CS   ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK
#define PRIO ROOT_THREAD_PRIO

static char wstack[4096] __attribute__((aligned(16)));
static volatile uint64_t got_word;
static volatile long got_err;

static long destroy(uint32_t slot) { return tether_BANK_DESTROY(BANK, CS, slot); }
static uint64_t usage(uint32_t bank)
{
    uint64_t r[4];
    return tether_BANK_QUERY(bank, r) == E_OK ? r[0] : ~0UL;
}
static long watch(uint32_t cs, uint32_t slot, uint64_t count, uint32_t ntfn)
{
    uint64_t r[4];
    return tether_CS_WATCH(cs, slot, count, ntfn, r);
}
static uint64_t take(uint32_t n)
{
    uint64_t w = ~0UL;
    CHECK_EQ(tether_poll(n, &w), E_OK);
    return w;
}

/* A notification and a cap to it with badge b. */
static uint32_t new_ntfn(uint32_t *badged, uint64_t b)
{
    uint32_t n = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_NOTIFICATION, CS, n, 0), E_OK);
    *badged = fresh_slot();
    CHECK_EQ(tether_CS_MINT(CS, *badged, CS, n, R_ALL, b, MINT_COPY), E_OK);
    return n;
}

static long watcher(void *arg)
{
    long n = (long)arg;
    uint64_t w;
    got_err = tether_wait((uint32_t)n, &w);
    got_word = w;
    return 0;
}

TEST(t4_unmap_wakes_the_watcher)
{
    uint32_t nb, n = new_ntfn(&nb, 0x20);
    uint32_t ep = fresh_slot(), child = fresh_slot();
    struct uthread t;
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, child, CS, ep, R_ALL), E_OK);
    uint64_t before = usage(BANK);
    CHECK_EQ(watch(CS, child, 1, nb), E_OK);
    CHECK_EQ(usage(BANK) - before, WATCH_BYTES);  /* the CSpace's bank pays */
    got_err = -1;
    CHECK_EQ(thread_spawn(&t, BANK, fresh_slot(), watcher, (void *)(uintptr_t)n, wstack,
                          sizeof wstack, PRIO + 1),
             E_OK);
    CHECK_EQ(got_err, -1);                        /* it waits */
    before = usage(BANK);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);   /* it ran before this returned */
    CHECK_EQ(got_err, E_OK);
    CHECK_EQ(got_word, 0x20);
    CHECK_EQ(before - usage(BANK), WATCH_BYTES);  /* the registration went with the cap */
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(n), E_OK);
}

TEST(t4_delete_destroy_and_bank_destroy_signal)
{
    uint32_t nb1, n = new_ntfn(&nb1, 1), nb2 = fresh_slot(), nb4 = fresh_slot();
    CHECK_EQ(tether_CS_MINT(CS, nb2, CS, n, R_ALL, 2, MINT_COPY), E_OK);
    CHECK_EQ(tether_CS_MINT(CS, nb4, CS, n, R_ALL, 4, MINT_COPY), E_OK);
    uint32_t ep = fresh_slot(), cp = fresh_slot(), sub = fresh_slot(), f = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, cp, CS, ep, R_ALL), E_OK);  /* a root of its own */
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 1u << 20), E_OK);
    CHECK_EQ(tether_BANK_CREATE(sub, OBJ_FRAME, CS, f, 0), E_OK);
    CHECK_EQ(watch(CS, ep, 1, nb1), E_OK);
    CHECK_EQ(watch(CS, cp, 1, nb2), E_OK);
    CHECK_EQ(watch(CS, f, 1, nb4), E_OK);
    CHECK_EQ(tether_CS_DELETE(CS, ep), E_OK);
    CHECK_EQ(take(n), 1);
    CHECK_EQ(tether_BANK_DESTROY(BANK, CS, cp), E_OK);  /* the object: its copy's registration fires */
    CHECK_EQ(take(n), 2);
    CHECK_EQ(destroy(sub), E_OK);                       /* the bank that paid for the frame */
    CHECK_EQ(take(n), 4);
    CHECK_EQ(destroy(n), E_OK);
}

TEST(t4_grant_and_the_notifications_death_end_it_unsignalled)
{
    uint32_t nb, n = new_ntfn(&nb, 1);
    uint32_t ep = fresh_slot(), c = fresh_slot(), moved = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, c, CS, ep, R_ALL), E_OK);
    uint64_t before = usage(BANK);
    CHECK_EQ(watch(CS, c, 1, nb), E_OK);
    CHECK_EQ(tether_CS_GRANT(CS, moved, CS, c, R_ALL), E_OK);
    CHECK_EQ(usage(BANK), before);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);
    CHECK_EQ(take(n), 0);
    CHECK_EQ(tether_CS_MAP(CS, c, CS, ep, R_ALL), E_OK);
    CHECK_EQ(watch(CS, c, 1, nb), E_OK);
    uint64_t with = usage(BANK);
    CHECK_EQ(destroy(n), E_OK);                         /* the registration goes with it */
    CHECK(with - usage(BANK) > WATCH_BYTES);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);
    uint32_t nb2, n2 = new_ntfn(&nb2, 8);               /* likely the same table entry */
    CHECK_EQ(take(n2), 0);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(n2), E_OK);
}

TEST(t4_registrations_are_paid_by_the_cspace_bank)
{
    uint32_t nb, n = new_ntfn(&nb, 1);
    uint32_t sub = fresh_slot(), cs = fresh_slot(), ep = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 64 * 1024), E_OK);
    CHECK_EQ(tether_BANK_CREATE(sub, OBJ_CSPACE, CS, cs, 0), E_OK);
    for (uint32_t i = 0; i < WATCH_MAX; i++)
        CHECK_EQ(tether_CS_MAP(cs, i, CS, ep, R_ALL), E_OK);
    uint64_t u = usage(sub), root = usage(BANK);
    uint64_t r[4];
    CHECK_EQ(tether_CS_WATCH(cs, 0, WATCH_MAX, nb, r), E_OK);
    CHECK_EQ(r[0], WATCH_MAX);
    CHECK_EQ(usage(sub) - u, WATCH_MAX * WATCH_BYTES);
    CHECK_EQ(usage(BANK) - root, WATCH_MAX * WATCH_BYTES);
    /* Fill the bank with endpoints, then with registrations on their caps:
     * the one that does not fit is E_NOMEM and changes nothing. */
    uint32_t slot = WATCH_MAX, i = WATCH_MAX;
    while (tether_BANK_CREATE(sub, OBJ_ENDPOINT, cs, slot, 0) == E_OK)
        slot++;
    long e;
    while ((e = watch(cs, i, 1, nb)) == E_OK)
        i++;
    CHECK_EQ(e, E_NOMEM);
    CHECK(i < slot);
    uint64_t full = usage(sub);
    CHECK_EQ(watch(cs, i, 1, nb), E_NOMEM);
    CHECK_EQ(usage(sub), full);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);
    CHECK_EQ(take(n), 1);
    CHECK_EQ(usage(sub), full - WATCH_MAX * WATCH_BYTES);  /* those registrations went */
    CHECK_EQ(destroy(sub), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(n), E_OK);
}

TEST(t4_hostile_bad_arguments_change_nothing)
{
    uint32_t nb, n = new_ntfn(&nb, 1);
    uint32_t ep = fresh_slot(), c = fresh_slot(), ro = fresh_slot(), nro = fresh_slot();
    uint32_t wr = fresh_slot(), dead = fresh_slot(), deadb = fresh_slot(), empty = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, c, CS, ep, R_ALL), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, ro, CS, CS, R_READ), E_OK);
    CHECK_EQ(tether_CS_MINT(CS, nro, CS, n, R_READ, 2, MINT_COPY), E_OK);
    CHECK_EQ(tether_BANK_WRAP(BANK, CS, wr, CS, nb, 0, R_ALL), E_OK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_NOTIFICATION, CS, dead, 0), E_OK);
    CHECK_EQ(tether_CS_MINT(CS, deadb, CS, dead, R_ALL, 1, MINT_COPY), E_OK);
    CHECK_EQ(destroy(dead), E_OK);
    uint64_t before = usage(BANK);
    CHECK_EQ(watch(ro, c, 1, nb), E_RIGHTS);
    CHECK_EQ(watch(CS, CAP_ADDR_LIMIT, 1, nb), E_BADCAP);
    CHECK_EQ(watch(CS, CAP_ADDR_LIMIT - 1, 2, nb), E_BADCAP);
    CHECK_EQ(watch(CS, c, ~0UL, nb), E_BADCAP);
    CHECK_EQ(watch(CS, c, 0, nb), E_INVAL);
    CHECK_EQ(watch(CS, c, WATCH_MAX + 1, nb), E_INVAL);
    CHECK_EQ(watch(CS, c, 1, ep), E_TYPE);
    CHECK_EQ(watch(CS, c, 1, wr), E_TYPE);
    CHECK_EQ(watch(CS, c, 1, nro), E_RIGHTS);
    CHECK_EQ(watch(CS, c, 1, n), E_INVAL);
    CHECK_EQ(watch(CS, c, 1, empty), E_EMPTY);
    CHECK_EQ(watch(CS, c, 1, deadb), E_REVOKED);
    CHECK_EQ(watch(CS, c, 1, CAP_ADDR_LIMIT), E_BADCAP);
    CHECK_EQ(watch(CS, empty, 1, nb), E_EMPTY);
    CHECK_EQ(watch(CS, deadb, 1, nb), E_EMPTY);  /* a void cap acts as empty */
    CHECK_EQ(watch(BANK, c, 1, nb), E_LABEL);    /* not a CSpace method there */
    CHECK_EQ(watch(CS, c, 1, CAP_NONE), E_OK);   /* nothing to remove */
    CHECK_EQ(usage(BANK), before);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);
    CHECK_EQ(take(n), 0);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(wr), E_OK);
    CHECK_EQ(destroy(n), E_OK);
}

/* Many registrations, then everything they hang on destroyed in turn,
 * in the worst orders: the notification first, the CSpace mid-way, the
 * object last; then again the other way round. The invariant check
 * (bank usage included) holds after each step. */
TEST(t4_hostile_destroy_orders)
{
    for (int round = 0; round < 2; round++) {
        uint32_t nb, n = new_ntfn(&nb, 1u << round);
        uint32_t sub = fresh_slot(), cs = fresh_slot(), ep = fresh_slot();
        CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 1u << 20), E_OK);
        CHECK_EQ(tether_BANK_CREATE(sub, OBJ_CSPACE, CS, cs, 0), E_OK);
        CHECK_EQ(tether_BANK_CREATE(sub, OBJ_ENDPOINT, CS, ep, 0), E_OK);
        for (uint32_t i = 0; i < 200; i++)
            CHECK_EQ(tether_CS_COPY(cs, i * 5, CS, ep, R_ALL), E_OK);
        for (uint32_t i = 0; i < 1000; i += WATCH_MAX)
            CHECK_EQ(watch(cs, i, WATCH_MAX, nb), E_OK);
        if (round == 0) {
            CHECK_EQ(destroy(n), E_OK);
            CHECK(system_ok());
            CHECK_EQ(tether_BANK_DESTROY(sub, CS, cs), E_OK);
            CHECK(system_ok());
            CHECK_EQ(tether_BANK_DESTROY(sub, CS, ep), E_OK);
        } else {
            CHECK_EQ(tether_BANK_DESTROY(sub, CS, ep), E_OK);  /* 200 signals, restarted inside */
            CHECK_EQ(take(n), 2);
            CHECK(system_ok());
            CHECK_EQ(destroy(n), E_OK);
        }
        CHECK(system_ok());
        CHECK_EQ(destroy(sub), E_OK);
    }
}
