//! Stage 1 VMSAv8-64 translation table descriptors: the fields of every granule, and
//! the 4 KiB granule's geometry with 48-bit output addresses (the other granules and the
//! 52-bit formats: [`granule`](super::granule)).
//!
//! Every bit position is a named constant citing the Arm Architecture Reference Manual
//! (DDI 0487), chapter D8 "The AArch64 Virtual Memory System Architecture": D8.3
//! "Translation table descriptor formats" (D8.3.1.1 "VMSAv8-64 Table descriptor format",
//! D8.3.1.2 "VMSAv8-64 Block descriptor and Page descriptor formats", Table D8-52) and
//! D8.4 "Memory access control". Older issues hold the same text in chapter D5 or D4
//! (D4.3 "VMSAv8-64 translation table format descriptors", D4.4 "Access controls and
//! memory region attributes"); where a subsection number differs between issues the
//! comments give its title. Table numbers (D8-48, D8-50, D8-52, ...) are those of a recent
//! issue and may shift between issues; the section titles quoted are stable.
//!
//! [`Descriptor`] wraps one 64-bit entry and gives each field a name, with `const`
//! getters and `with_*` builders, so encoders and the software walker read the same
//! definitions.

use core::fmt;

use crate::model::Hex;

// ---------------------------------------------------------------------------------------
// Descriptor type: D8.3 "Translation table descriptor formats", Table D8-48
// "Determination of descriptor type", bits[1:0].
// ---------------------------------------------------------------------------------------

/// Bit 0, valid: a descriptor with bit 0 clear is invalid and any access through it
/// faults (D8.3, "Translation table descriptor formats").
pub const VALID: u64 = 1 << 0;

/// Bit 1, descriptor type: at levels 0 to 2, 1 = table descriptor and 0 = block
/// descriptor; at level 3, 1 = page descriptor and 0 is reserved (treated as invalid)
/// (D8.3, "Translation table descriptor formats").
pub const TABLE_OR_PAGE: u64 = 1 << 1;

/// Mask of bits\[1:0\], the descriptor type field.
pub const TYPE_MASK: u64 = VALID | TABLE_OR_PAGE;

// ---------------------------------------------------------------------------------------
// Lower attributes of block and page descriptors, bits[11:2]: D8.3.1.2 "VMSAv8-64 Block
// descriptor and Page descriptor formats" (D4.3.3 "Memory attribute fields in the
// VMSAv8-64 translation table format descriptors" in older issues).
// ---------------------------------------------------------------------------------------

/// Bit position of AttrIndx\[2:0\], bits\[4:2\]: selects attribute byte `AttrIndx` of
/// `MAIR_ELx` (D8.3.1.2; "Stage 1 memory type and Cacheability attributes").
pub const ATTR_INDX_SHIFT: u32 = 2;

/// Mask of AttrIndx\[2:0\], bits\[4:2\].
pub const ATTR_INDX_MASK: u64 = 0b111 << ATTR_INDX_SHIFT;

/// Bit 5, NS: from a Secure translation regime, the output address is in the Non-secure
/// physical address space (D8.3.1.2; "Control of Secure or Non-secure memory access" in
/// older issues). Ignored in Non-secure state.
pub const NS: u64 = 1 << 5;

/// Bit 11 of an EL3 stage-1 block or page descriptor with FEAT_RME, NSE: with NS it
/// selects the output physical address space, {NSE, NS} = {0, 0} Secure, {0, 1}
/// Non-secure, {1, 0} Root, {1, 1} Realm (DDI 0487 D8.3, rules R_GVZML and R_XTYPW; the
/// same bit is nG in the EL1&0 regime, [`NG`], and RES0 at EL3 without FEAT_RME).
pub const NSE: u64 = 1 << 11;

/// Bit 6, AP\[1\]: in the EL1&0 regime, 1 = data access from EL0 allowed; in the
/// single-privilege EL2 and EL3 regimes it is RES1 (D8.4.1.2.1 "Stage 1 data accesses
/// using Direct permissions", Tables D8-62 and D8-63: "For a stage 1 translation that
/// supports one Exception level, AP\[1\] is RES1"; D4.4 in older issues).
pub const AP1_EL0: u64 = 1 << 6;

