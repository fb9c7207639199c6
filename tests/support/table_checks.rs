//! What the QEMU translation-table tests expect of a page or an unmapped address, and
//! how they judge the answer of QEMU's MMU (`PAR_EL1` after an AT instruction) against
//! it, shared by `tests/qemu_tables.rs` (4 KiB tables of whole layouts) and
//! `tests/qemu_granules.rs` (16 KiB, 64 KiB and 52-bit tables).
//!
//! A [`Check`] pairs a [`Probe`] with what it must give ([`Expect`]);
//! [`page_checks`] makes the checks of one page and [`range_holes`] picks unmapped
//! addresses of a VA range. [`evaluate`] compares QEMU's `PAR_EL1` with the expectation
//! and with what a software walker found for the same VA ([`Walked`]), so the walker's
//! fault level is the one QEMU must report.

use memlayout::aarch64::{Translation, WalkFault};
use memlayout::{
    Cacheability, DeviceType, ExecutionContext, Page, PageKind, PageSize, SecurityState,
    Shareability,
};

use crate::qemu::{
    Access, Job, Outcome, Probe, Regime, fst_permission, fst_translation, par_attr, par_fault,
    par_fault_status, par_ns, par_pa, par_sh,
};

/// The fixed `MAIR` every table is built with: Device-nGnRnE, Device-nGnRE, Normal
/// non-cacheable, write-through and write-back at indices 0 to 4, Device-nGRE and
/// Device-GRE at 5 and 6.
pub const MAIR: u64 = 0x000C_08FF_BB44_0400;

/// What a probe must give.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// A translation to `pa` with these attributes; `sh` and `ns` are checked when
    /// given.
    Maps {
        /// The output address (with the VA's offset in the page).
        pa: u64,
        /// The `MAIR` attribute byte.
        attr: u8,
        /// `PAR_EL1.SH`, when checked.
        sh: Option<u8>,
        /// `PAR_EL1.NS`, when checked.
        ns: Option<bool>,
    },
    /// A permission fault at the level of the leaf descriptor; the walker must still
    /// translate it to `pa`.
    Permission {
        /// The output address the walker must find.
        pa: u64,
    },
    /// A translation fault.
    Unmapped,
}

/// One probe and what it must give, with a description for failure messages.
#[derive(Clone, Debug)]
pub struct Check {
    /// Names the table, the page or hole and the probe, for failure messages.
    pub what: String,
    /// The AT probe.
    pub probe: Probe,
    /// What it must give.
    pub expect: Expect,
}

/// What a software walker found for a VA, as [`evaluate`] compares it with QEMU.
#[derive(Clone, Debug)]
pub enum Walked {
    /// A leaf descriptor at `level` maps the VA to `pa` with attribute byte `attr`.
    Leaf {
        /// The output address.
        pa: u64,
        /// The `MAIR` attribute byte the descriptor selects.
        attr: u8,
        /// The level of the leaf (3 for a page).
        level: i8,
    },
    /// A translation fault at `level` (-1 to 3): an invalid descriptor there, or (level
    /// 0) a VA outside the ranges the registers enable.
    Translation {
        /// The level the walk stopped at.
        level: i8,
    },
    /// The walker failed otherwise (a malformed image, ...): always a failure.
    Other(String),
}

/// The `MAIR` attribute byte a page must get.
pub fn expected_attr(page: &Page) -> u8 {
    match page.kind() {
        PageKind::Device => match page.device_type() {
            Some(DeviceType::nGnRnE) => 0x00,
            Some(DeviceType::nGnRE) => 0x04,
            Some(DeviceType::nGRE) => 0x08,
            Some(DeviceType::GRE) => 0x0C,
            None => panic!("a device page without a Device type"),
        },
        PageKind::System => 0xFF,
        PageKind::Code | PageKind::Data => match page.cacheability() {
            Some(Cacheability::NonCacheable) => 0x44,
            Some(Cacheability::WriteThrough) => 0xBB,
            Some(Cacheability::WriteBack) | None => 0xFF,
            Some(other) => panic!("this test knows no MAIR byte for {other}"),
        },
        other => panic!("this test knows no MAIR byte for {other} pages"),
    }
}

/// The SH field a page's descriptor must hold: Outer for Device memory, else the
/// page's shareability.
pub fn expected_sh(page: &Page) -> u8 {
    if page.kind() == PageKind::Device {
        return 2;
    }
    match page.shareability() {
        Some(Shareability::NonShareable) => 0,
        Some(Shareability::Outer) | None => 2,
        Some(Shareability::Inner) => 3,
    }
}

