//! Property tests: random page sets, in every granule and descriptor format, against
//! the page-by-page reference builder, the table count, the walkers and the encoding
//! rules.

use crate::PhysicalAddressSpace;
use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::by_page;
use super::descriptor::CONTIGUOUS;
use super::granule::{Format, Granule, LAST_LEVEL};
use super::{
    BuildError, MemoryType, PageRun, Regime, SharedTcr, TableConfig, TableRef, Translation,
    WalkFault, build, build_runs, plan_requests, regs, stage2, table_count, table_count_runs,
};
use crate::model::{
    Cacheability, DeviceType, ExecutionContext, MemAttrs, Page, PageKind, PageSize, Perms,
    SecurityState, Shareability, TableInfo,
};

/// A few attribute sets, so that neighbouring runs often share attributes (and merge)
/// and sometimes do not: every Device type, an execute-only page (which only EL0 tables
/// take) and Root and Realm pages (which only tables that reach those spaces take);
/// [`for_context`] swaps the last ones for `rx` or Secure where they are errors.
fn attr_variants() -> [MemAttrs; 14] {
    let data = MemAttrs::new(PageKind::Data);
    [
        data,
        data,
        MemAttrs::new(PageKind::Code),
        MemAttrs {
            perms: Perms::R,
            cache: Cacheability::WriteThrough,
            ..data
        },
        MemAttrs {
            perms: Perms::RWX,
            share: Shareability::Outer,
            pas: PhysicalAddressSpace::NonSecure,
            ..data
        },
        MemAttrs::new(PageKind::Device),
        MemAttrs {
            cache: Cacheability::NonCacheable,
            share: Shareability::NonShareable,
            ..MemAttrs::new(PageKind::System)
        },
        MemAttrs {
            pas: PhysicalAddressSpace::NonSecure,
            ..MemAttrs::new(PageKind::Code)
        },
        data.with_pas(PhysicalAddressSpace::Realm),
        MemAttrs::new(PageKind::Code).with_pas(PhysicalAddressSpace::Root),
        MemAttrs::new(PageKind::Device).with_device(DeviceType::nGnRnE),
        MemAttrs::new(PageKind::Device).with_device(DeviceType::nGRE),
        MemAttrs::new(PageKind::Device).with_device(DeviceType::GRE),
        MemAttrs::new(PageKind::Code).with_perms(Perms::X),
    ]
}

/// The attributes a page of a table of context `el` in `format` (a stage 2 table if
/// `stage2`) may have: an execute-only page becomes `rx` outside EL0 and stage 2 tables,
/// a Root or Realm page Secure in a table that does not reach its space, and a Normal
/// page Inner Shareable under `TCR_ELx.DS` = 1 (which has no shareability field), where
/// each is an error.
fn for_context(attrs: MemAttrs, el: ExecutionContext, format: Format, stage2: bool) -> MemAttrs {
    let attrs = if attrs.perms.execute_only() && !el.is_user() && !stage2 {
        attrs.with_perms(Perms::RX)
    } else {
        attrs
    };
    let attrs = if format.ds() && attrs.kind != PageKind::Device {
        attrs.with_share(Shareability::Inner)
    } else {
        attrs
    };
    let pas = attrs.pas;
    if matches!(
        pas,
        PhysicalAddressSpace::Root | PhysicalAddressSpace::Realm
    ) && !pas.reaches(el)
    {
        attrs.with_pas(PhysicalAddressSpace::Secure)
    } else {
        attrs
    }
}

/// The page sizes of `format`, smallest first: its page, its blocks and its Contiguous
/// groups.
fn sizes_of(format: Format) -> Vec<PageSize> {
    PageSize::ALL
        .into_iter()
        .filter(|&s| format.allows(s))
        .collect()
}

/// One request of the generator: `count` pages of one size and attribute set, after a
/// gap, aligned in VA and PA to one page, a Contiguous group or a block of the level
/// above (so that hints and merges happen), with PAs either continuing the previous
/// request or elsewhere. The size is the `rank`-th of the format's (modulo their
/// number), or with `invalid` one the format does not have.
#[derive(Clone, Debug)]
struct Run {
    rank: usize,
    invalid: bool,
    count: u64,
    full: bool,
    align: u8,
    gap: u64,
    pa_continues: bool,
    pa_slot: u64,
    attrs: usize,
}

fn run_strategy(invalid: f64) -> impl Strategy<Value = Run> {
    // Small sizes most often.
    let rank = prop_oneof![
        6 => Just(0usize),
        3 => Just(1),
        3 => Just(2),
        2 => Just(3),
        1 => Just(4),
        1 => Just(5),
        1 => Just(6),
    ];
    (
        (rank, prop::bool::weighted(invalid)),
        0u64..40,
        prop::bool::weighted(0.15),
        0u8..3,
        0u64..3,
        any::<bool>(),
        any::<u64>(),
        0usize..attr_variants().len(),
    )
        .prop_map(
            |((rank, invalid), count, full, align, gap, pa_continues, pa_slot, attrs)| Run {
                rank,
                invalid,
                count,
                full,
                align,
                gap,
                pa_continues,
                pa_slot,
                attrs,
            },
        )
}

/// The VA sizes the generator picks from: each granule's start level boundaries, and
/// 49 to 52 bits (52-bit VAs: `DS` = 1 with the 4 KiB and 16 KiB granules, FEAT_LVA with
/// 64 KiB).
const VA_BITS: [u8; 17] = [
    25, 26, 29, 30, 31, 33, 36, 37, 39, 40, 42, 43, 47, 48, 49, 50, 52,
];

/// A random table: its context, configuration, format, pages, and the VA holes between
/// them.
#[derive(Clone, Debug)]
struct Case {
    el: ExecutionContext,
    config: TableConfig,
    format: Format,
    pages: Vec<Page>,
    holes: Vec<(u64, u64)>,
}

/// Which ranges a case has: the lower one, both, or the upper one alone (EL1&0 only).
#[derive(Clone, Copy, Debug)]
enum Ranges {
    Lower,
    Both,
    Upper,
}

/// Valid tables of every granule and format.
fn case_strategy() -> impl Strategy<Value = Case> {
    case_of(run_strategy(0.0), Sizes::Valid)
}

/// Tables that are sometimes invalid: a page size the format does not have, or a
/// Normal page that is not Inner Shareable under `DS` = 1.
fn maybe_invalid_case_strategy() -> impl Strategy<Value = Case> {
    case_of(run_strategy(0.04), Sizes::SometimesInvalid)
}

/// Tables of Contiguous group pages only, so that they meet each other.
fn group_case_strategy() -> impl Strategy<Value = Case> {
    let runs = run_strategy(0.0).prop_map(|run| Run {
        count: run.count.min(32),
        ..run
    });
    case_of(runs, Sizes::Groups)
}

/// The page sizes a generator draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sizes {
    /// The format's sizes.
    Valid,
    /// The format's sizes, sometimes others (as the runs ask), and Normal pages that
    /// keep their shareability under `DS` = 1.
    SometimesInvalid,
    /// The format's Contiguous group sizes.
    Groups,
}

