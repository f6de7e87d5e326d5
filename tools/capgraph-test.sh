#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# capgraph-test.sh STOREINFO DIR: tools/capgraph on what tests/storeinfo_test.c
# wrote to DIR (make test-capgraph): ok.img, a checkpoint of a host system,
# and ok.dbg, the Debug object's DEBUG_TREE dumps of its endpoint and frame
# taken at that checkpoint. Both must give dot that Graphviz accepts, with
# clusters, the badge and the MAP edges; the dumps' nodes must be nodes of
# the store's graph, as the same fields (the formats agree); --canon must
# ignore object numbers and not a changed tree; void caps are grey.
# Prints ok/FAIL per check and "N passed, N failed".
set -u
si=$1 dir=$2
cg=$(dirname "$0")/capgraph
pass=0 fail=0
check() {  # check NAME COMMAND...
    name=$1; shift
    if "$@" > "$dir/cg.err" 2>&1; then echo "ok   $name"; pass=$((pass + 1))
    else echo "FAIL $name"; sed 's/^/    /' "$dir/cg.err" | head -n 20; fail=$((fail + 1)); fi
}
edges() { grep -c '^  "[^"]*" -> ' "$1"; }
graph_ok() {  # graph_ok DOT MIN_EDGES
    dot -Tcanon "$1" > /dev/null && grep -q 'subgraph cluster_cspace_' "$1" && grep -q 'badge 0x77' "$1" &&
        [ "$(edges "$1")" -ge "$2" ]
}

"$cg" --storeinfo "$si" "$dir/ok.img" > "$dir/ok.dot" 2>/dev/null
check "capgraph_of_a_store_image" graph_ok "$dir/ok.dot" 2
"$cg" "$dir/ok.dbg" > "$dir/ok-dbg.dot" 2>/dev/null
# EP -> M1 -> M2, the frame's master -> its cap -> the mapping
check "capgraph_of_debug_tree_dumps" graph_ok "$dir/ok-dbg.dot" 4

agree() {
    "$cg" --storeinfo "$si" --canon "$dir/ok.img" > "$dir/ok.canon" &&
    "$cg" --canon "$dir/ok.dbg" > "$dir/ok-dbg.canon" &&
    [ "$(grep -c '^node ' "$dir/ok-dbg.canon")" -eq 7 ] &&
    [ "$(grep -c '^edge ' "$dir/ok-dbg.canon")" -eq 4 ] &&
    { comm -23 "$dir/ok-dbg.canon" "$dir/ok.canon" > "$dir/ok.extra"; [ ! -s "$dir/ok.extra" ] ||
      { echo "dump lines not in the store's graph:"; cat "$dir/ok.extra"; false; }; }
}
check "capgraph_dump_and_store_formats_agree" agree

# The same dump with other object numbers and storage references: the same
# --canon; without one MAP: another.
canon_numbers() {
    sed 's/node=0x\([0-9a-f]*\)/node=0x1\1/; s/parent=0x\([0-9a-f]*\)/parent=0x1\1/; s/\(in=[a-z]*\):\([0-9]*\)/\1:9\2/; s/obj=\([0-9]*\)/obj=7\1/' \
        "$dir/ok.dbg" > "$dir/renum.dbg" &&
    "$cg" --canon "$dir/renum.dbg" | cmp -s - "$dir/ok-dbg.canon" &&
    ! cmp -s "$dir/renum.dbg" "$dir/ok.dbg" &&
    grep -v 'depth=2$' "$dir/ok.dbg" > "$dir/less.dbg" &&
    ! "$cg" --canon "$dir/less.dbg" | cmp -s - "$dir/ok-dbg.canon"
}
check "capgraph_canon_ignores_numbers_not_the_tree" canon_numbers

void_grey() {
    printf '%s\n' 'init: some other console line' 'dbg tree obj=5 epoch=1 type=- status=void' \
        'dbg cap node=0x10 parent=- in=cspace:2 index=40 type=- status=void rights=rw-- badge=0x0 depth=0' \
        'dbg cap node=0x11 parent=0x10 in=cspace:2 index=41 type=- status=void rights=r--- badge=0x0 depth=1' \
        'dbg end' > "$dir/void.dbg" &&
    "$cg" "$dir/void.dbg" > "$dir/void.dot" 2>/dev/null && dot -Tcanon "$dir/void.dot" > /dev/null &&
    [ "$(grep -c 'void r.*fillcolor="#dddddd"' "$dir/void.dot")" -eq 2 ] && [ "$(edges "$dir/void.dot")" -eq 1 ]
}
check "capgraph_void_caps_are_grey" void_grey

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
