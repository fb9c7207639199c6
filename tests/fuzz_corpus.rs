//! Replays the fuzz campaign's checked-in corpus through the campaign's own checks
//! (`memlayout_tests::fuzz`), on the stable toolchain: every input in
//! `fuzz/corpus/TARGET/` (coverage-chosen by the campaign) and `fuzz/regressions/TARGET/`
//! (the minimized input of every fault the campaign found) must pass.

use std::path::{Path, PathBuf};

use memlayout_tests::fuzz;

/// The inputs of one fuzz target, in name order.
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        files.extend(entries.map(|e| e.expect("a readable directory entry").path()));
    }
    files.sort();
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no corpus for fuzz target {target} in fuzz/corpus or fuzz/regressions"
    );
    for f in &files {
        let data = std::fs::read(f).expect("a readable corpus file");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "fuzz input {} fails its checks",
            f.display()
        );
    }
}

#[test]
fn dsl_text_corpus_passes() {
    replay("dsl_text", fuzz::check_text_bytes);
}

#[test]
fn dsl_structured_corpus_passes() {
    replay("dsl_structured", fuzz::check_structured_bytes);
}

#[test]
fn api_ops_corpus_passes() {
    replay("api_ops", fuzz::check_ops_bytes);
}
