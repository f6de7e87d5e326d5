/* SPDX-License-Identifier: BSD-2-Clause */
/* bench_core.c: instruction counts of the core operations on the host.
 *
 * Run under `valgrind --tool=callgrind --collect-atstart=no
 * --instr-atstart=no` by bench/run_host.sh: each measured region is
 * bracketed by callgrind client requests and dumped under the name
 * "<bench name>/<number of operations>"; the script divides, subtracts the
 * empty-loop baseline and prints `bench: host.<name> <value> instr`.
 * Every operation is a full kernel_invoke() (lookup, decode, checks,
 * perform), as a system call would run it. */
#include <stdio.h>
#include <stdlib.h>
#include <valgrind/callgrind.h>
#include "kernel.h"
#include "cspace.h"
#include "wrapper.h"
#include "tk.h"
#include "sched.h"
#include "thread.h"
#include "aspace.h"
#include "frame.h"

typedef void (*op_fn)(u32 i);

/* Measure n calls of op(i); the region is dumped as "name/n". */
static void measure(const char *name, op_fn op, u32 n)
{
    char label[64];
    snprintf(label, sizeof label, "%s/%u", name, n);
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_TOGGLE_COLLECT;
    for (u32 i = 0; i < n; i++)
        op(i);
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_DUMP_STATS_AT(label);
    CALLGRIND_STOP_INSTRUMENTATION;
}

#define N 256u
enum { EP = 20, DERIVED = 21, A = 1000, B = 2000, C = 3000, D = 4000 };

static void op_nothing(u32 i) { (void)i; }
static void op_copy(u32 i) { tk_copy(A + i, EP, R_ALL); }
static void op_map(u32 i) { tk_map(B + i, EP, R_ALL); }
static void op_grant(u32 i) { tk_grant(C + i, B + i, R_ALL); }
static void op_delete_leaf(u32 i) { tk_inv(CS, CS_DELETE, C + i, 0, 0, 0, 0, 0); }
static void op_mint(u32 i) { tk_mint(D + i, EP, R_ALL, i + 1, MINT_COPY); }
static void op_lookup(u32 i)
{
    struct slot *s;
    struct target t;
    cspace_lookup(tk.root_cs, A + i, &s);
    cap_resolve(s, &t);
}
/* The perform step alone (after decode has checked everything). */
static void op_copy_perform(u32 i) { cap_copy(tk_slot(EP), tk_slot(A + i), R_ALL, 0); }
static void op_map_perform(u32 i) { cap_map(tk_slot(EP), tk_slot(B + i), R_ALL, 0); }
static void op_grant_perform(u32 i) { cap_grant(tk_slot(B + i), tk_slot(C + i), R_ALL); }
static void op_delete_perform(u32 i)
{
    u32 budget = REVOKE_BUDGET;
    (void)tk_slot(EP); /* every perform bench looks up two slots */
    cap_delete_step(tk_slot(C + i), &budget);
}
static void op_slot_only(u32 i) { (void)tk_slot(A + i); }

/* IPC: client C calls server S (waiting in recv); S answers with
 * reply_recv. Each op is one kernel entry, as from user space. */
enum { IAS = 30, IEP = 31, IC = 32, IS = 33, IW = 34 };
static u32 call_cap = IEP;
static oref ithr[IW + 1];
static void ipc_sys(u32 who, u64 n, u64 a0)
{
    struct hal_regs *r = &thread_body(ithr[who])->regs;
    sched_switch_to(ithr[who]);
    r->x[REG_SYSNO] = n;
    r->x[REG_MSGINFO] = a0;
    kernel_syscall();
}
static void op_call_only(u32 i) { (void)i; ipc_sys(IC, SYS_INVOKE, call_cap); }
static void op_replyrecv_only(u32 i) { (void)i; ipc_sys(IS, SYS_REPLY_RECV, IEP); }
static void ipc_setup(void)
{
    tk_boot(16u << 20);
    tk_create(BANK, OBJ_ASPACE, IAS, 0);
    tk_create(BANK, OBJ_ENDPOINT, IEP, 0);
    tk_inv(BANK, BANK_WRAP, CS, IW, CS, IEP, 0, R_ALL);
    u32 ts[] = {IC, IS};
    for (u32 i = 0; i < 2; i++) {
        tk_create(BANK, OBJ_THREAD, ts[i], 0);
        tk_inv(ts[i], THREAD_CONFIGURE, CS, IAS, 0x1000, 0, 10, 0);
        tk_time(BANK, ts[i]);
        tk_inv(ts[i], THREAD_START, 0, 0, 0, 0, 0, 0);
        ithr[ts[i]] = tk_slot(ts[i])->obj;
    }
    ipc_sys(IS, SYS_RECV, IEP);
}

