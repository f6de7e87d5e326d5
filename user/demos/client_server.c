/* SPDX-License-Identifier: BSD-2-Clause */
/* client_server.c: demos a and b -- client memory in a server (the seed's
 * "what happens if the client deallocates the storage while the server is
 * using it?").
 *
 * A server task serves clients on memory they provide: OPEN carries a
 * MEM_ITEM MAP of the client's buffer (its own frames, from a bank of its
 * own), which lands in the server thread's memory window; the server moves
 * it (AS_MAP GRANT, keeping its place in the derivation tree) to a session
 * area of its AddrSpace. WORK has the server go through the pages: it sums
 * each page's first 511 words into the last one, yielding between pages.
 * The client takes the memory back mid-work -- (a) AS_UNMAP of its buffer,
 * (b) BANK_DESTROY of the bank that paid for it -- from a second thread.
 * The server's next access faults to its fault handler (a thread of the
 * server task), which resumes it at a recovery point (FAULT_REPLY_SETPC):
 * the server answers the client with E_FAULT and goes on serving. A second
 * client, whose session was open all along, is unaffected. */
#include "demos.h"

enum { OPEN = 1, WORK = 2, CLOSE = 3 };
#define SRV_WIN   0x20000000UL                          /* memory window, 16 pages */
#define SESS(b)   (0x30000000UL + (uint64_t)(b) * 0x100000UL)  /* session of badge b */
#define BUF_VA    0x20000000UL                          /* a client's buffer */
#define NPAGES    8u
#define LOG2      3u

/* ---- server task ---------------------------------------------------- */

struct srv_param { uint32_t ep, fep, as; };
static struct tjmp srv_jb;
static volatile uint64_t srv_done, srv_fault_addr, srv_fault_kind;
static uint64_t sess_pages[4];

static long handler(void *p)
{
    struct srv_param *sp = p;
    struct tether_msg m = tether_recv(sp->fep);
    for (;;) {
        if (m.err != E_OK)
            return m.err;
        srv_fault_kind = tmsg_label(m);
        srv_fault_addr = m.w[0];
        SAY("  server's fault handler: %s at %lx (pc %lx) -> resume at the recovery point\n",
            tether_fault_name(tmsg_label(m)), m.w[0], m.w[1]);
        uint64_t w[6] = { (uint64_t)tjmp_recover };
        m = tether_reply_recv(sp->fep, MSG_INFO(FAULT_REPLY_SETPC, 0), w);
    }
}

static uint64_t work(uint64_t b)
{
    uint64_t total = 0;
    for (srv_done = 0; srv_done < sess_pages[b]; srv_done++) {
        volatile uint64_t *pg = (volatile uint64_t *)(SESS(b) + srv_done * PG);
        uint64_t s = 0;
        for (unsigned j = 0; j < 511; j++)
            s += pg[j];
        pg[511] = s;
        total += s;
        tether_yield();  /* let others at this priority run (the client's revoker) */
    }
    return total;
}

static long server(void *p)
{
    struct srv_param *sp = p;
    struct tether_msg m = tether_recv(sp->ep);
    for (;;) {
        if (m.err != E_OK)
            return m.err;
        uint64_t b = m.badge & 3, w[6] = { 0 };
        switch (tmsg_label(m)) {
        case OPEN:  /* the buffer is in the window: move it to the session */
            sess_pages[b] = m.w[0];
            w[0] = (uint64_t)tether_AS_MAP(sp->as, sp->as, SRV_WIN, SESS(b), LOG2,
                                           R_READ | R_WRITE, ITEM_GRANT);
            SAY("  server: client %lu opened a session on %lu pages of its memory -> %s\n", b,
                m.w[0], tether_error_name((long)w[0]));
            break;
        case WORK:
            tjmp_recover_point = &srv_jb;
            if (tjmp_save(&srv_jb) == 0) {
                w[2] = work(b);
                w[0] = E_OK;
                w[1] = srv_done;
                SAY("  server: client %lu: %lu pages done, sum %lu\n", b, srv_done, w[2]);
            } else {  /* resumed here by the fault handler */
                w[0] = E_FAULT;
                w[1] = srv_done;
                w[2] = srv_fault_addr;
                SAY("  server: client %lu's memory is gone after %lu pages -> E_FAULT to it\n",
                    b, srv_done);
            }
            tjmp_recover_point = 0;
            break;
        case CLOSE:
            w[0] = (uint64_t)tether_AS_UNMAP(sp->as, SESS(b), LOG2, 1);
            break;
        default:
            w[0] = E_LABEL;
        }
        m = tether_reply_recv(sp->ep, MSG_INFO(tmsg_label(m), 0), w);
    }
}

