//! The page-by-page builder the run builder replaced, kept for the tests: every input
//! page becomes a leaf, the leaves are sorted, checked for overlaps, merged, hinted,
//! counted and written one by one. The run builder must give the same descriptors and
//! the same errors for every input.

use alloc::vec::Vec;

use super::Regime;
use super::build::CONTIGUOUS_ENTRIES;
use super::build::{TableConfig, page_attributes};
use super::descriptor::{
    CONTIGUOUS, Descriptor, ENTRIES_PER_TABLE, LEAF_LEVEL, TABLE_BYTES, level_index, level_shift,
    level_size, root_level,
};
use super::error::{BuildError, PageRef, TableRef};
use super::regs;
use crate::model::{ExecutionContext, Page, PageKind, PageSize, PhysicalAddressSpace};

/// One leaf mapping: a block or page descriptor to be written at `level` for `va`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Leaf {
    va: u64,
    pa: u64,
    level: u8,
    /// Attribute bits (see [`Descriptor::attributes`]).
    attrs: u64,
    /// The input page it came from (the first one, after merging).
    page: usize,
}

impl Leaf {
    fn size(&self) -> u64 {
        level_size(self.level)
    }
}

/// The leaves of one range (lower or upper), merged and hinted, with the table count
/// they need. Upper-range leaves hold their VA relative to the range's start (the VA
/// with the all-ones bits above the range cleared), which is what indexes the tables.
struct Tree {
    root_level: u8,
    leaves: Vec<Leaf>,
    tables: usize,
}

/// The trees of a table: lower (TTBR0) and upper (TTBR1), each present when the table
/// has that range.
struct Plan {
    lower: Option<Tree>,
    upper: Option<Tree>,
}

impl Plan {
    fn tables(&self) -> usize {
        self.lower.as_ref().map_or(0, |t| t.tables) + self.upper.as_ref().map_or(0, |t| t.tables)
    }
}

/// The level a page of `size` is written at, and whether it is a Contiguous group of 16
/// entries of that level (64 KiB, 32 MiB, 16 GiB) rather than one entry.
fn page_level(size: PageSize) -> (u8, bool) {
    match size {
        PageSize::Size4K => (3, false),
        PageSize::Size64K => (3, true),
        PageSize::Size2M => (2, false),
        PageSize::Size32M => (2, true),
        PageSize::Size1G => (1, false),
        PageSize::Size16G => (1, true),
        _ => unreachable!("only the 4 KiB granule's sizes are built here"),
    }
}

