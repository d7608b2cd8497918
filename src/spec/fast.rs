//! The fast path for plain specs: the layout that generated specs of a
//! million nodes use, read line by line without the general YAML reader
//! (which spends about 15,000 instructions a node on events, spans and
//! duplicate-key fingerprints).
//!
//! It reads only this much YAML: top-level `name`, `description`, `output`
//! (plain scalars) and `inputs`, `params`, `nodes` (block mappings, or `{}`),
//! whose entries are `NAME: NUMBER`, `NAME: [flow list of numbers]` or
//! `NAME: op(args)`, with full-line and trailing comments. Anything else (a
//! tab, a quote, an anchor, another key, a duplicate key, a ragged list, a
//! number YAML reads another way) returns `None`, and the caller runs the
//! general reader, which also words every error. For what it accepts, the
//! spec is the one the general reader makes, spans included; the tests hold
//! the two to that on every shipped spec, exercise and error fixture.

use std::collections::HashSet;

use super::{Entry, NodeDef, Spec, ValueDef, call::looks_like_call, is_valid_name};
use crate::diag::{Source, Sp, Span};

/// Deepest list nesting read here (the general reader allows more).
const MAX_LIST_DEPTH: usize = 8;

/// Most entries of one block reserved up front (a larger block grows).
const MAX_RESERVED: usize = 1 << 21;

/// The spec, if the text keeps to the plain layout.
pub(super) fn parse(source: &Source) -> Option<Spec> {
    let text: &str = &source.text;
    if !printable(text) {
        return None;
    }
    let mut spec = Spec::empty(source.clone());
    let mut lines = Lines { text, at: 0 };
    let mut seen: Vec<&str> = Vec::new();
    while let Some(line) = lines.next_significant() {
        if line.indent != 0 {
            return None;
        }
        let (key, value) = line.entry()?;
        if seen.contains(&key.value) {
            return None;
        }
        seen.push(key.value);
        match key.value {
            "name" => spec.name = Some(owned(name_like(value?)?)),
            "output" => spec.output = Some(owned(name_like(value?)?)),
            "description" => spec.description = Some(description(value?)?.value.to_string()),
            "inputs" => spec.inputs = block(&mut lines, value, leaf)?,
            "params" => spec.params = block(&mut lines, value, leaf)?,
            "nodes" => spec.nodes = block(&mut lines, value, node)?,
            _ => return None,
        }
    }
    Some(spec)
}

/// True when every character is one YAML prints (and not a tab, a carriage
/// return, a byte-order mark or another line break, which this path leaves
/// to the YAML reader).
fn printable(text: &str) -> bool {
    let ascii_ok = text.bytes().all(|b| b == b'\n' || (b >= 0x20 && b != 0x7f));
    ascii_ok
        && (text.is_ascii()
            || text.chars().all(|c| {
                // YAML's printable characters, less those YAML 1.1 read as
                // line breaks (U+0085, U+2028, U+2029).
                matches!(c, '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{2027}'
                    | '\u{202a}'..='\u{d7ff}' | '\u{e000}'..='\u{fefe}'
                    | '\u{ff00}'..='\u{fffd}' | '\u{10000}'..)
            }))
}

/// One line: where it starts, its indentation and its text (without `\n`).
struct Line<'a> {
    start: usize,
    indent: usize,
    text: &'a str,
}

impl<'a> Line<'a> {
    /// `KEY: value` or `KEY:` (value `None`), the key a name, the value a
    /// plain scalar without its trailing comment.
    fn entry(&self) -> Option<(Sp<&'a str>, Option<Sp<&'a str>>)> {
        let body = &self.text[self.indent..];
        let colon = body.find(':')?;
        let key = &body[..colon];
        if !is_valid_name(key) || is_special(key) {
            return None;
        }
        let key_start = self.start + self.indent;
        let key = Sp::new(key, Span::new(key_start, key_start + colon));
        let rest = &body[colon + 1..];
        if !rest.is_empty() && !rest.starts_with(' ') {
            return None;
        }
        let value = rest.trim_start_matches(' ');
        // A comment starts at a `#` after a space (the value itself has none).
        let value = match value.find('#') {
            Some(0) => "",
            Some(i) if value.as_bytes()[i - 1] == b' ' => &value[..i],
            Some(_) => return None,
            None => value,
        };
        let value = value.trim_end_matches(' ');
        if value.is_empty() {
            return Some((key, None));
        }
        let start = self.start + self.text.len() - rest.trim_start_matches(' ').len();
        Some((
            key,
            Some(Sp::new(value, Span::new(start, start + value.len()))),
        ))
    }
}

