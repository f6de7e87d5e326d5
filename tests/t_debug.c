/* SPDX-License-Identifier: BSD-2-Clause */
/* t_debug.c: what a task may see of its own derivation tree (CS_TREE,
 * cs_tree_view) and nothing of other tasks' slots; the Debug object
 * (ROOT_CAP_DEBUG): only its holder reaches it, every method checks its
 * rights and arguments, its dumps are what docs/debug.md says, bounded and
 * restartable; the kernel's "no runnable thread" report and fault names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "fixture.h"
#include "host_console.h"
#include "debug.h"

static char out[1 << 20];
static void capture(void) { host_console_capture(out, sizeof out); }
static const char *captured(void)
{
    host_console_capture(NULL, 0);
    return out;
}

/* CS_TREE of slot s of the CSpace at cap address cs: E_*, results in tk_r. */
static int tree(u32 cs, u64 s) { return tk_inv(cs, CS_TREE, s, 0, 0, 0, 0, 0); }
/* Its results, checked: status, depth, derived, parent. */
#define CHECK_TREE(cs, s, st, dp, dv, par)                                   \
    do {                                                                     \
        CHECK_EQ(tree(cs, s), E_OK);                                         \
        CHECK_EQ(tk_r[0], st);                                               \
        CHECK_EQ(tk_r[1], dp);                                               \
        CHECK_EQ(tk_r[2], dv);                                               \
        CHECK_EQ(tk_r[3], par);                                              \
    } while (0)

enum { EP = 21, CP = 22, M1 = 23, M2 = 24, MI = 25, XCS = 26, FR = 27, AS = 28, NT = 29, NB = 30,
       WR = 31, SUB = 32, T = 33, BACK = 34 };

TEST(tree_cs_tree_shows_depth_derived_and_parent_in_the_same_cspace)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_copy(CP, EP, R_READ), E_OK);              /* COPY of a root: a root */
    CHECK_EQ(tk_map(M1, EP, R_ALL), E_OK);                /* a child */
    CHECK_EQ(tk_map(M2, M1, R_ALL), E_OK);                /* a grandchild */
    CHECK_EQ(tk_mint(MI, EP, R_ALL, 0x42, MINT_MAP), E_OK);
    CHECK_TREE(CS, EP, SLOT_LIVE, 0, 0, TREE_ROOT);
    CHECK_TREE(CS, CP, SLOT_LIVE, 0, 0, TREE_ROOT);
    CHECK_TREE(CS, M1, SLOT_LIVE, 1, 1, EP);
    CHECK_TREE(CS, M2, SLOT_LIVE, 2, 1, M1);
    CHECK_TREE(CS, MI, SLOT_LIVE, 1, 1, EP);
    CHECK_EQ(tk_copy(40, M2, R_ALL), E_OK);               /* COPY of a derived cap: a sibling */
    CHECK_TREE(CS, 40, SLOT_LIVE, 2, 1, M1);
    CHECK_TREE(CS, 41, SLOT_EMPTY, 0, 0, TREE_ROOT);      /* empty, with storage */
    CHECK_TREE(CS, 100000, SLOT_EMPTY, 0, 0, TREE_ROOT);  /* empty, without */
    /* A frame cap is derived: its parent is the frame's hidden master. */
    CHECK_EQ(tk_create(BANK, OBJ_FRAME, FR, 0), E_OK);
    CHECK_TREE(CS, FR, SLOT_LIVE, 1, 1, TREE_OUTSIDE);
    /* Void caps keep their place. */
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, MB), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_ENDPOINT, 50, 0), E_OK);
    CHECK_EQ(tk_map(51, 50, R_ALL), E_OK);
    CHECK_EQ(tk_destroy(BANK, SUB), E_OK);
    CHECK_TREE(CS, 51, SLOT_VOID, 1, 1, 50);
}

