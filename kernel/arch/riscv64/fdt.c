/* SPDX-License-Identifier: BSD-2-Clause */
/* fdt.c: a small flattened-device-tree reader.
 *
 * The blob is a header, a structure block of big-endian 32-bit tokens, and a
 * strings block holding property names:
 *   FDT_BEGIN_NODE name\0 (padded to 4)   FDT_END_NODE
 *   FDT_PROP len nameoff value (padded)   FDT_NOP   FDT_END */
#include "fdt.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define MAX_DEPTH      16

struct fdt_header {
    u32 magic, totalsize, off_dt_struct, off_dt_strings, off_mem_rsvmap;
    u32 version, last_comp_version, boot_cpuid_phys, size_dt_strings, size_dt_struct;
};

u32 fdt_u32(const void *p)
{
    const u8 *b = p;
    return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

u64 fdt_cells(const void *p, u32 ncells)
{
    const u8 *b = p;
    u64 v = 0;
    for (u32 i = 0; i < ncells; i++)
        v = v << 32 | fdt_u32(b + 4 * i);
    return v;
}

u32 fdt_check(const void *fdt)
{
    const struct fdt_header *h = fdt;
    if (fdt_u32(&h->magic) != FDT_MAGIC || fdt_u32(&h->version) < 16)
        return 0;
    return fdt_u32(&h->totalsize);
}

static bool str_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Does node name `name` ("memory@80000000") match the path component that
 * starts at comp and ends at '/' or '\0'? */
static bool name_matches(const char *name, const char *comp)
{
    while (*comp && *comp != '/' && *name == *comp)
        name++, comp++;
    if (*comp && *comp != '/')
        return false;
    return *name == '\0' || *name == '@';
}

/* Start of the component at `depth` (1 = first after the root) in path. */
static const char *component(const char *path, int depth)
{
    for (int d = 0; d < depth; d++) {
        while (*path == '/')
            path++;
        if (d + 1 == depth)
            return path;
        while (*path && *path != '/')
            path++;
    }
    return path;
}

static int path_depth(const char *path)
{
    int n = 0;
    for (const char *p = path; *p; p++)
        if (*p != '/' && (p == path || p[-1] == '/'))
            n++;
    return n;
}

const void *fdt_prop(const void *fdt, const char *path, const char *prop, u32 *len)
{
    const struct fdt_header *h = fdt;
    u32 size = fdt_check(fdt);
    if (!size)
        return NULL;
    const u8 *base = fdt;
    const u8 *p = base + fdt_u32(&h->off_dt_struct);
    const u8 *end = p + fdt_u32(&h->size_dt_struct);
    const char *strings = (const char *)base + fdt_u32(&h->off_dt_strings);
    int want = path_depth(path);
    int depth = -1;      /* depth of the current node; the root is 0 */
    int matched = -1;    /* deepest depth whose whole path prefix matches */

    while (p + 4 <= end) {
        u32 tok = fdt_u32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            depth++;
            if (depth == 0)
                matched = 0;
            else if (matched == depth - 1 && depth <= want &&
                     name_matches(name, component(path, depth)))
                matched = depth;
            while (*p)
                p++;
            p = (const u8 *)(((uptr)p + 4) & ~(uptr)3);
        } else if (tok == FDT_END_NODE) {
            if (matched == depth)
                matched--;
            depth--;
        } else if (tok == FDT_PROP) {
            u32 plen = fdt_u32(p);
            const char *pname = strings + fdt_u32(p + 4);
            const u8 *val = p + 8;
            if (matched == depth && depth == want && str_eq(pname, prop)) {
                *len = plen;
                return val;
            }
            p = val + ((plen + 3) & ~3u);
        } else if (tok == FDT_NOP) {
            continue;
        } else {
            break;    /* FDT_END or garbage */
        }
        if (depth >= MAX_DEPTH)
            break;
    }
    return NULL;
}

/* Does the string list [list, list + len) ("a\0b\0") hold s? */
static bool list_has(const char *list, u32 len, const char *s)
{
    const char *end = list + len;
    while (list < end) {
        if (str_eq(list, s))
            return true;
        while (list < end && *list)
            list++;
        list++;
    }
    return false;
}

/* A node's properties come before its subnodes (devicetree spec, 5.4), so
 * everything about a node is known at its FDT_END_NODE. */
u32 fdt_each_compatible(const void *fdt, const char *compat, fdt_node_fn fn, void *ctx)
{
    const struct fdt_header *h = fdt;
    if (!fdt_check(fdt))
        return 0;
    const u8 *base = fdt;
    const u8 *p = base + fdt_u32(&h->off_dt_struct);
    const u8 *end = p + fdt_u32(&h->size_dt_struct);
    const char *strings = (const char *)base + fdt_u32(&h->off_dt_strings);
    struct {
        u32 acells, scells;  /* for this node's children */
        const u8 *reg;
        u32 reg_len;
        bool match;
    } node[MAX_DEPTH + 1];
    int depth = -1;
    u32 found = 0;

    while (p + 4 <= end) {
        u32 tok = fdt_u32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            if (++depth > MAX_DEPTH)
                break;
            node[depth].acells = 2;
            node[depth].scells = 1;
            node[depth].reg = NULL;
            node[depth].reg_len = 0;
            node[depth].match = false;
            while (p < end && *p)
                p++;
            p = (const u8 *)(((uptr)p + 4) & ~(uptr)3);
        } else if (tok == FDT_END_NODE) {
            if (depth < 0)
                break;
            if (node[depth].match && depth > 0) {
                found++;
                fn(ctx, node[depth].reg, node[depth].reg_len, node[depth - 1].acells,
                   node[depth - 1].scells);
            }
            depth--;
        } else if (tok == FDT_PROP) {
            if (depth < 0 || p + 8 > end)
                break;
            u32 plen = fdt_u32(p);
            const char *pname = strings + fdt_u32(p + 4);
            const u8 *val = p + 8;
            if (val + plen > end)
                break;
            if (str_eq(pname, "compatible"))
                node[depth].match = list_has((const char *)val, plen, compat);
            else if (str_eq(pname, "reg"))
                node[depth].reg = val, node[depth].reg_len = plen;
            else if (str_eq(pname, "#address-cells") && plen == 4)
                node[depth].acells = fdt_u32(val);
            else if (str_eq(pname, "#size-cells") && plen == 4)
                node[depth].scells = fdt_u32(val);
            p = val + ((plen + 3) & ~3u);
        } else if (tok == FDT_NOP) {
            continue;
        } else {
            break;    /* FDT_END or garbage */
        }
    }
    return found;
}
