/* SPDX-License-Identifier: BSD-2-Clause */
/* t_abi.c: the manual is true. labels.def says, for every method, the
 * rights the invoked cap and each cap argument need and every error it
 * returns (docs/manual.md is generated from it); these tests drive every
 * method with good and bad arguments, from the kernel's own callers and
 * from threads (the system-call path), in a world with caps of every type,
 * void caps, wrappers, reduced rights, full banks and deep trees, and fail
 *   - on an error a method returned that its ERR list lacks,
 *   - on a listed error no call provoked (the list says no more than is so),
 *   - on a call with a cap lacking the listed rights that did not fail (the
 *     invoked cap's: with exactly E_RIGHTS, checked first),
 *   - on an invocation whose cap did not resolve answering anything but
 *     the lookup's own error,
 *   - on a call that succeeded with an argument its entry refuses ("else
 *     E_INVAL": manual_refuses below; BANK_CREATE's arg also for every
 *     type, one call each).
 * A failure prints the method, the error and the call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "fixture.h"
#include "abi_table.h"
#include "host_blk.h"
#include "host_console.h"
#include "notification.h"
#include "aspace.h"
#include "frame.h"

#define RAM (12 * MB)
#define ROUNDS 8      /* worlds built per method */
#define CALLS 300     /* calls in each */

/* ---- the world ---------------------------------------------------------- */

enum {
    SUB = 20, TINY, TINY2, C2, CT, EP, EPB, N, NB, T_NEW, T_CFG, T_RUN, T_LOST, T_C2, AS1, AST,
    F1, F2, F3, SC1, SC2, W_EP, W_CS, W_T, W_B, W_AS, W_NB, W_DEAD, V_EP, V_CS, V_T, V_F, V_AS,
    V_N, V_B, V_SC, W_C2, DEEP_B, WCHAIN, BIG, AS2, W_DBG, NBASE,
    DRV = 90, DRV2 = 91,
    REDUCED = 100,             /* 4 copies of each base cap with fewer rights */
    EMPTY0 = 600,              /* empty slots: 600..609 */
    TMP = 700,                 /* bank chain 700..730, wrapper chain 740..747, victims 750.. */
    FAR0 = 2000000,            /* empty, no radix nodes there yet */
};
#define VA0 0x10000ull         /* AS1: frames at VA0, VA0 + 4 KiB, VA0 + 8 KiB; AS2: at VA0 */
#define VA_BIG 0x100000ull     /* AS1: 128 pages, each a copy of F1 */
#define NKIDS 80               /* BIG has this many children: more than a step removes */

static const u32 bases[] = {CS, BANK, ROOT_CAP_SYSTEM, ROOT_CAP_DEBUG, SUB, C2, EP, N, NB, T_CFG, T_RUN,
                            T_NEW, AS1, F1, SC1, SC2, W_EP, W_CS, W_T};
static const u8 reduced_rights[4] = {R_READ, R_WRITE, 0, R_READ | R_WRITE};

static u32 pool[256];          /* every cap address of the world */
static u32 npool;
static bool drv_ok, drv2_ok;   /* the driver threads can still make calls */

static oref obj_of(u32 slot) { return tk_slot(slot) ? tk_slot(slot)->obj : 0; }

static void add(u32 slot) { pool[npool++] = slot; }

static void wrap(u32 dst, u32 src, u64 badge) { CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, dst, CS, src, badge, R_ALL), E_OK); }

