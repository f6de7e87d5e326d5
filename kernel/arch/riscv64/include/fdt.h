/* SPDX-License-Identifier: BSD-2-Clause */
/* fdt.h: read-only access to a flattened device tree (devicetree spec v0.4). */
#ifndef TETHER_FDT_H
#define TETHER_FDT_H

#include "types.h"

/* Checks the header; returns the total size in bytes, or 0 if not an FDT. */
u32 fdt_check(const void *fdt);

/* The value of property `prop` of the node at `path` ("/memory", "/cpus"),
 * its length in *len. A path component without "@unit" matches any unit
 * ("/memory" finds "/memory@80000000"). NULL if not found. */
const void *fdt_prop(const void *fdt, const char *path, const char *prop, u32 *len);

/* Every node whose "compatible" list holds `compat` ("virtio,mmio"), in
 * tree order: fn(ctx, reg, reg_len, acells, scells) with the node's "reg"
 * value (NULL, 0 if it has none) and its parent's #address-cells and
 * #size-cells (defaults 2 and 1), which say how to read reg. Returns the
 * number of such nodes. */
typedef void (*fdt_node_fn)(void *ctx, const u8 *reg, u32 reg_len, u32 acells, u32 scells);
u32 fdt_each_compatible(const void *fdt, const char *compat, fdt_node_fn fn, void *ctx);

/* Big-endian cell readers: one cell (u32) or a pair (u64). */
u32 fdt_u32(const void *p);
u64 fdt_cells(const void *p, u32 ncells);

#endif
