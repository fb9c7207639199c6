//! A page-by-page builder, kept for the tests as the reference the run builder is checked
//! against: every input page becomes its leaf entries one by one, the leaves are sorted,
//! checked for overlaps, merged into blocks level by level, hinted, and written table by
//! table. It reads the granule geometry from [`Granule`] and [`Format`] but shares no
//! code with the run builder (`runs.rs`) or its checks. The run builder must give the
//! same descriptors and the same errors for every input, in every granule and format.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use super::Regime;
use super::build::{TableConfig, page_attributes};
use super::descriptor::CONTIGUOUS;
use super::error::{BuildError, PageRef, TableRef};
use super::granule::{Format, Granule, LAST_LEVEL};
use super::regs;
use crate::model::{ExecutionContext, Page, PageKind, PhysicalAddressSpace, Shareability};

/// One leaf entry: a block or page descriptor written at `level` for `va`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Leaf {
    /// The VA, relative to the start of its range (the upper range's start is 0).
    pub(super) va: u64,
    pub(super) pa: u64,
    pub(super) level: i8,
    /// Attribute bits (see [`Descriptor::attributes`](super::Descriptor::attributes)).
    pub(super) attrs: u64,
    /// The input page it came from (the first one, after merging).
    page: usize,
}

/// The leaves of one range (lower or upper), merged and hinted.
#[derive(Clone, Debug)]
pub(super) struct Tree {
    /// The range's VA size.
    pub(super) va_bits: u8,
    /// The level of its root table.
    pub(super) root: i8,
    /// The tables the root is made of: 1, or a stage 2 table's concatenated roots.
    pub(super) roots: usize,
    /// Its leaves, sorted by VA.
    pub(super) leaves: Vec<Leaf>,
}

/// The trees of a table: lower (TTBR0) and upper (TTBR1), each present when the table
/// has that range.
#[derive(Clone, Debug)]
pub(super) struct Plan {
    pub(super) format: Format,
    pub(super) lower: Option<Tree>,
    pub(super) upper: Option<Tree>,
}

/// The checks on the configuration and the context, before any page.
fn check_config(
    el: ExecutionContext,
    table: &TableRef,
    config: &TableConfig,
) -> Result<(), BuildError> {
    config.validate()?;
    if config.vmid.is_some() && el != ExecutionContext::EL1_NS {
        return Err(BuildError::Stage2Context {
            table: table.clone(),
            el,
        });
    }
    let single = Regime::of(el).is_single_privilege();
    if config.upper_va_bits.is_some() && single {
        return Err(BuildError::UpperRangeInRegime {
            table: table.clone(),
            el,
        });
    }
    if (config.asid.is_some() || config.shared_tcr.is_some()) && single {
        return Err(BuildError::AsidInRegime {
            table: table.clone(),
            el,
        });
    }
    if config.asid.is_some() && !config.lower {
        return Err(BuildError::AsidWithoutLower {
            table: table.clone(),
        });
    }
    if let Some(shared) = config.shared_tcr {
        let lower = config.lower.then_some(config.va_bits);
        for (upper, own, shared) in [
            (false, lower, shared.lower_va_bits),
            (true, config.upper_va_bits, shared.upper_va_bits),
        ] {
            if let Some(bits) = own
                && bits != shared
            {
                return Err(BuildError::SharedTcrMismatch {
                    table: table.clone(),
                    upper,
                    bits,
                    shared,
                });
            }
        }
    }
    Ok(())
}

