//! Random well-formed specs (shared by tests/proptest_specs.rs, which checks
//! their gradients against finite differences, and tests/export.rs, which
//! checks exported scripts against `bpc run`).
//!
//! A spec is a random DAG over a few leaves whose shapes all broadcast
//! together (`[]`, `[3]`, `[1, 3]`, `[2, 1]`, `[2, 3]`): smooth elementwise
//! ops, ops that move elements (index, slice, reshape, stack, concat) from
//! one of these shapes to another, and, where the caller asks ([`Ops::All`]),
//! ops that pick (maximum, minimum, clip, max, min).
//! Every node's range is tracked as an interval, and an op is only used where
//! it is safe: `log` and `sqrt` of positive values, `div` by values away from
//! zero, nothing that grows past 50 in size. So every value is finite and,
//! without the picking ops, smooth: finite differences are accurate.

use proptest::prelude::*;

/// Shapes that all broadcast to `[2, 3]`.
pub const SHAPES: &[&[usize]] = &[&[], &[3], &[1, 3], &[2, 1], &[2, 3]];

/// Largest magnitude a value may reach.
pub const BOUND: f64 = 50.0;

/// A closed interval holding every element of a value.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub lo: f64,
    pub hi: f64,
}

impl Range {
    pub fn of(lo: f64, hi: f64) -> Range {
        Range { lo, hi }
    }
    pub fn safe(self) -> bool {
        self.lo.is_finite()
            && self.hi.is_finite()
            && self.lo.abs() <= BOUND
            && self.hi.abs() <= BOUND
    }
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// The range of `op` over argument ranges, or `None` when the op is not safe there.
pub fn range_of(op: &str, a: Range, b: Range) -> Option<Range> {
    let monotone = |f: fn(f64) -> f64| Some(Range::of(f(a.lo), f(a.hi)));
    let r = match op {
        "add" => Some(Range::of(a.lo + b.lo, a.hi + b.hi)),
        "sub" => Some(Range::of(a.lo - b.hi, a.hi - b.lo)),
        "mul" => {
            let p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
            Some(Range::of(
                p.iter().copied().fold(f64::INFINITY, f64::min),
                p.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ))
        }
        // Only by values at least 0.5 away from zero.
        "div" if b.lo >= 0.5 || b.hi <= -0.5 => {
            let inv = Range::of(1.0 / b.hi, 1.0 / b.lo);
            range_of("mul", a, inv)
        }
        "neg" => Some(Range::of(-a.hi, -a.lo)),
        "square" => {
            let m = a.lo.abs().max(a.hi.abs());
            let lo = if a.lo <= 0.0 && a.hi >= 0.0 {
                0.0
            } else {
                a.lo.abs().min(a.hi.abs()).powi(2)
            };
            Some(Range::of(lo, m * m))
        }
        "exp" => monotone(f64::exp),
        "log" if a.lo >= 0.1 => monotone(f64::ln),
        "sqrt" if a.lo >= 0.1 => monotone(f64::sqrt),
        "tanh" => monotone(f64::tanh),
        "sigmoid" => monotone(sigmoid),
        "softplus" => monotone(softplus),
        "sin" | "cos" => Some(Range::of(-1.0, 1.0)),
        _ => None,
    }?;
    r.safe().then_some(r)
}

pub const UNARY: &[&str] = &[
    "neg", "square", "exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "sin", "cos",
];
pub const BINARY: &[&str] = &["add", "sub", "mul", "div"];

/// One leaf: its shape (index into SHAPES) and its elements.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub shape: usize,
    pub data: Vec<f64>,
}

/// One node as drawn: a kind of op (elementwise unary, binary, moving
/// elements, picking), an op choice and two argument choices (reduced
/// modulo what exists before it).
#[derive(Clone, Debug)]
pub struct Draw {
    pub kind: usize,
    pub op: usize,
    pub a: usize,
    pub b: usize,
}

