//! What `bpc serve` may read and write: the spec files under the folders (or
//! the single files) it was given, named by relative paths such as
//! `specs/fruit.yaml`.
//!
//! A name from a request is checked twice: as text (no absolute path, no
//! `..`, `.` or empty component, no backslash, no hidden component), then on
//! the canonical path (after resolving symlinks it must still lie inside the
//! root it was found in). Everything else is refused.

use std::path::{Component, Path, PathBuf};

use crate::diag::{Diagnostic, ErrorKind};

mod list;

pub use list::MAX_LISTED;

/// Longest name accepted from a request, in bytes.
const MAX_NAME: usize = 1024;

/// One served folder or file.
#[derive(Clone, Debug)]
struct Root {
    /// The prefix of the names of its files (`""`, `specs`), or for a file
    /// root its whole name.
    prefix: String,
    /// The canonical folder (for a file root: the folder that holds it).
    dir: PathBuf,
    /// For a file root: the canonical file.
    file: Option<PathBuf>,
    /// Whether the root lies under the current folder, so that a name is
    /// also its path relative to it (and diagnostics read like the CLI's).
    under_cwd: bool,
}

/// Why a name was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// Outside what is served, or not a kind of file bpc serves (HTTP 403).
    Forbidden(String),
    /// Nothing there (HTTP 404).
    NotFound(String),
}

impl PathError {
    /// The message for the page.
    pub fn message(&self) -> &str {
        match self {
            PathError::Forbidden(m) | PathError::NotFound(m) => m,
        }
    }
}

/// A served spec file, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Its name in the API (`specs/fruit.yaml`).
    pub name: String,
    /// The path bpc opens: the name itself when the root lies under the
    /// current folder (so messages read as `bpc run NAME` would print
    /// them), else the canonical path.
    pub path: PathBuf,
    /// The canonical path (checked to lie inside its root).
    pub canonical: PathBuf,
}

/// Where a save goes.
#[derive(Clone, Debug)]
pub struct SaveTarget {
    /// The file, resolved (its canonical path is that of its folder joined
    /// with the file name).
    pub file: Resolved,
    /// True when a file is already there.
    pub exists: bool,
}

/// The served roots.
#[derive(Clone, Debug)]
pub struct Roots {
    roots: Vec<Root>,
    /// Where names of roots under the current folder are opened from:
    /// `None` for the process's own current folder (paths stay relative,
    /// as the user would type them), else that folder.
    base: Option<PathBuf>,
}

