/* SPDX-License-Identifier: BSD-2-Clause */
/* hostdemo.c: `make run-host` -- the portable core on Linux, showing a
 * derivation tree being built with COPY / MAP / GRANT / MINT and taken
 * apart with UNMAP, a wrapper revoked, and a bank destroyed. Every step is
 * a kernel_invoke() with cap addresses, as a user task would do it. */
#include <stdio.h>
#include <tether/version.h>
#include "tk.h"

static const char *err(int e)
{
    static const char *names[] = {
#define X(name, val, text) [val] = #name,
#include <tether/errors.def>
#undef X
    };
    return e >= 0 && e < E_COUNT ? names[e] : "?";
}

static void step(const char *what, int e)
{
    printf("  %-58s -> %s\n", what, err(e));
}

/* Slot index of s in the root CSpace (the demo keeps everything there). */
static long idx_of(const struct slot *s)
{
    for (u32 i = 0; i < 256; i++)
        if (tk_slot(i) == s)
            return i;
    return -1;
}

/* Print the derivation tree that slot `root` heads (pre-order list). */
static void tree(u32 root)
{
    struct slot *s = tk_slot(root);
    u16 stack[64];
    int sp = 0;
    printf("    derivation tree of slot %u:\n", root);
    for (; s; s = s->next ? slot_at(s->next) : NULL) {
        while (sp && stack[sp - 1] >= s->depth)
            sp--;
        printf("      %*s[%ld] rights=%x badge=%llx\n", 2 * sp, "", idx_of(s), s->rights,
               (unsigned long long)s->badge);
        if (sp < 64)
            stack[sp++] = s->depth;
    }
}

int main(void)
{
    tk_boot(16u << 20);
    printf(TETHER_VERSION_STRING " host demo: the portable core running on Linux\n");
    printf("  storage: %llu bytes in the root bank, %llu bytes of tables paid by no bank\n",
           (unsigned long long)bank_body(tk.root_bank)->limit, (unsigned long long)tk.unpaid_bytes);

    step("create bank B (limit 64 KiB) from the root bank -> 10", tk_create(BANK, OBJ_BANK, 10, 64 << 10));
    step("create endpoint E from bank B -> 20", tk_create(10, OBJ_ENDPOINT, 20, 0));
    step("MAP 20 -> 21 (child)", tk_map(21, 20, R_ALL));
    step("MAP 21 -> 22 read-only (grandchild)", tk_map(22, 21, R_READ));
    step("COPY 22 -> 23 (sibling: 21 can still revoke it)", tk_copy(23, 22, R_ALL));
    step("MINT 20 -> 24 with badge 0x42 (child)", tk_mint(24, 20, R_ALL, 0x42, MINT_MAP));
    step("COPY 20 -> 25 (copy of a root: a new root)", tk_copy(25, 20, R_ALL));
    step("GRANT 21 -> 30 (moves, keeps its place)", tk_grant(30, 21, R_ALL));
    tree(20);

    step("UNMAP 30 (its descendants)", tk_unmap(30, 0));
    tree(20);
    step("COPY 77 -> 31 (empty source)", tk_copy(31, 77, R_ALL));
    step("COPY 20 -> 25 (occupied destination)", tk_copy(25, 20, R_ALL));

    step("wrap the root CSpace -> 40 (revocable copy)", tk_inv(10, BANK_WRAP, CS, 40, CS, CS, 0, R_ALL));
    step("CS_INFO through the wrapper", tk_inv(40, CS_INFO, 20, 0, 0, 0, 0, 0));
    step("destroy the wrapper", tk_destroy(10, 40));
    step("CS_INFO through the destroyed wrapper", tk_inv(40, CS_INFO, 20, 0, 0, 0, 0, 0));

    printf("  bank B usage: %llu bytes\n", (unsigned long long)tk_usage(10));
    step("destroy bank B (rescinds E: every cap to it is void)", tk_destroy(BANK, 10));
    printf("  slot 20: %s, slot 25: %s\n", tk_status(20) == SLOT_VOID ? "void" : "?",
           tk_status(25) == SLOT_VOID ? "void" : "?");
    step("invoke void cap 25", tk_inv(25, 0x99, 0, 0, 0, 0, 0, 0));
    return 0;
}
