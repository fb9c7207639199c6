//! `--format json`: the whole planned layout for tools, written with the `serde` feature
//! of `memlayout` (its pages, segments, tables, pools and register values serialize
//! themselves; this file only puts them together).
//!
//! Schema (format_version 3). Every address, size, alignment and register value, and
//! the seed, is a string holding the number in hex, spelt for machines: `0x`, lower-case
//! digits, as few as the value needs, no `_` (`"0xffffff8000200000"`, `"0x0"`). Readers
//! whose numbers are doubles (JavaScript, `jq`, Python's `json` with `parse_int=float`)
//! keep them exact that way; every JSON number in the document is an integer within
//! ±2^53, which a double holds exactly.
//!
//! ```text
//! { "format_version": 3, "seed": hex | null, "pa_bits": int,
//!   "pools":  [ { "name", "start": hex, "end": hex (exclusive; may be 2^64), "device": bool, "non_secure": bool, "secure": true (only in both spaces),
//!               "space" ("secure", "non_secure", "secure, non_secure", "realm" or "root"; "secure" for a pool declared in no space) } ],
//!   "tables": [ { "name", "core" (the first core), "cores" [every core using it], "el" ("EL3", "EL1_NS", ..),
//!                 "regime" ("EL3", "EL2", "EL1&0"), "granule" ("4K", "16K" or "64K"), "tables_pa": hex, "table_count": int,
//!                 "va_bits" (the lower range's; null without one), "upper_va_bits" (or null),
//!                 "registers": { "mair", "tcr", "ttbr0", "ttbr1", "sctlr_set" } (hex; for a
//!                 virtual machine's stage 2 table { "vtcr", "vttbr", "hcr_set" } (hex) and "vmid": int),
//!                 "asid": int (a process with `asid N` only), "kernel" (the table a process
//!                 runs under; a process only), "processes" [names] (a kernel only),
//!                 "pages":    [ { "name", "index", "core", "el", "va": hex, "pa": hex, "size": hex,
//!                                 "kind", "perms", "cacheability", "shareability" (null for device),
//!                                 "device_type" ("nGnRnE", "nGnRE", "nGRE", "GRE"; null unless device),
//!                                 "non_secure", "pas" ("secure", "non_secure", "root", "realm"),
//!                                 "shared", "identity", "va_equals_pa",
//!                                 "attrs": { key: number | string | bool },
//!                                 "alias_of" (page name | null),
//!                                 "guard": hex (only for a guarded page: bytes of VA
//!                                          kept unmapped below and above its run) } ],
//!                 "segments": [ { "name", "kind", "core", "el", "va": hex, "pa": hex, "size": hex,
//!                                 "align": hex, "shared", "identity", "va_equals_pa",
//!                                 "page" (the page holding its first byte) } ] } ],
//!   "gpt": { "pa": hex, "size": hex, "level0_pa": hex, "align": hex, "gptbr": hex, "gpccr": hex,
//!            "pps_bits": int, "pgs": hex, "l0gptsz": hex, "level1_tables": int }
//!          (only for a layout with `gpt in ..;` or `gpt at ..;`) }
//! ```
//!
//! An attribute integer is a number within ±2^53 and a hex string (`"0x.."`, `"-0x.."`)
//! beyond. `identity` is true for what the layout asks to have VA == PA (the `identity`
//! keyword on the page, on the segment, or on the pages a segment lies in): every
//! placement keeps it there. `va_equals_pa` is true wherever VA == PA holds in this
//! placement, asked for or not; where it holds without `identity`, the next edit of the
//! layout (or another seed) may move it apart.
//!
//! A process's `registers` are what runs it: its `tcr` is the one it shares with its
//! kernel, `ttbr0` holds its ASID in bits 63:48, `ttbr1` is the kernel's. The keys
//! `asid`, `kernel` and `processes` appear only where they apply, so documents of
//! layouts without processes are unchanged.
//!
//! Every pool has a `space`, so a reader need not know the language's rule that an
//! unmarked pool is secure: `"secure"` for a pool declared in no space (or `secure`
//! alone), as the map's and the linker MEMORY note's silence means.
//!
//! Version 3 writes addresses, sizes, alignments, register values and the seed as hex
//! strings (they were numbers, which readers using doubles round above 2^53), attribute
//! integers beyond ±2^53 as hex strings, a pool's `end` exactly when it is 2^64 (it was
//! clamped to 2^64 - 1), and adds `core`, `el` and `non_secure` to pages and `core`,
//! `el` and `shared` to segments. Version 2 added `va_equals_pa` (pages and segments)
//! and `identity` (segments), and made `identity` of a page mean the request: in
//! version 1 it was true for any page at VA == PA.

