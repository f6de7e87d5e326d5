#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# check-layers.sh OBJDIR [ARCHDIR]: the core's call edges point one way.
#
# From `nm` of the core objects (OBJDIR: build/host/core), every call (an
# undefined symbol one object uses that another core object defines) is an
# edge between two files. Files are in layers, lowest first:
#
#   0 obj kprintf                storage: object table, buddy allocator
#   1 charge                     bank accounting: charges, allocation
#   2 cap watch                  the derivation tree, revocation registrations
#   3 cspace                     CSpaces and every cap lookup
#   4 bank wrapper endpoint notification thread sched schedctx aspace frame system debug  objects
#   5 objtype                    the one hub that names every type
#   6 invoke                     decode -> perform for every invocation
#   7 syscall kernel persist     kernel entries, boot, checkpoint/restore
#   8 check                      the invariant checker (tests, SYSTEM_CHECK)
#
# An edge may go down or stay in its layer; an edge up must be in ALLOWED
# (each one is documented in docs/design.md, "Layers"). With ARCHDIR
# (build/riscv64/arch), the machine may call the core only through the
# functions kernel.h declares. Prints one line per violation and ends with
# "N passed, N failed".
set -u
dir=$1 arch=${2:-}
declare -A layer=(
  [obj]=0 [kprintf]=0 [charge]=1 [cap]=2 [watch]=2 [cspace]=3
  [bank]=4 [wrapper]=4 [endpoint]=4 [notification]=4 [thread]=4 [sched]=4 [schedctx]=4 [aspace]=4 [frame]=4 [system]=4 [debug]=4
  [objtype]=5 [invoke]=6 [syscall]=7 [kernel]=7 [persist]=7 [check]=8)
# from -> to: why (the upward edges the design allows)
ALLOWED="
cap->aspace        a mapping slot leaving the tree clears its PTE (aspace_unmapped)
watch->notification  a registration firing signals its notification (ntfn_notify, T4)
bank->objtype      destroying a bank destroys its objects (obj_destroy_step)
system->check      SYSTEM_CHECK runs the invariant checker
system->persist    SYSTEM_CHECKPOINT asks for a checkpoint, and waits for it
obj->persist       a page about to change is saved first for the checkpoint being written (store_cow, P2)
aspace->persist    the same for a user page's first write (store_cow, P2)
debug->persist     the idle report knows a checkpoint is still being written
persist->check     a restored checkpoint is checked before it runs
"
pass=0 fail=0
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

declare -A def
for o in "$dir"/*.o; do
    f=$(basename "$o" .o)
    [ -n "${layer[$f]+x}" ] || { bad "core file $f has no layer (add it to tools/check-layers.sh)"; continue; }
    for s in $(nm --defined-only "$o" | awk '$2 ~ /^[TDRB]$/ {print $3}'); do def[$s]=$f; done
done
for o in "$dir"/*.o; do
    f=$(basename "$o" .o)
    [ -n "${layer[$f]+x}" ] || continue
    for s in $(nm -u "$o" | awk '{print $2}'); do
        t=${def[$s]:-}
        [ -z "$t" ] || [ "$t" = "$f" ] && continue
        if [ "${layer[$t]}" -gt "${layer[$f]}" ]; then
            if echo "$ALLOWED" | grep -q "^$f->$t "; then continue; fi
            bad "$f (layer ${layer[$f]}) calls up into $t (layer ${layer[$t]}): $s"
        fi
    done
done
[ $fail -eq 0 ] && pass=$((pass + 1))

if [ -n "$arch" ]; then
    api=$(grep -o '\b[a-z_]*(' kernel/include/kernel.h | tr -d '(' | sort -u)
    before=$fail
    for o in "$arch"/*.o; do
        for s in $(nm -u "$o" | awk '{print $2}'); do
            t=${def[$s]:-}
            [ -z "$t" ] && continue
            echo "$api" | grep -qx "$s" && continue
            bad "machine file $(basename "$o" .o) calls the core's $s ($t.c), not through kernel.h"
        done
    done
    [ $fail -eq $before ] && pass=$((pass + 1))
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
