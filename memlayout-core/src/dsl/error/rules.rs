//! The checker's families of messages: generated names, `va_bits`, device attributes
//! and aliases.

use std::prelude::rust_2024::*;

use core::fmt;

use crate::model::{Cacheability, ExecutionContext, Shareability};

/// The rules of generated names that [`DslError::Name`](super::DslError::Name) reports: each page and segment
/// becomes a Rust constant and C and ld symbols, which must be valid and distinct.
pub(crate) enum NameRule {
    /// Two declarations of one kind with one name.
    DeclaredTwice {
        /// "page" or "segment".
        what: &'static str,
        /// The name.
        name: String,
        /// Where they meet (" in table `t`", or nothing).
        place: String,
    },
    /// A page and a segment with one name.
    NamesBoth {
        /// The name.
        name: String,
        /// The first declaration's kind.
        first: &'static str,
        /// This declaration's kind.
        what: &'static str,
        /// Where they meet.
        place: String,
    },
    /// Two names that become one generated constant.
    SameConstant {
        /// This name.
        name: String,
        /// The first name.
        first: String,
        /// The constant both become.
        konst: String,
        /// Where they meet.
        place: String,
    },
    /// A page or segment name that is not an ASCII identifier.
    NotAscii {
        /// "page" or "segment".
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A page or segment name whose constant every table module already has.
    ReservedConstant {
        /// "page" or "segment".
        what: &'static str,
        /// The name.
        name: String,
        /// The constant it would become.
        konst: String,
    },
    /// A page or segment named `tables`, whose exports name the translation tables.
    TablesConstant {
        /// "page" or "segment".
        what: &'static str,
        /// The name.
        name: String,
    },
    /// An item whose C and ld symbols repeat another table's translation-table values.
    ExportRepeatsTables {
        /// "page" or "segment".
        what: &'static str,
        /// The item's name.
        name: String,
        /// The item's table.
        table: String,
        /// The other table.
        other: String,
        /// The joined, upper-case name both export as.
        key: String,
    },
    /// Two items whose C and ld symbols are spelt alike.
    ExportClash {
        /// This item's table.
        table: String,
        /// This item's name.
        name: String,
        /// The first item's table.
        first_table: String,
        /// The first item's name.
        first: String,
        /// "page" or "segment".
        what: &'static str,
        /// The joined, upper-case name both export as.
        key: String,
    },
}

impl fmt::Display for NameRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameRule::DeclaredTwice { what, name, place } => write!(
                f,
                "{what} `{name}` is declared twice{place}; give each {what} its own name"
            ),
            NameRule::NamesBoth {
                name,
                first,
                what,
                place,
            } => write!(
                f,
                "`{name}` names both a {first} and a {what}{place}; give each its own name"
            ),
            NameRule::SameConstant {
                name,
                first,
                konst,
                place,
            } => write!(
                f,
                "`{name}` and `{first}` both become the constant `{konst}`{place}; rename one of them"
            ),
            NameRule::NotAscii { what, name } => write!(
                f,
                "{what} name `{name}` is not an ASCII identifier; use letters, digits and `_`"
            ),
            NameRule::ReservedConstant { what, name, konst } => write!(
                f,
                "{what} `{name}` would become the constant `{konst}`, which every table module already has; rename it"
            ),
            NameRule::TablesConstant { what, name } => write!(
                f,
                "{what} `{name}` would give `TABLES_PA` and `TABLES_SIZE` in the C header and ld symbols, which name the translation tables; rename it"
            ),
            NameRule::ExportRepeatsTables {
                what,
                name,
                table,
                other,
                key,
            } => write!(
                f,
                "{what} `{name}` of table `{table}` would export as `MEMLAYOUT_{key}_*`, which repeats the translation-table values of table `{other}` in the C header and ld symbols; rename one of them"
            ),
            NameRule::ExportClash {
                table,
                name,
                first_table,
                first,
                what,
                key,
            } => write!(
                f,
                "`{table}::{name}` and `{first_table}::{first}` both export as `MEMLAYOUT_{key}_*` in the C header and ld symbols (table and {what} names are joined with `_`, case-insensitively); rename one of them"
            ),
        }
    }
}

