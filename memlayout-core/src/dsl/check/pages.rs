//! Page rules: size and count, fixed addresses, kind and attributes, pool, the tables of
//! a shared page, and aliases.

use std::format;
use std::prelude::rust_2024::*;

use std::collections::BTreeSet;

use syn::Ident;

use super::super::ast::{AliasRef, PageDecl, TableDecl, closest};
use super::super::ctxt::{Ctxt, Sp};
use super::super::error::{AliasRule, DeviceAttr, DidYouMean, DslError, Listed, Note};
use super::ranges::wraps;
use super::resolve::suggest;
use super::{Scope, name_of};
use crate::aarch64::granule::SizesOf;
use crate::aarch64::{Format, Granule};
use crate::error::{Addr, Error, Field};
use crate::model::{Hex, PageKind, PageSize, Perms, SecurityState, Shareability};

/// The granule a guard is a multiple of (the 4 KiB translation granule).
const GUARD_GRANULE: u64 = 0x1000;

/// The most pages one `* N` declaration may ask for (each becomes a `const` item).
pub const MAX_COUNT: u64 = 1 << 20;

/// Every rule of one page of table `table` (`None`: a shared page).
pub(super) fn check_page(
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    p: &PageDecl,
    table: Option<usize>,
    cx: &mut Ctxt,
) {
    let name = name_of(&p.name);
    let format = page_format(scope, p, table);
    let bytes = check_size(p, &name, format, cx);
    check_granule(scope, p, &name, table, cx);
    check_addresses(scope, p, &name, table, bytes, cx);
    check_device(p, &name, cx);
    check_execute_only(scope, p, &name, table, cx);
    // Guards are whole pages of the table's granule (4 KiB when it is not known).
    let granule = format.map_or(GUARD_GRANULE, |f| f.granule.bytes());
    if let Some(g) = p.guard
        && (g.value == 0 || !g.value.is_multiple_of(granule))
    {
        cx.error(
            g.sp,
            Error::GuardNotGranule {
                name: name.clone(),
                guard: g.value,
                granule,
            },
        );
    }
    if let Some(pool) = &p.pool {
        let pname = name_of(pool);
        if !scope.pools.contains(&pname) && !broken.contains(pname.as_str()) {
            unknown_pool(scope, p, pool, table, cx);
        }
    }
    if let Some((list, list_sp)) = &p.tables {
        check_table_list(scope, broken, p, list, *list_sp, cx);
    }
    if let Some(alias) = &p.alias {
        check_alias(scope, broken, p, alias, table, cx);
    }
    if p.size.is_none() && p.alias.is_none() {
        cx.error(
            Sp::one(p.name.span()),
            format_args!(
                "page `{name}` has no size; give it one of {}",
                SizesOf(format)
            ),
        );
    }
}

