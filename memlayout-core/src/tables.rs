//! Turning a planned [`Layout`] into AArch64 translation tables that live in its own
//! physical memory.
//!
//! Each page table is planned once from its requests (a `* N` request stays one run of
//! pages), which gives the exact number of 4 KiB tables it needs (what
//! [`aarch64::table_count`] computes); then that much PA is reserved (so no page can
//! ever overlap a table), and the plan is written there with real next-level PAs.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::aarch64::descriptor::TABLE_BYTES;
use crate::aarch64::{self, TableConfig, Translation};
use crate::error::{Error, Field, GuestFeature, Range, Thing};
use crate::interval::Interval;
use crate::layout::{Layout, TableId};

/// Where the translation tables go in physical memory.
///
/// Not exhaustive: the language may place tables in other ways.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TablePlacement {
    /// Anywhere in the RAM pools (the allocator picks).
    #[default]
    Anywhere,
    /// In the named RAM pool.
    InPool(String),
    /// Packed from `start`, within `start .. start + size`, one page table after the
    /// other in table order.
    At {
        /// First address (4 KiB aligned).
        start: u64,
        /// Bytes available.
        size: u64,
    },
}

/// The name a declared tables range is reserved under (what messages call it).
const TABLES_RESERVATION: &str = "translation tables";

impl Layout {
    /// Reserves the whole of `start .. start + size` for the translation tables before
    /// any page is placed, so no page takes it; [`build_translations`](Self::build_translations)
    /// with the same [`TablePlacement::At`] then packs the tables there.
    ///
    /// Once the layout marks any pool `non_secure`, a range in a secure pool while a table
    /// of a non-secure context exists is [`Error::SecureInNonSecure`]: that table's walks
    /// cannot read secure memory; a range in a non-secure pool while a table of a secure
    /// context that has not opted in with [`Layout::allow_non_secure_tables`] exists is
    /// [`Error::NonSecureForSecure`]: the normal world could rewrite its tables.
    pub fn reserve_tables_range(&mut self, start: u64, size: u64) -> Result<(), Error> {
        self.tables_range_security(start, size)?;
        self.reserve(TABLES_RESERVATION, size, TABLE_BYTES, Some(start), None)?;
        self.mark_tables_range();
        Ok(())
    }

    /// Puts the translation tables of `table` in pool `pool`, whatever placement
    /// [`build_translations`](Self::build_translations) is given for the other tables
    /// (with [`TablePlacement::At`], the range holds only the tables without a pool of
    /// their own). Calling it again replaces the pool.
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for a table or pool that does not exist,
    /// [`Error::PoolKindMismatch`] for a device pool (translation tables are Normal
    /// memory), and [`Error::SecureInNonSecure`] for a secure pool when the layout marks
    /// any pool `non_secure` and `table` is of a non-secure context (its walks cannot
    /// read secure memory); [`Error::NonSecureForSecure`] for a non-secure pool when
    /// `table` is of a secure context and has not opted in with
    /// [`Layout::allow_non_secure_tables`] (call that first); [`Error::NotInGuest`] for
    /// a guest table ([`Layout::add_guest_table`]), whose tables go in its VM's RAM.
    pub fn place_tables_in(&mut self, table: TableId, pool: &str) -> Result<(), Error> {
        let name = match self.table_info(table) {
            Some(info) => info.name().to_string(),
            None => {
                return Err(Error::Unknown {
                    what: Thing::Table,
                    name: alloc::format!("#{}", table.index()),
                    field: Field::Name,
                });
            }
        };
        if let Some(vm) = self.guest_vm(table) {
            return Err(Error::NotInGuest {
                table: name,
                vm: self.table_name(vm),
                feature: GuestFeature::TablesPool {
                    pool: pool.to_string(),
                },
                field: Field::Pool,
            });
        }
        self.check_reserve_pool(&format!("translation tables of {name}"), pool, &[table])?;
        self.set_tables_pool(table, pool);
        Ok(())
    }

    /// The tables whose translation tables follow the placement given to
    /// [`build_translations`](Self::build_translations): those without a pool of their
    /// own, and not guests (whose tables go in their VM's RAM).
    fn placed_together(&self) -> Vec<TableId> {
        self.tables().filter(|&t| !self.placed_apart(t)).collect()
    }

