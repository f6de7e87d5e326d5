/* SPDX-License-Identifier: BSD-2-Clause */
/* elf.c: load a static ELF64 RISC-V executable into a user address space
 * (the root task's), and check one (a boot module's).
 *
 * Every PT_LOAD segment gets fresh zeroed pages mapped with the segment's
 * rights (src->map), filled from the file. Segments must not share a page
 * (the user linker script, user/lib/user.ld, aligns them). The image is untrusted
 * input: every offset and size is checked. */
#include <tether/abi.h>
#include "hal.h"
#include "riscv.h"
#include "loader.h"

struct elf64_ehdr {
    u8 ident[16];
    u16 type, machine;
    u32 version;
    u64 entry, phoff, shoff;
    u32 flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    u32 type, flags;
    u64 offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD    1
#define PT_DYNAMIC 2
#define PT_INTERP  3
#define ET_EXEC    2
#define PF_X       1
#define PF_W       2
#define PF_R       4
#define EM_RISCV   243

static void copy(u8 *dst, const u8 *src, usize n)
{
    while (n--)
        *dst++ = *src++;
}

static int load_segment(const u8 *img, const struct elf64_phdr *ph, const struct page_source *src)
{
    u32 rights = (ph->flags & PF_R ? R_READ : 0) | (ph->flags & PF_W ? R_WRITE : 0) |
                 (ph->flags & PF_X ? R_EXEC : 0);
    u64 first = PAGE_ROUND_DOWN(ph->vaddr), last = PAGE_ROUND_UP(ph->vaddr + ph->memsz);

    for (u64 va = first; va < last; va += PAGE_SIZE) {
        void *p;
        int err = src->map(src->ctx, va, rights, &p);
        if (err)
            return err == E_NOMEM ? E_NOMEM : E_INVAL;
        u8 *page = p;  /* zeroed */
        /* The part of [vaddr, vaddr + filesz) that falls in this page. */
        u64 lo = va > ph->vaddr ? va : ph->vaddr;
        u64 hi = va + PAGE_SIZE < ph->vaddr + ph->filesz ? va + PAGE_SIZE : ph->vaddr + ph->filesz;
        if (lo < hi)
            copy(page + (lo - va), img + ph->offset + (lo - ph->vaddr), hi - lo);
    }
    return E_OK;
}

int elf_load(const u8 *img, usize size, u64 *entry, const struct page_source *src)
{
    const struct elf64_ehdr *eh = (const void *)img;
    if (size < sizeof *eh || img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' ||
        img[3] != 'F' || img[4] != 2 /* 64-bit */ || eh->machine != EM_RISCV ||
        eh->phentsize != sizeof(struct elf64_phdr) ||
        eh->phoff > size || eh->phnum > (size - eh->phoff) / sizeof(struct elf64_phdr))
        return E_INVAL;

    const struct elf64_phdr *ph = (const void *)(img + eh->phoff);
    for (unsigned i = 0; i < eh->phnum; i++, ph++) {
        if (ph->type != PT_LOAD || ph->memsz == 0)
            continue;
        if (ph->filesz > ph->memsz || ph->offset > size || ph->filesz > size - ph->offset ||
            ph->vaddr >= USER_TOP || ph->memsz > USER_TOP - ph->vaddr)
            return E_INVAL;
        int err = load_segment(img, ph, src);
        if (err)
            return err;
    }
    if (eh->entry >= USER_TOP)
        return E_INVAL;
    *entry = eh->entry;
    return E_OK;
}

int map_fresh(u64 va, u64 pages, u32 rights, const struct page_source *src)
{
    for (u64 i = 0; i < pages; i++, va += PAGE_SIZE) {
        void *page;
        int err = src->map(src->ctx, va, rights, &page);
        if (err)
            return err;
    }
    return E_OK;
}

/* A boot module is untrusted too, and its file need not be aligned: every
 * header is copied out before it is read. */
const char *elf_check(const u8 *img, usize size, u64 base, u64 top, u64 *entry, u64 *lo,
                      u64 *hi)
{
    struct elf64_ehdr eh;
    if (size < sizeof eh)
        return "shorter than an ELF header";
    copy((u8 *)&eh, img, sizeof eh);
    if (img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' || img[3] != 'F')
        return "not an ELF file";
    if (eh.ident[4] != 2 || eh.ident[5] != 1 || eh.machine != EM_RISCV)
        return "not ELF64 little-endian RISC-V";
    if (eh.type != ET_EXEC)
        return "not an executable (ET_EXEC)";
    if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 || eh.phoff > size ||
        eh.phnum > (size - eh.phoff) / sizeof(struct elf64_phdr))
        return "program headers missing or outside the file";
    u64 end = base, first = 0;
    bool entry_ok = false;
    for (unsigned i = 0; i < eh.phnum; i++) {
        struct elf64_phdr ph;
        copy((u8 *)&ph, img + eh.phoff + i * sizeof ph, sizeof ph);
        if (ph.type == PT_DYNAMIC || ph.type == PT_INTERP)
            return "not a static executable";
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (ph.filesz > ph.memsz || ph.offset > size || ph.filesz > size - ph.offset)
            return "a segment's contents lie outside the file";
        if (ph.vaddr < base || ph.vaddr >= top || ph.memsz > top - ph.vaddr)
            return "a segment lies outside the module's part of the address space";
        if (PAGE_ROUND_DOWN(ph.vaddr) < end)  /* end: the last segment's, or base */
            return "segments overlap, share a page or are out of order";
        if (!(ph.flags & PF_R))
            return "a segment is not readable";
        if (!first)
            first = PAGE_ROUND_DOWN(ph.vaddr);
        end = PAGE_ROUND_UP(ph.vaddr + ph.memsz);
        if ((ph.flags & PF_X) && eh.entry >= ph.vaddr && eh.entry - ph.vaddr < ph.memsz)
            entry_ok = true;
    }
    if (!first)
        return "no loadable segment";
    if (!entry_ok)
        return "the entry point is not in an executable segment";
    *entry = eh.entry;
    *lo = first;
    *hi = end;
    return NULL;
}
