//! Checks the QEMU harness itself with small translation tables written by hand,
//! independent of memlayout's table builder.
//!
//! The tests skip (or fail with `MEMLAYOUT_REQUIRE_QEMU=1`) when
//! `qemu-system-aarch64` or `aarch64-linux-gnu-gcc` is missing.

use memlayout_tests::qemu::{
    self, Access, Job, Outcome, Probe, Regime, fst_access_flag, fst_permission, fst_translation,
    par_attr, par_fault, par_fault_status, par_ns, par_pa, par_sh,
};

// Stage 1 descriptor bits (VMSAv8-64, 4 KiB granule).
const TABLE: u64 = 0b11;
const BLOCK: u64 = 0b01;
const PAGE: u64 = 0b11;
const fn attr_index(index: u64) -> u64 {
    index << 2
}
const NS: u64 = 1 << 5;
/// EL1&0: AP[2:1] = 00, EL1 read/write, EL0 none.
const AP_EL1_RW: u64 = 0b00 << 6;
/// EL1&0: AP[2:1] = 01, EL1 and EL0 read/write. EL2/EL3: read/write (AP[1] is RES1).
const AP_ALL_RW: u64 = 0b01 << 6;
/// EL1&0: AP[2:1] = 10, EL1 read-only, EL0 none.
const AP_EL1_RO: u64 = 0b10 << 6;
/// EL1&0: AP[2:1] = 11, EL1 and EL0 read-only. EL2/EL3: read-only.
const AP_ALL_RO: u64 = 0b11 << 6;
const SH_INNER: u64 = 0b11 << 8;
const AF: u64 = 1 << 10;
const PXN: u64 = 1 << 53;
/// UXN in the EL1&0 regime, XN in the EL2 and EL3 regimes.
const XN: u64 = 1 << 54;

// MAIR: index 0 Normal write-back, 1 Device-nGnRE, 2 Normal non-cacheable.
const MAIR: u64 = 0xff | 0x04 << 8 | 0x44 << 16;
const NORMAL: u64 = attr_index(0) | SH_INNER | AF;
const DEVICE: u64 = attr_index(1) | AF | XN;
const NON_CACHEABLE: u64 = attr_index(2) | AF;

// TCR fields shared by the EL1, EL2 and EL3 formats: inner/outer write-back
// walks, inner shareable, 4 KiB granule for TTBR0.
const TCR_WALKS: u64 = 0b01 << 8 | 0b01 << 10 | 0b11 << 12;
/// TCR_EL2 / TCR_EL3: RES1 bits 31 and 23, PS = 40 bits.
const TCR_EL23: u64 = TCR_WALKS | 1 << 31 | 1 << 23 | 2 << 16;
/// TCR_EL1: EPD1 (no TTBR1 walks), TG1 = 4 KiB, IPS = 40 bits.
const TCR_EL1: u64 = TCR_WALKS | 1 << 23 | 0b10 << 30 | 2 << 32;

const SCTLR: u64 = qemu::SCTLR_M | qemu::SCTLR_C | qemu::SCTLR_I;

const MIB2: u64 = 0x20_0000;

/// Translation tables in consecutive 4 KiB pages from `base`.
struct Tables {
    base: u64,
    pages: Vec<[u64; 512]>,
}

impl Tables {
    fn new(base: u64, count: usize) -> Self {
        Tables {
            base,
            pages: vec![[0; 512]; count],
        }
    }

    fn pa(&self, page: usize) -> u64 {
        self.base + 0x1000 * page as u64
    }

    fn set(&mut self, page: usize, index: usize, desc: u64) {
        self.pages[page][index] = desc;
    }

    /// Table descriptor in `page[index]` pointing to the table at `pa`.
    fn link_pa(&mut self, page: usize, index: usize, pa: u64) {
        self.set(page, index, pa | TABLE);
    }

    /// Table descriptor in `page[index]` pointing to page `next` of this set.
    fn link(&mut self, page: usize, index: usize, next: usize) {
        self.link_pa(page, index, self.pa(next));
    }

    fn image(&self) -> (u64, Vec<u8>) {
        let bytes = self
            .pages
            .iter()
            .flatten()
            .flat_map(|d| d.to_le_bytes())
            .collect();
        (self.base, bytes)
    }
}

fn run(job: &Job) -> Outcome {
    match qemu::run(job) {
        Ok(outcome) => outcome,
        Err(err) => panic!("QEMU run failed: {err}"),
    }
}

