/* SPDX-License-Identifier: BSD-2-Clause */
/* ptest.c: the root task of the persistence system test (tools/qemu-persist-test.sh).
 *
 * It builds state -- a sub-bank, frames with data, a MAP/COPY tree, a
 * server thread blocked in recv -- and then, step after step, writes the
 * step number into every frame and checkpoints the whole system. The test
 * kills QEMU (SIGKILL) at random moments, mostly in the middle of a
 * checkpoint, and boots again on the same store. When a checkpoint is
 * resumed, its SYSTEM_CHECKPOINT call returns again with resumed = 1, and
 * this program checks that everything is as it was at that step: every
 * frame holds that step, the tree is intact, the server is still blocked in
 * recv and answers, the kernel's invariants hold. A scribbler thread of the
 * root's priority writes a counter into two frames, A then B, all the time,
 * checkpoints included (they are written while threads run, P2): in the
 * resumed system A is B or B + 1, as at every instant, and it goes on
 * counting. It prints one line per
 * step; it powers off after STEPS steps in one boot (status 0 = all as
 * expected). */
#include "tether.h"
#include "ulib.h"

#define CS     ROOT_CAP_CSPACE
#define BANK   ROOT_CAP_BANK
#define NF     256u                   /* frames with data */
#define VA     0x300000000UL          /* where the root maps them */
#define STEPS  100u
#define SVA    0x380000000UL          /* the scribbler's two frames */
enum { SUB = 100, EP = 101, M1 = 102, M2 = 103, C1 = 104, SRV = 105, SCR = 106, SA = 107, SB = 108,
       FR = 110 };

static struct {
    int built;
    uint64_t step;       /* the step whose data the frames hold */
    uint64_t served;     /* calls the server answered */
} S;
static int failures;

#define EXPECT(c, ...) do { if (!(c)) { printf("ptest: FAILED %s: ", #c); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

static long server(void *arg)
{
    long ep = (long)arg;
    uint64_t w[MSG_WORDS] = {0};
    struct tether_msg m = tether_recv((uint32_t)ep);
    for (;;) {
        w[0] = m.w[0] + 1;
        m = tether_reply_recv((uint32_t)ep, MSG_INFO(0, 0), w);
    }
}

static volatile uint64_t *const scr_a = (volatile uint64_t *)SVA;
static volatile uint64_t *const scr_b = (volatile uint64_t *)(SVA + 4096);

static long scribbler(void *unused)
{
    (void)unused;
    for (;;) {
        uint64_t x = scr_a[0] + 1;
        scr_a[0] = x;
        scr_b[0] = x;
    }
}

static void build(void)
{
    static char stack[4096] __attribute__((aligned(16)));
    static struct uthread srv;
    EXPECT(tether_BANK_CREATE(BANK, OBJ_BANK, CS, SUB, 8u << 20) == E_OK, "sub-bank");
    for (uint32_t i = 0; i < NF; i++) {
        EXPECT(tether_BANK_CREATE(SUB, OBJ_FRAME, CS, FR + i, 0) == E_OK, "frame %u", i);
        EXPECT(tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, FR + i, VA + i * 4096UL, R_READ | R_WRITE, ITEM_MAP) == E_OK,
               "map frame %u", i);
    }
    EXPECT(tether_BANK_CREATE(SUB, OBJ_ENDPOINT, CS, EP, 0) == E_OK, "endpoint");
    EXPECT(tether_CS_MAP(CS, M1, CS, EP, R_ALL) == E_OK, "map");
    EXPECT(tether_CS_MAP(CS, M2, CS, M1, R_READ | R_WRITE) == E_OK, "map 2");
    EXPECT(tether_CS_COPY(CS, C1, CS, EP, R_READ | R_WRITE) == E_OK, "copy");
    EXPECT(thread_spawn(&srv, SUB, SRV, server, (void *)(uintptr_t)EP, stack, sizeof stack,
                        ROOT_THREAD_PRIO + 1) == E_OK,
           "server");
    static char sstack[4096] __attribute__((aligned(16)));
    static struct uthread scr;
    EXPECT(tether_BANK_CREATE(SUB, OBJ_FRAME, CS, SA, 0) == E_OK &&
               tether_BANK_CREATE(SUB, OBJ_FRAME, CS, SB, 0) == E_OK &&
               tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, SA, SVA, R_READ | R_WRITE, ITEM_MAP) == E_OK &&
               tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, SB, SVA + 4096, R_READ | R_WRITE, ITEM_MAP) == E_OK,
           "scribbler frames");
    EXPECT(thread_spawn(&scr, SUB, SCR, scribbler, 0, sstack, sizeof sstack, ROOT_THREAD_PRIO) == E_OK,
           "scribbler");
    S.built = 1;
}

