//! Links with `link.ld`, which puts the code at the boot page and the translation tables
//! of table `el3` at their `TABLES_PA`.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    println!("cargo:rustc-link-arg=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed=link.ld");
}
