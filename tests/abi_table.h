/* SPDX-License-Identifier: BSD-2-Clause */
/* abi_table.h: the manual entries of labels.def as data, for the tests
 * that hold the kernel to them (t_abi.c, fuzz_invoke.c). Header only: each
 * user gets its own static copy.
 *
 *   abi_method(label)        the entry of a label, or NULL
 *   abi_methods[], ABI_NMETHODS
 *   abi_err_listed(m, e)     is error e in m's ERR list?
 *   abi_generic_err(e)       an error of the invoked cap's lookup, which
 *                            every invocation may answer (labels.def) */
#ifndef TETHER_ABI_TABLE_H
#define TETHER_ABI_TABLE_H

#include <tether/abi.h>

struct abi_caparg {
    const char *name;     /* the IN it names */
    int arg;              /* its index, found by abi_table_init (-1: none) */
    unsigned type;        /* the object type it must name */
    unsigned rights;      /* the rights it needs */
};

struct abi_method {
    const char *name;
    unsigned label, type;
    unsigned nin, nout;
    const char *const *ins;      /* the IN names, NULL-terminated */
    const char *const *docs;     /* their docs */
    const int *errs;             /* ERR codes, -1-terminated */
    const int *rights;           /* RIGHTS masks, -1-terminated (one expected) */
    const struct abi_caparg *capargs;  /* name NULL ends it */
    const char *order;           /* the entry's kinds in order: R, A, E, C, O */
};

/* The IN names of each method. */
#define IN(n, d) #n,
#define OUT(n, d)
#define X(name, val, type, doc, in, out, ...) static const char *const abi_ins_##name[] = { in NULL };
#include <tether/labels.def>
#undef X
#undef IN
#define IN(n, d) d,
#define X(name, val, type, doc, in, out, ...) static const char *const abi_docs_##name[] = { in NULL };
#include <tether/labels.def>
#undef X
#undef IN
#undef OUT

/* The entry's parts, one pass each. */
#define RIGHTS(m)
#define CAPARG(a, t, m, d)
#define ERR(c, w) c,
#define CHANGES(t)
#define COST(t)
#define X(name, val, type, doc, in, out, ...) static const int abi_errs_##name[] = { __VA_ARGS__ -1 };
#include <tether/labels.def>
#undef X
#undef ERR
#define ERR(c, w)
#undef RIGHTS
#define RIGHTS(m) (int)(m),
#define X(name, val, type, doc, in, out, ...) static const int abi_rights_##name[] = { __VA_ARGS__ -1 };
#include <tether/labels.def>
#undef X
#undef RIGHTS
#define RIGHTS(m)
#undef CAPARG
#define CAPARG(a, t, m, d) { #a, -1, t, m },
#define X(name, val, type, doc, in, out, ...) \
    static struct abi_caparg abi_caps_##name[] = { __VA_ARGS__ { 0, -1, 0, 0 } };
#include <tether/labels.def>
#undef X
#undef RIGHTS
#undef CAPARG
#undef ERR
#undef CHANGES
#undef COST
#define RIGHTS(m) 'R',
#define CAPARG(a, t, m, d) 'A',
#define ERR(c, w) 'E',
#define CHANGES(t) 'C',
#define COST(t) 'O',
#define X(name, val, type, doc, in, out, ...) static const char abi_order_##name[] = { __VA_ARGS__ 0 };
#include <tether/labels.def>
#undef X
#undef RIGHTS
#undef CAPARG
#undef ERR
#undef CHANGES
#undef COST

static const struct abi_method abi_methods[] = {
#define X(name, val, type, doc, in, out, ...)                                                    \
    { #name, name, type, TETHER_NIN_##name, TETHER_NOUT_##name, abi_ins_##name, abi_docs_##name, abi_errs_##name, \
      abi_rights_##name, abi_caps_##name, abi_order_##name },
#include <tether/labels.def>
#undef X
};
#define ABI_NMETHODS (sizeof abi_methods / sizeof abi_methods[0])

/* Fill in each CAPARG's argument index; returns the first CAPARG that
 * names no IN of its method (NULL: all do). */
static inline const struct abi_caparg *abi_table_init(void)
{
    for (unsigned i = 0; i < ABI_NMETHODS; i++) {
        const struct abi_method *m = &abi_methods[i];
        for (struct abi_caparg *c = (struct abi_caparg *)m->capargs; c->name; c++) {
            c->arg = -1;
            for (int k = 0; m->ins[k]; k++) {
                const char *a = m->ins[k], *b = c->name;
                while (*a && *a == *b)
                    a++, b++;
                if (!*a && !*b)
                    c->arg = k;
            }
            if (c->arg < 0)
                return c;
        }
    }
    return 0;
}

static inline const struct abi_method *abi_method(unsigned label)
{
    for (unsigned i = 0; i < ABI_NMETHODS; i++)
        if (abi_methods[i].label == label)
            return &abi_methods[i];
    return 0;
}

static inline int abi_err_listed(const struct abi_method *m, int e)
{
    for (const int *p = m->errs; *p >= 0; p++)
        if (*p == e)
            return 1;
    return 0;
}

/* The rights the invoked cap needs (the entry's one RIGHTS). */
static inline unsigned abi_rights(const struct abi_method *m)
{
    return m->rights[0] >= 0 ? (unsigned)m->rights[0] : 0;
}

/* The name of an error code (errors.def). */
static inline const char *abi_err_name(int e)
{
    switch (e) {
#define X(name, val, text) case val: return #name;
#include <tether/errors.def>
#undef X
    }
    return "E_?";
}

static inline int abi_generic_err(int e)
{
    return e == E_BADCAP || e == E_EMPTY || e == E_REVOKED || e == E_LABEL;
}

#endif
