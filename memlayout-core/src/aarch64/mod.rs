//! AArch64 translation tables: VMSAv8-64 stage 1 and stage 2, 64-bit descriptors.
//!
//! [`build`] turns the pages of one table ([`Page`](crate::Page), all of one
//! [`ExecutionContext`]) into a [`Translation`]: the table image (root table first, then
//! the next-level tables depth-first in VA order, contiguous from a 4 KiB aligned base
//! PA) and the `MAIR`, `TCR`, `TTBR0` and `SCTLR` values that load it. [`table_count`]
//! gives the number of 4 KiB tables the image needs before its base address is known,
//! so a planner can reserve the space first. [`build_runs`] and [`table_count_runs`] do
//! the same from runs of pages ([`PageRun`]: a first page and a count), at a cost that
//! grows with the runs, not the pages. [`walk_image`] (and
//! [`Translation::walk`]) is a software walker over an image, for tests and tools.
//!
//! A table built with a VMID ([`TableConfig::vmid`]) is the stage 2 table of a virtual
//! machine ([`Regime::Stage2`]): its pages map IPAs to PAs, and it is loaded by
//! `VTCR_EL2`, `VTTBR_EL2` and the `HCR_EL2` bits of [`Stage2Registers`] (see
//! [`stage2`]).
//!
//! [`gpt`] builds the granule protection table of the Realm Management Extension
//! (FEAT_RME) and its `GPTBR_EL3` and `GPCCR_EL3` values.
//!
//! [`build`], [`table_count`], [`build_runs`], [`table_count_runs`], [`PageRun`],
//! [`Translation`], [`TableConfig`] and the error types need feature `alloc`;
//! [`TranslationImage`], the descriptor, MAIR and register helpers and [`walk_image`]
//! need only `core`.
//!
//! # Encoding
//!
//! * **Regimes.** EL3 and EL2 tables use single-privilege regimes: AP\[2\] gives
//!   read-only, AP\[1\] is RES1 and written as 1, bit 54 is XN, PXN is RES0 and left zero,
//!   nG is zero. EL1 and EL0 tables use the EL1&0 regime (an EL0 table is an EL1&0 table
//!   whose pages are user pages): EL0 pages have AP\[1\] = 1 (EL0 access), UXN = not
//!   executable and PXN = 1 (privileged code never runs user pages); EL1 pages have
//!   AP\[1\] = 0, PXN = not executable and UXN = 1. An execute-only EL0 page (`x`) has
//!   AP\[2:1\] = 0b10 (EL1 read-only, no EL0 data access), UXN = 0 and PXN = 1, as
//!   Linux's execute-only user mappings (DDI 0487 D8.4.1.2.1 "Stage 1 data accesses
//!   using Direct permissions", D8.4.1.2.3 "Stage 1 instruction execution using Direct
//!   permissions"); on EL1, EL2 and EL3 pages it is an error, as those regimes cannot
//!   read-protect what their privileged level executes without FEAT_PIE. (Without
//!   FEAT_EPAN, `PSTATE.PAN` does not stop EL1 reading an execute-only page.)
//! * **nG** is set on EL0 (user) pages, so their TLB entries are tagged with the ASID and
//!   a switch of user address space does not need a full TLB flush; EL1 (kernel) pages
//!   are global, except in a table built with an ASID ([`TableConfig::asid`]), whose
//!   leaves are all non-global (nG, bit 11; DDI 0487 D8.16.2).
//! * **Processes under a kernel.** A process table built with an ASID has
//!   `TTBR0_EL1` = root PA | ASID << 48 (DDI 0487 D19 "TTBR0_EL1", ASID bits\[63:48\]);
//!   with a [`SharedTcr`] the kernel and every process get one `TCR_EL1` (both ranges
//!   enabled, EPD0 = EPD1 = 0, A1 = 0 so `TTBR0` holds the ASID, AS = 1 for 16-bit
//!   ASIDs), so the kernel's `TTBR1` stays loaded while `TTBR0` switches.
//! * **Memory types** come from the fixed [`MAIR`] (see [`mair`]): Normal memory picks
//!   its index from the page's cacheability and writes the page's shareability to SH;
//!   `system` pages are Normal Write-Back and never executable; `device` pages have
//!   their own Device type ([`MemAttrs::device`](crate::MemAttrs::device):
//!   Device-nGnRnE, Device-nGnRE, the default, Device-nGRE or Device-GRE), are always
//!   execute-never at every level, and get SH = Outer Shareable, the value the
//!   architecture treats every Device access as having, whatever the page's
//!   shareability says.
//! * **NS** (bit 5) and, at EL3, **NSE** (bit 11) select the page's physical address
//!   space ([`MemAttrs::pas`](crate::MemAttrs::pas)): EL3 writes {NSE, NS} = {0, 0}
//!   Secure, {0, 1} Non-secure, {1, 0} Root, {1, 1} Realm (DDI 0487 D8.3, R_GVZML,
//!   R_XTYPW); Secure EL2 and EL1&0 tables and Realm EL2 tables set NS for Non-secure
//!   PA (R_LYKFZ for Realm EL2); Non-secure tables never set it, and neither do Realm
//!   EL1&0 tables, whose stage-1 NS bit is RES0 (I_CZPRF: the Realm stage 2 picks the
//!   space with its bit 55, R_GYNXY).
//! * **AF** is always set. Table descriptors carry no hierarchical restrictions
//!   (PXNTable, XNTable, APTable and NSTable are zero).
//! * **Blocks.** A 1 GiB page becomes a level 1 block and a 2 MiB page a level 2 block;
//!   runs of smaller mappings are merged into a larger block when they cover a whole
//!   aligned block with contiguous PAs and identical attributes (512 4 KiB pages into a
//!   2 MiB block, 512 2 MiB blocks into a 1 GiB block), so the table count is the
//!   minimum for the mapping. With a VA size of 30 bits or less the root is level 2 and
//!   a 1 GiB page is written as 512 level 2 blocks.
//! * **Contiguous hint** (on by default, [`TableConfig::contiguous_hint`]): at levels 2
//!   and 3, every run of 16 entries aligned to 16 entries that maps 16 × the entry size
//!   of contiguous PA, aligned to that size, with identical attributes gets bit 52.
//! * **Contiguous group pages.** A 64 KiB, 32 MiB or 16 GiB page
//!   ([`PageSize`](crate::PageSize)) is one page written as 16 level 3 pages, 16 level 2
//!   blocks or 16 level 1 blocks, aligned to the page's size in VA and PA, with bit 52 set
//!   when hints are on (the 4 KiB granule allows Contiguous groups of 16 entries at
//!   levels 1, 2 and 3: DDI 0487 D8.6.1, "The Contiguous bit"). The level 2 and 3 groups
//!   are the runs above; level 1 groups come only from 16 GiB pages, so a table of 1 GiB
//!   pages is written as it was before that size existed. Like smaller pages, 64 KiB and
//!   32 MiB pages that fill an aligned block are merged into it.
//! * **Root.** The root level follows the VA size: 40 to 48 bits start at level 0, 31 to
//!   39 at level 1, 25 to 30 at level 2. A root with fewer than 512 entries still
//!   occupies a whole 4 KiB table (the unused entries are zero), which also satisfies the
//!   rule that a root table is aligned to its own size.
//! * **WXN.** [`TableConfig::wxn`] adds `SCTLR_ELx.WXN` to the bits to set; a page that is
//!   both writable and executable is then an error instead of a silent loss of execute
//!   permission.
//! * **Stage 2** (a table with a [`TableConfig::vmid`]; [`stage2_attributes`]): the pages
//!   are `EL1_NS` pages whose VA is the IPA; leaves have AF, MemAttr\[3:0\] holding the
//!   memory type itself (Device types, Normal Write-Back, Write-Through or
//!   Non-cacheable; `system` pages Normal Write-Back), S2AP\[0\] for read and S2AP\[1\]
//!   for write, XN\[1\] (bit 54) when not executable (Device and `system` pages never
//!   are), SH as at stage 1 (none with `DS` = 1), no nG and no NS. Execute-only pages
//!   (`x`) have S2AP = 0b00 and XN = 0b00: in AArch64 stage 2 grants instruction
//!   fetches through XN alone (DDI 0487 D8.4, "Stage 2 instruction execution
//!   permissions"). Root and Realm pages are refused as at stage 1; Secure and
//!   Non-secure pages map the same. Blocks, merging, Contiguous hints and the 52-bit
//!   formats are stage 1's. The walk starts at the level with the fewest lookups at
//!   which the IPA needs at most 16 **concatenated** tables ([`stage2::start_level`]:
//!   4 KiB level 2 for 25–34 bits, 1 for 35–43, 0 for 44–52; 16 KiB level 3 for 25–29,
//!   2 for 30–40, 1 for 41–51, 0 for 52; 64 KiB level 3 for 25–33, 2 for 34–46, 1 for
//!   47–52; never level 3 of 4 KiB, which needs FEAT_TTST, nor level -1); the
//!   concatenated root tables come first in the image, which is aligned to their total
//!   size ([`Translation::root_tables`]). The IPA size may not exceed the PA size (an
//!   IPA over PAMax is CONSTRAINED UNPREDICTABLE), which also meets the PA sizes some
//!   start levels need. `VTCR_EL2` has T0SZ, SL0 for that level, Write-Back Inner
//!   Shareable walks, TG0, PS, VS for a VMID over 255, DS with FEAT_LPA2 and the RES1
//!   bit 31; `VTTBR_EL2` the root's PA (BADDR\[51:48\] in bits\[5:2\] in a 52-bit
//!   format) and the VMID in bits\[63:48\]; the `HCR_EL2` bits to set are VM and RW.
//!
//! Output is deterministic: the same pages (in any order) and configuration give a
//! byte-identical image.
//!
//! # Const data
//!
//! Generated code holds an image as a [`TranslationImage`], a 4 KiB aligned byte array
//! that can live in a `static`:
//!
//! ```
//! static TRANSLATION: memlayout::aarch64::TranslationImage<4096> =
//!     memlayout::aarch64::TranslationImage([0; 4096]);
//! assert_eq!(TRANSLATION.as_bytes().len(), 4096);
//! ```

