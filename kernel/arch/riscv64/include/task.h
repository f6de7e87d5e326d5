/* task.h: boot tasks, the riscv64 stand-in for core Thread objects.
 *
 * TEMPORARY SCAFFOLDING. Each boot image (images_*.S) becomes a task with its
 * own address space, run round robin with timer preemption. A fault ends the
 * task, never the kernel. When the core has Thread/AddrSpace/SchedContext,
 * this file goes away: faults become messages to fault endpoints (I5). */
#ifndef TETHER_TASK_H
#define TETHER_TASK_H

#include "hal_arch.h"

struct task {
    struct hal_regs regs;     /* saved user context (trap.S) */
    hal_pt_root pt;
    unsigned id;              /* index in the task table and in bootinfo */
    u32 cspace;               /* the core's CSpace object (oref); 0 = none */
};

/* The boot images linked into this kernel (images_*.S). */
struct boot_image {
    const char *name;
    const u8 *start, *end;    /* an ELF file */
    u64 arg;                  /* passed in a0 */
};
extern const struct boot_image boot_images[];
extern const u64 boot_nimages;

extern struct task *current;

/* Load every boot image, using pages from [*free_pa, free_end); advances
 * *free_pa past what it used. */
void tasks_create(u64 *free_pa, u64 free_end, u64 ram_base, u64 ram_size);
void task_set_cspace(unsigned id, u32 cspace);   /* the core's CSpace oref */
_Noreturn void task_run_next(void);       /* switch round robin and leave */
_Noreturn void task_end(struct task *t, unsigned state, u64 cause, u64 tval);
void task_tick(void);                     /* count a timer interrupt */

/* elf.c: load an ELF image into pt; entry point in *entry. E_OK or E_INVAL
 * (malformed image), E_NOMEM. */
int elf_load(hal_pt_root *pt, const u8 *img, usize size, u64 *entry,
             hal_page_alloc alloc, void *ctx);

#endif