/// Bit 7, AP\[2\]: 1 = read-only, 0 = read/write (D8.4.1.2.1, Tables D8-62 and D8-63).
pub const AP2_READ_ONLY: u64 = 1 << 7;

/// Bit position of AP\[2:1\], bits\[7:6\].
pub const AP_SHIFT: u32 = 6;

/// Mask of AP\[2:1\], bits\[7:6\].
pub const AP_MASK: u64 = AP1_EL0 | AP2_READ_ONLY;

/// Bit position of SH\[1:0\], bits\[9:8\], the shareability of Normal memory (D8.3.1.2;
/// "Shareability attributes": for Device memory, and for Normal Non-cacheable memory,
/// the access is treated as Outer Shareable whatever the field says).
pub const SH_SHIFT: u32 = 8;

/// Mask of SH\[1:0\], bits\[9:8\].
pub const SH_MASK: u64 = 0b11 << SH_SHIFT;

/// SH\[1:0\] value 0b00: Non-shareable ("Shareability attributes").
pub const SH_NON_SHAREABLE: u8 = 0b00;

/// SH\[1:0\] value 0b10: Outer Shareable ("Shareability attributes").
pub const SH_OUTER: u8 = 0b10;

/// SH\[1:0\] value 0b11: Inner Shareable ("Shareability attributes"). 0b01 is reserved.
pub const SH_INNER: u8 = 0b11;

/// Bit 10, AF, the Access flag: with AF clear, the first access through the descriptor
/// takes an Access flag fault unless hardware management is enabled (D8.3.1.2; "The
/// Access flag").
pub const AF: u64 = 1 << 10;

/// Bit 11, nG, not global: the translation is tagged with the current ASID. Only the
/// EL1&0 regime (and EL2&0 with VHE) uses it; the single-privilege EL2 and EL3 regimes
/// have no ASID (D8.3.1.2; "Global and process-specific translation table entries").
pub const NG: u64 = 1 << 11;

// ---------------------------------------------------------------------------------------
// Output address: D8.3.1.1 and D8.3.1.2, with 48-bit OAs (TCR_ELx.DS = 0).
// ---------------------------------------------------------------------------------------

/// Bits\[47:12\]: the output address of a page or the next-level table address. A level 2
/// block uses bits\[47:21\] and a level 1 block bits\[47:30\], the low bits being RES0
/// (D8.3.1.2, Table D8-52 "OAB"; D8.3.1.1 "NLTA" for table descriptors).
pub const OA_MASK: u64 = 0x0000_FFFF_FFFF_F000;

// ---------------------------------------------------------------------------------------
// Upper attributes of block and page descriptors, bits[63:50]: D8.3.1.2, Table D8-52.
// ---------------------------------------------------------------------------------------

/// Bit 52, Contiguous: a hint that this entry is one of 16 adjacent entries, aligned to
/// 16 entries, that map a contiguous and equally aligned output range with identical
/// attributes, so one TLB entry may cache all of them (D8.3.1.2; "The Contiguous bit").
pub const CONTIGUOUS: u64 = 1 << 52;

/// Bit 53, PXN, privileged execute-never (EL1&0 regime). RES0 in the single-privilege
/// EL2 and EL3 regimes (D8.4.1.2.3 "Stage 1 instruction execution using Direct
/// permissions"; D4.4 in older issues). In EL1&0, memory writable at EL0 is never
/// executable at EL1 whatever PXN says (same section).
pub const PXN: u64 = 1 << 53;

/// Bit 54, UXN in the EL1&0 regime (execute-never at EL0) and XN in the EL2 and EL3
/// regimes (execute-never) (D8.4.1.2.3).
pub const UXN: u64 = 1 << 54;

/// Bit 54 under its single-privilege name: XN, execute-never at EL2 or EL3.
pub const XN: u64 = UXN;

// ---------------------------------------------------------------------------------------
// Hierarchical attributes of table descriptors, bits[63:59]: D8.3.1.1, Table D8-50
// "Stage 1 VMSAv8-64 Table descriptor fields", and D8.4.1.2 (hierarchical control of
// Direct permissions).
// ---------------------------------------------------------------------------------------

/// Bit 59, PXNTable: privileged execution is never allowed below this table descriptor
/// (EL1&0 regime; RES0 in EL2 and EL3) (Table D8-50).
pub const PXN_TABLE: u64 = 1 << 59;