impl Roots {
    /// The roots for `paths` (folders or `.yaml` files) as given on the
    /// command line, relative to `cwd` (`.`: the process's current folder);
    /// no path means `cwd` itself.
    pub fn new(paths: &[PathBuf], cwd: &Path) -> Result<Roots, Diagnostic> {
        let base = (cwd != Path::new(".")).then(|| cwd.to_path_buf());
        let cwd = std::fs::canonicalize(cwd).map_err(|e| {
            Diagnostic::new(
                ErrorKind::Io,
                format!("cannot read the current folder: {e}"),
            )
        })?;
        let default = [PathBuf::from(".")];
        let paths = if paths.is_empty() {
            &default[..]
        } else {
            paths
        };
        let mut roots: Vec<Root> = Vec::new();
        for p in paths {
            let canonical = std::fs::canonicalize(cwd.join(p)).map_err(|e| {
                Diagnostic::new(
                    ErrorKind::Io,
                    format!("cannot serve `{}`: {e}", p.display()),
                )
                .help("give folders or .yaml files that exist")
            })?;
            let meta = std::fs::metadata(&canonical).map_err(|e| {
                Diagnostic::new(
                    ErrorKind::Io,
                    format!("cannot serve `{}`: {e}", p.display()),
                )
            })?;
            let under_cwd = canonical.starts_with(&cwd);
            let label = |c: &Path| -> String {
                match c.strip_prefix(&cwd) {
                    Ok(rel) => slash_path(rel),
                    Err(_) => c
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "root".into()),
                }
            };
            let root = if meta.is_dir() {
                Root {
                    prefix: label(&canonical),
                    dir: canonical,
                    file: None,
                    under_cwd,
                }
            } else if meta.is_file() && is_spec_name(&canonical.to_string_lossy()) {
                Root {
                    prefix: label(&canonical),
                    dir: canonical.parent().unwrap_or(&cwd).to_path_buf(),
                    file: Some(canonical),
                    under_cwd,
                }
            } else {
                return Err(Diagnostic::new(
                    ErrorKind::Usage,
                    format!(
                        "cannot serve `{}`: not a folder or a .yaml file",
                        p.display()
                    ),
                ));
            };
            if roots
                .iter()
                .any(|r| r.dir == root.dir && r.file == root.file)
            {
                continue;
            }
            // Roots outside the current folder are named by their last
            // component; two of the same name get `-2`, `-3`, ...
            let mut prefix = root.prefix.clone();
            let mut n = 1;
            while !under_cwd && roots.iter().any(|r| r.prefix == prefix) {
                n += 1;
                prefix = format!("{}-{n}", root.prefix);
            }
            roots.push(Root { prefix, ..root });
        }
        let base = base.map(|_| cwd.clone());
        Ok(Roots { roots, base })
    }

    /// Every served spec file's name, sorted, at most [`MAX_LISTED`].
    pub fn list(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut visited = 0;
        for r in &self.roots {
            match &r.file {
                Some(_) => names.push(r.prefix.clone()),
                None => list::walk(&r.dir, &r.dir, &r.prefix, 0, &mut visited, &mut names),
            }
        }
        names.sort();
        names.dedup();
        names.truncate(MAX_LISTED);
        names
    }

    /// Resolves the name of an existing spec file.
    pub fn resolve(&self, name: &str) -> Result<Resolved, PathError> {
        let parts = check_name(name)?;
        if !is_spec_name(name) {
            return Err(forbidden(name, "bpc serves only .yaml and .yml files"));
        }
        let mut refused = None;
        for (root, rel) in self.candidates(&parts) {
            let candidate = root.dir.join(&rel);
            let Ok(canonical) = std::fs::canonicalize(&candidate) else {
                continue;
            };
            let inside = match &root.file {
                Some(f) => canonical == *f,
                None => canonical.starts_with(&root.dir),
            };
            if !inside {
                refused = Some(forbidden(name, "it leads outside the served folders"));
                continue;
            }
            match std::fs::metadata(&canonical) {
                Ok(m) if m.is_file() => return Ok(self.resolved(root, name, canonical)),
                _ => refused = Some(not_found(name)),
            }
        }
        Err(refused.unwrap_or_else(|| not_found(name)))
    }

    /// Resolves where a save of `name` goes: a `.yaml` file in a served
    /// folder that exists (or a served file itself), not a symlink, not a
    /// special file, and not a file with other hard links.
    pub fn save_target(&self, name: &str) -> Result<SaveTarget, PathError> {
        let parts = check_name(name)?;
        if !name.ends_with(".yaml") {
            return Err(forbidden(name, "bpc serve saves only .yaml files"));
        }
        let mut refused = None;
        for (root, rel) in self.candidates(&parts) {
            let candidate = root.dir.join(&rel);
            let (Some(parent), Some(file_name)) = (candidate.parent(), candidate.file_name())
            else {
                continue;
            };
            let Ok(dir) = std::fs::canonicalize(parent) else {
                refused = Some(PathError::NotFound(format!(
                    "cannot save `{name}`: its folder does not exist"
                )));
                continue;
            };
            let canonical = dir.join(file_name);
            let inside = match &root.file {
                Some(f) => canonical == *f,
                None => dir.starts_with(&root.dir),
            };
            if !inside {
                refused = Some(forbidden(name, "it leads outside the served folders"));
                continue;
            }
            let exists = match std::fs::symlink_metadata(&canonical) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(forbidden(
                        name,
                        "it is a symbolic link; save under another name",
                    ));
                }
                Ok(m) if !m.is_file() => return Err(forbidden(name, "it is not a regular file")),
                // Another link to the same file may lie outside the served
                // folders; the writer would change it there too.
                Ok(m) if std::os::unix::fs::MetadataExt::nlink(&m) > 1 => {
                    return Err(forbidden(
                        name,
                        "the file has other hard links; save under another name",
                    ));
                }
                Ok(_) => true,
                Err(_) => false,
            };
            return Ok(SaveTarget {
                file: self.resolved(root, name, canonical),
                exists,
            });
        }
        Err(refused.unwrap_or_else(|| forbidden(name, "it is not under a served folder")))
    }

    /// True when `canonical` (a resolved path) lies inside a served folder,
    /// or in the folder of a served file; data files must.
    pub fn holds_data(&self, canonical: &Path) -> bool {
        self.roots.iter().any(|r| canonical.starts_with(&r.dir))
    }

    fn resolved(&self, root: &Root, name: &str, canonical: PathBuf) -> Resolved {
        // The name of a file under the current folder is its path from
        // there (names of such roots are cwd-relative paths).
        let path = match (&self.base, root.under_cwd) {
            (None, true) => PathBuf::from(name),
            (Some(base), true) => base.join(name),
            (_, false) => canonical.clone(),
        };
        Resolved {
            name: name.to_string(),
            path,
            canonical,
        }
    }

    /// The roots that `parts` may name, each with the rest of the name.
    fn candidates<'a>(&'a self, parts: &[&str]) -> Vec<(&'a Root, PathBuf)> {
        let mut out = Vec::new();
        for r in &self.roots {
            let prefix: Vec<&str> = r.prefix.split('/').filter(|s| !s.is_empty()).collect();
            if r.file.is_some() {
                if parts == prefix.as_slice() {
                    let file_name = r.file.as_ref().and_then(|f| f.file_name());
                    out.push((r, PathBuf::from(file_name.unwrap_or_default())));
                }
            } else if parts.len() > prefix.len() && parts[..prefix.len()] == prefix[..] {
                out.push((r, parts[prefix.len()..].iter().collect()));
            }
        }
        // The most specific root first.
        out.sort_by_key(|(r, _)| std::cmp::Reverse(r.prefix.len()));
        out
    }
}

