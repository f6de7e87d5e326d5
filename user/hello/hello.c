/* SPDX-License-Identifier: BSD-2-Clause */
/* hello.c: the smallest program (a boot module; make run PROG=hello). It
 * runs as a task of its own, started by user/init with module_start: its
 * caps are at the well-known addresses MODULE_CAP_* (<tether/abi.h>), its
 * bank pays for all of it, and main's result is its exit status. */
#include "tether.h"
#include "ulib.h"

int main(void)
{
    uint64_t r[4];
    printf("hello: hello from module %s (its own CSpace and AddrSpace)\n", tether_modinfo->name);
    if (tether_BANK_QUERY(MODULE_CAP_BANK, r) == E_OK)
        printf("hello: my bank pays %lu bytes for %lu objects, of at most %lu\n",
               r[TETHER_OUT_INDEX(BANK_QUERY, usage)], r[TETHER_OUT_INDEX(BANK_QUERY, objects)],
               r[TETHER_OUT_INDEX(BANK_QUERY, limit)]);
    return 0;
}
