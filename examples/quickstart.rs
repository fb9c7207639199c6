//! Builds a two-core layout with the run-time API, placed with a seed, and prints it.
//!
//! Run with `cargo run --example quickstart`.

use memlayout_workspace::quickstart;

fn main() {
    match quickstart::build(Some(0x5EED)) {
        Ok(layout) => print!("{layout}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
