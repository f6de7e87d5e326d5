#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# qemu-test.sh KERNEL.elf [LOG]: boot a test image in QEMU and check the result.
# Passes only if QEMU exits 0 (the root task ended with status 0), the last
# "N passed, N failed" line says 0 failed and N > 0, the kernel's store
# self-test printed "virtio-blk: self-test ok", all within QEMU_TEST_TIMEOUT (120) seconds. Each
# run gets a fresh empty store image of its own (removed afterwards), so
# runs never share state.
set -u
kernel=$1
log=${2:-${kernel%.elf}.log}
store=$(mktemp "${log%.log}.store.XXXXXX") || exit 1
trap 'rm -f "$store"' EXIT
timeout ${QEMU_TEST_TIMEOUT:-120} "$(dirname "$0")/qemu-run.sh" --fresh "$store" "$kernel" </dev/null >"$log" 2>&1
status=$?
sed -n '/^Tether/,$p' "$log"     # the console, without the firmware banner
result=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 | tr -d '\r')
passed=$(echo "$result" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
failed=$(echo "$result" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')

if [ "$status" -eq 124 ]; then
    echo "qemu-test: FAILED: timeout after ${QEMU_TEST_TIMEOUT:-120} s"; exit 1
fi
if ! grep -q '^virtio-blk: self-test ok' "$log"; then
    echo "qemu-test: FAILED: no 'virtio-blk: self-test ok' line (QEMU status $status)"; exit 1
fi
if [ -z "$result" ] || [ -z "$passed" ]; then
    echo "qemu-test: FAILED: no 'N passed, N failed' line (QEMU status $status)"; exit 1
fi
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$status" -ne 0 ]; then
    echo "qemu-test: FAILED: $result, QEMU status $status"; exit 1
fi
echo "qemu-test: ok ($result, QEMU status 0)"
