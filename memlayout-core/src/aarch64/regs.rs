//! The system register values that load a table: `TCR_ELx`, `TTBR0_ELx`, `TTBR1_EL1`,
//! `MAIR_ELx` and the `SCTLR_ELx` bits that turn translation on.
//!
//! Field positions cite the register descriptions of the Arm Architecture Reference
//! Manual (DDI 0487, chapter D19 "AArch64 System Register Descriptions" in issue K.a; D13
//! in older issues): `TCR_EL1`, `TCR_EL2` (with `HCR_EL2.E2H` = 0, the non-VHE format),
//! `TCR_EL3`, `SCTLR_ELx`, `TTBR0_ELx`, `TTBR1_EL1`.

use super::Regime;
use super::granule::{Format, Granule, VA_BITS_48, VA_BITS_52};
use super::mair::MAIR;

// ---------------------------------------------------------------------------------------
// TCR_ELx fields common to TCR_EL1, TCR_EL2 (E2H = 0) and TCR_EL3.
// ---------------------------------------------------------------------------------------

/// Bit position of T0SZ, bits\[5:0\]: the region TTBR0 translates is 2^(64 - T0SZ) bytes.
pub const TCR_T0SZ_SHIFT: u32 = 0;

/// Mask of T0SZ, bits\[5:0\].
pub const TCR_T0SZ_MASK: u64 = 0b11_1111 << TCR_T0SZ_SHIFT;

/// IRGN0 = 0b01, bits\[9:8\]: table walks through TTBR0 are Inner Write-Back
/// Read-Allocate Write-Allocate Cacheable.
pub const TCR_IRGN0_WBWA: u64 = 0b01 << 8;

/// ORGN0 = 0b01, bits\[11:10\]: table walks through TTBR0 are Outer Write-Back
/// Read-Allocate Write-Allocate Cacheable.
pub const TCR_ORGN0_WBWA: u64 = 0b01 << 10;

/// SH0 = 0b11, bits\[13:12\]: table walks through TTBR0 are Inner Shareable.
pub const TCR_SH0_INNER: u64 = 0b11 << 12;

/// TG0 = 0b00, bits\[15:14\]: the TTBR0 granule is 4 KiB.
pub const TCR_TG0_4K: u64 = 0b00 << 14;

/// Bit position of TG0, bits\[15:14\]: the TTBR0 granule ([`Granule::tg0`] encodes it).
pub const TCR_TG0_SHIFT: u32 = 14;

/// Mask of TG0, bits\[15:14\].
pub const TCR_TG0_MASK: u64 = 0b11 << 14;

// ---------------------------------------------------------------------------------------
// TCR_EL1 only.
// ---------------------------------------------------------------------------------------

/// Bit position of TCR_EL1.T1SZ, bits\[21:16\] (the TTBR1 region size).
pub const TCR_EL1_T1SZ_SHIFT: u32 = 16;

/// TCR_EL1.EPD0, bit 7: walks through TTBR0_EL1 are disabled; an access to the lower VA
/// range takes a translation fault.
pub const TCR_EL1_EPD0: u64 = 1 << 7;

/// Mask of TCR_EL1.T1SZ, bits\[21:16\].
pub const TCR_EL1_T1SZ_MASK: u64 = 0b11_1111 << TCR_EL1_T1SZ_SHIFT;

/// TCR_EL1.EPD1, bit 23: walks through TTBR1_EL1 are disabled; an access to the upper VA
/// range takes a translation fault.
pub const TCR_EL1_EPD1: u64 = 1 << 23;

/// TCR_EL1.IRGN1 = 0b01, bits\[25:24\]: table walks through TTBR1 are Inner Write-Back
/// Read-Allocate Write-Allocate Cacheable.
pub const TCR_EL1_IRGN1_WBWA: u64 = 0b01 << 24;

/// TCR_EL1.ORGN1 = 0b01, bits\[27:26\]: table walks through TTBR1 are Outer Write-Back
/// Read-Allocate Write-Allocate Cacheable.
pub const TCR_EL1_ORGN1_WBWA: u64 = 0b01 << 26;

/// TCR_EL1.SH1 = 0b11, bits\[29:28\]: table walks through TTBR1 are Inner Shareable.
pub const TCR_EL1_SH1_INNER: u64 = 0b11 << 28;

/// TCR_EL1.TG1 = 0b10, bits\[31:30\]: the TTBR1 granule is 4 KiB (TG1 uses a different
/// encoding from TG0; 0b00 is reserved).
pub const TCR_EL1_TG1_4K: u64 = 0b10 << 30;

/// Bit position of TCR_EL1.TG1, bits\[31:30\] ([`Granule::tg1`] encodes it).
pub const TCR_EL1_TG1_SHIFT: u32 = 30;

/// Mask of TCR_EL1.TG1, bits\[31:30\].
pub const TCR_EL1_TG1_MASK: u64 = 0b11 << TCR_EL1_TG1_SHIFT;

