/* SPDX-License-Identifier: BSD-2-Clause */
/* obj.h: kernel object table and object storage.
 *
 * Every kernel object (bank, CSpace, endpoint, wrapper, ...) is named by a
 * 32-bit index into the object table. The table entry holds the object's
 * epoch (S3: destroying an object bumps it, so every capability that carries
 * the old epoch is void at once, in O(1)), its type and state, the bank that
 * paid for it and its place in that bank's object list. The object's body
 * lives in the storage arena and is named by a 32-bit granule index, never a
 * pointer, so that the whole object space can later be checkpointed and paged
 * (P1..P4; see docs/design-notes.md).
 *
 * Storage is a binary buddy allocator over the RAM the machine gives
 * kernel_init(). Blocks are 2^k * STORE_MIN bytes; charges to banks are the
 * real block sizes (plus the table entry for objects). */
#ifndef TETHER_OBJ_H
#define TETHER_OBJ_H

#include "types.h"

#define GRANULE 32u        /* unit of a storage reference (ref = offset / 32) */
#define STORE_MIN 64u      /* smallest block the buddy allocator hands out     */
#define STORE_MAX_ORDER 16 /* largest block: 64 B << 16 = 4 MiB               */
#define OBJ_PER_RAM 512u   /* one table entry per 512 bytes of RAM             */

/* What a bank pays for an object's table entry (S1). The table has
 * ntab = bytes / OBJ_PER_RAM entries (entry 0 unused) for `bytes` of RAM; the
 * root bank's limit, the free arena, is below bytes - OBJ_PER_RAM (the table
 * itself takes more). Every object costs at least OBJ_PER_RAM and the root
 * bank's usage includes every bank's, so at most ntab - 1 objects are ever
 * live: banks meet their limits, never a full table (except for entries
 * retired by epoch wrap, each after 2^32 reuses; obj_alloc then fails). */
#define OBJ_ENTRY_CHARGE OBJ_PER_RAM

typedef u32 oref;  /* object table index; 0 = no object          */
typedef u32 sref;  /* storage reference: granule index; 0 = none */

enum obj_state { OS_FREE = 0, OS_LIVE = 1, OS_DYING = 2 };

struct obj {
    u32 live;       /* = epoch while OS_LIVE, OBJ_NOT_LIVE otherwise: a cap
                     * is live iff this equals its epoch (one compare)      */
    u32 epoch;      /* bumped when the object is destroyed (S3)              */
    sref body;      /* object storage                                        */
    oref bank;      /* the bank that paid for it (0 for the root bank)       */
    oref prev, next;/* the paying bank's object list; free list when free   */
    u8 type;        /* enum tether_objtype                                   */
    u8 state;       /* enum obj_state                                        */
    u8 order;       /* buddy order of the body                               */
    u8 pad;
    u32 watch;      /* registrations on caps to it (CS_WATCH, watch.h): a
                     * list walked when it is destroyed; 0: none          */
};
_Static_assert(sizeof(struct obj) == 32, "object table entry size (a power of two)");
#define OBJ_NOT_LIVE 0xffffffffu  /* never an epoch: entries retire before */

/* The whole storage state; one instance, set up by store_init(). */
struct store {
    u8 *base;          /* arena start; sref r is at base + r * GRANULE      */
    u64 bytes;         /* arena size                                        */
    u8 *map;           /* one byte per STORE_MIN block: free-block order+1  */
    sref free[STORE_MAX_ORDER + 1]; /* free lists per order                 */
    u64 free_bytes;
    struct obj *tab;   /* object table                                      */
    u32 ntab;          /* entries in the table                              */
    oref free_obj;     /* free list of table entries                        */
    u32 live_objs;
    u32 watches;       /* every revocation registration, a search tree by
                        * watched slot (watch.h); 0: none                   */
    /* All of the above lives in one page-aligned region (the kernel state a
     * checkpoint keeps, P1): [table][buddy map][page-table bits][arena]. */
    u8 *region;
    u64 region_bytes;
    u8 *ptbits;        /* one bit per arena page: a page-table page (P3)    */
};
extern struct store store;
/* Bumped when an object is rescinded or a cap removed: only then can a
 * running thread have lost its CSpace or AddrSpace (sched.c). A global of
 * its own: the scheduler's hot path reads it. */
extern u32 store_revocations;

