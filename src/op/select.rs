//! Ops that move elements without arithmetic (index, slice, reshape, stack,
//! concat) and the reductions that pick one element (max, min): each shape
//! rule, forward and vector-Jacobian product side by side.
//!
//! Their gradients route `g` back to where each element came from: every
//! derivative is 1 for the elements picked and 0 elsewhere.

use ndarray::{ArrayViewD, Axis, IxDyn, Slice};

use super::kernels::normalize_axis;
use crate::tensor::{Array, Shape, Value, shape_text};

/// The most axes a `reshape` target may have.
pub const MAX_RANK: usize = 4;

/// A size slot of [`Dims`] that holds no size.
const NONE: u32 = u32::MAX - 1;
/// A size slot of [`Dims`] that holds -1 (inferred).
const INFERRED: u32 = u32::MAX;

/// The target shape of `reshape`: up to [`MAX_RANK`] sizes, at most one of
/// them -1 (inferred from the element count), stored inline in 16 bytes so
/// that an [`super::Op`] stays small and `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims([u32; MAX_RANK]);

impl Dims {
    /// No sizes: the shape of a scalar.
    pub const EMPTY: Dims = Dims([NONE; MAX_RANK]);

    /// The sizes as written (-1 for the inferred one), if they are valid: at
    /// most [`MAX_RANK`] of them, each -1 or in `[0, 2³² − 2)`, one -1 at most.
    pub fn new(sizes: &[i64]) -> Option<Dims> {
        if sizes.len() > MAX_RANK || sizes.iter().filter(|&&d| d == -1).count() > 1 {
            return None;
        }
        let mut dims = [NONE; MAX_RANK];
        for (d, &s) in dims.iter_mut().zip(sizes) {
            *d = match s {
                -1 => INFERRED,
                0.. if s < NONE as i64 => s as u32,
                _ => return None,
            };
        }
        Some(Dims(dims))
    }

    /// The sizes as written (-1 for the inferred one).
    pub fn sizes(&self) -> Vec<i64> {
        self.0
            .iter()
            .take_while(|&&d| d != NONE)
            .map(|&d| if d == INFERRED { -1 } else { d as i64 })
            .collect()
    }

    /// `[2, -1]`, as written.
    pub fn text(&self) -> String {
        let s: Vec<String> = self.sizes().iter().map(|d| d.to_string()).collect();
        format!("[{}]", s.join(", "))
    }
}

/// `i` (negative counts from the end) as a position along an axis of size `n`.
fn position(i: isize, n: usize) -> Option<usize> {
    let j = if i < 0 { i + n as isize } else { i };
    (0..n as isize).contains(&j).then_some(j as usize)
}

/// `x` with standard layout, for row-major element order.
fn standard(x: &Value) -> Array {
    x.view().as_standard_layout().into_owned()
}

// ---- index(x, i, axis) ----

/// The shape of `index`: `x`'s without `axis`.
pub(super) fn index_shape(x: &[usize], i: i32, axis: i32) -> Result<Shape, String> {
    if x.is_empty() {
        return Err("index needs a tensor of rank >= 1, got a scalar".into());
    }
    let ax = normalize_axis(axis as isize, x)?;
    if position(i as isize, x[ax]).is_none() {
        return Err(format!(
            "index {i} is out of range for axis {axis} of size {} (shape {})",
            x[ax],
            shape_text(x)
        ));
    }
    let mut shape = x.to_vec();
    shape.remove(ax);
    Ok(shape)
}

/// Element `i` of `x` along `axis` (a row, or one element of a vector).
pub(super) fn index(x: &Value, i: i32, axis: i32) -> Option<Value> {
    let ax = normalize_axis(axis as isize, x.shape()).ok()?;
    let i = position(i as isize, x.shape()[ax])?;
    Some(Value::from_array(
        x.view().index_axis(Axis(ax), i).to_owned(),
    ))
}

/// d/dx index(x, i) = 1 at the picked elements: `g` placed at `i`, 0 elsewhere.
pub(super) fn index_backward(x: &Value, i: i32, axis: i32, g: &Value) -> Option<Value> {
    let ax = normalize_axis(axis as isize, x.shape()).ok()?;
    let i = position(i as isize, x.shape()[ax])?;
    let mut gx = Array::zeros(IxDyn(x.shape()));
    gx.index_axis_mut(Axis(ax), i).assign(&g.view());
    Some(Value::from_array(gx))
}

// ---- slice(x, start, stop, axis) ----

/// `start..stop` (negative counts from the end, clamped to the axis as in
/// Python) along an axis of size `n`.
fn range(start: i32, stop: i32, n: usize) -> (usize, usize) {
    let clamp = |i: i32| {
        let i = i as isize;
        let j = if i < 0 { i + n as isize } else { i };
        j.clamp(0, n as isize) as usize
    };
    let (a, b) = (clamp(start), clamp(stop));
    (a, b.max(a))
}

