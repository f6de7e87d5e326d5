/* SPDX-License-Identifier: BSD-2-Clause */
/* debug.c: the Debug object's methods (debug.h), fault names, and the
 * report when no thread can ever run again. Line formats: docs/debug.md. */
#include "debug.h"
#include "aspace.h"
#include "bank.h"
#include "charge.h"
#include "frame.h"
#include "hal.h"
#include "invoke.h"
#include "kernel.h"
#include "persist.h"
#include "sched.h"
#include "schedctx.h"
#include "thread.h"
#include "watch.h"
#include "wrapper.h"

oref debug_create(oref b)
{
    oref o;
    return bank_alloc_obj(b, OBJ_DEBUG, 0, &o) == E_OK ? o : 0;
}

/* ---- names -------------------------------------------------------------- */

static const char *const fault_names[FAULT_COUNT] = {
#define X(name, val, text) [val] = #name,
#include <tether/faults.def>
#undef X
};

const char *debug_fault_name(u32 fault)
{
    return fault < FAULT_COUNT && fault_names[fault] ? fault_names[fault] : "FAULT_?";
}

static const char *const type_texts[OBJ_COUNT] = {
#define X(name, val, text) [val] = text,
#include <tether/types.def>
#undef X
};

/* A type's short name: its types.def text up to the first ':'. */
static void put_type(u32 t)
{
    const char *s = t < OBJ_COUNT && type_texts[t] ? type_texts[t] : "?";
    while (*s && *s != ':')
        hal_putc(*s++);
}

static const char *state_name(u32 s)
{
    static const char *const n[] = {"INACTIVE", "RUNNABLE", "FAULTED", "BLOCKED_SEND",
                                    "BLOCKED_RECV", "BLOCKED_REPLY", "BLOCKED_WAIT"};
    return s < ARRAY_LEN(n) ? n[s] : "?";
}

static void put_rights(u32 r)
{
    hal_putc(r & R_READ ? 'r' : '-');
    hal_putc(r & R_WRITE ? 'w' : '-');
    hal_putc(r & R_EXEC ? 'x' : '-');
    hal_putc(r & R_GRANT ? 'g' : '-');
}

/* " key=N", or " key=-" for no object. */
static void put_ref(const char *key, oref o)
{
    if (o)
        kprintf(" %s=%u", key, o);
    else
        kprintf(" %s=-", key);
}

/* Lines of the current call: each ends with eol(); room() keeps one for
 * the closing "dbg end". */
static u32 nlines;
static void eol(void)
{
    hal_putc('\n');
    nlines++;
}
static bool room(u32 n)
{
    return nlines + n < DEBUG_LINES;
}

/* ---- what a thread waits on ---------------------------------------------- */

/* The bound thread of SchedContext c, if it is still that thread's. */
static oref sc_thread(const struct schedctx *c)
{
    return c->thread && obj_get(c->thread)->live == c->thread_epoch ? c->thread : 0;
}

/* ` on=<kind>:<what>` for a blocked thread, one waiting for time or
 * stopped by a fault; nothing for one that runs or is inactive. */
static void put_on(const struct thread *th)
{
    oref s;
    switch (th->state) {
    case THREAD_BLOCKED_SEND:
        kprintf(" on=endpoint:%u send=%s", th->ep,
                th->ipc & IPC_FAULT ? "fault" : th->ipc & IPC_CALL ? "call" : "plain");
        break;
    case THREAD_BLOCKED_RECV:  kprintf(" on=endpoint:%u", th->ep); break;
    case THREAD_BLOCKED_REPLY: kprintf(" on=thread:%u", th->partner); break;
    case THREAD_BLOCKED_WAIT:  kprintf(" on=notification:%u", th->ep); break;
    case THREAD_FAULTED:       kprintf(" on=fault:%s", debug_fault_name(th->fault)); break;
    case THREAD_RUNNABLE:
        if (th->waiting_time && (s = thread_sc(th)))
            kprintf(" on=time:%u", s);
        else if (th->waiting_time)
            kprintf(" on=time:-");
        break;
    default:
        break;
    }
}