/// TCR_EL1.DS, bit 59: the 52-bit descriptor format of FEAT_LPA2 for the 4 KiB and
/// 16 KiB granules (OA\[51:50\] in descriptor bits\[9:8\], shareability from SH0/SH1,
/// TxSZ down to 12; DDI 0487, D19 "TCR_EL1", field DS).
pub const TCR_EL1_DS: u64 = 1 << 59;

/// TCR_EL1.A1, bit 22: which TTBR defines the ASID (0 = `TTBR0_EL1.ASID`, 1 =
/// `TTBR1_EL1.ASID`). Always written 0: a process's ASID travels with its `TTBR0`
/// (DDI 0487, D19 "TCR_EL1", field A1).
pub const TCR_EL1_A1: u64 = 1 << 22;

/// TCR_EL1.AS, bit 36: 16-bit ASIDs (0 = 8 bits: the upper 8 bits of the ASID fields of
/// `TTBR0_EL1` and `TTBR1_EL1` are ignored). Only cores with
/// `ID_AA64MMFR0_EL1.ASIDBits` = 0b0010 implement 16-bit ASIDs; elsewhere the field is
/// RES0 (DDI 0487, D19 "TCR_EL1", field AS, and "ID_AA64MMFR0_EL1", field ASIDBits).
pub const TCR_EL1_AS: u64 = 1 << 36;

/// The largest ASID with 8-bit ASIDs (`TCR_EL1.AS` = 0).
pub const ASID_MAX_8_BIT: u16 = 0xFF;

/// Bit position of TCR_EL1.IPS, bits\[34:32\], the intermediate physical address size.
pub const TCR_EL1_IPS_SHIFT: u32 = 32;

/// Mask of TCR_EL1.IPS, bits\[34:32\].
pub const TCR_EL1_IPS_MASK: u64 = 0b111 << TCR_EL1_IPS_SHIFT;

// ---------------------------------------------------------------------------------------
// TCR_EL2 (E2H = 0) and TCR_EL3 only.
// ---------------------------------------------------------------------------------------

/// Bit position of TCR_EL2.PS / TCR_EL3.PS, bits\[18:16\], the physical address size.
pub const TCR_EL23_PS_SHIFT: u32 = 16;

/// Mask of TCR_EL2.PS / TCR_EL3.PS, bits\[18:16\].
pub const TCR_EL23_PS_MASK: u64 = 0b111 << TCR_EL23_PS_SHIFT;

/// TCR_EL2.DS / TCR_EL3.DS, bit 32: the FEAT_LPA2 52-bit format, as [`TCR_EL1_DS`].
pub const TCR_EL23_DS: u64 = 1 << 32;

/// TCR_EL2 (E2H = 0) and TCR_EL3 bit 23: RES1.
pub const TCR_EL23_RES1_23: u64 = 1 << 23;

/// TCR_EL2 (E2H = 0) and TCR_EL3 bit 31: RES1.
pub const TCR_EL23_RES1_31: u64 = 1 << 31;

// ---------------------------------------------------------------------------------------
// Address sizes.
// ---------------------------------------------------------------------------------------

/// The smallest VA size: TxSZ at most 39 with every granule (without FEAT_TTST).
pub const VA_BITS_MIN: u8 = 25;

/// The largest VA size: TxSZ at least 12, with FEAT_LPA2 (4 KiB and 16 KiB granules,
/// `TCR_ELx.DS` = 1) or FEAT_LVA (64 KiB); 48 without them
/// ([`Format::max_va_bits`]).
pub const VA_BITS_MAX: u8 = VA_BITS_52;

/// The physical address sizes the PS / IPS field encodes, in encoding order: 0b000 = 32
/// bits, 0b001 = 36, 0b010 = 40, 0b011 = 42, 0b100 = 44, 0b101 = 48, 0b110 = 52 (52 bits
/// need the 52-bit descriptor format: FEAT_LPA2 with `DS` = 1 for the 4 KiB and 16 KiB
/// granules, FEAT_LPA for 64 KiB; [`Format::for_sizes`]).
pub const PA_BITS: [u8; 7] = [32, 36, 40, 42, 44, 48, 52];

/// The PS / IPS encoding of a physical address size, if it is one of [`PA_BITS`].
pub const fn ps_encoding(pa_bits: u8) -> Option<u64> {
    let mut i = 0;
    while i < PA_BITS.len() {
        if PA_BITS[i] == pa_bits {
            return Some(i as u64);
        }
        i += 1;
    }
    None
}

/// Whether a VA size is one a TxSZ field encodes: 25 to 52 bits (over 48 only with the
/// 52-bit features: [`Format::max_va_bits`]).
pub const fn va_bits_supported(va_bits: u8) -> bool {
    va_bits >= VA_BITS_MIN && va_bits <= VA_BITS_MAX
}

/// T0SZ for a VA size: 64 - `va_bits`, or `None` when `va_bits` is not 25 to 52 (the
/// sizes every granule allows without FEAT_TTST; over 48 with FEAT_LVA or FEAT_LPA2;
/// DDI 0487 D8.2, "Translation table walk starting level").
pub const fn t0sz(va_bits: u8) -> Option<u64> {
    if va_bits_supported(va_bits) {
        Some(64 - va_bits as u64)
    } else {
        None
    }
}

