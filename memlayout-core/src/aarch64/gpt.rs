//! The granule protection table (GPT) of the Realm Management Extension (FEAT_RME), as
//! const data.
//!
//! With FEAT_RME every physical granule belongs to one physical address space (PAS):
//! Secure, Non-secure, Root or Realm. The granule protection table, read by the
//! granule protection check (GPC) on every access once `GPCCR_EL3.GPC` is set, gives
//! each granule its granule protection information (GPI): which PAS may access it.
//! Firmware usually builds the table at boot (Arm's trusted firmware, `lib/gpt_rme`);
//! a layout knows the PAS of every pool when it is compiled, so [`build`] writes the
//! table as an image, with the `GPTBR_EL3` and `GPCCR_EL3` values that load it.
//!
//! Sources: Arm Architecture Reference Manual (DDI 0487), chapter "The Granule
//! Protection Check Mechanism" (the GPT formats: level 0 block and table descriptors,
//! level 1 granules descriptors; the GPC lookup and its faults) and the register
//! descriptions of `GPTBR_EL3` and `GPCCR_EL3`; Arm's RME system architecture (DEN
//! 0129) for the four physical address spaces. Chapter numbers differ between issues of
//! DDI 0487; the titles quoted are stable.
//!
//! # Geometry
//!
//! Three parameters shape the table:
//!
//! * **PPS**, the protected physical address size (`GPCCR_EL3.PPS`): 4 GB to 4 PB
//!   ([`ProtectedSize`]). [`build`] picks the smallest one that covers every region.
//!   Accesses above it are not looked up: they are allowed to the Non-secure PAS and
//!   fault for the others (`GPCCR_EL3.PPS`; with FEAT_RME_GPC2, the [`gpccr`] value
//!   writes `GPCCR_EL3.APPSAA` = 0, which keeps that rule). The table itself must lie
//!   below it: the lookup treats a `GPTBR_EL3` or level 1 table address above it as a
//!   fault (QEMU's implementation of the lookup does the same), so [`build`] refuses
//!   such a placement.
//! * **PGS**, the physical granule size (`GPCCR_EL3.PGS`): 4 KiB, 16 KiB or 64 KiB
//!   ([`GranuleSize`]); the unit a level 1 descriptor describes.
//! * **L0GPTSZ**, the bytes one level 0 entry covers (`GPCCR_EL3.L0GPTSZ`): 1 GB,
//!   16 GB, 64 GB or 512 GB ([`L0GptSize`]). The field is read-only: the hardware
//!   fixes it (QEMU: 1 GB). The [`GPCCR_EL3`](Gpt::gpccr) value carries the size the
//!   table was built for, so firmware can compare it with the register before it sets
//!   `GPCCR_EL3.GPC` (writing it changes nothing).
//!
//! The level 0 table has one 8-byte entry per L0GPTSZ region below the PPS (2^(pps -
//! l0gptsz) entries, at least one) and is aligned to its size, at least 4 KiB
//! (`GPTBR_EL3.BADDR`: bits \[x:0\] of the base are treated as zero, x = max(pps -
//! l0gptsz + 2, 11)). A level 1 table describes one L0GPTSZ region with one 8-byte
//! entry per 16 granules: 2^(l0gptsz - pgs - 4) entries, 2^(l0gptsz - pgs - 1) bytes
//! (128 KiB for 1 GB and 4 KiB granules, 8 KiB at the least), and is aligned to its size
//! (the level 0 table descriptor's address field, bits \[51:12\], with its low bits
//! treated as zero down to that size; Arm's trusted firmware checks the same alignment).
//! Both sizes are powers of two.
//!
//! # Encoding
//!
//! * A level 0 region that one GPI covers whole (or that no region touches: GPI
//!   [`Gpi::NoAccess`]) is a level 0 **block descriptor** (bits\[3:0\] = 0b0001, the GPI
//!   in bits\[7:4\]).
//! * Any other level 0 region is a level 0 **table descriptor** (bits\[3:0\] = 0b0011,
//!   the level 1 table's address in bits\[51:12\]) to a level 1 table of **granules
//!   descriptors**: 16 GPIs of 4 bits per 64-bit entry, GPI *i* (bits\[4i+3:4i\]) for
//!   granule *i* of the 16 the entry covers. Level 1 contiguous descriptors are not
//!   used.
//! * A granule no region touches gets [`Gpi::NoAccess`]. A region that does not start
//!   or end on a granule boundary gives its GPI to the whole granule; two regions of
//!   different GPIs in one granule are an error ([`GptError::GranuleConflict`]).
//!
//! # Image
//!
//! One image, from its PA ([`Gpt::image_pa`]), with no padding: the tables in order of
//! alignment, largest first. Usually a level 1 table is at least as large as the level 0
//! table: the image is then the level 1 tables, in PA order of the regions they
//! describe, followed by the level 0 table. A level 0 table larger than a level 1 table
//! (a PPS far above L0GPTSZ: 4 TB with 1 GB entries and 64 KiB granules has a 32 KiB
//! level 0 table and 8 KiB level 1 tables) comes first instead, followed by the level 1
//! tables; an image without level 1 tables is the level 0 table alone. As every table
//! size is a power of two, each table then starts on a multiple of its own size when
//! the image PA is aligned to the largest ([`GptSize::align`]), and the image is
//! exactly the level 0 table and the level 1 tables ([`GptSize::bytes`]). The level 0
//! table, which `GPTBR_EL3` points at, is at [`Gpt::level0_pa`],
//! [`GptSize::level0_offset`] bytes into the image.
//!
//! [`plan`] works out the size and alignment from the regions alone, so a planner can
//! reserve the PA, and then builds the image at that PA ([`GptPlan::build`]) without
//! going through the regions again; [`table_size`] and [`build`] are the two steps on
//! their own.
//!
//! # Registers
//!
//! * `GPTBR_EL3` = PA\[51:12\] of the level 0 table (not of the image), in BADDR
//!   (bits\[39:0\]).
//! * `GPCCR_EL3` = PPS | IRGN = 0b01 and ORGN = 0b01 (table walks Normal Write-Back
//!   Read-Allocate Write-Allocate cacheable) | SH = 0b11 (Inner Shareable) | PGS |
//!   GPC = 1 | L0GPTSZ as built for. Load it after `GPTBR_EL3`, then `TLBI PAALLOS;
//!   DSB; ISB`, as Arm's trusted firmware does.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;
use core::fmt;