TEST(tree_cs_tree_says_nothing_about_other_cspaces)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_CSPACE, XCS, 0), E_OK);
    /* Another task's CSpace X holds a child of EP at its slot 7; the root
     * holds a child of that at M1. */
    CHECK_EQ(tk_inv(XCS, CS_MAP, 7, CS, EP, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(CS, CS_MAP, M1, XCS, 7, R_ALL, 0, 0), E_OK);
    CHECK_TREE(CS, M1, SLOT_LIVE, 2, 1, TREE_OUTSIDE);    /* not 7, not X */
    /* X's holder asks about its slot 7: its parent is the root's EP (21):
     * outside, and nothing says where. */
    u64 a[INVOKE_ARGS] = {7}, r[INVOKE_RESULTS] = {0};
    oref x = tk_slot(XCS)->obj;
    CHECK_EQ(tk_inv(XCS, CS_COPY, 1, CS, XCS, R_ALL, 0, 0), E_OK);  /* X's own cap at X:1 */
    CHECK_EQ(kernel_invoke(x, (u64)CS_TREE << 32 | 1, a, r), E_OK);
    CHECK_EQ(r[0], SLOT_LIVE);
    CHECK_EQ(r[1], 1);
    CHECK_EQ(r[2], 1);
    CHECK_EQ(r[3], TREE_OUTSIDE);
    /* The same answer for a parent in the root CSpace (FR), and for one
     * that is a frame's hidden master: outside, and nothing more. */
    CHECK_EQ(tk_create(BANK, OBJ_FRAME, FR, 0), E_OK);
    CHECK_EQ(tk_inv(XCS, CS_MAP, 8, CS, FR, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(XCS, CS_COPY, 9, CS, FR, R_ALL, 0, 0), E_OK);  /* a sibling of FR */
    for (u64 i = 8; i <= 9; i++) {
        a[0] = i;
        CHECK_EQ(kernel_invoke(x, (u64)CS_TREE << 32 | 1, a, r), E_OK);
        CHECK_EQ(r[0], SLOT_LIVE);
        CHECK_EQ(r[2], 1);
        CHECK_EQ(r[3], TREE_OUTSIDE);
    }
    CHECK_EQ(tk_map(M2, FR, R_ALL), E_OK);  /* in the root: FR is its parent */
    CHECK_TREE(CS, M2, SLOT_LIVE, 2, 1, FR);
    /* Rights and arguments. */
    CHECK_EQ(tk_copy(40, CS, R_WRITE), E_OK);
    CHECK_EQ(tree(40, EP), E_RIGHTS);
    CHECK_EQ(tree(CS, CAP_ADDR_LIMIT), E_BADCAP);
    CHECK_EQ(tree(CS, ~0ull), E_BADCAP);
    CHECK_EQ(tree(BANK, EP), E_LABEL);  /* 0x18 is no bank method */
}

TEST(tree_cs_tree_looks_back_a_bounded_number_of_nodes)
{
    tk_boot(8 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    /* The first child ends up last: every later MAP goes right after EP. */
    CHECK_EQ(tk_map(100, EP, R_ALL), E_OK);
    for (u32 i = 0; i < TREE_WALK_MAX + 10; i++)
        CHECK_EQ(tk_map(200 + i, EP, R_ALL), E_OK);
    CHECK_TREE(CS, 100, SLOT_LIVE, 1, 1, TREE_FAR);
    CHECK_TREE(CS, 200 + TREE_WALK_MAX + 9, SLOT_LIVE, 1, 1, EP);  /* right after EP */
    CHECK_TREE(CS, 200 + 10, SLOT_LIVE, 1, 1, EP);  /* EP is the TREE_WALK_MAX-th node back */
    CHECK_TREE(CS, 200 + 9, SLOT_LIVE, 1, 1, TREE_FAR);
}

/* ---- the Debug object ---- */

/* Invoke the Debug cap at dbg with label and two words, the output captured. */
static int dbg(u32 cap, u32 label, u64 a0, u64 a1)
{
    capture();
    int e = tk_inv(cap, label, a0, a1, 0, 0, 0, 0);
    captured();
    return e;
}

/* A whole dump, call after call from start 0; out holds all of it. Each
 * call prints at most DEBUG_LINES lines, `lines` of them. */
static int dump(u32 label, u64 arg, int *calls)
{
    static char all[1 << 20];
    size_t n = 0;
    u64 next = 0;
    int e;
    *calls = 0;
    all[0] = 0;
    do {
        e = label == DEBUG_SCHED ? dbg(ROOT_CAP_DEBUG, label, next, 0) : dbg(ROOT_CAP_DEBUG, label, arg, next);
        if (e != E_OK)
            return e;
        (*calls)++;
        u64 lines = 0;
        for (const char *c = out; *c; c++)
            lines += *c == '\n';
        CHECK_EQ(lines, tk_r[1]);
        CHECK(lines <= DEBUG_LINES);
        CHECK(tk_r[0] || strstr(out, "dbg end\n"));
        size_t k = strlen(out);
        CHECK(n + k < sizeof all);
        memcpy(all + n, out, k + 1);
        n += k;
        next = tk_r[0];
    } while (next && *calls < 100000);
    memcpy(out, all, n + 1);
    return E_OK;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* One "dbg cap" line, parsed (docs/debug.md). */
struct capline {
    unsigned node, in_obj, depth;
    char parent[16], in[16], index[16], type[16], status[8], rights[8];
    unsigned long long badge;
};
static int parse(const char *s, struct capline *c, int max)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, "dbg cap ")) && n < max; p++) {
        struct capline *l = &c[n];
        if (sscanf(p, "dbg cap node=%x parent=%15s in=%15[a-z]:%u index=%15s type=%15s status=%7s "
                      "rights=%7s badge=%llx depth=%u",
                   &l->node, l->parent, l->in, &l->in_obj, l->index, l->type, l->status, l->rights,
                   &l->badge, &l->depth) == 10)
            n++;
        else
            CHECK(!"a dbg cap line that does not parse");
    }
    return n;
}
/* The line at (in, obj, index), or NULL. */
static const struct capline *at(const struct capline *c, int n, const char *in, oref o, const char *index)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(c[i].in, in) && c[i].in_obj == o && !strcmp(c[i].index, index))
            return &c[i];
    return NULL;
}
static bool parent_is(const struct capline *l, const struct capline *p)
{
    char id[16];
    snprintf(id, sizeof id, "0x%x", p->node);
    return l && p && !strcmp(l->parent, id);
}

