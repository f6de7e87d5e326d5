/* SPDX-License-Identifier: BSD-2-Clause */
/* demos.h: the demos (user/demos), run by `make run` (user/init,
 * verbose) and as system tests (user/tests/t_demos.c, quiet). Each returns
 * the number of things that did not happen as expected (0 = success).
 *
 * "Tasks" are threads in AddrSpaces of their own (libtether task.h: the
 * program's text is shared read-only, data/bss/stacks are the task's own
 * frames); they share the root CSpace (the server of demo f has one of its
 * own: task_thread_create_in). Priorities: the root runs at 100,
 * demo threads at 101..106, so everything a demo starts runs to a blocking
 * point before the root goes on (no demo depends on the timer). */
#ifndef DEMOS_H
#define DEMOS_H

#include "task.h"
#include "tether.h"
#include "ulib.h"

extern int demo_verbose;  /* print the story (make run) */
extern int demo_failures;
/* Boot arguments of make run's image (tools/qemu-debate-test.sh sets them):
 * pictures=1  the demos of the report's pictures print their derivation
 *             trees with the Debug object (demo_picture);
 * cut=1       demo_persist waits for a power cut after its first checkpoint
 *             instead of going on (the test kills QEMU there). */
extern int demo_pictures, demo_cut;

#define SAY(...) do { if (demo_verbose) printf(__VA_ARGS__); } while (0)
/* Expect cond; a failure is always printed. */
#define EXPECT(cond, ...)                                                   \
    do {                                                                    \
        if (!(cond)) {                                                      \
            printf("  demo check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__);                                            \
            printf("\n");                                                   \
            demo_failures++;                                                \
        }                                                                   \
    } while (0)

#define CS   ROOT_CAP_CSPACE
#define PG   4096UL
#define PRIO ROOT_THREAD_PRIO

/* Fresh cap addresses of the root CSpace for demos (far above the tests'). */
uint32_t demo_slots(unsigned n);
uint32_t demo_ep(void);  /* a new endpoint from the root bank */
/* AS_INFO status of va in AddrSpace `as` (SLOT_*), *pte = hardware mapped. */
uint64_t demo_as_status(uint32_t as, uint64_t va, uint64_t *pte);
/* Run a thread of task t that reads (write = 0) or writes `value` to the
 * word at va; E_OK (*value = what was read), or E_FAULT with *kind and
 * *addr from THREAD_INFO: it took a fault nobody handles. */
long demo_probe(struct task *t, uint64_t va, int write, uint64_t *value, uint64_t *kind,
                uint64_t *addr);
/* The report's pictures (docs/copy-vs-map.md, docs/img/), only with
 * demo_pictures: "picture: begin NAME TITLE", then names of root-CSpace
 * slots ("picture: slot INDEX NAME") and the DEBUG_TREE dumps of caps
 * (docs/debug.md), "picture: end NAME". tools/capgraph draws one;
 * tools/qemu-debate-test.sh collects them. */
void picture_begin(const char *name, const char *title);
void picture_slot(uint32_t slot, const char *what);
void picture_tree(uint32_t cap);
void picture_end(const char *name);

int demo_client_memory(void);  /* a: client MAPs a buffer to a server, then UNMAPs it    */
int demo_client_frees(void);   /* b: client destroys the bank of the buffer mid-work     */
int demo_shared_memory(void);  /* c: two tasks share pages both ways, one revokes        */
int demo_pager(void);          /* d: a user pager maps zero-filled pages on fault        */
int demo_cpu_time(void);       /* e: SchedContext shares; time lent to a passive server   */
int demo_lock(void);           /* g: a lent thread taken back while it holds a server lock */
int demo_mappable(void);       /* f: a client lends a server its thread and time, takes it back */
int demo_revocable(void);      /* 1: revocable copy three ways, one of N clients revoked */
int demo_transport(void);      /* 3: a cap through k proxies by GRANT, COPY, MAP         */
int demo_ep_revoked(void);     /* 4: an endpoint destroyed under waiting clients          */
int demo_bank_outlives(void);  /* 5: objects outlive the thread that allocated them       */
int demo_map_nomem(void);      /* 7: a task fills its bank with mappings: E_NOMEM         */
/* The persistent part of make run's tour (not in demo_list: it checkpoints
 * the whole system, and a later boot resumes it there). */
int demo_persist(void);

struct demo {
    const char *name;
    const char *what;
    int (*fn)(void);
};
extern const struct demo demo_list[];
extern const unsigned demo_count;

#endif
