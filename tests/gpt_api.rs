//! The granule protection table and the checks around it through the run-time API
//! (`Layout`), where the language cannot reach: a second table, pools smaller than a
//! granule, a device Root pool, and the order of the process calls.

use memlayout::aarch64::gpt::Gpi;
use memlayout::error::{Field, Party};
use memlayout::layout::{GptRequest, Pool};
use memlayout::{Error, Layout};
use memlayout_tests::gpt_walk;

/// A Root pool for the table and a non-secure pool for the rest.
fn rme_layout() -> Layout {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("rom", 0x0, 0x20_0000).root()).unwrap();
    l.add_pool(Pool::ram("dram", 0x4000_0000, 0x4000_0000).non_secure())
        .unwrap();
    l
}

#[test]
fn a_second_table_is_refused_and_the_first_keeps_its_range() {
    let mut l = rme_layout();
    let first = l.build_gpt(&GptRequest::in_pool("rom")).unwrap();
    let range = l.gpt_range().unwrap();
    assert_eq!(range.start(), first.image_pa());
    let reservations = l.reservations().len();
    let e = l.build_gpt(&GptRequest::in_pool("rom")).unwrap_err();
    match &e {
        Error::GptTwice { range: r, .. } => {
            assert_eq!(r.start, range.start());
            assert_eq!(r.size(), range.size());
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .contains("already has a granule protection table"),
        "{e}"
    );
    // Nothing more reserved, the first range unchanged.
    assert_eq!(l.reservations().len(), reservations);
    assert_eq!(l.gpt_range(), Some(range));
    let e = l
        .build_gpt(&GptRequest::at(0x10_0000, 0x10_0000))
        .unwrap_err();
    assert!(matches!(e, Error::GptTwice { .. }), "{e:?}");
    assert_eq!(l.reservations().len(), reservations);
}

/// Two pools of 2 KiB in one 4 KiB granule, one non-secure and one secure: a granule
/// has one GPI. The language aligns pools to 4 KiB, so only the run-time API gets here.
#[test]
fn two_pools_of_different_spaces_in_one_granule_are_refused() {
    let mut l = rme_layout();
    l.add_pool(Pool::ram("mailbox", 0x8000_0000, 0x800).non_secure())
        .unwrap();
    l.add_pool(Pool::ram("vault", 0x8000_0800, 0x800).secure())
        .unwrap();
    let e = l.build_gpt(&GptRequest::in_pool("rom")).unwrap_err();
    match &e {
        Error::GptGranuleShared {
            granule,
            granule_bytes,
            pool,
            gpi,
            with,
            with_gpi,
            other,
            ..
        } => {
            assert_eq!((*granule, *granule_bytes), (0x8000_0000, 0x1000));
            assert_eq!((pool.as_str(), *gpi), ("vault", Gpi::Secure));
            assert_eq!((with.as_str(), *with_gpi), ("mailbox", Gpi::NonSecure));
            assert_eq!(*other, Party::Pool(2));
        }
        other => panic!("{other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains("`vault`") && text.contains("`mailbox`"),
        "{text}"
    );
    assert_eq!(e.field(), Field::Range);
    // Refused before anything is reserved.
    assert_eq!(l.gpt_range(), None);
    assert!(l.reservations().is_empty());
    // Two pools of one space may share a granule.
    let mut l = rme_layout();
    l.add_pool(Pool::ram("a", 0x8000_0000, 0x800).non_secure())
        .unwrap();
    l.add_pool(Pool::ram("b", 0x8000_0800, 0x800).non_secure())
        .unwrap();
    // Through the crate root's re-export, as the README writes it.
    let gpt = l.build_gpt(&memlayout::GptRequest::in_pool("rom")).unwrap();
    let memory = gpt_walk::Memory {
        pa: gpt.image_pa(),
        bytes: gpt.image(),
    };
    let gpi = |pa| gpt_walk::lookup(memory, gpt.gptbr(), gpt.gpccr(), pa).gpi();
    // The shared granule is Non-secure, both halves.
    assert_eq!(gpi(0x8000_0000), Some(Gpi::NonSecure as u8));
    assert_eq!(gpi(0x8000_0FFF), Some(Gpi::NonSecure as u8));
}

/// A device pool in the Root space cannot hold the table, by `in` or by `at`.
#[test]
fn a_device_root_pool_is_refused() {
    let mut l = rme_layout();
    l.add_pool(Pool::device("rot", 0x1000_0000, 0x10_0000).root())
        .unwrap();
    let e = l.build_gpt(&GptRequest::in_pool("rot")).unwrap_err();
    assert!(
        matches!(&e, Error::GptInDevice { pool, field: Field::Pool, .. } if pool == "rot"),
        "{e:?}"
    );
    assert!(e.to_string().contains("device pool `rot`"), "{e}");
    let e = l
        .build_gpt(&GptRequest::at(0x1000_0000, 0x1_0000))
        .unwrap_err();
    assert!(
        matches!(&e, Error::GptInDevice { pool, field: Field::Range, .. } if pool == "rot"),
        "{e:?}"
    );
    assert_eq!(l.gpt_range(), None);
    // The RAM Root pool still takes it.
    l.build_gpt(&GptRequest::in_pool("rom")).unwrap();
}

/// A process may be put under its kernel before it gets its ASID, even when another
/// process of that kernel has ASID 0: whether two processes share ASID 0 is checked when
/// the tables are built, on the final ASIDs.
#[test]
fn put_under_then_set_asid_beside_asid_zero() {
    use memlayout::aarch64::{TableConfig, regs};
    use memlayout::tables::TablePlacement;
    use memlayout::{ExecutionContext, PageKind, PageRequest, PageSize};
    const KERNEL_VA: u64 = 0xFFFF_8000_0000_0000;
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", 0x4000_0000, 0x1000_0000))
        .unwrap();
    let kernel = l
        .add_table(
            "kernel",
            0,
            ExecutionContext::EL1_NS,
            &[(KERNEL_VA, 1 << 30)],
        )
        .unwrap();
    let add = |l: &mut Layout, name: &str| {
        l.add_table(name, 0, ExecutionContext::EL0_NS, &[(0x40_0000, 1 << 30)])
            .unwrap()
    };
    let (init, shell) = (add(&mut l, "init"), add(&mut l, "shell"));
    l.set_asid(init, 0).unwrap();
    l.put_under(init, kernel).unwrap();
    // No ASID yet beside ASID 0: accepted now, decided when the tables are built.
    l.put_under(shell, kernel).unwrap();
    l.set_asid(shell, 7).unwrap();
    let page = |n: &str| PageRequest::new(n, PageKind::Data, PageSize::Size4K);
    for (t, n) in [(kernel, "k"), (init, "i"), (shell, "s")] {
        l.map(t, &page(n)).unwrap();
    }
    let tr = l
        .build_translations(&TableConfig::new(), &TablePlacement::Anywhere)
        .unwrap();
    assert_eq!(regs::ttbr_asid(tr[init.index()].ttbr0()), 0);
    assert_eq!(regs::ttbr_asid(tr[shell.index()].ttbr0()), 7);
    assert_eq!(l.kernel_of(shell), Some(kernel));
    // Without the second ASID the same layout is refused when built.
    let mut l2 = Layout::new();
    l2.add_pool(Pool::ram("ram", 0x4000_0000, 0x1000_0000))
        .unwrap();
    let kernel = l2
        .add_table(
            "kernel",
            0,
            ExecutionContext::EL1_NS,
            &[(KERNEL_VA, 1 << 30)],
        )
        .unwrap();
    let (init, shell) = (add(&mut l2, "init"), add(&mut l2, "shell"));
    l2.put_under(shell, kernel).unwrap();
    l2.put_under(init, kernel).unwrap();
    l2.set_asid(init, 0).unwrap();
    let e = l2
        .build_translations(&TableConfig::new(), &TablePlacement::Anywhere)
        .unwrap_err();
    assert!(
        matches!(&e, Error::AsidZeroShared { table, first, other, .. }
            if table == "init" && first == "shell" && *other == Some(Party::Table(shell))),
        "{e:?}"
    );
}
