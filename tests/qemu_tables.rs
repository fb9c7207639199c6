//! End-to-end check of the translation tables memlayout builds: every table of a
//! layout is loaded on QEMU and every page is probed with the AT instructions.
//!
//! For each table, one QEMU run probes:
//!
//! * every page, at its first byte, its last 8-byte aligned address and (for pages
//!   larger than 4 KiB: 64 KiB, 2 MiB, 32 MiB and 1 GiB) one in the middle: a read translates to the page's PA with the
//!   expected `MAIR` attribute byte (Device-nGnRnE `0x00`, Device-nGnRE `0x04`,
//!   Device-nGRE `0x08`, Device-GRE `0x0c`, non-cacheable `0x44`, write-through `0xbb`,
//!   write-back `0xff`), the expected shareability (cacheable
//!   Normal memory only: QEMU reports the descriptor's SH unchanged for the other
//!   types) and, in Secure regimes, NS set exactly for pages of the Non-secure pool; a
//!   write translates the same way on writable pages and takes a permission fault on
//!   read-only ones;
//! * in EL1&0 tables, unprivileged (EL0) reads and writes: EL1 pages are out of EL0's
//!   reach (permission faults), EL0 pages can be read and, when writable, written,
//!   except execute-only (`x`) EL0 pages, which fault on AT S1E0R and translate on AT
//!   S1E1R (EL1 reads them);
//! * the guard gaps of guarded runs (`guard`): both ends and the middle of each gap
//!   must take a translation fault;
//! * unmapped addresses (the holes between pages, below the first page, past the last
//!   one and past the VA size): translation faults;
//! * for EL3 tables that map the harness (which then runs on them): stores through
//!   the VA of every writable Normal page, read back at the page's PA.
//!
//! Every probe is also walked with [`Translation::walk`], the crate's software walker:
//! it must give the same PA, attribute byte and fault level as QEMU's MMU. As AT does
//! not check execute permission, the execute-never bits (and the other permission
//! bits) of the descriptor the walker finds are compared with the encoding the page's
//! attributes call for, and a 64 KiB or 32 MiB page (16 leaves with the Contiguous bit)
//! must have the bit on the leaf that maps it, unless it was merged into a larger block.
//!
//! EL3 tables that do not map the harness are probed as Secure EL2 tables (same
//! format). The tests skip (or fail with `MEMLAYOUT_REQUIRE_QEMU=1`) when
//! `qemu-system-aarch64` or `aarch64-linux-gnu-gcc` is missing.

use memlayout::aarch64::{Granule, TableConfig, Translation};
use memlayout::tables::TablePlacement;
use memlayout::{DeviceType, ExecutionContext, Layout, Page, PageKind, PageSize, Perms};
use memlayout_tests::layouts;
use memlayout_tests::qemu::{self, Access, Job, Probe, Regime};
use memlayout_tests::table_checks::{
    Check, Expect, MAIR, crate_walk, describe, evaluate, expected_attr, expected_sh, hole_checks,
    is_secure, job_regime, judge, offsets, page_checks, stores, table_job,
};

// Stage 1 descriptor bits, written out here so the expected encoding does not come
// from the code under test.
const NS: u64 = 1 << 5;
const AP1_EL0: u64 = 1 << 6;
const AP2_READ_ONLY: u64 = 1 << 7;
const SH_SHIFT: u32 = 8;
const AF: u64 = 1 << 10;
const NG: u64 = 1 << 11;
const PXN: u64 = 1 << 53;
/// UXN in the EL1&0 regime, XN in the EL2 and EL3 regimes.
const XN: u64 = 1 << 54;

/// Whether the page may execute at all (device and system pages never do).
fn executable(page: &Page) -> bool {
    matches!(page.kind(), PageKind::Code | PageKind::Data) && page.perms().execute()
}

