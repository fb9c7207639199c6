//! The run-time API: placement rules, queries, every error path, and the quickstart.

use memlayout::aarch64::TableConfig;
use memlayout::error::{Addr, Field, Party, Thing};
use memlayout::tables::TablePlacement;
use memlayout::{
    AttrValue, Cacheability, Cores, Error, ExecutionContext, Layout, PageKind, PageRequest,
    PageSize, Perms, Pool, SegmentKind, SegmentRequest, Shareability, Space,
};
use memlayout_tests::quickstart;

const RAM: u64 = 0x8000_0000;

fn base() -> (Layout, memlayout::TableId) {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 64 << 20)).unwrap();
    l.add_pool(Pool::device("mmio", 0x0900_0000, 1 << 20))
        .unwrap();
    let t = l
        .add_table("t", 0, ExecutionContext::EL3, &[(RAM, 64 << 20)])
        .unwrap();
    (l, t)
}

#[test]
fn deterministic_placement_is_lowest_fit() {
    let (mut l, t) = base();
    let a = l
        .map(t, &PageRequest::new("a", PageKind::Data, PageSize::Size4K))
        .unwrap();
    let b = l
        .map(t, &PageRequest::new("b", PageKind::Data, PageSize::Size2M))
        .unwrap();
    let c = l
        .map(t, &PageRequest::new("c", PageKind::Data, PageSize::Size4K))
        .unwrap();
    assert_eq!(l.mapping_pa(a), Some(RAM));
    assert_eq!(l.mapping_va(a, t), Some(RAM));
    assert_eq!(
        l.mapping_pa(b),
        Some(RAM + 0x20_0000),
        "2M page aligned to 2M"
    );
    assert_eq!(
        l.mapping_pa(c),
        Some(RAM + 0x1000),
        "fills the hole left below"
    );
}

#[test]
fn consecutive_pages_are_contiguous_in_va_and_pa() {
    let (mut l, t) = base();
    let m = l
        .map(
            t,
            &PageRequest::new("text", PageKind::Code, PageSize::Size4K).count(3),
        )
        .unwrap();
    let pages = l.mapping_pages(m, t);
    assert_eq!(pages.len(), 3);
    for (i, w) in pages.windows(2).enumerate() {
        assert_eq!(
            w[0].va_end(),
            u128::from(w[1].va()),
            "VA gap after page {i}"
        );
        assert_eq!(
            w[0].pa_end(),
            u128::from(w[1].pa()),
            "PA gap after page {i}"
        );
        assert_eq!(w[1].index(), i as u32 + 1);
    }
    assert_eq!(pages[0].perms(), Perms::RX, "code defaults to rx");
}

#[test]
fn identity_fixed_and_attributes() {
    let (mut l, t) = base();
    let id = l
        .map(
            t,
            &PageRequest::new("boot", PageKind::Code, PageSize::Size2M).identity(),
        )
        .unwrap();
    let p = l.mapping_pages(id, t)[0].clone();
    assert!(p.is_identity());
    let f = l
        .map(
            t,
            &PageRequest::new("fixed", PageKind::Data, PageSize::Size4K)
                .va(RAM + 0x300_0000)
                .pa(RAM + 0x310_0000)
                .perms(Perms::R)
                .cache(Cacheability::WriteThrough)
                .attr("owner", AttrValue::Str("fw".into())),
        )
        .unwrap();
    let fp = &l.mapping_pages(f, t)[0];
    assert_eq!((fp.va(), fp.pa()), (RAM + 0x300_0000, RAM + 0x310_0000));
    assert_eq!(fp.perms(), Perms::R);
    assert_eq!(fp.cacheability(), Some(Cacheability::WriteThrough));
    assert_eq!(fp.attr("owner"), Some(&AttrValue::Str("fw".into())));
    assert_eq!(l.translate(t, RAM + 0x300_0123), Some(RAM + 0x310_0123));
    assert!(l.is_mapped(t, RAM + 0x300_0000, 0x1000));
    assert!(!l.is_mapped(t, RAM + 0x300_0000, 0x1001));
    assert_eq!(l.translate(t, RAM + 0x301_0000), None);
    let dev = l
        .map(
            t,
            &PageRequest::new("uart", PageKind::Device, PageSize::Size4K).pa(0x0900_0000),
        )
        .unwrap();
    assert_eq!(l.mapping_pa(dev), Some(0x0900_0000));
    assert_eq!(l.pages_of_kind(t, PageKind::Device).len(), 1);
}

#[test]
fn identity_is_what_was_requested_and_va_equals_pa_what_happens_to_hold() {
    let (mut l, t) = base();
    // Lowest-address placement puts the first page at VA == PA == RAM without asking.
    let chance = l
        .map(
            t,
            &PageRequest::new("chance", PageKind::Code, PageSize::Size2M),
        )
        .unwrap();
    let boot = l
        .map(
            t,
            &PageRequest::new("boot", PageKind::Code, PageSize::Size2M).identity(),
        )
        .unwrap();
    let far = l
        .map(
            t,
            &PageRequest::new("far", PageKind::Code, PageSize::Size4K).va(RAM + 0x300_0000),
        )
        .unwrap();
    // Shared pages carry the request too.
    let mailbox = l
        .map_shared(
            None,
            &PageRequest::new("mailbox", PageKind::Data, PageSize::Size4K).identity(),
        )
        .unwrap();
    let page = |m| l.mapping_pages(m, t)[0].clone();
    let (c, b, f, mb) = (page(chance), page(boot), page(far), page(mailbox));
    assert_eq!(
        (c.va(), c.pa()),
        (RAM, RAM),
        "the premise: VA == PA by placement"
    );
    assert!(c.va_equals_pa() && !c.is_identity(), "{c:?}");
    assert!(b.va_equals_pa() && b.is_identity(), "{b:?}");
    assert!(!f.va_equals_pa() && !f.is_identity(), "{f:?}");
    assert!(mb.is_identity() && mb.is_shared(), "{mb:?}");

    // A segment is identity when it asks for it or lies in an identity page; in a page
    // at VA == PA by chance it only has VA == PA.
    let seg = |l: &mut Layout, name: &str, kind, page: &str, identity: bool| {
        let mut req = SegmentRequest::new(name, kind, 0x100).in_page(page);
        if identity {
            req = req.identity();
        }
        l.place_segment(t, &req).unwrap();
        l.segment(t, name).unwrap().clone()
    };
    let entry = seg(&mut l, "entry", SegmentKind::BootCode, "boot", false);
    let code = seg(&mut l, "code", SegmentKind::Code, "chance", false);
    let tramp = seg(&mut l, "tramp", SegmentKind::Code, "chance", true);
    let far_code = seg(&mut l, "far_code", SegmentKind::Code, "far", false);
    let post = l
        .place_shared_segment(
            &SegmentRequest::new("post", SegmentKind::DataShared, 0x40).in_page("mailbox"),
        )
        .unwrap();
    let post = l.segment_in(post, t).unwrap().clone();
    for s in [&entry, &tramp, &post] {
        assert!(s.is_identity() && s.va_equals_pa(), "{s:?}");
    }
    assert!(code.va_equals_pa() && !code.is_identity(), "{code:?}");
    assert!(
        !far_code.va_equals_pa() && !far_code.is_identity(),
        "{far_code:?}"
    );

    // The map says `identity` only for the requests and `va == pa` for the rest at
    // VA == PA.
    let map = l.to_string();
    let line = |kind: &str, name: &str| {
        let start = format!("  {kind:<7} {name} ");
        map.lines()
            .find(|l| l.starts_with(&start))
            .unwrap_or_else(|| panic!("no {kind} {name} in\n{map}"))
            .to_string()
    };
    assert!(line("page", "chance").ends_with(" va == pa"), "{map}");
    assert!(line("page", "boot").ends_with(" identity"), "{map}");
    assert!(
        line("page", "mailbox").ends_with(" shared identity"),
        "{map}"
    );
    for name in ["entry", "tramp", "post"] {
        assert!(line("segment", name).ends_with(", identity"), "{map}");
    }
    assert!(line("segment", "code").ends_with(", va == pa"), "{map}");
    for l in [line("page", "far"), line("segment", "far_code")] {
        assert!(!l.contains("identity") && !l.contains("va == pa"), "{l}");
    }
}

#[test]
fn fixed_overlaps_name_the_first_owner() {
    let (mut l, t) = base();
    let a = l
        .map(
            t,
            &PageRequest::new("a", PageKind::Data, PageSize::Size4K)
                .va(RAM)
                .pa(RAM),
        )
        .unwrap();
    let e = l
        .map(
            t,
            &PageRequest::new("b", PageKind::Data, PageSize::Size4K)
                .va(RAM + 0x1000)
                .pa(RAM),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::Overlap { space: Space::Physical, with, .. } if with == "a"),
        "{e}"
    );
    // The error says which part of the request is at fault, and what is in the way.
    assert_eq!(e.field(), Field::Pa);
    assert_eq!(e.other(), Some(Party::Mapping(a)));
    let e = l
        .map(
            t,
            &PageRequest::new("c", PageKind::Data, PageSize::Size4K).va(RAM),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::Overlap { space: Space::Virtual(_), with, .. } if with == "a"),
        "{e}"
    );
    assert_eq!(e.field(), Field::Va);
    assert_eq!(e.other(), Some(Party::Mapping(a)));
    assert!(e.to_string().contains("overlaps `a`"), "{e}");
}

