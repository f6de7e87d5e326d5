/* SPDX-License-Identifier: BSD-2-Clause */
/* main.c: riscv64 boot, from entry.S to the root task.
 *
 *   1. console (SBI), banner
 *   2. device tree: RAM base and size, timer frequency
 *   3. kernel page table (vm.c), traps (trap.c), the store (virtio_blk.c;
 *      the test and benchmark images use it here, before the core owns RAM)
 *   4. every free page of RAM to the core (kernel_init): the root bank
 *   5. the root task's objects (kernel_root_task), its image loaded into
 *      its AddrSpace with pages charged to the root bank (S1)
 *   6. the boot modules checked and copied into root-bank frames whose caps
 *      the root task holds, described by the boot information page mapped
 *      into it (<tether/abi.h>: struct tether_bootinfo)
 *   7. start the timer and leave the kernel into the root thread (a0 = the
 *      boot information's address)
 *
 * After boot, the only memory no bank pays for is the kernel image and the
 * core's object table + allocator map (boot.unpaid_bytes). */
#include <tether/abi.h>
#include <tether/version.h>
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

/* Load the embedded root image into the root AddrSpace; its entry point.
 * Every page is a frame from the root bank, mapped through a mapping slot
 * (kernel_boot_map), so the root task can pass its own pages on with
 * AS_MAP like any other memory. */
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

/* The boot arguments (/chosen bootargs: QEMU -append), read before the
 * device tree's memory may be reused. */
static char cmdline[BOOT_CMDLINE_MAX];

static void copy_bytes(void *dst, const void *src, usize n)
{
    u8 *d = dst;
    const u8 *p = src;
    while (n--)
        *d++ = *p++;
}

static usize name_len(const char *s)
{
    usize n = 0;
    while (n < MODULE_NAME_MAX && s[n])
        n++;
    return n;
}

static bool same_name(const char *a, const char *b)
{
    for (usize i = 0; i < MODULE_NAME_MAX; i++) {
        if (a[i] != b[i])
            return false;
        if (!a[i])
            return true;
    }
    return true;
}

/* Why module m cannot be boot module number bi->nmodules (its frame caps
 * from *cap on), or NULL: then it is one, in bi->module[]. */
static const char *load_module(struct tether_bootinfo *bi, const struct boot_module *m, u32 *cap)
{
    usize size = (usize)(m->end - m->start), len = name_len(m->name);
    u64 entry, lo, hi;
    if (len == 0 || len >= MODULE_NAME_MAX)
        return "its name is empty or too long";
    for (u32 i = 0; i < bi->nmodules; i++)
        if (same_name(bi->module[i].name, m->name))
            return "another module has its name";
    if (bi->nmodules == BOOT_MODULES_MAX)
        return "too many modules";
    const char *why = elf_check(m->start, size, MODULE_BASE_MIN,
                                USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE, &entry, &lo, &hi);
    if (why)
        return why;
    u32 frames = (u32)((size + PAGE_SIZE - 1) / PAGE_SIZE);
    if (frames > CAP_ADDR_LIMIT - *cap)
        return "no cap addresses left for its frames";
    for (u32 i = 0; i < frames; i++) {
        void *page;
        if (kernel_boot_frame(&boot, *cap + i, R_READ | R_EXEC, &page) != E_OK) {
            while (i--)
                kernel_boot_frame_drop(&boot, *cap + i);
            return "no memory for its frames";
        }
        usize off = (usize)i * PAGE_SIZE;
        copy_bytes(page, m->start + off, size - off < PAGE_SIZE ? size - off : PAGE_SIZE);
    }
    struct tether_module_info *mi = &bi->module[bi->nmodules++];
    copy_bytes(mi->name, m->name, len + 1);
    mi->size = size;
    mi->entry = entry;
    mi->lo = lo;
    mi->hi = hi;
    mi->first_cap = *cap;
    mi->frames = frames;
    *cap += frames;
    return NULL;
}

/* The boot information page, mapped read-only into the root task, and the
 * boot modules it describes. */
static void load_modules(void)
{
    const struct page_source src = {.map = kernel_boot_map, .ctx = &boot};
    void *page;
    if (src.map(src.ctx, BOOTINFO_VA, R_READ, &page) != E_OK)
        hal_panic("no memory for the boot information");
    struct tether_bootinfo *bi = page;
    bi->magic = BOOTINFO_MAGIC;
    bi->version = BOOTINFO_VERSION;
    copy_bytes(bi->cmdline, cmdline, sizeof cmdline);
    u32 cap = ROOT_CAP_MODULES;
    for (const struct boot_module *m = module_table; m < module_table_end; m++) {
        const char *why = load_module(bi, m, &cap);
        if (why) {
            bi->refused++;
            kprintf("boot module %s: refused: %s\n", m->name, why);
        } else {
            const struct tether_module_info *mi = &bi->module[bi->nmodules - 1];
            kprintf("boot module %s: %lu bytes, segments 0x%lx..0x%lx, entry 0x%lx, frame caps 0x%lx..0x%lx\n",
                    mi->name, mi->size, mi->lo, mi->hi, mi->entry, (u64)mi->first_cap,
                    (u64)(mi->first_cap + mi->frames - 1));
        }
    }
}

void arch_main(u64 hartid, u64 dtb_pa)
{
    u64 boot_cycles = hal_cycles();
    sbi_init();
    kprintf("\n" TETHER_VERSION_STRING " microkernel: riscv64 on QEMU virt, hart %lu, console %s\n",
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
    const char *args = fdt_prop(dtb, "/chosen", "bootargs", &len);
    for (u32 i = 0; args && i < len && i < BOOT_CMDLINE_MAX - 1 && args[i]; i++)
        cmdline[i] = args[i];

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
    load_modules();
    trap_set_root(&boot);
    kernel_checkpoint_every(CKPT_TICKS);
    trap_timer_start();
    trap_resume(kernel_start(&boot, entry, USER_STACK_TOP, BOOTINFO_VA));
}
