//! Routing of the connectors: which boxes a physical page joins, where each column and
//! gutter sits, and the lane and track of every connector.
//!
//! A connector leaves a box by its right edge (the left edge faces the column's address
//! labels), runs down or up a lane of the gutter right of that column, along a track of
//! the channel above the column titles, and down a lane of the gutter right of the other
//! box's column. Gutters and the channel hold nothing else, so a connector crosses no
//! column, box or label, whatever the number of tables.
//!
//! In a gutter, the lane of the connector that reaches lowest in that column lies
//! farthest from the boxes: a connector's stub into a box then never crosses the lane
//! of another one in that gutter. Two connectors share a track only where their runs
//! along the channel are far apart.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::axis::Placed;
use super::columns::Column;

/// Space between a box's right edge and the nearest lane, and between the farthest
/// lane and the next column.
pub(super) const GUTTER_PAD: i64 = 18;
/// Space between two lanes of a gutter.
pub(super) const LANE: i64 = 10;
/// The least width of a gutter.
pub(super) const GUTTER_MIN: i64 = 56;
/// Space between two tracks of the channel, and above and below them.
pub(super) const TRACK: i64 = 10;
/// The least horizontal space between two runs that share a track.
const TRACK_GAP: i64 = 40;

/// A box: its column and its block in the column.
pub(super) type Spot = (usize, usize);

/// A physical page joined to the boxes that map it.
pub(super) struct Net {
    /// The box of the physical page.
    pub(super) phys: Spot,
    /// The box of each page that maps it.
    pub(super) maps: Vec<Spot>,
}

/// The physical pages to join: those of column `pa_pos` mapped by two boxes or more of
/// the other columns (a block's `join` is the PA it maps).
pub(super) fn nets(columns: &[Column], pa_pos: usize) -> Vec<Net> {
    let mut by_pa: BTreeMap<u64, (Option<Spot>, Vec<Spot>)> = BTreeMap::new();
    for (c, col) in columns.iter().enumerate() {
        for (b, block) in col.blocks.iter().enumerate() {
            let Some(pa) = block.join else { continue };
            let e = by_pa.entry(pa).or_default();
            if c == pa_pos {
                e.0.get_or_insert((c, b));
            } else {
                e.1.push((c, b));
            }
        }
    }
    by_pa
        .into_values()
        .filter_map(|(phys, maps)| {
            let phys = phys?;
            (maps.len() >= 2).then_some(Net { phys, maps })
        })
        .collect()
}

/// Where everything sits across the picture.
pub(super) struct Routes {
    /// The left edge of each column.
    pub(super) col_x: Vec<i64>,
    /// The right edge of the picture's content (the last column, or its gutter when
    /// that holds lanes).
    pub(super) right: i64,
    /// The x of the lane of each net in each column it joins: `(net, column) -> x`.
    pub(super) lanes: BTreeMap<(usize, usize), i64>,
    /// The track of each net, from the top of the channel.
    pub(super) tracks: Vec<i64>,
    /// How many tracks the channel holds.
    pub(super) track_count: i64,
}

impl Routes {
    /// The height of the channel: nothing when there is no connector.
    pub(super) fn channel_h(&self) -> i64 {
        if self.track_count == 0 {
            0
        } else {
            (self.track_count + 1) * TRACK
        }
    }
}

/// The y of the middle of a block in its column (from the columns' top).
pub(super) fn mid(placed: &Placed, block: usize) -> i64 {
    placed
        .pieces
        .iter()
        .find(|p| p.block == Some(block))
        .map_or(0, |p| p.y + p.h / 2)
}

/// Lays out the columns (each `column_w` wide, from `left`) and their gutters, and gives
/// every net its lanes and its track.
pub(super) fn route(nets: &[Net], placed: &[Placed], left: i64, column_w: i64) -> Routes {
    let n = placed.len();
    // The lowest point each net reaches in each column.
    let mut depth: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    for (k, net) in nets.iter().enumerate() {
        for &(c, b) in core::iter::once(&net.phys).chain(&net.maps) {
            let y = mid(&placed[c], b);
            let d = depth.entry((c, k)).or_insert(y);
            *d = (*d).max(y);
        }
    }
    // Lanes of each column's gutter, nearest first.
    let mut order: Vec<Vec<(i64, usize)>> = (0..n).map(|_| Vec::new()).collect();
    for (&(c, k), &d) in &depth {
        order[c].push((d, k));
    }
    for o in &mut order {
        o.sort_unstable();
    }
    let gutter = |c: usize| -> i64 {
        let lanes = i64::try_from(order[c].len()).unwrap_or(0);
        if lanes == 0 {
            GUTTER_MIN
        } else {
            GUTTER_MIN.max(2 * GUTTER_PAD + (lanes - 1) * LANE)
        }
    };
    let mut col_x = Vec::with_capacity(n);
    let mut x = left;
    for c in 0..n {
        col_x.push(x);
        x += column_w + gutter(c);
    }
    let right = match n.checked_sub(1) {
        Some(last) if !order[last].is_empty() => col_x[last] + column_w + gutter(last),
        Some(last) => col_x[last] + column_w,
        None => left,
    };
    let mut lanes = BTreeMap::new();
    for (c, o) in order.iter().enumerate() {
        for (i, &(_, k)) in o.iter().enumerate() {
            let i = i64::try_from(i).unwrap_or(0);
            lanes.insert((k, c), col_x[c] + column_w + GUTTER_PAD + i * LANE);
        }
    }
    // Tracks: first fit, nets in order of their run's left end.
    let mut spans: Vec<(i64, i64, usize)> = (0..nets.len())
        .map(|k| {
            let xs = lanes.range((k, 0)..(k + 1, 0)).map(|(_, &x)| x);
            let lo = xs.clone().min().unwrap_or(0);
            let hi = xs.max().unwrap_or(0);
            (lo, hi, k)
        })
        .collect();
    spans.sort_unstable();
    let mut ends: Vec<i64> = Vec::new();
    let mut tracks = alloc::vec![0; nets.len()];
    for (lo, hi, k) in spans {
        let t = match ends.iter().position(|&e| e + TRACK_GAP <= lo) {
            Some(t) => t,
            None => {
                ends.push(i64::MIN);
                ends.len() - 1
            }
        };
        ends[t] = hi;
        tracks[k] = i64::try_from(t).unwrap_or(0);
    }
    Routes {
        col_x,
        right,
        lanes,
        tracks,
        track_count: i64::try_from(ends.len()).unwrap_or(0),
    }
}
