//! Checks AArch64 translation tables on QEMU with the address translation (AT)
//! instructions.
//!
//! A [`Job`] names a translation regime, the table images to place in guest RAM,
//! the values of `MAIR_ELx`, `TCR_ELx`, `TTBR0_ELx` and the `SCTLR_ELx` bits to
//! set, and a list of virtual addresses to probe. [`run`] boots a small
//! freestanding harness (`tests/qemu/harness.{S,c,ld}` with the `boot.S` and
//! `harness_io.{c,h}` it shares with the GPT harness) once per job on
//! `qemu-system-aarch64 -M virt,secure=on,virtualization=on -cpu max`. The
//! harness stays at EL3, loads the registers of the chosen regime, runs
//! `AT S1E{3,2,1,0}{R,W}` for every probe and reports `PAR_EL1`. For the EL3
//! regime it can also store through virtual addresses with its own MMU on and
//! read the stores back physically. [`run_rme`] boots it on `-cpu max,x-rme=on`
//! (FEAT_RME) and can add a granule protection table ([`GptSetup`]) and a Realm
//! EL2 table whose pages a small probe copied to Realm memory accesses at Realm
//! EL2, the one place the harness leaves EL3 ([`RealmSetup`]).
//!
//! # Guest physical memory used by the harness
//!
//! QEMU `virt` has RAM from `0x4000_0000` (4 GiB with `-m 4G`). The harness
//! reserves the first 2 MiB of RAM, [`HARNESS_RESERVED`]
//! (`0x4000_0000..0x4020_0000`):
//!
//! | range | use |
//! |---|---|
//! | `0x4000_0000..0x400f_0000` | harness code, read-only data, data, bss (a few KiB from the start) |
//! | `0x400f_0000..0x4010_0000` | harness stack |
//! | `0x4010_0000..0x4020_0000` | job descriptor ([`JOB_PA`]), placed with `-device loader` |
//!
//! Layouts under test must keep their tables out of this range (reserve it,
//! for example as a "harness" region). For the [`Regime::El3`] regime the
//! harness runs through the tables under test, so those tables must
//! identity-map the whole 2 MiB (`VA == PA`) as readable, writable and
//! executable Normal write-back memory. Before it turns its MMU on, the harness
//! walks the EL3 tables as Secure EL2 tables (same format) with `AT S1E2R/W`
//! and stops with an error if the pages it uses are not identity-mapped Normal
//! memory (execute permission cannot be checked that way: a missing one ends
//! in a timeout). QEMU places its device tree at physical address 0 (flash),
//! outside RAM.
//!
//! # Job descriptor
//!
//! Little-endian 64-bit words at [`JOB_PA`]: [`JOB_MAGIC`], regime
//! (exception level `| secure << 8`), MAIR, TCR, TTBR0, SCTLR bits to set, the
//! number of probes followed by one `(va, access)` pair per probe (access 0 =
//! read, 1 = write, 2 = EL0 read, 3 = EL0 write, 4 = load `va` into `TTBR0_EL1`),
//! the number of writes followed
//! by one `(va, pa)` pair per write, `TTBR1_EL1`, and for [`run_rme`] `GPTBR_EL3`
//! and `GPCCR_EL3` of its [`GptSetup`] (0 for none) and the number of Realm probes
//! (0 for none; then `MAIR_EL2`, `TCR_EL2`, `TTBR0_EL2`, the `SCTLR_EL2` bits, the code
//! page's VA and PA and one `(va, pa)` pair per data page, see [`RealmSetup`]). Absent,
//! these words read as 0: QEMU starts with RAM zeroed.
//!
//! The harness answers on its semihosting console (QEMU's standard error) with
//! `GPCCR <value read back>` when it enabled granule protection checks, one line per
//! probe, `PAR <index> <PAR_EL1>`, one per write,
//! `WRITE <index> <written> <read at PA>`, for each Realm probe
//! `REALM <index> <status> <word> <word>` and `REALMPA <index> <written> <read at PA>`
//! (see `tests/qemu/harness.c`; numbers in hexadecimal), then `DONE`,
//! and exits QEMU through semihosting `SYS_EXIT`. On a problem it prints
//! `ERR <text>` or `EXC <vector> <ESR_EL3> <ELR_EL3> <FAR_EL3>` instead and exits
//! with a non-zero status.
//!
//! # Tools and environment
//!
//! Needs `qemu-system-aarch64` (Debian package `qemu-system-arm`) and
//! `aarch64-linux-gnu-gcc` (Debian package `gcc-aarch64-linux-gnu`). Environment
//! variables:
//!
//! * `MEMLAYOUT_REQUIRE_QEMU=1`: [`require_tools_or_skip`] fails instead of
//!   skipping when the tools are missing.
//!
//! When the tools are missing at build time (and `MEMLAYOUT_REQUIRE_QEMU` is not `1`),
//! the package's build script sets the cfg `memlayout_no_qemu`; every QEMU test carries
//! `#[cfg_attr(memlayout_no_qemu, ignore = "install qemu-system-arm gcc-aarch64-linux-gnu")]`
//! so the test summary counts it as ignored and says what to install.
//!
//! Other variables:
//!
//! * `MEMLAYOUT_QEMU`, `MEMLAYOUT_AARCH64_GCC`: other names or paths of the two
//!   programs.
//! * `MEMLAYOUT_QEMU_DIR`: where the harness is built and job files are written
//!   (default: `tmp/memlayout-qemu` in Cargo's target directory).
//! * `MEMLAYOUT_QEMU_KEEP=1`: keep the job files of every run.
//! * `MEMLAYOUT_QEMU_TIMEOUT_SECS`: replaces [`TIMEOUT`].

use std::collections::hash_map::DefaultHasher;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Guest RAM of the QEMU `virt` machine as started by [`run`] (`-m 4G`).
pub const RAM: Range<u64> = 0x4000_0000..0x1_4000_0000;

