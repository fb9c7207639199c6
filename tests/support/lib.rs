//! Helpers shared by the integration tests and the examples of the memlayout workspace.
#![forbid(unsafe_code)]
