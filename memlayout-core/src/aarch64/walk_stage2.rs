//! The software walker for stage 2 (IPA -> PA) and for both stages of the Non-secure
//! EL1&0 regime (VA -> IPA -> PA).
//!
//! It follows the architecture, not this crate's builder, so it can check the builder's
//! output: DDI 0487 D8.2 "Translation process" (stage 2 start levels and "Concatenated
//! translation tables for the initial stage 2 lookup"), D8.3 "Translation table
//! descriptor formats" (stage 2 attribute fields, shared with
//! [`stage2`](super::stage2)), D8.4 "Stage 2 data access permissions" and "Stage 2
//! instruction execution permissions", D8.5 "Combining stage 1 and stage 2
//! attributes", and the pseudocode `AArch64.S2Translate`, `AArch64.S2TxSZFaults`,
//! `AArch64.S2InvalidSL`, `AArch64.S2InconsistentSL`, `AArch64.S2StartLevel` and
//! `S2CombineS1MemAttrs`. The table lookup itself (descriptor types per level and
//! format, 52-bit addresses) is the stage 1 walker's
//! ([`walk_registers`](super::walk_registers)).
//!
//! What it models, and what it does not:
//!
//! * The PE implements FEAT_LPA2 (`VTCR_EL2.DS`, `SL2`), FEAT_LPA (52-bit PAs with the
//!   64 KiB granule) and FEAT_XNX (XN\[0\] is read), and not FEAT_TTST (so T0SZ is at
//!   most 39 and `SL0` = 0b11 with 4 KiB is invalid), FEAT_S2FWB (`HCR_EL2.FWB` = 0),
//!   FEAT_S2PIE or FEAT_D128.
//! * Its physical address size (PAMax, `ID_AA64MMFR0_EL1.PARange`), which decides the
//!   start levels allowed, is the one `VTCR_EL2.PS` selects unless given
//!   ([`Stage2Tables::with_pa_max`]): software normally sets PS to PAMax.
//! * Faults are translation faults of the level hardware reports (an invalid `VTCR_EL2`
//!   and an IPA out of range are level 0) plus the walker's own: a table outside the
//!   image, a misaligned root. Permissions, the Access flag and the memory type are
//!   reported, not checked, except that a stage 1 table read needs stage 2 read
//!   permission. No Address size faults, no `HCR_EL2.PTW`, `CD`, `DC` or `ID`.

use core::fmt;

use super::Regime;
use super::descriptor::{Descriptor, SH_INNER, SH_NON_SHAREABLE, SH_OUTER};
use super::granule::{Format, Granule, LAST_LEVEL, VA_BITS_48, VA_BITS_52, VA_BITS_MIN};
use super::mair::MemoryType;
use super::regs;
use super::stage2::{
    S2_MEMATTR_MASK, S2_MEMATTR_SHIFT, S2_XN, S2_XN0, S2AP_READ, S2AP_WRITE, VTCR_DS, VTCR_PS_MASK,
    VTCR_PS_SHIFT, VTCR_SL0_MASK, VTCR_SL0_SHIFT, VTCR_SL2, VTCR_T0SZ_MASK, VTCR_T0SZ_SHIFT,
    VTCR_TG0_MASK, VTCR_TG0_SHIFT, VTCR_VS,
};
use super::walk::{
    ImageReader, ReadDescriptor, Stage1Regs, Walk, WalkFault, lookup, read_at, walk_stage1_with,
};
use crate::model::{Cacheability, DeviceType, Perms, Shareability};

/// Bit position of `VTCR_EL2.SH0`, bits\[13:12\]: with `DS` = 1, the shareability of
/// every stage 2 mapping (descriptors hold OA\[51:50\] in bits\[9:8\]).
const VTCR_SH0_SHIFT: u32 = 12;

// ---------------------------------------------------------------------------------------
// Start levels: AArch64.S2InvalidSL, AArch64.S2StartLevel, AArch64.S2InconsistentSL.
// ---------------------------------------------------------------------------------------

/// Why an `SL0`/`SL2` encoding is invalid (pseudocode `AArch64.S2InvalidSL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum InvalidSl {
    /// A reserved encoding: 4 KiB with SL2 = 1 and SL0 != 0b00, 64 KiB with SL0 = 0b11.
    Reserved,
    /// 4 KiB, SL0 = 0b11: level 3, only with FEAT_TTST, which the walker does not model.
    NeedsTtst,
    /// 16 KiB, SL0 = 0b11: level 0, only with `DS` = 1.
    NeedsDs,
    /// The level needs a physical address size (PAMax) of at least this many bits.
    NeedsPa {
        /// The level the encoding selects.
        level: i8,
        /// The PAMax it needs.
        min: u8,
        /// The PAMax assumed.
        pa_max: u8,
    },
}

impl fmt::Display for InvalidSl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidSl::Reserved => f.write_str(
                "is a reserved encoding; use SL0 = 0b00 to 0b10 (and SL2 = 1 only with \
                 SL0 = 0b00)",
            ),
            InvalidSl::NeedsTtst => f.write_str(
                "starts at level 3, which needs FEAT_TTST (small translation tables); \
                 start at level 2 (SL0 = 0b00) or below",
            ),
            InvalidSl::NeedsDs => f.write_str(
                "starts at level 0, which needs VTCR_EL2.DS = 1 (FEAT_LPA2); set DS or \
                 start at level 1",
            ),
            InvalidSl::NeedsPa { level, min, pa_max } => write!(
                f,
                "starts at level {level}, which needs a physical address size of at \
                 least {min} bits, not {pa_max}; start at a later level with concatenated \
                 tables, or use a larger PA size"
            ),
        }
    }
}

/// The start level `SL0` (and `SL2`, already ANDed with `DS`) selects with `granule`,
/// or why the encoding is invalid for a PE of `pa_max` physical address bits
/// (pseudocode `AArch64.S2StartLevel` and `AArch64.S2InvalidSL`; `VTCR_EL2.SL0`):
///
/// | granule | SL0 = 0b00 | 0b01 | 0b10 | 0b11 |
/// |---------|-----|-----|-----|-----|
/// | 4 KiB   | 2 (-1 with SL2 = 1, PAMax 52) | 1 | 0 (PAMax >= 44) | 3 (FEAT_TTST) |
/// | 16 KiB  | 3 | 2 | 1 (PAMax >= 42) | 0 (`DS` = 1) |
/// | 64 KiB  | 3 | 2 | 1 (PAMax >= 44) | reserved |
pub(super) const fn start_level(
    granule: Granule,
    sl0: u8,
    sl2: bool,
    ds: bool,
    pa_max: u8,
) -> Result<i8, InvalidSl> {
    const fn needs(level: i8, min: u8, pa_max: u8) -> Result<i8, InvalidSl> {
        if pa_max < min {
            Err(InvalidSl::NeedsPa { level, min, pa_max })
        } else {
            Ok(level)
        }
    }
    match granule {
        Granule::Size4K => match (sl2 && ds, sl0 & 0b11) {
            (true, 0b00) => needs(-1, 52, pa_max),
            (true, _) => Err(InvalidSl::Reserved),
            (false, 0b00) => Ok(2),
            (false, 0b01) => Ok(1),
            (false, 0b10) => needs(0, 44, pa_max),
            _ => Err(InvalidSl::NeedsTtst),
        },
        Granule::Size16K => match sl0 & 0b11 {
            0b00 => Ok(3),
            0b01 => Ok(2),
            0b10 => needs(1, 42, pa_max),
            _ if ds => Ok(0),
            _ => Err(InvalidSl::NeedsDs),
        },
        Granule::Size64K => match sl0 & 0b11 {
            0b00 => Ok(3),
            0b01 => Ok(2),
            0b10 => needs(1, 44, pa_max),
            _ => Err(InvalidSl::Reserved),
        },
    }
}

/// The IPA sizes a stage 2 walk starting at `level` can translate (pseudocode
/// `AArch64.S2InconsistentSL`): from one more bit than the levels below it resolve, to
/// a full table at `level` plus 4 bits of concatenation (up to 16 tables). 4 KiB: level
/// 3 13 to 25 bits, 2 22 to 34, 1 31 to 43, 0 40 to 52, -1 49 to 61; 16 KiB: level 3 15
/// to 29, 2 26 to 40, 1 37 to 51, 0 48 to 62; 64 KiB: level 3 17 to 33, 2 30 to 46, 1 43
/// to 59 (before the limits of T0SZ, 25 to 48 or 52 bits, and of the PA size).
pub(super) const fn ipa_bits_range(granule: Granule, level: i8) -> (u8, u8) {
    let stride = granule.bits_per_level();
    let levels = (LAST_LEVEL - level) as u32;
    let min = levels * stride + granule.shift() + 1;
    let max = min + (stride - 1) + 4;
    (min as u8, max as u8)
}

// ---------------------------------------------------------------------------------------
// VTCR_EL2.
// ---------------------------------------------------------------------------------------

/// The stage 2 walk parameters a `VTCR_EL2` value gives ([`Stage2Params::from_vtcr`]).
///
/// Not exhaustive: later versions may decode more fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Stage2Params {
    /// The descriptor format: the granule (`TG0`) and whether descriptors hold 52-bit
    /// addresses (`DS` = 1 with 4 KiB and 16 KiB, PS = 52 bits with 64 KiB).
    pub format: Format,
    /// The IPA size, `64 - T0SZ`.
    pub ipa_bits: u8,
    /// The initial lookup level (`SL0`, `SL2`): -1 to 3.
    pub start_level: i8,
    /// The output (physical) address size `PS` selects, in bits.
    pub pa_bits: u8,
    /// The PE's physical address size (PAMax) the start level was checked against.
    pub pa_max: u8,
    /// `SH0`: the shareability of the mappings with `DS` = 1.
    pub sh0: u8,
    /// `VS`: 16-bit VMIDs.
    pub vmid16: bool,
}

impl Stage2Params {
    /// Decodes `VTCR_EL2` (DDI 0487, D19 "VTCR_EL2") and checks it as
    /// `AArch64.S2Translate` does before a walk, for a PE whose physical address size is
    /// `pa_max` bits (`None`: the size `PS` selects):
    ///
    /// * `TG0` = 0b11 is reserved: [`WalkFault::ReservedGranule`];
    /// * `PS` = 0b111 is reserved: [`WalkFault::ReservedPaSize`];
    /// * the IPA size `64 - T0SZ` must be 25 bits to PAMax, at most 48 with 4 KiB or
    ///   16 KiB unless `DS` = 1, and at most 52: [`WalkFault::Stage2IpaSize`];
    /// * `SL0` (with `SL2` when `DS` = 1) must select a start level the granule and
    ///   PAMax allow, from which the IPA size is reachable with at most 16 concatenated
    ///   tables: [`WalkFault::Stage2StartLevel`].
    pub fn from_vtcr(vtcr: u64, pa_max: Option<u8>) -> Result<Stage2Params, WalkFault> {
        let tg = (vtcr & VTCR_TG0_MASK) >> VTCR_TG0_SHIFT;
        let Some(granule) = Granule::from_tg0(tg) else {
            return Err(WalkFault::ReservedGranule {
                tg: tg as u8,
                upper: false,
            });
        };
        let ps = (vtcr & VTCR_PS_MASK) >> VTCR_PS_SHIFT;
        let Some(&pa_bits) = regs::PA_BITS.get(ps as usize) else {
            return Err(WalkFault::ReservedPaSize { ps: ps as u8 });
        };
        let pa_max = pa_max.unwrap_or(pa_bits);
        let ds = vtcr & VTCR_DS != 0 && !matches!(granule, Granule::Size64K);
        let oa52 = match granule {
            Granule::Size64K => pa_bits == VA_BITS_52,
            _ => ds,
        };
        let format = Format { granule, oa52 };
        // AArch64.S2MinTxSZ: the IPA size is at most PAMax, and 48 bits without DS on
        // the 4 KiB and 16 KiB granules.
        let cap = if ds || matches!(granule, Granule::Size64K) {
            VA_BITS_52
        } else {
            VA_BITS_48
        };
        let max = if pa_max < cap { pa_max } else { cap };
        let t0sz = (vtcr & VTCR_T0SZ_MASK) >> VTCR_T0SZ_SHIFT;
        let ipa_bits = (64 - t0sz) as u8;
        if ipa_bits < VA_BITS_MIN || ipa_bits > max {
            return Err(WalkFault::Stage2IpaSize { ipa_bits, max });
        }
        let sl0 = ((vtcr & VTCR_SL0_MASK) >> VTCR_SL0_SHIFT) as u8;
        let sl2 = ds && vtcr & VTCR_SL2 != 0;
        let invalid = WalkFault::Stage2StartLevel {
            granule,
            sl0,
            sl2,
            ds,
            ipa_bits,
            pa_max,
        };
        let Ok(start_level) = start_level(granule, sl0, sl2, ds, pa_max) else {
            return Err(invalid);
        };
        let (min, most) = ipa_bits_range(granule, start_level);
        if ipa_bits < min || ipa_bits > most {
            return Err(invalid);
        }
        Ok(Stage2Params {
            format,
            ipa_bits,
            start_level,
            pa_bits,
            pa_max,
            sh0: ((vtcr >> VTCR_SH0_SHIFT) & 0b11) as u8,
            vmid16: vtcr & VTCR_VS != 0,
        })
    }

