//! The declarative planner: order independence, errors tied to declarations, aliases,
//! translation tables.
#![cfg(feature = "alloc")]

use memlayout::error::Error;
use memlayout::plan::plan;
use memlayout::spec::{
    AliasSpec, PageSpec, Part, Placement, PoolSpec, RangeSpec, SegmentSpec, Spec, TableSpec,
};
use memlayout::tables::TablePlacement;
use memlayout::{ExecutionContext, MemAttrs, PageKind, PageSize, SegmentKind};

const RAM: u64 = 0x8000_0000;

fn page(decl: u32, name: &str, table: usize, kind: PageKind, size: PageSize) -> PageSpec {
    PageSpec::new(
        decl,
        name,
        Placement::Table(table),
        size,
        MemAttrs::new(kind),
    )
}

fn spec(pages: Vec<PageSpec>) -> Spec {
    let mut table = TableSpec::new(2, "t", memlayout::Cores::one(0), ExecutionContext::EL3);
    table.virt.push(RangeSpec::new(3, RAM, 64 << 20));
    let mut spec = Spec::new();
    spec.pools.push(PoolSpec::new(1, "ram", RAM, 64 << 20));
    spec.tables.push(table);
    spec.pages = pages;
    spec
}

#[test]
fn declaration_order_does_not_matter() {
    // A fixed page in the middle of the space, declared after pages that would otherwise
    // take its place; and an identity page.
    let mut fixed = page(12, "fixed", 0, PageKind::Data, PageSize::Size2M);
    fixed.va = Some(RAM);
    fixed.pa = Some(RAM);
    let mut boot = page(13, "boot", 0, PageKind::Code, PageSize::Size2M);
    boot.identity = true;
    let mut a = vec![
        page(10, "small", 0, PageKind::Data, PageSize::Size4K),
        page(11, "big", 0, PageKind::Code, PageSize::Size2M),
        fixed,
        boot,
    ];
    let forward = plan(&spec(a.clone())).expect("plans");
    a.reverse();
    let backward = plan(&spec(a)).expect("plans in reverse too");
    let va_of = |p: &memlayout::plan::Plan, name: &str| {
        p.pages(0)
            .into_iter()
            .find(|g| g.name == name)
            .map(|g| g.pages[0].va())
    };
    for name in ["small", "big", "fixed", "boot"] {
        assert_eq!(va_of(&forward, name), va_of(&backward, name), "{name}");
    }
    assert_eq!(va_of(&forward, "fixed"), Some(RAM));
    // Pages come back in declaration order.
    let names: Vec<&str> = forward.pages(0).into_iter().map(|g| g.name).collect();
    assert_eq!(names, ["small", "big", "fixed", "boot"]);
}

#[test]
fn every_error_is_reported_with_its_declaration() {
    let mut x = page(10, "x", 0, PageKind::Data, PageSize::Size4K);
    x.va = Some(RAM);
    let mut y = page(11, "y", 0, PageKind::Data, PageSize::Size4K);
    y.va = Some(RAM);
    let mut z = page(12, "z", 0, PageKind::Data, PageSize::Size2M);
    z.pa = Some(RAM + 0x1000);
    let mut s = spec(vec![x, y, z]);
    let mut st = SegmentSpec::new(20, "st", Placement::Table(0), SegmentKind::Stack, 0x100);
    st.align = Some(16);
    st.in_page = Some("nope".into());
    s.segments.push(st);
    let errors = plan(&s).unwrap_err();
    let overlap = errors.iter().find(|e| e.decl == 11).expect("overlap on y");
    assert!(matches!(overlap.error, Error::Overlap { .. }));
    assert_eq!((overlap.part, overlap.related), (Part::Va, Some(10)));
    let misaligned = errors.iter().find(|e| e.decl == 12).expect("misaligned z");
    assert_eq!(misaligned.part, Part::Pa);
    let unknown = errors.iter().find(|e| e.decl == 20).expect("unknown page");
    assert_eq!(unknown.part, Part::InPage);
    assert_eq!(errors.len(), 3, "{errors:?}");
}

#[test]
fn alias_with_fixed_va_claims_it_before_larger_pages() {
    let big = page(10, "big", 0, PageKind::Data, PageSize::Size2M);
    let mut alias = page(11, "view", 0, PageKind::Data, PageSize::Size2M);
    alias.va = Some(RAM);
    alias.alias = Some(AliasSpec::new(None, "big"));
    let p = plan(&spec(vec![alias, big])).expect("the alias's fixed VA is honoured");
    let pages = p.pages(0);
    let view = pages.iter().find(|g| g.name == "view").unwrap();
    let big = pages.iter().find(|g| g.name == "big").unwrap();
    assert_eq!(view.pages[0].va(), RAM);
    assert_eq!(view.pages[0].pa(), big.pages[0].pa());
    assert_ne!(big.pages[0].va(), RAM);
}

#[test]
fn translation_tables_are_built_and_placed() {
    let mut s = spec(vec![page(10, "a", 0, PageKind::Data, PageSize::Size4K)]);
    s.tables_at = Some((
        30,
        TablePlacement::At {
            start: RAM + (32 << 20),
            size: 1 << 20,
        },
    ));
    let p = plan(&s).unwrap();
    let tr = p.translation(0).unwrap();
    assert_eq!(tr.base_pa(), RAM + (32 << 20));
    let a = &p.pages(0)[0].pages[0];
    assert_eq!(tr.walk(a.va()).unwrap().pa, a.pa());
    // Too small a range: one error, on the `tables at` declaration.
    s.tables_at = Some((
        30,
        TablePlacement::At {
            start: RAM + (32 << 20),
            size: 0x1000,
        },
    ));
    let errors = plan(&s).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].decl, 30);
    assert!(
        matches!(errors[0].error, Error::TablesRangeTooSmall { count: 3, .. }),
        "{errors:?}"
    );
}

