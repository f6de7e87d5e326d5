/* SPDX-License-Identifier: BSD-2-Clause */
/* module.h: starting boot modules as tasks of their own (libtether).
 *
 * A boot module is a program of the boot image (user/<dir>, listed in
 * UPROGS of mk/riscv64.mk). The root task finds each in its boot
 * information (tether_bootinfo: name, size, entry, the cap addresses of the
 * read-only frames that hold its ELF file). module_start makes it a task:
 *
 *   bank       a new sub-bank of parent_bank with the given limit; it pays
 *              for everything below (S1), so destroying it ends the task
 *   CSpace, AddrSpace, thread, SchedContext (its whole period: it never
 *              runs out), an endpoint to its starter (unless opts->ep)
 *   text, rodata  MAPped read-only (R|X, R) from the module's frames:
 *              shared by every task of that module, never copied
 *   data, bss  frames of the bank, data copied from the file, bss zero
 *   stack      USER_STACK_PAGES frames below USER_STACK_TOP, a struct
 *              tether_modinfo at its top
 *
 * and caps in its CSpace at the well-known addresses MODULE_CAP_*
 * (<tether/abi.h>): its CSpace, bank, AddrSpace, thread, SchedContext, a
 * badged endpoint cap to the starter (MODULE_CAP_PARENT), optionally one
 * cap of the starter's choice (MODULE_CAP_ARG); every one a MAP of the
 * starter's cap, so the starter can UNMAP it. Its thread's faults go to the
 * starter's endpoint too, with the same badge. The program uses the normal
 * libtether (crt0, printf, thread_spawn, task_create); main's return is
 * its exit status (exit(): module_wait reports it).
 *
 * The caller needs the module's frame caps and the boot information (the
 * root task has them), its own AddrSpace at ROOT_CAP_ASPACE of its CSpace
 * (a thread of the root task, not of a task_create task), and pays for
 * nothing of the new task but the caps of `slots` (and,
 * once per module, a read-only view of its file in its own AddrSpace at
 * stage_alloc'd addresses, task.h). */
#ifndef LIBTETHER_MODULE_H
#define LIBTETHER_MODULE_H

#include <stdint.h>
#include "tether.h"

/* module_start uses MODULE_SLOTS consecutive cap addresses of the caller's
 * CSpace, from `slots`, each empty (or a void cap with nothing derived from
 * it): struct module names them. */
#define MODULE_SLOTS 7u
/* The priority of a module's thread unless opts->prio says otherwise: below
 * the root's, so a starter that does not block runs first. */
#define MODULE_PRIO 50u

struct module {
    /* cap addresses in the caller's CSpace */
    uint32_t bank;     /* slots + 0: its bank (a sub-bank of parent_bank) */
    uint32_t cs;       /* slots + 1: its CSpace                           */
    uint32_t as;       /* slots + 2: its AddrSpace                        */
    uint32_t thread;   /* slots + 3: its first thread                     */
    uint32_t sc;       /* slots + 4: that thread's SchedContext           */
    uint32_t ep;       /* slots + 5, or opts->ep: where its end arrives   */
    uint32_t scratch;  /* slots + 6: kept empty                           */
    uint64_t badge;    /* the badge of its MODULE_CAP_PARENT              */
    uint64_t entry;
    const struct tether_module_info *info;  /* its boot information entry */
    /* module_wait, when its thread faulted: */
    uint64_t fault_addr, fault_pc;
};

/* Choices module_start takes; NULL, or fields left 0, for the defaults. */
struct module_opts {
    unsigned prio;      /* its thread's priority, 1..255 (0: MODULE_PRIO); at most the caller's */
    uint32_t ep;        /* cap address of an endpoint (of the caller, R_WRITE | R_GRANT at least)
                         * its MODULE_CAP_PARENT and faults go to, e.g. one shared by several
                         * modules (0: a new one from the module's bank, at slots + 5) */
    uint64_t badge;     /* the badge of its MODULE_CAP_PARENT, below MODULE_FAULT_BADGE (0: 1) */
    uint32_t give;      /* cap address of a cap to MAP to its MODULE_CAP_ARG (0: none) */
    uint64_t arg[4];    /* tether_modinfo->arg in the module */
    int no_start;       /* 1: made but not started (THREAD_START m->thread starts it) */
};

/* The boot information's entry for `name`, or NULL (none: no such module,
 * the kernel refused it, or this is not the root task). */
const struct tether_module_info *module_find(const char *name);

/* Start module `name` as a task paid for by a new sub-bank of parent_bank
 * with `limit` bytes; *m names what was made. Returns E_OK; E_EMPTY if
 * there is no module of that name (module_find); E_INVAL for a NULL name or
 * m, a bad priority or badge, or a module file that is not what the kernel
 * checked; E_FULL if one of the slots holds a live cap (then nothing is
 * done); else the error of the first call that failed (E_NOMEM: the limit
 * is too small). On an error nothing is left: the bank is destroyed and the
 * slots are empty again. */
long module_start(const char *name, uint32_t parent_bank, uint64_t limit, uint32_t slots,
                  const struct module_opts *opts, struct module *m);

/* Wait on m->ep for m's end: E_OK and *status = its exit status (exit() or
 * main's return), or E_FAULT and *status = the fault kind (FAULT_*; its
 * address and pc in m->fault_addr, m->fault_pc) if its first thread took a
 * fault. Messages with another badge or label are not answered and are
 * skipped (a module that talks to its starter needs a loop of its own:
 * module_end_of tells its end apart). Other errors: those of recv. */
long module_wait(struct module *m, long *status);
/* Is msg (received on m->ep) m's end? Then 1 and as module_wait. */
int module_end_of(struct module *m, const struct tether_msg *msg, long *err, long *status);

/* End it: destroy its bank (everything it paid for; S2) and empty the
 * caller's slots. E_OK or the error of BANK_DESTROY. */
long module_destroy(struct module *m, uint32_t parent_bank);

/* The value of `key=value` in the boot arguments (tether_bootinfo->cmdline,
 * words separated by spaces), copied NUL-terminated into buf: its length,
 * or -1 if there is none (or it does not fit). */
int boot_arg(const char *key, char *buf, unsigned size);

#endif
