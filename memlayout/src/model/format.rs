//! `Display` and `Debug` of pages, segments, tables and permissions: one line each, the
//! lines of the memory map (`Layout`'s `Display` prints them), addresses in hex. Needs
//! only `core`.

use core::fmt::{self, Write};

use super::{Page, PageKind, Perms, Segment, TableInfo};

/// Width of the name column of a memory-map line.
const NAME_WIDTH: usize = 14;

/// Writes `name` (with `[index]` after it when `index` is not 0) left-aligned in
/// `width` characters, like `{:<width}` would, without allocating.
fn write_name(f: &mut fmt::Formatter<'_>, name: &str, index: u32, width: usize) -> fmt::Result {
    let mut len = name.chars().count();
    f.write_str(name)?;
    if index > 0 {
        write!(f, "[{index}]")?;
        len += 2 + index.checked_ilog10().unwrap_or(0) as usize + 1;
    }
    for _ in len..width {
        f.write_char(' ')?;
    }
    Ok(())
}

impl fmt::Debug for Perms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for TableInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {})", self.name(), self.cores(), self.el())
    }
}

/// One line, no trailing spaces:
/// `NAME[i]  VA 0x..  ..0x..  PA 0x..  SIZE  KIND PERMS CACHE SHARE [shared] [identity] [{k = v, ..}]`,
/// where a `device` page shows `device` for its memory type.
impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(f, self.name(), self.index(), NAME_WIDTH)?;
        write!(
            f,
            " VA {:#014x}..{:#014x}  PA {:#014x}  {:>2}  ",
            self.va(),
            self.va_end(),
            self.pa(),
            self.page_size().name(),
        )?;
        write_attrs(f, self)
    }
}

/// A run of `N` consecutive pages (`page NAME : KIND, SIZE * N`) as one memory-map line:
/// the run's name, its whole VA range, its first PA and `N x SIZE`, then the attributes
/// as [`Page`]'s `Display` writes them.
#[cfg(feature = "alloc")]
pub(crate) struct PageRun<'a> {
    /// The pages of the run, in VA order (at least one).
    pub(crate) pages: &'a [&'a Page],
}

#[cfg(feature = "alloc")]
impl fmt::Display for PageRun<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (Some(first), Some(last)) = (self.pages.first(), self.pages.last()) else {
            return Ok(());
        };
        if self.pages.len() == 1 {
            return write!(f, "{first}");
        }
        write_name(f, first.name(), 0, NAME_WIDTH)?;
        write!(
            f,
            " VA {:#014x}..{:#014x}  PA {:#014x}  {} x {}  ",
            first.va(),
            last.va_end(),
            first.pa(),
            self.pages.len(),
            first.page_size().name(),
        )?;
        write_attrs(f, first)
    }
}

/// `KIND PERMS CACHE SHARE [shared] [identity] [{k = v, ..}]` of a memory-map line.
fn write_attrs(f: &mut fmt::Formatter<'_>, page: &Page) -> fmt::Result {
    write!(f, "{:<6} {:<3} ", page.kind().name(), page.perms().name())?;
    let notes = page.is_shared() || page.is_identity() || !page.attrs().is_empty();
    match (page.cacheability(), page.shareability()) {
        (Some(c), Some(s)) if notes => write!(f, "{:<13} {:<13}", c.name(), s.name())?,
        (Some(c), Some(s)) => write!(f, "{:<13} {}", c.name(), s.name())?,
        _ if notes => write!(f, "{:<27}", PageKind::Device.name())?,
        _ => f.write_str(PageKind::Device.name())?,
    }
    if page.is_shared() {
        f.write_str(" shared")?;
    }
    if page.is_identity() {
        f.write_str(" identity")?;
    }
    if !page.attrs().is_empty() {
        f.write_str(" {")?;
        for (i, a) in page.attrs().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} = {}", a.key, a.value)?;
        }
        f.write_str("}")?;
    }
    Ok(())
}

impl fmt::Debug for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("name", &self.name())
            .field("index", &self.index())
            .field("core", &self.core())
            .field("el", &self.el())
            .field("va", &format_args!("{:#x}", self.va()))
            .field("pa", &format_args!("{:#x}", self.pa()))
            .field("size", &self.page_size())
            .field("kind", &self.kind())
            .field("perms", &self.perms())
            .field("cacheability", &self.cacheability())
            .field("shareability", &self.shareability())
            .field("non_secure", &self.mem_attrs().non_secure)
            .field("shared", &self.is_shared())
            .field("attrs", &self.attrs())
            .finish()
    }
}

