//! Stage 2 tables (a virtual machine's IPA -> PA tables) built with the run-time API
//! ([`memlayout::aarch64::build`] with [`TableConfig::with_vmid`]) and proven on QEMU's
//! MMU (`-cpu max`) with the stage 2 harness of `tests/support/qemu_s2.rs`.
//!
//! Each VM below is one QEMU run. The harness loads `HCR_EL2` = the translation's
//! [`hcr_set`](Translation::hcr_set) (`VM | RW`), its `VTCR_EL2` and `VTTBR_EL2`, and a
//! guest stage 1: an identity table (VA == IPA) built by the stage 1 builder for the
//! EL1&0 regime, whose tables are placed in the VM's RAM (at IPAs; their bytes loaded at
//! the PAs the VM's stage 2 pages give those IPAs), read/write/execute at EL1, Normal
//! write-back and Non-shareable (Inner Shareable with 52-bit VAs, whose format has no SH
//! field), so that stage 2 decides the permissions and the memory type. Then:
//!
//! * every stage 2 page, at its first byte, its middle (pages over 4 KiB) and its last
//!   8 bytes: `AT S12E1R` from EL2 gives the page's PA, the memory type of the page in
//!   `PAR_EL1.ATTR` (Device at stage 2 shows as that Device type, Non-cacheable as
//!   0x44, Write-Through as 0xBB, Write-Back as 0xFF), its shareability (`PAR_EL1.SH`)
//!   and `NS`; `AT S12E1W` likewise on writable pages;
//! * read-only stage 2 pages: a real store from EL1, which must take a stage 2
//!   permission fault to EL2 (`ESR_EL2.EC` 0x24, WnR, DFSC permission fault at the
//!   leaf's level, `HPFAR_EL2` = the IPA). (`AT S12E1W` cannot be used: QEMU 10.0 aborts
//!   on an AT instruction whose output address faults at stage 2; checked, it does so at
//!   EL2 as at EL3. A stage 2 fault on a guest table walk does not abort it: `PAR_EL1`
//!   then reports it, with S and PTW set.) Execute-only pages (`x`: S2AP = 0b00, XN
//!   clear) get no AT either: a real load must take a stage 2 permission fault, and the
//!   fetch below executes;
//! * pages whose PA is in free RAM: a real load from EL1 (the harness writes a marker
//!   at the PA first), on writable pages a real store read back at the PA, and an
//!   instruction fetch (a branch to a `UDF #0` the harness wrote there): executable
//!   Normal pages let EL1 execute (an undefined instruction exception taken to EL1),
//!   the others (not `x`, Device, system) take a stage 2 permission fault to EL2
//!   (`ESR_EL2.EC` 0x20), the guest stage 1 allowing everything;
//! * IPAs that no stage 2 page maps (both ends and the middle of the holes, and past the
//!   IPA size): a real load from EL1 must take a stage 2 translation fault to EL2 at the
//!   level where the crate's stage 2 walker ([`Stage2Tables::walk`], with QEMU's PAMax
//!   of 52 bits) finds the invalid descriptor (level 0 past the IPA size), with
//!   `HPFAR_EL2` = the IPA;
//! * a few pages through a second guest stage 1 table of EL0 pages: `AT S12E0R`, and
//!   `AT S12E0W` on writable ones;
//! * the leaves with the Contiguous bit (each fixed VM has a group of pages, 4K one of
//!   blocks too): the image's group is uniform (without QEMU; QEMU treats the bit as a
//!   hint).
//!
//! The VMs: fixed ones for every granule with IPA sizes that make the builder
//! concatenate root tables (4K: 34 bits, 16 level 2 tables; 40 bits, 2 level 1 tables;
//! 43 bits, 16 level 1 tables; 48 bits, one level 0 table; 16K: 40 bits, 16 level 2
//! tables; 64K: 46 bits, 16 level 2 tables) and the 52-bit formats (4K and 16K with
//! FEAT_LPA2, `VTCR_EL2.DS` = 1: 16 level 0 tables and one level 0 table; 64K with
//! FEAT_LPA: one level 1 table; the guest stage 1 then has 52-bit VAs, and pages have
//! PAs with bits 51:48 set), with pages, blocks, Device, Non-cacheable, Write-Through and
//! system pages, read-only and executable pages, pages in the last concatenated table
//! and at the top of the IPA space (9 QEMU starts); and 9 seeded random VMs (one QEMU
//! start each; 300 more are checked without QEMU).
//! [`vm_switch_needs_distinct_vmids`] runs two VMs in one job, switching `VTTBR_EL2`
//! without TLB maintenance, and [`broken_registers_are_caught`] checks that the checks
//! fail with a wrong `VTCR_EL2.SL0`, a wrong `VTTBR_EL2.BADDR` and equal VMIDs.
//!
//! Whole layouts built with the run-time API ([`Layout::add_vm`],
//! [`Layout::add_guest_table`], [`Layout::build_translations`]) run too, one QEMU start
//! per layout ([`layout_guests_on_qemu`], and 4 seeds in [`seeded_layouts_on_qemu`]):
//! a hypervisor `EL2_NS` table and one or two VMs (two in the fixed layout and in seed 3), each with RAM (2 MiB pages), read-only pages,
//! Write-Through pages and Device-nGnRnE pages, a guest `EL1_NS` table and (in the fixed
//! layout and seeds 2 and 4) a guest `EL0_NS` table, whose pages (data, code, a 2 MiB
//! block, a Device-nGnRE page, a read-only page, a Write-Back or Non-cacheable page on a
//! Write-Through one and a page in RAM) take IPAs automatically or at fixed IPAs. The
//! harness loads the VM's `VTCR`, `VTTBR` and `HCR_SET`, its stage 2 image, and the
//! guests' own tables: their bytes at [`Layout::guest_tables_pa`], `TTBR0_EL1` from the
//! EL1 guest's translation (it holds the IPA, [`Layout::guest_tables_ipa`]), its
//! `TCR_EL1` and `MAIR_EL1` (the EL0 guest's `TTBR0_EL1` half of `TCR_EL1` and its
//! `MAIR_EL1` must agree; a `TTBR0_EL1` switch then selects it; the second VM, of the
//! same `VTCR_EL2` and another VMID, is selected by a `VTTBR_EL2` switch without TLB
//! maintenance, then its guests' tables by `TTBR0_EL1`). Every guest page, at its
//! first, middle and last 8 bytes: `AT S12E1R` (`AT S12E0R` for the EL0 guest), and the
//! write probe where both stages allow writes, must give the PA the layout gives it
//! (guest VA -> IPA -> the VM page's PA), the memory type of both stages combined (the
//! stronger Device type; Non-cacheable, else Write-Through, else Write-Back) and the
//! more shareable of the two (Outer for Device and Non-cacheable), and the same as [`walk_two_stages`] (which must also agree
//! without QEMU: [`layout_guest_walks_agree_with_the_pages`]: the fixed layout and 64
//! seeded ones, with their own choices of EL0 guest and VM count).
//! [`broken_guest_tables_are_caught`]: `TTBR0_EL1` with the tables' PA instead of their
//! IPA, or the tables' bytes loaded elsewhere than `guest_tables_pa`, fails every probe.
//! (Checked by hand and undone: stage 2 ignored in the Normal combination, or the
//! second VM's `VTTBR_EL2` switch loading the first VM's, makes the checks fail.)
//!
//! Expectations come from the pages (their IPA, PA and attributes; fault levels from
//! the stage 2 walker). Every AT probe and real access also has a second expectation,
//! from the crate's two-stage walker ([`walk_two_stages`] over the guest's stage 1 image
//! at its PA and the VM's stage 2 image): the PA, the combined memory type and
//! shareability and the write permission of AT probes (EL0's for `AT S12E0R/W`), the
//! access or the stage 2 fault (its level; permission faults where stage 1 allows and
//! stage 2 does not) of real accesses. It must equal the pages' expectation (also
//! without QEMU, for 318 VMs (the 9 fixed, the 9 seeded and 300 more): [`two_stage_walks_agree_with_the_pages`]) and QEMU's
//! result (`PAR_EL1`; `ESR_EL2`, `HPFAR_EL2`; the judging of results against the walks
//! is tested without QEMU: [`judging_compares_results_with_the_walks`]). The images are also read by the stage 2
//! walker and their leaf descriptors compared with the pages without QEMU
//! ([`stage2_images_hold_the_pages`], whose checks catch changed bits:
//! [`image_checks_catch_broken_leaves`]).
//!
//! The QEMU tests skip (or fail with `MEMLAYOUT_REQUIRE_QEMU=1`) when
//! `qemu-system-aarch64` or `aarch64-linux-gnu-gcc` is missing.

use std::collections::BTreeSet;

use memlayout::aarch64::{
    Granule, Stage1Tables, Stage2Tables, Stage2Walk, TableConfig, Translation, TwoStageFault,
    TwoStageWalk, WalkFault, build, walk_two_stages,
};
use memlayout::tables::TablePlacement;
use memlayout::{
    Cacheability, Cores, DeviceType, ExecutionContext, Layout, MemAttrs, Page, PageKind,
    PageRequest, PageSize, Perms, Pool, Shareability, TableId, TableInfo,
};
use memlayout_tests::pages::{code, data, device, granule_page, level2_block};
// The fault status codes of `PAR_EL1.FST` are those of `ESR_EL2`'s DFSC and IFSC.
use memlayout_tests::qemu::{
    self, RAM, fst_permission, fst_translation, par_attr, par_fault, par_fault_status, par_ns,
    par_pa, par_sh,
};
use memlayout_tests::qemu_s2::{
    self, EC_DATA_ABORT_LOWER, EC_INSTRUCTION_ABORT_LOWER, S2Job, S2Kind, S2Probe, S2Result,
    esr_ec, esr_fsc, esr_s1ptw, esr_wnr, hpfar_ipa,
};
use memlayout_tests::table_checks::{describe, expected_attr, expected_sh, offsets};

/// Where every stage 2 image is placed (aligned to 16 64 KiB tables).
const S2_TABLES_PA: u64 = 0x4400_0000;
/// The end of the space kept for stage 2 images.
const S2_TABLES_END: u64 = 0x4800_0000;
/// The PA of every VM's RAM: its code page, then its guest stage 1 tables.
const VM_RAM_PA: u64 = 0x4800_0000;
/// The size of a VM's RAM.
const VM_RAM_SIZE: u64 = 0x20_0000;
/// Where the EL1 guest stage 1 image starts in the VM's RAM (after the code page).
const GUEST_TABLES_OFFSET: u64 = 0x1_0000;
/// Free RAM for the pages' PAs: loads and stores are made only to PAs in it.
const DATA: std::ops::Range<u64> = 0x5000_0000..0x1_4000_0000;

// ---------------------------------------------------------------------------------------
// VMs.
// ---------------------------------------------------------------------------------------

/// A virtual machine: its stage 2 pages (IPA -> PA) and configuration.
#[derive(Clone, Debug)]
struct Vm {
    name: String,
    config: TableConfig,
    /// The stage 2 pages, context `EL1_NS`, `va()` = IPA.
    pages: Vec<Page>,
    /// The IPA of the VM's RAM (mapped to [`VM_RAM_PA`], read/write/execute).
    ram_ipa: u64,
}

fn info() -> TableInfo {
    TableInfo::new("vm", 0, ExecutionContext::EL1_NS)
}

struct Pages {
    info: TableInfo,
    pages: Vec<Page>,
}

impl Pages {
    fn new() -> Pages {
        Pages {
            info: info(),
            pages: Vec::new(),
        }
    }

    fn add(&mut self, name: &str, count: u32, ipa: u64, pa: u64, size: PageSize, a: MemAttrs) {
        for k in 0..count {
            let off = u64::from(k) * size.bytes();
            self.pages.push(Page::new(
                name.to_string(),
                k,
                &self.info,
                ipa + off,
                pa + off,
                size,
                a,
                false,
                Vec::new(),
            ));
        }
    }
}

