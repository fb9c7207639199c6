//! Generated names: the constant each page and segment becomes in its table module, and
//! the C header and ld symbols of the exports, with the rules that keep them distinct.

use std::format;
use std::prelude::rust_2024::*;

use std::collections::{BTreeMap, BTreeSet};

use syn::Ident;

use super::super::ast::Layout;
use super::super::ctxt::{Ctxt, Sp};
use super::super::error::{DslError, NameRule, Note};
use super::{Scope, name_of};

/// The prefix of the hidden items of a table module; no page or segment constant may
/// start with it.
pub const RESERVED_PREFIX: &str = "__MEMLAYOUT";

/// Names of the items every table module has; a page or segment cannot take them.
pub const RESERVED: [&str; 10] = [
    "INFO",
    "PAGES",
    "SEGMENTS",
    "TRANSLATION",
    "TABLES_PA",
    "MAIR",
    "TCR",
    "TTBR0",
    "TTBR1",
    "SCTLR_SET",
];

/// The UPPER_SNAKE_CASE constant a page or segment name becomes, or `None` if the name
/// is not an ASCII identifier.
pub fn const_name(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first = chars.next()?;
    if first.is_ascii_digit() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    (out != "_").then_some(out)
}

/// The identity of a declaration for the name rules: (group, table, index).
type ItemKey = (u8, usize, usize);

/// Pairs of declarations whose clash was already reported.
type Reported = BTreeSet<(ItemKey, ItemKey)>;

/// One constant a table module gets, for the name rules.
struct Item<'a> {
    ident: &'a Ident,
    what: &'static str,
    shared: bool,
    /// Identity of the declaration, to report each clash once.
    key: ItemKey,
}

