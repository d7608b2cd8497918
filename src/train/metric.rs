//! Accuracy, where the loss says the spec is a classifier:
//!
//! - `cross_entropy(logits, target)`: the predicted class of a row is the
//!   argmax of its logits; the true class is the target's index (or the argmax
//!   of a one-hot row).
//! - `bce(p, y)`, or `mse(p, y)` with `p` a `sigmoid` node, where every `y` is
//!   0 or 1: an element is right when `p >= 0.5` exactly when `y = 1`.
//!
//! Any other loss gets no accuracy.

use crate::graph::Kind;
use crate::op::{Map, Op};
use crate::plan::{Plan, Slot};
use crate::slots::Values;
use crate::tensor::Value;

/// How to count right answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    /// Argmax of each row of `logits` against class indices or one-hot rows.
    Argmax {
        /// `[rows, classes]` (or `[classes]` for one row).
        logits: Slot,
        /// `[rows]` indices or `[rows, classes]` one-hot.
        target: Slot,
    },
    /// `p >= 0.5` against 0/1 targets, elementwise.
    Threshold {
        /// Probabilities.
        p: Slot,
        /// 0/1 targets.
        target: Slot,
    },
}

impl Metric {
    /// The metric for a loss node, if it is a classification loss.
    pub fn detect(plan: &Plan, loss: Slot) -> Option<Metric> {
        let info = plan.info(loss);
        let Kind::Node(op) = info.kind else {
            return None;
        };
        let (a, b) = match info.args.as_slice() {
            [a, b] => (*a, *b),
            _ => return None,
        };
        let binary = || {
            let leaf = b.index() < plan.leaves.len();
            leaf && plan.leaves[b.index()].iter().all(|y| y == 0.0 || y == 1.0)
        };
        match op {
            Op::CrossEntropy => Some(Metric::Argmax {
                logits: a,
                target: b,
            }),
            Op::Bce if binary() => Some(Metric::Threshold { p: a, target: b }),
            Op::Mse if binary() && plan.info(a).kind == Kind::Node(Op::Map(Map::Sigmoid)) => {
                Some(Metric::Threshold { p: a, target: b })
            }
            _ => None,
        }
    }

    /// (right, counted) in the current values.
    pub fn count(&self, values: &Values) -> (usize, usize) {
        match *self {
            Metric::Threshold { p, target } => {
                let (p, y) = (&values[p], &values[target]);
                let right = p
                    .iter()
                    .zip(y.iter())
                    .filter(|&(p, y)| (p >= 0.5) == (y >= 0.5))
                    .count();
                (right, p.len())
            }
            Metric::Argmax { logits, target } => {
                let (z, t) = (&values[logits], &values[target]);
                let classes = z.shape().last().copied().unwrap_or(1).max(1);
                let rows = z.len() / classes;
                let z = z.to_vec_if_needed();
                let t = t.to_vec_if_needed();
                let one_hot = t.len() == z.len() && classes > 1;
                let mut right = 0;
                for r in 0..rows {
                    let want = if one_hot {
                        argmax(&t[r * classes..(r + 1) * classes])
                    } else {
                        t.get(r).map(|&x| x as usize)
                    };
                    if want.is_some() && argmax(&z[r * classes..(r + 1) * classes]) == want {
                        right += 1;
                    }
                }
                (right, rows)
            }
        }
    }
}

/// The index of the largest element (the first, on ties); `None` if empty or NaN.
fn argmax(xs: &[f64]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &x) in xs.iter().enumerate() {
        if x.is_nan() {
            return None;
        }
        if best.is_none_or(|(_, b)| x > b) {
            best = Some((i, x));
        }
    }
    best.map(|(i, _)| i)
}

/// Borrowed row-major elements without copying when the value is contiguous.
trait Elements {
    fn to_vec_if_needed(&self) -> std::borrow::Cow<'_, [f64]>;
}

impl Elements for Value {
    fn to_vec_if_needed(&self) -> std::borrow::Cow<'_, [f64]> {
        match self {
            Value::Scalar(x) => std::borrow::Cow::Borrowed(std::slice::from_ref(x)),
            Value::Tensor(a) => match a.as_slice() {
                Some(s) => std::borrow::Cow::Borrowed(s),
                None => std::borrow::Cow::Owned(a.iter().copied().collect()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_largest() {
        assert_eq!(argmax(&[0.1, 0.7, 0.7]), Some(1));
        assert_eq!(argmax(&[]), None);
        assert_eq!(argmax(&[1.0, f64::NAN]), None);
    }
}
