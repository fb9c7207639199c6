//! Stage 2 of the Non-secure EL1&0 translation regime (IPA -> PA): the fields of its
//! block and page descriptors and of `VTCR_EL2`, `VTTBR_EL2` and `HCR_EL2`.
//!
//! Stage 2 translates the intermediate physical addresses (IPAs) a virtual machine's
//! stage 1 produces into PAs, under the control of EL2 (Arm ARM DDI 0487, D8 "The
//! AArch64 Virtual Memory System Architecture", "Stage 2 translation"). Its descriptors
//! share the address, type, SH, AF and Contiguous fields of stage 1
//! ([`descriptor`](super::descriptor)) and differ in the lower and upper attributes:
//!
//! * **MemAttr\[3:0\]**, bits\[5:2\], holds the memory type itself (there is no `MAIR`
//!   and no AttrIndx at stage 2). Without FEAT_S2FWB, MemAttr\[3:2\] = 0b00 is Device
//!   memory with MemAttr\[1:0\] giving nGnRnE, nGnRE, nGRE or GRE; otherwise
//!   MemAttr\[3:2\] is the outer and MemAttr\[1:0\] the inner cacheability of Normal
//!   memory (0b01 Non-cacheable, 0b10 Write-Through, 0b11 Write-Back) (D8.3.1.2, "Stage
//!   2 memory type and Cacheability attributes when FEAT_S2FWB is disabled").
//! * **S2AP\[1:0\]**, bits\[7:6\]: bit 6 allows reads, bit 7 writes (0b00 no data access,
//!   0b01 read-only, 0b10 write-only, 0b11 read/write) (D8.4, "Stage 2 data access
//!   permissions").
//! * **XN\[1:0\]**, bits\[54:53\]: XN\[1\] (bit 54) set forbids instruction fetches at
//!   EL1 and EL0; XN\[0\] (bit 53) distinguishes EL1 from EL0 only with FEAT_XNX and is
//!   RES0 without it (D8.4, "Stage 2 instruction execution permissions").
//! * Table descriptors have no hierarchical attributes at stage 2 (bits\[63:59\] are
//!   RES0), and there is no nG (stage 2 entries are tagged with the VMID instead).
//!
//! Stage 2 may start its walk with up to 16 **concatenated** tables at the initial
//! lookup level (D8.2, "Concatenated translation tables for the initial stage 2
//! lookup"): the IPA may have up to 4 more bits than that level resolves, and the
//! concatenated tables are contiguous and aligned to their total size.

// ---------------------------------------------------------------------------------------
// Stage 2 block and page descriptors: D8.3.1.2 "VMSAv8-64 Block descriptor and Page
// descriptor formats", stage 2 attribute fields.
// ---------------------------------------------------------------------------------------

/// Bit position of MemAttr\[3:0\], bits\[5:2\] of a stage 2 block or page descriptor.
pub const S2_MEMATTR_SHIFT: u32 = 2;

/// Mask of MemAttr\[3:0\], bits\[5:2\].
pub const S2_MEMATTR_MASK: u64 = 0b1111 << S2_MEMATTR_SHIFT;

/// MemAttr Device-nGnRnE (0b0000).
pub const S2_MEMATTR_DEVICE_NGNRNE: u8 = 0b0000;
/// MemAttr Device-nGnRE (0b0001).
pub const S2_MEMATTR_DEVICE_NGNRE: u8 = 0b0001;
/// MemAttr Device-nGRE (0b0010).
pub const S2_MEMATTR_DEVICE_NGRE: u8 = 0b0010;
/// MemAttr Device-GRE (0b0011).
pub const S2_MEMATTR_DEVICE_GRE: u8 = 0b0011;
/// MemAttr Normal, outer and inner Non-cacheable (0b0101).
pub const S2_MEMATTR_NORMAL_NC: u8 = 0b0101;
/// MemAttr Normal, outer and inner Write-Through (0b1010).
pub const S2_MEMATTR_NORMAL_WT: u8 = 0b1010;
/// MemAttr Normal, outer and inner Write-Back (0b1111).
pub const S2_MEMATTR_NORMAL_WB: u8 = 0b1111;

/// Bit 6, S2AP\[0\]: stage 2 allows data reads.
pub const S2AP_READ: u64 = 1 << 6;

/// Bit 7, S2AP\[1\]: stage 2 allows data writes.
pub const S2AP_WRITE: u64 = 1 << 7;

/// Mask of S2AP\[1:0\], bits\[7:6\].
pub const S2AP_MASK: u64 = S2AP_READ | S2AP_WRITE;

/// Bit 54, XN\[1\]: stage 2 forbids instruction fetches at EL1 and EL0 (with XN\[0\]
/// clear; D8.4, "Stage 2 instruction execution permissions").
pub const S2_XN: u64 = 1 << 54;

/// Bit 53, XN\[0\]: with FEAT_XNX, distinguishes EL1 from EL0 execute permission; RES0
/// without it, and never set by this crate.
pub const S2_XN0: u64 = 1 << 53;