/// The VM's RAM: 2 MiB of granule pages at `ipa`, read/write/execute Normal write-back.
fn add_ram(p: &mut Pages, granule: Granule, ipa: u64) {
    let size = granule_page(granule);
    let count = (VM_RAM_SIZE / size.bytes()) as u32;
    p.add("ram", count, ipa, VM_RAM_PA, size, code(Perms::RWX));
}

/// A fixed VM of `granule` with an IPA of `ipa_bits` and PAs of `pa_bits` bits: RAM at
/// IPA 1 GiB; data, read-only, code, Device (each type), Non-cacheable, Write-Through,
/// system, non- and outer-shareable (formats with an SH field), read/write/execute and
/// execute-only pages 1 MiB apart from IPA 0x4100_0000, and with 52-bit PAs pages with PA
/// bits 51:48 set; two blocks of the granule's level 2 size and a read-only one beyond
/// RAM; a Contiguous group of pages (with 4K one of 2M blocks too, and a read-only 1 GiB
/// block); a page in the upper quarter of the IPA space (the last concatenated root
/// tables) and the last page of the IPA space.
fn fixed_vm(granule: Granule, ipa_bits: u8, pa_bits: u8, vmid: u16) -> Vm {
    let page = granule_page(granule);
    let block = level2_block(granule);
    let mut p = Pages::new();
    add_ram(&mut p, granule, 0x4000_0000);
    let base = 0x4100_0000;
    let m = 0x10_0000;
    let wb = |perms| data(perms).with_cache(Cacheability::WriteBack);
    let kinds: [(&str, u32, MemAttrs); 15] = [
        ("rw", 3, data(Perms::RW)),
        ("ro", 2, data(Perms::R)),
        ("code", 1, code(Perms::RX)),
        ("nGnRnE", 1, device(DeviceType::nGnRnE)),
        ("nGnRE", 1, device(DeviceType::nGnRE)),
        ("nGRE", 1, device(DeviceType::nGRE)),
        ("GRE", 1, device(DeviceType::GRE)),
        (
            "nc",
            1,
            data(Perms::RW).with_cache(Cacheability::NonCacheable),
        ),
        (
            "wt",
            1,
            data(Perms::RW).with_cache(Cacheability::WriteThrough),
        ),
        (
            "wt_ro",
            1,
            data(Perms::R).with_cache(Cacheability::WriteThrough),
        ),
        (
            "system",
            1,
            MemAttrs::new(PageKind::System).with_perms(Perms::RW),
        ),
        (
            "nsh",
            1,
            wb(Perms::RW).with_share(Shareability::NonShareable),
        ),
        ("osh", 1, wb(Perms::RW).with_share(Shareability::Outer)),
        ("rwx", 1, code(Perms::RWX)),
        ("xo", 1, code(Perms::X)),
    ];
    let config = TableConfig::DEFAULT
        .with_granule(granule)
        .with_va_bits(ipa_bits)
        .with_pa_bits(pa_bits)
        .with_vmid(Some(vmid));
    for (k, (name, count, attrs)) in kinds.into_iter().enumerate() {
        // The FEAT_LPA2 format has no SH field: Normal pages must be Inner Shareable.
        if !config.format().has_sh_field() && matches!(name, "nsh" | "osh") {
            continue;
        }
        let off = k as u64 * m;
        p.add(name, count, base + off, DATA.start + off, page, attrs);
    }
    if pa_bits == 52 {
        // PA bits 51:48 set (AT only: beyond RAM).
        p.add(
            "high_pa",
            2,
            base + 15 * m,
            0xF_1230_0000_0000,
            page,
            data(Perms::RW),
        );
    }
    p.add(
        "blocks",
        2,
        0x8000_0000,
        0x6000_0000,
        block,
        data(Perms::RW),
    );
    p.add("ro_block", 1, 1 << 32, 1 << 39, block, data(Perms::R));
    // A Contiguous group of granule pages (16 4K, 128 16K or 32 64K pages), and with 4K
    // one of 16 2M blocks.
    let group = match granule {
        Granule::Size16K => 128,
        Granule::Size64K => 32,
        _ => 16,
    };
    p.add(
        "contig",
        group,
        0x1_8000_0000,
        0xC000_0000,
        page,
        data(Perms::R),
    );
    if granule == Granule::Size4K {
        p.add(
            "contig_blocks",
            16,
            0x1_C000_0000,
            0xD000_0000,
            PageSize::Size2M,
            data(Perms::RW),
        );
    }
    if granule == Granule::Size4K && ipa_bits > 34 {
        p.add(
            "ro_1g",
            1,
            1 << 34,
            1 << 38,
            PageSize::Size1G,
            data(Perms::R),
        );
    }
    let top = 1u64 << ipa_bits;
    p.add(
        "upper",
        2,
        top / 4 * 3,
        DATA.start + 0x100_0000,
        page,
        data(Perms::RW),
    );
    p.add(
        "last",
        1,
        top - page.bytes(),
        DATA.start + 0x110_0000,
        page,
        data(Perms::RW),
    );
    Vm {
        name: format!("{granule:?} IPA {ipa_bits} PA {pa_bits} VMID {vmid}"),
        config,
        pages: p.pages,
        ram_ipa: 0x4000_0000,
    }
}

fn fixed_vms() -> Vec<Vm> {
    vec![
        fixed_vm(Granule::Size4K, 40, 40, 1),
        fixed_vm(Granule::Size4K, 34, 40, 2),
        fixed_vm(Granule::Size4K, 43, 44, 300),
        fixed_vm(Granule::Size4K, 48, 48, 4),
        fixed_vm(Granule::Size16K, 40, 40, 5),
        fixed_vm(Granule::Size64K, 46, 48, 6),
        fixed_vm(Granule::Size4K, 52, 52, 7),
        fixed_vm(Granule::Size16K, 52, 52, 8),
        fixed_vm(Granule::Size64K, 52, 52, 9),
    ]
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A seeded random VM: granule by `seed % 3`, an IPA size that exercises concatenated
/// roots or not, a PA size at least as large, a random VMID (8 or 16 bits), RAM at a
/// random IPA and 3 to 8 runs of pages (some long enough for Contiguous groups) and
/// blocks of random attributes at random IPAs, with PAs in free RAM or anywhere below
/// the PA size.
fn random_vm(seed: u64) -> Vm {
    let mut rng = Rng::new(seed);
    let granule = [Granule::Size4K, Granule::Size16K, Granule::Size64K][(seed % 3) as usize];
    let (ipas, sizes): (&[u8], &[PageSize]) = match granule {
        Granule::Size16K => (
            &[32, 36, 38, 40, 42, 47, 48, 52],
            &[PageSize::Size16K, PageSize::Size16K, PageSize::Size32M],
        ),
        Granule::Size64K => (
            &[32, 36, 40, 42, 44, 46, 48, 52],
            &[PageSize::Size64K, PageSize::Size64K, PageSize::Size512M],
        ),
        _ => (
            &[32, 34, 36, 39, 40, 42, 43, 44, 48, 52],
            &[
                PageSize::Size4K,
                PageSize::Size4K,
                PageSize::Size2M,
                PageSize::Size1G,
            ],
        ),
    };
    let ipa_bits = rng.pick(ipas);
    let pa_sizes: Vec<u8> = [40u8, 42, 44, 48, 52]
        .into_iter()
        .filter(|&b| b >= ipa_bits)
        .collect();
    let pa_bits = rng.pick(&pa_sizes);
    let config = TableConfig::DEFAULT
        .with_granule(granule)
        .with_va_bits(ipa_bits)
        .with_pa_bits(pa_bits);
    let vmid = if rng.below(4) == 0 {
        256 + rng.below(0xFF00) as u16
    } else {
        1 + rng.below(255) as u16
    };
    let mut p = Pages::new();
    let ram_ipa = rng.below((1 << ipa_bits) / VM_RAM_SIZE - 1) * VM_RAM_SIZE;
    add_ram(&mut p, granule, ram_ipa);
    let mut taken: Vec<(u64, u64)> = vec![(ram_ipa, ram_ipa + VM_RAM_SIZE)];
    let attrs = [
        data(Perms::RW),
        data(Perms::R),
        code(Perms::RX),
        code(Perms::X),
        device(DeviceType::nGnRnE),
        device(DeviceType::nGnRE),
        device(DeviceType::nGRE),
        device(DeviceType::GRE),
        data(Perms::RW).with_cache(Cacheability::NonCacheable),
        data(Perms::R).with_cache(Cacheability::WriteThrough),
        MemAttrs::new(PageKind::System).with_perms(Perms::RW),
        data(Perms::RW).with_share(Shareability::Outer),
        data(Perms::RW).with_share(Shareability::NonShareable),
    ];
    // The FEAT_LPA2 format has no SH field: Normal pages must be Inner Shareable there.
    let attrs: Vec<MemAttrs> = attrs
        .into_iter()
        .filter(|a| {
            config.format().has_sh_field()
                || a.shareability() != Some(Shareability::Outer)
                    && a.shareability() != Some(Shareability::NonShareable)
        })
        .collect();
    let runs = 3 + rng.below(6);
    let mut made = 0;
    for _ in 0..runs * 10 {
        if made == runs {
            break;
        }
        let size = rng.pick(sizes);
        let s = size.bytes();
        // Granule pages: half of the runs long and 2 MiB aligned in IPA and PA, for
        // Contiguous groups (16 4K, 128 16K or 32 64K pages).
        let grouped = s == sizes[0].bytes() && rng.below(2) == 0;
        let align = if grouped { 0x20_0000 } else { s };
        let count = 1 + rng.below(if grouped {
            160
        } else if s >= 1 << 29 {
            2
        } else if s >= 1 << 21 {
            4
        } else {
            12
        });
        let len = count * s;
        if len >= 1 << ipa_bits {
            continue;
        }
        let ipa = rng.below(((1u64 << ipa_bits) - len) / align + 1) * align;
        if taken.iter().any(|&(a, b)| ipa < b && a < ipa + len) {
            continue;
        }
        let pa = if rng.below(2) == 0 && len <= 0x1000_0000 {
            let slots = (DATA.end - DATA.start - len) / align;
            DATA.start.next_multiple_of(align) + rng.below(slots.max(1)) * align
        } else {
            rng.below(((1u64 << pa_bits) - len) / align + 1) * align
        };
        if pa + len > DATA.end && pa < DATA.end {
            continue;
        }
        taken.push((ipa, ipa + len));
        p.add(
            &format!("run{made}"),
            count as u32,
            ipa,
            pa,
            size,
            rng.pick(&attrs),
        );
        made += 1;
    }
    p.pages.sort_by_key(Page::va);
    Vm {
        name: format!("random seed {seed}: {granule:?} IPA {ipa_bits} PA {pa_bits} VMID {vmid}"),
        config: config.with_vmid(Some(vmid)),
        pages: p.pages,
        ram_ipa,
    }
}

const RANDOM_SEEDS: std::ops::Range<u64> = 1..10;

fn build_vm(vm: &Vm) -> Translation {
    build(&info(), &vm.pages, S2_TABLES_PA, &vm.config)
        .unwrap_or_else(|e| panic!("{}: the builder refuses the VM: {e}", vm.name))
}

// ---------------------------------------------------------------------------------------
// The images, read by the crate's stage 2 walker.
// ---------------------------------------------------------------------------------------

/// The physical address size of QEMU's `-cpu max` (`ID_AA64MMFR0_EL1.PARange` = 52
/// bits): the PAMax the stage 2 walks assume, which decides the start levels
/// `VTCR_EL2.SL0` may select and the largest IPA size, whatever `VTCR_EL2.PS` says.
const QEMU_PA_MAX: u8 = 52;

/// A VM's stage 2 as the crate's walker ([`Stage2Tables::walk`]) reads it on QEMU's PE.
fn s2_tables(tr: &Translation) -> Stage2Tables<'_> {
    Stage2Tables::new(tr.bytes(), tr.base_pa(), tr.vtcr(), tr.vttbr()).with_pa_max(QEMU_PA_MAX)
}

