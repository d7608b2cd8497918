//! The loss kernels (mse, bce, cross_entropy): each forward next to its
//! vector-Jacobian product, with the derivative in a comment.

use ndarray::{Array2, Zip};

use super::Pair;
use super::kernels::{reshaped, softmax_lanes};
use crate::broadcast::{broadcast_shapes, unbroadcast, zip_map};
use crate::tensor::{Value, shape_text};

/// mse = Σ (p - t)² / n over the broadcast shape.
pub(super) fn mse(p: &Value, t: &Value) -> Option<Value> {
    let shape = broadcast_shapes(p.shape(), t.shape()).ok()?;
    let sq = zip_map(&p.view(), &t.view(), &shape, |p, t| (p - t) * (p - t))?;
    Some(Value::Scalar(sq.sum() / sq.len() as f64))
}

/// Gradients of [`mse`] given the upstream scalar `g`.
pub(super) fn mse_backward(p: &Value, t: &Value, g: f64, wants: [bool; 2]) -> Option<Pair> {
    let shape = broadcast_shapes(p.shape(), t.shape()).ok()?;
    let n = shape.iter().product::<usize>() as f64;
    // d/dp mean (p - t)² = 2(p - t)/n, d/dt mean (p - t)² = -2(p - t)/n
    let dp = zip_map(&p.view(), &t.view(), &shape, |p, t| 2.0 * (p - t) * g / n)?;
    let gt = want!(wants[1], unbroadcast(-&dp, t.shape()));
    Some((want!(wants[0], unbroadcast(dp, p.shape())), gt))
}

/// bce = mean of -(y ln p + (1 - y) ln(1 - p)) over the broadcast shape.
///
/// Not clamped (PyTorch's BCELoss clamps the logs at -100): p outside (0, 1)
/// gives inf or NaN, which the engine reports.
pub(super) fn bce(p: &Value, y: &Value) -> Option<Value> {
    let shape = broadcast_shapes(p.shape(), y.shape()).ok()?;
    let terms = zip_map(&p.view(), &y.view(), &shape, |p, y| {
        -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
    })?;
    Some(Value::Scalar(terms.sum() / terms.len() as f64))
}

/// Gradients of [`bce`] given the upstream scalar `g`.
pub(super) fn bce_backward(p: &Value, y: &Value, g: f64, wants: [bool; 2]) -> Option<Pair> {
    let shape = broadcast_shapes(p.shape(), y.shape()).ok()?;
    let g = g / shape.iter().product::<usize>() as f64;
    let (pv, yv) = (p.view(), y.view());
    // d/dp bce = (p - y)/(p(1 - p))/n
    let gp = want!(wants[0], {
        let d = zip_map(&pv, &yv, &shape, |p, y| g * (p - y) / (p * (1.0 - p)))?;
        unbroadcast(d, p.shape())
    });
    // d/dy bce = -(ln p - ln(1 - p))/n
    let gy = want!(wants[1], {
        let d = zip_map(&pv, &yv, &shape, |p, _| -g * (p.ln() - (1.0 - p).ln()))?;
        unbroadcast(d, y.shape())
    });
    Some((gp, gy))
}

/// Checks cross_entropy's shapes: logits [N, C] (or [C], one row); the target
/// is either of the logits' shape (one-hot or probability rows) or one class
/// index per row ([N], or [] for 1-D logits).
pub(super) fn cross_entropy_layout(logits: &[usize], target: &[usize]) -> Result<(), String> {
    if !(1..=2).contains(&logits.len()) {
        return Err(format!(
            "cross_entropy needs logits of shape [N, C] (or [C] for one row), got {}",
            shape_text(logits)
        ));
    }
    let rows = &logits[..logits.len() - 1];
    if target == logits || target == rows {
        return Ok(());
    }
    Err(format!(
        "cross_entropy needs a target of the logits' shape {} (one-hot or probability rows) \
         or of shape {} (class indices), got logits {} and target {}",
        shape_text(logits),
        shape_text(rows),
        shape_text(logits),
        shape_text(target)
    ))
}

/// `(N, C)` for logits of shape [N, C] or [C].
pub(super) fn rows_cols(logits: &[usize]) -> Option<(usize, usize)> {
    match *logits {
        [c] => Some((1, c)),
        [n, c] => Some((n, c)),
        _ => None,
    }
}

/// A class index: an integer in `[0, C)`.
pub(super) fn class_index(t: f64, classes: usize) -> Option<usize> {
    (t >= 0.0 && t < classes as f64 && t.fract() == 0.0).then_some(t as usize)
}

/// log_softmax of the logits as [N, C] rows.
pub(super) fn log_softmax_rows(logits: &Value) -> Option<Array2<f64>> {
    let (n, c) = rows_cols(logits.shape())?;
    let z = logits.view();
    let z = z.to_shape((n, c)).ok()?;
    softmax_lanes(z.view().into_dyn(), 1, true)
        .into_dimensionality()
        .ok()
}

/// cross_entropy = -Σ t ⊙ log_softmax(z) / N; with class indices t picks one
/// entry per row, and a row with an invalid index is NaN.
pub(super) fn cross_entropy(logits: &Value, target: &Value) -> Option<Value> {
    let ls = log_softmax_rows(logits)?;
    let (n, c) = ls.dim();
    let tv = target.view();
    let total = if target.shape() == logits.shape() {
        let t = tv.to_shape((n, c)).ok()?;
        -Zip::from(&t).and(&ls).fold(0.0, |acc, &t, &l| acc + t * l)
    } else {
        let t = tv.to_shape(n).ok()?;
        let picked =
            |(row, &t): (usize, &f64)| class_index(t, c).map_or(f64::NAN, |j| -ls[[row, j]]);
        t.iter().enumerate().map(picked).sum()
    };
    Some(Value::Scalar(total / n as f64))
}

