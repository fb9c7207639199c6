//! Checks stage 2 translation tables (a virtual machine's IPA -> PA tables) on QEMU's
//! MMU, with the AT instructions from EL2 and with real loads and stores from EL1.
//!
//! An [`S2Job`] names a virtual machine: `HCR_EL2` (`VM | RW`), `VTCR_EL2` and
//! `VTTBR_EL2` of its stage 2, the `MAIR_EL1`, `TCR_EL1`, `TTBR0_EL1` and `SCTLR_EL1`
//! bits of its guest stage 1 (whose tables' addresses are IPAs: their bytes lie at the
//! PAs stage 2 gives those IPAs), the images to place in guest RAM (both stages'
//! tables), a 4 KiB code page of the VM, and a list of probes. [`run`] boots the harness
//! `tests/qemu/s2_harness.{S,c}` (with the shared `boot.S`, `harness_io.{c,h}` and
//! `context.inc`, linked with `harness.ld`, so it occupies [`HARNESS_RESERVED`] like the
//! translation-table harness) once on `qemu-system-aarch64 -M
//! virt,secure=on,virtualization=on -cpu max -m 4G`.
//!
//! The harness stays at EL3 with its MMU off, sets `SCR_EL3` to Non-secure (`NS`, `RW`,
//! `HCE`), loads the registers, runs `TLBI ALLE1` and then, for each probe:
//!
//! * AT probes ([`S2Kind::AtS12E1R`], ...): `ERET` to Non-secure EL2 (MMU off), which
//!   runs the AT instruction and returns `PAR_EL1` with `SMC #0`;
//! * real accesses ([`S2Kind::Load`], [`S2Kind::Store`]): `ERET` to Non-secure EL1 at
//!   the code page's VA (the harness copied a 4 KiB position-independent probe to the
//!   code page's PA first), stage 1 and stage 2 on; the probe loads (or stores a pattern
//!   and loads back, or branches to the VA: [`S2Kind::Execute`]) and returns with `SMC
//!   #0`. A fault at stage 1 is taken to EL1 (`VBAR_EL1` = code VA + 0x800,
//!   [`S2Result::El1Exception`]), a stage 2 fault to EL2 ([`S2Result::Stage2Abort`],
//!   with `ESR_EL2`, `FAR_EL2` and `HPFAR_EL2`);
//! * [`S2Kind::SetTtbr0`] and [`S2Kind::SetVttbr`] switch the guest table or the VM
//!   between probes.
//!
//! QEMU 10.0 aborts (an assertion in its `do_ats_write`) when `AT S12E1x`/`S12E0x`
//! meets a stage 2 fault on the output address (executed at EL2 as at EL3), and when
//! stage 1 is off: probe with AT only IPAs that stage 2 maps for the access, through a
//! guest stage 1 that is on, and prove stage 2 faults with real accesses. (A stage 2
//! fault on a guest table walk does not abort it: `PAR_EL1` reports it, S and PTW set.)
//!
//! The harness answers on its semihosting console with one `RES <i> <status> <w0> <w1>
//! <w2>` line per probe and `DONE` (see `tests/qemu/s2_harness.c`).

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::qemu::{self, HARNESS_RESERVED, RAM};

const S2_HARNESS_S: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/s2_harness.S"));
const S2_HARNESS_C: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/s2_harness.c"));

/// First word of a job descriptor.
pub const S2_JOB_MAGIC: u64 = 0x3132_5351_4554_4c4d;

/// `HCR_EL2.VM`: stage 2 on for the Non-secure EL1&0 regime.
pub const HCR_VM: u64 = 1 << 0;
/// `HCR_EL2.RW`: EL1 is AArch64.
pub const HCR_RW: u64 = 1 << 31;

/// `ESR_ELx.EC` of an instruction abort from a lower EL.
pub const EC_INSTRUCTION_ABORT_LOWER: u64 = 0x20;
/// `ESR_ELx.EC` of a data abort from a lower EL.
pub const EC_DATA_ABORT_LOWER: u64 = 0x24;