/// Guest physical range reserved for the harness: code, data, stack and the job
/// descriptor. Tables must not be loaded here; for [`Regime::El3`] the tables
/// must identity-map all of it.
pub const HARNESS_RESERVED: Range<u64> = 0x4000_0000..0x4020_0000;

/// Guest physical address of the job descriptor (inside [`HARNESS_RESERVED`]).
pub const JOB_PA: u64 = 0x4010_0000;

/// Largest job descriptor in bytes: from [`JOB_PA`] to the end of
/// [`HARNESS_RESERVED`].
pub const JOB_MAX_BYTES: u64 = HARNESS_RESERVED.end - JOB_PA;

/// First word of a job descriptor.
pub const JOB_MAGIC: u64 = 0x314a_5551_454d_4c4d;

/// How long one QEMU run may take before it is killed, unless the environment
/// variable `MEMLAYOUT_QEMU_TIMEOUT_SECS` says otherwise. A run normally takes
/// well under a second.
pub const TIMEOUT: Duration = Duration::from_secs(60);

fn timeout() -> Duration {
    std::env::var("MEMLAYOUT_QEMU_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map_or(TIMEOUT, Duration::from_secs)
}

/// `SCTLR_ELx.M`: stage 1 MMU enable.
pub const SCTLR_M: u64 = 1 << 0;
/// `SCTLR_ELx.C`: data cacheability.
pub const SCTLR_C: u64 = 1 << 2;
/// `SCTLR_ELx.I`: instruction cacheability.
pub const SCTLR_I: u64 = 1 << 12;
/// `SCTLR_ELx.WXN`: writable memory is execute-never.
pub const SCTLR_WXN: u64 = 1 << 19;
/// `SCTLR_ELx.EE`: big-endian data accesses and table walks.
pub const SCTLR_EE: u64 = 1 << 25;

const HARNESS_S: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/harness.S"));
const HARNESS_C: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/harness.c"));
const HARNESS_LD: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/harness.ld"));

/// The sources every harness is built with besides its own: the entry point and
/// semihosting glue (`boot.S`, which calls the harness's `harness_main` and installs
/// its `el3_vectors`), the console and job descriptor helpers (`harness_io.c` and
/// its header), and the probes' context save and restore (`context.inc`, included by
/// the harnesses' assembly).
pub(crate) const SHARED_SOURCES: [(&str, &str); 4] = [
    (
        "boot.S",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/boot.S")),
    ),
    (
        "harness_io.c",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/harness_io.c")),
    ),
    (
        "harness_io.h",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/harness_io.h")),
    ),
    (
        "context.inc",
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/qemu/context.inc")),
    ),
];

pub(crate) const GCC_FLAGS: &[&str] = &[
    "-O2",
    "-Wall",
    "-Wextra",
    "-ffreestanding",
    "-nostdlib",
    "-static",
    "-fno-pie",
    "-no-pie",
    "-mgeneral-regs-only",
    "-mstrict-align",
    "-fno-stack-protector",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
    "-mbranch-protection=none",
    "-Wl,--build-id=none",
    "-Wl,-n",
];

const INSTALL_HINT: &str =
    "install them with `apt-get install qemu-system-arm gcc-aarch64-linux-gnu`";

/// The translation regime whose `TTBR0`/`TCR`/`MAIR`/`SCTLR` registers a job
/// loads, and whose AT instructions the probes use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Regime {
    /// EL3 (always Secure): `*_EL3` registers, `AT S1E3R/W`. The harness itself
    /// then runs with these tables, see [`HARNESS_RESERVED`]. EL3 tables use
    /// the EL2 (non-VHE) format.
    El3,
    /// EL2 without VHE: `*_EL2` registers, `AT S1E2R/W`. `secure` selects
    /// Secure EL2 (`SCR_EL3.EEL2`, FEAT_SEL2) or Non-secure EL2.
    El2 {
        /// Secure EL2 rather than Non-secure EL2.
        secure: bool,
    },
    /// EL1&0 stage 1: `*_EL1` registers (`TTBR0_EL1` and `TTBR1_EL1` from the job),
    /// `AT S1E1R/W` and `AT S1E0R/W`. Stage 2 stays off.
    El1 {
        /// Secure EL1&0 rather than Non-secure EL1&0.
        secure: bool,
    },
}

impl Regime {
    fn code(self) -> u64 {
        match self {
            Regime::El3 => 3 | 1 << 8,
            Regime::El2 { secure } => 2 | u64::from(secure) << 8,
            Regime::El1 { secure } => 1 | u64::from(secure) << 8,
        }
    }
}

/// The kind of access a probe asks the AT instruction about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// Read at the regime's own level: `AT S1E3R`, `AT S1E2R` or `AT S1E1R`.
    Read,
    /// Write at the regime's own level: `AT S1E3W`, `AT S1E2W` or `AT S1E1W`.
    Write,
    /// Unprivileged read, `AT S1E0R` ([`Regime::El1`] only).
    El0Read,
    /// Unprivileged write, `AT S1E0W` ([`Regime::El1`] only).
    El0Write,
    /// Not a translation: load the probe's `va` into `TTBR0_EL1` ([`Regime::El1`]
    /// only), with no TLB invalidation, as a kernel switches to another process whose
    /// ASID is in that value. Its `PAR_EL1` in [`Outcome::par`] is 0.
    SwitchTtbr0,
}

impl Access {
    fn code(self) -> u64 {
        match self {
            Access::Read => 0,
            Access::Write => 1,
            Access::El0Read => 2,
            Access::El0Write => 3,
            Access::SwitchTtbr0 => 4,
        }
    }
}

/// One address translation to ask about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Probe {
    /// The virtual address to translate.
    pub va: u64,
    /// The access to check.
    pub access: Access,
}