/// The stage 2 leaf bits a page calls for (D8.3.1.2, stage 2 attributes): AF; S2AP bit 6
/// for reads, bit 7 for writes; MemAttr (bits 5:2) Device 0b00dd, Normal Non-cacheable
/// 0b0101, Write-Through 0b1010, Write-Back (and system pages) 0b1111; XN\[1\] (bit 54)
/// unless the page is executable Normal memory; SH (bits 9:8) as [`expected_sh`] when the
/// format has the field (`sh_field`; the FEAT_LPA2 format holds OA\[51:50\] there).
fn expected_leaf_bits(page: &Page, sh_field: bool) -> u64 {
    let memattr: u64 = match expected_attr(page) {
        0x00 => 0b0000,
        0x04 => 0b0001,
        0x08 => 0b0010,
        0x0C => 0b0011,
        0x44 => 0b0101,
        0xBB => 0b1010,
        _ => 0b1111,
    };
    let perms = page.perms();
    let exec = perms.execute() && !matches!(page.kind(), PageKind::Device | PageKind::System);
    (1 << 10)
        | memattr << 2
        | u64::from(perms.read()) << 6
        | u64::from(perms.write()) << 7
        | u64::from(!exec) << 54
        | if sh_field {
            u64::from(expected_sh(page)) << 8
        } else {
            0
        }
}

/// The bits [`expected_leaf_bits`] covers (SH when the format has the field).
fn leaf_attr_mask(sh_field: bool) -> u64 {
    (1 << 10) | (0xF << 2) | (3 << 6) | (1 << 54) | if sh_field { 3 << 8 } else { 0 }
}

/// The Contiguous bit of a leaf descriptor (bit 52).
const CONTIGUOUS: u64 = 1 << 52;

/// The entries of a Contiguous group at `level` (D8.7.1 "The Contiguous bit"): 16 with
/// 4K; 128 at level 3 and 32 at level 2 with 16K; 32 with 64K.
fn contiguous_entries(granule: Granule, level: i8) -> u64 {
    match (granule, level) {
        (Granule::Size16K, 3) => 128,
        (Granule::Size16K | Granule::Size64K, _) => 32,
        _ => 16,
    }
}

/// Checks the Contiguous group of `leaf`: the group's first and last entries are
/// leaves at the same level with the Contiguous bit, the same attributes (`mask`) and
/// output addresses as far apart as their IPAs.
fn contiguous_group(t: &Stage2Tables<'_>, leaf: &Stage2Walk, mask: u64) -> Result<(), String> {
    let entry = leaf.block_size();
    let group = entry * contiguous_entries(leaf.format().granule, leaf.level);
    let first = leaf.ipa & !(group - 1);
    let last = first + group - entry;
    let walk = |at: u64| {
        t.walk(at)
            .map_err(|e| format!("the Contiguous group's entry for {at:#x} is not a leaf: {e}"))
    };
    let (w0, w1) = (walk(first)?, walk(last)?);
    let desc = leaf.descriptor.bits();
    let same = |w: &Stage2Walk| {
        w.level == leaf.level
            && w.descriptor.bits() & (mask | CONTIGUOUS) == desc & (mask | CONTIGUOUS)
    };
    if !same(&w0) || !same(&w1) || w1.pa - w0.pa != last - first {
        return Err(format!(
            "Contiguous group {first:#x}..{:#x} at level {} is not uniform: first {:#x} \
             (level {}), last {:#x} (level {})",
            first + group,
            leaf.level,
            w0.descriptor.bits(),
            w0.level,
            w1.descriptor.bits(),
            w1.level
        ));
    }
    Ok(())
}

/// The number of leaves with the Contiguous bit among the pages' first bytes.
fn contiguous_leaves(vm: &Vm, tr: &Translation) -> usize {
    let t = s2_tables(tr);
    vm.pages
        .iter()
        .filter(|p| t.walk(p.va()).is_ok_and(|w| w.contiguous()))
        .count()
}

/// Walks every page's first, middle and last bytes through the image and compares the
/// leaf with the page: its PA and its attribute bits. The walks with QEMU's PAMax also
/// equal those of [`Translation::walk_stage2`] (the PA size `VTCR_EL2.PS` selects) at
/// each page's first byte: the builder's start level suits both PEs.
fn image_failures(vm: &Vm, tr: &Translation) -> Vec<String> {
    let t = s2_tables(tr);
    let mut failures = tables_failures(vm, &t);
    for page in &vm.pages {
        let ipa = page.va();
        let own = tr.walk_stage2(ipa).map(|w| (w.pa, w.level, w.descriptor));
        let qemu = t.walk(ipa).map(|w| (w.pa, w.level, w.descriptor));
        if own != qemu {
            failures.push(format!(
                "{}: ipa {ipa:#x}: Translation::walk_stage2 gives {own:x?}, with PAMax                  {QEMU_PA_MAX} {qemu:x?}",
                vm.name
            ));
        }
    }
    failures
}

/// [`image_failures`] of an image and registers given apart (see
/// [`image_checks_catch_broken_leaves`]).
fn tables_failures(vm: &Vm, t: &Stage2Tables<'_>) -> Vec<String> {
    let sh_field = vm.config.format().has_sh_field();
    let mask = leaf_attr_mask(sh_field);
    let mut failures = Vec::new();
    for page in &vm.pages {
        for off in offsets(page) {
            let ipa = page.va() + off;
            let w = match t.walk(ipa) {
                Ok(w) => w,
                Err(e) => {
                    failures.push(format!(
                        "{}: page `{}` ipa {ipa:#x} does not walk: {e}",
                        vm.name,
                        page.name()
                    ));
                    continue;
                }
            };
            let desc = w.descriptor.bits();
            if w.pa != page.pa() + off {
                failures.push(format!(
                    "{}: ipa {ipa:#x} walks to {:#x} (level {}), the page says {:#x}",
                    vm.name,
                    w.pa,
                    w.level,
                    page.pa() + off
                ));
            }
            if w.contiguous()
                && let Err(e) = contiguous_group(t, &w, mask)
            {
                failures.push(format!("{}: ipa {ipa:#x}: {e}", vm.name));
            }
            let want = expected_leaf_bits(page, sh_field);
            if desc & mask != want {
                failures.push(format!(
                    "{}: page `{}`[{}] ipa {ipa:#x}: leaf {desc:#x} has attribute bits \
                     {:#x}, expected {want:#x}",
                    vm.name,
                    page.name(),
                    page.index(),
                    desc & mask
                ));
            }
        }
    }
    failures
}

// ---------------------------------------------------------------------------------------
// Jobs and checks.
// ---------------------------------------------------------------------------------------

/// What a probe must give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// AT: a translation to `pa` with this attribute byte and SH, writable at both
    /// stages or not (`write`; PAR_EL1 shows it only for the write probes).
    Maps {
        pa: u64,
        attr: u8,
        sh: u8,
        write: bool,
    },
    /// A load that reads the marker at its PA.
    Loaded,
    /// A store that reaches its PA.
    Stored,
    /// A stage 2 fault taken to EL2: a data abort (an instruction abort with `fetch`)
    /// from EL1, this fault status code, WnR, `HPFAR_EL2` = `ipa`'s page, `FAR_EL2` =
    /// the VA.
    Stage2 {
        ipa: u64,
        fsc: u8,
        write: bool,
        fetch: bool,
    },
    /// An instruction fetch that both stages allow: the `UDF #0` there is taken to EL1
    /// as an undefined instruction (`ESR_EL1.EC` = 0, `ELR_EL1` = the VA).
    Executes,
    /// `TTBR0_EL1` or `VTTBR_EL2` loaded.
    Set,
}

#[derive(Clone, Debug)]
struct Check {
    what: String,
    probe: S2Probe,
    /// What the pages call for.
    want: Want,
    /// What the crate's two-stage walker ([`walk_two_stages`]) gives the probe's VA
    /// through the guest's stage 1 image and the VM's stage 2 image (filled in by
    /// [`prepare`] for AT probes and real accesses; `None` for register switches).
    walked: Option<Result<TwoStageWalk, TwoStageFault>>,
}

/// The translation fault level of an IPA that no page maps, from the crate's stage 2
/// walker (level 0 for an IPA beyond the IPA size).
fn hole_fault_level(t: &Stage2Tables<'_>, ipa: u64) -> Result<i8, String> {
    match t.walk(ipa) {
        Err(f @ (WalkFault::Translation { .. } | WalkFault::IpaOutOfRange { .. })) => {
            Ok(f.level().expect("a translation fault has a level"))
        }
        Err(f) => Err(format!("the walker cannot walk the hole {ipa:#x}: {f}")),
        Ok(w) => Err(format!(
            "the walker translates the hole {ipa:#x} to {:#x}",
            w.pa
        )),
    }
}

/// Whether `pa .. pa + len` is free RAM for real accesses.
fn in_data(pa: u64, len: u64) -> bool {
    pa >= DATA.start && pa + len <= DATA.end
}

/// IPAs no page maps: both ends and the middle of every hole, and the first IPA past the
/// IPA size when the guest's VAs reach it; at most `max` of them, spread over the holes.
fn holes(vm: &Vm, max: usize) -> Vec<u64> {
    let mut by_ipa: Vec<&Page> = vm.pages.iter().collect();
    by_ipa.sort_by_key(|p| p.va());
    let limit = 1u64 << vm.config.va_bits;
    let mut gaps = Vec::new();
    let mut next = 0u64;
    for p in &by_ipa {
        if p.va() > next {
            gaps.push((next, p.va()));
        }
        next = next.max(p.va() + p.size());
    }
    if next < limit {
        gaps.push((next, limit));
    }
    let mut v = Vec::new();
    for (a, b) in gaps {
        v.extend([a, b - 8, a + (((b - a) / 2) & !0xFFF)]);
    }
    if vm.config.va_bits < guest_config(vm).va_bits {
        v.push(limit);
    }
    v.sort_unstable();
    v.dedup();
    if v.len() > max {
        let step = v.len().div_ceil(max);
        v = v.into_iter().step_by(step).collect();
    }
    v
}

