//! Allocation-free variants of the hot tensor kernels, for repeated
//! evaluation (training): forward into the previous result's buffer, and
//! gradients added straight into the accumulated gradient.
//!
//! Each is an optimisation of a rule in [`super`] or [`super::kernels`], not a
//! rule of its own: the same formula, written into a buffer. When a variant
//! does not apply (a shape changed, a 1-D operand, a broadcast argument) it
//! returns `false` and the caller uses the allocating kernel.

use ndarray::{ArrayView2, ArrayViewMut2, Ix2, Zip};

use super::Op;
use crate::matmul::{matmul_grad, matmul_into};
use crate::tensor::Value;

/// True when broadcasting shapes `a` and `b` gives exactly `out` (NumPy's
/// rule, axes aligned from the end), without allocating.
fn broadcasts_to(a: &[usize], b: &[usize], out: &[usize]) -> bool {
    if out.len() != a.len().max(b.len()) {
        return false;
    }
    let dim = |s: &[usize], i: usize| if i < s.len() { s[s.len() - 1 - i] } else { 1 };
    (0..out.len()).all(|i| {
        let (x, y, o) = (dim(a, i), dim(b, i), dim(out, i));
        (x == o && (y == o || y == 1)) || (x == 1 && y == o)
    })
}

/// A 2-D view of `v`, if it is a matrix.
fn matrix(v: &Value) -> Option<ArrayView2<'_, f64>> {
    match v {
        Value::Tensor(a) => a.view().into_dimensionality::<Ix2>().ok(),
        Value::Scalar(_) => None,
    }
}

/// A mutable 2-D view of `v`, if it is a matrix.
fn matrix_mut(v: &mut Value) -> Option<ArrayViewMut2<'_, f64>> {
    match v {
        Value::Tensor(a) => a.view_mut().into_dimensionality::<Ix2>().ok(),
        Value::Scalar(_) => None,
    }
}

impl Op {
    /// Writes `op(args)` into `out` when `out` already holds a tensor of the
    /// result's shape and the op has an in-place kernel (elementwise ops,
    /// 2-D `matmul` and `affine`). Returns `false`, leaving `out` untouched,
    /// otherwise.
    pub fn forward_into(&self, args: &[&Value], out: &mut Value) -> bool {
        let Value::Tensor(o) = out else { return false };
        if let Op::Map(m) = self {
            let zero = Value::Scalar(0.0);
            let (a, b) = (args[0], args.get(1).copied().unwrap_or(&zero));
            if !broadcasts_to(a.shape(), b.shape(), o.shape()) {
                return false;
            }
            // A unary op over a contiguous tensor: one plain loop.
            if let (1, Value::Tensor(x)) = (args.len(), a)
                && x.shape() == o.shape()
                && let (Some(xs), Some(os)) = (x.as_slice(), o.as_slice_mut())
            {
                // Ops with a transcendental function are worth threads from
                // a few thousand elements; each element is computed alone.
                let min = if m.costly() { 2048 } else { 1 << 16 };
                crate::par::chunks_mut(os, min, 8, &|start, chunk| {
                    m.forward_slice(&xs[start..start + chunk.len()], chunk);
                });
                return true;
            }
            let (av, bv) = (a.view(), b.view());
            let (Some(a), Some(b)) = (av.broadcast(o.raw_dim()), bv.broadcast(o.raw_dim())) else {
                return false;
            };
            Zip::from(&mut **o)
                .and(&a)
                .and(&b)
                .for_each(|o, &x, &y| *o = m.forward_scalar(x, y));
            return true;
        }
        let Some(mut c) = o.view_mut().into_dimensionality::<Ix2>().ok() else {
            return false;
        };
        match self {
            // xW, then + b broadcast over the rows
            Op::Matmul | Op::Affine => {
                let (Some(x), Some(w)) = (matrix(args[0]), matrix(args[1])) else {
                    return false;
                };
                if c.dim() != (x.nrows(), w.ncols()) || x.ncols() != w.nrows() {
                    return false;
                }
                if *self == Op::Affine {
                    let bias = args[2].view();
                    let Some(bias) = bias.broadcast(c.raw_dim()) else {
                        return false;
                    };
                    c.assign(&bias);
                    matmul_into(x, w, c, true)
                } else {
                    matmul_into(x, w, c, false)
                }
            }
            _ => false,
        }
    }

    /// Adds argument `k`'s gradient contribution straight into `acc` (its
    /// accumulated gradient) when the op has such a kernel: elementwise ops
    /// whose argument `k` was not broadcast, and the matrix operands of 2-D
    /// `matmul` and `affine` (G Bᵀ and Aᵀ G as one multiply-add). Returns
    /// `false`, leaving `acc` untouched, otherwise.
    pub fn accumulate_grad(
        &self,
        k: usize,
        args: &[&Value],
        out: &Value,
        g: &Value,
        acc: &mut Value,
    ) -> bool {
        self.add_grad(k, args, out, g, acc, false)
    }

