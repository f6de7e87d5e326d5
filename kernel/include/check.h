/* check.h: a full consistency check of the kernel's state, for tests,
 * fuzzers and debugging (O(everything); never on a kernel path). */
#ifndef TETHER_CHECK_H
#define TETHER_CHECK_H

/* NULL if every invariant holds, else a description of the first violation:
 *  - derivation lists: prev/next agree, lists are acyclic, the first node of
 *    a list has depth 0 and no other does, all nodes name the same object;
 *  - every slot is in at most one list (counted once from its root);
 *  - banks: usage = charges of their objects (obj_charge: body block and
 *    table entry; plus CSpace nodes, page tables, frame pages) + usage of
 *    their sub-banks, and usage <= limit;
 *  - the object count of every bank matches its list. */
const char *kernel_check(void);

#endif
