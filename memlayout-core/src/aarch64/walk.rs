//! A software table walker over a translation table image.
//!
//! It follows the stage 1 lookup of DDI 0487 D8.2 "Translation process" for every
//! translation granule (4 KiB, 16 KiB and 64 KiB) and both 52-bit descriptor formats
//! (FEAT_LPA2 with `TCR_ELx.DS` = 1, FEAT_LPA with the 64 KiB granule; D8.3 "Output
//! address with 52-bit formats"), reading descriptors from the image bytes
//! (little-endian) instead of memory, and decodes the permissions with the Direct
//! permission rules of D8.4.1.2 (no hierarchical restrictions, no overlays,
//! `SCTLR_ELx.WXN` not applied). Output addresses are not checked against the physical
//! address size (no Address size faults), and the Access flag is reported, not
//! faulted on.

use core::fmt;

use super::Regime;
use super::descriptor::{Descriptor, DescriptorKind, SH_INNER, SH_NON_SHAREABLE, SH_OUTER};
use super::granule::{Format, Granule, LAST_LEVEL, VA_BITS_MIN};
use super::mair::{self, MAIR, MemoryType};
use super::regs;
use super::stage2::{S2AP_READ, S2AP_WRITE};
use super::walk_stage2::Stage2Walk;
use crate::model::{Hex, Perms, Shareability};

/// Why a walk failed.
///
/// Not exhaustive: the walker may learn more of the architecture (hierarchical
/// permissions, address size faults) and its faults, so match with a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WalkFault {
    /// The VA size is unsupported by the format (25 to [`Format::max_va_bits`]), or the
    /// root level does not match the VA size ([`Granule::root_level`]).
    BadGeometry {
        /// The root level given ([`walk_image`]); from [`walk_registers`], which derives
        /// it, the level the granule starts a range of that size at, or 0 when none.
        root_level: i8,
        /// The VA size given, or `64 - TxSZ`.
        va_bits: u8,
        /// The descriptor format of the walk.
        format: Format,
    },
    /// A TCR's granule field holds its reserved value: `TG0` = 0b11, or (`upper`)
    /// `TCR_EL1.TG1` = 0b00. Hardware then uses an IMPLEMENTATION DEFINED granule
    /// (DDI 0487, D19 "TCR_EL1", fields TG0 and TG1), so the walk cannot know which.
    ReservedGranule {
        /// The field's value.
        tg: u8,
        /// Whether the field is `TCR_EL1.TG1` (the upper range) rather than `TG0`.
        upper: bool,
    },
    /// The VA lies outside `0 .. 2^va_bits`, the range TTBR0 translates (hardware
    /// reports a level 0 translation fault).
    OutOfRange {
        /// The VA.
        va: u64,
        /// The VA size.
        va_bits: u8,
    },
    /// The VA has bit 63 set but lies below the upper range `2^64 - 2^va_bits .. 2^64`
    /// that TTBR1 translates (hardware reports a level 0 translation fault; DDI 0487
    /// D8.2.3, "The VA ranges of the translation regimes").
    UpperOutOfRange {
        /// The VA.
        va: u64,
        /// The upper range's VA size.
        va_bits: u8,
    },
    /// The VA is a lower VA but the table has no lower range (`TCR_EL1.EPD0` set).
    NoLowerRange {
        /// The VA.
        va: u64,
    },
    /// The descriptor at `level` is invalid or a reserved encoding (a translation
    /// fault): type 0b01 at level 3, or a block at a level that holds none in the
    /// format ([`Format::leaf_allowed`]; level -1 holds tables only).
    Translation {
        /// The address walked: the VA, or the IPA in a stage 2 walk.
        va: u64,
        /// The level of the faulting lookup (-1 to 3).
        level: i8,
    },
    /// A table descriptor (or the root) points outside the image, so the walk cannot
    /// read it.
    OutsideImage {
        /// The address walked: the VA, or the IPA in a stage 2 walk.
        va: u64,
        /// The level of the table that could not be read (-1 to 3).
        level: i8,
        /// The table's PA.
        table_pa: u64,
    },
    /// The root table's address (the base PA, or a TTBR's BADDR) is not a multiple of
    /// the root table's size: its entries × 8 bytes, at least 64 with a 52-bit format
    /// (DDI 0487, D19 "TTBR0_EL1", field BADDR). Next-level table addresses are always
    /// granule-aligned, as descriptors hold no lower bits.
    MisalignedTable {
        /// The address walked: the VA, or the IPA in a stage 2 walk.
        va: u64,
        /// The level of the table (the root level).
        level: i8,
        /// The table's PA.
        table_pa: u64,
        /// The alignment it needs, in bytes.
        align: u64,
    },
    /// The IPA lies outside `0 .. 2^ipa_bits`, the range stage 2 translates with
    /// `VTCR_EL2.T0SZ` (hardware reports a stage 2 level 0 translation fault; DDI 0487,
    /// pseudocode `AArch64.IPAIsOutOfRange`).
    IpaOutOfRange {
        /// The IPA.
        ipa: u64,
        /// The IPA size, `64 - VTCR_EL2.T0SZ`.
        ipa_bits: u8,
    },
    /// `VTCR_EL2.T0SZ` gives an IPA size stage 2 cannot translate: below 25 bits (T0SZ
    /// over 39; the walker models no FEAT_TTST) or above the largest the PA size allows
    /// (the PE's PAMax, and 48 bits with the 4 KiB and 16 KiB granules unless `DS` = 1);
    /// hardware reports a stage 2 level 0 translation fault (pseudocode
    /// `AArch64.S2TxSZFaults`, `AArch64.S2MinTxSZ`).
    Stage2IpaSize {
        /// The IPA size, `64 - T0SZ`.
        ipa_bits: u8,
        /// The largest IPA size allowed.
        max: u8,
    },
    /// `VTCR_EL2.SL0` (with `SL2`) selects a start level the architecture forbids, or one
    /// that cannot resolve the IPA size with at most 16 concatenated tables; hardware
    /// reports a stage 2 level 0 translation fault (pseudocode `AArch64.S2InvalidSL`
    /// and `AArch64.S2InconsistentSL`; DDI 0487 D8.2, "Concatenated translation tables
    /// for the initial stage 2 lookup").
    Stage2StartLevel {
        /// The granule (`VTCR_EL2.TG0`).
        granule: Granule,
        /// `VTCR_EL2.SL0`.
        sl0: u8,
        /// `VTCR_EL2.SL2` with `DS` = 1 (SL2 is RES0 otherwise, and read as 0).
        sl2: bool,
        /// Whether `DS` = 1.
        ds: bool,
        /// The IPA size, `64 - T0SZ`.
        ipa_bits: u8,
        /// The PE's physical address size (PAMax) the check assumed, in bits.
        pa_max: u8,
    },
    /// `VTCR_EL2.PS` (or a TCR's PS/IPS) holds the reserved value 0b111.
    ReservedPaSize {
        /// The field's value.
        ps: u8,
    },
    /// A stage 1 table read that stage 2 does not permit: the stage 2 leaf of the
    /// table's IPA has S2AP\[0\] = 0 (no read access). Only two-stage walks report it
    /// ([`walk_two_stages`](super::walk_two_stages)); otherwise permissions are reported,
    /// not checked.
    Permission {
        /// The IPA read.
        va: u64,
        /// The level of the stage 2 leaf that forbids it.
        level: i8,
    },
    /// A stage 2 walk asked of a stage 1 table
    /// ([`Translation::walk_stage2`](super::Translation::walk_stage2) of a table built
    /// without a VMID): it has no `VTCR_EL2` or `VTTBR_EL2` to walk.
    NotStage2,
}

/// The root levels a granule gives each VA size, for messages.
const fn root_levels(granule: Granule) -> &'static str {
    match granule {
        Granule::Size4K => {
            "-1 for 49 to 52 bits (DS = 1), 0 for 40 to 48, 1 for 31 to 39, \
             2 for 25 to 30"
        }
        Granule::Size16K => {
            "0 for 48 bits (to 52 with DS = 1), 1 for 37 to 47, 2 for 26 to 36, \
             3 for 25"
        }
        Granule::Size64K => "1 for 43 to 52 bits, 2 for 30 to 42, 3 for 25 to 29",
    }
}

