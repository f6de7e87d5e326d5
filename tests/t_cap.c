/* SPDX-License-Identifier: BSD-2-Clause */
/* t_cap.c: derivation tree rules C1..C7 through the invocation interface. */
#include "harness.h"
#include "tk.h"

#define MB (1ull << 20)

/* Fresh kernel with an endpoint at slot 20 (a root cap). */
static void setup(void)
{
    tk_boot(4 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 20, 0), E_OK);
}

TEST(c1_copy_rights_only_shrink)
{
    setup();
    CHECK_EQ(tk_copy(21, 20, R_READ), E_OK);
    CHECK_EQ(tk_slot(21)->rights, R_READ);
    /* Asking for more rights than the source has yields only the source's. */
    CHECK_EQ(tk_copy(22, 21, R_ALL), E_OK);
    CHECK_EQ(tk_slot(22)->rights, R_READ);
    CHECK_EQ(tk_map(23, 21, ~0ull), E_OK);
    CHECK_EQ(tk_slot(23)->rights, R_READ);
    CHECK_EQ(tk_grant(24, 23, R_WRITE), E_OK);
    CHECK_EQ(tk_slot(24)->rights, 0);
}

TEST(c2_copy_of_root_is_new_root)
{
    setup();
    CHECK_EQ(tk_copy(21, 20, R_ALL), E_OK);
    CHECK_EQ(tk_parent(21), -1);
    /* The source holder cannot revoke it. */
    CHECK_EQ(tk_unmap(20, 0), E_OK);
    CHECK_EQ(tk_status(21), SLOT_LIVE);
}

TEST(c2_copy_of_derived_is_sibling)
{
    setup();
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    CHECK_EQ(tk_copy(22, 21, R_ALL), E_OK);
    CHECK_EQ(tk_parent(22), 20);
    CHECK_EQ(tk_copy(23, 22, R_ALL), E_OK);
    CHECK_EQ(tk_parent(23), 20);
    /* Nobody escapes an UNMAP by copying. */
    CHECK_EQ(tk_unmap(20, 0), E_OK);
    CHECK_EQ(tk_status(21), SLOT_EMPTY);
    CHECK_EQ(tk_status(22), SLOT_EMPTY);
    CHECK_EQ(tk_status(23), SLOT_EMPTY);
    CHECK_EQ(tk_status(20), SLOT_LIVE);
}

TEST(c2_copy_of_derived_does_not_adopt_children)
{
    setup();
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    CHECK_EQ(tk_map(22, 21, R_ALL), E_OK);  /* child of 21 */
    CHECK_EQ(tk_copy(23, 21, R_ALL), E_OK); /* sibling of 21 */
    CHECK_EQ(tk_parent(22), 21);
    CHECK_EQ(tk_parent(23), 20);
    CHECK_EQ(tk_unmap(23, 1), E_OK);
    CHECK_EQ(tk_status(22), SLOT_LIVE);
}

TEST(c3_map_makes_child)
{
    setup();
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    CHECK_EQ(tk_map(22, 21, R_ALL), E_OK);
    CHECK_EQ(tk_map(23, 20, R_ALL), E_OK);
    CHECK_EQ(tk_parent(21), 20);
    CHECK_EQ(tk_parent(22), 21);
    CHECK_EQ(tk_parent(23), 20);
    CHECK_EQ(tk_slot(22)->obj, tk_slot(20)->obj);
}

TEST(c4_grant_moves_and_keeps_place)
{
    setup();
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    CHECK_EQ(tk_map(22, 21, R_ALL), E_OK);
    CHECK_EQ(tk_grant(30, 21, R_ALL), E_OK);
    CHECK_EQ(tk_status(21), SLOT_EMPTY);
    CHECK_EQ(tk_parent(30), 20);  /* its parent can still revoke it */
    CHECK_EQ(tk_parent(22), 30);  /* its descendants stay attached  */
    CHECK_EQ(tk_unmap(20, 0), E_OK);
    CHECK_EQ(tk_status(30), SLOT_EMPTY);
    CHECK_EQ(tk_status(22), SLOT_EMPTY);
}

TEST(c4_grant_transport_chain)
{
    /* The seed's transport chain: a proxy GRANTs a cap on and leaves;
     * deleting the proxy's slot afterwards hurts nobody. */
    setup();
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);  /* proxy's cap */
    CHECK_EQ(tk_grant(22, 21, R_ALL), E_OK); /* to the client */
    CHECK_EQ(tk_delete(21), E_EMPTY);
    CHECK_EQ(tk_status(22), SLOT_LIVE);
    CHECK_EQ(tk_parent(22), 20);
}

