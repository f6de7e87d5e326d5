/* SPDX-License-Identifier: BSD-2-Clause */
/* t_thread.c: threads and the scheduler on the host. The harness plays the
 * CPU: it sets a thread's registers as the user would and calls the kernel
 * entries (kernel_syscall, kernel_exception, kernel_timer). */
#include "harness.h"
#include "fixture.h"
#include "aspace.h"
#include "frame.h"
#include <string.h>

enum { AS = 20, T1 = 21, T2 = 22, T3 = 23 };

static void setup(void)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    for (u32 t = T1; t <= T3; t++) {
        CHECK_EQ(tk_create(BANK, OBJ_THREAD, t, 0), E_OK);
        CHECK_EQ(tk_time(BANK, t), E_OK);
    }
}

static int configure(u32 t, u64 prio)
{
    return tk_inv(t, THREAD_CONFIGURE, CS, AS, 0x1000 + t, 0x8000, prio, 7);
}

/* Make thread `slot` issue a syscall with a7 = n, a0.. = args. Unlike
 * fixture.h's sys(), no switch, and a4..a6 keep what the test put there. */
static struct hal_regs *syscall_from(u32 slot, u64 n, u64 a0_, u64 a1, u64 a2, u64 a3)
{
    struct hal_regs *r = &th(slot)->regs;
    r->x[REG_SYSNO] = n;
    r->x[REG_MSGINFO] = a0_, r->x[REG_MSG(0)] = a1, r->x[REG_MSG(1)] = a2, r->x[REG_MSG(2)] = a3;
    return kernel_syscall();
}

TEST(threads_configure_start_and_round_robin)
{
    setup();
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_INVAL); /* not configured */
    CHECK_EQ(configure(T1, 10), E_OK);
    CHECK_EQ(configure(T2, 10), E_OK);
    CHECK_EQ(th(T1)->regs.pc, 0x1000 + T1);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], 7);
    CHECK(sched_next() == NULL); /* nothing started */
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_BUSY);
    CHECK_EQ(tk_inv(T2, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    CHECK(host_active_pt == &aspace_body(tk_slot(AS)->obj)->pt);
    CHECK(kernel_timer() == &th(T2)->regs);  /* preempted: round robin */
    CHECK(kernel_timer() == &th(T1)->regs);
    CHECK(syscall_from(T1, SYS_YIELD, 0, 0, 0, 0) == &th(T2)->regs);
}

TEST(threads_higher_priority_runs_first)
{
    setup();
    CHECK_EQ(configure(T1, 10), E_OK);
    CHECK_EQ(configure(T2, 200), E_OK);
    CHECK_EQ(configure(T3, 256), E_INVAL);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(T2, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T2)->regs);
    CHECK(kernel_timer() == &th(T2)->regs);   /* alone at its priority */
    CHECK_EQ(tk_inv(T2, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
}

TEST(threads_syscall_invoke_and_errors)
{
    setup();
    CHECK_EQ(configure(T1, 10), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    u64 pc = th(T1)->regs.pc;
    /* BANK_QUERY through SYS_INVOKE: results in a1..a3. */
    CHECK(syscall_from(T1, SYS_INVOKE, (u64)BANK_QUERY << 32 | BANK, 0, 0, 0) == &th(T1)->regs);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], E_OK);
    CHECK_EQ(th(T1)->regs.x[REG_MSG(0)], tk_usage(BANK));
    CHECK_EQ(th(T1)->regs.pc, pc + 4);
    syscall_from(T1, 99, 0, 0, 0, 0);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], E_SYSCALL);
    syscall_from(T1, SYS_INVOKE, (u64)BANK_QUERY << 32 | (CAP_ADDR_LIMIT + 1), 0, 0, 0);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], E_BADCAP);
    /* SYS_WRITE of unmapped memory: E_FAULT, too long: E_INVAL. */
    syscall_from(T1, SYS_WRITE, 0x4000, 10, 0, 0);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], E_FAULT);
    syscall_from(T1, SYS_WRITE, ~0ull - 4, 10, 0, 0);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], E_FAULT);
    syscall_from(T1, SYS_WRITE, 0x4000, 1 << 20, 0, 0);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], E_INVAL);
}

