//! Source -> Spec: the YAML file read into serde types that keep every span.
//!
//! Nothing here judges meaning (names, ops, shapes): that is the graph's job.
//! This stage only turns text into structure and says where each piece was.
//! Values that may be a number, a list or a mapping are read by hand-written
//! visitors, because `#[serde(untagged)]` would lose the spans.

mod call;
mod visit;
mod yaml_error;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diag::{Diagnostic, ErrorKind, Source, Sp, Span};
use visit::RawSpec;
use yaml_error::yaml_error;

/// A parsed spec: the contents of one file, every piece with its span.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The text it was read from.
    pub source: Source,
    /// `name:`, if given.
    pub name: Option<Sp<String>>,
    /// `description:`, if given.
    pub description: Option<String>,
    /// `inputs:` in file order.
    pub inputs: Vec<Entry<ValueDef>>,
    /// `params:` in file order.
    pub params: Vec<Entry<ValueDef>>,
    /// `nodes:` in file order.
    pub nodes: Vec<Entry<NodeDef>>,
    /// `output:`, if given (its absence is reported by the graph builder).
    pub output: Option<Sp<String>>,
    /// `expect:`, if given.
    pub expect: Option<ExpectDef>,
    /// `train:`, if given.
    pub train: Option<Sp<TrainDef>>,
    /// `data:`, if given.
    pub data: Option<Sp<DataDef>>,
    /// Top-level keys bpc does not know (reported with a suggestion).
    pub unknown_keys: Vec<Sp<String>>,
}

/// The top-level keys of a spec, for messages and suggestions.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "name",
    "description",
    "inputs",
    "params",
    "nodes",
    "output",
    "expect",
    "train",
    "data",
];

/// The keys `expect` knows.
pub const EXPECT_KEYS: &[&str] = &["values", "grads", "rtol", "atol", "hidden"];

/// `name: definition`, both with spans.
#[derive(Clone, Debug)]
pub struct Entry<T> {
    /// The key.
    pub name: Sp<String>,
    /// The value.
    pub def: Sp<T>,
}

/// A leaf's value as written: a number, a nested list, or an init mapping.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueDef {
    /// A literal tensor (a scalar has shape `[]`), elements in row-major order.
    Literal { shape: Vec<usize>, data: Vec<f64> },
    /// A seeded initializer (boxed: it is much larger than the other variants).
    Init(Box<InitDef>),
    /// Something that is not a value; the message says why, the span where.
    Bad { message: String, span: Span },
}

/// `{ shape: [2, 3], init: normal, std: 0.01, seed: 7 }`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitDef {
    /// The tensor's shape.
    pub shape: Spanned<Vec<i64>>,
    /// `zeros`, `ones`, `normal`, `uniform`, `xavier` or `he`.
    pub init: Spanned<String>,
    /// Standard deviation of `normal` (default 1).
    pub std: Option<Spanned<f64>>,
    /// Mean of `normal` (default 0).
    pub mean: Option<Spanned<f64>>,
    /// Lower bound of `uniform` (default 0).
    pub low: Option<Spanned<f64>>,
    /// Upper bound of `uniform` (default 1).
    pub high: Option<Spanned<f64>>,
    /// Seed of the random stream (default 0).
    pub seed: Option<Spanned<u64>>,
}

/// A node as written: a call string or a mapping.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeDef {
    /// `mul(a, b, axis=0)`; parsed into a [`Call`] by [`NodeDef::to_call`].
    Text(String),
    /// `{ op: mul, args: [a, b], axis: 0 }`.
    Map(Call),
}

/// A node's op, arguments and attributes, each with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The op's name.
    pub op: Sp<String>,
    /// The arguments, in order.
    pub args: Vec<Sp<Arg>>,
    /// `key=value` attributes, in order.
    pub attrs: Vec<(Sp<String>, Sp<Attr>)>,
}

/// One argument of a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// The name of an input, param or node.
    Name(String),
    /// A numeric literal.
    Number(f64),
}

/// An attribute's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Attr {
    /// A number (`axis=1`, `alpha=0.2`).
    Number(f64),
    /// Anything else, kept as text for the message.
    Text(String),
}

/// `expect:` of an exercise.
#[derive(Clone, Debug, Default)]
pub struct ExpectDef {
    /// Expected forward values.
    pub values: Vec<Entry<ValueDef>>,
    /// Expected gradients.
    pub grads: Vec<Entry<ValueDef>>,
    /// Relative tolerance (default 1e-6).
    pub rtol: Option<Sp<f64>>,
    /// Absolute tolerance (default 1e-9).
    pub atol: Option<Sp<f64>>,
    /// Hide computed answers when grading (extension).
    pub hidden: Option<Sp<bool>>,
    /// Keys of `expect` bpc does not know.
    pub unknown_keys: Vec<Sp<String>>,
}

