//! What `memory_layout!` emits: the values of the generated constants obey every rule
//! of the layout (identity, shared pages, fixed addresses, segments in pages of their
//! kind, no overlaps, alignment, reproducible seeds).

use memlayout::{Page, PageKind, Perms, Segment, TableInfo};
use memlayout_macros::memory_layout;
use static_assertions::const_assert;

// The quickstart scenario, declared once in the `soc` example and checked here.
#[path = "../examples/soc.rs"]
#[allow(dead_code)]
mod soc_example;
use soc_example::soc;

/// The entry point, computed at compile time from the layout.
const ENTRY: u64 = soc::core0_el3::BOOT.va();
const_assert!(soc::core0_el3::BOOT.va() == soc::core0_el3::BOOT.pa());
const_assert!(soc::core0_el3::BSP_BOOT.va() == soc::core0_el3::BSP_BOOT.pa());
const_assert!(soc::core0_el3::UART.pa() == 0x0900_0000);
const_assert!(soc::core0_el3::TEXT.len() == 3);
const_assert!(soc::core0_el3::INFO.core() == 0);
const_assert!(soc::TABLES.len() == 4);
const_assert!(soc::core0_el3::PAGES[0].is_identity());

fn tables() -> Vec<(&'static TableInfo, &'static [Page], &'static [Segment])> {
    vec![
        (
            soc::core0_el3::INFO,
            soc::core0_el3::PAGES,
            soc::core0_el3::SEGMENTS,
        ),
        (
            soc::core0_el1::INFO,
            soc::core0_el1::PAGES,
            soc::core0_el1::SEGMENTS,
        ),
        (
            soc::core1_el3::INFO,
            soc::core1_el3::PAGES,
            soc::core1_el3::SEGMENTS,
        ),
        (
            soc::core1_el1::INFO,
            soc::core1_el1::PAGES,
            soc::core1_el1::SEGMENTS,
        ),
    ]
}

#[test]
fn entry_is_usable_in_const_context() {
    assert_eq!(ENTRY, soc::core0_el3::BOOT.va());
    assert!(soc::core0_el3::BOOT.contains_va(ENTRY));
}

#[test]
fn tables_are_listed_in_declaration_order() {
    let names: Vec<&str> = soc::TABLES.iter().map(|t| t.name()).collect();
    assert_eq!(names, ["core0_el3", "core0_el1", "core1_el3", "core1_el1"]);
    assert_eq!(soc::core1_el1::INFO.core(), 1);
    assert_eq!(
        soc::core1_el1::INFO.el(),
        memlayout::ExecutionContext::EL1_NS
    );
    for (info, pages, segments) in tables() {
        assert!(
            pages
                .iter()
                .all(|p| p.core() == info.core() && p.el() == info.el())
        );
        assert!(
            segments
                .iter()
                .all(|s| s.core() == info.core() && s.el() == info.el())
        );
    }
}

#[test]
fn identity_pages_have_va_equal_to_pa() {
    for boot in [soc::core0_el3::BOOT, soc::core1_el3::BOOT] {
        assert!(boot.is_identity(), "{boot:?}");
        assert_eq!(boot.size(), 0x20_0000);
    }
    assert!(soc::core0_el3::BSP_BOOT.is_identity());
    // Two identity pages of different tables cannot share a PA (they are not shared).
    assert_ne!(soc::core0_el3::BOOT.pa(), soc::core1_el3::BOOT.pa());
}

// `boot` and `rom` ask for VA == PA; with lowest-address placement `text` lands at
// VA == PA without asking (the virtual range starts where RAM does), `far` does not.
memory_layout! {
    mod chance {
        physical ram = 0x4000_0000 .. +1G;
        table t (core 0, EL3) {
            virtual 0x4000_0000 .. +1G;
            page boot : code, 2M, identity;
            page rom : code, 4K, identity, attrs { stage = "rom" };
            page text : code, 2M;
            page far : data, 4K, va 0x7000_0000, pa 0x7FFF_F000;
            segment entry : bsp_boot_code, 0x100, in boot;
            segment code : code, 0x100, in text;
            segment tramp : code, 0x100, identity, in text;
        }
    }
}
const_assert!(chance::t::BOOT.is_identity() && chance::t::ROM.is_identity());
const_assert!(chance::t::TEXT.va_equals_pa() && !chance::t::TEXT.is_identity());
const_assert!(!chance::t::FAR.va_equals_pa() && !chance::t::FAR.is_identity());
const_assert!(chance::t::ENTRY.is_identity() && chance::t::TRAMP.is_identity());
const_assert!(chance::t::CODE.va_equals_pa() && !chance::t::CODE.is_identity());

