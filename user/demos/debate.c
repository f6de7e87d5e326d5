/* SPDX-License-Identifier: BSD-2-Clause */
/* debate.c: the seed post's remaining scenarios (issue 14, docs/copy-vs-map.md).
 *
 *   revocable    revocable copy three ways for N clients -- kernel wrappers,
 *                a user-level forwarder task, MAP/UNMAP -- revoking one
 *                client among N, the others unaffected
 *   transport    a cap passed through k proxies with GRANT, COPY and MAP:
 *                which proxies may leave, who can still revoke at the end
 *   ep_revoked   an endpoint destroyed under waiting clients: each gets
 *                E_REVOKED and falls back to another server
 *   bank_outlives  objects a thread allocated outlive the thread (S2)
 *   map_nomem    a task fills its bank with mappings: E_NOMEM, never a
 *                kernel out-of-memory; another task maps as before
 *
 * The "service" of revocable and transport is a notification: invoking a
 * cap to it (NTFN_POLL) is a kernel call with no endpoint, so what is
 * measured or shown is the path to it. Clients and proxies are slots of the
 * root CSpace (demos share it, demos.h); the ops on them are the ones IPC
 * transfer items perform (bench: qemu.transfer_*). */
#include "demos.h"

#define NCLI 3u
#define KPROX 3u

static long poll(uint32_t cap)
{
    uint64_t r[4];
    return tether_NTFN_POLL(cap, r);
}

/* A picture of the report (demos.h): the trees of svc and of the clients'
 * caps (the wrappers' trees, if they are wrapper caps). */
static void picture_clients(const char *name, const char *title, uint32_t svc, const uint32_t *cli,
                            int dump_clients)
{
    static const char *const cn[NCLI] = { "client 0", "client 1", "client 2" };
    picture_begin(name, title);
    picture_slot(svc, "service");
    for (unsigned i = 0; i < NCLI; i++)
        picture_slot(cli[i], cn[i]);
    picture_tree(svc);
    for (unsigned i = 0; dump_clients && i < NCLI; i++)
        picture_tree(cli[i]);
    picture_end(name);
}

/* Each client's call; prints "E_OK E_REVOKED E_OK" style lines. */
static int clients_say(const char *how, const uint32_t *cli, uint32_t revoked, long gone_err,
                       long (*use)(uint32_t))
{
    int bad = 0;
    SAY("    %-10s", how);
    for (unsigned i = 0; i < NCLI; i++) {
        long e = use(cli[i]);
        SAY(" client %u: %-9s", i, tether_error_name(e));
        if (e != (i == revoked ? gone_err : E_OK))
            bad++;
    }
    SAY("\n");
    return bad;
}

/* ---- revocable: three ways ------------------------------------------- */

struct fwd_param { uint32_t ep, target; };
static long forwarder(void *p)  /* one thread of the forwarder task per client */
{
    struct fwd_param *f = p;
    uint64_t w[6] = { 0 };
    struct tether_msg m = tether_recv(f->ep);
    while (m.err == E_OK) {
        w[0] = (uint64_t)poll(f->target);
        m = tether_reply_recv(f->ep, MSG_INFO(0, 0), w);
    }
    return m.err;  /* E_REVOKED: its endpoint was destroyed */
}

static long call_fwd(uint32_t ep)
{
    struct tether_msg m = tether_call(ep, MSG_INFO(0, 0), 0);
    return m.err ? m.err : (long)m.w[0];
}

