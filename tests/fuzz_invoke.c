/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_invoke.c: libFuzzer target. Each input is a sequence of
 * invocations a hostile task could make (cap addresses, labels and argument
 * words taken from the input, biased towards values that reach deep into
 * the decoders); after every one the kernel's invariants must hold
 * (kernel_check), nothing may crash (ASan/UBSan), and every error is one
 * the manual lists for the method (labels.def's ERR entries: abi_table.h)
 * or, when the cap is no cap of the method's type, the lookup's own.
 *
 * The objects made first include SchedContexts (one bound to a thread, so
 * binding it elsewhere is E_BUSY; one never configured), a notification
 * (badged and not) and a thread configured in an AddrSpace of a sub-bank
 * (destroying it leaves a thread that can never run: binding time to it
 * is E_REVOKED): small argument words then reach SC_CONFIGURE's bad
 * budgets and periods, THREAD_BIND_SC / THREAD_BIND_NTFN's errors and the
 * notification methods. An error from those methods must change nothing
 * (the SchedContexts, notifications and threads' time and bindings are
 * compared), and SC_CONFIGURE must refuse every bad budget and period.
 * TETHER_FUZZ_STATS=1 prints, at exit, how often each label got each
 * answer (error code: count). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "tk.h"
#include "notification.h"
#include "schedctx.h"
#include "thread.h"
#include "abi_table.h"

static const u32 labels[] = {
#define X(name, val, type, doc, in, out, ...) name,
#include <tether/labels.def>
#undef X
    0, 0x7777,
};

#define NL (sizeof labels / sizeof labels[0])
static long stat[NL][E_COUNT];
static void print_stats(void)
{
    for (u32 i = 0; i < NL; i++) {
        fprintf(stderr, "label %#x:", labels[i]);
        for (int e = 0; e < E_COUNT; e++)
            if (stat[i][e])
                fprintf(stderr, " %d:%ld", e, stat[i][e]);
        fprintf(stderr, "\n");
    }
}

static const u8 *in;
static size_t left;

static u64 take(unsigned bytes)
{
    u64 v = 0;
    for (unsigned i = 0; i < bytes && left; i++, left--)
        v = v << 8 | *in++;
    return v;
}

/* An argument word: mostly small (slot indices, types, rights, flags), now
 * and then anything. */
static u64 word(void)
{
    u64 sel = take(1);
    switch (sel & 7) {
    case 0: return take(8);
    case 1: return CAP_ADDR_LIMIT - 1 + (sel >> 3);
    default: return take(1) % 40;
    }
}

/* A hash of what the time and notification methods may change: the
 * SchedContexts, notifications and threads the root's caps 1..39 name
 * (the ones an input can name). */
static u64 time_state(void)
{
    u64 h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (u64)(v)) * 1099511628211ull)
    for (u32 k = 1; k < 40; k++) {
        const struct slot *sl = tk_slot(k);
        if (!sl || !sl->obj || !cap_live(sl))
            continue;
        oref o = sl->obj;
        const struct obj *x = obj_get(o);
        if (x->type == OBJ_SCHEDCTX) {
            const struct schedctx *s = schedctx_body(o);
            MIX(s->budget), MIX(s->period), MIX(s->remaining), MIX(s->refill_at), MIX(s->consumed);
            MIX(s->overruns), MIX(s->thread), MIX(s->released);
        } else if (x->type == OBJ_NOTIFICATION) {
            const struct notification *n = ntfn_body(o);
            MIX(n->word), MIX(n->head), MIX(n->bound), MIX(n->waiting);
        } else if (x->type == OBJ_THREAD) {
            const struct thread *t = thread_body(o);
            MIX(t->sc.obj), MIX(t->sc.epoch), MIX(t->ntfn.obj), MIX(t->timeout_ep.obj), MIX(t->lent);
            MIX(t->state), MIX(t->queued), MIX(t->waiting_time);
        }
    }
