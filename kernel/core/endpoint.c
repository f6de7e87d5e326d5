/* SPDX-License-Identifier: BSD-2-Clause */
/* endpoint.c: endpoints (queues, destruction, I6) and synchronous message
 * passing (I1..I6).
 *
 * Rendezvous: whoever arrives second at an endpoint delivers the message
 * (deliver()) and wakes the other; whoever arrives first waits in the
 * endpoint's queue with its message still in its registers. A call leaves
 * the caller BLOCKED_REPLY and gives the receiver a one-shot reply right
 * (thread.caller + its epoch, so a destroyed caller is detected, I2). */
#include "endpoint.h"
#include "invoke.h"
#include "thread.h"
#include "charge.h"
#include "aspace.h"
#include "cspace.h"
#include "kernel.h"
#include "sched.h"
#include "notification.h"

void ep_enqueue(oref ep, oref t, u32 qstate)
{
    ep_push(endpoint_body(ep), ep, t, thread_body(t), qstate);
}

void ep_remove(oref ep, oref t)
{
    ep_unlink(endpoint_body(ep), thread_body(t));
}

int endpoint_reap_step(oref ep, u32 *budget)
{
    struct endpoint *e = endpoint_body(ep);
    while (e->head) {
        if (*budget == 0)
            return E_CONTINUE;
        (*budget)--;
        ipc_abort(e->head, E_REVOKED);
    }
    return E_OK;
}

/* Endpoints have no kernel methods: calling one is IPC, which needs a
 * calling thread (kernel_syscall). Without one (the host harness's
 * kernel_invoke) there is nothing to do. */
int endpoint_invoke(struct inv *iv)
{
    (void)iv;
    return E_LABEL;
}

/* ---- message passing ------------------------------------------------ */


static inline struct thread *T(oref t) { return thread_body(t); }

/* A sender queued through a wrapper is on the wrapper's waiter list, so
 * that destroying the wrapper can fail its call (I6, C8). */
static void via_link(oref t, oref w)
{
    struct wrapper *wb = wrapper_body(w);
    struct thread *th = T(t);
    th->via = w;
    th->vprev = 0;
    th->vnext = wb->waiters;
    if (wb->waiters)
        T(wb->waiters)->vprev = t;
    wb->waiters = t;
}

static void via_unlink(oref t)
{
    struct thread *th = T(t);
    if (!th->via)
        return;
    if (th->vprev)
        T(th->vprev)->vnext = th->vnext;
    else
        wrapper_body(th->via)->waiters = th->vnext;
    if (th->vnext)
        T(th->vnext)->vprev = th->vprev;
    th->via = th->vprev = th->vnext = 0;
}

/* Finish t's system call with error e (pc past the ecall). */
static struct hal_regs *done(oref t, u64 e)
{
    T(t)->regs.x[REG_MSGINFO] = e;
    hal_syscall_done(&T(t)->regs);
    return sched_next();
}

static void wake(oref t, u64 a0)
{
    T(t)->regs.x[REG_MSGINFO] = a0;
    T(t)->state = THREAD_RUNNABLE;
    sched_enqueue(t);
}

static void block(oref t, u8 state)
{
    sched_dequeue(t);
    T(t)->state = state;
}

/* The message a (possibly queued) sender carries. */
struct msg {
    u64 info;          /* label | items << 20                          */
    u64 w[MSG_WORDS];
    u64 badge;
    oref from_cs;      /* where its transfer items' source caps live  */
    oref from_as;      /* ... and its memory items' source pages      */
    bool grant;        /* may it transfer caps                        */
};

/* The message of sender t, which can run (thread_can_run). */
static void msg_of(oref t, u64 badge, bool grant, struct msg *m)
{
    struct thread *th = T(t);
    m->badge = badge;
    m->from_cs = thread_cspace(th);
    m->from_as = thread_aspace(th);
    m->grant = grant;
    if (th->ipc & IPC_FAULT) {  /* a fault message (I5) */
        m->info = MSG_INFO(th->fault, 0);
        m->w[0] = th->fault_addr;
        m->w[1] = th->fault_pc;
        for (u32 i = 2; i < MSG_WORDS; i++)
            m->w[i] = 0;
        return;
    }
    m->info = th->regs.x[REG_MSGINFO] >> 32;
    for (u32 i = 0; i < MSG_WORDS; i++)
        m->w[i] = th->regs.x[REG_MSG(i)];
}

