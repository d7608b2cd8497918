//! The report of `bpc check`: lines for people, or one JSON object for tools
//! ([`json`]). It reads [`SpecReport`]s and computes nothing new. Answers and
//! the gradient check are reported apart: `answers: 4 of 6 right` and
//! `gradient check: 12 passed`.

mod json;

pub use json::json;

use super::gradcheck::{Comparison, GradcheckOptions, NameCheck, Status, multi_index};
use super::{Counts, ExpectResult, SpecReport};
use crate::grade::judge::{self, Rule};
use crate::grade::questions::Kind;
use crate::render::{number, value_text};
use crate::term;

/// Significant digits shown to people (more when two numbers would print alike).
const DIGITS: usize = 6;
/// Tensors with more elements than this are shown by their first elements.
const MAX_ELEMS: usize = 12;
/// Longest answer shown as written, in characters.
const MAX_ANSWER: usize = 200;

/// The summary lines: `answers: 4 of 6 right (1 close, 1 wrong, 3
/// unanswered)` and `gradient check: 12 passed, 1 skipped`.
pub fn summary(c: Counts, gradcheck: bool) -> String {
    let mut answers = if c.answers() == 0 {
        "answers: none".to_string()
    } else {
        format!("answers: {} of {} right", c.correct, c.answers())
    };
    let others: Vec<String> = [
        (c.close, "close"),
        (c.wrong, "wrong"),
        (c.unanswered, "unanswered"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !others.is_empty() {
        answers.push_str(&format!(" ({})", others.join(", ")));
    }
    let mut grads = if gradcheck {
        format!("gradient check: {} passed", c.passed)
    } else {
        "gradient check: off".to_string()
    };
    if c.failed > 0 {
        grads.push_str(&format!(", {} failed", c.failed));
    }
    if c.skipped > 0 {
        grads.push_str(&format!(", {} skipped", c.skipped));
    }
    let mut s = format!("{answers}\n{grads}");
    if c.problems > 0 {
        let specs = if c.problems == 1 { "spec" } else { "specs" };
        s.push_str(&format!("\n{} {specs} not checked", c.problems));
    }
    s
}

/// Every report's counts, added up.
pub fn total(reports: &[SpecReport]) -> Counts {
    reports
        .iter()
        .map(SpecReport::counts)
        .fold(Counts::default(), Counts::plus)
}

/// The report for people: per spec a header, one line per answer and per
/// gradient name, and the summary lines at the end.
pub fn text(reports: &[SpecReport], gradcheck: Option<&GradcheckOptions>) -> String {
    let mut out = String::new();
    for r in reports {
        spec_text(&mut out, r, gradcheck);
        out.push('\n');
    }
    out.push_str(&summary(total(reports), gradcheck.is_some()));
    out.push('\n');
    out
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Passed => "✓",
        Status::Failed => "✗",
        Status::Skipped => "○",
    }
}

fn answer_mark(status: judge::Status) -> &'static str {
    match status {
        judge::Status::Correct => "✓",
        judge::Status::Close | judge::Status::Wrong => "✗",
        judge::Status::Unanswered => "?",
    }
}

/// How answers are judged, for the header.
fn rule_text(rule: Rule) -> String {
    match rule {
        Rule::Hand => "to the digits written, rounded, 3 significant at least".to_string(),
        Rule::Tolerance { rtol, atol } => {
            format!("rtol {}, atol {}", tol_text(rtol), tol_text(atol))
        }
    }
}

fn spec_text(out: &mut String, r: &SpecReport, gradcheck: Option<&GradcheckOptions>) {
    let path = term::escape(&r.path);
    match &r.name {
        Some(name) => out.push_str(&format!("{path}: `{}`\n", term::escape(name))),
        None => out.push_str(&format!("{path}\n")),
    }
    if let Some(p) = &r.problem {
        let what = if p.invalid {
            "invalid spec"
        } else {
            "evaluation failed"
        };
        let at = p
            .location
            .as_ref()
            .map(|l| format!(" ({})", term::escape(l)))
            .unwrap_or_default();
        let more = match p.more {
            0 => String::new(),
            1 => "; 1 more problem".into(),
            n => format!("; {n} more problems"),
        };
        out.push_str(&format!(
            "  ✗ {what}: {}{at}{more}\n",
            term::escape(&p.message)
        ));
        return;
    }
    let output = r.output.as_deref().unwrap_or("output");
    let labels: Vec<String> = r.expect.iter().map(|e| expect_label(e, output)).collect();
    let names = r.gradcheck.iter().flatten().map(|g| g.name.chars().count());
    let width = labels
        .iter()
        .map(|l| l.chars().count())
        .chain(names)
        .max()
        .unwrap_or(0);
    if r.expect.is_empty() {
        out.push_str("  answers: none\n");
    } else {
        let hidden = if r.hidden { ", answers hidden" } else { "" };
        out.push_str(&format!("  answers ({}{hidden})\n", rule_text(r.rule)));
        for (e, label) in r.expect.iter().zip(&labels) {
            let pad = " ".repeat(width - label.chars().count());
            let mut detail = expect_detail(e, r.hidden);
            if e.rule != r.rule {
                detail.push_str(&format!(" ({})", rule_text(e.rule)));
            }
            out.push_str(&format!(
                "    {} {label}{pad}  {detail}\n",
                answer_mark(e.judgement.status),
            ));
        }
    }
    if let (Some(checks), Some(o)) = (&r.gradcheck, gradcheck) {
        out.push_str(&format!(
            "  gradient check (central differences, eps {}, rtol {}, atol {})\n",
            tol_text(o.eps),
            tol_text(o.rtol),
            tol_text(o.atol)
        ));
        for g in checks {
            let pad = " ".repeat(width - g.name.chars().count());
            out.push_str(&format!(
                "    {} {}{pad}  {}\n",
                mark(g.status),
                g.name,
                gradcheck_detail(g, r.hidden)
            ));
        }
    }
}

