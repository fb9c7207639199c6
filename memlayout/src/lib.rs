//! memlayout: declare a whole memory layout (page tables per core and exception level,
//! pages, segments), plan it with a deterministic or seeded allocator, and turn it into
//! real AArch64 translation tables.
//!
//! The run-time engine is [`Layout`] (built on [`IntervalSet`]); the declarative planner
//! is [`plan`][plan-fn]; the `memory_layout!` macro (feature `macros`) runs the same
//! planner at compile time through the [`dsl`] module. Which of them a build has depends
//! on its [features](#features).
//!
//! The items are those of `memlayout-core`, re-exported: depend on this crate, never on
//! that one (its name is an implementation detail, like `serde_core`'s).
//!
//! # Features
//!
#![cfg_attr(feature = "document-features", doc = document_features::document_features!())]
#![cfg_attr(
    not(feature = "document-features"),
    doc = "`alloc` (default), `std`, `macros`, `dsl`, `build` and `serde`; their list with what each brings is in \
           `Cargo.toml` and in these docs when they are built with `--all-features` \
           (as on docs.rs)."
)]
//!
//! With `default-features = false` the crate needs only `core`: what `memory_layout!`
//! emits ([`Page`], [`Segment`], [`TableInfo`], [`MemAttrs`], [`Attr`], [`AttrValue`],
//! the enums, [`aarch64::TranslationImage`]) and the architectural helpers of
//! [`aarch64`] (descriptors, MAIR, register values, the software walker) remain, so a
//! `#![no_std]` firmware without a `#[global_allocator]` can use the macro:
//!
//! ```toml
//! [dependencies]
//! memlayout = { version = "0.1", default-features = false, features = ["macros"] }
//! ```
//!
//! (`macros` brings the procedural macro, which runs the language and the planner, but
//! a procedural macro is built for the host, so the firmware's own `memlayout` stays
//! `core`-only.)
//!
//! Items that need a feature say so with a badge on docs.rs.
//!
#![cfg_attr(feature = "alloc", doc = "[plan-fn]: plan::plan")]
// Without a feature, the links above point at the list of features.
#![cfg_attr(
    not(feature = "alloc"),
    doc = "[`Layout`]: #features\n[`IntervalSet`]: #features\n[plan-fn]: #features"
)]
#![cfg_attr(not(feature = "dsl"), doc = "[`dsl`]: #features")]
#![cfg_attr(feature = "macros", doc = "[`memory_layout!`]: memory_layout!")]
#![cfg_attr(not(feature = "macros"), doc = "[`memory_layout!`]: #features")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[doc(inline)]
pub use memlayout_core::*;

/// Declares a memory layout, plans it at compile time and expands to `const` tables.
///
/// The layout is checked while the crate compiles; every mistake in the input is a
/// compile error on the token at fault, and all of them are reported at once. What comes
/// out is plain `const` data: pages, segments, and the AArch64 translation tables with
/// the register values that load them.
///
/// This is the macro of `memlayout-macros`, reached through this crate (feature
/// `macros`): one dependency, and the expansion names this crate by `$crate`, so it
/// works under any name the dependency has (`ml = { package = "memlayout", .. }`) and
/// through a crate that re-exports this one. A layout's own
/// `#[memlayout(crate = "PATH")]` still wins.
///
/// ```toml
/// [dependencies]
/// memlayout = { version = "0.1", default-features = false, features = ["macros"] }
/// ```
///
/// # Example
///
/// ```
/// memlayout::memory_layout! {
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
///         }
///     }
/// }
///
/// fn main() {
///     assert_eq!(board::el3::BOOT.va(), board::el3::BOOT.pa());
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
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[macro_export]
macro_rules! memory_layout {
    ($($layout:tt)*) => {
        $crate::__private::memory_layout_for_crate! { $crate; $($layout)* }
    };
}

/// What `memory_layout!` expands to calls; not public API.
#[cfg(feature = "macros")]
#[doc(hidden)]
pub mod __private {
    pub use memlayout_macros::memory_layout_for_crate;
}
