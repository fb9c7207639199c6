//! The declarative form of a layout: plain data with declaration ids, as the
//! `memory_layout!` parser produces it and [`plan`](crate::plan::plan) consumes it.
//!
//! Every item carries a [`DeclId`] chosen by the producer; errors from the planner name
//! the id (and the [`Part`] of the declaration) so the producer can point at its source.
//!
//! The structs are not exhaustive: the language grows, and each new option becomes a
//! field. Build them with their `new` (the required parts; every option not given) and
//! assign the public fields for the options, so a new field never breaks a producer:
//!
//! ```
//! use memlayout::spec::{PageSpec, Placement, PoolSpec, RangeSpec, Spec, TableSpec};
//! use memlayout::{Cores, ExecutionContext, MemAttrs, PageKind, PageSize};
//!
//! let mut spec = Spec::new();
//! spec.pools.push(PoolSpec::new(1, "ram", 0x8000_0000, 0x100_0000));
//! let mut table = TableSpec::new(2, "core0_el3", Cores::one(0), ExecutionContext::EL3);
//! table.virt.push(RangeSpec::new(3, 0x8000_0000, 0x100_0000));
//! spec.tables.push(table);
//! let mut boot = PageSpec::new(
//!     4, "boot", Placement::Table(0), PageSize::Size2M, MemAttrs::new(PageKind::Code),
//! );
//! boot.identity = true;
//! spec.pages.push(boot);
//!
//! let plan = memlayout::plan::plan(&spec).expect("plans");
//! let pages = plan.pages(0);
//! assert!(pages[0].pages[0].is_identity());
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::model::{Attr, Cores, ExecutionContext, MemAttrs, PageSize, SegmentKind};

/// An id the producer gives each declaration (for example an index into its own list of
/// source spans).
pub type DeclId = u32;

/// A whole layout to plan.
///
/// Not exhaustive: start from [`new`](Self::new) (or `Default`) and assign the fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Spec {
    /// The seed for random placement; `None` places at the lowest fitting address.
    pub seed: Option<u64>,
    /// Physical pools.
    pub pools: Vec<PoolSpec>,
    /// Page tables.
    pub tables: Vec<TableSpec>,
    /// Pages, shared or not.
    pub pages: Vec<PageSpec>,
    /// Segments, shared or not.
    pub segments: Vec<SegmentSpec>,
    /// The declaration of the layout as a whole (errors that belong to no single
    /// declaration point here).
    pub decl: DeclId,
    /// The PA size in bits, with its declaration; 48 when not given.
    pub pa_bits: Option<(DeclId, u8)>,
    /// Where the translation tables go, with its declaration; any RAM pool when not
    /// given.
    pub tables_at: Option<(DeclId, crate::tables::TablePlacement)>,
    /// Whether writable memory is execute-never (`SCTLR_ELx.WXN`).
    pub wxn: bool,
    /// The granule protection table (`gpt in POOL;` or `gpt at RANGE;`), if any.
    pub gpt: Option<GptSpec>,
}

/// A granule protection table to build (see [`Layout::build_gpt`](crate::Layout::build_gpt)).
///
/// Not exhaustive: build it with [`new`](Self::new) and assign the options. Errors about
/// its pool point at its [`Part::Pool`], about its range at [`Part::Range`], others at
/// [`Part::Name`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GptSpec {
    /// Declaration id.
    pub decl: DeclId,
    /// Where the table goes, and its level 0 entry size.
    pub request: crate::layout::GptRequest,
}

impl GptSpec {
    /// A table as `request` says.
    pub fn new(decl: DeclId, request: crate::layout::GptRequest) -> GptSpec {
        GptSpec { decl, request }
    }
}

impl Spec {
    /// An empty layout: no seed, pools, tables, pages or segments, declaration 0, and
    /// every option not given.
    pub fn new() -> Spec {
        Spec::default()
    }
}

/// A physical pool the allocator draws from.
///
/// Not exhaustive: build it with [`new`](Self::new) and assign the options.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolSpec {
    /// Declaration id.
    pub decl: DeclId,
    /// Name.
    pub name: String,
    /// First address.
    pub start: u64,
    /// Size in bytes.
    pub size: u64,
    /// Whether the pool is a device window (hosts only device pages).
    pub device: bool,
    /// Whether the pool is in the non-secure physical address space.
    pub non_secure: bool,
    /// Declared `secure`: with `non_secure`, in both physical address spaces (see
    /// [`PoolRequest::secure`](crate::layout::PoolRequest::secure)).
    pub secure: bool,
    /// Whether the pool is in the Realm physical address space (see
    /// [`PoolRequest::realm`](crate::layout::PoolRequest::realm)).
    pub realm: bool,
    /// Whether the pool is in the Root physical address space (see
    /// [`PoolRequest::root`](crate::layout::PoolRequest::root)).
    pub root: bool,
}