    /// How many tables the initial lookup level concatenates: `2^(ipa_bits - shift of
    /// the start level - bits per level)`, at least 1 (1 to 16).
    pub const fn root_tables(&self) -> usize {
        let granule = self.format.granule;
        let resolved = granule.level_shift(self.start_level) + granule.bits_per_level();
        1 << (self.ipa_bits as u32).saturating_sub(resolved)
    }

    /// The bytes of the (concatenated) root, to which its address must be aligned:
    /// 8 × its entries, at least 64 with a 52-bit format.
    pub const fn root_bytes(&self) -> u64 {
        let entries_bits = self.ipa_bits as u32 - self.format.granule.level_shift(self.start_level);
        let bytes = 8u64 << entries_bits;
        if self.format.oa52 && bytes < 64 {
            64
        } else {
            bytes
        }
    }
}

// ---------------------------------------------------------------------------------------
// Memory types of either stage and their combination.
// ---------------------------------------------------------------------------------------

/// A memory type as either stage gives it, or as the two combine: Device of a kind, or
/// Normal with an inner and an outer cacheability (allocation and transient hints
/// dropped).
///
/// Not exhaustive: FEAT_XS, FEAT_MTE and FEAT_S2FWB add attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MemoryKind {
    /// Device memory.
    Device(DeviceType),
    /// Normal memory.
    Normal {
        /// The outer cacheability.
        outer: Cacheability,
        /// The inner cacheability.
        inner: Cacheability,
    },
}

/// The order of Device types, most restrictive first.
const fn device_rank(d: DeviceType) -> u8 {
    match d {
        DeviceType::nGnRnE => 0,
        DeviceType::nGnRE => 1,
        DeviceType::nGRE => 2,
        DeviceType::GRE => 3,
    }
}

/// The order of cacheabilities, weakest (least cached) first.
const fn cache_rank(c: Cacheability) -> u8 {
    match c {
        Cacheability::NonCacheable => 0,
        Cacheability::WriteThrough => 1,
        Cacheability::WriteBack => 2,
    }
}

/// The Device type of `dd`, the two bits that select it in a MAIR byte (bits\[3:2\])
/// and in stage 2 MemAttr\[1:0\].
const fn device_of(dd: u8) -> DeviceType {
    match dd & 0b11 {
        0b00 => DeviceType::nGnRnE,
        0b01 => DeviceType::nGnRE,
        0b10 => DeviceType::nGRE,
        _ => DeviceType::GRE,
    }
}

/// The cacheability of a stage 1 `Attr<n>` nibble of Normal memory: 0b0100
/// Non-cacheable, 0b00RW and 0b10RW Write-Through, 0b01RW and 0b11RW Write-Back (RW !=
/// 0b00); `None` for 0b0000.
const fn mair_nibble(n: u8) -> Option<Cacheability> {
    match (n >> 2, n & 0b11) {
        (0b01, 0b00) => Some(Cacheability::NonCacheable),
        (_, 0b00) => None,
        (0b00 | 0b10, _) => Some(Cacheability::WriteThrough),
        _ => Some(Cacheability::WriteBack),
    }
}

/// The cacheability of a stage 2 MemAttr half: 0b01 Non-cacheable, 0b10 Write-Through,
/// 0b11 Write-Back; `None` for 0b00.
const fn s2_half(h: u8) -> Option<Cacheability> {
    match h & 0b11 {
        0b01 => Some(Cacheability::NonCacheable),
        0b10 => Some(Cacheability::WriteThrough),
        0b11 => Some(Cacheability::WriteBack),
        _ => None,
    }
}

impl MemoryKind {
    /// The type a stage 1 `MAIR_ELx` attribute byte encodes (D19 "MAIR_EL1"): 0b0000dd00
    /// Device; otherwise Normal with the high nibble outer and the low inner. `None` for
    /// the encodings that are UNPREDICTABLE or belong to features not modelled (Device
    /// bytes with bits\[1:0\] set, Normal with an inner nibble of 0b0000 other than the
    /// FEAT_XS and FEAT_MTE bytes 0x40, 0xA0 and 0xF0, read as Non-cacheable,
    /// Write-Through and Write-Back).
    pub const fn from_attr_byte(byte: u8) -> Option<MemoryKind> {
        let (hi, lo) = (byte >> 4, byte & 0xF);
        if hi == 0 {
            return if lo & 0b11 == 0 {
                Some(MemoryKind::Device(device_of(lo >> 2)))
            } else {
                None
            };
        }
        match (byte, mair_nibble(hi), mair_nibble(lo)) {
            (0x40, _, _) => Some(MemoryKind::normal(Cacheability::NonCacheable)),
            (0xA0, _, _) => Some(MemoryKind::normal(Cacheability::WriteThrough)),
            (0xF0, _, _) => Some(MemoryKind::normal(Cacheability::WriteBack)),
            (_, Some(outer), Some(inner)) => Some(MemoryKind::Normal { outer, inner }),
            _ => None,
        }
    }

    /// The type a stage 2 MemAttr\[3:0\] encodes with FEAT_S2FWB disabled (D8.3,
    /// "Stage 2 memory type and Cacheability attributes when FEAT_S2FWB is disabled"):
    /// MemAttr\[3:2\] = 0b00 is Device with MemAttr\[1:0\] nGnRnE, nGnRE, nGRE or GRE;
    /// otherwise Normal with MemAttr\[3:2\] outer and MemAttr\[1:0\] inner (0b01
    /// Non-cacheable, 0b10 Write-Through, 0b11 Write-Back). `None` for the reserved
    /// values with MemAttr\[1:0\] = 0b00 and MemAttr\[3:2\] != 0b00.
    pub const fn from_stage2(mem_attr: u8) -> Option<MemoryKind> {
        let (hi, lo) = ((mem_attr >> 2) & 0b11, mem_attr & 0b11);
        if hi == 0 {
            return Some(MemoryKind::Device(device_of(lo)));
        }
        match (s2_half(hi), s2_half(lo)) {
            (Some(outer), Some(inner)) => Some(MemoryKind::Normal { outer, inner }),
            _ => None,
        }
    }

    /// The type of an access both stages translate, with FEAT_S2FWB disabled (D8.5,
    /// "Combining the stage 1 and stage 2 attributes"; pseudocode
    /// `S2CombineS1MemAttrs`): Device if either stage says Device, of the more
    /// restrictive Device type of the two (nGnRnE before nGnRE before nGRE before GRE);
    /// otherwise Normal, with the inner and the outer cacheability each the weaker of
    /// the two stages' (Non-cacheable before Write-Through before Write-Back).
    pub const fn combine(stage1: MemoryKind, stage2: MemoryKind) -> MemoryKind {
        match (stage1, stage2) {
            (MemoryKind::Device(a), MemoryKind::Device(b)) => {
                MemoryKind::Device(if device_rank(a) <= device_rank(b) {
                    a
                } else {
                    b
                })
            }
            (MemoryKind::Device(d), _) | (_, MemoryKind::Device(d)) => MemoryKind::Device(d),
            (
                MemoryKind::Normal {
                    outer: o1,
                    inner: i1,
                },
                MemoryKind::Normal {
                    outer: o2,
                    inner: i2,
                },
            ) => MemoryKind::Normal {
                outer: if cache_rank(o1) <= cache_rank(o2) {
                    o1
                } else {
                    o2
                },
                inner: if cache_rank(i1) <= cache_rank(i2) {
                    i1
                } else {
                    i2
                },
            },
        }
    }

    /// Normal memory of `c` cacheability, inner and outer.
    pub const fn normal(c: Cacheability) -> MemoryKind {
        MemoryKind::Normal { outer: c, inner: c }
    }

    /// Whether this is Device memory.
    pub const fn is_device(self) -> bool {
        matches!(self, MemoryKind::Device(_))
    }

    /// The [`MemoryType`] of the fixed [`MAIR`](super::MAIR) that is this type: Device
    /// types, and Normal memory with equal inner and outer cacheability; `None` for
    /// Normal memory whose inner and outer cacheability differ.
    pub const fn memory_type(self) -> Option<MemoryType> {
        match self {
            MemoryKind::Device(d) => Some(MemoryType::device(d)),
            MemoryKind::Normal { outer, inner } => {
                if cache_rank(outer) == cache_rank(inner) {
                    Some(MemoryType::normal(outer))
                } else {
                    None
                }
            }
        }
    }

    /// The type of a [`MemoryType`].
    pub const fn of(t: MemoryType) -> MemoryKind {
        match (t.device_type(), t.cacheability()) {
            (Some(d), _) => MemoryKind::Device(d),
            (None, Some(c)) => MemoryKind::Normal { outer: c, inner: c },
            (None, None) => MemoryKind::Device(DeviceType::nGnRnE),
        }
    }
}

/// The shareability of an SH\[1:0\] value; `None` for the reserved 0b01.
const fn shareability_of(sh: u8) -> Option<Shareability> {
    match sh {
        SH_NON_SHAREABLE => Some(Shareability::NonShareable),
        SH_OUTER => Some(Shareability::Outer),
        SH_INNER => Some(Shareability::Inner),
        _ => None,
    }
}

