//! Layouts for the end-to-end translation table tests: fixed ones for each exception
//! level and seeded random ones.
//!
//! Every layout fits the QEMU `virt` machine that [`crate::qemu`] starts: RAM pages lie
//! in [`RAM`], device pages in the device window at [`MMIO_START`], and nothing but the
//! harness page uses [`HARNESS_RESERVED`]. Layouts with EL3 tables identity-map the
//! harness there ([`harness_request`]), so those tables can run the harness itself;
//! the other layouts reserve the range, so neither a page nor a translation table lands
//! in it.
//!
//! Pools:
//!
//! | pool | range | use |
//! |---|---|---|
//! | [`RAM_POOL`] | `0x4000_0000..0x1_3000_0000` | Secure RAM (Non-secure in the layouts of non-secure tables) |
//! | [`NS_POOL`] | `0x1_3000_0000..0x1_4000_0000` | Non-secure RAM: secure tables map it with NS set |
//! | [`MMIO_POOL`] | `0x0900_0000..0x0a00_0000` | the device window (Non-secure, as on `virt`) |
//!
//! Device pages sit at fixed PAs: table `k` of a fixed layout has its devices in the
//! 4 MiB at `MMIO_START + k * 4M` ([`device_pa`]).

use memlayout::{
    Cacheability, DeviceType, Error, ExecutionContext, Layout, Page, PageKind, PageRequest,
    PageSize, Perms, Pool, Rng, Shareability, TableId,
};

use memlayout::aarch64::Granule;
use memlayout::aarch64::gpt::Gpi;

use crate::qemu::{HARNESS_RESERVED, RAM};

/// The pools of `tests/layouts/rme.memlayout` as written there: name, start, size, and
/// the GPI their declared space gives (the harness's memory, declared in both the
/// Secure and the Non-secure space, is "any access"). RAM from `0xC000_0000` to the
/// 4 GB protected size is in no pool.
pub const RME_POOLS: [(&str, u64, u64, Gpi); 6] = [
    ("harness", 0x4000_0000, 0x20_0000, Gpi::Any),
    ("root_pool", 0x4020_0000, 0x20_0000, Gpi::Root),
    ("realm_pool", 0x4040_0000, 0x10_0000, Gpi::Realm),
    ("secure_pool", 0x4050_0000, 0x8000, Gpi::Secure),
    ("ns_pool", 0x4050_8000, 0x3FAF_8000, Gpi::NonSecure),
    ("ram", 0x8000_0000, 0x4000_0000, Gpi::NonSecure),
];

/// The RAM pool (Secure physical memory).
pub const RAM_POOL: &str = "ram";
/// The Non-secure RAM pool.
pub const NS_POOL: &str = "ns_ram";
/// The device pool.
pub const MMIO_POOL: &str = "mmio";
/// Where the Non-secure RAM pool starts: it takes the last 256 MiB of [`RAM`].
pub const NS_RAM_START: u64 = 0x1_3000_0000;
/// Where the device window starts.
pub const MMIO_START: u64 = 0x0900_0000;
/// The size of the device window.
pub const MMIO_SIZE: u64 = 16 << 20;
/// The name of the page that identity-maps the harness in EL3 tables.
pub const HARNESS_PAGE: &str = "harness";

const MIB2: u64 = 2 << 20;
const KIB64: u64 = 64 << 10;
const GIB: u64 = 1 << 30;

/// The page the harness runs from in EL3 tables: [`HARNESS_RESERVED`] identity-mapped as
/// readable, writable and executable Normal write-back memory.
pub fn harness_request() -> PageRequest {
    PageRequest::new(HARNESS_PAGE, PageKind::Code, PageSize::Size2M)
        .va(HARNESS_RESERVED.start)
        .pa(HARNESS_RESERVED.start)
        .perms(Perms::RWX)
}

/// Whether `page` is the harness page of [`harness_request`].
pub fn is_harness_page(page: &Page) -> bool {
    page.name() == HARNESS_PAGE
        && page.va() == HARNESS_RESERVED.start
        && page.pa() == HARNESS_RESERVED.start
        && page.page_size() == PageSize::Size2M
        && page.perms() == Perms::RWX
        && page.cacheability() == Some(Cacheability::WriteBack)
}