impl PoolSpec {
    /// A pool of RAM (not a device window, secure) of `size` bytes from `start`.
    pub fn new(decl: DeclId, name: impl Into<String>, start: u64, size: u64) -> PoolSpec {
        PoolSpec {
            decl,
            name: name.into(),
            start,
            size,
            device: false,
            non_secure: false,
            secure: false,
            realm: false,
            root: false,
        }
    }
}

/// A virtual range of a table.
///
/// Not exhaustive: build it with [`new`](Self::new).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RangeSpec {
    /// Declaration id (of the range itself, for errors about it).
    pub decl: DeclId,
    /// First address.
    pub start: u64,
    /// Size in bytes.
    pub size: u64,
}

impl RangeSpec {
    /// The range of `size` bytes from `start`.
    pub fn new(decl: DeclId, start: u64, size: u64) -> RangeSpec {
        RangeSpec { decl, start, size }
    }
}

/// A page table.
///
/// Not exhaustive: build it with [`new`](Self::new), then push its virtual ranges and
/// assign the options.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableSpec {
    /// Declaration id.
    pub decl: DeclId,
    /// Name.
    pub name: String,
    /// The cores that use it (one, or several for a table shared by cores).
    pub cores: Cores,
    /// Exception level.
    pub el: ExecutionContext,
    /// Virtual ranges the allocator may use: lower ranges (below 2^48) and, in EL1 and
    /// EL0 tables, upper ranges (from `0xFFFF_0000_0000_0000`).
    pub virt: Vec<RangeSpec>,
    /// The VA size of the lower range, with its declaration; the smallest that covers
    /// the lower ranges when not given.
    pub va_bits: Option<(DeclId, u8)>,
    /// The VA size of the upper range, with its declaration; the smallest that covers
    /// the upper ranges when not given.
    pub upper_va_bits: Option<(DeclId, u8)>,
    /// The translation granule, with its declaration (the table's own `granule`, or the
    /// layout's); 4 KiB when not given. See
    /// [`Layout::set_granule`](crate::Layout::set_granule).
    pub granule: Option<(DeclId, crate::aarch64::Granule)>,
    /// The pool its translation tables go in, with its declaration; where
    /// [`Spec::tables_at`] says when not given.
    pub tables_in: Option<(DeclId, String)>,
    /// Whether its translation tables may sit in non-secure memory although it is a
    /// secure table (`non_secure_ok` on its `tables in`, or on the layout's `tables`
    /// when it has none); see
    /// [`Layout::allow_non_secure_tables`](crate::Layout::allow_non_secure_tables).
    pub non_secure_tables_ok: bool,
    /// The ASID (`asid N`): the table is a process with non-global pages and its ASID in
    /// `TTBR0`; see [`Layout::set_asid`](crate::Layout::set_asid). Errors point at the
    /// table's [`Part::Asid`].
    pub asid: Option<u32>,
    /// The kernel table it runs under (`under TABLE`), an index into [`Spec::tables`];
    /// see [`Layout::put_under`](crate::Layout::put_under). Errors point at the table's
    /// [`Part::Under`].
    pub under: Option<usize>,
}

impl TableSpec {
    /// A table for `cores` at `el`, with no virtual range yet and every option not
    /// given.
    pub fn new(
        decl: DeclId,
        name: impl Into<String>,
        cores: Cores,
        el: ExecutionContext,
    ) -> TableSpec {
        TableSpec {
            decl,
            name: name.into(),
            cores,
            el,
            virt: Vec::new(),
            va_bits: None,
            upper_va_bits: None,
            granule: None,
            tables_in: None,
            non_secure_tables_ok: false,
            asid: None,
            under: None,
        }
    }
}

/// Where a page or segment goes.
///
/// Not exhaustive: the language may place declarations in other ways.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Placement {
    /// In one table (an index into [`Spec::tables`]).
    Table(usize),
    /// Shared: in every table (`None`) or in the listed tables (indices).
    Shared(Option<Vec<usize>>),
}

/// A request for `count` consecutive pages.
///
/// Not exhaustive: build it with [`new`](Self::new) and assign the options.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageSpec {
    /// Declaration id.
    pub decl: DeclId,
    /// Name.
    pub name: String,
    /// Table or shared.
    pub place: Placement,
    /// Page size.
    pub size: PageSize,
    /// Number of consecutive pages (at least 1).
    pub count: u32,
    /// Kind, permissions, cacheability, shareability (`non_secure` is taken from the pool).
    pub attrs: MemAttrs,
    /// VA == PA.
    pub identity: bool,
    /// A fixed VA.
    pub va: Option<u64>,
    /// A fixed PA.
    pub pa: Option<u64>,
    /// A pool to take the PA from (by name).
    pub pool: Option<String>,
    /// Custom attributes.
    pub custom: Vec<Attr>,
    /// Map the PA of another page instead of allocating one (an alias).
    pub alias: Option<AliasSpec>,
    /// VA kept unmapped directly below and above the pages, in bytes (0: none; see
    /// [`PageRequest::guard`](crate::layout::PageRequest::guard)).
    pub guard: u64,
    /// An executable page of a secure table may take non-secure PA (see
    /// [`PageRequest::non_secure_ok`](crate::layout::PageRequest::non_secure_ok)).
    pub non_secure_ok: bool,
    /// A secure table maps a pool in both spaces through its non-secure view (see
    /// [`PageRequest::non_secure_view`](crate::layout::PageRequest::non_secure_view)).
    pub non_secure_view: bool,
}

