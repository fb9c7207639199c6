//! Helpers shared by the integration tests and the examples of the memlayout workspace.
#![forbid(unsafe_code)]

pub mod qemu;

pub mod quickstart;