/// Adds the pools; with `ram_non_secure`, the main RAM pool is Non-secure too (for
/// layouts of non-secure tables, which may only map Non-secure PA).
fn add_pools(l: &mut Layout, ram_non_secure: bool) -> Result<(), Error> {
    let ram = Pool::ram(RAM_POOL, RAM.start, NS_RAM_START - RAM.start);
    l.add_pool(if ram_non_secure {
        ram.non_secure()
    } else {
        ram
    })?;
    l.add_pool(Pool::ram(NS_POOL, NS_RAM_START, RAM.end - NS_RAM_START).non_secure())?;
    l.add_pool(Pool::device(MMIO_POOL, MMIO_START, MMIO_SIZE).non_secure())?;
    Ok(())
}

/// The fixed PA of device `offset` (bytes) of table `k` of a fixed layout: each table
/// has its own 4 MiB of the device window.
pub fn device_pa(k: usize, offset: u64) -> u64 {
    MMIO_START + (k as u64) * (4 << 20) + offset
}

/// Keeps pages and translation tables out of the harness range.
fn reserve_harness(l: &mut Layout) -> Result<(), Error> {
    let size = HARNESS_RESERVED.end - HARNESS_RESERVED.start;
    l.reserve(
        "harness",
        size,
        size,
        Some(HARNESS_RESERVED.start),
        Some(RAM_POOL),
    )?;
    Ok(())
}

/// The virtual range covering all of [`RAM`], for identity pages.
fn ram_va() -> (u64, u64) {
    (RAM.start, RAM.end - RAM.start)
}

/// The page requests every table of the fixed layouts gets (`secure`: for a table of
/// the Secure state): code, data, read-only,
/// write-through, non-cacheable, every shareability, device pages of every Device type
/// (nGnRnE, nGnRE, nGRE, GRE), system, Non-secure pool
/// pages, a run of 512 pages that becomes a 2 MiB block and a run of 16 that gets the
/// Contiguous hint, and identity-mapped pages (marked `true`). Large pages come first so
/// small ones cannot fragment the space they need; then pages of the sizes the 4 KiB
/// granule writes as Contiguous groups (a 64K Device-nGnRnE page, a 32M page and two
/// 64K pages), last, so the pages before them keep the places they had before those
/// sizes existed.
fn mix(k: usize, secure: bool) -> Vec<(bool, PageRequest)> {
    use Cacheability::{NonCacheable, WriteThrough};
    use PageKind::{Code, Data, Device, System};
    use PageSize::{Size2M, Size4K, Size32M, Size64K};
    use Shareability::{NonShareable, Outer};
    let identity = [
        PageRequest::new("boot", Code, Size2M).identity(),
        PageRequest::new("stack", Data, Size4K).count(3).identity(),
    ];
    let others = [
        PageRequest::new("gic", Device, Size2M).pa(device_pa(k, 0)),
        PageRequest::new("text_big", Code, Size2M),
        PageRequest::new("ro_block", Data, Size2M).perms(Perms::R),
        PageRequest::new("heap", Data, Size2M).count(2),
        PageRequest::new("fb", Data, Size2M).cache(WriteThrough),
        PageRequest::new("ns_block", Data, Size2M)
            .pool(NS_POOL)
            .cache(WriteThrough),
        PageRequest::new("run512", Data, Size4K)
            .count(512)
            .align(MIB2),
        PageRequest::new("run16", Code, Size4K)
            .count(16)
            .align(KIB64),
        PageRequest::new("uart", Device, Size4K).pa(device_pa(k, MIB2)),
        PageRequest::new("dev_ro", Device, Size4K)
            .pa(device_pa(k, MIB2 + 0x1000))
            .perms(Perms::R),
        PageRequest::new("dev_ngnrne", Device, Size4K)
            .pa(device_pa(k, MIB2 + 0x3000))
            .device(DeviceType::nGnRnE),
        PageRequest::new("dev_ngre", Device, Size4K)
            .pa(device_pa(k, MIB2 + 0x4000))
            .device(DeviceType::nGRE),
        PageRequest::new("dev_gre", Device, Size4K)
            .count(2)
            .pa(device_pa(k, MIB2 + 0x6000))
            .device(DeviceType::GRE),
        PageRequest::new("text", Code, Size4K).count(4),
        PageRequest::new("rwx", Code, Size4K).perms(Perms::RWX),
        PageRequest::new("rodata", Data, Size4K)
            .count(2)
            .perms(Perms::R),
        PageRequest::new("bss", Data, Size4K).count(3),
        PageRequest::new("dma", Data, Size4K)
            .count(2)
            .cache(NonCacheable),
        PageRequest::new("wt", Data, Size4K)
            .cache(WriteThrough)
            .share(Outer),
        PageRequest::new("outer", Data, Size4K).share(Outer),
        PageRequest::new("private", Data, Size4K).share(NonShareable),
        PageRequest::new("ns_buf", Data, Size4K)
            .count(2)
            .pool(NS_POOL),
        // A code page in Non-secure RAM: secure tables take it only knowingly.
        {
            let ns_code = PageRequest::new("ns_code", Code, Size4K)
                .pool(NS_POOL)
                .perms(Perms::R);
            if secure {
                ns_code.non_secure_ok()
            } else {
                ns_code
            }
        },
        PageRequest::new("sys", System, Size4K),
    ];
    let groups = [
        PageRequest::new("gicd_64k", Device, Size64K)
            .pa(device_pa(k, MIB2 + 0x1_0000))
            .device(DeviceType::nGnRnE),
        PageRequest::new("heap_32m", Data, Size32M),
        PageRequest::new("bufs_64k", Data, Size64K).count(2),
    ];
    let [boot, stack] = identity;
    let mut reqs = vec![(true, boot)];
    reqs.extend(others.into_iter().map(|r| (false, r)));
    reqs.push((true, stack));
    reqs.extend(groups.into_iter().map(|r| (false, r)));
    reqs
}