/// The guard gaps of the guarded runs among `pages`: each run's first page (index 0)
/// starts the run, its `guard` bytes below it and above its last page stay unmapped.
/// Probed at the first and last 8 bytes of each gap and, for gaps over 4 KiB, in the
/// middle, so a stray mapping anywhere in a gap shows. The probes are explicit: they do
/// not rely on the hole probes happening to land in a gap.
fn guard_checks(table: &str, el: ExecutionContext, pages: &[Page]) -> Vec<Check> {
    let mut vas: Vec<u64> = Vec::new();
    for first in pages.iter().filter(|p| p.guard() != 0 && p.index() == 0) {
        let Some(last) = pages
            .iter()
            .filter(|p| p.name() == first.name())
            .max_by_key(|p| p.va())
        else {
            continue;
        };
        let g = u128::from(first.guard());
        let (start, end) = (u128::from(first.va()), last.va_end());
        // Each gap as `lo .. hi`, clipped to the 64-bit space.
        let gaps = [
            (start.saturating_sub(g), start),
            (end, (end + g).min(1 << 64)),
        ];
        for (lo, hi) in gaps.into_iter().filter(|(lo, hi)| lo < hi) {
            let mut probes = vec![lo, hi - 8];
            if hi - lo > 0x1000 {
                probes.push(lo + (((hi - lo) / 2) & !7));
            }
            vas.extend(probes.into_iter().map(|va| va as u64));
        }
    }
    vas.sort_unstable();
    vas.dedup();
    vas.into_iter()
        .map(|va| Check {
            what: format!("table `{table}` ({el}): guard gap va {va:#x}"),
            probe: Probe::new(va, Access::Read),
            expect: Expect::Unmapped,
        })
        .collect()
}

/// Checks the descriptor the software walker finds for a page against the encoding
/// its attributes call for, including the execute-never bits that AT cannot check.
fn descriptor_check(tr: &Translation, page: &Page) -> Result<(), String> {
    let w = tr
        .walk(page.va())
        .map_err(|e| format!("the software walker does not translate it: {e}"))?;
    let bits = w.descriptor.bits();
    let mut want = AF | u64::from(expected_sh(page)) << SH_SHIFT;
    if !page.perms().write() {
        want |= AP2_READ_ONLY;
    }
    if page.mem_attrs().is_non_secure() && is_secure(page.el()) {
        want |= NS;
    }
    let x = executable(page);
    let el = page.el();
    if !el.is_el10_regime() {
        want |= AP1_EL0 | if x { 0 } else { XN };
    } else if el.is_user() {
        // Execute-only (`x`): AP[1] clear, so EL0 has no data access.
        let ap1 = if page.perms().read() { AP1_EL0 } else { 0 };
        want |= ap1 | NG | PXN | if x { 0 } else { XN };
    } else {
        want |= XN | if x { 0 } else { PXN };
    }
    if el.is_user()
        && page.perms() == Perms::X
        && (w.el0_perms() != Some(Perms::X) || w.perms() != Perms::R)
    {
        return Err(format!(
            "the software walker reads an execute-only page as EL0 {:?}, EL1 {:?}",
            w.el0_perms(),
            w.perms()
        ));
    }
    let mask = NS | AP1_EL0 | AP2_READ_ONLY | 3 << SH_SHIFT | AF | NG | PXN | XN;
    if bits & mask != want {
        return Err(format!(
            "descriptor {bits:#018x} at level {} has permission/attribute bits {:#018x}, \
             expected {want:#018x}",
            w.level,
            bits & mask
        ));
    }
    if w.attr != expected_attr(page) {
        return Err(format!(
            "descriptor {bits:#018x} selects attribute byte {:#04x}, expected {:#04x}",
            w.attr,
            expected_attr(page)
        ));
    }
    // The leaf holds the whole page: a merged block may be larger; only a page larger
    // than a root entry is split (a 1 GiB page under a 4 KiB level 2 root into 2 MiB
    // blocks), and a Contiguous group page (a 64K, 32M or 16G page of the 4 KiB granule,
    // 2M or 1G of 16 KiB, 2M or 16G of 64 KiB) is a group of leaves, each marked as one
    // (the tables here set hints).
    let (level, leaves) = tr
        .format()
        .page_leaves(page.page_size())
        .ok_or_else(|| format!("the table's format has no {} pages", page.page_size()))?;
    let split_giant = level < tr.root_level();
    let group = leaves > 1;
    let leaf = page.size() / leaves;
    if group && w.block_size() == leaf && !w.contiguous() {
        return Err(format!(
            "descriptor {bits:#018x} at level {} of a {} page lacks the Contiguous bit",
            w.level,
            page.page_size()
        ));
    }
    if w.block_size() < leaf && !(split_giant && w.level == tr.root_level()) {
        return Err(format!(
            "resolved by a level {} leaf of {:#x} bytes, smaller than the page",
            w.level,
            w.block_size()
        ));
    }
    Ok(())
}

