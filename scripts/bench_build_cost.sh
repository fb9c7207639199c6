#!/usr/bin/env bash
# Measures what memory_layout! adds to a user's build: a crate declaring a 1000-page
# layout with the macro against the same crate with the expansion pasted as plain
# consts (release; each build starts from a clean target directory; seconds and the
# ratio, for a full clean build, dependencies included, and for the user crate alone,
# dependencies already built); then a crate declaring a 20,000-page layout: its release
# build (crate alone) and its first incremental dev build (crate alone).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run -q --example build_cost_inputs -- "$work" >/dev/null

build() { # crate, then prints seconds
  local dir=$work/$1
  local start end
  start=$(date +%s.%N)
  cargo build -q --release --manifest-path "$dir/Cargo.toml" --target-dir "$dir/target"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

for crate in with_macro pasted; do
  rm -rf "$work/$crate/target"
  full=$(build $crate)
  # Rebuild only the user crate: its dependencies stay built.
  cargo clean -q --release -p $crate --manifest-path "$work/$crate/Cargo.toml" --target-dir "$work/$crate/target"
  own=$(build $crate)
  echo "crate=$crate clean_build_s=$full crate_only_s=$own"
  eval "${crate}_full=$full; ${crate}_own=$own"
done
awk -v a="$with_macro_full" -v b="$pasted_full" 'BEGIN { printf "ratio_clean_build=%.2f\n", a / b }'
awk -v a="$with_macro_own" -v b="$pasted_own" 'BEGIN { printf "ratio_crate_only=%.2f\n", a / b }'

# The 20,000-page layout. Release, crate alone; then dev (incremental), crate alone.
build large >/dev/null
cargo clean -q --release -p large --manifest-path "$work/large/Cargo.toml" --target-dir "$work/large/target"
large_release=$(build large)
cargo build -q --manifest-path "$work/large/Cargo.toml" --target-dir "$work/large/target"
cargo clean -q -p large --manifest-path "$work/large/Cargo.toml" --target-dir "$work/large/target"
start=$(date +%s.%N)
cargo build -q --manifest-path "$work/large/Cargo.toml" --target-dir "$work/large/target"
end=$(date +%s.%N)
large_dev=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
echo "crate=large pages=20000 release_crate_only_s=$large_release dev_incremental_crate_only_s=$large_dev"