/* The same in words, for the idle report: false if it waits on nothing
 * (it runs, is inactive or stopped). */
static bool say_wait(oref t)
{
    const struct thread *th = thread_body(t);
    oref s;
    switch (th->state) {
    case THREAD_BLOCKED_SEND:
        kprintf("thread %u (%s to endpoint %u)", t,
                th->ipc & IPC_FAULT ? "fault message" : th->ipc & IPC_CALL ? "call" : "send", th->ep);
        return true;
    case THREAD_BLOCKED_RECV:
        kprintf("thread %u (recv on endpoint %u)", t, th->ep);
        return true;
    case THREAD_BLOCKED_REPLY:
        kprintf("thread %u (%s from thread %u)", t, th->ipc & IPC_FAULT ? "its pager's reply" : "reply",
                th->partner);
        return true;
    case THREAD_BLOCKED_WAIT:
        kprintf("thread %u (wait on notification %u)", t, th->ep);
        return true;
    case THREAD_RUNNABLE:
        if (!th->waiting_time)
            return false;
        if ((s = thread_sc(th)))
            kprintf("thread %u (CPU time from schedctx %u, %s)", t, s,
                    schedctx_body(s)->period ? "not due for a refill" : "never configured");
        else
            kprintf("thread %u (CPU time: passive, none lent)", t);
        return true;
    default:
        return false;
    }
}

/* ---- no thread will ever run again --------------------------------------- */

static bool idle_said;

void debug_reset(void)
{
    idle_said = false;
}

void debug_idle(void)
{
    if (sched_busy() || schedctx_time_pending() || persist_busy()) {
        idle_said = false;
        return;
    }
    if (idle_said)
        return;
    idle_said = true;
    u32 named = 0, more = 0, faulted = 0, inactive = 0;
    kprintf("tether: no runnable thread; blocked: ");
    for (oref t = 1; t < store.ntab; t++) {
        const struct obj *x = obj_get(t);
        if (x->state != OS_LIVE || x->type != OBJ_THREAD)
            continue;
        const struct thread *th = thread_body(t);
        faulted += th->state == THREAD_FAULTED;
        inactive += th->state == THREAD_INACTIVE;
        if (th->state == THREAD_FAULTED || th->state == THREAD_INACTIVE ||
            (th->state == THREAD_RUNNABLE && !th->waiting_time))
            continue;
        if (named == DEBUG_IDLE_NAMES) {
            more++;
            continue;
        }
        if (named)
            kprintf(", ");
        named += say_wait(t);
    }
    if (!named)
        kprintf("none");
    if (more)
        kprintf(" and %u more", more);
    kprintf("; %u stopped by a fault, %u inactive\n", faulted, inactive);
}

/* ---- the methods ----------------------------------------------------------- */

/* Every method needs R_READ on the Debug cap (it is checked first). */
static bool may_read(const struct inv *iv)
{
    return iv->t.rights & R_READ;
}

/* ---- DEBUG_THREAD ------------------------------------------------------ */

