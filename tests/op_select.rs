//! `max` and `min` of values that other ops made, whatever their memory
//! layout: a slice's `[1, 3]` may carry any stride on its axis of length 1
//! (found by the export test's random specs: `max(slice(x, 1, 2), axis=0)`
//! was NaN).

mod opkit;

use bpc::op::Op;
use bpc::tensor::Value;
use opkit::t;

/// `op` of the lane values and its gradient for an upstream gradient of ones.
fn pick(op: Op, x: &Value) -> (Vec<f64>, Vec<f64>) {
    let out = op.forward(&[x]);
    let g = Value::full(out.shape(), 1.0);
    let grad = op.backward(&[x], &out, &g, &[true]).remove(0).unwrap();
    (out.to_vec(), grad.to_vec())
}

#[test]
fn max_and_min_of_a_slice_along_its_axis_of_length_one() {
    let x = t(&[2, 3], &[-1.2, 1.1, 0.4, -1.3, -1.4, -1.1]);
    let row = Op::Slice {
        start: 1,
        stop: 2,
        axis: 0,
    }
    .forward(&[&x]);
    assert_eq!(row.shape(), &[1, 3]);
    for op in [Op::Max { axis: Some(0) }, Op::Min { axis: Some(-2) }] {
        // One element per lane: the lane itself, each with gradient 1.
        assert_eq!(
            pick(op, &row),
            (vec![-1.3, -1.4, -1.1], vec![1.0; 3]),
            "{op:?}"
        );
    }
    // Along the other axis, and over all, as for any [1, 3].
    assert_eq!(
        pick(Op::Max { axis: Some(1) }, &row),
        (vec![-1.1], vec![0.0, 0.0, 1.0])
    );
    assert_eq!(
        pick(Op::Min { axis: None }, &row),
        (vec![-1.4], vec![0.0, 1.0, 0.0])
    );
    // A column of a matrix sliced to [2, 1], reduced along its length-1 axis.
    let col = Op::Slice {
        start: 2,
        stop: 3,
        axis: 1,
    }
    .forward(&[&x]);
    assert_eq!(
        pick(Op::Max { axis: Some(1) }, &col),
        (vec![0.4, -1.1], vec![1.0, 1.0])
    );
}
