//! Source -> Spec: the YAML file read into serde types that keep every span.
//!
//! Nothing here judges meaning (names, ops, shapes): that is the graph's job.
//! This stage only turns text into structure and says where each piece was.
//! Values that may be a number, a list or a mapping are read by hand-written
//! visitors, because `#[serde(untagged)]` would lose the spans.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diag::{Diagnostic, ErrorKind, Source, Sp, Span};

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

/// A serde-saphyr error as a diagnostic pointing at its location, reworded
/// for people who write specs (what was found, what was expected, a fix).
fn yaml_error(source: &Source, e: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let e = e.without_snippet();
    // An error met while replaying an alias wraps the error itself.
    let mut inner = e;
    while let E::AliasError { error, .. } = inner {
        inner = error.without_snippet();
    }
    let yaml = ErrorKind::Yaml;
    let (kind, message, label, help): (ErrorKind, String, &str, Option<String>) = match inner {
        E::Budget { breach, .. } => {
            let (message, help) = budget_message(breach, source.text.len());
            (ErrorKind::Limit, message, "limit reached here", Some(help))
        }
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | E::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => {
            let found = describe_found(unexpected);
            let help = type_help(unexpected, expected);
            (
                yaml,
                format!("expected {expected}, found {found}"),
                "wrong kind of value",
                Some(help),
            )
        }
        E::SerdeMissingField { field, .. } => (
            ErrorKind::MissingKey,
            format!("this mapping has no `{field}`"),
            "missing a key",
            Some(match *field {
                "op" => {
                    "a node written as a mapping needs `op`: `{ op: mul, args: [a, b] }`".into()
                }
                "shape" | "init" => {
                    "an init needs `shape` and `init`: `{ shape: [2, 3], init: normal, std: 0.1 }`"
                        .into()
                }
                _ => format!("add `{field}: ...`"),
            }),
        ),
        E::SerdeUnknownField {
            field, expected, ..
        } => (
            ErrorKind::UnknownKey,
            format!("unknown key `{field}`"),
            "not a key here",
            Some(
                crate::diag::did_you_mean(field, expected.iter().copied()).unwrap_or_else(|| {
                    let keys: Vec<String> = expected.iter().map(|k| format!("`{k}`")).collect();
                    format!("the keys here are {}", keys.join(", "))
                }),
            ),
        ),
        E::DuplicateMappingKey { key, .. } => {
            let key = key
                .as_deref()
                .map(|k| format!("`{k}`"))
                .unwrap_or_else(|| "a key".into());
            (
                ErrorKind::DuplicateName,
                format!("{key} is written twice in the same mapping"),
                "written again here",
                Some("each key may appear once in a mapping: remove or rename one".into()),
            )
        }
        E::NonFiniteFloat { value, .. } => (
            ErrorKind::BadValue,
            format!("`{value}` is not a finite number"),
            "not finite",
            Some(
                "numbers in a spec are finite f64 values (at most about 1.8e308 in size); \
                 NaN and infinity cannot be written"
                    .into(),
            ),
        ),
        E::Eof { .. } => (
            yaml,
            "the file ends in the middle of a value".into(),
            "ends here",
            Some("close every `[`, `{` and quote that is opened".into()),
        ),
        other => {
            let message = other.to_string();
            // serde-saphyr appends " at line L, column C"; the underline says that already.
            let message = match message.find(" at line ") {
                Some(i) => &message[..i],
                None => &message,
            };
            let message = message.trim().trim_end_matches('.').to_string();
            let help = if message.contains("tabs") {
                "indent with spaces: YAML does not allow tabs".to_string()
            } else if message == "expected mapping start" {
                return Diagnostic::new(
                    yaml,
                    "a spec must be a mapping of keys (`inputs`, `nodes`, `output`, ...) to values",
                )
                .at(source, Span::new(0, 0), "not a mapping")
                .help("start from specs/fruit.yaml: `inputs:`, `nodes:` and `output:` each on a line of their own");
            } else {
                "YAML syntax: check the indentation, brackets and quotes here and on the lines above \
                 (a `[` or `{` left open runs on to the following lines)"
                    .to_string()
            };
            (yaml, message, "here", Some(help))
        }
    };
    let d = Diagnostic::new(kind, message).maybe_help(help);
    match e.location().and_then(|l| location_span(source, &l)) {
        Some(span) => d.at(source, span, label),
        None => d.at(source, Span::new(0, 0), ""),
    }
}

