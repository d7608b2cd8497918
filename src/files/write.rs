//! Writing output files: every command that writes a file
//! (`-o`, `--history`, `--plot`, `bpc dot -o`) goes through [`write_atomic`],
//! so a reader never sees a half-written file.

use std::io::Write;
use std::path::Path;

use crate::diag::{Diagnostic, ErrorKind};

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// synced, then renamed over `path`. On failure the temporary file is removed
/// and `path` is left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The diagnostic for an output file that could not be written.
pub fn cannot_write(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        ErrorKind::Io,
        format!("cannot write `{}`: {e}", path.display()),
    )
}