/// The lines of a text, from `at`.
struct Lines<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Lines<'a> {
    /// The next line that is neither blank nor only a comment, consumed.
    fn next_significant(&mut self) -> Option<Line<'a>> {
        let line = self.peek_significant()?;
        self.at = (line.start + line.text.len() + 1).min(self.text.len());
        Some(line)
    }

    /// Entry lines from here to the next top-level line (an upper bound on
    /// the entries of the block that starts here), counted up to `cap`.
    fn block_len(&self, cap: usize) -> usize {
        let bytes = self.text.as_bytes();
        let (mut n, mut i) = (0, self.at);
        while n < cap && i < bytes.len() && matches!(bytes[i], b' ' | b'#' | b'\n') {
            let end = self.text[i..].find('\n').map_or(bytes.len(), |k| i + k);
            let body = self.text[i..end].trim_start_matches(' ');
            n += usize::from(!body.is_empty() && !body.starts_with('#'));
            i = (end + 1).min(bytes.len());
        }
        n
    }

    /// The next line that is neither blank nor only a comment; the ones
    /// skipped are consumed.
    fn peek_significant(&mut self) -> Option<Line<'a>> {
        while self.at < self.text.len() {
            let rest = &self.text[self.at..];
            let len = rest.find('\n').unwrap_or(rest.len());
            let text = &rest[..len];
            let body = text.trim_start_matches(' ');
            if !body.is_empty() && !body.starts_with('#') {
                return Some(Line {
                    start: self.at,
                    indent: len - body.len(),
                    text,
                });
            }
            self.at = (self.at + len + 1).min(self.text.len());
        }
        None
    }
}

/// The entries of a block mapping under a top-level key whose own value is
/// `value` (nothing, or `{}`), each read by `read`.
fn block<'a, T>(
    lines: &mut Lines<'a>,
    value: Option<Sp<&'a str>>,
    read: fn(Sp<&'a str>) -> Option<T>,
) -> Option<Vec<Entry<T>>> {
    match value.map(|v| v.value) {
        None => {}
        Some("{}") => return Some(Vec::new()),
        Some(_) => return None,
    }
    // At most one entry a line: sized once, not grown by doubling (up to
    // the node budget; blank and comment lines are not counted).
    let mut out = Vec::with_capacity(lines.block_len(MAX_RESERVED));
    let mut names = HashSet::with_capacity(out.capacity());
    let mut indent = None;
    while let Some(line) = lines.peek_significant() {
        if line.indent == 0 {
            break;
        }
        if *indent.get_or_insert(line.indent) != line.indent {
            return None;
        }
        lines.next_significant();
        let (name, def) = line.entry()?;
        if !names.insert(name.value) {
            return None;
        }
        let def = def?;
        // A list's span is its `[`, as the YAML reader gives it.
        let span = match def.value.starts_with('[') {
            true => Span::new(def.span.start, def.span.start + 1),
            false => def.span,
        };
        let def = Sp::new(read(def)?, span);
        out.push(Entry {
            name: owned(name),
            def,
        });
    }
    Some(out)
}

/// A node: a call string of plain characters.
fn node(value: Sp<&str>) -> Option<NodeDef> {
    let plain = |c: char| c.is_alphanumeric() || unicode_ident::is_xid_continue(c);
    let ok = value
        .value
        .chars()
        .all(|c| plain(c) || matches!(c, ' ' | '(' | ')' | ',' | '.' | '=' | '+' | '-'));
    (ok && looks_like_call(value.value)).then_some(NodeDef::Plain)
}

