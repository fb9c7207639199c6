//! A device-tree source fragment: the RAM the normal (non-secure) world owns as
//! `/memory` nodes, and what of it, and of the rest of RAM, the normal world must leave
//! alone as `/reserved-memory` nodes, in the form Linux, U-Boot, Xen and Zephyr read
//! (the Devicetree Specification, sections 3.4 "/memory node" and 3.5
//! "/reserved-memory node"; Linux's `reserved-memory.yaml` binding).
//!
//! # Using it
//!
//! The fragment is a whole DTS source: `/dts-v1/;` and a root node with
//! `#address-cells = <2>` and `#size-cells = <2>` (64-bit addresses and sizes, as
//! AArch64 boards have), so `dtc -I dts -O dtb` compiles it on its own. To merge it
//! into a board's device tree, include it before the board's own nodes; dtc merges the
//! two root nodes:
//!
//! ```text
//! /dts-v1/;
//! /include/ "soc.dts"     /* memlayout export soc.memlayout --format dts -o soc.dts */
//!
//! / {
//!     model = "My board";
//!     compatible = "vendor,board";
//!     ...
//! };
//! ```
//!
//! (or `#include "soc.dts"` in a source run through the C preprocessor, as Linux and
//! Zephyr build theirs).
//!
//! # Which memory is whose
//!
//! The normal world is every table of a non-secure context (`EL2_NS`, `EL1_NS`,
//! `EL0_NS`): the hypervisor, kernel and processes that read the device tree. Every
//! other table (`EL3`, the secure and the realm contexts) is firmware.
//!
//! * `/memory`: one node per RAM pool (not `device`) the normal world owns, named
//!   `memory@<start>`, with `device_type = "memory"` and the whole pool as `reg`. Once
//!   any pool of the layout is `non_secure`, those are the `non_secure` RAM pools;
//!   without any, security is not modelled and every RAM pool is the normal world's.
//!   Device windows are described by device nodes, not here.
//! * A comment per pool in both physical address spaces (`secure, non_secure`, such as
//!   a GIC), saying the normal world reaches it with non-secure accesses (a RAM one is
//!   also a `/memory` node: it is `non_secure`).
//! * `/reserved-memory` (with `ranges;` and the root's cell sizes), one child per
//!   range, sorted by address:
//!   * each secure RAM pool (when security is modelled), whole, with `no-map`: the
//!     normal world cannot access it, and a board tree whose `/memory` covers it (a DRAM
//!     bank with a secure carve-out) must not map it either;
//!   * in the normal world's RAM, the pages that a firmware table maps: with `no-map`
//!     when no normal-world table maps them, or when one does but their memory type is
//!     not Normal write-back inner shareable (Linux maps its RAM write-back inner
//!     shareable, and a second mapping with other attributes is a mismatched alias, Arm
//!     ARM B2.8); without `no-map` when the normal world maps them write-back inner
//!     shareable too (a mailbox it shares with the monitor): it may map them, but must
//!     not allocate them;
//!   * in the normal world's RAM, the translation tables of every table: with `no-map`
//!     for a firmware table's, without for a normal-world table's (its own tables,
//!     which it reads and writes, but must not allocate);
//!   * in the normal world's RAM, the rest of every reserved range of the layout (a
//!     `tables at` range past the tables it holds, a [`Layout::reserve`] range): with
//!     `no-map`, as nothing in the layout says who uses it.
//!
//!   Pages that only normal-world tables map stay in `/memory` unreserved: they are
//!   the normal world's own memory (its kernel image, its heap), which its loader and
//!   kernel account for.
//! * Touching ranges of one pool with the same `no-map` are one node (Linux reads at
//!   most 64 reserved regions, older U-Boot fewer). A node is named after what it
//!   holds, `_` written `-` (node names take `[a-z0-9,._+-]`, at most 31 characters):
//!   the table whose own pages and tables it holds, the page that several tables map
//!   (a shared page, or the page an alias maps), the secure pool or the reservation;
//!   when it holds several of those, `translation-tables` if it holds only translation
//!   tables, else `firmware` (with `no-map`) or `shared` (without). A comment above
//!   each node lists its contents. Unit addresses are the node's first address in
//!   lower-case hex without leading zeros, as `reg` starts.
//!
//! With [`Input::only`], only the selected tables' pages and translation tables are
//! reserved (whether the normal world maps a page is still decided over every table);
//! the pools and the other reserved ranges are the whole layout's.
//!
//! [`Layout::reserve`]: crate::Layout::reserve

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::{Input, page_range};
use crate::interval::Interval;
use crate::model::{Cacheability, Page, SecurityState, Shareability};

