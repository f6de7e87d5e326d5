/* SPDX-License-Identifier: BSD-2-Clause */
/* init.c: the root task of `make run`: a short tour of what the kernel
 * does, all through capabilities (the root task knows nothing else):
 * banks pay for everything (S1), COPY/MAP build the derivation tree
 * (C2, C3), UNMAP takes derived caps back (C5), destroying a bank destroys
 * its objects and voids every cap to them (S2, S3). Powers off with 0.
 *
 * With the boot argument prog=NAME (make run PROG=NAME) it starts that
 * program (a boot module, mk/riscv64.mk UPROGS) instead, from a bank of its
 * own, waits for it and powers off with its exit status. */
#include "tether.h"
#include "module.h"
#include "ulib.h"
#include "demos.h"

#define CS ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK

enum { SUB = 20, EP = 21, COPY = 22, MAP1 = 23, MAP2 = 24, MINTED = 25, LAST = 25 };

static const char *const type_names[] = {
#define X(name, val, text) [val] = text,
#include <tether/types.def>
#undef X
};

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

/* The slots of the root CSpace, as CS_INFO shows them. */
static void show_cspace(void)
{
    static const char *const st[] = { "empty", "VOID", "live" };
    uint64_t r[4];
    printf("init:   slot  status  type       rights  badge\n");
    for (uint32_t s = 1; s <= LAST; s++) {
        if (tether_CS_INFO(CS, s, r) != E_OK || r[0] == SLOT_EMPTY)
            continue;
        printf("init:   %4u  %-6s  %-9s  %c%c%c%c    %lx\n", s, st[r[0]],
               r[0] == SLOT_LIVE ? type_names[r[1]] : "-", r[2] & R_READ ? 'r' : '-',
               r[2] & R_WRITE ? 'w' : '-', r[2] & R_EXEC ? 'x' : '-', r[2] & R_GRANT ? 'g' : '-',
               r[3]);
    }
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
    printf("init: hello from the root task (user mode); my caps: CSpace %u, bank %u, "
           "AddrSpace %u, thread %u\n", ROOT_CAP_CSPACE, ROOT_CAP_BANK, ROOT_CAP_ASPACE,
           ROOT_CAP_THREAD);
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
