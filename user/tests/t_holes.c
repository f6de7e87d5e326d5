/* SPDX-License-Identifier: BSD-2-Clause */
/* t_holes.c: holes closed in the kernel (commit d670968), one test per
 * variant, from user space.
 *
 * The rule: a thread whose CSpace or AddrSpace was destroyed (or its cap to
 * them revoked) takes part in nothing. Found as an IPC partner -- a queued
 * receiver or sender, a caller waiting for its reply, a faulting thread
 * waiting for its pager -- it is stopped (THREAD_FAULTED, FAULT_ASPACE),
 * taken off the queue, and the operation goes on with the next partner (or
 * the other side blocks / gets E_WOULDBLOCK); a reply to it answers
 * E_REVOKED. Nothing is written into, or taken out of, the dead space, or a
 * new object that reused its object-table entry (the entries are reused
 * last-freed-first, so an object of the same type created right after the
 * destruction takes the entry over).
 *
 * Also: memory items may not overlap their own window (E_INVAL), a window
 * page holding a live page is E_FULL; a queued sender's authority is
 * checked again when its message is taken (wrappers, UNMAP); a void cap in
 * a window slot is empty only if it has no descendants.
 *
 * Threads: those with a CSpace of their own share the root's AddrSpace
 * (globals, stacks of this image) and use the O_* cap addresses; those
 * with an AddrSpace of their own are task threads (task.h) of the root
 * CSpace. Helpers run above the root's priority, so each runs to its
 * blocking point before the root goes on. */
#include "demos.h"
#include "harness.h"

#define BANK ROOT_CAP_BANK
#define RAS  ROOT_CAP_ASPACE
#define RW   (R_READ | R_WRITE)

/* ---- helpers -------------------------------------------------------- */

#define NSTACKS 8
#define STACK_BYTES 4096
static char stacks[NSTACKS][STACK_BYTES] __attribute__((aligned(16)));
static unsigned nstacks;
static uint64_t r[4];
static struct tether_msg seen[4];
static volatile long res[4];

static void start(void)
{
    nstacks = 0;
    for (int i = 0; i < 4; i++) {
        res[i] = -1;
        seen[i].err = -1;
    }
}
static char *stack(void)
{
    CHECK(nstacks < NSTACKS);
    return stacks[nstacks++ % NSTACKS];
}

static long destroy(uint32_t slot) { return tether_BANK_DESTROY(BANK, CS, slot); }
static uint32_t new_obj(uint32_t bank, unsigned type)
{
    uint32_t s = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(bank, type, CS, s, 0), E_OK);
    return s;
}
static uint32_t new_ep(void) { return new_obj(BANK, OBJ_ENDPOINT); }
static uint64_t tstate(uint32_t t) { return tether_THREAD_INFO(t, r) == E_OK ? r[0] : ~0UL; }
/* t was stopped because its CSpace or AddrSpace is gone. */
static int stopped_aspace(uint32_t t)
{
    return tether_THREAD_INFO(t, r) == E_OK && r[0] == THREAD_FAULTED && r[1] == FAULT_ASPACE;
}
static uint64_t cs_status(uint32_t cs, uint32_t slot)
{
    return tether_CS_INFO(cs, slot, r) == E_OK ? r[0] : ~0UL;
}
/* AS_INFO: slot status, and *pte = whether the page table maps it. */
static uint64_t as_status(uint32_t as, uint64_t va, uint64_t *pte)
{
    uint64_t q[4] = { ~0UL, 0, ~0UL, 0 };
    CHECK_EQ(tether_AS_INFO(as, va, q), E_OK);
    if (pte)
        *pte = q[2];
    return q[0];
}
/* Root bank: usage (bytes), objects. */
static void bank_usage(uint32_t bank, uint64_t *use, uint64_t *objs)
{
    CHECK_EQ(tether_BANK_QUERY(bank, r), E_OK);
    *use = r[0];
    *objs = r[2];
}
/* A frame from the root bank mapped RW at a fresh root page, its first word
 * = marker. Returns the page's address; *cap = the frame cap. */
static uint64_t root_page(uint64_t marker, uint32_t *cap)
{
    uint32_t f = new_obj(BANK, OBJ_FRAME);
    uint64_t va = stage_alloc(1);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, f, va, RW, ITEM_MAP), E_OK);
    *(volatile uint64_t *)va = marker;
    if (cap)
        *cap = f;
    return va;
}
static uint64_t word(uint64_t va) { return *(volatile uint64_t *)va; }
/* A bank can still be created and used (the old holes corrupted the root
 * bank's accounting). */
static void banks_still_work(void)
{
    uint32_t b = fresh_slot(), e = fresh_slot();
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, b, 1 << 16), E_OK);
    CHECK_EQ(tether_BANK_CREATE(b, OBJ_ENDPOINT, CS, e, 0), E_OK);
    CHECK_EQ(tether_BANK_QUERY(b, r), E_OK);
    CHECK_EQ(r[2], 1);
    CHECK_EQ(destroy(b), E_OK);
    CHECK_EQ(cs_status(CS, e), SLOT_VOID);
}

/* Cap addresses in the CSpace of a thread that has its own. */
enum { O_EP = 1, O_SELF = 2, O_X = 3 };

static _Noreturn void own_stop(void)
{
    for (;;)
        tether_THREAD_SUSPEND(O_SELF);
}
static long own_recv(void *arg)
{
    long i = (long)arg;
    seen[i] = tether_recv(O_EP);
    res[i] = seen[i].err;
    own_stop();
}
static long own_send_grant(void *arg)
{
    long i = (long)arg;
    uint64_t w[6] = { 0x5e, 0, 0, 0, 0, ITEM(O_X, ITEM_GRANT, R_ALL) };
    res[i] = tether_send(O_EP, MSG_INFO(0x33, 1), w).err;
    own_stop();
}
static long own_call(void *arg)
{
    long i = (long)arg;
    seen[i] = tether_call(O_EP, MSG_INFO(0x55, 0), 0);
    res[i] = seen[i].err;
    own_stop();
}

