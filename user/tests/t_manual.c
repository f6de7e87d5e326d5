/* SPDX-License-Identifier: BSD-2-Clause */
/* t_manual.c: the examples of docs/manual.md, run as system tests. The
 * code between "example: NAME" and "end of example" comments is copied
 * into the manual by tools/abidoc.sh (`make docs`), so every example there
 * compiles and does what the manual says (CHECK_EQ states what a call
 * returns). Each test works in a bank of its own and destroys it at the
 * end: whatever it made goes with it (S2). */
#include "harness.h"
#include "task.h"
#include "tether.h"
#include "ulib.h"

#define CS ROOT_CAP_CSPACE
#define PRIO ROOT_THREAD_PRIO

static char stacks[2][8192] __attribute__((aligned(16)));

TEST(manual_create_objects_from_a_bank)
{
    uint64_t r[4];
    /* example: bank */
    /* Free cap addresses of the root CSpace (from ROOT_CAP_FIRST_FREE on). */
    uint32_t bank = fresh_slot(), ep = fresh_slot(), frame = fresh_slot();
    /* A sub-bank of the root bank that may pay for 64 KiB, and two objects
     * it pays for; each cap lands at a slot of the root CSpace with all
     * rights. */
    CHECK_EQ(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, bank, 64 * 1024), E_OK);
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_FRAME, CS, frame, 0), E_OK);
    CHECK_EQ(tether_BANK_QUERY(bank, r), E_OK);
    CHECK_EQ(r[TETHER_OUT_INDEX(BANK_QUERY, objects)], 2);
    /* Only a bank takes an argument (its limit). */
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_ENDPOINT, CS, fresh_slot(), 1), E_INVAL);
    /* Destroying the bank destroys what it paid for; every cap to those
     * objects is void at once (S3). */
    CHECK_EQ(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, bank), E_OK);
    CHECK_EQ(tether_CS_INFO(CS, ep, r), E_OK);
    CHECK_EQ(r[TETHER_OUT_INDEX(CS_INFO, status)], SLOT_VOID);
    /* end of example */
}

/* example: server */
/* A server: answers each call with 1000 * the caller's badge + its word 0. */
static long server(void *arg)
{
    uint32_t ep = (uint32_t)(uintptr_t)arg;
    struct tether_msg m = tether_recv(ep);
    for (;;) {
        uint64_t w[MSG_WORDS] = { 1000 * m.badge + m.w[0] };
        m = tether_reply_recv(ep, MSG_INFO(0, 0), w);
    }
}
/* end of example */

TEST(manual_call_and_reply_with_badges)
{
    uint32_t bank = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, bank, 1 << 20), E_OK);
    /* example: badges */
    uint32_t ep = fresh_slot(), alice = fresh_slot(), bob = fresh_slot();
    struct uthread srv;
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    /* One badged cap per client: the server tells them apart. */
    CHECK_EQ(tether_CS_MINT(CS, alice, CS, ep, R_READ | R_WRITE, 1, MINT_COPY), E_OK);
    CHECK_EQ(tether_CS_MINT(CS, bob, CS, ep, R_READ | R_WRITE, 2, MINT_COPY), E_OK);
    /* The server runs first (a higher priority) and waits in recv. */
    CHECK_EQ(thread_spawn(&srv, bank, fresh_slot(), server, (void *)(uintptr_t)ep, stacks[0],
                          sizeof stacks[0], PRIO + 1),
             E_OK);
    uint64_t w[MSG_WORDS] = { 42 };
    struct tether_msg m = tether_call(alice, MSG_INFO(1, 0), w);
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(m.w[0], 1042);
    m = tether_call(bob, MSG_INFO(1, 0), w);
    CHECK_EQ(m.w[0], 2042);
    /* end of example */
    CHECK_EQ(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, bank), E_OK);
}