/// The device-tree source for `input` (see the [module](self) docs).
pub fn dts(input: &Input<'_>) -> String {
    let layout = input.plan().layout();
    let pools = layout.pools();
    let mut order: Vec<usize> = (0..pools.len()).collect();
    order.sort_by_key(|&i| pools[i].range().start());

    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        "/*\n \
         * Generated by memlayout from layout `{}`; do not edit.\n \
         * /memory: the RAM the normal (non-secure) world owns. /reserved-memory: what it\n \
         * must not allocate (firmware, secure memory, translation tables); no-map where it\n \
         * must not map it either. Include it before a board's own nodes.\n \
         */\n\
         /dts-v1/;\n\
         \n\
         / {{\n\
         \t#address-cells = <2>;\n\
         \t#size-cells = <2>;\n",
        comment(input.module())
    );
    for &i in &order {
        let p = &pools[i];
        if !normal_ram(input, i) {
            continue;
        }
        let r = p.range();
        let _ = write!(
            out,
            "\n\t/* pool {}: {:#x}..{} */\n\
             \tmemory@{:x} {{\n\
             \t\tdevice_type = \"memory\";\n\
             \t\treg = <{}>;\n\
             \t}};\n",
            comment(p.name()),
            r.start(),
            end_text(r),
            r.start(),
            reg(r),
        );
    }
    // Pools in both physical address spaces (a GIC): the normal world reaches them too.
    for &i in &order {
        let p = &pools[i];
        if p.is_dual_view() {
            let r = p.range();
            let _ = write!(
                out,
                "\n\t/* pool {}: {:#x}..{}, {}, in both physical address spaces: the normal\n\t * world reaches it with non-secure accesses, the secure world with secure ones */\n",
                comment(p.name()),
                r.start(),
                end_text(r),
                if p.is_device() { "device" } else { "RAM" },
            );
        }
    }
    out.push_str(
        "\n\treserved-memory {\n\
         \t\t#address-cells = <2>;\n\
         \t\t#size-cells = <2>;\n\
         \t\tranges;\n",
    );
    let claims = claims(input);
    for region in regions(&claims, &order) {
        let _ = writeln!(out);
        let whats = region.whats(&claims);
        for (k, what) in whats.iter().enumerate() {
            let (open, close) = (
                if k == 0 { "/* " } else { " * " },
                if k + 1 == whats.len() { " */" } else { "" },
            );
            let _ = writeln!(out, "\t\t{open}{}{close}", comment(what));
        }
        let _ = write!(
            out,
            "\t\t{}@{:x} {{\n\
             \t\t\treg = <{}>;\n",
            node_name(&region.name(&claims)),
            region.range.start(),
            reg(region.range),
        );
        if region.no_map {
            out.push_str("\t\t\tno-map;\n");
        }
        out.push_str("\t\t};\n");
    }
    out.push_str("\t};\n};\n");
    out
}

/// Whether pool `i` is RAM the normal world owns: a RAM pool that is `non_secure`, or
/// any RAM pool when no pool is.
fn normal_ram(input: &Input<'_>, i: usize) -> bool {
    let pools = input.plan().layout().pools();
    let modelled = pools
        .iter()
        .any(|p| p.is_non_secure() || p.is_realm() || p.is_root());
    pools
        .get(i)
        .is_some_and(|p| !p.is_device() && (!modelled || p.is_non_secure()))
}