static void build_world(void)
{
    u32 v = TMP + 50;
    tk_boot(RAM);
    npool = 0;
    for (u32 s = 1; s <= ROOT_CAP_DEBUG; s++)
        if (tk_slot(s) && tk_slot(s)->obj)  /* the host has no root AddrSpace, thread, time */
            add(s);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 4 * MB), E_OK);
    /* Tiny banks: each pays for one object and then can pay for nothing. */
    CHECK_EQ(tk_create(BANK, OBJ_BANK, TINY, tk_charge(sizeof(struct cspace)) + store_block_size(CS_L2_BYTES) +
                                               store_block_size(CS_LEAF_BYTES) + 32), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, TINY2, tk_charge(sizeof(struct aspace)) + PAGE_BYTES), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_CSPACE, C2, 0), E_OK);
    CHECK_EQ(tk_create(TINY, OBJ_CSPACE, CT, 0), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_inv(CT, CS_COPY, 5, CS, EP, R_ALL, 0, 0), E_OK);  /* CT's one radix leaf */
    CHECK_EQ(tk_create(TINY2, OBJ_ASPACE, AST, 0), E_OK);
    CHECK_EQ(tk_mint(EPB, EP, R_ALL, 7, MINT_COPY), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_NOTIFICATION, N, 0), E_OK);
    CHECK_EQ(tk_mint(NB, N, R_ALL, 1, MINT_MAP), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_ASPACE, AS1, 0), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_FRAME, F1, 0), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_FRAME, F2, 0), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_FRAME, F3, 0), E_OK);
    CHECK_EQ(tk_inv(AS1, AS_MAP_FRAME, F1, VA0, R_ALL, ITEM_COPY, 0, 0), E_OK);
    CHECK_EQ(tk_inv(AS1, AS_MAP_FRAME, F2, VA0 + 0x1000, R_ALL, ITEM_MAP, 0, 0), E_OK);
    CHECK_EQ(tk_inv(AS1, AS_MAP_FRAME, F3, VA0 + 0x2000, R_READ, ITEM_MAP, 0, 0), E_OK);
    for (u32 k = 0; k < 128; k++)
        CHECK_EQ(tk_inv(AS1, AS_MAP_FRAME, F1, VA_BIG + k * PAGE_BYTES, R_READ, ITEM_COPY, 0, 0), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_ASPACE, AS2, 0), E_OK);
    CHECK_EQ(tk_inv(AS2, AS_MAP_FRAME, F3, VA0, R_ALL, ITEM_COPY, 0, 0), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_ENDPOINT, BIG, 0), E_OK);
    for (u32 k = 0; k < NKIDS; k++)
        CHECK_EQ(tk_map(800 + k, BIG, R_ALL), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_SCHEDCTX, SC1, 0), E_OK);
    CHECK_EQ(tk_inv(SC1, SC_CONFIGURE, 10, 10, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_SCHEDCTX, SC2, 0), E_OK);
    /* Threads: never configured, configured (bound to SC1 and N),
     * runnable, unable to run, driven by C2 only. */
    CHECK_EQ(tk_create(SUB, OBJ_THREAD, T_NEW, 0), E_OK);
    new_thread(SUB, T_CFG, CS, AS1, 0x1000, 10);
    CHECK_EQ(tk_inv(T_CFG, THREAD_BIND_SC, SC1, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(T_CFG, THREAD_BIND_NTFN, N, 0, 0, 0, 0, 0), E_OK);
    new_thread(SUB, T_RUN, CS, AS1, 0x1000, 10);
    start_thread(T_RUN);
    CHECK_EQ(tk_create(SUB, OBJ_ASPACE, v, 0), E_OK);
    new_thread(SUB, T_LOST, CS, v, 0x1000, 10);
    CHECK_EQ(tk_destroy(SUB, v++), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_THREAD, T_C2, 0), E_OK);
    /* Wrappers: of an endpoint, the root CSpace, a thread, a bank, an
     * AddrSpace, a notification (with a badge), the Debug object, of a
     * destroyed endpoint, and a chain as long as it may be. */
    wrap(W_EP, EP, 0);
    wrap(W_CS, CS, 0);
    wrap(W_T, T_CFG, 0);
    wrap(W_B, SUB, 0);
    wrap(W_AS, AS1, 0);
    wrap(W_NB, N, 3);
    wrap(W_DBG, ROOT_CAP_DEBUG, 0);  /* the Debug object, through a wrapper */
    CHECK_EQ(tk_create(SUB, OBJ_ENDPOINT, v, 0), E_OK);
    wrap(W_DEAD, v, 0);
    CHECK_EQ(tk_destroy(SUB, v++), E_OK);
    wrap(TMP + 40, EP, 0);
    for (u32 k = 1; k < WRAP_MAX_DEPTH; k++)
        wrap(TMP + 40 + k, TMP + 40 + k - 1, 0);
    CHECK_EQ(tk_copy(WCHAIN, TMP + 40 + WRAP_MAX_DEPTH - 1, R_ALL), E_OK);
    /* Void caps of every type. */
    static const struct { u32 slot; u64 type; } voids[] = {
        {V_EP, OBJ_ENDPOINT}, {V_CS, OBJ_CSPACE}, {V_T, OBJ_THREAD}, {V_F, OBJ_FRAME},
        {V_AS, OBJ_ASPACE}, {V_N, OBJ_NOTIFICATION}, {V_B, OBJ_BANK}, {V_SC, OBJ_SCHEDCTX}};
    for (u32 i = 0; i < ARRAY_LEN(voids); i++) {
        CHECK_EQ(tk_create(SUB, voids[i].type, v, 0), E_OK);
        CHECK_EQ(tk_copy(voids[i].slot, v, R_ALL), E_OK);
        CHECK_EQ(tk_destroy(SUB, v++), E_OK);
    }
    wrap(W_C2, C2, 0);
    /* A bank as deep as banks go. */
    CHECK_EQ(tk_create(BANK, OBJ_BANK, TMP, 2 * MB), E_OK);
    for (u32 k = 1; k < BANK_MAX_DEPTH - 1; k++)
        CHECK_EQ(tk_create(TMP + k - 1, OBJ_BANK, TMP + k, 2 * MB), E_OK);
    CHECK_EQ(tk_copy(DEEP_B, TMP + BANK_MAX_DEPTH - 2, R_ALL), E_OK);
    for (u32 s = SUB; s < NBASE; s++)
        add(s);
    for (u32 i = 0; i < ARRAY_LEN(bases); i++)
        for (u32 k = 0; k < 4; k++) {
            CHECK_EQ(tk_copy(REDUCED + 4 * i + k, bases[i], reduced_rights[k]), E_OK);
            add(REDUCED + 4 * i + k);
        }
    /* C2 holds a copy of every cap at the same address. */
    for (u32 i = 0; i < npool; i++) {
        int e = tk_inv(C2, CS_COPY, pool[i], CS, pool[i], R_ALL, 0, 0);
        CHECK(e == E_OK || (e == E_EMPTY && tk_status(pool[i]) != SLOT_LIVE));
    }
    /* T_C2 configured from C2, in C2: the root CSpace may not drive it. */
    CHECK_EQ(kernel_invoke(obj_of(C2), (u64)THREAD_CONFIGURE << 32 | T_C2,
                           (const u64[6]){C2, AS1, 0x1000, 0, 10, 0}, tk_r), E_OK);
    /* The drivers: threads that make the system calls, at priority 50 (so
     * that configuring a thread above it is E_RIGHTS), one in each CSpace. */
    new_thread(SUB, DRV, CS, AS1, 0x4000, 50);
    start_thread(DRV);
    CHECK_EQ(tk_create(SUB, OBJ_THREAD, DRV2, 0), E_OK);
    CHECK_EQ(tk_time(SUB, DRV2), E_OK);
    CHECK_EQ(tk_inv(C2, CS_COPY, DRV2, CS, DRV2, R_ALL, 0, 0), E_OK);
    CHECK_EQ(kernel_invoke(obj_of(C2), (u64)THREAD_CONFIGURE << 32 | DRV2,
                           (const u64[6]){C2, AS1, 0x4000, 0, 50, 0}, tk_r), E_OK);
    CHECK_EQ(kernel_invoke(obj_of(C2), (u64)THREAD_START << 32 | DRV2, (const u64[6]){0}, tk_r), E_OK);
    drv_ok = drv2_ok = true;
}