TEST(threads_long_invocation_restarts_transparently)
{
    setup();
    CHECK_EQ(configure(T1, 10), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 30, 0), E_OK);
    for (u32 i = 0; i < 300; i++)
        CHECK_EQ(tk_map(100 + i, 30, R_ALL), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    u64 pc = th(T1)->regs.pc;
    int calls = 0;
    do {
        syscall_from(T1, SYS_INVOKE, (u64)CS_UNMAP << 32 | CS, 30, 0, 0);
        calls++;
    } while (th(T1)->regs.pc == pc && calls < 100);
    CHECK_EQ(calls, 5);  /* 300 nodes, 64 per step: the ecall ran 5 times */
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], E_OK);
    CHECK_EQ(tk_status(100), SLOT_EMPTY);
}

TEST(threads_fault_stops_only_that_thread)
{
    setup();
    CHECK_EQ(configure(T1, 10), E_OK);
    CHECK_EQ(configure(T2, 10), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(T2, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    CHECK(kernel_exception(FAULT_ILLEGAL, 0xdead) == &th(T2)->regs);
    CHECK_EQ(tk_inv(T1, THREAD_INFO, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], THREAD_FAULTED);
    CHECK_EQ(tk_r[1], FAULT_ILLEGAL);
    CHECK_EQ(tk_r[2], 0xdead);
    CHECK_EQ(tk_r[3], 0x1000 + T1);
    CHECK(kernel_timer() == &th(T2)->regs);  /* T1 stays stopped */
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK); /* resume */
    CHECK(kernel_timer() == &th(T1)->regs);
}

TEST(threads_destroyed_at_any_moment)
{
    setup();
    CHECK_EQ(configure(T1, 10), E_OK);
    CHECK_EQ(configure(T2, 10), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(T2, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    /* T1 destroys itself through its own syscall. */
    CHECK(syscall_from(T1, SYS_INVOKE, (u64)BANK_DESTROY << 32 | BANK, CS, T1, 0) == &th(T2)->regs);
    CHECK_EQ(tk_status(T1), SLOT_VOID);
    /* Destroying the AddrSpace stops every thread in it. */
    CHECK_EQ(tk_destroy(BANK, AS), E_OK);
    CHECK(sched_next() == NULL);
    CHECK(host_active_pt == NULL || host_active_pt->root == NULL);
    CHECK_EQ(tk_inv(T2, THREAD_INFO, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], THREAD_FAULTED);
    CHECK_EQ(tk_r[1], FAULT_ASPACE);
    CHECK_EQ(tk_inv(T2, THREAD_START, 0, 0, 0, 0, 0, 0), E_REVOKED);
}

TEST(threads_configure_checks_arguments)
{
    setup();
    CHECK_EQ(tk_inv(T1, THREAD_CONFIGURE, AS, AS, 0, 0, 1, 0), E_TYPE);
    CHECK_EQ(tk_inv(T1, THREAD_CONFIGURE, CS, CS, 0, 0, 1, 0), E_TYPE);
    CHECK_EQ(tk_inv(T1, THREAD_CONFIGURE, 99, AS, 0, 0, 1, 0), E_EMPTY);
    CHECK_EQ(tk_inv(T1, THREAD_CONFIGURE, CAP_ADDR_LIMIT, AS, 0, 0, 1, 0), E_BADCAP);
    CHECK_EQ(tk_copy(40, T1, R_READ), E_OK);
    CHECK_EQ(tk_inv(40, THREAD_CONFIGURE, CS, AS, 0, 0, 1, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(40, THREAD_START, 0, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(T1, 0x7777, 0, 0, 0, 0, 0, 0), E_LABEL);
    CHECK_EQ(tk_inv(AS, 0x7777, 0, 0, 0, 0, 0, 0), E_LABEL);
    CHECK_EQ(th(T1)->cspace.obj, 0);
}

TEST(s1_aspace_page_tables_charged_to_bank)
{
    tk_boot(8 * MB);
    u64 root0 = tk_usage(BANK);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 10, 64 * 1024), E_OK);
    u64 before = tk_usage(10);
    CHECK_EQ(tk_create(10, OBJ_ASPACE, AS, 0), E_OK);
    oref as = tk_slot(AS)->obj;
    CHECK_EQ(aspace_body(as)->pt_pages, 1);
    CHECK_EQ(tk_usage(10), before + tk_charge(sizeof(struct aspace)) + PAGE_BYTES);
    /* Mapping a page allocates two more table levels and the mapping
     * table's nodes, charged the same way. */
    CHECK_EQ(tk_create(BANK, OBJ_FRAME, 14, 0), E_OK);
    CHECK_EQ(tk_inv(AS, AS_MAP_FRAME, 14, 0x10000, R_READ, ITEM_MAP, 0, 0), E_OK);
    CHECK_EQ(aspace_body(as)->pt_pages, 3);
    CHECK_EQ(tk_usage(10), before + tk_charge(sizeof(struct aspace)) + 3 * PAGE_BYTES +
                               store_block_size(CS_L2_BYTES) + store_block_size(CS_LEAF_BYTES));
    /* A bank that cannot pay for the root table: E_NOMEM, nothing changed. */
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 11, 4096), E_OK);
    CHECK_EQ(tk_create(11, OBJ_ASPACE, 12, 0), E_NOMEM);
    CHECK_EQ(tk_usage(11), 0);
    CHECK_EQ(tk_status(12), SLOT_EMPTY);
    CHECK_EQ(tk_destroy(BANK, 10), E_OK);
    CHECK_EQ(tk_destroy(BANK, 11), E_OK);
    /* All page tables went back; only the frame (root bank) is still paid. */
    CHECK_EQ(tk_usage(BANK), root0 + PAGE_BYTES + tk_charge(sizeof(struct frame)));
}

TEST(threads_running_thread_stops_when_its_aspace_cap_is_unmapped)
{
    /* The running thread's AddrSpace cap is a copy of the one in the root
     * CSpace; UNMAP of an ancestor takes it away, and the thread stops at
     * its next kernel exit (not only when the scheduler switches). */
    setup();
    CHECK_EQ(tk_map(30, AS, R_ALL), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_CONFIGURE, CS, 30, 0x1000, 0x8000, 10, 0), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    CHECK(syscall_from(T1, SYS_INVOKE, (u64)CS_UNMAP << 32 | CS, AS, 0, 0) == NULL);
    CHECK_EQ(tk_inv(T1, THREAD_INFO, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], THREAD_FAULTED);
    CHECK_EQ(tk_r[1], FAULT_ASPACE);
}

TEST(threads_cannot_create_more_important_threads)
{
    /* From a thread, THREAD_CONFIGURE may not give a priority above the
     * caller's own (its maximum controlled priority): a task can't starve
     * the system with a spinner above everyone. */
    setup();
    CHECK_EQ(configure(T1, 10), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    u64 conf = (u64)THREAD_CONFIGURE << 32 | T2;
    struct hal_regs *r = &th(T1)->regs;
    r->x[REG_MSG(0)] = CS, r->x[REG_MSG(1)] = AS, r->x[REG_MSG(2)] = 0x1000, r->x[REG_MSG(3)] = 0;
    r->x[REG_MSG(4)] = 11;
    syscall_from(T1, SYS_INVOKE, conf, CS, AS, 0x1000);
    CHECK_EQ(r->x[REG_MSGINFO], E_RIGHTS);
    CHECK_EQ(th(T2)->cspace.obj, 0);  /* nothing changed */
    r->x[REG_MSG(0)] = CS, r->x[REG_MSG(1)] = AS, r->x[REG_MSG(2)] = 0x1000, r->x[REG_MSG(3)] = 0;
    r->x[REG_MSG(4)] = 10;
    syscall_from(T1, SYS_INVOKE, conf, CS, AS, 0x1000);
    CHECK_EQ(r->x[REG_MSGINFO], E_OK);
    CHECK_EQ(th(T2)->prio, 10);
}

/* ---- T3: mappable threads: registers, and who drives a lent thread ---- */

enum { EP = 31, AS2 = 32, LENT = 40, WRAP = 41, CC = 50, CA = 51 };

static int rd(u32 t, u64 first, u64 count)
{
    return tk_inv(t, THREAD_READ_REGS, first, count, 0, 0, 0, 0);
}
static int wr(u32 t, u64 first, u64 count, u64 v0, u64 v1)
{
    return tk_inv(t, THREAD_WRITE_REGS, first, count, v0, v1, 0xbad, 0xbad);
}
/* An invocation made from CSpace `cs` (a root slot) rather than the root's. */
static int inv_from(u32 cs, u32 cap, u32 label, u64 a0_, u64 a1, u64 a2, u64 a3, u64 a4)
{
    const u64 a[6] = {a0_, a1, a2, a3, a4, 0};
    return kernel_invoke(obj(cs), (u64)label << 32 | cap, a, tk_r);
}
static bool regs_equal(const struct hal_regs *a, const struct hal_regs *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

TEST(t3_registers_are_read_and_written_by_role)
{
    setup();
    CHECK_EQ(rd(T1, TREG_PC, 1), E_INVAL);  /* never configured */
    CHECK_EQ(configure(T1, 10), E_OK);     /* pc 0x1000 + T1, sp 0x8000, a0 7 */
    CHECK_EQ(rd(T1, TREG_PC, 3), E_OK);
    CHECK_EQ(tk_r[0], 0x1000 + T1);
    CHECK_EQ(tk_r[1], 0x8000);
    CHECK_EQ(tk_r[2], 7);
    CHECK_EQ(tk_r[3], 0);  /* past count */
    /* Each index is the register of its role (the host has no others). */
    CHECK_EQ(HAL_TREGS, TREG_OTHER);
    for (u32 i = 0; i < HAL_TREGS; i++)
        CHECK_EQ(wr(T1, i, 1, 100 + i, 0), E_OK);
    CHECK_EQ(th(T1)->regs.pc, 100 + TREG_PC);
    CHECK_EQ(th(T1)->regs.x[REG_STACK], 100 + TREG_SP);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], 100 + TREG_MSGINFO);
    for (u32 i = 0; i < MSG_WORDS; i++)
        CHECK_EQ(th(T1)->regs.x[REG_MSG(i)], 100 + TREG_MSG(i));
    CHECK_EQ(th(T1)->regs.x[REG_SYSNO], 100 + TREG_SYSNO);
    CHECK_EQ(rd(T1, HAL_TREGS - 4, 4), E_OK);
    for (u32 i = 0; i < 4; i++)
        CHECK_EQ(tk_r[i], 100 + HAL_TREGS - 4 + i);
    /* Two at once, the rest untouched; START resumes with them. */
    CHECK_EQ(wr(T1, TREG_PC, 2, 0x5000, 0x9000), E_OK);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], 100 + TREG_MSGINFO);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    CHECK_EQ(th(T1)->regs.pc, 0x5000);
    /* A running thread reads its own: as at this call, pc on the ecall. */
    syscall_from(T1, SYS_INVOKE, (u64)THREAD_READ_REGS << 32 | T1, TREG_PC, 2, 0);
    CHECK_EQ(th(T1)->regs.x[REG_MSGINFO], E_OK);
    CHECK_EQ(th(T1)->regs.x[REG_MSG(0)], 0x5000);
    CHECK_EQ(th(T1)->regs.x[REG_MSG(1)], 0x9000);
    CHECK_EQ(th(T1)->regs.pc, 0x5004);
}

