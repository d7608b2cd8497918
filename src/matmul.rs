//! Matrix products at the machine's speed: the pure-Rust `gemm` crate (the
//! kernels `faer` is built on; AVX-512, AVX2+FMA or SSE, chosen at run time),
//! cut into column blocks that [`crate::par`] spreads over threads. Products
//! under [`SMALL`] multiply-adds (every lesson-sized graph) stay on
//! `matrixmultiply` (through ndarray), the kernel bpc has always used for
//! them, so their results keep their bits.
//!
//! Deterministic: the column blocks depend only on the operands' shapes, every
//! block is computed by the same kernel whoever runs it, and each element of
//! a product is one dot product over k in a fixed order, so a result has the
//! same bits on every run and for every thread count (on a given CPU: another
//! instruction set, say AVX2 instead of AVX-512, may round differently).

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::par;

/// Multiply-adds below which a product runs on ndarray's kernel.
pub const SMALL: usize = 1 << 15;

/// Multiply-adds below which a product is not cut into blocks.
const BLOCK_MIN: usize = 1 << 19;

/// Columns in a block at least (a multiple of 8: whole AVX-512 vectors).
const BLOCK_COLS: usize = 32;

/// At most this many blocks per product.
const MAX_BLOCKS: usize = 4;

/// How many column blocks an `m x k @ k x n` product is cut into, and how
/// many columns each has (the last may have fewer): by the shapes only.
///
/// Columns, not rows: a column block of `a @ b` reads all of `a` (the batch,
/// small) and only its own columns of `b` (the weights), and the kernel
/// (which works on the transposed product of a row-major result) runs its
/// full-height tiles over them; row blocks would each read all of the
/// weights. Measured on the referee's MLP, one thread: the weights'
/// gradient (784 x 64 @ 64 x 128) in 4 column blocks 160 us, in 8 row
/// blocks 205 us; the forward product (64 x 784 @ 784 x 128) the same either way.
fn blocks(m: usize, k: usize, n: usize) -> (usize, usize) {
    // Only products with more than 64 columns are cut: narrower ones take
    // another path inside the kernel, and are cheap anyway.
    if n <= 64 {
        return (1, n);
    }
    let work = m.saturating_mul(k).saturating_mul(n);
    let parts = (work / BLOCK_MIN)
        .clamp(1, MAX_BLOCKS)
        .min(n / BLOCK_COLS)
        .max(1);
    let cols = n.div_ceil(parts).next_multiple_of(8).min(n);
    (n.div_ceil(cols), cols)
}

#[derive(Clone, Copy)]
struct Shared(*mut f64);
// SAFETY: every block writes a disjoint set of columns of the destination.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    /// The pointer (a method, so that closures capture the whole `Shared`).
    fn ptr(self) -> *mut f64 {
        self.0
    }
}

/// `dst = a @ b`, or `dst += a @ b` when `accumulate`; `a` is [m, k], `b`
/// [k, n], `dst` [m, n], in any memory layout. Returns `false` (leaving `dst`
/// alone) when the shapes do not fit.
pub fn matmul_into(
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    dst: ArrayViewMut2<'_, f64>,
    accumulate: bool,
) -> bool {
    product(a, b, dst, if accumulate { Dst::Add } else { Dst::Set })
}

/// A gradient product: `dst += a @ b`, or, when `overwrite`, `dst = 0 + a @ b`
/// without reading `dst` (the same bits as zeroing it and adding: the
/// kernel's sums start from +0, so none is -0, and adding it to +0 changes
/// nothing). Returns `false` (leaving `dst` alone) when the shapes do not fit.
pub fn matmul_grad(
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    mut dst: ArrayViewMut2<'_, f64>,
    overwrite: bool,
) -> bool {
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    if !overwrite || k != k2 || dst.dim() != (m, n) {
        return product(a, b, dst, Dst::Add);
    }
    // Only the blocked microkernel path is known to start its sums from +0;
    // anything else is cleared and added to.
    let blocked = m.saturating_mul(k).saturating_mul(n) >= SMALL && k > 2 && m > 1 && n > 1;
    if blocked && m * n > 256 {
        product(a, b, dst, Dst::Write)
    } else {
        dst.fill(0.0);
        product(a, b, dst, Dst::Add)
    }
}

/// What a product does with its destination.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dst {
    /// `dst = a @ b`.
    Set,
    /// `dst += a @ b`.
    Add,
    /// `dst = a @ b` by the blocked kernel only (its sums start from +0).
    Write,
}