/* The charge for an object whose body is a block of `order`: the block
 * plus its table entry. Storage it gains later (CSpace nodes, page tables,
 * a frame's page) is charged separately. */
static inline u64 obj_charge(int order) { return ((u64)STORE_MIN << order) + OBJ_ENTRY_CHARGE; }

/* Set up the table and the arena over [ram, ram + bytes). Returns the number
 * of bytes the table and the buddy map use (memory no bank pays for). */
u64 store_init(void *ram, u64 bytes);
/* Only the placement store_init would choose (pointers and sizes), with no
 * memory touched: a restore (persist.c) then reads the region back. */
void store_locate(void *ram, u64 bytes);

/* Dirty tracking for incremental checkpoints (P2, persist.c). While on,
 * every page of the region not written since the last checkpoint is
 * write-protected in the kernel's view (hal_track_*) and user mappings get
 * R_WRITE only on a first write (a grant, aspace_refill); each page written
 * since is in `list` once. */
struct track_grant {   /* no epoch: a grant on an AddrSpace since destroyed and
                        * remade only costs that one a fault */
    oref as;
    u32 vpn;
};
struct store_track {
    u32 on;
    u32 overflow;           /* a grant was not recorded (list full)       */
    u32 window;             /* a checkpoint is being written (store_cow)  */
    u32 pad;
    u8 *bits;               /* one bit per region page: written          */
    u32 *list;              /* those pages, in order                     */
    u64 n;
    struct track_grant *grants;
    u64 ngrants, maxgrants;
};
extern struct store_track store_track;
/* Region page `page` is being written: remember it (once per checkpoint). */
static inline void store_written(u64 page)
{
    u8 m = (u8)(1u << (page % 8));
    if (!(store_track.bits[page / 8] & m)) {
        store_track.bits[page / 8] |= m;
        store_track.list[store_track.n++] = (u32)page;
    }
}
/* Region page `page` is about to change while a checkpoint is being written
 * (P2): if that checkpoint still needs its contents, they are saved first
 * (persist.c: copied, or written out). */
void store_cow(u64 page);
/* Region page `page` is about to change: saved for the checkpoint being
 * written if it needs it, and remembered for the next one. */
static inline void store_changing(u64 page)
{
    if (__builtin_expect(store_track.window, 0))
        store_cow(page);
    store_written(page);
}
/* The page holding p will be written by a path that must not fault (a
 * thread's registers, saved by the trap entry): written, and writable. */
void store_writable(const void *p);

/* Page-table pages are a cache (P3): a checkpoint does not keep them. */
static inline u64 store_page_of(const void *p) { return (u64)((const u8 *)p - store.base) / 4096u; }
static inline void store_mark_pt(const void *p, bool on)
{
    u64 i = store_page_of(p);
    if (on)
        store.ptbits[i / 8] |= (u8)(1u << (i % 8));
    else
        store.ptbits[i / 8] &= (u8)~(1u << (i % 8));
}
static inline bool store_is_pt(u64 page) { return store.ptbits[page / 8] >> (page % 8) & 1; }

static inline void *sref_ptr(sref r) { return store.base + (u64)r * GRANULE; }
/* Does r name `size` bytes inside the arena? (The invariant checker runs on
 * restored, untrusted state: it follows no reference it has not bounded.) */
static inline bool sref_in_arena(sref r, u64 size)
{
    return r && (u64)r * GRANULE <= store.bytes && size <= store.bytes - (u64)r * GRANULE;
}
static inline sref ptr_sref(const void *p) { return (sref)(((const u8 *)p - store.base) / GRANULE); }
static inline struct obj *obj_get(oref o) { return &store.tab[o]; }
static inline void *obj_body(oref o) { return sref_ptr(store.tab[o].body); }

/* Bytes a block of `bytes` really takes (rounded up to a buddy block). */
u64 store_block_size(u64 bytes);
int store_order(u64 bytes);
/* Allocate / free raw storage (zeroed). Return 0 when no block is free. */
sref store_alloc(int order);
void store_free(sref r, int order);

/* Allocate a table entry and a zeroed body; the caller charges the bank.
 * Returns 0 if the table or the arena is exhausted. */
oref obj_alloc(u8 type, int order);
/* Release the body and the entry; the epoch is bumped so old caps are void. */
void obj_free(oref o);

#endif
