//! The granule protection table and the checks around it through the run-time API
//! (`Layout`), where the language cannot reach: a second table, pools smaller than a
//! granule, and the order of the process calls.

use memlayout::aarch64::gpt::Gpi;
use memlayout::error::{Field, Party};
use memlayout::layout::{GptRequest, Pool};
use memlayout::{Error, Layout};

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
    assert_eq!(range.start(), first.base_pa());
    let reservations = l.reservations().len();
    let e = l.build_gpt(&GptRequest::in_pool("rom")).unwrap_err();
    match &e {
        Error::GptTwice { range: r, .. } => {
            assert_eq!(r.start, range.start());
            assert_eq!(r.size(), range.size() as u128);
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
    l.build_gpt(&GptRequest::in_pool("rom")).unwrap();
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