// Without `alloc` the engine-side items above do not exist; their links point at the
// list of features instead.
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`build`]: crate#features\n[`table_count`]: crate#features\n\
           [`build_runs`]: crate#features\n[`table_count_runs`]: crate#features\n\
           [`PageRun`]: crate#features\n\
           [`Translation`]: crate#features\n[`Translation::walk`]: crate#features\n\
           [`TableConfig`]: crate#features\n[`TableConfig::contiguous_hint`]: crate#features\n\
           [`TableConfig::wxn`]: crate#features\n\
           [`TableConfig::asid`]: crate#features\n[`SharedTcr`]: crate#features\n\
           [`TableConfig::vmid`]: crate#features\n[`stage2_attributes`]: crate#features\n\
           [`Translation::root_tables`]: crate#features"
)]

#[cfg(feature = "alloc")]
mod build;
#[cfg(all(test, feature = "alloc"))]
mod by_page;
pub mod descriptor;
#[cfg(feature = "alloc")]
mod error;
pub mod gpt;
pub mod granule;
#[cfg(all(test, feature = "alloc"))]
mod hand;
mod image;
pub mod mair;
pub mod regs;
#[cfg(feature = "alloc")]
mod runs;
pub mod stage2;
mod walk;
mod walk_stage2;

#[cfg(feature = "alloc")]
pub use build::{
    CONTIGUOUS_ENTRIES, PageRun, SharedTcr, TableConfig, Translation, build, build_runs,
    page_attributes, stage2_attributes, table_count, table_count_runs,
};
#[cfg(feature = "alloc")]
pub(crate) use build::{KeptRun, plan_requests};
pub use descriptor::{Descriptor, DescriptorKind, root_entries, root_level};
#[cfg(feature = "alloc")]
pub use error::{BuildError, PageRef, TableRef};
pub use granule::{Format, Granule};
pub use image::{
    TABLES_SECTION_PREFIX, TranslationImage, TranslationImage16K, TranslationImage64K,
};
pub use mair::{MAIR, MemoryType};
pub use regs::Registers;
pub use stage2::Stage2Registers;
pub use walk::{Walk, WalkFault, walk_image, walk_registers};
pub use walk_stage2::{
    MemoryKind, Stage1Tables, Stage2Params, Stage2Tables, Stage2Walk, TwoStageFault, TwoStageWalk,
    walk_stage2, walk_two_stages,
};

