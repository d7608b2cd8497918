//! `bpc check`: exercises that grade themselves, and a gradient check for
//! every spec.
//!
//! For each spec: load it (the same diagnostics as `bpc run`), evaluate it,
//! compare every `expect` entry with |got - want| <= atol + rtol·|want|, then
//! compare every gradient with central finite differences ([`gradcheck`]).
//! The results are data ([`SpecReport`]); [`report`] renders them for people
//! or as JSON; the command (`cmd::check`) picks the exit status.

pub mod gradcheck;
pub mod paths;
pub mod report;

use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, did_you_mean};
use crate::eval;
use crate::graph;
use crate::load;
use crate::plan::Plan;
use crate::render::nonfinite;
use crate::spec::{Entry, ValueDef};
use crate::tensor::Value;
use crate::timings::Timings;

pub use gradcheck::{GradcheckOptions, NameCheck, Status};

/// The contract's default relative tolerance of `expect`.
pub const EXPECT_RTOL: f64 = 1e-6;
/// The contract's default absolute tolerance of `expect`.
pub const EXPECT_ATOL: f64 = 1e-9;

/// Whether an expectation is about a forward value or a gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectKind {
    /// `expect.values`.
    Value,
    /// `expect.grads`.
    Grad,
}

/// How an expectation failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mismatch {
    /// The shapes differ.
    Shape,
    /// Some elements are outside the tolerance.
    Elements {
        /// How many.
        count: usize,
        /// Row-major index of the first.
        first: usize,
    },
}

/// One `expect` entry, graded.
#[derive(Clone, Debug)]
pub struct ExpectResult {
    /// Value or gradient.
    pub kind: ExpectKind,
    /// The name it is about.
    pub name: String,
    /// What the spec expects.
    pub expected: Value,
    /// What bpc computed.
    pub computed: Value,
    /// Passed or failed.
    pub status: Status,
    /// Why it failed.
    pub mismatch: Option<Mismatch>,
}

/// Why a spec could not be graded.
#[derive(Clone, Debug)]
pub struct Problem {
    /// True for an invalid spec (exit 2), false for a failed evaluation (exit 1).
    pub invalid: bool,
    /// The first diagnostic's message.
    pub message: String,
    /// Its `file:line:col`, if any.
    pub location: Option<String>,
    /// How many further diagnostics there are.
    pub more: usize,
}

/// Everything `bpc check` found in one spec.
#[derive(Clone, Debug)]
pub struct SpecReport {
    /// The path as given (or as found in a folder).
    pub path: String,
    /// The spec's name, once loaded.
    pub name: Option<String>,
    /// The output's name, once loaded.
    pub output: Option<String>,
    /// Why the spec was not graded, if it was not.
    pub problem: Option<Problem>,
    /// `expect`'s tolerances: (rtol, atol).
    pub tolerance: (f64, f64),
    /// Computed answers are not shown.
    pub hidden: bool,
    /// The graded `expect` entries, values first, each in file order.
    pub expect: Vec<ExpectResult>,
    /// The finite-difference check, unless turned off.
    pub gradcheck: Option<Vec<NameCheck>>,
}

/// Passed, failed and skipped checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed (an ungraded spec counts as one).
    pub failed: usize,
    /// Gradient checks skipped.
    pub skipped: usize,
}

impl Counts {
    fn add(&mut self, status: Status) {
        match status {
            Status::Passed => self.passed += 1,
            Status::Failed => self.failed += 1,
            Status::Skipped => self.skipped += 1,
        }
    }
}

impl SpecReport {
    /// The spec's checks, counted.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        if self.problem.is_some() {
            c.failed += 1;
        }
        self.expect.iter().for_each(|e| c.add(e.status));
        self.gradcheck
            .iter()
            .flatten()
            .for_each(|g| c.add(g.status));
        c
    }
}

/// Loads, evaluates and grades one spec file. `hide` says, from the spec's
/// own `expect.hidden`, whether computed answers are hidden. Returns the
/// report and the diagnostics that explain its problem, if any. `policy`
/// says how its data files may be read.
pub fn check_file(
    path: &Path,
    gradcheck: Option<&GradcheckOptions>,
    hide: impl Fn(bool) -> bool,
    policy: &crate::files::ReadPolicy,
) -> (SpecReport, Diagnostics) {
    let mut report = SpecReport {
        path: path.display().to_string(),
        name: None,
        output: None,
        problem: None,
        tolerance: (EXPECT_RTOL, EXPECT_ATOL),
        hidden: hide(false),
        expect: Vec::new(),
        gradcheck: None,
    };
    let plan = match load::load_with(path, &[], Some(policy), &mut Timings::default()) {
        Ok(plan) => plan,
        Err(d) => {
            report.problem = Some(problem(&d, true));
            return (report, d);
        }
    };
    report.name = Some(plan.name.clone());
    report.output = Some(plan.output_name().to_string());
    let expect = plan.spec.expect.as_ref();
    report.hidden = hide(
        expect
            .and_then(|e| e.hidden.as_ref())
            .is_some_and(|h| h.value),
    );
    let wanted = match expectations(&plan) {
        Ok(w) => w,
        Err(d) => {
            report.problem = Some(problem(&d, true));
            return (report, d);
        }
    };
    report.tolerance = wanted.tolerance;
    let evaluation = eval::evaluate(&plan);
    if let Some(nf) = evaluation.nonfinite {
        let d: Diagnostics = nonfinite::diagnostic(&plan, &evaluation.values, nf).into();
        report.problem = Some(problem(&d, false));
        return (report, d);
    }
    let (rtol, atol) = wanted.tolerance;
    for (kind, slot, expected) in wanted.entries {
        let computed = match kind {
            ExpectKind::Value => &evaluation.values[slot],
            ExpectKind::Grad => &evaluation.grads[slot],
        };
        let mismatch = compare(&expected, computed, rtol, atol);
        report.expect.push(ExpectResult {
            kind,
            name: plan.info(slot).name.clone(),
            status: if mismatch.is_some() {
                Status::Failed
            } else {
                Status::Passed
            },
            expected,
            computed: computed.clone(),
            mismatch,
        });
    }
    report.gradcheck =
        gradcheck.map(|opts| gradcheck::check(&plan, &evaluation.values, &evaluation.grads, opts));
    (report, Diagnostics::default())
}

