/* SPDX-License-Identifier: BSD-2-Clause */
/* common.c: helpers and the list of demos (demos.h). */
#include "demos.h"

int demo_verbose;
int demo_failures;
int demo_pictures, demo_cut;

const struct demo demo_list[] = {
    { "client_memory", "a client MAPs its buffer to a server, UNMAPs it mid-work", demo_client_memory },
    { "client_frees", "a client destroys the bank of its buffer while the server uses it", demo_client_frees },
    { "shared_memory", "two tasks share pages both ways; one revokes", demo_shared_memory },
    { "pager", "a user-level pager maps zero-filled pages on fault", demo_pager },
    { "cpu_time", "CPU time is a capability: shares, no time no run, a passive server on its client's time", demo_cpu_time },
    { "mappable", "a client lends a server a thread and its time, pays for the work, takes it back mid-request", demo_mappable },
    { "lock", "a lent thread taken back while it holds a server lock: the seed's pattern, and revocation notification", demo_lock },
    { "revocable", "revocable copy three ways (wrapper, forwarder task, MAP/UNMAP): one of N clients revoked", demo_revocable },
    { "transport", "a cap through k proxies by GRANT, COPY and MAP: who may leave, who can revoke", demo_transport },
    { "ep_revoked", "an endpoint destroyed under waiting clients: E_REVOKED, and the clients recover", demo_ep_revoked },
    { "bank_outlives", "objects a thread allocated outlive the thread: they live as long as their bank", demo_bank_outlives },
    { "map_nomem", "a task fills its bank with mappings: E_NOMEM, never a kernel out-of-memory", demo_map_nomem },
};
const unsigned demo_count = sizeof demo_list / sizeof demo_list[0];

uint32_t demo_slots(unsigned n)
{
    static uint32_t next = 1u << 20;
    uint32_t s = next;
    next += n;
    return s;
}

uint32_t demo_ep(void)
{
    uint32_t s = demo_slots(1);
    long e = tether_BANK_CREATE(ROOT_CAP_BANK, OBJ_ENDPOINT, CS, s, 0);
    EXPECT(e == E_OK, "endpoint: %s", tether_error_name(e));
    return s;
}

uint64_t demo_as_status(uint32_t as, uint64_t va, uint64_t *pte)
{
    uint64_t r[4] = { ~0UL, 0, 0, 0 };
    long e = tether_AS_INFO(as, va, r);
    EXPECT(e == E_OK, "AS_INFO: %s", tether_error_name(e));
    if (pte)
        *pte = r[2];
    return r[0];
}

struct probe { uint64_t va, write, value; };

static long probe_fn(void *p)
{
    struct probe *pr = p;
    volatile uint64_t *w = (volatile uint64_t *)pr->va;
    if (pr->write)
        *w = pr->value;
    else
        pr->value = *w;
    return 0;
}

long demo_probe(struct task *t, uint64_t va, int write, uint64_t *value, uint64_t *kind,
                uint64_t *addr)
{
    struct probe pr = { va, (uint64_t)write, value ? *value : 0 };
    struct task_thread th;
    uint64_t r[4];
    long e = task_spawn(t, &th, demo_slots(1), probe_fn, &pr, sizeof pr, PRIO + 6);
    if (e != E_OK)
        return e;
    /* It ran at once (priority above the root) and ended or faulted. */
    e = tether_THREAD_INFO(th.cap, r);
    if (e == E_OK && th.hdr->done) {
        if (value)
            *value = ((volatile struct probe *)th.hdr->param)->value;
    } else if (e == E_OK) {
        e = r[0] == THREAD_FAULTED ? E_FAULT : E_INVAL;
        if (kind)
            *kind = r[1];
        if (addr)
            *addr = r[2];
    }
    tether_BANK_DESTROY(t->bank, CS, th.cap);
    return e;
}

void picture_begin(const char *name, const char *title)
{
    if (demo_pictures)
        printf("picture: begin %s %s\n", name, title);
}

void picture_slot(uint32_t slot, const char *what)
{
    if (demo_pictures)
        printf("picture: slot %u %s\n", slot, what);
}

void picture_tree(uint32_t cap)
{
    if (!demo_pictures)
        return;
    uint64_t r[4] = { 0 };
    long e;
    do
        e = tether_DEBUG_TREE(ROOT_CAP_DEBUG, cap, r[0], r);
    while (e == E_OK && r[0]);
    EXPECT(e == E_OK, "DEBUG_TREE of %u: %s", cap, tether_error_name(e));
}

void picture_end(const char *name)
{
    if (demo_pictures)
        printf("picture: end %s\n", name);
}