/// What a probe does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum S2Kind {
    /// `AT S12E1R` at EL2.
    AtS12E1R,
    /// `AT S12E1W` at EL2.
    AtS12E1W,
    /// `AT S12E0R` at EL2.
    AtS12E0R,
    /// `AT S12E0W` at EL2.
    AtS12E0W,
    /// `AT S1E1R` at EL2: the guest stage 1 alone (`PAR_EL1.PA` is the IPA).
    AtS1E1R,
    /// A 64-bit load at EL1 from the VA. With a `pa` (not 0), the harness first writes
    /// a marker there physically; [`S2Result::Loaded`] gives both.
    Load,
    /// A 64-bit store of a pattern at EL1 through the VA and a load back; with a `pa`
    /// (not 0) the harness then reads the PA physically ([`S2Result::Stored`]).
    Store,
    /// Load the address into `TTBR0_EL1` (another guest stage 1 table), then `TLBI
    /// ALLE1`.
    SetTtbr0,
    /// Load the address into `VTTBR_EL2` (another VM), without TLB maintenance: a VM
    /// switch that relies on VMIDs.
    SetVttbr,
    /// An instruction fetch at EL1 from the VA (a branch to it). With a `pa` (not 0),
    /// the harness first writes `UDF #0` there, so a fetch that both stages allow ends
    /// in an undefined instruction exception taken to EL1 ([`S2Result::El1Exception`]
    /// with `ESR_EL1.EC` = 0 and `ELR_EL1` = the VA); one that stage 2 forbids is an
    /// instruction abort taken to EL2 ([`S2Result::Stage2Abort`], `ESR_EL2.EC` 0x20).
    Execute,
}

impl S2Kind {
    fn code(self) -> u64 {
        match self {
            S2Kind::AtS12E1R => 0,
            S2Kind::AtS12E1W => 1,
            S2Kind::AtS12E0R => 2,
            S2Kind::AtS12E0W => 3,
            S2Kind::AtS1E1R => 4,
            S2Kind::Load => 5,
            S2Kind::Store => 6,
            S2Kind::SetTtbr0 => 7,
            S2Kind::SetVttbr => 8,
            S2Kind::Execute => 9,
        }
    }

    fn is_access(self) -> bool {
        matches!(self, S2Kind::Load | S2Kind::Store | S2Kind::Execute)
    }
}

/// One probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct S2Probe {
    /// The VA (AT, loads and stores) or the register value ([`S2Kind::SetTtbr0`],
    /// [`S2Kind::SetVttbr`]).
    pub addr: u64,
    /// What to do.
    pub kind: S2Kind,
    /// For loads, stores and fetches: the PA the access should reach (8-byte aligned, in
    /// [`RAM`], outside [`HARNESS_RESERVED`] and the job's images), or 0.
    pub pa: u64,
}

impl S2Probe {
    /// A probe without a PA.
    pub const fn new(addr: u64, kind: S2Kind) -> S2Probe {
        S2Probe { addr, kind, pa: 0 }
    }

    /// A load, store or fetch that should reach `pa`.
    pub const fn access(addr: u64, kind: S2Kind, pa: u64) -> S2Probe {
        S2Probe { addr, kind, pa }
    }
}

/// Everything one QEMU run does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct S2Job {
    /// `HCR_EL2`: must set `VM` and `RW`.
    pub hcr: u64,
    /// `VTCR_EL2`.
    pub vtcr: u64,
    /// `VTTBR_EL2`.
    pub vttbr: u64,
    /// `MAIR_EL1` of the guest stage 1.
    pub mair: u64,
    /// `TCR_EL1` of the guest stage 1.
    pub tcr: u64,
    /// `TTBR0_EL1`: the IPA of the guest stage 1 root.
    pub ttbr0: u64,
    /// Bits to set in `SCTLR_EL1` on top of its RES1 bits (`M` at least).
    pub sctlr_set: u64,
    /// The VM's 4 KiB code page `(va, pa)`: readable and executable at EL1 through both
    /// stages; needed by loads and stores. The harness overwrites its PA with the EL1
    /// probe.
    pub code: Option<(u64, u64)>,
    /// Images (PA, bytes) loaded with `-device loader`: in [`RAM`], outside
    /// [`HARNESS_RESERVED`], not overlapping.
    pub images: Vec<(u64, Vec<u8>)>,
    /// The probes, in order.
    pub probes: Vec<S2Probe>,
}

