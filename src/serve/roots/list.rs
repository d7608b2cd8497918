//! The spec list: every `.yaml`/`.yml` file below a served folder, within
//! bounds (depth, entries read, files listed), never following a symlink
//! out of the folder.

use std::path::Path;

use super::{is_spec_name, slash_path};

/// How deep the spec list looks into folders.
const MAX_DEPTH: usize = 8;
/// How many spec files the list shows at most.
pub const MAX_LISTED: usize = 2000;
/// How many folder entries the list reads at most.
const MAX_VISITED: usize = 20_000;
/// Folders the spec list never enters (besides hidden ones).
const SKIPPED: [&str; 2] = ["target", "node_modules"];

/// Looks for spec files below `dir`, skipping hidden folders, `target` and
/// `node_modules`, and anything whose canonical path leaves `root`.
pub fn walk(
    root: &Path,
    dir: &Path,
    prefix: &str,
    depth: usize,
    visited: &mut usize,
    names: &mut Vec<String>,
) {
    if depth > MAX_DEPTH || names.len() >= MAX_LISTED {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        *visited += 1;
        if *visited > MAX_VISITED || names.len() >= MAX_LISTED {
            return;
        }
        let file_name = e.file_name().to_string_lossy().into_owned();
        if file_name.starts_with('.') || file_name.chars().any(char::is_control) {
            continue;
        }
        let Ok(ty) = e.file_type() else { continue };
        let path = e.path();
        if ty.is_dir() {
            if !SKIPPED.contains(&file_name.as_str()) {
                walk(root, &path, prefix, depth + 1, visited, names);
            }
        } else if is_spec_name(&file_name) {
            // A symlink is listed only when it leads to a file inside the root.
            let ok = std::fs::canonicalize(&path).is_ok_and(|c| c.starts_with(root) && c.is_file());
            if let (true, Ok(rel)) = (ok, path.strip_prefix(root)) {
                let rel = slash_path(rel);
                names.push(if prefix.is_empty() {
                    rel
                } else {
                    format!("{prefix}/{rel}")
                });
            }
        }
    }
}