/// Splits a request's name into components, refusing every form that could
/// leave a root or name something unexpected.
fn check_name(name: &str) -> Result<Vec<&str>, PathError> {
    if name.is_empty() {
        return Err(PathError::NotFound("no file named".into()));
    }
    if name.len() > MAX_NAME {
        return Err(forbidden("(a long name)", "the name is too long"));
    }
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') || name.contains(':') {
        return Err(forbidden(name, "names are relative paths with `/`"));
    }
    let parts: Vec<&str> = name.split('/').collect();
    for p in &parts {
        if p.is_empty() || *p == "." || *p == ".." {
            return Err(forbidden(name, "a name may not contain `..`, `.` or `//`"));
        }
        if p.starts_with('.') {
            return Err(forbidden(name, "hidden files are not served"));
        }
        if p.chars().any(char::is_control) {
            return Err(forbidden(name, "the name holds a control character"));
        }
    }
    // What the OS would make of it: only plain components.
    if !Path::new(name)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(forbidden(name, "names are relative paths"));
    }
    Ok(parts)
}

/// A relative path with `/` between components.
pub(super) fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// True for a `.yaml` or `.yml` file name.
pub(super) fn is_spec_name(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

fn forbidden(name: &str, why: &str) -> PathError {
    PathError::Forbidden(format!("`{name}` is not served: {why}"))
}

fn not_found(name: &str) -> PathError {
    PathError::NotFound(format!("no spec file `{name}` is served"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_escape_are_refused_as_text() {
        for bad in [
            "/etc/passwd",
            "../x.yaml",
            "specs/../../x.yaml",
            "specs//x.yaml",
            "./x.yaml",
            "specs\\x.yaml",
            "C:x.yaml",
            ".hidden.yaml",
            "a/.git/x.yaml",
            "x\u{1b}.yaml",
        ] {
            assert!(
                matches!(check_name(bad), Err(PathError::Forbidden(_))),
                "{bad:?} accepted"
            );
        }
        assert_eq!(
            check_name("specs/fruit.yaml").unwrap(),
            ["specs", "fruit.yaml"]
        );
    }
}
