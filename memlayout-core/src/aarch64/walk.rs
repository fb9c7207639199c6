//! A software table walker over a translation table image.
//!
//! It follows the stage 1 lookup of DDI 0487 D8.2 "Translation process" for the 4 KiB
//! granule, reading descriptors from the image bytes (little-endian) instead of memory,
//! and decodes the permissions with the Direct permission rules of D8.4.1.2 (no
//! hierarchical restrictions, no overlays, `SCTLR_ELx.WXN` not applied).

use core::fmt;

use super::Regime;
use super::descriptor::{
    Descriptor, DescriptorKind, SH_INNER, SH_NON_SHAREABLE, SH_OUTER, TABLE_BYTES, level_index,
    level_size,
};
use super::mair::{self, MAIR, MemoryType};
use super::regs;
use crate::model::{Hex, Perms, Shareability};

/// Why a walk failed.
///
/// Not exhaustive: the walker may learn more of the architecture (other granules,
/// hierarchical permissions) and its faults, so match with a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WalkFault {
    /// The root level does not match the VA size, or the VA size is unsupported.
    BadGeometry {
        /// The root level given.
        root_level: u8,
        /// The VA size given.
        va_bits: u8,
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
    /// The descriptor at `level` is invalid or a reserved encoding (a translation fault).
    Translation {
        /// The VA.
        va: u64,
        /// The level of the faulting lookup.
        level: u8,
    },
    /// A table descriptor (or the root) points outside the image, so the walk cannot
    /// read it.
    OutsideImage {
        /// The VA.
        va: u64,
        /// The level of the table that could not be read.
        level: u8,
        /// The table's PA.
        table_pa: u64,
    },
}

impl fmt::Display for WalkFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalkFault::BadGeometry {
                root_level,
                va_bits,
            } => write!(
                f,
                "a {va_bits}-bit VA space cannot start at level {root_level}; use the root \
                 level the VA size gives (0 for 40 to 48 bits, 1 for 31 to 39, 2 for 25 to 30)"
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
                "VA {} is not mapped (translation fault at level {level}); map a page \
                 there first",
                Hex::from(*va)
            ),
            WalkFault::OutsideImage {
                va,
                level,
                table_pa,
            } => write!(
                f,
                "the level {level} table for VA {} is at PA {}, outside the \
                 image; pass the whole image and its base PA",
                Hex::from(*va),
                Hex::from(*table_pa)
            ),
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
    /// The level of the block or page descriptor that resolved it (1, 2 or 3).
    pub level: u8,
    /// The regime the permissions are read in.
    pub regime: Regime,
    /// The block or page descriptor.
    pub descriptor: Descriptor,
    /// The `MAIR_ELx` attribute byte AttrIndx selects.
    pub attr: u8,
}

