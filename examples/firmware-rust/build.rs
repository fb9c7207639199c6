fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let out = std::env::var("OUT_DIR").unwrap();
    let layout = std::fs::read_to_string(format!("{manifest}/board.memlayout")).unwrap();
    std::fs::write(
        format!("{out}/layout.rs"),
        format!("memlayout_macros::memory_layout! {{\n{layout}\n}}\n"),
    )
    .unwrap();
    println!("cargo:rustc-link-search={manifest}");
    println!("cargo:rustc-link-arg=-T{manifest}/link.ld");
    println!("cargo:rustc-link-arg=--orphan-handling=error");
    println!("cargo:rustc-link-arg=--nmagic");
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-changed=memlayout.ld");
    println!("cargo:rerun-if-changed=board.memlayout");
}
