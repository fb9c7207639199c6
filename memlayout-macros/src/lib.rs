//! The `memory_layout!` procedural macro.
//!
//! This crate is a shim: it converts the compiler's token stream and hands it to
//! [`memlayout::dsl::expand()`], where the parser, the checks, the planner and the code
//! generator live. See the `memlayout` crate for the language and its output.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// Declares a memory layout, plans it at compile time and expands to `const` tables.
///
/// See the README of the workspace for the whole grammar. Every mistake in the input is a
/// compile error on the token at fault.
#[proc_macro]
pub fn memory_layout(input: TokenStream) -> TokenStream {
    memlayout::dsl::expand(input.into()).into()
}
