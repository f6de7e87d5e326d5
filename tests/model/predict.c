/* SPDX-License-Identifier: BSD-2-Clause */
/* predict.c: what each invocation must answer and change (predict.h). */
#include "predict.h"
#include "ckpt.h"
#include "coreview.h"
#include "aspace.h"
#include "schedctx.h"
#include "persist.h"
#include "hal.h"
#include <string.h>

int m_resolve(int sid, struct mt *t)
{
    t->rights = R_ALL;
    t->badge = 0;
    t->wraps = 0;
    for (;;) {
        if (!occupied(sid))
            return t->wraps ? E_REVOKED : E_EMPTY;
        const struct mobj *o = &mo[ms[sid].obj];
        if (o->state != OS_LIVE)
            return E_REVOKED;
        t->rights &= ms[sid].rights;
        if (ms[sid].badge)
            t->badge = ms[sid].badge;
        if (o->type != OBJ_WRAPPER) {
            t->obj = ms[sid].obj;
            t->type = o->type;
            return E_OK;
        }
        if (++t->wraps > WRAP_MAX_DEPTH)
            return E_DEPTH;
        if (o->wbadge)
            t->badge = o->wbadge;
        sid = o->tslot;
    }
}

int m_slot_at(int cs, u64 idx, int *sid)
{
    if (idx >= CAP_ADDR_LIMIT)
        return E_BADCAP;
    int p = pos_of(idx);
    *sid = p < 0 ? -1 : mo[cs].slot0 + p;
    return E_OK;
}
int m_inv_lookup(int ccs, u64 cptr, struct mt *t)
{
    int sid;
    int e = m_slot_at(ccs, cptr, &sid);
    if (e != E_OK)
        return e;
    if (!occupied(sid))
        return E_EMPTY;
    return m_resolve(sid, t);
}
static int m_lookup_cs(int ccs, u64 cptr, u8 need, int *cs)
{
    struct mt t;
    int e = m_inv_lookup(ccs, cptr, &t);
    if (e != E_OK)
        return e;
    if (t.type != OBJ_CSPACE)
        return E_TYPE;
    if ((t.rights & need) != need)
        return E_RIGHTS;
    *cs = t.obj;
    return E_OK;
}

int m_can_charge(int b, u64 bytes)
{
    for (; b >= 0; b = mo[b].bank) {
        if (mo[b].state != OS_LIVE)
            return E_REVOKED;
        if (bytes > mo[b].limit - use[b])
            return E_NOMEM;
    }
    return E_OK;
}
void m_charge_bank(int b, u64 bytes, int sign)
{
    for (; b >= 0; b = mo[b].bank)
        use[b] += sign > 0 ? bytes : -bytes;
}
static u64 grow_bytes(int cs, int pos)
{
    const struct mobj *o = &mo[cs];
    if (!(o->l2m & (1u << pos_l2[pos])))
        return blk(CS_L2_BYTES) + blk(CS_LEAF_BYTES);
    if (!(o->leafm & (1u << pos_leaf[pos])))
        return blk(CS_LEAF_BYTES);
    return 0;
}
/* cspace_ensure on the model (nothing is changed). */
static int m_ensure(int cs, int pos)
{
    u64 need = grow_bytes(cs, pos);
    if (!need)
        return E_OK;
    int e = m_can_charge(mo[cs].bank, need);
    if (e != E_OK)
        return e;
    if (!(mo[cs].l2m & (1u << pos_l2[pos])) && !sim_alloc(ord(CS_L2_BYTES)))
        return E_NOMEM;
    return sim_alloc(ord(CS_LEAF_BYTES)) ? E_OK : E_NOMEM;
}
void m_add_nodes(int cs, int pos)
{
    mo[cs].l2m |= (u8)(1u << pos_l2[pos]);
    mo[cs].leafm |= (u8)(1u << pos_leaf[pos]);
}
/* bank_alloc_obj + cspace_ensure (alloc_with_slot) on the model. */
static int m_alloc_with_slot(int b, int type, int dcs, int pos)
{
    u64 size = body_size(type), bytes = charge(type);
    int e = m_can_charge(b, bytes);
    if (e != E_OK)
        return e;
    if (ntab - 1 - (u32)nlv == 0 || !sim_alloc(ord(size)))
        return E_NOMEM;
    m_charge_bank(b, bytes, +1);
    e = E_OK;
    /* aspace_init: the page-table root; frame_init: the page; paid by b. */
    bool page = type == OBJ_ASPACE || type == OBJ_FRAME;
    if (page) {
        if ((e = m_can_charge(b, PAGE_BYTES)) != E_OK || !sim_alloc(ord(PAGE_BYTES)))
            e = e != E_OK ? e : E_NOMEM;
        else
            m_charge_bank(b, PAGE_BYTES, +1);
    }
    if (e == E_OK) {
        e = m_ensure(dcs, pos);
        if (page)
            m_charge_bank(b, PAGE_BYTES, -1);
    }
    m_charge_bank(b, bytes, -1);
    return e;
}

