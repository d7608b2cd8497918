//! Editing a spec's text in place, so that comments and layout survive: a
//! value is replaced by a flow-style literal (`bpc train -o`, `bpc key`,
//! `bpc handout`), an entry is removed or rewritten, and everything else is
//! left byte for byte as the author wrote it.
//!
//! serde-saphyr's span of a value covers a scalar whole, but only the first
//! token of a collection (`[`, `{`, or the first `-`/key of a block), and may
//! be empty for a null; so the end of each value is found here by scanning
//! the YAML text. The scanner knows only what a spec's values can be:
//! numbers, nulls, short strings, flow and block collections.

mod paths;

pub use paths::{moved_reference, relative_path, relocate};

use crate::diag::Span;
use crate::render;
use crate::tensor::Value;

/// Replacements of byte ranges of one text, applied all at once.
#[derive(Clone, Debug, Default)]
pub struct Edits(Vec<(Span, String)>);

impl Edits {
    /// Replaces the bytes of `span` by `text` (an empty span inserts).
    pub fn replace(&mut self, span: Span, text: impl Into<String>) {
        self.0.push((span, text.into()));
    }

    /// Replaces the value of the mapping entry whose key is at `key` (`def`:
    /// the parser's span of the value) by the flow literal `literal`. A block
    /// value on the lines below its key keeps its line, indented past the key;
    /// an empty value gets a space after its `:`.
    pub fn replace_value(&mut self, text: &str, key: Span, def: Span, literal: &str) {
        let (range, block) = value_range(text, key, def);
        let key_col = column(text, key.start);
        let pad = if range.is_empty() && !text[..range.start].ends_with(' ') {
            " "
        } else if block && column(text, range.start) <= key_col {
            // A flow value on the line after its key must be indented past the key.
            "  "
        } else {
            ""
        };
        self.replace(range, format!("{pad}{literal}"));
    }

