//! Golden outputs of `--format dts` and `--format memory-x` on the README's example
//! layout, on the `soc` example and on a TrustZone layout whose pools are secure and
//! non-secure (tests/layouts/trustzone.memlayout). Insta snapshots in tests/snapshots;
//! review changes with `cargo insta review` or re-bless with
//! `INSTA_UPDATE=always cargo test -p memlayout-cli --test golden_dts_memory_x`.

mod common;

use common::{data, memlayout};

const TRUSTZONE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/layouts/trustzone.memlayout"
);

fn text(args: &[&str]) -> String {
    let o = memlayout(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn goldens(name: &str, file: &str) {
    insta::assert_snapshot!(
        format!("{name}_dts"),
        text(&["export", file, "--format", "dts"])
    );
    insta::assert_snapshot!(
        format!("{name}_memory_x"),
        text(&["export", file, "--format", "memory-x"])
    );
}

#[test]
fn readme_example() {
    goldens("readme", &data("readme.memlayout"));
}

#[test]
fn soc_example() {
    goldens("soc", &data("soc.memlayout"));
}

#[test]
fn dual_view() {
    goldens("dual_view", &data("dual_view.memlayout"));
}

#[test]
fn trustzone() {
    goldens("trustzone", TRUSTZONE);
}

#[test]
fn one_table() {
    // Narrowed to the kernel: the pools, its own regions; in the tree, its tables and
    // the pages it shares, not the monitor's own page.
    insta::assert_snapshot!(
        "trustzone_kernel_memory_x",
        text(&[
            "export", TRUSTZONE, "--format", "memory-x", "--table", "kernel"
        ])
    );
    insta::assert_snapshot!(
        "trustzone_kernel_dts",
        text(&["export", TRUSTZONE, "--format", "dts", "--table", "kernel"])
    );
}
