/* fuzz_invoke.c: libFuzzer target. Each input is a sequence of
 * invocations a hostile task could make (cap addresses, labels and argument
 * words taken from the input, biased towards values that reach deep into
 * the decoders); after every one the kernel's invariants must hold
 * (kernel_check), nothing may crash (ASan/UBSan), and every error is one
 * the manual lists for the method (labels.def's ERR entries: abi_table.h)
 * or, when the cap is no cap of the method's type, the lookup's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "tk.h"
#include "abi_table.h"

static const u32 labels[] = {
#define X(name, val, type, doc, in, out, ...) name,
#include <tether/labels.def>
#undef X
    0, 0x7777,
};

static const u8 *in;
static size_t left;

static u64 take(unsigned bytes)
{
    u64 v = 0;
    for (unsigned i = 0; i < bytes && left; i++, left--)
        v = v << 8 | *in++;
    return v;
}

/* An argument word: mostly small (slot indices, types, rights, flags), now
 * and then anything. */
static u64 word(void)
{
    u64 sel = take(1);
    switch (sel & 7) {
    case 0: return take(8);
    case 1: return CAP_ADDR_LIMIT - 1 + (sel >> 3);
    default: return take(1) % 40;
    }
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    in = data, left = size;
    tk_boot(1u << 20);
    /* Some objects to play with. */
    tk_create(BANK, OBJ_BANK, 10, 1u << 16);
    tk_create(10, OBJ_CSPACE, 11, 0);
    tk_create(10, OBJ_ENDPOINT, 12, 0);
    tk_create(10, OBJ_THREAD, 13, 0);
    tk_create(BANK, OBJ_ASPACE, 14, 0);
    /* Threads configured directly (13) and through a MAP (16 via 17, so
     * that UNMAP of 16 stops it): the register methods (T3) get past their
     * first checks. */
    tk_inv(13, THREAD_CONFIGURE, 11, 14, 0x1000, 0x2000, 10, 0);
    tk_create(10, OBJ_THREAD, 16, 0);
    tk_map(17, 16, R_ALL);
    tk_inv(17, THREAD_CONFIGURE, CS, 14, 0x1000, 0x2000, 10, 0);
    tk_create(10, OBJ_NOTIFICATION, 15, 0);  /* and a badged cap: CS_WATCH registers */
    tk_mint(18, 15, R_ALL, 1, MINT_COPY);
    while (left >= 4) {
        u32 cap = (u32)(take(1) % 40);
        u32 label = labels[take(1) % (sizeof labels / sizeof labels[0])];
        if (label == SYSTEM_POWEROFF)  /* the System cap is at ROOT_CAP_SYSTEM: it would end the run */
            label = SYSTEM_CHECK;
        u64 a[6];
        for (int i = 0; i < 6; i++)
            a[i] = word();
        struct target t;
        int le = kernel_lookup(tk.root_cs, cap, &t);
        const struct abi_method *m = abi_method(label);
        int e = tk_inv(cap, label, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (e < 0 || e >= E_COUNT) {
            fprintf(stderr, "bad error code %d\n", e);
            abort();
        }
        if (le != E_OK ? e != le : !m || t.type != m->type ? e != E_LABEL : e != E_OK && !abi_err_listed(m, e)) {
            fprintf(stderr, "%s on cap %u (lookup %s): %s, not what docs/manual.md says\n",
                    m ? m->name : "unknown label", cap, abi_err_name(le), abi_err_name(e));
            abort();
        }
        const char *why = kernel_check();
        if (why) {
            fprintf(stderr, "kernel_check: %s (cap %u label %#x)\n", why, cap, label);
            abort();
        }
    }
    return 0;
}
