//! A linker `MEMORY { .. }` block: one region per pool and, per table, one per page
//! declaration at its VA and at its PA and one for its translation tables, the form
//! `cortex-m-rt`-style runtimes (Embassy's, `aarch64-rt`'s) `INCLUDE` as `memory.x`.
//!
//! # Using it
//!
//! A runtime's own linker script names the regions it places code and data in (`FLASH`
//! and `RAM` for `cortex-m-rt`, `image` for `aarch64-rt`) and `INCLUDE`s a `memory.x`
//! that defines them. Write that `memory.x` as the generated block plus one
//! `REGION_ALIAS` per region the runtime wants:
//!
//! ```text
//! INCLUDE soc-memory.x    /* memlayout export soc.memlayout --format memory-x -o soc-memory.x */
//! REGION_ALIAS("FLASH", MEMLAYOUT_CORE0_EL3_TEXT_VA);
//! REGION_ALIAS("RAM", MEMLAYOUT_CORE0_EL3_HEAP_VA);
//! ```
//!
//! or place output sections in the regions yourself, linked at a page's VA and loaded
//! at its PA:
//!
//! ```text
//! .text : { *(.text .text.*) } > MEMLAYOUT_CORE0_EL3_TEXT_VA AT> MEMLAYOUT_CORE0_EL3_TEXT_PA
//! ```
//!
//! The linker then fails the link when the contents overflow a page (`region ...
//! overflowed`). GNU ld and `ld.lld` both read it; several `MEMORY` commands are one,
//! so the firmware's own script may declare more regions.
//!
//! # Regions
//!
//! Names are upper case, prefixed `MEMLAYOUT_` like the [C header](super::c)'s values,
//! so they never take a name a runtime asks for:
//!
//! * `MEMLAYOUT_<POOL>`: every pool of the layout, its whole PA range;
//! * per selected table `<T>` and page declaration `<P>` (a `* N` run as one range):
//!   `MEMLAYOUT_<T>_<P>_VA`, its VA range (where its contents are linked), and
//!   `MEMLAYOUT_<T>_<P>_PA`, its PA range (where they are loaded; equal for identity
//!   pages);
//! * `MEMLAYOUT_<T>_TABLES_PA`: the table's translation tables (`--format bin`), to load
//!   at `TABLES_PA`.
//!
//! `ORIGIN` and `LENGTH` are hexadecimal bytes. A comment on each page's line gives its
//! kind, size and permissions. Regions carry no attributes (`(rx)`, `(rw)`): an
//! attribute makes the linker put every output section without an explicit region
//! that matches it into the first matching region, which would move the firmware's own
//! sections into whichever page comes first. Regions of different tables overlap
//! (each table is its own VA space) and page regions overlap their pools: the linker
//! checks the sections placed in them, not the regions.
//!
//! Two regions of one name (a pool named like a table's page region, or names from the
//! run-time API that differ only in case) and names that are not linker symbols
//! (anything but ASCII letters, digits and `_`, or a leading digit) are a
//! [`RegionError`]. Layouts from the `memory_layout!` language never have either: the
//! language already keeps the C header's `MEMLAYOUT_<TABLE>_<NAME>_*` names distinct.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use super::{Input, page_range, upper};
use crate::interval::Interval;