/* One-way costs: alternate call and reply_recv, measuring each half in its
 * own region (a region may only hold whole operations). */
static void measure_ipc_halves(const char *call_name, const char *rr_name)
{
    CALLGRIND_START_INSTRUMENTATION;
    for (u32 i = 0; i < N; i++) {
        CALLGRIND_TOGGLE_COLLECT;
        op_call_only(i);
        CALLGRIND_TOGGLE_COLLECT;
        op_replyrecv_only(i);
    }
    char label[64];
    snprintf(label, sizeof label, "%s/%u", call_name, N);
    CALLGRIND_DUMP_STATS_AT(label);
    for (u32 i = 0; i < N; i++) {
        op_call_only(i);
        CALLGRIND_TOGGLE_COLLECT;
        op_replyrecv_only(i);
        CALLGRIND_TOGGLE_COLLECT;
    }
    snprintf(label, sizeof label, "%s/%u", rr_name, N);
    CALLGRIND_DUMP_STATS_AT(label);
    CALLGRIND_STOP_INSTRUMENTATION;
}

/* Memory: UNMAP of 16 pages inside a mapping database of `db` mappings.
 * M1 maps 256 frames; M2 holds db/256 flexpage MAPs of that range (the
 * database: db mappings in the same derivation trees); M3 got 16 pages from
 * M1; the UNMAP (include_self) of M3's 16 pages is measured. */
enum { M1 = 40, M2 = 41, M3 = 42, MF = 1000 };
static void op_unmap16(u32 i)
{
    (void)i;
    tk_inv_all(M3, AS_UNMAP, 0x100000, 4, 1, 0, 0, 0, NULL);
}
static void unmap16_in(const char *name, u32 db)
{
    tk_boot(1024ull << 20);
    tk_create(BANK, OBJ_ASPACE, M1, 0);
    tk_create(BANK, OBJ_ASPACE, M2, 0);
    tk_create(BANK, OBJ_ASPACE, M3, 0);
    for (u32 i = 0; i < 256; i++) {
        tk_create(BANK, OBJ_FRAME, MF + i, 0);
        tk_inv(M1, AS_MAP_FRAME, MF + i, 0x1000000 + (u64)i * 4096, R_READ | R_WRITE, ITEM_MAP, 0, 0);
    }
    for (u32 k = 0; k < db / 256; k++)
        tk_inv(M2, AS_MAP, M1, 0x1000000, 0x10000000 + (u64)k * 256 * 4096, 8, R_READ, ITEM_MAP);
    tk_inv(M3, AS_MAP, M1, 0x1000000, 0x100000, 4, R_READ, ITEM_MAP);
    measure(name, op_unmap16, 1);
    u32 r;
    u64 last = 0x10000000 + ((u64)db / 256 - 1) * 256 * 4096 + 255 * 4096;
    if (hal_pt_lookup(&aspace_body(tk_slot(M3)->obj)->pt, 0x100000, &r) ||
        !hal_pt_lookup(&aspace_body(tk_slot(M2)->obj)->pt, last, &r))
        fprintf(stderr, "bench: unmap16 wrong result\n");
}

static u32 target_slot;
static void op_destroy(u32 i) { (void)i; tk_destroy(BANK, target_slot); }
static void op_unmap(u32 i) { (void)i; tk_unmap(target_slot, 0); }

/* Pre-allocate CSpace leaves for slots [base, base+n) so growth is not
 * measured (it is a separate, charged event). */
static void touch(u32 base, u32 n)
{
    for (u32 i = 0; i < n + 128; i += 128) {
        tk_copy(base + i, EP, R_ALL);
        tk_delete(base + i);
    }
}

