#!/usr/bin/env bash
# Times the `memlayout` command (release build) on a generated layout file of N pages
# (default 10000: two tables, each with N/4 single 4K pages and N/8 runs of `4K * 2`,
# and one stack segment per run). Prints one line per command: milliseconds of wall
# time for the whole process (read, parse, check, plan, build tables, export, write),
# the best of 3 runs, and the output size.
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The binary's path as cargo reports it, wherever the target directory is
# (CARGO_TARGET_DIR, build.target-dir in a cargo config, or target/).
bin=$(cargo build -q --release -p memlayout-cli --bin memlayout --message-format=json |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
if [ ! -x "$bin" ]; then
  echo "bench_export.sh: cargo reported no memlayout binary" >&2
  exit 1
fi

file=$work/big.memlayout
{
  echo "mod big {"
  echo "    physical ram = 0x8000_0000 .. +16G;"
  for t in 0 1; do
    echo "    table t$t (core $t, EL3) {"
    echo "        virtual 0x1_0000_0000 .. +64G;"
    for ((i = 0; i < pages / 4; i++)); do echo "        page p$i : data, 4K;"; done
    for ((i = 0; i < pages / 8; i++)); do
      echo "        page r$i : data, 4K * 2;"
      echo "        segment s$i : stack, 0x400, in r$i;"
    done
    echo "    }"
  done
  echo "}"
} >"$file"
mapped=$("$bin" check "$file" | sed -E 's/.* ([0-9]+) page mappings.*/\1/')
echo "file_lines=$(wc -l <"$file") pages_mapped=$mapped"

ms() { # command..., prints the best wall time of 3 runs in ms
  local best=
  for _ in 1 2 3; do
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null
    e=$(date +%s%N)
    local d=$(((e - s) / 1000000))
    if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d; fi
  done
  echo "$best"
}

echo "command=check ms=$(ms "$bin" check "$file")"
echo "command=map ms=$(ms "$bin" map "$file") bytes=$("$bin" map "$file" | wc -c)"
for f in json c ld svg; do
  echo "command=export format=$f ms=$(ms "$bin" export "$file" --format "$f" -o "$work/out.$f") bytes=$(wc -c <"$work/out.$f")"
done
echo "command=export format=bin ms=$(ms "$bin" export "$file" --format bin --table t0 -o "$work/out.bin") bytes=$(wc -c <"$work/out.bin")"