/// Probes one table in one QEMU run; returns the failures.
fn check_table(layout: &str, tr: &Translation, pages: &[Page]) -> Vec<String> {
    let table = tr.name();
    let el = tr.el();
    let mut failures = Vec::new();
    if tr.mair() != MAIR {
        failures.push(format!(
            "{layout}: table `{table}`: MAIR {:#x}, expected {MAIR:#x}",
            tr.mair()
        ));
    }
    for page in pages {
        if let Err(e) = descriptor_check(tr, page) {
            failures.push(format!("{layout}: {}: {e}", describe(table, el, page)));
        }
    }
    let runs_harness = el == ExecutionContext::EL3 && pages.iter().any(layouts::is_harness_page);
    let regime = job_regime(el, runs_harness);
    let mut checks = Vec::new();
    for page in pages {
        page_checks(table, el, page, &mut checks);
    }
    checks.extend(hole_checks(table, el, tr, pages));
    checks.extend(guard_checks(table, el, pages));
    // Stores through every writable Normal page (not the harness's own page).
    let (writes, write_what) = if runs_harness {
        stores(
            table,
            el,
            pages.iter().filter(|p| !layouts::is_harness_page(p)),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let job = table_job(regime, tr, &checks, writes);
    let outcome = match qemu::run(&job) {
        Ok(outcome) => outcome,
        Err(e) => {
            failures.push(format!(
                "{layout}: table `{table}` ({el}) as {regime:?}: QEMU run failed: {e}"
            ));
            return failures;
        }
    };
    failures.extend(
        judge(&checks, &outcome, |va| crate_walk(tr, va), &write_what)
            .into_iter()
            .map(|f| format!("{layout}: {f}")),
    );
    failures
}

/// Builds the tables of `layout` and probes every table; panics with every failure.
fn check_layout(name: &str, mut layout: Layout) {
    let translations = layout
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap_or_else(|e| panic!("{name}: building the translation tables failed: {e}"));
    let tables: Vec<_> = layout.tables().collect();
    assert_eq!(
        translations.len(),
        tables.len(),
        "{name}: one translation per table"
    );
    let mut failures = Vec::new();
    for (&t, tr) in tables.iter().zip(&translations) {
        let pages: Vec<Page> = layout.pages(t).into_iter().cloned().collect();
        failures.extend(check_table(name, tr, &pages));
    }
    if !failures.is_empty() {
        let shown: Vec<&str> = failures.iter().take(40).map(String::as_str).collect();
        panic!(
            "{name}: {} check(s) failed:\n{}{}",
            failures.len(),
            shown.join("\n"),
            if failures.len() > shown.len() {
                "\n..."
            } else {
                ""
            }
        );
    }
}

/// Every table of the fixed layouts holds the Contiguous group pages of the mix (a 64K
/// device page, a 32M page, two 64K pages), so the QEMU runs below probe them; their
/// leaves carry the Contiguous bit. Needs no QEMU.
#[test]
fn fixed_layouts_map_contiguous_group_pages() {
    let layouts = [
        ("el3", layouts::el3()),
        ("el2_ns", layouts::el2(false)),
        ("el2_s", layouts::el2(true)),
        ("el1_ns_el0_ns", layouts::el1_el0(false)),
        ("upper_range_ns", layouts::upper_range(false)),
    ];
    for (name, layout) in layouts {
        let mut layout = layout.unwrap_or_else(|e| panic!("{name}: {e}"));
        let translations = layout
            .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let tables: Vec<_> = layout.tables().collect();
        for (&t, tr) in tables.iter().zip(&translations) {
            let pages = layout.pages(t);
            for (page_name, size, count) in [
                ("gicd_64k", PageSize::Size64K, 1),
                ("heap_32m", PageSize::Size32M, 1),
                ("bufs_64k", PageSize::Size64K, 2),
            ] {
                let found: Vec<_> = pages.iter().filter(|p| p.name() == page_name).collect();
                assert_eq!(found.len(), count, "{name}/{}: {page_name}", tr.name());
                for p in found {
                    assert_eq!(p.page_size(), size);
                    assert_eq!((p.va() % p.size(), p.pa() % p.size()), (0, 0));
                    for off in [0, p.size() / 2, p.size() - 1] {
                        let w = tr.walk(p.va() + off).unwrap();
                        assert_eq!(w.pa, p.pa() + off);
                        assert!(
                            w.contiguous() || w.block_size() > p.size() / 16,
                            "{name}/{}: {page_name} at {off:#x}",
                            tr.name()
                        );
                    }
                }
            }
        }
    }
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el3_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let layout = layouts::el3().expect("the EL3 layout fits");
    check_layout("el3", layout);
}

/// A GIC in both physical address spaces: AT from the EL3 table reports PAR_EL1.NS = 0
/// for the distributor and 1 for the frame mapped through its non-secure view; from the
/// `EL2_NS` and `EL1_NS` tables, 1 for the same distributor PA. The software walker finds
/// the NS bit set exactly in the EL3 descriptor of the non-secure view.
#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn dual_view_gic_layout() {
    let layout = layouts::dual_view().expect("the dual-view layout fits");
    // The views, as planned: the secure table's secure view, then every non-secure one.
    let mut seen = Vec::new();
    for t in layout.tables() {
        for p in layout.pages(t) {
            if p.name().starts_with("gic") && p.index() == 0 {
                seen.push((p.el(), p.name().to_string(), p.mem_attrs().is_non_secure()));
            }
        }
    }
    use ExecutionContext::{EL1_NS, EL2_NS, EL3};
    assert_eq!(
        seen,
        [
            (EL3, "gicd".to_string(), false),
            (EL3, "gic_ns_view".to_string(), true),
            (EL2_NS, "gicd".to_string(), true),
            (EL1_NS, "gicd".to_string(), true),
        ]
    );
    if !qemu::require_tools_or_skip() {
        return;
    }
    check_layout("dual_view", layout);
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el2_ns_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    check_layout(
        "el2_ns",
        layouts::el2(false).expect("the EL2_NS layout fits"),
    );
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el2_s_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    check_layout("el2_s", layouts::el2(true).expect("the EL2_S layout fits"));
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el1_ns_el0_ns_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    check_layout(
        "el1_ns_el0_ns",
        layouts::el1_el0(false).expect("the EL1_NS/EL0_NS layout fits"),
    );
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el1_s_el0_s_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    check_layout(
        "el1_s_el0_s",
        layouts::el1_el0(true).expect("the EL1_S/EL0_S layout fits"),
    );
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn quickstart_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let layout = memlayout_tests::quickstart::build(Some(0x5EED)).expect("the quickstart fits");
    check_layout("quickstart", layout);
}

macro_rules! random_layouts {
    ($($name:ident: $seed:expr,)*) => {$(
        #[test]
        #[cfg_attr(
            memlayout_no_qemu,
            ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
        )]
        fn $name() {
            if !qemu::require_tools_or_skip() {
                return;
            }
            let seed: u64 = $seed;
            check_layout(&format!("random({seed:#x})"), layouts::random(seed));
        }
    )*};
}