/* ---- client tasks ----------------------------------------------------- */

struct cli_param {
    uint32_t ep, bank, bufbank, as, scratch, revoker, go;
    long open_err, work_err;
    uint64_t done, sum, expect_sum, addr;
};

static long client(void *p)
{
    struct cli_param *c = p;
    long e = tether_BANK_CREATE(c->bank, OBJ_BANK, CS, c->bufbank, 64 * 1024);
    c->expect_sum = 0;
    for (unsigned i = 0; e == E_OK && i < NPAGES; i++) {
        e = frame_new_at(c->bufbank, c->scratch, c->as, BUF_VA + i * PG, R_READ | R_WRITE);
        uint64_t *pg = (uint64_t *)(BUF_VA + i * PG);
        for (unsigned j = 0; e == E_OK && j < 511; j++)
            c->expect_sum += pg[j] = i * 1000 + j;
    }
    if (e != E_OK)
        return e;
    uint64_t w[6] = { NPAGES, 0, 0, 0, 0, MEM_ITEM(BUF_VA, LOG2, ITEM_MAP, R_READ | R_WRITE) };
    struct tether_msg m = tether_call(c->ep, MSG_INFO(OPEN, 1), w);
    c->open_err = m.err ? m.err : (long)m.w[0];
    if (c->go != CAP_NONE)  /* wait for the root's go */
        tether_recv(c->go);
    if (c->revoker != CAP_NONE)
        tether_THREAD_START(c->revoker);  /* same priority as the server */
    m = tether_call(c->ep, MSG_INFO(WORK, 0), 0);
    c->work_err = m.err ? m.err : (long)m.w[0];
    c->done = m.w[1];
    c->sum = m.w[2];
    c->addr = m.w[2];
    if (c->revoker == CAP_NONE)
        tether_call(c->ep, MSG_INFO(CLOSE, 0), 0);
    return 0;
}

struct rev_param { uint32_t as, bank, bufbank; int destroy; };

/* The client's second thread: once the server finished page 1 (its sum is
 * in the page's last word, in the client's own view), take the memory. */
static long revoker(void *p)
{
    struct rev_param *r = p;
    while (((volatile uint64_t *)(BUF_VA + PG))[511] == 0)
        tether_yield();
    long e;
    if (r->destroy) {
        e = tether_BANK_DESTROY(r->bank, CS, r->bufbank);
        SAY("  client 1: server is at page 2: BANK_DESTROY of my buffer's bank (the server's next "
            "access faults, intentionally) -> %s\n", tether_error_name(e));
    } else {
        e = tether_AS_UNMAP(r->as, BUF_VA, LOG2, 0);
        SAY("  client 1: server is at page 2: AS_UNMAP of my buffer, not self (the server's next "
            "access faults, intentionally) -> %s\n", tether_error_name(e));
    }
    return e;
}

