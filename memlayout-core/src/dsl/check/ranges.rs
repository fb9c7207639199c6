//! Address ranges, sizes and pools: the rules every `START .. END` or `START .. +SIZE`
//! follows, and the `physical` pools.

use std::format;
use std::prelude::rust_2024::*;

use std::collections::BTreeMap;

use super::super::ast::{Layout, RangeEnd, RangeExpr};
use super::super::ctxt::{Ctxt, Sp};
use super::super::error::Note;
use super::name_of;
use crate::error::{Addr, Error, Field, Thing};
use crate::model::Hex;

/// The granule every range must be aligned to and a multiple of.
const GRANULE: u64 = 0x1000;

/// A size in the units people write: `4K`, `2M`, `1G`, or hex.
pub fn human(bytes: u64) -> String {
    const G: u64 = 1 << 30;
    const M: u64 = 1 << 20;
    const K: u64 = 1 << 10;
    if bytes != 0 && bytes.is_multiple_of(G) {
        format!("{}G", bytes / G)
    } else if bytes != 0 && bytes.is_multiple_of(M) {
        format!("{}M", bytes / M)
    } else if bytes != 0 && bytes.is_multiple_of(K) {
        format!("{}K", bytes / K)
    } else {
        Hex::from(bytes).to_string()
    }
}

/// The start and size of a range, if the range itself is well formed.
pub fn range_bounds(r: &RangeExpr) -> Option<(u64, u64)> {
    let start = r.start.value;
    let size = match r.end {
        RangeEnd::End(e) => e.value.checked_sub(start)?,
        RangeEnd::Size(n) => n.value,
    };
    Some((start, size))
}

/// Whether `start .. +size` ends past 2^64.
pub(super) fn wraps(start: u64, size: u128) -> bool {
    u128::from(start) + size > 1u128 << 64
}

/// The rules of one range: aligned to the granule, not empty, not past 2^64, and a
/// multiple of the granule.
pub(super) fn check_range(r: &RangeExpr, addr: Addr, name: &str, cx: &mut Ctxt) {
    let start = r.start.value;
    if !start.is_multiple_of(GRANULE) {
        cx.error(
            r.start.sp,
            Error::Misaligned {
                addr,
                value: start,
                align: GRANULE,
                name: name.to_string(),
                field: Field::Range,
            },
        );
    }
    let (size, size_sp) = match r.end {
        RangeEnd::End(e) => {
            if e.value < start {
                cx.error(
                    r.sp,
                    format_args!(
                        "range {} .. {} ends below its start; put the larger address second, or write `start .. +size`",
                        Hex::from(start),
                        Hex::from(e.value)
                    ),
                );
                return;
            }
            (e.value - start, e.sp)
        }
        RangeEnd::Size(n) => (n.value, n.sp),
    };
    if size == 0 {
        cx.error(
            r.sp,
            Error::ZeroSize {
                what: format!("the range of `{name}`"),
                field: Field::Range,
            },
        );
    } else if wraps(start, u128::from(size)) {
        let field = Field::Range;
        cx.error(r.sp, Error::Wraps { start, size, field });
    } else if size % GRANULE != 0 {
        cx.error(
            size_sp,
            Error::SizeNotMultiple {
                size,
                page_size: GRANULE,
            },
        );
    }
}

/// Records the declaration of `name` in `seen`, or reports it as a duplicate of the
/// first one.
pub(super) fn first_declaration(
    seen: &mut BTreeMap<String, Sp>,
    what: Thing,
    name: &str,
    sp: Sp,
    cx: &mut Ctxt,
) {
    match seen.get(name) {
        Some(first) => cx.error_with_note(
            sp,
            Error::Duplicate {
                what,
                name: name.to_string(),
                other: None,
            },
            *first,
            Note::FirstDeclared(name.to_string()),
        ),
        None => {
            seen.insert(name.to_string(), sp);
        }
    }
}

/// Pool names are unique and pool ranges well formed.
pub(super) fn check_pools(layout: &Layout, cx: &mut Ctxt) {
    let mut seen: BTreeMap<String, Sp> = BTreeMap::new();
    for p in &layout.pools {
        let name = name_of(&p.name);
        let sp = Sp::one(p.name.span());
        first_declaration(&mut seen, Thing::Pool, &name, sp, cx);
        check_range(&p.range, Addr::Pa, &name, cx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human(0x1000), "4K");
        assert_eq!(human(0x3000), "12K");
        assert_eq!(human(0x20_0000), "2M");
        assert_eq!(human(0x4000_0000), "1G");
        assert_eq!(human(0x200), "0x200");
        assert_eq!(human(0), "0x0");
    }

    #[test]
    fn wrapping() {
        assert!(!wraps(0, 1 << 63));
        assert!(!wraps(u64::MAX, 1));
        assert!(wraps(u64::MAX, 2));
    }
}
