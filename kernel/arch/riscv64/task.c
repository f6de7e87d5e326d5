/* task.c: boot tasks (TEMPORARY scaffolding, see task.h).
 *
 * Memory for boot tasks -- page tables, image pages, stacks, the bootinfo
 * page -- comes from a bump allocator over the start of free RAM, *before*
 * the rest of RAM is handed to the core (kernel_init). Page tables are built
 * through the same hal_pt_map callback interface the core will use with a
 * bank-charging allocator. */
#include <tether/abi.h>
#include "bootinfo.h"
#include "hal.h"
#include "kernel.h"
#include "riscv.h"
#include "task.h"
#include "vm.h"

static struct task tasks[BOOTINFO_MAX_TASKS];
static unsigned ntasks;
static struct bootinfo *bootinfo;   /* kernel address of the shared page */
struct task *current;

struct boot_mem {
    u64 next, end;                  /* physical, page aligned */
};

static void *boot_page(void *ctx)
{
    struct boot_mem *m = ctx;
    if (m->end - m->next < PAGE_SIZE)
        return NULL;
    void *p = P2V(m->next);
    m->next += PAGE_SIZE;
    hal_zero(p, PAGE_SIZE);
    return p;
}

static int map_new_page(hal_pt_root *pt, u64 va, u32 rights, struct boot_mem *m)
{
    void *page = boot_page(m);
    return page ? hal_pt_map(pt, va, page, rights, boot_page, m) : E_NOMEM;
}

static int task_load(struct task *t, const struct boot_image *img, struct boot_mem *m)
{
    u64 entry;
    int err = hal_pt_create(&t->pt, boot_page, m);
    if (!err)
        err = elf_load(&t->pt, img->start, img->end - img->start, &entry, boot_page, m);
    for (u64 i = 1; !err && i <= USER_STACK_PAGES; i++)
        err = map_new_page(&t->pt, USER_STACK_TOP - i * PAGE_SIZE, R_READ | R_WRITE, m);
    if (!err)
        err = hal_pt_map(&t->pt, BOOTINFO_VA, bootinfo, R_READ, boot_page, m);
    if (err)
        return err;
    t->regs.pc = entry;
    t->regs.x[REG_SP] = USER_STACK_TOP;
    t->regs.x[REG_A0] = img->arg;
    t->regs.x[REG_A0 + 1] = t->id;
    return E_OK;
}

void tasks_create(u64 *free_pa, u64 free_end, u64 ram_base, u64 ram_size)
{
    struct boot_mem m = { *free_pa, free_end };
    bootinfo = boot_page(&m);
    if (!bootinfo)
        hal_panic("no memory for boot tasks");
    vm_selftest(boot_page, &m);
    bootinfo->magic = BOOTINFO_MAGIC;
    bootinfo->ram_base = ram_base;
    bootinfo->ram_size = ram_size;
    bootinfo->kernel_bytes = (u64)(_end - _start);

    for (u64 i = 0; i < boot_nimages && ntasks < BOOTINFO_MAX_TASKS; i++) {
        struct task *t = &tasks[ntasks];
        struct bootinfo_task *bt = &bootinfo->task[ntasks];
        for (unsigned k = 0; k < sizeof bt->name - 1 && boot_images[i].name[k]; k++)
            bt->name[k] = boot_images[i].name[k];
        t->id = ntasks;
        int err = task_load(t, &boot_images[i], &m);
        if (err) {
            kprintf("task %u (%s): bad image, not started (error %d)\n", t->id, bt->name, err);
            bt->state = TASK_KILLED;
        } else {
            bt->state = TASK_RUNNABLE;
        }
        ntasks++;
    }
    bootinfo->ntasks = ntasks;
    bootinfo->free_bytes = m.end - m.next;
    *free_pa = m.next;
}

static _Noreturn void switch_to(struct task *t)
{
    if (t != current) {
        hal_pt_activate(&t->pt);
        bootinfo->task[t->id].runs++;
        current = t;
    }
    hal_return_to_user(&t->regs);
}

/* Round robin: the next runnable task after the current one (possibly the
 * current one again). */
_Noreturn void task_run_next(void)
{
    unsigned from = current ? current->id : ntasks - 1;
    for (unsigned k = 1; k <= ntasks; k++) {
        unsigned i = (from + k) % ntasks;
        if (bootinfo->task[i].state == TASK_RUNNABLE)
            switch_to(&tasks[i]);
    }
    kprintf("no runnable task left: powering off\n");
    hal_poweroff(0);
}

static const char *cause_name(u64 cause)
{
    static const char *const names[] = {
        [EXC_INST_MISALIGN] = "misaligned fetch", [EXC_INST_ACCESS] = "fetch access fault",
        [EXC_ILLEGAL] = "illegal instruction",    [EXC_BREAKPOINT] = "breakpoint",
        [EXC_LOAD_MISALIGN] = "misaligned load",  [EXC_LOAD_ACCESS] = "load access fault",
        [EXC_STORE_MISALIGN] = "misaligned store", [EXC_STORE_ACCESS] = "store access fault",
        [EXC_ECALL_U] = "ecall from U-mode",      [EXC_INST_PAGE] = "fetch page fault",
        [EXC_LOAD_PAGE] = "load page fault",      [EXC_STORE_PAGE] = "store page fault",
    };
    return cause < ARRAY_LEN(names) && names[cause] ? names[cause] : "unknown exception";
}

/* A task ends: by ebreak (state TASK_EXITED, tval = status in a0) or by any
 * other fault (TASK_KILLED). When the root task (task 0) ends, the machine
 * powers off with its exit status (255 if it was killed). */
_Noreturn void task_end(struct task *t, unsigned state, u64 cause, u64 tval)
{
    struct bootinfo_task *bt = &bootinfo->task[t->id];
    bt->state = state;
    bt->cause = (u32)cause;
    bt->pc = t->regs.pc;
    if (state == TASK_EXITED) {
        bt->status = tval;
        kprintf("[kernel] task %u (%s) exited with status %lu\n", t->id, bt->name, tval);
    } else {
        bt->tval = tval;
        kprintf("[kernel] task %u (%s) killed: %s (cause %lu) at pc %lx, stval %lx\n",
                t->id, bt->name, cause_name(cause), cause, t->regs.pc, tval);
    }
    if (t->id == 0) {
        u32 status = state == TASK_EXITED ? (u32)tval : 255;
        kprintf("[kernel] root task ended: powering off (status %u)\n", status);
        hal_poweroff(status);
    }
    task_run_next();
}

void task_set_cspace(unsigned id, u32 cspace)
{
    if (id < ntasks)
        tasks[id].cspace = cspace;
}

void task_tick(void)
{
    bootinfo->ticks++;
}
