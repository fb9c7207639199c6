//! Compile-fail and compile-pass cases of `memory_layout!`: every error class has a
//! `.rs` input and the `.stderr` a user sees.
//!
//! The cases live in the workspace's top-level `ui-tests/`; `tests/ui-tests` is a
//! symbolic link to it, so that the paths trybuild prints stay inside this package and
//! keep their line numbers (`--> ui-tests/fail/STAGE/NAME.rs:LINE:COL`).
//!
//! The failing cases are sorted by the stage that reports them: `parse` (syntax),
//! `check` (rules between declarations), `plan` (placement by the engine) and `tables`
//! (placing and building the translation tables).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    for stage in ["parse", "check", "plan", "tables"] {
        t.compile_fail(format!("ui-tests/fail/{stage}/*.rs"));
    }
    t.pass("ui-tests/pass/*.rs");
}
