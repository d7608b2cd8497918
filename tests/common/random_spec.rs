//! Random well-formed specs (shared by tests/proptest_specs.rs, which checks
//! their gradients against finite differences, and tests/export.rs, which
//! checks exported scripts against `bpc run`).
//!
//! A spec is a random DAG of smooth elementwise ops over a few leaves whose
//! shapes all broadcast together (`[]`, `[3]`, `[1, 3]`, `[2, 1]`, `[2, 3]`).
//! Every node's range is tracked as an interval, and an op is only used where
//! it is safe: `log` and `sqrt` of positive values, `div` by values away from
//! zero, nothing that grows past 50 in size. So every value is finite and
//! smooth, and finite differences are accurate.

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

/// One node as drawn: an op choice and two argument choices (reduced modulo
/// what exists before it).
#[derive(Clone, Debug)]
pub struct Draw {
    pub binary: bool,
    pub op: usize,
    pub a: usize,
    pub b: usize,
}

pub fn leaf() -> impl Strategy<Value = Leaf> {
    (0..SHAPES.len(), prop::collection::vec(-1.5f64..1.5, 6)).prop_map(|(shape, mut data)| {
        data.truncate(SHAPES[shape].iter().product());
        Leaf { shape, data }
    })
}

pub fn draw() -> impl Strategy<Value = Draw> {
    (any::<bool>(), 0..64usize, 0..64usize, 0..64usize).prop_map(|(binary, op, a, b)| Draw {
        binary,
        op,
        a,
        b,
    })
}

/// A spec's text from the draws; unsafe choices fall back to `tanh`.
pub fn spec_text(leaves: &[Leaf], draws: &[Draw]) -> String {
    let mut text = String::from("inputs:\n");
    let mut ranges = Vec::new();
    for (i, l) in leaves.iter().enumerate() {
        text.push_str(&format!("  x{i}: {}\n", literal(SHAPES[l.shape], &l.data)));
        let lo = l.data.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = l.data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        ranges.push((format!("x{i}"), Range::of(lo, hi)));
    }
    text.push_str("nodes:\n");
    for (k, d) in draws.iter().enumerate() {
        let (a, b) = (d.a % ranges.len(), d.b % ranges.len());
        let ops = if d.binary { BINARY } else { UNARY };
        let op = ops[d.op % ops.len()];
        let (ra, rb) = (ranges[a].1, ranges[b].1);
        let (call, range) = match range_of(op, ra, rb) {
            Some(r) if d.binary => (format!("{op}({}, {})", ranges[a].0, ranges[b].0), r),
            Some(r) => (format!("{op}({})", ranges[a].0), r),
            None => (
                format!("tanh({})", ranges[a].0),
                Range::of(ra.lo.tanh(), ra.hi.tanh()),
            ),
        };
        text.push_str(&format!("  n{k}: {call}\n"));
        ranges.push((format!("n{k}"), range));
    }
    text.push_str(&format!(
        "  total: sum({})\noutput: total\n",
        ranges[ranges.len() - 1].0
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