#[test]
fn bad_arguments_are_errors_not_panics() {
    let (mut l, t) = base();
    let e = l.map(
        t,
        &PageRequest::new("z", PageKind::Data, PageSize::Size4K).count(0),
    );
    assert!(matches!(e, Err(Error::ZeroCount { .. })));
    let e = l.map(
        t,
        &PageRequest::new("z", PageKind::Data, PageSize::Size4K).align(3),
    );
    assert!(matches!(e, Err(Error::AlignNotPowerOfTwo { align: 3, .. })));
    let e = l.map(
        t,
        &PageRequest::new("z", PageKind::Data, PageSize::Size2M).pa(RAM + 0x1000),
    );
    assert!(matches!(e, Err(Error::Misaligned { addr: Addr::Pa, .. })));
    let e = l.map(
        t,
        &PageRequest::new("z", PageKind::Data, PageSize::Size4K)
            .va(u64::MAX - 0xfff + 1 - 0x1000)
            .pa(RAM),
    );
    assert!(e.is_err());
    let e = l.map(
        t,
        &PageRequest::new("z", PageKind::Data, PageSize::Size1G).count(u32::MAX),
    );
    assert!(e.is_err());
    let e = l.map(
        t,
        &PageRequest::new("z", PageKind::Data, PageSize::Size4K).pa(0x1000),
    );
    assert!(matches!(e, Err(Error::OutsidePools { .. })));
    let e = l.map(
        t,
        &PageRequest::new("z", PageKind::Device, PageSize::Size4K).perms(Perms::RX),
    );
    assert!(matches!(e, Err(Error::ExecutableDevice { .. })));
    let e = l.map(
        t,
        &PageRequest::new("z", PageKind::Data, PageSize::Size4K).pa(0x0900_0000),
    );
    assert!(
        matches!(
            e,
            Err(Error::PoolKindMismatch {
                pool_device: true,
                ..
            })
        ),
        "{e:?}"
    );
    let e = l.map(
        t,
        &PageRequest::new("z", PageKind::Data, PageSize::Size4K).pool("nope"),
    );
    assert!(matches!(
        e,
        Err(Error::Unknown {
            what: Thing::Pool,
            field: Field::Pool,
            ..
        })
    ));
    assert!(matches!(
        l.add_pool(Pool::ram("w", u64::MAX - 10, 100)),
        Err(Error::Wraps { .. })
    ));
    assert!(matches!(
        l.add_pool(Pool::ram("z", 0, 0)),
        Err(Error::ZeroSize { .. })
    ));
    assert!(matches!(
        l.add_pool(Pool::ram("ram", 0, 1)),
        Err(Error::Duplicate { .. })
    ));
    assert!(matches!(
        l.add_pool(Pool::ram("o", RAM + 0x1000, 1)),
        Err(Error::PoolOverlap { .. })
    ));
    assert!(matches!(
        l.add_table("t", 0, ExecutionContext::EL3, &[]),
        Err(Error::Duplicate {
            what: Thing::Table,
            ..
        })
    ));
    assert!(matches!(
        l.add_table("far", 9, ExecutionContext::EL3, &[(1 << 48, 0x1000)]),
        Err(Error::VaRangeNotTranslated {
            has_upper: false,
            ..
        })
    ));
    assert!(matches!(
        l.add_table_with_bits("small", 8, ExecutionContext::EL3, &[(RAM, 0x1000)], 31),
        Err(Error::VaBitsTooSmall {
            bits: 31,
            needed: 32,
            upper: false,
            ..
        })
    ));
    let e = l.place_segment(t, &SegmentRequest::new("s", SegmentKind::Stack, 0));
    assert!(matches!(e, Err(Error::ZeroSize { .. })));
    // Nothing was mapped by any failed request.
    assert!(l.pages(t).is_empty());
    assert_eq!(l.free_in_pool("ram"), Some(64 << 20));
}

#[test]
fn no_room_reports_the_largest_free_range() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 0x3000)).unwrap();
    let t = l
        .add_table("t", 0, ExecutionContext::EL1_NS, &[(0, 1 << 30)])
        .unwrap();
    l.map(
        t,
        &PageRequest::new("a", PageKind::Data, PageSize::Size4K).pa(RAM + 0x1000),
    )
    .unwrap();
    let e = l
        .map(
            t,
            &PageRequest::new("big", PageKind::Data, PageSize::Size4K).count(2),
        )
        .unwrap_err();
    match &e {
        Error::NoRoom {
            size,
            largest: Some(r),
            space,
            ..
        } => {
            assert_eq!(*size, 0x2000);
            assert_eq!(r.end - r.start, 0x1000);
            assert_eq!(*space, Space::Pool("ram".into()));
        }
        other => panic!("expected NoRoom, got {other:?}"),
    }
    assert!(e.to_string().contains("largest free range"), "{e}");
}

#[test]
fn identity_impossible_when_spaces_do_not_meet() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 1 << 20)).unwrap();
    let t = l
        .add_table("t", 0, ExecutionContext::EL3, &[(0x1_0000_0000, 1 << 20)])
        .unwrap();
    let e = l
        .map(
            t,
            &PageRequest::new("boot", PageKind::Code, PageSize::Size4K).identity(),
        )
        .unwrap_err();
    assert!(matches!(e, Error::IdentityImpossible { .. }), "{e:?}");
}

#[test]
fn segments_follow_their_pages() {
    let (mut l, t) = base();
    l.map(
        t,
        &PageRequest::new("code", PageKind::Code, PageSize::Size4K).count(2),
    )
    .unwrap();
    l.map(
        t,
        &PageRequest::new("data", PageKind::Data, PageSize::Size4K),
    )
    .unwrap();
    // Spans both consecutive code pages.
    let s = l
        .place_segment(
            t,
            &SegmentRequest::new("text", SegmentKind::Code, 0x1800).in_page("code"),
        )
        .unwrap();
    let seg = l.segment_in(s, t).unwrap().clone();
    assert_eq!(
        seg.align(),
        8,
        "code segments are 8-byte aligned by default"
    );
    assert!(
        l.pages_of_kind(t, PageKind::Code)
            .iter()
            .any(|p| p.contains_va(seg.va()))
    );
    assert_eq!(l.segment(t, "text").map(|s| s.va()), Some(seg.va()));
    let e = l.place_segment(
        t,
        &SegmentRequest::new("st", SegmentKind::Stack, 0x10).in_page("code"),
    );
    assert!(matches!(e, Err(Error::SegmentKindMismatch { .. })));
    let e = l.place_segment(
        t,
        &SegmentRequest::new("st", SegmentKind::Stack, 0x2000).in_page("data"),
    );
    assert!(matches!(e, Err(Error::SegmentTooLarge { .. })));
    let e = l.place_segment(
        t,
        &SegmentRequest::new("st", SegmentKind::Stack, 0x10).in_page("nope"),
    );
    assert!(matches!(
        e,
        Err(Error::Unknown {
            what: Thing::Page,
            ..
        })
    ));
    let e = l.place_segment(
        t,
        &SegmentRequest::new("st", SegmentKind::Stack, 0x10).align(6),
    );
    assert!(matches!(e, Err(Error::AlignNotPowerOfTwo { .. })));
    // A second code segment does not overlap the first.
    let s2 = l
        .place_segment(t, &SegmentRequest::new("more", SegmentKind::Code, 0x100))
        .unwrap();
    let seg2 = l.segment_in(s2, t).unwrap();
    assert!(u128::from(seg2.va()) >= seg.va_end() || seg2.va_end() <= u128::from(seg.va()));
    assert_eq!(l.segments_of_kind(t, SegmentKind::Code).len(), 2);
}

#[test]
fn code_needs_an_executable_page_and_stacks_a_writable_one() {
    let (mut l, t) = base();
    for (name, kind, perms) in [
        ("nx", PageKind::Code, Perms::RW),
        ("ro", PageKind::Data, Perms::R),
        ("rw", PageKind::Data, Perms::RW),
    ] {
        l.map(
            t,
            &PageRequest::new(name, kind, PageSize::Size4K).perms(perms),
        )
        .unwrap();
    }
    // Named pages without the access are refused, on the segment's kind, naming the page.
    for (seg, kind, page, needs) in [
        ("text", SegmentKind::Code, "nx", Perms::RX),
        ("entry", SegmentKind::BootCode, "nx", Perms::RX),
        ("stack", SegmentKind::Stack, "ro", Perms::RW),
    ] {
        let e = l
            .place_segment(t, &SegmentRequest::new(seg, kind, 0x100).in_page(page))
            .unwrap_err();
        assert!(
            matches!(&e, Error::SegmentAccess { page: p, needs: n, .. } if p == page && *n == needs),
            "{e}"
        );
        assert_eq!(e.field(), Field::Kind);
        let mapping = l.mapping(t, page).unwrap();
        assert_eq!(e.other(), Some(Party::Mapping(mapping)));
    }
    let e = l
        .place_segment(
            t,
            &SegmentRequest::new("text", SegmentKind::Code, 0x100).in_page("nx"),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "code segment `text` needs execute permission, but its page `nx` is `rw`, so the first instruction fetch from it faults; declare `nx` with `rx`"
    );
    // Without `in`, automatic placement skips them: no code page can execute, and the
    // stack goes to the writable page.
    let e = l.place_segment(t, &SegmentRequest::new("text", SegmentKind::Code, 0x100));
    assert!(matches!(e, Err(Error::NoRoom { .. })), "{e:?}");
    let s = l
        .place_segment(t, &SegmentRequest::new("stack", SegmentKind::Stack, 0x100))
        .unwrap();
    let va = l.segment_in(s, t).unwrap().va();
    let rw = l.pages(t).iter().find(|p| p.name() == "rw").unwrap().va();
    assert_eq!(va, rw);
}

