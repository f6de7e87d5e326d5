/* SPDX-License-Identifier: BSD-2-Clause */
/* t_module.c: boot modules (abi.h: boot information, MODULE_CAP_*) and
 * libtether's loader (module.h), from the root task.
 *
 * The test image embeds UPROGS, the test module `probe` (user/tests/probe:
 * it does what it is told, probe.h) and malformed modules the kernel must
 * refuse (mk/riscv64.mk: MODS_test). Probes run at MODULE_PRIO, below the
 * root, so each runs exactly while the root waits for it. The root never
 * touches a module's memory but through a mapping of its own. */
#include "harness.h"
#include "layout.h"
#include "module.h"
#include "probe/probe.h"
#include "task.h"
#include "tether.h"
#include "ulib.h"

#define CS   ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK
#define PG   4096UL
#define MIB  (1ull << 20)

static uint64_t r[4];

/* Cap addresses of the root CSpace for these tests: a range of their own,
 * so that they leave the other tests' fresh_slots as they were. */
static uint32_t mod_slots(unsigned n)
{
    static uint32_t next = 0x40000;
    uint32_t s = next;
    next += n;
    return s;
}

static uint64_t usage(uint32_t bank)
{
    r[0] = ~0ull;
    CHECK_EQ(tether_BANK_QUERY(bank, r), E_OK);
    return r[TETHER_OUT_INDEX(BANK_QUERY, usage)];
}
static uint64_t status(uint32_t slot)
{
    CHECK_EQ(tether_CS_INFO(CS, slot, r), E_OK);
    return r[TETHER_OUT_INDEX(CS_INFO, status)];
}
static uint32_t new_bank(uint64_t limit)
{
    uint32_t b = mod_slots(1);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_BANK, CS, b, limit), E_OK);
    return b;
}

/* Start a probe whose secret is `secret`; its first message (the address
 * and value of its secret) in *hello. */
static long start_probe_at(uint32_t slots, struct module *m, uint32_t bank, uint64_t limit,
                           uint64_t secret, uint32_t give, struct tether_msg *hello)
{
    struct module_opts o = { .arg = { secret }, .give = give };
    long e = module_start("probe", bank, limit, slots, &o, m);
    if (e == E_OK) {
        *hello = tether_recv(m->ep);
        CHECK_EQ(hello->err, E_OK);
        CHECK_EQ(hello->badge, m->badge);
        CHECK_EQ(tmsg_label(*hello), PROBE_MSG);
    }
    return e;
}
static long start_probe(struct module *m, uint32_t bank, uint64_t limit, uint64_t secret,
                        uint32_t give, struct tether_msg *hello)
{
    return start_probe_at(mod_slots(MODULE_SLOTS), m, bank, limit, secret, give, hello);
}
/* Answer the probe's last call with a command; its next message. */
static struct tether_msg cmd(struct module *m, uint64_t op, uint64_t a, uint64_t b)
{
    uint64_t w[6] = { op, a, b };
    return tether_reply_recv(m->ep, MSG_INFO(0, 0), w);
}
/* Answer with a command after which the probe sends nothing (park, exit). */
static void tell(uint64_t op, uint64_t a)
{
    uint64_t w[6] = { op, a };
    CHECK_EQ(tether_reply(MSG_INFO(0, 0), w).err, E_OK);
}
/* Make the root-CSpace nodes for slots [s, s + n) now: they stay, so that
 * later bank figures do not count them. */
static void warm_slots(uint32_t s, unsigned n)
{
    for (uint32_t x = s; x < s + n; x += n - 1) {
        CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, x, 0), E_OK);
        CHECK_EQ(tether_BANK_DESTROY(BANK, CS, x), E_OK);
        CHECK_EQ(tether_CS_DELETE(CS, x), E_OK);
    }
}
/* The same, for a command that answers: its result words. */
static uint64_t *ask(struct module *m, uint64_t op, uint64_t a, uint64_t b)
{
    static struct tether_msg last;
    last = cmd(m, op, a, b);
    CHECK_EQ(last.err, E_OK);
    CHECK_EQ(last.badge, m->badge);
    CHECK_EQ(tmsg_label(last), PROBE_MSG);
    return last.w;
}
/* The word at va of module m's AddrSpace, read through a view MAPped into
 * ours (its AddrSpace cap lets us; nothing else would). */
