/* SPDX-License-Identifier: BSD-2-Clause */
/* t_watch.c: revocation notification (T4, kernel/include/watch.h):
 * CS_WATCH registers a notification on the cap in a slot; the kernel
 * signals it once when that cap leaves the derivation tree (UNMAP, DELETE)
 * or its object is destroyed; GRANT, and the death of the notification,
 * of its cap or of the CSpace end a registration unsignalled. Every error
 * changes nothing; long walks are bounded and restartable. kernel_check
 * runs after each test (unit_main.c), and inside some. */
#include <stdlib.h>
#include "harness.h"
#include "check.h"
#include "fixture.h"
#include "endpoint.h"
#include "notification.h"
#include "watch.h"

enum { N = 20, NB1 = 21, NB2 = 22, NRO = 23, NB8 = 24, E = 30, E1 = 31, E2 = 32, AS = 40 };

static int watch(u32 slot, u64 count, u64 ntfn) { return tk_inv(CS, CS_WATCH, slot, count, ntfn, 0, 0, 0); }
/* The notification's word, taken (NTFN_POLL). */
static u64 word(void)
{
    CHECK_EQ(tk_inv(N, NTFN_POLL, 0, 0, 0, 0, 0, 0), E_OK);
    return tk_r[0];
}
static bool watched(u32 slot)
{
    const struct slot *s = tk_slot(slot);
    return s && (s->flags & SLOT_WATCHED);
}
/* Registrations, counted in the search tree. */
static u64 counted;
static const char *count_one(const struct watch *w, u32 d, u32 p) { (void)w, (void)d, (void)p; counted++; return NULL; }
static u64 registrations(void)
{
    counted = 0;
    CHECK(watch_each(count_one) == NULL);
    return counted;
}
static void check_now(void)
{
    const char *why = kernel_check();
    if (why)
        printf("    kernel_check: %s\n", why);
    CHECK(why == NULL);
}

/* A notification N with caps badged 1, 2 (R_ALL), 4 (R_READ only), and an
 * endpoint E with a child E1 and a grandchild E2. */
static void setup(void)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, N, 0), E_OK);
    CHECK_EQ(tk_mint(NB1, N, R_ALL, 1, MINT_COPY), E_OK);
    CHECK_EQ(tk_mint(NB2, N, R_ALL, 2, MINT_COPY), E_OK);
    CHECK_EQ(tk_mint(NRO, N, R_READ, 4, MINT_COPY), E_OK);
    CHECK_EQ(tk_mint(NB8, N, R_ALL, 8, MINT_COPY), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, E, 0), E_OK);
    CHECK_EQ(tk_map(E1, E, R_ALL), E_OK);
    CHECK_EQ(tk_map(E2, E1, R_ALL), E_OK);
}

TEST(t4_unmap_of_an_ancestor_signals_once)
{
    setup();
    u64 before = tk_usage(BANK);
    CHECK_EQ(watch(E2, 1, NB1), E_OK);
    CHECK_EQ(tk_r[0], 1);
    CHECK(watched(E2));
    CHECK_EQ(tk_usage(BANK) - before, WATCH_BYTES);  /* the root CSpace's bank pays (S1) */
    CHECK_EQ(word(), 0);
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(tk_status(E2), SLOT_EMPTY);
    CHECK_EQ(word(), 1);
    CHECK(!watched(E2));
    CHECK_EQ(registrations(), 0);
    CHECK_EQ(tk_usage(BANK), before);  /* the registration went with the cap */
    /* Once: the next removal in that slot tells nobody. */
    CHECK_EQ(tk_map(E1, E, R_ALL), E_OK);
    CHECK_EQ(tk_map(E2, E1, R_ALL), E_OK);
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(word(), 0);
}

