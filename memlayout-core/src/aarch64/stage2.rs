//! Stage 2 of the Non-secure EL1&0 translation regime (IPA -> PA): the fields of its
//! block and page descriptors and of `VTCR_EL2`, `VTTBR_EL2` and `HCR_EL2`.
//!
//! Stage 2 translates the intermediate physical addresses (IPAs) a virtual machine's
//! stage 1 produces into PAs, under the control of EL2 (Arm ARM DDI 0487, D8 "The
//! AArch64 Virtual Memory System Architecture", "Stage 2 translation"). Its descriptors
//! share the address, type, SH, AF and Contiguous fields of stage 1
//! ([`descriptor`](super::descriptor)) and differ in the lower and upper attributes:
//!
//! * **MemAttr\[3:0\]**, bits\[5:2\], holds the memory type itself (there is no `MAIR`
//!   and no AttrIndx at stage 2). Without FEAT_S2FWB, MemAttr\[3:2\] = 0b00 is Device
//!   memory with MemAttr\[1:0\] giving nGnRnE, nGnRE, nGRE or GRE; otherwise
//!   MemAttr\[3:2\] is the outer and MemAttr\[1:0\] the inner cacheability of Normal
//!   memory (0b01 Non-cacheable, 0b10 Write-Through, 0b11 Write-Back) (D8.3.1.2, "Stage
//!   2 memory type and Cacheability attributes when FEAT_S2FWB is disabled").
//! * **S2AP\[1:0\]**, bits\[7:6\]: bit 6 allows reads, bit 7 writes (0b00 no data access,
//!   0b01 read-only, 0b10 write-only, 0b11 read/write) (D8.4, "Stage 2 data access
//!   permissions").
//! * **XN\[1:0\]**, bits\[54:53\]: XN\[1\] (bit 54) set forbids instruction fetches at
//!   EL1 and EL0; XN\[0\] (bit 53) distinguishes EL1 from EL0 only with FEAT_XNX and is
//!   RES0 without it (D8.4, "Stage 2 instruction execution permissions").
//! * Table descriptors have no hierarchical attributes at stage 2 (bits\[63:59\] are
//!   RES0), and there is no nG (stage 2 entries are tagged with the VMID instead).
//!
//! Stage 2 may start its walk with up to 16 **concatenated** tables at the initial
//! lookup level (D8.2, "Concatenated translation tables for the initial stage 2
//! lookup"): the IPA may have up to 4 more bits than that level resolves, and the
//! concatenated tables are contiguous and aligned to their total size.

use super::granule::{Format, Granule};
use super::mair::MemoryType;
use super::regs::ps_encoding;

// ---------------------------------------------------------------------------------------
// Stage 2 block and page descriptors: D8.3.1.2 "VMSAv8-64 Block descriptor and Page
// descriptor formats", stage 2 attribute fields.
// ---------------------------------------------------------------------------------------

/// Bit position of MemAttr\[3:0\], bits\[5:2\] of a stage 2 block or page descriptor.
pub const S2_MEMATTR_SHIFT: u32 = 2;

/// Mask of MemAttr\[3:0\], bits\[5:2\].
pub const S2_MEMATTR_MASK: u64 = 0b1111 << S2_MEMATTR_SHIFT;

/// MemAttr Device-nGnRnE (0b0000).
pub const S2_MEMATTR_DEVICE_NGNRNE: u8 = 0b0000;
/// MemAttr Device-nGnRE (0b0001).
pub const S2_MEMATTR_DEVICE_NGNRE: u8 = 0b0001;
/// MemAttr Device-nGRE (0b0010).
pub const S2_MEMATTR_DEVICE_NGRE: u8 = 0b0010;
/// MemAttr Device-GRE (0b0011).
pub const S2_MEMATTR_DEVICE_GRE: u8 = 0b0011;
/// MemAttr Normal, outer and inner Non-cacheable (0b0101).
pub const S2_MEMATTR_NORMAL_NC: u8 = 0b0101;
/// MemAttr Normal, outer and inner Write-Through (0b1010).
pub const S2_MEMATTR_NORMAL_WT: u8 = 0b1010;
/// MemAttr Normal, outer and inner Write-Back (0b1111).
pub const S2_MEMATTR_NORMAL_WB: u8 = 0b1111;