/* A CSpace from the root bank holding the endpoint at O_EP. */
static uint32_t own_cspace(uint32_t ep)
{
    uint32_t cs = new_obj(BANK, OBJ_CSPACE);
    CHECK_EQ(tether_CS_COPY(cs, O_EP, CS, ep, R_ALL), E_OK);
    return cs;
}
/* A thread (not started) of CSpace cs and the root AddrSpace. */
static void own_thread(struct uthread *t, uint32_t cs, tether_thread_fn fn, long arg, unsigned prio)
{
    CHECK_EQ(thread_create(t, BANK, fresh_slot(), cs, RAS, fn, (void *)(uintptr_t)arg, stack(),
                           STACK_BYTES, prio),
             E_OK);
    CHECK_EQ(tether_CS_COPY(cs, O_SELF, CS, t->cap, R_ALL), E_OK);
}
/* A thread (not started) of the root CSpace and AddrSpace. */
static void root_thread(struct uthread *t, tether_thread_fn fn, long arg, unsigned prio)
{
    CHECK_EQ(thread_create(t, BANK, fresh_slot(), CS, RAS, fn, (void *)(uintptr_t)arg, stack(),
                           STACK_BYTES, prio),
             E_OK);
}

/* Root-CSpace helpers. */
static uint32_t h_ep;
static long h_recv(void *arg)
{
    long i = (long)arg;
    seen[i] = tether_recv(h_ep);
    return res[i] = seen[i].err;
}
static uint32_t h_call_cap;
static long h_call(void *arg)
{
    long i = (long)arg;
    seen[i] = tether_call(h_call_cap, MSG_INFO(0x44, 0), 0);
    return res[i] = seen[i].err;
}
static uint32_t h_item;
static long h_call_item(void *arg)
{
    long i = (long)arg;
    uint64_t w[6] = { 0, 0, 0, 0, 0, ITEM(h_item, ITEM_GRANT, R_ALL) };
    seen[i] = tether_call(h_call_cap, MSG_INFO(0x45, 1), w);
    return res[i] = seen[i].err;
}

/* Task-thread helpers (own AddrSpace; parameters on their stacks). */
struct tparam { uint32_t ep; uint64_t va; long err; uint64_t value; };
static long task_recv(void *p)
{
    struct tparam *tp = p;
    return tp->err = tether_recv(tp->ep).err;
}
static long task_send_mem_grant(void *p)
{
    struct tparam *tp = p;
    uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(tp->va, 0, ITEM_GRANT, RW) };
    return tp->err = tether_send(tp->ep, MSG_INFO(0x66, 1), w).err;
}
static long task_touch(void *p)
{
    struct tparam *tp = p;
    tp->value = *(volatile uint64_t *)tp->va;  /* faults; the pager answers */
    return 1;
}

/* ---- 1. a queued receiver whose CSpace was destroyed ---------------- */

