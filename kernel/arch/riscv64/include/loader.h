/* SPDX-License-Identifier: BSD-2-Clause */
/* loader.h: loading the root task's ELF image and checking the boot
 * modules (riscv64). */
#ifndef TETHER_LOADER_H
#define TETHER_LOADER_H

#include "hal.h"

/* The root task's image, embedded in the kernel (images_*.S). */
extern const u8 root_image[], root_image_end[];

/* The boot modules embedded in it (images.inc: MODULE; the file
 * mk/riscv64.mk generates from UPROGS): [module_table, module_table_end). */
struct boot_module {
    const char *name;
    const u8 *start, *end;  /* its ELF file */
};
extern const struct boot_module module_table[], module_table_end[];

/* What else the image does at boot (images_*.S). */
extern const u32 image_flags;
#define IMAGE_BLK_SELFTEST 1u  /* blk_selftest: tether-test.elf  */
#define IMAGE_BLK_BENCH    2u  /* blk_bench: tether-bench.elf    */

/* Where pages come from: map(ctx, va, rights, &page) puts a fresh zeroed
 * page at va of the address space being loaded and says where it is in the
 * kernel (the core's kernel_boot_map: a frame from the root bank, mapped
 * through a mapping slot, S1 and C9). E_OK or an E_* code. */
struct page_source {
    int (*map)(void *ctx, u64 va, u32 rights, void **page);
    void *ctx;
};

/* elf.c: load a static ELF64 RISC-V executable; entry point in *entry.
 * E_OK, E_INVAL (malformed image) or E_NOMEM. */
int elf_load(const u8 *img, usize size, u64 *entry, const struct page_source *src);

/* elf.c: is [img, img + size) a static ELF64 RISC-V executable a boot
 * module may be: every PT_LOAD inside the file and inside [base, top),
 * page-aligned, no two segments sharing a page, the entry point in an
 * executable one? NULL if so (*entry, and *lo..*hi the pages its segments
 * cover), else why not, in a few words. img need not be aligned. */
const char *elf_check(const u8 *img, usize size, u64 base, u64 top, u64 *entry, u64 *lo,
                      u64 *hi);

/* Map `pages` fresh zeroed frames at [va, va + pages * 4 KiB) with rights. */
int map_fresh(u64 va, u64 pages, u32 rights, const struct page_source *src);

#endif
