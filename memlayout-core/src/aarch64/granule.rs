//! Translation granules and the 52-bit descriptor formats: the geometry of a table.
//!
//! A VMSAv8-64 table is built for one translation granule, 4 KiB, 16 KiB or 64 KiB
//! ([`Granule`]). The granule fixes the size of every translation table and of the
//! smallest page, the VA bits each lookup level resolves, the levels that hold blocks and
//! the size of a Contiguous group. [`Format`] adds whether descriptors hold 52-bit output
//! addresses (FEAT_LPA2 with `TCR_ELx.DS` = 1 for the 4 KiB and 16 KiB granules, FEAT_LPA
//! for 64 KiB), which moves address bits into other descriptor fields and permits one
//! more block level.
//!
//! Facts cite the Arm Architecture Reference Manual (DDI 0487) chapter D8, "The AArch64
//! Virtual Memory System Architecture": D8.2 "Translation process" ("Translation
//! granule", "Translation table walk starting level"), D8.3 "Translation table
//! descriptor formats" ("Block descriptor and Page descriptor formats", "Output address
//! with 52-bit formats") and D8.6.1 "The Contiguous bit".
//!
//! Levels are `i8`: the 4 KiB granule with 49 to 52 VA bits starts its walks at level -1
//! (FEAT_LPA2); every walk ends at level 3.

use core::fmt;

use crate::model::PageSize;

/// The deepest lookup level of every granule: level 3 holds page descriptors.
pub const LAST_LEVEL: i8 = 3;

/// The smallest VA size of a range: TxSZ at most 39 (without FEAT_TTST), for every
/// granule (D8.2, "Translation table walk starting level").
pub const VA_BITS_MIN: u8 = 25;

/// The largest VA size with 48-bit formats: TxSZ at least 16.
pub const VA_BITS_48: u8 = 48;

/// The largest VA size of all: TxSZ 12, with FEAT_LPA2 (4 KiB and 16 KiB granules,
/// `TCR_ELx.DS` = 1) or FEAT_LVA (64 KiB granule).
pub const VA_BITS_52: u8 = 52;

/// A translation granule: the size of a translation table and of the smallest page
/// (D8.2, "Translation granule").
///
/// | granule | entries per table | VA bits per level | level 3 page | level 2 block | level 1 block | level 0 block |
/// |---------|------|----|--------|---------|----------------------|--------------------|
/// | 4 KiB   | 512  | 9  | 4 KiB  | 2 MiB   | 1 GiB                | 512 GiB (FEAT_LPA2) |
/// | 16 KiB  | 2048 | 11 | 16 KiB | 32 MiB  | 64 GiB (FEAT_LPA2)   | none               |
/// | 64 KiB  | 8192 | 13 | 64 KiB | 512 MiB | 4 TiB (FEAT_LPA)     | none               |
///
/// Not exhaustive: matches need a wildcard arm, although the architecture defines only
/// these three.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Granule {
    /// 4 KiB: 512 entries per table, 9 VA bits per level, the walk starts at level 0 (or
    /// -1 above 48 VA bits).
    #[default]
    #[cfg_attr(feature = "serde", serde(rename = "4K"))]
    Size4K,
    /// 16 KiB: 2048 entries per table, 11 VA bits per level; level 0 resolves 1 VA bit at
    /// 48 bits (5 at 52).
    #[cfg_attr(feature = "serde", serde(rename = "16K"))]
    Size16K,
    /// 64 KiB: 8192 entries per table, 13 VA bits per level; the walk starts at level 1
    /// at most.
    #[cfg_attr(feature = "serde", serde(rename = "64K"))]
    Size64K,
}

impl Granule {
    /// Every granule, smallest first.
    pub const ALL: [Granule; 3] = [Granule::Size4K, Granule::Size16K, Granule::Size64K];

    /// log2 of the granule's bytes: 12, 14 or 16 (the page offset bits).
    pub const fn shift(self) -> u32 {
        match self {
            Granule::Size4K => 12,
            Granule::Size16K => 14,
            Granule::Size64K => 16,
        }
    }

    /// The bytes of a translation table and of a level 3 page: 4096, 16384 or 65536.
    pub const fn bytes(self) -> u64 {
        1 << self.shift()
    }

