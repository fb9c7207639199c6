//! Processes and kernels: a table's ASID, the kernel table a process runs under, and the
//! one `TCR_EL1` a kernel and its processes share.
//!
//! An operating system keeps its kernel's table in `TTBR1_EL1` (the upper VA range) and
//! switches `TTBR0_EL1` between its processes' tables (the lower range), all under one
//! `TCR_EL1`. A process with an ASID has non-global pages (nG = 1) tagged with that ASID
//! in the TLB, so a switch needs no TLB flush (DDI 0487 D8.16, "Translation Lookaside
//! Buffers", "Global and process-specific translation table entries").

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{Layout, TableId, range_of};
use crate::aarch64::{Regime, SharedTcr, regs};
use crate::error::{Error, Field, KernelRule, Party, Stage1Feature, Thing};

impl Layout {
    /// Gives an EL1 or EL0 table an ASID: its leaf descriptors get nG = 1 and its `TTBR0`
    /// carries the ASID in bits\[63:48\] (DDI 0487 D19, `TTBR0_EL1.ASID`; `TCR_EL1.A1` is
    /// left 0, so `TTBR0` selects the ASID). An ASID over 255 needs 16-bit ASIDs: the
    /// table's `TCR` (and the shared one of its kernel, see [`shared_tcr`](Self::shared_tcr))
    /// then sets `TCR_EL1.AS`, which only cores with `ID_AA64MMFR0_EL1.ASIDBits` = 0b0010
    /// implement. Calling it again replaces the ASID.
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for a table that does not exist, [`Error::AsidTooLarge`] over
    /// 65535, [`Error::AsidInRegime`] for an EL3 or EL2 table, [`Error::NotInVm`] for a
    /// virtual machine ([`add_vm`](Self::add_vm): stage 2 has VMIDs, not ASIDs),
    /// [`Error::AsidWithoutLower`] for a table with upper virtual ranges only,
    /// [`Error::AsidOnKernel`] for a table processes run under, and [`Error::AsidTaken`]
    /// when another process under the same kernel has this ASID. ASID 0 beside a process
    /// of the same kernel without an ASID (which runs with ASID 0 too) is
    /// [`Error::AsidZeroShared`] from [`build_translations`](Self::build_translations),
    /// once every ASID is set, so the ASIDs and kernels may be given in any order.
    pub fn set_asid(&mut self, table: TableId, asid: u32) -> Result<(), Error> {
        let t = self.table_entry(table)?;
        let name = t.info.name().to_string();
        self.refuse_in_vm(table, Stage1Feature::Asid, Field::Asid, None)?;
        let Ok(asid) = u16::try_from(asid) else {
            return Err(Error::AsidTooLarge { table: name, asid });
        };
        let el = t.info.el();
        if Regime::of(el).is_single_privilege() {
            return Err(Error::AsidInRegime { table: name, el });
        }
        if let Some(&process) = self.processes(table).first() {
            return Err(Error::AsidOnKernel {
                kernel: name,
                process: self.table_name_of(process),
                other: Some(Party::Table(process)),
            });
        }
        if !t.has_lower {
            return Err(Error::AsidWithoutLower { table: name });
        }
        if let Some(kernel) = t.kernel {
            self.check_asid_free(table, asid, kernel)?;
        }
        self.tables[table.index()].asid = Some(asid);
        Ok(())
    }

    /// The ASID of a table, if it has one.
    pub fn asid(&self, table: TableId) -> Option<u16> {
        self.tables.get(table.index())?.asid
    }

