//! The system register values that load a table: `TCR_ELx`, `TTBR0_ELx`, `MAIR_ELx` and
//! the `SCTLR_ELx` bits that turn translation on.
//!
//! Field positions cite the register descriptions of the Arm Architecture Reference
//! Manual (DDI 0487, chapter D19 "AArch64 System Register Descriptions" in issue K.a; D13
//! in older issues): `TCR_EL1`, `TCR_EL2` (with `HCR_EL2.E2H` = 0, the non-VHE format),
//! `TCR_EL3`, `SCTLR_ELx`, `TTBR0_ELx`.

use super::Regime;
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

/// Mask of TG0, bits\[15:14\].
pub const TCR_TG0_MASK: u64 = 0b11 << 14;

// ---------------------------------------------------------------------------------------
// TCR_EL1 only.
// ---------------------------------------------------------------------------------------

/// Bit position of TCR_EL1.T1SZ, bits\[21:16\] (the TTBR1 region size).
pub const TCR_EL1_T1SZ_SHIFT: u32 = 16;

/// TCR_EL1.EPD1, bit 23: walks through TTBR1_EL1 are disabled; an access to the upper VA
/// range takes a translation fault.
pub const TCR_EL1_EPD1: u64 = 1 << 23;

/// TCR_EL1.TG1 = 0b10, bits\[31:30\]: the TTBR1 granule is 4 KiB (TG1 uses a different
/// encoding from TG0; 0b00 is reserved).
pub const TCR_EL1_TG1_4K: u64 = 0b10 << 30;

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

/// TCR_EL2 (E2H = 0) and TCR_EL3 bit 23: RES1.
pub const TCR_EL23_RES1_23: u64 = 1 << 23;

/// TCR_EL2 (E2H = 0) and TCR_EL3 bit 31: RES1.
pub const TCR_EL23_RES1_31: u64 = 1 << 31;

// ---------------------------------------------------------------------------------------
// Address sizes.
// ---------------------------------------------------------------------------------------

/// The smallest VA size: T0SZ at most 39 with the 4 KiB granule (without FEAT_TTST).
pub const VA_BITS_MIN: u8 = 25;

/// The largest VA size: T0SZ at least 16 (without FEAT_LVA / FEAT_LPA2).
pub const VA_BITS_MAX: u8 = 48;

/// The physical address sizes the PS / IPS field encodes without FEAT_LPA, in encoding
/// order: 0b000 = 32 bits, 0b001 = 36, 0b010 = 40, 0b011 = 42, 0b100 = 44, 0b101 = 48.
pub const PA_BITS: [u8; 6] = [32, 36, 40, 42, 44, 48];

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

/// Whether a VA size is supported: 25 to 48 bits.
pub const fn va_bits_supported(va_bits: u8) -> bool {
    va_bits >= VA_BITS_MIN && va_bits <= VA_BITS_MAX
}

/// T0SZ for a VA size: 64 - `va_bits`.
pub const fn t0sz(va_bits: u8) -> u64 {
    64 - va_bits as u64
}