#[test]
fn a_fixed_segment_over_another_names_it() {
    let (mut l, t) = base();
    l.map(
        t,
        &PageRequest::new("vars", PageKind::Data, PageSize::Size4K).va(RAM),
    )
    .unwrap();
    let first = l
        .place_segment(
            t,
            &SegmentRequest::new("first", SegmentKind::Data, 0x100).va(RAM),
        )
        .unwrap();
    let e = l
        .place_segment(
            t,
            &SegmentRequest::new("second", SegmentKind::Data, 0x100).va(RAM + 0x80),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::Overlap { with, .. } if with == "first"),
        "{e:?}"
    );
    assert_eq!(e.other(), Some(Party::Segment(first)));
    assert_eq!(e.field(), Field::Va);
}

#[test]
fn system_pages_are_write_back_and_execute_never_or_an_error() {
    let (mut l, t) = base();
    let sys = |name: &str| PageRequest::new(name, PageKind::System, PageSize::Size4K);
    let e = l.map(t, &sys("x").perms(Perms::RX)).unwrap_err();
    assert!(matches!(e, Error::SystemPageAttrs { .. }), "{e:?}");
    assert_eq!(e.field(), Field::Perms);
    let e = l
        .map(t, &sys("nc").cache(Cacheability::NonCacheable))
        .unwrap_err();
    assert_eq!(e.field(), Field::Cache);
    assert_eq!(
        e.to_string(),
        "system page `nc` is `non_cacheable`, but system pages are always Normal write-back (the cacheability the table walks use); remove `non_cacheable`"
    );
    // What the descriptors give is accepted, and the page says so.
    let m = l.map(t, &sys("ok")).unwrap();
    let page = l.mapping_pages(m, t)[0].clone();
    assert!(!page.perms().execute());
    assert_eq!(page.cacheability(), Some(Cacheability::WriteBack));
}

#[test]
fn non_shareable_pages_are_for_one_core() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 64 << 20)).unwrap();
    let range = [(RAM, 64 << 20)];
    let el3 = ExecutionContext::EL3;
    let el1 = ExecutionContext::EL1_NS;
    let both = l
        .add_table_for_cores("both", Cores::range(0, 1).unwrap(), el3, &range, 48)
        .unwrap();
    let core0 = l.add_table("core0", 0, el1, &range).unwrap();
    let core1 = l.add_table("core1", 1, el1, &range).unwrap();
    let req = |name: &str| {
        PageRequest::new(name, PageKind::Data, PageSize::Size4K).share(Shareability::NonShareable)
    };
    // One core: fine, in its own table or shared with another table of that core.
    l.map(core0, &req("private")).unwrap();
    let e = l.map(both, &req("buffer")).unwrap_err();
    assert!(
        matches!(&e, Error::NonShareableAcrossCores { cores: [0, 1], .. }),
        "{e:?}"
    );
    assert_eq!(e.field(), Field::Share);
    let e = l
        .map_shared(Some(&[core0, core1]), &req("mbox"))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "page `mbox` is `non_shareable` but cores 0 and 1 both map it, and non-shareable memory is not kept coherent between cores; make it `inner` (the default), or map it for one core only"
    );
    // An alias in another core's table is the same mistake.
    let of = l.mapping(core0, "private").unwrap();
    let e = l.map_alias(core1, of, &req("view")).unwrap_err();
    assert!(matches!(e, Error::NonShareableAcrossCores { .. }), "{e:?}");
    // Inner shareable memory may be mapped by every core.
    let inner = PageRequest::new("mbox", PageKind::Data, PageSize::Size4K);
    l.map_shared(Some(&[core0, core1]), &inner).unwrap();
}

#[test]
fn firmware_segment_kinds_go_where_their_permissions_allow() {
    let (mut l, t) = base();
    let map = |l: &mut Layout, name: &str, kind, perms| {
        l.map(
            t,
            &PageRequest::new(name, kind, PageSize::Size4K).perms(perms),
        )
        .unwrap();
    };
    map(&mut l, "text", PageKind::Code, Perms::RX);
    map(&mut l, "consts", PageKind::Data, Perms::R);
    map(&mut l, "rw", PageKind::Data, Perms::RW);
    let page_of = |l: &Layout, seg: &str| {
        let va = l.segment(t, seg).unwrap().va();
        let pages = l.pages(t);
        pages
            .iter()
            .find(|p| p.contains_va(va))
            .unwrap()
            .name()
            .to_string()
    };
    // Without `in`, each kind lands in the one page that takes it (or the lowest).
    for (name, kind) in [
        ("d", SegmentKind::Data),
        ("b", SegmentKind::Bss),
        ("ro", SegmentKind::Rodata),
    ] {
        l.place_segment(t, &SegmentRequest::new(name, kind, 0x10))
            .unwrap();
    }
    assert_eq!(page_of(&l, "d"), "rw");
    assert_eq!(page_of(&l, "b"), "rw");
    // `text` is the lowest page and a code page takes `rodata`.
    assert_eq!(page_of(&l, "ro"), "text");
    l.place_segment(
        t,
        &SegmentRequest::new("ro2", SegmentKind::Rodata, 0x10).in_page("consts"),
    )
    .unwrap();
    assert_eq!(page_of(&l, "ro2"), "consts");
    // The wrong permissions are refused with the page named.
    for (kind, page) in [
        (SegmentKind::Rodata, "rw"),
        (SegmentKind::Data, "consts"),
        (SegmentKind::Bss, "consts"),
        (SegmentKind::Data, "text"),
    ] {
        let e = l
            .place_segment(t, &SegmentRequest::new("x", kind, 0x10).in_page(page))
            .unwrap_err();
        assert!(
            matches!(&e, Error::SegmentKindMismatch { segment, page: p, .. } if *segment == kind && p == page),
            "{e}"
        );
    }
    let e = l
        .place_segment(
            t,
            &SegmentRequest::new("x", SegmentKind::Rodata, 0x10).in_page("rw"),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "a rodata segment needs a code page or a data page without write permission but `rw` is a writable data page; declare `rw` with `r` or put the segment in a code page"
    );
    // A fixed VA in a page that does not take the kind is refused too.
    let rw_va = l.pages(t).iter().find(|p| p.name() == "rw").unwrap().va();
    let e = l
        .place_segment(
            t,
            &SegmentRequest::new("x", SegmentKind::Rodata, 0x10).va(rw_va + 0x800),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::SegmentNotInPages {
                kind: SegmentKind::Rodata,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn shared_pages_and_segments_have_one_pa() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 64 << 20)).unwrap();
    let a = l
        .add_table("a", 0, ExecutionContext::EL3, &[(RAM, 64 << 20)])
        .unwrap();
    let b = l
        .add_table("b", 1, ExecutionContext::EL3, &[(RAM, 64 << 20)])
        .unwrap();
    let c = l
        .add_table("c", 1, ExecutionContext::EL1_NS, &[(0x4000_0000, 64 << 20)])
        .unwrap();
    l.map(a, &PageRequest::new("x", PageKind::Data, PageSize::Size4K))
        .unwrap();
    let m = l
        .map_shared(
            None,
            &PageRequest::new("mbox", PageKind::Data, PageSize::Size2M),
        )
        .unwrap();
    let pa = l.mapping_pa(m).unwrap();
    for t in [a, b, c] {
        assert_eq!(l.mapping_pages(m, t)[0].pa(), pa);
        assert!(l.mapping_pages(m, t)[0].is_shared());
    }
    let s = l
        .place_shared_segment(
            &SegmentRequest::new("cc", SegmentKind::DataPreserve, 0x800)
                .align(16)
                .in_page("mbox"),
        )
        .unwrap();
    let pas: Vec<u64> = [a, b, c]
        .iter()
        .map(|&t| l.segment_in(s, t).unwrap().pa())
        .collect();
    assert!(pas.iter().all(|&p| p == pas[0]));
    // A subset.
    let sub = l
        .map_shared(
            Some(&[b, c]),
            &PageRequest::new("door", PageKind::Data, PageSize::Size4K),
        )
        .unwrap();
    assert_eq!(l.mapping_tables(sub), vec![b, c]);
    assert!(l.mapping_pages(sub, a).is_empty());
    // Segments in shared pages must be shared segments, and the other way round.
    let e = l.place_segment(
        a,
        &SegmentRequest::new("s", SegmentKind::Stack, 0x10).in_page("mbox"),
    );
    assert!(matches!(e, Err(Error::SharedMismatch { .. })), "{e:?}");
    let e =
        l.place_shared_segment(&SegmentRequest::new("s", SegmentKind::Stack, 0x10).in_page("x"));
    assert!(matches!(e, Err(Error::SharedMismatch { .. })), "{e:?}");
    assert_eq!(l.tables_of_core(1), vec![b, c]);
    assert_eq!(l.table("c"), Some(c));
}

