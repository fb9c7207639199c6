//! Helpers shared by the command's tests: run the binary, and the layouts of the README
//! and the `soc` example as layout files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
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

/// The body of the first `memory_layout! { .. }` in `text`: the layout-file form.
pub fn macro_body(text: &str) -> String {
    let start = text
        .find("memory_layout! {")
        .expect("a memory_layout! invocation")
        + 16;
    let mut depth = 1;
    for (i, c) in text[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return text[start..start + i].to_string();
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced memory_layout! invocation");
}

/// The README's example layout (its `memory_layout!` example) written as a layout file.
pub fn readme_layout(dir: &Path) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let path = dir.join("readme.memlayout");
    std::fs::write(&path, macro_body(&readme)).unwrap();
    path.to_str().unwrap().to_string()
}

/// The `soc` example's layout (examples/soc.rs) written as a layout file.
pub fn soc_layout(dir: &Path) -> String {
    let soc = std::fs::read_to_string(root().join("examples/soc.rs")).unwrap();
    let path = dir.join("soc.memlayout");
    std::fs::write(&path, macro_body(&soc)).unwrap();
    path.to_str().unwrap().to_string()
}

/// Whether `tool` runs; when it does not, the test skips, unless
/// `MEMLAYOUT_REQUIRE_QEMU` is set (as CI does), in which case it fails.
pub fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("MEMLAYOUT_REQUIRE_QEMU").is_none(),
            "{tool} is missing and MEMLAYOUT_REQUIRE_QEMU is set; install gcc-aarch64-linux-gnu"
        );
        eprintln!("skipped: {tool} is not installed (apt-get install gcc-aarch64-linux-gnu)");
    }
    ok
}
