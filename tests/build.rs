//! The build script of the tests package:
//!
//! * runs the build-script API on the README's layout, for tests/build_api.rs;
//! * finds out whether the QEMU tests can run: when `qemu-system-aarch64` or
//!   `aarch64-linux-gnu-gcc` (or the programs named by `MEMLAYOUT_QEMU` and
//!   `MEMLAYOUT_AARCH64_GCC`) cannot be found, it sets the cfg `memlayout_no_qemu`, and
//!   the QEMU tests carry
//!   `#[cfg_attr(memlayout_no_qemu, ignore = "install qemu-system-arm gcc-aarch64-linux-gnu")]`,
//!   so the test summary lists them as ignored with the packages to install.
//!
//! * finds out whether `dtc` (or the program named by `MEMLAYOUT_DTC`) can be found; when
//!   not, it sets the cfg `memlayout_no_dtc`, and the tests that compile the device-tree
//!   export (tests/export_dts.rs) are ignored with the package to install
//!   (`device-tree-compiler`).
//! * finds out whether the toolchain tests (tests/toolchain.rs) can run: when
//!   `aarch64-linux-gnu-gcc` or one of its binutils (`ld`, `nm`, `readelf`, `objdump`,
//!   `objcopy`) cannot be found on `PATH`, it sets the cfg
//!   `memlayout_no_aarch64_toolchain`, and those tests are ignored with the package to
//!   install;
//!
//! * finds out whether the Rust target `aarch64-unknown-none` is installed for the
//!   toolchain; when not, it sets the cfg `memlayout_no_bare_metal`, and the tests that
//!   build the no_std firmware (tests/no_std_firmware.rs) are ignored with the command
//!   that installs it.
//!
//! With `MEMLAYOUT_REQUIRE_QEMU=1` none of these cfgs is set: the tests run, and fail when the
//! tools or the target are missing (as CI wants).

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where `program` is: itself when it names a path, else the first match on `PATH`.
fn find(program: &OsString) -> Option<PathBuf> {
    let p = Path::new(program);
    if p.components().count() > 1 {
        return p.is_file().then(|| p.to_path_buf());
    }
    env::split_paths(&env::var_os("PATH")?)
        .map(|dir| dir.join(p))
        .find(|candidate| candidate.is_file())
}

fn main() {
    memlayout::build::generate("layouts/board.memlayout");
    qemu_cfg();
    dtc_cfg();
    toolchain_cfg();
    bare_metal_cfg();
}

/// Sets `memlayout_no_dtc` when the device-tree compiler is missing (see the module
/// docs).
fn dtc_cfg() {
    println!("cargo::rustc-check-cfg=cfg(memlayout_no_dtc)");
    println!("cargo::rerun-if-env-changed=MEMLAYOUT_DTC");
    let program = env::var_os("MEMLAYOUT_DTC").unwrap_or_else(|| "dtc".into());
    if let Some(path) = find(&program) {
        println!("cargo::rerun-if-changed={}", path.display());
        return;
    }
    if let Some(path) = env::var_os("PATH") {
        for dir in env::split_paths(&path).filter(|d| d.is_dir()) {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
    }
    if env::var_os("MEMLAYOUT_REQUIRE_QEMU").is_some_and(|v| v == "1") {
        return;
    }
    println!("cargo::rustc-cfg=memlayout_no_dtc");
    println!(
        "cargo::warning=the device-tree tests will be ignored: {} not found; install the Debian package device-tree-compiler",
        program.to_string_lossy()
    );
}

/// Sets `memlayout_no_bare_metal` when the standard library of `aarch64-unknown-none` is
/// not in the sysroot of the compiler (see the module docs).
fn bare_metal_cfg() {
    println!("cargo::rustc-check-cfg=cfg(memlayout_no_bare_metal)");
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = std::process::Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let Some(sysroot) = sysroot else { return };
    let rustlib = sysroot.join("lib/rustlib");
    // Rerun when a target is added (a new directory here).
    println!("cargo::rerun-if-changed={}", rustlib.display());
    if rustlib.join("aarch64-unknown-none/lib").is_dir() || required() {
        return;
    }
    println!("cargo::rustc-cfg=memlayout_no_bare_metal");
    println!(
        "cargo::warning=the no_std firmware tests will be ignored: the Rust target aarch64-unknown-none is not installed; run `rustup target add aarch64-unknown-none`"
    );
}

/// Whether `MEMLAYOUT_REQUIRE_QEMU=1`: the tests that need QEMU, the AArch64 toolchain
/// or the bare-metal target run whatever is installed.
fn required() -> bool {
    env::var_os("MEMLAYOUT_REQUIRE_QEMU").is_some_and(|v| v == "1")
}

/// Sets `memlayout_no_qemu` when the QEMU tools are missing (see the module docs).
fn qemu_cfg() {
    println!("cargo::rustc-check-cfg=cfg(memlayout_no_qemu)");
    for var in ["MEMLAYOUT_QEMU", "MEMLAYOUT_AARCH64_GCC"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let programs = [
        env::var_os("MEMLAYOUT_QEMU").unwrap_or_else(|| "qemu-system-aarch64".into()),
        env::var_os("MEMLAYOUT_AARCH64_GCC").unwrap_or_else(|| "aarch64-linux-gnu-gcc".into()),
    ];
    if let Some(missing) = missing(&programs) {
        println!("cargo::rustc-cfg=memlayout_no_qemu");
        println!(
            "cargo::warning=QEMU tests will be ignored: {missing} not found; install the Debian packages qemu-system-arm and gcc-aarch64-linux-gnu"
        );
    }
}

/// Sets `memlayout_no_aarch64_toolchain` when the cross compiler or one of the binutils
/// the toolchain tests run is missing (see the module docs).
fn toolchain_cfg() {
    println!("cargo::rustc-check-cfg=cfg(memlayout_no_aarch64_toolchain)");
    let programs: Vec<OsString> = ["gcc", "ld", "nm", "readelf", "objdump", "objcopy"]
        .iter()
        .map(|tool| format!("aarch64-linux-gnu-{tool}").into())
        .collect();
    if let Some(missing) = missing(&programs) {
        println!("cargo::rustc-cfg=memlayout_no_aarch64_toolchain");
        println!(
            "cargo::warning=the toolchain tests will be ignored: {missing} not found; install the Debian package gcc-aarch64-linux-gnu"
        );
    }
}

/// The programs of `programs` that cannot be found, joined with `and`, unless
/// `MEMLAYOUT_REQUIRE_QEMU=1` (then `None`: the tests run and fail); prints the
/// rerun-if lines that notice a tool being installed or removed.
fn missing(programs: &[OsString]) -> Option<String> {
    for var in ["MEMLAYOUT_REQUIRE_QEMU", "PATH"] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let found: Vec<Option<PathBuf>> = programs.iter().map(find).collect();
    for path in found.iter().flatten() {
        // Rerun when a tool is removed or replaced.
        println!("cargo::rerun-if-changed={}", path.display());
    }
    if found.iter().all(Option::is_some) {
        return None;
    }
    // Rerun when a tool is installed: installing changes a directory on PATH.
    if let Some(path) = env::var_os("PATH") {
        for dir in env::split_paths(&path).filter(|d| d.is_dir()) {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
    }
    if required() {
        return None;
    }
    let missing: Vec<String> = programs
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(p, _)| p.to_string_lossy().into_owned())
        .collect();
    Some(missing.join(" and "))
}