/// The checks of one VM: AT on every page, real stores on read-only pages, loads and
/// stores on pages in free RAM, loads from holes. `code_va` is the code page's IPA (not
/// probed for writes: the guest stage 1 maps it read-only).
fn vm_checks(vm: &Vm, tr: &Translation, code_va: u64) -> Result<Vec<Check>, String> {
    let t = s2_tables(tr);
    let sh_field = vm.config.format().has_sh_field();
    let guest_ds = guest_config(vm).format().ds();
    let mut checks = Vec::new();
    for page in &vm.pages {
        // The page's `va` is its IPA.
        let what = describe(&vm.name, ExecutionContext::EL1_NS, page);
        let attr = expected_attr(page);
        // PAR_EL1.SH: Outer for Device and Non-cacheable memory, else the most shareable
        // of the two stages: stage 2's SH (VTCR_EL2.SH0, Inner, in the FEAT_LPA2 format)
        // and the guest's (Non-shareable; Inner from TCR_EL1.SH0 when the guest needs
        // 52-bit VAs, with TCR_EL1.DS).
        let s2_sh = if sh_field { expected_sh(page) } else { 3 };
        let s1_sh = if guest_ds { 3 } else { 0 };
        let sh = if !matches!(attr, 0xBB | 0xFF) || s1_sh == 2 || s2_sh == 2 {
            2
        } else if s1_sh == 3 || s2_sh == 3 {
            3
        } else {
            0
        };
        let code_page = page.va() <= code_va && code_va < page.va() + page.size();
        for off in offsets(page) {
            let ipa = page.va() + off;
            let code_4k = code_page && ipa >> 12 == code_va >> 12;
            let maps = Want::Maps {
                pa: page.pa() + off,
                attr,
                sh,
                // The guest stage 1 maps the code page read/execute.
                write: page.perms().write() && !code_4k,
            };
            // No AT on a page stage 2 does not let EL1 read (execute-only): QEMU 10.0
            // aborts on an AT whose output faults at stage 2. Real loads check it below.
            if page.perms().read() {
                checks.push(Check {
                    walked: None,
                    what: format!("{what}: AT S12E1R {ipa:#x}"),
                    probe: S2Probe::new(ipa, S2Kind::AtS12E1R),
                    want: maps,
                });
            }
            if page.perms().write() && !code_4k {
                checks.push(Check {
                    walked: None,
                    what: format!("{what}: AT S12E1W {ipa:#x}"),
                    probe: S2Probe::new(ipa, S2Kind::AtS12E1W),
                    want: maps,
                });
            }
        }
        if code_page {
            continue;
        }
        let level = t
            .walk(page.va())
            .map_err(|e| format!("{what}: the walker does not translate it: {e}"))?
            .level;
        if !page.perms().write() {
            let ipa = page.va() + 0x10;
            checks.push(Check {
                walked: None,
                what: format!("{what}: store at EL1 to {ipa:#x}"),
                probe: S2Probe::new(ipa, S2Kind::Store),
                want: Want::Stage2 {
                    ipa,
                    fsc: fst_permission(level),
                    write: true,
                    fetch: false,
                },
            });
        }
        if !page.perms().read() {
            let ipa = page.va() + 0x18;
            checks.push(Check {
                walked: None,
                what: format!("{what}: load at EL1 from {ipa:#x}"),
                probe: S2Probe::new(ipa, S2Kind::Load),
                want: Want::Stage2 {
                    ipa,
                    fsc: fst_permission(level),
                    write: false,
                    fetch: false,
                },
            });
        }
        if in_data(page.pa(), page.size()) {
            let off = page.size() - 8;
            if page.perms().read() {
                checks.push(Check {
                    walked: None,
                    what: format!("{what}: load at EL1 from {:#x}", page.va() + off),
                    probe: S2Probe::access(page.va() + off, S2Kind::Load, page.pa() + off),
                    want: Want::Loaded,
                });
            }
            // Stage 2 lets EL1 execute executable Normal memory; Device and system pages
            // and pages without `x` are execute-never (XN[1]).
            let ipa = page.va() + 0x20;
            let executable = page.perms().execute()
                && !matches!(page.kind(), PageKind::Device | PageKind::System);
            checks.push(Check {
                walked: None,
                what: format!("{what}: instruction fetch at EL1 from {ipa:#x}"),
                probe: S2Probe::access(ipa, S2Kind::Execute, page.pa() + 0x20),
                want: if executable {
                    Want::Executes
                } else {
                    Want::Stage2 {
                        ipa,
                        fsc: fst_permission(level),
                        write: false,
                        fetch: true,
                    }
                },
            });
            if page.perms().write() {
                checks.push(Check {
                    walked: None,
                    what: format!("{what}: store at EL1 to {:#x}", page.va() + 8),
                    probe: S2Probe::access(page.va() + 8, S2Kind::Store, page.pa() + 8),
                    want: Want::Stored,
                });
            }
        }
    }
    for ipa in holes(vm, 24) {
        let level = hole_fault_level(&t, ipa)?;
        checks.push(Check {
            walked: None,
            what: format!("{}: unmapped ipa {ipa:#x}: load at EL1", vm.name),
            probe: S2Probe::new(ipa, S2Kind::Load),
            want: Want::Stage2 {
                ipa,
                fsc: fst_translation(level),
                write: false,
                fetch: false,
            },
        });
    }
    Ok(checks)
}

/// The guest stage 1 identity pages for the probes' VAs: one 4 KiB page per VA page with
/// attributes `a`, and the code page (read/execute, shareability `share`).
fn identity_pages(
    info: &TableInfo,
    vas: &BTreeSet<u64>,
    code_va: u64,
    a: MemAttrs,
    share: Shareability,
) -> Vec<Page> {
    vas.iter()
        .map(|&page| {
            let attrs = if page == code_va {
                code(Perms::RX).with_share(share)
            } else {
                a
            };
            Page::new(
                "id",
                0,
                info,
                page,
                page,
                PageSize::Size4K,
                attrs,
                false,
                Vec::new(),
            )
        })
        .collect()
}

/// The guest stage 1's configuration: 4K granule, 48-bit VAs and IPAs, or 52-bit ones
/// (FEAT_LPA2, `TCR_EL1.DS` = 1) when the VM's IPAs have more than 48 bits.
fn guest_config(vm: &Vm) -> TableConfig {
    let bits = if vm.config.va_bits > 48 { 52 } else { 48 };
    TableConfig::DEFAULT.with_va_bits(bits).with_pa_bits(bits)
}

/// The PA a stage 2 page gives `ipa` (from the pages, not the image).
fn ipa_to_pa(vm: &Vm, ipa: u64) -> Option<u64> {
    vm.pages
        .iter()
        .find(|p| p.va() <= ipa && ipa < p.va() + p.size())
        .map(|p| p.pa() + (ipa - p.va()))
}

/// Splits an image at IPA `ipa` into (PA, bytes) pieces through the VM's pages.
fn place(vm: &Vm, ipa: u64, bytes: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut out: Vec<(u64, Vec<u8>)> = Vec::new();
    for (k, chunk) in bytes.chunks(0x1000).enumerate() {
        let at = ipa + k as u64 * 0x1000;
        let pa = ipa_to_pa(vm, at)
            .unwrap_or_else(|| panic!("{}: guest table IPA {at:#x} is not mapped", vm.name));
        match out.last_mut() {
            Some((p, b)) if *p + b.len() as u64 == pa => b.extend_from_slice(chunk),
            _ => out.push((pa, chunk.to_vec())),
        }
    }
    out
}

/// A VM ready to run: its job and its checks.
#[derive(Clone)]
struct Prepared {
    job: S2Job,
    checks: Vec<Check>,
    /// The PA of the guest's stage 1 tables (EL1 and EL0) in the VM's RAM.
    guest_pa: u64,
    /// The guest's stage 1 tables from [`guest_pa`](Self::guest_pa).
    guest_image: Vec<u8>,
}

impl Prepared {
    /// The guest's stage 1 as the job starts it, for [`walk_two_stages`].
    fn stage1(&self) -> Stage1Tables<'_> {
        guest_stage1(&self.job, self.guest_pa, &self.guest_image)
    }
}

/// Builds the VM's stage 2, its guest stage 1 (EL1 identity of every probed VA page and
/// the code page; an EL0 table of up to 6 readable pages, probed with `AT S12E0R` after a
/// `TTBR0_EL1` switch) and the job.
fn prepare(vm: &Vm, s2: &Translation) -> Prepared {
    let code_va = vm.ram_ipa;
    let mut checks = vm_checks(vm, s2, code_va).unwrap_or_else(|e| panic!("{e}"));
    let mut vas: BTreeSet<u64> = checks.iter().map(|c| c.probe.addr & !0xFFF).collect();
    vas.insert(code_va);
    let el1 = TableInfo::new("guest", 0, ExecutionContext::EL1_NS);
    // Read, write and execute at EL1, so that stage 2 alone decides.
    // Inner Shareable with TCR_EL1.DS, which has no SH field.
    let share = if guest_config(vm).format().ds() {
        Shareability::Inner
    } else {
        Shareability::NonShareable
    };
    let rwx = code(Perms::RWX).with_share(share);
    let s1_pages = identity_pages(&el1, &vas, code_va, rwx, share);
    let s1_ipa = vm.ram_ipa + GUEST_TABLES_OFFSET;
    let s1 = build(&el1, &s1_pages, s1_ipa, &guest_config(vm))
        .unwrap_or_else(|e| panic!("{}: guest stage 1: {e}", vm.name));
    // EL0: the first bytes of up to 6 readable pages outside the VM's RAM, spread over
    // them.
    let el0_targets: Vec<&Check> = checks
        .iter()
        .filter(|c| {
            c.probe.kind == S2Kind::AtS12E1R
                && c.probe.addr & 0xFFF == 0
                && !(vm.ram_ipa..vm.ram_ipa + VM_RAM_SIZE).contains(&c.probe.addr)
        })
        .collect();
    let step = el0_targets.len().div_ceil(6).max(1);
    let el0_targets: Vec<&Check> = el0_targets.into_iter().step_by(step).collect();
    let el0_vas: BTreeSet<u64> = el0_targets.iter().map(|c| c.probe.addr).collect();
    let el0 = TableInfo::new("guest-el0", 0, ExecutionContext::EL0_NS);
    let el0_pages = identity_pages(
        &el0,
        &el0_vas,
        u64::MAX,
        data(Perms::RW).with_share(share),
        share,
    );
    let s0_ipa = (s1_ipa + s1.bytes().len() as u64).next_multiple_of(0x1000);
    let s0 = build(&el0, &el0_pages, s0_ipa, &guest_config(vm))
        .unwrap_or_else(|e| panic!("{}: guest EL0 stage 1: {e}", vm.name));
    assert!(
        s0_ipa + s0.bytes().len() as u64 <= vm.ram_ipa + VM_RAM_SIZE,
        "{}: the guest tables do not fit in the VM's RAM",
        vm.name
    );
    // AT S12E0R on each, and AT S12E0W where stage 2 allows writes (the EL0 pages do).
    let writable: BTreeSet<u64> = checks
        .iter()
        .filter(|c| c.probe.kind == S2Kind::AtS12E1W)
        .map(|c| c.probe.addr)
        .collect();
    let mut el0_checks = Vec::new();
    for c in &el0_targets {
        el0_checks.push(Check {
            walked: None,
            what: c.what.replace("AT S12E1R", "AT S12E0R"),
            probe: S2Probe::new(c.probe.addr, S2Kind::AtS12E0R),
            want: c.want,
        });
        if writable.contains(&c.probe.addr) {
            el0_checks.push(Check {
                walked: None,
                what: c.what.replace("AT S12E1R", "AT S12E0W"),
                probe: S2Probe::new(c.probe.addr, S2Kind::AtS12E0W),
                want: c.want,
            });
        }
    }
    checks.push(Check {
        walked: None,
        what: format!("{}: TTBR0_EL1 = the EL0 table", vm.name),
        probe: S2Probe::new(s0.ttbr0(), S2Kind::SetTtbr0),
        want: Want::Set,
    });
    checks.extend(el0_checks);
    let mut guest = place(vm, s1_ipa, s1.bytes());
    guest.extend(place(vm, s0_ipa, s0.bytes()));
    let (guest_pa, guest_image) = one_image(&guest);
    let mut images = vec![(s2.base_pa(), s2.bytes().to_vec())];
    images.extend(guest);
    let code_pa = ipa_to_pa(vm, code_va).expect("the code page is mapped");
    let job = S2Job {
        hcr: s2.hcr_set(),
        vtcr: s2.vtcr(),
        vttbr: s2.vttbr(),
        mair: s1.mair(),
        tcr: s1.tcr(),
        ttbr0: s1.ttbr0(),
        sctlr_set: s1.sctlr_set() | qemu::SCTLR_M,
        code: Some((code_va, code_pa)),
        images,
        probes: checks.iter().map(|c| c.probe).collect(),
    };
    let stage1 = guest_stage1(&job, guest_pa, &guest_image);
    walk_checks(&mut checks, stage1, &s2_tables(s2));
    Prepared {
        job,
        checks,
        guest_pa,
        guest_image,
    }
}

/// The guest's stage 1 of `job` (its `MAIR_EL1`, `TCR_EL1` and `TTBR0_EL1`; the harness
/// loads `TTBR1_EL1` = 0) with its tables at `pa`, for [`walk_two_stages`].
fn guest_stage1<'a>(job: &S2Job, pa: u64, image: &'a [u8]) -> Stage1Tables<'a> {
    Stage1Tables {
        image,
        image_pa: pa,
        tcr: job.tcr,
        ttbr0: job.ttbr0,
        ttbr1: 0,
        mair: job.mair,
    }
}

/// The pieces of an image placed at PAs (in the VM's RAM) as one image from the lowest
/// PA, with zeros between the pieces.
fn one_image(pieces: &[(u64, Vec<u8>)]) -> (u64, Vec<u8>) {
    let start = pieces.iter().map(|p| p.0).min().expect("an image");
    let end = pieces
        .iter()
        .map(|(pa, b)| pa + b.len() as u64)
        .max()
        .expect("an image");
    assert!(
        end - start <= VM_RAM_SIZE,
        "the guest tables are not in the VM's RAM"
    );
    let mut bytes = vec![0; (end - start) as usize];
    for (pa, b) in pieces {
        let at = (pa - start) as usize;
        bytes[at..at + b.len()].copy_from_slice(b);
    }
    (start, bytes)
}

