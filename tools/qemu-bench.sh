#!/bin/sh
# qemu-bench.sh KERNEL.elf OUT.txt: run the benchmark image with -icount
# shift=0 (one instruction = one virtual ns, and rdcycle counts instructions)
# and write its "bench: ..." lines to OUT.txt.
set -eu
kernel=$1 out=$2
log=${out%.txt}.log
timeout 60 qemu-system-riscv64 -machine virt -bios default -nographic -m 256M -smp 1 \
    -icount shift=0 -kernel "$kernel" </dev/null >"$log" 2>&1 || {
    echo "qemu-bench: QEMU failed, see $log"; exit 1; }
grep '^bench: ' "$log" | tr -d '\r' >"$out"
cat "$out"
