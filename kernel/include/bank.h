/* bank.h: space banks (S1, S2).
 *
 * A bank has a limit and a usage. Every object, and every piece of kernel
 * storage that grows with use (CSpace nodes, later page tables and mapping
 * nodes), is charged to one bank and to each of its ancestors; a charge that
 * would take any of them over its limit fails with E_NOMEM and changes
 * nothing. usage(B) = charges of B's objects (obj_charge: body block and
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

#define BANK_MAX_DEPTH 32u /* nesting limit: charges walk every ancestor */

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

/* Destroy object o in steps: each call does at most *budget units of work
 * (removing a capability node, freeing a storage block or an object).
 * Returns E_OK when o is gone, E_CONTINUE otherwise. The first call rescinds
 * o (S3: every capability to it is void from then on). */
int obj_destroy_step(oref o, u32 *budget);

/* Create the root bank over all free storage (at boot). */
oref bank_create_root(void);

struct inv;
int bank_invoke(struct inv *iv);

#endif