/// Bit 6, S2AP\[0\]: stage 2 allows data reads.
pub const S2AP_READ: u64 = 1 << 6;

/// Bit 7, S2AP\[1\]: stage 2 allows data writes.
pub const S2AP_WRITE: u64 = 1 << 7;

/// Mask of S2AP\[1:0\], bits\[7:6\].
pub const S2AP_MASK: u64 = S2AP_READ | S2AP_WRITE;

/// Bit 54, XN\[1\]: stage 2 forbids instruction fetches at EL1 and EL0 (with XN\[0\]
/// clear; D8.4, "Stage 2 instruction execution permissions").
pub const S2_XN: u64 = 1 << 54;

/// Bit 53, XN\[0\]: with FEAT_XNX, distinguishes EL1 from EL0 execute permission; RES0
/// without it, and never set by this crate.
pub const S2_XN0: u64 = 1 << 53;

// ---------------------------------------------------------------------------------------
// VTCR_EL2: DDI 0487 D19 "VTCR_EL2, Virtualization Translation Control Register".
// ---------------------------------------------------------------------------------------

/// Bit position of `VTCR_EL2.T0SZ`, bits\[5:0\]: the IPA size is 64 - T0SZ bits.
pub const VTCR_T0SZ_SHIFT: u32 = 0;
/// Mask of `VTCR_EL2.T0SZ`.
pub const VTCR_T0SZ_MASK: u64 = 0b11_1111 << VTCR_T0SZ_SHIFT;
/// Bit position of `VTCR_EL2.SL0`, bits\[7:6\]: the initial lookup level, encoded per
/// granule (4 KiB: 0b00 level 2, 0b01 level 1, 0b10 level 0; 16 KiB and 64 KiB: 0b00
/// level 3, 0b01 level 2, 0b10 level 1, and with 16 KiB 0b11 level 0).
pub const VTCR_SL0_SHIFT: u32 = 6;
/// Mask of `VTCR_EL2.SL0`.
pub const VTCR_SL0_MASK: u64 = 0b11 << VTCR_SL0_SHIFT;
/// `VTCR_EL2.IRGN0` = 0b01, bits\[9:8\]: stage 2 table walks are inner Write-Back
/// Read-Allocate Write-Allocate cacheable.
pub const VTCR_IRGN0_WBWA: u64 = 0b01 << 8;
/// `VTCR_EL2.ORGN0` = 0b01, bits\[11:10\]: outer Write-Back Read-Allocate
/// Write-Allocate.
pub const VTCR_ORGN0_WBWA: u64 = 0b01 << 10;
/// `VTCR_EL2.SH0` = 0b11, bits\[13:12\]: table walks are Inner Shareable.
pub const VTCR_SH0_INNER: u64 = 0b11 << 12;
/// Bit position of `VTCR_EL2.TG0`, bits\[15:14\]: the granule, with the encoding of
/// `TCR_ELx.TG0` ([`Granule::tg0`](super::Granule::tg0): 0b00 4 KiB, 0b01 64 KiB, 0b10
/// 16 KiB).
pub const VTCR_TG0_SHIFT: u32 = 14;
/// Mask of `VTCR_EL2.TG0`.
pub const VTCR_TG0_MASK: u64 = 0b11 << VTCR_TG0_SHIFT;
/// Bit position of `VTCR_EL2.PS`, bits\[18:16\]: the PA size of stage 2's output, with
/// the encoding of `TCR_ELx.PS` ([`regs::ps_encoding`](super::regs::ps_encoding)).
pub const VTCR_PS_SHIFT: u32 = 16;
/// Mask of `VTCR_EL2.PS`.
pub const VTCR_PS_MASK: u64 = 0b111 << VTCR_PS_SHIFT;
/// `VTCR_EL2.VS`, bit 19: 16-bit VMIDs (needs `ID_AA64MMFR1_EL1.VMIDBits` = 0b0010);
/// without it `VTTBR_EL2` bits\[63:56\] are RES0 and a VMID has 8 bits.
pub const VTCR_VS: u64 = 1 << 19;
/// Bit 31 of `VTCR_EL2`, RES1.
pub const VTCR_RES1_31: u64 = 1 << 31;
/// `VTCR_EL2.DS`, bit 32 (FEAT_LPA2): the 52-bit descriptor format of the 4 KiB and
/// 16 KiB granules, as `TCR_ELx.DS`.
pub const VTCR_DS: u64 = 1 << 32;
/// `VTCR_EL2.SL2`, bit 33 (FEAT_LPA2, 4 KiB granule): with SL0 = 0b00 and DS = 1, the
/// walk starts at level -1.
pub const VTCR_SL2: u64 = 1 << 33;