use memlayout::aarch64::Translation;
use memlayout::export::Input;
use memlayout::model::Hex;
use memlayout::{Page, Pool, Segment, TableInfo};
use serde::Serialize;

/// The version of the document's shape, its `format_version`.
pub const FORMAT_VERSION: u32 = 3;

#[derive(Serialize)]
struct Document<'a> {
    format_version: u32,
    seed: Option<Hex>,
    pa_bits: u8,
    pools: &'a [Pool],
    tables: Vec<Table<'a>>,
    /// The granule protection table (written only when the layout has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    gpt: Option<GptEntry>,
}

/// The granule protection table: where it is, its shape, and its register values.
#[derive(Serialize)]
struct GptEntry {
    /// Where the image is loaded.
    pa: Hex,
    /// The image's bytes.
    size: Hex,
    /// The level 0 table, inside the image (what `GPTBR_EL3` points at).
    level0_pa: Hex,
    align: Hex,
    gptbr: Hex,
    gpccr: Hex,
    pps_bits: u32,
    pgs: Hex,
    l0gptsz: Hex,
    level1_tables: usize,
}

/// A table: its name, cores and context, then its translation tables' summary.
#[derive(Serialize)]
struct Table<'a> {
    #[serde(flatten)]
    info: &'a TableInfo,
    #[serde(flatten)]
    translation: &'a Translation,
    /// The ASID of a process (written only when the table has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    asid: Option<u16>,
    /// The kernel table a process runs under (written only for a process).
    #[serde(skip_serializing_if = "Option::is_none")]
    kernel: Option<&'a str>,
    /// The processes that run under a kernel (written only for a kernel).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    processes: Vec<&'a str>,
    pages: Vec<PageEntry<'a>>,
    segments: Vec<SegmentEntry<'a>>,
}

#[derive(Serialize)]
struct PageEntry<'a> {
    #[serde(flatten)]
    page: &'a Page,
    /// The page whose PA this alias maps.
    alias_of: Option<&'a str>,
}

#[derive(Serialize)]
struct SegmentEntry<'a> {
    #[serde(flatten)]
    segment: &'a Segment,
    /// The page holding the segment's first byte.
    page: Option<&'a str>,
}