impl Probe {
    /// A probe of `va` for `access`.
    pub const fn new(va: u64, access: Access) -> Probe {
        Probe { va, access }
    }
}

/// Everything one QEMU run does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Job {
    /// The regime under test.
    pub regime: Regime,
    /// Table images: guest physical address and bytes. Each is loaded with
    /// `-device loader,file=..,addr=..,force-raw=on`; they must lie in [`RAM`],
    /// outside [`HARNESS_RESERVED`], and must not overlap each other.
    pub tables: Vec<(u64, Vec<u8>)>,
    /// Value for `MAIR_ELx`.
    pub mair: u64,
    /// Value for `TCR_ELx`, used as given (RES1 bits included).
    pub tcr: u64,
    /// Value for `TTBR0_ELx`.
    pub ttbr0: u64,
    /// Value for `TTBR1_EL1` ([`Regime::El1`] only; 0 otherwise): the upper range's
    /// root, used unless `TCR_EL1.EPD1` is set.
    pub ttbr1: u64,
    /// Bits to set in `SCTLR_ELx` on top of its RES1 bits; include
    /// [`SCTLR_M`], or the AT instructions return flat addresses. For
    /// [`Regime::El3`] neither [`SCTLR_WXN`] nor [`SCTLR_EE`] is allowed, as the
    /// harness must keep running.
    pub sctlr_set: u64,
    /// The translations to ask about, reported in order in [`Outcome::par`].
    pub probes: Vec<Probe>,
    /// [`Regime::El3`] only: `(va, pa)` pairs, both 8-byte aligned. The harness
    /// stores a distinct 64-bit pattern through each `va` with its MMU on
    /// (after the probes), cleans the caches, turns the MMU off and reads each
    /// `pa`. A store through a VA without write permission stops the run with
    /// an error.
    pub writes: Vec<(u64, u64)>,
}

/// The result of a [`Job`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// `PAR_EL1` after each probe, in the order of [`Job::probes`]; decode it
    /// with [`par_fault`], [`par_pa`] and the other `par_*` functions.
    pub par: Vec<u64>,
    /// For each of [`Job::writes`]: the value stored through the VA and the
    /// value then read at the PA. They are equal when the VA maps to the PA.
    pub writes: Vec<(u64, u64)>,
    /// With a [`GptSetup`] ([`run_rme`]): `GPCCR_EL3` as read back after the harness
    /// enabled granule protection checks; `None` without one.
    pub gpccr: Option<u64>,
    /// With a [`RealmSetup`] ([`run_rme`]): one result per data page, in order; empty
    /// without one.
    pub realm: Vec<RealmResult>,
}

/// A granule protection table for a [`Regime::El3`] job on the RME core ([`run_rme`]).
///
/// The harness loads `GPTBR_EL3`, then `GPCCR_EL3` without `GPC`, runs `TLBI PAALLOS;
/// DSB SY; ISB`, loads `GPCCR_EL3` as given and invalidates again, all before it turns
/// its MMU on, so that its probes, its stores and its own fetches and walks are checked
/// against the table. Its memory ([`HARNESS_RESERVED`]) and the tables of the job must
/// therefore lie in Root (or "any access") granules. It turns the checks off again only
/// to read the writes back physically (at EL3 with the MMU off, in the Root PAS).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GptSetup {
    /// `GPTBR_EL3`; not 0.
    pub gptbr: u64,
    /// `GPCCR_EL3`, with `GPC` (bit 16) set.
    pub gpccr: u64,
    /// The table's image and its guest PA, loaded like [`Job::tables`].
    pub image: (u64, Vec<u8>),
}

/// `GPCCR_EL3.GPC`: granule protection checks enabled.
pub const GPCCR_GPC: u64 = 1 << 16;

/// A Realm EL2 table to run on the RME core ([`run_rme`]): the harness enters Realm EL2
/// through it and, for each data page, runs `AT S1E2R`, a store and a load there.
///
/// Realm EL2 fetches its code from Realm memory, so the harness copies a small
/// position-independent probe (one 4 KiB page of `tests/qemu/harness.S`) to
/// [`code_pa`](Self::code_pa) before it turns on its MMU and the granule protection
/// checks. After the EL3 job's probes and stores, it sets `SCR_EL3` to Realm state
/// (`NSE` = 1, `NS` = 1) with `RW` and `GPF` (a granule protection fault at EL2 is then
/// a GPC exception taken to EL3), loads [`mair`](Self::mair), [`tcr`](Self::tcr),
/// [`ttbr0`](Self::ttbr0) into the `*_EL2` registers, `VBAR_EL2` = code VA + 0x800,
/// runs `TLBI ALLE2`, sets `SCTLR_EL2` and enters the probe with `ERET` at
/// [`code_va`](Self::code_va) (EL2h), once per page; the probe comes back with
/// `SMC #0`. The results are in [`Outcome::realm`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RealmSetup {
    /// The Realm table's images (PA, bytes), loaded like [`Job::tables`].
    pub tables: Vec<(u64, Vec<u8>)>,
    /// `MAIR_EL2`.
    pub mair: u64,
    /// `TCR_EL2`.
    pub tcr: u64,
    /// `TTBR0_EL2`.
    pub ttbr0: u64,
    /// Bits to set in `SCTLR_EL2` on top of its RES1 bits (`M` at least).
    pub sctlr_set: u64,
    /// VA of the table's 4 KiB code page: readable and executable at EL2.
    pub code_va: u64,
    /// PA of that page (4 KiB aligned, in [`RAM`], outside [`HARNESS_RESERVED`]).
    pub code_pa: u64,
    /// `(va, pa)` of each data page to probe (both 8-byte aligned; the PA in [`RAM`],
    /// outside [`HARNESS_RESERVED`]), one probe each.
    pub pages: Vec<(u64, u64)>,
}

