/* SPDX-License-Identifier: BSD-2-Clause */
/* tk.h: helpers to drive the core from host tests, as a user task would:
 * everything goes through kernel_invoke() with cap addresses. */
#ifndef TETHER_TK_H
#define TETHER_TK_H

#include "kernel.h"
#include "hal.h"
#include "charge.h"
#include "cap.h"
#include "cspace.h"
#include "wrapper.h"

extern struct kernel_boot tk;
extern u64 tk_r[INVOKE_RESULTS];

/* Boot a fresh kernel over `bytes` of host memory (previous one is freed). */
void tk_boot(u64 bytes);
/* Restart from the store's last checkpoint on new host memory of `bytes`
 * (kernel_resume): E_OK, or an error and nothing runs until tk_boot. */
int tk_resume(u64 bytes);
/* Invoke cap `cap` with `label` and up to six words. Returns E_*. */
int tk_inv(u32 cap, u32 label, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);
/* Same, repeating while the kernel answers E_CONTINUE; counts the calls. */
int tk_inv_all(u32 cap, u32 label, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, int *calls);

/* Shorthands in the root CSpace (ROOT_CAP_CSPACE is its own cap). */
#define CS ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK
int tk_create(u32 bank, u64 type, u32 dst, u64 arg);
int tk_copy(u32 dst, u32 src, u64 rights);
int tk_map(u32 dst, u32 src, u64 rights);
int tk_grant(u32 dst, u32 src, u64 rights);
int tk_mint(u32 dst, u32 src, u64 rights, u64 badge, u64 op);
int tk_unmap(u32 slot, int self);   /* runs to completion */
int tk_delete(u32 slot);            /* runs to completion */
int tk_destroy(u32 bank, u32 slot); /* runs to completion */
u32 tk_status(u32 slot);            /* SLOT_* via CS_INFO */
u64 tk_usage(u32 bank);
/* What an object with a body of `body` bytes costs its bank (S1): its buddy
 * block plus OBJ_ENTRY_CHARGE for its object-table entry. */
u64 tk_charge(u64 body);
struct slot *tk_slot(u32 slot);     /* direct view of a root-CSpace slot */
/* Parent slot index of slot (in the root CSpace), -1 for a root, -2 if the
 * parent is not in the root CSpace. */
long tk_parent(u32 slot);

/* Give the thread at root slot t CPU time of its own (T1): a SchedContext
 * from bank whose budget is its whole period (it never runs out), at root
 * slot TK_SC(t), bound to it. Returns E_*. */
#define TK_SC(t) (3000000u + (t))
int tk_time(u32 bank, u32 t);

/* The system-call register a<r> by position in the ABI (0: REG_MSGINFO,
 * 1..6: the message words, 7: REG_BADGE), for tests that model all eight. */
static inline u32 tk_areg(u32 r) { return r == 0 ? REG_MSGINFO : r <= MSG_WORDS ? REG_MSG(r - 1) : REG_BADGE; }

#endif
