//! Processes under a kernel through the run-time API: ASIDs, `put_under` and every error
//! of both, the shared `TCR`, and a property test over random kernels with random
//! processes (one `TCR` valid for all, every process page non-global through its
//! registers, every kernel page global).

use memlayout::aarch64::{TableConfig, Translation, regs, walk_registers};
use memlayout::error::{Field, KernelRule, Party};
use memlayout::tables::TablePlacement;
use memlayout::{
    Cores, Error, ExecutionContext, Layout, PageKind, PageRequest, PageSize, Pool, TableId,
};
use proptest::prelude::*;

const RAM: u64 = 0x4000_0000;
const KERNEL_VA: u64 = 0xFFFF_8000_0000_0000;

/// A layout with 256 MiB of RAM, a kernel on cores 0..=3 with an upper range, and the
/// processes `(name, el, lower VA range)` on the same cores.
fn os(processes: &[(&str, ExecutionContext, (u64, u64))]) -> (Layout, TableId, Vec<TableId>) {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 256 << 20)).unwrap();
    let cores = Cores::range(0, 3).unwrap();
    let kernel = l
        .add_table_sized(
            "kernel",
            cores,
            ExecutionContext::EL1_NS,
            &[(KERNEL_VA, 1 << 30)],
            None,
            None,
        )
        .unwrap();
    let ids = processes
        .iter()
        .map(|&(name, el, range)| {
            l.add_table_sized(name, cores, el, &[range], None, None)
                .unwrap()
        })
        .collect();
    (l, kernel, ids)
}

/// A layout with 256 MiB of RAM, a kernel on cores 0..=3 that boots through a lower
/// identity range (`RAM .. +2M`) and runs in an upper range, and a process `shell` on
/// the same cores, not yet put under the kernel: `(layout, kernel, shell)`.
fn booting_kernel() -> (Layout, TableId, TableId) {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 256 << 20)).unwrap();
    let cores = Cores::range(0, 3).unwrap();
    let kernel = l
        .add_table_sized(
            "kernel",
            cores,
            ExecutionContext::EL1_NS,
            &[(RAM, 2 << 20), (KERNEL_VA, 1 << 30)],
            None,
            None,
        )
        .unwrap();
    let shell = l
        .add_table_sized(
            "shell",
            cores,
            ExecutionContext::EL0_NS,
            &[(0x40_0000, 256 << 20)],
            None,
            None,
        )
        .unwrap();
    (l, kernel, shell)
}

fn build(l: &mut Layout) -> Vec<Translation> {
    l.build_translations(&TableConfig::new(), &TablePlacement::Anywhere)
        .unwrap()
}

#[test]
fn a_kernel_and_two_processes_share_one_tcr() {
    let (mut l, kernel, p) = os(&[
        ("shell", ExecutionContext::EL0_NS, (0x40_0000, 1 << 30)),
        ("init", ExecutionContext::EL0_NS, (0x40_0000, 64 << 30)),
    ]);
    l.put_under(p[0], kernel).unwrap();
    l.put_under(p[1], kernel).unwrap();
    l.set_asid(p[0], 1).unwrap();
    l.set_asid(p[1], 2).unwrap();
    assert_eq!(l.kernel_of(p[0]), Some(kernel));
    assert_eq!(l.processes(kernel), p);
    assert_eq!((l.asid(p[0]), l.asid(kernel)), (Some(1), None));
    let shared = l.shared_tcr(kernel).unwrap();
    assert_eq!(Some(shared), l.shared_tcr(p[0]));
    // `init` needs 37 bits (0x40_0000 + 64 GiB), the kernel's upper range 47.
    assert_eq!((shared.lower_va_bits, shared.upper_va_bits), (37, 47));
    assert!(!shared.asid16);
    let text = PageRequest::new("text", PageKind::Code, PageSize::Size4K).count(3);
    for &t in [kernel].iter().chain(&p) {
        l.map(t, &text).unwrap();
    }
    let tr = build(&mut l);
    let (k, shell, init) = (&tr[0], &tr[1], &tr[2]);
    for t in [shell, init] {
        assert_eq!((t.tcr(), t.mair()), (k.tcr(), k.mair()));
        assert_eq!(t.ttbr1(), k.ttbr1(), "a process's TTBR1 is the kernel's");
        assert_eq!(t.va_bits(), 37, "built for the shared lower size");
    }
    assert_eq!(k.tcr() & regs::TCR_T0SZ_MASK, 64 - 37);
    assert_eq!(
        (k.tcr() & regs::TCR_EL1_T1SZ_MASK) >> regs::TCR_EL1_T1SZ_SHIFT,
        64 - 47
    );
    let off = regs::TCR_EL1_EPD0 | regs::TCR_EL1_EPD1 | regs::TCR_EL1_A1 | regs::TCR_EL1_AS;
    assert_eq!(k.tcr() & off, 0);
    assert_eq!(k.ttbr0(), 0, "the kernel has no lower range of its own");
    assert_eq!(regs::ttbr_asid(shell.ttbr0()), 1);
    assert_eq!(regs::ttbr_asid(init.ttbr0()), 2);
    assert_eq!(shell.ttbr0() & regs::TTBR_BADDR_MASK, shell.base_pa());
    assert_eq!((shell.asid(), k.asid()), (Some(1), None));
    assert!(shell.non_global() && !k.non_global());
}