impl fmt::Display for WalkFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalkFault::BadGeometry {
                root_level,
                va_bits,
                format,
            } => {
                let max = format.max_va_bits();
                match format.granule.root_level(*va_bits) {
                    Some(level) if *va_bits <= max => write!(
                        f,
                        "a {va_bits}-bit VA space with the {} granule starts at level \
                         {level}, not {root_level}; use the root level the VA size gives \
                         ({})",
                        format.granule,
                        root_levels(format.granule)
                    ),
                    _ if *va_bits > max && *va_bits <= 52 && !format.ds() => write!(
                        f,
                        "a {va_bits}-bit VA space needs 52-bit VAs, which the {format} \
                         does not have; use at most {max} bits, or the 52-bit format \
                         (TCR_ELx.DS = 1, FEAT_LPA2) or the 64K granule (FEAT_LVA)"
                    ),
                    _ => write!(
                        f,
                        "a {va_bits}-bit VA space is not possible with the {format}; use \
                         {VA_BITS_MIN} to {max} bits (TxSZ {} to {})",
                        64 - max,
                        64 - VA_BITS_MIN
                    ),
                }
            }
            WalkFault::ReservedGranule { tg, upper: false } => write!(
                f,
                "TCR_ELx.TG0 = {tg:#04b} is a reserved granule encoding, so the lower \
                 range's granule is unknown; write 0b00 (4 KiB), 0b10 (16 KiB) or 0b01 \
                 (64 KiB)"
            ),
            WalkFault::ReservedGranule { tg, upper: true } => write!(
                f,
                "TCR_EL1.TG1 = {tg:#04b} is a reserved granule encoding, so the upper \
                 range's granule is unknown; write 0b10 (4 KiB), 0b01 (16 KiB) or 0b11 \
                 (64 KiB), which differ from TG0's encodings"
            ),
            WalkFault::OutOfRange { va, va_bits } => write!(
                f,
                "VA {} lies outside the {va_bits}-bit range of TTBR0; only addresses \
                 below {} translate",
                Hex::from(*va),
                Hex::from(1u64 << (*va_bits).min(63))
            ),
            WalkFault::UpperOutOfRange { va, va_bits } => write!(
                f,
                "VA {} lies below the {va_bits}-bit upper range of TTBR1; only upper \
                 addresses from {} translate",
                Hex::from(*va),
                Hex::from(regs::upper_range_start(*va_bits).unwrap_or(0))
            ),
            WalkFault::NoLowerRange { va } => write!(
                f,
                "VA {} is a lower address but the table has no lower range (TCR_EL1.EPD0 \
                 is set); only upper addresses translate",
                Hex::from(*va)
            ),
            WalkFault::Translation { va, level } => write!(
                f,
                "address {} is not mapped (translation fault at level {level}); map a \
                 page there first",
                Hex::from(*va)
            ),
            WalkFault::OutsideImage {
                va,
                level,
                table_pa,
            } => write!(
                f,
                "the level {level} table for address {} is at PA {}, outside the \
                 image; pass the whole image and its base PA",
                Hex::from(*va),
                Hex::from(*table_pa)
            ),
            WalkFault::MisalignedTable {
                va,
                level,
                table_pa,
                align,
            } => write!(
                f,
                "the level {level} root table for address {} is at PA {}, not a multiple \
                 of its size {}; place the root table at an address aligned to its size",
                Hex::from(*va),
                Hex::from(*table_pa),
                Hex::from(*align)
            ),
            WalkFault::IpaOutOfRange { ipa, ipa_bits } => write!(
                f,
                "IPA {} lies outside the {ipa_bits}-bit IPA space of VTCR_EL2.T0SZ; only \
                 addresses below {} translate at stage 2",
                Hex::from(*ipa),
                Hex::from(1u64 << (*ipa_bits).min(63))
            ),
            WalkFault::Stage2IpaSize { ipa_bits, max } => write!(
                f,
                "a {ipa_bits}-bit IPA space (VTCR_EL2.T0SZ = {}) cannot be translated; use \
                 {VA_BITS_MIN} to {max} bits (T0SZ {} to {})",
                64u32.saturating_sub(*ipa_bits as u32),
                64u32.saturating_sub(*max as u32),
                64 - VA_BITS_MIN
            ),
            WalkFault::Stage2StartLevel {
                granule,
                sl0,
                sl2,
                ds,
                ipa_bits,
                pa_max,
            } => {
                write!(
                    f,
                    "VTCR_EL2.SL0 = {sl0:#04b}{} with the {granule} granule ",
                    if *sl2 { " and SL2 = 1" } else { "" }
                )?;
                match super::walk_stage2::start_level(*granule, *sl0, *sl2, *ds, *pa_max) {
                    Err(why) => write!(f, "{why}"),
                    Ok(level) => {
                        let (min, max) = super::walk_stage2::ipa_bits_range(*granule, level);
                        write!(
                            f,
                            "starts at level {level}, which translates {min} to {max} \
                             IPA bits (with up to 16 concatenated tables), not \
                             {ipa_bits}; use the start level the IPA size needs"
                        )
                    }
                }
            }
            WalkFault::ReservedPaSize { ps } => write!(
                f,
                "the PA size field PS = {ps:#05b} is a reserved encoding; write 0b000 \
                 (32 bits) to 0b110 (52 bits)"
            ),
            WalkFault::Permission { va, level } => write!(
                f,
                "IPA {} holds a stage 1 table, but its stage 2 level {level} entry does \
                 not allow reads (S2AP[0] = 0); make the VM's table memory readable at \
                 stage 2",
                Hex::from(*va)
            ),
            WalkFault::NotStage2 => f.write_str(
                "a stage 1 table has no stage 2 to walk; walk it with `Translation::walk`, \
                 or build it as a VM's stage 2 table with `TableConfig::with_vmid`",
            ),
        }
    }
}

impl WalkFault {
    /// The lookup level hardware reports for this fault, where it is a translation
    /// fault of a known level: the level of the descriptor or table for
    /// [`Translation`](Self::Translation), [`OutsideImage`](Self::OutsideImage),
    /// [`MisalignedTable`](Self::MisalignedTable) and [`Permission`](Self::Permission);
    /// 0 for addresses out of range and invalid stage 2 configurations (a level 0
    /// translation fault); `None` for register values whose effect is IMPLEMENTATION
    /// DEFINED or CONSTRAINED UNPREDICTABLE ([`BadGeometry`](Self::BadGeometry),
    /// [`ReservedGranule`](Self::ReservedGranule),
    /// [`ReservedPaSize`](Self::ReservedPaSize)), and for
    /// [`NotStage2`](Self::NotStage2), which is no walk.
    pub const fn level(&self) -> Option<i8> {
        match *self {
            WalkFault::Translation { level, .. }
            | WalkFault::OutsideImage { level, .. }
            | WalkFault::MisalignedTable { level, .. }
            | WalkFault::Permission { level, .. } => Some(level),
            WalkFault::OutOfRange { .. }
            | WalkFault::UpperOutOfRange { .. }
            | WalkFault::NoLowerRange { .. }
            | WalkFault::IpaOutOfRange { .. }
            | WalkFault::Stage2IpaSize { .. }
            | WalkFault::Stage2StartLevel { .. } => Some(0),
            WalkFault::BadGeometry { .. }
            | WalkFault::NotStage2
            | WalkFault::ReservedGranule { .. }
            | WalkFault::ReservedPaSize { .. } => None,
        }
    }
}

impl core::error::Error for WalkFault {}

/// A successful translation: where a VA goes and with which attributes.
///
/// Not exhaustive: the walker builds it and may report more of the translation; read
/// its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Walk {
    /// The VA translated.
    pub va: u64,
    /// The PA it translates to.
    pub pa: u64,
    /// The level of the block or page descriptor that resolved it (0 to 3; which levels
    /// hold blocks depends on the format: [`Format::first_block_level`]).
    pub level: i8,
    /// The descriptor format of the tables walked (granule, 52-bit output addresses).
    pub format: Format,
    /// The regime the permissions are read in.
    pub regime: Regime,
    /// The block or page descriptor.
    pub descriptor: Descriptor,
    /// The `MAIR_ELx` attribute byte AttrIndx selects.
    pub attr: u8,
    /// SH\[1:0\] in effect: the descriptor's bits\[9:8\], or with `DS` = 1 the TCR's.
    sh: u8,
}

impl Walk {
    /// The size of the block or page that resolved the VA (the granule's entry size at
    /// [`level`](Self::level)).
    pub const fn block_size(&self) -> u64 {
        self.format.granule.level_size(self.level)
    }

    /// AttrIndx: the MAIR index.
    pub const fn attr_index(&self) -> u8 {
        self.descriptor.attr_index()
    }

    /// The memory type of the attribute byte, if it is one this crate emits.
    pub const fn memory_type(&self) -> Option<MemoryType> {
        MemoryType::from_attr_byte(self.attr)
    }

    /// Whether the memory is Device memory (attribute byte with a zero high nibble).
    pub const fn is_device(&self) -> bool {
        mair::attr_is_device(self.attr)
    }

    /// SH\[1:0\] in effect: as written in the descriptor (bits\[9:8\]), or with the
    /// FEAT_LPA2 format (`DS` = 1, whose descriptors hold OA\[51:50\] there) the
    /// `TCR_ELx.SH0` or `TCR_EL1.SH1` of the range walked ([`walk_registers`]), or Inner
    /// Shareable for [`walk_image`], which has no TCR (the value the builder writes to
    /// SH0 and SH1). (DDI 0487, D8.3 "Output address with 52-bit formats".)
    pub const fn sh(&self) -> u8 {
        self.sh
    }

    /// The shareability [`sh`](Self::sh) gives; `None` for the reserved value 0b01.
    pub const fn shareability(&self) -> Option<Shareability> {
        match self.sh {
            SH_NON_SHAREABLE => Some(Shareability::NonShareable),
            SH_OUTER => Some(Shareability::Outer),
            SH_INNER => Some(Shareability::Inner),
            _ => None,
        }
    }

