//! The readable memory map printed for a [`Layout`].

use alloc::format;
use alloc::string::String;
use core::fmt;

use super::Layout;

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "memory layout ({})",
            match self.seed {
                Some(s) => format!("seed {s:#x}"),
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
                if p.non_secure { " non_secure" } else { "" }
            )?;
        }
        for (name, r) in &self.reservations {
            writeln!(f, "  reserved {name:<12} {r}")?;
        }
        for t in self.tables() {
            writeln!(f, "table {}", self.tables[t.index()].info)?;
            for p in self.pages(t) {
                writeln!(f, "  page    {p}")?;
            }
            for s in self.segments(t) {
                writeln!(f, "  segment {s}")?;
            }
        }
        Ok(())
    }
}