#[test]
fn pa_bits_limit_pools() {
    let mut s = spec(vec![]);
    s.pa_bits = Some((40, 32));
    s.pools[0].start = 0x1_0000_0000;
    let errors = plan(&s).unwrap_err();
    assert!(
        matches!(errors[0].error, Error::BeyondLimit { bits: 32, .. }),
        "{errors:?}"
    );
    assert_eq!(
        errors[0].decl, 1,
        "the pool that passes the limit is at fault"
    );
    assert_eq!(errors[0].part, Part::Range);
    assert_eq!(
        errors[0].related,
        Some(40),
        "the declared PA size is the other party"
    );
}

#[test]
fn a_page_on_the_tables_range_names_the_tables_declaration() {
    let mut fixed = page(10, "fixed", 0, PageKind::Data, PageSize::Size4K);
    fixed.va = Some(RAM);
    fixed.pa = Some(RAM + (32 << 20));
    let mut s = spec(vec![fixed]);
    s.tables_at = Some((
        30,
        TablePlacement::At {
            start: RAM + (32 << 20),
            size: 0x4000,
        },
    ));
    let errors = plan(&s).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].decl, 10);
    assert_eq!(errors[0].part, Part::Pa);
    assert_eq!(errors[0].related, Some(30));
    assert_eq!(
        errors[0].error.other(),
        Some(memlayout::error::Party::TranslationTables)
    );
}

#[test]
fn a_declared_tables_range_is_held_before_pages() {
    let mut boot = page(10, "boot", 0, PageKind::Code, PageSize::Size2M);
    boot.identity = true;
    let mut s = spec(vec![
        boot,
        page(11, "a", 0, PageKind::Data, PageSize::Size4K),
    ]);
    s.tables_at = Some((
        30,
        TablePlacement::At {
            start: RAM,
            size: 2 << 20,
        },
    ));
    let p = plan(&s).expect("pages avoid the tables range");
    assert_eq!(p.translation(0).unwrap().base_pa(), RAM);
    for g in p.pages(0) {
        assert!(
            g.pages[0].pa() >= RAM + (2 << 20),
            "{} sits in the tables range",
            g.name
        );
    }
    // A fixed page inside the declared range is an overlap on the page.
    let mut fixed = page(12, "fixed", 0, PageKind::Data, PageSize::Size4K);
    fixed.pa = Some(RAM + 0x1000);
    s.pages.push(fixed);
    let errors = plan(&s).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].decl, errors[0].part), (12, Part::Pa));
    assert!(
        matches!(&errors[0].error, Error::Overlap { with, .. } if with == "translation tables")
    );
}

#[test]
fn declared_pa_bits_reach_the_tcr() {
    let mut s = spec(vec![page(10, "a", 0, PageKind::Data, PageSize::Size4K)]);
    s.pa_bits = Some((40, 32));
    let tcr = plan(&s).unwrap().translation(0).unwrap().tcr();
    assert_eq!((tcr >> 16) & 7, 0, "TCR_EL3.PS = 32 bits");
    s.pa_bits = None;
    let tcr = plan(&s).unwrap().translation(0).unwrap().tcr();
    assert_eq!((tcr >> 16) & 7, 2, "TCR_EL3.PS = 40 bits by default");
}

#[test]
fn a_shared_alias_is_refused() {
    let base = page(10, "base", 0, PageKind::Data, PageSize::Size4K);
    let mut alias = page(11, "view", 0, PageKind::Data, PageSize::Size4K);
    alias.place = Placement::Shared(None);
    alias.alias = Some(AliasSpec::new(Some(0), "base"));
    let errors = plan(&spec(vec![base, alias])).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].decl, errors[0].part), (11, Part::Name));
    assert!(matches!(&errors[0].error, Error::SharedAlias { name, .. } if name == "view"));
}

/// A page with a fixed PA and an automatic VA never takes the fixed VA of another page
/// (nor one with a fixed VA the other's fixed PA), whichever is declared first: every
/// fixed range is held before placement.
#[test]
fn fixed_addresses_of_one_space_are_never_taken_by_the_other_space_s_choice() {
    // `a`'s fixed PA is the lowest address of both spaces, which is where `c`'s fixed
    // VA is too; the lowest free VA for `a` would be `c`'s, and the lowest free PA for
    // `c` would be `a`'s.
    let a = || {
        let mut p = page(10, "a", 0, PageKind::Data, PageSize::Size4K);
        p.pa = Some(RAM);
        p
    };
    let c = || {
        let mut p = page(11, "c", 0, PageKind::Data, PageSize::Size4K);
        p.va = Some(RAM);
        p
    };
    for pages in [vec![a(), c()], vec![c(), a()]] {
        let plan = plan(&spec(pages)).unwrap_or_else(|e| panic!("{e:?}"));
        let l = plan.layout();
        let t = l.table("t").unwrap();
        let va = |n: &str| l.pages(t).iter().find(|p| p.name() == n).unwrap().va();
        let pa = |n: &str| l.pages(t).iter().find(|p| p.name() == n).unwrap().pa();
        assert_eq!(pa("a"), RAM);
        assert_eq!(va("c"), RAM);
        assert_ne!(va("a"), RAM);
        assert_ne!(pa("c"), RAM);
    }
    // Overlapping fixed ranges are still the error between the two declarations.
    let mut b = c();
    b.name = "b".into();
    b.decl = 12;
    let errors = plan(&spec(vec![c(), b])).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].decl, 12);
    assert_eq!(errors[0].related, Some(11));
    assert!(matches!(errors[0].error, Error::Overlap { .. }));
}