/// The JSON document for `input`, pretty-printed, ending in a newline.
///
/// # Errors
///
/// serde_json's error if the document cannot be serialized (it holds only numbers,
/// strings, booleans and lists, so this is not expected).
pub fn json(input: &Input<'_>) -> Result<String, serde_json::Error> {
    let layout = input.plan().layout();
    let doc = Document {
        format_version: FORMAT_VERSION,
        seed: layout.seed().map(Hex::from),
        pa_bits: layout.pa_bits(),
        pools: layout.pools(),
        tables: input
            .tables()
            .iter()
            .map(|t| Table {
                info: t.info,
                translation: t.translation,
                asid: t.asid,
                kernel: t.kernel,
                processes: t.processes.clone(),
                pages: t
                    .pages
                    .iter()
                    .flat_map(|p| {
                        let alias_of = input.alias_of(p);
                        p.pages
                            .iter()
                            .map(move |&page| PageEntry { page, alias_of })
                    })
                    .collect(),
                segments: t
                    .segments
                    .iter()
                    .map(|s| SegmentEntry {
                        segment: s.segment,
                        page: t.page_of(s.segment),
                    })
                    .collect(),
            })
            .collect(),
        gpt: input.gpt().map(|g| {
            let values = memlayout::export::gpt_values(g);
            GptEntry {
                pa: Hex::from(values.pa),
                size: Hex::from(values.size),
                level0_pa: Hex::from(values.level0_pa),
                align: Hex::from(g.size().align),
                gptbr: Hex::from(values.gptbr),
                gpccr: Hex::from(values.gpccr),
                pps_bits: g.pps().bits(),
                pgs: Hex::from(g.config().pgs.bytes()),
                l0gptsz: Hex::from(g.config().l0gptsz.bytes()),
                level1_tables: g.size().level1_tables,
            }
        }),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    //! The document read the way JavaScript, `jq` and Python's `json` with
    //! `parse_int=float` read it (every number a double) still gives every value of the
    //! plan exactly.

    use std::collections::BTreeMap;

    use memlayout::AttrValue;
    use memlayout::dsl::file::plan_text;
    use memlayout::export::Input;
    use serde::Deserialize;
    use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

    /// A layout whose values pass 2^53: upper-range VAs, the seed, attribute integers.
    const WIDE: &str = r#"
        pub mod wide {
            seed = 0xFFFF_FFFF_FFFF_FFF1;
            physical ram  = 0x8000_0000 .. +1G;
            physical mmio = 0x0900_0000 .. +16M, device;
            table core0_el1 (cores 0..=3, EL1_NS) {
                virtual 0x8000_0000 .. +1G;
                virtual 0xFFFF_FF80_0000_0000 .. +1G;
                page kernel : code, 2M, va 0xFFFF_FF80_0020_0000,
                    attrs { tag = 0xFFFF_0000_0000_0001, low = -0x20_0000_0000_0001,
                            edge = 0x20_0000_0000_0000, small = 42, neg = -7,
                            owner = "fw", on = true };
                page heap : data, 2M * 2;
                page uart : device, 4K, pa 0x0900_0000;
                segment stack : stack, 0x800, in heap;
                segment text  : code, 0x100, align 4, va 0xFFFF_FF80_0020_0104, in kernel;
            }
            table core0_el3 (core 0, EL3) {
                virtual 0x8000_0000 .. +1G;
                page boot : code, 2M, identity;
            }
        }
    "#;

    /// A JSON value as a reader whose numbers are doubles holds it.
    #[derive(Clone, Debug, PartialEq)]
    enum Doubles {
        Null,
        Bool(bool),
        Num(f64),
        Str(String),
        List(Vec<Doubles>),
        Map(BTreeMap<String, Doubles>),
    }

    impl<'de> Deserialize<'de> for Doubles {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Doubles, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Doubles;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("JSON")
                }
                fn visit_unit<E: de::Error>(self) -> Result<Doubles, E> {
                    Ok(Doubles::Null)
                }
                fn visit_bool<E: de::Error>(self, v: bool) -> Result<Doubles, E> {
                    Ok(Doubles::Bool(v))
                }
                // What `parse_int=float` does: the integer becomes the nearest double.
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Doubles, E> {
                    Ok(Doubles::Num(v as f64))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<Doubles, E> {
                    Ok(Doubles::Num(v as f64))
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<Doubles, E> {
                    Ok(Doubles::Num(v))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Doubles, E> {
                    Ok(Doubles::Str(v.to_string()))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doubles, A::Error> {
                    let mut list = Vec::new();
                    while let Some(v) = seq.next_element()? {
                        list.push(v);
                    }
                    Ok(Doubles::List(list))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doubles, A::Error> {
                    let mut m = BTreeMap::new();
                    while let Some((k, v)) = map.next_entry()? {
                        m.insert(k, v);
                    }
                    Ok(Doubles::Map(m))
                }
            }
            d.deserialize_any(V)
        }
    }

    impl Doubles {
        fn get(&self, key: &str) -> &Doubles {
            match self {
                Doubles::Map(m) => m
                    .get(key)
                    .unwrap_or_else(|| panic!("no `{key}` in {self:?}")),
                _ => panic!("`{key}` of a non-object {self:?}"),
            }
        }

        fn list(&self) -> &[Doubles] {
            match self {
                Doubles::List(l) => l,
                _ => panic!("not a list: {self:?}"),
            }
        }

        /// A `u64` the document holds as a hex string, parsed as a reader would.
        fn hex(&self) -> u64 {
            match self {
                Doubles::Str(s) => {
                    let digits = s
                        .strip_prefix("0x")
                        .unwrap_or_else(|| panic!("{s:?} is not 0x.."));
                    assert!(
                        !digits.is_empty()
                            && digits
                                .bytes()
                                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                            && (digits == "0" || !digits.starts_with('0')),
                        "{s:?} is not lower-case hex with as few digits as the value needs"
                    );
                    u64::from_str_radix(digits, 16).unwrap()
                }
                other => {
                    panic!("an address, size or register value as {other:?}, not a hex string")
                }
            }
        }

        /// A number the document holds, which must be an integer a double holds exactly.
        fn int(&self) -> i64 {
            match self {
                Doubles::Num(n) => {
                    assert!(
                        n.fract() == 0.0 && n.abs() <= (1u64 << 53) as f64,
                        "{n} is not exact"
                    );
                    *n as i64
                }
                other => panic!("{other:?} is not a number"),
            }
        }

        /// Every number in the document.
        fn numbers(&self, out: &mut Vec<f64>) {
            match self {
                Doubles::Num(n) => out.push(*n),
                Doubles::List(l) => l.iter().for_each(|v| v.numbers(out)),
                Doubles::Map(m) => m.values().for_each(|v| v.numbers(out)),
                _ => {}
            }
        }
    }

    #[test]
    fn a_reader_with_doubles_recovers_every_value_exactly() {
        let planned = plan_text(WIDE).unwrap_or_else(|e| panic!("{e:?}"));
        let input = Input::new(planned.module(), planned.plan());
        let text = super::json(&input).unwrap();
        let doc: Doubles = serde_json::from_str(&text).unwrap();

        // What this guards against: the segment's VA or the seed as a JSON number would
        // come back as another value. (A page's address is a multiple of 4 KiB, so at
        // most 52 significant bits, which a double holds.)
        let va: u64 = 0xFFFF_FF80_0020_0104;
        let seed: u64 = 0xFFFF_FFFF_FFFF_FFF1;
        assert_ne!(va as f64 as u64, va);
        assert_ne!(seed as f64 as u64, seed);

        let mut numbers = Vec::new();
        doc.numbers(&mut numbers);
        assert!(!numbers.is_empty());
        for n in numbers {
            assert!(
                n.fract() == 0.0 && n.abs() <= (1u64 << 53) as f64,
                "{n} in\n{text}"
            );
        }

        let layout = input.plan().layout();
        assert_eq!(doc.get("format_version").int(), 3);
        assert_eq!(doc.get("seed").hex(), seed);
        assert_eq!(layout.seed(), Some(seed));
        assert_eq!(doc.get("pa_bits").int(), i64::from(layout.pa_bits()));
        let pools = doc.get("pools").list();
        assert_eq!(pools.len(), layout.pools().len());
        for (j, p) in pools.iter().zip(layout.pools()) {
            assert_eq!(j.get("start").hex(), p.range().start());
            assert_eq!(j.get("end").hex(), p.range().last() + 1);
        }

        let tables = doc.get("tables").list();
        assert_eq!(tables.len(), input.tables().len());
        let mut checked = 0;
        for (jt, t) in tables.iter().zip(input.tables()) {
            let tr = t.translation;
            assert_eq!(jt.get("tables_pa").hex(), tr.base_pa());
            assert_eq!(jt.get("table_count").int(), tr.table_count() as i64);
            let regs = jt.get("registers");
            assert_eq!(regs.get("mair").hex(), tr.mair());
            assert_eq!(regs.get("tcr").hex(), tr.tcr());
            assert_eq!(regs.get("ttbr0").hex(), tr.ttbr0());
            assert_eq!(regs.get("ttbr1").hex(), tr.ttbr1());
            assert_eq!(regs.get("sctlr_set").hex(), tr.sctlr_set());
            let pages: Vec<_> = t.pages.iter().flat_map(|p| p.pages.iter()).collect();
            let jp = jt.get("pages").list();
            assert_eq!(jp.len(), pages.len());
            for (jp, p) in jp.iter().zip(pages) {
                assert_eq!(jp.get("va").hex(), p.va());
                assert_eq!(jp.get("pa").hex(), p.pa());
                assert_eq!(jp.get("size").hex(), p.size());
                assert_eq!(jp.get("index").int(), i64::from(p.index()));
                for a in p.attrs() {
                    let v = jp.get("attrs").get(&a.key);
                    match &a.value {
                        AttrValue::Int(n) if n.unsigned_abs() > 1 << 53 => {
                            let Doubles::Str(s) = v else { panic!("{v:?}") };
                            let back = match s.strip_prefix('-') {
                                Some(s) => -i128::from(Doubles::Str(s.into()).hex()),
                                None => i128::from(v.hex()),
                            };
                            assert_eq!(back, *n);
                        }
                        AttrValue::Int(n) => assert_eq!(i128::from(v.int()), *n),
                        AttrValue::Str(s) => assert_eq!(*v, Doubles::Str(s.to_string())),
                        AttrValue::Bool(b) => assert_eq!(*v, Doubles::Bool(*b)),
                        other => panic!("{other:?}"),
                    }
                    checked += 1;
                }
            }
            let js = jt.get("segments").list();
            assert_eq!(js.len(), t.segments.len());
            for (js, s) in js.iter().zip(&t.segments) {
                let s = s.segment;
                assert_eq!(js.get("va").hex(), s.va());
                assert_eq!(js.get("pa").hex(), s.pa());
                assert_eq!(js.get("size").hex(), s.size());
                assert_eq!(js.get("align").hex(), s.align());
            }
        }
        // The seven attributes of `kernel`, so the values beyond 2^53 were seen.
        assert_eq!(checked, 7);
        let kernel = &tables[0].get("pages").list()[0];
        assert_eq!(kernel.get("va").hex(), 0xFFFF_FF80_0020_0000);
        let text = &tables[0].get("segments").list()[1];
        assert_eq!(text.get("va").hex(), va);
        assert_eq!(
            kernel.get("attrs").get("tag"),
            &Doubles::Str("0xffff000000000001".into())
        );
        assert_eq!(kernel.get("attrs").get("edge").int(), 1 << 53);
    }

    #[test]
    fn processes_carry_their_asid_and_kernel() {
        let text = r#"
            pub mod os {
                physical ram = 0x4000_0000 .. +1G;
                table kernel (cores 0..=3, EL1_NS) { virtual 0xFFFF_8000_0000_0000 .. +1G; }
                table shell (cores 0..=3, EL0_NS, asid 1, under kernel) { virtual 0x40_0000 .. +1G; }
                table plain (core 0, EL3) { virtual 0x4000_0000 .. +1G; }
            }
        "#;
        let planned = plan_text(text).unwrap_or_else(|e| panic!("{e:?}"));
        let input = Input::new(planned.module(), planned.plan());
        let doc: serde_json::Value = serde_json::from_str(&super::json(&input).unwrap()).unwrap();
        let tables = doc["tables"].as_array().unwrap();
        let (kernel, shell, plain) = (&tables[0], &tables[1], &tables[2]);
        assert_eq!(shell["asid"], 1);
        assert_eq!(shell["kernel"], "kernel");
        assert_eq!(kernel["processes"], serde_json::json!(["shell"]));
        assert_eq!(shell["registers"]["tcr"], kernel["registers"]["tcr"]);
        assert_eq!(shell["registers"]["ttbr1"], kernel["registers"]["ttbr1"]);
        for key in ["asid", "kernel", "processes"] {
            assert!(plain.get(key).is_none(), "{key} only where it applies");
        }
        assert!(kernel.get("asid").is_none() && shell.get("processes").is_none());
    }

    /// Every pool names its space once: `"secure"` for an unmarked pool and for one
    /// declared `secure` alone, the declared space for the others; with or without any
    /// pool declaring a space.
    #[test]
    fn every_pool_names_its_space() {
        let rme = r#"
            mod rme {
                physical sram = 0x0400_0000 .. +1M;
                physical tz   = 0x0500_0000 .. +1M, secure;
                physical gic  = 0x0800_0000 .. +1M, device, secure, non_secure;
                physical mon  = 0x0E00_0000 .. +1M, root;
                physical dram = 0x4000_0000 .. +16M, non_secure;
                physical rmm  = 0x4800_0000 .. +16M, realm;
                table el3 (core 0, EL3) {
                    virtual 0x0400_0000 .. +1G;
                    page text : code, 4K;
                }
            }
        "#;
        let plain = r#"
            mod plain {
                physical ram  = 0x4000_0000 .. +16M;
                physical mmio = 0x0900_0000 .. +1M, device;
                table el3 (core 0, EL3) { virtual 0x4000_0000 .. +1G; page text : code, 4K; }
            }
        "#;
        for (text, spaces) in [
            (
                rme,
                &[
                    "secure",
                    "secure",
                    "secure, non_secure",
                    "root",
                    "non_secure",
                    "realm",
                ][..],
            ),
            (plain, &["secure", "secure"][..]),
        ] {
            let planned = plan_text(text).unwrap_or_else(|e| panic!("{e:?}"));
            let input = Input::new(planned.module(), planned.plan());
            let json = super::json(&input).unwrap();
            // One `space` key per pool: none written twice (a reader keeping the last
            // of two keys would not notice).
            assert_eq!(json.matches("\"space\":").count(), spaces.len(), "{json}");
            let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
            let got: Vec<&str> = doc["pools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["space"].as_str().unwrap())
                .collect();
            assert_eq!(got, spaces, "{json}");
        }
    }

    #[test]
    fn gpt_gives_the_image_and_its_level0_table() {
        let text = r#"
            pub mod rme {
                physical root_pool = 0x4020_0000 .. +2M, root;
                physical ns_pool = 0x4040_0000 .. 0x8000_0000, non_secure;
                gpt in root_pool;
            }
        "#;
        let planned = plan_text(text).unwrap_or_else(|e| panic!("{e:?}"));
        let gpt = planned.plan().gpt().expect("a GPT");
        let input = Input::new(planned.module(), planned.plan());
        let doc: serde_json::Value = serde_json::from_str(&super::json(&input).unwrap()).unwrap();
        let hex = |v: &serde_json::Value| {
            u64::from_str_radix(&v.as_str().unwrap()[2..].replace('_', ""), 16).unwrap()
        };
        let j = &doc["gpt"];
        assert_eq!(hex(&j["pa"]), gpt.image_pa());
        assert_eq!(hex(&j["size"]), gpt.image().len() as u64);
        assert_eq!(hex(&j["level0_pa"]), gpt.level0_pa());
        // One 128 KiB level 1 table, then the 4 KiB level 0 table, no padding.
        assert_eq!(hex(&j["size"]), 0x2_1000);
        assert_eq!(hex(&j["level0_pa"]), hex(&j["pa"]) + 0x2_0000);
        assert_eq!(hex(&j["gptbr"]), hex(&j["level0_pa"]) >> 12);
    }
}
