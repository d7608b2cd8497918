//! The report of `bpc check`: lines for people, or one JSON object for tools.
//! It reads [`SpecReport`]s and computes nothing new.

use serde_json::{Value as Json, json};

use super::gradcheck::{Comparison, GradcheckOptions, NameCheck, Status, multi_index};
use super::{Counts, ExpectKind, ExpectResult, Mismatch, SpecReport};
use crate::render::{self, number, value_text};
use crate::tensor::{Value, shape_text};
use crate::term;

/// Significant digits shown to people (more when two numbers would print alike).
const DIGITS: usize = 6;
/// Tensors with more elements than this are shown by their first elements.
const MAX_ELEMS: usize = 12;

/// The summary line: `N passed, M failed`, then `, K skipped` when K > 0.
pub fn summary(c: Counts) -> String {
    let mut s = format!("{} passed, {} failed", c.passed, c.failed);
    if c.skipped > 0 {
        s.push_str(&format!(", {} skipped", c.skipped));
    }
    s
}

/// Every report's counts, added up.
pub fn total(reports: &[SpecReport]) -> Counts {
    reports
        .iter()
        .map(SpecReport::counts)
        .fold(Counts::default(), |a, c| Counts {
            passed: a.passed + c.passed,
            failed: a.failed + c.failed,
            skipped: a.skipped + c.skipped,
        })
}

