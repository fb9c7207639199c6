//! Guests' own stage 1 tables inside virtual machines at run time
//! (`Layout::add_guest_table`): guest pages take IPAs of their VM's stage 2 pages of a
//! compatible kind, their translation tables go in the VM's RAM at an IPA, every
//! error, and a seeded property test that walks every guest page VA -> IPA -> PA
//! through both images.

use memlayout::aarch64::{
    Stage1Tables, Stage2Tables, TableConfig, Translation, TwoStageFault, walk_two_stages,
};
use memlayout::error::{Field, GuestFeature, GuestNeed, Party, Space};
use memlayout::tables::TablePlacement;
use memlayout::{
    Cores, Error, ExecutionContext, Layout, MappingId, PageKind, PageRequest, PageSize, Perms,
    Pool, Rng, SegmentKind, SegmentRequest, TableId,
};

const RAM: u64 = 0x4000_0000;
const RAM_SIZE: u64 = 1 << 30;
const KERNEL_VA: u64 = 0xFFFF_0000_0000_0000;

fn page(name: &str, kind: PageKind, size: PageSize) -> PageRequest {
    PageRequest::new(name, kind, size)
}

/// A hypervisor's layout with one VM: RAM (`data`, 2 MiB x 8, `rwx`), flash at IPA 0
/// (`code`, `rx`), a read-only page, a passed-through UART at IPA 0x0900_0000, and a
/// guest kernel table (EL1) in it.
struct Vm {
    l: Layout,
    vm: TableId,
    kernel: TableId,
    ram: MappingId,
    flash: MappingId,
    rom: MappingId,
    uart: MappingId,
}

fn vm() -> Vm {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, RAM_SIZE)).unwrap();
    l.add_pool(Pool::device("mmio", 0x0900_0000, 1 << 24))
        .unwrap();
    l.add_table_for_cores(
        "hyp",
        Cores::range(0, 1).unwrap(),
        ExecutionContext::EL2_NS,
        &[(RAM, RAM_SIZE)],
        40,
    )
    .unwrap();
    let vm = l
        .add_vm("guest0", 1, Cores::range(0, 1).unwrap(), &[(0, 2 << 30)])
        .unwrap();
    let ram = l
        .map(
            vm,
            &page("ram", PageKind::Data, PageSize::Size2M)
                .count(8)
                .va(0x4000_0000)
                .perms(Perms::RWX),
        )
        .unwrap();
    let flash = l
        .map(
            vm,
            &page("flash", PageKind::Code, PageSize::Size2M)
                .va(0)
                .perms(Perms::RX),
        )
        .unwrap();
    let rom = l
        .map(
            vm,
            &page("rom", PageKind::Data, PageSize::Size4K)
                .va(0x20_0000)
                .perms(Perms::R),
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
    let kernel = l
        .add_guest_table(
            vm,
            "kernel",
            0,
            ExecutionContext::EL1_NS,
            &[(KERNEL_VA, 1 << 30)],
        )
        .unwrap();
    Vm {
        l,
        vm,
        kernel,
        ram,
        flash,
        rom,
        uart,
    }
}

fn build(l: &mut Layout) -> Vec<Translation> {
    l.build_translations(&TableConfig::new(), &TablePlacement::Anywhere)
        .unwrap()
}

/// Walks VA `va` of guest `guest` through its image (loaded at its tables' PA) and its
/// VM's stage 2.
fn walk(
    l: &Layout,
    tr: &[Translation],
    guest: TableId,
    va: u64,
) -> Result<memlayout::aarch64::TwoStageWalk, TwoStageFault> {
    let vm = l.guest_vm(guest).unwrap();
    let g = &tr[guest.index()];
    let s2 = &tr[vm.index()];
    let regs = s2.stage2_registers().unwrap();
    let stage1 = Stage1Tables {
        image: g.bytes(),
        image_pa: l.guest_tables_pa(guest).unwrap(),
        tcr: g.tcr(),
        ttbr0: g.ttbr0(),
        ttbr1: g.ttbr1(),
        mair: g.mair(),
    };
    let stage2 = Stage2Tables::new(s2.bytes(), s2.base_pa(), regs.vtcr, regs.vttbr);
    walk_two_stages(&stage1, &stage2, va)
}

