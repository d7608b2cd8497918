//! What the op table says about an op: the types of an [`OpDef`].
//!
//! One [`OpDef`] per op (see [`super::table`]) holds every fact the rest of
//! bpc needs about it besides its calculus: its name, its arguments (name,
//! role, local derivative), its attributes (name, kind, default) and how to
//! build the [`Op`] from their values, a one-line summary, its shape rule,
//! the likely cause of a NaN or inf it produces, and where finite
//! differences cannot be trusted ([`Hazard`]).
//!
//! # Derivative formulas
//!
//! Each argument carries its derivative as a [`Formula`]: the same formula
//! twice, as Unicode text and as LaTeX. Inside both, `<name>` is a
//! placeholder for an argument of the op (`<a>`, `<W>`), an attribute
//! (`<alpha>`), the op's result (`<out>`) or the upstream gradient (`<g>`);
//! [`Formula::render`] substitutes them. (`<` + a name + `>`; no other
//! `<name>` may appear in a formula, and `<` followed by a space, a digit or
//! `=` is ordinary text.) A [`Grad::Local`] formula is the elementwise
//! ∂out/∂arg (the gradient is `g` times it, summed over broadcast axes); a
//! [`Grad::Vjp`] formula is the whole gradient of a tensor op, in terms of
//! `<g>`.

use super::{Dims, Hazard, Op};

/// Everything the table records about one op.
#[derive(Debug)]
pub struct OpDef {
    /// The op's name in specs.
    pub name: &'static str,
    /// What it computes, in one line (help, hover text, schema).
    pub summary: &'static str,
    /// Its result as a formula of its arguments and attributes, for
    /// `bpc explain`'s forward lines: `<a> × <b>`.
    pub formula: Formula,
    /// Its arguments, in order.
    pub args: &'static [ArgDef],
    /// Its attributes (`key=value` in a call), in order.
    pub attrs: &'static [AttrDef],
    /// Builds the op from its attributes' values (in the order of `attrs`,
    /// defaults filled in).
    pub build: fn(&Attrs) -> Op,
    /// The shape rule, in words.
    pub shape: &'static str,
    /// The likely cause of a NaN or inf in its result, for messages.
    pub nan_cause: &'static str,
    /// Where finite differences of it cannot be trusted.
    pub hazards: &'static [Hazard],
    /// The largest tensor its kernels build, checked against the element
    /// limit before anything is allocated.
    pub largest: Largest,
}

/// The largest tensor an op's kernels hold while they compute it, forward or
/// backward, as a rule over its arguments' shapes. A small result does not
/// make a small op: `mse(a, b)` with `a` of shape [200000, 1] and `b` of
/// shape [200000] is a scalar, but compares them at [200000, 200000]. The
/// graph's shape pass counts this against the element limit at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Largest {
    /// Nothing larger than its result or one of its arguments.
    ResultOrArg,
    /// The broadcast of its first two arguments: a binary elementwise op's
    /// gradients before they are summed back to each argument's shape, and
    /// the elementwise terms of `mse` and `bce`.
    Broadcast,
}

impl Largest {
    /// Elements of the largest tensor, for arguments of shapes `args` and a
    /// result of shape `result` (`usize::MAX` past what a `usize` counts).
    pub fn elements(&self, args: &[&[usize]], result: &[usize]) -> usize {
        let count = |s: &[usize]| {
            s.iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d))
                .unwrap_or(usize::MAX)
        };
        let own = args
            .iter()
            .map(|a| count(a))
            .chain(std::iter::once(count(result)))
            .max()
            .unwrap_or(0);
        match self {
            Largest::ResultOrArg => own,
            Largest::Broadcast => match (args.first(), args.get(1)) {
                (Some(a), Some(b)) => {
                    crate::broadcast::broadcast_shapes(a, b).map_or(own, |s| own.max(count(&s)))
                }
                _ => own,
            },
        }
    }
}

/// One argument of an op.
#[derive(Debug)]
pub struct ArgDef {
    /// Its name, in usage lines and in derivative formulas.
    pub name: &'static str,
    /// What it is for.
    pub role: Role,
    /// Its derivative.
    pub grad: Grad,
    /// It may be repeated (the last argument of `stack` and `concat`):
    /// `stack(a, b, c)`.
    pub repeats: bool,
}

/// What an argument is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A value the result depends on smoothly (almost everywhere).
    Operand,
    /// The labels a loss compares the prediction with: usually data.
    Target,
}

/// An argument's derivative.
#[derive(Clone, Copy, Debug)]
pub enum Grad {
    /// Elementwise ops: ∂out/∂arg, element by element. The gradient is `g`
    /// times it, summed over the axes the argument was broadcast along.
    Local(Formula),
    /// Tensor ops: the gradient (vector-Jacobian product) in terms of `<g>`.
    Vjp(Formula),
}

impl Grad {
    /// The formula, local or not.
    pub fn formula(&self) -> &Formula {
        match self {
            Grad::Local(f) | Grad::Vjp(f) => f,
        }
    }
}

/// A formula as Unicode text and as LaTeX, with `<name>` placeholders (see
/// the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct Formula {
    /// For terminals: `<out>·(1 − <out>)`.
    pub text: &'static str,
    /// For LaTeX: `<out> \cdot (1 - <out>)`.
    pub latex: &'static str,
}

impl Formula {
    /// The placeholders of `template` (`text` or `latex`), in order.
    pub fn placeholders(template: &str) -> Vec<&str> {
        pieces(template)
            .filter_map(|p| match p {
                Piece::Name(n) => Some(n),
                Piece::Text(_) => None,
            })
            .collect()
    }

