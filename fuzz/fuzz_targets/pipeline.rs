//! The whole pipeline on arbitrary bytes: text -> spec -> graph -> plan ->
//! forward -> backward -> table and JSON, and every diagnostic rendered; the
//! same bytes as a CSV file; and for a spec with questions, the key's text
//! filled and its handout made (text edits at parser spans), the handout
//! reading back with every answer blank; where the fast reader of plain
//! specs applies, the general YAML reader must make the same spec. Any
//! panic, hang or out-of-memory is a bug; errors are fine.
//!
//! Large shapes are not skipped: every plan that compiles must keep within
//! the limits (each value, and what each op builds inside, at most
//! `graph::MAX_ELEMENTS`; all values at most `graph::MAX_TOTAL_ELEMENTS`),
//! asserted here, so a limit the compiler forgets to check is a crash.
//! Only then is a plan over a small evaluation budget left unevaluated: big
//! graphs within the limits are slow, not wrong.
//!
//! Run: `cargo fuzz run pipeline -s none -- -max_total_time=600 -rss_limit_mb=2048`

#![no_main]

use std::sync::Arc;

use bpc::diag::{Diagnostic, Diagnostics, Source};
use bpc::{eval, graph, plan, render, spec};
use libfuzzer_sys::fuzz_target;

/// Inputs larger than this are skipped: the parser is linear, and large
/// inputs only slow the search down.
const MAX_INPUT: usize = 16 * 1024;

/// Plans holding more elements than this (over all slots, and inside each
/// op) are checked against the limits but not evaluated.
const MAX_EVAL_ELEMENTS: usize = 1 << 20;

/// Multiply-adds of one matmul above which a plan is not evaluated.
const MAX_MATMUL_WORK: usize = 1 << 24;

/// Whatever the fast reader of plain specs accepts, the general YAML reader
/// reads as the same spec, spans included.
fn fast_path_agrees(source: &Source) {
    if let (Some(fast), general) = spec::parse_each_way(source) {
        match general {
            Ok(slow) => assert_eq!(format!("{fast:?}"), format!("{slow:?}")),
            Err(e) => panic!("the fast path read what YAML refuses: {e:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_INPUT {
        return;
    }
    let text = String::from_utf8_lossy(data);
    // The same bytes as a data file: errors show one cell, at its place.
    if let Err(ds) = bpc::data::csv::parse_text("fuzz.csv", &text) {
        show(&ds);
    }
    let source = Source::new("fuzz.yaml", text.as_ref());
    fast_path_agrees(&source);
    let spec = match spec::parse(&source) {
        Ok(s) => s,
        Err(d) => return show(&d.into()),
    };
    let graph = match graph::build(Arc::new(spec), &[]) {
        Ok(g) => g,
        Err(ds) => return show(&ds),
    };
    let plan = plan::compile(graph);
    within_limits(&plan);
    if !small_enough(&plan) {
        return;
    }
    let evaluation = eval::evaluate(&plan);
    if let Some(nf) = evaluation.nonfinite {
        show(&bpc::render::nonfinite::diagnostic(&plan, &evaluation.values, nf).into());
    }
    let table = render::table::render(&plan, &evaluation, Default::default());
    let json = render::json::render(&plan, &evaluation);
    assert!(!table.is_empty());
    // The JSON must parse (NaN and infinities are written as strings).
    assert!(serde_json_like(&json), "invalid JSON: {json}");
    match bpc::grade::key::Key::from_plan(plan, Vec::new()) {
        Ok(key) => {
            let _ = bpc::grade::write::filled(&key, None);
            for student in [None, Some("fuzz")] {
                let text = bpc::grade::write::handout(&key, student, None);
                if let Err(what) = bpc::grade::write::check_handout(&key, &text) {
                    panic!("the handout {what}:\n{text}");
                }
            }
        }
        Err(ds) => show(&ds),
    }
});

/// Renders diagnostics both ways, as the CLI would.
fn show(ds: &Diagnostics) {
    let _ = ds.render(false);
    let _ = ds.render(true);
    for d in &ds.0 {
        let _: Option<String> = Diagnostic::location(d);
    }
}

/// Elements of a shape (`usize::MAX` past what a `usize` counts).
fn elements(shape: &[usize]) -> usize {
    shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .unwrap_or(usize::MAX)
}

/// What every compiled plan must satisfy, whatever its size: the limits the
/// graph stage promises, including what each op builds inside (the op
/// table's `largest`).
fn within_limits(plan: &bpc::plan::Plan) {
    let mut total = 0usize;
    for s in &plan.slots {
        let n = elements(&s.shape);
        assert!(n <= graph::MAX_ELEMENTS, "`{}` has {n} elements", s.name);
        total = total.saturating_add(n);
    }
    assert!(total <= graph::MAX_TOTAL_ELEMENTS, "{total} elements in all");
    for step in &plan.steps {
        let args: Vec<&[usize]> = step
            .args()
            .iter()
            .map(|&a| plan.info(a).shape.as_slice())
            .collect();
        let out = &plan.info(step.out).shape;
        let inner = step.op.def().largest.elements(&args, out);
        assert!(
            inner <= graph::MAX_ELEMENTS,
            "`{}` builds {inner} elements inside",
            plan.info(step.out).name
        );
    }
}

/// True when the plan is cheap to evaluate.
fn small_enough(plan: &bpc::plan::Plan) -> bool {
    let inner = plan.steps.iter().map(|step| {
        let args: Vec<&[usize]> = step
            .args()
            .iter()
            .map(|&a| plan.info(a).shape.as_slice())
            .collect();
        step.op.def().largest.elements(&args, &plan.info(step.out).shape)
    });
    if inner.clone().any(|n| n > MAX_EVAL_ELEMENTS) {
        return false;
    }
    let mut total: usize = 0;
    for s in &plan.slots {
        let n = s.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        match n.and_then(|n| total.checked_add(n)) {
            Some(t) => total = t,
            None => return false,
        }
    }
    if total > MAX_EVAL_ELEMENTS {
        return false;
    }
    plan.steps.iter().all(|step| {
        // A matrix product costs about (elements of a) x (last axis of b).
        if !matches!(step.op, bpc::op::Op::Matmul | bpc::op::Op::Affine) {
            return true;
        }
        let args = step.args();
        let a: usize = plan.info(args[0]).shape.iter().product();
        let b_last = args.get(1).and_then(|&b| plan.info(b).shape.last().copied()).unwrap_or(1);
        a.saturating_mul(b_last) <= MAX_MATMUL_WORK
    })
}

/// A cheap structural check: balanced brackets and quotes.
fn serde_json_like(json: &str) -> bool {
    let mut depth: i64 = 0;
    let mut in_str = false;
    let mut escaped = false;
    for c in json.chars() {
        match (in_str, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_str = false,
            (true, false, _) => {}
            (false, _, '"') => in_str = true,
            (false, _, '{' | '[') => depth += 1,
            (false, _, '}' | ']') => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0 && !in_str
}
