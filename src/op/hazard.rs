//! Where finite differences of an op cannot be trusted ([`Hazard`]), and
//! how the gradient check tells that a perturbation crossed one.

use super::Op;
use crate::broadcast::{broadcast_shapes, zip_map};
use crate::tensor::Value;

/// Where finite differences of an op cannot be trusted: a perturbation of
/// an argument that crosses the hazard changes the function in a way its
/// derivative does not describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hazard {
    /// The derivative jumps where argument `arg` crosses 0 (relu's kink).
    KinkAtZero {
        /// Which argument.
        arg: usize,
    },
    /// The derivative jumps where arguments `a` and `b` are equal
    /// (maximum, minimum, clip at its bounds).
    KinkWhereEqual {
        /// The first argument.
        a: usize,
        /// The second argument.
        b: usize,
    },
    /// The derivative jumps where the element picked from argument `arg`
    /// changes (the max or min of a reduction).
    PickChanged {
        /// Which argument.
        arg: usize,
    },
    /// Argument `target` holds class indices (its shape is not that of
    /// argument `logits`): a change of them is a jump, not a slope.
    ClassIndex {
        /// The class-index argument.
        target: usize,
        /// The argument whose shape tells indices from probability rows.
        logits: usize,
    },
}

impl Hazard {
    /// True when moving the arguments of `op` from `base` to `moved`
    /// crosses the hazard.
    pub fn crossed(&self, op: &Op, base: &[&Value], moved: &[&Value]) -> bool {
        let side = |x: f64, at: f64| x.partial_cmp(&at);
        let pair = |i: usize| base.get(i).zip(moved.get(i));
        match *self {
            Hazard::KinkAtZero { arg } => pair(arg).is_some_and(|(b, m)| {
                b.iter()
                    .zip(m.iter())
                    .any(|(b, m)| side(b, 0.0) != side(m, 0.0))
            }),
            Hazard::KinkWhereEqual { a, b } => {
                let (Some((a0, a1)), Some((b0, b1))) = (pair(a), pair(b)) else {
                    return false;
                };
                // The sign of a - b, element by element of the broadcast.
                let signs = |x: &Value, y: &Value| {
                    let shape = broadcast_shapes(x.shape(), y.shape()).ok()?;
                    zip_map(&x.view(), &y.view(), &shape, |x, y| match side(x, y) {
                        Some(o) => o as i8 as f64,
                        None => f64::NAN,
                    })
                };
                match (signs(a0, b0), signs(a1, b1)) {
                    (Some(s0), Some(s1)) => s0.iter().zip(s1.iter()).any(|(p, q)| p != q),
                    _ => false,
                }
            }
            Hazard::PickChanged { arg } => {
                pair(arg).is_some_and(|(b, m)| op.picks(b) != op.picks(m))
            }
            Hazard::ClassIndex { target, logits } => {
                let (Some(t), Some(z), Some(m)) =
                    (base.get(target), base.get(logits), moved.get(target))
                else {
                    return false;
                };
                t.shape() != z.shape() && t != m
            }
        }
    }
}

impl Hazard {
    /// Why an element was skipped, for the check's report: `node` computes
    /// `op` (as displayed) from the arguments named `args`.
    pub fn reason(&self, node: &str, op: &str, args: &[&str]) -> String {
        match *self {
            Hazard::KinkAtZero { arg } => {
                let arg = args.get(arg).copied().unwrap_or("?");
                format!("within eps of the kink of `{node}` = {op}({arg}) at 0")
            }
            Hazard::KinkWhereEqual { .. } => {
                format!(
                    "within eps of a kink of `{node}` = {op}({})",
                    args.join(", ")
                )
            }
            Hazard::PickChanged { .. } => {
                format!("within eps of a tie in `{node}` = {op}: the picked element changed")
            }
            Hazard::ClassIndex { .. } => {
                let name = op.split('(').next().unwrap_or(op);
                format!("class indices of `{node}` ({name}) are not differentiable")
            }
        }
    }
}
