//! A kernel and its processes on QEMU: the kernel's `TTBR1` and one process's `TTBR0`
//! loaded under the one `TCR` they share, kernel pages probed with `AT S1E1R/W`,
//! process pages with `AT S1E0R/W`; then `TTBR0` switched to the second process
//! (its ASID in `TTBR0`, no TLB flush) and everything probed again: the first
//! process's VAs now translate as the second declares, or fault, and the kernel's
//! still translate. One QEMU start for the whole sequence.
//!
//! Every probe is compared with the layout (the page's PA, read-only pages faulting
//! on writes, kernel pages out of EL0's reach) and with the crate's walker over the
//! image of the table loaded at that point.

use memlayout::aarch64::{Translation, WalkFault, walk_registers};
use memlayout::dsl::file::plan_text;
use memlayout::{Layout, Page, TableId};
use memlayout_tests::qemu::{
    self, Access, Job, Probe, Regime, fst_permission, fst_translation, par_attr, par_fault,
    par_fault_status, par_pa,
};

/// A kernel in the upper half with a device page, and two processes at the same lower
/// VAs: `shell` (ASID 1) and `init` (ASID 300, so the shared `TCR` sets AS).
const OS: &str = r#"
    pub mod os {
        physical ram  = 0x4020_0000 .. +62M;
        physical mmio = 0x0900_0000 .. +16M, device;
        table kernel (cores 0..=3, EL1_NS) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
            page text  : code, 2M, rx;
            page data  : data, 4K * 4, rw;
            page uart  : device, 4K, pa 0x0900_0000;
        }
        table shell (cores 0..=3, EL0_NS, asid 1, under kernel) {
            virtual 0x40_0000 .. +1G;
            page text  : code, 4K * 8, rx, va 0x40_0000;
            page heap  : data, 2M, rw, va 0x60_0000;
        }
        table init (cores 0..=3, EL0_NS, asid 300, under kernel) {
            virtual 0x40_0000 .. +1G;
            page text  : code, 4K, rx, va 0x40_0000;
            page data  : data, 4K, rw, va 0x80_0000;
        }
    }
"#;

/// What a probe must give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// A translation to this PA.
    Maps(u64),
    /// A permission fault.
    Permission,
    /// A translation fault.
    Unmapped,
    /// A TTBR0 switch (no translation).
    Switch,
}

struct Check {
    what: String,
    probe: Probe,
    expect: Expect,
    /// The image walked for it: kernel (`true`) or the process loaded then.
    walk: Option<usize>,
}

/// The PA a page maps `va` to, if any page of `pages` holds it.
fn translate(pages: &[&Page], va: u64) -> Option<u64> {
    pages.iter().find_map(|p| p.va_to_pa(va))
}

/// Probes of every page of the process `t` (EL0 reads and writes, an EL1 read) and of
/// `others`' pages it does not map, while it is loaded; `image` indexes its translation.
fn process_checks(layout: &Layout, t: TableId, image: usize, others: &[TableId]) -> Vec<Check> {
    let name = layout.table_info(t).unwrap().name().to_string();
    let pages = layout.pages(t);
    let mut out = Vec::new();
    for p in &pages {
        let what = format!("{name}: {} at {:#x}", p.name(), p.va());
        out.push(Check {
            what: format!("{what}, EL0 read"),
            probe: Probe::new(p.va(), Access::El0Read),
            expect: Expect::Maps(p.pa()),
            walk: Some(image),
        });
        out.push(Check {
            what: format!("{what}, EL0 write"),
            probe: Probe::new(p.va(), Access::El0Write),
            expect: if p.perms().write() {
                Expect::Maps(p.pa())
            } else {
                Expect::Permission
            },
            walk: Some(image),
        });
        out.push(Check {
            what: format!("{what}, EL1 read"),
            probe: Probe::new(p.va(), Access::Read),
            expect: Expect::Maps(p.pa()),
            walk: Some(image),
        });
    }
    // VAs another process maps: they translate as this process declares, or fault.
    for &o in others {
        for p in layout.pages(o) {
            let expect = match translate(&pages, p.va()) {
                Some(pa) => Expect::Maps(pa),
                None => Expect::Unmapped,
            };
            out.push(Check {
                what: format!(
                    "{name}: VA {:#x} of `{}` after the switch, EL0 read",
                    p.va(),
                    p.name()
                ),
                probe: Probe::new(p.va(), Access::El0Read),
                expect,
                walk: Some(image),
            });
        }
    }
    out
}

/// Probes of every kernel page: EL1 reads, EL1 writes (permission faults on read-only
/// pages) and EL0 reads (out of EL0's reach).
fn kernel_checks(layout: &Layout, kernel: TableId, image: usize) -> Vec<Check> {
    let mut out = Vec::new();
    for p in layout.pages(kernel) {
        let what = format!("kernel: {} at {:#x}", p.name(), p.va());
        let last = p.va() + p.size() - 8;
        for va in [p.va(), last] {
            out.push(Check {
                what: format!("{what}, EL1 read of {va:#x}"),
                probe: Probe::new(va, Access::Read),
                expect: Expect::Maps(p.pa() + (va - p.va())),
                walk: Some(image),
            });
        }
        out.push(Check {
            what: format!("{what}, EL1 write"),
            probe: Probe::new(p.va(), Access::Write),
            expect: if p.perms().write() {
                Expect::Maps(p.pa())
            } else {
                Expect::Permission
            },
            walk: Some(image),
        });
        out.push(Check {
            what: format!("{what}, EL0 read"),
            probe: Probe::new(p.va(), Access::El0Read),
            expect: Expect::Permission,
            walk: Some(image),
        });
    }
    out
}

