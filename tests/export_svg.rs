//! The SVG export: golden pictures of the README example and the soc example, and
//! structural checks (every page and segment present, well-formed XML, shared pages
//! joined, a 4 KiB page visible next to a 1 GiB page).
//!
//! Bless the golden files after a deliberate change with
//! `MEMLAYOUT_BLESS=1 cargo test -p memlayout-tests --test export_svg`, then render them
//! (`rsvg-convert tests/golden/soc.svg -o /tmp/soc.png`) and look.

use std::collections::BTreeMap;

use memlayout::dsl::file::{Planned, plan_text};
use memlayout::export::{Input, svg::svg};

/// The body of the first `memory_layout! { .. }` in `source` (the `mod NAME { .. }`).
fn macro_body(source: &str) -> &str {
    let open = source
        .find("memory_layout! {")
        .expect("a memory_layout! invocation")
        + 15;
    let mut depth = 0;
    for (i, c) in source[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &source[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced braces");
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn planned(text: &str) -> Planned {
    match plan_text(text) {
        Ok(p) => p,
        Err(d) => panic!("{d:?}"),
    }
}

fn readme() -> Planned {
    planned(macro_body(&read("../README.md")))
}

fn soc() -> Planned {
    planned(macro_body(&read("../examples/soc.rs")))
}

fn picture(p: &Planned) -> String {
    svg(&Input::new(p.module(), p.plan()))
}

fn golden(name: &str, actual: &str) {
    let path = format!("{}/golden/{name}.svg", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("MEMLAYOUT_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{path} differs from the export; if the change is deliberate, bless it with MEMLAYOUT_BLESS=1 and look at the rendering"
    );
}

#[test]
fn readme_example_matches_its_golden_picture() {
    let p = readme();
    let a = picture(&p);
    assert_eq!(a, picture(&readme()), "two runs give the same bytes");
    golden("readme", &a);
}

#[test]
fn soc_example_matches_its_golden_picture() {
    golden("soc", &picture(&soc()));
}

/// Checks that `s` is one well-formed XML element after the declaration: tags balance,
/// attribute values are quoted, `<` and `&` appear only as markup and entities.
fn well_formed(s: &str) -> Result<(), String> {
    let body = s
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .ok_or("no XML declaration")?;
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = body;
    let mut roots = 0;
    while !rest.is_empty() {
        match rest.find('<') {
            None => {
                check_text(rest)?;
                break;
            }
            Some(i) => {
                check_text(&rest[..i])?;
                if !stack.is_empty() || rest[..i].trim().is_empty() {
                } else {
                    return Err(format!("text outside the root: {:?}", &rest[..i]));
                }
                rest = &rest[i..];
                let end = rest.find('>').ok_or("unterminated tag")?;
                let tag = &rest[1..end];
                rest = &rest[end + 1..];
                if let Some(name) = tag.strip_prefix('/') {
                    let open = stack.pop().ok_or(format!("stray </{name}>"))?;
                    if open != name {
                        return Err(format!("<{open}> closed by </{name}>"));
                    }
                } else {
                    let self_closing = tag.ends_with('/');
                    let tag = tag.trim_end_matches('/');
                    let name = tag.split_whitespace().next().ok_or("empty tag")?;
                    check_attributes(&tag[name.len()..])?;
                    if stack.is_empty() {
                        roots += 1;
                    }
                    if !self_closing {
                        stack.push(name);
                    }
                }
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

fn check_text(t: &str) -> Result<(), String> {
    let mut rest = t;
    while let Some(i) = rest.find('&') {
        rest = &rest[i..];
        let end = rest.find(';').ok_or("bare &")?;
        let entity = &rest[1..end];
        if !["amp", "lt", "gt", "quot", "apos"].contains(&entity) {
            return Err(format!("unknown entity &{entity};"));
        }
        rest = &rest[end + 1..];
    }
    if t.contains('>') {
        return Err(format!("bare > in text {t:?}"));
    }
    Ok(())
}

fn check_attributes(mut a: &str) -> Result<(), String> {
    loop {
        a = a.trim_start();
        if a.is_empty() {
            return Ok(());
        }
        let eq = a
            .find("=\"")
            .ok_or(format!("attribute without a quoted value: {a:?}"))?;
        let name = &a[..eq];
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("bad attribute name {name:?}"));
        }
        a = &a[eq + 2..];
        let close = a.find('"').ok_or("unterminated attribute value")?;
        let value = &a[..close];
        if value.contains('<') {
            return Err(format!("< in attribute value {value:?}"));
        }
        check_text(value)?;
        a = &a[close + 1..];
    }
}

#[test]
fn the_checker_catches_broken_xml() {
    let ok = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg a=\"1\"><g><rect/></g></svg>\n";
    assert_eq!(well_formed(ok), Ok(()));
    for bad in [
        "<svg><g></svg>",
        "<svg a=1></svg>",
        "<svg>a & b</svg>",
        "<svg></svg><svg></svg>",
        "<svg><g></g>",
    ] {
        let doc = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{bad}\n");
        assert!(well_formed(&doc).is_err(), "{bad}");
    }
}

/// An address as the picture writes it: hexadecimal, `_` every four digits.
fn addr(a: impl Into<u128>) -> String {
    let a: u128 = a.into();
    let digits = format!("{a:x}");
    let n = digits.len();
    let mut out = String::from("0x");
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (n - i) % 4 == 0 {
            out.push('_');
        }
        out.push(ch);
    }
    out
}

#[test]
fn every_page_and_segment_is_drawn_and_the_xml_is_well_formed() {
    for p in [readme(), soc()] {
        let s = picture(&p);
        well_formed(&s).unwrap();
        assert!(s.contains("<title>memory layout"), "a title");
        assert!(!s.contains("href"), "no external resources");
        let input = Input::new(p.module(), p.plan());
        for t in input.tables() {
            assert!(
                s.contains(&format!(">{}</text>", t.name())),
                "column {}",
                t.name()
            );
            for pp in &t.pages {
                for pg in &pp.pages {
                    let name = if pp.pages.len() > 1 {
                        format!("{}[{}]", pg.name(), pg.index())
                    } else {
                        pg.name().to_string()
                    };
                    let in_table = format!(
                        "<title>page {name}: VA {}..{} PA {}..{}",
                        addr(pg.va()),
                        addr(pg.va_end()),
                        addr(pg.pa()),
                        addr(pg.pa_end())
                    );
                    assert!(s.contains(&in_table), "{in_table}");
                    // The physical column draws the page an alias maps, not the alias.
                    if input.alias_of(pp).is_none() {
                        let in_physical = format!(
                            "<title>page {name}: PA {}..{}",
                            addr(pg.pa()),
                            addr(pg.pa_end())
                        );
                        let at = s
                            .find(&in_physical)
                            .unwrap_or_else(|| panic!("{in_physical}"));
                        let tip = &s[at..at + s[at..].find("</title>").unwrap()];
                        let va = format!("VA {} in {}", addr(pg.va()), t.name());
                        assert!(tip.contains(&va), "{tip} lacks {va}");
                    }
                }
            }
            for seg in &t.segments {
                let seg = seg.segment;
                let at_va = format!(
                    "<title>segment {}: {}, {:#x} bytes at VA {}",
                    seg.name(),
                    seg.kind(),
                    seg.size(),
                    addr(seg.va())
                );
                let at_pa = format!(
                    "<title>segment {}: {}, {:#x} bytes at PA {}",
                    seg.name(),
                    seg.kind(),
                    seg.size(),
                    addr(seg.pa())
                );
                assert!(s.contains(&at_va), "{at_va}");
                assert!(s.contains(&at_pa), "{at_pa}");
            }
        }
    }
}

#[test]
fn pages_mapped_more_than_once_are_joined_to_every_mapping() {
    let p = soc();
    let s = picture(&p);
    let input = Input::new(p.module(), p.plan());
    // How many boxes map each PA.
    let mut maps: BTreeMap<u64, usize> = BTreeMap::new();
    for t in input.tables() {
        for pp in &t.pages {
            *maps.entry(pp.pages[0].pa()).or_default() += 1;
        }
    }
    let expected: usize = maps.values().filter(|&&n| n > 1).sum();
    assert!(
        expected >= 4,
        "the soc example shares its mailbox with four tables"
    );
    assert_eq!(
        s.matches("<path class=\"join\" stroke=\"#").count(),
        expected + 1,
        "plus the legend's sample"
    );
    // Narrowed to one table, nothing is shared.
    let one = svg(&input.clone().only("core0_el1").unwrap());
    assert_eq!(one.matches("<path class=\"join\" stroke=\"#").count(), 1);
    assert!(!one.contains(">core0_el3</text>"));
}

#[test]
fn aliases_are_joined_to_the_page_they_map() {
    let p = planned(
        "mod a {
            physical ram = 0x8000_0000 .. +1G;
            table t (core 0, EL2_NS) {
                virtual 0x4000_0000 .. +1G;
                page frame : data, 2M;
                page view : data, alias frame;
            }
        }",
    );
    let s = picture(&p);
    well_formed(&s).unwrap();
    assert_eq!(s.matches("<path class=\"join\" stroke=\"#").count(), 2 + 1);
    assert!(s.contains("alias of frame"));
    assert!(s.contains("class=\"pg-data alias\""));
}

/// The height of the box drawn for the page whose tooltip starts with `tip`.
fn box_height(s: &str, tip: &str) -> i64 {
    let at = s.find(tip).unwrap_or_else(|| panic!("{tip}"));
    let start = s[..at].rfind("<rect").unwrap();
    let h = &s[start..at];
    let h = &h[h.find("height=\"").unwrap() + 8..];
    h[..h.find('"').unwrap()].parse().unwrap()
}

#[test]
fn a_4k_page_stays_visible_next_to_a_1g_page() {
    let p = planned(
        "mod big {
            physical ram = 0x4000_0000 .. +4G;
            table t (core 0, EL3) {
                virtual 0x4000_0000 .. +4G;
                page huge : data, 1G;
                page tiny : data, 4K;
            }
        }",
    );
    let s = picture(&p);
    let huge = box_height(&s, "<title>page huge:");
    let tiny = box_height(&s, "<title>page tiny:");
    assert!(tiny >= 30, "a 4 KiB page is {tiny} px");
    assert!(
        huge > tiny && huge <= 10 * tiny,
        "1 GiB {huge} px vs 4 KiB {tiny} px"
    );
    // The stretch between them is a compressed band labelled with its size.
    assert!(s.contains("free \u{22ef}</text>"));
}

#[test]
fn long_addresses_widen_the_label_column_instead_of_overlapping() {
    let p = planned(
        "mod high {
            physical ram = 0xff00_0000_0000 .. +4G;
            table t (core 0, EL1_NS) {
                virtual 0xfff0_0000_0000 .. +4G;
                page a : data, 4K;
                page b : code, 2M;
            }
        }",
    );
    let s = picture(&p);
    well_formed(&s).unwrap();
    // Every address label ends 6 px left of its box and is 6 px per character wide: its
    // left end stays right of the first column's bracket (margin 24 + bracket 16).
    let mut labels = 0;
    for part in s
        .split("<text class=\"addr\" text-anchor=\"end\" x=\"")
        .skip(1)
    {
        let x: i64 = part[..part.find('"').unwrap()].parse().unwrap();
        let text = &part[part.find('>').unwrap() + 1..part.find("</text>").unwrap()];
        assert!(text.starts_with("0xff"), "{text}");
        assert!(x - 6 * text.len() as i64 >= 40, "{text} at {x}");
        labels += 1;
    }
    assert!(labels >= 4);
}
