//! The data model: exception levels, kinds, permissions, memory attributes, pages,
//! segments and tables.
//!
//! Every type here is plain data that can be built and read in `const` context, so the
//! `memory_layout!` macro can emit it as `const` items.
//!
//! # Serialization (feature `serde`)
//!
//! With feature `serde`, the planned layout's types implement serde's `Serialize`, and
//! `Deserialize` where a value can be rebuilt from what was written (reading a name,
//! and so a page, segment, table or attribute, needs feature `alloc` too). They write
//! what the `memlayout` command's JSON export holds, so a Rust tool can read that
//! document's pages, segments and tables back into these types:
//!
//! | type | written as |
//! |------|------------|
//! | [`ExecutionContext`], [`PageKind`], [`SegmentKind`], [`Cacheability`], [`Shareability`], [`DeviceType`] | the keyword: `"EL1_NS"`, `"code"`, `"bsp_boot_code"`, `"write_back"`, `"inner"`, `"nGnRE"` |
//! | [`PageSize`] | `"4K"`, `"64K"`, `"2M"`, `"32M"`, `"1G"` or `"16G"` |
//! | [`SecurityState`] | `"secure"`, `"non_secure"` or `"realm"` |
//! | [`Perms`] | `"r"`, `"rw"`, `"rx"`, `"rwx"` or `"x"` |
//! | [`Cores`] | the list of cores, lowest first: `[0, 1, 2, 3]` |
//! | [`Name`] | the string |
//! | [`AttrValue`], [`AttrList`] | a map from key to value: a number, a string or a bool |
//! | [`PhysicalAddressSpace`] | `"secure"`, `"non_secure"`, `"root"` or `"realm"` |
//! | [`MemAttrs`] | `{ kind, perms, cache, share, pas, device }` (`device` defaults to `"nGnRE"` when missing; a document of an earlier version with `non_secure` (a bool) instead of `pas` reads as `"non_secure"` or `"secure"`) |
//! | [`TableInfo`] | `{ name, core, cores, el }` (`core`, the first of `cores`, is not read back) |
//! | [`Page`] | `{ name, index, core, el, va, pa, size, kind, perms, cacheability, shareability, device_type, non_secure, pas, shared, identity, va_equals_pa, attrs, guard }` (`non_secure` is `pas == "non_secure"`; reading takes `pas`, or `non_secure` without it; `guard`, bytes, only for a guarded page) |
//! | [`Segment`] | `{ name, kind, core, el, va, pa, size, align, shared, identity, va_equals_pa }` |
//! | [`Hex`] | a hex number, as below |
//! | [`aarch64::Registers`](crate::aarch64::Registers) | `{ mair, tcr, ttbr0, ttbr1, sctlr_set }` |
//! | [`aarch64::Regime`](crate::aarch64::Regime) | `"EL1&0"`, `"EL2"` or `"EL3"` |
//! | `aarch64::Translation` (write only) | `{ regime, tables_pa, table_count, va_bits, upper_va_bits, registers }`: the summary, without the image or the table's name and context (serialize its `TableInfo` with it) |
//! | `layout::Pool` (write only) | `{ name, start, end, device, non_secure, secure, space }`, `end` exclusive (it may be 2^64); `secure` (true) only for a pool in both physical address spaces; `space`, only for a pool declared in a space, its keywords: `"non_secure"`, `"secure, non_secure"`, `"realm"` or `"root"` |
//!
//! A page's `size` is in bytes; its `cacheability` and `shareability` are `null`
//! (`None`) for a device page, and its `device_type` is `null` for any other page; `identity` is [`Page::is_identity`] and `va_equals_pa`
//! is [`Page::va_equals_pa`], which is not read back (it follows from `va` and `pa`).
//! Reading skips fields it does not know, such as the JSON export's `alias_of`.
//!
//! **Addresses, sizes, alignments and register values** are `u64`s that readers using
//! doubles (JavaScript, `jq`) would round above 2^53. In a human-readable format (one
//! whose serializer says `is_human_readable`, as JSON, YAML and TOML do) they are
//! strings in the machine spelling of hex: `0x`, lower-case digits, as few as the value
//! needs, no `_` (`"0xffffff8000200000"`, `"0x0"`); in a binary format (bincode,
//! postcard) they are integers. Reading takes either form, in either case, and `_`
//! between the digits. An [`AttrValue::Int`] beyond ±2^53 is a hex string too in a
//! human-readable format (`"-0x1"` style for negative values), and so reads back as
//! [`AttrValue::Str`]; in a binary format attribute values are tagged and exact.
//!
//! ```
//! # #[cfg(all(feature = "serde", feature = "alloc"))] {
//! use memlayout::{ExecutionContext, MemAttrs, Page, PageKind, PageSize, TableInfo};
//!
//! let info = TableInfo::new("core0_el1", 0, ExecutionContext::EL1_NS);
//! let page = Page::new(
//!     "kernel", 0, &info, 0xFFFF_FF80_0020_0000, 0x8020_0000, PageSize::Size2M,
//!     MemAttrs::new(PageKind::Code), false, Vec::new(),
//! );
//! let json = serde_json::to_string(&page).unwrap();
//! assert!(json.contains(r#""va":"0xffffff8000200000","pa":"0x80200000","size":"0x200000""#));
//! let back: Page = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, page);
//! # }
//! ```

use core::fmt;

pub use crate::name::{AttrList, Name};

#[macro_use]
mod keyword;
mod format;
#[cfg(feature = "serde")]
pub(crate) mod serde_impls;
#[cfg(feature = "alloc")]
pub(crate) use format::Bytes;
pub use format::Hex;
#[cfg(feature = "alloc")]
pub(crate) use format::PageRun;
#[cfg(feature = "alloc")]
pub(crate) use format::identity_note;

keyword_enum! {
    /// A translation regime's owner: the exception level and security state of one page
    /// table.
    ///
    /// EL3 and EL2 use single-privilege translation regimes; EL1 and EL0 share the EL1&0
    /// regime, and EL0 pages are accessible from EL0 (user) code.
    ///
    /// Not exhaustive: the language adds contexts as the architecture's security states
    /// and regimes are covered.
    #[allow(non_camel_case_types)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[non_exhaustive]
    pub enum ExecutionContext {
        /// EL3, the secure monitor.
        EL3 => "EL3",
        /// Non-secure EL2 (hypervisor).
        EL2_NS => "EL2_NS",
        /// Secure EL2.
        EL2_S => "EL2_S",
        /// Realm EL2: the Realm Management Monitor's single-privilege regime (FEAT_RME;
        /// `TTBR0_EL2`, `TCR_EL2`, `MAIR_EL2`, `SCTLR_EL2`).
        EL2_Realm => "EL2_Realm",
        /// Non-secure EL1 (kernel).
        EL1_NS => "EL1_NS",
        /// Secure EL1.
        EL1_S => "EL1_S",
        /// Realm EL1.
        EL1_Realm => "EL1_Realm",
        /// Non-secure EL0 (user).
        EL0_NS => "EL0_NS",
        /// Secure EL0.
        EL0_S => "EL0_S",
        /// Realm EL0.
        EL0_Realm => "EL0_Realm",
    }
}

/// The security state a table's translations belong to.
///
/// EL3 reports [`Secure`](Self::Secure) with or without FEAT_RME: with it, the
/// architecture calls EL3's state Root, but no other context is in Root state, and what
/// differs for an EL3 table (its pages may be Root or Realm PA, and it keeps its code
/// and translation tables in Root memory) follows from the pools a layout declares,
/// not from this value (see [`PhysicalAddressSpace`]).
///
/// Not exhaustive: a later version may report Root for EL3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum SecurityState {
    /// The secure state (EL3 is always secure).
    Secure,
    /// The non-secure state.
    NonSecure,
    /// The realm state.
    Realm,
}

keyword_enum! {
    /// A physical address space (PAS): where a PA lies, and the space an access to it is
    /// made in. Without FEAT_RME there are two, Secure and Non-secure; the Realm
    /// Management Extension adds Root and Realm (Arm ARM DDI 0487, A2 "Realm Management
    /// Extension", and Arm DEN 0129, "Arm Realm Management Extension (RME) System
    /// Architecture", physical address spaces).
    ///
    /// A pool lies in one space (a pool declared `secure, non_secure` in both Secure and
    /// Non-secure); a page's [`MemAttrs::pas`] is the space its table's mapping reaches
    /// it in. Which contexts reach which space, and how each table's descriptors select
    /// it (NS, and NSE at EL3), is in [`reaches`](Self::reaches).
    ///
    /// Not exhaustive: the architecture may add spaces.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[non_exhaustive]
    pub enum PhysicalAddressSpace {
        /// The Secure PAS.
        Secure => "secure",
        /// The Non-secure PAS.
        NonSecure => "non_secure",
        /// The Root PAS (FEAT_RME): EL3's own memory.
        Root => "root",
        /// The Realm PAS (FEAT_RME): memory of the Realm world (the RMM and realms).
        Realm => "realm",
    }
}

