#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# abidoc.sh [abi | manual]: print docs/abi.md (the tables) or docs/manual.md
# (the manual: docs/manual.in.md with the reference generated into it) from
# the ABI's one definition, the X-macro tables and abi.h in include/tether/.
# `make docs` writes both; `make test` fails if either is out of date.
#
# docs/manual.in.md is copied through, except lines that are one directive:
#   @index             a table of every method (labels.def)
#   @reference         every method: arguments, results, rights, errors,
#                      what it changes, its cost (labels.def's entries)
#   @constants         every constant of abi.h's "Constants" part
#   @syscalls @errors @types @faults @registers @rootcaps @modcaps   the tables of abi.md
#   @bootinfo          the boot information and module structures, copied from abi.h
#   @layout            the root task's layout (kernel/arch/riscv64/uapi/layout.h)
#   @example NAME      the code between "/* example: NAME */" and
#                      "/* end of example */" in user/tests/t_manual.c (a
#                      QEMU test: every example is compiled and run)
set -eu
cd "$(dirname "$0")/.."
d=include/tether
mode=${1:-abi}

# Rows of a table from X(name, a, b, ..., "text") lines: the fields in the
# order given by $2.. (1 = name, 2.. = the other fields, t = the text).
rows() {
    awk -v cols="$2" 'match($0, /^X\((.*)"(.*)"\)$/) {
        q = index($0, "\""); text = substr($0, q + 1); sub(/"\)[ \t]*$/, "", text)
        gsub(/\|/, "\\|", text)
        head = substr($0, 3, q - 3); n = split(head, f, ","); for (i = 1; i <= n; i++) gsub(/^ +| +$/, "", f[i])
        m = split(cols, c, " "); line = "|"
        for (i = 1; i <= m; i++) line = line " " (c[i] == "t" ? text : c[i] == 1 ? "`" f[1] "`" : f[c[i]]) " |"
        print line
    }' "$1"
}

