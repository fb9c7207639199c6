//! Replays the fuzz campaign's checked-in corpus through the campaign's own checks
//! (`memlayout_tests::fuzz`), on the stable toolchain: every input in
//! `fuzz/corpus/TARGET/` (coverage-chosen by the campaign) and `fuzz/regressions/TARGET/`
//! (the minimized input of every fault the campaign found) must pass.

use std::path::{Path, PathBuf};

use memlayout_tests::fuzz;

/// The inputs of one fuzz target, in name order.
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        files.extend(entries.map(|e| e.expect("a readable directory entry").path()));
    }
    files.sort();
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no corpus for fuzz target {target} in fuzz/corpus or fuzz/regressions"
    );
    for f in &files {
        let data = std::fs::read(f).expect("a readable corpus file");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "fuzz input {} fails its checks",
            f.display()
        );
    }
}

#[test]
fn dsl_text_corpus_passes() {
    replay("dsl_text", fuzz::check_text_bytes);
}

#[test]
fn dsl_structured_corpus_passes() {
    replay("dsl_structured", fuzz::check_structured_bytes);
}

#[test]
fn api_ops_corpus_passes() {
    replay("api_ops", fuzz::check_ops_bytes);
}

/// The regression input of the random fit over all 2^64 addresses decodes as meant:
/// `[7, 2^64)` and `[0, 7)` inserted, then one byte taken at a random address.
#[test]
fn whole_space_regression_decodes_as_meant() {
    use arbitrary::{Arbitrary, Unstructured};
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions/api_ops/take-random-over-the-whole-space");
    let data = std::fs::read(path).expect("the regression input exists");
    let ops = fuzz::Ops::arbitrary_take_rest(Unstructured::new(&data)).expect("it decodes");
    let text = format!("{ops:?}");
    for part in [
        "Insert { start: Addr(7), size: Size(18446744073709551609) }",
        "Insert { start: Addr(0), size: Size(7) }",
        "TakeRandom { size: Size(1), align: 0 }",
    ] {
        assert!(text.contains(part), "{part} not in {text}");
    }
    let run = ops.run();
    assert!(run.contains("2: ok Some(Interval"), "{run}");
}

/// The structured regression input of a `system` page with execute permission decodes
/// to such a page, and the layout is refused on it (the tables write every `system`
/// page execute-never), while the same layout with `rw` plans (its only RAM pool is
/// non-secure, so the EL3 table's translation tables go there with `non_secure_ok`).
#[test]
fn system_page_regression_decodes_as_meant() {
    use arbitrary::{Arbitrary, Unstructured};
    use memlayout::dsl::file::plan_text;
    use memlayout_tests::fuzz::LayoutDesc;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions/dsl_structured/system-page-rwx");
    let data = std::fs::read(path).expect("the regression input");
    let desc = LayoutDesc::arbitrary_take_rest(Unstructured::new(&data)).expect("it decodes");
    let text = desc.render();
    let line = "page p0 : system, 4K * 4, rwx;";
    assert!(text.contains(line), "{text}");
    let errors = plan_text(&text).expect_err("a system page cannot be executable");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("system page"), "{errors:?}");
    let fixed = text
        .replace(line, "page p0 : system, 4K * 4, rw;")
        .replace("mod fuzz {\n", "mod fuzz {\ntables in m1, non_secure_ok;\n");
    assert_ne!(fixed, text.replace(line, "page p0 : system, 4K * 4, rw;"));
    assert!(plan_text(&fixed).is_ok(), "{fixed}");
}