/// Message and help for a breached YAML budget.
fn budget_message(breach: &serde_saphyr::budget::BudgetBreach, len: usize) -> (String, String) {
    use serde_saphyr::budget::BudgetBreach as B;
    let aliases =
        "aliases (`*name`) repeat what their anchor (`&name`) holds; write the values out";
    match breach {
        B::Depth { depth } => (
            format!(
                "the YAML is nested {depth} levels deep; bpc accepts at most {}",
                limits::MAX_DEPTH
            ),
            "a tensor needs one level of `[` per axis; flatten the structure".into(),
        ),
        B::Aliases { aliases: n } => (
            format!(
                "the file uses {n} aliases; bpc accepts at most {}",
                limits::MAX_ALIASES
            ),
            aliases.into(),
        ),
        B::Anchors { anchors } => (
            format!(
                "the file defines {anchors} anchors; bpc accepts at most {}",
                limits::MAX_ALIASES
            ),
            aliases.into(),
        ),
        B::Nodes { nodes } => (
            format!(
                "the YAML expands to more than {} values (numbers, lists, mappings); bpc allows \
                 {} per byte of this {len}-byte file, plus {}",
                nodes.saturating_sub(1),
                limits::EXPANSION,
                limits::MIN_VALUES
            ),
            aliases.into(),
        ),
        B::Events { events } => (
            format!(
                "the YAML expands to more than {} parser events",
                events.saturating_sub(1)
            ),
            aliases.into(),
        ),
        B::AliasAnchorRatio {
            aliases: a,
            anchors,
        } => (
            format!("the file uses {a} aliases for only {anchors} anchors"),
            aliases.into(),
        ),
        B::RecordedAnchorEvents { .. } | B::RecordedAnchorBytes { .. } => (
            "the anchors (`&name`) in this file hold too much".into(),
            aliases.into(),
        ),
        other => (
            format!("the YAML is too large or too complex to read ({other:?})"),
            aliases.into(),
        ),
    }
}

/// serde's description of a found value, in the words of a spec.
fn describe_found(unexpected: &str) -> String {
    match unexpected {
        "unit value" => "nothing (an empty value, or `null`)".into(),
        "sequence" => "a list".into(),
        "map" => "a mapping".into(),
        other => other.replace('"', "`"),
    }
}

/// A fix for a value of the wrong kind, from what was expected.
fn type_help(unexpected: &str, expected: &str) -> String {
    if unexpected == "unit value" {
        return "write a value after the `:`, for example `n_X: 2`".into();
    }
    if expected.starts_with("a call") {
        return "a node is an op applied to arguments, like `y: mul(a, 2)`; \
                put a constant under `inputs` instead"
            .into();
    }
    if expected.starts_with("a number or a list of numbers") {
        return "every element of a tensor is a number, like `[[1, 2], [3, 4]]`".into();
    }
    if expected.starts_with("a number, a list") {
        return "a value is a number (`2`), a rectangular list (`[[1, 2], [3, 4]]`) \
                or an init (`{ shape: [2, 3], init: normal, std: 0.1 }`)"
            .into();
    }
    if expected.starts_with("a mapping of names") {
        return "write one `name: definition` per line, indented under the key".into();
    }
    format!("write {expected} here")
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

// ---------------------------------------------------------------------------
// Visitors

struct RawSpec(Spec);

impl<'de> Deserialize<'de> for RawSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SpecVisitor)
    }
}

struct SpecVisitor;