int demo_revocable(void)
{
    demo_failures = 0;
    uint32_t svc = demo_slots(1), cli[NCLI];
    EXPECT(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, svc, 0) == E_OK, "service");
    SAY("  a service (a notification), %u clients, revoke client 1 only:\n", NCLI);

    /* (a) kernel wrappers (C8): one per client, made in advance. */
    for (unsigned i = 0; i < NCLI; i++)
        EXPECT(tether_BANK_WRAP(ROOT_CAP_BANK, CS, cli[i] = demo_slots(1), CS, svc, 0, R_ALL) == E_OK,
               "wrap");
    EXPECT(clients_say("wrappers", cli, ~0u, 0, poll) == 0, "before");
    picture_clients("revocable-wrappers-before", "demo 1: a kernel wrapper per client", svc, cli, 1);
    EXPECT(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, cli[1]) == E_OK, "destroy wrapper");
    SAY("    BANK_DESTROY of client 1's wrapper (one call, any N):\n");
    EXPECT(clients_say("wrappers", cli, 1, E_REVOKED, poll) == 0, "after");
    picture_clients("revocable-wrappers-after", "demo 1: client 1's wrapper destroyed", svc, cli, 1);
    for (unsigned i = 0; i < NCLI; i++) {  /* the others' wrappers too, and the void caps */
        if (i != 1)
            EXPECT(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, cli[i]) == E_OK, "destroy wrapper");
        EXPECT(tether_CS_DELETE(CS, cli[i]) == E_OK, "delete void wrapper cap");
    }

    /* (b) a forwarder task: one endpoint and one thread per client; the
     * thread invokes the service and replies (EROS's wrapper with IPC). */
    struct task ft;
    struct task_thread th[NCLI];
    EXPECT(task_create(&ft, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "forwarder task");
    for (unsigned i = 0; i < NCLI; i++) {
        struct fwd_param fp = { cli[i] = demo_ep(), svc };
        EXPECT(task_spawn(&ft, &th[i], demo_slots(1), forwarder, &fp, sizeof fp, PRIO + 1) == E_OK,
               "forwarder thread");
    }
    EXPECT(clients_say("forwarder", cli, ~0u, 0, call_fwd) == 0, "before");
    EXPECT(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, cli[1]) == E_OK, "destroy endpoint");
    SAY("    BANK_DESTROY of client 1's endpoint: its forwarder thread ends (%s); two IPCs per use\n",
        tether_error_name(th[1].hdr->done ? th[1].hdr->result : E_OK));
    EXPECT(th[1].hdr->done && th[1].hdr->result == E_REVOKED, "forwarder 1 ended");
    EXPECT(clients_say("forwarder", cli, 1, E_REVOKED, call_fwd) == 0, "after");
    EXPECT(task_destroy(&ft, ROOT_CAP_BANK) == E_OK, "forwarder destroy");

    /* (c) MAP/UNMAP: each client a child of the holder's cap, no planning. */
    for (unsigned i = 0; i < NCLI; i++)
        EXPECT(tether_CS_MAP(CS, cli[i] = demo_slots(1), CS, svc, R_ALL) == E_OK, "map");
    EXPECT(clients_say("MAP", cli, ~0u, 0, poll) == 0, "before");
    picture_clients("revocable-map-before", "demo 1: a MAP per client", svc, cli, 0);
    EXPECT(tether_CS_UNMAP(CS, cli[1], 1) == E_OK, "unmap");
    SAY("    CS_UNMAP (include_self) of client 1's MAP:\n");
    EXPECT(clients_say("MAP", cli, 1, E_EMPTY, poll) == 0, "after");
    picture_clients("revocable-map-after", "demo 1: client 1's MAP UNMAPped", svc, cli, 0);
    EXPECT(poll(svc) == E_OK, "holder");
    SAY("  the holder's own cap works throughout; the figures: qemu.invoke_*, qemu.revoke_1_of_*\n");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, svc);
    return demo_failures;
}

/* ---- transport: k proxies ------------------------------------------------ */

/* A picture of the report (demos.h): svc's tree, the chain's slots named. */
static void picture_chain(const char *name, const char *title, uint32_t svc, uint32_t org,
                          const uint32_t *px, uint32_t cl)
{
    static const char *const pn[KPROX] = { "proxy 1", "proxy 2", "proxy 3" };
    picture_begin(name, title);
    picture_slot(svc, "service");
    picture_slot(org, "origin");
    for (unsigned i = 0; i < KPROX; i++)
        picture_slot(px[i], pn[i]);
    picture_slot(cl, "client");
    picture_tree(svc);
    picture_end(name);
}