/// The `TCR_ELx` value for a regime, or `None` when `va_bits` is not 25 to 48 or
/// `pa_bits` is not one of [`PA_BITS`].
///
/// Every regime gets T0SZ = 64 - `va_bits`, Write-Back Write-Allocate Inner Shareable
/// table walks (IRGN0 = ORGN0 = 0b01, SH0 = 0b11) and the 4 KiB granule (TG0 = 0b00);
/// everything else is zero except:
///
/// * `TCR_EL1`: EPD1 = 1 (no TTBR1 walks), TG1 = 0b10 (4 KiB, a non-reserved value) and
///   T1SZ = T0SZ (an in-range value; unused while EPD1 is set); IPS from `pa_bits`;
/// * `TCR_EL2` (non-VHE) and `TCR_EL3`: PS from `pa_bits`, and the RES1 bits 31 and 23.
pub const fn tcr(regime: Regime, va_bits: u8, pa_bits: u8) -> Option<u64> {
    if !va_bits_supported(va_bits) {
        return None;
    }
    let ps = match ps_encoding(pa_bits) {
        Some(ps) => ps,
        None => return None,
    };
    let t0sz = t0sz(va_bits);
    let common =
        (t0sz << TCR_T0SZ_SHIFT) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K;
    Some(match regime {
        Regime::El10 => {
            common
                | (t0sz << TCR_EL1_T1SZ_SHIFT)
                | TCR_EL1_EPD1
                | TCR_EL1_TG1_4K
                | (ps << TCR_EL1_IPS_SHIFT)
        }
        Regime::El2 | Regime::El3 => {
            common | TCR_EL23_RES1_31 | TCR_EL23_RES1_23 | (ps << TCR_EL23_PS_SHIFT)
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

/// The `TTBR0_ELx` value for a root table at `root_pa`: the address itself, ASID 0,
/// CnP 0.
pub const fn ttbr0(root_pa: u64) -> u64 {
    root_pa & TTBR_BADDR_MASK
}

/// The four register values that load one translation table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Registers {
    /// `MAIR_ELx`: always [`MAIR`].
    pub mair: u64,
    /// `TCR_ELx` for the table's regime (see [`tcr`]).
    pub tcr: u64,
    /// `TTBR0_ELx`: the root table's physical address.
    pub ttbr0: u64,
    /// The `SCTLR_ELx` bits to set (see [`sctlr_set`]); not a whole register value.
    pub sctlr_set: u64,
}

impl Registers {
    /// The register values for a regime, or `None` when `va_bits` or `pa_bits` is
    /// unsupported (see [`tcr`]).
    pub const fn new(
        regime: Regime,
        va_bits: u8,
        pa_bits: u8,
        root_pa: u64,
        wxn: bool,
    ) -> Option<Registers> {
        match tcr(regime, va_bits, pa_bits) {
            Some(tcr) => Some(Registers {
                mair: MAIR,
                tcr,
                ttbr0: ttbr0(root_pa),
                sctlr_set: sctlr_set(wxn),
            }),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcr_el3_48_bit_va_40_bit_pa() {
        let tcr = tcr(Regime::El3, 48, 40).unwrap();
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
                assert_eq!(tcr(Regime::El2, va, pa), tcr(Regime::El3, va, pa));
            }
        }
    }

    #[test]
    fn tcr_el1_48_bit_va_40_bit_pa() {
        let tcr = tcr(Regime::El10, 48, 40).unwrap();
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
        for va in VA_BITS_MIN..=VA_BITS_MAX {
            let t = tcr(Regime::El3, va, 48).unwrap();
            assert_eq!(t & TCR_T0SZ_MASK, 64 - va as u64);
            assert_eq!((t & TCR_EL23_PS_MASK) >> TCR_EL23_PS_SHIFT, 5);
        }
        for (i, pa) in PA_BITS.into_iter().enumerate() {
            let t = tcr(Regime::El10, 39, pa).unwrap();
            assert_eq!((t & TCR_EL1_IPS_MASK) >> TCR_EL1_IPS_SHIFT, i as u64);
            assert_eq!(t & TCR_T0SZ_MASK, 25);
        }
    }

    #[test]
    fn unsupported_sizes() {
        assert_eq!(tcr(Regime::El3, 24, 40), None);
        assert_eq!(tcr(Regime::El3, 49, 40), None);
        assert_eq!(tcr(Regime::El10, 48, 41), None);
        assert_eq!(tcr(Regime::El10, 48, 52), None);
        assert_eq!(ps_encoding(0), None);
        assert!(Registers::new(Regime::El2, 48, 33, 0, false).is_none());
    }

    #[test]
    fn sctlr_bits() {
        assert_eq!(sctlr_set(false), 0x1005);
        assert_eq!(sctlr_set(true), 0x8_1005);
    }

    #[test]
    fn registers() {
        let r = Registers::new(Regime::El3, 48, 40, 0x4000_0000, true).unwrap();
        assert_eq!(r.mair, MAIR);
        assert_eq!(r.ttbr0, 0x4000_0000);
        assert_eq!(r.tcr, tcr(Regime::El3, 48, 40).unwrap());
        assert_eq!(r.sctlr_set, SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_WXN);
    }
}
