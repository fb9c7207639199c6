#!/usr/bin/env bash
# Builds the C firmware from board.memlayout with this workspace's `memlayout` command,
# boots it on QEMU `virt` and exits with the firmware's status (semihosting SYS_EXIT).
#
#   ./run.sh [--seed N] [--layout FILE] [--cpu MODEL] [--out DIR]
#
#   --seed N       add `seed = N;` to (a copy of) the layout: random, reproducible placement
#   --layout FILE  use FILE instead of board.memlayout
#   --cpu MODEL    QEMU's CPU (default cortex-a57)
#   --out DIR      build directory (default: firmware-c in Cargo's target directory:
#                  $CARGO_TARGET_DIR, or target/ in the workspace)
#
# Environment: MEMLAYOUT (the memlayout command; default: built from this workspace),
# MEMLAYOUT_QEMU, MEMLAYOUT_AARCH64_GCC (program names), MEMLAYOUT_QEMU_TIMEOUT_SECS
# (default 60). The firmware's UART output goes to standard output.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/examples/firmware-common.sh"

parse_args "$here" "$target_root/firmware-c" "$@"
prepare_layout
export_layout c "$out/memlayout.h"
export_layout ld "$out/memlayout.ld"
for table in core0_el3 core1_el3 core0_el1; do
    export_layout bin "$out/$table.bin" --table "$table"
done

"${MEMLAYOUT_AARCH64_GCC:-aarch64-linux-gnu-gcc}" \
    -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdlib -static -fno-pie -no-pie \
    -mgeneral-regs-only -mstrict-align -fno-stack-protector -fno-jump-tables \
    -fno-asynchronous-unwind-tables -fno-unwind-tables -mbranch-protection=none \
    -ffunction-sections -fdata-sections \
    -I "$out" -I "$here/src" -Wa,-I,"$out" \
    -Wl,--build-id=none -Wl,-n -Wl,--orphan-handling=error -Wl,--no-warn-rwx-segments -Wl,-L,"$out" \
    -T "$here/src/firmware.ld" \
    "$here"/src/boot.S "$here"/src/tables.S "$here"/src/monitor.c "$here"/src/kernel.c \
    "$here"/src/secondary.c \
    -o "$out/firmware.elf"

boot "$out/firmware.elf"
