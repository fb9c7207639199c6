//! Checks a granule protection table on QEMU with real loads.
//!
//! The address translation instructions do not perform granule protection checks, so
//! a table is checked by loading from physical addresses and catching the faults. A
//! [`GptJob`] names the `GPTBR_EL3` and `GPCCR_EL3` values, the images to place in
//! guest RAM (the table at least) and the loads to make. [`run`] boots the harness
//! `tests/qemu/gpt_harness.{S,c}` (with the shared `boot.S` and `harness_io.{c,h}`,
//! linked with `harness.ld`, so it occupies
//! [`HARNESS_RESERVED`](qemu::HARNESS_RESERVED) like the translation-table
//! harness) on `qemu-system-aarch64 -M virt,secure=on,virtualization=on
//! -cpu max,x-rme=on -m 4G`. At EL3 it writes `GPTBR_EL3`, `GPCCR_EL3` without GPC,
//! `TLBI PAALLOS`, `GPCCR_EL3` with GPC, `TLBI PAALLOS`, reads `GPCCR_EL3` back, and
//! then makes each load with every MMU off:
//!
//! * [`ProbeKind::El3`]: at EL3, in the Root physical address space;
//! * [`ProbeKind::NonSecureGpc`]: at Non-secure EL2 (ERET with `SCR_EL3.NS` = 1,
//!   `NSE` = 0), in the Non-secure PAS, with `SCR_EL3.GPF` = 1: a granule protection
//!   fault is a GPC exception taken to EL3 (`ESR_EL3.EC` = 0x1E, the faulting PA and
//!   its PAS in `MFAR_EL3`);
//! * [`ProbeKind::NonSecureAbort`]: the same with `SCR_EL3.GPF` = 0: the fault is a
//!   data abort taken to EL2 (`ESR_EL2.EC` = 0x25, DFSC 0b101000, "granule protection
//!   fault, not on a translation table walk").
//!
//! A GPF at EL3 itself is always a data abort at EL3 (`ESR_EL3.EC` = 0x25, DFSC
//! 0b101000). The harness memory (`0x4000_0000..0x4020_0000`) must be accessible to
//! both the Root and the Non-secure PAS (GPI "any access"), as EL3 and EL2 both run
//! from it.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::qemu;

const GPT_HARNESS_S: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/gpt_harness.S"));
const GPT_HARNESS_C: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/gpt_harness.c"));

/// First word of a job descriptor.
pub const GPT_JOB_MAGIC: u64 = 0x3154_5047_5145_4d4c;

/// `ESR_ELx.EC` of a GPC exception.
pub const EC_GPC: u64 = 0x1E;
/// `ESR_ELx.EC` of a data abort from a lower EL.
pub const EC_DATA_ABORT_LOWER: u64 = 0x24;
/// `ESR_ELx.EC` of a data abort from the same EL.
pub const EC_DATA_ABORT_SAME: u64 = 0x25;
/// Fault status code of a granule protection fault not on a translation table walk.
pub const FSC_GPF: u64 = 0b10_1000;

/// Where a load is made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProbeKind {
    /// At EL3 (Root PAS).
    El3,
    /// At Non-secure EL2 with `SCR_EL3.GPF` = 1.
    NonSecureGpc,
    /// At Non-secure EL2 with `SCR_EL3.GPF` = 0.
    NonSecureAbort,
}

/// What a load gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProbeResult {
    /// The load completed with this value.
    Loaded(u64),
    /// A synchronous exception at EL3 from its own load.
    El3Abort {
        /// `ESR_EL3`.
        esr: u64,
        /// `FAR_EL3`.
        far: u64,
    },
    /// A data abort taken to EL2.
    El2Abort {
        /// `ESR_EL2`.
        esr: u64,
        /// `FAR_EL2`.
        far: u64,
    },
    /// A GPC exception taken to EL3.
    Gpc {
        /// `ESR_EL3`.
        esr: u64,
        /// `MFAR_EL3`: the PA (bits 51:12 and the low bits) and its PAS (NS bit 63, NSE
        /// bit 62).
        mfar: u64,
    },
    /// Anything else: the harness status and its two words.
    Unexpected(u64, u64, u64),
}