#[cfg(feature = "alloc")]
use crate::model::{Bytes, Hex};

// ---------------------------------------------------------------------------------------
// GPI encodings: "GPT formats", the GPI field of level 0 block descriptors and level 1
// granules descriptors.
// ---------------------------------------------------------------------------------------

/// Granule protection information: which physical address spaces may access a granule
/// ("GPT formats", GPI encodings).
///
/// The Root PAS is reached only from EL3 (Root state); the Root state may also access
/// the other spaces, each through its own PAS and subject to the granule's GPI.
///
/// Not exhaustive: later extensions add encodings (FEAT_RME_GPC2's Non-secure only,
/// 0b1101).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum Gpi {
    /// 0b0000: no access from any PAS.
    NoAccess = 0b0000,
    /// 0b1000: accessible from the Secure PAS only.
    Secure = 0b1000,
    /// 0b1001: accessible from the Non-secure PAS only.
    NonSecure = 0b1001,
    /// 0b1010: accessible from the Root PAS only.
    Root = 0b1010,
    /// 0b1011: accessible from the Realm PAS only.
    Realm = 0b1011,
    /// 0b1111: accessible from every PAS.
    Any = 0b1111,
}

impl Gpi {
    /// Every GPI this crate encodes, in encoding order.
    pub const ALL: [Gpi; 6] = [
        Gpi::NoAccess,
        Gpi::Secure,
        Gpi::NonSecure,
        Gpi::Root,
        Gpi::Realm,
        Gpi::Any,
    ];

    /// The 4-bit encoding.
    pub const fn bits(self) -> u8 {
        self as u8
    }

    /// The GPI of a 4-bit encoding, or `None` for a reserved one (a lookup that reads
    /// it takes a GPT walk fault).
    pub const fn from_bits(bits: u8) -> Option<Gpi> {
        match bits {
            0b0000 => Some(Gpi::NoAccess),
            0b1000 => Some(Gpi::Secure),
            0b1001 => Some(Gpi::NonSecure),
            0b1010 => Some(Gpi::Root),
            0b1011 => Some(Gpi::Realm),
            0b1111 => Some(Gpi::Any),
            _ => None,
        }
    }

    /// The name: `no access`, `Secure`, `Non-secure`, `Root`, `Realm` or `any access`.
    pub const fn name(self) -> &'static str {
        match self {
            Gpi::NoAccess => "no access",
            Gpi::Secure => "Secure",
            Gpi::NonSecure => "Non-secure",
            Gpi::Root => "Root",
            Gpi::Realm => "Realm",
            Gpi::Any => "any access",
        }
    }
}

impl fmt::Display for Gpi {
    /// The name and the encoding: `Realm (0xB)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:#X})", self.name(), self.bits())
    }
}

// ---------------------------------------------------------------------------------------
// GPCCR_EL3 field encodings.
// ---------------------------------------------------------------------------------------

/// The physical granule size, `GPCCR_EL3.PGS` (bits\[15:14\]): the bytes each GPI of a
/// level 1 granules descriptor describes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GranuleSize {
    /// 4 KiB, PGS = 0b00.
    #[default]
    Size4K,
    /// 16 KiB, PGS = 0b10.
    Size16K,
    /// 64 KiB, PGS = 0b01 (the encodings of 16 KiB and 64 KiB are not in size order).
    Size64K,
}

impl GranuleSize {
    /// Every granule size.
    pub const ALL: [GranuleSize; 3] = [
        GranuleSize::Size4K,
        GranuleSize::Size16K,
        GranuleSize::Size64K,
    ];

    /// The `GPCCR_EL3.PGS` encoding.
    pub const fn encoding(self) -> u64 {
        match self {
            GranuleSize::Size4K => 0b00,
            GranuleSize::Size16K => 0b10,
            GranuleSize::Size64K => 0b01,
        }
    }

    /// The granule size of a `GPCCR_EL3.PGS` encoding (0b11 is reserved).
    pub const fn from_encoding(pgs: u64) -> Option<GranuleSize> {
        match pgs {
            0b00 => Some(GranuleSize::Size4K),
            0b10 => Some(GranuleSize::Size16K),
            0b01 => Some(GranuleSize::Size64K),
            _ => None,
        }
    }

    /// log2 of the size: 12, 14 or 16.
    pub const fn shift(self) -> u32 {
        match self {
            GranuleSize::Size4K => 12,
            GranuleSize::Size16K => 14,
            GranuleSize::Size64K => 16,
        }
    }

    /// The size in bytes.
    pub const fn bytes(self) -> u64 {
        1 << self.shift()
    }
}

/// The bytes one level 0 entry covers, `GPCCR_EL3.L0GPTSZ` (bits\[23:20\], read-only:
/// fixed by the implementation).
///
/// The cost of an L0GPTSZ larger than the PPS (a 4 GB PPS with 16 GB or larger entries,
/// a 64 GB PPS with 512 GB entries): the level 0 table has one entry, whose region
/// reaches past the PPS, so no GPI covers it whole and any region makes it a table
/// descriptor. Its level 1 table describes the whole level 0 region
/// ([`level1_table_bytes`]), most of it above the PPS where no lookup reads it: with
/// 4 KiB granules 2 MiB for 16 GB entries, 8 MiB for 64 GB and 64 MiB for 512 GB (a
/// quarter of that with 16 KiB granules, a sixteenth with 64 KiB). The image is that
/// level 1 table and the 4 KiB level 0 table after it, aligned to the level 1 table's
/// size (see "Image" in the module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum L0GptSize {
    /// 1 GB (30 bits), L0GPTSZ = 0b0000.
    #[default]
    Size1G,
    /// 16 GB (34 bits), L0GPTSZ = 0b0100.
    Size16G,
    /// 64 GB (36 bits), L0GPTSZ = 0b0110.
    Size64G,
    /// 512 GB (39 bits), L0GPTSZ = 0b1001.
    Size512G,
}