#[test]
fn asids_over_255_set_tcr_as_and_el1_processes_are_non_global() {
    let (mut l, kernel, p) = os(&[("driver", ExecutionContext::EL1_NS, (0x40_0000, 1 << 30))]);
    l.put_under(p[0], kernel).unwrap();
    l.set_asid(p[0], 300).unwrap();
    let page = PageRequest::new("data", PageKind::Data, PageSize::Size4K);
    let d = l.map(p[0], &page).unwrap();
    l.map(kernel, &page).unwrap();
    let tr = build(&mut l);
    assert_ne!(tr[0].tcr() & regs::TCR_EL1_AS, 0);
    assert_eq!(tr[0].tcr(), tr[1].tcr());
    assert_eq!(regs::ttbr_asid(tr[1].ttbr0()), 300);
    // An EL1 page is global unless its table has an ASID.
    let va = l.mapping_va(d, p[0]).unwrap();
    let w = tr[1].walk(va).unwrap();
    assert!(w.not_global());
    let kw = tr[0].walk(l.pages(kernel)[0].va()).unwrap();
    assert!(!kw.not_global());
}

#[test]
fn a_table_with_an_asid_alone_keeps_its_own_tcr() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, 64 << 20)).unwrap();
    let t = l
        .add_table("app", 0, ExecutionContext::EL0_NS, &[(0x40_0000, 1 << 20)])
        .unwrap();
    l.set_asid(t, 256).unwrap();
    assert_eq!(l.shared_tcr(t), None);
    let tr = build(&mut l);
    assert_ne!(tr[0].tcr() & regs::TCR_EL1_EPD1, 0, "no upper range: EPD1");
    assert_ne!(tr[0].tcr() & regs::TCR_EL1_AS, 0, "ASID 256 needs 16 bits");
    assert_eq!(regs::ttbr_asid(tr[0].ttbr0()), 256);
}

#[test]
fn a_kernel_keeps_a_lower_range_clear_of_its_processes() {
    let (mut l, _, _) = os(&[]);
    let cores = Cores::range(0, 3).unwrap();
    let boot = l
        .add_table_sized(
            "boot",
            cores,
            ExecutionContext::EL1_NS,
            &[(RAM, 256 << 20), (KERNEL_VA, 1 << 30)],
            None,
            None,
        )
        .unwrap();
    let app = l
        .add_table_for_cores(
            "app",
            cores,
            ExecutionContext::EL0_NS,
            &[(0x40_0000, 1 << 20)],
            25,
        )
        .unwrap();
    l.put_under(app, boot).unwrap();
    let shared = l.shared_tcr(boot).unwrap();
    // The kernel's identity range needs 31 bits, the process 25.
    assert_eq!(shared.lower_va_bits, 31);
    l.map(
        boot,
        &PageRequest::new("id", PageKind::Code, PageSize::Size4K).identity(),
    )
    .unwrap();
    l.map(
        app,
        &PageRequest::new("text", PageKind::Code, PageSize::Size4K),
    )
    .unwrap();
    let tr = build(&mut l);
    let (k, a) = (&tr[1], &tr[2]);
    assert_eq!(k.tcr(), a.tcr());
    assert_eq!((k.va_bits(), a.va_bits()), (31, 31));
    assert_eq!(k.ttbr0() & regs::TTBR_BADDR_MASK, k.base_pa());
    assert!(k.walk(l.pages(boot)[0].va()).is_ok());
}

