/* loader.h: loading the root task's ELF image (riscv64). */
#ifndef TETHER_LOADER_H
#define TETHER_LOADER_H

#include "hal.h"

/* The root task's image, embedded in the kernel (images_*.S). */
extern const u8 root_image[], root_image_end[];

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

/* Map `pages` fresh zeroed frames at [va, va + pages * 4 KiB) with rights. */
int map_fresh(u64 va, u64 pages, u32 rights, const struct page_source *src);

#endif