/// `train:` settings, each optional (defaults live with the trainer).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainDef {
    /// Node to minimise (default: `output`).
    pub loss: Option<Spanned<String>>,
    /// `sgd`, `momentum` or `adam`.
    pub optimizer: Option<Spanned<String>>,
    /// Learning rate.
    pub lr: Option<Spanned<f64>>,
    /// Momentum factor (`momentum` only).
    pub momentum: Option<Spanned<f64>>,
    /// Adam's beta1 (extension; default 0.9).
    pub beta1: Option<Spanned<f64>>,
    /// Adam's beta2 (extension; default 0.999).
    pub beta2: Option<Spanned<f64>>,
    /// Adam's epsilon (extension; default 1e-8).
    pub eps: Option<Spanned<f64>>,
    /// Passes over the data.
    pub epochs: Option<Spanned<u64>>,
    /// Rows per step (default: all).
    pub batch_size: Option<Spanned<u64>>,
    /// Shuffle rows each epoch.
    pub shuffle: Option<Spanned<bool>>,
    /// Seed of the shuffle.
    pub seed: Option<Spanned<u64>>,
    /// Print the loss every this many epochs.
    pub log_every: Option<Spanned<u64>>,
}

/// `data:` inline, or from a CSV file.
#[derive(Clone, Debug, Default)]
pub struct DataDef {
    /// `csv: file.csv`, relative to the spec.
    pub csv: Option<Sp<String>>,
    /// `columns: { x: [a, b], y: c }` for CSV data.
    pub columns: Vec<Entry<Columns>>,
    /// Inline data: input name -> rows.
    pub inline: Vec<Entry<ValueDef>>,
}

/// The CSV columns bound to one input.
#[derive(Clone, Debug, PartialEq)]
pub enum Columns {
    /// One column: a 1-D tensor `[rows]`.
    One(String),
    /// Several columns: a 2-D tensor `[rows, columns]`.
    Many(Vec<Sp<String>>),
}

// ---------------------------------------------------------------------------
// Parsing

/// Limits that keep a hostile file from exhausting the machine.
pub mod limits {
    /// Largest spec file read, in bytes.
    pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;
    /// Deepest YAML nesting accepted. The YAML reader recurses once per
    /// level (tens of KB of stack each in a debug build), so this also keeps
    /// parsing within a 2 MB thread stack; a spec needs 2 levels plus one
    /// per tensor axis.
    pub const MAX_DEPTH: usize = 32;
    /// Most alias (`*x`) uses accepted.
    pub const MAX_ALIASES: usize = 1_000;
    /// YAML values (scalars, lists, mappings) allowed per byte of file:
    /// aliases may repeat data, but not blow a small file up into a huge one.
    pub const EXPANSION: usize = 4;
    /// YAML values allowed in any file, however small.
    pub const MIN_VALUES: usize = 10_000;
}

/// Parses a spec from its source text. YAML errors stop the parse; everything
/// else (unknown names, shapes) is judged later, all at once.
pub fn parse(source: &Source) -> Result<Spec, Diagnostic> {
    let text: &str = &source.text;
    if text.len() > limits::MAX_FILE_BYTES {
        return Err(Diagnostic::new(
            ErrorKind::Limit,
            format!(
                "`{}` is {} bytes; bpc reads specs of at most {} bytes",
                source.name,
                text.len(),
                limits::MAX_FILE_BYTES
            ),
        ));
    }
    if is_blank(text) {
        return Err(Diagnostic::new(
            ErrorKind::MissingKey,
            format!(
                "`{}` is empty: a spec needs at least `nodes` and `output`",
                source.name
            ),
        )
        .at(source, Span::new(0, 0), "nothing here")
        .help("start from specs/fruit.yaml, or see docs/spec-format.md"));
    }
    let options = yaml_options(text.len());
    let mut spec: Spec = serde_saphyr::from_str_with_options(text, options)
        .map(|raw: RawSpec| raw.0)
        .map_err(|e| yaml_error(source, &e))?;
    spec.source = source.clone();
    Ok(spec)
}

/// Parses a standalone value (the VALUE of `--set NAME=VALUE`).
pub fn parse_value(source: &Source) -> Result<Sp<ValueDef>, Diagnostic> {
    let options = yaml_options(source.text.len());
    let v: Spanned<ValueDef> = serde_saphyr::from_str_with_options(&source.text, options)
        .map_err(|e| yaml_error(source, &e))?;
    Ok(sp(v))
}

fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    })
}

fn yaml_options(len: usize) -> serde_saphyr::Options {
    // Size the budget from the file's length: a file of n bytes holds at most
    // about n values without aliases, so an alias bomb (a few hundred bytes
    // that expand to billions of values) stops after EXPANSION values a byte.
    let values = len
        .saturating_mul(limits::EXPANSION)
        .saturating_add(limits::MIN_VALUES);
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = values;
    budget.max_events = values.saturating_mul(2);
    budget.max_total_scalar_bytes = values.max(1 << 20);
    budget.max_depth = limits::MAX_DEPTH;
    budget.max_aliases = limits::MAX_ALIASES;
    budget.max_anchors = limits::MAX_ALIASES;
    budget.max_documents = 1;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.with_snippet = false;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options
}

