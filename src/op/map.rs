//! The elementwise ops ([`Map`]): each one's scalar forward and derivative
//! side by side, and the tensor paths that map them over broadcast elements.

use ndarray::{IxDyn, Zip};

use super::{Op, Three};
use crate::broadcast::{broadcast_shapes, unbroadcast, zip_map};
use crate::tensor::{Array, Value};

/// An op applied element by element: unary, or binary with NumPy
/// broadcasting. These have a scalar fast path ([`Map::forward_scalar`],
/// [`Map::backward_scalar`]), the single definition of their calculus.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Map {
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
    Maximum,
    Minimum,
}

impl From<Map> for Op {
    fn from(m: Map) -> Op {
        Op::Map(m)
    }
}

impl Map {
    /// 1 or 2.
    pub fn arity(&self) -> usize {
        Op::Map(*self).arity()
    }

    /// The scalar fast path: `op(a, b)`; unary ops ignore `b`.
    ///
    /// The single definition of each elementwise forward: the tensor path
    /// maps this over (broadcast) elements.
    #[inline(always)]
    pub fn forward_scalar(&self, a: f64, b: f64) -> f64 {
        match *self {
            Map::Add => a + b,
            Map::Sub => a - b,
            Map::Mul => a * b,
            Map::Div => a / b,
            Map::Pow => a.powf(b),
            Map::Neg => -a,
            Map::Exp => a.exp(),
            Map::Log => a.ln(),
            Map::Sqrt => a.sqrt(),
            Map::Square => a * a,
            Map::Abs => a.abs(),
            Map::Sin => a.sin(),
            Map::Cos => a.cos(),
            Map::Sigmoid => sigmoid(a),
            Map::Tanh => a.tanh(),
            // NaN stays NaN (as PyTorch), unlike `a.max(0.0)`.
            Map::Relu => {
                if a > 0.0 || a.is_nan() {
                    a
                } else {
                    0.0
                }
            }
            // ln(1 + eˣ) = ln(1 + e^-|x|) + max(x, 0): no overflow for large |x|.
            Map::Softplus => (-a.abs()).exp().ln_1p() + a.max(0.0),
            Map::LeakyRelu { alpha } => {
                if a > 0.0 {
                    a
                } else {
                    alpha * a
                }
            }
            // NaN in either gives NaN (as PyTorch), unlike `a.max(b)`.
            Map::Maximum => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else if a >= b {
                    a
                } else {
                    b
                }
            }
            Map::Minimum => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else if a <= b {
                    a
                } else {
                    b
                }
            }
        }
    }

    /// The scalar fast path of the backward: given the arguments `a`, `b`,
    /// the result `out = op(a, b)` and the upstream gradient `g`, returns
    /// `(g·∂out/∂a, g·∂out/∂b)`; unary ops return 0.0 second.
    ///
    /// The single definition of each elementwise derivative: the tensor path
    /// maps this over (broadcast) elements.
    #[inline(always)]
    pub fn backward_scalar(&self, a: f64, b: f64, out: f64, g: f64) -> (f64, f64) {
        match *self {
            // d/da (a + b) = 1, d/db (a + b) = 1
            Map::Add => (g, g),
            // d/da (a - b) = 1, d/db (a - b) = -1
            Map::Sub => (g, -g),
            // d/da ab = b, d/db ab = a
            Map::Mul => (g * b, g * a),
            // d/da a/b = 1/b, d/db a/b = -a/b²
            Map::Div => (g / b, -g * a / (b * b)),
            // d/dx xᵖ = p·xᵖ⁻¹ (0 when p = 0), d/dp xᵖ = xᵖ·ln x (0 where x = 0 and p >= 0),
            // both special cases as PyTorch's pow_backward.
            Map::Pow => {
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
            Map::Neg => (-g, 0.0),
            // d/dx eˣ = eˣ
            Map::Exp => (g * out, 0.0),
            // d/dx ln x = 1/x
            Map::Log => (g / a, 0.0),
            // d/dx √x = 1/(2√x)
            Map::Sqrt => (g / (2.0 * out), 0.0),
            // d/dx x² = 2x
            Map::Square => (g * 2.0 * a, 0.0),
            // d/dx |x| = sign x, taken as 0 at 0
            Map::Abs => (g * sign(a), 0.0),
            // d/dx sin x = cos x
            Map::Sin => (g * a.cos(), 0.0),
            // d/dx cos x = -sin x
            Map::Cos => (-g * a.sin(), 0.0),
            // d/dx σ(x) = σ(x)(1 - σ(x))
            Map::Sigmoid => (g * out * (1.0 - out), 0.0),
            // d/dx tanh x = 1 - tanh²x
            Map::Tanh => (g * (1.0 - out * out), 0.0),
            // d/dx relu x = 1 for x > 0, else 0 (0 at 0)
            Map::Relu => (if a > 0.0 { g } else { 0.0 }, 0.0),
            // d/dx softplus x = d/dx ln(1 + eˣ) = σ(x)
            Map::Softplus => (g * sigmoid(a), 0.0),
            // d/dx leaky_relu x = 1 for x > 0, else alpha (alpha at 0, as PyTorch's `x > 0 ? g : g·α`)
            Map::LeakyRelu { alpha } => (if a > 0.0 { g } else { g * alpha }, 0.0),
            // d/da max(a, b) = 1 where a > b, 0 where a < b, split ½ and ½ at a tie (as PyTorch)
            Map::Maximum => tie_split(g, a, b),
            // d/da min(a, b) = 1 where a < b, 0 where a > b, ½ and ½ at a tie
            Map::Minimum => tie_split(g, b, a),
        }
    }

    /// [`Map::forward_scalar`] of a unary op over `xs` into `out` (as long):
    /// the same bits, element by element. Sigmoid in two passes, so that
    /// its division and selects run on whole vectors (the `exp` calls
    /// cannot).
    pub(crate) fn forward_slice(&self, xs: &[f64], out: &mut [f64]) {
        if let Map::Sigmoid = self {
            for (o, &x) in out.iter_mut().zip(xs) {
                *o = (if x >= 0.0 { -x } else { x }).exp();
            }
            for (o, &x) in out.iter_mut().zip(xs) {
                let e = *o;
                *o = (if x >= 0.0 { 1.0 } else { e }) / (1.0 + e);
            }
            return;
        }
        for (o, &x) in out.iter_mut().zip(xs) {
            *o = self.forward_scalar(x, 0.0);
        }
    }

    /// True for ops that call a transcendental function (tens of cycles an
    /// element rather than one): worth threads from a few thousand elements.
    pub(crate) fn costly(&self) -> bool {
        matches!(
            self,
            Map::Exp
                | Map::Log
                | Map::Pow
                | Map::Sin
                | Map::Cos
                | Map::Sigmoid
                | Map::Tanh
                | Map::Softplus
        )
    }

    /// The tensor forward: [`Map::forward_scalar`] over broadcast elements.
    pub(super) fn forward(&self, args: &[&Value]) -> Option<Value> {
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

    /// The tensor backward: [`Map::backward_scalar`] over broadcast
    /// elements, then each gradient unbroadcast to its argument's shape.
    pub(super) fn backward(
        &self,
        args: &[&Value],
        out: &Value,
        g: &Value,
        wants: [bool; 3],
    ) -> Option<Three> {
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
    // 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below (no overflow either
    // way), with selects around one exp rather than two branches, which a
    // tensor of mixed signs mispredicts half the time. The same bits.
    // (Map::forward_slice does the same in two passes.)
    let pos = x >= 0.0;
    let e = (if pos { -x } else { x }).exp();
    let num = if pos { 1.0 } else { e };
    num / (1.0 + e)
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

/// `g` to the winner: `(g, 0)` when `x > y`, `(0, g)` when `x < y`, `g/2`
/// each at a tie (PyTorch's rule for maximum and minimum), NaN for NaN.
#[inline]
fn tie_split(g: f64, x: f64, y: f64) -> (f64, f64) {
    if x > y {
        (g, 0.0)
    } else if x < y {
        (0.0, g)
    } else if x == y {
        (g / 2.0, g / 2.0)
    } else {
        (f64::NAN, f64::NAN)
    }
}