impl PhysicalAddressSpace {
    /// Whether one pool may lie in both `self` and `other`: only Secure with Non-secure
    /// (memory or a device both worlds reach) may; every other pair of distinct spaces
    /// may not. The same space twice is a repeated mark, not a second space, and may.
    pub const fn may_share_pool(self, other: PhysicalAddressSpace) -> bool {
        matches!(
            (self, other),
            (Self::Secure, Self::Secure)
                | (Self::NonSecure, Self::NonSecure)
                | (Self::Realm, Self::Realm)
                | (Self::Root, Self::Root)
                | (Self::Secure, Self::NonSecure)
                | (Self::NonSecure, Self::Secure)
        )
    }

    /// Whether a table of context `el` reaches PA in this space, through the NS bit of
    /// its descriptors (and NSE at EL3):
    ///
    /// * EL3 reaches all four: with FEAT_RME, bit 11 of an EL3 stage-1 block or page
    ///   descriptor is NSE, and {NSE, NS} select Secure {0, 0}, Non-secure {0, 1},
    ///   Root {1, 0} or Realm {1, 1} (Arm ARM DDI 0487, D8.3 "Translation table
    ///   descriptor formats", rules R_GVZML and R_XTYPW);
    /// * Secure contexts reach Secure (NS = 0) and Non-secure (NS = 1) PA;
    /// * Realm contexts reach Realm (NS = 0) and Non-secure PA. At Realm EL2, the
    ///   stage-1 NS bit selects Non-secure (R_LYKFZ); in the Realm EL1&0 regime the
    ///   stage-1 NS bit is RES0 (I_CZPRF): stage 1 outputs a Realm IPA, and stage 2 picks
    ///   the PAS with bit 55 of its descriptors (NS, R_GYNXY). A Realm EL1&0 page of a
    ///   non-secure pool is reached only when the RMM's stage 2 maps it with NS = 1;
    /// * non-secure contexts reach Non-secure PA only (their NS bit is RES0).
    ///
    /// A table's descriptors select the space with these bits; the table builder refuses
    /// a Root or Realm page in a table that does not reach it, and maps a Secure page of a
    /// non-secure table as the table's own space (security not modelled).
    pub const fn reaches(self, el: ExecutionContext) -> bool {
        match (el.security(), self) {
            (_, Self::NonSecure) => true,
            (SecurityState::Secure, Self::Secure) => true,
            (SecurityState::Secure, Self::Root | Self::Realm) => {
                matches!(el, ExecutionContext::EL3)
            }
            (SecurityState::Realm, Self::Realm) => true,
            _ => false,
        }
    }
}

impl ExecutionContext {
    /// The exception level number: 0 to 3.
    pub const fn level(self) -> u8 {
        match self {
            Self::EL3 => 3,
            Self::EL2_NS | Self::EL2_S | Self::EL2_Realm => 2,
            Self::EL1_NS | Self::EL1_S | Self::EL1_Realm => 1,
            Self::EL0_NS | Self::EL0_S | Self::EL0_Realm => 0,
        }
    }

    /// Whether a core has one translation table base register for this exception level
    /// and security state, so at most one table per core: EL3, `EL2_NS`, `EL2_S` and
    /// `EL2_Realm`.
    /// EL1 and EL0 tables are switched at run time (processes, guests), so a core may
    /// have many.
    pub const fn has_one_table_per_core(self) -> bool {
        matches!(
            self,
            Self::EL3 | Self::EL2_NS | Self::EL2_S | Self::EL2_Realm
        )
    }

    /// The security state of the context.
    pub const fn security(self) -> SecurityState {
        match self {
            Self::EL3 | Self::EL2_S | Self::EL1_S | Self::EL0_S => SecurityState::Secure,
            Self::EL2_NS | Self::EL1_NS | Self::EL0_NS => SecurityState::NonSecure,
            Self::EL2_Realm | Self::EL1_Realm | Self::EL0_Realm => SecurityState::Realm,
        }
    }

    /// Whether the context translates through the EL1&0 regime (EL1 and EL0 tables).
    pub const fn is_el10_regime(self) -> bool {
        self.level() <= 1
    }

    /// Whether pages of this table are accessible from EL0 (unprivileged) code.
    pub const fn is_user(self) -> bool {
        self.level() == 0
    }
}

keyword_enum! {
    /// What a page holds; decides which segments it can host and its memory type.
    ///
    /// Not exhaustive: the language may add kinds.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[non_exhaustive]
    pub enum PageKind {
        /// Executable code; hosts `bsp_boot_code`, `boot_code`, `code` and `rodata`
        /// segments.
        Code => "code",
        /// Data; hosts `data_shared`, `data_preserve` and `stack` segments, `rodata` when
        /// not writable, `data` and `bss` when writable.
        Data => "data",
        /// Device registers (Device memory, never executable); hosts no segments.
        Device => "device",
        /// System structures (for example translation tables); hosts no segments.
        System => "system",
    }
}

impl PageKind {
    /// The permissions a page of this kind gets when none are given: `rx` for code,
    /// `rw` otherwise.
    pub const fn default_perms(self) -> Perms {
        match self {
            Self::Code => Perms::RX,
            _ => Perms::RW,
        }
    }

    /// Whether the kind is Device memory (as opposed to Normal memory).
    pub const fn is_device(self) -> bool {
        matches!(self, Self::Device)
    }
}

keyword_enum! {
    /// What a segment holds; decides which pages it may be placed in.
    ///
    /// Segments become linker sections, so the kinds cover what a firmware links. Which
    /// pages take which kind ([`fits_in`](Self::fits_in) and
    /// [`missing_access`](Self::missing_access)):
    ///
    /// | kind | holds | pages that take it |
    /// |------|-------|--------------------|
    /// | `bsp_boot_code` | boot code of the bootstrap processor | code with execute (`rx`, `rwx`, `x`) |
    /// | `boot_code` | boot code every core runs | code with execute (`rx`, `rwx`, `x`) |
    /// | `code` | code (`.text`) | code with execute (`rx`, `rwx`, `x`) |
    /// | `rodata` | read-only data (`.rodata`) | code, or data without write permission (`r`, `rx`); not execute-only `x` |
    /// | `data` | initialised writable data (`.data`) | data with write permission (`rw`, `rwx`) |
    /// | `bss` | zero-initialised writable data (`.bss`) | data with write permission (`rw`, `rwx`) |
    /// | `data_shared` | data shared between agents | data |
    /// | `data_preserve` | data preserved across resets | data |
    /// | `stack` | a stack | data with write (`rw`, `rwx`) |
    ///
    /// Device and system pages take no segments.
    ///
    /// Not exhaustive: the language may add kinds (each a linker section of its own).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[non_exhaustive]
    pub enum SegmentKind {
        /// The boot code of the bootstrap processor (code page).
        BspBootCode => "bsp_boot_code",
        /// Boot code run by every core (code page).
        BootCode => "boot_code",
        /// Code (code page).
        Code => "code",
        /// Read-only data, a firmware's `.rodata` (code page, or data page without write
        /// permission).
        Rodata => "rodata",
        /// Initialised writable data, a firmware's `.data` (data page with write permission).
        Data => "data",
        /// Zero-initialised writable data, a firmware's `.bss` (data page with write
        /// permission).
        Bss => "bss",
        /// Data shared between agents (data page).
        DataShared => "data_shared",
        /// Data preserved across resets (data page).
        DataPreserve => "data_preserve",
        /// A stack (data page).
        Stack => "stack",
    }
}

impl SegmentKind {
    /// The page kind a segment of this kind usually sits in: [`PageKind::Code`] for the
    /// code kinds, [`PageKind::Data`] for the others (`rodata` included, although a code
    /// page takes it too). Whether a given page takes the segment is
    /// [`fits_in`](Self::fits_in).
    pub const fn page_kind(self) -> PageKind {
        match self {
            Self::BspBootCode | Self::BootCode | Self::Code => PageKind::Code,
            Self::Rodata
            | Self::Data
            | Self::Bss
            | Self::DataShared
            | Self::DataPreserve
            | Self::Stack => PageKind::Data,
        }
    }