static uint64_t peek_in(struct module *m, uint64_t va)
{
    uint64_t view = stage_alloc(1), v = ~0ull;
    if (tether_AS_MAP(ROOT_CAP_ASPACE, m->as, va & ~(PG - 1), view, 0, R_READ, ITEM_MAP) == E_OK) {
        v = *(volatile uint64_t *)(view + (va & (PG - 1)));
        CHECK_EQ(tether_AS_UNMAP(ROOT_CAP_ASPACE, view, 0, 1), E_OK);
    }
    return v;
}

TEST(module_boot_info_describes_the_programs)
{
    const struct tether_bootinfo *bi = tether_bootinfo;
    CHECK(bi != NULL);
    if (!bi)
        return;
    CHECK((uint64_t)bi == BOOTINFO_VA);
    CHECK_EQ(bi->magic, BOOTINFO_MAGIC);
    CHECK_EQ(bi->version, BOOTINFO_VERSION);
    CHECK(tether_modinfo == NULL);  /* the root task is no module */
    static const char *const progs[] = { "hello", "first", "probe" };
    unsigned hellos = 0;
    for (unsigned i = 0; i < bi->nmodules; i++)
        hellos += strcmp(bi->module[i].name, "hello") == 0;
    CHECK_EQ(hellos, 1);  /* the second "hello" was refused */
    for (unsigned i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        const struct tether_module_info *mi = module_find(progs[i]);
        CHECK(mi != NULL);
        if (!mi)
            continue;
        CHECK_EQ(mi->frames, (mi->size + PG - 1) / PG);
        CHECK(mi->lo >= MODULE_BASE_MIN && mi->lo < mi->hi && mi->entry >= mi->lo &&
              mi->entry < mi->hi && mi->hi <= USER_STACK_TOP - USER_STACK_PAGES * PG);
        CHECK(mi->first_cap >= ROOT_CAP_MODULES);
        /* Its frames: read-only caps of the root CSpace, holding its file. */
        for (unsigned f = 0; f < mi->frames; f++) {
            CHECK_EQ(tether_CS_INFO(CS, mi->first_cap + f, r), E_OK);
            CHECK_EQ(r[0], SLOT_LIVE);
            CHECK_EQ(r[1], OBJ_FRAME);
            CHECK_EQ(r[2], R_READ | R_EXEC);
        }
        uint64_t va = stage_alloc(1);
        CHECK_EQ(tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, mi->first_cap, va, R_READ, ITEM_MAP), E_OK);
        CHECK_EQ(memcmp((const void *)va, "\177ELF", 4), 0);
        CHECK_EQ(tether_AS_UNMAP(ROOT_CAP_ASPACE, va, 0, 1), E_OK);
    }
    /* Frame caps do not overlap from one module to the next. */
    for (unsigned i = 1; i < bi->nmodules; i++)
        CHECK_EQ(bi->module[i].first_cap, bi->module[i - 1].first_cap + bi->module[i - 1].frames);
}

TEST(c1_module_frames_map_read_only)
{
    const struct tether_module_info *mi = module_find("probe");
    CHECK(mi != NULL);
    if (!mi)
        return;
    uint64_t va = stage_alloc(1);
    /* Asked for R|W|X, the mapping gets what the cap has: R|X (C1). */
    CHECK_EQ(tether_AS_MAP_FRAME(ROOT_CAP_ASPACE, mi->first_cap, va, R_READ | R_WRITE | R_EXEC,
                                 ITEM_MAP), E_OK);
    CHECK_EQ(tether_AS_INFO(ROOT_CAP_ASPACE, va, r), E_OK);
    CHECK_EQ(r[1], R_READ | R_EXEC);
    CHECK_EQ(tether_AS_UNMAP(ROOT_CAP_ASPACE, va, 0, 1), E_OK);
    /* A cap with more rights cannot be made from it either. */
    uint32_t s = mod_slots(1);
    CHECK_EQ(tether_CS_MAP(CS, s, CS, mi->first_cap, R_ALL), E_OK);
    CHECK_EQ(tether_CS_INFO(CS, s, r), E_OK);
    CHECK_EQ(r[2], R_READ | R_EXEC);
    CHECK_EQ(tether_CS_DELETE(CS, s), E_OK);
}

TEST(module_malformed_ones_are_refused)
{
    static const char *const bad[] = {
        "bad-magic", "bad-short", "bad-machine", "bad-phdrs", "bad-filesz",
        "bad-kernel", "bad-overlap", "bad-entry", "a-name-longer-than-the-table-allows",
    };
    const unsigned n = sizeof bad / sizeof bad[0];
    CHECK(tether_bootinfo && tether_bootinfo->refused >= n + 1);  /* + the second "hello" */
    uint32_t slots = mod_slots(MODULE_SLOTS);
    uint64_t u0 = usage(BANK);
    for (unsigned i = 0; i < n; i++) {
        struct module m;
        CHECK(module_find(bad[i]) == NULL);
        CHECK_EQ(module_start(bad[i], BANK, MIB, slots, NULL, &m), E_EMPTY);
    }
    CHECK_EQ(usage(BANK), u0);
}