impl PageSpec {
    /// One page of `size` with `attrs`, placed at `place`: no identity, no fixed
    /// address, any pool, no custom attributes, not an alias.
    pub fn new(
        decl: DeclId,
        name: impl Into<String>,
        place: Placement,
        size: PageSize,
        attrs: MemAttrs,
    ) -> PageSpec {
        PageSpec {
            decl,
            name: name.into(),
            place,
            size,
            count: 1,
            attrs,
            identity: false,
            va: None,
            pa: None,
            pool: None,
            custom: Vec::new(),
            alias: None,
            guard: 0,
            non_secure_ok: false,
            non_secure_view: false,
        }
    }
}

/// The page an alias maps the PA of.
///
/// Not exhaustive: build it with [`new`](Self::new).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AliasSpec {
    /// The table of that page (an index into [`Spec::tables`]); `None` looks in the
    /// alias's own table, then among shared pages.
    pub table: Option<usize>,
    /// The page's name.
    pub page: String,
}

impl AliasSpec {
    /// The page named `page` of the table at `table` in [`Spec::tables`] (`None`: the
    /// alias's own table, then the shared pages).
    pub fn new(table: Option<usize>, page: impl Into<String>) -> AliasSpec {
        AliasSpec {
            table,
            page: page.into(),
        }
    }
}

/// A request for a segment inside mapped pages.
///
/// Not exhaustive: build it with [`new`](Self::new) and assign the options.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SegmentSpec {
    /// Declaration id.
    pub decl: DeclId,
    /// Name.
    pub name: String,
    /// A table, or `Shared(None)` for a cross-core segment (which needs `in_page`).
    pub place: Placement,
    /// Kind.
    pub kind: SegmentKind,
    /// Size in bytes.
    pub size: u64,
    /// Alignment (a power of two, at least the kind's
    /// [`min_align`](SegmentKind::min_align)), or `None` for the kind's
    /// [`default_align`](SegmentKind::default_align).
    pub align: Option<u64>,
    /// VA == PA.
    pub identity: bool,
    /// The page (by name) it must sit in.
    pub in_page: Option<String>,
    /// A fixed VA.
    pub va: Option<u64>,
}

impl SegmentSpec {
    /// A segment of `size` bytes and `kind`, placed at `place`: the kind's default
    /// alignment, no identity, in any page that takes it, no fixed VA.
    pub fn new(
        decl: DeclId,
        name: impl Into<String>,
        place: Placement,
        kind: SegmentKind,
        size: u64,
    ) -> SegmentSpec {
        SegmentSpec {
            decl,
            name: name.into(),
            place,
            kind,
            size,
            align: None,
            identity: false,
            in_page: None,
            va: None,
        }
    }
}

/// The part of a declaration an error is about, so a diagnostic can point at the token.
///
/// Not exhaustive: each new part of the language's declarations may add one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The declaration as a whole (its name).
    Name,
    /// The VA.
    Va,
    /// The PA.
    Pa,
    /// The size.
    Size,
    /// The `* N` count.
    Count,
    /// The alignment.
    Align,
    /// The `identity` keyword.
    Identity,
    /// The `in PAGE` target.
    InPage,
    /// The pool named by `pool`.
    Pool,
    /// The range of a pool or virtual range.
    Range,
    /// The permissions.
    Perms,
    /// The shareability option.
    Share,
    /// The cacheability option.
    Cache,
    /// The kind.
    Kind,
    /// The `tables [..]` list.
    Tables,
    /// The `asid N` of a table.
    Asid,
    /// The `under TABLE` of a table.
    Under,
    /// The `guard SIZE` option.
    Guard,
    /// The `non_secure_view` option.
    NonSecureView,
    /// The `non_secure_ok` page option.
    NonSecureOk,
}

/// One planning error: what went wrong, on which declaration, and the declaration it
/// collides with, if any.
///
/// Not exhaustive: the planner builds it; read its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanError {
    /// The declaration at fault.
    pub decl: DeclId,
    /// The part of it at fault.
    pub part: Part,
    /// The other declaration involved (for example the one first mapped at a range).
    pub related: Option<DeclId>,
    /// What went wrong.
    pub error: crate::Error,
}
