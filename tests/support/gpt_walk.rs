//! An independent granule protection table walker: the granule protection check's
//! lookup, written from the architecture, not from memlayout's builder.
//!
//! Given an image (its bytes and the PA they sit at) and the `GPTBR_EL3` and
//! `GPCCR_EL3` values, [`lookup`] does what the GPC does for one physical address
//! (Arm ARM DDI 0487, "The Granule Protection Check Mechanism"; the `GPTBR_EL3` and
//! `GPCCR_EL3` register descriptions):
//!
//! 1. PPS = `GPCCR_EL3.PPS` (bits 2:0: 32, 36, 40, 42, 44, 48 or 52 bits), PGS =
//!    `GPCCR_EL3.PGS` (bits 15:14: 0b00 4 KiB, 0b10 16 KiB, 0b01 64 KiB), L0GPTSZ =
//!    `GPCCR_EL3.L0GPTSZ` (bits 23:20: 30 + the field, one of 30, 34, 36, 39 bits).
//! 2. A PA at or above 2^pps is not looked up ([`Lookup::AbovePps`]: the Non-secure PAS
//!    may access it, the others fault).
//! 3. The level 0 table is at `GPTBR_EL3.BADDR << 12`, its low max(pps - l0gptsz + 3,
//!    12) bits treated as zero; it must lie below 2^pps. Entry PA\[pps-1:l0gptsz\]
//!    (8 bytes each): type bits 3:0 = 0b0001 is a block (GPI in bits 7:4, bits 63:8
//!    zero), 0b0011 a table (level 1 address in bits 51:12, aligned to
//!    2^(l0gptsz - pgs - 1) and below 2^pps); anything else is a walk fault.
//! 4. Level 1 entry PA\[l0gptsz-1:pgs+4\]; GPI number PA\[pgs+3:pgs\] in bits
//!    4i+3:4i.
//! 5. GPI 0b0000 no access, 0b1000 Secure, 0b1001 Non-secure, 0b1010 Root, 0b1011
//!    Realm, 0b1111 any; other values are walk faults.
//!
//! Reads outside the image are walk faults too (the GPC would read other memory).

/// A physical address space, as an access presents it to the GPC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pas {
    /// The Secure PAS.
    Secure,
    /// The Non-secure PAS.
    NonSecure,
    /// The Root PAS (EL3).
    Root,
    /// The Realm PAS.
    Realm,
}

impl Pas {
    /// All four.
    pub const ALL: [Pas; 4] = [Pas::Secure, Pas::NonSecure, Pas::Root, Pas::Realm];
}

/// GPI encodings.
pub const GPI_NO_ACCESS: u8 = 0b0000;
/// Secure only.
pub const GPI_SECURE: u8 = 0b1000;
/// Non-secure only.
pub const GPI_NON_SECURE: u8 = 0b1001;
/// Root only.
pub const GPI_ROOT: u8 = 0b1010;
/// Realm only.
pub const GPI_REALM: u8 = 0b1011;
/// Any PAS.
pub const GPI_ANY: u8 = 0b1111;

/// What the lookup of one PA finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lookup {
    /// The GPI of the granule, and the level (0: a level 0 block; 1: a level 1
    /// granules descriptor) it came from.
    Gpi {
        /// The 4-bit GPI.
        gpi: u8,
        /// 0 or 1.
        level: u8,
    },
    /// The PA is at or above the protected physical size.
    AbovePps,
    /// The walk cannot complete: a malformed table or a register value the lookup
    /// rejects; the text says why.
    WalkFault(&'static str),
}

impl Lookup {
    /// The GPI, if the lookup found one.
    pub fn gpi(self) -> Option<u8> {
        match self {
            Lookup::Gpi { gpi, .. } => Some(gpi),
            _ => None,
        }
    }

    /// Whether an access through `pas` passes the check.
    pub fn allows(self, pas: Pas) -> bool {
        match self {
            Lookup::AbovePps => pas == Pas::NonSecure,
            Lookup::WalkFault(_) => false,
            Lookup::Gpi { gpi, .. } => match gpi {
                GPI_ANY => true,
                GPI_SECURE => pas == Pas::Secure,
                GPI_NON_SECURE => pas == Pas::NonSecure,
                GPI_ROOT => pas == Pas::Root,
                GPI_REALM => pas == Pas::Realm,
                _ => false,
            },
        }
    }
}

