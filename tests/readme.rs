//! The README says what the code does: its "Grammar" and "What it expands to" sections
//! are the text of `memlayout::dsl::reference` (the same text as the rustdoc of
//! `memory_layout!` and of `memlayout::dsl`).
//!
//! After editing `memlayout-core/src/reference.rs`, copy the text into the README with
//! `MEMLAYOUT_BLESS=1 cargo test -p memlayout-tests --test readme`.

use std::path::{Path, PathBuf};

fn readme_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")
}

/// The lines between `<!-- BEGIN name` and `<!-- END name -->`, as byte offsets of the
/// README text.
fn section(readme: &str, name: &str) -> std::ops::Range<usize> {
    let begin = format!("<!-- BEGIN {name}:");
    let end = format!("<!-- END {name} -->");
    let start = readme
        .find(&begin)
        .unwrap_or_else(|| panic!("README.md has no `{begin} .. -->` line"));
    let start = start
        + readme[start..]
            .find('\n')
            .expect("a line end after the marker")
        + 1;
    let stop = start
        + readme[start..]
            .find(&end)
            .unwrap_or_else(|| panic!("README.md has no `{end}` line"));
    start..stop
}

/// Held while a section is compared and maybe rewritten, so two blessing tests never
/// overwrite each other's change.
static README_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn check_section(name: &str, text: &str) {
    let _guard = README_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let path = readme_path();
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let range = section(&readme, name);
    if readme[range.clone()] == *text {
        return;
    }
    if std::env::var_os("MEMLAYOUT_BLESS").is_some_and(|v| v == "1") {
        let mut new = readme.clone();
        new.replace_range(range, text);
        // Write a new file and rename it over the README, so the tests that read the
        // README meanwhile see the old or the new text, never a half-written file.
        let tmp = path.with_extension("md.bless");
        std::fs::write(&tmp, new).expect("write README.md.bless");
        std::fs::rename(&tmp, &path).expect("replace README.md");
        return;
    }
    let readme_lines: Vec<&str> = readme[range].lines().collect();
    let first_diff = text
        .lines()
        .zip(readme_lines.iter())
        .position(|(a, b)| a != *b)
        .unwrap_or(readme_lines.len().min(text.lines().count()));
    panic!(
        "README.md's {name} section differs from memlayout::dsl::reference::{name} \
         (first at line {} of the section: README has {:?}, the reference {:?}); \
         edit memlayout-core/src/reference.rs and run \
         `MEMLAYOUT_BLESS=1 cargo test -p memlayout-tests --test readme`",
        first_diff + 1,
        readme_lines.get(first_diff),
        text.lines().nth(first_diff),
    );
}

#[test]
fn readme_grammar_is_the_reference_grammar() {
    check_section("GRAMMAR", memlayout::dsl::reference::GRAMMAR);
}

#[test]
fn readme_expansion_is_the_reference_expansion() {
    check_section("EXPANSION", memlayout::dsl::reference::EXPANSION);
}

#[test]
fn reference_names_every_keyword_of_the_grammar() {
    // Every segment kind and page kind the engine knows is in the grammar and has a
    // meaning in the text.
    let g = memlayout::dsl::reference::GRAMMAR;
    for kind in memlayout::SegmentKind::ALL {
        let quoted = format!("\"{}\"", kind.name());
        let ticked = format!("`{}`", kind.name());
        assert!(
            g.contains(&quoted),
            "the grammar lacks segment kind {quoted}"
        );
        assert!(
            g.contains(&ticked),
            "the grammar text never explains {ticked}"
        );
    }
    for kind in memlayout::PageKind::ALL {
        let quoted = format!("\"{}\"", kind.name());
        assert!(g.contains(&quoted), "the grammar lacks page kind {quoted}");
    }
}

/// The names of the features declared in `[features]` of memlayout's manifest, without
/// `default` and `document-features` (which only builds the docs).
fn manifest_features() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../memlayout/Cargo.toml");
    let manifest = std::fs::read_to_string(path).expect("memlayout/Cargo.toml");
    let table = manifest
        .split("\n[features]\n")
        .nth(1)
        .expect("memlayout/Cargo.toml has a [features] table");
    let table = table.split("\n[").next().unwrap_or(table);
    let mut names: Vec<String> = table
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.trim().to_owned()))
        .filter(|name| !name.is_empty() && name != "default" && name != "document-features")
        .collect();
    names.sort();
    names
}

#[test]
fn readme_feature_table_lists_every_feature() {
    let readme = std::fs::read_to_string(readme_path()).expect("README.md");
    let part = readme
        .split("## Use it in your crate")
        .nth(1)
        .expect("README.md has a \"Use it in your crate\" section");
    let part = part.split("\n## ").next().unwrap_or(part);
    let mut rows: Vec<String> = part
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_owned()))
        .collect();
    rows.sort();
    let features = manifest_features();
    assert!(
        features.contains(&"alloc".to_owned()),
        "found features {features:?}"
    );
    assert_eq!(
        rows, features,
        "the feature table of README.md (\"Use it in your crate\") must have one row per \
         feature of memlayout/Cargo.toml"
    );
}

#[test]
fn readme_rust_blocks_are_whole_programs() {
    // The README's Rust blocks are doctested through tests/support/lib.rs; they must also
    // compile and run when pasted into a new crate, so each is a whole file with a
    // `fn main` and none is skipped (`no_run` only for a build script, which needs
    // Cargo's environment to run).
    let readme = std::fs::read_to_string(readme_path()).expect("README.md");
    let mut blocks = 0;
    let mut lines = readme.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```rust") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| !l.starts_with("```"))
            .collect();
        let body = body.join("\n");
        blocks += 1;
        let line_no = n + 1;
        match info {
            "" => {}
            ",no_run" => assert!(
                body.contains("build.rs"),
                "README.md line {line_no}: only a build script may be `no_run`"
            ),
            other => panic!(
                "README.md line {line_no}: ```rust{other} is not tested as pasted; make the \
                 block a whole program (```rust)"
            ),
        }
        assert!(
            body.contains("fn main("),
            "README.md line {line_no}: a Rust block must be a whole program with `fn main`"
        );
        assert!(
            !body.lines().any(|l| l.trim_start().starts_with("# ")),
            "README.md line {line_no}: hidden doctest lines (`# ...`) do not paste"
        );
    }
    assert!(blocks >= 2, "found only {blocks} Rust blocks in README.md");
}

/// The layout file of the `memlayout-cli` package's README (its crates.io page) plans,
/// so the commands it shows work on it.
#[test]
fn cli_package_readme_layout_plans() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../memlayout-cli/README.md");
    let readme = std::fs::read_to_string(path).expect("memlayout-cli/README.md");
    let start = readme.find("```text\nmod ").expect("a layout block") + "```text\n".len();
    let end = start + readme[start..].find("```").expect("the end of the block");
    let planned = memlayout::dsl::file::plan_text(&readme[start..end]);
    assert!(planned.is_ok(), "{:?}", planned.err());
}