/* ---- argument values ---------------------------------------------------- */

static u64 seed = 12345;
static u64 rnd(void)
{
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return seed;
}
static u32 rn(u32 n) { return (u32)(rnd() % n); }
static bool chance(u32 pct) { return rn(100) < pct; }
#define PICK(...) ((const u64[]){__VA_ARGS__})[rn(sizeof((const u64[]){__VA_ARGS__}) / sizeof(u64))]

static u64 generic(void)
{
    switch (rn(6)) {
    case 0: return rnd();
    case 1: return pool[rn(npool)];
    case 2: return PICK(CAP_ADDR_LIMIT - 1, CAP_ADDR_LIMIT, CAP_NONE, USER_VA_LIMIT, ~0ull, 1ull << 32);
    default: return rn(20);
    }
}

/* A cap address: mostly one of `type` (any rights, through wrappers, void);
 * OBJ_NONE: a cap of any type (CAPARG(..., OBJ_NONE, ...)). */
static u64 cap_value(oref ccs, u32 type)
{
    if (type == OBJ_NONE && chance(65))
        return pool[rn(npool)];
    if (chance(65))
        for (int k = 0; k < 40; k++) {
            u32 s = pool[rn(npool)];
            struct target t;
            if (kernel_lookup(ccs, s, &t) == E_OK ? t.type == type : chance(20))
                return s;
        }
    switch (rn(5)) {
    case 0: return CAP_NONE;
    case 1: return EMPTY0 + rn(10);
    case 2: return PICK(CAP_ADDR_LIMIT, CAP_ADDR_LIMIT + 1, ~0ull);
    default: return pool[rn(npool)];
    }
}

static u64 slot_value(void)
{
    switch (rn(10)) {
    case 0: case 1: case 2: case 3: case 4: return pool[rn(npool)];
    case 5: return EMPTY0 + rn(10);
    case 6: return FAR0 + rn(4) * 70000;
    case 7: return PICK(CAP_ADDR_LIMIT - 1, CAP_ADDR_LIMIT, CAP_ADDR_LIMIT - 3, ~0ull);
    default: return generic();
    }
}

