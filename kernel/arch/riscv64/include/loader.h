/* loader.h: loading the root task's ELF image (riscv64). */
#ifndef TETHER_LOADER_H
#define TETHER_LOADER_H

#include "hal.h"

/* The root task's image, embedded in the kernel (images_*.S). */
extern const u8 root_image[], root_image_end[];

/* Where pages come from: frames (image and stack pages) and page-table
 * pages, each a hal_page_alloc with its context (both charge a bank, S1). */
struct page_source {
    hal_page_alloc frame;
    void *frame_ctx;
    hal_page_alloc table;
    void *table_ctx;
};

/* elf.c: load a static ELF64 RISC-V executable into pt; entry point in
 * *entry. E_OK, E_INVAL (malformed image) or E_NOMEM. */
int elf_load(hal_pt_root *pt, const u8 *img, usize size, u64 *entry,
             const struct page_source *src);

/* Map `pages` fresh zeroed frames at [va, va + pages * 4 KiB) with rights. */
int map_fresh(hal_pt_root *pt, u64 va, u64 pages, u32 rights,
              const struct page_source *src);

#endif
