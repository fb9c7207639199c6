//! Builds a two-core layout with the run-time API, placed with a seed, and prints it.
//!
//! Run with `cargo run --example quickstart`.

use memlayout::{
    Cacheability, Error, ExecutionContext, Layout, PageKind, PageRequest, PageSize, Perms, Pool,
    SegmentKind, SegmentRequest,
};

/// Where the quickstart's RAM starts.
const RAM_START: u64 = 0x8000_0000;
/// How much RAM the quickstart declares.
const RAM_SIZE: u64 = 2 << 30;
/// Where the quickstart's device window starts.
const MMIO_START: u64 = 0x0900_0000;

/// Builds the layout, placed with `seed` (or deterministically with `None`).
fn build(seed: Option<u64>) -> Result<Layout, Error> {
    use PageKind::{Code, Data, Device};
    use PageSize::{Size2M, Size4K};

    let mut l = match seed {
        Some(s) => Layout::with_seed(s),
        None => Layout::new(),
    };
    l.add_pool(Pool::ram("ram", RAM_START, RAM_SIZE))?;
    l.add_pool(Pool::device("mmio", MMIO_START, 16 << 20))?;

    let mut el3 = Vec::new();
    for core in 0..2u32 {
        let virt = [(RAM_START, RAM_SIZE), (0x40_0000_0000, 4 << 30)];
        let t3 = l.add_table(
            format!("core{core}_el3"),
            core,
            ExecutionContext::EL3,
            &virt,
        )?;
        let t1 = l.add_table(
            format!("core{core}_el1"),
            core,
            ExecutionContext::EL1_NS,
            &virt,
        )?;
        el3.push(t3);
        for (t, is_el3) in [(t3, true), (t1, false)] {
            if is_el3 {
                l.map(t, &PageRequest::new("boot", Code, Size2M).identity())?;
                l.map(
                    t,
                    &PageRequest::new("uart", Device, Size4K).perms(Perms::RW),
                )?;
            }
            // Code pages: seven requests, mixing sizes and runs.
            l.map(t, &PageRequest::new("text", Code, Size4K).count(3))?;
            l.map(t, &PageRequest::new("text_big", Code, Size2M))?;
            l.map(t, &PageRequest::new("init", Code, Size4K).count(2))?;
            l.map(t, &PageRequest::new("vectors", Code, Size4K))?;
            l.map(t, &PageRequest::new("rodata", Code, Size4K).perms(Perms::R))?;
            l.map(t, &PageRequest::new("lib", Code, Size2M).count(2))?;
            l.map(t, &PageRequest::new("trampoline", Code, Size4K))?;
            // Data pages: seven requests.
            l.map(t, &PageRequest::new("heap", Data, Size2M))?;
            l.map(t, &PageRequest::new("bss", Data, Size4K).count(3))?;
            l.map(t, &PageRequest::new("stacks", Data, Size4K).count(2))?;
            l.map(
                t,
                &PageRequest::new("dma", Data, Size4K).cache(Cacheability::NonCacheable),
            )?;
            l.map(t, &PageRequest::new("persist", Data, Size4K))?;
            l.map(t, &PageRequest::new("buffers", Data, Size2M).count(2))?;
            l.map(t, &PageRequest::new("log", Data, Size4K))?;
        }
    }
    l.map_shared(None, &PageRequest::new("mailbox", Data, Size2M))?;

    l.place_segment(
        el3[0],
        &SegmentRequest::new("bsp_boot", SegmentKind::BspBootCode, 0x200)
            .align(16)
            .identity(),
    )?;
    l.place_shared_segment(
        &SegmentRequest::new("cross_core", SegmentKind::DataPreserve, 2 << 10)
            .align(16)
            .in_page("mailbox"),
    )?;
    let tables: Vec<_> = l.tables().collect();
    for t in tables {
        if el3.contains(&t) {
            l.place_segment(
                t,
                &SegmentRequest::new("boot", SegmentKind::BootCode, 0x400).in_page("boot"),
            )?;
        }
        l.place_segment(
            t,
            &SegmentRequest::new("text", SegmentKind::Code, 0x2800)
                .align(64)
                .in_page("text"),
        )?;
        l.place_segment(
            t,
            &SegmentRequest::new("shared_data", SegmentKind::DataShared, 0x1000),
        )?;
        l.place_segment(
            t,
            &SegmentRequest::new("preserve", SegmentKind::DataPreserve, 0x800).in_page("persist"),
        )?;
        l.place_segment(
            t,
            &SegmentRequest::new("stack", SegmentKind::Stack, 0x2000)
                .align(16)
                .in_page("stacks"),
        )?;
    }
    Ok(l)
}

fn main() {
    match build(Some(0x5EED)) {
        Ok(layout) => print!("{layout}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
