//! All of bpc's calculus: one [`Op`] enum, each op's forward and its
//! vector-Jacobian product (backward) side by side.
//!
//! No `_ =>` arms over `Op`: adding an op makes the compiler list every place
//! that must learn about it.

use ndarray::{IxDyn, Zip};

use crate::broadcast::{broadcast_shapes, unbroadcast, zip_map};
use crate::tensor::{Array, Shape, Value, shape_text};

/// One operation of the spec format (version 1), with its attributes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Neg,
    Exp,
    Log,
    Sqrt,
    Square,
    Abs,
    Sin,
    Cos,
    Sigmoid,
    Tanh,
    Relu,
    Softplus,
    LeakyRelu { alpha: f64 },
    Matmul,
    Transpose,
    Sum { axis: Option<isize> },
    Mean { axis: Option<isize> },
    Softmax { axis: isize },
    LogSoftmax { axis: isize },
    Affine,
    Mse,
    CrossEntropy,
    Bce,
}

/// What an attribute of an op accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrKind {
    /// Any finite number.
    Number,
    /// An integer axis (negative counts from the end).
    Axis,
}

/// An op's name, arguments and attributes, for parsing and for messages.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// The op's name in specs.
    pub name: &'static str,
    /// The names of its arguments, in order.
    pub args: &'static [&'static str],
    /// Its attributes: name, kind, and the default as text for messages.
    pub attrs: &'static [(&'static str, AttrKind, &'static str)],
}

impl Signature {
    /// `mul(a, b)` or `softmax(x, axis=-1)`.
    pub fn usage(&self) -> String {
        let mut parts: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
        parts.extend(self.attrs.iter().map(|(n, _, d)| format!("{n}={d}")));
        format!("{}({})", self.name, parts.join(", "))
    }
}

const X: &[&str] = &["x"];
const AB: &[&str] = &["a", "b"];
const NONE: &[(&str, AttrKind, &str)] = &[];
const AXIS_ALL: &[(&str, AttrKind, &str)] = &[("axis", AttrKind::Axis, "all")];
const AXIS_LAST: &[(&str, AttrKind, &str)] = &[("axis", AttrKind::Axis, "-1")];

macro_rules! sig {
    ($name:expr, $args:expr, $attrs:expr) => {
        Signature {
            name: $name,
            args: $args,
            attrs: $attrs,
        }
    };
}

/// Every op's signature, in the order of the spec format's table.
pub const SIGNATURES: &[Signature] = &[
    sig!("add", AB, NONE),
    sig!("sub", AB, NONE),
    sig!("mul", AB, NONE),
    sig!("div", AB, NONE),
    sig!("pow", &["x", "p"], NONE),
    sig!("neg", X, NONE),
    sig!("exp", X, NONE),
    sig!("log", X, NONE),
    sig!("sqrt", X, NONE),
    sig!("square", X, NONE),
    sig!("abs", X, NONE),
    sig!("sin", X, NONE),
    sig!("cos", X, NONE),
    sig!("sigmoid", X, NONE),
    sig!("tanh", X, NONE),
    sig!("relu", X, NONE),
    sig!("softplus", X, NONE),
    sig!("leaky_relu", X, &[("alpha", AttrKind::Number, "0.01")]),
    sig!("matmul", AB, NONE),
    sig!("transpose", X, NONE),
    sig!("sum", X, AXIS_ALL),
    sig!("mean", X, AXIS_ALL),
    sig!("softmax", X, AXIS_LAST),
    sig!("log_softmax", X, AXIS_LAST),
    sig!("affine", &["x", "W", "b"], NONE),
    sig!("mse", &["pred", "target"], NONE),
    sig!("cross_entropy", &["logits", "target"], NONE),
    sig!("bce", &["p", "y"], NONE),
];

/// The signature of the op called `name`, if there is one.
pub fn signature(name: &str) -> Option<&'static Signature> {
    SIGNATURES.iter().find(|s| s.name == name)
}

