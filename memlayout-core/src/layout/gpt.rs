//! The granule protection table of a layout: every pool's granules get the GPI of the
//! pool's physical address space, and the table's image gets PA in Root memory.
//!
//! The table depends only on the pools, so it can be built before or after the pages;
//! its PA is reserved like the translation tables' (no page can ever overlap it).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Layout, Pool, TableId};
use crate::aarch64::gpt::{
    self, Gpi, Gpt, GptConfig, GptError, GptRegion, GptSize, GranuleSize, L0GptSize,
};
use crate::error::{Error, Field, Party, Range, Thing};
use crate::interval::Interval;
use crate::model::PhysicalAddressSpace;

/// The name the granule protection table's PA is reserved under (what maps and messages
/// call it).
pub const GPT_RESERVATION: &str = "granule protection table";

/// Where a granule protection table goes in physical memory.
///
/// Not exhaustive: the language may place the table in other ways.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GptPlacement {
    /// Anywhere in the named Root pool (the allocator picks the lowest aligned free
    /// range, or a random one with a seed).
    InPool(String),
    /// From `start` (aligned as the table requires), within `start .. start + size`,
    /// which lies in one Root pool; the whole range is reserved.
    At {
        /// First address.
        start: u64,
        /// Bytes available.
        size: u64,
    },
}

/// A request for a granule protection table ([`Layout::build_gpt`]).
///
/// Build it with [`in_pool`](Self::in_pool) or [`at`](Self::at), then set the level 0
/// entry size with [`l0gptsz`](Self::l0gptsz) (1 GB when not set: QEMU's and the
/// common implementation's value).
///
/// ```
/// use memlayout::aarch64::gpt::{Gpi, L0GptSize};
/// use memlayout::layout::GptRequest;
/// use memlayout::layout::Pool;
/// use memlayout::Layout;
///
/// let mut layout = Layout::new();
/// layout.add_pool(Pool::ram("rom", 0x0, 0x20_0000).root()).unwrap();
/// layout.add_pool(Pool::ram("dram", 0x4000_0000, 0x4000_0000).non_secure()).unwrap();
/// let gpt = layout
///     .build_gpt(&GptRequest::in_pool("rom").l0gptsz(L0GptSize::Size1G))
///     .unwrap();
/// assert_eq!(gpt.image_pa() % gpt.size().align, 0);
/// assert_eq!(gpt.gptbr(), gpt.level0_pa() >> 12);
/// // The whole second gigabyte is non-secure: one level 0 block descriptor.
/// let l0: Vec<_> = gpt.level0().collect();
/// assert_eq!(l0[1].bits(), 0x91);
/// # let _ = Gpi::NonSecure;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GptRequest {
    placement: GptPlacement,
    l0gptsz: L0GptSize,
}

impl GptRequest {
    /// A table anywhere in the Root pool `pool`.
    pub fn in_pool(pool: impl Into<String>) -> GptRequest {
        GptRequest {
            placement: GptPlacement::InPool(pool.into()),
            l0gptsz: L0GptSize::default(),
        }
    }

    /// A table at `start`, within the `size` bytes from there (in one Root pool).
    pub fn at(start: u64, size: u64) -> GptRequest {
        GptRequest {
            placement: GptPlacement::At { start, size },
            l0gptsz: L0GptSize::default(),
        }
    }

    /// The bytes one level 0 entry covers: the implementation's `GPCCR_EL3.L0GPTSZ`.
    pub fn l0gptsz(mut self, l0gptsz: L0GptSize) -> GptRequest {
        self.l0gptsz = l0gptsz;
        self
    }

    /// Where the table goes.
    pub fn placement(&self) -> &GptPlacement {
        &self.placement
    }

    /// The level 0 entry size asked for.
    pub fn level0_size(&self) -> L0GptSize {
        self.l0gptsz
    }
}

/// The GPI of every granule of `pool`: its physical address space's, "any access" for a
/// pool in both the Secure and Non-secure spaces, Secure for an unmarked pool.
pub fn pool_gpi(pool: &Pool) -> Gpi {
    use PhysicalAddressSpace as P;
    match pool.spaces() {
        [P::Secure, P::NonSecure] => Gpi::Any,
        [P::NonSecure] => Gpi::NonSecure,
        [P::Realm] => Gpi::Realm,
        [P::Root] => Gpi::Root,
        _ => Gpi::Secure,
    }
}

impl Layout {
    /// The physical granule size of the layout's granule protection table: the
    /// translation granule, 4 KiB (the only one layouts use; the granule protection
    /// table will follow the translation granule when that becomes configurable).
    pub fn gpt_granule(&self) -> GranuleSize {
        GranuleSize::Size4K
    }