static void dead_receiver_cspace(uint32_t base, int reuse)
{
    static struct uthread t;
    start();
    uint32_t ep = new_ep(), x = new_ep();
    uint32_t pcs = own_cspace(ep), ncs = 0;
    own_thread(&t, pcs, own_recv, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_SET_IPC(t.cap, CAP_NONE, base, 2, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(destroy(pcs), E_OK);
    if (reuse)
        ncs = new_obj(BANK, OBJ_CSPACE);  /* takes the object-table entry over */
    uint64_t u0, n0, u1, n1;
    bank_usage(BANK, &u0, &n0);
    uint64_t w[6] = { 1, 2, 3, 4, 0, ITEM(x, ITEM_COPY, R_ALL) };
    CHECK_EQ(tether_nb_send(ep, MSG_INFO(7, 1), w).err, E_WOULDBLOCK);  /* no live receiver */
    CHECK(stopped_aspace(t.cap));
    CHECK_EQ(res[0], -1);
    bank_usage(BANK, &u1, &n1);
    CHECK_EQ(u1, u0);
    CHECK_EQ(n1, n0);
    if (reuse) {
        CHECK_EQ(cs_status(ncs, base), SLOT_EMPTY);
        CHECK_EQ(cs_status(ncs, base + 1), SLOT_EMPTY);
    }
    CHECK_EQ(cs_status(CS, x), SLOT_LIVE);
    /* It left the queue: a receiver now waits, not a dead one. */
    CHECK_EQ(tether_nb_send(ep, MSG_INFO(7, 0), 0).err, E_WOULDBLOCK);
    CHECK_EQ(destroy(t.cap), E_OK);
    if (reuse)
        CHECK_EQ(destroy(ncs), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(x), E_OK);
    banks_still_work();
}

TEST(i6_dead_receiver_cspace_cap_item)
{
    dead_receiver_cspace(40, 0);
}
TEST(i6_dead_receiver_cspace_cap_item_window_bases)
{
    static const uint32_t bases[] = { 0, 1000, 5000, 70000, CAP_ADDR_LIMIT - 2 };
    for (unsigned i = 0; i < sizeof bases / sizeof bases[0]; i++)
        dead_receiver_cspace(bases[i], 0);
}
TEST(i6_dead_receiver_cspace_reused_gets_nothing)
{
    static const uint32_t bases[] = { 0, 40, 1000, 5000, 70000 };
    for (unsigned i = 0; i < sizeof bases / sizeof bases[0]; i++)
        dead_receiver_cspace(bases[i], 1);
}

/* The dead receiver is skipped: the next queued one gets the message. */
TEST(i6_dead_receiver_skipped_next_receiver_gets_item)
{
    static struct uthread t, live;
    start();
    uint32_t ep = new_ep(), x = new_ep(), win = fresh_slot();
    uint32_t pcs = own_cspace(ep);
    own_thread(&t, pcs, own_recv, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_SET_IPC(t.cap, CAP_NONE, 5000, 1, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    h_ep = ep;
    root_thread(&live, h_recv, 1, PRIO + 1);
    CHECK_EQ(tether_THREAD_SET_IPC(live.cap, CAP_NONE, win, 1, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_THREAD_START(live.cap), E_OK);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(tstate(live.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(destroy(pcs), E_OK);
    uint32_t ncs = new_obj(BANK, OBJ_CSPACE);
    uint64_t w[6] = { 9, 0, 0, 0, 0, ITEM(x, ITEM_COPY, R_ALL) };
    CHECK_EQ(tether_nb_send(ep, MSG_INFO(8, 1), w).err, E_OK);
    CHECK(stopped_aspace(t.cap));
    CHECK(live.done);
    CHECK_EQ(res[1], E_OK);
    CHECK_EQ(tmsg_label(seen[1]), 8);
    CHECK_EQ(seen[1].w[0], 9);
    CHECK_EQ(tether_CS_INFO(CS, win, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[1], OBJ_ENDPOINT);
    CHECK_EQ(cs_status(ncs, 5000), SLOT_EMPTY);
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(destroy(live.cap), E_OK);
    CHECK_EQ(destroy(ncs), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(x), E_OK);
    banks_still_work();
}

/* ---- 2. a queued receiver whose AddrSpace was destroyed ------------- */

static void dead_receiver_aspace(unsigned op, int reuse)
{
    struct task x;
    struct task_thread th;
    const uint64_t win = 0x48000000UL;
    start();
    CHECK_EQ(task_create(&x, BANK, 1 << 20, fresh_slots(3)), E_OK);
    uint32_t ep = new_ep(), f, nas = 0;
    uint64_t src = root_page(0xabcdef, &f);
    struct tparam tp = { ep, 0, -1, 0 };
    CHECK_EQ(task_thread_create(&x, &th, fresh_slot(), task_recv, &tp, sizeof tp, PRIO + 2), E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(th.cap, CAP_NONE, 0, 0, win, 0), E_OK);
    CHECK_EQ(tether_THREAD_START(th.cap), E_OK);
    CHECK_EQ(tstate(th.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(tether_BANK_DESTROY(x.bank, CS, x.as), E_OK);
    if (reuse)
        nas = new_obj(x.bank, OBJ_ASPACE);
    uint64_t u0, n0, u1, n1, xu0, xn0, xu1, xn1;
    bank_usage(BANK, &u0, &n0);
    bank_usage(x.bank, &xu0, &xn0);
    uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(src, 0, op, RW) };
    CHECK_EQ(tether_nb_send(ep, MSG_INFO(2, 1), w).err, E_WOULDBLOCK);
    CHECK(stopped_aspace(th.cap));
    bank_usage(BANK, &u1, &n1);
    bank_usage(x.bank, &xu1, &xn1);
    CHECK_EQ(u1, u0);
    CHECK_EQ(n1, n0);
    CHECK_EQ(xu1, xu0);
    CHECK_EQ(xn1, xn0);
    if (reuse) {
        uint64_t pte = ~0UL;
        CHECK_EQ(as_status(nas, win, &pte), SLOT_EMPTY);
        CHECK_EQ(pte, 0);
    }
    uint64_t pte = 0;
    CHECK_EQ(as_status(RAS, src, &pte), SLOT_LIVE);  /* nothing taken out */
    CHECK_EQ(pte, 1);
    CHECK_EQ(word(src), 0xabcdef);
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(destroy(f), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    banks_still_work();
}

TEST(i6_dead_receiver_aspace_mem_item)
{
    dead_receiver_aspace(ITEM_MAP, 0);
    dead_receiver_aspace(ITEM_GRANT, 0);
}
TEST(i6_dead_receiver_aspace_reused_gets_no_page)
{
    dead_receiver_aspace(ITEM_MAP, 1);
    dead_receiver_aspace(ITEM_COPY, 1);
    dead_receiver_aspace(ITEM_GRANT, 1);
}

/* ---- 3. a queued sender whose CSpace was destroyed ------------------ */

static void dead_sender_cspace(int blocked_server)
{
    static struct uthread t, srv;
    start();
    uint32_t ep = new_ep(), x = new_ep(), y = new_ep(), win = fresh_slot();
    uint32_t pcs = own_cspace(ep);
    CHECK_EQ(tether_CS_COPY(pcs, O_X, CS, x, R_ALL), E_OK);
    own_thread(&t, pcs, own_send_grant, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_SEND);
    CHECK_EQ(destroy(pcs), E_OK);
    /* At once a new CSpace, with a cap at the item's source index. */
    uint32_t ncs = new_obj(BANK, OBJ_CSPACE);
    CHECK_EQ(tether_CS_MINT(ncs, O_X, CS, y, R_ALL, 0x77, MINT_COPY), E_OK);
    uint64_t u0, n0, u1, n1;
    if (blocked_server) {
        h_ep = ep;
        root_thread(&srv, h_recv, 1, PRIO + 1);
        CHECK_EQ(tether_THREAD_SET_IPC(srv.cap, CAP_NONE, win, 1, 0, MWIN_OFF), E_OK);
    }
    bank_usage(BANK, &u0, &n0);
    if (blocked_server) {
        CHECK_EQ(tether_THREAD_START(srv.cap), E_OK);
        CHECK_EQ(tstate(srv.cap), THREAD_BLOCKED_RECV);  /* keeps waiting */
        CHECK(!srv.done);
    } else {
        CHECK_EQ(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, win, 1, 0, MWIN_OFF), E_OK);
        CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);
        CHECK_EQ(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, 0, 0, 0, MWIN_OFF), E_OK);
    }
    CHECK(stopped_aspace(t.cap));
    CHECK_EQ(res[0], -1);
    bank_usage(BANK, &u1, &n1);
    CHECK_EQ(u1, u0);
    CHECK_EQ(n1, n0);
    CHECK_EQ(tether_CS_INFO(ncs, O_X, r), E_OK);   /* the new CSpace's cap stays */
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[1], OBJ_ENDPOINT);
    CHECK_EQ(r[3], 0x77);
    CHECK_EQ(cs_status(CS, win), SLOT_EMPTY);      /* nothing arrived */
    CHECK_EQ(cs_status(CS, x), SLOT_LIVE);
    CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);  /* it left the queue */
    if (blocked_server)
        CHECK_EQ(destroy(srv.cap), E_OK);
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(destroy(ncs), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(x), E_OK);
    CHECK_EQ(destroy(y), E_OK);
    banks_still_work();
}

TEST(i6_dead_sender_cspace_grant_cap_item_nb_recv)
{
    dead_sender_cspace(0);
}
TEST(i6_dead_sender_cspace_grant_cap_item_server_waits)
{
    dead_sender_cspace(1);
}

/* ---- 4. a queued sender whose AddrSpace was destroyed --------------- */

static void dead_sender_aspace(int blocked_server)
{
    static struct uthread srv;
    struct task x;
    struct task_thread th;
    const uint64_t xv = 0x46000000UL;
    start();
    CHECK_EQ(task_create(&x, BANK, 1 << 20, fresh_slots(3)), E_OK);
    uint32_t ep = new_ep();
    CHECK_EQ(frame_new_at(x.bank, x.scratch, x.as, xv, RW), E_OK);
    struct tparam tp = { ep, xv, -1, 0 };
    CHECK_EQ(task_spawn(&x, &th, fresh_slot(), task_send_mem_grant, &tp, sizeof tp, PRIO + 2),
             E_OK);
    CHECK_EQ(tstate(th.cap), THREAD_BLOCKED_SEND);
    CHECK_EQ(tether_BANK_DESTROY(x.bank, CS, x.as), E_OK);
    /* At once a new AddrSpace with a page at the item's source address. */
    uint32_t nas = new_obj(x.bank, OBJ_ASPACE), g;
    uint64_t gv = root_page(0x9a9e, &g);
    CHECK_EQ(tether_AS_MAP_FRAME(nas, g, xv, RW, ITEM_MAP), E_OK);
    uint64_t win = stage_alloc(1);
    if (blocked_server) {
        h_ep = ep;
        root_thread(&srv, h_recv, 1, PRIO + 1);
        CHECK_EQ(tether_THREAD_SET_IPC(srv.cap, CAP_NONE, 0, 0, win, 0), E_OK);
        CHECK_EQ(tether_THREAD_START(srv.cap), E_OK);
        CHECK_EQ(tstate(srv.cap), THREAD_BLOCKED_RECV);
        CHECK(!srv.done);
    } else {
        CHECK_EQ(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, 0, 0, win, 0), E_OK);
        CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);
        CHECK_EQ(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, 0, 0, 0, MWIN_OFF), E_OK);
    }
    CHECK(stopped_aspace(th.cap));
    uint64_t pte = 0;
    CHECK_EQ(as_status(nas, xv, &pte), SLOT_LIVE);  /* the new AddrSpace keeps its page */
    CHECK_EQ(pte, 1);
    CHECK_EQ(as_status(RAS, win, &pte), SLOT_EMPTY);
    CHECK_EQ(pte, 0);
    CHECK_EQ(word(gv), 0x9a9e);
    CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);
    if (blocked_server)
        CHECK_EQ(destroy(srv.cap), E_OK);
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(destroy(g), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    banks_still_work();
}

TEST(i6_dead_sender_aspace_grant_mem_item_nb_recv)
{
    dead_sender_aspace(0);
}
TEST(i6_dead_sender_aspace_grant_mem_item_server_waits)
{
    dead_sender_aspace(1);
}

/* ---- 5. a caller whose CSpace was destroyed before the reply -------- */

static void dead_caller_cspace(unsigned op, int reuse)
{
    static struct uthread t;
    const uint32_t base = 300;
    start();
    uint32_t ep = new_ep(), x = new_ep(), ncs = 0;
    uint32_t pcs = own_cspace(ep);
    own_thread(&t, pcs, own_call, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_SET_IPC(t.cap, CAP_NONE, base, 1, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_SEND);
    struct tether_msg m = tether_nb_recv(ep);  /* the root serves the call */
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(tmsg_label(m), 0x55);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_REPLY);
    CHECK_EQ(destroy(pcs), E_OK);
    if (reuse)
        ncs = new_obj(BANK, OBJ_CSPACE);
    uint64_t u0, n0, u1, n1;
    bank_usage(BANK, &u0, &n0);
    uint64_t w[6] = { 0, 0, 0, 0, 0, ITEM(x, op, R_ALL) };
    CHECK_EQ(tether_reply(MSG_INFO(0x56, 1), w).err, E_REVOKED);
    CHECK(stopped_aspace(t.cap));
    CHECK_EQ(res[0], -1);
    CHECK_EQ(tether_reply(MSG_INFO(0x56, 0), 0).err, E_EMPTY);  /* the right is used up */
    bank_usage(BANK, &u1, &n1);
    CHECK_EQ(u1, u0);
    CHECK_EQ(n1, n0);
    if (reuse)
        CHECK_EQ(cs_status(ncs, base), SLOT_EMPTY);
    CHECK_EQ(cs_status(CS, x), SLOT_LIVE);
    CHECK_EQ(destroy(t.cap), E_OK);
    if (reuse)
        CHECK_EQ(destroy(ncs), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(x), E_OK);
    banks_still_work();
}

TEST(i6_dead_caller_cspace_reply_cap_item_revoked)
{
    dead_caller_cspace(ITEM_COPY, 0);
    dead_caller_cspace(ITEM_GRANT, 0);
}
TEST(i6_dead_caller_cspace_reused_gets_nothing)
{
    dead_caller_cspace(ITEM_COPY, 1);
    dead_caller_cspace(ITEM_MAP, 1);
    dead_caller_cspace(ITEM_GRANT, 1);
}

/* ---- 6. a faulting thread whose AddrSpace was destroyed ------------- */

static void dead_faulter_aspace(unsigned op, int reuse)
{
    struct task x;
    struct task_thread th;
    const uint64_t fv = 0x47000000UL;
    start();
    CHECK_EQ(task_create(&x, BANK, 1 << 20, fresh_slots(3)), E_OK);
    uint32_t ep = new_ep(), f, nas = 0;
    uint64_t src = root_page(0x9a9e5, &f);
    struct tparam tp = { 0, fv + 16, -1, 0 };
    CHECK_EQ(task_thread_create(&x, &th, fresh_slot(), task_touch, &tp, sizeof tp, PRIO + 2), E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(th.cap, ep, 0, 0, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_THREAD_START(th.cap), E_OK);
    CHECK_EQ(tstate(th.cap), THREAD_BLOCKED_SEND);  /* its fault waits for a pager */
    struct tether_msg m = tether_nb_recv(ep);       /* the root is the pager */
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(tmsg_label(m), FAULT_READ);
    CHECK_EQ(m.w[0], fv + 16);
    CHECK_EQ(tstate(th.cap), THREAD_BLOCKED_REPLY);
    CHECK_EQ(tether_BANK_DESTROY(x.bank, CS, x.as), E_OK);
    if (reuse)
        nas = new_obj(x.bank, OBJ_ASPACE);
    uint64_t xu0, xn0, xu1, xn1;
    bank_usage(x.bank, &xu0, &xn0);
    uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(src, 0, op, RW) };
    CHECK_EQ(tether_reply(MSG_INFO(FAULT_REPLY_RETRY, 1), w).err, E_REVOKED);
    CHECK(stopped_aspace(th.cap));
    CHECK_EQ(tether_reply(MSG_INFO(FAULT_REPLY_RETRY, 0), 0).err, E_EMPTY);
    bank_usage(x.bank, &xu1, &xn1);
    CHECK_EQ(xu1, xu0);
    CHECK_EQ(xn1, xn0);
    if (reuse) {
        uint64_t pte = ~0UL;
        CHECK_EQ(as_status(nas, fv, &pte), SLOT_EMPTY);
        CHECK_EQ(pte, 0);
    }
    uint64_t pte = 0;
    CHECK_EQ(as_status(RAS, src, &pte), SLOT_LIVE);
    CHECK_EQ(pte, 1);
    CHECK_EQ(word(src), 0x9a9e5);
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(destroy(f), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    banks_still_work();
}

TEST(i6_dead_faulter_aspace_pager_reply_revoked)
{
    dead_faulter_aspace(ITEM_MAP, 0);
    dead_faulter_aspace(ITEM_GRANT, 0);
}
TEST(i6_dead_faulter_aspace_reused_gets_no_page)
{
    dead_faulter_aspace(ITEM_MAP, 1);
    dead_faulter_aspace(ITEM_COPY, 1);
    dead_faulter_aspace(ITEM_GRANT, 1);
}

/* ---- 7. memory items overlapping their own window ------------------- */

/* Pages of the root AddrSpace: win (2 pages, 2-page aligned, empty),
 * below = win - 1 page and a = win + 2 pages, each holding a marker. */
struct ovl { uint64_t win, below, a; uint32_t fb, fa; };
static void ovl_setup(struct ovl *o)
{
    uint64_t base = stage_alloc(8);
    o->win = (base + 2 * PG + 2 * PG - 1) & ~(2 * PG - 1);
    o->below = o->win - PG;
    o->a = o->win + 2 * PG;
    o->fb = new_obj(BANK, OBJ_FRAME);
    o->fa = new_obj(BANK, OBJ_FRAME);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, o->fb, o->below, RW, ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, o->fa, o->a, RW, ITEM_MAP), E_OK);
    *(volatile uint64_t *)o->below = 0xb0b0;
    *(volatile uint64_t *)o->a = 0xa0a0;
}
/* Nothing changed: window empty, sources live with their markers. */
static void ovl_unchanged(const struct ovl *o)
{
    uint64_t pte = ~0UL;
    CHECK_EQ(as_status(RAS, o->win, &pte), SLOT_EMPTY);
    CHECK_EQ(pte, 0);
    CHECK_EQ(as_status(RAS, o->win + PG, &pte), SLOT_EMPTY);
    CHECK_EQ(pte, 0);
    CHECK_EQ(as_status(RAS, o->below, &pte), SLOT_LIVE);
    CHECK_EQ(pte, 1);
    CHECK_EQ(as_status(RAS, o->a, &pte), SLOT_LIVE);
    CHECK_EQ(pte, 1);
    CHECK_EQ(word(o->below), 0xb0b0);
    CHECK_EQ(word(o->a), 0xa0a0);
}

TEST(c9_mem_item_source_filled_by_earlier_item_inval)
{
    static struct uthread rcv;
    struct ovl o;
    start();
    ovl_setup(&o);
    h_ep = new_ep();
    root_thread(&rcv, h_recv, 0, PRIO + 1);  /* the root AddrSpace too */
    CHECK_EQ(tether_THREAD_SET_IPC(rcv.cap, CAP_NONE, 0, 0, o.win, 1), E_OK);
    CHECK_EQ(tether_THREAD_START(rcv.cap), E_OK);
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);
    /* Item 0 fills win; item 1's source is win. */
    uint64_t w[6] = { 0, 0, 0, 0, MEM_ITEM(o.a, 0, ITEM_MAP, RW), MEM_ITEM(o.win, 0, ITEM_MAP, RW) };
    CHECK_EQ(tether_send(h_ep, MSG_INFO(1, 2), w).err, E_INVAL);
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);
    ovl_unchanged(&o);
    /* The same with GRANT, and item 1's source the page item 0 GRANTs. */
    uint64_t w2[6] = { 0, 0, 0, 0, MEM_ITEM(o.a, 0, ITEM_GRANT, RW),
                       MEM_ITEM(o.win, 0, ITEM_GRANT, RW) };
    CHECK_EQ(tether_send(h_ep, MSG_INFO(1, 2), w2).err, E_INVAL);
    ovl_unchanged(&o);
    /* A flexpage of 2 pages starting one page below the window. */
    uint64_t w3[6] = { 0, 0, 0, 0, 0, MEM_ITEM(o.below, 1, ITEM_MAP, RW) };
    CHECK_EQ(tether_send(h_ep, MSG_INFO(1, 1), w3).err, E_INVAL);
    uint64_t w4[6] = { 0, 0, 0, 0, 0, MEM_ITEM(o.below, 1, ITEM_GRANT, RW) };
    CHECK_EQ(tether_send(h_ep, MSG_INFO(1, 1), w4).err, E_INVAL);
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);
    ovl_unchanged(&o);
    /* A window page holding a live page: E_FULL. */
    uint32_t fc = new_obj(BANK, OBJ_FRAME);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, fc, o.win, RW, ITEM_MAP), E_OK);
    *(volatile uint64_t *)o.win = 0xc0c0;
    uint64_t w5[6] = { 0, 0, 0, 0, 0, MEM_ITEM(o.a, 0, ITEM_MAP, RW) };
    CHECK_EQ(tether_send(h_ep, MSG_INFO(1, 1), w5).err, E_FULL);
    uint64_t w6[6] = { 0, 0, 0, 0, 0, MEM_ITEM(o.a, 1, ITEM_GRANT, RW) };  /* a, a+1 (empty) */
    CHECK_EQ(tether_send(h_ep, MSG_INFO(1, 1), w6).err, E_FULL);
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(word(o.win), 0xc0c0);
    CHECK_EQ(as_status(RAS, o.a, 0), SLOT_LIVE);
    CHECK_EQ(word(o.a), 0xa0a0);
    CHECK_EQ(as_status(RAS, o.win + PG, 0), SLOT_EMPTY);
    /* Window free again: a good message goes through. */
    CHECK_EQ(destroy(fc), E_OK);
    CHECK_EQ(tether_send(h_ep, MSG_INFO(1, 1), w5).err, E_OK);
    CHECK(rcv.done);
    CHECK_EQ(res[0], E_OK);
    CHECK_EQ(word(o.win), 0xa0a0);
    CHECK_EQ(destroy(rcv.cap), E_OK);
    CHECK_EQ(destroy(o.fa), E_OK);
    CHECK_EQ(destroy(o.fb), E_OK);
    CHECK_EQ(destroy(h_ep), E_OK);
    CHECK_EQ(as_status(RAS, o.win, 0), SLOT_EMPTY);
}