    /// [`Op::accumulate_grad`]; when `overwrite`, `acc` holds anything (a
    /// stale buffer of the right shape) and is set to `0 + contribution`,
    /// the same bits as clearing it and adding, without reading it.
    pub fn add_grad(
        &self,
        k: usize,
        args: &[&Value],
        out: &Value,
        g: &Value,
        acc: &mut Value,
        overwrite: bool,
    ) -> bool {
        if acc.shape() != args[k].shape() {
            return false;
        }
        if let Op::Map(m) = self {
            let Value::Tensor(acc) = acc else {
                return false;
            };
            if acc.shape() != out.shape() || g.shape() != out.shape() {
                return false;
            }
            // `0 + d` is d but for the sign of a zero, as clearing then adding gives.
            let put = |acc: &mut f64, d: f64| {
                if overwrite {
                    *acc = d + 0.0;
                } else {
                    *acc += d;
                }
            };
            // A unary op over contiguous tensors: one plain loop.
            if let (1, Value::Tensor(x), Value::Tensor(o), Value::Tensor(gt)) =
                (args.len(), args[0], out, g)
                && let (Some(xs), Some(os), Some(gs)) = (x.as_slice(), o.as_slice(), gt.as_slice())
                && let Some(accs) = acc.as_slice_mut()
                && xs.len() == accs.len()
            {
                for (((acc, &x), &o), &g) in accs.iter_mut().zip(xs).zip(os).zip(gs) {
                    put(acc, m.backward_scalar(x, 0.0, o, g).0);
                }
                return true;
            }
            let zero = Value::Scalar(0.0);
            let (a, b) = (args[0], args.get(1).copied().unwrap_or(&zero));
            let (av, bv, ov, gv) = (a.view(), b.view(), out.view(), g.view());
            let (Some(a), Some(b)) = (av.broadcast(acc.raw_dim()), bv.broadcast(acc.raw_dim()))
            else {
                return false;
            };
            Zip::from(&mut **acc)
                .and(&a)
                .and(&b)
                .and(&ov)
                .and(&gv)
                .for_each(|acc, &x, &y, &o, &g| {
                    let (da, db) = m.backward_scalar(x, y, o, g);
                    put(acc, if k == 0 { da } else { db });
                });
            return true;
        }
        match (self, k) {
            // d/dA (A B) = G Bᵀ, added with one multiply-add
            (Op::Matmul | Op::Affine, 0) => {
                let (Some(gm), Some(b), Some(acc)) = (matrix(g), matrix(args[1]), matrix_mut(acc))
                else {
                    return false;
                };
                // [m, n] @ [k, n]ᵀ into [m, k]; other layouts (broadcast) fall back.
                if acc.dim() != (gm.nrows(), b.nrows()) || gm.ncols() != b.ncols() {
                    return false;
                }
                matmul_grad(gm, b.t(), acc, overwrite)
            }
            // d/dB (A B) = Aᵀ G, added with one multiply-add
            (Op::Matmul | Op::Affine, 1) => {
                let (Some(gm), Some(a), Some(acc)) = (matrix(g), matrix(args[0]), matrix_mut(acc))
                else {
                    return false;
                };
                // [m, k]ᵀ @ [m, n] into [k, n]
                if acc.dim() != (a.ncols(), gm.ncols()) || a.nrows() != gm.nrows() {
                    return false;
                }
                matmul_grad(a.t(), gm, acc, overwrite)
            }
            // d/db (xW + b) = 1: g summed over the rows, as `unbroadcast` sums
            // them (row after row from zero), then added.
            (Op::Affine, 2) => {
                let (Value::Tensor(g), Value::Tensor(acc)) = (g, acc) else {
                    return false;
                };
                let (Some(gs), Some(acc)) = (g.as_slice(), acc.as_slice_mut()) else {
                    return false;
                };
                let n = acc.len();
                // [m, n] rows into [n], n >= 2 (a column [m, 1] sums another way).
                if g.ndim() != 2 || g.shape()[1] != n || n < 2 {
                    return false;
                }
                if overwrite {
                    // Row after row into the buffer itself: each column's
                    // sum in the same order from +0 (never -0, so `s + 0`
                    // is s), one vector of columns at a time.
                    acc.fill(0.0);
                    for row in gs.chunks_exact(n) {
                        for (a, &x) in acc.iter_mut().zip(row) {
                            *a += x;
                        }
                    }
                    return true;
                }
                for (j, acc) in acc.iter_mut().enumerate() {
                    let s = gs.iter().skip(j).step_by(n).fold(0.0, |s, &x| s + x);
                    *acc += s;
                }
                true
            }
            // d/dz cross_entropy = (softmax z - onehot t) g / N, per row.
            (Op::CrossEntropy, 0) => {
                super::loss::cross_entropy_grad_into(args[0], args[1], g, acc, overwrite)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