/// [`random_layouts!`] with every table of a 16 KiB or 64 KiB granule: the same kinds
/// of layout, seeded, with the granule's pages, blocks and Contiguous groups.
macro_rules! random_granule_layouts {
    ($($name:ident: $seed:expr, $granule:expr,)*) => {$(
        #[test]
        #[cfg_attr(
            memlayout_no_qemu,
            ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
        )]
        fn $name() {
            if !qemu::require_tools_or_skip() {
                return;
            }
            let (seed, granule): (u64, Granule) = ($seed, $granule);
            let layout = layouts::random_with_granule(seed, granule);
            assert!(
                layout.tables().all(|t| layout.granule(t) == Some(granule)),
                "every table has the granule"
            );
            check_layout(&format!("random({seed:#x}, {granule})"), layout);
        }
    )*};
}

random_granule_layouts! {
    random_16k_layout_0: 0, Granule::Size16K,
    random_16k_layout_1: 3, Granule::Size16K,
    random_16k_layout_2: 0x5EED, Granule::Size16K,
    random_64k_layout_0: 1, Granule::Size64K,
    random_64k_layout_1: 4, Granule::Size64K,
    random_64k_layout_2: 0xDEAD_BEEF, Granule::Size64K,
}

random_layouts! {
    random_layout_0: 0,
    random_layout_1: 1,
    random_layout_2: 2,
    random_layout_3: 3,
    random_layout_4: 4,
    random_layout_5: 5,
    random_layout_6: 6,
    random_layout_7: 7,
    random_layout_8: 8,
    random_layout_9: 9,
    random_layout_10: 0x5EED,
    random_layout_11: 0xDEAD_BEEF,
}

