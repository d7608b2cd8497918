//! Every spec under `specs/` is a test: its table and exact JSON are
//! snapshotted, and every leaf's gradient is checked against central finite
//! differences.

mod common;

use bpc::eval;
use bpc::graph::Kind;
use bpc::load;
use bpc::timings::Timings;
use common::{bpc, rel};

#[test]
fn every_spec_snapshot() {
    insta::glob!("../specs", "*.yaml", |path| {
        let spec = rel(path);
        let (status, table, err) = bpc(&["run", &spec]);
        assert_eq!(status, 0, "{spec}: {err}");
        let (status, json, err) = bpc(&["run", &spec, "--format", "json"]);
        assert_eq!(status, 0, "{spec}: {err}");
        insta::assert_snapshot!(format!("{table}\n{json}"));
    });
}

/// Central differences of the output with respect to every element of every
/// leaf, against the reverse walk's gradients.
#[test]
fn every_spec_matches_finite_differences() {
    insta::glob!("../specs", "*.yaml", |path| {
        let plan = load::load(path, &[], true, &mut Timings::default()).expect("spec loads");
        let base = eval::evaluate(&plan);
        let out = plan.output.index();
        let total = |values: &[bpc::tensor::Value]| values[out].iter().sum::<f64>();
        // Class-index targets of cross_entropy are not differentiable (bpc
        // defines their gradient as 0); finite differences leave the integers.
        let class_indices: Vec<_> = plan
            .steps
            .iter()
            .filter(|s| matches!(s.op, bpc::op::Op::CrossEntropy))
            .filter(|s| plan.info(s.args[0]).shape != plan.info(s.args[1]).shape)
            .map(|s| s.args[1])
            .collect();
        for (slot, info) in plan
            .named()
            .filter(|(_, i)| matches!(i.kind, Kind::Input | Kind::Param))
        {
            if class_indices.contains(&slot) {
                continue;
            }
            for k in 0..base.values[slot].len() {
                let x = base.values[slot].to_vec()[k];
                let eps = 1e-6 * x.abs().max(1.0);
                let at = |dx: f64| {
                    let mut values = eval::initial_values(&plan);
                    let mut arr = values[slot].to_array();
                    if let Some(e) = arr.iter_mut().nth(k) {
                        *e += dx;
                    }
                    values[slot] = bpc::tensor::Value::from_array(arr);
                    eval::forward(&plan, &mut values);
                    total(&values)
                };
                let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
                let analytic = base.grads[slot].to_vec()[k];
                let tol = 1e-6 * analytic.abs().max(numeric.abs()) + 1e-7;
                assert!(
                    (numeric - analytic).abs() <= tol,
                    "{}: d/d {}[{k}]: backward {analytic} vs finite differences {numeric}",
                    rel(path),
                    info.name
                );
            }
        }
    });
}

/// Evaluating again on the same buffers (as training does, with in-place
/// kernels) gives exactly what a fresh evaluation gives.
#[test]
fn every_spec_evaluates_the_same_on_reused_buffers() {
    insta::glob!("../specs", "*.yaml", |path| {
        let plan = load::load(path, &[], true, &mut Timings::default()).expect("spec loads");
        let fresh = eval::evaluate(&plan);
        let mut values = eval::initial_values(&plan);
        let mut grads = bpc::slots::Grads::default();
        for _ in 0..3 {
            eval::forward(&plan, &mut values);
            eval::backward(&plan, &values, &mut grads);
        }
        assert_eq!(values, fresh.values, "{}: values", rel(path));
        for (slot, info) in plan.named() {
            let (a, b) = (&grads[slot], &fresh.grads[slot]);
            for (x, y) in a.iter().zip(b.iter()) {
                // A fused multiply-add may round once where two steps round twice.
                assert!(
                    (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                    "{}: d/d {}: {x} vs {y}",
                    rel(path),
                    info.name
                );
            }
        }
    });
}
