/* SPDX-License-Identifier: BSD-2-Clause */
/* persist.c: the persistent part of the tour (P1..P3), played last by
 * `make run` (user/init). A counter task and a small key-value server keep
 * their state only in memory; the root checkpoints the whole system
 * (SYSTEM_CHECKPOINT) and powers off. The next `make run` resumes that
 * checkpoint: this code goes on right after the checkpoint call (which
 * returns again, with resumed = 1), finds the server's keys and the counter
 * where they were, the derivation tree intact, and checkpoints again. */
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

/* What the root remembers (in its own memory, checkpointed with it). */
static struct {
    int built;
    uint32_t ep, client, grandchild, minted;
    struct task kvt, ct;
    struct task_thread kvth, cth;
    uint64_t runs;
} S;

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
        long e = tether_SYSTEM_CHECKPOINT(ROOT_CAP_SYSTEM, r);
        EXPECT(e == E_OK, "checkpoint: %s", tether_error_name(e));
        if (e != E_OK)
            return demo_failures;
        if (!r[1]) {
            uint64_t st[4] = {0};
            tether_SYSTEM_STATS(ROOT_CAP_SYSTEM, st);
            SAY("  checkpoint generation %lu written: %lu of %lu pages changed, %lu instructions;"
                " the counter was at %lu\n", r[0], r[2], r[3], st[1], count);
            SAY("  (run `make run` again: the system continues from this checkpoint;"
                " `make run-fresh` starts over)\n");
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
        EXPECT(now == count && later > now, "counter: %lu at the checkpoint, %lu, %lu", count, now,
               later);
        SAY("  page-table entries refilled from mapping slots so far: %lu (P3)\n", r[0]);
        SAY("  the derivation tree, as CS_INFO shows it:\n");
        show_tree();
    }
}
