/* SPDX-License-Identifier: BSD-2-Clause */
/* adopt.c: the model takes over what the core did, checking it (adopt.h). */
#include "adopt.h"
#include "coreview.h"
#include "driver.h"
#include "report.h"
#include "aspace.h"
#include "frame.h"
#include "wrapper.h"

u32 stamp;
u32 memo_st[MAXSLOT];
static u32 allow_st[MAXSLOT], rem_st[MAXSLOT], d_st[MAXOBJ];
static u8 memo_v[MAXSLOT];
static int path[MAXSLOT], rem[MAXSLOT], nrem;

/* Mark (allow_st = stamp) every occupied active slot that has a seed slot
 * (allow_st already = stamp) as an ancestor. */
static void close_descendants(void)
{
    for (int k = 0; k < nact; k++) {
        int s = act[k];
        if (allow_st[s] == stamp) {
            memo_st[s] = stamp;
            memo_v[s] = 1;
        }
    }
    for (int k = 0; k < nact; k++) {
        int s = act[k], n = 0, x = s;
        if (!occupied(s))
            continue;
        while (x >= 0 && memo_st[x] != stamp) {
            path[n++] = x;
            x = ms[x].parent;
        }
        u8 v = x >= 0 && memo_v[x];
        while (n) {
            int y = path[--n];
            memo_st[y] = stamp;
            memo_v[y] = v;
            if (v)
                allow_st[y] = stamp;
        }
    }
}

/* Remove the slots in rem[] from the model: children move to the nearest
 * ancestor that stays (the core's semantics). */
static void remove_slots(void)
{
    for (int k = 0; k < nact; k++) {
        int s = act[k];
        if (!occupied(s) || rem_st[s] == stamp)
            continue;
        int p = ms[s].parent;
        while (p >= 0 && rem_st[p] == stamp)
            p = ms[p].parent;
        ms[s].parent = p;
    }
    for (int k = 0; k < nrem; k++) {
        ms[rem[k]].obj = -1;
        ms[rem[k]].parent = -1;
    }
}

/* A GRANT moves slot s to t: t takes its place in the tree (C4). */
static void m_grant(int s, int t)
{
    ms[t].parent = ms[s].parent;
    for (int k = 0; k < nact; k++)
        if (occupied(act[k]) && ms[act[k]].parent == s)
            ms[act[k]].parent = t;
    ms[s].obj = -1;
    ms[s].parent = -1;
    if (hot_root == s)
        hot_root = t;  /* the driver follows its tree */
}

/* AS_MAP_FRAME / AS_MAP performed: every pair, in page order (map_one). */
static void perform_flex(const struct plan *p)
{
    struct mobj *a = &mo[p->fas];
    for (int k = 0; k < p->nfx; k++) {
        int s = p->fsrc[k], t = p->fdst[k];
        if (occupied(t)) {
            mfail("model: destination %s still occupied at perform", sname(t));
            return;
        }
        ms[t].obj = ms[s].obj;
        ms[t].rights = p->frt[k];
        ms[t].badge = MAPPING_WHERE(a->ref, vpn_of[ms[t].pos]);
        ms[t].pte = 1;                    /* map_one loads its entry */
        if (p->xop == X_MAP)
            ms[t].parent = s;             /* C3 */
        else if (p->xop == X_COPY)
            ms[t].parent = ms[s].parent;  /* C2: a frame cap is never a root */
        else
            m_grant(s, t);
        struct asm_ m = {a->al2m, a->pt1m, a->pt0m, a->aleafm};
        asm_add(&m, ms[t].pos);
        a->al2m = m.l2m, a->pt1m = m.pt1m, a->pt0m = m.pt0m, a->aleafm = m.leafm;
    }
}