/// Maps [`mix`] into every table of `tables` (`true` where identity pages fit its VA
/// ranges), request by request so that all large pages are placed first.
fn map_mix(l: &mut Layout, tables: &[(TableId, bool)]) -> Result<(), Error> {
    let secure = |t: TableId| {
        l.table_info(t)
            .is_some_and(|i| i.el().security() == memlayout::SecurityState::Secure)
    };
    let mut mixes: Vec<_> = (tables.iter().enumerate())
        .map(|(k, &(t, _))| mix(k, secure(t)).into_iter())
        .collect();
    if mixes.is_empty() {
        return Ok(());
    }
    loop {
        for (m, &(t, identity)) in mixes.iter_mut().zip(tables) {
            let Some((needs_identity, req)) = m.next() else {
                return Ok(());
            };
            if identity || !needs_identity {
                l.map(t, &req)?;
            }
        }
    }
}

/// Two EL3 tables (cores 0 and 1, 48 and 39 VA bits) that identity-map the harness, with
/// 4 KiB, 2 MiB and 1 GiB pages, identity pages (RAM and device), shared pages (the
/// harness, a 1 GiB page, a mailbox in Secure and one in Non-secure RAM), device pages,
/// read-only pages, every cacheability and shareability and Non-secure pool pages.
/// Placement is deterministic.
pub fn el3() -> Result<Layout, Error> {
    use PageKind::{Data, Device};
    let mut l = Layout::new();
    add_pools(&mut l, false)?;
    let virt = [
        (MMIO_START, MMIO_SIZE),
        ram_va(),
        (0x40_0000_0000, 16 * GIB),
    ];
    let t0 = l.add_table("core0_el3", 0, ExecutionContext::EL3, &virt)?;
    let t1 = l.add_table_with_bits("core1_el3", 1, ExecutionContext::EL3, &virt, 39)?;
    l.map_shared(Some(&[t0, t1]), &harness_request())?;
    l.map_shared(
        Some(&[t0, t1]),
        &PageRequest::new("shared_1g", Data, PageSize::Size1G),
    )?;
    l.map(
        t0,
        &PageRequest::new("giant", Data, PageSize::Size1G).identity(),
    )?;
    for (k, t) in [t0, t1].into_iter().enumerate() {
        let pa = device_pa(k, MIB2 + 0x2000);
        l.map(
            t,
            &PageRequest::new("uart_id", Device, PageSize::Size4K)
                .identity()
                .va(pa),
        )?;
    }
    map_mix(&mut l, &[(t0, true), (t1, true)])?;
    l.map_shared(None, &PageRequest::new("mailbox", Data, PageSize::Size4K))?;
    l.map_shared(
        None,
        &PageRequest::new("ns_mailbox", Data, PageSize::Size4K).pool(NS_POOL),
    )?;
    Ok(l)
}