/// The page size against the granule of the tables the page goes in: one granule among
/// them (a shared page), a size that granule maps, and the 52-bit format its largest
/// block needs.
fn check_granule(scope: &Scope<'_>, p: &PageDecl, name: &str, table: Option<usize>, cx: &mut Ctxt) {
    let layout = scope.layout;
    let Some(size) = p
        .size
        .and_then(|s| Some((s, PageSize::from_bytes(s.value)?)))
    else {
        return;
    };
    // The tables it goes in: its own, or a shared page's list (every table without one).
    let tables: Vec<usize> = match (table, &p.tables) {
        (Some(t), _) => std::vec![t],
        (None, Some((list, _))) => list
            .iter()
            .filter_map(|i| scope.tables.get(&name_of(i)).copied())
            .collect(),
        (None, None) => (0..layout.tables.len()).collect(),
    };
    let Some(formats) = tables
        .iter()
        .map(|&t| super::tables::table_format(layout, t).map(|f| (t, f)))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let Some(&(first, format)) = formats.first() else {
        return;
    };
    let table_name = |t: usize| name_of(&layout.tables[t].name);
    if let Some(&(other, f)) = formats.iter().find(|(_, f)| f.granule != format.granule) {
        let at = p
            .tables
            .as_ref()
            .map_or(Sp::one(p.name.span()), |(_, sp)| *sp);
        cx.error(
            at,
            Error::GranulesDiffer {
                name: name.to_string(),
                first: (table_name(first), format.granule),
                second: (table_name(other), f.granule),
            },
        );
        return;
    }
    // Under FEAT_LPA2's format (`DS` = 1) descriptors have no shareability field: every
    // Normal page is Inner Shareable (the TCR's SH0/SH1).
    if let Some((share, sp)) = p.share
        && share != Shareability::Inner
        && p.kind != PageKind::Device
        && let Some(&(t, _)) = formats.iter().find(|(_, f)| f.ds())
    {
        cx.error(
            sp,
            format_args!(
                "`{name}` asks for `{share}` shareability, but table `{}` uses 52-bit \
                 descriptors (FEAT_LPA2, TCR.DS = 1), which have no shareability field: every \
                 Normal page is Inner Shareable; remove `{share}`, or use 48-bit VA and PA sizes",
                table_name(t)
            ),
        );
    }
    let (size, ps) = size;
    let any = Format {
        oa52: true,
        ..format
    };
    if !any.allows(ps) {
        cx.error(
            size.sp,
            Error::SizeNotInGranule {
                name: name.to_string(),
                size: ps,
                table: table_name(first),
                granule: format.granule,
            },
        );
    } else if let Some(&(t, _)) = formats.iter().find(|(_, f)| !f.allows(ps)) {
        let fix = match format.granule {
            Granule::Size64K => String::from("`pa_bits = 52;`"),
            _ => format!(
                "`va_bits = 52;` in table `{}` or `pa_bits = 52;`",
                table_name(t)
            ),
        };
        cx.error(
            size.sp,
            format_args!(
                "`{name}` is a {ps} page, a block of the {} granule's 52-bit format, and table \
                 `{}` uses the 48-bit format; add {fix}",
                format.granule,
                table_name(t)
            ),
        );
    }
}

/// The format of the page's table (the first of a shared page's tables); `None` when
/// its granule is not known.
fn page_format(scope: &Scope<'_>, p: &PageDecl, table: Option<usize>) -> Option<Format> {
    let first = table.or_else(|| match &p.tables {
        Some((list, _)) => list
            .iter()
            .find_map(|i| scope.tables.get(&name_of(i)).copied()),
        None => (!scope.layout.tables.is_empty()).then_some(0),
    })?;
    super::tables::table_format(scope.layout, first)
}

/// The page size and `* N`; returns the page's bytes when they are known. A size that
/// is none suggests the sizes of `format`, the page's table's.
fn check_size(p: &PageDecl, name: &str, format: Option<Format>, cx: &mut Ctxt) -> Option<u64> {
    let mut bytes: Option<u64> = None;
    if let Some(size) = p.size {
        match PageSize::from_bytes(size.value) {
            Some(ps) => {
                let count = p.count.map_or(1, |c| c.value);
                bytes = ps.bytes().checked_mul(count);
            }
            None => {
                let ps = PageSize::ALL
                    .into_iter()
                    .rev()
                    .filter(|s| format.is_none_or(|f| f.allows(*s)))
                    .find(|ps| size.value != 0 && size.value % ps.bytes() == 0);
                let as_pages = ps
                    .map(|ps| (ps, size.value / ps.bytes()))
                    .filter(|&(_, n)| p.count.is_none() && n <= 64);
                cx.error(
                    size.sp,
                    DslError::NotAPageSize {
                        size: size.value,
                        as_pages,
                        format,
                    },
                );
            }
        }
    }
    if let Some(c) = p.count {
        if c.value == 0 {
            cx.error(
                c.sp,
                Error::ZeroCount {
                    name: name.to_string(),
                },
            );
        } else if c.value > MAX_COUNT {
            cx.error(
                c.sp,
                format_args!(
                    "`{name}` asks for {} pages, more than the {MAX_COUNT} one declaration may emit; use larger pages",
                    c.value
                ),
            );
        }
    }
    bytes
}