/// Whether pool `i` is a RAM pool of the secure, root or realm world (only when
/// security is modelled).
fn secure_ram(input: &Input<'_>, i: usize) -> bool {
    let pools = input.plan().layout().pools();
    let modelled = pools
        .iter()
        .any(|p| p.is_non_secure() || p.is_realm() || p.is_root());
    pools
        .get(i)
        .is_some_and(|p| modelled && !p.is_device() && !p.is_non_secure())
}

/// One range the normal world must leave alone, before touching ones are merged.
#[derive(Clone, Debug)]
struct Claim {
    /// The pool it lies in.
    pool: usize,
    range: Interval,
    no_map: bool,
    /// The table, page, pool or reservation it belongs to (the node's name).
    owner: String,
    /// Whether it is a table's translation tables.
    tables: bool,
    /// What it is, for the comment.
    what: String,
}

/// Whether a page is in the normal world (a table of a non-secure context).
fn normal_world(page: &Page) -> bool {
    page.el().security() == SecurityState::NonSecure
}

/// Whether a page has the memory type of Linux's map of its RAM: Normal write-back,
/// inner shareable.
fn linear_map_type(page: &Page) -> bool {
    page.cacheability() == Some(Cacheability::WriteBack)
        && page.shareability() == Some(Shareability::Inner)
}

/// The pool of normal-world RAM that holds all of `range`, if any.
fn normal_pool(input: &Input<'_>, range: Interval) -> Option<usize> {
    let pools = input.plan().layout().pools();
    (0..pools.len()).find(|&i| normal_ram(input, i) && pools[i].range().covers(&range))
}

/// Every range to reserve (see the module docs), in no particular order.
fn claims(input: &Input<'_>) -> Vec<Claim> {
    let plan = input.plan();
    let layout = plan.layout();
    let mut claims = Vec::new();
    for (i, p) in layout.pools().iter().enumerate() {
        if secure_ram(input, i) {
            claims.push(Claim {
                pool: i,
                range: p.range(),
                no_map: true,
                owner: p.name().into(),
                tables: false,
                what: alloc::format!(
                    "{} pool {}: {:#x}..{}",
                    p.space_label().unwrap_or("secure"),
                    p.name(),
                    p.range().start(),
                    end_text(p.range())
                ),
            });
        }
    }
    for t in input.tables() {
        for p in &t.pages {
            let (_, pa, size) = page_range(p);
            let Some(range) = Interval::new(pa, size) else {
                continue;
            };
            let Some(pool) = normal_pool(input, range) else {
                continue;
            };
            let users: Vec<&Page> = layout
                .all_pages()
                .iter()
                .filter(|pg| Interval::new(pg.pa(), pg.size()).is_some_and(|r| r.overlaps(&range)))
                .collect();
            if users.iter().all(|pg| normal_world(pg)) {
                continue;
            }
            let shared = users.iter().any(|pg| normal_world(pg));
            // A page only this table maps belongs to the table; one that several map
            // (a shared page, an alias) is named after the page.
            let others = users
                .iter()
                .any(|pg| !p.pages.iter().any(|own| core::ptr::eq(*own, *pg)));
            let owner = if others {
                String::from(input.alias_of(p).unwrap_or(p.name))
            } else {
                t.name().into()
            };
            let what = alloc::format!(
                "page {} of table {}: {:#x}..{}",
                p.name,
                t.name(),
                range.start(),
                end_text(range)
            );
            claims.push(Claim {
                pool,
                range,
                no_map: !(shared && users.iter().all(|pg| linear_map_type(pg))),
                owner,
                tables: false,
                what,
            });
        }
    }
    for t in input.tables() {
        let tr = t.translation;
        let Some(range) = Interval::new(tr.base_pa(), tr.len() as u64) else {
            continue;
        };
        let Some(pool) = normal_pool(input, range) else {
            continue;
        };
        claims.push(Claim {
            pool,
            range,
            no_map: t.info.el().security() != SecurityState::NonSecure,
            owner: t.name().into(),
            tables: true,
            what: alloc::format!(
                "translation tables of table {}: {:#x}..{}",
                t.name(),
                range.start(),
                end_text(range)
            ),
        });
    }
    // Every table's translation tables, selected or not: the rest of a reservation is
    // what no table's tables take.
    let tables: Vec<Interval> = (0..layout.tables().count())
        .filter_map(|i| plan.translation(i))
        .filter_map(|tr| Interval::new(tr.base_pa(), tr.len() as u64))
        .collect();
    for (name, r) in layout.reservations() {
        let Some(pool) = normal_pool(input, *r) else {
            continue;
        };
        for rest in subtract(*r, &tables) {
            claims.push(Claim {
                pool,
                range: rest,
                no_map: true,
                owner: name.clone(),
                tables: false,
                what: alloc::format!("reserved {name}: {:#x}..{}", rest.start(), end_text(rest)),
            });
        }
    }
    claims
}

