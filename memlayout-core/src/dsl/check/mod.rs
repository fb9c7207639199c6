//! Rules across declarations that need no planning: names (duplicates, unknown names,
//! generated constants that would clash), sizes, alignments, address ranges, kinds and
//! permissions. Every rule reports into the [`Ctxt`]; nothing stops at the first error.
//!
//! Each subject has its file: [`resolve`](self) (name resolution and suggestions),
//! names (generated constants and export symbols), ranges (address ranges and pools),
//! tables, pages and segments. Messages come from the engine's
//! [`Error`](crate::Error) catalogue wherever one fits, so the same mistake reads the
//! same whether the macro or the planner finds it, and else from the language's own
//! catalogue (`dsl::error`).

use std::prelude::rust_2024::*;

use std::collections::BTreeSet;

use super::ast::Layout;
use super::ctxt::Ctxt;

mod names;
mod pages;
mod ranges;
mod resolve;
mod segments;
mod tables;

pub use names::{RESERVED, RESERVED_PREFIX, const_name};
pub use pages::MAX_COUNT;
pub use ranges::{human, range_bounds};
pub use resolve::{Scope, name_of};

/// Runs every rule on a parsed layout, in this order: pools, tables, each table's pages
/// and segments, the shared pages and segments, generated names, then the options of
/// the translation tables.
pub fn check(layout: &Layout, cx: &mut Ctxt) {
    let scope = Scope::new(layout);
    let broken: BTreeSet<&str> = layout.broken.iter().map(String::as_str).collect();
    ranges::check_pools(layout, cx);
    tables::check_granules(layout, cx);
    tables::check_tables(layout, &scope, cx);
    tables::check_processes(layout, &scope, &broken, cx);
    for (t, table) in layout.tables.iter().enumerate() {
        for p in &table.pages {
            pages::check_page(&scope, &broken, p, Some(t), cx);
        }
        for s in &table.segments {
            segments::check_segment(&scope, &broken, s, Some(t), cx);
        }
    }
    for p in &layout.shared_pages {
        pages::check_page(&scope, &broken, p, None, cx);
    }
    for s in &layout.shared_segments {
        segments::check_segment(&scope, &broken, s, None, cx);
    }
    names::check_names(layout, &scope, cx);
    tables::check_translation(layout, &scope, &broken, cx);
}
