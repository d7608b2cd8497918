//! Every op's backward against central finite differences, on scalars and on
//! broadcast tensors, for every argument; plus exact values with their math.

use bpc::op::Op;
use bpc::tensor::Value;
use ndarray::{ArrayD, IxDyn};

const EPS: f64 = 1e-6;
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-8;

fn t(shape: &[usize], data: &[f64]) -> Value {
    Value::from_array(ArrayD::from_shape_vec(IxDyn(shape), data.to_vec()).unwrap())
}

/// A fixed linear congruential generator: deterministic "random" inputs.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    fn uniform(&mut self, shape: &[usize], lo: f64, hi: f64) -> Value {
        let n = shape.iter().product();
        let data: Vec<f64> = (0..n).map(|_| lo + (hi - lo) * self.unit()).collect();
        t(shape, &data)
    }

    /// |x| uniform in [lo, hi), random sign: away from a kink at 0.
    fn away_from_zero(&mut self, shape: &[usize], lo: f64, hi: f64) -> Value {
        let v = self.uniform(shape, lo, hi);
        let data: Vec<f64> = v
            .iter()
            .map(|x| if self.unit() < 0.5 { -x } else { x })
            .collect();
        t(shape, &data)
    }
}

/// `v` with element `j` (row-major) moved by `delta`.
fn nudged(v: &Value, j: usize, delta: f64) -> Value {
    let mut data = v.to_vec();
    data[j] += delta;
    t(v.shape(), &data)
}

fn forward(op: Op, args: &[Value]) -> Value {
    let refs: Vec<&Value> = args.iter().collect();
    op.forward(&refs)
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= ATOL + RTOL * got.abs().max(want.abs())
}

/// Checks backward (a vector-Jacobian product) against central finite
/// differences of L(args) = Σ g ⊙ op(args), for a fixed non-uniform upstream
/// gradient g, element by element of every argument not in `skip`.
fn gradcheck(op: Op, args: &[Value], skip: &[usize]) {
    let refs: Vec<&Value> = args.iter().collect();
    let shapes: Vec<&[usize]> = args.iter().map(|a| a.shape()).collect();
    let shape = op.infer_shape(&shapes).unwrap();
    let out = op.forward(&refs);
    assert_eq!(out.shape(), &shape[..], "{} forward shape", op.display());
    assert!(out.first_nonfinite().is_none(), "{}: {out:?}", op.display());
    let g = Rng(7).uniform(out.shape(), -1.5, 1.5);
    let grads = op.backward(&refs, &out, &g, [true; 3]);
    for (i, grad) in grads.iter().enumerate().skip(op.arity()) {
        assert!(
            grad.is_none(),
            "{}: gradient {i} past the arity",
            op.display()
        );
    }
    let loss = |args: &[Value]| -> f64 {
        let y = forward(op, args);
        y.iter().zip(g.iter()).map(|(y, g)| y * g).sum()
    };
    for i in (0..op.arity()).filter(|i| !skip.contains(i)) {
        let got = grads[i]
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no gradient {i}", op.display()));
        assert_eq!(
            got.shape(),
            args[i].shape(),
            "{} gradient {i} shape",
            op.display()
        );
        let got = got.to_vec();
        for (j, &got) in got.iter().enumerate() {
            let mut plus = args.to_vec();
            plus[i] = nudged(&args[i], j, EPS);
            let mut minus = args.to_vec();
            minus[i] = nudged(&args[i], j, -EPS);
            let want = (loss(&plus) - loss(&minus)) / (2.0 * EPS);
            assert!(
                close(got, want),
                "{} d/d{}[{j}] with shapes {shapes:?}: backward {got}, finite differences {want}",
                op.display(),
                op.signature().args[i]
            );
        }
    }
}

const BROADCAST_PAIRS: &[(&[usize], &[usize])] = &[
    (&[], &[]),
    (&[2, 3], &[2, 3]),
    (&[2, 3], &[3]),
    (&[3], &[2, 3]),
    (&[2, 1], &[1, 3]),
    (&[], &[2, 3]),
    (&[2, 3], &[]),
    (&[2, 1, 3], &[4, 1]),
];

