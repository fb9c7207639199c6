//! End-to-end check of the granule protection table a layout emits, on QEMU 10 with
//! FEAT_RME (`-cpu max,x-rme=on`, `-M virt,secure=on,virtualization=on`).
//!
//! What runs, in one QEMU start:
//!
//! 1. `tests/layouts/rme.memlayout`, expanded by `memory_layout!`, declares six pools
//!    (the harness's memory `secure, non_secure`, so GPI "any access"; a `root` pool
//!    that holds the table, `gpt in root_pool;`; a `realm` pool; a `secure` pool; a
//!    `non_secure` pool; and a gigabyte of `non_secure` RAM that is one level 0 block),
//!    leaving RAM in no pool from 0xC000_0000 to the 4 GB protected size (PPS), and
//!    RAM above it. The test takes the emitted `rme::gpt::TRANSLATION`, `IMAGE_PA`,
//!    `TABLES_PA` (the level 0 table inside the image), `GPTBR` and `GPCCR` as they are.
//! 2. The harness (`tests/qemu/gpt_harness.{S,c}`) is loaded with the image at
//!    `IMAGE_PA` (`-device loader`), starts at EL3, writes `GPTBR_EL3` and `GPCCR_EL3`
//!    (first without GPC) from the emitted values, runs `TLBI PAALLOS; DSB SY; ISB`,
//!    sets `GPCCR_EL3.GPC` and invalidates again, then reads `GPCCR_EL3` back: it must
//!    equal the emitted value, L0GPTSZ included (the field is read-only; QEMU's is
//!    1 GB, the layout's default).
//! 3. For the first and the last granule of each pool, the first and last granule of
//!    the gap and the first granule above the PPS, with every MMU off:
//!    * a load at Non-secure EL2 (ERET with `SCR_EL3.NS` = 1, `NSE` = 0) with
//!      `SCR_EL3.GPF` = 1: it must complete on granules whose GPI is Non-secure or any
//!      access (the non-secure pools, and the dual pool from the Non-secure side), and
//!      above the PPS; on Root, Realm, Secure and no-access granules it must take a GPC
//!      exception to EL3 (`ESR_EL3.EC` = 0x1E, GPCSC = "GPF at level N" with N the
//!      level the lookup ends at, xFSC 0b101000) with `MFAR_EL3` holding the PA, in the
//!      Non-secure PAS;
//!    * a load at EL3 (Root PAS): it must complete on Root granules (EL3 reaches Root
//!      memory) and on any-access granules (the dual pool from the secure side's
//!      monitor), and take a data abort at EL3 (`ESR_EL3.EC` = 0x25, DFSC 0b101000,
//!      "granule protection fault") on the others (a GPF at EL3 is never a GPC
//!      exception); above the PPS a Root access is a GPC exception at level 0 (GPCSC =
//!      address size fault), as only the Non-secure PAS reaches addresses above the PPS.
//! 4. For the first granule of the Root and Realm pools, a Non-secure EL2 load with
//!    `SCR_EL3.GPF` = 0: the fault is then a data abort taken to EL2 (`ESR_EL2.EC` =
//!    0x25, DFSC 0b101000, `FAR_EL2` the address).
//!
//! The expected outcome comes from each pool's declared space (`RME_POOLS` in
//! `memlayout_tests::layouts`, written from the layout file) and the independent walker
//! (`memlayout_tests::gpt_walk`, for the level a lookup ends at), not from the builder.
//! The test skips (or fails with `MEMLAYOUT_REQUIRE_QEMU=1`) without
//! `qemu-system-aarch64` and `aarch64-linux-gnu-gcc`.

use memlayout::aarch64::gpt::Gpi;
use memlayout_tests::gpt_walk::{self, Lookup, Memory, Pas};
use memlayout_tests::layouts::RME_POOLS;
use memlayout_tests::qemu;
use memlayout_tests::qemu_gpt::{
    EC_DATA_ABORT_SAME, EC_GPC, FSC_GPF, GptJob, ProbeKind, ProbeResult,
};

