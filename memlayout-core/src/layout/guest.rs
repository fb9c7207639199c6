//! Guests' own stage 1 tables inside virtual machines.
//!
//! A guest table ([`Layout::add_guest_table`]) is a stage 1 table of the Non-secure
//! EL1&0 regime run inside a VM: its pages map a VA to an IPA of the VM, not to a PA of
//! the pools. The IPA of a guest page (its "PA": [`Page::pa`](crate::Page::pa),
//! [`Layout::translate`]) is drawn from the IPA the VM's stage 2 pages map, as
//! segments are drawn from pages: only from stage 2 pages whose memory type and
//! permissions allow the guest page's, and never twice in one VM unless shared among
//! its guests or aliased. The machine's pools and PA allocator never see guest pages.
//! [`Layout::build_translations`] places a guest's translation tables in the VM's RAM
//! (a writable Normal stage 2 run contiguous in IPA and PA), so its registers and table
//! descriptors hold IPAs ([`Layout::guest_tables_ipa`]), and the bytes are loaded at
//! the PA stage 2 gives them ([`Layout::guest_tables_pa`]).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::mapping::{describe, executable, pa_field};
use super::{Layout, Mapping, MappingId, PageRequest, Role, TableId, interval, range_of};
use crate::error::{Error, Field, GuestFeature, GuestNeed, Party, Space, Thing};
use crate::interval::{Interval, IntervalSet};
use crate::model::{Cores, ExecutionContext, MemAttrs, PageKind, Perms, PhysicalAddressSpace};

/// What the stage 2 pages of a VM allow at an IPA, for the guest pages drawn there:
/// adjacent stage 2 pages merge only when they allow the same and are consecutive in
/// IPA and PA (one IPA-to-PA offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct GuestSpace {
    kind: PageKind,
    perms: Perms,
    /// Executable at stage 2: kind `code`, or `x`.
    exec: bool,
    /// PA - IPA.
    delta: u64,
}

/// Who takes an IPA of a VM: a guest page (a mapping) or a guest's translation tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IpaOwner {
    Mapping(u32),
    Tables(TableId),
}

impl GuestSpace {
    /// What a guest page of `attrs` needs of this stage 2 space and it lacks, if
    /// anything.
    fn lacks(&self, attrs: &MemAttrs) -> Option<GuestNeed> {
        let device = attrs.kind.is_device();
        if device && !self.kind.is_device() {
            Some(GuestNeed::Device)
        } else if !device && self.kind.is_device() {
            Some(GuestNeed::Normal)
        } else if attrs.perms.read() && !self.perms.read() {
            Some(GuestNeed::Read)
        } else if attrs.perms.write() && !self.perms.write() {
            Some(GuestNeed::Write)
        } else if executable(attrs) && !self.exec {
            Some(GuestNeed::Execute)
        } else {
            None
        }
    }

    /// Whether a guest's translation tables may go here: a writable Normal `data` or
    /// `system` stage 2 page (the walks read it, the guest's kernel writes it).
    fn takes_tables(&self) -> bool {
        matches!(self.kind, PageKind::Data | PageKind::System)
            && self.perms.read()
            && self.perms.write()
    }
}

impl Layout {
    /// Adds a guest's stage 1 table inside virtual machine `vm`
    /// ([`add_vm`](Self::add_vm)), for `core`, of context `el` (`EL1_NS` or `EL0_NS`:
    /// stage 2 translates the Non-secure EL1&0 regime), with the virtual ranges `virt`
    /// (start, size) and the smallest VA sizes that cover them, as
    /// [`add_table`](Self::add_table).
    ///
    /// Its pages are mapped with [`map`](Self::map), [`map_shared`](Self::map_shared)
    /// (among guests of one VM) and [`map_alias`](Self::map_alias): a page's `pa` is an
    /// IPA of the VM, which must lie in stage 2 pages of the VM that allow the page's
    /// memory type and permissions; without `pa`, the IPA is drawn from such pages, the
    /// way segments are drawn from pages. Guest pages of one VM never share an IPA
    /// unless shared or aliased. [`build_translations`](Self::build_translations)
    /// places its translation tables in the VM's RAM.
    ///
    /// # Errors
    ///
    /// Those of [`add_guest_table_sized`](Self::add_guest_table_sized).
    pub fn add_guest_table(
        &mut self,
        vm: TableId,
        name: impl Into<String>,
        core: u32,
        el: ExecutionContext,
        virt: &[(u64, u64)],
    ) -> Result<TableId, Error> {
        self.add_guest_table_sized(vm, name, Cores::one(core), el, virt, None, None)
    }

