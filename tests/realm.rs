//! Realm and Root physical address spaces (FEAT_RME) through the run-time API: pools
//! in each space, which tables reach them, where Realm and Root-state tables keep
//! their code and translation tables, and the NS and NSE bits the built descriptors
//! carry.

use memlayout::aarch64::TableConfig;
use memlayout::error::{Field, Space};
use memlayout::tables::TablePlacement;
use memlayout::{
    Error, ExecutionContext, Layout, PageKind, PageRequest, PageSize, PhysicalAddressSpace as Pas,
    Pool, TableId,
};

const BL31: u64 = 0x0E00_0000;
const TZRAM: u64 = 0x0E10_0000;
const RMM: u64 = 0x4800_0000;
const DRAM: u64 = 0x8000_0000;

/// Root, Secure, Realm and Non-secure RAM, 1 MiB each but DRAM (1 GiB).
fn four_spaces() -> Layout {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("bl31", BL31, 1 << 20).root()).unwrap();
    l.add_pool(Pool::ram("tzram", TZRAM, 1 << 20)).unwrap();
    l.add_pool(Pool::ram("rmm", RMM, 1 << 20).realm()).unwrap();
    l.add_pool(Pool::ram("dram", DRAM, 1 << 30).non_secure())
        .unwrap();
    l
}

fn table(l: &mut Layout, name: &str, el: ExecutionContext) -> TableId {
    l.add_table(name, 0, el, &[(0x1_0000_0000, 1 << 30)])
        .unwrap()
}

fn data(name: &str) -> PageRequest {
    PageRequest::new(name, PageKind::Data, PageSize::Size4K)
}

fn code(name: &str) -> PageRequest {
    PageRequest::new(name, PageKind::Code, PageSize::Size4K)
}

fn in_pool(l: &Layout, pa: u64, name: &str) -> bool {
    l.pools()
        .iter()
        .any(|p| p.name() == name && p.range().contains(pa))
}

#[test]
fn a_pool_lies_in_one_space_but_secure_with_non_secure() {
    let mut l = Layout::new();
    for (req, first, second) in [
        (
            Pool::ram("a", 0, 1 << 20).realm().root(),
            Pas::Realm,
            Pas::Root,
        ),
        (
            Pool::ram("b", 0, 1 << 20).non_secure().realm(),
            Pas::NonSecure,
            Pas::Realm,
        ),
        (
            Pool::ram("c", 0, 1 << 20).secure().root(),
            Pas::Secure,
            Pas::Root,
        ),
    ] {
        let e = l.add_pool(req).unwrap_err();
        assert!(
            matches!(&e, Error::PoolSpaces { first: f, second: s, .. } if *f == first && *s == second),
            "{e:?}"
        );
        assert!(e.to_string().contains("only `secure, non_secure`"), "{e}");
    }
    assert!(l.pools().is_empty());
    l.add_pool(Pool::ram("gic", 0, 1 << 20).secure().non_secure())
        .unwrap();
    let l = four_spaces();
    let labels: Vec<Option<&str>> = l.pools().iter().map(|p| p.space_label()).collect();
    assert_eq!(
        labels,
        [Some("root"), None, Some("realm"), Some("non_secure")]
    );
    assert!(l.pools()[0].is_root() && l.pools()[2].is_realm());
    assert_eq!(l.pools()[2].spaces(), [Pas::Realm]);
}

#[test]
fn el3_keeps_its_code_and_tables_in_root_memory_and_reaches_every_space() {
    let mut l = four_spaces();
    let mon = table(&mut l, "mon", ExecutionContext::EL3);
    let text = l.map(mon, &code("text")).unwrap();
    assert!(in_pool(&l, l.mapping_pa(text).unwrap(), "bl31"));
    // Data prefers Root memory, and may name any pool.
    let own = l.map(mon, &data("own")).unwrap();
    assert!(in_pool(&l, l.mapping_pa(own).unwrap(), "bl31"));
    let pages: Vec<(&str, Pas)> = ["tzram", "rmm", "dram"]
        .into_iter()
        .zip([Pas::Secure, Pas::Realm, Pas::NonSecure])
        .collect();
    let mut ids = Vec::new();
    for (pool, pas) in &pages {
        let m = l.map(mon, &data(pool).pool(*pool)).unwrap();
        assert_eq!(l.mapping_pages(m, mon)[0].mem_attrs().pas, *pas);
        ids.push(m);
    }
    // Code in the secure pool is an error on the pool: Root state faults on it.
    let e = l
        .map(mon, &code("bad").pool("tzram").non_secure_ok())
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::UntrustedPa {
                needs: Pas::Root,
                field: Field::Pool,
                non_secure_ok: false,
                ..
            }
        ),
        "{e:?}"
    );
    // The built descriptors select each space with {NSE, NS}.
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    let tr = &trs[mon.index()];
    assert!(in_pool(&l, tr.base_pa(), "bl31"));
    let bits = |m| {
        let w = tr.walk(l.mapping_pages(m, mon)[0].va()).unwrap();
        (w.nse(), w.ns())
    };
    assert_eq!(bits(text), (true, false), "root");
    assert_eq!(bits(ids[0]), (false, false), "secure");
    assert_eq!(bits(ids[1]), (true, true), "realm");
    assert_eq!(bits(ids[2]), (false, true), "non-secure");
}