    /// The granule of `bytes` bytes, if it is 4 KiB, 16 KiB or 64 KiB.
    pub const fn from_bytes(bytes: u64) -> Option<Granule> {
        match bytes {
            0x1000 => Some(Granule::Size4K),
            0x4000 => Some(Granule::Size16K),
            0x1_0000 => Some(Granule::Size64K),
            _ => None,
        }
    }

    /// The name as written in source: `4K`, `16K` or `64K`.
    pub const fn name(self) -> &'static str {
        match self {
            Granule::Size4K => "4K",
            Granule::Size16K => "16K",
            Granule::Size64K => "64K",
        }
    }

    /// VA bits one lookup level resolves: 9, 11 or 13 (a table holds 8-byte entries).
    pub const fn bits_per_level(self) -> u32 {
        self.shift() - 3
    }

    /// Descriptors in one translation table: 512, 2048 or 8192.
    pub const fn entries(self) -> usize {
        1 << self.bits_per_level()
    }

    /// The lowest VA bit a level's index resolves: `shift + bits_per_level × (3 - level)`
    /// (4 KiB: level 3 resolves VA\[20:12\], level 0 VA\[47:39\], level -1 VA\[51:48\];
    /// 64 KiB: level 3 VA\[28:16\], level 1 VA\[51:42\]). Levels above 3 count as 3.
    pub const fn level_shift(self, level: i8) -> u32 {
        let level = if level > LAST_LEVEL {
            LAST_LEVEL
        } else {
            level
        };
        self.shift() + self.bits_per_level() * (LAST_LEVEL - level) as u32
    }

    /// Bytes one entry of `level` maps. Saturates at 2^63 for levels whose entries span
    /// the whole 64-bit space (none that a walk uses).
    pub const fn level_size(self, level: i8) -> u64 {
        let shift = self.level_shift(level);
        if shift >= 63 { 1 << 63 } else { 1 << shift }
    }

    /// The index `va` selects in a table of `level`.
    pub const fn level_index(self, va: u64, level: i8) -> usize {
        let shift = self.level_shift(level);
        if shift >= 64 {
            0
        } else {
            ((va >> shift) & (self.entries() as u64 - 1)) as usize
        }
    }

    /// The level a walk of a `va_bits`-bit range starts at:
    /// `3 - (va_bits - 1 - shift) / bits_per_level` (the pseudocode's start level for
    /// stage 1; D8.2, "Translation table walk starting level"), or `None` outside 25 to
    /// 52 bits. 4 KiB: 25-30 bits level 2, 31-39 level 1, 40-48 level 0, 49-52 level
    /// -1. 16 KiB: 25 level 3, 26-36 level 2, 37-47 level 1, 48-52 level 0. 64 KiB: 25-29
    /// level 3, 30-42 level 2, 43-52 level 1. Whether more than 48 bits may be used is
    /// the [`Format`]'s to say ([`Format::max_va_bits`]).
    pub const fn root_level(self, va_bits: u8) -> Option<i8> {
        if va_bits < VA_BITS_MIN || va_bits > VA_BITS_52 {
            return None;
        }
        let above = (va_bits as u32 - 1 - self.shift()) / self.bits_per_level();
        Some(LAST_LEVEL - above as i8)
    }

    /// The entries the root table of a `va_bits`-bit range uses: `2^(va_bits - shift of
    /// the root level)`, or `None` outside 25 to 52 bits. A root may be smaller than a
    /// granule (2 entries for a 16 KiB granule at 48 bits); it is then aligned to its
    /// own size (at least 64 bytes), which a granule-aligned table always is.
    pub const fn root_entries(self, va_bits: u8) -> Option<usize> {
        match self.root_level(va_bits) {
            Some(level) => Some(1 << (va_bits as u32 - self.level_shift(level))),
            None => None,
        }
    }

    /// The entries of a Contiguous group at `level`, if the granule has one there
    /// (D8.6.1, "The Contiguous bit"): 4 KiB: 16 at levels 1, 2 and 3; 16 KiB: 32 at
    /// level 2 and 128 at level 3; 64 KiB: 32 at levels 2 and 3.
    pub const fn contiguous_entries(self, level: i8) -> Option<u64> {
        match (self, level) {
            (Granule::Size4K, 1..=3) => Some(16),
            (Granule::Size16K, 2) => Some(32),
            (Granule::Size16K, 3) => Some(128),
            (Granule::Size64K, 2 | 3) => Some(32),
            _ => None,
        }
    }

    /// The `TCR_ELx.TG0` encoding (bits\[15:14\]): 4 KiB 0b00, 64 KiB 0b01, 16 KiB 0b10.
    pub const fn tg0(self) -> u64 {
        match self {
            Granule::Size4K => 0b00,
            Granule::Size64K => 0b01,
            Granule::Size16K => 0b10,
        }
    }

    /// The `TCR_EL1.TG1` encoding (bits\[31:30\]), which differs from TG0's: 16 KiB 0b01,
    /// 4 KiB 0b10, 64 KiB 0b11.
    pub const fn tg1(self) -> u64 {
        match self {
            Granule::Size16K => 0b01,
            Granule::Size4K => 0b10,
            Granule::Size64K => 0b11,
        }
    }

    /// The granule a TG0 field value encodes (0b11 is reserved).
    pub const fn from_tg0(tg0: u64) -> Option<Granule> {
        match tg0 {
            0b00 => Some(Granule::Size4K),
            0b01 => Some(Granule::Size64K),
            0b10 => Some(Granule::Size16K),
            _ => None,
        }
    }

    /// The granule a TG1 field value encodes (0b00 is reserved).
    pub const fn from_tg1(tg1: u64) -> Option<Granule> {
        match tg1 {
            0b01 => Some(Granule::Size16K),
            0b10 => Some(Granule::Size4K),
            0b11 => Some(Granule::Size64K),
            _ => None,
        }
    }
}

