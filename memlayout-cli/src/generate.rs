//! What packagers and users install beside the binary: shell completions
//! (clap_complete) and manual pages (clap_mangen), both generated from the command's own
//! definition, so they never disagree with `--help`.

use std::path::Path;

use clap::Command;
use clap_complete::Shell;
use clap_mangen::Man;

use crate::output;

/// The completion script of `command` for `shell`, for the binary `memlayout`.
pub fn completions(mut command: Command, shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "memlayout", &mut out);
    out
}

/// Every manual page of `command`, as (file name, roff text): `memlayout.1` first, then
/// one page per subcommand (`memlayout-check.1`, ...), which the first one lists.
pub fn man_pages(command: Command) -> Result<Vec<(String, Vec<u8>)>, String> {
    // Every subcommand has a page, so `help` (which has none) is left out of the list.
    let mut command = command.disable_help_subcommand(true);
    // Building gives the subcommands their display names (`memlayout-check`).
    command.build();
    let mut pages = Vec::new();
    for cmd in std::iter::once(&command).chain(command.get_subcommands()) {
        // Every page's footer names the package and its version.
        let man = Man::new(cmd.clone()).source(format!("memlayout {}", env!("CARGO_PKG_VERSION")));
        let mut roff = Vec::new();
        man.render(&mut roff)
            .map_err(|e| format!("cannot write the manual page: {e}"))?;
        pages.push((man.get_filename(), roff));
    }
    Ok(pages)
}

/// Writes every page of [`man_pages`] into the directory `dir`, each whole or not at all.
pub fn write_man_pages(command: Command, dir: &Path) -> Result<(), String> {
    if !dir.is_dir() {
        return Err(format!(
            "`{}` is not a directory; give `--dir` an existing directory",
            dir.display()
        ));
    }
    for (name, roff) in man_pages(command)? {
        output::write_atomic(&dir.join(name), &roff)?;
    }
    Ok(())
}
