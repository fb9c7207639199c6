//! Quickstart: plan the memory of a small two-core AArch64 system with the run-time API,
//! print its memory map, and build the translation tables of every page table.
//!
//! ```sh
//! cargo run --example quickstart                   # step 1: deterministic placement
//! cargo run --example quickstart -- --seed 0x5EED  # step 2: random but reproducible
//! ```
//!
//! Without a seed every page goes at the lowest free address, so the output is the same
//! on every run and diffs well. With a seed the addresses are random, yet the same seed
//! gives the same layout on every machine: that is how a test generator varies layouts.
//!
//! The system: RAM at `0x8000_0000` (2 GiB), a device window with a GIC distributor at
//! `0x0800_0000` and a PL011 UART at `0x0900_0000` (the QEMU `virt` machine's addresses).
//! Each of the two cores has a secure monitor table (EL3) and a non-secure kernel table
//! (EL1). Everything else (where each page goes, and where the translation tables go)
//! is left to the allocator.

use memlayout::aarch64::TableConfig;
use memlayout::model::Hex;
use memlayout::tables::TablePlacement;
use memlayout::{
    Error, ExecutionContext, Layout, PageKind, PageRequest, PageSize, Perms, Pool, SegmentKind,
    SegmentRequest, TableId,
};

/// Where RAM starts, and its size.
const RAM: (u64, u64) = (0x8000_0000, 2 << 30);
/// The device window: GIC distributor and UART live here.
const MMIO: (u64, u64) = (0x0800_0000, 32 << 20);
/// The GIC distributor's registers (64 KiB).
const GICD_PA: u64 = 0x0800_0000;
/// The PL011 UART's registers (4 KiB).
const UART_PA: u64 = 0x0900_0000;

/// Plans the layout: pools, tables, pages, segments. `seed` picks random but
/// reproducible placement; `None` the lowest free addresses.
pub fn build(seed: Option<u64>) -> Result<Layout, Error> {
    use PageKind::{Code, Data, Device};
    use PageSize::{Size2M, Size4K};

    let mut l = match seed {
        Some(seed) => Layout::with_seed(seed),
        None => Layout::new(),
    };
    // The physical address space: where pages (and the tables) may go.
    l.add_pool(Pool::ram("ram", RAM.0, RAM.1))?;
    l.add_pool(Pool::device("mmio", MMIO.0, MMIO.1))?;

    // One secure (EL3) and one non-secure (EL1) table per core; each table's pages take
    // virtual addresses from these ranges.
    let virt = [RAM, (0x40_0000_0000, 4 << 30)];
    let mut monitors = Vec::new();
    for core in 0..2 {
        let el3 = l.add_table(
            format!("core{core}_el3"),
            core,
            ExecutionContext::EL3,
            &virt,
        )?;
        let el1 = l.add_table(
            format!("core{core}_el1"),
            core,
            ExecutionContext::EL1_NS,
            &virt,
        )?;
        monitors.push(el3);

        // The monitor: boot code that runs with VA == PA, code, data and a stack.
        l.map(el3, &PageRequest::new("boot", Code, Size2M).identity())?;
        l.map(el3, &PageRequest::new("text", Code, Size4K).count(4))?;
        l.map(el3, &PageRequest::new("data", Data, Size4K).count(2))?;
        l.map(el3, &PageRequest::new("stack", Data, Size4K).count(2))?;

        // The kernel: code (read-only data goes in code pages), a heap, a stack.
        l.map(el1, &PageRequest::new("text", Code, Size4K).count(8))?;
        l.map(el1, &PageRequest::new("heap", Data, Size2M))?;
        l.map(el1, &PageRequest::new("stack", Data, Size4K).count(4))?;
    }

    // Devices sit at their real PAs; only the monitors map them, each at a VA it picks.
    let gicd = PageRequest::new("gicd", Device, Size4K)
        .count(16)
        .pa(GICD_PA);
    l.map_shared(Some(&monitors), &gicd)?;
    let uart = PageRequest::new("uart", Device, Size4K).pa(UART_PA);
    l.map_shared(Some(&monitors), &uart.perms(Perms::RW))?;
    // A mailbox: one PA in every table, so the cores (and EL3 and EL1) can talk.
    l.map_shared(None, &PageRequest::new("mailbox", Data, Size2M))?;

    // Segments (what a linker script would place) go inside pages of a matching kind.
    l.place_segment(
        monitors[0],
        &SegmentRequest::new("bsp_boot", SegmentKind::BspBootCode, 0x200)
            .align(16)
            .identity(),
    )?;
    for t in l.tables().collect::<Vec<TableId>>() {
        l.place_segment(
            t,
            &SegmentRequest::new("text", SegmentKind::Code, 0x2800)
                .align(64)
                .in_page("text"),
        )?;
        l.place_segment(
            t,
            &SegmentRequest::new("stack", SegmentKind::Stack, 0x2000)
                .align(16)
                .in_page("stack"),
        )?;
    }
    l.place_shared_segment(
        &SegmentRequest::new("doorbells", SegmentKind::DataShared, 0x100)
            .align(16)
            .in_page("mailbox"),
    )?;
    Ok(l)
}