/// T1SZ for an upper VA range of `va_bits` bits (`2^64 - 2^va_bits .. 2^64`): the same
/// encoding as [`t0sz`], `None` outside 25 to 52.
pub const fn t1sz(va_bits: u8) -> Option<u64> {
    t0sz(va_bits)
}

/// The smallest VA size of 25 to 48 bits whose lower range `0 .. 2^N` holds the address
/// `last`; `None` when `last` is 2^48 or more ([`lower_va_bits_within`] goes to 52).
pub const fn lower_va_bits_for(last: u64) -> Option<u8> {
    lower_va_bits_within(last, VA_BITS_48)
}

/// The smallest VA size of 25 to 48 bits whose upper range `2^64 - 2^N .. 2^64` holds
/// the address `first` (and so everything from it to 2^64); `None` when `first` lies
/// below `2^64 - 2^48` ([`upper_va_bits_within`] goes to 52).
pub const fn upper_va_bits_for(first: u64) -> Option<u8> {
    upper_va_bits_within(first, VA_BITS_48)
}

/// The smallest VA size of 25 to `max` bits (`max` at most 52) whose lower range holds
/// `last`; `None` when it needs more than `max`.
pub const fn lower_va_bits_within(last: u64, max: u8) -> Option<u8> {
    smallest_supported((64 - last.leading_zeros()) as u8, max)
}

/// The smallest VA size of 25 to `max` bits (`max` at most 52) whose upper range holds
/// `first`; `None` when it needs more than `max`.
pub const fn upper_va_bits_within(first: u64, max: u8) -> Option<u8> {
    smallest_supported((64 - first.leading_ones()) as u8, max)
}

/// `needed` VA bits raised to the smallest supported size; `None` above `max` (or 52).
const fn smallest_supported(needed: u8, max: u8) -> Option<u8> {
    let bits = if needed < VA_BITS_MIN {
        VA_BITS_MIN
    } else {
        needed
    };
    if bits <= max && bits <= VA_BITS_MAX {
        Some(bits)
    } else {
        None
    }
}

/// The first address of the upper VA range of `va_bits` bits: `2^64 - 2^va_bits`, or
/// `None` outside 25 to 52 (DDI 0487 D8.2.3, "The VA ranges of the translation regimes").
pub const fn upper_range_start(va_bits: u8) -> Option<u64> {
    if va_bits_supported(va_bits) {
        Some(0u64.wrapping_sub(1u64 << va_bits))
    } else {
        None
    }
}

/// The `TCR_ELx` value for a regime with one (lower) VA range: [`tcr_ranges`] with no
/// upper range.
pub const fn tcr(regime: Regime, format: Format, va_bits: u8, pa_bits: u8) -> Option<u64> {
    tcr_ranges(regime, format, Some(va_bits), None, pa_bits)
}

