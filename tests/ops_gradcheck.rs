//! Every op's backward against central finite differences, on scalars and on
//! broadcast tensors, for every argument.

mod opkit;

use bpc::op::{Dims, Map, OPS, Op};
use bpc::tensor::Value;
use opkit::{Cases, Rng, t};

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
    Cases::run(unary_ops);
}

#[test]
fn binary_ops_match_finite_differences_with_broadcasting() {
    Cases::run(binary_ops);
}

#[test]
fn matmul_and_transpose_match_finite_differences() {
    Cases::run(matmul_and_transpose);
}

#[test]
fn reductions_match_finite_differences() {
    Cases::run(reductions);
}

#[test]
fn softmax_and_log_softmax_match_finite_differences() {
    Cases::run(softmax_and_log_softmax);
}

#[test]
fn affine_matches_finite_differences() {
    Cases::run(affine);
}

#[test]
fn losses_match_finite_differences() {
    Cases::run(losses);
}

#[test]
fn maximum_minimum_and_clip_match_finite_differences() {
    Cases::run(maximum_minimum_and_clip);
}

#[test]
fn picking_reductions_match_finite_differences() {
    Cases::run(picking_reductions);
}

#[test]
fn index_slice_and_reshape_match_finite_differences() {
    Cases::run(index_slice_and_reshape);
}

#[test]
fn stack_and_concat_match_finite_differences() {
    Cases::run(stack_and_concat);
}

/// Every family of cases, so that a new op without cases fails the test below.
const FAMILIES: &[fn(&mut Cases)] = &[
    unary_ops,
    binary_ops,
    matmul_and_transpose,
    reductions,
    softmax_and_log_softmax,
    affine,
    losses,
    maximum_minimum_and_clip,
    picking_reductions,
    index_slice_and_reshape,
    stack_and_concat,
];

#[test]
fn every_op_in_the_table_has_finite_difference_cases() {
    let mut cases = Cases::default();
    for family in FAMILIES {
        family(&mut cases);
    }
    for &def in OPS {
        let checked = cases.0.iter().any(|(op, _, _)| std::ptr::eq(op.def(), def));
        assert!(
            checked,
            "`{}` has no finite-difference case: add one to a family in tests/ops_gradcheck.rs",
            def.name
        );
    }
}

fn unary_ops(c: &mut Cases) {
    // (op, lo, hi, away from zero): inputs avoid kinks and domain edges.
    let cases = [
        (Op::Map(Map::Neg), -2.0, 2.0, false),
        (Op::Map(Map::Exp), -2.0, 2.0, false),
        (Op::Map(Map::Log), 0.3, 3.0, false),
        (Op::Map(Map::Sqrt), 0.3, 3.0, false),
        (Op::Map(Map::Square), -2.0, 2.0, false),
        (Op::Map(Map::Abs), 0.2, 2.0, true),
        (Op::Map(Map::Sin), -3.0, 3.0, false),
        (Op::Map(Map::Cos), -3.0, 3.0, false),
        (Op::Map(Map::Sigmoid), -4.0, 4.0, false),
        (Op::Map(Map::Tanh), -2.0, 2.0, false),
        (Op::Map(Map::Relu), 0.2, 2.0, true),
        (Op::Map(Map::Softplus), -4.0, 4.0, false),
        (Op::Map(Map::LeakyRelu { alpha: 0.1 }), 0.2, 2.0, true),
    ];
    let mut rng = Rng(1);
    for (op, lo, hi, away) in cases {
        for shape in [&[][..], &[3], &[2, 3]] {
            let x = if away {
                rng.away_from_zero(shape, lo, hi)
            } else {
                rng.uniform(shape, lo, hi)
            };
            c.check(op, &[x], &[]);
        }
    }
}

fn binary_ops(c: &mut Cases) {
    let mut rng = Rng(2);
    for &(sa, sb) in BROADCAST_PAIRS {
        for op in [Op::Map(Map::Add), Op::Map(Map::Sub), Op::Map(Map::Mul)] {
            let args = [rng.uniform(sa, -2.0, 2.0), rng.uniform(sb, -2.0, 2.0)];
            c.check(op, &args, &[]);
        }
        let div = [rng.uniform(sa, -2.0, 2.0), rng.away_from_zero(sb, 0.5, 2.0)];
        c.check(Op::Map(Map::Div), &div, &[]);
        let pow = [rng.uniform(sa, 0.5, 2.0), rng.uniform(sb, -1.5, 2.5)];
        c.check(Op::Map(Map::Pow), &pow, &[]);
    }
}