/* A waiting partner (queued on an endpoint, or waiting for a reply) takes
 * part only if it can still run: a thread whose CSpace or AddrSpace was
 * destroyed (or its cap to them, or the cap it was configured through,
 * revoked) is stopped here, as the scheduler would stop it (thread_lost),
 * and never used (its spaces may be reused already). False if it was
 * stopped. */
static bool partner_alive(oref t)
{
    if (thread_can_run(T(t)))
        return true;
    thread_lost(t);
    return false;
}

/* The reply right t holds (I2), if it is still good: the caller it names
 * is the same thread (epoch), live, and still waiting for t's reply.
 * Else 0. */
static inline oref reply_caller(oref t, const struct thread *th)
{
    oref c = th->caller;
    if (!c || obj_get(c)->live != th->caller_epoch)
        return 0;
    const struct thread *ct = T(c);
    return ct->state == THREAD_BLOCKED_REPLY && ct->partner == t ? c : 0;
}

/* A transfer item, decoded and checked. */
struct item {
    bool mem;            /* a flexpage (else a capability)        */
    u8 op;               /* ITEM_COPY / MAP / GRANT               */
    struct slot *src;    /* cap items: the source slot            */
    u32 dst;             /* cap items: the slot in the window     */
    struct flex f;       /* memory items                          */
};

/* What a message's items will allocate in the receiver (counted by
 * check_items, reserved by deliver before anything moves). */
struct need {
    oref cs, as;              /* the receiver's spaces  */
    struct radix_grow cs_g;   /* CSpace nodes           */
    struct as_grow as_g;      /* mapping nodes, tables  */
};

/* Check the transfer items of m against receiver `to` (which can run): cap
 * items go to its cap window in order, memory items to its memory window
 * in order, or, in the reply to a page fault, to the faulting page (a
 * pager, I5). Nothing changes; *nd gets what the destination needs. */
static int check_items(const struct msg *m, oref to, struct item *it, u32 n, struct need *nd)
{
    struct thread *r = T(to);
    oref dcs = nd->cs = thread_cspace(r), das = nd->as = thread_aspace(r);
    struct flex mf[MSG_MAX_ITEMS];
    u32 ncap = 0, nmem = 0, mem_off = 0;
    bool pager = r->state == THREAD_BLOCKED_REPLY && (r->ipc & IPC_FAULT);
    if (n && !m->grant)
        return E_RIGHTS;
    if (!dcs || !das || (n && (!m->from_cs || !m->from_as)))
        return E_REVOKED;  /* never: both parties were checked (partner_alive) */
    for (u32 i = 0; i < n; i++) {
        u64 d = m->w[MSG_WORDS - n + i];
        u8 op = (d >> 32) & 0xff;
        it[i].mem = op & ITEM_MEM;
        it[i].op = op & ~ITEM_MEM;
        if (it[i].op > ITEM_GRANT || op > (ITEM_MEM | ITEM_GRANT))
            return E_INVAL;
        if (it[i].mem) {
            struct flex *f = &it[i].f;
            u64 log2 = (d >> 48) & 0xff, src = (u32)d;
            if (log2 > FLEX_MAX_LOG2 || !((d >> 40) & R_READ) ||
                src + (1u << log2) > (USER_VA_LIMIT >> 12) || (pager && mem_off))
                return E_INVAL;
            f->npages = 1u << log2;
            if (pager) {  /* at the faulting page, aligned to the flexpage */
                if (r->fault_addr >= USER_VA_LIMIT)
                    return E_INVAL;
                f->dst_vpn = (u32)(r->fault_addr >> 12) & ~(f->npages - 1);
            } else {
                if (!r->mwin_on || mem_off + f->npages > (1u << r->mwin_log2))
                    return E_FULL;  /* no memory window, or too small */
                f->dst_vpn = r->mwin_vpn + mem_off;
            }
            mem_off += f->npages;
            f->src_as = m->from_as;
            f->dst_as = das;
            f->src_vpn = (u32)src;
            f->op = it[i].op;
            f->rights = (u8)(d >> 40);
            mf[nmem++] = *f;
            int e = flex_disjoint(mf, nmem);
            if (e == E_OK)
                e = flex_check(f, &nd->as_g);
            if (e != E_OK)
                return e;
            continue;
        }
        int e = cspace_lookup_live(m->from_cs, (u32)d, &it[i].src);
        if (e != E_OK)
            return e == E_REVOKED ? E_EMPTY : e;  /* void transfers as empty (S3) */
        if (it[i].op == ITEM_MAP && !cap_can_derive(it[i].src))
            return E_DEPTH;
        for (u32 j = 0; j < i; j++)  /* a cap moved away can't be used twice */
            if (!it[j].mem && it[j].src == it[i].src && (it[i].op == ITEM_GRANT || it[j].op == ITEM_GRANT))
                return E_INVAL;
        if (ncap >= r->win_count)
            return E_FULL;  /* the window is too small */
        u32 idx = it[i].dst = r->win_base + ncap++;
        struct slot *s;
        cspace_lookup(dcs, idx, &s);
        if ((e = cap_dst_check(s)) != E_OK)
            return e;
        if (!s)
            radix_count(cspace_body(dcs), idx, &nd->cs_g);
    }
    return E_OK;
}