#[test]
fn mismatched_alias_is_refused() {
    let (mut l, t) = base();
    let buf = l
        .map(
            t,
            &PageRequest::new("dma", PageKind::Data, PageSize::Size4K),
        )
        .unwrap();
    let e = l
        .map_alias(
            t,
            buf,
            &PageRequest::new("dma_nc", PageKind::Data, PageSize::Size4K)
                .cache(Cacheability::NonCacheable),
        )
        .unwrap_err();
    assert!(matches!(e, Error::MismatchedAlias { .. }), "{e:?}");
    assert!(e.to_string().contains("mismatched alias"), "{e}");
    let ok = l
        .map_alias(
            t,
            buf,
            &PageRequest::new("dma_ro", PageKind::Data, PageSize::Size4K).perms(Perms::R),
        )
        .unwrap();
    assert_eq!(l.mapping_pa(ok), l.mapping_pa(buf));
    assert_eq!(l.alias_of(ok), Some(buf));
}

#[test]
fn quickstart_plans_and_its_tables_walk() {
    let mut l = quickstart::build(Some(0x5EED)).expect("quickstart plans");
    assert_eq!(l.tables().count(), 4);
    let summary = l.to_string();
    assert!(
        summary.contains("table core0_el3 (core 0, EL3)"),
        "{summary}"
    );
    assert!(summary.contains("bsp_boot"), "{summary}");
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    for (t, tr) in l.tables().zip(&trs) {
        // The tables' own PA overlaps no page.
        for p in l.all_pages() {
            assert!(
                p.pa_end() <= u128::from(tr.base_pa()) || p.pa() >= tr.end_pa(),
                "page {} overlaps tables",
                p.name()
            );
        }
        for p in l.pages(t) {
            for va in [p.va(), p.va() + (p.size() - 1)] {
                let w = tr.walk(va).unwrap_or_else(|e| panic!("{}: {e}", p.name()));
                assert_eq!(w.pa, p.va_to_pa(va).unwrap());
                assert_eq!(w.perms(), p.perms(), "page {}", p.name());
            }
        }
    }
    // The same seed again gives the same layout and the same table bytes.
    let mut again = quickstart::build(Some(0x5EED)).unwrap();
    let trs2 = again
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    assert_eq!(l.to_string(), again.to_string());
    assert!(trs.iter().zip(&trs2).all(|(a, b)| a.bytes() == b.bytes()));
    let other = quickstart::build(Some(1)).unwrap();
    assert_ne!(l.to_string(), other.to_string());
}

#[test]
fn quickstart_without_a_seed_is_deterministic_and_devices_sit_at_their_pas() {
    let a = quickstart::build(None).expect("quickstart plans");
    let b = quickstart::build(None).expect("quickstart plans");
    assert_eq!(a.to_string(), b.to_string());
    for t in a.tables() {
        let info = a.table_info(t).unwrap();
        let devices = a.pages_of_kind(t, PageKind::Device);
        if info.el() == ExecutionContext::EL3 {
            let uart: Vec<_> = devices.iter().filter(|p| p.name() == "uart").collect();
            assert_eq!(uart.len(), 1, "{}", info.name());
            assert_eq!(uart[0].pa(), 0x0900_0000);
            let gicd: Vec<u64> = devices
                .iter()
                .filter(|p| p.name() == "gicd")
                .map(|p| p.pa())
                .collect();
            assert_eq!(
                gicd,
                (0..16)
                    .map(|i| 0x0800_0000 + i * 0x1000)
                    .collect::<Vec<_>>()
            );
        } else {
            assert!(devices.is_empty(), "{} maps no device", info.name());
        }
    }
}

#[test]
fn tables_at_a_fixed_range_and_no_room_for_them() {
    let (mut l, t) = base();
    l.map(t, &PageRequest::new("a", PageKind::Data, PageSize::Size4K))
        .unwrap();
    let trs = l
        .build_translations(
            &TableConfig::default(),
            &TablePlacement::At {
                start: RAM + 0x100_0000,
                size: 0x10_0000,
            },
        )
        .unwrap();
    assert_eq!(trs[0].base_pa(), RAM + 0x100_0000);
    assert_eq!(
        trs[0].table_count(),
        3,
        "levels 1 to 3 for one 4K page in a 32-bit VA"
    );
    let (mut l, t) = base();
    l.map(t, &PageRequest::new("a", PageKind::Data, PageSize::Size4K))
        .unwrap();
    let e = l
        .build_translations(
            &TableConfig::default(),
            &TablePlacement::At {
                start: RAM + 0x100_0000,
                size: 0x1000,
            },
        )
        .unwrap_err();
    assert!(
        matches!(e, Error::TablesRangeTooSmall { count: 3, .. }),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("make it at least 0x3000 bytes"),
        "{e}"
    );
    // No RAM left for the tables at all.
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 0x1000)).unwrap();
    let t = l
        .add_table("t", 0, ExecutionContext::EL3, &[(RAM, 0x1000)])
        .unwrap();
    l.map(t, &PageRequest::new("a", PageKind::Data, PageSize::Size4K))
        .unwrap();
    let e = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap_err();
    assert!(
        matches!(&e, Error::NoRoomForTables { table, count: 3, largest: None, .. } if table == "t"),
        "{e:?}"
    );
}

#[test]
fn requests_that_contradict_themselves_are_refused() {
    let (mut l, t) = base();
    let e = l
        .map(
            t,
            &PageRequest::new("z", PageKind::Data, PageSize::Size4K)
                .identity()
                .va(RAM)
                .pa(RAM + 0x1000),
        )
        .unwrap_err();
    assert!(matches!(e, Error::IdentityConflict { .. }), "{e:?}");
    assert!(e.to_string().contains("differs from its fixed PA"), "{e}");
    assert!(matches!(
        l.set_pa_bits(39),
        Err(Error::UnsupportedBits { bits: 39, .. })
    ));
    assert!(matches!(
        l.add_table_with_bits("w", 0, ExecutionContext::EL3, &[], 64),
        Err(Error::UnsupportedBits { bits: 64, .. })
    ));
    // Aliases host no segments: their bytes belong to the page they alias.
    let buf = l
        .map(
            t,
            &PageRequest::new("buf", PageKind::Data, PageSize::Size4K),
        )
        .unwrap();
    let view = l
        .map_alias(
            t,
            buf,
            &PageRequest::new("view", PageKind::Data, PageSize::Size4K).perms(Perms::R),
        )
        .unwrap();
    let e = l
        .place_segment(
            t,
            &SegmentRequest::new("s", SegmentKind::DataShared, 0x10).in_page("view"),
        )
        .unwrap_err();
    assert!(matches!(e, Error::SegmentInAlias { .. }), "{e:?}");
    let va = l.mapping_va(view, t).unwrap();
    let e = l
        .place_segment(
            t,
            &SegmentRequest::new("s", SegmentKind::DataShared, 0x10).va(va),
        )
        .unwrap_err();
    assert!(matches!(e, Error::SegmentInAlias { .. }), "{e:?}");
}

#[test]
fn pages_prefer_pools_of_their_security_state() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("secure", RAM, 4 << 20)).unwrap();
    l.add_pool(Pool::ram("ns", RAM + (4 << 20), 1 << 20).non_secure())
        .unwrap();
    let s = l
        .add_table("s", 0, ExecutionContext::EL3, &[(RAM, 64 << 20)])
        .unwrap();
    let n = l
        .add_table("n", 0, ExecutionContext::EL1_NS, &[(RAM, 64 << 20)])
        .unwrap();
    let a = l
        .map(s, &PageRequest::new("a", PageKind::Data, PageSize::Size4K))
        .unwrap();
    let b = l
        .map(n, &PageRequest::new("b", PageKind::Data, PageSize::Size4K))
        .unwrap();
    assert_eq!(l.mapping_pa(a), Some(RAM));
    assert_eq!(l.mapping_pa(b), Some(RAM + (4 << 20)));
    assert!(l.mapping_pages(b, n)[0].mem_attrs().is_non_secure());
    assert!(!l.mapping_pages(a, s)[0].mem_attrs().is_non_secure());
    // A non-secure table maps only non-secure PA: when those pools are full, it fails
    // and says where it looked.
    let e = l
        .map(
            n,
            &PageRequest::new("big", PageKind::Data, PageSize::Size2M),
        )
        .unwrap_err();
    // The secure pool that would have fitted is named: it may lack its `non_secure`.
    assert!(
        matches!(
            &e,
            Error::NoRoom {
                space: Space::NonSecure { secure_fit: Some(p) },
                ..
            } if p == "secure"
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().contains(
            "secure pool `secure` has room, so declare it `non_secure` if non-secure software may use it"
        ),
        "{e}"
    );
    // When the preferred pools of a secure table are full, the others serve.
    let big = l
        .map(
            s,
            &PageRequest::new("big", PageKind::Data, PageSize::Size2M),
        )
        .unwrap();
    assert_eq!(l.mapping_pa(big), Some(RAM + (2 << 20)));
    let e = l
        .map(
            s,
            &PageRequest::new("big2", PageKind::Data, PageSize::Size2M),
        )
        .unwrap_err();
    assert!(matches!(e, Error::NoRoom { .. }), "{e:?}");
    // A secure table can still map non-secure memory when asked to.
    let c = l
        .map(
            s,
            &PageRequest::new("c", PageKind::Data, PageSize::Size4K).pool("ns"),
        )
        .unwrap();
    assert!(l.mapping_pages(c, s)[0].mem_attrs().is_non_secure());
}

