/* ipc.c: synchronous message passing (I1..I6).
 *
 * Rendezvous: whoever arrives second at an endpoint delivers the message
 * (deliver()) and wakes the other; whoever arrives first waits in the
 * endpoint's queue with its message still in its registers. A call leaves
 * the caller BLOCKED_REPLY and gives the receiver a one-shot reply right
 * (thread.caller + its epoch, so a destroyed caller is detected, I2). */
#include "ipc.h"
#include "bank.h"
#include "aspace.h"
#include "cspace.h"
#include "endpoint.h"
#include "kernel.h"
#include "sched.h"
#include "thread.h"

#define A0 REG_A0

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
    T(t)->regs.x[A0] = e;
    T(t)->regs.pc += 4;
    return sched_next();
}

static void wake(oref t, u64 a0)
{
    T(t)->regs.x[A0] = a0;
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

static void msg_of(oref t, u64 badge, bool grant, struct msg *m)
{
    struct thread *th = T(t);
    m->badge = badge;
    m->from_cs = th->cspace.obj;
    m->from_as = th->aspace.obj;
    m->grant = grant;
    if (th->ipc & IPC_FAULT) {  /* a fault message (I5) */
        m->info = MSG_INFO(th->fault, 0);
        m->w[0] = th->fault_addr;
        m->w[1] = th->fault_pc;
        for (u32 i = 2; i < MSG_WORDS; i++)
            m->w[i] = 0;
        return;
    }
    m->info = th->regs.x[A0] >> 32;
    for (u32 i = 0; i < MSG_WORDS; i++)
        m->w[i] = th->regs.x[A0 + 1 + i];
}

/* Check the transfer items of m against receiver `to`'s window; on E_OK
 * everything needed (slots, storage) is known to be available. */
/* A transfer item, decoded and checked. */
struct item {
    bool mem;            /* a flexpage (else a capability)        */
    u8 op;               /* ITEM_COPY / MAP / GRANT               */
    struct slot *src;    /* cap items: the source slot            */
    u32 dst;             /* cap items: the slot in the window     */
    struct flex f;       /* memory items                          */
};

/* Check the transfer items of m against receiver `to`: cap items go to its
 * cap window in order, memory items to its memory window in order, or, in
 * the reply to a page fault, to the faulting page (a pager, I5). On E_OK
 * everything needed (slots, storage, bank charges) is available. */
static int check_items(const struct msg *m, oref to, struct item *it, u32 n)
{
    struct thread *r = T(to);
    oref dcs = r->cspace.obj;
    u64 need_cs = 0, need_as = 0;
    u32 ncap = 0, mem_off = 0;
    bool pager = r->state == THREAD_BLOCKED_REPLY && (r->ipc & IPC_FAULT);
    if (n && !m->grant)
        return E_RIGHTS;
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
            f->dst_as = r->aspace.obj;
            f->src_vpn = (u32)src;
            f->op = it[i].op;
            f->rights = (u8)(d >> 40);
            int e = flex_check(f, &need_as);
            if (e != E_OK)
                return e;
            continue;
        }
        int e = cspace_lookup_live(m->from_cs, (u32)d, &it[i].src);
        if (e != E_OK)
            return e == E_REVOKED ? E_EMPTY : e;  /* void transfers as empty (S3) */
        if (it[i].op == ITEM_MAP && it[i].src->depth + 1u > MDB_MAX_DEPTH)
            return E_DEPTH;
        for (u32 j = 0; j < i; j++)  /* a cap moved away can't be used twice */
            if (!it[j].mem && it[j].src == it[i].src && (it[i].op == ITEM_GRANT || it[j].op == ITEM_GRANT))
                return E_INVAL;
        if (ncap >= r->win_count)
            return E_FULL;  /* the window is too small */
        u32 idx = it[i].dst = r->win_base + ncap++;
        struct slot *s;
        cspace_lookup(dcs, idx, &s);
        if (s && s->obj && (cap_live(s) || mdb_has_children(s)))
            return E_FULL;
        /* Storage for new nodes: counted per leaf (an over-estimate only
         * when two new leaves share a new second-level node). */
        if (!s && (ncap == 1 || !(idx % (1u << CS_LEAF_BITS))))
            need_cs += cspace_grow_bytes(dcs, idx);
    }
    int e = need_cs ? bank_can_charge(obj_get(dcs)->bank, need_cs) : E_OK;
    if (e == E_OK && need_as)
        e = bank_can_charge(obj_get(r->aspace.obj)->bank, need_as);
    return e;
}

/* Allocate the storage the checked items need; the only step that can
 * fail after the checks (storage too fragmented), before anything moved. */