/* Reserve what the checked items need, all of it (the CSpace's and the
 * AddrSpace's banks often share ancestors: each block is charged as it is
 * reserved, so their sum is what is checked), then build the nodes and
 * tables from it. The only step that can fail after the checks; on
 * failure the caller drops the reservation and nothing has changed. */
static int prepare_items(const struct need *nd, struct item *it, u32 n, struct reserve *rs)
{
    int e = radix_reserve(rs, obj_get(nd->cs)->bank, &nd->cs_g);
    if (e == E_OK)
        e = flex_reserve(rs, nd->as, &nd->as_g);
    for (u32 i = 0; i < n && e == E_OK; i++) {
        struct slot *dst;
        e = it[i].mem ? flex_prepare(&it[i].f, rs)
                      : radix_ensure(cspace_body(nd->cs), obj_get(nd->cs)->bank, it[i].dst, rs, &dst);
    }
    return e;
}

/* Move the items (checked and prepared) into their places. */
static void move_items(const struct msg *m, const struct need *nd, struct item *it, u32 n)
{
    for (u32 i = 0; i < n; i++) {
        if (it[i].mem) {
            flex_do(&it[i].f);
            continue;
        }
        u8 rights = cap_rights_mask(it[i].src->rights, m->w[MSG_WORDS - n + i] >> 40);
        struct slot *dst = cspace_slot(nd->cs, it[i].dst);
        cap_dst_clear(dst);
        switch (it[i].op) {
        case ITEM_COPY:  cap_copy(it[i].src, dst, rights, it[i].src->badge); break;
        case ITEM_MAP:   cap_map(it[i].src, dst, rights, it[i].src->badge); break;
        case ITEM_GRANT: cap_grant(it[i].src, dst, rights); break;
        }
    }
}

/* Transfer the n > 0 items of m to `to`: check, reserve, prepare, move;
 * all or nothing. (Out of line: most messages have no items.) */
static __attribute__((noinline)) int transfer_items(const struct msg *m, oref to, u32 n)
{
    struct item it[MSG_MAX_ITEMS];
    struct need nd = {0, 0, RADIX_GROW_INIT, AS_GROW_INIT};
    struct reserve rs;
    int e = check_items(m, to, it, n, &nd);
    if (e != E_OK)
        return e;
    reserve_init(&rs);
    e = prepare_items(&nd, it, n, &rs);
    if (e == E_OK)
        move_items(m, &nd, it, n);  /* commit: nothing below fails */
    reserve_drop(&rs);
    return e;
}

/* Deliver m to thread `to` (which can run): its registers, or, if `to`
 * waits for the reply to a fault, its resumption (I5). E_OK, or an error
 * with nothing changed. */
