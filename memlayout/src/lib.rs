//! memlayout: declare a whole memory layout (page tables per core and exception level,
//! pages, segments), plan it with a deterministic or seeded allocator, and turn it into
//! real AArch64 translation tables.
//!
//! The run-time engine is [`Layout`] (built on [`IntervalSet`]); the declarative planner
//! is [`plan`][plan-fn]; the `memory_layout!` macro of `memlayout-macros` runs the same
//! planner at compile time through the [`dsl`] module. Which of them a build has depends
//! on its [features](#features).
//!
//! # Features
//!
#![cfg_attr(feature = "document-features", doc = document_features::document_features!())]
#![cfg_attr(
    not(feature = "document-features"),
    doc = "`alloc` (default), `std`, `dsl`, `build` and `serde`; their list with what each brings is in \
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
//! memlayout = { version = "0.1", default-features = false }
//! memlayout-macros = "0.1"
//! ```
//!
//! (`memlayout-macros` depends on `memlayout` with `dsl`, but as a procedural macro it is
//! built for the host, so the firmware's own `memlayout` stays `core`-only.)
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
#![cfg_attr(docsrs, feature(doc_cfg))]
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
pub use error::{Error, Space, Taken};
#[cfg(feature = "alloc")]
pub use interval::{Interval, IntervalSet};
#[cfg(feature = "alloc")]
pub use layout::{Layout, MappingId, PageRequest, Pool, SegmentId, SegmentRequest, TableId};
pub use model::{
    Attr, AttrList, AttrValue, Cacheability, Cores, ExecutionContext, MemAttrs, Name, Page,
    PageKind, PageSize, Perms, SecurityState, Segment, SegmentKind, Shareability, TableInfo,
};
pub use rng::Rng;
#[cfg(feature = "build")]
pub mod build;
#[cfg(feature = "dsl")]
pub mod dsl;