impl L0GptSize {
    /// Every size.
    pub const ALL: [L0GptSize; 4] = [
        L0GptSize::Size1G,
        L0GptSize::Size16G,
        L0GptSize::Size64G,
        L0GptSize::Size512G,
    ];

    /// The `GPCCR_EL3.L0GPTSZ` encoding: the number of address bits above 30.
    pub const fn encoding(self) -> u64 {
        (self.shift() - 30) as u64
    }

    /// The size of a `GPCCR_EL3.L0GPTSZ` encoding (values other than 0, 4, 6 and 9 are
    /// reserved).
    pub const fn from_encoding(l0gptsz: u64) -> Option<L0GptSize> {
        match l0gptsz {
            0b0000 => Some(L0GptSize::Size1G),
            0b0100 => Some(L0GptSize::Size16G),
            0b0110 => Some(L0GptSize::Size64G),
            0b1001 => Some(L0GptSize::Size512G),
            _ => None,
        }
    }

    /// The size of `bytes` bytes, if it is one of the four.
    pub const fn from_bytes(bytes: u64) -> Option<L0GptSize> {
        match bytes {
            0x4000_0000 => Some(L0GptSize::Size1G),
            0x4_0000_0000 => Some(L0GptSize::Size16G),
            0x10_0000_0000 => Some(L0GptSize::Size64G),
            0x80_0000_0000 => Some(L0GptSize::Size512G),
            _ => None,
        }
    }

    /// log2 of the size: 30, 34, 36 or 39.
    pub const fn shift(self) -> u32 {
        match self {
            L0GptSize::Size1G => 30,
            L0GptSize::Size16G => 34,
            L0GptSize::Size64G => 36,
            L0GptSize::Size512G => 39,
        }
    }

    /// The size in bytes.
    pub const fn bytes(self) -> u64 {
        1 << self.shift()
    }
}

/// The protected physical address size, `GPCCR_EL3.PPS` (bits\[2:0\]): the PA range the
/// GPT describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtectedSize {
    /// 4 GB (32 bits), PPS = 0b000.
    Size4G,
    /// 64 GB (36 bits), PPS = 0b001.
    Size64G,
    /// 1 TB (40 bits), PPS = 0b010.
    Size1T,
    /// 4 TB (42 bits), PPS = 0b011.
    Size4T,
    /// 16 TB (44 bits), PPS = 0b100.
    Size16T,
    /// 256 TB (48 bits), PPS = 0b101.
    Size256T,
    /// 4 PB (52 bits), PPS = 0b110.
    Size4P,
}

impl ProtectedSize {
    /// Every size, smallest first.
    pub const ALL: [ProtectedSize; 7] = [
        ProtectedSize::Size4G,
        ProtectedSize::Size64G,
        ProtectedSize::Size1T,
        ProtectedSize::Size4T,
        ProtectedSize::Size16T,
        ProtectedSize::Size256T,
        ProtectedSize::Size4P,
    ];

    /// The `GPCCR_EL3.PPS` encoding, 0 to 6.
    pub const fn encoding(self) -> u64 {
        self as u64
    }

    /// The size of a `GPCCR_EL3.PPS` encoding (0b111 is reserved).
    pub const fn from_encoding(pps: u64) -> Option<ProtectedSize> {
        if pps < 7 {
            Some(Self::ALL[pps as usize])
        } else {
            None
        }
    }

    /// The number of address bits: 32, 36, 40, 42, 44, 48 or 52.
    pub const fn bits(self) -> u32 {
        match self {
            ProtectedSize::Size4G => 32,
            ProtectedSize::Size64G => 36,
            ProtectedSize::Size1T => 40,
            ProtectedSize::Size4T => 42,
            ProtectedSize::Size16T => 44,
            ProtectedSize::Size256T => 48,
            ProtectedSize::Size4P => 52,
        }
    }

    /// The size in bytes.
    pub const fn bytes(self) -> u64 {
        1 << self.bits()
    }

    /// The smallest size whose range `0..2^bits` holds every address below `end`, or
    /// `None` if `end` is above 2^52.
    pub const fn covering(end: u128) -> Option<ProtectedSize> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if end <= Self::ALL[i].bytes() as u128 {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }
}

/// The link section of a layout's granule protection table image: `memory_layout!` puts
/// `gpt::TRANSLATION` in it (on ELF targets), and the ld export places it at
/// `gpt::IMAGE_PA`, the image's PA (the level 0 table, `gpt::TABLES_PA`, lies inside
/// it).
pub const GPT_SECTION: &str = ".memlayout.gpt";

/// The largest physical address size the GPT describes: 52 bits (PPS 4 PB).
pub const MAX_PA_BITS: u32 = 52;

// ---------------------------------------------------------------------------------------
// GPTBR_EL3 and GPCCR_EL3 fields: the register descriptions in DDI 0487.
// ---------------------------------------------------------------------------------------

/// `GPTBR_EL3.BADDR`, bits\[39:0\]: PA\[51:12\] of the level 0 table.
pub const GPTBR_BADDR_MASK: u64 = (1 << 40) - 1;

