/* bench.c: the root task of the benchmark image (make bench-qemu).
 * Under QEMU -icount shift=0, rdcycle counts instructions (every mode,
 * including the kernel's), so a round trip is measured exactly. Prints
 * "bench: <name> <N> instr" lines that tools/qemu-bench.sh collects. */
#include "tether.h"
#include "ulib.h"

#define BATCH 100
#define ROUNDS 20

/* Fewest instructions per call over ROUNDS batches (a timer interrupt in a
 * batch only makes that batch slower), minus the loop's own cost. */
static uint64_t measure(long (*op)(void))
{
    uint64_t best = ~0UL, loop = ~0UL;
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t t0 = rdcycle();
        for (int i = 0; i < BATCH; i++)
            __asm__ volatile("");
        uint64_t t1 = rdcycle();
        for (int i = 0; i < BATCH; i++)
            op();
        uint64_t t2 = rdcycle();
        if (t1 - t0 < loop)
            loop = t1 - t0;
        if (t2 - t1 < best)
            best = t2 - t1;
    }
    return (best - loop) / BATCH;
}

static long null_syscall(void) { return tether_yield(); }
static long write_zero(void) { return tether_write("", 0); }
static long invoke_query(void)
{
    uint64_t r[4];
    return tether_invoke(ROOT_CAP_BANK, BANK_QUERY, 0, r);
}

int main(void)
{
    uint64_t c0 = rdcycle(), i0 = rdinstret();
    for (int i = 0; i < 1000; i++)
        __asm__ volatile("");
    uint64_t c1 = rdcycle(), i1 = rdinstret();
    printf("bench image: cycle delta %lu, instret delta %lu (equal under -icount)\n",
           c1 - c0, i1 - i0);
    printf("bench: qemu.null_syscall %lu instr\n", measure(null_syscall));
    printf("bench: qemu.write_0 %lu instr\n", measure(write_zero));
    printf("bench: qemu.invoke_bank_query %lu instr\n", measure(invoke_query));
    return 0;
}