/// Every page of every guest walks both stages to the PA the layout gives it (its IPA
/// through the VM's pages), with the permissions of both stages combined.
fn check_guests(l: &Layout, tr: &[Translation]) -> usize {
    let mut walked = 0;
    for vm in l.vms() {
        for guest in l.guests(vm) {
            for p in l.pages(guest) {
                for va in [p.va(), p.va() + p.size() / 2, p.va() + p.size() - 1] {
                    let ipa = l.translate(guest, va).unwrap();
                    let pa = l.translate(vm, ipa).unwrap();
                    let w = walk(l, tr, guest, va).unwrap_or_else(|e| {
                        panic!(
                            "{}::{} VA {va:#x}: {e:?}",
                            l.table_info(guest).unwrap().name(),
                            p.name()
                        )
                    });
                    assert_eq!((w.ipa, w.pa), (ipa, pa), "VA {va:#x}");
                    let s2 = l
                        .pages(vm)
                        .into_iter()
                        .find(|q| q.va_to_pa(ipa).is_some())
                        .unwrap();
                    let (g, h) = (p.mem_attrs().perms, s2.mem_attrs().perms);
                    assert_eq!(w.writable(), g.write() && h.write(), "VA {va:#x}");
                    assert_eq!(w.readable(), h.read(), "VA {va:#x}");
                    if p.mem_attrs().kind == PageKind::Code {
                        let user = l.table_info(guest).unwrap().el().is_user();
                        let x = if user {
                            w.executable_el0()
                        } else {
                            w.executable()
                        };
                        assert!(x, "VA {va:#x}");
                    }
                    assert_eq!(w.is_device(), p.mem_attrs().kind.is_device());
                    walked += 1;
                }
            }
        }
    }
    walked
}