TEST(debug_object_is_made_once_at_boot_and_held_only_by_the_root)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_status(ROOT_CAP_DEBUG), SLOT_LIVE);
    CHECK_EQ(obj_get(tk_slot(ROOT_CAP_DEBUG)->obj)->type, OBJ_DEBUG);
    u32 n = 0;
    for (oref o = 1; o < store.ntab; o++)
        n += obj_get(o)->state != OS_FREE && obj_get(o)->type == OBJ_DEBUG;
    CHECK_EQ(n, 1);
    CHECK_EQ(tk_create(BANK, OBJ_DEBUG, 40, 0), E_INVAL);
    CHECK_EQ(tk_destroy(BANK, ROOT_CAP_DEBUG), E_INVAL);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, MB), E_OK);
    CHECK_EQ(tk_destroy(SUB, ROOT_CAP_DEBUG), E_INVAL);
    /* Another CSpace has no cap to it: ROOT_CAP_DEBUG there is empty. */
    CHECK_EQ(tk_create(BANK, OBJ_CSPACE, XCS, 0), E_OK);
    u64 a[INVOKE_ARGS] = {0}, r[INVOKE_RESULTS];
    for (u32 l = DEBUG_SCHED; l <= DEBUG_TREE; l++)
        CHECK_EQ(kernel_invoke(tk_slot(XCS)->obj, (u64)l << 32 | ROOT_CAP_DEBUG, a, r), E_EMPTY);
    /* Deleting a cap to it destroys nothing. */
    CHECK_EQ(tk_copy(40, ROOT_CAP_DEBUG, R_ALL), E_OK);
    CHECK_EQ(tk_delete(40), E_OK);
    CHECK_EQ(dbg(ROOT_CAP_DEBUG, DEBUG_SCHED, 0, 0), E_OK);
}

