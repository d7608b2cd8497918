//! One submission graded against a key: its answers judged against the key's
//! graph at the submission's variant; its own graph never counts (its edits
//! are listed); its own `rtol`, `atol` and `points` are ignored.

use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::read_source;
use crate::spec::{self, Spec};

use super::key::{AnswerCache, Key};
use super::questions::{self, Kind};
use super::{QuestionResult, Status, Submission, SubmissionStatus, changes, judge};

/// Grades the file at `path`. `student`, if given, overrides the ID the file
/// records. Returns the result, and the key's diagnostics when the key
/// cannot be evaluated at this student's variant (an error of the key, not
/// of the student: the submission is then marked invalid).
pub fn grade(
    key: &Key,
    path: &Path,
    student: Option<&str>,
    cache: &mut AnswerCache,
) -> (Submission, Option<Diagnostics>) {
    let mut sub = Submission {
        file: path.display().to_string(),
        student: student.map(str::to_string),
        status: SubmissionStatus::Graded,
        reason: None,
        questions: Vec::new(),
        changed: Vec::new(),
        notes: Vec::new(),
    };
    let parsed = read_source(path).and_then(|src| spec::parse(&src));
    let spec = match parsed {
        Ok(spec) => spec,
        Err(d) => {
            invalid(&mut sub, key, located(&d));
            return (sub, None);
        }
    };
    let recorded = spec.variant.as_ref().map(|v| v.value.student.value.clone());
    match (&sub.student, &recorded) {
        (Some(given), Some(file)) if given != file => sub.notes.push(format!(
            "the file says student `{file}`; graded as `{given}`"
        )),
        (None, _) => sub.student = recorded.clone(),
        _ => {}
    }
    if let Some(vary) = &key.vary {
        let seed = spec.variant.as_ref().and_then(|v| v.value.seed.as_ref());
        match (&sub.student, seed) {
            (None, _) => sub
                .notes
                .push("no variant recorded: graded at the key's own numbers".into()),
            (Some(_), Some(s)) if s.value != vary.seed => sub.notes.push(format!(
                "the handout was made with vary seed {}, the key's is {}: graded with the key's",
                s.value, vary.seed
            )),
            _ => {}
        }
    }
    let expected = match cache.get(key, sub.student.as_deref()) {
        Ok(values) => values.clone(),
        Err(d) => {
            let first = d.0.first().map(located).unwrap_or_default();
            let reason = format!("the key cannot be graded at this variant: {first}");
            invalid(&mut sub, key, reason);
            return (sub, Some(d.clone()));
        }
    };
    let variant = key.variant(sub.student.as_deref());
    for (q, value) in key.questions.iter().zip(expected) {
        let (status, reason, answer) = match find(&spec, q.kind, &q.name) {
            Err(why) => (Status::Unanswered, Some(why.to_string()), None),
            Ok(def) => match questions::answer(&spec.source, def) {
                Err((message, span)) => {
                    let (line, col) = spec.source.line_col(span.start);
                    (
                        Status::Wrong,
                        Some(format!("{message} (line {line}, column {col})")),
                        None,
                    )
                }
                Ok(answer) => {
                    let j = judge::judge_answer(&value, &answer, q.rule);
                    (j.status, j.reason, Some(answer))
                }
            },
        };
        sub.questions.push(QuestionResult {
            id: q.id(),
            points: if status == Status::Correct {
                q.points
            } else {
                0.0
            },
            max_points: q.points,
            status,
            reason,
            answer,
            expected: value,
        });
    }
    if let Some(expect) = &spec.expect {
        for (kind, e) in questions::entries(expect) {
            let id = format!("{}.{}", kind.section(), e.name.value);
            if !key.questions.iter().any(|q| q.id() == id) {
                sub.notes.push(format!("answer to no question: {id}"));
            }
        }
    }
    sub.changed = changes::changes(&key.plan.spec, &variant, &spec);
    (sub, None)
}

/// The submission's answer to one question, or why there is none.
fn find<'s>(
    spec: &'s Spec,
    kind: Kind,
    name: &str,
) -> Result<&'s crate::spec::QuestionDef, &'static str> {
    let expect = spec.expect.as_ref().ok_or("no `expect` section")?;
    let list = match kind {
        Kind::Value => &expect.values,
        Kind::Grad => &expect.grads,
    };
    list.iter()
        .find(|e| e.name.value == name)
        .map(|e| &e.def.value)
        .ok_or("missing")
}

/// Marks a submission invalid: every question unanswered, 0 points.
fn invalid(sub: &mut Submission, key: &Key, reason: String) {
    sub.status = SubmissionStatus::Invalid;
    sub.reason = Some(reason);
    sub.questions = key
        .questions
        .iter()
        .zip(key.own_answers())
        .map(|(q, v)| QuestionResult {
            id: q.id(),
            status: Status::Unanswered,
            reason: Some("not graded: the file is invalid".into()),
            answer: None,
            expected: v.clone(),
            points: 0.0,
            max_points: q.points,
        })
        .collect();
}

/// A diagnostic as `file:line:col: message` (the message clipped).
fn located(d: &Diagnostic) -> String {
    let message = crate::term::clip(&d.message, crate::diag::MAX_MESSAGE_CHARS);
    match d.location() {
        Some(at) => format!("{at}: {message}"),
        None => message.into_owned(),
    }
}