/// Bit 60, XNTable (UXNTable in the EL1&0 regime): execution (at EL0 for EL1&0) is never
/// allowed below this table descriptor (Table D8-50).
pub const XN_TABLE: u64 = 1 << 60;

/// Bit position of APTable\[1:0\], bits\[62:61\]: bit 61 forbids EL0 access below the table
/// (RES0 in EL2 and EL3), bit 62 forbids writes (Table D8-64).
pub const AP_TABLE_SHIFT: u32 = 61;

/// Mask of APTable\[1:0\], bits\[62:61\].
pub const AP_TABLE_MASK: u64 = 0b11 << AP_TABLE_SHIFT;

/// Bit 63, NSTable: every lookup below this table descriptor is to the Non-secure
/// physical address space (Secure state only) (Table D8-50).
pub const NS_TABLE: u64 = 1 << 63;

// ---------------------------------------------------------------------------------------
// Geometry of the 4 KiB granule: D8.2 "Translation process" (translation using the 4KB
// granule: 512 entries per table, 9 VA bits per lookup level).
// ---------------------------------------------------------------------------------------

/// Bytes in one translation table (and in one page): 4 KiB.
pub const TABLE_BYTES: u64 = 4096;

/// Descriptors in one translation table: 512 eight-byte entries.
pub const ENTRIES_PER_TABLE: usize = 512;

/// Bits of VA resolved per level: 9.
pub const BITS_PER_LEVEL: u32 = 9;

/// The deepest lookup level with the 4 KiB granule: level 3 holds page descriptors
/// (Table D8-48).
pub const LEAF_LEVEL: u8 = 3;

/// The lowest VA bit a level's index resolves: level 0 resolves VA\[47:39\], level 1
/// VA\[38:30\], level 2 VA\[29:21\], level 3 VA\[20:12\]. `level` is clamped to 0..=3.
pub const fn level_shift(level: u8) -> u32 {
    let level = if level > LEAF_LEVEL {
        LEAF_LEVEL
    } else {
        level
    };
    12 + BITS_PER_LEVEL * (LEAF_LEVEL - level) as u32
}

/// Bytes one entry of a level covers: 512 GiB at level 0, 1 GiB at 1, 2 MiB at 2,
/// 4 KiB at 3.
pub const fn level_size(level: u8) -> u64 {
    1 << level_shift(level)
}

/// The index a VA selects in a table of the given level.
pub const fn level_index(va: u64, level: u8) -> usize {
    ((va >> level_shift(level)) & (ENTRIES_PER_TABLE as u64 - 1)) as usize
}

/// What a descriptor is, given the level it sits at.
///
/// Exhaustive on purpose: bits\[1:0\] and the level decide among exactly these (D8.3,
/// Table D8-48 "Determination of descriptor type"), so a decoder's `match` needs no
/// wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DescriptorKind {
    /// Bit 0 clear: lookups through it fault.
    Invalid,
    /// A pointer to a next-level table (levels 0 to 2).
    Table,
    /// A block mapping (levels 1 and 2; level 0 blocks need FEAT_LPA2).
    Block,
    /// A page mapping (level 3).
    Page,
    /// A valid bit pattern that is reserved at this level (a level 0 block without
    /// FEAT_LPA2, or type 0b01 at level 3); hardware treats it as a translation fault.
    Reserved,
}

/// One 64-bit stage 1 translation table descriptor.
///
/// The getters and `with_*` builders are `const` and name the fields of D8.3; they do
/// not check that a field is meaningful for the descriptor's kind or regime.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Descriptor(u64);

impl Descriptor {
    /// The invalid (all-zero) descriptor.
    pub const INVALID: Descriptor = Descriptor(0);

