/* SPDX-License-Identifier: BSD-2-Clause */
/* invariants.c: the walk comparing the core with the model (invariants.h). */
#include "invariants.h"
#include "state.h"
#include "coreview.h"
#include "rand.h"
#include "report.h"
#include "aspace.h"
#include "frame.h"
#include "wrapper.h"
#include "notification.h"
#include "schedctx.h"
#include "check.h"
#include "hal.h"

#define HBITS 14
#define HSIZE (1u << HBITS)
static sref hkey[HSIZE];
static int hval[HSIZE];
static u32 hst[HSIZE], hcur;
static void hput(sref k, int v)
{
    u32 h = (k * 2654435761u) >> (32 - HBITS);
    while (hst[h] == hcur)
        h = (h + 1) & (HSIZE - 1);
    hst[h] = hcur;
    hkey[h] = k;
    hval[h] = v;
}
static int hget(sref k)
{
    for (u32 h = (k * 2654435761u) >> (32 - HBITS); hst[h] == hcur; h = (h + 1) & (HSIZE - 1))
        if (hkey[h] == k)
            return hval[h];
    return -1;
}

static struct slot *cptr_of[MAXSLOT];
static u32 vis[MAXSLOT], vcur;
static int stk_s[MAXSLOT];
static u16 stk_d[MAXSLOT];
static long checks_done;

static u64 core_node_bytes(oref cs)
{
    u64 b = 0;
    for (int n = 0; n < NL2; n++)
        b += core_l2(cs, n) ? blk(CS_L2_BYTES) : 0;
    for (int n = 0; n < NLEAF; n++)
        b += core_leaf(cs, n) ? blk(CS_LEAF_BYTES) : 0;
    return b;
}

/* Rarely: the whole radix tree of every CSpace, and the whole free store. */
static void deep_check(void)
{
    for (int k = 0; k < nlv; k++) {  /* AddrSpace radix: only the nodes the model knows */
        const struct mobj *o = &mo[lv[k]];
        if (o->type != OBJ_ASPACE)
            continue;
        const struct cspace *c = amap(o->ref);
        for (u32 i = 0; i < (1u << CS_L1_BITS); i++) {
            if (!c->l1[i])
                continue;
            if (find(akl2, nakl2, i) < 0) {
                mfail("AddrSpace %d has a radix L2 node at l1[%u] nobody mapped to", lv[k], i);
                return;
            }
            const sref *l2 = (const sref *)sref_ptr(c->l1[i]);
            for (u32 j = 0; j <= L2_MASK; j++)
                if (l2[j] && find(akleaf, nakleaf, i << 8 | j) < 0) {
                    mfail("AddrSpace %d has a radix leaf at %u/%u nobody mapped to", lv[k], i, j);
                    return;
                }
        }
    }
    for (int k = 0; k < nlv; k++) {
        const struct mobj *o = &mo[lv[k]];
        if (o->type != OBJ_CSPACE)
            continue;
        const struct cspace *c = cspace_body(o->ref);
        for (u32 i = 0; i < (1u << CS_L1_BITS); i++) {
            if (!c->l1[i])
                continue;
            int n = 0;
            while (n < NL2 && kl2[n] != i)
                n++;
            if (n == NL2) {
                mfail("CSpace %d has an L2 node at l1[%u] nobody wrote to", lv[k], i);
                return;
            }
            const sref *l2 = (const sref *)sref_ptr(c->l1[i]);
            for (u32 j = 0; j <= L2_MASK; j++) {
                if (!l2[j])
                    continue;
                int m = 0;
                while (m < NLEAF && !(kleaf1[m] == i && kleaf2[m] == j))
                    m++;
                if (m == NLEAF) {
                    mfail("CSpace %d has a leaf at %u/%u nobody wrote to", lv[k], i, j);
                    return;
                }
            }
        }
    }
    u64 fb = 0;
    for (int k = 0; k <= STORE_MAX_ORDER; k++)
        for (sref r = store.free[k]; r; r = *(sref *)sref_ptr(r))
            fb += (u64)STORE_MIN << k;
    if (fb != store.free_bytes)
        mfail("free lists hold %llu bytes, store.free_bytes = %llu", (unsigned long long)fb,
              (unsigned long long)store.free_bytes);
}

