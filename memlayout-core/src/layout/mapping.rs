//! Mapping pages: choosing PA and VA for page requests, shared pages, aliases and PA
//! reservations.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{
    Layout, Mapping, MappingId, PaOwner, PageRequest, Role, SegSpace, TableId, check_align,
    check_aligned, interval, range, range_of,
};
use crate::aarch64::{Format, KeptRun};
use crate::error::{Addr, Error, Field, Party, Space, Taken, Thing};
use crate::interval::{Interval, IntervalSet, intersections};
use crate::model::{
    AttrList, Cacheability, ExecutionContext, MemAttrs, Name, Page, PageKind, PageSize,
    PhysicalAddressSpace, SecurityState, Shareability,
};

impl Layout {
    /// Returns a PA range to the free PA, to the pool that holds it.
    fn give_back_pa(&mut self, pa: u64, bytes: u64) {
        if let Some(r) = Interval::new(pa, bytes)
            && let Some(pool) = self.pool_of(r)
        {
            let _ = self.pa_free.insert_interval(r, pool as u32);
        }
    }

    /// Whether the layout models security: once any pool is `non_secure`, `realm` or
    /// `root`, every unmarked pool is secure. A flag `add_pool` keeps.
    pub(crate) fn models_security(&self) -> bool {
        self.models_security
    }

    /// Whether the layout models the Realm Management Extension (FEAT_RME): once any
    /// pool is `realm` or `root`, EL3 runs in Root state. A flag `add_pool` keeps.
    pub(crate) fn models_rme(&self) -> bool {
        self.models_rme
    }

    /// The space a table of context `el` keeps its translation tables and executable
    /// pages in, once the layout models security: Realm for Realm tables; for EL3, Root
    /// once the layout models RME (with FEAT_RME, EL3 is in Root state: its walks and
    /// instruction fetches are Root accesses, and an instruction fetched from another
    /// space is a permission fault, Arm ARM R_ZWRVD), else Secure; Secure for the other
    /// secure tables (Root is not reachable from Secure state); Non-secure for
    /// non-secure tables.
    pub(crate) fn home(&self, el: ExecutionContext) -> PhysicalAddressSpace {
        match el.security() {
            SecurityState::Realm => PhysicalAddressSpace::Realm,
            SecurityState::Secure if el == ExecutionContext::EL3 && self.models_rme() => {
                PhysicalAddressSpace::Root
            }
            SecurityState::Secure => PhysicalAddressSpace::Secure,
            _ => PhysicalAddressSpace::NonSecure,
        }
    }

    /// Whether a table of context `el` reaches some PA of `pool`
    /// ([`PhysicalAddressSpace::reaches`]); always, when security is not modelled.
    fn reaches_pool(&self, el: ExecutionContext, pool: &super::Pool) -> bool {
        !self.models_security()
            || PhysicalAddressSpace::ALL
                .iter()
                .any(|&s| pool.in_space(s) && s.reaches(el))
    }

    /// Whether `pool` is in the home space of table `t` (see [`home`](Self::home)) for
    /// `req`, when `req` must stay there (see [`must_stay_home`](Self::must_stay_home)):
    /// a pool of that space only, or a non-secure pool (one in both spaces too) when the
    /// request or table opts in with `non_secure_ok`, which lifts the rule for an
    /// executable page only in a Secure home (Root and Realm state never execute from
    /// another space).
    fn in_home(&self, t: TableId, pool: &super::Pool, req: &PageRequest) -> bool {
        let tb = &self.tables[t.index()];
        let home = self.home(tb.info.el());
        if pool.only_in(home) {
            return true;
        }
        let ok = req.non_secure_ok || (req.translation && tb.non_secure_tables_ok);
        ok && pool.non_secure && (req.translation || home == PhysicalAddressSpace::Secure)
    }

    /// Whether table `t` may take `req`'s PA from `pool`: its context reaches the pool,
    /// and the pool is in its home space when `req` must stay there.
    fn may_use(&self, t: TableId, pool: &super::Pool, req: &PageRequest) -> bool {
        self.reaches_pool(self.tables[t.index()].info.el(), pool)
            && (!self.must_stay_home(t, req) || self.in_home(t, pool, req))
    }

    /// Whether `req` must keep its PA in the home space of table `t`, once the layout
    /// models security: its translation tables (a reservation for them) and executable
    /// pages (kind `code`, or execute permission) of a secure or Realm table.
    fn must_stay_home(&self, t: TableId, req: &PageRequest) -> bool {
        self.models_security()
            && self.tables[t.index()].info.el().security() != SecurityState::NonSecure
            && (req.translation || executable(&req.attrs))
    }

    /// The first of `tables` of a non-secure context, when the layout models security:
    /// such a table may only hold non-secure PA.
    pub(crate) fn non_secure_table(&self, tables: &[TableId]) -> Option<TableId> {
        if !self.models_security() {
            return None;
        }
        tables
            .iter()
            .copied()
            .find(|t| self.tables[t.index()].info.el().security() == SecurityState::NonSecure)
    }

    /// The error for PA in pool `pool` put into one of `tables` by `what` that the
    /// table's context does not reach ([`PhysicalAddressSpace::reaches`]): secure PA in a
    /// non-secure table ([`Error::SecureInNonSecure`]), Realm or Root PA outside EL3
    /// and Realm tables, Secure PA in a Realm table ([`Error::UnreachablePa`]).
    /// `what` says in words what puts the PA there, given the table that does not reach
    /// it.
    pub(crate) fn security_check(
        &self,
        what: impl Fn(TableId) -> String,
        pool: usize,
        tables: &[TableId],
        field: Field,
    ) -> Result<(), Error> {
        let Some(p) = self.pools.get(pool) else {
            return Ok(());
        };
        for &t in tables {
            let info = &self.tables[t.index()].info;
            let el = info.el();
            if self.reaches_pool(el, p) {
                continue;
            }
            let space = p.view(el, false);
            return Err(
                if el.security() == SecurityState::NonSecure
                    && space == PhysicalAddressSpace::Secure
                {
                    Error::SecureInNonSecure {
                        what: what(t),
                        table: info.name().to_string(),
                        pool: p.name.clone(),
                        field,
                    }
                } else {
                    Error::UnreachablePa {
                        what: what(t),
                        table: info.name().to_string(),
                        el,
                        pool: p.name.clone(),
                        space,
                        field,
                    }
                },
            );
        }
        Ok(())
    }

    /// The first of `tables` of a secure or Realm context that must keep `req` in its
    /// home space (see [`home`](Self::home)) and for which pool `pool` is not, if any.
    pub(crate) fn outside_home(
        &self,
        req: &PageRequest,
        tables: &[TableId],
        pool: usize,
    ) -> Option<TableId> {
        let p = self.pools.get(pool)?;
        tables
            .iter()
            .copied()
            .find(|&t| self.must_stay_home(t, req) && !self.in_home(t, p, req))
    }

