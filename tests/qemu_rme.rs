//! The physical address space an EL3 table selects for each pool, checked on QEMU with
//! the Realm Management Extension (FEAT_RME).
//!
//! What runs: one QEMU boot (`qemu-system-aarch64 -M virt,secure=on,virtualization=on
//! -cpu max,x-rme=on -m 4G`, see `tests/support/qemu.rs`) of the test harness with one
//! job. The layout has four RAM pools, one per space: `bl31` (`root`, holding the
//! harness's identity-mapped 2 MiB code page and the translation tables), `tzram`
//! (unmarked, so Secure), `rmm` (`realm`) and `dram` (`non_secure`), and one EL3 table
//! with a data page in each pool. The harness loads the table's `MAIR_EL3`, `TCR_EL3`,
//! `TTBR0_EL3` and `SCTLR_EL3` and runs on it at EL3, in Root state with FEAT_RME. Its
//! code page is Root memory ({NSE, NS} = {1, 0}), as memlayout requires: QEMU, as the
//! architecture says (R_ZWRVD), takes a permission fault on an instruction fetched at
//! EL3 from any other space, so the harness running at all shows the Root page's NSE
//! bit at work. For every data page it runs `AT S1E3R` and the test reads `PAR_EL1`:
//! the output PA and NS (bit 9), which must be 0 for Root and Secure PA and 1 for Realm
//! and Non-secure PA. The architecture also reports NSE in bit 11 (Arm ARM DDI 0487,
//! `PAR_EL1`: {NSE, NS} = {1, 0} Root, {0, 0} Secure, {1, 1} Realm, {0, 1} Non-secure),
//! but QEMU 10 writes bit 11 as 1 in every 64-bit `PAR_EL1` (its "LPAE" bit) and derives
//! NS from whether the access is secure (Root or Secure) or not (Realm or Non-secure);
//! the test checks NSE too when the Secure page's bit 11 reads 0, that is on an
//! implementation that reports it. The harness then stores a pattern through each
//! data page's VA with its MMU on and reads it back at the PA with the MMU off.
//!
//! The granule protection check stays off (`GPCCR_EL3.GPC` is 0 at reset; building
//! the granule protection table is not this test's business), so every space reaches
//! all of RAM and the stores land whatever the space. Realm EL2 tables are not probed
//! here: the harness runs its `AT` instructions at EL3 with `SCR_EL3.NSE` = 0, and
//! entering the Realm state would need a harness change; their NS bit is checked on
//! the built descriptors (`tests/realm.rs`, `aarch64::build` tests).

use memlayout::aarch64::TableConfig;
use memlayout::tables::TablePlacement;
use memlayout::{ExecutionContext, Layout, PageKind, PageRequest, PageSize, Pool};
use memlayout_tests::layouts::harness_request;
use memlayout_tests::qemu::{self, Access, Job, Probe, Regime, par_fault, par_ns, par_nse, par_pa};

const MIB: u64 = 1 << 20;

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el3_selects_each_physical_address_space_with_nse_and_ns() {
    if !qemu::require_tools_or_skip() {
        return;
    }
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
    // (pool, NSE, NS) of each data page.
    let spaces = [
        ("bl31", true, false),
        ("tzram", false, false),
        ("rmm", true, true),
        ("dram", false, true),
    ];
    let pages: Vec<_> = spaces
        .iter()
        .map(|&(pool, ..)| {
            let req =
                PageRequest::new(format!("in_{pool}"), PageKind::Data, PageSize::Size4K).pool(pool);
            l.map(mon, &req).unwrap()
        })
        .collect();
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    let tr = &trs[mon.index()];
    let bl31 = 0x4000_0000..0x4000_0000 + 32 * MIB;
    assert!(bl31.contains(&tr.base_pa()), "EL3's tables are Root memory");
    let page = |m| l.mapping_pages(m, mon)[0].clone();
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
            .map(|&m| Probe::new(page(m).va() + 0x10, Access::Read))
            .collect(),
        writes: pages
            .iter()
            .map(|&m| (page(m).va() + 0x20, page(m).pa() + 0x20))
            .collect(),
    };
    let outcome = qemu::run_rme(&job).unwrap_or_else(|e| panic!("QEMU run failed: {e}"));
    assert_eq!(outcome.par.len(), spaces.len());
    // Bit 11 of the Secure page's PAR_EL1 is 0 only where NSE is reported.
    let reports_nse = !par_nse(outcome.par[1]);
    if !reports_nse {
        eprintln!("PAR_EL1.NSE is not reported (bit 11 reads 1 for Secure PA): NS checked alone");
    }
    for ((&m, &(pool, nse, ns)), &par) in pages.iter().zip(&spaces).zip(&outcome.par) {
        assert!(
            !par_fault(par),
            "{pool}: AT S1E3R faulted, PAR_EL1 {par:#x}"
        );
        assert_eq!(par_pa(par), page(m).pa(), "{pool}: PAR_EL1 {par:#x}");
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
    for (&(pool, ..), &(written, read)) in spaces.iter().zip(&outcome.writes) {
        assert_eq!(written, read, "{pool}: the store did not land at the PA");
    }
}