static void print_thread(oref t)
{
    const struct thread *th = thread_body(t);
    oref s = thread_sc(th);
    kprintf("dbg thread %u state=%s", t, state_name(th->state));
    put_on(th);
    kprintf(" prio=%u mcp=%u pc=0x%lx sp=0x%lx", th->prio, th->mcp, th->regs.pc,
            th->regs.x[REG_STACK]);
    eol();
    kprintf("dbg thread %u spaces", t);
    put_ref("cspace", thread_cspace(th));
    put_ref("aspace", thread_aspace(th));
    put_ref("driver", th->driver && obj_get(th->driver)->live == th->driver_epoch ? th->driver : 0);
    kprintf(" bound=%u can_run=%u", th->bound.obj ? 1u : 0u, thread_can_run(th) ? 1u : 0u);
    eol();
    kprintf("dbg thread %u time", t);
    put_ref("sc", cap_obj_live(&th->sc));
    put_ref("lent", th->lent && obj_get(th->lent)->live == th->lent_epoch ? th->lent : 0);
    put_ref("runs_on", s);
    if (s)
        kprintf(" remaining=%lu budget=%lu period=%lu", schedctx_body(s)->remaining,
                schedctx_body(s)->budget, schedctx_body(s)->period);
    kprintf(" queued=%u waiting_time=%u running=%u", th->queued, th->waiting_time,
            t == sched_cur ? 1u : 0u);
    eol();
    kprintf("dbg thread %u ipc", t);
    put_ref("fault_ep", cap_obj_live(&th->fault_ep));
    put_ref("timeout_ep", cap_obj_live(&th->timeout_ep));
    put_ref("ntfn", cap_obj_live(&th->ntfn));
    put_ref("caller", th->caller && obj_get(th->caller)->live == th->caller_epoch ? th->caller : 0);
    kprintf(" win=%u:%u", th->win_base, th->win_count);
    if (th->mwin_on)
        kprintf(" mwin=0x%lx:%u", (u64)th->mwin_vpn << 12, th->mwin_log2);
    else
        kprintf(" mwin=-");
    eol();
    kprintf("dbg thread %u fault kind=%s addr=0x%lx pc=0x%lx", t, debug_fault_name(th->fault),
            th->fault_addr, th->fault_pc);
    eol();
}

static int dbg_thread(struct inv *iv)
{
    struct target t;
    if (!may_read(iv))
        return E_RIGHTS;
    int e = inv_lookup(iv, ARG(iv, DEBUG_THREAD, thread), &t);
    if (e != E_OK)
        return e;
    if (t.type != OBJ_THREAD)
        return E_TYPE;
    if (!(t.rights & R_READ))
        return E_RIGHTS;
    nlines = 0;  /* perform */
    print_thread(t.obj);
    kprintf("dbg end");
    eol();
    RES(iv, DEBUG_THREAD, lines) = nlines;
    return E_OK;
}

/* ---- DEBUG_BANK ---------------------------------------------------------- */

static int dbg_bank(struct inv *iv)
{
    struct target t;
    u64 start = ARG(iv, DEBUG_BANK, start), next = 0;
    if (!may_read(iv))
        return E_RIGHTS;
    int e = inv_lookup(iv, ARG(iv, DEBUG_BANK, bank), &t);
    if (e != E_OK)
        return e;
    if (t.type != OBJ_BANK)
        return E_TYPE;
    if (!(t.rights & R_READ))
        return E_RIGHTS;
    oref b = t.obj, c = (oref)start;
    /* A position is an object still on this bank's list. */
    if (start && (start >= store.ntab || obj_get(c)->state == OS_FREE || obj_get(c)->bank != b))
        return E_INVAL;
    nlines = 0;  /* perform */
    const struct bank *k = bank_body(b);
    if (!start) {
        kprintf("dbg bank %u usage=%lu limit=%lu objects=%u depth=%u", b, k->usage, k->limit, k->nobj,
                k->depth);
        put_ref("payer", obj_get(b)->bank);
        eol();
        c = k->head;
    }
    for (; c; c = obj_get(c)->next) {
        if (!room(1)) {
            next = c;
            break;
        }
        const struct obj *x = obj_get(c);
        kprintf("dbg obj %u type=", c);
        put_type(x->type);
        kprintf(" state=%s bytes=%lu", x->state == OS_LIVE ? "live" : "dying", obj_charge(x->order));
        if (x->type == OBJ_BANK)
            kprintf(" usage=%lu limit=%lu objects=%u", bank_body(c)->usage, bank_body(c)->limit,
                    bank_body(c)->nobj);
        eol();
    }
    if (!next) {
        kprintf("dbg end");
        eol();
    }
    RES(iv, DEBUG_BANK, next) = next;
    RES(iv, DEBUG_BANK, lines) = nlines;
    return E_OK;
}