/// The `TCR_ELx` value for a regime whose table, in `format`, has a lower VA range of
/// `lower` bits (`0 .. 2^lower`, through TTBR0) and an upper one of `upper` bits
/// (`2^64 - 2^upper .. 2^64`, through TTBR1), either absent when `None`.
///
/// `None` when a size is not 25 to [`Format::max_va_bits`], `pa_bits` is not one of
/// [`PA_BITS`] or is over [`Format::max_pa_bits`], both ranges are absent, or an EL2
/// (non-VHE) or EL3 table asks for an upper range or lacks a lower one (those regimes
/// translate only through TTBR0).
///
/// Every regime gets T0SZ = 64 - `lower`, Write-Back Write-Allocate Inner Shareable
/// table walks (IRGN0 = ORGN0 = 0b01, SH0 = 0b11), TG0 from the granule
/// ([`Granule::tg0`]) and, with the FEAT_LPA2 format ([`Format::ds`]), DS = 1;
/// everything else is zero except:
///
/// * `TCR_EL1`: TG1 from the granule ([`Granule::tg1`]; TG1 encodes granules differently
///   from TG0) and IPS from `pa_bits`; with an upper range, T1SZ = 64 - `upper` and the
///   same walk attributes for TTBR1 (IRGN1 = ORGN1 = 0b01, SH1 = 0b11); without one,
///   EPD1 = 1 and T1SZ = T0SZ (an in-range value, unused); without a lower range,
///   EPD0 = 1 and T0SZ = T1SZ; DS is bit 59;
/// * `TCR_EL2` (non-VHE) and `TCR_EL3`: PS from `pa_bits`, the RES1 bits 31 and 23, and
///   DS at bit 32.
///
/// (DDI 0487, D19 "TCR_EL1", "TCR_EL2", "TCR_EL3".)
pub const fn tcr_ranges(
    regime: Regime,
    format: Format,
    lower: Option<u8>,
    upper: Option<u8>,
    pa_bits: u8,
) -> Option<u64> {
    let ps = match ps_encoding(pa_bits) {
        Some(ps) if pa_bits <= format.max_pa_bits() => ps,
        _ => return None,
    };
    let max = format.max_va_bits();
    let (t0sz, t1sz) = match (lower, upper) {
        (Some(l), Some(u)) => match (t0sz(l), t1sz(u)) {
            (Some(a), Some(b)) if l <= max && u <= max => (a, b),
            _ => return None,
        },
        (Some(l), None) => match t0sz(l) {
            Some(a) if l <= max => (a, a),
            _ => return None,
        },
        (None, Some(u)) => match t1sz(u) {
            Some(b) if u <= max => (b, b),
            _ => return None,
        },
        (None, None) => return None,
    };
    let granule: Granule = format.granule;
    let common = (t0sz << TCR_T0SZ_SHIFT)
        | TCR_IRGN0_WBWA
        | TCR_ORGN0_WBWA
        | TCR_SH0_INNER
        | granule.tg0() << TCR_TG0_SHIFT;
    Some(match regime {
        Regime::El10 => {
            let mut v = common
                | (t1sz << TCR_EL1_T1SZ_SHIFT)
                | granule.tg1() << TCR_EL1_TG1_SHIFT
                | (ps << TCR_EL1_IPS_SHIFT);
            if upper.is_some() {
                v |= TCR_EL1_IRGN1_WBWA | TCR_EL1_ORGN1_WBWA | TCR_EL1_SH1_INNER;
            } else {
                v |= TCR_EL1_EPD1;
            }
            if lower.is_none() {
                v |= TCR_EL1_EPD0;
            }
            if format.ds() {
                v |= TCR_EL1_DS;
            }
            v
        }
        // Stage 2 is loaded by `VTCR_EL2` ([`super::stage2::vtcr`]).
        Regime::Stage2 => return None,
        Regime::El2 | Regime::El3 => {
            if upper.is_some() || lower.is_none() {
                return None;
            }
            let v = common | TCR_EL23_RES1_31 | TCR_EL23_RES1_23 | (ps << TCR_EL23_PS_SHIFT);
            if format.ds() { v | TCR_EL23_DS } else { v }
        }
    })
}

// ---------------------------------------------------------------------------------------
// SCTLR_ELx.
// ---------------------------------------------------------------------------------------

/// SCTLR_ELx.M, bit 0: stage 1 translation of the regime is enabled.
pub const SCTLR_M: u64 = 1 << 0;

/// SCTLR_ELx.C, bit 2: data accesses may be cached (Normal memory types take effect).
pub const SCTLR_C: u64 = 1 << 2;

/// SCTLR_ELx.I, bit 12: instruction accesses may be cached.
pub const SCTLR_I: u64 = 1 << 12;

/// SCTLR_ELx.WXN, bit 19: memory writable at the regime's privileged level is
/// execute-never there (D8.4.1.2.3, "Stage 1 instruction execution using Direct
/// permissions").
pub const SCTLR_WXN: u64 = 1 << 19;

/// The `SCTLR_ELx` bits to set (OR into the current value) to run on the tables: M, C
/// and I, plus WXN when `wxn` is true.
pub const fn sctlr_set(wxn: bool) -> u64 {
    SCTLR_M | SCTLR_C | SCTLR_I | if wxn { SCTLR_WXN } else { 0 }
}

// ---------------------------------------------------------------------------------------
// TTBR0_ELx.
// ---------------------------------------------------------------------------------------

/// TTBR0_ELx.BADDR, bits\[47:1\]: the root table's physical address (ASID, bits\[63:48\] of
/// `TTBR0_EL1`, and CnP, bit 0, left zero).
pub const TTBR_BADDR_MASK: u64 = 0x0000_FFFF_FFFF_FFFE;

/// Bit position of BADDR\[51:48\] in a TTBR with a 52-bit output address size
/// (bits\[5:2\]; the root table is then aligned to at least 64 bytes; DDI 0487, D19
/// "TTBR0_EL1", field BADDR).
pub const TTBR_BADDR_HIGH_SHIFT: u32 = 2;

/// BADDR\[47:6\] of a TTBR with a 52-bit output address size.
pub const TTBR_BADDR_52_LOW_MASK: u64 = 0x0000_FFFF_FFFF_FFC0;

/// The `TTBR0_ELx` value for a root table at `root_pa`: the address itself (bits\[51:48\]
/// in bits\[5:2\] when the address is 2^48 or above, a 52-bit output address size), ASID
/// 0, CnP 0.
pub const fn ttbr0(root_pa: u64) -> u64 {
    if root_pa >> 48 == 0 {
        root_pa & TTBR_BADDR_MASK
    } else {
        (root_pa & TTBR_BADDR_52_LOW_MASK) | ((root_pa >> 48) & 0xF) << TTBR_BADDR_HIGH_SHIFT
    }
}

