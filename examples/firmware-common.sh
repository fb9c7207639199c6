# Shared by examples/firmware-c/run.sh and examples/firmware-rust/run.sh (sourced).

# Where builds go: Cargo's target directory, $CARGO_TARGET_DIR when set (made absolute),
# else target/ in the workspace.
if [[ -n ${CARGO_TARGET_DIR:-} ]]; then
    mkdir -p "$CARGO_TARGET_DIR"
    target_root=$(cd "$CARGO_TARGET_DIR" && pwd)
else
    target_root="$root/target"
fi

die() {
    echo "run.sh: $*" >&2
    exit 2
}

# parse_args EXAMPLE_DIR DEFAULT_OUT ARGS...: sets layout, seed, cpu (empty: the example's
# default), out. The example's layout is EXAMPLE_DIR/$layout_file (default board.memlayout).
parse_args() {
    local example=$1
    out=$2
    shift 2
    layout="$example/${layout_file:-board.memlayout}"
    seed=""
    cpu=""
    while (($#)); do
        case $1 in
        --seed)
            (($# >= 2)) || die "--seed needs a number, as in --seed 7"
            [[ $2 =~ ^([0-9][0-9_]*|0x[0-9a-fA-F_]+)$ ]] ||
                die "--seed takes an integer (decimal or 0x hex), not \`$2\`"
            seed=$2
            shift 2
            ;;
        --layout)
            (($# >= 2)) || die "--layout needs a file"
            [[ -f $2 ]] || die "no layout file \`$2\`"
            layout=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
            shift 2
            ;;
        --cpu)
            (($# >= 2)) || die "--cpu needs a QEMU CPU model, as in --cpu cortex-a76"
            [[ $2 =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "--cpu takes a QEMU CPU model name, not \`$2\`"
            cpu=$2
            shift 2
            ;;
        --out)
            (($# >= 2)) || die "--out needs a directory"
            out=$2
            shift 2
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument \`$1\`; see --help" ;;
        esac
    done
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
}

# prepare_layout: copies the layout into $out, as $layout_file (adding `seed = N;` after
# the module header when asked); the checked-in file is never edited. Sets build_layout.
prepare_layout() {
    build_layout="$out/${layout_file:-board.memlayout}"
    if [[ -n $seed ]]; then
        grep -q '^[[:space:]]*\(pub[[:space:]]\+\)\{0,1\}mod[[:space:]]\+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*{' "$layout" ||
            die "cannot find \`mod NAME {\` in $layout to add the seed to"
        sed '0,/^[[:space:]]*\(pub[[:space:]]\+\)\{0,1\}mod[[:space:]]\+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*{/s//&\n    seed = '"$seed"';/' \
            "$layout" >"$build_layout.tmp"
    else
        cp "$layout" "$build_layout.tmp"
    fi
    mv "$build_layout.tmp" "$build_layout"
}

# memlayout ARGS...: this workspace's `memlayout` command (or $MEMLAYOUT).
memlayout() {
    if [[ -n ${MEMLAYOUT:-} ]]; then
        "$MEMLAYOUT" "$@"
    else
        cargo run --quiet --manifest-path "$root/Cargo.toml" --target-dir "$target_root/firmware" \
            -p memlayout-cli --bin memlayout -- "$@"
    fi
}

# export_layout FORMAT OUTPUT [ARGS...]
export_layout() {
    local format=$1 output=$2
    shift 2
    memlayout export "$build_layout" --format "$format" "$@" -o "$output"
}

# boot ELF [MACHINE CPU CORES]: QEMU MACHINE (default `virt,secure=on,virtualization=on`:
# the cores start at EL3) with CORES cores (default 2) of CPU (--cpu when given, else CPU,
# else cortex-a57); prints the UART, returns the firmware's status.
boot() {
    local status=0
    timeout --foreground "${MEMLAYOUT_QEMU_TIMEOUT_SECS:-60}" \
        "${MEMLAYOUT_QEMU:-qemu-system-aarch64}" \
        -M "${2:-virt,secure=on,virtualization=on}" -cpu "${cpu:-${3:-cortex-a57}}" -smp "${4:-2}" -m 256M \
        -nographic -monitor none -serial stdio -semihosting \
        -kernel "$1" </dev/null || status=$?
    if ((status == 124)); then
        echo "run.sh: QEMU did not finish within ${MEMLAYOUT_QEMU_TIMEOUT_SECS:-60} s" >&2
    fi
    exit "$status"
}