/// Bit position of `GPCCR_EL3.PPS`, bits\[2:0\].
pub const GPCCR_PPS_SHIFT: u32 = 0;
/// Mask of `GPCCR_EL3.PPS`.
pub const GPCCR_PPS_MASK: u64 = 0b111 << GPCCR_PPS_SHIFT;
/// `GPCCR_EL3.IRGN` = 0b01, bits\[9:8\]: GPT fetches are Inner Write-Back Read-Allocate
/// Write-Allocate cacheable.
pub const GPCCR_IRGN_WBWA: u64 = 0b01 << 8;
/// `GPCCR_EL3.ORGN` = 0b01, bits\[11:10\]: GPT fetches are Outer Write-Back
/// Read-Allocate Write-Allocate cacheable.
pub const GPCCR_ORGN_WBWA: u64 = 0b01 << 10;
/// `GPCCR_EL3.SH` = 0b11, bits\[13:12\]: GPT fetches are Inner Shareable.
pub const GPCCR_SH_INNER: u64 = 0b11 << 12;
/// Bit position of `GPCCR_EL3.PGS`, bits\[15:14\].
pub const GPCCR_PGS_SHIFT: u32 = 14;
/// Mask of `GPCCR_EL3.PGS`.
pub const GPCCR_PGS_MASK: u64 = 0b11 << GPCCR_PGS_SHIFT;
/// `GPCCR_EL3.GPC`, bit 16: granule protection checks enabled.
pub const GPCCR_GPC: u64 = 1 << 16;
/// Bit position of `GPCCR_EL3.L0GPTSZ`, bits\[23:20\] (read-only).
pub const GPCCR_L0GPTSZ_SHIFT: u32 = 20;
/// Mask of `GPCCR_EL3.L0GPTSZ`.
pub const GPCCR_L0GPTSZ_MASK: u64 = 0b1111 << GPCCR_L0GPTSZ_SHIFT;

/// The `GPTBR_EL3` value for a level 0 table at `level0_pa`: BADDR = PA\[51:12\].
pub const fn gptbr(level0_pa: u64) -> u64 {
    (level0_pa >> 12) & GPTBR_BADDR_MASK
}

/// The `GPCCR_EL3` value that turns checks on for a table of this geometry: PPS, PGS,
/// write-back cacheable Inner Shareable table fetches, GPC = 1, and L0GPTSZ (read-only
/// in hardware, carried so firmware can check it).
pub const fn gpccr(pps: ProtectedSize, pgs: GranuleSize, l0gptsz: L0GptSize) -> u64 {
    (pps.encoding() << GPCCR_PPS_SHIFT)
        | GPCCR_IRGN_WBWA
        | GPCCR_ORGN_WBWA
        | GPCCR_SH_INNER
        | (pgs.encoding() << GPCCR_PGS_SHIFT)
        | GPCCR_GPC
        | (l0gptsz.encoding() << GPCCR_L0GPTSZ_SHIFT)
}

// ---------------------------------------------------------------------------------------
// Level 0 descriptors: "GPT formats", level 0 GPT descriptor formats.
// ---------------------------------------------------------------------------------------

/// Mask of a level 0 descriptor's type, bits\[3:0\].
pub const L0_TYPE_MASK: u64 = 0b1111;
/// Level 0 type 0b0001: a block descriptor, one GPI for the whole level 0 region.
pub const L0_TYPE_BLOCK: u64 = 0b0001;
/// Level 0 type 0b0011: a table descriptor, pointing at a level 1 table.
pub const L0_TYPE_TABLE: u64 = 0b0011;
/// Bit position of a level 0 block descriptor's GPI, bits\[7:4\] (bits\[63:8\] are RES0).
pub const L0_BLOCK_GPI_SHIFT: u32 = 4;
/// A level 0 table descriptor's level 1 table address, bits\[51:12\] (bits\[63:52\] and
/// \[11:4\] are RES0).
pub const L0_TABLE_ADDR_MASK: u64 = 0x000F_FFFF_FFFF_F000;

/// What a level 0 descriptor is.
///
/// Exhaustive on purpose: bits\[3:0\] decide among exactly these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum L0Kind {
    /// Type 0b0001 with a defined GPI.
    Block(Gpi),
    /// Type 0b0011: a level 1 table at this PA.
    Table(u64),
    /// Any other type, or a block with a reserved GPI: a lookup through it takes a GPT
    /// walk fault.
    Invalid,
}

/// One 64-bit level 0 GPT descriptor.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct L0Descriptor(u64);