TEST(t3_register_errors_are_specific_and_change_nothing)
{
    setup();
    CHECK_EQ(configure(T1, 10), E_OK);
    struct hal_regs before = th(T1)->regs;
    static const u64 bad[][2] = {
        {0, 0}, {0, 5}, {HAL_TREGS, 1}, {HAL_TREGS - 1, 2}, {~0ull, 1}, {1, ~0ull}, {~0ull - 1, 3},
    };
    for (u32 i = 0; i < ARRAY_LEN(bad); i++) {
        CHECK_EQ(wr(T1, bad[i][0], bad[i][1], 1, 2), E_INVAL);
        CHECK_EQ(rd(T1, bad[i][0], bad[i][1]), E_INVAL);
    }
    /* Rights: reading needs R_READ, writing R_WRITE. */
    CHECK_EQ(tk_copy(42, T1, R_READ), E_OK);
    CHECK_EQ(tk_copy(43, T1, R_WRITE), E_OK);
    CHECK_EQ(wr(42, TREG_PC, 1, 1, 0), E_RIGHTS);
    CHECK_EQ(rd(43, TREG_PC, 1), E_RIGHTS);
    CHECK_EQ(rd(42, TREG_PC, 1), E_OK);
    CHECK(regs_equal(&before, &th(T1)->regs));
    /* Runnable or blocked: its registers are in use, no writes (E_BUSY);
     * reads see them as it left the CPU. */
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(wr(T1, TREG_SP, 1, 1, 0), E_BUSY);
    CHECK(sched_next() == &th(T1)->regs);
    syscall_from(T1, SYS_RECV, EP, 0, 0, 0);
    CHECK_EQ(state(T1), THREAD_BLOCKED_RECV);
    before = th(T1)->regs;
    CHECK_EQ(wr(T1, TREG_PC, 1, 1, 0), E_BUSY);
    CHECK_EQ(wr(T1, TREG_MSG(0), 2, 1, 2), E_BUSY);
    CHECK_EQ(rd(T1, TREG_PC, 1), E_OK);
    CHECK_EQ(tk_r[0], before.pc);
    CHECK(regs_equal(&before, &th(T1)->regs));
    /* Suspended: writable again. */
    CHECK_EQ(tk_inv(T1, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(wr(T1, TREG_PC, 1, 0x7000, 0), E_OK);
    CHECK_EQ(th(T1)->regs.pc, 0x7000);
}

TEST(t3_hostile_thread_whose_aspace_was_destroyed)
{
    /* Its registers mean nothing without its spaces: every driving method
     * answers E_REVOKED, and nothing changes. */
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS2, 0), E_OK);
    CHECK_EQ(tk_inv(T2, THREAD_CONFIGURE, CS, AS2, 0x1000, 0x8000, 10, 0), E_OK);
    CHECK_EQ(tk_destroy(BANK, AS2), E_OK);
    struct hal_regs before = th(T2)->regs;
    CHECK_EQ(rd(T2, TREG_PC, 1), E_REVOKED);
    CHECK_EQ(wr(T2, TREG_PC, 1, 0x666, 0), E_REVOKED);
    CHECK_EQ(tk_inv(T2, THREAD_START, 0, 0, 0, 0, 0, 0), E_REVOKED);
    CHECK(regs_equal(&before, &th(T2)->regs));
    /* Reconfigured into live spaces it is usable again. */
    CHECK_EQ(configure(T2, 10), E_OK);
    CHECK_EQ(wr(T2, TREG_PC, 1, 0x666, 0), E_OK);
}