fn switch(to: &Translation) -> Check {
    Check {
        what: format!("switch TTBR0 to `{}`", to.name()),
        probe: Probe::new(to.ttbr0(), Access::SwitchTtbr0),
        expect: Expect::Switch,
        walk: None,
    }
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn kernel_and_processes_switch_ttbr0_under_one_tcr() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let planned = plan_text(OS).unwrap_or_else(|e| panic!("the layout plans: {e:?}"));
    let plan = planned.plan();
    let layout = plan.layout();
    let (kernel, shell, init) = (
        layout.table("kernel").unwrap(),
        layout.table("shell").unwrap(),
        layout.table("init").unwrap(),
    );
    let tr: Vec<&Translation> = (0..3).map(|i| plan.translation(i).unwrap()).collect();
    let (k, s, i) = (tr[0], tr[1], tr[2]);
    assert_eq!(
        (s.tcr(), i.tcr(), s.mair(), i.mair()),
        (k.tcr(), k.tcr(), k.mair(), k.mair())
    );
    assert_eq!((s.ttbr1(), i.ttbr1()), (k.ttbr1(), k.ttbr1()));
    assert_ne!(k.tcr() & (1 << 36), 0, "ASID 300 needs TCR_EL1.AS");

    let mut checks = kernel_checks(layout, kernel, 0);
    checks.extend(process_checks(layout, shell, 1, &[init]));
    checks.push(switch(i));
    checks.extend(kernel_checks(layout, kernel, 0));
    checks.extend(process_checks(layout, init, 2, &[shell]));
    checks.push(switch(s));
    checks.extend(process_checks(layout, shell, 1, &[init]));

    let job = Job {
        regime: Regime::El1 { secure: false },
        tables: tr.iter().map(|t| (t.base_pa(), t.to_bytes())).collect(),
        mair: k.mair(),
        tcr: k.tcr(),
        ttbr0: s.ttbr0(),
        ttbr1: k.ttbr1(),
        sctlr_set: k.sctlr_set(),
        probes: checks.iter().map(|c| c.probe).collect(),
        writes: Vec::new(),
    };
    let outcome = qemu::run(&job).unwrap_or_else(|e| panic!("QEMU run: {e}"));
    let mut failures = Vec::new();
    for (c, &par) in checks.iter().zip(&outcome.par) {
        let got = if c.expect == Expect::Switch {
            Expect::Switch
        } else if !par_fault(par) {
            Expect::Maps(par_pa(par))
        } else if par_fault_status(par) & 0b11_1100 == fst_permission(0) {
            Expect::Permission
        } else if par_fault_status(par) & 0b11_1100 == fst_translation(0) {
            Expect::Unmapped
        } else {
            failures.push(format!("{}: PAR {par:#x}", c.what));
            continue;
        };
        // A page-aligned PA in PAR: compare the page.
        let want = match c.expect {
            Expect::Maps(pa) => Expect::Maps(pa & !0xFFF),
            other => other,
        };
        if got != want {
            failures.push(format!("{}: QEMU gives {got:?}, want {want:?}", c.what));
        }
        if let (Some(img), Expect::Maps(pa)) = (c.walk, want) {
            // The walker, over the image loaded at that point (the kernel's for upper
            // VAs), with the registers loaded then.
            let t = if c.probe.va >> 63 == 1 {
                tr[0]
            } else {
                tr[img]
            };
            let w = walk_registers(
                t.bytes(),
                t.base_pa(),
                t.regime(),
                t.tcr(),
                t.ttbr0(),
                k.ttbr1(),
                c.probe.va,
            );
            match w {
                Ok(w) if w.pa & !0xFFF == pa => {
                    // Process pages are non-global, kernel pages global.
                    if w.not_global() != (c.probe.va >> 63 == 0) {
                        failures.push(format!("{}: walker nG {}", c.what, w.not_global()));
                    }
                    if !par_fault(par) && par_attr(par) != w.attr {
                        failures.push(format!(
                            "{}: attribute {:#x} on QEMU, {:#x} in the walk",
                            c.what,
                            par_attr(par),
                            w.attr
                        ));
                    }
                }
                other => failures.push(format!("{}: walker gives {other:?}", c.what)),
            }
        }
        if let (Some(img), Expect::Unmapped) = (c.walk, want) {
            let t = tr[img];
            let w = t.walk(c.probe.va);
            if !matches!(w, Err(WalkFault::Translation { .. })) {
                failures.push(format!("{}: walker gives {w:?}", c.what));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} probes disagree:\n{}",
        failures.len(),
        checks.len(),
        failures.join("\n")
    );
}