#[test]
fn identity_constants_and_map_say_what_was_requested() {
    for p in chance::t::PAGES {
        let requested = matches!(p.name(), "boot" | "rom");
        assert_eq!(p.is_identity(), requested, "{p:?}");
        assert_eq!(p.va_equals_pa(), p.name() != "far", "{p:?}");
        assert!(format!("{p:?}").contains(&format!("identity: {requested}")));
    }
    // The map in `MAP` (and the module's rustdoc, made from the same plan) marks the
    // requests `identity` and the chance `va == pa`.
    let line = |start: &str| {
        chance::MAP
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no `{start}` in\n{}", chance::MAP))
    };
    assert!(line("  page    boot ").ends_with(" identity"));
    assert!(line("  page    rom ").ends_with(" identity {stage = \"rom\"}"));
    assert!(line("  page    text ").ends_with(" va == pa"));
    assert!(!line("  page    far ").contains("identity"));
    assert!(!line("  page    far ").contains("va == pa"));
    assert!(line("  segment code ").ends_with(", va == pa"));
    assert!(line("  segment tramp ").ends_with(", identity"));
}

#[test]
fn shared_page_has_one_pa_in_every_table() {
    let mailboxes: [&Page; 4] = [
        soc::core0_el3::MAILBOX,
        soc::core0_el1::MAILBOX,
        soc::core1_el3::MAILBOX,
        soc::core1_el1::MAILBOX,
    ];
    for m in mailboxes {
        assert!(m.is_shared());
        assert_eq!(m.pa(), mailboxes[0].pa());
    }
    let segs: [&Segment; 4] = [
        soc::core0_el3::CROSS_CORE,
        soc::core0_el1::CROSS_CORE,
        soc::core1_el3::CROSS_CORE,
        soc::core1_el1::CROSS_CORE,
    ];
    for (s, m) in segs.iter().zip(mailboxes) {
        assert!(s.is_shared());
        assert_eq!(s.pa(), segs[0].pa());
        assert_eq!(m.va_to_pa(s.va()), Some(s.pa()));
        assert_eq!(s.size(), 0x800);
    }
    // `tables [..]` maps the doorbell into the two EL3 tables only.
    assert_eq!(soc::core0_el3::DOORBELL.pa(), 0x0900_1000);
    assert_eq!(soc::core1_el3::DOORBELL.pa(), 0x0900_1000);
    assert!(!soc::core0_el1::PAGES.iter().any(|p| p.name() == "doorbell"));
}

#[test]
fn fixed_addresses_are_honoured() {
    assert_eq!(soc::core0_el3::FIXED.va(), 0xF000_0000);
    assert_eq!(soc::core0_el3::FIXED.pa(), 0x8100_0000);
    assert_eq!(soc::core0_el3::FIXED.perms(), Perms::R);
    assert_eq!(soc::core0_el3::UART.pa(), 0x0900_0000);
    assert_eq!(soc::core0_el3::UART.kind(), PageKind::Device);
}

#[test]
fn defaults_and_options_are_applied() {
    assert_eq!(soc::core0_el1::KERNEL.perms(), Perms::RX);
    assert_eq!(soc::core0_el1::BSS.perms(), Perms::RW);
    assert_eq!(soc::core0_el3::UART.perms(), Perms::RW);
    assert_eq!(
        soc::core0_el3::LOGBUF.cacheability(),
        Some(memlayout::Cacheability::NonCacheable)
    );
    assert_eq!(
        soc::core0_el1::SCRATCH.cacheability(),
        Some(memlayout::Cacheability::WriteThrough)
    );
    assert_eq!(
        soc::core0_el1::BSS.shareability(),
        Some(memlayout::Shareability::Inner)
    );
    // A device page claims no cacheability or shareability.
    assert_eq!(soc::core0_el3::UART.cacheability(), None);
    assert_eq!(soc::core0_el3::UART.shareability(), None);
    let dma = soc::core0_el3::DMA;
    assert!(matches!(dma.attr("owner"), Some(memlayout::AttrValue::Str(s)) if s == "fw"));
    assert_eq!(
        dma.attr("coherent"),
        Some(&memlayout::AttrValue::Bool(true))
    );
    assert_eq!(dma.attr("channel"), Some(&memlayout::AttrValue::Int(3)));
    assert_eq!(dma.attr("missing"), None);
}

