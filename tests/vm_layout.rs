//! Virtual machines at run time (`Layout::add_vm`): their stage 2 tables, the errors of
//! what stage 2 lacks, the reservation of concatenated roots, and isolation: no VM
//! reaches PA it was not given, proven by walking every VM's stage 2.

use memlayout::aarch64::{Granule, Regime, TableConfig, Translation, stage2};
use memlayout::error::{Field, Party, Stage1Feature};
use memlayout::tables::TablePlacement;
use memlayout::{
    Cores, Error, ExecutionContext, Layout, MappingId, PageKind, PageRequest, PageSize, Perms,
    Pool, Rng, TableId,
};

const RAM: u64 = 0x4000_0000;
const RAM_SIZE: u64 = 1 << 30;

/// A layout with RAM, a device window, a hypervisor's EL2 table and no VM yet.
fn host() -> (Layout, TableId) {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, RAM_SIZE)).unwrap();
    l.add_pool(Pool::device("mmio", 0x0900_0000, 1 << 24))
        .unwrap();
    let hyp = l
        .add_table_for_cores(
            "hyp",
            Cores::range(0, 1).unwrap(),
            ExecutionContext::EL2_NS,
            &[(RAM, RAM_SIZE)],
            40,
        )
        .unwrap();
    (l, hyp)
}

fn page(name: &str, kind: PageKind, size: PageSize) -> PageRequest {
    PageRequest::new(name, kind, size)
}

fn build(l: &mut Layout) -> Vec<Translation> {
    l.build_translations(&TableConfig::new(), &TablePlacement::Anywhere)
        .unwrap()
}

#[test]
fn a_vm_is_an_el1_ns_stage_2_table_with_its_vmid() {
    let (mut l, hyp) = host();
    let vm = l
        .add_vm("guest0", 7, Cores::range(0, 1).unwrap(), &[(0, 2 << 30)])
        .unwrap();
    assert_eq!(l.vmid(vm), Some(7));
    assert_eq!(l.vmid(hyp), None);
    assert!(l.is_vm(vm) && !l.is_vm(hyp));
    assert_eq!(l.vms().collect::<Vec<_>>(), [vm]);
    assert_eq!(l.table_info(vm).unwrap().el(), ExecutionContext::EL1_NS);
    // 0 .. 2 GiB needs 31 IPA bits.
    assert_eq!(l.va_bits(vm), Some(31));
    let ram = l
        .map(vm, &page("ram", PageKind::Data, PageSize::Size2M).count(4))
        .unwrap();
    let flash = l
        .map(
            vm,
            &page("flash", PageKind::Code, PageSize::Size2M)
                .va(0)
                .perms(Perms::RX),
        )
        .unwrap();
    let uart = l
        .map(
            vm,
            &page("uart", PageKind::Device, PageSize::Size4K)
                .va(0x0900_0000)
                .pa(0x0900_1000)
                .perms(Perms::RW),
        )
        .unwrap();
    let tr = build(&mut l);
    let s2 = &tr[vm.index()];
    assert_eq!(s2.regime(), Regime::Stage2);
    assert_eq!(s2.vmid(), Some(7));
    assert_eq!((s2.tcr(), s2.ttbr0(), s2.mair()), (0, 0, 0));
    let regs = s2.stage2_registers().unwrap();
    assert_eq!(stage2::vttbr_vmid(regs.vttbr), 7);
    assert_eq!(regs.vttbr & 0xFFFF_FFFF_FFFF, s2.base_pa());
    assert_eq!(regs.hcr_set, stage2::HCR_SET);
    assert_eq!(regs.vtcr & stage2::VTCR_T0SZ_MASK, 64 - 31);
    // 31 bits at level 2 of the 4 KiB granule: two concatenated root tables.
    assert_eq!(s2.root_tables(), 2);
    assert_eq!(s2.base_pa() % (2 * 4096), 0);
    // Stage 1 tables keep stage 1 registers.
    assert_eq!(tr[hyp.index()].regime(), Regime::El2);
    assert!(tr[hyp.index()].stage2_registers().is_none());
    // Every page walks IPA -> PA.
    for m in [ram, flash, uart] {
        for p in l.mapping_pages(m, vm) {
            for ipa in [p.va(), p.va() + p.size() - 1] {
                let w = s2.walk_stage2(ipa).unwrap();
                assert_eq!(w.pa, l.translate(vm, ipa).unwrap(), "{ipa:#x}");
                assert_eq!(w.vmid, 7);
            }
        }
    }
    assert_eq!(l.translate(vm, 0x0900_0000), Some(0x0900_1000));
    // An IPA of no page faults.
    assert!(s2.walk_stage2(0x0800_0000).is_err());
}