#[test]
fn a_guest_maps_va_to_ipas_of_its_vm_and_keeps_its_tables_in_the_vm_ram() {
    let Vm {
        mut l,
        vm,
        kernel,
        ram,
        flash,
        uart,
        ..
    } = vm();
    assert_eq!(l.guest_vm(kernel), Some(vm));
    assert_eq!(l.guest_vm(vm), None);
    assert_eq!(l.guests(vm).collect::<Vec<_>>(), [kernel]);
    let free_before = l.free_in_pool("ram").unwrap();
    // Automatic: an IPA of an executable stage 2 page (flash is first, lowest).
    let text = l
        .map(kernel, &page("text", PageKind::Code, PageSize::Size2M))
        .unwrap();
    let text_ipa = l.mapping_pa(text).unwrap();
    assert_eq!(text_ipa, 0, "drawn from `flash`, the lowest executable IPA");
    // Data takes writable IPA: RAM (flash is read-only).
    let data = l
        .map(
            kernel,
            &page("data", PageKind::Data, PageSize::Size4K).count(3),
        )
        .unwrap();
    let data_ipa = l.mapping_pa(data).unwrap();
    assert!((0x4000_0000..0x4000_0000 + (16 << 20)).contains(&data_ipa));
    // The passed-through UART at its IPA.
    let dev = l
        .map(
            kernel,
            &page("uart", PageKind::Device, PageSize::Size4K).pa(0x0900_0000),
        )
        .unwrap();
    // An EL0 guest table of the same VM shares a page with the kernel, at one IPA.
    let user = l
        .add_guest_table(vm, "user", 0, ExecutionContext::EL0_NS, &[(0, 1 << 30)])
        .unwrap();
    let shm = l
        .map_shared(
            Some(&[kernel, user]),
            &page("shm", PageKind::Data, PageSize::Size4K),
        )
        .unwrap();
    let alias = l
        .map_alias(
            user,
            data,
            &page("data_ro", PageKind::Data, PageSize::Size4K).perms(Perms::R),
        )
        .unwrap();
    assert_eq!(l.mapping_pa(alias), Some(data_ipa));
    // A segment in a guest page has an IPA as its "PA".
    let entry = l
        .place_segment(
            kernel,
            &SegmentRequest::new("entry", SegmentKind::BootCode, 0x800).in_page("text"),
        )
        .unwrap();
    let seg = l.segment_in(entry, kernel).unwrap();
    assert_eq!(
        seg.pa(),
        text_ipa + (seg.va() - l.mapping_va(text, kernel).unwrap())
    );
    // The pools never saw a guest page.
    assert_eq!(l.free_in_pool("ram"), Some(free_before));
    let tr = build(&mut l);
    let g = &tr[kernel.index()];
    let (ipa, pa) = (
        l.guest_tables_ipa(kernel).unwrap(),
        l.guest_tables_pa(kernel).unwrap(),
    );
    assert_eq!(g.base_pa(), ipa, "the guest's tables are addressed by IPA");
    assert_eq!(g.ttbr1() & 0xFFFF_FFFF_F000, ipa);
    assert_eq!(
        l.translate(vm, ipa),
        Some(pa),
        "loaded at the stage 2 translation"
    );
    // In the VM's RAM, off every guest page.
    let ram_ipa = l.mapping_va(ram, vm).unwrap();
    assert!((ram_ipa..ram_ipa + (16 << 20)).contains(&ipa));
    for m in [text, data, dev, shm] {
        let (s, n) = (
            l.mapping_pa(m).unwrap(),
            l.mapping_pages(m, kernel).len() as u64,
        );
        let bytes = n * l.mapping_pages(m, kernel)[0].size();
        assert!(
            ipa + g.len() as u64 <= s || s + bytes <= ipa,
            "tables off `{m:?}`"
        );
    }
    // TCR_EL1.IPS covers the VM's 31-bit IPA space: 32 bits (0b000).
    assert_eq!((g.tcr() >> 32) & 0b111, 0);
    assert!(check_guests(&l, &tr) >= 15);
    // The UART is Device at both stages, the text executable, the alias read-only.
    let uart_va = l.mapping_va(dev, kernel).unwrap();
    let w = walk(&l, &tr, kernel, uart_va).unwrap();
    assert_eq!(w.pa, l.mapping_pa(uart).unwrap());
    let w = walk(&l, &tr, kernel, l.mapping_va(text, kernel).unwrap()).unwrap();
    assert_eq!(w.pa, l.mapping_pa(flash).unwrap());
    assert!(w.executable() && !w.writable());
    let w = walk(&l, &tr, user, l.mapping_va(alias, user).unwrap()).unwrap();
    assert!(!w.writable_el0() && w.readable_el0());
    // A VA of no guest page faults at stage 1.
    assert!(matches!(
        walk(&l, &tr, kernel, KERNEL_VA + (512 << 20)),
        Err(TwoStageFault::Stage1(_))
    ));
}