static const char *state(uint32_t s)
{
    long e = poll(s);
    return e == E_OK ? "works" : tether_error_name(e);
}

int demo_transport(void)
{
    demo_failures = 0;
    uint32_t svc = demo_slots(1), org = demo_slots(1), px[KPROX], cl;
    EXPECT(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_NOTIFICATION, CS, svc, 0) == E_OK, "service");
    EXPECT(tether_CS_COPY(CS, org, CS, svc, R_ALL) == E_OK, "origin");
    SAY("  the origin's cap goes through %u proxies to a client:\n", KPROX);

    /* GRANT: the origin MAPs to proxy 1, each proxy GRANTs on and leaves
     * (its slot is empty: nothing of it is left in the tree). */
    for (unsigned i = 0; i < KPROX; i++)
        px[i] = demo_slots(1);
    cl = demo_slots(1);
    EXPECT(tether_CS_MAP(CS, px[0], CS, org, R_ALL) == E_OK, "map to proxy 1");
    for (unsigned i = 1; i < KPROX; i++)
        EXPECT(tether_CS_GRANT(CS, px[i], CS, px[i - 1], R_ALL) == E_OK, "grant");
    EXPECT(tether_CS_GRANT(CS, cl, CS, px[KPROX - 1], R_ALL) == E_OK, "grant to client");
    uint64_t r[4];
    tether_CS_INFO(CS, px[0], r);
    SAY("    GRANT: proxies' slots empty (%s), client %s; the proxies may exit.\n",
        r[0] == SLOT_EMPTY ? "yes" : "NO", state(cl));
    EXPECT(r[0] == SLOT_EMPTY && poll(cl) == E_OK, "grant chain");
    picture_chain("transport-grant-before", "demo 3: GRANT through 3 proxies", svc, org, px, cl);
    EXPECT(tether_CS_UNMAP(CS, org, 0) == E_OK, "origin unmap");
    SAY("           origin UNMAPs: client %s -- the origin alone can revoke\n", state(cl));
    EXPECT(poll(cl) == E_EMPTY, "origin revoked the granted cap");
    picture_chain("transport-grant-after", "demo 3: GRANT chain, the origin UNMAPs", svc, org, px, cl);

    /* COPY: a root copied from proxy to proxy is a root each time. */
    EXPECT(tether_CS_COPY(CS, px[0], CS, org, R_ALL) == E_OK, "copy to proxy 1");
    for (unsigned i = 1; i < KPROX; i++)
        EXPECT(tether_CS_COPY(CS, px[i], CS, px[i - 1], R_ALL) == E_OK, "copy");
    EXPECT(tether_CS_COPY(CS, cl, CS, px[KPROX - 1], R_ALL) == E_OK, "copy to client");
    picture_chain("transport-copy-before", "demo 3: COPY through 3 proxies", svc, org, px, cl);
    for (unsigned i = 0; i < KPROX; i++)
        EXPECT(tether_CS_DELETE(CS, px[i]) == E_OK, "proxy leaves");
    SAY("    COPY:  proxies leave (DELETE): client %s; ", state(cl));
    EXPECT(tether_CS_UNMAP(CS, org, 0) == E_OK && poll(cl) == E_OK, "copy survives unmap");
    SAY("origin UNMAPs: client %s (a copy of a root is a root);\n", state(cl));
    picture_chain("transport-copy-after", "demo 3: COPY chain, the proxies left, the origin UNMAPs", svc,
                  org, px, cl);
    SAY("           only destroying the object revokes it, for everyone (or a wrapper made first)\n");
    EXPECT(tether_CS_DELETE(CS, cl) == E_OK, "client drops");

    /* MAP: each proxy MAPs on; a proxy that leaves takes the client's cap
     * with it (C6), and every proxy upstream can revoke. */
    EXPECT(tether_CS_MAP(CS, px[0], CS, org, R_ALL) == E_OK, "map to proxy 1");
    for (unsigned i = 1; i < KPROX; i++)
        EXPECT(tether_CS_MAP(CS, px[i], CS, px[i - 1], R_ALL) == E_OK, "map");
    EXPECT(tether_CS_MAP(CS, cl, CS, px[KPROX - 1], R_ALL) == E_OK, "map to client");
    SAY("    MAP:   client %s; the origin and all %u proxies can revoke it;\n", state(cl), KPROX);
    picture_chain("transport-map-before", "demo 3: MAP through 3 proxies", svc, org, px, cl);
    EXPECT(tether_CS_DELETE(CS, px[1]) == E_OK, "proxy 2 leaves");
    picture_chain("transport-map-after", "demo 3: MAP chain, proxy 2 leaves", svc, org, px, cl);
    SAY("           proxy 2 leaves (DELETE): client %s, proxy 3 %s -- proxies must stay\n",
        state(cl), state(px[2]));
    EXPECT(poll(cl) == E_EMPTY && poll(px[2]) == E_EMPTY && poll(px[0]) == E_OK, "map chain");
    EXPECT(tether_CS_UNMAP(CS, org, 0) == E_OK, "cleanup");
    EXPECT(poll(org) == E_OK, "origin keeps its cap");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, svc);
    tether_CS_DELETE(CS, svc);
    tether_CS_DELETE(CS, org);
    return demo_failures;
}