static int client_server(int destroy)
{
    demo_failures = 0;
    struct task srv, c1, c2;
    struct task_thread hs, ss, t1, r1, t2;
    uint32_t ep = demo_ep(), fep = demo_ep(), go = demo_ep();
    uint32_t b1 = demo_slots(2), b2 = demo_slots(2);  /* badged endpoint caps */
    long e;
    EXPECT(tether_CS_MINT(CS, b1, CS, ep, R_WRITE | R_GRANT, 1, MINT_COPY) == E_OK, "mint");
    EXPECT(tether_CS_MINT(CS, b2, CS, ep, R_WRITE | R_GRANT, 2, MINT_COPY) == E_OK, "mint");

    /* The server task: server thread (window 16 pages, fault endpoint) and
     * its fault handler. */
    EXPECT((e = task_create(&srv, ROOT_CAP_BANK, 1 << 20, demo_slots(3))) == E_OK, "%s",
           tether_error_name(e));
    struct srv_param sp = { ep, fep, srv.as };
    EXPECT(task_spawn(&srv, &hs, demo_slots(1), handler, &sp, sizeof sp, PRIO + 3) == E_OK, "h");
    EXPECT(task_thread_create(&srv, &ss, demo_slots(1), server, &sp, sizeof sp, PRIO + 2) == E_OK,
           "server");
    EXPECT(tether_THREAD_SET_IPC(ss.cap, fep, 0, 0, SRV_WIN, 4) == E_OK, "set ipc");
    EXPECT(tether_THREAD_START(ss.cap) == E_OK, "start");

    /* Client 2 opens a session first and waits for a go. */
    SAY("  client 1 and client 2 (tasks with their own banks and AddrSpaces) each MAP %u pages "
        "of their own frames to the server\n", NPAGES);
    EXPECT(task_create(&c2, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "c2");
    struct cli_param cp2 = { b2, c2.bank, demo_slots(1), c2.as, c2.scratch, CAP_NONE, go, 0, 0, 0,
                             0, 0, 0 };
    EXPECT(task_spawn(&c2, &t2, demo_slots(1), client, &cp2, sizeof cp2, PRIO + 4) == E_OK, "c2");
    volatile struct cli_param *v2 = (volatile struct cli_param *)t2.hdr->param;
    EXPECT(v2->open_err == E_OK, "client 2 open: %s", tether_error_name(v2->open_err));

    /* Client 1: its revoker thread takes the buffer back mid-work. */
    EXPECT(task_create(&c1, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "c1");
    uint32_t bufbank1 = demo_slots(1);
    struct rev_param rp = { c1.as, c1.bank, bufbank1, destroy };
    EXPECT(task_thread_create(&c1, &r1, demo_slots(1), revoker, &rp, sizeof rp, PRIO + 2) == E_OK,
           "revoker");
    struct cli_param cp1 = { b1, c1.bank, bufbank1, c1.as, c1.scratch, r1.cap, CAP_NONE, 0, 0, 0,
                             0, 0, 0 };
    EXPECT(task_spawn(&c1, &t1, demo_slots(1), client, &cp1, sizeof cp1, PRIO + 4) == E_OK, "c1");
    volatile struct cli_param *v1 = (volatile struct cli_param *)t1.hdr->param;

    /* Everything above ran to its end before the root got here. */
    EXPECT(t1.hdr->done && r1.hdr->done, "client 1 finished");
    EXPECT(v1->open_err == E_OK, "open: %s", tether_error_name(v1->open_err));
    EXPECT(v1->work_err == E_FAULT, "work: %s", tether_error_name(v1->work_err));
    /* The revoker acts once page 1 is done; depending on where the timer
     * ticks, the server may finish a page or more before it does. */
    EXPECT(v1->done >= 2 && v1->done < NPAGES, "pages done %lu", v1->done);
    EXPECT(v1->addr == SESS(1) + v1->done * PG, "fault addr %lx", v1->addr);
    SAY("  client 1 got %s after %lu pages (the server faulted at %lx)\n",
        tether_error_name(v1->work_err), v1->done, v1->addr);
    uint64_t pte;
    EXPECT(demo_as_status(srv.as, SESS(1), &pte) == SLOT_EMPTY && !pte, "session 1 gone");
    EXPECT(demo_as_status(srv.as, SESS(2), &pte) == SLOT_LIVE && pte, "session 2 intact");
    if (!destroy) {
        /* The client's own mappings stay; the server's work on pages 0 and 1 is there. */
        uint64_t v = 0;
        EXPECT(demo_probe(&c1, BUF_VA + PG + 511 * 8, 0, &v, 0, 0) == E_OK && v != 0,
               "client 1 sees the server's work");
        EXPECT(demo_as_status(c1.as, BUF_VA, 0) == SLOT_LIVE, "client 1 buffer");
    } else {
        EXPECT(demo_as_status(c1.as, BUF_VA, 0) == SLOT_EMPTY, "client 1's frames are gone too");
    }
    SAY("  server AddrSpace: session of client 1 %s, session of client 2 %s\n",
        demo_as_status(srv.as, SESS(1), 0) == SLOT_EMPTY ? "empty" : "LIVE",
        demo_as_status(srv.as, SESS(2), 0) == SLOT_LIVE ? "live" : "GONE");

    /* Client 2 works now: unaffected. */
    tether_send(go, MSG_INFO(0, 0), 0);
    EXPECT(t2.hdr->done, "client 2 finished");
    EXPECT(v2->work_err == E_OK, "client 2 work: %s", tether_error_name(v2->work_err));
    EXPECT(v2->done == NPAGES && v2->sum == v2->expect_sum, "client 2: %lu pages, sum %lu/%lu",
           v2->done, v2->sum, v2->expect_sum);
    SAY("  client 2 (unaffected): %s, %lu pages, sum %lu (expected %lu)\n",
        tether_error_name(v2->work_err), v2->done, v2->sum, v2->expect_sum);

    EXPECT(task_destroy(&c1, ROOT_CAP_BANK) == E_OK, "destroy");
    EXPECT(task_destroy(&c2, ROOT_CAP_BANK) == E_OK, "destroy");
    EXPECT(task_destroy(&srv, ROOT_CAP_BANK) == E_OK, "destroy");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, ep);
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, fep);
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, go);
    return demo_failures;
}

int demo_client_memory(void) { return client_server(0); }
int demo_client_frees(void) { return client_server(1); }
