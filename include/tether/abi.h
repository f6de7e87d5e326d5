/* Tether ABI: the single definition shared by the kernel and user code.
 * Everything here is generated from the X-macro tables in this directory. */
#ifndef TETHER_ABI_H
#define TETHER_ABI_H

/* Error codes (errors.def). */
enum tether_error {
#define X(name, val, text) name = val,
#include <tether/errors.def>
#undef X
    E_COUNT
};

/* Object types (types.def). */
enum tether_objtype {
#define X(name, val, text) name = val,
#include <tether/types.def>
#undef X
    OBJ_COUNT
};

/* Invocation labels (labels.def). */
enum tether_label {
#define X(name, val, type, nin, nout, doc) name = val,
#include <tether/labels.def>
#undef X
};

/* System call numbers (syscalls.def). */
enum tether_syscall {
#define X(name, val, doc) name = val,
#include <tether/syscalls.def>
#undef X
};

/* Fault kinds (faults.def). */
enum tether_fault {
#define X(name, val, text) name = val,
#include <tether/faults.def>
#undef X
    FAULT_COUNT
};

/* Thread states (THREAD_INFO r0). */
#define THREAD_INACTIVE 0u  /* created or suspended          */
#define THREAD_RUNNABLE 1u  /* started: running or ready     */
#define THREAD_FAULTED  2u  /* stopped by a fault (r1..r3)   */

/* Rights on a capability (C1: every transfer may only remove rights). */
#define R_READ   0x1u  /* read slots / query                     */
#define R_WRITE  0x2u  /* modify: write slots, allocate, destroy  */
#define R_EXEC   0x4u  /* (memory) execute                        */
#define R_GRANT  0x8u  /* (IPC) may carry capabilities            */
#define R_ALL    0xfu

/* Cap addresses: a cap address is an index into a CSpace; CSpaces are
 * three-level radix trees of 8 + 8 + 6 bits, so an index must be below
 * CAP_ADDR_LIMIT, otherwise E_BADCAP. */
#define CAP_ADDR_BITS   22u
#define CAP_ADDR_LIMIT  (1u << CAP_ADDR_BITS)

/* Status of a slot, as returned by CS_INFO in r0. */
#define SLOT_EMPTY  0u  /* nothing there                                  */
#define SLOT_VOID   1u  /* the object was destroyed: acts as empty (S3)   */
#define SLOT_LIVE   2u

/* MINT op argument. */
#define MINT_COPY 0u
#define MINT_MAP  1u

/* Well-known cap addresses in the root task's CSpace (given at boot). */
#define ROOT_CAP_CSPACE  1u  /* the root task's own CSpace  */
#define ROOT_CAP_BANK    2u  /* the root bank (all free RAM) */
#define ROOT_CAP_ASPACE  3u  /* the root task's AddrSpace    */
#define ROOT_CAP_THREAD  4u  /* the root task's first thread */
#define ROOT_CAP_FIRST_FREE 16u

/* Priority of the root task's first thread (0..255, higher runs first). */
#define ROOT_THREAD_PRIO 100u

/* Number of argument words an invocation carries in, and results out. */
#define INVOKE_ARGS 6u
#define INVOKE_RESULTS 4u

#endif
