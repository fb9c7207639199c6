//! Golden outputs of every format on the README's example layout and on the `soc`
//! example, whose layouts tests/data holds (insta snapshots in tests/snapshots; review
//! changes with `cargo insta review` or re-bless with
//! `INSTA_UPDATE=always cargo test -p memlayout-cli --test golden`).

mod common;

use common::{data, memlayout};

fn run(args: &[&str]) -> Vec<u8> {
    let o = memlayout(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn text(args: &[&str]) -> String {
    String::from_utf8(run(args)).unwrap()
}

/// The image as its non-zero descriptors, `table[index] = value`, one per line.
fn descriptors(image: &[u8]) -> String {
    assert_eq!(image.len() % 4096, 0);
    let mut out = format!("{} tables\n", image.len() / 4096);
    for (i, d) in image.chunks_exact(8).enumerate() {
        let v = u64::from_le_bytes(d.try_into().unwrap());
        if v != 0 {
            out.push_str(&format!("{}[{}] = {v:#018x}\n", i / 512, i % 512));
        }
    }
    out
}

fn goldens(name: &str, file: &str, tables: &[&str]) {
    insta::assert_snapshot!(format!("{name}_map"), text(&["map", file]));
    insta::assert_snapshot!(
        format!("{name}_json"),
        text(&["export", file, "--format", "json"])
    );
    insta::assert_snapshot!(
        format!("{name}_c"),
        text(&["export", file, "--format", "c"])
    );
    insta::assert_snapshot!(
        format!("{name}_ld"),
        text(&["export", file, "--format", "ld"])
    );
    insta::assert_snapshot!(
        format!("{name}_svg"),
        text(&["export", file, "--format", "svg"])
    );
    for t in tables {
        let image = run(&["export", file, "--format", "bin", "--table", t]);
        insta::assert_snapshot!(format!("{name}_bin_{t}"), descriptors(&image));
    }
}

#[test]
fn readme_example() {
    goldens(
        "readme",
        &data("readme.memlayout"),
        &["core0_el3", "core0_el1"],
    );
}

/// A GIC in both physical address spaces: the map, JSON, C header, SVG and linker
/// fragment show the pool and each table's view.
#[test]
fn dual_view_example() {
    goldens(
        "dual_view",
        &data("dual_view.memlayout"),
        &["mon", "kernel"],
    );
}

#[test]
fn soc_example() {
    goldens(
        "soc",
        &data("soc.memlayout"),
        &["core0_el3", "core0_el1", "core1_el3", "core1_el1"],
    );
}
