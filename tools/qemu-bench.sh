#!/bin/sh
# qemu-bench.sh KERNEL.elf OUT.txt: run the benchmark image twice, each on
# a fresh store image of its own, and write its "bench: ..." lines to
# OUT.txt:
#   1. under -icount shift=0 (one instruction = one virtual ns, rdcycle
#      counts instructions): every instruction count, disk ones included;
#   2. without -icount, so that the time CSR follows the wall clock: only
#      the disk rates (qemu.disk_*_mib_per_s), which run 1 measures in
#      virtual time and are meaningless there.
set -eu
kernel=$1 out=$2
log=${out%.txt}.log
store=${out%.txt}.store.img
run="$(dirname "$0")/qemu-run.sh"
TETHER_STORE_MIB=1024 timeout 300 "$run" --fresh "$store" "$kernel" -icount shift=0 -m 512M </dev/null >"$log" 2>&1 || {
    echo "qemu-bench: QEMU failed, see $log"; exit 1; }
grep '^bench: ' "$log" | grep -v '_mib_per_s ' | tr -d '\r' >"$out"
timeout 60 "$run" --fresh "$store" "$kernel" </dev/null >"${log%.log}.wall.log" 2>&1 || {
    echo "qemu-bench: QEMU failed, see ${log%.log}.wall.log"; exit 1; }
grep '^bench: qemu\.disk_.*_mib_per_s ' "${log%.log}.wall.log" | tr -d '\r' >>"$out"
rm -f "$store"
cat "$out"
