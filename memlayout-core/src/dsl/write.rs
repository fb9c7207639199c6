//! Writing output files whole or not at all, for build scripts and the `memlayout`
//! command alike.

use std::format;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::prelude::rust_2024::*;

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it (in
/// the same directory, named `.NAME.PID.tmp`), flushed to disk, then renamed over
/// `path`, so a reader never sees half a file. On failure the temporary file is
/// removed and `path` is left as it was.
///
/// # Errors
///
/// The error of creating, writing or renaming the temporary file; `InvalidInput` when
/// `path` names no file (it ends in `..` or is a root).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let Some(name) = path.file_name() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path names no file",
        ));
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp: PathBuf = path.with_file_name(tmp_name);
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_nothing_on_failure() {
        let dir = std::env::temp_dir().join(format!("memlayout-atomic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("out.h");
        std::fs::write(&file, "previous").unwrap();
        write_atomic(&file, b"new").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
        // A directory in the way: the rename fails, the temporary file is removed.
        std::fs::create_dir(dir.join("blocked")).unwrap();
        assert!(write_atomic(&dir.join("blocked"), b"x").is_err());
        assert!(write_atomic(&dir.join("no/such/dir/out.h"), b"x").is_err());
        assert!(write_atomic(Path::new("/"), b"x").is_err());
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["blocked", "out.h"]);
    }
}
