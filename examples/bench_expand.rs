//! Times `memlayout::dsl::expand` (parse, check, plan and code generation) on generated
//! layouts of several shapes, each at a size N and at 2N, and prints the ratio of the two
//! times: about 2 means linear cost, about 4 quadratic.
//!
//! Run with `cargo run --release --example bench_expand`. Prints one line per shape:
//! `shape=S n=N ms=X n2=2N ms2=Y ratio=R`, where N counts what the shape's name says
//! (pages, tables, segments or characters of a name). Shapes:
//!
//! * `pages`, `seeded`: N pages over tables of up to 1000 pages each (a quarter code,
//!   every tenth 2M, a few segments per table), deterministic or seeded placement. Seeded
//!   placement scatters pages over the whole virtual range, so nearly every 4 KiB page
//!   needs a level-3 table of its own.
//! * `fixed_pages`: one table of N pages at fixed VA and PA.
//! * `tables_x100`: N tables of 100 pages each.
//! * `page_run`: one page `4K * N`.
//! * `shared_tables`: N tables, one shared page listing every table, 100 shared
//!   segments in it.
//! * `segments_in`: one table of N pages and N segments, each `in` its own page.
//! * `aliases`: one table of N pages and N aliases of them.
//! * `bad_in` (error path): N pages and N segments each `in` a page that does not exist.
//! * `long_names` (error path): a page and a segment `in` another page, both names N
//!   characters long.

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

/// One table of `n` 4K pages at fixed VA and PA.
fn fixed_pages(n: usize) -> String {
    // Room for the pages and, after them, their translation tables.
    let bytes = (n as u64 + 16) * 0x1000 * 2;
    let mut s = String::from("mod bench {\n");
    writeln!(s, "    physical ram = 0x4000_0000 .. +{bytes:#x};").unwrap();
    writeln!(s, "    tables in ram;").unwrap();
    writeln!(s, "    table t0 (core 0, EL3) {{").unwrap();
    writeln!(s, "        virtual 0x1_0000_0000 .. +{bytes:#x};").unwrap();
    for p in 0..n as u64 {
        let (va, pa) = (0x1_0000_0000 + p * 0x1000, 0x4000_0000 + p * 0x1000);
        writeln!(s, "        page p{p} : data, 4K, va {va:#x}, pa {pa:#x};").unwrap();
    }
    s.push_str("    }\n}\n");
    s
}

/// `n` tables of 100 pages each.
fn tables_x100(n: usize) -> String {
    // Room for the pages and every table's translation tables.
    let pool = (n as u64 * 120 + 16) * 0x1000;
    let mut s = String::from("mod bench {\n");
    writeln!(s, "    physical ram = 0x4000_0000 .. +{pool:#x};").unwrap();
    for t in 0..n {
        writeln!(s, "    table t{t} (core {t}, EL3) {{").unwrap();
        writeln!(s, "        virtual 0x1_0000_0000 .. +{pool:#x};").unwrap();
        for p in 0..100 {
            writeln!(s, "        page p{p} : data, 4K;").unwrap();
        }
        s.push_str("    }\n");
    }
    s.push_str("}\n");
    s
}

/// One run of `n` 4K pages.
fn page_run(n: usize) -> String {
    let pool = (n as u64 + 16) * 0x1000;
    format!(
        "mod bench {{
            physical ram = 0x4000_0000 .. +{pool:#x};
            table t0 (core 0, EL3) {{
                virtual 0x1_0000_0000 .. +{pool:#x};
                page run : data, 4K * {n};
            }}
        }}"
    )
}

