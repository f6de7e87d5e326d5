/* SPDX-License-Identifier: BSD-2-Clause */
/* ipc_ref.c: a reference model of IPC (DESIGN.md §3, §4; the lead's rules
 * for dead partners and re-checked senders), run side by side with the
 * kernel and compared after every step.
 *
 * The reference is written from the rules, not from ipc.c: per endpoint a
 * FIFO queue (senders or receivers), per thread its state, saved registers
 * a0..a7 and pc, its reply right (server -> caller, one-shot), the run
 * queues (highest priority first, FIFO per priority; the running thread is
 * not queued; woken -> tail, preempted -> head), and every tracked slot of
 * every CSpace (object, rights, badge, void/live, parent in the derivation
 * tree). For every system call it computes the result, the delivered
 * message, the slots after the items, and the thread sched_next returns;
 * after every step everything is compared with the kernel.
 *
 * World: NT threads, each with its own CSpace (threads 0,1 from a sub-bank
 * that also pays for AddrSpace 0), three endpoints (2 is the fault
 * endpoint of threads 3 and 4), two wrappers. The root (kernel_invoke)
 * destroys objects under waiting threads: endpoints, wrappers, threads,
 * a thread's CSpace, an AddrSpace, the sub-bank; rewrites the endpoint cap
 * a queued sender used; and recreates everything at once (table entries
 * are reused).
 *
 * Env: TETHER_SEED, TETHER_STEPS (this test runs STEPS / 4 steps, 2000 by
 * default per boot), TETHER_IPC_LEGACY=1 models today's kernel for the two
 * rules being changed (no skipping of dead partners, no re-check of a
 * queued sender), TETHER_IPC_ALL=1 keeps going after a mismatch (reports
 * the first per boot, then reboots). Run only this test:
 *     build/host/model ipc_ref
 */
#include "harness.h"
#include "tk.h"
#include "check.h"
#include "endpoint.h"
#include "invoke.h"
#include "sched.h"
#include "thread.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include "rng.h"

#define NT 5
#define NEP 3
#define NW 2
#define NSL 64      /* tracked slots per CSpace: 0..63 */
#define NSP (NT + 1) /* spaces: 0 = root CSpace, 1 + i = thread i's CSpace */
#define MAXOBJ 4096
#define BOOT_STEPS 2000

/* root CSpace layout */
enum { R_EP = 20, R_W = 24, R_AS = 30, R_CS = 40, R_T = 50, R_SB = 60 };
/* thread CSpace layout */
enum { C_EPA = 2, C_EPEND = 9 /* 2..8 endpoint caps */, C_EMPTY = 9, C_SRC = 10, C_SRCEND = 14, C_WIN = 20 };

/* ------------------------------------------------------------ reference -- */

enum { MT_NONE, MT_EP, MT_WRAP, MT_CS, MT_AS, MT_BANK, MT_THREAD };
struct mobj {
    u8 type;
    bool alive;
    oref o;
    u32 epoch;
    int tgt;       /* wrapper: target endpoint object */
    u8 trights;    /* wrapper: its target cap's rights */
    u64 wbadge;    /* wrapper badge */
    int q[NT], qn; /* endpoint: queue (model thread ids) */
    int qs;        /* endpoint: EPQ_* */
    int wq[NT], wqn; /* wrapper: waiters, most recent first (as the kernel links them) */
};
struct mslot {
    int obj;       /* 0 = empty */
    u8 rights;
    u64 badge;
    int parent;    /* global slot id (space * NSL + idx), -1 = root */
};
struct mthr {
    int obj;       /* model object of the thread, 0 = none */
    u32 state, fault;
    u32 prio;
    bool queued;
    int ep;        /* endpoint object it is queued on */
    bool call, isfault;
    int via;       /* wrapper object */
    u64 stored_badge; bool stored_grant; /* legacy: what the kernel stored at block time */
    int partner, partner_obj;
    int caller, caller_obj; /* reply right: thread id and its object (incarnation), -1 none */
    int cs_obj, as_obj;
    int fep_obj; u8 fep_rights; u64 fep_badge; /* fault endpoint cap (a root copy) */
    u64 fault_addr, fault_pc;
    u32 win_base, win_count;
    u64 x[8];      /* a0..a7 */
    u64 pc;
};

static struct mobj mo[MAXOBJ];
static int nmo;
static struct mslot sp[NSP][NSL];
static int sp_obj[NSP];
static struct mthr th[NT];
static int rq[32][NT], rqn[32];
static int cur = -1;
static int root_cs_obj, sb_obj, as_objs[2], ep_objs[NEP], w_objs[NW];
static int legacy;  /* 1: today's rules, no space destroys; 2: today's rules with them */

static u64 seed;
static long step_no;
static int failed, boot_failed;
static char desc[240];
static u32 step_rules;  /* the changed rules this step relied on (RULE_*) */
enum { RULE_DEAD = 1, RULE_RECHECK = 2, RULE_RESOLVED = 4 };
static long n_sys, n_deliv, n_items, n_fault, n_ctl, n_destroy, n_dead, n_recheck;

static void ifail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ifail(const char *fmt, ...)
{
    if (boot_failed++)
        return;
    failed++;
    va_list ap;
    va_start(ap, fmt);
    printf("    MISMATCH seed=%llu step=%ld [%s]:\n      ", (unsigned long long)seed, step_no, desc);
    vprintf(fmt, ap);
    va_end(ap);
    if (step_rules)
        printf("\n      (this step relies on:%s%s%s)", step_rules & RULE_DEAD ? " dead-thread-stop" : "",
               step_rules & RULE_RECHECK ? " sender-recheck" : "",
               step_rules & RULE_RESOLVED ? " badge/grant-at-delivery" : "");
    else
        printf("\n      (no changed rule involved: a possible kernel bug)");
    printf("\n");
}

static int new_obj(u8 type, oref o)
{
    if (nmo + 1 >= MAXOBJ) {
        printf("ipc_ref: out of model objects\n");
        exit(2);
    }
    int id = ++nmo;
    memset(&mo[id], 0, sizeof mo[id]);
    mo[id].type = type;
    mo[id].alive = true;
    mo[id].o = o;
    mo[id].epoch = obj_get(o)->epoch;
    return id;
}

static bool slot_live(const struct mslot *s) { return s->obj && mo[s->obj].alive; }
static struct mslot *gslot(int g) { return &sp[g / NSL][g % NSL]; }

static bool has_children(int g)
{
    for (int s = 0; s < NSP; s++)
        for (int k = 0; k < NSL; k++)
            if (sp[s][k].obj && sp[s][k].parent == g)
                return true;
    return false;
}

/* C6: delete a slot and its descendants. */
static void m_delete(int g)
{
    for (int s = 0; s < NSP; s++)
        for (int k = 0; k < NSL; k++)
            if (sp[s][k].obj && sp[s][k].parent == g)
                m_delete(s * NSL + k);
    memset(gslot(g), 0, sizeof(struct mslot));
    gslot(g)->parent = -1;
}