    /// Whether a page of `kind` with `perms` takes a segment of this kind: code kinds go
    /// in code pages (execute-only ones too); `rodata` in code pages or data pages without write permission;
    /// `data` and `bss` in data pages with write permission; `data_shared`,
    /// `data_preserve` and `stack` in any data page. Device and system pages take none.
    pub const fn fits_in(self, kind: PageKind, perms: Perms) -> bool {
        match self {
            Self::BspBootCode | Self::BootCode | Self::Code => matches!(kind, PageKind::Code),
            Self::Rodata => match kind {
                PageKind::Code => true,
                PageKind::Data => !perms.write(),
                _ => false,
            },
            Self::Data | Self::Bss => matches!(kind, PageKind::Data) && perms.write(),
            Self::DataShared | Self::DataPreserve | Self::Stack => {
                matches!(kind, PageKind::Data)
            }
        }
    }

    /// The access a segment of this kind needs from its page: execute for the code
    /// kinds (`bsp_boot_code`, `boot_code`, `code`: an instruction fetch from an
    /// execute-never page is a Permission fault, Arm ARM D8.4 "Memory access control"),
    /// write for `stack` (a push is a store), read for every other kind (data in an
    /// execute-only `x` page cannot be loaded). `data` and `bss` need write too, which
    /// [`fits_in`](Self::fits_in) already demands of their pages. Returns the
    /// permissions to give the page instead, `Perms::RX` (execute), `Perms::RW` (write)
    /// or `perms` made readable (`x` becomes `rx`), or `None`.
    pub const fn missing_access(self, perms: Perms) -> Option<Perms> {
        match self {
            Self::BspBootCode | Self::BootCode | Self::Code if !perms.execute() => Some(Perms::RX),
            Self::BspBootCode | Self::BootCode | Self::Code => None,
            Self::Stack if !perms.write() => Some(Perms::RW),
            _ if !perms.read() => Some(Perms::new(true, perms.write(), perms.execute())),
            _ => None,
        }
    }

    /// The pages that take this kind, in words for messages: "a code page", "a data
    /// page", "a code page or a data page without write permission" or "a data page with
    /// write permission".
    pub const fn pages_taking(self) -> &'static str {
        match self {
            Self::BspBootCode | Self::BootCode | Self::Code => "a code page",
            Self::Rodata => "a code page or a data page without write permission",
            Self::Data | Self::Bss => "a data page with write permission",
            Self::DataShared | Self::DataPreserve | Self::Stack => "a data page",
        }
    }

    /// The smallest alignment a segment of this kind accepts: 16 bytes for stacks (the
    /// AArch64 SP alignment, `SCTLR_ELx.SA`; Arm ARM D1.3.10), 4 for the code kinds
    /// (`bsp_boot_code`, `boot_code`, `code`: A64 instructions are 4 bytes and 4-byte
    /// aligned; Arm ARM C1.1), 1 otherwise. An explicit smaller `align` is
    /// `Error::AlignTooSmall`. A stack's size must also be
    /// a multiple of 16, so its top is aligned.
    pub const fn min_align(self) -> u64 {
        match self {
            Self::Stack => STACK_ALIGN,
            Self::BspBootCode | Self::BootCode | Self::Code => 4,
            _ => 1,
        }
    }

    /// The alignment a segment of this kind gets when none is given: 16 bytes for
    /// stacks, 8 for the code kinds, 1 otherwise.
    pub const fn default_align(self) -> u64 {
        match self {
            Self::Stack => STACK_ALIGN,
            Self::BspBootCode | Self::BootCode | Self::Code => 8,
            _ => 1,
        }
    }
}

/// Access permissions: read, write and execute, as a page can have them: `r`, `rw`,
/// `rx`, `rwx`, or `x` (execute-only).
///
/// `x` is for pages of EL0 (user) tables only: AP\[2:1\] = 0b10 (EL1 read-only, EL0 no
/// data access), UXN = 0, PXN = 1, the encoding of Linux's execute-only user mappings
/// (Arm ARM DDI 0487, D8.4.1.2.1 "Stage 1 data accesses using Direct permissions" and
/// D8.4.1.2.3 "Stage 1 instruction execution using Direct permissions"). The
/// privileged level of a regime can always read what it maps, so EL1, EL2 and EL3
/// pages cannot be execute-only without FEAT_PIE (permission indirection), which this
/// crate does not use. The table builder also takes `x` in a stage 2 table
/// (`aarch64::TableConfig::vmid`): S2AP = 0b00 and XN = 0b00, which lets the virtual
/// machine fetch instructions but not read or write (D8.4, "Stage 2 instruction
/// execution permissions").
///
/// `Debug` and `Display` both show the name as written in source (`rx`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Perms(u8);

impl Perms {
    /// Read-only.
    pub const R: Perms = Perms(1);
    /// Read and write.
    pub const RW: Perms = Perms(1 | 2);
    /// Read and execute.
    pub const RX: Perms = Perms(1 | 4);
    /// Read, write and execute.
    pub const RWX: Perms = Perms(1 | 2 | 4);
    /// Execute-only: EL0 may run the page's instructions but not read or write it (EL0
    /// pages, and the stage 2 pages of a virtual machine, whose guest may run but not
    /// load from or store to them; see the type's documentation).
    pub const X: Perms = Perms(4);

    /// Builds permissions from flags. A page is readable unless it is execute-only, so
    /// `read` false is taken as true except with `execute` true and `write` false
    /// ([`X`](Self::X)).
    pub const fn new(read: bool, write: bool, execute: bool) -> Perms {
        let read = read || write || !execute;
        Perms(if read { 1 } else { 0 } | if write { 2 } else { 0 } | if execute { 4 } else { 0 })
    }

    /// Whether reads are allowed.
    pub const fn read(self) -> bool {
        self.0 & 1 != 0
    }

    /// Whether writes are allowed.
    pub const fn write(self) -> bool {
        self.0 & 2 != 0
    }

    /// Whether instruction fetches are allowed.
    pub const fn execute(self) -> bool {
        self.0 & 4 != 0
    }

    /// Whether the permissions are execute-only ([`X`](Self::X)).
    pub const fn execute_only(self) -> bool {
        self.execute() && !self.read()
    }

    /// The same permissions with write allowed (`true`) or not (`false`); allowing
    /// writes makes the page readable too.
    pub const fn with_write(self, write: bool) -> Perms {
        Perms::new(self.read(), write, self.execute())
    }

    /// The name as written in source: `r`, `rw`, `rx`, `rwx` or `x`.
    pub const fn name(self) -> &'static str {
        match (self.read(), self.write(), self.execute()) {
            (false, _, true) => "x",
            (_, false, false) => "r",
            (_, true, false) => "rw",
            (_, false, true) => "rx",
            (_, true, true) => "rwx",
        }
    }

    /// Every permission set a page can have, as [`NAMES`](Self::NAMES) lists them.
    ///
    /// The array grows when a value is added: iterate or index it rather than naming
    /// its length.
    pub const ALL: [Perms; 5] = [Self::R, Self::RW, Self::RX, Self::RWX, Self::X];

    /// The keyword of every value of [`ALL`](Self::ALL), in order.
    pub const NAMES: [&'static str; 5] = [
        Self::ALL[0].name(),
        Self::ALL[1].name(),
        Self::ALL[2].name(),
        Self::ALL[3].name(),
        Self::ALL[4].name(),
    ];

    /// Parses a name as written by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Perms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

keyword_enum! {
    /// Cacheability of Normal memory (Device memory ignores it).
    ///
    /// Not exhaustive: the architecture has more cache policies (allocation and
    /// transient hints) that the language may offer.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[non_exhaustive]
    pub enum Cacheability {
        /// Normal memory, non-cacheable.
        NonCacheable => "non_cacheable",
        /// Normal memory, write-through.
        WriteThrough => "write_through",
        /// Normal memory, write-back (the default).
        WriteBack => "write_back",
    }
}

keyword_enum! {
    /// Shareability domain of a page.
    ///
    /// Exhaustive on purpose: SH\[1:0\] of a descriptor encodes exactly these three
    /// domains (0b01 is reserved; Arm ARM D8.3.1.2, "Shareability attributes"), so a
    /// `match` on it needs no wildcard arm.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Shareability {
        /// Non-shareable.
        NonShareable => "non_shareable",
        /// Inner shareable (the default: what multi-core code expects).
        Inner => "inner",
        /// Outer shareable.
        Outer => "outer",
    }
}

