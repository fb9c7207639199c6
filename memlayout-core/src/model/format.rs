//! `Display` and `Debug` of pages, segments, tables and permissions: one line each, the
//! lines of the memory map (`Layout`'s `Display` prints them), and [`Hex`], the one way
//! an address is written for people. Needs only `core`.

use core::fmt::{self, Write};

use super::{Page, Perms, Segment, TableInfo};

/// A number as every output meant for people writes it: an address (VA, PA, the ends of
/// a range), and with it every size, alignment, register value and seed shown in hex.
///
/// The rule: `0x`, then the hexadecimal digits in upper case, as few as the value needs
/// (`0x0` for zero, no leading zeros), with `_` between groups of four counted from the
/// right, the way addresses are written in a layout and in Rust source, so a printed
/// address can be pasted back into either:
///
/// ```
/// use memlayout::model::Hex;
///
/// assert_eq!(Hex(0).to_string(), "0x0");
/// assert_eq!(Hex(0x200).to_string(), "0x200");
/// assert_eq!(Hex(0x2_0000).to_string(), "0x2_0000");
/// assert_eq!(Hex(0x8020_0000).to_string(), "0x8020_0000");
/// assert_eq!(Hex(0xFFFF_8000_0000_0000).to_string(), "0xFFFF_8000_0000_0000");
/// // The end of a range that reaches the top of the 64-bit space.
/// assert_eq!(Hex(1 << 64).to_string(), "0x1_0000_0000_0000_0000");
/// ```
///
/// A width in the format string pads the whole text (right-aligned unless the format
/// says otherwise), which lines addresses up in columns without changing how they are
/// written: `format!("{:>12}", Hex(0x1000))` is `"      0x1000"`.
///
/// Formats for machines keep their own notation: the machine spelling of hex in JSON
/// and the other human-readable formats of feature `serde` (`"0x80200000"`: lower case,
/// no `_`; see [the model](super#serialization-feature-serde)), the C header's
/// `MEMLAYOUT_UL(0x..)`, the ld fragment's plain hex.
///
/// Exhaustive on purpose: it is the number and nothing else (`Hex(0x1000)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hex(pub u128);

impl From<u64> for Hex {
    fn from(v: u64) -> Hex {
        Hex(u128::from(v))
    }
}

impl From<u32> for Hex {
    fn from(v: u32) -> Hex {
        Hex(u128::from(v))
    }
}

impl Hex {
    /// The longest text: `0x`, 32 digits, 7 underscores.
    const MAX_LEN: usize = 2 + 32 + 7;

    /// The number of characters of the text (without padding).
    pub const fn text_len(self) -> usize {
        let digits = if self.0 == 0 {
            1
        } else {
            (self.0.ilog2() / 4 + 1) as usize
        };
        2 + digits + (digits - 1) / 4
    }
}

/// The width of an address column of the memory map: `0xFFFF_FFFF_FFFF`, every address
/// below 2^48. Longer addresses (upper VAs) widen their line.
const ADDR_WIDTH: usize = 16;