# The methods of labels.def: X(name, value, type, "doc", IN(n, "doc")...,
# OUT(n, "doc")..., RIGHTS(mask) CAPARG(n, type, mask, "doc")... ERR(code,
# "when")... CHANGES("text") COST("text")), an entry spanning lines; $2 =
# table (one row each, abi.md), index (one row each, the manual) or
# reference (a section each; the comment before a group of entries is its
# introduction).
methods() {
    awk -v mode="$2" '
    function esc(t) { gsub(/\|/, "\\|", t); return t }
    # The text of the string literals in s (adjacent ones concatenated).
    function strs(s,    out, i, c, q) {
        out = ""; q = 0
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            if (!q) { if (c == "\"") q = 1; continue }
            if (c == "\\") { i++; out = out substr(s, i, 1); continue }
            if (c == "\"") { q = 0; continue }
            out = out c
        }
        return out
    }
    function trim(t) { gsub(/^[ \t\n]+|[ \t\n]+$/, "", t); return t }
    # Split a sequence NAME(args) NAME(args)... into kind[1..], body[1..];
    # returns the count.
    function items(s,    k, i, c, depth, q, cur, name) {
        k = 0; depth = 0; q = 0; cur = ""; name = ""
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            if (q) { cur = cur c; if (c == "\\") { i++; cur = cur substr(s, i, 1) } else if (c == "\"") q = 0; continue }
            if (c == "\"") { q = 1; cur = cur c; continue }
            if (c == "(") { if (depth++ == 0) { name = trim(cur); cur = ""; continue } }
            if (c == ")") { if (--depth == 0) { k++; kind[k] = name; body[k] = cur; cur = ""; continue } }
            cur = cur c
        }
        return k
    }
    # The fields of an item body: f[1..] (top-level commas), returns the count.
    function fields(s,    k, i, c, depth, q, cur) {
        k = 0; depth = 0; q = 0; cur = ""
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            if (q) { cur = cur c; if (c == "\\") { i++; cur = cur substr(s, i, 1) } else if (c == "\"") q = 0; continue }
            if (c == "\"") q = 1
            else if (c == "(") depth++
            else if (c == ")") depth--
            else if (c == "," && depth == 0) { f[++k] = trim(cur); cur = ""; continue }
            cur = cur c
        }
        f[++k] = trim(cur)
        return k
    }
    # IN(n, "doc")... into ln[1..], ld[1..]; returns the count.
    function list(s,    k, i) {
        k = items(s)
        for (i = 1; i <= k; i++) { fields(body[i]); ln[i] = f[1]; ld[i] = strs(body[i]) }
        return k
    }
    function names(s,    k, i, out) {
        k = list(s); out = ""
        for (i = 1; i <= k; i++) out = out (i > 1 ? ", " : "") "`" ln[i] "`"
        return k ? out : "-"
    }
    # A sentence: capital first letter, a full stop at the end.
    function sentence(t) { t = toupper(substr(t, 1, 1)) substr(t, 2); return t ~ /\.$/ ? t : t "." }
    function mask(m) { return m == "0" ? "no rights" : "`" m "`" }
    # A comment before a group of entries: "Heading: text" or "Heading. text"
    # (the first ": " or ". " outside parentheses ends the heading).
    function group(c,    i, ch, depth, h, rest) {
        gsub(/\n[ \t]*\*[ \t]?/, " ", c); c = trim(c); depth = 0; h = c; rest = ""
        for (i = 1; i < length(c); i++) {
            ch = substr(c, i, 1)
            if (ch == "(") depth++
            else if (ch == ")") depth--
            else if (depth == 0 && (ch == ":" || ch == ".") && substr(c, i + 1, 1) == " ") {
                h = substr(c, 1, i - 1); rest = trim(substr(c, i + 1)); break
            }
        }
        sub(/\.$/, "", h)
        print ""; print "### " h; print ""
        if (rest != "") { rest = toupper(substr(rest, 1, 1)) substr(rest, 2); print rest }
    }
    function entry(    nin, nout, i, k, proto, n, r, ncap, where) {
        for (i = 1; i <= 4; i++) a[i] = trim(a[i])
        if (mode == "table") {
            print "| " a[2] " | `" a[1] "` | " a[3] " | " names(a[5]) " | " names(a[6]) " | " esc(strs(a[4])) " |"
            return
        }
        if (mode == "index") {
            r = "-"; cost = "-"; k = items(a[7])
            for (i = 1; i <= k; i++) {
                if (kind[i] == "RIGHTS") r = mask(trim(body[i]))
                if (kind[i] == "COST") cost = strs(body[i])
            }
            print "| [`" a[1] "`](#" tolower(a[1]) ") | " a[2] " | `" a[3] "` | " r " | " esc(cost) " |"
            return
        }
        if (pend != "") { group(pend); pend = "" }
        nin = list(a[5])
        proto = "long tether_" a[1] "(uint32_t cap"
        for (i = 1; i <= nin; i++) { wn[i] = ln[i]; wd[i] = ld[i]; proto = proto ", uint64_t " ln[i] }
        nout = list(a[6])
        proto = proto (nout ? ", uint64_t r[4])" : ")")
        print ""; print "#### `" a[1] "`"; print ""
        print "Label " a[2] " on `" a[3] "`: `" proto "`"; print ""
        print esc(sentence(strs(a[4]))); print ""
        if (nin || nout) {
            print "| word | name | meaning |"; print "|---|---|---|"
            for (i = 1; i <= nin; i++) print "| a" (i - 1) " | `" wn[i] "` | " esc(wd[i]) " |"
            for (i = 1; i <= nout; i++) print "| r" (i - 1) " | `" ln[i] "` | " esc(ld[i]) " |"
            print ""
        } else {
            print "No arguments, no results."; print ""
        }
        k = items(a[7])
        if (!k) { print "*No manual entry yet (labels.def).*"; return }
        r = ""; ncap = ""; changes = ""; cost = ""
        for (i = 1; i <= k; i++) {
            if (kind[i] == "RIGHTS") r = "The invoked cap needs " mask(trim(body[i])) "."
            else if (kind[i] == "CAPARG") {
                n = fields(body[i])
                ncap = ncap " `" f[1] "`: " (f[2] == "OBJ_NONE" ? "a cap of any type" : "a cap to `" f[2] "`") " with " mask(f[3]) (strs(f[4]) != "" ? " (" strs(f[4]) ")" : "") "."
            }
            else if (kind[i] == "CHANGES") changes = strs(body[i])
            else if (kind[i] == "COST") cost = strs(body[i])
        }
        print "**Rights.** " r ncap; print ""
        print "**Errors**, after those of [every invocation](#every-invocation):"; print ""
        print "| error | when |"; print "|---|---|"
        for (i = 1; i <= k; i++)
            if (kind[i] == "ERR") { fields(body[i]); print "| `" f[1] "` | " esc(strs(body[i])) " |" }
        print ""
        print "**Changes.** " esc(sentence(changes)); print ""
        print "**Cost.** " esc(sentence(cost))
    }
    { text = text $0 "\n" }
    END {
        depth = 0; q = 0; n = length(text); ncomments = 0; pend = ""
        for (p = 1; p <= n; p++) {
            c = substr(text, p, 1)
            if (q) { cur = cur c; if (c == "\\") { p++; cur = cur substr(text, p, 1) } else if (c == "\"") q = 0; continue }
            if (c == "/" && substr(text, p + 1, 1) == "*") {  # a comment: remembered at depth 0
                j = index(substr(text, p + 2), "*/")
                if (depth == 0 && ncomments++ > 0) pend = substr(text, p + 2, j - 1)
                p += j + 2; continue
            }
            if (depth == 0) {
                if (c == "X" && substr(text, p + 1, 1) == "(" && (p == 1 || substr(text, p - 1, 1) ~ /[^A-Za-z0-9_]/)) {
                    depth = 1; p++; na = 0; cur = ""; delete a
                }
                continue
            }
            if (c == "\"") q = 1
            else if (c == "(") depth++
            else if (c == ")" && --depth == 0) { a[++na] = cur; entry(); continue }
            else if (c == "," && depth == 1) { a[++na] = cur; cur = ""; continue }
            cur = cur c
        }
    }' "$1"
}