keyword_enum! {
    /// The Device memory type of a `device` page: whether accesses may be gathered (G),
    /// reordered (R) and acknowledged early (E) (Arm ARM DDI 0487, B2.8.2 "Device
    /// memory"; the `MAIR_ELx` `Attr<n>` encodings 0b0000dd00, D19 "AArch64 System
    /// Register Descriptions", `MAIR_EL1`). Normal memory ignores it.
    ///
    /// Every table loads one fixed MAIR that holds all four types (see
    /// `aarch64::mair`), so a page's type never changes another page's encoding.
    ///
    /// Exhaustive on purpose: the architecture has exactly these four Device types, so a
    /// `match` on it needs no wildcard arm.
    ///
    /// The variants are spelt as the keywords (`DeviceType::nGnRnE`), as the Arm ARM
    /// writes the types.
    #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum DeviceType {
        /// Device-nGnRnE: no gathering, no reordering, no early write acknowledgement;
        /// the strongest ordering, for registers whose writes must reach the device
        /// before the next access (PCIe configuration space, some interrupt
        /// controllers). `MAIR` attribute byte `0x00`.
        nGnRnE => "nGnRnE",
        /// Device-nGnRE (the default): early write acknowledgement allowed; the usual
        /// type for memory-mapped registers. `MAIR` attribute byte `0x04`.
        #[default]
        nGnRE => "nGnRE",
        /// Device-nGRE: reordering and early write acknowledgement allowed, no
        /// gathering. `MAIR` attribute byte `0x08`.
        nGRE => "nGRE",
        /// Device-GRE: gathering, reordering and early write acknowledgement allowed;
        /// for frame buffers and other write-combining buffers. `MAIR` attribute byte
        /// `0x0C`.
        GRE => "GRE",
    }
}

/// A page size: the bytes one page translates, from a 4 KiB page to a 4 TiB block.
///
/// A page of any size is one page: one [`Page`], aligned to its size in VA and in PA.
/// The size says how many bytes the page translates, not how the tables write it; the
/// table's translation granule decides that
/// ([`Format::page_leaves`](crate::aarch64::granule::Format::page_leaves)):
///
/// | size | 4 KiB granule | 16 KiB granule | 64 KiB granule |
/// |------|---------------|----------------|----------------|
/// | 4K   | level 3 page | — | — |
/// | 16K  | — | level 3 page | — |
/// | 64K  | 16 level 3 pages, Contiguous | — | level 3 page |
/// | 2M   | level 2 block | 128 level 3 pages, Contiguous | 32 level 3 pages, Contiguous |
/// | 32M  | 16 level 2 blocks, Contiguous | level 2 block | — |
/// | 512M | — | — | level 2 block |
/// | 1G   | level 1 block | 32 level 2 blocks, Contiguous | — |
/// | 16G  | 16 level 1 blocks, Contiguous | — | 32 level 2 blocks, Contiguous |
/// | 64G  | — | level 1 block (FEAT_LPA2) | — |
/// | 512G | level 0 block (FEAT_LPA2) | — | — |
/// | 4T   | — | — | level 1 block (FEAT_LPA, 52-bit PA) |
///
/// The Contiguous bit marks adjacent entries of one level, aligned to the group, that
/// map one aligned output range with equal attributes (DDI 0487 D8.6.1, "The Contiguous
/// bit"); the tables set it on the group when
/// [`TableConfig::contiguous_hint`](crate::aarch64::TableConfig::contiguous_hint) is on,
/// and write the same descriptors without it otherwise.
///
/// Not exhaustive: later architecture versions may bring more sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum PageSize {
    /// 4 KiB: a level 3 page of the 4 KiB granule.
    #[cfg_attr(feature = "serde", serde(rename = "4K"))]
    Size4K,
    /// 16 KiB: a level 3 page of the 16 KiB granule.
    #[cfg_attr(feature = "serde", serde(rename = "16K"))]
    Size16K,
    /// 64 KiB: a level 3 page of the 64 KiB granule; 16 Contiguous level 3 pages of the
    /// 4 KiB granule.
    #[cfg_attr(feature = "serde", serde(rename = "64K"))]
    Size64K,
    /// 2 MiB: a level 2 block of the 4 KiB granule; a Contiguous group of level 3 pages
    /// of the 16 KiB (128) and 64 KiB (32) granules.
    #[cfg_attr(feature = "serde", serde(rename = "2M"))]
    Size2M,
    /// 32 MiB: a level 2 block of the 16 KiB granule; 16 Contiguous level 2 blocks of
    /// the 4 KiB granule.
    #[cfg_attr(feature = "serde", serde(rename = "32M"))]
    Size32M,
    /// 512 MiB: a level 2 block of the 64 KiB granule.
    #[cfg_attr(feature = "serde", serde(rename = "512M"))]
    Size512M,
    /// 1 GiB: a level 1 block of the 4 KiB granule; 32 Contiguous level 2 blocks of the
    /// 16 KiB granule.
    #[cfg_attr(feature = "serde", serde(rename = "1G"))]
    Size1G,
    /// 16 GiB: 16 Contiguous level 1 blocks of the 4 KiB granule; 32 Contiguous level 2
    /// blocks of the 64 KiB granule.
    #[cfg_attr(feature = "serde", serde(rename = "16G"))]
    Size16G,
    /// 64 GiB: a level 1 block of the 16 KiB granule with FEAT_LPA2 (`TCR_ELx.DS` = 1).
    #[cfg_attr(feature = "serde", serde(rename = "64G"))]
    Size64G,
    /// 512 GiB: a level 0 block of the 4 KiB granule with FEAT_LPA2 (`TCR_ELx.DS` = 1).
    #[cfg_attr(feature = "serde", serde(rename = "512G"))]
    Size512G,
    /// 4 TiB: a level 1 block of the 64 KiB granule with FEAT_LPA (52-bit PAs).
    #[cfg_attr(feature = "serde", serde(rename = "4T"))]
    Size4T,
}

impl PageSize {
    /// Every size, smallest first.
    pub const ALL: [PageSize; 11] = [
        Self::Size4K,
        Self::Size16K,
        Self::Size64K,
        Self::Size2M,
        Self::Size32M,
        Self::Size512M,
        Self::Size1G,
        Self::Size16G,
        Self::Size64G,
        Self::Size512G,
        Self::Size4T,
    ];

    /// The size in bytes.
    pub const fn bytes(self) -> u64 {
        match self {
            Self::Size4K => 0x1000,
            Self::Size16K => 0x4000,
            Self::Size64K => 0x1_0000,
            Self::Size2M => 0x20_0000,
            Self::Size32M => 0x200_0000,
            Self::Size512M => 0x2000_0000,
            Self::Size1G => 0x4000_0000,
            Self::Size16G => 0x4_0000_0000,
            Self::Size64G => 0x10_0000_0000,
            Self::Size512G => 0x80_0000_0000,
            Self::Size4T => 0x400_0000_0000,
        }
    }

    /// The size for a byte count, if it is one of the sizes of [`ALL`](Self::ALL).
    pub const fn from_bytes(bytes: u64) -> Option<PageSize> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if Self::ALL[i].bytes() == bytes {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// The name as written in source: `4K`, `16K`, `64K`, `2M`, `32M`, `512M`, `1G`,
    /// `16G`, `64G`, `512G` or `4T`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Size4K => "4K",
            Self::Size16K => "16K",
            Self::Size64K => "64K",
            Self::Size2M => "2M",
            Self::Size32M => "32M",
            Self::Size512M => "512M",
            Self::Size1G => "1G",
            Self::Size16G => "16G",
            Self::Size64G => "64G",
            Self::Size512G => "512G",
            Self::Size4T => "4T",
        }
    }
}

impl fmt::Display for PageSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The value of a custom page attribute.
///
/// Not exhaustive: the language may take more kinds of value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum AttrValue {
    /// An integer.
    Int(i128),
    /// A string.
    Str(Name),
    /// A boolean.
    Bool(bool),
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::Str(s) => write!(f, "{s:?}"),
            Self::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A custom key/value attribute attached to a page.
///
/// Exhaustive on purpose: an attribute is its key and its value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(all(feature = "serde", feature = "alloc"), derive(serde::Deserialize))]
pub struct Attr {
    /// The key.
    pub key: Name,
    /// The value.
    pub value: AttrValue,
}

impl Attr {
    /// An attribute from a static key and value, usable in `const` context.
    pub const fn new(key: &'static str, value: AttrValue) -> Attr {
        Attr {
            key: Name::new(key),
            value,
        }
    }
}

