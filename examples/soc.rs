//! The quickstart scenario declared with `memory_layout!`: two cores, each with an EL3
//! and a non-secure EL1 table, identity-mapped boot code, a page shared by every core
//! and segments for boot code, code, data, preserved data and stacks.
//!
//! The whole layout is planned and checked at compile time; this program only prints
//! the constants the macro generated. Run it with `cargo run --example soc`.

use memlayout::memory_layout;
use memlayout::model::Hex;
use memlayout::{Page, Segment, TableInfo};

memory_layout! {
    /// The quickstart scenario: two cores, each with an EL3 and a non-secure EL1 table.
    pub mod soc {
        seed = 0x5EED;
        physical ram  = 0x8000_0000 .. +2G;
        physical mmio = 0x0900_0000 .. +16M, device;

        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +4G;
            page boot     : code, 2M, identity;
            page text     : code, 4K * 3, rx;
            page vectors  : code, 4K;
            page monitor  : code, 2M;
            page services : code, 4K * 2;
            page psci     : code, 4K;
            page heap     : data, 2M, rw;
            page stacks   : data, 4K * 2;
            page bss      : data, 4K;
            page logbuf   : data, 4K, rw, non_cacheable;
            page dma      : data, 2M, rw, attrs { owner = "fw", coherent = true, channel = 3 };
            page fixed    : data, 4K, va 0xF000_0000, pa 0x8100_0000, r;
            page uart     : device, 4K, pa 0x0900_0000, rw;
            segment bsp_boot    : bsp_boot_code, 0x200, align 16, identity;
            segment boot_code   : boot_code, 0x400, align 16, in boot;
            segment code        : code, 0x2000, in text;
            segment shared_data : data_shared, 0x1000, in heap;
            segment preserve    : data_preserve, 0x800, align 64, in bss;
            segment stack       : stack, 0x2000, align 16, in stacks;
        }
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +1G;
            page kernel  : code, 2M;
            page modules : code, 4K * 3;
            page vdso    : code, 4K;
            page init    : code, 4K * 2;
            page trace   : code, 4K;
            page extra   : code, 2M;
            page heap    : data, 2M * 2;
            page stacks  : data, 4K * 2;
            page bss     : data, 4K;
            page percpu  : data, 4K;
            page ring    : data, 2M;
            page scratch : data, 4K, write_through;
            segment code        : code, 0x1000, in modules;
            segment shared_data : data_shared, 0x800, in heap;
            segment preserve    : data_preserve, 0x400, in bss;
            segment stack       : stack, 0x2000, align 16, in stacks;
        }
        table core1_el3 (core 1, EL3) {
            virtual 0x8000_0000 .. +4G;
            page boot     : code, 2M, identity;
            page text     : code, 4K * 3, rx;
            page vectors  : code, 4K;
            page monitor  : code, 2M;
            page services : code, 4K * 2;
            page psci     : code, 4K;
            page heap     : data, 2M, rw;
            page stacks   : data, 4K * 2;
            page bss      : data, 4K;
            page logbuf   : data, 4K, rw, non_cacheable;
            page dma      : data, 2M, rw;
            page scratch  : data, 4K;
            segment boot_code   : boot_code, 0x400, align 16, in boot;
            segment code        : code, 0x2000, in text;
            segment shared_data : data_shared, 0x1000, in heap;
            segment preserve    : data_preserve, 0x800, align 64, in bss;
            segment stack       : stack, 0x2000, align 16, in stacks;
        }
        table core1_el1 (core 1, EL1_NS) {
            virtual 0x4000_0000 .. +1G;
            page kernel  : code, 2M;
            page modules : code, 4K * 3;
            page vdso    : code, 4K;
            page init    : code, 4K * 2;
            page trace   : code, 4K;
            page extra   : code, 2M;
            page heap    : data, 2M * 2;
            page stacks  : data, 4K * 2;
            page bss     : data, 4K;
            page percpu  : data, 4K;
            page ring    : data, 2M;
            page scratch : data, 4K, write_through;
            segment code        : code, 0x1000, in modules;
            segment shared_data : data_shared, 0x800, in heap;
            segment preserve    : data_preserve, 0x400, in bss;
            segment stack       : stack, 0x2000, align 16, in stacks;
        }

        shared page mailbox : data, 2M, rw;
        shared page doorbell : device, 4K, pa 0x0900_1000, tables [core0_el3, core1_el3];
        shared segment cross_core : data_preserve, 2K, align 16, in mailbox;
    }
}

/// Where the boot code starts, known at compile time.
const ENTRY: u64 = soc::core0_el3::BOOT.va();

fn print_table(info: &TableInfo, pages: &[Page], segments: &[Segment]) {
    println!(
        "table {} (core {}, {}): {} pages, {} segments",
        info.name(),
        info.core(),
        info.el(),
        pages.len(),
        segments.len()
    );
    println!(
        "  {:<10} {:>3} {:>16} {:>16} {:>4} {:<7} {:<4} notes",
        "page", "#", "VA", "PA", "size", "kind", "perm"
    );
    for p in pages {
        let mut notes = Vec::new();
        // `identity` is what the layout asks for; `va == pa` only happens to hold and
        // may change when the layout does.
        if p.is_identity() {
            notes.push("identity".to_string());
        } else if p.va_equals_pa() {
            notes.push("va == pa".to_string());
        }
        if p.is_shared() {
            notes.push("shared".to_string());
        }
        if let (Some(c), Some(s)) = (p.cacheability(), p.shareability()) {
            notes.push(format!("{c} {s}"));
        }
        for a in p.attrs() {
            notes.push(format!("{}={}", a.key, a.value));
        }
        println!(
            "  {:<10} {:>3} {:>16} {:>16} {:>4} {:<7} {:<4} {}",
            p.name(),
            p.index(),
            Hex::from(p.va()),
            Hex::from(p.pa()),
            p.page_size().name(),
            p.kind().name(),
            p.perms().name(),
            notes.join(", ")
        );
    }
    println!(
        "  {:<12} {:<14} {:>16} {:>16} {:>8} {:>6}",
        "segment", "kind", "VA", "PA", "size", "align"
    );
    for s in segments {
        let identity = if s.is_identity() {
            "  identity"
        } else if s.va_equals_pa() {
            "  va == pa"
        } else {
            ""
        };
        println!(
            "  {:<12} {:<14} {:>16} {:>16} {:>8} {:>6}{}{}",
            s.name(),
            s.kind().name(),
            Hex::from(s.va()),
            Hex::from(s.pa()),
            Hex::from(s.size()),
            s.align(),
            if s.is_shared() { "  shared" } else { "" },
            identity
        );
    }
    println!();
}

fn main() {
    println!("entry point: {}\n", Hex::from(ENTRY));
    print_table(
        soc::core0_el3::INFO,
        soc::core0_el3::PAGES,
        soc::core0_el3::SEGMENTS,
    );
    print_table(
        soc::core0_el1::INFO,
        soc::core0_el1::PAGES,
        soc::core0_el1::SEGMENTS,
    );
    print_table(
        soc::core1_el3::INFO,
        soc::core1_el3::PAGES,
        soc::core1_el3::SEGMENTS,
    );
    print_table(
        soc::core1_el1::INFO,
        soc::core1_el1::PAGES,
        soc::core1_el1::SEGMENTS,
    );
    println!("tables: {}", soc::TABLES.len());
    // The whole memory map as planned, the text a firmware can print at boot.
    println!("\n{}", soc::MAP);
}
