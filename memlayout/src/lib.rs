//! memlayout: declare a whole memory layout (page tables per core and exception level,
//! pages, segments), plan it with a deterministic or seeded allocator, and turn it into
//! real AArch64 translation tables.
//!
//! The run-time engine is [`Layout`] (built on [`IntervalSet`]); the declarative planner
//! is [`plan`](plan::plan); the `memory_layout!` macro of `memlayout-macros` runs the same
//! planner at compile time through the [`dsl`] module (feature `dsl`).
//!
//! # Features
//!
//! * `alloc` (default): the engine — `Layout`, `IntervalSet`, the planner (`plan`,
//!   `spec`, `tables`), the table builder (`aarch64::build`, `aarch64::Translation`) and
//!   the error types — and owned names ([`Name`] and [`AttrList`] from a `String` and a
//!   `Vec`). Needs an allocator.
//! * `std` (implies `alloc`): `std::error::Error` for the error types.
//! * `dsl` (implies `std`): the `memory_layout!` language, used by `memlayout-macros`.
//!
//! With `default-features = false` the crate needs only `core`: what `memory_layout!`
//! emits ([`Page`], [`Segment`], [`TableInfo`], [`MemAttrs`], [`Attr`], [`AttrValue`],
//! the enums, [`aarch64::TranslationImage`]) and the architectural helpers of
//! [`aarch64`] (descriptors, MAIR, register values, the software walker) remain, so a
//! `#![no_std]` firmware without a `#[global_allocator]` can use the macro:
//!
//! ```toml
//! [dependencies]
//! memlayout = { version = "0.1", default-features = false }
//! memlayout-macros = "0.1"
//! ```
//!
//! (`memlayout-macros` depends on `memlayout` with `dsl`, but as a procedural macro it is
//! built for the host, so the firmware's own `memlayout` stays `core`-only.)
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(feature = "alloc", test))]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod aarch64;
#[cfg(feature = "alloc")]
pub mod error;
#[cfg(feature = "alloc")]
pub mod export;
#[cfg(feature = "alloc")]
pub mod interval;
#[cfg(feature = "alloc")]
pub mod layout;
pub mod model;
mod name;
#[cfg(feature = "alloc")]
pub mod plan;
pub mod rng;
#[cfg(feature = "alloc")]
pub mod spec;
#[cfg(feature = "alloc")]
pub mod tables;
#[cfg(feature = "alloc")]
mod used;

#[cfg(feature = "alloc")]
pub use error::{Error, Space};
#[cfg(feature = "alloc")]
pub use interval::{Interval, IntervalSet};
#[cfg(feature = "alloc")]
pub use layout::{Layout, MappingId, PageRequest, Pool, SegmentId, SegmentRequest, TableId};
pub use model::{
    Attr, AttrList, AttrValue, Cacheability, ExecutionContext, MemAttrs, Name, Page, PageKind,
    PageSize, Perms, SecurityState, Segment, SegmentKind, Shareability, TableInfo,
};
pub use rng::Rng;
#[cfg(feature = "dsl")]
pub mod dsl;