/// The max and log-sum-exp of a row of logits, as [`softmax_lanes`] computes
/// them: log_softmax zⱼ = zⱼ - m - lse.
#[inline]
pub(super) fn row_lse(row: &[f64]) -> (f64, f64) {
    let m = row.iter().fold(f64::NEG_INFINITY, |acc, &v| acc.max(v));
    let lse = row.iter().fold(0.0, |acc, &v| acc + (v - m).exp()).ln();
    (m, lse)
}

/// [`cross_entropy`] of 2-D (or 1-D) logits in standard layout and class
/// indices, without allocating: the same arithmetic in the same order, so the
/// same bits. `None` for other layouts and one-hot targets.
pub(super) fn cross_entropy_indices(logits: &Value, target: &Value) -> Option<f64> {
    let (n, c) = rows_cols(logits.shape())?;
    let (Value::Tensor(z), t) = (logits, target) else {
        return None;
    };
    if t.shape() == logits.shape() || t.len() != n {
        return None;
    }
    let z = z.as_slice()?;
    let total: f64 = z
        .chunks_exact(c.max(1))
        .zip(t.iter())
        .map(|(row, t)| {
            let (m, lse) = row_lse(row);
            class_index(t, c).map_or(f64::NAN, |j| -(row[j] - m - lse))
        })
        .sum();
    Some(total / n as f64)
}

/// Gradients of [`cross_entropy`] for the logits and the target, given the upstream scalar `g`.
pub(super) fn cross_entropy_backward(
    logits: &Value,
    target: &Value,
    g: f64,
    wants: [bool; 2],
) -> Option<Pair> {
    let ls = log_softmax_rows(logits)?;
    let (n, c) = ls.dim();
    let scale = g / n as f64;
    let tv = target.view();
    if target.shape() == logits.shape() {
        let t = tv.to_shape((n, c)).ok()?;
        // d/dz -Σ t ⊙ log_softmax z = softmax(z)·Σt - t (= softmax - onehot for one-hot rows)
        let gz = want!(wants[0], {
            let mut d = Array2::zeros((n, c));
            Zip::from(d.rows_mut())
                .and(ls.rows())
                .and(t.rows())
                .for_each(|mut d, l, t| {
                    let sum_t = t.sum();
                    Zip::from(&mut d)
                        .and(&l)
                        .and(&t)
                        .for_each(|d, &l, &t| *d = scale * (l.exp() * sum_t - t));
                });
            reshaped(d, logits.shape())
        });
        // d/dt -Σ t ⊙ log_softmax z = -log_softmax z
        let gt = want!(wants[1], reshaped(ls.mapv(|l| -scale * l), target.shape()));
        Some((gz, gt))
    } else {
        let t = tv.to_shape(n).ok()?;
        // d/dz = softmax(z) - onehot(t); NaN for a row whose index is invalid
        let gz = want!(wants[0], {
            let mut d = ls.mapv(|l| scale * l.exp());
            for (mut row, &t) in d.rows_mut().into_iter().zip(t.iter()) {
                match class_index(t, c) {
                    Some(j) => row[j] -= scale,
                    None => row.fill(f64::NAN),
                }
            }
            reshaped(d, logits.shape())
        });
        // class indices are not differentiable: a zero gradient
        Some((gz, wants[1].then(|| Value::full(target.shape(), 0.0))))
    }
}

/// Adds [`cross_entropy_backward`]'s logits gradient for class indices into
/// `acc` without allocating (the same arithmetic per element, then `+=`;
/// when `overwrite`, `acc` is set to `0 + d` without being read).
/// `false`, leaving `acc` alone, for other layouts and one-hot targets.
pub(super) fn cross_entropy_grad_into(
    logits: &Value,
    target: &Value,
    g: &Value,
    acc: &mut Value,
    overwrite: bool,
) -> bool {
    let (Some((n, c)), Some(g)) = (rows_cols(logits.shape()), super::kernels::scalar_of(g)) else {
        return false;
    };
    let (Value::Tensor(z), Value::Tensor(acc)) = (logits, acc) else {
        return false;
    };
    if target.shape() == logits.shape() || target.len() != n || acc.shape() != z.shape() {
        return false;
    }
    let (Some(z), Some(acc)) = (z.as_slice(), acc.as_slice_mut()) else {
        return false;
    };
    let scale = g / n as f64;
    let rows = z.chunks_exact(c.max(1)).zip(acc.chunks_exact_mut(c.max(1)));
    for ((row, out), t) in rows.zip(target.iter()) {
        let (m, lse) = row_lse(row);
        let class = class_index(t, c);
        for (j, (&v, out)) in row.iter().zip(out.iter_mut()).enumerate() {
            // d/dz = softmax(z) - onehot(t); NaN for a row whose index is invalid
            let d = match class {
                Some(k) if k == j => scale * (v - m - lse).exp() - scale,
                Some(_) => scale * (v - m - lse).exp(),
                None => f64::NAN,
            };
            if overwrite {
                *out = d + 0.0;
            } else {
                *out += d;
            }
        }
    }
    true
}
