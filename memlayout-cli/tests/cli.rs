//! The `memlayout` command end to end: exit codes, rendered errors, the map, exports
//! written whole or not at all, and the values of every export against the constants
//! `memory_layout!(include ..)` gives for the same file.

mod common;

use std::path::Path;
use std::process::Output;

use common::{memlayout, scratch};

use memlayout::model::Hex;
use memlayout_macros::memory_layout;

memory_layout!(include "tests/data/board.memlayout");

const BOARD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/board.memlayout");

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn board_with(dir: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(BOARD).unwrap();
    assert!(text.contains(from));
    let path = dir.join("board.memlayout");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn check_exits_0_on_a_valid_file() {
    let o = memlayout(&["check", BOARD]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(": ok, 2 tables, 12 page mappings, 4 segment placements"));
    assert!(stderr(&o).is_empty());
}

#[test]
fn check_renders_every_error_with_a_caret_and_exits_1() {
    let dir = scratch("check");
    let file = board_with(
        &dir,
        "        page fixed : data, 4K, va 0x9000_0000, pa 0x8100_0000, r;\n",
        "        page fixed : data, 4K, va 0x9000_0000, pa 0x8100_0000, r;\n        page again : data, 4K, va 0x9000_0000;\n        page odd : data, 5K;\n",
    );
    let o = memlayout(&["check", &file]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    let text = std::fs::read_to_string(&file).unwrap();
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let odd = line("page odd");
    // The size error is found by the checks, before planning, so it is the only one.
    let expected = format!(
        "error: 5K is not a page size; use 4K, 64K, 2M, 32M, 1G or 16G (and `* N` for N consecutive pages)\n  --> {file}:{odd}:26\n   |\n{odd} |         page odd : data, 5K;\n   |                          ^^\n\nerror: could not plan `{file}` because of 1 previous error\n"
    );
    assert_eq!(err, expected);

    // A planner error with its note on the other declaration.
    let file = board_with(
        &dir,
        "        page fixed : data, 4K, va 0x9000_0000, pa 0x8100_0000, r;\n",
        "        page fixed : data, 4K, va 0x9000_0000, pa 0x8100_0000, r;\n        page again : data, 4K, va 0x9000_0000;\n",
    );
    let o = memlayout(&["check", &file]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("in the virtual address space of table `core0_el3`; move one of them"),
        "{err}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let (again, fixed) = (line("page again"), line("page fixed"));
    assert!(err.contains(&format!("--> {file}:{again}:35\n")), "{err}");
    assert!(err.contains(&format!("{again} |         page again : data, 4K, va 0x9000_0000;\n   |                                   ^^^^^^^^^^^\n")), "{err}");
    // The note is a label on the other declaration, in the same snippet.
    assert_eq!(err.matches("-->").count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{fixed} |         page fixed : data, 4K, va 0x9000_0000, pa 0x8100_0000, r;\n   |                                   ----------- `fixed` first mapped here\n"
        )),
        "{err}"
    );
    assert!(err.contains("could not plan"), "{err}");
}

/// The lines of `memlayout check --message-format json FILE`, each parsed.
fn json_diagnostics(file: &str) -> Vec<serde_json::Value> {
    let o = memlayout(&["check", "--message-format", "json", file]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn check_writes_one_json_object_per_diagnostic() {
    let dir = scratch("json");
    let file = board_with(
        &dir,
        "        page fixed : data, 4K, va 0x9000_0000, pa 0x8100_0000, r;\n",
        "        page fixed : data, 4K, va 0x9000_0000, pa 0x8100_0000, r;\n        page fixed : data, 4K;\n        page odd : data, 5K;\n",
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let line = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let first = line("page fixed :");
    let (again, odd) = (first + 1, line("page odd"));
    let d = json_diagnostics(&file);
    assert_eq!(d.len(), 2, "{d:?}");
    let human = stderr(&memlayout(&["check", &file]));
    for (d, (at, column, token, notes)) in d.iter().zip([
        // The size is checked while parsing, the names after.
        (odd, 26, "5K", vec![]),
        (again, 14, "fixed", vec![(first, 14, "fixed")]),
    ]) {
        assert_eq!(d["$message_type"], "diagnostic");
        assert_eq!(d["level"], "error");
        assert!(d["code"].is_null());
        assert_eq!(d["children"], serde_json::json!([]));
        let message = d["message"].as_str().unwrap();
        let rendered = d["rendered"].as_str().unwrap();
        assert!(
            rendered.starts_with(&format!("error: {message}\n")),
            "{rendered}"
        );
        assert!(human.contains(rendered.trim_end()), "{human}\n{rendered}");
        let spans = d["spans"].as_array().unwrap();
        assert_eq!(spans.len(), 1 + notes.len(), "{d}");
        let expected = std::iter::once((at, column, token)).chain(notes);
        for (i, (span, (line, column, token))) in spans.iter().zip(expected).enumerate() {
            assert_eq!(span["file_name"], file.as_str());
            assert_eq!(span["is_primary"], i == 0);
            assert_eq!(span["label"].is_null(), i == 0, "{span}");
            assert_eq!(span["line_start"], line);
            assert_eq!(span["line_end"], line);
            assert_eq!(span["column_start"], column);
            assert_eq!(span["column_end"], column + token.chars().count());
            let (start, end) = (
                span["byte_start"].as_u64().unwrap() as usize,
                span["byte_end"].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[start..end], token);
            let source = &span["text"][0];
            assert_eq!(source["text"], text.lines().nth(line - 1).unwrap());
            assert_eq!(source["highlight_start"], column);
            assert_eq!(source["highlight_end"], column + token.chars().count());
        }
        if let Some(note) = spans.get(1) {
            let label = note["label"].as_str().unwrap();
            assert!(rendered.contains(label), "{rendered}");
        }
    }

    // An error with no place in a file has no spans; a valid file prints nothing.
    let missing = dir.join("missing.memlayout");
    let d = json_diagnostics(missing.to_str().unwrap());
    assert_eq!(d.len(), 1);
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read the layout file"),
        "{d:?}"
    );
    assert_eq!(d[0]["spans"], serde_json::json!([]));
    let o = memlayout(&["check", "--message-format", "json", BOARD]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    let o = memlayout(&["check", "--message-format", "human", BOARD]);
    assert!(stdout(&o).contains(": ok, 2 tables"));
    let o = memlayout(&["check", "--message-format", "xml", BOARD]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn map_prints_the_layout_and_the_registers() {
    let o = memlayout(&["map", BOARD]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let map = stdout(&o);
    assert!(map.starts_with("memory layout (seed 0x5EED)\n"), "{map}");
    let boot = soc::core0_el3::BOOT;
    let line = map
        .lines()
        .find(|l| l.starts_with("  page    boot "))
        .unwrap_or_else(|| panic!("no boot line in\n{map}"));
    let range = format!(" {}..{}  PA ", Hex::from(boot.va()), Hex(boot.va_end()));
    assert!(line.contains(&range), "{range} in {line}");
    assert!(line.ends_with(" identity"), "{line}");
    for (name, tcr, ttbr0, count) in [
        (
            "core0_el3",
            soc::core0_el3::TCR,
            soc::core0_el3::TTBR0,
            soc::core0_el3::TRANSLATION.len() / 4096,
        ),
        (
            "core0_el1",
            soc::core0_el1::TCR,
            soc::core0_el1::TTBR0,
            soc::core0_el1::TRANSLATION.len() / 4096,
        ),
    ] {
        assert!(map.contains(&format!("translation {name} (")), "{map}");
        assert!(
            map.contains(&format!(
                ": {count} tables of 4 KiB at PA {}..",
                Hex::from(ttbr0)
            )),
            "{map}"
        );
        let tcr = format!("  TCR       {:>21}\n", Hex::from(tcr));
        assert!(map.contains(&tcr), "{tcr} in\n{map}");
    }
    let only = stdout(&memlayout(&["map", BOARD, "--table", "core0_el1"]));
    assert!(only.contains("translation core0_el1") && !only.contains("translation core0_el3"));
    // The narrowed map lists only that table's pages and segments.
    assert!(only.contains("\ntable core0_el1 "), "{only}");
    assert!(!only.contains("\ntable core0_el3 "), "{only}");
    assert!(
        !only.contains("bsp_boot"),
        "core0_el3's segment in:\n{only}"
    );
    let el1_pages = only.matches("\n  page    ").count();
    assert_eq!(el1_pages, soc::core0_el1::PAGES.len(), "{only}");
}

#[test]
fn a_table_without_a_lower_range_has_no_lower_range_geometry_in_the_map() {
    let dir = scratch("upper-only");
    let path = dir.join("upper.memlayout");
    std::fs::write(
        &path,
        "mod soc {
            physical ram = 0x8000_0000 .. +1G;
            table kernel (core 0, EL1_NS) {
                virtual 0xFFFF_FFFF_C000_0000 .. +1G;
                page text : code, 4K;
            }
        }",
    )
    .unwrap();
    let o = memlayout(&["map", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let map = stdout(&o);
    let line = map
        .lines()
        .find(|l| l.starts_with("translation kernel"))
        .unwrap();
    assert!(!line.contains("root level"), "{line}");
    assert!(!line.contains("-bit VA"), "{line}");
    assert!(
        map.contains("  no lower range (TCR_EL1.EPD0 set)\n"),
        "{map}"
    );
    assert!(
        map.contains(", 30-bit VA\n"),
        "the upper range's size in:\n{map}"
    );
}

#[test]
fn exports_are_deterministic_and_written_whole() {
    let dir = scratch("export");
    for format in ["json", "c", "ld", "svg"] {
        let a = memlayout(&["export", BOARD, "--format", format]);
        let b = memlayout(&["export", BOARD, "--format", format]);
        assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
        assert!(!a.stdout.is_empty());
        assert_eq!(a.stdout, b.stdout, "{format} output differs between runs");
        let out = dir.join(format!("out.{format}"));
        let o = memlayout(&[
            "export",
            BOARD,
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(std::fs::read(&out).unwrap(), a.stdout);
    }
    // Only the output file is left in the directory: no temporary files.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["out.c", "out.json", "out.ld", "out.svg"]);
}

#[test]
fn bad_input_is_a_clear_error_and_writes_nothing() {
    let dir = scratch("bad");
    let out = dir.join("out.h");
    let out_s = out.to_str().unwrap();
    std::fs::write(&out, "previous").unwrap();
    let bad = board_with(&dir, "2M, identity;", "2M, identity, bogus;");
    let latin1 = dir.join("latin1.memlayout");
    std::fs::write(&latin1, b"mod m { \xff }").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["export".into(), bad.clone()],
            "`bogus` is not a page option",
        ),
        (
            vec![
                "export".into(),
                dir.join("missing.memlayout").to_str().unwrap().into(),
            ],
            "cannot read the layout file",
        ),
        (
            vec!["export".into(), dir.to_str().unwrap().into()],
            "is a directory; name a layout file",
        ),
        (
            vec!["export".into(), latin1.to_str().unwrap().into()],
            "is not valid UTF-8 (byte 8); save it as UTF-8",
        ),
        (
            vec![
                "export".into(),
                BOARD.into(),
                "--table".into(),
                "core9".into(),
            ],
            "the layout has no table named `core9`; pick one of `core0_el3`, `core0_el1`",
        ),
    ];
    for (mut args, message) in cases {
        args.extend(["--format".into(), "c".into(), "-o".into(), out_s.into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = memlayout(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "previous",
            "{args:?}"
        );
    }
    // Unwritable outputs: a missing directory, a directory.
    let missing = dir.join("no/such/dir/out.h");
    let o = memlayout(&[
        "export",
        BOARD,
        "--format",
        "c",
        "-o",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    assert!(!missing.exists());
    let o = memlayout(&[
        "export",
        BOARD,
        "--format",
        "c",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is a directory; give `-o` a file name"),
        "{}",
        stderr(&o)
    );
    // `bin` of a layout with two tables needs `--table`.
    let o = memlayout(&["export", BOARD, "--format", "bin"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("pick one with `--table` (`core0_el3`, `core0_el1`)"),
        "{}",
        stderr(&o)
    );
    // Unknown format: clap's usage error.
    let o = memlayout(&["export", BOARD, "--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2));
}

/// A `u64` as the JSON export writes addresses, sizes and register values.
fn hex(v: u64) -> serde_json::Value {
    serde_json::Value::from(format!("{v:#x}"))
}

fn json() -> serde_json::Value {
    let o = memlayout(&["export", BOARD, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn defines() -> std::collections::BTreeMap<String, u64> {
    let o = memlayout(&["export", BOARD, "--format", "c"]);
    stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("#define MEMLAYOUT_"))
        .filter_map(|l| {
            let (name, value) = l.split_once(" MEMLAYOUT_UL(0x")?;
            let v = u64::from_str_radix(value.strip_suffix(')')?, 16).ok()?;
            Some((name.to_string(), v))
        })
        .collect()
}

fn ld_symbols() -> std::collections::BTreeMap<String, u64> {
    let o = memlayout(&["export", BOARD, "--format", "ld"]);
    stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("memlayout_"))
        .filter_map(|l| {
            let (name, value) = l.split_once(" = 0x")?;
            let v = u64::from_str_radix(value.strip_suffix(';')?, 16).ok()?;
            Some((name.to_string(), v))
        })
        .collect()
}

#[test]
fn json_header_ld_and_bin_equal_the_macro_constants() {
    let j = json();
    let h = defines();
    let l = ld_symbols();
    assert_eq!(j["format_version"], 3);
    assert_eq!(j["seed"], "0x5eed");
    assert_eq!(j["pa_bits"], 48);
    assert_eq!(j["pools"][1]["name"], "mmio");
    assert_eq!(j["pools"][1]["start"], "0x9000000");
    assert_eq!(j["pools"][1]["end"], "0xa000000");
    assert_eq!(j["pools"][1]["device"], true);
    struct T {
        info: &'static memlayout::TableInfo,
        pages: &'static [memlayout::Page],
        segments: &'static [memlayout::Segment],
        regs: [u64; 6],
        image: &'static [u8],
    }
    let tables = [
        T {
            info: soc::core0_el3::INFO,
            pages: soc::core0_el3::PAGES,
            segments: soc::core0_el3::SEGMENTS,
            regs: [
                soc::core0_el3::TABLES_PA,
                soc::core0_el3::MAIR,
                soc::core0_el3::TCR,
                soc::core0_el3::TTBR0,
                soc::core0_el3::SCTLR_SET,
                soc::core0_el3::TTBR1,
            ],
            image: soc::core0_el3::TRANSLATION.as_bytes(),
        },
        T {
            info: soc::core0_el1::INFO,
            pages: soc::core0_el1::PAGES,
            segments: soc::core0_el1::SEGMENTS,
            regs: [
                soc::core0_el1::TABLES_PA,
                soc::core0_el1::MAIR,
                soc::core0_el1::TCR,
                soc::core0_el1::TTBR0,
                soc::core0_el1::SCTLR_SET,
                soc::core0_el1::TTBR1,
            ],
            image: soc::core0_el1::TRANSLATION.as_bytes(),
        },
    ];
    assert_eq!(j["tables"].as_array().unwrap().len(), tables.len());
    assert_eq!(soc::core0_el3::TTBR1, 0, "no upper range at EL3");
    assert_ne!(soc::core0_el1::TTBR1, 0, "the EL1 table has an upper range");
    for (jt, t) in j["tables"].as_array().unwrap().iter().zip(&tables) {
        let name = t.info.name();
        let (up, low) = (name.to_uppercase(), name.to_lowercase());
        assert_eq!(jt["name"], name);
        assert_eq!(jt["core"], t.info.core());
        let cores: Vec<u32> = t.info.cores().iter().collect();
        assert_eq!(jt["cores"], serde_json::json!(cores));
        assert_eq!(jt["el"], t.info.el().to_string());
        let [tables_pa, mair, tcr, ttbr0, sctlr, ttbr1] = t.regs;
        assert_eq!(jt["tables_pa"], hex(tables_pa));
        assert_eq!(jt["table_count"], t.image.len() / 4096);
        assert_eq!(jt["registers"]["mair"], hex(mair));
        assert_eq!(jt["registers"]["tcr"], hex(tcr));
        assert_eq!(jt["registers"]["ttbr0"], hex(ttbr0));
        assert_eq!(jt["registers"]["sctlr_set"], hex(sctlr));
        assert_eq!(jt["registers"]["ttbr1"], hex(ttbr1));
        for (suffix, v) in [
            ("TABLES_PA", tables_pa),
            ("TABLES_SIZE", t.image.len() as u64),
            ("MAIR", mair),
            ("TCR", tcr),
            ("TTBR0", ttbr0),
            ("SCTLR_SET", sctlr),
            ("TTBR1", ttbr1),
        ] {
            assert_eq!(h[&format!("{up}_{suffix}")], v, "{up}_{suffix}");
            assert_eq!(
                l[&format!("{low}_{}", suffix.to_lowercase())],
                v,
                "{low}_{suffix}"
            );
        }
        // Every page, in order, with every field.
        let jp = jt["pages"].as_array().unwrap();
        assert_eq!(jp.len(), t.pages.len());
        for (jp, p) in jp.iter().zip(t.pages) {
            assert_eq!(jp["name"], p.name());
            assert_eq!(jp["index"], p.index());
            assert_eq!(jp["va"], hex(p.va()));
            assert_eq!(jp["pa"], hex(p.pa()));
            assert_eq!(jp["size"], hex(p.size()));
            assert_eq!(jp["kind"], p.kind().name());
            assert_eq!(jp["perms"], p.perms().name());
            assert_eq!(jp["shared"], p.is_shared());
            assert_eq!(jp["identity"], p.is_identity());
            assert_eq!(jp["va_equals_pa"], p.va_equals_pa());
            for a in p.attrs() {
                assert_eq!(
                    jp["attrs"][a.key.to_string()].to_string().trim_matches('"'),
                    a.value.to_string().trim_matches('"')
                );
            }
        }
        // Page ranges (a `* N` run as one range) in the header and the ld symbols.
        let mut names: Vec<&str> = t.pages.iter().map(|p| p.name()).collect();
        names.dedup();
        for n in names {
            let run: Vec<_> = t.pages.iter().filter(|p| p.name() == n).collect();
            let size: u64 = run.iter().map(|p| p.size()).sum();
            let (un, ln) = (n.to_uppercase(), n.to_lowercase());
            for (suffix, v) in [("VA", run[0].va()), ("PA", run[0].pa()), ("SIZE", size)] {
                assert_eq!(h[&format!("{up}_{un}_{suffix}")], v, "{up}_{un}_{suffix}");
                assert_eq!(l[&format!("{low}_{ln}_{}", suffix.to_lowercase())], v);
            }
            if run.len() > 1 {
                assert_eq!(h[&format!("{up}_{un}_COUNT")], run.len() as u64);
            }
        }
        let js = jt["segments"].as_array().unwrap();
        assert_eq!(js.len(), t.segments.len());
        for (js, s) in js.iter().zip(t.segments) {
            assert_eq!(js["name"], s.name());
            assert_eq!(js["kind"], s.kind().name());
            assert_eq!(js["va"], hex(s.va()));
            assert_eq!(js["pa"], hex(s.pa()));
            assert_eq!(js["size"], hex(s.size()));
            assert_eq!(js["align"], hex(s.align()));
            assert_eq!(js["identity"], s.is_identity());
            assert_eq!(js["va_equals_pa"], s.va_equals_pa());
            let host = t.pages.iter().find(|p| p.contains_va(s.va())).unwrap();
            assert_eq!(js["page"], host.name());
            let (us, ls) = (s.name().to_uppercase(), s.name().to_lowercase());
            for (suffix, v) in [("VA", s.va()), ("PA", s.pa()), ("SIZE", s.size())] {
                assert_eq!(h[&format!("{up}_{us}_{suffix}")], v);
                assert_eq!(l[&format!("{low}_{ls}_{}", suffix.to_lowercase())], v);
            }
        }
        // The raw image is the macro's TRANSLATION, byte for byte.
        let o = memlayout(&["export", BOARD, "--format", "bin", "--table", name]);
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(o.stdout, t.image);
    }
}

#[test]
fn text_rust_cannot_tokenize_is_located_too() {
    let dir = scratch("lex");
    let file = dir.join("lex.memlayout");
    std::fs::write(&file, "mod m {\n    page \"boot : code, 4K;\n}\n").unwrap();
    let file = file.to_str().unwrap();
    let o = memlayout(&["check", file]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.starts_with("error: this is not valid layout text"),
        "{err}"
    );
    assert!(err.contains(&format!("--> {file}:2:10\n")), "{err}");
    assert!(
        err.contains("2 |     page \"boot : code, 4K;\n  |          ^"),
        "{err}"
    );
}

/// A layout where `boot` asks for VA == PA and, with lowest-address placement, `text`
/// and `scratch` land at VA == PA without asking (the virtual range starts where RAM
/// does), and `far` does not. `entry` is in the identity page, `code` in a page at
/// VA == PA by chance, `tramp` in the same page but asking for VA == PA itself.
const CHANCE: &str = "mod chance {
    physical ram = 0x4000_0000 .. +1G;
    table t (core 0, EL3) {
        virtual 0x4000_0000 .. +1G;
        page boot : code, 2M, identity;
        page text : code, 2M;
        page far : data, 4K, va 0x7000_0000, pa 0x7FFF_F000;
        page scratch : data, 2M;
        segment entry : bsp_boot_code, 0x100, in boot;
        segment code : code, 0x100, in text;
        segment tramp : code, 0x100, identity, in text;
        segment note : data_preserve, 0x100, in far;
    }
}
";

#[test]
fn identity_is_reported_for_requests_and_va_equals_pa_for_chance() {
    let dir = scratch("chance");
    let file = dir.join("chance.memlayout");
    std::fs::write(&file, CHANCE).unwrap();
    let file = file.to_str().unwrap();
    let o = memlayout(&["map", file]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let map = stdout(&o);
    let line = |kind: &str, name: &str| {
        let start = format!("  {kind:<7} {name} ");
        map.lines()
            .find(|l| l.starts_with(&start))
            .unwrap_or_else(|| panic!("no {kind} {name} in\n{map}"))
            .to_string()
    };
    // Requested: `identity`.
    assert!(
        line("page", "boot").ends_with("inner         identity"),
        "{map}"
    );
    for l in [line("segment", "entry"), line("segment", "tramp")] {
        assert!(l.ends_with(", identity"), "{l}");
    }
    // At VA == PA by placement alone: `va == pa`, never `identity`.
    for l in [line("page", "text"), line("page", "scratch")] {
        assert!(l.ends_with("inner         va == pa"), "{l}");
    }
    assert!(line("segment", "code").ends_with(", va == pa"), "{map}");
    // Apart: neither.
    for l in [line("page", "far"), line("segment", "note")] {
        assert!(!l.contains("identity") && !l.contains("va == pa"), "{l}");
    }

    let o = memlayout(&["export", file, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["format_version"], 3);
    let find = |list: &str, name: &str| {
        j["tables"][0][list]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {list}"))
            .clone()
    };
    for (list, name, identity, va_equals_pa) in [
        ("pages", "boot", true, true),
        ("pages", "text", false, true),
        ("pages", "scratch", false, true),
        ("pages", "far", false, false),
        ("segments", "entry", true, true),
        ("segments", "tramp", true, true),
        ("segments", "code", false, true),
        ("segments", "note", false, false),
    ] {
        let p = find(list, name);
        assert_eq!(p["va"] == p["pa"], va_equals_pa, "{p}");
        assert_eq!(p["identity"], identity, "{name}: {p}");
        assert_eq!(p["va_equals_pa"], va_equals_pa, "{name}: {p}");
    }
}
