//! Writes the linker-script fragment of `board.memlayout` (`board.ld`: one output section
//! per segment at its VA, loaded at its PA, and one per translation-table image at its
//! `TABLES_PA`) into `OUT_DIR`, puts `OUT_DIR` on the linker's search path and links with
//! `link.ld`, which `INCLUDE`s it, and with `-n` (no ELF headers in a loadable segment:
//! QEMU would load them at an address the layout gave to something else).

fn main() {
    memlayout::build::generate("board.memlayout").link_with("link.ld");
    // Any section the fragment does not place is an error, not a stray orphan.
    println!("cargo::rustc-link-arg=--orphan-handling=error");
}
