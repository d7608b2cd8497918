//! All of bpc's calculus: one [`Op`] enum, each op's forward and its
//! vector-Jacobian product (backward) side by side, and every fact about an
//! op in one table ([`table::OPS`], one [`OpDef`] per op).
//!
//! - [`map`]: the elementwise ops ([`Map`]), with their scalar calculus.
//! - `kernels`, `loss`: the tensor ops' forward and backward kernels.
//! - `inplace`: allocation-free variants of the hot kernels.
//! - `shape`: every op's shape rule; `hazard`: where finite differences fail.
//! - [`def`], [`table`]: the op table (names, arguments, attributes,
//!   derivative formulas, shape rules, NaN causes, hazards).
//!
//! No `_ =>` arms over `Op`: adding an op makes the compiler list every place
//! that must learn about it.

use crate::tensor::{Shape, Value};

/// One operation of the spec format (version 1), with its attributes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// An elementwise op.
    Map(Map),
    Matmul,
    Transpose,
    Sum {
        axis: Option<isize>,
    },
    Mean {
        axis: Option<isize>,
    },
    Softmax {
        axis: isize,
    },
    LogSoftmax {
        axis: isize,
    },
    Affine,
    Mse,
    CrossEntropy,
    Bce,
    Clip,
    Max {
        axis: Option<isize>,
    },
    Min {
        axis: Option<isize>,
    },
    Index {
        i: i32,
        axis: i32,
    },
    Slice {
        start: i32,
        stop: i32,
        axis: i32,
    },
    Reshape {
        shape: Dims,
    },
    Stack {
        axis: isize,
    },
    Concat {
        axis: isize,
    },
}

impl Op {
    /// The op's name in specs.
    pub fn name(&self) -> &'static str {
        self.def().name
    }

    /// How many arguments the op takes; for `stack` and `concat`, which take
    /// any number, the fewest.
    pub fn arity(&self) -> usize {
        self.def().arity().0
    }

    /// For `max` and `min`: the row-major index of the element picked in
    /// each lane of `x` (see [`crate::op::Hazard::PickChanged`]); empty for
    /// other ops.
    pub fn picks(&self, x: &Value) -> Vec<usize> {
        let picked = if let Op::Max { axis } = *self {
            select::picks(x, axis, true)
        } else if let Op::Min { axis } = *self {
            select::picks(x, axis, false)
        } else {
            None
        };
        picked.unwrap_or_default()
    }

    /// The op with its attributes, for people: `softmax(axis=1)`, `mul`.
    /// Attributes at their defaults are left out, except `alpha` and the
    /// required ones.
    pub fn display(&self) -> String {
        let name = self.name();
        let axis = |a: i32| {
            if a == 0 {
                String::new()
            } else {
                format!(", axis={a}")
            }
        };
        match *self {
            Op::Map(Map::LeakyRelu { alpha }) => format!("leaky_relu(alpha={alpha})"),
            Op::Sum { axis: Some(a) }
            | Op::Mean { axis: Some(a) }
            | Op::Max { axis: Some(a) }
            | Op::Min { axis: Some(a) } => format!("{name}(axis={a})"),
            Op::Softmax { axis } | Op::LogSoftmax { axis } if axis != -1 => {
                format!("{name}(axis={axis})")
            }
            Op::Stack { axis } | Op::Concat { axis } if axis != 0 => format!("{name}(axis={axis})"),
            Op::Index { i, axis: a } => format!("index(i={i}{})", axis(a)),
            Op::Slice {
                start,
                stop,
                axis: a,
            } => {
                format!("slice(start={start}, stop={stop}{})", axis(a))
            }
            Op::Reshape { shape } => format!("reshape(shape={})", shape.text()),
            Op::Map(_) | Op::Matmul | Op::Transpose | Op::Sum { .. } | Op::Mean { .. } => {
                name.to_string()
            }
            Op::Softmax { .. } | Op::LogSoftmax { .. } | Op::Affine | Op::Mse => name.to_string(),
            Op::CrossEntropy | Op::Bce | Op::Max { .. } | Op::Min { .. } => name.to_string(),
            Op::Clip => name.to_string(),
            Op::Stack { .. } | Op::Concat { .. } => name.to_string(),
        }
    }

    /// The values of the op's attributes, in the order of its entry's
    /// `attrs` (what `build` was given): for formulas that name them.
    pub fn attrs(&self) -> Attrs {
        let int = |n: i32| AttrValue::Int(n as isize);
        Attrs(match *self {
            Op::Map(Map::LeakyRelu { alpha }) => vec![Some(AttrValue::Number(alpha))],
            Op::Sum { axis } | Op::Mean { axis } => vec![axis.map(AttrValue::Int)],
            Op::Softmax { axis } | Op::LogSoftmax { axis } => vec![Some(AttrValue::Int(axis))],
            Op::Max { axis } | Op::Min { axis } => vec![axis.map(AttrValue::Int)],
            Op::Index { i, axis } => vec![Some(int(i)), Some(int(axis))],
            Op::Slice { start, stop, axis } => {
                vec![Some(int(start)), Some(int(stop)), Some(int(axis))]
            }
            Op::Reshape { shape } => vec![Some(AttrValue::Shape(shape))],
            Op::Stack { axis } | Op::Concat { axis } => vec![Some(AttrValue::Int(axis))],
            Op::Map(_) | Op::Matmul | Op::Transpose | Op::Affine => vec![],
            Op::Mse | Op::CrossEntropy | Op::Bce | Op::Clip => vec![],
        })
    }

    /// The help line of a shape error: the broadcasting rule for elementwise
    /// ops; the usage for the others, whose errors state the rule that failed.
    pub fn shape_help(&self) -> String {
        let def = self.def();
        if matches!(self, Op::Map(_)) {
            format!("`{}` {} (usage: `{}`)", def.name, def.shape, def.usage())
        } else {
            format!("usage: `{}`", def.usage())
        }
    }
}

