//! Times `memlayout::dsl::expand` (parse, check, plan and code generation) on generated
//! layouts of 100 to 100 000 pages, spread over tables of up to 1000 pages each.
//!
//! Run with `cargo run --release --example bench_expand`. Prints one line per size and
//! placement mode: `pages=N mode=M expand_ms=X`. Seeded placement scatters pages over the
//! whole virtual range, so nearly every 4 KiB page needs a level-3 table of its own and
//! the emitted translation images are far larger than for compact, deterministic
//! placement.

use std::fmt::Write as _;
use std::time::Instant;

/// The source of a layout with `pages` pages: a quarter of the tables' pages are code,
/// the rest data, every tenth page is 2M, and each table has a few segments.
pub fn layout_source(pages: usize, seed: Option<u64>) -> String {
    let per_table = 1000.min(pages);
    let tables = pages.div_ceil(per_table);
    // Room for every page being 2M, twice over.
    let pool = (pages as u64 + 16) * 0x40_0000;
    let mut s = String::new();
    writeln!(s, "mod bench {{").unwrap();
    if let Some(seed) = seed {
        writeln!(s, "    seed = {seed};").unwrap();
    }
    writeln!(s, "    physical ram = 0x4000_0000 .. +{pool:#x};").unwrap();
    writeln!(s, "    physical mmio = 0x0900_0000 .. +16M, device;").unwrap();
    let mut left = pages;
    for t in 0..tables {
        let n = per_table.min(left);
        left -= n;
        let el = if t % 2 == 0 { "EL3" } else { "EL1_NS" };
        writeln!(s, "    table t{t} (core {}, {el}) {{", t / 2).unwrap();
        writeln!(s, "        virtual 0x1_0000_0000 .. +{pool:#x};").unwrap();
        for p in 0..n {
            let kind = if p % 4 == 0 { "code" } else { "data" };
            let size = if p % 10 == 9 { "2M" } else { "4K" };
            writeln!(s, "        page p{p} : {kind}, {size};").unwrap();
        }
        if n >= 2 {
            writeln!(s, "        segment text : code, 0x400, in p0;").unwrap();
            writeln!(s, "        segment stack : stack, 0x800, align 16, in p1;").unwrap();
        }
        writeln!(s, "    }}").unwrap();
    }
    writeln!(s, "}}").unwrap();
    s
}

fn main() {
    for (mode, seed) in [("deterministic", None), ("seeded", Some(1))] {
        for pages in [100, 1_000, 10_000, 100_000] {
            let src = layout_source(pages, seed);
            let tokens = src.parse().expect("the generated source lexes");
            let start = Instant::now();
            let out = memlayout::dsl::expand(tokens);
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            let text = out.to_string();
            assert!(
                !text.contains("compile_error"),
                "the generated layout has errors"
            );
            println!("pages={pages} mode={mode} expand_ms={ms:.1}");
        }
    }
}