static void m_empty_space(int s)
{
    for (int k = 0; k < NSL; k++)
        if (sp[s][k].obj)
            m_delete(s * NSL + k);
}

/* Resolve a slot: E_OK with the endpoint object, rights, badge, wrapper. */
struct res { int err, ep, via; u8 rights; u64 badge; };
static struct res resolve_slot(const struct mslot *s)
{
    struct res r = {0};
    if (!s->obj) return r.err = E_EMPTY, r;
    if (!slot_live(s)) return r.err = E_REVOKED, r;
    r.rights = s->rights;
    r.badge = s->badge;
    const struct mobj *o = &mo[s->obj];
    if (o->type == MT_WRAP) {
        if (o->wbadge) r.badge = o->wbadge;
        if (!mo[o->tgt].alive) return r.err = E_REVOKED, r;
        r.rights &= o->trights;
        r.via = s->obj;
        r.ep = o->tgt;
        return r;
    }
    if (o->type != MT_EP) return r.err = E_TYPE, r;
    r.ep = s->obj;
    return r;
}
static struct res resolve(int t, u64 cptr)
{
    struct res r = {0};
    if ((u32)cptr >= CAP_ADDR_LIMIT) return r.err = E_BADCAP, r;
    if ((u32)cptr >= NSL) return r.err = E_EMPTY, r;
    return resolve_slot(&sp[1 + t][(u32)cptr]);
}

static bool m_alive(int t) { return mo[th[t].cs_obj].alive && mo[th[t].as_obj].alive && sp_obj[1 + t] == th[t].cs_obj; }

/* run queues */
static void rq_enqueue(int t, bool head)
{
    if (th[t].queued) return;
    u32 p = th[t].prio;
    if (head) {
        memmove(&rq[p][1], &rq[p][0], sizeof(int) * (size_t)rqn[p]);
        rq[p][0] = t;
    } else
        rq[p][rqn[p]] = t;
    rqn[p]++;
    th[t].queued = true;
}
static void rq_dequeue(int t)
{
    if (!th[t].queued) return;
    u32 p = th[t].prio;
    for (int k = 0; k < rqn[p]; k++)
        if (rq[p][k] == t) {
            memmove(&rq[p][k], &rq[p][k + 1], sizeof(int) * (size_t)(rqn[p] - k - 1));
            rqn[p]--;
            break;
        }
    th[t].queued = false;
}
static bool m_running(int c) { return c >= 0 && th[c].obj && th[c].state == THREAD_RUNNABLE && !th[c].queued; }
static int top_prio(void)
{
    for (int p = 31; p >= 0; p--)
        if (rqn[p]) return p;
    return -1;
}
static void m_fault(int t, u32 kind)
{
    rq_dequeue(t);
    th[t].state = THREAD_FAULTED;
    th[t].fault = kind;
}
static void m_stop_dead(int t);
/* The thread sched_next chooses (-1: none). */
static int m_sched_next(void)
{
    int c = cur;
    if (m_running(c)) {
        if (top_prio() <= (int)th[c].prio && m_alive(c))
            return c;
        rq_enqueue(c, true);
    }
    int p;
    while ((p = top_prio()) >= 0) {
        int t = rq[p][0];
        rq_dequeue(t);
        if (m_alive(t))
            return cur = t;
        m_stop_dead(t);
    }
    return cur = -1;
}
static void m_tick(void)
{
    if (m_running(cur)) rq_enqueue(cur, false);
}
static void m_switch_to(int t)
{
    if (t == cur && !th[t].queued) return;
    if (m_running(cur)) rq_enqueue(cur, true);
    rq_dequeue(t);
    cur = t;
}

/* endpoint queues */
static void epq_push(int ep, int t, int qs)
{
    mo[ep].q[mo[ep].qn++] = t;
    mo[ep].qs = qs;
    th[t].ep = ep;
}
static void via_unlink(int t)
{
    int w = th[t].via;
    if (!w) return;
    for (int k = 0; k < mo[w].wqn; k++)
        if (mo[w].wq[k] == t) {
            memmove(&mo[w].wq[k], &mo[w].wq[k + 1], sizeof(int) * (size_t)(mo[w].wqn - k - 1));
            mo[w].wqn--;
            break;
        }
    th[t].via = 0;
}
static void epq_remove(int t)
{
    int ep = th[t].ep;
    if (!ep) return;
    for (int k = 0; k < mo[ep].qn; k++)
        if (mo[ep].q[k] == t) {
            memmove(&mo[ep].q[k], &mo[ep].q[k + 1], sizeof(int) * (size_t)(mo[ep].qn - k - 1));
            mo[ep].qn--;
            break;
        }
    if (!mo[ep].qn) mo[ep].qs = EPQ_IDLE;
    th[t].ep = 0;
}
static void m_wake(int t, u64 a0)
{
    th[t].x[0] = a0;
    th[t].state = THREAD_RUNNABLE;
    rq_enqueue(t, false);
}
static void m_cancel(int t, bool destroyed);
/* A thread found with a dead CSpace or AddrSpace (thread_lost): out of its
 * IPC as if destroyed (a caller waiting for its reply gets E_REVOKED),
 * stopped. */
static void m_stop_dead(int t)
{
    m_cancel(t, true);
    m_fault(t, FAULT_ASPACE);
    n_dead++;
    step_rules |= RULE_DEAD;
}
/* A fault sender or caller whose operation is cancelled: back to FAULTED. */
static void m_abort(int t, u64 e)
{
    epq_remove(t);
    via_unlink(t);
    if (th[t].isfault) {
        th[t].isfault = false;
        m_fault(t, th[t].fault);
        return;
    }
    m_wake(t, e);
}
/* Does caller c (of server s's reply right) still wait for s? */
static bool caller_waits_id(int s, int c)
{
    return c >= 0 && th[c].obj && th[c].obj == th[s].caller_obj && mo[th[c].obj].alive &&
           th[c].state == THREAD_BLOCKED_REPLY && th[c].partner == s;
}
static bool caller_waits(int s) { return caller_waits_id(s, th[s].caller); }
static void m_drop_reply_right(int s)
{
    if (caller_waits(s)) {
        int c = th[s].caller;
        if (th[c].isfault) {
            th[c].isfault = false;
            m_fault(c, th[c].fault);
        } else
            m_wake(c, E_REVOKED);
    }
    th[s].caller = -1;
}