impl<'de> Visitor<'de> for SpecVisitor {
    type Value = RawSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a spec: a mapping with keys such as `inputs`, `nodes` and `output`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSpec, A::Error> {
        let mut spec = Spec {
            source: Source::new("", ""),
            name: None,
            description: None,
            inputs: Vec::new(),
            params: Vec::new(),
            nodes: Vec::new(),
            output: None,
            expect: None,
            train: None,
            data: None,
            unknown_keys: Vec::new(),
        };
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let key = sp(key);
            match key.value.as_str() {
                "name" => spec.name = Some(sp(map.next_value::<Spanned<String>>()?)),
                "description" => spec.description = Some(map.next_value::<String>()?),
                "inputs" => spec.inputs = map.next_value::<Entries<ValueDef>>()?.0,
                "params" => spec.params = map.next_value::<Entries<ValueDef>>()?.0,
                "nodes" => spec.nodes = map.next_value::<Entries<NodeDef>>()?.0,
                "output" => spec.output = Some(sp(map.next_value::<Spanned<String>>()?)),
                "expect" => spec.expect = Some(map.next_value::<RawExpect>()?.0),
                "train" => spec.train = Some(sp(map.next_value::<Spanned<TrainDef>>()?)),
                "data" => spec.data = Some(sp(map.next_value::<Spanned<RawData>>()?).map(|d| d.0)),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                    spec.unknown_keys.push(key);
                }
            }
        }
        Ok(RawSpec(spec))
    }
}

impl<T> Sp<T> {
    /// Maps the value, keeping the span.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sp<U> {
        Sp::new(f(self.value), self.span)
    }
}

