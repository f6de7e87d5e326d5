#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run_host.sh BIN: run the host core benchmark under callgrind and print one
# `bench: host.<name> <instructions> instr` line per measured operation.
# Counts are instructions per operation, minus the empty-loop baseline.
set -eu
bin=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=callgrind --collect-atstart=no --instr-atstart=no \
    --callgrind-out-file="$out/cg" "$bin" > "$out/stdout" 2> "$out/stderr" || {
    cat "$out/stderr" >&2; exit 1; }
grep -q '^bench: rescind did not\|^bench: unmap10 wrong\|^bench: unmap16 wrong' "$out/stderr" && { cat "$out/stderr" >&2; exit 1; }
for f in "$out"/cg.*; do
    desc=$(sed -n 's/^desc: Trigger: Client Request: //p' "$f")
    total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$f")
    [ -n "$desc" ] && echo "$desc ${total:-0}"
done | sort -t/ -k1,1 | awk '
    { split($1, p, "/"); n = p[2]; name[NR] = p[1]; cnt[NR] = n; tot[NR] = $2
      if (p[1] == "baseline") base = $2 / n
      if (p[1] == "slotbase") sbase = $2 / n }
    END {
        for (i = 1; i <= NR; i++) {
            if (name[i] == "baseline" || name[i] == "slotbase") continue
            v = tot[i] / cnt[i]
            if (name[i] == "unmap_per_node") v = tot[i] / 4096
            else if (name[i] ~ /_perform$/) v = v - (2 * sbase - base)
            else v = v - base
            printf "bench: host.%s %d instr\n", name[i], v + 0.5
        }
    }'
cat "$out/stdout"
