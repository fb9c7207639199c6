//! Table rules: the translation tables' options (`pa_bits`, `tables at`/`tables in`,
//! a table's own `tables in`, `wxn`), and each table's header, virtual ranges and `va_bits`.

use std::format;
use std::prelude::rust_2024::*;

use std::collections::{BTreeMap, BTreeSet};

use syn::Ident;

use super::super::ast::{GptDecl, Layout, RangeExpr, TableDecl, TablesPlace};
use super::super::ctxt::{Ctxt, Sp};
use super::super::error::{DslError, GptRule, Note, VaBitsRule};
use super::ranges::{check_range, first_declaration, range_bounds};
use super::resolve::suggest;
use super::{Scope, name_of};
use crate::aarch64::gpt::L0GptSize;
use crate::aarch64::regs::PA_BITS;
use crate::aarch64::{Format, Granule};
use crate::error::{Addr, Error, Field, KernelRule, Range, Thing};
use crate::model::PageKind;

/// `granule = SIZE;` (the layout's and each table's): 4K, 16K or 64K.
pub(super) fn check_granules(layout: &Layout, cx: &mut Ctxt) {
    let decls = layout
        .granule
        .iter()
        .chain(layout.tables.iter().filter_map(|t| t.granule.as_ref()));
    for g in decls {
        if Granule::from_bytes(g.size.value).is_none() {
            cx.error(
                g.size.sp,
                format_args!(
                    "{} is not a translation granule; use 4K, 16K or 64K",
                    super::human(g.size.value)
                ),
            );
        }
    }
    // A process shares its kernel's TCR_EL1 (TG0 and TG1 from one granule).
    for (t, table) in layout.tables.iter().enumerate() {
        let Some(under) = &table.under else {
            continue;
        };
        let kernel = name_of(&under.kernel);
        let Some(k) = layout
            .tables
            .iter()
            .position(|k| name_of(&k.name) == kernel)
        else {
            continue;
        };
        if let (Some(own), Some(theirs)) = (table_format(layout, t), table_format(layout, k))
            && own.granule != theirs.granule
        {
            cx.error(
                Sp::one(under.kernel.span()),
                Error::KernelGranule {
                    table: name_of(&table.name),
                    granule: own.granule,
                    kernel,
                    kernel_granule: theirs.granule,
                },
            );
        }
    }
}

/// The granule of table `t` (its own, the layout's, else 4K) and whether its declared
/// sizes give it the 52-bit format ([`Format::for_sizes`]: `va_bits` over 48, or
/// `pa_bits = 52`); `None` when the declared granule is no granule (reported by
/// [`check_granules`]).
pub(super) fn table_format(layout: &Layout, t: usize) -> Option<Format> {
    let table = &layout.tables[t];
    let granule = match table.granule.as_ref().or(layout.granule.as_ref()) {
        Some(g) => Granule::from_bytes(g.size.value)?,
        None => Granule::Size4K,
    };
    let va_bits = [&table.va_bits, &table.upper_va_bits]
        .into_iter()
        .flatten()
        .map(|v| u8::try_from(v.bits.value).unwrap_or(0))
        .max()
        .unwrap_or(48);
    let pa_bits = layout
        .pa_bits
        .as_ref()
        .map_or(40, |p| u8::try_from(p.bits.value).unwrap_or(0));
    Some(Format::for_sizes(granule, va_bits, pa_bits))
}

/// `pa_bits`, `tables at`/`tables in` (for the layout and for one table) and `wxn`: the
/// options of the translation tables.
pub(super) fn check_translation(
    layout: &Layout,
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    cx: &mut Ctxt,
) {
    if let Some(decl) = &layout.pa_bits
        && !u8::try_from(decl.bits.value).is_ok_and(|b| PA_BITS.contains(&b))
    {
        cx.error(
            decl.bits.sp,
            format_args!(
                "{} bits is not a physical address size AArch64 tables can encode; use one of 32, 36, 40, 42, 44, 48 or 52",
                decl.bits.value
            ),
        );
    }
    // A declaration that failed to parse may be the RAM pool: say nothing then.
    let has_ram = layout.pools.iter().any(|p| p.device.is_none()) || !broken.is_empty();
    if !layout.tables.is_empty() && layout.tables_at.is_none() && !has_ram {
        cx.error(
            Sp::one(layout.name.span()),
            "the translation tables need RAM, but no RAM pool is declared; declare one like `physical ram = 0x8000_0000 .. +1G;`",
        );
    }
    match &layout.tables_at {
        None => {}
        Some(decl) if layout.tables.is_empty() => cx.error(
            decl.kw,
            "there are no translation tables to place, as no `table` is declared; declare one or remove this line",
        ),
        Some(decl) => match &decl.place {
            TablesPlace::At(r) => check_tables_at(layout, r, cx),
            TablesPlace::In(pool) => check_tables_in(layout, scope, broken, pool, cx),
        },
    }
    // A table's own `tables in POOL;`.
    for t in &layout.tables {
        if let Some(TablesPlace::In(pool)) = t.tables.as_ref().map(|d| &d.place) {
            check_tables_in(layout, scope, broken, pool, cx);
        }
    }
    if let Some(wxn) = layout.wxn {
        check_wxn(layout, wxn, cx);
    }
    if let Some(gpt) = &layout.gpt {
        check_gpt(layout, scope, broken, gpt, cx);
    }
}

