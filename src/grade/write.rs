//! A key's text rewritten, the way `bpc train -o` writes a trained spec
//! ([`crate::edit`]: comments and layout kept, only the values that change
//! are replaced):
//!
//! - [`filled`]: every answer replaced by the computed value (`bpc key`);
//! - [`handout`]: every answer a blank (`~`, or a list of `~` of the
//!   answer's shape), `# answer:` comments left out, `vary` replaced by the
//!   student's `variant` and the student's numbers (`bpc handout`).

use std::path::Path;

use crate::diag::Span;
use crate::edit::{Edits, entry_lines, relocate, short_literal, yaml_string};
use crate::render::nested;
use crate::tensor::Value;

use super::comments::answer_comments;
use super::key::Key;

/// What `bpc key` did to one question.
#[derive(Clone, Debug, PartialEq)]
pub enum Fill {
    /// The answer was blank and is now written.
    Filled,
    /// The answer was written and differed: the old text.
    Refreshed(String),
    /// The answer was already the computed value.
    Unchanged,
}

/// Answers within this relative distance of the computed value are kept as
/// written (`220` for 220.00000000000003): floating-point noise, not a change.
const NOISE: f64 = 1e-12;

/// The key's text with every answer replaced by the value computed at the
/// key's own numbers (unless it is that value, to floating-point noise), and
/// what happened to each question. Written at `to` (another folder), its
/// relative paths are rewritten to name the same files.
pub fn filled(key: &Key, to: Option<&Path>) -> (String, Vec<(String, Fill)>) {
    let text: &str = &key.plan.source().text;
    let mut edits = Edits::default();
    if let Some(to) = to {
        relocate(&key.plan.spec, Path::new(&key.path), to, &mut edits);
    }
    let mut report = Vec::new();
    for (q, value) in key.questions.iter().zip(key.own_answers()) {
        let same = q.answer.shape == value.shape()
            && q.answer.elements.iter().zip(value.iter()).all(|(w, v)| {
                w.as_ref()
                    .is_some_and(|w| w.value == v || (w.value - v).abs() <= NOISE * v.abs())
            });
        let fill = if q.answer.is_blank() {
            Fill::Filled
        } else if same {
            Fill::Unchanged
        } else {
            Fill::Refreshed(q.answer.text())
        };
        if fill != Fill::Unchanged {
            let (k, def) = q.place;
            edits.replace_value(text, k, def, &short_literal(value));
        }
        report.push((q.id(), fill));
    }
    (edits.apply(text), report)
}

/// A blank of the value's shape: `~`, `[~, ~]`, `[[~, ~], [~, ~]]`.
fn blank(v: &Value) -> String {
    if v.shape().is_empty() {
        return "~".into();
    }
    nested(v.shape(), &vec![0.0; v.len()], &|_| "~".to_string())
}

/// The student's copy of the key: answers blank, answer comments out, and,
/// for a `student` of a key with `vary`, that student's numbers and the
/// `variant` they were drawn for. Written at `to` (another folder), its
/// relative paths are rewritten to name the same files.
pub fn handout(key: &Key, student: Option<&str>, to: Option<&Path>) -> String {
    let spec = &key.plan.spec;
    let text: &str = &spec.source.text;
    let mut edits = Edits::default();
    if let Some(to) = to {
        relocate(spec, Path::new(&key.path), to, &mut edits);
    }
    for (q, value) in key.questions.iter().zip(key.own_answers()) {
        let (k, def) = q.place;
        edits.replace_value(text, k, def, &blank(value));
    }
    for span in answer_comments(text) {
        edits.replace(span, "");
    }
    if let (Some(vary), Some(written)) = (&key.vary, &spec.vary) {
        let lines = vary_lines(text, written.span);
        match student {
            Some(id) => {
                edits.replace(
                    lines,
                    format!(
                        "variant: {{ student: {}, seed: {} }}\n",
                        yaml_string(id),
                        vary.seed
                    ),
                );
                for (name, value) in key.variant(Some(id)) {
                    let leaf = spec
                        .inputs
                        .iter()
                        .chain(&spec.params)
                        .find(|e| e.name.value == name);
                    if let Some(e) = leaf {
                        edits.replace_value(text, e.name.span, e.def.span, &short_literal(&value));
                    }
                }
            }
            None => edits.replace(lines, ""),
        }
    }
    edits.apply(text)
}

/// The lines of the top-level `vary:` entry whose value starts at `value`:
/// the key is the last line at or before it that reads `vary:`.
fn vary_lines(text: &str, value: Span) -> Span {
    let mut end = value.start.min(text.len());
    loop {
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[start..];
        let body = line.trim_start();
        if let Some(rest) = body.strip_prefix("vary")
            && rest.trim_start().starts_with(':')
        {
            let key = start + (line.len() - body.len());
            return entry_lines(text, Span::new(key, key + 4), value);
        }
        if start == 0 {
            return Span::new(0, 0);
        }
        end = start - 1;
    }
}

/// Checks that a handout reads back as a spec asking the key's questions,
/// every answer blank; says what is wrong otherwise (a bug of bpc's).
pub fn check_handout(key: &Key, text: &str) -> Result<(), String> {
    let src = crate::diag::Source::new(format!("handout of {}", key.path), text);
    let spec = crate::spec::parse(&src).map_err(|d| format!("does not parse: {}", d.message))?;
    let expect = spec.expect.as_ref().ok_or("lost its questions")?;
    let entries: Vec<_> = super::questions::entries(expect).collect();
    if entries.len() != key.questions.len() {
        return Err("lost some of its questions".into());
    }
    if entries
        .iter()
        .any(|(_, e)| !e.def.value.answer.value.is_blank())
    {
        return Err("still holds an answer".into());
    }
    Ok(())
}
