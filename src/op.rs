//! All of bpc's calculus: one [`Op`] enum, each op's forward and its
//! vector-Jacobian product (backward) side by side.
//!
//! No `_ =>` arms over `Op`: adding an op makes the compiler list every place
//! that must learn about it.

use crate::tensor::Value;

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
        Signature { name: $name, args: $args, attrs: $attrs }
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
            "leaky_relu" => Op::LeakyRelu { alpha: attr("alpha").unwrap_or(0.01) },
            "matmul" => Op::Matmul,
            "transpose" => Op::Transpose,
            "sum" => Op::Sum { axis: axis(None) },
            "mean" => Op::Mean { axis: axis(None) },
            "softmax" => Op::Softmax { axis: axis(Some(-1)).unwrap_or(-1) },
            "log_softmax" => Op::LogSoftmax { axis: axis(Some(-1)).unwrap_or(-1) },
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

// ---- The helper fills in everything below this line. ----
//
// pub fn infer_shape(&self, args: &[&[usize]]) -> Result<Shape, String>
// pub fn is_elementwise(&self) -> bool   // true for ops with a scalar fast path
// pub fn forward_scalar(&self, a: f64, b: f64) -> f64
// pub fn backward_scalar(&self, a: f64, b: f64, out: f64, g: f64) -> (f64, f64)
// pub fn forward(&self, args: &[&Value]) -> Value
// pub fn backward(&self, args: &[&Value], out: &Value, g: &Value, wants: [bool; 3]) -> [Option<Value>; 3]
#[allow(dead_code)]
fn _uses(_: Value) {}
