//! Sequences of run-time API operations on a `Layout` and an `IntervalSet`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memlayout_tests::fuzz::check_ops_bytes(data));
