//! The `memory_layout!` procedural macro of `memlayout`.
//!
//! Use it through `memlayout` (feature `macros`), which re-exports it as
//! `memlayout::memory_layout!`: one dependency, and the expansion then names `memlayout`
//! by `$crate`, whatever the dependency is called.
//!
//! ```toml
//! [dependencies]
//! memlayout = { version = "0.1", default-features = false, features = ["macros"] }
//! ```
//!
//! This crate is a shim: it converts the compiler's token stream and hands it to the
//! language of `memlayout-core` (`memlayout::dsl` to users), where the parser, the
//! checks, the planner and the code generator live. Used directly, its expansion names
//! the crate `::memlayout` (or the path given by `#[memlayout(crate = "PATH")]`), so the
//! crate that invokes it depends on `memlayout` too. The language, its options and its
//! expansion are documented on [`memory_layout!`].
#![forbid(unsafe_code)]

use proc_macro::{TokenStream, TokenTree};

/// Declares a memory layout, plans it at compile time and expands to `const` tables.
///
/// The layout is checked while the crate compiles; every mistake in the input is a
/// compile error on the token at fault, and all of them are reported at once. What comes
/// out is plain `const` data: pages, segments, and the AArch64 translation tables with
/// the register values that load them.
///
/// # Dependencies
///
/// Reach it as `memlayout::memory_layout!` (the `macros` feature of `memlayout`). Used
/// from this crate directly, the expansion refers to `::memlayout`, so add `memlayout`
/// next to `memlayout-macros` (the constants need only `core`, so firmware can turn the
/// default features off):
///
/// ```toml
/// [dependencies]
/// memlayout = { version = "0.1", default-features = false }
/// memlayout-macros = "0.1"
/// ```
///
/// Without it, every use of the macro fails with "unresolved import `memlayout`" and
/// "use of unresolved module or unlinked crate `memlayout`", with the help "use `cargo
/// add memlayout` to add it to your `Cargo.toml`": add the `memlayout` line above. Under
/// another name (`ml = { package = "memlayout", .. }`), or re-exported by another crate,
/// say where it is: `#[memlayout(crate = "::ml")]` before the layout's `mod`.
///
/// # Example
///
/// ```
/// memlayout_macros::memory_layout! {
///     /// Memory map of a small board.
///     pub mod board {
///         physical ram  = 0x4000_0000 .. +1G;
///         physical mmio = 0x0900_0000 .. +16M, device;
///
///         table el3 (core 0, EL3) {
///             virtual 0x4000_0000 .. +1G;
///             page boot  : code, 2M, identity;
///             page uart  : device, 4K, pa 0x0900_0000;
///             page stack : data, 4K * 4;
///             segment entry : bsp_boot_code, 0x200, align 16, identity;
///         }
///     }
/// }
///
/// fn main() {
///     const BOOT: u64 = board::el3::BOOT.va();
///     assert_eq!(BOOT, board::el3::BOOT.pa());
///     assert_eq!(board::el3::UART.pa(), 0x0900_0000);
///     assert_eq!(board::el3::STACK.len(), 4);
///     assert_eq!(board::el3::TTBR0, board::el3::TABLES_PA);
/// }
/// ```
///
/// # Grammar
///
#[doc = memlayout_core::__grammar_doc!()]
///
/// # Expansion
///
#[doc = memlayout_core::__expansion_doc!()]
#[proc_macro]
pub fn memory_layout(input: TokenStream) -> TokenStream {
    memlayout_core::dsl::expand(input.into()).into()
}

/// `memory_layout_for_crate!(PATH; LAYOUT)`: [`memory_layout!`] naming the `memlayout`
/// crate `PATH`. `memlayout::memory_layout!` expands to it with `PATH` = `$crate`. Not
/// public API: use `memlayout::memory_layout!`.
#[doc(hidden)]
#[proc_macro]
pub fn memory_layout_for_crate(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter();
    let krate: TokenStream = tokens
        .by_ref()
        .take_while(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == ';'))
        .collect();
    let layout: TokenStream = tokens.collect();
    memlayout_core::dsl::expand_for_crate(krate.into(), layout.into()).into()
}
