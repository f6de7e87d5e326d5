/* SPDX-License-Identifier: BSD-2-Clause */
/* module.c: boot modules as tasks of their own (module.h). */
#include "module.h"
#include "task.h"
#include "ulib.h"
#include "layout.h"

#define CS ROOT_CAP_CSPACE  /* the caller's CSpace (MODULE_CAP_CSPACE in a module) */
#define AS ROOT_CAP_ASPACE  /* the caller's AddrSpace */
#define PG 4096UL

/* The ELF64 headers the loader reads (the kernel checked the file:
 * kernel/arch/riscv64/elf.c; the loader still checks what it uses). */
struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

const struct tether_module_info *module_find(const char *name)
{
    const struct tether_bootinfo *bi = tether_bootinfo;
    if (!name || !bi)
        return NULL;
    for (unsigned i = 0; i < bi->nmodules && i < BOOT_MODULES_MAX; i++)
        if (strcmp(bi->module[i].name, name) == 0)
            return &bi->module[i];
    return NULL;
}

/* The caller's read-only view of a module's file: its frames MAPped at
 * stage_alloc'd addresses, made on first use and kept. */
static const uint8_t *file_view(const struct tether_module_info *mi, long *err)
{
    static uint64_t views[BOOT_MODULES_MAX];
    unsigned i = (unsigned)(mi - tether_bootinfo->module);
    if (views[i]) {
        *err = E_OK;
        return (const uint8_t *)views[i];
    }
    uint64_t va = stage_alloc(mi->frames);
    for (unsigned f = 0; f < mi->frames; f++) {
        *err = tether_AS_MAP_FRAME(AS, mi->first_cap + f, va + f * PG, R_READ, ITEM_MAP);
        if (*err != E_OK) {
            while (f--)
                tether_AS_UNMAP(AS, va + f * PG, 0, 1);
            return NULL;
        }
    }
    views[i] = va;
    return (const uint8_t *)va;
}

/* One staging page of the caller: a frame of the module's bank is filled
 * here, then GRANTed to the module's AddrSpace (task.h: frame_new_at). */
static uint64_t copy_va;

static long fill_page(struct module *m, uint64_t va, unsigned rights, const uint8_t *src,
                      uint64_t off, uint64_t n, const void *extra, unsigned extra_size)
{
    long e = frame_new_at(m->bank, m->scratch, AS, copy_va, R_READ | R_WRITE);
    if (e != E_OK)
        return e;
    if (n)
        memcpy((void *)(copy_va + off), src, n);
    if (extra_size)
        memcpy((void *)(copy_va + PG - extra_size), extra, extra_size);
    return tether_AS_MAP(m->as, AS, copy_va, va, 0, rights, ITEM_GRANT);
}

/* A PT_LOAD segment, page by page: a page whose bytes all come from the
 * file, of a segment that is not writable, is the module's own frame,
 * MAPped (shared, read-only); any other page is a frame of the module's
 * bank with its file bytes copied in and zeros elsewhere. */
