/* SPDX-License-Identifier: BSD-2-Clause */
/* persist.c: the persistent part of the tour (P1..P3), played last by
 * `make run` (user/init). A counter task and a small key-value server keep
 * their state only in memory; the root checkpoints the whole system
 * (SYSTEM_CHECKPOINT) and powers off. The next `make run` resumes that
 * checkpoint: this code goes on right after the checkpoint call (which
 * returns again, with resumed = 1), finds the server's keys and the counter
 * where they were, the derivation tree intact, and checkpoints again.
 *
 * Demo 6 of docs/copy-vs-map.md, the persistence answer, is part of it: a
 * MAP tree (caps to a notification, and a frame MAPped into two tasks, the
 * second mapping derived from the first) is built and checkpointed; after
 * the power goes and the system is resumed, the tree is there as it was
 * checkpointed, the tasks' page tables are refilled from their mapping
 * slots (P3), and an UNMAP revokes a subtree of it: the caps below are
 * empty, the tasks' mappings gone, their access faults. The tree is then
 * MAPped again for the next checkpoint. With the boot argument cut=1
 * (tools/qemu-debate-test.sh) the first boot does not power off after its
 * checkpoint: it UNMAPs the whole tree (a change the checkpoint does not
 * have) and waits; the test kills QEMU there, a power cut. */
#include "demos.h"

enum { KV_PUT = 1, KV_GET = 2, NKEYS = 16 };

struct kv_param { uint32_t ep; };
struct ctr_param { volatile uint64_t count; };

/* The key-value server: its table is in its own task's memory. */
static long kv_server(void *p)
{
    static uint64_t keys[NKEYS], vals[NKEYS];
    uint32_t ep = ((struct kv_param *)p)->ep;
    uint64_t w[MSG_WORDS] = {0};
    struct tether_msg m = tether_recv(ep);
    for (;;) {
        unsigned i = 0;
        while (i < NKEYS && keys[i] && keys[i] != m.w[0])
            i++;
        w[0] = 0;
        if (i < NKEYS && tmsg_label(m) == KV_PUT) {
            keys[i] = m.w[0], vals[i] = m.w[1], w[0] = 1;
        } else if (i < NKEYS && tmsg_label(m) == KV_GET && keys[i] == m.w[0]) {
            w[0] = vals[i];
        }
        m = tether_reply_recv(ep, MSG_INFO(0, 0), w);
    }
}

/* The counter: counts whenever it runs (a little CPU time of its own). */
static long counter(void *p)
{
    struct ctr_param *c = p;
    for (;;) {
        c->count++;
        tether_yield();
    }
}

static uint64_t kv(uint32_t ep, uint64_t op, uint64_t key, uint64_t val)
{
    uint64_t w[MSG_WORDS] = {key, val};
    struct tether_msg m = tether_call(ep, MSG_INFO(op, 0), w);
    EXPECT(m.err == E_OK, "kv call: %s", tether_error_name(m.err));
    return m.w[0];
}

/* Demo 6's tree (all caps in the root CSpace; T and U are tasks):
 *
 *   ntf   a notification, root
 *   +- a     MAP of ntf                 <- UNMAPped after the restart:
 *   |  +- a1    MAP of a                   a1, a11 and a2 go, a stays
 *   |  |  +- a11   MAP of a1
 *   |  +- a2    MINT (MAP) of a, badge 6
 *   +- b     MAP of ntf (read only)
 *   frame                               <- UNMAPped after the restart:
 *   +- T's mapping at VA6 (AS_MAP_FRAME)   both mappings go
 *      +- U's mapping at VA6 (AS_MAP of T's) */
#define VA6 0x60000000UL
#define WORD6 0x6006600660066006UL
struct tree6 {
    uint32_t ntf, a, a1, a11, a2, b, frame;
    struct task t, u;
};

/* What the root remembers (in its own memory, checkpointed with it). */
static struct {
    int built;
    uint32_t ep, client, grandchild, minted;
    struct task kvt, ct;
    struct task_thread kvth, cth;
    uint64_t runs;
    struct tree6 d6;
    int cut;  /* wait for a power cut after the next checkpoint */
} S;

static long poll6(uint32_t cap)
{
    uint64_t r[4];
    return tether_NTFN_POLL(cap, r);
}

/* The MAPs of demo 6's tree below a, and the frame's mappings (again after
 * each UNMAP). */
static void map6_below(struct tree6 *d)
{
    EXPECT(tether_CS_MAP(CS, d->a1, CS, d->a, R_ALL) == E_OK, "d6 map a1");
    EXPECT(tether_CS_MAP(CS, d->a11, CS, d->a1, R_READ) == E_OK, "d6 map a11");
    EXPECT(tether_CS_MINT(CS, d->a2, CS, d->a, R_ALL, 6, MINT_MAP) == E_OK, "d6 mint a2");
    EXPECT(tether_AS_MAP_FRAME(d->t.as, d->frame, VA6, R_READ | R_WRITE, ITEM_MAP) == E_OK,
           "d6 frame into T");
    EXPECT(tether_AS_MAP(d->u.as, d->t.as, VA6, VA6, 0, R_READ, ITEM_MAP) == E_OK, "d6 T's page into U");
}

