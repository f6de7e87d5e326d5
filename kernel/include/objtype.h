/* SPDX-License-Identifier: BSD-2-Clause */
/* objtype.h: what the kernel knows about each object type, in one table
 * (objtype.def, expanded in objtype.c: the one file that names every type,
 * as seL4's objecttype.c and Coyotos's captype.def). Creation, destruction
 * and invocation look their type up here instead of switching on it. */
#ifndef TETHER_OBJTYPE_H
#define TETHER_OBJTYPE_H

#include "cap.h"

struct inv;
struct objtype {
    u64 size;        /* body bytes                                  */
    bool creatable;  /* BANK_CREATE makes it                        */
    int (*init)(oref o, oref bank, u64 arg);
    void (*first_cap)(oref o, struct slot *dst);
    int (*reap)(oref o, u32 *budget);
    int (*invoke)(struct inv *iv);
};
extern const struct objtype objtypes[OBJ_COUNT];
/* objtypes[t].invoke again, as a plain array: the invocation path's one
 * load (a struct table would cost a multiplication per dispatch). */
extern int (*const objtype_invoke[OBJ_COUNT])(struct inv *);

static inline const struct objtype *objtype_of(u64 type)
{
    return type < OBJ_COUNT ? &objtypes[type] : NULL;
}

/* Destroy object o in steps: each call does at most *budget units of work
 * (removing a capability node, freeing a storage block or an object).
 * Returns E_OK when o is gone, E_CONTINUE otherwise. The first call rescinds
 * o (S3: every capability to it is void from then on). o's type must have a
 * reap step. */
int obj_destroy_step(oref o, u32 *budget);

#endif