/// Permissions as a [`Perms`] where one fits: readable (with write and execute as
/// given), or execute-only; `None` for no access and for write without read.
const fn perms_of(read: bool, write: bool, execute: bool) -> Option<Perms> {
    if read {
        Some(Perms::new(true, write, execute))
    } else if execute && !write {
        Some(Perms::X)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------
// The stage 2 walk.
// ---------------------------------------------------------------------------------------

/// A successful stage 2 translation: where an IPA goes and with which attributes.
///
/// Not exhaustive: read its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Stage2Walk {
    /// The IPA translated.
    pub ipa: u64,
    /// The PA it translates to.
    pub pa: u64,
    /// The level of the block or page descriptor that resolved it.
    pub level: i8,
    /// The walk parameters `VTCR_EL2` gave (format, IPA size, start level, ...).
    pub params: Stage2Params,
    /// The block or page descriptor.
    pub descriptor: Descriptor,
    /// The VMID of `VTTBR_EL2` (bits\[63:48\] with `VTCR_EL2.VS`, else bits\[55:48\]).
    pub vmid: u16,
}

impl Stage2Walk {
    /// The descriptor format of the tables walked.
    pub const fn format(&self) -> Format {
        self.params.format
    }

    /// The size of the block or page that resolved the IPA.
    pub const fn block_size(&self) -> u64 {
        self.params.format.granule.level_size(self.level)
    }

    /// MemAttr\[3:0\], descriptor bits\[5:2\].
    pub const fn mem_attr(&self) -> u8 {
        ((self.descriptor.bits() & S2_MEMATTR_MASK) >> S2_MEMATTR_SHIFT) as u8
    }

    /// The memory type MemAttr encodes ([`MemoryKind::from_stage2`]); `None` for a
    /// reserved encoding.
    pub const fn memory_kind(&self) -> Option<MemoryKind> {
        MemoryKind::from_stage2(self.mem_attr())
    }

    /// The [`MemoryType`] MemAttr encodes, when it is one of the fixed MAIR's.
    pub const fn memory_type(&self) -> Option<MemoryType> {
        match self.memory_kind() {
            Some(k) => k.memory_type(),
            None => None,
        }
    }

    /// Whether stage 2 makes the memory Device (MemAttr\[3:2\] = 0b00).
    pub const fn is_device(&self) -> bool {
        self.mem_attr() >> 2 == 0
    }

    /// S2AP\[1:0\], bits\[7:6\].
    pub const fn s2ap(&self) -> u8 {
        ((self.descriptor.bits() >> 6) & 0b11) as u8
    }

    /// Whether stage 2 allows data reads (S2AP\[0\]).
    pub const fn readable(&self) -> bool {
        self.descriptor.bits() & S2AP_READ != 0
    }

    /// Whether stage 2 allows data writes (S2AP\[1\]).
    pub const fn writable(&self) -> bool {
        self.descriptor.bits() & S2AP_WRITE != 0
    }

    /// XN\[1:0\], bits\[54:53\].
    pub const fn xn(&self) -> u8 {
        let bits = self.descriptor.bits();
        (((bits & S2_XN) != 0) as u8) << 1 | ((bits & S2_XN0) != 0) as u8
    }

    /// Whether stage 2 allows instruction fetches from EL1, read with FEAT_XNX (D8.4,
    /// "Stage 2 instruction execution permissions"): XN\[1:0\] = 0b00 or 0b11. Without
    /// FEAT_XNX XN\[0\] is RES0 and only XN\[1\] = 0 allows; the builder never sets
    /// XN\[0\], so both readings agree on its tables.
    pub const fn executable_el1(&self) -> bool {
        matches!(self.xn(), 0b00 | 0b11)
    }

    /// Whether stage 2 allows instruction fetches from EL0, read with FEAT_XNX:
    /// XN\[1:0\] = 0b00 or 0b01.
    pub const fn executable_el0(&self) -> bool {
        matches!(self.xn(), 0b00 | 0b01)
    }

    /// Whether stage 2 allows instruction fetches from both EL1 and EL0 (XN\[1:0\] =
    /// 0b00).
    pub const fn executable(&self) -> bool {
        self.xn() == 0
    }

    /// The stage 2 permissions where they fit a [`Perms`] ([`Perms::X`] for
    /// execute-only; `None` for no access or write-only), execution as EL1 sees it.
    pub const fn perms(&self) -> Option<Perms> {
        perms_of(self.readable(), self.writable(), self.executable_el1())
    }

    /// The Access flag.
    pub const fn af(&self) -> bool {
        self.descriptor.af()
    }

    /// The Contiguous hint.
    pub const fn contiguous(&self) -> bool {
        self.descriptor.contiguous()
    }

    /// SH\[1:0\] in effect: the descriptor's bits\[9:8\], or with `DS` = 1 (whose
    /// descriptors hold OA\[51:50\] there) `VTCR_EL2.SH0`.
    pub const fn sh(&self) -> u8 {
        if self.params.format.ds() {
            self.params.sh0
        } else {
            self.descriptor.sh()
        }
    }

    /// The shareability [`sh`](Self::sh) gives; `None` for the reserved 0b01.
    pub const fn shareability(&self) -> Option<Shareability> {
        shareability_of(self.sh())
    }
}

/// A stage 2 translation in memory: the image holding its tables, where the image lies
/// in PA, and the registers that load it.
#[derive(Clone, Copy, Debug)]
pub struct Stage2Tables<'a> {
    /// The table image: bytes (little-endian descriptors) from
    /// [`image_pa`](Self::image_pa).
    pub image: &'a [u8],
    /// The PA of the image's first byte.
    pub image_pa: u64,
    /// `VTCR_EL2`.
    pub vtcr: u64,
    /// `VTTBR_EL2`.
    pub vttbr: u64,
    /// The PE's physical address size in bits (PAMax); `None`: the size `VTCR_EL2.PS`
    /// selects.
    pub pa_max: Option<u8>,
}

impl<'a> Stage2Tables<'a> {
    /// The tables in `image` (at `image_pa`) loaded with `vtcr` and `vttbr`, on a PE
    /// whose PAMax is the PA size `VTCR_EL2.PS` selects.
    pub const fn new(image: &'a [u8], image_pa: u64, vtcr: u64, vttbr: u64) -> Self {
        Stage2Tables {
            image,
            image_pa,
            vtcr,
            vttbr,
            pa_max: None,
        }
    }

    /// The same tables on a PE whose physical address size is `pa_max` bits (32 to 52),
    /// which decides the start levels allowed and the largest IPA size.
    pub const fn with_pa_max(self, pa_max: u8) -> Self {
        Stage2Tables {
            pa_max: Some(pa_max),
            ..self
        }
    }

    /// The walk parameters `VTCR_EL2` gives, or why it is invalid
    /// ([`Stage2Params::from_vtcr`]).
    pub fn params(&self) -> Result<Stage2Params, WalkFault> {
        Stage2Params::from_vtcr(self.vtcr, self.pa_max)
    }

    /// Walks stage 2 for `ipa` ([`walk_stage2`]).
    pub fn walk(&self, ipa: u64) -> Result<Stage2Walk, WalkFault> {
        self.walk_with(self.params()?, ipa)
    }

    /// [`walk`](Self::walk) with the `VTCR_EL2` already decoded, for walks that
    /// translate many IPAs (every stage 1 table read of a two-stage walk).
    fn walk_with(&self, params: Stage2Params, ipa: u64) -> Result<Stage2Walk, WalkFault> {
        if ipa >> params.ipa_bits != 0 {
            return Err(WalkFault::IpaOutOfRange {
                ipa,
                ipa_bits: params.ipa_bits,
            });
        }
        let root = regs::ttbr_baddr(self.vttbr, params.format.oa52);
        let mut read = ImageReader {
            image: self.image,
            base_pa: self.image_pa,
            va: ipa,
        };
        let leaf = lookup(
            &mut read,
            root,
            params.format,
            params.start_level,
            params.ipa_bits,
            ipa,
            ipa,
        )?;
        let vmid = super::stage2::vttbr_vmid(self.vttbr);
        Ok(Stage2Walk {
            ipa,
            pa: leaf.oa,
            level: leaf.level,
            params,
            descriptor: leaf.descriptor,
            vmid: if params.vmid16 { vmid } else { vmid & 0xFF },
        })
    }
}

/// Walks a stage 2 table image for `ipa` as the MMU would with `VTCR_EL2` = `vtcr` and
/// `VTTBR_EL2` = `vttbr` loaded (`HCR_EL2.VM` = 1, FEAT_S2FWB off), on a PE whose
/// physical address size is the one `VTCR_EL2.PS` selects ([`Stage2Tables`] for
/// another).
///
/// `image` holds the tables (little-endian descriptors) laid out from `image_pa`. The
/// walk reads from `VTCR_EL2` (DDI 0487, D19 "VTCR_EL2"; [`Stage2Params::from_vtcr`]):
///
/// * the granule (`TG0`), the IPA size `64 - T0SZ` and the start level (`SL0`, and
///   `SL2` with `DS` = 1 for level -1 with 4 KiB); invalid combinations are faults;
/// * the descriptor format: with 4 KiB and 16 KiB, `DS` = 1 selects FEAT_LPA2's 52-bit
///   format (OA\[51:50\] in bits\[9:8\], shareability from `SH0`); with 64 KiB, `PS` =
///   0b110 selects FEAT_LPA's (OA\[51:48\] in bits\[15:12\]).
///
/// The root is at `VTTBR_EL2.BADDR` (bits\[47:1\], and with a 52-bit format
/// BADDR\[51:48\] in bits\[5:2\]; CnP ignored) and may be up to 16 concatenated tables:
/// the root index takes every IPA bit above the start level's shift, and the root must
/// be aligned to its total size ([`WalkFault::MisalignedTable`]). Table descriptors
/// carry no attributes at stage 2 (bits\[63:59\] are RES0 and ignored).
///
/// Faults: [`WalkFault::IpaOutOfRange`], [`WalkFault::Translation`] (invalid or
/// reserved descriptor, with its level), [`WalkFault::OutsideImage`] and the
/// configuration faults of [`Stage2Params::from_vtcr`].
pub fn walk_stage2(
    image: &[u8],
    image_pa: u64,
    vtcr: u64,
    vttbr: u64,
    ipa: u64,
) -> Result<Stage2Walk, WalkFault> {
    Stage2Tables::new(image, image_pa, vtcr, vttbr).walk(ipa)
}

// ---------------------------------------------------------------------------------------
// Two stages.
// ---------------------------------------------------------------------------------------

/// A VM's stage 1 translation (EL1&0 regime) in memory: the image holding its tables,
/// where the image lies in PA, and the guest's registers, whose table addresses
/// (`TTBR0_EL1`, `TTBR1_EL1`, table descriptors) are IPAs.
#[derive(Clone, Copy, Debug)]
pub struct Stage1Tables<'a> {
    /// The table image: bytes from [`image_pa`](Self::image_pa).
    pub image: &'a [u8],
    /// The PA of the image's first byte (stage 2 maps the tables' IPAs to it).
    pub image_pa: u64,
    /// `TCR_EL1`.
    pub tcr: u64,
    /// `TTBR0_EL1` (BADDR an IPA).
    pub ttbr0: u64,
    /// `TTBR1_EL1` (BADDR an IPA).
    pub ttbr1: u64,
    /// `MAIR_EL1`.
    pub mair: u64,
}

/// Why a two-stage walk failed, and at which stage.
///
/// Not exhaustive: match with a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TwoStageFault {
    /// Stage 1 faulted (the fault gives its level).
    Stage1(WalkFault),
    /// Stage 2 faulted translating the IPA of a stage 1 table descriptor (a fault on
    /// the stage 1 table walk: `ESR_EL2.ISS.S1PTW` = 1).
    Stage2TableWalk {
        /// The VA walked.
        va: u64,
        /// The level of the stage 1 table being read.
        s1_level: i8,
        /// The IPA of the descriptor read.
        ipa: u64,
        /// The stage 2 fault (its level is stage 2's).
        fault: WalkFault,
    },
    /// Stage 2 faulted translating the IPA stage 1 output.
    Stage2 {
        /// The VA walked.
        va: u64,
        /// The IPA stage 1 gave.
        ipa: u64,
        /// The stage 2 fault (its level is stage 2's).
        fault: WalkFault,
    },
}

impl TwoStageFault {
    /// The stage that faulted: 1 or 2.
    pub const fn stage(&self) -> u8 {
        match self {
            TwoStageFault::Stage1(_) => 1,
            _ => 2,
        }
    }

    /// The fault of the stage that faulted.
    pub const fn fault(&self) -> WalkFault {
        match *self {
            TwoStageFault::Stage1(f)
            | TwoStageFault::Stage2TableWalk { fault: f, .. }
            | TwoStageFault::Stage2 { fault: f, .. } => f,
        }
    }

    /// The level of the faulting lookup in the stage that faulted ([`WalkFault::level`]).
    pub const fn level(&self) -> Option<i8> {
        self.fault().level()
    }

    /// Whether stage 2 faulted on a stage 1 table read (S1PTW).
    pub const fn on_table_walk(&self) -> bool {
        matches!(self, TwoStageFault::Stage2TableWalk { .. })
    }
}

impl From<WalkFault> for TwoStageFault {
    fn from(f: WalkFault) -> Self {
        TwoStageFault::Stage1(f)
    }
}

impl fmt::Display for TwoStageFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TwoStageFault::Stage1(fault) => write!(f, "stage 1: {fault}"),
            TwoStageFault::Stage2TableWalk {
                va,
                s1_level,
                ipa,
                fault,
            } => write!(
                f,
                "stage 2, reading the level {s1_level} stage 1 table for VA {} at IPA {}: \
                 {fault}",
                crate::model::Hex::from(*va),
                crate::model::Hex::from(*ipa)
            ),
            TwoStageFault::Stage2 { va, ipa, fault } => write!(
                f,
                "stage 2, for VA {} (IPA {}): {fault}",
                crate::model::Hex::from(*va),
                crate::model::Hex::from(*ipa)
            ),
        }
    }
}

impl core::error::Error for TwoStageFault {}

/// Reads stage 1 descriptors at IPAs: stage 2 translates each, then the stage 1 image
/// is read at the PA.
struct ThroughStage2<'s, 'a> {
    /// The stage 1 image.
    stage1: &'s Stage1Tables<'a>,
    /// Stage 2.
    stage2: &'s Stage2Tables<'a>,
    /// Stage 2's `VTCR_EL2`, decoded once for every read.
    params: Result<Stage2Params, WalkFault>,
    /// The VA walked.
    va: u64,
}