/// Where the GIC of QEMU `virt` starts (its distributor, 64 KiB).
pub const GIC_START: u64 = 0x0800_0000;
/// The GIC pool of [`dual_view`]: in both physical address spaces.
pub const GIC_POOL: &str = "gic";

/// A GIC both security states reach: the device pool [`GIC_POOL`] lies in both physical
/// address spaces (`Pool::device(..).secure().non_secure()`). The EL3 table (which runs
/// the harness) maps the distributor with NS = 0 and one more frame through its
/// non-secure view (`non_secure_view`, NS = 1); an `EL2_NS` and an `EL1_NS` table map
/// the same distributor (one shared PA) with non-secure accesses, next to RAM pages of
/// their own. The usual pools come first, so security is modelled.
pub fn dual_view() -> Result<Layout, Error> {
    use ExecutionContext::{EL1_NS, EL2_NS, EL3};
    use PageKind::{Data, Device};
    use PageSize::Size4K;
    let mut l = Layout::new();
    add_pools(&mut l, false)?;
    l.add_pool(
        Pool::device(GIC_POOL, GIC_START, 16 << 20)
            .secure()
            .non_secure(),
    )?;
    let el3 = l.add_table("core0_el3", 0, EL3, &[ram_va(), (0x40_0000_0000, GIB)])?;
    let el2 = l.add_table("core0_el2", 0, EL2_NS, &[(0x7f_0000_0000, GIB)])?;
    let el1 = l.add_table("core0_el1", 0, EL1_NS, &[(0x10_0000_0000, GIB)])?;
    l.map(el3, &harness_request())?;
    l.map_shared(
        Some(&[el3, el2, el1]),
        &PageRequest::new("gicd", Device, Size4K)
            .count(16)
            .pa(GIC_START),
    )?;
    l.map(
        el3,
        &PageRequest::new("gic_ns_view", Device, Size4K)
            .pa(GIC_START + 0x1_0000)
            .non_secure_view(),
    )?;
    l.map(el3, &PageRequest::new("mon_data", Data, Size4K))?;
    l.map(el2, &PageRequest::new("hyp_data", Data, Size4K))?;
    l.map(el1, &PageRequest::new("kernel_data", Data, Size4K))?;
    Ok(l)
}

/// EL2 tables, Secure (`EL2_S`) or Non-secure (`EL2_NS`): three cores with 48, 39 and 30
/// VA bits (root tables at levels 0, 1 and 2), a shared 1 GiB page, an identity 1 GiB
/// page, the page mix of every table and a shared mailbox. Placement is seeded.
pub fn el2(secure: bool) -> Result<Layout, Error> {
    use PageKind::{Code, Data};
    let el = if secure {
        ExecutionContext::EL2_S
    } else {
        ExecutionContext::EL2_NS
    };
    let mut l = Layout::with_seed(if secure { 0xE125 } else { 0xE12 });
    add_pools(&mut l, !secure)?;
    reserve_harness(&mut l)?;
    let t0 = l.add_table("core0_el2", 0, el, &[ram_va(), (0x7f_0000_0000, 4 * GIB)])?;
    let t1 = l.add_table_with_bits("core1_el2", 1, el, &[ram_va()], 39)?;
    let t2 = l.add_table_with_bits("core2_el2", 2, el, &[(0, GIB)], 30)?;
    l.map_shared(
        Some(&[t0, t1]),
        &PageRequest::new("shared_1g", Data, PageSize::Size1G),
    )?;
    l.map(
        t0,
        &PageRequest::new("giant", Code, PageSize::Size1G).identity(),
    )?;
    map_mix(&mut l, &[(t0, true), (t1, true), (t2, false)])?;
    l.map_shared(None, &PageRequest::new("mailbox", Data, PageSize::Size4K))?;
    Ok(l)
}