#[test]
fn unary_ops_match_finite_differences() {
    // (op, lo, hi, away from zero): inputs avoid kinks and domain edges.
    let cases = [
        (Op::Neg, -2.0, 2.0, false),
        (Op::Exp, -2.0, 2.0, false),
        (Op::Log, 0.3, 3.0, false),
        (Op::Sqrt, 0.3, 3.0, false),
        (Op::Square, -2.0, 2.0, false),
        (Op::Abs, 0.2, 2.0, true),
        (Op::Sin, -3.0, 3.0, false),
        (Op::Cos, -3.0, 3.0, false),
        (Op::Sigmoid, -4.0, 4.0, false),
        (Op::Tanh, -2.0, 2.0, false),
        (Op::Relu, 0.2, 2.0, true),
        (Op::Softplus, -4.0, 4.0, false),
        (Op::LeakyRelu { alpha: 0.1 }, 0.2, 2.0, true),
    ];
    let mut rng = Rng(1);
    for (op, lo, hi, away) in cases {
        assert!(op.is_elementwise());
        for shape in [&[][..], &[3], &[2, 3]] {
            let x = if away {
                rng.away_from_zero(shape, lo, hi)
            } else {
                rng.uniform(shape, lo, hi)
            };
            gradcheck(op, &[x], &[]);
        }
    }
}

#[test]
fn binary_ops_match_finite_differences_with_broadcasting() {
    let mut rng = Rng(2);
    for &(sa, sb) in BROADCAST_PAIRS {
        for op in [Op::Add, Op::Sub, Op::Mul] {
            let args = [rng.uniform(sa, -2.0, 2.0), rng.uniform(sb, -2.0, 2.0)];
            gradcheck(op, &args, &[]);
        }
        let div = [rng.uniform(sa, -2.0, 2.0), rng.away_from_zero(sb, 0.5, 2.0)];
        gradcheck(Op::Div, &div, &[]);
        let pow = [rng.uniform(sa, 0.5, 2.0), rng.uniform(sb, -1.5, 2.5)];
        gradcheck(Op::Pow, &pow, &[]);
    }
}

#[test]
fn matmul_and_transpose_match_finite_differences() {
    let mut rng = Rng(3);
    for (sa, sb) in [
        (&[3][..], &[3][..]),
        (&[2, 3], &[3]),
        (&[3], &[3, 4]),
        (&[2, 3], &[3, 4]),
        (&[1, 1], &[1, 1]),
    ] {
        gradcheck(
            Op::Matmul,
            &[rng.uniform(sa, -2.0, 2.0), rng.uniform(sb, -2.0, 2.0)],
            &[],
        );
    }
    for shape in [&[][..], &[3], &[2, 3], &[2, 3, 4]] {
        gradcheck(Op::Transpose, &[rng.uniform(shape, -2.0, 2.0)], &[]);
    }
}

#[test]
fn reductions_match_finite_differences() {
    let mut rng = Rng(4);
    let cases: &[(&[usize], Option<isize>)] = &[
        (&[], None),
        (&[3], None),
        (&[3], Some(0)),
        (&[2, 3], None),
        (&[2, 3], Some(0)),
        (&[2, 3], Some(1)),
        (&[2, 3], Some(-1)),
        (&[2, 3, 4], Some(1)),
    ];
    for &(shape, axis) in cases {
        for op in [Op::Sum { axis }, Op::Mean { axis }] {
            gradcheck(op, &[rng.uniform(shape, -2.0, 2.0)], &[]);
        }
    }
}

#[test]
fn softmax_and_log_softmax_match_finite_differences() {
    let mut rng = Rng(5);
    let cases: &[(&[usize], isize)] = &[
        (&[4], -1),
        (&[4], 0),
        (&[2, 3], -1),
        (&[2, 3], 0),
        (&[2, 3, 2], 1),
    ];
    for &(shape, axis) in cases {
        for op in [Op::Softmax { axis }, Op::LogSoftmax { axis }] {
            gradcheck(op, &[rng.uniform(shape, -3.0, 3.0)], &[]);
        }
    }
}