fn matmul_and_transpose(c: &mut Cases) {
    let mut rng = Rng(3);
    for (sa, sb) in [
        (&[3][..], &[3][..]),
        (&[2, 3], &[3]),
        (&[3], &[3, 4]),
        (&[2, 3], &[3, 4]),
        (&[1, 1], &[1, 1]),
    ] {
        c.check(
            Op::Matmul,
            &[rng.uniform(sa, -2.0, 2.0), rng.uniform(sb, -2.0, 2.0)],
            &[],
        );
    }
    for shape in [&[][..], &[3], &[2, 3], &[2, 3, 4]] {
        c.check(Op::Transpose, &[rng.uniform(shape, -2.0, 2.0)], &[]);
    }
}

fn reductions(c: &mut Cases) {
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
            c.check(op, &[rng.uniform(shape, -2.0, 2.0)], &[]);
        }
    }
}

fn softmax_and_log_softmax(c: &mut Cases) {
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
            c.check(op, &[rng.uniform(shape, -3.0, 3.0)], &[]);
        }
    }
}

fn affine(c: &mut Cases) {
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
        c.check(Op::Affine, &args, &[]);
    }
}

fn losses(c: &mut Cases) {
    let mut rng = Rng(7);
    for &(sa, sb) in BROADCAST_PAIRS {
        c.check(
            Op::Mse,
            &[rng.uniform(sa, -2.0, 2.0), rng.uniform(sb, -2.0, 2.0)],
            &[],
        );
        c.check(
            Op::Bce,
            &[rng.uniform(sa, 0.1, 0.9), rng.uniform(sb, 0.0, 1.0)],
            &[],
        );
    }
    // probability rows (not necessarily summing to 1) and one-hot rows
    c.check(
        Op::CrossEntropy,
        &[
            rng.uniform(&[2, 3], -2.0, 2.0),
            rng.uniform(&[2, 3], 0.0, 1.0),
        ],
        &[],
    );
    c.check(
        Op::CrossEntropy,
        &[rng.uniform(&[3], -2.0, 2.0), rng.uniform(&[3], 0.0, 1.0)],
        &[],
    );
    let one_hot = t(&[2, 3], &[0., 0., 1., 1., 0., 0.]);
    c.check(
        Op::CrossEntropy,
        &[rng.uniform(&[2, 3], -2.0, 2.0), one_hot],
        &[],
    );
    // class indices: the logits' gradient only; the target's is zeros
    let indices = t(&[3], &[2., 0., 1.]);
    c.check(
        Op::CrossEntropy,
        &[rng.uniform(&[3, 4], -2.0, 2.0), indices],
        &[1],
    );
    c.check(
        Op::CrossEntropy,
        &[rng.uniform(&[4], -2.0, 2.0), Value::Scalar(3.0)],
        &[1],
    );
}

/// `a` and `b` with |a - b| >= 0.1 everywhere (away from the kink of
/// maximum and minimum), broadcast as given.
fn apart(rng: &mut Rng, sa: &[usize], sb: &[usize]) -> [Value; 2] {
    let a = rng.uniform(sa, -2.0, 2.0);
    let b = rng.uniform(sb, -2.0, 2.0);
    let shape = bpc::broadcast::broadcast_shapes(sa, sb).unwrap();
    let (av, bv) = (a.view(), b.view());
    let (ab, bb) = (
        av.broadcast(&shape[..]).unwrap(),
        bv.broadcast(&shape[..]).unwrap(),
    );
    if ab.iter().zip(bb.iter()).all(|(x, y)| (x - y).abs() >= 0.1) {
        [a, b]
    } else {
        apart(rng, sa, sb)
    }
}

fn maximum_minimum_and_clip(c: &mut Cases) {
    let mut rng = Rng(8);
    for &(sa, sb) in BROADCAST_PAIRS {
        for op in [Op::Map(Map::Maximum), Op::Map(Map::Minimum)] {
            c.check(op, &apart(&mut rng, sa, sb), &[]);
        }
    }
    // x in [-2, 2] against bounds ±0.5 (each element inside, below or above,
    // never within 0.1 of a bound); lo and hi as scalars, rows and full tensors
    let x = t(&[2, 3], &[-1.5, -0.2, 0.3, 1.7, 0.9, -0.8]);
    for (lo, hi) in [
        (Value::Scalar(-0.5), Value::Scalar(0.5)),
        (t(&[3], &[-0.5, -0.5, -1.0]), t(&[1], &[0.5])),
        (Value::full(&[2, 3], -0.5), Value::full(&[2, 3], 0.5)),
    ] {
        c.check(Op::Clip, &[x.clone(), lo, hi], &[]);
    }
    // a scalar x, inside and outside
    for x in [0.2, -0.9, 0.8] {
        let args = [Value::Scalar(x), Value::Scalar(-0.5), Value::Scalar(0.5)];
        c.check(Op::Clip, &args, &[]);
    }
}

