//! Where a layout comes from: a file, or standard input for `-` (as cargo, ripgrep and
//! most Unix tools read it).

use std::io::Read;
use std::path::{Path, PathBuf};

use memlayout::dsl::include::read_layout;

/// A layout file argument.
pub enum Source {
    /// `-`: the layout is read from standard input.
    Stdin,
    /// A path (a file actually named `-` is `./-`).
    File(PathBuf),
}

impl Source {
    /// The source a command-line argument names.
    pub fn new(arg: PathBuf) -> Source {
        if arg == Path::new("-") {
            Source::Stdin
        } else {
            Source::File(arg)
        }
    }

    /// The name diagnostics show: the path as given, or `<stdin>`.
    pub fn shown(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(path) => path.display().to_string(),
        }
    }

    /// The layout text.
    ///
    /// # Errors
    ///
    /// One sentence: the file does not exist or cannot be read, is a directory, or is not
    /// UTF-8; or standard input cannot be read or is not UTF-8.
    pub fn read(&self) -> Result<String, String> {
        match self {
            Source::File(path) => read_layout(path),
            Source::Stdin => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("cannot read the layout from standard input: {e}"))?;
                String::from_utf8(bytes).map_err(|e| {
                    format!(
                        "the layout on standard input is not valid UTF-8 (byte {}); give it as UTF-8",
                        e.utf8_error().valid_up_to()
                    )
                })
            }
        }
    }
}
