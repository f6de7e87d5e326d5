/* hostile_table.c: what each hostile task does, and how it must end. Each
 * runs as its own task; the kernel must end it (or preempt it) and go on. */
#include "bootinfo.h"
#include "hostile.h"
#include "tether.h"

#define KERNEL_VA   0xffffffc080200000UL
#define UNMAPPED_VA 0x50000000UL
#define NONCANON_VA 0x8000000000UL

static void illegal(void) { __asm__ volatile(".word 0"); }
static void priv_csr(void) { __asm__ volatile("csrw satp, zero"); }
static void sret_user(void) { __asm__ volatile("sret"); }
static void load_kernel(void) { (void)*(volatile long *)KERNEL_VA; }
static void store_kernel(void) { *(volatile long *)KERNEL_VA = 1; }
static void jump_kernel(void) { ((void (*)(void))KERNEL_VA)(); }
static void load_unmapped(void) { (void)*(volatile long *)UNMAPPED_VA; }
static void store_unmapped(void) { *(volatile long *)UNMAPPED_VA = 1; }
static void jump_unmapped(void) { ((void (*)(void))UNMAPPED_VA)(); }
static void load_noncanon(void) { (void)*(volatile long *)NONCANON_VA; }
static void store_text(void) { *(volatile long *)(unsigned long)&illegal = 1; }
static void store_bootinfo(void) { *(volatile long *)BOOTINFO_VA = 1; }
static void exit7(void) { exit(7); }
static void spin(void) { for (;;) __asm__ volatile(""); }

#define ILL  2   /* scause values */
#define FPF 12
#define LPF 13
#define SPF 15

const struct hostile hostile_tests[] = {
    { "illegal_instruction", illegal, TASK_KILLED, ILL },
    { "privileged_csr_write", priv_csr, TASK_KILLED, ILL },
    { "sret_in_user_mode", sret_user, TASK_KILLED, ILL },
    { "load_kernel_address", load_kernel, TASK_KILLED, LPF },
    { "store_kernel_address", store_kernel, TASK_KILLED, SPF },
    { "jump_kernel_address", jump_kernel, TASK_KILLED, FPF },
    { "load_unmapped", load_unmapped, TASK_KILLED, LPF },
    { "store_unmapped", store_unmapped, TASK_KILLED, SPF },
    { "jump_unmapped", jump_unmapped, TASK_KILLED, FPF },
    { "load_noncanonical", load_noncanon, TASK_KILLED, LPF },
    { "store_own_text", store_text, TASK_KILLED, SPF },
    { "store_readonly_bootinfo", store_bootinfo, TASK_KILLED, SPF },
    { "exit_with_status_7", exit7, TASK_EXITED, 7 },
    { "spin_forever_is_preempted", spin, TASK_RUNNABLE, 0 },
};
const unsigned hostile_count = sizeof hostile_tests / sizeof hostile_tests[0];
