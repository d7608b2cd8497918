//! Tensor kernels of the ops that are neither elementwise nor losses: each
//! forward next to its vector-Jacobian product, with the derivative in a comment.

use ndarray::{Array2, ArrayViewD, Axis, IxDyn, Zip};

use super::{Pair, Three};
use crate::broadcast::{unbroadcast, zip_map};
use crate::tensor::{Array, Shape, Value, shape_text};

/// The only gradient value of a scalar-valued op.
pub(super) fn scalar_of(g: &Value) -> Option<f64> {
    if g.len() == 1 { g.iter().next() } else { None }
}

/// `axis` (negative counts from the end) as an index into `shape`.
pub(super) fn normalize_axis(axis: isize, shape: &[usize]) -> Result<usize, String> {
    let rank = shape.len() as isize;
    let i = if axis < 0 { axis + rank } else { axis };
    if (0..rank).contains(&i) {
        Ok(i as usize)
    } else {
        Err(format!(
            "axis {axis} is out of range for a tensor of rank {rank} (shape {})",
            shape_text(shape)
        ))
    }
}

/// `x` with its axes reversed, in standard layout.
pub(super) fn transposed(x: ArrayViewD<'_, f64>) -> Value {
    Value::from_array(x.t().as_standard_layout().into_owned())
}

/// The result shape of `a @ b` under NumPy's rules for 1-D and 2-D operands.
pub(super) fn matmul_shape(a: &[usize], b: &[usize]) -> Result<Shape, String> {
    let (ab, sa, sb) = (
        format!("{} @ {}", shape_text(a), shape_text(b)),
        a.len(),
        b.len(),
    );
    if !(1..=2).contains(&sa) || !(1..=2).contains(&sb) {
        return Err(format!("matmul needs 1-D or 2-D operands, got {ab}"));
    }
    let (ka, kb) = (a[sa - 1], b[0]);
    if ka != kb {
        return Err(format!(
            "matmul needs the inner dimensions to agree: {ab} ({ka} vs {kb})"
        ));
    }
    // [m, k] @ [k, n] = [m, n]; a 1-D operand contributes no axis.
    Ok(a[..sa - 1].iter().chain(&b[1..]).copied().collect())
}

/// `(m, k, n)`: the operands of `a @ b` as matrices [m, k] and [k, n]
/// (a 1-D `a` is a row, a 1-D `b` a column).
pub(super) fn matrix_dims(a: &[usize], b: &[usize]) -> Option<(usize, usize, usize)> {
    let (m, k) = match *a {
        [k] => (1, k),
        [m, k] => (m, k),
        _ => return None,
    };
    let n = match *b {
        [_] => 1,
        [_, n] => n,
        _ => return None,
    };
    Some((m, k, n))
}

/// `a @ b`, reshaped to `shape` (the result of [`matmul_shape`]).
pub(super) fn matmul(a: &Value, b: &Value, shape: &[usize]) -> Option<Value> {
    let (m, k, n) = matrix_dims(a.shape(), b.shape())?;
    let (av, bv) = (a.view(), b.view());
    let (a2, b2) = (av.to_shape((m, k)).ok()?, bv.to_shape((k, n)).ok()?);
    let c = if m.saturating_mul(k).saturating_mul(n) < crate::matmul::SMALL {
        a2.dot(&b2)
    } else {
        // Large: the machine-speed kernel (the in-place path's, so both give the same bits).
        let mut c = Array2::zeros((m, n));
        crate::matmul::matmul_into(a2.view(), b2.view(), c.view_mut(), false);
        c
    };
    reshaped(c, shape)
}

/// Gradients of `a @ b` from `g` (its shape): with A [m, k], B [k, n] and G [m, n],
/// d/dA = G Bᵀ and d/dB = Aᵀ G, reshaped back to 1-D where an operand was 1-D.
pub(super) fn matmul_backward(
    a: &Value,
    b: &Value,
    g: ArrayViewD<'_, f64>,
    wants: [bool; 2],
) -> Option<Pair> {
    let (m, k, n) = matrix_dims(a.shape(), b.shape())?;
    let gm = g.to_shape((m, n)).ok()?;
    let (av, bv) = (a.view(), b.view());
    // d/dA (A B) = G Bᵀ
    let ga = want!(
        wants[0],
        reshaped(gm.dot(&bv.to_shape((k, n)).ok()?.t()), a.shape())
    );
    // d/dB (A B) = Aᵀ G
    let gb = want!(
        wants[1],
        reshaped(av.to_shape((m, k)).ok()?.t().dot(&gm), b.shape())
    );
    Some((ga, gb))
}

