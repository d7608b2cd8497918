//! `POST /api/explain`: `bpc explain` of the page's text, as its JSON and its
//! text, and as the page's step-through: forward in evaluation order (each
//! leaf's value, each node's formula with the numbers plugged in), then
//! backward from the output down (each node's gradient from above and what
//! each argument gets: upstream × local derivative), then each leaf's
//! gradient as the sum of its uses.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value as Json, json};

use crate::diag::Diagnostics;
use crate::explain::notation::{Equation, Notation};
use crate::explain::{self, Explanation, Options, text};
use crate::graph::Kind;
use crate::plan::Slot;

use super::AppState;
use super::answer::{self, Answer, json_response};
use super::api::{RunRequest, blocking, parse, spec_size};
use super::pipeline::{self, Input, Stopped};

/// The body of `POST /api/explain`: a run request and `bpc explain`'s
/// `--wrt` and `--node`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainRequest {
    spec: String,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    set: std::collections::BTreeMap<String, Json>,
    #[serde(default)]
    wrt: Vec<String>,
    #[serde(default)]
    node: Vec<String>,
}

/// `POST /api/explain`.
pub async fn explain(State(state): State<Arc<AppState>>, body: Bytes) -> Answer {
    let req: ExplainRequest = parse(&body)?;
    spec_size(&req.spec)?;
    let run = RunRequest::of(req.spec, req.file, req.set);
    let file = run.resolve_file(&state)?;
    let st = state.clone();
    blocking(&state, move || {
        let sets = run.sets();
        let input = Input {
            text: &run.spec,
            file: file.as_ref(),
            sets: &sets,
        };
        let invalid =
            |d: &Diagnostics| json_response(StatusCode::UNPROCESSABLE_ENTITY, answer::invalid_json(d, &run.spec));
        let (plan, ev) = match pipeline::evaluate(&st.roots, &input, &|| false) {
            Ok(p) => p,
            Err(Stopped::Invalid(d)) => return invalid(&d),
            Err(Stopped::Superseded) => return invalid(&Diagnostics::default()),
        };
        let mut errors = Diagnostics::default();
        let wrt = explain::paths::named(&plan, "--wrt", &req.wrt, &mut errors);
        let nodes = explain::paths::named(&plan, "--node", &req.node, &mut errors);
        if !errors.is_empty() {
            return invalid(&errors);
        }
        let options = Options {
            wrt,
            nodes,
            ..Options::default()
        };
        let ex = explain::explain(&plan, &ev, options, None);
        let body = json!({
            "explain": serde_json::from_str::<Json>(&explain::json::render(&ex)).unwrap_or(Json::Null),
            "text": text::render(&ex, text::TextOptions::default()),
            "steps": steps(&ex),
        });
        json_response(StatusCode::OK, format!("{body}\n"))
    })
    .await
}

/// An equation on one line, as `bpc explain` says it (unwrapped).
fn line(eq: &Equation) -> String {
    let mut s = eq.lhs.clone();
    for (i, r) in eq.rhs.iter().enumerate() {
        s.push_str(if i == 0 && eq.accumulate {
            " += "
        } else {
            " = "
        });
        s.push_str(r);
    }
    for extra in [&eq.shapes, &eq.note].into_iter().flatten() {
        s.push_str(&format!("  ({extra})"));
    }
    s
}

/// The step-through: `{node, phase, lines}` per step, forward (every named
/// slot in evaluation order), backward (every node from the output down),
/// then `gradient` (every leaf's gradient, the sum of its uses).
fn steps(ex: &Explanation) -> Vec<Json> {
    let n = Notation {
        latex: false,
        sig: ex.options.precision,
        max_elems: ex.options.max_elems,
    };
    let plan = ex.plan;
    let out = ex.output();
    let step = |slot: Slot, phase: &str, lines: Vec<String>| json!({"node": ex.name(slot), "phase": phase, "lines": lines});
    let mut all = Vec::new();
    for (slot, info) in plan.named() {
        let value = n.value(ex.value(slot));
        let text = match info.kind {
            Kind::Node(_) if ex.forward.contains(&slot) => line(&ex.forward_equation(&n, slot)),
            Kind::Node(_) => format!("{} = {value}  (does not feed `{out}`)", info.name),
            _ => format!("{} = {value}  ({})", info.name, info.kind.describe()),
        };
        all.push(step(slot, "forward", vec![text]));
    }
    for s in &ex.backward {
        let up = &s.upstream;
        let first = if up.seed {
            let seed = if plan.output_is_scalar() {
                "1"
            } else {
                "all ones"
            };
            format!("{} = {seed}  (the seed)", n.partial(out, out))
        } else {
            line(&ex.gathered_equation(&n, up).unwrap_or_else(|| Equation {
                lhs: n.partial(out, ex.name(s.node)),
                rhs: vec![n.value(&up.total)],
                ..Default::default()
            }))
        };
        let mut lines = vec![first];
        lines.extend(s.terms.iter().map(|t| line(&ex.term_equation(&n, s, t))));
        all.push(step(s.node, "backward", lines));
    }
    for leaf in &ex.leaves {
        let name = ex.name(leaf.slot);
        let text = match leaf.uses.len() {
            0 => format!(
                "{} = 0: {name} does not affect `{out}`",
                n.partial(out, name)
            ),
            k => {
                let mut eq = ex.gathered_equation(&n, leaf).unwrap_or_else(|| Equation {
                    lhs: n.partial(out, name),
                    rhs: vec![n.value(&leaf.total)],
                    ..Default::default()
                });
                if k > 1 {
                    eq.note = Some(format!("{name} is used {k} times: the gradients add up"));
                }
                line(&eq)
            }
        };
        all.push(step(leaf.slot, "gradient", vec![text]));
    }
    all
}
