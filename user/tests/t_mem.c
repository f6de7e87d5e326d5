/* SPDX-License-Identifier: BSD-2-Clause */
/* t_mem.c: memory from user space (DESIGN.md C9, C5, S1..S4, I3, I5):
 * frames, AS_MAP_FRAME, flexpages between AddrSpaces, UNMAP, destroying
 * frames and banks, E_NOMEM, memory items, pagers.
 *
 * Accesses from "the other side" are made by threads in other AddrSpaces:
 * tasks (libtether task.h: a copy of this program in frames of their own
 * bank). demo_probe (user/demos) runs a thread of a task that reads or
 * writes one word: E_OK, or E_FAULT when it took a fault nobody handles
 * (THREAD_INFO: kind, address). The root itself never touches a page that
 * may be gone (a root fault powers the machine off). */
#include "demos.h"
#include "harness.h"

#define BANK ROOT_CAP_BANK
#define RAS  ROOT_CAP_ASPACE
#define RW   (R_READ | R_WRITE)

static uint64_t r[4];
/* Threads of the root AddrSpace made like task threads (stacks at
 * TASK_STACK_VA of the root AddrSpace). */
static struct task root = { BANK, RAS, 0, 0 };

static long destroy(uint32_t bank, uint32_t slot) { return tether_BANK_DESTROY(bank, CS, slot); }
static uint32_t new_frame(uint32_t bank)
{
    uint32_t s = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(bank, OBJ_FRAME, CS, s, 0), E_OK);
    return s;
}
static uint64_t st(uint32_t as, uint64_t va) { return demo_as_status(as, va, 0); }
static uint64_t usage(uint32_t bank)
{
    CHECK_EQ(tether_BANK_QUERY(bank, r), E_OK);
    return r[0];
}
static void new_task(struct task *t, uint64_t limit)
{
    CHECK_EQ(task_create(t, BANK, limit, fresh_slots(3)), E_OK);
}
/* Read / write one word from task t: the value, or ~0 if it faulted. */
static uint64_t peek(struct task *t, uint64_t va)
{
    uint64_t v = 0;
    return demo_probe(t, va, 0, &v, 0, 0) == E_OK ? v : ~0UL;
}
static long poke(struct task *t, uint64_t va, uint64_t v) { return demo_probe(t, va, 1, &v, 0, 0); }
/* t's access faults with `kind` at exactly va. */
static int faults(struct task *t, uint64_t va, int write, uint64_t kind)
{
    uint64_t v = 0, k = 0, a = 0;
    return demo_probe(t, va, write, &v, &k, &a) == E_FAULT && k == kind && a == va;
}