impl fmt::Display for Granule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Bits\[9:8\] of a descriptor with `TCR_ELx.DS` = 1 (4 KiB and 16 KiB granules with
/// FEAT_LPA2): OA\[51:50\] (or the next-level table address's bits 51:50). The field is
/// SH in the 48-bit format, so shareability then comes from `TCR_ELx.SH0`/`SH1`.
pub const DS_OA_HIGH_SHIFT: u32 = 8;

/// Bits\[15:12\] of a 64 KiB-granule descriptor: OA\[51:48\] with FEAT_LPA (RES0, and
/// written zero, for output addresses below 2^48).
pub const LPA_OA_HIGH_SHIFT: u32 = 12;

/// A table's descriptor format: its granule, and whether its descriptors use the 52-bit
/// output address format.
///
/// The 52-bit format is FEAT_LPA2's with the 4 KiB and 16 KiB granules: `TCR_ELx.DS` = 1,
/// OA\[49:g\] in bits\[49:g\], OA\[51:50\] in bits\[9:8\] (no SH field: shareability comes
/// from the TCR), level 0 blocks of 512 GiB (4 KiB) or level 1 blocks of 64 GiB
/// (16 KiB), up to 52 VA bits. With the 64 KiB granule it is FEAT_LPA's: OA\[51:48\] in
/// bits\[15:12\] and level 1 blocks of 4 TiB, for a 52-bit physical address size; 52
/// VA bits need FEAT_LVA only, not this format. (D8.3, "Output address with 52-bit
/// formats".)
///
/// Exhaustive on purpose: a format is exactly these two facts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Format {
    /// The translation granule.
    pub granule: Granule,
    /// Whether descriptors use the 52-bit output address format.
    pub oa52: bool,
}

impl Format {
    /// The 4 KiB granule with 48-bit output addresses: every table before granules and
    /// 52-bit addresses existed.
    pub const DEFAULT: Format = Format {
        granule: Granule::Size4K,
        oa52: false,
    };

    /// The format of a table with `granule` whose largest VA range has `va_bits` bits and
    /// whose physical address size is `pa_bits`: 52-bit output addresses when the
    /// granule is 4 KiB or 16 KiB and either size is over 48 bits (FEAT_LPA2 needs
    /// `TCR_ELx.DS` = 1 for both), or when the granule is 64 KiB and `pa_bits` is over 48
    /// (FEAT_LPA; its 52-bit VAs need only FEAT_LVA).
    pub const fn for_sizes(granule: Granule, va_bits: u8, pa_bits: u8) -> Format {
        let oa52 = match granule {
            Granule::Size64K => pa_bits > 48,
            _ => va_bits > 48 || pa_bits > 48,
        };
        Format { granule, oa52 }
    }

