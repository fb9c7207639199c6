#!/usr/bin/env bash
# Builds the kernel (a copy of this crate, with the chosen layout as its
# kernel.memlayout) for aarch64-unknown-none, boots it on QEMU `virt` (`-cpu max`, no EL3
# or EL2: the image is entered at EL1) and exits with the kernel's status (semihosting
# SYS_EXIT): 139 when its last process was killed by a fault, as in a normal run.
#
#   ./run.sh [--seed N] [--layout FILE] [--cpu MODEL] [--out DIR]
#
#   --seed N       add `seed = N;` to (a copy of) the layout: random, reproducible placement
#   --layout FILE  use FILE instead of kernel.memlayout
#   --cpu MODEL    QEMU's CPU (default max)
#   --out DIR      build directory (default: kernel in Cargo's target directory:
#                  $CARGO_TARGET_DIR, or target/ in the workspace); Cargo builds in
#                  firmware/ there either way
#
# The crate uses this workspace's memlayout (the macro for its constants, the build.rs API
# for its linker-script fragment). Environment: MEMLAYOUT_QEMU (program name),
# MEMLAYOUT_QEMU_TIMEOUT_SECS (default 60). The kernel's UART output goes to standard
# output.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
layout_file=kernel.memlayout
. "$root/examples/firmware-common.sh"

parse_args "$here" "$target_root/kernel" "$@"
prepare_layout

# The crate is built from a copy so that the layout it includes can differ from the
# checked-in one; its path dependencies point back at this workspace.
crate="$out/crate"
rm -rf "$crate"
mkdir -p "$crate"
cp -R "$here/Cargo.toml" "$here/Cargo.lock" "$here/build.rs" "$here/link.ld" "$here/src" \
    "$here/.cargo" "$root/rust-toolchain.toml" "$crate/"
cp "$build_layout" "$crate/kernel.memlayout"
sed -i "s|path = \"\\.\\./\\.\\./|path = \"$root/|" "$crate/Cargo.toml"

# Every copy builds into one Cargo target directory shared with the Rust firmware
# example (the dependencies are compiled once) as the same package, so one copy's build
# looks up to date to the next one unless its files are newer: the lock serialises the
# runs, and `touch` marks the copy as changed.
target="$target_root/firmware"
mkdir -p "$target"
(
    flock 9
    cd "$crate"
    find . -type f -exec touch {} +
    cargo build --quiet --release --target-dir "$target"
    cp "$target/aarch64-unknown-none/release/kernel" "$out/kernel.elf"
) 9>"$target/kernel.lock"

# One core of the `max` CPU (16-bit ASIDs).
boot "$out/kernel.elf" virt max 1