/* ---- DEBUG_SCHED --------------------------------------------------------- */

/* A position: phase << 60 | a << 32 | b. */
enum { PH_RUNQ = 1, PH_RELEASE = 2, PH_THREADS = 3 };
#define POS(ph, a, b) ((u64)(ph) << 60 | (u64)(a) << 32 | (u64)(b))

static bool is_obj(oref o, u8 type)
{
    return o && o < store.ntab && obj_get(o)->type == type && obj_get(o)->state == OS_LIVE;
}

static int dbg_sched(struct inv *iv)
{
    u64 start = ARG(iv, DEBUG_SCHED, start), next = 0;
    u32 ph = (u32)(start >> 60), a = (u32)(start >> 32) & 0x0fffffffu, b = (u32)start;
    u32 looks = DEBUG_LOOKS;
    if (!may_read(iv))
        return E_RIGHTS;
    if (start) {
        bool ok = ph == PH_RUNQ ? a < NPRIO && is_obj(b, OBJ_THREAD) && thread_body(b)->queued &&
                                      thread_body(b)->prio == a
                : ph == PH_RELEASE ? !a && is_obj(b, OBJ_SCHEDCTX) && schedctx_body(b)->released
                : ph == PH_THREADS ? !a && b && b < store.ntab
                                   : false;
        if (!ok)
            return E_INVAL;
    }
    nlines = 0;  /* perform */
    if (!start) {
        kprintf("dbg sched now=%lu", sched_now);
        put_ref("running", sched_cur);
        eol();
        ph = PH_RUNQ, a = NPRIO - 1, b = sched_queue_head(NPRIO - 1);
    }
    if (ph == PH_RUNQ) {
        for (;;) {
            if (!b) {  /* this priority done: the next lower one */
                if (!a)
                    break;
                b = sched_queue_head(--a);
                continue;
            }
            if (!room(1)) {
                next = POS(PH_RUNQ, a, b);
                goto done;
            }
            kprintf("dbg runq prio=%u thread=%u", a, b);
            eol();
            b = thread_body(b)->qnext;
        }
        ph = PH_RELEASE, b = schedctx_release_first();
    }
    if (ph == PH_RELEASE) {
        for (; b; b = schedctx_body(b)->rnext) {
            if (!room(1)) {
                next = POS(PH_RELEASE, 0, b);
                goto done;
            }
            const struct schedctx *c = schedctx_body(b);
            kprintf("dbg release sc=%u refill_at=%lu remaining=%lu budget=%lu period=%lu", b, c->refill_at,
                    c->remaining, c->budget, c->period);
            put_ref("thread", sc_thread(c));
            eol();
        }
        ph = PH_THREADS, b = 1;
    }
    /* Every other live thread (neither running nor queued). */
    for (; b < store.ntab; b++) {
        if (!looks || !room(1)) {
            next = POS(PH_THREADS, 0, b);
            goto done;
        }
        looks--;
        if (!is_obj(b, OBJ_THREAD) || b == sched_cur || thread_body(b)->queued)
            continue;
        const struct thread *th = thread_body(b);
        kprintf("dbg thread %u state=%s", b, state_name(th->state));
        put_on(th);
        kprintf(" prio=%u", th->prio);
        eol();
    }
    kprintf("dbg end");
    eol();
done:
    RES(iv, DEBUG_SCHED, next) = next;
    RES(iv, DEBUG_SCHED, lines) = nlines;
    return E_OK;
}

/* ---- DEBUG_TREE ---------------------------------------------------------- */

/* One dump call: the object and epoch whose slots are printed, and what is
 * left of the call's budget. */
struct dump {
    oref obj;
    u32 epoch;
    u32 looks;
};

