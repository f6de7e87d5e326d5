/* SPDX-License-Identifier: BSD-2-Clause */
/* watch.c: revocation notification (T4, watch.h): registrations, the
 * search tree that finds them from their slots, and the rule. */
#include "watch.h"
#include "charge.h"
#include "cspace.h"
#include "notification.h"

static inline struct watch *W(sref r) { return (struct watch *)sref_ptr(r); }
static inline sref ref_of(const struct watch *w) { return slot_ref(&w->ncap); }

/* T4, the rule: a registration fires (its cap left the tree, or the object
 * the cap names is being destroyed): the kernel signals its notification
 * with its badge, as NTFN_SIGNAL would -- unless the notification or the
 * watching CSpace is gone (a registration dies with them, unsignalled). */
static void watch_signal(const struct watch *w)
{
    oref n = cap_obj_live(&w->ncap);
    if (n && obj_get(w->cs)->state == OS_LIVE)
        ntfn_notify(n, w->ncap.badge);
}

/* ---- the search tree (store.watches) ---------------------------------
 * A digital search tree on the slot reference: a node at depth d sits on
 * the path of bits 0..d-1 of its key (lowest first: neighbouring slots
 * part at once). Every node is a registration; keys are distinct, so no
 * path is longer than 33 nodes. */

/* The link that names key's registration, or the empty link where it
 * would go. */
static sref *tree_find(sref key)
{
    sref *p = &store.watches;
    for (u32 d = 0; *p && W(*p)->key != key; d++)
        p = &W(*p)->kid[(key >> (d & 31)) & 1];
    return p;
}

/* Take the registration at link p out of the tree: a leaf of its subtree
 * (its key shares the bits of p's path) takes its place. */
static void tree_remove(sref *p)
{
    struct watch *w = W(*p);
    sref *q = NULL;
    for (struct watch *x = w; x->kid[0] || x->kid[1];) {
        q = &x->kid[x->kid[0] ? 0 : 1];
        x = W(*q);
    }
    if (!q) {
        *p = 0;
        return;
    }
    sref leaf = *q;
    *q = 0;
    W(leaf)->kid[0] = w->kid[0];
    W(leaf)->kid[1] = w->kid[1];
    *p = leaf;
}

/* ---- the lists (an object's, a notification's) ------------------------ */

#define ON_OBJ  __builtin_offsetof(struct watch, on_obj)
#define ON_NTFN __builtin_offsetof(struct watch, on_ntfn)
static inline struct wlink *L(sref r, usize off) { return (struct wlink *)((u8 *)W(r) + off); }

static void list_push(u32 *head, sref r, usize off)
{
    L(r, off)->prev = 0;
    L(r, off)->next = *head;
    if (*head)
        L(*head, off)->prev = r;
    *head = r;
}

static void list_unlink(u32 *head, sref r, usize off)
{
    struct wlink *l = L(r, off);
    if (l->prev)
        L(l->prev, off)->next = l->next;
    else
        *head = l->next;
    if (l->next)
        L(l->next, off)->prev = l->prev;
}

/* ---- registrations ---------------------------------------------------- */

struct watch *watch_of(const struct slot *s)
{
    sref r = *tree_find(slot_ref(s));
    return r ? W(r) : NULL;
}

/* The registration's MAP of a notification cap, and its place on that
 * notification's list. */
static void set_ncap(struct watch *w, struct slot *nc)
{
    cap_map(nc, &w->ncap, nc->rights, nc->badge);
    w->ncap.flags = SLOT_WATCHER;
    list_push(&ntfn_body(nc->obj)->watches, ref_of(w), ON_NTFN);
}

static void drop_ncap(struct watch *w)
{
    list_unlink(&ntfn_body(w->ncap.obj)->watches, ref_of(w), ON_NTFN);
    w->ncap.flags = 0;
    cap_remove_leaf(&w->ncap);  /* nothing derives from it */
}

/* Unlink w from everything but its own cap; the caller frees it. */
static void unhook(struct watch *w)
{
    struct slot *s = slot_at(w->key);
    tree_remove(tree_find(w->key));
    list_unlink(&obj_get(s->obj)->watch, ref_of(w), ON_OBJ);
    s->flags &= (u8)~SLOT_WATCHED;
    cspace_body(w->cs)->watches--;
}

static void release(struct watch *w)
{
    oref bank = obj_get(w->cs)->bank;
    unhook(w);
    drop_ncap(w);
    bank_free_store(bank, ref_of(w), WATCH_BYTES);
}

void watch_set(oref cs, struct slot *s, struct slot *nc, sref r)
{
    struct watch *w;
    if (s->flags & SLOT_WATCHED) {  /* re-registering replaces */
        w = watch_of(s);
        drop_ncap(w);
    } else {
        w = W(r);
        w->key = slot_ref(s);
        w->kid[0] = w->kid[1] = 0;
        w->cs = cs;
        *tree_find(w->key) = r;
        list_push(&obj_get(s->obj)->watch, r, ON_OBJ);
        cspace_body(cs)->watches++;
        s->flags |= SLOT_WATCHED;
    }
    set_ncap(w, nc);
}

void watch_drop(struct slot *s)
{
    release(watch_of(s));
}

void watch_fire(struct slot *s)
{
    struct watch *w = watch_of(s);
    watch_signal(w);
    release(w);
}

void watch_cap_gone(struct slot *ncap)
{
    release((struct watch *)ncap);  /* the block's first field */
}

int watch_object_step(oref o, u32 *budget)
{
    while (obj_get(o)->watch) {
        if (*budget == 0)
            return E_CONTINUE;
        *budget -= *budget < WATCH_UNITS ? *budget : WATCH_UNITS;
        struct watch *w = W(obj_get(o)->watch);
        watch_signal(w);
        release(w);
    }
    return E_OK;
}

int watch_ntfn_step(oref n, u32 *budget)
{
    struct notification *nb = ntfn_body(n);
    while (nb->watches) {
        if (*budget == 0)
            return E_CONTINUE;
        *budget -= *budget < WATCH_UNITS ? *budget : WATCH_UNITS;
        release(W(nb->watches));
    }
    return E_OK;
}

/* Depth-first over the tree with an explicit stack (a path has at most
 * 33 nodes): fn sees each registration with its depth and the key bits of
 * its path. */
const char *watch_each(const char *(*fn)(const struct watch *w, u32 depth, u32 path))
{
    struct visit { sref r; u32 depth, path; } st[2 * 34];
    u32 n = 0;
    if (store.watches)
        st[n++] = (struct visit){store.watches, 0, 0};
    while (n) {
        struct visit e = st[--n];
        if (e.depth > 32)
            return "watch: search tree deeper than its keys allow";
        if (!sref_in_arena(e.r, WATCH_BYTES))
            return "watch: a search tree node outside the storage";
        const char *why = fn(W(e.r), e.depth, e.path);
        if (why)
            return why;
        for (u32 b = 0; b < 2; b++) {
            if (!W(e.r)->kid[b])
                continue;
            if (n == ARRAY_LEN(st))
                return "watch: search tree too wide to walk";
            st[n++] = (struct visit){W(e.r)->kid[b], e.depth + 1, e.path | b << (e.depth & 31)};
        }
    }
    return NULL;
}