/* A message. */
struct mmsg {
    u64 info, w[MSG_WORDS], badge;
    int from;      /* sending thread (its CSpace holds the item sources) */
    bool grant;
};
static void msg_of(int t, u64 badge, bool grant, struct mmsg *m)
{
    m->badge = badge;
    m->grant = grant;
    m->from = t;
    if (th[t].isfault) {
        m->info = MSG_INFO(th[t].fault, 0);
        memset(m->w, 0, sizeof m->w);
        m->w[0] = th[t].fault_addr;
        m->w[1] = th[t].fault_pc;
        return;
    }
    m->info = th[t].x[0] >> 32;
    for (u32 i = 0; i < MSG_WORDS; i++)
        m->w[i] = th[t].x[1 + i];
}

#define EBIT(e) (1u << (e))
/* I3 check: the set of errors the items can give (0 = they fit). */
static u32 m_check_items(const struct mmsg *m, int to)
{
    u32 n = MSG_ITEMS(m->info), errs = 0, ncap = 0;
    int src[MSG_MAX_ITEMS];
    u8 op[MSG_MAX_ITEMS];
    if (n && !m->grant)
        errs |= EBIT(E_RIGHTS);
    for (u32 i = 0; i < n; i++) {
        u64 d = m->w[MSG_WORDS - n + i];
        op[i] = (d >> 32) & 0xff;
        src[i] = -1;
        if (op[i] > ITEM_GRANT) {  /* memory items are not generated: E_INVAL too */
            errs |= EBIT(E_INVAL);
            continue;
        }
        u32 s = (u32)d;
        if (s >= CAP_ADDR_LIMIT) {
            errs |= EBIT(E_BADCAP);
            continue;
        }
        if (s >= NSL || !slot_live(&sp[1 + m->from][s])) {
            errs |= EBIT(E_EMPTY);
            continue;
        }
        src[i] = (int)s;
        for (u32 j = 0; j < i; j++)
            if (src[j] == src[i] && (op[i] == ITEM_GRANT || op[j] == ITEM_GRANT))
                errs |= EBIT(E_INVAL);
        if (ncap >= th[to].win_count) {
            errs |= EBIT(E_FULL);
            continue;
        }
        u32 di = th[to].win_base + ncap++;
        const struct mslot *ds = &sp[1 + to][di];
        if (ds->obj && (slot_live(ds) || has_children((1 + to) * NSL + (int)di)))
            errs |= EBIT(E_FULL);
    }
    return errs;
}
static void m_move_items(const struct mmsg *m, int to)
{
    u32 n = MSG_ITEMS(m->info);
    for (u32 i = 0; i < n; i++) {
        u64 d = m->w[MSG_WORDS - n + i];
        u8 op = (d >> 32) & 0xff, mask = (u8)(d >> 40);
        int sg = (1 + m->from) * NSL + (int)(u32)d, dg = (1 + to) * NSL + (int)(th[to].win_base + i);
        struct mslot *s = gslot(sg), *ds = gslot(dg);
        if (ds->obj)
            m_delete(dg);  /* a void leaf acts as empty */
        ds->obj = s->obj;
        ds->rights = s->rights & mask;
        ds->badge = s->badge;
        switch (op) {
        case ITEM_COPY: ds->parent = s->parent; break;  /* root -> root, derived -> sibling */
        case ITEM_MAP:  ds->parent = sg; break;
        default:        /* GRANT: takes the source's place */
            ds->parent = s->parent;
            for (int a = 0; a < NSP; a++)
                for (int k = 0; k < NSL; k++)
                    if (sp[a][k].obj && sp[a][k].parent == sg)
                        sp[a][k].parent = dg;
            memset(s, 0, sizeof *s);
            s->parent = -1;
        }
    }
    n_items += n;
}
/* Deliver m to `to` (receiver registers, or the resumption of a faulted
 * caller): 0, or the error set with nothing changed. */
static u32 m_deliver(const struct mmsg *m, int to)
{
    u32 errs = m_check_items(m, to);
    if (errs) return errs;
    m_move_items(m, to);
    n_deliv++;
    if (th[to].state == THREAD_BLOCKED_REPLY && th[to].isfault) {
        if (MSG_LABEL(m->info) == FAULT_REPLY_SETPC)
            th[to].pc = m->w[0];
        th[to].isfault = false;
        return 0;
    }
    th[to].x[0] = E_OK | m->info << 32;
    for (u32 i = 0; i < MSG_WORDS; i++)
        th[to].x[1 + i] = m->w[i];
    th[to].x[7] = m->badge;
    return 0;
}
static void m_await_reply(int c, int s)
{
    rq_dequeue(c);
    th[c].state = THREAD_BLOCKED_REPLY;
    th[c].partner = s;
    th[c].partner_obj = th[s].obj;
    th[s].caller = c;
    th[s].caller_obj = th[c].obj;
}

/* The outcome of the issuer's system call. */
struct out {
    u32 errs;      /* the issuer finished with one of these errors (0: see ok) */
    bool direct;   /* a fast path: `next` runs without sched_next */
    int next;
};
static void finish(int t, struct out *o, u32 e)
{
    o->errs = EBIT(e);
    th[t].x[0] = e;  /* checked against the kernel's choice in the set */
    th[t].pc += 4;
}

/* t sends (call: then waits for the reply); its message is in its
 * registers, or it is a fault. */
static void m_send(int t, const struct res *tg, bool call, bool blk, u64 pc_step, struct out *o)
{
    int ep = tg->ep;
    if (!(tg->rights & R_WRITE)) {
        finish(t, o, E_RIGHTS);
        return;
    }
    while (mo[ep].qs == EPQ_RECV) {
        int r = mo[ep].q[0];
        if (legacy && !m_alive(r))
            step_rules |= RULE_DEAD;  /* today: delivered to a dead receiver */
        if (!legacy && !m_alive(r)) {
            m_stop_dead(r);
            continue;
        }
        struct mmsg m;
        msg_of(t, tg->badge, tg->rights & R_GRANT, &m);
        u32 errs = m_deliver(&m, r);
        if (errs) {
            if (th[t].isfault) {  /* can't happen: no items */
                th[t].isfault = false;
                m_fault(t, th[t].fault);
                return;
            }
            o->errs = errs;
            th[t].x[0] = 0xdead;  /* filled from the kernel's choice */
            th[t].pc += 4;
            return;
        }
        epq_remove(r);
        m_wake(r, th[r].x[0]);
        th[t].pc += pc_step;
        if (call)
            m_await_reply(t, r);
        else
            th[t].x[0] = E_OK;
        return;
    }
    if (!blk) {
        finish(t, o, E_WOULDBLOCK);
        return;
    }
    th[t].pc += pc_step;
    th[t].call = call;
    th[t].stored_badge = tg->badge;
    th[t].stored_grant = tg->rights & R_GRANT;
    rq_dequeue(t);
    th[t].state = THREAD_BLOCKED_SEND;
    epq_push(ep, t, EPQ_SEND);
    if (tg->via) {
        th[t].via = tg->via;
        memmove(&mo[tg->via].wq[1], &mo[tg->via].wq[0], sizeof(int) * (size_t)mo[tg->via].wqn);
        mo[tg->via].wq[0] = t;
        mo[tg->via].wqn++;
    }
}