/// Fills in [`Check::walked`] for checks run in this order from a job whose guest
/// stage 1 starts as `stage1` and whose VM is `stage2`: each AT probe's and access's VA
/// walked by [`walk_two_stages`], with `TTBR0_EL1` as the `SetTtbr0` probes before it
/// leave it.
fn walk_checks(checks: &mut [Check], mut stage1: Stage1Tables<'_>, stage2: &Stage2Tables<'_>) {
    for c in checks {
        match c.probe.kind {
            S2Kind::SetTtbr0 => stage1.ttbr0 = c.probe.addr,
            S2Kind::SetVttbr => {}
            _ => c.walked = Some(walk_two_stages(&stage1, stage2, c.probe.addr)),
        }
    }
}

/// Whether a probe is an EL0 `AT` (`AT S12E0R`, `AT S12E0W`).
fn el0_at(kind: S2Kind) -> bool {
    matches!(kind, S2Kind::AtS12E0R | S2Kind::AtS12E0W)
}

/// `PAR_EL1.SH` (and descriptor SH) bits of a shareability.
fn sh_bits(s: Shareability) -> u8 {
    match s {
        Shareability::NonShareable => 0,
        Shareability::Outer => 2,
        Shareability::Inner => 3,
    }
}

/// What a probe must give according to the crate's two-stage walk of its VA: for AT
/// probes the PA, the combined memory type's attribute byte, shareability and write
/// permission (EL0's for `AT S12E0R/W`), the probe's own permission (read, or write)
/// granted; for real accesses the access, or the stage 2 fault with its level (a
/// permission fault at the stage 2 leaf's level when stage 1 allows the access and
/// stage 2 does not; a translation fault at the level the stage 2 walk stops). An error
/// when the walk gives what the harness cannot show (a stage 1 fault, an AT that
/// faults, a fault on the stage 1 table walk) or an access reaches another PA than the
/// probe's.
fn walker_want(check: &Check) -> Result<Want, String> {
    let probe = check.probe;
    let walked = match check.walked {
        None => return Ok(Want::Set),
        Some(w) => w,
    };
    let (write, fetch) = (probe.kind == S2Kind::Store, probe.kind == S2Kind::Execute);
    let fault = |ipa: u64, fsc: u8| Want::Stage2 {
        ipa,
        fsc,
        write,
        fetch,
    };
    match walked {
        Ok(w) => match probe.kind {
            S2Kind::AtS12E1R | S2Kind::AtS12E1W | S2Kind::AtS12E0R | S2Kind::AtS12E0W => {
                let el0 = el0_at(probe.kind);
                let (read, write) = if el0 {
                    (w.readable_el0(), w.writable_el0())
                } else {
                    (w.readable(), w.writable())
                };
                let wants_write = matches!(probe.kind, S2Kind::AtS12E1W | S2Kind::AtS12E0W);
                if !read || wants_write && !write {
                    return Err(format!(
                        "the walker forbids the AT (EL1 {:?}, EL0 {:?})",
                        w.perms(),
                        w.el0_perms()
                    ));
                }
                let attr = w
                    .memory_type()
                    .ok_or_else(|| format!("the walker's memory type {:?}", w.memory_kind()))?
                    .attr_byte();
                let sh = w
                    .shareability()
                    .ok_or("the walker gives a reserved shareability")?;
                Ok(Want::Maps {
                    pa: w.pa,
                    attr,
                    sh: sh_bits(sh),
                    write,
                })
            }
            S2Kind::Load | S2Kind::Store | S2Kind::Execute => {
                let (s1_allows, s2_allows) = match probe.kind {
                    S2Kind::Load => (true, w.stage2.readable()),
                    S2Kind::Store => (w.stage1.writable(), w.stage2.writable()),
                    _ => (w.stage1.executable(), w.stage2.executable_el1()),
                };
                if !s1_allows {
                    return Err("the walker's stage 1 forbids the access".into());
                }
                if !s2_allows {
                    return Ok(fault(w.ipa, fst_permission(w.stage2.level)));
                }
                if probe.pa != 0 && w.pa != probe.pa {
                    return Err(format!(
                        "the walker's access reaches {:#x}, not {:#x}",
                        w.pa, probe.pa
                    ));
                }
                Ok(match probe.kind {
                    S2Kind::Load => Want::Loaded,
                    S2Kind::Store => Want::Stored,
                    _ => Want::Executes,
                })
            }
            other => Err(format!("no walker expectation for {other:?}")),
        },
        Err(f @ TwoStageFault::Stage2 { ipa, .. })
            if matches!(probe.kind, S2Kind::Load | S2Kind::Store | S2Kind::Execute) =>
        {
            match (f.fault(), f.level()) {
                (WalkFault::Translation { .. } | WalkFault::IpaOutOfRange { .. }, Some(l)) => {
                    Ok(fault(ipa, fst_translation(l)))
                }
                _ => Err(format!("the walker: {f}")),
            }
        }
        Err(f) => Err(format!("the walker: {f}")),
    }
}

/// The check's failure when the crate's two-stage walker disagrees with the pages.
fn walker_disagrees(check: &Check) -> Option<String> {
    match walker_want(check) {
        Ok(w) if w == check.want => None,
        Ok(w) => Some(format!(
            "{}: the pages call for {:x?}, the walker for {w:x?}",
            check.what, check.want
        )),
        Err(e) => Some(format!(
            "{}: the pages call for {:x?}: {e}",
            check.what, check.want
        )),
    }
}

/// Compares one result with what the pages call for and, where the check has a walk,
/// with what the crate's two-stage walker calls for ([`walker_want`]).
fn judge_one(check: &Check, result: &S2Result) -> Result<(), String> {
    judge_want(check.want, &check.probe, result)?;
    if check.walked.is_some() {
        let want = walker_want(check)?;
        judge_want(want, &check.probe, result).map_err(|e| format!("the walker: {e}"))?;
    }
    Ok(())
}

/// Compares one result with a [`Want`].
fn judge_want(want: Want, probe: &S2Probe, result: &S2Result) -> Result<(), String> {
    match (want, *result) {
        (
            Want::Maps {
                pa,
                attr,
                sh,
                write: _,
            },
            S2Result::Par(par),
        ) => {
            if par_fault(par) {
                return Err(format!(
                    "expected a translation to {pa:#x}, got a fault, status {:#04x} (PAR {par:#x})",
                    par_fault_status(par)
                ));
            }
            if par_pa(par) != pa & !0xFFF || par_attr(par) != attr || par_sh(par) != sh {
                return Err(format!(
                    "expected PA {:#x} attribute {attr:#04x} SH {sh:#b}, QEMU gives PA {:#x} \
                     attribute {:#04x} SH {:#b} (PAR {par:#x})",
                    pa & !0xFFF,
                    par_pa(par),
                    par_attr(par),
                    par_sh(par)
                ));
            }
            if !par_ns(par) {
                return Err(format!("expected NS = 1 (PAR {par:#x})"));
            }
            Ok(())
        }
        (Want::Loaded, S2Result::Loaded { value, marker }) if value == marker => Ok(()),
        (
            Want::Stored,
            S2Result::Stored {
                loaded,
                written,
                at_pa,
            },
        ) if loaded == written && at_pa == written => Ok(()),
        (Want::Executes, S2Result::El1Exception { esr, elr, .. })
            if esr_ec(esr) == 0 && elr == probe.addr =>
        {
            Ok(())
        }
        (
            Want::Stage2 {
                ipa,
                fsc,
                write,
                fetch,
            },
            S2Result::Stage2Abort { esr, far, hpfar },
        ) => {
            let ec = if fetch {
                EC_INSTRUCTION_ABORT_LOWER
            } else {
                EC_DATA_ABORT_LOWER
            };
            let ok = esr_ec(esr) == ec
                && esr_fsc(esr) == fsc
                && esr_wnr(esr) == write
                && !esr_s1ptw(esr)
                && hpfar_ipa(hpfar) == ipa & !0xFFF
                && far == probe.addr;
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "expected a stage 2 abort (EC {ec:#x}, FSC {fsc:#04x}, WnR {write}, IPA \
                     {:#x}), got ESR_EL2 {esr:#x} (EC {:#x}, FSC {:#04x}, WnR {}, S1PTW {}), \
                     FAR_EL2 {far:#x}, HPFAR_EL2 {hpfar:#x} (IPA {:#x})",
                    ipa & !0xFFF,
                    esr_ec(esr),
                    esr_fsc(esr),
                    esr_wnr(esr),
                    esr_s1ptw(esr),
                    hpfar_ipa(hpfar)
                ))
            }
        }
        (Want::Set, S2Result::Set) => Ok(()),
        (want, got) => Err(format!("expected {want:x?}, got {got:x?}")),
    }
}

fn judge(checks: &[Check], results: &[S2Result]) -> Vec<String> {
    checks
        .iter()
        .zip(results)
        .filter_map(|(c, r)| judge_one(c, r).err().map(|e| format!("{}: {e}", c.what)))
        .collect()
}

/// Runs a prepared VM and returns the failures (a failed run is one).
fn run_and_judge(p: &Prepared) -> Vec<String> {
    match qemu_s2::run(&p.job) {
        Ok(results) => judge(&p.checks, &results),
        Err(e) => vec![e],
    }
}

fn check_on_qemu(vm: &Vm) {
    let s2 = build_vm(vm);
    let mut failures = image_failures(vm, &s2);
    let p = prepare(vm, &s2);
    failures.extend(p.checks.iter().filter_map(walker_disagrees));
    failures.extend(run_and_judge(&p));
    assert!(
        failures.is_empty(),
        "{}: {} of {} checks fail (root tables {}, VTCR {:#x}, VTTBR {:#x}):\n{}",
        vm.name,
        failures.len(),
        p.checks.len(),
        s2.root_tables(),
        s2.vtcr(),
        s2.vttbr(),
        failures.join("\n")
    );
    let count = |f: fn(&Check) -> bool| p.checks.iter().filter(|c| f(c)).count();
    eprintln!(
        "{}: {} checks on QEMU (AT {}, loads {}, stores {}, fetches {} of which {} \
         execute, stage 2 aborts {}; {} root tables, {} tables)",
        vm.name,
        p.checks.len(),
        count(|c| matches!(c.want, Want::Maps { .. })),
        count(|c| c.probe.kind == S2Kind::Load),
        count(|c| c.probe.kind == S2Kind::Store),
        count(|c| c.probe.kind == S2Kind::Execute),
        count(|c| matches!(c.want, Want::Executes)),
        count(|c| matches!(c.want, Want::Stage2 { .. })),
        s2.root_tables(),
        s2.bytes().len() / (1 << vm.config.granule.shift())
    );
}

// ---------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------

/// Without QEMU: every VM's image walks to its pages with the leaf bits they call for
/// (and uniform Contiguous groups), the images fit their space, every fixed VM and more
/// than a quarter of the random ones have Contiguous leaves, and the fixed VMs have the
/// root tables their IPA sizes call for.
#[test]
fn stage2_images_hold_the_pages() {
    let mut failures = Vec::new();
    let mut grouped = 0;
    let vms: Vec<Vm> = fixed_vms()
        .into_iter()
        .chain(RANDOM_SEEDS.map(random_vm))
        .chain((100..400).map(random_vm))
        .collect();
    for vm in &vms {
        let s2 = build_vm(vm);
        assert!(
            S2_TABLES_PA + s2.bytes().len() as u64 <= S2_TABLES_END,
            "{}: the stage 2 image is too large",
            vm.name
        );
        failures.extend(image_failures(vm, &s2));
        grouped += usize::from(contiguous_leaves(vm, &s2) > 0);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        grouped > vms.len() / 4,
        "only {grouped} of {} VMs have Contiguous leaves",
        vms.len()
    );
    let roots: Vec<usize> = fixed_vms()
        .iter()
        .map(|vm| build_vm(vm).root_tables())
        .collect();
    for vm in &fixed_vms() {
        let n = contiguous_leaves(vm, &build_vm(vm));
        assert!(n > 0, "{}: no Contiguous leaf", vm.name);
    }
    assert_eq!(
        roots,
        [2, 16, 16, 1, 16, 16, 16, 1, 1],
        "root tables of the fixed VMs"
    );
}