static int deliver(const struct msg *m, oref to)
{
    u32 n = MSG_ITEMS(m->info);
    int e = n ? transfer_items(m, to, n) : E_OK;
    if (e != E_OK)
        return e;
    struct thread *r = T(to);
    if (r->state == THREAD_BLOCKED_REPLY && (r->ipc & IPC_FAULT)) {
        if (MSG_LABEL(m->info) == FAULT_REPLY_SETPC)
            r->regs.pc = m->w[0];
        r->ipc = 0;
        return E_OK;
    }
    r->regs.x[REG_MSGINFO] = E_OK | m->info << 32;
    for (u32 i = 0; i < MSG_WORDS; i++)
        r->regs.x[REG_MSG(i)] = m->w[i];
    r->regs.x[REG_BADGE] = m->badge;
    return E_OK;
}

/* T2: a passive thread (no SchedContext of its own) that takes a message
 * runs on the sender's time until it replies or waits again. */
static inline bool passive(const struct thread *th) { return !cap_live(&th->sc); }

static inline void lend(struct thread *to, const struct thread *from)
{
    /* Its own, or what it was lent (chains pass it on; a lent one that died
     * meanwhile stays dead: thread_sc checks the epoch). */
    if (cap_live(&from->sc)) {
        to->lent = from->sc.obj;
        to->lent_epoch = from->sc.epoch;
    } else {
        to->lent = from->lent;
        to->lent_epoch = from->lent_epoch;
    }
}

/* After a message was delivered: the caller waits for `server`'s reply
 * (a call; a plain send to a passive server waits too, IPC_LEND, until the
 * server replies or waits again). A passive server runs on the caller's
 * time meanwhile; fault messages lend nothing (a handler has time of its
 * own: the faulting thread's may be what ran out). */
static void await_reply(oref caller, oref server)
{
    struct thread *c = T(caller), *s = T(server);
    block(caller, THREAD_BLOCKED_REPLY);
    c->partner = server;
    c->partner_epoch = obj_get(server)->epoch;
    s->caller = caller;
    s->caller_epoch = obj_get(caller)->epoch;
    if (passive(s) && !(c->ipc & IPC_FAULT)) {
        lend(s, c);
        sched_time_back(server);
    }
}

/* t gives back time it was lent (it replied, or waits again). */
static inline void give_back(oref t, struct thread *th)
{
    if (!th->lent)
        return;
    th->lent = 0;
    if (t == sched_cur)
        sched_time_lost();
}

/* Drop t's reply right (and the time it was lent); a caller still waiting
 * on it learns (I6): E_REVOKED, or E_OK for a plain send (IPC_LEND: its
 * message was delivered, the server is done with it). */
static void drop_reply_right(oref t)
{
    struct thread *th = T(t);
    oref c = reply_caller(t, th);
    th->caller = 0;
    give_back(t, th);
    if (!c)
        return;
    if (T(c)->ipc & IPC_FAULT)
        thread_fault(c, T(c)->fault, T(c)->fault_addr, T(c)->fault_pc);
    else
        wake(c, T(c)->ipc & IPC_LEND ? E_OK : E_REVOKED);
}

/* A queued sender's authority is checked again when its message is taken
 * (C5, C8: no message escapes an UNMAP, or the destruction of any wrapper
 * of a chain, by waiting in a queue): the cap it sends through -- the one
 * at its cap address now, or its fault endpoint for a fault -- must still
 * resolve to endpoint ep with write rights (its timeout endpoint for a
 * FAULT_TIMEOUT). The badge and grant right
 * delivered are the ones resolved now. */
static int sender_target(oref s, oref ep, struct target *tg)
{
    struct thread *sh = T(s);
    const struct slot *fep = sh->fault == FAULT_TIMEOUT ? &sh->timeout_ep : &sh->fault_ep;
    int e = sh->ipc & IPC_FAULT ? (fep->obj ? cap_resolve(fep, tg) : E_EMPTY)
                                : cap_lookup(thread_cspace(sh), (u32)sh->regs.x[REG_MSGINFO], tg);
    if (e == E_OK && (tg->type != OBJ_ENDPOINT || tg->obj != ep || !(tg->rights & R_WRITE)))
        e = E_REVOKED;
    return e;
}

/* Take the first queued sender of ep (ipc_recv) whose message may be
 * delivered; senders that lost their authority are woken with E_REVOKED
 * (back to FAULTED for a fault) and senders that can't run are stopped.
 * 0 if none is left, or if *budget such removals were done (the receiver
 * then restarts its system call). */