#[test]
fn every_error_of_set_asid_and_put_under() {
    let (mut l, kernel, p) = os(&[
        ("a", ExecutionContext::EL0_NS, (0x40_0000, 1 << 30)),
        ("b", ExecutionContext::EL0_NS, (0x40_0000, 1 << 30)),
    ]);
    let cores = Cores::range(0, 3).unwrap();
    let t = |l: &mut Layout, name: &str, cores, el, virt: &[(u64, u64)]| {
        l.add_table_sized(name, cores, el, virt, None, None)
            .unwrap()
    };
    assert!(matches!(
        l.set_asid(p[0], 65536),
        Err(Error::AsidTooLarge { asid: 65536, .. })
    ));
    l.set_asid(p[0], 65535).unwrap();
    let el2 = t(
        &mut l,
        "hyp",
        Cores::one(0),
        ExecutionContext::EL2_NS,
        &[(RAM, 1 << 20)],
    );
    let e = l.set_asid(el2, 1).unwrap_err();
    assert!(matches!(e, Error::AsidInRegime { .. }));
    assert_eq!(e.field(), Field::Asid);
    l.set_asid(p[1], 65535).unwrap();
    l.put_under(p[0], kernel).unwrap();
    let e = l.put_under(p[1], kernel).unwrap_err();
    assert!(matches!(&e, Error::AsidTaken { first, asid: 65535, .. } if first == "a"));
    assert_eq!(e.other(), Some(Party::Table(p[0])));
    assert!(
        e.to_string()
            .contains("give each process of a kernel its own ASID")
    );
    l.set_asid(p[1], 2).unwrap();
    l.put_under(p[1], kernel).unwrap();
    assert!(matches!(
        l.set_asid(p[1], 65535),
        Err(Error::AsidTaken { .. })
    ));
    let e = l.set_asid(kernel, 9).unwrap_err();
    assert!(matches!(&e, Error::AsidOnKernel { process, .. } if process == "a"));
    let reason = |l: &mut Layout, process, kernel| match l.put_under(process, kernel) {
        Err(Error::NotAKernel { reason, .. }) => reason,
        other => panic!("expected NotAKernel, got {other:?}"),
    };
    assert_eq!(reason(&mut l, p[0], p[0]), KernelRule::Itself);
    let el3 = t(
        &mut l,
        "mon",
        Cores::one(0),
        ExecutionContext::EL3,
        &[(RAM, 1 << 20)],
    );
    assert!(matches!(
        reason(&mut l, p[0], el3),
        KernelRule::NotEl1 { .. }
    ));
    assert!(matches!(
        reason(&mut l, el2, kernel),
        KernelRule::ProcessRegime { .. }
    ));
    let upper = [(KERNEL_VA, 1 << 30)];
    let secure = t(&mut l, "sk", cores, ExecutionContext::EL1_S, &upper);
    assert!(matches!(
        reason(&mut l, p[0], secure),
        KernelRule::Security { .. }
    ));
    let small = t(
        &mut l,
        "small",
        Cores::one(0),
        ExecutionContext::EL1_NS,
        &upper,
    );
    assert_eq!(reason(&mut l, p[0], small), KernelRule::Cores { core: 1 });
    let low = t(
        &mut l,
        "low",
        cores,
        ExecutionContext::EL1_NS,
        &[(RAM, 1 << 20)],
    );
    assert_eq!(reason(&mut l, p[0], low), KernelRule::NoUpperRange);
    let mid = t(
        &mut l,
        "mid",
        cores,
        ExecutionContext::EL1_NS,
        &[(0x1000_0000, 4096)],
    );
    l.put_under(mid, kernel).unwrap();
    assert_eq!(
        reason(&mut l, p[0], mid),
        KernelRule::IsProcess {
            kernel: "kernel".into()
        }
    );
    let k2 = t(&mut l, "k2", cores, ExecutionContext::EL1_NS, &upper);
    assert_eq!(
        reason(&mut l, kernel, k2),
        KernelRule::ProcessIsKernel {
            process: "a".into()
        }
    );
    let both = t(
        &mut l,
        "both",
        cores,
        ExecutionContext::EL0_NS,
        &[(0x40_0000, 1 << 20), (KERNEL_VA, 1 << 20)],
    );
    let e = l.put_under(both, kernel).unwrap_err();
    assert!(matches!(e, Error::ProcessUpperRange { .. }));
    assert_eq!(e.field(), Field::VirtualRange(1));
    let keeper = t(
        &mut l,
        "keeper",
        cores,
        ExecutionContext::EL1_NS,
        &[(0x40_0000, 1 << 20), (KERNEL_VA, 1 << 30)],
    );
    let clash = t(
        &mut l,
        "clash",
        cores,
        ExecutionContext::EL0_NS,
        &[(0x48_0000, 4096)],
    );
    let e = l.put_under(clash, keeper).unwrap_err();
    assert!(matches!(e, Error::KernelRangeOverlap { .. }));
    assert_eq!(e.field(), Field::VirtualRange(0));
    assert_eq!(e.other(), Some(Party::Table(keeper)));
    l.set_asid(keeper, 4).unwrap();
    let clear = t(
        &mut l,
        "clear",
        cores,
        ExecutionContext::EL0_NS,
        &[(0x100_0000, 4096)],
    );
    assert!(matches!(
        l.put_under(clear, keeper),
        Err(Error::AsidOnKernel { .. })
    ));
    for e in [
        l.set_asid(kernel, 1).unwrap_err(),
        l.put_under(p[0], low).unwrap_err(),
    ] {
        let s = e.to_string();
        assert!(!s.contains('\n') && s.contains("; "), "{s}");
    }
}