static void perform(const struct call *c, const struct plan *p)
{
    struct slot *d;
    (void)c;
    if (p->kind == K_FLEX) {
        perform_flex(p);
        return;
    }
    int dpos = ms[p->dst].pos;
    if (occupied(p->dst)) {
        mfail("model: destination %s still occupied at perform", sname(p->dst));
        return;
    }
    m_add_nodes(p->dcs, dpos);
    switch (p->kind) {
    case K_CREATE: case K_WRAP: {
        d = core_slot(p->dst);
        if (!d || !d->obj) {
            mfail("E_OK but no cap in %s", sname(p->dst));
            return;
        }
        oref r = d->obj;
        if (r >= ntab || (ref2m[r] >= 0 && mo[ref2m[r]].state != OS_FREE)) {
            mfail("new object %u is already a live object (model %d)", r, r < ntab ? ref2m[r] : -1);
            return;
        }
        int n = new_obj(p->kind == K_CREATE ? p->type : OBJ_WRAPPER, p->b, r);
        if (p->kind == K_CREATE && p->type == OBJ_BANK) {
            mo[n].limit = p->arg;
            mo[n].depth = mo[p->b].depth + 1;
        }
        if (p->kind == K_CREATE && p->type == OBJ_ASPACE)
            mo[n].ptroot = 1;
        if (p->kind == K_CREATE && p->type == OBJ_FRAME) {
            mo[n].extra = PAGE_BYTES;
            /* S4: a new frame's memory is zero, whatever it held before. */
            const u8 *pg = frame_page(r);
            for (u32 i = 0; i < PAGE_BYTES; i++)
                if (pg[i]) {
                    mfail("new frame %d: byte %u of its page is %#x, not zero", n, i, pg[i]);
                    return;
                }
            int ts = mo[n].tslot;  /* the hidden master; the task's cap is its child */
            ms[ts] = (struct mslot){.obj = n, .parent = -1, .owner = n, .pos = 0, .rights = R_ALL};
        }
        if (p->kind == K_WRAP) {
            const struct mslot *s = &ms[p->src];
            int ts = mo[n].tslot;
            ms[ts].obj = s->obj;
            ms[ts].rights = (u8)(s->rights & p->mask);
            ms[ts].badge = s->badge;
            ms[ts].parent = s->parent;  /* a COPY: new root or sibling (C2) */
            mo[n].wbadge = p->badge;
        }
        ms[p->dst].obj = n;
        ms[p->dst].rights = R_ALL;
        ms[p->dst].badge = 0;
        ms[p->dst].parent = p->kind == K_CREATE && p->type == OBJ_FRAME ? mo[n].tslot : -1;
        break;
    }
    case K_XFER: {
        struct mslot *s = &ms[p->src], *t = &ms[p->dst];
        t->obj = s->obj;
        t->rights = (u8)(s->rights & p->mask);  /* C1 */
        t->badge = p->mint ? p->badge : s->badge;
        if (p->xop == X_COPY) {
            t->parent = s->parent;              /* C2: root -> root, derived -> sibling */
        } else if (p->xop == X_MAP) {
            t->parent = p->src;                 /* C3 */
        } else {                                /* C4: takes the source's place */
            m_grant(p->src, p->dst);
        }
        break;
    }
    default:
        break;
    }
}

/* CS_TREE's results against the model: status, derived and parent
 * exactly; the depth is not modelled, only bounded below by the number of
 * ancestors (and 0 exactly for a root); TREE_FAR only if the core's list
 * really has at least TREE_WALK_MAX nodes between the slot and its parent. */