TEST(module_missing_name_is_a_clean_error)
{
    struct module m;
    uint32_t slots = mod_slots(MODULE_SLOTS);
    warm_slots(slots, MODULE_SLOTS);
    uint64_t u0 = usage(BANK);
    CHECK_EQ(module_start("no-such-program", BANK, MIB, slots, NULL, &m), E_EMPTY);
    CHECK_EQ(module_start(NULL, BANK, MIB, slots, NULL, &m), E_INVAL);
    CHECK_EQ(module_start("probe", BANK, MIB, slots, NULL, NULL), E_INVAL);
    struct module_opts o = { .badge = MODULE_FAULT_BADGE };
    CHECK_EQ(module_start("probe", BANK, MIB, slots, &o, &m), E_INVAL);
    CHECK_EQ(usage(BANK), u0);
    for (unsigned i = 0; i < MODULE_SLOTS; i++)
        CHECK_EQ(status(slots + i), SLOT_EMPTY);
    /* A slot in use: E_FULL, and the cap there is left alone. */
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, slots + 3, 0), E_OK);
    CHECK_EQ(module_start("probe", BANK, MIB, slots, NULL, &m), E_FULL);
    CHECK_EQ(status(slots + 3), SLOT_LIVE);
    CHECK_EQ(tether_BANK_DESTROY(BANK, CS, slots + 3), E_OK);
    CHECK_EQ(tether_CS_DELETE(CS, slots + 3), E_OK);
    CHECK_EQ(usage(BANK), u0);
}

TEST(s1_module_too_small_bank_gives_nomem_and_leaves_nothing)
{
    struct module m;
    uint32_t slots = mod_slots(MODULE_SLOTS);
    warm_slots(slots, MODULE_SLOTS);
    uint64_t u0 = usage(BANK);
    CHECK_EQ(module_start("probe", BANK, 16 << 10, slots, NULL, &m), E_NOMEM);
    CHECK_EQ(usage(BANK), u0);
    for (unsigned i = 0; i < MODULE_SLOTS; i++)
        CHECK_EQ(status(slots + i), SLOT_EMPTY);
}