static long touch_root(void *va)
{
    return (long)*(volatile uint64_t *)va;
}

TEST(c9_pager_reply_covering_the_fault_page_inval)
{
    static struct uthread t;
    struct ovl o;
    start();
    ovl_setup(&o);
    uint32_t ep = new_ep();
    root_thread(&t, touch_root, (long)(o.win + 8), PRIO + 1);  /* root AddrSpace */
    CHECK_EQ(tether_THREAD_SET_IPC(t.cap, ep, 0, 0, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    struct tether_msg m = tether_nb_recv(ep);
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(tmsg_label(m), FAULT_READ);
    CHECK_EQ(m.w[0], o.win + 8);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_REPLY);
    /* Source [win - 1, win + 1) covers the faulting page, destination
     * [win, win + 2): E_INVAL, the right is kept. */
    uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(o.below, 1, ITEM_MAP, RW) };
    CHECK_EQ(tether_reply(MSG_INFO(FAULT_REPLY_RETRY, 1), w).err, E_INVAL);
    uint64_t wg[6] = { 0, 0, 0, 0, 0, MEM_ITEM(o.below, 1, ITEM_GRANT, RW) };
    CHECK_EQ(tether_reply(MSG_INFO(FAULT_REPLY_RETRY, 1), wg).err, E_INVAL);
    /* Source = the faulting page itself. */
    uint64_t ws[6] = { 0, 0, 0, 0, 0, MEM_ITEM(o.win, 0, ITEM_MAP, RW) };
    CHECK_EQ(tether_reply(MSG_INFO(FAULT_REPLY_RETRY, 1), ws).err, E_INVAL);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_REPLY);
    CHECK(!t.done);
    ovl_unchanged(&o);
    /* A live page at the faulting address: E_FULL. */
    uint32_t fc = new_obj(BANK, OBJ_FRAME);
    CHECK_EQ(tether_AS_MAP_FRAME(RAS, fc, o.win, RW, ITEM_MAP), E_OK);
    *(volatile uint64_t *)(o.win + 8) = 0xc0c0;
    uint64_t wa[6] = { 0, 0, 0, 0, 0, MEM_ITEM(o.a, 0, ITEM_MAP, RW) };
    CHECK_EQ(tether_reply(MSG_INFO(FAULT_REPLY_RETRY, 1), wa).err, E_FULL);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_REPLY);
    CHECK_EQ(word(o.win + 8), 0xc0c0);
    CHECK_EQ(word(o.a), 0xa0a0);
    CHECK_EQ(destroy(fc), E_OK);
    /* A good reply: the thread resumes and reads the page. */
    *(volatile uint64_t *)(o.a + 8) = 0xa8a8;
    CHECK_EQ(tether_reply(MSG_INFO(FAULT_REPLY_RETRY, 1), wa).err, E_OK);
    CHECK(t.done);
    CHECK_EQ(t.result, 0xa8a8);
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(destroy(o.fa), E_OK);
    CHECK_EQ(destroy(o.fb), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
}