    /// The shareability the access gets: Outer for Device and Normal Non-cacheable
    /// memory (what `PAR_EL1.SH` reports for them), otherwise as written.
    pub const fn effective_shareability(&self) -> Option<Shareability> {
        if self.is_device() || self.attr == mair::ATTR_NORMAL_NC {
            Some(Shareability::Outer)
        } else {
            self.shareability()
        }
    }
    /// NS: the output is in the Non-secure physical address space (Secure regimes and
    /// Realm EL2), or with NSE in the Realm one (EL3).
    pub const fn ns(&self) -> bool {
        self.descriptor.ns()
    }

    /// NSE (EL3 with FEAT_RME): with [`ns`](Self::ns), the output is in the Root (NS =
    /// 0) or Realm (NS = 1) physical address space.
    pub const fn nse(&self) -> bool {
        self.descriptor.nse()
    }

    /// AP\[2:1\].
    pub const fn ap(&self) -> u8 {
        self.descriptor.ap()
    }

    /// The Access flag.
    pub const fn af(&self) -> bool {
        self.descriptor.af()
    }

    /// nG: the translation is tagged with an ASID.
    pub const fn not_global(&self) -> bool {
        self.descriptor.not_global()
    }

    /// The Contiguous hint.
    pub const fn contiguous(&self) -> bool {
        self.descriptor.contiguous()
    }

    /// Bit 54 (UXN in EL1&0, XN in EL2 and EL3).
    pub const fn xn(&self) -> bool {
        self.descriptor.xn()
    }

    /// Bit 54 read as UXN (meaningful in EL1&0).
    pub const fn uxn(&self) -> bool {
        self.descriptor.uxn()
    }

    /// Bit 53, PXN (meaningful in EL1&0; RES0 in EL2 and EL3).
    pub const fn pxn(&self) -> bool {
        self.descriptor.pxn()
    }

    /// Whether the privileged level of the regime (EL1, EL2 or EL3) may write: AP\[2\]
    /// clear; for [`Regime::Stage2`], S2AP\[1\] set.
    pub const fn writable(&self) -> bool {
        match self.regime {
            Regime::Stage2 => self.descriptor.bits() & S2AP_WRITE != 0,
            _ => !self.descriptor.read_only(),
        }
    }

    /// Whether the privileged level of the regime (EL1, EL2 or EL3) may execute: not XN
    /// in EL2 and EL3; in EL1&0 not PXN and not writable from EL0 (memory EL0 can write
    /// is never executable at EL1).
    pub const fn executable(&self) -> bool {
        match self.regime {
            Regime::El2 | Regime::El3 => !self.descriptor.xn(),
            // XN[1:0] = 0b00 or 0b11 (FEAT_XNX; XN[1] alone without it, the same for
            // tables whose XN[0] is clear).
            Regime::Stage2 => matches!((self.descriptor.bits() >> 53) & 0b11, 0b00 | 0b11),
            Regime::El10 => !self.descriptor.pxn() && !self.writable_el0(),
        }
    }

    /// Whether EL0 may read (EL1&0 regime with AP\[1\] = 1).
    pub const fn readable_el0(&self) -> bool {
        matches!(self.regime, Regime::El10) && self.descriptor.ap_el0()
    }

    /// Whether EL0 may write (EL1&0 regime with AP\[2:1\] = 0b01).
    pub const fn writable_el0(&self) -> bool {
        self.readable_el0() && !self.descriptor.read_only()
    }

    /// Whether EL0 may execute (EL1&0 regime with UXN = 0), whether or not it may read:
    /// with AP\[2:1\] = 0b10 and UXN = 0 the page is execute-only at EL0 (Arm ARM DDI
    /// 0487, D8.4.1.2.3 "Stage 1 instruction execution using Direct permissions").
    pub const fn executable_el0(&self) -> bool {
        matches!(self.regime, Regime::El10) && !self.descriptor.uxn()
    }

    /// Whether EL1 may execute: [`executable`](Self::executable) in the EL1&0 regime.
    pub const fn executable_at_el1(&self) -> bool {
        matches!(self.regime, Regime::El10) && self.executable()
    }

    /// The permissions of the privileged level of the regime (always readable at stage
    /// 1; at [`Regime::Stage2`] readable with S2AP\[0\], or [`Perms::X`] when only
    /// executable).
    pub const fn perms(&self) -> Perms {
        let read = match self.regime {
            Regime::Stage2 => self.descriptor.bits() & S2AP_READ != 0,
            _ => true,
        };
        Perms::new(read, self.writable(), self.executable())
    }

    /// The permissions of EL0: [`Perms::X`] when EL0 may execute but not read the
    /// memory (an execute-only page), `None` when it may do neither.
    pub const fn el0_perms(&self) -> Option<Perms> {
        if self.readable_el0() {
            Some(Perms::new(true, self.writable_el0(), self.executable_el0()))
        } else if self.executable_el0() {
            Some(Perms::X)
        } else {
            None
        }
    }
}

impl From<Stage2Walk> for Walk {
    /// A stage 2 walk read as a [`Walk`] of [`Regime::Stage2`] (what
    #[cfg_attr(
        feature = "alloc",
        doc = "[`Translation::walk`](super::Translation::walk)"
    )]
    #[cfg_attr(not(feature = "alloc"), doc = "`Translation::walk`")]
    /// gives for a stage 2 table): `va` is the IPA; `attr` is the [`MAIR`] byte of the
    /// memory type MemAttr encodes, or 0 (Device-nGnRnE) for one outside the fixed
    /// MAIR; the shareability is the stage 2 walk's; [`Walk::writable`],
    /// [`Walk::executable`] and [`Walk::perms`] read S2AP and XN. The stage 2 fields
    /// themselves are in [`Stage2Walk`].
    fn from(w: Stage2Walk) -> Walk {
        let attr = match w.memory_type() {
            Some(t) => t.attr_byte(),
            None => 0,
        };
        Walk {
            va: w.ipa,
            pa: w.pa,
            level: w.level,
            format: w.format(),
            regime: Regime::Stage2,
            descriptor: w.descriptor,
            attr,
            sh: w.sh(),
        }
    }
}

/// Reads the descriptor at `addr` from the image of bytes at `base_pa`, or `None` when
/// the 8 bytes lie outside it.
pub(super) fn read_at(image: &[u8], base_pa: u64, addr: u64) -> Option<Descriptor> {
    let offset = usize::try_from(addr.checked_sub(base_pa)?).ok()?;
    let bytes: [u8; 8] = image.get(offset..offset.checked_add(8)?)?.try_into().ok()?;
    Some(Descriptor::from_bits(u64::from_le_bytes(bytes)))
}

/// A reader of table descriptors for [`lookup`]: given the descriptor's address, the
/// level of its table and the table's address, the descriptor, or the fault reading it.
pub(super) trait ReadDescriptor<E> {
    /// Reads the descriptor at `addr`, entry of the level `level` table at `table`.
    fn read(&mut self, addr: u64, level: i8, table: u64) -> Result<Descriptor, E>;
}

/// Reads descriptors from an image of bytes at a base PA; a read outside it is
/// [`WalkFault::OutsideImage`] for `va`.
pub(super) struct ImageReader<'a> {
    /// The bytes.
    pub image: &'a [u8],
    /// The PA of the first byte.
    pub base_pa: u64,
    /// The address walked, for the fault.
    pub va: u64,
}

impl ReadDescriptor<WalkFault> for ImageReader<'_> {
    fn read(&mut self, addr: u64, level: i8, table: u64) -> Result<Descriptor, WalkFault> {
        read_at(self.image, self.base_pa, addr).ok_or(WalkFault::OutsideImage {
            va: self.va,
            level,
            table_pa: table,
        })
    }
}

/// What a descriptor is at `level` in `format` (DDI 0487 D8.3, "Translation table
/// descriptor formats"): bits\[1:0\] = 0b11 is a page at level 3 and a table above it;
/// 0b01 is a block where the format allows one ([`Format::leaf_allowed`]) and reserved
/// elsewhere (at level 3, at level -1, and at the levels above the first block level).
const fn kind(d: Descriptor, format: Format, level: i8) -> DescriptorKind {
    match (d.bits() & 0b11, level >= LAST_LEVEL) {
        (0b11, true) => DescriptorKind::Page,
        (0b11, false) => DescriptorKind::Table,
        (0b01, false) if format.leaf_allowed(level) => DescriptorKind::Block,
        (0b01, _) => DescriptorKind::Reserved,
        _ => DescriptorKind::Invalid,
    }
}

/// The shareability [`walk_image`] reports with `DS` = 1, where descriptors carry none:
/// Inner Shareable, the `SH0`/`SH1` value [`regs::tcr_ranges`] writes.
const SH_WITHOUT_TCR: u8 = SH_INNER;

/// Bit position of `TCR_ELx.SH0`, bits\[13:12\] (DDI 0487, D19 "TCR_EL1", "TCR_EL2",
/// "TCR_EL3").
const TCR_SH0_SHIFT: u32 = 12;

/// Bit position of `TCR_EL1.SH1`, bits\[29:28\].
const TCR_EL1_SH1_SHIFT: u32 = 28;

/// The PS / IPS value of a 52-bit physical address size, 0b110 ([`regs::PA_BITS`]).
const PS_52_BITS: u64 = 0b110;