static long load_segment(struct module *m, const struct tether_module_info *mi,
                         const uint8_t *file, const struct phdr *ph)
{
    unsigned rights = R_READ | (ph->flags & PF_W ? R_WRITE : 0) | (ph->flags & PF_X ? R_EXEC : 0);
    uint64_t first = ph->vaddr & ~(PG - 1), last = (ph->vaddr + ph->memsz + PG - 1) & ~(PG - 1);
    int shareable = !(ph->flags & PF_W) && ph->offset % PG == ph->vaddr % PG;
    for (uint64_t va = first; va < last; va += PG) {
        uint64_t lo = va > ph->vaddr ? va : ph->vaddr;
        uint64_t hi = va + PG < ph->vaddr + ph->filesz ? va + PG : ph->vaddr + ph->filesz;
        uint64_t end = va + PG < ph->vaddr + ph->memsz ? va + PG : ph->vaddr + ph->memsz;
        uint64_t fpage = ph->offset / PG + (va - first) / PG;
        long e;
        if (shareable && hi >= end && fpage < mi->frames)
            e = tether_AS_MAP_FRAME(m->as, mi->first_cap + (uint32_t)fpage, va, rights, ITEM_MAP);
        else if (lo >= hi)  /* no file bytes: bss */
            e = frame_new_at(m->bank, m->scratch, m->as, va, rights);
        else
            e = fill_page(m, va, rights, file + ph->offset + (lo - ph->vaddr), lo - va, hi - lo,
                          NULL, 0);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

static long load_image(struct module *m, const struct tether_module_info *mi, const uint8_t *file)
{
    struct ehdr eh;
    if (mi->size < sizeof eh)
        return E_INVAL;
    memcpy(&eh, file, sizeof eh);
    if (eh.phentsize != sizeof(struct phdr) || eh.phoff > mi->size ||
        eh.phnum > (mi->size - eh.phoff) / sizeof(struct phdr) || eh.entry != mi->entry)
        return E_INVAL;
    for (unsigned i = 0; i < eh.phnum; i++) {
        struct phdr ph;
        memcpy(&ph, file + eh.phoff + i * sizeof ph, sizeof ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (ph.filesz > ph.memsz || ph.offset > mi->size || ph.filesz > mi->size - ph.offset ||
            ph.vaddr < mi->lo || ph.vaddr >= mi->hi || ph.memsz > mi->hi - ph.vaddr)
            return E_INVAL;
        long e = load_segment(m, mi, file, &ph);
        if (e != E_OK)
            return e;
    }
    return E_OK;
}

/* The stack: USER_STACK_PAGES frames of the module's bank below
 * USER_STACK_TOP, `info` at its top. */
static long load_stack(struct module *m, const struct tether_modinfo *info, unsigned size)
{
    uint64_t bottom = USER_STACK_TOP - USER_STACK_PAGES * PG;
    for (uint64_t va = bottom; va < USER_STACK_TOP - PG; va += PG) {
        long e = frame_new_at(m->bank, m->scratch, m->as, va, R_READ | R_WRITE);
        if (e != E_OK)
            return e;
    }
    return fill_page(m, USER_STACK_TOP - PG, R_READ | R_WRITE, NULL, 0, 0, info, size);
}

static long make_task(struct module *m, const struct tether_module_info *mi, uint32_t parent_bank,
                      uint64_t limit, uint32_t slots, const struct module_opts *o)
{
    const uint32_t both = R_WRITE | R_GRANT;
    long e;
    if ((e = tether_BANK_CREATE(parent_bank, OBJ_BANK, CS, m->bank, limit)) != E_OK ||
        (e = tether_BANK_CREATE(m->bank, OBJ_CSPACE, CS, m->cs, 0)) != E_OK ||
        (e = tether_BANK_CREATE(m->bank, OBJ_ASPACE, CS, m->as, 0)) != E_OK ||
        (e = tether_BANK_CREATE(m->bank, OBJ_THREAD, CS, m->thread, 0)) != E_OK ||
        (e = tether_BANK_CREATE(m->bank, OBJ_SCHEDCTX, CS, m->sc, 0)) != E_OK ||
        (!o->ep && (e = tether_BANK_CREATE(m->bank, OBJ_ENDPOINT, CS, slots + 5, 0)) != E_OK))
        return e;
    /* Its program: the file's pages, its data, its stack. */
    const uint8_t *file = file_view(mi, &e);
    if (!file)
        return e;
    if (!copy_va)
        copy_va = stage_alloc(1);
    if ((e = load_image(m, mi, file)) != E_OK)
        return e;
    struct tether_modinfo info = { .magic = MODINFO_MAGIC, .badge = m->badge };
    memcpy(info.name, mi->name, MODULE_NAME_MAX);
    memcpy(info.arg, o->arg, sizeof info.arg);
    unsigned size = (sizeof info + 15) & ~15u;
    if ((e = load_stack(m, &info, size)) != E_OK)
        return e;
    /* Its well-known caps (abi.h: MODULE_CAP_*), each a MAP of ours. */
    if ((e = tether_CS_MAP(m->cs, MODULE_CAP_CSPACE, CS, m->cs, R_ALL)) != E_OK ||
        (e = tether_CS_MAP(m->cs, MODULE_CAP_BANK, CS, m->bank, R_ALL)) != E_OK ||
        (e = tether_CS_MAP(m->cs, MODULE_CAP_ASPACE, CS, m->as, R_ALL)) != E_OK ||
        (e = tether_CS_MAP(m->cs, MODULE_CAP_THREAD, CS, m->thread, R_ALL)) != E_OK ||
        (e = tether_CS_MAP(m->cs, MODULE_CAP_SCHEDCTX, CS, m->sc, R_ALL)) != E_OK ||
        (e = tether_CS_MINT(m->cs, MODULE_CAP_PARENT, CS, m->ep, both, m->badge, MINT_MAP)) != E_OK ||
        (o->give && (e = tether_CS_MAP(m->cs, MODULE_CAP_ARG, CS, o->give, R_ALL)) != E_OK))
        return e;
    /* Its thread: entry, stack, time, and faults to the starter. */
    uint64_t sp = USER_STACK_TOP - size;
    if ((e = tether_THREAD_CONFIGURE(m->thread, m->cs, m->as, mi->entry, sp,
                                     o->prio ? o->prio : MODULE_PRIO, sp)) != E_OK ||
        (e = tether_SC_CONFIGURE(m->sc, THREAD_FULL_TIME, THREAD_FULL_TIME)) != E_OK ||
        (e = tether_THREAD_BIND_SC(m->thread, m->sc)) != E_OK ||
        (e = tether_CS_MINT(CS, m->scratch, CS, m->ep, both, m->badge | MODULE_FAULT_BADGE,
                            MINT_MAP)) != E_OK)
        return e;
    e = tether_THREAD_SET_IPC(m->thread, m->scratch, 0, 0, 0, MWIN_OFF);
    long d = tether_CS_DELETE(CS, m->scratch);  /* the thread keeps its own copy */
    return e != E_OK ? e : d;
}

long module_start(const char *name, uint32_t parent_bank, uint64_t limit, uint32_t slots,
                  const struct module_opts *opts, struct module *m)
{
    static const struct module_opts none;
    const struct module_opts *o = opts ? opts : &none;
    if (!name || !m || o->prio > 255 || o->badge >= MODULE_FAULT_BADGE ||
        slots > CAP_ADDR_LIMIT - MODULE_SLOTS)
        return E_INVAL;
    const struct tether_module_info *mi = module_find(name);
    if (!mi)
        return E_EMPTY;
    for (uint32_t s = slots; s < slots + MODULE_SLOTS; s++) {
        uint64_t r[4];
        long e = tether_CS_INFO(CS, s, r);
        if (e != E_OK)
            return e;
        if (r[TETHER_OUT_INDEX(CS_INFO, status)] == SLOT_LIVE)
            return E_FULL;  /* nothing made, nothing of the caller's touched */
    }
    memset(m, 0, sizeof *m);
    m->bank = slots;
    m->cs = slots + 1;
    m->as = slots + 2;
    m->thread = slots + 3;
    m->sc = slots + 4;
    m->ep = o->ep ? o->ep : slots + 5;
    m->scratch = slots + 6;
    m->badge = o->badge ? o->badge : 1;
    m->entry = mi->entry;
    m->info = mi;
    long e = make_task(m, mi, parent_bank, limit, slots, o);
    if (e == E_OK && !o->no_start)
        e = tether_THREAD_START(m->thread);
    if (e != E_OK)
        module_destroy(m, parent_bank);
    return e;
}

int module_end_of(struct module *m, const struct tether_msg *msg, long *err, long *status)
{
    uint64_t label = tmsg_label(*msg);
    if (msg->err != E_OK)
        return 0;
    if (msg->badge == m->badge && label == MODULE_EXIT) {
        *err = E_OK;
        *status = (long)msg->w[0];
        return 1;
    }
    if (msg->badge == (m->badge | MODULE_FAULT_BADGE) && label > FAULT_NONE && label < FAULT_COUNT) {
        *err = E_FAULT;
        *status = (long)label;
        m->fault_addr = msg->w[0];
        m->fault_pc = msg->w[1];
        return 1;
    }
    return 0;
}

long module_wait(struct module *m, long *status)
{
    for (;;) {
        struct tether_msg msg = tether_recv(m->ep);
        long err, st;
        if (msg.err != E_OK)
            return msg.err;
        if (module_end_of(m, &msg, &err, &st)) {
            if (status)
                *status = st;
            return err;
        }
    }
}

long module_destroy(struct module *m, uint32_t parent_bank)
{
    long e = tether_BANK_DESTROY(parent_bank, CS, m->bank);
    for (uint32_t s = m->bank; s < m->bank + MODULE_SLOTS; s++)
        tether_CS_DELETE(CS, s);  /* void caps, or E_EMPTY */
    return e;
}

int boot_arg(const char *key, char *buf, unsigned size)
{
    const char *p = tether_bootinfo ? tether_bootinfo->cmdline : "";
    size_t k = strlen(key);
    while (*p) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - w) > k && memcmp(w, key, k) == 0 && w[k] == '=') {
            unsigned n = (unsigned)(p - w - (long)k - 1);
            if (n >= size)
                return -1;
            memcpy(buf, w + k + 1, n);
            buf[n] = 0;
            return (int)n;
        }
    }
    return -1;
}