static void m_recv(int t, const struct res *tg, bool blk, struct out *o)
{
    int ep = tg->ep;
    if (!(tg->rights & R_READ)) {
        finish(t, o, E_RIGHTS);
        return;
    }
    while (mo[ep].qs == EPQ_SEND) {
        int s = mo[ep].q[0];
        u64 badge = th[s].stored_badge;
        bool grant = th[s].stored_grant;
        if (legacy && !m_alive(s))
            step_rules |= RULE_DEAD;
        if (!legacy) {
            if (!m_alive(s)) {
                m_stop_dead(s);
                continue;
            }
            /* The sender's authority now: its cap (or fault endpoint cap). */
            struct res a;
            if (th[s].isfault) {
                struct mslot f = {th[s].fep_obj, th[s].fep_rights, th[s].fep_badge, -1};
                a = resolve_slot(&f);
            } else
                a = resolve(s, th[s].x[0]);
            if (a.err || a.ep != ep || !(a.rights & R_WRITE)) {
                n_recheck++;
                step_rules |= RULE_RECHECK;
                m_abort(s, E_REVOKED);
                continue;
            }
            if (badge != a.badge || grant != !!(a.rights & R_GRANT))
                step_rules |= RULE_RESOLVED;
            badge = a.badge;
            grant = a.rights & R_GRANT;
        }
        struct mmsg m;
        msg_of(s, badge, grant, &m);
        u32 errs = m_deliver(&m, t);
        if (errs) {
            o->errs = errs;
            th[t].x[0] = 0xdead;
            th[t].pc += 4;
            return;
        }
        epq_remove(s);
        via_unlink(s);
        m_drop_reply_right(t);
        th[t].pc += 4;
        if (th[s].call || th[s].isfault)
            m_await_reply(s, t);
        else
            m_wake(s, E_OK);
        th[s].call = false;
        return;
    }
    if (!blk) {
        finish(t, o, E_WOULDBLOCK);
        return;
    }
    m_drop_reply_right(t);
    th[t].pc += 4;
    rq_dequeue(t);
    th[t].state = THREAD_BLOCKED_RECV;
    epq_push(ep, t, EPQ_RECV);
}

static void m_reply(int t, const struct res *tg, struct out *o)
{
    int c = th[t].caller;
    /* reply_recv with no good reply right just receives (I2, as seL4). */
    if (c < 0) {
        if (tg)
            m_recv(t, tg, true, o);
        else
            finish(t, o, E_EMPTY);
        return;
    }
    th[t].caller = -1;  /* one-shot */
    if (!caller_waits_id(t, c)) {
        if (tg)
            m_recv(t, tg, true, o);
        else
            finish(t, o, E_REVOKED);
        return;
    }
    if (legacy && !m_alive(c))
        step_rules |= RULE_DEAD;
    if (!legacy && !m_alive(c)) {
        m_stop_dead(c);
        if (tg)
            m_recv(t, tg, true, o);
        else
            finish(t, o, E_REVOKED);
        return;
    }
    struct mmsg m;
    msg_of(t, 0, true, &m);
    u32 errs = m_deliver(&m, c);
    if (errs) {
        th[t].caller = c;  /* kept: the reply may be retried */
        o->errs = errs;
        th[t].x[0] = 0xdead;
        th[t].pc += 4;
        return;
    }
    th[c].state = THREAD_RUNNABLE;
    rq_enqueue(c, false);
    if (!tg) {
        finish(t, o, E_OK);
        return;
    }
    m_recv(t, tg, true, o);
}

/* ---------------------------------------------------------- the world -- */

static oref kobj(u32 slot)
{
    struct slot *s = tk_slot(slot);
    return s && s->obj && cap_live(s) ? s->obj : 0;
}
static struct thread *KT(int t) { return thread_body(mo[th[t].obj].o); }
static struct hal_regs *kregs(int t) { return t >= 0 ? &KT(t)->regs : NULL; }

static void kok(int e, const char *what)
{
    if (e != E_OK)
        ifail("root operation %s: %d", what, e);
}

/* A cap in thread i's CSpace, from a root original. */
struct variant { int kind; /* 0..2 endpoint, 3..4 wrapper */ u8 rights; u64 badge; bool map; };
static const struct variant VAR[] = {
    {0, R_ALL, 0, false},            {0, R_READ | R_WRITE, 0x100, false}, {1, R_ALL, 0x200, true},
    {2, R_ALL, 0, false},            {3, R_ALL, 0, false},                {1, R_READ, 0, false},
    {4, R_ALL, 0, false},            {2, R_WRITE | R_GRANT, 0x300, true}, {1, R_ALL, 0, false},
};
static const struct variant SRCV[] = {
    {0, R_ALL, 0, false}, {1, R_ALL, 0, true}, {2, R_READ | R_WRITE | R_GRANT, 0, false}, {3, R_ALL, 0, true},
};

static void m_kdelete(int i, u32 k)
{
    if (!sp[1 + i][k].obj)
        return;
    kok(tk_inv_all(R_CS + (u32)i, CS_DELETE, k, 0, 0, 0, 0, 0, NULL), "CS_DELETE");
    m_delete((1 + i) * NSL + (int)k);
}
static void put_cap(int i, u32 k, const struct variant *v)
{
    m_kdelete(i, k);
    u32 src = v->kind < 3 ? R_EP + (u32)v->kind : R_W + (u32)(v->kind - 3);
    u64 badge = v->badge ? v->badge + (u64)i : 0;
    int e;
    if (badge)
        e = tk_inv(R_CS + (u32)i, CS_MINT, k, CS, src, v->rights, badge, v->map ? MINT_MAP : MINT_COPY);
    else
        e = tk_inv(R_CS + (u32)i, v->map ? CS_MAP : CS_COPY, k, CS, src, v->rights, 0, 0);
    kok(e, "populate");
    struct mslot *s = &sp[1 + i][k];
    s->obj = sp[0][src].obj;
    s->rights = v->rights & sp[0][src].rights;
    s->badge = badge;
    s->parent = v->map ? (int)src : -1;
}
static void populate(int i, bool all)
{
    for (u32 k = C_EPA; k < C_EPEND; k++)
        if (all || !slot_live(&sp[1 + i][k]))
            put_cap(i, k, &VAR[k - C_EPA]);
    for (u32 k = C_SRC; k < C_SRCEND; k++)
        if (all || !slot_live(&sp[1 + i][k]))
            put_cap(i, k, &SRCV[k - C_SRC]);
}