/* dst_check (bank.c) / the destination part of cs_transfer. */
static int m_dst(int dcs, u64 idx, struct plan *p)
{
    int e = m_slot_at(dcs, idx, &p->dst);
    if (e != E_OK)
        return e;
    if (p->dst < 0) {
        hal_panic("model: destination address is not tracked");
    }
    if (occupied(p->dst))  /* the destination rule: cap_dst_check */
        return slot_live(p->dst) || has_child(p->dst) ? E_FULL : (p->clean = p->dst, E_OK);
    return E_OK;
}

/* The destruction bank b has in progress (bank.h), read from the core: its
 * model object, or -1 if none (or stale). *foreign: not started by call c. */
static int m_pending(int b, const struct call *c, bool *foreign)
{
    const struct bank_pending *q = &bank_body(mo[b].ref)->pending;
    const struct obj *x = obj_get(q->obj);
    *foreign = false;
    if (!q->obj || x->epoch != q->epoch || x->state == OS_FREE || ref2m[q->obj] < 0)
        return -1;
    *foreign = !(q->cs == mo[c->ccs].ref && q->cs_epoch == mo[c->ccs].epoch && q->cscap == c->a[0] &&
                 q->idx == c->a[1]);
    return ref2m[q->obj];
}

/* BANK_DESTROY's own arguments through bank b: the object they name. */
static int predict_destroy(const struct call *c, int b, int *target)
{
    int scs, sid, e;
    if ((e = m_lookup_cs(c->ccs, c->a[0], R_READ, &scs)) != E_OK || (e = m_slot_at(scs, c->a[1], &sid)) != E_OK)
        return e;
    if (!occupied(sid))
        return E_EMPTY;
    int o = ms[sid].obj;
    if (mo[o].state == OS_FREE)
        return E_REVOKED;
    if (mo[o].bank < 0 || mo[o].type == OBJ_SYSTEM || mo[o].type == OBJ_DEBUG)
        return E_INVAL;  /* the root bank, the System and Debug objects */
    if (!m_is_ancestor(b, mo[o].bank))
        return E_RIGHTS;
    *target = o;
    return E_OK;
}

static int predict_bank(const struct call *c, const struct mt *t, struct plan *p)
{
    const u64 *a = c->a;
    int e, scs;
    p->b = t->obj;
    switch (c->label) {
    case BANK_CREATE:
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if (a[0] >= OBJ_COUNT || a[0] == OBJ_NONE || a[0] == OBJ_WRAPPER || a[0] == OBJ_SYSTEM ||
            a[0] == OBJ_DEBUG)
            return E_INVAL;
        if (a[0] != OBJ_BANK && a[3] != 0)
            return E_INVAL;  /* only a bank takes an argument: its limit */
        if (a[0] == OBJ_BANK && mo[p->b].depth + 1 >= BANK_MAX_DEPTH)
            return E_DEPTH;
        if ((e = m_lookup_cs(c->ccs, a[1], R_WRITE, &p->dcs)) != E_OK || (e = m_dst(p->dcs, a[2], p)) != E_OK)
            return e;
        p->kind = K_CREATE;
        p->type = (int)a[0];
        p->arg = a[3];
        return m_alloc_with_slot(p->b, p->type, p->dcs, ms[p->dst].pos);
    case BANK_WRAP: {
        struct mt st;
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_lookup_cs(c->ccs, a[2], R_READ, &scs)) != E_OK || (e = m_slot_at(scs, a[3], &p->src)) != E_OK)
            return e;
        if (!slot_live(p->src))
            return E_EMPTY;
        if ((e = m_resolve(p->src, &st)) != E_OK)
            return e;
        if (st.wraps + 1 > WRAP_MAX_DEPTH)
            return E_DEPTH;
        if (a[4] && st.type != OBJ_ENDPOINT && st.type != OBJ_NOTIFICATION)
            return E_TYPE;
        if (a[4] && st.badge)
            return E_INVAL;
        if ((e = m_lookup_cs(c->ccs, a[0], R_WRITE, &p->dcs)) != E_OK || (e = m_dst(p->dcs, a[1], p)) != E_OK)
            return e;
        p->kind = K_WRAP;
        p->badge = a[4];
        p->mask = a[5];
        return m_alloc_with_slot(p->b, OBJ_WRAPPER, p->dcs, ms[p->dst].pos);
    }
    case BANK_DESTROY: {
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        int pending = m_pending(p->b, c, &p->foreign);
        if (pending >= 0) {  /* continued first (bank.c pending_step) */
            p->kind = K_DESTROY;
            p->target = pending;
            if (p->foreign && predict_destroy(c, p->b, &p->own) != E_OK)
                p->own = -1;
            return E_OK;
        }
        if ((e = predict_destroy(c, p->b, &p->target)) != E_OK)
            return e;
        p->kind = K_DESTROY;
        return E_OK;
    }
    case BANK_QUERY:
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        p->kind = K_RESULTS;
        p->nres = 3;
        p->r[0] = use[p->b];
        p->r[1] = mo[p->b].limit;
        p->r[2] = nob[p->b];
        return E_OK;
    default:
        return E_LABEL;
    }
}