// ---------------------------------------------------------------------------------------
// VTTBR_EL2: DDI 0487 D19 "VTTBR_EL2, Virtualization Translation Table Base Register".
// ---------------------------------------------------------------------------------------

/// Bit position of `VTTBR_EL2.VMID`, bits\[63:48\] (bits\[55:48\] with 8-bit VMIDs).
pub const VTTBR_VMID_SHIFT: u32 = 48;
/// The largest VMID with 8-bit VMIDs (`VTCR_EL2.VS` = 0).
pub const VMID_MAX_8_BIT: u16 = 0xFF;

// ---------------------------------------------------------------------------------------
// HCR_EL2: DDI 0487 D19 "HCR_EL2, Hypervisor Configuration Register".
// ---------------------------------------------------------------------------------------

/// `HCR_EL2.VM`, bit 0: stage 2 translation is enabled for the Non-secure EL1&0 regime.
pub const HCR_VM: u64 = 1 << 0;
/// `HCR_EL2.RW`, bit 31: EL1 runs in AArch64.
pub const HCR_RW: u64 = 1 << 31;

/// `HCR_EL2` bits to set to run a virtual machine on a stage 2 table: [`HCR_VM`] (stage
/// 2 on for the Non-secure EL1&0 regime) and [`HCR_RW`] (EL1 in AArch64). Not a whole
/// register value: OR it into the current one.
pub const HCR_SET: u64 = HCR_VM | HCR_RW;

// ---------------------------------------------------------------------------------------
// Memory types.
// ---------------------------------------------------------------------------------------

/// The stage 2 MemAttr\[3:0\] of a memory type (without FEAT_S2FWB): the Device types
/// 0b00xx, Normal memory with equal inner and outer cacheability (0b0101 Non-cacheable,
/// 0b1010 Write-Through, 0b1111 Write-Back) (DDI 0487 D8.3.1.2, "Stage 2 memory type
/// and Cacheability attributes when FEAT_S2FWB is disabled").
pub const fn memattr(mem: MemoryType) -> u8 {
    match mem {
        MemoryType::DeviceNGnRnE => S2_MEMATTR_DEVICE_NGNRNE,
        MemoryType::DeviceNGnRE => S2_MEMATTR_DEVICE_NGNRE,
        MemoryType::DeviceNGRE => S2_MEMATTR_DEVICE_NGRE,
        MemoryType::DeviceGRE => S2_MEMATTR_DEVICE_GRE,
        MemoryType::NormalNonCacheable => S2_MEMATTR_NORMAL_NC,
        MemoryType::NormalWriteThrough => S2_MEMATTR_NORMAL_WT,
        MemoryType::NormalWriteBack => S2_MEMATTR_NORMAL_WB,
    }
}