#[test]
fn realm_tables_reach_realm_and_non_secure_memory_only() {
    let mut l = four_spaces();
    let rmm = table(&mut l, "rmm_el2", ExecutionContext::EL2_Realm);
    let guest = table(&mut l, "guest", ExecutionContext::EL1_Realm);
    let text = l.map(rmm, &code("text")).unwrap();
    assert!(in_pool(&l, l.mapping_pa(text).unwrap(), "rmm"));
    let buf = l.map(rmm, &data("buf").pool("dram")).unwrap();
    assert_eq!(l.mapping_pages(buf, rmm)[0].mem_attrs().pas, Pas::NonSecure);
    // Secure and Root PA: an error on the token that gives it.
    for (req, field) in [
        (data("peek").pa(TZRAM), Field::Pa),
        (data("peek").pool("bl31"), Field::Pool),
    ] {
        let e = l.map(guest, &req).unwrap_err();
        assert!(
            matches!(&e, Error::UnreachablePa { el: ExecutionContext::EL1_Realm, field: f, .. } if *f == field),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .contains("reaches only realm and non-secure PA"),
            "{e}"
        );
    }
    // Code of a Realm table never comes from non-secure memory, even knowingly.
    let e = l
        .map(rmm, &code("ns_code").pool("dram").non_secure_ok())
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::UntrustedPa {
                needs: Pas::Realm,
                ..
            }
        ),
        "{e:?}"
    );
    // Realm EL2 sets NS for non-secure PA; the realm's EL1 stage 1 never does (RES0).
    let g = l.map(guest, &data("g").pool("dram")).unwrap();
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    for t in [rmm, guest] {
        assert!(in_pool(&l, trs[t.index()].base_pa(), "rmm"));
    }
    let walk = |t: TableId, m| trs[t.index()].walk(l.mapping_pages(m, t)[0].va()).unwrap();
    assert!(!walk(rmm, text).ns());
    assert!(walk(rmm, buf).ns());
    assert!(!walk(guest, g).ns());
    assert_eq!(l.mapping_pages(g, guest)[0].mem_attrs().pas, Pas::NonSecure);
}

#[test]
fn secure_and_non_secure_tables_never_reach_realm_or_root_memory() {
    let mut l = four_spaces();
    let tos = table(&mut l, "tos", ExecutionContext::EL1_S);
    let k = table(&mut l, "k", ExecutionContext::EL1_NS);
    for (t, pool) in [(tos, "rmm"), (tos, "bl31"), (k, "rmm"), (k, "bl31")] {
        let e = l.map(t, &data("x").pool(pool)).unwrap_err();
        assert!(
            matches!(
                &e,
                Error::UnreachablePa {
                    field: Field::Pool,
                    ..
                }
            ),
            "{e:?}"
        );
    }
    // A secure EL1 table's code and data stay in Secure memory: Root is not reachable.
    let text = l.map(tos, &code("text")).unwrap();
    assert!(in_pool(&l, l.mapping_pa(text).unwrap(), "tzram"));
    // Automatic placement of a secure table's data never lands in Realm or Root pools:
    // with the secure pool full, it falls back to non-secure DRAM only.
    let big = l
        .map(
            tos,
            &PageRequest::new("big", PageKind::Data, PageSize::Size2M),
        )
        .unwrap();
    assert!(in_pool(&l, l.mapping_pa(big).unwrap(), "dram"));
    // A shared page of a secure and a Realm table can only be non-secure memory.
    let rmm = table(&mut l, "rmm_el2", ExecutionContext::EL2_Realm);
    let m = l.map_shared(Some(&[tos, rmm]), &data("mbox")).unwrap();
    assert!(in_pool(&l, l.mapping_pa(m).unwrap(), "dram"));
}