/// The seed given as `--seed N` (decimal or `0x` hexadecimal), if any.
fn seed_from_args() -> Result<Option<u64>, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => Ok(None),
        [flag, n] if flag == "--seed" => {
            let parsed = match n.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
                None => n.replace('_', "").parse(),
            };
            parsed
                .map(Some)
                .map_err(|_| format!("`{n}` is not a seed; give a number such as 0x5EED"))
        }
        _ => Err("usage: quickstart [--seed N]".to_owned()),
    }
}

/// A 64-bit value as memlayout writes it for people (`0x8000_0000`: upper-case digits,
/// no leading zeros, `_` every four digits); a width in the format string right-aligns
/// it in a column.
fn hex(v: u64) -> Hex {
    Hex::from(v)
}

fn main() {
    let seed = match seed_from_args() {
        Ok(seed) => seed,
        Err(msg) => {
            eprintln!("error: {msg}");
            std::process::exit(2);
        }
    };
    // Plan, then build the AArch64 tables; the tables themselves are placed in RAM too.
    let planned = build(seed).and_then(|mut l| {
        let tables = l.build_translations(&TableConfig::default(), &TablePlacement::Anywhere)?;
        Ok((l, tables))
    });
    let (layout, translations) = match planned {
        Ok(planned) => planned,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };

    match seed {
        None => println!("Placement: deterministic, every page at the lowest free address."),
        Some(s) => println!(
            "Placement: seeded with {}, random but reproducible.",
            hex(s)
        ),
    }
    for (t, tr) in layout.tables().zip(&translations) {
        let info = layout.table_info(t).expect("a table of this layout");
        println!();
        println!(
            "table {} (core {}, {})",
            info.name(),
            info.core(),
            info.el()
        );
        println!(
            "  {:<10} {:<6} {:>7} {:>16} {:>16} {:<5} {:<24} mapped in",
            "page", "kind", "size", "VA", "PA", "perms", "memory"
        );
        // `identity` marks what the requests put at VA == PA (`.identity()`), `va == pa`
        // what only happens to be there and may move when the requests change.
        let note = |identity: bool, va_equals_pa: bool| match (identity, va_equals_pa) {
            (true, _) => "  identity",
            (false, true) => "  va == pa",
            (false, false) => "",
        };
        // A `count(n)` request gives n consecutive pages of one name: print them as one
        // line.
        let pages = layout.pages(t);
        for run in pages.chunk_by(|a, b| a.name() == b.name() && a.va_end() == u128::from(b.va())) {
            let (p, n) = (run[0], run.len());
            let size = match n {
                1 => p.page_size().to_string(),
                n => format!("{n} x {}", p.page_size()),
            };
            let memory = match (p.cacheability(), p.shareability()) {
                (Some(cache), Some(share)) => format!("{cache}, {share}"),
                // Device pages have no cacheability and no shareability of their own:
                // the default table configuration makes them Device-nGnRE.
                _ => "Device-nGnRE".to_owned(),
            };
            let mapped_in = if p.is_shared() {
                "shared"
            } else {
                "this table"
            };
            println!(
                "  {:<10} {:<6} {:>7} {:>16} {:>16} {:<5} {:<24} {}{}",
                p.name(),
                p.kind().to_string(),
                size,
                hex(p.va()),
                hex(p.pa()),
                p.perms().to_string(),
                memory,
                mapped_in,
                note(p.is_identity(), p.va_equals_pa())
            );
        }
        println!(
            "  {:<10} {:<13} {:>7} {:>16} {:>16} {:>5}",
            "segment", "kind", "bytes", "VA", "PA", "align"
        );
        for s in layout.segments(t) {
            println!(
                "  {:<10} {:<13} {:>7} {:>16} {:>16} {:>5}{}",
                s.name(),
                s.kind().to_string(),
                hex(s.size()),
                hex(s.va()),
                hex(s.pa()),
                s.align(),
                note(s.is_identity(), s.va_equals_pa())
            );
        }
        // The translation tables of this page table, and the registers that load them.
        let el = tr.regime().privileged_level();
        println!(
            "  translation tables: {} x 4 KiB at PA {}, root level {}, {}-bit VA",
            tr.table_count(),
            hex(tr.base_pa()),
            tr.root_level(),
            tr.va_bits()
        );
        println!(
            "  MAIR_EL{el} = {}  TCR_EL{el} = {}",
            hex(tr.mair()),
            hex(tr.tcr())
        );
        println!(
            "  TTBR0_EL{el} = {}  SCTLR_EL{el} |= {} (M, C, I)",
            hex(tr.ttbr0()),
            hex(tr.sctlr_set())
        );
    }
    if seed.is_none() {
        println!();
        println!("Next: `cargo run --example quickstart -- --seed 0x5EED` places the same");
        println!("requests at random but reproducible addresses.");
    }
}