/// The parts of `range` that none of `holes` covers, in address order.
fn subtract(range: Interval, holes: &[Interval]) -> Vec<Interval> {
    let mut holes: Vec<Interval> = holes.iter().filter_map(|h| h.intersect(&range)).collect();
    holes.sort();
    let mut out = Vec::new();
    let mut next = Some(range.start());
    for h in holes {
        let Some(from) = next else { break };
        if h.start() > from
            && let Some(part) = Interval::from_bounds(from, h.start() - 1)
        {
            out.push(part);
        }
        if h.last() >= from {
            next = h.last().checked_add(1);
        }
    }
    if let Some(from) = next
        && let Some(part) = Interval::from_bounds(from, range.last())
    {
        out.push(part);
    }
    out
}

/// One `/reserved-memory` node: touching claims of one pool with the same `no-map`.
#[derive(Debug)]
struct Region {
    range: Interval,
    no_map: bool,
    /// Indices into the claims, in address order, each once.
    claims: Vec<usize>,
}

impl Region {
    /// The name of what it holds (see the module docs).
    fn name(&self, claims: &[Claim]) -> String {
        let mut owners: Vec<&str> = self
            .claims
            .iter()
            .map(|&c| claims[c].owner.as_str())
            .collect();
        owners.dedup();
        owners.sort_unstable();
        owners.dedup();
        match owners.as_slice() {
            [one] => String::from(*one),
            _ if self.claims.iter().all(|&c| claims[c].tables) => "translation-tables".into(),
            _ if self.no_map => "firmware".into(),
            _ => "shared".into(),
        }
    }

    /// The descriptions of what it holds, each once, in address order.
    fn whats<'c>(&self, claims: &'c [Claim]) -> Vec<&'c str> {
        let mut out: Vec<&str> = Vec::new();
        for &c in &self.claims {
            let w = claims[c].what.as_str();
            if !out.contains(&w) {
                out.push(w);
            }
        }
        out
    }
}