impl L0Descriptor {
    /// A descriptor from its raw bits.
    pub const fn from_bits(bits: u64) -> L0Descriptor {
        L0Descriptor(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// A block descriptor giving `gpi` to the whole level 0 region.
    pub const fn block(gpi: Gpi) -> L0Descriptor {
        L0Descriptor(L0_TYPE_BLOCK | ((gpi.bits() as u64) << L0_BLOCK_GPI_SHIFT))
    }

    /// A table descriptor for the level 1 table at `table_pa` (bits\[51:12\] kept).
    pub const fn table(table_pa: u64) -> L0Descriptor {
        L0Descriptor(L0_TYPE_TABLE | (table_pa & L0_TABLE_ADDR_MASK))
    }

    /// What the descriptor is.
    pub const fn kind(self) -> L0Kind {
        match self.0 & L0_TYPE_MASK {
            L0_TYPE_BLOCK => match Gpi::from_bits(((self.0 >> L0_BLOCK_GPI_SHIFT) & 0xF) as u8) {
                Some(gpi) => L0Kind::Block(gpi),
                None => L0Kind::Invalid,
            },
            L0_TYPE_TABLE => L0Kind::Table(self.0 & L0_TABLE_ADDR_MASK),
            _ => L0Kind::Invalid,
        }
    }
}

impl fmt::Debug for L0Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L0Descriptor({:#018x}: {:?})", self.0, self.kind())
    }
}

// ---------------------------------------------------------------------------------------
// Level 1 granules descriptors: "GPT formats", level 1 GPT descriptor formats.
// ---------------------------------------------------------------------------------------

/// Granules one level 1 granules descriptor describes: 16, one 4-bit GPI each.
pub const GRANULES_PER_L1_ENTRY: u64 = 16;

/// One 64-bit level 1 granules descriptor: GPI *i* in bits\[4i+3:4i\] for granule *i*
/// of the 16 consecutive granules the entry covers (granule index PA\[pgs+3:pgs\]).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct L1Descriptor(u64);

impl L1Descriptor {
    /// A descriptor from its raw bits.
    pub const fn from_bits(bits: u64) -> L1Descriptor {
        L1Descriptor(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// A descriptor giving `gpi` to all 16 granules.
    pub const fn uniform(gpi: Gpi) -> L1Descriptor {
        L1Descriptor((gpi.bits() as u64).wrapping_mul(0x1111_1111_1111_1111))
    }

    /// The 4-bit GPI encoding of granule `index` (0 to 15; taken modulo 16).
    pub const fn gpi_bits(self, index: u32) -> u8 {
        ((self.0 >> ((index % 16) * 4)) & 0xF) as u8
    }

    /// The GPI of granule `index`, or `None` if its encoding is reserved.
    pub const fn gpi(self, index: u32) -> Option<Gpi> {
        Gpi::from_bits(self.gpi_bits(index))
    }

    /// Sets the GPI of granule `index` (0 to 15; taken modulo 16).
    pub const fn with_gpi(self, index: u32, gpi: Gpi) -> L1Descriptor {
        let shift = (index % 16) * 4;
        L1Descriptor((self.0 & !(0xF << shift)) | ((gpi.bits() as u64) << shift))
    }
}

impl fmt::Debug for L1Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L1Descriptor({:#018x})", self.0)
    }
}

// ---------------------------------------------------------------------------------------
// Geometry helpers (core only).
// ---------------------------------------------------------------------------------------

/// Entries of the level 0 table for `pps` and `l0gptsz`: one per level 0 region below
/// the PPS, 2^(pps - l0gptsz), and one when L0GPTSZ is not smaller than the PPS.
const fn level0_entries(pps: ProtectedSize, l0gptsz: L0GptSize) -> u64 {
    1 << pps.bits().saturating_sub(l0gptsz.shift())
}

/// Bytes of the level 0 table for `pps` and `l0gptsz`: 8 per entry (one per level 0
/// region below the PPS, one when L0GPTSZ is not smaller than the PPS), at least 4 KiB,
/// the table's alignment too.
pub const fn level0_table_bytes(pps: ProtectedSize, l0gptsz: L0GptSize) -> u64 {
    let bytes = 8 * level0_entries(pps, l0gptsz);
    if bytes < 4096 { 4096 } else { bytes }
}

/// Bytes of one level 1 table, its alignment too: 8 per 16 granules of a level 0
/// region, 2^(l0gptsz - pgs - 1), 8 KiB to 64 MiB.
pub const fn level1_table_bytes(pgs: GranuleSize, l0gptsz: L0GptSize) -> u64 {
    1 << (l0gptsz.shift() - pgs.shift() - 1)
}

// ---------------------------------------------------------------------------------------
// The builder (alloc).
// ---------------------------------------------------------------------------------------

/// A physical range and the GPI its granules get.
///
/// Exhaustive on purpose: a region is these three fields, built with a struct literal.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GptRegion {
    /// The first byte.
    pub start: u64,
    /// The size in bytes (not zero; `start + size` at most 2^52).
    pub size: u64,
    /// The GPI of every granule the range touches.
    pub gpi: Gpi,
}

#[cfg(feature = "alloc")]
impl GptRegion {
    /// A region of `size` bytes from `start` with `gpi`.
    pub const fn new(start: u64, size: u64, gpi: Gpi) -> GptRegion {
        GptRegion { start, size, gpi }
    }

    /// One past the last byte (past 2^64 if it wraps).
    pub const fn end(&self) -> u128 {
        self.start as u128 + self.size as u128
    }
}

/// The shape of a GPT: granule size and level 0 entry size.
///
/// Not exhaustive: start from [`GptConfig::default`] (4 KiB granules, 1 GB level 0
/// entries, QEMU's and the common hardware value) and set the fields.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct GptConfig {
    /// The physical granule size (`GPCCR_EL3.PGS`).
    pub pgs: GranuleSize,
    /// The bytes one level 0 entry covers: the implementation's `GPCCR_EL3.L0GPTSZ`.
    pub l0gptsz: L0GptSize,
}

#[cfg(feature = "alloc")]
impl GptConfig {
    /// A configuration with these sizes.
    pub const fn new(pgs: GranuleSize, l0gptsz: L0GptSize) -> GptConfig {
        GptConfig { pgs, l0gptsz }
    }
}

/// The size, alignment and shape of the image a region set needs, before its PA is
/// known ([`table_size`]).
///
/// Not exhaustive: read its fields.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct GptSize {
    /// The image size in bytes: the level 0 table and the level 1 tables, with no
    /// padding (`level0_bytes + level1_tables * level1_bytes`).
    pub bytes: u64,
    /// The alignment the image's PA needs: the larger of the level 0 table size and
    /// (when there are level 1 tables) the level 1 table size.
    pub align: u64,
    /// The protected physical address size chosen.
    pub pps: ProtectedSize,
    /// The size of the level 0 table (its alignment too).
    pub level0_bytes: u64,
    /// The number of level 1 tables.
    pub level1_tables: usize,
    /// The size of one level 1 table (its alignment too).
    pub level1_bytes: u64,
    /// The offset of the level 0 table in the image: after the level 1 tables when a
    /// level 1 table is at least as large as the level 0 table, 0 otherwise (see "Image"
    /// in the module documentation).
    pub level0_offset: u64,
    /// The offset of the first level 1 table in the image (the others follow it): 0
    /// when the level 1 tables come first, the level 0 table's size otherwise.
    pub level1_offset: u64,
}

/// Why a GPT cannot be built.
///
/// Not exhaustive: new checks become new variants, so match with a wildcard arm.
/// A region is named by its index in the slice given to [`plan`], [`build`] or
/// [`table_size`] (`regions[i]` in the messages): the index stays in the error data so
/// that the caller can map it back to what it made the region from. A
/// [`Layout`](crate::Layout) gives one region per pool, in pool order
/// ([`Layout::gpt_regions`](crate::Layout::gpt_regions)), and maps the index to the
/// pool's name in its own errors.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GptError {
    /// A region of zero bytes.
    EmptyRegion {
        /// The region's index.
        region: usize,
        /// Its start.
        start: u64,
    },
    /// A region that ends beyond the 52-bit physical address space the GPT can describe
    /// (or past 2^64).
    BeyondPa {
        /// The region's index.
        region: usize,
        /// Its start.
        start: u64,
        /// Its size.
        size: u64,
    },
    /// Two regions of different GPIs in one granule.
    GranuleConflict {
        /// The granule's first byte.
        granule: u64,
        /// The granule size.
        pgs: GranuleSize,
        /// The region given first.
        first: usize,
        /// Its GPI.
        first_gpi: Gpi,
        /// The region given later.
        second: usize,
        /// Its GPI.
        second_gpi: Gpi,
    },
    /// The image's PA is not aligned as the tables require ([`GptSize::align`]).
    MisalignedBase {
        /// The image PA given.
        image_pa: u64,
        /// The alignment required.
        align: u64,
    },
    /// The image does not lie below the protected physical address size, where the GPC
    /// would fault on every lookup. Place it below the PPS, or add a region that covers
    /// the image (usually Root, the space the table lives in): the PPS grows to cover
    /// every region.
    ImageBeyondPps {
        /// The image PA given.
        image_pa: u64,
        /// The image size.
        bytes: u64,
        /// The protected size the regions give.
        pps: ProtectedSize,
    },
    /// The image is larger than this host can hold in memory. L0GPTSZ is read-only
    /// (fixed by the implementation), so the image shrinks only with fewer level 1
    /// tables (one per level 0 region that is not one GPI whole: keep regions of
    /// different GPIs in different level 0 regions) or with a larger granule.
    TooLarge {
        /// The image size in bytes.
        bytes: u64,
    },
}