/// `va`, `pa` and `identity`: aligned to the page size, not past 2^64, and an identity
/// page in reach of PAs with equal VA and PA.
fn check_addresses(
    scope: &Scope<'_>,
    p: &PageDecl,
    name: &str,
    table: Option<usize>,
    bytes: Option<u64>,
    cx: &mut Ctxt,
) {
    let align = p
        .size
        .and_then(|s| PageSize::from_bytes(s.value))
        .map(PageSize::bytes);
    for (num, addr, field) in [(p.va, Addr::Va, Field::Va), (p.pa, Addr::Pa, Field::Pa)] {
        let Some(num) = num else { continue };
        if let Some(align) = align
            && num.value % align != 0
        {
            cx.error(
                num.sp,
                Error::Misaligned {
                    addr,
                    value: num.value,
                    align,
                    name: name.to_string(),
                    field,
                },
            );
        } else if let Some(bytes) = bytes
            && wraps(num.value, u128::from(bytes))
        {
            cx.error(
                num.sp,
                Error::Wraps {
                    start: num.value,
                    size: bytes,
                    field,
                },
            );
        }
    }
    let Some(id) = p.identity else {
        return;
    };
    // An upper VA (from 0xFFFF_0000_0000_0000) can never equal a PA (below 2^48).
    let upper_va = p.va.is_some_and(|va| va.value >> 63 == 1);
    let only_upper = table
        .and_then(|t| scope.layout.tables.get(t))
        .is_some_and(|t| !t.virt.is_empty() && t.virt.iter().all(|r| r.start.value >> 63 == 1));
    if upper_va || only_upper {
        cx.error(
            id,
            format_args!(
                "`identity` is impossible in the upper VA range (TTBR1): its addresses start at 0xFFFF_0000_0000_0000 and no PA reaches them; map `{name}` in a lower range or drop `identity`"
            ),
        );
    }
    if let (Some(va), Some(pa)) = (p.va, p.pa)
        && va.value != pa.value
    {
        cx.error(
            id,
            format_args!(
                "`identity` asks for VA == PA but `va` {} and `pa` {} differ; drop `identity` or make them equal",
                Hex::from(va.value),
                Hex::from(pa.value)
            ),
        );
    }
}

/// An execute-only page (`x`) is mapped by EL0 tables only: the privileged level of
/// the other regimes always reads what it maps. A table whose level did not parse is
/// skipped (its stand-in is no EL0 table).
fn check_execute_only(
    scope: &Scope<'_>,
    p: &PageDecl,
    name: &str,
    table: Option<usize>,
    cx: &mut Ctxt,
) {
    let Some((perms, sp)) = p.perms else { return };
    if !perms.execute_only() {
        return;
    }
    let layout = scope.layout;
    let privileged = |t: &&TableDecl| !t.el.is_user() && !t.el_stand_in;
    let found = match table {
        Some(t) => layout.tables.get(t).filter(privileged),
        None => (0..layout.tables.len())
            .filter(|&t| scope.shared_pages_in(t).any(|q| std::ptr::eq(q, p)))
            .filter_map(|t| layout.tables.get(t))
            .find(privileged),
    };
    if let Some(t) = found {
        cx.error(
            sp,
            Error::ExecuteOnlyNotUser {
                name: name.to_string(),
                table: name_of(&t.name),
                el: t.el,
            },
        );
    }
}

/// A device page has a fixed PA, does not execute, and takes no memory attributes; a
/// page of Normal memory takes no Device type.
fn check_device(p: &PageDecl, name: &str, cx: &mut Ctxt) {
    if !p.kind.is_device() {
        if let Some((device, sp)) = p.device {
            cx.error(
                sp,
                DslError::DeviceTypeNotDevice {
                    device,
                    page: name.to_string(),
                    kind: p.kind,
                },
            );
        }
        return;
    }
    if p.pa.is_none() && p.alias.is_none() && (p.identity.is_none() || p.va.is_none()) {
        cx.error(
            Sp::one(p.name.span()),
            Error::DeviceWithoutPa {
                name: name.to_string(),
            },
        );
    }
    if let Some((perms, sp)) = p.perms
        && perms.execute()
    {
        cx.error(
            sp,
            Error::ExecutableDevice {
                name: name.to_string(),
            },
        );
    }
    if let Some((c, sp)) = p.cache {
        cx.error(
            sp,
            DslError::NotForDevice(DeviceAttr::Cache {
                cache: c,
                page: name.to_string(),
            }),
        );
    }
    if let Some((s, sp)) = p.share {
        cx.error(sp, DslError::NotForDevice(DeviceAttr::Share(s)));
    }
}