/// The reserved nodes: the claims cut at every boundary, a piece `no-map` when any
/// claim covering it is, then touching pieces of one pool with the same `no-map`
/// joined. Pools in the order `pools` (by address), nodes by address.
fn regions(claims: &[Claim], pools: &[usize]) -> Vec<Region> {
    let mut out: Vec<Region> = Vec::new();
    for &pool in pools {
        let mine: Vec<usize> = (0..claims.len())
            .filter(|&c| claims[c].pool == pool)
            .collect();
        // Boundaries as u128: a claim may end at 2^64.
        let mut cuts: Vec<u128> = mine
            .iter()
            .flat_map(|&c| {
                let r = claims[c].range;
                [u128::from(r.start()), u128::from(r.last()) + 1]
            })
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut last: Option<usize> = None;
        for w in cuts.windows(2) {
            let (from, to) = (w[0], w[1]);
            let (Ok(start), Ok(end_last)) = (u64::try_from(from), u64::try_from(to - 1)) else {
                continue;
            };
            let Some(piece) = Interval::from_bounds(start, end_last) else {
                continue;
            };
            let mut covering: Vec<usize> = mine
                .iter()
                .copied()
                .filter(|&c| claims[c].range.covers(&piece))
                .collect();
            if covering.is_empty() {
                last = None;
                continue;
            }
            // In address order of the claims, then as found.
            covering.sort_by_key(|&c| (claims[c].range.start(), c));
            let no_map = covering.iter().any(|&c| claims[c].no_map);
            match last.and_then(|k| out.get_mut(k)) {
                Some(prev)
                    if prev.no_map == no_map && u128::from(prev.range.last()) + 1 == from =>
                {
                    if let Some(joined) = Interval::from_bounds(prev.range.start(), end_last) {
                        prev.range = joined;
                    }
                    for c in covering {
                        if !prev.claims.contains(&c) {
                            prev.claims.push(c);
                        }
                    }
                }
                _ => {
                    out.push(Region {
                        range: piece,
                        no_map,
                        claims: covering,
                    });
                    last = Some(out.len() - 1);
                }
            }
        }
    }
    out.sort_by_key(|r| r.range.start());
    out
}

/// The `reg` cells of a range: address then size, each as two 32-bit cells.
fn reg(r: Interval) -> String {
    let size = u64::try_from(r.size()).unwrap_or(u64::MAX);
    let start = r.start();
    alloc::format!(
        "{:#x} {:#x} {:#x} {:#x}",
        start >> 32,
        start & 0xFFFF_FFFF,
        size >> 32,
        size & 0xFFFF_FFFF
    )
}

/// The exclusive end of a range for comments (`0x10000000000000000` at the top).
fn end_text(r: Interval) -> String {
    alloc::format!("{:#x}", u128::from(r.last()) + 1)
}

/// A name as a device-tree node name: ASCII lower case, `_` and every character a node
/// name does not take written `-`, at most 31 characters, never empty.
fn node_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ',' | '.' | '+' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(31)
        .collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("memlayout");
    }
    out
}

