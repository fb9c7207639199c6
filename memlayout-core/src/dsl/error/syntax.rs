//! The parser's families of messages: settings given twice, entries listed twice,
//! declarations out of place, and the cores of a table.

use std::prelude::rust_2024::*;

use core::fmt;

/// A setting that [`DslError::GivenTwice`](super::DslError::GivenTwice) reports.
pub(crate) enum Twice {
    /// `seed = ..;`.
    Seed,
    /// `pa_bits = ..;`.
    PaBits,
    /// `granule = ..;`.
    Granule,
    /// `tables at ..;` or `tables in ..;`.
    TablesPlace,
    /// `gpt in ..;` or `gpt at ..;`.
    Gpt,
    /// `va_bits = ..;` (`false`) or `va_bits upper = ..;` (`true`).
    VaBits(bool),
    /// `attrs { .. }`.
    Attrs,
    /// A key inside `attrs { .. }`.
    Attribute(String),
    /// A flag (`wxn`, `identity`, `device`, ...).
    Flag(&'static str),
    /// An option with a value (`va`, `pool`, `alias`, ...).
    Option(&'static str),
    /// `r`, `rw`, `rx` or `rwx`.
    Permissions,
    /// `write_back`, `write_through` or `non_cacheable`.
    Cacheability,
    /// `non_shareable`, `inner` or `outer`.
    Shareability,
    /// `nGnRnE`, `nGnRE`, `nGRE` or `GRE`.
    DeviceType,
}

impl fmt::Display for Twice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Twice::Seed => f.write_str("the seed is given twice; keep only one `seed = ..;`"),
            Twice::PaBits => {
                f.write_str("the PA size is given twice; keep only one `pa_bits = ..;`")
            }
            Twice::Granule => f.write_str(
                "the granule is given twice; keep only one `granule = ..;` (one for the layout, one per table)",
            ),
            Twice::TablesPlace => f.write_str(
                "the place of the translation tables is given twice; keep only one `tables at ..;` or `tables in ..;`",
            ),
            Twice::Gpt => f.write_str(
                "the granule protection table is given twice; keep only one `gpt in ..;` or `gpt at ..;`",
            ),
            Twice::VaBits(upper) => {
                let upper = if *upper { " upper" } else { "" };
                write!(
                    f,
                    "the VA size is given twice; keep only one `va_bits{upper} = ..;`"
                )
            }
            Twice::Attrs => f.write_str(
                "`attrs` is given twice; put every attribute in one `attrs { .. }`",
            ),
            Twice::Attribute(key) => {
                write!(f, "attribute `{key}` is given twice; keep only one")
            }
            Twice::Flag(flag) => write!(f, "`{flag}` is given twice; remove this one"),
            Twice::Option(option) => write!(f, "`{option}` is given twice; keep only one"),
            Twice::Permissions => f.write_str("permissions are given twice; keep only one"),
            Twice::Cacheability => f.write_str("cacheability is given twice; keep only one"),
            Twice::Shareability => f.write_str("shareability is given twice; keep only one"),
            Twice::DeviceType => f.write_str("the Device memory type is given twice; keep only one"),
        }
    }
}

/// An entry that [`DslError::ListedTwice`](super::DslError::ListedTwice) reports.
pub(crate) enum Listed {
    /// A core of `cores [..]`.
    Core(u32),
    /// A table of `tables [..]`.
    Table(String),
}

impl fmt::Display for Listed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Listed::Core(c) => write!(f, "core {c} is listed twice; list it once"),
            Listed::Table(t) => write!(f, "table `{t}` is listed twice; list it once"),
        }
    }
}

/// A declaration out of place, that [`DslError::Misplaced`](super::DslError::Misplaced) reports.
pub(crate) enum Misplaced {
    /// `page`, `segment` or `virtual` outside a table (`shared`: whether a `shared` form
    /// exists).
    OutsideTable {
        /// The keyword.
        word: String,
        /// Whether the declaration has a `shared` form.
        shared: bool,
    },
    /// `shared page` or `shared segment` inside a table.
    SharedInTable,
    /// `seed`, `pa_bits` or `wxn` inside a table.
    LayoutWide(String),
    /// `tables at RANGE;` inside a table.
    TablesAtInTable,
}

impl fmt::Display for Misplaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Misplaced::OutsideTable { word, shared } => {
                write!(
                    f,
                    "`{word}` belongs inside a `table NAME (core N, EL) {{ .. }}`; move it into a table"
                )?;
                if *shared {
                    f.write_str(" or declare it `shared`")?;
                }
                Ok(())
            }
            Misplaced::SharedInTable => f.write_str(
                "shared pages and segments are declared outside tables; move this declaration after the tables",
            ),
            Misplaced::LayoutWide(word) => write!(
                f,
                "`{word}` applies to the whole layout and every table; move it out of the table, next to the `physical` pools"
            ),
            Misplaced::TablesAtInTable => f.write_str(
                "inside a table, its translation tables take a pool: `tables in POOL;`; a `tables at RANGE;` range holds every table's tables, so declare it outside the tables",
            ),
        }
    }
}

/// A mistake in the cores of a table, that [`DslError::Cores`](super::DslError::Cores) reports.
pub(crate) enum CoresRule {
    /// `cores []`.
    EmptyList,
    /// `cores 3..=0` or `cores 0..0`.
    EmptyRange,
    /// A core more than 63 above the lowest one.
    TooFar {
        /// The core.
        core: u32,
        /// The lowest core of the table.
        lowest: u32,
    },
}

impl fmt::Display for CoresRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoresRule::EmptyList => {
                f.write_str("`cores [..]` lists no core; list at least one, like `cores [0, 1]`")
            }
            CoresRule::EmptyRange => f.write_str(
                "this range of cores is empty; write the lowest core first, like `cores 0..=3`",
            ),
            CoresRule::TooFar { core, lowest } => write!(
                f,
                "core {core} is more than 63 above core {lowest}; one table serves at most 64 cores in a row, so declare another table"
            ),
        }
    }
}