TEST(manual_map_and_unmap)
{
    uint64_t r[4];
    uint32_t bank = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, bank, 1 << 20), E_OK);
    /* example: map_unmap */
    uint32_t ep = fresh_slot(), lent = fresh_slot(), frame = fresh_slot(), as = fresh_slot();
    /* Caps: a MAP is a child, which UNMAP of its parent removes (C3, C5). */
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, lent, CS, ep, R_WRITE), E_OK);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);  /* 0: its descendants, not itself */
    CHECK_EQ(tether_CS_INFO(CS, lent, r), E_OK);
    CHECK_EQ(r[TETHER_OUT_INDEX(CS_INFO, status)], SLOT_EMPTY);
    /* Memory: a frame at a free page of the root AddrSpace, MAPped from
     * there to page 0x10000 of another AddrSpace (a flexpage of 2^0 pages). */
    uint64_t va = stage_alloc(1);
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_FRAME, CS, frame, 0), E_OK);
    CHECK_EQ(tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, frame, va, R_READ | R_WRITE, ITEM_COPY), E_OK);
    *(volatile uint64_t *)va = 7;
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_ASPACE, CS, as, 0), E_OK);
    CHECK_EQ(tether_AS_MAP(as, ROOT_CAP_ASPACE, va, 0x10000, 0, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_INFO(as, 0x10000, r), E_OK);
    CHECK_EQ(r[TETHER_OUT_INDEX(AS_INFO, status)], SLOT_LIVE);
    /* UNMAP of the root's page (include_self 0: the page stays) takes the
     * other AddrSpace's mapping away, out of its page table too. */
    CHECK_EQ(tether_AS_UNMAP(ROOT_CAP_ASPACE, va, 0, 0), E_OK);
    CHECK_EQ(tether_AS_INFO(as, 0x10000, r), E_OK);
    CHECK_EQ(r[TETHER_OUT_INDEX(AS_INFO, status)], SLOT_EMPTY);
    CHECK_EQ(*(volatile uint64_t *)va, 7);
    /* end of example */
    CHECK_EQ(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, bank), E_OK);
}

TEST(manual_wrapper)
{
    uint32_t bank = fresh_slot(), ep = fresh_slot();
    struct uthread srv;
    CHECK_EQ(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, bank, 1 << 20), E_OK);
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(thread_spawn(&srv, bank, fresh_slot(), server, (void *)(uintptr_t)ep, stacks[0],
                          sizeof stacks[0], PRIO + 1),
             E_OK);
    /* example: wrapper */
    /* A wrapper of the server's endpoint for one client, with badge 5:
     * calls through it arrive with that badge, and one BANK_DESTROY of the
     * wrapper revokes every copy of it, wherever the client put them (C8). */
    uint32_t w = fresh_slot(), client = fresh_slot();
    CHECK_EQ(tether_BANK_WRAP(bank, CS, w, CS, ep, 5, R_READ | R_WRITE), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, client, CS, w, R_ALL), E_OK);
    uint64_t msg[MSG_WORDS] = { 42 };
    CHECK_EQ(tether_call(client, MSG_INFO(1, 0), msg).w[0], 5042);
    CHECK_EQ(tether_BANK_DESTROY(bank, CS, w), E_OK);
    CHECK_EQ(tether_call(client, MSG_INFO(1, 0), msg).err, E_REVOKED);
    /* end of example */
    CHECK_EQ(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, bank), E_OK);
}

/* example: pager */
/* A pager: its endpoint is a thread's fault endpoint. Each fault message
 * (label FAULT_READ, _WRITE or _EXEC; w[0] = the address) is answered
 * with a fresh zero frame of the pager's bank: mapped at a staging page of
 * its own, then MAPped by a memory item in the reply, which lands at the
 * faulting page; FAULT_REPLY_RETRY retries the access. */
struct pager { uint32_t ep, bank, scratch; volatile unsigned faults; };

