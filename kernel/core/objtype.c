/* SPDX-License-Identifier: BSD-2-Clause */
/* objtype.c: the object-type table (objtype.def) and the destruction
 * step every type shares. The only file that names every object type. */
#include "objtype.h"
#include "aspace.h"
#include "charge.h"
#include "cspace.h"
#include "debug.h"
#include "endpoint.h"
#include "frame.h"
#include "notification.h"
#include "schedctx.h"
#include "system.h"
#include "thread.h"
#include "watch.h"
#include "wrapper.h"

const struct objtype objtypes[OBJ_COUNT] = {
#define X(type, size, creatable, init, first_cap, reap, invoke) [type] = {size, creatable, init, first_cap, reap, invoke},
#include "objtype.def"
#undef X
};

/* The decoders alone, for the invocation path (one load per dispatch). */
int (*const objtype_invoke[OBJ_COUNT])(struct inv *) = {
#define X(type, size, creatable, init, first_cap, reap, invoke) [type] = invoke,
#include "objtype.def"
#undef X
};

/* Every type of the ABI has its line (and no line is there twice: the
 * designated initialisers would then override each other silently). */
enum {
#define X(type, size, creatable, init, first_cap, reap, invoke) OBJTYPE_LINE_##type,
#include "objtype.def"
#undef X
    OBJTYPE_LINES
};
_Static_assert(OBJTYPE_LINES == OBJ_COUNT - 1, "every object type (types.def) has one line in objtype.def");

int obj_destroy_step(oref o, u32 *budget)
{
    struct obj *x = obj_get(o);
    if (x->state == OS_LIVE)
        store_revocations++;  /* threads may have lost what they run on */
    x->state = OS_DYING;  /* rescinded: no cap to o is live any more (S3) */
    x->live = OBJ_NOT_LIVE;
    if (x->watch && watch_object_step(o, budget) != E_OK)
        return E_CONTINUE;  /* T4: the registrations on caps to o fire first */
    int e = objtypes[x->type].reap(o, budget);
    if (e != E_OK)
        return e;
    if (*budget == 0)
        return E_CONTINUE;
    (*budget)--;
    bank_free_obj(o);
    return E_OK;
}