// ---------------------------------------------------------------------------------------
// VTCR_EL2: DDI 0487 D19 "VTCR_EL2, Virtualization Translation Control Register".
// ---------------------------------------------------------------------------------------

/// Bit position of `VTCR_EL2.T0SZ`, bits\[5:0\]: the IPA size is 64 - T0SZ bits.
pub const VTCR_T0SZ_SHIFT: u32 = 0;
/// Mask of `VTCR_EL2.T0SZ`.
pub const VTCR_T0SZ_MASK: u64 = 0b11_1111 << VTCR_T0SZ_SHIFT;
/// Bit position of `VTCR_EL2.SL0`, bits\[7:6\]: the initial lookup level, encoded per
/// granule (4 KiB: 0b00 level 2, 0b01 level 1, 0b10 level 0; 16 KiB and 64 KiB: 0b00
/// level 3, 0b01 level 2, 0b10 level 1, and with 16 KiB 0b11 level 0).
pub const VTCR_SL0_SHIFT: u32 = 6;
/// Mask of `VTCR_EL2.SL0`.
pub const VTCR_SL0_MASK: u64 = 0b11 << VTCR_SL0_SHIFT;
/// `VTCR_EL2.IRGN0` = 0b01, bits\[9:8\]: stage 2 table walks are inner Write-Back
/// Read-Allocate Write-Allocate cacheable.
pub const VTCR_IRGN0_WBWA: u64 = 0b01 << 8;
/// `VTCR_EL2.ORGN0` = 0b01, bits\[11:10\]: outer Write-Back Read-Allocate
/// Write-Allocate.
pub const VTCR_ORGN0_WBWA: u64 = 0b01 << 10;
/// `VTCR_EL2.SH0` = 0b11, bits\[13:12\]: table walks are Inner Shareable.
pub const VTCR_SH0_INNER: u64 = 0b11 << 12;
/// Bit position of `VTCR_EL2.TG0`, bits\[15:14\]: the granule, with the encoding of
/// `TCR_ELx.TG0` ([`Granule::tg0`](super::Granule::tg0): 0b00 4 KiB, 0b01 64 KiB, 0b10
/// 16 KiB).
pub const VTCR_TG0_SHIFT: u32 = 14;
/// Mask of `VTCR_EL2.TG0`.
pub const VTCR_TG0_MASK: u64 = 0b11 << VTCR_TG0_SHIFT;
/// Bit position of `VTCR_EL2.PS`, bits\[18:16\]: the PA size of stage 2's output, with
/// the encoding of `TCR_ELx.PS` ([`regs::ps_encoding`](super::regs::ps_encoding)).
pub const VTCR_PS_SHIFT: u32 = 16;
/// Mask of `VTCR_EL2.PS`.
pub const VTCR_PS_MASK: u64 = 0b111 << VTCR_PS_SHIFT;
/// `VTCR_EL2.VS`, bit 19: 16-bit VMIDs (needs `ID_AA64MMFR1_EL1.VMIDBits` = 0b0010);
/// without it `VTTBR_EL2` bits\[63:56\] are RES0 and a VMID has 8 bits.
pub const VTCR_VS: u64 = 1 << 19;
/// Bit 31 of `VTCR_EL2`, RES1.
pub const VTCR_RES1_31: u64 = 1 << 31;
/// `VTCR_EL2.DS`, bit 32 (FEAT_LPA2): the 52-bit descriptor format of the 4 KiB and
/// 16 KiB granules, as `TCR_ELx.DS`.
pub const VTCR_DS: u64 = 1 << 32;
/// `VTCR_EL2.SL2`, bit 33 (FEAT_LPA2, 4 KiB granule): with SL0 = 0b00 and DS = 1, the
/// walk starts at level -1.
pub const VTCR_SL2: u64 = 1 << 33;

// ---------------------------------------------------------------------------------------
// VTTBR_EL2: DDI 0487 D19 "VTTBR_EL2, Virtualization Translation Table Base Register".
// ---------------------------------------------------------------------------------------

/// Bit position of `VTTBR_EL2.VMID`, bits\[63:48\] (bits\[55:48\] with 8-bit VMIDs).
pub const VTTBR_VMID_SHIFT: u32 = 48;
/// The largest VMID with 8-bit VMIDs (`VTCR_EL2.VS` = 0).
pub const VMID_MAX_8_BIT: u16 = 0xFF;

// ---------------------------------------------------------------------------------------
// HCR_EL2: DDI 0487 D19 "HCR_EL2, Hypervisor Configuration Register".
// ---------------------------------------------------------------------------------------

/// `HCR_EL2.VM`, bit 0: stage 2 translation is enabled for the Non-secure EL1&0 regime.
pub const HCR_VM: u64 = 1 << 0;
/// `HCR_EL2.RW`, bit 31: EL1 runs in AArch64.
pub const HCR_RW: u64 = 1 << 31;