static void check_tree(const struct plan *p, const u64 *r)
{
    u64 far = 0;
    if (r[3] == TREE_FAR && p->src >= 0 && core_slot(p->src)) {
        const struct slot *s = core_slot(p->src);
        for (sref q = s->prev; q && slot_at(q)->depth >= s->depth; q = slot_at(q)->prev)
            far++;
    }
    if (r[0] != p->r[0] || r[2] != p->r[2] || r[1] < p->r[1] || (r[1] == 0) != (p->r[2] == 0) ||
        (r[3] != p->r[3] && !(r[3] == TREE_FAR && p->r[3] != TREE_ROOT && far >= TREE_WALK_MAX)))
        mfail("CS_TREE: status %llu depth %llu derived %llu parent %#llx; model: status %llu depth >= %llu "
              "derived %llu parent %#llx", (unsigned long long)r[0], (unsigned long long)r[1],
              (unsigned long long)r[2], (unsigned long long)r[3], (unsigned long long)p->r[0],
              (unsigned long long)p->r[1], (unsigned long long)p->r[2], (unsigned long long)p->r[3]);
}

void apply(const struct call *c, const struct plan *p, int rc, const u64 *r)
{
    bool ok;
    if (p->kind == K_UNMAP || p->kind == K_DESTROY || p->kind == K_AUNMAP)
        ok = rc == E_OK || rc == E_CONTINUE || p->foreign;
    else if (p->clean >= 0)
        ok = rc == p->rc || rc == E_CONTINUE;
    else
        ok = rc == p->rc || (p->or_io && rc == E_IO) || (p->or_nomem && rc == E_NOMEM);
    if (!ok) {
        mfail("core returned %s, model expects %s", ename(rc), ename(p->rc));
        return;
    }
    refresh();
    stamp++;

    /* What this call may remove (besides void caps): */
    if (p->kind == K_UNMAP) {            /* C5, C6: the target's descendants */
        allow_st[p->src] = stamp;
        close_descendants();
        if (!p->self)
            allow_st[p->src] = 0;
    } else if (p->kind == K_AUNMAP) {    /* C5 for every page of the range */
        for (int k = 0; k < p->ntg; k++)
            allow_st[p->tg[k]] = stamp;
        close_descendants();
        for (int k = 0; k < p->ntg && !p->self; k++) {
            bool below = false;  /* a page derived from another page of the range goes anyway */
            for (int x = ms[p->tg[k]].parent; x >= 0 && !below; x = ms[x].parent)
                for (int j = 0; j < p->ntg && !below; j++)
                    below = p->tg[j] == x;
            if (!below)
                allow_st[p->tg[k]] = 0;
        }
    } else if (p->kind == K_DESTROY) {   /* S2, S3: everything the object holds */
        for (int k = 0; k < nlv; k++) {
            int i = lv[k];
            if (!m_destroys(p->target, i) && !(p->own >= 0 && m_destroys(p->own, i)))
                continue;
            d_st[i] = stamp;
            if (mo[i].type == OBJ_CSPACE)
                for (int q = 0; q < NPOS; q++)
                    allow_st[mo[i].slot0 + q] = stamp;
            else if (mo[i].type == OBJ_ASPACE)
                for (int q = 0; q < NVP; q++)
                    allow_st[mo[i].slot0 + q] = stamp;
            else if (mo[i].type == OBJ_WRAPPER || mo[i].type == OBJ_FRAME)
                allow_st[mo[i].tslot] = stamp;
        }
        close_descendants();
    } else if (p->clean >= 0) {          /* the void destination (S3) */
        allow_st[p->clean] = stamp;
        close_descendants();
    }

    /* Objects: only those being destroyed may change state, one way. */
    for (int k = 0; k < nlv; k++) {
        struct mobj *o = &mo[lv[k]];
        const struct obj *e = obj_get(o->ref);
        int st = e->epoch != o->epoch || e->state == OS_FREE ? OS_FREE : e->state;
        if (st == o->state)
            continue;
        bool fwd = (o->state == OS_LIVE && st != OS_LIVE) || (o->state == OS_DYING && st == OS_FREE);
        if (d_st[lv[k]] != stamp || !fwd) {
            mfail("object %d (type %d) went from state %d to %d", lv[k], o->type, o->state, st);
            return;
        }
        o->state = (u8)st;
        if (st == OS_FREE) {
            ref2m[o->ref] = -1;
            lv_dirty = true;
        }
    }
    if (p->kind == K_DESTROY && mo[p->target].state == OS_LIVE) {
        mfail("BANK_DESTROY returned %s but object %d is still live", ename(rc), p->target);
        return;
    }
    if (p->foreign && rc != E_CONTINUE && mo[p->target].state != OS_FREE) {
        mfail("BANK_DESTROY returned %s before the destruction in progress (object %d) was done", ename(rc),
              p->target);
        return;
    }

    /* Slots: adopt the removals the core made, checking each one. */
    bool performs = rc == E_OK && (p->kind == K_CREATE || p->kind == K_WRAP || p->kind == K_XFER ||
                                   p->kind == K_FLEX);
    static u32 fdst_st[MAXSLOT], fsrc_st[MAXSLOT];
    if (performs && p->kind == K_FLEX)
        for (int k = 0; k < p->nfx; k++)
            fdst_st[p->fdst[k]] = fsrc_st[p->fsrc[k]] = stamp;
    nrem = 0;
    for (int k = 0; k < nact; k++) {
        int s = act[k];
        if (!occupied(s))
            continue;
        if (performs && p->kind == K_FLEX && fsrc_st[s] == stamp && p->xop == X_GRANT)
            continue;  /* moved, not removed */
        if (performs && p->kind == K_FLEX && fdst_st[s] == stamp) {
            /* a void leaf, replaced by the new mapping */
        } else if (s == p->clean && rc != E_CONTINUE) {
            /* replaced by the new cap if the call performed */
        } else {
            if (performs && p->xop == X_GRANT && p->kind == K_XFER && s == p->src)
                continue;  /* moved, not removed */
            struct slot *cs = core_slot(s);
            if (cs && cs->obj)
                continue;
        }
        if (allow_st[s] != stamp && mo[ms[s].obj].state == OS_LIVE) {
            mfail("live cap in %s (object %d) removed without cause", sname(s), ms[s].obj);
            return;
        }
        rem_st[s] = stamp;
        rem[nrem++] = s;
    }
    remove_slots();

    /* CSpace radix nodes of destroyed CSpaces, freed once they are empty;
     * page tables of destroyed AddrSpaces. */
    for (int k = 0; k < nlv; k++) {
        struct mobj *o = &mo[lv[k]];
        if (d_st[lv[k]] == stamp && o->type == OBJ_FRAME) {
            u64 x = o->state != OS_FREE && frame_body(o->ref)->page ? PAGE_BYTES : 0;
            if (x && o->state == OS_FREE) {
                mfail("frame %d is free but has its page", lv[k]);
                return;
            }
            if (!x && occupied(o->tslot)) {
                mfail("frame %d: page freed while its master cap is still there (S3)", lv[k]);
                return;
            }
            o->extra = x;
        }
        if (d_st[lv[k]] == stamp && o->type == OBJ_ASPACE) {
            u8 l2m = 0, pt1m = 0, pt0m = 0, root = 0;
            u16 leafm = 0;
            if (o->state != OS_FREE) {
                core_as_masks(o->ref, &l2m, &leafm, &pt1m, &pt0m);
                root = aspace_body(o->ref)->pt.root != NULL;
            }
            bool empty = true;
            for (int q = 0; q < NVP; q++)
                empty &= !occupied(o->slot0 + q);
            if ((l2m & ~o->al2m) || (leafm & ~o->aleafm) || (pt1m & ~o->pt1m) || (pt0m & ~o->pt0m) ||
                root > o->ptroot || ((l2m != o->al2m || leafm != o->aleafm || root != o->ptroot) && !empty)) {
                mfail("storage of dying AddrSpace %d changed from %x/%x/%x/%x/%d to %x/%x/%x/%x/%d (empty %d)",
                      lv[k], o->al2m, o->aleafm, o->pt1m, o->pt0m, o->ptroot, l2m, leafm, pt1m, pt0m, root, empty);
                return;
            }
            o->al2m = l2m, o->aleafm = leafm, o->pt1m = pt1m, o->pt0m = pt0m, o->ptroot = root;
        }
        if (d_st[lv[k]] != stamp || o->type != OBJ_CSPACE)
            continue;
        if (o->state == OS_FREE) {
            o->l2m = o->leafm = 0;
            continue;
        }
        u8 l2m = 0, leafm = 0;
        for (int n = 0; n < NL2; n++)
            l2m |= (u8)(core_l2(o->ref, n) << n);
        for (int n = 0; n < NLEAF; n++)
            leafm |= (u8)(core_leaf(o->ref, n) << n);
        if (l2m == o->l2m && leafm == o->leafm)
            continue;
        bool empty = true;
        for (int q = 0; q < NPOS; q++)
            empty &= !occupied(o->slot0 + q);
        if (!empty || (l2m & ~o->l2m) || (leafm & ~o->leafm)) {
            mfail("radix nodes of dying CSpace %d changed from %x/%x to %x/%x (empty %d)", lv[k], o->l2m, o->leafm,
                  l2m, leafm, empty);
            return;
        }
        o->l2m = l2m;
        o->leafm = leafm;
    }

    /* Completion rules of the long operations. */
    int must = 0;  /* allowed slots that must all be gone now */
    if (p->kind == K_UNMAP) {
        if (rc == E_CONTINUE && (nrem < 1 || nrem > (int)REVOKE_BUDGET || !occupied(p->src))) {
            mfail("UNMAP step removed %d slots (target %s left: %d)", nrem, sname(p->src), occupied(p->src));
            return;
        }
        must = rc == E_OK;
    } else if (p->kind == K_AUNMAP) {
        if (rc == E_CONTINUE && nrem != (int)REVOKE_BUDGET) {
            mfail("AS_UNMAP step removed %d slots, not the budget of %u", nrem, REVOKE_BUDGET);
            return;
        }
        must = rc == E_OK;
    } else if (p->kind == K_DESTROY && p->foreign && rc != E_OK) {
        /* an answer about the call's own arguments, after the other is done */
    } else if (p->kind == K_DESTROY && rc == E_OK) {
        for (int k = 0; k < nlv; k++)
            if (d_st[lv[k]] == stamp && mo[lv[k]].state != OS_FREE) {
                mfail("BANK_DESTROY done but object %d (type %d) is not free", lv[k], mo[lv[k]].type);
                return;
            }
        must = 1;
    } else if (p->clean >= 0) {
        if (rc == E_CONTINUE && (nrem < 1 || !occupied(p->clean))) {
            mfail("cleaning step of void %s removed %d slots", sname(p->clean), nrem);
            return;
        }
        must = rc != E_CONTINUE;
    }
    if (must)
        for (int k = 0; k < nact; k++)
            if (allow_st[act[k]] == stamp && occupied(act[k])) {
                mfail("%s returned %s but %s (a cap it had to remove) is still there", lname(c->label), ename(rc),
                      sname(act[k]));
                return;
            }

    if (performs)
        perform(c, p);
    if (rc == E_OK && p->kind == K_SC)
        mo[p->target].sb = p->badge, mo[p->target].sp = p->mask;
    if (rc == E_OK && p->kind == K_NTFN)
        mo[p->target].word = p->badge;
    if (rc == E_OK && p->kind == K_RESULTS && p->tree) {
        check_tree(p, r);
        return;
    }
    if (rc == E_OK && (p->kind == K_RESULTS || p->kind == K_NTFN || p->kind == K_CKPT))
        for (int k = 0; k < p->nres; k++)
            if (r[k] != p->r[k]) {
                mfail("result r%d = %llu, model expects %llu", k, (unsigned long long)r[k],
                      (unsigned long long)p->r[k]);
                return;
            }
}