static void root_obj(u32 bank, u64 type, u32 slot, u8 mtype, int *id)
{
    tk_delete(slot);
    kok(tk_create(bank, type, slot, type == OBJ_BANK ? 2u << 20 : 0), "create");
    *id = new_obj(mtype, kobj(slot));
}
static void make_ep(u32 e)
{
    m_delete((int)(R_EP + e));
    root_obj(BANK, OBJ_ENDPOINT, R_EP + e, MT_EP, &ep_objs[e]);
    sp[0][R_EP + e] = (struct mslot){ep_objs[e], R_ALL, 0, -1};
}
static void make_wrapper(u32 w, u64 badge, u8 rights)
{
    u32 tgt = w ? 0 : 1;  /* wrapper 0 over endpoint 1, wrapper 1 over endpoint 0 */
    m_delete((int)(R_W + w));
    tk_delete(R_W + w);
    kok(tk_inv(BANK, BANK_WRAP, CS, R_W + w, CS, R_EP + tgt, badge, rights), "BANK_WRAP");
    w_objs[w] = new_obj(MT_WRAP, kobj(R_W + w));
    mo[w_objs[w]].tgt = ep_objs[tgt];
    mo[w_objs[w]].trights = rights;
    mo[w_objs[w]].wbadge = badge;
    sp[0][R_W + w] = (struct mslot){w_objs[w], R_ALL, 0, -1};
}
static u32 bank_of(int i) { return i < 2 ? R_SB : BANK; }
static void make_cspace(int i)
{
    tk_delete(R_CS + (u32)i);
    root_obj(bank_of(i), OBJ_CSPACE, R_CS + (u32)i, MT_CS, &sp_obj[1 + i]);
    for (int k = 0; k < NSL; k++)
        sp[1 + i][k] = (struct mslot){0, 0, 0, -1};
}
static void make_as(int a) { root_obj(a ? BANK : R_SB, OBJ_ASPACE, R_AS + (u32)a, MT_AS, &as_objs[a]); }
static int as_of(int i) { return i < 2 ? 0 : 1; }

/* ipc_cancel as the kernel does it for SUSPEND (destroyed = false) and
 * destruction (true). */
static void m_cancel(int t, bool destroyed)
{
    if (th[t].state == THREAD_BLOCKED_SEND || th[t].state == THREAD_BLOCKED_RECV)
        epq_remove(t);
    via_unlink(t);
    if (destroyed)
        m_drop_reply_right(t);
    if (th[t].state != THREAD_RUNNABLE && th[t].state != THREAD_FAULTED && th[t].state != THREAD_INACTIVE &&
        !th[t].isfault)
        th[t].x[0] = E_REVOKED;
    th[t].isfault = th[t].call = false;
}
static void configure(int i)
{
    u32 s = R_T + (u32)i;
    kok(tk_inv(s, THREAD_CONFIGURE, R_CS + (u32)i, R_AS + (u32)as_of(i), 0x1000 * (u64)(i + 1), 0, th[i].prio, 0),
        "THREAD_CONFIGURE");
    th[i].win_base = C_WIN;
    th[i].win_count = 2 + (u32)(i & 1);
    kok(tk_inv(s, THREAD_SET_IPC, i >= 3 ? R_EP + 2 : CAP_NONE, C_WIN, th[i].win_count, 0, MWIN_OFF, 0),
        "THREAD_SET_IPC");
    th[i].cs_obj = sp_obj[1 + i];
    th[i].as_obj = as_objs[as_of(i)];
    th[i].fep_obj = i >= 3 ? ep_objs[2] : 0;
    th[i].fep_rights = R_ALL;
    th[i].fep_badge = 0;
    memset(th[i].x, 0, sizeof th[i].x);
    th[i].pc = 0x1000 * (u64)(i + 1);
    th[i].state = THREAD_INACTIVE;
    th[i].isfault = th[i].call = false;
}
static void start(int i)
{
    kok(tk_inv(R_T + (u32)i, THREAD_START, 0, 0, 0, 0, 0, 0), "THREAD_START");
    th[i].state = THREAD_RUNNABLE;
    rq_enqueue(i, false);
}
static void make_thread(int i)
{
    tk_delete(R_T + (u32)i);
    kok(tk_create(BANK, OBJ_THREAD, R_T + (u32)i, 0), "create thread");
    kok(tk_time(BANK, R_T + (u32)i), "give it time");
    memset(&th[i], 0, sizeof th[i]);
    th[i].obj = new_obj(MT_THREAD, kobj(R_T + (u32)i));
    th[i].caller = th[i].partner = -1;
    th[i].prio = 10 + 10 * rn(3);
    configure(i);
    start(i);
}

static void boot(void)
{
    tk_boot(8u << 20);
    nmo = 0;
    memset(sp, 0, sizeof sp);
    for (int s = 0; s < NSP; s++)
        for (int k = 0; k < NSL; k++)
            sp[s][k].parent = -1;
    memset(rqn, 0, sizeof rqn);
    cur = -1;
    root_cs_obj = sp_obj[0] = new_obj(MT_CS, tk.root_cs);
    root_obj(BANK, OBJ_BANK, R_SB, MT_BANK, &sb_obj);
    make_as(0), make_as(1);
    for (u32 e = 0; e < NEP; e++)
        make_ep(e);
    make_wrapper(0, 0x77, R_ALL);
    make_wrapper(1, 0, R_READ | R_WRITE);
    for (int i = 0; i < NT; i++) {
        make_cspace(i);
        populate(i, true);
    }
    for (int i = 0; i < NT; i++)
        make_thread(i);
    boot_failed = 0;
}

/* ------------------------------------------------------------ compare -- */

static const char *sname(u32 s)
{
    static const char *n[] = {"INACTIVE", "RUNNABLE", "FAULTED", "BLOCKED_SEND", "BLOCKED_RECV", "BLOCKED_REPLY"};
    return s < 6 ? n[s] : "?";
}
static int kidx(oref t)
{
    for (int i = 0; i < NT; i++)
        if (t && th[i].obj && mo[th[i].obj].o == t)
            return i;
    return -1;
}

