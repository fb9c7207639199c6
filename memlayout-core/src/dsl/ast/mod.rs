//! The syntax tree of a `memory_layout!` invocation, and its parser.
//!
//! Every value keeps the span of the token it came from, so later stages can point at
//! it. The parser recovers: a declaration that fails to parse is reported and skipped
//! (up to its `;`, or its `{ .. }` body for a table), a bad option is reported and
//! skipped (up to the next `,`), and parsing goes on, so one invocation reports every
//! syntax error at once.

use std::prelude::rust_2024::*;

use syn::{Attribute, Ident, Visibility};

use super::ctxt::Sp;
use crate::model::{
    Cacheability, Cores, DeviceType, ExecutionContext, PageKind, Perms, SegmentKind, Shareability,
};

mod page;
mod parse;
mod suggest;
mod table;
mod tokens;

pub use parse::parse_layout;
pub use suggest::closest;

/// A number as written: its value (suffix applied) and where it was written.
#[derive(Clone, Copy, Debug)]
pub struct Num {
    /// The value in bytes (or plain units for counts and seeds).
    pub value: u64,
    /// The literal.
    pub sp: Sp,
}

/// A range: `start .. end` or `start .. +size`.
#[derive(Clone, Copy, Debug)]
pub struct RangeExpr {
    /// The first address.
    pub start: Num,
    /// The end or the size.
    pub end: RangeEnd,
    /// The whole expression.
    pub sp: Sp,
}

/// The second half of a range.
#[derive(Clone, Copy, Debug)]
pub enum RangeEnd {
    /// `.. end`: one past the last address.
    End(Num),
    /// `.. +size`: the size in bytes.
    Size(Num),
}

/// The whole invocation: one module.
pub struct Layout {
    /// Attributes of the module (doc comments and anything else, passed through),
    /// without `#[memlayout(..)]`.
    pub attrs: Vec<Attribute>,
    /// `#[memlayout(crate = "PATH")]`: the path of the `memlayout` crate in the
    /// expansion.
    pub krate: Option<syn::Path>,
    /// Visibility of the module.
    pub vis: Visibility,
    /// The module's name.
    pub name: Ident,
    /// `seed = N;`.
    pub seed: Option<Num>,
    /// `pa_bits = N;`.
    pub pa_bits: Option<PaBitsDecl>,
    /// `granule = SIZE;`: the granule of every table without its own.
    pub granule: Option<GranuleDecl>,
    /// `tables at RANGE;` or `tables in POOL;`.
    pub tables_at: Option<TablesDecl>,
    /// `wxn;`: the keyword.
    pub wxn: Option<Sp>,
    /// `gpt in POOL;` or `gpt at RANGE;`.
    pub gpt: Option<GptDecl>,
    /// `physical` pools, in declaration order.
    pub pools: Vec<PoolDecl>,
    /// Tables, in declaration order.
    pub tables: Vec<TableDecl>,
    /// `shared page` declarations.
    pub shared_pages: Vec<PageDecl>,
    /// `shared segment` declarations.
    pub shared_segments: Vec<SegmentDecl>,
    /// Names of declarations that failed to parse (so their uses are not reported as
    /// unknown names a second time).
    pub broken: Vec<String>,
}

/// `pa_bits = N;`: the size of the physical address space in bits.
#[derive(Clone, Copy, Debug)]
pub struct PaBitsDecl {
    /// The `pa_bits` keyword.
    pub kw: Sp,
    /// The number of bits and its literal.
    pub bits: Num,
}

/// `granule = SIZE;`: a translation granule (4K, 16K or 64K), layout-wide or for one
/// table.
#[derive(Clone, Copy, Debug)]
pub struct GranuleDecl {
    /// The `granule` keyword.
    pub kw: Sp,
    /// The size as written.
    pub size: Num,
}

