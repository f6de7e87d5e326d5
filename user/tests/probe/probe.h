/* SPDX-License-Identifier: BSD-2-Clause */
/* probe.h: the protocol of the test module `probe` (user/tests/probe),
 * which user/tests/t_module.c starts. The probe calls its starter on
 * MODULE_CAP_PARENT with label PROBE_MSG: first with words {&secret,
 * secret} (secret: a global, tether_modinfo->arg[0]), then, after each
 * command, with its results. Each reply is a command: word 0 the PROBE_*
 * op, words 1 and 2 its operands. */
#ifndef PROBE_H
#define PROBE_H

#define PROBE_MSG 0x200u
enum {
    PROBE_READ = 1,  /* results {*(u64 *)a}                                     */
    PROBE_WRITE,     /* *(u64 *)a = b; results {0}                              */
    PROBE_MAP,       /* a frame of its bank at va a, holding b; results {E_*}   */
    PROBE_QUERY,     /* BANK_QUERY on its cap a: {E_*, usage, limit, objects}   */
    PROBE_INFO,      /* CS_INFO of its slot a: {E_*, status, type, rights}      */
    PROBE_PARK,      /* wait forever on an endpoint of its own (no results)     */
    PROBE_EXIT,      /* return a from main                                      */
};
/* The probe's own cap addresses. */
#define PROBE_SCRATCH 16u
#define PROBE_PARK_EP 17u

#endif