TEST(debug_methods_check_rights_and_arguments)
{
    tk_boot(4 * MB);
    enum { DW = 40, TH = 41, TNR = 42 };
    CHECK_EQ(tk_copy(DW, ROOT_CAP_DEBUG, R_ALL & ~R_READ), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_THREAD, TH, 0), E_OK);
    CHECK_EQ(tk_copy(TNR, TH, R_WRITE), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    capture();
    /* Without R_READ on the Debug cap: nothing. */
    CHECK_EQ(tk_inv(DW, DEBUG_SCHED, 0, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(DW, DEBUG_THREAD, TH, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(DW, DEBUG_BANK, BANK, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(DW, DEBUG_TREE, EP, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, 0x7777, 0, 0, 0, 0, 0, 0), E_LABEL);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, SYSTEM_CHECK, 0, 0, 0, 0, 0, 0), E_LABEL);
    /* DEBUG_THREAD: a live thread cap with R_READ. */
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_THREAD, 60, 0, 0, 0, 0, 0), E_EMPTY);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_THREAD, EP, 0, 0, 0, 0, 0), E_TYPE);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_THREAD, TNR, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_THREAD, CAP_ADDR_LIMIT, 0, 0, 0, 0, 0), E_BADCAP);
    /* DEBUG_BANK: a bank cap with R_READ; a position on its list. */
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_BANK, EP, 0, 0, 0, 0, 0), E_TYPE);
    CHECK_EQ(tk_copy(43, BANK, R_WRITE), E_OK);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_BANK, 43, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, MB), E_OK);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_BANK, SUB, tk_slot(EP)->obj, 0, 0, 0, 0), E_INVAL);  /* not its */
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_BANK, BANK, store.ntab, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_BANK, BANK, ~0ull, 0, 0, 0, 0), E_INVAL);
    /* DEBUG_TREE: any cap; a position is (object, index) in range. */
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_TREE, 60, 0, 0, 0, 0, 0), E_EMPTY);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_TREE, CAP_ADDR_LIMIT, 0, 0, 0, 0, 0), E_BADCAP);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_TREE, EP, 5, 0, 0, 0, 0), E_INVAL);  /* object 0 */
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_TREE, EP, (u64)store.ntab << 32, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_TREE, EP, 1ull << 32 | CAP_ADDR_LIMIT, 0, 0, 0, 0), E_INVAL);
    /* DEBUG_SCHED: a position is a queued thread, a released SchedContext
     * or a table index. */
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_SCHED, 1ull << 60 | (u64)5 << 32 | tk_slot(TH)->obj, 0, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_SCHED, 2ull << 60 | tk_slot(TH)->obj, 0, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_SCHED, 3ull << 60, 0, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_SCHED, 3ull << 60 | store.ntab, 0, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_SCHED, 4ull << 60, 0, 0, 0, 0, 0), E_INVAL);
    CHECK_EQ(tk_inv(ROOT_CAP_DEBUG, DEBUG_SCHED, ~0ull, 0, 0, 0, 0, 0), E_INVAL);
    /* Refused calls print nothing. */
    captured();
    CHECK_EQ(host_console_written(), 0);
    /* Through a wrapper, like any object. */
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, WR, CS, ROOT_CAP_DEBUG, 0, R_READ), E_OK);
    CHECK_EQ(dbg(WR, DEBUG_THREAD, TH, 0), E_OK);
    CHECK_EQ(tk_r[0], 6);  /* five lines and "dbg end" */
}