/// Why the `MEMORY` block cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegionError {
    /// Two things would give regions of one name.
    Clash {
        /// The region name.
        name: String,
        /// The first thing that takes it (`pool ram`, `page text of table el3`, ..).
        first: String,
        /// The second.
        second: String,
    },
    /// A name is not a linker symbol: ASCII letters, digits and `_`, not starting with
    /// a digit.
    BadName {
        /// The name as declared.
        name: String,
        /// What it names (`pool`, `table`, `page`).
        what: &'static str,
    },
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::Clash {
                name,
                first,
                second,
            } => write!(
                f,
                "the {first} and the {second} would both be the linker region `{name}`; rename one"
            ),
            RegionError::BadName { name, what } => write!(
                f,
                "the {what} name `{name}` cannot be part of a linker region name; use ASCII letters, digits and `_`"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RegionError {}

/// One region line.
struct Region {
    name: String,
    origin: u64,
    length: u64,
    note: String,
}

/// The `MEMORY` block for the selected tables of `input` (see the [module](self) docs).
///
/// # Errors
///
/// [`RegionError`] when two regions would have one name, or a name is not a linker
/// symbol.
pub fn memory_x(input: &Input<'_>) -> Result<String, RegionError> {
    let layout = input.plan().layout();
    // (heading, regions) in output order.
    let mut groups: Vec<(String, Vec<Region>)> = Vec::new();
    // Region name -> what took it, to report a clash with both.
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |name: String, what: String| -> Result<String, RegionError> {
        if let Some(first) = taken.get(&name) {
            return Err(RegionError::Clash {
                name,
                first: first.clone(),
                second: what,
            });
        }
        taken.insert(name.clone(), what);
        Ok(name)
    };

    let mut pools = Vec::new();
    for p in layout.pools() {
        let name = symbol(p.name(), "pool")?;
        let r = p.range();
        pools.push(Region {
            name: claim(
                alloc::format!("MEMLAYOUT_{name}"),
                alloc::format!("pool {}", p.name()),
            )?,
            origin: r.start(),
            length: length(r),
            note: String::from(if p.is_device() { "device" } else { "RAM" })
                + &p.space_label()
                    .map(|space| alloc::format!(", {space}"))
                    .unwrap_or_default(),
        });
    }
    groups.push(("pools (physical addresses)".into(), pools));

    for t in input.tables() {
        let tn = symbol(t.name(), "table")?;
        let mut regions = Vec::new();
        for p in &t.pages {
            let pn = symbol(p.name, "page")?;
            let (va, pa, size) = page_range(p);
            let first = p.pages.first();
            let mut note = alloc::format!(
                "{}, {}{}, {}",
                first.map_or("", |pg| pg.kind().name()),
                first.map_or("", |pg| pg.page_size().name()),
                if p.pages.len() > 1 {
                    alloc::format!(" * {}", p.pages.len())
                } else {
                    String::new()
                },
                first.map_or("", |pg| pg.perms().name()),
            );
            if first.is_some_and(|pg| pg.is_identity()) {
                note.push_str(", identity");
            }
            if first.is_some_and(|pg| pg.is_shared()) {
                note.push_str(", shared");
            }
            if let Some(g) = first.map(|pg| pg.guard()).filter(|&g| g != 0) {
                note.push_str(&alloc::format!(", guard {}", crate::model::Bytes(g)));
            }
            if let Some(of) = input.alias_of(p) {
                note.push_str(", alias of ");
                note.push_str(of);
            }
            let what = alloc::format!("page {} of table {}", p.name, t.name());
            regions.push(Region {
                name: claim(
                    alloc::format!("MEMLAYOUT_{tn}_{pn}_VA"),
                    alloc::format!("VA of the {what}"),
                )?,
                origin: va,
                length: size,
                note,
            });
            regions.push(Region {
                name: claim(
                    alloc::format!("MEMLAYOUT_{tn}_{pn}_PA"),
                    alloc::format!("PA of the {what}"),
                )?,
                origin: pa,
                length: size,
                note: String::new(),
            });
        }
        let tr = t.translation;
        regions.push(Region {
            name: claim(
                alloc::format!("MEMLAYOUT_{tn}_TABLES_PA"),
                alloc::format!("translation tables of table {}", t.name()),
            )?,
            origin: tr.base_pa(),
            length: tr.len() as u64,
            note: alloc::format!("translation tables, {} of 4 KiB", tr.table_count()),
        });
        groups.push((
            alloc::format!("table {} ({}, {})", t.name(), t.info.cores(), t.info.el()),
            regions,
        ));
    }

    let width = groups
        .iter()
        .flat_map(|(_, rs)| rs.iter().map(|r| r.name.len()))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        "/* Generated by memlayout from layout `{}`; do not edit.\n \
         * Regions: MEMLAYOUT_<POOL> per pool (PA); per table and page declaration\n \
         * MEMLAYOUT_<TABLE>_<PAGE>_VA (where contents are linked) and _PA (where they are\n \
         * loaded); MEMLAYOUT_<TABLE>_TABLES_PA, the translation tables. Place sections\n \
         * with `> ..._VA AT> ..._PA`, or REGION_ALIAS the names your runtime wants. */\n\
         MEMORY\n{{\n",
        input.module().replace("*/", "* /"),
    );
    for (k, (heading, regions)) in groups.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "  /* {heading} */");
        for r in regions {
            let _ = write!(
                out,
                "  {:width$} : ORIGIN = {:#x}, LENGTH = {:#x}",
                r.name, r.origin, r.length
            );
            if r.note.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, " /* {} */", r.note);
            }
        }
    }
    out.push_str("}\n");
    Ok(out)
}

