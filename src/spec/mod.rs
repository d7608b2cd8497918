//! Source -> Spec: the YAML file read into serde types that keep every span.
//!
//! Nothing here judges meaning (names, ops, shapes): that is the graph's job.
//! This stage only turns text into structure and says where each piece was.
//! Values that may be a number, a list or a mapping are read by hand-written
//! visitors, because `#[serde(untagged)]` would lose the spans.
//!
//! Files: the types (here); `parse` (limits, then the fast path in `fast`
//! for plain specs, else serde-saphyr); `located` (the one place a YAML
//! location becomes a span); `visit` and `value` (the visitors); `call`
//! (call strings); `yaml_error` and `layout` (YAML errors in a spec's words,
//! at the line of the mistake).

mod call;
mod exercise;
mod fast;
mod layout;
mod located;
mod parse;
#[cfg(test)]
mod tests;
mod value;
mod visit;
mod yaml_error;

use serde::Deserialize;

use crate::diag::{Diagnostic, Source, Sp, Span};
pub use exercise::{AnswerDef, QUESTION_KEYS, QuestionDef, VariantDef, VaryDef, VaryRuleDef};
pub use parse::{limits, parse, parse_value};

/// The two readers apart, for the fuzz target and tests: the fast path's
/// spec (`None` where it does not apply) and the general reader's result.
/// [`parse`] is the one to use.
#[doc(hidden)]
pub fn parse_each_way(source: &Source) -> (Option<Spec>, Result<Spec, Diagnostic>) {
    (fast::parse(source), parse::parse_yaml(source))
}

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
    /// `vary:` of an exercise's key, if given (extension).
    pub vary: Option<Sp<VaryDef>>,
    /// `variant:` of a student's handout, if given (extension).
    pub variant: Option<Sp<VariantDef>>,
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
    "vary",
    "variant",
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
    pub shape: Sp<Vec<i64>>,
    /// `zeros`, `ones`, `normal`, `uniform`, `xavier` or `he`.
    pub init: Sp<String>,
    /// Standard deviation of `normal` (default 1).
    pub std: Option<Sp<f64>>,
    /// Mean of `normal` (default 0).
    pub mean: Option<Sp<f64>>,
    /// Lower bound of `uniform` (default 0).
    pub low: Option<Sp<f64>>,
    /// Upper bound of `uniform` (default 1).
    pub high: Option<Sp<f64>>,
    /// Seed of the random stream (default 0).
    pub seed: Option<Sp<u64>>,
}

/// A node as written: a call string or a mapping.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeDef {
    /// `mul(a, b, axis=0)` written as a plain scalar: the call is the spec's
    /// text at the node's span (kept once, in the source, not copied per
    /// node). Parsed into a [`Call`] by [`NodeDef::to_call`].
    Plain,
    /// A call string whose text differs from what is written (quoted, with
    /// escapes or folded lines).
    Text(String),
    /// `{ op: mul, args: [a, b], axis: 0 }` (boxed: a call is much larger
    /// than a string, and most nodes are strings).
    Map(Box<Call>),
}

/// A node's op, arguments and attributes, each with its span. `S` is how
/// text is held: owned in a node written as a mapping, borrowed from the
/// spec in the call [`NodeDef::to_call`] hands out (no copy per node).
#[derive(Clone, Debug, PartialEq)]
pub struct Call<S = String> {
    /// The op's name.
    pub op: Sp<S>,
    /// The arguments, in order.
    pub args: Vec<Sp<Arg<S>>>,
    /// `key=value` attributes, in order.
    pub attrs: Vec<(Sp<S>, Sp<Attr<S>>)>,
}

/// One argument of a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<S = String> {
    /// The name of an input, param or node.
    Name(S),
    /// A numeric literal.
    Number(f64),
}

/// The longest list an attribute may hold (longer ones are kept as text,
/// for the message).
pub const MAX_ATTR_LIST: usize = 32;

/// An attribute's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Attr<S = String> {
    /// A number (`axis=1`, `alpha=0.2`).
    Number(f64),
    /// A list of numbers (`shape=[2, 3]`), at most [`MAX_ATTR_LIST`] long.
    List(Vec<f64>),
    /// Anything else, kept as text for the message.
    Text(S),
}

