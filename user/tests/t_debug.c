/* SPDX-License-Identifier: BSD-2-Clause */
/* t_debug.c: the derivation tree seen from user space (CS_TREE) and the
 * Debug object (ROOT_CAP_DEBUG) in QEMU: the root's dumps end and stay
 * bounded; a hostile task in its own CSpace, without the Debug cap (or with
 * one that lacks R_READ), gets only errors, and learns nothing of the
 * root's slots from CS_TREE. Dumps print on the console (docs/debug.md). */
#include "harness.h"
#include "task.h"
#include "tether.h"
#include "ulib.h"

#define CS   ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK
#define PRIO ROOT_THREAD_PRIO

static long destroy(uint32_t slot) { return tether_BANK_DESTROY(BANK, CS, slot); }

/* A whole dump from start 0: E_* of the last call; *calls, *lines. */
static long dump(uint32_t label, uint32_t arg, unsigned *calls, unsigned long *lines)
{
    uint64_t r[4] = { 0 };
    long e;
    *calls = 0, *lines = 0;
    do {
        uint64_t start = r[0];
        e = label == DEBUG_SCHED ? tether_DEBUG_SCHED(ROOT_CAP_DEBUG, start, r)
          : label == DEBUG_BANK  ? tether_DEBUG_BANK(ROOT_CAP_DEBUG, arg, start, r)
                                 : tether_DEBUG_TREE(ROOT_CAP_DEBUG, arg, start, r);
        (*calls)++;
        *lines += r[1];
        if (e == E_OK && r[1] > DEBUG_LINES)
            return -1;
    } while (e == E_OK && r[0] && *calls < 10000);
    return e;
}

TEST(debug_cs_tree_shows_the_tree_of_the_root_cspace)
{
    uint32_t ep = fresh_slot(), m1 = fresh_slot(), m2 = fresh_slot(), cp = fresh_slot();
    uint64_t r[4];
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, m1, CS, ep, R_ALL), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, m2, CS, m1, R_READ), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, cp, CS, m2, R_ALL), E_OK);
    CHECK_EQ(tether_CS_TREE(CS, ep, r), E_OK);
    CHECK(r[0] == SLOT_LIVE && r[1] == 0 && r[2] == 0 && r[3] == TREE_ROOT);
    CHECK_EQ(tether_CS_TREE(CS, m2, r), E_OK);
    CHECK(r[0] == SLOT_LIVE && r[1] == 2 && r[2] == 1 && r[3] == m1);
    CHECK_EQ(tether_CS_TREE(CS, cp, r), E_OK);  /* a COPY of a derived cap: a sibling */
    CHECK(r[1] == 2 && r[3] == m1);
    CHECK_EQ(tether_CS_TREE(CS, CAP_ADDR_LIMIT, r), E_BADCAP);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(tether_CS_TREE(CS, m2, r), E_OK);  /* void: still in its place */
    CHECK(r[0] == SLOT_VOID && r[1] == 2 && r[3] == m1);
    CHECK_EQ(tether_CS_DELETE(CS, ep), E_OK);
}