/// The byte span of a serde-saphyr location, if it has one.
fn location_span(source: &Source, loc: &serde_saphyr::Location) -> Option<Span> {
    if loc.line() == 0 {
        return None;
    }
    let span = loc.span();
    let start = match span.byte_offset() {
        Some(b) => b as usize,
        None => offset_of_line_col(&source.text, loc.line() as usize, loc.column() as usize)?,
    };
    let len = span.byte_len().unwrap_or(0) as usize;
    let start = start.min(source.text.len());
    Some(Span::new(start, (start + len).min(source.text.len())))
}

fn offset_of_line_col(text: &str, line: usize, col: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = &text[line_start..];
    let off = rest
        .char_indices()
        .nth(col.saturating_sub(1))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    Some(line_start + off)
}

fn span_of(loc: &serde_saphyr::Location) -> Span {
    let span = loc.span();
    match span.byte_offset() {
        Some(b) if loc.line() != 0 => {
            let b = b as usize;
            Span::new(b, b + span.byte_len().unwrap_or(0) as usize)
        }
        _ => Span::default(),
    }
}

fn sp<T>(s: Spanned<T>) -> Sp<T> {
    let span = span_of(&s.referenced);
    Sp::new(s.value, span)
}

/// True for a valid name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Spec, Diagnostic> {
        parse(&Source::new("t.yaml", text))
    }

    #[test]
    fn keys_and_values_keep_their_spans() {
        let text =
            "inputs:\n  n_X: 2\n  w: [[1, 2], [3, 4]]\nnodes:\n  y: mul(n_X, w)\noutput: y\n";
        let spec = parse_str(text).unwrap();
        let n = &spec.inputs[0];
        assert_eq!(&text[n.name.span.start..n.name.span.end], "n_X");
        assert_eq!(
            n.def.value,
            ValueDef::Literal {
                shape: vec![],
                data: vec![2.0]
            }
        );
        assert_eq!(
            spec.inputs[1].def.value,
            ValueDef::Literal {
                shape: vec![2, 2],
                data: vec![1.0, 2.0, 3.0, 4.0]
            }
        );
        let node = &spec.nodes[0];
        let call = node.def.value.to_call(&spec.source, node.def.span).unwrap();
        assert_eq!(&text[call.op.span.start..call.op.span.end], "mul");
        assert_eq!(&text[call.args[1].span.start..call.args[1].span.end], "w");
        assert_eq!(spec.output.unwrap().value, "y");
    }

    #[test]
    fn quoted_call_strings_shift_by_one() {
        let text = "nodes:\n  y: \"add(a, 2.5)\"\noutput: y\n";
        let spec = parse_str(text).unwrap();
        let node = &spec.nodes[0];
        let call = node.def.value.to_call(&spec.source, node.def.span).unwrap();
        assert_eq!(&text[call.args[0].span.start..call.args[0].span.end], "a");
        assert_eq!(call.args[1].value, Arg::Number(2.5));
    }

    #[test]
    fn mapping_nodes_read_attributes() {
        let text = "nodes:\n  p: { op: softmax, args: [z], axis: 1 }\noutput: p\n";
        let spec = parse_str(text).unwrap();
        let NodeDef::Map(call) = &spec.nodes[0].def.value else {
            panic!("expected a mapping")
        };
        assert_eq!(call.op.value, "softmax");
        assert_eq!(call.attrs[0].0.value, "axis");
        assert_eq!(call.attrs[0].1.value, Attr::Number(1.0));
        assert_eq!(
            &text[call.attrs[0].0.span.start..call.attrs[0].0.span.end],
            "axis"
        );
    }

    #[test]
    fn ragged_lists_point_at_the_bad_row() {
        let text = "inputs:\n  w: [[1, 2], [3]]\nnodes: {}\noutput: w\n";
        let spec = parse_str(text).unwrap();
        let ValueDef::Bad { span, message } = &spec.inputs[0].def.value else {
            panic!()
        };
        assert!(message.contains("1 elements"), "{message}");
        assert_eq!(&text[span.start..span.start + 3], "[3]");
    }

    #[test]
    fn unknown_top_level_keys_are_collected() {
        let spec = parse_str("nodez: {}\noutput: y\n").unwrap();
        assert_eq!(spec.unknown_keys[0].value, "nodez");
        assert_eq!(spec.unknown_keys[0].span, Span::new(0, 5));
    }

    #[test]
    fn yaml_errors_have_a_location() {
        let e = parse_str("nodes:\n  y: [1, 2\noutput: y\n").unwrap_err();
        assert!(e.location().is_some(), "{e}");
        let e = parse_str("").unwrap_err();
        assert!(e.message.contains("empty"));
    }

    #[test]
    fn names_follow_the_identifier_rule() {
        assert!(is_valid_name("b_TAX"));
        assert!(is_valid_name("_x1"));
        assert!(!is_valid_name("1x"));
        assert!(!is_valid_name("a-b"));
        assert!(!is_valid_name(""));
    }
}