/// A matrix reshaped (row-major) to `shape`.
pub(super) fn reshaped(x: Array2<f64>, shape: &[usize]) -> Option<Value> {
    let x = x.into_dyn();
    if x.shape() == shape {
        return Some(Value::from_array(x));
    }
    // A product is in standard layout, so this moves rather than copies.
    x.into_shape_with_order(IxDyn(shape))
        .ok()
        .map(Value::from_array)
}

/// Σ x (or mean x) over `axis`, or over all elements.
pub(super) fn reduce(x: &Value, axis: Option<isize>, mean: bool) -> Option<Value> {
    let xv = x.view();
    let (sum, n) = match axis {
        None => (Array::from_elem(IxDyn(&[]), xv.sum()), xv.len()),
        Some(axis) => {
            let i = normalize_axis(axis, xv.shape()).ok()?;
            (xv.sum_axis(Axis(i)), xv.shape()[i])
        }
    };
    // mean x = Σ x / n
    Some(Value::from_array(if mean { sum / n as f64 } else { sum }))
}

/// Gradient of [`reduce`]: d/dxᵢ Σ x = 1, d/dxᵢ mean x = 1/n, so `g` is
/// spread back over the reduced axis (or everywhere).
pub(super) fn reduce_backward(
    x: &Value,
    axis: Option<isize>,
    mean: bool,
    g: &Value,
) -> Option<Value> {
    let (gv, n) = match axis {
        None => (g.view(), x.len()),
        Some(axis) => {
            let i = normalize_axis(axis, x.shape()).ok()?;
            (g.view().insert_axis(Axis(i)), x.shape()[i])
        }
    };
    let spread = gv.broadcast(x.shape())?;
    let n = if mean { n as f64 } else { 1.0 };
    Some(Value::from_array(spread.mapv(|g| g / n)))
}

/// Softmax (or log-softmax) of `x` along `axis`.
pub(super) fn softmax(x: &Value, axis: isize, log: bool) -> Option<Value> {
    let i = normalize_axis(axis, x.shape()).ok()?;
    Some(Value::from_array(softmax_lanes(x.view(), i, log)))
}

/// Gradient of [`softmax`], from its output `y` and the upstream `g`.
pub(super) fn softmax_backward(y: &Value, g: &Value, axis: isize, log: bool) -> Option<Value> {
    let i = normalize_axis(axis, y.shape()).ok()?;
    (y.shape() == g.shape())
        .then(|| Value::from_array(softmax_lanes_backward(y.view(), g.view(), i, log)))
}

/// Softmax (or log-softmax) of `x` along `axis`, stable: each lane's max is
/// subtracted first.
pub(super) fn softmax_lanes(x: ArrayViewD<'_, f64>, axis: usize, log: bool) -> Array {
    let mut y = x.to_owned();
    for mut lane in y.lanes_mut(Axis(axis)) {
        let m = lane.fold(f64::NEG_INFINITY, |acc, &v| acc.max(v));
        if log {
            // log_softmax x = x - m - ln Σ e^(x - m)
            let lse = lane.fold(0.0, |acc, &v| acc + (v - m).exp()).ln();
            lane.mapv_inplace(|v| v - m - lse);
        } else {
            // softmax x = e^(x - m) / Σ e^(x - m)
            lane.mapv_inplace(|v| (v - m).exp());
            let s = lane.sum();
            lane.mapv_inplace(|v| v / s);
        }
    }
    y
}

