#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# qemu-persist-test.sh KERNEL.elf DIR: the persistence system test (P1).
#
# Boots the ptest image (user/ptest) on a fresh store, lets it build state and
# checkpoint step after step, and kills QEMU with SIGKILL (a power cut, no
# clean exit) at a random moment, CUTS times, booting again on the same store
# each time. Every boot after the first must resume a checkpoint at least as
# new as the last one the previous boot reported committed (and at most one
# newer: the one being written when the power went), with every piece of
# state as it was (ptest checks it and prints "resumed ... ok"). A last boot
# runs to its end and must power off with status 0. Prints "N passed, N failed".
set -u
kernel=$1 dir=$2
cuts=${PERSIST_CUTS:-20}
mkdir -p "$dir"
store=$dir/store.img
rm -f "$store"
pass=0 fail=0
last=0  # the newest generation a boot reported committed
seed=${PERSIST_SEED:-$$}
RANDOM=$seed
echo "qemu-persist-test: $cuts power cuts, seed $seed"

boot() {  # boot N: run QEMU in the background on the store, log to $dir/boot-N.log
    # Empty the log first, here: the background job's own redirection may come
    # after the wait below has read a previous run's log and cut at once.
    : >"$dir/boot-$1.log"
    tools/qemu-run.sh "$store" "$kernel" -m 64M </dev/null >"$dir/boot-$1.log" 2>&1 &
    qpid=$!
}
# The QEMU process itself (qemu-run.sh execs it, so $qpid is QEMU).
check_boot() {  # check_boot N: the resumed generation is in [last, last + 1]
    local log=$dir/boot-$1.log g
    if grep -q "ptest: FAILED" "$log"; then
        echo "FAIL boot $1: $(grep -m1 'ptest: FAILED' "$log")"; fail=$((fail + 1)); return
    fi
    if [ "$1" -gt 0 ]; then
        g=$(sed -n 's/^tether: resumed checkpoint generation \([0-9]*\).*/\1/p' "$log" | head -n1)
        if [ -z "$g" ]; then
            if [ "$last" -eq 0 ] && grep -q "tether: fresh store" "$log"; then
                pass=$((pass + 1)); return  # cut before the first commit
            fi
            if ! grep -q "^tether: \(fresh store\|booting fresh\|checkpoint generation\)" "$log"; then
                pass=$((pass + 1)); return  # cut during the restore itself: the next boot checks
            fi
            echo "FAIL boot $1: no checkpoint resumed (last committed: $last)"; fail=$((fail + 1)); return
        fi
        if [ "$g" -lt "$last" ] || [ "$g" -gt $((last + 1)) ]; then
            echo "FAIL boot $1: resumed generation $g, last committed $last"; fail=$((fail + 1)); return
        fi
        if grep -q "ptest: resumed generation" "$log" &&
           ! grep -q "ptest: resumed generation $g at step [0-9]*: ok" "$log"; then
            echo "FAIL boot $1: resumed $g but not checked ok"; fail=$((fail + 1)); return
        fi
    fi
    pass=$((pass + 1))
}
update_last() {
    local g
    g=$(sed -n 's/^ptest: checkpoint \([0-9]*\) committed.*/\1/p' "$dir/boot-$1.log" | tail -n1)
    [ -n "$g" ] && last=$g
    g=$(sed -n 's/^ptest: resumed generation \([0-9]*\) at.*/\1/p' "$dir/boot-$1.log" | tail -n1)
    [ -n "$g" ] && [ "$g" -gt "$last" ] && last=$g
}

for ((n = 0; n < cuts; n++)); do
    boot $n
    # Wait for the kernel to be up (resumed or fresh), then cut at a random moment.
    for ((w = 0; w < 1200; w++)); do
        grep -q "ptest: \(checkpoint\|resumed\|fresh\)" "$dir/boot-$n.log" 2>/dev/null && break
        sleep 0.05
    done
    sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
    kill -9 $qpid 2>/dev/null
    wait $qpid 2>/dev/null
    check_boot $n
    update_last $n
done
# The last boot runs to its end.
boot $cuts
if ! wait $qpid; then
    echo "FAIL last boot: QEMU status not 0"; fail=$((fail + 1))
else
    check_boot $cuts
fi
grep -q "ptest: done" "$dir/boot-$cuts.log" || { echo "FAIL last boot: did not finish"; fail=$((fail + 1)); }
echo "qemu-persist-test: last committed generation $last"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
