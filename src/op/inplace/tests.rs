//! Tests of the in-place kernels against the allocating ones.

use super::*;

#[test]
fn broadcasting_must_give_exactly_the_buffer_shape() {
    assert!(broadcasts_to(&[2, 3], &[3], &[2, 3]));
    assert!(broadcasts_to(&[1, 3], &[2, 1], &[2, 3]));
    assert!(broadcasts_to(&[], &[4], &[4]));
    // [1, 3] with [1, 3] is [1, 3]: a [2, 3] buffer from an earlier batch must not be reused.
    assert!(!broadcasts_to(&[1, 3], &[1, 3], &[2, 3]));
    assert!(!broadcasts_to(&[2, 3], &[4], &[2, 3]));
}

fn tensor(shape: &[usize], seed: f64) -> Value {
    let n: usize = shape.iter().product();
    // Deterministic values in (0.1, 1.9), away from every kink and domain edge.
    let data = (0..n)
        .map(|i| 1.0 + 0.9 * ((i as f64 + seed) * 1.7).sin())
        .collect();
    Value::from_array(crate::tensor::Array::from_shape_vec(shape, data).unwrap())
}

/// Every in-place kernel gives the allocating kernel's numbers (forward bit for bit).
#[test]
fn in_place_kernels_match_the_allocating_ones() {
    // Every elementwise op, with default attributes, read off the op table.
    let elementwise = crate::op::OPS
        .iter()
        .map(|d| (d.build)(&d.defaults()))
        .filter(|op| matches!(op, Op::Map(_)));
    let mut cases: Vec<(Op, Vec<Value>)> = Vec::new();
    for op in elementwise {
        let args = if op.arity() == 1 {
            vec![tensor(&[2, 3], 0.0)]
        } else {
            vec![tensor(&[2, 3], 0.0), tensor(&[3], 5.0)]
        };
        cases.push((op, args));
    }
    cases.push((Op::Matmul, vec![tensor(&[2, 3], 1.0), tensor(&[3, 4], 2.0)]));
    cases.push((
        Op::Affine,
        vec![
            tensor(&[2, 3], 1.0),
            tensor(&[3, 4], 2.0),
            tensor(&[4], 3.0),
        ],
    ));
    for (op, args) in cases {
        let refs: Vec<&Value> = args.iter().collect();
        let want = op.forward(&refs);
        let mut out = Value::full(want.shape(), f64::NAN);
        assert!(
            op.forward_into(&refs, &mut out),
            "{op:?} has an in-place forward"
        );
        assert_eq!(out, want, "{op:?} forward");
        let g = tensor(want.shape(), 7.0);
        let grads = op.backward(&refs, &want, &g, &[true; 3]);
        for (k, arg) in args.iter().enumerate() {
            let start = tensor(arg.shape(), 9.0);
            let mut acc = start.clone();
            if op.accumulate_grad(k, &refs, &want, &g, &mut acc) {
                let mut expected = start.clone();
                expected.add_assign(grads[k].as_ref().unwrap());
                for (x, y) in acc.iter().zip(expected.iter()) {
                    // A multiply-add may round once where two steps round twice.
                    assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{op:?} arg {k}");
                }
            } else {
                assert_eq!(acc, start, "{op:?} arg {k}: a refusal leaves acc alone");
            }
        }
    }
}

/// Overwriting a stale buffer gives exactly the bits of clearing it and
/// adding: every kernel with an overwrite mode, large products (the
/// blocked kernel, cut into blocks) and small ones, with zeros and
/// negative numbers about so that -0 products occur.
#[test]
fn overwriting_gives_the_bits_of_clearing_then_adding() {
    let signed = |shape: &[usize], seed: f64| {
        let n: usize = shape.iter().product();
        let data = (0..n)
            .map(|i| {
                let x = ((i as f64 + seed) * 1.3).sin();
                // A third of the elements are zero (of either sign).
                if i % 3 == 0 { 0.0 * x } else { x }
            })
            .collect();
        Value::from_array(crate::tensor::Array::from_shape_vec(shape, data).unwrap())
    };
    let labels = |n: usize| {
        let t = (0..n).map(|i| (i % 10) as f64).collect();
        Value::from_array(crate::tensor::Array::from_shape_vec(&[n][..], t).unwrap())
    };
    let cases: Vec<(Op, Vec<Value>)> = vec![
        (
            Op::Map(super::super::Map::Sigmoid),
            vec![signed(&[7, 9], 1.0)],
        ),
        (
            Op::Map(super::super::Map::Mul),
            vec![signed(&[7, 9], 1.0), signed(&[7, 9], 2.0)],
        ),
        (Op::Matmul, vec![signed(&[3, 4], 1.0), signed(&[4, 5], 2.0)]),
        (
            Op::Matmul,
            vec![signed(&[40, 30], 1.0), signed(&[30, 70], 2.0)],
        ),
        (
            Op::Matmul,
            vec![signed(&[784, 64], 3.0), signed(&[64, 128], 4.0)],
        ),
        (
            Op::Affine,
            vec![
                signed(&[64, 784], 5.0),
                signed(&[784, 128], 6.0),
                signed(&[128], 7.0),
            ],
        ),
        (Op::CrossEntropy, vec![signed(&[64, 10], 8.0), labels(64)]),
    ];
    for (op, args) in cases {
        let refs: Vec<&Value> = args.iter().collect();
        let out = op.forward(&refs);
        if let Op::Map(_) = op {
            // Both signs: sigmoid's forward has a pass for each.
            let mut o = Value::full(out.shape(), f64::NAN);
            assert!(op.forward_into(&refs, &mut o));
            let same = o
                .iter()
                .zip(out.iter())
                .all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "{op:?} forward");
        }
        let g = if out.shape().is_empty() {
            Value::Scalar(0.5)
        } else {
            signed(out.shape(), 11.0)
        };
        for (k, arg) in args.iter().enumerate() {
            let mut added = Value::full(arg.shape(), 0.0);
            if !op.add_grad(k, &refs, &out, &g, &mut added, false) {
                continue;
            }
            let mut written = Value::full(arg.shape(), f64::NAN);
            assert!(op.add_grad(k, &refs, &out, &g, &mut written, true));
            let same = added
                .iter()
                .zip(written.iter())
                .all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "{op:?} arg {k}");
        }
    }
}