/// Checks the pages and turns them into the final leaf lists, one per range.
fn plan(
    el: ExecutionContext,
    table: &TableRef,
    pages: &[&Page],
    config: &TableConfig,
) -> Result<Plan, BuildError> {
    config.validate()?;
    let upper_bits = config.upper_va_bits;
    if upper_bits.is_some() && Regime::of(el).is_single_privilege() {
        return Err(BuildError::UpperRangeInRegime {
            table: table.clone(),
            el,
        });
    }
    let lower_root = root_level(config.va_bits).unwrap_or(0);
    let upper_root = upper_bits.and_then(root_level).unwrap_or(0);
    let upper_start = upper_bits.and_then(regs::upper_range_start).unwrap_or(0);
    let va_limit = 1u64 << config.va_bits;
    let pa_limit = 1u64 << config.pa_bits;
    let mut lower = Vec::new();
    let mut upper = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if page.el() != el {
            return Err(BuildError::WrongContext {
                table: table.clone(),
                expected: el,
                page: PageRef::of(page),
                found: page.el(),
            });
        }
        let size = page.size();
        if !page.va().is_multiple_of(size) || !page.pa().is_multiple_of(size) {
            return Err(BuildError::Misaligned {
                table: table.clone(),
                page: PageRef::of(page),
            });
        }
        // A page's last byte: `va + size` is 2^64 for the top page of the upper range.
        let last = page.va().checked_add(size - 1);
        let is_upper = page.va() >> 63 == 1;
        let inside = if is_upper {
            upper_bits.is_some() && page.va() >= upper_start && last.is_some()
        } else {
            config.lower && last.is_some_and(|last| last < va_limit)
        };
        if !inside {
            return Err(if upper_bits.is_none() && config.lower {
                BuildError::VaOutOfRange {
                    table: table.clone(),
                    page: PageRef::of(page),
                    va_bits: config.va_bits,
                }
            } else {
                BuildError::VaOutsideRanges {
                    table: table.clone(),
                    page: PageRef::of(page),
                    lower: config.lower.then_some(config.va_bits),
                    upper: upper_bits,
                }
            });
        }
        if page.pa().checked_add(size).is_none_or(|end| end > pa_limit) {
            return Err(BuildError::PaOutOfRange {
                table: table.clone(),
                page: PageRef::of(page),
                pa_bits: config.pa_bits,
            });
        }
        let attrs = page.mem_attrs();
        let pas = attrs.pas;
        if matches!(
            pas,
            PhysicalAddressSpace::Root | PhysicalAddressSpace::Realm
        ) && !pas.reaches(el)
        {
            return Err(BuildError::UnreachableSpace {
                table: table.clone(),
                page: PageRef::of(page),
                pas,
                el,
            });
        }
        if attrs.perms.execute_only() && !el.is_user() {
            return Err(BuildError::ExecuteOnly {
                table: table.clone(),
                page: PageRef::of(page),
                el,
            });
        }
        if config.wxn && attrs.perms.write() && attrs.perms.execute() {
            let kind_can_execute = matches!(attrs.kind, PageKind::Code | PageKind::Data);
            if kind_can_execute {
                return Err(BuildError::WritableExecutable {
                    table: table.clone(),
                    page: PageRef::of(page),
                });
            }
        }
        let mut bits = page_attributes(el, attrs, config).attributes();
        let (level, group) = page_level(page.page_size());
        let (leaves, root, va) = if is_upper {
            (&mut upper, upper_root, page.va() - upper_start)
        } else {
            (&mut lower, lower_root, page.va())
        };
        // Level 1 groups are hinted only as 16 GiB pages; level 2 and 3 ones by
        // `hint_contiguous`, whatever pages they come from.
        if group && level == 1 && level >= root && config.contiguous_hint {
            bits |= CONTIGUOUS;
        }
        if level < root || group {
            // A block larger than a root entry, or a Contiguous group: one leaf per
            // entry.
            let level = level.max(root);
            let step = level_size(level);
            let mut off = 0;
            while off < size {
                leaves.push(Leaf {
                    va: va + off,
                    pa: page.pa() + off,
                    level,
                    attrs: bits,
                    page: i,
                });
                off += step;
            }
        } else {
            leaves.push(Leaf {
                va,
                pa: page.pa(),
                level,
                attrs: bits,
                page: i,
            });
        }
    }
    let lower = if config.lower {
        Some(tree(table, pages, config, config.va_bits, lower)?)
    } else {
        None
    };
    let upper = match upper_bits {
        Some(bits) => Some(tree(table, pages, config, bits, upper)?),
        None => None,
    };
    Ok(Plan { lower, upper })
}

/// Sorts, checks, merges and hints the leaves of one range of `va_bits` bits.
fn tree(
    table: &TableRef,
    pages: &[&Page],
    config: &TableConfig,
    va_bits: u8,
    mut leaves: Vec<Leaf>,
) -> Result<Tree, BuildError> {
    let root = root_level(va_bits).unwrap_or(0);
    leaves.sort_by_key(|l| (l.va, l.page));
    for pair in leaves.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.va < a.va + a.size() {
            let (first, second) = if a.page <= b.page { (a, b) } else { (b, a) };
            return Err(BuildError::Overlap {
                table: table.clone(),
                first: PageRef::of(pages[first.page]),
                second: PageRef::of(pages[second.page]),
            });
        }
    }
    // Merge bottom-up: level 3 runs into level 2 blocks, then level 2 runs into level 1
    // blocks (level 0 blocks do not exist with the 4 KiB granule and 48-bit OAs).
    for block_level in [2u8, 1] {
        if block_level < root {
            break;
        }
        leaves = merge(leaves, block_level);
    }
    if config.contiguous_hint {
        for level in [2u8, 3] {
            hint_contiguous(&mut leaves, level);
        }
    }
    let tables = count_tables(root, &leaves);
    Ok(Tree {
        root_level: root,
        leaves,
        tables,
    })
}