/// The first thing wrong with one page, in the order: context, size in the format,
/// alignment, VA range, PA range, PA space, shareability under `DS`, execute-only
/// outside EL0 and stage 2, WXN.
fn check_page(
    el: ExecutionContext,
    table: &TableRef,
    format: Format,
    config: &TableConfig,
    page: &Page,
) -> Result<(), BuildError> {
    let err_page = || PageRef::of(page);
    if page.el() != el {
        return Err(BuildError::WrongContext {
            table: table.clone(),
            expected: el,
            page: err_page(),
            found: page.el(),
        });
    }
    if format.page_leaves(page.page_size()).is_none() {
        return Err(BuildError::SizeNotInFormat {
            table: table.clone(),
            page: err_page(),
            format,
        });
    }
    let size = page.size();
    if !page.va().is_multiple_of(size) || !page.pa().is_multiple_of(size) {
        return Err(BuildError::Misaligned {
            table: table.clone(),
            page: err_page(),
        });
    }
    // In u128, so that the top page of the upper range (ending at 2^64) needs no care.
    let va_end = u128::from(page.va()) + u128::from(size);
    let inside = if page.va() >> 63 == 1 {
        match config.upper_va_bits {
            Some(bits) => u128::from(page.va()) >= (1u128 << 64) - (1u128 << bits),
            None => false,
        }
    } else {
        config.lower && va_end <= 1u128 << config.va_bits
    };
    if !inside {
        return Err(if config.upper_va_bits.is_none() && config.lower {
            BuildError::VaOutOfRange {
                table: table.clone(),
                page: err_page(),
                va_bits: config.va_bits,
            }
        } else {
            BuildError::VaOutsideRanges {
                table: table.clone(),
                page: err_page(),
                lower: config.lower.then_some(config.va_bits),
                upper: config.upper_va_bits,
            }
        });
    }
    if u128::from(page.pa()) + u128::from(size) > 1u128 << config.pa_bits {
        return Err(BuildError::PaOutOfRange {
            table: table.clone(),
            page: err_page(),
            pa_bits: config.pa_bits,
        });
    }
    let attrs = page.mem_attrs();
    let pas = attrs.pas;
    let root_or_realm = matches!(
        pas,
        PhysicalAddressSpace::Root | PhysicalAddressSpace::Realm
    );
    if root_or_realm && !pas.reaches(el) {
        return Err(BuildError::UnreachableSpace {
            table: table.clone(),
            page: err_page(),
            pas,
            el,
        });
    }
    // DS = 1: bits[9:8] hold OA[51:50]; every Normal page gets the TCR's Inner Shareable.
    if format.ds() && attrs.kind != PageKind::Device && attrs.share != Shareability::Inner {
        return Err(BuildError::ShareabilityFromTcr {
            table: table.clone(),
            page: err_page(),
            share: attrs.share,
        });
    }
    // Stage 2 executes through XN alone, so any of its pages may be execute-only.
    if attrs.perms.execute_only() && !el.is_user() && config.vmid.is_none() {
        return Err(BuildError::ExecuteOnly {
            table: table.clone(),
            page: err_page(),
            el,
        });
    }
    let can_execute = matches!(attrs.kind, PageKind::Code | PageKind::Data);
    if config.wxn && attrs.perms.write() && attrs.perms.execute() && can_execute {
        return Err(BuildError::WritableExecutable {
            table: table.clone(),
            page: err_page(),
        });
    }
    Ok(())
}

/// Checks the pages and turns them into the final leaf lists, one per range.
pub(super) fn plan(
    el: ExecutionContext,
    table: &TableRef,
    pages: &[&Page],
    config: &TableConfig,
) -> Result<Plan, BuildError> {
    check_config(el, table, config)?;
    let format = config.format();
    let granule = format.granule;
    for page in pages {
        check_page(el, table, format, config, page)?;
    }
    let lower_bits = config.lower.then_some(config.va_bits);
    let upper_bits = config.upper_va_bits;
    let mut lower = Vec::new();
    let mut upper = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let is_upper = page.va() >> 63 == 1;
        let (leaves, bits, va) = if is_upper {
            let bits = upper_bits.unwrap_or(48);
            let start = regs::upper_range_start(bits).unwrap_or(0);
            (&mut upper, bits, page.va() - start)
        } else {
            (&mut lower, config.va_bits, page.va())
        };
        let root = root_of(config, bits).0;
        let (level, count) = format.page_leaves(page.page_size()).unwrap_or((3, 1));
        let mut attrs = page_attributes(el, page.mem_attrs(), config).attributes();
        let (level, count) = if level < root {
            // A block larger than a root entry: one root-level block per entry.
            (root, page.size() / granule.level_size(root))
        } else {
            // A Contiguous group below level 2 (the 4 KiB granule's level 1 groups) is
            // hinted only when it comes from one page of the group's size; level 2 and 3
            // groups are found among all leaves below.
            if count > 1 && level < 2 && config.contiguous_hint {
                attrs |= CONTIGUOUS;
            }
            (level, count)
        };
        let step = granule.level_size(level);
        for k in 0..count {
            leaves.push(Leaf {
                va: va + k * step,
                pa: page.pa() + k * step,
                level,
                attrs,
                page: i,
            });
        }
    }
    let lower = match lower_bits {
        Some(bits) => Some(tree(table, pages, config, format, bits, lower)?),
        None => None,
    };
    let upper = match upper_bits {
        Some(bits) => Some(tree(table, pages, config, format, bits, upper)?),
        None => None,
    };
    Ok(Plan {
        format,
        lower,
        upper,
    })
}