#[test]
fn consecutive_pages_are_contiguous_in_va_and_pa() {
    let text = soc::core0_el3::TEXT;
    assert_eq!(text.len(), 3);
    for (i, w) in text.windows(2).enumerate() {
        assert_eq!(w[0].index(), i as u32);
        assert_eq!(w[0].va_end(), u128::from(w[1].va()));
        assert_eq!(w[0].pa_end(), u128::from(w[1].pa()));
    }
    let heap = soc::core0_el1::HEAP;
    assert_eq!(heap.len(), 2);
    assert_eq!(heap[0].va_end(), u128::from(heap[1].va()));
    assert_eq!(heap[0].pa_end(), u128::from(heap[1].pa()));
    // The named constant and the PAGES entries agree.
    let in_pages: Vec<&Page> = soc::core0_el3::PAGES
        .iter()
        .filter(|p| p.name() == "text")
        .collect();
    assert_eq!(in_pages.len(), 3);
    for (a, b) in in_pages.iter().zip(text.iter()) {
        assert_eq!(*a, b);
    }
}

#[test]
fn every_page_is_aligned_and_no_two_overlap() {
    let mut all_pa: Vec<(u128, u128, String, bool)> = Vec::new();
    for (info, pages, _) in tables() {
        for p in pages {
            assert_eq!(p.va() % p.size(), 0, "{p:?}");
            assert_eq!(p.pa() % p.size(), 0, "{p:?}");
            if !p.is_shared() {
                all_pa.push((
                    u128::from(p.pa()),
                    p.pa_end(),
                    format!("{}:{}", info.name(), p.name()),
                    false,
                ));
            }
        }
        for (i, a) in pages.iter().enumerate() {
            for b in &pages[i + 1..] {
                assert!(
                    a.va_end() <= u128::from(b.va()) || b.va_end() <= u128::from(a.va()),
                    "{} and {} overlap in VA in {}",
                    a.name(),
                    b.name(),
                    info.name()
                );
            }
        }
    }
    for p in soc::core0_el3::PAGES.iter().filter(|p| p.is_shared()) {
        all_pa.push((u128::from(p.pa()), p.pa_end(), p.name().to_string(), true));
    }
    all_pa.sort();
    for w in all_pa.windows(2) {
        assert!(w[0].1 <= w[1].0, "{} and {} overlap in PA", w[0].2, w[1].2);
    }
}

#[test]
fn segments_sit_inside_pages_of_their_kind() {
    for (info, pages, segments) in tables() {
        assert!(!segments.is_empty());
        for s in segments {
            assert_eq!(s.va() % s.align(), 0, "{s:?}");
            let host = pages
                .iter()
                .find(|p| p.contains_va(s.va()))
                .unwrap_or_else(|| panic!("{} is in no page of {}", s.name(), info.name()));
            assert!(
                s.kind().fits_in(host.kind(), host.perms()),
                "{s:?} in {host:?}"
            );
            assert_eq!(host.va_to_pa(s.va()), Some(s.pa()));
            // The last byte is mapped too, by a page of the same kind.
            let last = s.va() + (s.size() - 1);
            let end_host = pages.iter().find(|p| p.contains_va(last)).unwrap();
            assert_eq!(end_host.kind(), host.kind());
            assert_eq!(end_host.va_to_pa(last), Some(s.pa() + s.size() - 1));
        }
        for (i, a) in segments.iter().enumerate() {
            for b in &segments[i + 1..] {
                assert!(a.va_end() <= u128::from(b.va()) || b.va_end() <= u128::from(a.va()));
            }
        }
    }
    assert_eq!(soc::core0_el3::STACK.kind(), memlayout::SegmentKind::Stack);
    assert!(soc::core0_el3::STACKS[0].contains_va(soc::core0_el3::STACK.va()));
    assert!(soc::core0_el3::BOOT.contains_va(soc::core0_el3::BOOT_CODE.va()));
    assert!(soc::core0_el3::BSP_BOOT.va().is_multiple_of(16));
    assert!(soc::core0_el3::CODE.va().is_multiple_of(8));
}