/// EL1&0 tables, Secure (`EL1_S`, `EL0_S`) or Non-secure (`EL1_NS`, `EL0_NS`): for two
/// cores a kernel (EL1) and a user (EL0) table, with 48, 39, 36 and 32 VA bits, the page
/// mix in every table, a 1 GiB page shared by core 0's kernel and user tables, a page
/// shared by each core's pair and a read-only page shared by all, and guarded runs
/// (`guard`) in every table. Placement is seeded.
pub fn el1_el0(secure: bool) -> Result<Layout, Error> {
    use ExecutionContext::{EL0_NS, EL0_S, EL1_NS, EL1_S};
    use PageKind::{Code, Data};
    let (kernel, user) = if secure {
        (EL1_S, EL0_S)
    } else {
        (EL1_NS, EL0_NS)
    };
    let mut l = Layout::with_seed(if secure { 0xE105 } else { 0xE10 });
    add_pools(&mut l, !secure)?;
    reserve_harness(&mut l)?;
    let k0 = l.add_table(
        "core0_kernel",
        0,
        kernel,
        &[ram_va(), (0xff_0000_0000, 4 * GIB)],
    )?;
    let u0 = l.add_table_with_bits(
        "core0_user",
        0,
        user,
        &[(0x40_0000_0000, 8 * GIB), ram_va()],
        39,
    )?;
    let k1 = l.add_table_with_bits("core1_kernel", 1, kernel, &[ram_va()], 36)?;
    let u1 = l.add_table_with_bits("core1_user", 1, user, &[(RAM.start, 3 * GIB)], 32)?;
    l.map_shared(
        Some(&[k0, u0]),
        &PageRequest::new("shared_1g", Data, PageSize::Size1G),
    )?;
    map_mix(&mut l, &[(k0, true), (u0, true), (k1, true), (u1, true)])?;
    for (k, u) in [(k0, u0), (k1, u1)] {
        l.map_shared(
            Some(&[k, u]),
            &PageRequest::new("shm", Data, PageSize::Size4K).count(2),
        )?;
    }
    l.map_shared(
        None,
        &PageRequest::new("vdso", Code, PageSize::Size4K).perms(Perms::R),
    )?;
    // Execute-only user code: EL0 may run it but not read it; EL1 reads it.
    l.map_shared(
        Some(&[u0, u1]),
        &PageRequest::new("xonly_shared", Code, PageSize::Size4K).perms(Perms::X),
    )?;
    for u in [u0, u1] {
        l.map(
            u,
            &PageRequest::new("xonly", Code, PageSize::Size4K)
                .count(3)
                .perms(Perms::X),
        )?;
    }
    l.map(
        u0,
        &PageRequest::new("xonly_2m", Code, PageSize::Size2M).perms(Perms::X),
    )?;
    // Guarded stacks: a kernel stack per kernel table, a user stack per user table
    // with a larger guard, and a guarded page shared by core 0's pair; the QEMU test
    // probes their gaps.
    for k in [k0, k1] {
        l.map(
            k,
            &PageRequest::new("kstack", Data, PageSize::Size4K)
                .count(4)
                .guard(0x1000),
        )?;
    }
    for u in [u0, u1] {
        l.map(
            u,
            &PageRequest::new("ustack", Data, PageSize::Size4K)
                .count(2)
                .guard(0x4000),
        )?;
    }
    l.map_shared(
        Some(&[k0, u0]),
        &PageRequest::new("guarded_shm", Data, PageSize::Size4K).guard(0x2000),
    )?;
    Ok(l)
}

/// Tables sized by their ranges alone (no explicit VA size), so their roots are at
/// levels 0, 1 and 2: `wide` spans past 2^40 (41 bits, level 0), `mid` ends below
/// 2^35 (35 bits, level 1), and `small` is the smallest-regime example: five 4 KiB
/// device pages, identity mapped, in four 2 MiB windows, all below 1 GiB (30 bits,
/// level 2: a root and four level 3 tables). Each also gets pages of the usual mix
/// where its range allows.
pub fn smallest_regimes() -> Result<Layout, Error> {
    use ExecutionContext::{EL1_NS, EL1_S};
    use PageKind::{Data, Device};
    use PageSize::{Size2M, Size4K};
    let mut l = Layout::new();
    add_pools(&mut l, false)?;
    reserve_harness(&mut l)?;
    let wide = l.add_table("wide", 0, EL1_S, &[ram_va(), (1 << 40, 4 * GIB)])?;
    let mid = l.add_table("mid", 1, EL1_NS, &[(0x4_0000_0000, 4 * GIB)])?;
    let small = l.add_table("small", 2, EL1_S, &[(0x0800_0000, GIB - 0x0800_0000)])?;
    for (name, pa) in [
        ("gic", 0x0900_0000),
        ("gic_cpu", 0x0901_0000),
        ("uart", 0x0920_0000),
        ("rtc", 0x0940_0000),
        ("gpio", 0x0960_0000),
    ] {
        l.map(
            small,
            &PageRequest::new(name, Device, Size4K).pa(pa).identity(),
        )?;
    }
    for t in [wide, mid] {
        l.map(t, &PageRequest::new("heap", Data, Size2M).count(2))?;
        l.map(t, &PageRequest::new("data", Data, Size4K).count(3))?;
    }
    l.map(wide, &PageRequest::new("far", Data, Size4K).va(1 << 40))?;
    Ok(l)
}

