//! Lowering: the checked syntax tree becomes a plain-data [`Spec`] for the planner, with
//! a [`DeclId`] per declaration, and a table from each id back to its source, so planner
//! errors land on the token at fault.

use std::format;
use std::prelude::rust_2024::*;

use super::ast::{
    AttrVal, GptDecl, GranuleDecl, Layout, PaBitsDecl, PageDecl, PoolDecl, RangeExpr, SegmentDecl,
    TableDecl, TablesDecl, TablesPlace, VaBitsDecl,
};
use super::check::{Scope, human, name_of, range_bounds};
use super::ctxt::{Ctxt, Diag, Sp};
use crate::aarch64::Granule;
use crate::aarch64::gpt::L0GptSize;
use crate::error::{Addr, Error, OtherPart};
use crate::layout::GptRequest;
use crate::model::{Attr, AttrValue, MemAttrs, Name, PageSize};
use crate::spec::{
    AliasSpec, DeclId, GptSpec, PageSpec, Part, Placement, PlanError, PoolSpec, RangeSpec,
    SegmentSpec, Spec, TableSpec,
};
use crate::tables::TablePlacement;

/// The source of one declaration.
#[derive(Clone, Copy)]
pub enum Decl<'a> {
    /// The layout as a whole: the module's name.
    Module(&'a syn::Ident),
    /// `pa_bits = N;`.
    PaBits(&'a PaBitsDecl),
    /// `tables at ..;` or `tables in ..;`.
    Tables(&'a TablesDecl),
    /// `gpt in ..;` or `gpt at ..;`.
    Gpt(&'a GptDecl),
    /// A `physical` pool.
    Pool(&'a PoolDecl),
    /// A table.
    Table(&'a TableDecl),
    /// A `virtual` range of a table.
    Range(&'a TableDecl, &'a RangeExpr),
    /// `va_bits [upper] = N;` of a table.
    VaBits(&'a TableDecl, &'a VaBitsDecl),
    /// `granule = SIZE;`, of a table or of the layout (`None`).
    Granule(Option<&'a TableDecl>, &'a GranuleDecl),
    /// A page.
    Page(&'a PageDecl),
    /// A segment.
    Segment(&'a SegmentDecl),
}

impl Decl<'_> {
    /// The declaration's name.
    pub fn name(&self) -> String {
        match self {
            Decl::Module(m) => name_of(m),
            Decl::PaBits(_) => "pa_bits".to_string(),
            Decl::Tables(_) => "tables".to_string(),
            Decl::Gpt(_) => "gpt".to_string(),
            Decl::Pool(p) => name_of(&p.name),
            Decl::Table(t) | Decl::Range(t, _) | Decl::VaBits(t, _) => name_of(&t.name),
            Decl::Granule(Some(t), _) => name_of(&t.name),
            Decl::Granule(None, _) => "granule".to_string(),
            Decl::Page(p) => name_of(&p.name),
            Decl::Segment(s) => name_of(&s.name),
        }
    }

    fn name_sp(&self) -> Sp {
        match self {
            Decl::Module(m) => Sp::one(m.span()),
            Decl::PaBits(d) => d.bits.sp,
            Decl::Tables(d) => d.place.sp(),
            Decl::Gpt(d) => d.kw,
            Decl::Pool(p) => Sp::one(p.name.span()),
            Decl::Table(t) => Sp::one(t.name.span()),
            Decl::Range(_, r) => r.sp,
            Decl::VaBits(_, v) => v.bits.sp,
            Decl::Granule(_, g) => g.size.sp,
            Decl::Page(p) => Sp::one(p.name.span()),
            Decl::Segment(s) => Sp::one(s.name.span()),
        }
    }

    /// The tokens of `part`, if the declaration wrote that part.
    fn part(&self, part: Part) -> Option<Sp> {
        match (self, part) {
            (_, Part::Name) => Some(self.name_sp()),
            (Decl::Pool(p), Part::Range) => Some(p.range.sp),
            (Decl::Gpt(g), Part::Range | Part::Pool | Part::Pa) => Some(g.place.sp()),
            (Decl::Tables(d), Part::NonSecureOk) => d.non_secure_ok,
            (Decl::Table(t), Part::Range) => t.virt.first().map(|r| r.sp),
            (Decl::Table(t), Part::Asid) => t.asid.map(|a| a.value.sp),
            (Decl::Table(t), Part::Under) => t.under.as_ref().map(|u| Sp::one(u.kernel.span())),
            (Decl::Range(_, r), _) => Some(r.sp),
            (Decl::Page(p), part) => match part {
                Part::Va => p.va.map(|n| n.sp),
                Part::Pa => p.pa.map(|n| n.sp),
                Part::Size => p.size.map(|n| n.sp),
                Part::Count => p.count.or(p.size).map(|n| n.sp),
                Part::Identity => p.identity,
                Part::Pool => p.pool.as_ref().map(|i| Sp::one(i.span())),
                Part::Perms => p.perms.map(|(_, sp)| sp).or(Some(p.kind_sp)),
                Part::Share => p.share.map(|(_, sp)| sp),
                Part::Cache => p.cache.map(|(_, sp)| sp),
                Part::Kind => Some(p.kind_sp),
                Part::Tables => p.tables.as_ref().map(|(_, sp)| *sp),
                Part::InPage => p.alias.as_ref().map(|a| a.sp),
                Part::Guard => p.guard.map(|n| n.sp),
                Part::NonSecureView => p.non_secure_view,
                Part::NonSecureOk => p.non_secure_ok,
                _ => None,
            },
            (Decl::Segment(s), part) => match part {
                Part::Va => s.va.map(|n| n.sp),
                Part::Size => Some(s.size.sp),
                Part::Align => s.align.map(|n| n.sp),
                Part::Identity => s.identity,
                Part::InPage => s.in_page.as_ref().map(|i| Sp::one(i.span())),
                Part::Kind => Some(s.kind_sp),
                _ => None,
            },
            _ => None,
        }
    }

    /// The tokens of `part`, or the name when the part was not written.
    pub fn span(&self, part: Part) -> Sp {
        self.part(part).unwrap_or_else(|| self.name_sp())
    }
}

/// Every declaration of a lowered layout, indexed by [`DeclId`].
pub struct Decls<'a> {
    decls: Vec<Decl<'a>>,
}

impl<'a> Decls<'a> {
    fn add(&mut self, d: Decl<'a>) -> DeclId {
        let id = DeclId::try_from(self.decls.len()).unwrap_or(DeclId::MAX);
        self.decls.push(d);
        id
    }

    /// The declaration with this id.
    pub fn get(&self, id: DeclId) -> Option<Decl<'a>> {
        self.decls.get(usize::try_from(id).ok()?).copied()
    }

    /// Records a planner error on the token at fault, with a note on the other party
    /// and the language's fix as a help, where it has one.
    pub fn report(&self, e: &PlanError, cx: &mut Ctxt) {
        let Some(decl) = self.get(e.decl) else {
            cx.error(Sp::one(proc_macro2::Span::call_site()), &e.error);
            return;
        };
        let mut diag = Diag::new(decl.span(e.part), &e.error);
        let related = e.related.filter(|&r| r != e.decl).and_then(|r| self.get(r));
        if let Some(other) = related {
            let at = other_span(decl, other, e);
            diag = diag.note(at, e.error.note(&other.name()));
        }
        if let Some(h) = help(&e.error) {
            diag = diag.help(h);
        }
        cx.push(diag);
    }
}

/// The tokens of the other declaration `other` a note points at: the part the error
/// names (see [`Error::other_part`]), else its name.
fn other_span(decl: Decl<'_>, other: Decl<'_>, e: &PlanError) -> Sp {
    // The granule protection table as a whole: its `gpt` keyword.
    if let (Error::GptNonSecureOk { .. }, Decl::Gpt(g)) = (&e.error, other) {
        return g.kw;
    }
    // The translation tables collide with a page at its PA.
    let same = match decl {
        Decl::Tables(_) | Decl::Gpt(_) | Decl::Module(_) => Part::Pa,
        _ => e.part,
    };
    let at_addr = |a: Addr| {
        let p = match a {
            Addr::Va => Part::Va,
            Addr::Pa => Part::Pa,
        };
        other.part(p).or_else(|| other.part(Part::Identity))
    };
    let sp = match e.error.other_part() {
        OtherPart::Same => other.part(same),
        OtherPart::SameOr(a) => other.part(same).or_else(|| at_addr(a)),
        OtherPart::Addr(a) => at_addr(a),
        OtherPart::Guard => other.part(Part::Guard),
    };
    sp.unwrap_or_else(|| other.name_sp())
}

/// The fix for an engine error in the words of the language, when it has one: shown as
/// a help under the engine's sentence.
fn help(error: &Error) -> Option<String> {
    match error {
        Error::VaBitsTooSmall {
            upper,
            bits,
            needed,
            ..
        } => {
            let kw = if *upper { "va_bits upper" } else { "va_bits" };
            Some(format!(
                "raise `{kw} = {bits}` to at least `{kw} = {needed}`, or remove it"
            ))
        }
        Error::TablesRangeTooSmall { bytes, .. } => {
            Some(format!("make the range at least `+{}`", human(*bytes)))
        }
        Error::NoRoomForTables { table, space, .. } => {
            let mut help = format!(
                "put the tables of `{table}` where there is room: `tables in POOL;` inside the table for this table alone, or `tables in POOL;` or `tables at START .. +SIZE;` next to the pools for every table"
            );
            if let crate::error::Space::Secure { refused, .. } = space
                && let Some(pool) = refused.first()
            {
                help.push_str(&format!(
                    "; to keep them in non-secure memory knowingly, write `tables in {pool}, non_secure_ok;` inside the table"
                ));
            }
            Some(help)
        }
        _ => None,
    }
}

fn attr_of(kv: &super::ast::AttrKv) -> Attr {
    let value = match &kv.value {
        AttrVal::Int(v) => AttrValue::Int(*v),
        AttrVal::Str(s) => AttrValue::Str(Name::from(s.clone())),
        AttrVal::Bool(b) => AttrValue::Bool(*b),
    };
    Attr {
        key: Name::from(name_of(&kv.key)),
        value,
    }
}

fn mem_attrs(p: &PageDecl) -> MemAttrs {
    let mut a = MemAttrs::new(p.kind);
    if let Some((perms, _)) = p.perms {
        a.perms = perms;
    }
    if let Some((cache, _)) = p.cache {
        a.cache = cache;
    }
    if let Some((share, _)) = p.share {
        a.share = share;
    }
    if let Some((device, _)) = p.device {
        a.device = device;
    }
    a
}

/// The memory attributes of a page declaration. An alias that names no Device type
/// takes its target's (an alias must map the PA with the same memory type, and the
/// default Device-nGnRE would contradict an `nGnRnE` target).
fn page_attrs(scope: &Scope<'_>, p: &PageDecl, place: &Placement) -> MemAttrs {
    let mut attrs = mem_attrs(p);
    if let (Some(alias), None) = (&p.alias, p.device) {
        let own = match place {
            Placement::Table(t) => Some(*t),
            _ => None,
        };
        let table = match &alias.table {
            None => own,
            Some(t) => scope.table(&name_of(t)),
        };
        if let Some(target) = scope.page_for(table, &name_of(&alias.page))
            && let Some((device, _)) = target.decl.device
        {
            attrs.device = device;
        }
    }
    attrs
}

fn page_spec(scope: &Scope<'_>, p: &PageDecl, place: Placement, decl: DeclId) -> PageSpec {
    PageSpec {
        attrs: page_attrs(scope, p, &place),
        decl,
        name: name_of(&p.name),
        place,
        size: p
            .size
            .and_then(|s| PageSize::from_bytes(s.value))
            .unwrap_or(PageSize::Size4K),
        count: p
            .count
            .map_or(1, |c| u32::try_from(c.value).unwrap_or(u32::MAX)),
        identity: p.identity.is_some(),
        va: p.va.map(|n| n.value),
        pa: p.pa.map(|n| n.value),
        pool: p.pool.as_ref().map(name_of),
        custom: p.attrs.iter().map(attr_of).collect(),
        alias: p.alias.as_ref().map(|a| AliasSpec {
            table: a.table.as_ref().and_then(|t| scope.table(&name_of(t))),
            page: name_of(&a.page),
        }),
        guard: p.guard.map_or(0, |n| n.value),
        non_secure_ok: p.non_secure_ok.is_some(),
        non_secure_view: p.non_secure_view.is_some(),
    }
}

/// Lowers a checked layout. Names that do not resolve (which the checks report) are
/// left out rather than guessed.
pub fn lower(layout: &Layout) -> (Spec, Decls<'_>) {
    let scope = Scope::new(layout);
    let mut decls = Decls { decls: Vec::new() };
    let mut spec = Spec {
        seed: layout.seed.map(|s| s.value),
        decl: decls.add(Decl::Module(&layout.name)),
        wxn: layout.wxn.is_some(),
        ..Spec::default()
    };
    if let Some(d) = &layout.pa_bits {
        let bits = u8::try_from(d.bits.value).unwrap_or(u8::MAX);
        spec.pa_bits = Some((decls.add(Decl::PaBits(d)), bits));
    }
    if let Some(d) = &layout.tables_at {
        let placement = match &d.place {
            TablesPlace::At(r) => {
                let (start, size) = range_bounds(r).unwrap_or((r.start.value, 0));
                TablePlacement::At { start, size }
            }
            TablesPlace::In(pool) => TablePlacement::InPool(name_of(pool)),
        };
        spec.tables_at = Some((decls.add(Decl::Tables(d)), placement));
    }
    if let Some(d) = &layout.gpt {
        let request = match &d.place {
            TablesPlace::At(r) => {
                let (start, size) = range_bounds(r).unwrap_or((r.start.value, 0));
                GptRequest::at(start, size)
            }
            TablesPlace::In(pool) => GptRequest::in_pool(name_of(pool)),
        };
        let l0 = d
            .l0gptsz
            .and_then(|n| L0GptSize::from_bytes(n.value))
            .unwrap_or_default();
        spec.gpt = Some(GptSpec::new(decls.add(Decl::Gpt(d)), request.l0gptsz(l0)));
    }
    for p in &layout.pools {
        let (start, size) = range_bounds(&p.range).unwrap_or((p.range.start.value, 0));
        spec.pools.push(PoolSpec {
            decl: decls.add(Decl::Pool(p)),
            name: name_of(&p.name),
            start,
            size,
            device: p.device.is_some(),
            non_secure: p.non_secure.is_some(),
            secure: p.secure.is_some(),
            realm: p.realm.is_some(),
            root: p.root.is_some(),
        });
    }
    for t in &layout.tables {
        let decl = decls.add(Decl::Table(t));
        let virt = t
            .virt
            .iter()
            .map(|r| {
                let (start, size) = range_bounds(r).unwrap_or((r.start.value, 0));
                RangeSpec {
                    decl: decls.add(Decl::Range(t, r)),
                    start,
                    size,
                }
            })
            .collect();
        let va_bits = t.va_bits.as_ref().map(|v| {
            let n = u8::try_from(v.bits.value).unwrap_or(u8::MAX);
            (decls.add(Decl::VaBits(t, v)), n)
        });
        let upper_va_bits = t.upper_va_bits.as_ref().map(|v| {
            let n = u8::try_from(v.bits.value).unwrap_or(u8::MAX);
            (decls.add(Decl::VaBits(t, v)), n)
        });
        // The table's own granule, else the layout's; a value that is no granule was
        // reported by the checks.
        let granule = match (&t.granule, &layout.granule) {
            (Some(g), _) => Some((Some(t), g)),
            (None, Some(g)) => Some((None, g)),
            (None, None) => None,
        }
        .and_then(|(owner, g)| {
            let granule = Granule::from_bytes(g.size.value)?;
            Some((decls.add(Decl::Granule(owner, g)), granule))
        });
        spec.tables.push(TableSpec {
            decl,
            name: name_of(&t.name),
            cores: t.cores,
            el: t.el,
            virt,
            va_bits,
            upper_va_bits,
            granule,
            non_secure_tables_ok: match &t.tables {
                Some(d) => d.non_secure_ok.is_some(),
                None => layout
                    .tables_at
                    .as_ref()
                    .is_some_and(|d| d.non_secure_ok.is_some()),
            },
            tables_in: t.tables.as_ref().and_then(|d| match &d.place {
                TablesPlace::In(pool) => Some((decls.add(Decl::Tables(d)), name_of(pool))),
                TablesPlace::At(_) => None,
            }),
            asid: t
                .asid
                .map(|a| u32::try_from(a.value.value).unwrap_or(u32::MAX)),
            under: t
                .under
                .as_ref()
                .and_then(|u| scope.table(&name_of(&u.kernel))),
        });
    }
    for (t, table) in layout.tables.iter().enumerate() {
        for p in &table.pages {
            let decl = decls.add(Decl::Page(p));
            spec.pages
                .push(page_spec(&scope, p, Placement::Table(t), decl));
        }
    }
    for p in &layout.shared_pages {
        let place = Placement::Shared(p.tables.as_ref().map(|(list, _)| {
            list.iter()
                .filter_map(|n| scope.table(&name_of(n)))
                .collect()
        }));
        let decl = decls.add(Decl::Page(p));
        spec.pages.push(page_spec(&scope, p, place, decl));
    }
    let segment = |s: &SegmentDecl, place: Placement, decl: DeclId| SegmentSpec {
        decl,
        name: name_of(&s.name),
        place,
        kind: s.kind,
        size: s.size.value,
        align: s.align.map(|a| a.value),
        identity: s.identity.is_some(),
        in_page: s.in_page.as_ref().map(name_of),
        va: s.va.map(|n| n.value),
    };
    for (t, table) in layout.tables.iter().enumerate() {
        for s in &table.segments {
            let decl = decls.add(Decl::Segment(s));
            spec.segments.push(segment(s, Placement::Table(t), decl));
        }
    }
    for s in &layout.shared_segments {
        let decl = decls.add(Decl::Segment(s));
        spec.segments
            .push(segment(s, Placement::Shared(None), decl));
    }
    (spec, decls)
}
