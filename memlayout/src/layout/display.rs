//! The readable memory map printed for a [`Layout`].

use alloc::format;
use alloc::string::{String, ToString};
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
            let info = &self.tables[t.index()].info;
            writeln!(
                f,
                "table {} (core {}, {})",
                info.name(),
                info.core(),
                info.el()
            )?;
            for p in self.pages(t) {
                let mut notes = String::new();
                if p.is_shared() {
                    notes.push_str(" shared");
                }
                if p.is_identity() {
                    notes.push_str(" identity");
                }
                if !p.attrs().is_empty() {
                    notes.push_str(" {");
                    for (i, a) in p.attrs().iter().enumerate() {
                        notes.push_str(&format!(
                            "{}{} = {}",
                            if i > 0 { ", " } else { "" },
                            a.key,
                            a.value
                        ));
                    }
                    notes.push('}');
                }
                let line = format!(
                    "  page    {:<14} VA {:#014x}..{:#014x}  PA {:#014x}  {:>2}  {:<6} {:<3} {:<13} {:<13}{notes}",
                    if p.index() > 0 {
                        format!("{}[{}]", p.name(), p.index())
                    } else {
                        p.name().to_string()
                    },
                    p.va(),
                    p.va_end(),
                    p.pa(),
                    p.page_size().name(),
                    p.kind().name(),
                    p.perms().name(),
                    if p.kind().is_device() {
                        "device"
                    } else {
                        p.cacheability().name()
                    },
                    p.shareability().name(),
                );
                writeln!(f, "{}", line.trim_end())?;
            }
            for s in self.segments(t) {
                writeln!(
                    f,
                    "  segment {:<14} VA {:#014x}..{:#014x}  PA {:#014x}  {:#x} bytes, {}, align {}{}{}",
                    s.name(),
                    s.va(),
                    s.va_end(),
                    s.pa(),
                    s.size(),
                    s.kind(),
                    s.align(),
                    if s.is_shared() { ", shared" } else { "" },
                    if s.is_identity() { ", identity" } else { "" },
                )?;
            }
        }
        Ok(())
    }
}
