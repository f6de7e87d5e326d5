/* SPDX-License-Identifier: BSD-2-Clause */
/* t_wrapper.c: wrappers (C8). */
#include "harness.h"
#include "tk.h"

#define MB (1ull << 20)

static int wrap(u32 dst, u32 src, u64 badge, u64 rights)
{
    return tk_inv(BANK, BANK_WRAP, CS, dst, CS, src, badge, rights);
}

TEST(c8_wrapper_resolves_to_target_with_combined_rights)
{
    tk_boot(4 * MB);
    CHECK_EQ(wrap(20, BANK, 0, R_READ), E_OK);
    CHECK_EQ(tk_inv(20, BANK_QUERY, 0, 0, 0, 0, 0, 0), E_OK);       /* read ok */
    CHECK_EQ(tk_inv(20, BANK_CREATE, OBJ_ENDPOINT, CS, 21, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(wrap(22, CS, 0, R_ALL), E_OK);
    CHECK_EQ(tk_inv(22, CS_COPY, 23, CS, BANK, R_ALL, 0, 0), E_OK); /* via wrapper */
    CHECK_EQ(tk_status(23), SLOT_LIVE);
    /* Rights on the wrapper cap itself also mask. */
    CHECK_EQ(tk_copy(24, 22, R_READ), E_OK);
    CHECK_EQ(tk_inv(24, CS_COPY, 25, CS, BANK, R_ALL, 0, 0), E_RIGHTS);
}

TEST(c8_destroying_wrapper_revokes_every_copy)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_BANK, 19, MB), E_OK);
    CHECK_EQ(tk_inv(19, BANK_WRAP, CS, 20, CS, CS, 0, R_ALL), E_OK);
    for (u32 i = 0; i < 50; i++)
        CHECK_EQ(tk_copy(100 + i, 20, R_ALL), E_OK);
    CHECK_EQ(tk_inv(120, CS_INFO, 1, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_destroy(19, 20), E_OK);
    for (u32 i = 0; i < 50; i++)
        CHECK_EQ(tk_inv(100 + i, CS_INFO, 1, 0, 0, 0, 0, 0), E_REVOKED);
    /* The target itself is untouched. */
    CHECK_EQ(tk_inv(CS, CS_INFO, 1, 0, 0, 0, 0, 0), E_OK);
}

TEST(c8_unmap_reaches_into_wrapper)
{
    /* A wrapper over a derived cap holds a sibling copy: UNMAP of the
     * ancestor revokes the wrapper's target too (nobody escapes UNMAP). */
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 20, 0), E_OK);
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    CHECK_EQ(wrap(22, 21, 0, R_ALL), E_OK);
    CHECK_EQ(wrap(23, 20, 0, R_ALL), E_OK); /* over a root: a new root, survives */
    CHECK_EQ(tk_unmap(20, 0), E_OK);
    CHECK_EQ(tk_inv(22, 0x7777, 0, 0, 0, 0, 0, 0), E_REVOKED);
    CHECK_EQ(tk_inv(23, 0x7777, 0, 0, 0, 0, 0, 0), E_LABEL); /* reached the endpoint */
}

TEST(c8_wrapper_chains_are_bounded)
{
    tk_boot(4 * MB);
    u32 prev = CS;
    int e = E_OK;
    u32 n = 0;
    for (u32 slot = 20; e == E_OK && n < 20; slot++, n++) {
        e = wrap(slot, prev, 0, R_ALL);
        prev = slot;
    }
    CHECK_EQ(e, E_DEPTH);
    CHECK_EQ(n, WRAP_MAX_DEPTH + 1);
    /* The deepest chain resolves. */
    CHECK_EQ(tk_inv(20 + WRAP_MAX_DEPTH - 1, CS_INFO, 1, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[1], OBJ_CSPACE);
    /* Destroying a wrapper in the middle voids the whole chain above it. */
    CHECK_EQ(tk_destroy(BANK, 22), E_OK);
    CHECK_EQ(tk_inv(20 + WRAP_MAX_DEPTH - 1, CS_INFO, 1, 0, 0, 0, 0, 0), E_REVOKED);
    CHECK_EQ(tk_inv(21, CS_INFO, 1, 0, 0, 0, 0, 0), E_OK);
}

TEST(c8_wrapper_badge_rules)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 20, 0), E_OK);
    CHECK_EQ(wrap(21, 20, 0x99, R_ALL), E_OK);
    struct target t;
    CHECK_EQ(cap_resolve(tk_slot(21), &t), E_OK);
    CHECK_EQ(t.badge, 0x99);
    CHECK_EQ(t.type, OBJ_ENDPOINT);
    CHECK_EQ(t.wraps, 1);
    CHECK_EQ(wrap(22, 21, 0x98, R_ALL), E_INVAL);  /* already badged */
    CHECK_EQ(wrap(22, CS, 0x98, R_ALL), E_TYPE);   /* badge needs an endpoint */
    CHECK_EQ(wrap(22, 77, 0, R_ALL), E_EMPTY);
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, 22, 20, 20, 0, R_ALL), E_TYPE); /* src_cs not a CSpace */
    CHECK_EQ(tk_inv(BANK, BANK_WRAP, CS, CAP_ADDR_LIMIT, CS, 20, 0, R_ALL), E_BADCAP);
    CHECK_EQ(wrap(CS, 20, 0, R_ALL), E_FULL);
    CHECK_EQ(tk_status(22), SLOT_EMPTY);
    /* MINT cannot badge through a wrapper cap. */
    CHECK_EQ(tk_mint(23, 21, R_ALL, 5, MINT_COPY), E_TYPE);
}