/// A random table whose requests come from `runs`, with sizes from `sizes`.
fn case_of(runs: impl Strategy<Value = Run>, sizes: Sizes) -> impl Strategy<Value = Case> {
    let el = prop::sample::select(ExecutionContext::ALL.to_vec());
    let granule = prop::sample::select(Granule::ALL.to_vec());
    let va_bits = prop::sample::select(VA_BITS.to_vec());
    let pa_bits = prop::sample::select(regs::PA_BITS.to_vec());
    let ranges = prop_oneof![
        3 => Just(Ranges::Lower),
        1 => Just(Ranges::Both),
        1 => Just(Ranges::Upper),
    ];
    (
        (el, granule, va_bits.clone(), va_bits, pa_bits, ranges),
        any::<bool>(),
        (0u64..4, any::<u64>()),
        (0u64..4, any::<u64>()),
        prop::collection::vec(runs, 0..10),
        0usize..10,
        (
            prop::bool::weighted(0.25),
            0u16..600,
            prop::sample::select(VA_BITS.to_vec()),
        ),
    )
        .prop_map(
            move |(
                (el, granule, va_bits, upper_bits, pa_bits, ranges),
                hint,
                lower_start,
                upper_start,
                runs,
                upper_from,
                (process, asid, other_bits),
            )| {
                let ranges = if Regime::of(el).is_single_privilege() {
                    Ranges::Lower
                } else {
                    ranges
                };
                let config = TableConfig::DEFAULT
                    .with_granule(granule)
                    .with_va_bits(va_bits)
                    .with_lower(!matches!(ranges, Ranges::Upper))
                    .with_upper_va_bits((!matches!(ranges, Ranges::Lower)).then_some(upper_bits))
                    .with_pa_bits(pa_bits)
                    .with_contiguous_hint(hint);
                // Sometimes a process table (EL1&0): an ASID when there is a lower range,
                // and a TCR shared with a kernel, whose other range may be larger than
                // the table's (and so choose the format).
                let config = if process && !Regime::of(el).is_single_privilege() {
                    let lower = if config.lower { va_bits } else { other_bits };
                    let upper = config.upper_va_bits.unwrap_or(other_bits);
                    config
                        .with_asid(config.lower.then_some(asid))
                        .with_shared_tcr(Some(SharedTcr::new(lower, upper, asid > 255)))
                } else {
                    config
                };
                let format = config.format();
                let info = TableInfo::new("random", 1, el);
                // The runs before `upper_from` go to the lower range, the others to the
                // upper one (when the table has both).
                let split = match ranges {
                    Ranges::Lower => runs.len(),
                    Ranges::Both => upper_from.min(runs.len()),
                    Ranges::Upper => 0,
                };
                let mut pages = Vec::new();
                let mut pa_cursor = 0;
                let place = Placer {
                    format,
                    info: &info,
                    pa_bits,
                    sizes,
                    stage2: false,
                };
                place.runs(
                    &runs[..split],
                    0,
                    va_bits,
                    lower_start,
                    &mut pages,
                    &mut pa_cursor,
                );
                let start = regs::upper_range_start(upper_bits).unwrap_or(0);
                place.runs(
                    &runs[split..],
                    start,
                    upper_bits,
                    upper_start,
                    &mut pages,
                    &mut pa_cursor,
                );
                let holes = holes_of(&config, &pages);
                Case {
                    el,
                    config,
                    format,
                    pages,
                    holes,
                }
            },
        )
}

/// Lays requests out in one VA range.
struct Placer<'a> {
    format: Format,
    info: &'a TableInfo,
    pa_bits: u8,
    sizes: Sizes,
    stage2: bool,
}

impl Placer<'_> {
    /// Places `runs` in the range of `bits` bits starting at `base` (0 or the upper
    /// range's start), from a quarter `(q, offset)` of the range on, adding their pages
    /// to `pages`. Skips the runs that do not fit.
    fn runs(
        &self,
        runs: &[Run],
        base: u64,
        bits: u8,
        (q, offset): (u64, u64),
        pages: &mut Vec<Page>,
        pa_cursor: &mut u64,
    ) {
        let format = self.format;
        let granule = format.granule;
        let mut sizes = sizes_of(format);
        if self.sizes == Sizes::Groups {
            sizes.retain(|&s| format.page_leaves(s).is_some_and(|(_, n)| n > 1));
        }
        let others: Vec<PageSize> = PageSize::ALL
            .into_iter()
            .filter(|s| !sizes.contains(s))
            .collect();
        let variants = attr_variants();
        let va_limit = 1u64 << bits;
        let pa_limit = 1u64 << self.pa_bits;
        // Start in one quarter of the range, granule aligned: above 2^48 in a 52-bit one.
        let mut va = ((va_limit >> 2) * q + offset % (va_limit >> 3)) & !(granule.bytes() - 1);
        for (r, run) in runs.iter().enumerate() {
            let size = if run.invalid {
                others[run.rank % others.len()]
            } else {
                sizes[run.rank % sizes.len()]
            };
            let bytes1 = size.bytes();
            // The page's leaves, and the pages that fill an entry of the level above.
            let (level, n) = format.page_leaves(size).unwrap_or((LAST_LEVEL, 1));
            let parent = granule.level_size(level - 1);
            let fill = (parent / bytes1).max(1);
            let group = (granule.contiguous_entries(level).unwrap_or(1) / n).max(1);
            let (count, align) = if run.full {
                (fill, fill)
            } else if bytes1 >= 16 << 30 {
                (run.count % 2 + 1, 1)
            } else if bytes1 >= 1 << 30 {
                (run.count % 3 + 1, 1)
            } else {
                let align = [1, group, fill][usize::from(run.align)];
                (run.count + 1, align)
            };
            let align = bytes1 * align;
            let bytes = bytes1 * count;
            let at = (va + run.gap * bytes1).next_multiple_of(align);
            if at.checked_add(bytes).is_none_or(|end| end > va_limit) || bytes > pa_limit {
                continue;
            }
            let pa = if run.pa_continues
                && pa_cursor
                    .next_multiple_of(align)
                    .checked_add(bytes)
                    .is_some_and(|end| end <= pa_limit)
            {
                pa_cursor.next_multiple_of(align)
            } else {
                (run.pa_slot % (pa_limit - bytes + 1)) / align * align
            };
            let attrs = for_context(variants[run.attrs], self.info.el(), format, self.stage2);
            let keep_share = self.sizes == Sizes::SometimesInvalid;
            let attrs = if keep_share && attrs.kind != PageKind::Device {
                attrs.with_share(variants[run.attrs].share)
            } else {
                attrs
            };
            for i in 0..count {
                pages.push(Page::new(
                    alloc::format!("{}{r}", if base == 0 { "lower" } else { "upper" }),
                    i as u32,
                    self.info,
                    base + at + i * bytes1,
                    pa + i * bytes1,
                    size,
                    attrs,
                    false,
                    Vec::new(),
                ));
            }
            va = at + bytes;
            *pa_cursor = pa + bytes;
        }
    }
}

/// The VA ranges (first and last byte) of the table's ranges that no page maps, in VA
/// order.
fn holes_of(config: &TableConfig, pages: &[Page]) -> Vec<(u64, u64)> {
    let mut spans: Vec<(u64, u128)> = pages.iter().map(|p| (p.va(), p.va_end())).collect();
    spans.sort_unstable();
    let mut ranges = Vec::new();
    if config.lower {
        ranges.push((0u64, 1u128 << config.va_bits));
    }
    if let Some(bits) = config.upper_va_bits {
        ranges.push((regs::upper_range_start(bits).unwrap_or(0), 1u128 << 64));
    }
    let mut holes = Vec::new();
    for (start, end) in ranges {
        let mut at = u128::from(start);
        for &(va, va_end) in &spans {
            let va = u128::from(va);
            if va < u128::from(start) || va >= end {
                continue;
            }
            if va > at {
                holes.push((at as u64, (va - 1) as u64));
            }
            at = at.max(va_end);
        }
        if at < end {
            holes.push((at as u64, (end - 1) as u64));
        }
    }
    holes
}