/* Bytes of radix nodes and page tables of AddrSpace x, from the nodes the
 * model knows of (deep_check makes sure there are no others). */
static u64 core_as_bytes(oref x)
{
    u8 l2m, pt1m, pt0m;
    u16 leafm;
    core_as_masks(x, &l2m, &leafm, &pt1m, &pt0m);
    return (u64)__builtin_popcount(l2m) * blk(CS_L2_BYTES) + (u64)__builtin_popcount(leafm) * blk(CS_LEAF_BYTES) +
           (u64)aspace_body(x)->pt_pages * PAGE_BYTES;
}

/* C9, S3, S4 against the hardware page tables (a cache of the mapping
 * slots): every tracked page of every AddrSpace has a PTE iff the model has
 * a mapping there, pointing at that frame's page, with its rights; with
 * `walk`, the whole table too: no other PTE, no other table. */
static void check_ptes(bool walk)
{
    for (int k = 0; k < nlv && !failed; k++) {
        const struct mobj *o = &mo[lv[k]];
        if (o->type != OBJ_ASPACE)
            continue;
        const hal_pt_root *pt = &aspace_body(o->ref)->pt;
        for (int q = 0; q < NVP; q++) {
            int s = o->slot0 + q;
            u32 r = 0;
            u64 va = (u64)vpn_of[q] << 12;
            u8 *pg = hal_pt_lookup(pt, va, &r);
            if (!occupied(s) || !ms[s].pte) {
                if (pg) {
                    mfail("%s: the page table maps %p, but there is %s", sname(s), (void *)pg,
                          occupied(s) ? "a mapping whose entry was not refilled since the restart (P3)"
                                      : "no mapping");
                    return;
                }
                continue;
            }
            const struct mobj *f = &mo[ms[s].obj];
            u32 want = ms[s].rights & 7u;
            /* P2: with write tracking on, write access comes at the first write. */
            bool rights_ok = r == want || (store_track.on && r == (want & ~(u32)R_WRITE));
            if (f->state == OS_FREE || !pg || pg != frame_page(f->ref) || !rights_ok) {
                mfail("%s: PTE %p rights %x; model: frame %d (state %d) page %p rights %x", sname(s), (void *)pg, r,
                      ms[s].obj, f->state, f->state == OS_FREE ? NULL : frame_page(f->ref), want);
                return;
            }
            if ((want & R_WRITE) && rn(32) == 0) {
                /* The task writes (S4 checks new frames are zero; restarts
                 * that its writes after a checkpoint are forgotten): a page
                 * write-protected for P2 faults first and is made writable. */
                if (!(r & R_WRITE) && !aspace_refill(o->ref, va, R_WRITE)) {
                    if (slot_live(s)) {
                        mfail("%s: a write to a writable mapping faults for good (aspace_refill)", sname(s));
                        return;
                    }
                    continue;
                }
                pg[rn(PAGE_BYTES)] = (u8)(1 + rn(255));
            }
        }
        if (!walk || !pt->root)
            continue;
        for (u32 i = 0; i < 512; i++) {
            const u64 *l1 = pt_child(pt->root, i);
            if (!l1)
                continue;
            int m1 = find(akpt1, nakpt1, i);
            if (m1 < 0 || !(o->pt1m & (1u << m1))) {
                mfail("AddrSpace %d: an L1 page table for VA %#llx the model does not expect", lv[k],
                      (unsigned long long)i << 30);
                return;
            }
            for (u32 j = 0; j < 512; j++) {
                const u64 *l0 = pt_child(l1, j);
                if (!l0)
                    continue;
                u32 x = i << 9 | j;
                int m = find(akpt0, nakpt0, x);
                if (m < 0 || !(o->pt0m & (1u << m))) {
                    mfail("AddrSpace %d: an L0 page table for VA %#llx the model does not expect", lv[k],
                          (unsigned long long)x << 21);
                    return;
                }
                for (u32 e = 0; e < 512; e++) {
                    if (!(l0[e] & PTE_V))
                        continue;
                    u32 vpn = x << 9 | e;
                    int q = vpos(vpn);
                    if (q < 0 || !occupied(o->slot0 + q)) {
                        mfail("AddrSpace %d: a PTE at VA %#llx (-> %#llx) with no mapping", lv[k],
                              (unsigned long long)vpn << 12, (unsigned long long)l0[e]);
                        return;
                    }
                }
            }
        }
    }
}