impl ReadDescriptor<TwoStageFault> for ThroughStage2<'_, '_> {
    fn read(&mut self, addr: u64, level: i8, table: u64) -> Result<Descriptor, TwoStageFault> {
        let on_walk = |fault| TwoStageFault::Stage2TableWalk {
            va: self.va,
            s1_level: level,
            ipa: addr,
            fault,
        };
        let s2 = self
            .params
            .and_then(|params| self.stage2.walk_with(params, addr))
            .map_err(on_walk)?;
        if !s2.readable() {
            return Err(on_walk(WalkFault::Permission {
                va: addr,
                level: s2.level,
            }));
        }
        read_at(self.stage1.image, self.stage1.image_pa, s2.pa).ok_or(TwoStageFault::Stage1(
            WalkFault::OutsideImage {
                va: self.va,
                level,
                table_pa: s2.pa.wrapping_sub(addr.wrapping_sub(table)),
            },
        ))
    }
}

/// A successful two-stage translation: VA -> IPA (stage 1) -> PA (stage 2), with the
/// combined attributes.
///
/// Not exhaustive: read its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TwoStageWalk {
    /// The VA translated.
    pub va: u64,
    /// The IPA stage 1 gave.
    pub ipa: u64,
    /// The PA stage 2 gave.
    pub pa: u64,
    /// The stage 1 walk (its `pa` is the IPA; its attribute byte is from the guest's
    /// `MAIR_EL1`).
    pub stage1: Walk,
    /// The stage 2 walk of the IPA.
    pub stage2: Stage2Walk,
}

impl TwoStageWalk {
    /// The size of the region around the VA both stages map alike: the smaller of the
    /// two leaves.
    pub const fn block_size(&self) -> u64 {
        let (a, b) = (self.stage1.block_size(), self.stage2.block_size());
        if a < b { a } else { b }
    }

    /// The combined memory type ([`MemoryKind::combine`]): Device at either stage wins;
    /// for Normal memory the weaker cacheability. `None` when either stage's encoding
    /// is reserved or not modelled.
    pub const fn memory_kind(&self) -> Option<MemoryKind> {
        match (
            MemoryKind::from_attr_byte(self.stage1.attr),
            self.stage2.memory_kind(),
        ) {
            (Some(a), Some(b)) => Some(MemoryKind::combine(a, b)),
            _ => None,
        }
    }

    /// The combined memory type as a [`MemoryType`], where it is one.
    pub const fn memory_type(&self) -> Option<MemoryType> {
        match self.memory_kind() {
            Some(k) => k.memory_type(),
            None => None,
        }
    }

    /// Whether the access is to Device memory (Device at either stage).
    pub const fn is_device(&self) -> bool {
        crate::aarch64::mair::attr_is_device(self.stage1.attr) || self.stage2.is_device()
    }

    /// The combined shareability (D8.5; as QEMU's `combine_cacheattrs`): Outer if
    /// either stage says Outer, else Inner if either says Inner, else Non-shareable;
    /// Device and Normal Inner and Outer Non-cacheable memory are Outer Shareable
    /// whatever the stages say. `None` if either stage holds the reserved 0b01 (and the
    /// type is not one that is always Outer).
    pub const fn shareability(&self) -> Option<Shareability> {
        let always_outer = match self.memory_kind() {
            Some(MemoryKind::Device(_)) => true,
            Some(MemoryKind::Normal { outer, inner }) => {
                cache_rank(outer) == 0 && cache_rank(inner) == 0
            }
            None => false,
        };
        if always_outer {
            return Some(Shareability::Outer);
        }
        match (
            shareability_of(self.stage1.sh()),
            shareability_of(self.stage2.sh()),
        ) {
            (Some(Shareability::Outer), Some(_)) | (Some(_), Some(Shareability::Outer)) => {
                Some(Shareability::Outer)
            }
            (Some(Shareability::Inner), Some(_)) | (Some(_), Some(Shareability::Inner)) => {
                Some(Shareability::Inner)
            }
            (Some(_), Some(_)) => Some(Shareability::NonShareable),
            _ => None,
        }
    }

    /// Whether EL1 may read: stage 1 always lets EL1 read, so stage 2's S2AP\[0\].
    pub const fn readable(&self) -> bool {
        self.stage2.readable()
    }

    /// Whether EL1 may write: both stages allow it.
    pub const fn writable(&self) -> bool {
        self.stage1.writable() && self.stage2.writable()
    }

    /// Whether EL1 may execute: stage 1 ([`Walk::executable`]: not PXN, not writable at
    /// EL0) and stage 2 for EL1 ([`Stage2Walk::executable_el1`]) both allow it.
    pub const fn executable(&self) -> bool {
        self.stage1.executable() && self.stage2.executable_el1()
    }

    /// Whether EL0 may read: stage 1 gives EL0 read access and stage 2 allows reads.
    pub const fn readable_el0(&self) -> bool {
        self.stage1.readable_el0() && self.stage2.readable()
    }

    /// Whether EL0 may write: both stages allow it.
    pub const fn writable_el0(&self) -> bool {
        self.stage1.writable_el0() && self.stage2.writable()
    }

    /// Whether EL0 may execute: stage 1 (not UXN) and stage 2 for EL0
    /// ([`Stage2Walk::executable_el0`]) both allow it.
    pub const fn executable_el0(&self) -> bool {
        self.stage1.executable_el0() && self.stage2.executable_el0()
    }

    /// EL1's combined permissions where they fit a [`Perms`] (`None` for no access or
    /// write without read).
    pub const fn perms(&self) -> Option<Perms> {
        perms_of(self.readable(), self.writable(), self.executable())
    }

    /// EL0's combined permissions where they fit a [`Perms`] ([`Perms::X`] for
    /// execute-only; `None` for no access or write without read).
    pub const fn el0_perms(&self) -> Option<Perms> {
        perms_of(
            self.readable_el0(),
            self.writable_el0(),
            self.executable_el0(),
        )
    }
}

