/* SPDX-License-Identifier: BSD-2-Clause */
/* t_demos.c: the demos of `make run` (user/demos) as system tests,
 * quiet: each passes if everything it shows happened as expected. */
#include "demos.h"
#include "harness.h"

static void run(const char *name)
{
    for (unsigned i = 0; i < demo_count; i++)
        if (strcmp(demo_list[i].name, name) == 0) {
            demo_verbose = 0;
            int f = demo_list[i].fn();
            CHECK_EQ(f, 0);
            return;
        }
    CHECK(0);
}

TEST(demo_client_memory_unmapped_mid_work) { run("client_memory"); }
TEST(demo_client_frees_its_bank_mid_work) { run("client_frees"); }
TEST(demo_shared_memory_both_ways_revoked) { run("shared_memory"); }
TEST(demo_pager_maps_zero_pages_lazily) { run("pager"); }
TEST(demo_cpu_time_shares_and_lent_time) { run("cpu_time"); }
TEST(demo_mappable_thread_lent_paid_for_and_taken_back) { run("mappable"); }
TEST(demo_lock_lent_thread_taken_back_with_the_lock) { run("lock"); }
TEST(demo_revocable_one_of_n_three_ways) { run("revocable"); }
TEST(demo_transport_chain_grant_copy_map) { run("transport"); }
TEST(demo_ep_revoked_under_waiting_clients) { run("ep_revoked"); }
TEST(demo_bank_outlives_its_allocating_thread) { run("bank_outlives"); }
TEST(demo_map_nomem_charged_to_the_task_bank) { run("map_nomem"); }