/// The table the walker reads: the image bytes at `pa`.
#[derive(Clone, Copy, Debug)]
pub struct Memory<'a> {
    /// The PA of `bytes[0]`.
    pub pa: u64,
    /// The image.
    pub bytes: &'a [u8],
}

impl Memory<'_> {
    fn read(&self, pa: u64) -> Option<u64> {
        let offset = usize::try_from(pa.checked_sub(self.pa)?).ok()?;
        let word = self.bytes.get(offset..offset.checked_add(8)?)?;
        Some(u64::from_le_bytes(word.try_into().ok()?))
    }
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// The PPS in bits, the PGS and the L0GPTSZ in bits from a `GPCCR_EL3` value.
pub fn geometry(gpccr: u64) -> Result<(u32, u32, u32), &'static str> {
    let pps = match gpccr & 0b111 {
        0 => 32,
        1 => 36,
        2 => 40,
        3 => 42,
        4 => 44,
        5 => 48,
        6 => 52,
        _ => return Err("reserved PPS"),
    };
    let pgs = match (gpccr >> 14) & 0b11 {
        0b00 => 12,
        0b10 => 14,
        0b01 => 16,
        _ => return Err("reserved PGS"),
    };
    let l0gptsz = match (gpccr >> 20) & 0b1111 {
        0b0000 => 30,
        0b0100 => 34,
        0b0110 => 36,
        0b1001 => 39,
        _ => return Err("reserved L0GPTSZ"),
    };
    Ok((pps, pgs, l0gptsz))
}

/// The granule protection check's lookup of `pa` (see the module documentation).
pub fn lookup(memory: Memory<'_>, gptbr: u64, gpccr: u64, pa: u64) -> Lookup {
    let (pps, pgs, l0gptsz) = match geometry(gpccr) {
        Ok(g) => g,
        Err(why) => return Lookup::WalkFault(why),
    };
    if gpccr & (1 << 16) == 0 {
        return Lookup::WalkFault("GPCCR_EL3.GPC is clear: no checks");
    }
    if pa & !mask(pps) != 0 {
        return Lookup::AbovePps;
    }
    let l0_base = (gptbr & mask(40)) << 12;
    if l0_base & !mask(pps) != 0 {
        return Lookup::WalkFault("level 0 table above the PPS");
    }
    let l0_base = l0_base & !mask((pps.saturating_sub(l0gptsz) + 3).max(12));
    let index = if pps > l0gptsz {
        (pa >> l0gptsz) & mask(pps - l0gptsz)
    } else {
        0
    };
    let Some(entry) = memory.read(l0_base + index * 8) else {
        return Lookup::WalkFault("level 0 entry outside the image");
    };
    let l1_base = match entry & 0xF {
        0b0001 => {
            if entry >> 8 != 0 {
                return Lookup::WalkFault("level 0 block with RES0 bits set");
            }
            return gpi_lookup(((entry >> 4) & 0xF) as u8, 0);
        }
        0b0011 => {
            let address = entry & 0x000F_FFFF_FFFF_F000;
            if entry & !(0x000F_FFFF_FFFF_F000 | 0xF) != 0 {
                return Lookup::WalkFault("level 0 table descriptor with RES0 bits set");
            }
            if address & (mask(pps) ^ u64::MAX) != 0 {
                return Lookup::WalkFault("level 1 table above the PPS");
            }
            if address & mask((l0gptsz - pgs - 1).max(12)) != 0 {
                return Lookup::WalkFault("level 1 table not aligned to its size");
            }
            address
        }
        _ => return Lookup::WalkFault("invalid level 0 descriptor"),
    };
    let index = (pa >> (pgs + 4)) & mask(l0gptsz - pgs - 4);
    let Some(entry) = memory.read(l1_base + index * 8) else {
        return Lookup::WalkFault("level 1 entry outside the image");
    };
    let nibble = (pa >> pgs) & 0xF;
    gpi_lookup(((entry >> (nibble * 4)) & 0xF) as u8, 1)
}

fn gpi_lookup(gpi: u8, level: u8) -> Lookup {
    match gpi {
        GPI_NO_ACCESS | GPI_SECURE | GPI_NON_SECURE | GPI_ROOT | GPI_REALM | GPI_ANY => {
            Lookup::Gpi { gpi, level }
        }
        _ => Lookup::WalkFault("reserved GPI"),
    }
}
