/* SPDX-License-Identifier: BSD-2-Clause */
/* probe.c: a test module (TEST_UPROGS in mk/riscv64.mk) that does what its
 * starter asks: touch memory, map a page, query its caps, park, exit
 * (protocol: probe.h). user/tests/t_module.c runs two of it at once. */
#include "probe.h"
#include "task.h"
#include "tether.h"
#include "ulib.h"

static volatile uint64_t secret;

int main(void)
{
    secret = tether_modinfo->arg[0];
    uint64_t w[6] = { (uint64_t)&secret, secret };
    for (;;) {
        struct tether_msg m = tether_call(MODULE_CAP_PARENT, MSG_INFO(PROBE_MSG, 0), w);
        if (m.err != E_OK)
            return 100 + (int)m.err;
        uint64_t a = m.w[1], b = m.w[2], r[4] = { 0 };
        memset(w, 0, sizeof w);
        switch (m.w[0]) {
        case PROBE_READ:
            w[0] = *(volatile uint64_t *)a;
            break;
        case PROBE_WRITE:
            *(volatile uint64_t *)a = b;
            break;
        case PROBE_MAP:
            w[0] = (uint64_t)frame_new_at(MODULE_CAP_BANK, PROBE_SCRATCH, MODULE_CAP_ASPACE, a,
                                          R_READ | R_WRITE);
            if (w[0] == E_OK)
                *(volatile uint64_t *)a = b;
            break;
        case PROBE_QUERY:
            w[0] = (uint64_t)tether_BANK_QUERY((uint32_t)a, r);
            memcpy(&w[1], r, 3 * sizeof r[0]);
            break;
        case PROBE_INFO:
            w[0] = (uint64_t)tether_CS_INFO(MODULE_CAP_CSPACE, a, r);
            memcpy(&w[1], r, 3 * sizeof r[0]);
            break;
        case PROBE_PARK:
            tether_BANK_CREATE(MODULE_CAP_BANK, OBJ_ENDPOINT, MODULE_CAP_CSPACE, PROBE_PARK_EP, 0);
            for (;;)
                tether_recv(PROBE_PARK_EP);
        case PROBE_EXIT:
            return (int)a;
        default:
            w[0] = E_INVAL;
        }
    }
}