/// What a Realm EL2 probe of one data page gave ([`RealmSetup`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RealmResult {
    /// `AT S1E2R`, the store and the load completed.
    Done {
        /// `PAR_EL1` after `AT S1E2R` at Realm EL2.
        par: u64,
        /// The pattern stored through the VA.
        written: u64,
        /// The value loaded back through the VA.
        loaded: u64,
        /// The value then read at the PA by EL3 (MMU and granule protection checks
        /// off).
        at_pa: u64,
    },
    /// An exception taken to Realm EL2 (a translation or permission fault, ...).
    El2Exception {
        /// `ESR_EL2`.
        esr: u64,
        /// `FAR_EL2`.
        far: u64,
    },
    /// A GPC exception taken to EL3 (`ESR_EL3.EC` = 0x1E): a granule protection fault.
    Gpc {
        /// `ESR_EL3`.
        esr: u64,
        /// `MFAR_EL3`: the PA and its PAS (`NS` bit 63, `NSE` bit 62).
        mfar: u64,
    },
    /// Another exception taken to EL3 from Realm EL2.
    El3Exception {
        /// `ESR_EL3`.
        esr: u64,
        /// `ELR_EL3`.
        elr: u64,
    },
}

/// Whether `PAR_EL1` reports a failed translation (bit 0, `F`).
pub const fn par_fault(par: u64) -> bool {
    par & 1 != 0
}

/// The output address of a successful translation: `PAR_EL1` bits 51:12 (bits
/// 51:48 are zero without FEAT_LPA), page aligned.
pub const fn par_pa(par: u64) -> u64 {
    par & 0x000f_ffff_ffff_f000
}

/// The memory attributes of a successful translation in `MAIR` byte encoding
/// (`PAR_EL1` bits 63:56).
pub const fn par_attr(par: u64) -> u8 {
    (par >> 56) as u8
}

/// The shareability of a successful translation (`PAR_EL1` bits 8:7): 0 non-,
/// 2 outer, 3 inner shareable.
///
/// The architecture reports Device and Normal non-cacheable memory as outer
/// shareable (2); QEMU 7.2 reports the descriptor's `SH` field unchanged for
/// every memory type, so compare it only for Normal cacheable memory.
pub const fn par_sh(par: u64) -> u8 {
    ((par >> 7) & 3) as u8
}

/// The `NS` bit of a successful translation (`PAR_EL1` bit 9): the output is
/// in the Non-secure physical address space. Meaningful for Secure regimes
/// only (the EL3 regime, Secure EL2 and Secure EL1&0); UNKNOWN for Non-secure
/// ones.
pub const fn par_ns(par: u64) -> bool {
    par & (1 << 9) != 0
}

/// The `NSE` bit of a successful translation (`PAR_EL1` bit 11, with FEAT_RME, for
/// `AT` executed at EL3): with [`par_ns`], the output physical address space, {NSE,
/// NS} = {0, 0} Secure, {0, 1} Non-secure, {1, 0} Root, {1, 1} Realm (Arm ARM DDI
/// 0487, `PAR_EL1`).
pub const fn par_nse(par: u64) -> bool {
    par & (1 << 11) != 0
}

/// The fault status code of a failed translation (`PAR_EL1` bits 6:1, `FST`);
/// see [`fst_translation`], [`fst_access_flag`] and [`fst_permission`].
pub const fn par_fault_status(par: u64) -> u8 {
    ((par >> 1) & 0x3f) as u8
}

/// The fault status code of a translation fault at `level` (-1 to 3): 0b0001LL, and
/// 0b101011 at level -1 (FEAT_LPA2; Arm ARM DDI 0487, `PAR_EL1`, field FST).
pub const fn fst_translation(level: i8) -> u8 {
    if level < 0 {
        0b10_1011
    } else {
        0b00_0100 | (level as u8 & 3)
    }
}

/// The fault status code of an access flag fault at `level` (0 with FEAT_LPA2, 1 to 3).
pub const fn fst_access_flag(level: i8) -> u8 {
    0b00_1000 | (level as u8 & 3)
}

/// The fault status code of a permission fault at `level` (0 with FEAT_LPA2, 1 to 3).
pub const fn fst_permission(level: i8) -> u8 {
    0b00_1100 | (level as u8 & 3)
}

fn program(var: &str, default: &str) -> OsString {
    std::env::var_os(var).unwrap_or_else(|| default.into())
}

/// The QEMU program: `MEMLAYOUT_QEMU`, else `qemu-system-aarch64`.
pub fn qemu_program() -> OsString {
    program("MEMLAYOUT_QEMU", "qemu-system-aarch64")
}

pub(crate) fn gcc_program() -> OsString {
    program("MEMLAYOUT_AARCH64_GCC", "aarch64-linux-gnu-gcc")
}

fn check_program(program: &OsString, package: &str) -> Result<(), String> {
    match Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!(
            "`{} --version` failed ({status}); it comes with the Debian package {package}",
            program.to_string_lossy()
        )),
        Err(err) => Err(format!(
            "cannot run `{}` ({err}); it comes with the Debian package {package}",
            program.to_string_lossy()
        )),
    }
}

/// Checks that `qemu-system-aarch64` and `aarch64-linux-gnu-gcc` can be run.
///
/// The error names the missing programs and the Debian packages to install
/// (`qemu-system-arm`, `gcc-aarch64-linux-gnu`).
pub fn tools_available() -> Result<(), String> {
    static TOOLS: OnceLock<Result<(), String>> = OnceLock::new();
    TOOLS
        .get_or_init(|| {
            let problems: Vec<String> = [
                check_program(&qemu_program(), "qemu-system-arm"),
                check_program(&gcc_program(), "gcc-aarch64-linux-gnu"),
            ]
            .into_iter()
            .filter_map(Result::err)
            .collect();
            if problems.is_empty() {
                Ok(())
            } else {
                Err(format!("{}; {INSTALL_HINT}", problems.join("; ")))
            }
        })
        .clone()
}

