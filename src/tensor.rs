//! Values: f64 scalars, or n-d tensors held by ndarray.
//!
//! Scalars are the common case in lesson graphs, so they stay unboxed: a
//! [`Value`] is 16 bytes and a scalar never touches the heap. Tensors live
//! behind a `Box` so a `Vec<Value>` stays dense.

use ndarray::{ArrayD, ArrayViewD, IxDyn};

/// An owned n-d array of f64.
pub type Array = ArrayD<f64>;

/// A shape: the length of each axis; `[]` is a scalar.
pub type Shape = Vec<usize>;

/// A forward value or a gradient.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar (shape `[]`).
    Scalar(f64),
    /// A tensor of rank 1 or more (never rank 0: see [`Value::from_array`]).
    Tensor(Box<Array>),
}

impl Value {
    /// Wraps an array; a 0-d array becomes [`Value::Scalar`].
    pub fn from_array(a: Array) -> Value {
        if a.ndim() == 0 {
            Value::Scalar(a.iter().next().copied().unwrap_or(0.0))
        } else {
            Value::Tensor(Box::new(a))
        }
    }

    /// A value of `shape` filled with `x`.
    pub fn full(shape: &[usize], x: f64) -> Value {
        if shape.is_empty() {
            Value::Scalar(x)
        } else {
            Value::Tensor(Box::new(Array::from_elem(IxDyn(shape), x)))
        }
    }

    /// The shape; `[]` for a scalar.
    pub fn shape(&self) -> &[usize] {
        match self {
            Value::Scalar(_) => &[],
            Value::Tensor(a) => a.shape(),
        }
    }

    /// Number of elements (1 for a scalar).
    pub fn len(&self) -> usize {
        match self {
            Value::Scalar(_) => 1,
            Value::Tensor(a) => a.len(),
        }
    }

    /// True when the value has no elements (a tensor with a zero-length axis).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A read-only n-d view; a scalar is viewed as a 0-d array without copying.
    pub fn view(&self) -> ArrayViewD<'_, f64> {
        match self {
            Value::Scalar(x) => ArrayViewD::from_shape(IxDyn(&[]), std::slice::from_ref(x))
                .expect("a 0-d view of one element always has a valid shape"),
            Value::Tensor(a) => a.view(),
        }
    }

    /// An owned array (a scalar becomes a 0-d array).
    pub fn to_array(&self) -> Array {
        self.view().to_owned()
    }

    /// The scalar, if this is one.
    pub fn as_scalar(&self) -> Option<f64> {
        match self {
            Value::Scalar(x) => Some(*x),
            Value::Tensor(_) => None,
        }
    }

    /// Elements in row-major (logical) order.
    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        let (scalar, tensor) = match self {
            Value::Scalar(x) => (Some(*x), None),
            Value::Tensor(a) => (None, Some(a.iter().copied())),
        };
        scalar.into_iter().chain(tensor.into_iter().flatten())
    }

    /// Elements in row-major order, as a vector.
    pub fn to_vec(&self) -> Vec<f64> {
        self.iter().collect()
    }

    /// `self += other`; shapes must be equal (the engine undoes broadcasting first).
    pub fn add_assign(&mut self, other: &Value) {
        match (self, other) {
            (Value::Scalar(a), Value::Scalar(b)) => *a += *b,
            (Value::Tensor(a), b) => **a += &b.view(),
            (a @ Value::Scalar(_), b) => *a = Value::from_array(&a.view() + &b.view()),
        }
    }

    /// The first element that is NaN or infinite, as (row-major index, value).
    pub fn first_nonfinite(&self) -> Option<(usize, f64)> {
        match self {
            Value::Scalar(x) => (!x.is_finite()).then_some((0, *x)),
            // A standard-layout array is one slice: scan it without an iterator chain.
            Value::Tensor(a) => match a.as_slice() {
                Some(s) => first_nonfinite(s).map(|i| (i, s[i])),
                None => a.iter().copied().enumerate().find(|(_, x)| !x.is_finite()),
            },
        }
    }
}

/// The index of the first NaN or infinite element of `s`.
///
/// Scans blocks of 64 without a branch per element (`x * 0` is 0 for a
/// finite x and NaN otherwise, and a sum of them vectorises), then finds
/// the element inside the first bad block: training scans every value and
/// gradient of every step, so this is on the hot path.
pub fn first_nonfinite(s: &[f64]) -> Option<usize> {
    const BLOCK: usize = 64;
    for (b, block) in s.chunks(BLOCK).enumerate() {
        let mut lanes = [0.0f64; 8];
        let mut chunks = block.chunks_exact(8);
        for c in &mut chunks {
            for (l, &x) in lanes.iter_mut().zip(c) {
                *l += x * 0.0;
            }
        }
        let rest = chunks.remainder().iter().fold(0.0, |a, &x| a + x * 0.0);
        if lanes.iter().sum::<f64>() + rest != 0.0 {
            return block
                .iter()
                .position(|x| !x.is_finite())
                .map(|i| b * BLOCK + i);
        }
    }
    None
}

/// `[2, 3]` style text for a shape; `[]` for a scalar.
pub fn shape_text(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_stay_unboxed_and_small() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(
            Value::from_array(Array::from_elem(IxDyn(&[]), 2.5)),
            Value::Scalar(2.5)
        );
        assert_eq!(Value::Scalar(3.0).view().shape(), &[] as &[usize]);
    }

    #[test]
    fn add_assign_accumulates() {
        let mut g = Value::full(&[2], 1.0);
        g.add_assign(&Value::full(&[2], 0.5));
        assert_eq!(g.to_vec(), vec![1.5, 1.5]);
        let mut s = Value::Scalar(1.0);
        s.add_assign(&Value::Scalar(2.0));
        assert_eq!(s, Value::Scalar(3.0));
    }
}