use crate::model::ExecutionContext;

/// A translation regime (or stage): which system registers load a table and how its
/// descriptors' permission fields read.
///
/// Not exhaustive: the architecture has more regimes (the EL2&0 regime of VHE, the
/// Secure stage 2) that later versions may build tables for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Regime {
    /// The EL1&0 regime (EL1 and EL0 tables): two privilege levels, `TCR_EL1`,
    /// `TTBR0_EL1`, `MAIR_EL1`, `SCTLR_EL1`.
    #[cfg_attr(feature = "serde", serde(rename = "EL1&0"))]
    El10,
    /// The non-VHE EL2 regime: single privilege, `TCR_EL2`, `TTBR0_EL2`, ...
    #[cfg_attr(feature = "serde", serde(rename = "EL2"))]
    El2,
    /// The EL3 regime: single privilege, `TCR_EL3`, `TTBR0_EL3`, ...
    #[cfg_attr(feature = "serde", serde(rename = "EL3"))]
    El3,
    /// Stage 2 of the Non-secure EL1&0 regime (IPA to PA), controlled from EL2:
    /// `VTCR_EL2`, `VTTBR_EL2`, `HCR_EL2.VM`; its descriptors hold MemAttr, S2AP and
    /// XN\[1:0\] ([`stage2`]). A table built with a VMID (`TableConfig::vmid`).
    #[cfg_attr(feature = "serde", serde(rename = "EL1&0 stage 2"))]
    Stage2,
}

