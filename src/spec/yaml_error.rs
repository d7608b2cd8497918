//! serde-saphyr's errors reworded for people who write specs.

use super::call::looks_like_call;
use super::layout::{self, TAB_HELP};
use super::limits;
use super::located::span_of;
use crate::diag::{Diagnostic, ErrorKind, Source, Span};

/// A serde-saphyr error as a diagnostic pointing at its location, reworded
/// for people who write specs (what was found, what was expected, a fix).
pub(super) fn yaml_error(source: &Source, e: &serde_saphyr::Error) -> Diagnostic {
    use serde_saphyr::Error as E;
    let e = e.without_snippet();
    // An error met while replaying an alias wraps the error itself.
    let mut inner = e;
    while let E::AliasError { error, .. } = inner {
        inner = error.without_snippet();
    }
    let yaml = ErrorKind::Yaml;
    let span = e.location().and_then(|l| span_of(&l, Some(&source.text)));
    // A tab or a misindented line near the error explains it better, and at
    // the right line (the parser often notices a line later).
    let layout = |tab_message: bool| {
        let m = layout::mistake(&source.text, span?.start, tab_message)?;
        Some(
            Diagnostic::new(yaml, m.message)
                .at(source, m.span, m.label)
                .help(m.help),
        )
    };
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
            if let Some(d) = layout(false) {
                return d;
            }
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
        E::InvalidBooleanStrict { .. } => {
            let text = span
                .and_then(|s| source.text.get(s.start..s.end))
                .unwrap_or("");
            (
                ErrorKind::BadValue,
                format!("`{text}` is not a boolean"),
                "not `true` or `false`",
                Some(
                    "write `true` or `false`: bpc reads YAML 1.2, where `yes`, `no`, `on`, `off`, \
                     `y` and `n` are words, not booleans"
                        .into(),
                ),
            )
        }
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
            if let Some(d) = not_whole(source, span, &message) {
                return d;
            }
            if let Some(d) = layout(message.contains("tab")) {
                return d;
            }
            let help = if message.contains("tabs") {
                TAB_HELP.to_string()
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
    match span {
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
    let string = unexpected
        .strip_prefix("string \"")
        .and_then(|s| s.strip_suffix('"'));
    if let Some(call) = string.filter(|s| looks_like_call(s))
        && expected.starts_with("a number, a list")
    {
        return format!(
            "`{call}` is a call, so this is a node: did you forget `nodes:` above it? \
             (`inputs` and `params` hold numbers)"
        );
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

/// A setting that takes a whole number (`epochs`, `batch_size`, `seed`)
/// given something else: serde-saphyr says only "invalid u64".
fn not_whole(source: &Source, span: Option<Span>, message: &str) -> Option<Diagnostic> {
    let kind = message.strip_prefix("invalid ")?;
    let unsigned = matches!(kind, "u8" | "u16" | "u32" | "u64" | "u128" | "usize");
    if !unsigned && !matches!(kind, "i8" | "i16" | "i32" | "i64" | "i128" | "isize") {
        return None;
    }
    let span = span?;
    let found = source.text.get(span.start..span.end).unwrap_or("").trim();
    let what = if unsigned {
        "a whole number >= 0"
    } else {
        "a whole number"
    };
    let big = if unsigned {
        u64::MAX.to_string()
    } else {
        i64::MAX.to_string()
    };
    Some(
        Diagnostic::new(
            ErrorKind::BadValue,
            format!("expected {what}, found `{found}`"),
        )
        .at(source, span, "not a whole number")
        .help(format!(
            "write it in digits, like `1000` (not `1e3`, `2.5` or `-3`), at most {big}"
        )),
    )
}
