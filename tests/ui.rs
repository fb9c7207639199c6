//! Compile-fail and compile-pass cases of `memory_layout!`: every error class has a
//! `.rs` input and the `.stderr` a user sees.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/fail/*.rs");
    t.pass("ui-tests/pass/*.rs");
}