static bool names_it(const struct dump *d, const struct slot *s)
{
    return s->obj && s->obj == d->obj && s->epoch == d->epoch;
}

/* The line of slot s, in container `kind` (docs/debug.md) o, at index
 * `idx` (a number, hexadecimal if `hex`) or named `name`. */
static void cap_line(struct dump *d, const struct slot *s, const char *kind, oref o, u32 idx, bool hex,
                     const char *name)
{
    struct slot *p;
    u32 walk = TREE_WALK_MAX;
    int e = cap_parent_within(s, &walk, &p);
    d->looks -= TREE_WALK_MAX - walk;
    kprintf("dbg cap node=0x%x parent=", slot_ref(s));
    if (e != E_OK)
        kprintf("?");
    else if (p)
        kprintf("0x%x", slot_ref(p));
    else
        kprintf("-");
    kprintf(" in=%s:%u index=", kind, o);
    if (name)
        kprintf("%s", name);
    else
        kprintf(hex ? "0x%x" : "%u", idx);
    kprintf(" type=");
    if (cap_names(s))
        put_type(obj_get(s->obj)->type);
    else
        kprintf("-");
    kprintf(" status=%s rights=", cap_live(s) ? "live" : "void");
    put_rights(s->rights);
    kprintf(" badge=0x%lx depth=%u", s->flags & SLOT_MAPPING ? 0 : s->badge, s->depth);
    eol();
}

/* Room for n more lines, each with its parent walk? */
static bool tree_room(const struct dump *d, u32 n)
{
    return room(n) && d->looks >= n * (TREE_WALK_MAX + 1);
}

/* The slots of space r (a CSpace, or an AddrSpace's mapping table) from
 * index *idx; a watched CSpace slot's registration too (its MAP of a
 * notification cap). E_OK when done, E_CONTINUE with *idx where to go on. */
static int tree_space(struct dump *d, const struct cspace *r, oref o, bool as, u32 *idx)
{
    while (*idx < CAP_ADDR_LIMIT) {
        u32 i = *idx;
        if (!d->looks)
            return E_CONTINUE;
        d->looks--;
        if (!radix_has_l2(r, i)) {
            *idx = (i | ((1u << (CS_L2_BITS + CS_LEAF_BITS)) - 1)) + 1;
            continue;
        }
        if (!radix_has_leaf(r, i)) {
            *idx = (i | ((1u << CS_LEAF_BITS) - 1)) + 1;
            continue;
        }
        const struct slot *s = radix_slot(r, i);
        const struct watch *w = !as && (s->flags & SLOT_WATCHED) ? watch_of(s) : NULL;
        bool mine = names_it(d, s), reg = w && names_it(d, &w->ncap);
        if (mine || reg) {
            if (!tree_room(d, (u32)mine + (u32)reg))
                return E_CONTINUE;
            if (mine)
                cap_line(d, s, as ? "aspace" : "cspace", o, i, as, NULL);
            if (reg)
                cap_line(d, &w->ncap, "watch", o, i, false, NULL);
        }
        *idx = i + 1;
    }
    return E_OK;
}

/* The caps a thread keeps, in this order (index = the field's name). */
static const struct slot *kept_slot(const struct thread *th, u32 i, const char **name)
{
    static const char *const names[] = {"cspace", "aspace", "bound", "fault_ep", "ntfn", "timeout_ep", "sc"};
    const struct slot *k[] = {&th->cspace, &th->aspace, &th->bound, &th->fault_ep, &th->ntfn,
                              &th->timeout_ep, &th->sc};
    _Static_assert(ARRAY_LEN(names) == ARRAY_LEN(k), "a name for every kept cap");
    if (i >= ARRAY_LEN(k))
        return NULL;
    *name = names[i];
    return k[i];
}

/* One slot held by a kernel object (a thread's kept caps, a wrapper's
 * target, a frame's master): E_CONTINUE if there is no room for it. */