#[test]
fn device_pages_need_a_fixed_pa() {
    let (mut l, t) = base();
    let e = l
        .map(
            t,
            &PageRequest::new("uart", PageKind::Device, PageSize::Size4K),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::DeviceWithoutPa { name, .. } if name == "uart"),
        "{e:?}"
    );
    let e = l
        .map_shared(
            None,
            &PageRequest::new("gic", PageKind::Device, PageSize::Size4K),
        )
        .unwrap_err();
    assert!(matches!(e, Error::DeviceWithoutPa { .. }), "{e:?}");
    let uart = l
        .map(
            t,
            &PageRequest::new("uart", PageKind::Device, PageSize::Size4K).pa(0x0900_0000),
        )
        .unwrap();
    assert_eq!(l.mapping_pa(uart), Some(0x0900_0000));
}

#[test]
fn one_table_per_core_at_el3_and_el2_and_tables_for_several_cores() {
    use memlayout::Cores;
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 1 << 30)).unwrap();
    let virt = [(RAM, 1 << 30)];
    let all = l
        .add_table_for_cores(
            "bl31",
            Cores::range(0, 3).unwrap(),
            ExecutionContext::EL3,
            &virt,
            48,
        )
        .unwrap();
    let e = l
        .add_table("second", 2, ExecutionContext::EL3, &virt)
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::RegimeTaken {
                table,
                core: 2,
                el: ExecutionContext::EL3,
                first,
                other: Some(Party::Table(t)),
                ..
            } if table == "second" && first == "bl31" && *t == all
        ),
        "{e:?}"
    );
    // EL2 allows one table per security state; EL1 and EL0 tables are not limited.
    l.add_table("hyp", 1, ExecutionContext::EL2_NS, &virt)
        .unwrap();
    l.add_table("hyp_s", 1, ExecutionContext::EL2_S, &virt)
        .unwrap();
    assert!(matches!(
        l.add_table("hyp2", 1, ExecutionContext::EL2_NS, &virt),
        Err(Error::RegimeTaken { .. })
    ));
    l.add_table("p1", 1, ExecutionContext::EL1_NS, &virt)
        .unwrap();
    l.add_table("p2", 1, ExecutionContext::EL1_NS, &virt)
        .unwrap();
    l.add_table("other", 4, ExecutionContext::EL3, &virt)
        .unwrap();
    assert!(l.tables_of_core(3).contains(&all));
    assert!(!l.tables_of_core(4).contains(&all));
    // A shared page maps once into the table of every core.
    let m = l
        .map_shared(
            None,
            &PageRequest::new("mailbox", PageKind::Data, PageSize::Size4K),
        )
        .unwrap();
    assert_eq!(l.mapping_pages(m, all).len(), 1);
    let info = l.table_info(all).unwrap();
    assert_eq!(info.cores().iter().collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!(info.cores().to_string(), "cores 0..=3");
}

#[test]
fn stacks_are_16_byte_aligned() {
    let (mut l, t) = base();
    l.map(t, &PageRequest::new("p", PageKind::Data, PageSize::Size4K))
        .unwrap();
    // A 3-byte segment first, so a 1-byte-aligned stack would start at an odd address.
    l.place_segment(
        t,
        &SegmentRequest::new("odd", SegmentKind::DataShared, 3).in_page("p"),
    )
    .unwrap();
    let s = l
        .place_segment(
            t,
            &SegmentRequest::new("stack", SegmentKind::Stack, 0x100).in_page("p"),
        )
        .unwrap();
    let seg = l.segment_in(s, t).unwrap();
    assert_eq!(seg.va() % 16, 0);
    assert_eq!((seg.va() + seg.size()) % 16, 0);
    let e = l
        .place_segment(
            t,
            &SegmentRequest::new("s8", SegmentKind::Stack, 0x100)
                .align(8)
                .in_page("p"),
        )
        .unwrap_err();
    assert!(matches!(e, Error::AlignTooSmall { align: 8, .. }), "{e:?}");
    let e = l
        .place_segment(
            t,
            &SegmentRequest::new("s1", SegmentKind::Stack, 0x108).in_page("p"),
        )
        .unwrap_err();
    assert!(matches!(e, Error::StackSize { size: 0x108, .. }), "{e:?}");
}

#[test]
fn code_segments_take_align_4_default_to_8_and_refuse_less() {
    let (mut l, t) = base();
    l.map(
        t,
        &PageRequest::new("text", PageKind::Code, PageSize::Size4K),
    )
    .unwrap();
    let place = |l: &mut Layout, name: &str, align: Option<u64>| {
        let mut r = SegmentRequest::new(name, SegmentKind::Code, 0x4).in_page("text");
        if let Some(a) = align {
            r = r.align(a);
        }
        l.place_segment(t, &r)
            .map(|s| l.segment_in(s, t).unwrap().va())
    };
    // Default 8: a 4-byte segment, then the next default one starts 8 bytes on.
    let a = place(&mut l, "a", None).unwrap();
    let b = place(&mut l, "b", None).unwrap();
    assert_eq!((a % 8, b - a), (0, 8));
    // An explicit 4 is honoured: it fills the 4-byte gap after `a`.
    let c = place(&mut l, "c", Some(4)).unwrap();
    assert_eq!(c, a + 4);
    for bad in [1, 2] {
        let e = place(&mut l, "d", Some(bad)).unwrap_err();
        assert!(
            matches!(e, Error::AlignTooSmall { kind: SegmentKind::Code, align, .. } if align == bad),
            "{e:?}"
        );
        assert!(e.to_string().contains("4-byte aligned"), "{e}");
    }
}

#[test]
fn automatic_placement_never_hands_out_va_0() {
    for seed in [None, Some(1), Some(2), Some(0x5EED)] {
        let mut l = seed.map_or_else(Layout::new, Layout::with_seed);
        l.add_pool(Pool::ram("ram", 0, 1 << 30)).unwrap();
        let a = l
            .add_table("a", 0, ExecutionContext::EL3, &[(0, 4 << 30)])
            .unwrap();
        let b = l
            .add_table("b", 1, ExecutionContext::EL3, &[(0, 0x3000)])
            .unwrap();
        for i in 0..2 {
            let m = l
                .map_shared(
                    None,
                    &PageRequest::new(format!("mailbox{i}"), PageKind::Data, PageSize::Size4K),
                )
                .unwrap();
            for t in [a, b] {
                assert_ne!(l.mapping_va(m, t), Some(0), "seed {seed:?}");
            }
        }
        // Automatic identity placement skips PA 0 too, as that would map VA 0.
        let id = l
            .map(
                a,
                &PageRequest::new("id", PageKind::Code, PageSize::Size4K).identity(),
            )
            .unwrap();
        assert_ne!(l.mapping_va(id, a), Some(0));
        // The third page of `b` has no room left but VA 0: refused.
        let e = l
            .map(
                b,
                &PageRequest::new("full", PageKind::Data, PageSize::Size4K),
            )
            .unwrap_err();
        assert!(matches!(e, Error::NoRoom { .. }), "{e:?}");
        // Only a fixed `va 0` maps it.
        let z = l
            .map(
                b,
                &PageRequest::new("zero", PageKind::Data, PageSize::Size4K).va(0),
            )
            .unwrap();
        assert_eq!(l.mapping_va(z, b), Some(0));
    }
}