#[test]
fn fixed_guest_ipas_are_checked_against_the_vm_pages() {
    let Vm {
        mut l,
        kernel,
        flash,
        rom,
        uart,
        ..
    } = vm();
    let name = |e: &Error| e.to_string();
    // Not mapped by any stage 2 page.
    let e = l
        .map(
            kernel,
            &page("hole", PageKind::Data, PageSize::Size4K).pa(0x1000_0000),
        )
        .unwrap_err();
    assert!(matches!(e, Error::GuestIpaUnmapped { .. }), "{e}");
    assert_eq!(e.field(), Field::Pa);
    assert_eq!(
        name(&e),
        "guest page `hole` of table `kernel` is at IPA 0x1000_0000..0x1000_1000, which no stage 2 page of VM `guest0` maps, so the guest would take a stage 2 fault there; give it the IPA of a page of `guest0` (its `pa` in a guest is an IPA), or map a stage 2 page there"
    );
    // Half on the read-only page, half past it: the unmapped part is named.
    let e = l
        .map(
            kernel,
            &page("over", PageKind::Data, PageSize::Size4K)
                .count(2)
                .pa(0x20_0000)
                .perms(Perms::R),
        )
        .unwrap_err();
    match e {
        Error::GuestIpaUnmapped { range, .. } => {
            assert_eq!((range.start, range.end), (0x20_1000, 0x20_2000))
        }
        e => panic!("{e}"),
    }
    // Code on a device page.
    let e = l
        .map(
            kernel,
            &page("text", PageKind::Code, PageSize::Size4K).pa(0x0900_0000),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::GuestIpaIncompatible {
                needs: GuestNeed::Normal,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.other(), Some(Party::Mapping(uart)));
    assert_eq!(
        e.note("uart"),
        "stage 2 page `uart` of VM `guest0` is declared here"
    );
    assert_eq!(
        name(&e),
        "guest page `text` is at IPA 0x900_0000..0x900_1000, on stage 2 page `uart` of VM `guest0`, but Normal memory (`code`, `data`, `system`) needs a stage 2 Normal page, not a device one; map it on a stage 2 `code` or `data` page"
    );
    // A writable page on a read-only stage 2 page.
    let e = l
        .map(
            kernel,
            &page("table", PageKind::Data, PageSize::Size4K).pa(0x20_0000),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::GuestIpaIncompatible {
                needs: GuestNeed::Write,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.other(), Some(Party::Mapping(rom)));
    assert!(name(&e).ends_with(
        "add `w` to the stage 2 page's permissions (`rw` or `rwx`), or make the guest page `r`"
    ));
    // Read-only on it is fine.
    l.map(
        kernel,
        &page("table", PageKind::Data, PageSize::Size4K)
            .pa(0x20_0000)
            .perms(Perms::R),
    )
    .unwrap();
    // Past the read-only page: nothing maps it.
    let e = l
        .map(
            kernel,
            &page("x", PageKind::Code, PageSize::Size4K).pa(0x20_0000 + 0x1000),
        )
        .unwrap_err();
    assert!(matches!(e, Error::GuestIpaUnmapped { .. }), "{e}");
    let e = l
        .map(
            kernel,
            &page("wx", PageKind::Data, PageSize::Size4K)
                .pa(0x10_0000)
                .perms(Perms::RW),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::GuestIpaIncompatible {
                needs: GuestNeed::Write,
                ..
            }
        ),
        "a writable page on the read-only flash: {e}"
    );
    assert_eq!(e.other(), Some(Party::Mapping(flash)));
    // A device page on Normal memory.
    let e = l
        .map(
            kernel,
            &page("dev", PageKind::Device, PageSize::Size4K).pa(0x4000_0000),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::GuestIpaIncompatible {
                needs: GuestNeed::Device,
                ..
            }
        ),
        "{e}"
    );
    // Two guest pages at one IPA (no sharing declared).
    l.map(
        kernel,
        &page("a", PageKind::Data, PageSize::Size4K).pa(0x4000_0000),
    )
    .unwrap();
    let e = l
        .map(
            kernel,
            &page("b", PageKind::Data, PageSize::Size4K).pa(0x4000_0000),
        )
        .unwrap_err();
    match &e {
        Error::Overlap { space, with, .. } => {
            assert_eq!(space, &Space::Ipa("guest0".into()));
            assert_eq!(with, "a");
        }
        e => panic!("{e}"),
    }
    assert_eq!(
        e.to_string(),
        "range 0x4000_0000..0x4000_1000 overlaps `a` in the IPA space of VM `guest0`; move one of them, or map an alias of it (`map_alias`) to share its IPA"
    );
}