    /// Makes `process` (an EL1 or EL0 table) run under the kernel table `kernel`: the
    /// kernel's upper range (`TTBR1`) stays loaded while the process's lower range
    /// (`TTBR0`) is switched in, under the one `TCR_EL1` that
    /// [`shared_tcr`](Self::shared_tcr) gives (the kernel and every process emit the same
    /// `TCR` and `MAIR`). The kernel's pages stay global; the process's `TTBR1` in
    /// [`build_translations`](Self::build_translations) is the kernel's.
    ///
    /// A kernel may keep lower ranges of its own (an identity map it boots through, for
    /// example) as long as they overlap no range of its processes. Calling it again moves
    /// the process to another kernel.
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for a table that does not exist; [`Error::NotInVm`] when either
    /// table is a virtual machine ([`add_vm`](Self::add_vm)); [`Error::NotInGuest`] when
    /// one is a guest table and the other not a guest of the same VM
    /// ([`add_guest_table`](Self::add_guest_table)); [`Error::NotAKernel`] when
    /// `process` is an EL3 or EL2 table, or `kernel` is `process` itself, not an EL1 table, of another security state, not
    /// used by every core of `process`, without an upper range, or a process itself, or
    /// when `process` is the kernel of another table; [`Error::ProcessUpperRange`] when
    /// `process` has an upper range; [`Error::AsidOnKernel`] when `kernel` has an ASID;
    /// [`Error::KernelRangeOverlap`] when a lower range of the kernel overlaps a range of
    /// the process; [`Error::KernelLowerPage`] when the kernel already maps a page at an
    /// automatic VA in its lower range (automatic placement in a kernel uses its upper
    /// range only once it has a process, so put processes under it before mapping its
    /// pages); [`Error::AsidTaken`] when another process of the kernel has the process's
    /// ASID. A process with ASID 0 beside one without an ASID is
    /// [`Error::AsidZeroShared`] from [`build_translations`](Self::build_translations),
    /// so a process may be put under its kernel before or after it gets its ASID.
    pub fn put_under(&mut self, process: TableId, kernel: TableId) -> Result<(), Error> {
        let p = self.table_entry(process)?;
        let k = self.table_entry(kernel)?;
        let (name, kname) = (p.info.name().to_string(), k.info.name().to_string());
        self.refuse_in_vm(
            process,
            Stage1Feature::Process {
                kernel: kname.clone(),
            },
            Field::Under,
            Some(Party::Table(kernel)),
        )?;
        self.refuse_in_vm(
            kernel,
            Stage1Feature::Kernel {
                process: name.clone(),
            },
            Field::Under,
            Some(Party::Table(kernel)),
        )?;
        // A process and its kernel share TTBR1_EL1: both guests of one VM, or neither.
        let (pvm, kvm) = (self.guest_vm(process), self.guest_vm(kernel));
        if pvm != kvm {
            let (guest, vm, other) = match (pvm, kvm) {
                (Some(vm), _) => (&name, vm, &kname),
                (_, Some(vm)) => (&kname, vm, &name),
                _ => unreachable!("one of the two is a guest"),
            };
            return Err(Error::NotInGuest {
                table: guest.clone(),
                vm: self.table_name_of(vm),
                feature: crate::error::GuestFeature::Kernel {
                    other: other.clone(),
                },
                field: Field::Under,
            });
        }
        let (pel, kel) = (p.info.el(), k.info.el());
        let not_a_kernel = |reason| Error::NotAKernel {
            table: name.clone(),
            kernel: kname.clone(),
            reason,
            other: Some(Party::Table(kernel)),
        };
        let reason = if process == kernel {
            Some(KernelRule::Itself)
        } else if Regime::of(pel).is_single_privilege() {
            Some(KernelRule::ProcessRegime { el: pel })
        } else if kel.level() != 1 {
            Some(KernelRule::NotEl1 { el: kel })
        } else if pel.security() != kel.security() {
            Some(KernelRule::Security {
                process: pel,
                kernel: kel,
            })
        } else if let Some(core) = p.info.cores().iter().find(|&c| !k.info.cores().contains(c)) {
            Some(KernelRule::Cores { core })
        } else if let Some(kk) = k.kernel {
            Some(KernelRule::IsProcess {
                kernel: self.table_name_of(kk),
            })
        } else if k.upper_bits.is_none() {
            Some(KernelRule::NoUpperRange)
        } else {
            self.processes(process)
                .first()
                .map(|&x| KernelRule::ProcessIsKernel {
                    process: self.table_name_of(x),
                })
        };
        if let Some(reason) = reason {
            return Err(not_a_kernel(reason));
        }
        if let Some((k, r)) = p
            .virt
            .iter()
            .enumerate()
            .find(|(_, r)| r.start() >> 63 == 1)
        {
            return Err(Error::ProcessUpperRange {
                table: name,
                kernel: kname,
                range: range_of(*r),
                field: Field::VirtualRange(k as u32),
            });
        }
        if k.asid.is_some() {
            return Err(Error::AsidOnKernel {
                kernel: kname,
                process: name,
                other: Some(Party::Table(process)),
            });
        }
        for (i, r) in p.virt.iter().enumerate() {
            if let Some(kr) = k
                .virt
                .iter()
                .find(|kr| kr.start() >> 63 == 0 && kr.overlaps(r))
            {
                return Err(Error::KernelRangeOverlap {
                    table: name,
                    range: range_of(*r),
                    kernel: kname,
                    kernel_range: range_of(*kr),
                    field: Field::VirtualRange(i as u32),
                    other: Some(Party::Table(kernel)),
                });
            }
        }
        // The kernel's own mappings of its lower range, lowest VA first.
        if let Some((va, i, m)) = (k.va_used.iter())
            .take_while(|(r, _)| r.start() >> 63 == 0)
            .find_map(|(r, &i)| {
                let m = &self.mappings[i as usize];
                (!m.fixed.0 && !m.identity).then_some((r.start(), i, m))
            })
        {
            return Err(Error::KernelLowerPage {
                kernel: kname,
                process: name,
                page: m.name.clone(),
                range: super::range(va, m.bytes()),
                other: Some(Party::Mapping(super::MappingId(i))),
            });
        }
        if let Some(asid) = p.asid {
            self.check_asid_free(process, asid, kernel)?;
        }
        self.tables[process.index()].kernel = Some(kernel);
        Ok(())
    }