/// Whether a context belongs to the Secure state.
pub fn is_secure(el: ExecutionContext) -> bool {
    el.security() == SecurityState::Secure
}

/// A page in words, for failure messages.
pub fn describe(table: &str, el: ExecutionContext, page: &Page) -> String {
    format!(
        "table `{table}` ({el}): page `{}`[{}] va {:#x} pa {:#x} {} {} {} {} {}{}",
        page.name(),
        page.index(),
        page.va(),
        page.pa(),
        page.page_size(),
        page.kind(),
        page.perms(),
        page.cacheability()
            .map_or_else(|| page.device_type().map_or("", |d| d.name()), |c| c.name()),
        page.shareability().map_or("", |s| s.name()),
        if page.mem_attrs().is_non_secure() {
            " non-secure"
        } else {
            ""
        }
    )
}

/// The offsets probed in a page: first byte, middle (pages larger than 4 KiB), last 8
/// bytes.
pub fn offsets(page: &Page) -> Vec<u64> {
    let size = page.size();
    let mut v = vec![0];
    if page.page_size() != PageSize::Size4K {
        v.push(size / 2 + 0x1238);
    }
    v.push(size - 8);
    v
}

/// The probes of one page at each of [`offsets`]: a read translates to the page's PA
/// with its attribute byte (and SH for cacheable Normal memory, NS in Secure regimes and
/// for Non-secure pages); a write likewise on writable pages, a permission fault on
/// read-only ones; in EL1&0 tables, EL0 reads and writes as the page's context and
/// permissions allow.
pub fn page_checks(table: &str, el: ExecutionContext, page: &Page, out: &mut Vec<Check>) {
    let attr = expected_attr(page);
    // QEMU reports SH unchanged only for cacheable Normal memory.
    let sh = matches!(attr, 0xBB | 0xFF).then(|| expected_sh(page));
    // PAR_EL1.NS: the descriptor's NS in a secure regime; a non-secure regime's output is
    // always non-secure (checked for its non-secure pages).
    let ns = (is_secure(el) || page.mem_attrs().is_non_secure())
        .then(|| page.mem_attrs().is_non_secure());
    let writable = page.perms().write();
    let el10 = el.is_el10_regime();
    let user = el.is_user();
    // An execute-only page: EL0 may not read it (AP[2:1] = 0b10), EL1 may.
    let el0_reads = user && page.perms().read();
    for off in offsets(page) {
        let va = page.va() + off;
        let pa = page.pa() + off;
        let maps = Expect::Maps { pa, attr, sh, ns };
        let denied = Expect::Permission { pa };
        let mut push = |access: Access, expect: Expect| {
            out.push(Check {
                what: format!(
                    "{}, probe {access:?} at va {va:#x}",
                    describe(table, el, page)
                ),
                probe: Probe::new(va, access),
                expect,
            });
        };
        push(Access::Read, maps);
        push(Access::Write, if writable { maps } else { denied });
        if el10 {
            push(Access::El0Read, if el0_reads { maps } else { denied });
            push(
                Access::El0Write,
                if user && writable { maps } else { denied },
            );
        }
    }
}

/// Unmapped addresses in one range `start .. start + len` (`len` up to 2^52): below the
/// first page, in every hole between pages, past the last page and at the range's end.
/// `pages` must be in VA order.
pub fn range_holes(start: u64, len: u64, pages: &[&Page], vas: &mut Vec<u64>) {
    // Offsets from `start`, so the range may end at 2^64.
    let mut next_free = 0u64;
    for page in pages {
        let off = page.va() - start;
        if off > next_free {
            let (a, b) = (next_free, off);
            vas.extend([start + a, start + b - 8]);
            if b - a > 0x1000 {
                vas.push(start + a + (((b - a) / 2) & !7));
            }
        }
        next_free = next_free.max(off + page.size());
    }
    if next_free < len {
        vas.extend([
            start + next_free,
            start + ((next_free + (len - next_free) / 2) & !7),
            start + (len - 8),
        ]);
    }
}