memory_layout! {
    mod same_a {
        seed = 42;
        physical ram = 0x4000_0000 .. +1G;
        table t (core 0, EL1_NS) {
            virtual 0x1_0000_0000 .. +16G;
            page a : code, 4K * 2;
            page b : data, 2M;
            page c : data, 4K;
            segment s : stack, 0x1000, in b;
        }
        shared page m : data, 4K;
    }
}

memory_layout! {
    mod same_b {
        seed = 42;
        physical ram = 0x4000_0000 .. +1G;
        table t (core 0, EL1_NS) {
            virtual 0x1_0000_0000 .. +16G;
            page a : code, 4K * 2;
            page b : data, 2M;
            page c : data, 4K;
            segment s : stack, 0x1000, in b;
        }
        shared page m : data, 4K;
    }
}

memory_layout! {
    mod other_seed {
        seed = 43;
        physical ram = 0x4000_0000 .. +1G;
        table t (core 0, EL1_NS) {
            virtual 0x1_0000_0000 .. +16G;
            page a : code, 4K * 2;
            page b : data, 2M;
            page c : data, 4K;
            segment s : stack, 0x1000, in b;
        }
        shared page m : data, 4K;
    }
}

memory_layout! {
    mod no_seed {
        physical ram = 0x4000_0000 .. +1G;
        table t (core 0, EL1_NS) {
            virtual 0x1_0000_0000 .. +16G;
            page a : code, 4K * 2;
            page b : data, 2M;
            page c : data, 4K;
            segment s : stack, 0x1000, in b;
        }
        shared page m : data, 4K;
    }
}

#[test]
fn same_seed_gives_same_tables() {
    assert_eq!(same_a::t::PAGES, same_b::t::PAGES);
    assert_eq!(same_a::t::SEGMENTS, same_b::t::SEGMENTS);
}

#[test]
fn different_seeds_give_different_tables() {
    assert_ne!(same_a::t::PAGES, other_seed::t::PAGES);
    assert_ne!(same_a::t::PAGES, no_seed::t::PAGES);
}

#[test]
fn without_a_seed_placement_is_lowest_first() {
    // Deterministic placement packs from the bottom of each pool.
    let lowest_pa = no_seed::t::PAGES.iter().map(Page::pa).min().unwrap();
    let lowest_va = no_seed::t::PAGES.iter().map(Page::va).min().unwrap();
    assert_eq!(lowest_pa, 0x4000_0000);
    assert_eq!(lowest_va, 0x1_0000_0000);
}

#[test]
fn expansion_is_byte_identical_for_identical_input() {
    let input: proc_macro2::TokenStream = r#"
        mod soc {
            seed = 7;
            physical ram = 0x8000_0000 .. +1G;
            table t (core 0, EL3) {
                virtual 0x8000_0000 .. +1G;
                page boot : code, 2M, identity;
                page heap : data, 4K * 3, attrs { b = 1, a = "x" };
                segment s : stack, 0x100, in heap;
            }
            shared page m : data, 4K;
        }
    "#
    .parse()
    .unwrap();
    let a = memlayout::dsl::expand(input.clone()).to_string();
    let b = memlayout::dsl::expand(input).to_string();
    assert_eq!(a, b);
    assert!(a.contains("pub const BOOT"));
    assert!(!a.contains("compile_error"));
}

#[test]
fn translation_tables_sit_in_ram_apart_from_every_page() {
    let images = [
        (
            soc::core0_el3::TABLES_PA,
            soc::core0_el3::TRANSLATION.as_bytes(),
        ),
        (
            soc::core0_el1::TABLES_PA,
            soc::core0_el1::TRANSLATION.as_bytes(),
        ),
        (
            soc::core1_el3::TABLES_PA,
            soc::core1_el3::TRANSLATION.as_bytes(),
        ),
        (
            soc::core1_el1::TABLES_PA,
            soc::core1_el1::TRANSLATION.as_bytes(),
        ),
    ];
    let ram = 0x8000_0000..0x1_0000_0000u64;
    for (i, &(pa, image)) in images.iter().enumerate() {
        let end = pa + image.len() as u64;
        assert!(!image.is_empty() && image.len().is_multiple_of(4096));
        assert!(ram.contains(&pa) && end <= ram.end, "tables {i} at {pa:#x}");
        for &(other, other_image) in &images[i + 1..] {
            assert!(end <= other || other + other_image.len() as u64 <= pa);
        }
        for (_, pages, _) in tables() {
            for p in pages {
                assert!(
                    p.pa_end() <= u128::from(pa) || p.pa() >= end,
                    "page `{}` overlaps tables {i}",
                    p.name()
                );
            }
        }
    }
    assert_eq!(soc::core0_el3::TTBR0, soc::core0_el3::TABLES_PA);
    assert_eq!(soc::core1_el1::TTBR0, soc::core1_el1::TABLES_PA);
}

