//! The quickstart scenario of `examples/quickstart.rs` (two cores, each with an EL3 and
//! an EL1_NS table; device pages at their real PAs; a shared mailbox), compiled here
//! from the example itself so the tests check the code a newcomer reads.

#[path = "../../examples/quickstart.rs"]
#[allow(dead_code)]
mod example;

pub use example::build;