/// What a probe gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum S2Result {
    /// An AT probe: `PAR_EL1`.
    Par(u64),
    /// A load completed: the value loaded, and the marker the harness wrote at the PA
    /// (0 without a PA).
    Loaded {
        /// The value loaded at EL1.
        value: u64,
        /// The marker written at the probe's PA.
        marker: u64,
    },
    /// A store completed.
    Stored {
        /// The value loaded back at EL1.
        loaded: u64,
        /// The pattern stored.
        written: u64,
        /// The value then read at the probe's PA (0 without a PA).
        at_pa: u64,
    },
    /// [`S2Kind::SetTtbr0`] or [`S2Kind::SetVttbr`] done.
    Set,
    /// An exception taken to EL1 (a stage 1 fault).
    El1Exception {
        /// `ESR_EL1`.
        esr: u64,
        /// `FAR_EL1`.
        far: u64,
        /// `ELR_EL1`.
        elr: u64,
    },
    /// An exception from EL1 taken to EL2: a stage 2 abort.
    Stage2Abort {
        /// `ESR_EL2`.
        esr: u64,
        /// `FAR_EL2` (the VA).
        far: u64,
        /// `HPFAR_EL2`: `FIPA` (IPA\[51:12\]) in bits 43:4.
        hpfar: u64,
    },
    /// An exception of EL2's own code (an AT instruction that trapped, ...).
    El2Exception {
        /// `ESR_EL2`.
        esr: u64,
        /// `ELR_EL2`.
        elr: u64,
        /// `FAR_EL2`.
        far: u64,
    },
    /// An exception taken to EL3 from a lower EL, other than the probe's `SMC`.
    El3Exception {
        /// `ESR_EL3`.
        esr: u64,
        /// `ELR_EL3`.
        elr: u64,
        /// `FAR_EL3`.
        far: u64,
    },
}

/// `ESR_ELx.EC`, bits 31:26.
pub const fn esr_ec(esr: u64) -> u64 {
    esr >> 26 & 0x3f
}

/// `ESR_ELx.ISS.DFSC`/`IFSC`, bits 5:0: the fault status code.
pub const fn esr_fsc(esr: u64) -> u8 {
    (esr & 0x3f) as u8
}

/// `ESR_ELx.ISS.WnR`, bit 6: a data abort on a write.
pub const fn esr_wnr(esr: u64) -> bool {
    esr >> 6 & 1 == 1
}

/// `ESR_ELx.ISS.S1PTW`, bit 7: a stage 2 fault on a stage 1 table walk.
pub const fn esr_s1ptw(esr: u64) -> bool {
    esr >> 7 & 1 == 1
}

/// The IPA page (bits 51:12) that `HPFAR_EL2.FIPA` (bits 43:4) holds.
pub const fn hpfar_ipa(hpfar: u64) -> u64 {
    (hpfar >> 4 & ((1 << 40) - 1)) << 12
}

/// `PAR_EL1.S`, bit 9 of a failed translation: the fault was at stage 2.
pub const fn par_stage2(par: u64) -> bool {
    par & 1 == 1 && par >> 9 & 1 == 1
}

fn build_harness() -> Result<PathBuf, String> {
    qemu::build_elf(
        "s2-harness",
        "QEMU stage 2 harness",
        &[
            ("s2_harness.S", S2_HARNESS_S),
            ("s2_harness.c", S2_HARNESS_C),
        ],
    )
}

fn harness() -> Result<PathBuf, String> {
    static HARNESS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    HARNESS.get_or_init(build_harness).clone()
}