static oref first_sender(oref ep, struct target *tg, u32 *budget)
{
    struct endpoint *e = endpoint_body(ep);
    while (e->qstate == EPQ_SEND && *budget) {
        oref s = e->head;
        if (partner_alive(s) && sender_target(s, ep, tg) == E_OK)
            return s;
        (*budget)--;
        if (T(s)->state != THREAD_BLOCKED_SEND)
            continue;  /* stopped by partner_alive */
        ep_remove(ep, s);
        via_unlink(s);
        if (T(s)->ipc & IPC_FAULT) {
            T(s)->ipc = 0;
            thread_fault(s, T(s)->fault, T(s)->fault_addr, T(s)->fault_pc);
        } else {
            wake(s, E_REVOKED);
        }
    }
    return 0;
}

/* The first queued receiver of ep that can run (stopping those that
 * can't, as first_sender does); 0 if none, or the budget ran out. */
static oref first_receiver(oref ep, u32 *budget)
{
    struct endpoint *e = endpoint_body(ep);
    while (e->qstate == EPQ_RECV && *budget) {
        oref r = e->head;
        if (partner_alive(r))
            return r;
        (*budget)--;
    }
    return 0;
}

/* t sends (or, with call, calls) on the endpoint; its message is in its
 * registers, or it is a fault (t->ipc & IPC_FAULT). sys: it is a system
 * call (the pc moves past it when it completes or blocks; a fault's
 * pc stays on the faulting instruction). */
static struct hal_regs *send(oref t, const struct target *tg, bool call, bool blk, bool sys)
{
    struct thread *th = T(t);
    bool grant = tg->rights & R_GRANT;
    u32 budget = REVOKE_BUDGET;
    if (!(tg->rights & R_WRITE))
        return done(t, E_RIGHTS);
    oref r = first_receiver(tg->obj, &budget);
    if (!budget)
        return sched_next();  /* restart: the pc stays on the ecall */
    if (r) {
        struct msg m;
        msg_of(t, tg->badge, grant, &m);
        int e = deliver(&m, r);
        if (e != E_OK && (th->ipc & IPC_FAULT)) {
            /* The fault can't be delivered: the thread stops. */
            thread_fault(t, th->fault, th->fault_addr, th->fault_pc);
            return sched_next();
        }
        if (e != E_OK)
            return done(t, (u64)e);
        ep_remove(tg->obj, r);
        if (sys)
            hal_syscall_done(&th->regs);
        if (!call && passive(T(r)) && !(th->ipc & IPC_FAULT))
            th->ipc |= IPC_LEND;  /* T2: its time goes with the message */
        if (call || (th->ipc & IPC_LEND))
            await_reply(t, r);
        else
            th->regs.x[REG_MSGINFO] = E_OK;
        wake(r, T(r)->regs.x[REG_MSGINFO]);  /* deliver() wrote it */
        return sched_next();
    }
    if (!blk)
        return done(t, E_WOULDBLOCK);
    if (sys)
        hal_syscall_done(&th->regs);
    th->ipc = (th->ipc & IPC_FAULT) | (call ? IPC_CALL : 0);
    block(t, THREAD_BLOCKED_SEND);
    ep_enqueue(tg->obj, t, EPQ_SEND);
    if (tg->via)
        via_link(t, tg->via);
    return sched_next();
}

struct hal_regs *ipc_send(oref t, const struct target *ep, bool call, bool block_ok)
{
    T(t)->ipc = 0;
    return send(t, ep, call, block_ok, true);
}