/// Walks a table image for `va`.
///
/// `image` holds the tables laid out from `base_pa` (root table first, as
/// [`build`][build-fn] writes them, little-endian) in `format` (granule-sized tables;
/// [`Format::DEFAULT`] for 4 KiB tables with 48-bit addresses); `root_level` and
/// `va_bits` must agree as [`Granule::root_level`] says, with `va_bits` at most
/// [`Format::max_va_bits`], else [`WalkFault::BadGeometry`]; `regime` selects how the
/// permission fields read. Attribute bytes come from the fixed [`MAIR`]. With `DS` = 1
/// ([`Format::ds`]) descriptors have no SH field and the walk reports Inner Shareable,
/// the value the builder writes to `TCR_ELx.SH0` and `SH1` ([`Walk::sh`]).
///
#[cfg_attr(feature = "alloc", doc = "[build-fn]: super::build")]
#[cfg_attr(not(feature = "alloc"), doc = "[build-fn]: crate#features")]
pub fn walk_image(
    image: &[u8],
    base_pa: u64,
    format: Format,
    root_level: i8,
    va_bits: u8,
    regime: Regime,
    va: u64,
) -> Result<Walk, WalkFault> {
    if va_bits > format.max_va_bits() || format.granule.root_level(va_bits) != Some(root_level) {
        return Err(WalkFault::BadGeometry {
            root_level,
            va_bits,
            format,
        });
    }
    if va >> va_bits != 0 {
        return Err(WalkFault::OutOfRange { va, va_bits });
    }
    let range = Range {
        format,
        va_bits,
        root_level,
        sh: SH_WITHOUT_TCR,
    };
    let mut read = ImageReader { image, base_pa, va };
    walk_from(&mut read, base_pa, range, regime, MAIR, va, va)
}

/// One VA range's walk parameters, from the TCR or the caller.
#[derive(Clone, Copy)]
struct Range {
    /// The descriptor format.
    format: Format,
    /// The VA size.
    va_bits: u8,
    /// The root level (the start level).
    root_level: i8,
    /// SH\[1:0\] for the `DS` = 1 format (`TCR_ELx.SH0` or `SH1`).
    sh: u8,
}

/// The leaf a [`lookup`] ends at.
#[derive(Clone, Copy, Debug)]
pub(super) struct Leaf {
    /// The level of the block or page descriptor.
    pub level: i8,
    /// The descriptor.
    pub descriptor: Descriptor,
    /// The output address: the block's or page's address with the input's offset in it.
    pub oa: u64,
}

/// The table lookup both stages share (DDI 0487 D8.2 "Translation process"): from the
/// root table at `root` (of `root_level`, which may hold up to 16 concatenated tables
/// at stage 2: its index takes every input bit above the level's shift, below
/// `in_bits`), following table descriptors until a block or page in `format`.
/// `index_addr` is the input with the bits above the range cleared; `addr` is reported
/// in faults. The root must be aligned to its size (at least 64 bytes with a 52-bit
/// format).
pub(super) fn lookup<E: From<WalkFault>>(
    read: &mut impl ReadDescriptor<E>,
    root: u64,
    format: Format,
    root_level: i8,
    in_bits: u8,
    addr: u64,
    index_addr: u64,
) -> Result<Leaf, E> {
    let granule = format.granule;
    let root_shift = granule.level_shift(root_level);
    // The root holds 2^(in_bits - level shift) entries and is aligned to its size, at
    // least 64 bytes with a 52-bit format (BADDR[5:2] then hold address bits 51:48).
    let root_index_bits = (in_bits as u32).saturating_sub(root_shift).min(32);
    let root_bytes = 8u64 << root_index_bits;
    let align = if format.oa52 {
        root_bytes.max(64)
    } else {
        root_bytes
    };
    if !root.is_multiple_of(align) {
        return Err(WalkFault::MisalignedTable {
            va: addr,
            level: root_level,
            table_pa: root,
            align,
        }
        .into());
    }
    let mut level = root_level;
    let mut table = root;
    loop {
        let index = if level == root_level {
            let shifted = if root_shift >= 64 {
                0
            } else {
                index_addr >> root_shift
            };
            shifted & ((1u64 << root_index_bits) - 1)
        } else {
            granule.level_index(index_addr, level) as u64
        };
        let d = read.read(table.wrapping_add(index * 8), level, table)?;
        match kind(d, format, level) {
            DescriptorKind::Invalid | DescriptorKind::Reserved => {
                return Err(WalkFault::Translation { va: addr, level }.into());
            }
            DescriptorKind::Table => {
                // Next-level table addresses are granule-aligned: decoding drops the
                // bits below the granule.
                table = format.decode_address(d.bits());
                level += 1;
            }
            DescriptorKind::Block | DescriptorKind::Page => {
                let size = granule.level_size(level);
                let oa = (format.decode_address(d.bits()) & !(size - 1)) | (addr & (size - 1));
                return Ok(Leaf {
                    level,
                    descriptor: d,
                    oa,
                });
            }
        }
    }
}

/// Walks one stage 1 range from the root table at `root_pa`, indexing with `index_va`
/// (the VA with the bits above the range cleared) and reporting `va`; attribute bytes
/// come from `mair`.
#[allow(clippy::too_many_arguments)]
fn walk_from<E: From<WalkFault>>(
    read: &mut impl ReadDescriptor<E>,
    root_pa: u64,
    range: Range,
    regime: Regime,
    mair: u64,
    va: u64,
    index_va: u64,
) -> Result<Walk, E> {
    let format = range.format;
    let leaf = lookup(
        read,
        root_pa,
        format,
        range.root_level,
        range.va_bits,
        va,
        index_va,
    )?;
    let d = leaf.descriptor;
    Ok(Walk {
        va,
        pa: leaf.oa,
        level: leaf.level,
        format,
        regime,
        descriptor: d,
        attr: mair::attr_byte(mair, d.attr_index()),
        sh: if format.ds() { range.sh } else { d.sh() },
    })
}

/// The walk parameters of one range of a TCR: the granule from `tg` (TG0, or TG1 when
/// `upper`), the format from `DS` and PS / IPS, the VA size from `txsz`, the
/// shareability from `sh` (SH0 or SH1).
fn range_of(
    regime: Regime,
    tcr: u64,
    tg: u64,
    upper: bool,
    txsz: u64,
    sh: u64,
) -> Result<Range, WalkFault> {
    let granule = if upper {
        Granule::from_tg1(tg)
    } else {
        Granule::from_tg0(tg)
    };
    let Some(granule) = granule else {
        return Err(WalkFault::ReservedGranule {
            tg: tg as u8,
            upper,
        });
    };
    let (ds, ps) = match regime {
        Regime::El10 => (
            tcr & regs::TCR_EL1_DS != 0,
            (tcr & regs::TCR_EL1_IPS_MASK) >> regs::TCR_EL1_IPS_SHIFT,
        ),
        Regime::El2 | Regime::El3 | Regime::Stage2 => (
            tcr & regs::TCR_EL23_DS != 0,
            (tcr & regs::TCR_EL23_PS_MASK) >> regs::TCR_EL23_PS_SHIFT,
        ),
    };
    // DS selects FEAT_LPA2's format for the 4 KiB and 16 KiB granules only; the 64 KiB
    // granule has FEAT_LPA's whenever the physical address size is 52 bits.
    let oa52 = match granule {
        Granule::Size64K => ps == PS_52_BITS,
        Granule::Size4K | Granule::Size16K => ds,
    };
    let format = Format { granule, oa52 };
    let va_bits = 64u64.saturating_sub(txsz) as u8;
    match granule.root_level(va_bits) {
        Some(root_level) if va_bits <= format.max_va_bits() => Ok(Range {
            format,
            va_bits,
            root_level,
            sh: (sh & 0b11) as u8,
        }),
        level => Err(WalkFault::BadGeometry {
            root_level: level.unwrap_or(0),
            va_bits,
            format,
        }),
    }
}