/// `pool NAME` names no pool: suggest a close one, saying how it differs from what the
/// page needs, or how to declare the pool.
fn unknown_pool(
    scope: &Scope<'_>,
    p: &PageDecl,
    pool: &Ident,
    table: Option<usize>,
    cx: &mut Ctxt,
) {
    let pname = name_of(pool);
    let layout = scope.layout;
    // What the page needs from its pool: its kind, and non-secure PA when a table of a
    // non-secure context maps it (once any pool is `non_secure`).
    let models_security = layout.pools.iter().any(|p| p.declares_space());
    let ns_table = |t: &TableDecl| t.el.security() == SecurityState::NonSecure;
    let needs_ns = models_security
        && match table {
            Some(t) => layout.tables.get(t).is_some_and(ns_table),
            None => (0..layout.tables.len())
                .filter(|&t| scope.shared_pages_in(t).any(|q| std::ptr::eq(q, p)))
                .any(|t| ns_table(&layout.tables[t])),
        };
    let flags = match (p.kind.is_device(), needs_ns) {
        (true, true) => ", device, non_secure",
        (true, false) => ", device",
        (false, true) => ", non_secure",
        (false, false) => "",
    };
    let declare = format!("declare it with `physical {pname} = START .. +SIZE{flags};`");
    let candidates: Vec<&str> = scope.pools.iter().map(String::as_str).collect();
    let near = closest(&pname, &candidates)
        .and_then(|c| layout.pools.iter().find(|q| name_of(&q.name) == c));
    let hint = match near {
        Some(q) => {
            let qname = name_of(&q.name);
            let mut differs = Vec::new();
            if q.device.is_some() != p.kind.is_device() {
                differs.push(if q.device.is_some() {
                    "a device pool while this page is Normal memory"
                } else {
                    "a RAM pool while this is a device page"
                });
            }
            if needs_ns && q.non_secure.is_none() {
                differs.push("secure while a non-secure table maps this page");
            }
            if differs.is_empty() {
                DidYouMean::one(Some(&qname)).to_string()
            } else {
                format!(
                    "`{qname}` is close but is {}; {declare}",
                    differs.join(", and ")
                )
            }
        }
        None => declare,
    };
    cx.error(
        Sp::one(pool.span()),
        DslError::Unknown {
            what: "pool",
            name: pname,
            place: String::new(),
            hint,
        },
    );
}

/// An unknown table name in `tables [..]` or `alias TABLE::PAGE`.
fn unknown_table(scope: &Scope<'_>, t: &Ident, cx: &mut Ctxt) {
    let tname = name_of(t);
    let hint = suggest(&tname, scope.tables.keys(), "check the spelling");
    cx.error(
        Sp::one(t.span()),
        DslError::Unknown {
            what: "table",
            name: tname,
            place: String::new(),
            hint,
        },
    );
}

