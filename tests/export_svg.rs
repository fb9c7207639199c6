//! The SVG export: golden pictures of the README example and the soc example, and
//! structural checks (every page and segment present, well-formed XML, shared pages
//! joined, a 4 KiB page visible next to a 1 GiB page).
//!
//! Bless the golden files after a deliberate change with
//! `MEMLAYOUT_BLESS=1 cargo test -p memlayout-tests --test export_svg`, then render them
//! (`rsvg-convert tests/golden/soc.svg -o /tmp/soc.png`) and look. With
//! `MEMLAYOUT_SVG_DUMP=DIR`, the collision check also writes every picture it reads
//! (the six-table layout and the generated ones too) into `DIR`.

use std::collections::BTreeMap;

use memlayout::dsl::file::{Planned, plan_text};
use memlayout::export::{Input, svg::svg};
use memlayout_tests::svg_geometry::Picture;

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

/// The line of a tooltip that starts with `prefix` (a tooltip of a group of pages has one
/// line per page).
fn tooltip_line<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let at = s
        .match_indices(prefix)
        .map(|(i, _)| i)
        .find(|&i| s[..i].ends_with("<title>") || s[..i].ends_with('\n'))?;
    let rest = &s[at..];
    let end = rest.find(['\n', '<']).unwrap_or(rest.len());
    Some(&rest[..end])
}