impl Op {
    /// Builds the op called `name` from its attributes, given as (name, number);
    /// attribute names and kinds were already checked against [`signature`].
    /// Returns `None` for an unknown op name.
    pub fn from_parts(name: &str, attr: impl Fn(&str) -> Option<f64>) -> Option<Op> {
        let axis = |default: Option<isize>| attr("axis").map(|a| a as isize).or(default);
        Some(match name {
            "add" => Op::Add,
            "sub" => Op::Sub,
            "mul" => Op::Mul,
            "div" => Op::Div,
            "pow" => Op::Pow,
            "neg" => Op::Neg,
            "exp" => Op::Exp,
            "log" => Op::Log,
            "sqrt" => Op::Sqrt,
            "square" => Op::Square,
            "abs" => Op::Abs,
            "sin" => Op::Sin,
            "cos" => Op::Cos,
            "sigmoid" => Op::Sigmoid,
            "tanh" => Op::Tanh,
            "relu" => Op::Relu,
            "softplus" => Op::Softplus,
            "leaky_relu" => Op::LeakyRelu {
                alpha: attr("alpha").unwrap_or(0.01),
            },
            "matmul" => Op::Matmul,
            "transpose" => Op::Transpose,
            "sum" => Op::Sum { axis: axis(None) },
            "mean" => Op::Mean { axis: axis(None) },
            "softmax" => Op::Softmax {
                axis: axis(Some(-1)).unwrap_or(-1),
            },
            "log_softmax" => Op::LogSoftmax {
                axis: axis(Some(-1)).unwrap_or(-1),
            },
            "affine" => Op::Affine,
            "mse" => Op::Mse,
            "cross_entropy" => Op::CrossEntropy,
            "bce" => Op::Bce,
            _ => return None,
        })
    }