#[cfg(feature = "alloc")]
impl fmt::Display for GptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GptError::EmptyRegion { region, start } => write!(
                f,
                "GPT regions[{region}] at PA {} has no bytes; give it a size",
                Hex::from(*start)
            ),
            GptError::BeyondPa {
                region,
                start,
                size,
            } => write!(
                f,
                "GPT regions[{region}] at PA {}..{} ends beyond the 52-bit physical address \
                 space a granule protection table describes; move it below 0x10_0000_0000_0000",
                Hex::from(*start),
                Hex(u128::from(*start) + u128::from(*size))
            ),
            GptError::GranuleConflict {
                granule,
                pgs,
                first,
                first_gpi,
                second,
                second_gpi,
            } => write!(
                f,
                "the {} granule at PA {} is claimed as {first_gpi} by GPT regions[{first}] and \
                 as {second_gpi} by GPT regions[{second}], and a granule has one GPI; align \
                 both regions to {}",
                Bytes(pgs.bytes()),
                Hex::from(*granule),
                Bytes(pgs.bytes())
            ),
            GptError::MisalignedBase { image_pa, align } => write!(
                f,
                "the granule protection table at PA {} is not aligned to {}, as its tables \
                 require; place it on a {} boundary",
                Hex::from(*image_pa),
                Bytes(*align),
                Bytes(*align)
            ),
            GptError::ImageBeyondPps {
                image_pa,
                bytes,
                pps,
            } => write!(
                f,
                "the granule protection table at PA {}..{} does not lie below the {}-bit \
                 protected physical address size of its regions, so every check would \
                 fault; place it below {}, or add a region (usually Root) that covers it, \
                 which raises the protected size",
                Hex::from(*image_pa),
                Hex(u128::from(*image_pa) + u128::from(*bytes)),
                pps.bits(),
                Hex::from(pps.bytes())
            ),
            GptError::TooLarge { bytes } => write!(
                f,
                "the granule protection table needs {} bytes, more than this host can \
                 hold; L0GPTSZ is fixed by the implementation, so use fewer level 1 \
                 tables (one per level 0 region that is not one GPI whole: keep regions of \
                 different GPIs in different level 0 regions) or a larger granule",
                Hex::from(*bytes)
            ),
        }
    }
}

#[cfg(feature = "alloc")]
impl core::error::Error for GptError {}

/// A granule protection table: the image and the register values that load it.
///
/// Not exhaustive: built by [`build`] or [`GptPlan::build`]; read it with its methods.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Gpt {
    image: Vec<u8>,
    image_pa: u64,
    size: GptSize,
    config: GptConfig,
}

#[cfg(feature = "alloc")]
impl Gpt {
    /// The image: the level 1 tables and the level 0 table, largest alignment first
    /// (see "Image" in the module documentation), little-endian 64-bit descriptors. Load
    /// it at [`image_pa`](Self::image_pa).
    pub fn image(&self) -> &[u8] {
        &self.image
    }

    /// The PA the image is loaded at: its first byte, aligned to [`GptSize::align`]. Not
    /// necessarily the level 0 table's PA ([`level0_pa`](Self::level0_pa)).
    pub const fn image_pa(&self) -> u64 {
        self.image_pa
    }

    /// The PA of the level 0 table, which `GPTBR_EL3` points at: [`GptSize::level0_offset`]
    /// bytes into the image.
    pub const fn level0_pa(&self) -> u64 {
        self.image_pa + self.size.level0_offset
    }

    /// Size, alignment and shape.
    pub const fn size(&self) -> &GptSize {
        &self.size
    }

    /// The granule and level 0 entry sizes it was built for.
    pub const fn config(&self) -> GptConfig {
        self.config
    }

    /// The protected physical address size.
    pub const fn pps(&self) -> ProtectedSize {
        self.size.pps
    }

    /// The `GPTBR_EL3` value: BADDR = PA\[51:12\] of the level 0 table
    /// ([`level0_pa`](Self::level0_pa)).
    pub const fn gptbr(&self) -> u64 {
        gptbr(self.level0_pa())
    }

    /// The `GPCCR_EL3` value: see [`gpccr`].
    pub const fn gpccr(&self) -> u64 {
        gpccr(self.size.pps, self.config.pgs, self.config.l0gptsz)
    }

    /// The level 0 descriptors, in PA order of the regions they describe.
    pub fn level0(&self) -> impl Iterator<Item = L0Descriptor> + '_ {
        let start = self.size.level0_offset as usize;
        self.image[start..start + self.size.level0_bytes as usize]
            .chunks_exact(8)
            .take(level0_entries(self.size.pps, self.config.l0gptsz) as usize)
            .map(|c| L0Descriptor::from_bits(read_u64(c)))
    }
}