static void compare_slots(void);
static void compare(void)
{
    const char *why = kernel_check();
    if (why) {
        ifail("kernel_check: %s", why);
        return;
    }
    for (int i = 0; i < NT; i++) {
        if (kobj(R_T + (u32)i) != mo[th[i].obj].o) {
            ifail("thread %d: object", i);
            return;
        }
        const struct thread *k = KT(i);
        const struct mthr *m = &th[i];
        if (k->state != m->state || (m->state == THREAD_FAULTED && k->fault != m->fault)) {
            ifail("thread %d: state %s (fault %u), reference %s (fault %u)", i, sname(k->state), k->fault,
                  sname(m->state), m->fault);
            return;
        }
        if (!!k->queued != m->queued) {
            ifail("thread %d (%s): on a run queue: kernel %u, reference %d", i, sname(m->state), k->queued,
                  m->queued);
            return;
        }
        for (int r = 0; r < 8; r++)
            if (k->regs.x[tk_areg(r)] != m->x[r]) {
                ifail("thread %d (%s): a%d = %#llx, reference %#llx", i, sname(m->state), r,
                      (unsigned long long)k->regs.x[tk_areg(r)], (unsigned long long)m->x[r]);
                return;
            }
        if (k->regs.pc != m->pc) {
            ifail("thread %d (%s): pc %#llx, reference %#llx", i, sname(m->state), (unsigned long long)k->regs.pc,
                  (unsigned long long)m->pc);
            return;
        }
        if (m->state == THREAD_BLOCKED_REPLY && k->partner != mo[th[m->partner].obj].o) {
            ifail("thread %d waits for a reply from thread %d, reference %d", i, kidx(k->partner), m->partner);
            return;
        }
        bool kr = k->caller != 0, mr = m->caller >= 0;
        if (kr != mr ||
            (mr && (k->caller != mo[m->caller_obj].o || k->caller_epoch != mo[m->caller_obj].epoch))) {
            ifail("thread %d: reply right to %d (kernel), reference %d", i, kr ? kidx(k->caller) : -1, m->caller);
            return;
        }
    }
    for (int id = 1; id <= nmo; id++) {
        if (mo[id].type != MT_EP || !mo[id].alive)
            continue;
        const struct endpoint *b = endpoint_body(mo[id].o);
        int n = 0;
        for (oref t = b->head; t && n <= NT; t = thread_body(t)->qnext, n++)
            if (n >= mo[id].qn || kidx(t) != mo[id].q[n]) {
                ifail("endpoint obj %d: queue position %d holds thread %d, reference %d (of %d)", id, n, kidx(t),
                      n < mo[id].qn ? mo[id].q[n] : -1, mo[id].qn);
                return;
            }
        if (n != mo[id].qn || (mo[id].qn && b->qstate != (u32)mo[id].qs) || b->waiting != (u32)n) {
            ifail("endpoint obj %d: %d queued (qstate %u), reference %d (qstate %d)", id, n, b->qstate, mo[id].qn,
                  mo[id].qs);
            return;
        }
    }
    compare_slots();
    oref kc = sched_cur;
    if (!boot_failed && kc != (cur >= 0 ? mo[th[cur].obj].o : 0))
        ifail("running thread: kernel %d, reference %d", kidx(kc), cur);
}
static void compare_slots(void)
{
    for (int s = 0; s < NSP; s++) {
        if (!mo[sp_obj[s]].alive)
            continue;
        for (int k = s ? 0 : R_EP; k < (s ? NSL : R_W + NW); k++) {
            const struct mslot *m = &sp[s][k];
            const struct slot *ks = cspace_slot(mo[sp_obj[s]].o, (u32)k);
            if (!m->obj) {
                if (ks && ks->obj) {
                    ifail("CSpace %d slot %d: kernel holds a cap (live %d), reference empty", s - 1, k, cap_live(ks));
                    return;
                }
                continue;
            }
            if (!ks || ks->obj != mo[m->obj].o || ks->epoch != mo[m->obj].epoch || ks->rights != m->rights ||
                ks->badge != m->badge || cap_live(ks) != slot_live(m)) {
                ifail("CSpace %d slot %d: kernel obj %u rights %#x badge %#llx live %d; reference obj %u rights %#x "
                      "badge %#llx live %d",
                      s - 1, k, ks ? ks->obj : 0, ks ? ks->rights : 0, ks ? (unsigned long long)ks->badge : 0,
                      ks ? cap_live(ks) : 0, mo[m->obj].o, m->rights, (unsigned long long)m->badge, slot_live(m));
                return;
            }
            const struct slot *kp = cap_parent(ks);
            const struct slot *mp =
                m->parent < 0 ? NULL : cspace_slot(mo[sp_obj[m->parent / NSL]].o, (u32)(m->parent % NSL));
            if (kp != mp) {
                ifail("CSpace %d slot %d: parent in the derivation tree differs (reference: %s %d/%d)", s - 1, k,
                      m->parent < 0 ? "root" : "slot", m->parent / NSL - 1, m->parent % NSL);
                return;
            }
        }
    }
}

/* --------------------------------------------------------------- steps -- */

static u32 pick_cptr(void)
{
    u32 k = rn(100);
    if (k < 70) return C_EPA + rn(C_EPEND - C_EPA);
    if (k < 80) return C_SRC + rn(C_SRCEND - C_SRC);
    if (k < 88) return C_WIN + rn(3);
    return (u32[]){C_EMPTY, 999, CAP_ADDR_LIMIT, 63}[rn(4)];
}
static u64 cap_item(void)
{
    u32 k = rn(100), src;
    if (k < 60) src = C_SRC + rn(C_SRCEND - C_SRC);
    else if (k < 80) src = C_EPA + rn(C_EPEND - C_EPA);
    else if (k < 92) src = C_WIN + rn(3);
    else src = (u32[]){C_EMPTY, CAP_ADDR_LIMIT + 5}[rn(2)];
    u32 op = chance(96) ? rn(3) : 3;
    return ITEM(src, op, chance(70) ? R_ALL : rn(16));
}

/* Check the issuer's result (an error from a set) and the thread that runs
 * next; then bring the reference's placeholder a0 in line. */
static void check_out(int i, const struct out *o, struct hal_regs *kr, const char *what)
{
    if (o->errs) {
        u64 a0 = KT(i)->regs.x[REG_MSGINFO];
        if (a0 >= 32 || !(o->errs & EBIT(a0))) {
            ifail("%s: thread %d got a0 = %#llx, reference expects one of errors %#x", what, i, (unsigned long long)a0,
                  o->errs);
            return;
        }
        th[i].x[0] = a0;
    }
    int next = o->direct ? o->next : m_sched_next();
    compare();
    if (!boot_failed && kr != kregs(next))
        ifail("%s: next thread: kernel runs %d, reference %d", what,
              kr ? kidx(sched_cur) : -1, next);
}