/// A leaf: a number or a rectangular flow list of numbers.
fn leaf(value: Sp<&str>) -> Option<ValueDef> {
    let v = value.value;
    if !v.starts_with('[') {
        return Some(ValueDef::Literal {
            shape: vec![],
            data: vec![number(v)?],
        });
    }
    let mut list = List::default();
    let rest = list.read(v, 0)?;
    let shape = list.shape.into_iter().collect::<Option<Vec<usize>>>()?;
    (rest.is_empty() && Some(shape.len()) == list.leaf_depth.map(|d| d + 1)).then_some(
        ValueDef::Literal {
            shape,
            data: list.data,
        },
    )
}

/// A nested flow list being read: each depth's length, the depth of the
/// numbers, the numbers in row-major order.
#[derive(Default)]
struct List {
    shape: Vec<Option<usize>>,
    leaf_depth: Option<usize>,
    data: Vec<f64>,
}

impl List {
    /// Reads the list at the start of `s`, at nesting `depth`; what follows.
    /// `None` for anything but a non-empty rectangular list of numbers.
    fn read<'a>(&mut self, s: &'a str, depth: usize) -> Option<&'a str> {
        if depth >= MAX_LIST_DEPTH {
            return None;
        }
        let mut s = s.strip_prefix('[')?.trim_start_matches(' ');
        let mut n = 0;
        loop {
            if s.starts_with('[') {
                s = self.read(s, depth + 1)?;
            } else {
                if *self.leaf_depth.get_or_insert(depth) != depth {
                    return None;
                }
                let end = s.find([',', ']', ' ']).unwrap_or(s.len());
                self.data.push(number(&s[..end])?);
                s = &s[end..];
            }
            n += 1;
            s = s.trim_start_matches(' ');
            match s.as_bytes().first() {
                Some(b',') => s = s[1..].trim_start_matches(' '),
                Some(b']') => break,
                _ => return None,
            }
        }
        if self.shape.len() <= depth {
            self.shape.resize(depth + 1, None);
        }
        if *self.shape[depth].get_or_insert(n) != n {
            return None;
        }
        Some(s[1..].trim_start_matches(' '))
    }
}

/// A number as YAML 1.2's core schema reads it, in the forms written here
/// the same way: `2`, `-0.5`, `1.5e-3`, `1E3`.
fn number(s: &str) -> Option<f64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if !all_digits(int)
        || (int.len() > 1 && int.starts_with('0'))
        || !frac.is_none_or(all_digits)
        || !exponent_ok
    {
        return None;
    }
    let x = if frac.is_none() && exponent.is_none() {
        // An integer: read as one, then converted (so `-0` is 0).
        if int.len() > 15 {
            return None;
        }
        s.parse::<i64>().ok()? as f64
    } else {
        s.parse::<f64>().ok()?
    };
    x.is_finite().then_some(x)
}

/// A plain scalar that reads as the same string in YAML: a name.
fn name_like(value: Sp<&str>) -> Option<Sp<&str>> {
    (is_valid_name(value.value) && !is_special(value.value)).then_some(value)
}

/// Free text that YAML reads as the same string.
fn description(value: Sp<&str>) -> Option<Sp<&str>> {
    let v = value.value;
    let first_ok = v.chars().next().is_some_and(char::is_alphanumeric);
    let chars_ok = !v.contains(|c: char| "#:'\"[]{}&*!|>%@`\\".contains(c) || c.is_control());
    (first_ok && chars_ok && !is_special(v) && v.parse::<f64>().is_err()).then_some(value)
}

/// Words YAML reads as something other than a string.
fn is_special(s: &str) -> bool {
    matches!(
        s,
        "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    )
}

fn owned(s: Sp<&str>) -> Sp<String> {
    Sp::new(s.value.to_string(), s.span)
}
