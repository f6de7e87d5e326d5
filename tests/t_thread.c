/* t_thread.c: threads and the scheduler on the host. The harness plays the
 * CPU: it sets a thread's registers as the user would and calls the kernel
 * entries (kernel_syscall, kernel_exception, kernel_timer). */
#include "harness.h"
#include "fixture.h"
#include "aspace.h"
#include "frame.h"

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