// `identity` with `alias`: the PA of another table's page mapped again at VA == PA.
memory_layout! {
    mod aliased {
        physical ram = 0x8000_0000 .. +1G, non_secure;
        // Only non-secure RAM: the monitor's tables go there knowingly.
        tables in ram, non_secure_ok;
        table el3 (core 0, EL3) {
            virtual 0x40_0000_0000 .. +1G;
            page ns_image : data, 2M, rw;
        }
        table el1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page kernel : data, alias el3::ns_image, identity, rw;
        }
    }
}
const_assert!(aliased::el1::KERNEL.va() == aliased::el3::NS_IMAGE.pa());
const_assert!(aliased::el1::KERNEL.pa() == aliased::el3::NS_IMAGE.pa());

// Where code and data go: each segment's module names its input section, as a constant
// and as a macro usable in `#[link_section]`, which takes no constant.
#[unsafe(link_section = soc::core0_el3::code::link_section!())]
#[used]
static IN_EL3_CODE: [u8; 4] = *b"el3c";

memory_layout! {
    /// Segments whose names need care: an upper-case one, a raw identifier, one named
    /// like a primitive type (no module, which would shadow `u64` in the table's module)
    /// and ones named like the crates the expansion names by absolute path.
    mod awkward {
        physical ram = 0x8000_0000 .. +1G;
        table core0 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page data : data, 4K, rw;
            segment BootVars : data, 0x40, in data;
            segment r#type : data, 0x40, in data;
            segment u64 : data, 0x40, in data;
            segment core : data, 0x40, in data;
            segment memlayout : data, 0x40, in data;
        }
    }
}

#[test]
fn each_segment_module_names_its_input_section() {
    assert_eq!(
        soc::core0_el3::bsp_boot::LINK_SECTION,
        ".memlayout.core0_el3.bsp_boot"
    );
    assert_eq!(
        soc::core1_el1::stack::LINK_SECTION,
        ".memlayout.core1_el1.stack"
    );
    // The macro expands to the same literal, in expressions and in `concat!`.
    assert_eq!(
        soc::core0_el3::code::link_section!(),
        soc::core0_el3::code::LINK_SECTION
    );
    assert_eq!(
        concat!(".pushsection ", soc::core0_el1::code::link_section!()),
        ".pushsection .memlayout.core0_el1.code"
    );
    assert_eq!(IN_EL3_CODE, *b"el3c");
    // Names as declared, case kept; `r#` dropped.
    assert_eq!(
        awkward::core0::BootVars::LINK_SECTION,
        ".memlayout.core0.BootVars"
    );
    assert_eq!(
        awkward::core0::r#type::LINK_SECTION,
        ".memlayout.core0.type"
    );
    assert_eq!(awkward::core0::U64.name(), "u64");
    assert_eq!(awkward::core0::core::LINK_SECTION, ".memlayout.core0.core");
    assert_eq!(
        awkward::core0::memlayout::LINK_SECTION,
        ".memlayout.core0.memlayout"
    );
    // Same-named segments of two tables name different sections.
    assert_ne!(
        soc::core0_el3::stack::LINK_SECTION,
        soc::core0_el1::stack::LINK_SECTION
    );
}