static bool full_next;
void check_all_full(void)
{
    full_next = true;
    check_all();
}

void check_all(void)
{
    bool full = full_next;
    full_next = false;
    refresh();
    m_usage();
    checks_done++;

    /* Objects and banks. */
    for (int k = 0; k < nlv; k++) {
        int i = lv[k];
        const struct mobj *o = &mo[i];
        const struct obj *e = obj_get(o->ref);
        if (e->epoch != o->epoch || e->state != o->state || e->type != o->type) {
            mfail("object %d: core epoch/state/type %u/%u/%u, model %u/%u/%u", i, e->epoch, e->state, e->type,
                  o->epoch, o->state, o->type);
            return;
        }
        if (e->bank != (o->bank < 0 ? 0 : mo[o->bank].ref) || (o->bank >= 0 && mo[o->bank].state == OS_FREE)) {
            mfail("object %d: paid by core bank %u, model bank %d", i, e->bank, o->bank);
            return;
        }
        if (o->type == OBJ_BANK) {
            const struct bank *bk = bank_body(o->ref);
            if (bk->usage != use[i] || bk->limit != o->limit || bk->nobj != nob[i] || bk->depth != o->depth) {
                mfail("bank %d: usage/limit/nobj/depth core %llu/%llu/%u/%u, model %llu/%llu/%u/%u", i,
                      (unsigned long long)bk->usage, (unsigned long long)bk->limit, bk->nobj, bk->depth,
                      (unsigned long long)use[i], (unsigned long long)o->limit, nob[i], o->depth);
                return;
            }
            if (bk->usage > bk->limit) {
                mfail("bank %d over its limit", i);
                return;
            }
            /* The core's own books: usage = objects + sub-banks (S1). */
            u64 sum = (o->bank < 0 ? charge(OBJ_BANK) : 0);
            u32 cnt = 0;
            oref pr = 0;
            for (oref x = bk->head; x; pr = x, x = obj_get(x)->next) {
                const struct obj *xe = obj_get(x);
                int m = x < ntab ? ref2m[x] : -1;
                if (++cnt > bk->nobj || xe->prev != pr || m < 0 || mo[m].bank != i) {
                    mfail("bank %d: object list broken at object %u (model %d, count %u)", i, x, m, cnt);
                    return;
                }
                sum += ((u64)STORE_MIN << xe->order) + OBJ_PER_RAM + (xe->type == OBJ_CSPACE ? core_node_bytes(x) : 0) +
                       (xe->type == OBJ_ASPACE ? core_as_bytes(x) : 0) +
                       (xe->type == OBJ_FRAME && frame_body(x)->page ? PAGE_BYTES : 0) +
                       (xe->type == OBJ_BANK ? bank_body(x)->usage : 0);
            }
            if (cnt != bk->nobj || sum != bk->usage) {
                mfail("bank %d: usage %llu but objects + sub-banks = %llu (%u objects)", i,
                      (unsigned long long)bk->usage, (unsigned long long)sum, cnt);
                return;
            }
        } else if (o->type == OBJ_CSPACE) {
            u8 l2m = 0, leafm = 0;
            for (int n = 0; n < NL2; n++)
                l2m |= (u8)(core_l2(o->ref, n) << n);
            for (int n = 0; n < NLEAF; n++)
                leafm |= (u8)(core_leaf(o->ref, n) << n);
            u32 nodes = cspace_body(o->ref)->nodes;
            if (l2m != o->l2m || leafm != o->leafm ||
                nodes != (u32)__builtin_popcount(l2m) + (u32)__builtin_popcount(leafm)) {
                mfail("CSpace %d: radix nodes core %x/%x (%u), model %x/%x", i, l2m, leafm, nodes, o->l2m, o->leafm);
                return;
            }
        } else if (o->type == OBJ_ASPACE) {
            u8 l2m, pt1m, pt0m;
            u16 leafm;
            const struct aspace *as = aspace_body(o->ref);
            core_as_masks(o->ref, &l2m, &leafm, &pt1m, &pt0m);
            u32 pts = (u32)(o->ptroot + __builtin_popcount(o->pt1m) + __builtin_popcount(o->pt0m));
            if (l2m != o->al2m || leafm != o->aleafm || pt1m != o->pt1m || pt0m != o->pt0m ||
                (as->pt.root != NULL) != o->ptroot || as->pt_pages != pts ||
                as->map.nodes != (u32)(__builtin_popcount(l2m) + __builtin_popcount(leafm))) {
                mfail("AddrSpace %d: radix %x/%x (%u nodes), page tables %x/%x/%d (%u pages); model %x/%x, %x/%x/%d",
                      i, l2m, leafm, as->map.nodes, pt1m, pt0m, as->pt.root != NULL, as->pt_pages, o->al2m,
                      o->aleafm, o->pt1m, o->pt0m, o->ptroot);
                return;
            }
        } else if (o->type == OBJ_FRAME && (frame_body(o->ref)->page ? PAGE_BYTES : 0) != o->extra) {
            mfail("frame %d: page %s, model says %s", i, frame_body(o->ref)->page ? "present" : "freed",
                  o->extra ? "present" : "freed");
            return;
        } else if (o->type == OBJ_WRAPPER && wrapper_body(o->ref)->badge != o->wbadge) {
            mfail("wrapper %d: badge differs", i);
            return;
        } else if (o->type == OBJ_SCHEDCTX && o->state == OS_LIVE) {
            const struct schedctx *s = schedctx_body(o->ref);
            if (s->budget != o->sb || s->period != o->sp || s->remaining != o->sb || s->consumed || s->overruns ||
                s->thread || s->waiters || s->released) {
                mfail("SchedContext %d: budget/period/remaining %llu/%llu/%llu (consumed %llu, thread %u), model "
                      "%llu/%llu", i, (unsigned long long)s->budget, (unsigned long long)s->period,
                      (unsigned long long)s->remaining, (unsigned long long)s->consumed, s->thread,
                      (unsigned long long)o->sb, (unsigned long long)o->sp);
                return;
            }
        } else if (o->type == OBJ_NOTIFICATION && o->state == OS_LIVE) {
            const struct notification *n = ntfn_body(o->ref);
            if (n->word != o->word || n->head || n->waiting || n->bound) {
                mfail("notification %d: word %#llx (%u waiting, bound %u), model %#llx", i,
                      (unsigned long long)n->word, n->waiting, n->bound, (unsigned long long)o->word);
                return;
            }
        }
    }
    if (store.live_objs != (u32)nlv) {
        mfail("core has %u objects, model %d", store.live_objs, nlv);
        return;
    }
    /* The root bank's usage is the storage in use plus one entry per object. */
    if (store.free_bytes != root_limit - use[ROOT_BANK] + (u64)OBJ_PER_RAM * (u64)nlv) {
        mfail("free storage %llu, but root bank limit - usage + entries = %llu (storage no bank pays for)",
              (unsigned long long)store.free_bytes,
              (unsigned long long)(root_limit - use[ROOT_BANK] + (u64)OBJ_PER_RAM * (u64)nlv));
        return;
    }

    /* Slots, one by one. */
    hcur++;
    for (int k = 0; k < nact; k++) {
        int s = act[k];
        struct slot *cs = core_slot(s);
        cptr_of[s] = cs;
        if (cs)
            hput(slot_ref(cs), s);
        const struct mslot *m = &ms[s];
        if (!occupied(s)) {
            if (cs && cs->obj) {
                mfail("%s: core has a cap (object %u), model is empty", sname(s), cs->obj);
                return;
            }
            continue;
        }
        const struct mobj *o = &mo[m->obj];
        if (!cs || cs->obj != o->ref || cs->epoch != o->epoch) {
            mfail("%s: core names object %u/%u, model object %d (%u/%u)", sname(s), cs ? cs->obj : 0,
                  cs ? cs->epoch : 0, m->obj, o->ref, o->epoch);
            return;
        }
        if (cap_live(cs) != (o->state == OS_LIVE)) {  /* S3 */
            mfail("%s: core live=%d, model object state %d", sname(s), cap_live(cs), o->state);
            return;
        }
        if (cs->flags != (mo[m->owner].type == OBJ_ASPACE ? SLOT_MAPPING : 0)) {
            mfail("%s: flags %x", sname(s), cs->flags);
            return;
        }
        if (cs->rights != m->rights || cs->badge != m->badge) {
            mfail("%s: rights/badge core %x/%llx, model %x/%llx", sname(s), cs->rights,
                  (unsigned long long)cs->badge, m->rights, (unsigned long long)m->badge);
            return;
        }
    }

    /* The derivation lists, walked from their heads. */
    vcur++;
    int spot = (int)rn(8);
    for (int k = 0; k < nact; k++) {
        int h = act[k];
        struct slot *hs = cptr_of[h];
        if (!hs || !hs->obj || hs->prev)
            continue;
        sref cur = slot_ref(hs), prev = 0;
        int sp = 0, len = 0;
        while (cur) {
            int x = hget(cur);
            if (x < 0) {
                mfail("the list of %s reaches a slot outside every CSpace and wrapper", sname(h));
                return;
            }
            struct slot *xs = cptr_of[x];
            if (vis[x] == vcur) {
                mfail("%s reached twice (cycle or two lists)", sname(x));
                return;
            }
            vis[x] = vcur;
            if (xs->prev != prev || xs->obj != hs->obj || xs->epoch != hs->epoch) {
                mfail("list of %s: bad prev link or mixed objects at %s", sname(h), sname(x));
                return;
            }
            if (len ? xs->depth == 0 : xs->depth != 0) {
                mfail("list of %s: %s has depth %u at position %d", sname(h), sname(x), xs->depth, len);
                return;
            }
            while (sp && stk_d[sp - 1] >= xs->depth)
                sp--;
            int par = sp ? stk_s[sp - 1] : -1;
            if (ms[x].parent != par) {
                mfail("%s: core parent %s, model parent %s", sname(x), sname(par), sname(ms[x].parent));
                return;
            }
            if (len == spot && cap_parent(xs) != (par >= 0 ? cptr_of[par] : NULL)) {
                mfail("cap_parent(%s) disagrees with the list", sname(x));
                return;
            }
            stk_s[sp] = x;
            stk_d[sp++] = xs->depth;
            prev = cur;
            cur = xs->next;
            len++;
        }
    }
    for (int k = 0; k < nact; k++)
        if (occupied(act[k]) && vis[act[k]] != vcur) {
            mfail("%s is not reachable from the head of its list", sname(act[k]));
            return;
        }
    check_ptes(full || checks_done % 16 == 0);
    if ((full || checks_done % 1024 == 0) && !failed)
        deep_check();
    if ((full || checks_done % 256 == 0) && !failed) {  /* the core's own checker agrees */
        const char *why = kernel_check();
        if (why)
            mfail("kernel_check: %s", why);
    }
}