/// Everything one QEMU run does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GptJob {
    /// `GPTBR_EL3`.
    pub gptbr: u64,
    /// `GPCCR_EL3`, with GPC set.
    pub gpccr: u64,
    /// Images (PA, bytes) to load with `-device loader`: in [`RAM`](qemu::RAM), outside
    /// [`HARNESS_RESERVED`](qemu::HARNESS_RESERVED).
    pub images: Vec<(u64, Vec<u8>)>,
    /// The loads, in order.
    pub probes: Vec<(u64, ProbeKind)>,
}

/// The result of a [`GptJob`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GptOutcome {
    /// `GPCCR_EL3` read back after checks were enabled.
    pub gpccr: u64,
    /// One result per probe, in order.
    pub results: Vec<ProbeResult>,
}

fn build_harness() -> Result<PathBuf, String> {
    qemu::build_elf(
        "gpt-harness",
        "QEMU GPT harness",
        &[
            ("gpt_harness.S", GPT_HARNESS_S),
            ("gpt_harness.c", GPT_HARNESS_C),
        ],
    )
}

fn harness() -> Result<PathBuf, String> {
    static HARNESS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    HARNESS.get_or_init(build_harness).clone()
}

fn encode(job: &GptJob) -> Vec<u8> {
    let mut words = vec![GPT_JOB_MAGIC, job.gptbr, job.gpccr, job.probes.len() as u64];
    for &(pa, kind) in &job.probes {
        let code = match kind {
            ProbeKind::El3 => 0,
            ProbeKind::NonSecureGpc => 1,
            ProbeKind::NonSecureAbort => 2,
        };
        words.extend([pa, code]);
    }
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn check(job: &GptJob) -> Result<(), String> {
    qemu::check_images("image", &job.images)?;
    qemu::check_job_size(encode(job).len())
}

fn parse(job: &GptJob, output: &str) -> Result<GptOutcome, String> {
    let mut gpccr = None;
    let mut results = vec![None; job.probes.len()];
    let mut done = false;
    for line in output.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("GPCCR") => {
                let [value] = qemu::hex_words(line, words)?;
                gpccr = Some(value);
            }
            Some("PROBE") => {
                let [i, status, a, b] = qemu::hex_words(line, words)?;
                let result = match status {
                    1 => ProbeResult::Loaded(a),
                    2 => ProbeResult::El3Abort { esr: a, far: b },
                    3 => ProbeResult::El2Abort { esr: a, far: b },
                    5 => ProbeResult::Gpc { esr: a, mfar: b },
                    _ => ProbeResult::Unexpected(status, a, b),
                };
                qemu::fill(&mut results, i, result, line)?;
            }
            Some("EXC") | Some("ERR") => {
                return Err(format!("the harness stopped: `{line}`"));
            }
            Some("DONE") => done = true,
            _ => {}
        }
    }
    if !done {
        return Err("the harness did not finish (no DONE line)".to_string());
    }
    Ok(GptOutcome {
        gpccr: gpccr.ok_or("no GPCCR line")?,
        results: results
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.ok_or_else(|| format!("no result for probe {i}")))
            .collect::<Result<_, _>>()?,
    })
}

/// Runs `job` in one QEMU boot.
///
/// Errors: images that are empty, outside [`RAM`](qemu::RAM), over [`HARNESS_RESERVED`](qemu::HARNESS_RESERVED) or over
/// each other, a job descriptor too large for its region, missing tools, a harness
/// build failure, an exception the harness does not expect, or a timeout (with the
/// QEMU command and output). The job files are deleted after the run unless
/// `MEMLAYOUT_QEMU_KEEP=1` is set.
pub fn run(job: &GptJob) -> Result<GptOutcome, String> {
    check(job)?;
    let elf = harness()?;
    qemu::boot(
        &elf,
        "max,x-rme=on",
        "gpt-job",
        &encode(job),
        &job.images,
        |output| parse(job, output),
    )
}