/// A name in upper case for a region name, or why it cannot be one.
fn symbol(name: &str, what: &'static str) -> Result<String, RegionError> {
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(upper(name))
    } else {
        Err(RegionError::BadName {
            name: name.into(),
            what,
        })
    }
}

/// The length of a range, at most `u64::MAX` (a pool to the top of the space is one
/// byte short of 2^64, which a linker cannot write either).
fn length(r: Interval) -> u64 {
    u64::try_from(r.size()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::testing::plan_two_tables;
    use alloc::format;

    #[test]
    fn block_has_pools_pages_and_tables() {
        let plan = plan_two_tables();
        let input = Input::new("soc", &plan);
        let m = memory_x(&input).unwrap();
        assert!(m.starts_with("/* Generated by memlayout from layout `soc`"));
        assert!(m.contains("\nMEMORY\n{\n"));
        assert!(m.ends_with("}\n"));
        let line = |name: &str| {
            m.lines()
                .find(|l| l.trim_start().starts_with(&format!("{name} ")))
                .map(|l| {
                    let l = l.split(" /*").next().unwrap_or("");
                    l.split_once(':').map(|(_, v)| String::from(v.trim()))
                })
                .unwrap_or_else(|| panic!("no {name} in\n{m}"))
                .unwrap()
        };
        assert_eq!(
            line("MEMLAYOUT_RAM"),
            "ORIGIN = 0x80000000, LENGTH = 0x40000000"
        );
        assert_eq!(
            line("MEMLAYOUT_MMIO"),
            "ORIGIN = 0x9000000, LENGTH = 0x1000000"
        );
        let el3 = &input.tables()[0];
        let text = el3.pages.iter().find(|p| p.name == "text").unwrap();
        let (va, pa, size) = page_range(text);
        assert_eq!(size, 0x3000);
        assert_eq!(
            line("MEMLAYOUT_EL3_TEXT_VA"),
            format!("ORIGIN = {va:#x}, LENGTH = 0x3000")
        );
        assert_eq!(
            line("MEMLAYOUT_EL3_TEXT_PA"),
            format!("ORIGIN = {pa:#x}, LENGTH = 0x3000")
        );
        assert!(m.contains("/* code, 4K * 3, rx */"), "{m}");
        assert_eq!(
            line("MEMLAYOUT_EL1_TABLES_PA"),
            format!(
                "ORIGIN = {:#x}, LENGTH = {:#x}",
                input.tables()[1].translation.base_pa(),
                input.tables()[1].translation.len()
            )
        );
        // Each name once; no attributes.
        let names: Vec<&str> = m
            .lines()
            .filter(|l| l.contains(": ORIGIN"))
            .map(|l| l.split_whitespace().next().unwrap())
            .collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        assert_eq!(names.len(), 2 + 2 * 5 + 2);
        assert!(!m.contains(") :"), "{m}");
        // Narrowed: the pools and the one table.
        let only = memory_x(&input.clone().only("el1").unwrap()).unwrap();
        assert!(only.contains("MEMLAYOUT_RAM ") && only.contains("MEMLAYOUT_EL1_DATA_VA "));
        assert!(!only.contains("MEMLAYOUT_EL3_"), "{only}");
    }

    #[test]
    fn names_must_be_symbols_and_distinct() {
        assert_eq!(symbol("core0_el3", "table").unwrap(), "CORE0_EL3");
        for bad in ["", "0ram", "a b", "a-b", "é"] {
            assert_eq!(
                symbol(bad, "pool"),
                Err(RegionError::BadName {
                    name: bad.into(),
                    what: "pool"
                })
            );
        }
        let e = RegionError::Clash {
            name: "MEMLAYOUT_EL3_TEXT_VA".into(),
            first: "pool el3_text_va".into(),
            second: "VA of the page text of table el3".into(),
        };
        assert_eq!(
            alloc::string::ToString::to_string(&e),
            "the pool el3_text_va and the VA of the page text of table el3 would both be the linker region `MEMLAYOUT_EL3_TEXT_VA`; rename one"
        );
    }
}
