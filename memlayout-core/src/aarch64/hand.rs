//! Hand-made translation table images for the walkers' unit tests: granule-sized tables
//! from a base PA, written entry by entry, so a test states every descriptor it walks.

use alloc::vec::Vec;

use super::granule::{Format, LAST_LEVEL};

/// Descriptor bits\[1:0\] of a table (levels above the last) or page (last level).
pub(crate) const TABLE: u64 = 0b11;
/// Descriptor bits\[1:0\] of a block.
pub(crate) const BLOCK: u64 = 0b01;

/// A hand-made image of granule-sized tables from `base`, in `format`.
pub(crate) struct Hand {
    pub(crate) base: u64,
    pub(crate) format: Format,
    pub(crate) bytes: Vec<u8>,
}

impl Hand {
    pub(crate) fn new(base: u64, format: Format, tables: usize) -> Hand {
        let bytes = alloc::vec![0; tables * format.granule.bytes() as usize];
        Hand {
            base,
            format,
            bytes,
        }
    }

    /// The PA of table `t`.
    pub(crate) fn pa(&self, t: usize) -> u64 {
        self.base + t as u64 * self.format.granule.bytes()
    }

    /// Writes descriptor bits `d` at `index` of table `t`.
    pub(crate) fn put(&mut self, t: usize, index: usize, d: u64) {
        let at = t * self.format.granule.bytes() as usize + index * 8;
        self.bytes[at..at + 8].copy_from_slice(&d.to_le_bytes());
    }

    /// Points entry `index` of table `t` at table `next`.
    pub(crate) fn link(&mut self, t: usize, index: usize, next: usize) {
        let d = self.format.encode_address(self.pa(next)) | TABLE;
        self.put(t, index, d);
    }

    /// Writes a block (level above 3) or page (level 3) of `pa` at `index` of table `t`.
    pub(crate) fn leaf(&mut self, t: usize, index: usize, level: i8, pa: u64, attrs: u64) {
        let ty = if level == LAST_LEVEL { TABLE } else { BLOCK };
        let d = self.format.encode_address(pa) | ty | attrs;
        self.put(t, index, d);
    }
}