#[cfg(feature = "alloc")]
fn read_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// A run of granules with one GPI: granule indices `start..end`.
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u64,
    end: u64,
    gpi: Gpi,
}

/// Checks the regions and turns them into disjoint runs of granules in PA order,
/// neighbours of one GPI merged, and the PPS that covers them.
#[cfg(feature = "alloc")]
fn runs(regions: &[GptRegion], pgs: GranuleSize) -> Result<(Vec<Run>, ProtectedSize), GptError> {
    let shift = pgs.shift();
    let mut spans: Vec<(Run, usize)> = Vec::with_capacity(regions.len());
    let mut end = 0u128;
    for (i, r) in regions.iter().enumerate() {
        if r.size == 0 {
            return Err(GptError::EmptyRegion {
                region: i,
                start: r.start,
            });
        }
        if r.end() > 1u128 << MAX_PA_BITS {
            return Err(GptError::BeyondPa {
                region: i,
                start: r.start,
                size: r.size,
            });
        }
        // Below 2^52: the granule indices fit in u64 with room.
        let first = r.start >> shift;
        let last = ((r.end() - 1) >> shift) as u64;
        spans.push((
            Run {
                start: first,
                end: last + 1,
                gpi: r.gpi,
            },
            i,
        ));
        end = end.max(u128::from(last + 1) << shift);
    }
    // Stable: regions starting in the same granule keep their order.
    spans.sort_by_key(|(run, _)| run.start);
    let mut merged: Vec<Run> = Vec::with_capacity(spans.len());
    // The span (and its region) that reaches furthest so far.
    let mut reach: Option<(Run, usize)> = None;
    for &(run, i) in &spans {
        if let Some((far, j)) = reach
            && run.start < far.end
            && run.gpi != far.gpi
        {
            let (first, second) = if j < i { (j, i) } else { (i, j) };
            return Err(GptError::GranuleConflict {
                granule: run.start << shift,
                pgs,
                first,
                first_gpi: regions[first].gpi,
                second,
                second_gpi: regions[second].gpi,
            });
        }
        if reach.is_none_or(|(far, _)| run.end > far.end) {
            reach = Some((run, i));
        }
        match merged.last_mut() {
            Some(last) if last.gpi == run.gpi && run.start <= last.end => {
                last.end = last.end.max(run.end);
            }
            _ => merged.push(run),
        }
    }
    // `end` is at most 2^52, which the largest PPS covers.
    let pps = ProtectedSize::covering(end).unwrap_or(ProtectedSize::Size4P);
    Ok((merged, pps))
}

/// For each level 0 region below the PPS: `Ok(gpi)` when one GPI covers it whole (or
/// nothing touches it: no access), `Err(range)` with the runs (indices into `runs`)
/// that touch it when it needs a level 1 table.
#[cfg(feature = "alloc")]
fn level0_plan(
    runs: &[Run],
    pps: ProtectedSize,
    config: GptConfig,
) -> Vec<Result<Gpi, core::ops::Range<usize>>> {
    let per_l0 = 1u64 << (config.l0gptsz.shift() - config.pgs.shift());
    let entries = level0_entries(pps, config.l0gptsz);
    let mut plan = Vec::with_capacity(entries as usize);
    let mut next = 0usize;
    for k in 0..entries {
        let (lo, hi) = (k * per_l0, (k + 1) * per_l0);
        // Runs are disjoint and sorted: skip those that end before this region.
        while next < runs.len() && runs[next].end <= lo {
            next += 1;
        }
        let mut last = next;
        while last < runs.len() && runs[last].start < hi {
            last += 1;
        }
        let touching = &runs[next..last];
        plan.push(match touching {
            [] => Ok(Gpi::NoAccess),
            [only] if only.start <= lo && only.end >= hi => Ok(only.gpi),
            _ => Err(next..last),
        });
        // The last run may reach into the next region: keep it as the next start.
        next = if last > next && runs[last - 1].end > hi {
            last - 1
        } else {
            last
        };
    }
    plan
}

/// The image's size and shape: the tables largest first, so that each starts on a
/// multiple of its own size (all sizes are powers of two) and nothing pads the image.
#[cfg(feature = "alloc")]
fn size_of(level1_tables: usize, pps: ProtectedSize, config: GptConfig) -> GptSize {
    let level0_bytes = level0_table_bytes(pps, config.l0gptsz);
    let level1_bytes = level1_table_bytes(config.pgs, config.l0gptsz);
    // At most 2^52 / 2^30 level 1 tables of at most 2^26 bytes: no overflow.
    let level1_total = level1_tables as u64 * level1_bytes;
    let (level0_offset, level1_offset, align) = if level1_tables > 0 && level1_bytes >= level0_bytes
    {
        // The level 1 tables first: the level 0 table, no larger, starts on a multiple
        // of its size after them.
        (level1_total, 0, level1_bytes)
    } else {
        // The level 0 table first (alone, or the larger of the two sizes).
        (0, level0_bytes, level0_bytes)
    };
    GptSize {
        bytes: level0_bytes + level1_total,
        align,
        pps,
        level0_bytes,
        level1_tables,
        level1_bytes,
        level0_offset,
        level1_offset,
    }
}

/// A granule protection table worked out from its regions, before its PA is chosen: the
/// checked regions as runs of granules, which level 0 regions need a level 1 table, and
/// the image's size and alignment.
///
/// The first of two steps: [`plan`] makes it, a planner reserves [`size`](Self::size)
/// at a PA aligned to [`GptSize::align`], and [`build`](Self::build) writes the image
/// for that PA.
///
/// Not exhaustive: made by [`plan`]; read it with its methods.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug)]
pub struct GptPlan {
    runs: Vec<Run>,
    level0: Vec<Result<Gpi, core::ops::Range<usize>>>,
    size: GptSize,
    config: GptConfig,
}

