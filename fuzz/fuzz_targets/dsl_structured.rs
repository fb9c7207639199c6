//! Whole layouts generated with `arbitrary` and rendered in the grammar.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memlayout_tests::fuzz::check_structured_bytes(data));
