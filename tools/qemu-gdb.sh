#!/bin/sh
# qemu-gdb.sh KERNEL.elf USER.elf [gdb args...]: start QEMU halted at the
# first instruction with a gdb server (-s: tcp port 1234, -S: wait), and
# attach gdb-multiarch with the kernel's and the root task's symbols.
# Extra arguments go to gdb (e.g. -batch -ex 'break arch_main' -ex c).
# The store is $TETHER_STORE (default build/store.img, created if missing).
set -eu
kernel=$1 user=$2
shift 2
"$(dirname "$0")/qemu-run.sh" "${TETHER_STORE:-build/store.img}" "$kernel" \
    -s -S </dev/null >"${kernel%.elf}.gdb.log" 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT INT TERM
echo "QEMU (pid $qemu) console output goes to ${kernel%.elf}.gdb.log"
gdb-multiarch -q -x tools/tether.gdb \
    -ex "file $kernel" -ex "add-symbol-file $user" \
    -ex "target remote localhost:1234" "$@"