    /// The formula with each placeholder replaced by `name(placeholder)`
    /// (left as written when that gives `None`).
    pub fn render(&self, latex: bool, name: impl Fn(&str) -> Option<String>) -> String {
        let template = if latex { self.latex } else { self.text };
        let mut out = String::with_capacity(template.len());
        for piece in pieces(template) {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Name(n) => match name(n) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push('<');
                        out.push_str(n);
                        out.push('>');
                    }
                },
            }
        }
        out
    }
}

enum Piece<'t> {
    Text(&'t str),
    Name(&'t str),
}

/// Splits a template into text and `<name>` placeholders.
fn pieces(template: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = template;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut from = 0;
        while let Some(i) = rest[from..].find('<').map(|i| i + from) {
            let after = &rest[i + 1..];
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let starts = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            if starts && after[len..].starts_with('>') {
                if i > 0 {
                    let text = &rest[..i];
                    rest = &rest[i..];
                    return Some(Piece::Text(text));
                }
                let name = &after[..len];
                rest = &after[len + 1..];
                return Some(Piece::Name(name));
            }
            from = i + 1;
        }
        let text = rest;
        rest = "";
        Some(Piece::Text(text))
    })
}

/// One attribute of an op.
#[derive(Debug)]
pub struct AttrDef {
    /// Its name (`axis` in `sum(x, axis=1)`).
    pub name: &'static str,
    /// What it accepts.
    pub kind: AttrKind,
    /// Its value when the call does not give it.
    pub default: AttrDefault,
    /// It may also be given by position, after the arguments, as a number
    /// (`clip(x, 0, 1)` for `clip(x, lo=0, hi=1)`).
    pub positional: bool,
}

/// What an attribute of an op accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrKind {
    /// Any finite number.
    Number,
    /// An integer axis (negative counts from the end).
    Axis,
    /// An integer position (negative counts from the end).
    Index,
    /// A shape: a list of sizes, one of them -1 at most (`shape=[2, -1]`).
    Shape,
}

/// An attribute's value when a call does not give it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AttrDefault {
    /// None: the call must give it.
    Required,
    /// This value.
    Value(AttrValue),
    /// No value: the op does something else (for an axis: every axis). The
    /// text says what, for usage lines (`axis=all`).
    Absent(&'static str),
}

/// An attribute's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AttrValue {
    /// A finite number.
    Number(f64),
    /// An integer (an axis, a position).
    Int(isize),
    /// A shape.
    Shape(Dims),
}

/// The values of an op's attributes, in the order of its [`OpDef::attrs`]:
/// the call's, or the defaults (`None` for an absent one).
#[derive(Clone, Debug, Default)]
pub struct Attrs(pub Vec<Option<AttrValue>>);

impl Attrs {
    /// Attribute `i` as a number (NaN if absent or not a number).
    pub fn number(&self, i: usize) -> f64 {
        match self.0.get(i) {
            Some(Some(AttrValue::Number(x))) => *x,
            Some(Some(AttrValue::Int(n))) => *n as f64,
            Some(Some(AttrValue::Shape(_)) | None) | None => f64::NAN,
        }
    }

    /// Attribute `i` as a shape, if present.
    pub fn shape(&self, i: usize) -> Option<Dims> {
        match self.0.get(i) {
            Some(Some(AttrValue::Shape(d))) => Some(*d),
            _ => None,
        }
    }

    /// Attribute `i` as a 32-bit integer (0 if absent; positions and axes
    /// are checked to fit when the call is read).
    pub fn int32(&self, i: usize) -> i32 {
        self.int(i).and_then(|n| n.try_into().ok()).unwrap_or(0)
    }

    /// Attribute `i` as an integer, if present.
    pub fn int(&self, i: usize) -> Option<isize> {
        match self.0.get(i) {
            Some(Some(AttrValue::Int(n))) => Some(*n),
            _ => None,
        }
    }
}

impl OpDef {
    /// `mul(a, b)` or `softmax(x, axis=-1)`.
    pub fn usage(&self) -> String {
        let mut parts: Vec<String> = self.args.iter().map(|a| a.name.to_string()).collect();
        if self.args.last().is_some_and(|a| a.repeats) {
            parts.push("...".into());
        }
        parts.extend(self.attrs.iter().map(|a| match a.default {
            AttrDefault::Value(AttrValue::Number(x)) => format!("{}={x}", a.name),
            AttrDefault::Value(AttrValue::Int(n)) => format!("{}={n}", a.name),
            AttrDefault::Value(AttrValue::Shape(d)) => format!("{}={}", a.name, d.text()),
            AttrDefault::Absent(what) => format!("{}={what}", a.name),
            AttrDefault::Required if a.positional => a.name.to_string(),
            AttrDefault::Required if a.kind == AttrKind::Shape => format!("{}=[...]", a.name),
            AttrDefault::Required => format!("{}=...", a.name),
        }));
        format!("{}({})", self.name, parts.join(", "))
    }

    /// The fewest and the most arguments it takes (`usize::MAX`: any number,
    /// when its last argument repeats).
    pub fn arity(&self) -> (usize, usize) {
        match self.args.last() {
            Some(last) if last.repeats => (self.args.len(), usize::MAX),
            _ => (self.args.len(), self.args.len()),
        }
    }

    /// True when it takes `n` arguments.
    pub fn takes(&self, n: usize) -> bool {
        let (min, max) = self.arity();
        (min..=max).contains(&n)
    }

    /// The attribute values when the call gives none: every default.
    pub fn defaults(&self) -> Attrs {
        Attrs(
            self.attrs
                .iter()
                .map(|a| match a.default {
                    AttrDefault::Value(v) => Some(v),
                    AttrDefault::Absent(_) | AttrDefault::Required => None,
                })
                .collect(),
        )
    }
}