    /// True when nothing is to be changed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every replacement made. Replacements are sorted by where
    /// they start; one that overlaps an earlier one is dropped (distinct
    /// entries of a spec never overlap).
    pub fn apply(mut self, text: &str) -> String {
        self.0.sort_by_key(|(s, _)| (s.start, s.end));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (span, new) in self.0 {
            if span.start < at || span.end > text.len() {
                continue;
            }
            out.push_str(&text[at..span.start]);
            out.push_str(&new);
            at = span.end;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// A value as YAML flow text with every number exact: `2.5`,
/// `[1.0, -0.5]`, `[[1.0, 2.0], [3.0, 4.0]]`.
pub fn flow_literal(v: &Value) -> String {
    render::nested(v.shape(), &v.to_vec(), &render::exact)
}

/// A number in the shortest text that reads back exactly, without a
/// trailing `.0`: `200`, `0.5`, `220.00000000000003`, `1e-7`.
pub fn short(x: f64) -> String {
    let s = render::exact(x);
    match s.strip_suffix(".0") {
        Some(int) => int.to_string(),
        None => s,
    }
}

/// A value as YAML flow text with every number exact and short: `200`,
/// `[0.5, -1]`.
pub fn short_literal(v: &Value) -> String {
    render::nested(v.shape(), &v.to_vec(), &short)
}

/// A string as a YAML scalar: plain when that is unambiguous, else double-quoted.
pub fn yaml_string(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./-@".contains(c))
        && !s.starts_with(['-', '@'])
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | ".inf" | ".nan" | "~"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

/// The whole lines of the mapping entry whose key is at `key` (`def`: the
/// parser's span of its value): from the start of the key's line to the end
/// of the value's last line, its line break included. Removing this range
/// removes the entry and its trailing comment, nothing else.
pub fn entry_lines(text: &str, key: Span, def: Span) -> Span {
    let (value, _) = value_range(text, key, def);
    let start = text[..key.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[value.end.max(key.end)..]
        .find('\n')
        .map_or(text.len(), |i| value.end.max(key.end) + i + 1);
    Span::new(start, end)
}

/// The byte range of the value of the mapping entry whose key is at `key`
/// (`def`: the parser's span of the value), and whether it is a block
/// collection on the lines below the key. An empty value is the empty range
/// just after the key's `:`.
pub fn value_range(text: &str, key: Span, def: Span) -> (Span, bool) {
    let bytes = text.as_bytes();
    // The value starts at the first token after the key's `:`, past spaces,
    // line breaks and comments.
    let colon = text[key.end..]
        .find(':')
        .map_or(key.end, |i| key.end + i + 1);
    let key_col = column(text, key.start);
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
    let empty = (Span::new(colon, colon), false);
    if at >= bytes.len() {
        return empty;
    }
    if !same_line {
        // On a later line, a value belongs to the key only when indented past
        // it (a block sequence may sit at the key's own column).
        let col = column(text, at);
        if col < key_col || (col == key_col && bytes[at] != b'-') {
            return empty;
        }
    }
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    match bytes[at] {
        b'[' | b'{' => (Span::new(at, flow_end(text, at)), false),
        // In a flow collection the value ends before the next `,`, `}` or `]`.
        b',' | b'}' | b']' if same_line => empty,
        _ if same_line && def.start == at && !def.is_empty() => (def, false),
        _ if same_line => (Span::new(at, scalar_end(text, at, line_end)), false),
        b'-' => (Span::new(at, block_end(text, at)), true),
        _ if is_mapping_line(&text[at..line_end]) => (Span::new(at, block_end(text, at)), true),
        _ => (Span::new(at, scalar_end(text, at, line_end)), true),
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

/// The end of a scalar token from `from` (before `to`, the end of its line):
/// before a comment, and before a `,`, `]` or `}` outside quotes (the token is
/// a number, a null or a short string, so those end it in a flow collection).
fn scalar_end(text: &str, from: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    let mut quote = None;
    for i in from..to {
        match (bytes[i], quote) {
            (q @ (b'"' | b'\''), None) => quote = Some(q),
            (q, Some(open)) if q == open => quote = None,
            (b',' | b']' | b'}', None) => return from + text[from..i].trim_end().len(),
            _ => {}
        }
    }
    content_end(text, from, to)
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
pub fn column(text: &str, at: usize) -> usize {
    at - text[..at].rfind('\n').map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The span of the first occurrence of `needle` at or after `from`.
    fn find(text: &str, needle: &str, from: usize) -> Span {
        let i = text[from..].find(needle).unwrap() + from;
        Span::new(i, i + needle.len())
    }

    #[test]
    fn empty_values_end_at_their_colon() {
        let text = "a:\nb: 2\nc:   # none\n  - 1\nd:\n";
        let (r, _) = value_range(text, find(text, "a", 0), Span::default());
        assert_eq!(r, Span::new(2, 2));
        let (r, block) = value_range(text, find(text, "c", 0), Span::default());
        assert_eq!(&text[r.start..r.end], "- 1");
        assert!(block);
        let d = find(text, "d:", 0);
        let (r, _) = value_range(text, Span::new(d.start, d.start + 1), Span::default());
        assert_eq!(r, Span::new(text.len() - 1, text.len() - 1));
        let mut e = Edits::default();
        e.replace_value(text, find(text, "a", 0), Span::default(), "1.5");
        assert_eq!(e.apply(text), "a: 1.5\nb: 2\nc:   # none\n  - 1\nd:\n");
    }

    #[test]
    fn flow_mapping_values_end_at_commas() {
        let text = "g: { x: ~, y: 2.5, z: [1, 2] }  # c\n";
        let mut e = Edits::default();
        for (k, v) in [("x", "1.0"), ("y", "~"), ("z", "[~, ~]")] {
            let key = find(text, &format!("{k}:"), 0);
            e.replace_value(
                text,
                Span::new(key.start, key.start + 1),
                Span::default(),
                v,
            );
        }
        assert_eq!(e.apply(text), "g: { x: 1.0, y: ~, z: [~, ~] }  # c\n");
        let text = "g: {x: , y: 1}\n";
        let (r, _) = value_range(text, find(text, "x", 0), Span::default());
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn entries_are_removed_with_their_lines() {
        let text = "a: 1\nvary:\n  seed: 3   # s\n  n: { range: [1, 9] }\n# after\nb: 2\n";
        let key = find(text, "vary", 0);
        let lines = entry_lines(text, key, Span::default());
        assert_eq!(
            &text[lines.start..lines.end],
            "vary:\n  seed: 3   # s\n  n: { range: [1, 9] }\n"
        );
    }

    #[test]
    fn strings_are_quoted_when_plain_would_change_them() {
        assert_eq!(yaml_string("alice"), "alice");
        assert_eq!(yaml_string("a.b@x-y"), "a.b@x-y");
        assert_eq!(yaml_string("123"), "\"123\"");
        assert_eq!(yaml_string("null"), "\"null\"");
        assert_eq!(yaml_string(".inf"), "\".inf\"");
        assert_eq!(yaml_string("../a.csv"), "../a.csv");
        assert_eq!(yaml_string("two words"), "\"two words\"");
        assert_eq!(yaml_string(""), "\"\"");
    }
}