/// The report for people: per spec a header, one line per expectation and per
/// gradient name, and the summary line at the end.
pub fn text(reports: &[SpecReport], gradcheck: Option<&GradcheckOptions>) -> String {
    let mut out = String::new();
    for r in reports {
        spec_text(&mut out, r, gradcheck);
        out.push('\n');
    }
    out.push_str(&summary(total(reports)));
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
        out.push_str("  expect: none\n");
    } else {
        let (rtol, atol) = r.tolerance;
        let hidden = if r.hidden { ", answers hidden" } else { "" };
        out.push_str(&format!(
            "  expect (rtol {}, atol {}{hidden})\n",
            tol_text(rtol),
            tol_text(atol)
        ));
        for (e, label) in r.expect.iter().zip(&labels) {
            let pad = " ".repeat(width - label.chars().count());
            out.push_str(&format!(
                "    {} {label}{pad}  {}\n",
                mark(e.status),
                expect_detail(e, r.hidden)
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
        ExpectKind::Value => e.name.clone(),
        ExpectKind::Grad => format!("d {output} / d {}", e.name),
    }
}

fn expect_detail(e: &ExpectResult, hidden: bool) -> String {
    let want = value_text(&e.expected, DIGITS, MAX_ELEMS);
    match (e.mismatch, hidden) {
        (None, false) => format!(
            "expected {want}, computed {}",
            value_text(&e.computed, DIGITS, MAX_ELEMS)
        ),
        (None, true) => format!("expected {want}: right"),
        (Some(Mismatch::Shape), false) => format!(
            "expected shape {} but it has shape {}: expected {want}, computed {}",
            shape_text(e.expected.shape()),
            shape_text(e.computed.shape()),
            value_text(&e.computed, DIGITS, MAX_ELEMS)
        ),
        (Some(Mismatch::Shape), true) => format!(
            "expected {want} of shape {}, but it has shape {}",
            shape_text(e.expected.shape()),
            shape_text(e.computed.shape())
        ),
        (Some(Mismatch::Elements { .. }), true) => {
            format!("expected {want}: not right, try again (--reveal shows the computed value)")
        }
        (Some(Mismatch::Elements { count, first }), false) => {
            let (w, g) = (element(&e.expected, first), element(&e.computed, first));
            let (ws, gs) = distinct(w, g);
            if e.expected.len() == 1 {
                format!("expected {ws}, computed {gs}")
            } else {
                format!(
                    "expected {want}, computed {}; {count} of {} elements differ, first at {}: expected {ws}, computed {gs}",
                    value_text(&e.computed, DIGITS, MAX_ELEMS),
                    e.expected.len(),
                    index_text(e.expected.shape(), first)
                )
            }
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

/// Element `j` (row-major) of a value.
fn element(v: &Value, j: usize) -> f64 {
    v.iter().nth(j).unwrap_or(f64::NAN)
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

/// A value as JSON, by the one number policy of [`render::json::value`]
/// (shortest round-trip f64; NaN and infinities as the strings `"NaN"`,
/// `"inf"`, `"-inf"`).
fn jvalue(v: &Value) -> Json {
    serde_json::from_str(&render::json::value(v)).unwrap_or(Json::Null)
}

/// One number as JSON, by the same policy.
fn jnum(x: f64) -> Json {
    jvalue(&Value::Scalar(x))
}

fn status_text(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
    }
}

/// The report for tools: one JSON object,
/// `{"specs": [...], "passed": N, "failed": M, "skipped": K, "gradcheck": {...}}`.
/// Numbers round-trip; hidden answers are `null`.
pub fn json(reports: &[SpecReport], gradcheck: Option<&GradcheckOptions>) -> String {
    let specs: Vec<Json> = reports.iter().map(spec_json).collect();
    let c = total(reports);
    let settings = gradcheck.map(|o| {
        json!({"eps": jnum(o.eps), "rtol": jnum(o.rtol), "atol": jnum(o.atol), "max_elements": o.max_elements})
    });
    let doc = json!({
        "specs": specs,
        "passed": c.passed,
        "failed": c.failed,
        "skipped": c.skipped,
        "gradcheck": settings,
    });
    // Strings from specs and paths may hold bidi or C1 characters: escaped.
    crate::term::json_safe(format!("{doc}\n"))
}

fn spec_json(r: &SpecReport) -> Json {
    let c = r.counts();
    let status = match &r.problem {
        Some(p) if p.invalid => "invalid",
        _ if c.failed > 0 => "failed",
        _ => "passed",
    };
    let problem = r.problem.as_ref().map(|p| {
        json!({"invalid": p.invalid, "message": p.message, "location": p.location, "more": p.more})
    });
    let expect: Vec<Json> = r
        .expect
        .iter()
        .map(|e| {
            let (first, count) = match e.mismatch {
                Some(Mismatch::Elements { count, first }) => {
                    (Some(multi_index(e.expected.shape(), first)), count)
                }
                Some(Mismatch::Shape) | None => (None, 0),
            };
            json!({
                "kind": match e.kind { ExpectKind::Value => "value", ExpectKind::Grad => "grad" },
                "name": e.name,
                "status": status_text(e.status),
                "expected": jvalue(&e.expected),
                "computed": if r.hidden { Json::Null } else { jvalue(&e.computed) },
                "shape_mismatch": e.mismatch == Some(Mismatch::Shape),
                "elements_differ": count,
                "first_difference": first,
            })
        })
        .collect();
    let grads = r.gradcheck.as_ref().map(|checks| {
        checks
            .iter()
            .map(|g| {
                let cmp = |c: &Comparison| {
                    json!({
                        "index": multi_index(&g.shape, c.index),
                        "analytic": if r.hidden { Json::Null } else { jnum(c.analytic) },
                        "numeric": if r.hidden { Json::Null } else { jnum(c.numeric) },
                        "error": jnum(c.error),
                    })
                };
                json!({
                    "name": g.name,
                    "status": status_text(g.status),
                    "elements": g.elements,
                    "checked": g.sampled,
                    "skipped": g.skipped,
                    "skip_reason": g.skip_reason,
                    "failed": g.failed,
                    "worst": g.worst.as_ref().map(cmp),
                    "first_failure": g.first_failure.as_ref().map(cmp),
                })
            })
            .collect::<Vec<_>>()
    });
    json!({
        "path": r.path,
        "name": r.name,
        "output": r.output,
        "status": status,
        "problem": problem,
        "hidden": r.hidden,
        "rtol": jnum(r.tolerance.0),
        "atol": jnum(r.tolerance.1),
        "passed": c.passed,
        "failed": c.failed,
        "skipped": c.skipped,
        "expect": expect,
        "gradcheck": grads,
    })
}
