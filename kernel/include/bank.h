/* SPDX-License-Identifier: BSD-2-Clause */
/* bank.h: space banks (S1, S2): the Bank object; its accounting is the
 * layer below every object (charge.h).
 *
 * A bank has a limit and a usage. Every object, and every piece of kernel
 * storage that grows with use (CSpace and mapping-table nodes, page tables,
 * a frame's page), is charged to one bank and to each of its ancestors; a
 * charge that would take any of them over its limit fails with E_NOMEM and
 * changes nothing. usage(B) = charges of B's objects (obj_charge: body block and
 * table entry) + the storage they gained since + usage of B's sub-banks.
 * Destroying a bank destroys everything allocated from it and from its
 * sub-banks, in bounded restartable steps (obj_destroy_step).
 *
 * A long BANK_DESTROY is one call to user code: the invoked bank records the
 * destruction it has in progress (struct bank_pending), and every
 * BANK_DESTROY through that bank continues it first, before looking at its
 * own arguments, because the destruction may remove the very slot, or the
 * CSpace, that named the object (a frame's cap goes with the frame's
 * subtree; a bank may pay for the CSpace its cap is in). The call that
 * started it (same caller CSpace, same arguments) returns E_OK when it is
 * done; any other call then goes on with its own arguments. A record whose
 * object was finished by someone else (its epoch moved on) is stale and
 * dropped; a bank's record goes with the bank. */
#ifndef TETHER_BANK_H
#define TETHER_BANK_H

#include "obj.h"

/* BANK_MAX_DEPTH (abi.h) bounds the nesting: charges walk every ancestor. */

/* The destruction a bank's BANK_DESTROY has in progress (obj 0: none). */
struct bank_pending {
    oref obj;       /* the object being destroyed, with its epoch          */
    u32 epoch;
    oref cs;        /* the starting call: caller's CSpace, with its epoch, */
    u32 cs_epoch;
    u32 cscap, idx; /* and its arguments (CSpace cap address, slot index)  */
};

struct bank {
    u64 limit;      /* bytes this bank may use (including sub-banks)   */
    u64 usage;      /* bytes charged to it now                         */
    oref head;      /* list of objects allocated from it (obj.next)    */
    u32 nobj;       /* number of objects in that list                  */
    u32 depth;      /* 0 for the root bank                             */
    struct bank_pending pending;
};

static inline struct bank *bank_body(oref b) { return (struct bank *)obj_body(b); }

/* Destroy every object bank b paid for (and its sub-banks' objects, as
 * they are objects of b): the reap step of a bank (objtype.def). */
int bank_reap_step(oref b, u32 *budget);
/* After a bank's body is allocated from parent: its limit and depth. */
int bank_init(oref o, oref parent, u64 limit);

struct inv;
int bank_invoke(struct inv *iv);

#endif
