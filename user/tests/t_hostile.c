/* t_hostile.c: every hostile task (hostile_table.c) ended the expected way
 * and the kernel went on. The spinner keeps running until the root task
 * ends; from then on every yield costs a timer tick. */
#include "bootinfo.h"
#include "harness.h"
#include "hostile.h"
#include "tether.h"
#include "ulib.h"

#define MAX_YIELDS 2000

static const struct bootinfo *const bi = (const void *)BOOTINFO_VA;

TEST(hostile_table_matches_boot_tasks)
{
    CHECK_EQ(bi->ntasks, hostile_count + 1);
}

static int ended_as_expected(const struct hostile *h, const volatile struct bootinfo_task *t)
{
    int yields = 0;
    if (h->state == TASK_RUNNABLE) {
        /* Spinner: it must be scheduled, preempted by the timer and
         * scheduled again while we keep getting the CPU back. */
        while (t->runs < 3 && yields++ < MAX_YIELDS)
            tether_yield();
        return t->state == TASK_RUNNABLE && t->runs >= 3;
    }
    while (t->state == TASK_RUNNABLE && yields++ < MAX_YIELDS)
        tether_yield();
    if (t->state != h->state)
        return 0;
    if (h->state == TASK_EXITED)
        return t->status == h->cause;
    return t->cause == h->cause;
}

TEST(hostile_tasks)
{
    for (unsigned i = 0; i < hostile_count && i + 1 < bi->ntasks; i++) {
        const volatile struct bootinfo_task *t = &bi->task[i + 1];
        int ok = ended_as_expected(&hostile_tests[i], t);
        if (!ok)
            printf("  %s: state %u cause %u status %lu runs %lu\n", hostile_tests[i].name,
                   t->state, t->cause, t->status, t->runs);
        subtest(hostile_tests[i].name, ok);
    }
}

TEST(timer_ticks)
{
    unsigned long t0 = ((const volatile struct bootinfo *)bi)->ticks;
    for (int i = 0; i < MAX_YIELDS && ((const volatile struct bootinfo *)bi)->ticks == t0; i++)
        tether_yield();    /* the spinner runs until the next tick */
    CHECK(((const volatile struct bootinfo *)bi)->ticks > t0);
}