/// The text corpus reaches every keyword added with the security states, processes,
/// guards, execute-only pages, Device types and Contiguous page sizes in an input that
/// plans, so the campaign's invariants (and not only its parser) run on each; the test
/// finds the effect of each keyword in the planned layout, not only its spelling.
#[test]
fn the_text_corpus_plans_every_new_keyword() {
    use memlayout::dsl::file::{Planned, plan_text};
    use memlayout::{DeviceType, PageSize, Perms};

    let pages = |p: &Planned| -> Vec<(memlayout::ExecutionContext, memlayout::Page)> {
        let l = p.plan().layout();
        l.tables()
            .flat_map(|t| l.pages(t).into_iter().map(|pg| (pg.el(), pg.clone())))
            .collect()
    };
    let secure =
        |el: memlayout::ExecutionContext| el.security() == memlayout::SecurityState::Secure;
    // Each keyword as the corpus spells it, and its effect on a planned layout.
    type Effect<'a> = Box<dyn Fn(&Planned) -> bool + 'a>;
    let mut cases: Vec<(&str, Effect)> = vec![
        (
            "secure, non_secure",
            Box::new(|p: &Planned| p.plan().layout().pools().iter().any(|x| x.is_dual_view())),
        ),
        (
            "non_secure_view",
            Box::new(move |p: &Planned| {
                // The non-secure view of a pool in both spaces, from a secure table.
                let pools = p.plan().layout().pools();
                pages(p).iter().any(|(el, pg)| {
                    secure(*el)
                        && pg.mem_attrs().is_non_secure()
                        && pg.kind() == memlayout::PageKind::Device
                        && pools
                            .iter()
                            .any(|x| x.is_dual_view() && x.range().contains(pg.pa()))
                })
            }),
        ),
        (
            "non_secure_ok",
            // An executable page of a secure table in non-secure PA.
            Box::new(move |p: &Planned| {
                pages(p).iter().any(|(el, pg)| {
                    secure(*el) && pg.mem_attrs().is_non_secure() && pg.perms().execute()
                })
            }),
        ),
        (
            "tables in dram, non_secure_ok",
            Box::new(|p: &Planned| {
                let l = p.plan().layout();
                // A secure table's tables in the non-secure pool: only the opt-in allows it.
                l.tables().any(|t| {
                    l.tables_pool(t) == Some("dram")
                        && l.table_info(t).is_some_and(|i| secure(i.el()))
                })
            }),
        ),
        (
            "tables at 0x4010_0000 .. +64K, non_secure_ok",
            // A secure table's translation tables in the range, in a non-secure pool.
            Box::new(move |p: &Planned| {
                let l = p.plan().layout();
                let n = l.tables().count();
                (0..n).any(|i| {
                    let (Some(tr), Some(t)) = (p.plan().translation(i), p.plan().table_id(i))
                    else {
                        return false;
                    };
                    let pa = tr.base_pa();
                    let pool = l.pools().iter().find(|x| x.range().contains(pa));
                    (0x4010_0000..0x4011_0000).contains(&pa)
                        && l.table_info(t).is_some_and(|info| secure(info.el()))
                        && l.non_secure_tables_ok(t)
                        && pool.is_some_and(|x| {
                            x.spaces() == [memlayout::PhysicalAddressSpace::NonSecure]
                        })
                })
            }),
        ),
        (
            "asid ",
            Box::new(|p: &Planned| {
                let l = p.plan().layout();
                l.tables().any(|t| l.asid(t).is_some())
            }),
        ),
        (
            "under ",
            Box::new(|p: &Planned| {
                let l = p.plan().layout();
                l.tables().any(|t| l.kernel_of(t).is_some())
            }),
        ),
        (
            "guard ",
            Box::new(move |p: &Planned| pages(p).iter().any(|(_, pg)| pg.guard() != 0)),
        ),
        (
            ", x",
            Box::new(move |p: &Planned| pages(p).iter().any(|(_, pg)| pg.perms() == Perms::X)),
        ),
    ];
    for (word, d) in [
        ("nGnRnE", DeviceType::nGnRnE),
        ("nGnRE", DeviceType::nGnRE),
        ("nGRE", DeviceType::nGRE),
        ("GRE;", DeviceType::GRE),
    ] {
        cases.push((
            word,
            Box::new(move |p: &Planned| pages(p).iter().any(|(_, pg)| pg.device_type() == Some(d))),
        ));
    }
    for (word, size) in [
        ("64K", PageSize::Size64K),
        ("32M", PageSize::Size32M),
        ("16G", PageSize::Size16G),
    ] {
        cases.push((
            word,
            Box::new(move |p: &Planned| pages(p).iter().any(|(_, pg)| pg.page_size() == size)),
        ));
    }
    let texts: Vec<(PathBuf, String)> = inputs("dsl_text")
        .into_iter()
        .filter_map(|f| {
            let text = String::from_utf8(std::fs::read(&f).ok()?).ok()?;
            Some((f, text))
        })
        .collect();
    let planned: Vec<(&PathBuf, &str, Planned)> = texts
        .iter()
        .filter(|(_, t)| !t.contains("include"))
        .filter_map(|(f, t)| Some((f, t.as_str(), plan_text(t).ok()?)))
        .collect();
    for (word, seen) in &cases {
        let hit = planned
            .iter()
            .find(|(_, text, p)| text.contains(word) && seen(p));
        assert!(
            hit.is_some(),
            "no input of fuzz/corpus/dsl_text that plans uses `{word}` to effect"
        );
    }
    // The keywords' error paths are in the corpus too: an input with every new keyword
    // misused reports an error for each rule.
    let errors = texts
        .iter()
        .filter(|(_, t)| t.contains("guard 100") && t.contains("asid 0"))
        .find_map(|(_, t)| plan_text(t).err())
        .expect("an input misusing the new keywords");
    for part in [
        "guard 100",
        "ASID 0",
        "ASID 70000",
        "is given twice",
        "execute-only",
    ] {
        assert!(
            errors.iter().any(|e| e.message.contains(part)),
            "no error mentions {part}: {errors:?}"
        );
    }
}