static void do_syscall(int i)
{
    static const u64 nums[] = {SYS_SEND, SYS_NB_SEND, SYS_RECV, SYS_NB_RECV, SYS_INVOKE, SYS_REPLY, SYS_REPLY_RECV};
    u64 n = nums[rn(ARRAY_LEN(nums))];
    u32 cptr = pick_cptr(), items = chance(35) ? 1 + rn(3) : 0;
    u64 label = rn(4) ? rn(64) : rnd();
    bool pager = th[i].caller >= 0 && caller_waits(i) && th[th[i].caller].isfault;
    if (pager && chance(70)) {
        n = chance(50) ? SYS_REPLY : SYS_REPLY_RECV;
        label = rn(2) ? FAULT_REPLY_RETRY : FAULT_REPLY_SETPC;
        items = chance(20);
    }
    u64 *x = KT(i)->regs.x;
    x[REG_SYSNO] = n;
    x[REG_MSGINFO] = cptr | MSG_INFO(label, items) << 32;
    for (u32 k = 1; k <= MSG_WORDS; k++)
        x[tk_areg(k)] = rnd();
    for (u32 k = 0; k < items; k++)
        x[REG_MSG(MSG_WORDS - items + k)] = cap_item();
    for (int r = 0; r < 8; r++)
        th[i].x[r] = x[tk_areg(r)];
    snprintf(desc, sizeof desc, "thread %d syscall %llu a0=%#llx items %u", i, (unsigned long long)n,
             (unsigned long long)x[REG_MSGINFO], items);
    n_sys++;

    struct out o = {0};
    bool noitems = !((x[REG_MSGINFO] >> 52) & 3);
    struct res r = resolve(i, cptr);
    if (n == SYS_INVOKE && !r.err && noitems && (r.rights & R_WRITE) && mo[r.ep].qs == EPQ_RECV &&
        th[mo[r.ep].q[0]].prio >= th[i].prio && m_alive(mo[r.ep].q[0])) {
        /* The call fast path: switch straight to the receiver. */
        int rv = mo[r.ep].q[0];
        epq_remove(rv);
        th[rv].x[0] = th[i].x[0] >> 32 << 32;
        for (u32 k = 1; k <= MSG_WORDS; k++)
            th[rv].x[k] = th[i].x[k];
        th[rv].x[7] = r.badge;
        th[i].pc += 4;
        th[i].state = THREAD_BLOCKED_REPLY;
        th[i].partner = rv;
        th[i].partner_obj = th[rv].obj;
        th[rv].caller = i;
        th[rv].caller_obj = th[i].obj;
        th[rv].state = THREAD_RUNNABLE;
        cur = rv;
        o.direct = true, o.next = rv;
        n_deliv++;
    } else if (n == SYS_REPLY_RECV && cptr < CAP_ADDR_LIMIT && noitems && caller_waits(i) &&
               !th[th[i].caller].isfault && th[th[i].caller].prio >= th[i].prio && !r.err && (r.rights & R_READ) &&
               mo[r.ep].qs != EPQ_SEND && m_alive(th[i].caller)) {
        /* The reply_recv fast path. */
        int c = th[i].caller;
        th[i].caller = -1;
        th[c].x[0] = th[i].x[0] >> 32 << 32;
        for (u32 k = 1; k <= MSG_WORDS; k++)
            th[c].x[k] = th[i].x[k];
        th[c].x[7] = 0;
        th[c].state = THREAD_RUNNABLE;
        th[i].pc += 4;
        th[i].state = THREAD_BLOCKED_RECV;
        epq_push(r.ep, i, EPQ_RECV);
        cur = c;
        o.direct = true, o.next = c;
        n_deliv++;
    } else if (n == SYS_REPLY) {
        m_reply(i, NULL, &o);
    } else if (r.err) {
        finish(i, &o, (u32)r.err);
    } else if (n == SYS_INVOKE || n == SYS_SEND || n == SYS_NB_SEND) {
        m_send(i, &r, n == SYS_INVOKE, n != SYS_NB_SEND, 4, &o);
    } else if (n == SYS_RECV || n == SYS_NB_RECV) {
        m_recv(i, &r, n == SYS_RECV, &o);
    } else {
        m_reply(i, &r, &o);
    }
    struct hal_regs *kr = kernel_syscall();
    check_out(i, &o, kr, "syscall");
}

static void do_fault(int i)
{
    u32 kind = rn(2) ? FAULT_READ : FAULT_WRITE;
    u64 va = 0x800000 + (u64)rn(16) * PAGE_SIZE_BYTES + rn(PAGE_SIZE_BYTES);
    snprintf(desc, sizeof desc, "thread %d faults (%u) at %#llx", i, kind, (unsigned long long)va);
    n_fault++;
    th[i].fault = kind;
    th[i].fault_addr = va;
    th[i].fault_pc = th[i].pc;
    struct mslot f = {th[i].fep_obj, th[i].fep_rights, th[i].fep_badge, -1};
    struct res r = resolve_slot(&f);
    struct out o = {0};
    if (!th[i].fep_obj || r.err || !(r.rights & R_WRITE)) {
        m_fault(i, kind);
    } else {
        th[i].isfault = true;
        m_send(i, &r, true, true, 0, &o);
    }
    fflush(stdout);
    int saved = dup(1), nul = open("/dev/null", O_WRONLY);
    dup2(nul, 1);
    close(nul);
    struct hal_regs *kr = kernel_exception(kind, va);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    check_out(i, &o, kr, "fault");
}

static void destroy_thread_model(int i)
{
    m_cancel(i, true);
    rq_dequeue(i);
    if (cur == i)
        cur = -1;
    mo[th[i].obj].alive = false;
}

static void m_suspend(int i)
{
    m_cancel(i, false);
    rq_dequeue(i);
    th[i].state = THREAD_INACTIVE;
}