/// `n` tables, one shared page in all of them, 100 shared segments in that page.
fn shared_tables(n: usize) -> String {
    let mut s = String::from("mod bench {\n    physical ram = 0x4000_0000 .. +4G;\n");
    for t in 0..n {
        writeln!(
            s,
            "    table t{t} (core {t}, EL3) {{ virtual 0x8000_0000 .. +1G; }}"
        )
        .unwrap();
    }
    let list: Vec<String> = (0..n).map(|t| format!("t{t}")).collect();
    writeln!(
        s,
        "    shared page mb : data, 2M, tables [{}];",
        list.join(", ")
    )
    .unwrap();
    for i in 0..100 {
        writeln!(s, "    shared segment s{i} : data_shared, 0x100, in mb;").unwrap();
    }
    s.push_str("}\n");
    s
}

/// One table of `n` pages and `n` more declarations made by `extra(i)`.
fn pages_and(n: usize, extra: impl Fn(usize) -> String) -> String {
    let pool = (2 * n as u64 + 16) * 0x1000;
    let mut s = String::from("mod bench {\n");
    writeln!(s, "    physical ram = 0x4000_0000 .. +{pool:#x};").unwrap();
    writeln!(s, "    table t0 (core 0, EL3) {{").unwrap();
    writeln!(s, "        virtual 0x1_0000_0000 .. +{:#x};", 2 * pool).unwrap();
    for i in 0..n {
        writeln!(s, "        page p{i} : data, 4K;").unwrap();
    }
    for i in 0..n {
        writeln!(s, "        {}", extra(i)).unwrap();
    }
    s.push_str("    }\n}\n");
    s
}

fn segments_in(n: usize) -> String {
    pages_and(n, |i| format!("segment s{i} : stack, 0x100, in p{i};"))
}

fn aliases(n: usize) -> String {
    pages_and(n, |i| format!("page a{i} : data, alias p{i};"))
}

fn bad_in(n: usize) -> String {
    pages_and(n, |i| format!("segment s{i} : stack, 0x100, in q{i};"))
}

/// A page and a segment `in` another page, both names `n` characters long.
fn long_names(n: usize) -> String {
    let page = format!("p{}", "a".repeat(n - 1));
    let other = format!("q{}", "b".repeat(n - 1));
    format!(
        "mod bench {{
            physical ram = 0x4000_0000 .. +1G;
            table t0 (core 0, EL3) {{
                virtual 0x1_0000_0000 .. +1G;
                page {page} : data, 4K;
                segment s : stack, 0x100, in {other};
            }}
        }}"
    )
}

/// Milliseconds one expansion of `src` takes; checks whether it has errors as expected.
fn time(src: &str, errors: bool) -> f64 {
    let tokens = src.parse().expect("the generated source lexes");
    let start = Instant::now();
    let out = memlayout::dsl::expand(tokens);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let text = out.to_string();
    if text.contains("compile_error") != errors {
        let at = text.find("compile_error").unwrap_or(0);
        let end = text.len().min(at + 300);
        panic!(
            "the generated layout's errors are not as expected: {}",
            &text[at..end]
        );
    }
    ms
}

/// A shape: name, N, source for a size, whether its expansion reports errors.
type Shape = (&'static str, usize, fn(usize) -> String, bool);

fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    let shapes: [Shape; 10] = [
        ("pages", 10_000, |n| layout_source(n, None), false),
        ("seeded", 10_000, |n| layout_source(n, Some(1)), false),
        ("fixed_pages", 10_000, fixed_pages, false),
        ("tables_x100", 50, tables_x100, false),
        ("page_run", 100_000, page_run, false),
        ("shared_tables", 50, shared_tables, false),
        ("segments_in", 10_000, segments_in, false),
        ("aliases", 10_000, aliases, false),
        ("bad_in", 5_000, bad_in, true),
        ("long_names", 20_000, long_names, true),
    ];
    for (name, n, source, errors) in shapes {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        // One untimed run warms the allocator and caches.
        time(&source(n / 10), errors);
        let ms = time(&source(n), errors);
        let ms2 = time(&source(2 * n), errors);
        println!(
            "shape={name} n={n} ms={ms:.1} n2={} ms2={ms2:.1} ratio={:.2}",
            2 * n,
            ms2 / ms
        );
    }
}