impl Regime {
    /// The stage 1 regime a table of this context translates through (never
    /// [`Stage2`](Self::Stage2): a stage 2 table is one built with a VMID).
    pub const fn of(el: ExecutionContext) -> Regime {
        match el.level() {
            3 => Regime::El3,
            2 => Regime::El2,
            _ => Regime::El10,
        }
    }

    /// Whether the regime has a single privilege level (EL2 and EL3), or, for stage 2,
    /// permissions that do not tell EL1 from EL0 (S2AP has one read and one write bit;
    /// the builder writes XN\[1\] only; the walker reads XN\[1:0\] as FEAT_XNX does).
    pub const fn is_single_privilege(self) -> bool {
        !matches!(self, Regime::El10)
    }

    /// The privileged exception level of the regime: 1, 2 or 3; 2 for stage 2, which EL2
    /// controls.
    pub const fn privileged_level(self) -> u8 {
        match self {
            Regime::El10 => 1,
            Regime::El2 | Regime::Stage2 => 2,
            Regime::El3 => 3,
        }
    }

    /// The name: `EL1&0`, `EL2`, `EL3` or `EL1&0 stage 2`.
    pub const fn name(self) -> &'static str {
        match self {
            Regime::El10 => "EL1&0",
            Regime::El2 => "EL2",
            Regime::El3 => "EL3",
            Regime::Stage2 => "EL1&0 stage 2",
        }
    }
}

impl core::fmt::Display for Regime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(all(test, feature = "alloc"))]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regimes_of_contexts() {
        use ExecutionContext::*;
        assert_eq!(Regime::of(EL3), Regime::El3);
        for el in [EL2_NS, EL2_S, EL2_Realm] {
            assert_eq!(Regime::of(el), Regime::El2);
        }
        for el in [EL1_NS, EL1_S, EL1_Realm, EL0_NS, EL0_S, EL0_Realm] {
            assert_eq!(Regime::of(el), Regime::El10);
        }
        assert!(Regime::El3.is_single_privilege() && Regime::El2.is_single_privilege());
        assert!(!Regime::El10.is_single_privilege());
        assert_eq!(Regime::El10.privileged_level(), 1);
        assert_eq!(alloc::format!("{}", Regime::El10), "EL1&0");
        assert_eq!(alloc::format!("{}", Regime::Stage2), "EL1&0 stage 2");
        assert!(Regime::Stage2.is_single_privilege());
        assert_eq!(Regime::Stage2.privileged_level(), 2);
    }
}