/// The start of the kernel's upper range in [`upper_range`]: a 47-bit upper range.
pub const KERNEL_VA: u64 = 0xFFFF_8000_0000_0000;

/// EL1 and EL0 tables with upper-range (TTBR1) pages: core 0's kernel (EL1) has a lower
/// range (RAM, for identity pages) and a 47-bit upper range from [`KERNEL_VA`]; core 0's
/// user table (EL0) and core 1's kernel have only an upper range (their TCR sets EPD0,
/// so every lower VA faults). Upper pages of 4 KiB, 2 MiB and 1 GiB, at fixed VAs (the
/// first and the last page of a range among them) and allocated, read-only and device
/// pages, the page mix of the other layouts, and pages shared between the tables of
/// both cores.
pub fn upper_range(secure: bool) -> Result<Layout, Error> {
    use ExecutionContext::{EL0_NS, EL0_S, EL1_NS, EL1_S};
    use PageKind::{Code, Data, Device};
    use PageSize::{Size1G, Size2M, Size4K};
    let (kernel, user) = if secure {
        (EL1_S, EL0_S)
    } else {
        (EL1_NS, EL0_NS)
    };
    let mut l = Layout::new();
    add_pools(&mut l, !secure)?;
    reserve_harness(&mut l)?;
    let k0 = l.add_table("core0_kernel", 0, kernel, &[ram_va(), (KERNEL_VA, 8 * GIB)])?;
    // The top 4 GiB: a 32-bit upper range ending at 2^64.
    let u0 = l.add_table(
        "core0_user",
        0,
        user,
        &[(0u64.wrapping_sub(4 * GIB), 4 * GIB)],
    )?;
    // A 48-bit upper range.
    let k1 = l.add_table(
        "core1_kernel",
        1,
        kernel,
        &[(0xFFFF_0000_0000_0000, 2 * GIB)],
    )?;
    // Fixed 4 KiB pages first (so allocated pages cannot take their VAs), then the
    // 1 GiB pages, before smaller ones fragment the PA space (RAM has room for two).
    l.map(
        k1,
        &PageRequest::new("entry", Code, Size4K).va(0xFFFF_0000_0000_0000),
    )?;
    l.map(k0, &PageRequest::new("entry", Code, Size4K).va(KERNEL_VA))?;
    l.map(
        k0,
        &PageRequest::new("linear", Data, Size1G).va(KERNEL_VA + 4 * GIB),
    )?;
    l.map_shared(
        Some(&[k0, k1]),
        &PageRequest::new("shared_1g", Data, Size1G),
    )?;
    l.map(
        u0,
        &PageRequest::new("ubottom", Data, Size2M).va(0u64.wrapping_sub(4 * GIB)),
    )?;
    l.map(
        k0,
        &PageRequest::new("kdata", Data, Size2M).va(KERNEL_VA + MIB2),
    )?;
    l.map(
        k0,
        &PageRequest::new("kuart", Device, Size4K).pa(device_pa(3, 0x1000)),
    )?;
    l.map(
        u0,
        &PageRequest::new("top", Data, Size4K).va(0u64.wrapping_sub(0x1000)),
    )?;
    l.map(
        u0,
        &PageRequest::new("utext", Code, Size4K)
            .count(3)
            .perms(Perms::RX),
    )?;
    l.map(u0, &PageRequest::new("ustack", Data, Size2M))?;
    l.map(u0, &PageRequest::new("uro", Data, Size4K).perms(Perms::R))?;
    map_mix(&mut l, &[(k0, true), (u0, false), (k1, false)])?;
    l.map_shared(
        Some(&[k0, k1, u0]),
        &PageRequest::new("mailbox", Data, Size4K).count(2),
    )?;
    l.map_shared(Some(&[k0, k1]), &PageRequest::new("kshared", Data, Size2M))?;
    Ok(l)
}