#[test]
fn non_secure_tables_map_only_non_secure_pa() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("tzram", 0x0400_0000, 256 << 10))
        .unwrap();
    l.add_pool(Pool::ram("nsdram", RAM, 1 << 30).non_secure())
        .unwrap();
    let s = l
        .add_table(
            "s",
            0,
            ExecutionContext::EL3,
            &[(0x0400_0000, 256 << 10), (RAM, 1 << 30)],
        )
        .unwrap();
    let k = l
        .add_table("k", 0, ExecutionContext::EL1_NS, &[(RAM, 1 << 30)])
        .unwrap();
    let secure = |e: &Error| matches!(e, Error::SecureInNonSecure { table, pool, .. } if table == "k" && pool == "tzram");
    // A fixed PA, a pool, an alias and a shared page: all refused.
    let e = l
        .map(
            k,
            &PageRequest::new("peek", PageKind::Data, PageSize::Size4K).pa(0x0400_0000),
        )
        .unwrap_err();
    assert!(secure(&e), "{e:?}");
    let e = l
        .map(
            k,
            &PageRequest::new("p", PageKind::Data, PageSize::Size4K).pool("tzram"),
        )
        .unwrap_err();
    assert!(secure(&e), "{e:?}");
    let own = l
        .map(
            s,
            &PageRequest::new("own", PageKind::Data, PageSize::Size4K).pool("tzram"),
        )
        .unwrap();
    let e = l
        .map_alias(
            k,
            own,
            &PageRequest::new("view", PageKind::Data, PageSize::Size4K),
        )
        .unwrap_err();
    assert!(secure(&e), "{e:?}");
    let e = l
        .map_shared(
            None,
            &PageRequest::new("mb", PageKind::Data, PageSize::Size4K).pa(0x0400_1000),
        )
        .unwrap_err();
    assert!(secure(&e), "{e:?}");
    // Automatic placement picks non-secure PA for anything a non-secure table maps.
    let mb = l
        .map_shared(
            None,
            &PageRequest::new("mb", PageKind::Data, PageSize::Size4K),
        )
        .unwrap();
    assert!(l.mapping_pa(mb).unwrap() >= RAM);
    // Its translation tables too; in a secure pool they are refused.
    let e = l
        .build_translations(
            &TableConfig::default(),
            &TablePlacement::InPool("tzram".into()),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::SecureInNonSecure { what, .. } if what.contains("translation tables")),
        "{e:?}"
    );
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    assert!(trs[1].base_pa() >= RAM);
    // Without a `non_secure` pool, security is not modelled.
    let mut l = Layout::new();
    l.add_pool(Pool::ram("tzram", 0x0400_0000, 256 << 10))
        .unwrap();
    let k = l
        .add_table("k", 0, ExecutionContext::EL1_NS, &[(RAM, 1 << 30)])
        .unwrap();
    l.map(
        k,
        &PageRequest::new("peek", PageKind::Data, PageSize::Size4K).pa(0x0400_0000),
    )
    .unwrap();
}

#[test]
fn an_identity_alias_maps_the_pa_again_at_va_equal_to_pa() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 64 << 20).non_secure())
        .unwrap();
    let el3 = l
        .add_table(
            "el3",
            0,
            ExecutionContext::EL3,
            &[(0x40_0000_0000, 1 << 30)],
        )
        .unwrap();
    let el1 = l
        .add_table("el1", 0, ExecutionContext::EL1_NS, &[(RAM, 64 << 20)])
        .unwrap();
    let image = l
        .map(
            el3,
            &PageRequest::new("ns_image", PageKind::Data, PageSize::Size2M),
        )
        .unwrap();
    let pa = l.mapping_pa(image).unwrap();
    let kernel = l
        .map_alias(
            el1,
            image,
            &PageRequest::new("kernel", PageKind::Data, PageSize::Size2M).identity(),
        )
        .unwrap();
    assert_eq!(l.mapping_va(kernel, el1), Some(pa));
    assert_eq!(l.mapping_pa(kernel), Some(pa));
    // Again in the same table: that VA is taken now.
    let e = l
        .map_alias(
            el1,
            image,
            &PageRequest::new("again", PageKind::Data, PageSize::Size2M).identity(),
        )
        .unwrap_err();
    assert!(matches!(e, Error::Overlap { .. }), "{e:?}");
    // In a table whose ranges do not hold that VA: refused.
    let e = l
        .map_alias(
            el3,
            image,
            &PageRequest::new("view", PageKind::Data, PageSize::Size2M).identity(),
        )
        .unwrap_err();
    assert!(matches!(e, Error::OutsidePools { .. }), "{e:?}");
}

/// The upper range at run time: a table's VA pools may be upper; pages (allocated,
/// fixed, shared with another core's table, aliases), segments and seeded placement
/// work there as in the lower range, identity does not, and the tables translate each
/// page through the right root.
#[test]
fn upper_range_pages_segments_and_aliases() {
    const KERNEL: u64 = 0xFFFF_8000_0000_0000;
    for seed in [None, Some(0x5EED)] {
        let mut l = seed.map_or_else(Layout::new, Layout::with_seed);
        l.add_pool(Pool::ram("ram", RAM, 64 << 20)).unwrap();
        let k0 = l
            .add_table("k0", 0, ExecutionContext::EL1_NS, &[(KERNEL, 1 << 30)])
            .unwrap();
        let k1 = l
            .add_table(
                "k1",
                1,
                ExecutionContext::EL1_NS,
                &[(RAM, 64 << 20), (0xFFFF_FFFF_C000_0000, 1 << 30)],
            )
            .unwrap();
        assert_eq!(l.upper_va_bits(k0), Some(47));
        assert_eq!(l.upper_va_bits(k1), Some(30));
        assert!(!l.has_lower_range(k0) && l.has_lower_range(k1));
        let text = l
            .map(
                k0,
                &PageRequest::new("text", PageKind::Code, PageSize::Size4K).count(2),
            )
            .unwrap();
        assert!(l.mapping_va(text, k0).unwrap() >= KERNEL);
        let fixed = l
            .map(
                k0,
                &PageRequest::new("data", PageKind::Data, PageSize::Size2M).va(KERNEL + (2 << 20)),
            )
            .unwrap();
        assert_eq!(l.mapping_va(fixed, k0), Some(KERNEL + (2 << 20)));
        let shared = l
            .map_shared(
                None,
                &PageRequest::new("mailbox", PageKind::Data, PageSize::Size4K),
            )
            .unwrap();
        let alias = l
            .map_alias(
                k1,
                fixed,
                &PageRequest::new("data_alias", PageKind::Data, PageSize::Size2M)
                    .va(0xFFFF_FFFF_C020_0000),
            )
            .unwrap();
        assert_eq!(l.mapping_pa(alias), l.mapping_pa(fixed));
        let seg = l
            .place_segment(
                k0,
                &SegmentRequest::new("stack", SegmentKind::Stack, 0x1000)
                    .align(16)
                    .in_page("data"),
            )
            .unwrap();
        let seg = l.segment_in(seg, k0).unwrap();
        assert!(seg.va() >= KERNEL + (2 << 20) && seg.va() < KERNEL + (4 << 20));
        // Identity is impossible in an upper-only table.
        assert!(matches!(
            l.map(
                k0,
                &PageRequest::new("boot", PageKind::Code, PageSize::Size4K).identity()
            ),
            Err(Error::IdentityImpossible { .. })
        ));
        let trs = l
            .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
            .unwrap();
        for (t, tr) in [k0, k1].into_iter().zip(&trs) {
            for p in l.pages(t) {
                let w = tr.walk(p.va() + p.size() - 1).unwrap();
                assert_eq!(w.pa, p.pa() + p.size() - 1, "`{}`", p.name());
            }
        }
        assert_eq!(trs[0].ttbr0(), 0, "k0 has no lower range");
        assert_ne!(trs[0].ttbr1(), 0);
        assert_ne!(trs[1].ttbr0(), 0);
        assert_eq!(
            trs[1].ttbr1(),
            trs[1].base_pa() + trs[1].lower_table_count() as u64 * 4096
        );
        let mailbox = l.mapping_va(shared, k1).unwrap();
        assert_eq!(
            trs[1].walk(mailbox).unwrap().pa,
            l.mapping_pa(shared).unwrap()
        );
        // The map lists both ranges of a table that has an upper one.
        let map = l.to_string();
        assert!(
            map.contains("upper   47-bit VA (TTBR1) 0xFFFF_8000_0000_0000..0xFFFF_8000_4000_0000"),
            "{map}"
        );
        assert!(
            map.contains("upper   30-bit VA (TTBR1) 0xFFFF_FFFF_C000_0000..2^64"),
            "{map}"
        );
    }
}