TEST(t4_unmap_of_the_caps_own_children_does_not_signal)
{
    setup();
    CHECK_EQ(watch(E1, 1, NB1), E_OK);
    CHECK_EQ(tk_unmap(E1, 0), E_OK);  /* E2 goes, E1 stays */
    CHECK_EQ(tk_status(E2), SLOT_EMPTY);
    CHECK_EQ(word(), 0);
    CHECK(watched(E1));
    CHECK_EQ(tk_unmap(E1, 1), E_OK);  /* UNMAP with include_self: it goes */
    CHECK_EQ(word(), 1);
}

TEST(t4_delete_signals)
{
    setup();
    CHECK_EQ(watch(E2, 1, NB2), E_OK);
    CHECK_EQ(watch(E, 1, NB8), E_OK);
    CHECK_EQ(tk_delete(E1), E_OK);  /* E2 is its descendant */
    CHECK_EQ(word(), 2);
    CHECK(watched(E));
    CHECK_EQ(tk_delete(E), E_OK);   /* the holder deletes its own cap */
    CHECK_EQ(word(), 8);
    CHECK_EQ(registrations(), 0);
}

TEST(t4_destroy_of_the_object_signals_every_registration)
{
    setup();
    CHECK_EQ(tk_copy(41, E, R_ALL), E_OK);  /* roots of their own: no UNMAP reaches them */
    CHECK_EQ(tk_copy(42, E, R_READ), E_OK);
    CHECK_EQ(watch(41, 2, NB1), E_OK);
    CHECK_EQ(tk_r[0], 2);
    CHECK_EQ(watch(E2, 1, NB8), E_OK);
    CHECK(obj_get(obj(E))->watch != 0);
    u64 before = tk_usage(BANK);
    CHECK_EQ(tk_destroy(BANK, E), E_OK);
    CHECK_EQ(word(), 9);
    CHECK_EQ(tk_status(41), SLOT_VOID);  /* rescinded by epoch, the slot stays */
    CHECK(!watched(41) && !watched(42));
    CHECK_EQ(registrations(), 0);
    CHECK_EQ(before - tk_usage(BANK), 3 * WATCH_BYTES + tk_charge(sizeof(struct endpoint)));
}

TEST(t4_destroy_of_the_objects_bank_signals)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 50, 1 * MB), E_OK);
    CHECK_EQ(tk_create(50, OBJ_ENDPOINT, 51, 0), E_OK);
    CHECK_EQ(tk_create(50, OBJ_FRAME, 52, 0), E_OK);
    CHECK_EQ(tk_map(53, 52, R_ALL), E_OK);
    CHECK_EQ(watch(51, 3, NB2), E_OK);
    CHECK_EQ(tk_r[0], 3);
    CHECK_EQ(tk_destroy(BANK, 50), E_OK);
    CHECK_EQ(word(), 2);
    CHECK_EQ(registrations(), 0);
    CHECK(!watched(51) && !watched(52) && !watched(53));
}

TEST(t4_grant_away_is_not_removal)
{
    setup();
    u64 before = tk_usage(BANK);
    CHECK_EQ(watch(E1, 1, NB1), E_OK);
    CHECK_EQ(tk_grant(45, E1, R_ALL), E_OK);
    CHECK_EQ(word(), 0);                 /* the cap is still in the tree */
    CHECK_EQ(tk_status(E1), SLOT_EMPTY);
    CHECK(!watched(E1) && !watched(45)); /* the registration ended with the move */
    CHECK_EQ(tk_usage(BANK), before);
    CHECK_EQ(tk_parent(E2), 45);         /* it kept its place */
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(word(), 0);
    /* A frame cap granted into an AddrSpace (AS_MAP_FRAME GRANT): the same. */
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_FRAME, 46, 0), E_OK);
    CHECK_EQ(watch(46, 1, NB2), E_OK);
    CHECK_EQ(tk_inv(AS, AS_MAP_FRAME, 46, 0x10000, R_READ | R_WRITE, ITEM_GRANT, 0, 0), E_OK);
    CHECK_EQ(registrations(), 0);
    CHECK_EQ(tk_destroy(BANK, AS), E_OK);
    CHECK_EQ(word(), 0);
}