    /// Adds a guest's stage 1 table inside `vm` (see
    /// [`add_guest_table`](Self::add_guest_table)) for `cores`, with explicit VA sizes
    /// as [`add_table_sized`](Self::add_table_sized).
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for a `vm` that does not exist, [`Error::NotAVm`] for a table
    /// that is not a VM, [`Error::NotInGuest`] ([`GuestFeature::Context`]) for a
    /// context other than `EL1_NS` and `EL0_NS`, and the errors of
    /// [`add_table_sized`](Self::add_table_sized).
    #[allow(clippy::too_many_arguments)]
    pub fn add_guest_table_sized(
        &mut self,
        vm: TableId,
        name: impl Into<String>,
        cores: Cores,
        el: ExecutionContext,
        virt: &[(u64, u64)],
        lower_bits: Option<u8>,
        upper_bits: Option<u8>,
    ) -> Result<TableId, Error> {
        let name = name.into();
        let vm_name = self.table_ref(vm)?.info.name().to_string();
        if !self.is_vm(vm) {
            return Err(Error::NotAVm {
                table: name,
                vm: vm_name,
            });
        }
        if el != ExecutionContext::EL1_NS && el != ExecutionContext::EL0_NS {
            return Err(Error::NotInGuest {
                table: name,
                vm: vm_name,
                feature: GuestFeature::Context { el },
                field: Field::Name,
            });
        }
        let id = self.add_table_sized(name, cores, el, virt, lower_bits, upper_bits)?;
        self.tables[id.index()].guest_of = Some(vm);
        Ok(id)
    }

    /// The VM a guest table runs in ([`add_guest_table`](Self::add_guest_table));
    /// `None` for any other table or a table that does not exist.
    pub fn guest_vm(&self, table: TableId) -> Option<TableId> {
        self.tables.get(table.index())?.guest_of
    }