/// Decides whether a QEMU test should run: `true` when the tools are there.
///
/// When they are missing it panics if `MEMLAYOUT_REQUIRE_QEMU=1` is set, and
/// otherwise prints that the test is skipped and which packages to install,
/// and returns `false`.
pub fn require_tools_or_skip() -> bool {
    match tools_available() {
        Ok(()) => true,
        Err(msg) => {
            if std::env::var_os("MEMLAYOUT_REQUIRE_QEMU").is_some_and(|v| v == "1") {
                panic!("MEMLAYOUT_REQUIRE_QEMU=1 but the QEMU tools are missing: {msg}");
            }
            eprintln!(
                "skipped: QEMU check needs qemu-system-aarch64 and aarch64-linux-gnu-gcc: {msg}"
            );
            false
        }
    }
}

/// The directory for the harness build and the job files: `MEMLAYOUT_QEMU_DIR`,
/// else `tmp/memlayout-qemu` in Cargo's target directory when the running
/// program is a Cargo test or example, else one under the system temp dir.
pub(crate) fn work_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MEMLAYOUT_QEMU_DIR") {
        return PathBuf::from(dir);
    }
    // Cargo puts test binaries in <target>/<profile>/deps and examples in
    // <target>/<profile>/examples; <target>/tmp is CARGO_TARGET_TMPDIR.
    let target = std::env::current_exe().ok().and_then(|exe| {
        let dir = exe.parent()?;
        let name = dir.file_name()?;
        if name == "deps" || name == "examples" {
            Some(dir.parent()?.parent()?.to_path_buf())
        } else {
            None
        }
    });
    match target {
        Some(target) => target.join("tmp").join("memlayout-qemu"),
        None => std::env::temp_dir().join("memlayout-qemu"),
    }
}

pub(crate) fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn build_harness() -> Result<PathBuf, String> {
    build_elf(
        "harness",
        "QEMU harness",
        &[("harness.S", HARNESS_S), ("harness.c", HARNESS_C)],
    )
}

