//! The physical address space (PAS) an EL3 table and a Realm EL2 table select for each
//! page, checked on QEMU with the Realm Management Extension (FEAT_RME) and its granule
//! protection check (GPC) on.
//!
//! The layout has four RAM pools, one per space: `bl31` (`root`, holding the harness's
//! identity-mapped 2 MiB code page, EL3's translation tables and the granule protection
//! table), `tzram` (unmarked, so Secure), `rmm` (`realm`) and `dram` (`non_secure`). Its
//! EL3 table `mon` maps a data page in each pool; its `EL2_Realm` table `rmm_el2` maps a
//! code page (in `rmm`, where memlayout puts a Realm table's code and its translation
//! tables), a data page in `rmm` and one in `dram`. `Layout::build_gpt` gives every
//! granule of a pool its space's GPI (Root 0b1010, Secure 0b1000, Realm 0b1011,
//! Non-secure 0b1001) and every other granule below the protected size "no access"; the
//! test checks those GPIs on the image with an independent walker
//! (`memlayout_tests::gpt_walk`): each data page's granule accepts its own space and no
//! other, the harness and EL3's tables are Root, Realm EL2's code and tables Realm.
//!
//! What runs: one QEMU start (`qemu-system-aarch64 -M virt,secure=on,virtualization=on
//! -cpu max,x-rme=on -m 4G`, see `tests/support/qemu.rs`) of the translation-table
//! harness with the layout's translation tables and granule protection table loaded at
//! their PAs. The harness, at EL3 in Root state:
//!
//! 1. copies its Realm EL2 probe (one position-independent 4 KiB page of
//!    `tests/qemu/harness.S`) to the PA of `rmm_el2`'s code page, MMU and GPC off;
//! 2. walks `mon` as a Secure EL2 table (`AT S1E2R/W`, GPC still off) to check that it
//!    identity-maps the harness;
//! 3. loads the emitted `GPTBR_EL3` and `GPCCR_EL3` (first without `GPC`, `TLBI
//!    PAALLOS; DSB; ISB`, then with `GPC`, again), and reports `GPCCR_EL3` read back;
//! 4. loads `mon`'s `MAIR_EL3`, `TCR_EL3`, `TTBR0_EL3` and `SCTLR_EL3` and runs on it;
//! 5. runs `AT S1E3R` on every `mon` data page and reports `PAR_EL1`;
//! 6. stores a pattern through every `mon` data page's VA;
//! 7. enters Realm EL2: `SCR_EL3` with `NSE` = 1, `NS` = 1 (Realm state), `RW` and
//!    `GPF` (a granule protection fault at EL2 becomes a GPC exception taken to EL3,
//!    reported with `ESR_EL3` and `MFAR_EL3`), `rmm_el2`'s `MAIR_EL2`, `TCR_EL2`,
//!    `TTBR0_EL2` and `SCTLR_EL2`, `TLBI ALLE2`, and per data page an `ERET` to the code
//!    page's VA; the probe runs `AT S1E2R`, stores a pattern through the page, loads it
//!    back and returns with `SMC #0`;
//! 8. turns the GPC off and its MMU off and reads every data page's PA back.
//!
//! What each result proves:
//!
//! * `GPCCR_EL3` reads back as emitted: the checks were on during steps 4 to 7.
//! * The harness running at all on `mon` with the GPC on: its code page's descriptor
//!   selects the Root PAS ({NSE, NS} = {1, 0}), as the fetches, the stack and the table
//!   walks all reach Root granules, which accept the Root PAS alone; QEMU, as the
//!   architecture says (R_ZWRVD), also takes a permission fault on an instruction
//!   fetched at EL3 from any other space.
//! * Each EL3 store completing: a granule accepts only the PAS of its GPI, so the
//!   page's descriptor selects exactly its pool's space; a wrong {NSE, NS} would take a
//!   granule protection fault (a data abort at EL3, DFSC 0b101000), which stops the
//!   harness and fails the test with `ESR_EL3` and `FAR_EL3`. This is what tells Root
//!   from Secure and Realm from Non-secure, which `PAR_EL1` does not on QEMU 10.
//! * The Realm probe completing: Realm EL2 walked `rmm_el2`'s tables and fetched its
//!   code from Realm granules (in Realm state, which a Non-secure EL2 could not), and
//!   each data page's store and load completed: the Realm page (NS = 0) reaches the
//!   Realm granule, the Non-secure page (NS = 1) the Non-secure granule.
//! * [`a_wrong_space_takes_a_granule_protection_fault`] shows that the checks bite,
//!   with descriptors changed in the images (three more QEMU starts, as a fault at EL3
//!   stops the harness): `mon`'s Realm page made Non-secure, and its Secure page made
//!   Root, each take a granule protection fault at EL3 on the store (FAR = the VA);
//!   `rmm_el2`'s Realm page with NS set and its Non-secure page with NS clear each take
//!   a GPC exception whose `MFAR_EL3` holds the PA and the wrong space (Non-secure, and
//!   Realm: the probe runs in Realm state).
//! * The values read back at the PAs: each VA maps to its PA.
//! * `PAR_EL1` of `AT S1E3R`: the output PA of each page, and NS (bit 9), which must be
//!   0 for Root and Secure PA and 1 for Realm and Non-secure PA. The architecture also
//!   reports NSE in bit 11 (Arm ARM DDI 0487, `PAR_EL1`: {NSE, NS} = {1, 0} Root,
//!   {0, 0} Secure, {1, 1} Realm, {0, 1} Non-secure), but QEMU 10 writes bit 11 as 1 in
//!   every 64-bit `PAR_EL1` (its "LPAE" bit) and derives NS from whether the access is
//!   secure (Root or Secure) or not (Realm or Non-secure); the test checks NSE too when
//!   the Secure page's bit 11 reads 0, that is on an implementation that reports it.
//! * `PAR_EL1` of `AT S1E2R` at Realm EL2: the output PA of each page. The architecture
//!   reports the descriptor's NS attribute of a Realm regime in bit 9 (0 Realm PA, 1
//!   Non-secure PA); QEMU 10 reports 1 for both, so the test checks NS only when the
//!   Realm page's reads 0.
//!
//! The tests skip (or fail with `MEMLAYOUT_REQUIRE_QEMU=1`) without
//! `qemu-system-aarch64` and `aarch64-linux-gnu-gcc`.

