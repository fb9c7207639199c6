//! The addresses of a firmware example's layout file, for the tests of
//! `examples/firmware-c` and `examples/firmware-rust`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use memlayout::dsl::file::plan_text;
use memlayout::plan::Plan;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package sits in the workspace")
        .to_path_buf()
}

/// What a layout file places where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutAddresses {
    /// `<table>.<page or segment>.va`, `.pa` (of the first page of a `* N` run) and, for
    /// segments, `.size`; `<table>.tables_pa`.
    pub named: BTreeMap<String, u64>,
    /// Every declared pool and virtual range as `(start, last inclusive, description)`.
    pub pools: Vec<(u64, u64, String)>,
}

impl LayoutAddresses {
    /// The value of `key`, or a message naming what the layout lacks.
    pub fn get(&self, key: &str) -> Result<u64, String> {
        self.named
            .get(key)
            .copied()
            .ok_or_else(|| format!("the layout has no `{key}`"))
    }
}

/// Parses, checks and plans a layout file as the macro and the `memlayout` command do.
///
/// # Panics
///
/// When the file cannot be read or has errors: the examples' layouts have none.
pub fn layout_addresses(path: &Path) -> LayoutAddresses {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let planned = plan_text(&text).unwrap_or_else(|errors| {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("{} has errors:\n{}", path.display(), list.join("\n"))
    });
    addresses(planned.plan())
}

fn addresses(plan: &Plan) -> LayoutAddresses {
    let layout = plan.layout();
    let mut named = BTreeMap::new();
    let mut pools = Vec::new();
    for p in layout.pools() {
        let r = p.range();
        pools.push((r.start(), r.last(), format!("in pool `{}`", p.name())));
    }
    let mut t = 0;
    while let Some(id) = plan.table_id(t) {
        let tn = layout
            .table_info(id)
            .expect("a planned table")
            .name()
            .to_string();
        for r in layout.virtual_ranges(id) {
            pools.push((r.start(), r.last(), format!("in a virtual range of `{tn}`")));
        }
        let tr = plan.translation(t).expect("every table has a translation");
        named.insert(format!("{tn}.tables_pa"), tr.base_pa());
        for p in plan.pages(t) {
            let first = p.pages[0];
            named.insert(format!("{tn}.{}.va", p.name), first.va());
            named.insert(format!("{tn}.{}.pa", p.name), first.pa());
        }
        for s in plan.segments(t) {
            let s = s.segment;
            named.insert(format!("{tn}.{}.va", s.name()), s.va());
            named.insert(format!("{tn}.{}.pa", s.name()), s.pa());
            named.insert(format!("{tn}.{}.size", s.name()), s.size());
        }
        t += 1;
    }
    LayoutAddresses { named, pools }
}