/// The cores that use one page table: a first core and up to 63 more above it.
///
/// Stored as the first (lowest) core and a mask of the cores relative to it (bit `i` is
/// core `first + i`, bit 0 always set), so it is `Copy`, needs only `core`, and is built
/// in `const` context. A table of one core (`core N`) has the mask `1`; `cores 0..=3`
/// is first core 0, mask `0b1111`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cores {
    first: u32,
    mask: u64,
}

impl Cores {
    /// One core.
    pub const fn one(core: u32) -> Cores {
        Cores {
            first: core,
            mask: 1,
        }
    }

    /// `first` and the cores `first + i` for every bit `i` set in `mask`.
    ///
    /// Bit 0 is set whatever `mask` says, so the set is never empty; bits naming a core
    /// past `u32::MAX` are dropped.
    pub const fn from_mask(first: u32, mask: u64) -> Cores {
        let room = u32::MAX - first;
        let mask = if room < 63 {
            mask & ((1u64 << (room + 1)) - 1)
        } else {
            mask
        };
        Cores {
            first,
            mask: mask | 1,
        }
    }

    /// The cores `first ..= last`, or `None` if `last < first` or they are more than 64.
    pub const fn range(first: u32, last: u32) -> Option<Cores> {
        if last < first || last - first >= 64 {
            return None;
        }
        let n = last - first + 1;
        let mask = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
        Some(Cores { first, mask })
    }

    /// The lowest core.
    pub const fn first(self) -> u32 {
        self.first
    }

    /// The mask relative to [`first`](Self::first): bit `i` is core `first + i`.
    pub const fn mask(self) -> u64 {
        self.mask
    }

    /// The number of cores.
    pub const fn len(self) -> u32 {
        self.mask.count_ones()
    }

    /// Always `false`: a table has at least one core.
    pub const fn is_empty(self) -> bool {
        false
    }

    /// Whether `core` is one of them.
    pub const fn contains(self, core: u32) -> bool {
        core >= self.first && core - self.first < 64 && (self.mask >> (core - self.first)) & 1 == 1
    }

    /// Whether the two sets share a core.
    pub const fn overlaps(self, other: Cores) -> bool {
        self.first_shared(other).is_some()
    }

    /// The lowest core of both sets, or `None` when they share none.
    pub const fn first_shared(self, other: Cores) -> Option<u32> {
        let (lo, hi) = if self.first <= other.first {
            (self, other)
        } else {
            (other, self)
        };
        let d = hi.first - lo.first;
        if d >= 64 {
            return None;
        }
        let common = (lo.mask >> d) & hi.mask;
        if common == 0 {
            None
        } else {
            Some(hi.first + common.trailing_zeros())
        }
    }

    /// The cores in increasing order.
    pub fn iter(self) -> impl Iterator<Item = u32> {
        (0..64u32)
            .filter(move |i| (self.mask >> i) & 1 == 1)
            .map(move |i| self.first + i)
    }
}

impl fmt::Display for Cores {
    /// `core 3`, `cores 0..=3`, or `cores [0, 2, 5]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.len();
        if n == 1 {
            return write!(f, "core {}", self.first);
        }
        if self.mask.count_ones() == 64 - self.mask.leading_zeros() {
            return write!(f, "cores {}..={}", self.first, self.first + (n - 1));
        }
        f.write_str("cores [")?;
        for (i, c) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("]")
    }
}

/// The alignment of an AArch64 stack pointer in bytes: stack segments are aligned to it
/// and sized in multiples of it.
pub const STACK_ALIGN: u64 = 16;

/// Identity of one page table: its name, the cores that use it and its exception level.
///
/// Most tables belong to one core (`core N`). A table may serve several cores at once
/// (`cores 0..=3`), as one table for every core of a secure monitor does; its pages and
/// segments then report the first core.
///
/// `Display` gives `NAME (core N, EL)` (or `NAME (cores 0..=3, EL)`), the table's heading
/// in the memory map.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableInfo {
    name: Name,
    cores: Cores,
    el: ExecutionContext,
}

impl TableInfo {
    /// A table description for one core, usable in `const` context.
    pub const fn new(name: &'static str, core: u32, el: ExecutionContext) -> TableInfo {
        TableInfo::for_cores(name, Cores::one(core), el)
    }

    /// A table description for several cores, usable in `const` context.
    pub const fn for_cores(name: &'static str, cores: Cores, el: ExecutionContext) -> TableInfo {
        TableInfo {
            name: Name::new(name),
            cores,
            el,
        }
    }

    /// A table description with a name given as a `String` (feature `alloc`), a
    /// `&'static str` or a [`Name`].
    pub fn with_name(name: impl Into<Name>, core: u32, el: ExecutionContext) -> Self {
        Self::with_name_cores(name, Cores::one(core), el)
    }

    /// A table description for several cores, with a name given as for
    /// [`with_name`](Self::with_name).
    pub fn with_name_cores(name: impl Into<Name>, cores: Cores, el: ExecutionContext) -> Self {
        TableInfo {
            name: name.into(),
            cores,
            el,
        }
    }

    /// The table's name.
    pub const fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The core the table belongs to (the first one, for a table of several cores).
    pub const fn core(&self) -> u32 {
        self.cores.first()
    }

    /// Every core that uses the table.
    pub const fn cores(&self) -> Cores {
        self.cores
    }

    /// The exception level (and security state) of the table.
    pub const fn el(&self) -> ExecutionContext {
        self.el
    }
}

/// The memory attributes of a page: kind, permissions, cacheability, shareability and
/// the Device memory type.
///
/// Not exhaustive (more attributes may join it): build it with
/// [`new`](Self::new) and the `with_*` setters, which work in `const` context, and read
/// or assign its fields:
///
/// ```
/// use memlayout::{Cacheability, MemAttrs, PageKind, Perms};
///
/// const DMA: MemAttrs = MemAttrs::new(PageKind::Data)
///     .with_perms(Perms::RW)
///     .with_cache(Cacheability::NonCacheable);
/// assert_eq!(DMA.cacheability(), Some(Cacheability::NonCacheable));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(from = "serde_impls::MemAttrsIn")
)]
#[non_exhaustive]
pub struct MemAttrs {
    /// What the page holds.
    pub kind: PageKind,
    /// Access permissions.
    pub perms: Perms,
    /// Cacheability (meaningful for Normal memory).
    pub cache: Cacheability,
    /// Shareability (meaningful for Normal memory).
    pub share: Shareability,
    /// The physical address space the table's mapping reaches the PA in: the pool's
    /// space ([`Secure`](PhysicalAddressSpace::Secure) when the layout does not model
    /// security), or for a pool in both Secure and Non-secure spaces the view of the
    /// table's security state. It selects the NS bit (and NSE at EL3) of the
    /// descriptor, see [`PhysicalAddressSpace::reaches`].
    pub pas: PhysicalAddressSpace,
    /// The Device memory type (meaningful for Device memory; default Device-nGnRE).
    #[cfg_attr(feature = "serde", serde(default))]
    pub device: DeviceType,
}

impl MemAttrs {
    /// The defaults for a kind: `rx` code, `rw` otherwise, write-back, inner shareable.
    pub const fn new(kind: PageKind) -> MemAttrs {
        MemAttrs {
            kind,
            perms: kind.default_perms(),
            cache: Cacheability::WriteBack,
            share: Shareability::Inner,
            pas: PhysicalAddressSpace::Secure,
            device: DeviceType::nGnRE,
        }
    }

    /// The same attributes with permissions `perms`.
    pub const fn with_perms(mut self, perms: Perms) -> MemAttrs {
        self.perms = perms;
        self
    }

    /// The same attributes with cacheability `cache`.
    pub const fn with_cache(mut self, cache: Cacheability) -> MemAttrs {
        self.cache = cache;
        self
    }

    /// The same attributes with shareability `share`.
    pub const fn with_share(mut self, share: Shareability) -> MemAttrs {
        self.share = share;
        self
    }

    /// The same attributes with the PA in the Non-secure physical address space
    /// (`true`) or in the Secure one (`false`); see [`with_pas`](Self::with_pas) for
    /// Root and Realm.
    pub const fn with_non_secure(mut self, non_secure: bool) -> MemAttrs {
        self.pas = if non_secure {
            PhysicalAddressSpace::NonSecure
        } else {
            PhysicalAddressSpace::Secure
        };
        self
    }

    /// The same attributes with the PA reached in physical address space `pas`.
    pub const fn with_pas(mut self, pas: PhysicalAddressSpace) -> MemAttrs {
        self.pas = pas;
        self
    }