#[track_caller]
fn assert_maps(par: u64, pa: u64, attr: u8) {
    assert!(
        !par_fault(par),
        "expected a translation to {pa:#x}, got PAR {par:#x}"
    );
    assert_eq!(par_pa(par), pa, "PAR {par:#x}");
    assert_eq!(par_attr(par), attr, "PAR {par:#x}");
}

#[track_caller]
fn assert_fault(par: u64, fst: u8) {
    assert!(
        par_fault(par),
        "expected fault status {fst:#x}, got PAR {par:#x}"
    );
    assert_eq!(par_fault_status(par), fst, "PAR {par:#x}");
}

#[track_caller]
fn assert_translation_fault(par: u64) {
    assert!(
        par_fault(par),
        "expected a translation fault, got PAR {par:#x}"
    );
    let fst = par_fault_status(par);
    assert_eq!(fst & !3, fst_translation(0), "PAR {par:#x}");
}

/// EL3 tables (48-bit VA, level 0 start): the harness identity-mapped at
/// 0x4000_0000, test blocks from VA 0x8000_0000, a level 3 table in a second
/// image.
fn el3_tables() -> (Tables, Tables) {
    let mut t = Tables::new(0x4100_0000, 4);
    let mut l3 = Tables::new(0x4180_0000, 1);
    t.link(0, 0, 1); // L0[0]: VA 0..512 GiB
    t.link(1, 1, 2); // L1[1]: VA 1..2 GiB
    t.link(1, 2, 3); // L1[2]: VA 2..3 GiB
    t.set(2, 0, 0x4000_0000 | BLOCK | NORMAL | AP_ALL_RW); // harness, rwx
    t.set(3, 0, 0x4040_0000 | BLOCK | NORMAL | AP_ALL_RW | XN);
    t.set(3, 1, 0x4060_0000 | BLOCK | NORMAL | AP_ALL_RO | XN);
    t.set(3, 2, 0x0900_0000 | BLOCK | DEVICE | AP_ALL_RW);
    t.link_pa(3, 3, l3.pa(0));
    t.set(3, 4, 0x4080_0000 | BLOCK | NON_CACHEABLE | AP_ALL_RW | XN);
    t.set(3, 5, 0x40c0_0000 | BLOCK | NORMAL | NS | AP_ALL_RW | XN);
    l3.set(0, 0, 0x4070_0000 | PAGE | NORMAL | AP_ALL_RW | XN);
    // l3[1] stays invalid.
    l3.set(0, 2, 0x4070_2000 | PAGE | (NORMAL & !AF) | AP_ALL_RW | XN);
    l3.set(0, 3, 0x4070_3000 | PAGE | NORMAL | AP_ALL_RO | XN);
    (t, l3)
}