# abi.h's constants (between "==== Constants" and "==== End of constants"):
# a comment block starts a group (a heading and its text), each #define is
# a row: name, value (object-like macros) and its trailing comment.
constants() {
    awk '
    function trim(t) { gsub(/^[ \t]+|[ \t]+$/, "", t); return t }
    function esc(t) { gsub(/\|/, "\\|", t); return t }
    function flush_group(    c, i, ch, depth, h, rest) {
        c = trim(grp); depth = 0; h = c; rest = ""
        for (i = 1; i < length(c); i++) {
            ch = substr(c, i, 1)
            if (ch == "(") depth++
            else if (ch == ")") depth--
            else if (depth == 0 && (ch == ":" || ch == ".") && substr(c, i + 1, 1) == " ") {
                h = substr(c, 1, i - 1); rest = trim(substr(c, i + 1)); break
            }
        }
        sub(/\.$/, "", h)
        print ""; print "### " h; print ""
        if (rest != "") { print toupper(substr(rest, 1, 1)) substr(rest, 2); print "" }
        print "| name | value | meaning |"; print "|---|---|---|"
    }
    /==== Constants/ { on = 1; skip = 1 }
    /==== End of constants/ { on = 0 }
    !on { next }
    skip { if ($0 ~ /\*\//) skip = 0; next }
    incomment { line = $0; sub(/^[ \t]*\*[ \t]?/, "", line); if (line ~ /\*\//) { sub(/[ \t]*\*\/.*/, "", line); incomment = 0; grp = grp " " line; flush_group(); next } grp = grp " " line; next }
    /^\/\*/ { line = $0; sub(/^\/\*[ \t]*/, "", line)
              if (line ~ /\*\//) { sub(/[ \t]*\*\/.*/, "", line); grp = line; flush_group(); next }
              grp = line; incomment = 1; next }
    /^#define/ || cont {
        def = def " " $0
        if ($0 ~ /\\$/) { cont = 1; sub(/\\$/, "", def); next }
        cont = 0; s = def; def = ""
        doc = ""
        if (match(s, /\/\*.*\*\//)) { doc = substr(s, RSTART + 2, RLENGTH - 4); s = substr(s, 1, RSTART - 1) }
        sub(/^[ \t]*#define[ \t]+/, "", s)
        if (match(s, /^[A-Za-z0-9_]+\([^)]*\)/)) { name = substr(s, 1, RLENGTH); val = "macro" }
        else { match(s, /^[A-Za-z0-9_]+/); name = substr(s, 1, RLENGTH); val = "`" trim(substr(s, RLENGTH + 1)) "`" }
        gsub(/[ \t]+/, " ", val)
        print "| `" name "` | " esc(val) " | " esc(trim(doc)) " |"
    }' $d/abi.h
}

registers() {
    sed -n 's/^#define \(TREG_[A-Za-z0-9_()]*\) *(*\([0-9]*\)u\( + (i))\)* *\/\* *\(.*[^ ]\) *\*\/$/| \2\3 | `\1` | \4 |/p' $d/abi.h |
        sed 's/ + (i))/ + i/'
}

rootcaps() {
    sed -n 's/^#define \(ROOT_CAP_[A-Z_]*\) *\([0-9]*\)u *\/\* *\(.*[^ ]\) *\*\/$/| \2 | `\1`: \3 |/p' $d/abi.h
}

# The code of example $1 in user/tests/t_manual.c, as a C block.
example() {
    awk -v name="$1" '
    $0 ~ "/\\* example: " name " \\*/" { on = 1; next }
    on && /\/\* end of example \*\// { on = 0; found = 1 }
    on { lines[++n] = $0 }
    END {
        if (!found) { print "abidoc.sh: no example " name " in user/tests/t_manual.c" > "/dev/stderr"; exit 1 }
        ind = 1000
        for (i = 1; i <= n; i++) if (lines[i] ~ /[^ ]/) { match(lines[i], /^ */); if (RLENGTH < ind) ind = RLENGTH }
        print "```c"
        for (i = 1; i <= n; i++) print substr(lines[i], ind + 1)
        print "```"
    }' user/tests/t_manual.c
}

table() {  # $1 = which: a table of abi.md, with its header
    case $1 in
    syscalls) printf '| number | name | arguments and results |\n|---:|---|---|\n'; rows $d/syscalls.def "2 1 t" ;;
    errors) printf '| value | name | meaning |\n|---:|---|---|\n'; rows $d/errors.def "2 1 t" ;;
    types) printf '| value | name | what |\n|---:|---|---|\n'; rows $d/types.def "2 1 t" ;;
    faults) printf '| value | name | meaning |\n|---:|---|---|\n'; rows $d/faults.def "2 1 t" ;;
    registers) printf '| index | name | register |\n|---:|---|---|\n'; registers ;;
    rootcaps) printf '| address | cap |\n|---:|---|\n'; rootcaps ;;
    modcaps) printf '| address | cap |\n|---:|---|\n'
        sed -n 's/^#define \(MODULE_CAP_[A-Z_]*\) *\([0-9]*\)u *\/\* *\(.*[^ ]\) *\*\/$/| \2 | `\1`: \3 |/p' $d/abi.h ;;
    bootinfo) echo '```c'
        awk '/^#define BOOTINFO_MAGIC/,/^_Static_assert\(sizeof\(struct tether_bootinfo\)/' $d/abi.h
        echo
        awk '/^#define MODINFO_MAGIC/,/^#define MODULE_FAULT_BADGE/' $d/abi.h
        echo '```' ;;
    layout) printf '| name | value (riscv64) |\n|---|---|\n'
        sed -n 's/^#define \([A-Z_]*\) *\([^ ][^ ]*\)$/| `\1` | `\2` |/p' kernel/arch/riscv64/uapi/layout.h ;;
    esac
}