TEST(t4_errors_change_nothing)
{
    setup();
    CHECK_EQ(tk_copy(60, CS, R_READ), E_OK);                  /* the CSpace without R_WRITE */
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, 61, CS, NB1, 0, R_ALL), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, 62, 0), E_OK); /* destroyed below: void caps */
    CHECK_EQ(tk_mint(63, 62, R_ALL, 1, MINT_COPY), E_OK);
    CHECK_EQ(tk_destroy(BANK, 62), E_OK);
    u64 before = tk_usage(BANK);
    CHECK_EQ(tk_inv(60, CS_WATCH, E1, 1, NB1, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(watch(CAP_ADDR_LIMIT, 1, NB1), E_BADCAP);
    CHECK_EQ(watch(CAP_ADDR_LIMIT - 1, 2, NB1), E_BADCAP);
    CHECK_EQ(watch(E1, ~0ull, NB1), E_BADCAP);
    CHECK_EQ(watch(E1, 0, NB1), E_INVAL);
    CHECK_EQ(watch(E1, WATCH_MAX + 1, NB1), E_INVAL);
    CHECK_EQ(watch(E1, WATCH_MAX, NB1), E_OK);               /* the largest range */
    CHECK_EQ(watch(E1, WATCH_MAX, CAP_NONE), E_OK);
    CHECK_EQ(watch(E1, 1, E), E_TYPE);                        /* not a notification */
    CHECK_EQ(watch(E1, 1, 61), E_TYPE);                       /* a wrapper of one */
    CHECK_EQ(watch(E1, 1, NRO), E_RIGHTS);                    /* can't signal */
    CHECK_EQ(watch(E1, 1, N), E_INVAL);                       /* unbadged */
    CHECK_EQ(watch(E1, 1, 77), E_EMPTY);                      /* no cap there */
    CHECK_EQ(watch(E1, 1, 63), E_REVOKED);                    /* a void one */
    CHECK_EQ(watch(E1, 1, CAP_ADDR_LIMIT), E_BADCAP);
    CHECK_EQ(watch(70, 1, NB1), E_EMPTY);                     /* an empty slot */
    CHECK_EQ(watch(63, 1, NB1), E_EMPTY);                     /* a void cap: as empty (S3) */
    CHECK_EQ(watch(64, WATCH_MAX, NB1), E_EMPTY);             /* a range with no live cap */
    tk_slot(NB1)->depth = MDB_MAX_DEPTH;
    CHECK_EQ(watch(E1, 1, NB1), E_DEPTH);                     /* the MAP it keeps can't be made */
    tk_slot(NB1)->depth = 0;
    CHECK_EQ(tk_inv(CS, 0x1f, E1, 1, NB1, 0, 0, 0), E_LABEL);  /* no CSpace method */
    CHECK_EQ(tk_usage(BANK), before);
    CHECK_EQ(registrations(), 0);
    CHECK(!watched(E1) && !watched(63));
    /* Removing where there is nothing to remove is fine. */
    CHECK_EQ(watch(70, 4, CAP_NONE), E_OK);
    CHECK_EQ(tk_r[0], 0);
}

/* A CSpace in bank 50 holding caps at 0..3; returns the bank's usage. */
static u64 small_cspace(u64 limit)
{
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 50, limit), E_OK);
    CHECK_EQ(tk_create(50, OBJ_CSPACE, 51, 0), E_OK);
    for (u32 i = 0; i < 4; i++)
        CHECK_EQ(tk_inv(51, CS_MAP, i, CS, E, R_ALL, 0, 0), E_OK);
    return tk_usage(50);
}