// ---------------------------------------------------------------------------------------
// The initial lookup level and concatenated root tables.
// ---------------------------------------------------------------------------------------

/// The most tables the initial stage 2 lookup may concatenate: 16, so an IPA may have
/// up to 4 bits more than the start level resolves (D8.2, "Concatenated translation
/// tables for the initial stage 2 lookup").
pub const MAX_CONCATENATED: usize = 16;

/// The levels a stage 2 walk of `granule` may start at without optional features, from
/// the fewest levels to the most (`VTCR_EL2.SL0` encodes each; see [`sl0`]). Left out:
/// level 3 with the 4 KiB granule (SL0 = 0b11 needs FEAT_TTST) and level -1 (SL2 = 1
/// needs FEAT_LPA2, and a 52-bit IPA fits level 0 with concatenated tables); level 0 of
/// the 16 KiB granule needs `VTCR_EL2.DS` = 1, which every IPA size that needs it (52
/// bits) turns on.
const fn start_levels(granule: Granule) -> &'static [i8] {
    match granule {
        Granule::Size4K => &[2, 1, 0],
        Granule::Size16K => &[3, 2, 1, 0],
        Granule::Size64K => &[3, 2, 1],
    }
}

/// The initial lookup level of a stage 2 table of `granule` for an IPA of `ipa_bits`
/// bits, and how many tables are concatenated there (1 to 16, a power of two): the level
/// with the fewest levels below it at which the IPA needs at most 16 tables, among the
/// levels the granule's `SL0` may select (see below). `None` when `ipa_bits` is not 25
/// to 52.
///
/// The architecture allows a start level when the IPA has more bits than the levels
/// below it resolve and at most 4 more than the level itself resolves
/// (AArch64.S2InconsistentSL in the DDI 0487 pseudocode; QEMU's `check_s2_mmu_setup`
/// checks the same). Several levels can pass for one size; this takes the one with the
/// fewest levels, as Linux's KVM does, so:
///
/// | granule | level 3 | level 2 | level 1 | level 0 |
/// |---------|---------|---------|---------|---------|
/// | 4 KiB   | —       | 25–34 (×1 to ×16 from 31) | 35–43 (×1 to ×16 from 40) | 44–52 (×1 to ×16 from 49) |
/// | 16 KiB  | 25–29 (×1 to ×16 from 26) | 30–40 (×1 to ×16 from 37) | 41–51 (×1 to ×16 from 48) | 52 |
/// | 64 KiB  | 25–33 (×1 to ×16 from 30) | 34–46 (×1 to ×16 from 43) | 47–52 | — |
///
/// `SL0`'s limits (AArch64.S2InvalidSL): level 0 of the 4 KiB granule and level 1 of
/// the 64 KiB one need a PA size (PAMax) of at least 44 bits, level 1 of the 16 KiB
/// granule at least 42; level 0 of 16 KiB needs `DS` = 1. The table above meets them
/// whenever the IPA size is at most the PA size, which the table builder requires
/// (an IPA larger than PAMax is CONSTRAINED UNPREDICTABLE).
pub const fn start_level(granule: Granule, ipa_bits: u8) -> Option<(i8, usize)> {
    if ipa_bits < 25 || ipa_bits > 52 {
        return None;
    }
    let per_level = granule.bits_per_level();
    let levels = start_levels(granule);
    let mut i = 0;
    while i < levels.len() {
        let level = levels[i];
        let shift = granule.level_shift(level);
        // The IPA bits this level's index takes: more than 0, at most a table's plus 4.
        if (ipa_bits as u32) > shift && (ipa_bits as u32) - shift <= per_level + 4 {
            let extra = (ipa_bits as u32 - shift).saturating_sub(per_level);
            return Some((level, 1 << extra));
        }
        i += 1;
    }
    None
}

