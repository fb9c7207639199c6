//! Property test of tables with lower and upper VA ranges: a random mix of lower and
//! upper pages in an EL1 or EL0 table; every page walks to its PA through the root of
//! its own range (TTBR0 or TTBR1, as the registers say), and nothing else translates.
#![cfg(feature = "alloc")]

use memlayout::aarch64::{TableConfig, WalkFault, walk_registers};
use memlayout::tables::TablePlacement;
use memlayout::{ExecutionContext, Layout, PageKind, PageRequest, PageSize, Pool};
use proptest::prelude::*;

const RAM: u64 = 0x4000_0000;

fn size_of(code: u8) -> PageSize {
    match code % 8 {
        0 => PageSize::Size2M,
        7 => PageSize::Size1G,
        _ => PageSize::Size4K,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn lower_and_upper_pages_walk_through_their_own_root(
        lower_bits in 31u8..=48,
        upper_bits in 31u8..=48,
        with_lower in any::<bool>(),
        user in any::<bool>(),
        pages in prop::collection::vec((any::<bool>(), any::<u8>()), 1..24),
        probes in prop::collection::vec(any::<u64>(), 32),
    ) {
        let el = if user { ExecutionContext::EL0_NS } else { ExecutionContext::EL1_NS };
        let mut l = Layout::new();
        l.add_pool(Pool::ram("ram", RAM, 8 << 30)).unwrap();
        let upper_start = 0u64.wrapping_sub(1 << upper_bits);
        // A lower range ending at the top of its size; an upper range from the start of
        // its size. Both at least 2 GiB, so 1 GiB pages fit.
        let lower_range = ((1u64 << lower_bits) - (2 << 30), 2u64 << 30);
        let upper_range = (upper_start, 2u64 << 30);
        let mut virt = vec![upper_range];
        if with_lower {
            virt.push(lower_range);
        }
        let t = l.add_table("t", 0, el, &virt).unwrap();
        prop_assert_eq!(l.upper_va_bits(t), Some(upper_bits));
        prop_assert_eq!(l.has_lower_range(t), with_lower);
        let mut mapped = Vec::new();
        for (i, &(upper, code)) in pages.iter().enumerate() {
            let range = if upper || !with_lower { upper_range } else { lower_range };
            let size = size_of(code);
            // A fixed VA inside the chosen range, aligned to the page size.
            let slots = range.1 / size.bytes();
            let va = range.0 + (u64::from(code) * 7 + i as u64) % slots * size.bytes();
            let req = PageRequest::new(format!("p{i}"), PageKind::Data, size).va(va);
            if let Ok(m) = l.map(t, &req) {
                mapped.push(m);
            }
        }
        let trs = l
            .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
            .unwrap();
        let tr = &trs[0];
        prop_assert_eq!(tr.has_lower(), with_lower);
        prop_assert_eq!(tr.upper_va_bits(), l.upper_va_bits(t));
        prop_assert_eq!(
            tr.table_count(),
            tr.lower_table_count() + tr.upper_table_count()
        );
        let walk = |va| {
            walk_registers(tr.bytes(), tr.base_pa(), tr.regime(), tr.tcr(), tr.ttbr0(), tr.ttbr1(), va)
        };
        for p in l.pages(t) {
            for off in [0, p.size() / 2, p.size() - 1] {
                let w = walk(p.va() + off).unwrap();
                prop_assert_eq!(w.pa, p.pa() + off);
                prop_assert_eq!(tr.walk(p.va() + off).unwrap().pa, p.pa() + off);
            }
        }
        // Nothing else translates: random VAs, VAs near the ranges' edges.
        let edges = [
            lower_range.0.wrapping_sub(0x1000),
            lower_range.0 + lower_range.1,
            upper_start.wrapping_sub(0x1000),
            upper_start,
            u64::MAX,
            0x8000_0000_0000_0000,
            0,
        ];
        for va in probes.into_iter().chain(edges) {
            match walk(va) {
                Ok(w) => {
                    prop_assert_eq!(l.translate(t, va), Some(w.pa), "VA {:#x}", va);
                }
                Err(f) => {
                    prop_assert_eq!(l.translate(t, va), None, "VA {:#x}: {}", va, f);
                    if va >> 63 == 1 && va < upper_start {
                        prop_assert!(matches!(f, WalkFault::UpperOutOfRange { .. }), "{:?}", f);
                    }
                    if va >> 63 == 0 && !with_lower {
                        prop_assert!(
                            matches!(f, WalkFault::NoLowerRange { .. } | WalkFault::OutOfRange { .. }),
                            "{:?}", f
                        );
                    }
                }
            }
        }
    }
}