fn picking_reductions(c: &mut Cases) {
    let mut rng = Rng(9);
    let cases: &[(&[usize], Option<isize>)] = &[
        (&[], None),
        (&[4], None),
        (&[4], Some(0)),
        (&[2, 3], None),
        (&[2, 3], Some(0)),
        (&[2, 3], Some(1)),
        (&[2, 3], Some(-1)),
        (&[2, 3, 4], Some(1)),
    ];
    for &(shape, axis) in cases {
        for op in [Op::Max { axis }, Op::Min { axis }] {
            // distinct values (no ties within 2·eps): a shuffled range
            c.check(op, &[distinct(&mut rng, shape)], &[]);
        }
    }
}

/// Values spaced by at least 0.1 in a random order.
fn distinct(rng: &mut Rng, shape: &[usize]) -> Value {
    let n: usize = shape.iter().product();
    let mut keyed: Vec<(f64, f64)> = (0..n)
        .map(|i| (rng.unit(), i as f64 * 0.37 - 1.0))
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let data: Vec<f64> = keyed.into_iter().map(|(_, v)| v).collect();
    if shape.is_empty() {
        Value::Scalar(data[0])
    } else {
        t(shape, &data)
    }
}

fn index_slice_and_reshape(c: &mut Cases) {
    let mut rng = Rng(10);
    let x = rng.uniform(&[3, 4], -2.0, 2.0);
    c.check(Op::Index { i: 1, axis: 0 }, std::slice::from_ref(&x), &[]);
    c.check(Op::Index { i: -1, axis: 1 }, std::slice::from_ref(&x), &[]);
    c.check(
        Op::Index { i: 2, axis: 0 },
        &[rng.uniform(&[4], -2.0, 2.0)],
        &[],
    );
    c.check(
        Op::Index { i: 0, axis: 2 },
        &[rng.uniform(&[2, 3, 2], -2.0, 2.0)],
        &[],
    );
    c.check(
        Op::Slice {
            start: 1,
            stop: 3,
            axis: 0,
        },
        std::slice::from_ref(&x),
        &[],
    );
    c.check(
        Op::Slice {
            start: -3,
            stop: 10,
            axis: 1,
        },
        std::slice::from_ref(&x),
        &[],
    );
    c.check(
        Op::Slice {
            start: 0,
            stop: 2,
            axis: 0,
        },
        &[rng.uniform(&[5], -2.0, 2.0)],
        &[],
    );
    for dims in [&[4, 3][..], &[-1], &[2, -1, 2], &[12, 1]] {
        let shape = Dims::new(dims).unwrap();
        c.check(Op::Reshape { shape }, std::slice::from_ref(&x), &[]);
    }
    let one = Dims::new(&[]).unwrap();
    c.check(
        Op::Reshape { shape: one },
        &[rng.uniform(&[1, 1], -2.0, 2.0)],
        &[],
    );
    let up = Dims::new(&[1, 1]).unwrap();
    c.check(Op::Reshape { shape: up }, &[Value::Scalar(0.7)], &[]);
}

fn stack_and_concat(c: &mut Cases) {
    let mut rng = Rng(11);
    // scalars into a vector, vectors into a matrix (either axis), five at once
    let scalars: Vec<Value> = (0..5).map(|_| rng.uniform(&[], -2.0, 2.0)).collect();
    c.check(Op::Stack { axis: 0 }, &scalars, &[]);
    let rows: Vec<Value> = (0..4).map(|_| rng.uniform(&[3], -2.0, 2.0)).collect();
    c.check(Op::Stack { axis: 0 }, &rows, &[]);
    c.check(Op::Stack { axis: -1 }, &rows[..2], &[]);
    c.check(
        Op::Stack { axis: 1 },
        &[rng.uniform(&[2, 3], -2.0, 2.0)],
        &[],
    );
    // parts of different lengths along the axis
    let parts = [
        rng.uniform(&[2], -2.0, 2.0),
        rng.uniform(&[1], -2.0, 2.0),
        rng.uniform(&[3], -2.0, 2.0),
        rng.uniform(&[2], -2.0, 2.0),
    ];
    c.check(Op::Concat { axis: 0 }, &parts, &[]);
    let blocks = [
        rng.uniform(&[2, 1], -2.0, 2.0),
        rng.uniform(&[2, 3], -2.0, 2.0),
    ];
    c.check(Op::Concat { axis: 1 }, &blocks, &[]);
    c.check(
        Op::Concat { axis: 0 },
        &[rng.uniform(&[2, 2], -2.0, 2.0)],
        &[],
    );
}