/// Tables whose VA size is the smallest that covers their ranges, rooted at levels 0,
/// 1 and 2 (the 4 KiB granule has no level 3 root: 25 to 30 bits start at level 2,
/// DDI 0487 D8.2), among them the five identity device pages below 1 GiB that need 5
/// tables instead of the 7 of a 48-bit VA.
#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn smallest_regime_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let layout = layouts::smallest_regimes().expect("the layout fits");
    let trs = layout
        .clone()
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .expect("tables");
    let shape: Vec<(u8, i8)> = trs.iter().map(|t| (t.va_bits(), t.root_level())).collect();
    assert_eq!(shape, [(41, 0), (35, 1), (30, 2)]);
    assert_eq!(
        trs[2].table_count(),
        5,
        "a level 2 root and four level 3 tables"
    );
    assert_eq!(trs[2].tcr() & 0x3F, 34, "T0SZ");
    let small = layout.table("small").expect("small");
    let wide = TableConfig::default().with_va_bits(48);
    assert_eq!(
        memlayout::aarch64::table_count(layout.pages(small), &wide),
        Ok(7),
        "a 48-bit VA needs 7"
    );
    check_layout("smallest_regime", layout);
}

/// EL1 and EL0 tables with upper-range pages, loaded with both `TTBR0_EL1` and
/// `TTBR1_EL1` and the computed `TCR_EL1`; two of the tables have only an upper range
/// (EPD0), so every lower VA probed there must fault.
#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn upper_range_ns_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let layout = layouts::upper_range(false).expect("the upper-range layout fits");
    check_upper_layout("upper_range_ns", layout);
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn upper_range_s_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let layout = layouts::upper_range(true).expect("the upper-range layout fits");
    check_upper_layout("upper_range_s", layout);
}

/// Checks that `layout` really has upper pages of every size and upper-only tables,
/// then probes it like every other layout.
fn check_upper_layout(name: &str, layout: Layout) {
    let tables: Vec<_> = layout.tables().collect();
    let upper_pages: Vec<Page> = tables
        .iter()
        .flat_map(|&t| layout.pages(t))
        .filter(|p| p.va() >> 63 == 1)
        .cloned()
        .collect();
    for size in [PageSize::Size4K, PageSize::Size2M, PageSize::Size1G] {
        assert!(
            upper_pages.iter().any(|p| p.page_size() == size),
            "{name}: an upper {size:?} page"
        );
    }
    assert!(
        upper_pages.iter().any(|p| p.is_shared()),
        "{name}: a shared upper page"
    );
    assert!(
        upper_pages
            .iter()
            .any(|p| p.va() == 0u64.wrapping_sub(0x1000)),
        "{name}: the last page below 2^64"
    );
    assert!(
        tables.iter().any(|&t| !layout.has_lower_range(t)),
        "{name}: a table with only an upper range"
    );
    check_layout(name, layout);
}