#[test]
fn affine_matches_finite_differences() {
    let mut rng = Rng(6);
    let cases: &[(&[usize], &[usize], &[usize])] = &[
        (&[2, 3], &[3, 4], &[4]),
        (&[2, 3], &[3, 4], &[2, 4]),
        (&[2, 3], &[3, 4], &[1, 4]),
        (&[2, 3], &[3, 4], &[2, 1]),
        (&[2, 3], &[3, 4], &[]),
        (&[3], &[3, 4], &[4]),
        (&[2, 3], &[3], &[2]),
        (&[3], &[3], &[]),
        // b broadcasts the result up: [4] + [2, 4]... as [2, 4]
        (&[3], &[3, 4], &[2, 4]),
    ];
    for &(sx, sw, sb) in cases {
        let args = [
            rng.uniform(sx, -2.0, 2.0),
            rng.uniform(sw, -2.0, 2.0),
            rng.uniform(sb, -2.0, 2.0),
        ];
        gradcheck(Op::Affine, &args, &[]);
    }
}

#[test]
fn losses_match_finite_differences() {
    let mut rng = Rng(7);
    for &(sa, sb) in BROADCAST_PAIRS {
        gradcheck(
            Op::Mse,
            &[rng.uniform(sa, -2.0, 2.0), rng.uniform(sb, -2.0, 2.0)],
            &[],
        );
        gradcheck(
            Op::Bce,
            &[rng.uniform(sa, 0.1, 0.9), rng.uniform(sb, 0.0, 1.0)],
            &[],
        );
    }
    // probability rows (not necessarily summing to 1) and one-hot rows
    gradcheck(
        Op::CrossEntropy,
        &[
            rng.uniform(&[2, 3], -2.0, 2.0),
            rng.uniform(&[2, 3], 0.0, 1.0),
        ],
        &[],
    );
    gradcheck(
        Op::CrossEntropy,
        &[rng.uniform(&[3], -2.0, 2.0), rng.uniform(&[3], 0.0, 1.0)],
        &[],
    );
    let one_hot = t(&[2, 3], &[0., 0., 1., 1., 0., 0.]);
    gradcheck(
        Op::CrossEntropy,
        &[rng.uniform(&[2, 3], -2.0, 2.0), one_hot],
        &[],
    );
    // class indices: the logits' gradient only; the target's is zeros
    let indices = t(&[3], &[2., 0., 1.]);
    gradcheck(
        Op::CrossEntropy,
        &[rng.uniform(&[3, 4], -2.0, 2.0), indices],
        &[1],
    );
    gradcheck(
        Op::CrossEntropy,
        &[rng.uniform(&[4], -2.0, 2.0), Value::Scalar(3.0)],
        &[1],
    );
}

// ---- exact values ----

fn assert_all_close(got: &Value, want: &[f64], tol: f64) {
    let got = got.to_vec();
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "{got:?} vs {want:?}");
    }
}

#[test]
fn softmax_values() {
    let x = t(&[3], &[1., 2., 3.]);
    // softmax([1,2,3]) = eⁱ / (e + e² + e³) = [0.0900.., 0.2447.., 0.6652..]
    let s = Op::Softmax { axis: -1 }.forward(&[&x]);
    assert_all_close(
        &s,
        &[0.09003057317038046, 0.24472847105479764, 0.6652409557748219],
        1e-15,
    );
    // log_softmax([1,2,3]) = i - ln(e + e² + e³) = i - 3.4076..
    let l = Op::LogSoftmax { axis: -1 }.forward(&[&x]);
    assert_all_close(
        &l,
        &[
            -2.4076059644443806,
            -1.4076059644443806,
            -0.4076059644443806,
        ],
        1e-15,
    );
    // stable for large inputs: softmax([1000, 1001]) = softmax([0, 1]) = [1/(1+e), e/(1+e)]
    let big = Op::Softmax { axis: 0 }.forward(&[&t(&[2], &[1000., 1001.])]);
    assert_all_close(&big, &[0.2689414213699951, 0.7310585786300049], 1e-15);
    // along axis 0 of [[0, 0], [ln 3, 0]]: columns [1/4, 3/4] and [1/2, 1/2]
    let cols = Op::Softmax { axis: 0 }.forward(&[&t(&[2, 2], &[0., 0., 3f64.ln(), 0.])]);
    assert_all_close(&cols, &[0.25, 0.5, 0.75, 0.5], 1e-15);
}

