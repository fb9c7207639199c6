//! Memory types and the Memory Attribute Indirection Register (`MAIR_ELx`).
//!
//! A descriptor does not hold a memory type itself: its AttrIndx field selects one of the
//! eight attribute bytes of `MAIR_ELx` (`MAIR_EL1`/`MAIR_EL2`/`MAIR_EL3` register
//! descriptions, DDI 0487 chapter D19 "AArch64 System Register Descriptions" in issue
//! K.a, D13 in older issues; field `Attr<n>`, bits\[8n+7:8n\]).
//!
//! # Index assignment
//!
//! Every table uses the same, fixed [`MAIR`] value, `0x000C_08FF_BB44_0400`, holding all
//! seven memory types this crate emits, in a fixed order:
//!
//! | index | byte | memory type |
//! |---|---|---|
//! | 0 | `0x00` | Device-nGnRnE |
//! | 1 | `0x04` | Device-nGnRE |
//! | 2 | `0x44` | Normal, Inner and Outer Non-cacheable |
//! | 3 | `0xBB` | Normal, Inner and Outer Write-Through, read/write-allocate |
//! | 4 | `0xFF` | Normal, Inner and Outer Write-Back, read/write-allocate |
//! | 5 | `0x08` | Device-nGRE |
//! | 6 | `0x0C` | Device-GRE |
//! | 7 | `0x00` | unused (Device-nGnRnE) |
//!
//! A fixed MAIR means a descriptor's index never depends on which other pages a layout
//! holds (adding a page never re-encodes the others), every table of every regime loads
//! the same constant, and an AttrIndx of zero, the value of an all-zero field, is the most
//! restrictive memory type. The two Device types added later took the free indices 5
//! and 6, so the descriptors of the first five kept their AttrIndx.
//!
//! Because the one MAIR holds every memory type any page can have (seven of the eight
//! `Attr<n>` slots), no table can need more than eight attributes: tables that are
//! loaded together (a kernel's table and its processes' tables under one `TCR_EL1`) load
//! the same `MAIR_EL1` value by construction, and no layout can run out of slots.

use crate::model::{Cacheability, DeviceType};

/// `Attr<n>` value 0b0000_0000: Device-nGnRnE memory (`MAIR_ELx`, `Attr<n>` encoding
/// 0b0000dd00 with dd = 0b00).
pub const ATTR_DEVICE_NGNRNE: u8 = 0x00;

/// `Attr<n>` value 0b0000_0100: Device-nGnRE memory (`Attr<n>` 0b0000dd00, dd = 0b01).
pub const ATTR_DEVICE_NGNRE: u8 = 0x04;

/// `Attr<n>` value 0b0000_1000: Device-nGRE memory (`Attr<n>` 0b0000dd00, dd = 0b10).
pub const ATTR_DEVICE_NGRE: u8 = 0x08;

/// `Attr<n>` value 0b0000_1100: Device-GRE memory (`Attr<n>` 0b0000dd00, dd = 0b11).
pub const ATTR_DEVICE_GRE: u8 = 0x0C;

/// `Attr<n>` value 0b0100_0100: Normal memory, Outer Non-cacheable (high nibble 0b0100)
/// and Inner Non-cacheable (low nibble 0b0100).
pub const ATTR_NORMAL_NC: u8 = 0x44;

/// `Attr<n>` value 0b1011_1011: Normal memory, Outer and Inner Write-Through
/// Non-transient (0b10RW) with read- and write-allocate (R = W = 1).
pub const ATTR_NORMAL_WT: u8 = 0xBB;

/// `Attr<n>` value 0b1111_1111: Normal memory, Outer and Inner Write-Back Non-transient
/// (0b11RW) with read- and write-allocate (R = W = 1).
pub const ATTR_NORMAL_WB: u8 = 0xFF;

/// A memory type a descriptor can select through the fixed [`MAIR`].
///
/// Not exhaustive: more Normal memory types (other allocation or transient hints) may
/// take the last free index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum MemoryType {
    /// Device-nGnRnE: no gathering, no reordering, no early write acknowledgement.
    DeviceNGnRnE,
    /// Device-nGnRE: no gathering, no reordering, early write acknowledgement allowed
    /// (the usual type for memory-mapped registers).
    DeviceNGnRE,
    /// Normal memory, non-cacheable.
    NormalNonCacheable,
    /// Normal memory, write-through cacheable.
    NormalWriteThrough,
    /// Normal memory, write-back cacheable.
    NormalWriteBack,
    /// Device-nGRE: no gathering; reordering and early write acknowledgement allowed.
    DeviceNGRE,
    /// Device-GRE: gathering, reordering and early write acknowledgement allowed (frame
    /// buffers, write-combining buffers).
    DeviceGRE,
}

