/* SPDX-License-Identifier: BSD-2-Clause */
/* report.c: failure reports of the model test (report.h). */
#include "report.h"
#include "state.h"
#include "harness.h"
#include <stdarg.h>
#include <stdio.h>

u64 seed, test_seed;
const char *test_name;
long step_no;
char desc[256];
int failed;

void mfail(const char *fmt, ...)
{
    if (failed++)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("    MISMATCH seed=%llu test=%s step=%ld call=[%s]:\n      ", (unsigned long long)seed, test_name,
           step_no, desc);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n    replay: TETHER_SEED=%llu build/host/model %s\n", (unsigned long long)seed, test_name);
    harness_fail(__FILE__, __LINE__, "model and core agree", 0, 0);
}

const char *ename(int e)
{
    switch (e) {
#define X(n, v, t) case v: return #n;
#include <tether/errors.def>
#undef X
    }
    return "E_?";
}
const char *lname(u32 l)
{
    switch (l) {
#define X(n, v, t, d, in, out, ...) case v: return #n;
#include <tether/labels.def>
#undef X
    }
    return "label?";
}
const char *sname(int sid)
{
    static char buf[4][48];
    static int k;
    char *b = buf[k++ & 3];
    if (sid < 0)
        return "none";
    const struct mslot *m = &ms[sid];
    if (mo[m->owner].type == OBJ_WRAPPER)
        snprintf(b, 48, "wrapper%d.target", m->owner);
    else if (mo[m->owner].type == OBJ_FRAME)
        snprintf(b, 48, "frame%d.master", m->owner);
    else if (mo[m->owner].type == OBJ_ASPACE)
        snprintf(b, 48, "as%d[va %#llx]", m->owner, (unsigned long long)vpn_of[m->pos] << 12);
    else
        snprintf(b, 48, "cs%d[%u]", m->owner, pidx[m->pos]);
    return b;
}