/// The contexts random layouts draw from: every one the harness can probe (it has no
/// Realm regime).
const RANDOM_CONTEXTS: [ExecutionContext; 7] = [
    ExecutionContext::EL3,
    ExecutionContext::EL2_NS,
    ExecutionContext::EL2_S,
    ExecutionContext::EL1_NS,
    ExecutionContext::EL1_S,
    ExecutionContext::EL0_NS,
    ExecutionContext::EL0_S,
];

fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize]
}

/// The virtual ranges of a random table of `va_bits`: all of [`RAM`] when it fits (so
/// identity pages can be placed), else the RAM below 4 GiB, and a second range in the
/// upper half of larger spaces; small spaces (30 bits or less) get all of their space.
fn random_virt(va_bits: u8) -> Vec<(u64, u64)> {
    let limit = 1u64 << va_bits;
    let mut virt = Vec::new();
    if limit >= RAM.end {
        virt.push(ram_va());
    } else if limit > RAM.start {
        virt.push((RAM.start, limit - RAM.start));
    } else {
        virt.push((0, limit));
    }
    if va_bits >= 36 {
        virt.push((limit / 2, limit / 4));
    }
    virt
}

/// A random layout, the same for the same seed: one to four tables of random contexts
/// (EL3, EL2 and EL1&0 ones, Secure and Non-secure), cores and VA sizes (root tables at
/// levels 0, 1 and 2), and random requests: 4 KiB, 2 MiB and 1 GiB pages of every kind,
/// permission, cacheability and shareability, from the Secure and Non-secure RAM pools,
/// single or in runs (512-page runs aligned to become 2 MiB blocks, 16-page runs aligned
/// for the Contiguous hint), some identity-mapped, some shared between tables. Placement
/// is seeded with `seed` too.
///
/// EL3 tables identity-map the harness (a page shared by all of them); without EL3
/// tables the harness range is reserved. A request that does not fit is skipped (the
/// allocator leaves the layout unchanged when it fails), so the layout is always valid.
pub fn random(seed: u64) -> Layout {
    random_with_granule(seed, Granule::Size4K)
}