    /// Whether the translation tables of `t` do not follow the placement given to
    /// [`build_translations`](Self::build_translations): it has a pool of its own, or
    /// is a guest.
    fn placed_apart(&self, t: TableId) -> bool {
        self.tables_pool(t).is_some() || self.guest_vm(t).is_some()
    }

    /// The rule of [`reserve_tables_range`](Self::reserve_tables_range) for non-secure
    /// tables.
    fn tables_range_security(&self, start: u64, size: u64) -> Result<(), Error> {
        let all = self.placed_together();
        let Some(r) = Interval::new(start, size) else {
            return Ok(());
        };
        // A secure or Realm table's tables stay in its own space (non-secure pools
        // only with `non_secure_ok`), and no table's tables leave the spaces it reaches.
        let req = crate::layout::PageRequest::translation_tables();
        let overlapping: Vec<usize> = self
            .pools()
            .iter()
            .enumerate()
            .filter(|(_, p)| p.range().overlaps(&r))
            .map(|(i, _)| i)
            .collect();
        for &pool in &overlapping {
            if let Some(t) = self.outside_home(&req, &all, pool) {
                return Err(self.non_secure_for_secure(&req, t, pool, Field::Range));
            }
        }
        for &pool in &overlapping {
            self.security_check(
                |t| format!("the translation tables of table `{}`", self.table_name(t)),
                pool,
                &all,
                Field::Range,
            )?;
        }
        Ok(())
    }

