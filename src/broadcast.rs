//! NumPy broadcasting: the shape two shapes broadcast to, elementwise maps over
//! broadcast arguments, and undoing a broadcast when a gradient flows back.

use ndarray::{ArrayViewD, Axis, Zip};

use crate::tensor::{Array, Shape, Value, shape_text};

/// The NumPy broadcast of two shapes: align them at the last axis; on each axis
/// the sizes must match or one must be 1 (a missing leading axis counts as 1).
///
/// The error names both shapes and the axis (counted from the end) that failed.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Shape, String> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for from_end in 1..=rank {
        let da = a.len().checked_sub(from_end).map_or(1, |i| a[i]);
        let db = b.len().checked_sub(from_end).map_or(1, |i| b[i]);
        out[rank - from_end] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(format!(
                "cannot broadcast shapes {} and {}: axis -{from_end} has {da} vs {db} \
                 (sizes must match or one must be 1)",
                shape_text(a),
                shape_text(b)
            ));
        };
    }
    Ok(out)
}

/// `f(a, b)` elementwise, with `a` and `b` broadcast to `shape`; `None` if
/// either does not broadcast to it.
pub fn zip_map(
    a: &ArrayViewD<'_, f64>,
    b: &ArrayViewD<'_, f64>,
    shape: &[usize],
    f: impl Fn(f64, f64) -> f64,
) -> Option<Array> {
    let a = a.broadcast(shape)?;
    let b = b.broadcast(shape)?;
    Some(Zip::from(&a).and(&b).map_collect(|&x, &y| f(x, y)))
}

/// Undoes broadcasting for a gradient: sums `grad` over the leading axes that
/// broadcasting added and over the axes where `shape` has size 1 but `grad`
/// does not (those were stretched), giving a value of exactly `shape`.
///
/// `None` when `grad`'s shape is not a broadcast of `shape`.
pub fn unbroadcast(grad: Array, shape: &[usize]) -> Option<Value> {
    if grad.shape() == shape {
        return Some(Value::from_array(grad));
    }
    let lead = grad.ndim().checked_sub(shape.len())?;
    let mut g = grad;
    for _ in 0..lead {
        g = g.sum_axis(Axis(0));
    }
    for (i, &d) in shape.iter().enumerate() {
        if d == 1 && g.shape()[i] != 1 {
            g = g.sum_axis(Axis(i)).insert_axis(Axis(i));
        }
    }
    (g.shape() == shape).then(|| Value::from_array(g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn shapes_broadcast_like_numpy() {
        assert_eq!(broadcast_shapes(&[2, 3], &[3]), Ok(vec![2, 3]));
        assert_eq!(broadcast_shapes(&[2, 1], &[1, 3]), Ok(vec![2, 3]));
        assert_eq!(broadcast_shapes(&[], &[2, 3]), Ok(vec![2, 3]));
        assert_eq!(broadcast_shapes(&[0], &[1]), Ok(vec![0]));
        let e = broadcast_shapes(&[2, 3], &[4]).unwrap_err();
        assert_eq!(
            e,
            "cannot broadcast shapes [2, 3] and [4]: axis -1 has 3 vs 4 \
             (sizes must match or one must be 1)"
        );
    }

    #[test]
    fn unbroadcast_sums_added_and_stretched_axes() {
        let g = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1., 2., 3., 4., 5., 6.]).unwrap();
        // [3]: column sums [1+4, 2+5, 3+6]
        assert_eq!(
            unbroadcast(g.clone(), &[3]).unwrap().to_vec(),
            vec![5., 7., 9.]
        );
        // [2, 1]: row sums [1+2+3, 4+5+6]
        let r = unbroadcast(g.clone(), &[2, 1]).unwrap();
        assert_eq!((r.shape(), r.to_vec()), (&[2usize, 1][..], vec![6., 15.]));
        assert_eq!(unbroadcast(g.clone(), &[]), Some(Value::Scalar(21.)));
        assert_eq!(unbroadcast(g, &[4]), None);
    }
}