/// Walks both stages of the Non-secure EL1&0 regime for `va`, as the MMU does for an
/// access from EL1 or EL0 with `HCR_EL2.VM` = 1 (DDI 0487 D8.2, "Stage 2 translation";
/// pseudocode `AArch64.FullTranslate`, `AArch64.S1Walk`, `AArch64.S2Translate`).
///
/// Stage 1 reads `stage1`'s `TCR_EL1`, `TTBR0_EL1` and `TTBR1_EL1` as
/// [`walk_registers`](super::walk_registers) does for the EL1&0 regime, except that
/// every table address (the TTBR's BADDR and each table descriptor's next-level
/// address) is an IPA: each descriptor read is first translated by `stage2`
/// ([`Stage2Tables::walk`]), which must map it with read permission, and the descriptor
/// is read from `stage1.image` at the PA that gives. The stage 1 leaf's output IPA is then translated by stage 2.
///
/// Faults say which stage faulted and at which level: [`TwoStageFault::Stage1`] (stage
/// 1's faults, as [`walk_registers`](super::walk_registers)'s;
/// [`WalkFault::OutsideImage`] when stage 2 maps a table outside `stage1.image`, with
/// the table's PA), [`TwoStageFault::Stage2TableWalk`]
/// (stage 2 faulted on a stage 1 table read, or forbids reading it:
/// [`WalkFault::Permission`]) and [`TwoStageFault::Stage2`] (stage 2 faulted on the
/// output IPA).
pub fn walk_two_stages(
    stage1: &Stage1Tables<'_>,
    stage2: &Stage2Tables<'_>,
    va: u64,
) -> Result<TwoStageWalk, TwoStageFault> {
    let regs = Stage1Regs {
        regime: Regime::El10,
        tcr: stage1.tcr,
        ttbr0: stage1.ttbr0,
        ttbr1: stage1.ttbr1,
        mair: stage1.mair,
    };
    let params = stage2.params();
    let mut read = ThroughStage2 {
        stage1,
        stage2,
        params,
        va,
    };
    let s1 = walk_stage1_with(&mut read, &regs, va)?;
    let s2 = params
        .and_then(|p| stage2.walk_with(p, s1.pa))
        .map_err(|fault| TwoStageFault::Stage2 {
            va,
            ipa: s1.pa,
            fault,
        })?;
    Ok(TwoStageWalk {
        va,
        ipa: s1.pa,
        pa: s2.pa,
        stage1: s1,
        stage2: s2,
    })
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::aarch64::hand::{BLOCK, Hand, TABLE};
    use crate::aarch64::stage2::vttbr;
    use crate::aarch64::stage2::{
        S2_MEMATTR_DEVICE_GRE, S2_MEMATTR_DEVICE_NGNRE, S2_MEMATTR_DEVICE_NGNRNE,
        S2_MEMATTR_NORMAL_NC, S2_MEMATTR_NORMAL_WB, S2_MEMATTR_NORMAL_WT, S2AP_MASK, VTCR_RES1_31,
    };

    /// AF.
    const AF: u64 = 1 << 10;
    /// SH = Inner Shareable.
    const SH: u64 = 0b11 << 8;
    /// A read/write Normal Write-Back stage 2 leaf's attributes.
    const RW_WB: u64 = AF | S2AP_MASK | (S2_MEMATTR_NORMAL_WB as u64) << 2 | SH;

    const fn fmt(granule: Granule, oa52: bool) -> Format {
        Format { granule, oa52 }
    }

    /// `VTCR_EL2` for `granule`, an `ipa_bits` IPA space, SL0 `sl0`, PS `ps`, and
    /// optionally DS and SL2.
    fn vtcr(granule: Granule, ipa_bits: u8, sl0: u64, ps: u64, ds: bool, sl2: bool) -> u64 {
        (64 - ipa_bits as u64)
            | sl0 << VTCR_SL0_SHIFT
            | granule.tg0() << VTCR_TG0_SHIFT
            | ps << VTCR_PS_SHIFT
            | VTCR_RES1_31
            | 0b11 << 12
            | if ds { VTCR_DS } else { 0 }
            | if sl2 { VTCR_SL2 } else { 0 }
    }

    impl Hand {
        fn walk_s2(&self, vtcr: u64, ipa: u64) -> Result<Stage2Walk, WalkFault> {
            walk_stage2(&self.bytes, self.base, vtcr, vttbr(self.base, 7), ipa)
        }
    }

    /// For each granule, a root of 2 and of 16 concatenated tables: the root index takes
    /// the extra IPA bits, the last entry of the last table resolves, and the root must
    /// be aligned to the whole concatenation.
    #[test]
    fn concatenated_roots_of_2_and_16_tables_at_each_granule() {
        // (granule, SL0, start level, IPA bits for 2 tables, for 16 tables)
        let cases = [
            (Granule::Size4K, 0b01, 1, 40, 43),
            (Granule::Size16K, 0b01, 2, 37, 40),
            (Granule::Size64K, 0b01, 2, 43, 46),
            (Granule::Size4K, 0b00, 2, 31, 34),
            (Granule::Size16K, 0b00, 3, 26, 29),
            (Granule::Size64K, 0b00, 3, 30, 33),
        ];
        for (granule, sl0, level, ipa2, ipa16) in cases {
            for (ipa_bits, n) in [(ipa2, 2usize), (ipa16, 16)] {
                let format = fmt(granule, false);
                // 16 tables of 64 KiB is 1 MiB: the base is aligned to that.
                let mut h = Hand::new(0x4000_0000, format, n);
                let entries = n * granule.entries();
                let size = granule.level_size(level);
                let out = 0x8_0000_0000;
                // The first entry of the second table and the last entry of the last.
                h.leaf(0, granule.entries(), level, out, RW_WB);
                h.leaf(0, entries - 1, level, out + size, RW_WB);
                let v = vtcr(granule, ipa_bits, sl0, 0b101, false, false);
                let p = Stage2Params::from_vtcr(v, None).unwrap();
                assert_eq!(
                    (p.start_level, p.root_tables(), p.root_bytes()),
                    (level, n, n as u64 * granule.bytes()),
                    "{granule} {ipa_bits}"
                );
                let ipa = granule.entries() as u64 * size + 0x1238;
                let w = h.walk_s2(v, ipa).unwrap();
                assert_eq!(
                    (w.pa, w.level),
                    (out + 0x1238, level),
                    "{granule} {ipa_bits}"
                );
                assert_eq!(w.block_size(), size);
                let top = (1u64 << ipa_bits) - 8;
                let w = h.walk_s2(v, top).unwrap();
                assert_eq!(
                    w.pa,
                    out + size + (top & (size - 1)),
                    "{granule} {ipa_bits}"
                );
                assert_eq!(w.vmid, 7);
                assert_eq!(
                    h.walk_s2(v, 1 << ipa_bits),
                    Err(WalkFault::IpaOutOfRange {
                        ipa: 1 << ipa_bits,
                        ipa_bits
                    })
                );
                assert_eq!(
                    h.walk_s2(v, size),
                    Err(WalkFault::Translation { va: size, level })
                );
                // A root aligned to one table but not to the concatenation.
                let one = h.base + granule.bytes();
                assert_eq!(
                    walk_stage2(&h.bytes, h.base, v, vttbr(one, 0), 0),
                    Err(WalkFault::MisalignedTable {
                        va: 0,
                        level,
                        table_pa: one,
                        align: n as u64 * granule.bytes()
                    }),
                    "{granule} {ipa_bits}"
                );
            }
        }
    }

    #[test]
    fn a_concatenated_root_leads_to_lower_tables() {
        // 4K, 40-bit IPAs: two level 1 tables, then level 2 and 3.
        let mut h = Hand::new(0x4000_0000, Format::DEFAULT, 4);
        h.link(0, 700, 2);
        h.link(2, 5, 3);
        h.leaf(3, 9, 3, 0x1234_5000, RW_WB);
        h.leaf(2, 6, 2, 0x4560_0000, RW_WB);
        let v = vtcr(Granule::Size4K, 40, 0b01, 0b010, false, false);
        let ipa = 700 << 30 | 5 << 21 | 9 << 12 | 0xABC;
        let w = h.walk_s2(v, ipa).unwrap();
        assert_eq!((w.pa, w.level, w.block_size()), (0x1234_5ABC, 3, 4096));
        let w = h.walk_s2(v, 700 << 30 | 6 << 21 | 0x1_2345).unwrap();
        assert_eq!((w.pa, w.level), (0x4561_2345, 2));
        // The same table read with the 16K granule is another walk, never a panic.
        let v16 = vtcr(Granule::Size16K, 40, 0b01, 0b010, false, false);
        let _ = walk_stage2(&h.bytes, h.base, v16, vttbr(h.base, 0), ipa);
        // Tables outside the image.
        h.link(2, 7, 9);
        assert_eq!(
            h.walk_s2(v, 700 << 30 | 7 << 21),
            Err(WalkFault::OutsideImage {
                va: 700 << 30 | 7 << 21,
                level: 3,
                table_pa: h.pa(9)
            })
        );
        // Bits 63:59 of a table descriptor (RES0 at stage 2) carry no attributes.
        h.put(
            2,
            5,
            h.format.encode_address(h.pa(3)) | TABLE | 0b11111 << 59,
        );
        assert_eq!(h.walk_s2(v, ipa).map(|w| w.pa), Ok(0x1234_5ABC));
    }

    /// 4K with DS = 1: SL2 = 1 and SL0 = 0b00 start at level -1 (16 entries for 52 IPA
    /// bits); OA[51:50] sit in bits 9:8, the shareability comes from VTCR_EL2.SH0, and
    /// VTTBR_EL2 holds BADDR[51:48] in bits 5:2.
    #[test]
    fn level_minus_1_with_ds() {
        let f = fmt(Granule::Size4K, true);
        let base = 0x000D_0000_8000_0000;
        let mut h = Hand::new(base, f, 3);
        h.link(0, 15, 1);
        assert_eq!(h.bytes[15 * 8 + 1] & 0b11, 0b11, "OA[51:50] of the table");
        // A 512 GiB level 0 block above 2^48.
        let block = 0x000A_0280_0000_0000;
        h.leaf(
            1,
            3,
            0,
            block,
            AF | S2AP_MASK | (S2_MEMATTR_NORMAL_WB as u64) << 2,
        );
        let v = vtcr(Granule::Size4K, 52, 0b00, 0b110, true, true);
        let p = Stage2Params::from_vtcr(v, None).unwrap();
        assert_eq!(
            (p.start_level, p.root_tables(), p.root_bytes()),
            (-1, 1, 128)
        );
        let ipa = 0xF << 48 | 3 << 39 | 0x12_3456_789A;
        let w = h.walk_s2(v, ipa).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (block + 0x12_3456_789A, 0, 1 << 39)
        );
        assert_eq!(w.format(), f);
        assert_eq!(w.sh(), 0b11, "VTCR_EL2.SH0, not the descriptor's OA bits");
        assert_eq!(w.descriptor.sh(), 0b10);
        assert_eq!(w.shareability(), Some(Shareability::Inner));
        // Level -1 holds tables only.
        h.put(0, 1, BLOCK | AF);
        assert_eq!(
            h.walk_s2(v, 1 << 48),
            Err(WalkFault::Translation {
                va: 1 << 48,
                level: -1
            })
        );
        // 52 IPA bits may also start at level 0 with 16 concatenated tables.
        let v0 = vtcr(Granule::Size4K, 52, 0b10, 0b110, true, false);
        let p = Stage2Params::from_vtcr(v0, None).unwrap();
        assert_eq!((p.start_level, p.root_tables()), (0, 16));
        // The root is 128 bytes: 64-byte alignment is not enough.
        assert_eq!(
            walk_stage2(&h.bytes, base, v, vttbr(base + 64, 0), 0),
            Err(WalkFault::MisalignedTable {
                va: 0,
                level: -1,
                table_pa: base + 64,
                align: 128
            })
        );
        // Level -1 needs a 52-bit PAMax; SL2 = 1 needs SL0 = 0b00.
        let pa48 = vtcr(Granule::Size4K, 52, 0b00, 0b101, true, true);
        let e = Stage2Params::from_vtcr(pa48, None).unwrap_err();
        assert_eq!(
            e,
            WalkFault::Stage2IpaSize {
                ipa_bits: 52,
                max: 48
            }
        );
        let e = Stage2Tables::new(&h.bytes, base, v, 0)
            .with_pa_max(48)
            .walk(0)
            .unwrap_err();
        assert_eq!(
            e,
            WalkFault::Stage2IpaSize {
                ipa_bits: 52,
                max: 48
            }
        );
        let v49 = vtcr(Granule::Size4K, 49, 0b00, 0b110, true, true);
        assert!(Stage2Params::from_vtcr(v49, None).is_ok());
        let e = Stage2Params::from_vtcr(v49, Some(50)).unwrap_err();
        let s = alloc::format!("{e}");
        assert!(s.contains("at least 52 bits, not 50"), "{s}");
        let bad = vtcr(Granule::Size4K, 52, 0b01, 0b110, true, true);
        let e = Stage2Params::from_vtcr(bad, None).unwrap_err();
        assert!(matches!(
            e,
            WalkFault::Stage2StartLevel {
                sl0: 0b01,
                sl2: true,
                ..
            }
        ));
        assert!(alloc::format!("{e}").contains("reserved"));
        // Without DS, SL2 is RES0: SL0 = 0b00 is level 2, and 52 bits are too many.
        let no_ds = vtcr(Granule::Size4K, 52, 0b00, 0b110, false, true);
        assert_eq!(
            Stage2Params::from_vtcr(no_ds, None),
            Err(WalkFault::Stage2IpaSize {
                ipa_bits: 52,
                max: 48
            })
        );
    }

    #[test]
    fn sixteen_k_ds_and_sixty_four_k_lpa_start_levels() {
        // 16K with DS: SL0 = 0b11 is level 0 (2 entries for 48 bits, up to 32 at 52).
        let v = vtcr(Granule::Size16K, 52, 0b11, 0b110, true, false);
        let p = Stage2Params::from_vtcr(v, None).unwrap();
        assert_eq!(
            (p.start_level, p.root_tables(), p.format.oa52),
            (0, 1, true)
        );
        let f = fmt(Granule::Size16K, true);
        let mut h = Hand::new(0x4000_0000, f, 2);
        h.link(0, 31, 1);
        let block = 0x0004_0070_0000_0000;
        h.leaf(
            1,
            5,
            1,
            block,
            AF | S2AP_MASK | (S2_MEMATTR_NORMAL_WB as u64) << 2,
        );
        let ipa = 31 << 47 | 5 << 36 | 0x9_8765_4321;
        let w = h.walk_s2(v, ipa).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (block + 0x9_8765_4321, 1, 64 << 30)
        );
        // 64K with PS = 52 bits has FEAT_LPA's format: OA[51:48] in bits 15:12.
        let v = vtcr(Granule::Size64K, 52, 0b10, 0b110, false, false);
        let p = Stage2Params::from_vtcr(v, None).unwrap();
        assert_eq!(
            (p.start_level, p.root_tables(), p.format.oa52),
            (1, 1, true)
        );
        let f = fmt(Granule::Size64K, true);
        let base = 0x0003_0000_0000_0000;
        let mut h = Hand::new(base, f, 1);
        let block = 0x000F_0400_0000_0000;
        h.leaf(0, 1000, 1, block, RW_WB);
        let w = walk_stage2(&h.bytes, base, v, vttbr(base, 0), 1000 << 42 | 0x1234).unwrap();
        assert_eq!((w.pa, w.level), (block + 0x1234, 1));
        assert_eq!(w.shareability(), Some(Shareability::Inner), "LPA keeps SH");
    }

    #[test]
    fn leaf_attributes_memattr_s2ap_xn() {
        // Tables 0 and 1 are the concatenated root; 2 a level 2 table, 3 a level 3 one.
        let mut h = Hand::new(0x4000_0000, Format::DEFAULT, 4);
        h.link(0, 100, 2);
        h.link(2, 0, 3);
        let v = vtcr(Granule::Size4K, 40, 0b01, 0b010, false, false);
        let attr = |m: u8| (m as u64) << 2;
        let cases: [(u64, Option<MemoryKind>); 8] = [
            (
                attr(S2_MEMATTR_DEVICE_NGNRNE),
                Some(MemoryKind::Device(DeviceType::nGnRnE)),
            ),
            (
                attr(S2_MEMATTR_DEVICE_NGNRE),
                Some(MemoryKind::Device(DeviceType::nGnRE)),
            ),
            (
                attr(S2_MEMATTR_DEVICE_GRE),
                Some(MemoryKind::Device(DeviceType::GRE)),
            ),
            (
                attr(S2_MEMATTR_NORMAL_WB),
                Some(MemoryKind::normal(Cacheability::WriteBack)),
            ),
            (
                attr(S2_MEMATTR_NORMAL_WT),
                Some(MemoryKind::normal(Cacheability::WriteThrough)),
            ),
            (
                attr(S2_MEMATTR_NORMAL_NC),
                Some(MemoryKind::normal(Cacheability::NonCacheable)),
            ),
            (
                attr(0b1101),
                Some(MemoryKind::Normal {
                    outer: Cacheability::WriteBack,
                    inner: Cacheability::NonCacheable,
                }),
            ),
            (attr(0b0100), None),
        ];
        for (i, (a, kind)) in cases.iter().enumerate() {
            h.leaf(0, i, 1, (i as u64) << 30, AF | S2AP_MASK | a);
            let w = h.walk_s2(v, (i as u64) << 30).unwrap();
            assert_eq!(w.memory_kind(), *kind, "{i}");
            assert_eq!(w.is_device(), i < 3, "{i}");
        }
        assert_eq!(
            h.walk_s2(v, 1 << 30).unwrap().memory_type(),
            Some(MemoryType::DeviceNGnRE)
        );
        assert_eq!(h.walk_s2(v, 6 << 30).unwrap().memory_type(), None);
        // S2AP: none, read-only, write-only, read/write; XN[1:0] read with FEAT_XNX.
        let perms = [
            (0b00, 0b00, Some(Perms::X), (false, false, true, true)),
            (0b01, 0b10, Some(Perms::R), (true, false, false, false)),
            (0b10, 0b01, None, (false, true, false, true)),
            (0b11, 0b11, Some(Perms::RWX), (true, true, true, false)),
            (0b01, 0b00, Some(Perms::RX), (true, false, true, true)),
        ];
        for (i, (s2ap, xn, p, (r, w_, x1, x0))) in perms.into_iter().enumerate() {
            let d = AF | s2ap << 6 | xn << 53 | attr(S2_MEMATTR_NORMAL_WB) | SH;
            h.leaf(3, i, 3, 0x9000_0000 + ((i as u64) << 12), d);
            let ipa = 100 << 30 | (i as u64) << 12 | 0x10;
            let w = h.walk_s2(v, ipa).unwrap();
            assert_eq!((w.s2ap(), w.xn()), (s2ap as u8, xn as u8));
            assert_eq!(
                (
                    w.readable(),
                    w.writable(),
                    w.executable_el1(),
                    w.executable_el0()
                ),
                (r, w_, x1, x0),
                "{i}"
            );
            assert_eq!(w.executable(), xn == 0);
            assert_eq!(w.perms(), p, "{i}");
            assert_eq!(w.pa, 0x9000_0010 + ((i as u64) << 12));
            assert!(w.af() && !w.contiguous());
        }
        // The Access flag is reported, not faulted on.
        h.leaf(0, 200, 1, 0, S2AP_MASK);
        assert!(!h.walk_s2(v, 200 << 30).unwrap().af());
        // Level 3 type 0b01 is reserved.
        h.put(3, 20, 0x1 | AF);
        assert_eq!(
            h.walk_s2(v, 100 << 30 | 20 << 12),
            Err(WalkFault::Translation {
                va: 100 << 30 | 20 << 12,
                level: 3
            })
        );
    }

    #[test]
    fn invalid_vtcr_configurations_fault() {
        use Granule::*;
        let sl = |granule, sl0, ipa_bits, pa_max, ds| WalkFault::Stage2StartLevel {
            granule,
            sl0,
            sl2: false,
            ds,
            ipa_bits,
            pa_max,
        };
        let check = |v: u64, pa_max: Option<u8>| Stage2Params::from_vtcr(v, pa_max);
        // Reserved TG0 and PS.
        let v = vtcr(Size4K, 40, 0b01, 0b010, false, false);
        assert_eq!(
            check(v | VTCR_TG0_MASK, None),
            Err(WalkFault::ReservedGranule {
                tg: 0b11,
                upper: false
            })
        );
        assert_eq!(
            check(v | VTCR_PS_MASK, None),
            Err(WalkFault::ReservedPaSize { ps: 0b111 })
        );
        // T0SZ: 24 IPA bits (T0SZ 40) are too few without FEAT_TTST; more than PAMax,
        // or 48 without DS, too many.
        assert_eq!(
            check(vtcr(Size4K, 24, 0b00, 0b010, false, false), None),
            Err(WalkFault::Stage2IpaSize {
                ipa_bits: 24,
                max: 40
            })
        );
        assert_eq!(
            check(vtcr(Size4K, 42, 0b01, 0b010, false, false), None),
            Err(WalkFault::Stage2IpaSize {
                ipa_bits: 42,
                max: 40
            })
        );
        assert!(check(vtcr(Size4K, 42, 0b01, 0b010, false, false), Some(48)).is_ok());
        assert_eq!(
            check(vtcr(Size16K, 49, 0b11, 0b110, false, false), None),
            Err(WalkFault::Stage2IpaSize {
                ipa_bits: 49,
                max: 48
            })
        );
        // S2InvalidSL: 4K SL0 = 0b11 (FEAT_TTST); 4K level 0 with PAMax < 44; 16K
        // level 1 with PAMax < 42 and level 0 without DS; 64K SL0 = 0b11 and level 1
        // with PAMax < 44.
        let cases = [
            (
                vtcr(Size4K, 25, 0b11, 0b010, false, false),
                None,
                Size4K,
                0b11,
                25,
                40,
                false,
            ),
            (
                vtcr(Size4K, 40, 0b10, 0b010, false, false),
                None,
                Size4K,
                0b10,
                40,
                40,
                false,
            ),
            (
                vtcr(Size16K, 40, 0b10, 0b010, false, false),
                None,
                Size16K,
                0b10,
                40,
                40,
                false,
            ),
            (
                vtcr(Size16K, 48, 0b11, 0b101, false, false),
                None,
                Size16K,
                0b11,
                48,
                48,
                false,
            ),
            (
                vtcr(Size64K, 42, 0b11, 0b011, false, false),
                None,
                Size64K,
                0b11,
                42,
                42,
                false,
            ),
            (
                vtcr(Size64K, 42, 0b10, 0b011, false, false),
                None,
                Size64K,
                0b10,
                42,
                42,
                false,
            ),
            // S2InconsistentSL: 4K level 2 reaches 34 bits at most, level 1 needs 31;
            // 16K level 3 29; 64K level 2 needs 30.
            (
                vtcr(Size4K, 35, 0b00, 0b010, false, false),
                None,
                Size4K,
                0b00,
                35,
                40,
                false,
            ),
            (
                vtcr(Size4K, 30, 0b01, 0b010, false, false),
                None,
                Size4K,
                0b01,
                30,
                40,
                false,
            ),
            (
                vtcr(Size16K, 30, 0b00, 0b010, false, false),
                None,
                Size16K,
                0b00,
                30,
                40,
                false,
            ),
            (
                vtcr(Size64K, 29, 0b01, 0b010, false, false),
                None,
                Size64K,
                0b01,
                29,
                40,
                false,
            ),
            (
                vtcr(Size4K, 39, 0b10, 0b101, false, false),
                None,
                Size4K,
                0b10,
                39,
                48,
                false,
            ),
        ];
        for (v, pa_max, g, sl0, ipa_bits, pa, ds) in cases {
            let e = check(v, pa_max).unwrap_err();
            assert_eq!(e, sl(g, sl0, ipa_bits, pa, ds), "{v:#x}");
            assert_eq!(e.level(), Some(0));
            let s = alloc::format!("{e}");
            assert!(s.contains("; ") && !s.contains('\n'), "{s}");
            // The walk reports it before reading anything.
            assert_eq!(walk_stage2(&[], 0, v, 0, 0), Err(e));
        }
        // The same encodings are valid where the architecture allows them.
        assert!(check(vtcr(Size4K, 40, 0b10, 0b010, false, false), Some(44)).is_ok());
        assert!(check(vtcr(Size16K, 40, 0b10, 0b010, false, false), Some(42)).is_ok());
        assert!(check(vtcr(Size16K, 48, 0b11, 0b101, true, false), None).is_ok());
        assert!(check(vtcr(Size64K, 44, 0b10, 0b100, false, false), None).is_ok());
        assert!(check(vtcr(Size4K, 34, 0b00, 0b010, false, false), None).is_ok());
        assert!(check(vtcr(Size4K, 40, 0b10, 0b101, false, false), None).is_ok());
        for f in [
            WalkFault::ReservedPaSize { ps: 7 },
            WalkFault::Stage2IpaSize {
                ipa_bits: 24,
                max: 40,
            },
            WalkFault::IpaOutOfRange {
                ipa: 1 << 40,
                ipa_bits: 40,
            },
            WalkFault::Permission { va: 0, level: 1 },
        ] {
            let s = alloc::format!("{f}");
            assert!(s.contains("; ") && !s.contains('\n'), "{s}");
        }
        assert_eq!(WalkFault::ReservedPaSize { ps: 7 }.level(), None);
    }

    #[test]
    fn ipa_sizes_each_start_level_translates() {
        use Granule::*;
        for (g, level, range) in [
            (Size4K, 3, (13, 25)),
            (Size4K, 2, (22, 34)),
            (Size4K, 1, (31, 43)),
            (Size4K, 0, (40, 52)),
            (Size4K, -1, (49, 61)),
            (Size16K, 3, (15, 29)),
            (Size16K, 2, (26, 40)),
            (Size16K, 1, (37, 51)),
            (Size16K, 0, (48, 62)),
            (Size64K, 3, (17, 33)),
            (Size64K, 2, (30, 46)),
            (Size64K, 1, (43, 59)),
        ] {
            assert_eq!(ipa_bits_range(g, level), range, "{g} {level}");
        }
    }

    #[test]
    fn memory_kinds_combine() {
        use Cacheability::*;
        let dev = |d| MemoryKind::Device(d);
        let n = MemoryKind::normal;
        let c = MemoryKind::combine;
        assert_eq!(c(n(WriteBack), dev(DeviceType::GRE)), dev(DeviceType::GRE));
        assert_eq!(
            c(dev(DeviceType::nGRE), n(WriteBack)),
            dev(DeviceType::nGRE)
        );
        assert_eq!(
            c(dev(DeviceType::nGnRE), dev(DeviceType::nGnRnE)),
            dev(DeviceType::nGnRnE)
        );
        assert_eq!(
            c(dev(DeviceType::GRE), dev(DeviceType::nGRE)),
            dev(DeviceType::nGRE)
        );
        assert_eq!(c(n(WriteBack), n(WriteThrough)), n(WriteThrough));
        assert_eq!(c(n(NonCacheable), n(WriteBack)), n(NonCacheable));
        assert_eq!(
            c(
                MemoryKind::Normal {
                    outer: WriteBack,
                    inner: NonCacheable
                },
                MemoryKind::Normal {
                    outer: WriteThrough,
                    inner: WriteBack
                }
            ),
            MemoryKind::Normal {
                outer: WriteThrough,
                inner: NonCacheable
            }
        );
        for t in MemoryType::ALL {
            let k = MemoryKind::from_attr_byte(t.attr_byte()).unwrap();
            assert_eq!((k, k.memory_type()), (MemoryKind::of(t), Some(t)));
        }
        assert_eq!(MemoryKind::from_attr_byte(0x01), None);
        assert_eq!(MemoryKind::from_attr_byte(0x80), None);
        assert_eq!(MemoryKind::from_attr_byte(0xF0), Some(n(WriteBack)));
        assert_eq!(
            MemoryKind::from_attr_byte(0x4F),
            Some(MemoryKind::Normal {
                outer: NonCacheable,
                inner: WriteBack
            })
        );
        assert_eq!(
            MemoryKind::from_attr_byte(0x7A),
            Some(MemoryKind::Normal {
                outer: WriteBack,
                inner: WriteThrough
            })
        );
    }

    /// The guest's `MAIR_EL1`: index 0 Normal Write-Back, 1 Device-nGnRE, 2 Normal
    /// Non-cacheable (other than the crate's MAIR, to show the walk reads this one).
    const GUEST_MAIR: u64 = 0x44_04FF;

    /// A VM: a stage 2 image (4K, 40-bit IPAs, two concatenated level 1 tables, at PA
    /// 0x4000_0000) and a stage 1 image at PA 0x8000_0000 that the VM sees at IPA
    /// 0x4000_0000 (39-bit VAs, level 1 root, then a level 2 and a level 3 table).
    struct Vm {
        s2: Hand,
        s1: Hand,
        vtcr: u64,
        tcr: u64,
    }

    const S1_IPA: u64 = 0x4000_0000;
    const S1_PA: u64 = 0x8000_0000;

    impl Vm {
        fn new() -> Vm {
            let mut s2 = Hand::new(0x4000_0000, Format::DEFAULT, 4);
            // IPA 1 GiB (stage 1 tables) -> PA 2 GiB, read-only Normal WB.
            let ro = AF | 0b01 << 6 | (S2_MEMATTR_NORMAL_WB as u64) << 2 | SH;
            s2.leaf(0, 1, 1, S1_PA, ro | S2_XN);
            // IPA 4 GiB -> PA 8 GiB, read/write Normal Write-Through, executable at EL1
            // only (XN[1:0] = 0b11).
            let wt = AF | S2AP_MASK | (S2_MEMATTR_NORMAL_WT as u64) << 2 | SH | 0b11 << 53;
            s2.leaf(0, 4, 1, 0x2_0000_0000, wt);
            // IPA 5 GiB: a level 2 table with a 2 MiB Device-nGnRE block at its
            // entry 0 (-> PA 0x0A00_0000), not executable.
            s2.link(0, 5, 2);
            let dev = AF | S2AP_MASK | (S2_MEMATTR_DEVICE_NGNRE as u64) << 2 | S2_XN;
            s2.leaf(2, 0, 2, 0x0A00_0000, dev);

            let mut s1 = Hand::new(S1_PA, Format::DEFAULT, 3);
            // Stage 1 descriptors hold IPAs.
            let ipa_of = |t: u64| S1_IPA + t * 4096;
            s1.put(0, 0, ipa_of(1) | TABLE);
            s1.put(1, 0, ipa_of(2) | TABLE);
            // VA 0x1000: EL1 read/write page (AttrIndx 0, WB), PXN and UXN, IPA 4 GiB.
            let el1_rw = AF | SH | 0b11 << 53;
            s1.put(2, 1, 0x1_0000_0000 | TABLE | el1_rw);
            // VA 0x2000: EL0 read/write/execute page (AP = 0b01, UXN = 0, PXN), IPA
            // 4 GiB + 0x5000.
            s1.put(2, 2, 0x1_0000_5000 | TABLE | AF | SH | 0b01 << 6 | 1 << 53);
            // VA 0x3000: EL1 read-only executable page at IPA 4 GiB + 0x3000.
            s1.put(2, 3, 0x1_0000_3000 | TABLE | AF | SH | 0b10 << 6 | 1 << 54);
            // VA 2 MiB: a 2 MiB block, AttrIndx 0 (WB), to the Device IPA 5 GiB.
            s1.put(1, 1, 0x1_4000_0000 | BLOCK | el1_rw);
            // VA 4 MiB: a 2 MiB block to IPA 6 GiB, which stage 2 does not map.
            s1.put(1, 2, 0x1_8000_0000 | BLOCK | el1_rw);
            // VA 6 MiB: a 2 MiB Non-cacheable (AttrIndx 2) block to IPA 4 GiB + 2 MiB.
            s1.put(1, 3, 0x1_0020_0000 | BLOCK | el1_rw | 2 << 2);
            // T0SZ = 25 (39 bits), 4K, SH0 inner, EPD1, IPS = 40 bits.
            let tcr = 25 | 0b11 << 12 | 1 << 23 | 0b010 << 32;
            Vm {
                s2,
                s1,
                vtcr: vtcr(Granule::Size4K, 40, 0b01, 0b010, false, false),
                tcr,
            }
        }

        fn walk(&self, va: u64) -> Result<TwoStageWalk, TwoStageFault> {
            let s1 = Stage1Tables {
                image: &self.s1.bytes,
                image_pa: S1_PA,
                tcr: self.tcr,
                ttbr0: S1_IPA,
                ttbr1: 0,
                mair: GUEST_MAIR,
            };
            let s2 = Stage2Tables::new(
                &self.s2.bytes,
                self.s2.base,
                self.vtcr,
                vttbr(self.s2.base, 3),
            );
            walk_two_stages(&s1, &s2, va)
        }
    }

    #[test]
    fn two_stages_with_stage_1_tables_at_an_ipa_other_than_their_pa() {
        let mut vm = Vm::new();
        let w = vm.walk(0x1234).unwrap();
        assert_eq!((w.va, w.ipa, w.pa), (0x1234, 0x1_0000_0234, 0x2_0000_0234));
        assert_eq!((w.stage1.level, w.stage2.level), (3, 1));
        assert_eq!(w.block_size(), 4096);
        // Stage 1 Write-Back, stage 2 Write-Through: Write-Through.
        assert_eq!(w.memory_type(), Some(MemoryType::NormalWriteThrough));
        assert_eq!(w.shareability(), Some(Shareability::Inner));
        assert!(
            w.readable() && w.writable() && !w.executable(),
            "UXN, EL1 data"
        );
        assert_eq!((w.perms(), w.el0_perms()), (Some(Perms::RW), None));
        // EL1 read-only executable page: stage 2 allows EL1 execution (XN = 0b11).
        let w = vm.walk(0x3010).unwrap();
        assert_eq!(w.pa, 0x2_0000_3010);
        assert_eq!(w.perms(), Some(Perms::RX));
        // EL0 RWX at stage 1; stage 2 forbids EL0 execution: EL0 gets RW.
        let w = vm.walk(0x2008).unwrap();
        assert_eq!(w.pa, 0x2_0000_5008);
        assert!(w.stage1.executable_el0() && !w.executable_el0());
        assert_eq!(w.el0_perms(), Some(Perms::RW));
        assert!(!w.executable(), "EL0-writable memory never executes at EL1");
        // Normal WB at stage 1, Device-nGnRE at stage 2: Device, not executable.
        let w = vm.walk(0x20_0000 + 0x44).unwrap();
        assert_eq!((w.ipa, w.pa), (0x1_4000_0044, 0x0A00_0044));
        assert_eq!(w.memory_type(), Some(MemoryType::DeviceNGnRE));
        assert!(w.is_device() && !w.executable());
        assert_eq!(w.shareability(), Some(Shareability::Outer));
        assert_eq!(w.block_size(), 2 << 20);
        // Stage 1 Non-cacheable (guest MAIR index 2) over stage 2 Write-Through.
        let w = vm.walk(0x60_0000).unwrap();
        assert_eq!(w.memory_type(), Some(MemoryType::NormalNonCacheable));
        assert_eq!(w.shareability(), Some(Shareability::Outer));

        // Stage 1 faults: an unmapped VA, a VA out of range.
        assert_eq!(
            vm.walk(0x5000),
            Err(TwoStageFault::Stage1(WalkFault::Translation {
                va: 0x5000,
                level: 3
            }))
        );
        let e = vm.walk(1 << 39).unwrap_err();
        assert_eq!(
            (e.stage(), e.level(), e.on_table_walk()),
            (1, Some(0), false)
        );
        // Stage 2 fault on the output IPA.
        let e = vm.walk(0x40_0000).unwrap_err();
        assert_eq!(
            e,
            TwoStageFault::Stage2 {
                va: 0x40_0000,
                ipa: 0x1_8000_0000,
                fault: WalkFault::Translation {
                    va: 0x1_8000_0000,
                    level: 1
                }
            }
        );
        assert_eq!((e.stage(), e.level()), (2, Some(1)));
        let s = alloc::format!("{e}");
        assert!(s.starts_with("stage 2") && s.contains("level 1"), "{s}");

        // A stage 1 table at an IPA stage 2 does not map: a stage 2 fault on the walk.
        vm.s1.put(0, 0, 0xC000_0000 | TABLE);
        let e = vm.walk(0x1234).unwrap_err();
        assert_eq!(
            e,
            TwoStageFault::Stage2TableWalk {
                va: 0x1234,
                s1_level: 2,
                ipa: 0xC000_0000,
                fault: WalkFault::Translation {
                    va: 0xC000_0000,
                    level: 1
                }
            }
        );
        assert!(e.on_table_walk() && e.stage() == 2);
        // The root itself: TTBR0_EL1 at an unmapped IPA faults at stage 1 level 1.
        let mut s1 = Stage1Tables {
            image: &vm.s1.bytes,
            image_pa: S1_PA,
            tcr: vm.tcr,
            ttbr0: 0x3000_0000,
            ttbr1: 0,
            mair: GUEST_MAIR,
        };
        let s2 = Stage2Tables::new(&vm.s2.bytes, vm.s2.base, vm.vtcr, vttbr(vm.s2.base, 0));
        assert!(matches!(
            walk_two_stages(&s1, &s2, 0x1234),
            Err(TwoStageFault::Stage2TableWalk {
                s1_level: 1,
                ipa: 0x3000_0000,
                ..
            })
        ));
        // A table stage 2 maps outside the stage 1 image: the walker cannot read it.
        s1.ttbr0 = 0x1_0000_0000;
        assert_eq!(
            walk_two_stages(&s1, &s2, 0x1234),
            Err(TwoStageFault::Stage1(WalkFault::OutsideImage {
                va: 0x1234,
                level: 1,
                table_pa: 0x2_0000_0000
            }))
        );

        // Stage 2 forbids reading the tables (S2AP = 0b00): a permission fault on the
        // walk, at the stage 2 leaf's level.
        let mut vm = Vm::new();
        vm.s2
            .leaf(0, 1, 1, S1_PA, AF | (S2_MEMATTR_NORMAL_WB as u64) << 2);
        let e = vm.walk(0x1234).unwrap_err();
        assert_eq!(
            e,
            TwoStageFault::Stage2TableWalk {
                va: 0x1234,
                s1_level: 1,
                ipa: S1_IPA,
                fault: WalkFault::Permission {
                    va: S1_IPA,
                    level: 1
                }
            }
        );
        assert!(alloc::format!("{e}").contains("S2AP[0] = 0"));
        // An invalid VTCR_EL2 faults on the first table read.
        vm.vtcr = vtcr(Granule::Size4K, 40, 0b00, 0b010, false, false);
        let e = vm.walk(0x1234).unwrap_err();
        assert!(e.on_table_walk() && e.level() == Some(0), "{e:?}");
    }
}

