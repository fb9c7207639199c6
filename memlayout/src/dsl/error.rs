//! The messages of the parser and the checker that come in families: each failure's
//! sentence is written once, in the `Display` of its variant, and every place that
//! detects the failure builds the variant. A failure the engine also detects keeps the
//! engine's [`Error`](crate::Error) variant, so it reads the same whichever finds it;
//! messages said in one place only stay next to that place.

use std::prelude::rust_2024::*;

use core::fmt;

use crate::model::{Cacheability, ExecutionContext, PageKind, PageSize, Perms, Shareability};

/// A parse or check failure of the `memory_layout!` language.
pub(crate) enum DslError {
    /// A word that starts none of the forms the parser expects here.
    NotA {
        /// The word as written.
        word: String,
        /// What was expected, with its article: "a page option", "an exception level".
        what: &'static str,
        /// Close spellings of the expected words.
        hint: DidYouMean,
        /// The forms expected: the parser's "expected one of .." or a list to write.
        expected: String,
    },
    /// A number that must be a plain integer below 2^32 (a count, a core, a bit size).
    NotPlainNumber {
        /// What the number is: "page count", "core number", ...
        what: &'static str,
        /// The literal as written.
        lit: String,
        /// How to write it, in backquotes.
        example: &'static str,
    },
    /// A size suffix other than `K`, `M` or `G`.
    UnknownSuffix {
        /// The literal as written.
        lit: String,
        /// Its suffix.
        suffix: String,
    },
    /// A literal over `u64::MAX`.
    Over64Bits {
        /// The literal as written.
        lit: String,
    },
    /// A literal whose suffix takes it past 2^64 bytes.
    Over2To64Bytes {
        /// The literal as written.
        lit: String,
    },
    /// A setting given twice where it may be given once.
    GivenTwice(Twice),
    /// A list naming an entry twice.
    ListedTwice(Listed),
    /// A name that refers to no declaration.
    Unknown {
        /// What kind of declaration: "pool", "table" or "page".
        what: &'static str,
        /// The name as written.
        name: String,
        /// Where it was looked for (" in table `t`", " to alias", or nothing).
        place: String,
        /// A "did you mean" or a plain hint.
        hint: String,
    },
    /// A generated name that is not a valid, distinct constant or symbol.
    Name(NameRule),
    /// A declaration written where it does not belong.
    Misplaced(Misplaced),
    /// A `cores` list or range that names no valid set of cores.
    Cores(CoresRule),
    /// A `va_bits` or `va_bits upper` the table cannot have.
    VaBits(VaBitsRule),
    /// A memory attribute on a device page.
    NotForDevice(DeviceAttr),
    /// An alias that names no page it can alias.
    Alias(AliasRule),
    /// A page size that is not 4K, 2M or 1G.
    NotAPageSize {
        /// The size written.
        size: u64,
        /// The page size and count it equals, when a few pages of one size make it.
        as_pages: Option<(PageSize, u64)>,
    },
    /// Translation tables placed in device memory.
    TablesNotInRam {
        /// The device pool.
        pool: String,
        /// Whether a `tables at` range overlaps the pool (else `tables in` names it).
        overlaps: bool,
    },
    /// An option that `alias` excludes.
    NotWithAlias {
        /// The option as written: `pa`, `pool` or `* N`.
        what: &'static str,
    },
}

/// A setting that [`DslError::GivenTwice`] reports.
pub(crate) enum Twice {
    /// `seed = ..;`.
    Seed,
    /// `pa_bits = ..;`.
    PaBits,
    /// `tables at ..;` or `tables in ..;`.
    TablesPlace,
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
}

/// An entry that [`DslError::ListedTwice`] reports.
pub(crate) enum Listed {
    /// A core of `cores [..]`.
    Core(u32),
    /// A table of `tables [..]`.
    Table(String),
}

/// The notes that point at the other declaration of a failure.
pub(crate) enum Note {
    /// The first of two settings.
    FirstGiven,
    /// The first of two declarations with one name.
    FirstDeclared(String),
    /// Another declaration, by name (`page` or `table::page`).
    Declared(String),
    /// A table, by name.
    TableDeclared(String),
    /// A declaration another one names.
    IsDeclared(String),
    /// The size of a page another declaration depends on.
    IsSized(String),
    /// The kind of a page (and its permissions, when they are what does not fit).
    PageKind {
        /// The page.
        page: String,
        /// Its kind.
        kind: PageKind,
        /// Its permissions, when they matter.
        perms: Option<Perms>,
    },
}

/// "did you mean `a`?" or "did you mean `a`, `b` or `c`?"; nothing without candidates.
#[derive(Default)]
pub(crate) struct DidYouMean(pub Vec<String>);

impl DidYouMean {
    /// One candidate, or none.
    pub(crate) fn one(c: Option<&str>) -> DidYouMean {
        DidYouMean(c.into_iter().map(str::to_string).collect())
    }

    /// The suggestion, or `fallback` when there is none.
    pub(crate) fn or(&self, fallback: &str) -> String {
        if self.0.is_empty() {
            fallback.to_string()
        } else {
            self.to_string()
        }
    }
}