/// Checks `regions` and works out the table they need: its PPS (the smallest that
/// covers every region, 4 GB at least), its size and alignment, and what each level 0
/// entry will be. The same regions, in any order, give the same plan.
///
/// # Errors
///
/// * [`GptError::EmptyRegion`], [`GptError::BeyondPa`]: a region of zero bytes or one
///   that ends above 2^52;
/// * [`GptError::GranuleConflict`]: two regions of different GPIs in one granule.
#[cfg(feature = "alloc")]
pub fn plan(regions: &[GptRegion], config: GptConfig) -> Result<GptPlan, GptError> {
    let (runs, pps) = runs(regions, config.pgs)?;
    let level0 = level0_plan(&runs, pps, config);
    let size = size_of(level0.iter().filter(|p| p.is_err()).count(), pps, config);
    Ok(GptPlan {
        runs,
        level0,
        size,
        config,
    })
}

/// The size, alignment and shape of the image [`build`] writes for `regions`, without
/// building it: [`plan`] and [`GptPlan::size`]. A planner that builds next keeps the
/// [`GptPlan`] instead.
///
/// # Errors
///
/// The region errors of [`plan`]: [`GptError::EmptyRegion`], [`GptError::BeyondPa`],
/// [`GptError::GranuleConflict`].
#[cfg(feature = "alloc")]
pub fn table_size(regions: &[GptRegion], config: GptConfig) -> Result<GptSize, GptError> {
    Ok(plan(regions, config)?.size)
}

/// Builds the granule protection table for `regions`, with its image at `image_pa`:
/// [`plan`], then [`GptPlan::build`].
///
/// Every granule a region touches gets the region's GPI; every other granule below the
/// PPS gets [`Gpi::NoAccess`]. The PPS is the smallest that covers every region (4 GB at
/// least). Output is deterministic: the same regions, in any order, give the same
/// image.
///
/// # Errors
///
/// The region errors of [`plan`] and the placement errors of [`GptPlan::build`].
#[cfg(feature = "alloc")]
pub fn build(regions: &[GptRegion], config: GptConfig, image_pa: u64) -> Result<Gpt, GptError> {
    plan(regions, config)?.build(image_pa)
}

#[cfg(feature = "alloc")]
impl GptPlan {
    /// The image's size, alignment and shape: reserve [`GptSize::bytes`] at a PA
    /// aligned to [`GptSize::align`] and below the PPS.
    pub const fn size(&self) -> &GptSize {
        &self.size
    }

    /// The granule and level 0 entry sizes it was planned for.
    pub const fn config(&self) -> GptConfig {
        self.config
    }

    /// Writes the image for the PA `image_pa` (its first byte; the level 0 table is
    /// [`GptSize::level0_offset`] bytes further), with the `GPTBR_EL3` and `GPCCR_EL3`
    /// values that load it. A plan can be built at several PAs; the images differ only
    /// in the level 0 table descriptors' addresses.
    ///
    /// # Errors
    ///
    /// * [`GptError::MisalignedBase`]: `image_pa` is not a multiple of
    ///   [`GptSize::align`];
    /// * [`GptError::ImageBeyondPps`]: the image does not lie below the PPS;
    /// * [`GptError::TooLarge`]: the image does not fit in this host's address space.
    pub fn build(&self, image_pa: u64) -> Result<Gpt, GptError> {
        let (size, config) = (self.size, self.config);
        let pps = size.pps;
        if !image_pa.is_multiple_of(size.align) {
            return Err(GptError::MisalignedBase {
                image_pa,
                align: size.align,
            });
        }
        if u128::from(image_pa) + u128::from(size.bytes) > u128::from(pps.bytes()) {
            return Err(GptError::ImageBeyondPps {
                image_pa,
                bytes: size.bytes,
                pps,
            });
        }
        let len =
            usize::try_from(size.bytes).map_err(|_| GptError::TooLarge { bytes: size.bytes })?;
        let mut image = Vec::new();
        image
            .try_reserve_exact(len)
            .map_err(|_| GptError::TooLarge { bytes: size.bytes })?;
        image.resize(len, 0u8);

        let granules_per_l0 = 1u64 << (config.l0gptsz.shift() - config.pgs.shift());
        let mut l1_index = 0u64;
        for (k, entry) in self.level0.iter().enumerate() {
            let descriptor = match entry {
                Ok(gpi) => L0Descriptor::block(*gpi),
                Err(touching) => {
                    let offset = size.level1_offset + l1_index * size.level1_bytes;
                    l1_index += 1;
                    let table = &mut image[offset as usize..(offset + size.level1_bytes) as usize];
                    let lo = k as u64 * granules_per_l0;
                    for run in &self.runs[touching.clone()] {
                        let start = run.start.max(lo) - lo;
                        let end = run.end.min(lo + granules_per_l0) - lo;
                        fill_level1(table, start, end, run.gpi);
                    }
                    L0Descriptor::table(image_pa + offset)
                }
            };
            let at = (size.level0_offset as usize) + k * 8;
            image[at..at + 8].copy_from_slice(&descriptor.bits().to_le_bytes());
        }
        Ok(Gpt {
            image,
            image_pa,
            size,
            config,
        })
    }
}

/// Gives `gpi` to granules `start..end` of the level 1 table `table` (its bytes, every
/// GPI initially zero: no access).
#[cfg(feature = "alloc")]
fn fill_level1(table: &mut [u8], start: u64, end: u64, gpi: Gpi) {
    let mut g = start;
    while g < end {
        let entry = (g / GRANULES_PER_L1_ENTRY) as usize;
        let bytes = &mut table[entry * 8..entry * 8 + 8];
        let descriptor = if g.is_multiple_of(GRANULES_PER_L1_ENTRY) && end - g >= 16 {
            g += GRANULES_PER_L1_ENTRY;
            L1Descriptor::uniform(gpi)
        } else {
            let d = L1Descriptor::from_bits(read_u64(bytes)).with_gpi((g % 16) as u32, gpi);
            g += 1;
            d
        };
        bytes.copy_from_slice(&descriptor.bits().to_le_bytes());
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests;