    /// Whether `TCR_ELx.DS` is 1: 52-bit format with the 4 KiB or 16 KiB granule.
    pub const fn ds(self) -> bool {
        self.oa52 && !matches!(self.granule, Granule::Size64K)
    }

    /// Whether descriptors carry a shareability field (bits\[9:8\]); with `DS` = 1 they
    /// do not, and every Normal mapping has the TCR's walk shareability.
    pub const fn has_sh_field(self) -> bool {
        !self.ds()
    }

    /// The largest VA size a range may have: 52 with `DS` = 1 or the 64 KiB granule
    /// (FEAT_LVA), else 48.
    pub const fn max_va_bits(self) -> u8 {
        if self.ds() || matches!(self.granule, Granule::Size64K) {
            VA_BITS_52
        } else {
            VA_BITS_48
        }
    }

    /// The largest physical address size: 52 with the 52-bit format, else 48.
    pub const fn max_pa_bits(self) -> u8 {
        if self.oa52 { 52 } else { 48 }
    }

    /// The highest (largest) level that holds block descriptors: 4 KiB level 1 (level 0
    /// with `DS` = 1), 16 KiB and 64 KiB level 2 (level 1 with the 52-bit format).
    pub const fn first_block_level(self) -> i8 {
        let level = match self.granule {
            Granule::Size4K => 1,
            _ => 2,
        };
        if self.oa52 { level - 1 } else { level }
    }

    /// Whether `level` may hold a block (or, at level 3, a page) descriptor.
    pub const fn leaf_allowed(self, level: i8) -> bool {
        level >= self.first_block_level() && level <= LAST_LEVEL
    }

    /// The mask of output address bits of a leaf or table descriptor: bits\[47:g\]
    /// (48-bit format), bits\[49:g\] with `DS` = 1, where g is the granule's shift; the
    /// high bits stored elsewhere are not in it.
    const fn oa_low_mask(self) -> u64 {
        let top = if self.ds() { 1u64 << 50 } else { 1u64 << 48 };
        (top - 1) & !(self.granule.bytes() - 1)
    }

    /// The descriptor bits that hold output address `pa` (a leaf's output address or a
    /// table descriptor's next-level table address), aligned to the granule. Bits of `pa`
    /// the format cannot hold are dropped.
    pub const fn encode_address(self, pa: u64) -> u64 {
        let low = pa & self.oa_low_mask();
        if !self.oa52 {
            low
        } else if self.ds() {
            low | ((pa >> 50) & 0b11) << DS_OA_HIGH_SHIFT
        } else {
            low | ((pa >> 48) & 0xF) << LPA_OA_HIGH_SHIFT
        }
    }

    /// The output address (or next-level table address) a descriptor's bits hold: the
    /// inverse of [`encode_address`](Self::encode_address). For blocks, low bits inside
    /// the block are returned as written.
    pub const fn decode_address(self, bits: u64) -> u64 {
        let low = bits & self.oa_low_mask();
        if !self.oa52 {
            low
        } else if self.ds() {
            low | ((bits >> DS_OA_HIGH_SHIFT) & 0b11) << 50
        } else {
            low | ((bits >> LPA_OA_HIGH_SHIFT) & 0xF) << 48
        }
    }

    /// The descriptor bits that hold the output address in this format (for clearing).
    pub const fn address_bits(self) -> u64 {
        let high = if !self.oa52 {
            0
        } else if self.ds() {
            0b11 << DS_OA_HIGH_SHIFT
        } else {
            0xF << LPA_OA_HIGH_SHIFT
        };
        self.oa_low_mask() | high
    }

    /// How this format writes a page of `size`: the level of its leaf descriptors and how
    /// many it takes (1, or a Contiguous group: [`Granule::contiguous_entries`]), or
    /// `None` when the size is neither a page, a block nor a Contiguous group of this
    /// format.
    ///
    /// | granule | one leaf | Contiguous group |
    /// |---------|----------|------------------|
    /// | 4 KiB   | 4K, 2M, 1G; 512G with `DS` = 1 | 64K (16 × 4K), 32M (16 × 2M), 16G (16 × 1G) |
    /// | 16 KiB  | 16K, 32M; 64G with `DS` = 1 | 2M (128 × 16K), 1G (32 × 32M) |
    /// | 64 KiB  | 64K, 512M; 4T with 52-bit PAs | 2M (32 × 64K), 16G (32 × 512M) |
    pub const fn page_leaves(self, size: PageSize) -> Option<(i8, u64)> {
        let bytes = size.bytes();
        let mut level = LAST_LEVEL;
        while level >= self.first_block_level() {
            let entry = self.granule.level_size(level);
            if bytes == entry {
                return Some((level, 1));
            }
            if let Some(n) = self.granule.contiguous_entries(level)
                && bytes == entry * n
            {
                return Some((level, n));
            }
            level -= 1;
        }
        None
    }

