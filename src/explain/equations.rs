//! The equations of an explanation: each node's forward line, each
//! backward term (upstream × local derivative), gathered sums and `--wrt`
//! steps, built from the op table's formulas with names, numbers or shapes
//! plugged in, in either [`Notation`].

use super::notation::{Equation, Notation};
use super::plug::{
    G, LONG, attr_text, broadcast_words, length, negative, plug_upstream, unmark_negatives,
};
use super::{BackStep, Explanation, Gathered, Term};
use crate::graph::Kind;
use crate::op::{Formula, Grad};
use crate::plan::Slot;

/// What a placeholder of a node's formulas stands for.
enum Plug {
    Names,
    Numbers,
    Shapes,
}

impl Explanation<'_> {
    /// A slot in a formula: its name (a literal as its number), value or shape.
    fn plug(&self, n: &Notation, slot: Slot, plug: &Plug) -> String {
        let literal = self.plan.info(slot).kind == Kind::Literal;
        match plug {
            Plug::Names if literal => negative(n.value(self.value(slot))),
            Plug::Names => n.name(self.name(slot)),
            Plug::Numbers => negative(n.value(self.value(slot))),
            Plug::Shapes => n.shape(self.value(slot).shape()),
        }
    }

    /// A node's formula (its result, or an argument's derivative) with the
    /// placeholders replaced: arguments and `out` by `plug`, `g` by `g`,
    /// attributes by their values.
    fn render(&self, n: &Notation, f: &Formula, node: Slot, plug: Plug, g: &str) -> String {
        let Some(op) = self.op_of(node) else {
            return String::new();
        };
        let def = op.def();
        let args = &self.plan.info(node).args;
        let text = n.formula(f, |ph| {
            if ph == "out" {
                return Some(self.plug(n, node, &plug));
            }
            if ph == "g" {
                return Some(G.to_string());
            }
            if let Some(k) = def.args.iter().position(|a| a.name == ph) {
                return args.get(k).map(|&s| self.plug(n, s, &plug));
            }
            attr_text(n, &op, ph)
        });
        unmark_negatives(&plug_upstream(&text, g, n.latex))
    }

    /// True when the node and all its arguments are written out in full.
    fn all_small(&self, n: &Notation, node: Slot) -> bool {
        let args = &self.plan.info(node).args;
        std::iter::once(node)
            .chain(args.iter().copied())
            .all(|s| n.small(self.value(s)))
    }

    /// True when the node and all its arguments are scalars.
    fn all_scalar(&self, node: Slot) -> bool {
        let args = &self.plan.info(node).args;
        std::iter::once(node)
            .chain(args.iter().copied())
            .all(|s| self.value(s).shape().is_empty())
    }

    /// True when the node and all its arguments have one shape.
    fn same_shapes(&self, node: Slot) -> bool {
        let shape = self.value(node).shape();
        let args = &self.plan.info(node).args;
        args.iter().all(|&s| self.value(s).shape() == shape)
    }

    /// The shapes of a formula and of its result: `[2]ᵀ · [2] → [2, 2]`.
    fn shapes_note(
        &self,
        n: &Notation,
        f: &Formula,
        node: Slot,
        g: &str,
        result: &[usize],
    ) -> String {
        let mut with = self.render(n, f, node, Plug::Shapes, g);
        if !n.latex && with.chars().count() > LONG / 2 {
            // A formula in words reads badly with shapes in it: list them.
            let def = self.op_of(node).map(|op| op.def());
            let args = &self.plan.info(node).args;
            let parts: Vec<String> = args
                .iter()
                .enumerate()
                .map(|(k, &a)| {
                    let name = def.and_then(|d| d.args.get(k)).map_or("?", |d| d.name);
                    format!("{name} {}", n.shape(self.value(a).shape()))
                })
                .collect();
            with = parts.join(", ");
        }
        format!("{}{}{}", with, n.arrow(), n.shape(result))
    }

    /// `fruit_price = price_Y × n_X = 100 × 2 = 200`.
    pub fn forward_equation(&self, n: &Notation, node: Slot) -> Equation {
        let mut eq = Equation::new(n.name(self.name(node)), false);
        let Some(op) = self.op_of(node) else {
            return eq;
        };
        let f = &op.def().formula;
        eq.then(self.render(n, f, node, Plug::Names, ""));
        if self.all_small(n, node) {
            let numbers = self.render(n, f, node, Plug::Numbers, "");
            if self.all_scalar(node) || length(n, &numbers) <= LONG {
                eq.then(numbers);
            }
        }
        eq.then(n.value(self.value(node)));
        if !self.same_shapes(node) {
            let shape = self.value(node).shape().to_vec();
            eq.shapes = Some(self.shapes_note(n, f, node, "", &shape));
        }
        eq
    }

    /// d output / d arg for one term of a step: upstream × local derivative.
    pub fn term_equation(&self, n: &Notation, step: &BackStep, t: &Term) -> Equation {
        let out = self.output();
        let (node, arg) = (self.name(step.node), self.name(t.arg));
        let mut eq = Equation::new(n.partial(out, arg), t.partial);
        let seed = step.upstream.seed && self.plan.output_is_scalar();
        let up_sym = n.partial(out, node);
        let upstream = &step.upstream.total;
        let f = t.grad.formula();
        let scalar = self.all_scalar(step.node);
        match t.grad {
            Grad::Local(_) => {
                let op = if scalar { n.times() } else { n.odot() };
                // As a factor (in parentheses if it is a sum) only after the upstream number.
                let factor = |text: String| {
                    if seed {
                        text
                    } else {
                        format!(
                            "{}{op}{}",
                            n.value_factor(upstream),
                            n.formula_factor(&text)
                        )
                    }
                };
                let names = self.render(n, f, step.node, Plug::Names, "");
                if !seed {
                    eq.then(format!("{up_sym}{op}{}", n.partial(node, arg)));
                }
                if scalar {
                    eq.then(factor(names));
                    eq.then(factor(self.render(n, f, step.node, Plug::Numbers, "")));
                    if let Some(local) = &t.local {
                        let local = n.value_factor(local);
                        eq.then(if seed { local } else { factor(local) });
                    }
                } else {
                    eq.then(if seed {
                        names
                    } else {
                        format!("{up_sym}{op}{}", n.formula_factor(&names))
                    });
                    if let Some(local) =
                        t.local.as_ref().filter(|l| n.small(l) && n.small(upstream))
                    {
                        eq.then(if seed {
                            n.value(local)
                        } else {
                            format!("{}{op}{}", n.value(upstream), n.value(local))
                        });
                    }
                }
            }
            Grad::Vjp(_) => {
                let up_sym = if seed { n.number(1.0) } else { up_sym };
                eq.then(self.render(n, f, step.node, Plug::Names, &up_sym));
                if self.all_small(n, step.node) {
                    let g = n.value_factor(upstream);
                    let numbers = self.render(n, f, step.node, Plug::Numbers, &g);
                    if length(n, &numbers) <= LONG {
                        eq.then(numbers);
                    }
                }
            }
        }
        eq.then(n.value(&t.contribution));
        if !self.same_shapes(step.node)
            && matches!(t.grad, Grad::Vjp(_))
            && t.summed_axes.is_empty()
        {
            let g = n.shape(upstream.shape());
            eq.shapes = Some(self.shapes_note(n, f, step.node, &g, t.contribution.shape()));
        }
        let mut notes = Vec::new();
        if !t.summed_axes.is_empty() {
            notes.push(broadcast_words(
                n,
                arg,
                self.value(t.arg).shape(),
                upstream.shape(),
                &t.summed_axes,
            ));
        }
        if t.repeated {
            let which = step.op.def().args.get(t.position).map_or("?", |a| a.name);
            notes.push(format!("as argument `{which}` of {}", step.op.name()));
        }
        if !notes.is_empty() {
            eq.note = Some(notes.join("; "));
        }
        eq
    }

    /// A gradient gathered from several uses: `d y / d x = 3 + 3 + 4 = 10`;
    /// `None` when it has one use or none (the term said it all).
    pub fn gathered_equation(&self, n: &Notation, g: &Gathered) -> Option<Equation> {
        if g.uses.len() < 2 {
            return None;
        }
        let mut eq = Equation::new(n.partial(self.output(), self.name(g.slot)), false);
        let all_small = g.uses.iter().all(|u| n.small(&u.contribution));
        let parts: Vec<String> = g
            .uses
            .iter()
            .map(|u| {
                if all_small {
                    n.value_factor(&u.contribution)
                } else {
                    format!("(via {})", n.name(self.name(u.node)))
                }
            })
            .collect();
        eq.then(parts.join(" + "));
        eq.then(n.value(&g.total));
        Some(eq)
    }
}