/// The shape of `slice`: `x`'s with `axis` cut to `stop - start`; an empty
/// result is an error.
pub(super) fn slice_shape(x: &[usize], start: i32, stop: i32, axis: i32) -> Result<Shape, String> {
    if x.is_empty() {
        return Err("slice needs a tensor of rank >= 1, got a scalar".into());
    }
    let ax = normalize_axis(axis as isize, x)?;
    let (a, b) = range(start, stop, x[ax]);
    if a == b {
        return Err(format!(
            "slice {start}..{stop} of axis {axis} (size {}) is empty (shape {})",
            x[ax],
            shape_text(x)
        ));
    }
    let mut shape = x.to_vec();
    shape[ax] = b - a;
    Ok(shape)
}

/// Elements `start..stop` of `x` along `axis`.
pub(super) fn slice(x: &Value, start: i32, stop: i32, axis: i32) -> Option<Value> {
    let ax = normalize_axis(axis as isize, x.shape()).ok()?;
    let (a, b) = range(start, stop, x.shape()[ax]);
    let part = x.view().slice_axis(Axis(ax), Slice::from(a..b)).to_owned();
    Some(Value::from_array(part))
}

/// d/dx slice(x) = 1 on the slice: `g` placed at `start..stop`, 0 elsewhere.
pub(super) fn slice_backward(
    x: &Value,
    (start, stop, axis): (i32, i32, i32),
    g: &Value,
) -> Option<Value> {
    let ax = normalize_axis(axis as isize, x.shape()).ok()?;
    let (a, b) = range(start, stop, x.shape()[ax]);
    let mut gx = Array::zeros(IxDyn(x.shape()));
    let mut part = gx.slice_axis_mut(Axis(ax), Slice::from(a..b));
    (part.shape() == g.shape()).then(|| part.assign(&g.view()))?;
    Some(Value::from_array(gx))
}

// ---- reshape(x, shape) ----

/// The shape of `reshape`: `dims` with its -1 inferred; the element count
/// must not change.
pub(super) fn reshape_shape(x: &[usize], dims: &Dims) -> Result<Shape, String> {
    let n: usize = x.iter().product();
    let sizes = dims.sizes();
    let known = sizes
        .iter()
        .filter(|&&d| d >= 0)
        .try_fold(1usize, |p, &d| p.checked_mul(d as usize));
    let wrong = || {
        format!(
            "reshape cannot make {} elements (shape {}) into shape {}",
            n,
            shape_text(x),
            dims.text()
        )
    };
    let known = known.ok_or_else(wrong)?;
    let inferred = if sizes.contains(&-1) {
        if known == 0 || !n.is_multiple_of(known) {
            return Err(wrong());
        }
        n / known
    } else if known == n {
        1
    } else {
        return Err(wrong());
    };
    Ok(sizes
        .iter()
        .map(|&d| if d < 0 { inferred } else { d as usize })
        .collect())
}

/// `x`'s elements, in row-major order, in a tensor of `shape`.
pub(super) fn reshape(x: &Value, shape: &[usize]) -> Option<Value> {
    let flat = standard(x);
    if shape.is_empty() {
        return (flat.len() == 1).then(|| Value::Scalar(flat.iter().copied().sum()));
    }
    flat.into_shape_with_order(IxDyn(shape))
        .ok()
        .map(Value::from_array)
}

// ---- stack(a, b, ..., axis), concat(a, b, ..., axis) ----

/// The shape of `stack`: the (equal) shapes of the arguments with a new axis
/// of their count at `axis`.
pub(super) fn stack_shape(args: &[&[usize]], axis: isize) -> Result<Shape, String> {
    let first = args.first().copied().unwrap_or(&[]);
    if let Some(other) = args.iter().find(|s| **s != first) {
        return Err(format!(
            "stack needs arguments of one shape, got {} and {}",
            shape_text(first),
            shape_text(other)
        ));
    }
    // The new axis counts in the result's rank.
    let mut shape = first.to_vec();
    shape.push(0);
    let ax = normalize_axis(axis, &shape)?;
    shape.pop();
    shape.insert(ax, args.len());
    Ok(shape)
}

/// The arguments stacked along a new `axis`.
pub(super) fn stack(args: &[&Value], axis: isize, shape: &[usize]) -> Option<Value> {
    let ax = normalize_axis(axis, shape).ok()?;
    let views: Vec<ArrayViewD<'_, f64>> = args.iter().map(|a| a.view()).collect();
    let out = ndarray::stack(Axis(ax), &views).ok()?;
    Some(Value::from_array(out.as_standard_layout().into_owned()))
}

/// d/d(arg k) stack = 1 on its slab: argument `k` gets `g`'s slab `k` of `axis`.
pub(super) fn stack_backward(g: &Value, k: usize, axis: isize) -> Option<Value> {
    let ax = normalize_axis(axis, g.shape()).ok()?;
    let gv = g.view();
    (k < gv.shape()[ax]).then(|| Value::from_array(gv.index_axis(Axis(ax), k).to_owned()))
}