impl fmt::Display for DidYouMean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => Ok(()),
            [one] => write!(f, "did you mean `{one}`?"),
            [rest @ .., last] => {
                f.write_str("did you mean ")?;
                for (i, c) in rest.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{c}`")?;
                }
                write!(f, " or `{last}`?")
            }
        }
    }
}

impl fmt::Display for DslError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DslError::NotA {
                word,
                what,
                hint,
                expected,
            } => {
                write!(f, "`{word}` is not {what}; ")?;
                if !hint.0.is_empty() {
                    write!(f, "{hint} ")?;
                }
                f.write_str(expected)
            }
            DslError::NotPlainNumber { what, lit, example } => write!(
                f,
                "{what} `{lit}` is not a plain number below 2^32; write it like {example}"
            ),
            DslError::UnknownSuffix { lit, suffix } => write!(
                f,
                "`{lit}` has an unknown suffix `{suffix}`; write a plain number or use K, M or G (as in 4K, 2M, 1G)"
            ),
            DslError::Over64Bits { lit } => {
                write!(f, "`{lit}` does not fit in 64 bits; use a smaller number")
            }
            DslError::Over2To64Bytes { lit } => {
                write!(f, "`{lit}` is more than 2^64 bytes; use a smaller number")
            }
            DslError::GivenTwice(what) => what.fmt(f),
            DslError::ListedTwice(what) => what.fmt(f),
            DslError::Unknown {
                what,
                name,
                place,
                hint,
            } => write!(f, "there is no {what} named `{name}`{place}; {hint}"),
            DslError::Name(rule) => rule.fmt(f),
            DslError::Misplaced(what) => what.fmt(f),
            DslError::Cores(rule) => rule.fmt(f),
            DslError::VaBits(rule) => rule.fmt(f),
            DslError::NotForDevice(attr) => attr.fmt(f),
            DslError::Alias(rule) => rule.fmt(f),
            DslError::NotAPageSize { size, as_pages } => {
                let size = super::check::human(*size);
                match as_pages {
                    Some((ps, n)) => write!(
                        f,
                        "{size} is not a page size; write `{ps} * {n}` for {n} consecutive {ps} pages"
                    ),
                    None => write!(
                        f,
                        "{size} is not a page size; use 4K, 2M or 1G (and `* N` for N consecutive pages)"
                    ),
                }
            }
            DslError::TablesNotInRam { pool, overlaps } => {
                f.write_str("the translation tables must be in RAM, but ")?;
                if *overlaps {
                    write!(
                        f,
                        "this range overlaps device pool `{pool}`; pick a range in a RAM pool"
                    )
                } else {
                    write!(f, "`{pool}` is a device pool; name a RAM pool")
                }
            }
            DslError::NotWithAlias { what } => write!(
                f,
                "`{what}` cannot be combined with `alias`, which maps the PA of its target; remove it"
            ),
        }
    }
}

/// The rules of generated names that [`DslError::Name`] reports: each page and segment
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

/// A declaration out of place, that [`DslError::Misplaced`] reports.
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
    /// `seed`, `pa_bits`, `tables` or `wxn` inside a table.
    LayoutWide(String),
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
        }
    }
}

/// A mistake in the cores of a table, that [`DslError::Cores`] reports.
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

/// A `va_bits` mistake, that [`DslError::VaBits`] reports.
pub(crate) enum VaBitsRule {
    /// A size the 4 KiB granule cannot translate.
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
                "a {bits}-bit VA range cannot be translated with the 4 KiB granule; use 25 to 48 bits"
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

/// A memory attribute that device memory does not take, for [`DslError::NotForDevice`].
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

/// An alias that cannot map its target, for [`DslError::Alias`].
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

impl fmt::Display for Twice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Twice::Seed => f.write_str("the seed is given twice; keep only one `seed = ..;`"),
            Twice::PaBits => {
                f.write_str("the PA size is given twice; keep only one `pa_bits = ..;`")
            }
            Twice::TablesPlace => f.write_str(
                "the place of the translation tables is given twice; keep only one `tables at ..;` or `tables in ..;`",
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
        }
    }
}

impl fmt::Display for Listed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Listed::Core(c) => write!(f, "core {c} is listed twice; list it once"),
            Listed::Table(t) => write!(f, "table `{t}` is listed twice; list it once"),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::FirstGiven => f.write_str("first given here"),
            Note::FirstDeclared(name) => write!(f, "`{name}` first declared here"),
            Note::Declared(name) => write!(f, "`{name}` declared here"),
            Note::TableDeclared(name) => write!(f, "table `{name}` declared here"),
            Note::IsDeclared(name) => write!(f, "`{name}` is declared here"),
            Note::IsSized(name) => write!(f, "`{name}` is sized here"),
            Note::PageKind { page, kind, perms } => {
                write!(f, "`{page}` is a {kind} page")?;
                match perms {
                    Some(perms) => write!(f, " with `{perms}` permissions"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean() {
        assert_eq!(DidYouMean::default().to_string(), "");
        assert_eq!(DidYouMean::one(Some("a")).to_string(), "did you mean `a`?");
        let three = DidYouMean(vec!["a".into(), "b".into(), "c".into()]);
        assert_eq!(three.to_string(), "did you mean `a`, `b` or `c`?");
        assert_eq!(DidYouMean::default().or("check it"), "check it");
    }
}
