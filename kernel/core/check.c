/* SPDX-License-Identifier: BSD-2-Clause */
/* check.c: kernel_check(), see check.h. */
#include "check.h"
#include "aspace.h"
#include "charge.h"
#include "cspace.h"
#include "thread.h"
#include "wrapper.h"
#include "frame.h"
#include "notification.h"
#include "sched.h"
#include "schedctx.h"
#include "watch.h"

static u64 nodes_in_lists, nodes_total;
/* Revocation registrations (watch.h) as counted from their slots, the
 * objects' and the notifications' lists, the CSpaces' counts, the tree. */
static u64 watched_slots, watch_on_objs, watch_on_ntfns, watch_in_cspaces;

/* Check one slot's links; count it. */
static const char *check_slot(const struct slot *s)
{
    if (!s->obj)
        return NULL;
    nodes_total++;
    if ((s->prev && !sref_in_arena(s->prev, sizeof *s)) || (s->next && !sref_in_arena(s->next, sizeof *s)))
        return "slot: a link outside the storage";
    if (s->prev) {
        const struct slot *p = slot_at(s->prev);
        if (p->next != slot_ref(s))
            return "slot: prev->next does not point back";
        if (p->obj != s->obj || p->epoch != s->epoch)
            return "slot: a derivation list names two objects";
        if (s->depth == 0)
            return "slot: depth 0 below another node";
    } else {
        if (s->depth != 0)
            return "slot: first node of a list has depth > 0";
        /* Walk the list from its root: acyclic, counted once. */
        u64 n = 0;
        for (const struct slot *x = s; x; x = x->next ? slot_at(x->next) : NULL) {
            if (++n > store.bytes / sizeof(struct slot))
                return "slot: derivation list has a cycle";
            if (x->next && !sref_in_arena(x->next, sizeof *x))
                return "slot: a link outside the storage";
        }
        nodes_in_lists += n;
    }
    if (s->next && slot_at(s->next)->prev != slot_ref(s))
        return "slot: next->prev does not point back";
    return NULL;
}

/* Storage an object uses beyond its body (charged to the same bank). */
static u64 extra_bytes(oref o)
{
    struct obj *x = obj_get(o);
    u64 n = 0;
    if (x->type == OBJ_CSPACE) {
        n += radix_bytes(cspace_body(o)) + (u64)cspace_body(o)->watches * WATCH_BYTES;
    } else if (x->type == OBJ_ASPACE) {
        n += (u64)aspace_body(o)->pt_pages * PAGE_BYTES + radix_bytes(&aspace_body(o)->map);
    } else if (x->type == OBJ_FRAME) {
        n += frame_body(o)->page ? PAGE_BYTES : 0;
    }
    return n;
}

/* Check every slot of space r; mapping slots must say where they are. */
static const char *check_radix(const struct cspace *r, oref as)
{
    const char *why = NULL;
    for (u32 i = 0; i < (1u << CS_L1_BITS) && !why; i++) {
        if (!r->l1[i])
            continue;
        sref *l2 = sref_ptr(r->l1[i]);
        for (u32 j = 0; j < (1u << CS_L2_BITS) && !why; j++) {
            if (!l2[j])
                continue;
            struct slot *leaf = sref_ptr(l2[j]);
            for (u32 k = 0; k < (1u << CS_LEAF_BITS) && !why; k++) {
                struct slot *s = &leaf[k];
                u32 idx = (i << (CS_L2_BITS + CS_LEAF_BITS)) | (j << CS_LEAF_BITS) | k;
                why = check_slot(s);
                if (!why && s->obj && as) {
                    u32 rights;
                    if (!(s->flags & SLOT_MAPPING) || s->badge != MAPPING_WHERE(as, idx))
                        why = "mapping: slot does not say where it is";
                    else if (hal_pt_lookup(&aspace_body(as)->pt, (u64)idx << 12, &rights) &&
                             cap_live(s) && (hal_pt_lookup(&aspace_body(as)->pt, (u64)idx << 12, &rights) !=
                                             frame_page(s->obj) || (rights | R_WRITE) != (s->rights | R_WRITE) ||
                                             (rights & ~s->rights)))
                        why = "mapping: the page-table entry differs from its mapping slot";
                } else if (!why && s->obj && (s->flags & SLOT_MAPPING)) {
                    why = "slot: a CSpace slot marked as a mapping";
                }
                if (!why && (s->flags & SLOT_WATCHED)) {
                    watched_slots++;
                    if (as || !s->obj)
                        why = "watch: a flagged slot that is no CSpace cap";
                    else if (!watch_of(s))
                        why = "watch: a flagged slot without a registration";
                }
                if (!why && (s->flags & SLOT_WATCHER))
                    why = "watch: a registration's flag on a space's slot";
            }
        }
    }
    return why;
}

