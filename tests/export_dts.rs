//! The device-tree export in the real device-tree compiler: for every layout of the
//! repository, `dtc -I dts -O dtb` compiles the fragment without a warning (alone, and
//! included at the top of a board's source), and the blob, decompiled, holds exactly
//! the addresses the planned layout gives: `/memory` nodes for the normal world's RAM
//! pools, and `/reserved-memory` nodes that cover, byte for byte and with `no-map`
//! where the rules of `memlayout::export::dts` say, the secure pools, the firmware's
//! pages and the translation tables in that RAM, and nothing else.
//!
//! The expected ranges are worked out here from the plan, page by page (not from the
//! export's merged runs). Needs `dtc` (Debian's `device-tree-compiler`, or the program
//! named by `MEMLAYOUT_DTC`); without it the tests are ignored, unless
//! `MEMLAYOUT_REQUIRE_QEMU=1` (as CI sets), when they run and fail.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use memlayout::dsl::file::{Planned, plan_text};
use memlayout::export::{Input, dts::dts};
use memlayout::{Cacheability, Page, SecurityState, Shareability};

fn dtc() -> std::ffi::OsString {
    std::env::var_os("MEMLAYOUT_DTC").unwrap_or_else(|| "dtc".into())
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The body of the first `memory_layout! { .. }` in `source`.
fn macro_body(source: &str) -> String {
    let open = source
        .find("memory_layout! {")
        .expect("a memory_layout! invocation")
        + 15;
    let mut depth = 0;
    for (i, c) in source[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return source[open + 1..open + i].to_string();
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced braces");
}

/// (name, layout text) of every layout in the repository worth a device tree.
fn layouts() -> Vec<(&'static str, String)> {
    let read =
        |p: &str| std::fs::read_to_string(root().join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    vec![
        ("readme", macro_body(&read("README.md"))),
        ("soc", macro_body(&read("examples/soc.rs"))),
        ("board", read("tests/layouts/board.memlayout")),
        ("virt4", read("tests/layouts/virt4.memlayout")),
        (
            "trustzone",
            read("memlayout-cli/tests/layouts/trustzone.memlayout"),
        ),
        (
            "firmware-rust",
            read("examples/firmware-rust/board.memlayout"),
        ),
    ]
}

fn plan(name: &str, text: &str) -> Planned {
    plan_text(text).unwrap_or_else(|d| panic!("{name} does not plan: {d:?}"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("memlayout-dts-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs dtc with `args` in `dir`; panics unless it succeeds; returns (stdout, stderr).
fn run_dtc(dir: &Path, args: &[&str]) -> (String, String) {
    let o = Command::new(dtc())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dtc: {e}"));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "dtc {args:?} failed:\n{stderr}");
    (stdout, stderr)
}

/// A node of the decompiled tree: its path, its `reg` as (address, size) pairs, and
/// its other properties as written.
#[derive(Debug, Default)]
struct Node {
    path: String,
    reg: Vec<(u64, u64)>,
    props: Vec<String>,
}

/// The nodes of `dtc -O dts` output (one property or node per line).
fn nodes(source: &str) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for line in source.lines().map(str::trim) {
        if let Some(name) = line.strip_suffix(" {") {
            let parent = stack.last().map_or("", |&i| out[i].path.as_str());
            let path = match (parent, name) {
                ("", "/") => "/".to_string(),
                ("/", n) => format!("/{n}"),
                (p, n) => format!("{p}/{n}"),
            };
            out.push(Node {
                path,
                ..Node::default()
            });
            stack.push(out.len() - 1);
        } else if line == "};" {
            stack.pop();
        } else if let Some(&i) = stack.last() {
            if let Some(cells) = line
                .strip_prefix("reg = <")
                .and_then(|l| l.strip_suffix(">;"))
            {
                let cells: Vec<u64> = cells
                    .split_whitespace()
                    .map(|c| u64::from_str_radix(c.trim_start_matches("0x"), 16).unwrap())
                    .collect();
                assert_eq!(cells.len() % 4, 0, "{line}");
                out[i].reg = cells
                    .chunks(4)
                    .map(|c| (c[0] << 32 | c[1], c[2] << 32 | c[3]))
                    .collect();
            } else if !line.is_empty() {
                out[i].props.push(line.to_string());
            }
        }
    }
    out
}

/// A byte range `first ..= last` with its `no-map`.
type Piece = (u64, u64, bool);

/// The `/reserved-memory` the rules ask for, as (first, last, no-map) pieces that may
/// overlap (a byte is `no-map` when any piece covering it is), and the `/memory`
/// ranges (start, size), sorted.
fn expected(p: &Planned) -> (Vec<(u64, u64)>, Vec<Piece>) {
    let plan = p.plan();
    let layout = plan.layout();
    let pools = layout.pools();
    let modelled = pools.iter().any(|p| p.is_non_secure());
    let normal: Vec<(u64, u64)> = pools
        .iter()
        .filter(|p| !p.is_device() && (!modelled || p.is_non_secure()))
        .map(|p| (p.range().start(), p.range().last()))
        .collect();
    let in_normal = |first: u64, last: u64| normal.iter().any(|&(s, l)| s <= first && last <= l);
    let mut memory: Vec<(u64, u64)> = normal.iter().map(|&(s, l)| (s, l - s + 1)).collect();
    memory.sort();
    let mut pieces = Vec::new();
    for pool in pools {
        if modelled && !pool.is_device() && !pool.is_non_secure() {
            pieces.push((pool.range().start(), pool.range().last(), true));
        }
    }
    let ns = |pg: &Page| pg.el().security() == SecurityState::NonSecure;
    let pages = layout.all_pages();
    for page in pages {
        let (first, last) = (page.pa(), page.pa() + (page.size() - 1));
        if !in_normal(first, last) {
            continue;
        }
        let users: Vec<&Page> = pages
            .iter()
            .filter(|o| o.pa() <= last && first <= o.pa() + (o.size() - 1))
            .collect();
        if users.iter().all(|u| ns(u)) {
            continue;
        }
        let mappable = users.iter().any(|u| ns(u))
            && users.iter().all(|u| {
                u.cacheability() == Some(Cacheability::WriteBack)
                    && u.shareability() == Some(Shareability::Inner)
            });
        pieces.push((first, last, !mappable));
    }
    let mut tables = Vec::new();
    for t in 0..layout.tables().count() {
        let tr = plan.translation(t).unwrap();
        let info = layout.table_info(plan.table_id(t).unwrap()).unwrap();
        let (first, last) = (tr.base_pa(), tr.base_pa() + (tr.len() as u64 - 1));
        tables.push((first, last));
        if in_normal(first, last) {
            pieces.push((
                first,
                last,
                info.el().security() != SecurityState::NonSecure,
            ));
        }
    }
    // The rest of every reservation, one 4 KiB granule at a time (reservations are
    // whole granules).
    for (_, r) in layout.reservations() {
        if !in_normal(r.start(), r.last()) {
            continue;
        }
        let mut at = r.start();
        while at <= r.last() {
            if !tables.iter().any(|&(s, l)| s <= at && at <= l) {
                pieces.push((at, at + 0xFFF, true));
            }
            at += 0x1000;
        }
    }
    (memory, pieces)
}

/// For every stretch between two boundaries of `a` or `b`: the `no-map` of each side,
/// `None` where it reserves nothing; the stretches where they differ.
fn differences(a: &[Piece], b: &[Piece]) -> Vec<String> {
    let mut cuts: BTreeSet<u128> = BTreeSet::new();
    for &(s, l, _) in a.iter().chain(b) {
        cuts.insert(u128::from(s));
        cuts.insert(u128::from(l) + 1);
    }
    let cuts: Vec<u128> = cuts.into_iter().collect();
    let flag = |set: &[Piece], at: u128| -> Option<bool> {
        let covering: Vec<bool> = set
            .iter()
            .filter(|&&(s, l, _)| u128::from(s) <= at && at <= u128::from(l))
            .map(|p| p.2)
            .collect();
        (!covering.is_empty()).then(|| covering.contains(&true))
    };
    cuts.windows(2)
        .filter_map(|w| {
            let (x, y) = (flag(a, w[0]), flag(b, w[0]));
            (x != y).then(|| format!("{:#x}..{:#x}: expected {x:?}, found {y:?}", w[0], w[1]))
        })
        .collect()
}

#[test]
#[cfg_attr(memlayout_no_dtc, ignore = "install device-tree-compiler")]
fn every_layout_compiles_and_holds_the_plans_addresses() {
    for (name, text) in layouts() {
        let planned = plan(name, &text);
        let source = dts(&Input::new(planned.module(), planned.plan()));
        let dir = scratch(name);
        std::fs::write(dir.join("layout.dts"), &source).unwrap();
        let (_, warnings) = run_dtc(
            &dir,
            &["-I", "dts", "-O", "dtb", "-o", "layout.dtb", "layout.dts"],
        );
        assert_eq!(warnings, "", "{name}: dtc warns on\n{source}");
        let (back, _) = run_dtc(&dir, &["-I", "dtb", "-O", "dts", "layout.dtb"]);
        let tree = nodes(&back);
        let root = tree.iter().find(|n| n.path == "/").expect("a root node");
        assert!(
            root.props.contains(&"#address-cells = <0x02>;".into()),
            "{back}"
        );
        assert!(
            root.props.contains(&"#size-cells = <0x02>;".into()),
            "{back}"
        );
        let resv = tree
            .iter()
            .find(|n| n.path == "/reserved-memory")
            .expect("a /reserved-memory node");
        for p in [
            "#address-cells = <0x02>;",
            "#size-cells = <0x02>;",
            "ranges;",
        ] {
            assert!(resv.props.contains(&p.into()), "{name}: {p} in\n{back}");
        }

        let (memory, want) = expected(&planned);
        let mut found_memory: Vec<(u64, u64)> = Vec::new();
        let mut found: Vec<Piece> = Vec::new();
        for n in &tree {
            let Some((parent, unit)) = n.path.rsplit_once('/') else {
                continue;
            };
            let Some((_, addr)) = unit.split_once('@') else {
                continue;
            };
            // The unit address is the first address of `reg`, in hex.
            assert_eq!(n.reg.len(), 1, "{name}: {}", n.path);
            assert_eq!(addr, format!("{:x}", n.reg[0].0), "{name}: {}", n.path);
            let (start, size) = n.reg[0];
            match parent {
                "" => {
                    assert!(unit.starts_with("memory@"), "{name}: {}", n.path);
                    assert_eq!(n.props, ["device_type = \"memory\";"], "{name}: {}", n.path);
                    found_memory.push((start, size));
                }
                "/reserved-memory" => {
                    let no_map = n.props.iter().any(|p| p == "no-map;");
                    assert!(
                        n.props.iter().all(|p| p == "no-map;"),
                        "{name}: {} has {:?}",
                        n.path,
                        n.props
                    );
                    found.push((start, start + (size - 1), no_map));
                }
                other => panic!("{name}: unexpected node {other}/{unit}"),
            }
        }
        found_memory.sort();
        assert_eq!(found_memory, memory, "{name}: /memory in\n{source}");
        // Reserved nodes never overlap; touching ones differ in no-map or pool.
        found.sort();
        for w in found.windows(2) {
            assert!(w[0].1 < w[1].0, "{name}: overlapping nodes in\n{source}");
        }
        let diff = differences(&want, &found);
        assert!(
            diff.is_empty(),
            "{name}: /reserved-memory differs from the plan:\n{}\n{source}",
            diff.join("\n")
        );
    }
}

#[test]
#[cfg_attr(memlayout_no_dtc, ignore = "install device-tree-compiler")]
fn a_board_source_includes_it_first() {
    let text =
        std::fs::read_to_string(root().join("memlayout-cli/tests/layouts/trustzone.memlayout"))
            .unwrap();
    let planned = plan("trustzone", &text);
    let dir = scratch("board");
    std::fs::write(
        dir.join("tz.dts"),
        dts(&Input::new(planned.module(), planned.plan())),
    )
    .unwrap();
    std::fs::write(
        dir.join("board.dts"),
        "/dts-v1/;\n/include/ \"tz.dts\"\n\n/ {\n\tmodel = \"QEMU virt with TrustZone\";\n\tcompatible = \"linux,dummy-virt\";\n\n\tchosen {\n\t\tstdout-path = \"/pl011@9000000\";\n\t};\n\n\tpl011@9000000 {\n\t\tcompatible = \"arm,pl011\", \"arm,primecell\";\n\t\treg = <0x0 0x9000000 0x0 0x1000>;\n\t};\n};\n",
    )
    .unwrap();
    let (_, warnings) = run_dtc(
        &dir,
        &["-I", "dts", "-O", "dtb", "-o", "board.dtb", "board.dts"],
    );
    assert_eq!(warnings, "");
    let (back, _) = run_dtc(&dir, &["-I", "dtb", "-O", "dts", "board.dtb"]);
    let tree = nodes(&back);
    let paths: Vec<&str> = tree.iter().map(|n| n.path.as_str()).collect();
    for p in [
        "/memory@40000000",
        "/reserved-memory",
        "/reserved-memory/sram@e000000",
        "/pl011@9000000",
        "/chosen",
    ] {
        assert!(paths.contains(&p), "{p} in {paths:?}");
    }
    let root = tree.iter().find(|n| n.path == "/").unwrap();
    assert!(
        root.props
            .contains(&"model = \"QEMU virt with TrustZone\";".into())
    );
}
