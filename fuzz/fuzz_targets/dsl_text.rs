//! Layout text as written by hand: any bytes, checked when they are UTF-8.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memlayout_tests::fuzz::check_text_bytes(data));
