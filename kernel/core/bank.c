/* SPDX-License-Identifier: BSD-2-Clause */
/* bank.c: the Bank object: creating objects from it (BANK_CREATE,
 * BANK_WRAP), destroying them (BANK_DESTROY, restartable, S2), queries; and
 * the reap step that destroys a bank's objects. Accounting is charge.c. */
#include "bank.h"
#include "charge.h"
#include "cspace.h"
#include "frame.h"
#include "hal.h"
#include "invoke.h"
#include "objtype.h"
#include "wrapper.h"

int bank_reap_step(oref b, u32 *budget)
{
    struct bank *k = bank_body(b);
    while (k->head) {
        int e = obj_destroy_step(k->head, budget);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

/* ---- invocations ---------------------------------------------------- */

/* Find the destination slot (cs cap address, index) for a new cap and check
 * it may receive one (cap_dst_check); nothing changes. Missing CSpace nodes
 * are allocated with the object (alloc_with_slot). */
static int dst_check(const struct inv *iv, u64 cscap, u64 idx, oref *dcs)
{
    int e = inv_lookup_cspace(iv, cscap, R_WRITE, dcs);
    if (e != E_OK)
        return e;
    struct slot *d;
    if ((e = cspace_lookup(*dcs, idx, &d)) != E_OK)
        return e;
    return cap_dst_check(d);
}

/* After a bank's body is allocated from parent: its limit and depth. */
int bank_init(oref o, oref parent, u64 limit)
{
    bank_body(o)->limit = limit;
    bank_body(o)->depth = bank_body(parent)->depth + 1;
    return E_OK;
}

/* Allocate an object of type t (with what it needs from the start: an
 * AddrSpace's page-table root, a frame's page) and the slot storage for
 * its cap; all or nothing. On success the destination slot is empty (a
 * void leaf there is removed). */
static int alloc_with_slot(oref b, u8 type, u64 arg, oref dcs, u64 idx, oref *o, struct slot **d)
{
    const struct objtype *t = &objtypes[type];
    int e = bank_alloc_obj(b, type, t->size, o);
    if (e != E_OK)
        return e;
    if (t->init && (e = t->init(*o, b, arg)) != E_OK) {
        bank_free_obj(*o);
        return e;
    }
    if ((e = cspace_ensure(dcs, idx, d)) != E_OK) {
        u32 budget = ~0u;  /* roll back: nothing changed */
        t->reap(*o, &budget);
        bank_free_obj(*o);
        return e;
    }
    cap_dst_clear(*d);  /* commit point: nothing below fails */
    return E_OK;
}

/* BANK_CREATE's arg for each type (labels.def): a bank's limit; every
 * other type takes none, and a word it would ignore is refused (E_INVAL),
 * so that giving it a meaning later changes no working program. */
static bool create_arg_ok(u64 type, u64 arg)
{
    return type == OBJ_BANK || arg == 0;
}

static int bank_create(struct inv *iv)
{
    oref b = iv->t.obj, dcs, o;
    u64 type = ARG(iv, BANK_CREATE, type);
    const struct objtype *t = objtype_of(type);
    struct slot *d;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    if (!t || !t->creatable || !create_arg_ok(type, ARG(iv, BANK_CREATE, arg)))
        return E_INVAL;
    if (type == OBJ_BANK && bank_body(b)->depth + 1 >= BANK_MAX_DEPTH)
        return E_DEPTH;
    int e = dst_check(iv, ARG(iv, BANK_CREATE, dst_cs), ARG(iv, BANK_CREATE, dst), &dcs);
    if (e != E_OK)
        return e;
    if ((e = alloc_with_slot(b, (u8)type, ARG(iv, BANK_CREATE, arg), dcs, ARG(iv, BANK_CREATE, dst), &o, &d)) != E_OK)
        return e;
    /* Perform. */
    if (t->first_cap)
        t->first_cap(o, d);
    else
        cap_make_root(d, o, obj_get(o)->epoch, R_ALL, 0);
    return E_OK;
}

static int bank_wrap(struct inv *iv)
{
    oref b = iv->t.obj, dcs, scs, w;
    u64 badge = ARG(iv, BANK_WRAP, badge);
    struct slot *s, *d;
    struct target t;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    int e = inv_lookup_cspace(iv, ARG(iv, BANK_WRAP, src_cs), R_READ, &scs);
    if (e != E_OK || (e = cspace_lookup(scs, ARG(iv, BANK_WRAP, src), &s)) != E_OK)
        return e;
    if (!s || !cap_live(s))
        return E_EMPTY;
    if ((e = cap_resolve(s, &t)) != E_OK)
        return e;
    if (t.wraps + 1 > WRAP_MAX_DEPTH)
        return E_DEPTH;
    if (badge && t.type != OBJ_ENDPOINT && t.type != OBJ_NOTIFICATION)
        return E_TYPE;
    if (badge && t.badge)
        return E_INVAL;
    if ((e = dst_check(iv, ARG(iv, BANK_WRAP, dst_cs), ARG(iv, BANK_WRAP, dst), &dcs)) != E_OK)
        return e;
    if ((e = alloc_with_slot(b, OBJ_WRAPPER, 0, dcs, ARG(iv, BANK_WRAP, dst), &w, &d)) != E_OK)
        return e;
    /* Perform. */
    wrapper_init(w, s, cap_rights_mask(s->rights, ARG(iv, BANK_WRAP, rights)), badge);
    cap_make_root(d, w, obj_get(w)->epoch, R_ALL, 0);
    return E_OK;
}

/* The root bank and the System object are the machine's own: no bank may
 * destroy them (the System object is paid for by the root bank). */
static bool indestructible(oref o)
{
    return !obj_get(o)->bank || !objtypes[obj_get(o)->type].reap;
}

/* Is the call iv the one that started destruction p? */
static bool pending_is_call(const struct bank_pending *p, const struct inv *iv)
{
    return p->cs == iv->caller_cs && p->cs_epoch == obj_get(iv->caller_cs)->epoch &&
           p->cscap == ARG(iv, BANK_DESTROY, cs) && p->idx == ARG(iv, BANK_DESTROY, slot);
}

/* Continue the destruction bank b has in progress, if any (it may have been
 * finished by someone else: then the record is stale). E_CONTINUE while it
 * is not done; E_OK when there is none left, with *done set if it finished
 * in this call on behalf of the call iv that started it. */
static int pending_step(oref b, const struct inv *iv, u32 *budget, bool *done)
{
    struct bank_pending *p = &bank_body(b)->pending;
    const struct obj *x = obj_get(p->obj);
    *done = false;
    if (p->obj && x->epoch == p->epoch && x->state != OS_FREE) {
        bool mine = pending_is_call(p, iv);  /* before: the step may end the caller's CSpace */
        int e = obj_destroy_step(p->obj, budget);
        if (e != E_OK)
            return e;
        *done = mine;
    }
    p->obj = 0;
    return E_OK;
}

static int bank_destroy(struct inv *iv)
{
    oref b = iv->t.obj, cs;
    struct slot *s;
    bool done;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    /* First the destruction in progress: its own caps and CSpaces may be
     * gone, so no lookup may come before it. */
    u32 budget = REVOKE_BUDGET;
    int e = pending_step(b, iv, &budget, &done);
    if (e != E_OK || done)
        return e;
    if (obj_get(iv->caller_cs)->state != OS_LIVE)
        return E_REVOKED;  /* that destruction took the caller's CSpace */
    if ((e = inv_lookup_cspace(iv, ARG(iv, BANK_DESTROY, cs), R_READ, &cs)) != E_OK ||
        (e = cspace_lookup(cs, ARG(iv, BANK_DESTROY, slot), &s)) != E_OK)
        return e;
    if (!s || !s->obj)
        return E_EMPTY;
    if (!cap_names(s))  /* dying objects are accepted: continue destroying */
        return E_REVOKED;
    oref o = s->obj;
    if (indestructible(o))
        return E_INVAL;
    if (!bank_is_ancestor(b, obj_get(o)->bank))
        return E_RIGHTS; /* not paid for by this bank or its sub-banks */
    if ((e = obj_destroy_step(o, &budget)) == E_CONTINUE)
        bank_body(b)->pending = (struct bank_pending){o, obj_get(o)->epoch, iv->caller_cs,
                                                      obj_get(iv->caller_cs)->epoch,
                                                      (u32)ARG(iv, BANK_DESTROY, cs),
                                                      (u32)ARG(iv, BANK_DESTROY, slot)};
    return e;
}

static int bank_query(struct inv *iv)
{
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    struct bank *k = bank_body(iv->t.obj);
    RES(iv, BANK_QUERY, usage) = k->usage;
    RES(iv, BANK_QUERY, limit) = k->limit;
    RES(iv, BANK_QUERY, objects) = k->nobj;
    return E_OK;
}

int bank_invoke(struct inv *iv)
{
    switch (iv->label) {
    case BANK_CREATE:  return bank_create(iv);
    case BANK_WRAP:    return bank_wrap(iv);
    case BANK_DESTROY: return bank_destroy(iv);
    case BANK_QUERY:   return bank_query(iv);
    default:           return E_LABEL;
    }
}