/* ---- ep_revoked: clients prepared for an error ---------------------------- */

struct ep_cli { uint32_t ep, backup; long first, second; };
static long ep_client(void *p)
{
    struct ep_cli *c = p;
    struct tether_msg m = tether_call(c->ep, MSG_INFO(1, 0), 0);  /* nobody receives yet */
    c->first = m.err;
    if (m.err == E_REVOKED)  /* the error handling: go to the backup server */
        m = tether_call(c->backup, MSG_INFO(1, 0), 0);
    c->second = m.err ? m.err : (long)m.w[0];
    return 0;
}

static long ep_server(void *p)
{
    uint32_t ep = *(uint32_t *)p;
    uint64_t w[6] = { E_OK };
    struct tether_msg m = tether_recv(ep);
    while (m.err == E_OK)
        m = tether_reply_recv(ep, MSG_INFO(0, 0), w);
    return m.err;
}

int demo_ep_revoked(void)
{
    demo_failures = 0;
    struct task ct, st;
    struct task_thread cth[NCLI], sth;
    uint32_t ep = demo_ep(), backup = demo_ep();
    EXPECT(task_create(&ct, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "clients");
    EXPECT(task_create(&st, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "server");
    EXPECT(task_spawn(&st, &sth, demo_slots(1), ep_server, &backup, sizeof backup, PRIO + 2) == E_OK,
           "backup server");
    for (unsigned i = 0; i < NCLI; i++) {
        struct ep_cli c = { ep, backup, -1, -1 };
        EXPECT(task_spawn(&ct, &cth[i], demo_slots(1), ep_client, &c, sizeof c, PRIO + 1) == E_OK,
               "client");
    }
    uint64_t r[4] = { 0 };
    tether_THREAD_INFO(cth[0].cap, r);
    SAY("  %u clients call an endpoint nobody serves: each is blocked (state %s)\n", NCLI,
        r[0] == THREAD_BLOCKED_SEND ? "BLOCKED_SEND" : "?");
    EXPECT(r[0] == THREAD_BLOCKED_SEND, "blocked");
    EXPECT(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, ep) == E_OK, "destroy endpoint");
    SAY("  the endpoint is destroyed (BANK_DESTROY) under them:\n");
    for (unsigned i = 0; i < NCLI; i++) {
        volatile struct ep_cli *c = (volatile struct ep_cli *)cth[i].hdr->param;
        SAY("    client %u: call -> %s, handled: call to the backup server -> %s\n", i,
            tether_error_name(c->first), tether_error_name(c->second));
        EXPECT(cth[i].hdr->done && c->first == E_REVOKED && c->second == E_OK, "client %u", i);
    }
    SAY("  nobody hangs; a client that expects E_REVOKED recovers on its own\n");
    EXPECT(task_destroy(&ct, ROOT_CAP_BANK) == E_OK, "destroy");
    EXPECT(task_destroy(&st, ROOT_CAP_BANK) == E_OK, "destroy");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, backup);
    return demo_failures;
}