fn product(
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    mut dst: ArrayViewMut2<'_, f64>,
    mode: Dst,
) -> bool {
    let accumulate = mode == Dst::Add;
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    if k != k2 || dst.dim() != (m, n) {
        return false;
    }
    if m == 0 || n == 0 {
        return true;
    }
    if k == 0 {
        if !accumulate {
            dst.fill(0.0);
        }
        return true;
    }
    if m.saturating_mul(k).saturating_mul(n) < SMALL {
        let beta = if accumulate { 1.0 } else { 0.0 };
        ndarray::linalg::general_mat_mul(1.0, &a, &b, beta, &mut dst);
        return true;
    }
    let (ars, acs) = (a.strides()[0], a.strides()[1]);
    let (brs, bcs) = (b.strides()[0], b.strides()[1]);
    let (drs, dcs) = (dst.strides()[0], dst.strides()[1]);
    let (ap, bp) = (a.as_ptr() as usize, b.as_ptr() as usize);
    let dp = Shared(dst.as_mut_ptr());
    let (parts, cols) = blocks(m, k, n);
    let block = |p: usize| {
        let c0 = p * cols;
        let c = cols.min(n - c0);
        // SAFETY: the pointers and strides describe the views above (which
        // outlive this call); columns c0..c0 + c lie inside `b` and `dst`;
        // the blocks' columns of `dst` are disjoint.
        unsafe {
            gemm::gemm(
                m,
                c,
                k,
                dp.ptr().offset(c0 as isize * dcs),
                dcs,
                drs,
                accumulate,
                ap as *const f64,
                acs,
                ars,
                (bp as *const f64).offset(c0 as isize * bcs),
                bcs,
                brs,
                1.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
    };
    if parts == 1 {
        block(0);
    } else {
        par::run_parts(parts, &block);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn matrix(m: usize, n: usize, seed: u64) -> Array2<f64> {
        Array2::from_shape_fn((m, n), |(i, j)| {
            ((i * 31 + j * 17 + seed as usize) % 101) as f64 / 101.0 - 0.5
        })
    }

    /// The plain triple loop, for checking.
    fn naive(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
        let (m, k) = a.dim();
        let n = b.ncols();
        Array2::from_shape_fn((m, n), |(i, j)| (0..k).map(|l| a[[i, l]] * b[[l, j]]).sum())
    }

    #[test]
    fn products_match_the_triple_loop_in_every_layout() {
        for &(m, k, n) in &[
            (1, 1, 1),
            (2, 3, 4),
            (7, 1, 5),
            (64, 784, 128),
            (130, 64, 70),
            (5, 0, 3),
        ] {
            let (a, b) = (matrix(m, k, 1), matrix(k, n, 2));
            let want = naive(&a, &b);
            let at = a.t().as_standard_layout().into_owned();
            for (av, accumulate) in [(a.view(), false), (at.t(), true)] {
                let mut dst = Array2::from_elem((m, n), if accumulate { 1.0 } else { f64::NAN });
                assert!(matmul_into(av, b.view(), dst.view_mut(), accumulate));
                for (x, y) in dst.iter().zip(want.iter()) {
                    let y = if accumulate { y + 1.0 } else { *y };
                    assert!(
                        (x - y).abs() <= 1e-12 * (k as f64 + 1.0),
                        "{m}x{k}x{n}: {x} vs {y}"
                    );
                }
            }
            let mut wrong = Array2::zeros((m + 1, n));
            assert!(!matmul_into(a.view(), b.view(), wrong.view_mut(), false));
        }
    }

    #[test]
    fn threads_do_not_change_a_single_bit() {
        let (a, b) = (matrix(784, 64, 3), matrix(64, 128, 4));
        let (x, w) = (matrix(64, 784, 5), matrix(784, 128, 6));
        let run = |threads: usize| {
            par::set_threads(threads);
            let mut d1 = Array2::zeros((784, 128));
            let mut d2 = Array2::zeros((64, 128));
            matmul_into(a.view(), b.view(), d1.view_mut(), false);
            matmul_into(x.view(), w.view(), d2.view_mut(), false);
            (d1, d2)
        };
        assert!(blocks(784, 64, 128).0 > 1 && blocks(64, 784, 128).0 > 1);
        let one = run(1);
        for threads in [2, 3, 8] {
            let (d1, d2) = run(threads);
            assert!(
                d1.iter()
                    .zip(one.0.iter())
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            );
            assert!(
                d2.iter()
                    .zip(one.1.iter())
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            );
        }
        par::set_threads(1);
    }
}