    /// Whether the PA is reached in the Non-secure physical address space.
    pub const fn is_non_secure(&self) -> bool {
        matches!(self.pas, PhysicalAddressSpace::NonSecure)
    }

    /// The same attributes with Device memory type `device` (used by `device` pages
    /// only).
    pub const fn with_device(mut self, device: DeviceType) -> MemAttrs {
        self.device = device;
        self
    }

    /// The Device memory type of a `device` page; `None` for Normal memory, which
    /// ignores the [`device`](Self::device) field.
    pub const fn device_type(&self) -> Option<DeviceType> {
        if self.kind.is_device() {
            Some(self.device)
        } else {
            None
        }
    }

    /// The cacheability of Normal memory; `None` for a `device` page: Device memory has
    /// no cacheability (its type is [`device_type`](Self::device_type)). The
    /// [`cache`](Self::cache) field of a device page is ignored.
    pub const fn cacheability(&self) -> Option<Cacheability> {
        if self.kind.is_device() {
            None
        } else {
            Some(self.cache)
        }
    }

    /// The shareability of Normal memory; `None` for a `device` page: every Device
    /// access is treated as Outer Shareable whatever the descriptor says (Arm ARM, DDI
    /// 0487, chapter B2 "The AArch64 Application Level Memory Model", Device memory), and
    /// the table builder writes SH = Outer Shareable for it. The [`share`](Self::share)
    /// field of a device page is ignored.
    pub const fn shareability(&self) -> Option<Shareability> {
        if self.kind.is_device() {
            None
        } else {
            Some(self.share)
        }
    }
}

/// One mapped page of a table: a VA, the PA it translates to, its size and attributes.
///
/// A request for `N` consecutive pages yields `N` pages with the same name and indices
/// `0..N`.
///
/// Every accessor except [`attr`](Self::attr) is a `const fn`. A page holds its name as a
/// [`Name`], which may own a `String` (feature `alloc`), so `const` items keep pages behind
/// a reference, as `memory_layout!` does:
///
/// ```
/// use memlayout::{ExecutionContext, MemAttrs, Page, PageKind, PageSize, TableInfo};
///
/// const INFO: &TableInfo = &TableInfo::new("core0_el3", 0, ExecutionContext::EL3);
/// const BOOT: &Page = &Page::from_parts(
///     "boot", 0, INFO, 0x8000_0000, 0x8000_0000, PageSize::Size2M,
///     MemAttrs::new(PageKind::Code), false, &[],
/// )
/// .with_identity(true);
/// const ENTRY: u64 = BOOT.va();
/// const _: () = assert!(BOOT.is_identity() && BOOT.va_end() == ENTRY as u128 + 0x20_0000);
/// ```
///
/// An identity page is one the layout asks for at VA == PA ([`is_identity`](Self::is_identity));
/// a page that only happens to have VA == PA answers [`va_equals_pa`](Self::va_equals_pa).
///
/// `Display` gives the page's line of the memory map (name, VA range, PA, size, kind,
/// permissions, memory type, notes; addresses as [`Hex`] writes them), `Debug` every
/// field with addresses in [`Hex`]:
///
/// ```
/// # use memlayout::{ExecutionContext, MemAttrs, Page, PageKind, PageSize, TableInfo};
/// # const INFO: &TableInfo = &TableInfo::new("core0_el3", 0, ExecutionContext::EL3);
/// # const BOOT: &Page = &Page::from_parts(
/// #     "boot", 0, INFO, 0x8000_0000, 0x8000_0000, PageSize::Size2M,
/// #     MemAttrs::new(PageKind::Code), false, &[],
/// # )
/// # .with_identity(true);
/// assert_eq!(
///     BOOT.to_string(),
///     "boot           VA           0x8000_0000..0x8020_0000  PA      0x8000_0000  2M  code   rx  \
///      write_back    inner         identity",
/// );
/// assert!(format!("{BOOT:?}").contains("va: 0x8000_0000, pa: 0x8000_0000"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Page {
    name: Name,
    index: u32,
    core: u32,
    el: ExecutionContext,
    va: u64,
    pa: u64,
    size: PageSize,
    attrs: MemAttrs,
    shared: bool,
    identity: bool,
    custom: AttrList,
    guard: u64,
}

impl Page {
    /// Builds a page from its parts, usable in `const` context (the macro emits this).
    #[allow(clippy::too_many_arguments)]
    pub const fn from_parts(
        name: &'static str,
        index: u32,
        table: &TableInfo,
        va: u64,
        pa: u64,
        size: PageSize,
        attrs: MemAttrs,
        shared: bool,
        custom: &'static [Attr],
    ) -> Page {
        Page {
            name: Name::new(name),
            index,
            core: table.core(),
            el: table.el,
            va,
            pa,
            size,
            attrs,
            shared,
            identity: false,
            custom: AttrList::new(custom),
            guard: 0,
        }
    }

    /// Builds a page from a name and attributes that may be owned (the run-time engine
    /// passes a `String` and a `Vec<Attr>`, feature `alloc`) or `'static`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: impl Into<Name>,
        index: u32,
        table: &TableInfo,
        va: u64,
        pa: u64,
        size: PageSize,
        attrs: MemAttrs,
        shared: bool,
        custom: impl Into<AttrList>,
    ) -> Page {
        Page {
            name: name.into(),
            index,
            core: table.core(),
            el: table.el,
            va,
            pa,
            size,
            attrs,
            shared,
            identity: false,
            custom: custom.into(),
            guard: 0,
        }
    }

    /// Page `k` of the `* N` run this page starts: the same page, `k` pages further in
    /// VA and PA, with index `index + k`. The caller keeps the addresses and the index
    /// in range.
    #[cfg(feature = "alloc")]
    pub(crate) fn nth(&self, k: u32) -> Page {
        let off = u64::from(k) * self.size.bytes();
        Page {
            index: self.index + k,
            va: self.va + off,
            pa: self.pa + off,
            ..self.clone()
        }
    }

    /// The page with its identity request set: `true` for a page placed by an identity
    /// request (the `identity` keyword, or the engine's `PageRequest::identity`),
    /// which the planner keeps at VA == PA on every placement. Usable in `const` context
    /// (the macro emits `Page::from_parts(..).with_identity(true)`); see
    /// [`is_identity`](Self::is_identity).
    pub const fn with_identity(mut self, identity: bool) -> Page {
        self.identity = identity;
        self
    }

    /// The page with its guard set: `bytes` of VA directly below the first page of its
    /// `* N` run and directly above the last are kept unmapped (the `guard SIZE` option,
    /// or the engine's `PageRequest::guard`), so an access that runs off either end of
    /// the run takes a translation fault. Every page of the run carries the run's guard;
    /// 0 is no guard. Usable in `const` context (the macro emits
    /// `Page::from_parts(..).with_guard(0x1000)`); see [`guard`](Self::guard).
    pub const fn with_guard(mut self, bytes: u64) -> Page {
        self.guard = bytes;
        self
    }

    /// The guard of the page's run in bytes (0: none): that much VA directly below the
    /// run's first page and directly above its last page is unmapped in the page's
    /// table. A multiple of the translation granule (4 KiB).
    pub const fn guard(&self) -> u64 {
        self.guard
    }

    /// The page's name (shared by all pages of one `* N` request).
    pub const fn name(&self) -> &str {
        self.name.as_str()
    }
    /// The index of this page within its `* N` request (0 for a single page).
    pub const fn index(&self) -> u32 {
        self.index
    }
    /// The core of the table the page is mapped in.
    pub const fn core(&self) -> u32 {
        self.core
    }
    /// The exception level of the table the page is mapped in.
    pub const fn el(&self) -> ExecutionContext {
        self.el
    }
    /// The virtual address of the first byte.
    pub const fn va(&self) -> u64 {
        self.va
    }
    /// The physical address of the first byte.
    pub const fn pa(&self) -> u64 {
        self.pa
    }
    /// The size in bytes.
    pub const fn size(&self) -> u64 {
        self.size.bytes()
    }
    /// The page size.
    pub const fn page_size(&self) -> PageSize {
        self.size
    }
    /// The virtual address one past the last byte, as `u128`: a page at the top of the
    /// 64-bit space ends at 2^64, which no `u64` holds. Total: never overflows.
    pub const fn va_end(&self) -> u128 {
        self.va as u128 + self.size.bytes() as u128
    }
    /// The physical address one past the last byte, as `u128` (see
    /// [`va_end`](Self::va_end)).
    pub const fn pa_end(&self) -> u128 {
        self.pa as u128 + self.size.bytes() as u128
    }
    /// Whether `va` lies inside the page.
    pub const fn contains_va(&self, va: u64) -> bool {
        va >= self.va && va - self.va < self.size.bytes()
    }
    /// Whether `pa` lies inside the page.
    pub const fn contains_pa(&self, pa: u64) -> bool {
        pa >= self.pa && pa - self.pa < self.size.bytes()
    }
    /// Translates a VA inside the page to its PA; `None` outside the page, or when the
    /// PA would pass 2^64 (a page built with a physical range that wraps).
    pub const fn va_to_pa(&self, va: u64) -> Option<u64> {
        if self.contains_va(va) {
            self.pa.checked_add(va - self.va)
        } else {
            None
        }
    }
    /// Translates a PA inside the page to its VA; `None` outside the page, or when the
    /// VA would pass 2^64 (a page built with a virtual range that wraps).
    pub const fn pa_to_va(&self, pa: u64) -> Option<u64> {
        if self.contains_pa(pa) {
            self.va.checked_add(pa - self.pa)
        } else {
            None
        }
    }
    /// Whether the page is an identity page: it was requested at VA == PA (the
    /// `identity` keyword, or the engine's `PageRequest::identity`) and is there.
    /// Every placement of the layout keeps it there, so code that runs before the MMU is
    /// on (an identity trampoline) may rely on it.
    ///
    /// A page that merely landed at VA == PA without the request is not an identity page:
    /// [`va_equals_pa`](Self::va_equals_pa) is true for it, but the next edit of the
    /// layout (or another seed) may move it. The memory map writes `identity` for the
    /// first and `va == pa` for the second. Only the request counts: a page with a fixed
    /// `va` and an equal fixed `pa` is an identity page when it also says `identity`.
    pub const fn is_identity(&self) -> bool {
        self.identity && self.va == self.pa
    }
    /// Whether VA equals PA in this placement, requested or not (see
    /// [`is_identity`](Self::is_identity)).
    pub const fn va_equals_pa(&self) -> bool {
        self.va == self.pa
    }
    /// What the page holds.
    pub const fn kind(&self) -> PageKind {
        self.attrs.kind
    }
    /// Access permissions.
    pub const fn perms(&self) -> Perms {
        self.attrs.perms
    }
    /// Cacheability; `None` for a `device` page (see [`MemAttrs::cacheability`]).
    pub const fn cacheability(&self) -> Option<Cacheability> {
        self.attrs.cacheability()
    }
    /// Shareability; `None` for a `device` page (see [`MemAttrs::shareability`]).
    pub const fn shareability(&self) -> Option<Shareability> {
        self.attrs.shareability()
    }
    /// The Device memory type; `None` for Normal memory (see [`MemAttrs::device_type`]).
    pub const fn device_type(&self) -> Option<DeviceType> {
        self.attrs.device_type()
    }
    /// Kind, permissions, cacheability, shareability and Device type together.
    pub const fn mem_attrs(&self) -> MemAttrs {
        self.attrs
    }
    /// Whether the page is a cross-core page (one PA mapped into several tables).
    pub const fn is_shared(&self) -> bool {
        self.shared
    }
    /// The custom key/value attributes.
    pub const fn attrs(&self) -> &[Attr] {
        self.custom.as_slice()
    }
    /// The value of a custom attribute.
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        self.custom.iter().find(|a| a.key == key).map(|a| &a.value)
    }
}

