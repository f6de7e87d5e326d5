/* SPDX-License-Identifier: BSD-2-Clause */
/* t_system.c: the System object (DESIGN.md §2): powering off and checking
 * the kernel need a cap to it; only the root CSpace has one at boot. */
#include "harness.h"
#include "tk.h"
#include "check.h"
#include "sched.h"
#include "thread.h"

#define MB (1ull << 20)
enum { AS = 20, T = 21, ECS = 22, SYS_R = 23, SYS_W = 24, SUB = 25 };
#define OLD_SYS_HALT 3u  /* the system call that powered off before */
#define STATUS 99u       /* were the machine powered off, the runner would exit 99 */

static struct thread *th(void) { return thread_body(tk_slot(T)->obj); }

/* A running thread whose CSpace (ECS) starts empty. */
static void setup(void)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_THREAD, T, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_CSPACE, ECS, 0), E_OK);
    CHECK_EQ(tk_inv(T, THREAD_CONFIGURE, ECS, AS, 0x1000, 0x8000, 10, 0), E_OK);
    CHECK_EQ(tk_time(BANK, T), E_OK);
    CHECK_EQ(tk_inv(T, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK(sched_next() == &th()->regs);
}

/* Thread T issues system call n with a0, a1; returns its a0. */
static u64 sys(u64 n, u64 a0, u64 a1)
{
    struct hal_regs *r = &th()->regs;
    r->x[REG_SYSNO] = n;
    r->x[REG_MSGINFO] = a0, r->x[REG_MSG(0)] = a1;
    CHECK(kernel_syscall() == r);
    return r->x[REG_MSGINFO];
}
static u64 invoke_system(u32 label, u64 a0) { return sys(SYS_INVOKE, (u64)label << 32 | ROOT_CAP_SYSTEM, a0); }

TEST(system_poweroff_needs_the_system_cap)
{
    setup();
    u64 pc = th()->regs.pc;
    CHECK_EQ(sys(OLD_SYS_HALT, STATUS, 0), E_SYSCALL);  /* no such system call */
    CHECK_EQ(th()->regs.pc, pc + 4);
    CHECK_EQ(invoke_system(SYSTEM_POWEROFF, STATUS), E_EMPTY);
    CHECK_EQ(invoke_system(SYSTEM_CHECK, 0), E_EMPTY);
    u64 a[INVOKE_ARGS] = {STATUS}, r[INVOKE_RESULTS];
    CHECK_EQ(kernel_invoke(tk_slot(ECS)->obj, (u64)SYSTEM_POWEROFF << 32 | ROOT_CAP_SYSTEM, a, r), E_EMPTY);
}

TEST(system_check_reports_the_kernel_invariants)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_inv(ROOT_CAP_SYSTEM, SYSTEM_CHECK, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], 0);
    bank_body(tk.root_bank)->usage += 64;  /* accounting broken */
    CHECK_EQ(tk_inv(ROOT_CAP_SYSTEM, SYSTEM_CHECK, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], 1);
    bank_body(tk.root_bank)->usage -= 64;
    CHECK_EQ(tk_inv(ROOT_CAP_SYSTEM, 0x7777, 0, 0, 0, 0, 0, 0), E_LABEL);
}

TEST(system_cap_passed_on_with_fewer_rights)
{
    setup();
    /* R_READ only: may check, may not power off; R_WRITE only: the reverse. */
    CHECK_EQ(tk_copy(SYS_R, ROOT_CAP_SYSTEM, R_READ), E_OK);
    CHECK_EQ(tk_copy(SYS_W, ROOT_CAP_SYSTEM, R_WRITE), E_OK);
    CHECK_EQ(tk_inv(SYS_R, SYSTEM_CHECK, 0, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], 0);
    CHECK_EQ(tk_inv(SYS_R, SYSTEM_POWEROFF, STATUS, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(SYS_W, SYSTEM_CHECK, 0, 0, 0, 0, 0, 0), E_RIGHTS);
    /* Given to the thread's CSpace, it works there like any cap. */
    CHECK_EQ(tk_inv(ECS, CS_MAP, ROOT_CAP_SYSTEM, CS, SYS_R, R_ALL, 0, 0), E_OK);
    CHECK_EQ(invoke_system(SYSTEM_CHECK, 0), E_OK);
    CHECK_EQ(th()->regs.x[REG_MSG(0)], 0);
    CHECK_EQ(invoke_system(SYSTEM_POWEROFF, STATUS), E_RIGHTS);
    /* Taken back: gone again. */
    CHECK_EQ(tk_unmap(SYS_R, 0), E_OK);
    CHECK_EQ(invoke_system(SYSTEM_CHECK, 0), E_EMPTY);
}

TEST(system_object_is_not_created_or_destroyed_by_banks)
{
    tk_boot(4 * MB);
    u32 live = store.live_objs;
    CHECK_EQ(tk_create(BANK, OBJ_SYSTEM, 30, 0), E_INVAL);
    CHECK_EQ(tk_status(30), SLOT_EMPTY);
    CHECK_EQ(tk_destroy(BANK, ROOT_CAP_SYSTEM), E_INVAL);  /* its payer is the root bank */
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, MB), E_OK);
    CHECK_EQ(tk_destroy(SUB, ROOT_CAP_SYSTEM), E_INVAL);
    CHECK_EQ(store.live_objs, live + 1);
    /* Deleting a cap to it destroys nothing (no reference counts). */
    CHECK_EQ(tk_copy(30, ROOT_CAP_SYSTEM, R_ALL), E_OK);
    CHECK_EQ(tk_delete(30), E_OK);
    CHECK_EQ(tk_status(ROOT_CAP_SYSTEM), SLOT_LIVE);
    CHECK_EQ(tk_inv(ROOT_CAP_SYSTEM, SYSTEM_CHECK, 0, 0, 0, 0, 0, 0), E_OK);
}
