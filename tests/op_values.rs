//! Exact values of the ops (with their math), shape rules and errors, the
//! scalar fast path against the tensor path, and robustness.

mod opkit;

use bpc::op::{Map, OPS, Op};
use bpc::tensor::Value;
use opkit::{Rng, t, three};

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
    assert_eq!(Map::Sigmoid.forward_scalar(1000.0, 0.0), 1.0);
    assert_eq!(Map::Sigmoid.forward_scalar(-1000.0, 0.0), 0.0);
    assert_eq!(Map::Sigmoid.forward_scalar(0.0, 0.0), 0.5);
    // softplus x = ln(1 + eˣ): 1000 at 1000, 0 at -1000, ln 2 at 0
    assert_eq!(Map::Softplus.forward_scalar(1000.0, 0.0), 1000.0);
    assert_eq!(Map::Softplus.forward_scalar(-1000.0, 0.0), 0.0);
    assert_eq!(
        Map::Softplus.forward_scalar(0.0, 0.0),
        std::f64::consts::LN_2
    );
    // d/dx softplus = σ(x): 1 at 1000
    assert_eq!(
        Map::Softplus.backward_scalar(1000.0, 0.0, 1000.0, 1.0),
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
    let [gx, none1, none2] = three(op.backward(&[&x], &f(op), &g, &[true; 3]));
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
        three(Op::CrossEntropy.backward(&[&logits, &indices], &by_index, &g, &[true, true, false]));
    let [go, _, _] = three(Op::CrossEntropy.backward(
        &[&logits, &one_hot],
        &by_one_hot,
        &g,
        &[true, false, false],
    ));
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
        let [gz, gt, _] = three(Op::CrossEntropy.backward(
            &[&logits, &target],
            &out,
            &Value::Scalar(1.0),
            &[true; 3],
        ));
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
        Op::Map(Map::Add).infer_shape(&[&[2, 3], &[4]]),
        Err(
            "cannot broadcast shapes [2, 3] and [4]: axis -1 has 3 vs 4 \
             (sizes must match or one must be 1)"
                .into()
        )
    );
    let e = Op::Map(Map::Pow)
        .infer_shape(&[&[2, 3], &[3, 3]])
        .unwrap_err();
    assert!(
        e.contains("[2, 3]") && e.contains("[3, 3]") && e.contains("axis -2"),
        "{e}"
    );
    assert_eq!(
        Op::Softmax { axis: -1 }.infer_shape(&[&[]]),
        Err("softmax needs a tensor of rank >= 1, got a scalar".into())
    );
    assert!(Op::LogSoftmax { axis: 1 }.infer_shape(&[&[3]]).is_err());
    assert!(Op::Map(Map::Add).infer_shape(&[&[2]]).is_err());
}

