/* system.c: the System object's methods (see system.h). */
#include "system.h"
#include "charge.h"
#include "check.h"
#include "hal.h"
#include "invoke.h"
#include "kernel.h"

oref system_create(oref b)
{
    oref o;
    return bank_alloc_obj(b, OBJ_SYSTEM, 0, &o) == E_OK ? o : 0;
}

static int system_poweroff(struct inv *iv)
{
    if (!(iv->t.rights & R_WRITE))
        return E_RIGHTS;
    kprintf("tether: power off, status %u\n", (u32)ARG(iv, SYSTEM_POWEROFF, status));
    hal_poweroff((u32)ARG(iv, SYSTEM_POWEROFF, status));
}

static int system_check(struct inv *iv)
{
    if (!(iv->t.rights & R_READ))
        return E_RIGHTS;
    const char *why = kernel_check();
    if (why)
        kprintf("tether: kernel_check: %s\n", why);
    RES(iv, SYSTEM_CHECK, failed) = why ? 1 : 0;
    return E_OK;
}

int system_invoke(struct inv *iv)
{
    switch (iv->label) {
    case SYSTEM_POWEROFF: return system_poweroff(iv);
    case SYSTEM_CHECK:    return system_check(iv);
    default:              return E_LABEL;
    }
}