#[test]
fn device_types_and_execute_only_pages() {
    use memlayout::DeviceType;
    use memlayout::aarch64::MemoryType;
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 64 << 20)).unwrap();
    l.add_pool(Pool::device("mmio", 0x0800_0000, 64 << 20))
        .unwrap();
    let kernel = l
        .add_table("kernel", 0, ExecutionContext::EL1_NS, &[(RAM, 64 << 20)])
        .unwrap();
    let user = l
        .add_table("user", 0, ExecutionContext::EL0_NS, &[(0x40_0000, 1 << 30)])
        .unwrap();
    let mut devices = Vec::new();
    for (i, d) in DeviceType::ALL.into_iter().enumerate() {
        let req = PageRequest::new(format!("dev{i}"), PageKind::Device, PageSize::Size4K)
            .pa(0x0800_0000 + 0x1000 * i as u64)
            .device(d);
        devices.push((l.map(kernel, &req).unwrap(), d));
    }
    let text = l
        .map(
            user,
            &PageRequest::new("text", PageKind::Code, PageSize::Size4K)
                .count(2)
                .perms(Perms::X),
        )
        .unwrap();
    // Code goes in an execute-only page; read-only data does not.
    l.place_segment(
        user,
        &SegmentRequest::new("start", SegmentKind::Code, 0x100).in_page("text"),
    )
    .unwrap();
    let e = l
        .place_segment(
            user,
            &SegmentRequest::new("consts", SegmentKind::Rodata, 0x100).in_page("text"),
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("needs read permission") && e.to_string().contains("`rx`"),
        "{e}"
    );
    // Execute-only is for EL0 tables only: not the kernel's, not a shared page one maps.
    let x = PageRequest::new("ktext", PageKind::Code, PageSize::Size4K).perms(Perms::X);
    let e = l.map(kernel, &x).unwrap_err();
    assert!(
        matches!(
            &e,
            Error::ExecuteOnlyNotUser {
                el: ExecutionContext::EL1_NS,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.field(), Field::Perms);
    assert!(e.to_string().contains("FEAT_PIE"), "{e}");
    let e = l.map_shared(None, &x).unwrap_err();
    assert!(matches!(e, Error::ExecuteOnlyNotUser { .. }), "{e:?}");
    l.map_shared(Some(&[user]), &x).unwrap();
    // An alias of a device page with another Device type is a mismatched alias.
    let (gicd, _) = devices[0];
    let e = l
        .map_alias(
            kernel,
            gicd,
            &PageRequest::new("gicd2", PageKind::Device, PageSize::Size4K).device(DeviceType::GRE),
        )
        .unwrap_err();
    assert!(matches!(e, Error::MismatchedAlias { .. }), "{e:?}");
    assert!(
        e.to_string().contains("Device-nGnRnE") && e.to_string().contains("Device-GRE"),
        "{e}"
    );
    l.map_alias(
        kernel,
        gicd,
        &PageRequest::new("gicd3", PageKind::Device, PageSize::Size4K).device(DeviceType::nGnRnE),
    )
    .unwrap();
    // The tables: each device page reads its own attribute byte; the text is
    // execute-only at EL0 and readable at EL1.
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    let (kt, ut) = (&trs[0], &trs[1]);
    assert_eq!(kt.mair(), 0x000C_08FF_BB44_0400);
    assert_eq!(kt.mair(), ut.mair());
    for (m, d) in devices {
        let w = kt.walk(l.mapping_va(m, kernel).unwrap()).unwrap();
        assert_eq!(w.attr, MemoryType::device(d).attr_byte(), "{d}");
        assert_eq!(l.mapping_pages(m, kernel)[0].device_type(), Some(d));
    }
    let w = ut.walk(l.mapping_va(text, user).unwrap() + 0x1000).unwrap();
    assert_eq!(w.el0_perms(), Some(Perms::X));
    assert_eq!(w.perms(), Perms::R);
    assert!(w.pxn() && !w.uxn() && w.ap() == 0b10);
    assert!(l.to_string().contains("code   x   write_back"), "{l}");
}

/// A secure SRAM of `sram` bytes and a non-secure DRAM; an EL3 table over both.
fn secure_and_non_secure(sram: u64) -> (Layout, memlayout::TableId) {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("sram", 0x0400_0000, sram)).unwrap();
    l.add_pool(Pool::ram("dram", RAM, 1 << 30).non_secure())
        .unwrap();
    let mon = l
        .add_table(
            "mon",
            0,
            ExecutionContext::EL3,
            &[(0x0400_0000, 1 << 20), (RAM, 1 << 30)],
        )
        .unwrap();
    (l, mon)
}

#[test]
fn secure_tables_and_code_stay_out_of_non_secure_memory() {
    let refused = |e: &Error, what: &str, field: Field| {
        matches!(e, Error::NonSecureForSecure { what: w, table, pool, field: f, .. }
            if w.contains(what) && table == "mon" && pool == "dram" && *f == field)
    };
    let (mut l, mon) = secure_and_non_secure(64 << 10);
    let code = || PageRequest::new("text", PageKind::Code, PageSize::Size4K);
    // Executable pages: by pool, by PA, as execute permission on data, through an alias
    // and as a shared page with a non-secure table.
    let e = l.map(mon, &code().pool("dram")).unwrap_err();
    assert!(refused(&e, "executable page `text`", Field::Pool), "{e:?}");
    let e = l.map(mon, &code().pa(RAM)).unwrap_err();
    assert!(refused(&e, "executable page", Field::Pa), "{e:?}");
    let jit = PageRequest::new("jit", PageKind::Data, PageSize::Size4K)
        .perms(Perms::RWX)
        .pool("dram");
    let e = l.map(mon, &jit).unwrap_err();
    assert!(refused(&e, "executable page `jit`", Field::Pool), "{e:?}");
    let k = l
        .add_table("k", 0, ExecutionContext::EL1_NS, &[(RAM, 1 << 30)])
        .unwrap();
    let ktext = l.map(k, &code()).unwrap();
    let e = l.map_alias(mon, ktext, &code()).unwrap_err();
    assert!(refused(&e, "executable page", Field::Alias), "{e:?}");
    let e = l.map_shared(None, &code()).unwrap_err();
    assert!(refused(&e, "executable page", Field::Tables), "{e:?}");
    // Nothing was left taken by the refused requests: the next page is the lowest fit.
    let data = l
        .map(
            mon,
            &PageRequest::new("buf", PageKind::Data, PageSize::Size4K).pool("dram"),
        )
        .unwrap();
    assert_eq!(l.mapping_pa(data), Some(RAM + 0x1000));
    // Opted in, each is accepted.
    assert!(l.map(mon, &code().pool("dram").non_secure_ok()).is_ok());
    assert!(l.map_alias(mon, ktext, &code().non_secure_ok()).is_ok());
    // Translation tables: a non-secure pool is refused, before and at the build.
    let e = l.place_tables_in(mon, "dram").unwrap_err();
    assert!(refused(&e, "translation tables", Field::Pool), "{e:?}");
    let e = l
        .build_translations(
            &TableConfig::default(),
            &TablePlacement::InPool("dram".into()),
        )
        .unwrap_err();
    assert!(refused(&e, "translation tables", Field::Pool), "{e:?}");
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    assert!(trs[mon.index()].base_pa() < 0x0401_0000);
}

#[test]
fn full_secure_pools_are_no_room_never_a_silent_move() {
    // The SRAM holds one code page: the tables find no secure room, and say which pools
    // they tried and which they refused.
    let (mut l, mon) = secure_and_non_secure(4 << 10);
    let code = PageRequest::new("text", PageKind::Code, PageSize::Size4K);
    l.map(mon, &code).unwrap();
    let e = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap_err();
    let Error::NoRoomForTables { table, space, .. } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(table, "mon");
    let Space::Secure { tried, refused } = space else {
        panic!("{space:?}");
    };
    assert_eq!(
        (&tried[..], &refused[..]),
        (&["sram".to_string()][..], &["dram".to_string()][..])
    );
    let text = e.to_string();
    assert!(text.contains("tried: `sram`; refused: `dram`"), "{text}");
    // A second code page finds no secure room either.
    let e = l
        .map(
            mon,
            &PageRequest::new("more", PageKind::Code, PageSize::Size4K),
        )
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::NoRoom {
                space: Space::Secure { .. },
                ..
            }
        ),
        "{e:?}"
    );
    // Data still falls back to non-secure memory.
    let d = l
        .map(
            mon,
            &PageRequest::new("d", PageKind::Data, PageSize::Size4K),
        )
        .unwrap();
    assert!(l.mapping_pa(d).unwrap() >= RAM);
    // A tables range in DRAM is refused until the table opts in.
    let e = l
        .reserve_tables_range(RAM + (1 << 20), 64 << 10)
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::NonSecureForSecure {
                field: Field::Range,
                ..
            }
        ),
        "{e:?}"
    );
    l.allow_non_secure_tables(mon).unwrap();
    assert!(l.non_secure_tables_ok(mon));
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    assert!(trs[mon.index()].base_pa() >= RAM);
    // A table of another layout is unknown here.
    let (mut other, _) = secure_and_non_secure(4 << 10);
    let stranger = other
        .add_table("x", 1, ExecutionContext::EL3, &[(RAM, 1 << 20)])
        .unwrap();
    assert!(matches!(
        l.allow_non_secure_tables(stranger),
        Err(Error::Unknown { .. })
    ));
}

/// An EL3 table `mon` over `0x1_0000_0000 .. +1G` beside `pools`: `(layout, mon)`.
fn monitor_over(pools: Vec<memlayout::layout::PoolRequest>) -> (Layout, memlayout::TableId) {
    let mut l = Layout::new();
    for pool in pools {
        l.add_pool(pool).unwrap();
    }
    let mon = l
        .add_table("mon", 0, ExecutionContext::EL3, &[(0x1_0000_0000, 1 << 30)])
        .unwrap();
    (l, mon)
}

/// Secure SRAM, non-secure DRAM and a GIC window in both spaces (pools 0, 1 and 2),
/// with the EL3 table `mon` of [`monitor_over`] and a non-secure EL1 table `k`:
/// `(layout, mon, k)`.
fn dual_view_layout() -> (Layout, memlayout::TableId, memlayout::TableId) {
    let (mut l, mon) = monitor_over(vec![
        Pool::ram("sram", 0x0E00_0000, 1 << 20),
        Pool::ram("dram", RAM, 1 << 30).non_secure(),
        Pool::device("gic", 0x0800_0000, 16 << 20)
            .secure()
            .non_secure(),
    ]);
    let k = l
        .add_table("k", 0, ExecutionContext::EL1_NS, &[(RAM, 1 << 30)])
        .unwrap();
    (l, mon, k)
}

