#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# qemu-idle-test.sh KERNEL.elf [LOG]: boot the idle image (user/idle: every
# thread blocks for good) with make run's timeout (qemu-run.sh --timeout)
# and check that the kernel said, once, which threads wait on what, and that
# the timeout ended QEMU with its message. Prints "N passed, N failed".
set -u
kernel=$1
log=${2:-${kernel%.elf}.log}
limit=${IDLE_TIMEOUT:-10}
store=$(mktemp "${log%.log}.store.XXXXXX") || exit 1
trap 'rm -f "$store"' EXIT
"$(dirname "$0")/qemu-run.sh" --fresh --timeout "$limit" "$store" "$kernel" </dev/null >"$log" 2>&1
status=$?
sed -n '/^Tether/,$p' "$log"
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
n=$(grep -ac '^tether: no runnable thread; blocked: ' "$log")
[ "$n" -eq 1 ] && ok "idle_reported_once" || bad "idle_reported_once ($n reports)"
line=$(grep -a '^tether: no runnable thread; blocked: ' "$log" | head -n 1)
echo "$line" | grep -Eq 'thread [0-9]+ \(recv on endpoint [0-9]+\)' &&
    echo "$line" | grep -Eq 'thread [0-9]+ \(wait on notification [0-9]+\)' &&
    echo "$line" | grep -q '; 0 stopped by a fault, 0 inactive' \
    && ok "idle_names_what_threads_wait_on" || bad "idle_names_what_threads_wait_on"
[ "$status" -eq 124 ] && grep -aq "^qemu-run: QEMU did not power off within $limit s" "$log" \
    && ok "run_timeout_ends_qemu_with_a_message" || bad "run_timeout_ends_qemu_with_a_message (status $status)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