/// The tables `memory_layout!` emits, loaded as emitted: each table module's
/// `TRANSLATION` image at its `TABLES_PA`, with its `MAIR`, `TCR`, `TTBR0` and
/// `SCTLR_SET`. The EL3 table identity-maps the harness, which then runs on it.
///
/// The layout keeps the two worlds apart: secure RAM for EL3, non-secure RAM and devices
/// for the rest, and a GIC in both physical address spaces. Its distributor page is
/// shared by the EL3 and the EL1 table: AT reports PAR_EL1.NS = 0 for the EL3 table's
/// secure view and 1 for the EL1 table's (the probes of every page check NS), and
/// `gicr_ns` is the EL3 table's non-secure view of a redistributor frame (NS = 1).
#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn macro_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    memlayout_macros::memory_layout! {
        mod soc {
            physical harness_ram = 0x4000_0000 .. +2M;
            physical sram = 0x4020_0000 .. +62M;
            physical ram = 0x4400_0000 .. +960M, non_secure;
            physical gic = 0x0800_0000 .. +16M, device, secure, non_secure;
            physical mmio = 0x0900_0000 .. +16M, device, non_secure;
            table el3 (core 0, EL3) {
                virtual 0x4000_0000 .. +2G;
                page harness : code, 2M, va 0x4000_0000, pa 0x4000_0000, rwx;
                page text    : code, 4K * 3, rx;
                page rodata  : data, 4K, r;
                page heap    : data, 2M, rw;
                page stacks  : data, 4K * 2, rw, guard 4K;
                page log     : data, 4K, rw, non_cacheable;
                page trace   : data, 4K, rw, write_through, outer;
                page high    : data, 4K, va 0x6000_0000, rw;
                page uart    : device, 4K, pa 0x0900_0000, rw;
                page gicr_ns : device, 4K, pa 0x080A_0000, rw, non_secure_view;
            }
            table el1 (core 0, EL1_NS) {
                virtual 0x8000_0000 .. +1G;
                page kernel  : code, 2M;
                page modules : code, 4K * 2;
                page heap    : data, 4K * 4, rw;
                page ro      : data, 4K, r, write_through;
                page uart    : device, 4K, pa 0x0900_1000, rw;
                page gicd    : device, 4K, pa 0x0900_2000, nGnRnE;
                page wc      : device, 4K * 2, pa 0x0900_4000, nGRE;
                page fb      : device, 2M, pa 0x0920_0000, GRE;
            }
            table user (core 0, EL0_NS) {
                virtual 0x40_0000 .. +1G;
                page text    : code, 4K * 3, x;
                page consts  : data, 4K, r;
                page heap    : data, 4K * 2;
                segment start : code, 0x100, in text;
            }
            shared page gic_dist : device, 4K, pa 0x0800_0000, rw, tables [el3, el1];
        }
    }
    // One distributor PA, two views: secure from EL3, non-secure from EL1.
    assert_eq!(soc::el3::GIC_DIST.pa(), soc::el1::GIC_DIST.pa());
    assert!(!soc::el3::GIC_DIST.mem_attrs().is_non_secure());
    assert!(soc::el1::GIC_DIST.mem_attrs().is_non_secure());
    assert!(soc::el3::GICR_NS.mem_attrs().is_non_secure());
    let tables = [
        (
            soc::el3::INFO,
            soc::el3::PAGES.as_slice(),
            soc::el3::TRANSLATION.as_bytes(),
            [soc::el3::TABLES_PA, soc::el3::MAIR, soc::el3::TCR],
            [soc::el3::TTBR0, soc::el3::TTBR1, soc::el3::SCTLR_SET],
        ),
        (
            soc::el1::INFO,
            soc::el1::PAGES.as_slice(),
            soc::el1::TRANSLATION.as_bytes(),
            [soc::el1::TABLES_PA, soc::el1::MAIR, soc::el1::TCR],
            [soc::el1::TTBR0, soc::el1::TTBR1, soc::el1::SCTLR_SET],
        ),
        (
            soc::user::INFO,
            soc::user::PAGES.as_slice(),
            soc::user::TRANSLATION.as_bytes(),
            [soc::user::TABLES_PA, soc::user::MAIR, soc::user::TCR],
            [soc::user::TTBR0, soc::user::TTBR1, soc::user::SCTLR_SET],
        ),
    ];
    assert_eq!(soc::el1::GICD.device_type(), Some(DeviceType::nGnRnE));
    assert_eq!(soc::user::TEXT[0].perms(), Perms::X);
    check_emitted(&tables);
}

