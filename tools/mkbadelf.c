/* SPDX-License-Identifier: BSD-2-Clause */
/* mkbadelf.c: mkbadelf GOOD.mod DIR -- write malformed copies of a boot
 * module (a static ELF64 RISC-V executable) to DIR/bad-*.mod, one for each
 * way the kernel's check (kernel/arch/riscv64/elf.c: elf_check) must
 * refuse a module. The test image embeds them (mk/riscv64.mk: BAD_MODS);
 * user/tests/t_module.c checks that none of them became a module. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *img;
static long size;

static void put(unsigned char *buf, long off, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        buf[off + i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get(long off, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | img[off + i];
    return v;
}

/* File offset of the n-th PT_LOAD program header. */
static long load_phdr(int n)
{
    long phoff = (long)get(32, 8);
    int phnum = (int)get(56, 2);
    for (int i = 0; i < phnum; i++) {
        long ph = phoff + i * 56L;
        if (get(ph, 4) == 1 && n-- == 0)
            return ph;
    }
    fprintf(stderr, "mkbadelf: fewer PT_LOAD segments than expected\n");
    exit(1);
}

static void emit(const char *dir, const char *name, const unsigned char *buf, long n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/bad-%s.mod", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mkbadelf GOOD.mod DIR\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 64 || fseek(f, 0, SEEK_SET) != 0) {
        perror(argv[1]);
        return 1;
    }
    img = malloc((size_t)size);
    unsigned char *bad = malloc((size_t)size);
    if (!img || !bad || fread(img, 1, (size_t)size, f) != (size_t)size)
        return 1;
    fclose(f);
    const char *dir = argv[2];
    long text = load_phdr(0), next = load_phdr(1);

#define VARIANT(name, edit)              \
    do {                                 \
        memcpy(bad, img, (size_t)size);  \
        edit;                            \
        emit(dir, name, bad, size);      \
    } while (0)
    VARIANT("magic", put(bad, 0, 0, 1));                         /* not an ELF file */
    emit(dir, "short", img, 52);                                 /* shorter than its header */
    VARIANT("machine", put(bad, 18, 62, 2));                     /* EM_X86_64 */
    VARIANT("phdrs", put(bad, 32, (uint64_t)size - 8, 8));       /* e_phoff near the end */
    VARIANT("filesz", put(bad, text + 32, (uint64_t)size * 4, 8));  /* p_filesz past the end */
    VARIANT("kernel", put(bad, text + 16, 0xffffffc080200000ull, 8)); /* p_vaddr: the kernel */
    VARIANT("overlap", put(bad, next + 16, get(text + 16, 8), 8));  /* two segments, one page */
    VARIANT("entry", put(bad, 24, 8, 8));                        /* e_entry: no code there */
    free(img);
    free(bad);
    return 0;
}