TEST(t4_over_the_bank_limit_is_enomem_and_changes_nothing)
{
    setup();
    u64 need = small_cspace(1 * MB);
    CHECK_EQ(tk_destroy(BANK, 50), E_OK);
    /* Room for two registrations, not three. */
    u64 used = small_cspace(need + 2 * WATCH_BYTES + 32);
    CHECK_EQ(used, need);
    u64 root = tk_usage(BANK);
    CHECK_EQ(tk_inv(51, CS_WATCH, 0, 3, NB1, 0, 0, 0), E_NOMEM);
    CHECK_EQ(tk_usage(50), used);
    CHECK_EQ(tk_usage(BANK), root);
    CHECK_EQ(registrations(), 0);
    CHECK_EQ(tk_inv(51, CS_WATCH, 0, 2, NB1, 0, 0, 0), E_OK);
    CHECK_EQ(tk_usage(50) - used, 2 * WATCH_BYTES);  /* the CSpace's bank (and its ancestors) */
    CHECK_EQ(tk_usage(BANK) - root, 2 * WATCH_BYTES);
    CHECK_EQ(tk_inv(51, CS_WATCH, 0, 2, NB2, 0, 0, 0), E_OK);  /* replacing costs nothing */
    CHECK_EQ(tk_usage(50) - used, 2 * WATCH_BYTES);
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(word(), 2);
    CHECK_EQ(tk_usage(50), used);
}

TEST(t4_range_registers_live_caps_and_skips_the_rest)
{
    setup();
    CHECK_EQ(tk_map(43, E, R_ALL), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 44, 0), E_OK);
    CHECK_EQ(tk_copy(45, 44, R_ALL), E_OK);
    CHECK_EQ(tk_destroy(BANK, 44), E_OK);
    /* 30 31 32 live, 33..42 empty, 43 live, 44 45 void: WATCH_MAX slots */
    CHECK_EQ(watch(E, WATCH_MAX, NB1), E_OK);
    CHECK_EQ(tk_r[0], 4);
    CHECK(watched(E) && watched(E1) && watched(E2) && watched(43) && !watched(44) && !watched(45));
    CHECK_EQ(tk_unmap(E1, 0), E_OK);
    CHECK_EQ(word(), 1);
    CHECK_EQ(registrations(), 3);
    /* CAP_NONE removes the range's registrations, unsignalled. */
    CHECK_EQ(watch(E1, 13, CAP_NONE), E_OK);
    CHECK_EQ(tk_r[0], 2);
    CHECK_EQ(registrations(), 1);
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(word(), 0);
    CHECK_EQ(tk_delete(E), E_OK);
    CHECK_EQ(word(), 1);
}

TEST(t4_registering_again_replaces)
{
    setup();
    u64 before = tk_usage(BANK);
    CHECK_EQ(watch(E2, 1, NB1), E_OK);
    CHECK_EQ(watch(E2, 1, NB2), E_OK);
    CHECK_EQ(tk_usage(BANK) - before, WATCH_BYTES);
    CHECK_EQ(registrations(), 1);
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(word(), 2);
    /* With another notification: only that one is told. */
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, 50, 0), E_OK);
    CHECK_EQ(tk_mint(51, 50, R_ALL, 0x40, MINT_COPY), E_OK);
    CHECK_EQ(tk_map(E1, E, R_ALL), E_OK);
    CHECK_EQ(watch(E1, 1, NB1), E_OK);
    CHECK_EQ(watch(E1, 1, 51), E_OK);
    CHECK_EQ(tk_delete(E1), E_OK);
    CHECK_EQ(word(), 0);
    CHECK_EQ(tk_inv(50, NTFN_POLL, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], 0x40);
}

