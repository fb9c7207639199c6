//! Helpers shared by the integration tests and the examples of the memlayout workspace.
#![forbid(unsafe_code)]

pub mod elf;
pub mod firmware;
pub mod fuzz;
pub mod gpt_walk;
pub mod layouts;
pub mod pages;
pub mod qemu;
pub mod qemu_gpt;
pub mod qemu_s2;
pub mod table_checks;

pub mod quickstart;
pub mod svg_geometry;

/// The README's examples, compiled and run as doc tests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The examples of the `memlayout` package's README (its crates.io page).
#[doc = include_str!("../../memlayout/README.md")]
#[cfg(doctest)]
pub struct MemlayoutReadmeDoctests;

/// The examples of the `memlayout-macros` package's README (its crates.io page).
#[doc = include_str!("../../memlayout-macros/README.md")]
#[cfg(doctest)]
pub struct MacrosReadmeDoctests;