    /// The error for `req` of `table` in pool `pool`, outside the table's home space:
    /// [`Error::NonSecureForSecure`] for a Secure home, else [`Error::UntrustedPa`].
    pub(crate) fn non_secure_for_secure(
        &self,
        req: &PageRequest,
        table: TableId,
        pool: usize,
        field: Field,
    ) -> Error {
        let what = if req.translation {
            String::from("the translation tables")
        } else {
            format!("executable page `{}`", req.name)
        };
        let info = &self.tables[table.index()].info;
        let p = self.pools.get(pool);
        let pool_name = p.map(|p| p.name.clone()).unwrap_or_default();
        let home = self.home(info.el());
        if home == PhysicalAddressSpace::Secure {
            return Error::NonSecureForSecure {
                what,
                table: info.name().to_string(),
                pool: pool_name,
                field,
            };
        }
        Error::UntrustedPa {
            what,
            table: info.name().to_string(),
            el: info.el(),
            pool: pool_name,
            needs: home,
            tables: req.translation,
            non_secure_ok: req.translation && p.is_some_and(|p| p.non_secure),
            field,
        }
    }

    /// For a request of several `tables` that no pool of its kind (`kind`) suits: the
    /// error of a table that refuses a pool the first table may use, if any.
    fn no_common_space(
        &self,
        req: &PageRequest,
        tables: &[TableId],
        kind: &[bool],
    ) -> Option<Error> {
        let first = tables[0];
        let field = match secure_field(req) {
            Field::Name => Field::Tables,
            f => f,
        };
        let i =
            (0..self.pools.len()).find(|&i| kind[i] && self.may_use(first, &self.pools[i], req))?;
        if let Err(e) = self.security_check(|_| what_of(req), i, tables, field) {
            return Some(e);
        }
        self.outside_home(req, tables, i)
            .map(|t| self.non_secure_for_secure(req, t, i, field))
    }

    /// The pools a request may draw from. Once the layout models security, a request
    /// mapped into a table of a non-secure context may only use non-secure pools (its
    /// output PA is always non-secure); otherwise it takes the pools every one of its
    /// tables reaches ([`PhysicalAddressSpace::reaches`]), only those of each table's
    /// home space for what must stay there (see [`must_stay_home`](Self::must_stay_home)),
    /// and prefers pools of the home space of its secure and Realm tables.
    fn pool_filter(&self, req: &PageRequest, tables: &[TableId]) -> Result<PoolChoice, Error> {
        let device = req.attrs.kind.is_device();
        let ns_table = self.non_secure_table(tables);
        match &req.pool {
            Some(name) => {
                let i = self
                    .pools
                    .iter()
                    .position(|p| &p.name == name)
                    .ok_or(Error::Unknown {
                        what: Thing::Pool,
                        name: name.clone(),
                        field: Field::Pool,
                    })?;
                let p = &self.pools[i];
                if p.device != device {
                    return Err(Error::PoolKindMismatch {
                        name: req.name.clone(),
                        kind: req.attrs.kind,
                        pool: p.name.clone(),
                        pool_device: p.device,
                        field: pool_field(req),
                    });
                }
                self.security_check(|_| what_of(req), i, tables, secure_field(req))?;
                if let Some(t) = self.outside_home(req, tables, i) {
                    return Err(self.non_secure_for_secure(req, t, i, Field::Pool));
                }
                Ok(PoolChoice {
                    preferred: None,
                    all: (0..self.pools.len()).map(|k| k == i).collect(),
                    non_secure_only: false,
                    secure_only: None,
                })
            }
            None => {
                // The non-secure view of a secure table's page exists only in pools
                // declared in both spaces: an automatic PA is drawn from those (a fixed
                // one is checked against its pool when the page is committed).
                let dual_only = req.non_secure_view && req.pa.is_none();
                let kind: Vec<bool> = self
                    .pools
                    .iter()
                    .map(|p| p.device == device && (!dual_only || p.is_dual_view()))
                    .collect();
                if ns_table.is_some() {
                    let all = self
                        .pools
                        .iter()
                        .zip(&kind)
                        .map(|(p, &k)| k && p.non_secure)
                        .collect();
                    return Ok(PoolChoice {
                        preferred: None,
                        all,
                        non_secure_only: true,
                        secure_only: None,
                    });
                }
                if !self.models_security() || tables.is_empty() {
                    return Ok(PoolChoice {
                        preferred: None,
                        all: kind,
                        non_secure_only: false,
                        secure_only: None,
                    });
                }
                let all: Vec<bool> = self
                    .pools
                    .iter()
                    .zip(&kind)
                    .map(|(p, &k)| k && tables.iter().all(|&t| self.may_use(t, p, req)))
                    .collect();
                // Tables with no space in common (a page shared by a Realm and a secure
                // table without non-secure pools): say which table refuses the pools
                // the first one may use, rather than "no room".
                if tables.len() > 1
                    && !all.iter().any(|&a| a)
                    && let Some(e) = self.no_common_space(req, tables, &kind)
                {
                    return Err(e);
                }
                let at_home = |p: &super::Pool| {
                    tables
                        .iter()
                        .all(|&t| p.only_in(self.home(self.tables[t.index()].info.el())))
                };
                // What must stay home without an opt-in that lifts the rule: a no-room
                // error names the pools of that space.
                let strict = tables.iter().copied().find(|&t| {
                    self.must_stay_home(t, req)
                        && self
                            .pools
                            .iter()
                            .any(|p| p.device == device && !self.in_home(t, p, req))
                });
                let secure_only = strict.map(|t| {
                    let home = self.home(self.tables[t.index()].info.el());
                    let of_kind = |home_pool: bool| -> Vec<String> {
                        self.pools
                            .iter()
                            .filter(|p| {
                                p.device == device
                                    && self.reaches_pool(self.tables[t.index()].info.el(), p)
                            })
                            .filter(|p| self.in_home(t, p, req) == home_pool)
                            .map(|p| p.name.clone())
                            .collect()
                    };
                    if home == PhysicalAddressSpace::Secure {
                        Space::Secure {
                            tried: of_kind(true).into(),
                            refused: of_kind(false).into(),
                        }
                    } else {
                        Space::Trusted {
                            space: home,
                            tried: of_kind(true).into(),
                        }
                    }
                });
                let preferred: Vec<bool> = self
                    .pools
                    .iter()
                    .zip(&all)
                    .map(|(p, &a)| a && at_home(p))
                    .collect();
                let preferred =
                    (preferred.iter().any(|&m| m) && preferred != all).then_some(preferred);
                Ok(PoolChoice {
                    preferred,
                    all,
                    non_secure_only: false,
                    secure_only,
                })
            }
        }
    }

    pub(super) fn pool_of(&self, r: Interval) -> Option<usize> {
        self.pools.iter().position(|p| p.range.covers(&r))
    }

    /// Maps `req` into one table. In a guest table
    /// ([`add_guest_table`](Self::add_guest_table)) the page's `pa` is an IPA of its VM,
    /// fixed or drawn from the VM's stage 2 pages of a compatible kind, and the pools are
    /// not used ([`Error::GuestIpaUnmapped`], [`Error::GuestIpaIncompatible`],
    /// [`Error::NotInGuest`]).
    pub fn map(&mut self, table: TableId, req: &PageRequest) -> Result<MappingId, Error> {
        self.table_ref(table)?;
        self.map_into(&[table], req, false)
    }