static int predict_cs(const struct call *c, const struct mt *t, struct plan *p)
{
    const u64 *a = c->a;
    int e, scs, sid;
    switch (c->label) {
    case CS_COPY: case CS_MAP: case CS_GRANT: case CS_MINT:
        if (c->label == CS_MINT && !(t->rights & R_WRITE))
            return E_RIGHTS;
        if (c->label == CS_MINT && a[5] > MINT_MAP)
            return E_INVAL;
        p->xop = c->label == CS_MAP || (c->label == CS_MINT && a[5] == MINT_MAP) ? X_MAP
               : c->label == CS_GRANT ? X_GRANT : X_COPY;
        p->mint = c->label == CS_MINT;
        p->dcs = t->obj;
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_slot_at(p->dcs, a[0], &p->dst)) != E_OK)
            return e;
        if ((e = m_lookup_cs(c->ccs, a[1], p->xop == X_GRANT ? R_READ | R_WRITE : R_READ, &scs)) != E_OK ||
            (e = m_slot_at(scs, a[2], &p->src)) != E_OK)
            return e;
        if (!slot_live(p->src))
            return E_EMPTY;
        if (p->mint) {
            if (mo[ms[p->src].obj].type != OBJ_ENDPOINT && mo[ms[p->src].obj].type != OBJ_NOTIFICATION)
                return E_TYPE;  /* C7: endpoints and notifications take badges */
            if (!a[4] || ms[p->src].badge)
                return E_INVAL;
        }
        if ((e = m_dst(p->dcs, a[0], p)) != E_OK)
            return e;
        p->kind = K_XFER;
        p->mask = a[3];
        p->badge = a[4];
        return m_ensure(p->dcs, ms[p->dst].pos);
    case CS_UNMAP: case CS_DELETE:
        p->self = c->label == CS_DELETE ? 1 : (int)(a[1] > 1 ? 2 : a[1]);
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_slot_at(t->obj, a[0], &sid)) != E_OK)
            return e;
        if (c->label == CS_UNMAP && a[1] > 1)
            return E_INVAL;
        if (!occupied(sid))
            return E_EMPTY;
        p->kind = K_UNMAP;
        p->src = sid;
        return E_OK;
    case CS_INFO:
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        if ((e = m_slot_at(t->obj, a[0], &sid)) != E_OK)
            return e;
        p->kind = K_RESULTS;
        p->nres = 4;
        if (slot_live(sid)) {
            p->r[0] = SLOT_LIVE;
            p->r[1] = mo[ms[sid].obj].type;
            p->r[2] = ms[sid].rights;
            p->r[3] = ms[sid].badge;
        } else {
            p->r[0] = occupied(sid) ? SLOT_VOID : SLOT_EMPTY;
        }
        return E_OK;
    case CS_TREE: {
        /* The rule (cs_tree_view): a parent's index only if it is a slot
         * of the invoked CSpace; the depth is at least the number of
         * ancestors (adopt checks it and TREE_FAR against the core). */
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        if ((e = m_slot_at(t->obj, a[0], &sid)) != E_OK)
            return e;
        p->kind = K_RESULTS;
        p->nres = 4;
        p->tree = true;
        p->src = sid;
        p->r[0] = slot_live(sid) ? SLOT_LIVE : occupied(sid) ? SLOT_VOID : SLOT_EMPTY;
        p->r[3] = TREE_ROOT;
        if (!occupied(sid))
            return E_OK;
        for (int q = ms[sid].parent; q >= 0; q = ms[q].parent)
            p->r[1]++;
        p->r[2] = p->r[1] > 0;
        int q = ms[sid].parent;
        if (q >= 0)
            p->r[3] = ms[q].owner == t->obj ? pidx[ms[q].pos] : TREE_OUTSIDE;
        return E_OK;
    }
    default:
        return E_LABEL;
    }
}