#[test]
fn an_executable_guest_page_needs_an_executable_stage_2_page() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, RAM_SIZE)).unwrap();
    let vm = l.add_vm("v", 2, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    let data = l
        .map(
            vm,
            &page("ram", PageKind::Data, PageSize::Size2M).perms(Perms::RW),
        )
        .unwrap();
    let g = l
        .add_guest_table(vm, "k", 0, ExecutionContext::EL1_NS, &[(0, 1 << 30)])
        .unwrap();
    let ipa = l.mapping_va(data, vm).unwrap();
    let e = l
        .map(g, &page("text", PageKind::Code, PageSize::Size4K).pa(ipa))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::GuestIpaIncompatible {
                needs: GuestNeed::Execute,
                ..
            }
        ),
        "{e}"
    );
    // Automatic: no executable IPA in the VM.
    let e = l
        .map(g, &page("text", PageKind::Code, PageSize::Size4K))
        .unwrap_err();
    match &e {
        Error::NoRoom { space, .. } => assert_eq!(space, &Space::Ipa("v".into())),
        e => panic!("{e}"),
    }
    assert!(e.to_string().contains("the IPA space of VM `v`"), "{e}");
}

#[test]
fn guest_tables_need_room_in_writable_vm_ram() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, RAM_SIZE)).unwrap();
    let vm = l.add_vm("v", 2, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    l.map(
        vm,
        &page("flash", PageKind::Code, PageSize::Size2M).perms(Perms::RX),
    )
    .unwrap();
    let g = l
        .add_guest_table(vm, "k", 0, ExecutionContext::EL1_NS, &[(0, 1 << 30)])
        .unwrap();
    l.map(g, &page("text", PageKind::Code, PageSize::Size4K))
        .unwrap();
    let e = l
        .build_translations(&TableConfig::new(), &TablePlacement::Anywhere)
        .unwrap_err();
    match &e {
        Error::NoRoomForTables { table, space, .. } => {
            assert_eq!(table, "k");
            assert_eq!(space, &Space::Ipa("v".into()));
        }
        e => panic!("{e}"),
    }
    assert_eq!(
        e.to_string(),
        "no room for the translation tables of table `k` (0x2000 bytes: 2 tables of 4 KiB) in the IPA space of VM `v`; it has no free range left, so map a larger writable `data` page in VM `v` (a guest's tables go in its VM's RAM, off its guests' pages)"
    );
    // Writable RAM all taken by guest pages: no room either.
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, RAM_SIZE)).unwrap();
    let vm = l.add_vm("v", 2, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    l.map(vm, &page("ram", PageKind::Data, PageSize::Size4K).count(2))
        .unwrap();
    let g = l
        .add_guest_table(vm, "k", 0, ExecutionContext::EL1_NS, &[(0, 1 << 30)])
        .unwrap();
    l.map(g, &page("d", PageKind::Data, PageSize::Size4K).count(2))
        .unwrap();
    assert!(matches!(
        l.build_translations(&TableConfig::new(), &TablePlacement::Anywhere),
        Err(Error::NoRoomForTables { .. })
    ));
}

