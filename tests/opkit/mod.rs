//! Helpers shared by the op tests: tensors from literals, a fixed generator
//! of inputs, and the finite-difference check of one op.
#![allow(dead_code)]

use bpc::op::Op;
use bpc::tensor::Value;
use ndarray::{ArrayD, IxDyn};

pub const EPS: f64 = 1e-6;
pub const RTOL: f64 = 1e-6;
pub const ATOL: f64 = 1e-8;

pub fn t(shape: &[usize], data: &[f64]) -> Value {
    Value::from_array(ArrayD::from_shape_vec(IxDyn(shape), data.to_vec()).unwrap())
}

/// A fixed linear congruential generator: deterministic "random" inputs.
pub struct Rng(pub u64);

impl Rng {
    pub fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, shape: &[usize], lo: f64, hi: f64) -> Value {
        let n = shape.iter().product();
        let data: Vec<f64> = (0..n).map(|_| lo + (hi - lo) * self.unit()).collect();
        t(shape, &data)
    }

    /// |x| uniform in [lo, hi), random sign: away from a kink at 0.
    pub fn away_from_zero(&mut self, shape: &[usize], lo: f64, hi: f64) -> Value {
        let v = self.uniform(shape, lo, hi);
        let data: Vec<f64> = v
            .iter()
            .map(|x| if self.unit() < 0.5 { -x } else { x })
            .collect();
        t(shape, &data)
    }
}

/// `v` with element `j` (row-major) moved by `delta`.
pub fn nudged(v: &Value, j: usize, delta: f64) -> Value {
    let mut data = v.to_vec();
    data[j] += delta;
    t(v.shape(), &data)
}

pub fn forward(op: Op, args: &[Value]) -> Value {
    let refs: Vec<&Value> = args.iter().collect();
    op.forward(&refs)
}

pub fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= ATOL + RTOL * got.abs().max(want.abs())
}

/// Checks backward (a vector-Jacobian product) against central finite
/// differences of L(args) = Σ g ⊙ op(args), for a fixed non-uniform upstream
/// gradient g, element by element of every argument not in `skip`.
pub fn gradcheck(op: Op, args: &[Value], skip: &[usize]) {
    let refs: Vec<&Value> = args.iter().collect();
    let shapes: Vec<&[usize]> = args.iter().map(|a| a.shape()).collect();
    let shape = op.infer_shape(&shapes).unwrap();
    let out = op.forward(&refs);
    assert_eq!(out.shape(), &shape[..], "{} forward shape", op.display());
    assert!(out.first_nonfinite().is_none(), "{}: {out:?}", op.display());
    let g = Rng(7).uniform(out.shape(), -1.5, 1.5);
    let grads = op.backward(&refs, &out, &g, &vec![true; args.len()]);
    assert_eq!(
        grads.len(),
        args.len(),
        "{}: one gradient per argument",
        op.display()
    );
    let loss = |args: &[Value]| -> f64 {
        let y = forward(op, args);
        y.iter().zip(g.iter()).map(|(y, g)| y * g).sum()
    };
    for i in (0..args.len()).filter(|i| !skip.contains(i)) {
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
                op.def().args[i.min(op.def().args.len() - 1)].name
            );
        }
    }
}

/// Finite-difference cases, collected by op family: each family is one test,
/// and together they must cover every op of the table.
#[derive(Default)]
pub struct Cases(pub Vec<(Op, Vec<Value>, Vec<usize>)>);

impl Cases {
    /// A case: `op` on `args`, every argument checked except those in `skip`.
    pub fn check(&mut self, op: Op, args: &[Value], skip: &[usize]) {
        self.0.push((op, args.to_vec(), skip.to_vec()));
    }

    /// The cases of one family, collected and checked.
    pub fn run(family: fn(&mut Cases)) {
        let mut cases = Cases::default();
        family(&mut cases);
        assert!(!cases.0.is_empty());
        for (op, args, skip) in &cases.0 {
            gradcheck(*op, args, skip);
        }
    }
}

/// The first three gradients of `backward`, `None` past its arguments.
pub fn three(grads: Vec<Option<Value>>) -> [Option<Value>; 3] {
    let mut it = grads.into_iter();
    [
        it.next().flatten(),
        it.next().flatten(),
        it.next().flatten(),
    ]
}