#[test]
fn stable_sigmoid_and_softplus() {
    // σ(±1000) = 1, 0 without overflow; σ(0) = 1/2
    assert_eq!(Op::Sigmoid.forward_scalar(1000.0, 0.0), 1.0);
    assert_eq!(Op::Sigmoid.forward_scalar(-1000.0, 0.0), 0.0);
    assert_eq!(Op::Sigmoid.forward_scalar(0.0, 0.0), 0.5);
    // softplus x = ln(1 + eˣ): 1000 at 1000, 0 at -1000, ln 2 at 0
    assert_eq!(Op::Softplus.forward_scalar(1000.0, 0.0), 1000.0);
    assert_eq!(Op::Softplus.forward_scalar(-1000.0, 0.0), 0.0);
    assert_eq!(
        Op::Softplus.forward_scalar(0.0, 0.0),
        std::f64::consts::LN_2
    );
    // d/dx softplus = σ(x): 1 at 1000
    assert_eq!(
        Op::Softplus.backward_scalar(1000.0, 0.0, 1000.0, 1.0),
        (1.0, 0.0)
    );
}

#[test]
fn matmul_shapes_and_values() {
    let m = t(&[2, 2], &[1., 2., 3., 4.]);
    let v = t(&[2], &[5., 6.]);
    let shape = |a: &[usize], b: &[usize]| Op::Matmul.infer_shape(&[a, b]);
    assert_eq!(shape(&[3], &[3]), Ok(vec![]));
    assert_eq!(shape(&[2, 3], &[3]), Ok(vec![2]));
    assert_eq!(shape(&[3], &[3, 4]), Ok(vec![4]));
    assert_eq!(shape(&[2, 3], &[3, 4]), Ok(vec![2, 4]));
    // [1,2]·[5,6] = 5 + 12 = 17
    assert_eq!(
        Op::Matmul.forward(&[&t(&[2], &[1., 2.]), &v]),
        Value::Scalar(17.0)
    );
    // [[1,2],[3,4]] @ [5,6] = [1·5 + 2·6, 3·5 + 4·6] = [17, 39]
    assert_eq!(Op::Matmul.forward(&[&m, &v]), t(&[2], &[17., 39.]));
    // [5,6] @ [[1,2],[3,4]] = [5·1 + 6·3, 5·2 + 6·4] = [23, 34]
    assert_eq!(Op::Matmul.forward(&[&v, &m]), t(&[2], &[23., 34.]));
    // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19, 22], [43, 50]]
    let n = t(&[2, 2], &[5., 6., 7., 8.]);
    assert_eq!(
        Op::Matmul.forward(&[&m, &n]),
        t(&[2, 2], &[19., 22., 43., 50.])
    );
    assert_eq!(
        shape(&[2, 3], &[4, 5]),
        Err("matmul needs the inner dimensions to agree: [2, 3] @ [4, 5] (3 vs 4)".into())
    );
    let rank3 = shape(&[2, 3, 4], &[4]).unwrap_err();
    assert!(
        rank3.contains("[2, 3, 4]") && rank3.contains("[4]"),
        "{rank3}"
    );
    assert!(shape(&[], &[3]).is_err());
    // transpose of [[1,2],[3,4]] is [[1,3],[2,4]], and reverses all axes
    assert_eq!(Op::Transpose.forward(&[&m]), t(&[2, 2], &[1., 3., 2., 4.]));
    assert_eq!(Op::Transpose.infer_shape(&[&[2, 3, 4]]), Ok(vec![4, 3, 2]));
}

#[test]
fn affine_values() {
    // [1,2] @ [[1,0,1],[0,1,1]] + [10,20,30] = [1,2,3] + [10,20,30] = [11, 22, 33]
    let x = t(&[1, 2], &[1., 2.]);
    let w = t(&[2, 3], &[1., 0., 1., 0., 1., 1.]);
    let b = t(&[3], &[10., 20., 30.]);
    assert_eq!(
        Op::Affine.forward(&[&x, &w, &b]),
        t(&[1, 3], &[11., 22., 33.])
    );
    let e = Op::Affine
        .infer_shape(&[&[1, 2], &[2, 3], &[2]])
        .unwrap_err();
    assert!(e.contains("[1, 3]") && e.contains("[2]"), "{e}");
}

