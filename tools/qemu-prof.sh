#!/bin/sh
# qemu-prof.sh KERNEL.elf LABEL: instruction profile of one kernel entry.
# Boots KERNEL.elf halted, stops at the first ecall whose a7 is SYS_INVOKE
# and whose label (a0 >> 32) is LABEL (e.g. 0x10 = CS_COPY), single-steps
# the kernel until it returns to user mode, and prints how many
# instructions each function and source line took (gdb-multiarch).
set -eu
kernel=$1 label=$2
qemu-system-riscv64 -machine virt -bios default -nographic -m 256M -smp 1 \
    -gdb tcp::1235 -S -kernel "$kernel" </dev/null >/dev/null 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT INT TERM
sleep 0.5
gdb-multiarch -q -batch -ex "python KERNEL='$kernel'; LABEL='$label'" \
    -x "$(dirname "$0")/qemu-prof.py" 2>&1 | sed -n '/^TOTAL/,$p'