/// `expect:` of an exercise: its questions.
#[derive(Clone, Debug, Default)]
pub struct ExpectDef {
    /// Expected forward values.
    pub values: Vec<Entry<QuestionDef>>,
    /// Expected gradients.
    pub grads: Vec<Entry<QuestionDef>>,
    /// Relative tolerance (default 1e-6).
    pub rtol: Option<Sp<f64>>,
    /// Absolute tolerance (default 1e-9).
    pub atol: Option<Sp<f64>>,
    /// Hide computed answers when grading (extension).
    pub hidden: Option<Sp<bool>>,
    /// Keys of `expect` bpc does not know.
    pub unknown_keys: Vec<Sp<String>>,
}

/// `train:` settings, each optional (defaults live with the trainer and
/// each optimizer).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainDef {
    /// Node to minimise (default: `output`).
    pub loss: Option<Sp<String>>,
    /// `sgd`, `momentum` or `adam`.
    pub optimizer: Option<Sp<String>>,
    /// Learning rate.
    pub lr: Option<Sp<f64>>,
    /// Momentum factor (`momentum` only).
    pub momentum: Option<Sp<f64>>,
    /// Adam's beta1 (extension; default 0.9).
    pub beta1: Option<Sp<f64>>,
    /// Adam's beta2 (extension; default 0.999).
    pub beta2: Option<Sp<f64>>,
    /// Adam's epsilon (extension; default 1e-8).
    pub eps: Option<Sp<f64>>,
    /// Passes over the data.
    pub epochs: Option<Sp<u64>>,
    /// Rows per step (default: all).
    pub batch_size: Option<Sp<u64>>,
    /// Shuffle rows each epoch.
    pub shuffle: Option<Sp<bool>>,
    /// Seed of the shuffle.
    pub seed: Option<Sp<u64>>,
    /// Print the loss every this many epochs.
    pub log_every: Option<Sp<u64>>,
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
    /// `test:` held-out rows for `bpc train` (extension).
    pub test: Option<Sp<TestDef>>,
}

/// `data.test`: the rows `bpc train` holds out to measure the trained
/// params on data it never trained on.
#[derive(Clone, Debug, PartialEq)]
pub enum TestDef {
    /// `test: 0.2`: this fraction of the rows, chosen by the spec's seed.
    Fraction(f64),
    /// `test: test.csv`: a CSV file (relative to the spec) with the columns
    /// of `columns`.
    Csv(String),
    /// Anything else, described for the message (`a boolean`, `a mapping`).
    Bad(String),
}

/// The CSV columns bound to one input.
#[derive(Clone, Debug, PartialEq)]
pub enum Columns {
    /// One column: a 1-D tensor `[rows]`.
    One(String),
    /// Several columns: a 2-D tensor `[rows, columns]`.
    Many(Vec<Sp<String>>),
}

impl Spec {
    /// A spec with nothing in it yet, read from `source`.
    pub(crate) fn empty(source: Source) -> Spec {
        Spec {
            source,
            name: None,
            description: None,
            inputs: Vec::new(),
            params: Vec::new(),
            nodes: Vec::new(),
            output: None,
            expect: None,
            train: None,
            data: None,
            vary: None,
            variant: None,
            unknown_keys: Vec::new(),
        }
    }

    /// The help for an unknown top-level key: a near-miss key, a node written
    /// without `nodes:` above it, or the list of keys.
    pub fn unknown_key_help(&self, key: &Sp<String>) -> String {
        if let Some(h) = crate::diag::did_you_mean(&key.value, TOP_LEVEL_KEYS.iter().copied()) {
            return h;
        }
        // The rest of the key's line: `: mul(a, b)`.
        let rest = self.source.text.get(key.span.end..).unwrap_or("");
        let value = rest
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches([':', ' ']);
        if call::looks_like_call(value) {
            return format!(
                "`{}: {}` is a node: did you forget `nodes:`? Write `nodes:` on a line above \
                 and indent the nodes under it",
                key.value,
                value.trim()
            );
        }
        let keys: Vec<String> = TOP_LEVEL_KEYS.iter().map(|k| format!("`{k}`")).collect();
        format!("the keys of a spec are {}", keys.join(", "))
    }
}

/// True for a valid name: a letter of any script or `_`, then letters,
/// digits and `_` (Unicode's identifier rule, XID_Start then XID_Continue, as
/// in Rust and Python): `n_X`, `_x1`, `數量`.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || unicode_ident::is_xid_start(c))
        && chars.all(unicode_ident::is_xid_continue)
}
