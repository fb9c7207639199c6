//! Every `tests/*.rs` file is a `[[test]]` target of `tests/Cargo.toml`: the package
//! turns automatic test discovery off, so a file missing from the manifest would
//! otherwise never be compiled or run.

use std::path::Path;

#[test]
fn every_test_file_is_a_test_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("tests/Cargo.toml");
    let listed: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.trim().strip_prefix("path = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("the tests directory")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        // build.rs is the package's build script, not a test.
        .filter(|name| name.ends_with(".rs") && name != "build.rs")
        .collect();
    files.sort();
    assert!(files.len() > 1, "found no test files in {}", dir.display());
    let missing: Vec<&String> = files
        .iter()
        .filter(|f| !listed.contains(&f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "tests/Cargo.toml has no [[test]] entry for {missing:?}; add `[[test]] name = \"NAME\" path = \"NAME.rs\"` for each"
    );
}