#[test]
fn a_pool_in_both_spaces_is_mapped_with_each_tables_view() {
    let (mut l, mon, k) = dual_view_layout();
    l.add_pool(Pool::device("sec_dev", 0x0A00_0000, 1 << 20))
        .unwrap();
    assert!(l.pools()[2].is_dual_view() && l.pools()[2].is_non_secure());
    assert!(!l.pools()[1].is_dual_view() && !l.pools()[3].is_dual_view());
    let gicd = PageRequest::new("gicd", PageKind::Device, PageSize::Size4K).pa(0x0800_0000);
    // One PA in both tables: neither is an error, each maps its own view.
    let m = l.map_shared(None, &gicd).unwrap();
    let ns = |l: &Layout, t| l.mapping_pages(m, t)[0].mem_attrs().is_non_secure();
    assert!(!ns(&l, mon));
    assert!(ns(&l, k));
    // The secure table asks for the non-secure view.
    let view = l
        .map(
            mon,
            &PageRequest::new("gicr", PageKind::Device, PageSize::Size4K)
                .pa(0x0801_0000)
                .non_secure_view(),
        )
        .unwrap();
    assert!(l.mapping_pages(view, mon)[0].mem_attrs().is_non_secure());
    // An alias through the non-secure view.
    let alias = l
        .map_alias(
            mon,
            m,
            &PageRequest::new("gicd_ns", PageKind::Device, PageSize::Size4K).non_secure_view(),
        )
        .unwrap();
    assert!(l.mapping_pages(alias, mon)[0].mem_attrs().is_non_secure());
    // A pool not in both spaces has no non-secure view to select.
    let e = l
        .map(
            mon,
            &PageRequest::new("sec", PageKind::Device, PageSize::Size4K)
                .pa(0x0A00_0000)
                .non_secure_view(),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::NonSecureViewNotDual { name, pool, field: Field::NonSecureView, .. } if name == "sec" && pool == "sec_dev"),
        "{e:?}"
    );
    // The built descriptors: NS clear for the secure view, set for the non-secure one.
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    let tr = &trs[mon.index()];
    let va = |mid| l.mapping_pages(mid, mon)[0].va();
    assert!(!tr.walk(va(m)).unwrap().ns());
    assert!(tr.walk(va(view)).unwrap().ns());
    assert!(tr.walk(va(alias)).unwrap().ns());
}

#[test]
fn a_non_secure_view_is_drawn_from_a_pool_in_both_spaces() {
    // An EL3 page that asks for the non-secure view gets its PA from the pool declared in
    // both spaces, not from the secure pool the secure table otherwise prefers.
    let (mut l, mon) = monitor_over(vec![
        Pool::ram("sram", 0x0E00_0000, 1 << 20),
        Pool::ram("dram", RAM, 1 << 30).non_secure(),
        Pool::ram("shm", 0x0F00_0000, 1 << 20).secure().non_secure(),
    ]);
    let buf = l
        .map(
            mon,
            &PageRequest::new("buf", PageKind::Data, PageSize::Size4K).non_secure_view(),
        )
        .unwrap();
    let pa = l.mapping_pa(buf).unwrap();
    assert!((0x0F00_0000..0x0F10_0000).contains(&pa), "{pa:#x}");
    assert!(l.pages(mon)[0].mem_attrs().is_non_secure());
}

#[test]
fn secure_page_options_without_effect_are_errors() {
    use memlayout::error::NoEffect;
    let (mut l, mon, k) = dual_view_layout();
    // A non-secure table always uses the non-secure view: asking for it is a mistake.
    let gicd = PageRequest::new("gicd", PageKind::Device, PageSize::Size4K)
        .pa(0x0800_0000)
        .non_secure_view();
    let e = l.map(k, &gicd).unwrap_err();
    assert!(
        matches!(&e, Error::OptionWithoutEffect { name, option: "non_secure_view", reason: NoEffect::NotSecure { table, el: ExecutionContext::EL1_NS }, field: Field::NonSecureView, .. } if name == "gicd" && table == "k"),
        "{e:?}"
    );
    // `non_secure_ok` lifts a rule on executable pages only.
    let buf = PageRequest::new("buf", PageKind::Data, PageSize::Size4K)
        .pool("dram")
        .non_secure_ok();
    let e = l.map(mon, &buf).unwrap_err();
    assert!(
        matches!(
            &e,
            Error::OptionWithoutEffect {
                option: "non_secure_ok",
                reason: NoEffect::NotExecutable,
                field: Field::NonSecureOk,
                ..
            }
        ),
        "{e:?}"
    );
    // Nothing was taken: the same pages map without the options, and a shared page of
    // a secure and a non-secure table may ask for the secure table's non-secure view.
    l.map(
        k,
        &PageRequest::new("gicd", PageKind::Device, PageSize::Size4K).pa(0x0800_0000),
    )
    .unwrap();
    l.map(
        mon,
        &PageRequest::new("buf", PageKind::Data, PageSize::Size4K).pool("dram"),
    )
    .unwrap();
    let shared = PageRequest::new("gicr", PageKind::Device, PageSize::Size4K)
        .pa(0x0801_0000)
        .non_secure_view();
    l.map_shared(None, &shared).unwrap();
}

#[test]
fn an_alias_of_a_pool_in_both_spaces_takes_its_own_tables_view() {
    let (mut l, mon) = monitor_over(vec![
        Pool::ram("rmm", 0x4800_0000, 1 << 20).realm(),
        Pool::device("gic", 0x0800_0000, 16 << 20)
            .secure()
            .non_secure(),
    ]);
    let rmm = l
        .add_table(
            "rmm",
            0,
            ExecutionContext::EL2_Realm,
            &[(0x1_0000_0000, 1 << 30)],
        )
        .unwrap();
    let gicd = PageRequest::new("gicd", PageKind::Device, PageSize::Size4K).pa(0x0800_0000);
    let m = l.map(mon, &gicd).unwrap();
    assert_eq!(
        l.mapping_pages(m, mon)[0].mem_attrs().pas,
        memlayout::PhysicalAddressSpace::Secure
    );
    // Realm EL2 reaches the pool only through its non-secure view, whatever view the
    // aliased page has.
    let alias = l
        .map_alias(
            rmm,
            m,
            &PageRequest::new("gicd_rmm", PageKind::Device, PageSize::Size4K),
        )
        .unwrap();
    assert_eq!(
        l.mapping_pages(alias, rmm)[0].mem_attrs().pas,
        memlayout::PhysicalAddressSpace::NonSecure
    );
}

#[test]
fn non_secure_ok_on_code_of_a_root_state_monitor_is_without_effect() {
    use memlayout::error::NoEffect;
    let (mut l, mon) = monitor_over(vec![
        Pool::ram("bl31", 0x0E00_0000, 1 << 20).root(),
        Pool::ram("dram", RAM, 1 << 30).non_secure(),
    ]);
    let code = PageRequest::new("text", PageKind::Code, PageSize::Size4K)
        .pool("bl31")
        .non_secure_ok();
    let e = l.map(mon, &code).unwrap_err();
    assert!(
        matches!(
            &e,
            Error::OptionWithoutEffect {
                option: "non_secure_ok",
                reason: NoEffect::RootState { table },
                ..
            } if table == "mon"
        ),
        "{e:?}"
    );
}

#[test]
fn page_runs_are_each_tables_mappings_in_va_order() {
    // Random placement (mappings in no VA order), requests of several pages, a mapping
    // shared by two tables, an alias, and requests refused on the way.
    let mut l = Layout::with_seed(7);
    l.add_pool(Pool::ram("ram", RAM, 256 << 20)).unwrap();
    let a = l
        .add_table("a", 0, ExecutionContext::EL3, &[(RAM, 256 << 20)])
        .unwrap();
    let b = l
        .add_table("b", 1, ExecutionContext::EL3, &[(RAM, 256 << 20)])
        .unwrap();
    let mut ids = Vec::new();
    for k in 0..40u32 {
        let t = if k % 3 == 0 { b } else { a };
        let size = if k % 7 == 0 {
            PageSize::Size2M
        } else {
            PageSize::Size4K
        };
        let req = PageRequest::new(format!("m{k}"), PageKind::Data, size).count(1 + k % 5);
        ids.push(l.map(t, &req).unwrap());
        if k % 10 == 0 {
            // Refused (the VA is taken): no run for it.
            let taken = l.mapping_va(ids[0], b).unwrap();
            let clash =
                PageRequest::new(format!("x{k}"), PageKind::Data, PageSize::Size4K).va(taken);
            assert!(l.map(b, &clash).is_err());
        }
    }
    ids.push(
        l.map_shared(
            None,
            &PageRequest::new("both", PageKind::Data, PageSize::Size4K).count(3),
        )
        .unwrap(),
    );
    let of = ids[1];
    ids.push(
        l.map_alias(
            a,
            of,
            &PageRequest::new("view", PageKind::Data, PageSize::Size4K).perms(Perms::R),
        )
        .unwrap(),
    );
    for t in [a, b] {
        let mut want: Vec<(u64, u32, memlayout::Page)> = ids
            .iter()
            .filter_map(|&m| {
                let pages = l.mapping_pages(m, t);
                let first = pages.first()?;
                Some((first.va(), pages.len() as u32, (*first).clone()))
            })
            .collect();
        want.sort_by_key(|w| w.0);
        let got: Vec<(u64, u32, memlayout::Page)> = l
            .page_runs(t)
            .iter()
            .map(|r| (r.va(), r.count(), r.page(0).unwrap()))
            .collect();
        assert_eq!(got, want);
        // The pages of the runs are the table's pages.
        let listed: usize = got.iter().map(|g| g.1 as usize).sum();
        assert_eq!(listed, l.pages(t).len());
    }
}
