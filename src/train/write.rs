//! The trained spec: the user's text with exactly each param's value replaced
//! by a flow-style literal of its trained numbers, so comments and layout
//! survive. Numbers are printed with [`render::exact`] and read back exactly.
//!
//! serde-saphyr's span of a value covers a scalar whole, but only the first
//! token of a collection (`[`, `{`, or the first `-`/key of a block), so the
//! end of each value is found here by scanning the YAML text.

use std::path::Path;

use crate::diag::Span;
use crate::render::{self, exact};
use crate::spec::Spec;
use crate::tensor::Value;
use crate::train::Epoch;

/// `text` with the value of every param in `trained` (name, value) replaced.
/// Params not listed keep their text. `csv`, if given, replaces the path of
/// `data.csv` (the trained spec may live in another folder).
pub fn trained_text(spec: &Spec, trained: &[(String, Value)], csv: Option<&str>) -> String {
    let text: &str = &spec.source.text;
    let mut edits: Vec<(Span, String)> = Vec::new();
    if let (Some(path), Some(old)) = (csv, spec.data.as_ref().and_then(|d| d.value.csv.as_ref())) {
        edits.push((old.span, yaml_string(path)));
    }
    for e in &spec.params {
        let Some((_, v)) = trained.iter().find(|(n, _)| *n == e.name.value) else {
            continue;
        };
        let literal = flow_literal(v);
        let (range, block) = value_range(text, e.name.span, e.def.span);
        // A flow value on the line after its key must be indented past the key.
        let key_col = column(text, e.name.span.start);
        let pad = if block && column(text, range.start) <= key_col {
            "  "
        } else {
            ""
        };
        edits.push((range, format!("{pad}{literal}")));
    }
    edits.sort_by_key(|(s, _)| s.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, new) in edits {
        if span.start < at {
            continue; // overlapping spans cannot happen for distinct params
        }
        out.push_str(&text[at..span.start]);
        out.push_str(&new);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A string as a YAML scalar: plain when that is unambiguous, else double-quoted.
fn yaml_string(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c))
        && !s.starts_with('-');
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

/// The path of the file `target` as seen from the folder `from` (both
/// absolute): relative when they share a root, else `target` itself.
pub fn relative_path(from: &Path, target: &Path) -> std::path::PathBuf {
    let (a, b): (Vec<_>, Vec<_>) = (from.components().collect(), target.components().collect());
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return target.to_path_buf();
    }
    let mut out = std::path::PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    out
}

/// A value as YAML flow text: `2.5`, `[1.0, -0.5]`, `[[1.0, 2.0], [3.0, 4.0]]`.
pub fn flow_literal(v: &Value) -> String {
    render::nested(v.shape(), &v.to_vec(), &render::exact)
}

/// The byte range of the value of the mapping entry whose key is at `key`
/// (`def`: serde-saphyr's span of the value), and whether it is a block
/// collection on the lines below the key.
fn value_range(text: &str, key: Span, def: Span) -> (Span, bool) {
    let bytes = text.as_bytes();
    // The value starts at the first token after the key's `:`, past spaces,
    // line breaks and comments.
    let colon = text[key.end..]
        .find(':')
        .map_or(key.end, |i| key.end + i + 1);
    let mut at = colon;
    let mut same_line = true;
    while at < bytes.len() {
        match bytes[at] {
            b' ' | b'\t' | b'\r' => at += 1,
            b'\n' => {
                same_line = false;
                at += 1;
            }
            b'#' => at = text[at..].find('\n').map_or(text.len(), |i| at + i),
            _ => break,
        }
    }
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    match bytes.get(at) {
        Some(b'[' | b'{') => (Span::new(at, flow_end(text, at)), false),
        _ if same_line && def.start == at && !def.is_empty() => (def, false),
        _ if same_line => (Span::new(at, content_end(text, at, line_end)), false),
        Some(b'-') => (Span::new(at, block_end(text, at)), true),
        _ if is_mapping_line(&text[at..line_end]) => (Span::new(at, block_end(text, at)), true),
        _ => (Span::new(at, content_end(text, at, line_end)), true),
    }
}

/// True when a line reads `key: ...` (outside quotes): a block mapping.
fn is_mapping_line(line: &str) -> bool {
    let mut quote = None;
    let bytes = line.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        match (c, quote) {
            (b'"' | b'\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            (b':', None) => return bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()),
            (b'#', None) => return false,
            _ => {}
        }
    }
    false
}

/// One past the bracket that closes the flow collection opening at `start`.
fn flow_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += if bytes[i] == b'\\' && q == b'"' { 2 } else { 1 };
                }
            }
            b'#' if i > 0 && bytes[i - 1].is_ascii_whitespace() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

/// The end of the block collection whose first token is at `start`: the end
/// of the last content line (before any comment) indented at least as far as
/// `start`; a sequence's own `- ` lines may sit at exactly that indentation.
fn block_end(text: &str, start: usize) -> usize {
    let col = column(text, start);
    let seq = text.as_bytes().get(start) == Some(&b'-');
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let mut end = content_end(
        text,
        start,
        text[start..].find('\n').map_or(text.len(), |i| start + i),
    );
    let mut at = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i + 1);
    while at < text.len() {
        let next = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        let line = text[at..next].trim_end_matches(['\n', '\r']);
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        if body.is_empty() || body.starts_with('#') {
            at = next;
            continue;
        }
        let inside = indent > col || (indent == col && (!seq || body.starts_with('-')));
        if !inside {
            break;
        }
        end = content_end(text, at + indent, at + line.len());
        at = next;
    }
    end
}

