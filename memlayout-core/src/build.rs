//! The build-script API (feature `build`): turn a layout file into the Rust items
//! `memory_layout!` would emit, a GNU ld fragment and a C header, in `OUT_DIR`.
//!
//! ```no_run
//! // In build.rs's `fn main`:
//! memlayout::build::generate("layouts/board.memlayout");
//! ```
//!
//! For a layout `mod soc { .. }` this writes to `OUT_DIR`:
//!
//! * `soc.rs`: the items of `memory_layout!` for the same layout, for
//!   `include!(concat!(env!("OUT_DIR"), "/soc.rs"));` (the crate needs `memlayout` as a
//!   dependency, as with the macro);
//! * `soc.ld`: the ld fragment ([`export::ld`]); `OUT_DIR` is added to
//!   the linker's search path, so a linker script can say `INCLUDE soc.ld`;
//! * `soc.h`: the C and assembly header ([`export::c`]), for a C
//!   compiler given `-I $OUT_DIR`.
//!
//! When the package's binaries link with the fragment, say so with
//! [`Generated::link_with`], naming the linker script that `INCLUDE`s it:
//!
//! ```no_run
//! // build.rs of a firmware whose link.ld says `INCLUDE soc.ld`:
//! memlayout::build::generate("layouts/board.memlayout").link_with("link.ld");
//! ```
//!
//! which prints `cargo::rustc-link-arg=-T<script>` and `cargo::rustc-link-arg=-n` (see
//! [`Generated::link_lines`] for why `-n`). [`generate`] cannot print them itself: it
//! does not know whether the package links with the fragment at all (a host-side tool or
//! test package generates the same files and must link normally; Cargo applies link
//! arguments to every binary, test and example of the package), nor which script
//! includes the fragment.
//!
//! It prints `cargo::rerun-if-changed=` for the file. On errors it prints each one as
//! rustc would show it (the message, then `--> file:line:col`, the line with a caret,
//! the notes as labels and the help; see [`Renderer`]), every
//! line of it as its own `cargo::error=` line, which cargo shows as
//! `error: PACKAGE@VERSION: LINE`, and exits with status 1, which fails the build.

use std::path::{Path, PathBuf};
use std::prelude::rust_2024::*;
use std::{format, println, vec};

use crate::dsl::file::{Renderer, expand_text, write_atomic};
use crate::dsl::include::read_layout;
use crate::export::{self, Input};

/// The files written for one layout.
///
/// Not exhaustive (more files may be written): [`generate`] builds it; read its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Generated {
    /// The layout's module name (`soc` in `mod soc { .. }`), the stem of every file.
    pub module: String,
    /// `<module>.rs`: the items `memory_layout!` emits.
    pub rust: PathBuf,
    /// `<module>.ld`: the GNU ld fragment.
    pub ld: PathBuf,
    /// `<module>.h`: the C and assembly header.
    pub header: PathBuf,
}

impl Generated {
    /// The `cargo::` lines that link every binary, test and example of the package with
    /// the linker script `script` (relative to the current directory, which for a build
    /// script is the package's manifest directory), a script that `INCLUDE`s the fragment
    /// (found on the search path [`generate`] sets), or the fragment itself (`self.ld`):
    ///
    /// * `cargo::rustc-link-arg=-T<script>`, the script's absolute path;
    /// * `cargo::rustc-link-arg=-n` (`--nmagic`): without it GNU ld and `rust-lld` (the
    ///   linker of `aarch64-unknown-none`) page-align the output's segments and load the
    ///   ELF and program headers at a page boundary below the sections (GNU ld from the
    ///   first section's PA rounded down, `rust-lld` at the lowest VA rounded down, as a
    ///   PA), memory the layout may have given to something else, which an ELF loader
    ///   (QEMU's, a boot ROM's) then overwrites. Both linkers, and GCC as a linker
    ///   driver, take `-n`;
    /// * `cargo::rerun-if-changed=<script>`.
    ///
    /// # Errors
    ///
    /// A message when `script` is not a file.
    pub fn link_lines(&self, script: &Path) -> Result<Vec<String>, String> {
        if !script.is_file() {
            return Err(format!(
                "the linker script `{}` does not exist; pass the script that INCLUDEs `{}` (or the fragment `{}` itself)",
                script.display(),
                self.ld.file_name().map_or_else(
                    || self.ld.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                ),
                self.ld.display(),
            ));
        }
        let absolute = std::path::absolute(script).map_err(|e| {
            format!(
                "cannot find the absolute path of the linker script `{}`: {e}",
                script.display()
            )
        })?;
        Ok(vec![
            format!("cargo::rustc-link-arg=-T{}", absolute.display()),
            String::from("cargo::rustc-link-arg=-n"),
            format!("cargo::rerun-if-changed={}", script.display()),
        ])
    }