use memlayout::aarch64::TableConfig;
use memlayout::layout::GptRequest;
use memlayout::tables::TablePlacement;
use memlayout::{ExecutionContext, Layout, PageKind, PageRequest, PageSize, Pool};
use memlayout_tests::gpt_walk::{self, Memory, Pas};
use memlayout_tests::layouts::harness_request;
use memlayout_tests::qemu::{
    self, Access, GptSetup, HARNESS_RESERVED, Job, Probe, RealmResult, RealmSetup, Regime,
    par_fault, par_ns, par_nse, par_pa,
};

const MIB: u64 = 1 << 20;

/// `NSE` (bit 11, EL3 regime only) and `NS` (bit 5) of a stage 1 descriptor.
const DESC_NSE: u64 = 1 << 11;
const DESC_NS: u64 = 1 << 5;

/// One data page of `mon`: its pool, the PAS its descriptor must select, and where it
/// is.
struct DataPage {
    pool: &'static str,
    pas: Pas,
    va: u64,
    pa: u64,
}

/// The layout under test, built: the EL3 table's job (probes and writes for every data
/// page, in [`DataPage`] order), the granule protection table, and the Realm EL2
/// table's probe (its pages in [`DataPage`] order in `realm_pages`).
struct Built {
    job: Job,
    gpt: GptSetup,
    pages: Vec<DataPage>,
    realm: RealmSetup,
    realm_pages: Vec<DataPage>,
}