/// `VTCR_EL2.SL0` (bits\[7:6\], already shifted) and `SL2` (bit 33) for a walk of
/// `granule` starting at `level`, or `None` when no encoding starts there (D19
/// "VTCR_EL2", fields SL0 and SL2): 4 KiB: level 2 0b00, level 1 0b01, level 0 0b10,
/// level 3 0b11 (FEAT_TTST), level -1 SL0 = 0b00 with SL2 = 1 (FEAT_LPA2, `DS` = 1);
/// 16 KiB: level 3 0b00, level 2 0b01, level 1 0b10, level 0 0b11 (`DS` = 1); 64 KiB:
/// level 3 0b00, level 2 0b01, level 1 0b10.
pub const fn sl0(granule: Granule, level: i8) -> Option<u64> {
    let sl0 = match (granule, level) {
        (Granule::Size4K, -1) => return Some(VTCR_SL2),
        (Granule::Size4K, 0..=3) => (2 - level as i64).rem_euclid(4) as u64,
        (Granule::Size16K, 0..=3) => (3 - level) as u64,
        (Granule::Size64K, 1..=3) => (3 - level) as u64,
        _ => return None,
    };
    Some(sl0 << VTCR_SL0_SHIFT)
}

/// The `VTCR_EL2` value for a stage 2 table in `format` translating an IPA of `ipa_bits`
/// bits to PAs of `pa_bits` bits: T0SZ = 64 - `ipa_bits`, SL0 for the start level of
/// [`start_level`], IRGN0 = ORGN0 = Write-Back Read-Allocate Write-Allocate, SH0 = Inner
/// Shareable, TG0 from the granule, PS from `pa_bits`, VS with `vmid16` (16-bit VMIDs),
/// the RES1 bit 31, and DS = 1 with the FEAT_LPA2 format ([`Format::ds`]). SL2 is never
/// set: the start level is never -1.
///
/// `None` when `ipa_bits` is not 25 to [`Format::max_va_bits`], `pa_bits` is not one
/// of [`PA_BITS`](super::regs::PA_BITS) or is over [`Format::max_pa_bits`], or
/// `ipa_bits` is over `pa_bits`. (DDI 0487 D19 "VTCR_EL2".)
///
/// The core must implement the granule at stage 2 (`ID_AA64MMFR0_EL1.TGran4_2`,
/// `TGran16_2`, `TGran64_2`, which may differ from the stage 1 fields), FEAT_LPA2 at stage
/// 2 for `DS` = 1, a PA size (PAMax) of at least `pa_bits`, and 16-bit VMIDs
/// (`ID_AA64MMFR1_EL1.VMIDBits`) for `vmid16`. (QEMU also asks FEAT_LVA for a 64 KiB
/// stage 2 with an IPA over 48 bits; the pseudocode bounds it by PAMax.)
pub const fn vtcr(format: Format, ipa_bits: u8, pa_bits: u8, vmid16: bool) -> Option<u64> {
    let ps = match ps_encoding(pa_bits) {
        Some(ps) if pa_bits <= format.max_pa_bits() && ipa_bits <= pa_bits => ps,
        _ => return None,
    };
    if ipa_bits > format.max_va_bits() {
        return None;
    }
    let Some((level, _)) = start_level(format.granule, ipa_bits) else {
        return None;
    };
    let Some(sl) = sl0(format.granule, level) else {
        return None;
    };
    let mut v = (64 - ipa_bits as u64) << VTCR_T0SZ_SHIFT
        | sl
        | VTCR_IRGN0_WBWA
        | VTCR_ORGN0_WBWA
        | VTCR_SH0_INNER
        | format.granule.tg0() << VTCR_TG0_SHIFT
        | ps << VTCR_PS_SHIFT
        | VTCR_RES1_31;
    if vmid16 {
        v |= VTCR_VS;
    }
    if format.ds() {
        v |= VTCR_DS;
    }
    Some(v)
}