TEST(c9_frame_map_read_write_through_the_mapping)
{
    root.scratch = fresh_slot();
    uint32_t f = new_frame(BANK);
    uint64_t va = stage_alloc(3), u0 = usage(BANK);
    CHECK_EQ(st(RAS, va), SLOT_EMPTY);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, f, va, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_INFO(RAS, va, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[1], RW);
    CHECK_EQ(r[2], 1);
    CHECK(usage(BANK) >= u0);  /* page tables / mapping-table nodes if new */
    volatile uint64_t *p = (volatile uint64_t *)va;
    uint64_t zero = 0;
    for (unsigned i = 0; i < 512; i++)
        zero |= p[i];
    CHECK_EQ(zero, 0);  /* a new frame is zeroed */
    for (unsigned i = 0; i < 512; i++)
        p[i] = 0x1000 + i;
    /* The same frame at a second address, read-only: it aliases. */
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, f, va + 2 * PG, R_READ, ITEM_MAP), E_OK);
    volatile uint64_t *q = (volatile uint64_t *)(va + 2 * PG);
    CHECK_EQ(q[0], 0x1000);
    CHECK_EQ(q[511], 0x1000 + 511);
    p[7] = 77;
    CHECK_EQ(q[7], 77);
    /* Rights: a read-only cap maps read-only whatever is asked (C1); a
     * store through it faults (from a thread of the root AddrSpace). */
    uint32_t ro = fresh_slot();
    CHECK_EQ(tether_CS_COPY(CS, ro, CS, f, R_READ), E_OK);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, ro, va + PG, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_INFO(RAS, va + PG, r), E_OK);
    CHECK_EQ(r[1], R_READ);
    CHECK(faults(&root, va + PG, 1, FAULT_WRITE));
    CHECK(faults(&root, va + 2 * PG, 1, FAULT_WRITE));
    CHECK_EQ(peek(&root, va + PG + 8 * 7), 77);
    CHECK_EQ(q[0], 0x1000);
    /* Taken back: DELETE of the frame cap removes the mappings made from it
     * (C6); the frame object lives on (the bank's). */
    CHECK_EQ(tether_CS_DELETE(CS, f), E_OK);
    CHECK_EQ(st(RAS, va), SLOT_EMPTY);
    CHECK_EQ(st(RAS, va + 2 * PG), SLOT_EMPTY);
    CHECK_EQ(st(RAS, va + PG), SLOT_LIVE);  /* a COPY: a sibling, not a child */
    CHECK_EQ(destroy(BANK, ro), E_OK);      /* the object: every mapping goes */
    CHECK_EQ(st(RAS, va + PG), SLOT_EMPTY);
    CHECK(faults(&root, va + PG, 0, FAULT_READ));
}

TEST(c9_flexpage_map_copy_grant_between_aspaces)
{
    struct task x;
    new_task(&x, 1 << 20);
    uint32_t f1 = new_frame(BANK), f2 = new_frame(BANK);
    uint64_t rv = stage_alloc(2), rg = stage_alloc(1);
    const uint64_t xv = 0x40000000, xc = 0x40100000;
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, f1, rv, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, f2, rv + PG, RW, ITEM_MAP), E_OK);
    ((volatile uint64_t *)rv)[0] = 0x11;
    ((volatile uint64_t *)(rv + PG))[0] = 0x22;
    /* MAP two pages into X: X reads them and writes the root's memory. */
    CHECK_EQ(tether_AS_MAP(x.as, RAS, rv, xv, 1, RW, ITEM_MAP), E_OK);
    CHECK_EQ(peek(&x, xv), 0x11);
    CHECK_EQ(peek(&x, xv + PG), 0x22);
    CHECK_EQ(poke(&x, xv + 8, 0x33), E_OK);
    CHECK_EQ(((volatile uint64_t *)rv)[1], 0x33);
    /* COPY one page read-only: reads work, stores fault. */
    CHECK_EQ(tether_AS_MAP(x.as, RAS, rv, xc, 0, R_READ, ITEM_COPY), E_OK);
    CHECK_EQ(peek(&x, xc), 0x11);
    CHECK(faults(&x, xc, 1, FAULT_WRITE));
    /* GRANT X's second page back to the root at rg: it moves. */
    CHECK_EQ(tether_AS_MAP(RAS, x.as, xv + PG, rg, 0, RW, ITEM_GRANT), E_OK);
    CHECK_EQ(st(x.as, xv + PG), SLOT_EMPTY);
    CHECK(faults(&x, xv + PG, 0, FAULT_READ));
    CHECK_EQ(((volatile uint64_t *)rg)[0], 0x22);
    /* UNMAP (not self) of the root's two pages: the MAP in X and the page
     * granted on (it kept its place under the root's page) go; the COPY is
     * a sibling under the frame cap and stays (C2). */
    CHECK_EQ(tether_AS_UNMAP(RAS, rv, 1, 0), E_OK);
    CHECK(faults(&x, xv, 0, FAULT_READ));
    CHECK_EQ(st(x.as, xv), SLOT_EMPTY);
    CHECK_EQ(st(RAS, rg), SLOT_EMPTY);
    CHECK_EQ(st(RAS, rv), SLOT_LIVE);
    CHECK_EQ(peek(&x, xc), 0x11);
    CHECK_EQ(tether_CS_UNMAP(CS, f1, 0), E_OK);  /* the frame cap's UNMAP reaches it */
    CHECK(faults(&x, xc, 0, FAULT_READ));
    CHECK_EQ(st(RAS, rv), SLOT_EMPTY);
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(destroy(BANK, f1), E_OK);
    CHECK_EQ(destroy(BANK, f2), E_OK);
}

