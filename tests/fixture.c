/* SPDX-License-Identifier: BSD-2-Clause */
/* fixture.c: see fixture.h. */
#include "fixture.h"
#include "harness.h"

oref obj(u32 slot) { return tk_slot(slot)->obj; }
struct thread *th(u32 slot) { return thread_body(obj(slot)); }
u32 state(u32 slot) { return th(slot)->state; }

void new_spaces(u32 bank, u32 cs, u32 as)
{
    CHECK_EQ(tk_create(bank, OBJ_CSPACE, cs, 0), E_OK);
    CHECK_EQ(tk_create(bank, OBJ_ASPACE, as, 0), E_OK);
}

void new_thread(u32 bank, u32 t, u32 cs, u32 as, u64 pc, u64 prio)
{
    CHECK_EQ(tk_create(bank, OBJ_THREAD, t, 0), E_OK);
    CHECK_EQ(tk_inv(t, THREAD_CONFIGURE, cs, as, pc, 0, prio, 0), E_OK);
    CHECK_EQ(tk_time(bank, t), E_OK);
}

void set_windows(u32 t, u32 cwin, u32 ncap, u64 mwin, u64 mlog2)
{
    CHECK_EQ(tk_inv(t, THREAD_SET_IPC, CAP_NONE, cwin, ncap, mwin, mlog2, 0), E_OK);
}

void start_thread(u32 t) { CHECK_EQ(tk_inv(t, THREAD_START, 0, 0, 0, 0, 0, 0), E_OK); }

struct hal_regs *trap(u32 slot, u64 n, u64 a0_, const u64 w[6])
{
    u64 *x = th(slot)->regs.x;
    x[REG_SYSNO] = n;
    x[REG_MSGINFO] = a0_;
    for (u32 i = 0; i < MSG_WORDS; i++)
        x[REG_MSG(i)] = w ? w[i] : 0;
    return kernel_syscall();
}

struct hal_regs *sys6(u32 slot, u64 n, u64 a0_, const u64 w[6])
{
    CHECK_EQ(state(slot), THREAD_RUNNABLE);
    sched_switch_to(obj(slot));
    return trap(slot, n, a0_, w);
}

struct hal_regs *sys(u32 slot, u64 n, u64 a0_, u64 w0, u64 w1, u64 w2, u64 w3)
{
    const u64 w[MSG_WORDS] = {w0, w1, w2, w3, 0, 0};
    return sys6(slot, n, a0_, w);
}

u64 msg(u32 cap, u64 label, u64 items) { return cap | MSG_INFO(label, items) << 32; }
u64 a0(u32 slot) { return th(slot)->regs.x[REG_MSGINFO]; }
