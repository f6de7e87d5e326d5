/* SPDX-License-Identifier: BSD-2-Clause */
/* tk.c: see tk.h. */
#include "tk.h"
#include <stdlib.h>
#include <stdio.h>

struct kernel_boot tk;
u64 tk_r[INVOKE_RESULTS];
static void *ram;

void tk_boot(u64 bytes)
{
    free(ram);
    ram = malloc(bytes);
    if (!ram || kernel_init(ram, bytes, &tk) != E_OK) {
        fprintf(stderr, "tk_boot: kernel_init failed\n");
        exit(2);
    }
}

int tk_resume(u64 bytes)
{
    /* The new memory is taken before the old is freed, so that it is
     * elsewhere: nothing may depend on where the kernel was. */
    void *old = ram;
    ram = malloc(bytes);
    if (!ram)
        exit(2);
    free(old);
    return kernel_resume(ram, bytes, &tk);
}

int tk_inv(u32 cap, u32 label, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
    u64 a[INVOKE_ARGS] = {a0, a1, a2, a3, a4, a5};
    return kernel_invoke(tk.root_cs, (u64)label << 32 | cap, a, tk_r);
}

int tk_inv_all(u32 cap, u32 label, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, int *calls)
{
    int e, n = 0;
    do {
        e = tk_inv(cap, label, a0, a1, a2, a3, a4, a5);
        n++;
    } while (e == E_CONTINUE);
    if (calls)
        *calls = n;
    return e;
}

int tk_create(u32 bank, u64 type, u32 dst, u64 arg) { return tk_inv(bank, BANK_CREATE, type, CS, dst, arg, 0, 0); }
int tk_copy(u32 dst, u32 src, u64 rights) { return tk_inv(CS, CS_COPY, dst, CS, src, rights, 0, 0); }
int tk_map(u32 dst, u32 src, u64 rights) { return tk_inv(CS, CS_MAP, dst, CS, src, rights, 0, 0); }
int tk_grant(u32 dst, u32 src, u64 rights) { return tk_inv(CS, CS_GRANT, dst, CS, src, rights, 0, 0); }
int tk_mint(u32 dst, u32 src, u64 rights, u64 badge, u64 op) { return tk_inv(CS, CS_MINT, dst, CS, src, rights, badge, op); }
int tk_unmap(u32 slot, int self) { return tk_inv_all(CS, CS_UNMAP, slot, (u64)self, 0, 0, 0, 0, NULL); }
int tk_delete(u32 slot) { return tk_inv_all(CS, CS_DELETE, slot, 0, 0, 0, 0, 0, NULL); }
int tk_destroy(u32 bank, u32 slot) { return tk_inv_all(bank, BANK_DESTROY, CS, slot, 0, 0, 0, 0, NULL); }

u32 tk_status(u32 slot)
{
    if (tk_inv(CS, CS_INFO, slot, 0, 0, 0, 0, 0) != E_OK)
        return 0xffffffffu;
    return (u32)tk_r[0];
}

u64 tk_usage(u32 bank)
{
    if (tk_inv(bank, BANK_QUERY, 0, 0, 0, 0, 0, 0) != E_OK)
        return ~0ull;
    return tk_r[0];
}

u64 tk_charge(u64 body) { return store_block_size(body) + OBJ_ENTRY_CHARGE; }

struct slot *tk_slot(u32 slot) { return cspace_slot(tk.root_cs, slot); }

long tk_parent(u32 slot)
{
    struct slot *s = tk_slot(slot);
    if (!s)
        return -1;
    struct slot *p = cap_parent(s);
    if (!p)
        return -1;
    for (u32 i = 0; i < 4096; i++)
        if (tk_slot(i) == p)
            return i;
    return -2;
}

int tk_time(u32 bank, u32 t)
{
    int e = tk_create(bank, OBJ_SCHEDCTX, TK_SC(t), 0);
    if (e == E_FULL || e == E_OK) {  /* E_FULL: it had one: make it full */
        if ((e = tk_inv(TK_SC(t), SC_CONFIGURE, 1000, 1000, 0, 0, 0, 0)) == E_OK)
            e = tk_inv(t, THREAD_BIND_SC, TK_SC(t), 0, 0, 0, 0, 0);
    }
    return e;
}