/// Gradients for an op's arguments, `None` where not wanted.
pub type ArgGrads = Vec<Option<Value>>;

/// Gradients of the first three arguments, `None` where not wanted.
pub(super) type Three = [Option<Value>; 3];

/// Gradients of the first two arguments, `None` where not wanted.
pub(super) type Pair = (Option<Value>, Option<Value>);

/// `Some(expr?)` when the gradient is wanted, `None` otherwise; a failed
/// `expr` makes the enclosing function return `None`.
macro_rules! want {
    ($wanted:expr, $grad:expr) => {
        if $wanted { Some($grad?) } else { None }
    };
}

pub mod def;
pub mod export;
mod hazard;
mod inplace;
mod kernels;
mod loss;
pub mod map;
mod select;
mod shape;
pub mod table;

pub use def::{
    ArgDef, AttrDef, AttrDefault, AttrKind, AttrValue, Attrs, Formula, Grad, Largest, OpDef, Role,
};
pub use hazard::Hazard;
pub use map::Map;
pub use table::{OPS, op_def};

use kernels::*;
use loss::*;
use select::*;
pub use select::{Dims, MAX_RANK};

impl Op {
    /// The op applied to its arguments (scalars or tensors).
    ///
    /// Never panics. Values outside an op's domain give inf/NaN (no clamping,
    /// unlike PyTorch's BCELoss which clamps its logs at -100); a class index
    /// that is not an integer in `[0, C)` gives NaN for `cross_entropy`.
    /// Arguments whose shapes [`Op::infer_shape`] rejects give a NaN scalar.
    pub fn forward(&self, args: &[&Value]) -> Value {
        self.try_forward(args).unwrap_or(Value::Scalar(f64::NAN))
    }

    /// The vector-Jacobian product: given the upstream gradient `g` (shape of
    /// `out`, the result of [`Op::forward`] on `args`), each argument's
    /// gradient contribution, with that argument's shape (broadcasting is
    /// undone by summing over the broadcast axes).
    ///
    /// Only entries with `wants[i]` are computed; the others, and entries past
    /// the op's arity, are `None`. The class-index target of `cross_entropy`
    /// is not differentiable: its gradient is zeros. Never panics; if the
    /// shapes of `args`, `out` and `g` are inconsistent, the wanted gradients
    /// are NaN of each argument's shape.
    pub fn backward(&self, args: &[&Value], out: &Value, g: &Value, wants: &[bool]) -> ArgGrads {
        let n = if self.def().takes(args.len()) {
            args.len()
        } else {
            self.arity().min(args.len())
        };
        let wants: Vec<bool> = (0..n).map(|i| wants.get(i) == Some(&true)).collect();
        if !wants.contains(&true) {
            return vec![None; n];
        }
        if self.def().takes(args.len())
            && let Some(grads) = self.try_backward(args, out, g, &wants)
        {
            return grads;
        }
        (0..n)
            .map(|i| wants[i].then(|| Value::full(args[i].shape(), f64::NAN)))
            .collect()
    }

    /// The result shape when the arguments' shapes are valid for the op.
    fn shape_of(&self, args: &[&Value]) -> Option<Shape> {
        let shapes: Vec<&[usize]> = args.iter().map(|v| v.shape()).collect();
        self.infer_shape(&shapes).ok()
    }