TEST(t4_no_signal_after_the_notification_died)
{
    setup();
    u64 before = tk_usage(BANK);
    CHECK_EQ(watch(E2, 1, NB1), E_OK);
    u64 with = tk_usage(BANK);
    oref n = obj(N);
    CHECK_EQ(tk_destroy(BANK, N), E_OK);
    CHECK_EQ(registrations(), 0);  /* the registration died with it */
    CHECK(!watched(E2));
    CHECK_EQ(with - tk_usage(BANK), WATCH_BYTES + tk_charge(sizeof(struct notification)));
    /* Entry reuse right after: a new notification in the same table entry
     * is never signalled by the old registration. */
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, 50, 0), E_OK);
    CHECK_EQ(obj(50), n);
    CHECK_EQ(ntfn_body(n)->watches, 0);
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(tk_inv(50, NTFN_POLL, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], 0);
    CHECK_EQ(tk_usage(BANK), before);
}

TEST(t4_no_signal_after_the_cspace_died)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 50, 1 * MB), E_OK);
    CHECK_EQ(tk_create(50, OBJ_CSPACE, 51, 0), E_OK);
    CHECK_EQ(tk_inv(51, CS_MAP, 5, CS, E1, R_ALL, 0, 0), E_OK);  /* in another CSpace */
    CHECK_EQ(tk_inv(51, CS_MAP, 6, CS, E2, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(51, CS_WATCH, 5, 2, NB1, 0, 0, 0), E_OK);  /* the ntfn cap is the caller's */
    u64 used = tk_usage(50);
    /* DELETE in the root CSpace of an ancestor reaches into that one: told. */
    CHECK_EQ(tk_delete(E2), E_OK);
    CHECK_EQ(word(), 1);
    CHECK_EQ(used - tk_usage(50), WATCH_BYTES);
    /* The CSpace destroyed: its registration dies unsignalled. */
    CHECK_EQ(tk_destroy(BANK, 51), E_OK);
    CHECK_EQ(word(), 0);
    CHECK_EQ(registrations(), 0);
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(word(), 0);
    /* Also when its bank goes (which takes the CSpace). */
    CHECK_EQ(tk_create(50, OBJ_CSPACE, 51, 0), E_OK);
    CHECK_EQ(tk_map(E1, E, R_ALL), E_OK);
    CHECK_EQ(tk_inv(51, CS_MAP, 5, CS, E1, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(51, CS_WATCH, 5, 1, NB1, 0, 0, 0), E_OK);
    CHECK_EQ(tk_destroy(BANK, 50), E_OK);
    CHECK_EQ(word(), 0);
    CHECK_EQ(registrations(), 0);
}

TEST(t4_removing_the_notification_cap_ends_the_registration)
{
    setup();
    CHECK_EQ(tk_map(50, NB1, R_ALL), E_OK);
    CHECK_EQ(watch(E2, 1, 50), E_OK);
    u64 with = tk_usage(BANK);
    CHECK_EQ(tk_unmap(NB1, 0), E_OK);  /* 50 goes, and the registration's MAP of it */
    CHECK_EQ(tk_status(50), SLOT_EMPTY);
    CHECK_EQ(registrations(), 0);
    CHECK(!watched(E2));
    CHECK_EQ(with - tk_usage(BANK), WATCH_BYTES);
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(word(), 0);
    /* Watching the very slot of the notification cap: deleting it takes
     * the registration's cap first, so nothing is signalled. */
    CHECK_EQ(watch(NB2, 1, NB2), E_OK);
    CHECK_EQ(tk_delete(NB2), E_OK);
    CHECK_EQ(word(), 0);
    CHECK_EQ(registrations(), 0);
}

TEST(t4_entry_reuse_right_after_destruction)
{
    setup();
    CHECK_EQ(tk_copy(41, E, R_ALL), E_OK);
    CHECK_EQ(watch(41, 1, NB1), E_OK);
    oref o = obj(E);
    CHECK_EQ(tk_destroy(BANK, E), E_OK);
    CHECK_EQ(word(), 1);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 50, 0), E_OK);  /* the same table entry */
    CHECK_EQ(obj(50), o);
    CHECK_EQ(obj_get(o)->watch, 0);
    CHECK_EQ(tk_status(41), SLOT_VOID);  /* the old cap stays void */
    CHECK_EQ(tk_copy(41, 50, R_ALL), E_OK);  /* its slot takes a new cap: not watched */
    CHECK(!watched(41));
    CHECK_EQ(tk_destroy(BANK, 50), E_OK);
    CHECK_EQ(word(), 0);
    CHECK_EQ(watch(41, 1, NB1), E_EMPTY);  /* void now */
}

