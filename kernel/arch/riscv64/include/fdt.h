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

/* Big-endian cell readers: one cell (u32) or a pair (u64). */
u32 fdt_u32(const void *p);
u64 fdt_cells(const void *p, u32 ncells);

#endif