fn el3_job(probes: &[(u64, Access)], writes: Vec<(u64, u64)>) -> Job {
    let (t, l3) = el3_tables();
    Job {
        regime: Regime::El3,
        tables: vec![t.image(), l3.image()],
        mair: MAIR,
        tcr: TCR_EL23 | 16, // T0SZ = 16: 48-bit VA
        ttbr0: t.pa(0),
        ttbr1: 0,
        sctlr_set: SCTLR,
        probes: probes.iter().map(|&(va, a)| Probe::new(va, a)).collect(),
        writes,
    }
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el3_tables_translate_and_writes_land() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let probes = [
        (0x4000_1234, Access::Read),
        (0x4000_1234, Access::Write),
        (0x8000_5678, Access::Write),
        (0x8020_0000, Access::Read),
        (0x8020_0000, Access::Write),
        (0x8040_0010, Access::Read),
        (0x8060_0000, Access::Read),
        (0x8060_1000, Access::Read),
        (0x8060_2000, Access::Read),
        (0x8060_3000, Access::Read),
        (0x8060_3000, Access::Write),
        (0x8080_0000, Access::Read),
        (0x80c0_0000, Access::Read),
        (0x80a0_0000, Access::Read),
        (0x9000_0000, Access::Read),
        (0xc000_0000, Access::Read),
        (0x80_0000_0000, Access::Read),
    ];
    let writes = vec![
        (0x8000_0008, 0x4040_0008),
        (0x8000_0000 + MIB2 - 8, 0x4040_0000 + MIB2 - 8),
        (0x8060_0ff8, 0x4070_0ff8),
    ];
    let out = run(&el3_job(&probes, writes));
    let p = &out.par;
    // The harness block: Normal write-back, inner shareable, Secure.
    assert_maps(p[0], 0x4000_1000, 0xff);
    assert_eq!(par_sh(p[0]), 3);
    assert!(!par_ns(p[0]));
    assert_maps(p[1], 0x4000_1000, 0xff);
    // Read-write and read-only 2 MiB blocks.
    assert_maps(p[2], 0x4040_5000, 0xff);
    assert_maps(p[3], 0x4060_0000, 0xff);
    assert_fault(p[4], fst_permission(2));
    // Device block.
    assert_maps(p[5], 0x0900_0000, 0x04);
    // Level 3 pages: valid, invalid, access flag clear, read-only.
    assert_maps(p[6], 0x4070_0000, 0xff);
    assert_fault(p[7], fst_translation(3));
    assert_fault(p[8], fst_access_flag(3));
    assert_maps(p[9], 0x4070_3000, 0xff);
    assert_fault(p[10], fst_permission(3));
    // Normal non-cacheable block.
    assert_maps(p[11], 0x4080_0000, 0x44);
    // An invalid level 2 entry in a populated table.
    assert_fault(p[12], fst_translation(2));
    // NS in the block descriptor: the output is in the Non-secure PA space.
    assert_maps(p[13], 0x40c0_0000, 0xff);
    assert!(par_ns(p[13]));
    // Invalid entries at levels 2, 1 and 0.
    assert_fault(p[14], fst_translation(2));
    assert_fault(p[15], fst_translation(1));
    assert_fault(p[16], fst_translation(0));

    assert_eq!(out.writes.len(), 3);
    let mut seen = Vec::new();
    for &(written, read) in &out.writes {
        assert_eq!(written, read, "write did not land at its PA");
        assert!(!seen.contains(&written), "patterns must be distinct");
        seen.push(written);
    }
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el3_write_through_a_read_only_mapping_is_reported() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let job = el3_job(&[], vec![(0x8020_0000, 0x4060_0000)]);
    let err = qemu::run(&job).expect_err("a store to a read-only block must fault");
    assert!(err.contains("exception at EL3"), "{err}");
    // Data abort from the current EL (EC 0x25), permission fault at level 2.
    assert!(err.contains("EC 0x25"), "{err}");
    assert!(err.contains("FAR_EL3 0x80200000"), "{err}");
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el3_tables_that_do_not_map_the_harness_are_rejected() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    // Leave the harness block unmapped.
    let mut job = el3_job(&[(0x8000_0000, Access::Read)], Vec::new());
    let (mut t, _) = el3_tables();
    t.set(2, 0, 0);
    job.tables[0] = t.image();
    let err = qemu::run(&job).expect_err("the harness is not mapped");
    assert!(err.contains("identity-map the harness"), "{err}");
}

/// EL1&0 tables (39-bit VA, level 1 start) at `base`.
fn el1_tables(base: u64) -> Tables {
    let mut t = Tables::new(base, 2);
    // L1[0]: 1 GiB block, VA 0 -> PA 0x4000_0000, EL1 only.
    t.set(0, 0, 0x4000_0000 | BLOCK | NORMAL | AP_EL1_RW | XN);
    t.link(0, 2, 1); // L1[2]: VA 2..3 GiB
    t.set(1, 0, 0x4040_0000 | BLOCK | NORMAL | AP_ALL_RW | XN);
    t.set(1, 1, 0x4060_0000 | BLOCK | NORMAL | AP_EL1_RW | XN);
    t.set(1, 2, 0x4080_0000 | BLOCK | NORMAL | AP_ALL_RO | PXN);
    t.set(1, 3, 0x40a0_0000 | BLOCK | NORMAL | AP_EL1_RO | XN);
    t.set(1, 4, 0x40c0_0000 | BLOCK | (NORMAL & !AF) | AP_ALL_RW | XN);
    t.set(1, 5, 0x40e0_0000 | BLOCK | NORMAL | NS | AP_EL1_RW | XN);
    t
}

