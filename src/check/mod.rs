//! `bpc check`: exercises that grade themselves, and a gradient check for
//! every spec.
//!
//! For each spec: load it (the same diagnostics as `bpc run`), evaluate it,
//! judge every answer under `expect` ([`crate::grade::judge`]: the
//! hand-answer rule, or the spec's `rtol`/`atol`), then compare every
//! gradient with central finite differences ([`gradcheck`]). Answers and the
//! gradient check are counted apart. The results are data ([`SpecReport`]);
//! [`report`] renders them for people or as JSON; the command (`cmd::check`)
//! picks the exit status.

pub mod gradcheck;
pub mod paths;
pub mod report;

use std::path::Path;

use crate::diag::Diagnostics;
use crate::eval;
use crate::grade::judge::{self, Answer, Judgement, Rule};
use crate::grade::questions::{self, Kind};
use crate::grade::vary;
use crate::load;
use crate::render::nonfinite;
use crate::tensor::Value;
use crate::timings::Timings;

pub use gradcheck::{GradcheckOptions, NameCheck, Status};

/// One answer of `expect`, judged.
#[derive(Clone, Debug)]
pub struct ExpectResult {
    /// Value or gradient.
    pub kind: Kind,
    /// The name it is about.
    pub name: String,
    /// The answer as written.
    pub answer: Answer,
    /// What bpc computed.
    pub computed: Value,
    /// How it was judged.
    pub rule: Rule,
    /// Correct, close, wrong or unanswered, and why.
    pub judgement: Judgement,
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
    /// How `expect`'s answers are judged, as the spec says (its own
    /// `rtol`/`atol`, or the hand-answer rule) or as the command line says.
    pub rule: Rule,
    /// Computed answers are not shown.
    pub hidden: bool,
    /// The graded `expect` entries, values first, each in file order.
    pub expect: Vec<ExpectResult>,
    /// The finite-difference check, unless turned off.
    pub gradcheck: Option<Vec<NameCheck>>,
}

/// The answers and the gradient checks of one or more specs, counted apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Answers that are right.
    pub correct: usize,
    /// Answers off by a rounding slip.
    pub close: usize,
    /// Answers that are wrong.
    pub wrong: usize,
    /// Answers left blank.
    pub unanswered: usize,
    /// Gradients that agree with finite differences.
    pub passed: usize,
    /// Gradients that do not.
    pub failed: usize,
    /// Gradient checks skipped.
    pub skipped: usize,
    /// Specs that could not be checked (invalid, or a value went non-finite).
    pub problems: usize,
}

impl Counts {
    /// Every answer.
    pub fn answers(&self) -> usize {
        self.correct + self.close + self.wrong + self.unanswered
    }

    /// True when something is not right: an answer, a gradient, a spec.
    pub fn failed_any(&self) -> bool {
        self.answers() > self.correct || self.failed > 0 || self.problems > 0
    }

    /// The sum of two counts.
    pub fn plus(self, o: Counts) -> Counts {
        Counts {
            correct: self.correct + o.correct,
            close: self.close + o.close,
            wrong: self.wrong + o.wrong,
            unanswered: self.unanswered + o.unanswered,
            passed: self.passed + o.passed,
            failed: self.failed + o.failed,
            skipped: self.skipped + o.skipped,
            problems: self.problems + o.problems,
        }
    }
}

impl SpecReport {
    /// The spec's answers and checks, counted.
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            problems: usize::from(self.problem.is_some()),
            ..Counts::default()
        };
        for e in &self.expect {
            match e.judgement.status {
                judge::Status::Correct => c.correct += 1,
                judge::Status::Close => c.close += 1,
                judge::Status::Wrong => c.wrong += 1,
                judge::Status::Unanswered => c.unanswered += 1,
            }
        }
        for g in self.gradcheck.iter().flatten() {
            match g.status {
                Status::Passed => c.passed += 1,
                Status::Failed => c.failed += 1,
                Status::Skipped => c.skipped += 1,
            }
        }
        c
    }
}

/// Loads, evaluates and grades one spec file. `hide` says, from the spec's
/// own `expect.hidden`, whether computed answers are hidden; `policy` says
/// how its data files may be read; `rule`, if given, judges every answer
/// instead of the spec's own rules. Returns the report and the diagnostics
/// that explain its problem, if any.
pub fn check_file(
    path: &Path,
    gradcheck: Option<&GradcheckOptions>,
    hide: impl Fn(bool) -> bool,
    policy: &crate::files::ReadPolicy,
    rule: Option<Rule>,
) -> (SpecReport, Diagnostics) {
    let mut report = SpecReport {
        path: path.display().to_string(),
        name: None,
        output: None,
        problem: None,
        rule: rule.unwrap_or(Rule::Hand),
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
    // A key's `vary` is checked too, so a teacher hears of a bad rule early.
    let resolved = questions::resolve(&plan).and_then(|q| vary::rules(&plan).map(|_| q));
    let wanted = match resolved {
        Ok(w) => w,
        Err(d) => {
            report.problem = Some(problem(&d, true));
            return (report, d);
        }
    };
    if rule.is_none()
        && let Some(e) = expect
        && (e.rtol.is_some() || e.atol.is_some())
    {
        report.rule = Rule::Tolerance {
            rtol: e.rtol.as_ref().map_or(judge::DEFAULT_RTOL, |r| r.value),
            atol: e.atol.as_ref().map_or(judge::DEFAULT_ATOL, |a| a.value),
        };
    }
    let evaluation = eval::evaluate(&plan);
    if let Some(nf) = evaluation.nonfinite {
        let d: Diagnostics = nonfinite::diagnostic(&plan, &evaluation.values, nf).into();
        report.problem = Some(problem(&d, false));
        return (report, d);
    }
    for q in wanted {
        let computed = match q.kind {
            Kind::Value => &evaluation.values[q.slot],
            Kind::Grad => &evaluation.grads[q.slot],
        };
        let rule = rule.unwrap_or(q.rule);
        report.expect.push(ExpectResult {
            kind: q.kind,
            judgement: judge::judge_answer(computed, &q.answer, rule),
            name: q.name,
            answer: q.answer,
            computed: computed.clone(),
            rule,
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