    /// Prints [`link_lines`](Generated::link_lines) for `script`: the package's binaries,
    /// tests and examples link with it and with `-n`. Call it only in a package whose
    /// binaries link with the fragment (a firmware), not in one that only reads the
    /// generated files.
    ///
    /// On error, prints it as a `cargo::error=` line and exits the build script with
    /// status 1.
    pub fn link_with(&self, script: impl AsRef<Path>) -> &Generated {
        match self.link_lines(script.as_ref()) {
            Ok(lines) => {
                for line in lines {
                    println!("{line}");
                }
                self
            }
            Err(message) => {
                println!("cargo::error={message}");
                std::process::exit(1)
            }
        }
    }
}

/// Reads `layout` (relative to the current directory, which for a build script is the
/// crate's manifest directory), prints `cargo::rerun-if-changed` for it, writes the
/// three files into `OUT_DIR` and adds `OUT_DIR` to the linker search path.
///
/// On error, prints every line of every message as a `cargo::error=` line and exits the
/// build script with status 1; use [`try_generate`] to handle errors yourself.
pub fn generate(layout: impl AsRef<Path>) -> Generated {
    let layout = layout.as_ref();
    println!("cargo::rerun-if-changed={}", layout.display());
    let result = match std::env::var_os("OUT_DIR") {
        Some(out) => try_generate(layout, Path::new(&out)),
        None => Err(vec![String::from(
            "OUT_DIR is not set; call memlayout::build::generate from a build script run by cargo",
        )]),
    };
    match result {
        Ok(g) => {
            if let Some(dir) = g.ld.parent() {
                println!("cargo::rustc-link-search=native={}", dir.display());
            }
            g
        }
        Err(messages) => {
            for line in messages.iter().flat_map(|m| m.lines()) {
                println!("cargo::error={line}");
            }
            std::process::exit(1)
        }
    }
}