    /// The op's name in specs.
    pub fn name(&self) -> &'static str {
        self.signature().name
    }

    /// The op's signature.
    pub fn signature(&self) -> &'static Signature {
        let i = match self {
            Op::Add => 0,
            Op::Sub => 1,
            Op::Mul => 2,
            Op::Div => 3,
            Op::Pow => 4,
            Op::Neg => 5,
            Op::Exp => 6,
            Op::Log => 7,
            Op::Sqrt => 8,
            Op::Square => 9,
            Op::Abs => 10,
            Op::Sin => 11,
            Op::Cos => 12,
            Op::Sigmoid => 13,
            Op::Tanh => 14,
            Op::Relu => 15,
            Op::Softplus => 16,
            Op::LeakyRelu { .. } => 17,
            Op::Matmul => 18,
            Op::Transpose => 19,
            Op::Sum { .. } => 20,
            Op::Mean { .. } => 21,
            Op::Softmax { .. } => 22,
            Op::LogSoftmax { .. } => 23,
            Op::Affine => 24,
            Op::Mse => 25,
            Op::CrossEntropy => 26,
            Op::Bce => 27,
        };
        &SIGNATURES[i]
    }

    /// How many arguments the op takes.
    pub fn arity(&self) -> usize {
        self.signature().args.len()
    }

    /// The op with its attributes, for people: `softmax(axis=1)`, `mul`.
    pub fn display(&self) -> String {
        match self {
            Op::LeakyRelu { alpha } => format!("leaky_relu(alpha={alpha})"),
            Op::Sum { axis: Some(a) } | Op::Mean { axis: Some(a) } => {
                format!("{}(axis={a})", self.name())
            }
            Op::Softmax { axis } | Op::LogSoftmax { axis } if *axis != -1 => {
                format!("{}(axis={axis})", self.name())
            }
            _ => self.name().to_string(),
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

mod inplace;
mod kernels;
use kernels::*;

impl Op {
    /// True for the ops applied element by element (unary, and binary with
    /// broadcasting); these have the scalar fast path [`Op::forward_scalar`] /
    /// [`Op::backward_scalar`].
    pub fn is_elementwise(&self) -> bool {
        match self {
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Pow => true,
            Op::Neg | Op::Exp | Op::Log | Op::Sqrt | Op::Square | Op::Abs | Op::Sin | Op::Cos => {
                true
            }
            Op::Sigmoid | Op::Tanh | Op::Relu | Op::Softplus | Op::LeakyRelu { .. } => true,
            Op::Matmul | Op::Transpose | Op::Sum { .. } | Op::Mean { .. } => false,
            Op::Softmax { .. } | Op::LogSoftmax { .. } => false,
            Op::Affine | Op::Mse | Op::CrossEntropy | Op::Bce => false,
        }
    }

    /// The shape of the result, from the shapes of the arguments.
    ///
    /// The error is a sentence naming the shapes and the rule that failed.
    /// Every shape accepted here is safe for [`Op::forward`] and [`Op::backward`].
    pub fn infer_shape(&self, args: &[&[usize]]) -> Result<Shape, String> {
        if args.len() != self.arity() {
            return Err(format!(
                "{} takes {} argument(s), got {}",
                self.signature().usage(),
                self.arity(),
                args.len()
            ));
        }
        let names = self.signature().args;
        match *self {
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Pow => broadcast_shapes(args[0], args[1]),
            Op::Neg | Op::Exp | Op::Log | Op::Sqrt | Op::Square | Op::Abs | Op::Sin | Op::Cos => {
                Ok(args[0].to_vec())
            }
            Op::Sigmoid | Op::Tanh | Op::Relu | Op::Softplus | Op::LeakyRelu { .. } => {
                Ok(args[0].to_vec())
            }
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
                        self.name()
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
                        self.name(),
                        names[0],
                        names[1]
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

    /// The scalar fast path of an elementwise op: `op(a, b)`; unary ops ignore `b`.
    ///
    /// The single definition of each elementwise forward: the tensor path maps
    /// this over (broadcast) elements. Only meaningful when
    /// [`Op::is_elementwise`]; other ops return NaN.
    #[inline]
    pub fn forward_scalar(&self, a: f64, b: f64) -> f64 {
        match *self {
            Op::Add => a + b,
            Op::Sub => a - b,
            Op::Mul => a * b,
            Op::Div => a / b,
            Op::Pow => a.powf(b),
            Op::Neg => -a,
            Op::Exp => a.exp(),
            Op::Log => a.ln(),
            Op::Sqrt => a.sqrt(),
            Op::Square => a * a,
            Op::Abs => a.abs(),
            Op::Sin => a.sin(),
            Op::Cos => a.cos(),
            Op::Sigmoid => sigmoid(a),
            Op::Tanh => a.tanh(),
            // NaN stays NaN (as PyTorch), unlike `a.max(0.0)`.
            Op::Relu => {
                if a > 0.0 || a.is_nan() {
                    a
                } else {
                    0.0
                }
            }
            // ln(1 + eˣ) = ln(1 + e^-|x|) + max(x, 0): no overflow for large |x|.
            Op::Softplus => (-a.abs()).exp().ln_1p() + a.max(0.0),
            Op::LeakyRelu { alpha } => {
                if a > 0.0 {
                    a
                } else {
                    alpha * a
                }
            }
            Op::Matmul | Op::Transpose | Op::Sum { .. } | Op::Mean { .. } => f64::NAN,
            Op::Softmax { .. } | Op::LogSoftmax { .. } => f64::NAN,
            Op::Affine | Op::Mse | Op::CrossEntropy | Op::Bce => f64::NAN,
        }
    }

    /// The scalar fast path of an elementwise op's backward: given the
    /// arguments `a`, `b`, the result `out = op(a, b)` and the upstream
    /// gradient `g`, returns `(g·∂out/∂a, g·∂out/∂b)`; unary ops return 0.0 second.
    ///
    /// The single definition of each elementwise derivative: the tensor path
    /// maps this over (broadcast) elements. Only meaningful when
    /// [`Op::is_elementwise`]; other ops return NaN.
    #[inline]
    pub fn backward_scalar(&self, a: f64, b: f64, out: f64, g: f64) -> (f64, f64) {
        match *self {
            // d/da (a + b) = 1, d/db (a + b) = 1
            Op::Add => (g, g),
            // d/da (a - b) = 1, d/db (a - b) = -1
            Op::Sub => (g, -g),
            // d/da ab = b, d/db ab = a
            Op::Mul => (g * b, g * a),
            // d/da a/b = 1/b, d/db a/b = -a/b²
            Op::Div => (g / b, -g * a / (b * b)),
            // d/dx xᵖ = p·xᵖ⁻¹ (0 when p = 0), d/dp xᵖ = xᵖ·ln x (0 where x = 0 and p >= 0),
            // both special cases as PyTorch's pow_backward.
            Op::Pow => {
                let dx = if b == 0.0 {
                    0.0
                } else {
                    g * b * a.powf(b - 1.0)
                };
                let dp = if a == 0.0 && b >= 0.0 {
                    0.0
                } else {
                    g * out * a.ln()
                };
                (dx, dp)
            }
            // d/dx -x = -1
            Op::Neg => (-g, 0.0),
            // d/dx eˣ = eˣ
            Op::Exp => (g * out, 0.0),
            // d/dx ln x = 1/x
            Op::Log => (g / a, 0.0),
            // d/dx √x = 1/(2√x)
            Op::Sqrt => (g / (2.0 * out), 0.0),
            // d/dx x² = 2x
            Op::Square => (g * 2.0 * a, 0.0),
            // d/dx |x| = sign x, taken as 0 at 0
            Op::Abs => (g * sign(a), 0.0),
            // d/dx sin x = cos x
            Op::Sin => (g * a.cos(), 0.0),
            // d/dx cos x = -sin x
            Op::Cos => (-g * a.sin(), 0.0),
            // d/dx σ(x) = σ(x)(1 - σ(x))
            Op::Sigmoid => (g * out * (1.0 - out), 0.0),
            // d/dx tanh x = 1 - tanh²x
            Op::Tanh => (g * (1.0 - out * out), 0.0),
            // d/dx relu x = 1 for x > 0, else 0 (0 at 0)
            Op::Relu => (if a > 0.0 { g } else { 0.0 }, 0.0),
            // d/dx softplus x = d/dx ln(1 + eˣ) = σ(x)
            Op::Softplus => (g * sigmoid(a), 0.0),
            // d/dx leaky_relu x = 1 for x > 0, else alpha (alpha at 0, as PyTorch's `x > 0 ? g : g·α`)
            Op::LeakyRelu { alpha } => (if a > 0.0 { g } else { g * alpha }, 0.0),
            Op::Matmul | Op::Transpose | Op::Sum { .. } | Op::Mean { .. } => (f64::NAN, f64::NAN),
            Op::Softmax { .. } | Op::LogSoftmax { .. } => (f64::NAN, f64::NAN),
            Op::Affine | Op::Mse | Op::CrossEntropy | Op::Bce => (f64::NAN, f64::NAN),
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

    /// Forward of every op: elementwise ops via [`Op::forward_scalar`], the
    /// others, once their shapes are checked, by the kernels below.
    fn try_forward(&self, args: &[&Value]) -> Option<Value> {
        if args.len() != self.arity() {
            return None;
        }
        if self.is_elementwise() {
            return self.elementwise_forward(args);
        }
        let shape = self.shape_of(args)?;
        match *self {
            // elementwise: handled above
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Pow => None,
            Op::Neg | Op::Exp | Op::Log | Op::Sqrt | Op::Square | Op::Abs | Op::Sin | Op::Cos => {
                None
            }
            Op::Sigmoid | Op::Tanh | Op::Relu | Op::Softplus | Op::LeakyRelu { .. } => None,
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

    /// Backward of every op: elementwise ops via [`Op::backward_scalar`], the
    /// others, once the shapes of the arguments, `out` and `g` are checked, by
    /// the kernels below.
    fn try_backward(
        &self,
        args: &[&Value],
        out: &Value,
        g: &Value,
        wants: [bool; 3],
    ) -> Option<ArgGrads> {
        if self.is_elementwise() {
            return self.elementwise_backward(args, out, g, wants);
        }
        let shape = self.shape_of(args)?;
        if g.shape() != &shape[..] || out.shape() != &shape[..] {
            return None;
        }
        let two = [wants[0], wants[1]];
        let (ga, gb) = match *self {
            // elementwise: handled above
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Pow => return None,
            Op::Neg | Op::Exp | Op::Log | Op::Sqrt | Op::Square | Op::Abs | Op::Sin | Op::Cos => {
                return None;
            }
            Op::Sigmoid | Op::Tanh | Op::Relu | Op::Softplus | Op::LeakyRelu { .. } => return None,
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

    /// Forward of an elementwise op: [`Op::forward_scalar`] over broadcast elements.
    fn elementwise_forward(&self, args: &[&Value]) -> Option<Value> {
        let f = |a, b| self.forward_scalar(a, b);
        let a = *args.first()?;
        if self.arity() == 1 {
            return Some(match a {
                Value::Scalar(x) => Value::Scalar(f(*x, 0.0)),
                Value::Tensor(x) => Value::Tensor(Box::new(x.mapv(|x| f(x, 0.0)))),
            });
        }
        let b = *args.get(1)?;
        if let (Value::Scalar(x), Value::Scalar(y)) = (a, b) {
            return Some(Value::Scalar(f(*x, *y)));
        }
        let shape = broadcast_shapes(a.shape(), b.shape()).ok()?;
        zip_map(&a.view(), &b.view(), &shape, f).map(Value::from_array)
    }

    /// Backward of an elementwise op: [`Op::backward_scalar`] over broadcast
    /// elements, then each gradient unbroadcast to its argument's shape.
    fn elementwise_backward(
        &self,
        args: &[&Value],
        out: &Value,
        g: &Value,
        wants: [bool; 3],
    ) -> Option<ArgGrads> {
        let a = *args.first()?;
        let unary = self.arity() == 1;
        let zero = Value::Scalar(0.0);
        let b = if unary { &zero } else { *args.get(1)? };
        if let (Value::Scalar(x), Value::Scalar(y), Value::Scalar(o), Value::Scalar(g)) =
            (a, b, out, g)
        {
            let (da, db) = self.backward_scalar(*x, *y, *o, *g);
            return Some([
                wants[0].then_some(Value::Scalar(da)),
                wants[1].then_some(Value::Scalar(db)),
                None,
            ]);
        }
        let shape = broadcast_shapes(a.shape(), b.shape()).ok()?;
        let (av, bv, ov, gv) = (a.view(), b.view(), out.view(), g.view());
        let (av, bv) = (av.broadcast(&shape[..])?, bv.broadcast(&shape[..])?);
        let (ov, gv) = (ov.broadcast(&shape[..])?, gv.broadcast(&shape[..])?);
        if unary {
            let da = Zip::from(&av)
                .and(&ov)
                .and(&gv)
                .map_collect(|&x, &o, &g| self.backward_scalar(x, 0.0, o, g).0);
            return Some([want!(wants[0], unbroadcast(da, a.shape())), None, None]);
        }
        let mut da = Array::zeros(IxDyn(&shape));
        let mut db = Array::zeros(IxDyn(&shape));
        Zip::from(&mut da)
            .and(&mut db)
            .and(&av)
            .and(&bv)
            .and(&ov)
            .and(&gv)
            .for_each(|da, db, &x, &y, &o, &g| (*da, *db) = self.backward_scalar(x, y, o, g));
        Some([
            want!(wants[0], unbroadcast(da, a.shape())),
            want!(wants[1], unbroadcast(db, b.shape())),
            None,
        ])
    }
}

/// σ(x) = 1/(1 + e^-x), computed without overflow for large |x|.
#[inline]
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// sign x: 1, -1, 0 at 0, NaN for NaN.
#[inline]
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        f64::NAN
    }
}