/// A mapping read in file order, keys and values spanned; empty for `null`.
struct Entries<T>(Vec<Entry<T>>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of names to definitions")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Entries(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = map.next_key::<Spanned<String>>()? {
                    let def = map.next_value::<Spanned<T>>()?;
                    out.push(Entry {
                        name: sp(name),
                        def: sp(def),
                    });
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One element of a nested list literal.
enum Elem {
    Num(f64),
    List(Vec<Spanned<Elem>>),
}

impl<'de> Deserialize<'de> for Elem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Elem;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a list of numbers")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Elem, E> {
                Ok(Elem::Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Elem, E> {
                Ok(Elem::Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Elem, E> {
                Ok(Elem::Num(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Elem, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Elem>>()? {
                    items.push(item);
                }
                Ok(Elem::List(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// Flattens a nested list into (shape, row-major data), or says where it is ragged.
fn flatten(items: Vec<Spanned<Elem>>) -> ValueDef {
    // The shape is read off the first element at each depth; every other
    // element is then checked against it, without recursion.
    let mut shape = vec![items.len()];
    {
        let mut first = items.first();
        while let Some(Spanned {
            value: Elem::List(inner),
            ..
        }) = first
        {
            shape.push(inner.len());
            first = inner.first();
        }
    }
    let mut data = Vec::with_capacity(shape.iter().product());
    // Stack of (depth, element) in reverse so elements come out in order.
    let mut stack: Vec<(usize, Spanned<Elem>)> = items.into_iter().rev().map(|e| (1, e)).collect();
    while let Some((depth, elem)) = stack.pop() {
        let span = span_of(&elem.referenced);
        match elem.value {
            Elem::Num(x) if depth == shape.len() => data.push(x),
            Elem::Num(_) => {
                return ValueDef::Bad {
                    message: format!(
                        "ragged tensor: found a number where a list of {} was expected \
                         (the first element has shape {})",
                        shape[depth],
                        crate::tensor::shape_text(&shape[depth - 1..])
                    ),
                    span,
                };
            }
            Elem::List(inner) if depth < shape.len() && inner.len() == shape[depth] => {
                stack.extend(inner.into_iter().rev().map(|e| (depth + 1, e)));
            }
            Elem::List(inner) => {
                let message = if depth >= shape.len() {
                    "ragged tensor: found a list where a number was expected".to_string()
                } else {
                    format!(
                        "ragged tensor: this list has {} elements but the first one at \
                         the same depth has {}",
                        inner.len(),
                        shape[depth]
                    )
                };
                return ValueDef::Bad { message, span };
            }
        }
    }
    ValueDef::Literal { shape, data }
}

impl<'de> Deserialize<'de> for ValueDef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ValueDef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a number, a list of numbers, or an init mapping like \
                     `{ shape: [2, 3], init: normal, std: 0.1, seed: 0 }`",
                )
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ValueDef, E> {
                Ok(ValueDef::Literal {
                    shape: vec![],
                    data: vec![v],
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ValueDef, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ValueDef, E> {
                self.visit_f64(v as f64)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValueDef, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Elem>>()? {
                    items.push(item);
                }
                Ok(flatten(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueDef, A::Error> {
                let init = InitDef::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ValueDef::Init(Box::new(init)))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for NodeDef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NodeDef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a call like `mul(a, b)` or a mapping like `{ op: mul, args: [a, b] }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeDef, E> {
                Ok(NodeDef::Text(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeDef, A::Error> {
                let mut op = None;
                let mut args = None;
                let mut attrs = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let key = sp(key);
                    match key.value.as_str() {
                        "op" => op = Some(sp(map.next_value::<Spanned<String>>()?)),
                        "args" => {
                            let list = map.next_value::<Vec<Spanned<ArgValue>>>()?;
                            args = Some(list.into_iter().map(|a| sp(a).map(|a| a.0)).collect());
                        }
                        _ => attrs.push((
                            key,
                            sp(map.next_value::<Spanned<AttrValue>>()?).map(|a| a.0),
                        )),
                    }
                }
                let op = op.ok_or_else(|| de::Error::missing_field("op"))?;
                Ok(NodeDef::Map(Call {
                    op,
                    args: args.unwrap_or_default(),
                    attrs,
                }))
            }
        }
        d.deserialize_any(V)
    }
}

struct ArgValue(Arg);

impl<'de> Deserialize<'de> for ArgValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ArgValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ArgValue, E> {
                Ok(ArgValue(Arg::Name(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ArgValue, E> {
                Ok(ArgValue(Arg::Number(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ArgValue, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ArgValue, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

struct AttrValue(Attr);

impl<'de> Deserialize<'de> for AttrValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AttrValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AttrValue, E> {
                Ok(AttrValue(Attr::Text(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<AttrValue, E> {
                Ok(AttrValue(Attr::Text(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<AttrValue, E> {
                Ok(AttrValue(Attr::Number(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AttrValue, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AttrValue, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

struct RawExpect(ExpectDef);

impl<'de> Deserialize<'de> for RawExpect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawExpect;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping with `values`, `grads`, `rtol`, `atol`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawExpect, A::Error> {
                let mut e = ExpectDef::default();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let key = sp(key);
                    match key.value.as_str() {
                        "values" => e.values = map.next_value::<Entries<ValueDef>>()?.0,
                        "grads" => e.grads = map.next_value::<Entries<ValueDef>>()?.0,
                        "rtol" => e.rtol = Some(sp(map.next_value::<Spanned<f64>>()?)),
                        "atol" => e.atol = Some(sp(map.next_value::<Spanned<f64>>()?)),
                        "hidden" => e.hidden = Some(sp(map.next_value::<Spanned<bool>>()?)),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                            e.unknown_keys.push(key);
                        }
                    }
                }
                Ok(RawExpect(e))
            }
        }
        d.deserialize_map(V)
    }
}

/// The keys `expect` knows.
pub const EXPECT_KEYS: &[&str] = &["values", "grads", "rtol", "atol", "hidden"];

struct RawData(DataDef);

impl<'de> Deserialize<'de> for RawData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawData;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of input names to rows, or `{ csv: FILE, columns: {...} }`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawData, A::Error> {
                let mut data = DataDef::default();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let key = sp(key);
                    match key.value.as_str() {
                        "csv" => data.csv = Some(sp(map.next_value::<Spanned<String>>()?)),
                        "columns" => data.columns = map.next_value::<Entries<Columns>>()?.0,
                        _ => {
                            let def = sp(map.next_value::<Spanned<ValueDef>>()?);
                            data.inline.push(Entry { name: key, def });
                        }
                    }
                }
                Ok(RawData(data))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Columns {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Columns;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a column name or a list of column names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Columns, E> {
                Ok(Columns::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Columns, A::Error> {
                let mut names = Vec::new();
                while let Some(n) = seq.next_element::<Spanned<String>>()? {
                    names.push(sp(n));
                }
                Ok(Columns::Many(names))
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------
// Call strings

impl NodeDef {
    /// The node as a [`Call`]; a call string is parsed here, its pieces spanned
    /// relative to where the string stands in `source` (`span`).
    pub fn to_call(&self, source: &Source, span: Span) -> Result<Call, Diagnostic> {
        match self {
            NodeDef::Map(call) => Ok(call.clone()),
            NodeDef::Text(text) => parse_call(source, text, span),
        }
    }
}

/// Parses `op(arg, 2.5, key=value)`.
fn parse_call(source: &Source, text: &str, span: Span) -> Result<Call, Diagnostic> {
    // Offsets inside the string are offsets from where its text starts in the
    // file: one past the quote for a quoted scalar. Escapes inside quotes are
    // not expected in call strings; spans are then only approximate.
    let quoted = matches!(source.text.as_bytes().get(span.start), Some(b'"' | b'\''));
    let base = span.start + usize::from(quoted);
    let at = |a: usize, b: usize| Span::new(base + a, base + b);
    let err = |a: usize, b: usize, msg: String, label: &str| {
        Diagnostic::new(ErrorKind::Yaml, msg)
            .at(source, at(a, b), label)
            .help("write a node as `op(arg, arg, key=value)`, for example `mul(price, count)`")
    };

    let open = match text.find('(') {
        Some(i) => i,
        None => {
            let t = text.trim();
            let start = text.len() - text.trim_start().len();
            return Err(err(
                start,
                start + t.len(),
                format!("`{t}` is not a call: expected `op(args...)`"),
                "expected `(` after the op name",
            ));
        }
    };
    let op_text = &text[..open];
    let op_start = op_text.len() - op_text.trim_start().len();
    let op = Sp::new(
        op_text.trim().to_string(),
        at(op_start, op_start + op_text.trim().len()),
    );
    let trimmed_end = text.trim_end();
    if !trimmed_end.ends_with(')') {
        return Err(err(
            trimmed_end.len(),
            trimmed_end.len(),
            format!("unclosed call `{}`: expected `)` at the end", text.trim()),
            "expected `)`",
        ));
    }
    let close = trimmed_end.len() - 1;
    let inner = &text[open + 1..close];
    if inner.contains(['(', ')']) {
        let i = open + 1 + inner.find(['(', ')']).unwrap_or(0);
        return Err(err(
            i,
            i + 1,
            "calls cannot be nested: give the inner call a node of its own".to_string(),
            "nested call",
        ));
    }
    let mut args = Vec::new();
    let mut attrs = Vec::new();
    if !inner.trim().is_empty() {
        let mut offset = open + 1;
        for piece in inner.split(',') {
            let lead = piece.len() - piece.trim_start().len();
            let t = piece.trim();
            let (a, b) = (offset + lead, offset + lead + t.len());
            offset += piece.len() + 1;
            if t.is_empty() {
                return Err(err(
                    a,
                    a,
                    "empty argument in call".to_string(),
                    "nothing between commas",
                ));
            }
            if let Some(eq) = t.find('=') {
                let key = t[..eq].trim();
                let val = t[eq + 1..].trim();
                let val_start = a + eq + 1 + (t[eq + 1..].len() - t[eq + 1..].trim_start().len());
                let attr = match val.parse::<f64>() {
                    Ok(x) => Attr::Number(x),
                    Err(_) => Attr::Text(val.to_string()),
                };
                attrs.push((
                    Sp::new(key.to_string(), at(a, a + key.len())),
                    Sp::new(attr, at(val_start, val_start + val.len())),
                ));
            } else {
                let arg = match t.parse::<f64>() {
                    Ok(x)
                        if !t
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_alphabetic() || c == '_') =>
                    {
                        Arg::Number(x)
                    }
                    _ => Arg::Name(t.to_string()),
                };
                args.push(Sp::new(arg, at(a, b)));
            }
        }
    }
    Ok(Call { op, args, attrs })
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
