fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-search={manifest}");
    println!("cargo:rustc-link-arg=-T{manifest}/link.ld");
    println!("cargo:rustc-link-arg=--orphan-handling=error");
    println!("cargo:rustc-link-arg=--nmagic");
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-changed=memlayout.ld");
}
