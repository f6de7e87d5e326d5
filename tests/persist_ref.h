/* SPDX-License-Identifier: BSD-2-Clause */
/* persist_ref.h: a reference copy of the system at a checkpoint, and the
 * object-by-object comparison of a restored system with it (the
 * persistence tests: t_persist.c, t_attack.c). */
#ifndef TETHER_TESTS_PERSIST_REF_H
#define TETHER_TESTS_PERSIST_REF_H

#include "obj.h"

/* The region, the globals that matter. */
struct persist_ref {
    u8 *region;
    u64 bytes, arena_off;
    u32 ntab;
    oref cur;
    u64 now;
};
extern struct persist_ref ref;

/* ref becomes a copy of the running system (the old copy is freed). */
void take_ref(void);
/* The running system is ref, object by object (CHECKs): the table, then
 * every live object's body (what a restore may change, and only that, is
 * left out: page tables, and the charges for them). */
void check_same_as_ref(void);
/* A copy of the running system kept apart from ref (ref is left empty). */
struct persist_ref keep_ref(void);
/* After a checkpoint from generation gen (cut by the power or not, `cut`)
 * and a restart: the system is the one at its pause (ref) if its header
 * landed, else the committed one kept before (it becomes ref); *committed
 * is freed either way. True: it landed. */
bool check_restored(u64 gen, bool cut, struct persist_ref *committed);

#endif