static u64 va_value(void)
{
    switch (rn(8)) {
    case 0: case 1: return VA0 + rn(4) * PAGE_BYTES;
    case 2: return VA_BIG + rn(2) * 64 * PAGE_BYTES;
    case 3: return 0x40000 + rn(4) * PAGE_BYTES;
    case 4: return 0x200000000ull + rn(2) * (1ull << 30);       /* needs new page tables */
    case 5: return PICK(VA0 + 1, USER_VA_LIMIT - PAGE_BYTES, USER_VA_LIMIT, 0);
    default: return generic();
    }
}

static bool is(const char *a, const char *b) { return !strcmp(a, b); }

static u64 arg_value(const struct abi_method *m, int i, oref ccs)
{
    const char *n = m->ins[i];
    for (const struct abi_caparg *c = m->capargs; c->name; c++)
        if (c->arg == i)
            return cap_value(ccs, c->type);
    if (chance(8))
        return generic();
    if (is(n, "dst") || is(n, "src") || is(n, "slot") || is(n, "win_base"))
        return slot_value();
    if (is(n, "va") || is(n, "src_va") || is(n, "dst_va") || is(n, "mwin_va"))
        return va_value();
    if (is(n, "count") || is(n, "win_count"))
        return PICK(0, 1, 2, 3, 4, 5, 8, 16, 17, 100, CAP_ADDR_LIMIT);
    if (is(n, "log2_pages") || is(n, "mwin_log2"))
        return PICK(0, 0, 1, 2, 3, 6, 7, FLEX_MAX_LOG2, FLEX_MAX_LOG2 + 1, CAP_ADDR_BITS, MWIN_OFF, 64);
    if (is(n, "type"))
        return rn(OBJ_COUNT + 2);
    if (is(n, "rights"))
        return chance(50) ? R_ALL : rn(16);
    if (is(n, "op"))
        return rn(5);
    if (is(n, "include_self"))
        return rn(3);
    if (is(n, "badge"))
        return PICK(0, 0, 1, 2, 7, 1ull << 40);
    if (is(n, "priority"))
        return PICK(0, 10, 50, 51, 100, PRIO_MAX, PRIO_MAX + 1, ~0ull);
    if (is(n, "budget") || is(n, "period"))
        return PICK(0, 1, 5, 10, 20, SC_MAX_PERIOD, SC_MAX_PERIOD + 1, ~0ull);
    if (is(n, "first"))
        return PICK(0, 1, 2, 3, 6, 7, 8, 9, 10, TREG_COUNT_RISCV64, ~0ull);
    if (is(n, "arg"))
        return chance(60) ? 0 : PICK(1, 4096, MB, ~0ull);
    return generic();
}

/* ---- making a call -------------------------------------------------------- */

/* Arguments the manual refuses whatever the rest of the call (the IN docs
 * and ERR entries of labels.def: "else E_INVAL"): a call with them must
 * not succeed. */
#define A(label, name) a[TETHER_IN_INDEX(label, name)]
static bool manual_refuses(const struct abi_method *m, const u64 *a)
{
    switch (m->label) {
    case BANK_CREATE: return A(BANK_CREATE, type) != OBJ_BANK && A(BANK_CREATE, arg) != 0;
    case CS_MINT: return !A(CS_MINT, badge) || A(CS_MINT, op) > MINT_MAP;
    case CS_UNMAP: return A(CS_UNMAP, include_self) > 1;
    case AS_UNMAP: return A(AS_UNMAP, include_self) > 1;
    case CS_WATCH: return !A(CS_WATCH, count) || A(CS_WATCH, count) > WATCH_MAX;
    case SC_CONFIGURE:
        return !A(SC_CONFIGURE, budget) || A(SC_CONFIGURE, budget) > A(SC_CONFIGURE, period) ||
               A(SC_CONFIGURE, period) > SC_MAX_PERIOD;
    case THREAD_CONFIGURE: return A(THREAD_CONFIGURE, priority) > PRIO_MAX;
    case THREAD_READ_REGS: return !A(THREAD_READ_REGS, count) || A(THREAD_READ_REGS, count) > 4;
    case THREAD_WRITE_REGS: return !A(THREAD_WRITE_REGS, count) || A(THREAD_WRITE_REGS, count) > 4;
    case AS_MAP_FRAME:
        return A(AS_MAP_FRAME, va) % PAGE_SIZE_BYTES || A(AS_MAP_FRAME, va) >= USER_VA_LIMIT ||
               A(AS_MAP_FRAME, op) > ITEM_GRANT;
    case AS_MAP:
        return !(A(AS_MAP, rights) & R_READ) || A(AS_MAP, log2_pages) > FLEX_MAX_LOG2 ||
               A(AS_MAP, op) > ITEM_GRANT;
    default: return false;
    }
}
#undef A

