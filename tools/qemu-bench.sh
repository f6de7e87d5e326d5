#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
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
# Boot until the image stops asking for a restart (it checkpoints and
# powers off to measure restarts: each next boot resumes it on the same store
# and the kernel prints "tether: restart took N instructions").
boots() {  # boots LOG QEMU-ARGS...: every boot's console into LOG.<n>
    local l=$1 n=0 fresh=--fresh
    shift
    while :; do
        TETHER_STORE_MIB=1024 timeout 300 "$run" $fresh "$store" "$kernel" "$@" -m 512M </dev/null \
            >"$l.$n" 2>&1 || { echo "qemu-bench: QEMU failed, see $l.$n"; exit 1; }
        fresh=
        grep -q 'powering off for the restart' "$l.$n" || break
        n=$((n + 1))
        [ $n -lt 4 ] || { echo "qemu-bench: too many restarts"; exit 1; }
    done
    cat "$l".[0-9] >"$l"
}
rm -f "$log".[0-9] "${log%.log}.wall.log".[0-9]
boots "$log" -icount shift=0
grep -h '^bench: ' "$log" | grep -v '_mib_per_s ' | tr -d '\r' | awk '!seen[$2]++' >"$out"
# restart rows: the kernel's figure of the boot that resumed restart_X
for f in "$log".[1-9]; do
    [ -e "$f" ] || continue
    what=$(sed -n 's/^bench image: resumed (\(restart_[0-9a-z]*\)).*/\1/p' "$f" | tr -d '\r' | head -n1)
    n=$(sed -n 's/^tether: restart took \([0-9]*\) instructions.*/\1/p' "$f" | head -n1)
    [ -n "$what" ] && [ -n "$n" ] && echo "bench: qemu.$what $n instr" >>"$out"
done
boots "${log%.log}.wall.log"
grep -h '^bench: qemu\..*_mib_per_s ' "${log%.log}.wall.log" | tr -d '\r' | awk '!seen[$2]++' >>"$out"
rm -f "$store"
cat "$out"