TEST(c5_unmap_removes_all_descendants)
{
    setup();
    /* A tree: 20 -> 21 -> {22 -> 24, 23}, 20 -> 25 */
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    CHECK_EQ(tk_map(22, 21, R_ALL), E_OK);
    CHECK_EQ(tk_map(23, 21, R_ALL), E_OK);
    CHECK_EQ(tk_map(24, 22, R_ALL), E_OK);
    CHECK_EQ(tk_map(25, 20, R_ALL), E_OK);
    CHECK_EQ(tk_unmap(21, 0), E_OK);
    for (u32 i = 22; i <= 24; i++)
        CHECK_EQ(tk_status(i), SLOT_EMPTY);
    CHECK_EQ(tk_status(21), SLOT_LIVE);
    CHECK_EQ(tk_status(25), SLOT_LIVE);
    CHECK_EQ(tk_unmap(21, 1), E_OK);
    CHECK_EQ(tk_status(21), SLOT_EMPTY);
    CHECK_EQ(tk_status(25), SLOT_LIVE);
    CHECK_EQ(tk_parent(25), 20);
}

TEST(c5_unmap_is_restartable_and_bounded)
{
    tk_boot(16 * MB);
    CHECK_EQ(tk_create(BANK, OBJ_ENDPOINT, 20, 0), E_OK);
    /* 1000 children, then grandchildren under some of them. */
    for (u32 i = 0; i < 1000; i++)
        CHECK_EQ(tk_map(100 + i, 20, R_ALL), E_OK);
    for (u32 i = 0; i < 200; i++)
        CHECK_EQ(tk_map(2000 + i, 100 + i, R_ALL), E_OK);
    int e = tk_inv(CS, CS_UNMAP, 20, 0, 0, 0, 0, 0);
    CHECK_EQ(e, E_CONTINUE);
    u32 gone = 0;
    for (u32 i = 0; i < 1000; i++)
        gone += tk_status(100 + i) == SLOT_EMPTY;
    for (u32 i = 0; i < 200; i++)
        gone += tk_status(2000 + i) == SLOT_EMPTY;
    CHECK_EQ(gone, REVOKE_BUDGET);
    /* Between steps other operations run and the tree stays consistent: a new
     * child of a half-revoked node is revoked too; a copy of one is as well. */
    CHECK_EQ(tk_map(5000, 20, R_ALL), E_OK);
    CHECK_EQ(tk_copy(5001, 100, R_ALL), E_OK); /* 100 was mapped first: last in the list */
    int calls;
    CHECK_EQ(tk_inv_all(CS, CS_UNMAP, 20, 0, 0, 0, 0, 0, &calls), E_OK);
    /* 1202 nodes in all, 64 already gone; each call removes 64 (1138 % 64 != 0,
     * so the last call finds nothing left and returns E_OK). */
    CHECK_EQ(calls, (1202 - REVOKE_BUDGET + REVOKE_BUDGET - 1) / REVOKE_BUDGET);
    for (u32 i = 0; i < 6000; i++)
        if (i != 20 && i != CS && i != BANK && i != ROOT_CAP_SYSTEM && i != ROOT_CAP_DEBUG && tk_status(i) != SLOT_EMPTY) {
            CHECK_EQ(i, 0);
            break;
        }
}

TEST(c5_half_revoked_children_stay_children)
{
    /* After a partial revoke leaves grandchildren right after the target, a
     * new MAP from the target must not adopt them (they are its children). */
    setup();
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    for (u32 i = 0; i < 70; i++)
        CHECK_EQ(tk_map(100 + i, 21, R_ALL), E_OK);
    CHECK_EQ(tk_inv(CS, CS_UNMAP, 20, 0, 0, 0, 0, 0), E_CONTINUE);
    CHECK_EQ(tk_status(21), SLOT_EMPTY); /* removed first */
    long p = -3;
    for (u32 i = 100; i < 170; i++)
        if (tk_status(i) == SLOT_LIVE)
            p = tk_parent(i);
    CHECK_EQ(p, 20);
    CHECK_EQ(tk_map(30, 20, R_ALL), E_OK);
    for (u32 i = 100; i < 170; i++)
        if (tk_status(i) == SLOT_LIVE)
            CHECK_EQ(tk_parent(i), 20);
    CHECK_EQ(tk_parent(30), 20);
    CHECK_EQ(tk_map(31, 30, R_ALL), E_OK);
    CHECK_EQ(tk_unmap(30, 0), E_OK); /* removes only 31 */
    u32 live = 0;
    for (u32 i = 100; i < 170; i++)
        live += tk_status(i) == SLOT_LIVE;
    CHECK_EQ(live, 70 - (REVOKE_BUDGET - 1));
    CHECK_EQ(tk_unmap(20, 0), E_OK);
    for (u32 i = 100; i < 170; i++)
        CHECK_EQ(tk_status(i), SLOT_EMPTY);
}

