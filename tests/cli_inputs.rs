//! The `memlayout` command's tests read their layouts from `memlayout-cli/tests/data/`,
//! inside that package, so that they run from its published package too. Two of those
//! files are copies: the layout of the README's `memory_layout!` example and that of the
//! `soc` example. This test fails when a copy differs from its source; run
//! `MEMLAYOUT_BLESS=1 cargo test -p memlayout-tests --test cli_inputs` to copy them again.
//! (The third, `board.memlayout`, is no copy: this package reads the command's file.)

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The body of the first `memory_layout! { .. }` in `text`: the layout-file form.
fn macro_body(text: &str) -> &str {
    let start = text
        .find("memory_layout! {")
        .expect("a memory_layout! invocation")
        + "memory_layout! {".len();
    let mut depth = 1;
    for (i, c) in text[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[start..start + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced memory_layout! invocation");
}

/// What the copy of the layout of the `memory_layout!` in `source` holds: a comment
/// naming `source`, then the body of that `memory_layout!`.
fn expected(source: &str) -> String {
    let text =
        std::fs::read_to_string(root().join(source)).unwrap_or_else(|e| panic!("{source}: {e}"));
    format!(
        "// A copy of the layout of the `memory_layout!` in the repository's {source}, for the\n\
         // `memlayout` command's tests (which must run from its published package). The\n\
         // workspace's tests/cli_inputs.rs checks that it is one; MEMLAYOUT_BLESS=1 copies it\n\
         // again.\n{}",
        macro_body(&text)
    )
}

/// Fails unless `memlayout-cli/tests/data/{copy}` holds `want`, made from `source`
/// (writes it under `MEMLAYOUT_BLESS=1`).
fn check(copy: &str, source: &str, want: String) {
    let path = root().join("memlayout-cli/tests/data").join(copy);
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have == want {
        return;
    }
    if std::env::var_os("MEMLAYOUT_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, want).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    panic!(
        "memlayout-cli/tests/data/{copy} is not a copy of {source}; copy it with \
         `MEMLAYOUT_BLESS=1 cargo test -p memlayout-tests --test cli_inputs` and review \
         the command's golden snapshots"
    );
}

#[test]
fn the_readme_layout_of_the_command_tests_is_the_readme_example() {
    check("readme.memlayout", "README.md", expected("README.md"));
}

#[test]
fn the_soc_layout_of_the_command_tests_is_the_soc_example() {
    check(
        "soc.memlayout",
        "examples/soc.rs",
        expected("examples/soc.rs"),
    );
}

#[test]
fn the_board_layout_of_the_command_tests_is_this_package_s() {
    let source = "tests/layouts/board.memlayout";
    let text = std::fs::read_to_string(root().join(source)).unwrap();
    check("board.memlayout", source, text);
}
