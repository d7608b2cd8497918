//! A spec's relative references (its data and test CSVs, the editor's schema line)
//! kept pointing at the same files when its text is written to another
//! folder (`bpc train -o`, `bpc key -o`, `bpc handout`).

use std::path::{Path, PathBuf};

use super::{Edits, yaml_string};
use crate::diag::Span;
use crate::spec::{Spec, TestDef};

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
/// its text is written at `to` instead of `from`: the data CSV, the test CSV
/// (`data.test: FILE.csv`) and the editor's schema line. URLs and absolute
/// paths are left alone.
pub fn relocate(spec: &Spec, from: &Path, to: &Path, edits: &mut Edits) {
    let text: &str = &spec.source.text;
    let data = spec.data.as_ref().map(|d| &d.value);
    if let Some(csv) = data.and_then(|d| d.csv.as_ref())
        && let Some(moved) = moved_reference(from, to, &csv.value)
    {
        edits.replace(csv.span, yaml_string(&moved));
    }
    if let Some(test) = data.and_then(|d| d.test.as_ref())
        && let TestDef::Csv(file) = &test.value
        && let Some(moved) = moved_reference(from, to, file)
    {
        edits.replace(test.span, yaml_string(&moved));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;

    #[test]
    fn relocate_moves_the_data_the_test_csv_and_the_schema_line() {
        // Real files: a reference is moved only when it names one.
        let root = std::env::temp_dir().join(format!("bpc-relocate-{}", std::process::id()));
        let specs = root.join("specs");
        std::fs::create_dir_all(specs.join("sub")).unwrap();
        std::fs::create_dir_all(root.join("schema")).unwrap();
        for f in ["specs/d.csv", "specs/t.csv", "schema/bpc-spec.json"] {
            std::fs::write(root.join(f), "").unwrap();
        }
        let text = "# yaml-language-server: $schema=../schema/bpc-spec.json\n\
                    params: { w: 1 }\ninputs: { x: [0], y: [0] }\nnodes:\n  l: mse(x, y)\n\
                    output: l\ndata: { csv: d.csv, columns: { x: [a], y: [b] }, test: t.csv }\n";
        let spec = crate::spec::parse(&Source::new("s.yaml", text.to_string())).unwrap();
        let (from, to) = (specs.join("s.yaml"), specs.join("sub/s.yaml"));
        let mut edits = Edits::default();
        relocate(&spec, &from, &to, &mut edits);
        let moved = edits.apply(text);
        assert!(
            moved.starts_with("# yaml-language-server: $schema=../../schema/bpc-spec.json\n"),
            "{moved}"
        );
        assert!(moved.contains("csv: ../d.csv,"), "{moved}");
        assert!(moved.contains("test: ../t.csv }"), "{moved}");
        // Written back where it was, nothing changes.
        let mut edits = Edits::default();
        relocate(&spec, &from, &from, &mut edits);
        assert_eq!(edits.apply(text), text);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
