//! Compile-fail and compile-pass cases of `memory_layout!`: every error class has a
//! `.rs` input and the `.stderr` a user sees.
//!
//! The cases live in the workspace's top-level `ui-tests/`; `tests/ui-tests` is a
//! symbolic link to it, so that the paths trybuild prints stay inside this package and
//! keep their line numbers (`--> ui-tests/fail/NAME.rs:LINE:COL`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/fail/*.rs");
    t.pass("ui-tests/pass/*.rs");
}
