//! Every op's backward against central finite differences, on scalars and on
//! broadcast tensors, for every argument.

mod opkit;

use bpc::op::{Map, OPS, Op};
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

/// Every family of cases, so that a new op without cases fails the test below.
const FAMILIES: &[fn(&mut Cases)] = &[
    unary_ops,
    binary_ops,
    matmul_and_transpose,
    reductions,
    softmax_and_log_softmax,
    affine,
    losses,
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
