//! Text: escaping, addresses, sizes and the width of labels.

use alloc::format;
use alloc::string::{String, ToString};

/// The advance width the picture assumes for every character of its monospace font, in
/// thousandths of the font size.
///
/// DejaVu Sans Mono, Menlo and Consolas advance 600 to 602 thousandths; the picture
/// reserves a little more, and measures every label with it: a label is shortened (with
/// an ellipsis, the whole text in a tooltip) until it fits its room at this width, so a
/// check of the picture may rely on it.
pub const CHAR_ADVANCE_PERMILLE: i64 = 620;

/// The width in pixels, rounded up, of `s` at `size` px in the monospace font.
pub(super) fn text_w(s: &str, size: i64) -> i64 {
    let n = i64::try_from(s.chars().count()).unwrap_or(i64::MAX / 100_000);
    (n * size * CHAR_ADVANCE_PERMILLE + 999) / 1000
}

/// `s`, shortened with an ellipsis to fit `room` pixels at `size` px (empty when not
/// even the ellipsis fits).
pub(super) fn fit(s: &str, size: i64, room: i64) -> String {
    let per = (size * CHAR_ADVANCE_PERMILLE).max(1);
    let max = usize::try_from(room.max(0) * 1000 / per).unwrap_or(0);
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('\u{2026}');
    t
}

/// Escapes text for XML content and attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// An address as people read it everywhere in memlayout ([`Hex`](crate::model::Hex)):
/// upper-case digits with `_` every four, `0x8020_0000`.
pub(super) fn addr_text(a: u128) -> String {
    format!("{}", crate::model::Hex(a))
}

/// A size rounded to one decimal of the largest binary unit it reaches: `4 KiB`,
/// `1.5 GiB`, `~4.4 GiB` (the `~` when rounded).
pub(super) fn rough_size(bytes: u128) -> String {
    for (unit, name) in [
        (1u128 << 60, "EiB"),
        (1 << 50, "PiB"),
        (1 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ] {
        if bytes >= unit {
            let tenths = (bytes * 10 + unit / 2) / unit;
            let exact = tenths * unit == bytes * 10;
            let approx = if exact { "" } else { "~" };
            return if tenths.is_multiple_of(10) {
                format!("{approx}{} {name}", tenths / 10)
            } else {
                format!("{approx}{}.{} {name}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{bytes} B")
}

/// A size in the largest binary unit that divides it exactly: `4 KiB`, `2 MiB`, `3 GiB`,
/// `0x200 B`.
pub(super) fn size_text(bytes: u128) -> String {
    for (unit, name) in [
        (1u128 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{} B", addr_text(bytes))
}

/// `s` after a count that is not 1 (the crate's one rule, for counts of this module).
pub(super) fn plural(n: usize) -> &'static str {
    crate::error::plural(n as u64)
}
