/* bank.c: space banks: charging, allocation, and restartable destruction. */
#include "bank.h"
#include "cspace.h"
#include "endpoint.h"
#include "aspace.h"
#include "thread.h"
#include "frame.h"
#include "sched.h"
#include "hal.h"
#include "invoke.h"
#include "wrapper.h"

int bank_can_charge(oref b, u64 bytes)
{
    for (; b; b = obj_get(b)->bank) {
        if (obj_get(b)->state != OS_LIVE)
            return E_REVOKED;
        struct bank *k = bank_body(b);
        if (bytes > k->limit - k->usage)  /* usage <= limit always holds */
            return E_NOMEM;
    }
    return E_OK;
}

void bank_charge(oref b, u64 bytes)
{
    for (; b; b = obj_get(b)->bank)
        bank_body(b)->usage += bytes;
}

void bank_uncharge(oref b, u64 bytes)
{
    for (; b; b = obj_get(b)->bank)
        bank_body(b)->usage -= bytes;
}

bool bank_is_ancestor(oref a, oref b)
{
    for (; b; b = obj_get(b)->bank)
        if (a == b)
            return true;
    return false;
}

int bank_alloc_obj(oref b, u8 type, u64 size, oref *out)
{
    u64 bytes = obj_charge(store_order(size));
    int e = bank_can_charge(b, bytes);
    if (e != E_OK)
        return e;
    oref o = obj_alloc(type, store_order(size));
    if (!o)
        return E_NOMEM;
    bank_charge(b, bytes);
    struct bank *k = bank_body(b);
    struct obj *x = obj_get(o);
    x->bank = b;
    x->prev = 0;
    x->next = k->head;
    if (k->head)
        obj_get(k->head)->prev = o;
    k->head = o;
    k->nobj++;
    *out = o;
    return E_OK;
}

int bank_alloc_store(oref b, u64 size, sref *out)
{
    u64 bytes = store_block_size(size);
    int e = bank_can_charge(b, bytes);
    if (e != E_OK)
        return e;
    sref r = store_alloc(store_order(size));
    if (!r)
        return E_NOMEM;
    bank_charge(b, bytes);
    *out = r;
    return E_OK;
}

void bank_free_store(oref b, sref r, u64 size)
{
    store_free(r, store_order(size));
    bank_uncharge(b, store_block_size(size));
}

int reserve_add(struct reserve *rs, oref bank, u64 size, u32 count)
{
    u32 first = rs->n;
    for (u32 i = 0; i < count; i++) {
        sref r;
        int e = rs->n < RESERVE_MAX ? bank_alloc_store(bank, size, &r) : E_NOMEM;
        if (e != E_OK) {
            while (rs->n > first) {
                rs->n--;
                bank_free_store(rs->b[rs->n].bank, rs->b[rs->n].r, (u64)STORE_MIN << rs->b[rs->n].order);
            }
            return e;
        }
        rs->b[rs->n].r = r;
        rs->b[rs->n].bank = bank;
        rs->b[rs->n].order = (u8)store_order(size);
        rs->n++;
    }
    return E_OK;
}

sref reserve_take(struct reserve *rs, oref bank, u64 size)
{
    u8 order = (u8)store_order(size);
    for (u32 i = rs->n; i-- > 0;) {
        if (rs->b[i].bank != bank || rs->b[i].order != order)
            continue;
        sref r = rs->b[i].r;
        rs->b[i] = rs->b[--rs->n];
        return r;  /* zeroed by store_alloc and untouched since */
    }
    return 0;
}

void reserve_drop(struct reserve *rs)
{
    while (rs->n) {
        rs->n--;
        bank_free_store(rs->b[rs->n].bank, rs->b[rs->n].r, (u64)STORE_MIN << rs->b[rs->n].order);
    }
}

oref bank_create_root(void)
{
    u64 avail = store.free_bytes;
    oref o = obj_alloc(OBJ_BANK, store_order(sizeof(struct bank)));
    if (!o)
        return 0;
    struct bank *k = bank_body(o);
    k->limit = avail;
    k->usage = obj_charge(obj_get(o)->order);  /* it pays for itself */
    return o;
}

/* Unlink o from its bank's list, uncharge it and free it. */
static void obj_finish(oref o)
{
    struct obj *x = obj_get(o);
    oref b = x->bank;
    if (b) {
        struct bank *k = bank_body(b);
        if (x->prev)
            obj_get(x->prev)->next = x->next;
        else
            k->head = x->next;
        if (x->next)
            obj_get(x->next)->prev = x->prev;
        k->nobj--;
        bank_uncharge(b, obj_charge(x->order));
    }
    obj_free(o);
}

