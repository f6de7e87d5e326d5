/* SPDX-License-Identifier: BSD-2-Clause */
/* shared.c: demo c -- shared memory between two tasks, both ways, and
 * revocation. Task A and task B each have a page of their own at OWN_VA
 * (the same address in both AddrSpaces, different frames). A calls B with
 * a MEM_ITEM MAP of its page: it lands in B's memory window; B replies with
 * a MEM_ITEM MAP of its own page: it lands in A's window. Each writes into
 * the other's page and reads what the other wrote. Then A revokes its page
 * (AS_UNMAP, not self): B's mapping is gone (AS_INFO: empty, not in the
 * page table) and B's next access faults; B's page is still shared with A. */
#include "demos.h"

#define OWN_VA 0x20000000UL
#define WIN_VA 0x40000000UL

struct sh_param { uint32_t ep, bank, as, scratch; long err; char saw[32]; };

static void put(uint64_t va, const char *s) { memcpy((void *)va, s, strlen(s) + 1); }

static long task_b(void *p)
{
    struct sh_param *b = p;
    long e = frame_new_at(b->bank, b->scratch, b->as, OWN_VA, R_READ | R_WRITE);
    if (e != E_OK)
        return b->err = e;
    put(OWN_VA, "B's page: hello from B");
    struct tether_msg m = tether_recv(b->ep);
    if ((b->err = m.err) != E_OK)
        return m.err;
    memcpy(b->saw, (void *)WIN_VA, sizeof b->saw - 1);  /* A's page, in B's window */
    put(WIN_VA + 64, "B was here");
    uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(OWN_VA, 0, ITEM_MAP, R_READ | R_WRITE) };
    b->err = tether_reply(MSG_INFO(0, 1), w).err;
    return 0;
}

static long task_a(void *p)
{
    struct sh_param *a = p;
    long e = frame_new_at(a->bank, a->scratch, a->as, OWN_VA, R_READ | R_WRITE);
    if (e != E_OK)
        return a->err = e;
    put(OWN_VA, "A's page: hello from A");
    uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(OWN_VA, 0, ITEM_MAP, R_READ | R_WRITE) };
    struct tether_msg m = tether_call(a->ep, MSG_INFO(1, 1), w);
    if ((a->err = m.err) != E_OK)
        return m.err;
    memcpy(a->saw, (void *)WIN_VA, sizeof a->saw - 1);  /* B's page, in A's window */
    put(WIN_VA + 64, "A was here");
    return 0;
}

static uint64_t word(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

static int streq(volatile const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

int demo_shared_memory(void)
{
    demo_failures = 0;
    struct task ta, tb;
    struct task_thread tha, thb;
    uint32_t ep = demo_ep();
    EXPECT(task_create(&ta, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "task A");
    EXPECT(task_create(&tb, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "task B");
    struct sh_param pa = { ep, ta.bank, ta.as, ta.scratch, -1, "" };
    struct sh_param pb = { ep, tb.bank, tb.as, tb.scratch, -1, "" };
    EXPECT(task_thread_create(&ta, &tha, demo_slots(1), task_a, &pa, sizeof pa, PRIO + 3) == E_OK,
           "A");
    EXPECT(task_thread_create(&tb, &thb, demo_slots(1), task_b, &pb, sizeof pb, PRIO + 4) == E_OK,
           "B");
    EXPECT(tether_THREAD_SET_IPC(tha.cap, CAP_NONE, 0, 0, WIN_VA, 0) == E_OK, "A window");
    EXPECT(tether_THREAD_SET_IPC(thb.cap, CAP_NONE, 0, 0, WIN_VA, 0) == E_OK, "B window");
    EXPECT(tether_THREAD_START(thb.cap) == E_OK, "B");  /* waits in recv */
    EXPECT(tether_THREAD_START(tha.cap) == E_OK, "A");  /* calls B, both finish */
    volatile struct sh_param *va = (volatile struct sh_param *)tha.hdr->param;
    volatile struct sh_param *vb = (volatile struct sh_param *)thb.hdr->param;
    EXPECT(tha.hdr->done && thb.hdr->done, "both done");
    EXPECT(va->err == E_OK && vb->err == E_OK, "A %s, B %s", tether_error_name(va->err),
           tether_error_name(vb->err));
    SAY("  task A (own AddrSpace) MAPs its page to B, B MAPs its page back (IPC memory items):\n");
    SAY("    A reads in its window: \"%s\"\n", (const char *)va->saw);
    SAY("    B reads in its window: \"%s\"\n", (const char *)vb->saw);
    EXPECT(streq(va->saw, "B's page: hello from B"), "A saw B's page");
    EXPECT(streq(vb->saw, "A's page: hello from A"), "B saw A's page");
    /* What each wrote into the other's page, seen by the owner. */
    uint64_t v = 0, kind = 0, addr = 0;
    EXPECT(demo_probe(&ta, OWN_VA + 64, 0, &v, 0, 0) == E_OK && v == word("B was here"),
           "A sees B's write");
    EXPECT(demo_probe(&tb, OWN_VA + 64, 0, &v, 0, 0) == E_OK && v == word("A was here"),
           "B sees A's write");
    SAY("    each sees the other's write in its own page (\"A was here\", \"B was here\")\n");

    /* A revokes its page (the root does it with A's AddrSpace cap). */
    long e = tether_AS_UNMAP(ta.as, OWN_VA, 0, 0);
    uint64_t pte = 1, st = demo_as_status(tb.as, WIN_VA, &pte);
    SAY("  A: AS_UNMAP of its page -> %s; B's window: AS_INFO %s, page table %s\n",
        tether_error_name(e), st == SLOT_EMPTY ? "empty" : "LIVE", pte ? "MAPPED" : "unmapped");
    EXPECT(e == E_OK && st == SLOT_EMPTY && !pte, "B's mapping gone");
    SAY("  B touches its window (an intentional fault: the kernel's line below says B stopped)\n");
    e = demo_probe(&tb, WIN_VA, 0, &v, &kind, &addr);
    SAY("  B touched its window: %s (%s at %lx), as expected\n", tether_error_name(e),
        tether_fault_name(kind), addr);
    EXPECT(e == E_FAULT && kind == FAULT_READ && addr == WIN_VA, "B faults");
    EXPECT(demo_probe(&ta, WIN_VA, 0, &v, 0, 0) == E_OK && v == word("B's page"),
           "A still has B's page");
    EXPECT(demo_as_status(ta.as, OWN_VA, 0) == SLOT_LIVE, "A keeps its own page");
    SAY("  B's page is still shared with A; A still has its own page\n");
    EXPECT(task_destroy(&ta, ROOT_CAP_BANK) == E_OK, "destroy");
    EXPECT(task_destroy(&tb, ROOT_CAP_BANK) == E_OK, "destroy");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, ep);
    return demo_failures;
}