/// A named byte range placed inside mapped pages.
///
/// `Display` gives the segment's line of the memory map, `Debug` every field with
/// addresses, size and alignment in hex.
#[derive(Clone, PartialEq, Eq)]
pub struct Segment {
    name: Name,
    kind: SegmentKind,
    core: u32,
    el: ExecutionContext,
    va: u64,
    pa: u64,
    size: u64,
    align: u64,
    shared: bool,
    identity: bool,
}

impl Segment {
    /// Builds a segment from its parts, usable in `const` context (the macro emits this).
    #[allow(clippy::too_many_arguments)]
    pub const fn from_parts(
        name: &'static str,
        kind: SegmentKind,
        table: &TableInfo,
        va: u64,
        pa: u64,
        size: u64,
        align: u64,
        shared: bool,
    ) -> Segment {
        Segment {
            name: Name::new(name),
            kind,
            core: table.core(),
            el: table.el,
            va,
            pa,
            size,
            align,
            shared,
            identity: false,
        }
    }

    /// Builds a segment from a name that may be owned (the run-time engine passes a
    /// `String`, feature `alloc`) or `'static`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: impl Into<Name>,
        kind: SegmentKind,
        table: &TableInfo,
        va: u64,
        pa: u64,
        size: u64,
        align: u64,
        shared: bool,
    ) -> Segment {
        Segment {
            name: name.into(),
            kind,
            core: table.core(),
            el: table.el,
            va,
            pa,
            size,
            align,
            shared,
            identity: false,
        }
    }

    /// The segment with its identity request set: `true` for a segment whose VA == PA
    /// the layout asks for, by the segment's own `identity`
    /// (or the engine's `SegmentRequest::identity`) or by the `identity` of the
    /// pages it lies in. Usable in `const` context (the macro emits
    /// `Segment::from_parts(..).with_identity(true)`); see
    /// [`is_identity`](Self::is_identity).
    pub const fn with_identity(mut self, identity: bool) -> Segment {
        self.identity = identity;
        self
    }

    /// The segment's name.
    pub const fn name(&self) -> &str {
        self.name.as_str()
    }
    /// What the segment holds.
    pub const fn kind(&self) -> SegmentKind {
        self.kind
    }
    /// The core of the table the segment is in.
    pub const fn core(&self) -> u32 {
        self.core
    }
    /// The exception level of the table the segment is in.
    pub const fn el(&self) -> ExecutionContext {
        self.el
    }
    /// The virtual address of the first byte.
    pub const fn va(&self) -> u64 {
        self.va
    }
    /// The physical address of the first byte.
    pub const fn pa(&self) -> u64 {
        self.pa
    }
    /// The size in bytes.
    pub const fn size(&self) -> u64 {
        self.size
    }
    /// The alignment the segment was placed with.
    pub const fn align(&self) -> u64 {
        self.align
    }
    /// The virtual address one past the last byte, as `u128`: a segment at the top of
    /// the 64-bit space ends at 2^64, which no `u64` holds. Total: never overflows.
    pub const fn va_end(&self) -> u128 {
        self.va as u128 + self.size as u128
    }
    /// The physical address one past the last byte, as `u128` (see
    /// [`va_end`](Self::va_end)).
    pub const fn pa_end(&self) -> u128 {
        self.pa as u128 + self.size as u128
    }
    /// Whether `va` lies inside the segment.
    pub const fn contains_va(&self, va: u64) -> bool {
        va >= self.va && va - self.va < self.size
    }
    /// Translates a VA inside the segment to its PA; `None` outside the segment, or
    /// when the PA would pass 2^64 (a segment built with a physical range that wraps).
    pub const fn va_to_pa(&self, va: u64) -> Option<u64> {
        if self.contains_va(va) {
            self.pa.checked_add(va - self.va)
        } else {
            None
        }
    }
    /// Whether the segment is an identity segment: the layout asks for it at VA == PA
    /// (its own `identity`, or the `identity` of the pages it lies in, which keeps every
    /// byte of them at VA == PA) and it is there. Every placement of the layout keeps it
    /// there.
    ///
    /// A segment that merely landed at VA == PA (in pages that happened to get VA == PA)
    /// is not: [`va_equals_pa`](Self::va_equals_pa) is true for it, but the next edit of
    /// the layout may move it. The memory map writes `identity` for the first and
    /// `va == pa` for the second.
    pub const fn is_identity(&self) -> bool {
        self.identity && self.va == self.pa
    }
    /// Whether VA equals PA in this placement, requested or not (see
    /// [`is_identity`](Self::is_identity)).
    pub const fn va_equals_pa(&self) -> bool {
        self.va == self.pa
    }
    /// Whether the segment is a cross-core segment (one PA in every table).
    pub const fn is_shared(&self) -> bool {
        self.shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in ExecutionContext::ALL {
            assert_eq!(ExecutionContext::from_name(c.name()), Some(c));
        }
        for k in PageKind::ALL {
            assert_eq!(PageKind::from_name(k.name()), Some(k));
        }
        for k in SegmentKind::ALL {
            assert_eq!(SegmentKind::from_name(k.name()), Some(k));
        }
        for p in Perms::ALL {
            assert_eq!(Perms::from_name(p.name()), Some(p));
        }
        for d in DeviceType::ALL {
            assert_eq!(DeviceType::from_name(d.name()), Some(d));
        }
        assert_eq!(DeviceType::NAMES, ["nGnRnE", "nGnRE", "nGRE", "GRE"]);
        assert_eq!(DeviceType::default(), DeviceType::nGnRE);
        for c in Cacheability::ALL {
            assert_eq!(Cacheability::from_name(c.name()), Some(c));
        }
        for s in Shareability::ALL {
            assert_eq!(Shareability::from_name(s.name()), Some(s));
        }
        assert_eq!(ExecutionContext::from_name("EL1NS"), None);
    }

    #[test]
    fn contexts_know_their_regime() {
        assert_eq!(ExecutionContext::EL3.security(), SecurityState::Secure);
        assert_eq!(ExecutionContext::EL2_NS.level(), 2);
        assert!(ExecutionContext::EL0_Realm.is_user());
        assert!(ExecutionContext::EL1_S.is_el10_regime());
        assert!(!ExecutionContext::EL2_S.is_el10_regime());
    }

    #[test]
    fn segment_kinds_pick_their_pages() {
        assert_eq!(SegmentKind::BspBootCode.page_kind(), PageKind::Code);
        assert_eq!(SegmentKind::Stack.page_kind(), PageKind::Data);
        assert_eq!(SegmentKind::Code.min_align(), 4);
        assert_eq!(SegmentKind::Code.default_align(), 8);
        assert_eq!(SegmentKind::Stack.default_align(), 16);
        assert_eq!(SegmentKind::DataPreserve.min_align(), 1);
        assert_eq!(SegmentKind::Rodata.min_align(), 1);
        assert!(SegmentKind::Rodata.fits_in(PageKind::Code, Perms::RX));
        assert!(SegmentKind::Rodata.fits_in(PageKind::Data, Perms::R));
        assert!(!SegmentKind::Rodata.fits_in(PageKind::Data, Perms::RW));
        assert!(!SegmentKind::Rodata.fits_in(PageKind::Device, Perms::R));
        for k in [SegmentKind::Data, SegmentKind::Bss] {
            assert!(k.fits_in(PageKind::Data, Perms::RW));
            assert!(k.fits_in(PageKind::Data, Perms::RWX));
            assert!(!k.fits_in(PageKind::Data, Perms::R));
            assert!(!k.fits_in(PageKind::Code, Perms::RWX));
        }
        assert!(SegmentKind::Stack.fits_in(PageKind::Data, Perms::R));
        assert!(!SegmentKind::Code.fits_in(PageKind::Data, Perms::RWX));
        for k in SegmentKind::ALL {
            assert!(!k.fits_in(PageKind::System, Perms::RW));
        }
        assert_eq!(PageKind::Code.default_perms(), Perms::RX);
        assert_eq!(PageKind::Device.default_perms(), Perms::RW);
    }

    // Static data is built behind references, as the macro emits it.
    const INFO: &TableInfo = &TableInfo::new("t", 1, ExecutionContext::EL3);
    const PAGE: &Page = &Page::from_parts(
        "p",
        0,
        INFO,
        0x8000_0000,
        0x4000_0000,
        PageSize::Size2M,
        MemAttrs::new(PageKind::Data),
        false,
        const { &[Attr::new("owner", AttrValue::Bool(true))] },
    );
    // Accessors work in const context.
    const END: u128 = PAGE.va_end();
    const PA: Option<u64> = PAGE.va_to_pa(0x8000_1234);

    #[test]
    fn page_accessors() {
        assert_eq!(END, 0x8020_0000);
        assert_eq!(PA, Some(0x4000_1234));
        assert_eq!(PAGE.pa_to_va(0x401F_FFFF), Some(0x801F_FFFF));
        assert_eq!(PAGE.va_to_pa(0x8020_0000), None);
        assert!(!PAGE.is_identity() && !PAGE.va_equals_pa());
        // Asking for identity does not move a page: apart, it is not an identity page.
        assert!(!PAGE.clone().with_identity(true).is_identity());
        assert_eq!(PAGE.core(), 1);
        assert_eq!(PAGE.attr("owner"), Some(&AttrValue::Bool(true)));
        assert_eq!(PAGE.perms(), Perms::RW);
        assert_eq!(PageSize::from_bytes(0x20_0000), Some(PageSize::Size2M));
        assert_eq!(PageSize::from_bytes(0x3000), None);
    }

    #[test]
    fn page_sizes_smallest_first_and_named_as_written() {
        assert!(
            PageSize::ALL
                .windows(2)
                .all(|w| w[0] < w[1] && w[0].bytes() < w[1].bytes())
        );
        for size in PageSize::ALL {
            assert!(size.bytes().is_power_of_two());
            assert_eq!(PageSize::from_bytes(size.bytes()), Some(size));
        }
        let names: alloc::vec::Vec<&str> = PageSize::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "4K", "16K", "64K", "2M", "32M", "512M", "1G", "16G", "64G", "512G", "4T"
            ]
        );
        assert_eq!(PageSize::Size64K.bytes(), 16 * PageSize::Size4K.bytes());
        assert_eq!(PageSize::Size32M.bytes(), 16 * PageSize::Size2M.bytes());
        assert_eq!(PageSize::Size16G.bytes(), 16 * PageSize::Size1G.bytes());
    }

    #[test]
    fn segment_accessors() {
        let s = Segment::from_parts(
            "s",
            SegmentKind::Stack,
            INFO,
            0x1000,
            0x1000,
            0x80,
            16,
            true,
        );
        // At VA == PA, but not asked for: not an identity segment.
        assert!(s.va_equals_pa() && !s.is_identity() && s.is_shared());
        assert!(s.clone().with_identity(true).is_identity());
        assert_eq!(s.va_end(), 0x1080);
        assert_eq!(s.va_to_pa(0x107F), Some(0x107F));
        assert_eq!(s.va_to_pa(0x1080), None);
    }

    #[test]
    fn accessors_are_total_at_the_top_of_the_address_space() {
        const TOP: u64 = 0xFFFF_FFFF_FFFF_F000;
        let p = Page::from_parts(
            "top",
            0,
            INFO,
            TOP,
            TOP,
            PageSize::Size4K,
            MemAttrs::new(PageKind::Data),
            false,
            &[],
        );
        assert_eq!(p.va_end(), 1 << 64);
        assert_eq!(p.pa_end(), 1 << 64);
        assert_eq!(p.va_to_pa(u64::MAX), Some(u64::MAX));
        assert_eq!(p.pa_to_va(TOP), Some(TOP));
        // A 2M page at that VA would wrap; its end is still exact and its translations
        // refuse to wrap.
        let wraps = Page::from_parts(
            "wraps",
            0,
            INFO,
            0,
            TOP,
            PageSize::Size2M,
            MemAttrs::new(PageKind::Data),
            false,
            &[],
        );
        assert_eq!(wraps.pa_end(), u128::from(TOP) + 0x20_0000);
        assert_eq!(wraps.va_to_pa(0xFFF), Some(u64::MAX));
        assert_eq!(wraps.va_to_pa(0x1000), None);
        assert_eq!(wraps.pa_to_va(u64::MAX), Some(0xFFF));
        let s = Segment::from_parts(
            "s",
            SegmentKind::Stack,
            INFO,
            u64::MAX - 0xF,
            0,
            0x10,
            16,
            false,
        );
        assert_eq!(s.va_end(), 1 << 64);
        assert_eq!(s.pa_end(), 0x10);
        assert_eq!(s.va_to_pa(u64::MAX), Some(0xF));
        let s = Segment::from_parts("s", SegmentKind::Stack, INFO, 0, u64::MAX, 0x10, 16, false);
        assert_eq!(s.va_to_pa(0), Some(u64::MAX));
        assert_eq!(s.va_to_pa(1), None);
    }

    #[test]
    fn the_first_shared_core_is_the_lowest_in_both() {
        let a = Cores::from_mask(2, 0b1010); // 2, 3, 5
        let b = Cores::range(4, 7).unwrap();
        assert_eq!(a.first_shared(b), Some(5));
        assert_eq!(b.first_shared(a), Some(5));
        assert!(a.overlaps(b));
        assert_eq!(a.first_shared(Cores::one(4)), None);
        assert!(!a.overlaps(Cores::one(4)));
        // More than 63 apart: nothing shared.
        assert_eq!(Cores::one(0).first_shared(Cores::one(64)), None);
        assert_eq!(
            Cores::one(u32::MAX).first_shared(Cores::one(u32::MAX)),
            Some(u32::MAX)
        );
    }
}