/* ---- AddrSpaces (C9) ---- */

/* flex_range on the model. */
static int m_flex_range(u64 va, u64 log2, u32 *vpn, u32 *n)
{
    if (log2 > FLEX_MAX_LOG2 || va % PAGE_BYTES || va >= USER_VA_LIMIT ||
        (va >> 12) + (1ull << log2) > (USER_VA_LIMIT >> 12))
        return E_INVAL;
    *vpn = (u32)(va >> 12);
    *n = 1u << log2;
    return E_OK;
}

bool has_child(int sid)
{
    for (int k = 0; k < nact; k++)
        if (occupied(act[k]) && ms[act[k]].parent == sid)
            return true;
    return false;
}

/* check_dst on the model: a page may receive a mapping if it is empty or
 * holds a void leaf (cleaned when the mapping is made). No page of ours
 * holds a kernel-loaded PTE. */
static int m_check_dst(int d)
{
    if (occupied(d) && (slot_live(d) || has_child(d)))
        return E_FULL;
    return E_OK;
}

static u64 radix_need(const struct asm_ *m, int p)
{
    if (!(m->l2m & (1u << vp_l2[p])))
        return blk(CS_L2_BYTES) + blk(CS_LEAF_BYTES);
    return m->leafm & (1u << vp_leaf[p]) ? 0 : blk(CS_LEAF_BYTES);
}
int pt_need(const struct asm_ *m, int p)
{
    return !(m->pt1m & (1u << vp_pt1[p])) ? 2 : !(m->pt0m & (1u << vp_pt0[p])) ? 1 : 0;
}
void asm_add(struct asm_ *m, int p)
{
    m->l2m |= (u8)(1u << vp_l2[p]);
    m->leafm |= (u16)(1u << vp_leaf[p]);
    m->pt1m |= (u8)(1u << vp_pt1[p]);
    m->pt0m |= (u8)(1u << vp_pt0[p]);
}

/* The storage part of AS_MAP_FRAME / AS_MAP: what the perform really
 * allocates (radix nodes, page tables), in order, against the bank limits
 * and the free lists; the core must charge exactly that (S1). */
static int m_flex_storage(struct plan *p)
{
    const struct mobj *a = &mo[p->fas];
    struct asm_ sim = {a->al2m, a->pt1m, a->pt0m, a->aleafm};
    int nl2 = 0, nleaf = 0, npt = 0;
    for (int k = 0; k < p->nfx; k++) {
        int dp = ms[p->fdst[k]].pos;
        u64 rn_ = radix_need(&sim, dp);
        nl2 += rn_ > blk(CS_LEAF_BYTES);
        nleaf += rn_ != 0;
        npt += pt_need(&sim, dp);
        asm_add(&sim, dp);
    }
    /* It reserves every block first, one by one, each charged to the
     * AddrSpace's bank and its ancestors (second-level nodes, leaves, page
     * tables): the first that a bank cannot pay for (E_NOMEM; E_REVOKED
     * for a dying bank on the way) or the free lists cannot give (E_NOMEM)
     * ends it, and nothing changed. */
    u64 charged = 0;
    int e = E_OK;
    for (int j = 0; j < nl2 + nleaf + npt && e == E_OK; j++) {
        u64 sz = j < nl2 ? blk(CS_L2_BYTES) : j < nl2 + nleaf ? blk(CS_LEAF_BYTES) : PAGE_BYTES;
        if ((e = m_can_charge(a->bank, sz)) == E_OK && !sim_alloc(ord(sz)))
            e = E_NOMEM;
        if (e == E_OK) {
            m_charge_bank(a->bank, sz, +1);
            charged += sz;
        }
    }
    if (charged)
        m_charge_bank(a->bank, charged, -1);
    return e;
}