static void tasks6(struct tree6 *d)
{
    EXPECT(task_create(&d->t, ROOT_CAP_BANK, 256 * 1024, demo_slots(3)) == E_OK, "d6 task T");
    EXPECT(task_create(&d->u, ROOT_CAP_BANK, 256 * 1024, demo_slots(3)) == E_OK, "d6 task U");
}

static void build6(struct tree6 *d)
{
    uint32_t s = demo_slots(7);
    d->ntf = s, d->a = s + 1, d->a1 = s + 2, d->a11 = s + 3, d->a2 = s + 4, d->b = s + 5, d->frame = s + 6;
    EXPECT(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, d->ntf, 0) == E_OK, "d6 notification");
    EXPECT(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_FRAME, CS, d->frame, 0) == E_OK, "d6 frame");
    tasks6(d);
    EXPECT(tether_CS_MAP(CS, d->a, CS, d->ntf, R_ALL) == E_OK, "d6 map a");
    EXPECT(tether_CS_MAP(CS, d->b, CS, d->ntf, R_READ) == E_OK, "d6 map b");
    map6_below(d);
    uint64_t w = WORD6;
    EXPECT(demo_probe(&d->t, VA6, 1, &w, 0, 0) == E_OK, "d6 T writes its page");
}

static void picture6(const char *name, const char *title, const struct tree6 *d)
{
    picture_begin(name, title);
    const uint32_t cap[7] = { d->ntf, d->a, d->a1, d->a11, d->a2, d->b, d->frame };
    static const char *const what[7] = { "ntf", "a", "a1", "a11", "a2", "b", "frame" };
    for (unsigned i = 0; i < 7; i++)
        picture_slot(cap[i], what[i]);
    picture_tree(d->ntf);
    picture_tree(d->frame);
    picture_end(name);
}

/* A slot of the root CSpace: its status, and its parent if that is a slot
 * of the root CSpace too (CS_TREE). */
static uint64_t status6(uint32_t s, uint64_t *parent)
{
    uint64_t r[4] = { 0 }, t[4] = { 0 };
    tether_CS_INFO(CS, s, r);
    tether_CS_TREE(CS, s, t);
    if (parent)
        *parent = t[3];
    return r[0];
}

/* After the restart: the tree as checkpointed; U's page refilled from its
 * mapping slot; UNMAP of a's subtree and of the frame's mappings. */