impl MemoryType {
    /// Every type, in [`MAIR`] index order.
    ///
    /// The array grows when a type is added: iterate or index it rather than naming its
    /// length.
    pub const ALL: [MemoryType; 7] = [
        Self::DeviceNGnRnE,
        Self::DeviceNGnRE,
        Self::NormalNonCacheable,
        Self::NormalWriteThrough,
        Self::NormalWriteBack,
        Self::DeviceNGRE,
        Self::DeviceGRE,
    ];

    /// The index of the type's byte in [`MAIR`], the AttrIndx a descriptor holds.
    pub const fn index(self) -> u8 {
        match self {
            Self::DeviceNGnRnE => 0,
            Self::DeviceNGnRE => 1,
            Self::NormalNonCacheable => 2,
            Self::NormalWriteThrough => 3,
            Self::NormalWriteBack => 4,
            Self::DeviceNGRE => 5,
            Self::DeviceGRE => 6,
        }
    }

    /// The `MAIR_ELx` attribute byte.
    pub const fn attr_byte(self) -> u8 {
        match self {
            Self::DeviceNGnRnE => ATTR_DEVICE_NGNRNE,
            Self::DeviceNGnRE => ATTR_DEVICE_NGNRE,
            Self::NormalNonCacheable => ATTR_NORMAL_NC,
            Self::NormalWriteThrough => ATTR_NORMAL_WT,
            Self::NormalWriteBack => ATTR_NORMAL_WB,
            Self::DeviceNGRE => ATTR_DEVICE_NGRE,
            Self::DeviceGRE => ATTR_DEVICE_GRE,
        }
    }

    /// The type an attribute byte encodes, if it is one of the seven this crate emits.
    pub const fn from_attr_byte(byte: u8) -> Option<MemoryType> {
        match byte {
            ATTR_DEVICE_NGNRNE => Some(Self::DeviceNGnRnE),
            ATTR_DEVICE_NGNRE => Some(Self::DeviceNGnRE),
            ATTR_NORMAL_NC => Some(Self::NormalNonCacheable),
            ATTR_NORMAL_WT => Some(Self::NormalWriteThrough),
            ATTR_NORMAL_WB => Some(Self::NormalWriteBack),
            ATTR_DEVICE_NGRE => Some(Self::DeviceNGRE),
            ATTR_DEVICE_GRE => Some(Self::DeviceGRE),
            _ => None,
        }
    }

    /// The Device memory type of a [`DeviceType`].
    pub const fn device(device: DeviceType) -> MemoryType {
        match device {
            DeviceType::nGnRnE => Self::DeviceNGnRnE,
            DeviceType::nGnRE => Self::DeviceNGnRE,
            DeviceType::nGRE => Self::DeviceNGRE,
            DeviceType::GRE => Self::DeviceGRE,
        }
    }

    /// The [`DeviceType`] of a Device memory type; `None` for Normal memory.
    pub const fn device_type(self) -> Option<DeviceType> {
        match self {
            Self::DeviceNGnRnE => Some(DeviceType::nGnRnE),
            Self::DeviceNGnRE => Some(DeviceType::nGnRE),
            Self::DeviceNGRE => Some(DeviceType::nGRE),
            Self::DeviceGRE => Some(DeviceType::GRE),
            _ => None,
        }
    }

    /// The Normal memory type for a cacheability.
    pub const fn normal(cache: Cacheability) -> MemoryType {
        match cache {
            Cacheability::NonCacheable => Self::NormalNonCacheable,
            Cacheability::WriteThrough => Self::NormalWriteThrough,
            Cacheability::WriteBack => Self::NormalWriteBack,
        }
    }

    /// Whether this is a Device memory type.
    pub const fn is_device(self) -> bool {
        self.device_type().is_some()
    }