/// `gpt in POOL;` or `gpt at RANGE;`: a Root pool exists, `in` names one, `at` is a
/// well-formed range in no device pool, `l0gptsz` is a size hardware has, and no table
/// takes the module name `gpt`.
fn check_gpt(
    layout: &Layout,
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    gpt: &GptDecl,
    cx: &mut Ctxt,
) {
    if let Some(size) = gpt.l0gptsz
        && L0GptSize::from_bytes(size.value).is_none()
    {
        cx.error(size.sp, DslError::Gpt(GptRule::Level0Size(size.value)));
    }
    for t in layout.tables.iter().filter(|t| name_of(&t.name) == "gpt") {
        cx.error_with_note(
            Sp::one(t.name.span()),
            DslError::Gpt(GptRule::TableNamedGpt),
            gpt.kw,
            Note::FirstGiven,
        );
    }
    // A declaration that failed to parse may be the Root pool: say nothing then.
    if !layout.pools.iter().any(|p| p.root.is_some()) {
        if broken.is_empty() {
            cx.error(gpt.kw, Error::GptWithoutRoot);
        }
        return;
    }
    match &gpt.place {
        TablesPlace::At(r) => {
            check_range(r, Addr::Pa, "gpt", cx);
            let Some((start, size)) = range_bounds(r) else {
                return;
            };
            let overlaps = |(ps, pz): (u64, u64)| {
                u128::from(start) < u128::from(ps) + u128::from(pz)
                    && u128::from(ps) < u128::from(start) + u128::from(size)
            };
            if let Some(p) = layout
                .pools
                .iter()
                .find(|p| p.device.is_some() && range_bounds(&p.range).is_some_and(overlaps))
            {
                cx.error_with_note(
                    r.sp,
                    Error::GptInDevice {
                        pool: name_of(&p.name),
                        field: Field::Range,
                    },
                    Sp::one(p.name.span()),
                    Note::IsDeclared(name_of(&p.name)),
                );
            }
        }
        TablesPlace::In(pool) => {
            let pname = name_of(pool);
            let sp = Sp::one(pool.span());
            match layout.pools.iter().find(|p| name_of(&p.name) == pname) {
                None if broken.contains(pname.as_str()) => {}
                None => {
                    let hint = suggest(
                        &pname,
                        &scope.pools,
                        "declare it with `physical NAME = START .. +SIZE, root;`",
                    );
                    cx.error(
                        sp,
                        DslError::Unknown {
                            what: "pool",
                            name: pname,
                            place: String::new(),
                            hint,
                        },
                    );
                }
                Some(p) if p.root.is_none() => {
                    let space = crate::layout::space_label_of(
                        p.secure.is_some(),
                        p.non_secure.is_some(),
                        p.realm.is_some(),
                        false,
                    );
                    cx.error_with_note(
                        sp,
                        Error::GptNotRoot {
                            pool: pname.clone(),
                            space,
                        },
                        Sp::one(p.name.span()),
                        Note::IsDeclared(pname),
                    );
                }
                Some(p) if p.device.is_some() => cx.error_with_note(
                    sp,
                    Error::GptInDevice {
                        pool: pname.clone(),
                        field: Field::Pool,
                    },
                    Sp::one(p.name.span()),
                    Note::IsDeclared(pname),
                ),
                Some(_) => {}
            }
        }
    }
}