TEST(debug_tree_lists_every_slot_of_the_object_with_its_parent)
{
    tk_boot(4 * MB);
    int calls;
    oref root = tk.root_cs;
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_copy(CP, EP, R_READ), E_OK);
    CHECK_EQ(tk_map(M1, EP, R_ALL), E_OK);
    CHECK_EQ(tk_map(M2, M1, R_READ | R_GRANT), E_OK);
    CHECK_EQ(tk_mint(MI, EP, R_ALL, 0x42, MINT_MAP), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_CSPACE, XCS, 0), E_OK);
    CHECK_EQ(tk_inv(XCS, CS_MAP, 7, CS, M1, R_ALL, 0, 0), E_OK);   /* another CSpace */
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, WR, CS, EP, 0, R_ALL), E_OK);  /* a wrapper's target */
    CHECK_EQ(tk_create(BANK, OBJ_THREAD, T, 0), E_OK);              /* a thread's fault endpoint */
    CHECK_EQ(tk_inv(T, THREAD_SET_IPC, M2, 0, 0, 0, MWIN_OFF, 0), E_OK);
    CHECK_EQ(dump(DEBUG_TREE, EP, &calls), E_OK);
    struct capline c[32];
    int n = parse(out, c, 32);
    CHECK_EQ(n, 8);  /* 21 22 23 24 25, X:7, the wrapper's, the thread's, nothing else */
    CHECK_EQ(count(out, "dbg tree "), 1);
    CHECK_EQ(count(out, "dbg end\n"), 1);
    char want[64];
    snprintf(want, sizeof want, "dbg tree obj=%u epoch=%u type=endpoint status=live\n", tk_slot(EP)->obj,
             tk_slot(EP)->epoch);
    CHECK(strstr(out, want) == out);
    const struct capline *ep = at(c, n, "cspace", root, "21"), *cp = at(c, n, "cspace", root, "22"),
                         *m1 = at(c, n, "cspace", root, "23"), *m2 = at(c, n, "cspace", root, "24"),
                         *mi = at(c, n, "cspace", root, "25"), *x7 = at(c, n, "cspace", tk_slot(XCS)->obj, "7"),
                         *wr = at(c, n, "wrapper", tk_slot(WR)->obj, "target"),
                         *fe = at(c, n, "thread", tk_slot(T)->obj, "fault_ep");
    CHECK(ep && cp && m1 && m2 && mi && x7 && wr && fe);
    if (!(ep && cp && m1 && m2 && mi && x7 && wr && fe))
        return;
    CHECK(!strcmp(ep->parent, "-") && !strcmp(cp->parent, "-"));
    CHECK(parent_is(m1, ep) && parent_is(m2, m1) && parent_is(mi, ep) && parent_is(x7, m1));
    CHECK(parent_is(fe, m1));  /* a COPY of M2 (derived): M2's sibling */
    CHECK_EQ(ep->depth, 0);
    CHECK_EQ(m2->depth, 2);
    CHECK(!strcmp(mi->type, "endpoint") && !strcmp(mi->status, "live") && !strcmp(mi->rights, "rwxg"));
    CHECK_EQ(mi->badge, 0x42);
    CHECK(!strcmp(cp->rights, "r---") && !strcmp(m2->rights, "r--g"));
    CHECK_EQ(ep->node, slot_ref(tk_slot(EP)));
    /* Node ids are unique. */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            CHECK(c[i].node != c[j].node);
    /* After the object is destroyed, the void caps are its tree still. */
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, MB), E_OK);
    CHECK_EQ(tk_create(SUB, OBJ_NOTIFICATION, 50, 0), E_OK);
    CHECK_EQ(tk_map(51, 50, R_ALL), E_OK);
    CHECK_EQ(tk_destroy(BANK, SUB), E_OK);
    CHECK_EQ(dump(DEBUG_TREE, 51, &calls), E_OK);
    CHECK(strstr(out, "type=- status=void\n"));
    n = parse(out, c, 32);
    CHECK_EQ(n, 2);
    CHECK_EQ(count(out, "type=- status=void rights=rwxg"), 2);
}

