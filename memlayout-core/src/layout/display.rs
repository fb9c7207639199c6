//! The readable memory map printed for a [`Layout`].

use alloc::format;
use alloc::string::String;
use core::fmt;

use super::{Layout, TableId};
use crate::model::{Hex, Page};

/// The memory map of some tables of a [`Layout`]: what
/// [`Layout::map_of`] returns.
pub struct MapOf<'a> {
    layout: &'a Layout,
    tables: &'a [TableId],
}

impl fmt::Display for MapOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.layout.write_map(f, Some(self.tables))
    }
}

impl Layout {
    /// The memory map narrowed to `tables`: the physical part (every pool and
    /// reservation, since the PA space is one for all tables) and then only these
    /// tables' ranges, pages and segments, in the order given. The full map is the
    /// layout's `Display`.
    pub fn map_of<'a>(&'a self, tables: &'a [TableId]) -> MapOf<'a> {
        MapOf {
            layout: self,
            tables,
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_map(f, None)
    }
}

impl Layout {
    fn write_map(&self, f: &mut fmt::Formatter<'_>, only: Option<&[TableId]>) -> fmt::Result {
        writeln!(
            f,
            "memory layout ({})",
            match self.seed {
                Some(s) => format!("seed {}", Hex::from(s)),
                None => String::from("deterministic"),
            }
        )?;
        for p in &self.pools {
            writeln!(
                f,
                "  physical {:<12} {}{}{}",
                p.name,
                p.range,
                if p.device { "  device" } else { "  ram" },
                match p.space_label() {
                    Some(space) => alloc::format!(" {space}"),
                    None => String::new(),
                }
            )?;
        }
        for (name, r) in &self.reservations {
            writeln!(f, "  reserved {name:<12} {r}")?;
        }
        let all: alloc::vec::Vec<TableId> = match only {
            Some(ids) => ids.to_vec(),
            None => self.tables().collect(),
        };
        for t in all {
            let Some(table) = self.tables.get(t.index()) else {
                continue;
            };
            write!(f, "table {}", table.info)?;
            if let Some(vmid) = table.vmid {
                write!(f, " vm vmid {vmid} (stage 2: VA is the IPA)")?;
            }
            if let Some(vm) = table.guest_of.and_then(|v| self.tables.get(v.index())) {
                write!(f, " guest of {} (PA is the IPA)", vm.info.name())?;
            }
            if let Some(asid) = table.asid {
                write!(f, " asid {asid}")?;
            }
            if let Some(k) = table.kernel.and_then(|k| self.tables.get(k.index())) {
                write!(f, " under {}", k.info.name())?;
            }
            writeln!(f)?;
            let mut lower = alloc::vec::Vec::new();
            let mut upper = alloc::vec::Vec::new();
            for r in &table.virt {
                let text = match r.last().checked_add(1) {
                    Some(end) => format!("{}..{}", Hex::from(r.start()), Hex::from(end)),
                    None => format!("{}..2^64", Hex::from(r.start())),
                };
                if r.start() >> 63 == 0 {
                    lower.push(text);
                } else {
                    upper.push(text);
                }
            }
            // The VA ranges are listed for tables with an upper range (TTBR1), where it
            // matters which root translates which range.
            if table.has_lower && table.upper_bits.is_some() {
                writeln!(
                    f,
                    "  lower   {}-bit VA (TTBR0) {}",
                    table.va_bits,
                    lower.join(", ")
                )?;
            }
            if let Some(bits) = table.upper_bits {
                writeln!(f, "  upper   {bits}-bit VA (TTBR1) {}", upper.join(", "))?;
            }
            // A `* N` run is one line.
            let pages = self.pages(t);
            for run in page_runs(&pages) {
                writeln!(f, "  page    {}", crate::model::PageRun { pages: run })?;
            }
            for s in self.segments(t) {
                writeln!(f, "  segment {s}")?;
            }
        }
        Ok(())
    }
}

/// `pages` (in VA order) cut into runs: the pages of one `* N` request (one name,
/// consecutive indices, contiguous VAs) together, every other page alone.
pub(crate) fn page_runs<'a>(pages: &'a [&'a Page]) -> alloc::vec::Vec<&'a [&'a Page]> {
    let mut runs = alloc::vec::Vec::new();
    let mut rest = pages;
    while let Some(first) = rest.first() {
        let len = 1 + rest
            .windows(2)
            .take_while(|w| {
                w[1].name() == first.name()
                    && w[1].index() == w[0].index() + 1
                    && u128::from(w[1].va()) == w[0].va_end()
            })
            .count();
        let (run, tail) = rest.split_at(len);
        runs.push(run);
        rest = tail;
    }
    runs
}
