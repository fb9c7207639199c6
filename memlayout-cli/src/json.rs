//! `--format json`: the whole planned layout for tools.
//!
//! Schema (format_version 2); every address, size and register value is a JSON number
//! holding a `u64` (tools in languages whose numbers are doubles must read them as
//! 64-bit integers: values above 2^53 occur, for example in TCR and upper VAs):
//!
//! ```text
//! { "format_version": 2, "seed": u64 | null, "pa_bits": int,
//!   "pools":  [ { "name", "start", "end" (exclusive), "device": bool, "non_secure": bool } ],
//!   "tables": [ { "name", "core" (the first core), "cores" (every core using it), "el" ("EL3", "EL1_NS", ..), "regime" ("EL3", "EL2", "EL1&0"),
//!                 "tables_pa", "table_count", "va_bits", "upper_va_bits",
//!                 "registers": { "mair", "tcr", "ttbr0", "ttbr1", "sctlr_set" },
//!                 "pages":    [ { "name", "index", "va", "pa", "size", "kind", "perms",
//!                                 "cacheability" (null for device), "shareability" (null for device),
//!                                 "shared", "identity", "va_equals_pa", "alias_of" (page name | null),
//!                                 "attrs": { key: number | string | bool } } ],
//!                 "segments": [ { "name", "kind", "va", "pa", "size", "align",
//!                                 "identity", "va_equals_pa",
//!                                 "page" (the page holding its first byte) } ] } ] }
//! ```
//!
//! `identity` is true for what the layout asks to have VA == PA (the `identity` keyword
//! on the page, on the segment, or on the pages a segment lies in): every placement
//! keeps it there. `va_equals_pa` is true wherever VA == PA holds in this placement,
//! asked for or not; where it holds without `identity`, the next edit of the layout (or
//! another seed) may move it apart.
//!
//! Version 2 added `va_equals_pa` (pages and segments) and `identity` (segments), and
//! made `identity` of a page mean the request: in version 1 it was true for any page at
//! VA == PA.

use memlayout::AttrValue;
use memlayout::export::Input;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Serialize)]
struct Layout {
    format_version: u32,
    seed: Option<u64>,
    pa_bits: u8,
    pools: Vec<Pool>,
    tables: Vec<Table>,
}

#[derive(Serialize)]
struct Pool {
    name: String,
    start: u64,
    end: u64,
    device: bool,
    non_secure: bool,
}

#[derive(Serialize)]
struct Table {
    name: String,
    core: u32,
    cores: Vec<u32>,
    el: String,
    regime: String,
    tables_pa: u64,
    table_count: usize,
    /// The lower range's VA size, `null` without a lower range.
    va_bits: Option<u8>,
    /// The upper range's VA size (TTBR1), `null` without an upper range.
    upper_va_bits: Option<u8>,
    registers: Registers,
    pages: Vec<Page>,
    segments: Vec<Segment>,
}

#[derive(Serialize)]
struct Registers {
    mair: u64,
    tcr: u64,
    ttbr0: u64,
    /// `TTBR1_EL1`: the upper range's root, 0 without an upper range.
    ttbr1: u64,
    sctlr_set: u64,
}

#[derive(Serialize)]
struct Page {
    name: String,
    index: u32,
    va: u64,
    pa: u64,
    size: u64,
    kind: String,
    perms: String,
    cacheability: Option<String>,
    shareability: Option<String>,
    shared: bool,
    /// Requested at VA == PA (`identity`), and there.
    identity: bool,
    /// VA == PA in this placement, requested or not.
    va_equals_pa: bool,
    alias_of: Option<String>,
    attrs: Map<String, Value>,
}

#[derive(Serialize)]
struct Segment {
    name: String,
    kind: String,
    va: u64,
    pa: u64,
    size: u64,
    align: u64,
    /// Requested at VA == PA (its own `identity` or its pages'), and there.
    identity: bool,
    /// VA == PA in this placement, requested or not.
    va_equals_pa: bool,
    page: Option<String>,
}

fn attr_value(v: &AttrValue) -> Value {
    match v {
        AttrValue::Int(i) => match (i64::try_from(*i), u64::try_from(*i)) {
            (Ok(n), _) => Value::from(n),
            (_, Ok(n)) => Value::from(n),
            _ => Value::from(i.to_string()),
        },
        AttrValue::Str(s) => Value::from(s.to_string()),
        AttrValue::Bool(b) => Value::from(*b),
        other => Value::from(other.to_string()),
    }
}

/// The JSON document for `input`, pretty-printed, ending in a newline.
///
/// # Errors
///
/// serde_json's error if the document cannot be serialized (it holds only numbers,
/// strings, booleans and lists, so this is not expected).
pub fn json(input: &Input<'_>) -> Result<String, serde_json::Error> {
    let layout = input.plan().layout();
    let doc = Layout {
        format_version: 2,
        seed: layout.seed(),
        pa_bits: layout.pa_bits(),
        pools: layout
            .pools()
            .iter()
            .map(|p| Pool {
                name: p.name().into(),
                start: p.range().start(),
                end: p.range().end().unwrap_or(u64::MAX),
                device: p.is_device(),
                non_secure: p.is_non_secure(),
            })
            .collect(),
        tables: input
            .tables()
            .iter()
            .map(|t| {
                let tr = t.translation;
                Table {
                    name: t.name().into(),
                    core: t.info.core(),
                    cores: t.info.cores().iter().collect(),
                    el: t.info.el().to_string(),
                    regime: tr.regime().to_string(),
                    tables_pa: tr.base_pa(),
                    table_count: tr.table_count(),
                    va_bits: tr.has_lower().then_some(tr.va_bits()),
                    upper_va_bits: tr.upper_va_bits(),
                    registers: Registers {
                        mair: tr.mair(),
                        tcr: tr.tcr(),
                        ttbr0: tr.ttbr0(),
                        ttbr1: tr.ttbr1(),
                        sctlr_set: tr.sctlr_set(),
                    },
                    pages: t
                        .pages
                        .iter()
                        .flat_map(|p| {
                            let alias_of = input.alias_of(p).map(String::from);
                            p.pages.iter().map(move |pg| Page {
                                name: pg.name().into(),
                                index: pg.index(),
                                va: pg.va(),
                                pa: pg.pa(),
                                size: pg.size(),
                                kind: pg.kind().name().into(),
                                perms: pg.perms().name().into(),
                                cacheability: pg.cacheability().map(|c| c.name().into()),
                                shareability: pg.shareability().map(|s| s.name().into()),
                                shared: pg.is_shared(),
                                identity: pg.is_identity(),
                                va_equals_pa: pg.va_equals_pa(),
                                alias_of: alias_of.clone(),
                                attrs: pg
                                    .attrs()
                                    .iter()
                                    .map(|a| (a.key.to_string(), attr_value(&a.value)))
                                    .collect(),
                            })
                        })
                        .collect(),
                    segments: t
                        .segments
                        .iter()
                        .map(|s| {
                            let s = s.segment;
                            Segment {
                                name: s.name().into(),
                                kind: s.kind().name().into(),
                                va: s.va(),
                                pa: s.pa(),
                                size: s.size(),
                                align: s.align(),
                                identity: s.is_identity(),
                                va_equals_pa: s.va_equals_pa(),
                                page: t.page_of(s).map(String::from),
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}
