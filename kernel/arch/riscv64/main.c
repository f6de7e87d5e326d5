/* main.c: riscv64 boot, from entry.S to the first user task.
 *
 *   1. console (SBI), banner
 *   2. device tree: RAM base and size, timer frequency
 *   3. kernel page table (vm.c)
 *   4. traps and timer (trap.c)
 *   5. boot tasks from the images linked into the kernel (task.c)
 *   6. the rest of RAM to the core (kernel_init): the root bank
 *   7. leave the kernel into the root task */
#include <tether/abi.h>
#include "fdt.h"
#include "hal.h"
#include "hal_arch.h"
#include "kernel.h"
#include "riscv.h"
#include "sbi.h"
#include "task.h"
#include "trap.h"
#include "vm.h"

void arch_main(u64 hartid, u64 dtb_pa);

static u64 dt_u32(const void *dtb, const char *path, const char *prop, u64 dflt)
{
    u32 len;
    const void *p = fdt_prop(dtb, path, prop, &len);
    return p && len == 4 ? fdt_u32(p) : dflt;
}

void arch_main(u64 hartid, u64 dtb_pa)
{
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
    kprintf("kernel image: %lu bytes at %lx (the only memory no bank pays for)\n",
            kernel_bytes, V2P(_start));
    if (V2P(_start) < ram_base || V2P(_end) > ram_end)
        hal_panic("kernel image is not inside RAM");

    vm_init(ram_base, ram_size);
    kprintf("paging on (Sv39): kernel at %p, RAM direct-mapped at %p, %u page-table pages\n",
            (void *)_start, P2V(ram_base), vm_kernel_pt_pages());

    /* Free RAM: after the kernel image, up to the device tree (QEMU puts it
     * near the top of RAM; we have read all we need from it). */
    u64 free_pa = V2P(_end), free_end = PAGE_ROUND_DOWN(ram_end);
    if (dtb_pa >= free_pa && dtb_pa < free_end)
        free_end = PAGE_ROUND_DOWN(dtb_pa);

    trap_init(timebase);
    u64 boot_start = free_pa;
    tasks_create(&free_pa, free_end, ram_base, ram_size);
    kprintf("boot tasks: %lu images in %lu KiB; %lu KiB for the core\n", boot_nimages,
            (free_pa - boot_start) >> 10, (free_end - free_pa) >> 10);

    struct kernel_boot boot;
    if (kernel_init(P2V(free_pa), free_end - free_pa, &boot) != E_OK)
        hal_panic("kernel_init failed");
    kprintf("core: root bank %u, root CSpace %u, %lu bytes of tables no bank pays for\n",
            boot.root_bank, boot.root_cs, boot.unpaid_bytes);
    task_set_cspace(0, boot.root_cs);
    trap_timer_start();
    task_run_next();
}