#[test]
fn every_link_section_is_captured_by_its_segment_in_the_ld_fragment() {
    // The `soc` example's layout, planned again at run time; its fragment must place
    // each segment's LINK_SECTION in the output section of that segment.
    let text = include_str!("../examples/soc.rs");
    let start = text.find("    pub mod soc {").unwrap();
    let end = text[start..].find("\n    }\n").unwrap() + start + 6;
    let Ok(planned) = memlayout::dsl::file::plan_text(&text[start..end]) else {
        panic!("the soc example does not plan");
    };
    let input = memlayout::export::Input::new("soc", planned.plan());
    let ld = memlayout::export::ld::ld(&input);
    let sections = [
        (
            soc::core0_el3::bsp_boot::LINK_SECTION,
            ".memlayout.core0_el3.bsp_boot",
        ),
        (
            soc::core0_el3::code::LINK_SECTION,
            ".memlayout.core0_el3.code",
        ),
        (
            soc::core0_el1::code::LINK_SECTION,
            ".memlayout.core0_el1.code",
        ),
        (
            soc::core1_el1::stack::LINK_SECTION,
            ".memlayout.core1_el1.stack",
        ),
        // The shared segment: one output section, in the first table, takes every
        // table's name for it.
        (
            soc::core0_el3::cross_core::LINK_SECTION,
            ".memlayout.core0_el3.cross_core",
        ),
        (
            soc::core1_el1::cross_core::LINK_SECTION,
            ".memlayout.core0_el3.cross_core",
        ),
    ];
    for (section, output) in sections {
        let block = ld
            .split(&format!("  {output} 0x"))
            .nth(1)
            .and_then(|rest| rest.split("  }\n").next())
            .unwrap_or_else(|| panic!("no output section {output} in\n{ld}"));
        assert!(
            block.contains(&format!("KEEP(*({section} {section}.*"))
                || block.contains(&format!(" {section} {section}.*")),
            "{section} not taken by {output}:\n{block}"
        );
    }
}

#[test]
fn a_layout_with_errors_still_has_its_segment_modules() {
    // The overlap is an error; the skeleton keeps `boot::LINK_SECTION` so code that puts
    // things in the segment only sees the real error.
    let input: proc_macro2::TokenStream = r#"
        mod soc {
            physical ram = 0x8000_0000 .. +1G;
            table el3 (core 0, EL3) {
                virtual 0x8000_0000 .. +1G;
                page a : code, 4K, va 0x8000_0000;
                page b : code, 4K, va 0x8000_0000;
                segment boot : code, 0x100, in a;
            }
        }
    "#
    .parse()
    .unwrap();
    let out = memlayout::dsl::expand(input).to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(out.contains("pub mod boot"), "{out}");
    assert!(
        out.contains("pub const LINK_SECTION : & str = \".memlayout.el3.boot\""),
        "{out}"
    );
}

/// An alias that names no Device type carries its target's: an `nGnRnE` page aliased
/// from another table (and in its own) is `nGnRnE` there too, not the default
/// Device-nGnRE. An alias that names another type than its target's is a mismatched
/// alias.
#[test]
fn a_device_alias_carries_its_targets_device_type() {
    use memlayout::DeviceType;
    memory_layout! {
        mod devices {
            physical ram = 0x4000_0000 .. +16M;
            physical mmio = 0x0900_0000 .. +16M, device;
            table el3 (core 0, EL3) {
                virtual 0x4000_0000 .. +16M;
                page uart : device, 4K, pa 0x0900_0000, rw, nGnRnE;
                page uart_again : device, alias uart;
            }
            table el1 (core 0, EL1_NS) {
                virtual 0x8000_0000 .. +16M;
                page uart : device, alias el3::uart;
            }
        }
    }
    assert_eq!(devices::el3::UART.device_type(), Some(DeviceType::nGnRnE));
    assert_eq!(
        devices::el3::UART_AGAIN.device_type(),
        Some(DeviceType::nGnRnE)
    );
    assert_eq!(devices::el1::UART.device_type(), Some(DeviceType::nGnRnE));
    assert_eq!(devices::el1::UART.pa(), devices::el3::UART.pa());

    let input: proc_macro2::TokenStream = r#"
        mod devices {
            physical ram = 0x4000_0000 .. +16M;
            physical mmio = 0x0900_0000 .. +16M, device;
            table el3 (core 0, EL3) {
                virtual 0x4000_0000 .. +16M;
                page fb : device, 4K, pa 0x0900_1000, rw, nGnRE;
            }
            table el1 (core 0, EL1_NS) {
                virtual 0x8000_0000 .. +16M;
                page fb : device, alias el3::fb, GRE;
            }
        }
    "#
    .parse()
    .unwrap();
    let out = memlayout::dsl::expand(input).to_string();
    assert!(out.contains("compile_error"), "{out}");
    assert!(
        out.contains(
            "PA 0x900_1000..0x900_2000 is already mapped by `fb` as device Device-nGnRE, \
             and mapping it as device Device-GRE makes a mismatched alias"
        ),
        "{out}"
    );
}