/// The `VTTBR_EL2` value for a stage 2 table whose (first) root table is at `root_pa`,
/// for the virtual machine `vmid`: BADDR as a TTBR holds it (with a PA over 48 bits,
/// BADDR\[51:48\] in bits\[5:2\]; [`regs::ttbr0`](super::regs::ttbr0)), VMID in
/// bits\[63:48\], CnP 0. With 8-bit VMIDs (`VTCR_EL2.VS` = 0) the VMID must be at most
/// [`VMID_MAX_8_BIT`]. (DDI 0487 D19 "VTTBR_EL2".)
pub const fn vttbr(root_pa: u64, vmid: u16) -> u64 {
    super::regs::ttbr0(root_pa) | (vmid as u64) << VTTBR_VMID_SHIFT
}

/// The VMID a `VTTBR_EL2` value carries, bits\[63:48\].
pub const fn vttbr_vmid(vttbr: u64) -> u16 {
    (vttbr >> VTTBR_VMID_SHIFT) as u16
}

/// The register values that load a stage 2 table: `VTCR_EL2`, `VTTBR_EL2` and the
/// `HCR_EL2` bits to set.
///
/// Not exhaustive: build it with [`new`](Self::new) and read its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Stage2Registers {
    /// `VTCR_EL2` ([`vtcr`]).
    #[cfg_attr(feature = "serde", serde(with = "crate::model::serde_impls::addr"))]
    pub vtcr: u64,
    /// `VTTBR_EL2` ([`vttbr`]): the root's PA and the VMID.
    #[cfg_attr(feature = "serde", serde(with = "crate::model::serde_impls::addr"))]
    pub vttbr: u64,
    /// The `HCR_EL2` bits to set ([`HCR_SET`]); not a whole register value.
    #[cfg_attr(feature = "serde", serde(with = "crate::model::serde_impls::addr"))]
    pub hcr_set: u64,
}

