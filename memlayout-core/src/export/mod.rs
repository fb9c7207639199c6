//! Exports of a planned layout for the rest of a firmware build: the readable memory map
//! ([`map()`](map::map)), a C and assembly header ([`c()`](c::c)), a GNU ld script
//! fragment ([`ld()`](ld::ld)), the raw translation-table image ([`bin()`](bin::bin)),
//! a picture of the layout for people ([`svg()`](svg::svg)), and for the tools of the
//! rest of the field a device-tree fragment ([`dts()`](dts::dts)) and a linker
//! `MEMORY` block ([`memory_x()`](memory_x::memory_x)).
//!
//! Every format is one function in a file of its own, fed by one [`Input`]: the planned
//! layout, its module name and the tables selected for export. Every function returns
//! the whole output (a `String`, or bytes for `bin`), built from ordered collections
//! only, so the same layout gives byte-identical output.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::aarch64::Translation;
use crate::model::{Segment, TableInfo};
use crate::plan::{Plan, PlannedPages, PlannedSegment};

pub mod bin;
pub mod c;
pub mod dts;
pub mod ld;
pub mod map;
pub mod memory_x;
pub mod svg;

/// The input of every export: a planned layout, the name of its module (`soc` in
/// `mod soc { .. }`) and the tables to export (all of them unless narrowed with
/// [`Input::only`]).
#[derive(Clone, Debug)]
pub struct Input<'a> {
    module: &'a str,
    plan: &'a Plan,
    tables: Vec<TableView<'a>>,
}

/// One table of a planned layout as the exports see it.
///
/// Not exhaustive: [`Input`] builds it; read its fields.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TableView<'a> {
    /// Its index in the layout's tables (declaration order).
    pub index: usize,
    /// Its name, core and exception level.
    pub info: &'a TableInfo,
    /// Its AArch64 translation tables and register values.
    pub translation: &'a Translation,
    /// Its pages, shared pages included, in declaration order; a `* N` request is one
    /// entry of `N` pages.
    pub pages: Vec<PlannedPages<'a>>,
    /// Its segments, shared segments included, in declaration order.
    pub segments: Vec<PlannedSegment<'a>>,
    /// Its ASID, when it is a process with one (`asid N`).
    pub asid: Option<u16>,
    /// The name of the kernel table it runs under (`under TABLE`), when it is a process.
    pub kernel: Option<&'a str>,
    /// The names of the processes that run under it, when it is a kernel, in
    /// declaration order.
    pub processes: Vec<&'a str>,
}

impl TableView<'_> {
    /// The table's name.
    pub fn name(&self) -> &str {
        self.info.name()
    }

    /// The name of the page declaration whose pages hold the first byte of `segment`
    /// (never an alias: aliases host no segments).
    pub fn page_of(&self, segment: &Segment) -> Option<&str> {
        self.pages
            .iter()
            .find(|p| p.pages.iter().any(|pg| pg.contains_va(segment.va())))
            .map(|p| p.name)
    }
}

/// `--table NAME` named no table of the layout.
///
/// Not exhaustive: [`Input::only`] builds it; read its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownTable {
    /// The name asked for.
    pub name: String,
    /// The names of the layout's tables, in declaration order.
    pub known: Vec<String>,
}

