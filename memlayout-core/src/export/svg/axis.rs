//! Vertical placement: every column gets its own compressed axis, where a block's height
//! grows with the logarithm of its size and an empty stretch is a band of fixed height.

use alloc::vec::Vec;

use super::columns::{Block, Column};

/// Height of the page header (two text lines).
pub(super) const HEADER: i64 = 32;
/// Height of a segment box and the space between two.
pub(super) const SEG_H: i64 = 15;
pub(super) const SEG_GAP: i64 = 2;
/// Height of an empty stretch inside a pool or virtual range, and outside them.
pub(super) const GAP_IN: i64 = 26;
pub(super) const GAP_OUT: i64 = 18;

/// A stretch of the axis: a block or an empty band.
pub(super) struct Piece {
    pub(super) start: u128,
    pub(super) end: u128,
    pub(super) y: i64,
    pub(super) h: i64,
    /// The block drawn there.
    pub(super) block: Option<usize>,
    /// For a band: whether it lies inside a pool or virtual range.
    pub(super) inside: bool,
}

pub(super) struct Placed {
    pub(super) pieces: Vec<Piece>,
    pub(super) height: i64,
}

impl Placed {
    /// The y of an address of the column (monotone; linear inside each piece).
    pub(super) fn y_of(&self, addr: u128) -> i64 {
        for p in &self.pieces {
            if addr <= p.end {
                let span = (p.end - p.start).max(1);
                let off = addr.saturating_sub(p.start).min(span);
                return p.y + i64::try_from(off * p.h as u128 / span).unwrap_or(p.h);
            }
        }
        self.height
    }
}

/// The height of a block: 36 px for 4 KiB, 12 px more per doubling, and room for its
/// segments.
pub(super) fn block_height(b: &Block) -> i64 {
    let units = ((b.end - b.start) / 0x1000).max(1);
    let log = i64::from(127 - units.leading_zeros() as i32);
    let by_size = 36 + 12 * log;
    let n = i64::try_from(b.inner.len()).unwrap_or(i64::MAX / 64);
    let by_segments = HEADER + n * (SEG_H + SEG_GAP) + 4;
    by_size.max(by_segments)
}

pub(super) fn place(c: &Column) -> Placed {
    // Every boundary of a bracket splits the empty stretches, so brackets start and end
    // at band edges.
    let mut cuts: Vec<u128> = c.ranges.iter().flat_map(|r| [r.start, r.end]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let lo = c
        .blocks
        .iter()
        .map(|b| b.start)
        .chain(cuts.first().copied())
        .min()
        .unwrap_or(0);
    let hi = c
        .blocks
        .iter()
        .map(|b| b.end)
        .chain(cuts.last().copied())
        .max()
        .unwrap_or(0);
    let inside = |a: u128, b: u128| c.ranges.iter().any(|r| r.start <= a && b <= r.end);
    let mut pieces = Vec::new();
    let mut y = 0;
    let mut cursor = lo;
    let gap = |from: u128, to: u128, y: &mut i64, pieces: &mut Vec<Piece>| {
        let mut a = from;
        for &cut in cuts.iter().filter(|&&x| x > from && x < to).chain([&to]) {
            let ins = inside(a, cut);
            let h = if ins { GAP_IN } else { GAP_OUT };
            pieces.push(Piece {
                start: a,
                end: cut,
                y: *y,
                h,
                block: None,
                inside: ins,
            });
            *y += h;
            a = cut;
        }
    };
    for (i, b) in c.blocks.iter().enumerate() {
        if b.start > cursor {
            gap(cursor, b.start, &mut y, &mut pieces);
        }
        let h = block_height(b);
        pieces.push(Piece {
            start: b.start,
            end: b.end,
            y,
            h,
            block: Some(i),
            inside: true,
        });
        y += h;
        cursor = cursor.max(b.end);
    }
    if hi > cursor {
        gap(cursor, hi, &mut y, &mut pieces);
    }
    Placed { pieces, height: y }
}

/// The y and height of each inner box of a block drawn at `y` with height `h`: near
/// its offset in the block, in address order, never overlapping.
pub(super) fn place_inner(b: &Block, y: i64, h: i64) -> Vec<(i64, i64)> {
    let top = y + HEADER;
    let bottom = y + h - 4;
    let room = (bottom - top).max(0);
    let span = (b.end - b.start).max(1);
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(b.inner.len());
    let mut next_free = top;
    for s in &b.inner {
        let off = s.start.saturating_sub(b.start).min(span);
        let want = top + i64::try_from(off * room as u128 / span).unwrap_or(0);
        let prop = i64::try_from((s.end - s.start) * room as u128 / span).unwrap_or(room);
        let sh = prop.max(SEG_H);
        let sy = want.max(next_free);
        out.push((sy, sh));
        next_free = sy + sh + SEG_GAP;
    }
    if next_free - SEG_GAP > bottom {
        // Too tall at their offsets: stack them from the top.
        for (i, o) in out.iter_mut().enumerate() {
            *o = (top + i as i64 * (SEG_H + SEG_GAP), SEG_H);
        }
    }
    out
}