impl Stage2Registers {
    /// The registers of a stage 2 table in `format` with the root at `root_pa`, for an
    /// IPA of `ipa_bits` bits, PAs of `pa_bits` bits and VMID `vmid` (16-bit VMIDs when
    /// it is over 255); `None` when [`vtcr`] refuses the sizes.
    pub const fn new(
        format: Format,
        ipa_bits: u8,
        pa_bits: u8,
        root_pa: u64,
        vmid: u16,
    ) -> Option<Stage2Registers> {
        match vtcr(format, ipa_bits, pa_bits, vmid > VMID_MAX_8_BIT) {
            Some(vtcr) => Some(Stage2Registers {
                vtcr,
                vttbr: vttbr(root_pa, vmid),
                hcr_set: HCR_SET,
            }),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start levels the architecture accepts for an IPA size, as QEMU's
    /// `check_s2_mmu_setup` (AArch64.S2InconsistentSL) tests them: with `levels` lookups
    /// after the start level, the IPA has at least `levels × stride + granule bits + 1`
    /// and at most `stride - 1 + 4` more bits.
    fn consistent(granule: Granule, level: i8, ipa_bits: u8) -> bool {
        let stride = granule.bits_per_level() as i32;
        let levels = 3 - level as i32;
        let min = levels * stride + granule.shift() as i32 + 1;
        let max = min + stride - 1 + 4;
        (min..=max).contains(&(ipa_bits as i32))
    }

    #[test]
    fn the_start_level_is_the_consistent_one_with_the_fewest_levels() {
        for granule in Granule::ALL {
            for ipa_bits in 25..=52u8 {
                let (level, tables) = start_level(granule, ipa_bits).unwrap();
                assert!(consistent(granule, level, ipa_bits), "{granule} {ipa_bits}");
                // No level with fewer lookups that SL0 encodes without FEAT_TTST passes.
                for fewer in level + 1..=3 {
                    let ttst = granule == Granule::Size4K && fewer == 3;
                    assert!(
                        ttst || !consistent(granule, fewer, ipa_bits),
                        "{granule} {ipa_bits}"
                    );
                }
                let extra = ipa_bits as u32 - granule.level_shift(level);
                let want = 1usize << extra.saturating_sub(granule.bits_per_level());
                assert_eq!(tables, want, "{granule} {ipa_bits}");
                assert!((1..=MAX_CONCATENATED).contains(&tables));
                assert!(sl0(granule, level).is_some());
            }
            assert_eq!(start_level(granule, 24), None);
            assert_eq!(start_level(granule, 53), None);
        }
    }

    #[test]
    fn start_levels_and_concatenation_per_granule() {
        use Granule::*;
        for (granule, ipa_bits, level, tables) in [
            (Size4K, 25, 2, 1),
            (Size4K, 30, 2, 1),
            (Size4K, 31, 2, 2),
            (Size4K, 34, 2, 16),
            (Size4K, 35, 1, 1),
            (Size4K, 40, 1, 2),
            (Size4K, 43, 1, 16),
            (Size4K, 44, 0, 1),
            (Size4K, 48, 0, 1),
            (Size4K, 49, 0, 2),
            (Size4K, 52, 0, 16),
            (Size16K, 25, 3, 1),
            (Size16K, 26, 3, 2),
            (Size16K, 29, 3, 16),
            (Size16K, 30, 2, 1),
            (Size16K, 36, 2, 1),
            (Size16K, 40, 2, 16),
            (Size16K, 41, 1, 1),
            (Size16K, 48, 1, 2),
            (Size16K, 51, 1, 16),
            (Size16K, 52, 0, 1),
            (Size64K, 25, 3, 1),
            (Size64K, 29, 3, 1),
            (Size64K, 30, 3, 2),
            (Size64K, 33, 3, 16),
            (Size64K, 34, 2, 1),
            (Size64K, 42, 2, 1),
            (Size64K, 46, 2, 16),
            (Size64K, 47, 1, 1),
            (Size64K, 52, 1, 1),
        ] {
            assert_eq!(
                start_level(granule, ipa_bits),
                Some((level, tables)),
                "{granule} {ipa_bits}"
            );
        }
    }

    #[test]
    fn sl0_encodings() {
        use Granule::*;
        let f = |g, l| sl0(g, l).map(|v| v >> VTCR_SL0_SHIFT);
        assert_eq!(
            [2, 1, 0, 3].map(|l| f(Size4K, l)),
            [Some(0), Some(1), Some(2), Some(3)]
        );
        assert_eq!(sl0(Size4K, -1), Some(VTCR_SL2));
        assert_eq!(
            [3, 2, 1, 0].map(|l| f(Size16K, l)),
            [Some(0), Some(1), Some(2), Some(3)]
        );
        assert_eq!(
            [3, 2, 1].map(|l| f(Size64K, l)),
            [Some(0), Some(1), Some(2)]
        );
        assert_eq!(sl0(Size64K, 0), None);
        assert_eq!(sl0(Size16K, -1), None);
        assert_eq!(sl0(Size4K, 4), None);
    }

    #[test]
    fn vtcr_fields() {
        // 4 KiB, 40-bit IPA and PA: T0SZ 24, SL0 level 1, PS 40.
        let v = vtcr(Format::DEFAULT, 40, 40, false).unwrap();
        assert_eq!(v, 0x8002_3558);
        // 48-bit IPA on 4 KiB: level 0 (SL0 0b10); 16-bit VMIDs set VS.
        let f = Format::for_sizes(Granule::Size4K, 48, 48);
        let v = vtcr(f, 48, 48, true).unwrap();
        assert_eq!(v & VTCR_T0SZ_MASK, 16);
        assert_eq!((v & VTCR_SL0_MASK) >> VTCR_SL0_SHIFT, 0b10);
        assert_eq!((v & VTCR_PS_MASK) >> VTCR_PS_SHIFT, 0b101);
        assert_ne!(v & VTCR_VS, 0);
        assert_eq!(v & (VTCR_DS | VTCR_SL2), 0);
        // TG0 per granule.
        for (granule, tg0) in [
            (Granule::Size4K, 0b00),
            (Granule::Size16K, 0b10),
            (Granule::Size64K, 0b01),
        ] {
            let f = Format::for_sizes(granule, 40, 40);
            let v = vtcr(f, 40, 40, false).unwrap();
            assert_eq!((v & VTCR_TG0_MASK) >> VTCR_TG0_SHIFT, tg0, "{granule}");
            assert_eq!(v & 0x3F00, 0x3500, "{granule}: IRGN0, ORGN0, SH0");
            assert_ne!(v & VTCR_RES1_31, 0);
        }
        // 52-bit IPA and PA: DS with 4 KiB (level 0, 16 tables) and 16 KiB (level 0, SL0
        // 0b11), none with 64 KiB (FEAT_LPA); SL2 never.
        for (granule, ds, sl) in [
            (Granule::Size4K, true, 0b10),
            (Granule::Size16K, true, 0b11),
            (Granule::Size64K, false, 0b10),
        ] {
            let f = Format::for_sizes(granule, 52, 52);
            let v = vtcr(f, 52, 52, false).unwrap();
            assert_eq!(v & VTCR_DS != 0, ds, "{granule}");
            assert_eq!((v & VTCR_SL0_MASK) >> VTCR_SL0_SHIFT, sl, "{granule}");
            assert_eq!(v & VTCR_SL2, 0);
            assert_eq!(v & VTCR_T0SZ_MASK, 12);
            assert_eq!((v & VTCR_PS_MASK) >> VTCR_PS_SHIFT, 0b110);
        }
        // Refused: IPA over PA, unsupported sizes, 52 bits in a 48-bit format.
        assert_eq!(vtcr(Format::DEFAULT, 44, 40, false), None);
        assert_eq!(vtcr(Format::DEFAULT, 24, 40, false), None);
        assert_eq!(vtcr(Format::DEFAULT, 40, 41, false), None);
        assert_eq!(vtcr(Format::DEFAULT, 49, 52, false), None);
    }

    #[test]
    fn vttbr_fields() {
        assert_eq!(vttbr(0x4000_2000, 7), 0x0007_0000_4000_2000);
        assert_eq!(vttbr_vmid(vttbr(0x4000_2000, 0xFFFF)), 0xFFFF);
        // BADDR[51:48] in bits 5:2 with a PA over 48 bits.
        assert_eq!(
            vttbr(0x000F_0000_1234_0000, 1),
            0x0001_0000_1234_0000 | 0xF << 2
        );
        assert_eq!(vttbr(0x0001_0000_0001_0000, 0), 0x0001_0000 | 1 << 2);
        let r = Stage2Registers::new(Format::DEFAULT, 40, 40, 0x4000_0000, 256).unwrap();
        assert_ne!(r.vtcr & VTCR_VS, 0);
        assert_eq!(r.vttbr, 0x0100_0000_4000_0000);
        assert_eq!(r.hcr_set, HCR_VM | HCR_RW);
        assert!(Stage2Registers::new(Format::DEFAULT, 44, 40, 0, 1).is_none());
    }

    #[test]
    fn memattr_of_every_memory_type() {
        for (mem, want) in [
            (MemoryType::DeviceNGnRnE, 0b0000),
            (MemoryType::DeviceNGnRE, 0b0001),
            (MemoryType::DeviceNGRE, 0b0010),
            (MemoryType::DeviceGRE, 0b0011),
            (MemoryType::NormalNonCacheable, 0b0101),
            (MemoryType::NormalWriteThrough, 0b1010),
            (MemoryType::NormalWriteBack, 0b1111),
        ] {
            assert_eq!(memattr(mem), want, "{mem:?}");
        }
    }
}