/// `tables at RANGE`: a well-formed range that overlaps no device pool.
fn check_tables_at(layout: &Layout, r: &RangeExpr, cx: &mut Ctxt) {
    check_range(r, Addr::Pa, "tables", cx);
    let Some((start, size)) = range_bounds(r) else {
        return;
    };
    let overlaps = |(ps, pz): (u64, u64)| {
        u128::from(start) < u128::from(ps) + u128::from(pz)
            && u128::from(ps) < u128::from(start) + u128::from(size)
    };
    let device = layout
        .pools
        .iter()
        .find(|p| p.device.is_some() && range_bounds(&p.range).is_some_and(overlaps));
    if let Some(p) = device {
        let pool = name_of(&p.name);
        cx.error_with_note(
            r.sp,
            DslError::TablesNotInRam {
                pool: pool.clone(),
                overlaps: true,
            },
            Sp::one(p.name.span()),
            Note::IsDeclared(pool),
        );
    }
}

/// `tables in POOL`: a RAM pool that is declared.
fn check_tables_in(
    layout: &Layout,
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    pool: &Ident,
    cx: &mut Ctxt,
) {
    let pname = name_of(pool);
    let sp = Sp::one(pool.span());
    match layout.pools.iter().find(|p| name_of(&p.name) == pname) {
        None if broken.contains(pname.as_str()) => {}
        None => {
            let hint = suggest(
                &pname,
                &scope.pools,
                "declare it with `physical NAME = START .. +SIZE;`",
            );
            cx.error(
                sp,
                DslError::Unknown {
                    what: "pool",
                    name: pname,
                    place: String::new(),
                    hint,
                },
            );
        }
        Some(p) if p.device.is_some() => cx.error_with_note(
            sp,
            DslError::TablesNotInRam {
                pool: pname.clone(),
                overlaps: false,
            },
            Sp::one(p.name.span()),
            Note::IsDeclared(pname),
        ),
        Some(_) => {}
    }
}

/// `wxn`: no code or data page is both writable and executable.
fn check_wxn(layout: &Layout, wxn: Sp, cx: &mut Ctxt) {
    let pages = layout
        .tables
        .iter()
        .flat_map(|t| &t.pages)
        .chain(&layout.shared_pages);
    for p in pages {
        // The table builder's rule: code and data pages can execute; device and
        // system pages never do, whatever their permissions say.
        if let Some((perms, sp)) = p.perms
            && perms.write()
            && perms.execute()
            && matches!(p.kind, PageKind::Code | PageKind::Data)
        {
            cx.error_with_note(
                sp,
                format_args!(
                    "page `{}` is writable and executable, but `wxn` makes writable memory execute-never; use `rw` or `rx`, or remove `wxn`",
                    name_of(&p.name)
                ),
                wxn,
                "`wxn` is set here",
            );
        }
    }
}

/// Table names are unique, their ranges well formed, one table per core where the
/// core has one base register, and a table that hosts pages has a virtual range.
pub(super) fn check_tables(layout: &Layout, scope: &Scope<'_>, cx: &mut Ctxt) {
    let mut seen: BTreeMap<String, Sp> = BTreeMap::new();
    for (t, table) in layout.tables.iter().enumerate() {
        let name = name_of(&table.name);
        let sp = Sp::one(table.name.span());
        first_declaration(&mut seen, Thing::Table, &name, sp, cx);
        for r in &table.virt {
            check_range(r, Addr::Va, &name, cx);
        }
        if table.el.has_one_table_per_core()
            && !table.el_stand_in
            && let Some((first, core)) = layout.tables[..t]
                .iter()
                .filter(|o| o.el == table.el && !o.el_stand_in)
                .find_map(|o| Some((o, o.cores.first_shared(table.cores)?)))
        {
            let first_name = name_of(&first.name);
            cx.error_with_note(
                sp,
                Error::RegimeTaken {
                    table: name.clone(),
                    core,
                    el: table.el,
                    first: first_name.clone(),
                    other: None,
                },
                Sp::one(first.name.span()),
                format_args!("`{first_name}` is the {} table of core {core}", table.el),
            );
        }
        check_va_bits(table, &name, cx);
        let hosts_pages = !table.pages.is_empty() || scope.shared_pages_in(t).next().is_some();
        if table.virt.is_empty() && hosts_pages {
            cx.error(
                sp,
                format_args!(
                    "table `{name}` has no virtual range to map its pages in; add one like `virtual 0x8000_0000 .. +1G;`"
                ),
            );
        }
    }
}

/// Whether a `virtual` range lies in the upper VA range (`TTBR1`, bit 63 set).
fn is_upper(r: &RangeExpr) -> bool {
    r.start.value >> 63 == 1
}