    /// The guest tables of a VM, in creation order.
    pub fn guests(&self, vm: TableId) -> impl Iterator<Item = TableId> + '_ {
        self.tables().filter(move |&t| self.guest_vm(t) == Some(vm))
    }

    /// The IPA of the translation tables of a guest table, where the guest sees them
    /// (its `TTBR0_EL1`/`TTBR1_EL1` and table descriptors hold IPAs from here): set by
    /// [`build_translations`](Self::build_translations), `None` before and for other
    /// tables.
    pub fn guest_tables_ipa(&self, table: TableId) -> Option<u64> {
        Some(self.tables.get(table.index())?.guest_tables?.0)
    }

    /// The PA the bytes of a guest's translation tables must be loaded at: the stage 2
    /// translation of [`guest_tables_ipa`](Self::guest_tables_ipa).
    pub fn guest_tables_pa(&self, table: TableId) -> Option<u64> {
        Some(self.tables.get(table.index())?.guest_tables?.1)
    }

    /// Records IPA range `ipa` of VM `vm`, mapped to PA `pa` with `attrs`, as room for
    /// guest pages.
    pub(super) fn add_guest_space(
        &mut self,
        vm: TableId,
        ipa: Interval,
        pa: u64,
        attrs: &MemAttrs,
    ) {
        let space = GuestSpace {
            kind: attrs.kind,
            perms: attrs.perms,
            exec: executable(attrs),
            delta: pa.wrapping_sub(ipa.start()),
        };
        let _ = self.tables[vm.index()]
            .guest_free
            .insert_interval(ipa, space);
    }

    /// The VM of `tables` when they are guests of one VM, `None` when none is a guest;
    /// [`Error::NotInGuest`] ([`GuestFeature::Sharing`]) when a guest is among tables
    /// that are not all guests of its VM.
    pub(super) fn guests_vm(
        &self,
        tables: &[TableId],
        name: &str,
    ) -> Result<Option<TableId>, Error> {
        let Some(vm) = tables.iter().find_map(|&t| self.guest_vm(t)) else {
            return Ok(None);
        };
        match tables.iter().find(|&&t| self.guest_vm(t) != Some(vm)) {
            None => Ok(Some(vm)),
            Some(&other) => Err(self.guest_sharing(name, vm, other)),
        }
    }

    /// [`Error::NotInGuest`] ([`GuestFeature::Sharing`]) for page `name` of a guest of
    /// `vm` shared with table `other`.
    pub(super) fn guest_sharing(&self, name: &str, vm: TableId, other: TableId) -> Error {
        Error::NotInGuest {
            table: name.to_string(),
            vm: self.table_name_of(vm),
            feature: GuestFeature::Sharing {
                other: self.table_name_of(other),
            },
            field: Field::Tables,
        }
    }

    /// Maps `req` into guest tables `tables` of VM `vm` (see
    /// [`add_guest_table`](Self::add_guest_table)): its IPA fixed by `pa` (or `va`
    /// through `identity`) and checked against the VM's pages, or drawn from them.
    pub(super) fn map_guest(
        &mut self,
        vm: TableId,
        tables: &[TableId],
        req: &PageRequest,
        shared: bool,
    ) -> Result<MappingId, Error> {
        let first = tables[0];
        if let Some(pool) = &req.pool {
            return Err(Error::NotInGuest {
                table: req.name.clone(),
                vm: self.table_name_of(vm),
                feature: GuestFeature::Pool { pool: pool.clone() },
                field: Field::Pool,
            });
        }
        let (bytes, align) = self.validate(req)?;
        self.check_granule(tables, req.size, req)?;
        self.check_execute_only(req, tables.iter().copied())?;
        self.check_coherent(req, tables.iter().copied())?;
        let fixed_ipa = req.pa.or(if req.identity { req.va } else { None });
        let fixed_va = req.va.or(if req.identity { req.pa } else { None });
        if req.identity && fixed_ipa.is_none() {
            return Err(Error::NotInGuest {
                table: req.name.clone(),
                vm: self.table_name_of(vm),
                feature: GuestFeature::AutoIdentity,
                field: Field::Identity,
            });
        }
        if let Some(ipa) = fixed_ipa {
            let field = pa_field(req);
            let r = interval(ipa, bytes, &req.name, field)?;
            self.check_guest_ipa(vm, first, r, req, field)?;
        }
        if let Some(va) = fixed_va {
            self.check_fixed_va(va, bytes, req, tables)?;
        }
        self.check_secure_options(req, tables)?;
        let (ipa, pieces) = match fixed_ipa {
            Some(ipa) => {
                let pieces = self.tables[vm.index()]
                    .guest_free
                    .remove(ipa, bytes)
                    .unwrap_or_default();
                (ipa, pieces)
            }
            None => self.take_guest_ipa(vm, req, bytes, align)?,
        };
        let va_taken = fixed_va.is_none();
        let mut vas = Vec::with_capacity(tables.len());
        for &t in tables {
            let va = match fixed_va {
                Some(va) => va,
                None => match self.take_va(t, req, bytes, align) {
                    Ok(va) => va,
                    Err(e) => {
                        let free = &mut self.tables[vm.index()].guest_free;
                        for (r, s) in pieces {
                            let _ = free.insert_interval(r, s);
                        }
                        for &(t, va) in &vas {
                            self.release_va(t, va, bytes);
                        }
                        return Err(e);
                    }
                },
            };
            vas.push((t, va));
        }
        let id = self.mappings.len() as u32;
        let r = Interval::checked_by_caller(ipa, ipa + (bytes - 1));
        self.tables[vm.index()]
            .ipa_used
            .insert(r, IpaOwner::Mapping(id));
        // The IPA space of a VM is Non-secure (stage 2 of the Non-secure EL1&0 regime).
        let attrs = MemAttrs {
            pas: PhysicalAddressSpace::NonSecure,
            ..req.attrs
        };
        let role = if shared { Role::Shared } else { Role::Own };
        let placed = self.commit_vas(id, &vas, va_taken, ipa, bytes, req, attrs, role);
        self.index_name(&req.name, id);
        self.mappings.push(Mapping {
            name: req.name.clone(),
            pa: ipa,
            size: req.size,
            count: req.count,
            attrs,
            shared,
            alias_of: None,
            identity: req.identity,
            fixed: (fixed_va.is_some(), fixed_ipa.is_some()),
            tables: placed,
            seg_free: shared.then(|| {
                let mut s = IntervalSet::new();
                let _ = s.insert(0, bytes, ());
                s
            }),
            guard: req.guard,
        });
        Ok(MappingId(id))
    }

    /// Whether IPA range `r` of VM `vm` may take guest page `req` (of guest table
    /// `table`): no other guest page or guest translation table of the VM takes it, and
    /// stage 2 pages of the VM that allow the page's memory type and permissions map
    /// all of it.
    fn check_guest_ipa(
        &self,
        vm: TableId,
        table: TableId,
        r: Interval,
        req: &PageRequest,
        field: Field,
    ) -> Result<(), Error> {
        let v = &self.tables[vm.index()];
        let vm_name = v.info.name().to_string();
        let table_name = self.table_name_of(table);
        if let Some((_, &owner)) = v.ipa_used.first_overlap(&r) {
            let (with, other) = match owner {
                IpaOwner::Mapping(m) => (
                    self.mappings[m as usize].name.clone(),
                    Party::Mapping(MappingId(m)),
                ),
                IpaOwner::Tables(t) => (
                    alloc::format!("translation tables of {}", self.table_name_of(t)),
                    Party::Table(t),
                ),
            };
            return Err(Error::Overlap {
                space: Space::Ipa(vm_name),
                range: range_of(r),
                with,
                field,
                other,
            });
        }
        let mut at = r.start();
        loop {
            // Free IPA is room in a stage 2 page, which owns it in `va_used`.
            match v.guest_free.get(at).zip(v.va_used.get(at)) {
                Some(((piece, space), (_, &m))) => {
                    if let Some(needs) = space.lacks(&req.attrs) {
                        return Err(Error::GuestIpaIncompatible {
                            name: req.name.clone(),
                            range: range_of(r),
                            with: self.mappings[m as usize].name.clone(),
                            vm: vm_name,
                            needs,
                            field,
                            other: Party::Mapping(MappingId(m)),
                        });
                    }
                    if piece.last() >= r.last() {
                        return Ok(());
                    }
                    at = piece.last() + 1;
                }
                None => {
                    // Up to the next stage 2 page, or the end of the range.
                    let rest = Interval::checked_by_caller(at, r.last());
                    let end = match v.va_used.first_overlap(&rest) {
                        Some((next, _)) if next.start() > at => next.start() - 1,
                        _ => r.last(),
                    };
                    return Err(Error::GuestIpaUnmapped {
                        name: req.name.clone(),
                        table: table_name,
                        vm: vm_name,
                        range: range_of(Interval::checked_by_caller(at, end)),
                        field,
                    });
                }
            }
        }
    }

    /// Draws an IPA range of `bytes` (aligned to `align`) of VM `vm` for guest page
    /// `req` from the stage 2 pages that allow it; returns it with the pieces taken
    /// out of the VM's free IPA.
    #[allow(clippy::type_complexity)]
    fn take_guest_ipa(
        &mut self,
        vm: TableId,
        req: &PageRequest,
        bytes: u64,
        align: u64,
    ) -> Result<(u64, Vec<(Interval, GuestSpace)>), Error> {
        let crit = |s: &GuestSpace| s.lacks(&req.attrs).is_none();
        let v = &self.tables[vm.index()];
        let found = match self.rng.as_mut() {
            Some(rng) => v.guest_free.find_fit_random(bytes, align, crit, rng),
            None => v.guest_free.find_fit(bytes, align, crit),
        };
        let Some(ipa) = found else {
            return Err(Error::NoRoom {
                what: describe(req).into(),
                size: bytes,
                align,
                space: Space::Ipa(v.info.name().to_string()),
                largest: v.guest_free.largest(crit).map(range_of),
                taken: Default::default(),
            });
        };
        let pieces = self.tables[vm.index()]
            .guest_free
            .remove(ipa, bytes)
            .unwrap_or_default();
        Ok((ipa, pieces))
    }

    /// The free IPA of VM `vm` where a guest's translation tables may go: writable
    /// Normal `data` or `system` stage 2 pages that are the VM's own (not shared, not
    /// an alias, and aliased by no other page), so no other table reaches them.
    fn private_guest_ram(&self, vm: TableId) -> IntervalSet<GuestSpace> {
        let v = &self.tables[vm.index()];
        let aliased: alloc::collections::BTreeSet<u32> =
            self.mappings.iter().filter_map(|m| m.alias_of).collect();
        let private = |m: u32| {
            let mp = &self.mappings[m as usize];
            !mp.shared && mp.alias_of.is_none() && !aliased.contains(&m)
        };
        let mut room = IntervalSet::new();
        for (piece, space) in v.guest_free.iter().filter(|(_, s)| s.takes_tables()) {
            let mut at = Some(piece);
            while let Some(w) = at {
                let Some((r, &m)) = v.va_used.first_overlap(&w) else {
                    break;
                };
                if private(m)
                    && let Some(i) = r.intersect(&w)
                {
                    let _ = room.insert_interval(i, *space);
                }
                at = r
                    .last()
                    .checked_add(1)
                    .and_then(|s| Interval::from_bounds(s, w.last()));
            }
        }
        room
    }

    /// Places the translation tables of guest table `table` (`count` tables of
    /// `granule` bytes, aligned to `granule`) in the RAM of its VM: an IPA range of a
    /// writable Normal `data` or `system` stage 2 run, contiguous in IPA and PA, that
    /// no guest page takes. Returns the IPA and records it and its PA.
    pub(crate) fn place_guest_tables(
        &mut self,
        table: TableId,
        count: u64,
        granule: u64,
    ) -> Result<u64, Error> {
        let Some(vm) = self.guest_vm(table) else {
            return Err(Error::Unknown {
                what: Thing::Table,
                name: self.table_name_of(table),
                field: Field::Name,
            });
        };
        // Too many bytes finds no room, and says so.
        let bytes = count.saturating_mul(granule);
        let room = self.private_guest_ram(vm);
        let v = &self.tables[vm.index()];
        let found = match self.rng.as_mut() {
            Some(rng) => room.find_fit_random(bytes, granule, |_| true, rng),
            None => room.find_fit(bytes, granule, |_| true),
        };
        let Some(ipa) = found else {
            return Err(Error::NoRoomForTables {
                table: self.table_name_of(table),
                count,
                granule,
                space: Space::Ipa(v.info.name().to_string()),
                largest: room.largest(|_| true).map(range_of),
            });
        };
        // The room found lies in one stage 2 run of one IPA-to-PA offset.
        let Some((_, &GuestSpace { delta, .. })) = room.get(ipa) else {
            return Err(Error::NoRoomForTables {
                table: self.table_name_of(table),
                count,
                granule,
                space: Space::Ipa(v.info.name().to_string()),
                largest: room.largest(|_| true).map(range_of),
            });
        };
        let v = &mut self.tables[vm.index()];
        let _ = v.guest_free.remove(ipa, bytes);
        v.ipa_used.insert(
            Interval::checked_by_caller(ipa, ipa + (bytes - 1)),
            IpaOwner::Tables(table),
        );
        let pa = ipa.wrapping_add(delta);
        self.tables[table.index()].guest_tables = Some((ipa, pa));
        Ok(ipa)
    }
}