/// The end of a line's content from `from` to `to`, before a comment, trimmed.
fn content_end(text: &str, from: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = to;
    let mut quote = None;
    for i in from..to {
        match (bytes[i], quote) {
            (q @ (b'"' | b'\''), None) => quote = Some(q),
            (q, Some(open)) if q == open => quote = None,
            (b'#', None) if i > from && bytes[i - 1].is_ascii_whitespace() => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    from + text[from..end].trim_end().len()
}

/// 0-based column (in bytes) of an offset.
fn column(text: &str, at: usize) -> usize {
    at - text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The CSV path to write into a trained spec at `out` when it lives in
/// another folder than the spec at `input` (`None`: keep the text).
pub fn moved_csv(spec: &Spec, input: &Path, out: &Path) -> Option<String> {
    let csv = &spec.data.as_ref()?.value.csv.as_ref()?.value;
    let dir = |p: &Path| {
        let d = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::canonicalize(d).ok()
    };
    let (from, to) = (dir(input)?, dir(out)?);
    if from == to || Path::new(csv).is_absolute() {
        return None;
    }
    let target = std::fs::canonicalize(from.join(csv)).ok()?;
    Some(relative_path(&to, &target).display().to_string())
}

/// `epoch,loss[,accuracy]` with exact numbers.
pub fn history_csv(history: &[Epoch]) -> String {
    let with_acc = history.first().is_some_and(|e| e.accuracy.is_some());
    let mut s = String::from(if with_acc {
        "epoch,loss,accuracy\n"
    } else {
        "epoch,loss\n"
    });
    for e in history {
        s.push_str(&format!("{},{}", e.epoch, exact(e.loss)));
        if let Some(a) = e.accuracy {
            s.push_str(&format!(",{}", exact(a.fraction())));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;

    fn trained(text: &str, values: &[(&str, Value)]) -> String {
        let spec = crate::spec::parse(&Source::new("t.yaml", text)).unwrap();
        let values: Vec<(String, Value)> = values
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        trained_text(&spec, &values, None)
    }

    fn t2(a: f64, b: f64) -> Value {
        Value::from_array(
            crate::tensor::Array::from_shape_vec(ndarray::IxDyn(&[2]), vec![a, b]).unwrap(),
        )
    }

    #[test]
    fn every_kind_of_value_is_replaced_and_comments_stay() {
        let text = "params:\n  a: [1, 2]   # flow\n  b:\n    - 1\n    - 2  # last\n  # between\n  c: { shape: [2], init: normal, seed: 3 }  # init\n  d:\n    shape: [2]\n    init: ones\n  # after d\n  e: 5 # scalar\n  f:\n  - 1\n  - 2\n  g:\n    3   # next line\nnodes:\n  y: add(a, b)\noutput: y\n";
        let all = ["a", "b", "c", "d", "f"].map(|n| (n, t2(0.5, -0.25)));
        let mut all = all.to_vec();
        all.push(("e", Value::Scalar(1e-7)));
        all.push(("g", Value::Scalar(1e-7)));
        let out = trained(text, &all);
        assert_eq!(
            out,
            "params:\n  a: [0.5, -0.25]   # flow\n  b:\n    [0.5, -0.25]  # last\n  # between\n  c: [0.5, -0.25]  # init\n  d:\n    [0.5, -0.25]\n  # after d\n  e: 1e-7 # scalar\n  f:\n    [0.5, -0.25]\n  g:\n    1e-7   # next line\nnodes:\n  y: add(a, b)\noutput: y\n"
        );
        // And it reads back as the same numbers.
        let spec = crate::spec::parse(&Source::new("t.yaml", out)).unwrap();
        for p in &spec.params {
            let v = crate::graph::value_of(&spec.source, &p.def).unwrap();
            let want = if ["e", "g"].contains(&p.name.value.as_str()) {
                vec![1e-7]
            } else {
                vec![0.5, -0.25]
            };
            assert_eq!(v.to_vec(), want, "{}", p.name.value);
        }
    }

    #[test]
    fn csv_paths_follow_the_trained_file() {
        let text = "data:\n  csv: iris.csv   # rows\n  columns: { x: [a], y: b }\nnodes:\n  y2: sum(x)\noutput: y2\n";
        let spec = crate::spec::parse(&Source::new("t.yaml", text)).unwrap();
        let out = trained_text(&spec, &[], Some("../specs/iris.csv"));
        assert!(
            out.starts_with("data:\n  csv: ../specs/iris.csv   # rows\n"),
            "{out}"
        );
        let out = trained_text(&spec, &[], Some("my data/iris.csv"));
        assert!(
            out.starts_with("data:\n  csv: \"my data/iris.csv\"   # rows\n"),
            "{out}"
        );
        assert_eq!(
            relative_path(Path::new("/a/b"), Path::new("/a/c/d.csv")),
            Path::new("../c/d.csv")
        );
        assert_eq!(
            relative_path(Path::new("/a/b"), Path::new("/a/b/d.csv")),
            Path::new("d.csv")
        );
    }

    #[test]
    fn multi_line_flow_lists_are_replaced_whole() {
        let text =
            "params:\n  w: [[1, 2],   # row 1\n      [3, 4]]\nnodes:\n  y: sum(w)\noutput: y\n";
        let v = Value::from_array(
            crate::tensor::Array::from_shape_vec(ndarray::IxDyn(&[2, 2]), vec![0.1, 0.2, 0.3, 0.4])
                .unwrap(),
        );
        let out = trained(text, &[("w", v)]);
        assert_eq!(
            out,
            "params:\n  w: [[0.1, 0.2], [0.3, 0.4]]\nnodes:\n  y: sum(w)\noutput: y\n"
        );
    }
}