#[test]
fn sum_and_mean_along_axes() {
    let x = t(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    let f = |op: Op| op.forward(&[&x]);
    // Σ 1..6 = 21; columns [1+4, 2+5, 3+6]; rows [1+2+3, 4+5+6]
    assert_eq!(f(Op::Sum { axis: None }), Value::Scalar(21.0));
    assert_eq!(f(Op::Sum { axis: Some(0) }), t(&[3], &[5., 7., 9.]));
    assert_eq!(f(Op::Sum { axis: Some(1) }), t(&[2], &[6., 15.]));
    assert_eq!(f(Op::Sum { axis: Some(-1) }), t(&[2], &[6., 15.]));
    // mean = 21/6; column means [5/2, 7/2, 9/2]
    assert_eq!(f(Op::Mean { axis: None }), Value::Scalar(3.5));
    assert_eq!(f(Op::Mean { axis: Some(0) }), t(&[3], &[2.5, 3.5, 4.5]));
    // d/dx mean over axis 0 spreads g/2 down each column
    let op = Op::Mean { axis: Some(0) };
    let g = t(&[3], &[1., 2., 3.]);
    let [gx, none1, none2] = op.backward(&[&x], &f(op), &g, [true; 3]);
    assert_eq!(gx, Some(t(&[2, 3], &[0.5, 1., 1.5, 0.5, 1., 1.5])));
    assert!(none1.is_none() && none2.is_none());
    assert_eq!(op.infer_shape(&[&[2, 3, 4]]), Ok(vec![3, 4]));
    assert_eq!(
        Op::Sum { axis: Some(2) }.infer_shape(&[&[2, 3]]),
        Err("axis 2 is out of range for a tensor of rank 2 (shape [2, 3])".into())
    );
    assert!(Op::Sum { axis: Some(-3) }.infer_shape(&[&[2, 3]]).is_err());
    assert!(Op::Sum { axis: Some(0) }.infer_shape(&[&[]]).is_err());
    // an empty tensor: Σ = 0, mean = 0/0 = NaN, no panic
    let empty = t(&[0], &[]);
    assert_eq!(
        Op::Sum { axis: None }.forward(&[&empty]),
        Value::Scalar(0.0)
    );
    assert!(
        Op::Mean { axis: None }
            .forward(&[&empty])
            .as_scalar()
            .unwrap()
            .is_nan()
    );
}

#[test]
fn cross_entropy_with_indices_equals_one_hot() {
    let logits = t(&[2, 3], &[1., 2., 3., 1., 0., -1.]);
    let indices = t(&[2], &[2., 0.]);
    let one_hot = t(&[2, 3], &[0., 0., 1., 1., 0., 0.]);
    let by_index = Op::CrossEntropy.forward(&[&logits, &indices]);
    let by_one_hot = Op::CrossEntropy.forward(&[&logits, &one_hot]);
    // each row picks its largest logit of 3 spaced by 1: -log_softmax = ln(1 + e⁻¹ + e⁻²) = 0.4076..
    assert_all_close(&by_index, &[0.4076059644443806], 1e-15);
    assert_all_close(&by_one_hot, &[0.4076059644443806], 1e-15);
    let g = Value::Scalar(1.0);
    let [gi, gt, _] =
        Op::CrossEntropy.backward(&[&logits, &indices], &by_index, &g, [true, true, false]);
    let [go, _, _] =
        Op::CrossEntropy.backward(&[&logits, &one_hot], &by_one_hot, &g, [true, false, false]);
    assert_all_close(gi.as_ref().unwrap(), &go.unwrap().to_vec(), 1e-15);
    // class indices are not differentiable: zeros
    assert_eq!(gt, Some(t(&[2], &[0., 0.])));
    // d/dz = (softmax - onehot)/N: row 0 is ([0.090, 0.245, 0.665] - [0, 0, 1]) / 2
    let gi = gi.unwrap().to_vec();
    assert!((gi[0] - 0.09003057317038046 / 2.0).abs() < 1e-15);
    assert!((gi[2] - (0.6652409557748219 - 1.0) / 2.0).abs() < 1e-15);
}

#[test]
fn cross_entropy_shapes_and_invalid_indices() {
    let ce = |a: &[usize], b: &[usize]| Op::CrossEntropy.infer_shape(&[a, b]);
    assert_eq!(ce(&[4, 3], &[4, 3]), Ok(vec![]));
    assert_eq!(ce(&[4, 3], &[4]), Ok(vec![]));
    assert_eq!(ce(&[3], &[3]), Ok(vec![]));
    assert_eq!(ce(&[3], &[]), Ok(vec![]));
    let e = ce(&[4, 3], &[3]).unwrap_err();
    assert!(
        e.contains("[4, 3]") && e.contains("[3]") && e.contains("[4]"),
        "{e}"
    );
    assert!(ce(&[], &[]).is_err());
    assert!(ce(&[2, 3, 4], &[2, 3]).is_err());
    // an index outside [0, C), negative, or not an integer: NaN, never a panic
    let logits = t(&[2, 3], &[1., 2., 3., 1., 0., -1.]);
    for bad in [3.0, -1.0, 0.5, f64::NAN, f64::INFINITY] {
        let target = t(&[2], &[bad, 0.]);
        let out = Op::CrossEntropy.forward(&[&logits, &target]);
        assert!(out.as_scalar().unwrap().is_nan(), "index {bad}");
        let [gz, gt, _] =
            Op::CrossEntropy.backward(&[&logits, &target], &out, &Value::Scalar(1.0), [true; 3]);
        assert_eq!(gz.unwrap().shape(), &[2, 3]);
        assert_eq!(gt.unwrap().shape(), &[2]);
    }
}

#[test]
fn mse_and_bce_values() {
    // mse([1,2,3], [1,1,1]) = (0 + 1 + 4)/3
    let p = t(&[3], &[1., 2., 3.]);
    assert_eq!(
        Op::Mse.forward(&[&p, &Value::Scalar(1.0)]),
        Value::Scalar(5.0 / 3.0)
    );
    // bce(0.8, 1) = -ln 0.8
    let b = Op::Bce.forward(&[&Value::Scalar(0.8), &Value::Scalar(1.0)]);
    assert_eq!(b, Value::Scalar(-(0.8f64.ln())));
    // not clamped (PyTorch clamps the log at -100): bce(1, 0) = -ln 0 = inf
    let inf = Op::Bce.forward(&[&Value::Scalar(1.0), &Value::Scalar(0.0)]);
    assert_eq!(inf, Value::Scalar(f64::INFINITY));
    let e = Op::Mse.infer_shape(&[&[2, 3], &[2]]).unwrap_err();
    assert!(
        e.starts_with("mse needs pred and target") && e.contains("[2, 3]") && e.contains("[2]"),
        "{e}"
    );
}

#[test]
fn shape_errors_name_both_shapes() {
    assert_eq!(
        Op::Add.infer_shape(&[&[2, 3], &[4]]),
        Err(
            "cannot broadcast shapes [2, 3] and [4]: axis -1 has 3 vs 4 \
             (sizes must match or one must be 1)"
                .into()
        )
    );
    let e = Op::Pow.infer_shape(&[&[2, 3], &[3, 3]]).unwrap_err();
    assert!(
        e.contains("[2, 3]") && e.contains("[3, 3]") && e.contains("axis -2"),
        "{e}"
    );
    assert_eq!(
        Op::Softmax { axis: -1 }.infer_shape(&[&[]]),
        Err("softmax needs a tensor of rank >= 1, got a scalar".into())
    );
    assert!(Op::LogSoftmax { axis: 1 }.infer_shape(&[&[3]]).is_err());
    assert!(Op::Add.infer_shape(&[&[2]]).is_err());
}

/// Same f64 or both NaN.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn scalar_fast_path_agrees_bit_for_bit_with_tensor_path() {
    let ops = elementwise_ops();
    // add sub mul div pow, neg exp log sqrt square abs sin cos, sigmoid tanh relu softplus leaky_relu
    assert_eq!(ops.len(), 18);
    let xs = [-2.5, -1.0, -0.3, 0.0, 0.7, 1.0, 3.2, 40.0];
    let bs = [-1.5, 0.0, 0.5, 2.0, 3.0];
    let g = [0.3, -1.7, 2.1, 0.9, -0.4];
    for op in ops {
        assert!(op.is_elementwise());
        let binary = op.arity() == 2;
        let a = t(&[xs.len(), 1], &xs);
        let b = t(&[1, bs.len()], &bs);
        let args: Vec<&Value> = if binary { vec![&a, &b] } else { vec![&a] };
        let out = op.forward(&args);
        let gv = Rng(11).uniform(out.shape(), -2.0, 2.0);
        let [ga, _, _] = op.backward(&args, &out, &gv, [true, false, false]);
        let (out, gv) = (out.to_vec(), gv.to_vec());
        for (i, &x) in xs.iter().enumerate() {
            let cols = if binary { bs.len() } else { 1 };
            for j in 0..cols {
                let y = if binary { bs[j] } else { 0.0 };
                let k = i * cols + j;
                let o = op.forward_scalar(x, y);
                assert!(same(o, out[k]), "{} forward({x}, {y})", op.name());
                // a [n, 1] tensor against a scalar path element by element
                if !binary {
                    let (d, _) = op.backward_scalar(x, y, o, gv[k]);
                    assert!(
                        same(d, ga.as_ref().unwrap().to_vec()[k]),
                        "{} backward({x})",
                        op.name()
                    );
                }
                // the scalar-only path of forward and backward
                let sx = Value::Scalar(x);
                let sy = Value::Scalar(y);
                let sargs: Vec<&Value> = if binary { vec![&sx, &sy] } else { vec![&sx] };
                let so = op.forward(&sargs);
                assert!(same(so.as_scalar().unwrap(), o));
                let [da, db, _] =
                    op.backward(&sargs, &so, &Value::Scalar(g[j]), [true, true, true]);
                let (wa, wb) = op.backward_scalar(x, y, o, g[j]);
                assert!(same(da.unwrap().as_scalar().unwrap(), wa));
                if binary {
                    assert!(same(db.unwrap().as_scalar().unwrap(), wb));
                } else {
                    assert!(db.is_none(), "{}: a unary op has one gradient", op.name());
                }
            }
        }
        // binary, no broadcasting: the element-wise gradients are the scalar ones
        if binary {
            let same_shape_b = t(&[xs.len(), 1], &xs.map(|x| x * 0.5 + 1.0));
            let out = op.forward(&[&a, &same_shape_b]);
            let [da, db, _] = op.backward(&[&a, &same_shape_b], &out, &a, [true, true, false]);
            let (da, db) = (da.unwrap().to_vec(), db.unwrap().to_vec());
            for (k, &x) in xs.iter().enumerate() {
                let y = x * 0.5 + 1.0;
                let (wa, wb) = op.backward_scalar(x, y, op.forward_scalar(x, y), x);
                assert!(
                    same(da[k], wa) && same(db[k], wb),
                    "{} backward({x}, {y})",
                    op.name()
                );
            }
        }
    }
    // non-elementwise ops have no scalar path
    assert!(Op::Matmul.forward_scalar(1.0, 2.0).is_nan());
    assert!(!Op::Sum { axis: None }.is_elementwise());
}