/// `tables at RANGE;` or `tables in POOL;`: where the translation tables go.
pub struct TablesDecl {
    /// The `tables` keyword.
    pub kw: Sp,
    /// The place.
    pub place: TablesPlace,
    /// `, non_secure_ok`: the translation tables of secure tables may sit in
    /// non-secure memory.
    pub non_secure_ok: Option<Sp>,
    /// The whole declaration, `tables` to the end of the range or pool name.
    pub sp: Sp,
}

/// The place of [`TablesDecl`].
pub enum TablesPlace {
    /// `at START .. END` or `at START .. +SIZE`: packed from `START`, within the range.
    At(RangeExpr),
    /// `in POOL`: anywhere in that RAM pool.
    In(Ident),
}

impl TablesPlace {
    /// The range or the pool name.
    pub fn sp(&self) -> Sp {
        match self {
            TablesPlace::At(r) => r.sp,
            TablesPlace::In(pool) => Sp::one(pool.span()),
        }
    }
}

/// `gpt in POOL;` or `gpt at RANGE;`, with an optional `, l0gptsz SIZE`: the granule
/// protection table.
pub struct GptDecl {
    /// The `gpt` keyword.
    pub kw: Sp,
    /// The place (the same forms as the translation tables').
    pub place: TablesPlace,
    /// `l0gptsz SIZE`: the bytes one level 0 entry covers, as written.
    pub l0gptsz: Option<Num>,
    /// The whole declaration.
    pub sp: Sp,
}

/// `physical NAME = RANGE (, device | , secure | , non_secure | , realm | , root)* ;`
pub struct PoolDecl {
    /// The pool's name.
    pub name: Ident,
    /// Its range.
    pub range: RangeExpr,
    /// `device`.
    pub device: Option<Sp>,
    /// `non_secure`.
    pub non_secure: Option<Sp>,
    /// `secure` (with `non_secure`: in both physical address spaces).
    pub secure: Option<Sp>,
    /// `realm`: the Realm physical address space (FEAT_RME).
    pub realm: Option<Sp>,
    /// `root`: the Root physical address space (FEAT_RME).
    pub root: Option<Sp>,
}

impl PoolDecl {
    /// Whether the pool is declared in any physical address space (`secure`,
    /// `non_secure`, `realm` or `root`) other than the default Secure one: once one is,
    /// the layout models security.
    pub fn declares_space(&self) -> bool {
        self.non_secure.is_some() || self.realm.is_some() || self.root.is_some()
    }
}

/// `table NAME (core N, EL) { .. }`, or `(cores A..=B, EL)`, `(cores [A, B, ..], EL)`,
/// each optionally followed by `, asid N` and `, under TABLE`.
pub struct TableDecl {
    /// Doc comments.
    pub docs: Vec<Attribute>,
    /// The table's name.
    pub name: Ident,
    /// The cores that use the table.
    pub cores: Cores,
    /// The exception level.
    pub el: ExecutionContext,
    /// The exception level did not parse (an error says so) and `el` is `EL3` in its
    /// place: checks that depend on the level skip the table, so the stand-in gives no
    /// follow-on errors.
    pub el_stand_in: bool,
    /// `asid N` in the header: the table's ASID (a process).
    pub asid: Option<AsidDecl>,
    /// `under TABLE` in the header: the kernel table it runs under (a process).
    pub under: Option<UnderDecl>,
    /// `virtual` ranges.
    pub virt: Vec<RangeExpr>,
    /// `va_bits = N;`: the size of the lower VA range.
    pub va_bits: Option<VaBitsDecl>,
    /// `va_bits upper = N;`: the size of the upper VA range.
    pub upper_va_bits: Option<VaBitsDecl>,
    /// `granule = SIZE;`: the table's own granule.
    pub granule: Option<GranuleDecl>,
    /// `tables in POOL;`: the pool of this table's translation tables (always
    /// [`TablesPlace::In`]).
    pub tables: Option<TablesDecl>,
    /// Pages of this table.
    pub pages: Vec<PageDecl>,
    /// Segments of this table.
    pub segments: Vec<SegmentDecl>,
}

