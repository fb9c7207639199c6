//! The editor grammar of `.memlayout` files (editors/) against the language:
//!
//! * each keyword list of the TextMate grammar (`editors/vscode/syntaxes/
//!   memlayout.tmLanguage.json`) is exactly the language's own list it is named after:
//!   the keywords of `memlayout-core/src/dsl/kw.rs` and the Rust keywords the parser takes
//!   (`Token![..]` in `memlayout-core/src/dsl/`), the `NAMES` of the model enums (exception
//!   levels, page and segment kinds, permissions, cacheability, shareability), the
//!   words of a visibility (`syn::Visibility`) and the booleans of `attrs`;
//! * every word in any pattern of the grammar is a keyword of the language, so the
//!   grammar highlights nothing the language lacks;
//! * the Sublime Text syntax (`editors/sublime/memlayout.sublime-syntax`, which bat
//!   reads too) is the TextMate grammar converted.
//!
//! After a change to the language's keywords, regenerate the lists and the Sublime
//! syntax with `MEMLAYOUT_BLESS=1 cargo test -p memlayout-tests --test editor_grammar`.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use memlayout::{
    Cacheability, DeviceType, ExecutionContext, PageKind, Perms, SegmentKind, Shareability,
};
use serde_json::Value;

const GRAMMAR: &str = "editors/vscode/syntaxes/memlayout.tmLanguage.json";
const SUBLIME: &str = "editors/sublime/memlayout.sublime-syntax";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn bless() -> bool {
    std::env::var_os("MEMLAYOUT_BLESS").is_some_and(|v| v == "1")
}

/// Replaces `path` whole (the tests run in parallel and read each other's files).
fn write(path: &str, text: &str) {
    let tmp = root().join(format!("{path}.tmp"));
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, root().join(path)).unwrap();
}

/// The `.rs` files under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out
}

/// The words between `open` and `)`/`]` after every `open` in `text` that are
/// identifiers (`syn::custom_keyword!(seed)`, `Token![in]`).
fn words_after(text: &str, open: &str, close: char) -> Vec<String> {
    text.match_indices(open)
        .filter_map(|(at, _)| {
            let rest = &text[at + open.len()..];
            let word = &rest[..rest.find(close)?];
            (!word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .then(|| word.to_string())
        })
        .collect()
}

/// The language's keyword lists, by the grammar entry that must hold each, in the
/// language's order.
fn language() -> Vec<(&'static str, Vec<String>)> {
    let own = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Keywords of declarations and options: the custom keywords, then the Rust keywords
    // the parser takes as tokens.
    let mut keywords: Vec<String> = read("memlayout-core/src/dsl/kw.rs")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .flat_map(|l| words_after(l, "syn::custom_keyword!(", ')'))
        .collect();
    let mut rust = BTreeSet::new();
    for f in rust_files(&root().join("memlayout-core/src/dsl")) {
        let text = std::fs::read_to_string(&f).unwrap();
        rust.extend(words_after(&text, "Token![", ']'));
    }
    for w in rust {
        if !keywords.contains(&w) {
            keywords.push(w);
        }
    }
    vec![
        ("exception-levels", own(&ExecutionContext::NAMES)),
        ("page-kinds", own(&PageKind::NAMES)),
        ("segment-kinds", own(&SegmentKind::NAMES)),
        ("permissions", own(&Perms::NAMES)),
        ("cacheability", own(&Cacheability::NAMES)),
        ("shareability", own(&Shareability::NAMES)),
        ("device-types", own(&DeviceType::NAMES)),
        ("keywords", keywords),
        // The module's visibility is a `syn::Visibility`: `pub`, `pub(crate)`,
        // `pub(super)`, `pub(self)`, `pub(in path)`.
        ("visibility", own(&["pub", "crate", "super", "self"])),
        // Attribute values are `syn::LitBool` among others.
        ("booleans", own(&["true", "false"])),
    ]
}

/// The `match` of a keyword list: the words as alternatives between word boundaries.
fn alternation(words: &[String]) -> String {
    format!("\\b(?:{})\\b", words.join("|"))
}

/// The words of a keyword list's `match`, or `None` if it is not one.
fn words_of(pattern: &str) -> Option<Vec<String>> {
    let inner = pattern.strip_prefix("\\b(?:")?.strip_suffix(")\\b")?;
    Some(inner.split('|').map(String::from).collect())
}

/// The identifiers a regular expression matches literally: what is left once escapes
/// (`\b`, `\s`, `\.`), character classes and group prefixes (`?:`) are taken out;
/// runs starting with a digit (`0x`) are not words.
fn literal_words(pattern: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
                plain.push(' ');
            }
            '[' => {
                // Up to the closing `]`, escapes included.
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => {
                            chars.next();
                        }
                        ']' => break,
                        _ => {}
                    }
                }
                plain.push(' ');
            }
            '(' if chars.peek() == Some(&'?') => {
                chars.next();
                while chars
                    .peek()
                    .is_some_and(|d| matches!(d, ':' | '=' | '!' | '<'))
                {
                    chars.next();
                }
                plain.push(' ');
            }
            c if c.is_ascii_alphanumeric() || c == '_' => plain.push(c),
            _ => plain.push(' '),
        }
    }
    plain
        .split(' ')
        .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        .map(String::from)
        .collect()
}

