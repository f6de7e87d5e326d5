/* bench.c: the root task of the benchmark image (make bench-qemu).
 *
 * Under QEMU -icount shift=0, rdcycle counts instructions (in every mode,
 * the kernel's included), so one system call is measured exactly: rdcycle,
 * the call (the inline ecall stub of tether.h: argument setup, trap entry,
 * kernel, trap exit), rdcycle. Each figure is the average over ITERS calls
 * minus the average of the same measurement around nothing. A sample that
 * took a timer tick (more than twice the smallest) is left out and
 * counted. Prints "bench: <name> <N> instr" lines that
 * tools/qemu-bench.sh collects. */
#include "tether.h"
#include "ulib.h"

#define ITERS 256
#define CS ROOT_CAP_CSPACE
#define SRC 20u   /* an endpoint: the source of every operation */
#define DST 21u

struct acc { uint64_t sum, min, n, dropped; uint64_t s[ITERS]; };

static void acc_add(struct acc *a, uint64_t v)
{
    if (a->n < ITERS)
        a->s[a->n++] = v;
}

/* Average of the samples that took no timer tick. */
static uint64_t acc_avg(struct acc *a)
{
    uint64_t min = ~0UL, sum = 0, n = 0;
    for (uint64_t i = 0; i < a->n; i++)
        if (a->s[i] < min)
            min = a->s[i];
    for (uint64_t i = 0; i < a->n; i++)
        if (a->s[i] <= 2 * min + 16)
            sum += a->s[i], n++;
    a->dropped = a->n - n;
    return n ? (sum + n / 2) / n : 0;
}

static struct acc base, acc_null, acc_copy, acc_map, acc_del, acc_unmap;

#define TIMED(acc, call)                           \
    do {                                           \
        uint64_t t0_ = rdcycle();                  \
        call;                                      \
        uint64_t t1_ = rdcycle();                  \
        acc_add(&(acc), t1_ - t0_);                \
    } while (0)

static int errors;
static void expect(long e, const char *what)
{
    if (e != E_OK && errors++ < 5)
        printf("bench image: %s failed: %s\n", what, tether_error_name(e));
}

static void report(const char *name, struct acc *a, uint64_t b)
{
    uint64_t v = acc_avg(a);
    printf("bench: qemu.%s %lu instr\n", name, v > b ? v - b : 0);
    if (a->dropped)
        printf("  (%s: %lu of %lu samples had a timer tick, left out)\n", name, a->dropped, a->n);
}

int main(void)
{
    uint64_t c0 = rdcycle(), i0 = rdinstret();
    for (int i = 0; i < 1000; i++)
        __asm__ volatile("");
    uint64_t c1 = rdcycle(), i1 = rdinstret();
    printf("bench image: cycle delta %lu, instret delta %lu (equal under -icount)\n",
           c1 - c0, i1 - i0);

    expect(tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, SRC, 0), "create");
    /* Touch every path once so that the first sample is like the others. */
    expect(tether_CS_COPY(CS, DST, CS, SRC, R_ALL), "warm copy");
    expect(tether_CS_DELETE(CS, DST), "warm delete");

    for (int i = 0; i < ITERS; i++) {
        long e;
        TIMED(base, (void)0);
        TIMED(acc_null, tether_yield());
        TIMED(acc_copy, e = tether_CS_COPY(CS, DST, CS, SRC, R_ALL));
        expect(e, "copy");
        TIMED(acc_del, e = tether_CS_DELETE(CS, DST));        /* a leaf root */
        expect(e, "delete");
        TIMED(acc_map, e = tether_CS_MAP(CS, DST, CS, SRC, R_ALL));
        expect(e, "map");
        TIMED(acc_unmap, e = tether_CS_UNMAP(CS, SRC, 0));    /* its one child */
        expect(e, "unmap");
    }
    uint64_t b = acc_avg(&base);
    printf("bench image: measurement overhead %lu instr (subtracted)\n", b);
    report("null_syscall", &acc_null, b);
    report("copy", &acc_copy, b);
    report("map", &acc_map, b);
    report("delete_leaf", &acc_del, b);
    report("unmap_1child", &acc_unmap, b);
    return errors ? 1 : 0;
}