/// Property tests against the builder: random VMs' stage 2 tables, every page walked
/// from the register values alone.
#[cfg(all(test, feature = "alloc"))]
mod proptests {
    use super::*;
    use crate::aarch64::{TableConfig, Translation, build};
    use crate::model::{ExecutionContext, MemAttrs, Page, PageKind, PageSize, TableInfo};
    use alloc::collections::BTreeSet;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    /// One page of a random VM: its slot (IPA = slot × slot size), whether it is a
    /// level 2 block, and indices of its kind, permissions, cacheability and Device type.
    type PageSpec = (u64, bool, u8, u8, u8, u8);

    #[derive(Clone, Debug)]
    struct Vm {
        granule: Granule,
        ipa_bits: u8,
        pa_bits: u8,
        vmid: u16,
        pages: Vec<PageSpec>,
    }

    /// log2 of the slot a page sits in: the level 2 block size when the IPA space
    /// holds at least two blocks, else the granule.
    fn slot_shift(granule: Granule, ipa_bits: u8) -> u32 {
        let block = granule.level_shift(2);
        if ipa_bits as u32 > block {
            block
        } else {
            granule.shift()
        }
    }

    fn vm() -> impl Strategy<Value = Vm> {
        (
            0..3usize,
            prop::sample::select(alloc::vec![40u8, 44, 48, 52]),
            any::<u16>(),
        )
            .prop_flat_map(|(g, pa_bits, vmid)| {
                (
                    Just(Granule::ALL[g]),
                    VA_BITS_MIN..=pa_bits,
                    Just(pa_bits),
                    Just(vmid),
                )
            })
            .prop_flat_map(|(granule, ipa_bits, pa_bits, vmid)| {
                let slots = 1u64 << (ipa_bits as u32 - slot_shift(granule, ipa_bits));
                let page = (0..slots, any::<bool>(), 0..3u8, 0..5u8, 0..3u8, 0..4u8);
                (
                    Just(granule),
                    Just(ipa_bits),
                    Just(pa_bits),
                    Just(vmid),
                    prop::collection::vec(page, 1..12),
                )
            })
            .prop_map(|(granule, ipa_bits, pa_bits, vmid, pages)| Vm {
                granule,
                ipa_bits,
                pa_bits,
                vmid,
                pages,
            })
    }