/// Unmapped addresses: below the first page, in every hole between pages, past the
/// last page and past the VA size, in the lower range and (EL1&0 tables) the upper
/// range; every lower VA of a table without a lower range (EPD0), and upper VAs of a
/// table without an upper range (EPD1, or an EL3/EL2 regime). `pages` must be in VA
/// order.
pub fn hole_checks(
    table: &str,
    el: ExecutionContext,
    tr: &Translation,
    pages: &[Page],
) -> Vec<Check> {
    let (upper, lower): (Vec<&Page>, Vec<&Page>) = pages.iter().partition(|p| p.va() >> 63 == 1);
    let mut vas = Vec::new();
    if tr.has_lower() {
        let limit = 1u64 << tr.va_bits();
        range_holes(0, limit, &lower, &mut vas);
        vas.push(limit);
    } else {
        vas.extend([0, 0x1000, 0x4000_0000, 0x8000_0000, 0x1_0000_0000, 1 << 47]);
        vas.push((1 << 48) - 8);
        // The upper pages' VAs with the all-ones bits cleared.
        vas.extend(upper.iter().map(|p| p.va() & ((1 << 48) - 1)));
    }
    match tr.upper_va_bits() {
        Some(bits) => {
            let start = 0u64.wrapping_sub(1 << bits);
            range_holes(start, 1 << bits, &upper, &mut vas);
            vas.push(start - 8);
        }
        None => vas.extend([0xFFFF_8000_0000_0000, !7]),
    }
    vas.push(0x8000_0000_0000_0000);
    vas.sort_unstable();
    vas.dedup();
    vas.into_iter()
        .map(|va| Check {
            what: format!("table `{table}` ({el}): unmapped va {va:#x}"),
            probe: Probe::new(va, Access::Read),
            expect: Expect::Unmapped,
        })
        .collect()
}

/// What the crate's software walker finds for `va`, for [`evaluate`]. Hardware reports
/// an address outside the TTBR0 and TTBR1 ranges, or in a range whose walks are
/// disabled (EPD0/EPD1), as a level 0 translation fault.
pub fn crate_walk(tr: &Translation, va: u64) -> Walked {
    match tr.walk(va) {
        Ok(w) => Walked::Leaf {
            pa: w.pa,
            attr: w.attr,
            level: w.level,
        },
        Err(WalkFault::Translation { level, .. }) => Walked::Translation { level },
        Err(
            WalkFault::OutOfRange { .. }
            | WalkFault::UpperOutOfRange { .. }
            | WalkFault::NoLowerRange { .. },
        ) => Walked::Translation { level: 0 },
        Err(e) => Walked::Other(e.to_string()),
    }
}

/// Compares QEMU's answer (`par`) with the expectation and with what the software
/// walker found for the probe's VA (`walked`).
pub fn evaluate(walked: Walked, check: &Check, par: u64) -> Result<(), String> {
    let va = check.probe.va;
    let fst = par_fault_status(par);
    match check.expect {
        Expect::Maps { pa, attr, sh, ns } => {
            if par_fault(par) {
                return Err(format!(
                    "expected a translation to {pa:#x}, got a fault with status {fst:#04x} \
                     (PAR {par:#x})"
                ));
            }
            if par_pa(par) != pa & !0xFFF {
                return Err(format!(
                    "expected PA {:#x}, QEMU gives {:#x} (PAR {par:#x})",
                    pa & !0xFFF,
                    par_pa(par)
                ));
            }
            if par_attr(par) != attr {
                return Err(format!(
                    "expected attribute byte {attr:#04x}, QEMU gives {:#04x} (PAR {par:#x})",
                    par_attr(par)
                ));
            }
            if let Some(sh) = sh
                && par_sh(par) != sh
            {
                return Err(format!(
                    "expected SH {sh:#04b}, QEMU gives {:#04b} (PAR {par:#x})",
                    par_sh(par)
                ));
            }
            if let Some(ns) = ns
                && par_ns(par) != ns
            {
                return Err(format!(
                    "expected NS {ns}, QEMU gives {} (PAR {par:#x})",
                    par_ns(par)
                ));
            }
            match walked {
                Walked::Leaf {
                    pa: walk_pa,
                    attr: walk_attr,
                    ..
                } => {
                    if walk_pa != pa || walk_attr != par_attr(par) {
                        return Err(format!(
                            "the software walker gives PA {walk_pa:#x} attribute \
                             {walk_attr:#04x}, QEMU PA {:#x} attribute {:#04x} (PAR {par:#x})",
                            par_pa(par) | va & 0xFFF,
                            par_attr(par)
                        ));
                    }
                }
                other => {
                    return Err(format!(
                        "QEMU translates it (PAR {par:#x}) but the software walker says: \
                         {other:?}"
                    ));
                }
            }
        }
        Expect::Permission { pa } => {
            let level = match walked {
                Walked::Leaf {
                    pa: walk_pa, level, ..
                } => {
                    if walk_pa != pa {
                        return Err(format!(
                            "the software walker gives PA {walk_pa:#x}, expected {pa:#x}"
                        ));
                    }
                    level
                }
                other => {
                    return Err(format!(
                        "the software walker does not translate it: {other:?}"
                    ));
                }
            };
            let want = fst_permission(level);
            if !par_fault(par) || fst != want {
                return Err(format!(
                    "expected a permission fault at level {level} (status {want:#04x}), QEMU \
                     gives {} (PAR {par:#x})",
                    if par_fault(par) {
                        format!("fault status {fst:#04x}")
                    } else {
                        format!("a translation to {:#x}", par_pa(par))
                    }
                ));
            }
        }
        Expect::Unmapped => {
            let level = match walked {
                Walked::Leaf { pa, level, .. } => {
                    return Err(format!(
                        "the software walker translates it to {pa:#x} (level {level})"
                    ));
                }
                Walked::Translation { level } => level,
                Walked::Other(e) => return Err(format!("the software walker fails: {e}")),
            };
            let want = fst_translation(level);
            if !par_fault(par) || fst != want {
                return Err(format!(
                    "expected a translation fault at level {level} (status {want:#04x}), QEMU \
                     gives {} (PAR {par:#x})",
                    if par_fault(par) {
                        format!("fault status {fst:#04x}")
                    } else {
                        format!("a translation to {:#x}", par_pa(par))
                    }
                ));
            }
        }
    }
    Ok(())
}