/// The shape of `concat`: the arguments' shapes (of one rank >= 1, equal
/// but along `axis`), with their sizes along `axis` added.
pub(super) fn concat_shape(args: &[&[usize]], axis: isize) -> Result<Shape, String> {
    let first = args.first().copied().unwrap_or(&[]);
    if first.is_empty() {
        return Err(
            "concat needs tensors of rank >= 1, got a scalar (to join scalars into a \
             vector, use stack)"
                .into(),
        );
    }
    let ax = normalize_axis(axis, first)?;
    let mut shape = first.to_vec();
    shape[ax] = 0;
    for s in args {
        let fits = s.len() == first.len() && (0..first.len()).all(|i| i == ax || s[i] == first[i]);
        if !fits {
            return Err(format!(
                "concat needs shapes that agree except along axis {axis}, got {} and {}",
                shape_text(first),
                shape_text(s)
            ));
        }
        shape[ax] += s[ax];
    }
    Ok(shape)
}

/// The arguments joined along `axis`.
pub(super) fn concat(args: &[&Value], axis: isize) -> Option<Value> {
    let ax = normalize_axis(axis, args.first()?.shape()).ok()?;
    let views: Vec<ArrayViewD<'_, f64>> = args.iter().map(|a| a.view()).collect();
    let out = ndarray::concatenate(Axis(ax), &views).ok()?;
    Some(Value::from_array(out.as_standard_layout().into_owned()))
}

/// d/d(arg k) concat = 1 on its part: argument `k` gets the part of `g`
/// where it was placed along `axis`.
pub(super) fn concat_backward(args: &[&Value], k: usize, axis: isize, g: &Value) -> Option<Value> {
    let ax = normalize_axis(axis, g.shape()).ok()?;
    let start: usize = args[..k].iter().map(|a| a.shape()[ax]).sum();
    let end = start + args[k].shape()[ax];
    let gv = g.view();
    (end <= gv.shape()[ax])
        .then(|| Value::from_array(gv.slice_axis(Axis(ax), Slice::from(start..end)).to_owned()))
}

// ---- max(x, axis), min(x, axis) ----

/// For each lane of `x` along `axis` (or for all of `x`), the row-major
/// index of the element max (or min) picks: the first NaN if there is one,
/// else the first maximum (minimum), as PyTorch's `max(x, dim)`.
pub(super) fn picks(x: &Value, axis: Option<isize>, max: bool) -> Option<Vec<usize>> {
    let xs = standard(x);
    let better = |a: f64, b: f64| if max { a > b } else { a < b };
    let pick = |lane: &mut dyn Iterator<Item = (usize, f64)>| {
        let mut best: Option<(usize, f64)> = None;
        for (j, v) in lane {
            best = match best {
                _ if v.is_nan() => return Some(j),
                None => Some((j, v)),
                Some((_, b)) if better(v, b) => Some((j, v)),
                keep => keep,
            };
        }
        best.map(|(j, _)| j)
    };
    let flat = xs.as_slice()?;
    let Some(axis) = axis else {
        return Some(
            pick(&mut flat.iter().copied().enumerate())
                .into_iter()
                .collect(),
        );
    };
    let ax = normalize_axis(axis, xs.shape()).ok()?;
    // Row-major strides from the shape: `xs.strides()` may hold any stride
    // for an axis of length 1 (a slice's [1, 3] can carry 0 there).
    let n = xs.shape()[ax];
    let stride: usize = xs.shape()[ax + 1..].iter().product();
    // Lanes start at every index whose coordinate along `ax` is 0.
    let outer = stride * n;
    let mut out = Vec::with_capacity(xs.len() / n.max(1));
    for base in (0..xs.len()).step_by(outer.max(1)) {
        for off in 0..stride {
            let start = base + off;
            let mut lane = (0..n).map(|k| (start + k * stride, flat[start + k * stride]));
            out.extend(pick(&mut lane));
        }
    }
    Some(out)
}

/// max (or min) of `x` along `axis`, or of all of it, in the shape of `shape`.
pub(super) fn pick_reduce(
    x: &Value,
    axis: Option<isize>,
    max: bool,
    shape: &[usize],
) -> Option<Value> {
    let flat = standard(x);
    let flat = flat.as_slice()?;
    let picked: Vec<f64> = picks(x, axis, max)?.iter().map(|&j| flat[j]).collect();
    if shape.is_empty() {
        return picked.first().map(|&v| Value::Scalar(v));
    }
    Array::from_shape_vec(IxDyn(shape), picked)
        .ok()
        .map(Value::from_array)
}

/// d/dx max x = 1 at the picked element of each lane, 0 elsewhere: `g` goes
/// to the first maximum (minimum), as PyTorch's `max(x, dim)`.
pub(super) fn pick_backward(x: &Value, axis: Option<isize>, max: bool, g: &Value) -> Option<Value> {
    let picked = picks(x, axis, max)?;
    let gs: Vec<f64> = g.iter().collect();
    if gs.len() != picked.len() {
        return None;
    }
    let mut gx = vec![0.0; x.len()];
    for (&j, &g) in picked.iter().zip(&gs) {
        gx[j] += g;
    }
    Array::from_shape_vec(IxDyn(x.shape()), gx)
        .ok()
        .map(Value::from_array)
}