#[test]
fn what_a_guest_table_cannot_have() {
    let Vm {
        mut l, vm, kernel, ..
    } = vm();
    let hyp = l.table("hyp").unwrap();
    // Not a VM.
    let e = l
        .add_guest_table(hyp, "g", 0, ExecutionContext::EL1_NS, &[(0, 1 << 30)])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "guest table `g` is asked inside `hyp`, which is not a virtual machine; name a VM (`add_vm`), or add `g` as an ordinary table"
    );
    // Outside the Non-secure EL1&0 regime.
    let e = l
        .add_guest_table(vm, "g", 0, ExecutionContext::EL2_NS, &[(0, 1 << 30)])
        .unwrap_err();
    assert!(matches!(
        e,
        Error::NotInGuest {
            feature: GuestFeature::Context { .. },
            ..
        }
    ));
    assert!(l.table("g").is_none());
    // A pool.
    let e = l
        .map(
            kernel,
            &page("p", PageKind::Data, PageSize::Size4K).pool("ram"),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotInGuest {
                feature: GuestFeature::Pool { .. },
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.field(), Field::Pool);
    // A pool for its tables.
    let e = l.place_tables_in(kernel, "ram").unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotInGuest {
                feature: GuestFeature::TablesPool { .. },
                ..
            }
        ),
        "{e}"
    );
    // Identity with no address.
    let e = l
        .map(
            kernel,
            &page("i", PageKind::Data, PageSize::Size4K).identity(),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotInGuest {
                feature: GuestFeature::AutoIdentity,
                ..
            }
        ),
        "{e}"
    );
    // Identity with an IPA: VA == IPA.
    let user = l
        .add_guest_table(
            vm,
            "user",
            0,
            ExecutionContext::EL0_NS,
            &[(0x4000_0000, 1 << 30)],
        )
        .unwrap();
    let id = l
        .map(
            user,
            &page("i", PageKind::Data, PageSize::Size4K)
                .identity()
                .pa(0x4010_0000),
        )
        .unwrap();
    assert_eq!(l.mapping_va(id, user), Some(0x4010_0000));
    // Shared with the hypervisor, or aliased across.
    let e = l
        .map_shared(
            Some(&[hyp, kernel]),
            &page("s", PageKind::Data, PageSize::Size4K),
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotInGuest {
                feature: GuestFeature::Sharing { .. },
                ..
            }
        ),
        "{e}"
    );
    let h = l
        .map(hyp, &page("h", PageKind::Data, PageSize::Size4K))
        .unwrap();
    let e = l
        .map_alias(kernel, h, &page("h", PageKind::Data, PageSize::Size4K))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotInGuest {
                feature: GuestFeature::Sharing { .. },
                ..
            }
        ),
        "{e}"
    );
    let e = l
        .map_alias(hyp, id, &page("g", PageKind::Data, PageSize::Size4K))
        .unwrap_err();
    assert!(matches!(e, Error::NotInGuest { .. }), "{e}");
    // A shared page for every table leaves the guests out.
    let all = l
        .map_shared(None, &page("log", PageKind::Data, PageSize::Size4K))
        .unwrap();
    assert_eq!(l.mapping_tables(all), [hyp]);
    // A process under a table of another VM or none.
    let host_k = l
        .add_table(
            "host_k",
            0,
            ExecutionContext::EL1_NS,
            &[(KERNEL_VA, 1 << 30)],
        )
        .unwrap();
    let e = l.put_under(user, host_k).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotInGuest {
                feature: GuestFeature::Kernel { .. },
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.field(), Field::Under);
    // Between guests of one VM it is a kernel and its process: the process's TTBR1 is
    // the kernel's, an IPA too.
    l.put_under(user, kernel).unwrap();
    l.map(kernel, &page("ktext", PageKind::Code, PageSize::Size4K))
        .unwrap();
    l.map(user, &page("utext", PageKind::Code, PageSize::Size4K))
        .unwrap();
    let tr = build(&mut l);
    assert_eq!(tr[user.index()].ttbr1(), tr[kernel.index()].ttbr1());
    assert_eq!(
        tr[kernel.index()].ttbr1() & 0xFFFF_FFFF_F000,
        l.guest_tables_ipa(kernel).unwrap()
    );
    assert!(check_guests(&l, &tr) >= 9);
    // The map says which VM a guest is in.
    let map = l.to_string();
    assert!(map.contains("guest of guest0 (PA is the IPA)"), "{map}");
}