fn el1_job(secure: bool, probes: &[(u64, Access)]) -> Job {
    let t = el1_tables(0x4200_0000);
    Job {
        regime: Regime::El1 { secure },
        tables: vec![t.image()],
        mair: MAIR,
        tcr: TCR_EL1 | 25, // T0SZ = 25: 39-bit VA
        ttbr0: t.pa(0),
        ttbr1: 0,
        sctlr_set: SCTLR,
        probes: probes.iter().map(|&(va, a)| Probe::new(va, a)).collect(),
        writes: Vec::new(),
    }
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el1_nonsecure_el0_and_el1_permissions() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    use Access::{El0Read, El0Write, Read, Write};
    let probes = [
        (0x1234_5678, Read),
        (0x1234_5678, El0Read),
        (0x8000_0000, El0Read),
        (0x8000_0000, El0Write),
        (0x8000_0000, Write),
        (0x8020_0000, Read),
        (0x8020_0000, Write),
        (0x8020_0000, El0Read),
        (0x8020_0000, El0Write),
        (0x8040_0000, El0Read),
        (0x8040_0000, El0Write),
        (0x8040_0000, Write),
        (0x8060_0000, Read),
        (0x8060_0000, Write),
        (0x8060_0000, El0Read),
        (0x8080_0000, Read),
        (0x1_0000_0000, Read),
        (0x80_0000_0000, Read),
    ];
    let p = run(&el1_job(false, &probes)).par;
    // 1 GiB block at level 1, EL1 only.
    assert_maps(p[0], 0x5234_5000, 0xff);
    assert_eq!(par_sh(p[0]), 3);
    assert_fault(p[1], fst_permission(1));
    // AP = 01: EL0 and EL1 read/write.
    assert_maps(p[2], 0x4040_0000, 0xff);
    assert_maps(p[3], 0x4040_0000, 0xff);
    assert_maps(p[4], 0x4040_0000, 0xff);
    // AP = 00: EL1 read/write, no EL0 access.
    assert_maps(p[5], 0x4060_0000, 0xff);
    assert_maps(p[6], 0x4060_0000, 0xff);
    assert_fault(p[7], fst_permission(2));
    assert_fault(p[8], fst_permission(2));
    // AP = 11: read-only for both.
    assert_maps(p[9], 0x4080_0000, 0xff);
    assert_fault(p[10], fst_permission(2));
    assert_fault(p[11], fst_permission(2));
    // AP = 10: EL1 read-only, no EL0 access.
    assert_maps(p[12], 0x40a0_0000, 0xff);
    assert_fault(p[13], fst_permission(2));
    assert_fault(p[14], fst_permission(2));
    // Access flag clear.
    assert_fault(p[15], fst_access_flag(2));
    // Invalid level 1 entry; VA beyond the 39-bit range.
    assert_fault(p[16], fst_translation(1));
    assert_translation_fault(p[17]);
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el1_secure_reports_the_ns_bit() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let probes = [
        (0x8020_0000, Access::Read),
        (0x80a0_0000, Access::Read),
        (0x8000_0000, Access::El0Write),
        (0x8020_0000, Access::El0Read),
    ];
    let p = run(&el1_job(true, &probes)).par;
    assert_maps(p[0], 0x4060_0000, 0xff);
    assert!(!par_ns(p[0]));
    assert_maps(p[1], 0x40e0_0000, 0xff);
    assert!(par_ns(p[1]));
    assert_maps(p[2], 0x4040_0000, 0xff);
    assert_fault(p[3], fst_permission(2));
}

/// EL2 tables (32-bit VA, level 1 start with a 4-entry root) at `base`.
fn el2_tables(base: u64) -> Tables {
    let mut t = Tables::new(base, 2);
    t.link(0, 1, 1); // L1[1]: VA 1..2 GiB
    // L1[2]: 1 GiB block, VA 0x8000_0000 -> PA 0x4000_0000, read-only.
    t.set(0, 2, 0x4000_0000 | BLOCK | NORMAL | AP_ALL_RO | XN);
    t.set(1, 0, 0x4040_0000 | BLOCK | NORMAL | AP_ALL_RW | XN);
    t.set(1, 1, 0x4060_0000 | BLOCK | NORMAL | AP_ALL_RO | XN);
    t.set(1, 2, 0x0900_0000 | BLOCK | DEVICE | AP_ALL_RW);
    t.set(1, 3, 0x4080_0000 | BLOCK | NORMAL | NS | AP_ALL_RW | XN);
    t
}

