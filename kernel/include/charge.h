/* SPDX-License-Identifier: BSD-2-Clause */
/* charge.h: bank accounting, the layer below every object (S1).
 *
 * Every object, and every piece of kernel storage that grows with use
 * (CSpace nodes, mapping-table nodes, page tables), is charged to one bank
 * and to each of its ancestors; a charge that would take any of them over
 * its limit fails with E_NOMEM and changes nothing. This layer allocates
 * storage (obj.h) and charges it; it knows banks only as accounts (limit,
 * usage, object list), not as objects with methods (bank.h). */
#ifndef TETHER_CHARGE_H
#define TETHER_CHARGE_H

#include "bank.h"
#include <tether/abi.h>

/* Can bank b (and all its ancestors) pay `bytes` more? E_OK, E_NOMEM, or
 * E_REVOKED if b or an ancestor is being destroyed. */
int bank_can_charge(oref b, u64 bytes);
/* Add (or with uncharge, remove) bytes to b and all its ancestors. */
void bank_charge(oref b, u64 bytes);
void bank_uncharge(oref b, u64 bytes);

/* Allocate an object of `type` with a body of `size` bytes from bank b:
 * checks, allocates, charges and links it into b's list. */
int bank_alloc_obj(oref b, u8 type, u64 size, oref *out);
/* Raw storage charged to b (CSpace nodes, page tables). */
int bank_alloc_store(oref b, u64 size, sref *out);
void bank_free_store(oref b, sref r, u64 size);

/* A reservation: storage blocks allocated and charged before an operation
 * commits, so that the operation itself cannot fail half way (decode, then
 * perform). An operation that needs several blocks, possibly charged to
 * different banks with common ancestors, reserves all of them first; if any
 * reservation fails it drops the reservation and nothing changed. After the
 * perform it drops what it did not use (an over-estimate). */
#define RESERVE_MAX 32u
struct reserve {
    u32 n;
    struct { sref r; oref bank; u8 order; } b[RESERVE_MAX];
};
static inline void reserve_init(struct reserve *rs) { rs->n = 0; }
/* Reserve `count` blocks of `size` bytes charged to bank: E_OK, E_NOMEM
 * (bank limit, storage, or RESERVE_MAX), E_REVOKED. On error the blocks
 * reserved by this call are released again. */
int reserve_add(struct reserve *rs, oref bank, u64 size, u32 count);
/* Take a reserved block of `size` for bank (zeroed): 0 if none is left. */
sref reserve_take(struct reserve *rs, oref bank, u64 size);
/* Free and uncharge every block not taken. */
void reserve_drop(struct reserve *rs);

/* Is bank a equal to b or one of b's ancestors? */
bool bank_is_ancestor(oref a, oref b);

/* Unlink object o from its bank's list, uncharge it and free it (the last
 * step of destroying it, or the roll-back of a creation). */
static inline void bank_free_obj(oref o)
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

/* Create the root bank over all free storage (at boot). */
oref bank_create_root(void);

#endif