/// The job descriptor as the harness reads it (see `tests/qemu/s2_harness.c`).
pub fn encode(job: &S2Job) -> Vec<u8> {
    let (code_va, code_pa) = job.code.unwrap_or((0, 0));
    let mut words = vec![
        S2_JOB_MAGIC,
        job.hcr,
        job.vtcr,
        job.vttbr,
        job.mair,
        job.tcr,
        job.ttbr0,
        job.sctlr_set,
        code_va,
        code_pa,
        job.probes.len() as u64,
    ];
    for p in &job.probes {
        words.extend([p.addr, p.kind.code(), p.pa]);
    }
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn check(job: &S2Job) -> Result<(), String> {
    if job.hcr & (HCR_VM | HCR_RW) != HCR_VM | HCR_RW {
        return Err(format!("HCR_EL2 {:#x} must set VM and RW", job.hcr));
    }
    qemu::check_images("image", &job.images)?;
    let outside = |pa: u64, len: u64| {
        !RAM.contains(&pa)
            || !RAM.contains(&(pa + len - 1))
            || (pa < HARNESS_RESERVED.end && HARNESS_RESERVED.start < pa + len)
    };
    let in_images = |pa: u64, len: u64| {
        job.images
            .iter()
            .any(|(at, bytes)| pa < at + bytes.len() as u64 && *at < pa + len)
    };
    if let Some((va, pa)) = job.code
        && (va % 0x1000 != 0 || pa % 0x1000 != 0 || outside(pa, 0x1000) || in_images(pa, 0x1000))
    {
        return Err(format!(
            "the code page (va {va:#x}, pa {pa:#x}) must be 4 KiB aligned, in RAM {RAM:#x?}, \
             outside {HARNESS_RESERVED:#x?} and the images"
        ));
    }
    for (i, p) in job.probes.iter().enumerate() {
        if !p.kind.is_access() {
            continue;
        }
        if job.code.is_none() {
            return Err(format!("probe {i}: loads and stores need a code page"));
        }
        let code_hit = job
            .code
            .is_some_and(|(_, c)| p.pa >= c && p.pa < c + 0x1000);
        if p.pa != 0 && (p.pa % 8 != 0 || outside(p.pa, 8) || in_images(p.pa, 8) || code_hit) {
            return Err(format!(
                "probe {i}: pa {:#x} must be 8-byte aligned, in RAM, outside the harness, \
                 the images and the code page",
                p.pa
            ));
        }
    }
    qemu::check_job_size(encode(job).len())
}

fn parse(job: &S2Job, output: &str) -> Result<Vec<S2Result>, String> {
    let mut results = vec![None; job.probes.len()];
    let mut done = false;
    for line in output.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("RES") => {
                let [i, status, a, b, c] = qemu::hex_words(line, words)?;
                let kind = usize::try_from(i)
                    .ok()
                    .and_then(|i| job.probes.get(i))
                    .map(|p| p.kind)
                    .ok_or_else(|| format!("unexpected harness line `{line}`"))?;
                let result = match (status, kind) {
                    (1, S2Kind::Load) => S2Result::Loaded {
                        value: a,
                        marker: b,
                    },
                    (1, S2Kind::Store) => S2Result::Stored {
                        loaded: a,
                        written: b,
                        at_pa: c,
                    },
                    (1, S2Kind::SetTtbr0 | S2Kind::SetVttbr) => S2Result::Set,
                    (1, _) => S2Result::Par(a),
                    (2, _) => S2Result::El1Exception {
                        esr: a,
                        far: b,
                        elr: c,
                    },
                    (3, _) => S2Result::Stage2Abort {
                        esr: a,
                        far: b,
                        hpfar: c,
                    },
                    (4, _) => S2Result::El3Exception {
                        esr: a,
                        elr: b,
                        far: c,
                    },
                    (5, _) => S2Result::El2Exception {
                        esr: a,
                        elr: b,
                        far: c,
                    },
                    _ => return Err(format!("unknown status in `{line}`")),
                };
                qemu::fill(&mut results, i, result, line)?;
            }
            Some("EXC") | Some("ERR") => return Err(format!("the harness stopped: `{line}`")),
            Some("DONE") => done = true,
            _ => {}
        }
    }
    if !done {
        return Err("the harness did not finish (no DONE line)".to_string());
    }
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.ok_or_else(|| format!("no result for probe {i}")))
        .collect()
}

/// Runs `job` in one QEMU boot and returns one result per probe, in order.
///
/// Errors: a job the harness cannot run (`HCR_EL2` without `VM | RW`, images that are
/// empty, outside [`RAM`], over [`HARNESS_RESERVED`] or over each other, a code page or
/// a probe PA that is misaligned, outside RAM or over an image, loads or stores without
/// a code page, a descriptor too large), missing tools, a harness build failure, an
/// exception the harness does not expect, QEMU aborting (as QEMU 10.0 does on an AT
/// probe that faults at stage 2) or a timeout, with the QEMU command and output. The job
/// files are deleted after the run unless `MEMLAYOUT_QEMU_KEEP=1` is set.
pub fn run(job: &S2Job) -> Result<Vec<S2Result>, String> {
    check(job)?;
    let elf = harness()?;
    qemu::boot(&elf, "max", "s2-job", &encode(job), &job.images, |output| {
        parse(job, output)
    })
}