struct seen {
    u32 codes;            /* bit e: the method answered e */
    u32 calls[2];         /* by the kernel's caller, by a thread */
    u64 example[E_COUNT][8];  /* the first call that got each: cap, args, caller */
};
static struct seen seen[ABI_NMETHODS];
static u32 generic_seen;
static int complaints;

static void complain(const struct abi_method *m, const char *what, int e, u32 cap, const u64 *a, bool thread)
{
    if (complaints++ < 20)
        printf("    %s: %s %s (cap %u, args %#llx %#llx %#llx %#llx %#llx %#llx, %s)\n", m->name, what,
               abi_err_name(e), cap, (unsigned long long)a[0], (unsigned long long)a[1],
               (unsigned long long)a[2], (unsigned long long)a[3], (unsigned long long)a[4],
               (unsigned long long)a[5], thread ? "a thread" : "the kernel's caller");
    harness_fail(__FILE__, __LINE__, what, e, 0);
}

/* The system call made by driver thread `d` (a root-CSpace slot): the
 * kernel restarts it after E_CONTINUE (the pc stays on the ecall), as the
 * machine would. A wait that blocks is ended by suspending the thread and
 * starting it again. -1: the thread can no longer make calls. */
static int thread_call(u32 d, u32 cap, u32 label, const u64 *a)
{
    for (int k = 0; k < 100000; k++) {
        struct slot *s = tk_slot(d);
        if (!s || !cap_live(s) || state(d) != THREAD_RUNNABLE || !thread_can_run(th(d)) ||
            !thread_sc(th(d)))
            return -1;
        u64 pc = th(d)->regs.pc;
        sys6(d, SYS_INVOKE, msg(cap, label, 0), a);
        if (!cap_live(s))
            return -1;
        if (state(d) == THREAD_BLOCKED_WAIT) {
            if (tk_inv(d, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0) != E_OK ||
                tk_inv(d, THREAD_START, 0, 0, 0, 0, 0, 0) != E_OK)
                return -1;
            return (int)(u32)a0(d);
        }
        if (th(d)->regs.pc != pc)
            return (int)(u32)a0(d);
    }
    return -1;
}

static void one_call(const struct abi_method *mi, u32 mno)
{
    bool c2 = chance(20);
    bool thread = chance(30) && (c2 ? drv2_ok : drv_ok);
    oref ccs = c2 ? obj_of(C2) : tk.root_cs;
    if (!ccs || obj_get(ccs)->type != OBJ_CSPACE)
        ccs = tk.root_cs, c2 = false, thread = thread && drv_ok;
    struct target t;
    u32 cap = (u32)cap_value(ccs, mi->type);
    int le = kernel_lookup(ccs, cap, &t);
    if (thread && le == E_OK && t.type == OBJ_ENDPOINT)
        thread = false;  /* that would be IPC */
    if (le == E_OK && t.type == OBJ_SYSTEM && mi->label == SYSTEM_POWEROFF && (t.rights & R_WRITE))
        return;  /* it would end the test */
    u64 a[6] = {0};
    for (u32 i = 0; i < mi->nin; i++)
        a[i] = arg_value(mi, (int)i, ccs);
    if (chance(5))
        a[rn(6)] = generic();
    /* What the manual promises, decided before the call changes anything. */
    bool need_e_rights = le == E_OK && (t.rights & abi_rights(mi)) != abi_rights(mi);
    bool must_fail = false, refused = manual_refuses(mi, a);
    for (const struct abi_caparg *c = mi->capargs; c->name; c++) {
        struct target ta;
        if (a[c->arg] != CAP_NONE && kernel_lookup(ccs, a[c->arg], &ta) == E_OK && ta.type == c->type &&
            (ta.rights & c->rights) != c->rights)
            must_fail = true;
    }
    int e;
    if (thread) {
        e = thread_call(c2 ? DRV2 : DRV, cap, mi->label, a);
        if (e < 0) {
            *(c2 ? &drv2_ok : &drv_ok) = false;
            return;
        }
    } else {
        e = kernel_invoke(ccs, (u64)mi->label << 32 | cap, a, tk_r);
    }
    if (e < 0 || e >= E_COUNT) {
        complain(mi, "answered a code that is no error:", e, cap, a, thread);
        return;
    }
    if (le != E_OK || t.type != mi->type) {  /* not this method: the lookup's answer */
        int want = le != E_OK ? le : E_LABEL;
        if (e != want)
            complain(mi, "an invocation that is no call of it answered", e, cap, a, thread);
        generic_seen |= 1u << e;
        return;
    }
    struct seen *s = &seen[mno];
    s->calls[thread]++;
    if (!(s->codes & 1u << e)) {
        s->codes |= 1u << e;
        s->example[e][0] = cap;
        memcpy(&s->example[e][1], a, sizeof a);
        s->example[e][7] = thread;
    }
    if (e != E_OK && !abi_err_listed(mi, e))
        complain(mi, "answered an error its ERR list lacks:", e, cap, a, thread);
    if (need_e_rights && e != E_RIGHTS)
        complain(mi, "with an invoked cap lacking its RIGHTS answered", e, cap, a, thread);
    if (must_fail && e == E_OK)
        complain(mi, "with a cap argument lacking its CAPARG rights answered", e, cap, a, thread);
    if (refused && e == E_OK)
        complain(mi, "with an argument the manual refuses answered", e, cap, a, thread);
}

