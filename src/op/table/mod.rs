//! The op table: one [`OpDef`] per op, the single source of every op's name,
//! arguments, attributes and facts.
//!
//! The list below is the only place that ties an [`Op`] to its entry: the
//! `ops!` macro makes from it both [`OPS`] and [`Op::def`] (an exhaustive
//! match), so an op without an entry does not compile, and an entry is in
//! [`OPS`] exactly when an op points at it.

use super::def::{ArgDef, Formula, Grad, OpDef, Role};
use super::hazard::Hazard;
use super::{Map, Op};

mod map;
mod select;
mod tensor;

/// The shape rule of the binary elementwise ops.
const BROADCAST: &str = "broadcasts like NumPy: trailing axes must be equal or 1";
/// The shape rule of the unary elementwise ops.
const SAME_SHAPE: &str = "keeps the shape of its argument";
/// The NaN cause of ops that cannot make a finite input non-finite by themselves.
const FLOWS_IN: &str = "an overflow, or a non-finite value flowing in from an argument";
/// The kink of relu, leaky_relu and abs.
const KINK_AT_ZERO: &[Hazard] = &[Hazard::KinkAtZero { arg: 0 }];
/// The kink of maximum and minimum.
const KINK_WHERE_EQUAL: &[Hazard] = &[Hazard::KinkWhereEqual { a: 0, b: 1 }];

/// An op's result as a formula of its arguments (text, LaTeX).
const fn result(text: &'static str, latex: &'static str) -> Formula {
    Formula { text, latex }
}

/// An operand of an elementwise op with its local derivative ∂out/∂arg.
const fn local(name: &'static str, text: &'static str, latex: &'static str) -> ArgDef {
    ArgDef {
        name,
        role: Role::Operand,
        grad: Grad::Local(Formula { text, latex }),
        repeats: false,
    }
}

/// An operand of a tensor op with its gradient in terms of `<g>`.
const fn vjp(name: &'static str, text: &'static str, latex: &'static str) -> ArgDef {
    ArgDef {
        name,
        role: Role::Operand,
        grad: Grad::Vjp(Formula { text, latex }),
        repeats: false,
    }
}

/// The target of a loss, with its gradient in terms of `<g>`.
const fn target(name: &'static str, text: &'static str, latex: &'static str) -> ArgDef {
    ArgDef {
        name,
        role: Role::Target,
        grad: Grad::Vjp(Formula { text, latex }),
        repeats: false,
    }
}

/// The repeated last operand of a variadic tensor op (`stack(a, b, ...)`).
const fn many(name: &'static str, text: &'static str, latex: &'static str) -> ArgDef {
    ArgDef {
        name,
        role: Role::Operand,
        grad: Grad::Vjp(Formula { text, latex }),
        repeats: true,
    }
}

/// `OPS` and `Op::def` from one list of `pattern => entry`.
macro_rules! ops {
    ($($pat:pat => $def:path),* $(,)?) => {
        /// Every op's entry, in the order of the spec format's table.
        pub static OPS: &[&OpDef] = &[$(&$def),*];

        impl Op {
            /// The op's entry in the table.
            pub fn def(&self) -> &'static OpDef {
                match self {
                    $($pat => &$def,)*
                }
            }
        }
    };
}

ops! {
    Op::Map(Map::Add) => map::ADD,
    Op::Map(Map::Sub) => map::SUB,
    Op::Map(Map::Mul) => map::MUL,
    Op::Map(Map::Div) => map::DIV,
    Op::Map(Map::Pow) => map::POW,
    Op::Map(Map::Neg) => map::NEG,
    Op::Map(Map::Exp) => map::EXP,
    Op::Map(Map::Log) => map::LOG,
    Op::Map(Map::Sqrt) => map::SQRT,
    Op::Map(Map::Square) => map::SQUARE,
    Op::Map(Map::Abs) => map::ABS,
    Op::Map(Map::Sin) => map::SIN,
    Op::Map(Map::Cos) => map::COS,
    Op::Map(Map::Sigmoid) => map::SIGMOID,
    Op::Map(Map::Tanh) => map::TANH,
    Op::Map(Map::Relu) => map::RELU,
    Op::Map(Map::Softplus) => map::SOFTPLUS,
    Op::Map(Map::LeakyRelu { .. }) => map::LEAKY_RELU,
    Op::Map(Map::Maximum) => map::MAXIMUM,
    Op::Map(Map::Minimum) => map::MINIMUM,
    Op::Matmul => tensor::MATMUL,
    Op::Transpose => tensor::TRANSPOSE,
    Op::Sum { .. } => tensor::SUM,
    Op::Mean { .. } => tensor::MEAN,
    Op::Softmax { .. } => tensor::SOFTMAX,
    Op::LogSoftmax { .. } => tensor::LOG_SOFTMAX,
    Op::Affine => tensor::AFFINE,
    Op::Mse => tensor::MSE,
    Op::CrossEntropy => tensor::CROSS_ENTROPY,
    Op::Bce => tensor::BCE,
    Op::Clip => tensor::CLIP,
    Op::Max { .. } => select::MAX,
    Op::Min { .. } => select::MIN,
    Op::Index { .. } => select::INDEX,
    Op::Slice { .. } => select::SLICE,
    Op::Reshape { .. } => select::RESHAPE,
    Op::Stack { .. } => select::STACK,
    Op::Concat { .. } => select::CONCAT,
}

/// The entry of the op called `name`, if there is one.
pub fn op_def(name: &str) -> Option<&'static OpDef> {
    OPS.iter().copied().find(|d| d.name == name)
}
