//! Writing output: a file is written whole or not at all.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` with the library's atomic write (a temporary file beside
/// it, renamed over it once complete), so a failure never leaves a partial file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let shown = path.display();
    if path.is_dir() {
        return Err(format!("`{shown}` is a directory; give `-o` a file name"));
    }
    if path.file_name().is_none() {
        return Err(format!("`{shown}` names no file; give `-o` a file name"));
    }
    memlayout::dsl::file::write_atomic(path, bytes).map_err(|e| {
        format!("cannot write `{shown}`: {e}; check that its directory exists and is writable")
    })
}

/// Writes `bytes` to standard output. A reader that stopped reading (a closed pipe, as
/// with `| head`) is not an error.
pub fn stdout(bytes: &[u8]) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}