    /// Builds the translation tables of every page table, in table order: reserves their
    /// PA as `placement` says and returns one [`Translation`] per table.
    ///
    /// Once the layout marks any pool `non_secure`, the tables of a table of a
    /// non-secure context go only in non-secure pools (its walks cannot read secure
    /// memory): a secure `InPool` or `At` range for them is [`Error::SecureInNonSecure`].
    /// The tables of a table of a secure context go only in secure pools, unless it
    /// opted in with [`Layout::allow_non_secure_tables`]: a non-secure `InPool` or `At`
    /// range is [`Error::NonSecureForSecure`], and no room in the secure pools is
    /// [`Error::NoRoomForTables`] in [`Space::Secure`](crate::error::Space::Secure),
    /// naming the pools tried and refused (never a silent move to non-secure memory).
    /// With a granule protection table ([`Layout::build_gpt`]), a table that is not
    /// non-secure and may keep its tables in non-secure memory (`non_secure_ok`) is
    /// [`Error::GptNonSecureOk`]. A process with ASID 0 under a kernel that runs another
    /// process without an ASID is [`Error::AsidZeroShared`].
    ///
    /// The PA size in the registers is the one declared with
    /// [`Layout::set_pa_bits`], else `config.pa_bits` raised to cover every pool; each
    /// table's own VA size is used, except that a kernel and the processes under it
    /// ([`Layout::put_under`]) share one `TCR` ([`Layout::shared_tcr`]) and their lower
    /// ranges are built for its T0SZ. A table's ASID ([`Layout::set_asid`]) makes its
    /// leaves non-global and goes in its `TTBR0`; a process's `TTBR1` is its kernel's. With [`TablePlacement::At`], a range reserved
    /// beforehand with [`Layout::reserve_tables_range`] is used as it is.
    ///
    /// Each table is built with its own granule ([`Layout::set_granule`], 4 KiB when not
    /// set) and VA sizes; `config`'s granule and VA sizes are not used, nor its VMID (a
    /// table is a stage 2 table when it is a virtual machine, and only then).
    ///
    /// A virtual machine ([`Layout::add_vm`]) is built as a stage 2 table
    /// ([`TableConfig::with_vmid`]) with its VMID and IPA size: its [`Translation`] has
    /// [`stage2_registers`](Translation::stage2_registers) (`VTCR_EL2`, `VTTBR_EL2`, the
    /// `HCR_EL2` bits to set) and no stage 1 registers; `config.wxn` does not apply to
    /// it (stage 2 has no WXN); without a declared PA size its `VTCR_EL2.PS` covers its
    /// IPA size too. Its tables are reserved aligned to its concatenated root tables'
    /// total size ([`Translation::root_tables`] × the granule), as `VTTBR_EL2` needs.
    ///
    /// A guest table ([`Layout::add_guest_table`]) is built as a stage 1 EL1&0 table
    /// whose output addresses are IPAs of its VM (`TCR_EL1.IPS` covers the VM's IPA
    /// size). Its translation tables are placed in the VM's RAM, whatever `placement`
    /// says: at an IPA of a writable Normal `data` or `system` stage 2 page run of the
    /// VM, contiguous in IPA and PA, that no guest page takes. Its [`Translation`]'s
    /// base ([`Translation::base_pa`]) and `TTBR`s are that IPA
    /// ([`Layout::guest_tables_ipa`]); its image is loaded at the PA stage 2 gives it
    /// ([`Layout::guest_tables_pa`]). No such room in the VM is
    /// [`Error::NoRoomForTables`] in [`Space::Ipa`](crate::error::Space::Ipa).
    pub fn build_translations(
        &mut self,
        config: &TableConfig,
        placement: &TablePlacement,
    ) -> Result<Vec<Translation>, Error> {
        // Every ASID and kernel is set now.
        self.check_asid_zero_shared()?;
        self.check_kernel_granules()?;
        // Every page is mapped now: the one check of the pages and tables against the
        // granule protection table.
        if self.gpt_range().is_some() {
            self.check_no_walks_into_non_secure()?;
        }
        let tables: Vec<TableId> = self.tables().collect();
        // Each table is planned once, from its requests (runs of pages), before any PA is
        // reserved: the plan gives the exact table count to reserve, then is placed.
        let mut plans = Vec::with_capacity(tables.len());
        let mut counts = Vec::with_capacity(tables.len());
        // Each table's granule, in bytes: the size of its tables.
        let mut granules = Vec::with_capacity(tables.len());
        // The alignment of each table's tables: its granule, or for a VM the total size
        // of its concatenated root tables, which come first and are aligned to it.
        let mut aligns = Vec::with_capacity(tables.len());
        for &t in &tables {
            let cfg = self.table_config(t, config);
            let name = self.table_name(t);
            let info = self.table_info(t).cloned().ok_or(Error::Unknown {
                what: Thing::Table,
                name: name.clone(),
                field: Field::Name,
            })?;
            let plan = aarch64::plan_requests(&info, &self.page_runs_in_mapping_order(t), &cfg)
                .map_err(|e| Error::Tables {
                    table: name,
                    source: e.into(),
                })?;
            counts.push(plan.tables() as u64);
            granules.push(cfg.granule.bytes());
            let roots = match cfg.lower_root() {
                Some((_, n)) if cfg.is_stage2() => n as u64,
                _ => 1,
            };
            aligns.push(cfg.granule.bytes() * roots);
            plans.push((info, cfg, plan));
        }
        // With `At`, the tables without a pool of their own are packed from the range's
        // start, in table order; the range is reserved before any other table's tables.
        let mut packed = None;
        if let TablePlacement::At { start, size } = placement {
            // Packed in table order, each table's tables aligned to its granule (a VM's
            // to its concatenated roots' total size).
            let mut end = u128::from(*start);
            let mut total = 0;
            for (((t, n), g), a) in tables.iter().zip(&counts).zip(&granules).zip(&aligns) {
                if !self.placed_apart(*t) {
                    let (g, a) = (u128::from(*g), u128::from(*a));
                    end = end.div_ceil(a) * a + u128::from(*n) * g;
                    total += n;
                }
            }
            let need = u64::try_from(end - u128::from(*start)).unwrap_or(u64::MAX);
            if need > *size {
                return Err(Error::TablesRangeTooSmall {
                    range: Range {
                        start: *start,
                        end: start.wrapping_add(*size),
                    },
                    count: total,
                    bytes: need,
                });
            }
            if total > 0 {
                let held = self
                    .tables_range()
                    .is_some_and(|r| r.start() == *start && r.size() == u128::from(*size));
                packed = Some(if held {
                    *start
                } else {
                    self.tables_range_security(*start, *size)?;
                    self.reserve(TABLES_RESERVATION, need, TABLE_BYTES, Some(*start), None)?
                });
            }
        }
        let mut bases = Vec::with_capacity(tables.len());
        for (((&t, &count), &granule), &align) in
            tables.iter().zip(&counts).zip(&granules).zip(&aligns)
        {
            // A guest's tables: in its VM's RAM, at an IPA.
            if self.guest_vm(t).is_some() {
                bases.push(self.place_guest_tables(t, count, granule)?);
                continue;
            }
            let own = self.tables_pool(t).map(String::from);
            if let (None, Some(at)) = (&own, packed.as_mut()) {
                *at = at.div_ceil(align) * align;
                bases.push(*at);
                *at += count * granule;
                continue;
            }
            let pool = match (own, placement) {
                (Some(own), _) => Some(own),
                (None, TablePlacement::InPool(p)) => Some(p.clone()),
                (None, _) => None,
            };
            let table = self.table_name(t);
            let name = format!("translation tables of {table}");
            let base = self
                .reserve_for(&name, count * granule, align, None, pool.as_deref(), &[t])
                .map(|(pa, _)| pa)
                .map_err(|e| match e {
                    Error::NoRoom { space, largest, .. } => Error::NoRoomForTables {
                        table,
                        count,
                        granule,
                        space,
                        largest,
                    },
                    other => other,
                })?;
            bases.push(base);
        }
        let mut out = Vec::with_capacity(tables.len());
        for ((info, cfg, plan), base) in plans.iter().zip(bases) {
            let tr = plan.place(info, base, cfg).map_err(|e| Error::Tables {
                table: info.name().to_string(),
                source: e.into(),
            })?;
            out.push(tr);
        }
        // A process's TTBR1 is its kernel's: its registers then load the whole address
        // space.
        for (i, &t) in tables.iter().enumerate() {
            if let Some(k) = self.kernel_of(t) {
                let ttbr1 = out[k.index()].ttbr1();
                out[i].set_kernel_ttbr1(ttbr1);
            }
        }
        Ok(out)
    }

