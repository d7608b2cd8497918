//! All of bpc's calculus: one [`Op`] enum, each op's forward and its
//! vector-Jacobian product (backward) side by side, and every fact about an
//! op in one table ([`table::OPS`], one [`OpDef`] per op).
//!
//! - [`map`]: the elementwise ops ([`Map`]), with their scalar calculus.
//! - `kernels`, `loss`: the tensor ops' forward and backward kernels.
//! - `inplace`: allocation-free variants of the hot kernels.
//! - [`def`], [`table`]: the op table (names, arguments, attributes,
//!   derivative formulas, shape rules, NaN causes, hazards).
//!
//! No `_ =>` arms over `Op`: adding an op makes the compiler list every place
//! that must learn about it.

use crate::broadcast::broadcast_shapes;
use crate::tensor::{Shape, Value, shape_text};

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
}

impl Op {
    /// The op's name in specs.
    pub fn name(&self) -> &'static str {
        self.def().name
    }

    /// How many arguments the op takes.
    pub fn arity(&self) -> usize {
        self.def().args.len()
    }

    /// The op with its attributes, for people: `softmax(axis=1)`, `mul`.
    pub fn display(&self) -> String {
        match self {
            Op::Map(Map::LeakyRelu { alpha }) => format!("leaky_relu(alpha={alpha})"),
            Op::Sum { axis: Some(a) } | Op::Mean { axis: Some(a) } => {
                format!("{}(axis={a})", self.name())
            }
            Op::Softmax { axis } | Op::LogSoftmax { axis } if *axis != -1 => {
                format!("{}(axis={axis})", self.name())
            }
            Op::Map(_) | Op::Matmul | Op::Transpose | Op::Sum { .. } | Op::Mean { .. } => {
                self.name().to_string()
            }
            Op::Softmax { .. } | Op::LogSoftmax { .. } | Op::Affine | Op::Mse => {
                self.name().to_string()
            }
            Op::CrossEntropy | Op::Bce => self.name().to_string(),
        }
    }

    /// The values of the op's attributes, in the order of its entry's
    /// `attrs` (what `build` was given): for formulas that name them.
    pub fn attrs(&self) -> Attrs {
        Attrs(match *self {
            Op::Map(Map::LeakyRelu { alpha }) => vec![Some(AttrValue::Number(alpha))],
            Op::Sum { axis } | Op::Mean { axis } => vec![axis.map(AttrValue::Int)],
            Op::Softmax { axis } | Op::LogSoftmax { axis } => vec![Some(AttrValue::Int(axis))],
            Op::Map(_) | Op::Matmul | Op::Transpose | Op::Affine => vec![],
            Op::Mse | Op::CrossEntropy | Op::Bce => vec![],
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

/// Gradients for an op's arguments (at most three), `None` where not wanted.
pub type ArgGrads = [Option<Value>; 3];

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
mod inplace;
mod kernels;
mod loss;
pub mod map;
pub mod table;

pub use def::{
    ArgDef, AttrDef, AttrDefault, AttrKind, AttrValue, Attrs, Formula, Grad, Hazard, Largest,
    OpDef, Role,
};
pub use map::Map;
pub use table::{OPS, op_def};

use kernels::*;
use loss::*;

impl Op {
    /// The shape of the result, from the shapes of the arguments.
    ///
    /// The error is a sentence naming the shapes and the rule that failed.
    /// Every shape accepted here is safe for [`Op::forward`] and [`Op::backward`].
    pub fn infer_shape(&self, args: &[&[usize]]) -> Result<Shape, String> {
        let def = self.def();
        if args.len() != def.args.len() {
            return Err(format!(
                "{} takes {} argument(s), got {}",
                def.usage(),
                def.args.len(),
                args.len()
            ));
        }
        match *self {
            Op::Map(m) if m.arity() == 2 => broadcast_shapes(args[0], args[1]),
            Op::Map(_) => Ok(args[0].to_vec()),
            Op::Matmul => matmul_shape(args[0], args[1]),
            Op::Transpose => Ok(args[0].iter().rev().copied().collect()),
            Op::Sum { axis: None } | Op::Mean { axis: None } => Ok(vec![]),
            Op::Sum { axis: Some(axis) } | Op::Mean { axis: Some(axis) } => {
                let i = normalize_axis(axis, args[0])?;
                let mut shape = args[0].to_vec();
                shape.remove(i);
                Ok(shape)
            }
            Op::Softmax { axis } | Op::LogSoftmax { axis } => {
                if args[0].is_empty() {
                    return Err(format!(
                        "{} needs a tensor of rank >= 1, got a scalar",
                        def.name
                    ));
                }
                normalize_axis(axis, args[0])?;
                Ok(args[0].to_vec())
            }
            Op::Affine => {
                let m = matmul_shape(args[0], args[1])
                    .map_err(|e| format!("affine computes matmul(x, W) first, but {e}"))?;
                broadcast_shapes(&m, args[2]).map_err(|e| {
                    format!(
                        "affine adds b to matmul(x, W) of shape {}, but {e}",
                        shape_text(&m)
                    )
                })
            }
            Op::Mse | Op::Bce => {
                broadcast_shapes(args[0], args[1]).map_err(|e| {
                    format!(
                        "{} needs {} and {} of the same shape or broadcastable shapes, but {e}",
                        def.name, def.args[0].name, def.args[1].name
                    )
                })?;
                Ok(vec![])
            }
            Op::CrossEntropy => {
                cross_entropy_layout(args[0], args[1])?;
                Ok(vec![])
            }
        }
    }

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
    pub fn backward(&self, args: &[&Value], out: &Value, g: &Value, wants: [bool; 3]) -> ArgGrads {
        let arity = self.arity().min(args.len());
        let wants = std::array::from_fn(|i| wants[i] && i < arity);
        if wants == [false; 3] {
            return [None, None, None];
        }
        if args.len() == self.arity()
            && let Some(grads) = self.try_backward(args, out, g, wants)
        {
            return grads;
        }
        std::array::from_fn(|i| wants[i].then(|| Value::full(args[i].shape(), f64::NAN)))
    }

    /// The result shape when the arguments' shapes are valid for the op.
    fn shape_of(&self, args: &[&Value]) -> Option<Shape> {
        let shapes: Vec<&[usize]> = args.iter().map(|v| v.shape()).collect();
        self.infer_shape(&shapes).ok()
    }

    /// Forward of every op: elementwise ops via [`Map::forward_scalar`], the
    /// others, once their shapes are checked, by the kernels.
    fn try_forward(&self, args: &[&Value]) -> Option<Value> {
        if args.len() != self.arity() {
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
        wants: [bool; 3],
    ) -> Option<ArgGrads> {
        if !matches!(self, Op::Map(_)) {
            let shape = self.shape_of(args)?;
            if g.shape() != &shape[..] || out.shape() != &shape[..] {
                return None;
            }
        }
        let two = [wants[0], wants[1]];
        let (ga, gb) = match *self {
            Op::Map(m) => return m.backward(args, out, g, wants),
            Op::Matmul => matmul_backward(args[0], args[1], g.view(), two)?,
            // (xᵀ)ᵀ = x: the gradient is gᵀ
            Op::Transpose => (Some(transposed(g.view())), None),
            Op::Sum { axis } => (
                want!(wants[0], reduce_backward(args[0], axis, false, g)),
                None,
            ),
            Op::Mean { axis } => (
                want!(wants[0], reduce_backward(args[0], axis, true, g)),
                None,
            ),
            Op::Softmax { axis } => (want!(wants[0], softmax_backward(out, g, axis, false)), None),
            Op::LogSoftmax { axis } => {
                (want!(wants[0], softmax_backward(out, g, axis, true)), None)
            }
            Op::Affine => return affine_backward(args[0], args[1], args[2], g, wants),
            Op::Mse => mse_backward(args[0], args[1], scalar_of(g)?, two)?,
            Op::Bce => bce_backward(args[0], args[1], scalar_of(g)?, two)?,
            Op::CrossEntropy => cross_entropy_backward(args[0], args[1], scalar_of(g)?, two)?,
        };
        Some([ga, gb, None])
    }
}