/// The VAs the pages map, as sorted, disjoint spans (first byte, last byte).
fn spans_of(pages: &[Page]) -> Vec<(u64, u64)> {
    let mut spans: Vec<(u64, u64)> = pages
        .iter()
        .map(|p| (p.va(), p.va() + (p.size() - 1)))
        .collect();
    spans.sort_unstable();
    spans
}

/// Whether one of the sorted, disjoint `spans` holds `va`.
fn covered(spans: &[(u64, u64)], va: u64) -> bool {
    let i = spans.partition_point(|&(first, _)| first <= va);
    i > 0 && va <= spans[i - 1].1
}

/// The bytes of one leaf entry a page is written as in `format` under a root of
/// `root`, and whether the page is a Contiguous group of such entries: the page's own
/// level, or one entry per root entry for a page larger than a root entry.
fn leaf_of(format: Format, root: i8, size: PageSize) -> (u64, bool) {
    let granule = format.granule;
    let (level, n) = format.page_leaves(size).unwrap_or((LAST_LEVEL, 1));
    if level < root {
        (granule.level_size(root), false)
    } else {
        (granule.level_size(level), n > 1)
    }
}

/// The root level of the range a VA lies in.
fn root_of(config: &TableConfig, va: u64) -> i8 {
    let bits = if va >> 63 == 1 {
        config.upper_va_bits.unwrap_or(48)
    } else {
        config.va_bits
    };
    config.granule.root_level(bits).unwrap_or(0)
}

/// What [`Translation::walk`] must report for a page, derived from the rules rather
/// than the encoder.
fn check_walk(t: &Translation, case: &Case, page: &Page, va: u64) -> Result<(), TestCaseError> {
    let w = t
        .walk(va)
        .map_err(|f| TestCaseError::fail(alloc::format!("{va:#x}: {f}")))?;
    let a = page.mem_attrs();
    prop_assert_eq!(w.pa, page.pa() + (va - page.va()));
    let (leaf, group) = leaf_of(case.format, root_of(&case.config, va), page.page_size());
    prop_assert!(
        w.block_size() >= leaf,
        "resolved at a smaller block than the page's leaves"
    );
    // A Contiguous group page not merged into a larger block is its leaves, with the
    // Contiguous bit exactly when the table sets hints.
    if group && w.block_size() == leaf {
        prop_assert_eq!(
            w.contiguous(),
            case.config.contiguous_hint,
            "{}",
            page.page_size()
        );
    }
    let mem = match a.kind {
        PageKind::Device => MemoryType::device(a.device),
        PageKind::System => MemoryType::NormalWriteBack,
        _ => MemoryType::normal(a.cache),
    };
    prop_assert_eq!(w.attr, mem.attr_byte());
    let share = if mem.is_device() {
        Shareability::Outer
    } else {
        a.share
    };
    // With DS = 1 the descriptor has no SH field (bits 9:8 are OA[51:50]).
    if case.format.has_sh_field() {
        prop_assert_eq!(w.shareability(), Some(share));
    }
    // NS selects Non-secure from Secure state and Realm EL2, and with NSE the space at
    // EL3; Realm EL1&0 and Non-secure state leave both clear (RES0).
    let secure = case.el.security() == SecurityState::Secure;
    let (nse, ns) = match (case.el, a.pas) {
        (ExecutionContext::EL3, PhysicalAddressSpace::Root) => (true, false),
        (ExecutionContext::EL3, PhysicalAddressSpace::Realm) => (true, true),
        (ExecutionContext::EL2_Realm, pas) => (false, pas == PhysicalAddressSpace::NonSecure),
        (_, pas) => (false, secure && pas == PhysicalAddressSpace::NonSecure),
    };
    prop_assert_eq!(w.ns(), ns);
    if case.el == ExecutionContext::EL3 {
        prop_assert_eq!(w.nse(), nse);
    }
    prop_assert!(w.af());
    let exec = matches!(a.kind, PageKind::Code | PageKind::Data) && a.perms.execute();
    let want = Perms::new(a.perms.read(), a.perms.write(), exec);
    match Regime::of(case.el) {
        // `Regime::of` gives stage 1 regimes only.
        Regime::El2 | Regime::El3 | Regime::Stage2 => {
            prop_assert_eq!(w.perms(), want);
            prop_assert_eq!(w.el0_perms(), None);
            prop_assert_eq!(w.ap() & 1, 1, "AP[1] is RES1");
            // Bit 11 is NSE at EL3 (set for Root and Realm PA), RES0 at EL2.
            prop_assert!(!w.pxn());
            prop_assert_eq!(w.not_global(), nse);
        }
        Regime::El10 if case.el.is_user() => {
            prop_assert_eq!(w.el0_perms(), Some(want));
            prop_assert!(!w.executable(), "user pages never run at EL1");
            prop_assert_eq!(w.writable(), a.perms.write());
            prop_assert!(w.not_global());
            // EL0 reads all but execute-only pages; EL1 reads every user page.
            prop_assert_eq!(w.readable_el0(), a.perms.read());
            prop_assert!(w.perms().read());
        }
        Regime::El10 => {
            prop_assert_eq!(w.perms(), want);
            prop_assert_eq!(w.el0_perms(), None);
            prop_assert!(!w.executable_el0());
            // Kernel pages are global, but every leaf of a process table (one with an
            // ASID) is not.
            prop_assert_eq!(w.not_global(), case.config.asid.is_some());
        }
    }
    Ok(())
}

/// A leaf entry found by [`own_walk`]: the output address of the VA, the level and the
/// descriptor.
#[derive(Clone, Copy, Debug)]
struct Found {
    pa: u64,
    level: i8,
    bits: u64,
}

/// The type bits: 0b11 a table (a page at level 3), 0b01 a block.
const TYPE: u64 = 0b11;

/// The image's table at `pa`, by index, or a failure when `pa` is not the start of one.
fn table_at(t: &Translation, pa: u64) -> Result<usize, TestCaseError> {
    let bytes = t.granule().bytes();
    let count = (t.descriptors().len() / t.granule().entries()) as u64;
    let off = pa.wrapping_sub(t.base_pa());
    prop_assert!(
        off.is_multiple_of(bytes) && off / bytes < count,
        "table address {:#x} is not a table of the image",
        pa
    );
    Ok((off / bytes) as usize)
}