/// A random operating system: the kernel's upper VA size and page count, then per
/// process its EL, lower VA size, page count and ASID (distinct ASIDs).
#[derive(Clone, Debug)]
struct Os {
    upper_bits: u8,
    kernel_pages: u32,
    processes: Vec<(bool, u8, u32, u16)>,
}

fn os_strategy() -> impl Strategy<Value = Os> {
    (
        30u8..=48,
        1u32..6,
        prop::collection::vec((any::<bool>(), 25u8..=40, 1u32..6, 0u16..=600), 1..5),
    )
        .prop_map(|(upper_bits, kernel_pages, mut processes)| {
            // Distinct ASIDs: the engine rejects a repeat (tested above).
            let mut seen = std::collections::BTreeSet::new();
            for p in &mut processes {
                while !seen.insert(p.3) {
                    p.3 = p.3.wrapping_add(1);
                }
            }
            Os {
                upper_bits,
                kernel_pages,
                processes,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_kernels_with_random_processes(os in os_strategy()) {
        let mut l = Layout::new();
        l.add_pool(Pool::ram("ram", RAM, 256 << 20)).unwrap();
        let cores = Cores::range(0, 3).unwrap();
        let upper_start = regs::upper_range_start(os.upper_bits).unwrap();
        let kernel = l
            .add_table_sized("kernel", cores, ExecutionContext::EL1_NS,
                &[(upper_start, 1 << 29)], None, None)
            .unwrap();
        let page = |n| PageRequest::new("p", PageKind::Data, PageSize::Size4K).count(n);
        l.map(kernel, &page(os.kernel_pages)).unwrap();
        let mut ids = Vec::new();
        for (i, &(el0, bits, pages, asid)) in os.processes.iter().enumerate() {
            let el = if el0 { ExecutionContext::EL0_NS } else { ExecutionContext::EL1_NS };
            let start = 0x20_0000;
            let size = (1u64 << bits) - start;
            let t = l
                .add_table_sized(format!("p{i}"), cores, el, &[(start, size)], None, None)
                .unwrap();
            // The ASID, then the kernel (the other order: tests/gpt_api.rs).
            l.set_asid(t, u32::from(asid)).unwrap();
            l.put_under(t, kernel).unwrap();
            l.map(t, &page(pages)).unwrap();
            ids.push(t);
        }
        let tr = build(&mut l);
        let k = &tr[0];
        let lower = os.processes.iter().map(|p| p.1).max().unwrap();
        let asid16 = os.processes.iter().any(|p| p.3 > 255);
        // One TCR, valid for every table: both ranges walk, the sizes cover them all.
        prop_assert_eq!(Some(k.tcr()), regs::tcr_shared(memlayout::aarch64::Format::DEFAULT, lower, os.upper_bits, k.pa_bits(), asid16));
        for (i, &t) in ids.iter().enumerate() {
            let p = &tr[t.index()];
            prop_assert_eq!(p.tcr(), k.tcr());
            prop_assert_eq!(p.mair(), k.mair());
            prop_assert_eq!(p.ttbr1(), k.ttbr1());
            prop_assert_eq!(regs::ttbr_asid(p.ttbr0()), os.processes[i].3);
            for pg in l.pages(t) {
                let w = walk_registers(p.bytes(), p.base_pa(), p.regime(), p.tcr(),
                    p.ttbr0(), p.ttbr1(), pg.va()).unwrap();
                prop_assert_eq!(w.pa, pg.pa());
                prop_assert!(w.not_global(), "process page at {:#x} is global", pg.va());
            }
        }
        for pg in l.pages(kernel) {
            // The kernel's image under the shared TCR and its own TTBR1.
            let w = walk_registers(k.bytes(), k.base_pa(), k.regime(), k.tcr(),
                k.ttbr0(), k.ttbr1(), pg.va()).unwrap();
            prop_assert_eq!(w.pa, pg.pa());
            prop_assert!(!w.not_global(), "kernel page at {:#x} is not global", pg.va());
        }
    }
}

#[test]
fn a_kernel_places_its_pages_in_its_upper_range() {
    // A kernel with a lower identity range it boots through and an upper range: pages
    // without a fixed VA go to the upper range, which stays loaded when TTBR0 switches.
    let (mut l, kernel, shell) = booting_kernel();
    l.put_under(shell, kernel).unwrap();
    l.set_asid(shell, 1).unwrap();
    let boot = PageRequest::new("boot", PageKind::Code, PageSize::Size4K).identity();
    l.map(kernel, &boot).unwrap();
    l.map(
        kernel,
        &PageRequest::new("text", PageKind::Code, PageSize::Size4K),
    )
    .unwrap();
    l.map(
        kernel,
        &PageRequest::new("stack", PageKind::Data, PageSize::Size4K)
            .count(4)
            .guard(0x1000),
    )
    .unwrap();
    for p in l.pages(kernel) {
        if p.name() == "boot" {
            assert_eq!(p.va(), p.pa(), "identity page stays in the lower range");
            assert!(p.va() < KERNEL_VA);
        } else {
            assert!(
                p.va() >= KERNEL_VA,
                "{} at {:#x} is not in the upper range",
                p.name(),
                p.va()
            );
        }
    }
    // A table that is not a kernel keeps placing from its lowest free VA.
    let plain = l
        .add_table_sized(
            "plain",
            Cores::one(0),
            ExecutionContext::EL1_NS,
            &[(0x8000_0000, 2 << 20), (KERNEL_VA, 1 << 30)],
            None,
            None,
        )
        .unwrap();
    l.map(
        plain,
        &PageRequest::new("text", PageKind::Code, PageSize::Size4K),
    )
    .unwrap();
    assert!(l.pages(plain)[0].va() < KERNEL_VA);
}

/// ASID 0 beside a process without an ASID (which runs with ASID 0 in `TTBR0`) is refused
/// when the tables are built, whatever the order of the calls, and so is an ASID on a
/// table with upper ranges only.
#[test]
fn asid_zero_beside_a_process_without_one_is_refused() {
    use ExecutionContext::EL0_NS;
    let config = TableConfig::new();
    let (mut l, kernel, ids) = os(&[
        ("shell", EL0_NS, (0x40_0000, 1 << 30)),
        ("init", EL0_NS, (0x40_0000, 1 << 30)),
    ]);
    let (shell, init) = (ids[0], ids[1]);
    l.put_under(shell, kernel).unwrap();
    l.put_under(init, kernel).unwrap();
    l.set_asid(init, 0).unwrap();
    let e = l
        .build_translations(&config, &TablePlacement::Anywhere)
        .unwrap_err();
    match &e {
        Error::AsidZeroShared {
            table,
            kernel: k,
            first,
            other,
            ..
        } => {
            assert_eq!((table.as_str(), k.as_str()), ("init", "kernel"));
            assert_eq!(first, "shell");
            assert_eq!(*other, Some(Party::Table(shell)));
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(e.field(), Field::Asid);
    assert!(e.to_string().contains("ASID 0"), "{e}");
    // With its own ASID, `shell` leaves 0 free.
    l.set_asid(shell, 1).unwrap();
    let tr = build(&mut l);
    assert_eq!(regs::ttbr_asid(tr[init.index()].ttbr0()), 0);
    // The other order: ASID 0 first, then a process without one put under the kernel.
    let (mut l, kernel, ids) = os(&[
        ("shell", EL0_NS, (0x40_0000, 1 << 30)),
        ("init", EL0_NS, (0x40_0000, 1 << 30)),
    ]);
    l.set_asid(ids[0], 0).unwrap();
    l.put_under(ids[0], kernel).unwrap();
    l.put_under(ids[1], kernel).unwrap();
    let e = l
        .build_translations(&config, &TablePlacement::Anywhere)
        .unwrap_err();
    assert!(
        matches!(&e, Error::AsidZeroShared { table, first, .. } if table == "shell" && first == "init"),
        "{e:?}"
    );
    // An ASID needs a lower range: the kernel-like table below has only an upper one.
    let (mut l, _, ids) = os(&[("upper", ExecutionContext::EL1_NS, (KERNEL_VA, 1 << 30))]);
    let e = l.set_asid(ids[0], 5).unwrap_err();
    assert!(
        matches!(&e, Error::AsidWithoutLower { table, .. } if table == "upper"),
        "{e:?}"
    );
    assert_eq!(e.field(), Field::Asid);
}

/// A kernel that already placed a page automatically in its lower range cannot take a
/// process: that page would vanish when the process's `TTBR0` is loaded. Fixed and
/// identity pages there are the kernel's own choice and stay allowed.
#[test]
fn put_under_after_kernel_pages_in_the_lower_range_is_an_error() {
    let (mut l, kernel, shell) = booting_kernel();
    let boot = PageRequest::new("boot", PageKind::Code, PageSize::Size4K).identity();
    l.map(kernel, &boot).unwrap();
    // A page at a fixed VA of the lower range that is not its PA.
    let fixed_va = RAM + 0x10_0000;
    let fixed = PageRequest::new("fixed", PageKind::Data, PageSize::Size4K).va(fixed_va);
    let f = l.map(kernel, &fixed).unwrap();
    assert_ne!(l.mapping_pa(f), Some(fixed_va), "not an identity page");
    assert_eq!(l.mapping_va(f, kernel), Some(fixed_va));
    let text = l
        .map(
            kernel,
            &PageRequest::new("text", PageKind::Code, PageSize::Size4K),
        )
        .unwrap();
    let va = l.mapping_va(text, kernel).unwrap();
    assert!(
        va < KERNEL_VA,
        "without processes the lowest free VA is lower"
    );
    let e = l.put_under(shell, kernel).unwrap_err();
    match &e {
        Error::KernelLowerPage {
            kernel: k,
            process,
            page,
            range,
            other,
            ..
        } => {
            assert_eq!(
                (k.as_str(), process.as_str(), page.as_str()),
                ("kernel", "shell", "text")
            );
            assert_eq!(range.start, va);
            assert_eq!(*other, Some(Party::Mapping(text)));
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(e.field(), Field::Under);
    assert!(e.to_string().contains("fixed `va`"), "{e}");
    assert_eq!(l.kernel_of(shell), None);
    // Identity and fixed-VA pages in the lower range are the kernel's own choice: with
    // only those, `put_under` is allowed, and `text` then goes to the upper range.
    let (mut l2, k2, s2) = booting_kernel();
    l2.map(k2, &boot).unwrap();
    l2.map(k2, &fixed).unwrap();
    l2.put_under(s2, k2).unwrap();
    assert_eq!(l2.kernel_of(s2), Some(k2));
    let t2 = l2
        .map(
            k2,
            &PageRequest::new("text", PageKind::Code, PageSize::Size4K),
        )
        .unwrap();
    assert!(l2.mapping_va(t2, k2).unwrap() >= KERNEL_VA);
}