impl Explanation<'_> {
    /// One step down a `--wrt` path: `d o1_w5 / d w5 = out_h1 = 0.59327`
    /// (with `local`, the number, for a scalar step), or the step's
    /// vector-Jacobian product in terms of `g`, the gradient arriving along
    /// the path.
    pub fn edge_text(&self, n: &Notation, e: super::paths::Edge, local: Option<f64>) -> String {
        let Some(op) = self.op_of(e.node) else {
            return String::new();
        };
        let Some(arg) = op.def().args.get(e.position) else {
            return String::new();
        };
        let f = arg.grad.formula();
        let (node, name) = (self.name(e.node), self.name(e.arg));
        match (arg.grad, local) {
            (Grad::Local(_), Some(x)) => {
                let mut eq = Equation::new(n.partial(node, name), false);
                eq.then(self.render(n, f, e.node, Plug::Names, ""));
                eq.then(n.number(x));
                std::iter::once(eq.lhs)
                    .chain(eq.rhs)
                    .collect::<Vec<_>>()
                    .join(" = ")
            }
            (Grad::Vjp(_), Some(x)) => format!(
                "{} = {}{}{}{}",
                n.partial(node, name),
                n.number(x),
                n.words(" (the gradient is "),
                self.render(n, f, e.node, Plug::Names, "g"),
                n.words(")")
            ),
            (Grad::Vjp(_), None) => format!(
                "{}{}",
                n.words("g ↦ "),
                self.render(n, f, e.node, Plug::Names, "g")
            ),
            (Grad::Local(_), None) => format!(
                "{} = {}{}",
                n.partial(node, name),
                self.render(n, f, e.node, Plug::Names, ""),
                n.words(", element by element")
            ),
        }
    }
}