static void after_restart6(struct tree6 *d)
{
    static const char *const st[] = { "empty", "VOID", "live" };
    const uint32_t cap[6] = { d->ntf, d->a, d->a1, d->a11, d->a2, d->b };
    const uint32_t want_parent[6] = { TREE_ROOT, d->ntf, d->a, d->a1, d->a, d->ntf };
    const char *name[6] = { "ntf", "a", "a1", "a11", "a2", "b" };
    uint64_t p, pte = 0, v = 0, kind = 0;
    SAY("  demo 6: the MAP tree checkpointed before the power went, in the resumed system:\n   ");
    for (unsigned i = 0; i < 6; i++) {
        uint64_t s = status6(cap[i], &p);
        SAY(" %s %s%s", name[i], st[s % 3], i ? "" : ",");
        if (i)
            SAY(" (under %s)%s", p == d->ntf ? "ntf" : p == d->a ? "a" : p == d->a1 ? "a1" : "?",
                i < 5 ? "," : "\n");
        EXPECT(s == SLOT_LIVE && p == want_parent[i], "d6: %s is %lu, parent %lu", name[i], s, p);
    }
    uint64_t ts = demo_as_status(d->t.as, VA6, &pte), us = demo_as_status(d->u.as, VA6, 0);
    SAY("    T's and U's mappings of the frame: %s, %s; in T's page table: %s (P3: tables are a cache)\n",
        st[ts % 3], st[us % 3], pte ? "yes" : "no, not yet");
    EXPECT(ts == SLOT_LIVE && us == SLOT_LIVE && !pte, "d6: mappings %lu %lu pte %lu", ts, us, pte);
    long e = demo_probe(&d->u, VA6, 0, &v, 0, 0);
    demo_as_status(d->u.as, VA6, &pte);
    SAY("    U reads its page: %lx (refilled from its mapping slot: in its page table now: %s)\n", v,
        pte ? "yes" : "no");
    EXPECT(e == E_OK && v == WORD6 && pte, "d6: U read %s %lx, pte %lu", tether_error_name(e), v, pte);
    picture6("persist-resumed", "demo 6: resumed after the power cut, before the UNMAP", d);

    EXPECT(tether_CS_UNMAP(CS, d->a, 0) == E_OK, "d6 unmap a");
    EXPECT(tether_CS_UNMAP(CS, d->frame, 0) == E_OK, "d6 unmap frame");
    SAY("  CS_UNMAP of a (its descendants) and of the frame cap, after the restart:\n   ");
    for (unsigned i = 0; i < 6; i++) {
        uint64_t s = status6(cap[i], 0);
        long pe = poll6(cap[i]);
        SAY(" %s %s%s", name[i], s == SLOT_LIVE && pe == E_OK ? "works" : tether_error_name(pe),
            i < 5 ? "," : "\n");
        int gone = i == 2 || i == 3 || i == 4;
        EXPECT(gone ? s == SLOT_EMPTY && pe == E_EMPTY : s == SLOT_LIVE && pe == E_OK,
               "d6: %s after the unmap: %lu %s", name[i], s, tether_error_name(pe));
    }
    ts = demo_as_status(d->t.as, VA6, 0), us = demo_as_status(d->u.as, VA6, &pte);
    SAY("    T's and U's mappings: %s, %s; U reads its page again (intentional fault):\n", st[ts % 3],
        st[us % 3]);
    e = demo_probe(&d->u, VA6, 0, &v, &kind, 0);
    SAY("    -> %s (%s): the subtree is revoked\n", tether_error_name(e),
        e == E_FAULT ? tether_fault_name(kind) : "no fault");
    EXPECT(ts == SLOT_EMPTY && us == SLOT_EMPTY && !pte && e == E_FAULT, "d6: mappings %lu %lu, read %s",
           ts, us, tether_error_name(e));
    uint64_t q[4] = { 0 };
    EXPECT(tether_SYSTEM_CHECK(ROOT_CAP_SYSTEM, q) == E_OK && q[0] == 0, "d6: kernel invariants");
    picture6("persist-unmapped", "demo 6: after the restart, a and the frame cap UNMAPped", d);
    /* Two new tasks (each probe above left a thread's stack in its task) */
    EXPECT(task_destroy(&d->t, ROOT_CAP_BANK) == E_OK && task_destroy(&d->u, ROOT_CAP_BANK) == E_OK,
           "d6 tasks destroyed");
    tasks6(d);
    map6_below(d);
    SAY("  (MAPped again, into two new tasks, for the next checkpoint)\n");
}

/* cut=1, right after the first checkpoint: a change the checkpoint does not
 * have, then wait for the power to go (tools/qemu-debate-test.sh). */
static _Noreturn void wait_for_the_cut(struct tree6 *d)
{
    EXPECT(tether_CS_UNMAP(CS, d->ntf, 0) == E_OK, "d6 unmap all");
    EXPECT(tether_CS_UNMAP(CS, d->frame, 0) == E_OK, "d6 unmap frame");
    uint64_t s = status6(d->a, 0) | status6(d->b, 0) | demo_as_status(d->u.as, VA6, 0);
    EXPECT(s == SLOT_EMPTY, "d6: before the cut, the unmap left %lu", s);
    printf("init: demo 6: after the checkpoint, the whole tree UNMAPped (%s); waiting for the power cut%s\n",
           s == SLOT_EMPTY ? "done" : "FAILED", demo_failures ? " (demo FAILED)" : "");
    for (;;)
        tether_yield();
}

static void show_tree(void)
{
    static const char *const st[] = {"empty", "VOID", "live"};
    const uint32_t slot[4] = {S.ep, S.client, S.grandchild, S.minted};
    const char *what[4] = {"the server's endpoint", "  MAP of it (a client's cap)",
                           "    MAP of that (the client's own client)", "  MINT of it, badge 0x77"};
    for (unsigned i = 0; i < 4; i++) {
        uint64_t r[4] = {0};
        tether_CS_INFO(CS, slot[i], r);
        SAY("    slot %7u  %-5s  rights %c%c%c%c  badge %lx   %s\n", slot[i], st[r[0] % 3],
            r[2] & R_READ ? 'r' : '-', r[2] & R_WRITE ? 'w' : '-', r[2] & R_EXEC ? 'x' : '-',
            r[2] & R_GRANT ? 'g' : '-', r[3], what[i]);
        EXPECT(r[0] == SLOT_LIVE, "slot %u is not live", slot[i]);
    }
}