/* The kernel's signal is NTFN_SIGNAL's: it wakes a waiter (the one above
 * the unmapper runs at once), or a bound thread in recv. */
TEST(t4_signal_wakes_a_waiter_and_a_bound_thread)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    new_thread(BANK, 50, CS, AS, 0x1000, 50);  /* the watcher, above */
    new_thread(BANK, 51, CS, AS, 0x2000, 10);  /* the client that unmaps */
    start_thread(50);
    start_thread(51);
    CHECK_EQ(watch(E2, 1, NB2), E_OK);
    sys(50, SYS_INVOKE, msg(N, NTFN_WAIT, 0), 0, 0, 0, 0);
    CHECK_EQ(state(50), THREAD_BLOCKED_WAIT);
    struct hal_regs *next = sys(51, SYS_INVOKE, msg(CS, CS_UNMAP, 0), E, 0, 0, 0);
    CHECK_EQ(a0(51), E_OK);
    CHECK(next == &th(50)->regs);  /* the watcher runs next */
    CHECK_EQ(state(50), THREAD_RUNNABLE);
    CHECK_EQ(a0(50), E_OK);
    CHECK_EQ(th(50)->regs.x[REG_MSG(0)], 2);
    /* Bound to the watcher: its recv ends with E_NOTIFIED. */
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 52, 0), E_OK);
    CHECK_EQ(tk_inv(50, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_map(E1, E, R_ALL), E_OK);
    CHECK_EQ(watch(E1, 1, NB8), E_OK);
    sys(50, SYS_RECV, 52, 0, 0, 0, 0);
    CHECK_EQ(state(50), THREAD_BLOCKED_RECV);
    sys(51, SYS_INVOKE, msg(CS, CS_DELETE, 0), E1, 0, 0, 0);
    CHECK_EQ(state(50), THREAD_RUNNABLE);
    CHECK_EQ(a0(50), E_NOTIFIED);
    CHECK_EQ(th(50)->regs.x[REG_BADGE], 8);
}

/* Registrations on 100 caps to one object: its destruction signals each,
 * WATCH_UNITS of a step's budget apiece, so it takes several calls; the
 * notification and the watched CSpace may be destroyed between them. */
