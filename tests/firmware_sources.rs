//! No address of a firmware example's layout is written by hand in its sources: every
//! integer literal in the Rust, C, assembly and linker-script files of
//! `examples/firmware-c`, `examples/firmware-rust` and `examples/kernel` is checked
//! against the layout's page and segment VAs and PAs, table bases, pools and virtual
//! ranges (for the Rust example, against those of its 16K and 64K variants too).

use std::path::{Path, PathBuf};

use memlayout_tests::firmware::{LayoutAddresses, layout_addresses, workspace_root as root};

/// Each example, its layout files and its entry point's input section.
const EXAMPLES: [(&str, &str, &str); 5] = [
    (
        "firmware-c",
        "board.memlayout",
        ".memlayout.core0_el3.bsp_boot",
    ),
    (
        "firmware-rust",
        "board.memlayout",
        ".memlayout.core0_el3.bsp_boot",
    ),
    (
        "firmware-rust",
        "board-16k.memlayout",
        ".memlayout.core0_el3.bsp_boot",
    ),
    (
        "firmware-rust",
        "board-64k.memlayout",
        ".memlayout.core0_el3.bsp_boot",
    ),
    ("kernel", "kernel.memlayout", ".memlayout.kernel.boot_code"),
];

// ---------------------------------------------------------------------------------

/// Every integer literal of `text` (decimal, `0x` hex, `0b` binary; `_` separators and
/// suffixes such as `UL` or `u64` allowed) with its line number. Digits inside
/// identifiers (`x19`, `el3`) are not literals.
fn integer_literals(text: &str) -> Vec<(usize, String, u64)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' {
            line += 1;
        }
        let in_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if !c.is_ascii_digit() || in_word {
            i += 1;
            continue;
        }
        let start = i;
        let (radix, digits_start) = match bytes.get(i + 1) {
            Some(b'x' | b'X') if c == b'0' => (16, i + 2),
            Some(b'b' | b'B')
                if c == b'0' && bytes.get(i + 2).is_some_and(|d| matches!(d, b'0' | b'1')) =>
            {
                (2, i + 2)
            }
            _ => (10, i),
        };
        let mut j = digits_start;
        while j < bytes.len() && ((bytes[j] as char).is_digit(radix) || bytes[j] == b'_') {
            j += 1;
        }
        let digits: String = text[digits_start..j]
            .chars()
            .filter(|&c| c != '_')
            .collect();
        // Skip a suffix (UL, u64, K) so it is not read as a new literal.
        let mut k = j;
        while k < bytes.len() && (bytes[k].is_ascii_alphanumeric() || bytes[k] == b'_') {
            k += 1;
        }
        if let Ok(value) = u64::from_str_radix(&digits, radix) {
            out.push((line, text[start..k].to_string(), value));
        }
        i = k.max(i + 1);
    }
    out
}

/// The addresses no source may spell, as `(start, last inclusive, description)`: every
/// page's and segment's VA and PA, every table base, and every declared pool and virtual
/// range.
fn forbidden(layout: &LayoutAddresses) -> Vec<(u64, u64, String)> {
    let mut out = Vec::new();
    for (key, &value) in &layout.named {
        // Addresses, not sizes or register values.
        if [".va", ".pa", ".tables_pa"]
            .iter()
            .any(|end| key.ends_with(end))
        {
            out.push((value, value, format!("`{key}`")));
        }
    }
    out.extend(layout.pools.iter().cloned());
    out
}

/// The example's sources: Rust, C, assembly and linker scripts.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "target") {
                    stack.push(p);
                }
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "rs" | "c" | "h" | "S" | "s" | "ld"))
            {
                out.push(p);
            }
        }
    }
    out
}