/// Which ops a spec may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ops {
    /// Smooth ops: the elementwise ones above and the ops that move elements
    /// (index, slice, reshape, stack, concat), so that finite differences
    /// hold everywhere.
    Smooth,
    /// Also the ops that pick (maximum, minimum, clip, max, min), whose
    /// gradient jumps where two elements tie.
    All,
}

pub fn leaf() -> impl Strategy<Value = Leaf> {
    (0..SHAPES.len(), prop::collection::vec(-1.5f64..1.5, 6)).prop_map(|(shape, mut data)| {
        data.truncate(SHAPES[shape].iter().product());
        Leaf { shape, data }
    })
}

pub fn draw() -> impl Strategy<Value = Draw> {
    (0..4usize, 0..64usize, 0..64usize, 0..64usize).prop_map(|(kind, op, a, b)| Draw {
        kind,
        op,
        a,
        b,
    })
}

/// A value of the spec: its name, range and shape (one of [`SHAPES`]).
struct Val {
    name: String,
    range: Range,
    shape: &'static [usize],
}

/// The shape of [`SHAPES`] that `a` and `b` broadcast to.
fn broadcast(a: &[usize], b: &[usize]) -> &'static [usize] {
    let n = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| (i + s.len()).checked_sub(n).map_or(1, |j| s[j]);
    let out: Vec<usize> = (0..n).map(|i| dim(a, i).max(dim(b, i))).collect();
    SHAPES
        .iter()
        .copied()
        .find(|s| *s == out.as_slice())
        .expect("SHAPES broadcast together")
}

fn hull(a: Range, b: Range) -> Range {
    Range::of(a.lo.min(b.lo), a.hi.max(b.hi))
}

/// An op that moves `a`'s elements (and `b`'s, or `a`'s again when `b`'s
/// shape differs): the call, its range and its shape, one of [`SHAPES`].
fn moved(a: &Val, b: &Val, op: usize) -> (String, Range, &'static [usize]) {
    let other = if b.shape == a.shape { b } else { a };
    let (x, y) = (&a.name, &other.name);
    let both = hull(a.range, other.range);
    let choices: Vec<(String, Range, &'static [usize])> = match a.shape {
        [2, 3] => vec![
            (format!("index({x}, 0)"), a.range, &[3]),
            (format!("index({x}, -1)"), a.range, &[3]),
            (format!("slice({x}, 1, 2)"), a.range, &[1, 3]),
            (format!("slice({x}, -2, -1)"), a.range, &[1, 3]),
            (format!("slice({x}, 2, 3, axis=1)"), a.range, &[2, 1]),
            (format!("slice({x}, -3, 1, axis=-1)"), a.range, &[2, 1]),
        ],
        [3] => vec![
            (format!("index({x}, 2)"), a.range, &[]),
            (format!("index({x}, -3)"), a.range, &[]),
            (format!("reshape({x}, shape=[1, 3])"), a.range, &[1, 3]),
            (format!("slice({x}, -5, 10)"), a.range, &[3]),
            (format!("stack({x}, {y})"), both, &[2, 3]),
            (format!("stack({y}, {x}, axis=-2)"), both, &[2, 3]),
        ],
        [1, 3] => vec![
            (format!("reshape({x}, shape=[-1])"), a.range, &[3]),
            (format!("index({x}, 0)"), a.range, &[3]),
            (format!("concat({x}, {y})"), both, &[2, 3]),
            (format!("concat({y}, {x}, axis=-2)"), both, &[2, 3]),
        ],
        [2, 1] => vec![
            (format!("concat({x}, {y}, {x}, axis=1)"), both, &[2, 3]),
            (format!("concat({y}, {x}, {y}, axis=-1)"), both, &[2, 3]),
            (format!("slice({x}, -5, 10)"), a.range, &[2, 1]),
            (format!("reshape({x}, shape=[2, 1])"), a.range, &[2, 1]),
        ],
        _ => vec![
            (format!("stack({x}, {y}, {x})"), both, &[3]),
            (
                format!("stack({x}, 0.5, {y}, axis=-1)"),
                hull(both, Range::of(0.5, 0.5)),
                &[3],
            ),
        ],
    };
    choices[op % choices.len()].clone()
}

