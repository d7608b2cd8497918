//! An answer key: an exercise spec whose `expect` lists the questions, read
//! and checked once, then evaluated at each student's variant. The key's
//! graph, never a student's, says what the answers are.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Span};
use crate::eval::{self, Evaluation};
use crate::files::ReadPolicy;
use crate::graph::{BindMode, Binding};
use crate::load;
use crate::plan::Plan;
use crate::render::nonfinite;
use crate::tensor::Value;
use crate::timings::Timings;

use super::QuestionInfo;
use super::questions::{self, Kind, Question};
use super::variant;
use super::vary::{self, Vary};

/// A key, read and checked.
pub struct Key {
    /// The path as given.
    pub path: String,
    /// The key's graph at its own numbers.
    pub plan: Plan,
    /// Its questions, values first, each in file order.
    pub questions: Vec<Question>,
    /// Its `vary`, if it has one.
    pub vary: Option<Vary>,
    /// `data` bound to the key's inputs (kept for re-evaluating at a variant).
    data: Vec<Binding>,
    /// The answers at the key's own numbers.
    own: Vec<Value>,
}

impl Key {
    /// Reads a key: a valid spec with at least one question, a valid
    /// `vary`, and finite answers at its own numbers. `policy` says how its
    /// data files may be read.
    pub fn load(path: &Path, policy: &ReadPolicy) -> Result<Key, Diagnostics> {
        let spec = load::parse_file(path, &mut Timings::default())?;
        let data = crate::data::bindings(&spec, path, policy)?;
        let plan = load::compile_spec(Arc::clone(&spec), &data, &mut Timings::default())?;
        Key::from_plan(plan, data)
    }

    /// A key from its compiled graph and the `data` bound to it (the path is
    /// the source's name).
    pub fn from_plan(plan: Plan, data: Vec<Binding>) -> Result<Key, Diagnostics> {
        let questions = questions::resolve(&plan);
        let vary = vary::rules(&plan);
        let (questions, vary) = match (questions, vary) {
            (Ok(q), Ok(v)) => (q, v),
            (q, v) => {
                let mut errors = Diagnostics::default();
                errors.0.extend(q.err().into_iter().flat_map(|d| d.0));
                errors.0.extend(v.err().into_iter().flat_map(|d| d.0));
                return Err(errors);
            }
        };
        if questions.is_empty() {
            let src = plan.source();
            return Err(Diagnostic::new(
                ErrorKind::MissingKey,
                format!("`{}` asks no question: a key lists them under `expect`", src.name),
            )
            .at(src, Span::new(0, 0), "no `expect.values` or `expect.grads`")
            .help("add `expect: { values: { NAME: ~ }, grads: { NAME: ~ } }`, then fill the answers with `bpc key --in-place`")
            .into());
        }
        let own = answers(&plan, &questions, &eval::evaluate(&plan), None)?;
        Ok(Key {
            path: plan.source().name.clone(),
            plan,
            questions,
            vary,
            data,
            own,
        })
    }

    /// The questions' ids and points.
    pub fn infos(&self) -> Vec<QuestionInfo> {
        self.questions
            .iter()
            .map(|q| QuestionInfo {
                id: q.id(),
                points: q.points,
            })
            .collect()
    }

    /// The student's values of the varied inputs (none without `vary` or
    /// without a student).
    pub fn variant(&self, student: Option<&str>) -> Vec<(String, Value)> {
        match (&self.vary, student) {
            (Some(v), Some(id)) => variant::draw(&v.rules, v.seed, id),
            _ => Vec::new(),
        }
    }

    /// The answers at the key's own numbers, in question order.
    pub fn own_answers(&self) -> &[Value] {
        &self.own
    }

    /// The answers at a variant, in question order. A variant whose numbers
    /// make the key's graph non-finite is an error of the key.
    pub fn answers_at(
        &self,
        variant: &[(String, Value)],
        student: Option<&str>,
    ) -> Result<Vec<Value>, Diagnostics> {
        if variant.is_empty() {
            return Ok(self.own.clone());
        }
        let mut bindings = self.data.clone();
        bindings.extend(variant.iter().map(|(name, value)| Binding {
            name: name.clone(),
            value: value.clone(),
            origin: None,
            mode: BindMode::Replace,
        }));
        let plan = load::compile_spec(
            Arc::clone(&self.plan.spec),
            &bindings,
            &mut Timings::default(),
        )?;
        answers(&plan, &self.questions, &eval::evaluate(&plan), student)
    }
}

/// Answers of a key's graph at the key's own numbers or a student's, cached
/// by student (the same variant is evaluated once).
#[derive(Default)]
pub struct AnswerCache(HashMap<Option<String>, Result<Vec<Value>, Diagnostics>>);

impl AnswerCache {
    /// The answers for `student`'s variant (the key's own numbers for `None`).
    pub fn get(&mut self, key: &Key, student: Option<&str>) -> &Result<Vec<Value>, Diagnostics> {
        let id = student.filter(|_| key.vary.is_some()).map(str::to_string);
        self.0.entry(id).or_insert_with_key(|id| {
            let variant = key.variant(id.as_deref());
            key.answers_at(&variant, id.as_deref())
        })
    }
}

/// The value or gradient each question asks for; a non-finite evaluation is
/// the key's error, named with the student whose numbers caused it.
fn answers(
    plan: &Plan,
    questions: &[Question],
    e: &Evaluation,
    student: Option<&str>,
) -> Result<Vec<Value>, Diagnostics> {
    if let Some(nf) = e.nonfinite {
        let d = nonfinite::diagnostic(plan, &e.values, nf);
        let message = match student {
            Some(id) => format!(
                "the key is not finite at the variant of student `{id}`: {}",
                d.message
            ),
            None => format!("the key is not finite: {}", d.message),
        };
        return Err(d
            .with_message(message)
            .help("change the key's numbers or its `vary` ranges so every answer is finite")
            .into());
    }
    Ok(questions
        .iter()
        .map(|q| match q.kind {
            Kind::Value => e.values[q.slot].clone(),
            Kind::Grad => e.grads[q.slot].clone(),
        })
        .collect())
}