#[test]
fn kinks_follow_pytorch() {
    // relu and abs: gradient 0 at 0
    assert_eq!(Op::Relu.backward_scalar(0.0, 0.0, 0.0, 1.0), (0.0, 0.0));
    assert_eq!(Op::Abs.backward_scalar(0.0, 0.0, 0.0, 1.0), (0.0, 0.0));
    let zeros = t(&[2], &[0., 0.]);
    for op in [Op::Relu, Op::Abs] {
        let out = op.forward(&[&zeros]);
        let [g, _, _] = op.backward(&[&zeros], &out, &t(&[2], &[1., 1.]), [true; 3]);
        assert_eq!(g, Some(zeros.clone()));
    }
    // leaky_relu: alpha at 0 (PyTorch: x > 0 ? g : g·α)
    assert_eq!(
        Op::LeakyRelu { alpha: 0.2 }.backward_scalar(0.0, 0.0, 0.0, 1.0),
        (0.2, 0.0)
    );
    // pow at x = 0: d/dp = 0 for p >= 0; d/dx = 0 for p = 0 (not 0·0⁻¹ = NaN)
    assert_eq!(Op::Pow.backward_scalar(0.0, 2.0, 0.0, 1.0), (0.0, 0.0));
    assert_eq!(Op::Pow.backward_scalar(0.0, 0.0, 1.0, 1.0), (0.0, 0.0));
    // d/dp 2³ = 2³ ln 2, d/dx x³ = 3x² = 12
    let (dx, dp) = Op::Pow.backward_scalar(2.0, 3.0, 8.0, 1.0);
    assert_eq!((dx, dp), (12.0, 8.0 * 2f64.ln()));
    // out of the domain: NaN or inf, no panic
    assert!(Op::Log.forward_scalar(-1.0, 0.0).is_nan());
    assert_eq!(Op::Div.forward_scalar(1.0, 0.0), f64::INFINITY);
}

