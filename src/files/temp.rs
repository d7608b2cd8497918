//! Temporary files beside an output: their names, and the leftovers of
//! killed runs.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The end of every temporary file's name (`.NAME.XXXXXX.bpc-tmp`).
pub const TEMP_SUFFIX: &str = ".bpc-tmp";

/// A temporary file at least this old, that no process holds locked, is a
/// leftover of a killed run.
const STALE_AFTER: Duration = Duration::from_secs(2);

/// Removes the temporary files of earlier runs for the file `name` in `dir`:
/// regular files named `.NAME.XXXXXX.bpc-tmp`, older than a moment, that no
/// live process holds locked (a writer holds its lock until it renames).
pub fn remove_stale(dir: &Path, name: &str) -> usize {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let file = e.file_name();
        let file = file.to_string_lossy();
        let Some(middle) = file
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        if middle.is_empty() || !middle.chars().all(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let path = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if !meta.file_type().is_file() || !old {
            continue;
        }
        let Ok(f) = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
        else {
            continue;
        };
        if f.try_lock().is_ok() && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}
