/* SPDX-License-Identifier: BSD-2-Clause */
/* init.c: the root task of `make run`: a short tour of what the kernel
 * does, all through capabilities (the root task knows nothing else):
 * banks pay for everything (S1), COPY/MAP build the derivation tree
 * (C2, C3; shown as a tree with CS_TREE, and as the kernel sees it with
 * the Debug object), UNMAP takes derived caps back (C5), destroying a bank
 * destroys its objects and voids every cap to them (S2, S3). Powers off
 * with 0.
 *
 * With the boot argument prog=NAME (make run PROG=NAME) it starts that
 * program (a boot module, mk/riscv64.mk UPROGS) instead, from a bank of its
 * own, waits for it and powers off with its exit status. pictures=1 and
 * cut=1 are for tools/qemu-debate-test.sh (user/demos/demos.h). */
#include "tether.h"
#include "module.h"
#include "ulib.h"
#include "demos.h"

#define CS ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK

enum { SUB = 20, EP = 21, COPY = 22, MAP1 = 23, MAP2 = 24, MINTED = 25, LAST = 25 };

static const char *const type_texts[] = {
#define X(name, val, text) [val] = text,
#include <tether/types.def>
#undef X
};

/* A type's short name: its types.def text up to the first ':'. */
static const char *type_name(uint64_t t)
{
    static char buf[16];
    const char *s = t < sizeof type_texts / sizeof type_texts[0] && type_texts[t] ? type_texts[t] : "?";
    unsigned i = 0;
    while (s[i] && s[i] != ':' && i < sizeof buf - 1) {
        buf[i] = s[i];
        i++;
    }
    buf[i] = 0;
    return buf;
}

static int failures;

static void step(const char *what, long e)
{
    printf("init: %-52s -> %s\n", what, tether_error_name(e));
    if (e != E_OK)
        failures++;
}

static void show_bank(const char *name, uint32_t cap)
{
    uint64_t r[4];
    long e = tether_BANK_QUERY(cap, r);
    if (e == E_OK)
        printf("init:   bank %-6s usage %8lu bytes, limit %10lu, %lu objects\n", name, r[0], r[1], r[2]);
    else
        printf("init:   bank %-6s %s\n", name, tether_error_name(e));
}

/* The tour's slots of the root CSpace: what each holds (CS_INFO) and where
 * it is in its derivation tree (CS_TREE: depth, and its parent if that is
 * a slot of this CSpace too). */
static struct { uint64_t info[4], tree[4]; } slots[LAST + 1];

static int shown(uint64_t s) { return s >= 1 && s <= LAST && slots[s].info[0] != SLOT_EMPTY; }

/* v in base 10 or 16 into buf (at least 24 bytes); returns buf. */
static char *num(char *buf, uint64_t v, unsigned base)
{
    char t[24];
    unsigned n = 0, i = 0;
    do
        t[n++] = "0123456789abcdef"[v % base];
    while ((v /= base) && n < sizeof t);
    while (n)
        buf[i++] = t[--n];
    buf[i] = 0;
    return buf;
}

/* Slot s, then its children in this CSpace below it, indented. */
static void show_subtree(uint32_t s, unsigned indent)
{
    static const char *const st[] = { "empty", "VOID", "live" };
    const uint64_t *r = slots[s].info, *t = slots[s].tree;
    char where[40], badge[24], depth[24], parent[24];
    unsigned n = 0;
    for (; n < indent && n < 16; n++)
        where[n] = ' ';
    num(where + n, s, 10);
    const char *p = t[3] == TREE_ROOT ? "-" : t[3] == TREE_OUTSIDE ? "elsewhere" : t[3] == TREE_FAR ? "far"
                  : num(parent, t[3], 10);
    printf("init:   %-12s %-6s  %-9s  %c%c%c%c    %-5s  %-5s  %s\n", where, st[r[0]],
           r[0] == SLOT_LIVE ? type_name(r[1]) : "-", r[2] & R_READ ? 'r' : '-', r[2] & R_WRITE ? 'w' : '-',
           r[2] & R_EXEC ? 'x' : '-', r[2] & R_GRANT ? 'g' : '-', num(badge, r[3], 16), num(depth, t[1], 10), p);
    for (uint32_t c = 1; c <= LAST; c++)
        if (shown(c) && slots[c].tree[3] == s)
            show_subtree(c, indent + 2);
}

/* The tree: every slot under its parent (a root, or a cap whose parent is
 * not one of these slots, starts a line of its own). */
static void show_cspace(void)
{
    for (uint32_t s = 1; s <= LAST; s++)
        if (tether_CS_INFO(CS, s, slots[s].info) != E_OK || tether_CS_TREE(CS, s, slots[s].tree) != E_OK)
            slots[s].info[0] = SLOT_EMPTY;
    printf("init:   slot         status  type       rights  badge  depth  parent\n");
    for (uint32_t s = 1; s <= LAST; s++)
        if (shown(s) && !shown(slots[s].tree[3]))
            show_subtree(s, 0);
}

/* The same tree as the kernel sees it, through the Debug object: every
 * slot naming the endpoint, wherever it is (docs/debug.md). */
static void show_kernel_tree(uint32_t cap)
{
    uint64_t r[4] = { 0 };
    long e;
    unsigned calls = 0;
    do {
        e = tether_DEBUG_TREE(ROOT_CAP_DEBUG, cap, r[0], r);
        calls++;
    } while (e == E_OK && r[0]);
    printf("init: DEBUG_TREE of %u -> %s (%u calls of bounded work)\n", cap, tether_error_name(e), calls);
    if (e != E_OK)
        failures++;
}