TEST(debug_tree_finds_frames_mappings_masters_and_registrations)
{
    tk_boot(4 * MB);
    int calls;
    struct capline c[32];
    CHECK_EQ(tk_create(BANK, OBJ_FRAME, FR, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ASPACE, AS, 0), E_OK);
    CHECK_EQ(tk_inv(AS, AS_MAP_FRAME, FR, 0x40000, R_READ | R_WRITE, ITEM_MAP, 0, 0), E_OK);
    CHECK_EQ(dump(DEBUG_TREE, FR, &calls), E_OK);
    int n = parse(out, c, 32);
    CHECK_EQ(n, 3);
    const struct capline *ms = at(c, n, "frame", tk_slot(FR)->obj, "master"),
                         *fr = at(c, n, "cspace", tk.root_cs, "27"), *mp = at(c, n, "aspace", tk_slot(AS)->obj, "0x40");
    CHECK(ms && fr && mp && parent_is(fr, ms) && parent_is(mp, fr));
    if (mp)
        CHECK(!strcmp(mp->rights, "rw--") && mp->badge == 0);
    /* A revocation registration keeps a MAP of its notification cap. */
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, NT, 0), E_OK);
    CHECK_EQ(tk_mint(NB, NT, R_ALL, 1, MINT_COPY), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    CHECK_EQ(tk_inv(CS, CS_WATCH, EP, 1, NB, 0, 0, 0), E_OK);
    CHECK_EQ(dump(DEBUG_TREE, NT, &calls), E_OK);
    n = parse(out, c, 32);
    CHECK_EQ(n, 3);
    const struct capline *w = at(c, n, "watch", tk.root_cs, "21"), *nb = at(c, n, "cspace", tk.root_cs, "30");
    CHECK(w && nb && parent_is(w, nb));
}

TEST(debug_dumps_are_bounded_and_restartable)
{
    tk_boot(8 * MB);
    int calls;
    struct capline *c = malloc(400 * sizeof *c);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, EP, 0), E_OK);
    for (u32 i = 0; i < 300; i++)
        CHECK_EQ(tk_map(1000 + i, i ? 1000 + i - 1 : EP, R_ALL), E_OK);  /* a chain 300 deep */
    CHECK_EQ(dump(DEBUG_TREE, EP, &calls), E_OK);
    CHECK_EQ(parse(out, c, 400), 301);
    CHECK(calls >= 301 / (int)DEBUG_LINES + 1);
    CHECK(calls >= (int)(store.ntab / DEBUG_LOOKS));  /* the table is examined in bounded steps */
    for (u32 i = 1; i < 301; i++)
        CHECK(parent_is(&c[i], &c[i - 1]));  /* index order is tree order here */
    /* A bank with many objects: its list in several calls. */
    CHECK_EQ(tk_create(BANK, OBJ_BANK, SUB, 4 * MB), E_OK);
    for (u32 i = 0; i < 150; i++)
        CHECK_EQ(tk_create(SUB, OBJ_ENDPOINT, 2000 + i, 0), E_OK);
    CHECK_EQ(dump(DEBUG_BANK, SUB, &calls), E_OK);
    CHECK_EQ(count(out, "dbg obj "), 150);
    CHECK_EQ(count(out, " type=endpoint state=live bytes="), 150);
    CHECK_EQ(count(out, "dbg bank "), 1);
    CHECK_EQ(calls, 3);
    /* A position that is no longer one: E_INVAL, start again. */
    CHECK_EQ(dbg(ROOT_CAP_DEBUG, DEBUG_BANK, SUB, 0), E_OK);
    u64 next = tk_r[0];
    CHECK(next != 0);
    for (u32 i = 0; i < 150; i++)
        if (tk_slot(2000 + i)->obj == next)
            CHECK_EQ(tk_destroy(SUB, 2000 + i), E_OK);
    CHECK_EQ(dbg(ROOT_CAP_DEBUG, DEBUG_BANK, SUB, next), E_INVAL);
    free(c);
}

