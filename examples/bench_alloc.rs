//! Allocation benchmark: maps N 4 KiB pages into one table whose VA and PA pools are
//! 1 TiB each, deterministically and with a seed, and prints the cost per allocation.
//! Smaller counts are repeated (a fresh layout each time) until about a million pages
//! are mapped, so every figure averages as many allocations; `reps` says how many. The
//! last lines give each mode's cost at the largest count over its cost at the smallest.
//!
//! Run with `cargo run --release --example bench_alloc`. Compare the figures of one run
//! with each other (ratios), not with another machine's. Arguments narrow the run (for a
//! profiler): a mode (`deterministic` or `seeded`) and allocation counts, e.g.
//! `cargo run --release --example bench_alloc -- seeded 1000000`.

use std::hint::black_box;
use std::time::Instant;

use memlayout::{ExecutionContext, Layout, PageKind, PageRequest, PageSize, Pool};

const TIB: u64 = 1 << 40;

/// Nanoseconds per allocation, over `reps` layouts of `n` allocations each.
fn run(n: usize, reps: usize, seed: Option<u64>) -> f64 {
    let mut total = 0u128;
    for _ in 0..reps {
        total += run_once(n, seed);
    }
    total as f64 / (n * reps) as f64
}

/// Nanoseconds to map `n` pages into a fresh layout.
fn run_once(n: usize, seed: Option<u64>) -> u128 {
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
    elapsed.as_nanos()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let modes: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| matches!(*a, "deterministic" | "seeded"))
        .collect();
    let mut counts: Vec<usize> = Vec::new();
    for a in args.iter().filter(|a| !modes.contains(&a.as_str())) {
        match a.replace('_', "").parse() {
            Ok(n) if n > 0 => counts.push(n),
            _ => {
                eprintln!(
                    "bench_alloc: `{a}` is neither a mode (deterministic, seeded) nor a count"
                );
                std::process::exit(2);
            }
        }
    }
    if counts.is_empty() {
        counts = vec![1_000, 10_000, 100_000, 1_000_000];
    }
    let mut figures: Vec<(&str, usize, f64)> = Vec::new();
    for &n in &counts {
        for (mode, seed) in [("deterministic", None), ("seeded", Some(0x5EED))] {
            if !modes.is_empty() && !modes.contains(&mode) {
                continue;
            }
            let reps = (1_000_000 / n).max(1);
            let ns = run(n, reps, seed);
            println!("allocations={n} mode={mode} reps={reps} ns_per_op={ns:.0}");
            figures.push((mode, n, ns));
        }
    }
    for mode in ["deterministic", "seeded"] {
        let of_mode: Vec<&(&str, usize, f64)> =
            figures.iter().filter(|(m, ..)| *m == mode).collect();
        if let (Some(lo), Some(hi)) = (
            of_mode.iter().min_by_key(|(_, n, _)| *n),
            of_mode.iter().max_by_key(|(_, n, _)| *n),
        ) && lo.1 != hi.1
        {
            println!("mode={mode} ratio_{}_to_{}={:.2}", hi.1, lo.1, hi.2 / lo.2);
        }
    }
}