#define PROG_SLOTS 0x1000u           /* MODULE_SLOTS cap addresses  */
#define PROG_BANK  (16ull << 20)      /* the program's bank: 16 MiB  */

/* make run PROG=name: start it, wait for its end, power off with its status. */
static int run_program(const char *name)
{
    struct module m;
    long status = -1;
    printf("init: starting program %s (module_start, a bank of %llu MiB)\n", name, PROG_BANK >> 20);
    long e = module_start(name, ROOT_CAP_BANK, PROG_BANK, PROG_SLOTS, NULL, &m);
    if (e != E_OK) {
        printf("init: module_start %s -> %s\n", name, tether_error_name(e));
        return 1;
    }
    e = module_wait(&m, &status);
    if (e == E_FAULT)
        printf("init: %s stopped: %s at %lx, pc %lx\n", name, tether_fault_name((unsigned long)status),
               m.fault_addr, m.fault_pc);
    else if (e != E_OK)
        printf("init: waiting for %s -> %s\n", name, tether_error_name(e));
    else
        printf("init: %s exited with status %ld\n", name, status);
    module_destroy(&m, ROOT_CAP_BANK);
    return e == E_OK ? (int)status : 1;
}

int main(void)
{
    uint64_t r[4];
    char prog[MODULE_NAME_MAX];
    if (boot_arg("prog", prog, sizeof prog) > 0)
        return run_program(prog);
    /* tools/qemu-debate-test.sh: the report's pictures, demo 6's power cut (demos.h) */
    demo_pictures = boot_arg("pictures", prog, sizeof prog) > 0 && prog[0] == '1';
    demo_cut = boot_arg("cut", prog, sizeof prog) > 0 && prog[0] == '1';
    printf("init: hello from the root task (user mode); my caps: CSpace %u, bank %u, "
           "AddrSpace %u, thread %u, System %u, SchedContext %u, Debug %u\n", ROOT_CAP_CSPACE,
           ROOT_CAP_BANK, ROOT_CAP_ASPACE, ROOT_CAP_THREAD, ROOT_CAP_SYSTEM, ROOT_CAP_SCHEDCTX,
           ROOT_CAP_DEBUG);
    show_bank("root", BANK);
    show_cspace();

    printf("init: -- a sub-bank pays for new objects (S1)\n");
    step("BANK_CREATE bank (limit 64 KiB) at 20", tether_BANK_CREATE(BANK, OBJ_BANK, CS, SUB, 65536));
    step("BANK_CREATE endpoint from it at 21", tether_BANK_CREATE(SUB, OBJ_ENDPOINT, CS, EP, 0));
    show_bank("sub", SUB);

    printf("init: -- COPY makes a new root, MAP a child (C2, C3), MINT a badged child (C7)\n");
    step("CS_COPY 21 -> 22 (read only)", tether_CS_COPY(CS, COPY, CS, EP, R_READ));
    step("CS_MAP 21 -> 23", tether_CS_MAP(CS, MAP1, CS, EP, R_ALL));
    step("CS_MAP 23 -> 24 (grandchild)", tether_CS_MAP(CS, MAP2, CS, MAP1, R_READ | R_GRANT));
    step("CS_MINT 21 -> 25 badge 0x42", tether_CS_MINT(CS, MINTED, CS, EP, R_ALL, 0x42, MINT_MAP));
    show_cspace();
    printf("init: -- the kernel's own view of 21's tree, from the Debug object (ROOT_CAP_DEBUG)\n");
    show_kernel_tree(EP);

    printf("init: -- UNMAP takes back everything derived from 21 (C5)\n");
    step("CS_UNMAP 21", tether_CS_UNMAP(CS, EP, 0));
    show_cspace();

    printf("init: -- destroying the bank destroys its objects; caps become void (S2, S3)\n");
    step("BANK_DESTROY 20", tether_BANK_DESTROY(BANK, CS, SUB));
    show_cspace();
    long e = tether_BANK_QUERY(SUB, r);
    printf("init: BANK_QUERY on the destroyed bank -> %s (expected E_REVOKED)\n", tether_error_name(e));
    if (e != E_REVOKED)
        failures++;
    e = tether_CS_MINT(CS, MINTED, CS, COPY, R_ALL, 1, MINT_COPY);
    printf("init: MINT from the void copy 22 -> %s (a void cap transfers like an empty slot)\n",
           tether_error_name(e));
    show_bank("root", BANK);

    /* The memory demos (user/demos), with their story. */
    demo_verbose = 1;
    for (unsigned i = 0; i < demo_count; i++) {
        printf("init: -- demo %s: %s\n", demo_list[i].name, demo_list[i].what);
        int f = demo_list[i].fn();
        printf("init: demo %s %s\n", demo_list[i].name, f ? "FAILED" : "ok");
        failures += f;
    }
    printf("init: -- persistence: the whole system is checkpointed, and the next boot resumes it (P1-P3)\n");
    int f = demo_persist();
    printf("init: demo persist %s\n", f ? "FAILED" : "ok");
    failures += f;
    show_bank("root", BANK);
    printf("init: done, powering off with status %d\n", failures ? 1 : 0);
    return failures ? 1 : 0;
}