static int tree_kept(struct dump *d, const struct slot *s, const char *kind, oref o, const char *name)
{
    if (!names_it(d, s))
        return E_OK;
    if (!tree_room(d, 1))
        return E_CONTINUE;
    cap_line(d, s, kind, o, 0, false, name);
    return E_OK;
}

/* Every slot that names object d->obj with epoch d->epoch, in object-table
 * order from object *o, index *idx (the containers: CSpaces, AddrSpaces if
 * it is a frame, threads, wrappers, frames). */
static int tree_scan(struct dump *d, oref *o, u32 *idx)
{
    const struct obj *x = obj_get(d->obj);
    bool frame = x->epoch == d->epoch && x->state != OS_FREE && x->type == OBJ_FRAME;
    const char *name;
    for (; *o < store.ntab; (*o)++, *idx = 0) {
        if (!d->looks)
            return E_CONTINUE;
        d->looks--;
        const struct obj *c = obj_get(*o);
        if (c->state == OS_FREE)
            continue;
        int e = E_OK;
        switch (c->type) {
        case OBJ_CSPACE:
            e = tree_space(d, cspace_body(*o), *o, false, idx);
            break;
        case OBJ_ASPACE:  /* mapping slots name frames only */
            if (frame)
                e = tree_space(d, &aspace_body(*o)->map, *o, true, idx);
            break;
        case OBJ_THREAD:
            for (const struct slot *s; (s = kept_slot(thread_body(*o), *idx, &name)); (*idx)++)
                if ((e = tree_kept(d, s, "thread", *o, name)) != E_OK)
                    break;  /* *idx stays on it */
            break;
        case OBJ_WRAPPER:
            e = tree_kept(d, &wrapper_body(*o)->target, "wrapper", *o, "target");
            break;
        case OBJ_FRAME:
            e = tree_kept(d, &frame_body(*o)->master, "frame", *o, "master");
            break;
        default:
            break;
        }
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

static int dbg_tree(struct inv *iv)
{
    struct slot *s;
    u64 start = ARG(iv, DEBUG_TREE, start), next = 0;
    oref o = (oref)(start >> 32);
    u32 idx = (u32)start;
    if (!may_read(iv))
        return E_RIGHTS;
    int e = cspace_lookup(iv->caller_cs, ARG(iv, DEBUG_TREE, target), &s);
    if (e != E_OK)
        return e;
    if (!s || !s->obj)
        return E_EMPTY;
    /* A position: a container (an object-table index) and an index in it. */
    if (start && (!o || o >= store.ntab || idx >= CAP_ADDR_LIMIT))
        return E_INVAL;
    struct dump d = {s->obj, s->epoch, DEBUG_LOOKS};  /* perform */
    nlines = 0;
    if (!start) {
        const struct obj *x = obj_get(d.obj);
        bool named = x->epoch == d.epoch && x->state != OS_FREE;
        kprintf("dbg tree obj=%u epoch=%u type=", d.obj, d.epoch);
        if (named)
            put_type(x->type);
        else
            kprintf("-");
        kprintf(" status=%s", !named ? "void" : x->state == OS_LIVE ? "live" : "dying");
        eol();
        o = 1, idx = 0;
    }
    if (tree_scan(&d, &o, &idx) == E_CONTINUE) {
        next = (u64)o << 32 | idx;
    } else {
        kprintf("dbg end");
        eol();
    }
    RES(iv, DEBUG_TREE, next) = next;
    RES(iv, DEBUG_TREE, lines) = nlines;
    return E_OK;
}

int debug_invoke(struct inv *iv)
{
    switch (iv->label) {
    case DEBUG_SCHED:  return dbg_sched(iv);
    case DEBUG_THREAD: return dbg_thread(iv);
    case DEBUG_BANK:   return dbg_bank(iv);
    case DEBUG_TREE:   return dbg_tree(iv);
    default:           return E_LABEL;
    }
}
