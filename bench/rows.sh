#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# rows.sh [FILE]: the table rows of docs/benchmarks.md (or FILE) back as the
# `bench: <name> <value> <unit>` lines they were made from. `make bench-table`
# feeds them to mktable.sh to rebuild the text around unchanged figures.
set -eu
awk -F'|' '/^\| (qemu|host)\./ {
    gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $3); gsub(/^ +| +$/, "", $4)
    print "bench: " $2 " " $3 " " $4
}' "${1:-$(dirname "$0")/../docs/benchmarks.md}"