TEST(debug_thread_and_sched_say_what_threads_wait_on)
{
    tk_boot(8 * MB);
    enum { XC = 40, XA = 41, A = 42, B = 43, C = 44, N = 45, E = 46 };
    int calls;
    char want[128];
    new_spaces(BANK, XC, XA);
    CHECK_EQ(tk_inv(XC, CS_COPY, 1, CS, XC, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, E, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, N, 0), E_OK);
    CHECK_EQ(tk_inv(XC, CS_COPY, 2, CS, E, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(XC, CS_COPY, 3, CS, N, R_ALL, 0, 0), E_OK);
    new_thread(BANK, A, XC, XA, 0x1000, 50);
    new_thread(BANK, B, XC, XA, 0x1000, 60);
    new_thread(BANK, C, XC, XA, 0x1000, 70);
    start_thread(A);
    start_thread(B);
    start_thread(C);
    sys(A, SYS_RECV, msg(2, 0, 0), 0, 0, 0, 0);              /* A: recv on E */
    sys(B, SYS_INVOKE, msg(3, NTFN_WAIT, 0), 0, 0, 0, 0);    /* B: waits on N */
    CHECK_EQ(state(A), THREAD_BLOCKED_RECV);
    CHECK_EQ(state(B), THREAD_BLOCKED_WAIT);
    CHECK_EQ(dbg(ROOT_CAP_DEBUG, DEBUG_THREAD, A, 0), E_OK);
    snprintf(want, sizeof want, "dbg thread %u state=BLOCKED_RECV on=endpoint:%u prio=50 ", obj(A), obj(E));
    CHECK(strstr(out, want) == out);
    snprintf(want, sizeof want, "dbg thread %u spaces cspace=%u aspace=%u", obj(A), obj(XC), obj(XA));
    CHECK(strstr(out, want) != NULL);
    CHECK(strstr(out, " fault kind=FAULT_NONE ") != NULL);
    CHECK(strstr(out, "dbg end\n") != NULL);
    CHECK_EQ(dump(DEBUG_SCHED, 0, &calls), E_OK);
    CHECK(strstr(out, "dbg sched now=") == out);
    snprintf(want, sizeof want, "dbg thread %u state=BLOCKED_WAIT on=notification:%u prio=60\n", obj(B), obj(N));
    CHECK(strstr(out, want) != NULL);
    snprintf(want, sizeof want, "dbg thread %u state=BLOCKED_RECV on=endpoint:%u prio=50\n", obj(A), obj(E));
    CHECK(strstr(out, want) != NULL);
    /* C is runnable: running or queued. */
    snprintf(want, sizeof want, "dbg runq prio=70 thread=%u\n", obj(C));
    snprintf(want + 64, 64, "running=%u\n", obj(C));
    CHECK(strstr(out, want) != NULL || strstr(out, want + 64) != NULL);
    /* Many runnable threads: the run queues in several calls, in order. */
    for (u32 i = 0; i < 100; i++) {
        new_thread(BANK, 100 + i, XC, XA, 0x1000, 10 + i % 3);
        start_thread(100 + i);
    }
    CHECK_EQ(dump(DEBUG_SCHED, 0, &calls), E_OK);
    CHECK_EQ(count(out, "dbg runq "), 101 - (sched_cur != 0));
    CHECK(calls >= 2);
    const char *p12 = strstr(out, "dbg runq prio=12 "), *p11 = strstr(out, "dbg runq prio=11 "),
               *p10 = strstr(out, "dbg runq prio=10 ");
    CHECK(p12 && p11 && p10 && p12 < p11 && p11 < p10);
}

TEST(debug_idle_report_names_blocked_threads_once)
{
    tk_boot(8 * MB);
    enum { XC = 40, XA = 41, A = 42, B = 43, N = 45, E = 46 };
    new_spaces(BANK, XC, XA);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, E, 0), E_OK);
    CHECK_EQ(tk_create(BANK, OBJ_NOTIFICATION, N, 0), E_OK);
    CHECK_EQ(tk_inv(XC, CS_COPY, 2, CS, E, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(XC, CS_COPY, 3, CS, N, R_ALL, 0, 0), E_OK);
    new_thread(BANK, A, XC, XA, 0x1000, 50);
    new_thread(BANK, B, XC, XA, 0x1000, 60);
    start_thread(A);
    start_thread(B);
    /* Something can run: not a word. */
    capture();
    kernel_idle();
    CHECK_EQ(strlen(captured()), 0);
    sys(A, SYS_RECV, msg(2, 0, 0), 0, 0, 0, 0);
    sys(B, SYS_INVOKE, msg(3, NTFN_WAIT, 0), 0, 0, 0, 0);
    CHECK(sched_next() == NULL);
    capture();
    kernel_idle();
    char want[160];
    snprintf(want, sizeof want,
             "tether: no runnable thread; blocked: thread %u (recv on endpoint %u), thread %u (wait on "
             "notification %u); 0 stopped by a fault, 0 inactive\n", obj(A), obj(E), obj(B), obj(N));
    CHECK(!strcmp(captured(), want));
    if (strcmp(out, want))
        printf("    got: \"%s\"\n", out);
    capture();
    kernel_idle();  /* once */
    kernel_idle();
    CHECK_EQ(strlen(captured()), 0);
    /* B is woken, runs, then stops on a fault: the report comes again. */
    CHECK_EQ(tk_mint(47, N, R_ALL, 1, MINT_COPY), E_OK);
    CHECK_EQ(tk_inv(47, NTFN_SIGNAL, 0, 0, 0, 0, 0, 0), E_OK);
    capture();
    kernel_idle();
    CHECK_EQ(strlen(captured()), 0);
    CHECK(sched_next() == &th(B)->regs);
    capture();
    kernel_exception(FAULT_READ, 0x1234);  /* no handler: it stops, and says so by name */
    kernel_idle();
    snprintf(want, sizeof want, "tether: thread %u stopped: FAULT_READ addr 1234 pc 1004\n"
                                "tether: no runnable thread; blocked: thread %u (recv on endpoint %u); "
                                "1 stopped by a fault, 0 inactive\n", obj(B), obj(A), obj(E));
    CHECK(!strcmp(captured(), want));
    if (strcmp(out, want))
        printf("    got: \"%s\"\n", out);
}

