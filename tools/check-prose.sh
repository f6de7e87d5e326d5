#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# check-prose.sh: what the prose says about the benchmarks and the install
# line is true (part of `make test`; CONTRIBUTING.md says why).
#
#   * docs/benchmarks.md is what bench/mktable.sh makes of its own rows: its
#     notes (bench/notes.md) and targets (bench/targets.txt) are current.
#   * In every prose file (README.md, CONTRIBUTING.md, CHANGELOG.md,
#     kernel/arch/riscv64/README.md, bench/notes.md, docs/*.md but the
#     generated benchmarks.md, abi.md and manual.md), a benchmark row (`qemu.x`,
#     `host.x`, or a prefix `qemu.x_*`) names a row of docs/benchmarks.md, and
#     a number right after it ("`qemu.call0` (308)", "is 32", "about 300")
#     is that row's value exactly. Better: name the row, quote no number.
#   * README's apt-get install line lists the packages .ci/run installs.
# Prints ok/FAIL per check and ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
pass=0 fail=0
tmp=${TMPDIR:-/tmp}/check-prose.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
result() {  # result NAME FILE-WITH-PROBLEMS
    if [ -s "$2" ]; then echo "FAIL $1"; sed 's/^/    /' "$2"; fail=$((fail + 1))
    else echo "ok   $1"; pass=$((pass + 1)); fi
}

# Row name and value, one a line, from a benchmarks table.
bench/rows.sh docs/benchmarks.md | awk '{ print $2, $3 }' > "$tmp/values"

# figures FILE VALUES: one line per stale or unknown quote in FILE.
figures() {
    tr '\n' ' ' < "$1" | grep -oE '(^|[^A-Za-z0-9_/.-])(qemu|host)\.[a-z0-9_]+(\*|`?([[:space:](|=:~]|about|is)*[0-9][0-9,]*(\.[0-9]+)?[A-Za-z]?)?' |
    awk -v vals="$2" '
        BEGIN { while ((getline l < vals) > 0) { split(l, f, " "); v[f[1]] = f[2] } }
        {
            match($0, /(qemu|host)\.[a-z0-9_]+/); name = substr($0, RSTART, RLENGTH)
            rest = substr($0, RSTART + RLENGTH)
            if (rest == "*") {
                found = 0; for (n in v) if (index(n, name) == 1) found = 1
                if (!found) print "no row starts with " name
                next
            }
            if (!(name in v)) { print name ": no such row in docs/benchmarks.md"; next }
            if (match(rest, /[0-9][0-9,]*(\.[0-9]+)?[A-Za-z]?$/)) {
                q = substr(rest, RSTART); n = q; gsub(/,/, "", n)
                if (n != v[name]) print name " quoted as " q ", docs/benchmarks.md has " v[name]
            }
        }'
}

# The checker itself: a wrong quote, an approximation and an unknown row are
# caught; right quotes pass.
printf '%s\n' 'a `qemu.t1` (12) b' 'qemu.t2 about' '301 c' 'is `qemu.t3` ~4k' \
    '`qemu.nosuch` d `qemu.u_*`' > "$tmp/bad.md"
printf '%s\n' '`qemu.t1` (1,200) and `qemu.t2` is 300 build/qemu.txt' 'qemu.t3 `qemu.t*`' > "$tmp/good.md"
printf '%s\n' 'qemu.t1 1200' 'qemu.t2 300' 'qemu.t3 4000' > "$tmp/tvalues"
figures "$tmp/bad.md" "$tmp/tvalues" > "$tmp/out"
if [ "$(wc -l < "$tmp/out")" -ne 5 ]; then cat "$tmp/out"; echo "the checker missed a stale quote"; fi > "$tmp/p"
figures "$tmp/good.md" "$tmp/tvalues" >> "$tmp/p"
result prose_checker_catches_stale_quotes "$tmp/p"

bench/rows.sh docs/benchmarks.md > "$tmp/rows"
bench/mktable.sh "$tmp/rows" | diff -u docs/benchmarks.md - > "$tmp/p" || {
    echo "docs/benchmarks.md differs from its own rows with bench/notes.md and bench/targets.txt: make bench-table" >> "$tmp/p"; }
result benchmarks_md_notes_and_targets_current "$tmp/p"

for f in README.md CONTRIBUTING.md CHANGELOG.md kernel/arch/riscv64/README.md bench/notes.md docs/*.md; do
    case $f in docs/benchmarks.md|docs/abi.md|docs/manual.md) continue ;; esac
    [ -f "$f" ] || continue
    figures "$f" "$tmp/values" > "$tmp/p"
    result "prose_figures_current: $f" "$tmp/p"
done

# README's install line vs the packages .ci/run installs.
readme=$(grep -m1 'apt-get install ' README.md | sed 's/.*apt-get install //' | tr ' ' '\n' | grep -v '^-' | sort -u)
ci=$(grep -m1 '^for p in ' .ci/run | sed 's/^for p in //; s/;.*//' | tr ' ' '\n' | sort -u)
: > "$tmp/p"
if [ -z "$ci" ] || [ "$readme" != "$ci" ]; then
    { echo "README.md installs: $(echo $readme)"; echo ".ci/run installs:  $(echo $ci)"; } > "$tmp/p"
fi
result install_line_matches_ci "$tmp/p"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
