#!/usr/bin/env bash
# Builds the Rust firmware (a copy of this crate, with the chosen layout as its
# board.memlayout) for aarch64-unknown-none, boots it on QEMU `virt` and exits with the
# firmware's status (semihosting SYS_EXIT).
#
#   ./run.sh [--seed N] [--layout FILE] [--cpu MODEL] [--out DIR]
#
#   --seed N       add `seed = N;` to (a copy of) the layout: random, reproducible placement
#   --layout FILE  use FILE instead of board.memlayout
#   --cpu MODEL    QEMU's CPU (default cortex-a57, which has the 4K and 64K translation
#                  granules but not 16K: a 16K layout needs one such as cortex-a76)
#   --out DIR      build directory (default: firmware-rust in Cargo's target directory:
#                  $CARGO_TARGET_DIR, or target/ in the workspace); Cargo builds in
#                  firmware/ there either way
#
# The crate uses this workspace's memlayout (the macro for its constants, the build.rs API
# for its linker-script fragment). Environment: MEMLAYOUT_QEMU (program name),
# MEMLAYOUT_QEMU_TIMEOUT_SECS (default 60). The firmware's UART output goes to standard
# output.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$root/examples/firmware-common.sh"

parse_args "$here" "$target_root/firmware-rust" "$@"
prepare_layout

# The crate is built from a copy so that the layout it includes can differ from the
# checked-in one; its path dependencies point back at this workspace.
crate="$out/crate"
rm -rf "$crate"
mkdir -p "$crate"
cp -R "$here/Cargo.toml" "$here/Cargo.lock" "$here/build.rs" "$here/link.ld" "$here/src" \
    "$here/.cargo" "$root/rust-toolchain.toml" "$crate/"
cp "$build_layout" "$crate/board.memlayout"
sed -i "s|path = \"\\.\\./\\.\\./|path = \"$root/|" "$crate/Cargo.toml"

# Every copy builds into one Cargo target directory (the dependencies are compiled once)
# as the same package, so one copy's build looks up to date to the next one unless its
# files are newer: the lock serialises the runs, and `touch` marks the copy as changed.
target="$target_root/firmware"
mkdir -p "$target"
(
    flock 9
    cd "$crate"
    find . -type f -exec touch {} +
    cargo build --quiet --release --target-dir "$target"
    cp "$target/aarch64-unknown-none/release/firmware-rust" "$out/firmware.elf"
) 9>"$target/firmware-rust.lock"

boot "$out/firmware.elf"