    /// Maps `req` as a cross-core page: one PA range mapped into every listed table (or
    /// every table but the virtual machines and their guests when `tables` is `None`: a
    /// VM ([`add_vm`](Self::add_vm)) shares memory only when listed), each at its own
    /// VA. Guest tables ([`add_guest_table`](Self::add_guest_table)) share a page only
    /// among guests of one VM, at one IPA.
    pub fn map_shared(
        &mut self,
        tables: Option<&[TableId]>,
        req: &PageRequest,
    ) -> Result<MappingId, Error> {
        let all: Vec<TableId> = match tables {
            Some(ts) => {
                for &t in ts {
                    self.table_ref(t)?;
                }
                let mut v = ts.to_vec();
                v.sort();
                v.dedup();
                v
            }
            // Every table but the virtual machines: a VM reaches only memory shared
            // with it by name.
            // Nor their guests, whose addresses are IPAs.
            None => self
                .tables()
                .filter(|&t| !self.is_vm(t) && self.guest_vm(t).is_none())
                .collect(),
        };
        if all.is_empty() {
            return Err(Error::NoTables {
                name: req.name.clone(),
            });
        }
        self.map_into(&all, req, true)
    }

    /// The granule rules of a request of pages of `size` into `tables`: one granule
    /// among them ([`Error::GranulesDiffer`]), a size that granule maps
    /// ([`Error::SizeNotInGranule`]; the largest blocks need 52-bit addresses, which
    /// the build checks) and a guard that is a multiple of it.
    pub(super) fn check_granule(
        &self,
        tables: &[TableId],
        size: PageSize,
        req: &PageRequest,
    ) -> Result<(), Error> {
        let Some(&first) = tables.first() else {
            return Ok(());
        };
        let granule = self.tables[first.index()].granule;
        if let Some(&other) = tables
            .iter()
            .find(|t| self.tables[t.index()].granule != granule)
        {
            return Err(Error::GranulesDiffer {
                name: req.name.clone(),
                first: (self.tables[first.index()].info.name().to_string(), granule),
                second: (
                    self.tables[other.index()].info.name().to_string(),
                    self.tables[other.index()].granule,
                ),
            });
        }
        let format = Format {
            granule,
            oa52: true,
        };
        if !format.allows(size) {
            return Err(Error::SizeNotInGranule {
                name: req.name.clone(),
                size,
                table: self.tables[first.index()].info.name().to_string(),
                granule,
            });
        }
        super::guard::check_guard(req, granule.bytes())
    }

    /// An execute-only page may be mapped by EL0 tables and virtual machines (whose
    /// stage 2 grants execution through XN alone) only (see
    /// [`Error::ExecuteOnlyNotUser`]).
    pub(super) fn check_execute_only(
        &self,
        req: &PageRequest,
        tables: impl IntoIterator<Item = TableId>,
    ) -> Result<(), Error> {
        if !req.attrs.perms.execute_only() {
            return Ok(());
        }
        let privileged = tables
            .into_iter()
            .filter_map(|t| self.tables.get(t.index()))
            .find(|t| !t.info.el().is_user() && t.vmid.is_none());
        match privileged {
            Some(t) => Err(Error::ExecuteOnlyNotUser {
                name: req.name.clone(),
                table: String::from(t.info.name()),
                el: t.info.el(),
            }),
            None => Ok(()),
        }
    }

    /// `non_secure_view` only changes a page a table of the Secure state maps, and
    /// `non_secure_ok` only an executable page of a table whose home is the Secure
    /// space: anywhere else they are [`Error::OptionWithoutEffect`].
    pub(super) fn check_secure_options(
        &self,
        req: &PageRequest,
        tables: &[TableId],
    ) -> Result<(), Error> {
        use crate::error::NoEffect;
        let infos = || {
            tables
                .iter()
                .filter_map(|t| self.tables.get(t.index()))
                .map(|t| &t.info)
        };
        let Some(first) = infos().next() else {
            return Ok(());
        };
        let not_secure = || NoEffect::NotSecure {
            table: String::from(first.name()),
            el: first.el(),
        };
        // `non_secure_view` selects the view of a table of the Secure state.
        if req.non_secure_view && !infos().any(|i| i.el().security() == SecurityState::Secure) {
            return Err(Error::OptionWithoutEffect {
                name: req.name.clone(),
                option: "non_secure_view",
                reason: not_secure(),
                field: Field::NonSecureView,
            });
        }
        // `non_secure_ok` lifts the rule for the executable pages of a table whose home
        // is the Secure space; an EL3 table in Root state never executes from
        // non-secure memory.
        if req.non_secure_ok {
            let reason = if !infos().any(|i| self.home(i.el()) == PhysicalAddressSpace::Secure) {
                match infos().find(|i| i.el().security() == SecurityState::Secure) {
                    Some(root) => Some(NoEffect::RootState {
                        table: String::from(root.name()),
                    }),
                    None => Some(not_secure()),
                }
            } else if !executable(&req.attrs) {
                Some(NoEffect::NotExecutable)
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(Error::OptionWithoutEffect {
                    name: req.name.clone(),
                    option: "non_secure_ok",
                    reason,
                    field: Field::NonSecureOk,
                });
            }
        }
        Ok(())
    }

    /// A `non_shareable` Normal page may be mapped for one core only: the cores of
    /// `tables` must all be that core (Device memory is always Outer Shareable, so its
    /// option does not count).
    pub(super) fn check_coherent(
        &self,
        req: &PageRequest,
        tables: impl IntoIterator<Item = TableId>,
    ) -> Result<(), Error> {
        if req.attrs.kind.is_device() || req.attrs.share != Shareability::NonShareable {
            return Ok(());
        }
        let mut only: Option<u32> = None;
        for t in tables {
            let Some(table) = self.tables.get(t.index()) else {
                continue;
            };
            let cores = table.info.cores();
            let first = *only.get_or_insert(cores.first());
            let other = if cores.first() != first {
                Some(cores.first())
            } else if cores.len() > 1 {
                // The table's lowest core after its first (bit d of the mask is core
                // first + d).
                Some(cores.first() + (cores.mask() & !1).trailing_zeros())
            } else {
                None
            };
            if let Some(other) = other {
                return Err(Error::NonShareableAcrossCores {
                    name: req.name.clone(),
                    cores: [first, other],
                });
            }
        }
        Ok(())
    }

    pub(super) fn validate(&self, req: &PageRequest) -> Result<(u64, u64), Error> {
        if req.count == 0 {
            return Err(Error::ZeroCount {
                name: req.name.clone(),
            });
        }
        check_align(req.align)?;
        let bytes = req.bytes();
        let align = req.align.max(req.size.bytes());
        if req.attrs.kind.is_device() && req.attrs.perms.execute() {
            return Err(Error::ExecutableDevice {
                name: req.name.clone(),
            });
        }
        system_attrs(req)?;
        let fixed_pa = req.pa.is_some() || (req.identity && req.va.is_some());
        if req.attrs.kind.is_device() && !fixed_pa {
            return Err(Error::DeviceWithoutPa {
                name: req.name.clone(),
            });
        }
        for (addr, v, field) in [(Addr::Va, req.va, Field::Va), (Addr::Pa, req.pa, Field::Pa)] {
            if let Some(v) = v {
                check_aligned(addr, v, align, &req.name, field)?;
                interval(v, bytes, &req.name, field)?;
            }
        }
        if req.identity
            && let (Some(va), Some(pa)) = (req.va, req.pa)
            && va != pa
        {
            return Err(Error::IdentityConflict {
                name: req.name.clone(),
                va,
                pa,
            });
        }
        Ok((bytes, align))
    }

