//! Virtual machines: tables whose translation is the stage 2 (IPA -> PA) of the
//! Non-secure EL1&0 regime, and the isolation between them.
//!
//! A VM is a table of context `EL1_NS` with a VMID. Its virtual ranges are IPA ranges,
//! its pages map an IPA (the page's VA) to a PA drawn from the pools like any page's, and
//! [`Layout::build_translations`] builds it as a stage 2 table
//! ([`TableConfig::with_vmid`](crate::aarch64::TableConfig::with_vmid)). The PA
//! allocator gives every page PA of its own, so a VM reaches only its own pages' PA,
//! the PA of shared pages it is listed in and the PA its aliases name; a fixed PA that
//! another table's page owns, when one of the two tables is a VM, is
//! [`Error::VmIsolation`].

use alloc::string::{String, ToString};

use super::{Layout, PaOwner, TableId, range_of};
use crate::aarch64::regs;
use crate::error::{Error, Field, Party, Range, Stage1Feature};
use crate::interval::Interval;
use crate::model::{Cores, ExecutionContext};

impl Layout {
    /// Adds a virtual machine: a table whose translation is the stage 2 of the
    /// Non-secure EL1&0 regime (context `EL1_NS`), run by `cores`, with VMID `vmid`
    /// and the IPA ranges `ipa` (start, size), which play the role of a table's virtual
    /// ranges. The IPA size is the smallest (25 to 48 bits) that covers the ranges, as
    /// for [`add_table`](Self::add_table).
    ///
    /// Its pages are mapped with [`map`](Self::map), [`map_shared`](Self::map_shared)
    /// and [`map_alias`](Self::map_alias): a page's VA is its IPA, and its PA comes from
    /// the pools. Stage 2 pages may be execute-only ([`Perms::X`](crate::Perms::X):
    /// S2AP = 0b00, XN = 0), which stage 1 EL1 tables refuse.
    /// [`set_granule`](Self::set_granule) sets its granule as for any table.
    ///
    /// # Errors
    ///
    /// Those of [`add_vm_sized`](Self::add_vm_sized).
    pub fn add_vm(
        &mut self,
        name: impl Into<String>,
        vmid: u16,
        cores: Cores,
        ipa: &[(u64, u64)],
    ) -> Result<TableId, Error> {
        self.add_vm_sized(name, vmid, cores, ipa, None)
    }

    /// Adds a virtual machine (see [`add_vm`](Self::add_vm)) whose IPA space has
    /// `ipa_bits` bits (25 to 52, at least what its ranges need, at most the layout's
    /// PA size) instead of the smallest size.
    ///
    /// # Errors
    ///
    /// [`Error::VmidTaken`] for a VMID another VM has; [`Error::NotInVm`] for an upper
    /// range (from `0xFFFF_0000_0000_0000`: stage 2 translates one range from IPA 0);
    /// [`Error::IpaBeyondPa`] when the IPA size is over the layout's PA size
    /// ([`pa_bits`](Self::pa_bits)); and the errors of
    /// [`add_table_sized`](Self::add_table_sized) ([`Error::Duplicate`] name,
    /// [`Error::UnsupportedBits`], [`Error::VaBitsTooSmall`],
    /// [`Error::VaRangeNotTranslated`], overlapping ranges, ...).
    pub fn add_vm_sized(
        &mut self,
        name: impl Into<String>,
        vmid: u16,
        cores: Cores,
        ipa: &[(u64, u64)],
        ipa_bits: Option<u8>,
    ) -> Result<TableId, Error> {
        let name = name.into();
        if let Some(first) = self.tables().find(|&t| self.vmid(t) == Some(vmid)) {
            return Err(Error::VmidTaken {
                vm: name,
                vmid,
                first: self.tables[first.index()].info.name().to_string(),
                other: Some(Party::Table(first)),
            });
        }
        if let Some((k, &(start, size))) = ipa.iter().enumerate().find(|(_, r)| r.0 >> 63 == 1) {
            return Err(Error::NotInVm {
                vm: name,
                feature: Stage1Feature::UpperRange {
                    range: Range {
                        start,
                        end: start.wrapping_add(size),
                    },
                },
                field: Field::VirtualRange(k as u32),
                other: None,
            });
        }
        let id = self.add_table_sized(
            name.clone(),
            cores,
            ExecutionContext::EL1_NS,
            ipa,
            ipa_bits,
            None,
        )?;
        let t = &self.tables[id.index()];
        if t.va_bits > self.pa_bits {
            // The range that needs the most bits, when a range (not the size asked) is
            // what sets it.
            let needing = t
                .virt
                .iter()
                .enumerate()
                .filter(|(_, r)| r.last() >> self.pa_bits != 0)
                .max_by_key(|(_, r)| r.last());
            let (range, field) = match (ipa_bits, needing) {
                (_, Some((k, r))) => (Some(range_of(*r)), Field::VirtualRange(k as u32)),
                _ => (None, Field::VaBits),
            };
            let e = Error::IpaBeyondPa {
                vm: name,
                ipa_bits: t.va_bits,
                pa_bits: self.pa_bits,
                range,
                field,
                other: self.declared_pa_bits().map(|_| Party::PaBits),
            };
            // The table was the last one added; nothing refers to it yet.
            self.tables.pop();
            return Err(e);
        }
        self.tables[id.index()].vmid = Some(vmid);
        Ok(id)
    }