static void saw(const struct abi_method *m, int e)
{
    seen[m - abi_methods].codes |= 1u << e;
}

/* ---- what a random call rarely meets ------------------------------------- */

/* E_DEPTH of the derivation tree: caps forced to MDB_MAX_DEPTH (as
 * t_cap.c does), every method that would MAP below one. */
static void deep_caps(void)
{
    build_world();
    u32 d = EMPTY0;
    CHECK_EQ(tk_map(d, EP, R_ALL), E_OK);
    CHECK_EQ(tk_map(d + 1, NB, R_ALL), E_OK);
    CHECK_EQ(tk_map(d + 2, F1, R_ALL), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_NOTIFICATION, d + 3, 0), E_OK);  /* bound to nobody */
    CHECK_EQ(tk_mint(d + 4, d + 3, R_ALL, 1, MINT_MAP), E_OK);
    struct slot *m = radix_slot(&aspace_body(obj_of(AS1))->map, (u32)(VA0 >> 12));
    u16 mdepth = m->depth;
    for (u32 k = 0; k < 3; k++)
        tk_slot(d + k)->depth = MDB_MAX_DEPTH;
    tk_slot(d + 4)->depth = MDB_MAX_DEPTH;
    m->depth = MDB_MAX_DEPTH;
    const struct { u32 label, cap; u64 a[6]; } calls[] = {
        {CS_MAP, CS, {d + 6, CS, d, R_ALL}},
        {CS_MINT, CS, {d + 6, CS, d, R_ALL, 9, MINT_MAP}},
        {CS_WATCH, CS, {EP, 1, d + 1}},
        {THREAD_BIND_NTFN, T_RUN, {d + 4}},
        {AS_MAP_FRAME, AS1, {d + 2, 0x80000, R_ALL, ITEM_MAP}},
        {AS_MAP, AS1, {AS1, VA0, 0x90000, 0, R_ALL, ITEM_MAP}},
    };
    for (u32 i = 0; i < ARRAY_LEN(calls); i++) {
        int e = kernel_invoke(tk.root_cs, (u64)calls[i].label << 32 | calls[i].cap, calls[i].a, tk_r);
        CHECK_EQ(e, E_DEPTH);
        saw(abi_method(calls[i].label), e);
    }
    for (u32 k = 0; k < 3; k++)
        tk_slot(d + k)->depth = 1;
    tk_slot(d + 4)->depth = 1;
    m->depth = mdepth;
}