fn el2_run(secure: bool) -> Vec<u64> {
    let t = el2_tables(0x4300_0000);
    let probes = [
        (0x4000_0010, Access::Read),
        (0x4000_0010, Access::Write),
        (0x4020_0000, Access::Read),
        (0x4020_0000, Access::Write),
        (0x4040_0000, Access::Read),
        (0x8000_1000, Access::Read),
        (0x8000_1000, Access::Write),
        (0xc000_0000, Access::Read),
        (0x4060_0000, Access::Read),
        (0x1_0000_0000, Access::Read),
    ];
    let job = Job {
        regime: Regime::El2 { secure },
        tables: vec![t.image()],
        mair: MAIR,
        tcr: TCR_EL23 | 32, // T0SZ = 32: 32-bit VA
        ttbr0: t.pa(0),
        ttbr1: 0,
        sctlr_set: SCTLR,
        probes: probes.iter().map(|&(va, a)| Probe::new(va, a)).collect(),
        writes: Vec::new(),
    };
    let p = run(&job).par;
    assert_maps(p[0], 0x4040_0000, 0xff);
    assert_maps(p[1], 0x4040_0000, 0xff);
    assert_maps(p[2], 0x4060_0000, 0xff);
    assert_fault(p[3], fst_permission(2));
    assert_maps(p[4], 0x0900_0000, 0x04);
    assert_maps(p[5], 0x4000_1000, 0xff);
    assert_fault(p[6], fst_permission(1));
    assert_fault(p[7], fst_translation(1));
    assert_maps(p[8], 0x4080_0000, 0xff);
    assert_translation_fault(p[9]);
    p
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el2_nonsecure_tables() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    el2_run(false);
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn el2_secure_tables() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    let p = el2_run(true);
    assert!(!par_ns(p[0]));
    assert!(par_ns(p[8]));
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn translation_regime_registers_are_off_without_sctlr_m() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    // With SCTLR_EL1.M clear the AT instructions return the flat address.
    let mut job = el1_job(false, &[(0x8000_0000, Access::Read)]);
    job.sctlr_set = 0;
    let p = run(&job).par;
    assert!(!par_fault(p[0]));
    assert_eq!(par_pa(p[0]), 0x8000_0000);
}

#[test]
fn jobs_the_harness_cannot_run_are_rejected() {
    // These fail before QEMU is needed.
    let mut job = el3_job(&[(0x8000_0000, Access::El0Read)], Vec::new());
    assert!(qemu::run(&job).unwrap_err().contains("EL1&0"));

    job = el1_job(false, &[]);
    job.writes.push((0x8000_0000, 0x4040_0000));
    assert!(qemu::run(&job).unwrap_err().contains("writes need"));

    job = el3_job(&[], Vec::new());
    job.sctlr_set |= qemu::SCTLR_WXN;
    assert!(qemu::run(&job).unwrap_err().contains("WXN"));

    job = el3_job(&[], vec![(0x8000_0004, 0x4040_0004)]);
    assert!(qemu::run(&job).unwrap_err().contains("aligned"));

    job = el3_job(&[], vec![(0x4000_8000, 0x4000_8000)]);
    assert!(qemu::run(&job).unwrap_err().contains("harness reserved"));

    job = el1_job(false, &[]);
    job.tables.push((qemu::JOB_PA, vec![0; 8]));
    assert!(qemu::run(&job).unwrap_err().contains("harness reserved"));

    job = el1_job(false, &[]);
    let (pa, bytes) = job.tables[0].clone();
    job.tables.push((pa + 0x1000, bytes));
    assert!(qemu::run(&job).unwrap_err().contains("overlap"));

    job = el1_job(false, &[]);
    job.tables.push((0x1000, vec![0; 8]));
    assert!(qemu::run(&job).unwrap_err().contains("outside guest RAM"));
}

#[test]
fn par_decoders() {
    // Success: ATTR 0xff, PA 0x4040_5000, NS, inner shareable, bit 11 (RES1).
    let par = 0xff00_0000_4040_5b80;
    assert!(!par_fault(par));
    assert_eq!(par_pa(par), 0x4040_5000);
    assert_eq!(par_attr(par), 0xff);
    assert_eq!(par_sh(par), 3);
    assert!(par_ns(par));
    // Fault: permission fault at level 2.
    let par = 0x81d;
    assert!(par_fault(par));
    assert_eq!(par_fault_status(par), fst_permission(2));
    assert_eq!(fst_translation(3), 0b000111);
    assert_eq!(fst_access_flag(1), 0b001001);
}

#[test]
fn job_descriptor_layout() {
    let job = Job {
        regime: Regime::El2 { secure: true },
        tables: Vec::new(),
        mair: 1,
        tcr: 2,
        ttbr0: 3,
        ttbr1: 5,
        sctlr_set: 4,
        probes: vec![Probe::new(0x10, Access::Write)],
        writes: vec![(0x20, 0x30)],
    };
    let words: Vec<u64> = qemu::encode_job(&job)
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(
        words,
        [
            qemu::JOB_MAGIC,
            0x102,
            1,
            2,
            3,
            4,
            1,
            0x10,
            1,
            1,
            0x20,
            0x30,
            5
        ]
    );
}