    /// The VMID of a virtual machine ([`add_vm`](Self::add_vm)); `None` for a stage 1
    /// table or a table that does not exist.
    pub fn vmid(&self, table: TableId) -> Option<u16> {
        self.tables.get(table.index())?.vmid
    }

    /// Whether `table` is a virtual machine's stage 2 table.
    pub fn is_vm(&self, table: TableId) -> bool {
        self.vmid(table).is_some()
    }

    /// The virtual machines, in creation order.
    pub fn vms(&self) -> impl Iterator<Item = TableId> + '_ {
        self.tables().filter(|&t| self.is_vm(t))
    }

    /// [`Error::IpaBeyondPa`] for the first VM whose IPA size is over `pa_bits`, the PA
    /// size being set.
    pub(super) fn check_vms_within(&self, pa_bits: u8) -> Result<(), Error> {
        match self
            .tables
            .iter()
            .enumerate()
            .find(|(_, t)| t.vmid.is_some() && t.va_bits > pa_bits)
        {
            Some((i, t)) => Err(Error::IpaBeyondPa {
                vm: t.info.name().to_string(),
                ipa_bits: t.va_bits,
                pa_bits,
                range: None,
                field: Field::PaBits,
                other: Some(Party::Table(TableId(i as u32))),
            }),
            None => Ok(()),
        }
    }

    /// [`Error::NotInVm`] when `table` is a VM, for `feature` asked through `field`.
    pub(super) fn refuse_in_vm(
        &self,
        table: TableId,
        feature: Stage1Feature,
        field: Field,
        other: Option<Party>,
    ) -> Result<(), Error> {
        match self.tables.get(table.index()) {
            Some(t) if t.vmid.is_some() => Err(Error::NotInVm {
                vm: t.info.name().to_string(),
                feature,
                field,
                other,
            }),
            _ => Ok(()),
        }
    }

    /// [`Error::VmIsolation`] when the fixed PA range `r` of page `name`, mapped into
    /// `tables`, is already owned by a page of another table and one of the two is a
    /// VM: the request must declare the sharing (an alias or a shared page) instead.
    pub(super) fn vm_isolation(
        &self,
        r: Interval,
        name: &str,
        tables: &[TableId],
        field: Field,
    ) -> Option<Error> {
        let (_, &PaOwner::Mapping(m)) = self.pa_used.first_overlap(&r)? else {
            return None;
        };
        let other = &self.mappings[m as usize];
        let &(first, ..) = other.tables.first()?;
        let in_vm = |t: &TableId| self.is_vm(*t);
        if !tables.iter().any(in_vm) && !other.tables.iter().any(|(t, ..)| in_vm(t)) {
            return None;
        }
        Some(Error::VmIsolation {
            name: name.to_string(),
            range: range_of(r),
            with: other.name.clone(),
            with_table: self.tables[first.index()].info.name().to_string(),
            field,
            other: Party::Mapping(super::MappingId(m)),
        })
    }

    /// The PA size the registers of VM `table` get: the declared one, else `pa_bits`
    /// raised to cover every pool and the VM's IPA size (stage 2 needs PS at least the
    /// IPA size).
    pub(crate) fn vm_pa_bits(&self, table: TableId, pa_bits: u8) -> u8 {
        if let Some(bits) = self.declared_pa_bits() {
            return bits;
        }
        let ipa = self.va_bits(table).unwrap_or(0);
        let ipa_ps = regs::PA_BITS.into_iter().find(|&b| b >= ipa).unwrap_or(52);
        pa_bits.max(self.covering_pa_bits()).max(ipa_ps)
    }
}