#[test]
fn realm_tables_no_room_names_the_realm_pools() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("rmm", RMM, 4 << 10).realm()).unwrap();
    l.add_pool(Pool::ram("dram", DRAM, 1 << 30).non_secure())
        .unwrap();
    let rmm = table(&mut l, "rmm_el2", ExecutionContext::EL2_Realm);
    l.map(rmm, &code("text")).unwrap();
    let e = l.map(rmm, &code("more")).unwrap_err();
    match &e {
        Error::NoRoom {
            space: Space::Trusted { space, tried },
            ..
        } => {
            assert_eq!(*space, Pas::Realm);
            assert_eq!(tried[..], [String::from("rmm")]);
        }
        e => panic!("{e:?}"),
    }
    // Data falls back to non-secure memory.
    let d = l.map(rmm, &data("d")).unwrap();
    assert!(in_pool(&l, l.mapping_pa(d).unwrap(), "dram"));
    // The translation tables find no Realm room either.
    let e = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap_err();
    assert!(e.to_string().contains("realm pools"), "{e}");
}

#[test]
fn one_realm_el2_table_per_core_and_its_tables_in_non_secure_memory_on_request() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("rmm", RMM, 4 << 10).realm()).unwrap();
    l.add_pool(Pool::ram("dram", DRAM, 1 << 30).non_secure())
        .unwrap();
    let rmm = table(&mut l, "rmm_el2", ExecutionContext::EL2_Realm);
    let e = l
        .add_table(
            "again",
            0,
            ExecutionContext::EL2_Realm,
            &[(0x1_0000_0000, 1 << 30)],
        )
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::RegimeTaken {
                el: ExecutionContext::EL2_Realm,
                ..
            }
        ),
        "{e:?}"
    );
    // Another core has its own.
    l.add_table(
        "core1",
        1,
        ExecutionContext::EL2_Realm,
        &[(0x1_0000_0000, 1 << 30)],
    )
    .unwrap();
    l.map(rmm, &code("text")).unwrap();
    // The realm pool is full; `non_secure_ok` on the tables lets them go to DRAM.
    l.allow_non_secure_tables(rmm).unwrap();
    let core1 = l.tables().nth(1).unwrap();
    l.allow_non_secure_tables(core1).unwrap();
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    assert!(in_pool(&l, trs[rmm.index()].base_pa(), "dram"));
}

#[test]
fn a_page_shared_by_tables_with_no_space_in_common_names_the_refusing_table() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("tzram", TZRAM, 1 << 20)).unwrap();
    l.add_pool(Pool::ram("rmm", RMM, 1 << 20).realm()).unwrap();
    let tos = table(&mut l, "tos", ExecutionContext::EL1_S);
    let guest = table(&mut l, "guest", ExecutionContext::EL1_Realm);
    let e = l
        .map_shared(Some(&[tos, guest]), &data("mbox"))
        .unwrap_err();
    assert!(
        matches!(&e, Error::UnreachablePa { table, pool, space: Pas::Secure, field: Field::Tables, .. } if table == "guest" && pool == "tzram"),
        "{e:?}"
    );
}

/// A secure table's code with no secure RAM pool at all (only Root, Realm and a
/// non-secure device): the no-room error says none is declared and how to declare one,
/// instead of listing no pool tried and no pool refused.
#[test]
fn secure_code_without_a_secure_pool_says_none_is_declared() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("bl31", BL31, 1 << 20).root()).unwrap();
    l.add_pool(Pool::ram("rmm", RMM, 1 << 20).realm()).unwrap();
    l.add_pool(Pool::device("uart", 0x0900_0000, 4 << 10).non_secure())
        .unwrap();
    let s = table(&mut l, "tos", ExecutionContext::EL1_S);
    let e = l.map(s, &code("text")).unwrap_err();
    match &e {
        Error::NoRoom {
            space: Space::Secure { tried, refused },
            ..
        } => assert!(tried.is_empty() && refused.is_empty(), "{e:?}"),
        e => panic!("{e:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains("secure pools (none of this memory type is declared; declare one"),
        "{text}"
    );
    assert!(
        !text.contains("none;") && !text.contains("refused"),
        "{text}"
    );
}