/// An independent walk of [`Translation::descriptors`] for `va`, reading the geometry
/// from the table's [`Format`]: `None` where the VA does not translate (outside the
/// ranges, or an invalid entry); a failure where the image is malformed (a table
/// address outside the image, a block at a level the format has none, a reserved
/// encoding, address bits inside a block).
fn own_walk(t: &Translation, va: u64) -> Result<Option<Found>, TestCaseError> {
    let format = t.format();
    let granule = format.granule;
    let (bits, root_pa, index_va) = if va >> 63 == 1 {
        let Some(bits) = t.upper_va_bits() else {
            return Ok(None);
        };
        let start = 0u64.wrapping_sub(1 << bits);
        if va < start {
            return Ok(None);
        }
        (bits, t.upper_root_pa().unwrap(), va - start)
    } else {
        if !t.has_lower() || va >> t.va_bits() != 0 {
            return Ok(None);
        }
        (t.va_bits(), t.base_pa(), va)
    };
    let mut level = granule.root_level(bits).unwrap();
    let mut table = table_at(t, root_pa)?;
    loop {
        let entries = granule.entries();
        let d = t.descriptors()[table * entries + granule.level_index(index_va, level)];
        match d & TYPE {
            0b11 if level < LAST_LEVEL => {
                table = table_at(t, format.decode_address(d))?;
                level += 1;
            }
            0b11 | 0b01 => {
                prop_assert!(
                    d & TYPE == 0b11 || (level < LAST_LEVEL && format.leaf_allowed(level)),
                    "{:#x}: descriptor {:#x} is a block at level {} in {}",
                    va,
                    d,
                    level,
                    format
                );
                let size = granule.level_size(level);
                let oa = format.decode_address(d);
                prop_assert_eq!(oa % size, 0, "address bits inside a block: {:#x}", d);
                return Ok(Some(Found {
                    pa: oa | (index_va & (size - 1)),
                    level,
                    bits: d,
                }));
            }
            _ => return Ok(None),
        }
    }
}

/// What [`own_walk`] must find for a page: its PA, a leaf at least as large as the
/// page's own leaves, the attribute bits the page's attributes encode to, and the
/// Contiguous bit on an unmerged group page exactly when hints are on.
fn check_own_walk(t: &Translation, case: &Case, page: &Page, va: u64) -> Result<(), TestCaseError> {
    let Some(f) = own_walk(t, va)? else {
        return Err(TestCaseError::fail(alloc::format!(
            "{va:#x} of page {} ({}) does not translate in {}",
            page.va(),
            page.page_size(),
            case.format
        )));
    };
    prop_assert_eq!(f.pa, page.pa() + (va - page.va()), "{:#x}", va);
    let granule = case.format.granule;
    let (leaf, group) = leaf_of(case.format, root_of(&case.config, va), page.page_size());
    let size = granule.level_size(f.level);
    prop_assert!(size >= leaf, "{:#x} resolved at level {}", va, f.level);
    if group && size == leaf {
        prop_assert_eq!(f.bits & CONTIGUOUS != 0, case.config.contiguous_hint);
    }
    let want = super::page_attributes(case.el, page.mem_attrs(), &case.config).attributes();
    let others = !(case.format.address_bits() | TYPE | CONTIGUOUS);
    prop_assert_eq!(f.bits & others, want & others, "{:#x}", va);
    Ok(())
}

/// The tables reached from one range's root, and its leaves (VA relative to the range,
/// level).
type RangeLeaves = (usize, Vec<(u64, i8)>);

