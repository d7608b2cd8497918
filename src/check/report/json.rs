//! The report of `bpc check` for tools: one JSON object. Numbers follow the
//! one policy of [`crate::render::json`] (shortest round-trip f64; NaN and
//! infinities as the strings `"NaN"`, `"inf"`, `"-inf"`).

use serde_json::{Value as Json, json};

use super::super::SpecReport;
use super::super::gradcheck::{Comparison, GradcheckOptions, Status, multi_index};
use super::total;
use crate::grade::judge::{self, Answer, Rule};
use crate::grade::questions::Kind;
use crate::render;
use crate::tensor::Value;

/// A value as JSON.
fn jvalue(v: &Value) -> Json {
    serde_json::from_str(&render::json::value(v)).unwrap_or(Json::Null)
}

/// One number as JSON.
fn jnum(x: f64) -> Json {
    jvalue(&Value::Scalar(x))
}

/// An answer as numbers, `null` for blank elements.
fn janswer(a: &Answer) -> Json {
    fn nest(shape: &[usize], elems: &[Json]) -> Json {
        match shape {
            [] => elems.first().cloned().unwrap_or(Json::Null),
            [_, rest @ ..] => {
                let inner: usize = rest.iter().product();
                Json::Array(elems.chunks(inner.max(1)).map(|c| nest(rest, c)).collect())
            }
        }
    }
    let elems: Vec<Json> = a
        .elements
        .iter()
        .map(|e| e.as_ref().map_or(Json::Null, |w| jnum(w.value)))
        .collect();
    nest(&a.shape, &elems)
}

fn status_text(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
    }
}

/// `"hand"`, or `{"rtol", "atol"}`.
fn rule_json(rule: Rule) -> Json {
    match rule {
        Rule::Hand => json!("hand"),
        Rule::Tolerance { rtol, atol } => json!({"rtol": jnum(rtol), "atol": jnum(atol)}),
    }
}

/// The report for tools: one JSON object, `{"specs": [...], "answers":
/// {"total", "correct", "close", "wrong", "unanswered"}, "gradient_check":
/// {"passed", "failed", "skipped"}, "gradcheck": {settings} | null}`.
/// Hidden computed values, and those of blank answers, are `null`.
pub fn json(reports: &[SpecReport], gradcheck: Option<&GradcheckOptions>) -> String {
    let specs: Vec<Json> = reports.iter().map(spec_json).collect();
    let c = total(reports);
    let settings = gradcheck.map(|o| {
        json!({"eps": jnum(o.eps), "rtol": jnum(o.rtol), "atol": jnum(o.atol), "max_elements": o.max_elements})
    });
    let doc = json!({
        "specs": specs,
        "answers": {
            "total": c.answers(),
            "correct": c.correct,
            "close": c.close,
            "wrong": c.wrong,
            "unanswered": c.unanswered,
        },
        "gradient_check": {"passed": c.passed, "failed": c.failed, "skipped": c.skipped},
        "gradcheck": settings,
    });
    format!("{}\n", crate::term::json_safe(doc.to_string()))
}

fn spec_json(r: &SpecReport) -> Json {
    let c = r.counts();
    let status = match &r.problem {
        Some(p) if p.invalid => "invalid",
        _ if c.failed_any() => "failed",
        _ => "passed",
    };
    let problem = r.problem.as_ref().map(|p| {
        json!({"invalid": p.invalid, "message": p.message, "location": p.location, "more": p.more})
    });
    let expect: Vec<Json> = r
        .expect
        .iter()
        .map(|e| {
            let verdict = e.judgement.status;
            let status = match verdict {
                judge::Status::Correct => "passed",
                judge::Status::Unanswered => "unanswered",
                judge::Status::Close | judge::Status::Wrong => "failed",
            };
            let hide = r.hidden || verdict == judge::Status::Unanswered;
            json!({
                "kind": match e.kind { Kind::Value => "value", Kind::Grad => "grad" },
                "name": e.name,
                "status": status,
                "verdict": verdict.as_str(),
                "reason": e.judgement.reason,
                "expected": janswer(&e.answer),
                "computed": if hide { Json::Null } else { jvalue(&e.computed) },
                "rule": rule_json(e.rule),
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
        "rule": rule_json(r.rule),
        "answers": {
            "total": c.answers(),
            "correct": c.correct,
            "close": c.close,
            "wrong": c.wrong,
            "unanswered": c.unanswered,
        },
        "gradient_check": {"passed": c.passed, "failed": c.failed, "skipped": c.skipped},
        "expect": expect,
        "gradcheck": grads,
    })
}
