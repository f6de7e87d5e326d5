/* SPDX-License-Identifier: BSD-2-Clause */
/* predict.h: what each invocation must answer and change
 * (tests/model/predict.c). The model follows the decoders' check order
 * (kernel/core/{bank,cspace,aspace,invoke}.c) to predict the error code and
 * the plan the core performs; adopt.c then checks and takes over what the
 * core did. */
#ifndef TETHER_MODEL_PREDICT_H
#define TETHER_MODEL_PREDICT_H

#include "state.h"

/* One invocation, as a user task makes it. */
struct call {
    int ccs;           /* model id of the caller's CSpace */
    u32 cptr, label;
    u64 a[INVOKE_ARGS];
};

/* A resolved cap: its object, type, rights, badge, wrappers passed. */
struct mt { int obj; u8 type, rights; u64 badge; u32 wraps; };

enum kind { K_NONE, K_CREATE, K_WRAP, K_XFER, K_UNMAP, K_DESTROY, K_RESULTS, K_FLEX, K_AUNMAP, K_SC, K_NTFN, K_CKPT };
enum xop { X_COPY, X_MAP, X_GRANT };

struct plan {
    int rc;            /* the final answer (after a void destination is clean) */
    enum kind kind;
    int clean;         /* void destination slot cleaned first, -1 = none       */
    int dst, src;      /* model slot ids                                       */
    int dcs, b, target;/* model object ids                                     */
    int own;           /* BANK_DESTROY after a foreign one in progress (target):
                        * the call's own target, or -1                         */
    bool foreign;      /* ... such a call: after the target is gone, any answer */
    int type, xop, self, nres;
    bool mint;
    bool tree;         /* CS_TREE: r[1] is the least depth, TREE_FAR may come */
    u64 arg, badge, mask;
    u64 r[INVOKE_RESULTS];
    /* AddrSpaces: K_FLEX maps nfx (source slot, destination page, rights)
     * into AddrSpace fas; K_AUNMAP works on the occupied pages tg[]. */
    int fas, nfx, ntg;
    int fsrc[NVP], fdst[NVP], tg[NVP];
    u8 frt[NVP];
    /* K_SC: SC_CONFIGURE of object target to (badge = budget, mask =
     * period); K_NTFN: notification target's word becomes `badge`, with
     * results (K_RESULTS's r, nres) for NTFN_WAIT / NTFN_POLL. */
    /* K_CKPT: SYSTEM_CHECKPOINT, results r[0..nres) (generation, resumed);
     * or_io: a power cut is armed, so E_IO is a right answer too; or_nomem:
     * the store is small, so is E_NOMEM (it is full: nothing written). */
    bool or_io, or_nomem;
    const char *skip;  /* the call is not made (see do_call)             */
};

/* Predict call c into *p (needs m_usage() and store_counts() first). */
void predict(const struct call *c, struct plan *p);

/* The model's lookups, also used to pick arguments: */
/* cap_resolve on the model. */
int m_resolve(int sid, struct mt *t);
/* cspace_lookup: E_BADCAP or E_OK with *sid (-1: an address never written). */
int m_slot_at(int cs, u64 idx, int *sid);
/* The invoked cap cptr in CSpace ccs, resolved. */
int m_inv_lookup(int ccs, u64 cptr, struct mt *t);
/* Does any tracked slot have slot sid as its parent? */
bool has_child(int sid);

/* Storage the model keeps track of, as a perform adds it: */
/* CSpace cs gets the radix nodes position pos needs. */
void m_add_nodes(int cs, int pos);
/* Storage state of an AddrSpace (known radix nodes, page tables). */
struct asm_ { u8 l2m, pt1m, pt0m; u16 leafm; };
/* ... with what a mapping at page p needs added. */
void asm_add(struct asm_ *m, int p);
/* Page-table pages a mapping at page p still needs (2: an L1 and an L0
 * table, 1: an L0 table, 0). */
int pt_need(const struct asm_ *m, int p);
/* bank_can_charge on the model (E_OK, E_NOMEM, E_REVOKED), and charging
 * (sign +1) or uncharging bank b and its ancestors in use[]. */
int m_can_charge(int b, u64 bytes);
void m_charge_bank(int b, u64 bytes, int sign);

#endif
