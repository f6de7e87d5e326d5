/* SPDX-License-Identifier: BSD-2-Clause */
/* state.h: the reference model's state (tests/model/state.c): the tracked
 * slot positions and pages, the model's objects and slots, the banks' usage
 * computed from them, and the sizes the core charges (S1). Plain arrays, an
 * explicit parent per slot. */
#ifndef TETHER_MODEL_STATE_H
#define TETHER_MODEL_STATE_H

#include "tk.h"

/* ---- config ---- */
#define RAM_BYTES (4u << 20) /* small, so that storage runs out now and then */
#define NPOS 64              /* tracked slot indices per CSpace               */
#define MAXOBJ 3000          /* model objects per boot                        */
#define MAXSLOT 40000
#define MAX_CSPACES 16       /* non-free CSpaces at a time (bounds the checks) */
#define MAX_LIVE 400         /* non-free objects at a time                    */
#define MAX_ASPACES 6        /* non-free AddrSpaces at a time                 */
#define MAXPEND 4            /* half-done operations kept for later           */

/* ---- tracked CSpace positions ----
 * Tracked slot positions and the cap address each one stands for: one leaf,
 * a second leaf under the same L2 node, a leaf under another L2 node, and
 * the last four addresses. Every other address below CAP_ADDR_LIMIT is only
 * ever read (it stays empty). */
#define NL2 3
#define NLEAF 4
#define L2_SHIFT (CS_L2_BITS + CS_LEAF_BITS)
#define L2_MASK ((1u << CS_L2_BITS) - 1)
extern u32 pidx[NPOS];                     /* position -> cap address          */
extern const u32 kl2[NL2];                 /* l1 indices of the known L2 nodes */
extern u32 kleaf1[NLEAF], kleaf2[NLEAF];   /* (l1, l2) of the known leaves     */
extern u8 leaf_l2[NLEAF], pos_l2[NPOS], pos_leaf[NPOS];
extern const u32 untracked[4];             /* in range but never written       */
void init_positions(void);
/* Position of cap address idx, or -1. */
int pos_of(u64 idx);

/* ---- tracked AddrSpace pages ----
 * NOFF offsets in each of NBLK blocks of 256 pages (see state.c), and the
 * radix nodes and page tables they use. */
#define NBLK 5
#define NOFF 10
#define NVP (NBLK * NOFF)
#define ANL2 4
#define ANLEAF 12
#define ANPT1 4
#define ANPT0 6
extern const u32 vblk[NBLK];
extern const u32 voff[NOFF];
extern u32 vpn_of[NVP];                    /* position -> page number           */
extern u32 akl2[ANL2], akleaf[ANLEAF], akpt1[ANPT1], akpt0[ANPT0];
extern int nakl2, nakleaf, nakpt1, nakpt0;
extern u8 vp_l2[NVP], vp_leaf[NVP], vp_pt1[NVP], vp_pt0[NVP];
void init_vpages(void);
/* Index of v in arr[0..n), or -1. */
int find(const u32 *arr, int n, u32 v);
/* Tracked position of page vpn, or -1. Positions are in vpn order. */
int vpos(u64 vpn);

/* ---- objects and slots ---- */
struct mobj {
    u8 type, state;     /* OBJ_*, OS_LIVE / OS_DYING / OS_FREE               */
    u8 l2m, leafm;      /* CSpace: which known radix nodes exist (bit masks) */
    int bank;           /* model id of the paying bank; -1 for the root bank */
    oref ref;           /* the core's object, mapped at creation             */
    u32 epoch;
    u32 depth;          /* bank nesting                                      */
    u64 bsize;          /* its charge: body block + table entry (S1)         */
    u64 limit;          /* bank                                              */
    int slot0;          /* CSpace: model slot ids slot0 .. slot0+NPOS-1      */
    int tslot;          /* wrapper: model slot id of the target              */
    u64 wbadge;         /* wrapper badge                                     */
    u64 extra;          /* Frame: its page while it has one              */
    u8 al2m, pt1m, pt0m, ptroot; /* AddrSpace: radix L2 nodes, page tables */
    u16 aleafm;         /* AddrSpace: radix leaves                        */
    u64 sb, sp;         /* SchedContext: budget, period (0: never configured) */
    u64 word;           /* notification: the badges signalled, not yet taken */
};
struct mslot {
    int obj;            /* model object id, -1 = empty                       */
    int parent;         /* model slot id, -1 = a root                        */
    int owner, pos;     /* CSpace (or wrapper) it lives in, position         */
    u64 badge;
    u8 rights;
    u8 pte;             /* AddrSpace page: its page-table entry is loaded
                         * (P3: a cache; a restart empties it, a refill or
                         * a new mapping loads it)                         */
};

extern struct mobj mo[MAXOBJ];
extern int no;
extern struct mslot ms[MAXSLOT];
extern int ns;
extern int *ref2m;      /* core object index -> model id of the non-free object */
extern u32 ntab;
extern u64 root_limit;
#define ROOT_BANK 0
#define ROOT_CS 1

/* Non-free objects and the slots they hold, rebuilt by refresh() when
 * objects change (lv_dirty). */
extern int lv[MAXOBJ], nlv;
extern int act[MAXSLOT], nact;
extern bool lv_dirty;
void refresh(void);

static inline bool occupied(int sid) { return sid >= 0 && ms[sid].obj >= 0; }
static inline bool slot_live(int sid) { return occupied(sid) && mo[ms[sid].obj].state == OS_LIVE; }

/* A new model object for the core's object ref, with its empty slots. */
int new_obj(int type, int bank, oref ref);

/* ---- sizes (S1) ---- */
u64 blk(u64 n);         /* the buddy block for n bytes */
int ord(u64 n);         /* its order */
u64 body_size(int type);
/* What a new object of `type` costs its bank: its body's block and
 * OBJ_PER_RAM bytes for its object-table entry (S1). */
u64 charge(int type);
/* Storage an object has beyond its body: CSpace nodes, page tables. */
u64 node_bytes(const struct mobj *o);

/* ---- banks ---- */
/* Usage and object count of every bank, computed from scratch by m_usage. */
extern u64 use[MAXOBJ];
extern u32 nob[MAXOBJ];
void m_usage(void);
bool m_is_ancestor(int a, int b);
/* Does destroying object t destroy object i? */
bool m_destroys(int t, int i);

#endif