#[test]
fn guest_tables_stay_off_memory_another_table_reaches() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, RAM_SIZE)).unwrap();
    let hyp = l
        .add_table("hyp", 0, ExecutionContext::EL2_NS, &[(RAM, RAM_SIZE)])
        .unwrap();
    let vm = l.add_vm("v", 2, Cores::one(0), &[(0, 1 << 30)]).unwrap();
    // Three writable pages, lowest IPA first: one shared with the hypervisor, one
    // the hypervisor aliases, and the VM's own.
    let shared = l
        .map_shared(
            Some(&[hyp, vm]),
            &page("mailbox", PageKind::Data, PageSize::Size2M),
        )
        .unwrap();
    let lent = l
        .map(
            vm,
            &page("lent", PageKind::Data, PageSize::Size2M).va(0x40_0000),
        )
        .unwrap();
    l.map_alias(hyp, lent, &page("peek", PageKind::Data, PageSize::Size2M))
        .unwrap();
    let own = l
        .map(
            vm,
            &page("own", PageKind::Data, PageSize::Size2M).va(0x60_0000),
        )
        .unwrap();
    let g = l
        .add_guest_table(vm, "k", 0, ExecutionContext::EL1_NS, &[(0, 1 << 30)])
        .unwrap();
    // Guest pages may use the shared memory.
    let shm_ipa = l.mapping_va(shared, vm).unwrap();
    assert!(shm_ipa < 0x60_0000);
    let m = l
        .map(
            g,
            &page("shm", PageKind::Data, PageSize::Size4K).pa(shm_ipa),
        )
        .unwrap();
    assert_eq!(l.mapping_pa(m), l.mapping_va(shared, vm));
    build(&mut l);
    let ipa = l.guest_tables_ipa(g).unwrap();
    assert_eq!(ipa, l.mapping_va(own, vm).unwrap());
    assert_eq!(l.guest_tables_pa(g), l.mapping_pa(own));
}