static int predict_as(const struct call *c, const struct mt *t, struct plan *p)
{
    const u64 *a = c->a;
    int as = t->obj, e;
    u32 vpn, n;
    p->fas = as;
    switch (c->label) {
    case AS_MAP_FRAME: {
        int sid;
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_slot_at(c->ccs, a[0], &sid)) != E_OK)
            return e;
        if (!slot_live(sid))
            return E_EMPTY;
        if (mo[ms[sid].obj].type != OBJ_FRAME)
            return E_TYPE;
        if (m_flex_range(a[1], 0, &vpn, &n) != E_OK || a[3] > ITEM_GRANT)
            return E_INVAL;
        u8 r = (u8)(ms[sid].rights & a[2] & (R_READ | R_WRITE | R_EXEC));
        if (!(r & R_READ))
            return E_RIGHTS;
        int dp = vpos(vpn);
        if (dp < 0) {
            p->skip = "a page the model does not track";
            return E_OK;
        }
        int d = mo[as].slot0 + dp;
        if ((e = m_check_dst(d)) != E_OK)
            return e;
        p->kind = K_FLEX;
        p->xop = (int)a[3];
        p->nfx = 1;
        p->fsrc[0] = sid, p->fdst[0] = d, p->frt[0] = r;
        return m_flex_storage(p);
    }
    case AS_MAP: {
        struct mt st;
        u32 sv, dv;
        u64 op = a[5];
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if ((e = m_inv_lookup(c->ccs, a[0], &st)) != E_OK)
            return e;
        if (st.type != OBJ_ASPACE)
            return E_TYPE;
        if (!(st.rights & R_READ) || (op == ITEM_GRANT && !(st.rights & R_WRITE)))
            return E_RIGHTS;
        if (m_flex_range(a[1], a[3], &sv, &n) != E_OK || m_flex_range(a[2], a[3], &dv, &n) != E_OK)
            return E_INVAL;
        if (op > ITEM_GRANT || !(a[4] & R_READ))
            return E_INVAL;
        if (st.obj == as && sv < dv + n && dv < sv + n)
            return E_INVAL;
        p->kind = K_FLEX;
        p->xop = (int)op;
        for (int q = 0; q < NVP; q++) {  /* in page order */
            int s = mo[st.obj].slot0 + q;
            if (vpn_of[q] < sv || vpn_of[q] >= sv + n || !slot_live(s))
                continue;
            int dp = vpos(dv + vpn_of[q] - sv);
            if (dp < 0) {
                p->skip = "a page the model does not track";
                return E_OK;
            }
            int d = mo[as].slot0 + dp;
            if ((e = m_check_dst(d)) != E_OK)
                return e;
            p->fsrc[p->nfx] = s, p->fdst[p->nfx] = d, p->frt[p->nfx++] = (u8)(ms[s].rights & a[4]);
        }
        return m_flex_storage(p);
    }
    case AS_UNMAP:
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if (m_flex_range(a[0], a[1], &vpn, &n) != E_OK || a[2] > 1)
            return E_INVAL;
        p->kind = K_AUNMAP;
        p->self = (int)a[2];
        for (int q = 0; q < NVP; q++)
            if (vpn_of[q] >= vpn && vpn_of[q] < vpn + n && occupied(mo[as].slot0 + q))
                p->tg[p->ntg++] = mo[as].slot0 + q;
        return E_OK;
    case AS_INFO: {
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        if (m_flex_range(a[0] & ~(u64)(PAGE_BYTES - 1), 0, &vpn, &n) != E_OK)
            return E_INVAL;
        int dp = vpos(vpn), d = dp < 0 ? -1 : mo[as].slot0 + dp;
        p->kind = K_RESULTS;
        p->nres = 3;
        p->r[0] = slot_live(d) ? SLOT_LIVE : occupied(d) ? SLOT_VOID : SLOT_EMPTY;
        p->r[1] = slot_live(d) ? ms[d].rights : 0;
        p->r[2] = occupied(d) && ms[d].pte;  /* P3: not until refilled after a restart */
        return E_OK;
    }
    default:
        return E_LABEL;
    }
}

/* SchedContexts (T1): no time passes in this model (no timer ticks), so
 * a configured one always has its whole budget left. */