#[test]
fn wants_select_the_gradients() {
    let a = t(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    let b = t(&[3], &[1., 2., 3.]);
    let out = Op::Mul.forward(&[&a, &b]);
    let g = Value::full(&[2, 3], 1.0);
    let [ga, gb, gc] = Op::Mul.backward(&[&a, &b], &out, &g, [false, true, true]);
    assert!(ga.is_none() && gc.is_none());
    // d/db Σ a ⊙ b = column sums of a
    assert_eq!(gb, Some(t(&[3], &[5., 7., 9.])));
    assert_eq!(
        Op::Mul.backward(&[&a, &b], &out, &g, [false; 3]),
        [None, None, None]
    );
}

#[test]
fn inconsistent_shapes_never_panic() {
    let a = t(&[2, 3], &[1.; 6]);
    let b = t(&[4], &[1.; 4]);
    // forward on shapes infer_shape rejects: a NaN scalar
    for op in [Op::Add, Op::Matmul, Op::Mse, Op::CrossEntropy, Op::Bce] {
        assert!(
            op.forward(&[&a, &b]).as_scalar().unwrap().is_nan(),
            "{}",
            op.name()
        );
        let [ga, gb, _] = op.backward(
            &[&a, &b],
            &Value::Scalar(0.0),
            &Value::Scalar(1.0),
            [true; 3],
        );
        assert_eq!(ga.unwrap().shape(), &[2, 3]);
        assert_eq!(gb.unwrap().shape(), &[4]);
    }
    // the wrong number of arguments
    assert!(Op::Add.forward(&[&a]).as_scalar().unwrap().is_nan());
    let [ga, gb, _] = Op::Affine.backward(&[&a], &a, &a, [true; 3]);
    assert!(ga.is_some() && gb.is_none());
    // an upstream gradient of the wrong shape
    let out = Op::Softmax { axis: -1 }.forward(&[&a]);
    let [gx, _, _] = Op::Softmax { axis: -1 }.backward(&[&a], &out, &b, [true; 3]);
    assert_eq!(gx.unwrap().shape(), &[2, 3]);
    // empty tensors
    let empty = t(&[2, 0], &[]);
    let s = Op::Softmax { axis: -1 }.forward(&[&empty]);
    assert_eq!(s.shape(), &[2, 0]);
    let m = Op::Matmul.forward(&[&t(&[2, 0], &[]), &t(&[0, 3], &[])]);
    assert_eq!(m, t(&[2, 3], &[0.; 6]));
}

/// Every elementwise op, with default attributes, read off the op table (so a
/// new elementwise op is tested without editing this file).
fn elementwise_ops() -> Vec<Op> {
    bpc::op::SIGNATURES
        .iter()
        .filter_map(|s| Op::from_parts(s.name, |_| None))
        .filter(Op::is_elementwise)
        .collect()
}