/// Walks a table image for `va` as the MMU would with these register values loaded:
/// the regime's `TCR_ELx`, `TTBR0_ELx` and (EL1&0 only) `TTBR1_EL1`.
///
/// `image` holds the tables laid out from `image_pa` (both ranges' tables, as
/// [`build`][build-fn] writes them). In the EL1&0 regime a VA with bit 63 set goes
/// through TTBR1 (`TCR_EL1.T1SZ`, disabled by `EPD1`), any other through TTBR0 (`T0SZ`,
/// disabled by `EPD0`); EL2 (non-VHE) and EL3 have TTBR0 only (DDI 0487 D8.2.3, "The
/// VA ranges of the translation regimes"). A VA outside the ranges gives
/// [`WalkFault::OutOfRange`] (lower side, or any VA of a regime without an enabled
/// upper range), [`WalkFault::UpperOutOfRange`] or [`WalkFault::NoLowerRange`].
///
/// Each range's walk reads from the TCR (DDI 0487, D19 "TCR_EL1", "TCR_EL2",
/// "TCR_EL3"; D8.2 and D8.3):
///
/// * the granule: `TG0` (bits\[15:14\]: 0b00 4 KiB, 0b01 64 KiB, 0b10 16 KiB) for the
///   lower range, `TCR_EL1.TG1` (bits\[31:30\]: 0b10 4 KiB, 0b01 16 KiB, 0b11 64 KiB) for
///   the upper one; a reserved value gives [`WalkFault::ReservedGranule`];
/// * the descriptor format ([`Format`]): with the 4 KiB and 16 KiB granules, `DS`
///   (`TCR_EL1` bit 59, `TCR_EL2`/`TCR_EL3` bit 32) = 1 selects FEAT_LPA2's 52-bit
///   format (OA\[51:50\] in descriptor bits\[9:8\]); with the 64 KiB granule, IPS
///   (`TCR_EL1` bits\[34:32\]) or PS (`TCR_EL2`/`TCR_EL3` bits\[18:16\]) = 0b110, a 52-bit
///   physical address size, selects FEAT_LPA's (OA\[51:48\] in bits\[15:12\]). With
///   either, the TTBR holds BADDR\[51:48\] in bits\[5:2\] ([`regs::ttbr_baddr`]);
/// * the VA size `64 - TxSZ`: 25 to 48 bits, or to 52 with `DS` = 1 or the 64 KiB
///   granule; any other gives [`WalkFault::BadGeometry`];
/// * with `DS` = 1, the shareability ([`Walk::sh`]) from `SH0` (bits\[13:12\]) or
///   `TCR_EL1.SH1` (bits\[29:28\]), as descriptors then hold address bits there.
///
#[cfg_attr(feature = "alloc", doc = "[build-fn]: super::build")]
#[cfg_attr(not(feature = "alloc"), doc = "[build-fn]: crate#features")]
pub fn walk_registers(
    image: &[u8],
    image_pa: u64,
    regime: Regime,
    tcr: u64,
    ttbr0: u64,
    ttbr1: u64,
    va: u64,
) -> Result<Walk, WalkFault> {
    let mut read = ImageReader {
        image,
        base_pa: image_pa,
        va,
    };
    let regs = Stage1Regs {
        regime,
        tcr,
        ttbr0,
        ttbr1,
        mair: MAIR,
    };
    walk_stage1_with(&mut read, &regs, va)
}

/// The registers of a stage 1 walk ([`walk_registers`]'s, with the `MAIR_ELx` value the
/// attribute bytes come from).
#[derive(Clone, Copy, Debug)]
pub(super) struct Stage1Regs {
    /// The regime.
    pub regime: Regime,
    /// `TCR_ELx`.
    pub tcr: u64,
    /// `TTBR0_ELx`.
    pub ttbr0: u64,
    /// `TTBR1_EL1` (EL1&0 only).
    pub ttbr1: u64,
    /// `MAIR_ELx`.
    pub mair: u64,
}