/// A `va_bits` mistake, that [`DslError::VaBits`](super::DslError::VaBits) reports.
pub(crate) enum VaBitsRule {
    /// A size no granule translates (25 to 52 bits do).
    Unsupported(u64),
    /// `va_bits upper` in an EL3 or EL2 table.
    NoUpperRegime {
        /// The table.
        table: String,
        /// Its exception level.
        el: ExecutionContext,
    },
    /// `va_bits upper` without an upper range.
    NoUpperRange(String),
    /// `va_bits` in a table with only upper ranges.
    OnlyUpper {
        /// The table.
        table: String,
        /// The size asked for.
        bits: u64,
    },
}

impl fmt::Display for VaBitsRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VaBitsRule::Unsupported(bits) => write!(
                f,
                "a {bits}-bit VA range cannot be translated; use 25 to 52 bits (over 48 needs FEAT_LPA2 with the 4K and 16K granules, FEAT_LVA with 64K)"
            ),
            VaBitsRule::NoUpperRegime { table, el } => write!(
                f,
                "table `{table}` is an {el} table, and EL3 and EL2 tables have no upper VA range (TTBR1); remove `va_bits upper`"
            ),
            VaBitsRule::NoUpperRange(table) => write!(
                f,
                "table `{table}` has no upper virtual range for `va_bits upper` to size; add one like `virtual 0xFFFF_8000_0000_0000 .. +1G;` or remove it"
            ),
            VaBitsRule::OnlyUpper { table, bits } => write!(
                f,
                "table `{table}` has only upper virtual ranges and `va_bits` sizes the lower one; write `va_bits upper = {bits};`"
            ),
        }
    }
}

/// A memory attribute that device memory does not take, for [`DslError::NotForDevice`](super::DslError::NotForDevice).
pub(crate) enum DeviceAttr {
    /// A cacheability.
    Cache {
        /// The cacheability written.
        cache: Cacheability,
        /// The page.
        page: String,
    },
    /// A shareability.
    Share(Shareability),
}

impl fmt::Display for DeviceAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceAttr::Cache { cache, page } => write!(
                f,
                "`{cache}` does not apply to device memory, which is never cached; remove it or make `{page}` a data page"
            ),
            DeviceAttr::Share(share) => write!(
                f,
                "`{share}` does not apply to device memory, which is always outer shareable; remove it"
            ),
        }
    }
}

/// An alias that cannot map its target, for [`DslError::Alias`](super::DslError::Alias).
pub(crate) enum AliasRule {
    /// `alias` on a shared page.
    Shared,
    /// The name found the alias itself.
    Itself,
    /// The name found the alias itself, while another table has a page of that name.
    ItselfNotOther {
        /// The page name.
        page: String,
        /// The other table.
        table: String,
    },
    /// The target is an alias too.
    OfAlias(String),
    /// The alias has a size other than its target's.
    Size {
        /// The alias.
        alias: String,
        /// The target.
        page: String,
    },
}

impl fmt::Display for AliasRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AliasRule::Shared => f.write_str(
                "a shared page cannot be an alias; alias the shared page from inside a table instead",
            ),
            AliasRule::Itself => f.write_str("a page cannot alias itself; name another page"),
            AliasRule::ItselfNotOther { page, table } => write!(
                f,
                "`{page}` here names this page itself, so it cannot be aliased; to alias the page `{page}` of table `{table}`, write `alias {table}::{page}`"
            ),
            AliasRule::OfAlias(page) => {
                write!(f, "`{page}` is an alias itself; alias the page it maps instead")
            }
            AliasRule::Size { alias, page } => write!(
                f,
                "the size of alias `{alias}` differs from the size of `{page}`; remove the size, an alias takes its target's"
            ),
        }
    }
}

/// A `gpt` mistake the checker finds, that [`DslError::Gpt`](super::DslError::Gpt)
/// reports (the engine's catalogue has the rest: a pool that is not Root, no Root pool,
/// a device pool).
pub(crate) enum GptRule {
    /// An `l0gptsz` that no implementation has.
    Level0Size(u64),
    /// A table named `gpt` next to a `gpt` declaration: both would be module `gpt`.
    TableNamedGpt,
}

impl fmt::Display for GptRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GptRule::Level0Size(size) => write!(
                f,
                "`l0gptsz {}` is not a level 0 GPT entry size; use the implementation's GPCCR_EL3.L0GPTSZ: 1G, 16G, 64G or 512G",
                crate::dsl::check::human(*size)
            ),
            GptRule::TableNamedGpt => f.write_str(
                "a table named `gpt` would share module `gpt` with the granule protection table; rename the table",
            ),
        }
    }
}