    /// The cacheability of a Normal memory type; `None` for Device memory.
    pub const fn cacheability(self) -> Option<Cacheability> {
        match self {
            Self::DeviceNGnRnE | Self::DeviceNGnRE | Self::DeviceNGRE | Self::DeviceGRE => None,
            Self::NormalNonCacheable => Some(Cacheability::NonCacheable),
            Self::NormalWriteThrough => Some(Cacheability::WriteThrough),
            Self::NormalWriteBack => Some(Cacheability::WriteBack),
        }
    }
}

/// Whether a `MAIR_ELx` attribute byte encodes Device memory: its high nibble is zero
/// (`Attr<n>` encoding 0b0000dd00; the bytes 0b0000ddxx with xx != 00 are UNPREDICTABLE
/// unless FEAT_XS, and are not produced here).
pub const fn attr_is_device(byte: u8) -> bool {
    byte >> 4 == 0
}

/// The fixed `MAIR_ELx` value every table of this crate uses, `0x000C_08FF_BB44_0400`:
/// byte `i` is the attribute of [`MemoryType`] with [`index`](MemoryType::index) `i`;
/// byte 7 is zero.
pub const MAIR: u64 = {
    let mut mair = 0u64;
    let mut i = 0;
    while i < MemoryType::ALL.len() {
        let t = MemoryType::ALL[i];
        mair |= (t.attr_byte() as u64) << (8 * t.index() as u32);
        i += 1;
    }
    mair
};

/// Attribute byte `index` (0 to 7; higher values wrap) of a `MAIR_ELx` value.
pub const fn attr_byte(mair: u64, index: u8) -> u8 {
    (mair >> (8 * (index & 0b111) as u32)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_mair_value() {
        assert_eq!(MAIR, 0x000C_08FF_BB44_0400);
        for t in MemoryType::ALL {
            assert_eq!(attr_byte(MAIR, t.index()), t.attr_byte());
            assert_eq!(MemoryType::from_attr_byte(t.attr_byte()), Some(t));
        }
        assert_eq!(attr_byte(MAIR, 7), 0);
        // The first five kept the indices they had before Device-nGRE and Device-GRE.
        assert_eq!(MAIR & 0xFF_FFFF_FFFF, 0xFF_BB44_0400);
    }

    #[test]
    fn bytes_match_the_attr_encodings() {
        assert_eq!(MemoryType::DeviceNGnRnE.attr_byte(), 0x00);
        assert_eq!(MemoryType::DeviceNGnRE.attr_byte(), 0x04);
        assert_eq!(MemoryType::NormalNonCacheable.attr_byte(), 0x44);
        assert_eq!(MemoryType::NormalWriteThrough.attr_byte(), 0xBB);
        assert_eq!(MemoryType::NormalWriteBack.attr_byte(), 0xFF);
        assert_eq!(MemoryType::DeviceNGRE.attr_byte(), 0x08);
        assert_eq!(MemoryType::DeviceGRE.attr_byte(), 0x0C);
    }

    #[test]
    fn every_device_type_has_its_own_memory_type() {
        let bytes = [0x00, 0x04, 0x08, 0x0C];
        for (d, byte) in DeviceType::ALL.into_iter().zip(bytes) {
            let t = MemoryType::device(d);
            assert!(t.is_device());
            assert_eq!(t.attr_byte(), byte, "{d}");
            assert_eq!(t.device_type(), Some(d));
        }
        assert_eq!(MemoryType::NormalWriteBack.device_type(), None);
    }

    #[test]
    fn device_bytes_have_a_zero_high_nibble() {
        for t in MemoryType::ALL {
            assert_eq!(attr_is_device(t.attr_byte()), t.is_device(), "{t:?}");
            assert_eq!(t.cacheability().is_none(), t.is_device());
        }
    }

    #[test]
    fn normal_types_follow_cacheability() {
        for c in Cacheability::ALL {
            let t = MemoryType::normal(c);
            assert!(!t.is_device());
            assert_eq!(t.cacheability(), Some(c));
        }
        assert_eq!(MemoryType::from_attr_byte(0x12), None);
    }

    #[test]
    fn indices_are_distinct_and_below_eight() {
        for (i, t) in MemoryType::ALL.iter().enumerate() {
            assert_eq!(t.index() as usize, i);
        }
        assert_eq!(attr_byte(MAIR, 9), attr_byte(MAIR, 1));
    }
}