struct hal_regs *ipc_recv(oref t, const struct target *tg, bool blk)
{
    struct thread *th = T(t);
    struct target st;
    u32 budget = REVOKE_BUDGET;
    if (!(tg->rights & R_READ))
        return done(t, E_RIGHTS);
    if (th->ntfn.obj && ntfn_recv_bound(t, th)) {  /* a bound notification's word comes first */
        drop_reply_right(t);
        return done(t, E_NOTIFIED);
    }
    oref s = first_sender(tg->obj, &st, &budget);
    if (!budget)
        return sched_next();  /* restart: the pc stays on the ecall */
    if (s) {
        struct thread *sh = T(s);
        struct msg m;
        msg_of(s, st.badge, st.rights & R_GRANT, &m);
        int e = deliver(&m, t);
        if (e != E_OK)
            return done(t, (u64)e);
        ep_remove(tg->obj, s);
        via_unlink(s);
        drop_reply_right(t);
        hal_syscall_done(&th->regs);
        if (!(sh->ipc & (IPC_CALL | IPC_FAULT)) && passive(th))
            sh->ipc |= IPC_LEND;  /* T2: its time goes with the message */
        if (sh->ipc & (IPC_CALL | IPC_LEND))
            await_reply(s, t);
        else
            wake(s, E_OK);
        return sched_next();
    }
    if (!blk)
        return done(t, E_WOULDBLOCK);
    drop_reply_right(t);
    hal_syscall_done(&th->regs);
    block(t, THREAD_BLOCKED_RECV);
    ep_enqueue(tg->obj, t, EPQ_RECV);
    return sched_next();
}

/* Reply to the caller t holds a reply right for (I2), then, with ep,
 * receive. A reply right that is missing or no longer good is an error for
 * a plain reply (E_EMPTY: none; E_REVOKED: the caller is gone, gave up, or
 * lost its spaces) but not for reply_recv, which then just receives, as a
 * server loop needs (seL4's ReplyRecv does the same). A reply whose items
 * fail keeps the right (it may be retried) and does not receive. */
struct hal_regs *ipc_reply(oref t, const struct target *ep)
{
    struct thread *th = T(t);
    th->ipc = 0;
    bool had = th->caller != 0;
    oref c = reply_caller(t, th);
    th->caller = 0;  /* one-shot (I2) */
    if (c && partner_alive(c)) {
        struct msg m;
        msg_of(t, 0, true, &m);
        int e = T(c)->ipc & IPC_LEND ? E_OK : deliver(&m, c);  /* a lender gets E_OK */
        if (e != E_OK) {
            th->caller = c;  /* keep the right: the reply may be retried */
            return done(t, (u64)e);
        }
        if (T(c)->ipc & IPC_LEND)
            T(c)->regs.x[REG_MSGINFO] = E_OK;
        T(c)->ipc = 0;
        T(c)->state = THREAD_RUNNABLE;
        sched_enqueue(c);
        give_back(t, th);
    } else if (!ep) {
        return done(t, had ? E_REVOKED : E_EMPTY);
    }
    if (!ep)
        return done(t, E_OK);
    return ipc_recv(t, ep, true);
}

bool ipc_fault(oref t)
{
    struct thread *th = T(t);
    struct target tg;
    if (!th->fault_ep.obj || cap_resolve(&th->fault_ep, &tg) != E_OK || tg.type != OBJ_ENDPOINT ||
        !(tg.rights & R_WRITE))
        return false;
    th->ipc = IPC_FAULT;
    send(t, &tg, true, true, false);  /* a call; the pc stays on the faulting instruction */
    return true;
}

void ipc_timeout(oref t)
{
    struct thread *th = T(t);
    struct target tg;
    if (!th->timeout_ep.obj || cap_resolve(&th->timeout_ep, &tg) != E_OK || tg.type != OBJ_ENDPOINT ||
        !(tg.rights & R_WRITE))
        return;
    th->fault = FAULT_TIMEOUT;
    th->fault_addr = 0;
    th->fault_pc = th->regs.pc;
    th->ipc = IPC_FAULT;
    send(t, &tg, true, true, false);  /* a call, like any fault */
}

void ipc_cancel(oref t, bool destroyed)
{
    struct thread *th = T(t);
    if (th->state == THREAD_BLOCKED_SEND || th->state == THREAD_BLOCKED_RECV)
        ep_remove(th->ep, t);
    else if (th->state == THREAD_BLOCKED_WAIT)
        ntfn_remove(th->ep, t);
    via_unlink(t);
    if (destroyed)
        drop_reply_right(t);
    if (th->state != THREAD_RUNNABLE && th->state != THREAD_FAULTED && !(th->ipc & IPC_FAULT) &&
        th->state != THREAD_INACTIVE)
        th->regs.x[REG_MSGINFO] = E_REVOKED;  /* the cancelled call returns this when restarted */
    th->ipc = 0;
}