/* ---- bank_outlives: storage lifetime vs thread lifetime -------------------- */

struct alloc_param { uint32_t bank, ep, frame, scratch, as; uint64_t va; };
static long allocator(void *p)
{
    struct alloc_param *a = p;
    long e = tether_BANK_CREATE(a->bank, OBJ_ENDPOINT, CS, a->ep, 0);
    if (e == E_OK)
        e = tether_BANK_CREATE(a->bank, OBJ_FRAME, CS, a->frame, 0);
    if (e == E_OK)
        e = tether_AS_MAP_FRAME(a->as, a->frame, a->va, R_READ | R_WRITE, ITEM_MAP);
    if (e == E_OK)
        memcpy((void *)a->va, "written by a thread now gone", 29);
    return e;
}

int demo_bank_outlives(void)
{
    demo_failures = 0;
    struct task t;
    struct task_thread th;
    uint32_t bank = demo_slots(1);
    uint64_t r[4] = { 0 };
    EXPECT(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_BANK, CS, bank, 64 * 1024) == E_OK, "bank");
    EXPECT(task_create(&t, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "task");
    struct alloc_param a = { bank, demo_slots(1), demo_slots(1), 0, t.as, 0x20000000UL };
    EXPECT(task_spawn(&t, &th, demo_slots(1), allocator, &a, sizeof a, PRIO + 1) == E_OK, "thread");
    EXPECT(th.hdr->done && th.hdr->result == E_OK, "allocated");
    tether_BANK_QUERY(bank, r);
    SAY("  a thread allocates an endpoint and a frame from a bank it was given, writes the frame\n");
    SAY("  bank: %lu objects, %lu bytes; the thread and its whole task are destroyed:\n", r[2], r[0]);
    EXPECT(r[2] == 2, "two objects");
    EXPECT(task_destroy(&t, ROOT_CAP_BANK) == E_OK, "task destroy");
    uint64_t va = stage_alloc(1);
    EXPECT(tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, a.frame, va, R_READ, ITEM_MAP) == E_OK, "map");
    uint64_t ir[4] = { 0 };
    tether_CS_INFO(CS, a.ep, ir);
    SAY("    endpoint: %s; frame: \"%s\"\n", ir[0] == SLOT_LIVE ? "live" : "GONE", (char *)va);
    EXPECT(ir[0] == SLOT_LIVE && memcmp((void *)va, "written by a thread now gone", 29) == 0,
           "outlived");
    EXPECT(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, bank) == E_OK, "bank destroy");
    tether_CS_INFO(CS, a.ep, ir);
    SAY("  the bank is destroyed: endpoint %s -- objects live as long as their bank (S2)\n",
        ir[0] == SLOT_VOID ? "void" : "STILL LIVE");
    EXPECT(ir[0] == SLOT_VOID, "void");
    tether_CS_DELETE(CS, a.ep);
    tether_AS_UNMAP(ROOT_CAP_ASPACE, va, 0, 1);
    tether_CS_DELETE(CS, a.frame);
    tether_CS_DELETE(CS, bank);
    return demo_failures;
}

/* ---- map_nomem: kernel memory for the mapping database --------------------- */

