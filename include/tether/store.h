/* SPDX-License-Identifier: BSD-2-Clause */
/* store.h: the on-store format of a checkpoint (P1..P3), see docs/store.md.
 *
 * This is the layout on the block device, apart from the kernel's in-memory
 * structures: the kernel (kernel/core/persist.c) writes and reads it, and so
 * do host tools (tools/storeinfo.c) without booting anything. All integers
 * are little-endian; a block is STORE_BLOCK bytes.
 *
 *   block 0, 1     two headers; a checkpoint of generation g is committed by
 *                  writing header g % 2 (after a flush of everything else)
 *   other blocks   checkpoint data, written copy-on-write: a checkpoint never
 *                  overwrites a block the last committed one uses
 *
 * A header names its checkpoint's manifest (contiguous blocks): the layout of
 * the kernel state it covers, the kernel's globals, and the directory
 * blocks. A directory block holds STORE_DIR_ENTRIES page entries; a page
 * entry says what one 4 KiB page of kernel state was (zero, data in a block,
 * inside a free storage block, or a page table, which is not kept). Every
 * reference carries the checksum of what it names, so a torn, stale or
 * foreign block is detected and never trusted. */
#ifndef TETHER_STORE_H
#define TETHER_STORE_H

#include <stdint.h>

#define STORE_BLOCK        4096u
#define STORE_MAGIC        0x524f545348544554ull  /* "TETHSTOR" */
#define STORE_MANIFEST_MAGIC 0x5453464e414d5454ull /* "TTMANFST" */
#define STORE_VERSION      1u
#define STORE_HEADERS      2u     /* blocks 0 and 1 */
#define STORE_DIR_ENTRIES  256u   /* page entries per directory block */

/* A block and the checksum of its contents (store_sum). */
struct store_ref {
    uint64_t blk;
    uint64_t sum;
};

struct store_header {
    uint64_t magic;          /* STORE_MAGIC                                   */
    uint64_t version;        /* STORE_VERSION                                 */
    uint64_t generation;     /* 1, 2, ...: the newest valid header wins       */
    uint64_t kernel_id;      /* the kernel's structure layout (persist.c)     */
    uint64_t store_blocks;   /* size of the device it was written to          */
    uint64_t manifest_blk;   /* first block of the manifest                   */
    uint64_t manifest_nblk;  /* its length in blocks                          */
    uint64_t manifest_sum;   /* checksum of those blocks                      */
    uint64_t sum;            /* checksum of the header's bytes before this    */
};

/* The layout of the kernel state a checkpoint covers: must equal the booting
 * kernel's (same RAM, same build), or the store is refused. */
struct store_layout {
    uint64_t region_bytes;   /* bytes of kernel state (pages of 4 KiB)         */
    uint64_t tab_off, ntab;  /* object table: offset in the region, entries    */
    uint64_t map_off;        /* buddy map                                      */
    uint64_t arena_off, arena_bytes; /* the arena (bank-paid storage)          */
};

struct store_manifest {
    uint64_t magic;          /* STORE_MANIFEST_MAGIC                           */
    uint64_t generation;     /* = the header's                                 */
    struct store_layout layout;
    uint64_t npages;         /* region_bytes / 4096                            */
    uint64_t ndir;           /* directory blocks: ceil(npages / 256)           */
    uint64_t globals_bytes;  /* the kernel's globals, after the directory refs */
    uint64_t pages_data;     /* statistics: pages kept as data                 */
    /* followed by struct store_ref dir[ndir], then globals_bytes bytes */
};

/* What one page of kernel state was at the checkpoint. */
enum store_page_kind {
    PAGE_ZERO = 0,   /* all zero                                          */
    PAGE_DATA = 1,   /* its contents are in block blk, checksum sum        */
    PAGE_FREE = 2,   /* inside a free storage block: only sum is kept (the
                      * block's free-list links, if the block starts here) */
    PAGE_CACHE = 3,  /* a page-table page: a cache, rebuilt (P3)           */
};
struct store_page {
    uint32_t blk;
    uint32_t kind;
    uint64_t sum;
};
_Static_assert(sizeof(struct store_page) * STORE_DIR_ENTRIES == STORE_BLOCK, "a directory block");

/* The checksum of n bytes (n a multiple of 8) of 8-byte aligned data. */
static inline uint64_t store_sum_any(const void *p, uint64_t n, uint64_t *any)
{
    const uint64_t *w = (const uint64_t *)p;
    uint64_t h = 0xcbf29ce484222325ull ^ n, a = 0;
    for (uint64_t i = 0; i < n / 8; i++) {
        a |= w[i];
        h = (h ^ w[i]) * 0x100000001b3ull;
        h ^= h >> 31;
    }
    *any = a;  /* 0: all n bytes are zero (the checkpointer's test, one pass) */
    return h;
}
static inline uint64_t store_sum(const void *p, uint64_t n)
{
    uint64_t any;
    return store_sum_any(p, n, &any);
}

#endif