/// One table module's output: `INFO`, `PAGES`, `TRANSLATION`, `[TABLES_PA, MAIR, TCR]`
/// and `[TTBR0, TTBR1, SCTLR_SET]`.
type EmittedTable = (
    &'static memlayout::TableInfo,
    &'static [Page],
    &'static [u8],
    [u64; 3],
    [u64; 3],
);

/// Loads every emitted table as emitted (image at `TABLES_PA`, `MAIR`, `TCR`, `TTBR0`,
/// `TTBR1`, `SCTLR_SET`) and probes every page and hole; panics with every failure.
fn check_emitted(tables: &[EmittedTable]) {
    let mut failures = Vec::new();
    for (info, pages, image, [tables_pa, mair, tcr], [ttbr0, ttbr1, sctlr_set]) in
        tables.iter().copied()
    {
        let table = info.name();
        let el = info.el();
        // The software walker and the descriptor checks need a `Translation`: rebuild
        // one from the emitted pages (its PA size read back from TCR.PS/IPS) and make
        // sure it is the emitted image.
        let ps_shift = if el.is_el10_regime() { 32 } else { 16 };
        let pa_bits = memlayout::aarch64::regs::PA_BITS[((tcr >> ps_shift) & 7) as usize];
        // The VA sizes and ranges as the MMU reads them from TCR: T0SZ and EPD0, and
        // (EL1&0) T1SZ unless EPD1 is set.
        let va_bits = 64 - (tcr & 0x3F) as u8;
        let el10 = el.is_el10_regime();
        let upper = (el10 && tcr & (1 << 23) == 0).then(|| 64 - ((tcr >> 16) & 0x3F) as u8);
        let config = TableConfig::default()
            .with_pa_bits(pa_bits)
            .with_va_bits(va_bits)
            .with_lower(!(el10 && tcr & (1 << 7) != 0))
            .with_upper_va_bits(upper);
        let tr = memlayout::aarch64::build(info, pages.iter(), tables_pa, &config)
            .unwrap_or_else(|e| panic!("macro: table `{table}`: rebuilding failed: {e}"));
        assert_eq!(tr.bytes(), image, "macro: table `{table}`: image");
        assert_eq!(
            [tr.mair(), tr.tcr(), tr.ttbr0(), tr.ttbr1(), tr.sctlr_set()],
            [mair, tcr, ttbr0, ttbr1, sctlr_set],
            "macro: table `{table}`: registers"
        );
        if mair != MAIR {
            failures.push(format!("macro: table `{table}`: MAIR {mair:#x}"));
        }
        for page in pages {
            if let Err(e) = descriptor_check(&tr, page) {
                failures.push(format!("macro: {}: {e}", describe(table, el, page)));
            }
        }
        let runs_harness = el == ExecutionContext::EL3;
        assert!(
            !runs_harness || pages.iter().any(layouts::is_harness_page),
            "the EL3 table maps the harness"
        );
        let regime = if runs_harness {
            Regime::El3
        } else {
            Regime::El1 { secure: false }
        };
        let mut checks = Vec::new();
        for page in pages {
            page_checks(table, el, page, &mut checks);
        }
        // `PAGES` is in declaration order; the holes are found in VA order.
        let mut by_va = pages.to_vec();
        by_va.sort_by_key(Page::va);
        checks.extend(hole_checks(table, el, &tr, &by_va));
        checks.extend(guard_checks(table, el, pages));
        let mut writes = Vec::new();
        if runs_harness {
            for page in pages {
                if page.kind() != PageKind::Device
                    && page.perms().write()
                    && !layouts::is_harness_page(page)
                {
                    for off in offsets(page) {
                        writes.push((page.va() + off, page.pa() + off));
                    }
                }
            }
        }
        let job = Job {
            regime,
            tables: vec![(tables_pa, image.to_vec())],
            mair,
            tcr,
            ttbr0,
            ttbr1,
            sctlr_set,
            probes: checks.iter().map(|c| c.probe).collect(),
            writes: writes.clone(),
        };
        let outcome = match qemu::run(&job) {
            Ok(outcome) => outcome,
            Err(e) => {
                failures.push(format!(
                    "macro: table `{table}` ({el}): QEMU run failed: {e}"
                ));
                continue;
            }
        };
        for (check, &par) in checks.iter().zip(&outcome.par) {
            if let Err(e) = evaluate(crate_walk(&tr, check.probe.va), check, par) {
                failures.push(format!("macro: {}: {e}", check.what));
            }
        }
        for (&(va, pa), &(written, read)) in writes.iter().zip(&outcome.writes) {
            if written != read {
                failures.push(format!(
                    "macro: table `{table}`: store at va {va:#x}: stored {written:#x}, read \
                     {read:#x} at pa {pa:#x}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A layout declared with the macro: the kernel (EL1) in the upper half, with a lower
/// range for its identity-mapped boot page, and a user table (EL0) in the lower half;
/// a mailbox shared by both. Each is loaded through its emitted constants (`TTBR0`,
/// `TTBR1`, `TCR`) and probed with AT S1E1R/W and S1E0R/W: every page translates, and
/// VAs outside the declared ranges fault.
#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn macro_upper_layout() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    memlayout_macros::memory_layout! {
        mod os {
            physical ram = 0x4020_0000 .. +2G, non_secure;
            physical mmio = 0x0900_0000 .. +16M, device, non_secure;
            tables in ram;
            table kernel (core 0, EL1_NS) {
                virtual 0x4020_0000 .. +1G;
                virtual 0xFFFF_8000_0000_0000 .. +4G;
                page boot    : code, 2M, identity;
                page text    : code, 2M, va 0xFFFF_8000_0000_0000;
                page rodata  : data, 4K * 4, r;
                page heap    : data, 1G;
                page stacks  : data, 4K * 8, rw, guard 8K;
                page uart    : device, 4K, pa 0x0900_0000, rw;
            }
            table user (core 0, EL0_NS) {
                virtual 0x40_0000 .. +1G;
                page text  : code, 4K * 2, rx;
                page data  : data, 2M, rw;
                page ro    : data, 4K, r;
            }
            shared page mailbox : data, 4K, rw;
        }
    }
    assert_ne!(os::kernel::TTBR1, 0, "the kernel has an upper range");
    assert_eq!(os::user::TTBR1, 0, "the user table has none");
    assert_eq!(os::kernel::TCR & (1 << 23), 0, "EPD1 clear for the kernel");
    assert_ne!(os::user::TCR & (1 << 23), 0, "EPD1 set for the user table");
    assert_eq!(
        (os::kernel::TCR >> 16) & 0x3F,
        64 - 47,
        "T1SZ: a 47-bit upper range"
    );
    assert!(os::kernel::TEXT.va() >> 63 == 1 && os::kernel::HEAP.va() >> 63 == 1);
    check_emitted(&[
        (
            os::kernel::INFO,
            os::kernel::PAGES.as_slice(),
            os::kernel::TRANSLATION.as_bytes(),
            [os::kernel::TABLES_PA, os::kernel::MAIR, os::kernel::TCR],
            [os::kernel::TTBR0, os::kernel::TTBR1, os::kernel::SCTLR_SET],
        ),
        (
            os::user::INFO,
            os::user::PAGES.as_slice(),
            os::user::TRANSLATION.as_bytes(),
            [os::user::TABLES_PA, os::user::MAIR, os::user::TCR],
            [os::user::TTBR0, os::user::TTBR1, os::user::SCTLR_SET],
        ),
    ]);
}