fn hand_written_addresses(text: &str, forbidden: &[(u64, u64, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (line, literal, value) in integer_literals(text) {
        let what: Vec<&str> = forbidden
            .iter()
            .filter(|(start, last, _)| (*start..=*last).contains(&value))
            .map(|(_, _, what)| what.as_str())
            .collect();
        if !what.is_empty() {
            found.push(format!(
                "line {line}: `{literal}` is {}",
                what.join(", in ")
            ));
        }
    }
    found
}

#[test]
fn no_address_is_written_by_hand_in_the_examples() {
    for (example, layout, _) in EXAMPLES {
        let dir = root().join("examples").join(example);
        let forbidden = forbidden(&layout_addresses(&dir.join(layout)));
        let files = sources(&dir);
        assert!(files.len() >= 4, "{example}: sources found: {files:?}");
        let mut literals = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            literals += integer_literals(&text).len();
            let found = hand_written_addresses(&text, &forbidden);
            assert!(
                found.is_empty(),
                "{} writes addresses of its layout by hand; take them from the generated constants:\n{}",
                file.display(),
                found.join("\n")
            );
        }
        assert!(
            literals > 10,
            "{example}: the scan saw only {literals} literals"
        );
    }
}

#[test]
fn the_address_scan_catches_addresses() {
    let layout = layout_addresses(&root().join("examples/firmware-c/board.memlayout"));
    let forbidden = forbidden(&layout);
    let uart_va = layout.named["core0_el3.uart.va"];
    let src = format!(
        "mov x19, #1\nldr x0, ={uart_va:#x}\n#define UART 0x0900_0000UL\nlet a = 0x4000_1234u64;\nconst B: u64 = {};\n",
        0x4100_0010u64
    );
    let found = hand_written_addresses(&src, &forbidden);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].starts_with("line 2:") && found[0].contains("core0_el3.uart.va"));
    assert!(found[1].contains("pool `mmio`"));
    assert!(found[2].contains("pool `secure_ram`"));
    assert!(found[3].contains("pool `ram`"));
    // Small constants are fine.
    assert!(
        hand_written_addresses("mov x0, #0x18\n.balign 0x800\n3 << 20\n", &forbidden).is_empty()
    );
}

/// The sections the sources of an example name: `.memlayout.<a>.<b>` in any string or
/// directive (`global_asm!` and `.S` files), `MEMLAYOUT_SECTION(a, b)` in C and
/// `a::b::link_section!()` in Rust, each with its line number.
fn named_sections(text: &str) -> Vec<(usize, String)> {
    let ident = |s: &str| -> usize {
        s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for (i, _) in line.match_indices(".memlayout.") {
            let rest = &line[i + ".memlayout.".len()..];
            let a = ident(rest);
            let Some(after) = rest[a..].strip_prefix('.') else {
                continue;
            };
            let b = ident(after);
            if a > 0 && b > 0 {
                out.push((n + 1, format!(".memlayout.{}.{}", &rest[..a], &after[..b])));
            }
        }
        for (i, _) in line.match_indices("MEMLAYOUT_SECTION(") {
            let args = &line[i + "MEMLAYOUT_SECTION(".len()..];
            let Some(end) = args.find(')') else { continue };
            let parts: Vec<&str> = args[..end].split(',').map(str::trim).collect();
            if let [a, b] = parts[..] {
                out.push((n + 1, format!(".memlayout.{a}.{b}")));
            }
        }
        for (i, _) in line.match_indices("::link_section!()") {
            let path: Vec<&str> = line[..i]
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or("")
                .split("::")
                .collect();
            if let [.., a, b] = path[..] {
                out.push((n + 1, format!(".memlayout.{a}.{b}")));
            }
        }
    }
    out
}

#[test]
fn every_section_the_sources_name_is_one_the_fragment_places() {
    for (example, layout, entry) in EXAMPLES {
        let dir = root().join("examples").join(example);
        let text = std::fs::read_to_string(dir.join(layout)).unwrap();
        let Ok(planned) = memlayout::dsl::file::plan_text(&text) else {
            panic!("{example}: the layout does not plan");
        };
        let input = memlayout::export::Input::new(planned.module(), planned.plan());
        let fragment = memlayout::export::ld::ld(&input);
        // `KEEP(*(NAME NAME.*))`: every input section the fragment places.
        let placed: std::collections::BTreeSet<&str> = fragment
            .lines()
            .filter_map(|l| l.trim().strip_prefix("KEEP(*("))
            .filter_map(|l| l.split([' ', ')']).next())
            .collect();
        assert!(placed.contains(entry), "{fragment}");
        let mut seen = 0;
        for file in sources(&dir) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, name) in named_sections(&text) {
                seen += 1;
                assert!(
                    placed.contains(name.as_str()),
                    "{}:{line}: `{name}` is not an input section the ld fragment places; one of {placed:?}",
                    file.display()
                );
            }
        }
        assert!(seen >= 10, "{example}: only {seen} section names found");
    }
}

#[test]
fn the_section_scan_reads_strings_directives_and_the_c_macro() {
    let src = "    .section .memlayout.core0_el3.bsp_boot, \"ax\"\n\
               static int x MEMLAYOUT_SECTION(core0_el1, kernel_vars) = 1;\n\
               // put it in `.memlayout.<table>.<segment>`\n\
               #[unsafe(link_section = \".memlayout.tables.el3\")]\n\
               #[unsafe(link_section = crate::board::core1_el3::secondary_code::link_section!())]\n";
    assert_eq!(
        named_sections(src),
        [
            (1, String::from(".memlayout.core0_el3.bsp_boot")),
            (2, String::from(".memlayout.core0_el1.kernel_vars")),
            (4, String::from(".memlayout.tables.el3")),
            (5, String::from(".memlayout.core1_el3.secondary_code")),
        ]
    );
}
