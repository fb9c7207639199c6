//! Allocation benchmark: maps N 4 KiB pages into one table whose VA and PA pools are
//! 1 TiB each, deterministically and with a seed, and prints the cost per allocation.
//!
//! Run with `cargo run --release --example bench_alloc`. Compare the figures of one run
//! with each other (ratios), not with another machine's.

use std::hint::black_box;
use std::time::Instant;

use memlayout::{ExecutionContext, Layout, PageKind, PageRequest, PageSize, Pool};

const TIB: u64 = 1 << 40;

fn run(n: usize, seed: Option<u64>) -> f64 {
    let mut layout = match seed {
        Some(s) => Layout::with_seed(s),
        None => Layout::new(),
    };
    layout.add_pool(Pool::ram("ram", TIB, TIB)).expect("pool");
    let t = layout
        .add_table("bench", 0, ExecutionContext::EL1_NS, &[(TIB, TIB)])
        .expect("table");
    let req = PageRequest::new("p", PageKind::Data, PageSize::Size4K);
    let start = Instant::now();
    for _ in 0..n {
        black_box(layout.map(t, &req).expect("room"));
    }
    let elapsed = start.elapsed();
    black_box(&layout);
    elapsed.as_nanos() as f64 / n as f64
}

fn main() {
    for n in [1_000, 10_000, 100_000, 1_000_000] {
        for (mode, seed) in [("deterministic", None), ("seeded", Some(0x5EED))] {
            let ns = run(n, seed);
            println!("allocations={n} mode={mode} ns_per_op={ns:.0}");
        }
    }
}
