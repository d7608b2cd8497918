//! Which files `bpc check`, `bpc handout` and `bpc grade` read: files as
//! given, the `*.yaml` of a folder (for `grade`, of its subfolders too), and
//! `*`/`?` patterns a shell did not expand.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, ErrorKind};

/// How deep a folder is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folders {
    /// The files directly in the folder (`bpc check specs/` leaves
    /// `specs/keys/` alone).
    Flat,
    /// Subfolders too, up to [`MAX_DEPTH`] levels, symlinked folders not
    /// followed: submissions collected one folder per student, or the
    /// layout `bpc handout --out-dir DIR --student ID` writes.
    Nested,
}

/// How many folder levels below a named folder [`Folders::Nested`] reads.
pub const MAX_DEPTH: usize = 4;

/// The spec files named by the command line: files as given, every `*.yaml`
/// (and `*.yml`) of a folder in name order, and `*`/`?` patterns in the last
/// path component (for shells that did not expand them). A folder or pattern
/// that matches nothing is an error.
pub fn spec_files(args: &[PathBuf], folders: Folders, errors: &mut Diagnostics) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for arg in args {
        let text = arg.to_string_lossy();
        if arg.is_dir() {
            let depth = match folders {
                Folders::Flat => 0,
                Folders::Nested => MAX_DEPTH,
            };
            let found = yaml_files(arg, depth);
            if found.is_empty() {
                errors.push(Diagnostic::new(
                    ErrorKind::Io,
                    format!("the folder `{text}` holds no *.yaml spec"),
                ));
            }
            files.extend(found);
        } else if !arg.exists() && text.contains(['*', '?']) {
            let dir = arg
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let pattern = arg
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let found = if dir.to_string_lossy().contains(['*', '?']) {
                Vec::new()
            } else {
                let found = matching(dir, |name| wildcard(&pattern, name));
                // Keep the path as the user wrote it: `x.yaml` rather than `./x.yaml`.
                match arg.parent() {
                    Some(p) if p.as_os_str().is_empty() => found
                        .into_iter()
                        .map(|f| f.file_name().map(PathBuf::from).unwrap_or(f))
                        .collect(),
                    _ => found,
                }
            };
            if found.is_empty() {
                errors.push(
                    Diagnostic::new(
                        ErrorKind::Io,
                        format!("the pattern `{text}` matches no file"),
                    )
                    .help("patterns may use `*` and `?` in the file name only"),
                );
            }
            files.extend(found);
        } else {
            files.push(arg.clone());
        }
    }
    files
}

/// The `*.yaml` and `*.yml` files of `dir`, sorted by name, then those of its
/// subfolders (not symlinks to folders) down to `depth` more levels, each
/// folder's in name order.
fn yaml_files(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut found = matching(dir, |name| {
        name.ends_with(".yaml") || name.ends_with(".yml")
    });
    if depth == 0 {
        return found;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    let mut subfolders: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    subfolders.sort();
    for sub in subfolders {
        found.extend(yaml_files(&sub, depth - 1));
    }
    found
}

/// The files of `dir` whose names satisfy `keep`, sorted by name.
fn matching(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file() && keep(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// `*` matches any run of characters, `?` one character.
fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Classic two-pointer match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*.yaml", "01_fruit.yaml"));
        assert!(wildcard("0?_*.yaml", "01_fruit.yaml"));
        assert!(!wildcard("*.yaml", "fruit.yml"));
        assert!(wildcard("*", ""));
        assert!(!wildcard("a*b", "acbd"));
    }

    #[test]
    fn nested_folders_are_read_in_order_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b.yaml",
            "bob/02.yaml",
            "alice/02.yaml",
            "alice/notes.txt",
            "a/b/c/d/e/deep.yaml",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let mut errors = Diagnostics::default();
        let names = |files: Vec<PathBuf>| -> Vec<String> {
            files
                .iter()
                .map(|f| f.strip_prefix(root).unwrap().display().to_string())
                .collect()
        };
        let flat = spec_files(&[root.to_path_buf()], Folders::Flat, &mut errors);
        assert_eq!(names(flat), ["b.yaml"]);
        let nested = spec_files(&[root.to_path_buf()], Folders::Nested, &mut errors);
        // a/b/c/d/e is five levels down: past MAX_DEPTH.
        assert_eq!(names(nested), ["b.yaml", "alice/02.yaml", "bob/02.yaml"]);
        assert!(errors.is_empty());
    }
}
