/* endpoint.h: IPC endpoints (DESIGN.md §4). The object exists so that caps
 * to it can be badged (C7) and wrapped (C8); message passing comes with the
 * IPC issue. */
#ifndef TETHER_ENDPOINT_H
#define TETHER_ENDPOINT_H

#include "obj.h"

struct endpoint {
    u64 reserved[8];  /* queue heads and state, filled in by IPC */
};

struct inv;
int endpoint_invoke(struct inv *iv);

#endif