/// Sorts, checks, merges and hints the leaves of one range of `va_bits` bits.
fn tree(
    table: &TableRef,
    pages: &[&Page],
    config: &TableConfig,
    format: Format,
    va_bits: u8,
    mut leaves: Vec<Leaf>,
) -> Result<Tree, BuildError> {
    let granule = format.granule;
    let (root, roots) = root_of(config, va_bits);
    leaves.sort_by_key(|l| (l.va, l.page));
    for pair in leaves.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.va < a.va + granule.level_size(a.level) {
            let (first, second) = if a.page <= b.page { (a, b) } else { (b, a) };
            return Err(BuildError::Overlap {
                table: table.clone(),
                first: PageRef::of(pages[first.page]),
                second: PageRef::of(pages[second.page]),
            });
        }
    }
    // Merge bottom-up: level 3 entries into level 2 blocks, then level 2 ones into level
    // 1 blocks, ... up to the format's first block level, but not above the root.
    let top = format.first_block_level().max(root);
    let mut block_level = LAST_LEVEL - 1;
    while block_level >= top {
        leaves = merge(granule, leaves, block_level);
        block_level -= 1;
    }
    if config.contiguous_hint {
        for level in [2, 3] {
            hint_contiguous(granule, &mut leaves, level);
        }
    }
    Ok(Tree {
        va_bits,
        root,
        roots,
        leaves,
    })
}

/// The root level and root tables of a range of `va_bits` bits: a stage 2 table's
/// start level and concatenated tables, or the stage 1 root level and 1.
fn root_of(config: &TableConfig, va_bits: u8) -> (i8, usize) {
    config
        .root_for(va_bits)
        .expect("the reference builds validated configurations only")
}

/// Replaces every full table's worth of leaves of level `block_level + 1` that fill one
/// aligned block of `block_level`, with PAs consecutive from a block-aligned PA and equal
/// attributes, by one block leaf. `leaves` is sorted by VA and free of overlaps. A
/// block at a level without Contiguous groups drops the Contiguous bit its entries had.
fn merge(granule: Granule, leaves: Vec<Leaf>, block_level: i8) -> Vec<Leaf> {
    let child = block_level + 1;
    let block_size = granule.level_size(block_level);
    let child_size = granule.level_size(child);
    let mut out = Vec::with_capacity(leaves.len());
    let mut i = 0;
    while i < leaves.len() {
        let first = leaves[i];
        let block = first.va / block_size;
        let mut j = i + 1;
        while j < leaves.len() && leaves[j].va / block_size == block {
            j += 1;
        }
        let run = &leaves[i..j];
        let mergeable = run.len() == granule.entries()
            && first.pa.is_multiple_of(block_size)
            && run.iter().zip(0u64..).all(|(l, k)| {
                l.level == child
                    && l.attrs == first.attrs
                    && l.va == first.va + k * child_size
                    && l.pa == first.pa + k * child_size
            });
        if mergeable {
            let attrs = if granule.contiguous_entries(block_level).is_some() {
                first.attrs
            } else {
                first.attrs & !CONTIGUOUS
            };
            out.push(Leaf {
                level: block_level,
                attrs,
                ..first
            });
        } else {
            out.extend_from_slice(run);
        }
        i = j;
    }
    out
}