/* ---- 8. queued calls and revocation --------------------------------- */

static void queued_call_unmapped(int blocked_server)
{
    static struct uthread c, srv;
    start();
    uint32_t ep = new_ep(), mp = fresh_slot(), w = fresh_slot();
    CHECK_EQ(tether_CS_MAP(CS, mp, CS, ep, R_ALL), E_OK);
    CHECK_EQ(tether_BANK_WRAP(BANK, CS, w, CS, mp, 0x5a, R_ALL), E_OK);
    h_call_cap = w;
    root_thread(&c, h_call, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_START(c.cap), E_OK);
    CHECK_EQ(tstate(c.cap), THREAD_BLOCKED_SEND);
    CHECK_EQ(tether_CS_UNMAP(CS, ep, 0), E_OK);  /* mp goes, and with it the wrapper's target */
    CHECK_EQ(cs_status(CS, mp), SLOT_EMPTY);
    if (blocked_server) {
        h_ep = ep;
        root_thread(&srv, h_recv, 1, PRIO + 2);
        CHECK_EQ(tether_THREAD_START(srv.cap), E_OK);
        CHECK_EQ(tstate(srv.cap), THREAD_BLOCKED_RECV);
        CHECK(!srv.done);
    } else {
        CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);
    }
    CHECK(c.done);
    CHECK_EQ(res[0], E_REVOKED);
    CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);
    if (blocked_server)
        CHECK_EQ(destroy(srv.cap), E_OK);
    CHECK_EQ(destroy(c.cap), E_OK);
    CHECK_EQ(destroy(w), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
}

