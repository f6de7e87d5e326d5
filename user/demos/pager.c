/* SPDX-License-Identifier: BSD-2-Clause */
/* pager.c: demo d -- a user-level pager (I5). A worker task touches N
 * pages of a big array (64 pages) that nothing maps. Its fault endpoint is
 * served by a pager task: per fault it creates a zero-filled frame from its
 * own bank, maps it in its own AddrSpace at a staging address (a mirror of
 * the array) and replies FAULT_REPLY_RETRY with a MEM_ITEM MAP of it: the
 * page lands at the faulting address and the access is retried. AS_INFO
 * before and after shows the pages were mapped lazily, exactly those. */
#include "demos.h"

#define ARR_VA   0x100000000UL
#define ARR_PAGES 64u
#define STAGE_VA 0x180000000UL
#define STRIDE   4u           /* touch every 4th page */
#define NTOUCH   (ARR_PAGES / STRIDE)

struct pg_param { uint32_t ep, bank, as, scratch; volatile uint64_t faults, bad; };

static long pager(void *p)
{
    struct pg_param *pp = p;
    struct tether_msg m = tether_recv(pp->ep);
    for (;;) {
        if (m.err != E_OK)
            return m.err;
        uint64_t addr = m.w[0] & ~(PG - 1);
        if (addr < ARR_VA || addr >= ARR_VA + ARR_PAGES * PG) {
            pp->bad++;  /* not ours: no reply; the thread stays stopped */
            m = tether_recv(pp->ep);
            continue;
        }
        uint64_t stage = STAGE_VA + (addr - ARR_VA);
        long e = frame_new_at(pp->bank, pp->scratch, pp->as, stage, R_READ | R_WRITE);
        if (e != E_OK) {
            pp->bad++;
            m = tether_recv(pp->ep);
            continue;
        }
        pp->faults++;
        if (pp->faults <= 2 || pp->faults == NTOUCH)
            SAY("  pager: %s at %lx -> new zero frame, staged at %lx, MAP to the faulting page%s\n",
                tether_fault_name(tmsg_label(m)), m.w[0], stage, pp->faults == 2 ? " ..." : "");
        uint64_t w[6] = { 0, 0, 0, 0, 0, MEM_ITEM(stage, 0, ITEM_MAP, R_READ | R_WRITE) };
        m = tether_reply_recv(pp->ep, MSG_INFO(FAULT_REPLY_RETRY, 1), w);
    }
}

struct wk_param { uint64_t zeros, sum; };

static long worker(void *p)
{
    struct wk_param *wp = p;
    volatile uint64_t *a = (volatile uint64_t *)ARR_VA;
    wp->zeros = 0;
    for (unsigned i = 0; i < ARR_PAGES; i += STRIDE) {
        volatile uint64_t *pg = a + i * (PG / 8);
        wp->zeros += pg[7] == 0;  /* the first touch: a fresh zero page */
        pg[0] = i + 1;
        pg[511] = 2 * i;
    }
    wp->sum = 0;
    for (unsigned i = 0; i < ARR_PAGES; i += STRIDE)
        wp->sum += a[i * (PG / 8)] + a[i * (PG / 8) + 511];
    return 0;
}

static unsigned live_pages(uint32_t as, char *map)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ARR_PAGES; i++) {
        uint64_t pte;
        int live = demo_as_status(as, ARR_VA + i * PG, &pte) == SLOT_LIVE && pte;
        n += live;
        map[i] = live ? '#' : '.';
    }
    map[ARR_PAGES] = 0;
    return n;
}

int demo_pager(void)
{
    demo_failures = 0;
    struct task tp, tw;
    struct task_thread thp, thw;
    char map[ARR_PAGES + 1];
    uint64_t r[4], before, after;
    uint32_t ep = demo_ep();
    EXPECT(task_create(&tp, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "pager task");
    EXPECT(task_create(&tw, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "worker task");
    struct pg_param pp = { ep, tp.bank, tp.as, tp.scratch, 0, 0 };
    EXPECT(task_spawn(&tp, &thp, demo_slots(1), pager, &pp, sizeof pp, PRIO + 4) == E_OK, "pager");
    struct wk_param wp = { 0, 0 };
    EXPECT(task_thread_create(&tw, &thw, demo_slots(1), worker, &wp, sizeof wp, PRIO + 3) == E_OK,
           "worker");
    EXPECT(tether_THREAD_SET_IPC(thw.cap, ep, 0, 0, 0, MWIN_OFF) == E_OK, "fault ep");
    unsigned n0 = live_pages(tw.as, map);
    SAY("  worker's array (%u pages at %lx) before: %s (%u mapped)\n", ARR_PAGES, ARR_VA, map, n0);
    EXPECT(n0 == 0, "nothing mapped before");
    tether_BANK_QUERY(tp.bank, r);
    before = r[0];
    EXPECT(tether_THREAD_START(thw.cap) == E_OK, "start worker");
    volatile struct pg_param *vp = (volatile struct pg_param *)thp.hdr->param;
    volatile struct wk_param *vw = (volatile struct wk_param *)thw.hdr->param;
    EXPECT(thw.hdr->done, "the worker finished");
    unsigned n1 = live_pages(tw.as, map);
    tether_BANK_QUERY(tp.bank, r);
    after = r[0];
    SAY("  worker's array after:  %s (%u mapped)\n", map, n1);
    SAY("  worker: %lu first reads were zero; sum %lu; pager: %lu faults, bank +%lu bytes\n",
        vw->zeros, vw->sum, vp->faults, after - before);
    uint64_t expect = 0;
    for (unsigned i = 0; i < ARR_PAGES; i += STRIDE)
        expect += 3 * i + 1;
    EXPECT(n1 == NTOUCH && vp->faults == NTOUCH && vp->bad == 0, "%u mapped, %lu faults", n1,
           vp->faults);
    for (unsigned i = 0; i < ARR_PAGES; i++)
        EXPECT((map[i] == '#') == (i % STRIDE == 0), "page %u", i);
    EXPECT(vw->zeros == NTOUCH && vw->sum == expect, "zeros %lu sum %lu", vw->zeros, vw->sum);
    EXPECT(after >= before + NTOUCH * PG, "frames paid by the pager's bank");
    EXPECT(task_destroy(&tw, ROOT_CAP_BANK) == E_OK, "destroy");
    EXPECT(task_destroy(&tp, ROOT_CAP_BANK) == E_OK, "destroy");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, ep);
    return demo_failures;
}
