//! Helpers shared by the command's tests: run the binary, find the layout files.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The path of `tests/data/NAME`: the layouts the tests read (the README's example
/// layout `readme.memlayout`, the `soc` example's `soc.memlayout`, and
/// `board.memlayout`), inside this package so that its tests run from the published
/// package too.
pub fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `memlayout ARGS` without colours.
pub fn memlayout(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_memlayout"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the memlayout binary runs")
}

/// A fresh directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("memlayout-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
