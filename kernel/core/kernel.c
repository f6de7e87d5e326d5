/* kernel.c: boot-time construction of the root bank and root CSpace. */
#include "kernel.h"
#include "bank.h"
#include "cspace.h"

int kernel_init(void *ram, u64 bytes, struct kernel_boot *boot)
{
    if (bytes < (1u << 20))
        return E_NOMEM;
    boot->unpaid_bytes = store_init(ram, bytes);
    oref rb = bank_create_root();
    oref cs;
    struct slot *s;
    if (!rb || bank_alloc_obj(rb, OBJ_CSPACE, sizeof(struct cspace), &cs) != E_OK)
        return E_NOMEM;
    if (cspace_ensure(cs, ROOT_CAP_CSPACE, &s) != E_OK)
        return E_NOMEM;
    cap_make_root(s, cs, obj_get(cs)->epoch, R_ALL, 0);
    s = cspace_slot(cs, ROOT_CAP_BANK);
    cap_make_root(s, rb, obj_get(rb)->epoch, R_ALL, 0);
    boot->root_bank = rb;
    boot->root_cs = cs;
    return E_OK;
}