/// `tables [..]`: only on a shared page, not empty, each table declared and listed once.
fn check_table_list(
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    p: &PageDecl,
    list: &[Ident],
    list_sp: Sp,
    cx: &mut Ctxt,
) {
    let name = name_of(&p.name);
    if !p.shared {
        cx.error(
            list_sp,
            format_args!(
                "`tables [..]` is only for shared pages; declare `{name}` as a `shared page` or remove the list"
            ),
        );
    } else if list.is_empty() {
        cx.error(list_sp, Error::NoTables { name });
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for t in list {
        let tname = name_of(t);
        if scope.table(&tname).is_none() {
            if !broken.contains(tname.as_str()) {
                unknown_table(scope, t, cx);
            }
        } else if !seen.insert(tname.clone()) {
            cx.error(
                Sp::one(t.span()),
                DslError::ListedTwice(Listed::Table(tname)),
            );
        }
    }
}

/// `alias [TABLE::]PAGE`: not on a shared page, without `pa`, `pool` or `* N`, naming
/// another page that is no alias, of the same size.
fn check_alias(
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    p: &PageDecl,
    alias: &AliasRef,
    table: Option<usize>,
    cx: &mut Ctxt,
) {
    if p.shared {
        cx.error(alias.sp, DslError::Alias(AliasRule::Shared));
    }
    for (sp, what) in [
        (p.pa.map(|n| n.sp), "pa"),
        (p.pool.as_ref().map(|i| Sp::one(i.span())), "pool"),
        (p.count.map(|n| n.sp), "* N"),
    ] {
        if let Some(sp) = sp {
            cx.error(sp, DslError::NotWithAlias { what });
        }
    }
    // The table the target is looked up in: `TABLE::`, or the page's own.
    let target_table = match &alias.table {
        None => table,
        Some(t) => match scope.table(&name_of(t)) {
            Some(i) => Some(i),
            None => {
                if !broken.contains(name_of(t).as_str()) {
                    unknown_table(scope, t, cx);
                }
                return;
            }
        },
    };
    let pname = name_of(&alias.page);
    let page_sp = Sp::one(alias.page.span());
    let Some(target) = scope.page_for(target_table, &pname) else {
        if !broken.contains(pname.as_str()) {
            let hint = scope.suggest_page(&pname, target_table, "check the spelling");
            cx.error(
                page_sp,
                DslError::Unknown {
                    what: "page",
                    name: pname,
                    place: " to alias".to_string(),
                    hint,
                },
            );
        }
        return;
    };
    if std::ptr::eq(target.decl, p) {
        alias_of_itself(scope, alias, table, cx);
    } else if target.decl.alias.is_some() {
        cx.error(page_sp, DslError::Alias(AliasRule::OfAlias(pname)));
    } else if let (Some(size), Some(tsize)) = (p.size, target.decl.size)
        && (size.value != tsize.value || target.decl.count.is_some())
    {
        let alias = name_of(&p.name);
        let error = DslError::Alias(AliasRule::Size {
            alias,
            page: pname.clone(),
        });
        cx.error_with_note(size.sp, error, tsize.sp, Note::IsSized(pname));
    } else if let Some(t) = table
        && let Some((share, share_sp)) = target.decl.share
        && share != Shareability::Inner
        && target.decl.kind != PageKind::Device
        && super::tables::table_format(scope.layout, t).is_some_and(|f| f.ds())
    {
        // The alias must repeat the page's shareability, which a table with FEAT_LPA2's
        // format cannot hold: say so once, on the alias, not as two errors that send the
        // user back and forth.
        cx.error_with_note(
            alias.sp,
            format_args!(
                "`{}` aliases `{pname}`, an `{share}` page, into table `{}`, whose 52-bit \
                 descriptors (FEAT_LPA2, TCR.DS = 1) have no shareability field: every Normal \
                 page there is Inner Shareable, so the two views would differ; make `{pname}` \
                 `inner`, or give table `{}` 48-bit VA and PA sizes",
                name_of(&p.name),
                name_of(&scope.layout.tables[t].name),
                name_of(&scope.layout.tables[t].name),
            ),
            share_sp,
            Note::IsDeclared(pname.clone()),
        );
    }
}

/// An alias whose name found the page itself: without `TABLE::`, the page meant is
/// likely another table's.
fn alias_of_itself(scope: &Scope<'_>, alias: &AliasRef, table: Option<usize>, cx: &mut Ctxt) {
    let pname = name_of(&alias.page);
    let sp = Sp::one(alias.page.span());
    let other = (0..scope.table_pages.len())
        .filter(|&t| Some(t) != table)
        .find(|&t| scope.table_pages[t].contains_key(&pname));
    let rule = match other.and_then(|t| scope.layout.tables.get(t)) {
        Some(t) if alias.table.is_none() => AliasRule::ItselfNotOther {
            page: pname,
            table: name_of(&t.name),
        },
        _ => AliasRule::Itself,
    };
    cx.error(sp, DslError::Alias(rule));
}

/// The permissions a page declaration ends up with: its own, or its kind's default.
pub(super) fn page_perms(p: &PageDecl) -> Perms {
    p.perms.map_or(p.kind.default_perms(), |(perms, _)| perms)
}