/// One line: `NAME  VA 0x..  ..0x..  PA 0x..  0xSIZE bytes, KIND, align N[, shared][, identity]`.
impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(f, self.name(), 0, NAME_WIDTH)?;
        write!(
            f,
            " VA {:#014x}..{:#014x}  PA {:#014x}  {:#x} bytes, {}, align {}{}{}",
            self.va(),
            self.va_end(),
            self.pa(),
            self.size(),
            self.kind(),
            self.align(),
            if self.is_shared() { ", shared" } else { "" },
            if self.is_identity() { ", identity" } else { "" },
        )
    }
}

impl fmt::Debug for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment")
            .field("name", &self.name())
            .field("kind", &self.kind())
            .field("core", &self.core())
            .field("el", &self.el())
            .field("va", &format_args!("{:#x}", self.va()))
            .field("pa", &format_args!("{:#x}", self.pa()))
            .field("size", &format_args!("{:#x}", self.size()))
            .field("align", &format_args!("{:#x}", self.align()))
            .field("shared", &self.is_shared())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;

    use super::*;
    use crate::model::{
        Attr, AttrValue, ExecutionContext, MemAttrs, PageKind, PageSize, SegmentKind,
    };

    const INFO: &TableInfo = &TableInfo::new("el3", 0, ExecutionContext::EL3);

    fn page(kind: PageKind, index: u32, va: u64, pa: u64, custom: &'static [Attr]) -> Page {
        Page::from_parts(
            "uart",
            index,
            INFO,
            va,
            pa,
            PageSize::Size4K,
            MemAttrs::new(kind),
            false,
            custom,
        )
    }

    #[test]
    fn a_device_page_has_no_cacheability_or_shareability() {
        let p = page(PageKind::Device, 0, 0x9000_0000, 0x0900_0000, &[]);
        assert_eq!((p.cacheability(), p.shareability()), (None, None));
        assert_eq!(
            format!("{p}"),
            "uart           VA 0x000090000000..0x000090001000  PA 0x000009000000  4K  device rw  device"
        );
        let d = page(PageKind::Data, 0, 0x9000_0000, 0x0900_0000, &[]);
        assert!(d.cacheability().is_some() && d.shareability().is_some());
    }

    #[test]
    fn page_lines_carry_index_notes_and_no_trailing_spaces() {
        static ATTRS: [Attr; 2] = [
            Attr::new("owner", AttrValue::Bool(true)),
            Attr::new("n", AttrValue::Int(-3)),
        ];
        let p = page(PageKind::Device, 12, 0x1000, 0x1000, &ATTRS);
        assert_eq!(
            format!("{p}"),
            "uart[12]       VA 0x000000001000..0x000000002000  PA 0x000000001000  4K  device rw  \
             device                      identity {owner = true, n = -3}"
        );
        let q = page(PageKind::Data, 3, 0x2000, 0x5000, &[]);
        let line = format!("{q}");
        assert!(line.starts_with("uart[3]        VA"), "{line}");
        assert!(line.ends_with("rw  write_back    inner"), "{line}");
    }

    #[test]
    fn debug_shows_hex_addresses_and_named_permissions() {
        let p = page(PageKind::Code, 0, 0x8000_0000, 0x4000_0000, &[]);
        let s = format!("{p:?}");
        assert!(s.contains("va: 0x80000000, pa: 0x40000000"), "{s}");
        assert!(s.contains("perms: rx,"), "{s}");
        assert!(s.contains("cacheability: Some(WriteBack)"), "{s}");
        assert_eq!(format!("{:?}", Perms::RW), "rw");
        let seg = Segment::from_parts(
            "stack",
            SegmentKind::Stack,
            INFO,
            0x8000_1000,
            0x4000_1000,
            0x800,
            16,
            true,
        );
        let s = format!("{seg:?}");
        assert!(
            s.contains("va: 0x80001000, pa: 0x40001000, size: 0x800, align: 0x10"),
            "{s}"
        );
        assert_eq!(
            format!("{seg}"),
            "stack          VA 0x000080001000..0x000080001800  PA 0x000040001000  0x800 bytes, \
             stack, align 16, shared"
        );
        assert_eq!(format!("{INFO}"), "el3 (core 0, EL3)");
    }
}
