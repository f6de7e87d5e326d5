#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# qemu-run.sh [--fresh] [--timeout S] STORE.img KERNEL.elf [QEMU args...]:
# boot a kernel image on QEMU virt (the one QEMU command line of make run,
# run-fresh, gdb, test-qemu and bench-qemu) with STORE.img attached as the
# store: a raw image on a virtio-blk device. The image is created empty
# (sparse, TETHER_STORE_MIB MiB, default 64) if it does not exist; --fresh
# recreates it first. --timeout S: stop QEMU after S seconds if it has not
# powered off, with a message, and exit 124 (make run). virtio-mmio.force-
# legacy=false: QEMU 7.2 offers legacy (version 1) virtio-mmio by default;
# the driver speaks virtio 1.x (kernel/arch/riscv64/virtio_blk.c).
set -eu
fresh=0 limit=
while :; do
    case "${1:-}" in
    --fresh) fresh=1; shift ;;
    --timeout) limit=$2; shift 2 ;;
    *) break ;;
    esac
done
store=$1 kernel=$2
shift 2
if [ "$fresh" = 1 ] || [ ! -e "$store" ]; then
    mkdir -p "$(dirname "$store")"
    rm -f "$store"
    truncate -s "${TETHER_STORE_MIB:-64}M" "$store"
fi
set -- qemu-system-riscv64 -machine virt -bios default -nographic -m 256M -smp 1 \
    -global virtio-mmio.force-legacy=false \
    -drive file="$store",if=none,format=raw,id=store -device virtio-blk-device,drive=store \
    "$@" -kernel "$kernel"
[ -n "$limit" ] || exec "$@"
status=0
timeout --foreground "$limit" "$@" || status=$?
if [ "$status" -eq 124 ]; then
    echo
    echo "qemu-run: QEMU did not power off within $limit s: stopped (the kernel's last lines say why;"
    echo "qemu-run: RUN_TIMEOUT=seconds waits longer)"
fi
exit "$status"
