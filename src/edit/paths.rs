//! A spec's relative references (its data CSV, the editor's schema line)
//! kept pointing at the same files when its text is written to another
//! folder (`bpc train -o`, `bpc key -o`, `bpc handout`).

use std::path::{Path, PathBuf};

use super::{Edits, yaml_string};
use crate::diag::Span;
use crate::spec::Spec;

/// The path of the file `target` as seen from the folder `from` (both
/// absolute): relative when they share a root, else `target` itself.
pub fn relative_path(from: &Path, target: &Path) -> PathBuf {
    let (a, b): (Vec<_>, Vec<_>) = (from.components().collect(), target.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return target.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    out
}

/// A path written in the spec at `from`, relative to its folder, as the spec
/// moved to `to` must write it to name the same file; `None` when it needs
/// no change (same folder, an absolute path) or names no file that exists.
pub fn moved_reference(from: &Path, to: &Path, reference: &str) -> Option<String> {
    let dir = |p: &Path| {
        let d = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::canonicalize(d).ok()
    };
    let (from, to) = (dir(from)?, dir(to)?);
    if from == to || Path::new(reference).is_absolute() {
        return None;
    }
    let target = std::fs::canonicalize(from.join(reference)).ok()?;
    Some(relative_path(&to, &target).display().to_string())
}

/// The editor's schema line (`# yaml-language-server: $schema=PATH`), if
/// the text starts with one: the span of PATH.
fn schema_modeline(text: &str) -> Option<Span> {
    const KEY: &str = "# yaml-language-server: $schema=";
    let line = text.lines().next()?;
    let rest = line.strip_prefix(KEY)?;
    let path = rest.trim_end();
    (!path.is_empty()).then(|| Span::new(KEY.len(), KEY.len() + path.len()))
}

/// Edits that keep a spec's relative references naming the same files when
/// its text is written at `to` instead of `from`: the data CSV and the
/// editor's schema line. URLs and absolute paths are left alone.
pub fn relocate(spec: &Spec, from: &Path, to: &Path, edits: &mut Edits) {
    let text: &str = &spec.source.text;
    if let Some(csv) = spec.data.as_ref().and_then(|d| d.value.csv.as_ref())
        && let Some(moved) = moved_reference(from, to, &csv.value)
    {
        edits.replace(csv.span, yaml_string(&moved));
    }
    if let Some(span) = schema_modeline(text) {
        let path = &text[span.start..span.end];
        if !path.contains("://")
            && let Some(moved) = moved_reference(from, to, path)
        {
            edits.replace(span, moved);
        }
    }
}