struct fill_param { uint32_t bank, as, frame, sub; long err; unsigned maps; };
static long filler(void *p)
{
    struct fill_param *f = p;
    /* its own sub-bank and an AddrSpace paid by it, filled with mappings
     * of one frame at consecutive pages (32 bytes of mapping table each,
     * a page-table page per 512) */
    long e = tether_BANK_CREATE(f->bank, OBJ_BANK, CS, f->sub, 64 * 1024);
    if (e == E_OK)
        e = tether_BANK_CREATE(f->sub, OBJ_ASPACE, CS, f->as, 0);
    for (f->maps = 0; e == E_OK;)
        if ((e = tether_AS_MAP_FRAME(f->as, f->frame, 0x40000000UL + f->maps * PG, R_READ,
                                     ITEM_MAP)) == E_OK)
            f->maps++;
    f->err = e;
    return 0;
}

int demo_map_nomem(void)
{
    demo_failures = 0;
    struct task t, u;
    struct task_thread th, uh;
    uint32_t frame = demo_slots(1);
    uint64_t r0[4] = { 0 }, r1[4] = { 0 }, q[4] = { 0 };
    EXPECT(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_FRAME, CS, frame, 0) == E_OK, "frame");
    EXPECT(task_create(&t, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "task");
    EXPECT(task_create(&u, ROOT_CAP_BANK, 1 << 20, demo_slots(3)) == E_OK, "other task");
    uint64_t t0[4] = { 0 }, t1[4] = { 0 };
    tether_BANK_QUERY(ROOT_CAP_BANK, r0);
    tether_BANK_QUERY(t.bank, t0);
    struct fill_param f = { t.bank, demo_slots(1), frame, demo_slots(1), -1, 0 };
    EXPECT(task_spawn(&t, &th, demo_slots(1), filler, &f, sizeof f, PRIO + 1) == E_OK, "filler");
    volatile struct fill_param *vf = (volatile struct fill_param *)th.hdr->param;
    tether_BANK_QUERY(f.sub, q);
    SAY("  a task maps one frame again and again into an AddrSpace of its 64 KiB bank:\n");
    SAY("    %u mappings, the next -> %s; its bank: %lu of %lu bytes used\n", vf->maps,
        tether_error_name(vf->err), q[0], q[1]);
    EXPECT(th.hdr->done && vf->err == E_NOMEM && vf->maps > 0, "E_NOMEM");
    tether_BANK_QUERY(ROOT_CAP_BANK, r1);
    tether_BANK_QUERY(t.bank, t1);
    SAY("    the task's bank paid for all of it: +%lu bytes there, +%lu in the root bank (its parent)\n",
        t1[0] - t0[0], r1[0] - r0[0]);
    EXPECT(r1[0] - r0[0] == t1[0] - t0[0], "only the task's bank paid");
    struct fill_param g = { u.bank, demo_slots(1), frame, demo_slots(1), -1, 0 };
    EXPECT(task_spawn(&u, &uh, demo_slots(1), filler, &g, sizeof g, PRIO + 1) == E_OK, "other");
    volatile struct fill_param *vg = (volatile struct fill_param *)uh.hdr->param;
    SAY("  another task does the same on its own bank: %u mappings, then %s -- unaffected\n",
        vg->maps, tether_error_name(vg->err));
    EXPECT(vg->err == E_NOMEM && vg->maps == vf->maps, "the other task");
    EXPECT(tether_SYSTEM_CHECK(ROOT_CAP_SYSTEM, q) == E_OK && q[0] == 0, "kernel invariants");
    SAY("  the kernel's invariants hold; no kernel heap ran out (S1)\n");
    EXPECT(task_destroy(&t, ROOT_CAP_BANK) == E_OK, "destroy");
    EXPECT(task_destroy(&u, ROOT_CAP_BANK) == E_OK, "destroy");
    tether_BANK_DESTROY(ROOT_CAP_BANK, CS, frame);
    return demo_failures;
}