static int prepare_items(oref to, struct item *it, u32 n)
{
    struct thread *r = T(to);
    for (u32 i = 0; i < n; i++) {
        struct slot *dst;
        int e = it[i].mem ? flex_prepare(&it[i].f) : cspace_ensure(r->cspace.obj, it[i].dst, &dst);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

/* Move the items (checked and prepared) into their places. */
static void move_items(const struct msg *m, oref to, struct item *it, u32 n)
{
    struct thread *r = T(to);
    for (u32 i = 0; i < n; i++) {
        if (it[i].mem) {
            flex_do(&it[i].f);
            continue;
        }
        u8 rights = (u8)(it[i].src->rights & (m->w[MSG_WORDS - n + i] >> 40));
        struct slot *dst;
        u32 budget = 1;
        cspace_ensure(r->cspace.obj, it[i].dst, &dst);
        if (dst->obj)
            cap_delete_step(dst, &budget);  /* a void leaf */
        switch (it[i].op) {
        case ITEM_COPY:  cap_copy(it[i].src, dst, rights, it[i].src->badge); break;
        case ITEM_MAP:   cap_map(it[i].src, dst, rights, it[i].src->badge); break;
        case ITEM_GRANT: cap_grant(it[i].src, dst, rights); break;
        }
    }
}

/* Deliver m to thread `to`: its registers, or, if `to` waits for the reply
 * to a fault, its resumption (I5). E_OK, or an error with nothing changed. */
static int deliver(const struct msg *m, oref to)
{
    struct item it[MSG_MAX_ITEMS];
    u32 n = MSG_ITEMS(m->info);
    int e = check_items(m, to, it, n);
    if (e == E_OK)
        e = prepare_items(to, it, n);
    if (e != E_OK)
        return e;
    move_items(m, to, it, n);
    struct thread *r = T(to);
    if (r->state == THREAD_BLOCKED_REPLY && (r->ipc & IPC_FAULT)) {
        if (MSG_LABEL(m->info) == FAULT_REPLY_SETPC)
            r->regs.pc = m->w[0];
        r->ipc = 0;
        return E_OK;
    }
    r->regs.x[A0] = E_OK | m->info << 32;
    for (u32 i = 0; i < MSG_WORDS; i++)
        r->regs.x[A0 + 1 + i] = m->w[i];
    r->regs.x[REG_A7] = m->badge;
    return E_OK;
}

/* After a call was delivered: the caller waits for `server`'s reply. */
static void await_reply(oref caller, oref server)
{
    struct thread *c = T(caller), *s = T(server);
    block(caller, THREAD_BLOCKED_REPLY);
    c->partner = server;
    c->partner_epoch = obj_get(server)->epoch;
    s->caller = caller;
    s->caller_epoch = obj_get(caller)->epoch;
}

/* Drop t's reply right; a caller still waiting on it learns (I6). */
static void drop_reply_right(oref t)
{
    struct thread *th = T(t);
    oref c = th->caller;
    th->caller = 0;
    if (c && obj_get(c)->epoch == th->caller_epoch && obj_get(c)->state == OS_LIVE &&
        T(c)->state == THREAD_BLOCKED_REPLY && T(c)->partner == t) {
        if (T(c)->ipc & IPC_FAULT)
            thread_fault(c, T(c)->fault, T(c)->fault_addr, T(c)->fault_pc);
        else
            wake(c, E_REVOKED);
    }
}

/* t sends (or, with call, calls) on the endpoint; its message is in its
 * registers, or it is a fault (t->ipc & IPC_FAULT). */
static struct hal_regs *send(oref t, const struct target *tg, bool call, bool blk, u64 pc_step)
{
    struct thread *th = T(t);
    struct endpoint *ep = endpoint_body(tg->obj);
    bool grant = tg->rights & R_GRANT;
    if (!(tg->rights & R_WRITE))
        return done(t, E_RIGHTS);
    if (ep->qstate == EPQ_RECV) {
        oref r = ep->head;
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
        wake(r, T(r)->regs.x[A0]);  /* deliver() wrote its a0 */
        th->regs.pc += pc_step;
        if (call)
            await_reply(t, r);
        else
            th->regs.x[A0] = E_OK;
        return sched_next();
    }
    if (!blk)
        return done(t, E_WOULDBLOCK);
    th->regs.pc += pc_step;
    th->badge = tg->badge;
    th->ipc = (th->ipc & IPC_FAULT) | (call ? IPC_CALL : 0) | (grant ? IPC_GRANT : 0);
    block(t, THREAD_BLOCKED_SEND);
    ep_enqueue(tg->obj, t, EPQ_SEND);
    if (tg->via)
        via_link(t, tg->via);
    return sched_next();
}

struct hal_regs *ipc_send(oref t, const struct target *ep, bool call, bool block_ok)
{
    T(t)->ipc = 0;
    return send(t, ep, call, block_ok, 4);
}

struct hal_regs *ipc_recv(oref t, const struct target *tg, bool blk)
{
    struct thread *th = T(t);
    struct endpoint *ep = endpoint_body(tg->obj);
    if (!(tg->rights & R_READ))
        return done(t, E_RIGHTS);
    if (ep->qstate == EPQ_SEND) {
        oref s = ep->head;
        struct thread *sh = T(s);
        struct msg m;
        msg_of(s, sh->badge, sh->ipc & IPC_GRANT, &m);
        int e = deliver(&m, t);
        if (e != E_OK)
            return done(t, (u64)e);
        ep_remove(tg->obj, s);
        via_unlink(s);
        drop_reply_right(t);
        th->regs.pc += 4;
        if (sh->ipc & IPC_CALL)
            await_reply(s, t);
        else
            wake(s, E_OK);
        return sched_next();
    }
    if (!blk)
        return done(t, E_WOULDBLOCK);
    drop_reply_right(t);
    th->regs.pc += 4;
    block(t, THREAD_BLOCKED_RECV);
    ep_enqueue(tg->obj, t, EPQ_RECV);
    return sched_next();
}

struct hal_regs *ipc_reply(oref t, const struct target *ep)
{
    struct thread *th = T(t);
    oref c = th->caller;
    th->ipc = 0;
    if (!c)
        return done(t, E_EMPTY);  /* no reply right: none received, or used */
    th->caller = 0;               /* one-shot (I2) */
    if (obj_get(c)->epoch != th->caller_epoch || obj_get(c)->state != OS_LIVE ||
        T(c)->state != THREAD_BLOCKED_REPLY || T(c)->partner != t)
        return done(t, E_REVOKED);  /* the caller is gone or gave up */
    struct msg m;
    msg_of(t, 0, true, &m);
    int e = deliver(&m, c);
    if (e != E_OK) {
        th->caller = c;  /* keep the right: the reply may be retried */
        return done(t, (u64)e);
    }
    T(c)->state = THREAD_RUNNABLE;
    sched_enqueue(c);
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
    send(t, &tg, true, true, 0);  /* a call; the pc stays on the faulting instruction */
    return true;
}

void ipc_cancel(oref t, bool destroyed)
{
    struct thread *th = T(t);
    if (th->state == THREAD_BLOCKED_SEND || th->state == THREAD_BLOCKED_RECV)
        ep_remove(th->ep, t);
    via_unlink(t);
    if (destroyed)
        drop_reply_right(t);
    if (th->state != THREAD_RUNNABLE && th->state != THREAD_FAULTED && !(th->ipc & IPC_FAULT) &&
        th->state != THREAD_INACTIVE)
        th->regs.x[A0] = E_REVOKED;  /* the cancelled call returns this when restarted */
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

/* Can thread r be switched to directly? (What sched_next would check.) */
static inline bool runnable_here(const struct thread *r)
{
    return cap_live(&r->aspace) && cap_live(&r->cspace);
}

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
    to->regs.x[A0] = a0 >> 32 << 32;  /* E_OK | msginfo << 32 */
    for (u32 i = 1; i <= MSG_WORDS; i++)
        to->regs.x[A0 + i] = from->regs.x[A0 + i];
    to->regs.x[REG_A7] = badge;
}

/* The fast paths work with pointers computed once: each object-table
 * lookup is several loads, and they dominate an otherwise short path. */

struct hal_regs *ipc_call_fast(oref t, const struct target *tg)
{
    struct thread *th = T(t);
    u64 a0 = th->regs.x[A0];
    if (((a0 >> 52) & 3) || !(tg->rights & R_WRITE))  /* items: slow path */
        return NULL;
    struct endpoint *ep = endpoint_body(tg->obj);
    if (ep->qstate != EPQ_RECV)
        return NULL;
    oref r = ep->head;
    struct thread *rt = T(r);
    if (rt->prio < th->prio || !runnable_here(rt))
        return NULL;
    /* Commit: nothing below can fail. */
    ep_unlink(ep, rt);
    copy_words(rt, th, a0, tg->badge);
    th->regs.pc += 4;
    th->ipc = 0;
    /* t waits for r's reply; r holds the one-shot reply right (I2). */
    th->state = THREAD_BLOCKED_REPLY;  /* running, so on no run queue */
    th->partner = r;
    th->partner_epoch = obj_get(r)->epoch;
    rt->caller = t;
    rt->caller_epoch = obj_get(t)->epoch;
    rt->state = THREAD_RUNNABLE;  /* runs now: lazy scheduling, no queue */
    return sched_run_thread(r, rt);
}

struct hal_regs *ipc_replyrecv_fast(oref t)
{
    struct thread *th = T(t);
    u64 a0 = th->regs.x[A0];
    oref c = th->caller;
    struct target tg;
    if (!c || !fast_ep(th, a0, R_READ, &tg))
        return NULL;
    const struct obj *co = obj_get(c);
    struct thread *ct = sref_ptr(co->body);
    struct endpoint *ep = endpoint_body(tg.obj);
    if (co->live != th->caller_epoch || ct->state != THREAD_BLOCKED_REPLY || ct->partner != t ||
        (ct->ipc & IPC_FAULT) || ct->prio < th->prio || ep->qstate == EPQ_SEND || !runnable_here(ct))
        return NULL;
    /* Commit: reply, then wait on the endpoint (at its tail). */
    th->caller = 0;
    copy_words(ct, th, a0, 0);
    ct->state = THREAD_RUNNABLE;  /* runs now: lazy scheduling, no queue */
    th->regs.pc += 4;
    th->state = THREAD_BLOCKED_RECV;  /* running, so on no run queue */
    ep_push(ep, tg.obj, t, th, EPQ_RECV);
    return sched_run_thread(c, ct);
}
