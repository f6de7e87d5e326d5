/* SPDX-License-Identifier: BSD-2-Clause */
/* storeinfo.h: what tools/storeinfo reads that differs between the machines
 * a store may come from: the kernel_id, and a thread's layout (its saved
 * registers, struct hal_regs, come first). storeinfo.c fills in the host's;
 * storeinfo_rv64.c, compiled for the host with riscv64's hal_arch.h, gives
 * the riscv64 kernel's. */
#ifndef TETHER_STOREINFO_H
#define TETHER_STOREINFO_H

#include <stdint.h>

#define SI_THREAD_SLOTS 6  /* cspace, aspace, fault_ep, ntfn, sc, timeout_ep */

struct si_machine {
    const char *name;
    uint64_t kernel_id;
    uint64_t thread_bytes;
    uint64_t thread_slot[SI_THREAD_SLOTS];  /* offsets in struct thread */
    uint64_t globals_bytes;                 /* sizeof(struct kglobals)  */
};

#define SI_MACHINE(nm)                                                           \
    {                                                                            \
        nm, persist_kernel_id(), sizeof(struct thread),                          \
            {offsetof(struct thread, cspace), offsetof(struct thread, aspace),   \
             offsetof(struct thread, fault_ep), offsetof(struct thread, ntfn),   \
             offsetof(struct thread, sc), offsetof(struct thread, timeout_ep)},  \
            sizeof(struct kglobals)                                              \
    }

void si_rv64(struct si_machine *m);

#endif