fn build() -> Built {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("bl31", 0x4000_0000, 32 * MIB).root())
        .unwrap();
    l.add_pool(Pool::ram("tzram", 0x4200_0000, 16 * MIB))
        .unwrap();
    l.add_pool(Pool::ram("rmm", 0x4300_0000, 16 * MIB).realm())
        .unwrap();
    l.add_pool(Pool::ram("dram", 0x4400_0000, 16 * MIB).non_secure())
        .unwrap();
    let mon = l
        .add_table("mon", 0, ExecutionContext::EL3, &[(0x4000_0000, 1 << 30)])
        .unwrap();
    l.map(mon, &harness_request()).unwrap();
    let spaces = [
        ("bl31", Pas::Root),
        ("tzram", Pas::Secure),
        ("rmm", Pas::Realm),
        ("dram", Pas::NonSecure),
    ];
    let pages: Vec<DataPage> = spaces
        .iter()
        .map(|&(pool, pas)| {
            let req =
                PageRequest::new(format!("in_{pool}"), PageKind::Data, PageSize::Size4K).pool(pool);
            let m = l.map(mon, &req).unwrap();
            let page = l.mapping_pages(m, mon)[0].clone();
            DataPage {
                pool,
                pas,
                va: page.va(),
                pa: page.pa(),
            }
        })
        .collect();
    // The Realm EL2 table: its code page (the harness copies its Realm probe there) and
    // its translation tables in `rmm`, a data page in `rmm` and one in `dram`.
    let rmm = l
        .add_table(
            "rmm_el2",
            0,
            ExecutionContext::EL2_Realm,
            &[(0x1_0000_0000, 1 << 30)],
        )
        .unwrap();
    let code = l
        .map(
            rmm,
            &PageRequest::new("probe", PageKind::Code, PageSize::Size4K),
        )
        .unwrap();
    let code = l.mapping_pages(code, rmm)[0].clone();
    let realm_pages: Vec<DataPage> = [("rmm", Pas::Realm), ("dram", Pas::NonSecure)]
        .iter()
        .map(|&(pool, pas)| {
            let req = PageRequest::new(format!("el2_{pool}"), PageKind::Data, PageSize::Size4K)
                .pool(pool);
            let m = l.map(rmm, &req).unwrap();
            let page = l.mapping_pages(m, rmm)[0].clone();
            DataPage {
                pool,
                pas,
                va: page.va(),
                pa: page.pa(),
            }
        })
        .collect();
    let gpt = l.build_gpt(&GptRequest::in_pool("bl31")).unwrap();
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    let tr = &trs[mon.index()];
    let bl31 = 0x4000_0000..0x4000_0000 + 32 * MIB;
    assert!(bl31.contains(&tr.base_pa()), "EL3's tables are Root memory");
    assert!(
        bl31.contains(&gpt.image_pa())
            && bl31.contains(&(gpt.image_pa() + gpt.image().len() as u64 - 1)),
        "the granule protection table is Root memory"
    );
    let job = Job {
        regime: Regime::El3,
        tables: vec![(tr.base_pa(), tr.bytes().to_vec())],
        mair: tr.mair(),
        tcr: tr.tcr(),
        ttbr0: tr.ttbr0(),
        ttbr1: tr.ttbr1(),
        sctlr_set: tr.sctlr_set(),
        probes: pages
            .iter()
            .map(|p| Probe::new(p.va + 0x10, Access::Read))
            .collect(),
        writes: pages.iter().map(|p| (p.va + 0x20, p.pa + 0x20)).collect(),
    };
    let rtr = &trs[rmm.index()];
    let rmm_pool = 0x4300_0000..0x4300_0000 + 16 * MIB;
    assert!(
        rmm_pool.contains(&rtr.base_pa()) && rmm_pool.contains(&code.pa()),
        "Realm EL2's tables and code are Realm memory"
    );
    let realm = RealmSetup {
        tables: vec![(rtr.base_pa(), rtr.bytes().to_vec())],
        mair: rtr.mair(),
        tcr: rtr.tcr(),
        ttbr0: rtr.ttbr0(),
        sctlr_set: rtr.sctlr_set(),
        code_va: code.va(),
        code_pa: code.pa(),
        pages: realm_pages
            .iter()
            .map(|p| (p.va + 0x30, p.pa + 0x30))
            .collect(),
    };
    let gpt = GptSetup {
        gptbr: gpt.gptbr(),
        gpccr: gpt.gpccr(),
        image: (gpt.image_pa(), gpt.image().to_vec()),
    };
    Built {
        job,
        gpt,
        pages,
        realm,
        realm_pages,
    }
}

