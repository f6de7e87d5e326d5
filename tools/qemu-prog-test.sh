#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# qemu-prog-test.sh KERNEL.elf PROG LINE: boot the `make run` image as
# `make run PROG=PROG` does (QEMU -append prog=PROG, a fresh store of its
# own) and check that user/init started the program, that it printed a line
# starting with LINE, that init reported its exit status 0 and that QEMU
# exited 0, all within 60 seconds. Prints the console, then
# "ok   prog_PROG" or "FAIL prog_PROG: why", then "N passed, N failed".
set -u
kernel=$1 prog=$2 line=$3
log=${kernel%.elf}-prog-$prog.log
store=$(mktemp "${log%.log}.store.XXXXXX") || exit 1
trap 'rm -f "$store"' EXIT
timeout 60 "$(dirname "$0")/qemu-run.sh" --fresh "$store" "$kernel" -append "prog=$prog" \
    </dev/null >"$log" 2>&1
status=$?
sed -n '/^Tether/,$p' "$log"
why=
if [ "$status" -eq 124 ]; then why="timeout after 60 s"
elif ! grep -q "^init: starting program $prog" "$log"; then why="init did not start it"
elif ! grep -q "^$line" "$log"; then why="no line '$line'"
elif ! grep -q "^init: $prog exited with status 0" "$log"; then why="its exit status was not 0"
elif [ "$status" -ne 0 ]; then why="QEMU status $status"
fi
if [ -z "$why" ]; then echo "ok   prog_$prog"; echo "1 passed, 0 failed"; exit 0; fi
echo "FAIL prog_$prog: $why"; echo "0 passed, 1 failed"; exit 1