static const char *check_object_slots(oref o)
{
    struct obj *x = obj_get(o);
    const char *why = NULL;
    if (x->type == OBJ_CSPACE) {
        why = check_radix(cspace_body(o), 0);
    } else if (x->type == OBJ_ASPACE) {
        why = check_radix(&aspace_body(o)->map, o);
    } else if (x->type == OBJ_FRAME) {
        why = check_slot(&frame_body(o)->master);
    } else if (x->type == OBJ_WRAPPER) {
        why = check_slot(&wrapper_body(o)->target);
    } else if (x->type == OBJ_THREAD) {
        why = check_slot(&thread_body(o)->cspace);
        if (!why)
            why = check_slot(&thread_body(o)->aspace);
        if (!why)
            why = check_slot(&thread_body(o)->fault_ep);
        if (!why)
            why = check_slot(&thread_body(o)->ntfn);
        if (!why)
            why = check_slot(&thread_body(o)->timeout_ep);
        if (!why)
            why = check_slot(&thread_body(o)->sc);
        if (!why)
            why = check_slot(&thread_body(o)->bound);
    }
    return why;
}

/* One registration, met in the search tree at `depth` on the key bits
 * `path`: its slot is flagged and of its CSpace, its cap is a live node of
 * its notification's tree (or of one being destroyed). */
static u64 watch_tree;
static const char *check_watch(const struct watch *w, u32 depth, u32 path)
{
    watch_tree++;
    if (!sref_in_arena(w->key, sizeof(struct slot)))
        return "watch: a registration's key outside the storage";
    const struct slot *s = slot_at(w->key);
    if (depth && ((w->key ^ path) & ((depth >= 32 ? 0u : 1u << depth) - 1u)))
        return "watch: a registration off its key's path in the search tree";
    if (!(s->flags & SLOT_WATCHED) || !s->obj)
        return "watch: a registration's slot is not a flagged cap";
    if (!w->cs || w->cs >= store.ntab || obj_get(w->cs)->type != OBJ_CSPACE ||
        obj_get(w->cs)->state == OS_FREE)
        return "watch: a registration of no CSpace";
    if (w->ncap.flags != SLOT_WATCHER || !w->ncap.obj || obj_get(w->ncap.obj)->type != OBJ_NOTIFICATION ||
        !cap_names(&w->ncap) || !w->ncap.prev)
        return "watch: a registration's cap is not a MAP of a notification cap";
    if (!(w->ncap.rights & R_WRITE) || !w->ncap.badge)
        return "watch: a registration's cap cannot signal";
    return check_slot(&w->ncap);
}

/* The registrations on an object's list (obj.watch) are on caps to it; a
 * notification's (notification.watches) signal it. */
static const char *check_watch_list(oref o, sref head, bool ntfn, u64 *count)
{
    sref prev = 0;
    for (sref r = head; r; prev = r, r = ntfn ? ((struct watch *)sref_ptr(r))->on_ntfn.next
                                              : ((struct watch *)sref_ptr(r))->on_obj.next) {
        if (!sref_in_arena(r, WATCH_BYTES))
            return "watch: a list link outside the storage";
        const struct watch *w = sref_ptr(r);
        if ((ntfn ? w->on_ntfn.prev : w->on_obj.prev) != prev)
            return "watch: list links do not point back";
        if (!ntfn && !sref_in_arena(w->key, sizeof(struct slot)))
            return "watch: a registration's key outside the storage";
        if (ntfn ? w->ncap.obj != o : slot_at(w->key)->obj != o)
            return "watch: a registration on the list of another object";
        if (++*count > store.bytes / WATCH_BYTES)
            return "watch: a list has a cycle";
    }
    return NULL;
}

/* A notification's queue: every waiter waits on it, the count matches,
 * and a word is pending only while nobody waits (or after the kernel's own
 * signal gave up on waiters that cannot run: stuck). */