TEST(debug_idle_report_waits_for_a_refill_that_is_due)
{
    tk_boot(8 * MB);
    enum { XC = 40, XA = 41, A = 42, S = 43 };
    new_spaces(BANK, XC, XA);
    new_thread(BANK, A, XC, XA, 0x1000, 50);
    CHECK_EQ(tk_create(BANK, OBJ_SCHEDCTX, S, 0), E_OK);
    CHECK_EQ(tk_inv(S, SC_CONFIGURE, 1, 5, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_inv(A, THREAD_BIND_SC, S, 0, 0, 0, 0, 0), E_OK);
    start_thread(A);
    CHECK(sched_next() == &th(A)->regs);
    kernel_timer();  /* its one tick is used: it waits for the refill */
    CHECK(sched_next() == NULL);
    capture();
    kernel_idle();
    CHECK_EQ(strlen(captured()), 0);
    /* A SchedContext that is never configured gives no time: dead. */
    CHECK_EQ(tk_create(BANK, OBJ_SCHEDCTX, 44, 0), E_OK);
    CHECK_EQ(tk_inv(A, THREAD_BIND_SC, 44, 0, 0, 0, 0, 0), E_OK);
    for (int i = 0; i < 10; i++)
        kernel_timer();
    CHECK(sched_next() == NULL);
    capture();
    kernel_idle();
    char want[160];
    snprintf(want, sizeof want, "tether: no runnable thread; blocked: thread %u (CPU time from schedctx %u, "
                                "never configured); 0 stopped by a fault, 0 inactive\n", obj(A), obj(44));
    CHECK(!strcmp(captured(), want));
    if (strcmp(out, want))
        printf("    got: \"%s\"\n", out);
}