/// Without QEMU: for every VM's checks, the crate's two-stage walker
/// ([`walk_two_stages`] over the guest's stage 1 image and the VM's stage 2 image)
/// calls for what the pages call for: the PA, memory type, shareability and write
/// permission of every AT probe, every real access, and every stage 2 fault with its
/// level.
#[test]
fn two_stage_walks_agree_with_the_pages() {
    let mut failures = Vec::new();
    let mut walked = 0;
    for vm in fixed_vms()
        .into_iter()
        .chain(RANDOM_SEEDS.map(random_vm))
        .chain((100..400).map(random_vm))
    {
        let p = prepare(&vm, &build_vm(&vm));
        walked += p.checks.iter().filter(|c| c.walked.is_some()).count();
        failures.extend(p.checks.iter().filter_map(walker_disagrees));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{walked} probes walked through both stages");
}

/// The image checks have teeth: a leaf's MemAttr, S2AP, XN or valid bit changed, or a
/// Contiguous group's last entry without the bit, makes [`image_failures`] report it,
/// and the two-stage walks of the probes through such an image (but the Contiguous
/// one) disagree with the pages ([`walker_disagrees`]).
#[test]
fn image_checks_catch_broken_leaves() {
    let vm = fixed_vms()[0].clone();
    let s2 = build_vm(&vm);
    assert!(image_failures(&vm, &s2).is_empty());
    let t = s2_tables(&s2);
    let leaf_at = |ipa: u64| {
        // The byte offset in the image of the leaf that maps `ipa`: the descriptor the
        // walk finds, searched for (each leaf here has its own output address).
        let desc = t.walk(ipa).expect("the page walks").descriptor.bits();
        s2.bytes()
            .chunks(8)
            .position(|c| u64::from_le_bytes(c.try_into().unwrap()) == desc)
            .unwrap()
            * 8
    };
    let page = |name: &str| vm.pages.iter().find(|p| p.name() == name).unwrap();
    let group_last = page("contig").va() + 15 * 0x1000;
    let prepared = prepare(&vm, &s2);
    for (what, ipa, flip) in [
        ("MemAttr", page("nGnRE").va(), 0b0100u64 << 2),
        ("S2AP write", page("ro").va(), 1 << 7),
        ("XN", page("code").va(), 1 << 54),
        ("Contiguous", group_last, CONTIGUOUS),
        ("valid", page("rw").va(), 1),
    ] {
        let mut bytes = s2.bytes().to_vec();
        let at = leaf_at(ipa);
        let desc = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) ^ flip;
        bytes[at..at + 8].copy_from_slice(&desc.to_le_bytes());
        let broken = Stage2Tables { image: &bytes, ..t };
        let failures = tables_failures(&vm, &broken);
        assert!(!failures.is_empty(), "a changed {what} bit goes unnoticed");
        // The two-stage walks through the broken image disagree with the pages (the
        // Contiguous bit is a hint: the walks do not change).
        let mut checks = prepared.checks.clone();
        walk_checks(&mut checks, prepared.stage1(), &broken);
        let disagree = checks.iter().filter_map(walker_disagrees).count();
        assert_eq!(
            disagree == 0,
            what == "Contiguous",
            "a changed {what} bit: {disagree} walks disagree with the pages"
        );
    }
}

/// The result QEMU gives when it does what `want` calls for (for [`judge`] without
/// QEMU): a `PAR_EL1` with the PA, attribute byte, SH and NS; a stage 2 abort with
/// its `ESR_EL2`, `FAR_EL2` and `HPFAR_EL2`; an access that completes.
fn result_of(want: Want, probe: &S2Probe) -> S2Result {
    match want {
        Want::Maps { pa, attr, sh, .. } => S2Result::Par(
            u64::from(attr) << 56 | pa & 0x000F_FFFF_FFFF_F000 | 1 << 9 | u64::from(sh) << 7,
        ),
        Want::Loaded => S2Result::Loaded {
            value: 0x5A,
            marker: 0x5A,
        },
        Want::Stored => S2Result::Stored {
            loaded: 0xA5,
            written: 0xA5,
            at_pa: 0xA5,
        },
        Want::Stage2 {
            ipa,
            fsc,
            write,
            fetch,
        } => S2Result::Stage2Abort {
            esr: if fetch {
                EC_INSTRUCTION_ABORT_LOWER
            } else {
                EC_DATA_ABORT_LOWER
            } << 26
                | u64::from(write) << 6
                | u64::from(fsc),
            far: probe.addr,
            hpfar: (ipa >> 12) << 4,
        },
        Want::Executes => S2Result::El1Exception {
            esr: 0,
            far: 0,
            elr: probe.addr,
        },
        Want::Set => S2Result::Set,
    }
}

/// Without QEMU: [`judge`] compares results with the two-stage walks as well as with
/// the pages. Results that are what the pages call for pass; with the walks redone
/// through a stage 2 image whose Device leaf has another MemAttr, or whose read-only
/// leaf allows writes, exactly the checks of that page fail, each with the walker's
/// expectation.
#[test]
fn judging_compares_results_with_the_walks() {
    let vm = fixed_vms()[0].clone();
    let s2 = build_vm(&vm);
    let p = prepare(&vm, &s2);
    let results: Vec<S2Result> = p
        .checks
        .iter()
        .map(|c| result_of(c.want, &c.probe))
        .collect();
    let failures = judge(&p.checks, &results);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let t = s2_tables(&s2);
    let page = |name: &str| vm.pages.iter().find(|p| p.name() == name).unwrap();
    for (name, flip) in [("nGnRE", 0b0100u64 << 2), ("ro", 1 << 7)] {
        let leaf = t.walk(page(name).va()).unwrap().descriptor.bits();
        let at = s2
            .bytes()
            .chunks(8)
            .position(|c| u64::from_le_bytes(c.try_into().unwrap()) == leaf)
            .unwrap()
            * 8;
        let mut bytes = s2.bytes().to_vec();
        bytes[at..at + 8].copy_from_slice(&(leaf ^ flip).to_le_bytes());
        let mut checks = p.checks.clone();
        walk_checks(
            &mut checks,
            p.stage1(),
            &Stage2Tables { image: &bytes, ..t },
        );
        let failures = judge(&checks, &results);
        let of_page = format!("page `{name}`[");
        assert!(!failures.is_empty(), "`{name}`: no failure");
        for f in &failures {
            assert!(
                f.contains(&of_page) && f.contains("the walker"),
                "`{name}`: {f}"
            );
        }
        eprintln!(
            "`{name}` changed: {} failures, first: {}",
            failures.len(),
            failures[0]
        );
    }
}

macro_rules! qemu_test {
    ($name:ident, $vm:expr) => {
        #[test]
        #[cfg_attr(
            memlayout_no_qemu,
            ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
        )]
        fn $name() {
            if !qemu::require_tools_or_skip() {
                return;
            }
            check_on_qemu(&$vm);
        }
    };
}

qemu_test!(vm_4k_ipa40_two_level1_roots, fixed_vms()[0]);
qemu_test!(vm_4k_ipa34_sixteen_level2_roots, fixed_vms()[1]);
qemu_test!(vm_4k_ipa43_sixteen_level1_roots_vmid16, fixed_vms()[2]);
qemu_test!(vm_4k_ipa48_level0_root, fixed_vms()[3]);
qemu_test!(vm_16k_ipa40_sixteen_level2_roots, fixed_vms()[4]);
qemu_test!(vm_64k_ipa46_sixteen_level2_roots, fixed_vms()[5]);
qemu_test!(vm_4k_ipa52_lpa2_sixteen_level0_roots, fixed_vms()[6]);
qemu_test!(vm_16k_ipa52_lpa2_level0_root, fixed_vms()[7]);
qemu_test!(vm_64k_ipa52_lpa_level1_root, fixed_vms()[8]);

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn random_vms_on_qemu() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    for seed in RANDOM_SEEDS {
        check_on_qemu(&random_vm(seed));
    }
}

/// Two VMs that map the same IPAs (RAM, and a data page to different PAs), run in one
/// job: a load in VM A, a switch of `VTTBR_EL2` to VM B without TLB maintenance, a load
/// in VM B. With the VMIDs the builder put in `VTTBR_EL2` (distinct), the second load
/// reads VM B's PA; `vmid_b` = None replaces VM B's VMID with VM A's, and the test then
/// expects the stale translation (what shows that a missing or wrong VMID is caught).
fn vm_switch(vmid_b: Option<u16>) -> Vec<String> {
    let granule = Granule::Size4K;
    let make = |vmid: u16, data_pa: u64| {
        let mut p = Pages::new();
        add_ram(&mut p, granule, 0x4000_0000);
        p.add(
            "data",
            1,
            0x4100_0000,
            data_pa,
            PageSize::Size4K,
            data(Perms::RW),
        );
        Vm {
            name: format!("VM {vmid}"),
            config: TableConfig::DEFAULT
                .with_va_bits(40)
                .with_pa_bits(40)
                .with_vmid(Some(vmid)),
            pages: p.pages,
            ram_ipa: 0x4000_0000,
        }
    };
    let a = make(7, DATA.start);
    let b = make(8, DATA.start + 0x1000);
    let s2a = build_vm(&a);
    let s2b = build(&info(), &b.pages, S2_TABLES_PA + 0x10_0000, &b.config).unwrap();
    let mut p = prepare(&a, &s2a);
    let vttbr_b = match vmid_b {
        Some(_) => s2b.vttbr(),
        None => s2b.vttbr() & 0xFFFF_FFFF_FFFF | s2a.vttbr() & !0xFFFF_FFFF_FFFF,
    };
    p.job.images.push((s2b.base_pa(), s2b.bytes().to_vec()));
    let ipa = 0x4100_0000 + 0x100;
    let mut extra = vec![
        Check {
            walked: None,
            what: "VM A: load".into(),
            probe: S2Probe::access(ipa, S2Kind::Load, DATA.start + 0x100),
            want: Want::Loaded,
        },
        Check {
            walked: None,
            what: "VTTBR_EL2 = VM B".into(),
            probe: S2Probe::new(vttbr_b, S2Kind::SetVttbr),
            want: Want::Set,
        },
        Check {
            walked: None,
            what: "VM B: AT S12E1R".into(),
            probe: S2Probe::new(ipa, S2Kind::AtS12E1R),
            want: Want::Maps {
                pa: DATA.start + 0x1000,
                attr: 0xFF,
                sh: 3,
                write: true,
            },
        },
        Check {
            walked: None,
            what: "VM B: load after the switch".into(),
            probe: S2Probe::access(ipa, S2Kind::Load, DATA.start + 0x1100),
            want: Want::Loaded,
        },
    ];
    // The EL0 part of `prepare` switched TTBR0_EL1 (with a TLB flush): switch back first.
    extra.insert(
        0,
        Check {
            walked: None,
            what: "TTBR0_EL1 = the EL1 table".into(),
            probe: S2Probe::new(p.job.ttbr0, S2Kind::SetTtbr0),
            want: Want::Set,
        },
    );
    // The walker: VM A up to the switch, VM B after it (with VM B's VMID).
    walk_checks(&mut extra[..3], p.stage1(), &s2_tables(&s2a));
    walk_checks(&mut extra[3..], p.stage1(), &s2_tables(&s2b));
    p.job.probes.extend(extra.iter().map(|c| c.probe));
    p.checks.extend(extra);
    // VM B's guest stage 1 and code page are VM A's: both VMs map their RAM to the same
    // PAs, so the same guest tables serve both.
    assert_eq!(ipa_to_pa(&a, 0x4000_0000), ipa_to_pa(&b, 0x4000_0000));
    run_and_judge(&p)
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn vm_switch_needs_distinct_vmids() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let failures = vm_switch(Some(8));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let stale = vm_switch(None);
    assert!(
        stale.len() == 1 && stale[0].starts_with("VM B: load after the switch"),
        "with VM A's VMID in VM B's VTTBR_EL2, only the load after the switch should fail \
         (a stale translation): {stale:#?}"
    );
}