    /// The VM's pages (IPA, PA, size, attributes), one per slot, and its table.
    fn built(vm: &Vm) -> (Vec<(u64, u64, u64, MemAttrs)>, Translation) {
        let info = TableInfo::new("vm", 0, ExecutionContext::EL1_NS);
        let shift = slot_shift(vm.granule, vm.ipa_bits);
        let mut used = BTreeSet::new();
        let mut specs = Vec::new();
        for (i, &(slot, block, kind, perms, cache, dev)) in vm.pages.iter().enumerate() {
            if !used.insert(slot) {
                continue;
            }
            let size = if block && shift == vm.granule.level_shift(2) {
                1u64 << shift
            } else {
                vm.granule.bytes()
            };
            let kind = [PageKind::Code, PageKind::Data, PageKind::Device][kind as usize];
            let perms = match (kind, perms) {
                (PageKind::Device, p) => [Perms::R, Perms::RW][p as usize % 2],
                (_, p) => [Perms::R, Perms::RW, Perms::RX, Perms::RWX, Perms::X][p as usize],
            };
            let cache = [
                Cacheability::NonCacheable,
                Cacheability::WriteThrough,
                Cacheability::WriteBack,
            ][cache as usize];
            let device = [
                DeviceType::nGnRnE,
                DeviceType::nGnRE,
                DeviceType::nGRE,
                DeviceType::GRE,
            ][dev as usize];
            let attrs = MemAttrs::new(kind)
                .with_perms(perms)
                .with_cache(cache)
                .with_device(device);
            // PAs from 4 GiB, one slot apart, in page order.
            let pa = (1u64 << 32) + ((i as u64) << shift);
            specs.push((slot << shift, pa, size, attrs));
        }
        let pages: Vec<Page> = specs
            .iter()
            .map(|&(ipa, pa, size, a)| {
                let size = PageSize::from_bytes(size).unwrap();
                Page::new("p", 0, &info, ipa, pa, size, a, false, Vec::new())
            })
            .collect();
        let config = TableConfig::DEFAULT
            .with_granule(vm.granule)
            .with_va_bits(vm.ipa_bits)
            .with_pa_bits(vm.pa_bits)
            .with_vmid(Some(vm.vmid));
        let t = build(&info, &pages, 0x4000_0000, &config).unwrap();
        (specs, t)
    }