    /// One region per pool, in pool order, with the GPI of the pool's space
    /// ([`pool_gpi`]).
    pub fn gpt_regions(&self) -> Vec<GptRegion> {
        self.pools
            .iter()
            .map(|p| GptRegion::new(p.range().start(), p.range().size() as u64, pool_gpi(p)))
            .collect()
    }

    /// The size, alignment and shape of the layout's granule protection table.
    ///
    /// # Errors
    ///
    /// [`Error::GptGranuleShared`] when two pools of different spaces share a granule
    /// (its other party is the pool given first); [`Error::Gpt`] for the builder's
    /// other refusals.
    pub fn gpt_size(&self, l0gptsz: L0GptSize) -> Result<GptSize, Error> {
        let regions = self.gpt_regions();
        gpt::table_size(&regions, GptConfig::new(self.gpt_granule(), l0gptsz))
            .map_err(|e| self.gpt_error(e))
    }

    /// [`Error::GptNonSecureOk`] when a table that is not non-secure may keep its
    /// translation tables in non-secure memory (`non_secure_ok` on its tables): its
    /// walks, made in its own space, would fault on granules the granule protection
    /// table gives to the Non-secure space. Run once, by
    /// [`build_translations`](Self::build_translations).
    pub(crate) fn check_no_walks_into_non_secure(&self) -> Result<(), Error> {
        for (i, t) in self.tables.iter().enumerate() {
            let space = self.home(t.info.el());
            if t.non_secure_tables_ok && space != PhysicalAddressSpace::NonSecure {
                return Err(Error::GptNonSecureOk {
                    table: t.info.name().to_string(),
                    space,
                    at: Party::Table(TableId(i as u32)),
                });
            }
        }
        Ok(())
    }

    /// Builds the granule protection table of the layout's pools and reserves its PA as
    /// `request` says; returns the table (image, PA, `GPTBR_EL3`, `GPCCR_EL3`).
    ///
    /// Every granule of every pool gets its space's GPI ([`pool_gpi`]); every other
    /// granule below the protected size gets "no access". The table lies in Root
    /// memory, aligned as its tables require ([`GptSize::align`]). Whether the pages and
    /// translation tables of the layout can live with it ([`Error::GptNonSecureOk`]) is
    /// checked by [`build_translations`](Self::build_translations), once every page is
    /// mapped, so the table may be built before or after the pages.
    ///
    /// # Errors
    ///
    /// * [`Error::GptWithoutRoot`]: no pool is in the Root space;
    /// * [`Error::Unknown`] ([`Field::Pool`]) and [`Error::GptNotRoot`]: the pool of
    ///   [`GptPlacement::InPool`] does not exist or is not Root;
    /// * [`Error::GptInDevice`]: that pool, or the Root pool holding the range of
    ///   [`GptPlacement::At`], is a device pool;
    /// * [`Error::GptOutsideRoot`]: the range of [`GptPlacement::At`] is not inside one
    ///   Root pool; [`Error::Misaligned`] when its start is not aligned;
    ///   a range smaller than the table is [`Error::NoRoomForGpt`];
    ///   [`Error::Overlap`] when a page or other reservation holds part of it;
    /// * [`Error::NoRoomForGpt`]: no aligned free range in the pool;
    /// * [`Error::GptGranuleShared`], [`Error::Gpt`]: see [`gpt_size`](Self::gpt_size);
    /// * [`Error::GptTwice`]: the layout already has a granule protection table (built
    ///   by an earlier call, whose range stays reserved).
    pub fn build_gpt(&mut self, request: &GptRequest) -> Result<Gpt, Error> {
        if let Some(r) = self.gpt_range() {
            return Err(Error::GptTwice {
                range: super::range_of(r),
            });
        }
        if !self.pools.iter().any(Pool::is_root) {
            return Err(Error::GptWithoutRoot);
        }
        let config = GptConfig::new(self.gpt_granule(), request.l0gptsz);
        let regions = self.gpt_regions();
        let plan = gpt::plan(&regions, config).map_err(|e| self.gpt_error(e))?;
        let size = *plan.size();
        let (base, index) = match &request.placement {
            GptPlacement::InPool(name) => {
                let Some(pool) = self.pools.iter().find(|p| p.name() == name) else {
                    return Err(Error::Unknown {
                        what: Thing::Pool,
                        name: name.clone(),
                        field: Field::Pool,
                    });
                };
                if !pool.is_root() {
                    return Err(Error::GptNotRoot {
                        pool: name.clone(),
                        space: pool.space_label(),
                    });
                }
                if pool.is_device() {
                    return Err(Error::GptInDevice {
                        pool: name.clone(),
                        field: Field::Pool,
                    });
                }
                // The pool's free PA is what the free set keeps under its index.
                let index = self.pools.iter().position(|p| p.name() == name);
                let largest = index
                    .and_then(|i| self.pa_free.largest(|&p| p as usize == i))
                    .map(super::range_of);
                self.reserve_for(
                    GPT_RESERVATION,
                    size.bytes,
                    size.align,
                    None,
                    Some(name.as_str()),
                    &[],
                )
                .map_err(|e| match e {
                    Error::NoRoom { .. } => Error::NoRoomForGpt {
                        pool: name.clone(),
                        bytes: size.bytes,
                        align: size.align,
                        largest,
                    },
                    other => other,
                })?
            }
            GptPlacement::At { start, size: room } => {
                let range = Range {
                    start: *start,
                    end: start.wrapping_add(*room),
                };
                let inside = Interval::new(*start, *room).and_then(|r| {
                    self.pools
                        .iter()
                        .find(|p| p.is_root() && p.range().covers(&r))
                });
                match inside {
                    None => return Err(Error::GptOutsideRoot { range }),
                    Some(p) if p.is_device() => {
                        return Err(Error::GptInDevice {
                            pool: p.name().to_string(),
                            field: Field::Range,
                        });
                    }
                    Some(_) => {}
                }
                if *room < size.bytes {
                    return Err(Error::NoRoomForGpt {
                        pool: self
                            .pools
                            .iter()
                            .find(|p| p.range().contains(*start))
                            .map(|p| p.name().to_string())
                            .unwrap_or_default(),
                        bytes: size.bytes,
                        align: size.align,
                        largest: Some(range),
                    });
                }
                self.reserve_for(GPT_RESERVATION, *room, size.align, Some(*start), None, &[])?
            }
        };
        self.gpt_range = Some(index);
        plan.build(base).map_err(|e| self.gpt_error(e))
    }

