//! Fixed addresses held before placement: a page with a fixed PA and an automatic VA
//! must not take the fixed VA of a page placed after it (and the other way round), or
//! the outcome would depend on the order of the declarations.
//!
//! When a placement fails, the planner tries again with holds: before any page is
//! placed, every fixed VA (per table) and fixed PA that overlaps no other fixed range of
//! its space is taken out of the free space, and each page gives its own ranges back
//! just before it is placed. Overlapping fixed ranges are not held: placing them reports
//! the overlap between the two declarations. A layout that fits without holds keeps its
//! addresses (holding changes the free space that seeded placement draws from).

use alloc::vec::Vec;

use crate::interval::Interval;
use crate::layout::{Layout, TableId};
use crate::spec::{PageSpec, Placement};

/// What one page declaration holds until it is placed.
#[derive(Default)]
pub(super) struct Hold {
    va: Option<(TableId, u64, u64)>,
    pa: Option<Vec<(Interval, u32)>>,
}

impl Hold {
    /// Gives everything back.
    pub(super) fn release(self, layout: &mut Layout) {
        if let Some((t, va, bytes)) = self.va {
            layout.release_va(t, va, bytes);
        }
        if let Some(pieces) = self.pa {
            layout.release_pa(pieces);
        }
    }
}

/// A fixed range of one space: `(space, start, end, page)`, `end` exclusive and
/// computed in 128 bits. The space is a table index for VAs and `usize::MAX` for PA.
type Fixed = (usize, u64, u128, usize);

/// The fixed VA and PA ranges of the page declarations. An identity page with one
/// fixed address has the other fixed too. Aliases are held by the planner on their
/// own (their size is their target's), but their fixed VAs take part in the overlap
/// test.
fn fixed_ranges(pages: &[PageSpec]) -> (Vec<Fixed>, Vec<Fixed>) {
    let mut vas = Vec::new();
    let mut pas = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        let bytes = u128::from(p.size.bytes()) * u128::from(p.count);
        if bytes == 0 {
            continue;
        }
        let va = p.va.or(if p.identity { p.pa } else { None });
        let pa = p.pa.or(if p.identity { p.va } else { None });
        if let (Some(va), Placement::Table(t)) = (va, &p.place) {
            vas.push((*t, va, u128::from(va) + bytes, i));
        }
        if let Some(pa) = pa
            && p.alias.is_none()
        {
            pas.push((usize::MAX, pa, u128::from(pa) + bytes, i));
        }
    }
    (vas, pas)
}

/// The ranges of `list` that overlap no other range of their space.
fn disjoint(mut list: Vec<Fixed>) -> Vec<Fixed> {
    list.sort_unstable_by_key(|&(space, start, end, i)| (space, start, end, i));
    let mut clash = alloc::vec![false; list.len()];
    // The range reaching furthest so far in this space, by index.
    let mut reach: Option<usize> = None;
    for k in 0..list.len() {
        let (space, start, end, _) = list[k];
        match reach {
            Some(r) if list[r].0 == space && u128::from(start) < list[r].2 => {
                clash[k] = true;
                clash[r] = true;
                if end > list[r].2 {
                    reach = Some(k);
                }
            }
            _ => reach = Some(k),
        }
    }
    list.into_iter()
        .zip(clash)
        .filter_map(|(f, c)| (!c).then_some(f))
        .collect()
}

/// Holds the fixed ranges of `pages` that no other fixed range overlaps; returns what
/// each page holds, by index. `tables` maps a table index of the spec to its layout id
/// (`None` when it failed to be created).
pub(super) fn hold_fixed(
    layout: &mut Layout,
    pages: &[PageSpec],
    tables: &[Option<TableId>],
) -> Vec<Hold> {
    let mut holds: Vec<Hold> = pages.iter().map(|_| Hold::default()).collect();
    let (vas, pas) = fixed_ranges(pages);
    for (t, va, end, i) in disjoint(vas) {
        let (Some(Some(tid)), Ok(bytes)) = (tables.get(t), u64::try_from(end - u128::from(va)))
        else {
            continue;
        };
        // A range that wraps past 2^64 is refused by `hold_va` (and is the page's own
        // error when it is placed).
        if pages[i].alias.is_none() && layout.hold_va(*tid, va, bytes, &pages[i].name).is_ok() {
            holds[i].va = Some((*tid, va, bytes));
        }
    }
    for (_, pa, end, i) in disjoint(pas) {
        if let Ok(bytes) = u64::try_from(end - u128::from(pa)) {
            holds[i].pa = layout.hold_pa(pa, bytes);
        }
    }
    holds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ranges_that_overlap_no_other_are_kept() {
        let r = |space, start: u64, end: u128, i| (space, start, end, i);
        let kept = disjoint(alloc::vec![
            r(0, 0x1000, 0x2000, 0),
            r(0, 0x1800, 0x3000, 1),
            r(0, 0x3000, 0x4000, 2),
            r(1, 0x1000, 0x2000, 3),
            r(0, 0x0, 0x10000, 4),
        ]);
        let pages: Vec<usize> = kept.iter().map(|f| f.3).collect();
        // 4 spans the others of space 0; only the range of space 1 stands alone.
        assert_eq!(pages, [3]);
        let kept = disjoint(alloc::vec![
            r(0, 0x1000, 0x2000, 0),
            r(0, 0x2000, 0x3000, 1)
        ]);
        assert_eq!(kept.len(), 2, "touching ranges do not overlap");
    }
}