    /// For every granule, PA size and IPA size the builder accepts, the walker accepts
    /// its `VTCR_EL2` (on a PE of that PA size, and of 52 bits) and reads the same
    /// start level, concatenated roots and format.
    #[test]
    fn the_walker_accepts_every_vtcr_the_builder_writes() {
        let info = TableInfo::new("vm", 0, ExecutionContext::EL1_NS);
        let mut built = 0;
        for granule in Granule::ALL {
            for pa_bits in regs::PA_BITS {
                for ipa_bits in VA_BITS_MIN..=VA_BITS_52 {
                    let config = TableConfig::DEFAULT
                        .with_granule(granule)
                        .with_va_bits(ipa_bits)
                        .with_pa_bits(pa_bits)
                        .with_vmid(Some(300));
                    let Ok(t) = build(&info, [], 0x4000_0000, &config) else {
                        continue;
                    };
                    built += 1;
                    let what = alloc::format!("{granule} IPA {ipa_bits} PA {pa_bits}");
                    for pa_max in [None, Some(52)] {
                        let p = Stage2Params::from_vtcr(t.vtcr(), pa_max)
                            .unwrap_or_else(|e| panic!("{what}: {e}"));
                        assert_eq!(
                            (
                                p.start_level,
                                p.root_tables(),
                                p.format,
                                p.ipa_bits,
                                p.pa_bits
                            ),
                            (
                                t.root_level(),
                                t.root_tables(),
                                t.format(),
                                ipa_bits,
                                pa_bits
                            ),
                            "{what}"
                        );
                        assert!(p.vmid16, "{what}");
                    }
                    let s2 = Stage2Tables::new(t.bytes(), t.base_pa(), t.vtcr(), t.vttbr());
                    let top = (1u64 << ipa_bits) - 1;
                    assert!(
                        matches!(s2.walk(top), Err(WalkFault::Translation { .. })),
                        "{what}"
                    );
                    assert_eq!(s2.walk(top).unwrap_err().level(), Some(t.root_level()));
                }
            }
        }
        // 3 granules; IPA sizes from 25 bits to each PA size.
        assert_eq!(built, 3 * (8 + 12 + 16 + 18 + 20 + 24 + 28));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Every page's first, middle and last bytes walk, from `VTCR_EL2` and
        /// `VTTBR_EL2` alone, to their PA with the page's stage 2 permissions and
        /// memory type; the slot after an unused one faults; the walker's reading of
        /// `VTCR_EL2` agrees with the table's start level and concatenated roots.
        #[test]
        fn every_stage2_page_walks_to_its_pa(vm in vm()) {
            let (pages, t) = built(&vm);
            let regs = t.stage2_registers().unwrap();
            let p = Stage2Params::from_vtcr(regs.vtcr, None).unwrap();
            prop_assert_eq!(p.ipa_bits, vm.ipa_bits);
            prop_assert_eq!(p.start_level, t.root_level());
            prop_assert_eq!(p.root_tables(), t.root_tables());
            prop_assert_eq!(p.format, t.format());
            let s2 = Stage2Tables::new(t.bytes(), t.base_pa(), regs.vtcr, regs.vttbr);
            let starts: BTreeSet<u64> = pages.iter().map(|&(ipa, ..)| ipa).collect();
            for &(ipa, pa, size, a) in &pages {
                for off in [0, size / 2 + 8, size - 1] {
                    let w = s2.walk(ipa + off).unwrap();
                    prop_assert_eq!(w.pa, pa + off);
                    prop_assert_eq!(w.vmid, vm.vmid);
                    prop_assert!(w.af());
                    prop_assert_eq!(w.readable(), a.perms.read());
                    prop_assert_eq!(w.writable(), a.perms.write());
                    let exec = a.kind != PageKind::Device && a.perms.execute();
                    prop_assert_eq!((w.executable_el1(), w.executable_el0()), (exec, exec));
                    let kind = match a.kind {
                        PageKind::Device => MemoryKind::Device(a.device),
                        _ => MemoryKind::normal(a.cache),
                    };
                    prop_assert_eq!(w.memory_kind(), Some(kind));
                    prop_assert_eq!(t.walk(ipa + off).map(|w| w.pa), Ok(pa + off));
                }
                let next = ipa + size;
                if next >> vm.ipa_bits != 0 {
                    prop_assert_eq!(
                        s2.walk(next),
                        Err(WalkFault::IpaOutOfRange { ipa: next, ipa_bits: vm.ipa_bits })
                    );
                } else if !starts.contains(&next) {
                    // Pages are slot-aligned: none covers the byte after this one.
                    let e = s2.walk(next).unwrap_err();
                    prop_assert!(matches!(e, WalkFault::Translation { .. }), "{:?}", e);
                }
            }
        }
    }

    /// A guest of random stage 1 pages (granule `g1`) under a stage 2 (granule `g2`):
    /// the guest's table is built at IPA [`GUEST_TABLES_IPA`] and lies at PA
    /// [`GUEST_TABLES_PA`], which stage 2 maps read-only.
    #[derive(Clone, Debug)]
    struct Guest {
        g1: Granule,
        g2: Granule,
        /// Whether the guest's table is an EL0 (user) table rather than an EL1 one.
        user: bool,
        /// (VA slot, stage 1 kind and permissions, stage 1 and 2 cacheability or
        /// Device type, stage 2 permissions)
        pages: Vec<(u64, u8, u8, u8, u8, u8)>,
    }

    const GUEST_TABLES_IPA: u64 = 0x4000_0000;
    const GUEST_TABLES_PA: u64 = 0x8000_0000;
    const GUEST_IPA: u64 = 0x1_0000_0000;
    const HOST_PA: u64 = 0x2_0000_0000;

    fn guest() -> impl Strategy<Value = Guest> {
        let page = (0..1u64 << 20, 0..4u8, 0..3u8, 0..4u8, 0..5u8, 0..3u8);
        (
            0..3usize,
            0..3usize,
            any::<bool>(),
            prop::collection::vec(page, 1..10),
        )
            .prop_map(|(a, b, user, pages)| Guest {
                g1: Granule::ALL[a],
                g2: Granule::ALL[b],
                user,
                pages,
            })
    }

    const CACHES: [Cacheability; 3] = [
        Cacheability::NonCacheable,
        Cacheability::WriteThrough,
        Cacheability::WriteBack,
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Every guest page walks through both stages to the PA stage 2 gives its IPA,
        /// every stage 1 table read going through stage 2; the combined permissions are
        /// both stages' and the memory type is [`MemoryKind::combine`] of the two.
        #[test]
        fn two_stages_of_built_tables(g in guest()) {
            let unit = g.g1.bytes().max(g.g2.bytes());
            let el1 = TableInfo::new("guest", 0, ExecutionContext::EL1_NS);
            let el0 = TableInfo::new("user", 0, ExecutionContext::EL0_NS);
            let mut used = BTreeSet::new();
            // (VA, IPA, stage 1 attributes, user page, stage 2 attributes)
            let mut specs = Vec::new();
            for &(slot, k1, c1, c2, p2, d2) in &g.pages {
                if !used.insert(slot) {
                    continue;
                }
                let k = specs.len() as u64;
                let user = g.user;
                let (kind, perms) = match k1 {
                    0 => (PageKind::Code, Perms::RX),
                    1 => (PageKind::Data, Perms::RW),
                    2 => (PageKind::Data, Perms::R),
                    _ => (PageKind::Device, Perms::RW),
                };
                let a1 = MemAttrs::new(kind).with_perms(perms).with_cache(CACHES[c1 as usize]);
                let kind2 = if d2 == 0 { PageKind::Device } else { PageKind::Code };
                let perms2 = match (kind2, p2) {
                    (PageKind::Device, p) => [Perms::R, Perms::RW][p as usize % 2],
                    (_, p) => [Perms::R, Perms::RW, Perms::RX, Perms::RWX, Perms::X][p as usize],
                };
                let a2 = MemAttrs::new(kind2)
                    .with_perms(perms2)
                    .with_cache(CACHES[c2 as usize % 3])
                    .with_device(DeviceType::nGRE);
                specs.push((slot * unit, GUEST_IPA + k * unit, a1, user, a2));
            }
            // The guest's stage 1 table, built at its IPA.
            let s1_pages: Vec<Page> = specs
                .iter()
                .map(|&(va, ipa, a, _, _)| {
                    let info = if g.user { &el0 } else { &el1 };
                    let size = PageSize::from_bytes(g.g1.bytes()).unwrap();
                    Page::new("p", 0, info, va, ipa, size, a, false, Vec::new())
                })
                .collect();
            let s1_config = TableConfig::DEFAULT
                .with_granule(g.g1)
                .with_va_bits(39)
                .with_pa_bits(40);
            let info = if g.user { &el0 } else { &el1 };
            let s1 = build(info, &s1_pages, GUEST_TABLES_IPA, &s1_config).unwrap();
            // Stage 2: the guest's tables (read-only) and its pages' IPAs.
            let vm = TableInfo::new("vm", 0, ExecutionContext::EL1_NS);
            let s2_size = PageSize::from_bytes(g.g2.bytes()).unwrap();
            let mut s2_pages = Vec::new();
            let tables = (s1.bytes().len() as u64).div_ceil(g.g2.bytes());
            let ro = MemAttrs::new(PageKind::Data).with_perms(Perms::R);
            for i in 0..tables {
                let off = i * g.g2.bytes();
                s2_pages.push(Page::new(
                    "t", 0, &vm, GUEST_TABLES_IPA + off, GUEST_TABLES_PA + off, s2_size, ro,
                    false, Vec::new(),
                ));
            }
            for (k, &(_, ipa, _, _, a2)) in specs.iter().enumerate() {
                for j in 0..unit / g.g2.bytes() {
                    let off = j * g.g2.bytes();
                    let pa = HOST_PA + (k as u64) * unit + off;
                    s2_pages.push(Page::new(
                        "p", 0, &vm, ipa + off, pa, s2_size, a2, false, Vec::new(),
                    ));
                }
            }
            let s2_config = TableConfig::DEFAULT
                .with_granule(g.g2)
                .with_va_bits(40)
                .with_pa_bits(40)
                .with_vmid(Some(9));
            let s2 = build(&vm, &s2_pages, 0x1000_0000, &s2_config).unwrap();
            let r2 = s2.stage2_registers().unwrap();
            let stage2 = Stage2Tables::new(s2.bytes(), s2.base_pa(), r2.vtcr, r2.vttbr);
            let stage1 = Stage1Tables {
                image: s1.bytes(),
                image_pa: GUEST_TABLES_PA,
                tcr: s1.tcr(),
                ttbr0: s1.ttbr0(),
                ttbr1: s1.ttbr1(),
                mair: s1.mair(),
            };
            for (k, &(va, ipa, a1, user, a2)) in specs.iter().enumerate() {
                for off in [0, g.g1.bytes() / 2 + 8, g.g1.bytes() - 1] {
                    let w = walk_two_stages(&stage1, &stage2, va + off).unwrap();
                    prop_assert_eq!(w.ipa, ipa + off);
                    prop_assert_eq!(w.pa, HOST_PA + (k as u64) * unit + off);
                    let k1 = match a1.kind {
                        PageKind::Device => MemoryKind::Device(a1.device),
                        _ => MemoryKind::normal(a1.cache),
                    };
                    let k2 = match a2.kind {
                        PageKind::Device => MemoryKind::Device(a2.device),
                        _ => MemoryKind::normal(a2.cache),
                    };
                    prop_assert_eq!(w.memory_kind(), Some(MemoryKind::combine(k1, k2)));
                    let x2 = a2.kind != PageKind::Device && a2.perms.execute();
                    prop_assert_eq!(w.writable(), a1.perms.write() && a2.perms.write());
                    prop_assert_eq!(w.readable(), a2.perms.read());
                    let x1 = a1.kind == PageKind::Code;
                    prop_assert_eq!(w.executable(), x1 && !user && x2);
                    prop_assert_eq!(w.executable_el0(), x1 && user && x2);
                    prop_assert_eq!(w.readable_el0(), user && a2.perms.read());
                    prop_assert_eq!(
                        w.writable_el0(),
                        user && a1.perms.write() && a2.perms.write()
                    );
                }
            }
            // An unmapped VA faults at stage 1.
            let e = walk_two_stages(&stage1, &stage2, 1 << 38).map(|w| w.pa);
            if !specs.iter().any(|s| s.0 == 1 << 38) {
                prop_assert_eq!(e.map_err(|e| e.stage()), Err(1));
            }
        }
    }
}