TEST(c8_queued_call_via_wrapper_of_unmapped_cap_revoked)
{
    queued_call_unmapped(0);
    queued_call_unmapped(1);
}

static void queued_call_chain(int blocked_server)
{
    static struct uthread c, srv;
    start();
    uint32_t ep = new_ep(), w1 = fresh_slot(), w2 = fresh_slot(), win = fresh_slot();
    h_item = new_ep();
    CHECK_EQ(tether_BANK_WRAP(BANK, CS, w2, CS, ep, 0x22, R_ALL), E_OK);
    CHECK_EQ(tether_BANK_WRAP(BANK, CS, w1, CS, w2, 0, R_ALL), E_OK);
    h_call_cap = w1;
    root_thread(&c, h_call_item, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_START(c.cap), E_OK);
    CHECK_EQ(tstate(c.cap), THREAD_BLOCKED_SEND);
    CHECK_EQ(destroy(w2), E_OK);
    if (blocked_server) {
        h_ep = ep;
        root_thread(&srv, h_recv, 1, PRIO + 2);
        CHECK_EQ(tether_THREAD_SET_IPC(srv.cap, CAP_NONE, win, 1, 0, MWIN_OFF), E_OK);
        CHECK_EQ(tether_THREAD_START(srv.cap), E_OK);
        CHECK_EQ(tstate(srv.cap), THREAD_BLOCKED_RECV);
        CHECK(!srv.done);
    } else {
        CHECK_EQ(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, win, 1, 0, MWIN_OFF), E_OK);
        CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);
        CHECK_EQ(tether_THREAD_SET_IPC(ROOT_CAP_THREAD, CAP_NONE, 0, 0, 0, MWIN_OFF), E_OK);
    }
    CHECK(c.done);
    CHECK_EQ(res[0], E_REVOKED);
    CHECK_EQ(cs_status(CS, win), SLOT_EMPTY);      /* its cap item was not delivered */
    CHECK_EQ(cs_status(CS, h_item), SLOT_LIVE);    /* nor taken from the caller */
    CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);
    if (blocked_server)
        CHECK_EQ(destroy(srv.cap), E_OK);
    CHECK_EQ(destroy(c.cap), E_OK);
    CHECK_EQ(destroy(w1), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(h_item), E_OK);
}

