//! Formulas as text for a terminal or as LaTeX, from the same pieces:
//! names, partial derivatives, numbers, tensors, shapes, and the op table's
//! formulas; and [`Equation`], what the renderers lay out.

use crate::op::Formula;
use crate::render::{nested, number};
use crate::tensor::{Value, shape_text};

/// How to write formulas: text or LaTeX, and how to print numbers.
#[derive(Clone, Copy, Debug)]
pub struct Notation {
    /// LaTeX (markdown) instead of text.
    pub latex: bool,
    /// Significant digits.
    pub sig: usize,
    /// Tensors with more elements are summarised, not written out.
    pub max_elems: usize,
}

/// `lhs = rhs[0] = rhs[1] = ...`, or `lhs += ...` for one part of a sum.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Equation {
    /// The left-hand side.
    pub lhs: String,
    /// One part of a gradient that has several (`+=`).
    pub accumulate: bool,
    /// The right-hand sides, each equal to the previous.
    pub rhs: Vec<String>,
    /// Shapes, said after the equation: a formula in the same notation.
    pub shapes: Option<String>,
    /// Said after the equation in words: broadcasting undone, which argument.
    pub note: Option<String>,
}

impl Equation {
    /// `lhs = ` (or `lhs += `), no right-hand side yet.
    pub fn new(lhs: String, accumulate: bool) -> Equation {
        Equation {
            lhs,
            accumulate,
            ..Default::default()
        }
    }

    /// Adds a right-hand side unless it repeats the previous one (or the
    /// lhs), whichever minus sign each uses.
    pub fn then(&mut self, rhs: String) {
        let same = |a: &str, b: &str| a.replace('−', "-") == b.replace('−', "-");
        if !same(self.rhs.last().unwrap_or(&self.lhs), &rhs) {
            self.rhs.push(rhs);
        }
    }
}

impl Notation {
    /// A name from the spec.
    pub fn name(&self, n: &str) -> String {
        if self.latex {
            format!(r"\text{{{}}}", latex_escape(n))
        } else {
            n.to_string()
        }
    }

    /// d of / d wrt.
    pub fn partial(&self, of: &str, wrt: &str) -> String {
        if self.latex {
            format!(
                r"\frac{{\partial {}}}{{\partial {}}}",
                self.name(of),
                self.name(wrt)
            )
        } else {
            format!("d {of} / d {wrt}")
        }
    }

    /// A number, rounded.
    pub fn number(&self, x: f64) -> String {
        let text = number(x, self.sig);
        if !self.latex {
            return text;
        }
        match text.split_once('e') {
            Some((m, e)) => {
                let e: i32 = e.parse().unwrap_or(0);
                format!(r"{m} \times 10^{{{e}}}")
            }
            None if text == "inf" => r"\infty".into(),
            None if text == "-inf" => r"-\infty".into(),
            None if text == "NaN" => r"\text{NaN}".into(),
            None => text,
        }
    }

    /// A number as a factor: a negative one in parentheses.
    pub fn factor(&self, x: f64) -> String {
        let t = self.number(x);
        if t.starts_with('-') { paren(&t) } else { t }
    }

    /// True when `v` is written out in full.
    pub fn small(&self, v: &Value) -> bool {
        v.len() <= self.max_elems
    }

    /// A value: a scalar as a number, a small tensor in full, a large one as
    /// its shape and range.
    pub fn value(&self, v: &Value) -> String {
        match v {
            Value::Scalar(x) => self.number(*x),
            Value::Tensor(_) if self.small(v) => {
                if self.latex && v.shape().len() <= 2 {
                    self.matrix(v)
                } else {
                    nested(v.shape(), &v.to_vec(), &|x| self.number(x))
                }
            }
            Value::Tensor(_) => {
                let (lo, hi) = v
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                        (lo.min(x), hi.max(x))
                    });
                let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
                // A mean within the rounding error of its own sum (n ε max|v|)
                // is 0: the mean of softmax's gradient, for one, is 0 in exact
                // arithmetic and some 1e-20 in f64, whose digits depend on the
                // order the matrix kernel of this CPU summed in.
                let noise = v.len() as f64 * f64::EPSILON * lo.abs().max(hi.abs());
                let mean = if mean.abs() <= noise { 0.0 } else { mean };
                let text = format!(
                    "{} values in {}, from {} to {}, mean {}",
                    v.len(),
                    shape_text(v.shape()),
                    number(lo, self.sig),
                    number(hi, self.sig),
                    number(mean, self.sig)
                );
                if self.latex {
                    format!(r"\text{{({text})}}")
                } else {
                    format!("({text})")
                }
            }
        }
    }

    /// A small 1-D or 2-D tensor as a LaTeX matrix (a vector as a row).
    fn matrix(&self, v: &Value) -> String {
        let cols = v.shape().last().copied().unwrap_or(1).max(1);
        let rows: Vec<String> = v
            .to_vec()
            .chunks(cols)
            .map(|r| {
                r.iter()
                    .map(|&x| self.number(x))
                    .collect::<Vec<_>>()
                    .join(" & ")
            })
            .collect();
        format!(r"\begin{{bmatrix}} {} \end{{bmatrix}}", rows.join(r" \\ "))
    }

    /// A value as a factor: a negative scalar in parentheses.
    pub fn value_factor(&self, v: &Value) -> String {
        match v {
            Value::Scalar(x) => self.factor(*x),
            Value::Tensor(_) => self.value(v),
        }
    }

    /// `[2, 3]`.
    pub fn shape(&self, s: &[usize]) -> String {
        if self.latex {
            format!(r"\text{{{}}}", shape_text(s))
        } else {
            shape_text(s)
        }
    }

    /// Words inside a formula.
    pub fn words(&self, s: &str) -> String {
        if !self.latex {
            return s.to_string();
        }
        match s {
            "g ↦ " => r"g \mapsto ".into(),
            _ => format!(r"\text{{{}}}", latex_escape(s)),
        }
    }

    /// The multiplication sign between two numbers.
    pub fn times(&self) -> &'static str {
        if self.latex { r" \times " } else { " × " }
    }

    /// The elementwise product sign.
    pub fn odot(&self) -> &'static str {
        if self.latex { r" \odot " } else { " ⊙ " }
    }

    /// "becomes".
    pub fn arrow(&self) -> &'static str {
        if self.latex { r" \to " } else { " → " }
    }

    /// A formula of the op table with each placeholder replaced.
    pub fn formula(&self, f: &Formula, subst: impl Fn(&str) -> Option<String>) -> String {
        f.render(self.latex, subst)
    }

    /// A formula as a factor: in parentheses when it is a sum, a difference
    /// or a case split (`1 − tanh²x`, `1 if x > 0, else 0`).
    pub fn formula_factor(&self, text: &str) -> String {
        if needs_parens(text) {
            paren(text)
        } else {
            text.to_string()
        }
    }
}

/// `(text)`.
fn paren(text: &str) -> String {
    format!("({text})")
}

/// True when `text` has a `+`, `−`, `-`, `,` or `if` outside parentheses
/// (after its first character), or starts with a minus sign.
fn needs_parens(text: &str) -> bool {
    if text.starts_with(['-', '−']) {
        return true;
    }
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            '+' | '-' | '−' | ',' if depth == 0 && i > 0 => return true,
            _ => {}
        }
    }
    text.contains(" if ") || text.contains(r"\begin")
}

/// Escapes the characters LaTeX treats specially inside `\text{}`.
pub fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '_' | '#' | '$' | '%' | '&' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str(r"\textbackslash{}"),
            '^' => out.push_str(r"\^{}"),
            '~' => out.push_str(r"\~{}"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}