static const char *check_ntfn(oref n)
{
    const struct notification *nb = ntfn_body(n);
    u32 k = 0;
    for (oref t = nb->head, prev = 0; t; prev = t, t = thread_body(t)->qnext) {
        const struct thread *th = thread_body(t);
        if (obj_get(t)->type != OBJ_THREAD || th->state != THREAD_BLOCKED_WAIT || th->ep != n)
            return "notification: a queued thread does not wait on it";
        if (th->qprev != prev)
            return "notification: queue links do not point back";
        if (++k > nb->waiting)
            break;
        if (!th->qnext && nb->tail != t)
            return "notification: tail is not the last waiter";
    }
    if (k != nb->waiting)
        return "notification: waiter count does not match its queue";
    if (k && nb->word && !nb->stuck)
        return "notification: a word pending while threads wait";
    return NULL;
}

/* A bank's destruction in progress (bank.h), unless stale, is of a dying
 * object that the bank may destroy. */
static const char *check_pending(oref b)
{
    const struct bank_pending *p = &bank_body(b)->pending;
    const struct obj *x = obj_get(p->obj);
    if (!p->obj || x->epoch != p->epoch || x->state == OS_FREE)
        return NULL;
    if (x->state != OS_DYING)
        return "bank: destruction in progress of an object that is not dying";
    if (!x->bank || !bank_is_ancestor(b, x->bank))
        return "bank: destruction in progress of an object it did not pay for";
    return NULL;
}

static bool is_sc(oref s)
{
    return s && s < store.ntab && obj_get(s)->type == OBJ_SCHEDCTX && obj_get(s)->state == OS_LIVE;
}

/* Counted in the pass over all objects, compared with the queues after it. */
static u64 threads_queued, scs_released;

/* One SchedContext: remaining <= budget <= period <= SC_MAX_PERIOD (all 0
 * until configured); one that ran out waits on the release queue. */
static const char *check_schedctx(oref o)
{
    const struct schedctx *s = schedctx_body(o);
    if (s->remaining > s->budget || s->budget > s->period || s->period > SC_MAX_PERIOD)
        return "schedctx: not remaining <= budget <= period <= SC_MAX_PERIOD";
    if (s->period && !s->budget)
        return "schedctx: configured with a budget of 0";
    if (s->period && !s->remaining && !s->released)
        return "schedctx: out of budget but not on the release queue";
    if (!s->released && (s->rprev || s->rnext))
        return "schedctx: links to the release queue but not released";
    scs_released += s->released != 0;
    return NULL;
}

/* One thread's scheduling state (sched.h, sched.c). What the lazy rules
 * allow, and so is not asserted: a queued thread may have lost its spaces
 * (pick() stops it) or its time (its SchedContext destroyed, unmapped,
 * given back or run out by another thread on it: pick() makes it wait for
 * time); the running thread may have lost either since it was last
 * checked (sched_next checks again after any revocation, sched_time_lost).
 * Its own SchedContext (a live th->sc) names it as its `thread`: so no two
 * threads have the same one (what THREAD_BIND_SC's E_BUSY enforces; other
 * caps to it, COPY or MAP, may exist anywhere). */
static const char *check_thread_sched(oref t)
{
    const struct obj *x = obj_get(t);
    const struct thread *th = thread_body(t);
    if (x->state == OS_LIVE && cap_live(&th->sc)) {
        if (obj_get(th->sc.obj)->type != OBJ_SCHEDCTX)
            return "thread: its SchedContext cap names something else";
        const struct schedctx *s = schedctx_body(th->sc.obj);
        if (s->thread != t || s->thread_epoch != x->epoch)
            return "schedctx: a thread's own SchedContext does not name it as its thread";
    }
    if (th->queued) {
        threads_queued++;
        if (x->state != OS_LIVE)
            return "sched: a destroyed thread is on a run queue";
        if (th->state != THREAD_RUNNABLE)
            return "sched: a thread on a run queue is not runnable";
        if (th->waiting_time)
            return "sched: a thread on a run queue waits for time";
        return NULL;
    }
    if (x->state != OS_LIVE || th->state != THREAD_RUNNABLE || t == sched_cur)
        return NULL;
    if (!th->waiting_time)
        return "sched: a runnable thread is lost (not running, queued or waiting for time)";
    /* Waiting for time: it is on its SchedContext's list of waiting
     * threads, queued again when that is refilled, configured, bound or
     * lent (schedctx_wait). */
    oref so = thread_sc(th);
    if (!so)
        return NULL;  /* passive: waits for a bind or a lend */
    const struct schedctx *s = schedctx_body(so);
    if (s->period && s->remaining)
        return "sched: a thread waits for time its SchedContext has (lost wakeup)";
    if (th->wsc != so)
        return "sched: a thread waits for time but is not on its SchedContext's list (lost wakeup)";
    (void)x;
    return NULL;
}

