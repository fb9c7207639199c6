//! memlayout: declare a whole memory layout (page tables per core and exception level,
//! pages, segments), plan it with a deterministic or seeded allocator, and turn it into
//! real AArch64 translation tables.
//!
//! The run-time engine is [`Layout`] (built on [`IntervalSet`]); the declarative planner
//! is [`plan`](plan::plan); the `memory_layout!` macro of `memlayout-macros` runs the same
//! planner at compile time through the [`dsl`] module (feature `dsl`).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod aarch64;
pub mod error;
pub mod export;
pub mod interval;
pub mod layout;
pub mod model;
pub mod plan;
pub mod rng;
pub mod spec;
pub mod tables;
mod used;

#[doc(hidden)]
pub use alloc::borrow::Cow;

pub use error::{Error, Space};
pub use interval::{Interval, IntervalSet};
pub use layout::{Layout, MappingId, PageRequest, Pool, SegmentId, SegmentRequest, TableId};
pub use model::{
    Attr, AttrValue, Cacheability, ExecutionContext, MemAttrs, Page, PageKind, PageSize, Perms,
    SecurityState, Segment, SegmentKind, Shareability, TableInfo,
};
pub use rng::Rng;
#[cfg(feature = "dsl")]
pub mod dsl;