/// `va_bits` and `va_bits upper` of a table: each must name a range the table has
/// (whether the size covers the ranges is the planner's check).
fn check_va_bits(table: &TableDecl, name: &str, cx: &mut Ctxt) {
    let has_upper = table.virt.iter().any(is_upper);
    let has_lower = !table.virt.iter().all(is_upper);
    let two_ranges = !crate::aarch64::Regime::of(table.el).is_single_privilege();
    for v in [&table.va_bits, &table.upper_va_bits].into_iter().flatten() {
        let bits = v.bits.value;
        if !(25..=52).contains(&bits) {
            cx.error(v.bits.sp, DslError::VaBits(VaBitsRule::Unsupported(bits)));
        }
    }
    if let Some(v) = &table.upper_va_bits {
        if table.el_stand_in {
            // The level is unknown: whether it has an upper range is too.
        } else if !two_ranges {
            let rule = VaBitsRule::NoUpperRegime {
                table: name.to_string(),
                el: table.el,
            };
            cx.error(v.kw, DslError::VaBits(rule));
        } else if !has_upper {
            let rule = VaBitsRule::NoUpperRange(name.to_string());
            cx.error(v.kw, DslError::VaBits(rule));
        }
    }
    if let Some(v) = &table.va_bits
        && has_upper
        && !has_lower
        && two_ranges
    {
        let rule = VaBitsRule::OnlyUpper {
            table: name.to_string(),
            bits: v.bits.value,
        };
        cx.error(v.kw, DslError::VaBits(rule));
    }
}