/// Text safe inside a `/* */` comment.
fn comment(text: &str) -> String {
    text.replace("*/", "* /")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::testing::{page, plan_two_tables};
    use crate::model::{ExecutionContext, PageKind, PageSize};
    use crate::plan::{Plan, plan};
    use crate::spec::{Placement, PoolSpec, RangeSpec, Spec, TableSpec};
    use alloc::format;
    use alloc::vec;

    /// The `reg` of the node whose line is `head` (`memory@80000000 {`).
    fn reg_of(dts: &str, head: &str) -> Option<String> {
        let at = dts.find(head)?;
        let rest = &dts[at..];
        let l = rest
            .lines()
            .find(|l| l.trim_start().starts_with("reg = <"))?;
        Some(
            l.trim()
                .trim_start_matches("reg = <")
                .trim_end_matches(">;")
                .into(),
        )
    }

    #[test]
    fn without_security_every_ram_pool_is_memory_and_firmware_is_reserved() {
        let plan = plan_two_tables();
        let input = Input::new("soc", &plan);
        let d = dts(&input);
        assert!(d.contains("/dts-v1/;\n"));
        // RAM is memory, the device window is not.
        assert_eq!(
            reg_of(&d, "memory@80000000 {").as_deref(),
            Some("0x0 0x80000000 0x0 0x40000000")
        );
        assert_eq!(d.matches("device_type = \"memory\";").count(), 1, "{d}");
        // Every EL3 page in RAM is inside a no-map node; the EL1_NS page is in none.
        let el3 = &input.tables()[0];
        let nodes = reserved(&d);
        for p in &el3.pages {
            let (_, pa, size) = page_range(p);
            if pa < 0x8000_0000 {
                continue;
            }
            assert!(
                nodes
                    .iter()
                    .any(|&(s, l, no_map)| no_map && s <= pa && pa + size - 1 <= l),
                "{} in\n{d}",
                p.name
            );
        }
        let data = &input.tables()[1].pages[0];
        let (_, pa, _) = page_range(data);
        assert!(nodes.iter().all(|&(s, l, _)| pa < s || pa > l), "{d}");
        // Tables: EL3's no-map, EL1_NS's mappable.
        for t in input.tables() {
            let base = t.translation.base_pa();
            let node = nodes.iter().find(|&&(s, l, _)| s <= base && base <= l);
            let no_map = t.info.el() == ExecutionContext::EL3;
            assert_eq!(node.map(|n| n.2), Some(no_map), "{} in\n{d}", t.name());
        }
    }

    /// (first, last, no-map) of every reserved node.
    fn reserved(d: &str) -> Vec<(u64, u64, bool)> {
        let body = &d[d.find("reserved-memory {").unwrap()..];
        let mut out = Vec::new();
        for node in body.split("};").filter(|n| n.contains('@')) {
            let l = node
                .lines()
                .find(|l| l.trim_start().starts_with("reg = <"))
                .unwrap();
            let cells: Vec<u64> = l
                .trim()
                .trim_start_matches("reg = <")
                .trim_end_matches(">;")
                .split(' ')
                .map(|c| u64::from_str_radix(c.trim_start_matches("0x"), 16).unwrap())
                .collect();
            let start = cells[0] << 32 | cells[1];
            let size = cells[2] << 32 | cells[3];
            out.push((start, start + size - 1, node.contains("no-map;")));
        }
        out
    }

    /// A secure SRAM, a non-secure DRAM; an EL3 table with a page in each (`buf` in
    /// DRAM), a kernel table, and two shared pages in DRAM: `mbox` write-back, `nc`
    /// non-cacheable.
    fn plan_secure() -> Plan {
        let pool = |name: &str, start, size, non_secure| PoolSpec {
            decl: 0,
            name: name.into(),
            start,
            size,
            device: false,
            non_secure,
            secure: false,
            realm: false,
            root: false,
        };
        let table = |name: &str, el, start| TableSpec {
            decl: 0,
            name: name.into(),
            cores: crate::model::Cores::one(0),
            el,
            virt: vec![RangeSpec {
                decl: 0,
                start,
                size: 1 << 30,
            }],
            va_bits: None,
            upper_va_bits: None,
            granule: None,
            tables_in: None,
            non_secure_tables_ok: false,
            asid: None,
            under: None,
        };
        let mut buf = page("buf", 0, PageKind::Data, PageSize::Size4K, 1);
        buf.pool = Some("dram".into());
        let mut mbox = page("mbox", 0, PageKind::Data, PageSize::Size4K, 1);
        mbox.place = Placement::Shared(None);
        mbox.pool = Some("dram".into());
        let mut nc = page("nc", 0, PageKind::Data, PageSize::Size4K, 1);
        nc.place = Placement::Shared(None);
        nc.pool = Some("dram".into());
        nc.attrs.cache = Cacheability::NonCacheable;
        let spec = Spec {
            pools: vec![
                pool("sram", 0x0E00_0000, 16 << 20, false),
                pool("dram", 0x4000_0000, 1 << 30, true),
            ],
            tables: vec![
                table("el3", ExecutionContext::EL3, 0x0E00_0000),
                table("kernel", ExecutionContext::EL1_NS, 0x40_0000_0000),
            ],
            pages: vec![
                page("mon", 0, PageKind::Code, PageSize::Size4K, 2),
                buf,
                page("heap", 1, PageKind::Data, PageSize::Size4K, 4),
                mbox,
                nc,
            ],
            ..Spec::default()
        };
        match plan(&spec) {
            Ok(p) => p,
            Err(e) => panic!("test layout does not plan: {e:?}"),
        }
    }

    #[test]
    fn with_security_the_secure_pool_is_reserved_and_shared_pages_follow_their_type() {
        let plan = plan_secure();
        let input = Input::new("tz", &plan);
        let d = dts(&input);
        // Only the non-secure DRAM is memory; the SRAM is one no-map node.
        assert_eq!(d.matches("device_type = \"memory\";").count(), 1, "{d}");
        assert_eq!(
            reg_of(&d, "memory@40000000 {").as_deref(),
            Some("0x0 0x40000000 0x0 0x40000000")
        );
        assert_eq!(
            reg_of(&d, "sram@e000000 {").as_deref(),
            Some("0x0 0xe000000 0x0 0x1000000")
        );
        let nodes = reserved(&d);
        assert!(nodes.contains(&(0x0E00_0000, 0x0EFF_FFFF, true)), "{d}");
        let find = |table: usize, name: &str| {
            let t = &input.tables()[table];
            let p = t.pages.iter().find(|p| p.name == name).unwrap();
            page_range(p).1
        };
        let covering = |pa: u64| {
            nodes
                .iter()
                .filter(|&&(s, l, _)| s <= pa && pa <= l)
                .map(|n| n.2)
                .collect::<Vec<bool>>()
        };
        // EL3's page in DRAM: no-map. The kernel's heap: not reserved.
        assert_eq!(covering(find(0, "buf")), [true], "{d}");
        assert_eq!(covering(find(1, "heap")), Vec::<bool>::new(), "{d}");
        // Shared write-back: mappable; shared non-cacheable: no-map.
        assert_eq!(covering(find(0, "mbox")), [false], "{d}");
        assert_eq!(covering(find(0, "nc")), [true], "{d}");
        // The kernel's tables are in DRAM (a non-secure table's tables are), mappable.
        let kt = input.tables()[1].translation.base_pa();
        assert!((0x4000_0000..0x8000_0000).contains(&kt));
        assert_eq!(covering(kt), [false], "{d}");
        // Nodes never overlap, and touching nodes differ in no-map.
        for w in nodes.windows(2) {
            assert!(w[0].1 < w[1].0, "{d}");
            if w[0].1 + 1 == w[1].0 {
                assert_ne!(w[0].2, w[1].2, "{d}");
            }
        }
        // Narrowed to the kernel: its tables and the shared pages, not EL3's own page.
        let only = dts(&input.clone().only("kernel").unwrap());
        let nodes = reserved(&only);
        let cov = |pa: u64| nodes.iter().any(|&(s, l, _)| s <= pa && pa <= l);
        assert!(!cov(find(0, "buf")), "{only}");
        assert!(cov(find(0, "mbox")) && cov(kt), "{only}");
    }

    #[test]
    fn names_and_ranges() {
        assert_eq!(node_name("core0_el3"), "core0-el3");
        assert_eq!(node_name("translation tables"), "translation-tables");
        assert_eq!(node_name("__"), "memlayout");
        assert_eq!(
            node_name("a_very_long_table_name_of_forty_characters"),
            "a-very-long-table-name-of-forty"
        );
        let r = |s, l| Interval::from_bounds(s, l).unwrap();
        assert_eq!(
            subtract(r(0, 99), &[r(10, 19), r(50, 200)]),
            [r(0, 9), r(20, 49)]
        );
        assert_eq!(subtract(r(0, 99), &[r(0, 99)]), []);
        assert_eq!(subtract(r(0, u64::MAX), &[r(5, u64::MAX)]), [r(0, 4)]);
        assert_eq!(
            reg(r(0x8_0000_0000, 0x8_3FFF_FFFF)),
            "0x8 0x0 0x0 0x40000000"
        );
        assert_eq!(
            format!("{}", end_text(r(0, u64::MAX))),
            "0x10000000000000000"
        );
        assert_eq!(comment("a */ b"), "a * / b");
    }
}