/// Builds a bare-metal ELF named `stem` from the assembly and C `sources` (file name,
/// text) of one harness and the [`SHARED_SOURCES`], with the harness's linker script,
/// once per content: the ELF is cached in the work directory under a hash of the
/// sources, the flags and the compiler. Headers (`.h`) are written beside the sources
/// for them to include, not compiled. `what` names it in errors.
pub(crate) fn build_elf(
    stem: &str,
    what: &str,
    sources: &[(&str, &str)],
) -> Result<PathBuf, String> {
    tools_available()?;
    let dir = work_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let sources: Vec<(&str, &str)> = sources.iter().chain(&SHARED_SOURCES).copied().collect();
    let mut hasher = DefaultHasher::new();
    (&sources, HARNESS_LD, GCC_FLAGS).hash(&mut hasher);
    gcc_program().hash(&mut hasher);
    let elf = dir.join(format!("{stem}-{:016x}.elf", hasher.finish()));
    if elf.is_file() {
        return Ok(elf);
    }
    // Build in a private directory, then rename: concurrent test processes
    // may build the same ELF.
    let src = dir.join(unique_name(&format!("{stem}-build")));
    std::fs::create_dir_all(&src).map_err(|e| format!("cannot create {}: {e}", src.display()))?;
    write_file(&src.join("harness.ld"), HARNESS_LD.as_bytes())?;
    for (name, text) in &sources {
        write_file(&src.join(name), text.as_bytes())?;
    }
    let out = src.join(format!("{stem}.elf"));
    let output = Command::new(gcc_program())
        .args(GCC_FLAGS)
        .arg("-T")
        .arg(src.join("harness.ld"))
        .args(
            sources
                .iter()
                .filter(|(name, _)| !name.ends_with(".h") && !name.ends_with(".inc"))
                .map(|(name, _)| src.join(name)),
        )
        .arg("-o")
        .arg(&out)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", gcc_program().to_string_lossy()))?;
    if !output.status.success() {
        return Err(format!(
            "building the {what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    std::fs::rename(&out, &elf)
        .map_err(|e| format!("cannot move the {what} to {}: {e}", elf.display()))?;
    // Best effort: the sources were only needed for this build.
    let _ = std::fs::remove_dir_all(&src);
    Ok(elf)
}

/// The harness ELF, built once per process.
fn harness() -> Result<PathBuf, String> {
    static HARNESS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    HARNESS.get_or_init(build_harness).clone()
}

fn overlaps(a: &Range<u64>, b: &Range<u64>) -> bool {
    a.start < b.end && b.start < a.end
}

fn check_job(job: &Job) -> Result<(), String> {
    for (i, probe) in job.probes.iter().enumerate() {
        let el0 = matches!(
            probe.access,
            Access::El0Read | Access::El0Write | Access::SwitchTtbr0
        );
        if el0 && !matches!(job.regime, Regime::El1 { .. }) {
            return Err(format!(
                "probe {i}: {:?} needs the EL1&0 regime, not {:?}",
                probe.access, job.regime
            ));
        }
    }
    if !job.writes.is_empty() && job.regime != Regime::El3 {
        return Err(format!("writes need Regime::El3, not {:?}", job.regime));
    }
    if job.regime == Regime::El3 && job.sctlr_set & (SCTLR_WXN | SCTLR_EE) != 0 {
        return Err(format!(
            "sctlr_set {:#x}: WXN and EE would stop the harness, which runs through the EL3 tables",
            job.sctlr_set
        ));
    }
    for (i, &(va, pa)) in job.writes.iter().enumerate() {
        if va % 8 != 0 || pa % 8 != 0 {
            return Err(format!(
                "write {i}: va {va:#x} and pa {pa:#x} must be 8-byte aligned"
            ));
        }
        if !RAM.contains(&pa) || HARNESS_RESERVED.contains(&pa) {
            return Err(format!(
                "write {i}: pa {pa:#x} must be in guest RAM {RAM:#x?}, outside the harness \
                 reserved range {HARNESS_RESERVED:#x?}"
            ));
        }
    }
    check_images("table image", &job.tables)?;
    check_job_size(encode_job(job).len())
}

/// Checks the images a job loads into guest RAM with `-device loader`: each one
/// non-empty, inside [`RAM`], outside [`HARNESS_RESERVED`], and no two overlapping.
/// `what` names one image in the errors ("table image", "image"); the errors name the
/// image's range and the RAM or reserved range it leaves or enters.
pub(crate) fn check_images(what: &str, images: &[(u64, Vec<u8>)]) -> Result<(), String> {
    let mut ranges: Vec<(Range<u64>, usize)> = Vec::new();
    for (i, (pa, bytes)) in images.iter().enumerate() {
        let end = u64::try_from(bytes.len())
            .ok()
            .and_then(|len| pa.checked_add(len))
            .ok_or_else(|| format!("{what} {i} at {pa:#x} wraps around"))?;
        let range = *pa..end;
        if bytes.is_empty() {
            return Err(format!("{what} {i} at {pa:#x} is empty"));
        }
        if range.start < RAM.start || range.end > RAM.end {
            return Err(format!(
                "{what} {i} {range:#x?} is outside guest RAM {RAM:#x?}"
            ));
        }
        if overlaps(&range, &HARNESS_RESERVED) {
            return Err(format!(
                "{what} {i} {range:#x?} overlaps the harness reserved range {HARNESS_RESERVED:#x?}"
            ));
        }
        if let Some((_, j)) = ranges.iter().find(|(r, _)| overlaps(r, &range)) {
            return Err(format!("{what}s {j} and {i} overlap"));
        }
        ranges.push((range, i));
    }
    Ok(())
}

/// Checks that a job descriptor of `len` bytes fits between [`JOB_PA`] and the end of
/// [`HARNESS_RESERVED`].
pub(crate) fn check_job_size(len: usize) -> Result<(), String> {
    match u64::try_from(len) {
        Ok(len) if len <= JOB_MAX_BYTES => Ok(()),
        _ => Err(format!(
            "the job descriptor needs {len} bytes, more than the {JOB_MAX_BYTES} reserved"
        )),
    }
}

/// The job descriptor as the harness reads it (see the module documentation).
pub fn encode_job(job: &Job) -> Vec<u8> {
    encode_words(job)
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect()
}

/// [`encode_job`] followed by `GPTBR_EL3` and `GPCCR_EL3` of `gpt` (0 for none) and
/// the Realm EL2 probes of `realm`.
fn encode_rme_job(job: &Job, gpt: Option<&GptSetup>, realm: Option<&RealmSetup>) -> Vec<u8> {
    let mut words = encode_words(job);
    words.extend(gpt.map_or([0, 0], |g| [g.gptbr, g.gpccr]));
    if let Some(r) = realm {
        words.extend([
            r.pages.len() as u64,
            r.mair,
            r.tcr,
            r.ttbr0,
            r.sctlr_set,
            r.code_va,
            r.code_pa,
        ]);
        for &(va, pa) in &r.pages {
            words.extend([va, pa]);
        }
    }
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn encode_words(job: &Job) -> Vec<u64> {
    let mut words = vec![
        JOB_MAGIC,
        job.regime.code(),
        job.mair,
        job.tcr,
        job.ttbr0,
        job.sctlr_set,
        job.probes.len() as u64,
    ];
    for probe in &job.probes {
        words.extend([probe.va, probe.access.code()]);
    }
    words.push(job.writes.len() as u64);
    for &(va, pa) in &job.writes {
        words.extend([va, pa]);
    }
    words.push(job.ttbr1);
    words
}

/// `-device loader` argument; commas in the file name are doubled as QEMU's
/// option syntax requires.
fn loader_arg(file: &Path, pa: u64) -> OsString {
    let file = file.to_string_lossy().replace(',', ",,");
    format!("loader,file={file},addr={pa:#x},force-raw=on").into()
}

fn parse_hex(word: Option<&str>) -> Option<u64> {
    u64::from_str_radix(word?, 16).ok()
}

/// The first `N` hex words after a harness line's tag (`line` names it in the error).
pub(crate) fn hex_words<'a, const N: usize>(
    line: &str,
    mut words: impl Iterator<Item = &'a str>,
) -> Result<[u64; N], String> {
    let mut out = [0; N];
    for v in &mut out {
        *v = parse_hex(words.next()).ok_or_else(|| format!("malformed harness line `{line}`"))?;
    }
    Ok(out)
}

/// Stores a harness line's value in slot `i`, which must exist.
pub(crate) fn fill<T>(slots: &mut [Option<T>], i: u64, value: T, line: &str) -> Result<(), String> {
    let slot = usize::try_from(i).ok().and_then(|i| slots.get_mut(i));
    *slot.ok_or_else(|| format!("unexpected harness line `{line}`"))? = Some(value);
    Ok(())
}

fn parse_output(job: &Job, realm_pages: usize, output: &str) -> Result<Outcome, String> {
    let mut par = vec![None; job.probes.len()];
    let mut writes = vec![None; job.writes.len()];
    let mut realm = vec![None; realm_pages];
    let mut realm_pa = vec![None; realm_pages];
    let mut gpccr = None;
    let mut done = false;
    for line in output.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("GPCCR") => {
                let [value] = hex_words(line, words)?;
                gpccr = Some(value);
            }
            Some("PAR") => {
                let [i, value] = hex_words(line, words)?;
                fill(&mut par, i, value, line)?;
            }
            Some("REALM") => {
                let [i, status, a, b] = hex_words(line, words)?;
                fill(&mut realm, i, (status, a, b), line)?;
            }
            Some("REALMPA") => {
                let [i, written, read] = hex_words(line, words)?;
                fill(&mut realm_pa, i, (written, read), line)?;
            }
            Some("WRITE") => {
                let [i, written, read] = hex_words(line, words)?;
                fill(&mut writes, i, (written, read), line)?;
            }
            Some("EXC") => {
                let mut values = words.map(|w| u64::from_str_radix(w, 16).unwrap_or(u64::MAX));
                let (vector, esr, elr, far) = (
                    values.next().unwrap_or(u64::MAX),
                    values.next().unwrap_or(u64::MAX),
                    values.next().unwrap_or(u64::MAX),
                    values.next().unwrap_or(u64::MAX),
                );
                return Err(format!(
                    "the harness took an exception at EL3: vector offset {:#x}, ESR_EL3 {esr:#x} \
                     (EC {:#x}, ISS {:#x}{}), ELR_EL3 {elr:#x}, FAR_EL3 {far:#x}",
                    vector * 0x80,
                    esr >> 26 & 0x3f,
                    esr & 0x1ff_ffff,
                    describe_esr(esr)
                ));
            }
            Some("ERR") => return Err(format!("the harness reported `{line}`")),
            Some("DONE") => done = true,
            _ => {}
        }
    }
    if !done {
        return Err("the harness did not finish (no DONE line)".to_string());
    }
    let par = par
        .into_iter()
        .enumerate()
        .map(|(i, p)| p.ok_or_else(|| format!("no result for probe {i}")))
        .collect::<Result<_, _>>()?;
    let writes = writes
        .into_iter()
        .enumerate()
        .map(|(i, w)| w.ok_or_else(|| format!("no result for write {i}")))
        .collect::<Result<_, _>>()?;
    let realm = realm
        .into_iter()
        .zip(realm_pa)
        .enumerate()
        .map(|(i, (r, pa))| match (r, pa) {
            (Some((1, par, loaded)), Some((written, at_pa))) => Ok(RealmResult::Done {
                par,
                written,
                loaded,
                at_pa,
            }),
            (Some((2, esr, far)), Some(_)) => Ok(RealmResult::El2Exception { esr, far }),
            (Some((3, esr, mfar)), Some(_)) => Ok(RealmResult::Gpc { esr, mfar }),
            (Some((4, esr, elr)), Some(_)) => Ok(RealmResult::El3Exception { esr, elr }),
            (Some((status, ..)), Some(_)) => {
                Err(format!("unknown status {status:#x} of Realm probe {i}"))
            }
            _ => Err(format!("no result for Realm probe {i}")),
        })
        .collect::<Result<_, _>>()?;
    Ok(Outcome {
        par,
        writes,
        gpccr,
        realm,
    })
}

/// A few words on the syndromes a harness run may meet: the aborts (data or
/// instruction, with a granule protection fault called by name) and the GPC exception.
fn describe_esr(esr: u64) -> String {
    let ec = esr >> 26 & 0x3f;
    let fsc = esr & 0x3f;
    let class = match ec {
        0x20 | 0x21 => "instruction abort",
        0x24 | 0x25 => "data abort",
        0x1e => return ": GPC exception".to_string(),
        _ => return String::new(),
    };
    match fsc {
        0b10_1000 => format!(": {class}, granule protection fault (GPI does not accept the PAS)"),
        0b10_0011..=0b10_0111 => {
            format!(": {class}, granule protection fault on a translation table walk")
        }
        _ => format!(": {class}, FSC {fsc:#x}"),
    }
}

fn spawn_reader(stream: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut stream) = stream {
            let _ = stream.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// One boot of a harness `elf` on `qemu-system-aarch64 -M virt,secure=on,virtualization=on
/// -cpu <cpu> -m 4G` with semihosting: writes `descriptor` (placed at [`JOB_PA`]) and
/// every image (placed at its guest physical address) to a fresh job directory named
/// after `stem` in the work directory, starts QEMU with one `-device loader` for each,
/// kills it after the timeout ([`TIMEOUT`] or `MEMLAYOUT_QEMU_TIMEOUT_SECS`), and hands
/// its standard output and error to `parse`. The job directory is deleted afterwards
/// unless `MEMLAYOUT_QEMU_KEEP=1` is set.
///
/// Errors: the job directory or files cannot be written, QEMU cannot be started,
/// times out (and is killed) or exits with a failure status, or `parse` fails; the
/// errors of the run itself carry the QEMU command line and output, and say how to
/// keep the job files.
pub(crate) fn boot<T>(
    elf: &Path,
    cpu: &str,
    stem: &str,
    descriptor: &[u8],
    images: &[(u64, Vec<u8>)],
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, String> {
    let dir = elf
        .parent()
        .map_or_else(work_dir, Path::to_path_buf)
        .join(unique_name(stem));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let result = boot_in(elf, cpu, &dir, descriptor, images, parse);
    let keep = std::env::var_os("MEMLAYOUT_QEMU_KEEP").is_some_and(|v| v == "1");
    if keep {
        eprintln!("QEMU job files kept in {}", dir.display());
    } else {
        // Best effort: a leftover job directory does no harm.
        let _ = std::fs::remove_dir_all(&dir);
    }
    result.map_err(|msg| {
        if keep {
            msg
        } else {
            format!("{msg}\n(set MEMLAYOUT_QEMU_KEEP=1 to keep the job files)")
        }
    })
}

fn boot_in<T>(
    elf: &Path,
    cpu: &str,
    dir: &Path,
    descriptor: &[u8],
    images: &[(u64, Vec<u8>)],
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, String> {
    let job_file = dir.join("job.bin");
    write_file(&job_file, descriptor)?;
    let mut command = Command::new(qemu_program());
    command
        .args([
            "-M",
            "virt,secure=on,virtualization=on",
            "-cpu",
            cpu,
            "-m",
            "4G",
        ])
        .args(["-nographic", "-semihosting", "-kernel"])
        .arg(elf)
        .arg("-device")
        .arg(loader_arg(&job_file, JOB_PA));
    for (i, (pa, bytes)) in images.iter().enumerate() {
        let file = dir.join(format!("image-{i}.bin"));
        write_file(&file, bytes)?;
        command.arg("-device").arg(loader_arg(&file, *pa));
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let timeout = timeout();
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", qemu_program().to_string_lossy()))?;
    let stdout = spawn_reader(child.stdout.take());
    let stderr = spawn_reader(child.stderr.take());
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "QEMU did not finish within {} s and was killed",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("waiting for QEMU failed: {e}"));
            }
        }
    };
    let output = format!(
        "{}{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    );
    let with_output = |mut msg: String| {
        let _ = write!(
            msg,
            "\n--- QEMU command ---\n{command:?}\n--- QEMU output ---\n{output}"
        );
        msg
    };
    let status = status.map_err(with_output)?;
    let outcome = parse(&output).map_err(with_output)?;
    if !status.success() {
        return Err(with_output(format!("QEMU exited with {status}")));
    }
    Ok(outcome)
}

/// Runs `job` in one QEMU boot and returns `PAR_EL1` for every probe and the
/// result of every write.
///
/// Errors name the problem: a job the harness cannot run (EL0 probes outside
/// [`Regime::El1`], writes outside [`Regime::El3`], table images outside
/// [`RAM`] or inside [`HARNESS_RESERVED`], ...), missing tools, a harness
/// build failure, an error reported by the harness (such as EL3 tables that do
/// not map it), an exception taken by the harness (for example a write through
/// a read-only mapping, decoded from `ESR_EL3`), or a timeout. Run-time errors
/// include the QEMU command line and output. The job files are deleted after
/// the run unless `MEMLAYOUT_QEMU_KEEP=1` is set.
pub fn run(job: &Job) -> Result<Outcome, String> {
    check_job(job)?;
    let elf = harness()?;
    boot(
        &elf,
        "max",
        "job",
        &encode_job(job),
        &job.tables,
        |output| parse_output(job, 0, output),
    )
}

/// Like [`run`], on `-cpu max,x-rme=on`: a core with the Realm Management Extension
/// (FEAT_RME), whose EL3 is in Root state, and, with `gpt`, granule protection checks
/// on (see [`GptSetup`]; [`Outcome::gpccr`] then holds `GPCCR_EL3` read back). Without
/// `gpt` the check stays off (`GPCCR_EL3.GPC` resets to 0), so every physical address
/// space reaches all memory. The EL3 regime's `AT S1E3R/W` report the output space in
/// `PAR_EL1.NS` (bit 9) and `PAR_EL1.NSE` (bit 11, see [`par_nse`]). With `realm`, the
/// harness then runs a probe at Realm EL2 through that table ([`RealmSetup`],
/// [`Outcome::realm`]).
///
/// Errors: those of [`run`]; a `gpt` or `realm` with a job of another regime than
/// [`Regime::El3`], a `GPTBR_EL3` of 0, a `GPCCR_EL3` without `GPC`, a Realm code PA
/// that is not 4 KiB aligned or a data page outside [`RAM`] or in
/// [`HARNESS_RESERVED`], or images that overlap (numbered in the errors in this order:
/// [`Job::tables`], the [`GptSetup`] image, [`RealmSetup::tables`]). A granule protection fault at EL3
/// stops the run with an error that names it (`ESR_EL3`, `FAR_EL3`); one at Realm EL2
/// is a [`RealmResult::Gpc`].
pub fn run_rme(
    job: &Job,
    gpt: Option<&GptSetup>,
    realm: Option<&RealmSetup>,
) -> Result<Outcome, String> {
    check_job(job)?;
    if (gpt.is_some() || realm.is_some()) && job.regime != Regime::El3 {
        return Err(format!(
            "a granule protection table and Realm probes need Regime::El3, not {:?}",
            job.regime
        ));
    }
    let mut images = job.tables.clone();
    if let Some(gpt) = gpt {
        if gpt.gptbr == 0 || gpt.gpccr & GPCCR_GPC == 0 {
            return Err(format!(
                "GPTBR_EL3 {:#x} must not be 0 and GPCCR_EL3 {:#x} must set GPC",
                gpt.gptbr, gpt.gpccr
            ));
        }
        images.push(gpt.image.clone());
    }
    if let Some(realm) = realm {
        let outside = |pa: u64| !RAM.contains(&pa) || HARNESS_RESERVED.contains(&pa);
        if realm.code_pa % 0x1000 != 0 || outside(realm.code_pa) || outside(realm.code_pa + 0xfff) {
            return Err(format!(
                "the Realm code page PA {:#x} must be 4 KiB aligned, in guest RAM {RAM:#x?} \
                 and outside the harness reserved range {HARNESS_RESERVED:#x?}",
                realm.code_pa
            ));
        }
        for (i, &(va, pa)) in realm.pages.iter().enumerate() {
            if va % 8 != 0 || pa % 8 != 0 || outside(pa) {
                return Err(format!(
                    "Realm page {i}: va {va:#x} and pa {pa:#x} must be 8-byte aligned, and \
                     the pa in guest RAM {RAM:#x?}, outside {HARNESS_RESERVED:#x?}"
                ));
            }
        }
        images.extend(realm.tables.iter().cloned());
    }
    // Numbered in this order in the errors: the job's tables, the granule protection
    // table, the Realm tables.
    check_images("image", &images)?;
    let descriptor = encode_rme_job(job, gpt, realm);
    check_job_size(descriptor.len())?;
    let elf = harness()?;
    let realm_pages = realm.map_or(0, |r| r.pages.len());
    boot(
        &elf,
        "max,x-rme=on",
        "job",
        &descriptor,
        &images,
        |output| parse_output(job, realm_pages, output),
    )
}
