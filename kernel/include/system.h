/* SPDX-License-Identifier: BSD-2-Clause */
/* system.h: the System object (docs/design.md §2): the machine-wide authority.
 *
 * Exactly one exists, made at boot (kernel_init), paid for by the root bank
 * and given to the root task at ROOT_CAP_SYSTEM. Powering the machine off
 * and checking the kernel's invariants are methods on it, so only a holder
 * of a cap to it can do them. It has no state: its body is the smallest
 * block. BANK_CREATE does not make it and BANK_DESTROY refuses it. */
#ifndef TETHER_SYSTEM_H
#define TETHER_SYSTEM_H

#include "obj.h"

/* Make the System object from bank b (at boot). 0 if b can't pay. */
oref system_create(oref b);

struct inv;
int system_invoke(struct inv *iv);

#endif
