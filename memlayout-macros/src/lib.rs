//! The `memory_layout!` procedural macro of `memlayout`.
//!
//! This crate is a shim: it converts the compiler's token stream and hands it to
//! [`memlayout::dsl::expand()`], where the parser, the checks, the planner and the code
//! generator live. The expansion names the types of `memlayout` (`::memlayout::Page`,
//! ...), so a crate that uses the macro depends on both crates:
//!
//! ```toml
//! [dependencies]
//! memlayout = { version = "0.1", default-features = false }
//! memlayout-macros = "0.1"
//! ```
//!
//! The language, its options and its expansion are documented on [`memory_layout!`].
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// Declares a memory layout, plans it at compile time and expands to `const` tables.
///
/// The layout is checked while the crate compiles; every mistake in the input is a
/// compile error on the token at fault, and all of them are reported at once. What comes
/// out is plain `const` data: pages, segments, and the AArch64 translation tables with
/// the register values that load them.
///
/// # Dependencies
///
/// The expansion refers to `::memlayout`, so add `memlayout` next to `memlayout-macros`
/// (the constants need only `core`, so firmware can turn the default features off):
///
/// ```toml
/// [dependencies]
/// memlayout = { version = "0.1", default-features = false }
/// memlayout-macros = "0.1"
/// ```
///
/// Without it, every use of the macro fails with "unresolved import `memlayout`" and
/// "use of unresolved module or unlinked crate `memlayout`", with the help "use `cargo
/// add memlayout` to add it to your `Cargo.toml`": add the `memlayout` line above.
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
#[doc = memlayout::__grammar_doc!()]
///
/// # Expansion
///
#[doc = memlayout::__expansion_doc!()]
#[proc_macro]
pub fn memory_layout(input: TokenStream) -> TokenStream {
    let mut out = dependency_check();
    out.extend(TokenStream::from(memlayout::dsl::expand(input.into())));
    out
}

/// An import of `memlayout` inside a fresh module, where only the crates of `Cargo.toml`
/// are in scope: it compiles whenever `memlayout` is a dependency, and when it is not,
/// the compiler's first error is on it and ends with "use `cargo add memlayout` to add
/// it to your `Cargo.toml`" (an absolute `::memlayout` path, as in the rest of the
/// expansion, gets no such help).
fn dependency_check() -> TokenStream {
    "const _: () = {
        mod memlayout_is_a_dependency {
            use memlayout::Page as _;
        }
    };"
    .parse()
    .expect("the dependency check lexes")
}