TEST(t3_unmap_of_the_cap_a_thread_was_configured_through_stops_it)
{
    /* The client holds T1 and MAPs it to the server (LENT), which
     * configures and runs it; the client's UNMAP takes it back: the thread
     * stops (FAULT_ASPACE) at its next kernel exit, even while running. */
    setup();
    CHECK_EQ(tk_map(LENT, T1, R_ALL), E_OK);
    CHECK_EQ(tk_inv(LENT, THREAD_CONFIGURE, CS, AS, 0x1000, 0x8000, 10, 0), E_OK);
    CHECK_EQ(tk_inv(LENT, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    CHECK_EQ(tk_unmap(T1, 0), E_OK);
    CHECK_EQ(tk_status(LENT), SLOT_EMPTY);
    CHECK(sched_next() == NULL);
    CHECK_EQ(tk_inv(T1, THREAD_INFO, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], THREAD_FAULTED);
    CHECK_EQ(tk_r[1], FAULT_ASPACE);
    CHECK_EQ(rd(T1, TREG_PC, 1), E_REVOKED);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_REVOKED);
    /* Configured through a root cap, UNMAP of its descendants leaves it. */
    CHECK_EQ(configure(T1, 10), E_OK);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_map(LENT, T1, R_ALL), E_OK);
    CHECK_EQ(tk_unmap(T1, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    /* Through a wrapper over a MAPped cap: the UNMAP reaches it too. */
    CHECK_EQ(tk_inv(T1, THREAD_SUSPEND, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_map(LENT, T1, R_ALL), E_OK);
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, WRAP, CS, LENT, 0, R_ALL), E_OK);
    CHECK_EQ(tk_inv(WRAP, THREAD_CONFIGURE, CS, AS, 0x1000, 0x8000, 10, 0), E_OK);
    CHECK_EQ(tk_inv(WRAP, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th(T1)->regs);
    CHECK_EQ(tk_unmap(T1, 0), E_OK);
    CHECK(sched_next() == NULL);
    CHECK_EQ(state(T1), THREAD_FAULTED);
    /* Left configured through a MAP: kernel_check finds its copy in T1's
     * derivation list. */
    CHECK_EQ(tk_map(LENT, T1, R_ALL), E_OK);
    CHECK_EQ(tk_inv(LENT, THREAD_CONFIGURE, CS, AS, 0x1000, 0x8000, 10, 0), E_OK);
}

TEST(t3_a_taken_back_server_thread_releases_its_caller)
{
    /* Mid-request: the server thread (lent, configured through LENT) holds
     * the client's reply right; the UNMAP stops it, and the client's call
     * answers E_REVOKED instead of waiting for ever (I6). */
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_map(LENT, T1, R_ALL), E_OK);
    CHECK_EQ(tk_inv(LENT, THREAD_CONFIGURE, CS, AS, 0x1000, 0x8000, 10, 0), E_OK);
    CHECK_EQ(configure(T2, 10), E_OK);
    start_thread(LENT);
    start_thread(T2);
    sys(T1, SYS_RECV, EP, 0, 0, 0, 0);
    CHECK_EQ(state(T1), THREAD_BLOCKED_RECV);
    sys(T2, SYS_INVOKE, msg(EP, 5, 0), 1, 2, 3, 4);
    CHECK_EQ(state(T2), THREAD_BLOCKED_REPLY);
    CHECK_EQ(state(T1), THREAD_RUNNABLE);  /* serving it */
    CHECK_EQ(tk_unmap(T1, 0), E_OK);
    CHECK(sched_next() == &th(T2)->regs);
    CHECK_EQ(state(T1), THREAD_FAULTED);
    CHECK_EQ(a0(T2), E_REVOKED);
}

TEST(t3_only_its_own_or_its_configurers_cspace_may_drive_a_thread)
{
    /* The client (CSpace CC) lends thread T1 (its cap at CC slot 5) to the
     * server (the root CSpace), which configures it. The client keeps
     * INFO, SUSPEND, CONFIGURE; it can't make the thread run code of its
     * choice in the server's spaces, nor read what it holds. */
    setup();
    new_spaces(BANK, CC, CA);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_inv(CC, CS_COPY, 1, CS, CC, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(CC, CS_COPY, 2, CS, CA, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(CC, CS_COPY, 5, CS, T1, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(CC, CS_COPY, 6, CS, EP, R_ALL, 0, 0), E_OK);
    /* Before lending it, the client points its faults at itself ... */
    CHECK_EQ(inv_from(CC, 5, THREAD_SET_IPC, 6, 0, 0, 0, MWIN_OFF), E_OK);
    CHECK(th(T1)->fault_ep.obj != 0);
    /* ... which the server's CONFIGURE drops (its replies could set the pc). */
    CHECK_EQ(configure(T1, 10), E_OK);
    CHECK_EQ(th(T1)->fault_ep.obj, 0);
    CHECK_EQ(tk_inv(T1, THREAD_SET_IPC, EP, 0, 0, 0, MWIN_OFF, 0), E_OK);
    struct hal_regs before = th(T1)->regs;
    oref fep = th(T1)->fault_ep.obj;
    CHECK_EQ(inv_from(CC, 5, THREAD_WRITE_REGS, TREG_PC, 1, 0x666, 0, 0), E_RIGHTS);
    CHECK_EQ(inv_from(CC, 5, THREAD_READ_REGS, TREG_PC, 1, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(inv_from(CC, 5, THREAD_SET_IPC, 6, 0, 0, 0, MWIN_OFF), E_RIGHTS);
    CHECK_EQ(inv_from(CC, 5, THREAD_SET_TIMEOUT, 6, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(inv_from(CC, 5, THREAD_BIND_NTFN, CAP_NONE, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(inv_from(CC, 5, THREAD_START, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK(regs_equal(&before, &th(T1)->regs));
    CHECK_EQ(th(T1)->fault_ep.obj, fep);
    CHECK_EQ(state(T1), THREAD_INACTIVE);
    CHECK_EQ(inv_from(CC, 5, THREAD_INFO, 0, 0, 0, 0, 0), E_OK);
    /* The server runs it; the client takes it back: SUSPEND, then
     * CONFIGURE into its own spaces (the server's fault endpoint goes). */
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(inv_from(CC, 5, THREAD_SUSPEND, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(inv_from(CC, 5, THREAD_CONFIGURE, 1, 2, 0x7000, 0, 10), E_OK);
    CHECK_EQ(th(T1)->fault_ep.obj, 0);
    CHECK_EQ(tk_inv(T1, THREAD_WRITE_REGS, TREG_PC, 1, 0x666, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(T1, THREAD_START, 0, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(inv_from(CC, 5, THREAD_WRITE_REGS, TREG_PC, 1, 0x7100, 0, 0), E_OK);
    CHECK_EQ(inv_from(CC, 5, THREAD_START, 0, 0, 0, 0, 0), E_OK);
    /* A thread configured by the root into CC drives itself from CC. */
    CHECK_EQ(tk_inv(T2, THREAD_CONFIGURE, CC, CA, 0x1000, 0, 10, 0), E_OK);
    CHECK_EQ(tk_inv(CC, CS_COPY, 7, CS, T2, R_ALL, 0, 0), E_OK);
    CHECK_EQ(inv_from(CC, 7, THREAD_SET_IPC, 6, 0, 0, 0, MWIN_OFF), E_OK);
    CHECK_EQ(inv_from(CC, 7, THREAD_READ_REGS, TREG_PC, 1, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], 0x1000);
}