/// VJP of softmax (or log-softmax) along `axis`, from its output `y` and `g`.
pub(super) fn softmax_lanes_backward(
    y: ArrayViewD<'_, f64>,
    g: ArrayViewD<'_, f64>,
    axis: usize,
    log: bool,
) -> Array {
    let mut gx = Array::zeros(y.raw_dim());
    let ax = Axis(axis);
    Zip::from(gx.lanes_mut(ax))
        .and(y.lanes(ax))
        .and(g.lanes(ax))
        .for_each(|mut gx, y, g| {
            if log {
                // ∂yⱼ/∂xᵢ = δᵢⱼ - softmaxᵢ: gx = g - e^y Σ g
                let sum_g = g.sum();
                Zip::from(&mut gx)
                    .and(&y)
                    .and(&g)
                    .for_each(|gx, &y, &g| *gx = g - y.exp() * sum_g);
            } else {
                // ∂yⱼ/∂xᵢ = yⱼ(δᵢⱼ - yᵢ): gx = y (g - Σ g y)
                let dot = Zip::from(&y).and(&g).fold(0.0, |acc, &y, &g| acc + y * g);
                Zip::from(&mut gx)
                    .and(&y)
                    .and(&g)
                    .for_each(|gx, &y, &g| *gx = y * (g - dot));
            }
        });
    gx
}

/// affine(x, W, b) = x @ W + b, of `shape` (b broadcasts).
pub(super) fn affine(x: &Value, w: &Value, b: &Value, shape: &[usize]) -> Option<Value> {
    let m = matmul(x, w, &matmul_shape(x.shape(), w.shape()).ok()?)?;
    zip_map(&m.view(), &b.view(), shape, |m, b| m + b).map(Value::from_array)
}

/// Gradients of [`affine`]: d/d(xW) (xW + b) = 1 and d/db = 1, so `g` is
/// unbroadcast to each addend, then the matmul's rule gives x's and W's.
pub(super) fn affine_backward(
    x: &Value,
    w: &Value,
    b: &Value,
    g: &Value,
    wants: [bool; 3],
) -> Option<Three> {
    let (gx, gw) = if wants[0] || wants[1] {
        let gm = unbroadcast(g.to_array(), &matmul_shape(x.shape(), w.shape()).ok()?)?;
        matmul_backward(x, w, gm.view(), [wants[0], wants[1]])?
    } else {
        (None, None)
    };
    Some([
        gx,
        gw,
        want!(wants[2], unbroadcast(g.to_array(), b.shape())),
    ])
}

/// clip(x, lo, hi) = min(max(x, lo), hi) over the broadcast `shape`: hi
/// where lo > hi, as PyTorch's clamp; NaN stays NaN.
pub(super) fn clip(args: &[&Value], shape: &[usize]) -> Option<Value> {
    let (x, lo, hi) = (args[0].view(), args[1].view(), args[2].view());
    let (x, lo, hi) = (
        x.broadcast(shape)?,
        lo.broadcast(shape)?,
        hi.broadcast(shape)?,
    );
    let y = Zip::from(&x).and(&lo).and(&hi).map_collect(|&x, &lo, &hi| {
        let m = if x < lo { lo } else { x };
        if m > hi { hi } else { m }
    });
    Some(Value::from_array(y))
}

/// Gradients of [`clip`]: with m = max(x, lo), d/dx = [x >= lo][m <= hi],
/// d/dlo = [x < lo][m <= hi], d/dhi = [m > hi] (for lo <= hi: g goes to
/// x inside [lo, hi], to lo below it, to hi above it), each unbroadcast.
pub(super) fn clip_backward(args: &[&Value], g: &Value, wants: [bool; 3]) -> Option<Three> {
    let shape = g.shape();
    let (xv, lov, hiv) = (args[0].view(), args[1].view(), args[2].view());
    let (x, lo, hi) = (
        xv.broadcast(shape)?,
        lov.broadcast(shape)?,
        hiv.broadcast(shape)?,
    );
    let gv = g.view();
    let part = |k: usize| {
        let d = Zip::from(&x)
            .and(&lo)
            .and(&hi)
            .and(&gv)
            .map_collect(|&x, &lo, &hi, &g| {
                let m = if x < lo { lo } else { x };
                let hit = match k {
                    0 => x >= lo && m <= hi,
                    1 => x < lo && m <= hi,
                    _ => m > hi,
                };
                if hit { g } else { 0.0 }
            });
        unbroadcast(d, args[k].shape())
    };
    Some([
        want!(wants[0], part(0)),
        want!(wants[1], part(1)),
        want!(wants[2], part(2)),
    ])
}