/* An endpoint with `caps` further caps to it (copies, so rescind cannot
 * cheat by walking a tree); returns its slot. */
static void rescind_with(const char *name, u32 caps)
{
    tk_boot(512ull << 20);
    tk_create(BANK, OBJ_ENDPOINT, 10, 0);
    for (u32 i = 0; i < caps; i++)
        tk_copy(100 + i, 10, R_ALL);
    target_slot = 10;
    measure(name, op_destroy, 1);
    if (tk_status(100) != SLOT_VOID)
        fprintf(stderr, "bench: rescind did not void caps\n");
}

/* UNMAP of a 10-node subtree inside a derivation database of `db` nodes. */
static void unmap10_in(const char *name, u32 db)
{
    tk_boot(512ull << 20);
    tk_create(BANK, OBJ_ENDPOINT, 10, 0);
    /* The database: one big tree of db nodes (fan-out 16). */
    for (u32 i = 1; i < db; i++)
        tk_map(100 + i, i < 16 ? 10 : 100 + i / 16, R_ALL);
    /* The target: a node in the middle with 10 descendants. */
    target_slot = 50;
    tk_map(50, 100 + db / 2, R_ALL);
    for (u32 i = 0; i < 10; i++)
        tk_map(60 + i, i < 5 ? 50 : 60 + i - 5, R_ALL);
    measure(name, op_unmap, 1);
    if (tk_status(60) != SLOT_EMPTY || tk_status(50) != SLOT_LIVE)
        fprintf(stderr, "bench: unmap10 wrong result\n");
}

int main(void)
{
    tk_boot(64ull << 20);
    tk_create(BANK, OBJ_ENDPOINT, EP, 0);
    tk_map(DERIVED, EP, R_ALL);
    touch(A, N), touch(B, N), touch(C, N), touch(D, N);

    measure("baseline", op_nothing, N);
    measure("copy", op_copy, N);
    measure("map", op_map, N);
    measure("grant", op_grant, N);
    measure("delete_leaf", op_delete_leaf, N);
    measure("mint", op_mint, N);
    measure("lookup", op_lookup, N);
    /* Empty the slots again, then time the perform steps alone; each looks
     * up two slots, which run_host.sh subtracts (2 x slotbase - baseline). */
    for (u32 i = 0; i < N; i++)
        tk_delete(A + i), tk_delete(B + i), tk_delete(D + i);
    measure("slotbase", op_slot_only, N);
    measure("copy_perform", op_copy_perform, N);
    measure("map_perform", op_map_perform, N);
    measure("grant_perform", op_grant_perform, N);
    measure("delete_leaf_perform", op_delete_perform, N);

    /* UNMAP per removed node: 4096 children, removed in restartable steps. */
    tk_boot(64ull << 20);
    tk_create(BANK, OBJ_ENDPOINT, 10, 0);
    for (u32 i = 0; i < 4096; i++)
        tk_map(100 + i, 10, R_ALL);
    target_slot = 10;
    measure("unmap_per_node/4096", op_unmap, 1);

    ipc_setup();
    measure_ipc_halves("ipc_call0", "ipc_replyrecv0");
    call_cap = IW;
    measure_ipc_halves("ipc_call_wrapped", "ipc_replyrecv_wrapped");

    rescind_with("rescind_1", 1);
    rescind_with("rescind_1k", 1000);
    rescind_with("rescind_1m", 1000000);
    unmap10_in("unmap10_db1k", 1000);
    unmap10_in("unmap10_db1m", 1000000);

    unmap16_in("unmap16_db1k", 1024);
    unmap16_in("unmap16_db1m", 1u << 20);

    printf("bench: host.slot_bytes %zu bytes\n", sizeof(struct slot));
    /* A mapping is a slot in the AddrSpace's radix: 4 KiB leaves of 128. */
    printf("bench: host.mapping_node_bytes %u bytes\n", CS_LEAF_BYTES >> CS_LEAF_BITS);
    printf("bench: host.cspace_slot_bytes %u bytes\n", CS_LEAF_BYTES >> CS_LEAF_BITS);
    return 0;
}