impl fmt::Display for UnknownTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the layout has no table named `{}`; pick one of ",
            self.name
        )?;
        for (i, n) in self.known.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{n}`")?;
        }
        Ok(())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownTable {}

impl<'a> Input<'a> {
    /// Every table of `plan`, for the layout module named `module`.
    pub fn new(module: &'a str, plan: &'a Plan) -> Input<'a> {
        let count = plan.layout().tables().count();
        let tables = (0..count)
            .filter_map(|index| {
                let tid = plan.table_id(index)?;
                let layout = plan.layout();
                let name = |t| layout.table_info(t).map(TableInfo::name);
                Some(TableView {
                    index,
                    info: layout.table_info(tid)?,
                    translation: plan.translation(index)?,
                    pages: plan.pages(index),
                    segments: plan.segments(index),
                    asid: layout.asid(tid),
                    kernel: layout.kernel_of(tid).and_then(name),
                    processes: layout.processes(tid).into_iter().filter_map(name).collect(),
                })
            })
            .collect();
        Input {
            module,
            plan,
            tables,
        }
    }

    /// The same input narrowed to the table named `table`.
    ///
    /// # Errors
    ///
    /// [`UnknownTable`] when the layout has no table of that name.
    pub fn only(mut self, table: &str) -> Result<Input<'a>, UnknownTable> {
        match self.tables.iter().position(|t| t.name() == table) {
            Some(i) => {
                let t = self.tables.swap_remove(i);
                self.tables = alloc::vec![t];
                Ok(self)
            }
            None => Err(UnknownTable {
                name: table.into(),
                known: self.tables.iter().map(|t| t.name().into()).collect(),
            }),
        }
    }

    /// The name of the layout's module.
    pub fn module(&self) -> &'a str {
        self.module
    }

    /// The name of the pool in both physical address spaces that holds `pa`, if any.
    pub(crate) fn dual_view_pool(&self, pa: u64) -> Option<&'a str> {
        self.plan
            .layout()
            .pools()
            .iter()
            .find(|p| p.is_dual_view() && p.range().contains(pa))
            .map(|p| p.name())
    }

    /// The planned layout.
    pub fn plan(&self) -> &'a Plan {
        self.plan
    }

    /// The layout's granule protection table, when it declares one (`gpt in ..;`).
    pub fn gpt(&self) -> Option<&'a crate::aarch64::gpt::Gpt> {
        self.plan.gpt()
    }

    /// The selected tables, in declaration order.
    pub fn tables(&self) -> &[TableView<'a>] {
        &self.tables
    }

    /// The name of the page an alias page maps the PA of, or `None` for a page that is
    /// not an alias.
    pub fn alias_of(&self, pages: &PlannedPages<'_>) -> Option<&'a str> {
        let layout = self.plan.layout();
        layout
            .alias_of(pages.mapping)
            .and_then(|m| layout.mapping_name(m))
    }
}

/// The five values of a granule protection table that the C header, the ld fragment
/// and the CLI's JSON document write: where its image is loaded and its size, where its
/// level 0 table is in it, and the values to load into the GPT registers.
///
/// Not exhaustive: [`gpt_values`] builds it; read its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct GptValues {
    /// The physical address the image is placed at ([`Gpt::image_pa`]).
    ///
    /// [`Gpt::image_pa`]: crate::aarch64::gpt::Gpt::image_pa
    pub pa: u64,
    /// The image's size in bytes.
    pub size: u64,
    /// The physical address of the level 0 table, inside the image, which `GPTBR_EL3`
    /// points at ([`Gpt::level0_pa`]).
    ///
    /// [`Gpt::level0_pa`]: crate::aarch64::gpt::Gpt::level0_pa
    pub level0_pa: u64,
    /// The value for `GPTBR_EL3`.
    pub gptbr: u64,
    /// The value for `GPCCR_EL3`.
    pub gpccr: u64,
}

impl GptValues {
    /// The values under the names the exports give them after their prefix, in the
    /// order they write them: `gpt_pa`, `gpt_size` (the image), `gpt_level0_pa`,
    /// `gptbr`, `gpccr` (the C header writes them in upper case).
    pub fn named(&self) -> [(&'static str, u64); 5] {
        [
            ("gpt_pa", self.pa),
            ("gpt_size", self.size),
            ("gpt_level0_pa", self.level0_pa),
            ("gptbr", self.gptbr),
            ("gpccr", self.gpccr),
        ]
    }
}

/// The values of `gpt` every export writes; see [`GptValues`].
pub fn gpt_values(gpt: &crate::aarch64::gpt::Gpt) -> GptValues {
    GptValues {
        pa: gpt.image_pa(),
        size: gpt.image().len() as u64,
        level0_pa: gpt.level0_pa(),
        gptbr: gpt.gptbr(),
        gpccr: gpt.gpccr(),
    }
}

/// The register values that load `tr`, under the names the exports give them, in the
/// order they write them: for a stage 1 table `MAIR`, `TCR`, `TTBR0`, `TTBR1`,
/// `SCTLR_SET`; for a virtual machine's stage 2 table (see
/// [`Translation::stage2_registers`]) `VTCR`, `VTTBR`, `HCR_SET` (the `HCR_EL2` bits
/// to set) and `VMID`, and none of the stage 1 names, whose values would be 0 and
/// mislead. The ld fragment writes them in lower case.
pub fn register_values(tr: &Translation) -> Vec<(&'static str, u64)> {
    match (tr.stage2_registers(), tr.vmid()) {
        (Some(r), Some(vmid)) => alloc::vec![
            ("VTCR", r.vtcr),
            ("VTTBR", r.vttbr),
            ("HCR_SET", r.hcr_set),
            ("VMID", u64::from(vmid)),
        ],
        _ => alloc::vec![
            ("MAIR", tr.mair()),
            ("TCR", tr.tcr()),
            ("TTBR0", tr.ttbr0()),
            ("TTBR1", tr.ttbr1()),
            ("SCTLR_SET", tr.sctlr_set()),
        ],
    }
}

/// A name as C and the ld symbols spell it after the prefix: ASCII upper case
/// (`upper("core0_el3")` is `CORE0_EL3`).
pub(crate) fn upper(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// A name in ASCII lower case, for ld symbols.
pub(crate) fn lower(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The first VA, first PA and size in bytes of a page declaration's pages (one range
/// for a `* N` run).
pub(crate) fn page_range(p: &PlannedPages<'_>) -> (u64, u64, u64) {
    let first = p.pages.first();
    let va = first.map_or(0, |pg| pg.va());
    let pa = first.map_or(0, |pg| pg.pa());
    let size = p.pages.iter().map(|pg| pg.size()).sum();
    (va, pa, size)
}

#[cfg(test)]
pub(crate) mod testing {
    //! A small planned layout for the unit tests of the formats, built without the
    //! `dsl` feature.

    use alloc::string::String;
    use alloc::vec;

    use crate::model::{ExecutionContext, MemAttrs, PageKind, PageSize, Perms, SegmentKind};
    use crate::plan::{Plan, plan};
    use crate::spec::{PageSpec, Placement, PoolSpec, RangeSpec, SegmentSpec, Spec, TableSpec};

    pub(crate) fn page(
        name: &str,
        table: usize,
        kind: PageKind,
        size: PageSize,
        count: u32,
    ) -> PageSpec {
        let mut page = PageSpec::new(0, name, Placement::Table(table), size, MemAttrs::new(kind));
        page.count = count;
        page
    }

    pub(crate) fn segment(
        name: &str,
        table: usize,
        kind: SegmentKind,
        size: u64,
        in_page: &str,
    ) -> SegmentSpec {
        let mut segment = SegmentSpec::new(0, name, Placement::Table(table), kind, size);
        segment.align = Some(16);
        segment.in_page = Some(String::from(in_page));
        segment
    }

    /// Tables `el3` (an identity boot page with a `bsp_boot` segment, a UART, three text
    /// pages, a heap with a stack and a `bss` segment) and `el1` (one data page); RAM at
    /// 0x8000_0000.
    pub(crate) fn plan_two_tables() -> Plan {
        let mut boot = page("boot", 0, PageKind::Code, PageSize::Size2M, 1);
        boot.identity = true;
        let mut uart = page("uart", 0, PageKind::Device, PageSize::Size4K, 1);
        uart.pa = Some(0x0900_0000);
        uart.attrs.perms = Perms::RW;
        let mut mmio = PoolSpec::new(0, "mmio", 0x0900_0000, 16 << 20);
        mmio.device = true;
        let table = |name: &str, el, start| {
            let mut t = TableSpec::new(0, name, crate::model::Cores::one(0), el);
            t.virt.push(RangeSpec::new(0, start, 1 << 30));
            t
        };
        let mut spec = Spec::new();
        spec.pools = vec![PoolSpec::new(0, "ram", 0x8000_0000, 1 << 30), mmio];
        spec.tables = vec![
            table("el3", ExecutionContext::EL3, 0x8000_0000),
            table("el1", ExecutionContext::EL1_NS, 0x40_0000_0000),
        ];
        spec.pages = vec![
            boot,
            uart,
            page("text", 0, PageKind::Code, PageSize::Size4K, 3),
            page("heap", 0, PageKind::Data, PageSize::Size2M, 1),
            page("data", 1, PageKind::Data, PageSize::Size4K, 1),
        ];
        spec.segments = vec![
            segment("bsp_boot", 0, SegmentKind::BspBootCode, 0x200, "boot"),
            segment("stack", 0, SegmentKind::Stack, 0x800, "heap"),
            segment("zeroed", 0, SegmentKind::Bss, 0x100, "heap"),
        ];
        match plan(&spec) {
            Ok(p) => p,
            Err(e) => panic!("test layout does not plan: {e:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hypervisor (EL2) and a VM with a RAM page and a passed-through UART, built.
    fn plan_with_vm() -> Plan {
        use crate::model::{Cores, ExecutionContext, PageKind, PageSize, Perms};
        use crate::{Layout, PageRequest, Pool};
        let mut l = Layout::new();
        l.add_pool(Pool::ram("ram", 0x4000_0000, 1 << 30)).unwrap();
        l.add_pool(Pool::device("mmio", 0x0900_0000, 1 << 20))
            .unwrap();
        let hyp = l
            .add_table(
                "hyp",
                0,
                ExecutionContext::EL2_NS,
                &[(0x4000_0000, 1 << 30)],
            )
            .unwrap();
        let vm = l
            .add_vm("guest", 5, Cores::one(0), &[(0, 2 << 30)])
            .unwrap();
        let req = |n, k, s| PageRequest::new(n, k, s);
        l.map(hyp, &req("text", PageKind::Code, PageSize::Size4K))
            .unwrap();
        l.map(vm, &req("ram", PageKind::Data, PageSize::Size2M))
            .unwrap();
        l.map(
            vm,
            &req("uart", PageKind::Device, PageSize::Size4K)
                .va(0x0900_0000)
                .pa(0x0900_0000)
                .perms(Perms::RW),
        )
        .unwrap();
        let tr = l
            .build_translations(
                &crate::aarch64::TableConfig::new(),
                &crate::tables::TablePlacement::Anywhere,
            )
            .unwrap();
        Plan::from_layout(l, tr)
    }

    #[test]
    fn a_vm_exports_its_stage_2_registers_and_no_stage_1_ones() {
        let plan = plan_with_vm();
        let input = Input::new("soc", &plan);
        let (hyp, vm) = (&input.tables()[0], &input.tables()[1]);
        let s2 = vm.translation.stage2_registers().unwrap();
        let names = |t: &TableView<'_>| -> Vec<&str> {
            register_values(t.translation).iter().map(|r| r.0).collect()
        };
        assert_eq!(names(hyp), ["MAIR", "TCR", "TTBR0", "TTBR1", "SCTLR_SET"]);
        assert_eq!(names(vm), ["VTCR", "VTTBR", "HCR_SET", "VMID"]);
        assert_eq!(
            register_values(vm.translation),
            [
                ("VTCR", s2.vtcr),
                ("VTTBR", s2.vttbr),
                ("HCR_SET", s2.hcr_set),
                ("VMID", 5)
            ]
        );
        let c = c::c(&input);
        for (name, value) in register_values(vm.translation) {
            let line = alloc::format!("#define MEMLAYOUT_GUEST_{name} MEMLAYOUT_UL({value:#x})");
            assert!(c.contains(&line), "{line} in\n{c}");
        }
        assert!(c.contains("#define MEMLAYOUT_HYP_TCR "));
        for stage1 in ["MAIR", "TCR", "TTBR0", "TTBR1", "SCTLR_SET"] {
            assert!(
                !c.contains(&alloc::format!("MEMLAYOUT_GUEST_{stage1} ")),
                "{stage1}"
            );
        }
        let ld = ld::ld(&input);
        assert!(ld.contains(&alloc::format!("memlayout_guest_vttbr = {:#x};", s2.vttbr)));
        assert!(ld.contains("memlayout_guest_vmid = 0x5;"));
        assert!(!ld.contains("memlayout_guest_tcr"));
        let m = map::map(&input);
        assert!(
            m.contains("translation guest (EL1&0 stage 2 regime)"),
            "{m}"
        );
        assert!(m.contains("  2 concatenated root tables (IPA -> PA"), "{m}");
        let vtcr = alloc::format!("  VTCR      {:>21}\n", crate::model::Hex::from(s2.vtcr));
        assert!(m.contains(&vtcr), "{vtcr} in\n{m}");
        assert!(m.contains("  VMID     "), "{m}");
        let md = map::markdown(&input);
        assert!(
            md.contains(&alloc::format!(
                "VM stage 2 (IPA -> PA), `VTTBR` = `{}`",
                crate::model::Hex::from(s2.vttbr)
            )),
            "{md}"
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_vm_serializes_its_stage_2_registers() {
        let plan = plan_with_vm();
        let input = Input::new("soc", &plan);
        let vm = input.tables()[1].translation;
        let s2 = vm.stage2_registers().unwrap();
        let v = serde_json::to_value(vm).unwrap();
        let regs = &v["registers"];
        let hex = |x: u64| serde_json::Value::String(alloc::format!("{x:#x}"));
        assert_eq!(regs["vtcr"], hex(s2.vtcr));
        assert_eq!(regs["vttbr"], hex(s2.vttbr));
        assert_eq!(regs["hcr_set"], hex(s2.hcr_set));
        assert_eq!(regs["vmid"], 5);
        assert!(regs.get("tcr").is_none() && regs.get("mair").is_none());
        assert_eq!(v["regime"], "EL1&0 stage 2");
        let hyp = serde_json::to_value(input.tables()[0].translation).unwrap();
        assert!(hyp["registers"].get("tcr").is_some());
        assert!(hyp["registers"].get("vtcr").is_none());
    }

    #[test]
    fn input_lists_tables_and_narrows() {
        let plan = testing::plan_two_tables();
        let input = Input::new("soc", &plan);
        let names: Vec<&str> = input.tables().iter().map(|t| t.name()).collect();
        assert_eq!(names, ["el3", "el1"]);
        let el1 = input.clone().only("el1").unwrap();
        assert_eq!(el1.tables().len(), 1);
        assert_eq!(el1.tables()[0].name(), "el1");
        assert_eq!(el1.tables()[0].index, 1);
        let e = input.only("el2").unwrap_err();
        assert_eq!(
            alloc::string::ToString::to_string(&e),
            "the layout has no table named `el2`; pick one of `el3`, `el1`"
        );
    }

    #[test]
    fn segments_know_their_page_and_runs_are_one_range() {
        let plan = testing::plan_two_tables();
        let input = Input::new("soc", &plan);
        let el3 = &input.tables()[0];
        let stack = el3.segments.iter().find(|s| s.segment.name() == "stack");
        assert_eq!(el3.page_of(stack.unwrap().segment), Some("heap"));
        let text = el3.pages.iter().find(|p| p.name == "text").unwrap();
        let (va, pa, size) = page_range(text);
        assert_eq!(size, 3 * 4096);
        assert_eq!(va, text.pages[0].va());
        assert_eq!(pa, text.pages[0].pa());
        assert_eq!(text.pages[2].va(), va + 2 * 4096);
        assert_eq!(input.alias_of(text), None);
    }
}