TEST(c5_unmap_removes_derived_mappings_recursively)
{
    struct task x, y;
    new_task(&x, 1 << 20);
    new_task(&y, 1 << 20);
    uint32_t f = new_frame(BANK);
    uint64_t rv = stage_alloc(1);
    const uint64_t xv = 0x40000000, yv = 0x50000000, xw = 0x60000000;
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, f, rv, RW, ITEM_MAP), E_OK);
    ((volatile uint64_t *)rv)[0] = 0xabc;
    /* root -> X -> Y -> X again (another page) */
    CHECK_EQ(tether_AS_MAP(x.as, RAS, rv, xv, 0, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_MAP(y.as, x.as, xv, yv, 0, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_MAP(x.as, y.as, yv, xw, 0, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(peek(&y, yv), 0xabc);
    CHECK_EQ(peek(&x, xw), 0xabc);
    /* X's UNMAP of its page reaches Y and X's second page, not the root. */
    CHECK_EQ(tether_AS_UNMAP(x.as, xv, 0, 0), E_OK);
    CHECK(faults(&y, yv, 0, FAULT_READ));
    CHECK(faults(&x, xw, 0, FAULT_READ));
    CHECK_EQ(peek(&x, xv), 0xabc);
    /* Again, then the root's UNMAP takes everything below it. */
    CHECK_EQ(tether_AS_MAP(y.as, x.as, xv, yv, 0, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_MAP(x.as, y.as, yv, xw, 0, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_UNMAP(RAS, rv, 0, 0), E_OK);
    CHECK_EQ(st(x.as, xv), SLOT_EMPTY);
    CHECK_EQ(st(y.as, yv), SLOT_EMPTY);
    CHECK_EQ(st(x.as, xw), SLOT_EMPTY);
    CHECK(faults(&x, xv, 0, FAULT_READ));
    CHECK(faults(&y, yv, 1, FAULT_WRITE));
    CHECK_EQ(((volatile uint64_t *)rv)[0], 0xabc);
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(task_destroy(&y, BANK), E_OK);
    CHECK_EQ(destroy(BANK, f), E_OK);
    CHECK_EQ(st(RAS, rv), SLOT_EMPTY);
}

TEST(s3_destroying_a_frame_or_its_bank_unmaps_it_everywhere)
{
    struct task x, y;
    new_task(&x, 1 << 20);
    new_task(&y, 1 << 20);
    uint32_t b = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, b, 1 << 20), E_OK);
    uint32_t f = new_frame(b), g = new_frame(b);
    uint64_t rv = stage_alloc(2);
    const uint64_t xv = 0x40000000, yv = 0x50000000;
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, f, rv, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, g, rv + PG, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_MAP(x.as, RAS, rv, xv, 1, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_MAP(y.as, RAS, rv, yv, 1, R_READ, ITEM_COPY), E_OK);
    CHECK_EQ(tether_AS_MAP_FRAME(y.as, f, yv + 2 * PG, R_READ, ITEM_COPY), E_OK);
    CHECK_EQ(peek(&y, yv + 2 * PG), 0);
    /* Destroy the frame: every mapping and cap of it goes, COPYs too. */
    CHECK_EQ(destroy(b, f), E_OK);
    CHECK_EQ(st(RAS, rv), SLOT_EMPTY);
    CHECK_EQ(st(x.as, xv), SLOT_EMPTY);
    CHECK_EQ(st(y.as, yv), SLOT_EMPTY);
    CHECK_EQ(st(y.as, yv + 2 * PG), SLOT_EMPTY);
    CHECK(faults(&x, xv, 0, FAULT_READ));
    CHECK(faults(&y, yv + 2 * PG, 0, FAULT_READ));
    CHECK_EQ(tether_CS_INFO(CS, f, r), E_OK);
    CHECK(r[0] != SLOT_LIVE);
    /* The other frame is untouched; destroying its bank takes it too. */
    CHECK_EQ(peek(&x, xv + PG), 0);
    CHECK_EQ(peek(&y, yv + PG), 0);
    CHECK_EQ(destroy(BANK, b), E_OK);
    CHECK_EQ(st(RAS, rv + PG), SLOT_EMPTY);
    CHECK(faults(&x, xv + PG, 0, FAULT_READ));
    CHECK(faults(&y, yv + PG, 0, FAULT_READ));
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(task_destroy(&y, BANK), E_OK);
}

/* The frame's cap goes in the first step of its destruction (it is below the
 * master cap, with the other 200): the kernel's restarts stay invisible. */
TEST(s2_destroying_a_frame_with_200_children_is_one_call)
{
    struct task x;
    new_task(&x, 1 << 20);
    uint32_t b = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, b, 1 << 20), E_OK);
    uint64_t u0 = usage(b);
    uint32_t f = new_frame(b), kids = fresh_slots(100);
    const uint64_t xv = 0x40000000;
    for (uint32_t i = 0; i < 100; i++) {
        CHECK_EQ(tether_CS_MAP(CS, kids + i, CS, f, RW), E_OK);
        CHECK_EQ(tether_AS_MAP_FRAME(x.as, f, xv + i * PG, RW, ITEM_MAP), E_OK);
    }
    CHECK_EQ(poke(&x, xv + 99 * PG, 7), E_OK);
    CHECK_EQ(destroy(b, f), E_OK);
    CHECK_EQ(usage(b), u0);
    CHECK(faults(&x, xv + 99 * PG, 0, FAULT_READ));
    for (uint32_t i = 0; i < 100; i++) {
        CHECK_EQ(st(x.as, xv + i * PG), SLOT_EMPTY);
        CHECK_EQ(tether_CS_INFO(CS, kids + i, r), E_OK);
        CHECK_EQ(r[0], SLOT_EMPTY);
    }
    CHECK_EQ(destroy(BANK, b), E_OK);
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
}

/* OR of every word of the page at va: a thread of a task. */
static long page_or(void *p)
{
    volatile uint64_t *w = (volatile uint64_t *)*(uint64_t *)p;
    uint64_t v = 0;
    for (unsigned i = 0; i < 512; i++)
        v |= w[i];
    return (long)v;
}

TEST(s4_reused_memory_is_never_visible_through_an_old_mapping)
{
    /* X holds 8 frames of a bank of its own, writes a secret into each and
     * MAPs them to Y; then the bank is destroyed and Z allocates 8 frames:
     * the same storage, most likely. X and Y fault at the old addresses, Z
     * reads zeros everywhere. */
    struct task x, y, z;
    new_task(&x, 1 << 20);
    new_task(&y, 1 << 20);
    new_task(&z, 1 << 20);
    uint32_t b = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(x.bank, OBJ_BANK, CS, b, 1 << 16), E_OK);
    const uint64_t xv = 0x40000000, yv = 0x50000000, zv = 0x60000000;
    for (unsigned i = 0; i < 8; i++) {
        CHECK_EQ(frame_new_at(b, x.scratch, x.as, xv + i * PG, RW), E_OK);
        for (unsigned j = 0; j < 512; j += 64)
            CHECK_EQ(poke(&x, xv + i * PG + j * 8, 0x5ec2e7), E_OK);
    }
    CHECK_EQ(tether_AS_MAP(y.as, x.as, xv, yv, 3, R_READ, ITEM_MAP), E_OK);
    CHECK_EQ(peek(&y, yv + 7 * PG), 0x5ec2e7);
    CHECK_EQ(destroy(x.bank, b), E_OK);
    for (unsigned i = 0; i < 8; i++)
        CHECK_EQ(frame_new_at(z.bank, z.scratch, z.as, zv + i * PG, RW), E_OK);
    for (unsigned i = 0; i < 8; i++) {
        CHECK(faults(&x, xv + i * PG, 0, FAULT_READ));
        CHECK(faults(&y, yv + i * PG, 0, FAULT_READ));
        CHECK_EQ(st(x.as, xv + i * PG), SLOT_EMPTY);
        struct task_thread th;
        uint64_t va = zv + i * PG;
        CHECK_EQ(task_spawn(&z, &th, fresh_slot(), page_or, &va, 8, PRIO + 6), E_OK);
        CHECK(th.hdr->done);
        CHECK_EQ(th.hdr->result, 0);
        CHECK_EQ(destroy(z.bank, th.cap), E_OK);
    }
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(task_destroy(&y, BANK), E_OK);
    CHECK_EQ(task_destroy(&z, BANK), E_OK);
}