void ipc_abort(oref t, u64 e)
{
    struct thread *th = T(t);
    ep_remove(th->ep, t);
    via_unlink(t);
    if (th->ipc & IPC_FAULT) {
        th->ipc = 0;
        thread_fault(t, th->fault, th->fault_addr, th->fault_pc);
        return;
    }
    th->ipc = 0;
    wake(t, e);
}

/* ---- fast paths --------------------------------------------------------- */

/* Resolve the endpoint named by cap address a0 of t's CSpace. */
static inline bool fast_ep(const struct thread *th, u64 a0, u8 need, struct target *tg)
{
    u32 cptr = (u32)a0;
    if (cptr >= CAP_ADDR_LIMIT || (a0 >> 52) & 3)  /* transfer items: slow path */
        return false;
    struct slot *s = cspace_slot(th->cspace.obj, cptr);
    return s && cap_resolve(s, tg) == E_OK && tg->type == OBJ_ENDPOINT && (tg->rights & need);
}

static inline void copy_words(struct thread *to, const struct thread *from, u64 a0, u64 badge)
{
    to->regs.x[REG_MSGINFO] = a0 >> 32 << 32;  /* E_OK | msginfo << 32 */
    for (u32 i = 1; i <= MSG_WORDS; i++)
        to->regs.x[REG_MSG(i - 1)] = from->regs.x[REG_MSG(i - 1)];
    to->regs.x[REG_BADGE] = badge;
}

/* The fast paths work with pointers computed once: each object-table
 * lookup is several loads, and they dominate an otherwise short path. */

struct hal_regs *ipc_call_fast(oref t, const struct target *tg)
{
    struct thread *th = T(t);
    u64 a0 = th->regs.x[REG_MSGINFO];
    if (((a0 >> 52) & 3) || !(tg->rights & R_WRITE))  /* items: slow path */
        return NULL;
    struct endpoint *ep = endpoint_body(tg->obj);
    if (ep->qstate != EPQ_RECV)
        return NULL;
    oref r = ep->head;
    struct thread *rt = T(r);
    if (rt->prio < th->prio || !thread_can_run(rt))
        return NULL;
    /* Commit: nothing below can fail. */
    ep_unlink(ep, rt);
    copy_words(rt, th, a0, tg->badge);
    hal_syscall_done(&th->regs);
    th->ipc = 0;
    /* t waits for r's reply; r holds the one-shot reply right (I2). */
    th->state = THREAD_BLOCKED_REPLY;  /* running, so on no run queue */
    th->partner = r;
    th->partner_epoch = obj_get(r)->epoch;
    rt->caller = t;
    rt->caller_epoch = obj_get(t)->epoch;
    if (passive(rt))
        lend(rt, th);  /* T2: it runs on the caller's time */
    rt->state = THREAD_RUNNABLE;  /* runs now: lazy scheduling, no queue */
    return sched_run_thread(r, rt);
}

struct hal_regs *ipc_replyrecv_fast(oref t)
{
    struct thread *th = T(t);
    u64 a0 = th->regs.x[REG_MSGINFO];
    oref c = th->caller;
    struct target tg;
    if (!c || !fast_ep(th, a0, R_READ, &tg))
        return NULL;
    struct thread *ct = T(c);
    struct endpoint *ep = endpoint_body(tg.obj);
    if (reply_caller(t, th) != c || (ct->ipc & (IPC_FAULT | IPC_LEND)) || !sched_has_time(ct) || ct->prio < th->prio ||
        ep->qstate == EPQ_SEND || !thread_can_run(ct) || ntfn_bound_pending(th))
        return NULL;
    /* Commit: reply, then wait on the endpoint (at its tail). */
    th->caller = 0;
    th->lent = 0;  /* lent time goes back with the reply (T2) */
    copy_words(ct, th, a0, 0);
    ct->state = THREAD_RUNNABLE;  /* runs now: lazy scheduling, no queue */
    hal_syscall_done(&th->regs);
    th->state = THREAD_BLOCKED_RECV;  /* running, so on no run queue */
    ep_push(ep, tg.obj, t, th, EPQ_RECV);
    return sched_run_thread(c, ct);
}
