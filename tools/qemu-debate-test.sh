#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# qemu-debate-test.sh [--update] KERNEL.elf DIR: demo 6 of docs/copy-vs-map.md
# with a real power cut, and the report's pictures (docs/img/).
#
# Boots the `make run` image on a fresh store with the boot arguments
# pictures=1 cut=1: the tour and every demo run as in `make run`, the demos
# of the pictures print their derivation trees (DEBUG_TREE dumps, framed by
# "picture: begin NAME" / "picture: end NAME" lines), and demo 6 builds its
# MAP tree, checkpoints, then UNMAPs the whole tree (a change the checkpoint
# does not have) and waits. This script kills QEMU there (SIGKILL: a power
# cut) and boots again on the same store: the system must resume the
# checkpoint with the tree as it was checkpointed, UNMAP a subtree after the
# restart and see it revoked (user/demos/persist.c checks each step), and
# power off with status 0. The store it leaves must pass tools/storeinfo
# ($STOREINFO, default build/host/storeinfo) and tools/capgraph must draw
# it (what `make capgraph` does with build/store.img).
#
# The pictures: each framed dump goes to DIR/pictures/NAME.dbg. docs/img/
# holds the committed ones, NAME.dbg and NAME.svg (tools/capgraph | dot).
# Without --update, each must be current: the same pictures, each tree the
# same as this run's up to object numbers and storage references
# (`capgraph --canon`), each SVG the rendering of its .dbg (byte for byte
# when this Graphviz made it, else every node of the .dbg in it). With
# --update (`make pictures`), docs/img/ is rewritten from this run.
# Prints ok/FAIL per check and "N passed, N failed".
set -u
update=0
[ "${1:-}" = --update ] && { update=1; shift; }
kernel=$1 dir=$2
here=$(dirname "$0")
img=$here/../docs/img
capgraph=$here/capgraph
mkdir -p "$dir/pictures"
rm -f "$dir"/pictures/* "$dir"/boot-*.log
store=$dir/store.img
pass=0 fail=0
result() {  # result NAME OK [details file]
    if [ "$2" = 0 ]; then echo "ok   $1"; pass=$((pass + 1))
    else echo "FAIL $1"; [ -n "${3:-}" ] && [ -s "$3" ] && sed 's/^/    /' "$3" | head -n 40; fail=$((fail + 1)); fi
}
clean() { tr -d '\r' < "$1"; }

# Boot 1: fresh, every demo, the pictures; demo 6 waits for the cut.
"$here/qemu-run.sh" --fresh "$store" "$kernel" -append "pictures=1 cut=1" </dev/null >"$dir/boot-1.log" 2>&1 &
qpid=$!
for ((w = 0; w < 1800; w++)); do
    grep -q 'waiting for the power cut' "$dir/boot-1.log" 2>/dev/null && break
    kill -0 $qpid 2>/dev/null || break
    sleep 0.1
done
sleep 0.3
kill -9 $qpid 2>/dev/null
wait $qpid 2>/dev/null
clean "$dir/boot-1.log" > "$dir/boot-1.txt"
grep -n 'FAILED\|demo check failed' "$dir/boot-1.txt" > "$dir/problems" || true
grep -q 'demo 6: after the checkpoint, the whole tree UNMAPped (done); waiting for the power cut$' \
    "$dir/boot-1.txt" || echo "no line: init: demo 6: ... UNMAPped (done); waiting for the power cut" >> "$dir/problems"
[ -s "$dir/problems" ]; result "boot 1: every demo ok, demo 6 checkpointed, UNMAPped, waits for the cut" $((! $?)) "$dir/problems"

# Boot 2: the same store, after the cut.
timeout "${QEMU_TEST_TIMEOUT:-120}" "$here/qemu-run.sh" "$store" "$kernel" </dev/null >"$dir/boot-2.log" 2>&1
status=$?
clean "$dir/boot-2.log" > "$dir/boot-2.txt"
: > "$dir/problems"
[ "$status" = 0 ] || echo "QEMU status $status" >> "$dir/problems"
grep -q '^tether: resumed checkpoint generation 1 ' "$dir/boot-2.txt" || echo "no line: tether: resumed checkpoint generation 1" >> "$dir/problems"
grep -q '^init: demo persist ok$' "$dir/boot-2.txt" || echo "no line: init: demo persist ok" >> "$dir/problems"
grep -q '^init: done, powering off with status 0$' "$dir/boot-2.txt" || echo "no line: init: done, powering off with status 0" >> "$dir/problems"
grep -n 'FAILED\|demo check failed' "$dir/boot-2.txt" >> "$dir/problems"
[ -s "$dir/problems" ]; result "boot 2: resumed after the power cut, demo 6 UNMAPs after the restart" $((! $?)) "$dir/problems"

# The store of a `make run` system: storeinfo finds it intact, capgraph draws it.
: > "$dir/problems"
si=${STOREINFO:-build/host/storeinfo}
"$si" "$store" > "$dir/storeinfo.txt" 2>&1 || echo "storeinfo failed: $(tail -n 1 "$dir/storeinfo.txt")" >> "$dir/problems"
grep -q '^verdict: OK: generation 2, every checksum matches$' "$dir/storeinfo.txt" ||
    { grep 'damage\|verdict' "$dir/storeinfo.txt"; echo "want: verdict: OK: generation 2"; } >> "$dir/problems"
"$capgraph" --storeinfo "$si" "$store" > "$dir/store.dot" 2> "$dir/capgraph.err" && dot -Tcanon "$dir/store.dot" > /dev/null 2>> "$dir/problems" ||
    echo "capgraph of the store failed" >> "$dir/problems"
[ -s "$dir/problems" ]; result "the store after boot 2: storeinfo OK, capgraph draws it" $((! $?)) "$dir/problems"

# The pictures of both boots (the first of a name wins: boot 1's checkpointed tree).
awk -v out="$dir/pictures" '
    /^picture: begin / { name = $3; file = out "/" name ".dbg"; if (name in done) file = ""; else done[name] = 1 }
    file != "" && (/^picture: / || /^dbg /) { print > file }
    /^picture: end / { if (file != "") close(file); file = "" }' "$dir/boot-1.txt" "$dir/boot-2.txt"

# Demo 6: the resumed tree is the checkpointed one (not what the first boot
# did after the checkpoint), and the UNMAP after the restart took a's
# descendants and the frame's mappings, nothing else.
: > "$dir/problems"
p=$dir/pictures
if [ -f "$p/persist-checkpointed.dbg" ] && [ -f "$p/persist-resumed.dbg" ] && [ -f "$p/persist-unmapped.dbg" ]; then
    diff <(grep '^dbg' "$p/persist-checkpointed.dbg") <(grep '^dbg' "$p/persist-resumed.dbg") >> "$dir/problems"
    awk '/^picture: slot / { what[$3] = $4 }
         /^dbg cap / { n++; split($0, f, " "); for (i in f) if (f[i] ~ /^index=/) idx = substr(f[i], 7)
                       if ($0 ~ / in=aspace:/) print "a mapping is left: " $0
                       else if (what[idx] ~ /^(a1|a11|a2)$/) print what[idx] " is left: " $0
                       else have[what[idx]] = 1 }
         END { if (n != 5 || !have["ntf"] || !have["a"] || !have["b"] || !have["frame"])
                   print n " caps left; want ntf, a, b, frame and the frame'"'"'s master" }' \
        "$p/persist-unmapped.dbg" >> "$dir/problems"
    grep -c '^dbg cap ' "$p/persist-resumed.dbg" | grep -qx 10 || echo "persist-resumed: not 10 caps" >> "$dir/problems"
else
    echo "missing: persist-checkpointed, persist-resumed or persist-unmapped" >> "$dir/problems"
fi
[ -s "$dir/problems" ]; result "demo 6: the tree resumed as checkpointed; after the UNMAP only ntf, a, b, the frame cap and master" $((! $?)) "$dir/problems"

render() { "$capgraph" "$1" 2>/dev/null | dot -Tsvg; }
if [ "$update" = 1 ]; then
    mkdir -p "$img"
    rm -f "$img"/*.dbg "$img"/*.svg
    for f in "$p"/*.dbg; do
        n=$(basename "$f" .dbg)
        cp "$f" "$img/$n.dbg"
        render "$img/$n.dbg" > "$img/$n.svg"
        result "picture $n written to docs/img/" $?
    done
else
    dotv=$(dot -V 2>&1 | sed -n 's/.*graphviz version \([^ ]*\).*/\1/p')
    for f in "$p"/*.dbg "$img"/*.dbg; do
        [ -e "$f" ] || continue
        n=$(basename "$f" .dbg)
        case " ${seen:-} " in *" $n "*) continue ;; esac
        seen="${seen:-} $n"
        : > "$dir/problems"
        if [ ! -f "$p/$n.dbg" ]; then
            echo "docs/img/$n.dbg: no such picture in this run (make pictures)" >> "$dir/problems"
        elif [ ! -f "$img/$n.dbg" ] || [ ! -f "$img/$n.svg" ]; then
            echo "docs/img/$n.dbg or .svg missing (make pictures)" >> "$dir/problems"
        else
            diff <("$capgraph" --canon "$img/$n.dbg") <("$capgraph" --canon "$p/$n.dbg") >> "$dir/problems" ||
                echo "docs/img/$n.dbg is stale: this run built another tree (make pictures)" >> "$dir/problems"
            if grep -q "graphviz version $dotv " "$img/$n.svg"; then
                render "$img/$n.dbg" | cmp -s - "$img/$n.svg" ||
                    echo "docs/img/$n.svg is not the rendering of docs/img/$n.dbg (make pictures)" >> "$dir/problems"
            else  # another Graphviz: every node is in it
                for id in $(sed -n 's/^dbg cap node=\([^ ]*\) .*/\1/p' "$img/$n.dbg"); do
                    grep -q "<title>$id</title>" "$img/$n.svg" || echo "docs/img/$n.svg: no node $id" >> "$dir/problems"
                done
            fi
        fi
        [ -s "$dir/problems" ]; result "picture $n current" $((! $?)) "$dir/problems"
    done
fi
rm -f "$store"
echo "qemu-debate-test: logs and pictures in $dir"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