fn expect_label(e: &ExpectResult, output: &str) -> String {
    match e.kind {
        Kind::Value => e.name.clone(),
        Kind::Grad => format!("d {output} / d {}", e.name),
    }
}

/// One answer's line: what was written, what bpc computed (unless hidden or
/// blank: a blank never shows the answer), and why it is not right.
fn expect_detail(e: &ExpectResult, hidden: bool) -> String {
    let j = &e.judgement;
    if j.status == judge::Status::Unanswered {
        return match j.reason.as_deref() {
            Some("blank") | None => "unanswered".to_string(),
            Some(r) => format!("unanswered: {r}"),
        };
    }
    let written = term::shown(&e.answer.text(), MAX_ANSWER);
    let why = j
        .reason
        .as_deref()
        .filter(|r| *r != "wrong")
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    match (j.status, hidden) {
        (judge::Status::Correct, true) => format!("expected {written}: right"),
        (_, true) => format!(
            "expected {written}: not right{why}, try again (--reveal shows the computed value)"
        ),
        (_, false) => {
            let wrong = j.status != judge::Status::Correct;
            let computed = if wrong && e.computed.len() == 1 && e.answer.elements.len() == 1 {
                let written = e.answer.elements[0].as_ref().map_or(f64::NAN, |w| w.value);
                distinct(written, e.computed.iter().next().unwrap_or(f64::NAN)).1
            } else {
                value_text(&e.computed, DIGITS, MAX_ELEMS)
            };
            format!("expected {written}, computed {computed}{why}")
        }
    }
}
fn gradcheck_detail(g: &NameCheck, hidden: bool) -> String {
    let mut s = match g.status {
        Status::Skipped => {
            return format!(
                "skipped: {}",
                g.skip_reason.as_deref().unwrap_or("nothing to check")
            );
        }
        Status::Passed => {
            let w = g.worst.map_or(0.0, |w| w.error);
            format!("worst relative error {}", number(w, 2))
        }
        Status::Failed => {
            let compared = g.sampled - g.skipped;
            let f = g.first_failure.unwrap_or(Comparison {
                index: 0,
                analytic: f64::NAN,
                numeric: f64::NAN,
                error: f64::NAN,
            });
            let at = if g.elements > 1 {
                format!(" at {}", index_text(&g.shape, f.index))
            } else {
                String::new()
            };
            let numbers = if hidden {
                String::new()
            } else {
                let (a, n) = distinct(f.analytic, f.numeric);
                format!(": backward {a}, finite differences {n}")
            };
            let count = if compared > 1 {
                format!("{} of {compared} elements disagree; ", g.failed)
            } else {
                String::new()
            };
            format!(
                "{count}first{at}{numbers} (relative error {})",
                number(f.error, 2)
            )
        }
    };
    if g.sampled < g.elements {
        s.push_str(&format!(
            " (checked {} of {} elements, evenly spaced)",
            g.sampled, g.elements
        ));
    }
    if g.skipped > 0 {
        let reason = g.skip_reason.as_deref().unwrap_or("");
        s.push_str(&format!(
            "; {} of {} elements skipped: {reason}",
            g.skipped, g.sampled
        ));
    }
    s
}

/// A tolerance or step: `1e-6` rather than `0.000001`.
fn tol_text(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-3 {
        format!("{x:e}")
    } else {
        number(x, DIGITS)
    }
}

/// `[1, 0]` for row-major index 2 of shape [2, 2]; empty for a scalar.
fn index_text(shape: &[usize], j: usize) -> String {
    let idx: Vec<String> = multi_index(shape, j)
        .iter()
        .map(|i| i.to_string())
        .collect();
    format!("[{}]", idx.join(", "))
}

/// Two numbers with enough digits that they print differently (up to 17).
fn distinct(a: f64, b: f64) -> (String, String) {
    let mut digits = DIGITS;
    loop {
        let (x, y) = (number(a, digits), number(b, digits));
        if x != y || digits >= 17 || a == b {
            return (x, y);
        }
        digits += 1;
    }
}