TEST(debug_dumps_end_in_bounded_calls)
{
    uint32_t sub = fresh_slot(), ep = fresh_slot(), first = fresh_slots(100);
    unsigned calls;
    unsigned long lines;
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, sub, 1 << 20), E_OK);
    CHECK_EQ(tether_BANK_CREATE(sub, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    for (unsigned i = 0; i < 100; i++)
        CHECK_EQ(tether_CS_MAP(CS, first + i, CS, i ? first + i - 1 : ep, R_ALL), E_OK);
    CHECK_EQ(dump(DEBUG_TREE, ep, &calls, &lines), E_OK);
    CHECK_EQ(lines, 1 + 101 + 1);  /* "dbg tree", a line per cap, "dbg end" */
    CHECK(calls >= 2);
    for (unsigned i = 0; i < 80; i++)
        CHECK_EQ(tether_BANK_CREATE(sub, OBJ_NOTIFICATION, CS, fresh_slot(), 0), E_OK);
    CHECK_EQ(dump(DEBUG_BANK, sub, &calls, &lines), E_OK);
    CHECK_EQ(lines, 1 + 81 + 1);
    CHECK_EQ(calls, 2);
    CHECK_EQ(dump(DEBUG_SCHED, 0, &calls, &lines), E_OK);
    CHECK(lines >= 2);  /* "dbg sched" (the root is running), ..., "dbg end" */
    uint64_t r[4];
    CHECK_EQ(tether_DEBUG_THREAD(ROOT_CAP_DEBUG, ROOT_CAP_THREAD, r), E_OK);
    CHECK_EQ(r[0], 6);
    CHECK_EQ(destroy(sub), E_OK);
}

/* ---- a hostile task ---- */

/* Its CSpace: the caps it has, all it can name. */
enum { H_EP = 2, H_DBG_W = 3, H_CS = 4, H_BANK = 5, H_FREE = 9 };
#define NTRY 12
struct hostile {
    long e[NTRY];
    uint64_t tree[4];
    volatile int done;
};

static long hostile(void *p)
{
    struct hostile *h = p;
    uint64_t r[4];
    /* No Debug cap at the root's address: empty. */
    h->e[0] = tether_DEBUG_SCHED(ROOT_CAP_DEBUG, 0, r);
    h->e[1] = tether_DEBUG_TREE(ROOT_CAP_DEBUG, H_EP, 0, r);
    h->e[2] = tether_DEBUG_THREAD(ROOT_CAP_DEBUG, H_CS, r);
    h->e[3] = tether_DEBUG_BANK(ROOT_CAP_DEBUG, H_BANK, 0, r);
    /* A Debug cap without R_READ: refused. */
    h->e[4] = tether_DEBUG_SCHED(H_DBG_W, 0, r);
    h->e[5] = tether_DEBUG_TREE(H_DBG_W, H_EP, 0, r);
    h->e[6] = tether_DEBUG_BANK(H_DBG_W, H_BANK, 0, r);
    /* No way to make one, or to copy the root's. */
    h->e[7] = tether_BANK_CREATE(H_BANK, OBJ_DEBUG, H_CS, H_FREE, 0);
    h->e[8] = tether_CS_COPY(H_CS, H_FREE, ROOT_CAP_CSPACE, ROOT_CAP_DEBUG, R_ALL);
    h->e[9] = tether_CS_COPY(H_CS, H_FREE, H_CS, ROOT_CAP_DEBUG, R_ALL);
    /* Its endpoint cap is a MAP of the root's: the parent is elsewhere,
     * and CS_TREE says no more. */
    h->e[10] = tether_CS_TREE(H_CS, H_EP, h->tree);
    h->e[11] = tether_DEBUG_SCHED(H_DBG_W, 0x1234, r);  /* rights before arguments */
    h->done = 1;
    for (;;)
        tether_recv(H_EP);  /* nobody sends: it waits for good */
}

TEST(debug_hostile_task_without_the_debug_cap_gets_errors_only)
{
    struct task x;
    struct task_thread th;
    uint32_t hcs = fresh_slot(), ep = fresh_slot();
    CHECK_EQ(task_create(&x, BANK, 1 << 20, fresh_slots(3)), E_OK);
    CHECK_EQ(tether_BANK_CREATE(x.bank, OBJ_CSPACE, CS, hcs, 0), E_OK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_CS_MAP(hcs, H_EP, CS, ep, R_ALL), E_OK);
    CHECK_EQ(tether_CS_COPY(hcs, H_DBG_W, CS, ROOT_CAP_DEBUG, R_ALL & ~R_READ), E_OK);
    CHECK_EQ(tether_CS_COPY(hcs, H_CS, CS, hcs, R_ALL), E_OK);
    CHECK_EQ(tether_CS_COPY(hcs, H_BANK, CS, x.bank, R_ALL), E_OK);
    struct hostile h0 = { { 0 }, { 0 }, 0 };
    CHECK_EQ(task_thread_create_in(&x, &th, fresh_slot(), hcs, hostile, &h0, sizeof h0, PRIO + 2), E_OK);
    CHECK_EQ(tether_THREAD_START(th.cap), E_OK);  /* above the root: it runs to its recv now */
    volatile struct hostile *h = (volatile struct hostile *)th.hdr->param;
    CHECK(h->done);
    static const long want[NTRY] = { E_EMPTY, E_EMPTY, E_EMPTY, E_EMPTY, E_RIGHTS, E_RIGHTS, E_RIGHTS,
                                     E_INVAL, E_EMPTY, E_EMPTY, E_OK, E_RIGHTS };
    for (unsigned i = 0; i < NTRY; i++)
        if (h->e[i] != want[i]) {
            printf("  try %u: %s, expected %s\n", i, tether_error_name(h->e[i]), tether_error_name(want[i]));
            CHECK(0);
        }
    CHECK(h->tree[0] == SLOT_LIVE && h->tree[1] == 1 && h->tree[2] == 1 && h->tree[3] == TREE_OUTSIDE);
    uint64_t r[4];
    CHECK_EQ(tether_CS_INFO(hcs, H_FREE, r), E_OK);  /* nothing landed */
    CHECK_EQ(r[0], SLOT_EMPTY);
    CHECK_EQ(tether_THREAD_INFO(th.cap, r), E_OK);
    CHECK_EQ(r[0], THREAD_BLOCKED_RECV);
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
}