/// Replaces every group of 512 leaves of level `block_level + 1` that fill one aligned
/// block of level `block_level`, with PAs contiguous from a block-aligned PA and equal
/// attributes, by one block leaf. `leaves` is sorted by VA and free of overlaps.
fn merge(leaves: Vec<Leaf>, block_level: u8) -> Vec<Leaf> {
    let child = block_level + 1;
    let block_shift = level_shift(block_level);
    let block_size = level_size(block_level);
    let child_size = level_size(child);
    let mut out = Vec::with_capacity(leaves.len());
    let mut i = 0;
    while i < leaves.len() {
        let first = leaves[i];
        let block = first.va >> block_shift;
        let mut j = i + 1;
        while j < leaves.len() && leaves[j].va >> block_shift == block {
            j += 1;
        }
        let run = &leaves[i..j];
        let mergeable = run.len() == ENTRIES_PER_TABLE
            && first.pa.is_multiple_of(block_size)
            && run.iter().enumerate().all(|(k, l)| {
                l.level == child
                    && l.attrs == first.attrs
                    && l.pa == first.pa + k as u64 * child_size
                    && l.va == first.va + k as u64 * child_size
            });
        if mergeable {
            out.push(Leaf {
                level: block_level,
                ..first
            });
        } else {
            out.extend_from_slice(run);
        }
        i = j;
    }
    out
}

/// Sets the Contiguous bit on every run of 16 leaves of `level` aligned to 16 entries in
/// VA and PA, consecutive in both, with equal attributes.
fn hint_contiguous(leaves: &mut [Leaf], level: u8) {
    let size = level_size(level);
    let span = size * CONTIGUOUS_ENTRIES;
    let n = CONTIGUOUS_ENTRIES as usize;
    let mut i = 0;
    while i + n <= leaves.len() {
        let first = leaves[i];
        let fits = first.level == level
            && first.va.is_multiple_of(span)
            && first.pa.is_multiple_of(span)
            && leaves[i..i + n].iter().enumerate().all(|(k, l)| {
                l.level == level
                    && l.attrs == first.attrs
                    && l.va == first.va + k as u64 * size
                    && l.pa == first.pa + k as u64 * size
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

/// The tables a leaf list needs: the root, plus one table at each level below the root
/// for every distinct region of the level above that holds a leaf at that level or
/// deeper.
fn count_tables(root: u8, leaves: &[Leaf]) -> usize {
    let mut count = 1;
    for level in root + 1..=LEAF_LEVEL {
        let parent_shift = level_shift(level - 1);
        let mut last = None;
        for l in leaves.iter().filter(|l| l.level >= level) {
            let region = l.va >> parent_shift;
            if last != Some(region) {
                count += 1;
                last = Some(region);
            }
        }
    }
    count
}

/// Writes the table of `level` covering `leaves` (all inside one entry of the level
/// above), then its next-level tables depth-first in VA order. Returns the index of the
/// table written.
fn emit(level: u8, leaves: &[Leaf], tables: &mut Vec<u64>, base_pa: u64) -> usize {
    let index = tables.len() / ENTRIES_PER_TABLE;
    tables.resize(tables.len() + ENTRIES_PER_TABLE, 0);
    let shift = level_shift(level);
    let mut i = 0;
    while i < leaves.len() {
        let leaf = leaves[i];
        let slot = index * ENTRIES_PER_TABLE + level_index(leaf.va, level);
        if leaf.level <= level {
            let d = Descriptor::leaf(level as i8, leaf.pa).bits() | leaf.attrs;
            tables[slot] = d;
            i += 1;
        } else {
            let region = leaf.va >> shift;
            let mut j = i + 1;
            while j < leaves.len() && leaves[j].va >> shift == region {
                j += 1;
            }
            let child = emit(level + 1, &leaves[i..j], tables, base_pa);
            tables[slot] = Descriptor::table(base_pa + child as u64 * TABLE_BYTES).bits();
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
    let mut descriptors = Vec::with_capacity(plan.tables() * ENTRIES_PER_TABLE);
    for t in [&plan.lower, &plan.upper].into_iter().flatten() {
        emit(t.root_level, &t.leaves, &mut descriptors, base_pa);
    }
    Ok(descriptors)
}
