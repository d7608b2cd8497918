//! Which files `bpc check` reads: files as given, the `*.yaml` of a folder,
//! and `*`/`?` patterns a shell did not expand.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, ErrorKind};

/// The spec files named by the command line: files as given, every `*.yaml`
/// (and `*.yml`) of a folder in name order, and `*`/`?` patterns in the last
/// path component (for shells that did not expand them). A folder or pattern
/// that matches nothing is an error.
pub fn spec_files(args: &[PathBuf], errors: &mut Diagnostics) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for arg in args {
        let text = arg.to_string_lossy();
        if arg.is_dir() {
            let found = matching(arg, |name| {
                name.ends_with(".yaml") || name.ends_with(".yml")
            });
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
}
