#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# mutants.sh: mutation checks for the host suites (make mutants).
#
# Each mutant breaks one rule in a scratch copy of the tree
# (build/mutants/<name>, never the real tree): a literal code string is
# replaced by another. The copy is built (plain host variant) and the host
# suites run (unit, then model); some suite must FAIL: the mutant is killed.
#   ok   <mutant> killed        FAIL <mutant> survived
# A pattern that no longer matches exactly once is a failure too (the code
# was refactored: update the mutant, don't let it vanish silently).
# Ends with "N passed, N failed" (passed = killed); exits non-zero on any
# failure. Usage: tools/mutants.sh [name...]   (default: all)
# Environment: MUTANT_MODEL_STEPS (default 50000), MUTANT_TIMEOUT (s, 300).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/mutants
STEPS=${MUTANT_MODEL_STEPS:-50000}
TMO=${MUTANT_TIMEOUT:-300}
JOBS=${MUTANT_JOBS:-2}

# name @@ file @@ rule @@ old string @@ new string   (several substitutions of
# one mutant: repeat the name on consecutive lines)
MUTANTS=$(cat <<'EOF'
m1_ipc_cap_items_not_reserved @@ kernel/core/endpoint.c @@ S1 I3 @@ radix_count(cspace_body(dcs), idx, &nd->cs_g); @@ (void)0;
m2_ipc_mem_items_not_reserved @@ kernel/core/endpoint.c @@ S1 I3 @@ e = flex_reserve(rs, nd->as, &nd->as_g); @@ e = E_OK;
m3_call_fast_path_to_lower_priority @@ kernel/core/endpoint.c @@ sched @@ if (rt->prio < th->prio || !thread_can_run(rt)) @@ if (!thread_can_run(rt))
m4_pt_teardown_not_counted @@ kernel/host/hal_pt.c @@ S2 @@ free_page(ctx, table_of(mid[j]));  /* a leaf table: no scan */ @@ free_page(ctx, table_of(mid[j])); ++*budget;
m5_ipc_cap_items_ignore_mask @@ kernel/core/endpoint.c @@ C1 I3 @@ u8 rights = cap_rights_mask(it[i].src->rights, m->w[MSG_WORDS - n + i] >> 40); @@ u8 rights = it[i].src->rights; (void)m;
m6_cs_transfer_ignores_mask @@ kernel/core/cspace.c @@ C1 @@ u8 rights = cap_rights_mask(s->rights, mask); @@ u8 rights = s->rights; (void)mask;
m7_reply_not_one_shot @@ kernel/core/endpoint.c @@ I2 @@ th->caller = 0;  /* one-shot (I2) */ @@ /* not one-shot */
m8_cap_live_ignores_epoch @@ kernel/include/cap.h @@ S3 @@ return obj_get(s->obj)->live == s->epoch; @@ return obj_get(s->obj)->state == OS_LIVE;
m9_live_window_slot_overwritten @@ kernel/include/cap.h @@ I3 S3 @@ return cap_live(d) || mdb_has_children(d) ? E_FULL : E_OK; @@ return mdb_has_children(d) ? E_FULL : E_OK;
m10_dead_partner_used @@ kernel/core/endpoint.c @@ I6 S4 @@ if (thread_can_run(T(t))) @@ if (1)
m11_queued_sender_not_rechecked @@ kernel/core/endpoint.c @@ C5 C8 @@ if (partner_alive(s) && sender_target(s, ep, tg) == E_OK) @@ if (partner_alive(s) && (sender_target(s, ep, tg), 1))
m12_overlapping_items_allowed @@ kernel/core/endpoint.c @@ I3 @@ int e = flex_disjoint(mf, nmem); @@ int e = E_OK;
m13_destroy_in_progress_forgotten @@ kernel/core/bank.c @@ S2 @@ int e = pending_step(b, iv, &budget, &done); @@ int e = E_OK; done = false; (void)pending_step;
m14_table_entry_not_charged @@ kernel/include/obj.h @@ S1 @@ #define OBJ_ENTRY_CHARGE OBJ_PER_RAM @@ #define OBJ_ENTRY_CHARGE 0u
m15_void_subtree_dst_accepted @@ kernel/include/cap.h @@ S3 @@ return cap_live(d) || mdb_has_children(d) ? E_FULL : E_OK; @@ return cap_live(d) ? E_FULL : E_OK;
m16_unmap_of_configuring_cap_ignored @@ kernel/include/thread.h @@ T3 @@ && cap_live(&th->cspace) && th->bound.obj; @@ && cap_live(&th->cspace);
m17_any_cspace_drives_a_thread @@ kernel/core/thread.c @@ T3 @@ return iv->caller_cs == thread_cspace(th) || configured_from(th, iv->caller_cs); @@ return (void)iv, true;
m18_lent_thread_keeps_client_handlers @@ kernel/core/thread.c @@ T3 @@ drop_handlers(t, th); @@ (void)drop_handlers;
m19_regs_written_while_running @@ kernel/core/thread.c @@ T3 @@ return th->state == THREAD_INACTIVE || th->state == THREAD_FAULTED; @@ return (void)th, true;
m20_lost_thread_keeps_its_caller @@ kernel/core/thread.c @@ T3 I6 @@ ipc_cancel(t, true);  /* a caller waiting for its reply: E_REVOKED */ @@ (void)0;
m21_watch_never_signals @@ kernel/core/watch.c @@ T4 @@ ntfn_notify(n, w->ncap.badge); @@ (void)n;
m22_removal_ends_watch_unsignalled @@ kernel/core/cap.c @@ T4 @@ watch_fire(s); @@ watch_drop(s);
m23_destroy_forgets_watches @@ kernel/core/objtype.c @@ T4 S3 @@ if (x->watch && watch_object_step(o, budget) != E_OK) @@ if (0)
m24_grant_signals_as_removal @@ kernel/core/cap.c @@ T4 C4 @@ watch_drop(src);  /* GRANT @@ watch_fire(src);  /* GRANT
m25_watch_outlives_its_cspace @@ kernel/core/watch.c @@ T4 @@ if (n && obj_get(w->cs)->state == OS_LIVE) @@ if (n)
m26_run_queue_holds_threads_without_time @@ kernel/core/sched.c @@ T1 @@ if (!sched_has_time(th)) { @@ if (0) {
m27_reply_keeps_the_lent_time @@ kernel/core/endpoint.c @@ T2 @@ sched_enqueue(c); @@ sched_enqueue(c); if (0)
m28_fault_message_lends_time @@ kernel/core/endpoint.c @@ T2 @@ if (passive(s) && !(c->ipc & IPC_FAULT)) { @@ if (passive(s)) {
m29_sc_configure_forgets_waiters @@ kernel/core/schedctx.c @@ T1 @@ wake_all(s);  /* the threads waiting for its time */ @@ (void)0;
m30_call_fast_path_runs_without_time @@ kernel/core/endpoint.c @@ T1 @@ if (!lends && !schedctx_body(rt->sc.obj)->remaining) @@ if (0)
m31_bind_keeps_the_lent_time @@ kernel/core/thread.c @@ T2 @@ th->lent = 0; @@ (void)0;
m32_sc_bound_twice @@ kernel/core/thread.c @@ T1 @@ if (sc && sc_bound_elsewhere(sc->obj, t)) @@ if (sc && 0 && sc_bound_elsewhere(sc->obj, t))
m33_create_ignores_a_meaningless_arg @@ kernel/core/bank.c @@ S1 @@ return type == OBJ_BANK || arg == 0; @@ return (void)type, (void)arg, true;
m34_mint_checks_op_before_rights @@ kernel/core/cspace.c @@ C7 @@ return E_RIGHTS;  /* the invoked cap's rights come first, as everywhere */ @@ (void)0;
m40_cs_tree_names_other_spaces_slots @@ kernel/core/cspace.c @@ CS_TREE @@ radix_index_of(cspace_body(cs), p, &idx) ? idx : TREE_OUTSIDE; @@ radix_index_of(cspace_body(cs), p, &idx) ? idx : slot_ref(p);
m41_debug_object_needs_no_rights @@ kernel/core/debug.c @@ Debug @@ return iv->t.rights & R_READ; @@ return (void)iv, true;
m42_idle_report_ignores_refills @@ kernel/core/debug.c @@ idle @@ if (sched_busy() || schedctx_time_pending() || persist_busy()) { @@ if (sched_busy() || persist_busy()) {
m43_no_copy_before_a_change @@ kernel/core/persist.c @@ P2 @@ if (!P.busy || P.snap[i]) @@ if (1)
m44_restored_root_charged_to_a_dying_bank @@ kernel/core/aspace.c @@ P1 @@ return hal_pt_create(&aspace_body(as)->pt, restore_pt_alloc, &c); @@ return (void)restore_pt_alloc, hal_pt_create(&aspace_body(as)->pt, aspace_pt_alloc, &c);
m45_failed_checkpoint_waiter_not_told @@ kernel/core/persist.c @@ P2 @@     tell_waiter(e); @@     (void)tell_waiter;
m46_small_free_freeing_a_page_not_tracked @@ kernel/core/obj.c @@ P2 @@ if (store_track.on && k0 < 6 && k >= 6) @@ if (0 && k0 < 6 && k >= 6)
EOF
)

names=$(printf '%s\n' "$MUTANTS" | awk -F' @@ ' '{print $1}' | uniq)
[ $# -gt 0 ] && names="$*"

# Copy the tree (working files, uncommitted changes included) with the
# plain host objects, so that only what a mutant touches is rebuilt.
copy_tree() {
    local dst=$1
    rm -rf "$dst"
    mkdir -p "$dst"
    (cd "$ROOT" && git ls-files -co --exclude-standard | grep -v '^build/' |
        tar -cf - -T - 2>/dev/null) | tar -C "$dst" -xf -
    if [ -d "$ROOT/build/host" ]; then
        mkdir -p "$dst/build"
        cp -a "$ROOT/build/host" "$dst/build/host"
    fi
}

# Replace `old` by `new` in file, exactly one occurrence, else fail.
mutate() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1:4]
s = open(path).read()
n = s.count(old)
if n != 1:
    print(f"pattern found {n} times in {path}: {old!r}", file=sys.stderr)
    sys.exit(1)
open(path, "w").write(s.replace(old, new))
PY
}

# Make sure the unmutated suites build (and objects exist to copy).
echo "== mutants: building the plain host suites"
if ! make -C "$ROOT" --no-print-directory -j"$JOBS" build/host/unit build/host/model > "$OUT.base.log" 2>&1; then
    mkdir -p "$OUT"; tail -20 "$OUT.base.log"; echo "the tree itself does not build"; echo "0 passed, 1 failed"; exit 1
fi
mkdir -p "$OUT"
# Tests that fail on the unmutated tree (a known open bug) don't count as
# kills: a mutant is killed by a test that passes without it.
(cd "$ROOT" && timeout "$TMO" build/host/unit) > "$OUT/base-unit.log" 2>&1
base_fails=$(grep '^FAIL ' "$OUT/base-unit.log" | cut -c6- | sort)
[ -n "$base_fails" ] && echo "   (failing without any mutant, not counted: $(echo $base_fails))"
(cd "$ROOT" && TETHER_STEPS=$STEPS timeout "$TMO" build/host/model) > "$OUT/base-model.log" 2>&1
base_model=$?
[ $base_model != 0 ] && echo "   (the model test fails without any mutant: it can't kill)"
pass=0 fail=0
for name in $names; do
    lines=$(printf '%s\n' "$MUTANTS" | awk -F' @@ ' -v n="$name" '$1 == n')
    if [ -z "$lines" ]; then
        echo "FAIL $name: no such mutant"; fail=$((fail + 1)); continue
    fi
    dir=$OUT/$name
    copy_tree "$dir"
    ok=1
    while read -r line; do
        f=${line#* @@ }; file=${f%% @@ *}; f=${f#* @@ }; rule=${f%% @@ *}; f=${f#* @@ }
        old=${f%% @@ *}; new=${f#* @@ }
        if ! mutate "$dir/$file" "$old" "$new" 2> "$dir/mutate.log"; then
            echo "FAIL $name: pattern not found ($rule): $(cat "$dir/mutate.log")"; ok=0
        fi
    done <<< "$lines"
    if [ $ok = 0 ]; then fail=$((fail + 1)); continue; fi
    if ! (cd "$dir" && make --no-print-directory -j"$JOBS" build/host/unit build/host/model) > "$dir/build.log" 2>&1; then
        echo "FAIL $name: does not build (see $dir/build.log)"; fail=$((fail + 1)); continue
    fi
    killed=
    (cd "$dir" && timeout "$TMO" build/host/unit) > "$dir/unit.log" 2>&1
    rc=$?
    new_fails=$(grep '^FAIL ' "$dir/unit.log" | cut -c6- | sort | comm -23 - <(printf '%s\n' "$base_fails" | sed '/^$/d'))
    if [ -n "$new_fails" ]; then
        killed="unit: $(echo $new_fails | cut -c1-160)"
    elif [ $rc != 0 ] && ! grep -qE '^[0-9]+ passed, [0-9]+ failed' "$dir/unit.log"; then
        killed="unit crashed: $(tail -1 "$dir/unit.log" | cut -c1-100)"
    elif [ $base_model = 0 ] && ! (cd "$dir" && TETHER_STEPS=$STEPS timeout "$TMO" build/host/model) > "$dir/model.log" 2>&1; then
        killed="model: $(grep -v '^ok' "$dir/model.log" | tail -2 | tr '\n' ' ' | cut -c1-120)"
    fi
    if [ -n "$killed" ]; then
        echo "ok   $name killed ($killed)"; pass=$((pass + 1))
    else
        echo "FAIL $name survived"; fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
