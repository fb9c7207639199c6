//! Segment rules: size and alignment, fixed address, and the page a segment sits in.

use std::format;
use std::prelude::rust_2024::*;

use std::collections::BTreeSet;

use syn::Ident;

use super::super::ast::{PageDecl, SegmentDecl};
use super::super::ctxt::{Ctxt, Sp};
use super::super::error::{DslError, Note};
use super::pages::page_perms;
use super::ranges::wraps;
use super::{Scope, name_of};
use crate::error::{Addr, Error, Field};
use crate::model::{PageSize, STACK_ALIGN, SegmentKind};

/// Every rule of one segment of table `table` (`None`: a shared segment).
pub(super) fn check_segment(
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    s: &SegmentDecl,
    table: Option<usize>,
    cx: &mut Ctxt,
) {
    let name = name_of(&s.name);
    if s.size.value == 0 {
        cx.error(
            s.size.sp,
            Error::ZeroSize {
                what: format!("segment `{name}`"),
                field: Field::Size,
            },
        );
    }
    let align = check_align(s, &name, cx);
    if s.kind == SegmentKind::Stack && !s.size.value.is_multiple_of(STACK_ALIGN) {
        // The bytes of its `in` page, so the size suggested also fits there.
        let room = s
            .in_page
            .as_ref()
            .and_then(|p| scope.page_for(table, &name_of(p)))
            .and_then(|p| page_bytes(p.decl));
        cx.error(
            s.size.sp,
            Error::StackSize {
                name: name.clone(),
                size: s.size.value,
                room,
            },
        );
    }
    if let Some(va) = s.va {
        if va.value % align != 0 {
            cx.error(
                va.sp,
                Error::Misaligned {
                    addr: Addr::Va,
                    value: va.value,
                    align,
                    name: name.clone(),
                    field: Field::Va,
                },
            );
        } else if wraps(va.value, u128::from(s.size.value)) {
            cx.error(
                va.sp,
                Error::Wraps {
                    start: va.value,
                    size: s.size.value,
                    field: Field::Va,
                },
            );
        }
    }
    match &s.in_page {
        None if s.shared => cx.error(
            Sp::one(s.name.span()),
            format_args!(
                "shared segment `{name}` needs a shared page to sit in; add `in PAGE` naming a `shared page`"
            ),
        ),
        None => {}
        Some(pident) => match scope.page_for(table, &name_of(pident)) {
            None => unknown_page(scope, broken, s, pident, table, cx),
            Some(target) => check_fits(s, pident, target.decl, cx),
        },
    }
}

/// The segment's alignment: its `align` if valid (else reported), or its kind's default.
fn check_align(s: &SegmentDecl, name: &str, cx: &mut Ctxt) -> u64 {
    let Some(a) = s.align else {
        return s.kind.default_align();
    };
    if !a.value.is_power_of_two() {
        cx.error(a.sp, Error::AlignNotPowerOfTwo { align: a.value });
    } else if a.value < s.kind.min_align() {
        cx.error(
            a.sp,
            Error::AlignTooSmall {
                name: name.to_string(),
                kind: s.kind,
                align: a.value,
            },
        );
    } else {
        return a.value;
    }
    s.kind.default_align()
}

/// `in PAGE` names no page the segment can see.
fn unknown_page(
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    s: &SegmentDecl,
    pident: &Ident,
    table: Option<usize>,
    cx: &mut Ctxt,
) {
    let pname = name_of(pident);
    let psp = Sp::one(pident.span());
    if s.shared && scope.table_declares(&pname) {
        cx.error(
            psp,
            Error::SharedMismatch {
                name: name_of(&s.name),
                page: pname,
                segment_shared: true,
                other: None,
            },
        );
    } else if !broken.contains(pname.as_str()) {
        let place = match table.and_then(|t| scope.layout.tables.get(t)) {
            Some(t) => format!(" in table `{}`", name_of(&t.name)),
            None => " among the shared pages".to_string(),
        };
        let hint = scope.suggest_page(&pname, table, "declare it or check the spelling");
        cx.error(
            psp,
            DslError::Unknown {
                what: "page",
                name: pname,
                place,
                hint,
            },
        );
    }
}

/// The page named by `in` takes the segment: shared with shared, a kind and permissions
/// that fit, and room for its size.
fn check_fits(s: &SegmentDecl, pident: &Ident, page: &PageDecl, cx: &mut Ctxt) {
    let name = name_of(&s.name);
    let pname = name_of(pident);
    let perms = page_perms(page);
    if page.shared != s.shared {
        cx.error_with_note(
            Sp::one(pident.span()),
            Error::SharedMismatch {
                name,
                page: pname.clone(),
                segment_shared: s.shared,
                other: None,
            },
            Sp::one(page.name.span()),
            Note::IsDeclared(pname),
        );
    } else if !s.kind.fits_in(page.kind, perms) {
        let err = Error::SegmentKindMismatch {
            segment: s.kind,
            page: pname.clone(),
            page_kind: page.kind,
            page_perms: perms,
            other: None,
        };
        // The kind fits, the permissions do not: point at them.
        let (at, perms) = if s.kind.fits_in(page.kind, perms.with_write(!perms.write())) {
            (page.perms.map_or(page.kind_sp, |(_, sp)| sp), Some(perms))
        } else {
            (page.kind_sp, None)
        };
        let note = Note::PageKind {
            page: pname,
            kind: page.kind,
            perms,
        };
        cx.error_with_note(s.kind_sp, err, at, note);
    } else if let Some(needs) = s.kind.missing_access(perms) {
        let err = Error::SegmentAccess {
            name,
            kind: s.kind,
            page: pname.clone(),
            page_perms: perms,
            needs,
            other: None,
        };
        let at = page.perms.map_or(page.kind_sp, |(_, sp)| sp);
        let note = Note::PageKind {
            page: pname,
            kind: page.kind,
            perms: Some(perms),
        };
        cx.error_with_note(s.kind_sp, err, at, note);
    } else if let (Some(size), Some(page_bytes)) = (page.size, page_bytes(page)) {
        // A page of no bytes (`* 0`) is reported on its count already.
        if s.size.value > page_bytes && page_bytes != 0 {
            cx.error_with_note(
                s.size.sp,
                Error::SegmentTooLarge {
                    name,
                    size: s.size.value,
                    page: pname.clone(),
                    page_bytes,
                    other: None,
                },
                size.sp,
                Note::IsSized(pname),
            );
        }
    }
}

/// The bytes a page declaration (with its `* N`) spans, when its size is a page size.
fn page_bytes(page: &PageDecl) -> Option<u64> {
    let ps = PageSize::from_bytes(page.size?.value)?;
    Some(ps.bytes().saturating_mul(page.count.map_or(1, |c| c.value)))
}
