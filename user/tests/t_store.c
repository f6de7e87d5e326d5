/* SPDX-License-Identifier: BSD-2-Clause */
/* t_store.c: the store is the kernel's alone. No capability names the
 * virtio-blk device's registers or the memory its queue lives in (kernel
 * memory, paid for by no bank), so no user thread can map or touch them:
 * the only memory a task can map is frames (BANK_CREATE), and kernel
 * addresses are never user-accessible. A prober thread tries each address;
 * the root thread is its fault handler and checks that every access
 * faulted at exactly the address tried, then resumes it past the access
 * (FAULT_REPLY_SETPC). The kernel's boot self-test (blk_selftest.c) checks
 * that the queue page lies in the window of kernel addresses probed here. */
#include "demos.h"
#include "harness.h"

#define MMIO_PA(i)  (0x10001000UL + 0x1000UL * (i))   /* QEMU virt's 8 virtio-mmio slots */
#define DMAP_BASE   0xffffffc000000000UL
#define KERNEL_VA   0xffffffc080200000UL
#define PROBED      (4UL << 20)                      /* blk_selftest.c: PROBED */
#define MAX_PROBES  1100
#define VIRT_MAGIC  0x74726976UL

static struct { uint64_t va, write; } probes[MAX_PROBES];
static unsigned nprobes;
static char stack[8192] __attribute__((aligned(16)));

static void add(uint64_t va, int write)
{
    if (nprobes < MAX_PROBES)
        probes[nprobes].va = va, probes[nprobes++].write = (uint64_t)write;
}

/* One uncompressed (4-byte) load or store per probe. */
static long prober(void *arg)
{
    long n = (long)arg;
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        uint64_t v = 0, va = probes[i].va;
        if (probes[i].write)
            __asm__ volatile(".option push\n.option norvc\nsd %0, 0(%1)\n.option pop"
                             :: "r"(v), "r"(va) : "memory");
        else
            __asm__ volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop"
                             : "+r"(v) : "r"(va) : "memory");
        sum += v;
    }
    return sum ? -1 : n;
}

/* Run the probes; the number that did not fault as they should. */
static unsigned run_probes(void)
{
    struct uthread f;
    uint32_t ep = fresh_slot(), minted = fresh_slot();
    unsigned bad = 0, i = 0;
    CHECK_EQ(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, ep, 0), E_OK);
    CHECK_EQ(tether_CS_MINT(CS, minted, CS, ep, R_ALL, 0x57, MINT_COPY), E_OK);
    CHECK_EQ(thread_create(&f, ROOT_CAP_BANK, fresh_slot(), CS, ROOT_CAP_ASPACE, prober,
                           (void *)(uintptr_t)nprobes, stack, sizeof stack, PRIO + 1),
             E_OK);
    CHECK_EQ(tether_THREAD_SET_IPC(f.cap, minted, 0, 0, 0, MWIN_OFF), E_OK);
    /* Above the root: it runs until its first fault waits on ep. */
    CHECK_EQ(tether_THREAD_START(f.cap), E_OK);
    struct tether_msg m = tether_nb_recv(ep);
    for (; m.err == E_OK; i++) {
        uint64_t kind = probes[i].write ? FAULT_WRITE : FAULT_READ;
        if (i >= nprobes || tmsg_label(m) != kind || m.w[0] != probes[i].va) {
            if (bad++ < 4)
                printf("  probe %u at %lx: fault %lu at %lx\n", i, i < nprobes ? probes[i].va : 0,
                       tmsg_label(m), m.w[0]);
        }
        uint64_t w[6] = { m.w[1] + 4, 0, 0, 0, 0, 0 };
        CHECK_EQ(tether_reply(MSG_INFO(FAULT_REPLY_SETPC, 0), w).err, E_OK);
        m = tether_nb_recv(ep);   /* the prober ran on to its next fault, or ended */
    }
    CHECK_EQ(m.err, E_WOULDBLOCK);
    CHECK(f.done && f.result == (long)nprobes);
    CHECK_EQ(i, nprobes);
    CHECK_EQ(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, f.cap), E_OK);
    CHECK_EQ(tether_BANK_DESTROY(ROOT_CAP_BANK, CS, ep), E_OK);
    bad += i != nprobes;
    nprobes = 0;
    return bad;
}

TEST(store_device_registers_unreachable_from_user)
{
    for (unsigned i = 0; i < 8; i++) {
        /* At the physical address (nothing is mapped there), at the
         * kernel's direct map of it (supervisor only), and a store to its
         * status register (0x70), which would reset the device. */
        add(MMIO_PA(i), 0);
        add(DMAP_BASE + MMIO_PA(i), 0);
        add(DMAP_BASE + MMIO_PA(i) + 0x70, 1);
    }
    CHECK_EQ(run_probes(), 0);
    /* A frame mapped where the registers are is plain zeroed memory. */
    struct task t;
    uint64_t v = 1;
    CHECK_EQ(task_create(&t, ROOT_CAP_BANK, 1UL << 20, fresh_slots(3)), E_OK);
    CHECK_EQ(frame_new_at(t.bank, t.scratch, t.as, MMIO_PA(7), R_READ | R_WRITE), E_OK);
    CHECK_EQ(demo_probe(&t, MMIO_PA(7), 0, &v, 0, 0), E_OK);
    CHECK(v == 0 && v != VIRT_MAGIC);
    CHECK_EQ(task_destroy(&t, ROOT_CAP_BANK), E_OK);
}

TEST(store_queue_memory_unreachable_from_user)
{
    /* Every page of the first PROBED bytes of kernel image addresses (the
     * queue page among them), each at another offset, loads and stores. */
    for (uint64_t p = 0; p < PROBED; p += PG)
        add(KERNEL_VA + p + 8 * (p / PG % 512), (p / PG) % 4 == 3);
    CHECK_EQ(run_probes(), 0);
}
