//! Writes the linker-script fragment of `kernel.memlayout` (`os.ld`, named after the
//! layout's module `os`: one output section per segment at its VA, loaded at its PA, and
//! one per translation-table image at its `TABLES_PA`) into `OUT_DIR`, puts `OUT_DIR` on
//! the linker's search path and links with `link.ld`, which `INCLUDE`s it, and with `-n`
//! (no ELF headers in a loadable segment: QEMU would load them at an address the layout
//! gave to something else).

fn main() {
    memlayout::build::generate("kernel.memlayout").link_with("link.ld");
    // Any section the fragment does not place is an error, not a stray orphan.
    println!("cargo::rustc-link-arg=--orphan-handling=error");
    // The two processes are address spaces of their own with the same pages, so their
    // segments have the same VAs (at different PAs). GNU ld accepts output sections whose
    // VMAs overlap; `rust-lld` rejects them outside an `OVERLAY` unless its section checks
    // are off. The planner has already kept every PA apart, and the fragment's `ASSERT`s
    // still check that each segment's contents fit.
    println!("cargo::rustc-link-arg=--no-check-sections");
}