TEST(module_two_from_different_banks_in_their_own_spaces)
{
    const uint64_t own_va = 0x40000000UL;
    uint32_t pa = new_bank(2 * MIB), pb = new_bank(2 * MIB);
    uint32_t gift = mod_slots(1);
    CHECK_EQ(tether_BANK_CREATE(BANK, OBJ_NOTIFICATION, CS, gift, 0), E_OK);
    struct module a, b;
    struct tether_msg ha, hb;
    /* A: from bank pa, given a cap; a page of its own at own_va. */
    CHECK_EQ(start_probe(&a, pa, MIB, 0xa11ce, gift, &ha), E_OK);
    CHECK(usage(pa) > 0);
    CHECK_EQ(usage(pb), 0);
    CHECK_EQ(ask(&a, PROBE_MAP, own_va, 0x5ec2e7)[0], E_OK);
    uint64_t *w = ask(&a, PROBE_INFO, MODULE_CAP_ARG, 0);
    CHECK_EQ(w[0], E_OK);
    CHECK_EQ(w[1], SLOT_LIVE);
    CHECK_EQ(w[2], OBJ_NOTIFICATION);
    tell(PROBE_PARK, 0);  /* A waits on an endpoint of its own from now on */

    /* B: from bank pb (A parks while we wait for B's first message). */
    CHECK_EQ(start_probe(&b, pb, MIB, 0xb0b, 0, &hb), E_OK);
    CHECK_EQ(tether_THREAD_INFO(a.thread, r), E_OK);
    CHECK_EQ(r[0], THREAD_BLOCKED_RECV);
    uint64_t pa_used = usage(pa);
    CHECK(usage(pb) > 0);
    /* The same program at the same addresses, each with its own data. */
    CHECK_EQ(ha.w[0], hb.w[0]);
    CHECK_EQ(ha.w[1], 0xa11ce);
    CHECK_EQ(hb.w[1], 0xb0b);
    const uint64_t secret_va = ha.w[0];

    /* B's caps are its own: its bank, no System cap, nothing given. */
    w = ask(&b, PROBE_QUERY, MODULE_CAP_BANK, 0);
    CHECK_EQ(w[0], E_OK);
    uint64_t seen_usage = w[1], seen_limit = w[2];
    CHECK_EQ(tether_BANK_QUERY(b.bank, r), E_OK);
    CHECK_EQ(seen_limit, MIB);
    CHECK_EQ(r[1], MIB);
    CHECK(seen_usage > 0 && seen_usage <= r[0]);
    CHECK_EQ(ask(&b, PROBE_QUERY, ROOT_CAP_SYSTEM, 0)[0], E_EMPTY);
    w = ask(&b, PROBE_INFO, MODULE_CAP_ARG, 0);
    CHECK_EQ(w[0], E_OK);
    CHECK_EQ(w[1], SLOT_EMPTY);
    for (uint32_t s = MODULE_CAP_CSPACE; s <= MODULE_CAP_PARENT; s++)
        CHECK_EQ(ask(&b, PROBE_INFO, s, 0)[1], s == ROOT_CAP_SYSTEM ? SLOT_EMPTY : SLOT_LIVE);
    /* B writes its secret: A's, at the same address, is untouched. */
    CHECK_EQ(ask(&b, PROBE_WRITE, secret_va, 0xbbbb)[0], 0);
    CHECK_EQ(ask(&b, PROBE_READ, secret_va, 0)[0], 0xbbbb);
    CHECK_EQ(peek_in(&a, secret_va), 0xa11ce);
    CHECK_EQ(peek_in(&b, secret_va), 0xbbbb);
    CHECK_EQ(peek_in(&a, own_va), 0x5ec2e7);
    /* B cannot touch A's page: nothing is mapped there for B. */
    struct tether_msg f = cmd(&b, PROBE_READ, own_va, 0);
    long err = -1, kind = -1;
    CHECK_EQ(module_end_of(&b, &f, &err, &kind), 1);
    CHECK_EQ(err, E_FAULT);
    CHECK_EQ(kind, FAULT_READ);
    CHECK_EQ(b.fault_addr, own_va);
    CHECK_EQ(tether_THREAD_INFO(a.thread, r), E_OK);
    CHECK_EQ(r[0], THREAD_BLOCKED_RECV);  /* A goes on waiting */
    CHECK_EQ(usage(pa), pa_used);         /* and pays for nothing of B's */

    CHECK_EQ(module_destroy(&a, pa), E_OK);
    CHECK_EQ(module_destroy(&b, pb), E_OK);
    CHECK_EQ(usage(pa), 0);
    CHECK_EQ(usage(pb), 0);
    CHECK_EQ(tether_BANK_DESTROY(BANK, CS, pa), E_OK);
    CHECK_EQ(tether_BANK_DESTROY(BANK, CS, pb), E_OK);
    CHECK_EQ(tether_BANK_DESTROY(BANK, CS, gift), E_OK);
}

TEST(s1_module_bank_pays_for_all_of_it)
{
    uint32_t p = new_bank(4 * MIB), slots = mod_slots(MODULE_SLOTS);
    struct module m;
    struct tether_msg h;
    struct module_opts o = { .arg = { 1 } };
    /* Once first: the root's CSpace nodes for the slots and its staging
     * pages' page tables are made then, and stay. */
    CHECK_EQ(module_start("probe", p, MIB, slots, &o, &m), E_OK);
    CHECK_EQ(module_destroy(&m, p), E_OK);
    uint64_t root0 = usage(BANK), p0 = usage(p);
    CHECK_EQ(p0, 0);
    CHECK_EQ(module_start("probe", p, MIB, slots, &o, &m), E_OK);
    h = tether_recv(m.ep);
    CHECK_EQ(h.err, E_OK);
    uint64_t p1 = usage(p), mine = usage(m.bank);
    CHECK_EQ(tether_BANK_QUERY(m.bank, r), E_OK);
    /* its objects: CSpace, AddrSpace, thread, SchedContext, endpoint, and
     * frames for data, bss and stack (text and rodata are not copied) */
    CHECK(r[2] >= 5 + USER_STACK_PAGES + 1);
    CHECK(mine > 0 && p1 >= mine);
    CHECK_EQ(usage(BANK) - root0, p1 - p0);  /* the starter paid for nothing else */
    uint64_t *w = ask(&m, PROBE_QUERY, MODULE_CAP_BANK, 0);
    CHECK_EQ(w[0], E_OK);
    CHECK_EQ(w[1], mine);  /* the module sees the same account */
    /* What it makes is paid by its bank too. */
    CHECK_EQ(ask(&m, PROBE_MAP, 0x40000000UL, 1)[0], E_OK);
    CHECK(usage(m.bank) >= mine + PG);
    CHECK_EQ(usage(BANK) - root0, usage(p) - p0);
    CHECK_EQ(module_destroy(&m, p), E_OK);
    CHECK_EQ(usage(p), 0);
    CHECK_EQ(usage(BANK), root0);
    CHECK_EQ(tether_BANK_DESTROY(BANK, CS, p), E_OK);
}