/// Writes `start..end` right-aligned in a column of two addresses and `..`, so the
/// ranges of a map line up digit by digit.
fn write_range(f: &mut fmt::Formatter<'_>, start: u64, end: u128) -> fmt::Result {
    let (start, end) = (Hex::from(start), Hex(end));
    let len = start.text_len() + 2 + end.text_len();
    for _ in len..2 * ADDR_WIDTH + 2 {
        f.write_char(' ')?;
    }
    write!(f, "{start}..{end}")
}

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
        // Written from the right into a buffer, then padded as a whole.
        let mut buf = [0u8; Hex::MAX_LEN];
        let mut at = buf.len();
        let mut v = self.0;
        let mut n = 0;
        loop {
            if n > 0 && n % 4 == 0 {
                at -= 1;
                buf[at] = b'_';
            }
            at -= 1;
            buf[at] = DIGITS[(v & 0xF) as usize];
            v >>= 4;
            n += 1;
            if v == 0 {
                break;
            }
        }
        at -= 2;
        buf[at] = b'0';
        buf[at + 1] = b'x';
        // Only ASCII was written.
        let text = core::str::from_utf8(&buf[at..]).map_err(|_| fmt::Error)?;
        let pad = f.width().unwrap_or(0).saturating_sub(text.len());
        let (before, after) = match f.align() {
            Some(fmt::Alignment::Left) => (0, pad),
            Some(fmt::Alignment::Center) => (pad / 2, pad - pad / 2),
            Some(fmt::Alignment::Right) | None => (pad, 0),
        };
        let fill = f.fill();
        for _ in 0..before {
            f.write_char(fill)?;
        }
        f.write_str(text)?;
        for _ in 0..after {
            f.write_char(fill)?;
        }
        Ok(())
    }
}

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
/// `NAME[i]  VA 0x..  ..0x..  PA 0x..  SIZE  KIND PERMS CACHE SHARE [shared] [identity | va == pa] [guard SIZE] [{k = v, ..}]`,
/// addresses as [`Hex`] writes them, right-aligned in columns; a `device` page shows
/// its Device type (`nGnRnE`, `nGnRE`, `nGRE` or `GRE`) for its memory type; `identity` marks an identity page
/// ([`Page::is_identity`]), `va == pa` a page that only happens to have VA == PA.
impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(f, self.name(), self.index(), NAME_WIDTH)?;
        f.write_str(" VA ")?;
        write_range(f, self.va(), self.va_end())?;
        write!(
            f,
            "  PA {:>ADDR_WIDTH$}  {:>2}  ",
            Hex::from(self.pa()),
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
        f.write_str(" VA ")?;
        write_range(f, first.va(), last.va_end())?;
        write!(
            f,
            "  PA {:>ADDR_WIDTH$}  {} x {}  ",
            Hex::from(first.pa()),
            self.pages.len(),
            first.page_size().name(),
        )?;
        write_attrs(f, first)
    }
}

/// The note of a page or segment at VA == PA: `identity` when the layout asks for it
/// there, `va == pa` when it only happens to be there.
pub(crate) const fn identity_note(identity: bool, va_equals_pa: bool) -> Option<&'static str> {
    if identity {
        Some("identity")
    } else if va_equals_pa {
        Some("va == pa")
    } else {
        None
    }
}

/// A size in the units a layout writes: `4K`, `64K`, `2M`, `1G`, else in decimal bytes
/// (`100`), as a layout writes a size without a unit. Guards, which are multiples of
/// 4 KiB, always take a unit; a wrong one (`guard 100`) is echoed as written.
pub(crate) struct Bytes(pub(crate) u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, char); 4] = [
            (1 << 40, 'T'),
            (1 << 30, 'G'),
            (1 << 20, 'M'),
            (1 << 10, 'K'),
        ];
        match UNITS
            .into_iter()
            .find(|&(u, _)| self.0 != 0 && self.0.is_multiple_of(u))
        {
            Some((u, c)) => write!(f, "{}{c}", self.0 / u),
            None => write!(f, "{}", self.0),
        }
    }
}

/// `KIND PERMS CACHE SHARE [shared] [identity | va == pa] [guard SIZE] [{k = v, ..}]` of
/// a memory-map line.
fn write_attrs(f: &mut fmt::Formatter<'_>, page: &Page) -> fmt::Result {
    write!(f, "{:<6} {:<3} ", page.kind().name(), page.perms().name())?;
    let identity = identity_note(page.is_identity(), page.va_equals_pa());
    let notes =
        page.is_shared() || identity.is_some() || page.guard() != 0 || !page.attrs().is_empty();
    let device = page.device_type().unwrap_or_default().name();
    match (page.cacheability(), page.shareability()) {
        (Some(c), Some(s)) if notes => write!(f, "{:<13} {:<13}", c.name(), s.name())?,
        (Some(c), Some(s)) => write!(f, "{:<13} {}", c.name(), s.name())?,
        _ if notes => write!(f, "{device:<27}")?,
        _ => f.write_str(device)?,
    }
    if page.is_shared() {
        f.write_str(" shared")?;
    }
    if let Some(note) = identity {
        write!(f, " {note}")?;
    }
    if page.guard() != 0 {
        write!(f, " guard {}", Bytes(page.guard()))?;
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
        let mut d = f.debug_struct("Page");
        d.field("name", &self.name())
            .field("index", &self.index())
            .field("core", &self.core())
            .field("el", &self.el())
            .field("va", &format_args!("{}", Hex::from(self.va())))
            .field("pa", &format_args!("{}", Hex::from(self.pa())))
            .field("size", &self.page_size())
            .field("kind", &self.kind())
            .field("perms", &self.perms())
            .field("cacheability", &self.cacheability())
            .field("shareability", &self.shareability())
            .field("pas", &self.mem_attrs().pas)
            .field("shared", &self.is_shared())
            .field("identity", &self.is_identity())
            .field("attrs", &self.attrs());
        // Only for a guarded page, so the output of other pages stays as it was.
        if self.guard() != 0 {
            d.field("guard", &format_args!("{}", Hex::from(self.guard())));
        }
        d.finish()
    }
}