/// Every table of the image reached from the roots, and its leaves, checked: each
/// table reached once, every Contiguous bit on a whole aligned group of the granule's
/// size at a level that has one (consecutive output addresses from a group-aligned one,
/// equal attributes). Returns, per range, the tables reached and the leaves (VA
/// relative to the range, level).
fn image_leaves(t: &Translation) -> Result<Vec<RangeLeaves>, TestCaseError> {
    let format = t.format();
    let granule = format.granule;
    let entries = granule.entries();
    let mut ranges = Vec::new();
    if t.has_lower() {
        ranges.push((t.va_bits(), t.base_pa()));
    }
    if let (Some(bits), Some(pa)) = (t.upper_va_bits(), t.upper_root_pa()) {
        ranges.push((bits, pa));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (bits, root_pa) in ranges {
        let root = granule.root_level(bits).unwrap();
        let mut leaves = Vec::new();
        let mut tables = 0;
        // (table, level, VA of its first entry)
        let mut stack = alloc::vec![(table_at(t, root_pa)?, root, 0u64)];
        while let Some((table, level, base)) = stack.pop() {
            prop_assert!(seen.insert(table), "table {} reached twice", table);
            tables += 1;
            let size = granule.level_size(level);
            let d = &t.descriptors()[table * entries..(table + 1) * entries];
            for (i, &bits) in d.iter().enumerate() {
                let va = base + i as u64 * size;
                match bits & TYPE {
                    0b11 if level < LAST_LEVEL => {
                        stack.push((table_at(t, format.decode_address(bits))?, level + 1, va));
                    }
                    0b11 | 0b01 => {
                        prop_assert!(bits & TYPE == 0b11 || format.leaf_allowed(level));
                        leaves.push((va, level));
                        if bits & CONTIGUOUS != 0 {
                            let n = granule.contiguous_entries(level);
                            prop_assert!(n.is_some(), "Contiguous bit at level {}", level);
                            let n = n.unwrap() as usize;
                            let first = i / n * n;
                            let group = &d[first..first + n];
                            let oa = format.decode_address(group[0]);
                            let mask = !format.address_bits();
                            prop_assert!(oa.is_multiple_of(size * n as u64), "group PA unaligned");
                            for (k, &g) in group.iter().enumerate() {
                                prop_assert_eq!(g & mask, bits & mask, "group attributes");
                                prop_assert_eq!(
                                    format.decode_address(g),
                                    oa + k as u64 * size,
                                    "group PAs"
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        out.push((tables, leaves));
    }
    Ok(out)
}

/// The table count of a range's leaves by brute force: the root, plus per level below
/// it the distinct entries of the level above that hold a leaf of that level or deeper.
fn brute_count(granule: Granule, root: i8, leaves: &[(u64, i8)]) -> usize {
    let mut count = 1;
    for level in root + 1..=LAST_LEVEL {
        let parent = granule.level_size(level - 1);
        let regions: BTreeSet<u64> = leaves
            .iter()
            .filter(|&&(_, l)| l >= level)
            .map(|&(va, _)| va / parent)
            .collect();
        count += regions.len();
    }
    count
}

/// Everything the tests check of a valid case's built table: the count (from the
/// pages, brute force from the built leaves and from the reference's leaves), every
/// page's first, middle and last byte translating to its PA through both walkers,
/// nothing else translating (past each page, in the holes, at the `probes`), and the
/// bytes mapped equal to the pages' bytes.
fn check_table(case: &Case, base: u64, probes: &[u64]) -> Result<Translation, TestCaseError> {
    let info = TableInfo::new("random", 1, case.el);
    let config = &case.config;
    let granule = case.format.granule;
    let count = table_count(&case.pages, config).unwrap();
    let t = build(&info, &case.pages, base, config).unwrap();
    prop_assert_eq!(t.format(), case.format);
    prop_assert_eq!(t.table_count(), count);
    prop_assert_eq!(t.bytes().len() as u64, count as u64 * granule.bytes());
    prop_assert_eq!(t.descriptors().len(), count * granule.entries());
    prop_assert_eq!(t.base_pa(), base);
    // The count by brute force, from the image's leaves and from the reference's.
    let ranges = image_leaves(&t)?;
    let mut reached = 0;
    let mut mapped = 0u128;
    let bits = [config.lower.then_some(config.va_bits), config.upper_va_bits];
    for ((tables, leaves), bits) in ranges.iter().zip(bits.into_iter().flatten()) {
        let root = granule.root_level(bits).unwrap();
        prop_assert_eq!(brute_count(granule, root, leaves), *tables);
        reached += tables;
        mapped += leaves
            .iter()
            .map(|&(_, l)| u128::from(granule.level_size(l)))
            .sum::<u128>();
    }
    prop_assert_eq!(reached, count, "tables reached from the roots");
    let pages_bytes: u128 = case.pages.iter().map(|p| u128::from(p.size())).sum();
    prop_assert_eq!(mapped, pages_bytes, "bytes mapped");
    let refs: Vec<&Page> = case.pages.iter().collect();
    let plan = by_page::plan(case.el, &TableRef::of_info(&info), &refs, config).unwrap();
    let reference: usize = [&plan.lower, &plan.upper]
        .into_iter()
        .flatten()
        .map(|tree| {
            let leaves: Vec<(u64, i8)> = tree.leaves.iter().map(|l| (l.va, l.level)).collect();
            prop_assert_eq!(granule.root_level(tree.va_bits), Some(tree.root));
            prop_assert_eq!(
                brute_count(granule, tree.root, &leaves),
                by_page::count_tables(granule, tree)
            );
            Ok(brute_count(granule, tree.root, &leaves))
        })
        .sum::<Result<usize, TestCaseError>>()?;
    prop_assert_eq!(
        reference,
        count,
        "brute-force count of the reference's leaves"
    );
    for page in &case.pages {
        for off in [0, page.size() / 2 + 8, page.size() - 1] {
            check_own_walk(&t, case, page, page.va() + off)?;
            check_walk(&t, case, page, page.va() + off)?;
        }
    }
    // Nothing else translates: just past each page, the ends of every hole, the probes.
    let past = case
        .pages
        .iter()
        .filter_map(|p| p.va().checked_add(p.size()));
    let ends = case.holes.iter().flat_map(|&(a, b)| [a, b]);
    let spans = spans_of(&case.pages);
    for va in past.chain(ends).chain(probes.iter().copied()) {
        if covered(&spans, va) {
            continue;
        }
        let found = own_walk(&t, va)?;
        prop_assert!(found.is_none(), "{:#x} translates: {:?}", va, found);
        prop_assert!(
            t.walk(va).is_err(),
            "{:#x} translates: {:?}",
            va,
            t.walk(va)
        );
    }
    for &(first, last) in &case.holes {
        for va in [first, last] {
            prop_assert!(
                matches!(t.walk(va), Err(WalkFault::Translation { .. })),
                "{:#x} in a hole translated: {:?}",
                va,
                t.walk(va)
            );
        }
    }
    if config.lower {
        let past = 1u64 << config.va_bits;
        let fault = t.walk(past);
        if config.upper_va_bits.is_none() {
            prop_assert_eq!(
                fault,
                Err(WalkFault::OutOfRange {
                    va: past,
                    va_bits: config.va_bits
                })
            );
        } else {
            prop_assert!(fault.is_err());
        }
    }
    Ok(t)
}

/// Probe VAs: anywhere in the 64-bit space, or in the table's ranges.
fn probes(config: &TableConfig, raw: &[u64]) -> Vec<u64> {
    raw.iter()
        .enumerate()
        .map(|(i, &r)| match i % 3 {
            0 => r,
            1 => r % (1u64 << config.va_bits),
            _ => match config.upper_va_bits {
                Some(bits) => regs::upper_range_start(bits).unwrap() | (r % (1u64 << bits)),
                None => r >> 20,
            },
        })
        .collect()
}

/// Checks that the run builder gives what the page-by-page builder gives for `pages`:
/// the same descriptors, or the same error about the pages; and the same table count.
fn same_as_page_by_page(
    info: &TableInfo,
    pages: &[Page],
    base: u64,
    config: &TableConfig,
) -> Result<(), TestCaseError> {
    let refs: Vec<&Page> = pages.iter().collect();
    let want = by_page::descriptors(info.el(), &TableRef::of_info(info), &refs, base, config);
    let got = build(info, pages, base, config);
    match (&want, &got) {
        (Ok(d), Ok(t)) => {
            let first = d.iter().zip(t.descriptors()).position(|(a, b)| a != b);
            prop_assert!(
                d.as_slice() == t.descriptors(),
                "descriptors differ ({} and {}), first at {:?}: page by page {:#x?}, by runs {:#x?}",
                d.len(),
                t.descriptors().len(),
                first,
                first.map(|i| d[i]),
                first.map(|i| t.descriptors()[i])
            );
        }
        (Err(a), Err(b)) => prop_assert_eq!(a, b),
        // Errors about the base address come after the pages are planned.
        (Ok(_), Err(BuildError::UnalignedBase { .. } | BuildError::TablesBeyondPa { .. })) => {}
        _ => prop_assert!(
            false,
            "page by page {:?}, by runs {:?}",
            want.map(|d| d.len()),
            got
        ),
    }
    let count = table_count(pages, config);
    if let Some(first) = pages.first() {
        let want = by_page::descriptors(first.el(), &TableRef::of_page(first), &refs, 0, config);
        let entries = config.granule.entries();
        prop_assert_eq!(want.map(|d| d.len() / entries), count);
    }
    Ok(())
}

/// The run builder against the page-by-page one for a case: the same descriptors or
/// error for the pages in order, in another order (rotated by `rotate` and reversed),
/// with the page `twice` mapped twice; and, for a valid case, the same translation from
/// the pages cut into requests (at `cuts` and where pages do not continue each other)
/// through `plan_requests`, `build_runs` and `table_count_runs`.
fn runs_match(
    case: &Case,
    rotate: usize,
    twice: &prop::sample::Index,
    cuts: &[prop::sample::Index],
) -> Result<(), TestCaseError> {
    let info = TableInfo::new("random", 1, case.el);
    let base = 0x4000_0000;
    same_as_page_by_page(&info, &case.pages, base, &case.config)?;
    let mut shuffled = case.pages.clone();
    if !shuffled.is_empty() {
        let k = rotate % shuffled.len();
        shuffled.rotate_left(k);
        shuffled.reverse();
        same_as_page_by_page(&info, &shuffled, base, &case.config)?;
        let mut again = case.pages.clone();
        let dup = twice.get(&case.pages).clone();
        again.insert(rotate % again.len(), dup);
        same_as_page_by_page(&info, &again, base, &case.config)?;
    }
    let Ok(built) = build(&info, &case.pages, base, &case.config) else {
        return Ok(());
    };
    // Requests: the pages cut where the next page does not continue the one before,
    // and at a few more places.
    let mut at: Vec<usize> = cuts.iter().map(|c| c.index(case.pages.len() + 1)).collect();
    at.extend((1..case.pages.len()).filter(|&i| {
        let (a, b) = (&case.pages[i - 1], &case.pages[i]);
        a.va() + a.size() != b.va()
            || a.pa() + a.size() != b.pa()
            || a.page_size() != b.page_size()
            || a.mem_attrs() != b.mem_attrs()
    }));
    at.extend([0, case.pages.len()]);
    at.sort_unstable();
    at.dedup();
    let mut requests: Vec<PageRun<'_>> = at
        .windows(2)
        .map(|w| PageRun::new(&case.pages[w[0]], (w[1] - w[0]) as u32).unwrap())
        .collect();
    requests.reverse();
    let planned = plan_requests(&info, &requests, &case.config).unwrap();
    let t = planned.place(&info, base, &case.config).unwrap();
    prop_assert_eq!(&t, &built);
    let from_runs = build_runs(&info, &requests, base, &case.config);
    prop_assert_eq!(from_runs.as_ref(), Ok(&built));
    let count = table_count_runs(&requests, &case.config);
    prop_assert_eq!(count, Ok(built.table_count()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Runs give the descriptors pages give one by one, in every granule and format,
    /// valid or not: for the pages in order, in another order, with one page mapped
    /// twice, and cut into requests.
    #[test]
    fn runs_match_the_page_by_page_builder(
        case in maybe_invalid_case_strategy(),
        rotate in 0usize..64,
        twice in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        runs_match(&case, rotate, &twice, &cuts)?;
    }

    /// In every granule and format: the count computed without a base equals what the
    /// build uses and a brute-force count, every page walks to its PA, and nothing else
    /// translates.
    #[test]
    fn count_matches_and_walkers_agree(
        case in case_strategy(),
        base_slot in 0u64..1024,
        raw in prop::collection::vec(any::<u64>(), 0..12),
    ) {
        let base = base_slot * case.format.granule.bytes();
        check_table(&case, base, &probes(&case.config, &raw))?;
    }

    /// Pages of the Contiguous group sizes among themselves: they walk to their PAs with
    /// the Contiguous bit as configured, nothing else translates, and the runs and the
    /// page-by-page builder agree on descriptors and table counts.
    #[test]
    fn group_pages_walk_and_match_the_page_by_page_builder(case in group_case_strategy()) {
        let info = TableInfo::new("random", 1, case.el);
        same_as_page_by_page(&info, &case.pages, 0x4000_0000, &case.config)?;
        check_table(&case, 0x4000_0000, &[])?;
    }

    /// The same pages in another order, or built twice, give the same bytes.
    #[test]
    fn deterministic(case in case_strategy(), rotate in 0usize..64) {
        let info = TableInfo::new("random", 1, case.el);
        let a = build(&info, &case.pages, 0x8000_0000, &case.config).unwrap();
        let b = build(&info, &case.pages, 0x8000_0000, &case.config).unwrap();
        prop_assert_eq!(&a, &b);
        let mut shuffled = case.pages.clone();
        if !shuffled.is_empty() {
            let k = rotate % shuffled.len();
            shuffled.rotate_left(k);
            shuffled.reverse();
        }
        let c = build(&info, &shuffled, 0x8000_0000, &case.config).unwrap();
        prop_assert_eq!(a.bytes(), c.bytes());
    }

    /// The table count is minimal in one simple sense: no two leaves could have been
    /// merged, checked by rebuilding with every page split into pages of the granule's
    /// size, which must give the same count and the same bytes.
    #[test]
    fn splitting_pages_changes_nothing(case in case_strategy()) {
        let format = case.format;
        let granule = format.granule;
        let smallest = sizes_of(format)[0];
        // Keep the first pages, up to 16,384 granule pages of them, so the split stays
        // small; level 1 groups (16 GiB pages of the 4 KiB granule) are hinted only as
        // pages of that size, which split pages (merged into blocks) are not.
        let mut total = 0;
        let pages: Vec<Page> = case
            .pages
            .iter()
            .take_while(|p| {
                total += p.size() / granule.bytes();
                let level = format.page_leaves(p.page_size()).map_or(LAST_LEVEL, |l| l.0);
                level >= 2 && total <= 16_384
            })
            .cloned()
            .collect();
        let info = TableInfo::new("random", 1, case.el);
        let mut split = Vec::new();
        for p in &pages {
            for off in (0..p.size()).step_by(granule.bytes() as usize) {
                split.push(Page::new(
                    "split", 0, &info, p.va() + off, p.pa() + off, smallest,
                    p.mem_attrs(), false, Vec::new(),
                ));
            }
        }
        let base = granule.bytes();
        let a = build(&info, &pages, base, &case.config).unwrap();
        let b = build(&info, &split, base, &case.config).unwrap();
        prop_assert_eq!(a.bytes(), b.bytes());
    }

    /// Arbitrary input never panics, in any granule; when both calls succeed they
    /// agree, and the reference builder agrees with them.
    #[test]
    fn arbitrary_input_never_panics(
        raw in prop::collection::vec(
            (any::<u64>(), any::<u64>(), 0usize..PageSize::ALL.len(), 0usize..9, 0usize..attr_variants().len(), any::<bool>()),
            0..12,
        ),
        granule in prop::sample::select(Granule::ALL.to_vec()),
        va_bits in prop_oneof![Just(48u8), Just(39u8), Just(30u8), Just(52u8), Just(50u8), any::<u8>()],
        upper_bits in prop_oneof![Just(None), Just(Some(48u8)), Just(Some(52u8)), any::<Option<u8>>()],
        pa_bits in prop_oneof![Just(40u8), Just(48u8), Just(52u8), any::<u8>()],
        base in prop_oneof![Just(0u64), any::<u64>()],
        wxn in any::<bool>(),
        lower in prop::bool::weighted(0.9),
        asid in prop::option::weighted(0.2, any::<u16>()),
        shared in prop::option::weighted(0.2, (any::<u8>(), any::<u8>(), any::<bool>())),
        vmid in prop::option::weighted(0.25, any::<u16>()),
    ) {
        let config = TableConfig::DEFAULT
            .with_granule(granule)
            .with_va_bits(va_bits)
            .with_lower(lower)
            .with_upper_va_bits(upper_bits)
            .with_pa_bits(pa_bits)
            .with_wxn(wxn)
            .with_asid(asid)
            .with_shared_tcr(shared.map(|(l, u, a)| SharedTcr::new(l, u, a)))
            .with_vmid(vmid);
        // A stage 2 table is an EL1_NS table (with a few stage 1 options on, sometimes).
        let el = if vmid.is_some() { ExecutionContext::EL1_NS } else { ExecutionContext::EL1_S };
        let config = if vmid.is_some() && !wxn {
            config.with_lower(true).with_upper_va_bits(None).with_asid(None).with_shared_tcr(None)
        } else {
            config
        };
        let info = TableInfo::new("arbitrary", 0, el);
        let variants = attr_variants();
        let pages: Vec<Page> = raw
            .iter()
            .map(|&(va, pa, size, el, attrs, align)| {
                let size = PageSize::ALL[size];
                let (va, pa) = if align {
                    let va = va & !(size.bytes() - 1);
                    // Lower VAs below 2^52, upper ones from 2^64 - 2^52.
                    let va = if va >> 63 == 1 { va | !((1 << 52) - 1) } else { va & ((1 << 52) - 1) };
                    (va, pa & !(size.bytes() - 1) & ((1 << 52) - 1))
                } else {
                    (va, pa)
                };
                let el = ExecutionContext::ALL[el];
                let el = if align { info.el() } else { el };
                let owner = TableInfo::new("arbitrary", 0, el);
                Page::new("x", 0, &owner, va, pa, size, variants[attrs], false, Vec::new())
            })
            .collect();
        same_as_page_by_page(&info, &pages, base, &config)?;
        let count = table_count(&pages, &config);
        let built = build(&info, &pages, base, &config);
        if let (Ok(count), Ok(t)) = (&count, &built) {
            prop_assert_eq!(*count, t.table_count());
            for p in &pages {
                if vmid.is_some() {
                    let found = stage2_walk(t, p.va())?;
                    prop_assert_eq!(found.map(|f| f.pa), Some(p.pa()));
                    continue;
                }
                let found = own_walk(t, p.va())?;
                prop_assert_eq!(found.map(|f| f.pa), Some(p.pa()));
                let w = t.walk(p.va()).unwrap();
                prop_assert_eq!(w.pa, p.pa());
            }
        }
        if let Err(e) = &built {
            let message = alloc::format!("{e}");
            prop_assert!(!message.is_empty() && !message.contains('\n'));
            if matches!(e, BuildError::VaBits { .. } | BuildError::PaBits { .. }) {
                prop_assert_eq!(count.as_ref().err(), Some(e));
            }
        }
        for va in [0u64, u64::MAX, base, 1 << 47, 1 << 51] {
            if let Ok(t) = &built {
                let _ = t.walk(va);
                if vmid.is_some() {
                    let _ = stage2_walk(t, va)?;
                } else {
                    let _ = own_walk(t, va)?;
                }
            }
            let _ = super::walk_image(&[0u8; 24], base, Format::DEFAULT, 0, va_bits, Regime::El10, va);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Stage 2.
// ---------------------------------------------------------------------------------------

/// Stage 2 tables: the `EL1_NS` pages of a virtual machine in every granule, every IPA
/// size from 25 to 52 bits (so every start level, with 1 to 16 concatenated root
/// tables), a PA size at least the IPA size, any VMID (8- and 16-bit), hints on or off;
/// requests from `runs`, sizes from `sizes`.
fn stage2_case_of(runs: impl Strategy<Value = Run>, sizes: Sizes) -> impl Strategy<Value = Case> {
    (
        prop::sample::select(Granule::ALL.to_vec()),
        25u8..=52,
        any::<prop::sample::Index>(),
        any::<bool>(),
        any::<u16>(),
        (0u64..4, any::<u64>()),
        prop::collection::vec(runs, 0..10),
    )
        .prop_map(move |(granule, ipa_bits, pa, hint, vmid, start, runs)| {
            let pas: Vec<u8> = regs::PA_BITS
                .into_iter()
                .filter(|&bits| bits >= ipa_bits)
                .collect();
            let pa_bits = *pa.get(&pas);
            let config = TableConfig::DEFAULT
                .with_granule(granule)
                .with_va_bits(ipa_bits)
                .with_pa_bits(pa_bits)
                .with_contiguous_hint(hint)
                .with_vmid(Some(vmid));
            let format = config.format();
            let el = ExecutionContext::EL1_NS;
            let info = TableInfo::new("vm", 1, el);
            let mut pages = Vec::new();
            let place = Placer {
                format,
                info: &info,
                pa_bits,
                sizes,
                stage2: true,
            };
            place.runs(&runs, 0, ipa_bits, start, &mut pages, &mut 0);
            let holes = holes_of(&config, &pages);
            Case {
                el,
                config,
                format,
                pages,
                holes,
            }
        })
}

/// An independent walk of a stage 2 table's descriptors for `ipa`: from the first root
/// table, with the start level's index taking every IPA bit above it (so it runs into
/// the concatenated root tables), then as any walk. `None` where the IPA does not
/// translate; a failure where the image is malformed.
fn stage2_walk(t: &Translation, ipa: u64) -> Result<Option<Found>, TestCaseError> {
    let format = t.format();
    let granule = format.granule;
    if ipa >> t.va_bits() != 0 {
        return Ok(None);
    }
    let entries = granule.entries();
    let mut level = t.root_level();
    let mut slot = (ipa >> granule.level_shift(level)) as usize;
    prop_assert!(
        slot < entries * t.root_tables(),
        "root index {} too large",
        slot
    );
    let mut table = 0;
    loop {
        let d = t.descriptors()[table * entries + slot];
        match d & TYPE {
            0b11 if level < LAST_LEVEL => {
                table = table_at(t, format.decode_address(d))?;
                level += 1;
                slot = granule.level_index(ipa, level);
            }
            0b11 | 0b01 => {
                prop_assert!(
                    d & TYPE == 0b11 || format.leaf_allowed(level),
                    "block at level {} in {}",
                    level,
                    format
                );
                let size = granule.level_size(level);
                let oa = format.decode_address(d);
                prop_assert_eq!(oa % size, 0, "address bits inside a block: {:#x}", d);
                return Ok(Some(Found {
                    pa: oa | (ipa & (size - 1)),
                    level,
                    bits: d,
                }));
            }
            _ => return Ok(None),
        }
    }
}

/// The tables reached from a stage 2 table's concatenated roots (each reached once,
/// counted) and its leaves (IPA, level), with every Contiguous bit on a whole aligned
/// group at a level that has one.
fn stage2_leaves(t: &Translation) -> Result<(usize, Vec<(u64, i8)>), TestCaseError> {
    let format = t.format();
    let granule = format.granule;
    let entries = granule.entries();
    let mut seen = BTreeSet::new();
    let mut leaves = Vec::new();
    let mut tables = t.root_tables();
    for root in 0..t.root_tables() {
        seen.insert(root);
    }
    // (first table, tables, level, IPA of its first entry)
    let mut stack = alloc::vec![(0usize, t.root_tables(), t.root_level(), 0u64)];
    while let Some((table, n, level, base)) = stack.pop() {
        let size = granule.level_size(level);
        let d = &t.descriptors()[table * entries..(table + n) * entries];
        for (i, &bits) in d.iter().enumerate() {
            let ipa = base + i as u64 * size;
            match bits & TYPE {
                0b11 if level < LAST_LEVEL => {
                    let child = table_at(t, format.decode_address(bits))?;
                    prop_assert!(seen.insert(child), "table {} reached twice", child);
                    tables += 1;
                    stack.push((child, 1, level + 1, ipa));
                }
                0b11 | 0b01 => {
                    leaves.push((ipa, level));
                    if bits & CONTIGUOUS != 0 {
                        let n = granule.contiguous_entries(level);
                        prop_assert!(n.is_some(), "Contiguous bit at level {}", level);
                        let n = n.unwrap() as usize;
                        let group = &d[i / n * n..i / n * n + n];
                        let oa = format.decode_address(group[0]);
                        let mask = !format.address_bits();
                        prop_assert!(oa.is_multiple_of(size * n as u64), "group PA unaligned");
                        for (k, &g) in group.iter().enumerate() {
                            prop_assert_eq!(g & mask, bits & mask, "group attributes");
                            prop_assert_eq!(format.decode_address(g), oa + k as u64 * size);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok((tables, leaves))
}

/// Everything the tests check of a valid stage 2 case built at `base`: the start level
/// and root tables, the registers, the exact table count (from the pages, from the
/// image by brute force, from the page-by-page reference), every page's first, middle
/// and last byte walking to its PA with its stage 2 attributes, nothing else
/// translating, and the alignment the concatenated roots need.
fn check_stage2(case: &Case, base: u64, probes: &[u64]) -> Result<(), TestCaseError> {
    let info = TableInfo::new("vm", 1, case.el);
    let config = &case.config;
    let (format, granule) = (case.format, case.format.granule);
    let ipa_bits = config.va_bits;
    let vmid = config.vmid.unwrap();
    let (root, roots) = stage2::start_level(granule, ipa_bits).unwrap();
    let count = table_count(&case.pages, config).unwrap();
    let t = build(&info, &case.pages, base, config).unwrap();
    prop_assert_eq!(t.regime(), Regime::Stage2);
    prop_assert_eq!((t.root_level(), t.root_tables()), (root, roots));
    prop_assert_eq!(t.table_count(), count);
    prop_assert_eq!(t.bytes().len() as u64, count as u64 * granule.bytes());
    prop_assert_eq!(t.vmid(), Some(vmid));

    // VTCR_EL2, VTTBR_EL2, HCR_EL2.
    let vtcr = t.vtcr();
    prop_assert_eq!(vtcr & stage2::VTCR_T0SZ_MASK, 64 - u64::from(ipa_bits));
    prop_assert_eq!(
        Some(vtcr & stage2::VTCR_SL0_MASK),
        stage2::sl0(granule, root)
    );
    prop_assert_eq!(
        (vtcr & stage2::VTCR_TG0_MASK) >> stage2::VTCR_TG0_SHIFT,
        granule.tg0()
    );
    prop_assert_eq!(
        Some((vtcr & stage2::VTCR_PS_MASK) >> stage2::VTCR_PS_SHIFT),
        regs::ps_encoding(config.pa_bits)
    );
    prop_assert_eq!(vtcr & stage2::VTCR_DS != 0, format.ds());
    prop_assert_eq!(vtcr & stage2::VTCR_VS != 0, vmid > stage2::VMID_MAX_8_BIT);
    prop_assert_eq!(vtcr & stage2::VTCR_SL2, 0);
    prop_assert_ne!(vtcr & stage2::VTCR_RES1_31, 0);
    prop_assert_eq!(stage2::vttbr_vmid(t.vttbr()), vmid);
    prop_assert_eq!(
        regs::ttbr_baddr(t.vttbr() & 0xFFFF_FFFF_FFFF, format.oa52),
        base
    );
    prop_assert_eq!(t.hcr_set(), stage2::HCR_SET);
    prop_assert_eq!(
        t.registers(),
        build(&info, [], base, config).unwrap().registers()
    );

    // The count, exactly: every table is reached from the roots, and the brute-force
    // count of the leaves (plus the other root tables) is the count.
    let (reached, leaves) = stage2_leaves(&t)?;
    prop_assert_eq!(reached, count, "tables reached from the roots");
    prop_assert_eq!(brute_count(granule, root, &leaves) + roots - 1, count);
    let mapped: u128 = leaves
        .iter()
        .map(|&(_, l)| u128::from(granule.level_size(l)))
        .sum();
    let pages_bytes: u128 = case.pages.iter().map(|p| u128::from(p.size())).sum();
    prop_assert_eq!(mapped, pages_bytes, "bytes mapped");
    let refs: Vec<&Page> = case.pages.iter().collect();
    let plan = by_page::plan(case.el, &TableRef::of_info(&info), &refs, config).unwrap();
    let tree = plan.lower.as_ref().unwrap();
    prop_assert_eq!((tree.root, tree.roots), (root, roots));
    prop_assert_eq!(by_page::count_tables(granule, tree), count);
    prop_assert!(plan.upper.is_none());

    // Every page translates to its PA with its stage 2 attributes.
    for page in &case.pages {
        let want = super::stage2_attributes(page.mem_attrs(), format).attributes();
        for off in [0, page.size() / 2 + 8, page.size() - 1] {
            let ipa = page.va() + off;
            let Some(f) = stage2_walk(&t, ipa)? else {
                return Err(TestCaseError::fail(alloc::format!(
                    "IPA {ipa:#x} of page {} does not translate",
                    page.va()
                )));
            };
            prop_assert_eq!(f.pa, page.pa() + off, "IPA {:#x}", ipa);
            prop_assert!(granule.level_size(f.level) >= granule.level_size(LAST_LEVEL));
            let got = f.bits & !format.address_bits() & !TYPE & !CONTIGUOUS;
            prop_assert_eq!(got, want & !CONTIGUOUS, "IPA {:#x}: {:#x}", ipa, f.bits);
        }
    }
    // Nothing else translates.
    let spans = spans_of(&case.pages);
    let past = case
        .pages
        .iter()
        .filter_map(|p| p.va().checked_add(p.size()));
    let ends = case.holes.iter().flat_map(|&(a, b)| [a, b]);
    for ipa in past.chain(ends).chain(probes.iter().copied()) {
        if !covered(&spans, ipa) {
            let found = stage2_walk(&t, ipa)?;
            prop_assert!(found.is_none(), "{:#x} translates: {:?}", ipa, found);
        }
    }
    // Concatenated roots need their total size's alignment.
    if roots > 1 {
        let off = base + granule.bytes();
        prop_assert_eq!(
            build(&info, &case.pages, off, config).map(|t| t.base_pa()),
            Err(BuildError::UnalignedBase {
                table: TableRef::of_info(&info),
                base_pa: off,
                align: granule.bytes() * roots as u64,
            })
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Stage 2: runs give the descriptors pages give one by one, valid or not, in every
    /// granule and at every IPA size (1 to 16 concatenated roots).
    #[test]
    fn stage2_runs_match_the_page_by_page_builder(
        case in stage2_case_of(run_strategy(0.04), Sizes::SometimesInvalid),
        rotate in 0usize..64,
        twice in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        runs_match(&case, rotate, &twice, &cuts)?;
    }

    /// Stage 2: the start level, registers and exact table counts; every page walks to
    /// its PA with its attributes and nothing else translates, at a base aligned to the
    /// concatenated roots.
    #[test]
    fn stage2_counts_registers_and_walks(
        case in stage2_case_of(run_strategy(0.0), Sizes::Valid),
        base_slot in 0u64..256,
        raw in prop::collection::vec(any::<u64>(), 0..12),
    ) {
        let (_, roots) = stage2::start_level(case.format.granule, case.config.va_bits).unwrap();
        let base = base_slot * case.format.granule.bytes() * roots as u64;
        let probes: Vec<u64> = raw.iter().enumerate()
            .map(|(i, &r)| if i % 2 == 0 { r } else { r % (1u64 << case.config.va_bits) })
            .collect();
        check_stage2(&case, base, &probes)?;
    }

    /// Stage 2 Contiguous group pages among themselves, with blocks merged from them.
    #[test]
    fn stage2_group_pages(
        case in stage2_case_of(
            run_strategy(0.0).prop_map(|run| Run { count: run.count.min(32), ..run }),
            Sizes::Groups,
        ),
    ) {
        let info = TableInfo::new("vm", 1, case.el);
        same_as_page_by_page(&info, &case.pages, 0x4000_0000, &case.config)?;
        check_stage2(&case, 0x4000_0000, &[])?;
    }
}

/// 32 pages of 16 GiB (each a level 1 Contiguous group of the 4 KiB granule) that fill
/// an aligned 512 GiB block under `DS` = 1 become one level 0 block, and a level 0 block
/// carries no Contiguous bit: the 4 KiB granule has no Contiguous group at level 0
/// ([`Granule::contiguous_entries`]). The reference builder agrees.
#[test]
fn a_level_0_block_of_16g_group_pages_has_no_contiguous_bit() {
    let el = ExecutionContext::EL3;
    let info = TableInfo::new("t", 0, el);
    let config = TableConfig::DEFAULT.with_va_bits(42).with_pa_bits(52);
    assert!(config.format().ds());
    let size = PageSize::Size16G;
    let pages: Vec<Page> = (0..32u64)
        .map(|k| {
            let at = k * size.bytes();
            let attrs = MemAttrs::new(PageKind::Data);
            Page::new(
                "big",
                k as u32,
                &info,
                at,
                at,
                size,
                attrs,
                false,
                Vec::new(),
            )
        })
        .collect();
    let refs: Vec<&Page> = pages.iter().collect();
    let want = by_page::descriptors(el, &TableRef::of_info(&info), &refs, 0, &config).unwrap();
    let root = want[0];
    assert_eq!(root & TYPE, 0b01, "a level 0 block");
    assert_eq!(
        root & CONTIGUOUS,
        0,
        "reference: no Contiguous bit at level 0"
    );
    let t = build(&info, &pages, 0, &config).unwrap();
    assert_eq!(t.table_count(), 1);
    assert_eq!(
        t.descriptors()[0],
        root,
        "the level 0 block is {:#x}, with the Contiguous bit",
        t.descriptors()[0]
    );
}