    fn table_name(&self, t: TableId) -> String {
        self.table_info(t)
            .map(|i| i.name().to_string())
            .unwrap_or_default()
    }

    /// [`Error::KernelGranule`] for a process whose granule is not its kernel's.
    fn check_kernel_granules(&self) -> Result<(), Error> {
        for t in self.tables() {
            if let (Some(k), Some(granule)) = (self.kernel_of(t), self.granule(t)) {
                let kernel_granule = self.granule(k).unwrap_or(granule);
                if kernel_granule != granule {
                    return Err(Error::KernelGranule {
                        table: self.table_name(t),
                        granule,
                        kernel: self.table_name(k),
                        kernel_granule,
                    });
                }
            }
        }
        Ok(())
    }

    fn table_config(&self, t: TableId, config: &TableConfig) -> TableConfig {
        let mut cfg = *config;
        cfg.granule = self.granule(t).unwrap_or(cfg.granule);
        cfg.va_bits = self.va_bits(t).unwrap_or(cfg.va_bits);
        cfg.upper_va_bits = self.upper_va_bits(t);
        cfg.lower = self.has_lower_range(t);
        // A kernel and its processes: one TCR, and every lower range built for its size.
        cfg.shared_tcr = self.shared_tcr(t);
        if let Some(shared) = cfg.shared_tcr {
            cfg.va_bits = shared.lower_va_bits;
        }
        cfg.asid = self.asid(t);
        // A declared PA size is what the registers get; otherwise the configured size,
        // raised to cover every pool.
        cfg.pa_bits = match self.declared_pa_bits() {
            Some(bits) => bits,
            None => cfg.pa_bits.max(self.covering_pa_bits()),
        };
        // A VM: its stage 2, with its IPA size as the VA size, one range, no WXN (stage 2
        // has none; `config.wxn` is for the stage 1 tables), and a PA size that covers
        // its IPA size.
        cfg.vmid = self.vmid(t);
        if cfg.is_stage2() {
            cfg.wxn = false;
            cfg.lower = true;
            cfg.upper_va_bits = None;
            cfg.pa_bits = self.vm_pa_bits(t, config.pa_bits);
        }
        // A guest: its output addresses are IPAs, so its PA size (TCR_EL1.IPS) is the
        // smallest that covers its VM's IPA size.
        if let Some(ipa_bits) = self.guest_vm(t).and_then(|vm| self.va_bits(vm)) {
            cfg.pa_bits = aarch64::regs::PA_BITS
                .into_iter()
                .find(|&b| b >= ipa_bits)
                .unwrap_or(52);
        }
        cfg
    }
}