/// An op that picks among `a`'s and `b`'s elements: the call, its range and
/// its shape.
fn picked(a: &Val, b: &Val, op: usize) -> (String, Range, &'static [usize]) {
    let (x, y, ra, rb) = (&a.name, &b.name, a.range, b.range);
    let both = broadcast(a.shape, b.shape);
    let half = Range::of(0.5, 0.5);
    let mut choices: Vec<(String, Range, &'static [usize])> = vec![
        (
            format!("maximum({x}, {y})"),
            Range::of(ra.lo.max(rb.lo), ra.hi.max(rb.hi)),
            both,
        ),
        (
            format!("minimum({x}, {y})"),
            Range::of(ra.lo.min(rb.lo), ra.hi.min(rb.hi)),
            both,
        ),
        (
            format!("clip({x}, {y}, 0.5)"),
            hull(hull(ra, rb), half),
            both,
        ),
        (
            format!("clip({x}, -0.5, {y})"),
            hull(hull(ra, rb), Range::of(-0.5, -0.5)),
            both,
        ),
        (format!("max({x})"), ra, &[]),
        (format!("min({x})"), ra, &[]),
    ];
    match a.shape {
        [2, 3] | [1, 3] => {
            choices.push((format!("max({x}, axis=0)"), ra, &[3]));
            choices.push((format!("min({x}, axis=-2)"), ra, &[3]));
        }
        [3] => choices.push((format!("max({x}, axis=-1)"), ra, &[])),
        _ => {}
    }
    choices[op % choices.len()].clone()
}

/// A spec's text from the draws; unsafe choices fall back to `tanh`.
pub fn spec_text(leaves: &[Leaf], draws: &[Draw], ops: Ops) -> String {
    let mut text = String::from("inputs:\n");
    let mut vals = Vec::new();
    for (i, l) in leaves.iter().enumerate() {
        text.push_str(&format!("  x{i}: {}\n", literal(SHAPES[l.shape], &l.data)));
        let lo = l.data.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = l.data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        vals.push(Val {
            name: format!("x{i}"),
            range: Range::of(lo, hi),
            shape: SHAPES[l.shape],
        });
    }
    text.push_str("nodes:\n");
    for (k, d) in draws.iter().enumerate() {
        let (a, b) = (&vals[d.a % vals.len()], &vals[d.b % vals.len()]);
        let (ra, rb) = (a.range, b.range);
        let kind = if ops == Ops::Smooth && d.kind == 3 {
            1
        } else {
            d.kind
        };
        let elementwise = |op: &str, binary: bool| match range_of(op, ra, rb) {
            Some(r) if binary => (
                format!("{op}({}, {})", a.name, b.name),
                r,
                broadcast(a.shape, b.shape),
            ),
            Some(r) => (format!("{op}({})", a.name), r, a.shape),
            None => (
                format!("tanh({})", a.name),
                Range::of(ra.lo.tanh(), ra.hi.tanh()),
                a.shape,
            ),
        };
        let (call, range, shape) = match kind {
            0 => elementwise(UNARY[d.op % UNARY.len()], false),
            2 => moved(a, b, d.op),
            3 => picked(a, b, d.op),
            _ => elementwise(BINARY[d.op % BINARY.len()], true),
        };
        text.push_str(&format!("  n{k}: {call}\n"));
        vals.push(Val {
            name: format!("n{k}"),
            range,
            shape,
        });
    }
    text.push_str(&format!(
        "  total: sum({})\noutput: total\n",
        vals[vals.len() - 1].name
    ));
    text
}

/// A tensor literal in YAML, every number written so that it reads back exactly.
pub fn literal(shape: &[usize], data: &[f64]) -> String {
    match shape {
        [] => format!("{:?}", data[0]),
        [_] => format!(
            "[{}]",
            data.iter()
                .map(|x| format!("{x:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        [_, cols] => {
            let rows: Vec<String> = data.chunks(*cols).map(|r| literal(&[r.len()], r)).collect();
            format!("[{}]", rows.join(", "))
        }
        _ => unreachable!("shapes have at most two axes"),
    }
}