static void build(void)
{
    uint32_t s = demo_slots(12);
    S.ep = demo_ep();
    S.client = s, S.grandchild = s + 1, S.minted = s + 2;
    EXPECT(tether_CS_MAP(CS, S.client, CS, S.ep, R_ALL) == E_OK, "map");
    EXPECT(tether_CS_MAP(CS, S.grandchild, CS, S.client, R_READ | R_WRITE) == E_OK, "map 2");
    EXPECT(tether_CS_MINT(CS, S.minted, CS, S.ep, R_ALL, 0x77, MINT_MAP) == E_OK, "mint");
    struct kv_param kp = {S.ep};
    EXPECT(task_create(&S.kvt, ROOT_CAP_BANK, 256 * 1024, s + 3) == E_OK, "kv task");
    EXPECT(task_spawn(&S.kvt, &S.kvth, s + 6, kv_server, &kp, sizeof kp, PRIO + 1) == E_OK,
           "kv thread");
    struct ctr_param cp = {0};
    EXPECT(task_create(&S.ct, ROOT_CAP_BANK, 256 * 1024, s + 7) == E_OK, "counter task");
    EXPECT(task_thread_create(&S.ct, &S.cth, s + 10, counter, &cp, sizeof cp, PRIO) == E_OK,
           "counter thread");
    EXPECT(tether_THREAD_START(s + 10) == E_OK, "start counter");
    build6(&S.d6);
    S.cut = demo_cut;
    S.built = 1;
}

int demo_persist(void)
{
    demo_failures = 0;
    uint64_t r[4] = {0};
    if (tether_SYSTEM_STATS(ROOT_CAP_SYSTEM, r) != E_OK || !r[3]) {
        SAY("  no store attached: nothing to checkpoint\n");
        return demo_failures;
    }
    if (!S.built) {
        build();
        SAY("  a key-value server task and a counter task (state only in their memory)\n");
        kv(S.ep, KV_PUT, 1, 100);
        kv(S.client, KV_PUT, 2, 200);  /* through the client's MAP */
    }
    for (;;) {
        S.runs++;
        kv(S.ep, KV_PUT, 3, S.runs);
        uint64_t count = ((struct ctr_param *)S.cth.hdr->param)->count;
        picture6("persist-checkpointed", "demo 6: the MAP tree checkpointed", &S.d6);
        long e = tether_SYSTEM_CHECKPOINT(ROOT_CAP_SYSTEM, r);
        EXPECT(e == E_OK, "checkpoint: %s", tether_error_name(e));
        if (e != E_OK)
            return demo_failures;
        if (!r[1]) {
            uint64_t st[4] = {0};
            tether_SYSTEM_STATS(ROOT_CAP_SYSTEM, st);
            SAY("  checkpoint generation %lu written: %lu of %lu pages changed, %lu instructions;"
                " the counter was at %lu\n", r[0], r[2], r[3], st[1], count);
            SAY("  demo 6: a MAP tree is in this checkpoint (ntf -> a -> a1 -> a11, a -> a2, ntf -> b;"
                " a frame MAPped into task T, T's page into task U)\n");
            if (S.cut)
                wait_for_the_cut(&S.d6);
            SAY("  (run `make run` again: the system continues from this checkpoint, and demo 6 UNMAPs"
                " after the restart;\n   powering off now is a power cut as far as the store goes:"
                " nothing more is written; `make run-fresh` starts over)\n");
            return demo_failures;
        }
        /* Resumed: a new boot of the machine, this same call returning again. */
        uint64_t gen = r[0];
        uint64_t now = ((struct ctr_param *)S.cth.hdr->param)->count;
        tether_SYSTEM_STATS(ROOT_CAP_SYSTEM, r);
        SAY("  resumed from checkpoint generation %lu: this is run %lu of this system\n",
            gen, S.runs + 1);
        uint64_t k1 = kv(S.ep, KV_GET, 1, 0), k2 = kv(S.minted, KV_GET, 2, 0),
                 k3 = kv(S.grandchild, KV_GET, 3, 0);
        SAY("  the key-value server still holds 1=%lu 2=%lu runs=%lu\n", k1, k2, k3);
        EXPECT(k1 == 100 && k2 == 200 && k3 == S.runs, "kv state lost: %lu %lu %lu", k1, k2, k3);
        for (unsigned i = 0; i < 100 && ((struct ctr_param *)S.cth.hdr->param)->count == now; i++)
            tether_yield();
        uint64_t later = ((struct ctr_param *)S.cth.hdr->param)->count;
        SAY("  the counter was at %lu at the checkpoint and counts on: %lu\n", count, later);
        /* (it may run between the root's look and the checkpoint, and after
         * the restart before the root looks again: not back at 0, and on) */
        EXPECT(now >= count && later > now, "counter: %lu at the checkpoint, %lu, %lu", count, now,
               later);
        SAY("  page-table entries refilled from mapping slots so far: %lu (P3)\n", r[0]);
        SAY("  the derivation tree, as CS_INFO shows it:\n");
        show_tree();
        S.cut = 0;
        after_restart6(&S.d6);
    }
}