/// The structured generator reaches the Realm Management Extension: of 2000 seeded byte
/// buffers, some give layouts with a `realm` or `root` pool and a `gpt` that plan (some
/// with tables mapping pages), and some such layouts are refused with errors; every
/// buffer passes the campaign's checks (a panic fails the test).
#[test]
fn the_structured_generator_plans_and_refuses_rme_layouts() {
    use arbitrary::{Arbitrary, Unstructured};
    use memlayout::dsl::file::plan_text;
    use memlayout_tests::fuzz::LayoutDesc;

    let mut rng = memlayout::Rng::new(0x6D7A_11E5);
    let (mut planned, mut with_pages, mut refused) = (0, 0, 0);
    let mut spaces = std::collections::BTreeSet::new();
    for _ in 0..2000 {
        let len = 32 + rng.below(480) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        fuzz::check_structured_bytes(&data);
        let Ok(desc) = LayoutDesc::arbitrary_take_rest(Unstructured::new(&data)) else {
            continue;
        };
        let text = desc.render();
        let rme = text.contains(", realm") || text.contains(", root");
        if !rme || !text.contains("\ngpt ") {
            continue;
        }
        match plan_text(&text) {
            Ok(p) => {
                assert!(p.plan().gpt().is_some(), "{text}");
                planned += 1;
                let l = p.plan().layout();
                if l.tables().any(|t| !l.pages(t).is_empty()) {
                    with_pages += 1;
                }
                spaces.extend(l.pools().iter().map(|pool| pool.spaces()));
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "{text}");
                refused += 1;
            }
        }
    }
    let figures = format!("{planned} planned ({with_pages} with pages), {refused} refused");
    assert!(planned > 0 && with_pages > 0, "{figures}");
    assert!(refused > 0, "{figures}");
    // The planned layouts hold pools of every space.
    use memlayout::PhysicalAddressSpace as P;
    for s in [P::Secure, P::NonSecure, P::Realm, P::Root] {
        assert!(
            spaces.iter().any(|x| x.contains(&s)),
            "no planned pool in {s:?}: {figures}"
        );
    }
}

/// The run-time generator reaches `Layout::build_gpt` and the pool spaces: of 2000
/// seeded byte buffers, each run after a `root`, a `realm` and a `non_secure` pool, some
/// operation sequences build a granule protection table (its checks then ran) and some
/// are refused one; every run passes the campaign's checks.
#[test]
fn the_api_generator_builds_and_refuses_granule_protection_tables() {
    use arbitrary::{Arbitrary, Unstructured};

    let mut rng = memlayout::Rng::new(0xA91_0C5);
    let (mut built, mut refused) = (0, 0);
    for _ in 0..2000 {
        let len = 32 + rng.below(480) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let Ok(ops) = fuzz::Ops::arbitrary_take_rest(Unstructured::new(&data)) else {
            continue;
        };
        let run = ops.after_rme_pools().run();
        built += run.lines().filter(|l| l.starts_with("gpt 0x")).count();
        refused += run.lines().filter(|l| l.contains(": gpt error ")).count();
    }
    assert!(built > 0 && refused > 0, "{built} built, {refused} refused");
}