if [ "$mode" = manual ]; then
    printf '<!-- Generated by tools/abidoc.sh manual from docs/manual.in.md and include/tether/;\n     edit those, then run `make docs`. -->\n'
    while IFS= read -r line; do
        case $line in
        @index)
            printf '| method | label | on | the invoked cap needs | cost |\n|---|---:|---|---|---|\n'
            methods $d/labels.def index ;;
        @reference) methods $d/labels.def reference ;;
        @constants) constants ;;
        @syscalls | @errors | @types | @faults | @registers | @rootcaps | @modcaps | @bootinfo | @layout) table "${line#@}" ;;
        @example\ *) example "${line#@example }" ;;
        *) printf '%s\n' "$line" ;;
        esac
    done < docs/manual.in.md
    exit 0
fi

cat <<'EOF2'
# The Tether ABI

Generated by `tools/abidoc.sh` from the X-macro tables in `include/tether/` (the
single definition used by the kernel and by libtether); do not edit by hand.
[docs/manual.md](manual.md) is the manual: every method with the rights it needs,
its errors, what it changes and its cost, every constant, and how to use them.

## System calls (`syscalls.def`)

riscv64: the number in `a7`, arguments in `a0..a6`, results in `a0..a7`.

EOF2
table syscalls
cat <<'EOF2'

## Invocation labels (`labels.def`)

`SYS_INVOKE` with `a0 = cap address | label << 32`; arguments `a1..a6`
(`a0..a5` of the table below), results in `a1..a4` on success. Each method's
arguments, results, rights, errors, changes and cost: [docs/manual.md](manual.md#reference).

| label | name | object | arguments (a0..) | results (r0..) | meaning |
|---:|---|---|---|---|---|
EOF2
methods $d/labels.def table
cat <<'EOF2'

## Error codes (`errors.def`)

EOF2
table errors
cat <<'EOF2'

## Object types (`types.def`)

EOF2
table types
cat <<'EOF2'

## Fault kinds (`faults.def`): label of a fault message, THREAD_INFO r1

EOF2
table faults
cat <<'EOF2'

## Thread registers (`abi.h`): THREAD_READ_REGS, THREAD_WRITE_REGS

Indices by the role a register plays in this ABI, the same on every machine;
the machine's other registers follow (their number is the machine's).

EOF2
table registers
cat <<'EOF2'

## Well-known cap addresses of the root task

EOF2
table rootcaps
cat <<'EOF2'

## Well-known cap addresses of a task started from a boot module

`module_start` (libtether `module.h`) puts these in the new task's CSpace; the root's
numbers where they mean the same, no System cap.

EOF2
table modcaps
cat <<'EOF2'

## Boot information and boot modules (`abi.h`)

The kernel maps one read-only page at `BOOTINFO_VA` (riscv64: 0x7ff01000,
`kernel/arch/riscv64/uapi/layout.h`) into the root task and starts the
root thread with `a0` = its address; a module's thread starts with `a0` = its
`struct tether_modinfo` at the top of its stack. Copied from `abi.h`:

EOF2
table bootinfo