    /// A descriptor from its raw bits.
    pub const fn from_bits(bits: u64) -> Descriptor {
        Descriptor(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// A table descriptor pointing at the next-level table at `table_pa` (bits\[47:12\]
    /// kept), with no hierarchical restrictions.
    pub const fn table(table_pa: u64) -> Descriptor {
        Descriptor(VALID | TABLE_OR_PAGE | (table_pa & OA_MASK))
    }

    /// A level 1 or level 2 block descriptor with output address `pa` and no attributes.
    pub const fn block(pa: u64) -> Descriptor {
        Descriptor(VALID | (pa & OA_MASK))
    }

    /// A level 3 page descriptor with output address `pa` and no attributes.
    pub const fn page(pa: u64) -> Descriptor {
        Descriptor(VALID | TABLE_OR_PAGE | (pa & OA_MASK))
    }

    /// A leaf (block or page) descriptor for `level`: a page at level 3, a block above.
    pub const fn leaf(level: i8, pa: u64) -> Descriptor {
        if level >= LEAF_LEVEL as i8 {
            Self::page(pa)
        } else {
            Self::block(pa)
        }
    }

    const fn flag(self, bit: u64) -> bool {
        self.0 & bit != 0
    }

    const fn with_flag(self, bit: u64, on: bool) -> Descriptor {
        if on {
            Descriptor(self.0 | bit)
        } else {
            Descriptor(self.0 & !bit)
        }
    }

    /// Bit 0, valid.
    pub const fn is_valid(self) -> bool {
        self.flag(VALID)
    }

    /// What the descriptor is at `level` (-1 to 3) in a table with 48-bit descriptors:
    /// type 0b01 is a block at levels 1 and 2 only. With the 52-bit formats, blocks
    /// also sit at level 0 (4 KiB granule) or level 1 (16 KiB and 64 KiB), and the 16 KiB
    /// and 64 KiB granules have no level 1 blocks without them:
    /// [`Format::leaf_allowed`](super::Format::leaf_allowed) tells.
    pub const fn kind(self, level: i8) -> DescriptorKind {
        if !self.is_valid() {
            DescriptorKind::Invalid
        } else if self.flag(TABLE_OR_PAGE) {
            if level >= LEAF_LEVEL as i8 {
                DescriptorKind::Page
            } else {
                DescriptorKind::Table
            }
        } else if level <= 0 || level >= LEAF_LEVEL as i8 {
            DescriptorKind::Reserved
        } else {
            DescriptorKind::Block
        }
    }

    /// Bits\[47:12\]: the output address, or the next-level table address of a table
    /// descriptor. For blocks the RES0 low bits are returned as written.
    pub const fn output_address(self) -> u64 {
        self.0 & OA_MASK
    }

    /// Replaces bits\[47:12\] with those of `pa`.
    pub const fn with_output_address(self, pa: u64) -> Descriptor {
        Descriptor((self.0 & !OA_MASK) | (pa & OA_MASK))
    }

    /// AttrIndx\[2:0\], bits\[4:2\]: the MAIR attribute byte the mapping uses.
    pub const fn attr_index(self) -> u8 {
        ((self.0 & ATTR_INDX_MASK) >> ATTR_INDX_SHIFT) as u8
    }

    /// Sets AttrIndx (the low three bits of `index`).
    pub const fn with_attr_index(self, index: u8) -> Descriptor {
        Descriptor((self.0 & !ATTR_INDX_MASK) | (((index & 0b111) as u64) << ATTR_INDX_SHIFT))
    }

    /// Bit 5, NS.
    pub const fn ns(self) -> bool {
        self.flag(NS)
    }

    /// Sets or clears NS.
    pub const fn with_ns(self, on: bool) -> Descriptor {
        self.with_flag(NS, on)
    }

    /// Bit 11 as NSE (EL3 with FEAT_RME, see [`NSE`]; the same bit as
    /// [`not_global`](Self::not_global) in the EL1&0 regime).
    pub const fn nse(self) -> bool {
        self.flag(NSE)
    }

    /// AP\[2:1\], bits\[7:6\], as a two-bit value (AP\[2\] is bit 1 of the result).
    pub const fn ap(self) -> u8 {
        ((self.0 & AP_MASK) >> AP_SHIFT) as u8
    }

    /// Sets AP\[2:1\] (the low two bits of `ap`).
    pub const fn with_ap(self, ap: u8) -> Descriptor {
        Descriptor((self.0 & !AP_MASK) | (((ap & 0b11) as u64) << AP_SHIFT))
    }

    /// AP\[1\], bit 6: EL0 access allowed (EL1&0), RES1 in EL2 and EL3.
    pub const fn ap_el0(self) -> bool {
        self.flag(AP1_EL0)
    }

    /// AP\[2\], bit 7: read-only.
    pub const fn read_only(self) -> bool {
        self.flag(AP2_READ_ONLY)
    }

    /// SH\[1:0\], bits\[9:8\], as a two-bit value.
    pub const fn sh(self) -> u8 {
        ((self.0 & SH_MASK) >> SH_SHIFT) as u8
    }

    /// Sets SH\[1:0\] (the low two bits of `sh`).
    pub const fn with_sh(self, sh: u8) -> Descriptor {
        Descriptor((self.0 & !SH_MASK) | (((sh & 0b11) as u64) << SH_SHIFT))
    }

    /// Bit 10, AF.
    pub const fn af(self) -> bool {
        self.flag(AF)
    }

    /// Sets or clears AF.
    pub const fn with_af(self, on: bool) -> Descriptor {
        self.with_flag(AF, on)
    }

    /// Bit 11, nG.
    pub const fn not_global(self) -> bool {
        self.flag(NG)
    }

    /// Sets or clears nG.
    pub const fn with_not_global(self, on: bool) -> Descriptor {
        self.with_flag(NG, on)
    }

    /// Bit 52, Contiguous.
    pub const fn contiguous(self) -> bool {
        self.flag(CONTIGUOUS)
    }

    /// Sets or clears Contiguous.
    pub const fn with_contiguous(self, on: bool) -> Descriptor {
        self.with_flag(CONTIGUOUS, on)
    }

    /// Bit 53, PXN.
    pub const fn pxn(self) -> bool {
        self.flag(PXN)
    }

    /// Sets or clears PXN.
    pub const fn with_pxn(self, on: bool) -> Descriptor {
        self.with_flag(PXN, on)
    }

    /// Bit 54 read as UXN (EL1&0 regime).
    pub const fn uxn(self) -> bool {
        self.flag(UXN)
    }

    /// Sets or clears UXN.
    pub const fn with_uxn(self, on: bool) -> Descriptor {
        self.with_flag(UXN, on)
    }

    /// Bit 54 read as XN (EL2 and EL3 regimes).
    pub const fn xn(self) -> bool {
        self.flag(XN)
    }

    /// Bit 59, PXNTable (table descriptors).
    pub const fn pxn_table(self) -> bool {
        self.flag(PXN_TABLE)
    }

    /// Sets or clears PXNTable.
    pub const fn with_pxn_table(self, on: bool) -> Descriptor {
        self.with_flag(PXN_TABLE, on)
    }

    /// Bit 60, XNTable / UXNTable (table descriptors).
    pub const fn xn_table(self) -> bool {
        self.flag(XN_TABLE)
    }

    /// Sets or clears XNTable.
    pub const fn with_xn_table(self, on: bool) -> Descriptor {
        self.with_flag(XN_TABLE, on)
    }

    /// APTable\[1:0\], bits\[62:61\], as a two-bit value (table descriptors).
    pub const fn ap_table(self) -> u8 {
        ((self.0 & AP_TABLE_MASK) >> AP_TABLE_SHIFT) as u8
    }

    /// Sets APTable\[1:0\] (the low two bits of `ap`).
    pub const fn with_ap_table(self, ap: u8) -> Descriptor {
        Descriptor((self.0 & !AP_TABLE_MASK) | (((ap & 0b11) as u64) << AP_TABLE_SHIFT))
    }

    /// Bit 63, NSTable (table descriptors).
    pub const fn ns_table(self) -> bool {
        self.flag(NS_TABLE)
    }

    /// Sets or clears NSTable.
    pub const fn with_ns_table(self, on: bool) -> Descriptor {
        self.with_flag(NS_TABLE, on)
    }

    /// Every bit except the type (bits\[1:0\]) and the output address (bits\[47:12\]): what
    /// two leaf descriptors must share to be merged into a block or marked contiguous.
    pub const fn attributes(self) -> u64 {
        self.0 & !(OA_MASK | TYPE_MASK)
    }
}

impl From<u64> for Descriptor {
    fn from(bits: u64) -> Descriptor {
        Descriptor(bits)
    }
}

impl From<Descriptor> for u64 {
    fn from(d: Descriptor) -> u64 {
        d.0
    }
}

impl fmt::Debug for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Descriptor({}", Hex::from(self.0))?;
        if self.is_valid() {
            write!(
                f,
                ": oa {}, attr {}, ap {:#04b}, sh {:#04b}",
                Hex::from(self.output_address()),
                self.attr_index(),
                self.ap(),
                self.sh()
            )?;
            for (on, name) in [
                (self.flag(TABLE_OR_PAGE), "table/page"),
                (self.ns(), "NS"),
                (self.af(), "AF"),
                (self.not_global(), "nG"),
                (self.contiguous(), "Contiguous"),
                (self.pxn(), "PXN"),
                (self.uxn(), "UXN/XN"),
            ] {
                if on {
                    write!(f, ", {name}")?;
                }
            }
        }
        f.write_str(")")
    }
}

impl fmt::LowerHex for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

/// The root lookup level for a VA size: 0 for 40 to 48 bits, 1 for 31 to 39, 2 for 25 to
/// 30; `None` outside 25 to 48 (4 KiB granule; DDI 0487 D8.2, "Translation table walk
/// starting level").
pub const fn root_level(va_bits: u8) -> Option<u8> {
    match va_bits {
        40..=48 => Some(0),
        31..=39 => Some(1),
        25..=30 => Some(2),
        _ => None,
    }
}

/// The number of entries the root table uses for a VA size: `2^(va_bits - shift)`, where
/// the root level resolves VA bits from `shift` up (at most 512). The root still occupies
/// a whole 4 KiB table.
pub const fn root_entries(va_bits: u8) -> Option<usize> {
    match root_level(va_bits) {
        Some(level) => Some(1 << (va_bits as u32 - level_shift(level))),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit positions of Tables D8-50 and D8-52 (stage 1 table, block and page descriptors).
    #[test]
    fn bit_positions_match_the_descriptor_tables() {
        assert_eq!(VALID, 1 << 0);
        assert_eq!(TABLE_OR_PAGE, 1 << 1);
        assert_eq!(ATTR_INDX_MASK, 0b111 << 2);
        assert_eq!(NS, 1 << 5);
        assert_eq!(AP_MASK, 0b11 << 6);
        assert_eq!(AP1_EL0, 1 << 6);
        assert_eq!(AP2_READ_ONLY, 1 << 7);
        assert_eq!(SH_MASK, 0b11 << 8);
        assert_eq!(AF, 1 << 10);
        assert_eq!(NG, 1 << 11);
        // NSE at EL3 is the bit nG is in the EL1&0 regime.
        assert_eq!(NSE, NG);
        assert_eq!(OA_MASK, ((1u64 << 48) - 1) & !((1u64 << 12) - 1));
        assert_eq!(CONTIGUOUS, 1 << 52);
        assert_eq!(PXN, 1 << 53);
        assert_eq!(UXN, 1 << 54);
        assert_eq!(XN, 1 << 54);
        assert_eq!(PXN_TABLE, 1 << 59);
        assert_eq!(XN_TABLE, 1 << 60);
        assert_eq!(AP_TABLE_MASK, 0b11 << 61);
        assert_eq!(NS_TABLE, 1 << 63);
    }

    #[test]
    fn fields_do_not_overlap() {
        let fields = [
            TYPE_MASK,
            ATTR_INDX_MASK,
            NS,
            AP_MASK,
            SH_MASK,
            AF,
            NG,
            OA_MASK,
            CONTIGUOUS,
            PXN,
            UXN,
            PXN_TABLE,
            XN_TABLE,
            AP_TABLE_MASK,
            NS_TABLE,
        ];
        for (i, a) in fields.iter().enumerate() {
            for b in &fields[i + 1..] {
                assert_eq!(a & b, 0, "{a:#x} overlaps {b:#x}");
            }
        }
    }

    #[test]
    fn geometry() {
        assert_eq!(level_shift(0), 39);
        assert_eq!(level_shift(1), 30);
        assert_eq!(level_shift(2), 21);
        assert_eq!(level_shift(3), 12);
        assert_eq!(level_size(1), 1 << 30);
        assert_eq!(level_size(2), 2 << 20);
        assert_eq!(level_size(3), 4096);
        let va = (3 << 39) | (5 << 30) | (7 << 21) | (9 << 12) | 0xabc;
        assert_eq!(level_index(va, 0), 3);
        assert_eq!(level_index(va, 1), 5);
        assert_eq!(level_index(va, 2), 7);
        assert_eq!(level_index(va, 3), 9);
    }

    #[test]
    fn builders_round_trip() {
        let d = Descriptor::page(0x8_1234_5000)
            .with_attr_index(4)
            .with_ns(true)
            .with_ap(0b10)
            .with_sh(SH_INNER)
            .with_af(true)
            .with_not_global(true)
            .with_contiguous(true)
            .with_pxn(true)
            .with_uxn(true);
        assert_eq!(d.output_address(), 0x8_1234_5000);
        assert_eq!(d.attr_index(), 4);
        assert!(d.ns() && d.af() && d.not_global() && d.contiguous() && d.pxn() && d.uxn());
        assert_eq!(d.ap(), 0b10);
        assert!(d.read_only() && !d.ap_el0());
        assert_eq!(d.sh(), SH_INNER);
        assert_eq!(d.kind(3), DescriptorKind::Page);
        let cleared = d
            .with_ns(false)
            .with_af(false)
            .with_not_global(false)
            .with_contiguous(false)
            .with_pxn(false)
            .with_uxn(false)
            .with_ap(0)
            .with_sh(0)
            .with_attr_index(0);
        assert_eq!(cleared, Descriptor::page(0x8_1234_5000));
        assert_eq!(d.with_output_address(0x1000).output_address(), 0x1000);
        assert_eq!(d.attributes(), d.with_output_address(0x7000).attributes());
    }

    #[test]
    fn kinds_by_level() {
        let t = Descriptor::table(0x4000_0000);
        assert_eq!(t.bits(), 0x4000_0003);
        assert_eq!(t.kind(0), DescriptorKind::Table);
        assert_eq!(t.kind(2), DescriptorKind::Table);
        assert_eq!(t.kind(3), DescriptorKind::Page);
        let b = Descriptor::block(0x4000_0000);
        assert_eq!(b.bits(), 0x4000_0001);
        assert_eq!(b.kind(1), DescriptorKind::Block);
        assert_eq!(b.kind(2), DescriptorKind::Block);
        assert_eq!(b.kind(0), DescriptorKind::Reserved);
        assert_eq!(b.kind(3), DescriptorKind::Reserved);
        assert_eq!(Descriptor::INVALID.kind(1), DescriptorKind::Invalid);
        assert_eq!(Descriptor::leaf(3, 0x1000), Descriptor::page(0x1000));
        assert_eq!(Descriptor::leaf(2, 0x20_0000), Descriptor::block(0x20_0000));
    }

    #[test]
    fn table_bits() {
        let t = Descriptor::table(0x1000)
            .with_pxn_table(true)
            .with_xn_table(true)
            .with_ap_table(0b11)
            .with_ns_table(true);
        assert_eq!(t.bits(), 0x1003 | (0b11111 << 59));
        assert!(t.pxn_table() && t.xn_table() && t.ns_table());
        assert_eq!(t.ap_table(), 0b11);
        assert_eq!(t.with_ap_table(0).bits() & AP_TABLE_MASK, 0);
    }

    #[test]
    fn output_address_drops_bits_outside_47_12() {
        let d = Descriptor::page(u64::MAX);
        assert_eq!(d.output_address(), OA_MASK);
        assert_eq!(d.bits() & !OA_MASK, TYPE_MASK);
    }

    #[test]
    fn debug_names_flags() {
        let d = Descriptor::page(0x2000).with_af(true).with_uxn(true);
        let s = alloc::format!("{d:?}");
        assert!(
            s.contains("AF") && s.contains("UXN") && s.contains("0x2000"),
            "{s}"
        );
        assert_eq!(
            alloc::format!("{:?}", Descriptor::INVALID),
            "Descriptor(0x0)"
        );
    }

    #[test]
    fn root_levels_and_entries() {
        assert_eq!(root_level(48), Some(0));
        assert_eq!(root_level(40), Some(0));
        assert_eq!(root_level(39), Some(1));
        assert_eq!(root_level(31), Some(1));
        assert_eq!(root_level(30), Some(2));
        assert_eq!(root_level(25), Some(2));
        assert_eq!(root_level(24), None);
        assert_eq!(root_level(49), None);
        assert_eq!(root_entries(48), Some(512));
        assert_eq!(root_entries(40), Some(2));
        assert_eq!(root_entries(39), Some(512));
        assert_eq!(root_entries(32), Some(4));
        assert_eq!(root_entries(30), Some(512));
        assert_eq!(root_entries(25), Some(16));
    }
}