/* The run queues (sched_check_queues: links, tails, bitmaps) hold exactly
 * the threads marked queued. The release queue: doubly linked, sorted by
 * refill_at, holds exactly the live SchedContexts marked released, each
 * out of budget or due (refill is lazy until the next tick). */
static const char *check_queues(void)
{
    u64 n = 0;
    const char *why = sched_check_queues(&n);
    if (why)
        return why;
    if (n != threads_queued)
        return "sched: a thread marked queued is on no run queue";
    n = 0;
    oref prev = 0;
    for (oref o = schedctx_release_first(); o; prev = o, o = schedctx_body(o)->rnext) {
        if (!is_sc(o))
            return "schedctx: release queue holds something not a live SchedContext";
        const struct schedctx *s = schedctx_body(o);
        if (s->rprev != prev)
            return "schedctx: release queue rprev does not point back";
        if (!s->released)
            return "schedctx: on the release queue but not marked released";
        if (prev && schedctx_body(prev)->refill_at > s->refill_at)
            return "schedctx: release queue not sorted by refill_at";
        if (s->remaining && sched_now < s->refill_at)
            return "schedctx: on the release queue with budget left and no refill due";
        if (++n > store.ntab)
            return "schedctx: release queue has a cycle";
    }
    if (n != scs_released)
        return "schedctx: marked released but not on the release queue";
    return NULL;
}

const char *kernel_check(void)
{
    const char *why;
    nodes_in_lists = nodes_total = 0;
    threads_queued = scs_released = 0;
    watched_slots = watch_on_objs = watch_on_ntfns = watch_in_cspaces = watch_tree = 0;
    if ((why = watch_each(check_watch)))
        return why;
    for (oref o = 1; o < store.ntab; o++) {
        struct obj *x = obj_get(o);
        if (x->state == OS_FREE) {
            if (x->watch)
                return "watch: a free object-table entry has registrations";
            continue;
        }
        if ((why = check_watch_list(o, x->watch, false, &watch_on_objs)))
            return why;
        if (x->type == OBJ_NOTIFICATION &&
            (why = check_watch_list(o, ntfn_body(o)->watches, true, &watch_on_ntfns)))
            return why;
        if (x->type == OBJ_CSPACE)
            watch_in_cspaces += cspace_body(o)->watches;
        if ((why = check_object_slots(o)))
            return why;
        if (x->type == OBJ_THREAD && (why = check_thread_sched(o)))
            return why;
        if (x->type == OBJ_SCHEDCTX && x->state == OS_LIVE && (why = check_schedctx(o)))
            return why;
        if (x->type == OBJ_NOTIFICATION && x->state == OS_LIVE && (why = check_ntfn(o)))
            return why;
        if (x->type != OBJ_BANK)
            continue;
        if ((why = check_pending(o)))
            return why;
        struct bank *b = bank_body(o);
        u64 use = x->bank ? 0 : obj_charge(x->order);  /* the root pays for itself */
        u32 n = 0;
        for (oref c = b->head; c; c = obj_get(c)->next) {
            if (obj_get(c)->bank != o)
                return "bank: object in the list of a bank that did not pay";
            if (++n > b->nobj)
                break;
            use += obj_charge(obj_get(c)->order) + extra_bytes(c);
            if (obj_get(c)->type == OBJ_BANK)
                use += bank_body(c)->usage;
        }
        if (n != b->nobj)
            return "bank: object count does not match its list";
        if (use != b->usage)
            return "bank: usage is not the sum of its objects and sub-banks";
        if (b->usage > b->limit)
            return "bank: usage over limit";
    }
    if (nodes_in_lists != nodes_total)
        return "slot: a slot is not reachable from exactly one list root";
    if (watched_slots != watch_tree || watch_on_objs != watch_tree || watch_on_ntfns != watch_tree ||
        watch_in_cspaces != watch_tree)
        return "watch: registrations, flagged slots, lists and CSpace counts disagree";
    return check_queues();
}

const char *kernel_check_running(void)
{
    if (sched_cur) {
        if (sched_cur >= store.ntab || obj_get(sched_cur)->type != OBJ_THREAD ||
            obj_get(sched_cur)->state != OS_LIVE)
            return "sched: the running thread is not a live thread";
        const struct thread *c = thread_body(sched_cur);
        if (c->queued)
            return "sched: the running thread is on a run queue";
        if (c->state != THREAD_RUNNABLE)
            return "sched: the running thread is not runnable";
        if (c->waiting_time)
            return "sched: the running thread waits for time";
    }
    return NULL;
}
