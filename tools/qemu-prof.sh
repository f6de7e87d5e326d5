#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# qemu-prof.sh KERNEL.elf LABEL [SYSNO [SKIP]]: instruction profile of one kernel
# entry. (With FUNC=name it starts at that kernel function instead: no
# condition to test on every trap, so it gets there faster; the count then
# starts at the function, not at the trap.) Boots KERNEL.elf halted, stops at the first ecall whose a7 is SYSNO
# (default 0 = SYS_INVOKE; 9 = SYS_REPLY_RECV, ...) and whose label (a0 >> 32,
# msginfo for IPC: label | items << 20) is LABEL (e.g. 0x10 = CS_COPY), after
# skipping SKIP such ecalls (default 0; skip a few to profile a warm path), single-steps
# the kernel until it returns to user mode, and prints how many
# instructions each function and source line took (gdb-multiarch).
set -eu
kernel=$1 label=$2 sysno=${3:-0} skip=${4:-0}
qemu-system-riscv64 -machine virt -bios default -nographic -m 256M -smp 1 \
    -icount shift=0 -gdb tcp::1235 -S -kernel "$kernel" </dev/null >/dev/null 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT INT TERM
sleep 0.5
gdb-multiarch -q -batch -ex "python KERNEL='$kernel'; LABEL='$label'; SYSNO='$sysno'; SKIP=$skip; PCS=bool(int('${PCS:-0}')); FUNC='${FUNC:-}'" \
    -x "$(dirname "$0")/qemu-prof.py" 2>&1 | sed -n '/^TOTAL/,$p'