TEST(c6_delete_removes_descendants)
{
    setup();
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    CHECK_EQ(tk_map(22, 21, R_ALL), E_OK);
    CHECK_EQ(tk_copy(23, 22, R_ALL), E_OK);
    CHECK_EQ(tk_delete(21), E_OK);
    CHECK_EQ(tk_status(21), SLOT_EMPTY);
    CHECK_EQ(tk_status(22), SLOT_EMPTY);
    CHECK_EQ(tk_status(23), SLOT_EMPTY);
    CHECK_EQ(tk_status(20), SLOT_LIVE);
}

TEST(c6_delete_leaf_keeps_siblings)
{
    setup();
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    CHECK_EQ(tk_map(22, 20, R_ALL), E_OK);
    CHECK_EQ(tk_map(23, 20, R_ALL), E_OK);
    CHECK_EQ(tk_delete(22), E_OK);
    CHECK_EQ(tk_parent(21), 20);
    CHECK_EQ(tk_parent(23), 20);
    CHECK_EQ(tk_delete(20), E_OK);
    CHECK_EQ(tk_status(21), SLOT_EMPTY);
    CHECK_EQ(tk_status(23), SLOT_EMPTY);
}

TEST(c7_mint_badges_unbadged_endpoint)
{
    setup();
    CHECK_EQ(tk_mint(21, 20, R_ALL, 0x42, MINT_COPY), E_OK);
    CHECK_EQ(tk_slot(21)->badge, 0x42);
    CHECK_EQ(tk_parent(21), -1);
    CHECK_EQ(tk_mint(22, 20, R_READ, 0x43, MINT_MAP), E_OK);
    CHECK_EQ(tk_slot(22)->badge, 0x43);
    CHECK_EQ(tk_slot(22)->rights, R_READ);
    CHECK_EQ(tk_parent(22), 20);
    /* Copies keep the badge. */
    CHECK_EQ(tk_copy(23, 22, R_ALL), E_OK);
    CHECK_EQ(tk_slot(23)->badge, 0x43);
}

TEST(c7_mint_errors_change_nothing)
{
    setup();
    CHECK_EQ(tk_mint(21, 20, R_ALL, 0x42, MINT_COPY), E_OK);
    CHECK_EQ(tk_mint(22, 21, R_ALL, 0x44, MINT_COPY), E_INVAL); /* already badged */
    CHECK_EQ(tk_mint(22, 20, R_ALL, 0, MINT_COPY), E_INVAL);    /* badge 0 */
    CHECK_EQ(tk_mint(22, 20, R_ALL, 1, 2), E_INVAL);            /* bad op */
    CHECK_EQ(tk_create(BANK, OBJ_CSPACE, 25, 0), E_OK);
    CHECK_EQ(tk_mint(22, 25, R_ALL, 1, MINT_COPY), E_TYPE);     /* not an endpoint */
    CHECK_EQ(tk_mint(22, CS, R_ALL, 1, MINT_COPY), E_TYPE);
    CHECK_EQ(tk_status(22), SLOT_EMPTY);
    CHECK_EQ(tk_slot(20)->badge, 0);
}