static int bank_reap_step(oref b, u32 *budget)
{
    struct bank *k = bank_body(b);
    while (k->head) {
        int e = obj_destroy_step(k->head, budget);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

int obj_destroy_step(oref o, u32 *budget)
{
    struct obj *x = obj_get(o);
    if (x->state == OS_LIVE)
        sched_gen++;  /* threads may have lost what they run on */
    x->state = OS_DYING;  /* rescinded: no cap to o is live any more (S3) */
    x->live = OBJ_NOT_LIVE;
    int e = E_OK;
    switch (x->type) {
    case OBJ_BANK:    e = bank_reap_step(o, budget); break;
    case OBJ_CSPACE:  e = cspace_reap_step(o, budget); break;
    case OBJ_WRAPPER: e = wrapper_reap_step(o, budget); break;
    case OBJ_ENDPOINT: e = endpoint_reap_step(o, budget); break;
    case OBJ_THREAD:  e = thread_reap_step(o, budget); break;
    case OBJ_ASPACE:  e = aspace_reap_step(o, budget); break;
    case OBJ_FRAME:   e = frame_reap_step(o, budget); break;
    default: hal_panic("obj_destroy_step: bad object type");
    }
    if (e != E_OK)
        return e;
    if (*budget == 0)
        return E_CONTINUE;
    (*budget)--;
    obj_finish(o);
    return E_OK;
}

/* ---- invocations ---------------------------------------------------- */

/* Body size of an object BANK_CREATE can make (0: not creatable that way). */
static u64 create_size(u64 type)
{
    switch (type) {
    case OBJ_BANK:     return sizeof(struct bank);
    case OBJ_CSPACE:   return sizeof(struct cspace);
    case OBJ_ENDPOINT: return sizeof(struct endpoint);
    case OBJ_THREAD:   return sizeof(struct thread);
    case OBJ_ASPACE:   return sizeof(struct aspace);
    case OBJ_FRAME:    return sizeof(struct frame);
    default:           return 0;
    }
}

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

/* Allocate an object (with what it needs from the start: an AddrSpace's
 * page-table root) and the slot storage for its cap; all or nothing. On
 * success the destination slot is empty (a void leaf there is removed). */
static int alloc_with_slot(oref b, u8 type, u64 size, oref dcs, u64 idx, oref *o, struct slot **d)
{
    int e = bank_alloc_obj(b, type, size, o);
    if (e != E_OK)
        return e;
    if ((type == OBJ_ASPACE && (e = aspace_init(*o)) != E_OK) ||
        (type == OBJ_FRAME && (e = frame_init(*o, b)) != E_OK)) {
        obj_finish(*o);
        return e;
    }
    if ((e = cspace_ensure(dcs, idx, d)) != E_OK) {
        u32 budget = ~0u;  /* roll back: nothing changed */
        if (type == OBJ_ASPACE)
            aspace_reap_step(*o, &budget);
        if (type == OBJ_FRAME)
            frame_reap_step(*o, &budget);
        obj_finish(*o);
        return e;
    }
    cap_dst_clear(*d);  /* commit point: nothing below fails */
    return E_OK;
}

static int bank_create(struct inv *iv)
{
    oref b = iv->t.obj, dcs, o;
    u64 type = ARG(iv, BANK_CREATE, type), size = create_size(type);
    struct slot *d;
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    if (!size)
        return E_INVAL;
    if (type == OBJ_BANK && bank_body(b)->depth + 1 >= BANK_MAX_DEPTH)
        return E_DEPTH;
    int e = dst_check(iv, ARG(iv, BANK_CREATE, dst_cs), ARG(iv, BANK_CREATE, dst), &dcs);
    if (e != E_OK)
        return e;
    if ((e = alloc_with_slot(b, (u8)type, size, dcs, ARG(iv, BANK_CREATE, dst), &o, &d)) != E_OK)
        return e;
    /* Perform. */
    if (type == OBJ_BANK) {
        bank_body(o)->limit = ARG(iv, BANK_CREATE, arg);
        bank_body(o)->depth = bank_body(b)->depth + 1;
    }
    if (type == OBJ_FRAME)
        frame_first_cap(o, d);  /* below the frame's master cap */
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
    if (badge && t.type != OBJ_ENDPOINT)
        return E_TYPE;
    if (badge && t.badge)
        return E_INVAL;
    if ((e = dst_check(iv, ARG(iv, BANK_WRAP, dst_cs), ARG(iv, BANK_WRAP, dst), &dcs)) != E_OK)
        return e;
    if ((e = alloc_with_slot(b, OBJ_WRAPPER, sizeof(struct wrapper), dcs, ARG(iv, BANK_WRAP, dst), &w, &d)) != E_OK)
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
    return !obj_get(o)->bank || obj_get(o)->type == OBJ_SYSTEM;
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