    /// Forward of every op: elementwise ops via [`Map::forward_scalar`], the
    /// others, once their shapes are checked, by the kernels.
    fn try_forward(&self, args: &[&Value]) -> Option<Value> {
        if !self.def().takes(args.len()) {
            return None;
        }
        // Cross-entropy with class indices needs no shape and no buffer (training's loss).
        if *self == Op::CrossEntropy
            && let Some(loss) = cross_entropy_indices(args[0], args[1])
        {
            return Some(Value::Scalar(loss));
        }
        // Elementwise ops check their broadcast themselves; the others first.
        let shape = if matches!(self, Op::Map(_)) {
            Vec::new()
        } else {
            self.shape_of(args)?
        };
        match *self {
            Op::Map(m) => m.forward(args),
            Op::Matmul => matmul(args[0], args[1], &shape),
            Op::Transpose => Some(transposed(args[0].view())),
            Op::Sum { axis } => reduce(args[0], axis, false),
            Op::Mean { axis } => reduce(args[0], axis, true),
            Op::Softmax { axis } => softmax(args[0], axis, false),
            Op::LogSoftmax { axis } => softmax(args[0], axis, true),
            Op::Affine => affine(args[0], args[1], args[2], &shape),
            Op::Mse => mse(args[0], args[1]),
            Op::Bce => bce(args[0], args[1]),
            Op::CrossEntropy => cross_entropy(args[0], args[1]),
            Op::Clip => clip(args, &shape),
            Op::Max { axis } => pick_reduce(args[0], axis, true, &shape),
            Op::Min { axis } => pick_reduce(args[0], axis, false, &shape),
            Op::Index { i, axis } => index(args[0], i, axis),
            Op::Slice { start, stop, axis } => slice(args[0], start, stop, axis),
            Op::Reshape { .. } => reshape(args[0], &shape),
            Op::Stack { axis } => stack(args, axis, &shape),
            Op::Concat { axis } => concat(args, axis),
        }
    }

    /// Backward of every op: elementwise ops via [`Map::backward_scalar`],
    /// the others, once the shapes of the arguments, `out` and `g` are
    /// checked, by the kernels.
    fn try_backward(
        &self,
        args: &[&Value],
        out: &Value,
        g: &Value,
        wants: &[bool],
    ) -> Option<ArgGrads> {
        if !matches!(self, Op::Map(_)) {
            let shape = self.shape_of(args)?;
            if g.shape() != &shape[..] || out.shape() != &shape[..] {
                return None;
            }
        }
        let want = |i: usize| wants.get(i) == Some(&true);
        let three = [want(0), want(1), want(2)];
        let two = [want(0), want(1)];
        let one = |grad: Option<Value>| Some(vec![grad]);
        let pair = |(a, b): Pair| Some(vec![a, b]);
        match *self {
            Op::Map(m) => {
                let [a, b, _] = m.backward(args, out, g, three)?;
                Some([a, b].into_iter().take(args.len()).collect())
            }
            Op::Matmul => pair(matmul_backward(args[0], args[1], g.view(), two)?),
            // (xᵀ)ᵀ = x: the gradient is gᵀ
            Op::Transpose => one(Some(transposed(g.view()))),
            Op::Sum { axis } => one(want!(want(0), reduce_backward(args[0], axis, false, g))),
            Op::Mean { axis } => one(want!(want(0), reduce_backward(args[0], axis, true, g))),
            Op::Softmax { axis } => one(want!(want(0), softmax_backward(out, g, axis, false))),
            Op::LogSoftmax { axis } => one(want!(want(0), softmax_backward(out, g, axis, true))),
            Op::Affine => Some(affine_backward(args[0], args[1], args[2], g, three)?.into()),
            Op::Mse => pair(mse_backward(args[0], args[1], scalar_of(g)?, two)?),
            Op::Bce => pair(bce_backward(args[0], args[1], scalar_of(g)?, two)?),
            Op::CrossEntropy => pair(cross_entropy_backward(
                args[0],
                args[1],
                scalar_of(g)?,
                two,
            )?),
            Op::Clip => Some(clip_backward(args, g, three)?.into()),
            Op::Max { axis } => one(want!(want(0), pick_backward(args[0], axis, true, g))),
            Op::Min { axis } => one(want!(want(0), pick_backward(args[0], axis, false, g))),
            Op::Index { i, axis } => one(want!(want(0), index_backward(args[0], i, axis, g))),
            Op::Slice { start, stop, axis } => one(want!(
                want(0),
                slice_backward(args[0], (start, stop, axis), g)
            )),
            // reshape moves elements without changing them: g reshaped back
            Op::Reshape { .. } => one(want!(want(0), reshape(g, args[0].shape()))),
            Op::Stack { axis } => (0..args.len())
                .map(|k| Some(want!(want(k), stack_backward(g, k, axis))))
                .collect(),
            Op::Concat { axis } => (0..args.len())
                .map(|k| Some(want!(want(k), concat_backward(args, k, axis, g))))
                .collect(),
        }
    }
}
