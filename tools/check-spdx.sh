#!/usr/bin/env bash
# check-spdx.sh [--fix]: every source file the project wrote carries an
# `SPDX-License-Identifier: BSD-2-Clause` line near its top (LICENSE).
# Source files: C, headers, assembly, the ABI tables (.def), linker
# scripts, shell and Python tools, make files. With --fix, add the line
# (as a comment in the file's syntax) where it is missing. Prints one line
# per file without it and ends with "N passed, N failed".
set -u
fix=0
[ "${1:-}" = --fix ] && fix=1
tag='SPDX-License-Identifier: BSD-2-Clause'
pass=0 fail=0
files=$(git ls-files | grep -E '\.(c|h|S|def|ld|sh|py|mk|inc)$|(^|/)Makefile$|^\.ci/run$|^tools/[a-z-]+$' | grep -v '^tests/fuzz_corpus/\|^tests/corpus/')
for f in $files; do
    [ -f "$f" ] || continue
    if head -n 5 "$f" | grep -q "$tag"; then pass=$((pass + 1)); continue; fi
    if [ $fix = 1 ]; then
        case "$f" in
            *.c|*.h|*.S|*.def|*.ld|*.inc) line="/* $tag */" ;;
            *) line="# $tag" ;;
        esac
        if head -n 1 "$f" | grep -q '^#!'; then
            { head -n 1 "$f"; echo "$line"; tail -n +2 "$f"; } >"$f.spdx" && cat "$f.spdx" >"$f" && rm "$f.spdx"
        else
            { echo "$line"; cat "$f"; } >"$f.spdx" && cat "$f.spdx" >"$f" && rm "$f.spdx"
        fi
        pass=$((pass + 1))
    else
        echo "FAIL $f: no '$tag' line in its first 5 lines"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