/// The GPI the table gives `pa`, by the independent walker.
fn gpi_of(gpt: &GptSetup, pa: u64) -> gpt_walk::Lookup {
    let memory = Memory {
        pa: gpt.image.0,
        bytes: &gpt.image.1,
    };
    gpt_walk::lookup(memory, gpt.gptbr, gpt.gpccr, pa)
}

/// What the pages are, for failure messages.
fn page_list(pages: &[DataPage]) -> String {
    pages
        .iter()
        .map(|p| {
            format!(
                "  `{}`: VA {:#x}, PA {:#x}, {:?} PAS expected",
                p.pool, p.va, p.pa, p.pas
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el3_selects_each_physical_address_space_with_nse_and_ns() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let Built {
        job,
        gpt,
        pages,
        realm,
        realm_pages,
    } = build();

    // The GPC admits each data page's store in its own space only, the harness's
    // memory and EL3's tables in the Root space, and Realm EL2's code and tables in the
    // Realm space.
    for p in pages.iter().chain(&realm_pages) {
        let lookup = gpi_of(&gpt, p.pa);
        for pas in Pas::ALL {
            assert_eq!(
                lookup.allows(pas),
                pas == p.pas,
                "`{}` {:#x}: {lookup:?} and the {pas:?} PAS",
                p.pool,
                p.pa
            );
        }
    }
    let root_only = [
        HARNESS_RESERVED.start,
        HARNESS_RESERVED.end - 8,
        job.tables[0].0,
        gpt.image.0,
    ];
    for pa in root_only {
        let lookup = gpi_of(&gpt, pa);
        assert_eq!(
            lookup.gpi(),
            Some(gpt_walk::GPI_ROOT),
            "{pa:#x}: {lookup:?}"
        );
    }
    for pa in [realm.code_pa, realm.tables[0].0] {
        let lookup = gpi_of(&gpt, pa);
        assert_eq!(
            lookup.gpi(),
            Some(gpt_walk::GPI_REALM),
            "{pa:#x}: {lookup:?}"
        );
    }

    let outcome = qemu::run_rme(&job, Some(&gpt), Some(&realm)).unwrap_or_else(|e| {
        panic!(
            "QEMU run failed (a granule protection fault means a descriptor selects \
             another space than its page's pool):\n{e}\nEL3 data pages:\n{}",
            page_list(&pages)
        )
    });
    assert_eq!(
        outcome.gpccr,
        Some(gpt.gpccr),
        "GPCCR_EL3 reads back as emitted: the checks were on"
    );
    assert_eq!(outcome.par.len(), pages.len());
    // Bit 11 of the Secure page's PAR_EL1 is 0 only where NSE is reported.
    let reports_nse = !par_nse(outcome.par[1]);
    if !reports_nse {
        eprintln!("PAR_EL1.NSE is not reported (bit 11 reads 1 for Secure PA): NS checked alone");
    }
    for (p, &par) in pages.iter().zip(&outcome.par) {
        let pool = p.pool;
        let nse = matches!(p.pas, Pas::Root | Pas::Realm);
        let ns = matches!(p.pas, Pas::Realm | Pas::NonSecure);
        assert!(
            !par_fault(par),
            "{pool}: AT S1E3R faulted, PAR_EL1 {par:#x}"
        );
        assert_eq!(par_pa(par), p.pa, "{pool}: PAR_EL1 {par:#x}");
        assert_eq!(
            par_ns(par),
            ns,
            "{pool}: PAR_EL1 {par:#x} reports another space"
        );
        if reports_nse {
            assert_eq!(
                par_nse(par),
                nse,
                "{pool}: PAR_EL1 {par:#x} reports another space"
            );
        }
    }
    // Every store completed with the GPC on (or the run would have failed above).
    assert_eq!(outcome.writes.len(), pages.len());
    for (p, &(written, read)) in pages.iter().zip(&outcome.writes) {
        assert_eq!(
            written, read,
            "{}: the store did not land at the PA",
            p.pool
        );
    }

    // Realm EL2: the probe ran from the Realm code page (a fetch from another space
    // would have faulted), and each page's store and load completed with the GPC on.
    assert_eq!(outcome.realm.len(), realm_pages.len());
    let mut realm_par = Vec::new();
    for (p, r) in realm_pages.iter().zip(&outcome.realm) {
        let RealmResult::Done {
            par,
            written,
            loaded,
            at_pa,
        } = *r
        else {
            panic!(
                "Realm EL2 `{}` page (VA {:#x}, PA {:#x}, {:?} PAS expected): {r:x?}",
                p.pool, p.va, p.pa, p.pas
            );
        };
        assert!(
            !par_fault(par),
            "Realm EL2 `{}`: AT S1E2R faulted, PAR_EL1 {par:#x}",
            p.pool
        );
        assert_eq!(
            par_pa(par),
            p.pa,
            "Realm EL2 `{}`: PAR_EL1 {par:#x}",
            p.pool
        );
        assert_eq!(loaded, written, "Realm EL2 `{}`: load after store", p.pool);
        assert_eq!(
            at_pa, written,
            "Realm EL2 `{}`: the store did not land at the PA",
            p.pool
        );
        realm_par.push(par);
    }
    // PAR_EL1.NS after an AT in Realm state: 0 Realm PAS, 1 Non-secure PAS (Arm ARM
    // DDI 0487, PAR_EL1). Checked where the Realm page's NS reads 0.
    if par_ns(realm_par[0]) {
        eprintln!(
            "PAR_EL1.NS reads 1 for Realm PA at Realm EL2: the space is not reported, \
             the GPC alone checks it"
        );
    } else {
        assert!(par_ns(realm_par[1]), "Realm EL2 Non-secure page: NS = 0");
    }
}

/// The descriptor of `mon` that maps the page at `pa` (a level 3 page descriptor):
/// its byte offset in the table image.
fn page_descriptor(image: &[u8], pa: u64) -> usize {
    let found: Vec<usize> = image
        .chunks_exact(8)
        .enumerate()
        .filter(|(_, c)| {
            let d = u64::from_le_bytes((*c).try_into().unwrap());
            d & 3 == 3 && d & 0x0000_ffff_ffff_f000 == pa
        })
        .map(|(i, _)| i * 8)
        .collect();
    assert_eq!(found.len(), 1, "one descriptor maps {pa:#x}");
    found[0]
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn a_wrong_space_takes_a_granule_protection_fault() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let Built {
        job,
        gpt,
        pages,
        mut realm,
        realm_pages,
    } = build();
    // EL3: the Realm page selecting the Non-secure PAS, the Secure page the Root PAS:
    // the pairs `PAR_EL1` does not tell apart on QEMU 10. The fault stops the harness:
    // one QEMU start each.
    for (index, flip) in [(2, DESC_NSE), (1, DESC_NSE)] {
        let p = &pages[index];
        let mut job = job.clone();
        let at = page_descriptor(&job.tables[0].1, p.pa);
        let bytes = &mut job.tables[0].1[at..at + 8];
        let d = u64::from_le_bytes((&*bytes).try_into().unwrap());
        let wrong = d ^ flip;
        assert_eq!(wrong & DESC_NS, d & DESC_NS);
        bytes.copy_from_slice(&wrong.to_le_bytes());
        let err = qemu::run_rme(&job, Some(&gpt), None).expect_err(p.pool);
        let far = format!("FAR_EL3 {:#x}", p.va + 0x20);
        assert!(
            err.contains("data abort, granule protection fault (GPI does not accept the PAS)")
                && err.contains(&far),
            "`{}` with NSE flipped: expected a GPF at {far}, got:\n{err}",
            p.pool
        );
    }
    // Realm EL2: the Realm page with NS set (Non-secure PAS), the Non-secure page with
    // NS clear (Realm PAS). Each is a GPC exception taken to EL3, with the PA and the
    // PAS of the access in MFAR_EL3 (NS bit 63, NSE bit 62); one QEMU start for both.
    for p in &realm_pages {
        let at = page_descriptor(&realm.tables[0].1, p.pa);
        let bytes = &mut realm.tables[0].1[at..at + 8];
        let d = u64::from_le_bytes((&*bytes).try_into().unwrap());
        bytes.copy_from_slice(&(d ^ DESC_NS).to_le_bytes());
    }
    let outcome = qemu::run_rme(&job, Some(&gpt), Some(&realm))
        .unwrap_or_else(|e| panic!("QEMU run failed: {e}"));
    for (p, r) in realm_pages.iter().zip(&outcome.realm) {
        // The wrong space: Non-secure ({NS, NSE} = {1, 0}) for the Realm page, Realm
        // ({1, 1}) for the Non-secure one.
        let wrong_pas = if p.pas == Pas::Realm { 0b10 } else { 0b11 };
        let ok = matches!(*r, RealmResult::Gpc { esr, mfar }
            if esr >> 26 & 0x3f == 0x1e
                && mfar & 0x000f_ffff_ffff_f000 == p.pa
                && mfar >> 62 == wrong_pas);
        assert!(
            ok,
            "Realm EL2 `{}` with NS flipped: expected a GPC exception at PA {:#x}, got {r:x?}",
            p.pool, p.pa
        );
    }
}

#[test]
fn rme_jobs_the_harness_cannot_run_are_rejected() {
    // These fail before QEMU is needed.
    let Built {
        job, gpt, realm, ..
    } = build();

    let mut el2 = job.clone();
    el2.regime = Regime::El2 { secure: true };
    el2.writes.clear();
    let err = qemu::run_rme(&el2, Some(&gpt), None).unwrap_err();
    assert!(err.contains("need Regime::El3, not El2"), "{err}");

    let mut off = gpt.clone();
    off.gpccr &= !qemu::GPCCR_GPC;
    let err = qemu::run_rme(&job, Some(&off), None).unwrap_err();
    assert!(err.contains("must set GPC"), "{err}");

    let mut over = gpt.clone();
    over.image.0 = job.tables[0].0;
    let err = qemu::run_rme(&job, Some(&over), None).unwrap_err();
    assert!(err.contains("images 0 and 1 overlap"), "{err}");

    let mut code = realm.clone();
    code.code_pa += 8;
    let err = qemu::run_rme(&job, Some(&gpt), Some(&code)).unwrap_err();
    assert!(err.contains("must be 4 KiB aligned"), "{err}");

    let mut page = realm.clone();
    page.pages[0].1 = HARNESS_RESERVED.start + 0x100;
    let err = qemu::run_rme(&job, Some(&gpt), Some(&page)).unwrap_err();
    assert!(err.contains("Realm page 0"), "{err}");
}