#[test]
fn execute_only_pages_follow_the_regime() {
    let (mut l, hyp) = host();
    let vm = l.add_vm("g", 1, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    let el1 = l
        .add_table("k", 0, ExecutionContext::EL1_NS, &[(0, 1 << 30)])
        .unwrap();
    let x = page("text", PageKind::Code, PageSize::Size4K).perms(Perms::X);
    // Stage 1 EL1 and EL2 tables cannot make a page execute-only.
    for t in [hyp, el1] {
        assert!(matches!(
            l.map(t, &x),
            Err(Error::ExecuteOnlyNotUser { .. })
        ));
    }
    let m = l.map(vm, &x).unwrap();
    let tr = build(&mut l);
    let ipa = l.mapping_va(m, vm).unwrap();
    let w = tr[vm.index()].walk_stage2(ipa).unwrap();
    let bits = w.descriptor.bits();
    assert_eq!(bits & stage2::S2AP_MASK, 0, "no data access");
    assert_eq!(bits & stage2::S2_XN, 0, "executable");
}

#[test]
fn two_vms_with_one_vmid_name_both() {
    let (mut l, _) = host();
    let first = l.add_vm("a", 3, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    let e = l
        .add_vm("b", 3, Cores::one(1), &[(0, 1 << 30)])
        .unwrap_err();
    assert_eq!(e.field(), Field::Vmid);
    assert_eq!(e.other(), Some(Party::Table(first)));
    assert_eq!(
        e.to_string(),
        "VM `b` has VMID 3, which VM `a` already has, so their stage 2 TLB entries would mix; give each VM its own VMID"
    );
    assert!(l.table("b").is_none());
    l.add_vm("b", 4, Cores::one(1), &[(0, 1 << 30)]).unwrap();
}

#[test]
fn an_ipa_space_over_the_pa_size_is_refused_where_it_is_set() {
    let (mut l, _) = host();
    l.set_pa_bits(36).unwrap();
    // A range that needs 37 bits.
    let e = l
        .add_vm("g", 1, Cores::one(0), &[(0, 1 << 30), (1 << 36, 1 << 20)])
        .unwrap_err();
    assert!(matches!(
        e,
        Error::IpaBeyondPa {
            ipa_bits: 37,
            pa_bits: 36,
            ..
        }
    ));
    assert_eq!(e.field(), Field::VirtualRange(1));
    assert_eq!(e.other(), Some(Party::PaBits));
    let text = e.to_string();
    assert!(text.contains("VM `g` has a 37-bit IPA space"), "{text}");
    assert!(text.contains("raise `pa_bits` to 40 or more"), "{text}");
    assert!(l.table("g").is_none(), "the refused VM is not added");
    // An explicit IPA size over the PA size.
    let e = l
        .add_vm_sized("g", 1, Cores::one(0), &[(0, 1 << 30)], Some(40))
        .unwrap_err();
    assert_eq!(e.field(), Field::VaBits);
    // Lowering the PA size under a VM's IPA size.
    let mut l = host().0;
    let vm = l.add_vm("g", 1, Cores::one(0), &[(0, 1 << 41)]).unwrap();
    let e = l.set_pa_bits(40).unwrap_err();
    assert!(matches!(
        e,
        Error::IpaBeyondPa {
            ipa_bits: 41,
            pa_bits: 40,
            ..
        }
    ));
    assert_eq!(e.field(), Field::PaBits);
    assert_eq!(e.other(), Some(Party::Table(vm)));
    l.set_pa_bits(42).unwrap();
}

#[test]
fn without_a_declared_pa_size_ps_covers_the_ipa_size() {
    let (mut l, _) = host();
    // 44-bit IPA; the pools need 32 bits and the configuration asks 40.
    let vm = l.add_vm("g", 1, Cores::one(0), &[(0, 1 << 44)]).unwrap();
    l.map(vm, &page("ram", PageKind::Data, PageSize::Size4K))
        .unwrap();
    let tr = build(&mut l);
    let vtcr = tr[vm.index()].vtcr();
    assert_eq!(
        (vtcr & stage2::VTCR_PS_MASK) >> stage2::VTCR_PS_SHIFT,
        0b100,
        "PS = 44 bits"
    );
}

#[test]
fn stage_1_features_are_refused_on_a_vm() {
    let (mut l, _) = host();
    let vm = l.add_vm("g", 1, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    let kernel = l
        .add_table_sized(
            "kernel",
            Cores::one(0),
            ExecutionContext::EL1_NS,
            &[(0xFFFF_8000_0000_0000, 1 << 30)],
            None,
            None,
        )
        .unwrap();
    let proc_ = l
        .add_table("proc", 0, ExecutionContext::EL0_NS, &[(0x40_0000, 1 << 20)])
        .unwrap();
    let e = l.set_asid(vm, 1).unwrap_err();
    assert!(matches!(
        &e,
        Error::NotInVm {
            feature: Stage1Feature::Asid,
            ..
        }
    ));
    assert_eq!(e.field(), Field::Asid);
    assert!(e.to_string().contains("remove `asid`"), "{e}");
    let e = l.put_under(vm, kernel).unwrap_err();
    assert!(matches!(
        &e,
        Error::NotInVm {
            feature: Stage1Feature::Process { .. },
            ..
        }
    ));
    assert_eq!(e.field(), Field::Under);
    assert_eq!(
        e.to_string(),
        "table `g` is the stage 2 table of a VM (IPA -> PA), so it cannot run under kernel `kernel`: stage 2 has no TTBR0/TTBR1 to share; give the guest's kernel and processes stage 1 tables of their own"
    );
    let e = l.put_under(proc_, vm).unwrap_err();
    assert!(matches!(
        &e,
        Error::NotInVm {
            feature: Stage1Feature::Kernel { .. },
            ..
        }
    ));
    assert_eq!(e.other(), Some(Party::Table(vm)));
    let e = l
        .add_vm(
            "up",
            2,
            Cores::one(0),
            &[(0, 1 << 30), (0xFFFF_0000_0000_0000, 1 << 30)],
        )
        .unwrap_err();
    assert!(matches!(
        &e,
        Error::NotInVm {
            feature: Stage1Feature::UpperRange { .. },
            ..
        }
    ));
    assert_eq!(e.field(), Field::VirtualRange(1));
    assert!(e.to_string().contains("upper range"), "{e}");
    // WXN is for the stage 1 tables: a VM's rwx page builds with it.
    l.map(
        vm,
        &page("rwx", PageKind::Data, PageSize::Size4K).perms(Perms::RWX),
    )
    .unwrap();
    l.build_translations(
        &TableConfig::new().with_wxn(true),
        &TablePlacement::Anywhere,
    )
    .unwrap();
}

/// The sizes of concatenated roots, for several IPA sizes and granules, anywhere and
/// packed in a range after a stage 1 table of an odd number of tables.
#[test]
fn concatenated_roots_are_reserved_aligned_and_counted() {
    for (granule, ipa_bits, roots) in [
        (Granule::Size4K, 31, 2),
        (Granule::Size4K, 34, 16),
        (Granule::Size4K, 40, 2),
        (Granule::Size4K, 39, 1),
        (Granule::Size16K, 37, 2),
        (Granule::Size64K, 46, 16),
    ] {
        for at in [false, true] {
            let (mut l, hyp) = host();
            let g = granule.bytes();
            l.set_granule(hyp, granule).unwrap();
            let small = PageSize::from_bytes(g).unwrap();
            l.map(hyp, &page("h", PageKind::Data, small)).unwrap();
            let vm = l
                .add_vm_sized("g", 1, Cores::one(0), &[(0, 1 << 25)], Some(ipa_bits))
                .unwrap();
            l.set_granule(vm, granule).unwrap();
            l.map(vm, &page("ram", PageKind::Data, small).count(3))
                .unwrap();
            let placement = if at {
                TablePlacement::At {
                    start: RAM + RAM_SIZE - (8 << 20),
                    size: 8 << 20,
                }
            } else {
                TablePlacement::Anywhere
            };
            let cfg = TableConfig::new().with_granule(granule);
            let tr = l.build_translations(&cfg, &placement).unwrap();
            let s2 = &tr[vm.index()];
            let what = format!("{granule} {ipa_bits} bits, at: {at}");
            assert_eq!(s2.root_tables(), roots, "{what}");
            assert_eq!(s2.base_pa() % (roots as u64 * g), 0, "{what}");
            // The reservation is exactly the image: the roots and one table per level
            // below them.
            let reserved: u64 = l
                .reservations()
                .iter()
                .filter(|(name, _)| name.contains("translation tables"))
                .map(|(_, r)| r.size() as u64)
                .sum();
            let images: u64 = tr.iter().map(|t| t.len() as u64).sum();
            if at {
                // Packed: the images and at most the alignment padding before the VM.
                assert!(
                    reserved >= images && reserved < images + roots as u64 * g,
                    "{what}"
                );
            } else {
                assert_eq!(reserved, images, "{what}");
            }
            for p in l.pages(vm) {
                let w = s2.walk_stage2(p.va()).unwrap();
                assert_eq!(w.pa, p.pa(), "{what}");
            }
        }
    }
}

#[test]
fn fixed_pa_overlaps_with_a_vm_name_both_pages() {
    let (mut l, hyp) = host();
    let a = l.add_vm("a", 1, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    let b = l.add_vm("b", 2, Cores::one(1), &[(0, 1 << 30)]).unwrap();
    let hyp_page = l
        .map(
            hyp,
            &page("hyp_data", PageKind::Data, PageSize::Size4K).pa(RAM),
        )
        .unwrap();
    // A VM page on the hypervisor's PA.
    let e = l
        .map(a, &page("steal", PageKind::Data, PageSize::Size4K).pa(RAM))
        .unwrap_err();
    assert_eq!(e.field(), Field::Pa);
    assert_eq!(e.other(), Some(Party::Mapping(hyp_page)));
    assert_eq!(
        e.to_string(),
        "PA 0x4000_0000..0x4000_1000 of page `steal` is already owned by `hyp_data` of table `hyp`, but a VM may reach only the memory it is given, and no other table a VM's memory; to share it, declare it once as a `shared page` listing both tables, or write `alias hyp::hyp_data` here; otherwise give the page other PA"
    );
    // A VM page on another VM's PA, and a device passed through to two VMs.
    let own = l
        .map(
            a,
            &page("ram", PageKind::Data, PageSize::Size2M).pa(RAM + (2 << 20)),
        )
        .unwrap();
    let e = l
        .map(
            b,
            &page("ram", PageKind::Data, PageSize::Size4K).pa(RAM + (3 << 20)),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::VmIsolation { name, with_table, .. } if name == "ram" && with_table == "a")
    );
    assert_eq!(e.other(), Some(Party::Mapping(own)));
    l.map(
        a,
        &page("uart", PageKind::Device, PageSize::Size4K)
            .va(0x0900_0000)
            .pa(0x0900_0000),
    )
    .unwrap();
    let e = l
        .map(
            b,
            &page("uart", PageKind::Device, PageSize::Size4K)
                .va(0x0900_0000)
                .pa(0x0900_0000),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::VmIsolation { name, with, .. } if name == "uart" && with == "uart")
    );
    // The hypervisor at a VM's PA: the same error, the VM named.
    let e = l
        .map(
            hyp,
            &page("peek", PageKind::Data, PageSize::Size4K).pa(RAM + (2 << 20)),
        )
        .unwrap_err();
    assert!(
        matches!(&e, Error::VmIsolation { name, with_table, .. } if name == "peek" && with_table == "a")
    );
    // Declared sharing is allowed: an alias of the hypervisor's page in a VM, an alias
    // of one VM's page in another, and a shared page.
    l.map_alias(a, hyp_page, &page("shm", PageKind::Data, PageSize::Size4K))
        .unwrap();
    l.map_alias(b, own, &page("from_a", PageKind::Data, PageSize::Size4K))
        .unwrap();
    l.map_shared(
        Some(&[hyp, b]),
        &page("mailbox", PageKind::Data, PageSize::Size4K),
    )
    .unwrap();
    build(&mut l);
}

/// Every PA range a VM may reach: its pages (own, aliases, shared pages it is in).
/// Every PA range it must not: the pages of other tables that are not the same memory
/// as one of its pages (the same mapping, or an alias of the same original), and every
/// table's translation tables.
fn check_isolation(l: &Layout, tr: &[Translation], vm: TableId, rng: &mut Rng) -> usize {
    let origin = |m: MappingId| l.alias_of(m).unwrap_or(m);
    let own: Vec<MappingId> = l
        .pages(vm)
        .iter()
        .map(|p| origin(l.mapping(vm, p.name()).unwrap()))
        .collect();
    let mut foreign: Vec<(u64, u64, String)> = Vec::new();
    // A guest's pages map IPAs, not PAs: its memory is its VM's pages.
    for t in l.tables().filter(|&t| t != vm && l.guest_vm(t).is_none()) {
        for p in l.pages(t) {
            let m = origin(l.mapping(t, p.name()).unwrap());
            if !own.contains(&m) {
                foreign.push((
                    p.pa(),
                    p.size(),
                    format!("{}::{}", l.table_info(t).unwrap().name(), p.name()),
                ));
            }
        }
    }
    for (i, t) in tr.iter().enumerate() {
        // A guest's tables are addressed by IPA and loaded at a PA of its VM's RAM:
        // foreign to every other VM.
        let guest = l.tables().nth(i).and_then(|g| Some((g, l.guest_vm(g)?)));
        let pa = match guest {
            Some((_, of)) if of == vm => continue,
            Some((g, _)) => l.guest_tables_pa(g).unwrap(),
            None => t.base_pa(),
        };
        foreign.push((pa, t.len() as u64, format!("tables of {}", t.name())));
    }
    // IPAs to walk: each range's ends, each page's ends and the IPAs just outside it
    // (holes between pages), and random IPAs in the ranges.
    let mut ipas = Vec::new();
    for r in l.virtual_ranges(vm) {
        ipas.push(r.start());
        ipas.push(r.last());
        for _ in 0..16 {
            ipas.push(r.start() + rng.below(r.size() as u64));
        }
    }
    for p in l.pages(vm) {
        ipas.extend([
            p.va(),
            p.va() + p.size() - 1,
            p.va().wrapping_sub(1),
            p.va() + p.size(),
        ]);
    }
    let s2 = &tr[vm.index()];
    let mut walked = 0;
    for ipa in ipas {
        if ipa >> l.va_bits(vm).unwrap() != 0 {
            continue;
        }
        walked += 1;
        match s2.walk_stage2(ipa) {
            Ok(w) => {
                let page = l
                    .pages(vm)
                    .into_iter()
                    .find(|p| p.va_to_pa(ipa).is_some())
                    .unwrap_or_else(|| {
                        panic!(
                            "IPA {ipa:#x} of {} reaches PA {:#x} outside its pages",
                            s2.name(),
                            w.pa
                        )
                    });
                assert_eq!(Some(w.pa), page.va_to_pa(ipa), "IPA {ipa:#x}");
                if let Some((_, _, who)) = foreign
                    .iter()
                    .find(|(pa, size, _)| (*pa..*pa + *size).contains(&w.pa))
                {
                    panic!(
                        "IPA {ipa:#x} of {} reaches PA {:#x} of {who}",
                        s2.name(),
                        w.pa
                    );
                }
            }
            Err(_) => assert_eq!(l.translate(vm, ipa), None, "IPA {ipa:#x} faults"),
        }
    }
    walked
}

/// Random layouts: a hypervisor (EL2), 2 or 3 VMs with random IPA ranges and pages
/// (automatic, fixed IPA, fixed PA, `* N`, execute-only, passed-through devices), aliases
/// of the hypervisor's pages and of other VMs' pages, shared pages, and fixed PAs that
/// collide on purpose (refused). Every VM's stage 2 is walked: no IPA reaches PA it
/// was not given.
#[test]
fn seeded_vms_reach_only_their_own_or_declared_memory() {
    let mut walked = 0;
    let mut refused = 0;
    let mut vms_built = 0;
    let mut guests = 0;
    for seed in 0..48u64 {
        let mut rng = Rng::new(seed);
        let mut l = if seed % 2 == 0 {
            Layout::with_seed(seed)
        } else {
            Layout::new()
        };
        l.add_pool(Pool::ram("ram", RAM, RAM_SIZE)).unwrap();
        l.add_pool(Pool::device("mmio", 0x0900_0000, 1 << 24))
            .unwrap();
        let hyp = l
            .add_table_for_cores(
                "hyp",
                Cores::range(0, 3).unwrap(),
                ExecutionContext::EL2_NS,
                &[(RAM, RAM_SIZE)],
                40,
            )
            .unwrap();
        let mut hyp_pages = Vec::new();
        for k in 0..3 {
            let size = [PageSize::Size4K, PageSize::Size2M][rng.below(2) as usize];
            let m = l
                .map(
                    hyp,
                    &page(&format!("h{k}"), PageKind::Data, size).count(1 + rng.below(3) as u32),
                )
                .unwrap();
            hyp_pages.push(m);
        }
        let n = 2 + rng.below(2) as u16;
        let mut vms = Vec::new();
        let mut vm_pages: Vec<MappingId> = Vec::new();
        for v in 0..n {
            let lo = rng.below(4) << 30;
            let ranges = [(lo, (1 + rng.below(2)) << 30), (8 << 30, 1 << 30)];
            let vm = l
                .add_vm(
                    format!("vm{v}"),
                    v + 1,
                    Cores::one(u32::from(v)),
                    &ranges[..1 + rng.below(2) as usize],
                )
                .unwrap();
            vms.push(vm);
            // A passed-through device, at one PA per VM.
            l.map(
                vm,
                &page("uart", PageKind::Device, PageSize::Size4K)
                    .va(lo + 0x0900_0000)
                    .pa(0x0900_0000 + u64::from(v) * 0x1000)
                    .perms(Perms::RW),
            )
            .unwrap();
            for k in 0..(2 + rng.below(5)) {
                let size =
                    [PageSize::Size4K, PageSize::Size64K, PageSize::Size2M][rng.below(3) as usize];
                let perms =
                    [Perms::R, Perms::RW, Perms::RX, Perms::RWX, Perms::X][rng.below(5) as usize];
                let kind = if perms.execute() {
                    PageKind::Code
                } else {
                    PageKind::Data
                };
                let mut req = page(&format!("p{k}"), kind, size)
                    .count(1 + rng.below(4) as u32)
                    .perms(perms);
                if rng.below(3) == 0 {
                    req = req.va(lo + rng.below(64) * (2 << 20));
                }
                match rng.below(4) {
                    // A fixed PA that may well collide with a page of another table.
                    0 => {
                        let taken: Vec<u64> = l.all_pages().iter().map(|p| p.pa()).collect();
                        let pa = if !taken.is_empty() && rng.below(2) == 0 {
                            taken[rng.below(taken.len() as u64) as usize] & !(size.bytes() - 1)
                        } else {
                            RAM + rng.below(RAM_SIZE / size.bytes()) * size.bytes()
                        };
                        req = req.pa(pa);
                    }
                    1 => req = req.identity(),
                    _ => {}
                }
                match l.map(vm, &req) {
                    Ok(m) => vm_pages.push(m),
                    Err(Error::VmIsolation { .. }) => refused += 1,
                    Err(_) => {}
                }
            }
            // A second VM passing the first one's device through is refused.
            if v > 0 {
                let e = l
                    .map(
                        vm,
                        &page("uart0", PageKind::Device, PageSize::Size4K).pa(0x0900_0000),
                    )
                    .unwrap_err();
                assert!(matches!(e, Error::VmIsolation { .. }), "{e}");
            }
            // Declared sharing: an alias of a hypervisor page, of an earlier VM's page.
            let of = hyp_pages[rng.below(hyp_pages.len() as u64) as usize];
            l.map_alias(vm, of, &page("shm", PageKind::Data, PageSize::Size4K))
                .unwrap();
            if let Some(&other) = vm_pages.first()
                && !l.mapping_tables(other).contains(&vm)
                && rng.below(2) == 0
            {
                let _ = l.map_alias(
                    vm,
                    other,
                    &page("peer", PageKind::Data, PageSize::Size4K).perms(Perms::R),
                );
            }
        }
        // A guest in each VM, its pages and tables drawn from the VM's pages.
        for (v, &vm) in vms.iter().enumerate() {
            l.map(
                vm,
                &page("gram", PageKind::Data, PageSize::Size4K).count(32),
            )
            .unwrap();
            let g = l
                .add_guest_table(
                    vm,
                    format!("guest{v}"),
                    v as u32,
                    ExecutionContext::EL1_NS,
                    &[(0xFFFF_0000_0000_0000, 1 << 30)],
                )
                .unwrap();
            for k in 0..1 + rng.below(4) {
                let kind = [PageKind::Code, PageKind::Data][rng.below(2) as usize];
                let _ = l.map(g, &page(&format!("gp{k}"), kind, PageSize::Size4K));
            }
            guests += l.pages(g).len();
        }
        // A shared page of the hypervisor and one VM.
        let with = vms[rng.below(vms.len() as u64) as usize];
        l.map_shared(
            Some(&[hyp, with]),
            &page("mailbox", PageKind::Data, PageSize::Size4K),
        )
        .unwrap();
        let tr = l
            .build_translations(&TableConfig::new(), &TablePlacement::Anywhere)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        for &vm in &vms {
            walked += check_isolation(&l, &tr, vm, &mut rng);
            vms_built += 1;
        }
    }
    println!("{vms_built} VMs, {walked} IPAs walked, {refused} colliding fixed PAs refused");
    assert!(vms_built >= 96 && walked > 5000, "{vms_built} {walked}");
    assert!(refused > 10, "the collisions were exercised: {refused}");
    assert!(guests > 100, "guest pages were present: {guests}");
}

#[test]
fn a_shared_page_for_every_table_leaves_the_vms_out() {
    let (mut l, hyp) = host();
    let el1 = l
        .add_table("k", 0, ExecutionContext::EL1_NS, &[(0, 1 << 30)])
        .unwrap();
    let vm = l.add_vm("g", 9, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    let all = l
        .map_shared(None, &page("log", PageKind::Data, PageSize::Size4K))
        .unwrap();
    assert_eq!(l.mapping_tables(all), [hyp, el1]);
    // Listed, a VM shares it.
    let listed = l
        .map_shared(
            Some(&[hyp, vm]),
            &page("mailbox", PageKind::Data, PageSize::Size4K),
        )
        .unwrap();
    assert_eq!(l.mapping_tables(listed), [hyp, vm]);
    let map = l.to_string();
    assert!(
        map.contains("table g (core 0, EL1_NS) vm vmid 9 (stage 2: VA is the IPA)"),
        "{map}"
    );
}

#[test]
fn vm_pages_keep_to_non_secure_memory_and_off_reserved_pa() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("secure_ram", 0x0E00_0000, 16 << 20))
        .unwrap();
    l.add_pool(Pool::ram("ns_ram", RAM, RAM_SIZE).non_secure())
        .unwrap();
    let vm = l.add_vm("g", 1, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    // Automatic PA: non-secure memory only (the Non-secure stage 2 outputs
    // Non-secure PAs).
    let m = l
        .map(vm, &page("ram", PageKind::Data, PageSize::Size2M).count(4))
        .unwrap();
    assert!(l.mapping_pa(m).unwrap() >= RAM);
    let e = l
        .map(
            vm,
            &page("secret", PageKind::Data, PageSize::Size4K).pa(0x0E00_0000),
        )
        .unwrap_err();
    assert!(matches!(e, Error::SecureInNonSecure { .. }), "{e}");
    // The translation tables' range is not a VM's either.
    l.reserve_tables_range(RAM + (64 << 20), 1 << 20).unwrap();
    let e = l
        .map(
            vm,
            &page("tables", PageKind::Data, PageSize::Size4K).pa(RAM + (64 << 20)),
        )
        .unwrap_err();
    assert_eq!(e.other(), Some(Party::TranslationTables));
    // Segments go in a VM's pages at IPAs, as in any table's.
    let seg = l
        .place_segment(
            vm,
            &memlayout::SegmentRequest::new("heap", memlayout::SegmentKind::Data, 0x1000)
                .in_page("ram"),
        )
        .unwrap();
    let s = l.segment_in(seg, vm).unwrap();
    let (ipa, pa) = (s.va(), s.pa());
    assert_eq!(l.translate(vm, ipa), Some(pa));
    let tr = l
        .build_translations(
            &TableConfig::new(),
            &TablePlacement::At {
                start: RAM + (64 << 20),
                size: 1 << 20,
            },
        )
        .unwrap();
    assert_eq!(tr[vm.index()].walk_stage2(ipa).unwrap().pa, pa);
}

#[test]
fn vm_error_messages_say_how_to_fix() {
    let (mut l, _) = host();
    l.set_pa_bits(36).unwrap();
    let e = l
        .add_vm("g", 1, Cores::one(0), &[(1 << 36, 1 << 20)])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "VM `g` has a 37-bit IPA space (IPA range 0x10_0000_0000..0x10_0010_0000 needs it), over the layout's 36-bit PA size, and stage 2 cannot translate an IPA larger than the PA size; raise `pa_bits` to 40 or more, or keep the VM's IPA ranges below 0x10_0000_0000"
    );
    assert_eq!(e.note("pa_bits"), "`pa_bits = 36` sets the PA size here");
    let vm = l.add_vm("g", 1, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    assert_eq!(
        l.set_asid(vm, 3).unwrap_err().to_string(),
        "table `g` is the stage 2 table of a VM (IPA -> PA), which has no ASID: stage 2 TLB entries are tagged with the VM's VMID; remove `asid`"
    );
    let p = l
        .add_table("p", 0, ExecutionContext::EL0_NS, &[(0x40_0000, 1 << 20)])
        .unwrap();
    assert_eq!(
        l.put_under(p, vm).unwrap_err().to_string(),
        "table `g` is the stage 2 table of a VM (IPA -> PA), so `p` cannot run under it: stage 2 has no TTBR1 for a kernel; name an EL1 stage 1 table as the kernel"
    );
    let e = l
        .add_vm("up", 2, Cores::one(0), &[(0xFFFF_0000_0000_0000, 1 << 30)])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "table `up` is the stage 2 table of a VM (IPA -> PA), which translates one IPA range from 0 (VTTBR_EL2), but 0xFFFF_0000_0000_0000..0xFFFF_0000_4000_0000 is an upper range; give the VM IPA ranges below 0x10_0000_0000_0000"
    );
    let e = l
        .add_vm("h", 1, Cores::one(0), &[(0, 1 << 30)])
        .unwrap_err();
    assert_eq!(e.note("g"), "`g` has VMID 1 here");
}

#[test]
fn overlapping_ipa_ranges_and_names_are_refused_as_for_any_table() {
    let (mut l, _) = host();
    let e = l
        .add_vm(
            "g",
            1,
            Cores::one(0),
            &[(0, 1 << 30), (0x3000_0000, 1 << 30)],
        )
        .unwrap_err();
    assert!(matches!(e, Error::Overlap { .. }), "{e}");
    assert_eq!(e.field(), Field::VirtualRange(1));
    let e = l
        .add_vm("hyp", 1, Cores::one(0), &[(0, 1 << 30)])
        .unwrap_err();
    assert!(matches!(e, Error::Duplicate { .. }), "{e}");
    assert_eq!(l.vms().count(), 0);
}
