//! Writes the user crates that measure what `memory_layout!` adds to a build:
//! `with_macro` declares a 1000-page layout with the macro, `pasted` holds the same
//! expansion pasted as plain `const` items, and `large` declares a 20,000-page layout
//! with the macro. `scripts/bench_build_cost.sh` builds and times them.
//!
//! Usage: `cargo run --example build_cost_inputs -- OUT_DIR`.

use std::fmt::Write as _;
use std::path::Path;

fn layout_body(pages: usize) -> String {
    let tables = 4;
    let per_table = pages / tables;
    let mut s = String::new();
    writeln!(s, "pub mod soc {{").unwrap();
    writeln!(s, "    seed = 7;").unwrap();
    writeln!(s, "    physical ram = 0x8000_0000 .. +4G;").unwrap();
    writeln!(s, "    physical mmio = 0x0900_0000 .. +16M, device;").unwrap();
    for t in 0..tables {
        let el = if t % 2 == 0 { "EL3" } else { "EL1_NS" };
        writeln!(s, "    table t{t} (core {}, {el}) {{", t / 2).unwrap();
        writeln!(s, "        virtual 0x1_0000_0000 .. +4G;").unwrap();
        for p in 0..per_table {
            let kind = if p % 4 == 0 { "code" } else { "data" };
            let size = if p % 10 == 9 { "2M" } else { "4K" };
            writeln!(s, "        page p{p} : {kind}, {size};").unwrap();
        }
        writeln!(s, "        segment stack : stack, 0x800, align 16, in p1;").unwrap();
        writeln!(s, "    }}").unwrap();
    }
    writeln!(s, "}}").unwrap();
    s
}

fn write_crate(dir: &Path, name: &str, deps: &str, lib: &str) {
    std::fs::create_dir_all(dir.join("src")).expect("create crate dir");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{deps}\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write manifest");
    std::fs::write(dir.join("src/lib.rs"), lib).expect("write lib.rs");
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .expect("usage: build_cost_inputs OUT_DIR");
    let out = Path::new(&out);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let body = layout_body(1000);
    let tokens = body.parse().expect("the layout lexes");
    let expanded = memlayout::dsl::expand(tokens).to_string();
    assert!(!expanded.contains("compile_error"), "the layout has errors");
    let memlayout = root.join("memlayout");
    write_crate(
        &out.join("with_macro"),
        "with_macro",
        &format!(
            "memlayout = {{ path = {:?}, features = [\"macros\"] }}\n",
            memlayout
        ),
        &format!("memlayout::memory_layout! {{\n{body}}}\n"),
    );
    write_crate(
        &out.join("pasted"),
        "pasted",
        &format!("memlayout = {{ path = {:?} }}\n", memlayout),
        &format!("{expanded}\n"),
    );
    write_crate(
        &out.join("large"),
        "large",
        &format!(
            "memlayout = {{ path = {:?}, features = [\"macros\"] }}\n",
            memlayout
        ),
        &format!("memlayout::memory_layout! {{\n{}}}\n", layout_body(20_000)),
    );
    println!("wrote {}", out.display());
}