TEST(t4_destroy_walk_is_bounded_and_restartable)
{
    setup();
    enum { EB = 60 };  /* E's bank: its BANK_DESTROY in progress is its own */
    CHECK_EQ(tk_create(BANK, OBJ_BANK, EB, 1 * MB), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_CSPACE, 50, 0), E_OK);
    CHECK_EQ(tk_create(EB, OBJ_ENDPOINT, 61, 0), E_OK);
    for (u32 i = 0; i < 100; i++)
        CHECK_EQ(tk_copy(1000 + i, 61, R_ALL), E_OK);
    for (u32 i = 0; i < 100; i += WATCH_MAX)
        CHECK_EQ(watch(1000 + i, WATCH_MAX, i < 50 ? NB1 : NB2), E_OK);
    CHECK_EQ(registrations(), 100);
    int calls;
    CHECK_EQ(tk_inv_all(EB, BANK_DESTROY, CS, 61, 0, 0, 0, 0, &calls), E_OK);
    CHECK(calls >= (int)(100 * WATCH_UNITS / REVOKE_BUDGET) + 1);
    CHECK_EQ(word(), 3);
    CHECK_EQ(registrations(), 0);

    /* Again, and the notification destroyed half way. */
    CHECK_EQ(tk_create(EB, OBJ_ENDPOINT, 62, 0), E_OK);
    for (u32 i = 0; i < 100; i++) {
        CHECK_EQ(tk_delete(1000 + i), E_OK);  /* the void caps */
        CHECK_EQ(tk_copy(1000 + i, 62, R_ALL), E_OK);
    }
    for (u32 i = 0; i < 100; i += WATCH_MAX)
        CHECK_EQ(watch(1000 + i, WATCH_MAX, NB1), E_OK);
    CHECK_EQ(tk_inv(EB, BANK_DESTROY, CS, 62, 0, 0, 0, 0), E_CONTINUE);
    check_now();
    u64 left = registrations();
    CHECK(left > 0 && left < 100);
    CHECK_EQ(word(), 1);
    CHECK_EQ(tk_destroy(BANK, N), E_OK);
    CHECK_EQ(registrations(), 0);
    check_now();
    CHECK_EQ(tk_inv_all(EB, BANK_DESTROY, CS, 62, 0, 0, 0, 0, NULL), E_OK);

    /* And the watched CSpace destroyed half way through a walk. */
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, N, 0), E_OK);
    CHECK_EQ(tk_mint(NB1, N, R_ALL, 1, MINT_COPY), E_OK);
    CHECK_EQ(tk_create(EB, OBJ_ENDPOINT, 63, 0), E_OK);
    for (u32 i = 0; i < 60; i++)
        CHECK_EQ(tk_inv(50, CS_COPY, i, CS, 63, R_ALL, 0, 0), E_OK);
    for (u32 i = 0; i < 60; i += WATCH_MAX)
        CHECK_EQ(tk_inv(50, CS_WATCH, i, WATCH_MAX, NB1, 0, 0, 0), E_OK);
    CHECK_EQ(registrations(), 60);
    CHECK_EQ(tk_inv(EB, BANK_DESTROY, CS, 63, 0, 0, 0, 0), E_CONTINUE);
    CHECK_EQ(word(), 1);
    CHECK_EQ(tk_destroy(BANK, 50), E_OK);
    CHECK_EQ(registrations(), 0);
    CHECK_EQ(tk_inv_all(EB, BANK_DESTROY, CS, 63, 0, 0, 0, 0, NULL), E_OK);
    CHECK_EQ(word(), 0);  /* the rest died with their CSpace */
}

TEST(t4_unmap_of_many_watched_caps_is_bounded)
{
    setup();
    for (u32 i = 0; i < 96; i++)
        CHECK_EQ(tk_map(1000 + i, E, R_ALL), E_OK);
    for (u32 i = 0; i < 96; i += WATCH_MAX)
        CHECK_EQ(watch(1000 + i, WATCH_MAX, NB1), E_OK);
    int calls;
    CHECK_EQ(tk_inv_all(CS, CS_UNMAP, E, 0, 0, 0, 0, 0, &calls), E_OK);
    /* each removal of a watched slot costs WATCH_UNITS of the budget */
    CHECK(calls >= (int)(96 * WATCH_UNITS / REVOKE_BUDGET));
    CHECK_EQ(word(), 1);
    CHECK_EQ(registrations(), 0);
}

/* A void cap whose registration is still to be signalled (its object's
 * destruction is under way) is E_FULL as a destination: a transfer never
 * signals. */