/// Sets the Contiguous bit on every group of the granule's Contiguous entries at
/// `level` (16, 32 or 128) that is aligned to the group in VA and PA, consecutive in
/// both, with equal attributes.
fn hint_contiguous(granule: Granule, leaves: &mut [Leaf], level: i8) {
    let Some(n) = granule.contiguous_entries(level) else {
        return;
    };
    let size = granule.level_size(level);
    let span = size * n;
    let n = n as usize;
    let mut i = 0;
    while i + n <= leaves.len() {
        let first = leaves[i];
        let fits = first.level == level
            && first.va.is_multiple_of(span)
            && first.pa.is_multiple_of(span)
            && leaves[i..i + n].iter().zip(0u64..).all(|(l, k)| {
                l.level == level
                    && l.attrs == first.attrs
                    && l.va == first.va + k * size
                    && l.pa == first.pa + k * size
            });
        if fits {
            for l in &mut leaves[i..i + n] {
                l.attrs |= CONTIGUOUS;
            }
            i += n;
        } else {
            i += 1;
        }
    }
}

/// The tables a tree needs, counted by brute force: the root, plus for each level below
/// it the distinct entries of the level above that hold a leaf of that level or deeper.
pub(super) fn count_tables(granule: Granule, tree: &Tree) -> usize {
    let mut count = tree.roots;
    for level in tree.root + 1..=LAST_LEVEL {
        let parent = granule.level_size(level - 1);
        let regions: BTreeSet<u64> = tree
            .leaves
            .iter()
            .filter(|l| l.level >= level)
            .map(|l| l.va / parent)
            .collect();
        count += regions.len();
    }
    count
}

/// Writes the table of `level` holding `leaves` (all inside one entry of the level
/// above), as `n` concatenated tables (a stage 2 root; else 1), then its next-level
/// tables depth-first in VA order. Returns the index of the (first) table written.
fn emit(
    format: Format,
    level: i8,
    n: usize,
    leaves: &[Leaf],
    tables: &mut Vec<u64>,
    base_pa: u64,
) -> usize {
    let granule = format.granule;
    let entries = granule.entries();
    let index = tables.len() / entries;
    let slots = entries * n;
    tables.resize(tables.len() + slots, 0);
    let entry_size = granule.level_size(level);
    let slot = |va: u64| index * entries + ((va / entry_size) % slots as u64) as usize;
    let mut i = 0;
    while i < leaves.len() {
        let leaf = leaves[i];
        if leaf.level == level {
            // Page descriptors (level 3) are 0b11, block descriptors 0b01.
            let kind = if level == LAST_LEVEL { 0b11 } else { 0b01 };
            tables[slot(leaf.va)] = kind | leaf.attrs | format.encode_address(leaf.pa);
            i += 1;
        } else {
            let region = leaf.va / entry_size;
            let mut j = i + 1;
            while j < leaves.len() && leaves[j].va / entry_size == region {
                j += 1;
            }
            let child = emit(format, level + 1, 1, &leaves[i..j], tables, base_pa);
            let child_pa = base_pa + child as u64 * granule.bytes();
            tables[slot(leaf.va)] = 0b11 | format.encode_address(child_pa);
            i = j;
        }
    }
    index
}

/// The descriptors (lower range's tables, then the upper range's) that `build` writes
/// for `pages` at `base_pa`, or the error it reports first about the pages.
pub(super) fn descriptors(
    el: ExecutionContext,
    table: &TableRef,
    pages: &[&Page],
    base_pa: u64,
    config: &TableConfig,
) -> Result<Vec<u64>, BuildError> {
    let plan = plan(el, table, pages, config)?;
    let mut descriptors = Vec::new();
    for t in [&plan.lower, &plan.upper].into_iter().flatten() {
        emit(
            plan.format,
            t.root,
            t.roots,
            &t.leaves,
            &mut descriptors,
            base_pa,
        );
    }
    Ok(descriptors)
}
