//! The JSON bodies the API answers with, built from a plan and its
//! evaluation by the CLI's own renderers (`bpc run --format json`, `bpc dot`,
//! the table's number format), so the page shows what the terminal shows.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use crate::diag::Diagnostics;
use crate::eval::Evaluation;
use crate::explain::perturb::Comparison;
use crate::graph::Kind;
use crate::plan::Plan;
use crate::render::{self, dot};
use crate::tensor::{Value, shape_text};

use super::picture;
use super::pipeline::diagnostics_json;

/// Significant digits of the table's numbers (`bpc run`'s default).
const PRECISION: usize = 6;
/// Tensors with more elements are printed by rows in the table (as `bpc run`).
const TABLE_ELEMS: usize = 12;
/// The table's value column, in characters (longer rows leave out their middle).
const TABLE_WIDTH: usize = 48;

/// `bpc run --format json`'s object, plus `exit` (the CLI's exit status),
/// `dot` (what `bpc dot` writes) and `dot_key` (its shape's key; when it is
/// `known_dot`, the key of the picture the page shows, `dot` is null and
/// `labels` has each node's label cells instead: [`picture`](super::picture)),
/// `rows` (each named slot's kind, op,
/// arguments, shape and table text), `compare` (with `set`: the output
/// against the text's own values, and the change the gradient predicts, as
/// `bpc run --set` prints it), `diagnostics` and `stderr`.
pub fn run_json(
    plan: &Plan,
    ev: &Evaluation,
    compare: Option<&Comparison>,
    known_dot: Option<&str>,
) -> String {
    let base = render::json::render(plan, ev);
    let base = base.trim_end();
    let base = base.strip_suffix('}').unwrap_or(base);
    let mut warnings = Diagnostics::default();
    if let Some(nf) = ev.nonfinite {
        // As `bpc run --allow-nonfinite` prints it.
        warnings.push(render::nonfinite::diagnostic(plan, &ev.values, nf).warning());
    }
    let spec_text: &str = &plan.source().text;
    let diags = diagnostics_json(&warnings, spec_text);
    let data = crate::train::data_slots(plan);
    let rows: Vec<Json> = plan
        .named()
        .map(|(slot, info)| {
            let (kind, op) = match info.kind {
                Kind::Input => ("input", None),
                Kind::Param => ("param", None),
                Kind::Literal => ("literal", None),
                Kind::Node(op) => ("node", Some(op.display())),
            };
            let v = &ev.values[slot];
            let g = &ev.grads[slot];
            json!({
                "name": info.name,
                "kind": kind,
                "op": op,
                "args": info.args.iter().map(|&a| plan.info(a).name.as_str()).collect::<Vec<_>>(),
                "shape": info.shape,
                "shape_text": shape_text(&info.shape),
                "data": data.contains(&slot),
                "value_lines": cell(v),
                "grad_lines": cell(g),
            })
        })
        .collect();
    let dot = dot::render(plan, ev, dot::DotOptions::default());
    let split = picture::split(&dot);
    let (dot, labels) = if known_dot == Some(split.key.as_str()) {
        (Json::Null, Json::Object(split.labels))
    } else {
        (Json::String(dot), Json::Null)
    };
    let extra = json!({
        "exit": if ev.nonfinite.is_some() { 1 } else { 0 },
        "output_scalar": plan.output_is_scalar(),
        "description": plan.spec.description.as_deref().map(str::trim),
        "train": plan.spec.train.is_some(),
        "dot": dot,
        "dot_key": split.key,
        "labels": labels,
        "rows": rows,
        "compare": compare.map(|c| json!({
            "line": c.line(PRECISION),
            "old": json_number(c.old),
            "new": json_number(c.new),
            "actual": json_number(c.actual()),
            "predicted": json_number(c.predicted()),
            "changes": c.changes.iter().map(|ch| json!({
                "name": ch.name,
                "old": render::value_text(&ch.old, PRECISION, TABLE_ELEMS),
                "new": render::value_text(&ch.new, PRECISION, TABLE_ELEMS),
            })).collect::<Vec<_>>(),
        })),
        "diagnostics": diags["diagnostics"],
        "stderr": diags["stderr"],
    });
    let extra = extra.to_string();
    format!("{base}, {}\n", extra.strip_prefix('{').unwrap_or(&extra))
}

/// A number as `bpc run --format json` writes it (NaN and infinities as strings).
pub fn json_number(x: f64) -> Json {
    serde_json::from_str(&render::json::number(x)).unwrap_or(Json::Null)
}

/// A value as the lines of a table cell, as `bpc run` prints it: a small
/// tensor on one line as nested lists, a larger one by rows with the middle
/// of long axes left out.
fn cell(v: &Value) -> Vec<String> {
    let one = render::value_text(v, PRECISION, TABLE_ELEMS);
    match v {
        Value::Scalar(_) => vec![one],
        Value::Tensor(_) if v.len() <= TABLE_ELEMS && one.chars().count() <= TABLE_WIDTH => {
            vec![one]
        }
        Value::Tensor(a) => render::matrix::lines(a.shape(), &v.to_vec(), PRECISION, TABLE_WIDTH),
    }
}

/// An invalid spec: its diagnostics, and exit status 2 as the CLI's.
pub fn invalid_json(ds: &Diagnostics, spec_text: &str) -> String {
    let mut j = diagnostics_json(ds, spec_text);
    j["exit"] = json!(2);
    format!("{j}\n")
}

/// A JSON response with the given status; API answers are never cached.
pub fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// A handler's answer: a response, or why there is none.
pub type Answer<T = Response> = Result<T, Refusal>;

/// A request refused or failed: a status and a JSON body.
#[derive(Debug)]
pub struct Refusal {
    /// The HTTP status.
    pub status: StatusCode,
    /// The JSON body.
    pub body: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        json_response(self.status, self.body)
    }
}

/// `{"error": message}` with a status.
pub fn refuse(status: StatusCode, message: &str) -> Refusal {
    Refusal {
        status,
        body: format!("{}\n", json!({ "error": message })),
    }
}

/// The answer to a request that a newer one from the same page replaced.
pub fn superseded() -> Refusal {
    Refusal {
        status: StatusCode::CONFLICT,
        body: format!(
            "{}\n",
            json!({"superseded": true, "error": "a newer request from this page replaced this one"})
        ),
    }
}