/// The regime a job of a table of context `el` runs in: EL3 when the harness runs on the
/// table (`runs_harness`), else the table's own level's (an EL3 table that does not map
/// the harness is probed through EL2's format).
pub fn job_regime(el: ExecutionContext, runs_harness: bool) -> Regime {
    match el.level() {
        3 if runs_harness => Regime::El3,
        3 | 2 => Regime::El2 {
            secure: is_secure(el),
        },
        _ => Regime::El1 {
            secure: is_secure(el),
        },
    }
}

/// The stores of an EL3 job through every writable Normal page of `pages`: each
/// page's [`offsets`], as `(va, pa)` pairs and, in the same order, what each store is
/// (for failures).
pub fn stores<'a>(
    table: &str,
    el: ExecutionContext,
    pages: impl IntoIterator<Item = &'a Page>,
) -> (Vec<(u64, u64)>, Vec<String>) {
    let mut writes = Vec::new();
    let mut what = Vec::new();
    for page in pages {
        if page.kind() != PageKind::Device && page.perms().write() {
            for off in offsets(page) {
                writes.push((page.va() + off, page.pa() + off));
                what.push(format!(
                    "{}, store at va {:#x}",
                    describe(table, el, page),
                    page.va() + off
                ));
            }
        }
    }
    (writes, what)
}

/// The job that loads `tr` (its image and registers) in `regime`, asks `checks`' probes
/// and makes `writes`.
pub fn table_job(
    regime: Regime,
    tr: &Translation,
    checks: &[Check],
    writes: Vec<(u64, u64)>,
) -> Job {
    Job {
        regime,
        tables: vec![(tr.base_pa(), tr.bytes().to_vec())],
        mair: tr.mair(),
        tcr: tr.tcr(),
        ttbr0: tr.ttbr0(),
        ttbr1: tr.ttbr1(),
        sctlr_set: tr.sctlr_set(),
        probes: checks.iter().map(|c| c.probe).collect(),
        writes,
    }
}

/// The failures of a job's outcome: each probe judged against `walk`'s answer for its VA
/// ([`evaluate`]), each store (named by `stored`, in the job's order) read back at its PA.
pub fn judge(
    checks: &[Check],
    outcome: &Outcome,
    walk: impl Fn(u64) -> Walked,
    stored: &[String],
) -> Vec<String> {
    let mut failures = Vec::new();
    for (check, &par) in checks.iter().zip(&outcome.par) {
        if let Err(e) = evaluate(walk(check.probe.va), check, par) {
            failures.push(format!("{}: {e}", check.what));
        }
    }
    for (what, &(written, read)) in stored.iter().zip(&outcome.writes) {
        if written != read {
            failures.push(format!(
                "{what}: stored {written:#x}, read {read:#x} at the PA"
            ));
        }
    }
    failures
}
