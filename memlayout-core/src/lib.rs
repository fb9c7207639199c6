//! The engine of [memlayout](https://crates.io/crates/memlayout): the planner, the
//! AArch64 translation tables, the exports and the `memory_layout!` language.
//!
//! Use it through the `memlayout` crate, which re-exports every item of this one and
//! adds the macro (feature `macros`); the documentation is there. The items are
//! documented here under the names users write, `memlayout::...`.
//!
//! # Features
//!
#![cfg_attr(feature = "document-features", doc = document_features::document_features!())]
#![cfg_attr(
    not(feature = "document-features"),
    doc = "`alloc` (default), `std`, `dsl`, `build` and `serde`, as in `memlayout`."
)]
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
mod reference;
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
pub use layout::{
    GptRequest, Layout, MappingId, PageRequest, Pool, SegmentId, SegmentRequest, TableId,
};
pub use model::{
    Attr, AttrList, AttrValue, Cacheability, Cores, DeviceType, ExecutionContext, MemAttrs, Name,
    Page, PageKind, PageSize, Perms, PhysicalAddressSpace, SecurityState, Segment, SegmentKind,
    Shareability, TableInfo,
};
pub use rng::Rng;
#[cfg(feature = "build")]
pub mod build;
#[cfg(feature = "dsl")]
pub mod dsl;
