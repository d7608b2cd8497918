//! Text to [`Spec`]: serde-saphyr run with bpc's limits, its errors reworded.

use super::visit::RawSpec;
use super::yaml_error::yaml_error;
use super::{NodeDef, Spec, ValueDef};
use crate::diag::{Diagnostic, ErrorKind, Source, Sp, Span};

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
    /// Most blank answers written `key: ?` (each costs a parse).
    pub const MAX_BARE_BLANKS: usize = 256;
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
    match super::fast::parse(source) {
        Some(spec) => Ok(spec),
        None => parse_yaml(source),
    }
}

/// The general reader: all of YAML, every error worded.
pub(super) fn parse_yaml(source: &Source) -> Result<Spec, Diagnostic> {
    let text: &str = &source.text;
    // A blank answer written `key: ?` is not YAML (`?` starts a mapping key);
    // when the parser stops at one, it is read as `~` (same length, so every
    // span stays) and the parse goes on. A valid document is never changed.
    let mut working: Option<String> = None;
    for _ in 0..=limits::MAX_BARE_BLANKS {
        let t = working.as_deref().unwrap_or(text);
        match serde_saphyr::from_str_with_options(t, yaml_options(t.len())) {
            Ok(RawSpec(mut spec)) => {
                plain_calls(source, &mut spec);
                spec.source = source.clone();
                return Ok(spec);
            }
            Err(e) => {
                let d = yaml_error(source, &e);
                match d.span.filter(|s| is_bare_blank(t, s.start)) {
                    Some(s) => working
                        .get_or_insert_with(|| text.to_string())
                        .replace_range(s.start..s.start + 1, "~"),
                    None => return Err(d),
                }
            }
        }
    }
    Err(Diagnostic::new(
        ErrorKind::Limit,
        format!(
            "more than {} blanks written `: ?`; write them `~`",
            limits::MAX_BARE_BLANKS
        ),
    ))
}

/// True when the `?` at `at` is a mapping's whole value: `key: ?`, then only
/// spaces or a comment to the end of the line.
fn is_bare_blank(text: &str, at: usize) -> bool {
    if text.as_bytes().get(at) != Some(&b'?') {
        return false;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let after = text[at + 1..].split('\n').next().unwrap_or("");
    let after = after.trim_start_matches([' ', '\t', '\r']);
    before.ends_with([' ', '\t'])
        && before.trim_end().ends_with(':')
        && (after.is_empty() || after.starts_with('#'))
}

/// A call written as a plain scalar is kept once, in the source.
fn plain_calls(source: &Source, spec: &mut Spec) {
    for node in &mut spec.nodes {
        let span = node.def.span;
        if let NodeDef::Text(t) = &node.def.value
            && source.text.get(span.start..span.end) == Some(t.as_str())
        {
            node.def.value = NodeDef::Plain;
        }
    }
}

/// Parses a standalone value (the VALUE of `--set NAME=VALUE`).
pub fn parse_value(source: &Source) -> Result<Sp<ValueDef>, Diagnostic> {
    let options = yaml_options(source.text.len());
    serde_saphyr::from_str_with_options(&source.text, options).map_err(|e| yaml_error(source, &e))
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
    // YAML 1.2's core schema: only `true` and `false` are booleans, so that
    // `y`, `n`, `yes`, `no`, `on` and `off` are the names they look like.
    options.strict_booleans = true;
    options
}