impl Walk {
    /// The size of the block or page that resolved the VA.
    pub const fn block_size(&self) -> u64 {
        level_size(self.level)
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

    /// SH\[1:0\] as written in the descriptor.
    pub const fn sh(&self) -> u8 {
        self.descriptor.sh()
    }

    /// The shareability written in the descriptor; `None` for the reserved value 0b01.
    pub const fn shareability(&self) -> Option<Shareability> {
        match self.descriptor.sh() {
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

    /// Whether the privileged level of the regime (EL1, EL2 or EL3) may write.
    pub const fn writable(&self) -> bool {
        !self.descriptor.read_only()
    }

    /// Whether the privileged level of the regime (EL1, EL2 or EL3) may execute: not XN
    /// in EL2 and EL3; in EL1&0 not PXN and not writable from EL0 (memory EL0 can write
    /// is never executable at EL1).
    pub const fn executable(&self) -> bool {
        match self.regime {
            Regime::El2 | Regime::El3 => !self.descriptor.xn(),
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

    /// The permissions of the privileged level of the regime (always readable).
    pub const fn perms(&self) -> Perms {
        Perms::new(true, self.writable(), self.executable())
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

/// Reads the descriptor at `index` of the table at `table_pa` from the image.
fn read(image: &[u8], base_pa: u64, table_pa: u64, index: usize) -> Option<Descriptor> {
    let offset = table_pa.checked_sub(base_pa)?;
    if !offset.is_multiple_of(TABLE_BYTES) {
        return None;
    }
    let offset = usize::try_from(offset).ok()?.checked_add(index * 8)?;
    let bytes: [u8; 8] = image.get(offset..offset.checked_add(8)?)?.try_into().ok()?;
    Some(Descriptor::from_bits(u64::from_le_bytes(bytes)))
}

/// Walks a table image for `va`.
///
/// `image` holds the tables laid out from `base_pa` (root table first, as
/// [`build`][build-fn] writes them, little-endian); `root_level` and `va_bits` must
/// agree as [`root_level`](super::root_level) says; `regime` selects how the permission
/// fields read. Attribute bytes come from the fixed [`MAIR`].
///
#[cfg_attr(feature = "alloc", doc = "[build-fn]: super::build")]
#[cfg_attr(not(feature = "alloc"), doc = "[build-fn]: crate#features")]
pub fn walk_image(
    image: &[u8],
    base_pa: u64,
    root_level: u8,
    va_bits: u8,
    regime: Regime,
    va: u64,
) -> Result<Walk, WalkFault> {
    if !regs::va_bits_supported(va_bits) || super::root_level(va_bits) != Some(root_level) {
        return Err(WalkFault::BadGeometry {
            root_level,
            va_bits,
        });
    }
    if va >> va_bits != 0 {
        return Err(WalkFault::OutOfRange { va, va_bits });
    }
    walk_from(image, base_pa, base_pa, root_level, regime, va, va)
}

/// Walks from the root table at `root_pa`, indexing with `index_va` (the VA with the
/// bits above the range cleared) and reporting `va`.
fn walk_from(
    image: &[u8],
    base_pa: u64,
    root_pa: u64,
    root_level: u8,
    regime: Regime,
    va: u64,
    index_va: u64,
) -> Result<Walk, WalkFault> {
    let mut table_pa = root_pa;
    let mut level = root_level;
    loop {
        let index = level_index(index_va, level);
        let Some(d) = read(image, base_pa, table_pa, index) else {
            return Err(WalkFault::OutsideImage {
                va,
                level,
                table_pa,
            });
        };
        match d.kind(level as i8) {
            DescriptorKind::Invalid | DescriptorKind::Reserved => {
                return Err(WalkFault::Translation { va, level });
            }
            DescriptorKind::Table => {
                table_pa = d.output_address();
                level += 1;
            }
            DescriptorKind::Block | DescriptorKind::Page => {
                let size = level_size(level);
                let pa = (d.output_address() & !(size - 1)) | (va & (size - 1));
                return Ok(Walk {
                    va,
                    pa,
                    level,
                    regime,
                    descriptor: d,
                    attr: mair::attr_byte(MAIR, d.attr_index()),
                });
            }
        }
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
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
            walk_image(IMAGE.as_bytes(), 0x1000, 1, 39, Regime::El3, 0),
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
            walk_image(t.bytes(), t.base_pa(), 1, 48, Regime::El3, 0x1000),
            Err(WalkFault::BadGeometry {
                root_level: 1,
                va_bits: 48
            })
        );
        assert_eq!(
            walk_image(t.bytes(), t.base_pa(), 0, 20, Regime::El3, 0x1000),
            Err(WalkFault::BadGeometry {
                root_level: 0,
                va_bits: 20
            })
        );
        assert_eq!(
            walk_image(&t.bytes()[..4096], t.base_pa(), 0, 48, Regime::El3, 0x1000),
            Err(WalkFault::OutsideImage {
                va: 0x1000,
                level: 1,
                table_pa: t.base_pa() + 0x1000
            })
        );
        // A wrong base reads the wrong tables, but never panics.
        assert!(walk_image(t.bytes(), t.base_pa() + 0x1000, 0, 48, Regime::El3, 0x1000).is_err());
        assert_eq!(
            walk_image(&[], 0, 0, 48, Regime::El3, 0),
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
            walk_image(&image, 0, 0, 48, Regime::El3, 0),
            Err(WalkFault::Translation { va: 0, level: 0 })
        );
        put(&mut image, 0, 0, Descriptor::table(0x1000).bits());
        put(&mut image, 1, 0, Descriptor::table(0x2000).bits());
        put(&mut image, 2, 0, Descriptor::table(0x3000).bits());
        put(&mut image, 3, 0, 0x5000 | 0x1 | (1 << 10));
        assert_eq!(
            walk_image(&image, 0, 0, 48, Regime::El3, 0),
            Err(WalkFault::Translation { va: 0, level: 3 })
        );
        put(&mut image, 3, 0, 0x5000 | 0x3 | (1 << 10));
        assert_eq!(
            walk_image(&image, 0, 0, 48, Regime::El3, 0x123).unwrap().pa,
            0x5123
        );
        // A table descriptor pointing past the image.
        put(&mut image, 2, 0, Descriptor::table(0x9000).bits());
        assert_eq!(
            walk_image(&image, 0, 0, 48, Regime::El3, 0),
            Err(WalkFault::OutsideImage {
                va: 0,
                level: 3,
                table_pa: 0x9000
            })
        );
        // Below the base.
        assert_eq!(
            walk_image(&image, 0x10_0000, 0, 48, Regime::El3, 0),
            Err(WalkFault::OutsideImage {
                va: 0,
                level: 1,
                table_pa: 0x1000
            })
        );
    }
}

/// The VA size a TxSZ field gives, with its root level, or `BadGeometry`.
fn geometry(txsz: u64) -> Result<(u8, u8), WalkFault> {
    let va_bits = 64u64.saturating_sub(txsz) as u8;
    // `root_level` is `None` exactly outside the supported 25 to 48 bits.
    match super::root_level(va_bits) {
        Some(level) => Ok((va_bits, level)),
        _ => Err(WalkFault::BadGeometry {
            root_level: 0,
            va_bits,
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
    let (lower_bits, lower_root) = geometry(tcr & regs::TCR_T0SZ_MASK)?;
    let two_ranges = matches!(regime, Regime::El10);
    let upper_enabled = two_ranges && tcr & regs::TCR_EL1_EPD1 == 0;
    if va >> 63 == 1 && upper_enabled {
        let t1sz = (tcr & regs::TCR_EL1_T1SZ_MASK) >> regs::TCR_EL1_T1SZ_SHIFT;
        let (bits, root) = geometry(t1sz)?;
        let start = regs::upper_range_start(bits).unwrap_or(0);
        if va < start {
            return Err(WalkFault::UpperOutOfRange { va, va_bits: bits });
        }
        let root_pa = ttbr1 & regs::TTBR_BADDR_MASK;
        return walk_from(image, image_pa, root_pa, root, regime, va, va - start);
    }
    if va >> lower_bits != 0 {
        return Err(WalkFault::OutOfRange {
            va,
            va_bits: lower_bits,
        });
    }
    if two_ranges && tcr & regs::TCR_EL1_EPD0 != 0 {
        return Err(WalkFault::NoLowerRange { va });
    }
    let root_pa = ttbr0 & regs::TTBR_BADDR_MASK;
    walk_from(image, image_pa, root_pa, lower_root, regime, va, va)
}