/// `asid N` in a table header.
#[derive(Clone, Copy, Debug)]
pub struct AsidDecl {
    /// The `asid` keyword.
    pub kw: Sp,
    /// The ASID and its literal.
    pub value: Num,
}

/// `under TABLE` in a table header.
pub struct UnderDecl {
    /// The `under` keyword.
    pub kw: Sp,
    /// The kernel table's name.
    pub kernel: Ident,
}

/// `va_bits [upper] = N;` inside a table: the VA size of its lower (or upper) range.
#[derive(Clone, Copy, Debug)]
pub struct VaBitsDecl {
    /// The `va_bits` keyword (through `upper` when written).
    pub kw: Sp,
    /// The number of bits and its literal.
    pub bits: Num,
}

/// `alias PAGE` or `alias TABLE::PAGE`.
pub struct AliasRef {
    /// The table, when given.
    pub table: Option<Ident>,
    /// The page.
    pub page: Ident,
    /// The reference as written.
    pub sp: Sp,
}

/// A custom attribute value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrVal {
    /// An integer.
    Int(i128),
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
}

/// `key = value` inside `attrs { .. }`.
pub struct AttrKv {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: AttrVal,
}

/// `[shared] page NAME : KIND, SIZE [* N] (, OPTION)* ;`
pub struct PageDecl {
    /// Doc comments.
    pub docs: Vec<Attribute>,
    /// `shared page`.
    pub shared: bool,
    /// The page's name.
    pub name: Ident,
    /// The kind.
    pub kind: PageKind,
    /// The kind keyword.
    pub kind_sp: Sp,
    /// The page size (absent only for an alias).
    pub size: Option<Num>,
    /// `* N`.
    pub count: Option<Num>,
    /// `identity`.
    pub identity: Option<Sp>,
    /// `va ADDR`.
    pub va: Option<Num>,
    /// `pa ADDR`.
    pub pa: Option<Num>,
    /// `pool NAME`.
    pub pool: Option<Ident>,
    /// `r`, `rw`, `rx`, `rwx` or `x`.
    pub perms: Option<(Perms, Sp)>,
    /// `write_back`, `write_through` or `non_cacheable`.
    pub cache: Option<(Cacheability, Sp)>,
    /// `non_shareable`, `inner` or `outer`.
    pub share: Option<(Shareability, Sp)>,
    /// `nGnRnE`, `nGnRE`, `nGRE` or `GRE`.
    pub device: Option<(DeviceType, Sp)>,
    /// `attrs { .. }`.
    pub attrs: Vec<AttrKv>,
    /// `tables [..]` and the span of the list.
    pub tables: Option<(Vec<Ident>, Sp)>,
    /// `alias [TABLE::]PAGE`.
    pub alias: Option<AliasRef>,
    /// `guard SIZE`: the size.
    pub guard: Option<Num>,
    /// `non_secure_ok`: an executable page of a secure table may take non-secure PA.
    pub non_secure_ok: Option<Sp>,
    /// `non_secure_view`: a secure table maps a pool in both spaces with NS = 1.
    pub non_secure_view: Option<Sp>,
}

/// `[shared] segment NAME : KIND, SIZE (, OPTION)* ;`
pub struct SegmentDecl {
    /// Doc comments.
    pub docs: Vec<Attribute>,
    /// `shared segment`.
    pub shared: bool,
    /// The segment's name.
    pub name: Ident,
    /// The kind.
    pub kind: SegmentKind,
    /// The kind keyword.
    pub kind_sp: Sp,
    /// The size in bytes.
    pub size: Num,
    /// `align N`.
    pub align: Option<Num>,
    /// `identity`.
    pub identity: Option<Sp>,
    /// `in PAGE`.
    pub in_page: Option<Ident>,
    /// `va ADDR`.
    pub va: Option<Num>,
}