/// Writes the three files for `layout` into `out_dir`, printing nothing.
///
/// # Errors
///
/// One message per problem: the file cannot be read (missing, a directory, not UTF-8),
/// each error in it rendered as rustc shows it without the leading `error: ` (several
/// lines: the message, `--> file:line:col`, the line with a caret, notes and help), or
/// an output file cannot be written.
pub fn try_generate(layout: &Path, out_dir: &Path) -> Result<Generated, Vec<String>> {
    let text = read_layout(layout).map_err(|e| vec![e])?;
    let shown = layout.display().to_string();
    let renderer = Renderer::plain().without_level();
    let (planned, items) = expand_text(&text).map_err(|d| {
        d.iter()
            .map(|d| renderer.diagnostic(&shown, &text, d))
            .collect::<Vec<_>>()
    })?;
    let module = planned.module().to_string();
    let input = Input::new(&module, planned.plan());
    let rust = format!("// Generated by memlayout from {shown}; do not edit.\n{items}\n");
    let write = |name: String, contents: &str| {
        let path = out_dir.join(name);
        write_atomic(&path, contents.as_bytes()).map_err(|e| {
            vec![format!(
                "cannot write `{}`: {e}; check that OUT_DIR exists and is writable",
                path.display()
            )]
        })?;
        Ok::<PathBuf, Vec<String>>(path)
    };
    let rust = write(format!("{module}.rs"), &rust)?;
    let ld = write(format!("{module}.ld"), &export::ld::ld(&input))?;
    let header = write(format!("{module}.h"), &export::c::c(&input))?;
    Ok(Generated {
        module,
        rust,
        ld,
        header,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::file::plan_text;
    use std::string::ToString;

    const LAYOUT: &str = "/// A board.
pub mod board {
    physical ram = 0x8000_0000 .. +1G;
    table el3 (core 0, EL3) {
        virtual 0x8000_0000 .. +1G;
        page boot : code, 2M, identity;
        segment entry : boot_code, 0x100, in boot;
    }
}
";

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("memlayout-build-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn writes_the_items_the_fragment_and_the_header() {
        let d = dir("ok");
        let file = d.join("board.memlayout");
        std::fs::write(&file, LAYOUT).unwrap();
        let g = try_generate(&file, &d).unwrap();
        assert_eq!(g.module, "board");
        assert_eq!(g.rust, d.join("board.rs"));
        let rust = std::fs::read_to_string(&g.rust).unwrap();
        let expanded = crate::dsl::expand(LAYOUT.parse().unwrap()).to_string();
        assert!(rust.starts_with("// Generated by memlayout from "));
        assert!(rust.contains(&expanded));
        assert!(!rust.contains("compile_error"));
        let planned = plan_text(LAYOUT).ok().unwrap();
        let input = Input::new("board", planned.plan());
        assert_eq!(
            std::fs::read_to_string(&g.ld).unwrap(),
            export::ld::ld(&input)
        );
        assert_eq!(
            std::fs::read_to_string(&g.header).unwrap(),
            export::c::c(&input)
        );
        // Nothing else (no temporary files) is left behind.
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 4);
    }

    #[test]
    fn link_lines_name_the_script_absolute_and_nmagic() {
        let d = dir("link");
        let file = d.join("board.memlayout");
        std::fs::write(&file, LAYOUT).unwrap();
        let g = try_generate(&file, &d).unwrap();
        let script = d.join("link.ld");
        std::fs::write(&script, "INCLUDE board.ld\n").unwrap();
        let lines = g.link_lines(&script).unwrap();
        assert_eq!(
            lines,
            [
                format!("cargo::rustc-link-arg=-T{}", script.display()),
                String::from("cargo::rustc-link-arg=-n"),
                format!("cargo::rerun-if-changed={}", script.display()),
            ]
        );
        // The fragment itself is a script too.
        let lines = g.link_lines(&g.ld).unwrap();
        assert_eq!(
            lines[0],
            format!("cargo::rustc-link-arg=-T{}", g.ld.display())
        );
        let e = g.link_lines(&d.join("missing.ld")).unwrap_err();
        assert!(
            e.starts_with("the linker script `")
                && e.contains(
                    "missing.ld` does not exist; pass the script that INCLUDEs `board.ld`"
                ),
            "{e}"
        );
    }

    #[test]
    fn errors_are_rendered_with_locations_and_write_nothing() {
        let d = dir("bad");
        let file = d.join("board.memlayout");
        let text = LAYOUT.replace(
            "        segment",
            "        page a : data, 4K, va 0x9000_0000;\n        page b : data, 4K, va 0x9000_0000;\n        segment",
        );
        std::fs::write(&file, text).unwrap();
        let e = try_generate(&file, &d).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        let shown = file.display().to_string();
        let lines: Vec<&str> = e[0].lines().collect();
        assert_eq!(
            lines,
            [
                "range 0x9000_0000..0x9000_1000 overlaps `a` in the virtual address space of table `el3`; move one of them",
                &format!(" --> {shown}:8:31"),
                "  |",
                "7 |         page a : data, 4K, va 0x9000_0000;",
                "  |                               ----------- `a` first mapped here",
                "8 |         page b : data, 4K, va 0x9000_0000;",
                "  |                               ^^^^^^^^^^^",
            ],
            "{e:?}"
        );
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        let e = try_generate(&d.join("missing.memlayout"), &d).unwrap_err();
        assert!(e[0].contains("cannot read the layout file"), "{e:?}");
        let e = try_generate(&file, &d.join("no/such/dir")).map(|g| g.module.to_string());
        assert!(e.is_err());
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let d = dir("blocked");
        let file = d.join("board.memlayout");
        std::fs::write(&file, LAYOUT).unwrap();
        // A directory where `board.rs` should go: the rename over it fails.
        std::fs::create_dir(d.join("board.rs")).unwrap();
        let e = try_generate(&file, &d).unwrap_err();
        assert!(e[0].contains("cannot write"), "{e:?}");
        let names: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