/// The root table address a `TTBR0_ELx` or `TTBR1_EL1` value holds: BADDR\[47:1\], or
/// with a 52-bit output address size (`oa52`, [`Format::oa52`]) BADDR\[47:6\] and
/// BADDR\[51:48\] from bits\[5:2\].
pub const fn ttbr_baddr(ttbr: u64, oa52: bool) -> u64 {
    if oa52 {
        (ttbr & TTBR_BADDR_52_LOW_MASK) | ((ttbr >> TTBR_BADDR_HIGH_SHIFT) & 0xF) << 48
    } else {
        ttbr & TTBR_BADDR_MASK
    }
}

/// Bit position of `TTBR0_EL1.ASID` (and `TTBR1_EL1.ASID`), bits\[63:48\]: the ASID the
/// translations through the register are tagged with, when `TCR_EL1.A1` selects it
/// (DDI 0487, D19 "TTBR0_EL1", field ASID).
pub const TTBR_ASID_SHIFT: u32 = 48;

/// The `TTBR0_EL1` value for a process's root table at `root_pa` with ASID `asid`:
/// BADDR | ASID << 48 (CnP 0). With 8-bit ASIDs (`TCR_EL1.AS` = 0) an ASID must be at
/// most 255, as the upper 8 bits are then ignored.
pub const fn ttbr0_with_asid(root_pa: u64, asid: u16) -> u64 {
    ttbr0(root_pa) | (asid as u64) << TTBR_ASID_SHIFT
}

/// The ASID a `TTBR0_EL1` or `TTBR1_EL1` value carries, bits\[63:48\].
pub const fn ttbr_asid(ttbr: u64) -> u16 {
    (ttbr >> TTBR_ASID_SHIFT) as u16
}

/// The one `TCR_EL1` a kernel table (upper range of `upper` bits, through TTBR1) and
/// the process tables run under it (lower range of `lower` bits, through TTBR0) are
/// loaded with: [`tcr_ranges`] with both ranges (EPD0 = EPD1 = 0, A1 = 0, so `TTBR0`
/// holds the ASID), plus `TCR_EL1.AS` when `asid16` (16-bit ASIDs). `None` when a size
/// or `pa_bits` does not fit `format` (see [`tcr_ranges`]).
pub const fn tcr_shared(
    format: Format,
    lower: u8,
    upper: u8,
    pa_bits: u8,
    asid16: bool,
) -> Option<u64> {
    match tcr_ranges(Regime::El10, format, Some(lower), Some(upper), pa_bits) {
        Some(tcr) => Some(if asid16 { tcr | TCR_EL1_AS } else { tcr }),
        None => None,
    }
}

/// The `TTBR1_EL1` value for an upper-range root table at `root_pa`: the same format as
/// [`ttbr0`] (BADDR, ASID 0, CnP 0).
pub const fn ttbr1(root_pa: u64) -> u64 {
    ttbr0(root_pa)
}

/// The register values that load one translation table.
///
/// Not exhaustive (a regime may need more registers, such as `VTCR_EL2` for stage 2):
/// build it with [`new`](Self::new) or [`with_ranges`](Self::with_ranges) and read its
/// fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Registers {
    /// `MAIR_ELx`: always [`MAIR`].
    #[cfg_attr(feature = "serde", serde(with = "crate::model::serde_impls::addr"))]
    pub mair: u64,
    /// `TCR_ELx` for the table's regime (see [`tcr_ranges`]).
    #[cfg_attr(feature = "serde", serde(with = "crate::model::serde_impls::addr"))]
    pub tcr: u64,
    /// `TTBR0_ELx`: the lower range's root table PA; 0 when the table has no lower range.
    #[cfg_attr(feature = "serde", serde(with = "crate::model::serde_impls::addr"))]
    pub ttbr0: u64,
    /// `TTBR1_EL1`: the upper range's root table PA; 0 when the table has no upper range
    /// (always for EL2 and EL3 tables).
    #[cfg_attr(feature = "serde", serde(with = "crate::model::serde_impls::addr"))]
    pub ttbr1: u64,
    /// The `SCTLR_ELx` bits to set (see [`sctlr_set`]); not a whole register value.
    #[cfg_attr(feature = "serde", serde(with = "crate::model::serde_impls::addr"))]
    pub sctlr_set: u64,
}

impl Registers {
    /// Every value zero: the stage 1 registers of a stage 2 table, which has none.
    #[cfg(feature = "alloc")]
    pub(crate) const NONE: Registers = Registers {
        mair: 0,
        tcr: 0,
        ttbr0: 0,
        ttbr1: 0,
        sctlr_set: 0,
    };

    /// The register values for a regime with one (lower) range rooted at `root_pa`, or
    /// `None` when `va_bits` or `pa_bits` is unsupported (see [`tcr`]).
    pub const fn new(
        regime: Regime,
        format: Format,
        va_bits: u8,
        pa_bits: u8,
        root_pa: u64,
        wxn: bool,
    ) -> Option<Registers> {
        Registers::with_ranges(regime, format, Some((va_bits, root_pa)), None, pa_bits, wxn)
    }

