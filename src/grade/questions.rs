//! A spec's questions (`expect.values.NAME`, `expect.grads.NAME`), resolved
//! against its graph: which slot each asks about, its points, how it is
//! judged, and the answer written in the file. `bpc check`, `bpc key`,
//! `bpc handout` and `bpc grade` all read questions through here.

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Source, Sp, Span, did_you_mean};
use crate::plan::{Plan, Slot};
use crate::spec::{AnswerDef, Entry, ExpectDef, QUESTION_KEYS, QuestionDef};

use super::judge::{Answer, DEFAULT_ATOL, DEFAULT_RTOL, Rule, Written};

/// Whether a question asks for a forward value or a gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `expect.values`.
    Value,
    /// `expect.grads`.
    Grad,
}

impl Kind {
    /// `values` or `grads`: the section of `expect`.
    pub fn section(self) -> &'static str {
        match self {
            Kind::Value => "values",
            Kind::Grad => "grads",
        }
    }
}

/// One question of a spec, resolved.
#[derive(Clone, Debug)]
pub struct Question {
    /// Value or gradient.
    pub kind: Kind,
    /// The input, param or node it asks about.
    pub name: String,
    /// Its slot in the plan.
    pub slot: Slot,
    /// Points for a right answer.
    pub points: f64,
    /// How answers are judged.
    pub rule: Rule,
    /// The answer written in this file.
    pub answer: Answer,
    /// Where the answer is written: the key before it and its value.
    pub place: (Span, Span),
}

impl Question {
    /// `values.NAME` or `grads.NAME`.
    pub fn id(&self) -> String {
        format!("{}.{}", self.kind.section(), self.name)
    }
}

/// Every question of `expect` with its entry, values first, each in file order.
pub fn entries(expect: &ExpectDef) -> impl Iterator<Item = (Kind, &Entry<QuestionDef>)> {
    let values = expect.values.iter().map(|e| (Kind::Value, e));
    values.chain(expect.grads.iter().map(|e| (Kind::Grad, e)))
}

/// The answer of a question as written in `src`: its numbers with their
/// text (so the digits count), blanks as `None`; or what is wrong with it.
pub fn answer(src: &Source, q: &QuestionDef) -> Result<Answer, (String, Span)> {
    match &q.answer.value {
        AnswerDef::Bad { message, span } => Err((message.clone(), *span)),
        AnswerDef::Given { shape, elements } => Ok(Answer {
            shape: shape.clone(),
            elements: elements
                .iter()
                .map(|e| {
                    e.value.map(|value| Written {
                        value,
                        text: src
                            .text
                            .get(e.span.start..e.span.end)
                            .filter(|t| !t.is_empty())
                            .map(str::to_string),
                    })
                })
                .collect(),
        }),
    }
}

/// Resolves every question of the plan's `expect`: every unknown name, bad
/// answer, bad tolerance or points and unknown key is reported at once.
pub fn resolve(plan: &Plan) -> Result<Vec<Question>, Diagnostics> {
    let mut errors = Diagnostics::default();
    let mut out = Vec::new();
    let Some(expect) = &plan.spec.expect else {
        return Ok(out);
    };
    let src = plan.source();
    let shared = (
        number(src, &expect.rtol, "expect.rtol", &mut errors),
        number(src, &expect.atol, "expect.atol", &mut errors),
    );
    for (kind, e) in entries(expect) {
        let q = &e.def.value;
        let at = |key: &str| format!("expect.{}.{}.{key}", kind.section(), e.name.value);
        for key in &q.unknown_keys {
            errors.push(
                Diagnostic::new(
                    ErrorKind::UnknownKey,
                    format!(
                        "unknown key `{}` in the question `{}`",
                        key.value, e.name.value
                    ),
                )
                .at(src, key.span, "not a question key")
                .help(
                    did_you_mean(&key.value, QUESTION_KEYS.iter().copied()).unwrap_or_else(|| {
                        "a question is `{ answer: ..., points: 2, rtol: 1e-3, atol: 0 }`".into()
                    }),
                ),
            );
        }
        let points = number(src, &q.points, &at("points"), &mut errors).unwrap_or(1.0);
        let rtol = number(src, &q.rtol, &at("rtol"), &mut errors).or(shared.0);
        let atol = number(src, &q.atol, &at("atol"), &mut errors).or(shared.1);
        let rule = match (rtol, atol) {
            (None, None) => Rule::Hand,
            (r, a) => Rule::Tolerance {
                rtol: r.unwrap_or(DEFAULT_RTOL),
                atol: a.unwrap_or(DEFAULT_ATOL),
            },
        };
        let slot = plan.slot(&e.name.value);
        if slot.is_none() {
            let names = plan.named().map(|(_, info)| info.name.as_str());
            errors.push(
                Diagnostic::new(
                    ErrorKind::UnknownName,
                    format!(
                        "`expect.{}` names `{}`, which is not in the graph",
                        kind.section(),
                        e.name.value
                    ),
                )
                .at(src, e.name.span, "not an input, param or node")
                .maybe_help(did_you_mean(&e.name.value, names)),
            );
        }
        let answer = answer(src, q).map_err(|(message, span)| {
            let span = if span == Span::default() { e.def.span } else { span };
            Diagnostic::new(ErrorKind::BadValue, format!("`{}`: {message}", e.name.value))
                .at(src, span, "not an answer")
                .help("an answer is a number (`2.5`), a nested list (`[[1, 2], [3, 4]]`) or a blank (`~`)")
        });
        match (slot, answer) {
            (Some(slot), Ok(answer)) => out.push(Question {
                kind,
                name: e.name.value.clone(),
                slot,
                points,
                rule,
                answer,
                place: q.place(e),
            }),
            (_, Err(d)) => errors.push(d),
            (None, Ok(_)) => {}
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A tolerance or a number of points: finite and at least 0.
fn number(src: &Source, x: &Option<Sp<f64>>, key: &str, errors: &mut Diagnostics) -> Option<f64> {
    let x = x.as_ref()?;
    if x.value.is_finite() && x.value >= 0.0 {
        Some(x.value)
    } else {
        errors.push(
            Diagnostic::new(
                ErrorKind::BadValue,
                format!("`{key}` must be a number >= 0, found {}", x.value),
            )
            .at(src, x.span, "not a number >= 0"),
        );
        None
    }
}