    /// The PA range reserved for the granule protection table by
    /// [`build_gpt`](Self::build_gpt), if any.
    pub fn gpt_range(&self) -> Option<Interval> {
        let i = self.gpt_range?;
        self.reservations.get(i).map(|(_, r)| *r)
    }

    /// The builder's error in the layout's terms: regions are pools (region `i` is the
    /// `i`th pool, as [`gpt_regions`](Self::gpt_regions) lists them).
    fn gpt_error(&self, e: GptError) -> Error {
        match e {
            GptError::GranuleConflict {
                granule,
                pgs,
                first,
                first_gpi,
                second,
                second_gpi,
                ..
            } => {
                let name = |i: usize| {
                    self.pools
                        .get(i)
                        .map(|p| p.name().to_string())
                        .unwrap_or_default()
                };
                Error::GptGranuleShared {
                    granule,
                    granule_bytes: pgs.bytes(),
                    pool: name(second),
                    gpi: second_gpi,
                    with: name(first),
                    with_gpi: first_gpi,
                    other: Party::Pool(first as u32),
                }
            }
            source => {
                let pool = match source {
                    GptError::EmptyRegion { region, .. } | GptError::BeyondPa { region, .. } => {
                        self.pools.get(region).map(|p| p.name().to_string())
                    }
                    _ => None,
                };
                Error::Gpt { source, pool }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The builder's errors that name a region by index name the pool instead.
    #[test]
    fn builder_errors_name_the_pool_of_their_region() {
        let mut l = Layout::new();
        l.add_pool(Pool::ram("rom", 0, 0x10_0000).root()).unwrap();
        l.add_pool(Pool::ram("dram", 0x4000_0000, 0x1000_0000).non_secure())
            .unwrap();
        let e = l.gpt_error(GptError::BeyondPa {
            region: 1,
            start: 0x4000_0000,
            size: 0x1000_0000,
        });
        assert!(
            matches!(&e, Error::Gpt { pool: Some(p), .. } if p == "dram"),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.starts_with("pool `dram` at PA "), "{text}");
        assert!(!text.contains("region"), "{text}");
        let e = l.gpt_error(GptError::EmptyRegion {
            region: 0,
            start: 0,
        });
        assert!(e.to_string().starts_with("pool `rom` at PA "), "{e}");
        // Errors about the image name no region.
        let e = l.gpt_error(GptError::TooLarge { bytes: 1 << 40 });
        assert!(matches!(e, Error::Gpt { pool: None, .. }), "{e:?}");
    }
}