/// Every generated name is a valid, distinct Rust constant and C/ld symbol.
pub(super) fn check_names(layout: &Layout, scope: &Scope<'_>, cx: &mut Ctxt) {
    check_spelling(layout, cx);
    let mut reported: Reported = BTreeSet::new();
    // Shared declarations among themselves, whatever tables they are mapped into.
    let item = |ident, what, shared, key| Item {
        ident,
        what,
        shared,
        key,
    };
    let shared_pages: Vec<Item<'_>> = (layout.shared_pages.iter().enumerate())
        .map(|(i, p)| item(&p.name, "page", true, (2, 0, i)))
        .collect();
    let shared_segments: Vec<Item<'_>> = (layout.shared_segments.iter().enumerate())
        .map(|(i, s)| item(&s.name, "segment", true, (3, 0, i)))
        .collect();
    clashes(&shared_pages, None, &mut reported, cx);
    clashes(&shared_segments, None, &mut reported, cx);

    // Everything one table module holds.
    let mut exports: Vec<(&Ident, Option<Item<'_>>)> = Vec::new();
    for (t, table) in layout.tables.iter().enumerate() {
        let mut items: Vec<Item<'_>> = Vec::new();
        items.extend(
            (table.pages.iter().enumerate()).map(|(i, p)| item(&p.name, "page", false, (0, t, i))),
        );
        items.extend(
            (table.segments.iter().enumerate())
                .map(|(i, s)| item(&s.name, "segment", false, (1, t, i))),
        );
        for &i in &scope.shared_pages_in[t] {
            items.push(item(&layout.shared_pages[i].name, "page", true, (2, 0, i)));
        }
        for &i in &scope.shared_segments_in[t] {
            let ident = &layout.shared_segments[i].name;
            items.push(item(ident, "segment", true, (3, 0, i)));
        }
        clashes(&items, Some(&name_of(&table.name)), &mut reported, cx);
        exports.extend(items.into_iter().map(|item| (&table.name, Some(item))));
        exports.push((&table.name, None));
    }
    export_clashes(&exports, &reported, cx);
}

/// Names must be ASCII identifiers and not take a generated constant's name.
fn check_spelling(layout: &Layout, cx: &mut Ctxt) {
    let mut all: Vec<(&Ident, &'static str)> = Vec::new();
    for t in &layout.tables {
        all.extend(t.pages.iter().map(|p| (&p.name, "page")));
        all.extend(t.segments.iter().map(|s| (&s.name, "segment")));
    }
    all.extend(layout.shared_pages.iter().map(|p| (&p.name, "page")));
    all.extend(layout.shared_segments.iter().map(|s| (&s.name, "segment")));
    for (ident, what) in all {
        let name = name_of(ident);
        let sp = Sp::one(ident.span());
        match const_name(&name) {
            None => cx.error(sp, DslError::Name(NameRule::NotAscii { what, name })),
            Some(konst)
                if RESERVED.contains(&konst.as_str()) || konst.starts_with(RESERVED_PREFIX) =>
            {
                cx.error(
                    sp,
                    DslError::Name(NameRule::ReservedConstant { what, name, konst }),
                );
            }
            // The exports name the table's values `<TABLE>_TABLES_PA` and
            // `<TABLE>_TABLES_SIZE`, which this name's `_PA` and `_SIZE` would repeat.
            Some(konst) if konst == "TABLES" => {
                cx.error(sp, DslError::Name(NameRule::TablesConstant { what, name }));
            }
            Some(_) => {}
        }
    }
    for t in &layout.tables {
        if !name_of(&t.name).is_ascii() {
            cx.error(
                Sp::one(t.name.span()),
                "table names must be ASCII identifiers; use letters, digits and `_`",
            );
        }
        // Segment sections are `.memlayout.<table>.<segment>` and translation-table
        // sections `.memlayout.tables.<table>`: the two must never meet.
        if name_of(&t.name) == "tables" {
            cx.error(
                Sp::one(t.name.span()),
                "a table cannot be named `tables`: the link sections of its segments, `.memlayout.tables.<segment>`, are the names of the translation-table sections of the other tables; rename it",
            );
        }
    }
}

/// Reports names that the C header and the ld symbols would spell alike: they join the
/// table's and the item's names with `_`, case-insensitively (`MEMLAYOUT_<TABLE>_<NAME>_VA`,
/// `memlayout_<table>_<name>_va`), so table `a_b` with page `c` and table `a` with page
/// `b_c` would both define `MEMLAYOUT_A_B_C_VA`, and page `b_tables` of table `a` would
/// repeat table `a_b`'s `MEMLAYOUT_A_B_TABLES_PA`. An entry without an item stands for
/// the table's own `<TABLE>_TABLES_*` values. Pairs already reported as clashing
/// constants are not reported again.
fn export_clashes(entries: &[(&Ident, Option<Item<'_>>)], reported: &Reported, cx: &mut Ctxt) {
    let mut seen: BTreeMap<String, (&Ident, Option<&Item<'_>>)> = BTreeMap::new();
    let mut done: Reported = BTreeSet::new();
    for (table, item) in entries {
        let table_name = name_of(table);
        let item_name = item
            .as_ref()
            .map_or_else(|| String::from("tables"), |i| name_of(i.ident));
        let key = format!("{table_name}_{item_name}").to_ascii_uppercase();
        let Some(&(first_table, first_item)) = seen.get(&key) else {
            seen.insert(key, (table, item.as_ref()));
            continue;
        };
        let (Some(first), Some(item)) = (first_item, item.as_ref()) else {
            // A page of one table against another table's `TABLES_*` values.
            let (page_table, page, other) = match (first_item, item.as_ref()) {
                (Some(f), None) => (first_table, f, *table),
                (None, Some(i)) => (*table, i, first_table),
                _ => continue,
            };
            let other_name = name_of(other);
            cx.error_with_note(
                Sp::one(page.ident.span()),
                DslError::Name(NameRule::ExportRepeatsTables {
                    what: page.what,
                    name: name_of(page.ident),
                    table: name_of(page_table),
                    other: other_name.clone(),
                    key,
                }),
                Sp::one(other.span()),
                Note::TableDeclared(other_name),
            );
            continue;
        };
        if first.key == item.key
            || reported.contains(&(first.key, item.key))
            || !done.insert((first.key, item.key))
        {
            continue;
        }
        let first_name = name_of(first.ident);
        let first_table = name_of(first_table);
        cx.error_with_note(
            Sp::one(item.ident.span()),
            DslError::Name(NameRule::ExportClash {
                table: table_name,
                name: name_of(item.ident),
                first_table: first_table.clone(),
                first: first_name.clone(),
                what: item.what,
                key,
            }),
            Sp::one(first.ident.span()),
            Note::Declared(format!("{first_table}::{first_name}")),
        );
    }
}

/// Reports every pair of items whose constants would clash.
fn clashes(items: &[Item<'_>], table: Option<&str>, reported: &mut Reported, cx: &mut Ctxt) {
    let mut seen: BTreeMap<String, &Item<'_>> = BTreeMap::new();
    for item in items {
        let name = name_of(item.ident);
        let Some(konst) = const_name(&name) else {
            continue;
        };
        let Some(first) = seen.get(&konst) else {
            seen.insert(konst, item);
            continue;
        };
        if !reported.insert((first.key, item.key)) {
            continue;
        }
        let first_name = name_of(first.ident);
        let sp = Sp::one(item.ident.span());
        let first_sp = Sp::one(first.ident.span());
        let place = match table {
            Some(t) if first.shared != item.shared => format!(" in table `{t}`"),
            _ => String::new(),
        };
        let (error, note) = if first_name == name && first.what == item.what {
            let what = item.what;
            let note = Note::FirstDeclared(name.clone());
            (
                DslError::Name(NameRule::DeclaredTwice { what, name, place }),
                note,
            )
        } else if first_name == name {
            let note = Note::FirstDeclared(name.clone());
            let (first, what) = (first.what, item.what);
            let error = DslError::Name(NameRule::NamesBoth {
                name,
                first,
                what,
                place,
            });
            (error, note)
        } else {
            let note = Note::Declared(first_name.clone());
            let first = first_name;
            let error = DslError::Name(NameRule::SameConstant {
                name,
                first,
                konst,
                place,
            });
            (error, note)
        };
        cx.error_with_note(sp, error, first_sp, note);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_names() {
        assert_eq!(const_name("boot").as_deref(), Some("BOOT"));
        assert_eq!(const_name("bsp_boot").as_deref(), Some("BSP_BOOT"));
        assert_eq!(const_name("bspBoot").as_deref(), Some("BSP_BOOT"));
        assert_eq!(const_name("uart0").as_deref(), Some("UART0"));
        assert_eq!(const_name("_").as_deref(), None);
        assert_eq!(const_name("é").as_deref(), None);
        assert_eq!(const_name("").as_deref(), None);
    }
}
