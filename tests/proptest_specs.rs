//! Random well-formed specs, each gradient checked against central finite
//! differences computed here from bpc's own forward pass.
//!
//! A spec is a random DAG of smooth ops (elementwise, and index, slice,
//! reshape, stack and concat) over a few leaves whose shapes all broadcast
//! together (`[]`, `[3]`, `[1, 3]`, `[2, 1]`, `[2, 3]`); the ops that pick
//! (maximum, clip, max, ...) are left out, as their gradient jumps at ties.
//! Every node's range is tracked as an interval, and an op is only used where
//! it is safe: `log` and `sqrt` of positive values, `div` by values away from
//! zero, nothing that grows past 50 in size. So every value is finite and
//! smooth, and finite differences are accurate.
//!
//! Run more cases with `PROPTEST_CASES=5000 cargo test --release --test proptest_specs`.

mod common;

use std::sync::Arc;

use bpc::diag::Source;
use bpc::graph::{self, BindMode, Binding};
use bpc::tensor::{Array, Value};
use bpc::{eval, plan, spec};
use common::random_spec::{Ops, Range, SHAPES, draw, leaf, range_of, spec_text};
use proptest::prelude::*;

/// The output's value with `leaf` replaced by `value`.
fn output_with(spec: &Arc<spec::Spec>, leaf: &str, shape: &[usize], data: Vec<f64>) -> f64 {
    let value =
        Value::from_array(Array::from_shape_vec(ndarray::IxDyn(shape), data).expect("shape"));
    let binding = Binding {
        name: leaf.to_string(),
        value,
        origin: None,
        mode: BindMode::Replace,
    };
    let graph = graph::build(spec.clone(), &[binding]).expect("valid spec");
    let plan = plan::compile(graph);
    let mut values = eval::initial_values(&plan);
    eval::forward(&plan, &mut values);
    values[plan.output].as_scalar().expect("scalar output")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn gradients_match_finite_differences(
        leaves in prop::collection::vec(leaf(), 1..4),
        draws in prop::collection::vec(draw(), 1..9),
    ) {
        let text = spec_text(&leaves, &draws, Ops::Smooth);
        let source = Source::new("prop.yaml", text.as_str());
        let parsed = spec::parse(&source).map_err(|d| TestCaseError::fail(format!("{d}\n{text}")))?;
        let spec = Arc::new(parsed);
        let graph = graph::build(spec.clone(), &[]).map_err(|d| TestCaseError::fail(format!("{d}\n{text}")))?;
        let plan = plan::compile(graph);
        let evaluation = eval::evaluate(&plan);
        prop_assert!(evaluation.nonfinite.is_none(), "non-finite in\n{}", text);

        for (i, leaf) in leaves.iter().enumerate() {
            let name = format!("x{i}");
            let slot = plan.slot(&name).expect("leaf slot");
            let analytic = evaluation.grads[slot].to_vec();
            let shape = SHAPES[leaf.shape];
            for (k, &want) in analytic.iter().enumerate() {
                // Central difference: (f(x + h) - f(x - h)) / 2h, error O(h^2).
                let h = 1e-5 * leaf.data[k].abs().max(1.0);
                let mut up = leaf.data.clone();
                up[k] += h;
                let mut down = leaf.data.clone();
                down[k] -= h;
                let fd = (output_with(&spec, &name, shape, up) - output_with(&spec, &name, shape, down)) / (2.0 * h);
                let tol = 1e-4 * want.abs().max(fd.abs()).max(1.0);
                prop_assert!(
                    (want - fd).abs() <= tol,
                    "d total / d {}[{}]: bpc {} vs finite difference {}\n{}",
                    name, k, want, fd, text
                );
            }
        }
    }
}

#[test]
fn ranges_refuse_unsafe_ops() {
    let pos = Range::of(0.5, 2.0);
    let around_zero = Range::of(-1.0, 1.0);
    assert!(range_of("log", around_zero, pos).is_none());
    assert!(range_of("div", pos, around_zero).is_none());
    assert!(range_of("log", pos, pos).is_some());
    // exp(4) = 54.6 > 50: refused.
    assert!(range_of("exp", Range::of(0.0, 4.0), pos).is_none());
}