/// Every regular expression of the grammar (`match`, `begin`, `end`), with its path.
fn patterns(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let here = format!("{path}/{k}");
                match (k.as_str(), x) {
                    ("match" | "begin" | "end" | "while", Value::String(s)) => {
                        out.push((here, s.clone()));
                    }
                    _ => patterns(x, &here, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                patterns(x, &format!("{path}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The grammar's text with the `match` of each keyword list set to `lists`.
fn with_lists(text: &str, lists: &[(&str, Vec<String>)]) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some((key, _)) = lists
            .iter()
            .find(|(k, _)| trimmed.starts_with(&format!("\"{k}\": {{")))
        {
            current = Some(key);
        }
        match (current, trimmed.strip_prefix("\"match\": ")) {
            (Some(key), Some(_)) => {
                let words = &lists.iter().find(|(k, _)| *k == key).unwrap().1;
                let indent = &line[..line.len() - trimmed.len()];
                let value = Value::String(alternation(words)).to_string();
                let comma = if trimmed.ends_with(',') { "," } else { "" };
                let _ = writeln!(out, "{indent}\"match\": {value}{comma}");
                current = None;
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// A YAML single-quoted scalar.
fn yaml(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// One TextMate rule as Sublime Text syntax rules, indented by `indent`; a
/// `begin`/`end` rule pushes the context `<key>-body`, which goes to `extra`.
fn sublime_rule(rule: &Value, key: &str, indent: &str, out: &mut String, extra: &mut String) {
    let s = |k: &str| rule.get(k).and_then(Value::as_str);
    if let Some(inc) = s("include") {
        let _ = writeln!(out, "{indent}- include: {}", inc.trim_start_matches('#'));
    } else if let Some(m) = s("match") {
        let _ = writeln!(out, "{indent}- match: {}", yaml(m));
        if let Some(name) = s("name") {
            let _ = writeln!(out, "{indent}  scope: {name}");
        }
        if let Some(Value::Object(caps)) = rule.get("captures") {
            let _ = writeln!(out, "{indent}  captures:");
            for (n, c) in caps {
                let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
                let _ = writeln!(out, "{indent}    {n}: {name}");
            }
        }
    } else if let (Some(begin), Some(end)) = (s("begin"), s("end")) {
        let name = s("name").unwrap_or_default();
        let body = format!("{key}-body");
        let _ = writeln!(
            out,
            "{indent}- match: {}\n{indent}  scope: {name}\n{indent}  push: {body}",
            yaml(begin)
        );
        let _ = writeln!(
            extra,
            "  {body}:\n    - meta_scope: {name}\n    - match: {}\n      pop: true",
            yaml(end)
        );
        if let Some(Value::Array(inner)) = rule.get("patterns") {
            let mut more = String::new();
            for r in inner {
                sublime_rule(r, &body, "    ", extra, &mut more);
            }
            extra.push_str(&more);
        }
    } else if let Some(Value::Array(inner)) = rule.get("patterns") {
        for r in inner {
            sublime_rule(r, key, indent, out, extra);
        }
    } else {
        panic!("grammar rule {key} is neither include, match, begin/end nor patterns");
    }
}

/// The Sublime Text syntax of a TextMate grammar (the subset editors/ uses: `include`,
/// `match` with `name` and `captures`, `begin`/`end` with `name` and `patterns`).
fn sublime(grammar: &Value) -> String {
    let s = |k: &str| grammar.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut out = format!(
        "%YAML 1.2\n---\n# Generated from {GRAMMAR} by tests/editor_grammar.rs; do not edit.\n\
         # Regenerate with `MEMLAYOUT_BLESS=1 cargo test -p memlayout-tests --test editor_grammar`.\n\
         name: {}\nfile_extensions:\n  - memlayout\nscope: {}\n\ncontexts:\n  main:\n",
        s("name"),
        s("scopeName")
    );
    let mut extra = String::new();
    for r in grammar["patterns"].as_array().expect("top-level patterns") {
        sublime_rule(r, "main", "    ", &mut out, &mut extra);
    }
    for (key, rule) in grammar["repository"].as_object().expect("a repository") {
        let _ = writeln!(out, "\n  {key}:");
        let mut more = String::new();
        sublime_rule(rule, key, "    ", &mut out, &mut more);
        if !more.is_empty() {
            out.push('\n');
            out.push_str(&more);
        }
    }
    out
}

#[test]
fn grammar_keywords_are_the_languages() {
    let lists = language();
    let text = read(GRAMMAR);
    let wanted = with_lists(&text, &lists);
    if bless() && wanted != text {
        write(GRAMMAR, &wanted);
    }
    let text = if bless() { wanted.clone() } else { text };
    let grammar: Value = serde_json::from_str(&text).expect("the grammar is JSON");
    let repo = &grammar["repository"];
    let mut all: BTreeSet<String> = BTreeSet::new();
    for (key, words) in &lists {
        let m = repo[key]["match"]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {GRAMMAR}"));
        assert_eq!(
            words_of(m).as_ref(),
            Some(words),
            "{GRAMMAR}: `{key}` is not the language's list; run with MEMLAYOUT_BLESS=1"
        );
        all.extend(words.iter().cloned());
        // Every list is used.
        let include = serde_json::json!({ "include": format!("#{key}") });
        assert!(
            grammar["patterns"].as_array().unwrap().contains(&include),
            "{GRAMMAR}: `{key}` is not in the top-level patterns"
        );
    }
    assert_eq!(text, wanted, "run with MEMLAYOUT_BLESS=1");
    // No pattern matches a word the language lacks.
    let mut found = Vec::new();
    patterns(&grammar, "", &mut found);
    assert!(found.len() > lists.len(), "{found:?}");
    for (path, re) in &found {
        for w in literal_words(re) {
            assert!(
                all.contains(&w),
                "{GRAMMAR}{path}: `{w}` is no keyword of the language"
            );
        }
    }
    // Every keyword reaches the grammar (spot checks of each source).
    for w in [
        "seed",
        "non_secure",
        "virtual",
        "in",
        "mod",
        "EL1_NS",
        "bsp_boot_code",
        "rwx",
    ] {
        assert!(all.contains(w), "{w}");
    }
}

#[test]
fn sublime_syntax_is_the_grammar_converted() {
    // The grammar with the language's lists, as the other test checks or writes it.
    let text = with_lists(&read(GRAMMAR), &language());
    let grammar: Value = serde_json::from_str(&text).expect("the grammar is JSON");
    let wanted = sublime(&grammar);
    if bless() {
        write(SUBLIME, &wanted);
    }
    assert_eq!(read(SUBLIME), wanted, "run with MEMLAYOUT_BLESS=1");
}

#[test]
fn word_extraction() {
    assert_eq!(literal_words("\\b(?:r|rw)\\b"), ["r", "rw"]);
    assert_eq!(
        literal_words("\\b(mod)\\s+([A-Za-z_][A-Za-z0-9_]*)"),
        ["mod"]
    );
    assert!(literal_words("\\b(?:0x[0-9A-Fa-f_]+|[0-9][0-9_]*)[KMG]?\\b").is_empty());
    assert_eq!(
        words_of("\\b(?:a|b_c)\\b"),
        Some(vec!["a".to_string(), "b_c".to_string()])
    );
    assert_eq!(words_of("\\b(a)\\b"), None);
    assert_eq!(
        words_after("syn::custom_keyword!(seed);", "syn::custom_keyword!(", ')'),
        ["seed"]
    );
}