#[test]
fn every_page_and_segment_is_drawn_and_the_xml_is_well_formed() {
    let layouts = [
        readme(),
        soc(),
        layout_file("virt4"),
        planned(&generated(8, 208)),
    ];
    for p in layouts {
        let s = picture(&p);
        well_formed(&s).unwrap();
        assert!(s.contains("<title>memory layout"), "a title");
        assert!(!s.contains("href"), "no external resources");
        let input = Input::new(p.module(), p.plan());
        for t in input.tables() {
            // A column's title, whole or shortened with the whole one as its tooltip.
            assert!(
                s.contains(&format!(">{}</text>", t.name()))
                    || s.contains(&format!(
                        "<title>{}</title><text class=\"coltitle\"",
                        t.name()
                    )),
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
                        "page {name}: VA {}..{} PA {}..{}",
                        addr(pg.va()),
                        addr(pg.va_end()),
                        addr(pg.pa()),
                        addr(pg.pa_end())
                    );
                    assert!(tooltip_line(&s, &in_table).is_some(), "{in_table}");
                    // The physical column draws the page an alias maps, not the alias.
                    if input.alias_of(pp).is_none() {
                        let in_physical =
                            format!("page {name}: PA {}..{}", addr(pg.pa()), addr(pg.pa_end()));
                        let tip = tooltip_line(&s, &in_physical)
                            .unwrap_or_else(|| panic!("{in_physical}"));
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

/// How many connectors `s` draws (the legend's sample included).
fn connectors(s: &str) -> usize {
    Picture::parse(s).unwrap().connectors().count()
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
    assert_eq!(connectors(&s), expected + 1, "plus the legend's sample");
    // Narrowed to one table, nothing is shared.
    let one = svg(&input.clone().only("core0_el1").unwrap());
    assert_eq!(connectors(&one), 1);
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
    assert_eq!(connectors(&s), 2 + 1);
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

fn layout_file(name: &str) -> Planned {
    planned(&read(&format!("layouts/{name}.memlayout")))
}

/// A layout of `n` tables drawn from `seed`: pages of every kind, runs from 1 to 512
/// pages, long page and table names, identity pages, segments (up to eight in a page),
/// device pages, shared pages in some or all tables, aliases of other tables' pages,
/// and upper (TTBR1) ranges in EL1 tables.
fn generated(n: usize, seed: u64) -> String {
    let mut rng = memlayout::Rng::new(seed);
    let mut r = |bound: u64| rng.below(bound);
    let els = ["EL3", "EL2_NS", "EL1_NS"];
    let names: Vec<String> = (0..n)
        .map(|t| {
            let short = format!("t{t}_{}", els[t % 3].to_lowercase());
            if r(4) == 0 {
                format!("{short}_of_a_rather_long_table_name_for_core_{}", t / 3)
            } else {
                short
            }
        })
        .collect();
    let mut out = format!(
        "mod gen{n}_{seed} {{\n    physical ram = 0x4000_0000 .. +3G;\n    physical mmio = 0x0800_0000 .. +64M, device;\n"
    );
    let mut data_pages: Vec<(usize, String)> = Vec::new();
    for (t, table) in names.iter().enumerate() {
        let el = els[t % 3];
        out.push_str(&format!(
            "    table {table} (core {}, {el}) {{\n        virtual 0x4000_0000 .. +4G;\n",
            t / 3
        ));
        if el == "EL1_NS" && r(2) == 0 {
            out.push_str("        virtual 0xFFFF_FF80_0000_0000 .. +1G;\n");
            out.push_str("        page kernel : code, 2M, va 0xFFFF_FF80_0020_0000;\n");
        }
        for p in 0..1 + r(7) as usize {
            let name = if r(6) == 0 {
                format!("a_rather_long_page_name_for_the_ring_buffer_{p}")
            } else {
                format!("p{p}")
            };
            match r(8) {
                0 => out.push_str(&format!(
                    "        page {name} : code, 4K * {}, rx;\n",
                    1 + r(20)
                )),
                1 => out.push_str(&format!("        page {name} : data, 2M * {};\n", 1 + r(3))),
                2 => out.push_str(&format!(
                    "        page {name} : device, 4K * {}, pa {:#x};\n",
                    1 + r(64),
                    0x0800_0000 + (t as u64) * 0x40_0000 + (p as u64) * 0x8_0000
                )),
                3 if !data_pages.is_empty() => {
                    let (of_t, of) = &data_pages[r(data_pages.len() as u64) as usize];
                    out.push_str(&format!(
                        "        page {name} : data, alias {}::{of};\n",
                        names[*of_t]
                    ));
                }
                4 => out.push_str(&format!(
                    "        page {name} : data, 4K * {};\n",
                    [128, 256, 512][r(3) as usize]
                )),
                5 => out.push_str(&format!("        page {name} : code, 4K, identity;\n")),
                _ => {
                    let count = 1 + r(8);
                    out.push_str(&format!("        page {name} : data, 4K * {count};\n"));
                    data_pages.push((t, name.clone()));
                    let segments = if r(5) == 0 { 8 } else { r(4) };
                    for s in 0..segments {
                        out.push_str(&format!(
                            "        segment s{t}_{p}_{s} : {}, {:#x}, align 16, in {name};\n",
                            ["stack", "data", "bss", "data_preserve"][s as usize % 4],
                            if segments > 3 { 0x100 } else { 0x100 << r(3) }
                        ));
                    }
                }
            }
        }
        out.push_str("    }\n");
    }
    for s in 0..r(4) {
        let some: Vec<&str> = names
            .iter()
            .filter(|_| r(2) == 0)
            .map(String::as_str)
            .collect();
        let tables = if some.is_empty() {
            String::new()
        } else {
            format!(", tables [{}]", some.join(", "))
        };
        out.push_str(&format!("    shared page shared{s} : data, 4K{tables};\n"));
    }
    out.push_str("}\n");
    out
}

/// The pictures the collision check reads: the README's layout (as the macro example and
/// as the layout file with an upper range), the soc example, a four-core QEMU `virt`
/// layout of six tables, and generated layouts of 1 to 8 tables.
fn pictures_to_check() -> Vec<(String, String)> {
    let mut out = vec![
        ("README".to_string(), picture(&readme())),
        (
            "board.memlayout".to_string(),
            picture(&layout_file("board")),
        ),
        ("soc example".to_string(), picture(&soc())),
        (
            "virt4.memlayout".to_string(),
            picture(&layout_file("virt4")),
        ),
    ];
    for n in 1..=10 {
        for seed in 1..=3 {
            let seed = seed * 100 + n as u64;
            let p = planned(&generated(n, seed));
            out.push((format!("generated({n}, {seed})"), picture(&p)));
        }
    }
    out
}

#[test]
fn no_label_overlaps_a_label_a_box_or_a_connector() {
    let mut failures = Vec::new();
    let dump = std::env::var_os("MEMLAYOUT_SVG_DUMP");
    for (what, s) in pictures_to_check() {
        if let Some(dir) = &dump {
            let file: String = what
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            std::fs::write(std::path::Path::new(dir).join(format!("{file}.svg")), &s).unwrap();
        }
        let pic = Picture::parse(&s).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(!pic.labels.is_empty() && !pic.columns.is_empty(), "{what}");
        let mut found = pic.collisions();
        // Every connector but the legend's sample joins the right edges of two page
        // boxes of two columns.
        let on_edge = |(x, y): (f64, f64)| {
            let b = pic.shapes.iter().find(|b| {
                b.class.starts_with("pg-")
                    && (b.bbox.x1 - x).abs() <= 0.5
                    && b.bbox.y0 < y
                    && y < b.bbox.y1
            })?;
            pic.columns.iter().position(|c| c.bbox.holds(&b.bbox))
        };
        for c in pic.connectors() {
            let Some((a, b)) = c.ends() else { continue };
            let sample = !pic.columns.iter().any(|col| col.bbox.near(a, 1.0));
            if sample && !pic.columns.iter().any(|col| col.bbox.near(b, 1.0)) {
                continue;
            }
            match (on_edge(a), on_edge(b)) {
                (Some(x), Some(y)) if x != y => {}
                ends => found.push(format!(
                    "connector {a:?}-{b:?} does not join two columns' boxes ({ends:?})"
                )),
            }
        }
        if !found.is_empty() {
            failures.push(format!(
                "{what}: {} collisions, first: \n  {}",
                found.len(),
                found[..found.len().min(8)].join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_collision_check_catches_collisions() {
    let style = "<style>\n.name { font-size: 10px; }\n</style>";
    let doc = |body: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">{style}\n{body}</svg>\n"
        )
    };
    let column = |x: i64| {
        format!("<rect class=\"pg-data\" x=\"{x}\" y=\"100\" width=\"200\" height=\"100\"/>\n")
    };
    let clean = doc(&format!(
        "{}{}{}<text class=\"name\" x=\"106\" y=\"113\">page</text>\n<path class=\"join\" d=\"M300,150 L350,150 L350,50 L650,50 L650,150 L600,150\"/>",
        column(100),
        column(400),
        column(700)
    ));
    assert_eq!(
        Picture::parse(&clean).unwrap().collisions(),
        Vec::<String>::new()
    );
    for (what, body) in [
        (
            "two labels",
            "<text class=\"name\" x=\"106\" y=\"113\">page</text>\n<text class=\"name\" x=\"120\" y=\"116\">name</text>\n".to_string(),
        ),
        (
            "a label out of its box",
            "<text class=\"name\" x=\"290\" y=\"113\">page</text>\n".to_string(),
        ),
        (
            "a box over another",
            "<rect class=\"sg-stack\" x=\"150\" y=\"190\" width=\"20\" height=\"20\"/>\n".to_string(),
        ),
        (
            "a connector over a label",
            "<text class=\"name\" x=\"106\" y=\"113\">page</text>\n<path class=\"join\" d=\"M300,110 L100,110\"/>\n".to_string(),
        ),
        (
            "a connector through a column",
            "<path class=\"join\" d=\"M300,150 L700,150\"/>\n".to_string(),
        ),
        (
            "a connector between a column's brackets and its boxes",
            "<path class=\"br-va\" d=\"M410,100 L404,100 L404,200 L410,200\"/>\n<path class=\"join\" d=\"M450,20 L450,250\"/>\n".to_string(),
        ),
        (
            "a curve through a column",
            "<path class=\"join\" d=\"M300,150 C500,150 500,120 700,120\"/>\n".to_string(),
        ),
    ] {
        let pic = Picture::parse(&doc(&format!(
            "{}{}{}{body}",
            column(100),
            column(400),
            column(700)
        )))
        .unwrap();
        assert!(!pic.collisions().is_empty(), "{what} not caught");
    }
}
