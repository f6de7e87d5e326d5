/* bootinfo.h: the page the riscv64 kernel maps read-only into every boot
 * task at BOOTINFO_VA. Shared by the kernel and user code (user/lib).
 *
 * TEMPORARY: the boot tasks and their table are scaffolding until the core
 * has Thread objects; then the root task learns about its threads through
 * capabilities and fault messages instead. */
#ifndef TETHER_RISCV_BOOTINFO_H
#define TETHER_RISCV_BOOTINFO_H

#define BOOTINFO_VA        0x7fff0000UL
#define BOOTINFO_MAGIC     0x54455448424f4f54UL   /* "TETHBOOT" */
#define BOOTINFO_MAX_TASKS 32

/* User address-space layout of a boot task (below USER_TOP = 256 GiB):
 *   0x00010000       the ELF image (user/lib/user.ld)
 *   ...              unmapped
 *   USER_STACK_TOP   stack: USER_STACK_PAGES pages below it, grows down
 *   BOOTINFO_VA      this page, read-only */
#define USER_STACK_TOP     0x7ff00000UL
#define USER_STACK_PAGES   4

/* Task states. */
#define TASK_FREE     0
#define TASK_RUNNABLE 1
#define TASK_EXITED   2   /* ended by ebreak (crt0 after main): status = a0 */
#define TASK_KILLED   3   /* any other fault: cause, tval, pc say what */

struct bootinfo_task {
    char name[16];
    unsigned int state;
    unsigned int cause;       /* scause of the fault that ended it */
    unsigned long tval;       /* stval: the faulting address or instruction */
    unsigned long pc;         /* where it faulted */
    unsigned long status;     /* exit status (TASK_EXITED) */
    unsigned long runs;       /* times it was switched to from another task */
};

struct bootinfo {
    unsigned long magic;
    unsigned long ram_base, ram_size;   /* from the device tree */
    unsigned long kernel_bytes;         /* _start.._end: no bank pays for it */
    unsigned long free_bytes;           /* RAM given to the core */
    unsigned long ticks;                /* timer interrupts so far */
    unsigned long ntasks;
    struct bootinfo_task task[BOOTINFO_MAX_TASKS];
};

#endif
