/* SPDX-License-Identifier: BSD-2-Clause */
/* first.c: a first program on Tether (README: "Your first program").
 *
 * A boot module, run as a task of its own: an endpoint, a server in
 * another AddrSpace, a badged call to it, a page MAPped into the server's
 * AddrSpace for the call and UNMAPped after it -- all with libtether, all
 * paid for by this program's bank (MODULE_CAP_BANK). Its caps are at the
 * well-known addresses MODULE_CAP_* of <tether/abi.h>. */
#include "task.h"
#include "tether.h"
#include "ulib.h"

#define CS MODULE_CAP_CSPACE
/* Cap addresses of our CSpace, from ROOT_CAP_FIRST_FREE (16) on. */
enum { EP = 16, CLIENT = 17, SCRATCH = 18, SERVER = 20 /* ..22 */, SERVER_THREAD = 23 };
#define PAGE   0x40000000UL  /* our page                              */
#define WINDOW 0x50000000UL  /* where the server sees it              */
#define READ   1u            /* the label of our request              */
#define PRIO   50u           /* our own priority (module.h: MODULE_PRIO) */

/* The server: a thread in an AddrSpace of its own (sharing our CSpace).
 * It answers each call with the caller's badge and the length of the
 * string at the address the call names. */
static long server(void *unused)
{
    (void)unused;
    struct tether_msg m = tether_recv(EP);
    for (;;) {
        const char *s = (const char *)m.w[0];
        printf("first: server: label %lu, badge 0x%lx, the page says \"%s\"\n",
               (unsigned long)tmsg_label(m), m.badge, s);
        uint64_t w[6] = { m.badge, strlen(s) };
        m = tether_reply_recv(EP, MSG_INFO(0, 0), w);
    }
}

static int failed;

static void step(const char *what, long e)
{
    printf("first: %-46s %s\n", what, tether_error_name(e));
    failed += e != E_OK;
}

int main(void)
{
    uint64_t r[4];
    /* 1. An endpoint from our bank, and a badged cap to it. */
    step("endpoint (BANK_CREATE)", tether_BANK_CREATE(MODULE_CAP_BANK, OBJ_ENDPOINT, CS, EP, 0));
    step("badged cap 0x42 to it (CS_MINT)",
         tether_CS_MINT(CS, CLIENT, CS, EP, R_WRITE, 0x42, MINT_MAP));

    /* 2. A server task: an AddrSpace of its own, paid by a sub-bank of ours. */
    struct task srv;
    struct task_thread th;
    step("server task (task_create)", task_create(&srv, MODULE_CAP_BANK, 64 << 10, SERVER));
    step("server thread (task_spawn)", task_spawn(&srv, &th, SERVER_THREAD, server, NULL, 0, PRIO));

    /* 3. A page of ours, MAPped read-only into the server's AddrSpace. */
    step("a page at 0x40000000 (frame_new_at)",
         frame_new_at(MODULE_CAP_BANK, SCRATCH, MODULE_CAP_ASPACE, PAGE, R_READ | R_WRITE));
    memcpy((void *)PAGE, "hello, server", 14);
    step("MAP it to the server at 0x50000000 (AS_MAP)",
         tether_AS_MAP(srv.as, MODULE_CAP_ASPACE, PAGE, WINDOW, 0, R_READ, ITEM_MAP));

    /* 4. The badged call; the server reads our page through its mapping. */
    uint64_t w[6] = { WINDOW };
    struct tether_msg m = tether_call(CLIENT, MSG_INFO(READ, 0), w);
    step("call through the badged cap", m.err);
    printf("first: the server saw badge 0x%lx and read %lu bytes\n", m.w[0], m.w[1]);
    failed += m.w[0] != 0x42 || m.w[1] != 13;

    /* 5. UNMAP: what was MAPped from our page is gone; our page stays. */
    step("UNMAP what we MAPped (AS_UNMAP)", tether_AS_UNMAP(MODULE_CAP_ASPACE, PAGE, 0, 0));
    tether_AS_INFO(srv.as, WINDOW, r);
    printf("first: the server's 0x50000000 is %s; our page still says \"%s\"\n",
           r[0] == SLOT_EMPTY ? "empty" : "still mapped", (const char *)PAGE);
    failed += r[0] != SLOT_EMPTY;

    /* 6. Destroying the server's bank destroys all of it (S2). */
    step("destroy the server (task_destroy)", task_destroy(&srv, MODULE_CAP_BANK));
    tether_BANK_QUERY(MODULE_CAP_BANK, r);
    printf("first: my bank pays %lu bytes for %lu objects\n", r[0], r[2]);
    printf("first: done, %s\n", failed ? "FAILED" : "all as expected");
    return failed ? 1 : 0;
}