/// [`random`] with every table of `granule`: the same draws, with the granule's page
/// for each 4 KiB page, runs of pages spanning 2 MiB and 64 KiB as with 4 KiB pages, and
/// 512 MiB pages for 1 GiB ones with the 64 KiB granule (which has no 1 GiB size). With
/// the 4 KiB granule it is [`random`] itself.
pub fn random_with_granule(seed: u64, granule: Granule) -> Layout {
    use PageKind::{Code, Data, Device, System};
    let small = PageSize::from_bytes(granule.bytes()).expect("a granule is a page size");
    let giga = if granule == Granule::Size64K {
        PageSize::Size512M
    } else {
        PageSize::Size1G
    };
    let mut rng = Rng::new(seed ^ 0x6c61_796f_7574_7321);
    let mut l = Layout::with_seed(seed);
    add_pools(&mut l, false).expect("the pools are disjoint");
    let table_count = 1 + rng.below(4);
    let mut tables = Vec::new();
    for i in 0..table_count {
        let el = pick(&mut rng, &RANDOM_CONTEXTS);
        let va_bits = if el == ExecutionContext::EL3 {
            pick(&mut rng, &[48, 39, 36, 32])
        } else {
            pick(&mut rng, &[48, 42, 39, 36, 33, 32, 30, 28])
        };
        let name = format!("t{i}_{}", el.name().to_lowercase());
        // Each table its own core: a core has one EL3 table and one EL2 table per
        // security state.
        let core = i as u32;
        let t = l
            .add_table_with_bits(name, core, el, &random_virt(va_bits), va_bits)
            .expect("the table's virtual ranges fit its VA size");
        l.set_granule(t, granule)
            .expect("the virtual ranges lie on every granule");
        tables.push((t, va_bits));
    }
    let el3: Vec<TableId> = tables
        .iter()
        .map(|&(t, _)| t)
        .filter(|&t| {
            l.table_info(t)
                .is_some_and(|i| i.el() == ExecutionContext::EL3)
        })
        .collect();
    if el3.is_empty() {
        reserve_harness(&mut l).expect("the harness range is free");
    } else {
        l.map_shared(Some(&el3), &harness_request())
            .expect("the harness range is free");
    }

    // Which tables a request goes to: usually one, sometimes several (a shared page).
    let targets = |rng: &mut Rng, eligible: &[TableId]| -> Vec<TableId> {
        if eligible.len() > 1 && rng.below(4) == 0 {
            let mut some: Vec<TableId> = eligible
                .iter()
                .copied()
                .filter(|_| rng.below(2) == 0)
                .collect();
            if some.len() < 2 {
                some = eligible.to_vec();
            }
            some
        } else {
            vec![pick(rng, eligible)]
        }
    };
    let map = |l: &mut Layout, tables: &[TableId], req: &PageRequest| {
        // A request that does not fit is skipped.
        let _ = if tables.len() == 1 {
            l.map(tables[0], req)
        } else {
            l.map_shared(Some(tables), req)
        };
    };
    let all: Vec<TableId> = tables.iter().map(|&(t, _)| t).collect();
    // Tables whose virtual ranges hold RAM addresses: identity pages and 1 GiB pages.
    let big: Vec<TableId> = tables
        .iter()
        .filter(|&&(_, bits)| bits >= 32)
        .map(|&(t, _)| t)
        .collect();

    // 1 GiB pages first, while aligned gigabytes of RAM are free.
    if !big.is_empty() {
        for k in 0..rng.below(3) {
            let kind = pick(&mut rng, &[Code, Data]);
            let mut req = PageRequest::new(format!("giga{k}"), kind, giga)
                .perms(random_perms(&mut rng, kind))
                .cache(pick(&mut rng, &Cacheability::ALL))
                .share(pick(&mut rng, &Shareability::ALL));
            if rng.below(3) == 0 {
                req = req.identity();
            }
            let to = targets(&mut rng, &big);
            map(&mut l, &to, &req);
        }
    }

    let requests = 10 + rng.below(15);
    for k in 0..requests {
        let kind = match rng.below(10) {
            0..=3 => Data,
            4..=6 => Code,
            7..=8 => Device,
            _ => System,
        };
        let size = if rng.below(4) == 0 {
            PageSize::Size2M
        } else {
            small
        };
        let mut req = PageRequest::new(format!("r{k}_{}", kind.name()), kind, size)
            .perms(random_perms(&mut rng, kind))
            .share(pick(&mut rng, &Shareability::ALL));
        if matches!(kind, Code | Data) {
            req = req.cache(pick(&mut rng, &Cacheability::ALL));
        }
        req = match (kind, size, rng.below(10)) {
            (Device, ..) => {
                // Device registers sit at fixed addresses: a random one in the window,
                // with each Device type in turn (not drawn, so the draws stay those of
                // layouts before Device types).
                let count = 1 + rng.below(2);
                let slots = MMIO_SIZE / size.bytes() - count;
                req.count(count as u32)
                    .pa(MMIO_START + rng.below(slots) * size.bytes())
                    .device(DeviceType::ALL[k as usize % DeviceType::ALL.len()])
            }
            (_, s, 0) if s == small => req.count((MIB2 / s.bytes()) as u32).align(MIB2),
            (_, s, 1 | 2) if s == small => req.count((KIB64 / s.bytes()) as u32).align(KIB64),
            _ => req.count(1 + rng.below(4) as u32),
        };
        if kind != Device && rng.below(5) == 0 {
            req = req.pool(NS_POOL);
        }
        let identity = kind != Device && !big.is_empty() && rng.below(6) == 0;
        let to = if identity {
            req = req.identity();
            targets(&mut rng, &big)
        } else {
            targets(&mut rng, &all)
        };
        map(&mut l, &to, &req);
    }
    l
}

fn random_perms(rng: &mut Rng, kind: PageKind) -> Perms {
    match kind {
        PageKind::Code => pick(rng, &[Perms::RX, Perms::RX, Perms::R, Perms::RWX]),
        PageKind::Data => pick(rng, &[Perms::RW, Perms::RW, Perms::R, Perms::RWX]),
        _ => pick(rng, &[Perms::RW, Perms::R]),
    }
}