TEST(t4_void_watched_slot_is_full_until_signalled)
{
    setup();
    for (u32 i = 0; i < 40; i++)
        CHECK_EQ(tk_copy(1000 + i, E, R_ALL), E_OK);
    for (u32 i = 0; i < 40; i += WATCH_MAX)
        CHECK_EQ(watch(1000 + i, i + WATCH_MAX <= 40 ? WATCH_MAX : 40 - i, NB1), E_OK);
    CHECK_EQ(tk_inv(BANK, BANK_DESTROY, CS, E, 0, 0, 0, 0), E_CONTINUE);
    u32 w = 0;
    for (u32 i = 0; i < 40 && !w; i++)
        if (watched(1000 + i))
            w = 1000 + i;
    CHECK(w != 0);
    CHECK_EQ(tk_status(w), SLOT_VOID);
    CHECK_EQ(tk_copy(w, NB2, R_ALL), E_FULL);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, w, 0), E_FULL);
    CHECK_EQ(tk_inv_all(BANK, BANK_DESTROY, CS, E, 0, 0, 0, 0, NULL), E_OK);
    CHECK_EQ(tk_copy(w, NB2, R_ALL), E_OK);  /* a plain void leaf now */
    CHECK_EQ(word(), 1);
}

/* The kernel's signal passes over at most NOTIFY_PASS waiters that can no
 * longer run; the badge then waits in the word (stuck) until a signal. */
TEST(t4_kernel_signal_is_bounded_past_dead_waiters)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, 41, 0), E_OK);
    for (u32 i = 0; i < NOTIFY_PASS + 2; i++) {
        new_thread(BANK, 50 + i, CS, i <= NOTIFY_PASS ? 41 : AS, 0x1000, 10);
        start_thread(50 + i);
        sys(50 + i, SYS_INVOKE, msg(N, NTFN_WAIT, 0), 0, 0, 0, 0);
    }
    u32 live = 50 + NOTIFY_PASS + 1;
    CHECK_EQ(tk_destroy(BANK, 41), E_OK);  /* NOTIFY_PASS + 1 waiters can't run */
    CHECK_EQ(watch(E2, 1, NB2), E_OK);
    CHECK_EQ(tk_unmap(E, 0), E_OK);
    CHECK_EQ(state(live), THREAD_BLOCKED_WAIT);
    CHECK_EQ(ntfn_body(obj(N))->word, 2);
    CHECK_EQ(ntfn_body(obj(N))->stuck, 1);
    check_now();
    CHECK_EQ(tk_inv(NB1, NTFN_SIGNAL, 0, 0, 0, 0, 0, 0), E_OK);  /* passes over the rest */
    CHECK_EQ(state(live), THREAD_RUNNABLE);
    CHECK_EQ(th(live)->regs.x[REG_MSG(0)], 3);
    CHECK_EQ(ntfn_body(obj(N))->word, 0);
}

/* The search tree under random registration and removal: kernel_check
 * (after every operation) checks each node is on its key's path, and the
 * tree, the flags, the lists and the counts agree. */
TEST(t4_search_tree_random)
{
    setup();
    srand(4);
    enum { K = 700 };
    for (u32 i = 0; i < K; i++)
        CHECK_EQ(tk_copy(2000 + i * 3, E, R_ALL), E_OK);  /* spread over several leaves */
    u64 base = tk_usage(BANK);
    for (u32 step = 0; step < 3000; step++) {
        u32 i = (u32)rand() % K, s = 2000 + i * 3;
        int op = rand() % 4;
        if (op < 2)
            CHECK_EQ(watch(s, 1, op ? NB1 : NB2), E_OK);
        else if (op == 2)
            CHECK_EQ(watch(s, 1, CAP_NONE), E_OK);
        else if (watched(s)) {
            CHECK_EQ(tk_delete(s), E_OK);
            CHECK_EQ(tk_copy(s, E, R_ALL), E_OK);
        }
        if (step % 50 == 0)
            check_now();
    }
    check_now();
    u64 n = registrations();
    CHECK_EQ(tk_usage(BANK) - base, n * WATCH_BYTES);
    word();
    CHECK_EQ(tk_destroy(BANK, E), E_OK);
    CHECK_EQ(registrations(), 0);
    CHECK_EQ(tk_usage(BANK), base - tk_charge(sizeof(struct endpoint)));
    CHECK(n == 0 || word() != 0);
}