/* Errors that need one particular state, each from a fresh world. */
static void rare(void)
{
    static const struct { u32 label, cap; u64 a[6]; int e; } calls[] = {
        /* CT's bank can pay for no more radix nodes, nor a registration. */
        {CS_MINT, CT, {FAR0, CS, EP, R_ALL, 5, MINT_COPY}, E_NOMEM},
        {CS_WATCH, CT, {5, 1, NB}, E_NOMEM},
        {BANK_WRAP, BANK, {CS, EMPTY0, CS, WCHAIN, 0, R_ALL}, E_DEPTH},
        /* TINY paid for CT and can pay for no wrapper. */
        {BANK_WRAP, TINY, {CS, EMPTY0, CS, EP, 0, R_ALL}, E_NOMEM},
        {AS_MAP, AS1, {AS2, VA0, VA0, 0, R_ALL, ITEM_COPY}, E_FULL},
        {AS_MAP, AST, {AS1, VA0, VA0, 0, R_ALL, ITEM_COPY}, E_NOMEM},
        {CS_UNMAP, CS, {BIG, 0}, E_CONTINUE},
        {CS_DELETE, CS, {BIG}, E_CONTINUE},
        {AS_UNMAP, AS1, {VA_BIG, 7, 1}, E_CONTINUE},
    };
    for (u32 i = 0; i < ARRAY_LEN(calls); i++) {
        build_world();
        int e = kernel_invoke(tk.root_cs, (u64)calls[i].label << 32 | calls[i].cap, calls[i].a, tk_r);
        if (e != calls[i].e)
            printf("    %s: %s, not %s\n", abi_method(calls[i].label)->name, abi_err_name(e),
                   abi_err_name(calls[i].e));
        CHECK_EQ(e, calls[i].e);
        saw(abi_method(calls[i].label), e);
    }
    /* BANK_CREATE's arg is a bank's limit and nothing else: for every
     * other type (creatable or not: OBJ_DEBUG, OBJ_SYSTEM, unknown ones)
     * a word there is E_INVAL, and nothing is made. */
    build_world();
    for (u32 type = 0; type < OBJ_COUNT + 2; type++) {
        if (type == OBJ_BANK)
            continue;
        int e = tk_inv(BANK, BANK_CREATE, type, CS, EMPTY0, 1, 0, 0);
        if (e != E_INVAL)
            printf("    BANK_CREATE of type %u with arg 1: %s, not E_INVAL\n", type, abi_err_name(e));
        CHECK_EQ(e, E_INVAL);
        CHECK_EQ(tk_status(EMPTY0), SLOT_EMPTY);
    }
    /* A bank being destroyed pays for nothing: the AddrSpace it paid for
     * (still live: the newest objects go first) gets no page table. */
    build_world();
    u32 b = TMP + 60, as = TMP + 61;
    CHECK_EQ(tk_create(BANK, OBJ_BANK, b, MB), E_OK);
    CHECK_EQ(tk_create(b, OBJ_ASPACE, as, 0), E_OK);
    for (u32 k = 0; k < 2 * REVOKE_BUDGET; k++)
        CHECK_EQ(tk_create(b, OBJ_ENDPOINT, 900 + k, 0), E_OK);
    CHECK_EQ(tk_inv(BANK, BANK_DESTROY, CS, b, 0, 0, 0, 0), E_CONTINUE);
    CHECK_EQ(tk_status(as), SLOT_LIVE);
    int e = tk_inv(as, AS_MAP_FRAME, F1, 0x200000000ull, R_READ, ITEM_COPY, 0, 0);
    CHECK_EQ(e, E_REVOKED);
    saw(abi_method(AS_MAP_FRAME), e);
    CHECK_EQ(tk_inv_all(BANK, BANK_DESTROY, CS, b, 0, 0, 0, 0, NULL), E_OK);
}

/* A waiter woken by the notification's destruction; a signal that passes
 * over more waiters than a step may (their AddrSpace is gone). */
static void waiters(void)
{
    const struct abi_method *wait = abi_method(NTFN_WAIT), *sig = abi_method(NTFN_SIGNAL);
    build_world();
    CHECK_EQ(tk_create(SUB, OBJ_NOTIFICATION, TMP + 60, 0), E_OK);
    sys(DRV, SYS_INVOKE, msg(TMP + 60, NTFN_WAIT, 0), 0, 0, 0, 0);
    CHECK_EQ(state(DRV), THREAD_BLOCKED_WAIT);
    CHECK_EQ(tk_destroy(SUB, TMP + 60), E_OK);
    CHECK_EQ(state(DRV), THREAD_RUNNABLE);
    CHECK_EQ(a0(DRV), E_REVOKED);
    saw(wait, (int)a0(DRV));

    build_world();
    u32 as = TMP + 60, n = TMP + 61, nb = TMP + 62, t0 = 3000;
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, as, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, n, 0), E_OK);
    CHECK_EQ(tk_mint(nb, n, R_ALL, 1, MINT_COPY), E_OK);
    for (u32 i = 0; i < 2 * REVOKE_BUDGET; i++) {
        new_thread(BANK, t0 + i, CS, as, 0x1000, 10);
        start_thread(t0 + i);
        sys(t0 + i, SYS_INVOKE, msg(n, NTFN_WAIT, 0), 0, 0, 0, 0);
        CHECK_EQ(state(t0 + i), THREAD_BLOCKED_WAIT);
    }
    CHECK_EQ(tk_destroy(BANK, as), E_OK);  /* they stay queued, unable to run */
    int e = tk_inv(nb, NTFN_SIGNAL, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(e, E_CONTINUE);
    saw(sig, e);
    CHECK_EQ(tk_inv_all(nb, NTFN_SIGNAL, 0, 0, 0, 0, 0, 0, NULL), E_OK);
}