memlayout::memory_layout!(include "layouts/rme.memlayout");

/// RAM in no pool, below the PPS.
const GAP: (u64, u64) = (0xC000_0000, 0x4000_0000);

/// The first address above the 4 GB PPS (QEMU's RAM goes on to 0x1_4000_0000).
const ABOVE_PPS: u64 = 0x1_0000_0000;

fn ec(esr: u64) -> u64 {
    (esr >> 26) & 0x3F
}

fn fsc(esr: u64) -> u64 {
    esr & 0x3F
}

fn gpcsc(esr: u64) -> u64 {
    (esr >> 14) & 0x3F
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn granule_protection_on_qemu() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let image_pa = rme::gpt::IMAGE_PA;
    let image: &[u8] = &rme::gpt::TRANSLATION.0;
    let (gptbr, gpccr) = (rme::gpt::GPTBR, rme::gpt::GPCCR);
    let (root_start, root_size) = (RME_POOLS[1].1, RME_POOLS[1].2);
    assert!(
        image_pa >= root_start && image_pa + image.len() as u64 <= root_start + root_size,
        "the table lies in the Root pool"
    );
    // The level 0 table GPTBR_EL3 points at lies inside the image, after the level 1
    // tables: the walker below and the hardware find it through GPTBR alone.
    assert_eq!(gptbr, rme::gpt::TABLES_PA >> 12);
    assert!(rme::gpt::TABLES_PA > image_pa);
    assert!(rme::gpt::TABLES_PA < image_pa + image.len() as u64);

    // (pa, gpi or None for no pool, inside the PPS)
    let mut points: Vec<(String, u64, Option<Gpi>)> = Vec::new();
    for &(name, start, size, gpi) in &RME_POOLS {
        points.push((format!("first granule of `{name}`"), start, Some(gpi)));
        points.push((
            format!("last granule of `{name}`"),
            start + size - 8,
            Some(gpi),
        ));
    }
    points.push(("gap start".into(), GAP.0, Some(Gpi::NoAccess)));
    points.push(("gap end".into(), GAP.0 + GAP.1 - 8, Some(Gpi::NoAccess)));
    points.push(("above the PPS".into(), ABOVE_PPS, None));

    let mut probes = Vec::new();
    let mut what = Vec::new();
    for (name, pa, gpi) in &points {
        for kind in [ProbeKind::NonSecureGpc, ProbeKind::El3] {
            probes.push((*pa, kind));
            what.push((name.clone(), *pa, *gpi, kind));
        }
    }
    for &(name, start, _, gpi) in &RME_POOLS[1..3] {
        probes.push((start, ProbeKind::NonSecureAbort));
        what.push((
            format!("first granule of `{name}`"),
            start,
            Some(gpi),
            ProbeKind::NonSecureAbort,
        ));
    }

    let job = GptJob {
        gptbr,
        gpccr,
        images: vec![(image_pa, image.to_vec())],
        probes,
    };
    let outcome = qemu_gpt_run(&job);
    assert_eq!(
        outcome.gpccr, gpccr,
        "GPCCR_EL3 reads back as emitted (L0GPTSZ = QEMU's 1 GB)"
    );

    let memory = Memory {
        pa: image_pa,
        bytes: image,
    };
    let mut failures = Vec::new();
    for ((name, pa, gpi, kind), got) in what.iter().zip(&outcome.results) {
        let lookup = gpt_walk::lookup(memory, gptbr, gpccr, *pa);
        // The walker agrees with the pool's GPI.
        match gpi {
            Some(gpi) => assert_eq!(lookup.gpi(), Some(gpi.bits()), "{name} {pa:#x}"),
            None => assert_eq!(lookup, Lookup::AbovePps, "{name} {pa:#x}"),
        }
        let level = match lookup {
            Lookup::Gpi { level, .. } => u64::from(level),
            _ => 0,
        };
        let ok = match (kind, got) {
            (ProbeKind::NonSecureGpc, ProbeResult::Loaded(_)) => lookup.allows(Pas::NonSecure),
            (ProbeKind::NonSecureGpc, ProbeResult::Gpc { esr, mfar }) => {
                !lookup.allows(Pas::NonSecure)
                    && ec(*esr) == EC_GPC
                    && gpcsc(*esr) == (0b00_1100 | level)
                    && fsc(*esr) == FSC_GPF
                    && mfar & 0x000F_FFFF_FFFF_F000 == pa & !0xFFF
                    && mfar >> 62 == 0b10
            }
            (ProbeKind::NonSecureAbort, ProbeResult::El2Abort { esr, far }) => {
                !lookup.allows(Pas::NonSecure)
                    && ec(*esr) == EC_DATA_ABORT_SAME
                    && fsc(*esr) == FSC_GPF
                    && far == pa
            }
            (ProbeKind::El3, ProbeResult::Loaded(_)) => lookup.allows(Pas::Root),
            (ProbeKind::El3, ProbeResult::El3Abort { esr, .. }) if lookup == Lookup::AbovePps => {
                ec(*esr) == EC_GPC && gpcsc(*esr) == 0
            }
            (ProbeKind::El3, ProbeResult::El3Abort { esr, far }) => {
                !lookup.allows(Pas::Root)
                    && ec(*esr) == EC_DATA_ABORT_SAME
                    && fsc(*esr) == FSC_GPF
                    && far == pa
            }
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{name} ({pa:#x}, GPI {gpi:?}, lookup {lookup:?}) from {kind:?}: {got:x?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "unexpected outcomes:\n{}",
        failures.join("\n")
    );
}

fn qemu_gpt_run(job: &GptJob) -> memlayout_tests::qemu_gpt::GptOutcome {
    match memlayout_tests::qemu_gpt::run(job) {
        Ok(outcome) => outcome,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn gpt_jobs_the_harness_cannot_run_are_rejected() {
    // These fail before QEMU is needed.
    let job = |images: Vec<(u64, Vec<u8>)>| GptJob {
        gptbr: 0,
        gpccr: 0,
        images,
        probes: Vec::new(),
    };
    let run = |images| memlayout_tests::qemu_gpt::run(&job(images)).unwrap_err();

    let err = run(vec![(u64::MAX - 3, vec![0; 8])]);
    assert!(
        err.contains("image 0 at 0xfffffffffffffffc wraps around"),
        "{err}"
    );

    let err = run(vec![(0x4080_0000, Vec::new())]);
    assert!(err.contains("image 0 at 0x40800000 is empty"), "{err}");

    let err = run(vec![(0x1000, vec![0; 8])]);
    assert!(
        err.contains("outside guest RAM 0x40000000..0x140000000"),
        "{err}"
    );

    let err = run(vec![(qemu::RAM.end - 4, vec![0; 8])]);
    assert!(err.contains("outside guest RAM"), "{err}");

    let err = run(vec![(qemu::JOB_PA, vec![0; 8])]);
    assert!(
        err.contains("overlaps the harness reserved range 0x40000000..0x40200000"),
        "{err}"
    );

    let err = run(vec![
        (0x4080_0000, vec![0; 0x1000]),
        (0x4080_0ff8, vec![0; 8]),
    ]);
    assert!(err.contains("images 0 and 1 overlap"), "{err}");

    let mut too_many = job(vec![(0x4080_0000, vec![0; 8])]);
    too_many.probes = vec![(0x4080_0000, ProbeKind::El3); 0x10_0000 / 16];
    let err = memlayout_tests::qemu_gpt::run(&too_many).unwrap_err();
    assert!(err.contains("the job descriptor needs"), "{err}");
}