/// One line:
/// `NAME  VA 0x..  ..0x..  PA 0x..  0xSIZE bytes, KIND, align N[, shared][, identity | , va == pa]`,
/// addresses and size as [`Hex`] writes them (see [`Segment::is_identity`] for
/// `identity` and `va == pa`).
impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(f, self.name(), 0, NAME_WIDTH)?;
        f.write_str(" VA ")?;
        write_range(f, self.va(), self.va_end())?;
        write!(
            f,
            "  PA {:>ADDR_WIDTH$}  {} bytes, {}, align {}{}",
            Hex::from(self.pa()),
            Hex::from(self.size()),
            self.kind(),
            self.align(),
            if self.is_shared() { ", shared" } else { "" },
        )?;
        match identity_note(self.is_identity(), self.va_equals_pa()) {
            Some(note) => write!(f, ", {note}"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Segment")
            .field("name", &self.name())
            .field("kind", &self.kind())
            .field("core", &self.core())
            .field("el", &self.el())
            .field("va", &format_args!("{}", Hex::from(self.va())))
            .field("pa", &format_args!("{}", Hex::from(self.pa())))
            .field("size", &format_args!("{}", Hex::from(self.size())))
            .field("align", &format_args!("{}", Hex::from(self.align())))
            .field("shared", &self.is_shared())
            .field("identity", &self.is_identity())
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
    fn hex_groups_upper_case_digits_by_four_from_the_right() {
        let cases: [(u128, &str); 10] = [
            (0, "0x0"),
            (0xA, "0xA"),
            (0xFFFF, "0xFFFF"),
            (0x1_0000, "0x1_0000"),
            (0x900_0000, "0x900_0000"),
            (0x8020_0000, "0x8020_0000"),
            (0x1_0000_0000_0000, "0x1_0000_0000_0000"),
            (0xFFFF_8000_0000_0000, "0xFFFF_8000_0000_0000"),
            (1 << 64, "0x1_0000_0000_0000_0000"),
            (u128::MAX, "0xFFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF"),
        ];
        for (v, text) in cases {
            assert_eq!(format!("{}", Hex(v)), text);
            assert_eq!(Hex(v).text_len(), text.len(), "{text}");
        }
        // Padding keeps the text whole: right-aligned by default, as numbers are.
        assert_eq!(format!("{:>10}", Hex(0x1000)), "    0x1000");
        assert_eq!(format!("{:10}", Hex(0x1000)), "    0x1000");
        assert_eq!(format!("{:<10}|", Hex(0x1000)), "0x1000    |");
        assert_eq!(format!("{:*^10}", Hex(0x1000)), "**0x1000**");
        assert_eq!(format!("{:2}", Hex(0x1000)), "0x1000");
        assert_eq!(Hex::from(0x10u32), Hex::from(0x10u64));
    }

    #[test]
    fn a_device_page_has_no_cacheability_or_shareability() {
        let p = page(PageKind::Device, 0, 0x9000_0000, 0x0900_0000, &[]);
        assert_eq!((p.cacheability(), p.shareability()), (None, None));
        assert_eq!(
            format!("{p}"),
            "uart           VA           0x9000_0000..0x9000_1000  PA       0x900_0000  4K  device rw  nGnRE"
        );
        let strong = Page::from_parts(
            "gicd",
            0,
            INFO,
            0x9000_0000,
            0x0800_0000,
            PageSize::Size4K,
            MemAttrs::new(PageKind::Device).with_device(crate::model::DeviceType::nGnRnE),
            false,
            &[],
        );
        assert!(
            format!("{strong}").ends_with("device rw  nGnRnE"),
            "{strong}"
        );
        let xo = Page::from_parts(
            "text",
            0,
            INFO,
            0x40_0000,
            0x8000_0000,
            PageSize::Size4K,
            MemAttrs::new(PageKind::Code).with_perms(Perms::X),
            false,
            &[],
        );
        assert!(
            format!("{xo}").ends_with("code   x   write_back    inner"),
            "{xo}"
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
        let p = page(PageKind::Device, 12, 0x1000, 0x1000, &ATTRS).with_identity(true);
        assert_eq!(
            format!("{p}"),
            "uart[12]       VA                     0x1000..0x2000  PA           0x1000  4K  device rw  \
             nGnRE                       identity {owner = true, n = -3}"
        );
        let q = page(PageKind::Data, 3, 0x2000, 0x5000, &[]);
        let line = format!("{q}");
        assert!(line.starts_with("uart[3]        VA"), "{line}");
        assert!(line.ends_with("rw  write_back    inner"), "{line}");
        // An upper VA is longer than the column: the line widens.
        let u = page(PageKind::Data, 0, 0xFFFF_8000_0000_0000, 0x5000, &[]);
        assert!(
            format!("{u}").contains(
                " VA 0xFFFF_8000_0000_0000..0xFFFF_8000_0000_1000  PA           0x5000  4K"
            ),
            "{u}"
        );
    }

    #[test]
    fn identity_is_the_request_and_va_equals_pa_what_happens_to_hold() {
        // At VA == PA without the request: `va == pa`, not `identity`.
        let chance = page(PageKind::Data, 0, 0x4000_0000, 0x4000_0000, &[]);
        assert!(chance.va_equals_pa() && !chance.is_identity());
        let line = format!("{chance}");
        assert!(
            line.ends_with("write_back    inner         va == pa"),
            "{line}"
        );
        assert!(!line.contains("identity"), "{line}");
        assert!(format!("{chance:?}").contains("identity: false"));
        // Requested: `identity`.
        let asked = chance.clone().with_identity(true);
        assert!(asked.is_identity() && asked.va_equals_pa());
        assert!(
            format!("{asked}").ends_with("inner         identity"),
            "{asked}"
        );
        assert!(!format!("{asked}").contains("va == pa"));
        assert!(format!("{asked:?}").contains("identity: true"));
        // A request flag on a page that is not at VA == PA does not make it identity.
        let apart = page(PageKind::Data, 0, 0x4000_0000, 0x5000_0000, &[]).with_identity(true);
        assert!(!apart.is_identity() && !apart.va_equals_pa());
        assert!(
            format!("{apart}").ends_with("rw  write_back    inner"),
            "{apart}"
        );
        // The same for segments.
        let seg =
            |va, pa| Segment::from_parts("s", SegmentKind::Stack, INFO, va, pa, 0x800, 16, false);
        let s = seg(0x8000, 0x8000);
        assert!(s.va_equals_pa() && !s.is_identity());
        assert!(format!("{s}").ends_with("align 16, va == pa"), "{s}");
        let s = s.with_identity(true);
        assert!(s.is_identity());
        assert!(format!("{s}").ends_with("align 16, identity"), "{s}");
        assert!(format!("{s:?}").ends_with("identity: true }"), "{s:?}");
        assert!(format!("{}", seg(0x8000, 0x9000)).ends_with("align 16"));
    }

    #[test]
    fn debug_shows_hex_addresses_and_named_permissions() {
        let p = page(PageKind::Code, 0, 0x8000_0000, 0x4000_0000, &[]);
        let s = format!("{p:?}");
        assert!(s.contains("va: 0x8000_0000, pa: 0x4000_0000"), "{s}");
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
            s.contains("va: 0x8000_1000, pa: 0x4000_1000, size: 0x800, align: 0x10"),
            "{s}"
        );
        assert_eq!(
            format!("{seg}"),
            "stack          VA           0x8000_1000..0x8000_1800  PA      0x4000_1000  0x800 bytes, \
             stack, align 16, shared"
        );
        assert_eq!(format!("{INFO}"), "el3 (core 0, EL3)");
    }
}
