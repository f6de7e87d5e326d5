/* SPDX-License-Identifier: BSD-2-Clause */
/* debug.h: the Debug object (docs/debug.md): the kernel's state as text on
 * the console, for whoever holds a cap to it.
 *
 * Exactly one exists, made at boot (kernel_init), paid for by the root bank
 * and given to the root task at ROOT_CAP_DEBUG. Like the System object it is
 * neither creatable nor destroyable, so a task reaches it only through a
 * cap the root task passed on: withholding that cap withholds everything.
 * Its methods (DEBUG_*) only print. A long dump is printed in calls of
 * bounded work (at most DEBUG_LINES lines and DEBUG_LOOKS objects, slots or
 * list nodes examined per call); the position to go on from is returned to
 * the caller (`next`), so the kernel keeps no state for a dump.
 *
 * Also here: the names of fault kinds, and the kernel's report when no
 * thread can ever run again (debug_idle). */
#ifndef TETHER_DEBUG_H
#define TETHER_DEBUG_H

#include "obj.h"

#define DEBUG_LOOKS 8192u    /* objects, slots, list nodes a dump call examines */
#define DEBUG_IDLE_NAMES 16u /* threads the idle report names (then a count)   */

/* Make the Debug object from bank b (at boot). 0 if b can't pay. */
oref debug_create(oref b);

/* "FAULT_READ" for FAULT_READ (faults.def); "FAULT_?" past the table. */
const char *debug_fault_name(u32 fault);

/* The machine found nothing to run. If no thread will ever run again (none
 * running or queued, and no refill due that gives a waiting thread time:
 * only the timer wakes the machine), print once
 *   tether: no runnable thread; blocked: thread N (what it waits on), ...
 * O(object table) when it prints, O(release queue) otherwise. It prints
 * again only after something could run in between. */
void debug_idle(void);
/* Forget that it printed (boot). */
void debug_reset(void);

struct inv;
int debug_invoke(struct inv *iv);

#endif