/// `asid N` and `under TABLE` in table headers: ASIDs that fit, a kernel that can host
/// the process (an EL1 table of its security state, on its cores, with an upper range,
/// not a process itself), processes with lower ranges only and clear of the kernel's
/// lower ranges, no ASID on a kernel, and one ASID per process of a kernel.
pub(super) fn check_processes(
    layout: &Layout,
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    cx: &mut Ctxt,
) {
    let tables = &layout.tables;
    // Each table's kernel, when its `under` names a table.
    let kernels: Vec<Option<usize>> = tables
        .iter()
        .map(|t| scope.table(&name_of(&t.under.as_ref()?.kernel)))
        .collect();
    // These restate checks of `Layout::set_asid` and `Layout::put_under` on purpose:
    // planning runs only on a layout these checks pass, so here they show with every
    // other mistake of the layout in one run, each on its own token (`asid 0` beside a
    // process without `asid` the engine finds only when the tables are built, after
    // every page).
    for (t, table) in tables.iter().enumerate() {
        let name = name_of(&table.name);
        if let Some(asid) = &table.asid {
            let value = asid.value.value;
            if value > u64::from(u16::MAX) {
                let error = Error::AsidTooLarge {
                    table: name.clone(),
                    asid: u32::try_from(value).unwrap_or(u32::MAX),
                };
                cx.error(asid.value.sp, error);
            }
            let single = crate::aarch64::Regime::of(table.el).is_single_privilege();
            if !table.el_stand_in && single {
                let error = Error::AsidInRegime {
                    table: name.clone(),
                    el: table.el,
                };
                cx.error(asid.kw, error);
            }
            let process = (0..tables.len()).find(|&p| p != t && kernels[p] == Some(t));
            if process.is_none()
                && !table.el_stand_in
                && !single
                && !table.virt.is_empty()
                && table.virt.iter().all(is_upper)
            {
                // The ASID goes in TTBR0, which only a lower range uses.
                cx.error(
                    asid.kw,
                    Error::AsidWithoutLower {
                        table: name.clone(),
                    },
                );
            }
            if let Some(p) = process {
                let process = name_of(&tables[p].name);
                let error = Error::AsidOnKernel {
                    kernel: name.clone(),
                    process: process.clone(),
                    other: None,
                };
                let note = error.note(&process);
                let at = tables[p].under.as_ref().map(|u| Sp::one(u.kernel.span()));
                cx.error_with_note(
                    asid.kw,
                    error,
                    at.unwrap_or(Sp::one(table.name.span())),
                    note,
                );
            }
        }
        let Some(under) = &table.under else {
            continue;
        };
        let kname = name_of(&under.kernel);
        let ksp = Sp::one(under.kernel.span());
        let Some(k) = kernels[t] else {
            if !broken.contains(kname.as_str()) {
                let hint = suggest(
                    &kname,
                    scope.tables.keys(),
                    "name the EL1 table of the kernel this table runs under",
                );
                let error = DslError::Unknown {
                    what: "table",
                    name: kname,
                    place: String::new(),
                    hint,
                };
                cx.error(ksp, error);
            }
            continue;
        };
        let kernel = &tables[k];
        let stand_in = table.el_stand_in || kernel.el_stand_in;
        let reason = if k == t {
            Some(KernelRule::Itself)
        } else if stand_in {
            // A level that did not parse: its rules are unknown.
            None
        } else if crate::aarch64::Regime::of(table.el).is_single_privilege() {
            Some(KernelRule::ProcessRegime { el: table.el })
        } else if kernel.el.level() != 1 {
            Some(KernelRule::NotEl1 { el: kernel.el })
        } else if table.el.security() != kernel.el.security() {
            Some(KernelRule::Security {
                process: table.el,
                kernel: kernel.el,
            })
        } else if let Some(core) = table.cores.iter().find(|&c| !kernel.cores.contains(c)) {
            Some(KernelRule::Cores { core })
        } else if let Some(kk) = kernel.under.as_ref() {
            Some(KernelRule::IsProcess {
                kernel: name_of(&kk.kernel),
            })
        } else if !kernel.virt.iter().any(is_upper) {
            Some(KernelRule::NoUpperRange)
        } else {
            (0..tables.len())
                .find(|&p| p != t && kernels[p] == Some(t))
                .map(|p| KernelRule::ProcessIsKernel {
                    process: name_of(&tables[p].name),
                })
        };
        if let Some(reason) = reason {
            let error = Error::NotAKernel {
                table: name.clone(),
                kernel: kname.clone(),
                reason,
                other: None,
            };
            let note = error.note(&kname);
            cx.error_with_note(ksp, error, Sp::one(kernel.name.span()), note);
            continue;
        }
        if stand_in {
            continue;
        }
        let runs_under = format!("`{name}` runs under `{kname}` here");
        for r in &table.virt {
            let Some((start, size)) = range_bounds(r) else {
                continue;
            };
            let range = Range {
                start,
                end: start.wrapping_add(size),
            };
            if is_upper(r) {
                let error = Error::ProcessUpperRange {
                    table: name.clone(),
                    kernel: kname.clone(),
                    range,
                    field: crate::error::Field::Range,
                };
                cx.error_with_note(r.sp, error, ksp, &runs_under);
                continue;
            }
            let overlap = kernel.virt.iter().find_map(|kr| {
                let (ks, kz) = range_bounds(kr).filter(|_| !is_upper(kr))?;
                let overlaps = u128::from(start) < u128::from(ks) + u128::from(kz)
                    && u128::from(ks) < u128::from(start) + u128::from(size);
                overlaps.then_some((kr, ks, kz))
            });
            if let Some((kr, ks, kz)) = overlap {
                let error = Error::KernelRangeOverlap {
                    table: name.clone(),
                    range,
                    kernel: kname.clone(),
                    kernel_range: Range {
                        start: ks,
                        end: ks.wrapping_add(kz),
                    },
                    field: crate::error::Field::Range,
                    other: None,
                };
                let note = error.note(&kname);
                cx.error_with_note(r.sp, error, kr.sp, note);
            }
        }
        // One ASID per process of a kernel: the first process with it keeps it. An ASID
        // over 65535 has its own error and takes no part.
        if let Some(asid) = &table.asid
            && let Ok(value) = u16::try_from(asid.value.value)
            && let Some(first) = (0..t).find(|&p| {
                kernels[p] == Some(k)
                    && tables[p]
                        .asid
                        .is_some_and(|a| a.value.value == asid.value.value)
            })
        {
            let first_name = name_of(&tables[first].name);
            let error = Error::AsidTaken {
                table: name.clone(),
                asid: value,
                kernel: kname.clone(),
                first: first_name.clone(),
                other: None,
            };
            let note = error.note(&first_name);
            let at = tables[first].asid.as_ref().map(|a| a.value.sp);
            cx.error_with_note(asid.value.sp, error, at.unwrap_or(ksp), note);
        }
        // ASID 0 beside a process without `asid`, which runs with ASID 0 too.
        if let Some(asid) = &table.asid
            && asid.value.value == 0
            && let Some(other) = (0..tables.len())
                .find(|&p| p != t && kernels[p] == Some(k) && tables[p].asid.is_none())
        {
            let other_name = name_of(&tables[other].name);
            let error = Error::AsidZeroShared {
                table: name.clone(),
                kernel: kname.clone(),
                first: other_name.clone(),
                other: None,
            };
            let note = error.note(&other_name);
            cx.error_with_note(
                asid.value.sp,
                error,
                Sp::one(tables[other].name.span()),
                note,
            );
        }
    }
}