/// Same f64 or both NaN.
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn scalar_fast_path_agrees_bit_for_bit_with_tensor_path() {
    let ops = elementwise_ops();
    // At least add sub mul div pow, neg exp log sqrt square abs sin cos, sigmoid
    // tanh relu softplus leaky_relu (a new elementwise op joins without an edit here).
    assert!(ops.len() >= 18, "{ops:?}");
    let xs = [-2.5, -1.0, -0.3, 0.0, 0.7, 1.0, 3.2, 40.0];
    let bs = [-1.5, 0.0, 0.5, 2.0, 3.0];
    let g = [0.3, -1.7, 2.1, 0.9, -0.4];
    for m in ops {
        let op = Op::Map(m);
        let binary = op.arity() == 2;
        let a = t(&[xs.len(), 1], &xs);
        let b = t(&[1, bs.len()], &bs);
        let args: Vec<&Value> = if binary { vec![&a, &b] } else { vec![&a] };
        let out = op.forward(&args);
        let gv = Rng(11).uniform(out.shape(), -2.0, 2.0);
        let [ga, _, _] = three(op.backward(&args, &out, &gv, &[true, false, false]));
        let (out, gv) = (out.to_vec(), gv.to_vec());
        for (i, &x) in xs.iter().enumerate() {
            let cols = if binary { bs.len() } else { 1 };
            for j in 0..cols {
                let y = if binary { bs[j] } else { 0.0 };
                let k = i * cols + j;
                let o = m.forward_scalar(x, y);
                assert!(same(o, out[k]), "{} forward({x}, {y})", op.name());
                // a [n, 1] tensor against a scalar path element by element
                if !binary {
                    let (d, _) = m.backward_scalar(x, y, o, gv[k]);
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
                    three(op.backward(&sargs, &so, &Value::Scalar(g[j]), &[true, true, true]));
                let (wa, wb) = m.backward_scalar(x, y, o, g[j]);
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
            let [da, db, _] =
                three(op.backward(&[&a, &same_shape_b], &out, &a, &[true, true, false]));
            let (da, db) = (da.unwrap().to_vec(), db.unwrap().to_vec());
            for (k, &x) in xs.iter().enumerate() {
                let y = x * 0.5 + 1.0;
                let (wa, wb) = m.backward_scalar(x, y, m.forward_scalar(x, y), x);
                assert!(
                    same(da[k], wa) && same(db[k], wb),
                    "{} backward({x}, {y})",
                    op.name()
                );
            }
        }
    }
}

#[test]
fn kinks_follow_pytorch() {
    // relu and abs: gradient 0 at 0
    assert_eq!(Map::Relu.backward_scalar(0.0, 0.0, 0.0, 1.0), (0.0, 0.0));
    assert_eq!(Map::Abs.backward_scalar(0.0, 0.0, 0.0, 1.0), (0.0, 0.0));
    let zeros = t(&[2], &[0., 0.]);
    for op in [Op::Map(Map::Relu), Op::Map(Map::Abs)] {
        let out = op.forward(&[&zeros]);
        let [g, _, _] = three(op.backward(&[&zeros], &out, &t(&[2], &[1., 1.]), &[true; 3]));
        assert_eq!(g, Some(zeros.clone()));
    }
    // leaky_relu: alpha at 0 (PyTorch: x > 0 ? g : g·α)
    assert_eq!(
        Map::LeakyRelu { alpha: 0.2 }.backward_scalar(0.0, 0.0, 0.0, 1.0),
        (0.2, 0.0)
    );
    // pow at x = 0: d/dp = 0 for p >= 0; d/dx = 0 for p = 0 (not 0·0⁻¹ = NaN)
    assert_eq!(Map::Pow.backward_scalar(0.0, 2.0, 0.0, 1.0), (0.0, 0.0));
    assert_eq!(Map::Pow.backward_scalar(0.0, 0.0, 1.0, 1.0), (0.0, 0.0));
    // d/dp 2³ = 2³ ln 2, d/dx x³ = 3x² = 12
    let (dx, dp) = Map::Pow.backward_scalar(2.0, 3.0, 8.0, 1.0);
    assert_eq!((dx, dp), (12.0, 8.0 * 2f64.ln()));
    // out of the domain: NaN or inf, no panic
    assert!(Map::Log.forward_scalar(-1.0, 0.0).is_nan());
    assert_eq!(Map::Div.forward_scalar(1.0, 0.0), f64::INFINITY);
}

#[test]
fn wants_select_the_gradients() {
    let a = t(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    let b = t(&[3], &[1., 2., 3.]);
    let out = Op::Map(Map::Mul).forward(&[&a, &b]);
    let g = Value::full(&[2, 3], 1.0);
    let [ga, gb, gc] = three(Op::Map(Map::Mul).backward(&[&a, &b], &out, &g, &[false, true, true]));
    assert!(ga.is_none() && gc.is_none());
    // d/db Σ a ⊙ b = column sums of a
    assert_eq!(gb, Some(t(&[3], &[5., 7., 9.])));
    assert_eq!(
        Op::Map(Map::Mul).backward(&[&a, &b], &out, &g, &[false; 3]),
        vec![None, None]
    );
}

#[test]
fn inconsistent_shapes_never_panic() {
    let a = t(&[2, 3], &[1.; 6]);
    let b = t(&[4], &[1.; 4]);
    // forward on shapes infer_shape rejects: a NaN scalar
    for op in [
        Op::Map(Map::Add),
        Op::Matmul,
        Op::Mse,
        Op::CrossEntropy,
        Op::Bce,
    ] {
        assert!(
            op.forward(&[&a, &b]).as_scalar().unwrap().is_nan(),
            "{}",
            op.name()
        );
        let [ga, gb, _] = three(op.backward(
            &[&a, &b],
            &Value::Scalar(0.0),
            &Value::Scalar(1.0),
            &[true; 3],
        ));
        assert_eq!(ga.unwrap().shape(), &[2, 3]);
        assert_eq!(gb.unwrap().shape(), &[4]);
    }
    // the wrong number of arguments
    assert!(
        Op::Map(Map::Add)
            .forward(&[&a])
            .as_scalar()
            .unwrap()
            .is_nan()
    );
    let [ga, gb, _] = three(Op::Affine.backward(&[&a], &a, &a, &[true; 3]));
    assert!(ga.is_some() && gb.is_none());
    // an upstream gradient of the wrong shape
    let out = Op::Softmax { axis: -1 }.forward(&[&a]);
    let [gx, _, _] = three(Op::Softmax { axis: -1 }.backward(&[&a], &out, &b, &[true; 3]));
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
fn elementwise_ops() -> Vec<Map> {
    OPS.iter()
        .filter_map(|d| match (d.build)(&d.defaults()) {
            Op::Map(m) => Some(m),
            _ => None,
        })
        .collect()
}