/// The checks of a fixed VM fail when `VTCR_EL2.SL0` or `VTTBR_EL2.BADDR` is wrong.
#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn broken_registers_are_caught() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let vm = fixed_vms()[0].clone();
    let s2 = build_vm(&vm);
    let good = prepare(&vm, &s2);
    // SL0 one level further up (level 0 instead of level 1 with two concatenated roots).
    let mut sl0 = good.clone();
    sl0.job.vtcr = (sl0.job.vtcr & !(3 << 6)) | ((((sl0.job.vtcr >> 6) & 3) + 1) & 3) << 6;
    // BADDR just past the concatenated root (two 4 KiB tables): the next table of the
    // image. (BADDR + 4 KiB is no test: the two-table root must be 8 KiB aligned, and
    // QEMU ignores BADDR bits under that alignment, as the architecture allows.)
    let mut baddr = good.clone();
    assert_eq!(s2.root_tables(), 2);
    baddr.job.vttbr += 2 * 0x1000;
    for (what, p) in [("VTCR_EL2.SL0", sl0), ("VTTBR_EL2.BADDR", baddr)] {
        let failures = run_and_judge(&p);
        assert!(
            !failures.is_empty(),
            "a wrong {what} must make the checks fail"
        );
        eprintln!(
            "wrong {what}: {} failures, first: {}",
            failures.len(),
            failures[0].lines().next().unwrap_or("")
        );
    }
}

/// Jobs the stage 2 harness cannot run are refused before QEMU starts.
#[test]
fn stage2_jobs_the_harness_cannot_run_are_rejected() {
    let job = S2Job {
        hcr: qemu_s2::HCR_VM | qemu_s2::HCR_RW,
        vtcr: 0,
        vttbr: 0,
        mair: 0,
        tcr: 0,
        ttbr0: 0,
        sctlr_set: qemu::SCTLR_M,
        code: None,
        images: vec![(RAM.start + 0x40_0000, vec![0; 8])],
        probes: vec![S2Probe::new(0, S2Kind::Load)],
    };
    let err = qemu_s2::run(&job).unwrap_err();
    assert!(err.contains("need a code page"), "{err}");
    let mut no_vm = job.clone();
    no_vm.hcr = qemu_s2::HCR_RW;
    assert!(qemu_s2::run(&no_vm).unwrap_err().contains("VM and RW"));
    let mut over_image = job.clone();
    over_image.code = Some((0x1000, RAM.start + 0x40_0000));
    assert!(qemu_s2::run(&over_image).unwrap_err().contains("code page"));
    let mut bad_pa = job;
    bad_pa.code = Some((0x1000, DATA.start));
    bad_pa.probes = vec![S2Probe::access(0, S2Kind::Store, RAM.start + 0x40_0000)];
    assert!(qemu_s2::run(&bad_pa).unwrap_err().contains("pa"));
}

// ---------------------------------------------------------------------------------------
// Whole layouts built with the run-time API: a VM and its guests' own tables.
// ---------------------------------------------------------------------------------------

/// The pool of RAM of the layouts below (in QEMU's RAM, off the harness).
const LAYOUT_RAM: (u64, u64) = (0x4800_0000, 0x1000_0000);
/// The pool of device memory of the layouts below (translated only, never accessed).
const LAYOUT_MMIO: (u64, u64) = (0x0a00_0000, 0x10_0000);
/// The EL1 guest's VA range and the EL0 guest's (both in `TTBR0_EL1`'s range and of one
/// size, so that one `TCR_EL1` serves both).
const GUEST_EL1_VA: (u64, u64) = (0x8000_0000, 1 << 30);
const GUEST_EL0_VA: (u64, u64) = (0xC000_0000, 1 << 30);

/// A way to run a layout's VM wrongly, to show that the checks catch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GuestBreak {
    /// Run it as built.
    None,
    /// `TTBR0_EL1` with the guest tables' PA in place of their IPA.
    TtbrPa,
    /// The guest tables' bytes loaded at a wrong PA (not at `guest_tables_pa`).
    TablesPa,
}

/// A hypervisor's layout (an `EL2_NS` table) with `vms` VMs, each with RAM (2 MiB
/// pages, `rwx`), Write-Through pages, Device-nGnRnE pages, read-only pages, a guest
/// `EL1_NS` table and (with `el0`) a guest `EL0_NS` table; guest pages drawn
/// automatically and at fixed IPAs. `seed` varies the counts, sizes, memory types,
/// VMIDs and fixed IPAs (`None`: a fixed layout).
fn guest_layout(seed: Option<u64>, el0: bool, vms: u16) -> (Layout, Vec<TableId>) {
    let mut rng = memlayout::Rng::new(seed.unwrap_or(0));
    let mut below = |n: u64| if seed.is_some() { rng.below(n) } else { 0 };
    let mut l = match seed {
        Some(s) if s % 2 == 0 => Layout::with_seed(s),
        _ => Layout::new(),
    };
    l.add_pool(Pool::ram("ram", LAYOUT_RAM.0, LAYOUT_RAM.1))
        .unwrap();
    l.add_pool(Pool::device("mmio", LAYOUT_MMIO.0, LAYOUT_MMIO.1))
        .unwrap();
    l.add_table_for_cores(
        "hyp",
        Cores::range(0, 1).unwrap(),
        ExecutionContext::EL2_NS,
        &[LAYOUT_RAM],
        40,
    )
    .unwrap();
    let vms = (0..vms)
        .map(|v| add_vm_with_guests(&mut l, v, &mut below, seed.is_some(), el0))
        .collect();
    (l, vms)
}

/// Adds VM `v` (VMID `1 + 8 v` plus up to 3) to `l` with its pages and guests (see
/// [`guest_layout`]).
fn add_vm_with_guests(
    l: &mut Layout,
    v: u16,
    below: &mut impl FnMut(u64) -> u64,
    seeded: bool,
    el0: bool,
) -> TableId {
    let vmid = 1 + 8 * v + below(4) as u16;
    let vm = l
        .add_vm(format!("vm{v}"), vmid, Cores::one(0), &[(0, 1 << 32)])
        .unwrap();
    let req = |name: &str, kind: PageKind, size: PageSize| PageRequest::new(name, kind, size);
    l.map(
        vm,
        &req("ram", PageKind::Data, PageSize::Size2M)
            .count(4 + below(2) as u32)
            .va(0x4000_0000)
            .perms(Perms::RWX),
    )
    .unwrap();
    l.map(
        vm,
        &req("rom", PageKind::Data, PageSize::Size4K)
            .count(2 + below(3) as u32)
            .perms(Perms::R),
    )
    .unwrap();
    // Write-Through RAM, and Device-nGnRnE MMIO: stronger than the guests' defaults.
    l.map(
        vm,
        &req("wt", PageKind::Data, PageSize::Size4K)
            .count(2)
            .cache(Cacheability::WriteThrough)
            .perms(Perms::RW),
    )
    .unwrap();
    l.map(
        vm,
        &req("uart", PageKind::Device, PageSize::Size4K)
            .device(DeviceType::nGnRnE)
            .count(2)
            .va(0x0900_0000)
            .pa(LAYOUT_MMIO.0 + 0x2000 * u64::from(v)),
    )
    .unwrap();
    let stage2: Vec<Page> = l.pages(vm).into_iter().cloned().collect();
    let guests: &[(ExecutionContext, (u64, u64))] = if el0 {
        &[
            (ExecutionContext::EL1_NS, GUEST_EL1_VA),
            (ExecutionContext::EL0_NS, GUEST_EL0_VA),
        ]
    } else {
        &[(ExecutionContext::EL1_NS, GUEST_EL1_VA)]
    };
    let mut ids = Vec::new();
    for (k, &(el, range)) in guests.iter().enumerate() {
        let g = l
            .add_guest_table(vm, format!("g{v}_{k}"), 0, el, &[range])
            .unwrap();
        ids.push(g);
        // Fixed IPAs first (every guest's), then automatic ones: the device page, the read-only page, and an IPA in RAM.
        l.map(
            g,
            &req("mmio", PageKind::Device, PageSize::Size4K)
                .pa(0x0900_0000 + 0x1000 * k as u64)
                .perms(Perms::RW),
        )
        .unwrap();
        // Each guest's own read-only page (guest pages of a VM share no IPA).
        let rom = stage2
            .iter()
            .find(|p| p.name() == "rom" && p.index() as usize == k)
            .unwrap();
        l.map(
            g,
            &req("ro", PageKind::Data, PageSize::Size4K)
                .pa(rom.va())
                .perms(Perms::R),
        )
        .unwrap_or_else(|e| panic!("ro: {e}"));
        // On the Write-Through page: Write-Back (the default) or Non-cacheable.
        let wt = stage2
            .iter()
            .find(|p| p.name() == "wt" && p.index() as usize == k)
            .unwrap();
        let nc = if seeded { below(2) == 1 } else { k == 1 };
        let mut shm = req("shm", PageKind::Data, PageSize::Size4K).pa(wt.va());
        if nc {
            shm = shm.cache(Cacheability::NonCacheable);
        }
        l.map(g, &shm).unwrap_or_else(|e| panic!("shm: {e}"));
        let fixed = 0x4000_0000 + 0x8_0000 * (1 + k as u64) + 0x1000 * below(16);
        l.map(g, &req("fixed", PageKind::Data, PageSize::Size4K).pa(fixed))
            .unwrap_or_else(|e| panic!("fixed IPA {fixed:#x}: {e}"));
    }
    for g in ids {
        // Automatic: a 2 MiB block where the seed asks, data, code.
        if below(2) == 1 {
            l.map(g, &req("big", PageKind::Data, PageSize::Size2M))
                .unwrap();
        }
        l.map(
            g,
            &req("data", PageKind::Data, PageSize::Size4K).count(1 + below(5) as u32),
        )
        .unwrap();
        l.map(
            g,
            &req("text", PageKind::Code, PageSize::Size4K)
                .count(1 + below(3) as u32)
                .perms(Perms::RX),
        )
        .unwrap();
    }
    vm
}

/// A Normal attribute nibble of two stages combined (Arm ARM D8.5.5, as QEMU does it):
/// Non-cacheable if either is, else Write-Through if either is, else Write-Back, with
/// stage 1's allocation hints.
fn combine_nibble(s1: u8, s2: u8) -> u8 {
    if s1 == 0x4 || s2 == 0x4 {
        0x4
    } else if s1 >> 2 == 0b10 || s2 >> 2 == 0b10 {
        0x8 | s1 & 3
    } else {
        0xC | s1 & 3
    }
}

/// The attribute byte and SH that `PAR_EL1` must show for a guest page `g` on stage 2
/// page `h`: the stronger Device type if either is Device, else the combined Normal
/// type; the more shareable of the two (Outer for Device and Non-cacheable memory).
fn combined_attrs(g: &Page, h: &Page) -> (u8, u8) {
    let (a, b) = (expected_attr(g), expected_attr(h));
    let device = |x: u8| x & 0xF0 == 0;
    let attr = match (device(a), device(b)) {
        (true, true) => a.min(b),
        (true, false) => a,
        (false, true) => b,
        (false, false) => combine_nibble(a >> 4, b >> 4) << 4 | combine_nibble(a & 0xF, b & 0xF),
    };
    let rank = |sh: u8| match sh {
        0 => 0,
        3 => 1,
        _ => 2,
    };
    // Device and Normal Non-cacheable memory (inner and outer) are Outer Shareable
    // (Arm ARM D8.6.2).
    let sh = if device(attr) || attr == 0x44 {
        2
    } else {
        let (x, y) = (expected_sh(g), expected_sh(h));
        if rank(x) >= rank(y) { x } else { y }
    };
    (attr, sh)
}