static void write_step(uint64_t step)
{
    for (uint32_t i = 0; i < NF; i++) {
        volatile uint64_t *p = (volatile uint64_t *)(VA + i * 4096UL);
        for (unsigned k = 0; k < 512; k++)
            p[k] = step * 1000 + i * 7 + k;
    }
    S.step = step;
}

/* Everything is as it was at the checkpoint of step S.step. */
static void check_resumed(uint64_t gen)
{
    uint64_t a = scr_a[0], b = scr_b[0];  /* first: before the scribbler runs again */
    EXPECT(a == b || a == b + 1, "scribbler frames A %lu B %lu: not one instant", a, b);
    uint64_t r[4];
    unsigned bad = 0;
    for (uint32_t i = 0; i < NF; i++) {
        volatile uint64_t *p = (volatile uint64_t *)(VA + i * 4096UL);
        for (unsigned k = 0; k < 512; k++)
            bad += p[k] != S.step * 1000 + i * 7 + k;
    }
    EXPECT(bad == 0, "%u words of the frames are not those of step %lu", bad, S.step);
    const uint32_t tree[4] = {EP, M1, M2, C1};
    for (unsigned i = 0; i < 4; i++)
        EXPECT(tether_CS_INFO(CS, tree[i], r) == E_OK && r[0] == SLOT_LIVE && r[1] == OBJ_ENDPOINT,
               "slot %u", tree[i]);
    EXPECT(tether_THREAD_INFO(SRV, r) == E_OK && r[0] == THREAD_BLOCKED_RECV, "server state %lu", r[0]);
    uint64_t w[MSG_WORDS] = {41};
    struct tether_msg m = tether_call(M2, MSG_INFO(1, 0), w);
    EXPECT(m.err == E_OK && m.w[0] == 42, "server answer %lu (%s)", m.w[0], tether_error_name(m.err));
    EXPECT(tether_BANK_QUERY(SUB, r) == E_OK, "bank");
    EXPECT(system_ok(), "kernel check");
    for (unsigned i = 0; i < 1000 && scr_a[0] == a; i++)
        tether_yield();
    EXPECT(scr_a[0] != a, "the scribbler does not go on");
    printf("ptest: resumed generation %lu at step %lu: %s\n", gen, S.step, failures ? "FAILED" : "ok");
}

int main(void)
{
    uint64_t r[4];
    if (!S.built) {
        printf("ptest: fresh system: building state\n");
        build();
    }
    for (unsigned n = 0; n < STEPS; n++) {
        write_step(S.step + 1);
        long e = tether_SYSTEM_CHECKPOINT(ROOT_CAP_SYSTEM, r);
        EXPECT(e == E_OK, "checkpoint: %s", tether_error_name(e));
        if (e != E_OK)
            break;
        if (r[1]) {  /* a new boot: it too runs STEPS steps */
            check_resumed(r[0]);
            n = 0;
        }
        else
            printf("ptest: checkpoint %lu committed at step %lu (%lu pages written)\n", r[0], S.step, r[2]);
        if (failures)
            break;
    }
    printf("ptest: %s after %u steps in this boot\n", failures ? "FAILED" : "done", STEPS);
    return failures ? 1 : 0;
}
