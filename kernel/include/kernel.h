/* kernel.h: how a machine enters the portable core. */
#ifndef TETHER_KERNEL_H
#define TETHER_KERNEL_H

#include "obj.h"

struct kernel_boot {
    oref root_bank;      /* all storage                                   */
    oref root_cs;        /* the root task's CSpace                        */
    u64 unpaid_bytes;    /* object table + allocator map: paid by no bank */
};

/* Build the object store over [ram, ram + bytes), the root bank and the
 * root CSpace with its well-known caps (ROOT_CAP_* in <tether/abi.h>). */
int kernel_init(void *ram, u64 bytes, struct kernel_boot *boot);

/* Invoke the cap at cap address (cap_label & 0xffffffff) of CSpace caller_cs
 * with label (cap_label >> 32), INVOKE_ARGS words in args and INVOKE_RESULTS
 * words out. Returns an E_* code; E_CONTINUE means "call again". */
int kernel_invoke(oref caller_cs, u64 cap_label, const u64 *args, u64 *results);

/* kernel printf (%s %c %d %u %x %lu %lx %llu %llx %p). */
void kprintf(const char *fmt, ...);

#endif
