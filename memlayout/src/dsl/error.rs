//! The messages of the parser and the checker that come in families: each failure's
//! sentence is written once, in the `Display` of its variant, and every place that
//! detects the failure builds the variant. A failure the engine also detects keeps the
//! engine's [`Error`](crate::Error) variant, so it reads the same whichever finds it;
//! messages said in one place only stay next to that place.

use std::prelude::rust_2024::*;

use core::fmt;

use crate::model::PageSize;

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
