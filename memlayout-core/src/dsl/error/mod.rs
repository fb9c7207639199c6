//! The messages of the parser and the checker that come in families: each failure's
//! sentence is written once, in the `Display` of its variant, and every place that
//! detects the failure builds the variant. A failure the engine also detects keeps the
//! engine's [`Error`](crate::Error) variant, so it reads the same whichever finds it;
//! messages said in one place only stay next to that place.
//!
//! The parser's families are in `syntax`, the checker's in `rules`.

use std::prelude::rust_2024::*;

use core::fmt;

use crate::aarch64::Format;
use crate::aarch64::granule::SizesOf;
use crate::model::{DeviceType, PageKind, PageSize, Perms};

mod rules;
mod syntax;

pub(crate) use rules::{AliasRule, DeviceAttr, GptRule, NameRule, VaBitsRule};
pub(crate) use syntax::{CoresRule, Listed, Misplaced, Twice};

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
    /// A number that must be a plain integer below 2^32 (a count, a core, a bit size, an
    /// ASID): it has a size suffix (`4K`) or is larger.
    NotPlainNumber {
        /// What the number is: "page count", "core number", ...
        what: &'static str,
        /// The literal as written.
        lit: String,
        /// Whether it has a suffix (else it is too large).
        suffix: bool,
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
    /// `#[memlayout(crate = "..")]` whose string is not a Rust path.
    CratePath {
        /// The string as written.
        text: String,
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
    /// A `gpt` declaration the layout cannot have.
    Gpt(GptRule),
    /// A memory attribute on a device page.
    NotForDevice(DeviceAttr),
    /// An alias that names no page it can alias.
    Alias(AliasRule),
    /// A page size that is not one of [`PageSize::ALL`].
    NotAPageSize {
        /// The size written.
        size: u64,
        /// The page size and count it equals, when a few pages of one size make it.
        as_pages: Option<(PageSize, u64)>,
        /// The format of the page's table, whose sizes the message lists (every size
        /// when it is not known).
        format: Option<Format>,
    },
    /// Translation tables placed in device memory.
    TablesNotInRam {
        /// The device pool.
        pool: String,
        /// Whether a `tables at` range overlaps the pool (else `tables in` names it).
        overlaps: bool,
    },
    /// A Device memory type on a page that is not a `device` page.
    DeviceTypeNotDevice {
        /// The type written.
        device: DeviceType,
        /// The page.
        page: String,
        /// Its kind.
        kind: PageKind,
    },
    /// An option that `alias` excludes.
    NotWithAlias {
        /// The option as written: `pa`, `pool` or `* N`.
        what: &'static str,
    },
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
            DslError::NotPlainNumber {
                what,
                lit,
                suffix: true,
                example,
            } => write!(
                f,
                "{what} `{lit}` is not a plain number: write it without a size suffix, like {example}"
            ),
            DslError::NotPlainNumber {
                what, lit, example, ..
            } => {
                write!(f, "{what} `{lit}` is too large; write it like {example}")
            }
            DslError::UnknownSuffix { lit, suffix } => write!(
                f,
                "`{lit}` has an unknown suffix `{suffix}`; write a plain number or use K, M or G (as in 4K, 2M, 1G)"
            ),
            DslError::CratePath { text } => write!(
                f,
                "`{text}` is not a path; write where the expansion finds the memlayout crate, as in `crate = \"::my_memlayout\"` or `crate = \"my_hal::memlayout\"`"
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
            DslError::Gpt(rule) => rule.fmt(f),
            DslError::NotForDevice(attr) => attr.fmt(f),
            DslError::Alias(rule) => rule.fmt(f),
            DslError::NotAPageSize {
                size,
                as_pages,
                format,
            } => {
                let size = super::check::human(*size);
                match as_pages {
                    Some((ps, n)) => write!(
                        f,
                        "{size} is not a page size; write `{ps} * {n}` for {n} consecutive {ps} pages"
                    ),
                    None => write!(
                        f,
                        "{size} is not a page size; use {} (and `* N` for N consecutive pages)",
                        SizesOf(*format)
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
            DslError::DeviceTypeNotDevice { device, page, kind } => write!(
                f,
                "`{device}` is a Device memory type, for `device` pages only, but `{page}` is a {kind} page of Normal memory; remove it (Normal memory takes `write_back`, `write_through` or `non_cacheable`), or make `{page}` a device page"
            ),
            DslError::NotWithAlias { what } => write!(
                f,
                "`{what}` cannot be combined with `alias`, which maps the PA of its target; remove it"
            ),
        }
    }
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