/* Fill bank b with frames until it can't pay for one more; the frames'
 * caps go to consecutive fresh slots. */
static void exhaust(uint32_t b)
{
    for (int i = 0; i < 1000; i++)
        if (tether_BANK_CREATE(b, OBJ_FRAME, CS, fresh_slot(), 0) == E_NOMEM)
            return;
    CHECK(0);
}

static long nm_receiver(void *p)
{
    return tether_recv(*(uint32_t *)p).err;  /* (the task's globals are a snapshot) */
}

TEST(s1_enomem_with_a_small_bank_changes_nothing)
{
    /* A frame from a bank that can't pay for its page. */
    uint32_t small = fresh_slot(), s = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, small, 2048), E_OK);
    CHECK_EQ(tether_BANK_CREATE(small, OBJ_FRAME, CS, s, 0), E_NOMEM);
    CHECK_EQ(tether_BANK_QUERY(small, r), E_OK);
    CHECK_EQ(r[0], 0);
    CHECK_EQ(r[2], 0);
    CHECK_EQ(tether_CS_INFO(CS, s, r), E_OK);
    CHECK_EQ(r[0], SLOT_EMPTY);
    /* An AddrSpace whose bank is full: a mapping in a new region needs page
     * tables and mapping-table nodes: AS_MAP_FRAME, AS_MAP and a memory
     * item all fail with E_NOMEM, and nothing changes. */
    struct task x;
    new_task(&x, 1 << 20);  /* the bss is copied: room for it, then exhausted */
    uint32_t nm_ep = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, nm_ep, 0), E_OK);
    struct task_thread rcv;
    const uint64_t far = 0x300000000UL;
    CHECK_EQ(task_thread_create(&x, &rcv, fresh_slot(), nm_receiver, &nm_ep, 4, PRIO + 2), E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(rcv.cap, CAP_NONE, 0, 0, far, 0), E_OK);
    CHECK_EQ(tether_THREAD_START(rcv.cap), E_OK);
    CHECK_EQ(tether_THREAD_INFO(rcv.cap, r), E_OK);
    CHECK_EQ(r[0], THREAD_BLOCKED_RECV);
    exhaust(x.bank);
    uint64_t u = usage(x.bank);
    uint32_t f = new_frame(BANK);
    uint64_t rv = stage_alloc(1);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, f, rv, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_MAP_FRAME(x.as, f, far + PG, RW, ITEM_MAP), E_NOMEM);
    CHECK_EQ(tether_AS_MAP(x.as, RAS, rv, far + PG, 0, RW, ITEM_MAP), E_NOMEM);
    uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(rv, 0, ITEM_MAP, RW) };
    CHECK_EQ(tether_send(nm_ep, MSG_INFO(1, 1), w).err, E_NOMEM);
    CHECK_EQ(tether_THREAD_INFO(rcv.cap, r), E_OK);
    CHECK_EQ(r[0], THREAD_BLOCKED_RECV);  /* still waiting, untouched */
    CHECK_EQ(st(x.as, far), SLOT_EMPTY);
    CHECK_EQ(st(x.as, far + PG), SLOT_EMPTY);
    CHECK_EQ(usage(x.bank), u);
    CHECK_EQ(st(RAS, rv), SLOT_LIVE);     /* the source too */
    /* A memory item bigger than the window: E_FULL. */
    uint64_t w2[6] = { 0, 0, 0, 0, 0, MEM_ITEM(rv, 1, ITEM_MAP, RW) };
    CHECK_EQ(tether_send(nm_ep, MSG_INFO(1, 1), w2).err, E_FULL);
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(destroy(BANK, f), E_OK);
    CHECK_EQ(destroy(BANK, nm_ep), E_OK);
    CHECK_EQ(destroy(BANK, small), E_OK);
}