/* Something the root does (kernel_invoke: no thread runs). */
static void control(void)
{
    int i = (int)rn(NT);
    u32 k = rn(100);
    n_ctl++;
    if (k < 8) {
        snprintf(desc, sizeof desc, "suspend thread %d", i);
        kok(tk_inv(R_T + (u32)i, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), "THREAD_SUSPEND");
        m_suspend(i);
    } else if (k < 18) {
        snprintf(desc, sizeof desc, "start thread %d (%s)", i, sname(th[i].state));
        int e = tk_inv(R_T + (u32)i, THREAD_START, 0, 0, 0, 0, 0, 0);
        int want = th[i].state != THREAD_INACTIVE && th[i].state != THREAD_FAULTED ? E_BUSY
                   : !mo[th[i].cs_obj].alive || !mo[th[i].as_obj].alive ? E_REVOKED : E_OK;
        if (e != want)
            ifail("THREAD_START: %d, reference %d", e, want);
        if (want == E_OK) {
            th[i].state = THREAD_RUNNABLE;
            th[i].isfault = false;
            rq_enqueue(i, false);
        }
    } else if (k < 24) {
        snprintf(desc, sizeof desc, "destroy and recreate thread %d (%s)", i, sname(th[i].state));
        n_destroy++;
        kok(tk_destroy(BANK, R_T + (u32)i), "destroy thread");
        destroy_thread_model(i);
        make_thread(i);
    } else if (k < 32) {
        u32 e = rn(NEP);
        snprintf(desc, sizeof desc, "destroy and recreate endpoint %u (%d waiting)", e, mo[ep_objs[e]].qn);
        n_destroy++;
        int ep = ep_objs[e];
        kok(tk_destroy(BANK, R_EP + e), "destroy endpoint");
        while (mo[ep].qn)
            m_abort(mo[ep].q[0], E_REVOKED);
        mo[ep].alive = false;
        make_ep(e);
        for (u32 w = 0; w < NW; w++)
            if (mo[w_objs[w]].tgt == ep) {
                int wo = w_objs[w];
                kok(tk_destroy(BANK, R_W + w), "destroy wrapper");
                while (mo[wo].wqn)
                    m_abort(mo[wo].wq[0], E_REVOKED);
                mo[wo].alive = false;
                make_wrapper(w, mo[wo].wbadge, mo[wo].trights);
            }
    } else if (k < 38) {
        u32 w = rn(NW);
        int wo = w_objs[w];
        snprintf(desc, sizeof desc, "destroy and recreate wrapper %u (%d queued through it)", w, mo[wo].wqn);
        n_destroy++;
        kok(tk_destroy(BANK, R_W + w), "destroy wrapper");
        while (mo[wo].wqn)
            m_abort(mo[wo].wq[0], E_REVOKED);
        mo[wo].alive = false;
        make_wrapper(w, chance(50) ? 0x77 + w : 0, rn(2) ? R_ALL : R_READ | R_WRITE);
    } else if (k < 44 && legacy != 1) {
        snprintf(desc, sizeof desc, "destroy thread %d's CSpace (%s) and make a new one", i, sname(th[i].state));
        n_destroy++;
        kok(tk_destroy(BANK, R_CS + (u32)i), "destroy CSpace");
        m_empty_space(1 + i);
        mo[sp_obj[1 + i]].alive = false;
        make_cspace(i);
        populate(i, true);
    } else if (k < 47 && legacy != 1) {
        snprintf(desc, sizeof desc, "destroy AddrSpace 1 (threads 2..4) and make a new one");
        n_destroy++;
        kok(tk_destroy(BANK, R_AS + 1), "destroy AddrSpace");
        mo[as_objs[1]].alive = false;
        make_as(1);
    } else if (k < 50 && legacy != 1) {
        snprintf(desc, sizeof desc, "destroy the sub-bank (CSpaces 0, 1, AddrSpace 0) and remake it");
        n_destroy++;
        kok(tk_destroy(BANK, R_SB), "destroy bank");
        m_empty_space(1), m_empty_space(2);
        mo[sp_obj[1]].alive = mo[sp_obj[2]].alive = mo[as_objs[0]].alive = mo[sb_obj].alive = false;
        root_obj(BANK, OBJ_BANK, R_SB, MT_BANK, &sb_obj);
        make_as(0);
        make_cspace(0), make_cspace(1);
        populate(0, true), populate(1, true);
    } else if (k < 60) {
        snprintf(desc, sizeof desc, "revive thread %d (%s): suspend, configure, start", i, sname(th[i].state));
        kok(tk_inv(R_T + (u32)i, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), "THREAD_SUSPEND");
        m_suspend(i);
        configure(i);
        start(i);
    } else if (k < 74) {
        /* Rewrite an endpoint cap: often the one a queued sender used. */
        u32 slot = C_EPA + rn(C_EPEND - C_EPA);
        if (chance(60))
            for (int j = 0; j < NT; j++)
                if (th[j].state == THREAD_BLOCKED_SEND && !th[j].isfault && m_alive(j) &&
                    (u32)th[j].x[0] >= C_EPA && (u32)th[j].x[0] < C_EPEND) {
                    i = j, slot = (u32)th[j].x[0];
                    break;
                }
        const struct variant *v = &VAR[rn(ARRAY_LEN(VAR))];
        snprintf(desc, sizeof desc, "rewrite thread %d's cap %u (kind %d rights %#x badge %#llx)", i, slot, v->kind,
                 v->rights, (unsigned long long)v->badge);
        put_cap(i, slot, v);
    } else if (k < 88) {
        snprintf(desc, sizeof desc, "refill caps");
        for (int j = 0; j < NT; j++)
            populate(j, false);
    } else {
        snprintf(desc, sizeof desc, "clear windows");
        for (int j = 0; j < NT; j++)
            for (u32 w = 0; w < 3; w++)
                m_kdelete(j, C_WIN + w);
    }
}

static void step(void)
{
    int i = -1;
    if (chance(80)) {
        if (chance(70) && m_running(cur) && m_alive(cur)) {
            i = cur;
        } else {
            int cand[NT], n = 0;
            for (int j = 0; j < NT; j++)
                if (th[j].state == THREAD_RUNNABLE && m_alive(j))
                    cand[n++] = j;
            if (n) {
                i = cand[rn((u32)n)];
                sched_switch_to(mo[th[i].obj].o);
                m_switch_to(i);
            }
        }
    }
    step_rules = 0;
    static int trace = -1;
    if (trace < 0)
        trace = getenv("TETHER_IPC_TRACE") ? atoi(getenv("TETHER_IPC_TRACE")) : 0;
    if (i < 0)
        control();
    else if (chance(5))
        do_fault(i);
    else
        do_syscall(i);
    if (trace)
        printf("      %ld: %s\n", step_no, desc);
    if (i < 0)
        compare();
    if (boot_failed)
        return;
    snprintf(desc + strlen(desc), sizeof desc - strlen(desc), " / then the timer");
    struct hal_regs *kr = kernel_timer();
    m_tick();
    int next = m_sched_next();
    if (kr != kregs(next))
        ifail("timer: next thread: kernel runs %d, reference %d", kr ? kidx(sched_cur) : -1, next);
    compare();
}

TEST(ipc_ref)
{
    seed = strtoull(getenv("TETHER_SEED") ? getenv("TETHER_SEED") : "0", NULL, 0);
    if (!seed)
        seed = (u64)time(NULL) ^ ((u64)clock() << 20);
    rng = seed + 11 * 0x9e3779b97f4a7c15ull;
    const char *s = getenv("TETHER_STEPS");
    long steps = (s && *s ? strtol(s, NULL, 0) : 200000) / 4;
    legacy = getenv("TETHER_IPC_LEGACY") ? atoi(getenv("TETHER_IPC_LEGACY")) : 0;
    bool all = getenv("TETHER_IPC_ALL") && atoi(getenv("TETHER_IPC_ALL"));
    failed = 0;
    n_sys = n_deliv = n_items = n_fault = n_ctl = n_destroy = n_dead = n_recheck = 0;
    boot();
    long boots = 1;
    for (step_no = 1; step_no <= steps; step_no++) {
        if (step_no % BOOT_STEPS == 0 || (boot_failed && all)) {
            boot();
            boots++;
        }
        if (boot_failed && !all)
            break;
        step();
    }
    printf("    seed=%llu%s: %ld steps (%ld boots), %ld system calls, %ld messages (%ld items), %ld faults, %ld root "
           "operations (%ld destroys), %ld dead threads stopped, %ld senders re-checked out; %d mismatches\n",
           (unsigned long long)seed, legacy ? " legacy" : "", step_no - 1, boots, n_sys, n_deliv, n_items, n_fault,
           n_ctl, n_destroy, n_dead, n_recheck, failed);
    if (failed)
        printf("    replay: TETHER_SEED=%llu%s build/host/model ipc_ref\n", (unsigned long long)seed,
               legacy ? " TETHER_IPC_LEGACY=1" : "");
    CHECK(!failed);
}