/// Random VMs with random guests: every guest page walks VA -> IPA -> PA through both
/// images to the PA its IPA's stage 2 page gives, with both stages' permissions; the
/// guests' tables sit in their VM's RAM off every guest page.
#[test]
fn seeded_guests_walk_both_stages_to_their_pages() {
    let mut walked = 0;
    let mut guests = 0;
    let mut refused = 0;
    for seed in 0..32u64 {
        let mut rng = Rng::new(seed);
        let mut l = if seed % 2 == 0 {
            Layout::with_seed(seed)
        } else {
            Layout::new()
        };
        l.add_pool(Pool::ram("ram", RAM, RAM_SIZE)).unwrap();
        l.add_pool(Pool::device("mmio", 0x0900_0000, 1 << 24))
            .unwrap();
        l.add_table_for_cores(
            "hyp",
            Cores::range(0, 3).unwrap(),
            ExecutionContext::EL2_NS,
            &[(RAM, RAM_SIZE)],
            40,
        )
        .unwrap();
        let n = 1 + rng.below(3) as u16;
        for v in 0..n {
            let vm = l
                .add_vm(
                    format!("vm{v}"),
                    v + 1,
                    Cores::one(u32::from(v)),
                    &[(0, 1 << 32)],
                )
                .unwrap();
            // Stage 2: RAM (rw or rwx), flash (rx), read-only data, a device.
            let ram_perms = [Perms::RW, Perms::RWX][rng.below(2) as usize];
            l.map(
                vm,
                &page("ram", PageKind::Data, PageSize::Size2M)
                    .count(1 + rng.below(4) as u32)
                    .perms(ram_perms),
            )
            .unwrap();
            l.map(
                vm,
                &page("flash", PageKind::Code, PageSize::Size4K)
                    .count(1 + rng.below(64) as u32)
                    .perms(Perms::RX),
            )
            .unwrap();
            l.map(
                vm,
                &page("rom", PageKind::Data, PageSize::Size4K)
                    .count(1 + rng.below(8) as u32)
                    .perms(Perms::R),
            )
            .unwrap();
            l.map(
                vm,
                &page("uart", PageKind::Device, PageSize::Size4K)
                    .va(0x0900_0000)
                    .pa(0x0900_0000 + u64::from(v) * 0x1000),
            )
            .unwrap();
            let stage2: Vec<_> = l.pages(vm).into_iter().cloned().collect();
            for k in 0..1 + rng.below(2) {
                let el = if k == 0 {
                    ExecutionContext::EL1_NS
                } else {
                    ExecutionContext::EL0_NS
                };
                let virt = if k == 0 {
                    (KERNEL_VA, 1 << 30)
                } else {
                    (0x40_0000, 1 << 30)
                };
                let g = l
                    .add_guest_table(vm, format!("g{v}_{k}"), u32::from(v), el, &[virt])
                    .unwrap();
                guests += 1;
                for p in 0..2 + rng.below(8) {
                    let kind = [
                        PageKind::Code,
                        PageKind::Data,
                        PageKind::Data,
                        PageKind::Device,
                    ][rng.below(4) as usize];
                    let mut req = page(&format!("p{p}"), kind, PageSize::Size4K)
                        .count(1 + rng.below(4) as u32);
                    if kind == PageKind::Data && rng.below(3) == 0 {
                        req = req.perms(Perms::R);
                    }
                    if k == 1 && kind == PageKind::Code {
                        req = req.perms([Perms::RX, Perms::X][rng.below(2) as usize]);
                    }
                    if kind == PageKind::Device {
                        req = req.count(1).pa(0x0900_0000);
                    } else if rng.below(3) == 0 {
                        // A fixed IPA, anywhere in a stage 2 page: refused when the
                        // kind or the permissions do not fit, or taken.
                        let s = &stage2[rng.below(stage2.len() as u64) as usize];
                        req = req.count(1).pa(s.va());
                    }
                    match l.map(g, &req) {
                        Ok(_) => {}
                        Err(
                            Error::GuestIpaIncompatible { .. }
                            | Error::GuestIpaUnmapped { .. }
                            | Error::Overlap { .. }
                            | Error::NoRoom { .. },
                        ) => refused += 1,
                        Err(e) => panic!("seed {seed}: {e}"),
                    }
                }
            }
        }
        let tr = l
            .build_translations(&TableConfig::new(), &TablePlacement::Anywhere)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        walked += check_guests(&l, &tr);
        // Every guest's tables: in a writable RAM page of its VM, off its guests' pages.
        for vm in l.vms() {
            for g in l.guests(vm) {
                let ipa = l.guest_tables_ipa(g).unwrap();
                let len = tr[g.index()].len() as u64;
                let s2 = l
                    .pages(vm)
                    .into_iter()
                    .find(|p| p.va_to_pa(ipa).is_some())
                    .unwrap();
                assert_eq!(s2.name(), "ram");
                assert_eq!(l.guest_tables_pa(g), s2.va_to_pa(ipa));
                for h in l.guests(vm) {
                    for p in l.pages(h) {
                        assert!(
                            p.pa() + p.size() <= ipa || ipa + len <= p.pa(),
                            "seed {seed}"
                        );
                    }
                }
            }
        }
    }
    println!("{guests} guests, {walked} VAs walked, {refused} refused");
    assert!(guests >= 40 && walked > 500, "{guests} {walked}");
    assert!(refused > 10, "{refused}");
}

#[test]
fn a_placement_for_the_tables_leaves_the_guests_in_their_vm() {
    for placement in [
        TablePlacement::InPool("ram".into()),
        TablePlacement::At {
            start: RAM + (512 << 20),
            size: 1 << 20,
        },
    ] {
        let Vm {
            mut l, vm, kernel, ..
        } = vm();
        l.map(kernel, &page("text", PageKind::Code, PageSize::Size4K))
            .unwrap();
        let tr = l
            .build_translations(&TableConfig::new(), &placement)
            .unwrap();
        let ipa = l.guest_tables_ipa(kernel).unwrap();
        assert_eq!(tr[kernel.index()].base_pa(), ipa);
        assert_eq!(l.translate(vm, ipa), l.guest_tables_pa(kernel));
        if let TablePlacement::At { start, size } = placement {
            // Only the hypervisor's and the VM's tables are packed in the range.
            let packed = tr[0].len() + tr[vm.index()].len();
            assert!(tr[vm.index()].base_pa() + tr[vm.index()].len() as u64 <= start + size);
            assert!(packed as u64 <= size);
            assert!(!(start..start + size).contains(&l.guest_tables_pa(kernel).unwrap()));
        }
        assert!(check_guests(&l, &tr) >= 3);
    }
}