TEST(c8_queued_call_via_chain_inner_wrapper_destroyed_revoked)
{
    queued_call_chain(0);
    queued_call_chain(1);
}

/* ---- 9. void caps in a window slot ---------------------------------- */

TEST(i3_void_window_slot_with_descendants_full_void_leaf_replaced)
{
    static struct uthread rcv;
    start();
    h_ep = new_ep();
    uint32_t x = new_ep(), win = fresh_slot(), child = fresh_slot(), leaf = fresh_slot();
    uint32_t o2 = fresh_slot();
    /* win: a void cap with a (void) descendant. */
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, win, 0), E_OK);
    CHECK_EQ(tether_CS_MAP(CS, child, CS, win, R_ALL), E_OK);
    CHECK_EQ(destroy(child), E_OK);
    CHECK_EQ(cs_status(CS, win), SLOT_VOID);
    CHECK_EQ(cs_status(CS, child), SLOT_VOID);
    /* leaf: a void cap without descendants. */
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, o2, 0), E_OK);
    CHECK_EQ(tether_CS_COPY(CS, leaf, CS, o2, R_ALL), E_OK);
    CHECK_EQ(destroy(o2), E_OK);
    CHECK_EQ(cs_status(CS, leaf), SLOT_VOID);
    root_thread(&rcv, h_recv, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_SET_IPC(rcv.cap, CAP_NONE, win, 1, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_THREAD_START(rcv.cap), E_OK);
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);
    uint64_t u0, n0, u1, n1;
    bank_usage(BANK, &u0, &n0);
    static const unsigned ops[] = { ITEM_COPY, ITEM_MAP, ITEM_GRANT };
    for (unsigned i = 0; i < 3; i++) {
        uint64_t w[6] = { 0, 0, 0, 0, 0, ITEM(x, ops[i], R_ALL) };
        CHECK_EQ(tether_send(h_ep, MSG_INFO(9, 1), w).err, E_FULL);
    }
    CHECK_EQ(tstate(rcv.cap), THREAD_BLOCKED_RECV);
    CHECK(!rcv.done);
    CHECK_EQ(cs_status(CS, win), SLOT_VOID);
    CHECK_EQ(cs_status(CS, child), SLOT_VOID);
    CHECK_EQ(cs_status(CS, x), SLOT_LIVE);
    bank_usage(BANK, &u1, &n1);
    CHECK_EQ(u1, u0);
    CHECK_EQ(n1, n0);
    /* The void leaf is replaced. */
    CHECK_EQ(tether_THREAD_SET_IPC(rcv.cap, CAP_NONE, leaf, 1, 0, MWIN_OFF), E_OK);
    uint64_t w[6] = { 0, 0, 0, 0, 0, ITEM(x, ITEM_MAP, R_READ | R_WRITE) };
    CHECK_EQ(tether_send(h_ep, MSG_INFO(9, 1), w).err, E_OK);
    CHECK(rcv.done);
    CHECK_EQ(res[0], E_OK);
    CHECK_EQ(tmsg_items(seen[0]), 1);
    CHECK_EQ(tether_CS_INFO(CS, leaf, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[1], OBJ_ENDPOINT);
    CHECK_EQ(r[2], R_READ | R_WRITE);
    CHECK_EQ(cs_status(CS, win), SLOT_VOID);
    /* The same through the CSpace operations: one rule. */
    CHECK_EQ(tether_CS_COPY(CS, win, CS, x, R_ALL), E_FULL);
    CHECK_EQ(tether_CS_MAP(CS, win, CS, x, R_ALL), E_FULL);
    CHECK_EQ(tether_CS_MINT(CS, win, CS, x, R_ALL, 0x99, MINT_COPY), E_FULL);
    CHECK_EQ(cs_status(CS, win), SLOT_VOID);
    CHECK_EQ(cs_status(CS, child), SLOT_VOID);
    CHECK_EQ(tether_CS_DELETE(CS, win), E_OK);
    CHECK_EQ(cs_status(CS, child), SLOT_EMPTY);
    CHECK_EQ(tether_CS_COPY(CS, win, CS, x, R_ALL), E_OK);
    CHECK_EQ(destroy(rcv.cap), E_OK);
    CHECK_EQ(destroy(x), E_OK);
    CHECK_EQ(destroy(h_ep), E_OK);
}

/* ---- the thread's cap to its space revoked (the space lives on) ------ */