    /// Picks a PA range for a request and takes it out of the free PA.
    fn take_pa(
        &mut self,
        req: &PageRequest,
        bytes: u64,
        align: u64,
        pools: &[bool],
    ) -> Result<u64, Error> {
        let found = match self.rng.as_mut() {
            Some(rng) => self
                .pa_free
                .take_random(bytes, align, |&p| pools[p as usize], rng)
                .map(|r| r.start()),
            None => {
                let at = self.pa_free.find_fit(bytes, align, |&p| pools[p as usize]);
                at.filter(|&at| self.pa_free.remove(at, bytes).is_ok())
            }
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = self
                .pools
                .iter()
                .zip(pools)
                .filter(|(_, on)| **on)
                .map(|(p, _)| p.name.as_str())
                .collect();
            let space = if names.len() == 1 {
                Space::Pool(names[0].to_string())
            } else if names.is_empty() {
                Space::Pool(String::from(if req.attrs.kind.is_device() {
                    "(no device pool declared)"
                } else {
                    "(no RAM pool declared)"
                }))
            } else {
                Space::Physical
            };
            Error::NoRoom {
                what: describe(req).into(),
                size: bytes,
                align,
                space,
                largest: self.pa_free.largest(|&p| pools[p as usize]).map(range_of),
                taken: self.fixed_in_pools(pools).into(),
            }
        })
    }

    /// Up to three fixed declarations (pages at a fixed PA, reservations) in the pools
    /// flagged in `pools`, lowest address first.
    fn fixed_in_pools(&self, pools: &[bool]) -> Vec<Taken> {
        let mut v: Vec<Taken> = self
            .pa_used
            .iter()
            .filter(|(r, _)| {
                self.pool_of(*r)
                    .is_some_and(|p| pools.get(p).copied().unwrap_or(false))
            })
            .filter_map(|(r, &owner)| {
                let fixed = match owner {
                    PaOwner::Mapping(m) => self.mappings[m as usize].fixed.1,
                    PaOwner::Reservation(_) => true,
                };
                let (by, party) = self.owner(owner);
                fixed.then_some(Taken {
                    addr: Addr::Pa,
                    at: r.start(),
                    by,
                    party,
                })
            })
            .collect();
        v.sort_by_key(|t| t.at);
        v.truncate(3);
        v
    }

    /// Up to three pages at a fixed VA in a table, lowest address first.
    fn fixed_in_table(&self, table: TableId) -> Vec<Taken> {
        let mut v: Vec<Taken> = self.tables[table.index()]
            .va_used
            .iter()
            .filter(|(_, m)| self.mappings[**m as usize].fixed.0)
            .map(|(r, &m)| Taken {
                addr: Addr::Va,
                at: r.start(),
                by: self.mappings[m as usize].name.clone(),
                party: Party::Mapping(MappingId(m)),
            })
            .collect();
        v.sort_by_key(|t| t.at);
        v.truncate(3);
        v
    }

    /// Picks a VA range of a table for a request and takes it out of the table's free VA.
    pub(super) fn take_va(
        &mut self,
        table: TableId,
        req: &PageRequest,
        bytes: u64,
        align: u64,
    ) -> Result<u64, Error> {
        // A kernel's lower range is what it boots through (its processes' ranges take
        // `TTBR0` once one is loaded), so automatic placement puts its pages in its upper
        // range: hide the lower free VA while choosing. Fixed and identity pages still
        // go to the lower range.
        let hidden: Vec<Interval> = if self.kernel_places_upper(table) {
            let t = &mut self.tables[table.index()];
            let lower: Vec<Interval> = t
                .va_free
                .iter()
                .map(|(r, _)| r)
                .filter(|r| r.start() < UPPER_HALF)
                .collect();
            for r in &lower {
                let _ = t.va_free.remove_interval(*r);
            }
            lower
        } else {
            Vec::new()
        };
        let t = &mut self.tables[table.index()];
        // Automatic placement never hands out the first page of the VA space, so a null
        // pointer never reaches mapped memory: hide it while choosing.
        let hide_null = t.va_free.contains(0, NULL_PAGE);
        let found = if req.guard > 0 {
            self.take_guarded_va(table, bytes, align, req.guard, NULL_PAGE)
        } else {
            self.take_unguarded_va(table, bytes, align, hide_null)
        };
        // The error describes the VA the choice could use: a kernel's upper range.
        let t = &self.tables[table.index()];
        let result = found.ok_or_else(|| match self.guard_no_room(table, req, bytes, align) {
            Some(e) => e,
            None => Error::NoRoom {
                what: describe(req).into(),
                size: bytes,
                align,
                space: Space::Virtual(t.info.name().to_string()),
                largest: t.va_free.largest(|_| true).map(range_of),
                taken: self.fixed_in_table(table).into(),
            },
        });
        let t = &mut self.tables[table.index()];
        for r in hidden {
            let _ = t.va_free.insert_interval(r, ());
        }
        result
    }

    /// Whether automatic placement in `table` uses only its upper range: the table is a
    /// kernel (processes run under it) with an upper range.
    fn kernel_places_upper(&self, table: TableId) -> bool {
        self.tables[table.index()].upper_bits.is_some()
            && self.tables.iter().any(|t| t.kernel == Some(table))
    }

    /// Picks a VA range of a table for a request without a guard, lowest fitting or at
    /// random, and takes it out of the table's free VA.
    fn take_unguarded_va(
        &mut self,
        table: TableId,
        bytes: u64,
        align: u64,
        hide_null: bool,
    ) -> Option<u64> {
        let t = &mut self.tables[table.index()];
        if hide_null {
            let _ = t.va_free.remove(0, NULL_PAGE);
        }
        let found = match self.rng.as_mut() {
            Some(rng) => t
                .va_free
                .take_random(bytes, align, |_| true, rng)
                .map(|r| r.start()),
            None => {
                let at = t.va_free.find_fit(bytes, align, |_| true);
                at.filter(|&at| t.va_free.remove(at, bytes).is_ok())
            }
        };
        if hide_null {
            let _ = t.va_free.insert(0, NULL_PAGE, ());
        }
        found
    }

    fn choose_identity(
        &mut self,
        tables: &[TableId],
        req: &PageRequest,
        bytes: u64,
        align: u64,
        pools: &[bool],
    ) -> Result<u64, Error> {
        let mut common: Vec<Interval> = {
            let t = &self.tables[tables[0].index()];
            intersections(&self.pa_free, &t.va_free, |&p| pools[p as usize], |_| true)
        };
        for &tid in &tables[1..] {
            let mut next = IntervalSet::new();
            for c in &common {
                let _ = next.insert_interval(*c, ());
            }
            common = intersections(&next, &self.tables[tid.index()].va_free, |_| true, |_| true);
        }
        // Never VA 0 (see `take_va`): only a fixed `va 0` or `pa 0` maps it.
        let common: Vec<Interval> = common
            .into_iter()
            .filter_map(|c| Interval::from_bounds(c.start().max(NULL_PAGE), c.last()))
            .filter_map(|c| {
                if req.guard == 0 {
                    return Some(c);
                }
                // Room for the gaps in every table.
                tables.iter().try_fold(c, |c, t| {
                    Self::guard_window(&self.tables[t.index()], c, req.guard)
                })
            })
            .collect();
        let fitting: Vec<&Interval> = common
            .iter()
            .filter(|c| c.fit(bytes, align).is_some())
            .collect();
        let pick = match (self.rng.as_mut(), fitting.len()) {
            (_, 0) => None,
            (Some(rng), n) => {
                let c = fitting[rng.below(n as u64) as usize];
                c.random_fit(bytes, align, rng)
            }
            (None, _) => fitting[0].fit(bytes, align),
        };
        pick.ok_or_else(|| Error::IdentityImpossible {
            name: req.name.clone(),
            size: bytes,
            align,
            table: self.tables[tables[0].index()].info.name().to_string(),
            largest: common
                .iter()
                .max_by_key(|c| (c.size(), u64::MAX - c.start()))
                .map(|c| range_of(*c)),
            taken: self.identity_blockers(tables, bytes, align, pools).into(),
        })
    }

    /// [`Error::SamePaInTwoTables`] when fixed PA `r` is already mapped by a private page
    /// of other tables with the same memory kind: the same memory declared twice, which
    /// cannot move, rather than two things that overlap.
    fn shared_pa_hint(&self, r: Interval, req: &PageRequest, tables: &[TableId]) -> Option<Error> {
        let field = pa_field(req);
        let (_, &PaOwner::Mapping(m)) = self.pa_used.first_overlap(&r)? else {
            return None;
        };
        let other = &self.mappings[m as usize];
        let (&(first, ..), rest) = other.tables.split_first()?;
        if other.shared
            || other.alias_of.is_some()
            || other.attrs.kind != req.attrs.kind
            || !rest.is_empty()
            || tables.contains(&first)
        {
            return None;
        }
        Some(Error::SamePaInTwoTables {
            name: req.name.clone(),
            range: range_of(r),
            with: other.name.clone(),
            with_table: self.tables[first.index()].info.name().to_string(),
            field,
            other: Party::Mapping(MappingId(m)),
        })
    }

    /// What keeps an identity request out of the ranges that would fit it on one side:
    /// mappings at VAs of free PA ranges that fit, and owners of PAs of free VA ranges
    /// that fit. At most three, each named once; a bounded number of ranges is looked at.
    fn identity_blockers(
        &self,
        tables: &[TableId],
        bytes: u64,
        align: u64,
        pools: &[bool],
    ) -> Vec<Taken> {
        const MAX: usize = 3;
        const RANGES: usize = 64;
        let mut out: Vec<Taken> = Vec::new();
        let push = |out: &mut Vec<Taken>, t: Taken| {
            if out.len() < MAX && !out.iter().any(|o| o.by == t.by && o.addr == t.addr) {
                out.push(t);
            }
        };
        // Free PA that fits, whose VA is taken.
        let pa_fits = self
            .pa_free
            .iter()
            .filter(|(c, p)| {
                pools.get(**p as usize).copied().unwrap_or(false) && c.fit(bytes, align).is_some()
            })
            .take(RANGES);
        for (c, _) in pa_fits {
            for &t in tables {
                let used = &self.tables[t.index()].va_used;
                let mut window = Some(c);
                while let Some(w) = window
                    && out.len() < MAX
                {
                    let Some((r, &m)) = used.first_overlap(&w) else {
                        break;
                    };
                    let by = self.mappings[m as usize].name.clone();
                    push(
                        &mut out,
                        Taken {
                            addr: Addr::Va,
                            at: r.start().max(w.start()),
                            by,
                            party: Party::Mapping(MappingId(m)),
                        },
                    );
                    window = r
                        .last()
                        .checked_add(1)
                        .and_then(|s| Interval::from_bounds(s, w.last()));
                }
            }
        }
        // Free VA that fits, whose PA (in a pool the request may use) is taken.
        let allowed: Vec<Interval> = self
            .pools
            .iter()
            .zip(pools)
            .filter(|(_, on)| **on)
            .map(|(p, _)| p.range)
            .collect();
        for &t in tables {
            let va_fits = self.tables[t.index()]
                .va_free
                .iter()
                .filter(|(c, _)| c.fit(bytes, align).is_some())
                .take(RANGES);
            let windows =
                va_fits.flat_map(|(c, _)| allowed.iter().filter_map(move |p| p.intersect(&c)));
            for c in windows {
                let mut window = Some(c);
                while let Some(w) = window
                    && out.len() < MAX
                {
                    let Some((r, &owner)) = self.pa_used.first_overlap(&w) else {
                        break;
                    };
                    let (by, party) = self.owner(owner);
                    push(
                        &mut out,
                        Taken {
                            addr: Addr::Pa,
                            at: r.start().max(w.start()),
                            by,
                            party,
                        },
                    );
                    window = r
                        .last()
                        .checked_add(1)
                        .and_then(|s| Interval::from_bounds(s, w.last()));
                }
            }
        }
        out
    }

    /// Whether fixed PA range `pa .. pa + bytes` of a request is free, in a pool the
    /// request may use (`pools`), and reachable from all of `tables`.
    fn check_fixed_pa(
        &self,
        pa: u64,
        bytes: u64,
        req: &PageRequest,
        tables: &[TableId],
        pools: &[bool],
    ) -> Result<(), Error> {
        let field = pa_field(req);
        let r = interval(pa, bytes, &req.name, field)?;
        self.pa_limit(r, field)?;
        let Some(p) = self.pool_of(r) else {
            return Err(Error::OutsidePools {
                addr: Addr::Pa,
                range: range_of(r),
                space: Space::Physical,
                field,
            });
        };
        self.security_check(|_| what_of(req), p, tables, secure_field(req))?;
        if let Some(t) = self.outside_home(req, tables, p) {
            return Err(self.non_secure_for_secure(req, t, p, field));
        }
        if !pools.get(p).copied().unwrap_or(false) {
            let pool = &self.pools[p];
            if pool.device != req.attrs.kind.is_device() {
                return Err(Error::PoolKindMismatch {
                    name: req.name.clone(),
                    kind: req.attrs.kind,
                    pool: pool.name.clone(),
                    pool_device: pool.device,
                    field: pool_field(req),
                });
            }
            return Err(Error::OutsidePools {
                addr: Addr::Pa,
                range: range_of(r),
                space: Space::Pool(req.pool.clone().unwrap_or_default()),
                field,
            });
        }
        if !self.pa_free.contains(pa, bytes) {
            if let Some(e) = self.vm_isolation(r, &req.name, tables, field) {
                return Err(e);
            }
            return Err(self
                .shared_pa_hint(r, req, tables)
                .unwrap_or_else(|| self.pa_collision(r, field)));
        }
        Ok(())
    }

    fn map_into(
        &mut self,
        tables: &[TableId],
        req: &PageRequest,
        shared: bool,
    ) -> Result<MappingId, Error> {
        // Guest pages take IPAs of their VM, not PA of the pools.
        if let Some(vm) = self.guests_vm(tables, &req.name)? {
            return self.map_guest(vm, tables, req, shared);
        }
        let (bytes, align) = self.validate(req)?;
        self.check_granule(tables, req.size, req)?;
        self.check_execute_only(req, tables.iter().copied())?;
        self.check_coherent(req, tables.iter().copied())?;
        let choice = self.pool_filter(req, tables)?;
        let pools = &choice.all;
        // Fixed addresses: check they are free.
        let fixed_pa = req.pa.or(if req.identity { req.va } else { None });
        let fixed_va = req.va.or(if req.identity { req.pa } else { None });
        if let Some(pa) = fixed_pa {
            self.check_fixed_pa(pa, bytes, req, tables, pools)?;
        }
        if let Some(va) = fixed_va {
            self.check_fixed_va(va, bytes, req, tables)?;
        }
        // After the checks of where the page may go, whose errors say more.
        self.check_secure_options(req, tables)?;
        // Ranges the allocator picks are taken out of the free sets as they are picked
        // (and given back if a later step fails); fixed and identity ranges are taken
        // at commit.
        let pa_taken = fixed_pa.is_none() && !req.identity;
        let pa = match fixed_pa {
            Some(pa) => pa,
            None if req.identity && fixed_va.is_none() => {
                choice.first_ok(|f| self.choose_identity(tables, req, bytes, align, f))?
            }
            None => choice
                .first_ok(|f| self.take_pa(req, bytes, align, f))
                .map_err(|e| {
                    let fit = self.secure_fit(req.attrs.kind.is_device(), bytes, align);
                    choice.explain(e, fit)
                })?,
        };
        // The non-secure view is a view of a pool in both spaces.
        if req.non_secure_view
            && let Some(p) = Interval::new(pa, bytes).and_then(|r| self.pool_of(r))
            && !self.pools[p].is_dual_view()
        {
            if pa_taken {
                self.give_back_pa(pa, bytes);
            }
            return Err(Error::NonSecureViewNotDual {
                name: req.name.clone(),
                pool: self.pools[p].name.clone(),
                field: Field::NonSecureView,
            });
        }
        // What must stay in secure memory, mapped also by a non-secure table (whose PA
        // is non-secure), or placed by identity.
        if let Some(p) = Interval::new(pa, bytes).and_then(|r| self.pool_of(r))
            && let Some(t) = self.outside_home(req, tables, p)
        {
            if pa_taken {
                self.give_back_pa(pa, bytes);
            }
            let field = match secure_field(req) {
                Field::Name if req.identity => Field::Identity,
                Field::Name => Field::Tables,
                f => f,
            };
            return Err(self.non_secure_for_secure(req, t, p, field));
        }
        let va_taken = fixed_va.is_none() && !req.identity;
        let mut vas = Vec::with_capacity(tables.len());
        for &t in tables {
            let va = match fixed_va {
                Some(va) => va,
                None if req.identity => pa,
                None => match self.take_va(t, req, bytes, align) {
                    Ok(va) => va,
                    Err(e) => {
                        // Give back what this request took so far.
                        if pa_taken {
                            self.give_back_pa(pa, bytes);
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
        // Commit.
        let id = self.mappings.len() as u32;
        let pool = self
            .pool_of(Interval::checked_by_caller(pa, pa + (bytes - 1)))
            .unwrap_or(0);
        // The first table's view of the pool (`Pool::view`); each table's page gets its
        // own view in `commit_vas`.
        let pas = match (self.pools.get(pool), vas.first()) {
            (Some(p), Some(&(t, _))) => {
                p.view(self.tables[t.index()].info.el(), req.non_secure_view)
            }
            _ => PhysicalAddressSpace::Secure,
        };
        let attrs = MemAttrs { pas, ..req.attrs };
        let pa_range = Interval::checked_by_caller(pa, pa + (bytes - 1));
        if !pa_taken {
            let _ = self.pa_free.remove_interval(pa_range);
        }
        // Taken from the free set, so disjoint from everything used.
        self.pa_used.insert(pa_range, PaOwner::Mapping(id));
        let role = if shared { Role::Shared } else { Role::Own };
        let tables = self.commit_vas(id, &vas, va_taken, pa, bytes, req, attrs, role);
        self.index_name(&req.name, id);
        self.mappings.push(Mapping {
            name: req.name.clone(),
            pa,
            size: req.size,
            count: req.count,
            attrs,
            shared,
            alias_of: None,
            identity: req.identity,
            fixed: (fixed_va.is_some(), fixed_pa.is_some()),
            tables,
            seg_free: shared.then(|| {
                let mut s = IntervalSet::new();
                let _ = s.insert(0, bytes, ());
                s
            }),
            guard: req.guard,
        });
        Ok(MappingId(id))
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn commit_vas(
        &mut self,
        id: u32,
        vas: &[(TableId, u64)],
        va_taken: bool,
        pa: u64,
        bytes: u64,
        req: &PageRequest,
        attrs: MemAttrs,
        role: Role,
    ) -> Vec<(TableId, u64, u32)> {
        let shared = role == Role::Shared;
        let name = Name::from(req.name.clone());
        // Each table maps its own view of the pool (`Pool::view`): of a pool in both
        // spaces, the one of its security state.
        // Guest pages map IPAs, which no pool holds.
        let guest = vas
            .first()
            .is_some_and(|&(t, _)| self.guest_vm(t).is_some());
        let pool = match guest {
            true => None,
            false => Interval::new(pa, bytes).and_then(|r| self.pool_of(r)),
        };
        let custom = AttrList::from(req.custom.clone());
        let mut out = Vec::with_capacity(vas.len());
        for &(t, va) in vas {
            out.push((t, va, self.pages.len() as u32));
            let tb = &mut self.tables[t.index()];
            let va_range = Interval::checked_by_caller(va, va + (bytes - 1));
            if !va_taken {
                let _ = tb.va_free.remove_interval(va_range);
            }
            // Taken from the free set, so disjoint from everything used.
            tb.va_used.insert(va_range, id);
            if req.guard > 0 {
                self.commit_gaps(t, id, va, bytes, req.guard);
            }
            let tb = &mut self.tables[t.index()];
            if role == Role::Own && matches!(attrs.kind, PageKind::Code | PageKind::Data) {
                // Indexed for segments when the next segment of the table is placed.
                let space = SegSpace {
                    kind: attrs.kind,
                    perms: attrs.perms,
                    delta: pa.wrapping_sub(va),
                };
                tb.seg_pending.push((va_range, space));
            }
            let attrs = MemAttrs {
                pas: pool.map_or(attrs.pas, |p| {
                    self.pools[p].view(tb.info.el(), req.non_secure_view)
                }),
                ..attrs
            };
            for k in 0..req.count {
                let off = u64::from(k) * req.size.bytes();
                let page = Page::new(
                    name.clone(),
                    k,
                    &tb.info,
                    va + off,
                    pa + off,
                    req.size,
                    attrs,
                    shared,
                    custom.clone(),
                )
                .with_identity(req.identity)
                .with_guard(req.guard);
                tb.pages.push(self.pages.len() as u32);
                self.pages.push(page);
            }
            // A mapping is one run of each table it is in, from its first page there.
            let first = out.len() - 1;
            if out.iter().position(|(other, ..)| *other == t) == Some(first)
                && let Some(run) = KeptRun::new(&self.pages, out[first].2, req.count)
            {
                self.tables[t.index()].runs.push(run);
            }
            // A VM's page is room for its guests' pages at its IPA.
            if self.is_vm(t) {
                self.add_guest_space(t, va_range, pa, &attrs);
            }
        }
        out
    }

    /// A fixed VA `va .. va + bytes` of request `req` is free in each of `tables` and
    /// outside their guard gaps.
    pub(super) fn check_fixed_va(
        &self,
        va: u64,
        bytes: u64,
        req: &PageRequest,
        tables: &[TableId],
    ) -> Result<(), Error> {
        let field = va_field(req);
        let r = interval(va, bytes, &req.name, field)?;
        for &t in tables {
            let tb = &self.tables[t.index()];
            if !tb.va_free.contains(va, bytes) {
                return Err(self.va_collision(tb, r, &req.name, field));
            }
            self.check_gaps_free(t, va, bytes, req)?;
        }
        Ok(())
    }

    pub(super) fn index_name(&mut self, name: &str, id: u32) {
        match self.by_name.get_mut(name) {
            Some(v) => v.push(id),
            None => {
                self.by_name.insert(name.to_string(), alloc::vec![id]);
            }
        }
    }

    /// Maps the PA of an existing mapping again, at a new VA in `table` (an alias), with
    /// the attributes and name of `req` (its size, count and addresses other than `va` are
    /// ignored). Memory type (with the Device type), cacheability and shareability must match the original:
    /// the Arm architecture forbids mismatched aliases. With `req.identity()`, the alias
    /// sits at VA == the PA it maps; that VA must be free and inside the table's ranges.
    /// A secure PA aliased into a table of a non-secure context is
    /// [`Error::SecureInNonSecure`] once the layout has `non_secure` pools.
    pub fn map_alias(
        &mut self,
        table: TableId,
        of: MappingId,
        req: &PageRequest,
    ) -> Result<MappingId, Error> {
        self.table_ref(table)?;
        let orig = self
            .mappings
            .get(of.index())
            .ok_or(Error::Unknown {
                what: Thing::Page,
                name: format!("#{}", of.0),
                field: Field::Alias,
            })?
            .clone();
        let bytes = orig.bytes();
        let align = orig.size.bytes().max(req.align);
        // A guest's alias maps the IPA of a page of a guest of the same VM; the pools
        // hold no IPA.
        let guest = self.guest_vm(table);
        let orig_table = orig.tables.first().map(|&(t, ..)| t);
        let orig_guest = orig_table.and_then(|t| self.guest_vm(t));
        if guest != orig_guest {
            return Err(match (guest, orig_guest, orig_table) {
                (Some(vm), _, Some(o)) => self.guest_sharing(&req.name, vm, o),
                (_, Some(vm), Some(_)) => self.guest_sharing(&req.name, vm, table),
                _ => Error::Unknown {
                    what: Thing::Page,
                    name: format!("#{}", of.0),
                    field: Field::Alias,
                },
            });
        }
        let orig_pool = match guest {
            Some(_) => None,
            None => Interval::new(orig.pa, bytes).and_then(|r| self.pool_of(r)),
        };
        check_align(req.align)?;
        if req.attrs.kind.is_device() && req.attrs.perms.execute() {
            return Err(Error::ExecutableDevice {
                name: req.name.clone(),
            });
        }
        system_attrs(req)?;
        self.check_granule(&[table], orig.size, req)?;
        self.check_execute_only(req, [table])?;
        self.check_secure_options(req, &[table])?;
        let a = orig.attrs;
        let b = req.attrs;
        let normal_mismatch = !a.kind.is_device() && (a.cache != b.cache || a.share != b.share);
        if a.kind.is_device() != b.kind.is_device()
            || normal_mismatch
            || a.device_type() != b.device_type()
        {
            return Err(Error::MismatchedAlias {
                range: range(orig.pa, bytes),
                first: a,
                second: b,
                with: orig.name.clone(),
                other: Party::Mapping(of),
            });
        }
        // The alias adds its table's cores to those of every table mapping the PA.
        let mut tables = self.mapping_tables(of);
        tables.push(table);
        self.check_coherent(req, tables)?;
        if let Some(pool) = orig_pool {
            self.security_check(|_| what_of(req), pool, &[table], Field::Alias)?;
        }
        if req.non_secure_view
            && let Some(p) = orig_pool
            && !self.pools[p].is_dual_view()
        {
            return Err(Error::NonSecureViewNotDual {
                name: req.name.clone(),
                pool: self.pools[p].name.clone(),
                field: Field::NonSecureView,
            });
        }
        if let Some(pool) = orig_pool
            && let Some(t) = self.outside_home(req, &[table], pool)
        {
            return Err(self.non_secure_for_secure(req, t, pool, Field::Alias));
        }
        // `identity`: the alias sits at VA == the PA it maps.
        let fixed_va = match (req.identity, req.va) {
            (true, Some(va)) if va != orig.pa => {
                return Err(Error::IdentityConflict {
                    name: req.name.clone(),
                    va,
                    pa: orig.pa,
                });
            }
            (true, _) => Some(orig.pa),
            (false, va) => va,
        };
        let va = match fixed_va {
            Some(va) => {
                let field = va_field(req);
                check_aligned(Addr::Va, va, align, &req.name, field)?;
                let r = interval(va, bytes, &req.name, field)?;
                let tb = &self.tables[table.index()];
                if !tb.va_free.contains(va, bytes) {
                    return Err(self.va_collision(tb, r, &req.name, field));
                }
                self.check_gaps_free(table, va, bytes, req)?;
                va
            }
            None => self.take_va(table, req, bytes, align)?,
        };
        let va_taken = fixed_va.is_none();
        let id = self.mappings.len() as u32;
        // The alias table's own view of the PA: a pool in both Secure and Non-secure
        // space is seen through each table's view, not through the first table's.
        let el = self.tables[table.index()].info.el();
        let pas = orig_pool.map_or(a.pas, |p| self.pools[p].view(el, req.non_secure_view));
        let attrs = MemAttrs { pas, ..b };
        let inner = PageRequest {
            count: orig.count,
            size: orig.size,
            ..req.clone()
        };
        let tables = self.commit_vas(
            id,
            &[(table, va)],
            va_taken,
            orig.pa,
            bytes,
            &inner,
            attrs,
            Role::Alias,
        );
        self.index_name(&req.name, id);
        self.mappings.push(Mapping {
            name: req.name.clone(),
            pa: orig.pa,
            size: orig.size,
            count: orig.count,
            attrs,
            shared: false,
            alias_of: Some(of.0),
            identity: req.identity,
            fixed: (fixed_va.is_some(), false),
            tables,
            seg_free: None,
            guard: req.guard,
        });
        Ok(MappingId(id))
    }

    /// Reserves `size` bytes of PA (aligned to `align`) for something that is not a page
    /// of any table, such as the translation tables themselves. With `at`, the range is
    /// fixed; otherwise it comes from `pool` or from any RAM pool.
    pub fn reserve(
        &mut self,
        name: &str,
        size: u64,
        align: u64,
        at: Option<u64>,
        pool: Option<&str>,
    ) -> Result<u64, Error> {
        self.reserve_for(name, size, align, at, pool, &[])
            .map(|(pa, _)| pa)
    }

    /// Whether a reservation named `name` for the translation tables of `tables` may
    /// take its PA from pool `pool`: the pool exists, is RAM, and is non-secure when one
    /// of `tables` is a non-secure table (the errors of [`reserve`](Self::reserve)).
    pub(crate) fn check_reserve_pool(
        &self,
        name: &str,
        pool: &str,
        tables: &[TableId],
    ) -> Result<(), Error> {
        self.reserve_pools(name, Some(pool), tables).map(|_| ())
    }

    /// The request and the pools of a reservation (see [`reserve_for`](Self::reserve_for)).
    fn reserve_pools(
        &self,
        name: &str,
        pool: Option<&str>,
        tables: &[TableId],
    ) -> Result<(PageRequest, PoolChoice), Error> {
        let mut req = PageRequest::new(name, PageKind::System, PageSize::Size4K);
        req.translation = !tables.is_empty();
        let req = match pool {
            Some(p) => req.pool(p),
            None => req,
        };
        let tables_of = || match tables.first() {
            Some(&t) => format!(
                "the translation tables of table `{}`",
                self.tables[t.index()].info.name()
            ),
            None => format!("`{name}`"),
        };
        let choice = self.pool_filter(&req, tables).map_err(|e| match e {
            Error::SecureInNonSecure {
                table, pool, field, ..
            } => Error::SecureInNonSecure {
                what: tables_of(),
                table,
                pool,
                field,
            },
            e => e,
        })?;
        Ok((req, choice))
    }

    /// Like [`reserve`](Self::reserve), preferring pools of the tables' security state;
    /// returns the PA and the reservation's index in
    /// [`reservations`](Self::reservations).
    pub(crate) fn reserve_for(
        &mut self,
        name: &str,
        size: u64,
        align: u64,
        at: Option<u64>,
        pool: Option<&str>,
        tables: &[TableId],
    ) -> Result<(u64, usize), Error> {
        check_align(align)?;
        let (req, choice) = self.reserve_pools(name, pool, tables)?;
        let pa = match at {
            Some(pa) => {
                check_aligned(Addr::Pa, pa, align, name, Field::Range)?;
                let r = interval(pa, size, name, Field::Range)?;
                if !self.pa_free.contains(pa, size) {
                    return Err(self.pa_collision(r, Field::Range));
                }
                pa
            }
            None => {
                if size == 0 {
                    return Err(Error::ZeroSize {
                        what: name.to_string(),
                        field: Field::Size,
                    });
                }
                choice
                    .first_ok(|f| self.take_pa(&req, size, align, f))
                    .map_err(|e| choice.explain(e, self.secure_fit(false, size, align)))?
            }
        };
        let id = self.reservations.len() as u32;
        let r = interval(pa, size, name, Field::Range)?;
        if at.is_some() {
            let _ = self.pa_free.remove_interval(r);
        }
        self.pa_used.insert(r, PaOwner::Reservation(id));
        self.reservations.push((name.to_string(), r));
        Ok((pa, id as usize))
    }
}

/// The first page of the VA space, which automatic placement never picks.
pub const NULL_PAGE: u64 = 0x1000;

/// The first VA of the upper half: ranges from here on are upper (TTBR1) ranges.
const UPPER_HALF: u64 = 1 << 63;

/// The pools a request may use (one flag per pool): the preferred ones first, if any.
struct PoolChoice {
    preferred: Option<Vec<bool>>,
    all: Vec<bool>,
    /// Whether `all` holds only the non-secure pools because of a non-secure table.
    non_secure_only: bool,
    /// The space a no-room error names when `all` holds only the secure pools because
    /// a secure table must keep the request in secure memory.
    secure_only: Option<Space>,
}

impl Layout {
    /// The first secure pool of the memory type (`device` or RAM) with a free range of
    /// `bytes` aligned to `align`: where a request refused by every non-secure pool
    /// would have fitted.
    fn secure_fit(&self, device: bool, bytes: u64, align: u64) -> Option<String> {
        self.pools
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.in_space(PhysicalAddressSpace::Secure) && !p.non_secure && p.device == device
            })
            .find(|(i, _)| {
                self.pa_free
                    .find_fit(bytes, align, |&p| p as usize == *i)
                    .is_some()
            })
            .map(|(_, p)| p.name.clone())
    }
}

impl PoolChoice {
    /// `e`, saying where the request looked when only non-secure pools were allowed
    /// (and which secure pool would have had room, `secure_fit`).
    fn explain(&self, e: Error, secure_fit: Option<String>) -> Error {
        match e {
            Error::NoRoom {
                what,
                size,
                align,
                largest,
                taken,
                ..
            } if self.non_secure_only => Error::NoRoom {
                what,
                size,
                align,
                space: Space::NonSecure { secure_fit },
                largest,
                taken,
            },
            Error::NoRoom {
                what,
                size,
                align,
                largest,
                taken,
                ..
            } if self.secure_only.is_some() => Error::NoRoom {
                what,
                size,
                align,
                space: self.secure_only.clone().unwrap_or(Space::Physical),
                largest,
                taken,
            },
            e => e,
        }
    }

    /// `f` over the preferred pools, then, if that fails, over all of them.
    fn first_ok<T>(&self, mut f: impl FnMut(&[bool]) -> Result<T, Error>) -> Result<T, Error> {
        if let Some(preferred) = &self.preferred
            && let Ok(v) = f(preferred)
        {
            return Ok(v);
        }
        f(&self.all)
    }
}

/// The field that fixes a request's PA: its `pa`, or its `va` through `identity`.
pub(super) fn pa_field(req: &PageRequest) -> Field {
    if req.pa.is_some() {
        Field::Pa
    } else if req.identity {
        Field::Identity
    } else {
        Field::Name
    }
}

/// The field that fixes a request's VA: its `va`, or its `pa` through `identity`.
pub(super) fn va_field(req: &PageRequest) -> Field {
    if req.va.is_some() {
        Field::Va
    } else if req.identity {
        Field::Identity
    } else {
        Field::Name
    }
}

/// The field that chose the pool of a request whose memory kind does not match it.
fn pool_field(req: &PageRequest) -> Field {
    if req.pa.is_some() {
        Field::Pa
    } else if req.pool.is_some() {
        Field::Pool
    } else {
        Field::Kind
    }
}

/// The field that chose the secure PA of a request put into a non-secure table.
fn secure_field(req: &PageRequest) -> Field {
    if req.pa.is_some() {
        Field::Pa
    } else if req.pool.is_some() {
        Field::Pool
    } else if req.identity && req.va.is_some() {
        Field::Va
    } else {
        Field::Name
    }
}

/// Whether memory of these attributes is executable: kind `code`, or execute
/// permission.
pub(crate) fn executable(attrs: &crate::model::MemAttrs) -> bool {
    attrs.kind == PageKind::Code || attrs.perms.execute()
}

/// A request in words for [`Error::SecureInNonSecure`]: `page `name``.
fn what_of(req: &PageRequest) -> String {
    format!("page `{}`", req.name)
}

pub(super) fn describe(req: &PageRequest) -> String {
    if req.count == 1 {
        format!("{} {} page `{}`", req.size, req.attrs.kind, req.name)
    } else {
        format!(
            "{} x {} {} pages `{}`",
            req.count, req.size, req.attrs.kind, req.name
        )
    }
}

/// A `system` page is Normal write-back and execute-never whatever it asks (see
/// [`aarch64::build::page_attributes`](crate::aarch64::build::page_attributes)): asking
/// for execute permission or another cacheability is an error, not silently dropped.
fn system_attrs(req: &PageRequest) -> Result<(), Error> {
    if req.attrs.kind != PageKind::System {
        return Ok(());
    }
    let field = if req.attrs.perms.execute() {
        Field::Perms
    } else if req.attrs.cache != Cacheability::WriteBack {
        Field::Cache
    } else {
        return Ok(());
    };
    Err(Error::SystemPageAttrs {
        name: req.name.clone(),
        field,
        cache: req.attrs.cache,
    })
}