/// The job and checks of a layout's VMs `vms` (the first's stage 2 registers, every
/// stage 2 image, a `VTTBR_EL2` switch to each further VM), their guests' own tables
/// (their bytes at `guest_tables_pa`, `TTBR0_EL1`, `TCR_EL1` and `MAIR_EL1` from the
/// first EL1 guest's translation, a `TTBR0_EL1` switch to each further guest), and `AT S12E1R` (`AT S12E0R` for EL0 guests) at the first, middle and last
/// 8 bytes of every guest page, with the write probe where both stages allow writes.
fn layout_job(l: &Layout, tr: &[Translation], vms: &[TableId], broken: GuestBreak) -> Prepared {
    let regs = tr[vms[0].index()]
        .stage2_registers()
        .expect("a VM's translation has stage 2 registers");
    let guests: Vec<(TableId, TableId)> = vms
        .iter()
        .flat_map(|&vm| l.guests(vm).map(move |g| (vm, g)))
        .collect();
    let first = &tr[guests[0].1.index()];
    assert!(
        !l.table_info(guests[0].1).unwrap().el().is_user(),
        "the first guest is the EL1 one"
    );
    let mut images: Vec<(u64, Vec<u8>)> = vms
        .iter()
        .map(|vm| (tr[vm.index()].base_pa(), tr[vm.index()].bytes().to_vec()))
        .collect();
    let mut checks = Vec::new();
    let mut stage1_images: Vec<(u64, Vec<u8>)> = Vec::new();
    for (n, &(vm, g)) in guests.iter().enumerate() {
        let s2 = &tr[vm.index()];
        let vm_name = l.table_info(vm).unwrap().name().to_string();
        if n > 0 && guests[n - 1].0 != vm {
            // The next VM: one VTCR_EL2 and HCR_EL2 serve both; VTTBR_EL2 switched
            // without TLB maintenance (the VMIDs differ).
            let r = s2.stage2_registers().unwrap();
            assert_eq!((r.vtcr, r.hcr_set), (regs.vtcr, regs.hcr_set), "{vm_name}");
            assert_ne!(r.vttbr >> 48, regs.vttbr >> 48, "{vm_name}: VMIDs differ");
            checks.push(Check {
                walked: None,
                what: format!("VTTBR_EL2 = {vm_name}"),
                probe: S2Probe::new(r.vttbr, S2Kind::SetVttbr),
                want: Want::Set,
            });
        }
        let t = &tr[g.index()];
        let info = l.table_info(g).unwrap();
        let user = info.el().is_user();
        let ipa = l.guest_tables_ipa(g).expect("a guest's tables have an IPA");
        let pa = l.guest_tables_pa(g).expect("a guest's tables have a PA");
        // The tables' IPAs map linearly to their PAs through the VM.
        for off in (0..t.bytes().len() as u64).step_by(0x1000) {
            assert_eq!(
                l.translate(vm, ipa + off),
                Some(pa + off),
                "{}",
                info.name()
            );
        }
        // The EL1 guest's TCR_EL1 serves every guest: the TTBR0_EL1 half (T0SZ,
        // IRGN0, ORGN0, SH0, TG0: bits 15:0) and MAIR_EL1 must agree.
        assert_eq!(
            (t.tcr() & 0xFFFF, t.mair()),
            (first.tcr() & 0xFFFF, first.mair()),
            "{}",
            info.name()
        );
        assert_eq!(t.ttbr1(), 0, "{}: no upper range", info.name());
        assert_eq!(
            t.ttbr0() & ((1 << 48) - 2),
            ipa,
            "{}: TTBR0 holds the IPA",
            info.name()
        );
        let load_pa = if broken == GuestBreak::TablesPa {
            0x1_0000_0000 + (pa & 0xFFF_FFFF)
        } else {
            pa
        };
        images.push((load_pa, t.bytes().to_vec()));
        stage1_images.push((pa, t.bytes().to_vec()));
        let guest_checks = checks.len();
        if n > 0 {
            checks.push(Check {
                walked: None,
                what: format!("{vm_name}: TTBR0_EL1 = {}", info.name()),
                probe: S2Probe::new(t.ttbr0(), S2Kind::SetTtbr0),
                want: Want::Set,
            });
        }
        let (read, write) = if user {
            (S2Kind::AtS12E0R, S2Kind::AtS12E0W)
        } else {
            (S2Kind::AtS12E1R, S2Kind::AtS12E1W)
        };
        for p in l.pages(g) {
            for va in [p.va(), p.va() + p.size() / 2, p.va() + p.size() - 8] {
                let gipa = l.translate(g, va).expect("a guest page's VA translates");
                let h = l
                    .pages(vm)
                    .into_iter()
                    .find(|q| q.va_to_pa(gipa).is_some())
                    .expect("a guest page's IPA is in a stage 2 page");
                let want_pa = h.va_to_pa(gipa).unwrap();
                assert_eq!(l.translate(vm, gipa), Some(want_pa));
                let (attr, sh) = combined_attrs(p, h);
                let (gp, hp) = (p.mem_attrs().perms, h.mem_attrs().perms);
                let writable = gp.write() && hp.write();
                let want = Want::Maps {
                    pa: want_pa,
                    attr,
                    sh,
                    write: writable,
                };
                let what = |kind: &str| {
                    format!(
                        "{vm_name}: {kind} {}::{}[{}] VA {va:#x} IPA {gipa:#x} (VM page {}[{}])",
                        info.name(),
                        p.name(),
                        p.index(),
                        h.name(),
                        h.index()
                    )
                };
                assert!(gp.read() && hp.read(), "{}", what("readable"));
                checks.push(Check {
                    walked: None,
                    what: what(if user { "AT S12E0R" } else { "AT S12E1R" }),
                    probe: S2Probe::new(va, read),
                    want,
                });
                // Never AT S12E1W where stage 2 is read-only (QEMU 10 aborts).
                if writable {
                    checks.push(Check {
                        walked: None,
                        what: what(if user { "AT S12E0W" } else { "AT S12E1W" }),
                        probe: S2Probe::new(va, write),
                        want,
                    });
                }
            }
        }
        // The walks use the tables as built (at guest_tables_pa, TTBR0_EL1 = the IPA),
        // with the EL1 guest's TCR_EL1 and MAIR_EL1 as the job has them.
        let stage1 = Stage1Tables {
            image: t.bytes(),
            image_pa: pa,
            tcr: first.tcr(),
            ttbr0: t.ttbr0(),
            ttbr1: 0,
            mair: first.mair(),
        };
        walk_checks(&mut checks[guest_checks..], stage1, &s2_tables(s2));
    }
    let (guest_pa, guest_image) = stage1_images.swap_remove(0);
    let ttbr0 = if broken == GuestBreak::TtbrPa {
        first.ttbr0() - l.guest_tables_ipa(guests[0].1).unwrap()
            + l.guest_tables_pa(guests[0].1).unwrap()
    } else {
        first.ttbr0()
    };
    let job = S2Job {
        hcr: regs.hcr_set,
        vtcr: regs.vtcr,
        vttbr: regs.vttbr,
        mair: first.mair(),
        tcr: first.tcr(),
        ttbr0,
        sctlr_set: first.sctlr_set() | qemu::SCTLR_M,
        code: None,
        images,
        probes: checks.iter().map(|c| c.probe).collect(),
    };
    Prepared {
        job,
        checks,
        guest_pa,
        guest_image,
    }
}

fn build_layout(l: &mut Layout) -> Vec<Translation> {
    l.build_translations(&TableConfig::new(), &TablePlacement::Anywhere)
        .unwrap_or_else(|e| panic!("build_translations: {e}"))
}

/// Builds the layout, checks the walks against the pages, runs the VM once on QEMU and
/// returns the failures and the number of checks.
fn layout_failures(l: &mut Layout, vms: &[TableId], broken: GuestBreak) -> (Vec<String>, usize) {
    let tr = build_layout(l);
    let p = layout_job(l, &tr, vms, broken);
    let mut failures: Vec<String> = p.checks.iter().filter_map(walker_disagrees).collect();
    failures.extend(run_and_judge(&p));
    (failures, p.checks.len())
}

/// The seeds of [`seeded_layouts_on_qemu`] (one QEMU start each).
const LAYOUT_SEEDS: std::ops::Range<u64> = 1..5;

/// Runs a layout's VM on QEMU and asserts that every check passes.
fn check_layout_on_qemu(name: &str, mut l: Layout, vms: &[TableId]) {
    let (failures, checks) = layout_failures(&mut l, vms, GuestBreak::None);
    assert!(
        failures.is_empty(),
        "{name}: {} of {checks} checks fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let guests: Vec<TableId> = vms.iter().flat_map(|&vm| l.guests(vm)).collect();
    let guest_pages: usize = guests.iter().map(|&g| l.pages(g).len()).sum();
    eprintln!(
        "{name}: {checks} checks on QEMU ({} VMs, {} guests, {guest_pages} guest pages)",
        vms.len(),
        guests.len()
    );
}

/// Without QEMU: the fixed and seeded layouts' guest pages give the two-stage walker the
/// PA, memory type, shareability and write permission their pages call for.
#[test]
fn layout_guest_walks_agree_with_the_pages() {
    let mut layouts = vec![guest_layout(None, true, 2)];
    layouts.extend((0..64).map(|s| guest_layout(Some(s), s % 3 != 0, 1 + (s % 2) as u16)));
    let mut checks = 0;
    let mut seen = BTreeSet::new();
    for (k, (mut l, vms)) in layouts.into_iter().enumerate() {
        let tr = build_layout(&mut l);
        let p = layout_job(&l, &tr, &vms, GuestBreak::None);
        let failures: Vec<String> = p.checks.iter().filter_map(walker_disagrees).collect();
        assert!(failures.is_empty(), "layout {k}:\n{}", failures.join("\n"));
        checks += p.checks.len();
        for c in &p.checks {
            if let Want::Maps { attr, sh, .. } = c.want {
                seen.insert((attr, sh, format!("{:?}", c.probe.kind)));
            }
        }
    }
    assert!(checks > 65 * 20, "{checks}");
    // Device-nGnRnE (both Device), Non-cacheable, Write-Through and Write-Back; EL1
    // and EL0 probes, reads and writes.
    let attrs: BTreeSet<(u8, u8)> = seen.iter().map(|(a, s, _)| (*a, *s)).collect();
    for want in [(0x00, 2), (0x44, 2), (0xBB, 3), (0xFF, 3)] {
        assert!(attrs.contains(&want), "{want:x?} not in {attrs:x?}");
    }
    let kinds: BTreeSet<&str> = seen.iter().map(|(_, _, k)| k.as_str()).collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
}

/// A fixed layout (a hypervisor, a VM, an EL1 and an EL0 guest) on QEMU.
#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn layout_guests_on_qemu() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let (l, vms) = guest_layout(None, true, 2);
    check_layout_on_qemu("fixed layout", l, &vms);
}

/// Seeded layouts on QEMU (an EL0 guest in every other one).
#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn seeded_layouts_on_qemu() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    for seed in LAYOUT_SEEDS {
        let (l, vms) = guest_layout(Some(seed), seed % 2 == 0, 1 + (seed % 3 == 0) as u16);
        check_layout_on_qemu(&format!("layout seed {seed}"), l, &vms);
    }
}

/// The checks fail when the guest's `TTBR0_EL1` holds its tables' PA instead of their
/// IPA, and when the tables' bytes are not at `guest_tables_pa`.
#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn broken_guest_tables_are_caught() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    for broken in [GuestBreak::TtbrPa, GuestBreak::TablesPa] {
        let (mut l, vms) = guest_layout(None, false, 1);
        let (failures, checks) = layout_failures(&mut l, &vms, broken);
        assert!(
            failures.len() == checks,
            "{broken:?}: every probe must fail, {} of {checks} do",
            failures.len()
        );
        eprintln!(
            "{broken:?}: {} failures, first: {}",
            failures.len(),
            failures[0].lines().next().unwrap_or("")
        );
    }
}