    /// The kernel a table runs under, if it is a process.
    pub fn kernel_of(&self, table: TableId) -> Option<TableId> {
        self.tables.get(table.index())?.kernel
    }

    /// The processes that run under `kernel`, in table order (empty when it is not a
    /// kernel).
    pub fn processes(&self, kernel: TableId) -> Vec<TableId> {
        self.tables()
            .filter(|&t| self.tables[t.index()].kernel == Some(kernel))
            .collect()
    }

    /// The `TCR_EL1` a kernel and its processes share, for the kernel or any of its
    /// processes; `None` for a table that is neither (its `TCR` follows its own ranges).
    ///
    /// T1SZ comes from the kernel's upper range; T0SZ covers the kernel's lower ranges
    /// and every process's ranges (the largest of their lower VA sizes, so every process
    /// is built for that size and root level); `AS` is set when any process's ASID is
    /// over 255.
    pub fn shared_tcr(&self, table: TableId) -> Option<SharedTcr> {
        let t = self.tables.get(table.index())?;
        let kernel = t.kernel.unwrap_or(table);
        let processes = self.processes(kernel);
        if processes.is_empty() {
            return None;
        }
        let k = &self.tables[kernel.index()];
        let upper = k.upper_bits?;
        let own = k
            .virt
            .iter()
            .any(|r| r.start() >> 63 == 0)
            .then_some(k.va_bits);
        let lower = processes
            .iter()
            .map(|p| self.tables[p.index()].va_bits)
            .chain(own)
            .max()
            .unwrap_or(regs::VA_BITS_MIN);
        let asid16 = processes
            .iter()
            .any(|p| self.tables[p.index()].asid > Some(regs::ASID_MAX_8_BIT));
        Some(SharedTcr::new(lower, upper, asid16))
    }

    /// The table with this id, or [`Error::Unknown`].
    fn table_entry(&self, table: TableId) -> Result<&super::Table, Error> {
        self.tables
            .get(table.index())
            .ok_or_else(|| Error::Unknown {
                what: Thing::Table,
                name: alloc::format!("#{}", table.index()),
                field: Field::Name,
            })
    }

    pub(super) fn table_name_of(&self, table: TableId) -> String {
        self.tables
            .get(table.index())
            .map(|t| t.info.name().to_string())
            .unwrap_or_default()
    }

    /// [`Error::AsidTaken`] when a process of `kernel` other than `table` has `asid`.
    fn check_asid_free(&self, table: TableId, asid: u16, kernel: TableId) -> Result<(), Error> {
        let taken = self
            .processes(kernel)
            .into_iter()
            .find(|&o| o != table && self.tables[o.index()].asid == Some(asid));
        match taken {
            Some(first) => Err(Error::AsidTaken {
                table: self.table_name_of(table),
                asid,
                kernel: self.table_name_of(kernel),
                first: self.table_name_of(first),
                other: Some(Party::Table(first)),
            }),
            None => Ok(()),
        }
    }

    /// [`Error::AsidZeroShared`] for the first process (in table order) with ASID 0
    /// whose kernel runs another process without an ASID, which runs with ASID 0 too.
    /// Checked on the final state, by [`build_translations`](Self::build_translations).
    pub(crate) fn check_asid_zero_shared(&self) -> Result<(), Error> {
        for zero in self.tables() {
            let t = &self.tables[zero.index()];
            let (Some(0), Some(kernel)) = (t.asid, t.kernel) else {
                continue;
            };
            let none = self
                .processes(kernel)
                .into_iter()
                .find(|&o| o != zero && self.tables[o.index()].asid.is_none());
            if let Some(first) = none {
                return Err(Error::AsidZeroShared {
                    table: self.table_name_of(zero),
                    kernel: self.table_name_of(kernel),
                    first: self.table_name_of(first),
                    other: Some(Party::Table(first)),
                });
            }
        }
        Ok(())
    }
}