static long pager(void *arg)
{
    struct pager *p = arg;
    struct tether_msg m = tether_recv(p->ep);
    for (;;) {
        if (m.err != E_OK)
            return m.err;
        uint64_t stage = stage_alloc(1);
        if (frame_new_at(p->bank, p->scratch, ROOT_CAP_ASPACE, stage, R_READ | R_WRITE) != E_OK)
            return -1;  /* no reply: the faulting thread stays stopped */
        p->faults++;
        uint64_t w[MSG_WORDS] = { 0, 0, 0, 0, 0, MEM_ITEM(stage, 0, ITEM_MAP, R_READ | R_WRITE) };
        m = tether_reply_recv(p->ep, MSG_INFO(FAULT_REPLY_RETRY, 1), w);
    }
}

static long toucher(void *va)
{
    *(volatile uint64_t *)va = 99;  /* faults: nothing is mapped there */
    return (long)*(volatile uint64_t *)va;
}
/* end of example */

TEST(manual_pager)
{
    uint32_t bank = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, bank, 1 << 20), E_OK);
    /* example: pager_use */
    struct pager p = { fresh_slot(), bank, fresh_slot(), 0 };
    struct uthread pg, t;
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_ENDPOINT, CS, p.ep, 0), E_OK);
    CHECK_EQ(thread_spawn(&pg, bank, fresh_slot(), pager, &p, stacks[0], sizeof stacks[0],
                          PRIO + 2),
             E_OK);
    uint64_t va = stage_alloc(1);  /* a page nobody mapped */
    CHECK_EQ(thread_create(&t, bank, fresh_slot(), CS, ROOT_CAP_ASPACE, toucher, (void *)va,
                           stacks[1], sizeof stacks[1], PRIO + 1),
             E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(t.cap, p.ep, 0, 0, 0, MWIN_OFF), E_OK);  /* its faults go there */
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);  /* runs, faults, is paged, finishes */
    CHECK(t.done);
    CHECK_EQ(t.result, 99);
    CHECK_EQ(p.faults, 1);
    /* end of example */
    CHECK_EQ(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, bank), E_OK);
}

TEST(manual_debugging)
{
    uint64_t r[4];
    uint32_t bank = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, bank, 1 << 20), E_OK);
    /* example: debugging */
    uint32_t ep = fresh_slot(), child = fresh_slot(), blind = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, child, CS, ep, R_ALL), E_OK);
    /* CS_TREE: where a slot is in its derivation tree, as far as this
     * CSpace may know: its parent is named only if it is a slot here. */
    CHECK_EQ(tether_CS_TREE(CS, child, r), E_OK);
    CHECK_EQ(r[TETHER_OUT_INDEX(CS_TREE, derived)], 1);
    CHECK_EQ(r[TETHER_OUT_INDEX(CS_TREE, parent)], ep);
    CHECK_EQ(tether_CS_TREE(CS, ep, r), E_OK);
    CHECK_EQ(r[TETHER_OUT_INDEX(CS_TREE, parent)], TREE_ROOT);
    /* The Debug object prints the whole tree of the endpoint on the
     * console (docs/debug.md), at most DEBUG_LINES lines a call. */
    uint64_t start = 0;
    do {
        CHECK_EQ(tether_DEBUG_TREE(ROOT_CAP_DEBUG, ep, start, r), E_OK);
        start = r[TETHER_OUT_INDEX(DEBUG_TREE, next)];
    } while (start);
    /* Every Debug method needs R_READ on the Debug cap. */
    CHECK_EQ(tether_CS_COPY(CS, blind, CS, ROOT_CAP_DEBUG, R_WRITE), E_OK);
    CHECK_EQ(tether_DEBUG_SCHED(blind, 0, r), E_RIGHTS);
    CHECK_EQ(tether_CS_DELETE(CS, blind), E_OK);
    /* end of example */
    CHECK_EQ(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, bank), E_OK);
}