TEST(s2_destroying_its_bank_ends_a_module)
{
    struct module m;
    struct tether_msg h;
    const struct tether_module_info *mi = module_find("probe");
    uint32_t slots = mod_slots(MODULE_SLOTS);
    warm_slots(slots, MODULE_SLOTS);
    uint64_t u0 = usage(BANK);
    /* Blocked (in its call to us), then runnable (told to go on, not yet
     * run: it is below us): either way its bank's destruction ends it. */
    for (int runnable = 0; runnable < 2; runnable++) {
        CHECK_EQ(start_probe_at(slots, &m, BANK, MIB, 7, 0, &h), E_OK);
        if (runnable)
            tell(PROBE_PARK, 0);
        CHECK_EQ(tether_THREAD_INFO(m.thread, r), E_OK);
        CHECK_EQ(r[0], runnable ? THREAD_RUNNABLE : THREAD_BLOCKED_REPLY);
        uint32_t thread = m.thread, as = m.as;
        CHECK_EQ(tether_BANK_DESTROY(BANK, CS, m.bank), E_OK);
        CHECK_EQ(tether_THREAD_INFO(thread, r), E_REVOKED);
        CHECK_EQ(tether_AS_INFO(as, mi->entry, r), E_REVOKED);
        CHECK_EQ(module_destroy(&m, BANK), E_REVOKED);  /* already gone */
        CHECK_EQ(usage(BANK), u0);
    }
    /* The module's frames are the root's: they stay, and it starts again. */
    CHECK_EQ(status(mi->first_cap), SLOT_LIVE);
    long st = -1;
    CHECK_EQ(start_probe_at(slots, &m, BANK, MIB, 8, 0, &h), E_OK);
    tell(PROBE_EXIT, 9);
    CHECK_EQ(module_wait(&m, &st), E_OK);
    CHECK_EQ(st, 9);
    CHECK_EQ(module_destroy(&m, BANK), E_OK);
    CHECK_EQ(usage(BANK), u0);
}

TEST(module_exit_and_faults_reach_the_starter)
{
    struct module m;
    struct tether_msg h;
    long st = -1;
    /* Its text is MAPped read-only: a store to it faults (FAULT_WRITE),
     * and the fault comes to the starter with the fault badge. */
    CHECK_EQ(start_probe(&m, BANK, MIB, 1, 0, &h), E_OK);
    uint64_t text = m.entry;
    tell(PROBE_WRITE, text);
    CHECK_EQ(module_wait(&m, &st), E_FAULT);
    CHECK_EQ(st, FAULT_WRITE);
    CHECK_EQ(m.fault_addr, text);
    CHECK_EQ(tether_THREAD_INFO(m.thread, r), E_OK);
    CHECK_EQ(r[0], THREAD_BLOCKED_REPLY);  /* in its fault call, unanswered */
    CHECK_EQ(module_destroy(&m, BANK), E_OK);
    /* main's return value is the status module_wait gives. */
    CHECK_EQ(start_probe(&m, BANK, MIB, 1, 0, &h), E_OK);
    tell(PROBE_EXIT, 42);
    CHECK_EQ(module_wait(&m, &st), E_OK);
    CHECK_EQ(st, 42);
    CHECK_EQ(module_destroy(&m, BANK), E_OK);
}

TEST(module_example_programs_run_and_exit_0)
{
    static const char *const progs[] = { "hello", "first" };
    for (unsigned i = 0; i < sizeof progs / sizeof progs[0]; i++) {
        struct module m;
        long st = -1;
        uint64_t u0 = usage(BANK);
        CHECK_EQ(module_start(progs[i], BANK, 4 * MIB, mod_slots(MODULE_SLOTS), NULL, &m), E_OK);
        CHECK_EQ(module_wait(&m, &st), E_OK);
        CHECK_EQ(st, 0);
        CHECK_EQ(module_destroy(&m, BANK), E_OK);
        CHECK(usage(BANK) - u0 < 16 * PG);  /* the root's nodes and views only */
    }
}