#undef MIX
    return h;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    static int init;
    if (!init && getenv("TETHER_FUZZ_STATS"))
        atexit(print_stats);
    init = 1;
    in = data, left = size;
    tk_boot(1u << 20);
    /* Some objects to play with. */
    tk_create(BANK, OBJ_BANK, 10, 1u << 16);
    tk_create(10, OBJ_CSPACE, 11, 0);
    tk_create(10, OBJ_ENDPOINT, 12, 0);
    tk_create(10, OBJ_THREAD, 13, 0);
    tk_create(BANK, OBJ_ASPACE, 14, 0);
    /* Threads configured directly (13) and through a MAP (16 via 17, so
     * that UNMAP of 16 stops it): the register methods (T3) get past their
     * first checks. */
    tk_inv(13, THREAD_CONFIGURE, 11, 14, 0x1000, 0x2000, 10, 0);
    tk_create(10, OBJ_THREAD, 16, 0);
    tk_map(17, 16, R_ALL);
    tk_inv(17, THREAD_CONFIGURE, CS, 14, 0x1000, 0x2000, 10, 0);
    tk_create(10, OBJ_NOTIFICATION, 15, 0);  /* and a badged cap: CS_WATCH registers */
    tk_mint(18, 15, R_ALL, 1, MINT_COPY);
    /* Time: SchedContext 20 bound to thread 13 (to any other: E_BUSY), 25
     * a MAP of it, 24 never configured; thread 22 configured in the
     * sub-bank's AddrSpace 23 (destroy 10 or 23: it can never run, binding
     * time to it is E_REVOKED), with notification 18 bound. */
    tk_create(BANK, OBJ_SCHEDCTX, 20, 0);
    tk_inv(20, SC_CONFIGURE, 2, 5, 0, 0, 0, 0);
    tk_map(25, 20, R_ALL);
    tk_create(BANK, OBJ_SCHEDCTX, 24, 0);
    tk_inv(13, THREAD_BIND_SC, 20, 0, 0, 0, 0, 0);
    tk_create(BANK, OBJ_THREAD, 22, 0);
    tk_create(10, OBJ_ASPACE, 23, 0);
    tk_inv(22, THREAD_CONFIGURE, CS, 23, 0x1000, 0, 10, 0);
    tk_inv(22, THREAD_BIND_NTFN, 18, 0, 0, 0, 0, 0);
    /* The Debug object twice more (its dumps walk all of the above), once
     * without R_READ. */
    tk_copy(26, ROOT_CAP_DEBUG, R_ALL);
    tk_copy(27, ROOT_CAP_DEBUG, R_WRITE);
    while (left >= 4) {
        u32 cap = (u32)(take(1) % 40);
        u32 li = (u32)(take(1) % NL);
        u32 label = labels[li];
        if (label == SYSTEM_POWEROFF)  /* the System cap is at ROOT_CAP_SYSTEM: it would end the run */
            label = SYSTEM_CHECK;
        u64 a[6];
        for (int i = 0; i < 6; i++)
            a[i] = word();
        bool timely = (label >= NTFN_SIGNAL && label <= SC_QUERY) || label == THREAD_BIND_SC ||
                      label == THREAD_BIND_NTFN || label == THREAD_SET_TIMEOUT;
        u64 before = timely ? time_state() : 0;
        struct target t;
        int le = kernel_lookup(tk.root_cs, cap, &t);
        bool to_sc = le == E_OK && t.type == OBJ_SCHEDCTX;
        const struct abi_method *m = abi_method(label);
        int e = tk_inv(cap, label, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (timely && e != E_OK && time_state() != before) {
            fprintf(stderr, "label %#x on cap %u answered %d but changed SchedContexts, notifications or threads\n",
                    label, cap, e);
            abort();
        }
        if (label == SC_CONFIGURE && to_sc && e == E_OK && (!a[0] || a[0] > a[1] || a[1] > SC_MAX_PERIOD)) {
            fprintf(stderr, "SC_CONFIGURE(%llu, %llu) accepted\n", (unsigned long long)a[0], (unsigned long long)a[1]);
            abort();
        }
        if (e < 0 || e >= E_COUNT) {
            fprintf(stderr, "bad error code %d\n", e);
            abort();
        }
        stat[li][e]++;
        if (le != E_OK ? e != le : !m || t.type != m->type ? e != E_LABEL : e != E_OK && !abi_err_listed(m, e)) {
            fprintf(stderr, "%s on cap %u (lookup %s): %s, not what docs/manual.md says\n",
                    m ? m->name : "unknown label", cap, abi_err_name(le), abi_err_name(e));
            abort();
        }
        const char *why = kernel_check();
        if (why) {
            fprintf(stderr, "kernel_check: %s (cap %u label %#x)\n", why, cap, label);
            abort();
        }
    }
    return 0;
}