TEST(i6_receiver_cspace_cap_unmapped_gets_nothing)
{
    static struct uthread t;
    const uint32_t base = 2000;
    start();
    uint32_t ep = new_ep(), x = new_ep(), child = fresh_slot();
    uint32_t pcs = own_cspace(ep);
    CHECK_EQ(tether_CS_MAP(CS, child, CS, pcs, R_ALL), E_OK);
    own_thread(&t, child, own_recv, 0, PRIO + 1);  /* configured with the child cap */
    CHECK_EQ(tether_THREAD_SET_IPC(t.cap, CAP_NONE, base, 1, 0, MWIN_OFF), E_OK);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(tether_CS_UNMAP(CS, pcs, 0), E_OK);  /* the thread's copy goes with the child */
    CHECK_EQ(cs_status(CS, child), SLOT_EMPTY);
    uint64_t u0, n0, u1, n1;
    bank_usage(BANK, &u0, &n0);
    uint64_t w[6] = { 0, 0, 0, 0, 0, ITEM(x, ITEM_GRANT, R_ALL) };
    CHECK_EQ(tether_nb_send(ep, MSG_INFO(7, 1), w).err, E_WOULDBLOCK);
    CHECK(stopped_aspace(t.cap));
    bank_usage(BANK, &u1, &n1);
    CHECK_EQ(u1, u0);
    CHECK_EQ(n1, n0);
    CHECK_EQ(cs_status(pcs, base), SLOT_EMPTY);  /* the CSpace lives: nothing in it */
    CHECK_EQ(cs_status(CS, x), SLOT_LIVE);
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(destroy(pcs), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
    CHECK_EQ(destroy(x), E_OK);
}

TEST(i6_receiver_aspace_cap_unmapped_gets_no_page)
{
    struct task x, xc;
    struct task_thread th;
    const uint64_t win = 0x49000000UL;
    start();
    CHECK_EQ(task_create(&x, BANK, 1 << 20, fresh_slots(3)), E_OK);
    xc = x;
    xc.as = fresh_slot();
    CHECK_EQ(tether_CS_MAP(CS, xc.as, CS, x.as, R_ALL), E_OK);
    uint32_t ep = new_ep(), f;
    uint64_t src = root_page(0x51de, &f);
    struct tparam tp = { ep, 0, -1, 0 };
    CHECK_EQ(task_thread_create(&xc, &th, fresh_slot(), task_recv, &tp, sizeof tp, PRIO + 2), E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(th.cap, CAP_NONE, 0, 0, win, 0), E_OK);
    CHECK_EQ(tether_THREAD_START(th.cap), E_OK);
    CHECK_EQ(tstate(th.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(tether_CS_UNMAP(CS, x.as, 0), E_OK);
    CHECK_EQ(cs_status(CS, xc.as), SLOT_EMPTY);
    uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(src, 0, ITEM_GRANT, RW) };
    CHECK_EQ(tether_nb_send(ep, MSG_INFO(2, 1), w).err, E_WOULDBLOCK);
    CHECK(stopped_aspace(th.cap));
    uint64_t pte = ~0UL;
    CHECK_EQ(as_status(x.as, win, &pte), SLOT_EMPTY);  /* the AddrSpace lives: no page */
    CHECK_EQ(pte, 0);
    CHECK_EQ(as_status(RAS, src, &pte), SLOT_LIVE);
    CHECK_EQ(word(src), 0x51de);
    CHECK_EQ(task_destroy(&x, BANK), E_OK);
    CHECK_EQ(destroy(f), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
}

/* A call (fast-path candidate: receiver at the caller's priority) skips a
 * dead queued receiver and is answered by the live one behind it. */
static long echo_once(void *arg)
{
    long ep = (long)arg;
    struct tether_msg m = tether_recv((uint32_t)ep);
    uint64_t w[6] = { m.w[0] + 1, 0, 0, 0, 0, 0 };
    return tether_reply(MSG_INFO(tmsg_label(m) + 1, 0), w).err;
}

TEST(i6_call_skips_dead_receiver)
{
    static struct uthread t, srv;
    start();
    uint32_t ep = new_ep();
    uint32_t pcs = own_cspace(ep);
    own_thread(&t, pcs, own_recv, 0, PRIO + 1);
    CHECK_EQ(tether_THREAD_START(t.cap), E_OK);
    root_thread(&srv, echo_once, ep, PRIO);
    CHECK_EQ(tether_THREAD_START(srv.cap), E_OK);
    tether_yield();  /* the server (same priority) runs and waits */
    CHECK_EQ(tstate(t.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(tstate(srv.cap), THREAD_BLOCKED_RECV);
    CHECK_EQ(destroy(pcs), E_OK);
    uint32_t ncs = new_obj(BANK, OBJ_CSPACE);
    uint64_t w[6] = { 41, 0, 0, 0, 0, 0 };
    struct tether_msg m = tether_call(ep, MSG_INFO(0x70, 0), w);
    CHECK_EQ(m.err, E_OK);
    CHECK_EQ(tmsg_label(m), 0x71);
    CHECK_EQ(m.w[0], 42);
    CHECK(stopped_aspace(t.cap));
    CHECK_EQ(res[0], -1);
    tether_yield();
    CHECK(srv.done);
    CHECK_EQ(srv.result, E_OK);
    CHECK_EQ(destroy(t.cap), E_OK);
    CHECK_EQ(destroy(srv.cap), E_OK);
    CHECK_EQ(destroy(ncs), E_OK);
    CHECK_EQ(destroy(ep), E_OK);
}

/* A fault message queued (no pager waiting yet) by a thread whose
 * AddrSpace is then destroyed: the pager doesn't get it. */
TEST(i6_dead_faulter_queued_fault_not_delivered)
{
    static struct uthread pg;
    struct task x;
    struct task_thread th;
    const uint64_t fv = 0x4a000000UL;
    for (int blocked = 0; blocked < 2; blocked++) {
        start();
        CHECK_EQ(task_create(&x, BANK, 1 << 20, fresh_slots(3)), E_OK);
        uint32_t ep = new_ep();
        struct tparam tp = { 0, fv, -1, 0 };
        CHECK_EQ(task_thread_create(&x, &th, fresh_slot(), task_touch, &tp, sizeof tp, PRIO + 2),
                 E_OK);
        CHECK_EQ(tether_THREAD_SET_IPC(th.cap, ep, 0, 0, 0, MWIN_OFF), E_OK);
        CHECK_EQ(tether_THREAD_START(th.cap), E_OK);
        CHECK_EQ(tstate(th.cap), THREAD_BLOCKED_SEND);
        CHECK_EQ(tether_BANK_DESTROY(x.bank, CS, x.as), E_OK);
        uint32_t nas = new_obj(x.bank, OBJ_ASPACE);
        if (blocked) {
            h_ep = ep;
            root_thread(&pg, h_recv, 0, PRIO + 1);
            CHECK_EQ(tether_THREAD_START(pg.cap), E_OK);
            CHECK_EQ(tstate(pg.cap), THREAD_BLOCKED_RECV);  /* keeps waiting */
            CHECK(!pg.done);
        } else {
            CHECK_EQ(tether_nb_recv(ep).err, E_WOULDBLOCK);
        }
        CHECK(stopped_aspace(th.cap));
        CHECK_EQ(as_status(nas, fv, 0), SLOT_EMPTY);
        if (blocked)
            CHECK_EQ(destroy(pg.cap), E_OK);
        CHECK_EQ(task_destroy(&x, BANK), E_OK);
        CHECK_EQ(destroy(ep), E_OK);
    }
}
