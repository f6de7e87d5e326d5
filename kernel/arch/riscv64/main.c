/* main.c: riscv64 boot, from entry.S to the root task.
 *
 *   1. console (SBI), banner
 *   2. device tree: RAM base and size, timer frequency
 *   3. kernel page table (vm.c), traps (trap.c), the store (virtio_blk.c;
 *      the test and benchmark images use it here, before the core owns RAM)
 *   4. every free page of RAM to the core (kernel_init): the root bank
 *   5. the root task's objects (kernel_root_task), its image loaded into
 *      its AddrSpace with pages charged to the root bank (S1)
 *   6. start the timer and leave the kernel into the root thread
 *
 * After boot, the only memory no bank pays for is the kernel image and the
 * core's object table + allocator map (boot.unpaid_bytes). */
#include <tether/abi.h>
#include "blk.h"
#include "fdt.h"
#include "hal.h"
#include "hal_arch.h"
#include "kernel.h"
#include "layout.h"
#include "loader.h"
#include "riscv.h"
#include "sbi.h"
#include "trap.h"
#include "vm.h"

void arch_main(u64 hartid, u64 dtb_pa);

static struct kernel_boot boot;

/* Periodic checkpoints (P1): every CKPT_TICKS timer ticks (1 ms each), set
 * at build time (make CKPT_MS=...); 0: only when SYSTEM_CHECKPOINT asks. */
#ifndef CKPT_TICKS
#define CKPT_TICKS 0
#endif

static u64 dt_u32(const void *dtb, const char *path, const char *prop, u64 dflt)
{
    u32 len;
    const void *p = fdt_prop(dtb, path, prop, &len);
    return p && len == 4 ? fdt_u32(p) : dflt;
}

/* The hal_pt self-test runs on root-bank pages and gives them back. */
static void *selftest_alloc(void *ctx)
{
    return kernel_boot_page(ctx);
}
static void selftest_free(void *ctx, void *page)
{
    kernel_boot_page_free(ctx, page);
}

/* Load the embedded root image into the root AddrSpace and give the root
 * thread its registers. Every page is a frame from the root bank, mapped
 * through a mapping slot (kernel_boot_map), so the root task can pass its
 * own pages on with AS_MAP like any other memory. */
/* Load the root task's image; its entry point. */
static u64 load_root_task(void)
{
    const struct page_source src = {.map = kernel_boot_map, .ctx = &boot};
    u64 entry;
    int err = elf_load(root_image, (usize)(root_image_end - root_image), &entry, &src);
    if (err == E_OK)
        err = map_fresh(USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE, USER_STACK_PAGES,
                        R_READ | R_WRITE, &src);
    if (err != E_OK) {
        kprintf("root image: error %d\n", err);
        hal_panic("cannot load the root task");
    }
    return entry;
}

void arch_main(u64 hartid, u64 dtb_pa)
{
    u64 boot_cycles = hal_cycles();
    sbi_init();
    kprintf("\nTether microkernel: riscv64 on QEMU virt, hart %lu, console %s\n",
            hartid, sbi_console_kind());

    const void *dtb = P2V(dtb_pa);
    u32 dtb_size = fdt_check(dtb);
    if (!dtb_size)
        hal_panic("no flattened device tree in a1");
    u32 acells = dt_u32(dtb, "/", "#address-cells", 2);
    u32 scells = dt_u32(dtb, "/", "#size-cells", 1);
    u32 len;
    const u8 *reg = fdt_prop(dtb, "/memory", "reg", &len);
    if (!reg || len < 4 * (acells + scells))
        hal_panic("device tree has no /memory reg");
    u64 ram_base = fdt_cells(reg, acells), ram_size = fdt_cells(reg + 4 * acells, scells);
    u64 ram_end = ram_base + ram_size;
    u64 timebase = dt_u32(dtb, "/cpus", "timebase-frequency", 10000000);
    u64 kernel_bytes = (u64)(_end - _start);

    kprintf("RAM: %lx..%lx (%lu MiB), timebase %lu Hz\n", ram_base, ram_end,
            ram_size >> 20, timebase);
    if (V2P(_start) < ram_base || V2P(_end) > ram_end)
        hal_panic("kernel image is not inside RAM");

    vm_init(ram_base, ram_size);
    kprintf("paging on (Sv39): kernel at %p, RAM direct-mapped at %p, %u page-table pages\n",
            (void *)_start, P2V(ram_base), vm_kernel_pt_pages());
    trap_init(timebase);
    blk_init(dtb, ram_base, ram_end, timebase);

    /* Free RAM: after the kernel image, up to the device tree (QEMU puts it
     * near the top of RAM; we have read all we need from it). */
    u64 free_pa = V2P(_end), free_end = PAGE_ROUND_DOWN(ram_end);
    if (dtb_pa >= free_pa && dtb_pa < free_end)
        free_end = PAGE_ROUND_DOWN(dtb_pa);
    /* The store's boot-time users borrow free RAM the core takes next. */
    if (image_flags & IMAGE_BLK_SELFTEST)
        blk_selftest(P2V(free_pa), free_end - free_pa);
    if (image_flags & IMAGE_BLK_BENCH)
        blk_bench(P2V(free_pa), free_end - free_pa, timebase);
    /* P1: a store with a committed checkpoint resumes it, every thread where
     * it was; page tables are refilled on demand (P3). Else a fresh boot. */
    if (kernel_resume(P2V(free_pa), free_end - free_pa, &boot) == E_OK) {
        trap_set_root(&boot);
        kernel_checkpoint_every(CKPT_TICKS);
        trap_timer_start();
        struct hal_regs *r = kernel_continue();
        kprintf("tether: restart took %lu instructions (kernel entry to the first resumed user "
                "instruction)\n", hal_cycles() - boot_cycles);
        trap_resume(r);
    }
    if (kernel_init(P2V(free_pa), free_end - free_pa, &boot) != E_OK)
        hal_panic("kernel_init failed");
    kprintf("memory paid for by no bank: kernel image %lu bytes (incl. its page tables), "
            "object table + allocator map %lu bytes\n", kernel_bytes, boot.unpaid_bytes);
    kprintf("root bank: %lu KiB of free RAM\n", (free_end - free_pa) >> 10);

    vm_selftest(selftest_alloc, selftest_free, &boot);

    if (kernel_root_task(&boot) != E_OK)
        hal_panic("kernel_root_task failed");
    u64 entry = load_root_task();
    trap_set_root(&boot);
    kernel_checkpoint_every(CKPT_TICKS);
    trap_timer_start();
    trap_resume(kernel_start(&boot, entry, USER_STACK_TOP));
}