TEST(transfer_errors_are_specific_and_change_nothing)
{
    setup();
    u64 before = tk_usage(BANK);
    CHECK_EQ(tk_copy(21, 22, R_ALL), E_EMPTY);              /* empty source */
    CHECK_EQ(tk_copy(20, 20, R_ALL), E_FULL);               /* onto itself  */
    CHECK_EQ(tk_copy(CS, 20, R_ALL), E_FULL);               /* occupied     */
    CHECK_EQ(tk_copy(CAP_ADDR_LIMIT, 20, R_ALL), E_BADCAP); /* dst range    */
    CHECK_EQ(tk_copy(21, CAP_ADDR_LIMIT, R_ALL), E_BADCAP); /* src range    */
    CHECK_EQ(tk_copy(21, ~0u, R_ALL), E_BADCAP);
    CHECK_EQ(tk_inv(CS, CS_COPY, ~0ull, CS, 20, R_ALL, 0, 0), E_BADCAP);
    CHECK_EQ(tk_inv(CS, CS_COPY, 21, 20, 20, R_ALL, 0, 0), E_TYPE);  /* src_cs is an endpoint */
    CHECK_EQ(tk_inv(CS, CS_COPY, 21, 99, 20, R_ALL, 0, 0), E_EMPTY); /* src_cs empty */
    CHECK_EQ(tk_inv(CS, CS_COPY, 21, 1u << 30, 20, R_ALL, 0, 0), E_BADCAP);
    CHECK_EQ(tk_inv(20, CS_COPY, 21, CS, 20, R_ALL, 0, 0), E_LABEL); /* endpoint has no CS_COPY */
    CHECK_EQ(tk_inv(CS, 0x7777, 0, 0, 0, 0, 0, 0), E_LABEL);
    CHECK_EQ(tk_inv(BANK, CS_COPY, 0, 0, 0, 0, 0, 0), E_LABEL);
    CHECK_EQ(tk_inv(77, CS_COPY, 0, 0, 0, 0, 0, 0), E_EMPTY);
    CHECK_EQ(tk_unmap(77, 0), E_EMPTY);
    CHECK_EQ(tk_unmap(20, 2), E_INVAL);
    CHECK_EQ(tk_delete(CAP_ADDR_LIMIT + 5), E_BADCAP);
    CHECK_EQ(tk_status(21), SLOT_EMPTY);
    CHECK_EQ(tk_usage(BANK), before);
}

TEST(c1_rights_checked_on_cspace_caps)
{
    setup();
    CHECK_EQ(tk_copy(30, CS, R_READ), E_OK);   /* read-only view of the CSpace */
    CHECK_EQ(tk_copy(31, CS, R_WRITE), E_OK);  /* write-only view */
    /* Writing into a CSpace needs R_WRITE on the destination CSpace cap. */
    CHECK_EQ(tk_inv(30, CS_COPY, 21, CS, 20, R_ALL, 0, 0), E_RIGHTS);
    /* Reading a source needs R_READ on the source CSpace cap. */
    CHECK_EQ(tk_inv(CS, CS_COPY, 21, 31, 20, R_ALL, 0, 0), E_RIGHTS);
    /* GRANT empties the source: needs R_WRITE there too. */
    CHECK_EQ(tk_inv(CS, CS_GRANT, 21, 30, 20, R_ALL, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(30, CS_UNMAP, 20, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(30, CS_DELETE, 20, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(31, CS_INFO, 20, 0, 0, 0, 0, 0), E_RIGHTS);
    CHECK_EQ(tk_inv(30, CS_INFO, 20, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_status(21), SLOT_EMPTY);
    CHECK_EQ(tk_inv(CS, CS_COPY, 21, 30, 20, R_ALL, 0, 0), E_OK);
    /* A copy of a read-only cap cannot regain write. */
    CHECK_EQ(tk_copy(32, 30, R_ALL), E_OK);
    CHECK_EQ(tk_inv(32, CS_COPY, 22, CS, 20, R_ALL, 0, 0), E_RIGHTS);
}

TEST(cross_cspace_transfers)
{
    setup();
    CHECK_EQ(tk_create(BANK, OBJ_CSPACE, 40, 0), E_OK);
    /* COPY the endpoint into the other CSpace, MAP back, UNMAP from here. */
    CHECK_EQ(tk_inv(40, CS_MAP, 5, CS, 20, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_inv(CS, CS_MAP, 21, 40, 5, R_ALL, 0, 0), E_OK);
    CHECK_EQ(tk_parent(21), -2); /* parent lives in CSpace 40 */
    CHECK_EQ(tk_inv(40, CS_INFO, 5, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], SLOT_LIVE);
    CHECK_EQ(tk_r[1], OBJ_ENDPOINT);
    CHECK_EQ(tk_unmap(20, 0), E_OK);
    CHECK_EQ(tk_inv(40, CS_INFO, 5, 0, 0, 0, 0, 0), E_OK);
    CHECK_EQ(tk_r[0], SLOT_EMPTY);
    CHECK_EQ(tk_status(21), SLOT_EMPTY);
}

TEST(c3_map_depth_limit)
{
    setup();
    /* Force a deep node, then check MAP refuses to go beyond the limit. */
    CHECK_EQ(tk_map(21, 20, R_ALL), E_OK);
    tk_slot(21)->depth = MDB_MAX_DEPTH;
    CHECK_EQ(tk_map(22, 21, R_ALL), E_DEPTH);
    CHECK_EQ(tk_status(22), SLOT_EMPTY);
    tk_slot(21)->depth = 1;
}
