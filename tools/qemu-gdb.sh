#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# qemu-gdb.sh KERNEL.elf USER.elf [PROGRAM.elf...] [gdb args...]: start QEMU
# halted at the first instruction with a gdb server (-s: tcp port 1234, -S:
# wait), and attach gdb-multiarch with the kernel's and the root task's
# symbols, and those of each PROGRAM.elf (a boot module, mk/riscv64.mk: each
# is linked at its own base, so add-symbol-file puts its symbols at the
# addresses it runs at, in its own AddrSpace). The remaining arguments go to
# gdb (e.g. -batch -ex 'break arch_main' -ex c). The store is $TETHER_STORE
# (default build/store.img, created if missing; emptied first if
# TETHER_FRESH=1); $TETHER_QEMU_ARGS are added to QEMU's (make gdb PROG=name:
# -append prog=name).
set -eu
kernel=$1 user=$2
shift 2
syms="-ex \"add-symbol-file $user\""
while [ $# -gt 0 ] && [ "${1%.elf}" != "$1" ]; do
    syms="$syms -ex \"add-symbol-file $1\""
    shift
done
# shellcheck disable=SC2086
"$(dirname "$0")/qemu-run.sh" ${TETHER_FRESH:+--fresh} "${TETHER_STORE:-build/store.img}" "$kernel" \
    ${TETHER_QEMU_ARGS:-} -s -S </dev/null >"${kernel%.elf}.gdb.log" 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT INT TERM
echo "QEMU (pid $qemu) console output goes to ${kernel%.elf}.gdb.log"
eval gdb-multiarch -q -x tools/tether.gdb -ex "\"file $kernel\"" $syms \
    -ex "\"target remote localhost:1234\"" '"$@"'