    /// The register values for a table with a lower range (`(va_bits, root_pa)`) and an
    /// upper one, either absent when `None`; `None` when [`tcr_ranges`] rejects the sizes.
    pub const fn with_ranges(
        regime: Regime,
        format: Format,
        lower: Option<(u8, u64)>,
        upper: Option<(u8, u64)>,
        pa_bits: u8,
        wxn: bool,
    ) -> Option<Registers> {
        let (lower_bits, ttbr0_value) = match lower {
            Some((bits, pa)) => (Some(bits), ttbr0(pa)),
            None => (None, 0),
        };
        let (upper_bits, ttbr1_value) = match upper {
            Some((bits, pa)) => (Some(bits), ttbr1(pa)),
            None => (None, 0),
        };
        match tcr_ranges(regime, format, lower_bits, upper_bits, pa_bits) {
            Some(tcr) => Some(Registers {
                mair: MAIR,
                tcr,
                ttbr0: ttbr0_value,
                ttbr1: ttbr1_value,
                sctlr_set: sctlr_set(wxn),
            }),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: Format = Format::DEFAULT;

    #[test]
    fn tcr_el3_48_bit_va_40_bit_pa() {
        let tcr = tcr(Regime::El3, F, 48, 40).unwrap();
        assert_eq!(tcr & TCR_T0SZ_MASK, 16);
        assert_eq!((tcr >> 8) & 0b11, 0b01, "IRGN0");
        assert_eq!((tcr >> 10) & 0b11, 0b01, "ORGN0");
        assert_eq!((tcr >> 12) & 0b11, 0b11, "SH0");
        assert_eq!((tcr >> 14) & 0b11, 0b00, "TG0");
        assert_eq!((tcr >> 16) & 0b111, 0b010, "PS = 40 bits");
        assert_ne!(tcr & (1 << 31), 0, "RES1 bit 31");
        assert_ne!(tcr & (1 << 23), 0, "RES1 bit 23");
        assert_eq!(tcr >> 32, 0, "no IPS field in TCR_EL3");
        assert_eq!(tcr, 0x8082_3510);
    }

    #[test]
    fn tcr_el2_matches_el3() {
        for va in [25, 39, 48] {
            for pa in PA_BITS {
                assert_eq!(tcr(Regime::El2, F, va, pa), tcr(Regime::El3, F, va, pa));
            }
        }
    }

    #[test]
    fn tcr_el1_48_bit_va_40_bit_pa() {
        let tcr = tcr(Regime::El10, F, 48, 40).unwrap();
        assert_eq!(tcr & TCR_T0SZ_MASK, 16);
        assert_eq!((tcr >> 16) & 0b11_1111, 16, "T1SZ");
        assert_eq!(tcr & 0xFFFF, 0x3510, "T0SZ, IRGN0, ORGN0, SH0, TG0");
        assert_ne!(tcr & TCR_EL1_EPD1, 0, "EPD1");
        assert_eq!((tcr >> 30) & 0b11, 0b10, "TG1 = 4 KiB");
        assert_eq!((tcr >> 32) & 0b111, 0b010, "IPS = 40 bits");
        assert_eq!(tcr & (1 << 7), 0, "EPD0 clear");
        assert_eq!(tcr, 0x2_8090_3510);
    }

    #[test]
    fn t0sz_and_ps_for_every_size() {
        for va in VA_BITS_MIN..=VA_BITS_48 {
            let t = tcr(Regime::El3, F, va, 48).unwrap();
            assert_eq!(t & TCR_T0SZ_MASK, 64 - va as u64);
            assert_eq!((t & TCR_EL23_PS_MASK) >> TCR_EL23_PS_SHIFT, 5);
        }
        for (i, pa) in PA_BITS.into_iter().enumerate() {
            let t = tcr(
                Regime::El10,
                Format::for_sizes(Granule::Size4K, 39, pa),
                39,
                pa,
            )
            .unwrap();
            assert_eq!((t & TCR_EL1_IPS_MASK) >> TCR_EL1_IPS_SHIFT, i as u64);
            assert_eq!(t & TCR_T0SZ_MASK, 25);
        }
    }

    #[test]
    fn unsupported_sizes() {
        assert_eq!(tcr(Regime::El3, F, 24, 40), None);
        assert_eq!(tcr(Regime::El3, F, 49, 40), None);
        assert_eq!(tcr(Regime::El10, F, 48, 41), None);
        assert_eq!(tcr(Regime::El10, F, 48, 52), None);
        assert_eq!(ps_encoding(0), None);
        assert!(Registers::new(Regime::El2, F, 48, 33, 0, false).is_none());
    }

    #[test]
    fn bit_counts_outside_the_architecture_are_rejected() {
        for bits in [0u8, 24, 53, 64, 65, 255] {
            assert_eq!(t0sz(bits), None, "{bits}");
            assert_eq!(t1sz(bits), None, "{bits}");
            assert_eq!(upper_range_start(bits), None, "{bits}");
        }
        // Over 48 bits only in a 52-bit format.
        for bits in [0u8, 24, 49, 52, 53, 64, 65, 255] {
            assert_eq!(tcr_ranges(Regime::El10, F, None, Some(bits), 40), None);
            assert_eq!(tcr_ranges(Regime::El10, F, Some(48), Some(bits), 40), None);
        }
        assert_eq!(t0sz(52), Some(12));
        assert_eq!(upper_range_start(52), Some(0xFFF0_0000_0000_0000));
        assert_eq!(t0sz(25), Some(39));
        assert_eq!(t1sz(48), Some(16));
        assert_eq!(upper_range_start(48), Some(0xFFFF_0000_0000_0000));
        assert_eq!(upper_range_start(25), Some(0xFFFF_FFFF_FE00_0000));
    }

    #[test]
    fn covering_sizes() {
        assert_eq!(lower_va_bits_for(0), Some(25));
        assert_eq!(lower_va_bits_for((1 << 25) - 1), Some(25));
        assert_eq!(lower_va_bits_for(1 << 25), Some(26));
        assert_eq!(lower_va_bits_for(0x3FFF_FFFF), Some(30));
        assert_eq!(lower_va_bits_for((1 << 48) - 1), Some(48));
        assert_eq!(lower_va_bits_for(1 << 48), None);
        assert_eq!(lower_va_bits_for(u64::MAX), None);
        assert_eq!(upper_va_bits_for(u64::MAX), Some(25));
        assert_eq!(upper_va_bits_for(0xFFFF_FFFF_C000_0000), Some(30));
        assert_eq!(upper_va_bits_for(0xFFFF_8000_0000_0000), Some(47));
        assert_eq!(upper_va_bits_for(0xFFFF_0000_0000_0000), Some(48));
        assert_eq!(upper_va_bits_for(0xFFFE_FFFF_FFFF_F000), None);
        assert_eq!(upper_va_bits_for(0x8000_0000_0000_0000), None);
        assert_eq!(upper_va_bits_for(0), None);
        for bits in VA_BITS_MIN..=VA_BITS_48 {
            let start = upper_range_start(bits).unwrap();
            assert_eq!(upper_va_bits_for(start), Some(bits));
            assert_eq!(lower_va_bits_for((1u64 << bits) - 1), Some(bits));
        }
        assert_eq!(lower_va_bits_within(1 << 48, 52), Some(49));
        assert_eq!(lower_va_bits_within((1 << 52) - 1, 52), Some(52));
        assert_eq!(lower_va_bits_within(1 << 52, 52), None);
        assert_eq!(upper_va_bits_within(0xFFF0_0000_0000_0000, 52), Some(52));
        assert_eq!(upper_va_bits_within(0xFFF0_0000_0000_0000, 48), None);
    }

    #[test]
    fn granules_and_52_bit_formats_in_tcr() {
        // TG0 and TG1 per granule: the encodings differ.
        for (granule, tg0, tg1) in [
            (Granule::Size4K, 0b00, 0b10),
            (Granule::Size16K, 0b10, 0b01),
            (Granule::Size64K, 0b01, 0b11),
        ] {
            let f = Format::for_sizes(granule, 48, 40);
            let t = tcr_ranges(Regime::El10, f, Some(39), Some(48), 40).unwrap();
            assert_eq!((t >> 14) & 0b11, tg0, "{granule} TG0");
            assert_eq!((t >> 30) & 0b11, tg1, "{granule} TG1");
            assert_eq!(t & TCR_EL1_DS, 0, "{granule} DS");
            let t = tcr(Regime::El3, f, 48, 40).unwrap();
            assert_eq!((t >> 14) & 0b11, tg0, "{granule} EL3 TG0");
            assert_eq!(t & TCR_EL23_DS, 0);
        }
        // FEAT_LPA2: DS = 1 (bit 59 in TCR_EL1, bit 32 in TCR_EL2/EL3), T0SZ = 12, PS = 6.
        let ds = Format::for_sizes(Granule::Size4K, 52, 52);
        let t = tcr(Regime::El10, ds, 52, 52).unwrap();
        assert_ne!(t & TCR_EL1_DS, 0);
        assert_eq!(t & TCR_T0SZ_MASK, 12);
        assert_eq!((t & TCR_EL1_IPS_MASK) >> TCR_EL1_IPS_SHIFT, 0b110);
        let t = tcr(Regime::El2, ds, 52, 52).unwrap();
        assert_ne!(t & TCR_EL23_DS, 0);
        assert_eq!((t & TCR_EL23_PS_MASK) >> TCR_EL23_PS_SHIFT, 0b110);
        // 48-bit VA with a 52-bit PA on 16K still needs DS.
        let f = Format::for_sizes(Granule::Size16K, 48, 52);
        assert_ne!(tcr(Regime::El3, f, 48, 52).unwrap() & TCR_EL23_DS, 0);
        // 64 KiB: 52-bit VA (FEAT_LVA) and PA (FEAT_LPA) without DS.
        let f = Format::for_sizes(Granule::Size64K, 52, 52);
        let t = tcr(Regime::El3, f, 52, 52).unwrap();
        assert_eq!(t & TCR_EL23_DS, 0);
        assert_eq!(t & TCR_T0SZ_MASK, 12);
        let f = Format::for_sizes(Granule::Size64K, 52, 48);
        assert!(tcr(Regime::El3, f, 52, 48).is_some());
        // 52-bit PA in a 48-bit format is refused.
        assert_eq!(tcr(Regime::El3, F, 48, 52), None);
    }

    #[test]
    fn ttbr_with_52_bit_base_addresses() {
        // BADDR[51:48] in bits 5:2.
        let root = 0x000F_0000_1234_0000;
        let v = ttbr0(root);
        assert_eq!(v, 0x0000_0000_1234_0000 | 0xF << 2);
        assert_eq!(ttbr_baddr(v, true), root);
        assert_eq!(ttbr0(0x4000_1000), 0x4000_1000);
        assert_eq!(ttbr_baddr(0x4000_1000, false), 0x4000_1000);
        assert_eq!(ttbr_baddr(0x4000_1000, true), 0x4000_1000);
        assert_eq!(ttbr_asid(ttbr0_with_asid(root, 7)), 7);
    }

    #[test]
    fn tcr_el1_with_upper_range() {
        let both = tcr_ranges(Regime::El10, F, Some(30), Some(39), 40).unwrap();
        assert_eq!(both & TCR_T0SZ_MASK, 34);
        assert_eq!((both & TCR_EL1_T1SZ_MASK) >> TCR_EL1_T1SZ_SHIFT, 25);
        assert_eq!(both & (TCR_EL1_EPD0 | TCR_EL1_EPD1), 0);
        assert_eq!((both >> 24) & 0b11, 0b01, "IRGN1");
        assert_eq!((both >> 26) & 0b11, 0b01, "ORGN1");
        assert_eq!((both >> 28) & 0b11, 0b11, "SH1");
        assert_eq!((both >> 30) & 0b11, 0b10, "TG1 = 4 KiB");
        let upper_only = tcr_ranges(Regime::El10, F, None, Some(48), 40).unwrap();
        assert_ne!(upper_only & TCR_EL1_EPD0, 0);
        assert_eq!(upper_only & TCR_EL1_EPD1, 0);
        assert_eq!((upper_only & TCR_EL1_T1SZ_MASK) >> TCR_EL1_T1SZ_SHIFT, 16);
        assert_eq!(upper_only & TCR_T0SZ_MASK, 16, "T0SZ stays in range");
        assert_eq!(tcr_ranges(Regime::El10, F, None, None, 40), None);
        for r in [Regime::El2, Regime::El3] {
            assert_eq!(tcr_ranges(r, F, Some(48), Some(48), 40), None);
            assert_eq!(tcr_ranges(r, F, None, Some(48), 40), None);
        }
        let regs =
            Registers::with_ranges(Regime::El10, F, None, Some((39, 0x4000_1000)), 40, false)
                .unwrap();
        assert_eq!((regs.ttbr0, regs.ttbr1), (0, 0x4000_1000));
    }

    #[test]
    fn shared_tcr_and_asids() {
        let tcr = tcr_shared(F, 39, 47, 40, false).unwrap();
        assert_eq!(tcr & TCR_T0SZ_MASK, 25);
        assert_eq!((tcr & TCR_EL1_T1SZ_MASK) >> TCR_EL1_T1SZ_SHIFT, 17);
        assert_eq!(
            tcr & (TCR_EL1_EPD0 | TCR_EL1_EPD1 | TCR_EL1_A1 | TCR_EL1_AS),
            0
        );
        assert_eq!(
            tcr,
            tcr_ranges(Regime::El10, F, Some(39), Some(47), 40).unwrap()
        );
        let wide = tcr_shared(F, 39, 47, 40, true).unwrap();
        assert_eq!(wide, tcr | (1 << 36));
        assert_eq!(tcr_shared(F, 24, 47, 40, false), None);
        assert_eq!(ttbr0_with_asid(0x4000_1000, 1), 0x0001_0000_4000_1000);
        assert_eq!(ttbr0_with_asid(0x4000_1000, 0xFFFF), 0xFFFF_0000_4000_1000);
        assert_eq!(ttbr_asid(ttbr0_with_asid(0x4000_1000, 300)), 300);
        assert_eq!(
            ttbr0_with_asid(0x4000_1000, 300) & TTBR_BADDR_MASK,
            0x4000_1000
        );
    }

    #[test]
    fn sctlr_bits() {
        assert_eq!(sctlr_set(false), 0x1005);
        assert_eq!(sctlr_set(true), 0x8_1005);
    }

    #[test]
    fn registers() {
        let r = Registers::new(Regime::El3, F, 48, 40, 0x4000_0000, true).unwrap();
        assert_eq!(r.mair, MAIR);
        assert_eq!(r.ttbr0, 0x4000_0000);
        assert_eq!(r.ttbr1, 0);
        assert_eq!(r.tcr, tcr(Regime::El3, F, 48, 40).unwrap());
        assert_eq!(r.sctlr_set, SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_WXN);
    }
}