/* A minimal pager: one fault, answered with a MAP of a page it holds. */
struct pgr { uint32_t ep; uint64_t stage; uint64_t addr, kind; long err; };
static long one_fault_pager(void *p)
{
    struct pgr *g = p;
    struct tether_msg m = tether_recv(g->ep);
    g->kind = tmsg_label(m);
    g->addr = m.w[0];
    uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(g->stage, 0, ITEM_MAP, RW) };
    g->err = tether_reply(MSG_INFO(FAULT_REPLY_RETRY, 1), w).err;
    return 0;
}
struct toucher { uint64_t va, first; };
static long toucher(void *p)
{
    struct toucher *t = p;
    volatile uint64_t *w = (volatile uint64_t *)t->va;
    t->first = w[3];  /* faults, the pager maps a page, retried: reads 0 */
    w[3] = 0xfeed;
    return 1;
}

TEST(i5_pager_resumes_the_faulting_thread)
{
    struct task x;
    new_task(&x, 1 << 20);
    uint32_t ep = fresh_slot(), f = new_frame(BANK);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    uint64_t stage = stage_alloc(1);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, f, stage, RW, ITEM_MAP), E_OK);
    ((volatile uint64_t *)stage)[3] = 0;
    struct pgr g = { ep, stage, 0, 0, -1 };
    struct task_thread pt, tt;
    CHECK_EQ(task_spawn(&root, &pt, fresh_slot(), one_fault_pager, &g, sizeof g, PRIO + 3), E_OK);
    const uint64_t va = 0x44440000;
    struct toucher tc = { va, ~0UL };
    CHECK_EQ(task_thread_create(&x, &tt, fresh_slot(), toucher, &tc, sizeof tc, PRIO + 2), E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(tt.cap, ep, 0, 0, 0, MWIN_OFF), E_OK);
    CHECK_EQ(st(x.as, va), SLOT_EMPTY);
    CHECK_EQ(tether_THREAD_START(tt.cap), E_OK);
    volatile struct pgr *vg = (volatile struct pgr *)pt.hdr->param;
    volatile struct toucher *vt = (volatile struct toucher *)tt.hdr->param;
    CHECK(pt.hdr->done);
    CHECK_EQ(vg->err, E_OK);
    CHECK_EQ(vg->kind, FAULT_READ);
    CHECK_EQ(vg->addr, va + 24);
    CHECK(tt.hdr->done);          /* resumed, finished */
    CHECK_EQ(tt.hdr->result, 1);
    CHECK_EQ(vt->first, 0);
    CHECK_EQ(st(x.as, va), SLOT_LIVE);
    CHECK_EQ(((volatile uint64_t *)stage)[3], 0xfeed);  /* the pager sees its write */
    /* The pager takes it back: the next access faults again (no handler
     * waits now: the thread stops). */
    CHECK_EQ(tether_AS_UNMAP(RAS, stage, 0, 0), E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(tt.cap, CAP_NONE, 0, 0, 0, MWIN_OFF), E_OK);
    CHECK(faults(&x, va, 0, FAULT_READ));
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(destroy(BANK, pt.cap), E_OK);
    CHECK_EQ(destroy(BANK, f), E_OK);
    CHECK_EQ(destroy(BANK, ep), E_OK);
}
