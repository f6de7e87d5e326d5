/* SPDX-License-Identifier: BSD-2-Clause */
/* idle.c: the root task of the idle system test (tools/qemu-idle-test.sh).
 * It leaves the kernel with nothing that will ever run again: a second
 * thread waits in recv on an endpoint nobody sends to, and the root thread
 * waits on a notification nobody signals. The kernel must say so, once
 * ("tether: no runnable thread; blocked: ..."), and `make run`'s timeout
 * must end QEMU with a message. */
#include "tether.h"
#include "ulib.h"

#define CS ROOT_CAP_CSPACE
#define BANK ROOT_CAP_BANK
enum { EP = 20, NT = 21, T = 22 };

static char stack[4096] __attribute__((aligned(16)));

static long receiver(void *a)
{
    (void)a;
    tether_recv(EP);
    return 0;
}

int main(void)
{
    if (tether_BANK_CREATE(BANK, OBJ_ENDPOINT, CS, EP, 0) != E_OK ||
        tether_BANK_CREATE(BANK, OBJ_NOTIFICATION, CS, NT, 0) != E_OK)
        return 1;
    struct uthread t;
    if (thread_spawn(&t, BANK, T, receiver, NULL, stack, sizeof stack, ROOT_THREAD_PRIO) != E_OK)
        return 1;
    tether_yield();  /* it runs and blocks */
    printf("idle: thread %u waits in recv on endpoint %u, the root waits on notification %u: "
           "nothing will run again\n", T, EP, NT);
    uint64_t r[4];
    tether_NTFN_WAIT(NT, r);
    printf("idle: woken up: wrong\n");
    return 1;
}