static int predict_sc(const struct call *c, const struct mt *t, struct plan *p)
{
    const struct mobj *o = &mo[t->obj];
    p->target = t->obj;
    switch (c->label) {
    case SC_CONFIGURE:
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if (!c->a[0] || c->a[0] > c->a[1] || c->a[1] > SC_MAX_PERIOD)
            return E_INVAL;
        p->kind = K_SC;
        p->badge = c->a[0];
        p->mask = c->a[1];
        return E_OK;
    case SC_QUERY:
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        p->kind = K_RESULTS;
        p->nres = 4;
        p->r[0] = 0;       /* consumed */
        p->r[1] = o->sb;   /* remaining */
        p->r[2] = 0;       /* overruns */
        p->r[3] = o->sp;
        return E_OK;
    default:
        return E_LABEL;
    }
}

/* Notifications, invoked by the root task (kernel_invoke: no calling
 * thread, so nobody ever waits on one in this model). */
static int predict_ntfn(const struct call *c, const struct mt *t, struct plan *p)
{
    const struct mobj *o = &mo[t->obj];
    p->target = t->obj;
    switch (c->label) {
    case NTFN_SIGNAL:
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if (!t->badge)
            return E_INVAL;  /* a zero badge leaves no trace */
        p->kind = K_NTFN;
        p->badge = o->word | t->badge;
        return E_OK;
    case NTFN_WAIT: case NTFN_POLL:
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        if (!o->word && c->label == NTFN_WAIT)
            return E_WOULDBLOCK;  /* no thread to block */
        p->kind = K_NTFN;
        p->badge = 0;
        p->nres = 1;
        p->r[0] = o->word;
        return E_OK;
    default:
        return E_LABEL;
    }
}

/* The System object (the root task's ROOT_CAP_SYSTEM and its copies):
 * SYSTEM_CHECKPOINT (ckpt.c takes the model's state at the commit),
 * SYSTEM_CHECK, SYSTEM_STATS. SYSTEM_POWEROFF is never made. */
static int predict_system(const struct call *c, const struct mt *t, struct plan *p)
{
    switch (c->label) {
    case SYSTEM_CHECKPOINT:
        if (!(t->rights & R_WRITE))
            return E_RIGHTS;
        if (!persist_stats.blocks)
            return E_IO;
        p->kind = K_CKPT;
        p->or_io = ck_cut_armed;  /* a power cut is armed: the store may fail */
        p->or_nomem = ck_small_store;
        p->nres = 2;
        p->r[TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, generation)] = ck_gen + 1;
        p->r[TETHER_OUT_INDEX(SYSTEM_CHECKPOINT, resumed)] = 0;
        return E_OK;
    case SYSTEM_CHECK:
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        p->kind = K_RESULTS;
        p->nres = 1;
        p->r[TETHER_OUT_INDEX(SYSTEM_CHECK, failed)] = 0;
        return E_OK;
    case SYSTEM_STATS:
        if (!(t->rights & R_READ))
            return E_RIGHTS;
        p->kind = K_RESULTS;  /* (the figures are the kernel's own: not predicted) */
        return E_OK;
    default:
        return E_LABEL;
    }
}

void predict(const struct call *c, struct plan *p)
{
    struct mt t;
    memset(p, 0, sizeof *p);
    p->clean = p->dst = p->src = p->target = p->own = -1;
    int e = mo[c->ccs].state != OS_LIVE ? E_REVOKED : m_inv_lookup(c->ccs, c->cptr, &t);
    if (e == E_OK) {
        switch (t.type) {
        case OBJ_BANK:     e = predict_bank(c, &t, p); break;
        case OBJ_CSPACE:   e = predict_cs(c, &t, p); break;
        case OBJ_ASPACE:   e = predict_as(c, &t, p); break;
        case OBJ_SCHEDCTX: e = predict_sc(c, &t, p); break;
        case OBJ_NOTIFICATION: e = predict_ntfn(c, &t, p); break;
        case OBJ_SYSTEM:   e = predict_system(c, &t, p); break;
        default:           e = E_LABEL; break;  /* the driver never uses thread labels */
        }
    }
    p->rc = e;
    /* A long operation or any error: nothing performs (decode, then
     * perform; a void destination is emptied only by a perform). */
    if (e != E_OK) {
        p->kind = K_NONE;
        p->skip = NULL;
    }
    if (p->kind == K_NONE)
        p->clean = -1;
}

