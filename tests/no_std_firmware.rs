//! The firmware in `tests/no-std-firmware` (`#![no_std]`, `#![no_main]`, no allocator,
//! `memlayout` with its default features off) builds and links for
//! `aarch64-unknown-none`; its translation tables sit in `.memlayout.tables.el3` at the
//! table's `TABLES_PA`, byte for byte what the macro gives here on the host; and QEMU
//! runs it with the MMU on using those tables in place.
//!
//! Without the `aarch64-unknown-none` target (or QEMU, for the run) the tests are ignored
//! with the command or packages that install what is missing (the package's build script
//! sets `memlayout_no_bare_metal` or `memlayout_no_qemu`), unless
//! `MEMLAYOUT_REQUIRE_QEMU=1` is set (as CI does): then they run and fail.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use memlayout_macros::memory_layout;
use memlayout_tests::{elf, qemu};

// The firmware's own layout, planned again here (on the host) to compare with its image.
memory_layout!(include "no-std-firmware/layout.memlayout");

const TARGET: &str = "aarch64-unknown-none";
const SECTION: &str = ".memlayout.tables.el3";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("no-std-firmware")
}

fn required() -> bool {
    std::env::var_os("MEMLAYOUT_REQUIRE_QEMU").is_some_and(|v| v == "1")
}

/// Whether the standard library of `aarch64-unknown-none` is installed for the
/// toolchain the fixture builds with.
fn target_installed() -> Result<(), String> {
    let out = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(fixture())
        .output()
        .map_err(|e| format!("cannot run rustc ({e})"))?;
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let lib = Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .join("lib");
    if lib.is_dir() {
        Ok(())
    } else {
        Err(format!(
            "the Rust target {TARGET} is not installed (no {}); run `rustup target add {TARGET}`",
            lib.display()
        ))
    }
}

/// Builds the fixture once; `None` (after saying why) when the target is missing and
/// `MEMLAYOUT_REQUIRE_QEMU` is not 1.
fn firmware() -> Option<&'static Path> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        target_installed()?;
        let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-std-firmware");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .args(["build", "--locked", "--target", TARGET, "--target-dir"])
            .arg(&target_dir)
            .current_dir(fixture())
            .output()
            .map_err(|e| format!("cannot run cargo ({e})"))?;
        assert!(
            out.status.success(),
            "the no_std firmware does not build (when cargo says its lock file needs an \
             update, run `cargo update --workspace` in tests/no-std-firmware):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(target_dir.join(TARGET).join("debug/no-std-firmware"))
    });
    match built {
        Ok(path) => Some(path),
        Err(why) if required() => panic!("MEMLAYOUT_REQUIRE_QEMU=1 but {why}"),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn section<'a>(sections: &'a [elf::Section], name: &str) -> &'a elf::Section {
    sections
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no section {name} in the image"))
}

#[test]
#[cfg_attr(
    memlayout_no_bare_metal,
    ignore = "run `rustup target add aarch64-unknown-none`"
)]
fn the_firmware_links_its_tables_at_tables_pa() {
    let Some(image) = firmware() else { return };
    let file = std::fs::read(image).expect("the firmware image");
    let sections = elf::sections(&file).expect("an ELF64 image");
    let tables = section(&sections, SECTION);
    assert_eq!(tables.addr, fw::el3::TABLES_PA);
    assert_eq!(tables.size, fw::el3::TRANSLATION.len() as u64);
    assert_eq!(tables.data, fw::el3::TRANSLATION.as_bytes());
    // The reset code is where the layout's boot page is.
    assert_eq!(section(&sections, ".text").addr, fw::el3::BOOT.pa());
}

#[cfg(target_os = "linux")]
#[test]
fn a_host_binary_holds_the_tables_in_their_section_too() {
    // Naming the image keeps it through the linker's section garbage collection.
    let bytes = fw::el3::TRANSLATION.as_bytes();
    let exe = std::env::current_exe().expect("the test binary");
    let file = std::fs::read(exe).expect("the test binary's bytes");
    let sections = elf::sections(&file).expect("an ELF64 test binary");
    let tables = section(&sections, SECTION);
    assert_eq!(tables.size, bytes.len() as u64);
    assert_eq!(tables.data, bytes);
}

#[test]
#[cfg_attr(
    memlayout_no_bare_metal,
    ignore = "run `rustup target add aarch64-unknown-none`"
)]
#[cfg_attr(
    all(memlayout_no_qemu, not(memlayout_no_bare_metal)),
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn qemu_runs_the_firmware_with_the_mmu_on() {
    let Some(image) = firmware() else { return };
    if !qemu::require_tools_or_skip() {
        return;
    }
    // The UART is mapped at a VA the planner chose, not at its PA: the output can only
    // appear if the MMU translates through the tables in place.
    assert_ne!(fw::el3::UART.va(), fw::el3::UART.pa());
    let mut child = Command::new(qemu::qemu_program())
        .args(["-M", "virt,secure=on", "-cpu", "cortex-a57", "-m", "256M"])
        .args([
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-kernel",
        ])
        .arg(image)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qemu-system-aarch64 starts");
    let mut stdout = child.stdout.take().expect("QEMU's output");
    // The firmware never exits: read until its line (or QEMU's end), with a watchdog
    // that stops QEMU if nothing comes.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if seen.windows(3).any(|w| w == b"ok\n") {
                break;
            }
        }
        let _ = tx.send(seen);
    });
    let seen = rx.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let status = child.wait();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let seen = seen.unwrap_or_default();
    assert!(
        seen.windows(3).any(|w| w == b"ok\n"),
        "the firmware printed {:?} (QEMU {status:?}: {err})",
        String::from_utf8_lossy(&seen)
    );
}