    /// Whether a page of `size` can be written in this format.
    pub const fn allows(self, size: PageSize) -> bool {
        self.page_leaves(size).is_some()
    }
}

/// The page sizes a format maps ([`Format::page_leaves`]), smallest first, as prose:
/// `4K, 64K, 2M, 32M, 1G or 16G`; every [`PageSize`] for `None` (for messages).
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug)]
pub(crate) struct SizesOf(pub Option<Format>);

#[cfg(feature = "alloc")]
impl fmt::Display for SizesOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allows = |s: &&PageSize| self.0.is_none_or(|format| format.allows(**s));
        let count = PageSize::ALL.iter().filter(allows).count();
        for (i, size) in PageSize::ALL.iter().filter(allows).enumerate() {
            let sep = match i {
                0 => "",
                _ if i + 1 == count => " or ",
                _ => ", ",
            };
            write!(f, "{sep}{size}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} granule", self.granule)?;
        if self.oa52 {
            f.write_str(if self.ds() {
                ", 52-bit (FEAT_LPA2, DS = 1)"
            } else {
                ", 52-bit (FEAT_LPA)"
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_per_granule() {
        let g4 = Granule::Size4K;
        assert_eq!(
            (g4.bytes(), g4.entries(), g4.bits_per_level()),
            (4096, 512, 9)
        );
        assert_eq!(g4.level_size(3), 0x1000);
        assert_eq!(g4.level_size(2), 0x20_0000);
        assert_eq!(g4.level_size(1), 0x4000_0000);
        assert_eq!(g4.level_size(0), 1 << 39);
        assert_eq!(g4.level_shift(-1), 48);
        let g16 = Granule::Size16K;
        assert_eq!((g16.bytes(), g16.entries()), (16384, 2048));
        assert_eq!(g16.level_size(2), 32 << 20);
        assert_eq!(g16.level_size(1), 64 << 30);
        assert_eq!(g16.level_shift(0), 47);
        let g64 = Granule::Size64K;
        assert_eq!((g64.bytes(), g64.entries()), (65536, 8192));
        assert_eq!(g64.level_size(2), 512 << 20);
        assert_eq!(g64.level_size(1), 4 << 40);
        assert_eq!(g64.level_index(0x3FF << 42 | 1 << 41, 1), 0x3FF);
    }

    #[test]
    fn start_levels() {
        let cases: &[(Granule, &[(u8, i8)])] = &[
            (
                Granule::Size4K,
                &[
                    (25, 2),
                    (30, 2),
                    (31, 1),
                    (39, 1),
                    (40, 0),
                    (48, 0),
                    (49, -1),
                    (52, -1),
                ],
            ),
            (
                Granule::Size16K,
                &[
                    (25, 3),
                    (26, 2),
                    (36, 2),
                    (37, 1),
                    (47, 1),
                    (48, 0),
                    (52, 0),
                ],
            ),
            (
                Granule::Size64K,
                &[(25, 3), (29, 3), (30, 2), (42, 2), (43, 1), (52, 1)],
            ),
        ];
        for &(g, levels) in cases {
            for &(bits, level) in levels {
                assert_eq!(g.root_level(bits), Some(level), "{g} {bits}");
            }
            assert_eq!(g.root_level(24), None);
            assert_eq!(g.root_level(53), None);
        }
        assert_eq!(Granule::Size16K.root_entries(48), Some(2));
        assert_eq!(Granule::Size16K.root_entries(52), Some(32));
        assert_eq!(Granule::Size4K.root_entries(52), Some(16));
        assert_eq!(Granule::Size64K.root_entries(48), Some(64));
        assert_eq!(Granule::Size64K.root_entries(52), Some(1024));
        assert_eq!(Granule::Size64K.root_entries(42), Some(8192));
    }

    #[test]
    fn tg_encodings_round_trip() {
        for g in Granule::ALL {
            assert_eq!(Granule::from_tg0(g.tg0()), Some(g));
            assert_eq!(Granule::from_tg1(g.tg1()), Some(g));
            assert_eq!(Granule::from_bytes(g.bytes()), Some(g));
        }
        assert_eq!(Granule::from_tg0(0b11), None);
        assert_eq!(Granule::from_tg1(0b00), None);
    }

    #[test]
    fn formats_follow_the_sizes() {
        use Granule::*;
        assert!(!Format::for_sizes(Size4K, 48, 48).oa52);
        assert!(Format::for_sizes(Size4K, 52, 40).ds());
        assert!(Format::for_sizes(Size16K, 39, 52).ds());
        let f = Format::for_sizes(Size64K, 52, 48);
        assert!(!f.oa52 && f.max_va_bits() == 52);
        let f = Format::for_sizes(Size64K, 48, 52);
        assert!(f.oa52 && !f.ds() && f.has_sh_field());
        assert_eq!(Format::DEFAULT.max_va_bits(), 48);
    }

    #[test]
    fn addresses_round_trip_in_every_format() {
        let pa = 0x000F_1234_5678_0000u64; // bits 51:48 = 0xF, 64 KiB aligned
        for granule in Granule::ALL {
            for oa52 in [false, true] {
                let f = Format { granule, oa52 };
                let low = pa & ((1 << 48) - 1);
                let want = if oa52 { pa } else { low };
                let bits = f.encode_address(pa);
                assert_eq!(f.decode_address(bits), want, "{f}");
                assert_eq!(bits & !f.address_bits(), 0, "{f}");
            }
        }
        // DS: OA[51:50] in bits 9:8, OA[49:48] in place.
        let ds = Format {
            granule: Granule::Size4K,
            oa52: true,
        };
        assert_eq!(ds.encode_address(0x000C_0000_0000_1000), 0b11 << 8 | 0x1000);
        assert_eq!(
            ds.encode_address(0x0003_0000_0000_0000),
            0x0003_0000_0000_0000
        );
        // LPA: OA[51:48] in bits 15:12.
        let lpa = Format {
            granule: Granule::Size64K,
            oa52: true,
        };
        assert_eq!(
            lpa.encode_address(0x0009_0000_0001_0000),
            0x9 << 12 | 0x1_0000
        );
    }

    #[test]
    fn page_sizes_per_format() {
        use PageSize::*;
        const G4: Granule = Granule::Size4K;
        const G16: Granule = Granule::Size16K;
        const G64: Granule = Granule::Size64K;
        let f = |granule, oa52| Format { granule, oa52 };
        assert_eq!(f(G4, false).page_leaves(Size64K), Some((3, 16)));
        assert_eq!(f(G4, false).page_leaves(Size16G), Some((1, 16)));
        assert_eq!(f(G4, false).page_leaves(Size512G), None);
        assert_eq!(f(G4, true).page_leaves(Size512G), Some((0, 1)));
        assert_eq!(f(G4, false).page_leaves(Size16K), None);
        assert_eq!(f(G16, false).page_leaves(Size16K), Some((3, 1)));
        assert_eq!(f(G16, false).page_leaves(Size2M), Some((3, 128)));
        assert_eq!(f(G16, false).page_leaves(Size32M), Some((2, 1)));
        assert_eq!(f(G16, false).page_leaves(Size1G), Some((2, 32)));
        assert_eq!(f(G16, false).page_leaves(Size64G), None);
        assert_eq!(f(G16, true).page_leaves(Size64G), Some((1, 1)));
        assert_eq!(f(G16, false).page_leaves(Size4K), None);
        assert_eq!(f(G64, false).page_leaves(Size64K), Some((3, 1)));
        assert_eq!(f(G64, false).page_leaves(Size2M), Some((3, 32)));
        assert_eq!(f(G64, false).page_leaves(Size512M), Some((2, 1)));
        assert_eq!(f(G64, false).page_leaves(Size16G), Some((2, 32)));
        assert_eq!(f(G64, false).page_leaves(Size4T), None);
        assert_eq!(f(G64, true).page_leaves(Size4T), Some((1, 1)));
        assert_eq!(f(G64, true).page_leaves(Size1G), None);
    }
}