/// [`walk_registers`] with any descriptor reader (the image's, or one that translates
/// each table address through stage 2 first) and any `MAIR_ELx`.
pub(super) fn walk_stage1_with<E: From<WalkFault>>(
    read: &mut impl ReadDescriptor<E>,
    regs: &Stage1Regs,
    va: u64,
) -> Result<Walk, E> {
    let Stage1Regs {
        regime,
        tcr,
        ttbr0,
        ttbr1,
        mair,
    } = *regs;
    let two_ranges = matches!(regime, Regime::El10);
    let upper_enabled = two_ranges && tcr & regs::TCR_EL1_EPD1 == 0;
    if va >> 63 == 1 && upper_enabled {
        let range = range_of(
            regime,
            tcr,
            (tcr & regs::TCR_EL1_TG1_MASK) >> regs::TCR_EL1_TG1_SHIFT,
            true,
            (tcr & regs::TCR_EL1_T1SZ_MASK) >> regs::TCR_EL1_T1SZ_SHIFT,
            tcr >> TCR_EL1_SH1_SHIFT,
        )?;
        let start = regs::upper_range_start(range.va_bits).unwrap_or(0);
        if va < start {
            return Err(WalkFault::UpperOutOfRange {
                va,
                va_bits: range.va_bits,
            }
            .into());
        }
        let root_pa = regs::ttbr_baddr(ttbr1, range.format.oa52);
        return walk_from(read, root_pa, range, regime, mair, va, va - start);
    }
    let range = range_of(
        regime,
        tcr,
        (tcr & regs::TCR_TG0_MASK) >> regs::TCR_TG0_SHIFT,
        false,
        (tcr & regs::TCR_T0SZ_MASK) >> regs::TCR_T0SZ_SHIFT,
        tcr >> TCR_SH0_SHIFT,
    )?;
    if va >> range.va_bits != 0 {
        return Err(WalkFault::OutOfRange {
            va,
            va_bits: range.va_bits,
        }
        .into());
    }
    if two_ranges && tcr & regs::TCR_EL1_EPD0 != 0 {
        return Err(WalkFault::NoLowerRange { va }.into());
    }
    let root_pa = regs::ttbr_baddr(ttbr0, range.format.oa52);
    walk_from(read, root_pa, range, regime, mair, va, va)
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::aarch64::hand::{BLOCK, Hand, TABLE};
    use crate::aarch64::{TableConfig, TranslationImage, build};
    use crate::model::{ExecutionContext, MemAttrs, Page, PageKind, PageSize, TableInfo};
    use alloc::vec::Vec;

    /// A hand-written EL3 image: a 39-bit VA space, so the root is level 1; entry 1 maps
    /// VA 1 GiB to PA 2 GiB as a Write-Back, read-only, executable block.
    const ROOT_ENTRY_1: u64 = 0x8000_0000 | 0b01 | (4 << 2) | (0b11 << 6) | (0b11 << 8) | (1 << 10);
    static IMAGE: TranslationImage<4096> = TranslationImage({
        let mut bytes = [0u8; 4096];
        let le = ROOT_ENTRY_1.to_le_bytes();
        let mut i = 0;
        while i < 8 {
            bytes[8 + i] = le[i];
            i += 1;
        }
        bytes
    });

    fn table(
        el: ExecutionContext,
        pages: &[(u64, u64, PageSize, MemAttrs)],
    ) -> crate::aarch64::Translation {
        let info = TableInfo::new("t", 0, el);
        let pages: Vec<Page> = pages
            .iter()
            .map(|&(va, pa, size, a)| Page::new("p", 0, &info, va, pa, size, a, false, Vec::new()))
            .collect();
        build(&info, &pages, 0x4000_0000, &TableConfig::DEFAULT).unwrap()
    }

    #[test]
    fn walks_a_const_image() {
        let w = walk_image(
            IMAGE.as_bytes(),
            0x1000,
            Format::DEFAULT,
            1,
            39,
            Regime::El3,
            0x4000_0000 + 0x1234,
        )
        .unwrap();
        assert_eq!(w.pa, 0x8000_1234);
        assert_eq!(w.level, 1);
        assert_eq!(w.block_size(), 1 << 30);
        assert_eq!(w.attr, 0xFF);
        assert_eq!(w.memory_type(), Some(MemoryType::NormalWriteBack));
        assert_eq!(w.shareability(), Some(Shareability::Inner));
        assert!(!w.writable() && w.executable() && w.af());
        assert!(!w.readable_el0() && !w.executable_el0() && !w.executable_at_el1());
        assert_eq!(w.perms(), Perms::RX);
        assert_eq!(
            walk_image(
                IMAGE.as_bytes(),
                0x1000,
                Format::DEFAULT,
                1,
                39,
                Regime::El3,
                0
            ),
            Err(WalkFault::Translation { va: 0, level: 1 })
        );
    }

    #[test]
    fn el1_and_el0_permissions() {
        let code = MemAttrs::new(PageKind::Code);
        let data = MemAttrs::new(PageKind::Data);
        let dev = MemAttrs::new(PageKind::Device);
        let pages = [
            (0x1000, 0x8000_0000, PageSize::Size4K, code),
            (0x2000, 0x8000_1000, PageSize::Size4K, data),
            (0x20_0000, 0x0900_0000 & !0x1f_ffff, PageSize::Size2M, dev),
        ];
        let k = table(ExecutionContext::EL1_NS, &pages);
        let w = k.walk(0x1000).unwrap();
        assert_eq!((w.perms(), w.el0_perms()), (Perms::RX, None));
        assert!(w.executable_at_el1() && !w.not_global() && w.uxn());
        let w = k.walk(0x2fff).unwrap();
        assert_eq!(
            (w.pa, w.perms(), w.el0_perms()),
            (0x8000_1fff, Perms::RW, None)
        );
        let w = k.walk(0x20_0000).unwrap();
        assert!(w.is_device() && !w.executable() && !w.executable_el0());
        assert_eq!(w.memory_type(), Some(MemoryType::DeviceNGnRE));
        assert_eq!(w.effective_shareability(), Some(Shareability::Outer));

        let u = table(ExecutionContext::EL0_NS, &pages);
        let w = u.walk(0x1000).unwrap();
        assert_eq!(w.el0_perms(), Some(Perms::RX));
        assert!(!w.executable() && w.executable_el0() && w.not_global());
        let w = u.walk(0x2000).unwrap();
        assert_eq!(w.el0_perms(), Some(Perms::RW));
        assert!(w.writable_el0() && w.writable() && !w.executable());
    }

    #[test]
    fn contiguous_group_pages_walk_through_each_of_their_16_leaves() {
        let data = MemAttrs::new(PageKind::Data);
        const GIB: u64 = 1 << 30;
        let pages = [
            (0x1_0000, 0x8001_0000, PageSize::Size64K, data),
            (0x200_0000, 0x8200_0000, PageSize::Size32M, data),
            (16 * GIB, 32 * GIB, PageSize::Size16G, data),
        ];
        let t = table(ExecutionContext::EL1_NS, &pages);
        for (va, pa, size, _) in pages {
            let leaf = size.bytes() / 16;
            for k in 0..16 {
                for off in [k * leaf, k * leaf + leaf / 2 + 8, k * leaf + leaf - 1] {
                    let w = t.walk(va + off).unwrap();
                    assert_eq!(
                        (w.pa, w.block_size()),
                        (pa + off, leaf),
                        "{size} + {off:#x}"
                    );
                    assert!(w.contiguous(), "{size} + {off:#x}");
                }
            }
            // The next leaf is not mapped.
            assert!(matches!(
                t.walk(va + size.bytes()),
                Err(WalkFault::Translation { .. })
            ));
        }
    }

    #[test]
    fn faults() {
        let data = MemAttrs::new(PageKind::Data);
        let t = table(
            ExecutionContext::EL3,
            &[(0x1000, 0x1000, PageSize::Size4K, data)],
        );
        assert_eq!(
            t.walk(0x0fff),
            Err(WalkFault::Translation {
                va: 0xfff,
                level: 3
            })
        );
        assert_eq!(
            t.walk(0x20_0000),
            Err(WalkFault::Translation {
                va: 0x20_0000,
                level: 2
            })
        );
        assert_eq!(
            t.walk(1 << 30),
            Err(WalkFault::Translation {
                va: 1 << 30,
                level: 1
            })
        );
        assert_eq!(
            t.walk(1 << 39),
            Err(WalkFault::Translation {
                va: 1 << 39,
                level: 0
            })
        );
        assert_eq!(
            t.walk(1 << 48),
            Err(WalkFault::OutOfRange {
                va: 1 << 48,
                va_bits: 48
            })
        );
        assert_eq!(
            walk_image(
                t.bytes(),
                t.base_pa(),
                Format::DEFAULT,
                1,
                48,
                Regime::El3,
                0x1000
            ),
            Err(WalkFault::BadGeometry {
                root_level: 1,
                va_bits: 48,
                format: Format::DEFAULT
            })
        );
        assert_eq!(
            walk_image(
                t.bytes(),
                t.base_pa(),
                Format::DEFAULT,
                0,
                20,
                Regime::El3,
                0x1000
            ),
            Err(WalkFault::BadGeometry {
                root_level: 0,
                va_bits: 20,
                format: Format::DEFAULT
            })
        );
        assert_eq!(
            walk_image(
                &t.bytes()[..4096],
                t.base_pa(),
                Format::DEFAULT,
                0,
                48,
                Regime::El3,
                0x1000
            ),
            Err(WalkFault::OutsideImage {
                va: 0x1000,
                level: 1,
                table_pa: t.base_pa() + 0x1000
            })
        );
        // A wrong base reads the wrong tables, but never panics.
        assert!(
            walk_image(
                t.bytes(),
                t.base_pa() + 0x1000,
                Format::DEFAULT,
                0,
                48,
                Regime::El3,
                0x1000
            )
            .is_err()
        );
        assert_eq!(
            walk_image(&[], 0, Format::DEFAULT, 0, 48, Regime::El3, 0),
            Err(WalkFault::OutsideImage {
                va: 0,
                level: 0,
                table_pa: 0
            })
        );
        for f in [
            WalkFault::OutOfRange {
                va: 1 << 48,
                va_bits: 48,
            },
            WalkFault::Translation { va: 0, level: 3 },
            WalkFault::BadGeometry {
                root_level: 3,
                va_bits: 48,
                format: Format::DEFAULT,
            },
            WalkFault::BadGeometry {
                root_level: -1,
                va_bits: 52,
                format: Format::DEFAULT,
            },
            WalkFault::BadGeometry {
                root_level: 0,
                va_bits: 60,
                format: F64,
            },
            WalkFault::ReservedGranule {
                tg: 0b11,
                upper: false,
            },
            WalkFault::ReservedGranule {
                tg: 0b00,
                upper: true,
            },
            WalkFault::MisalignedTable {
                va: 0,
                level: -1,
                table_pa: 0x40,
                align: 0x80,
            },
            WalkFault::OutsideImage {
                va: 0,
                level: 1,
                table_pa: 0x1000,
            },
        ] {
            let s = alloc::format!("{f}");
            assert!(s.contains("; ") && !s.contains('\n'), "{s}");
        }
    }

    #[test]
    fn reserved_encodings_fault() {
        // Level 0 block (type 0b01) and level 3 type 0b01 are reserved.
        let mut image = [0u8; 4096 * 4];
        let put = |image: &mut [u8], table: usize, index: usize, d: u64| {
            let at = table * 4096 + index * 8;
            image[at..at + 8].copy_from_slice(&d.to_le_bytes());
        };
        put(&mut image, 0, 0, 0x1 | (1 << 10));
        assert_eq!(
            walk_image(&image, 0, Format::DEFAULT, 0, 48, Regime::El3, 0),
            Err(WalkFault::Translation { va: 0, level: 0 })
        );
        put(&mut image, 0, 0, 0x1000 | TABLE);
        put(&mut image, 1, 0, 0x2000 | TABLE);
        put(&mut image, 2, 0, 0x3000 | TABLE);
        put(&mut image, 3, 0, 0x5000 | 0x1 | (1 << 10));
        assert_eq!(
            walk_image(&image, 0, Format::DEFAULT, 0, 48, Regime::El3, 0),
            Err(WalkFault::Translation { va: 0, level: 3 })
        );
        put(&mut image, 3, 0, 0x5000 | 0x3 | (1 << 10));
        assert_eq!(
            walk_image(&image, 0, Format::DEFAULT, 0, 48, Regime::El3, 0x123)
                .unwrap()
                .pa,
            0x5123
        );
        // A table descriptor pointing past the image.
        put(&mut image, 2, 0, 0x9000 | TABLE);
        assert_eq!(
            walk_image(&image, 0, Format::DEFAULT, 0, 48, Regime::El3, 0),
            Err(WalkFault::OutsideImage {
                va: 0,
                level: 3,
                table_pa: 0x9000
            })
        );
        // Below the base.
        assert_eq!(
            walk_image(&image, 0x10_0000, Format::DEFAULT, 0, 48, Regime::El3, 0),
            Err(WalkFault::OutsideImage {
                va: 0,
                level: 1,
                table_pa: 0x1000
            })
        );
    }

    /// A leaf's attributes: AttrIndx 4 (Normal Write-Back), AF.
    const NORMAL: u64 = (4 << 2) | (1 << 10);
    /// SH = Inner Shareable, for formats with an SH field.
    const SH: u64 = 0b11 << 8;

    const F16: Format = Format {
        granule: Granule::Size16K,
        oa52: false,
    };
    const F16_DS: Format = Format {
        granule: Granule::Size16K,
        oa52: true,
    };
    const F64: Format = Format {
        granule: Granule::Size64K,
        oa52: false,
    };
    const F64_LPA: Format = Format {
        granule: Granule::Size64K,
        oa52: true,
    };
    const F4_DS: Format = Format {
        granule: Granule::Size4K,
        oa52: true,
    };

    impl Hand {
        /// `walk_image` over the image in `format` (not necessarily the one written).
        fn walk(&self, format: Format, va_bits: u8, va: u64) -> Result<Walk, WalkFault> {
            let root = format.granule.root_level(va_bits).unwrap();
            walk_image(
                &self.bytes,
                self.base,
                format,
                root,
                va_bits,
                Regime::El3,
                va,
            )
        }
    }

    #[test]
    fn granule_16k_48_bit_walks_four_levels_from_a_2_entry_root() {
        assert_eq!(Granule::Size16K.root_level(48), Some(0));
        let mut h = Hand::new(0x8000_0000, F16, 4);
        // VA[47] indexes the 2-entry level 0 root, VA[46:36] level 1, VA[35:25] level 2,
        // VA[24:14] level 3.
        let va = 1 << 47 | 0x5A5 << 36 | 0x123 << 25 | 0x7FF << 14 | 0x3ABC;
        h.link(0, 1, 1);
        h.link(1, 0x5A5, 2);
        h.link(2, 0x123, 3);
        h.leaf(3, 0x7FF, 3, 0x1_2345_4000, NORMAL | SH);
        let w = h.walk(F16, 48, va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (0x1_2345_7ABC, 3, 16 << 10)
        );
        assert_eq!(w.format, F16);
        assert_eq!(w.shareability(), Some(Shareability::Inner));
        assert_eq!(w.memory_type(), Some(MemoryType::NormalWriteBack));
        // A 32 MiB level 2 block beside the level 3 table.
        h.leaf(2, 0x124, 2, 0x4_0200_0000, NORMAL | SH);
        let va = 1 << 47 | 0x5A5 << 36 | 0x124 << 25 | 0x1AB_CDEF;
        let w = h.walk(F16, 48, va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (0x4_03AB_CDEF, 2, 32 << 20)
        );
        // Without DS, levels 1 and 0 hold no blocks.
        h.leaf(1, 0x5A6, 1, 0, NORMAL);
        let va = 1 << 47 | 0x5A6 << 36;
        assert_eq!(
            h.walk(F16, 48, va),
            Err(WalkFault::Translation { va, level: 1 })
        );
        h.put(0, 0, BLOCK | NORMAL);
        assert_eq!(
            h.walk(F16, 48, 0x4000),
            Err(WalkFault::Translation {
                va: 0x4000,
                level: 0
            })
        );
        // A page at level 3 needs type 0b11.
        h.put(3, 0x7FE, 0x8000 | BLOCK | NORMAL);
        let va = 1 << 47 | 0x5A5 << 36 | 0x123 << 25 | 0x7FE << 14;
        assert_eq!(
            h.walk(F16, 48, va),
            Err(WalkFault::Translation { va, level: 3 })
        );
        assert_eq!(
            h.walk(F16, 48, 1 << 48),
            Err(WalkFault::OutOfRange {
                va: 1 << 48,
                va_bits: 48
            })
        );
        // The 2-entry root is 16 bytes, aligned to 16.
        let at = |base| walk_image(&h.bytes, base, F16, 0, 48, Regime::El3, 0);
        assert_eq!(
            at(h.base + 8),
            Err(WalkFault::MisalignedTable {
                va: 0,
                level: 0,
                table_pa: h.base + 8,
                align: 16
            })
        );
        assert!(matches!(
            at(h.base + 16),
            Err(WalkFault::Translation { level: 0, .. })
        ));
        // The 4K geometry is refused for the 16K root level.
        assert_eq!(
            walk_image(&h.bytes, h.base, F16, 1, 48, Regime::El3, 0),
            Err(WalkFault::BadGeometry {
                root_level: 1,
                va_bits: 48,
                format: F16
            })
        );
    }

    #[test]
    fn granule_64k_42_bit_starts_at_level_2_with_8192_entries() {
        assert_eq!(Granule::Size64K.root_level(42), Some(2));
        let mut h = Hand::new(0x8000_0000, F64, 2);
        // VA[41:29] indexes the level 2 root, VA[28:16] level 3.
        let va = 8191 << 29 | 5 << 16 | 0x1234;
        h.link(0, 8191, 1);
        h.leaf(1, 5, 3, 0x9_8765_0000, NORMAL | SH);
        let w = h.walk(F64, 42, va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (0x9_8765_1234, 3, 64 << 10)
        );
        // A 512 MiB level 2 block.
        h.leaf(0, 3, 2, 0x6000_0000, NORMAL | SH);
        let w = h.walk(F64, 42, 3 << 29 | 0x1ABC_DEF0).unwrap();
        assert_eq!((w.pa, w.level, w.block_size()), (0x7ABC_DEF0, 2, 512 << 20));
        assert_eq!(
            h.walk(F64, 42, 1 << 42),
            Err(WalkFault::OutOfRange {
                va: 1 << 42,
                va_bits: 42
            })
        );
        assert_eq!(
            h.walk(F64, 42, 4 << 29),
            Err(WalkFault::Translation {
                va: 4 << 29,
                level: 2
            })
        );
        let bad = walk_image(&h.bytes, h.base, F64, 1, 42, Regime::El3, 0).unwrap_err();
        assert_eq!(
            bad,
            WalkFault::BadGeometry {
                root_level: 1,
                va_bits: 42,
                format: F64
            }
        );
        let s = alloc::format!("{bad}");
        assert!(
            s.contains("64K granule starts at level 2, not 1") && s.contains("2 for 30 to 42"),
            "{s}"
        );
    }

    #[test]
    fn granule_64k_48_bit_starts_at_level_1() {
        assert_eq!(Granule::Size64K.root_level(48), Some(1));
        let mut h = Hand::new(0x4_0000_0000, F64, 3);
        // VA[47:42] indexes the 64-entry level 1 root.
        let va = 63 << 42 | 100 << 29 | 7 << 16 | 0xABC;
        h.link(0, 63, 1);
        h.link(1, 100, 2);
        h.leaf(2, 7, 3, 0xA_BCDE_0000, NORMAL | SH);
        let w = h.walk(F64, 48, va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (0xA_BCDE_0ABC, 3, 64 << 10)
        );
        // No 4 TiB level 1 blocks without FEAT_LPA's format.
        h.leaf(0, 0, 1, 0, NORMAL);
        assert_eq!(
            h.walk(F64, 48, 0x1234),
            Err(WalkFault::Translation {
                va: 0x1234,
                level: 1
            })
        );
        // A level 3 table read as 4K tables gives another (wrong) walk, never a panic.
        let _ = h.walk(Format::DEFAULT, 48, va);
    }

    #[test]
    fn granule_4k_ds_52_bit_va_starts_at_level_minus_1() {
        assert_eq!(Granule::Size4K.root_level(52), Some(-1));
        // Tables above 2^48: their addresses need OA[51:50] in bits 9:8 of the table
        // descriptors, and the TTBR's BADDR[51:48] in bits 5:2.
        let base = 0x000D_0000_8000_0000;
        let mut h = Hand::new(base, F4_DS, 5);
        // VA[51:48] indexes the 16-entry level -1 root.
        h.link(0, 15, 1);
        assert_eq!(h.bytes[15 * 8 + 1] & 0b11, 0b11, "OA[51:50] of the table");
        // A 512 GiB level 0 block above 2^48; OA[51:50] = 0b10 sits where SH would be.
        let block = 0x000A_0280_0000_0000;
        h.leaf(1, 3, 0, block, NORMAL);
        let va = 0xF << 48 | 3 << 39 | 0x12_3456_789A;
        let w = h.walk(F4_DS, 52, va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (block + 0x12_3456_789A, 0, 1 << 39)
        );
        assert_eq!(w.descriptor.sh(), 0b10, "bits 9:8 hold OA[51:50]");
        assert_eq!(w.sh(), SH_INNER, "walk_image's shareability with DS");
        assert_eq!(w.format, F4_DS);
        // Down to a page at the top of the 52-bit PA space.
        h.link(1, 4, 2);
        h.link(2, 1, 3);
        h.link(3, 2, 4);
        h.leaf(4, 3, 3, 0x000F_FFFF_FFFF_F000, NORMAL);
        let va = 0xF << 48 | 4 << 39 | 1 << 30 | 2 << 21 | 3 << 12 | 0x456;
        let w = h.walk(F4_DS, 52, va).unwrap();
        assert_eq!((w.pa, w.level), (0x000F_FFFF_FFFF_F456, 3));
        // Level -1 holds tables only.
        h.put(0, 0, BLOCK | NORMAL);
        assert_eq!(
            h.walk(F4_DS, 52, 0x1000),
            Err(WalkFault::Translation {
                va: 0x1000,
                level: -1
            })
        );
        // Without DS there are no 52-bit VAs on 4K.
        let bad = walk_image(&h.bytes, base, Format::DEFAULT, -1, 52, Regime::El3, 0);
        assert_eq!(
            bad,
            Err(WalkFault::BadGeometry {
                root_level: -1,
                va_bits: 52,
                format: Format::DEFAULT
            })
        );
        let s = alloc::format!("{}", bad.unwrap_err());
        assert!(s.contains("DS = 1") && s.contains("at most 48 bits"), "{s}");
        // The 16-entry root is 128 bytes: 64-byte alignment is not enough.
        assert_eq!(
            walk_image(&h.bytes, base + 64, F4_DS, -1, 52, Regime::El3, 0),
            Err(WalkFault::MisalignedTable {
                va: 0,
                level: -1,
                table_pa: base + 64,
                align: 128
            })
        );

        // The same walk from the registers: TCR_EL3 with T0SZ = 12, DS (bit 32), PS =
        // 52 bits, SH0 = Outer; TTBR0 with BADDR[51:48] in bits 5:2.
        let tcr = 12 | 0b10 << 12 | 0b110 << 16 | 1 << 32;
        let ttbr0 = (base & 0x0000_FFFF_FFFF_FFC0) | (base >> 48) << 2;
        let va = 0xF << 48 | 3 << 39 | 0x12_3456_789A;
        let w = walk_registers(&h.bytes, base, Regime::El3, tcr, ttbr0, 0, va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.format),
            (block + 0x12_3456_789A, 0, F4_DS)
        );
        assert_eq!(w.shareability(), Some(Shareability::Outer), "from SH0");
        // A 52-bit T0SZ without DS is refused on 4K (and 16K), as is 49 bits.
        let no_ds = tcr & !(1 << 32);
        assert_eq!(
            walk_registers(&h.bytes, base, Regime::El3, no_ds, ttbr0, 0, va),
            Err(WalkFault::BadGeometry {
                root_level: -1,
                va_bits: 52,
                format: Format::DEFAULT
            })
        );
        let t0sz_15 = (no_ds & !0x3F) | 15;
        assert!(matches!(
            walk_registers(&h.bytes, base, Regime::El3, t0sz_15, ttbr0, 0, 0),
            Err(WalkFault::BadGeometry { va_bits: 49, .. })
        ));
        let tg0_16k = no_ds | 0b10 << 14;
        assert_eq!(
            walk_registers(&h.bytes, base, Regime::El3, tg0_16k, ttbr0, 0, va),
            Err(WalkFault::BadGeometry {
                root_level: 0,
                va_bits: 52,
                format: F16
            })
        );
        // TCR_EL1 has DS at bit 59 (bit 32 is IPS[0] there).
        let el1 = 12 | 0b11 << 12 | 0b110 << 32 | 1 << 59 | 1 << 23;
        let w = walk_registers(&h.bytes, base, Regime::El10, el1, ttbr0, 0, va).unwrap();
        assert_eq!((w.pa, w.format), (block + 0x12_3456_789A, F4_DS));
        assert!(matches!(
            walk_registers(&h.bytes, base, Regime::El10, el1 & !(1 << 59), ttbr0, 0, va),
            Err(WalkFault::BadGeometry { va_bits: 52, .. })
        ));
    }

    #[test]
    fn granule_16k_ds_has_64_gib_level_1_blocks() {
        let mut h = Hand::new(0x4000_0000, F16_DS, 2);
        h.link(0, 0, 1);
        // OA[51:50] = 0b01 in bits 9:8.
        let block = 0x0004_0070_0000_0000;
        h.leaf(1, 5, 1, block, NORMAL);
        let va = 5 << 36 | 0x9_8765_4321;
        let w = h.walk(F16_DS, 48, va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (block + 0x9_8765_4321, 1, 64 << 30)
        );
        // The 48-bit format has no level 1 blocks with 16K.
        assert_eq!(
            h.walk(F16, 48, va),
            Err(WalkFault::Translation { va, level: 1 })
        );
        // Through TTBR1_EL1: TG1 = 0b01 (16K), T1SZ = 16, DS, SH1 = Non-shareable; TG0
        // (4K) and T0SZ (39 bits) describe the other range.
        let tcr = 25 | 16 << 16 | 0b01 << 30 | 0b101 << 32 | 1 << 59;
        let upper = regs::upper_range_start(48).unwrap();
        let w = walk_registers(&h.bytes, h.base, Regime::El10, tcr, 0, h.base, upper + va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.format),
            (block + 0x9_8765_4321, 1, F16_DS)
        );
        assert_eq!(
            w.shareability(),
            Some(Shareability::NonShareable),
            "from SH1"
        );
    }

    #[test]
    fn granule_64k_lpa_has_52_bit_pas_and_4_tib_level_1_blocks() {
        // A 52-bit VA range (FEAT_LVA): the level 1 root has 1024 entries (8 KiB).
        assert_eq!(Granule::Size64K.root_entries(52), Some(1024));
        let base = 0x0003_0000_0000_0000;
        let mut h = Hand::new(base, F64_LPA, 2);
        // OA[51:48] = 0xF in bits 15:12; SH Outer in bits 9:8.
        let block = 0x000F_0400_0000_0000;
        h.leaf(0, 1000, 1, block, NORMAL | 0b10 << 8);
        assert_eq!(h.bytes[1000 * 8 + 1] >> 4, 0xF, "OA[51:48] in bits 15:12");
        let va = 1000 << 42 | 0x3_1234_5678;
        let w = h.walk(F64_LPA, 52, va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (block + 0x3_1234_5678, 1, 4 << 40)
        );
        assert_eq!(
            w.shareability(),
            Some(Shareability::Outer),
            "FEAT_LPA keeps SH"
        );
        // A table above 2^48 and a 512 MiB level 2 block under it.
        h.link(0, 1, 1);
        h.leaf(1, 9, 2, 0x000E_0000_4000_0000, NORMAL | SH);
        let w = h.walk(F64_LPA, 52, 1 << 42 | 9 << 29 | 0x1234).unwrap();
        assert_eq!((w.pa, w.level), (0x000E_0000_4000_1234, 2));
        // The 48-bit format has no level 1 blocks with 64K (52-bit VAs it has).
        assert_eq!(
            h.walk(F64, 52, va),
            Err(WalkFault::Translation { va, level: 1 })
        );

        // From TCR_EL1: TG0 = 0b01 (64K), T0SZ = 12, IPS = 0b110 (52 bits), EPD1; TTBR0
        // with BADDR[51:48] in bits 5:2.
        let tcr = 12 | 0b01 << 14 | 1 << 23 | 0b110 << 32;
        let ttbr0 = (base & 0x0000_FFFF_FFFF_FFC0) | (base >> 48) << 2;
        let w = walk_registers(&h.bytes, base, Regime::El10, tcr, ttbr0, 0, va).unwrap();
        assert_eq!(
            (w.pa, w.level, w.format),
            (block + 0x3_1234_5678, 1, F64_LPA)
        );
        // With IPS = 48 bits the format is the 48-bit one: BADDR[5:2] are then low
        // address bits, which misalign the root.
        let ips48 = (tcr & !(0b111 << 32)) | 0b101 << 32;
        assert_eq!(
            walk_registers(&h.bytes, base, Regime::El10, ips48, ttbr0, 0, va),
            Err(WalkFault::MisalignedTable {
                va,
                level: 1,
                table_pa: 0b11 << 2,
                align: 8 << 10
            })
        );
        // DS means nothing to the 64K granule.
        let ds = tcr | 1 << 59;
        assert_eq!(
            walk_registers(&h.bytes, base, Regime::El10, ds, ttbr0, 0, va).map(|w| w.pa),
            Ok(block + 0x3_1234_5678)
        );
    }

    /// An EL1&0 image with a 4K lower range of 39 bits (level 1 root at +64 KiB, a 1 GiB
    /// block at VA 2 GiB) and a 64K upper range of 42 bits (level 2 root at the base, a
    /// 512 MiB block at entry 8000).
    fn two_granules() -> (Vec<u8>, u64, u64) {
        let base = 0x8000_0000;
        let mut bytes = alloc::vec![0u8; 0x1_0000 + 0x1000];
        let mut put = |at: usize, d: u64| bytes[at..at + 8].copy_from_slice(&d.to_le_bytes());
        put(8000 * 8, 0x2_0000_0000 | BLOCK | NORMAL | SH);
        put(0x1_0000 + 2 * 8, 0x1_4000_0000 | BLOCK | NORMAL | SH);
        // T0SZ = 25, TG0 = 0b00 (4K), T1SZ = 22, TG1 = 0b11 (64K), IPS = 48 bits.
        let tcr = 25 | 22 << 16 | 0b11 << 30 | 0b101 << 32;
        (bytes, base, tcr)
    }

    #[test]
    fn walk_registers_reads_tg1_for_the_upper_range() {
        let (bytes, base, tcr) = two_granules();
        let (ttbr0, ttbr1) = (base + 0x1_0000, base);
        let walk = |tcr, va| walk_registers(&bytes, base, Regime::El10, tcr, ttbr0, ttbr1, va);
        let lower = 2 << 30 | 0x1234;
        let start = regs::upper_range_start(42).unwrap();
        let upper = start + (8000 << 29) + 0x1234;
        let w = walk(tcr, lower).unwrap();
        assert_eq!((w.pa, w.level, w.block_size()), (0x1_4000_1234, 1, 1 << 30));
        assert_eq!(w.format.granule, Granule::Size4K);
        let w = walk(tcr, upper).unwrap();
        assert_eq!(
            (w.pa, w.level, w.block_size()),
            (0x2_0000_1234, 2, 512 << 20)
        );
        assert_eq!(w.format.granule, Granule::Size64K);
        assert_eq!(
            walk(tcr, start - 1),
            Err(WalkFault::UpperOutOfRange {
                va: start - 1,
                va_bits: 42
            })
        );

        // Reserved granule encodings: TG1 = 0b00 stops the upper range only, TG0 = 0b11
        // the lower one only.
        let tg1_reserved = tcr & !regs::TCR_EL1_TG1_MASK;
        assert_eq!(
            walk(tg1_reserved, upper),
            Err(WalkFault::ReservedGranule {
                tg: 0b00,
                upper: true
            })
        );
        assert_eq!(walk(tg1_reserved, lower).map(|w| w.pa), Ok(0x1_4000_1234));
        let tg0_reserved = tcr | regs::TCR_TG0_MASK;
        assert_eq!(
            walk(tg0_reserved, lower),
            Err(WalkFault::ReservedGranule {
                tg: 0b11,
                upper: false
            })
        );
        assert_eq!(walk(tg0_reserved, upper).map(|w| w.pa), Ok(0x2_0000_1234));
        // EL3 has no TG1: bits 31:30 are RES1 there and the upper range does not exist.
        let el3 = 25 | 0b101 << 16 | 1 << 31 | 1 << 23;
        assert_eq!(
            walk_registers(&bytes, base, Regime::El3, el3, ttbr0, 0, lower).map(|w| w.pa),
            Ok(0x1_4000_1234)
        );
        assert_eq!(
            walk_registers(&bytes, base, Regime::El3, el3 | 0b11 << 14, ttbr0, 0, lower),
            Err(WalkFault::ReservedGranule {
                tg: 0b11,
                upper: false
            })
        );
        let s = alloc::format!("{}", WalkFault::ReservedGranule { tg: 0, upper: true });
        assert!(
            s.contains("TG1 = 0b00") && s.contains("0b11 (64 KiB)"),
            "{s}"
        );
    }
}