/* SYSTEM_CHECKPOINT on a store too small for the second checkpoint (as
 * t_persist.c's p1_full_store_...). */
static void full_store(void)
{
    const struct abi_method *m = abi_method(SYSTEM_CHECKPOINT);
    CHECK_EQ(host_blk_attach(300), E_OK);
    tk_boot(RAM);
    CHECK_EQ(tk_inv(ROOT_CAP_SYSTEM, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0), E_OK);
    for (u32 i = 0; i < 400; i++) {
        if (tk_create(BANK, OBJ_FRAME, 100 + i, 0) != E_OK)
            break;
        memset(frame_page(tk_slot(100 + i)->obj), (int)i + 1, 4096);
    }
    int e = tk_inv(ROOT_CAP_SYSTEM, SYSTEM_CHECKPOINT, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(e, E_NOMEM);
    saw(m, e);
    host_blk_detach();
    tk_boot(RAM);
}

/* ---- the tests ------------------------------------------------------------ */

TEST(abi_every_method_has_a_complete_manual_entry)
{
    const struct abi_caparg *bad = abi_table_init();
    if (bad)
        printf("    CAPARG(%s, ...) names no argument of its method\n", bad->name);
    CHECK(bad == NULL);
    for (u32 i = 0; i < ABI_NMETHODS; i++) {
        const struct abi_method *m = &abi_methods[i];
        /* R A* E+ C O: the rights, the cap arguments, the errors, what it
         * changes, what it costs. */
        const char *o = m->order;
        bool ok = *o++ == 'R';
        while (*o == 'A')
            o++;
        ok = ok && *o == 'E';
        while (*o == 'E')
            o++;
        ok = ok && o[0] == 'C' && o[1] == 'O' && o[2] == 0;
        if (!ok)
            printf("    %s: the entry is not RIGHTS CAPARG* ERR+ CHANGES COST (%s)\n", m->name, m->order);
        CHECK(ok);
        for (const int *p = m->errs; *p >= 0; p++) {
            CHECK(*p > E_OK && *p < E_COUNT);
            for (const int *q = m->errs; q < p; q++)
                if (*q == *p) {
                    printf("    %s: %s listed twice\n", m->name, abi_err_name(*p));
                    CHECK(0);
                }
        }
        CHECK(m->rights[0] > 0 && m->rights[0] <= (int)R_ALL && m->rights[1] == -1);
        /* Every argument that is a cap address has its CAPARG, and only those. */
        for (u32 k = 0; k < m->nin; k++) {
            const struct abi_caparg *c = m->capargs;
            while (c->name && c->arg != (int)k)
                c++;
            bool is_cap = !strncmp(m->docs[k], "cap address", 11);
            if (is_cap != (c->name != NULL))
                printf("    %s: argument %s %s a CAPARG\n", m->name, m->ins[k], is_cap ? "lacks" : "has");
            CHECK(is_cap == (c->name != NULL));
        }
    }
}

TEST(abi_errors_returned_are_the_errors_listed)
{
    abi_table_init();
    memset(seen, 0, sizeof seen);
    generic_seen = 0;
    complaints = 0;
    /* The Debug object's dumps and the kernel's fault lines: not on stdout. */
    static char console[4096];
    host_console_capture(console, sizeof console);
    for (u32 i = 0; i < ABI_NMETHODS; i++)
        for (u32 r = 0; r < ROUNDS; r++) {
            build_world();
            for (u32 k = 0; k < CALLS; k++)
                one_call(&abi_methods[i], i);
        }
    deep_caps();
    rare();
    waiters();
    full_store();
    host_console_capture(NULL, 0);
    if (getenv("TETHER_ABI_STATS"))
        for (u32 i = 0; i < ABI_NMETHODS; i++)
            printf("    %-18s %5u + %5u calls, codes %#x\n", abi_methods[i].name, seen[i].calls[0],
                   seen[i].calls[1], seen[i].codes);
    /* Every error listed happened. */
    for (u32 i = 0; i < ABI_NMETHODS; i++) {
        const struct abi_method *m = &abi_methods[i];
        for (const int *p = m->errs; *p >= 0; p++)
            if (!(seen[i].codes & 1u << *p)) {
                printf("    %s: listed error %s never happened\n", m->name, abi_err_name(*p));
                CHECK(0);
            }
    }
    u32 lookup = 1u << E_BADCAP | 1u << E_EMPTY | 1u << E_REVOKED | 1u << E_LABEL;
    CHECK_EQ(generic_seen, lookup);
    tk_boot(RAM);
}