fn problem(d: &Diagnostics, invalid: bool) -> Problem {
    let first = d.0.first();
    Problem {
        invalid,
        message: first.map_or_else(
            || "invalid spec".into(),
            |d| crate::term::clip(&d.message, crate::diag::MAX_MESSAGE_CHARS).into_owned(),
        ),
        location: first.and_then(|d| d.location()),
        more: d.0.len().saturating_sub(1),
    }
}

/// A spec's `expect`, resolved against its plan.
struct Wanted {
    tolerance: (f64, f64),
    entries: Vec<(ExpectKind, crate::plan::Slot, Value)>,
}

/// Resolves every `expect` name and value; every unknown name and bad value is reported.
fn expectations(plan: &Plan) -> Result<Wanted, Diagnostics> {
    let mut errors = Diagnostics::default();
    let mut wanted = Wanted {
        tolerance: (EXPECT_RTOL, EXPECT_ATOL),
        entries: Vec::new(),
    };
    let Some(expect) = &plan.spec.expect else {
        return Ok(wanted);
    };
    let src = plan.source();
    let mut tol = |t: &Option<crate::diag::Sp<f64>>, default: f64, key: &str| match t {
        Some(t) if !(t.value.is_finite() && t.value >= 0.0) => {
            errors.push(
                Diagnostic::new(
                    ErrorKind::BadValue,
                    format!("`expect.{key}` must be a number >= 0, found {}", t.value),
                )
                .at(src, t.span, "not a tolerance"),
            );
            default
        }
        Some(t) => t.value,
        None => default,
    };
    wanted.tolerance = (
        tol(&expect.rtol, EXPECT_RTOL, "rtol"),
        tol(&expect.atol, EXPECT_ATOL, "atol"),
    );
    let lists = [
        (ExpectKind::Value, &expect.values, "values"),
        (ExpectKind::Grad, &expect.grads, "grads"),
    ];
    for (kind, entries, key) in lists {
        for Entry { name, def } in entries {
            let slot = plan.slot(&name.value);
            if slot.is_none() {
                let names = plan.named().map(|(_, info)| info.name.as_str());
                errors.push(
                    Diagnostic::new(
                        ErrorKind::UnknownName,
                        format!(
                            "`expect.{key}` names `{}`, which is not in the graph",
                            name.value
                        ),
                    )
                    .at(src, name.span, "not an input, param or node")
                    .maybe_help(did_you_mean(&name.value, names)),
                );
            }
            let value = match &def.value {
                ValueDef::Init(_) => Err(Diagnostic::new(
                    ErrorKind::BadValue,
                    format!(
                        "the expected value of `{}` is an init; write the numbers",
                        name.value
                    ),
                )
                .at(src, def.span, "not a number or a nested list")),
                _ => graph::value_of(src, def),
            };
            match (slot, value) {
                (Some(slot), Ok(v)) => wanted.entries.push((kind, slot, v)),
                (_, Err(d)) => errors.push(d),
                (None, Ok(_)) => {}
            }
        }
    }
    if errors.is_empty() {
        Ok(wanted)
    } else {
        Err(errors)
    }
}

/// NumPy's `isclose` rule, element by element: |got - want| <= atol + rtol·|want|.
pub fn compare(want: &Value, got: &Value, rtol: f64, atol: f64) -> Option<Mismatch> {
    if want.shape() != got.shape() {
        return Some(Mismatch::Shape);
    }
    let close = |(w, g): &(f64, f64)| (g - w).abs() <= atol + rtol * w.abs();
    let bad: Vec<usize> = want
        .iter()
        .zip(got.iter())
        .enumerate()
        .filter(|(_, p)| !close(p))
        .map(|(j, _)| j)
        .collect();
    bad.first().map(|&first| Mismatch::Elements {
        count: bad.len(),
        first,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isclose_rule() {
        // |220.00000000000003 - 220| = 3e-14 <= 1e-9 + 1e-6 · 220
        assert_eq!(
            compare(
                &Value::Scalar(220.0),
                &Value::Scalar(220.00000000000003),
                1e-6,
                1e-9
            ),
            None
        );
        // |200 - 210| = 10 > 1e-9 + 1e-6 · 210
        assert_eq!(
            compare(&Value::Scalar(210.0), &Value::Scalar(200.0), 1e-6, 1e-9),
            Some(Mismatch::Elements { count: 1, first: 0 })
        );
        assert_eq!(
            compare(&Value::Scalar(1.0), &Value::full(&[1], 1.0), 1e-6, 1e-9),
            Some(Mismatch::Shape)
        );
    }
}
